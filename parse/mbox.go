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
	var cur *bytes.Buffer
	start := 0
	lineNo := 0
	prevBlank := true
	for len(data) > 0 {
		lineNo++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		next := data
		if j := bytes.IndexByte(next, '\n'); j >= 0 {
			next = next[:j]
		}
		if prevBlank && isMboxFrom(line, next) {
			if cur != nil {
				out = append(out, chunk{trimFinalBlank(cur.Bytes()), start})
			}
			cur = new(bytes.Buffer)
			start = lineNo + 1
			prevBlank = false
			continue
		}
		prevBlank = len(bytes.TrimRight(line, " \t")) == 0
		if cur == nil {
			continue // text before the first From line; callers check it is blank
		}
		if bytes.HasPrefix(line, []byte(">")) {
			if k := bytes.IndexFunc(line, func(r rune) bool { return r != '>' }); k > 0 && bytes.HasPrefix(line[k:], []byte("From ")) {
				line = line[1:]
			}
		}
		cur.Write(line)
		cur.WriteByte('\n')
	}
	if cur != nil {
		out = append(out, chunk{trimFinalBlank(cur.Bytes()), start})
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
