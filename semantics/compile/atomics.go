package compile

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// atomic compiles atomic_* on a global or a per-CPU variable: reads and
// sets are plain visible loads and stores; read-modify-writes are one
// OpAtomic step.
func (g *fn) atomic(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	want := 1
	switch name {
	case "atomic_set", "atomic64_set", "atomic_long_set", "atomic_add", "atomic_sub", "atomic_add_return", "atomic_sub_return",
		"atomic_xchg", "atomic_fetch_add":
		want = 2
	case "atomic_cmpxchg":
		want = 3
	}
	if len(args) != want {
		g.diag("syntax", name, pos, "%s takes %d arguments, called with %d", name, want, len(args))
		return g.constReg(0, tInt)
	}
	// atomic_add(i, v) and atomic_sub(i, v) take the variable second.
	vIdx := 0
	if name == "atomic_add" || name == "atomic_sub" || name == "atomic_add_return" || name == "atomic_sub_return" || name == "atomic_fetch_add" {
		vIdx = 1
	}
	lv, ok := g.sharedPlace(name, args[vIdx], pos)
	if !ok {
		return g.constReg(0, tInt)
	}
	t := lv.t
	switch name {
	case "atomic_read", "atomic64_read", "atomic_long_read":
		return g.load(lv)
	case "atomic_set", "atomic64_set", "atomic_long_set":
		g.store(lv, g.assignConv(g.value(args[1]), t))
		return g.void()
	}
	var op sim.AtomicOp
	var b, cc opnd
	switch name {
	case "atomic_inc", "atomic_inc_return", "atomic_inc_and_test", "atomic_fetch_inc":
		op, b = sim.AtomicAdd, g.constReg(1, t)
	case "atomic_dec", "atomic_dec_return", "atomic_dec_and_test", "atomic_fetch_dec":
		op, b = sim.AtomicAdd, g.constReg(-1, t)
	case "atomic_add", "atomic_add_return", "atomic_fetch_add":
		op, b = sim.AtomicAdd, g.assignConv(g.value(args[0]), t)
	case "atomic_sub", "atomic_sub_return":
		v := g.assignConv(g.value(args[0]), t)
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Neg), Type: t.it, A: r, B: v.r})
		op, b = sim.AtomicAdd, opnd{r, t}
	case "atomic_xchg":
		op, b = sim.AtomicXchg, g.assignConv(g.value(args[1]), t)
	case "atomic_cmpxchg":
		op = sim.AtomicCmpxchg
		b = g.assignConv(g.value(args[1]), t)
		cc = g.assignConv(g.value(args[2]), t)
	}
	in := sim.Instr{Op: sim.OpAtomic, Sub: uint8(op), Type: t.it, A: g.newReg(), B: b.r, C: cc.r, Imm: int64(lv.g.idx)}
	if cc.r == 0 && op != sim.AtomicCmpxchg {
		in.C = -1
	}
	if lv.kind == lvPCPU {
		in.Args = []int32{lv.cpu}
	}
	g.emit(in)
	old := opnd{in.A, t}
	switch name {
	case "atomic_xchg", "atomic_cmpxchg", "atomic_fetch_add", "atomic_fetch_inc", "atomic_fetch_dec":
		return old
	}
	// The _return and _and_test forms give the new value.
	nv := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Add), Type: t.it, A: nv, B: old.r, C: b.r})
	if strings.HasSuffix(name, "_and_test") {
		z := g.constReg(0, t)
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: t.it, A: r, B: nv, C: z.r})
		return opnd{r, tInt}
	}
	if strings.HasSuffix(name, "_return") {
		return opnd{nv, t}
	}
	return g.void()
}

// sharedPlace is the place &v of an atomic or bit operation names: a
// global or per-CPU variable. A local is reported, as other CPUs could
// never see it (and the machine keeps it in a register); ok is false then,
// or when addrPlace reported e.
func (g *fn) sharedPlace(name string, e cfront.Expr, pos cfront.Pos) (lvalue, bool) {
	lv, ok := g.addrPlace(e)
	if ok && lv.kind == lvReg {
		g.diag("unsupported", name, pos, "%s on a local variable", name)
		return lv, false
	}
	return lv, ok
}

// tryCmpxchg compiles atomic_try_cmpxchg(v, &old, new): one compare and
// exchange step of v against old; the value v had is written back to old
// (the kernel writes it only on failure, when it differs; on success it is
// old's own value), and the result is whether the exchange happened.
func (g *fn) tryCmpxchg(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	if len(args) != 3 {
		g.diag("syntax", name, pos, "%s takes 3 arguments, called with %d", name, len(args))
		return g.constReg(0, tInt)
	}
	lv, ok := g.sharedPlace(name, args[0], pos)
	if !ok {
		return g.constReg(0, tBool)
	}
	oldLv, ok := g.addrPlace(args[1])
	if !ok {
		return g.constReg(0, tBool)
	}
	t := lv.t
	expected := g.assignConv(g.load(oldLv), t)
	nv := g.assignConv(g.value(args[2]), t)
	in := sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicCmpxchg), Type: t.it, A: g.newReg(), B: expected.r, C: nv.r, Imm: int64(lv.g.idx)}
	if lv.kind == lvPCPU {
		in.Args = []int32{lv.cpu}
	}
	g.emit(in)
	eq := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: t.it, A: eq, B: in.A, C: expected.r})
	g.store(oldLv, g.assignConv(opnd{in.A, t}, oldLv.t))
	return opnd{eq, tBool}
}
