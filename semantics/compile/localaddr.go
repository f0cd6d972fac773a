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
// parameter* (a pointer to an integer or to a pointer that its body
// dereferences, or passes on as another callee's out parameter) is
// compiled in place at each call, as the kernel's compiler inlines such a
// static helper: the parameter then names the caller's place itself, *p
// being it. The argument may be &x of an integer or pointer local of the
// caller, a pointer to a field of a per-CPU struct (&st->last, whose *p is
// that CPU's slot), NULL (*p is then a NULL dereference, a BUG at run
// time), or an out parameter of an inlined caller passed on; anything else
// is reported at the call. As a value the parameter is only its NULL test
// (0 for NULL, 1 otherwise: lastp && *lastp); passed as an argument other
// than an out parameter it is reported, since it holds no address. Such a
// function is never called as a function: its own code is a BUG() and a
// reference to it (a function pointer) is reported. Recursion is bounded
// by the depth of inlining and reported past it.

// outRef is what an out parameter names.
type outRef struct {
	l    *local       // the caller's local, or
	lv   *lvalue      // a per-CPU field's slot, or
	s    *structLocal // the caller's local struct (localstruct.go), or
	null bool         // NULL
	// strct: the struct type a pointer to a local struct points to
	// (s, or NULL of that type); "" for the other places.
	strct string
}

// outParams reports, for each parameter of def, whether it is an out
// parameter, and whether any is.
func (c *compiler) outParams(def *funcDef) ([]bool, bool) {
	if def.outDone {
		return def.outs, def.anyOut
	}
	// While it is computed, a recursive call sees no out parameters.
	def.outDone = true
	deref := map[string]bool{}
	// Pointers to a local struct (localstruct.go): p->f read or written,
	// a local struct S *w = p, passed on as a callee's.
	arrow := map[string]bool{}
	alias := map[string]string{}
	if def.decl.Body != nil {
		walk(def.decl.Body, func(n cfront.Node) {
			switch n := n.(type) {
			case *cfront.UnaryExpr:
				if id, ok := n.X.(*cfront.Ident); ok && n.Op == "*" {
					deref[id.Name] = true
				}
			case *cfront.MemberExpr:
				if id, ok := n.X.(*cfront.Ident); ok && n.Arrow {
					arrow[id.Name] = true
				}
			case *cfront.DeclStmt:
				for _, d := range n.Decls {
					s, ok := structPtrName(d.Type)
					if !ok || d.Init == nil {
						continue
					}
					x := d.Init
					for c, ok := x.(*cfront.CastExpr); ok; c, ok = x.(*cfront.CastExpr) {
						x = c.X
					}
					if id, ok := x.(*cfront.Ident); ok {
						alias[id.Name] = s
					}
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
				callee := c.funcs[i]
				outs, _ := c.outParams(callee)
				for k, a := range n.Args {
					if id, ok := a.(*cfront.Ident); ok && k < len(outs) && outs[k] {
						if k < len(callee.souts) && callee.souts[k] != "" {
							alias[id.Name] = callee.souts[k]
						} else {
							deref[id.Name] = true
						}
					}
				}
			}
		})
	}
	outs := make([]bool, len(def.decl.Params))
	souts := make([]string, len(def.decl.Params))
	for k, p := range def.decl.Params {
		t := p.Type
		if t == nil || t.Func != nil || len(t.Array) > 0 || p.Name == "" {
			continue
		}
		// A pointer to a local struct: struct S *p read through (p->f),
		// or any pointer a struct S * is made from (void *arg;
		// struct S *w = arg).
		if s, ok := structPtrName(t); ok && c.localOnly(s) && (arrow[p.Name] || alias[p.Name] == s) {
			outs[k], souts[k] = true, s
			def.anyOut = true
			continue
		}
		if s := alias[p.Name]; s != "" && t.Ptr == 1 && t.Name == "void" && c.localOnly(s) {
			outs[k], souts[k] = true, s
			def.anyOut = true
			continue
		}
		if !deref[p.Name] {
			continue
		}
		_, isInt := intTypes[t.Name]
		if t.Ptr == 1 && (isInt || isEnumName(t.Name)) || t.Ptr == 2 {
			outs[k] = true
			def.anyOut = true
		}
	}
	def.outs, def.souts = outs, souts
	return def.outs, def.anyOut
}

func isEnumName(n string) bool { return len(n) > 5 && n[:5] == "enum " }

// outArg resolves the argument of an out parameter.
func (g *fn) outArg(callee *funcDef, k int, a cfront.Expr, pos cfront.Pos) (*outRef, bool) {
	if isNull(a) {
		return &outRef{null: true}, true
	}
	switch x := a.(type) {
	case *cfront.UnaryExpr:
		if x.Op != "&" {
			break
		}
		if id, ok := x.X.(*cfront.Ident); ok {
			if l := g.lookup(id.Name); l != nil && l.glob == nil && l.reg >= 0 && l.out == nil && l.choice == nil &&
				(l.t.k == kInt || l.t.k == kPtr || l.t.k == kStructPtr) {
				return &outRef{l: l}, true
			}
		}
		if m, ok := x.X.(*cfront.MemberExpr); ok {
			// &x.f, &p->f of a local struct: the field's local.
			if s, ref, is := g.structOf(m); is {
				if ref != nil && ref.null {
					break // &NULL->f: reported below
				}
				if f := s.fields[m.Name]; f != nil && f.t.k == kInt {
					return &outRef{l: f}, true
				}
				break
			}
			if p, ok := g.fieldPtrOf(a); ok && p.t.k == kFieldPtr {
				lv := g.fieldPlace(p)
				return &outRef{lv: &lv}, true
			}
		}
	case *cfront.Ident:
		if l := g.lookup(x.Name); l != nil && l.out != nil && l.out.strct == "" {
			return l.out, true // an out parameter passed on
		}
	}
	g.diag("unsupported", callee.decl.Name, pos, "argument %d of %s, a pointer it writes or reads through, is not the address of a local (&x), of a per-CPU field or NULL", k+1, callee.decl.Name)
	return nil, false
}

// outPlace is *p of an out parameter p. ok is false when e is no out
// parameter.
func (g *fn) outPlace(e cfront.Expr) (lvalue, bool) {
	id, ok := e.(*cfront.Ident)
	if !ok {
		return lvalue{}, false
	}
	l := g.lookup(id.Name)
	if l == nil || l.out == nil {
		return lvalue{}, false
	}
	switch o := l.out; {
	case o.l != nil:
		return lvalue{kind: lvReg, reg: o.l.reg, t: o.l.t}, true
	case o.lv != nil:
		return *o.lv, true
	}
	// *NULL: the kernel oopses.
	g.prim(sim.PrimBug, nil, -1, 0)
	return lvalue{kind: lvReg, reg: g.newReg(), t: tLong}, true
}

// outValue is the value of an out parameter: its NULL test.
func (g *fn) outValue(l *local) opnd {
	if l.out.null {
		return g.constReg(0, tPtr)
	}
	return g.constReg(1, tPtr)
}

// outPassed reports an out parameter passed as an argument that is not an
// out parameter.
func (g *fn) outPassed(a cfront.Expr, callee string) {
	if id, ok := a.(*cfront.Ident); ok {
		// A pointer to a local struct is reported as a value (ident).
		if l := g.lookup(id.Name); l != nil && l.out != nil && l.out.strct == "" {
			g.diag("unsupported", id.Name, id.Pos, "%s, a pointer to a caller's place, passed to %s as a value", id.Name, callee)
		}
	}
}

// compileOutOnly gives a function with out parameters its own code: BUG(),
// since every call of it is compiled in place.
func (g *fn) compileOutOnly() {
	g.prim(sim.PrimBug, nil, -1, 0)
	g.emit(sim.Instr{Op: sim.OpRet, A: -1})
}
