package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/patchcheck/patchcheck/rules"
)

// This file holds what every renderer says the same way: numbers with units,
// scenarios, verdict words, the reproduce command, and lookups from the
// Report's findings and counterexample steps to the patch lines they concern.

// seconds formats a duration given in seconds with three significant digits
// and a unit a reader would use for it (µs, ms, s).
func seconds(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == 0:
		return "0 s"
	case math.Abs(v) < 0.9995e-3: // what rounds to 1000 µs is 1 ms
		return sig3(v*1e6) + " µs"
	case math.Abs(v) < 0.9995:
		return sig3(v*1e3) + " ms"
	default:
		return sig3(v) + " s"
	}
}

// secondsRange formats lo to hi, with the unit once when both share it:
// "15.1-18.5 ms", "84 µs-7.9 ms".
func secondsRange(lo, hi float64) string {
	a, b := seconds(lo), seconds(hi)
	an, au, _ := strings.Cut(a, " ")
	bn, bu, _ := strings.Cut(b, " ")
	if au == bu {
		return an + "-" + bn + " " + bu
	}
	return a + "-" + b
}

// sig3 prints v with three significant digits, without trailing zeros.
func sig3(v float64) string {
	a := math.Abs(v)
	prec := 2
	switch {
	case a >= 100:
		prec = 0
	case a >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// distribution says where the bulk of a Monte Carlo metric lies.
func distribution(d *rules.Distribution) string {
	if d == nil {
		return "not measured"
	}
	s := fmt.Sprintf("median %s (p5 %s, p95 %s; %d runs)", seconds(d.Median), seconds(d.P5), seconds(d.P95), d.Runs)
	if d.Never > 0 {
		s += fmt.Sprintf("; never happened in %d runs", d.Never)
	}
	return s
}

// scenario names a point of the scenario matrix.
func scenario(sc rules.Scenario) string {
	if sc.CPUs == 0 && sc.Load == "" && len(sc.Faults) == 0 {
		return "no scenario"
	}
	var parts []string
	if sc.CPUs > 0 {
		parts = append(parts, plural(sc.CPUs, "CPU"))
	}
	if sc.Load != "" {
		parts = append(parts, sc.Load)
	}
	if len(sc.Faults) > 0 {
		parts = append(parts, "faults "+strings.Join(sc.Faults, "+"))
	}
	if sc.PseudoNMI {
		parts = append(parts, "pseudo-NMI")
	}
	return strings.Join(parts, ", ")
}

func sameScenario(a, b rules.Scenario) bool {
	return a.CPUs == b.CPUs && a.Load == b.Load && strings.Join(a.Faults, "+") == strings.Join(b.Faults, "+") && a.PseudoNMI == b.PseudoNMI
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y"):
		noun = strings.TrimSuffix(noun, "y") + "ie"
	case strings.HasSuffix(noun, "ch"):
		noun += "e"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// claimed states the value or bound a claim makes.
func claimed(c rules.Claimed) string {
	var s string
	switch c.Relation {
	case "about":
		s = "about " + seconds(c.Low)
	case "less-than":
		s = "less than " + seconds(c.High)
	case "more-than":
		s = "more than " + seconds(c.Low)
	case "range":
		s = seconds(c.Low) + " to " + seconds(c.High)
	case "several":
		s = "several (" + seconds(c.Low) + " to " + seconds(c.High) + ")"
	default:
		s = c.Relation + " " + seconds(c.Low) + " to " + seconds(c.High)
	}
	if c.PerCPU {
		s += " per CPU"
	}
	return s
}

// variant is how reports name the code a result is about.
func variant(v string) string { return strings.ToUpper(v) }

// overall is the one-word verdict of a run, in capitals.
func overall(r *rules.Report) string {
	if r.Verdict == "" {
		return "NO VERDICT"
	}
	return strings.ToUpper(r.Verdict)
}

// propertyVerdict describes a property result in words, with what it
// depends on.
func propertyVerdict(p *rules.Property) string {
	switch p.Verdict {
	case "holds-if-bounds":
		if len(p.NeedsExpiry) == 0 {
			return "holds if its bounded waits end in time"
		}
		return "holds if " + strings.Join(p.NeedsExpiry, " and ")
	case "violated":
		return "VIOLATED"
	default:
		return p.Verdict
	}
}

// exploration summarises how much of the state space a verdict rests on.
func exploration(e rules.Exploration) string {
	var parts []string
	if e.Mode != "" {
		parts = append(parts, e.Mode)
	}
	parts = append(parts, fmt.Sprintf("%d states", e.States))
	if e.Symmetry {
		parts = append(parts, "symmetry-reduced")
	}
	if e.Complete {
		parts = append(parts, "complete")
	} else {
		parts = append(parts, "incomplete")
	}
	if e.Seed != 0 {
		parts = append(parts, fmt.Sprintf("seed %d", e.Seed))
	}
	if e.Note != "" {
		parts = append(parts, e.Note)
	}
	return strings.Join(parts, ", ")
}

// countVerdicts counts claims per verdict, in the order the vocabulary
// lists them, as "4 consistent, 1 inconsistent".
func countVerdicts(claims []rules.Claim) string {
	order := []string{"consistent", "inconsistent", "unsupported", "not-evaluated"}
	n := map[string]int{}
	for _, c := range claims {
		if !slices.Contains(order, c.Verdict) {
			order = append(order, c.Verdict)
		}
		n[c.Verdict]++
	}
	var parts []string
	for _, v := range order {
		if n[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
		}
	}
	return strings.Join(parts, ", ")
}

// location is "file:line", or a description of where a finding without a
// position belongs.
func location(l *rules.Location) string {
	if l == nil || l.File == "" {
		return "commit message"
	}
	if l.Line <= 0 {
		return l.File
	}
	return fmt.Sprintf("%s:%d", l.File, l.Line)
}

func stepWhere(s rules.Step) string {
	if s.File == "" {
		return ""
	}
	where := s.File
	if s.Line > 0 {
		where += ":" + strconv.Itoa(s.Line)
	}
	if s.Side == "model" {
		where += " (model)"
	}
	return where
}

// joinNonEmpty joins the non-empty words with spaces.
func joinNonEmpty(words ...string) string {
	var out []string
	for _, w := range words {
		if w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// cpuName names the CPU of a step or timeline; a negative CPU is the
// machine as a whole (e.g. a step saying that no CPU can make progress).
func cpuName(cpu int) string {
	if cpu < 0 {
		return "machine"
	}
	return "CPU" + strconv.Itoa(cpu)
}

// stepSummary is one counterexample step in a line: the CPU, where it is,
// and what it does, with the event it raises.
func stepSummary(s rules.Step) string {
	text := joinNonEmpty(cpuName(s.CPU), stepWhere(s), s.Func) + ": " + s.Action
	if s.Event != "" {
		text += " [" + s.Event + "]"
	}
	return text
}

// reproduce is the command that repeats the run: the recorded arguments,
// with the seed added when the run chose it implicitly.
func reproduce(r *rules.Report) string {
	name := r.Tool.Name
	if name == "" {
		name = "patchcheck"
	}
	args := append([]string(nil), r.Tool.Args...)
	hasSeed := false
	for _, a := range args {
		if a == "--seed" || strings.HasPrefix(a, "--seed=") {
			hasSeed = true
		}
	}
	if !hasSeed {
		args = append([]string{"--seed", strconv.FormatInt(r.Tool.Seed, 10)}, args...)
	}
	words := []string{name}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// patchTitle is the subject line of the series as it was sent.
func patchTitle(r *rules.Report) string {
	if c := r.Series.Cover; c != nil && c.Subject != "" {
		return c.Subject
	}
	if len(r.Series.Patches) > 0 {
		p := r.Series.Patches[0]
		if p.Prefix != "" {
			return "[" + p.Prefix + "] " + p.Subject
		}
		return p.Subject
	}
	return "(no patch)"
}

// wrap breaks s into lines of at most width columns at spaces. A word
// longer than width gets a line of its own.
func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		wl := utf8.RuneCountInString(w)
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(w)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// expandTabs replaces tabs by spaces up to the next multiple of 8 columns,
// counting from the start of s.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// columns is the display width of s with tabs expanded.
func columns(s string) int { return utf8.RuneCountInString(expandTabs(s)) }
