package compile

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// evaluator runs compiled code on one CPU without a machine: the
// invisible ops exactly, visible ops against plain arrays, prims through a
// script. It lets the tests check C semantics of the compiled code.
type evaluator struct {
	p      *sim.Program
	g      []uint64
	pcpu   [][]uint64 // [var][cpu]
	self   uint64
	prim   func(ev *evaluator, p sim.Prim, args []uint64, in *sim.Instr) uint64
	trace  []string
	steps  int
	expire bool   // take every bounded wait's Expired exit at its head
	halted string // why the run ended early (BUG, panic, unknown call, step limit)
}

func newEvaluator(p *sim.Program) *evaluator {
	ev := &evaluator{p: p}
	for _, g := range p.Globals {
		ev.g = append(ev.g, g.Init)
	}
	for _, g := range p.PerCPU {
		vals := make([]uint64, 8)
		for i := range vals {
			vals[i] = g.Init
		}
		ev.pcpu = append(ev.pcpu, vals)
	}
	return ev
}

type haltError string

func (e haltError) Error() string { return string(e) }

// call runs function name with args and returns its result.
func (ev *evaluator) call(name string, args ...uint64) (res uint64, err error) {
	fi := ev.p.FuncIndex(name)
	if fi < 0 {
		return 0, fmt.Errorf("no function %s", name)
	}
	defer func() {
		if r := recover(); r != nil {
			h, ok := r.(haltError)
			if !ok {
				panic(r)
			}
			ev.halted = string(h)
			err = h
		}
	}()
	return ev.run(fi, args), nil
}

func (ev *evaluator) run(fi int, args []uint64) uint64 {
	f := &ev.p.Funcs[fi]
	r := make([]uint64, f.NumRegs)
	copy(r, args)
	masks := make([]uint64, f.NumMasks)
	pc := int32(0)
	for {
		ev.steps++
		if ev.steps > 1_000_000 {
			panic(haltError("step limit"))
		}
		in := &f.Code[pc]
		pc++
		switch in.Op {
		case sim.OpNop:
		case sim.OpWait:
			if w := ev.p.Waits[in.Imm]; ev.expire && w.Expired >= 0 {
				pc = w.Expired
			}
		case sim.OpConst:
			r[in.A] = truncate(uint64(in.Imm), in.Type)
		case sim.OpMov:
			r[in.A] = r[in.B]
		case sim.OpBin:
			v, ok := evalBin(sim.BinOp(in.Sub), r[in.B], r[in.C], in.Type)
			if !ok {
				panic(haltError("BUG: division by zero"))
			}
			r[in.A] = v
		case sim.OpUn:
			x := truncate(r[in.B], in.Type)
			switch sim.UnOp(in.Sub) {
			case sim.Neg:
				r[in.A] = truncate(-x, in.Type)
			case sim.Not:
				r[in.A] = uint64(b2i(x == 0))
			case sim.BitNot:
				r[in.A] = truncate(^x, in.Type)
			}
		case sim.OpConv:
			r[in.A] = truncate(truncate(r[in.B], in.Type), in.Type2)
		case sim.OpJump:
			pc = in.Target
		case sim.OpBranch:
			if r[in.A] != 0 {
				pc = in.Target
			} else {
				pc = in.Target2
			}
		case sim.OpCall, sim.OpCallInd:
			callee := int(in.Imm)
			if in.Op == sim.OpCallInd {
				callee = int(r[in.B])
			}
			var a []uint64
			for _, x := range in.Args {
				a = append(a, r[x])
			}
			v := ev.run(callee, a)
			if in.A >= 0 {
				r[in.A] = v
			}
		case sim.OpRet:
			if f.NoReturn {
				panic(haltError("BUG: noreturn function " + f.Name + " returned"))
			}
			if in.A < 0 {
				return 0
			}
			return r[in.A]
		case sim.OpFuncRef:
			r[in.A] = uint64(in.Imm)
		case sim.OpLoadG:
			r[in.A] = ev.g[in.Imm]
		case sim.OpStoreG:
			ev.g[in.Imm] = truncate(r[in.A], in.Type)
		case sim.OpLoadPCPU:
			r[in.A] = ev.pcpu[in.Imm][r[in.B]]
		case sim.OpStorePCPU:
			ev.pcpu[in.Imm][r[in.B]] = truncate(r[in.A], in.Type)
		case sim.OpAtomic:
			var v *uint64
			if len(in.Args) == 1 {
				v = &ev.pcpu[in.Imm][r[in.Args[0]]]
			} else {
				v = &ev.g[in.Imm]
			}
			old := *v
			switch sim.AtomicOp(in.Sub) {
			case sim.AtomicAdd:
				*v = truncate(old+r[in.B], in.Type)
			case sim.AtomicXchg:
				*v = truncate(r[in.B], in.Type)
			case sim.AtomicCmpxchg:
				if truncate(old, in.Type) == truncate(r[in.B], in.Type) {
					*v = truncate(r[in.C], in.Type)
				}
			}
			if in.A >= 0 {
				r[in.A] = old
			}
		case sim.OpPrim:
			var a []uint64
			for _, x := range in.Args {
				a = append(a, r[x])
			}
			p := sim.Prim(in.Sub)
			desc := sim.Prims[p].Name + "(" + joinU(a) + ")"
			if p == sim.PrimPrintk || p == sim.PrimPanic || p == sim.PrimUnknownCall {
				desc += " " + fmt.Sprintf("%q", ev.p.Strings[in.Imm])
			}
			ev.trace = append(ev.trace, desc)
			var v uint64
			switch p {
			case sim.PrimBug, sim.PrimPanic, sim.PrimUnknownCall, sim.PrimParkLoop, sim.PrimRelocate:
				panic(haltError(desc))
			case sim.PrimSelf:
				v = ev.self
			case sim.PrimMaskCopyOnline:
				masks[in.M] = ev.prim(ev, p, a, in)
			case sim.PrimMaskClear:
				masks[in.M] &^= 1 << a[0]
			case sim.PrimMaskSet:
				masks[in.M] |= 1 << a[0]
			case sim.PrimMaskTest:
				v = masks[in.M] >> a[0] & 1
			case sim.PrimMaskZero:
				masks[in.M] = 0
			default:
				if ev.prim != nil {
					v = ev.prim(ev, p, a, in)
				}
			}
			if in.A >= 0 {
				r[in.A] = v
			}
		default:
			panic(fmt.Sprintf("op %d not evaluated", in.Op))
		}
	}
}

func joinU(a []uint64) string {
	var s []string
	for _, x := range a {
		s = append(s, fmt.Sprint(int64(x)))
	}
	return strings.Join(s, ", ")
}
