package sim

// View is a read-only look at a state for property checks, at an event.
// Properties are written against it (rules compiles its expressions into
// functions of a View); the explorer and the timed engine build one per check.
type View struct {
	M  *Machine
	S  *State
	Ev *Event // the event being checked, nil at a plain step
}

// NumCPUs is the number of CPUs.
func (v View) NumCPUs() int { return v.M.n }

func (v View) cpu(c int) *CPU {
	if c < 0 || c >= len(v.S.CPUs) {
		return nil
	}
	return &v.S.CPUs[c]
}

// Online reports whether cpu is in cpu_online_mask.
func (v View) Online(c int) bool {
	p := v.cpu(c)
	return p != nil && p.Flags&FlagOnline != 0
}

// PSCI is cpu's power state as firmware sees it.
func (v View) PSCI(c int) PSCIState {
	if p := v.cpu(c); p != nil {
		return p.PSCI
	}
	return PowerOff
}

// Exec says what cpu is executing.
func (v View) Exec(c int) Exec {
	if p := v.cpu(c); p != nil {
		return v.M.ExecOf(p)
	}
	return ExecOff
}

// Context is the context of cpu's code: ExecTask, ExecIRQ or ExecStopper.
func (v View) Context(c int) Exec {
	if p := v.cpu(c); p != nil {
		return ContextOf(p)
	}
	return ExecTask
}

// IRQRouted reports whether interrupts are still routed to cpu.
func (v View) IRQRouted(c int) bool {
	p := v.cpu(c)
	return p != nil && p.Flags&FlagRouted != 0
}

// IRQsMasked reports whether cpu has interrupts masked.
func (v View) IRQsMasked(c int) bool {
	p := v.cpu(c)
	return p != nil && p.Flags&(FlagMasked|FlagHeld) != 0
}

// Pending is cpu's set of pending IPIs (bit i: IPI i).
func (v View) Pending(c int) uint8 {
	if p := v.cpu(c); p != nil {
		return p.Pending
	}
	return 0
}

// Global returns the value of the named global variable.
func (v View) Global(name string) (uint64, bool) {
	i := v.M.Prog.GlobalIndex(name)
	if i < 0 {
		return 0, false
	}
	return v.S.Globals[i], true
}

// PerCPU returns the named per-CPU variable of cpu.
func (v View) PerCPU(name string, c int) (uint64, bool) {
	if c < 0 || c >= v.M.n {
		return 0, false
	}
	for i := range v.M.Prog.PerCPU {
		if v.M.Prog.PerCPU[i].Name == name {
			return v.S.PCPU[c*v.M.nPCPU+i], true
		}
	}
	return 0, false
}

// Event is the event being checked (nil at a plain step).
func (v View) Event() *Event { return v.Ev }

// End is how the run ended (Running while it goes on).
func (v View) End() Outcome { return v.S.End }

// NumOnline counts CPUs in cpu_online_mask.
func (v View) NumOnline() int {
	n := 0
	for i := range v.S.CPUs {
		if v.S.CPUs[i].Flags&FlagOnline != 0 {
			n++
		}
	}
	return n
}

// AllSecondaries reports whether pred holds for every secondary.
func (v View) AllSecondaries(pred func(c int) bool) bool {
	for c := 1; c < v.M.n; c++ {
		if !pred(c) {
			return false
		}
	}
	return true
}
