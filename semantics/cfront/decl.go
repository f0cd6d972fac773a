package cfront

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// specifiers reads storage classes and qualifiers of a declaration.
type specs struct {
	static, extern, inline, constQ, noreturn bool
}

func (c *conv) specifiers(n *sitter.Node) specs {
	var s specs
	for _, ch := range namedChildren(n) {
		switch kind(ch) {
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
	fd.Result = c.typeSpec(field(n, "type"))
	if fd.Result != nil {
		fd.Result.Const = s.constQ
	}
	d := field(n, "declarator")
	var fn *sitter.Node
	for d != nil {
		switch kind(d) {
		case "pointer_declarator":
			if fd.Result != nil {
				fd.Result.Ptr++
			}
			d = field(d, "declarator")
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
	nameNode := field(fn, "declarator")
	for nameNode != nil && kind(nameNode) != "identifier" {
		ch := namedChildren(nameNode)
		if len(ch) == 0 {
			break
		}
		nameNode = ch[0]
	}
	if nameNode == nil || kind(nameNode) != "identifier" {
		c.errorf(n, "unsupported", "function declarator %q", c.text(fn))
		return nil
	}
	fd.Name = c.text(nameNode)
	fd.NamePos = c.pos(nameNode)
	fd.Params, fd.Variadic = c.params(field(fn, "parameters"))
	body := field(n, "body")
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
		switch kind(ch) {
		case "variadic_parameter":
			variadic = true
		case "parameter_declaration":
			t := c.typeSpec(field(ch, "type"))
			t.Const = c.specifiers(ch).constQ
			p := &Param{Pos: c.pos(ch), Type: t}
			p.Name, p.Pos = c.declarator(field(ch, "declarator"), t, p.Pos)
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
		switch kind(d) {
		case "identifier", "field_identifier", "type_identifier":
			return c.text(d), c.pos(d)
		case "pointer_declarator", "abstract_pointer_declarator":
			t.Ptr++
			d = field(d, "declarator")
		case "array_declarator", "abstract_array_declarator":
			var size Expr
			if s := field(d, "size"); s != nil && kind(s) != "*" {
				size = c.expr(s)
			}
			t.Array = append(t.Array, size)
			d = field(d, "declarator")
		case "function_declarator", "abstract_function_declarator":
			// A function (pointer) type: the result is what was built so far.
			res := *t
			ps, _ := c.params(field(d, "parameters"))
			*t = Type{Pos: t.Pos, Name: "func", Func: &FuncType{Result: &res, Params: ps}}
			d = field(d, "declarator")
		case "parenthesized_declarator", "abstract_parenthesized_declarator", "attributed_declarator":
			ch := namedChildren(d)
			if len(ch) == 0 {
				return "", pos
			}
			d = ch[0]
		case "init_declarator":
			d = field(d, "declarator")
		default:
			c.errorf(d, "unsupported", "declarator %s", kind(d))
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
	switch kind(n) {
	case "struct_specifier", "union_specifier":
		kw := "struct"
		if kind(n) == "union_specifier" {
			kw = "union"
		}
		name := ""
		if nm := field(n, "name"); nm != nil {
			name = c.text(nm)
		}
		t.Name = strings.TrimSpace(kw + " " + name)
		if body := field(n, "body"); body != nil {
			sd := &StructDecl{Pos: c.pos(n), Name: name, Union: kw == "union"}
			for _, fdn := range namedChildren(body) {
				if kind(fdn) != "field_declaration" {
					continue
				}
				ft := c.typeSpec(field(fdn, "type"))
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
		if nm := field(n, "name"); nm != nil {
			name = c.text(nm)
		}
		t.Name = strings.TrimSpace("enum " + name)
		if body := field(n, "body"); body != nil {
			ed := &EnumDecl{Pos: c.pos(n), Name: name}
			for _, en := range namedChildren(body) {
				if kind(en) != "enumerator" {
					continue
				}
				e := &Enumerator{Pos: c.pos(en), Name: c.text(field(en, "name"))}
				if v := field(en, "value"); v != nil {
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
	base := c.typeSpec(field(n, "type"))
	base.Const = s.constQ
	var out []*VarDecl
	for _, dn := range fieldChildren(n, "declarator") {
		dn := dn
		t := *base
		t.Array = nil
		v := &VarDecl{Pos: c.pos(&dn), Type: &t, Static: s.static, Extern: s.extern}
		if kind(&dn) == "init_declarator" {
			if val := field(&dn, "value"); val != nil {
				v.Init = c.expr(val)
			}
		}
		if kind(&dn) == "function_declarator" {
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

// typeName converts a type_descriptor (casts, sizeof).
func (c *conv) typeName(n *sitter.Node) *Type {
	if n == nil {
		return &Type{Name: "int"}
	}
	t := c.typeSpec(field(n, "type"))
	t.Const = c.specifiers(n).constQ
	c.declarator(field(n, "declarator"), t, t.Pos)
	return t
}
