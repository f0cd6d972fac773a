package parse

import (
	"bytes"
	"regexp"
)

// A chunk is the text of one message cut out of an input, with the input
// line its first line came from.
type chunk struct {
	text []byte
	line int // 1-based input line of text's first line
}

// headerLine matches an RFC 5322 header field start: a field name of
// printable characters other than ':' followed by ':'.
var headerLine = regexp.MustCompile(`^[!-9;-~]+:`)

// isMboxFrom reports whether line starts a message in an mbox: a "From "
// line (the envelope line) whose next line is a header field. Requiring the
// header keeps an unescaped "From " sentence in a body (mboxo writers do not
// escape reliably) from cutting a message in two.
func isMboxFrom(line, next []byte) bool {
	return bytes.HasPrefix(line, []byte("From ")) && headerLine.Match(next)
}

// splitMbox cuts an mbox (mboxo or mboxrd) into messages and undoes the
// ">From " escaping. In mboxrd every line matching ^>+From  had one '>'
// added; in mboxo only ^From  lines were escaped and the two cannot be told
// apart, so removing one '>' is right for mboxrd and right for mboxo in all
// but the case of a body line that really began with ">From " (a quoted
// sentence), which is the format's known loss.
func splitMbox(data []byte) []chunk {
	var out []chunk
	// A message is data[from:to]; it is copied only when it has escaped
	// lines to undo.
	from, line, escaped := -1, 0, false
	flush := func(to int) {
		if from < 0 {
			return
		}
		text := data[from:to]
		if escaped {
			text = unescapeFrom(text)
		}
		out = append(out, chunk{trimFinalBlank(text), line})
	}
	lineNo := 0
	prevBlank := true
	for off := 0; off < len(data); {
		lineNo++
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i
		}
		l := data[off:end]
		next := data[min(end+1, len(data)):]
		if j := bytes.IndexByte(next, '\n'); j >= 0 {
			next = next[:j]
		}
		nextOff := min(end+1, len(data))
		if prevBlank && isMboxFrom(l, next) {
			flush(off)
			from, line, escaped = nextOff, lineNo+1, false
			prevBlank = false
			off = nextOff
			continue
		}
		prevBlank = len(bytes.TrimRight(l, " \t")) == 0
		if !escaped && isEscapedFrom(l) {
			escaped = true
		}
		off = nextOff
	}
	flush(len(data))
	return out
}

// isEscapedFrom matches ^>+From .
func isEscapedFrom(l []byte) bool {
	if len(l) == 0 || l[0] != '>' {
		return false
	}
	k := bytes.IndexFunc(l, func(r rune) bool { return r != '>' })
	return k > 0 && bytes.HasPrefix(l[k:], []byte("From "))
}

// unescapeFrom removes one '>' from every ^>+From  line.
func unescapeFrom(text []byte) []byte {
	out := make([]byte, 0, len(text))
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		l := text
		if i >= 0 {
			l, text = text[:i+1], text[i+1:]
		} else {
			text = nil
		}
		if isEscapedFrom(l) {
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}

// trimFinalBlank drops the one blank line an mbox writer puts between
// messages.
func trimFinalBlank(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\n\n")) {
		return b[:len(b)-1]
	}
	return b
}
