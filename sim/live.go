package sim

import "fmt"

// Liveness of registers. A register is dead at an instruction when no path
// from there reads it before writing it. States that differ only in dead
// registers behave alike, so with Config.Merge (the explorer's mode) the
// machine zeroes the dead registers of every frame after each step: such
// states then encode, hash and compare equal. Frames rest at their poised
// visible instruction (callers at their call, interrupted frames at the
// instruction they will execute), so live-in at a frame's PC is what the
// rest of its run can read.

// liveSets holds, per function, the live-in registers of every instruction
// as bitsets of words uint64s each.
type liveSets struct {
	words []int      // per function
	bits  [][]uint64 // per function: len(Code)*words
}

// uses calls use for every register in reads.
func instrUses(in *Instr, use func(int32)) {
	switch in.Op {
	case OpMov, OpUn, OpConv:
		use(in.B)
	case OpBin:
		use(in.B)
		use(in.C)
	case OpBranch, OpRet, OpStoreG:
		use(in.A)
	case OpCall, OpPrim:
		for _, r := range in.Args {
			use(r)
		}
	case OpCallInd:
		use(in.B)
		for _, r := range in.Args {
			use(r)
		}
	case OpLoadPCPU:
		use(in.B)
	case OpStorePCPU:
		use(in.A)
		use(in.B)
	case OpAtomic:
		use(in.B)
		if AtomicOp(in.Sub) == AtomicCmpxchg {
			use(in.C)
		}
		for _, r := range in.Args {
			use(r)
		}
	}
}

// instrDef returns the register in writes, or -1.
func instrDef(in *Instr) int32 {
	switch in.Op {
	case OpConst, OpMov, OpBin, OpUn, OpConv, OpCall, OpCallInd, OpPrim, OpLoadG, OpLoadPCPU, OpFuncRef, OpAtomic:
		return in.A
	}
	return -1
}

// succs appends in's successors (at pc) in code of length n.
func instrSuccs(p *Program, in *Instr, pc int32, n int32, out []int32) []int32 {
	add := func(t int32) {
		if t >= 0 && t < n {
			out = append(out, t)
		}
	}
	switch in.Op {
	case OpJump:
		add(in.Target)
	case OpBranch:
		add(in.Target)
		add(in.Target2)
	case OpRet:
	case OpWait:
		add(pc + 1)
		w := &p.Waits[in.Imm]
		add(w.CondStart)
		add(w.Satisfied)
		add(w.Expired)
	default:
		add(pc + 1)
	}
	return out
}

func computeLiveness(p *Program) *liveSets {
	ls := &liveSets{words: make([]int, len(p.Funcs)), bits: make([][]uint64, len(p.Funcs))}
	var succ []int32
	for fi := range p.Funcs {
		f := &p.Funcs[fi]
		w := (f.NumRegs + 63) / 64
		ls.words[fi] = w
		n := int32(len(f.Code))
		live := make([]uint64, int(n)*w)
		ls.bits[fi] = live
		if w == 0 {
			continue
		}
		tmp := make([]uint64, w)
		for changed := true; changed; {
			changed = false
			for pc := n - 1; pc >= 0; pc-- {
				in := &f.Code[pc]
				clear(tmp)
				succ = instrSuccs(p, in, pc, n, succ[:0])
				for _, s := range succ {
					for k := 0; k < w; k++ {
						tmp[k] |= live[int(s)*w+k]
					}
				}
				if d := instrDef(in); d >= 0 && int(d) < f.NumRegs {
					tmp[d/64] &^= 1 << (d % 64)
				}
				instrUses(in, func(r int32) {
					if r >= 0 && int(r) < f.NumRegs {
						tmp[r/64] |= 1 << (r % 64)
					}
				})
				cur := live[int(pc)*w : int(pc+1)*w]
				for k := 0; k < w; k++ {
					if cur[k] != tmp[k] {
						cur[k] |= tmp[k]
						changed = true
					}
				}
			}
		}
	}
	return ls
}

// Live reports whether register r of function fn may be read after the
// frame's PC reaches pc (before being written).
func (m *Machine) Live(fn int32, pc int32, r int) bool {
	w := m.live.words[fn]
	if r < 0 || r >= w*64 || pc < 0 || int(pc)*w >= len(m.live.bits[fn]) {
		return false
	}
	return m.live.bits[fn][int(pc)*w+r/64]&(1<<(r%64)) != 0
}

// clearDead zeroes the registers of cpu's frames that are dead at the
// frames' PCs.
func (m *Machine) clearDead(cpu *CPU) {
	for fi := range cpu.Frames {
		fr := &cpu.Frames[fi]
		w := m.live.words[fr.Func]
		if w == 0 {
			continue
		}
		bits := m.live.bits[fr.Func]
		if int(fr.PC) < 0 || (int(fr.PC)+1)*w > len(bits) {
			continue
		}
		lv := bits[int(fr.PC)*w:]
		nr := m.Prog.Funcs[fr.Func].NumRegs
		regs := cpu.Regs[fr.RegBase : int(fr.RegBase)+nr]
		for r := range regs {
			if lv[r/64]&(1<<(r%64)) == 0 {
				regs[r] = 0
			}
		}
	}
}

// MaxFuncCode and MaxFuncCells bound one function for the machine's
// per-function analyses (liveness here, definite assignment in
// private.go), which take a bitset of registers per instruction:
// instructions × registers bits; and every state the engines step carries
// the registers of its frames. The model library's largest function has
// 66 instructions and 43 registers, kernel functions a few hundred of
// each; the bounds keep a hostile function from exhausting memory (100,000
// `udelay(1);` lines: 2.5 GB of bitsets) or the time budget (4,000 locals:
// 36 s and 560 MB for the seed's scenarios, 1,000 locals: 5 s).
const (
	MaxFuncCode  = 1 << 14
	MaxFuncCells = 1 << 22 // 512 KiB per bitset
)

// CheckFuncSize reports a function too large for the machine's analyses.
func CheckFuncSize(f *Func) error {
	if len(f.Code) > MaxFuncCode {
		return fmt.Errorf("function %s compiles to %d instructions, more than the limit of %d", f.Name, len(f.Code), MaxFuncCode)
	}
	if cells := int64(len(f.Code)) * int64(f.NumRegs); cells > MaxFuncCells {
		return fmt.Errorf("function %s compiles to %d instructions and %d registers, more than the limit of %d instruction-registers of the machine's analyses",
			f.Name, len(f.Code), f.NumRegs, MaxFuncCells)
	}
	return nil
}
