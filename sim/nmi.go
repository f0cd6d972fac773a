package sim

import "fmt"

// Pseudo-NMI (Config.PseudoNMI). With irqchip.gicv3_pseudo_nmi=1 the arm64
// kernel masks interrupts in local_irq_disable() through the GIC's priority
// mask (PMR) instead of PSTATE.I, and requests some IPIs as NMIs: at boot,
// ipi_setup() asks ipi_should_be_nmi(ipi) for every IPI (v6.7+: IPI_CPU_STOP_NMI,
// IPI_CPU_BACKTRACE, IPI_KGDB_ROUNDUP) and enables those as pseudo-NMIs of
// a priority the PMR does not mask. So an NMI reaches a CPU that runs with
// interrupts disabled (local_irq_disable(), spin_lock_irqsave(), a
// FaultIRQsMasked or FaultStuckMasked section), but not one that masked DAIF
// (local_daif_mask(): ipi_cpu_crash_stop() and local_cpu_stop() do so
// first). The machine keeps:
//
//   - FlagMasked: interrupts masked (PMR or DAIF), as without pseudo-NMI;
//   - FlagDAIF: DAIF masked too, so NMIs wait (set by local_daif_mask()
//     and while an NMI handler runs; only with Config.PseudoNMI, so that a
//     machine without it has exactly the states it had before);
//   - FlagInNMI: an NMI handler runs. The GIC signals nothing of lower
//     priority until it returns, so the innermost FrameIRQ is then the
//     NMI's, and its return clears the flag and restores FlagMasked.
//
// An NMI is taken ahead of any ordinary IPI pending (its priority is
// higher), nests inside an ordinary IPI's handler, and not inside another
// NMI or a CPU in its stop_machine stopper (no modelled path sends one
// there). Without Config.PseudoNMI no IPI is an NMI and
// system_uses_irq_prio_masking() is false, so v6.7+'s smp_send_stop()
// skips its NMI retry, as the kernel does.

// frameBoot is the frame of callAtBoot's call: its return ends that
// scratch run with the value. It never appears in a state a run reaches
// (nor in an encoding).
const frameBoot FrameKind = FrameStopper + 1

// NMIs returns the IPIs requested as NMIs, one bit per IPI number: what
// Entry.NMI answered for each at construction with Config.PseudoNMI; 0
// without it or without Entry.NMI.
func (m *Machine) NMIs() uint8 { return m.nmi }

// nmiIPIs asks Entry.NMI for every IPI number, as ipi_setup() does at boot,
// each on a fresh machine where only the boot CPU runs, with every
// interrupt masked. A call that does not return a value (it blocks, ends
// the run or runs past MaxInvisible) is an error naming the function.
func (m *Machine) nmiIPIs() (uint8, error) {
	e := m.Prog.Entry.NMI
	if e == 0 {
		return 0, nil
	}
	fn := e - 1
	name := m.Prog.Funcs[fn].Name
	var nmi uint8
	for ipi := 0; ipi < NumIPIs; ipi++ {
		v, err := m.callAtBoot(fn, uint64(ipi))
		if err != nil {
			return 0, fmt.Errorf("sim: NMI entry %s(%d): %v", name, ipi, err)
		}
		if v != 0 {
			nmi |= 1 << ipi
		}
	}
	return nmi, nil
}

// callAtBoot runs fn(arg) to its return on CPU 0 of a machine in its
// initial variable values, no other CPU running, and returns the result.
func (m *Machine) callAtBoot(fn int32, arg uint64) (uint64, error) {
	st := m.initialVars()
	cpu := &st.CPUs[0]
	cpu.Flags = FlagOnline | FlagRouted | FlagMasked | FlagDAIF
	m.pushFrame(cpu, fn, []uint64{arg}, -1, frameBoot)
	var res StepResult
	for steps := 0; steps <= m.maxInvisible; steps++ {
		res.reset()
		if m.Blocked(st, 0) != BlockNone {
			return 0, fmt.Errorf("blocks (%v)", m.Blocked(st, 0))
		}
		m.run(st, 0, false, &res)
		if st.End == Running {
			continue
		}
		if n := len(res.Events); st.End == Returned && n > 0 && res.Events[n-1].Kind == EvReturned {
			return uint64(res.Events[n-1].Val), nil
		}
		msg := st.End.String()
		if n := len(res.Events); n > 0 && res.Events[n-1].Msg != "" {
			msg += ": " + res.Events[n-1].Msg
		}
		return 0, fmt.Errorf("did not return (%s)", msg)
	}
	return 0, fmt.Errorf("did not return within %d steps", m.maxInvisible)
}

// takeable reports which interrupt cpu takes next: an NMI pending while
// DAIF is unmasked first, else an ordinary IPI pending while interrupts are
// unmasked (and no NMI handler runs); ok is false when neither.
func (m *Machine) takeable(cpu *CPU) (ipi int32, ok bool) {
	if !running(cpu) || cpu.Pending == 0 {
		return -1, false
	}
	if p := cpu.Pending & m.nmi; p != 0 && cpu.Stopper == 0 && cpu.Flags&(FlagDAIF|FlagInNMI) == 0 {
		return lowestBit(p), true
	}
	if p := cpu.Pending &^ m.nmi; p != 0 && cpu.Flags&(FlagHeld|FlagMasked|FlagInNMI) == 0 {
		return lowestBit(p), true
	}
	return -1, false
}

// held reports whether cpu runs the masked section of FaultIRQsMasked or
// FaultStuckMasked (and not an NMI handler on top of it).
func held(cpu *CPU) bool { return cpu.Flags&(FlagHeld|FlagInNMI) == FlagHeld }
