package sim

// Merged unmasks. local_irq_enable() is visible (a step of its own) because
// a pending interrupt may be taken right after it. When the instruction
// after it is itself visible, though, nothing of the CPU runs between the
// unmask and the next point where the explorer may interleave the other
// CPUs or let the interrupt in: the state just before the unmask is then one
// more resting point for the same behaviour, and the machine merges the
// unmask into the step before it.
//
// That is a reduction in Lipton's sense: the unmask is a left mover. Let u
// be CPU c's unmask and b any step of another CPU taken while c rests just
// before u. u changes c's interrupt mask and program counter only. No
// other CPU's step reads c's program counter, and what a View shows of it
// (the function, whether c is parked) is the same at both instructions,
// since the next one is in the same frame and is not cpu_park_loop; of c's
// mask only synchronize_rcu reads it (Machine.quiescent), which cannot
// complete while c is masked; b writes nothing u reads (an IPI it sends only sets c.Pending,
// which u leaves). So b;u and u;b lead to the same state, and every run of
// the unmerged machine has a run of the merged one that differs only in
// where c's unmasks fall among the other CPUs' steps. What c itself could do
// at the resting point is excluded by the conditions: no interrupt can come
// in before u (interrupts masked, pseudo-NMIs too: DAIF), c is in no
// masked-section fault (FlagHeld) and no stopper, so its only action there
// is u itself.
//
// What the merge loses is the sight of c masked at that point. A property
// that reads CPUs' interrupt masks (explore.Property.ReadsIRQMasks) gets a
// machine from WithUnmaskSteps, where every unmask is a step again, and so
// does one checked after every step (WithStepBoundaries with everyStep).
// A watched event earlier in the merged step is checked on the state before
// the unmask (mergedAccess, StepResult.EventState), as for merged accesses.

// mergedUnmask reports whether the unmask in, at the top frame fr of CPU c,
// is merged into the step before it.
func (m *Machine) mergedUnmask(cpu *CPU, fr *Frame) bool {
	if m.unmaskSteps || m.noAccessMerge || cpu.Stopper != 0 ||
		cpu.Flags&(FlagMasked|FlagHeld) != FlagMasked || m.nmi != 0 && cpu.Flags&FlagDAIF == 0 {
		return false
	}
	code := m.Prog.Funcs[fr.Func].Code
	if int(fr.PC)+1 >= len(code) {
		return false
	}
	// The next instruction must be visible whatever the mask: a point
	// where the step would end anyway. Prims whose visibility depends on
	// the mask or on the access are left out, and so is cpu_park_loop: a
	// CPU resting there is parked (ExecOf), one resting at the unmask is
	// not, and properties see the difference (a secondary not yet parked
	// at relocation).
	nx := &code[fr.PC+1]
	switch nx.Op {
	case OpStoreG:
		return true
	case OpWait:
		return m.Cfg.AtomicWaits
	case OpPrim:
		switch p := Prim(nx.Sub); p {
		case PrimIRQMask, PrimIRQDisable, PrimIRQUnmask, PrimCPUOnline, PrimParkLoop:
			return false
		default:
			return !localPrims[p]
		}
	}
	return false
}

// WithUnmaskSteps returns a copy of m in which every local_irq_enable is a
// step of its own (see mergedUnmask), for properties that look at interrupt
// masks. m itself is unchanged.
func (m *Machine) WithUnmaskSteps() *Machine {
	g := *m
	g.unmaskSteps = true
	g.resettle()
	return &g
}
