package cfront

import "fmt"

// MaxNesting bounds how deeply brackets, statements and expressions may
// nest. The conversion of the grammar's tree and the compiler recurse once
// per level, so without a bound a patch of 10^6 nested parentheses
// overflows the stack; kernel code nests a few dozen levels at most. Text
// past the bound is refused with its position.
const MaxNesting = 512

// tooDeep finds the first bracket of text ((, [ or {, outside string and
// character literals) that opens a level more than MaxNesting deeper than
// the shallowest point before it (a fragment may start inside blocks). It
// returns the bracket's 0-based line and column.
func tooDeep(text []byte) (line, col int, found bool) {
	depth, low := 0, 0
	lineStart := 0
	for i := 0; i < len(text); i++ {
		switch b := text[i]; b {
		case '\n':
			line++
			lineStart = i + 1
		case '"', '\'':
			// Skip the literal; it ends at its quote or at the line's end.
			for i++; i < len(text) && text[i] != b && text[i] != '\n'; i++ {
				if text[i] == '\\' && i+1 < len(text) && text[i+1] != '\n' {
					i++
				}
			}
			if i < len(text) && text[i] == '\n' {
				i-- // the newline is counted by the loop
			}
		case '(', '[', '{':
			depth++
			if depth-low > MaxNesting {
				return line, i - lineStart, true
			}
		case ')', ']', '}':
			depth--
			low = min(low, depth)
		}
	}
	return 0, 0, false
}

// deeper enters one level of the tree's conversion; it reports false (and
// the error, once) when the level is past MaxNesting. Every call that
// returns true must be paired with c.depth--.
func (c *conv) deeper(p Pos) bool {
	c.depth++
	if c.depth <= MaxNesting {
		return true
	}
	c.depth--
	if !c.deepReported {
		c.deepReported = true
		if !p.IsValid() {
			p = Pos{Line: 1, Col: 1}
		}
		c.diags = append(c.diags, Diag{Pos: p, Kind: "unsupported", Msg: fmt.Sprintf("nested more than %d levels deep", MaxNesting)})
	}
	return false
}
