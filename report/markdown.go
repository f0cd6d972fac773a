package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// maxMarkdown is the most GitHub takes for one step's job summary
// ($GITHUB_STEP_SUMMARY): 1 MiB.
const maxMarkdown = 1 << 20

// renderMarkdown writes the report for a GitHub job summary or a PR
// comment: verdict and summary first, tables for claims and properties,
// findings with their counterexamples folded in <details>. Output longer
// than the limit is first rendered without the folded details, then cut
// at a line with a note saying so.
func renderMarkdown(w io.Writer, r *rules.Report, opts Options) error {
	limit := opts.MarkdownLimit
	if limit <= 0 {
		limit = maxMarkdown
	}
	out := markdown(r, opts, true)
	if len(out) > limit {
		out = markdown(r, opts, false)
	}
	if len(out) > limit {
		out = truncateMarkdown(out, limit, opts)
	}
	_, err := w.Write(out)
	return err
}

func markdown(r *rules.Report, opts Options, details bool) []byte {
	m := &mdWriter{hunks: numberHunks(r), details: details}
	m.printf("## %s %s: %s\n\n", verdictMark(r.Verdict), mdText(nameOr(r.Tool.Name)), mdText(overall(r)))
	m.printf("**%s**\n\n", mdText(patchTitle(r)))
	m.printf("%s\n\n", mdText(oneLine(r.Summary)))
	if !details {
		m.printf("_Counterexamples and input details are left out to keep this summary under its size limit; the JSON or HTML output has them._\n\n")
	}
	m.findings(r)
	m.claims(r)
	m.properties(r)
	m.steps(r)
	m.inputs(r)
	m.printf("Reproduce with %s %s: `%s`", mdText(nameOr(r.Tool.Name)), mdText(r.Tool.Version), codeSpan(reproduce(r)))
	if opts.TargetURL != "" {
		m.printf(" · [full report](%s)", mdURL(opts.TargetURL))
	}
	m.printf("\n")
	return m.b.Bytes()
}

type mdWriter struct {
	b       bytes.Buffer
	hunks   []*hunkLines
	details bool
}

func (m *mdWriter) printf(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

func verdictMark(v string) string {
	switch v {
	case "pass":
		return "✅"
	case "fail":
		return "❌"
	default:
		return "⚠️"
	}
}

func (m *mdWriter) findings(r *rules.Report) {
	if len(r.Findings) == 0 {
		return
	}
	m.printf("### Findings\n\n")
	for i := range r.Findings {
		f := &r.Findings[i]
		m.printf("- **%s** `%s` %s: %s\n", mdText(f.Severity), codeSpan(location(f.Location)), mdText(f.ID), mdText(oneLine(f.Message)))
		if l := f.Location; l != nil {
			if h, idx, ok := findLine(m.hunks, l.Patch, l.File, l.Line, l.Side); ok {
				from := max(0, idx-3)
				var code []string
				for _, dl := range h.Lines[from : idx+1] {
					code = append(code, dl.Text)
				}
				m.fence("  ", "diff", code)
			}
		}
		if p := violation(r, f); p != nil && m.details {
			m.printf("\n  <details><summary>Counterexample: %s, %s, %d steps</summary>\n\n", htmlText(variant(p.Variant)), htmlText(scenario(p.Scenario)), len(p.Counterexample.Steps))
			var lines []string
			for _, it := range condense(p.Counterexample) {
				if it.Summary != "" {
					lines = append(lines, fmt.Sprintf("%5s %s", it.number(), it.Summary))
					continue
				}
				lines = append(lines, fmt.Sprintf("%5s %s", it.number(), stepSummary(it.Step)))
				if code := stepLine(m.hunks, it.Step); code != "" {
					lines = append(lines, "      "+code)
				}
			}
			m.fence("  ", "", lines)
			m.printf("\n  </details>\n")
		}
	}
	m.printf("\n")
}

// fence writes lines as a fenced code block, with a fence longer than any
// backtick run inside so that patch text cannot end it early.
func (m *mdWriter) fence(indent, lang string, lines []string) {
	// A code line has no line break of its own: one in a hostile Report
	// would end the block, so it is shown as ␊.
	lines = slices.Clone(lines)
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, "\n", "\u240a")
	}
	fence := "```"
	for _, l := range lines {
		for strings.Contains(l, fence) {
			fence += "`"
		}
	}
	m.printf("\n%s%s%s\n", indent, fence, lang)
	for _, l := range lines {
		m.printf("%s%s\n", indent, l)
	}
	m.printf("%s%s\n", indent, fence)
}

func (m *mdWriter) claims(r *rules.Report) {
	if len(r.Claims) == 0 {
		return
	}
	m.printf("### Claims (%s)\n\n", mdText(countVerdicts(r.Claims)))
	m.printf("| | Claim | Code | Scenario | Claimed | Predicted median (p5–p95) | Verdict |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.Claims {
		pred := "–"
		if d := c.Predicted; d != nil {
			pred = fmt.Sprintf("%s (%s)", seconds(d.Median), secondsRange(d.P5, d.P95))
		}
		m.printf("| %s | “%s” | %s | %s | %s | %s | %s |\n", mdCell(c.ID), mdCell(c.Text), mdCell(variant(c.Variant)), mdCell(scenario(c.Scenario)),
			mdCell(claimed(c.Claimed)), mdCell(pred), verdictCell(c.Verdict))
	}
	m.printf("\n")
	if !m.details {
		return
	}
	m.printf("<details><summary>Why each verdict, and where the numbers come from</summary>\n\n")
	for _, c := range r.Claims {
		m.printf("- **%s**: %s", mdText(c.ID), mdText(c.Reason))
		if ct := costText(c.Cost); ct != "" {
			m.printf(" Where the median goes: %s.", mdText(ct))
		}
		for _, a := range c.Also {
			m.printf(" Also %s: %s — %s.", mdText(a.Metric), mdText(distribution(a.Predicted)), mdText(a.Why))
		}
		if c.Source != "" {
			m.printf(" _Source: %s._", mdText(c.Source))
		}
		m.printf(" _Bound as: %s._\n", mdText(c.Binding))
	}
	m.printf("\n</details>\n\n")
}

func verdictCell(v string) string {
	switch v {
	case "violated", "inconsistent":
		return "**" + mdCell(v) + "**"
	}
	return mdCell(v)
}

func (m *mdWriter) properties(r *rules.Report) {
	if len(r.Properties) == 0 {
		return
	}
	m.printf("### Properties\n\n| Property | Severity | BEFORE | AFTER |\n|---|---|---|---|\n")
	for _, g := range groupProperties(r.Properties) {
		var before, after []string
		for _, p := range g.Results {
			cell := fmt.Sprintf("%s: %s", scenario(p.Scenario), p.Verdict)
			if p.Verdict == "violated" {
				cell = fmt.Sprintf("%s: **violated**", scenario(p.Scenario))
			}
			if p.Variant == "before" {
				before = append(before, mdCell(cell))
			} else {
				after = append(after, mdCell(cell))
			}
		}
		m.printf("| `%s` | %s | %s | %s |\n", codeCell(g.ID), mdCell(g.Severity), strings.Join(before, "<br>"), strings.Join(after, "<br>"))
	}
	m.printf("\n")
	if !m.details {
		return
	}
	m.printf("<details><summary>What each property means, and how far the search went</summary>\n\n")
	for _, g := range groupProperties(r.Properties) {
		m.printf("- `%s`: %s\n", codeSpan(g.ID), mdText(g.Doc))
		for _, p := range g.Results {
			m.printf("  - %s, %s: %s (%s)", mdText(variant(p.Variant)), mdText(scenario(p.Scenario)), mdText(propertyVerdict(p)), mdText(exploration(p.Explored)))
			if p.Reason != "" {
				m.printf(": %s", mdText(p.Reason))
			}
			m.printf("\n")
		}
	}
	m.printf("\n</details>\n\n")
}

func (m *mdWriter) steps(r *rules.Report) {
	if len(r.Steps) == 0 {
		return
	}
	m.printf("### Patch by patch\n\n| After patch | Verdict | Behaviour changed | Summary |\n|---|---|---|---|\n")
	for _, s := range r.Steps {
		m.printf("| %d | %s | %t | %s |\n", s.Upto, mdCell(s.Verdict), s.BehaviourChanged, mdCell(s.Summary))
	}
	m.printf("\n")
}

func (m *mdWriter) inputs(r *rules.Report) {
	if !m.details {
		return
	}
	m.printf("<details><summary>What was read and modelled</summary>\n\n")
	for _, in := range r.Inputs {
		m.printf("- input `%s` (%s)\n", codeSpan(in.Name), mdText(in.Kind))
	}
	for _, p := range r.Series.Patches {
		m.printf("- patch %d/%d: %s (%s)\n", p.Index, p.Total, mdText(p.Subject), mdText(p.Author))
		for _, g := range groupNotices(p.Notices) {
			m.printf("  - notice %s\n", mdText(g))
		}
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
		m.printf("- `%s:%d` %s: %s, %s", codeSpan(f.File), f.Line, mdText(name), mdText(f.Change), state)
		if f.Note != "" {
			m.printf(" (%s)", mdText(f.Note))
		}
		m.printf("\n")
	}
	if r.Models.Baseline != "" {
		m.printf("- baseline: %s\n", mdText(r.Models.Baseline))
	}
	if p := r.Profile; p != nil {
		m.printf("- timing profile: %s (%s); calibrated on: %s\n", mdText(p.Name), mdText(p.Source), mdText(strings.Join(p.Calibrated, "; ")))
	}
	for _, u := range r.Models.UnknownCallees {
		m.printf("- unknown callee `%s` at `%s:%d`: %s\n", codeSpan(u.Name), codeSpan(u.File), u.Line, mdText(u.Handled))
	}
	for _, u := range r.Models.Unmodelled {
		m.printf("- unmodelled `%s`: %s\n", codeSpan(u.Name), mdText(u.Reason))
	}
	m.printf("\n</details>\n\n")
}

// truncateMarkdown cuts out at a line boundary so that, with the closing
// fences and tags the cut left open and a note, it fits in limit bytes.
func truncateMarkdown(out []byte, limit int, opts Options) []byte {
	note := fmt.Sprintf("\n\n**This summary was cut at %d bytes**, the limit for where it is shown; the JSON, HTML or text output has the whole report.", limit)
	if opts.TargetURL != "" {
		note += fmt.Sprintf(" [Full report](%s).", mdURL(opts.TargetURL))
	}
	note += "\n"
	for cut := limit - len(note); cut > 0; cut -= 64 {
		head := out[:cut]
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i+1]
		}
		res := append(append(append([]byte(nil), head...), closeMarkdown(head)...), note...)
		if len(res) <= limit {
			return res
		}
	}
	return []byte(note)
}

// closeMarkdown returns what closes the code fence and <details> elements
// left open at the end of head.
func closeMarkdown(head []byte) string {
	var open string
	for _, l := range strings.Split(string(head), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			f := strings.TrimRight(t, "abcdefghijklmnopqrstuvwxyz")
			if open == "" {
				open = f
			} else if f == open {
				open = ""
			}
		}
	}
	var b strings.Builder
	if open != "" {
		b.WriteString("\n" + open + "\n")
	}
	for n := bytes.Count(head, []byte("<details>")) - bytes.Count(head, []byte("</details>")); n > 0; n-- {
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// mdText escapes text for Markdown: ASCII punctuation that could start
// markup gets a backslash, so patch text cannot become links, HTML or
// formatting; line breaks become spaces, so it cannot start a heading
// ("\n===" under a line makes it one), a list or a block; and what GitHub
// turns into live links without markup is broken by a zero-width joiner:
// "@name" would notify a user or team, "https://..." and "www..." would be
// links, "a@b.org" a mail link.
func mdText(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
			continue
		case strings.ContainsRune("\\`*_[]<>|&#~!", r):
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune("-+=", r):
			b.WriteByte('\\') // a list item or a setext underline at the start of a line
		}
		b.WriteRune(r)
	}
	out := unlink(b.String())
	// "1. " or "1) " at the start of a line would begin an ordered list.
	if j := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); j > 0 && (out[j] == '.' || out[j] == ')') {
		out = out[:j] + "\\" + out[j:]
	}
	return out
}

// unlink breaks what GitHub would turn into a live mention or link in
// text with a zero-width joiner: after every "@", inside "://" and after
// "www".
func unlink(s string) string {
	if !strings.ContainsAny(s, "@:wW") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		b.WriteRune(r)
		switch {
		case r == '@':
			b.WriteString(zwj)
		case r == ':' && strings.HasPrefix(s[i+1:], "//"):
			b.WriteString(zwj)
		case (r == 'w' || r == 'W') && i >= 2 && strings.EqualFold(s[i-2:i+1], "www") && strings.HasPrefix(s[i+1:], "."):
			b.WriteString(zwj)
		}
	}
	return b.String()
}

// htmlText is text for the HTML elements of the Markdown (a <summary>):
// escaped, and unlinked as mdText is.
func htmlText(s string) string { return html.EscapeString(unlink(oneLine(s))) }

// codeCell is codeSpan for a table cell, where GFM splits cells at a "|"
// even inside a code span unless it is escaped.
func codeCell(s string) string { return strings.ReplaceAll(codeSpan(s), "|", `\|`) }

// zwj is the zero-width joiner that keeps GitHub from linking mentions,
// URLs and mail addresses in text: invisible, and not part of a name.
const zwj = "\u200d"

// mdCell is mdText for a table cell: one line.
func mdCell(s string) string { return mdText(oneLine(s)) }

// codeSpan makes s safe between single backticks: a backtick inside would
// end the span, so it is replaced by a look-alike.
func codeSpan(s string) string { return strings.ReplaceAll(oneLine(s), "`", "ˋ") }

// mdURL keeps a URL from ending the link early.
func mdURL(u string) string {
	return strings.NewReplacer(" ", "%20", ")", "%29", "(", "%28", "<", "%3C", ">", "%3E").Replace(u)
}
