package report

import (
	"cmp"
	"fmt"
	"net/mail"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/patchcheck/patchcheck/rules"
)

// The body of the reply is laid out as a reviewer's: a short intro with
// the verdict, the base and a link to the patch; then the patch quoted
// down to each line a finding concerns, the finding right below it; the
// findings on code the patch does not show and on the commit message; the
// claims as a table; and the command that reproduces the run. Each
// interleaving is written once: a later finding whose trace begins like
// an earlier one's refers to it and shows only the steps after.

func (e *mailWriter) body(opts Options) {
	r := e.r
	t := e.target()
	e.intro(t)
	e.findings()
	e.claimTable()
	e.propertyLine()
	e.reproduce(t, opts)
	e.blank()
	e.line("-- ")
	e.para("", nameOr(r.Tool.Name)+" "+r.Tool.Version+": a model of the code on a simulated arm64 machine with PSCI firmware, not a measurement of hardware.")
}

func (e *mailWriter) intro(t target) {
	r := e.r
	what := "this patch's"
	if r.Series.Cover != nil || len(r.Series.Patches) > 1 {
		what = "this series'"
	}
	e.para("", fmt.Sprintf("%s %s ran %s code, before and after it:", nameOr(r.Tool.Name), r.Tool.Version, what))
	e.hanging(overall(r)+": ", oneLine(r.Summary))
	e.blank()
	base := baseLine(r)
	if p := r.Profile; p != nil {
		base = joinNonEmpty(base, "(timing profile "+p.Name+")")
	}
	if base != "" {
		e.hanging("Base: ", base)
	}
	if link := loreLink(r, t.messageID); link != "" {
		e.b.WriteString("Link: " + link + "\n") // a URL is not cut
	}
	e.blank()
}

// baseLine says what BEFORE was built from: the tree's version and commit
// and how the base was found, or the bundled baseline. The tree's own path
// is not written: it names a directory of the machine that ran the check.
func baseLine(r *rules.Report) string {
	src := r.Models.Source
	if src == nil {
		if r.Models.Baseline != "" {
			return r.Models.Baseline
		}
		return ""
	}
	var b strings.Builder
	if src.Kind == "tree" {
		b.WriteString("kernel tree")
	} else {
		b.WriteString("bundled baseline")
	}
	if src.Version != "" {
		b.WriteString(" " + src.Version)
	}
	if src.Commit != "" {
		b.WriteString(", commit " + src.Commit)
	}
	if src.How != "" && src.How != src.Kind {
		b.WriteString(" (" + src.How + ")")
	}
	if src.Guess {
		b.WriteString("; nothing in the patch confirms this base")
	}
	return b.String()
}

// loreLink is the lore.kernel.org address of the message replied to, when
// it came by mail (a git range's ids are commits, not Message-Ids).
func loreLink(r *rules.Report, messageID string) string {
	id := strings.TrimSuffix(strings.TrimPrefix(messageID, "<"), ">")
	if id == "" || headerID(id) == "" {
		return ""
	}
	for _, in := range r.Inputs {
		if in.Kind == "git" {
			return ""
		}
	}
	return "https://lore.kernel.org/r/" + url.PathEscape(id)
}

// attribution is the "On <date>, <name> wrote:" line above quoted text.
func attribution(author, date string) string {
	name := author
	if a := reportAddress(author); a != nil && a.Name != "" {
		name = a.Name
	} else if a, err := mail.ParseAddress(author); err == nil && a.Name != "" {
		name = a.Name
	}
	when := date
	if d, err := time.Parse(time.RFC3339, date); err == nil {
		when = d.Format("Mon, 2 Jan 2006 15:04:05 -0700")
	}
	return fmt.Sprintf("On %s, %s wrote:", when, name)
}

// quoteLines is how many lines of the patch are quoted down to the line a
// finding concerns: enough to see the statement, as a reviewer trims.
const quoteLines = 3

// placed is a finding with the diff line it concerns, if any.
type placed struct {
	f    *rules.Finding
	hunk *hunkLines
	idx  int
}

// findings quotes, for each hunk that has findings, the patch lines up to
// each finding's line and writes the findings at that line below them, in
// patch order. Findings without a diff line follow: those on code the
// patch does not show, then the commit message's.
func (e *mailWriter) findings() {
	r := e.r
	var inDiff, message, elsewhere, notes []placed
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Severity == "note" && f.Claim == "" {
			// A note (the baseline fails too, a model caveat) is listed
			// after the findings, one line each: it asks nothing of the
			// patch's lines.
			notes = append(notes, placed{f: f})
			continue
		}
		l := f.Location
		if l == nil || l.File == "" {
			if f.Claim != "" || violation(r, f) == nil {
				message = append(message, placed{f: f})
			} else {
				elsewhere = append(elsewhere, placed{f: f})
			}
			continue
		}
		if h, idx, ok := findLine(e.hunks, l.Patch, l.File, l.Line, l.Side); ok {
			inDiff = append(inDiff, placed{f, h, idx})
			continue
		}
		elsewhere = append(elsewhere, placed{f: f})
	}
	// Patch order: the hunks' order in the report, then line order.
	order := map[*hunkLines]int{}
	for i, h := range e.hunks {
		order[h] = i
	}
	slices.SortStableFunc(inDiff, func(a, b placed) int {
		if c := cmp.Compare(order[a.hunk], order[b.hunk]); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	var lastHunk *hunkLines
	var lastFile string
	quoted := -1 // last quoted line of lastHunk
	// The attribution line stands above the first quote of the patch.
	if t := e.target(); len(inDiff) > 0 && t.author != "" && t.date != "" {
		e.para("", attribution(t.author, t.date))
		e.blank()
	}
	for _, p := range inDiff {
		if p.hunk != lastHunk {
			if key := fmt.Sprint(p.hunk.Patch, p.hunk.File); key != lastFile {
				lastFile = key
				e.line("> diff --git a/" + p.hunk.File + " b/" + p.hunk.File)
			}
			e.line("> " + hunkHeader(p.hunk.Hunk))
			lastHunk, quoted = p.hunk, -1
		}
		if p.idx > quoted {
			from := max(quoted+1, p.idx-quoteLines+1)
			if from > quoted+1 {
				e.line("[...]")
			}
			for i := from; i <= p.idx; i++ {
				e.line("> " + p.hunk.Lines[i].Text)
			}
			quoted = p.idx
			e.blank()
		}
		e.finding(p.f)
	}
	if len(elsewhere) > 0 {
		e.para("", "On code the patch does not show (lines of the baseline):")
		e.blank()
		for _, p := range elsewhere {
			e.finding(p.f)
		}
	}
	switch {
	case len(notes) > maxNoteLines:
		// A reply stays under one screenful of notes: past a few, each
		// note is named with its place and the other formats carry the
		// text (a pack with more entries has more notes, not a longer
		// mail per note).
		names := make([]string, len(notes))
		for i, p := range notes {
			names[i] = p.f.ID + noteWhere(r, p.f)
		}
		e.para("", fmt.Sprintf("Notes (%d; the other formats have them whole): %s.", len(notes), strings.Join(names, ", ")))
		e.blank()
	case len(notes) > 0:
		e.para("", "Notes, in short (the other formats have them whole):")
		for _, p := range notes {
			e.line(truncColumns("note: "+p.f.ID+noteWhere(r, p.f)+": "+oneLine(p.f.Message), mailWidth))
		}
		e.blank()
	}
	if len(message) > 0 {
		e.para("", "On the commit message:")
		for _, g := range sameMessage(r, message) {
			for _, f := range g {
				if c := claimByID(r, f.Claim); c != nil {
					for _, l := range wrap(c.Sentence, mailWidth-2) {
						e.line("> " + l)
					}
					e.blank()
				}
			}
			e.finding(g[0], g[1:]...)
		}
	}
}

// sameMessage groups findings on claims that say the same thing of
// different sentences (a message that states "several seconds" twice), so
// that the reply quotes both sentences and answers once.
func sameMessage(r *rules.Report, ps []placed) [][]*rules.Finding {
	var groups [][]*rules.Finding
	key := func(f *rules.Finding) string {
		return f.ID + "\x00" + f.Severity + "\x00" + strings.ReplaceAll(f.Message, f.Claim, "")
	}
	index := map[string]int{}
	for _, p := range ps {
		if claimByID(r, p.f.Claim) == nil {
			groups = append(groups, []*rules.Finding{p.f})
			continue
		}
		k := key(p.f)
		if i, ok := index[k]; ok {
			groups[i] = append(groups[i], p.f)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, []*rules.Finding{p.f})
	}
	return groups
}

func hunkHeader(h *rules.Hunk) string {
	s := fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
	if h.Section != "" {
		s += " " + h.Section
	}
	return s
}

// shownTrace is an interleaving already written, for later findings to
// refer to.
type shownTrace struct {
	label string // "[1]": the number of the interleaving written out
	steps []rules.Step
}

// finding writes one finding and the counterexample that shows it. Each
// interleaving is written once: one that an earlier finding's trace
// contains is named, one that shares its first steps is written from
// where it differs. A note (the baseline fails too) gets two lines and no
// trace: the trace of the BEFORE code is not what the reply is about.
//
// A finding on a claim is answered in its first sentence (the rest says
// where the numbers come from, which the claim table's title has); also
// are the findings that say the same of other claims.
func (e *mailWriter) finding(f *rules.Finding, also ...*rules.Finding) {
	where := ""
	if f.Location == nil || f.Location.File == "" {
		if w := findingWhere(e.r, f); !strings.HasPrefix(w, "commit message") {
			where = " at " + strings.TrimSuffix(w, " (outside the patch)")
		}
	} else if _, _, ok := findLine(e.hunks, f.Location.Patch, f.Location.File, f.Location.Line, f.Location.Side); !ok {
		where = " at " + location(f.Location)
	}
	if len(also) > 0 {
		ids := []string{f.Claim}
		for _, a := range also {
			ids = append(ids, a.Claim)
		}
		where = " (" + strings.Join(ids, ", ") + ")"
	}
	e.hanging(f.Severity+": ", f.ID+where)
	if f.Claim != "" {
		e.para("", firstSentence(f.Message))
		if c := claimByID(e.r, f.Claim); c != nil {
			if ct := costText(c.Cost); ct != "" {
				e.para("", "The predicted median goes to "+ct+".")
			}
		}
		e.blank()
		return
	}
	if f.Severity == "note" {
		lines := wrap(firstSentence(f.Message), mailWidth)
		if len(lines) > 2 {
			lines = append(lines[:1], truncColumns(strings.Join(lines[1:], " "), mailWidth))
		}
		for _, l := range lines {
			e.line(l)
		}
		e.blank()
		return
	}
	e.para("", f.Message)
	e.blank()
	p := violation(e.r, f)
	if p == nil {
		return
	}
	steps := p.Counterexample.Steps
	best, shared := -1, 0
	for i, s := range e.traces {
		if n := commonSteps(s.steps, steps); n > shared {
			best, shared = i, n
		}
	}
	run := fmt.Sprintf("%s, %s", variant(p.Variant), scenario(p.Scenario))
	label := fmt.Sprintf("[%d]", e.written+1)
	switch {
	case best >= 0 && shared == len(steps) && shared == len(e.traces[best].steps):
		e.traces = append(e.traces, shownTrace{e.traces[best].label, steps})
		e.para("", fmt.Sprintf("The interleaving (%s) is %s above.", run, e.traces[best].label))
		e.blank()
		return
	case best >= 0 && shared == len(steps):
		e.traces = append(e.traces, shownTrace{e.traces[best].label, steps})
		e.para("", fmt.Sprintf("The interleaving (%s) is steps 1-%d of %s above.", run, shared, e.traces[best].label))
		e.blank()
		return
	case best >= 0 && shared >= 3:
		e.para("", fmt.Sprintf("Interleaving %s (%s): steps 1-%d of %s, then:", label, run, shared, e.traces[best].label))
	default:
		shared = 0
		e.para("", fmt.Sprintf("Interleaving %s that shows it (%s):", label, run))
	}
	e.written++
	e.traces = append(e.traces, shownTrace{label, steps})
	e.blank()
	e.trace(p.Counterexample, shared)
	e.blank()
}

// commonSteps is how many steps two traces share from their start.
func commonSteps(a, b []rules.Step) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// trace writes a counterexample from step skip on as a numbered
// interleaving: the CPU, the place, the event it raises, and the line of
// code it executes (with its diff marker when the patch has it), or the
// function and action when no code line is known. A step takes one line
// where it fits and puts its code on a second where it does not.
func (e *mailWriter) trace(cx *rules.Counterexample, skip int) {
	const indent = "         "
	for _, it := range condense(cx) {
		if it.Last < skip {
			continue
		}
		head, code := it.Summary, ""
		if head != "" {
			head = emailRun(cx.Steps[it.First : it.Last+1])
		}
		if head == "" {
			head, code = emailStep(e.hunks, it.Step)
		}
		// A step fits on one line, or is one of the model's (its code is
		// the baseline's, in the JSON in full) and is cut to fit; a patch
		// line is never cut short when it could be shown whole.
		if one := fmt.Sprintf("%6s %s %s", it.number(), head, code); code != "" && (columns(one) <= mailWidth || it.Step.Side == "model" && columns(head) < mailWidth/2) {
			e.line(one)
			continue
		}
		if one := fmt.Sprintf("%6s %s", it.number(), head); code == "" && columns(one) <= mailWidth {
			e.line(one)
			continue
		}
		for k, l := range wrap(head, mailWidth-len(indent)) {
			if k == 0 {
				e.line(fmt.Sprintf("%6s %s", it.number(), l))
			} else {
				e.line(indent + l)
			}
		}
		if code != "" {
			e.line(indent + code)
		}
	}
}

// checkedAt is the part of a step's event that names where and on which
// CPU the property was checked: the step's own place and CPU.
var checkedAt = regexp.MustCompile(`property checked at [\w.-]+ on cpu\d+`)

// emailRun is a folded run of model steps in one line: the CPU and the
// first and last functions it passes through.
func emailRun(run []rules.Step) string {
	var funcs []string
	for _, s := range run {
		if s.Func != "" && (len(funcs) == 0 || funcs[len(funcs)-1] != s.Func) {
			funcs = append(funcs, s.Func)
		}
	}
	if len(funcs) > 2 {
		funcs = []string{funcs[0], "...", funcs[len(funcs)-1]}
	}
	return cpuName(run[0].CPU) + " runs model code: " + strings.Join(funcs, " > ")
}

// emailStep is one step of a trace in words, "CPU0 smp.c:1040
// [ipi-sent]", and its code, "smp_cross_call(&mask, IPI_CPU_STOP);"; a
// patch line keeps its marker ("+while (...)"). Without a code line the
// code is the function and the action.
func emailStep(hunks []*hunkLines, s rules.Step) (head, code string) {
	var where string
	if s.File != "" {
		where = path.Base(s.File)
		if s.Line > 0 {
			where += fmt.Sprintf(":%d", s.Line)
		}
	}
	head = joinNonEmpty(cpuName(s.CPU), where)
	if s.Event != "" {
		// The step and CPU are on the line already.
		head += " [" + checkedAt.ReplaceAllString(s.Event, "property checked") + "]"
	}
	code = s.Action
	if s.Func != "" {
		code = s.Func + "(): " + s.Action
	}
	if line := stepLine(hunks, s); line != "" {
		marker, text := line[:1], strings.TrimSpace(line[1:])
		if marker == " " {
			marker = ""
		}
		if text != "" {
			code = marker + text
		}
	}
	return head, code
}

// propertyLine counts the property results in one paragraph; the JSON,
// HTML and `-v` text reports have each scenario.
func (e *mailWriter) propertyLine() {
	r := e.r
	if len(r.Properties) == 0 {
		return
	}
	violated := 0
	for _, g := range groupProperties(r.Properties) {
		for _, p := range g.Results {
			if p.Variant == "after" && p.Verdict == "violated" {
				violated++
				break
			}
		}
	}
	text := fmt.Sprintf("%s checked in %s; %d violated after the patch.", plural(len(groupProperties(r.Properties)), "property"), plural(len(r.Properties), "scenario run"), violated)
	e.para("", text)
	e.blank()
}

func (e *mailWriter) claimTable() {
	r := e.r
	if len(r.Claims) == 0 {
		return
	}
	title := "Claims in the commit message, against the model"
	if r.Profile != nil {
		title += " under profile " + r.Profile.Name
	}
	e.para("", title+" (the predicted median):")
	// The claim's words get what the other columns leave of the width:
	// ids ("p1.c10") and numbers are never wrapped.
	idw := 0
	for _, c := range r.Claims {
		idw = max(idw, len(c.ID))
	}
	limits := []int{idw, 0, 14, 7, 12}
	limits[1] = max(10, mailWidth-(len(limits)-1)-idw-14-7-12)
	t := &table{head: []string{"", "Claim", "Run", "Median", "Verdict"}, limit: limits}
	for _, c := range r.Claims {
		median := "-"
		if d := c.Predicted; d != nil {
			median = seconds(d.Median)
		}
		run := variant(c.Variant)
		if c.Scenario.CPUs > 0 {
			run += fmt.Sprintf(" %d %s", c.Scenario.CPUs, c.Scenario.Load)
		}
		t.add(c.ID, c.Text, run, median, c.Verdict)
	}
	for _, l := range t.lines("", 1) {
		e.line(l)
	}
	e.blank()
}

// reproduce gives the commands that repeat the run: fetching the thread
// with b4 when the Message-Id is known, and the run's own command line.
func (e *mailWriter) reproduce(t target, opts Options) {
	r := e.r
	e.para("", fmt.Sprintf("To reproduce with %s %s (seed %d):", nameOr(r.Tool.Name), r.Tool.Version, r.Tool.Seed))
	e.blank()
	if id := headerID(t.messageID); id != "" && loreLink(r, t.messageID) != "" {
		e.line("  b4 am -o - " + shellQuote(strings.Trim(id, "<>")) + " |")
		e.line("    " + reproduceStdin(r))
	} else {
		e.line("  " + reproduce(r))
	}
	if opts.TargetURL != "" {
		e.blank()
		e.para("", "The full report, with pictures of both runs:")
		e.line("  " + opts.TargetURL)
	}
}

// reproduceStdin is the run's command with its input files replaced by
// "-", standard input.
func reproduceStdin(r *rules.Report) string {
	rr := *r
	inputs := map[string]bool{}
	for _, in := range r.Inputs {
		inputs[in.Name] = true
	}
	var args []string
	for _, a := range r.Tool.Args {
		if !inputs[a] {
			args = append(args, a)
		}
	}
	rr.Tool.Args = append(args, "-")
	return reproduce(&rr)
}

// maxNoteLines is the most notes a reply gives a line each.
const maxNoteLines = 3

// noteWhere is " at FILE:LINE" of a note's place, or "" for the commit
// message.
func noteWhere(r *rules.Report, f *rules.Finding) string {
	where := findingWhere(r, f)
	if strings.HasPrefix(where, "commit message") {
		return ""
	}
	return " at " + path.Base(strings.TrimSuffix(where, " (outside the patch)"))
}
