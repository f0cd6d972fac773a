package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// work_on_cpu(cpu, fn, arg) (kernel/workqueue.c) queues fn(arg) on a
// kworker bound to cpu and sleeps until it has run, returning its result;
// kernel/cpu.c's cpu_down_maps_locked() (v6.1 on) runs _cpu_down() so,
// through __cpu_down_maps_locked(&work), on an online housekeeping CPU
// other than the one going down, so that the control task does not run on
// it.
//
// The machine has one task per CPU and no workqueues. When cpu is the
// caller's CPU (on the kexec path the reboot task is on the primary CPU,
// the first online one, which the kernel's loop chooses for every other
// CPU), the kworker runs fn on the CPU the caller sleeps on: the call is
// fn(arg) made by the caller, compiled as any call (in place when arg is
// the address of a local struct, localstruct.go), the kworker's two
// context switches not charged. When cpu is another CPU, the kworker would
// run fn there while the caller sleeps, which the machine cannot run (the
// hand-off of kthread.go runs the woken code on the waker, and fn's
// callees read the running CPU and call through function pointers): that
// branch is an unmodelled call reached at run time (PrimUnknownCall), so
// a run that takes it ends as unknown and no verdict rests on it.
const workOnOtherCPU = "work_on_cpu() to another CPU than the caller's"

// workOnCPU compiles work_on_cpu(cpu, fn, arg), fn a function of the
// sources.
func (g *fn) workOnCPU(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	if len(args) != 3 {
		g.diag("syntax", name, pos, "%s takes 3 arguments, called with %d", name, len(args))
		return g.constReg(0, tLong)
	}
	id, ok := args[1].(*cfront.Ident)
	fi := -1
	if ok && g.lookup(id.Name) == nil {
		if i, ok := g.c.funcIdx[id.Name]; ok {
			fi = i
		}
	}
	if fi < 0 {
		g.diag("unsupported", name, pos, "%s of %s, which is not a function of the sources", name, exprString(args[1]))
		return g.constReg(0, tLong)
	}
	cpu := g.conv(g.value(args[0]), tUint)
	self := g.prim(sim.PrimSelf, nil, -1, 0)
	here := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: sim.Uint, A: here, B: cpu.r, C: self.r})
	res := g.newReg()
	on, other, end := g.newLabel(), g.newLabel(), g.newLabel()
	g.branch(here, on, other)
	g.bind(on)
	v := g.direct(fi, []cfront.Expr{args[2]}, pos)
	g.setLoc(pos) // compiled in place, fn's lines were the current ones
	if v.r >= 0 && v.t.k != kVoid {
		v = g.assignConv(v, tLong)
		g.emit(sim.Instr{Op: sim.OpMov, A: res, B: v.r})
	} else {
		g.emit(sim.Instr{Op: sim.OpConst, A: res, Type: sim.Long})
	}
	g.jump(end)
	g.bind(other)
	g.unknownCall(workOnOtherCPU, pos, false)
	g.emit(sim.Instr{Op: sim.OpConst, A: res, Type: sim.Long})
	g.bind(end)
	return opnd{res, tLong}
}
