package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// renderTextShort writes the report a reviewer reads in one screen: the
// verdict, each finding at its file:line with its first sentence, the
// claims as a table, one line on the properties and one on the input
// (repairs and notices grouped), and the summary and the reproducing
// command last. -v (Options.Verbose) shows everything else.
func renderTextShort(w io.Writer, r *rules.Report, opts Options) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, hunks: numberHunks(r), color: opts.Color}
	t.printf("%s %s: %s  %s\n\n", nameOr(r.Tool.Name), r.Tool.Version, t.verdict(r), oneLine(patchTitle(r)))
	t.shortFindings(r)
	t.shortClaims(r)
	t.shortProperties(r)
	t.shortInput(r)
	t.printf("\n")
	// One line however long: it is what scripts and eyes look for.
	t.printf("%s: %s\n", t.verdict(r), oneLine(r.Summary))
	t.printf("reproduce: %s\n", reproduce(r))
	if len(r.Findings) > 0 || len(r.Properties) > 0 {
		t.printf("(-v shows each scenario, the counterexample traces and what was modelled)\n")
	}
	return bw.Flush()
}

func (t *textWriter) shortFindings(r *rules.Report) {
	if len(r.Findings) == 0 {
		t.printf("No findings.\n\n")
		return
	}
	width := 0
	for i := range r.Findings {
		width = max(width, len(r.Findings[i].Severity))
	}
	pad := strings.Repeat(" ", width+2)
	var ps []placed
	for i := range r.Findings {
		ps = append(ps, placed{f: &r.Findings[i]})
	}
	for _, g := range sameReason(sameMessage(r, ps)) {
		f := g[0]
		where, id, msg := findingWhere(r, f), f.ID, firstSentence(f.Message)
		if reason, ok := rules.UndecidedReason(f); ok && len(g) > 1 {
			id = fmt.Sprintf("%d properties undecided", len(g))
			msg = "They could not be decided after the patch: " + reason
		} else if len(g) > 1 {
			ids := []string{f.Claim}
			for _, o := range g[1:] {
				ids = append(ids, o.Claim)
			}
			where = "commit message, claims " + strings.Join(ids, ", ")
		}
		if sc := f.Scenario; sc != nil && len(sc.Faults) > 0 && len(g) == 1 {
			// The first scenario it was found in: without it a violation
			// under an injected fault (a firmware that denies CPU_OFF)
			// reads as one of the healthy machine.
			id += "  (under " + strings.Join(sc.Faults, "+") + ")"
		}
		t.printf("%s  %s  %s\n", t.severity(fmt.Sprintf("%-*s", width, f.Severity)), where, id)
		// One sentence in at most two lines: -v has the whole message.
		lines := wrap(msg, textWidth-len(pad))
		if len(lines) > 2 {
			lines = []string{lines[0], truncColumns(strings.Join(lines[1:], " "), textWidth-len(pad))}
		}
		for _, l := range lines {
			t.printf("%s%s\n", pad, l)
		}
	}
	t.printf("\n")
}

// sameReason joins the notes of undecided properties that give the same
// reason, at the place of the first: a patch that does not apply leaves
// every property undecided for one reason, which one screen says once
// (the final line names them, or counts a long list; -v has each note).
func sameReason(groups [][]*rules.Finding) [][]*rules.Finding {
	var out [][]*rules.Finding
	index := map[string]int{}
	for _, g := range groups {
		reason, ok := rules.UndecidedReason(g[0])
		if !ok || len(g) > 1 || g[0].Location != nil {
			out = append(out, g)
			continue
		}
		if i, seen := index[reason]; seen {
			out[i] = append(out[i], g[0])
			continue
		}
		index[reason] = len(out)
		out = append(out, g)
	}
	return out
}

// findingWhere is the place a finding is shown at: its patch line, else
// the last step of its counterexample that has a file (marked as outside
// the patch: the line of the baseline the step's model restates), else the
// commit message.
func findingWhere(r *rules.Report, f *rules.Finding) string {
	if l := f.Location; l != nil && l.File != "" {
		return location(l)
	}
	if p := violation(r, f); p != nil {
		steps := p.Counterexample.Steps
		for i := len(steps) - 1; i >= 0; i-- {
			if s := steps[i]; s.File != "" && s.Line > 0 {
				return fmt.Sprintf("%s:%d (outside the patch)", s.File, s.Line)
			}
		}
	}
	if f.Claim != "" {
		return "commit message, claim " + f.Claim
	}
	return "commit message"
}

// sentenceEnd is the end of a sentence: a full stop, question or
// exclamation mark before white space and a capital letter. A full stop
// inside "e.g. this" or "smp.c:848" does not end one.
var sentenceEnd = regexp.MustCompile(`[.?!]\s+[A-Z]`)

// firstSentence is the first sentence of s, on one line.
func firstSentence(s string) string {
	s = oneLine(s)
	if loc := sentenceEnd.FindStringIndex(s); loc != nil {
		return s[:loc[0]+1]
	}
	return s
}

func (t *textWriter) shortClaims(r *rules.Report) {
	if len(r.Claims) == 0 {
		return
	}
	t.printf("Claims in the commit message (%s)\n", countVerdicts(r.Claims))
	tb := &table{head: []string{"", "Claim", "Code", "Scenario", "Predicted median (p5-p95)", "Verdict"}, limit: []int{8, 34, 6, 16, 30, 14}}
	for _, c := range r.Claims {
		pred := "-"
		if d := c.Predicted; d != nil {
			pred = fmt.Sprintf("%s (%s)", seconds(d.Median), secondsRange(d.P5, d.P95))
		}
		sc := "-"
		if c.Scenario.CPUs > 0 {
			sc = scenario(c.Scenario)
		}
		tb.add(c.ID, strconv.Quote(c.Text), variant(c.Variant), sc, pred, c.Verdict)
	}
	for _, l := range tb.lines("  ", 2) {
		t.printf("%s\n", t.markVerdicts(l))
	}
	t.printf("\n")
}

// shortProperties counts the property results per verdict and variant in
// one line, and names the violated ones.
func (t *textWriter) shortProperties(r *rules.Report) {
	if len(r.Properties) == 0 {
		t.printf("Properties: none evaluated\n")
		return
	}
	var parts []string
	for _, v := range []string{"before", "after"} {
		n := map[string]int{}
		var order []string
		for _, p := range r.Properties {
			if p.Variant != v {
				continue
			}
			if n[p.Verdict] == 0 {
				order = append(order, p.Verdict)
			}
			n[p.Verdict]++
		}
		if len(order) == 0 {
			continue
		}
		slices.SortStableFunc(order, func(a, b string) int { return verdictRank(a) - verdictRank(b) })
		var counts []string
		for _, verdict := range order {
			counts = append(counts, fmt.Sprintf("%d %s", n[verdict], verdict))
		}
		parts = append(parts, variant(v)+" "+strings.Join(counts, ", "))
	}
	groups := groupProperties(r.Properties)
	t.field("", "Properties:", fmt.Sprintf("%s checked in %s; %s", plural(len(groups), "property"), plural(len(r.Properties), "scenario run"), strings.Join(parts, "; ")))
}

// verdictRank orders property verdicts worst first.
func verdictRank(v string) int {
	switch v {
	case "violated":
		return 0
	case "inconclusive":
		return 1
	case "holds-if-bounds":
		return 2
	case "holds":
		return 3
	}
	return 4
}

// shortInput is one line about what was read, and the parser's notices
// grouped by what they say.
func (t *textWriter) shortInput(r *rules.Report) {
	files := 0
	for _, p := range r.Series.Patches {
		files += len(p.Files)
	}
	var names []string
	for _, in := range r.Inputs {
		names = append(names, fmt.Sprintf("%s (%s)", in.Name, in.Kind))
	}
	what := plural(len(r.Series.Patches), "patch")
	if r.Series.Cover != nil {
		what = "a cover letter and " + what
	}
	t.field("", "Input:", fmt.Sprintf("%s, %s, from %s", what, plural(files, "file"), strings.Join(names, ", ")))
	for _, p := range r.Series.Patches {
		for _, g := range groupNotices(p.Notices) {
			t.field("  ", "notice", g)
		}
	}
	for _, g := range groupNotices(r.Series.Notices) {
		t.field("  ", "notice", g)
	}
	// Drift between the model and a --tree is why a verdict may not
	// carry over to that tree: rare, and always shown.
	for _, d := range r.Models.Drift {
		t.para("  ", fmt.Sprintf("drift %s %s: %s", d.File, d.Name, d.Message))
	}
}

// groupNotices folds notices that say the same thing about different lines
// into one line with the line numbers as ranges: twenty "context line
// without its leading space" repairs of a web-archive copy are one line,
// "repair: context line without its leading space (20 lines: 52-58, 60-62)".
// What a notice says is its message up to a quoted excerpt of the input.
func groupNotices(ns []rules.Notice) []string {
	type group struct {
		kind, what, one, file string
		lines                 []int
		count                 int
		numbers               [][]string // the numbers of each message, for messages that differ only in them
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, n := range ns {
		what := n.Message
		if i := strings.Index(what, `: "`); i > 0 {
			what = what[:i]
		}
		// Messages that differ only in numbers ("patch 3/24 is missing")
		// say the same thing.
		key := n.Kind + "\x00" + number.ReplaceAllString(what, "#")
		g := byKey[key]
		if g == nil {
			g = &group{kind: n.Kind, what: what, one: n.Message, file: n.File}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.count++
		g.numbers = append(g.numbers, number.FindAllString(what, -1))
		if n.Line > 0 {
			g.lines = append(g.lines, n.Line)
		}
	}
	var out []string
	for _, g := range groups {
		if g.count == 1 {
			text := g.kind + ": " + g.one
			if g.file != "" && len(g.lines) == 1 {
				text += fmt.Sprintf(" (%s:%d)", g.file, g.lines[0])
			}
			out = append(out, text)
			continue
		}
		what, values := varyingNumber(g.what, g.numbers)
		text := fmt.Sprintf("%s: %s (%d times", g.kind, what, g.count)
		if values != "" {
			text += ": N = " + values
		} else if len(g.lines) > 0 {
			text += ", lines " + lineRanges(g.lines)
		}
		out = append(out, text+")")
	}
	return out
}

var number = regexp.MustCompile(`\d+`)

// varyingNumber writes what a group's messages say, from the first one:
// when they differ in one number it is written N and the values are
// returned as ranges ("patch N/24 is missing from the input", "1-3,
// 5-24"); numbers in which they differ otherwise are written "#".
func varyingNumber(what string, numbers [][]string) (string, string) {
	differs := map[int]bool{}
	for _, ns := range numbers {
		if len(ns) != len(numbers[0]) {
			return number.ReplaceAllString(what, "#"), ""
		}
		for k := range ns {
			if ns[k] != numbers[0][k] {
				differs[k] = true
			}
		}
	}
	var values []int
	if len(differs) == 1 {
		for pos := range differs {
			for _, ns := range numbers {
				v, err := strconv.Atoi(ns[pos])
				if err != nil {
					return what, ""
				}
				values = append(values, v)
			}
		}
	}
	k := -1
	what = number.ReplaceAllStringFunc(what, func(s string) string {
		k++
		switch {
		case !differs[k]:
			return s
		case values != nil:
			return "N"
		}
		return "#"
	})
	if values == nil {
		return what, ""
	}
	return what, lineRanges(values)
}

// lineRanges writes sorted line numbers as "52-58, 60, 67-69".
func lineRanges(lines []int) string {
	lines = slices.Clone(lines)
	slices.Sort(lines)
	lines = slices.Compact(lines)
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", lines[i], lines[j]))
		} else {
			parts = append(parts, strconv.Itoa(lines[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// ANSI colours of the text report, used only when Options.Color is set.
const (
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[1;32m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

func (t *textWriter) paint(color, s string) string {
	if !t.color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// verdict is the run's verdict in capitals, coloured.
func (t *textWriter) verdict(r *rules.Report) string {
	color := ansiYellow
	switch r.Verdict {
	case "pass":
		color = ansiGreen
	case "fail":
		color = ansiRed
	}
	return t.paint(color, overall(r))
}

// severity colours a (padded) severity word.
func (t *textWriter) severity(s string) string {
	switch strings.TrimSpace(s) {
	case "error":
		return t.paint(ansiRed, s)
	case "warning":
		return t.paint(ansiYellow, s)
	}
	return t.paint(ansiCyan, s)
}

var badVerdict = regexp.MustCompile(`\b(inconsistent|violated|VIOLATED)\b`)

// markVerdicts colours the bad verdicts of a table line.
func (t *textWriter) markVerdicts(l string) string {
	if !t.color {
		return l
	}
	return badVerdict.ReplaceAllString(l, ansiRed+"$1"+ansiReset)
}

// writeStopCommands writes body between "::stop-commands::TOKEN" and
// "::TOKEN::": a GitHub runner then reads no workflow command in between,
// so an "::add-mask::", "::error ...::" or "::stop-commands::" line quoted
// from the patch is printed, not obeyed. The token is a hash of the body:
// the same report gives the same bytes, and a patch cannot contain the
// token of a report that contains the patch.
func writeStopCommands(w io.Writer, body []byte) error {
	sum := sha256.Sum256(body)
	token := "patchcheck-" + hex.EncodeToString(sum[:16])
	if _, err := fmt.Fprintf(w, "::stop-commands::%s\n", token); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "::%s::\n", token)
	return err
}

// usUnit finds microseconds written "us" ("109 us"), which rule messages
// use; reports write µs everywhere.
var usUnit = regexp.MustCompile(`(\d) us\b`)

// normaliseUnits writes µs for "us" in the report's prose (reasons,
// messages, summaries), so that every unit is spelled one way.
func normaliseUnits(r *rules.Report) {
	fix := func(s *string) { *s = usUnit.ReplaceAllString(*s, "$1 µs") }
	fix(&r.Summary)
	for i := range r.Claims {
		fix(&r.Claims[i].Reason)
		for j := range r.Claims[i].Also {
			fix(&r.Claims[i].Also[j].Why)
		}
	}
	for i := range r.Properties {
		fix(&r.Properties[i].Reason)
	}
	for i := range r.Findings {
		fix(&r.Findings[i].Message)
	}
	for i := range r.Steps {
		fix(&r.Steps[i].Summary)
	}
}
