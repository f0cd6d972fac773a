package parse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// message is one mail after header and MIME decoding.
type message struct {
	pos        Pos // first header line
	subject    string
	from       string
	date       time.Time
	hasDate    bool
	messageID  string
	inReplyTo  string
	references []string
	to, cc     []string // decoded addresses, "Name <addr>"
	body       string   // decoded text, "\n" line ends
	// bodyLine is the input line of body's first line. When exact is false
	// (encoded or multipart bodies) decoded lines do not map onto input
	// lines, and every position inside the body is reported at bodyLine.
	bodyLine int
	exact    bool
	notices  []Notice
}

// bodyPos returns the input position of the body line with 0-based index i.
func (m *message) bodyPos(i int) Pos {
	if m.exact {
		return Pos{m.pos.File, m.bodyLine + i}
	}
	return Pos{m.pos.File, m.bodyLine}
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// parseMail decodes one RFC 5322 message starting at input line c.line.
func parseMail(name string, c chunk) (*message, error) {
	m := &message{pos: Pos{name, c.line}}
	// Count header lines and check them for invalid UTF-8 first: net/mail
	// would accept the bytes and hand back a mojibake subject.
	hdrLines := 0
	rest := c.text
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		line := rest
		if i >= 0 {
			line = rest[:i]
			rest = rest[i+1:]
		} else {
			rest = nil
		}
		if len(bytes.TrimRight(line, " \t")) == 0 {
			break
		}
		if !utf8.Valid(line) {
			return nil, &Error{Pos{name, c.line + hdrLines}, "invalid UTF-8 in mail header"}
		}
		if hdrLines == 0 && !headerLine.Match(line) {
			return nil, &Error{Pos{name, c.line}, "not a mail: expected a header line"}
		}
		if line[0] != ' ' && line[0] != '\t' && !headerLine.Match(line) {
			return nil, &Error{Pos{name, c.line + hdrLines}, fmt.Sprintf("malformed mail header line %q", truncate(string(line), 60))}
		}
		hdrLines++
	}
	if hdrLines == 0 {
		return nil, &Error{Pos{name, c.line}, "not a mail: no header"}
	}
	// rest is now the body; only the header goes through net/mail.
	msg, err := mail.ReadMessage(bytes.NewReader(c.text[:len(c.text)-len(rest)]))
	if err != nil {
		return nil, &Error{Pos{name, c.line}, "malformed mail header: " + strings.TrimPrefix(err.Error(), "mail: ")}
	}
	h := msg.Header
	m.bodyLine = c.line + hdrLines + 1
	m.subject = decodeHeader(h.Get("Subject"))
	m.from = decodeAddress(h.Get("From"))
	m.to = decodeAddressList(h.Get("To"))
	m.cc = decodeAddressList(h.Get("Cc"))
	if d := h.Get("Date"); d != "" {
		if t, err := parseDate(d); err == nil {
			m.date, m.hasDate = t, true
		} else {
			m.notices = append(m.notices, Notice{NoticeEncoding, fmt.Sprintf("unparsable Date header %q", d), m.pos})
		}
	}
	m.messageID = msgID(h.Get("Message-Id"))
	m.inReplyTo = msgID(h.Get("In-Reply-To"))
	for _, f := range strings.Fields(h.Get("References")) {
		if id := msgID(f); id != "" {
			m.references = append(m.references, id)
		}
	}
	if m.subject == "" && h.Get("From") == "" {
		return nil, &Error{Pos{name, c.line}, "not a mail: no From or Subject header"}
	}
	body, exact, err := m.decodeEntity(textproto.MIMEHeader(h), rest, 0)
	if err != nil {
		return nil, err
	}
	m.body, m.exact = body, exact
	return m, nil
}

// decodeHeader decodes RFC 2047 encoded words; an undecodable header is
// kept as sent.
func decodeHeader(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		d = s
	}
	// An encoded word may claim UTF-8 and carry anything.
	return strings.TrimSpace(strings.ToValidUTF8(d, "\uFFFD"))
}

// decodeAddress returns "Name <addr>" for a From header, or the decoded
// header text when it is not a valid address (archives obfuscate them).
func decodeAddress(s string) string {
	if s == "" {
		return ""
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	a, err := p.Parse(s)
	if err != nil {
		return decodeHeader(s)
	}
	if a.Name == "" {
		return "<" + a.Address + ">"
	}
	// As in decodeHeader: an encoded name may claim UTF-8 and carry anything.
	return strings.ToValidUTF8(a.Name, "\uFFFD") + " <" + a.Address + ">"
}

// decodeAddressList returns the addresses of a To or Cc header as
// "Name <addr>"; a header that is not an address list is kept whole, as
// decodeAddress keeps a From.
func decodeAddressList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := p.ParseList(s)
	if err != nil {
		return []string{decodeHeader(s)}
	}
	var out []string
	for _, a := range list {
		if a.Name == "" {
			out = append(out, "<"+a.Address+">")
			continue
		}
		out = append(out, strings.ToValidUTF8(a.Name, "\uFFFD")+" <"+a.Address+">")
	}
	return out
}

// zoneOffsets are the zone names a Date may end with instead of a numeric
// offset: RFC 5322's obsolete zones (section 4.3) and the European ones
// mailers and archives also print. time.Parse would give a name it does
// not know a zero offset, and one that the local zone uses (PST under
// TZ=America/Los_Angeles) the local offset: the date, and so the report,
// would depend on where it was read.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"WET": "+0000", "WEST": "+0100", "BST": "+0100",
	"CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
	"EET": "+0200", "EEST": "+0300",
}

// parseDate reads a Date header with every zone name replaced by its fixed
// offset, so that the result does not depend on the local time zone. An
// unknown name (military letters, a typo) is read as "-0000", RFC 5322's
// "local time, zone unknown".
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[:i]) // a trailing comment, "+0100 (CET)"
	}
	f := strings.Fields(s)
	if n := len(f); n > 0 && strings.IndexFunc(f[n-1], func(r rune) bool { return r < 'A' || r > 'Z' && r < 'a' || r > 'z' }) < 0 {
		off, ok := zoneOffsets[strings.ToUpper(f[n-1])]
		if !ok {
			off = "-0000"
		}
		f[n-1] = off
		s = strings.Join(f, " ")
	}
	return mail.ParseDate(s)
}

func msgID(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return strings.Trim(s, "<>")
}

const maxMIMEDepth = 8

// decodeEntity returns the text of a MIME entity: the decoded body of a
// text part, or the concatenation of the text parts of a multipart entity
// (the message in text/plain, the patch possibly in a text/x-patch or
// text/x-diff attachment). exact reports whether the result's lines are the
// input's lines one for one.
func (m *message) decodeEntity(h textproto.MIMEHeader, raw []byte, depth int) (string, bool, error) {
	pos := Pos{m.pos.File, m.bodyLine}
	ct := h.Get("Content-Type")
	mediaType, params := "text/plain", map[string]string{}
	if ct != "" {
		mt, p, err := mime.ParseMediaType(ct)
		if err != nil {
			m.notices = append(m.notices, Notice{NoticeEncoding, fmt.Sprintf("unparsable Content-Type %q, reading as text/plain", ct), m.pos})
		} else {
			mediaType, params = mt, p
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxMIMEDepth {
			return "", false, &Error{pos, "MIME parts nested too deeply"}
		}
		boundary := params["boundary"]
		if boundary == "" {
			return "", false, &Error{pos, "multipart mail without a boundary"}
		}
		mr := multipart.NewReader(bytes.NewReader(raw), boundary)
		var texts []string
		var html string
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", false, &Error{pos, "malformed multipart body: " + err.Error()}
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return "", false, &Error{pos, "malformed multipart body: " + err.Error()}
			}
			pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if pt == "" {
				pt = "text/plain"
			}
			switch {
			case strings.HasPrefix(pt, "multipart/"):
				s, _, err := m.decodeEntity(part.Header, data, depth+1)
				if err != nil {
					return "", false, err
				}
				if s != "" {
					texts = append(texts, s)
				}
			case pt == "text/html":
				s, _, err := m.decodeEntity(part.Header, data, depth+1)
				if err != nil {
					return "", false, err
				}
				html = s
			case isPatchType(pt):
				s, _, err := m.decodeEntity(part.Header, data, depth+1)
				if err != nil {
					return "", false, err
				}
				texts = append(texts, s)
			default:
				m.notices = append(m.notices, Notice{NoticeEncoding, "ignored MIME part of type " + pt, pos})
			}
		}
		if len(texts) == 0 && html != "" {
			m.notices = append(m.notices, Notice{NoticeEncoding, "mail has only an HTML part; patches sent as HTML are not applicable", pos})
		}
		for i, t := range texts {
			if !strings.HasSuffix(t, "\n") {
				texts[i] = t + "\n"
			}
		}
		return strings.Join(texts, ""), false, nil
	}
	if !isPatchType(mediaType) && mediaType != "text/html" {
		m.notices = append(m.notices, Notice{NoticeEncoding, "body of type " + mediaType + " read as text", pos})
	}
	exact := true
	data := raw
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "", "7bit", "8bit", "binary":
	case "quoted-printable":
		d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return "", false, &Error{pos, "invalid quoted-printable body: " + err.Error()}
		}
		data, exact = d, false
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, raw)
		d := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(d, clean)
		if err != nil {
			return "", false, &Error{pos, "invalid base64 body: " + err.Error()}
		}
		data, exact = d[:n], false
	default:
		m.notices = append(m.notices, Notice{NoticeEncoding, "unknown Content-Transfer-Encoding " + cte + ", read as 8bit", pos})
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", false, &Error{pos, "NUL byte in decoded body"}
	}
	text, err := m.decodeCharset(params["charset"], data, pos)
	if err != nil {
		return "", false, err
	}
	if strings.Contains(text, "\r\n") {
		text = strings.ReplaceAll(text, "\r\n", "\n")
	}
	return text, exact, nil
}

func isPatchType(t string) bool {
	switch t {
	case "text/plain", "text/x-patch", "text/x-diff", "text/x-log", "application/x-patch", "application/x-diff", "application/octet-stream":
		return true
	}
	return false
}

// decodeCharset converts data in the named charset to UTF-8. Bytes that are
// not valid in a UTF-8 (or unlabelled) body are read as Latin-1, with a
// notice, because that is what old mailers that forgot the label sent.
func (m *message) decodeCharset(charset string, data []byte, pos Pos) (string, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "", "us-ascii", "utf-8", "utf8":
		if utf8.Valid(data) {
			return string(data), nil
		}
		m.notices = append(m.notices, Notice{NoticeEncoding, "body is not valid UTF-8; read as ISO-8859-1", pos})
		d, _ := charmap.ISO8859_1.NewDecoder().Bytes(data)
		return string(d), nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		m.notices = append(m.notices, Notice{NoticeEncoding, fmt.Sprintf("unknown charset %q; read as UTF-8", charset), pos})
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	d, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", &Error{pos, fmt.Sprintf("body is not valid %s: %v", charset, err)}
	}
	return string(d), nil
}
