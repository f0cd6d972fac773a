package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// renderTerse writes one line per finding, "FILE:LINE: SEVERITY: ID:
// message", the form compilers print and that vim's errorformat, Emacs's
// compilation-mode and `b4 prep --check` read. A PASS prints nothing; the
// exit status carries the verdict as in every format.
//
// FILE:LINE is the finding's line of the patched file (post-image, or the
// pre-image for a removed line). A finding about code the patch does not
// show is placed at the last step of its counterexample that has a file,
// where the property broke; one about the commit message at line 1 of the
// input, where the message is.
//
// On a GitHub runner the lines are bracketed by a ::stop-commands:: token,
// as the text report is: a file name from the patch starts each line, and
// "::add-mask::x" is a file name too.
func renderTerse(w io.Writer, r *rules.Report, opts Options) error {
	if Silent(r) {
		return nil
	}
	if opts.GitHubActions {
		var body bytes.Buffer
		if err := renderTerse(&body, r, Options{}); err != nil {
			return err
		}
		return writeStopCommands(w, body.Bytes())
	}
	bw := bufio.NewWriter(w)
	for i := range r.Findings {
		f := &r.Findings[i]
		fmt.Fprintf(bw, "%s: %s: %s: %s\n", terseWhere(r, f), terseSeverity(f.Severity), word(f.ID), oneLine(f.Message))
	}
	// Inconsistencies of the patch as sent fail it whatever the models say.
	for _, n := range inconsistencies(r) {
		fmt.Fprintf(bw, "%s:%d: error: patch.%s: %s\n", oneLine(orInput(r, n.File)), max(n.Line, 1), word(n.Kind), oneLine(n.Message))
	}
	if len(r.Findings) == 0 && len(inconsistencies(r)) == 0 {
		// An inconclusive run without a finding still says why in one line.
		fmt.Fprintf(bw, "%s:1: warning: patchcheck.%s: %s\n", inputName(r), word(r.Verdict), oneLine(r.Summary))
	}
	return bw.Flush()
}

// terseSeverity is a finding's severity as compilers write it; a value
// outside the vocabulary is an error, never less.
func terseSeverity(s string) string {
	switch s {
	case "error", "warning", "note":
		return s
	}
	return "error"
}

// word makes s one word, so that the fields of a line stay apart.
func word(s string) string { return strings.Join(strings.Fields(s), "_") }

// terseWhere is the FILE:LINE of a finding for the terse format. A file
// name is put on one line: a name with a line break cannot add a line.
func terseWhere(r *rules.Report, f *rules.Finding) string {
	if l := f.Location; l != nil && l.File != "" {
		return fmt.Sprintf("%s:%d", oneLine(l.File), max(l.Line, 1))
	}
	if p := violation(r, f); p != nil {
		steps := p.Counterexample.Steps
		for i := len(steps) - 1; i >= 0; i-- {
			if s := steps[i]; s.File != "" && s.Line > 0 {
				return fmt.Sprintf("%s:%d", oneLine(s.File), s.Line)
			}
		}
	}
	return inputName(r) + ":1"
}

// inputName names the input for findings that have no file of their own;
// standard input is "-", as compilers write it.
func inputName(r *rules.Report) string {
	if len(r.Inputs) > 0 && r.Inputs[0].Name != "" {
		return oneLine(r.Inputs[0].Name)
	}
	return "-"
}

func orInput(r *rules.Report, file string) string {
	if file == "" {
		return inputName(r)
	}
	return file
}

// inconsistencies are the parser notices that make the patch fail as sent:
// its diffstat lies, or a hunk's counts disagree with its body.
// Silent reports whether a quiet report prints nothing: the run passed and
// the patch as sent is consistent (a diffstat that lies, a hunk that
// miscounts, fails it whatever the models say, and exits 1).
func Silent(r *rules.Report) bool { return r.Verdict == "pass" && len(inconsistencies(r)) == 0 }

func inconsistencies(r *rules.Report) []rules.Notice {
	var out []rules.Notice
	add := func(ns []rules.Notice) {
		for _, n := range ns {
			if n.Kind == "diffstat-mismatch" || n.Kind == "hunk-count" {
				out = append(out, n)
			}
		}
	}
	add(r.Series.Notices)
	for _, p := range r.Series.Patches {
		add(p.Notices)
	}
	return out
}
