package compile

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// A local struct whose address is passed to a function that reads it
// through a pointer, as kernel/cpu.c's (v6.1 on)
//
//	struct cpu_down_work work = { .cpu = cpu, .target = target, };
//	...
//	return work_on_cpu(cpu, __cpu_down_maps_locked, &work);
//
// with __cpu_down_maps_locked(void *arg) reading work->cpu through
// struct cpu_down_work *work = arg. The machine has no memory for the
// address to point into, so the struct's scalar fields are locals of
// their own (scalar replacement): work.cpu is a register. The address
// extends the out parameters of localaddr.go: a function with a pointer
// parameter to such a struct (struct cpu_down_work *, or void * that its
// body turns into one) is compiled in place at each call, the parameter
// and every local initialised from it naming the caller's struct, so that
// work->cpu is the caller's field. Any other use of the address (stored,
// returned, compared, passed to a function not compiled in place or to
// one nobody defines) is reported at its line: it would hold no address.
//
// Only a struct type that has no instance but locals is scalar-replaced
// (localOnly): a pointer to a struct type with an ops table, a per-CPU
// variable or an entry table is that table's id or a CPU index, and the
// two meanings must not meet in one pointer type.

// structLocal is a local struct variable: one local per scalar field.
type structLocal struct {
	name, strct string
	fields      map[string]*local
	order       []string // the fields in declaration order ("" for one with no place)
	// bad: a stand-in for an argument already reported; its fields are
	// fresh registers, reported no further.
	bad bool
}

// localOnly reports whether struct type name may be scalar-replaced: the
// sources define it, it is no union, and no ops table, entry table or
// per-CPU variable has its type.
func (c *compiler) localOnly(name string) bool {
	sd := c.structs[name]
	if sd == nil || sd.Union || opaqueStructs[name] || c.hasTables(name) {
		return false
	}
	for _, ps := range c.pstructs {
		if ps.strct == name {
			return false
		}
	}
	for _, et := range c.etables {
		if et.strct == name {
			return false
		}
	}
	return true
}

// structPtrName is S of a parameter or local type struct S * (one level).
func structPtrName(t *cfront.Type) (string, bool) {
	if t == nil || t.Ptr != 1 || t.Func != nil || len(t.Array) > 0 || !strings.HasPrefix(t.Name, "struct ") {
		return "", false
	}
	return strings.TrimPrefix(t.Name, "struct "), true
}

// declStructLocal declares d, a local of struct type t, with its fields'
// locals set from its initialiser. It returns nil (reported) when the
// struct cannot be scalar-replaced.
func (g *fn) declStructLocal(d *cfront.VarDecl, t ctype) *structLocal {
	sd := g.c.structs[t.name]
	switch {
	case sd == nil:
		g.diag("unsupported", d.Name, d.Pos, "local struct %s of struct %s, which the sources do not define", d.Name, t.name)
		return nil
	case !g.c.localOnly(t.name):
		g.diag("unsupported", d.Name, d.Pos, "local struct %s: struct %s is a union, or has an ops table, entry table or per-CPU variable, whose pointers are not addresses of a local", d.Name, t.name)
		return nil
	}
	s := &structLocal{name: d.Name, strct: t.name, fields: map[string]*local{}}
	for _, f := range sd.Fields {
		if f.Name == "" || len(f.Type.Array) > 0 {
			s.order = append(s.order, "")
			continue
		}
		ft := g.c.resolveFieldType(g.u, f.Type)
		switch ft.k {
		case kInt, kPtr, kStructPtr, kFunc:
		default:
			s.order = append(s.order, "") // no place; its use is reported
			continue
		}
		l := &local{reg: g.newReg(), mask: -1, t: ft}
		// A field the initialiser leaves out is 0, as C's initialiser
		// makes it; without one the kernel's value is indeterminate, and
		// reading it before writing is undefined: 0 here too.
		g.emit(sim.Instr{Op: sim.OpConst, A: l.reg, Type: ft.it})
		s.fields[f.Name] = l
		s.order = append(s.order, f.Name)
	}
	switch in := d.Init.(type) {
	case nil:
	case *cfront.InitList:
		next := 0
		for _, el := range in.Elems {
			name := el.Field
			switch {
			case el.Index != nil:
				g.diag("unsupported", d.Name, el.Pos, "initialiser of the local struct %s with an index", d.Name)
				continue
			case name == "":
				if next < len(s.order) {
					name = s.order[next]
				}
				next++
				if name == "" {
					g.diag("unsupported", d.Name, el.Pos, "positional initialiser of the local struct %s: element %d is no scalar field", d.Name, next)
					continue
				}
			default:
				for k, n := range s.order {
					if n == name {
						next = k + 1
					}
				}
			}
			f := s.fields[name]
			if f == nil {
				g.diag("unsupported", d.Name, el.Pos, "initialiser of %s.%s: struct %s has no scalar field %s", d.Name, name, t.name, name)
				continue
			}
			v := g.assignConv(g.expr(el.Value), f.t)
			if v.r >= 0 {
				g.emit(sim.Instr{Op: sim.OpMov, A: f.reg, B: v.r})
			}
		}
	default:
		g.diag("unsupported", d.Name, d.Pos, "local struct %s initialised from a struct value (a copy)", d.Name)
	}
	return s
}

// structOf is the local struct that m.X names: a local struct (x.f) or a
// pointer to one (p->f: an out parameter or a local initialised from
// one). ref is the pointer's outRef, nil for x.f.
func (g *fn) structOf(m *cfront.MemberExpr) (s *structLocal, ref *outRef, ok bool) {
	id, isID := m.X.(*cfront.Ident)
	if !isID {
		return nil, nil, false
	}
	l := g.lookup(id.Name)
	switch {
	case l == nil:
	case !m.Arrow && l.strct != nil:
		return l.strct, nil, true
	case m.Arrow && l.out != nil && l.out.strct != "":
		return l.out.s, l.out, true
	}
	return nil, nil, false
}

// structField resolves x.f of a local struct and p->f of a pointer to
// one. done is false when m is neither.
func (g *fn) structField(m *cfront.MemberExpr) (lv lvalue, ok, done bool) {
	s, ref, is := g.structOf(m)
	if !is {
		return lvalue{}, false, false
	}
	if ref != nil && ref.null {
		// p->f of NULL: the kernel oopses.
		g.prim(sim.PrimBug, nil, -1, 0)
		return lvalue{kind: lvReg, reg: g.newReg(), t: tLong}, true, true
	}
	f := s.fields[m.Name]
	if f == nil && s.bad {
		return lvalue{kind: lvReg, reg: g.newReg(), t: tLong}, true, true
	}
	if f == nil {
		g.diag("unsupported", m.Name, m.Pos, "member %s of the local struct %s (struct %s), which is no scalar field of it", m.Name, s.name, s.strct)
		return lvalue{}, false, true
	}
	return lvalue{kind: lvReg, reg: f.reg, t: f.t}, true, true
}

// structFieldType is the static type of x.f or p->f of a local struct.
func (g *fn) structFieldType(m *cfront.MemberExpr) (ctype, bool) {
	s, ref, is := g.structOf(m)
	if !is || ref != nil && ref.null {
		return ctype{}, false
	}
	if f := s.fields[m.Name]; f != nil {
		return f.t, true
	}
	return ctype{}, false
}

// structRef is the outRef an expression naming a pointer to a local
// struct gives (an out parameter, or a local initialised from one; a cast
// of either), or nil.
func (g *fn) structRef(e cfront.Expr) *outRef {
	for {
		c, ok := e.(*cfront.CastExpr)
		if !ok {
			break
		}
		e = c.X
	}
	if id, ok := e.(*cfront.Ident); ok {
		if l := g.lookup(id.Name); l != nil && l.out != nil && l.out.strct != "" {
			return l.out
		}
	}
	return nil
}

// declStructAlias declares d (struct S *w = p, p a pointer to a local
// struct) as another name of the caller's struct, and reports whether d
// is one.
func (g *fn) declStructAlias(d *cfront.VarDecl, t ctype) bool {
	if d.Init == nil {
		return false
	}
	ref := g.structRef(d.Init)
	if ref == nil {
		return false
	}
	l := &local{reg: -1, mask: -1, t: t, out: ref}
	switch {
	case t.k != kStructPtr && t.k != kPtr:
		g.diag("unsupported", d.Name, d.Pos, "%s initialised from a pointer to the local struct %s, as a value", d.Name, ref.name())
	case t.k == kStructPtr && t.name != ref.strct:
		g.diag("unsupported", d.Name, d.Pos, "%s, a struct %s pointer, initialised from a pointer to a struct %s", d.Name, t.name, ref.strct)
	case g.assigned[d.Name] > 0:
		g.diag("unsupported", d.Name, d.Pos, "%s, a pointer to the local struct %s, is assigned again", d.Name, ref.name())
	}
	g.scopes[len(g.scopes)-1][d.Name] = l
	return true
}

// name names what a struct outRef points to, for diagnostics.
func (o *outRef) name() string {
	if o.s != nil {
		return o.s.name
	}
	return "NULL"
}

// localStructAddr reports whether e is the address of a local struct or
// of one of its fields (&x, &x.f), or a pointer to a local struct, and
// names it.
func (g *fn) localStructAddr(e cfront.Expr) (string, bool) {
	if r := g.structRef(e); r != nil {
		return r.name(), true
	}
	u, ok := e.(*cfront.UnaryExpr)
	if !ok || u.Op != "&" {
		return "", false
	}
	x := u.X
	if m, ok := x.(*cfront.MemberExpr); ok {
		if s, _, is := g.structOf(m); is && s != nil {
			return s.name, true
		}
		return "", false
	}
	if id, ok := x.(*cfront.Ident); ok {
		if l := g.lookup(id.Name); l != nil && l.strct != nil {
			return l.strct.name, true
		}
	}
	return "", false
}

// structAddrUsed reports a use of a local struct's address that no
// function compiled in place follows.
func (g *fn) structAddrUsed(name string, pos cfront.Pos, how string) {
	g.diag("unsupported", name, pos, "the address of the local struct %s %s: only a function compiled in place at the call (a pointer parameter it reads through) can follow it, the machine has no memory for it to point into", name, how)
}

// structOutArg resolves the argument of a parameter that points to a
// local struct of type want.
func (g *fn) structOutArg(callee *funcDef, k int, want string, a cfront.Expr, pos cfront.Pos) (*outRef, bool) {
	if isNull(a) {
		return &outRef{null: true, strct: want}, true
	}
	var s *structLocal
	if u, ok := a.(*cfront.UnaryExpr); ok && u.Op == "&" {
		if id, ok := u.X.(*cfront.Ident); ok {
			if l := g.lookup(id.Name); l != nil && l.strct != nil {
				s = l.strct
			}
		}
	}
	if r := g.structRef(a); r != nil {
		if r.strct == want {
			return r, true // passed on
		}
		g.diag("unsupported", callee.decl.Name, pos, "argument %d of %s, a pointer to a struct %s, points to a struct %s", k+1, callee.decl.Name, want, r.strct)
		return nil, false
	}
	switch {
	case s == nil:
		g.diag("unsupported", callee.decl.Name, pos, "argument %d of %s, a pointer to a struct %s it reads or writes through, is not the address of a local struct (&x) or NULL", k+1, callee.decl.Name, want)
		return nil, false
	case s.strct != want:
		g.diag("unsupported", callee.decl.Name, pos, "argument %d of %s, a pointer to a struct %s, is the address of %s, a struct %s", k+1, callee.decl.Name, want, s.name, s.strct)
		return nil, false
	}
	return &outRef{s: s, strct: want}, true
}
