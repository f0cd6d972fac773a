package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// textWidth is where the terminal report wraps prose. Code and paths are
// never wrapped.
const textWidth = 100

// renderText writes the terminal report: by default the short one of
// textshort.go, with Options.Verbose the whole one below. On a GitHub
// Actions runner the report is bracketed by a ::stop-commands:: token.
func renderText(w io.Writer, r *rules.Report, opts Options) error {
	if !opts.GitHubActions {
		return renderTextBody(w, r, opts)
	}
	var body bytes.Buffer
	if err := renderTextBody(&body, r, opts); err != nil {
		return err
	}
	return writeStopCommands(w, body.Bytes())
}

func renderTextBody(w io.Writer, r *rules.Report, opts Options) error {
	if !opts.Verbose {
		return renderTextShort(w, r, opts)
	}
	return renderTextVerbose(w, r, opts)
}

// renderTextVerbose writes everything: what was read, what was modelled,
// every claim and property with its numbers and their source, the
// counterexamples, the findings, and a one-line summary last, where a
// terminal user's eye lands.
func renderTextVerbose(w io.Writer, r *rules.Report, opts Options) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, hunks: numberHunks(r), color: opts.Color}
	t.header(r)
	t.read(r)
	t.modelled(r)
	t.claims(r)
	t.properties(r)
	t.steps(r)
	t.findings(r)
	t.printf("%s: %s\n", t.verdict(r), oneLine(r.Summary))
	t.printf("reproduce: %s\n", reproduce(r))
	return bw.Flush()
}

type textWriter struct {
	w     *bufio.Writer
	hunks []*hunkLines
	color bool
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t.w, format, args...) }

// para writes s wrapped, each line indented by indent.
func (t *textWriter) para(indent, s string) {
	for _, l := range wrap(s, textWidth-len(indent)) {
		t.printf("%s%s\n", indent, l)
	}
}

// field writes "label value" with the value wrapped under itself.
func (t *textWriter) field(indent, label, value string) {
	pad := indent + strings.Repeat(" ", len(label)+1)
	for i, l := range wrap(value, textWidth-len(pad)) {
		if i == 0 {
			t.printf("%s%s %s\n", indent, label, l)
		} else {
			t.printf("%s%s\n", pad, l)
		}
	}
}

func (t *textWriter) header(r *rules.Report) {
	t.printf("%s %s: %s\n", nameOr(r.Tool.Name), r.Tool.Version, t.verdict(r))
	t.printf("%s\n\n", oneLine(patchTitle(r)))
}

func nameOr(s string) string {
	if s == "" {
		return "patchcheck"
	}
	return s
}

func (t *textWriter) read(r *rules.Report) {
	t.printf("Read\n")
	for _, in := range r.Inputs {
		t.printf("  %s (%s)\n", in.Name, in.Kind)
	}
	if c := r.Series.Cover; c != nil {
		t.printf("  cover letter %s  %s\n", c.MessageID, c.Subject)
	}
	for _, p := range r.Series.Patches {
		t.printf("  patch %d/%d v%d  %s\n", p.Index, p.Total, p.Version, p.Subject)
		t.printf("    %s, %s, %s\n", p.Author, p.Date, p.MessageID)
		width := 0
		for _, f := range p.Files {
			width = max(width, len(f.Path))
		}
		for _, f := range p.Files {
			path := f.Path
			if f.OldPath != "" && f.OldPath != f.Path {
				path = f.OldPath + " => " + f.Path
			}
			t.printf("    %-*s  %-6s +%d -%d, %s\n", width, path, f.Change, f.Added, f.Deleted, plural(f.Hunks, "hunk"))
		}
		if p.Mangled {
			t.printf("    whitespace repaired: context lines are compared ignoring whitespace\n")
		}
		for _, g := range groupNotices(p.Notices) {
			t.field("    ", "notice", g)
		}
	}
	for _, g := range groupNotices(r.Series.Notices) {
		t.field("  ", "notice", g)
	}
	t.printf("\n")
}

func (t *textWriter) modelled(r *rules.Report) {
	t.printf("Modelled\n")
	if r.Models.Baseline != "" {
		t.field("  ", "baseline:", r.Models.Baseline)
	}
	if p := r.Profile; p != nil {
		t.field("  ", "profile: ", fmt.Sprintf("%s (%s)", p.Name, p.Source))
		if len(p.Calibrated) > 0 {
			t.printf("            calibrated on:\n")
		}
		for _, c := range p.Calibrated {
			t.field("            ", "-", c)
		}
	}
	width := 0
	for _, f := range r.Functions {
		width = max(width, len(fmt.Sprintf("%s:%d", f.File, f.Line)))
	}
	for _, f := range r.Functions {
		name := f.Name
		if name == "" {
			name = "(" + f.What + ")"
		}
		state := "modelled"
		if !f.Modelled {
			state = "not modelled"
		}
		line := fmt.Sprintf("  %-*s  %-18s %s, %s", width, fmt.Sprintf("%s:%d", f.File, f.Line), name, f.Change, state)
		if f.Note != "" {
			line += ": " + f.Note
		}
		t.printf("%s\n", line)
	}
	changed := "no"
	if r.BehaviourChanged {
		changed = "yes"
	}
	t.printf("  behaviour changed: %s\n", changed)
	if len(r.Models.UnknownCallees) == 0 {
		t.printf("  unknown callees: none\n")
	}
	for _, u := range r.Models.UnknownCallees {
		t.printf("  unknown callee %s at %s:%d, %s\n", u.Name, u.File, u.Line, u.Handled)
	}
	for _, u := range r.Models.Unmodelled {
		t.para("  ", fmt.Sprintf("unmodelled %s at %s:%d: %s", u.Name, u.File, u.Line, u.Reason))
	}
	for _, d := range r.Models.Drift {
		t.para("  ", fmt.Sprintf("drift %s %s: %s", d.File, d.Name, d.Message))
	}
	t.printf("\n")
}

func (t *textWriter) claims(r *rules.Report) {
	if len(r.Claims) == 0 {
		t.printf("Claims: none found in the commit messages\n\n")
		return
	}
	t.printf("Claims (%s)\n", countVerdicts(r.Claims))
	for _, c := range r.Claims {
		t.printf("  %s %s  %q\n", c.ID, c.Verdict, c.Text)
		t.field("     ", "code     ", fmt.Sprintf("%s, %s", variant(c.Variant), scenario(c.Scenario)))
		if c.Metric != "" {
			t.field("     ", "metric   ", c.Metric)
		}
		t.field("     ", "claimed  ", claimed(c.Claimed))
		if c.Predicted != nil {
			t.field("     ", "predicted", distribution(c.Predicted))
		}
		if ct := costText(c.Cost); ct != "" {
			t.field("     ", "time goes", ct)
		}
		for _, a := range c.Also {
			t.field("     ", "also     ", fmt.Sprintf("%s %s: %s", a.Metric, distribution(a.Predicted), a.Why))
		}
		if c.Source != "" {
			t.field("     ", "source   ", c.Source)
		}
		if c.Binding != "" {
			t.field("     ", "bound as ", c.Binding)
		}
		if c.Reason != "" {
			t.field("     ", "because  ", c.Reason)
		}
	}
	t.printf("\n")
}

func (t *textWriter) properties(r *rules.Report) {
	if len(r.Properties) == 0 {
		t.printf("Properties: none evaluated\n\n")
		return
	}
	t.printf("Properties\n")
	width := 0
	for _, p := range r.Properties {
		width = max(width, len(scenario(p.Scenario)))
	}
	for _, g := range groupProperties(r.Properties) {
		t.printf("  %s [%s]\n", g.ID, g.Severity)
		t.para("    ", g.Doc)
		shown := map[string]bool{} // variants whose counterexample is printed already
		for _, p := range g.Results {
			t.field("    ", fmt.Sprintf("%-6s %-*s ", variant(p.Variant), width, scenario(p.Scenario)), propertyVerdict(p))
			t.field("           ", "explored", exploration(p.Explored))
			if p.Reason != "" {
				t.field("           ", "because ", p.Reason)
			}
			if cx := p.Counterexample; cx != nil {
				if shown[p.Variant] {
					t.printf("           counterexample%s, %d steps: in the JSON output\n", cpusOf(cx, p), len(cx.Steps))
					continue
				}
				shown[p.Variant] = true
				t.printf("           counterexample%s:\n", cpusOf(cx, p))
				t.trace("             ", cx)
			}
		}
	}
	t.printf("\n")
}

// cpusOf is ", N CPUs" for a counterexample, or nothing when neither it
// nor its scenario says (a property of the program text has no machine).
func cpusOf(cx *rules.Counterexample, p *rules.Property) string {
	if n := max(cx.CPUs, p.Scenario.CPUs); n > 0 {
		return ", " + plural(n, "CPU")
	}
	return ""
}

// trace writes a counterexample as numbered steps, each with the line of
// code it executes.
func (t *textWriter) trace(indent string, cx *rules.Counterexample) {
	for _, it := range condense(cx) {
		num := fmt.Sprintf("%3s ", it.number())
		if it.Summary != "" {
			t.printf("%s%s%s\n", indent, num, it.Summary)
			continue
		}
		t.printf("%s%s%s\n", indent, num, stepSummary(it.Step))
		if code := stepLine(t.hunks, it.Step); code != "" {
			t.printf("%s    |%s\n", indent, codeLine(code))
		}
	}
}

func (t *textWriter) steps(r *rules.Report) {
	if len(r.Steps) == 0 {
		return
	}
	t.printf("Series, patch by patch\n")
	for _, s := range r.Steps {
		changed := "behaviour unchanged"
		if s.BehaviourChanged {
			changed = "behaviour changed"
		}
		t.para("  ", fmt.Sprintf("after patch %d: %s, %s; %s", s.Upto, s.Verdict, changed, s.Summary))
	}
	t.printf("\n")
}

func (t *textWriter) findings(r *rules.Report) {
	if len(r.Findings) == 0 {
		t.printf("Findings: none\n\n")
		return
	}
	t.printf("Findings\n")
	for _, f := range r.Findings {
		t.printf("  %s %s  %s\n", t.severity(f.Severity), location(f.Location), f.ID)
		t.para("          ", f.Message)
	}
	t.printf("\n")
}

// oneLine folds s onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// codeLine shows a diff line (marker first) for a terminal: the marker, a
// space, and the code with its tabs expanded from the code's own start.
func codeLine(line string) string {
	if line == "" {
		return ""
	}
	return line[:1] + " " + expandTabs(line[1:])
}
