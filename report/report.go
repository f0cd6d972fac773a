// Package report renders a rules.Report in the formats its readers need: a
// terminal report, JSON, a reply to the mailing list, Markdown for GitHub,
// SARIF for code scanning, GitHub workflow annotations, a self-contained
// HTML page with pictures, and patchwork check results.
//
// Every format is produced from the one Report value and from nothing else,
// so the formats cannot disagree. Renderers add no wall-clock time and
// iterate only over slices: the same Report gives byte-identical output.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// Options are the choices a caller makes about rendering. The zero value is
// usable for every format.
type Options struct {
	// TargetURL is where the full report is published (a CI run, a web
	// page). Patchwork checks link to it; Markdown and email mention it.
	TargetURL string
	// Context names the check in patchwork ("patchcheck" when empty). It must
	// be a slug: letters, digits, '-' and '_'.
	Context string
	// TimelineCPUs picks the scenario whose per-CPU timelines the HTML report
	// shows first, by CPU count; 0 picks the first scenario that has
	// timelines of both variants. The page can switch to the others.
	TimelineCPUs int
	// MarkdownLimit caps the Markdown output in bytes. 0 means 1 MiB, the
	// most GitHub accepts for a job summary; PR comments take at most
	// 65536 characters.
	MarkdownLimit int
	// From and Cc are written into the email's headers when set; without a
	// From the mail is meant for a sender that adds it (git send-email,
	// a mail client's "edit as new").
	From string
	Cc   []string
	// To replaces the email's To: header, which is otherwise the author of
	// the message replied to.
	To []string
	// Verbose makes the text report show everything the Report holds:
	// inputs, models, every claim's binding, every property row and the
	// counterexample traces. Without it the text report fits one screen.
	Verbose bool
	// Color marks verdicts and severities in the text report with ANSI
	// colours; the caller sets it for a terminal that wants them
	// (NO_COLOR unset).
	Color bool
	// GitHubActions is set when standard output is a GitHub Actions log
	// (GITHUB_ACTIONS=true): the text report, which quotes the patch, is
	// then bracketed by a ::stop-commands:: token so that patch text
	// cannot act as a workflow command.
	GitHubActions bool
}

type renderFunc func(w io.Writer, r *rules.Report, opts Options) error

type format struct {
	name   string
	exts   []string // file name endings that select it, longest first within the table
	render renderFunc
}

// formats lists every output format. FormatFor tries exts in this order, so
// a more specific ending (".sarif.json") is listed before a general one.
var formats = []format{
	{"text", []string{".txt", ".text"}, renderText},
	{"terse", []string{".terse"}, renderTerse},
	{"sarif", []string{".sarif", ".sarif.json"}, renderSARIF},
	{"patchwork", []string{".patchwork.json", ".patchwork"}, renderPatchwork},
	{"json", []string{".json"}, renderJSON},
	{"email", []string{".eml", ".email", ".mail"}, renderEmail},
	{"markdown", []string{".md", ".markdown"}, renderMarkdown},
	{"annotations", []string{".annotations"}, renderAnnotations},
	{"html", []string{".html", ".htm"}, renderHTML},
}

// Formats returns the names of the output formats, in documentation order.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}

func lookup(name string) (format, bool) {
	for _, f := range formats {
		if f.name == name {
			return f, true
		}
	}
	return format{}, false
}

// Render writes r to w in the named format.
func Render(w io.Writer, name string, r *rules.Report, opts Options) error {
	f, ok := lookup(name)
	if !ok {
		return fmt.Errorf("unknown report format %q (formats: %s)", name, strings.Join(Formats(), ", "))
	}
	if r == nil {
		return errors.New("report: nil report")
	}
	if f.name != "json" {
		// Every format but the Report itself is read by a person or a
		// tool that acts on what it shows: control characters from the
		// patch are replaced first (see sanitize.go).
		c, err := cleanReport(r)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		r = c
		normaliseUnits(r)
	}
	return f.render(w, r, opts)
}

// DrawsPlots reports whether any of the named formats draws the timing
// plots and timelines (the HTML report); only then does the evaluation
// compute them (rules.EvalInput.Plots).
func DrawsPlots(formats ...string) bool {
	return slices.Contains(formats, "html")
}

// FormatFor infers a format from an output path's name, e.g. "out.sarif"
// gives "sarif". A path may also name its format explicitly as
// "FORMAT:PATH" (e.g. "annotations:-" for standard output).
func FormatFor(path string) (name, file string, err error) {
	if before, after, ok := strings.Cut(path, ":"); ok {
		if _, known := lookup(before); known {
			if after == "" {
				return "", "", fmt.Errorf("output %q: no file after the format", path)
			}
			return before, after, nil
		}
	}
	base := strings.ToLower(filepath.Base(path))
	for _, f := range formats {
		for _, ext := range f.exts {
			if strings.HasSuffix(base, ext) {
				return f.name, path, nil
			}
		}
	}
	return "", "", fmt.Errorf("output %q: cannot tell the format from the file name; use one of %s, or FORMAT:%s", path, strings.Join(extensions(), " "), path)
}

func extensions() []string {
	var all []string
	for _, f := range formats {
		all = append(all, f.exts...)
	}
	slices.Sort(all)
	return all
}

// WriteOutputs renders r once per path (the format taken from the path, see
// FormatFor) and writes the files. "-" as the file means standard output.
// Everything is rendered before anything is written, so an error leaves no
// partial set of outputs behind; each file is replaced atomically.
func WriteOutputs(paths []string, r *rules.Report, opts Options) error {
	type out struct {
		file string
		data []byte
	}
	var outs []out
	seen := map[string]bool{}
	for _, p := range paths {
		name, file, err := FormatFor(p)
		if err != nil {
			return err
		}
		if file != "-" && seen[file] {
			return fmt.Errorf("output %q given twice", file)
		}
		seen[file] = true
		var buf bytes.Buffer
		if err := Render(&buf, name, r, opts); err != nil {
			return fmt.Errorf("output %s: %w", file, err)
		}
		outs = append(outs, out{file, buf.Bytes()})
	}
	for _, o := range outs {
		if o.file == "-" {
			if _, err := os.Stdout.Write(o.data); err != nil {
				return fmt.Errorf("output -: %w", err)
			}
			continue
		}
		if err := writeFileAtomic(o.file, o.data); err != nil {
			return fmt.Errorf("output %s: %w", o.file, err)
		}
	}
	return nil
}

// writeFileAtomic writes data to a temporary file next to name and renames
// it into place, so a reader never sees half a report.
func writeFileAtomic(name string, data []byte) error {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
