package sim

// Stable global reads. A load of global g by CPU c commutes with every
// other CPU's actions when none of them can write g any more: the value it
// reads is the same whenever c does it. With Config.Merge such a load is
// then CPU-local and runs inside the surrounding step (kexec_in_progress,
// written once before the other CPUs are stopped, is the typical case).
//
// "Can write g any more" is over-approximated statically: from each frame's
// PC, every instruction reachable in its function and every function those
// may call (directly, or through any function reference the program takes);
// the IRQ entry and every function reference target (stop_machine's
// functions, CPU_ON entries) for any CPU that may still run code, the
// reading CPU included, since an interrupt or a stopper could run between
// its previous visible action and the load.

type globalWrites struct {
	words int
	from  [][]uint64 // per function: len(Code)*words, globals written from pc on
	async []uint64   // IRQ entry and every function reference target
	cpuOn bool       // a reachable CPU_ON may restart a powered-off CPU
}

func (m *Machine) computeGlobalWrites() *globalWrites {
	p := m.Prog
	w := (len(p.Globals) + 63) / 64
	gw := &globalWrites{words: w, from: make([][]uint64, len(p.Funcs)), async: make([]uint64, w)}
	if w == 0 {
		return gw
	}
	reach := m.reachableFuncs()
	var refd []int32
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		for _, in := range p.Funcs[fi].Code {
			switch {
			case in.Op == OpFuncRef:
				refd = append(refd, int32(in.Imm))
			case in.Op == OpPrim && Prim(in.Sub) == PrimPSCICPUOn:
				gw.cpuOn = true
			}
		}
	}
	// whole[f]: globals f may write, with its callees; to a fixed point.
	whole := make([][]uint64, len(p.Funcs))
	for fi := range whole {
		whole[fi] = make([]uint64, w)
	}
	or := func(dst, src []uint64) bool {
		ch := false
		for k := range dst {
			if v := dst[k] | src[k]; v != dst[k] {
				dst[k], ch = v, true
			}
		}
		return ch
	}
	indirect := make([]uint64, w)
	for changed := true; changed; {
		changed = false
		for _, t := range refd {
			changed = or(indirect, whole[t]) || changed
		}
		for fi := range p.Funcs {
			if !reach[fi] {
				continue
			}
			for _, in := range p.Funcs[fi].Code {
				switch in.Op {
				case OpStoreG:
					changed = setBit(whole[fi], int(in.Imm)) || changed
				case OpAtomic:
					if len(in.Args) == 0 {
						changed = setBit(whole[fi], int(in.Imm)) || changed
					}
				case OpCall:
					changed = or(whole[fi], whole[in.Imm]) || changed
				case OpCallInd:
					changed = or(whole[fi], indirect) || changed
				}
			}
		}
	}
	or(gw.async, indirect)
	or(gw.async, whole[p.Entry.IRQ])
	// from[f][pc]: backwards over the control flow graph.
	var succ []int32
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		f := &p.Funcs[fi]
		n := int32(len(f.Code))
		from := make([]uint64, int(n)*w)
		gw.from[fi] = from
		for changed := true; changed; {
			changed = false
			for pc := n - 1; pc >= 0; pc-- {
				in := &f.Code[pc]
				cur := from[int(pc)*w : int(pc+1)*w]
				switch in.Op {
				case OpStoreG:
					changed = setBit(cur, int(in.Imm)) || changed
				case OpAtomic:
					if len(in.Args) == 0 {
						changed = setBit(cur, int(in.Imm)) || changed
					}
				case OpCall:
					changed = or(cur, whole[in.Imm]) || changed
				case OpCallInd:
					changed = or(cur, indirect) || changed
				}
				succ = instrSuccs(p, in, pc, n, succ[:0])
				for _, s := range succ {
					changed = or(cur, from[int(s)*w:int(s+1)*w]) || changed
				}
			}
		}
	}
	return gw
}

func setBit(b []uint64, i int) bool {
	if i < 0 || i/64 >= len(b) || b[i/64]&(1<<(i%64)) != 0 {
		return false
	}
	b[i/64] |= 1 << (i % 64)
	return true
}

func hasBit(b []uint64, i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// stableGlobal reports whether no CPU can write global g from st on, in a
// way that could be ordered before CPU c's load of it.
func (m *Machine) stableGlobal(st *State, c int, g int) bool {
	gw := m.gwrites
	if g < 0 || g >= len(m.Prog.Globals) {
		return false
	}
	async := hasBit(gw.async, g)
	for d := range st.CPUs {
		cpu := &st.CPUs[d]
		if cpu.PSCI != PowerOn {
			if async && (gw.cpuOn || cpu.PSCI == PowerOnPending) {
				return false
			}
			continue
		}
		if async {
			return false
		}
		if d == c || cpu.Flags&FlagDone != 0 {
			continue
		}
		for fi := range cpu.Frames {
			fr := &cpu.Frames[fi]
			from := gw.from[fr.Func]
			if from == nil || hasBit(from[int(fr.PC)*gw.words:], g) {
				return false
			}
		}
	}
	return true
}
