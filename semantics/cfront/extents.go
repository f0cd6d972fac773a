package cfront

import "sort"

// Extent is the line range of one function definition in a text, found
// without trusting anything but the text itself (in particular not a diff
// hunk's @@ header, which names whatever function git's heuristic saw above
// the hunk).
type Extent struct {
	Name  string // empty when the text starts inside the function (CutStart)
	First int    // first line of the definition (its first specifier), or of the text when CutStart
	Open  int    // line of the body's opening brace; 0 when CutStart
	Last  int    // line of the closing brace; the text's last non-blank line when CutEnd
	// CutStart: the text starts inside the function's body.
	CutStart bool
	// CutEnd: the text ends inside the function's body.
	CutEnd bool
	// Complete: the whole definition is in the text.
	Complete bool
}

// Extents returns the function definitions of src in order, including a
// function the text starts inside (CutStart) and one it ends inside (CutEnd).
// It never fails: text it cannot make sense of yields no extent. Lines in
// every branch of #if conditionals are kept, since the question is which
// function a line belongs to, not whether it is compiled.
func Extents(src []byte) []Extent {
	pp := prepass(src, Config{allBranches: true})
	sc := scanBraces(pp.text)
	var out []Extent
	lineOf := sc.lineOf
	if sc.offset > 0 {
		// The text starts inside a body: the fragment runs to the brace
		// that closes the outermost block it is in.
		first := firstCodeLine(pp.text, 0)
		last := sc.lastLine
		if sc.startClose >= 0 {
			last = lineOf(sc.startClose)
		}
		if first > 0 {
			out = append(out, Extent{First: first, Last: last, CutStart: true, CutEnd: sc.startClose < 0})
		}
	}
	for _, o := range sc.topOpens {
		h, ok := functionHeader(pp.text, o.off)
		if !ok {
			continue
		}
		e := Extent{Name: h.name, First: lineOf(h.start), Open: lineOf(o.off)}
		// An attribute alone on the line above (__noreturn, __init, ...)
		// belongs to the definition; the pre-pass blanked it.
		for moved := true; moved && e.First > 1; {
			moved = false
			for _, a := range pp.attrs {
				if a.pos.Line == e.First-1 && blankLine(pp.text, sc, e.First-1) {
					e.First--
					moved = true
					break
				}
			}
		}
		if h.name == "" {
			e.CutStart = true
			e.First = firstCodeLine(pp.text, 0)
		}
		if o.close >= 0 {
			e.Last = lineOf(o.close)
		} else {
			e.Last = sc.lastLine
			e.CutEnd = true
		}
		out = append(out, e)
	}
	for i := range out {
		out[i].Complete = !out[i].CutStart && !out[i].CutEnd
	}
	return out
}

type braceOpen struct {
	off   int // offset of "{"
	close int // offset of the matching "}", or -1
}

// braceScan is the brace structure of a pre-passed text.
type braceScan struct {
	starts     []int       // line start offsets
	offset     int         // depth the text starts at (how many blocks it starts inside)
	endDepth   int         // depth at the end of the text, counting from offset
	startClose int         // offset of the "}" closing the blocks the text starts inside, or -1
	topOpens   []braceOpen // braces opened at depth 0
	lastLine   int         // last non-blank line
}

func (s *braceScan) lineOf(off int) int {
	return sort.SearchInts(s.starts, off+1)
}

func scanBraces(b []byte) *braceScan {
	s := &braceScan{starts: []int{0}, startClose: -1}
	depth, min := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\n':
			s.starts = append(s.starts, i+1)
		case '"', '\'':
			j := skipLiteral(b, i)
			for k := i + 1; k < j; k++ {
				if b[k] == '\n' {
					s.starts = append(s.starts, k+1)
				}
			}
			i = j
		case '{':
			depth++
		case '}':
			depth--
			if depth < min {
				min = depth
			}
		}
	}
	s.offset = -min
	depth = s.offset
	var stack []int // indexes into topOpens, or -1 for inner braces
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"', '\'':
			i = skipLiteral(b, i)
		case '{':
			if depth == 0 {
				s.topOpens = append(s.topOpens, braceOpen{off: i, close: -1})
				stack = append(stack, len(s.topOpens)-1)
			} else {
				stack = append(stack, -1)
			}
			depth++
		case '}':
			depth--
			if len(stack) > 0 {
				if k := stack[len(stack)-1]; k >= 0 {
					s.topOpens[k].close = i
				}
				stack = stack[:len(stack)-1]
			}
			if depth == 0 && s.startClose < 0 && s.offset > 0 && len(s.topOpens) == 0 {
				s.startClose = i
			}
		}
	}
	s.endDepth = depth
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\f' && b[i] != '\v' {
			s.lastLine = s.lineOf(i)
			break
		}
	}
	return s
}

// firstCodeLine is the first line at or after offset from holding code.
func firstCodeLine(b []byte, from int) int {
	line := 1 + countNL(b[:from])
	for i := from; i < len(b); i++ {
		switch b[i] {
		case '\n':
			line++
		case ' ', '\t', '\f', '\v':
		default:
			return line
		}
	}
	return 0
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

type header struct {
	name  string
	start int // offset of the definition's first character
}

var notFunctions = map[string]bool{
	"if": true, "while": true, "for": true, "switch": true, "sizeof": true, "return": true,
	"do": true, "else": true, "case": true, "typeof": true, "__typeof__": true,
}

// functionHeader decides whether the "{" at open (at depth 0) opens a
// function body: it must follow "name(...)". The definition starts after the
// previous ";", "}" or "{" (or at the start of the text). A parameter list
// whose "(" is not in the text gives a header without a name.
func functionHeader(b []byte, open int) (header, bool) {
	i := open - 1
	for i >= 0 && isSpace(b[i]) {
		i--
	}
	if i < 0 || b[i] != ')' {
		return header{}, false
	}
	depth := 0
	for ; i >= 0; i-- {
		if b[i] == ')' {
			depth++
		} else if b[i] == '(' {
			depth--
			if depth == 0 {
				break
			}
		} else if b[i] == ';' || b[i] == '{' || b[i] == '}' {
			// The parameter list started before the text did.
			return header{start: 0}, true
		}
	}
	if i < 0 {
		return header{start: 0}, true
	}
	j := i - 1
	for j >= 0 && isSpace(b[j]) {
		j--
	}
	end := j + 1
	for j >= 0 && isIdent(b[j]) {
		j--
	}
	name := string(b[j+1 : end])
	if name == "" || notFunctions[name] || name[0] >= '0' && name[0] <= '9' {
		return header{}, false
	}
	k := j
	for k >= 0 && b[k] != ';' && b[k] != '}' && b[k] != '{' {
		k--
	}
	k++
	for k < len(b) && isSpace(b[k]) {
		k++
	}
	return header{name: name, start: k}, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v' || c == '\r'
}

// blankLine reports whether line (1-based) of b holds only whitespace.
func blankLine(b []byte, sc *braceScan, line int) bool {
	if line < 1 || line > len(sc.starts) {
		return false
	}
	end := len(b)
	if line < len(sc.starts) {
		end = sc.starts[line]
	}
	for _, c := range b[sc.starts[line-1]:end] {
		if !isSpace(c) {
			return false
		}
	}
	return true
}
