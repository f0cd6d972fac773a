package cfront

import (
	"fmt"
	"sort"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// maxInput bounds the text Parse accepts; kernel source files are far
// smaller, and the grammar's run time grows with the input.
const maxInput = 4 << 20

// ErrorList is the error Parse returns when the text has syntax errors or
// constructs outside the subset. Each entry names a line.
type ErrorList []Diag

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].String()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Parse parses C text named name under the configuration cfg. The text may
// be a complete file or a fragment that starts or ends inside a function
// (see FuncDecl.CutStart and CutEnd). The returned File is never nil; the
// error, when not nil, is an ErrorList of the syntax errors and unsupported
// constructs (also present in File.Diags, together with notes of the
// pre-pass such as unknown CONFIG_ options, which are not errors).
func Parse(name string, src []byte, cfg Config) (*File, error) {
	f := &File{Name: name}
	if len(src) > maxInput {
		d := Diag{Pos: Pos{Line: 1, Col: 1}, Kind: "syntax", Msg: fmt.Sprintf("input of %d bytes exceeds the limit of %d", len(src), maxInput)}
		f.Diags = append(f.Diags, d)
		return f, ErrorList{d}
	}
	cfg.allBranches = false
	pp := prepass(src, cfg)
	if line, col, deep := tooDeep(pp.text); deep {
		// Refused before the grammar builds a tree as deep.
		d := Diag{Pos: pp.origPos(line, col), Kind: "unsupported", Msg: fmt.Sprintf("brackets nested more than %d levels deep", MaxNesting)}
		f.Diags = append(f.Diags, pp.diags...)
		f.Diags = append(f.Diags, d)
		return f, ErrorList{d}
	}
	text := balance(pp)
	lang, _ := grammar()
	parser := sitter.NewParser()
	defer parser.Close()
	if err := parser.SetLanguage(lang); err != nil {
		d := Diag{Pos: Pos{Line: 1, Col: 1}, Kind: "syntax", Msg: "C grammar: " + err.Error()}
		f.Diags = append(f.Diags, d)
		return f, ErrorList{d}
	}
	tree := parser.Parse(text, nil)
	if tree == nil {
		d := Diag{Pos: Pos{Line: 1, Col: 1}, Kind: "syntax", Msg: "the C grammar produced no tree"}
		f.Diags = append(f.Diags, d)
		return f, ErrorList{d}
	}
	defer tree.Close()
	c := &conv{src: text, pp: pp, f: f, parser: parser}
	c.file(tree.RootNode())
	c.defines()
	f.Defines = pp.defines
	f.Diags = append(f.Diags, pp.diags...)
	f.Diags = append(f.Diags, c.diags...)
	sort.SliceStable(f.Diags, func(i, j int) bool {
		a, b := f.Diags[i].Pos, f.Diags[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	var errs ErrorList
	for _, d := range f.Diags {
		if d.Kind == "syntax" || d.Kind == "unsupported" {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

// balance makes a fragment's braces balance so that the grammar sees whole
// blocks: a text that starts inside k blocks gets k "{" in front of its first
// line (recorded as insertions), and one that ends inside blocks gets the
// closing braces on an extra line at the end.
func balance(pp *prepared) []byte {
	sc := scanBraces(pp.text)
	text := pp.text
	if sc.offset > 0 {
		open := strings.Repeat("{", sc.offset)
		text = append([]byte(open), text...)
		pp.ins[0] = append([]insertion{{col: 0, n: sc.offset}}, pp.ins[0]...)
		pp.cutStart = true
	}
	if sc.endDepth > 0 {
		text = append(text, '\n')
		text = append(text, strings.Repeat("}", sc.endDepth)...)
		pp.cutEndLine = countNL(text)
	}
	return text
}

// conv converts the grammar's concrete tree into the syntax tree.
type conv struct {
	src       []byte
	pp        *prepared
	f         *File
	diags     []Diag
	parser    *sitter.Parser
	attrIndex int
	fixed     *Pos // when set, every position is this one (#define values)
	// depth is the nesting of statements and expressions being converted
	// (see MaxNesting); deepReported: the error was reported.
	depth        int
	deepReported bool
}

func (c *conv) pos(n *sitter.Node) Pos {
	if n == nil {
		return Pos{}
	}
	if c.fixed != nil {
		return *c.fixed
	}
	p := n.StartPosition()
	return c.pp.origPos(int(p.Row), int(p.Column))
}

func (c *conv) text(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return string(c.src[n.StartByte():n.EndByte()])
}

func (c *conv) errorf(n *sitter.Node, kind, format string, args ...any) {
	p := c.pos(n)
	if !p.IsValid() {
		p = Pos{Line: 1, Col: 1}
	}
	c.diags = append(c.diags, Diag{Pos: p, Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

func children(n *sitter.Node) []*sitter.Node {
	var out []*sitter.Node
	for i := uint(0); i < n.ChildCount(); i++ {
		out = append(out, n.Child(i))
	}
	return out
}

func namedChildren(n *sitter.Node) []*sitter.Node {
	var out []*sitter.Node
	for i := uint(0); i < n.NamedChildCount(); i++ {
		ch := n.NamedChild(i)
		if kind(ch) == "comment" {
			continue
		}
		out = append(out, ch)
	}
	return out
}

// syntaxErrors reports ERROR and MISSING nodes under n, outermost only.
func (c *conv) syntaxErrors(n *sitter.Node) {
	if !n.HasError() {
		return
	}
	if !c.deeper(c.pos(n)) {
		return
	}
	defer func() { c.depth-- }()
	if n.IsError() {
		t := strings.Join(strings.Fields(c.text(n)), " ")
		if len(t) > 60 {
			t = t[:60] + "..."
		}
		c.errorf(n, "syntax", "cannot parse %q", t)
		return
	}
	if n.IsMissing() {
		c.errorf(n, "syntax", "missing %s", kind(n))
		return
	}
	for _, ch := range children(n) {
		c.syntaxErrors(ch)
	}
}

func (c *conv) file(root *sitter.Node) {
	c.syntaxErrors(root)
	prevEnd := Pos{}
	for i, n := range namedChildren(root) {
		switch kind(n) {
		case "function_definition":
			fd := c.funcDef(n, prevEnd)
			if fd != nil {
				c.f.Funcs = append(c.f.Funcs, fd)
			}
		case "declaration":
			c.topDecl(n)
		case "type_definition":
			c.typeSpec(field(n, "type"))
		case "struct_specifier", "union_specifier", "enum_specifier":
			c.typeSpec(n)
		case "compound_statement":
			b := c.block(n)
			if i == 0 && c.pp.cutStart {
				fd := &FuncDecl{Pos: b.Pos, Body: b, CutStart: true}
				// The braces the balancing added are not the function's.
				for len(fd.Body.Stmts) == 1 {
					inner, ok := fd.Body.Stmts[0].(*BlockStmt)
					if !ok || inner.Pos != b.Pos {
						break
					}
					fd.Body = inner
				}
				c.markCutEnd(fd, n)
				c.f.Funcs = append(c.f.Funcs, fd)
			} else {
				c.f.Stmts = append(c.f.Stmts, b)
			}
		case "ERROR", "expression_statement", "if_statement", "while_statement", "for_statement",
			"do_statement", "switch_statement", "return_statement", "goto_statement",
			"labeled_statement", "break_statement", "continue_statement", "case_statement":
			if kind(n) == "ERROR" {
				break // reported by syntaxErrors
			}
			c.f.Stmts = append(c.f.Stmts, c.stmt(n))
		case "preproc_def", "preproc_function_def", "preproc_include", "preproc_call", "preproc_if", "preproc_ifdef":
			// Directives are blanked by the pre-pass; nothing reaches here.
		default:
			if kind(n) != ";" {
				c.errorf(n, "unsupported", "file-scope %s", kind(n))
			}
		}
		ep := n.EndPosition()
		prevEnd = c.pp.origPos(int(ep.Row), int(ep.Column))
	}
}

func (c *conv) markCutEnd(fd *FuncDecl, n *sitter.Node) {
	if c.pp.cutEndLine > 0 && int(n.EndPosition().Row)+1 >= c.pp.cutEndLine {
		fd.CutEnd = true
		fd.Body.End = Pos{}
	}
}

// defines parses the values of object-like #defines as expressions.
func (c *conv) defines() {
	for _, d := range c.pp.defines {
		if strings.TrimSpace(d.Text) == "" {
			continue
		}
		snippet := []byte("int __define_value = (" + d.Text + ");")
		tree := c.parser.Parse(snippet, nil)
		if tree == nil {
			continue
		}
		root := tree.RootNode()
		if !root.HasError() {
			if decl := root.NamedChild(0); decl != nil && kind(decl) == "declaration" {
				if id := field(decl, "declarator"); id != nil && kind(id) == "init_declarator" {
					sub := &conv{src: snippet, pp: c.pp, f: &File{}, parser: c.parser, fixed: &d.Pos}
					d.Value = sub.expr(field(id, "value"))
					if len(sub.diags) > 0 {
						d.Value = nil
					}
				}
			}
		}
		tree.Close()
	}
}
