package cfront

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
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
	parser := sitter.NewParser()
	defer parser.Close()
	if err := parser.SetLanguage(sitter.NewLanguage(tsc.Language())); err != nil {
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

// fieldChildren returns the children of n in a field, closing the cursor
// it needs (cursors hold C memory).
func fieldChildren(n *sitter.Node, field string) []sitter.Node {
	cur := n.Walk()
	defer cur.Close()
	return n.ChildrenByFieldName(field, cur)
}

func namedChildren(n *sitter.Node) []*sitter.Node {
	var out []*sitter.Node
	for i := uint(0); i < n.NamedChildCount(); i++ {
		ch := n.NamedChild(i)
		if ch.Kind() == "comment" {
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
		c.errorf(n, "syntax", "missing %s", n.Kind())
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
		switch n.Kind() {
		case "function_definition":
			fd := c.funcDef(n, prevEnd)
			if fd != nil {
				c.f.Funcs = append(c.f.Funcs, fd)
			}
		case "declaration":
			c.topDecl(n)
		case "type_definition":
			c.typeSpec(n.ChildByFieldName("type"))
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
			if n.Kind() == "ERROR" {
				break // reported by syntaxErrors
			}
			c.f.Stmts = append(c.f.Stmts, c.stmt(n))
		case "preproc_def", "preproc_function_def", "preproc_include", "preproc_call", "preproc_if", "preproc_ifdef":
			// Directives are blanked by the pre-pass; nothing reaches here.
		default:
			if n.Kind() != ";" {
				c.errorf(n, "unsupported", "file-scope %s", n.Kind())
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

// specifiers reads storage classes and qualifiers of a declaration.
type specs struct {
	static, extern, inline, constQ, noreturn bool
}

func (c *conv) specifiers(n *sitter.Node) specs {
	var s specs
	for _, ch := range namedChildren(n) {
		switch ch.Kind() {
		case "storage_class_specifier":
			switch c.text(ch) {
			case "static":
				s.static = true
			case "extern":
				s.extern = true
			case "inline", "__inline", "__inline__":
				s.inline = true
			}
		case "type_qualifier":
			if c.text(ch) == "const" {
				s.constQ = true
			}
		case "attribute_specifier", "attribute_declaration":
			if strings.Contains(c.text(ch), "noreturn") {
				s.noreturn = true
			}
		}
	}
	return s
}

func (c *conv) funcDef(n *sitter.Node, prevEnd Pos) *FuncDecl {
	s := c.specifiers(n)
	fd := &FuncDecl{Pos: c.pos(n), Static: s.static, Inline: s.inline, NoReturn: s.noreturn}
	fd.Result = c.typeSpec(n.ChildByFieldName("type"))
	if fd.Result != nil {
		fd.Result.Const = s.constQ
	}
	d := n.ChildByFieldName("declarator")
	var fn *sitter.Node
	for d != nil {
		switch d.Kind() {
		case "pointer_declarator":
			if fd.Result != nil {
				fd.Result.Ptr++
			}
			d = d.ChildByFieldName("declarator")
			continue
		case "function_declarator":
			fn = d
		case "parenthesized_declarator", "attributed_declarator":
			if ch := namedChildren(d); len(ch) > 0 {
				d = ch[0]
				continue
			}
		}
		break
	}
	if fn == nil {
		c.errorf(n, "unsupported", "function definition without a parameter list")
		return nil
	}
	nameNode := fn.ChildByFieldName("declarator")
	for nameNode != nil && nameNode.Kind() != "identifier" {
		ch := namedChildren(nameNode)
		if len(ch) == 0 {
			break
		}
		nameNode = ch[0]
	}
	if nameNode == nil || nameNode.Kind() != "identifier" {
		c.errorf(n, "unsupported", "function declarator %q", c.text(fn))
		return nil
	}
	fd.Name = c.text(nameNode)
	fd.NamePos = c.pos(nameNode)
	fd.Params, fd.Variadic = c.params(fn.ChildByFieldName("parameters"))
	body := n.ChildByFieldName("body")
	if body == nil {
		c.errorf(n, "syntax", "function %s has no body", fd.Name)
		return nil
	}
	fd.Body = c.block(body)
	c.markCutEnd(fd, n)
	// Attributes the pre-pass removed between the previous item and the body.
	bodyPos := c.pos(body)
	for _, a := range c.pp.attrs {
		if posLess(prevEnd, a.pos) && posLess(a.pos, bodyPos) {
			fd.Attrs = append(fd.Attrs, a.name)
			if a.name == "__noreturn" || strings.Contains(a.name, "noreturn") {
				fd.NoReturn = true
			}
		}
	}
	return fd
}

func posLess(a, b Pos) bool { return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col }

func (c *conv) params(n *sitter.Node) ([]*Param, bool) {
	if n == nil {
		return nil, false
	}
	var ps []*Param
	variadic := false
	for _, ch := range namedChildren(n) {
		switch ch.Kind() {
		case "variadic_parameter":
			variadic = true
		case "parameter_declaration":
			t := c.typeSpec(ch.ChildByFieldName("type"))
			t.Const = c.specifiers(ch).constQ
			p := &Param{Pos: c.pos(ch), Type: t}
			p.Name, p.Pos = c.declarator(ch.ChildByFieldName("declarator"), t, p.Pos)
			if t.Name == "void" && t.Ptr == 0 && p.Name == "" {
				continue // (void)
			}
			ps = append(ps, p)
		}
	}
	return ps, variadic
}

// declarator applies a declarator to t and returns the declared name.
func (c *conv) declarator(d *sitter.Node, t *Type, pos Pos) (string, Pos) {
	for d != nil {
		switch d.Kind() {
		case "identifier", "field_identifier", "type_identifier":
			return c.text(d), c.pos(d)
		case "pointer_declarator", "abstract_pointer_declarator":
			t.Ptr++
			d = d.ChildByFieldName("declarator")
		case "array_declarator", "abstract_array_declarator":
			var size Expr
			if s := d.ChildByFieldName("size"); s != nil && s.Kind() != "*" {
				size = c.expr(s)
			}
			t.Array = append(t.Array, size)
			d = d.ChildByFieldName("declarator")
		case "function_declarator", "abstract_function_declarator":
			// A function (pointer) type: the result is what was built so far.
			res := *t
			ps, _ := c.params(d.ChildByFieldName("parameters"))
			*t = Type{Pos: t.Pos, Name: "func", Func: &FuncType{Result: &res, Params: ps}}
			d = d.ChildByFieldName("declarator")
		case "parenthesized_declarator", "abstract_parenthesized_declarator", "attributed_declarator":
			ch := namedChildren(d)
			if len(ch) == 0 {
				return "", pos
			}
			d = ch[0]
		case "init_declarator":
			d = d.ChildByFieldName("declarator")
		default:
			c.errorf(d, "unsupported", "declarator %s", d.Kind())
			return "", pos
		}
	}
	return "", pos
}

// typeSpec converts a type specifier (without declarator).
func (c *conv) typeSpec(n *sitter.Node) *Type {
	if n == nil {
		return &Type{Name: "int"}
	}
	t := &Type{Pos: c.pos(n)}
	switch n.Kind() {
	case "struct_specifier", "union_specifier":
		kw := "struct"
		if n.Kind() == "union_specifier" {
			kw = "union"
		}
		name := ""
		if nm := n.ChildByFieldName("name"); nm != nil {
			name = c.text(nm)
		}
		t.Name = strings.TrimSpace(kw + " " + name)
		if body := n.ChildByFieldName("body"); body != nil {
			sd := &StructDecl{Pos: c.pos(n), Name: name, Union: kw == "union"}
			for _, fdn := range namedChildren(body) {
				if fdn.Kind() != "field_declaration" {
					continue
				}
				ft := c.typeSpec(fdn.ChildByFieldName("type"))
				for _, dn := range fieldChildren(fdn, "declarator") {
					ftc := *ft
					p := &Param{Pos: c.pos(&dn), Type: &ftc}
					p.Name, p.Pos = c.declarator(&dn, &ftc, p.Pos)
					sd.Fields = append(sd.Fields, p)
				}
			}
			t.Struct = sd
			c.f.Structs = append(c.f.Structs, sd)
		}
	case "enum_specifier":
		name := ""
		if nm := n.ChildByFieldName("name"); nm != nil {
			name = c.text(nm)
		}
		t.Name = strings.TrimSpace("enum " + name)
		if body := n.ChildByFieldName("body"); body != nil {
			ed := &EnumDecl{Pos: c.pos(n), Name: name}
			for _, en := range namedChildren(body) {
				if en.Kind() != "enumerator" {
					continue
				}
				e := &Enumerator{Pos: c.pos(en), Name: c.text(en.ChildByFieldName("name"))}
				if v := en.ChildByFieldName("value"); v != nil {
					e.Value = c.expr(v)
				}
				ed.Values = append(ed.Values, e)
			}
			t.Enum = ed
			c.f.Enums = append(c.f.Enums, ed)
		}
	default:
		t.Name = strings.Join(strings.Fields(c.text(n)), " ")
	}
	return t
}

// topDecl converts a file-scope declaration: variables (with the per-CPU
// ones the pre-pass found), and the struct and enum types it defines.
// Function prototypes declare nothing the compiler needs.
func (c *conv) topDecl(n *sitter.Node) {
	for _, v := range c.decl(n) {
		if v.Type.Func != nil && v.Init == nil && v.Type.Ptr == 0 {
			continue // prototype
		}
		c.f.Vars = append(c.f.Vars, v)
	}
}

// decl converts a declaration into its variables.
func (c *conv) decl(n *sitter.Node) []*VarDecl {
	s := c.specifiers(n)
	base := c.typeSpec(n.ChildByFieldName("type"))
	base.Const = s.constQ
	var out []*VarDecl
	for _, dn := range fieldChildren(n, "declarator") {
		dn := dn
		t := *base
		t.Array = nil
		v := &VarDecl{Pos: c.pos(&dn), Type: &t, Static: s.static, Extern: s.extern}
		if dn.Kind() == "init_declarator" {
			if val := dn.ChildByFieldName("value"); val != nil {
				v.Init = c.expr(val)
			}
		}
		if dn.Kind() == "function_declarator" {
			// A prototype: keep its shape so topDecl can skip it.
			v.Name, v.Pos = c.declarator(&dn, &t, v.Pos)
			out = append(out, v)
			continue
		}
		v.Name, v.Pos = c.declarator(&dn, &t, v.Pos)
		v.PerCPU = c.pp.percpu[v.Name]
		if v.Name != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *conv) block(n *sitter.Node) *BlockStmt {
	b := &BlockStmt{Pos: c.pos(n)}
	kids := namedChildren(n)
	for _, ch := range kids {
		if ch.Kind() == "ERROR" {
			continue
		}
		b.Stmts = append(b.Stmts, c.stmt(ch))
	}
	if cnt := n.ChildCount(); cnt > 0 {
		last := n.Child(cnt - 1)
		if last.Kind() == "}" && !last.IsMissing() {
			b.End = c.pos(last)
		}
	}
	return b
}

func (c *conv) stmt(n *sitter.Node) Stmt {
	if n == nil {
		return &BadStmt{}
	}
	p := c.pos(n)
	if !c.deeper(p) {
		return &BadStmt{Pos: p}
	}
	defer func() { c.depth-- }()
	switch n.Kind() {
	case "compound_statement":
		return c.block(n)
	case "declaration":
		return &DeclStmt{Pos: p, Decls: c.decl(n)}
	case "expression_statement":
		ch := namedChildren(n)
		if len(ch) == 0 {
			return &EmptyStmt{Pos: p}
		}
		return &ExprStmt{Pos: p, X: c.expr(ch[0])}
	case "if_statement":
		s := &IfStmt{Pos: p, Cond: c.cond(n), Then: c.stmtField(n, "consequence")}
		if alt := n.ChildByFieldName("alternative"); alt != nil {
			if ch := namedChildren(alt); len(ch) > 0 {
				s.Else = c.stmt(ch[0])
			}
		}
		return s
	case "while_statement":
		cond := c.cond(n)
		body := c.stmtField(n, "body")
		if call, ok := cond.(*CallExpr); ok {
			if id, ok := call.Fun.(*Ident); ok && strings.Contains(id.Name, "for_each") && c.pp.ins[p.Line-1] != nil {
				return &ForEachStmt{Pos: p, Macro: id.Name, Args: call.Args, Body: body}
			}
		}
		return &WhileStmt{Pos: p, Cond: cond, Body: body}
	case "do_statement":
		return &DoStmt{Pos: p, Body: c.stmtField(n, "body"), Cond: c.cond(n)}
	case "for_statement":
		s := &ForStmt{Pos: p, Body: c.stmtField(n, "body")}
		if in := n.ChildByFieldName("initializer"); in != nil {
			if in.Kind() == "declaration" {
				s.Init = &DeclStmt{Pos: c.pos(in), Decls: c.decl(in)}
			} else {
				s.Init = &ExprStmt{Pos: c.pos(in), X: c.expr(in)}
			}
		}
		if cn := n.ChildByFieldName("condition"); cn != nil {
			s.Cond = c.expr(cn)
		}
		if up := n.ChildByFieldName("update"); up != nil {
			s.Post = c.expr(up)
		}
		return s
	case "switch_statement":
		s := &SwitchStmt{Pos: p, Tag: c.cond(n)}
		if body := n.ChildByFieldName("body"); body != nil {
			for _, ch := range namedChildren(body) {
				if ch.Kind() == "case_statement" {
					cc := &CaseClause{Pos: c.pos(ch)}
					if v := ch.ChildByFieldName("value"); v != nil {
						cc.Value = c.expr(v)
					}
					for _, st := range namedChildren(ch) {
						if v := ch.ChildByFieldName("value"); v != nil && v.Id() == st.Id() {
							continue
						}
						if st.Kind() == "ERROR" {
							continue
						}
						cc.Stmts = append(cc.Stmts, c.stmt(st))
					}
					s.Cases = append(s.Cases, cc)
				} else if ch.Kind() != "ERROR" {
					if len(s.Cases) > 0 {
						last := s.Cases[len(s.Cases)-1]
						last.Stmts = append(last.Stmts, c.stmt(ch))
					} else {
						s.Body = append(s.Body, c.stmt(ch))
					}
				}
			}
		}
		return s
	case "case_statement":
		c.errorf(n, "unsupported", "case label outside a switch body")
		return &BadStmt{Pos: p, Text: c.text(n)}
	case "labeled_statement":
		s := &LabeledStmt{Pos: p, Label: c.text(n.ChildByFieldName("label"))}
		for _, ch := range namedChildren(n) {
			if ch.Kind() != "statement_identifier" {
				s.Stmt = c.stmt(ch)
			}
		}
		if s.Stmt == nil {
			s.Stmt = &EmptyStmt{Pos: p}
		}
		return s
	case "goto_statement":
		return &GotoStmt{Pos: p, Label: c.text(n.ChildByFieldName("label"))}
	case "break_statement":
		return &BreakStmt{Pos: p}
	case "continue_statement":
		return &ContinueStmt{Pos: p}
	case "return_statement":
		s := &ReturnStmt{Pos: p}
		if ch := namedChildren(n); len(ch) > 0 {
			s.Result = c.expr(ch[0])
		}
		return s
	case "attributed_statement":
		ch := namedChildren(n)
		if len(ch) > 0 {
			return c.stmt(ch[len(ch)-1])
		}
		return &EmptyStmt{Pos: p}
	case "type_definition":
		c.typeSpec(n.ChildByFieldName("type"))
		return &EmptyStmt{Pos: p}
	case ";":
		return &EmptyStmt{Pos: p}
	}
	c.errorf(n, "unsupported", "statement %s", n.Kind())
	return &BadStmt{Pos: p, Text: c.text(n)}
}

func (c *conv) stmtField(n *sitter.Node, field string) Stmt {
	ch := n.ChildByFieldName(field)
	if ch == nil {
		return &EmptyStmt{Pos: c.pos(n)}
	}
	return c.stmt(ch)
}

// cond converts the parenthesised condition of if/while/do/switch.
func (c *conv) cond(n *sitter.Node) Expr {
	cn := n.ChildByFieldName("condition")
	if cn == nil {
		c.errorf(n, "syntax", "%s without a condition", n.Kind())
		return &BadExpr{Pos: c.pos(n)}
	}
	return c.expr(cn)
}

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
	switch n.Kind() {
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
		if n.Kind() == "concatenated_string" {
			parts = namedChildren(n)
		}
		for _, part := range parts {
			if lvl, ok := kernLevels[c.text(part)]; ok && part.Kind() == "identifier" {
				sb.WriteString("\x01" + lvl)
				continue
			}
			if part.Kind() != "string_literal" {
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
		e := &CallExpr{Pos: p, Fun: c.expr(n.ChildByFieldName("function"))}
		if args := n.ChildByFieldName("arguments"); args != nil {
			for _, a := range namedChildren(args) {
				e.Args = append(e.Args, c.expr(a))
			}
		}
		return e
	case "binary_expression":
		return &BinaryExpr{Pos: p, Op: c.text(n.ChildByFieldName("operator")),
			X: c.expr(n.ChildByFieldName("left")), Y: c.expr(n.ChildByFieldName("right"))}
	case "unary_expression", "pointer_expression":
		return &UnaryExpr{Pos: p, Op: c.text(n.ChildByFieldName("operator")), X: c.expr(n.ChildByFieldName("argument"))}
	case "update_expression":
		op := n.ChildByFieldName("operator")
		arg := n.ChildByFieldName("argument")
		if op == nil || arg == nil {
			return &BadExpr{Pos: p, Text: c.text(n)}
		}
		return &IncDecExpr{Pos: p, Op: c.text(op), Post: arg.StartByte() < op.StartByte(), X: c.expr(arg)}
	case "assignment_expression":
		return &AssignExpr{Pos: p, Op: c.text(n.ChildByFieldName("operator")),
			X: c.expr(n.ChildByFieldName("left")), Y: c.expr(n.ChildByFieldName("right"))}
	case "conditional_expression":
		return &CondExpr{Pos: p, Cond: c.expr(n.ChildByFieldName("condition")),
			Then: c.expr(n.ChildByFieldName("consequence")), Else: c.expr(n.ChildByFieldName("alternative"))}
	case "cast_expression":
		return &CastExpr{Pos: p, Type: c.typeName(n.ChildByFieldName("type")), X: c.expr(n.ChildByFieldName("value"))}
	case "sizeof_expression":
		if t := n.ChildByFieldName("type"); t != nil {
			return &SizeofExpr{Pos: p, Type: c.typeName(t)}
		}
		return &SizeofExpr{Pos: p, X: c.expr(n.ChildByFieldName("value"))}
	case "field_expression":
		return &MemberExpr{Pos: p, X: c.expr(n.ChildByFieldName("argument")),
			Name: c.text(n.ChildByFieldName("field")), Arrow: c.text(n.ChildByFieldName("operator")) == "->"}
	case "subscript_expression":
		return &IndexExpr{Pos: p, X: c.expr(n.ChildByFieldName("argument")), Index: c.expr(n.ChildByFieldName("index"))}
	case "comma_expression":
		e := &CommaExpr{Pos: p}
		for m := n; ; {
			e.List = append(e.List, c.expr(m.ChildByFieldName("left")))
			r := m.ChildByFieldName("right")
			if r.Kind() != "comma_expression" {
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
			if ch.Kind() == "initializer_pair" {
				for _, d := range fieldChildren(ch, "designator") {
					switch d.Kind() {
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
						c.errorf(&d, "unsupported", "designator %s", d.Kind())
					}
				}
				el.Value = c.expr(ch.ChildByFieldName("value"))
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
	c.errorf(n, "unsupported", "expression %s", n.Kind())
	return &BadExpr{Pos: p, Text: c.text(n)}
}

// kernLevels are the KERN_ prefixes of printk formats (include/linux/kern_levels.h).
var kernLevels = map[string]string{
	"KERN_EMERG": "0", "KERN_ALERT": "1", "KERN_CRIT": "2", "KERN_ERR": "3",
	"KERN_WARNING": "4", "KERN_NOTICE": "5", "KERN_INFO": "6", "KERN_DEBUG": "7",
	"KERN_DEFAULT": "", "KERN_CONT": "c",
}

// typeName converts a type_descriptor (casts, sizeof).
func (c *conv) typeName(n *sitter.Node) *Type {
	if n == nil {
		return &Type{Name: "int"}
	}
	t := c.typeSpec(n.ChildByFieldName("type"))
	t.Const = c.specifiers(n).constQ
	c.declarator(n.ChildByFieldName("declarator"), t, t.Pos)
	return t
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
			if decl := root.NamedChild(0); decl != nil && decl.Kind() == "declaration" {
				if id := decl.ChildByFieldName("declarator"); id != nil && id.Kind() == "init_declarator" {
					sub := &conv{src: snippet, pp: c.pp, f: &File{}, parser: c.parser, fixed: &d.Pos}
					d.Value = sub.expr(id.ChildByFieldName("value"))
					if len(sub.diags) > 0 {
						d.Value = nil
					}
				}
			}
		}
		tree.Close()
	}
}
