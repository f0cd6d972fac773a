package cfront

import (
	"fmt"
	"strconv"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

func (c *conv) expr(n *sitter.Node) Expr {
	if n == nil {
		// A part the grammar's error recovery left out; the error itself
		// is reported from the ERROR or MISSING node.
		return &BadExpr{}
	}
	p := c.pos(n)
	if !c.deeper(p) {
		return &BadExpr{Pos: p, Text: "..."}
	}
	defer func() { c.depth-- }()
	switch kind(n) {
	case "parenthesized_expression":
		ch := namedChildren(n)
		if len(ch) != 1 {
			c.errorf(n, "syntax", "malformed parenthesised expression")
			return &BadExpr{Pos: p, Text: c.text(n)}
		}
		return c.expr(ch[0])
	case "identifier":
		return &Ident{Pos: p, Name: c.text(n)}
	case "true":
		return &IntLit{Pos: p, Text: "true", Value: 1}
	case "false":
		return &IntLit{Pos: p, Text: "false", Value: 0}
	case "null":
		return &Ident{Pos: p, Name: "NULL"}
	case "number_literal":
		text := c.text(n)
		if len(text) > 1 && (text[0] == '-' || text[0] == '+') {
			// The grammar folds a sign into the literal in some places.
			lit, err := parseInt(strings.TrimSpace(text[1:]))
			if err != nil {
				c.errorf(n, "unsupported", "%v", err)
				return &BadExpr{Pos: p, Text: text}
			}
			lit.Pos = Pos{Line: p.Line, Col: p.Col + 1}
			return &UnaryExpr{Pos: p, Op: text[:1], X: lit}
		}
		lit, err := parseInt(text)
		if err != nil {
			c.errorf(n, "unsupported", "%v", err)
			return &BadExpr{Pos: p, Text: c.text(n)}
		}
		lit.Pos = p
		return lit
	case "char_literal":
		s, err := unquote(c.text(n))
		if err != nil || len(s) != 1 {
			c.errorf(n, "unsupported", "character literal %s", c.text(n))
			return &BadExpr{Pos: p, Text: c.text(n)}
		}
		return &CharLit{Pos: p, Value: int64(int8(s[0]))}
	case "string_literal", "concatenated_string":
		var sb strings.Builder
		parts := []*sitter.Node{n}
		if kind(n) == "concatenated_string" {
			parts = namedChildren(n)
		}
		for _, part := range parts {
			if lvl, ok := kernLevels[c.text(part)]; ok && kind(part) == "identifier" {
				sb.WriteString("\x01" + lvl)
				continue
			}
			if kind(part) != "string_literal" {
				// A macro such as KERN_INFO or pr_fmt between literals.
				c.errorf(part, "unsupported", "%s in a string concatenation", c.text(part))
				continue
			}
			s, err := unquote(c.text(part))
			if err != nil {
				c.errorf(part, "syntax", "string literal: %v", err)
			}
			sb.WriteString(s)
		}
		return &StringLit{Pos: p, Value: sb.String()}
	case "call_expression":
		e := &CallExpr{Pos: p, Fun: c.expr(field(n, "function"))}
		if args := field(n, "arguments"); args != nil {
			for _, a := range namedChildren(args) {
				e.Args = append(e.Args, c.expr(a))
			}
		}
		return e
	case "binary_expression":
		return &BinaryExpr{Pos: p, Op: c.text(field(n, "operator")),
			X: c.expr(field(n, "left")), Y: c.expr(field(n, "right"))}
	case "unary_expression", "pointer_expression":
		return &UnaryExpr{Pos: p, Op: c.text(field(n, "operator")), X: c.expr(field(n, "argument"))}
	case "update_expression":
		op := field(n, "operator")
		arg := field(n, "argument")
		if op == nil || arg == nil {
			return &BadExpr{Pos: p, Text: c.text(n)}
		}
		return &IncDecExpr{Pos: p, Op: c.text(op), Post: arg.StartByte() < op.StartByte(), X: c.expr(arg)}
	case "assignment_expression":
		return &AssignExpr{Pos: p, Op: c.text(field(n, "operator")),
			X: c.expr(field(n, "left")), Y: c.expr(field(n, "right"))}
	case "conditional_expression":
		return &CondExpr{Pos: p, Cond: c.expr(field(n, "condition")),
			Then: c.expr(field(n, "consequence")), Else: c.expr(field(n, "alternative"))}
	case "cast_expression":
		return &CastExpr{Pos: p, Type: c.typeName(field(n, "type")), X: c.expr(field(n, "value"))}
	case "sizeof_expression":
		if t := field(n, "type"); t != nil {
			return &SizeofExpr{Pos: p, Type: c.typeName(t)}
		}
		return &SizeofExpr{Pos: p, X: c.expr(field(n, "value"))}
	case "field_expression":
		return &MemberExpr{Pos: p, X: c.expr(field(n, "argument")),
			Name: c.text(field(n, "field")), Arrow: c.text(field(n, "operator")) == "->"}
	case "subscript_expression":
		return &IndexExpr{Pos: p, X: c.expr(field(n, "argument")), Index: c.expr(field(n, "index"))}
	case "comma_expression":
		e := &CommaExpr{Pos: p}
		for m := n; ; {
			e.List = append(e.List, c.expr(field(m, "left")))
			r := field(m, "right")
			if kind(r) != "comma_expression" {
				e.List = append(e.List, c.expr(r))
				break
			}
			m = r
		}
		return e
	case "initializer_list":
		e := &InitList{Pos: p}
		for _, ch := range namedChildren(n) {
			el := &InitElem{Pos: c.pos(ch)}
			if kind(ch) == "initializer_pair" {
				for _, d := range fieldChildren(ch, "designator") {
					switch kind(&d) {
					case "field_designator", "field_identifier":
						// .a.b = v (a member of a member) is the path "a.b".
						f := strings.TrimPrefix(strings.TrimSpace(c.text(&d)), ".")
						if el.Field != "" {
							f = el.Field + "." + f
						}
						el.Field = f
					case "subscript_designator":
						if ix := namedChildren(&d); len(ix) > 0 {
							el.Index = c.expr(ix[0])
						}
					default:
						c.errorf(&d, "unsupported", "designator %s", kind(&d))
					}
				}
				el.Value = c.expr(field(ch, "value"))
			} else {
				el.Value = c.expr(ch)
			}
			e.Elems = append(e.Elems, el)
		}
		return e
	case "gnu_asm_expression":
		c.errorf(n, "unsupported", "inline assembly")
		return &BadExpr{Pos: p, Text: c.text(n)}
	case "ERROR":
		return &BadExpr{Pos: p, Text: c.text(n)}
	}
	if n.IsMissing() {
		return &BadExpr{Pos: p}
	}
	c.errorf(n, "unsupported", "expression %s", kind(n))
	return &BadExpr{Pos: p, Text: c.text(n)}
}

// kernLevels are the KERN_ prefixes of printk formats (include/linux/kern_levels.h).
var kernLevels = map[string]string{
	"KERN_EMERG": "0", "KERN_ALERT": "1", "KERN_CRIT": "2", "KERN_ERR": "3",
	"KERN_WARNING": "4", "KERN_NOTICE": "5", "KERN_INFO": "6", "KERN_DEBUG": "7",
	"KERN_DEFAULT": "", "KERN_CONT": "c",
}

// parseInt parses a C integer literal with its suffixes.
func parseInt(s string) (*IntLit, error) {
	lit := &IntLit{Text: s}
	body := s
	for len(body) > 0 {
		switch body[len(body)-1] {
		case 'u', 'U':
			lit.Unsigned = true
		case 'l', 'L':
			lit.Long++
		default:
			goto digits
		}
		body = body[:len(body)-1]
	}
digits:
	base := 10
	switch {
	case strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X"):
		base, body = 16, body[2:]
	case strings.HasPrefix(body, "0b") || strings.HasPrefix(body, "0B"):
		base, body = 2, body[2:]
	case len(body) > 1 && body[0] == '0':
		base, body = 8, body[1:]
	}
	v, err := strconv.ParseUint(body, base, 64)
	if err != nil {
		return nil, fmt.Errorf("number %s is not an integer literal of the subset", s)
	}
	lit.Value = v
	return lit, nil
}

// unquote decodes a C string or character literal.
func unquote(s string) (string, error) {
	if len(s) < 2 {
		return "", fmt.Errorf("malformed literal %s", s)
	}
	q := s[0]
	if s[len(s)-1] != q {
		return "", fmt.Errorf("unterminated literal %s", s)
	}
	s = s[1 : len(s)-1]
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			sb.WriteByte(ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := 0
			j := i
			for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
				v = v*8 + int(s[j]-'0')
			}
			sb.WriteByte(byte(v))
			i = j - 1
		case 'x':
			v := 0
			j := i + 1
			for ; j < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0; j++ {
				d, _ := strconv.ParseUint(s[j:j+1], 16, 8)
				v = v*16 + int(d)
			}
			sb.WriteByte(byte(v))
			i = j - 1
		default:
			sb.WriteByte(e) // \\ \" \' \? and unknown escapes
		}
	}
	return sb.String(), nil
}
