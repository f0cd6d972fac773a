package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchcheck/patchcheck/rules"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/tools/txtar"
)

// The patch author may be an adversary: every string of the Report that
// comes from the patch (subject, author, recipients, code lines, file
// names, and the messages that quote them) may hold control characters,
// markup, header syntax or workflow commands. The tests below render such
// reports in every format and check each output the way its reader takes
// it: a terminal, a mail reader (net/mail, mime), a GitHub-flavoured
// Markdown renderer (goldmark with the GFM extensions), a SARIF viewer, a
// GitHub runner, an editor reading the terse lines.

// hostileOptions are the options every hostile rendering uses: a target
// URL (the one link the Markdown may have) and a GitHub runner, so that
// the text report carries its stop-commands token.
var hostileOptions = Options{TargetURL: "https://ci.example.org/runs/1", GitHubActions: true}

// TestHostileBundles renders each bundle of testdata/hostile: the seed
// sample report with the bundle's strings set into it (section
// "set PATH", PATH a dotted path into the report's JSON, "*" for every
// element of an array; the value is the section's text without its final
// newline, with Go string escapes such as \r, \x1b and \a read), and
// checks every format. Sections "want email-to" and "want email-cc" list
// the addresses the reply must go to, one a line, and nothing else.
func TestHostileBundles(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no bundles: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, want := hostileReport(t, a)
			checkHostile(t, r, want)
			// The bundles set free text and recipients only: the JSON
			// still validates against the schema.
			if err := validate(compileSchema(t, "schema.json"), render(t, "json", r, Options{})); err != nil {
				t.Errorf("json: %v", err)
			}
		})
	}
}

// hostileWant is what a bundle expects beyond the checks every rendering
// gets.
type hostileWant struct {
	to, cc []string // addresses of the reply, in order; nil: not checked
}

func hostileReport(t *testing.T, a *txtar.Archive) (*rules.Report, hostileWant) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "seed-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var want hostileWant
	for _, f := range a.Files {
		body := strings.TrimSuffix(string(f.Data), "\n")
		switch {
		case strings.HasPrefix(f.Name, "set "):
			value, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			var v any = value
			if strings.HasPrefix(value, "[") {
				// A JSON list of strings, for the To and Cc lists.
				var list []any
				if err := json.Unmarshal([]byte(value), &list); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				v = list
			}
			if n := setPath(doc, strings.Split(strings.TrimPrefix(f.Name, "set "), "."), v); n == 0 {
				t.Fatalf("%s: the path matches nothing in the report", f.Name)
			}
		case f.Name == "want email-to":
			want.to = strings.Split(body, "\n")
		case f.Name == "want email-cc":
			want.cc = strings.Split(body, "\n")
		default:
			t.Fatalf("unknown section %q", f.Name)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	var r rules.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	return &r, want
}

// setPath sets v at path in a decoded JSON document and returns how many
// places it set.
func setPath(doc any, path []string, v any) int {
	if len(path) == 0 {
		return 0
	}
	key, rest := path[0], path[1:]
	switch d := doc.(type) {
	case map[string]any:
		if len(rest) == 0 {
			d[key] = v
			return 1
		}
		if d[key] == nil {
			return 0
		}
		return setPath(d[key], rest, v)
	case []any:
		var idx []int
		if key == "*" {
			for i := range d {
				idx = append(idx, i)
			}
		} else if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(d) {
			idx = []int{i}
		}
		n := 0
		for _, i := range idx {
			if len(rest) == 0 {
				d[i] = v
				n++
				continue
			}
			n += setPath(d[i], rest, v)
		}
		return n
	}
	return 0
}

// payloads are put into every string of a report by TestHostileEveryField.
var payloads = []string{
	"\x1b]0;pwned\x07\x1b[2J\x1b[H\rPASS: every property holds\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
	"a\r\n```\r\n![x](https://evil.example/a.png)\r\n<img src=x onerror=alert(1)>",
	"a\n```\n![x](https://evil.example/a.png)\n<img src=x onerror=alert(1)>\n```",
	"x\n===\n## ✅ patchcheck: PASS\n",
	"@torvalds https://evil.example www.evil.example a@evil.example <https://evil.example>",
	"\n::add-mask::secret\n::stop-commands::abc\n::error file=x.c,line=1::pwned\n",
	"\"X@evil.example, Henry\" <h@example.org>\r\nBcc: x@evil.example",
	"=?utf-8?q?=0D=0ABcc:_x@evil.example?=",
	"\u202egnp.exe\u202c \u2066x\u2069 \x7f\u009b31m",
	"javascript:alert(1)//<img src=x>.c",
	"../../../../etc/passwd",
}

// TestHostileEveryField appends each payload to every string of the seed
// sample (every free text, but also ids, verdicts and paths: a renderer
// must be safe whatever the Report holds) and checks every format.
func TestHostileEveryField(t *testing.T) {
	for i, p := range payloads {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			r := loadReport(t, "seed-report.json")
			appendEverywhere(reflect.ValueOf(r).Elem(), p)
			checkHostile(t, r, hostileWant{})
		})
	}
}

func appendEverywhere(v reflect.Value, payload string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + payload)
	case reflect.Pointer:
		if !v.IsNil() {
			appendEverywhere(v.Elem(), payload)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			appendEverywhere(v.Field(i), payload)
		}
	case reflect.Slice:
		for i := range v.Len() {
			appendEverywhere(v.Index(i), payload)
		}
	}
}

// checkHostile renders r in every format and checks each output as its
// reader takes it.
func checkHostile(t *testing.T, r *rules.Report, want hostileWant) {
	t.Helper()
	for _, f := range formats {
		opts := hostileOptions
		for _, verbose := range []bool{false, true} {
			if verbose && f.name != "text" {
				continue
			}
			opts.Verbose = verbose
			var buf bytes.Buffer
			if err := Render(&buf, f.name, r, opts); err != nil {
				t.Errorf("%s: %v", f.name, err)
				continue
			}
			out := buf.Bytes()
			if f.name != "json" && f.name != "html" {
				noControls(t, f.name, out)
			}
			switch f.name {
			case "text":
				checkTextStopCommands(t, out)
			case "email":
				checkHostileEmail(t, r, out, want)
			case "markdown":
				checkMarkdown(t, out, opts.TargetURL)
			case "sarif":
				checkSARIFURIs(t, out)
			case "annotations":
				for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
					if l != "" && !regexp.MustCompile(`^::(error|warning|notice) [^\n]*::`).MatchString(l) {
						t.Errorf("annotations: not one command of ours: %q", l)
					}
				}
			case "terse":
				checkTextStopCommands(t, out)
				o := opts
				o.GitHubActions = false
				checkTerse(t, r, render(t, "terse", r, o))
			}
		}
	}
}

// noControls fails on a control character other than tab and LF, on a
// bidirectional control, and on invalid UTF-8. The colour codes of the text
// report are off (Options.Color), so any ESC came from the report.
func noControls(t *testing.T, format string, out []byte) {
	t.Helper()
	if p := controlProblem(out); p != "" {
		t.Errorf("%s: %s", format, p)
	}
}

func controlProblem(out []byte) string {
	if !utf8.Valid(out) {
		return "invalid UTF-8"
	}
	for i, r := range string(out) {
		if cleanRune(r) != r {
			return fmt.Sprintf("control character %U at byte %d: %q", r, i, around(out, i))
		}
	}
	return ""
}

// around is the text near byte i, for messages.
func around(b []byte, i int) string {
	return string(b[max(0, i-30):min(len(b), i+30)])
}

// checkTextStopCommands checks that the text report is bracketed by a
// stop-commands token that occurs nowhere else, so that nothing in between
// is a workflow command for the runner.
func checkTextStopCommands(t *testing.T, out []byte) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	token, ok := strings.CutPrefix(lines[0], "::stop-commands::")
	if !ok || len(token) < 32 {
		t.Fatalf("text: first line %q is not ::stop-commands::TOKEN", lines[0])
	}
	if last := lines[len(lines)-1]; last != "::"+token+"::" {
		t.Errorf("text: last line %q does not resume with the token", last)
	}
	if n := strings.Count(string(out), token); n != 2 {
		t.Errorf("text: the token occurs %d times, want 2", n)
	}
}

func checkHostileEmail(t *testing.T, r *rules.Report, out []byte, want hostileWant) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("email: net/mail cannot read it: %v\n%s", err, out)
	}
	for _, p := range mailLineProblems(out) {
		t.Errorf("email: %s", p)
	}
	head := out[:bytes.Index(out, []byte("\n\n"))]
	for i, c := range head {
		if c >= utf8.RuneSelf {
			t.Errorf("email: 8-bit byte in the header at %d: %q", i, around(head, i))
			break
		}
	}
	for name := range msg.Header {
		if !slices.Contains([]string{"From", "To", "Cc", "Subject", "In-Reply-To", "References", "Mime-Version", "Content-Type", "Content-Transfer-Encoding"}, name) {
			t.Errorf("email: header %q was injected", name)
		}
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Errorf("email: Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	if strings.ContainsAny(subject, "\r\n") || strings.Contains(subject, "=?") && !strings.Contains(rawSubject(r), "=?") {
		t.Errorf("email: Subject decodes to %q", subject)
	}
	for _, h := range []string{"To", "Cc"} {
		if msg.Header.Get(h) == "" {
			continue
		}
		list, err := msg.Header.AddressList(h)
		if err != nil {
			t.Errorf("email: %s %q: %v", h, msg.Header.Get(h), err)
			continue
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Address)
			if strings.ContainsAny(a.Name, "\r\n") {
				t.Errorf("email: %s name %q", h, a.Name)
			}
		}
		w := want.to
		if h == "Cc" {
			w = want.cc
		}
		if w != nil && !slices.Equal(got, w) {
			t.Errorf("email: %s = %q, want %q", h, got, w)
		}
	}
	if want.to != nil && msg.Header.Get("To") == "" && len(want.to) > 0 && want.to[0] != "" {
		t.Errorf("email: no To, want %q", want.to)
	}
	if want.cc != nil && msg.Header.Get("Cc") == "" && len(want.cc) > 0 && want.cc[0] != "" {
		t.Errorf("email: no Cc, want %q", want.cc)
	}
	body, _ := io.ReadAll(msg.Body)
	if bytes.Contains(body, []byte("\r")) {
		t.Error("email: CR in the body")
	}
}

func rawSubject(r *rules.Report) string {
	if r.Series.Cover != nil {
		return r.Series.Cover.Subject
	}
	if len(r.Series.Patches) > 0 {
		return r.Series.Patches[0].Prefix + r.Series.Patches[0].Subject
	}
	return ""
}

// mdShape is what a Markdown document is made of, as GitHub renders it.
type mdShape struct {
	headings, fences, indented, tables, htmlBlocks int
	links                                          []string
	images, autolinks                              int
	rawHTML                                        []string
	live                                           []string // mentions and bare URLs in text
}

var (
	mention = regexp.MustCompile(`(^|[^\w])@[A-Za-z0-9]`)
	bareURL = regexp.MustCompile(`(?i)(https?|ftp)://|www\.[a-z0-9]`)
)

func markdownShape(src []byte) mdShape {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	doc := md.Parser().Parse(text.NewReader(src))
	var s mdShape
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindHeading:
			s.headings++
		case ast.KindFencedCodeBlock:
			s.fences++
			return ast.WalkSkipChildren, nil
		case ast.KindCodeBlock:
			s.indented++
			return ast.WalkSkipChildren, nil
		case ast.KindCodeSpan:
			return ast.WalkSkipChildren, nil
		case east.KindTable:
			s.tables++
		case ast.KindHTMLBlock:
			s.htmlBlocks++
			b := n.(*ast.HTMLBlock)
			var raw strings.Builder
			for i := 0; i < b.Lines().Len(); i++ {
				seg := b.Lines().At(i)
				raw.Write(seg.Value(src))
			}
			s.rawHTML = append(s.rawHTML, strings.TrimSpace(raw.String()))
		case ast.KindRawHTML:
			h := n.(*ast.RawHTML)
			var raw strings.Builder
			for i := 0; i < h.Segments.Len(); i++ {
				seg := h.Segments.At(i)
				raw.Write(seg.Value(src))
			}
			s.rawHTML = append(s.rawHTML, raw.String())
		case ast.KindLink:
			s.links = append(s.links, string(n.(*ast.Link).Destination))
		case ast.KindImage:
			s.images++
		case ast.KindAutoLink:
			s.autolinks++
		case ast.KindText:
			t := string(n.(*ast.Text).Segment.Value(src))
			if mention.MatchString(t) || bareURL.MatchString(t) {
				s.live = append(s.live, t)
			}
		}
		return ast.WalkContinue, nil
	})
	return s
}

// allowedHTML are the tags the Markdown renderer writes itself.
var allowedHTML = regexp.MustCompile(`^(\s*</?(details|summary|br)>\s*|\s*<details><summary>[^<]*</summary>\s*)+$`)

// checkMarkdown parses the output as GitHub does and compares its shape
// with the sample's: patch text must add no heading, code block, table,
// link, image, HTML or live mention.
func checkMarkdown(t *testing.T, out []byte, target string) {
	t.Helper()
	base := markdownShape(render(t, "markdown", loadReport(t, "seed-report.json"), hostileOptions))
	got := markdownShape(out)
	// Fewer fenced blocks are no harm (a finding whose line is gone is
	// not quoted); more of anything is markup from the patch.
	if got.headings != base.headings || got.fences > base.fences || got.tables != base.tables || got.htmlBlocks > base.htmlBlocks {
		t.Errorf("markdown: %d headings, %d fenced blocks, %d tables, %d HTML blocks; the sample has %d, %d, %d, %d", got.headings, got.fences, got.tables, got.htmlBlocks, base.headings, base.fences, base.tables, base.htmlBlocks)
	}
	if got.indented > 0 || got.images > 0 || got.autolinks > 0 {
		t.Errorf("markdown: %d indented code blocks, %d images, %d autolinks", got.indented, got.images, got.autolinks)
	}
	for _, l := range got.links {
		if l != target {
			t.Errorf("markdown: link to %q", l)
		}
	}
	for _, h := range got.rawHTML {
		if !allowedHTML.MatchString(h) {
			t.Errorf("markdown: raw HTML %q", h)
		}
	}
	for _, l := range got.live {
		t.Errorf("markdown: live mention or URL in %q", l)
	}
}

func checkSARIFURIs(t *testing.T, out []byte) {
	t.Helper()
	for _, p := range sarifURIProblems(out) {
		t.Error("sarif: " + p)
	}
}

func sarifURIProblems(out []byte) []string {
	var problems []string
	uri := regexp.MustCompile(`"uri": "([^"]*)"`)
	for _, m := range uri.FindAllSubmatch(out, -1) {
		s := string(m[1])
		if s == informationURI {
			continue // the tool's own link
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(s, "/") || !regexp.MustCompile(`^[A-Za-z0-9._~/%-]+$`).MatchString(s) {
			problems = append(problems, fmt.Sprintf("uri %q is not a percent-encoded relative path", s))
		}
		for _, seg := range strings.Split(s, "/") {
			if seg == ".." {
				problems = append(problems, fmt.Sprintf("uri %q leaves %%SRCROOT%%", s))
			}
		}
	}
	return problems
}

// checkTerse checks that every line is FILE:LINE: SEVERITY: ID: message and
// that each finding has its line.
func checkTerse(t *testing.T, r *rules.Report, out []byte) {
	t.Helper()
	line := regexp.MustCompile(`^.+:\d+: (error|warning|note): [^ ]+: `)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) < len(r.Findings) {
		t.Errorf("terse: %d lines for %d findings", len(lines), len(r.Findings))
	}
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("terse: %q is not FILE:LINE: SEVERITY: ID: message", l)
		}
	}
}

// TestHostileChecksCanFail feeds the checks outputs that are wrong in the
// ways they look for, so that a check that cannot fail is caught.
func TestHostileChecksCanFail(t *testing.T) {
	bad := markdownShape([]byte("# heading\n\n@torvalds https://evil.example\n\n![x](https://evil.example/a.png)\n\n<img src=x>\n"))
	if bad.headings != 1 || len(bad.live) == 0 || bad.images != 1 || len(bad.rawHTML) == 0 || allowedHTML.MatchString(bad.rawHTML[0]) {
		t.Errorf("markdown checks miss a heading, a mention, an image or raw HTML: %+v", bad)
	}
	// goldmark ends a line at LF only; GitHub's renderer also at CR,
	// which is why noControls checks the Markdown for CR.
	if s := markdownShape([]byte("```\na\n```\n![x](y)\n")); s.images != 1 || s.fences != 1 {
		t.Errorf("a closing fence does not end a fenced block for the renderer: %+v", s)
	}
	if s := markdownShape([]byte("**x**\n===\n")); s.headings != 1 {
		t.Errorf("a setext underline does not make a heading: %+v", s)
	}
	if controlProblem([]byte("a\x1b[2Jb")) == "" || controlProblem([]byte("a\rb")) == "" || controlProblem([]byte("a\u202eb")) == "" {
		t.Error("control characters are not caught")
	}
	if controlProblem([]byte("a\tb\nc ␛ ␍")) != "" {
		t.Error("tab, LF or the visible stand-ins are taken for control characters")
	}
	for _, u := range []string{"javascript:alert(1)", "../etc/passwd", "/etc/passwd", "a b.c"} {
		if len(sarifURIProblems([]byte(`"uri": "`+u+`"`))) == 0 {
			t.Errorf("sarif uri %q is not caught", u)
		}
	}
}
