package compile

import (
	"fmt"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// A per-CPU kernel thread woken on another CPU, as kernel/cpu.c's
// __cpuhp_kick_ap() wakes the dying CPU's hotplug thread:
//
//	st->should_run = true;
//	wake_up_process(st->thread);
//	wait_for_ap_thread(st, st->bringup);
//
// The thread is the smpboot thread an ops table of struct
// smp_hotplug_thread registers for the per-CPU field it stores its task in
// (kernel/cpu.c's cpuhp_threads: .store = &cpuhp_state.thread,
// .thread_should_run = cpuhp_should_run, .thread_fn = cpuhp_thread_fun).
// wake_up_process(p->field) of a pointer p to that per-CPU struct is the
// machine's hand-off to p's CPU (sched_handoff: the waker waits until that
// CPU is at a point where its scheduler can run the thread), followed by
// kernel/smpboot.c's smpboot_thread_fn() loop,
//
//	while (ht->thread_should_run(cpu))
//		ht->thread_fn(cpu);
//
// compiled in place and run by the waking CPU on the woken CPU's behalf:
// smp_processor_id() and this_cpu_ptr() in it are the woken CPU. The
// machine's hand-off runs no code on its target, so the thread's work
// takes the waker's time after the hand-off, as the library's v5.10
// restatement of cpuhp_kick_ap_work() charges it. A function the loop
// calls (not compiled in place) that reads the running CPU would see the
// waker: that is reported (checkOnBehalf), so nothing runs on the wrong
// CPU silently.

// onBehalf is a call made from code compiled on another CPU's behalf.
type onBehalf struct {
	callee int
	caller string
	loc    sim.Loc
}

// wakeThread compiles wake_up_process(p->field). ok is false when the
// argument is no registered per-CPU thread.
func (g *fn) wakeThread(args []cfront.Expr, pos cfront.Pos) (opnd, bool) {
	if len(args) != 1 {
		return opnd{}, false
	}
	m, ok := args[0].(*cfront.MemberExpr)
	if !ok || !m.Arrow {
		return opnd{}, false
	}
	t, known := g.staticType(m.X)
	if !known || t.k != kStructPtr {
		return opnd{}, false
	}
	ps := g.c.pstructOf(t.name)
	if ps == nil {
		return opnd{}, false
	}
	tb := g.c.threadTable(ps.name, m.Name)
	if tb == nil {
		g.diag("unsupported", "wake_up_process", pos, "wake_up_process of %s->%s, which no struct smp_hotplug_thread of the sources stores (.store = &%s.%s)", exprString(m.X), m.Name, ps.name, m.Name)
		return g.void(), true
	}
	should, okS := g.tableFunc(tb, "thread_should_run", pos)
	run, okR := g.tableFunc(tb, "thread_fn", pos)
	if !okS || !okR {
		return g.void(), true
	}
	cpu := g.conv(g.value(m.X), tUint)
	g.prim(sim.PrimSchedHandoff, []int32{cpu.r}, -1, 0)

	savedB, savedR := g.behalf, g.selfReg
	g.behalf, g.selfReg = true, cpu.r
	arg := &cfront.Ident{Pos: pos, Name: g.tempName(cpu)}
	head, body, end := g.newLabel(), g.newLabel(), g.newLabel()
	g.bind(head)
	r := g.inlineCall(g.c.funcs[should], []cfront.Expr{arg}, pos)
	if r.r < 0 {
		r = g.constReg(0, tInt)
	}
	g.branch(r.r, body, end)
	g.bind(body)
	g.inlineCall(g.c.funcs[run], []cfront.Expr{arg}, pos)
	g.jump(head)
	g.bind(end)
	g.behalf, g.selfReg = savedB, savedR
	return g.void(), true
}

// tempName binds a fresh name to o's register in the current scope, so
// that it can be passed as an argument expression.
func (g *fn) tempName(o opnd) string {
	name := fmt.Sprintf("__thread_cpu%d", o.r)
	g.scopes[len(g.scopes)-1][name] = &local{reg: o.r, t: o.t}
	return name
}

// threadTable is the struct smp_hotplug_thread table whose .store is
// &v.field.
func (c *compiler) threadTable(v, field string) *table {
	for _, tb := range c.tabByID {
		if tb.strct != "smp_hotplug_thread" {
			continue
		}
		u, ok := tb.fields["store"].(*cfront.UnaryExpr)
		if !ok || u.Op != "&" {
			continue
		}
		if mm, ok := u.X.(*cfront.MemberExpr); ok && !mm.Arrow && mm.Name == field && isIdent(mm.X, v) {
			return tb
		}
	}
	return nil
}

// tableFunc is the function of the sources a table's field names.
func (g *fn) tableFunc(tb *table, field string, pos cfront.Pos) (int, bool) {
	id, ok := tb.fields[field].(*cfront.Ident)
	if ok {
		if i, ok := g.c.funcIdx[id.Name]; ok {
			return i, true
		}
	}
	g.diag("unsupported", tb.name, pos, "%s.%s is not a function of the sources", tb.name, field)
	return 0, false
}

// checkOnBehalf reports the functions called from code run on another
// CPU's behalf that read the running CPU (smp_processor_id(),
// this_cpu_*), themselves or through their callees.
func (c *compiler) checkOnBehalf() {
	memo := map[int]bool{}
	var readsSelf func(fi int, depth int) bool
	readsSelf = func(fi int, depth int) bool {
		if v, ok := memo[fi]; ok {
			return v
		}
		memo[fi] = false
		if depth > len(c.prog.Funcs) {
			return false
		}
		for _, in := range c.prog.Funcs[fi].Code {
			switch {
			case in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimSelf,
				in.Op == sim.OpCall && readsSelf(int(in.Imm), depth+1),
				in.Op == sim.OpCallInd:
				memo[fi] = true
				return true
			}
		}
		return false
	}
	for _, ob := range c.onBehalf {
		if ob.callee > 0 && readsSelf(ob.callee, 0) {
			c.diag("unsupported", c.prog.Funcs[ob.callee].Name, ob.loc, "%s, run on another CPU's behalf (a woken per-CPU thread, in %s), reads the running CPU or calls through a function pointer", c.prog.Funcs[ob.callee].Name, ob.caller)
		}
	}
}
