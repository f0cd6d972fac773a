package compile

import "github.com/patchcheck/patchcheck/semantics/cfront"

// walk calls f for n and every node below it, in source order.
func walk(n cfront.Node, f func(cfront.Node)) {
	if n == nil {
		return
	}
	switch n := n.(type) {
	case *cfront.BlockStmt:
		if n == nil {
			return
		}
		f(n)
		for _, s := range n.Stmts {
			walk(s, f)
		}
		return
	}
	f(n)
	switch n := n.(type) {
	case *cfront.DeclStmt:
		for _, d := range n.Decls {
			if d.Init != nil {
				walk(d.Init, f)
			}
		}
	case *cfront.ExprStmt:
		walk(n.X, f)
	case *cfront.IfStmt:
		walk(n.Cond, f)
		walk(n.Then, f)
		if n.Else != nil {
			walk(n.Else, f)
		}
	case *cfront.WhileStmt:
		walk(n.Cond, f)
		walk(n.Body, f)
	case *cfront.DoStmt:
		walk(n.Body, f)
		walk(n.Cond, f)
	case *cfront.ForStmt:
		if n.Init != nil {
			walk(n.Init, f)
		}
		if n.Cond != nil {
			walk(n.Cond, f)
		}
		if n.Post != nil {
			walk(n.Post, f)
		}
		walk(n.Body, f)
	case *cfront.ForEachStmt:
		for _, a := range n.Args {
			walk(a, f)
		}
		walk(n.Body, f)
	case *cfront.SwitchStmt:
		walk(n.Tag, f)
		for _, s := range n.Body {
			walk(s, f)
		}
		for _, cc := range n.Cases {
			walk(cc, f)
		}
	case *cfront.CaseClause:
		if n.Value != nil {
			walk(n.Value, f)
		}
		for _, s := range n.Stmts {
			walk(s, f)
		}
	case *cfront.LabeledStmt:
		walk(n.Stmt, f)
	case *cfront.ReturnStmt:
		if n.Result != nil {
			walk(n.Result, f)
		}
	case *cfront.CallExpr:
		walk(n.Fun, f)
		for _, a := range n.Args {
			walk(a, f)
		}
	case *cfront.BinaryExpr:
		walk(n.X, f)
		walk(n.Y, f)
	case *cfront.UnaryExpr:
		walk(n.X, f)
	case *cfront.IncDecExpr:
		walk(n.X, f)
	case *cfront.AssignExpr:
		walk(n.X, f)
		walk(n.Y, f)
	case *cfront.CondExpr:
		walk(n.Cond, f)
		walk(n.Then, f)
		walk(n.Else, f)
	case *cfront.CastExpr:
		walk(n.X, f)
	case *cfront.SizeofExpr:
		if n.X != nil {
			walk(n.X, f)
		}
	case *cfront.MemberExpr:
		walk(n.X, f)
	case *cfront.IndexExpr:
		walk(n.X, f)
		walk(n.Index, f)
	case *cfront.CommaExpr:
		for _, x := range n.List {
			walk(x, f)
		}
	case *cfront.InitList:
		for _, el := range n.Elems {
			if el.Index != nil {
				walk(el.Index, f)
			}
			walk(el.Value, f)
		}
	}
}
