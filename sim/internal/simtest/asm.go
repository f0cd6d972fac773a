// Package simtest builds sim.Programs by hand for the tests and benchmarks of
// the sim packages: a small assembler with named registers and labels.
package simtest

import (
	"fmt"

	"github.com/patchcheck/patchcheck/sim"
)

// Program assembles a sim.Program.
type Program struct {
	P     sim.Program
	funcs []*Func
	file  string
}

// New starts a program whose source lines are attributed to file.
func New(file string) *Program { return &Program{file: file} }

// Global declares a global variable and returns its index.
func (p *Program) Global(name string, t sim.Type, init uint64, cpu bool) int64 {
	p.P.Globals = append(p.P.Globals, sim.Global{Name: name, Type: t, Init: init, CPU: cpu})
	return int64(len(p.P.Globals) - 1)
}

// PerCPU declares a per-CPU variable and returns its index.
func (p *Program) PerCPU(name string, t sim.Type, init uint64, cpu bool) int64 {
	p.P.PerCPU = append(p.P.PerCPU, sim.Global{Name: name, Type: t, Init: init, CPU: cpu})
	return int64(len(p.P.PerCPU) - 1)
}

// String interns a string and returns its index.
func (p *Program) String(s string) int64 {
	p.P.Strings = append(p.P.Strings, s)
	return int64(len(p.P.Strings) - 1)
}

// Func starts a function with the given parameter names (registers 0..).
// Parameters whose name starts with "cpu" are flagged as CPU ids.
func (p *Program) Func(name string, params ...string) *Func {
	f := &Func{p: p, idx: len(p.funcs), regs: map[string]int32{}, labels: map[string]int32{}}
	f.f.Name = name
	f.f.Params = len(params)
	f.f.Loc = p.loc(name, 1, name)
	for _, r := range params {
		f.Reg(r)
	}
	p.funcs = append(p.funcs, f)
	return f
}

func (p *Program) loc(fn string, line int, text string) int32 {
	p.P.Locs = append(p.P.Locs, sim.Loc{File: p.file, Line: line, Side: sim.SideModel, Func: fn, Text: text})
	return int32(len(p.P.Locs) - 1)
}

// Build resolves labels and calls and returns the program with the named
// entry functions.
func (p *Program) Build(boot, secondary, irq string) (*sim.Program, error) {
	p.P.Funcs = make([]sim.Func, len(p.funcs))
	for i, f := range p.funcs {
		if err := f.resolve(); err != nil {
			return nil, fmt.Errorf("%s: %v", f.f.Name, err)
		}
		p.P.Funcs[i] = f.f
	}
	for _, f := range p.funcs {
		for _, fx := range f.calls {
			j := p.P.FuncIndex(fx.name)
			if j < 0 {
				return nil, fmt.Errorf("%s: call of undefined %s", f.f.Name, fx.name)
			}
			p.P.Funcs[f.idx].Code[fx.pc].Imm = int64(j)
		}
	}
	for name, dst := range map[string]*int32{boot: &p.P.Entry.Boot, secondary: &p.P.Entry.Secondary, irq: &p.P.Entry.IRQ} {
		j := p.P.FuncIndex(name)
		if j < 0 {
			return nil, fmt.Errorf("entry %s undefined", name)
		}
		*dst = int32(j)
	}
	return &p.P, nil
}

// MustBuild is Build that panics on error (programs in tests are constants).
func (p *Program) MustBuild(boot, secondary, irq string) *sim.Program {
	prog, err := p.Build(boot, secondary, irq)
	if err != nil {
		panic(err)
	}
	return prog
}

// Func assembles one function.
type Func struct {
	p      *Program
	idx    int
	f      sim.Func
	regs   map[string]int32
	labels map[string]int32
	fix    []fixup
	calls  []callFix
	line   int
	loc    int32
}

type fixup struct {
	pc    int
	field int // 0 Target, 1 Target2, 2 wait Satisfied, 3 wait Expired
	label string
	wait  int
}

type callFix struct {
	pc   int
	name string
}

// Reg returns the register named name, allocating it on first use. Names
// starting with "cpu" hold CPU ids.
func (f *Func) Reg(name string) int32 {
	if r, ok := f.regs[name]; ok {
		return r
	}
	r := int32(f.f.NumRegs)
	f.f.NumRegs++
	f.regs[name] = r
	f.f.CPUReg = append(f.f.CPUReg, len(name) >= 3 && name[:3] == "cpu")
	return r
}

// Mask allocates a mask slot.
func (f *Func) Mask() int32 {
	f.f.NumMasks++
	return int32(f.f.NumMasks - 1)
}

// Line sets the source line of the following instructions.
func (f *Func) Line(text string) *Func {
	f.line++
	f.loc = f.p.loc(f.f.Name, f.line+1, text)
	return f
}

// NoReturn marks the function __noreturn.
func (f *Func) NoReturn() *Func { f.f.NoReturn = true; return f }

func (f *Func) emit(in sim.Instr) int {
	if f.loc == 0 && f.line == 0 {
		f.Line(f.f.Name)
	}
	in.Loc = f.loc
	f.f.Code = append(f.f.Code, in)
	return len(f.f.Code) - 1
}

// Label marks the next instruction.
func (f *Func) Label(name string) { f.labels[name] = int32(len(f.f.Code)) }

// Const sets dst = imm.
func (f *Func) Const(dst string, imm int64, t sim.Type) {
	f.emit(sim.Instr{Op: sim.OpConst, A: f.Reg(dst), Imm: imm, Type: t})
}

// Mov sets dst = src.
func (f *Func) Mov(dst, src string) {
	f.emit(sim.Instr{Op: sim.OpMov, A: f.Reg(dst), B: f.Reg(src)})
}

// Bin sets dst = a op b in t.
func (f *Func) Bin(dst string, op sim.BinOp, a, b string, t sim.Type) {
	f.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), A: f.Reg(dst), B: f.Reg(a), C: f.Reg(b), Type: t})
}

// Un sets dst = op a in t.
func (f *Func) Un(dst string, op sim.UnOp, a string, t sim.Type) {
	f.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(op), A: f.Reg(dst), B: f.Reg(a), Type: t})
}

// Jump jumps to label.
func (f *Func) Jump(label string) {
	pc := f.emit(sim.Instr{Op: sim.OpJump})
	f.fix = append(f.fix, fixup{pc: pc, label: label})
}

// Branch jumps to then if cond != 0, else to els.
func (f *Func) Branch(cond, then, els string) {
	pc := f.emit(sim.Instr{Op: sim.OpBranch, A: f.Reg(cond)})
	f.fix = append(f.fix, fixup{pc: pc, label: then}, fixup{pc: pc, field: 1, label: els})
}

// Call calls fn with args; dst "" discards the result.
func (f *Func) Call(dst, fn string, args ...string) {
	in := sim.Instr{Op: sim.OpCall, A: -1}
	if dst != "" {
		in.A = f.Reg(dst)
	}
	for _, a := range args {
		in.Args = append(in.Args, f.Reg(a))
	}
	pc := f.emit(in)
	f.calls = append(f.calls, callFix{pc: pc, name: fn})
}

// Ret returns src ("" for void).
func (f *Func) Ret(src string) {
	in := sim.Instr{Op: sim.OpRet, A: -1}
	if src != "" {
		in.A = f.Reg(src)
	}
	f.emit(in)
}

// Prim calls prim p; dst "" discards the result; mask < 0 for none.
func (f *Func) Prim(dst string, p sim.Prim, mask int32, args ...string) {
	in := sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: -1, M: mask}
	if dst != "" {
		in.A = f.Reg(dst)
		in.Type = sim.Long
	}
	for _, a := range args {
		in.Args = append(in.Args, f.Reg(a))
	}
	f.emit(in)
}

// PrimS calls a prim that names Strings[s] (printk, panic, unknown_call).
func (f *Func) PrimS(p sim.Prim, s int64, args ...string) {
	in := sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: -1, Imm: s}
	for _, a := range args {
		in.Args = append(in.Args, f.Reg(a))
	}
	f.emit(in)
}

// LoadG reads global g into dst; StoreG writes src to it.
func (f *Func) LoadG(dst string, g int64) {
	f.emit(sim.Instr{Op: sim.OpLoadG, A: f.Reg(dst), Imm: g})
}

// StoreG writes src to global g.
func (f *Func) StoreG(g int64, src string) {
	f.emit(sim.Instr{Op: sim.OpStoreG, A: f.Reg(src), Imm: g})
}

// LoadPCPU reads per-CPU v of cpu into dst.
func (f *Func) LoadPCPU(dst string, v int64, cpu string) {
	f.emit(sim.Instr{Op: sim.OpLoadPCPU, A: f.Reg(dst), B: f.Reg(cpu), Imm: v})
}

// StorePCPU writes src to per-CPU v of cpu.
func (f *Func) StorePCPU(v int64, cpu, src string) {
	f.emit(sim.Instr{Op: sim.OpStorePCPU, A: f.Reg(src), B: f.Reg(cpu), Imm: v})
}

// FuncRef sets dst to a reference to fn.
func (f *Func) FuncRef(dst, fn string) {
	pc := f.emit(sim.Instr{Op: sim.OpFuncRef, A: f.Reg(dst)})
	f.calls = append(f.calls, callFix{pc: pc, name: fn})
}

// Wait emits a polling loop in the shape the compiler produces:
//
//	head: OpWait; cond() -> condReg; if !condReg goto satisfied;
//	      [bound > 0: if counter-- == 0 goto expired]; udelay(1); goto head
//
// with bound <= 0 meaning unbounded. expired is the label to continue at
// when the bound runs out.
func (f *Func) Wait(name string, bound int64, cond func() string, satisfied, expired string) {
	w := len(f.p.P.Waits)
	head := fmt.Sprintf(".w%d", w)
	body := head + ".body"
	ctr := head + ".ctr"
	if bound > 0 {
		f.Const(ctr, bound, sim.Ulong)
	}
	f.Label(head)
	f.emit(sim.Instr{Op: sim.OpWait, Imm: int64(w)})
	start := int32(len(f.f.Code))
	reg := cond()
	end := int32(len(f.f.Code))
	f.Branch(reg, body, satisfied)
	f.Label(body)
	exp := int32(-1)
	if bound > 0 {
		f.Const(ctr+".one", 1, sim.Ulong)
		f.Const(ctr+".zero", 0, sim.Ulong)
		f.Bin(ctr+".done", sim.Eq, ctr, ctr+".zero", sim.Ulong)
		f.Bin(ctr, sim.Sub, ctr, ctr+".one", sim.Ulong)
		f.Branch(ctr+".done", expired, head+".delay")
		exp = 0
	}
	f.Label(head + ".delay")
	f.Const(head+".us", 1, sim.Ulong)
	f.Prim("", sim.PrimUdelay, -1, head+".us")
	f.Jump(head)
	bnd := "unbounded"
	if bound > 0 {
		bnd = fmt.Sprintf("%d x udelay(1)", bound)
	}
	f.p.P.Waits = append(f.p.P.Waits, sim.Wait{Name: name, Bound: bnd, CondStart: start, CondEnd: end,
		CondReg: f.Reg(reg), Expired: exp, Loc: f.loc})
	f.fix = append(f.fix, fixup{field: 2, label: satisfied, wait: w})
	if bound > 0 {
		f.fix = append(f.fix, fixup{field: 3, label: expired, wait: w})
	}
}

func (f *Func) resolve() error {
	for _, fx := range f.fix {
		t, ok := f.labels[fx.label]
		if !ok {
			return fmt.Errorf("undefined label %q", fx.label)
		}
		switch fx.field {
		case 0:
			f.f.Code[fx.pc].Target = t
		case 1:
			f.f.Code[fx.pc].Target2 = t
		case 2:
			f.p.P.Waits[fx.wait].Satisfied = t
		case 3:
			f.p.P.Waits[fx.wait].Expired = t
		}
	}
	return nil
}

// Emit appends a raw instruction (for ops the helpers do not cover).
func (f *Func) Emit(in sim.Instr) { f.emit(in) }
