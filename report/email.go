package report

import (
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/patchcheck/patchcheck/rules"
)

// mailWidth is the longest line the email has, in columns (tabs count to
// the next multiple of 8): the width mailing lists expect of a reply.
const mailWidth = 72

// renderEmail writes a plain-text reply to the patch, ready for
// `git send-email` or a mail client: To the author and Cc everyone the
// message was sent to, threaded with In-Reply-To and References, each
// finding below the quoted patch lines it concerns, each interleaving
// once, the claim table, the base, a lore link and how to reproduce the
// run (emailbody.go).
func renderEmail(w io.Writer, r *rules.Report, opts Options) error {
	e := &mailWriter{r: r, hunks: numberHunks(r)}
	if err := e.headers(opts); err != nil {
		return err
	}
	e.body(opts)
	_, err := io.WriteString(w, e.b.String())
	return err
}

type mailWriter struct {
	r       *rules.Report
	hunks   []*hunkLines
	b       strings.Builder
	traces  []shownTrace // interleavings already shown or named
	written int          // interleavings written out, for their labels
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
	for _, l := range wrap(s, mailWidth-len(indent)) {
		e.line(indent + l)
	}
}

// hanging writes s wrapped with the first line after first and the others
// under it.
func (e *mailWriter) hanging(first, s string) {
	pad := strings.Repeat(" ", utf8.RuneCountInString(first))
	for i, l := range wrap(s, mailWidth-len(pad)) {
		if i == 0 {
			e.line(first + l)
		} else {
			e.line(pad + l)
		}
	}
}

// target is the message the reply answers: the cover letter of a series,
// else its first patch.
type target struct {
	subject, messageID, author, date string
	references, to, cc               []string
}

func (e *mailWriter) target() target {
	s := e.r.Series
	if c := s.Cover; c != nil && c.MessageID != "" {
		t := target{subject: c.Subject, messageID: c.MessageID, author: c.Author, to: c.To, cc: c.Cc}
		if len(s.Patches) > 0 {
			p := s.Patches[0]
			if t.author == "" {
				t.author, t.to, t.cc = p.Author, p.To, p.Cc
			}
			t.date = p.Date
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
	return target{subject: subj, messageID: p.MessageID, author: p.Author, date: p.Date, references: p.References, to: p.To, cc: p.Cc}
}

var seriesNumber = regexp.MustCompile(`\b\d+/(\d+)$`)

// coverPrefix turns a patch's prefix ("PATCH v2 1/3") into its cover
// letter's ("PATCH v2 0/3").
func coverPrefix(prefix string) string {
	return seriesNumber.ReplaceAllString(prefix, "0/$1")
}

func (e *mailWriter) headers(opts Options) error {
	t := e.target()
	var from *mail.Address
	if opts.From != "" {
		a, err := mail.ParseAddress(opts.From)
		if err != nil {
			return fmt.Errorf("email From %q: %v", opts.From, err)
		}
		from = a
		e.header("From", a.String())
	}
	// To the author (or --to); Cc everyone the message was sent to, which
	// is where the list and the maintainers are, and --cc.
	var to []*mail.Address
	if len(opts.To) > 0 {
		for _, s := range opts.To {
			list, err := mail.ParseAddressList(s)
			if err != nil {
				return fmt.Errorf("email To %q: %v", s, err)
			}
			to = append(to, list...)
		}
	} else if a := reportAddress(t.author); a != nil {
		to = append(to, a)
	}
	var cc []*mail.Address
	for _, s := range append(append([]string(nil), t.to...), t.cc...) {
		if a := reportAddress(s); a != nil {
			cc = append(cc, a)
		}
	}
	for _, s := range opts.Cc {
		list, err := mail.ParseAddressList(s)
		if err != nil {
			return fmt.Errorf("email Cc %q: %v", s, err)
		}
		cc = append(cc, list...)
	}
	seen := map[string]bool{}
	if from != nil {
		seen[strings.ToLower(from.Address)] = true // no copy to oneself
	}
	to = uniqueAddresses(to, seen)
	cc = uniqueAddresses(cc, seen)
	if len(to) > 0 {
		e.header("To", joinAddresses(to))
	}
	if len(cc) > 0 {
		e.header("Cc", joinAddresses(cc))
	}
	subject := t.subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	e.header("Subject", encodeWords(subject))
	// A git range's ids are commits, not Message-Ids: nothing to thread
	// under (loreLink says the same).
	if id := headerID(t.messageID); id != "" && loreLink(e.r, t.messageID) != "" {
		e.header("In-Reply-To", id)
		var refs []string
		for _, r := range append(append([]string(nil), t.references...), t.messageID) {
			if id := headerID(r); id != "" {
				refs = append(refs, id)
			}
		}
		e.header("References", strings.Join(refs, " "))
	}
	e.header("MIME-Version", "1.0")
	e.header("Content-Type", "text/plain; charset=utf-8")
	e.header("Content-Transfer-Encoding", "8bit")
	e.blank()
	return nil
}

// reportAddress reads an address of the report ("Name <addr>", as the
// parser writes From, To and Cc) into a mail.Address, so that it is
// written back with its display name quoted or encoded as RFC 5322 and
// 2047 require. The name is taken as everything before the last "<": a
// name such as `X@evil.example, Henry` (sent quoted, stored decoded) stays
// one name and adds no recipient. A value without an address (a web
// archive's "Henry Willard") gives nil: it cannot be written to.
func reportAddress(s string) *mail.Address {
	s = oneLine(s)
	i := strings.LastIndexByte(s, '<')
	if i < 0 || !strings.HasSuffix(s, ">") {
		if a, err := mail.ParseAddress(s); err == nil {
			return a
		}
		return nil
	}
	a, err := mail.ParseAddress(s[i:])
	if err != nil {
		return nil
	}
	name := strings.TrimSpace(s[:i])
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = name[1 : len(name)-1]
	}
	// An encoded word in a name is shown, not decoded again by the
	// reader: a joiner after "=" keeps it from being one.
	a.Name = strings.ReplaceAll(name, "=?", "=\u2060?")
	return a
}

func uniqueAddresses(list []*mail.Address, seen map[string]bool) []*mail.Address {
	var out []*mail.Address
	for _, a := range list {
		key := strings.ToLower(a.Address)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}

// joinAddresses writes an address list; each address is written by
// net/mail (quoted or RFC 2047-encoded display name), and the header
// folds between words.
func joinAddresses(list []*mail.Address) string {
	var parts []string
	for _, a := range list {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ", ")
}

// maxIDLine is the longest header line a Message-Id may make: RFC 5322's
// limit of 998 characters. An id cannot be folded; a longer one is left
// out of the threading headers rather than breaking the mail.
const maxIDLine = 998 - len("In-Reply-To: ")

// headerID writes a Message-Id as a header carries it, in angle brackets,
// or "" when it is not one: ids come from the patch and may hold anything.
func headerID(id string) string {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" || len(id)+2 > maxIDLine {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' {
			return ""
		}
	}
	return "<" + id + ">"
}

// encodeWords encodes the words of an unstructured header value (the
// Subject) that a reader could not take as they are: a run of words that
// are not ASCII becomes RFC 2047 encoded-words (mime.QEncoding, one
// encoded text so that the spaces inside survive); an ASCII word too long
// to fold within headerWidth, or one that a reader would decode as an
// encoded-word ("=?utf-8?q?=0D=0ABcc:...?=" after the parser decoded the
// sender's double encoding), is encoded too, so that it reads back as it
// was. ASCII words stay readable and the value foldable at its spaces.
func encodeWords(value string) string {
	nonASCII := func(w string) bool {
		return strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0
	}
	forced := func(w string) bool { return len(w) > maxWord-len("=?utf-8?q??=") || strings.Contains(w, "=?") }
	words := strings.Fields(value)
	var out []string
	for i := 0; i < len(words); i++ {
		if !nonASCII(words[i]) && !forced(words[i]) {
			out = append(out, words[i])
			continue
		}
		// A run of such words is one encoded text: the space between two
		// encoded-words would be dropped by the reader.
		j := i + 1
		for j < len(words) && (nonASCII(words[j]) || forced(words[j])) {
			j++
		}
		text := strings.Join(words[i:j], " ")
		if nonASCII(text) && !forced(text) {
			out = append(out, strings.Fields(mime.QEncoding.Encode("utf-8", text))...)
		} else {
			out = append(out, qWords(text)...)
		}
		i = j - 1
	}
	return strings.Join(out, " ")
}

// headerWidth is the longest header line written (RFC 5322 2.1.1: lines
// SHOULD be at most 78 characters). maxWord is the longest encoded-word,
// RFC 2047's 75, so that a folded line (a space and one word) fits.
const (
	headerWidth = 78
	maxWord     = 75
)

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

// header writes a header folded at spaces to headerWidth (RFC 5322
// folding: continuation lines start with white space; a first word too
// long for the name's line starts the next). Only a word longer than a
// line, which is a Message-Id (at most maxIDLine), makes a longer line.
func (e *mailWriter) header(name, value string) {
	words := strings.Fields(value)
	cur := name + ":"
	for _, w := range words {
		if len(cur)+1+len(w) > headerWidth {
			e.b.WriteString(cur + "\n")
			cur = " " + w
			continue
		}
		cur += " " + w
	}
	e.b.WriteString(cur + "\n")
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
