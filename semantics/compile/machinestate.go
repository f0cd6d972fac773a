package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// State of the hotplug core that the kernel keeps in places the machine
// has no memory for, kept as per-CPU slots.
//
// The dying mask (include/linux/cpumask.h, v5.14 on): cpu_dying(cpu) and
// set_cpu_dying(cpu, dying) test and assign a CPU's bit of
// __cpu_dying_mask. It is one per-CPU bool slot, declared the first time
// a function uses it, so that a program that never names it has no slot
// more. It starts clear: every CPU is online and none is going down. The
// machine's own steps do not read it (in the kernel the scheduler's
// balance_push() does, on no modelled path).
//
// Completions (include/linux/completion.h): a struct completion field of a
// per-CPU struct (cpuhp_cpu_state's done_up, done_down) is a per-CPU slot
// holding its count of completions not yet waited for, as the kernel's
// x->done. complete() adds one in one visible step; wait_for_completion()
// is an unbounded polling loop on the count (found on the compiled code as
// a wait: the explorer blocks the waiter until the count is non-zero, the
// timed engine spins through it), then takes one in one visible step;
// init_completion() and reinit_completion() set it to 0, complete_all() to
// UINT_MAX/2 as the kernel's UINT_MAX "done for good" (a waiter then takes
// one and the rest stays, as the kernel leaves done at UINT_MAX). A
// completion is named by &st->field of a pointer to the per-CPU struct,
// by a local that holds one, or by a local initialised with a choice
// between two of them (kernel/cpu.c's wait_for_ap_thread(): bringup ?
// &st->done_up : &st->done_down): the choice is kept as a register and the
// operation is compiled once per arm.

// dyingMask is the per-CPU slot of the dying mask.
const dyingMask = "__cpu_dying_mask"

// machineSlot returns the per-CPU slot name of type t that the compiler
// keeps for machine state no source declares, declaring it on first use.
// ok is false when a source declares the name itself: its variable is not
// the machine's state, and reading it as the slot would be wrong.
func (c *compiler) machineSlot(name string, t ctype) (g *global, ok bool) {
	if g, ok := c.globals[name]; ok {
		return g, g.machine
	}
	g = &global{name: name, perCPU: true, typ: t, idx: len(c.prog.PerCPU), machine: true}
	c.prog.PerCPU = append(c.prog.PerCPU, sim.Global{Name: name, Type: t.it})
	c.globals[name] = g
	return g, true
}

// machineStateCalls are the calls this file compiles.
var machineStateCalls = map[string]bool{
	"cpu_dying": true, "set_cpu_dying": true,
	"init_completion": true, "reinit_completion": true, "complete": true, "complete_all": true,
	"wait_for_completion": true,
}

// machineState compiles the calls of machineStateCalls. ok is false when
// name is none of them.
func (g *fn) machineState(name string, args []cfront.Expr, pos cfront.Pos) (opnd, bool) {
	if !machineStateCalls[name] {
		return opnd{}, false
	}
	want := 1
	if name == "set_cpu_dying" {
		want = 2
	}
	if len(args) != want {
		g.diag("syntax", name, pos, "%s takes %d arguments, called with %d", name, want, len(args))
		return g.constReg(0, tInt), true
	}
	switch name {
	case "cpu_dying", "set_cpu_dying":
		gl, ok := g.c.machineSlot(dyingMask, tBool)
		if !ok {
			g.diag("unsupported", name, pos, "%s: the sources declare %s, the dying mask the machine keeps itself", name, dyingMask)
			if name == "cpu_dying" {
				return g.constReg(0, tBool), true
			}
			return g.void(), true
		}
		cpu := g.conv(g.value(args[0]), tUint)
		lv := lvalue{kind: lvPCPU, g: gl, cpu: cpu.r, t: gl.typ}
		if name == "cpu_dying" {
			return g.load(lv), true
		}
		g.store(lv, g.conv(g.value(args[1]), tBool))
		return g.void(), true
	}
	places, sel, ok := g.completionPlaces(args[0], name, pos)
	if !ok {
		return g.void(), true
	}
	if sel < 0 {
		g.completionOp(name, places[0])
		return g.void(), true
	}
	// A choice between two completions: the operation on each arm.
	a, b, end := g.newLabel(), g.newLabel(), g.newLabel()
	g.branch(sel, a, b)
	g.bind(a)
	g.completionOp(name, places[0])
	g.jump(end)
	g.bind(b)
	g.completionOp(name, places[1])
	g.bind(end)
	return g.void(), true
}

// completionOp emits one completion operation on its slot.
func (g *fn) completionOp(name string, lv lvalue) {
	t := lv.t
	switch name {
	case "init_completion", "reinit_completion":
		g.store(lv, g.constReg(0, t))
	case "complete_all":
		g.store(lv, g.constReg(int64(^uint32(0)>>1), t))
	case "complete":
		g.atomicAdd(lv, 1)
	case "wait_for_completion":
		// while (!x->done) wait; x->done--;
		head, out, body := g.newLabel(), g.newLabel(), g.newLabel()
		g.bind(head)
		v := g.load(lv)
		g.branch(v.r, out, body)
		g.bind(body)
		g.prim(sim.PrimCPURelax, nil, -1, 0)
		g.jump(head)
		g.bind(out)
		g.atomicAdd(lv, -1)
	}
}

// atomicAdd adds k to a global or per-CPU place in one visible step.
func (g *fn) atomicAdd(lv lvalue, k int64) {
	b := g.constReg(k, lv.t)
	in := sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicAdd), Type: lv.t.it, A: -1, B: b.r, C: -1, Imm: int64(lv.g.idx)}
	if lv.kind == lvPCPU {
		in.Args = []int32{lv.cpu}
	}
	g.emit(in)
}

// completionPlaces resolves the completion e names: one place, or two
// and the register choosing the first (sel >= 0).
func (g *fn) completionPlaces(e cfront.Expr, name string, pos cfront.Pos) (places []lvalue, sel int32, ok bool) {
	if id, isID := e.(*cfront.Ident); isID {
		if l := g.lookup(id.Name); l != nil && l.choice != nil {
			return []lvalue{g.fieldPlace(l.choice.a), g.fieldPlace(l.choice.b)}, l.choice.sel, true
		}
	}
	p, isPtr := g.fieldPtrOf(e)
	if !isPtr || p.t.k != kFieldPtr {
		if !isPtr {
			g.diag("unsupported", name, pos, "%s of something that is not a completion field of a per-CPU struct (&st->done)", name)
		}
		return nil, -1, false
	}
	lv := g.fieldPlace(p)
	if !lv.g.completion {
		g.diag("unsupported", name, pos, "%s of %s, which is not a struct completion", name, lv.g.name)
		return nil, -1, false
	}
	return []lvalue{lv}, -1, true
}

// fieldChoice is a local initialised with a choice between two pointers to
// fields of a per-CPU struct: c ? &st->a : &st->b.
type fieldChoice struct {
	sel  int32 // register: non-zero for a
	a, b opnd  // the two field pointers (kFieldPtr)
}

// declFieldChoice compiles the initialiser of a local that is a choice
// between two field pointers; ok is false when init is none.
func (g *fn) declFieldChoice(l *local, name string, init cfront.Expr) bool {
	ce, isCond := init.(*cfront.CondExpr)
	if !isCond {
		return false
	}
	if _, ok := g.staticFieldPtr(ce.Then); !ok {
		return false
	}
	if _, ok := g.staticFieldPtr(ce.Else); !ok {
		return false
	}
	if g.assigned[name] != 0 {
		g.diag("unsupported", name, ce.Pos, "%s, a choice of per-CPU fields, is assigned again", name)
		return true
	}
	c := g.conv(g.value(ce.Cond), tBool)
	sel := g.newReg()
	g.emit(sim.Instr{Op: sim.OpMov, A: sel, B: c.r})
	a, _ := g.fieldPtrOf(ce.Then)
	b, _ := g.fieldPtrOf(ce.Else)
	l.choice = &fieldChoice{sel: sel, a: a, b: b}
	l.reg = -1
	return true
}

// staticFieldPtr reports whether e is &p->field of a pointer to a per-CPU
// struct, without compiling it.
func (g *fn) staticFieldPtr(e cfront.Expr) (string, bool) {
	u, ok := e.(*cfront.UnaryExpr)
	if !ok || u.Op != "&" {
		return "", false
	}
	m, ok := u.X.(*cfront.MemberExpr)
	if !ok || !m.Arrow {
		return "", false
	}
	t, known := g.staticType(m.X)
	if !known || t.k != kStructPtr {
		return "", false
	}
	ps := g.c.pstructOf(t.name)
	if ps == nil {
		return "", false
	}
	f, ok := ps.fields[m.Name]
	if !ok {
		return "", false
	}
	return f.name, true
}

// notCompletion reports a completion's slot read or assigned as a value
// (only the completion calls use it) and says whether lv is not one.
func (g *fn) notCompletion(lv lvalue, m *cfront.MemberExpr) bool {
	if lv.g.completion {
		g.diag("unsupported", m.Name, m.Pos, "the completion %s used as a value (only init_completion, complete and wait_for_completion use it)", lv.g.name)
		return false
	}
	return true
}
