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
		if ft.k != kInt && ft.k != kPtr && ft.k != kStructPtr {
			continue // struct completion, list heads: no slot; their use is reported
		}
		if old, ok := c.globals[v.Name]; i == 0 && ok && old.perCPU && !old.cpuArray && old.typ.k == kInt && ft.k == kInt {
			ps.fields[f.Name] = old
			continue
		}
		name := v.Name + "." + f.Name
		g := &global{name: name, perCPU: true, typ: ft, idx: len(c.prog.PerCPU)}
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
	want := 2
	if name != "per_cpu_ptr" {
		want = 1
	}
	if len(args) != want {
		return opnd{}, false
	}
	u, ok := args[0].(*cfront.UnaryExpr)
	if !ok || u.Op != "&" {
		return opnd{}, false
	}
	id, ok := u.X.(*cfront.Ident)
	if !ok || g.lookup(id.Name) != nil {
		return opnd{}, false
	}
	ps, ok := g.c.pstructs[id.Name]
	if !ok {
		return opnd{}, false
	}
	var cpu opnd
	if want == 2 {
		cpu = g.value(args[1])
	} else {
		cpu = g.prim(sim.PrimSelf, nil, -1, 0)
	}
	cpu = g.conv(cpu, tUint)
	return opnd{cpu.r, ctype{k: kStructPtr, it: sim.Uint, name: ps.strct}}, true
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

// isPCPUStructPtr reports whether t is a pointer to a per-CPU struct.
func (g *fn) isPCPUStructPtr(t ctype) bool {
	return t.k == kStructPtr && g.c.pstructOf(t.name) != nil
}
