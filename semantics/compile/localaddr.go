package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// The address of a local passed to a callee, as kernel/cpu.c's
//
//	while (cpuhp_next_state(bringup, &state, st, target)) ...
//
// with cpuhp_next_state() writing *state_to_run. The machine has no memory
// for a local's address to point into, so a function with an *out
// parameter* (a pointer to an integer that its body dereferences) is
// compiled in place at each call, as the kernel's compiler inlines such a
// static helper: the parameter is then the caller's local itself, *p its
// register. The argument must be &x of an integer local of the caller, or
// an out parameter of an inlined caller passed on; anything else (a
// pointer from elsewhere, NULL) is reported at the call. The parameter may
// only be dereferenced: used as a value (compared, passed on as a
// pointer, stored) it is reported, since it holds no address. Such a
// function is never called as a function: its own code is a BUG() and a
// reference to it (a function pointer) is reported. Recursion is bounded
// by the depth of inlining and reported past it.

// outParams reports, for each parameter of def, whether it is an out
// parameter, and whether any is.
func (c *compiler) outParams(def *funcDef) ([]bool, bool) {
	if def.outDone {
		return def.outs, def.anyOut
	}
	// While it is computed, a recursive call sees no out parameters.
	def.outDone = true
	deref := map[string]bool{}
	if def.decl.Body != nil {
		walk(def.decl.Body, func(n cfront.Node) {
			switch n := n.(type) {
			case *cfront.UnaryExpr:
				if id, ok := n.X.(*cfront.Ident); ok && n.Op == "*" {
					deref[id.Name] = true
				}
			case *cfront.CallExpr:
				// Passed on as a callee's out parameter.
				fid, ok := n.Fun.(*cfront.Ident)
				if !ok {
					break
				}
				i, ok := c.funcIdx[fid.Name]
				if !ok {
					break
				}
				outs, _ := c.outParams(c.funcs[i])
				for k, a := range n.Args {
					if id, ok := a.(*cfront.Ident); ok && k < len(outs) && outs[k] {
						deref[id.Name] = true
					}
				}
			}
		})
	}
	outs := make([]bool, len(def.decl.Params))
	for k, p := range def.decl.Params {
		t := p.Type
		if t == nil || t.Ptr != 1 || t.Func != nil || len(t.Array) > 0 || p.Name == "" || !deref[p.Name] {
			continue
		}
		if _, isInt := intTypes[t.Name]; isInt || isEnumName(t.Name) {
			outs[k] = true
			def.anyOut = true
		}
	}
	def.outs = outs
	return def.outs, def.anyOut
}

func isEnumName(n string) bool { return len(n) > 5 && n[:5] == "enum " }

// outArg resolves the argument of an out parameter: the caller's local.
func (g *fn) outArg(callee *funcDef, k int, a cfront.Expr, pos cfront.Pos) (*local, bool) {
	switch x := a.(type) {
	case *cfront.UnaryExpr:
		if x.Op != "&" {
			break
		}
		if id, ok := x.X.(*cfront.Ident); ok {
			if l := g.lookup(id.Name); l != nil && l.glob == nil && l.reg >= 0 && l.t.k == kInt && l.out == nil {
				return l, true
			}
		}
	case *cfront.Ident:
		if l := g.lookup(x.Name); l != nil && l.out != nil {
			return l.out, true // an out parameter passed on
		}
	}
	g.diag("unsupported", callee.decl.Name, pos, "argument %d of %s, a pointer it writes through, is not the address of an integer local (&x)", k+1, callee.decl.Name)
	return nil, false
}

// outPlace is *p of an out parameter p: the caller's local. ok is false
// when e is no out parameter.
func (g *fn) outPlace(e cfront.Expr) (lvalue, bool) {
	id, ok := e.(*cfront.Ident)
	if !ok {
		return lvalue{}, false
	}
	l := g.lookup(id.Name)
	if l == nil || l.out == nil {
		return lvalue{}, false
	}
	return lvalue{kind: lvReg, reg: l.out.reg, t: l.out.t}, true
}

// compileOutOnly gives a function with out parameters its own code: BUG(),
// since every call of it is compiled in place.
func (g *fn) compileOutOnly() {
	g.prim(sim.PrimBug, nil, -1, 0)
	g.emit(sim.Instr{Op: sim.OpRet, A: -1})
}
