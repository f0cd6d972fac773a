package cfront

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

func (c *conv) block(n *sitter.Node) *BlockStmt {
	b := &BlockStmt{Pos: c.pos(n)}
	kids := namedChildren(n)
	for _, ch := range kids {
		if kind(ch) == "ERROR" {
			continue
		}
		b.Stmts = append(b.Stmts, c.stmt(ch))
	}
	if cnt := n.ChildCount(); cnt > 0 {
		last := n.Child(cnt - 1)
		if kind(last) == "}" && !last.IsMissing() {
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
	switch kind(n) {
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
		if alt := field(n, "alternative"); alt != nil {
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
		if in := field(n, "initializer"); in != nil {
			if kind(in) == "declaration" {
				s.Init = &DeclStmt{Pos: c.pos(in), Decls: c.decl(in)}
			} else {
				s.Init = &ExprStmt{Pos: c.pos(in), X: c.expr(in)}
			}
		}
		if cn := field(n, "condition"); cn != nil {
			s.Cond = c.expr(cn)
		}
		if up := field(n, "update"); up != nil {
			s.Post = c.expr(up)
		}
		return s
	case "switch_statement":
		s := &SwitchStmt{Pos: p, Tag: c.cond(n)}
		if body := field(n, "body"); body != nil {
			for _, ch := range namedChildren(body) {
				if kind(ch) == "case_statement" {
					cc := &CaseClause{Pos: c.pos(ch)}
					if v := field(ch, "value"); v != nil {
						cc.Value = c.expr(v)
					}
					for _, st := range namedChildren(ch) {
						if v := field(ch, "value"); v != nil && v.Id() == st.Id() {
							continue
						}
						if kind(st) == "ERROR" {
							continue
						}
						cc.Stmts = append(cc.Stmts, c.stmt(st))
					}
					s.Cases = append(s.Cases, cc)
				} else if kind(ch) != "ERROR" {
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
		s := &LabeledStmt{Pos: p, Label: c.text(field(n, "label"))}
		for _, ch := range namedChildren(n) {
			if kind(ch) != "statement_identifier" {
				s.Stmt = c.stmt(ch)
			}
		}
		if s.Stmt == nil {
			s.Stmt = &EmptyStmt{Pos: p}
		}
		return s
	case "goto_statement":
		return &GotoStmt{Pos: p, Label: c.text(field(n, "label"))}
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
		c.typeSpec(field(n, "type"))
		return &EmptyStmt{Pos: p}
	case ";":
		return &EmptyStmt{Pos: p}
	}
	c.errorf(n, "unsupported", "statement %s", kind(n))
	return &BadStmt{Pos: p, Text: c.text(n)}
}

func (c *conv) stmtField(n *sitter.Node, name string) Stmt {
	ch := field(n, name)
	if ch == nil {
		return &EmptyStmt{Pos: c.pos(n)}
	}
	return c.stmt(ch)
}

// cond converts the parenthesised condition of if/while/do/switch.
func (c *conv) cond(n *sitter.Node) Expr {
	cn := field(n, "condition")
	if cn == nil {
		c.errorf(n, "syntax", "%s without a condition", kind(n))
		return &BadExpr{Pos: c.pos(n)}
	}
	return c.expr(cn)
}
