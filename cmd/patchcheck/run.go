package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/rules"
)

// Exit codes.
const (
	exitOK       = 0 // no findings
	exitFindings = 1 // findings
	exitUsage    = 2 // usage or input error
)

// version is the tool version written into reports.
const version = "0.1.0-dev"

// options are the inputs of one run.
type options struct {
	Files   []string  // files to read; "-" is Stdin
	GitDir  string    // with Range: read commits from this repository
	Range   string    // A..B or a single commit
	Format  string    // text | json
	MaxSize int64     // input size limit; 0 means the default
	Stdin   io.Reader // standard input, for "-"
	Args    []string  // the command line, for the report
}

// run reads the inputs and writes the result; it returns the exit code.
// Errors are written to stderr as one line "patchcheck: FILE:LINE: what".
func run(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	s, err := readSeries(ctx, o)
	if err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	rep := newReport(o, s)
	switch o.Format {
	case "json":
		if err := writeJSON(stdout, rep); err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
	default:
		writeText(stdout, s)
	}
	if hasFindings(s) {
		return exitFindings
	}
	return exitOK
}

// readSeries reads the series the options name.
func readSeries(ctx context.Context, o *options) (*parse.Series, error) {
	popts := &parse.Options{MaxSize: o.MaxSize}
	if o.GitDir != "" {
		return parse.ReadGitRange(ctx, o.GitDir, o.Range, popts)
	}
	return parse.ParseFiles(o.Files, o.Stdin, popts)
}

// writeErr prints one error line. Input errors already carry FILE:LINE.
func writeErr(w io.Writer, msg string) {
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", " ")
	fmt.Fprintf(w, "patchcheck: %s\n", msg)
}

// newReport fills the parts of a report this stage knows: tool, inputs and
// series.
func newReport(o *options, s *parse.Series) *rules.Report {
	args := o.Args
	if args == nil {
		args = []string{}
	}
	rep := &rules.Report{
		Schema: rules.Schema,
		Tool:   rules.Tool{Name: "patchcheck", Version: version, Args: args},
		Series: convertSeries(s),
	}
	rep.Inputs = []rules.Input{}
	for _, in := range s.Inputs {
		rep.Inputs = append(rep.Inputs, rules.Input{Name: in.Name, Kind: in.Kind})
	}
	return rep
}

func writeJSON(w io.Writer, rep *rules.Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "Name <addr>" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return errors.New("encode report: " + err.Error())
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// isFinding reports whether a parse notice is a finding: the patch as sent
// is inconsistent (git apply would reject it, or its diffstat lies).
func isFinding(n parse.Notice) bool {
	return n.Kind == parse.NoticeDiffstat || n.Kind == parse.NoticeHunkCount
}

func hasFindings(s *parse.Series) bool {
	for _, n := range s.Notices {
		if isFinding(n) {
			return true
		}
	}
	for _, p := range s.Patches {
		for _, n := range p.Notices {
			if isFinding(n) {
				return true
			}
		}
	}
	return false
}
