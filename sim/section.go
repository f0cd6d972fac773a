package sim

// Merged idle sections. do_idle() runs, on every pass of the idle loop,
//
//	local_irq_disable();
//	if (cpu_is_offline(cpu)) { ... }    // the CPU's own online bit
//	local_irq_enable();                 // merged into the step (unmask.go)
//	idle_wait();                        // wfi
//
// The point just before local_irq_disable() is a resting point of every idle
// secondary, where an interrupt may come in before the CPU masks. Under the
// idle load that point adds states and no behaviour when the CPU goes on to
// the unmask: the section in between then changes only the CPU's registers
// and program counter, so the CPU masks, finds itself online and unmasks,
// and an interrupt taken before the section or at the wait after it runs
// the same handler on the same state. Only the interrupted program counter
// differs, and only idle_task_exit() looks at it (Machine.interruptedIdleWait);
// under the idle load that changes nothing but LoadMattered, which both
// points set alike. A kernel thread or a stopper taken at either point comes
// back to the wait (Machine.wakeIdle). What a View shows of the CPU at the
// two points is the same: same function, unmasked, task context, not parked.
// And every other CPU's step commutes with the section, which reads only the
// CPU's own state and values no CPU can change any more (the reads the
// machine merges: private per-CPU variables, cpu_online of the own id,
// stable globals).
//
// So, within a step under way, a CPU that reaches such a local_irq_disable
// runs the section tentatively: instruction by instruction, only pure
// register code, calls and returns inside it, merged reads and the mask
// operations, up to a merged unmask in the same frame. If anything else
// comes first (the branch to cpuhp_report_idle_dead() of an offline CPU, a
// store, an event a property watches) the CPU is put back as it was before
// the local_irq_disable and the step ends there, as without the merge.
//
// Not under the busy load, where an interrupt at the wait interrupts the
// workload and idle_task_exit() BUGs, and one before the section does not;
// not with pseudo-NMIs, which local_irq_disable() does not hold off; not in
// an interrupt handler or a stopper, or in a masked-section fault. Off, with
// the merged unmask, for properties that read masks or are checked after
// every step, and with Config.EveryAccessVisible.

// maxSection bounds a tentative section.
const maxSection = 256

// sectionable reports whether the local_irq_disable in, which CPU c has
// reached within a step under way, starts a section the step may run.
func (m *Machine) sectionable(cpu *CPU, in *Instr) bool {
	return m.Cfg.Merge && m.Cfg.Load == LoadIdle && m.nmi == 0 && !m.unmaskSteps && !m.noAccessMerge &&
		in.Op == OpPrim && Prim(in.Sub) == PrimIRQDisable &&
		cpu.Flags&(FlagMasked|FlagHeld|FlagDAIF|FlagInNMI|FlagSpin) == 0 && cpu.Stopper == 0 && !inIRQ(cpu)
}

// runSection runs the section that starts at c's local_irq_disable and
// reports whether it reached the merged unmask and ran it; c then rests at
// the instruction after it. Otherwise c, its events and the run's end are as
// they were (a snapshot taken for earlier events stays: it is the state the
// step ends in).
func (m *Machine) runSection(st *State, c int, res *StepResult) bool {
	cpu := &st.CPUs[c]
	if m.watchedSince(res) {
		// an event earlier in the step is checked on the state where the
		// step would end without the section
		res.snapshot(st)
	}
	copyCPU(&st.section, cpu)
	depth := len(cpu.Frames)
	events := len(res.Events)
	end, endCPU, resEnd := st.End, st.EndCPU, res.End
	ok := m.section(st, c, cpu, depth, res)
	if ok {
		for i := events; i < len(res.Events); i++ {
			if m.watchedEvent(&res.Events[i]) {
				ok = false
				break
			}
		}
	}
	if ok {
		saved := &st.section
		ok = cpu.Flags == saved.Flags && cpu.Pending == saved.Pending && cpu.PSCI == saved.PSCI &&
			cpu.Stopper == saved.Stopper && cpu.Handoff == saved.Handoff && st.End == Running
	}
	if !ok {
		copyCPU(cpu, &st.section)
		res.Events = res.Events[:events]
		st.End, st.EndCPU, res.End = end, endCPU, resEnd
	}
	return ok
}

// section executes the section; see runSection.
func (m *Machine) section(st *State, c int, cpu *CPU, depth int, res *StepResult) bool {
	for n := 0; n < maxSection; n++ {
		if st.End != Running || !running(cpu) || len(cpu.Frames) < depth {
			return false
		}
		fr := m.top(cpu)
		f := &m.Prog.Funcs[fr.Func]
		if int(fr.PC) >= len(f.Code) {
			return false
		}
		in := &f.Code[fr.PC]
		switch in.Op {
		case OpConst, OpConv, OpMov, OpBin, OpUn, OpJump, OpBranch, OpFuncRef, OpCall:
		case OpRet:
			if len(cpu.Frames) == depth || fr.Kind != FrameCall {
				return false
			}
		case OpLoadG, OpLoadPCPU:
			if m.visible(st, c, cpu, fr, in) {
				return false
			}
		case OpPrim:
			switch p := Prim(in.Sub); {
			case n == 0 && p == PrimIRQDisable:
			case p == PrimIRQUnmask:
				if len(cpu.Frames) != depth || !m.mergedUnmask(cpu, fr) {
					return false
				}
				m.exec(st, c, cpu, fr, in, res)
				return true
			case p == PrimCPUOnline || p == PrimSelf || p == PrimNrCPUs || p == PrimMaskTest || p == PrimMaskWeight:
				if m.visible(st, c, cpu, fr, in) {
					return false
				}
			default:
				return false
			}
		default:
			return false
		}
		m.exec(st, c, cpu, fr, in, res)
	}
	return false
}
