package sim

// Private per-CPU accesses. A per-CPU variable whose every reachable access
// (load, store, atomic) is indexed by the accessing CPU's own id is private:
// no other CPU reads or writes that CPU's copy, so with Config.Merge the
// access is CPU-local, like the local prims, and runs inside the step of the
// surrounding visible action instead of being a step of its own. The same
// holds for cpu_online(own id) when every set_cpu_online names the calling
// CPU. When code that can interrupt the CPU (the IRQ handler, stop_machine
// functions) touches the variable too, the access is local only while the
// CPU's interrupts are masked, so that no handler can come between. (A
// property that reads such a variable through View.PerCPU sees it at step
// boundaries.)
//
// "Indexed by its own id" is proven, not assumed: the index register must be
// definitely assigned at the access and every definition of it, in every
// run, must be smp_processor_id() or a copy or widening conversion of such a
// register (parameters: every direct call passes one, and the function is
// neither an entry nor reachable through a function reference).

// Kinds of private accesses.
const (
	notPrivate    uint8 = iota
	privateAlways       // no code that can interrupt the CPU touches the variable
	privateMasked       // local while the CPU's interrupts are masked: an interrupt or stopper could touch it otherwise
)

// PrivatePerCPU reports whether instruction pc of function fn is an access
// to a private per-CPU variable (or cpu_online of the own id, where only
// each CPU changes its own online bit) that the machine may run as
// CPU-local (always, or while the CPU's interrupts are masked).
func (m *Machine) PrivatePerCPU(fn int32, pc int32) bool {
	if m.private == nil || fn < 0 || int(fn) >= len(m.private) || m.private[fn] == nil || pc < 0 || int(pc) >= len(m.private[fn]) {
		return false
	}
	return m.private[fn][pc] != notPrivate
}

// localAccess reports whether the private access in (at the top frame fr of
// cpu) runs as CPU-local now.
func (m *Machine) localAccess(cpu *CPU, fr *Frame) bool {
	if m.private == nil {
		return false
	}
	pa := m.private[fr.Func]
	if pa == nil {
		return false
	}
	switch pa[fr.PC] {
	case privateAlways:
		return true
	case privateMasked:
		// no handler can come between: with NMIs (nmi.go) only DAIF
		// masking keeps the IRQ entry out
		return cpu.Flags&FlagMasked != 0 && (m.nmi == 0 || cpu.Flags&FlagDAIF != 0)
	}
	return false
}

// privateAccesses returns, per function, which instructions are private
// per-CPU accesses (kinds above).
func (m *Machine) privateAccesses() [][]uint8 {
	p := m.Prog
	reach := m.reachableFuncs()
	defd := make([][][]uint64, len(p.Funcs)) // definitely assigned before pc
	for fi := range p.Funcs {
		if reach[fi] {
			defd[fi] = definitelyAssigned(p, &p.Funcs[fi])
		}
	}
	isDef := func(fi int, pc int, r int32) bool {
		if r < 0 {
			return false
		}
		w := (p.Funcs[fi].NumRegs + 63) / 64
		return defd[fi][pc][r/64]&(1<<(r%64)) != 0 && w > 0
	}
	// self[fi][r]: greatest fixpoint of "every definition yields the own id".
	self := make([][]bool, len(p.Funcs))
	pinned := make([]bool, len(p.Funcs)) // parameters come from places we cannot see
	pinned[p.Entry.Boot], pinned[p.Entry.Secondary], pinned[p.Entry.IRQ] = true, true, true
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		self[fi] = make([]bool, p.Funcs[fi].NumRegs)
		for r := range self[fi] {
			self[fi][r] = true
		}
		for _, in := range p.Funcs[fi].Code {
			if in.Op == OpFuncRef && in.Imm >= 0 && int(in.Imm) < len(p.Funcs) {
				pinned[in.Imm] = true
			}
		}
	}
	wide := func(t Type) bool { return t.Bits >= 16 }
	for changed := true; changed; {
		changed = false
		kill := func(fi int, r int32) {
			if r >= 0 && int(r) < len(self[fi]) && self[fi][r] {
				self[fi][r] = false
				changed = true
			}
		}
		for fi := range p.Funcs {
			if !reach[fi] {
				continue
			}
			f := &p.Funcs[fi]
			if pinned[fi] {
				for r := 0; r < f.Params && r < f.NumRegs; r++ {
					kill(fi, int32(r))
				}
			}
			for pc := range f.Code {
				in := &f.Code[pc]
				switch in.Op {
				case OpPrim:
					if Prim(in.Sub) != PrimSelf {
						kill(fi, in.A)
					}
				case OpMov:
					if !self[fi][in.B] || !isDef(fi, pc, in.B) {
						kill(fi, in.A)
					}
				case OpConv:
					if !self[fi][in.B] || !isDef(fi, pc, in.B) || !wide(in.Type) || !wide(in.Type2) {
						kill(fi, in.A)
					}
				case OpCall:
					g := int(in.Imm)
					for k, a := range in.Args {
						if k < len(self[g]) && (!self[fi][a] || !isDef(fi, pc, a)) {
							kill(g, int32(k))
						}
					}
					kill(fi, in.A)
				default:
					if d := instrDef(in); d >= 0 {
						kill(fi, d)
					}
				}
			}
		}
	}
	// Code that may run on a CPU between two of its task-context steps:
	// the interrupt handler, and stop_machine functions (any function
	// reference target).
	async := make([]bool, len(p.Funcs))
	var work []int32
	push := func(fi int32) {
		if fi >= 0 && int(fi) < len(p.Funcs) && !async[fi] {
			async[fi] = true
			work = append(work, fi)
		}
	}
	push(p.Entry.IRQ)
	for fi := range p.Funcs {
		if reach[fi] {
			for _, in := range p.Funcs[fi].Code {
				if in.Op == OpFuncRef {
					push(int32(in.Imm))
				}
			}
		}
	}
	for len(work) > 0 {
		fi := work[len(work)-1]
		work = work[:len(work)-1]
		for _, in := range p.Funcs[fi].Code {
			if in.Op == OpCall || in.Op == OpFuncRef {
				push(int32(in.Imm))
			}
		}
	}
	asyncTouch := make([]bool, len(p.PerCPU))
	asyncOnline := false
	for fi := range p.Funcs {
		if !async[fi] {
			continue
		}
		for _, in := range p.Funcs[fi].Code {
			switch {
			case in.Op == OpLoadPCPU || in.Op == OpStorePCPU || in.Op == OpAtomic && len(in.Args) == 1:
				asyncTouch[in.Imm] = true
			case in.Op == OpPrim && Prim(in.Sub) == PrimSetOnline:
				asyncOnline = true
			}
		}
	}
	kind := func(async bool) uint8 {
		if async {
			return privateMasked
		}
		return privateAlways
	}
	// The online mask: each CPU's bit is private when every set_cpu_online
	// names the calling CPU itself.
	onlinePrivate := true
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		for pc := range p.Funcs[fi].Code {
			in := &p.Funcs[fi].Code[pc]
			if in.Op == OpPrim && Prim(in.Sub) == PrimSetOnline && (len(in.Args) < 1 || !self[fi][in.Args[0]] || !isDef(fi, pc, in.Args[0])) {
				onlinePrivate = false
			}
		}
	}
	// A variable is private when every reachable access is self-indexed.
	shared := make([]bool, len(p.PerCPU))
	index := func(in *Instr) (int32, bool) {
		switch in.Op {
		case OpLoadPCPU, OpStorePCPU:
			return in.B, true
		case OpAtomic:
			if len(in.Args) == 1 {
				return in.Args[0], true
			}
		}
		return -1, false
	}
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		for pc := range p.Funcs[fi].Code {
			in := &p.Funcs[fi].Code[pc]
			if r, ok := index(in); ok && (!self[fi][r] || !isDef(fi, pc, r)) {
				shared[in.Imm] = true
			}
		}
	}
	out := make([][]uint8, len(p.Funcs))
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		for pc := range p.Funcs[fi].Code {
			in := &p.Funcs[fi].Code[pc]
			k := notPrivate
			if _, ok := index(in); ok && !shared[in.Imm] {
				k = kind(asyncTouch[in.Imm])
			}
			if in.Op == OpPrim && Prim(in.Sub) == PrimCPUOnline && onlinePrivate && len(in.Args) == 1 &&
				self[fi][in.Args[0]] && isDef(fi, pc, in.Args[0]) {
				k = kind(asyncOnline)
			}
			if k != notPrivate {
				if out[fi] == nil {
					out[fi] = make([]uint8, len(p.Funcs[fi].Code))
				}
				out[fi][pc] = k
			}
		}
	}
	return out
}

// definitelyAssigned returns, per instruction, the registers written on
// every path from the function's entry (parameters count as written).
func definitelyAssigned(p *Program, f *Func) [][]uint64 {
	w := (f.NumRegs + 63) / 64
	n := int32(len(f.Code))
	in := make([][]uint64, n)
	all := make([]uint64, w)
	for r := 0; r < f.NumRegs; r++ {
		all[r/64] |= 1 << (r % 64)
	}
	for pc := range in {
		in[pc] = append([]uint64(nil), all...) // top of the intersection lattice
	}
	if n == 0 {
		return in
	}
	entry := make([]uint64, w)
	for r := 0; r < f.Params && r < f.NumRegs; r++ {
		entry[r/64] |= 1 << (r % 64)
	}
	copy(in[0], entry)
	out := make([]uint64, w)
	var succ []int32
	for changed := true; changed; {
		changed = false
		for pc := int32(0); pc < n; pc++ {
			ins := &f.Code[pc]
			copy(out, in[pc])
			if d := instrDef(ins); d >= 0 && int(d) < f.NumRegs {
				out[d/64] |= 1 << (d % 64)
			}
			succ = instrSuccs(p, ins, pc, n, succ[:0])
			for _, s := range succ {
				for k := 0; k < w; k++ {
					if v := in[s][k] & out[k]; v != in[s][k] {
						in[s][k] = v
						changed = true
					}
				}
			}
		}
	}
	return in
}
