package report

import (
	"cmp"
	"fmt"
	"io"
	"net/mail"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/patchcheck/patchcheck/rules"
)

// mailWidth is the longest line the email has, in columns (tabs count to
// the next multiple of 8): the width mailing lists expect of a reply.
const mailWidth = 72

// renderEmail writes a plain-text reply to the patch, ready for
// `git send-email` or a mail client: threaded with In-Reply-To and
// References, each finding below the quoted patch lines it concerns, the
// counterexample as a numbered interleaving, the claim table, and how to
// reproduce the run.
func renderEmail(w io.Writer, r *rules.Report, opts Options) error {
	e := &mailWriter{r: r, hunks: numberHunks(r)}
	e.headers(opts)
	e.body(opts)
	_, err := io.WriteString(w, e.b.String())
	return err
}

type mailWriter struct {
	r     *rules.Report
	hunks []*hunkLines
	b     strings.Builder
}

// line writes one line, cut at mailWidth columns so that no line of the
// reply is longer (only quoted code can be that long; prose is wrapped).
func (e *mailWriter) line(s string) {
	e.b.WriteString(truncColumns(s, mailWidth))
	e.b.WriteByte('\n')
}

func (e *mailWriter) blank() { e.b.WriteByte('\n') }

// para writes s wrapped to the mail width after indent.
func (e *mailWriter) para(indent, s string) {
	for _, l := range wrap(ascii(s), mailWidth-len(indent)) {
		e.line(indent + l)
	}
}

// hanging writes s wrapped with the first line after first and the others
// under it.
func (e *mailWriter) hanging(first, s string) {
	pad := strings.Repeat(" ", utf8.RuneCountInString(first))
	for i, l := range wrap(ascii(s), mailWidth-len(pad)) {
		if i == 0 {
			e.line(first + l)
		} else {
			e.line(pad + l)
		}
	}
}

// ascii keeps the reply plain: "µs" as "us", as kernel mail writes it.
func ascii(s string) string { return strings.ReplaceAll(s, "µs", "us") }

// target is the message the reply answers: the cover letter of a series,
// else its first patch.
type target struct {
	subject, messageID, author, date string
	references                       []string
}

func (e *mailWriter) target() target {
	s := e.r.Series
	if c := s.Cover; c != nil && c.MessageID != "" {
		t := target{subject: c.Subject, messageID: c.MessageID}
		if len(s.Patches) > 0 {
			p := s.Patches[0]
			t.author, t.date = p.Author, p.Date
			if p.Prefix != "" {
				t.subject = "[" + coverPrefix(p.Prefix) + "] " + c.Subject
			}
		}
		return t
	}
	if len(s.Patches) == 0 {
		return target{subject: "(no patch)"}
	}
	p := s.Patches[0]
	subj := p.Subject
	if p.Prefix != "" {
		subj = "[" + p.Prefix + "] " + subj
	}
	return target{subject: subj, messageID: p.MessageID, author: p.Author, date: p.Date, references: p.References}
}

var seriesNumber = regexp.MustCompile(`\b\d+/(\d+)$`)

// coverPrefix turns a patch's prefix ("PATCH v2 1/3") into its cover
// letter's ("PATCH v2 0/3").
func coverPrefix(prefix string) string {
	return seriesNumber.ReplaceAllString(prefix, "0/$1")
}

func (e *mailWriter) headers(opts Options) {
	t := e.target()
	if opts.From != "" {
		e.header("From", opts.From)
	}
	if t.author != "" {
		e.header("To", t.author)
	}
	if len(opts.Cc) > 0 {
		e.header("Cc", strings.Join(opts.Cc, ", "))
	}
	subject := t.subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	e.header("Subject", encodeWords(subject))
	if t.messageID != "" {
		e.header("In-Reply-To", angle(t.messageID))
		var refs []string
		for _, id := range append(append([]string(nil), t.references...), t.messageID) {
			refs = append(refs, angle(id))
		}
		e.header("References", strings.Join(refs, " "))
	}
	e.header("MIME-Version", "1.0")
	e.header("Content-Type", "text/plain; charset=utf-8")
	e.header("Content-Transfer-Encoding", "8bit")
	e.blank()
}

// angle writes a Message-Id in angle brackets, as headers carry it; the
// report may hold it with or without them.
func angle(id string) string {
	if strings.HasPrefix(id, "<") {
		return id
	}
	return "<" + id + ">"
}

// encodeWords encodes each word of a header value that is not ASCII as an
// RFC 2047 encoded-word on its own, so that the value stays foldable at its
// spaces and readable where it is ASCII.
func encodeWords(value string) string {
	nonASCII := func(w string) bool {
		return strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0
	}
	words := strings.Fields(value)
	var out []string
	for i := 0; i < len(words); i++ {
		if !nonASCII(words[i]) {
			out = append(out, words[i])
			continue
		}
		// A run of such words is one encoded text: the space between two
		// encoded-words would be dropped by the reader.
		j := i + 1
		for j < len(words) && nonASCII(words[j]) {
			j++
		}
		out = append(out, qWords(strings.Join(words[i:j], " "))...)
		i = j - 1
	}
	return strings.Join(out, " ")
}

// maxWord is the longest encoded-word written, so that a folded header line
// (a space and one word) stays within the mail width.
const maxWord = mailWidth - 2

// qWords encodes s as RFC 2047 Q encoded-words of at most maxWord bytes,
// split between characters. Readers join adjacent encoded-words without the
// space between them, so the split adds nothing to the text.
func qWords(s string) []string {
	const head, tail = "=?utf-8?q?", "?="
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, head+b.String()+tail)
			b.Reset()
		}
	}
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		var enc strings.Builder
		for _, c := range []byte(s[:size]) {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!*+-/", c) >= 0:
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if len(head)+b.Len()+enc.Len()+len(tail) > maxWord {
			flush()
		}
		b.WriteString(enc.String())
		s = s[size:]
	}
	flush()
	return words
}

// header writes a header folded at spaces to the mail width (RFC 5322
// folding: continuation lines start with white space).
func (e *mailWriter) header(name, value string) {
	words := strings.Fields(value)
	cur := name + ":"
	for _, w := range words {
		if utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > mailWidth && cur != name+":" {
			e.b.WriteString(cur + "\n")
			cur = " " + w
			continue
		}
		cur += " " + w
	}
	e.b.WriteString(cur + "\n")
}

func (e *mailWriter) body(opts Options) {
	r := e.r
	t := e.target()
	e.intro(t)
	e.findings()
	e.propertyTable()
	e.claimTable()
	e.reproduce(opts)
	e.blank()
	e.line("-- ")
	e.line(nameOr(r.Tool.Name) + " " + r.Tool.Version)
}

func (e *mailWriter) intro(t target) {
	r := e.r
	what := "this patch"
	if r.Series.Cover != nil || len(r.Series.Patches) > 1 {
		what = "this series"
	}
	text := fmt.Sprintf("%s %s ran the code %s changes, before and after it, on a simulated arm64 machine with PSCI firmware", nameOr(r.Tool.Name), r.Tool.Version, what)
	if r.Models.Baseline != "" {
		text += " (baseline " + r.Models.Baseline
		if r.Profile != nil {
			text += ", timing profile " + r.Profile.Name
		}
		text += ")"
	}
	text += "."
	e.para("", text)
	e.blank()
	e.hanging(overall(r)+": ", oneLine(r.Summary))
	e.blank()
	if len(r.Findings) > 0 {
		e.para("", "Each finding is below the lines of the patch it concerns. The simulation is a model: a finding is a reason to look, with a trace to replay, not a measurement of real hardware.")
		e.blank()
	}
	if t.author != "" && t.date != "" {
		e.para("", attribution(t.author, t.date))
		e.blank()
	}
}

// attribution is the "On <date>, <name> wrote:" line above quoted text.
func attribution(author, date string) string {
	name := author
	if a, err := mail.ParseAddress(author); err == nil && a.Name != "" {
		name = a.Name
	}
	when := date
	if d, err := time.Parse(time.RFC3339, date); err == nil {
		when = d.Format("Mon, 2 Jan 2006 15:04:05 -0700")
	}
	return fmt.Sprintf("On %s, %s wrote:", when, name)
}

// placed is a finding with the diff line it concerns, if any.
type placed struct {
	f    *rules.Finding
	hunk *hunkLines
	idx  int
}

// findings quotes, for each hunk that has findings, the patch lines up to
// each finding's line and writes the finding below them, in patch order.
// Findings without a diff line follow: the commit message's first, then
// any whose line is outside the hunks.
func (e *mailWriter) findings() {
	r := e.r
	var inDiff, message, elsewhere []placed
	for i := range r.Findings {
		f := &r.Findings[i]
		l := f.Location
		if l == nil || l.File == "" {
			message = append(message, placed{f: f})
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
	for _, p := range inDiff {
		if p.hunk != lastHunk {
			if key := fmt.Sprint(p.hunk.Patch, p.hunk.File); key != lastFile {
				lastFile = key
				e.line("> diff --git a/" + p.hunk.File + " b/" + p.hunk.File)
			}
			h := p.hunk.Hunk
			e.line("> " + hunkHeader(h))
			lastHunk, quoted = p.hunk, -1
		}
		from := max(quoted+1, p.idx-6)
		if from > quoted+1 {
			e.line("[...]")
		}
		for i := from; i <= p.idx; i++ {
			e.line("> " + p.hunk.Lines[i].Text)
		}
		quoted = p.idx
		e.blank()
		e.finding(p.f)
	}
	if len(message) > 0 {
		e.para("", "On the commit message:")
		e.blank()
		for _, p := range message {
			if c := claimByID(r, p.f.Claim); c != nil {
				for _, l := range wrap(ascii(c.Sentence), mailWidth-2) {
					e.line("> " + l)
				}
				e.blank()
			}
			e.finding(p.f)
		}
	}
	for _, p := range elsewhere {
		e.para("", "At "+location(p.f.Location)+" (outside the patch's hunks):")
		e.blank()
		e.finding(p.f)
	}
}

func hunkHeader(h *rules.Hunk) string {
	s := fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
	if h.Section != "" {
		s += " " + h.Section
	}
	return s
}

// finding writes one finding, and the counterexample that shows it.
func (e *mailWriter) finding(f *rules.Finding) {
	e.hanging(f.Severity+": ", f.ID)
	e.para("", f.Message)
	e.blank()
	if p := violation(e.r, f); p != nil {
		e.para("", fmt.Sprintf("An interleaving that breaks it (%s, %s), each step one CPU's atomic action:", variant(p.Variant), scenario(p.Scenario)))
		e.blank()
		e.trace(p.Counterexample)
		e.blank()
	}
}

// trace writes a counterexample as a numbered interleaving: the CPU, the
// place and what it does there, then the line of code with its diff marker.
func (e *mailWriter) trace(cx *rules.Counterexample) {
	for _, it := range condense(cx) {
		if it.Summary != "" {
			for k, l := range wrap(ascii(it.Summary), mailWidth-8) {
				if k == 0 {
					e.line(fmt.Sprintf("%7s %s", it.number(), l))
				} else {
					e.line("        " + l)
				}
			}
			continue
		}
		s := it.Step
		var where string
		if s.File != "" {
			where = path.Base(s.File)
			if s.Line > 0 {
				where += fmt.Sprintf(":%d", s.Line)
			}
			if s.Side == "model" {
				where += " (model)"
			}
		}
		fn := s.Func
		if fn != "" {
			fn += "()"
		}
		text := joinNonEmpty(cpuName(s.CPU), where, fn) + ": " + s.Action
		if s.Event != "" {
			text += " [" + s.Event + "]"
		}
		for k, l := range wrap(ascii(text), mailWidth-8) {
			if k == 0 {
				e.line(fmt.Sprintf("%7s %s", it.number(), l))
			} else {
				e.line("        " + l)
			}
		}
		if code := stepLine(e.hunks, s); code != "" {
			e.line("        " + code)
		}
	}
}

func (e *mailWriter) propertyTable() {
	r := e.r
	if len(r.Properties) == 0 {
		return
	}
	e.para("", "Properties checked, over every interleaving unless marked incomplete:")
	e.blank()
	width := 0
	for _, p := range r.Properties {
		width = max(width, len(scenario(p.Scenario)))
	}
	width = min(width, 34)
	for _, g := range groupProperties(r.Properties) {
		e.line(fmt.Sprintf("  %s (%s)", g.ID, g.Severity))
		for _, p := range g.Results {
			v := p.Verdict
			if !p.Explored.Complete && p.Verdict != "violated" {
				v += ", incomplete"
			}
			e.hanging(fmt.Sprintf("    %-6s %-*s ", variant(p.Variant), width, scenario(p.Scenario)), v)
		}
	}
	e.blank()
	for _, g := range groupProperties(r.Properties) {
		for _, p := range g.Results {
			if p.Verdict == "holds-if-bounds" || p.Verdict == "inconclusive" {
				text := fmt.Sprintf("%s, %s, %s: %s", g.ID, variant(p.Variant), scenario(p.Scenario), propertyVerdict(p))
				if p.Reason != "" {
					text += "; " + p.Reason
				}
				e.hanging("  * ", text)
			}
		}
	}
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
	e.para("", title+" (predicted: median, p5-p95):")
	e.blank()
	t := &table{head: []string{"", "Claim", "Code", "Scenario", "Median", "p5-p95", "Verdict"}, limit: []int{3, 18, 6, 8, 7, 13, 12}}
	for _, c := range r.Claims {
		median, band := "-", "-"
		if d := c.Predicted; d != nil {
			median = ascii(seconds(d.Median))
			band = ascii(secondsRange(d.P5, d.P95))
		}
		sc := "-"
		if c.Scenario.CPUs > 0 {
			sc = fmt.Sprintf("%d %s", c.Scenario.CPUs, c.Scenario.Load)
		}
		t.add(c.ID, c.Text, variant(c.Variant), sc, median, band, c.Verdict)
	}
	for _, l := range t.lines("", 1) {
		e.line(l)
	}
	e.blank()
	for _, c := range r.Claims {
		text := c.Reason
		if ct := costText(c.Cost); ct != "" {
			text += "; the median goes to " + ascii(ct)
		}
		for _, a := range c.Also {
			if a.Predicted != nil {
				text += fmt.Sprintf("; also %s median %s: %s", a.Metric, seconds(a.Predicted.Median), a.Why)
			}
		}
		if c.Source != "" {
			text += " [" + c.Source + "]"
		}
		e.hanging(fmt.Sprintf("  %s: ", c.ID), text)
	}
	e.blank()
}

func (e *mailWriter) reproduce(opts Options) {
	r := e.r
	e.para("", fmt.Sprintf("To reproduce with %s %s (seed %d), save this thread's patch as an mbox and run:", nameOr(r.Tool.Name), r.Tool.Version, r.Tool.Seed))
	e.blank()
	e.line("  " + reproduce(r))
	if opts.TargetURL != "" {
		e.blank()
		e.para("", "The full report, with pictures of both runs:")
		e.line("  " + opts.TargetURL)
	}
}

// truncColumns cuts s so that it takes at most n columns, marking the cut
// with "...".
func truncColumns(s string, n int) string {
	if columns(s) <= n {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && columns(string(r))+3 > n {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}
