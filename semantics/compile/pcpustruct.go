package compile

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// pstruct is a per-CPU variable of struct type, as kernel/cpu.c's
//
//	static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state);
//
// The machine has no memory to point into: the variable is one per-CPU
// slot per scalar field ("cpuhp_state.target"), and a pointer to it
// (per_cpu_ptr(&v, cpu), this_cpu_ptr(&v)) is the CPU index, so that
// st->field is that CPU's slot of field. This holds only while the struct
// type has no other instances: pstructOf says when. A pointer whose value is
// the CPU index cannot be NULL-tested (CPU 0 would be NULL), and such a test
// is reported.
//
// When a per-CPU scalar of the same name is already declared (model.h
// reduces struct cpuhp_cpu_state to its state field, the per-CPU int
// cpuhp_state, which the library's restatements read), the struct's first
// field is that variable, as a pointer to a struct points to its first
// member: the restatements and the tree's text then see one state.
type pstruct struct {
	name, strct string
	fields      map[string]*global
}

// declarePCPUStruct declares v, a DEFINE_PER_CPU of struct type t.
func (c *compiler) declarePCPUStruct(u *unit, v *cfront.VarDecl, t ctype) {
	loc := c.loc(u, v.Pos, "")
	if ps, ok := c.pstructs[v.Name]; ok {
		if v.Init != nil {
			c.initPCPUStruct(u, ps, v, loc)
		}
		return
	}
	sd := c.structs[t.name]
	if sd == nil {
		c.diag("unsupported", v.Name, loc, "per-CPU variable %s of struct %s, which the sources do not define", v.Name, t.name)
		return
	}
	ps := &pstruct{name: v.Name, strct: t.name, fields: map[string]*global{}}
	for i, f := range sd.Fields {
		if f.Name == "" || len(f.Type.Array) > 0 {
			continue
		}
		ft := c.resolveFieldType(u, f.Type)
		completion := ft.k == kStruct && ft.name == "completion" && f.Type.Ptr == 0
		if completion {
			// Its count of completions not yet waited for.
			ft = tUint
		}
		if ft.k != kInt && ft.k != kPtr && ft.k != kStructPtr {
			continue // list heads and other structs: no slot; their use is reported
		}
		if old, ok := c.globals[v.Name]; i == 0 && ok && old.perCPU && !old.cpuArray && old.typ.k == kInt && ft.k == kInt {
			ps.fields[f.Name] = old
			continue
		}
		name := v.Name + "." + f.Name
		g := &global{name: name, perCPU: true, typ: ft, idx: len(c.prog.PerCPU), completion: completion}
		c.prog.PerCPU = append(c.prog.PerCPU, sim.Global{Name: name, Type: ft.it})
		c.globals[name] = g
		ps.fields[f.Name] = g
	}
	c.pstructs[v.Name] = ps
	if v.Init != nil {
		c.initPCPUStruct(u, ps, v, loc)
	}
}

// resolveFieldType is resolveType without the report of unknown type names
// (a field the paths never touch may have any type).
func (c *compiler) resolveFieldType(u *unit, t *cfront.Type) ctype {
	if t.Ptr == 0 && t.Func == nil {
		if _, ok := intTypes[t.Name]; !ok && !isEnumOrStruct(t.Name) {
			return ctype{k: kStruct, name: t.Name}
		}
	}
	return c.resolveType(u, t, "")
}

func isEnumOrStruct(name string) bool {
	return strings.HasPrefix(name, "enum ") || strings.HasPrefix(name, "struct ") || strings.HasPrefix(name, "union ")
}

func (c *compiler) initPCPUStruct(u *unit, ps *pstruct, v *cfront.VarDecl, loc sim.Loc) {
	il, ok := v.Init.(*cfront.InitList)
	if !ok {
		c.diag("unsupported", v.Name, loc, "initialiser of the per-CPU struct %s", v.Name)
		return
	}
	for _, el := range il.Elems {
		g, ok := ps.fields[el.Field]
		if el.Field == "" || !ok {
			c.diag("unsupported", v.Name, loc, "initialiser of %s: field %q has no slot", v.Name, el.Field)
			continue
		}
		val, _, ok := c.constValue(u, el.Value, "")
		if !ok {
			c.diag("unsupported", v.Name, loc, "initialiser of %s.%s is not a constant expression", v.Name, el.Field)
			continue
		}
		c.prog.PerCPU[g.idx].Init = truncate(uint64(val), g.typ.it)
	}
}

// pstructOf returns the per-CPU variable that is the only instance of
// struct type name, or nil.
func (c *compiler) pstructOf(name string) *pstruct {
	var found *pstruct
	for _, ps := range c.pstructs {
		if ps.strct == name {
			if found != nil {
				return nil
			}
			found = ps
		}
	}
	if found == nil || c.hasTables(name) {
		return nil
	}
	return found
}

// pcpuStructPtr compiles per_cpu_ptr(&v, cpu) and this_cpu_ptr(&v) of a
// per-CPU struct: the CPU index. ok is false when the argument is not one.
func (g *fn) pcpuStructPtr(name string, args []cfront.Expr, pos cfront.Pos) (opnd, bool) {
	x, ok := pcpuAddrArg(name, args)
	if !ok {
		return opnd{}, false
	}
	id, ok := x.(*cfront.Ident)
	if !ok || g.lookup(id.Name) != nil {
		return opnd{}, false
	}
	ps, ok := g.c.pstructs[id.Name]
	if !ok {
		return opnd{}, false
	}
	return opnd{g.pcpuCPU(args).r, ctype{k: kStructPtr, it: sim.Uint, name: ps.strct}}, true
}

// pcpuAddrArg checks the arguments of per_cpu_ptr(&x, cpu) (two) or of
// this_cpu_ptr(&x) and raw_cpu_ptr(&x) (one), and returns x.
func pcpuAddrArg(name string, args []cfront.Expr) (cfront.Expr, bool) {
	want := 1
	if name == "per_cpu_ptr" {
		want = 2
	}
	if len(args) != want {
		return nil, false
	}
	u, ok := args[0].(*cfront.UnaryExpr)
	if !ok || u.Op != "&" {
		return nil, false
	}
	return u.X, true
}

// pcpuCPU is the CPU a per-CPU pointer's arguments name: per_cpu_ptr()'s
// second, else the running CPU.
func (g *fn) pcpuCPU(args []cfront.Expr) opnd {
	var cpu opnd
	if len(args) == 2 {
		cpu = g.value(args[1])
	} else {
		cpu = g.prim(sim.PrimSelf, nil, -1, 0)
	}
	return g.conv(cpu, tUint)
}

// pcpuField resolves p->f for a pointer p to a per-CPU struct: the slot of
// f on the CPU p is. ok is false when p is no such pointer.
func (g *fn) pcpuField(m *cfront.MemberExpr) (lvalue, bool, bool) {
	if !m.Arrow {
		return lvalue{}, false, false
	}
	t, known := g.staticType(m.X)
	if !known || t.k != kStructPtr {
		return lvalue{}, false, false
	}
	ps := g.c.pstructOf(t.name)
	if ps == nil {
		return lvalue{}, false, false
	}
	p := g.value(m.X)
	f, ok := ps.fields[m.Name]
	if !ok {
		g.diag("unsupported", m.Name, m.Pos, "field %s of the per-CPU %s has no slot (only scalar fields do)", m.Name, ps.name)
		return lvalue{}, false, true
	}
	cpu := g.conv(opnd{p.r, tUint}, tUint)
	return lvalue{kind: lvPCPU, g: f, cpu: cpu.r, t: f.typ}, true, true
}

// isPCPUStructPtr reports whether t is a pointer to a per-CPU struct or
// to a field of one: a pointer whose value is the CPU index.
func (g *fn) isPCPUStructPtr(t ctype) bool {
	return t.k == kFieldPtr || t.k == kStructPtr && g.c.pstructOf(t.name) != nil
}

// A pointer to a field of a per-CPU struct,
//
//	atomic_t *st = per_cpu_ptr(&cpuhp_state.ap_sync_state, cpu);
//	atomic_t *st = this_cpu_ptr(&cpuhp_state.ap_sync_state);
//	&st->ap_sync_state    (st a pointer to the per-CPU struct)
//
// is, as a pointer to the struct, the CPU index, with the field (its slot)
// in the static type (kFieldPtr): the machine has no address to give, but
// the field is known where the pointer is made. It keeps that type only in
// a local declared with it as initialiser and never assigned again, and it
// is used only as the place of atomic_*, READ_ONCE/WRITE_ONCE and *p; any
// other use (passed on, stored, converted, compared, NULL-tested) is
// reported, since its value is a CPU index and not an address.

// pcpuFieldPtr compiles per_cpu_ptr(&v.field, cpu), this_cpu_ptr(&v.field)
// and raw_cpu_ptr(&v.field) of a per-CPU struct v. ok is false when the
// argument is not one.
func (g *fn) pcpuFieldPtr(name string, args []cfront.Expr) (opnd, bool) {
	x, ok := pcpuAddrArg(name, args)
	if !ok {
		return opnd{}, false
	}
	m, ok := x.(*cfront.MemberExpr)
	if !ok || m.Arrow {
		return opnd{}, false
	}
	id, ok := m.X.(*cfront.Ident)
	if !ok || g.lookup(id.Name) != nil {
		return opnd{}, false
	}
	ps, ok := g.c.pstructs[id.Name]
	if !ok || g.c.pstructOf(ps.strct) != ps {
		return opnd{}, false
	}
	f, ok := ps.fields[m.Name]
	if !ok {
		g.diag("unsupported", m.Name, m.Pos, "field %s of the per-CPU %s has no slot (only scalar fields do)", m.Name, ps.name)
		return g.constReg(0, tPtr), true
	}
	return opnd{g.pcpuCPU(args).r, fieldPtrType(f)}, true
}

func fieldPtrType(f *global) ctype {
	return ctype{k: kFieldPtr, it: sim.Uint, name: f.name}
}

// fieldPlace is the slot a field pointer p points to: that field on the
// CPU p is.
func (g *fn) fieldPlace(p opnd) lvalue {
	f := g.c.globals[p.t.name]
	return lvalue{kind: lvPCPU, g: f, cpu: p.r, t: f.typ}
}

// fieldPtrOf resolves e as a field pointer (a local holding one, or one
// made in place). ok is false when e is none.
func (g *fn) fieldPtrOf(e cfront.Expr) (opnd, bool) {
	switch x := e.(type) {
	case *cfront.Ident:
		if l := g.lookup(x.Name); l != nil && l.t.k == kFieldPtr && l.reg >= 0 {
			return opnd{l.reg, l.t}, true
		}
	case *cfront.CallExpr:
		if id, ok := x.Fun.(*cfront.Ident); ok && (id.Name == "per_cpu_ptr" || id.Name == "this_cpu_ptr" || id.Name == "raw_cpu_ptr") {
			if _, isLocal := g.c.funcIdx[id.Name]; !isLocal {
				return g.pcpuFieldPtr(id.Name, x.Args)
			}
		}
	case *cfront.UnaryExpr:
		if x.Op != "&" {
			break
		}
		if m, ok := x.X.(*cfront.MemberExpr); ok {
			if lv, ok, done := g.pcpuField(m); done {
				if !ok {
					return g.constReg(0, tPtr), true
				}
				return opnd{lv.cpu, fieldPtrType(lv.g)}, true
			}
		}
	}
	return opnd{}, false
}

// fieldPtrLost reports a field pointer used as a value of another type.
func (g *fn) fieldPtrLost(o opnd, t ctype) {
	if o.t.k == kFieldPtr && t.k != kFieldPtr {
		g.diag("unsupported", o.t.name, g.pos, "a pointer to the per-CPU field %s (its value is the CPU index) used other than as the place of an atomic or *p", o.t.name)
	}
}
