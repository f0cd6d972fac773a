package sim

import "slices"

// Targets of indirect calls. Without more knowledge any function whose
// reference the program takes, of the call's arity, may be the callee of an
// OpCallInd; the symmetry check (and the compiler's CPU-id inference)
// then has to make every such function agree with the call on which
// arguments are CPU ids. Kernel ops tables mix functions of one arity that
// take a CPU id (cpu_psci_cpu_die(cpu)) with ones that do not
// (psci_0_2_cpu_off(state)), so that alone switched symmetry off for the
// programs compiled from 6.x trees.
//
// IndirectTargets follows function values instead, flow-insensitively:
// from OpFuncRef through moves, conversions, calls and returns, globals and
// per-CPU variables, to the callee register of each OpCallInd. Anything it
// does not follow makes a value unknown: a nonzero constant, arithmetic, a
// prim's result, an atomic, a variable with a nonzero initial value, and
// the parameters of entry functions and of every function whose reference
// is taken (a prim or the firmware may call it with anything). A call whose
// callee may be unknown gets no target set. The machine, when symmetry
// reduction relies on the sets (SymmetryGuarded), ends a run with an error
// should a call ever reach a function outside its set, so a mistake here
// makes a verdict inconclusive, never wrong.

// fnVal is a set of functions a value may be, or unknown (any value).
type fnVal struct {
	unknown bool
	fns     []int32 // sorted
}

func (v *fnVal) add(o *fnVal) bool {
	if v.unknown {
		return false
	}
	if o.unknown {
		v.unknown, v.fns = true, nil
		return true
	}
	ch := false
	for _, f := range o.fns {
		if i, found := slices.BinarySearch(v.fns, f); !found {
			v.fns = slices.Insert(v.fns, i, f)
			ch = true
		}
	}
	return ch
}

func (v *fnVal) addFn(f int32) bool { return v.add(&fnVal{fns: []int32{f}}) }

func (v *fnVal) setUnknown() bool {
	if v.unknown {
		return false
	}
	v.unknown, v.fns = true, nil
	return true
}

// Targets are, per function and pc, the functions the OpCallInd there may
// call, of its arity; nil where the callee may be any function whose
// reference is taken.
type Targets [][][]int32

// At is the set of the OpCallInd at pc of function fi, nil when unknown.
func (t Targets) At(fi, pc int) []int32 {
	if fi < 0 || fi >= len(t) || t[fi] == nil || pc < 0 || pc >= len(t[fi]) {
		return nil
	}
	return t[fi][pc]
}

// IndirectTargets follows the program's function values to its indirect
// calls (see above).
func IndirectTargets(p *Program) Targets {
	regs := make([][]fnVal, len(p.Funcs))
	for fi := range p.Funcs {
		regs[fi] = make([]fnVal, p.Funcs[fi].NumRegs)
	}
	globals := make([]fnVal, len(p.Globals))
	for i, g := range p.Globals {
		if g.Init != 0 {
			globals[i].unknown = true
		}
	}
	pcpu := make([]fnVal, len(p.PerCPU))
	for i, v := range p.PerCPU {
		if v.Init != 0 {
			pcpu[i].unknown = true
		}
	}
	rets := make([]fnVal, len(p.Funcs))
	var refd []int32
	for fi := range p.Funcs {
		for _, in := range p.Funcs[fi].Code {
			if in.Op == OpFuncRef && !slices.Contains(refd, int32(in.Imm)) {
				refd = append(refd, int32(in.Imm))
			}
		}
	}
	slices.Sort(refd)
	unknownParams := func(fi int32) {
		if fi < 0 || int(fi) >= len(p.Funcs) {
			return
		}
		for k := 0; k < p.Funcs[fi].Params && k < len(regs[fi]); k++ {
			regs[fi][k].setUnknown()
		}
	}
	for _, fi := range []int32{p.Entry.Boot, p.Entry.Secondary, p.Entry.IRQ} {
		unknownParams(fi)
	}
	for _, fi := range refd {
		unknownParams(fi)
	}
	reg := func(fi int, r int32) *fnVal {
		if r < 0 || int(r) >= len(regs[fi]) {
			return &fnVal{unknown: true}
		}
		return &regs[fi][r]
	}
	// callees of an indirect call: its set, or every referenced function
	callees := func(v *fnVal, arity int) []int32 {
		var out []int32
		src := v.fns
		if v.unknown {
			src = refd
		}
		for _, t := range src {
			if int(t) < len(p.Funcs) && p.Funcs[t].Params == arity {
				out = append(out, t)
			}
		}
		return out
	}
	for changed := true; changed; {
		changed = false
		for fi := range p.Funcs {
			for _, in := range p.Funcs[fi].Code {
				switch in.Op {
				case OpFuncRef:
					changed = reg(fi, in.A).addFn(int32(in.Imm)) || changed
				case OpMov, OpConv:
					changed = reg(fi, in.A).add(reg(fi, in.B)) || changed
				case OpConst:
					if in.Imm != 0 {
						changed = reg(fi, in.A).setUnknown() || changed
					}
				case OpLoadG:
					changed = reg(fi, in.A).add(&globals[in.Imm]) || changed
				case OpStoreG:
					changed = globals[in.Imm].add(reg(fi, in.A)) || changed
				case OpLoadPCPU:
					changed = reg(fi, in.A).add(&pcpu[in.Imm]) || changed
				case OpStorePCPU:
					changed = pcpu[in.Imm].add(reg(fi, in.A)) || changed
				case OpAtomic:
					if in.A >= 0 {
						changed = reg(fi, in.A).setUnknown() || changed
					}
					// the variable may now hold anything the atomic stored
					if len(in.Args) == 1 {
						changed = pcpu[in.Imm].setUnknown() || changed
					} else {
						changed = globals[in.Imm].setUnknown() || changed
					}
				case OpCall:
					g := int(in.Imm)
					for k, a := range in.Args {
						if k < len(regs[g]) {
							changed = regs[g][k].add(reg(fi, a)) || changed
						}
					}
					if in.A >= 0 {
						changed = reg(fi, in.A).add(&rets[g]) || changed
					}
				case OpCallInd:
					for _, g := range callees(reg(fi, in.B), len(in.Args)) {
						for k, a := range in.Args {
							if k < len(regs[g]) {
								changed = regs[g][k].add(reg(fi, a)) || changed
							}
						}
						if in.A >= 0 {
							changed = reg(fi, in.A).add(&rets[g]) || changed
						}
					}
				case OpRet:
					if in.A >= 0 {
						changed = rets[fi].add(reg(fi, in.A)) || changed
					}
				default:
					// arithmetic, comparisons, prims, waits: values the
					// analysis does not follow
					if in.A >= 0 {
						changed = reg(fi, in.A).setUnknown() || changed
					}
				}
			}
		}
	}
	out := make(Targets, len(p.Funcs))
	for fi := range p.Funcs {
		for pc, in := range p.Funcs[fi].Code {
			if in.Op != OpCallInd {
				continue
			}
			v := reg(fi, in.B)
			if v.unknown {
				continue
			}
			if out[fi] == nil {
				out[fi] = make([][]int32, len(p.Funcs[fi].Code))
			}
			out[fi][pc] = append([]int32{}, callees(v, len(in.Args))...)
		}
	}
	return out
}

// knownTarget reports whether the OpCallInd at pc of function fi may call fn
// by IndirectTargets (true where it found no set: the call was checked
// against every referenced function of its arity).
func (m *Machine) knownTarget(fi, pc, fn int32) bool {
	t := m.indirect.At(int(fi), int(pc))
	if t == nil {
		return true
	}
	_, found := slices.BinarySearch(t, fn)
	return found
}
