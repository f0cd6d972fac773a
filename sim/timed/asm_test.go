package timed

import (
	"fmt"

	"github.com/patchcheck/patchcheck/sim"
)

// A small assembler for hand-written test programs.

type asm struct {
	p     sim.Program
	funcs []*fasm
}

type fasm struct {
	a      *asm
	f      sim.Func
	labels map[string]int32
	fix    []fixup
}

type fixup struct {
	pc     int
	field  int // 0 Target, 1 Target2, 2 call Imm, 3 funcref Imm, 4 wait satisfied, 5 wait expired
	label  string
	wait   int
	isWait bool
}

func newAsm() *asm { return &asm{} }

func (a *asm) str(s string) int64 {
	a.p.Strings = append(a.p.Strings, s)
	return int64(len(a.p.Strings) - 1)
}

func (a *asm) pcpu(name string) int64 {
	a.p.PerCPU = append(a.p.PerCPU, sim.Global{Name: name, Type: sim.Int})
	return int64(len(a.p.PerCPU) - 1)
}

func (a *asm) global(name string, init uint64) int64 {
	a.p.Globals = append(a.p.Globals, sim.Global{Name: name, Type: sim.Int, Init: init})
	return int64(len(a.p.Globals) - 1)
}

// fn starts a function with params parameters, regs registers and masks mask slots.
func (a *asm) fn(name string, params, regs, masks int) *fasm {
	a.p.Locs = append(a.p.Locs, sim.Loc{File: "test.c", Line: len(a.p.Locs) + 1, Func: name, Text: name})
	f := &fasm{a: a, labels: map[string]int32{}}
	f.f = sim.Func{Name: name, Params: params, NumRegs: regs, NumMasks: masks, CPUReg: make([]bool, regs), Loc: int32(len(a.p.Locs) - 1)}
	a.funcs = append(a.funcs, f)
	return f
}

func (f *fasm) emit(in sim.Instr) *fasm {
	in.Loc = f.f.Loc
	f.f.Code = append(f.f.Code, in)
	return f
}

func (f *fasm) pc() int { return len(f.f.Code) }

func (f *fasm) label(l string) *fasm { f.labels[l] = int32(f.pc()); return f }

func (f *fasm) konst(r int32, v int64) *fasm {
	return f.emit(sim.Instr{Op: sim.OpConst, A: r, Imm: v, Type: sim.Long})
}

func (f *fasm) bin(op sim.BinOp, d, x, y int32, t sim.Type) *fasm {
	return f.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), A: d, B: x, C: y, Type: t})
}

func (f *fasm) prim(p sim.Prim, d int32, args ...int32) *fasm {
	return f.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: d, Args: args, Type: sim.Long})
}

func (f *fasm) primM(p sim.Prim, m int32, d int32, args ...int32) *fasm {
	return f.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: d, M: m, Args: args, Type: sim.Long})
}

func (f *fasm) primS(p sim.Prim, s int64, d int32, args ...int32) *fasm {
	return f.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: d, Imm: s, Args: args, Type: sim.Long})
}

func (f *fasm) jmp(l string) *fasm {
	f.fix = append(f.fix, fixup{pc: f.pc(), field: 0, label: l})
	return f.emit(sim.Instr{Op: sim.OpJump})
}

func (f *fasm) br(r int32, t, e string) *fasm {
	f.fix = append(f.fix, fixup{pc: f.pc(), field: 0, label: t}, fixup{pc: f.pc(), field: 1, label: e})
	return f.emit(sim.Instr{Op: sim.OpBranch, A: r})
}

func (f *fasm) call(d int32, fn string, args ...int32) *fasm {
	f.fix = append(f.fix, fixup{pc: f.pc(), field: 2, label: fn})
	return f.emit(sim.Instr{Op: sim.OpCall, A: d, Args: args})
}

func (f *fasm) funcref(d int32, fn string) *fasm {
	f.fix = append(f.fix, fixup{pc: f.pc(), field: 3, label: fn})
	return f.emit(sim.Instr{Op: sim.OpFuncRef, A: d})
}

func (f *fasm) ret(r int32) *fasm { return f.emit(sim.Instr{Op: sim.OpRet, A: r}) }

func (f *fasm) loadPCPU(d, cpu int32, v int64) *fasm {
	return f.emit(sim.Instr{Op: sim.OpLoadPCPU, A: d, B: cpu, Imm: v})
}

func (f *fasm) storePCPU(src, cpu int32, v int64) *fasm {
	return f.emit(sim.Instr{Op: sim.OpStorePCPU, A: src, B: cpu, Imm: v})
}

// wait emits the OpWait head of a polling loop whose condition block is
// the instructions from the label condStart up to condEnd, leaving its
// result in reg; satisfied and expired are labels ("" for an unbounded wait).
func (f *fasm) wait(name, condStart, condEnd string, reg int32, satisfied, expired string) *fasm {
	w := len(f.a.p.Waits)
	f.a.p.Waits = append(f.a.p.Waits, sim.Wait{Name: name, CondReg: reg, Loc: f.f.Loc, Expired: -1})
	f.fix = append(f.fix,
		fixup{isWait: true, wait: w, field: 0, label: condStart},
		fixup{isWait: true, wait: w, field: 1, label: condEnd},
		fixup{isWait: true, wait: w, field: 4, label: satisfied})
	if expired != "" {
		f.fix = append(f.fix, fixup{isWait: true, wait: w, field: 5, label: expired})
	}
	return f.emit(sim.Instr{Op: sim.OpWait, Imm: int64(w)})
}

// build resolves labels and returns the program.
func (a *asm) build(boot, secondary, irq string) *sim.Program {
	idx := map[string]int32{}
	for i, f := range a.funcs {
		idx[f.f.Name] = int32(i)
	}
	get := func(f *fasm, l string) int32 {
		v, ok := f.labels[l]
		if !ok {
			panic(fmt.Sprintf("%s: no label %q", f.f.Name, l))
		}
		return v
	}
	for _, f := range a.funcs {
		for _, x := range f.fix {
			if x.isWait {
				w := &a.p.Waits[x.wait]
				switch x.field {
				case 0:
					w.CondStart = get(f, x.label)
				case 1:
					w.CondEnd = get(f, x.label)
				case 4:
					w.Satisfied = get(f, x.label)
				case 5:
					w.Expired = get(f, x.label)
				}
				continue
			}
			in := &f.f.Code[x.pc]
			switch x.field {
			case 0:
				in.Target = get(f, x.label)
			case 1:
				in.Target2 = get(f, x.label)
			case 2, 3:
				fi, ok := idx[x.label]
				if !ok {
					panic("no function " + x.label)
				}
				in.Imm = int64(fi)
			}
		}
		a.p.Funcs = append(a.p.Funcs, f.f)
	}
	a.p.Entry = sim.Entries{Boot: idx[boot], Secondary: idx[secondary], IRQ: idx[irq]}
	return &a.p
}
