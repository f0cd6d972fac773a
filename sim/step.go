package sim

import (
	"fmt"
	"sync/atomic"
)

// localPrims are prims no other CPU can observe: with Config.Merge they run
// inside the step of the surrounding visible action.
var localPrims = func() (l [NumPrims]bool) {
	for _, p := range []Prim{PrimSelf, PrimNrCPUs, PrimMaskClear, PrimMaskSet, PrimMaskTest,
		PrimMaskWeight, PrimMaskZero, PrimIRQsMasked, PrimInInterrupt, PrimPreemptible,
		PrimMigrateIRQs, PrimSDEIMask, PrimTOSResidentOn, PrimUdelay, PrimUsleepRange,
		PrimMsleep, PrimSleepJiffies, PrimJiffies, PrimCPURelax, PrimPrintk, PrimWarn,
		PrimPSCICPUOff, PrimCost, PrimPseudoNMI, PrimKtimeGet} {
		l[p] = true
	}
	return
}()

// Local reports whether p is CPU-local: it reads or changes only the calling
// CPU's own state (PSCI CPU_OFF included: until firmware publishes OFF, no
// other CPU can tell). local_daif_mask is local only when already masked;
// local_irq_enable never is, because a pending interrupt may be taken right
// after it.
func Local(p Prim) bool { return p < NumPrims && localPrims[p] }

func (m *Machine) top(cpu *CPU) *Frame { return &cpu.Frames[len(cpu.Frames)-1] }

func (m *Machine) regs(cpu *CPU, fr *Frame) []uint64 {
	n := m.Prog.Funcs[fr.Func].NumRegs
	return cpu.Regs[fr.RegBase : int(fr.RegBase)+n : int(fr.RegBase)+n]
}

func (m *Machine) mask(cpu *CPU, fr *Frame, slot int32) []uint64 {
	b := int(fr.MaskBase) + int(slot)*m.words
	return cpu.Masks[b : b+m.words : b+m.words]
}

// pushFrame calls Funcs[fn] on cpu with args; ret is the caller's result register.
func (m *Machine) pushFrame(cpu *CPU, fn int32, args []uint64, ret int32, kind FrameKind) {
	f := &m.Prog.Funcs[fn]
	rb, mb := len(cpu.Regs), len(cpu.Masks)
	for i := 0; i < f.NumRegs; i++ {
		cpu.Regs = append(cpu.Regs, 0)
	}
	copy(cpu.Regs[rb:], args)
	for i := 0; i < f.NumMasks*m.words; i++ {
		cpu.Masks = append(cpu.Masks, 0)
	}
	cpu.Frames = append(cpu.Frames, Frame{Func: fn, Ret: ret, RegBase: int32(rb), MaskBase: int32(mb), Kind: kind})
}

func (m *Machine) popFrame(cpu *CPU) {
	fr := m.top(cpu)
	cpu.Regs = cpu.Regs[:fr.RegBase]
	cpu.Masks = cpu.Masks[:fr.MaskBase]
	cpu.Frames = cpu.Frames[:len(cpu.Frames)-1]
}

func (m *Machine) instr(cpu *CPU) *Instr {
	fr := m.top(cpu)
	return &m.Prog.Funcs[fr.Func].Code[fr.PC]
}

// running reports whether cpu executes program code at all.
func running(cpu *CPU) bool {
	return cpu.PSCI == PowerOn && cpu.Flags&FlagDone == 0 && len(cpu.Frames) > 0
}

// inIRQ reports whether cpu has an interrupt handler frame.
func inIRQ(cpu *CPU) bool {
	for i := range cpu.Frames {
		if cpu.Frames[i].Kind == FrameIRQ {
			return true
		}
	}
	return false
}

// interruptedIdleWait reports whether cpu's first interrupt frame sits on
// top of the idle_wait prim: the one point where the machine's load
// changes a transition. Under a busy load the secondary's idle_wait stands
// for the workload's tasks, so an interrupt taken there interrupted one of
// them, not the idle task.
func (m *Machine) interruptedIdleWait(cpu *CPU) bool {
	for k := 1; k < len(cpu.Frames); k++ {
		if cpu.Frames[k].Kind != FrameIRQ {
			continue
		}
		fr := &cpu.Frames[k-1]
		code := m.Prog.Funcs[fr.Func].Code
		if int(fr.PC) < len(code) {
			in := &code[fr.PC]
			return in.Op == OpPrim && Prim(in.Sub) == PrimIdleWait
		}
		return false
	}
	return false
}

// LoadMattered reports whether a step this machine ran would have gone
// differently under the other load (Config.Load): idle_task_exit() in an
// interrupt taken in idle_wait. Until it does, a run of an idle machine is
// step for step the run of a busy one, so an exploration that never sets
// it stands for both loads.
func (m *Machine) LoadMattered() bool { return atomic.LoadInt32(&m.loadMattered) != 0 }

// ContextOf is the execution context of cpu's code: ExecTask, ExecIRQ or ExecStopper.
func ContextOf(cpu *CPU) Exec {
	if cpu.Stopper != 0 {
		return ExecStopper
	}
	if inIRQ(cpu) {
		return ExecIRQ
	}
	return ExecTask
}

// ExecOf says what cpu is executing.
func (m *Machine) ExecOf(cpu *CPU) Exec {
	switch {
	case cpu.PSCI == PowerOff:
		return ExecOff
	case cpu.PSCI != PowerOn:
		return ExecFirmware
	case cpu.Flags&FlagDone != 0 || len(cpu.Frames) == 0:
		return ExecDone
	case cpu.Stopper != 0:
		return ExecStopper
	}
	if in := m.instr(cpu); in.Op == OpPrim && Prim(in.Sub) == PrimParkLoop {
		return ExecParked
	}
	if inIRQ(cpu) {
		return ExecIRQ
	}
	return ExecTask
}

func (m *Machine) atPark(cpu *CPU) bool {
	in := m.instr(cpu)
	return in.Op == OpPrim && Prim(in.Sub) == PrimParkLoop
}

// preemptionPoint: the CPU could switch to another kernel thread here.
func (m *Machine) preemptionPoint(cpu *CPU) bool {
	return running(cpu) && cpu.Flags&(FlagHeld|FlagMasked) == 0 && cpu.Stopper == 0 &&
		!inIRQ(cpu) && !m.atPark(cpu)
}

// quiescent: the CPU does not hold up an RCU grace period.
func (m *Machine) quiescent(st *State, c int) bool {
	cpu := &st.CPUs[c]
	if cpu.Flags&FlagOnline == 0 || !running(cpu) {
		return true
	}
	return m.preemptionPoint(cpu)
}

func lowestBit(b uint8) int32 {
	for i := int32(0); i < 8; i++ {
		if b&(1<<i) != 0 {
			return i
		}
	}
	return -1
}

// visible reports whether in, at the top frame fr of CPU c, is a visible
// action.
func (m *Machine) visible(st *State, c int, cpu *CPU, fr *Frame, in *Instr) bool {
	switch in.Op {
	case OpLoadG:
		return m.gwrites == nil || m.noAccessMerge || !m.stableGlobal(st, c, int(in.Imm))
	case OpStoreG:
		return true
	case OpLoadPCPU, OpStorePCPU, OpAtomic:
		return m.noAccessMerge || !m.localAccess(cpu, fr)
	case OpWait:
		return m.Cfg.AtomicWaits
	case OpPrim:
		if !m.Cfg.Merge {
			return true
		}
		p := Prim(in.Sub)
		if p == PrimIRQMask {
			// an NMI may still come in before it when only the priority
			// mask is set (nmi.go)
			return cpu.Flags&FlagMasked == 0 || m.nmi != 0 && cpu.Flags&FlagDAIF == 0
		}
		if p == PrimIRQDisable {
			return cpu.Flags&FlagMasked == 0
		}
		if p == PrimCPUOnline {
			return m.noAccessMerge || !m.localAccess(cpu, fr)
		}
		if p == PrimIRQUnmask {
			return !m.mergedUnmask(cpu, fr)
		}
		return !localPrims[p]
	}
	return false
}

// Actions appends to buf the actions cpu can take in st, in a fixed order,
// and returns it.
func (m *Machine) Actions(st *State, c int, buf []Action) []Action {
	if st.End != Running {
		return buf
	}
	cpu := &st.CPUs[c]
	a := Action{CPU: int32(c)}
	switch cpu.PSCI {
	case PowerInCPUOff, PowerOnPending:
		a.Kind = ActFirmware
		return append(buf, a)
	case PowerOff:
		return buf
	}
	if !running(cpu) {
		return buf
	}
	if cpu.Flags&FlagSpin != 0 {
		// Spinning forever (spin.go), but interrupts still come in.
		if ipi, ok := m.takeable(cpu); ok {
			a.Kind, a.Arg = ActIRQ, ipi
			buf = append(buf, a)
		}
		return buf
	}
	if held(cpu) {
		// masked: only an NMI comes in (nmi.go)
		if ipi, ok := m.takeable(cpu); ok {
			a.Kind, a.Arg = ActIRQ, ipi
			buf = append(buf, a)
		}
		if cpu.Flags&FlagStuck == 0 {
			a.Kind, a.Arg = ActRelease, 0
			buf = append(buf, a)
		}
		return buf
	}
	if cpu.Stopper == 1 {
		if st.SM.Active && st.SM.Waiting == 0 && st.SM.Target == int32(c) {
			a.Kind = ActStopperRun
			buf = append(buf, a)
		}
		return buf
	}
	if ipi, ok := m.takeable(cpu); ok {
		a.Kind, a.Arg = ActIRQ, ipi
		buf = append(buf, a)
	}
	if m.preemptionPoint(cpu) {
		if cpu.Handoff != 0 {
			a.Kind, a.Arg = ActPreempt, 0
			buf = append(buf, a)
		}
		if st.SM.Active && cpu.Flags&FlagSMPart != 0 {
			a.Kind, a.Arg = ActPreempt, 1
			buf = append(buf, a)
		}
	}
	fr := m.top(cpu)
	in := &m.Prog.Funcs[fr.Func].Code[fr.PC]
	if !m.visible(st, c, cpu, fr, in) || m.enabled(st, c, in, fr) {
		a.Kind, a.Arg = ActRun, 0
		buf = append(buf, a)
	} else if in.Op == OpWait {
		if w := &m.Prog.Waits[in.Imm]; w.Expired >= 0 {
			a.Kind, a.Arg = ActExpire, 0
			buf = append(buf, a)
		}
	}
	return buf
}

// Blocked says why cpu has no ActRun (BlockNone if it has one). Other actions
// (interrupts, preemption, expiry) may still be enabled.
func (m *Machine) Blocked(st *State, c int) Block {
	if st.End != Running {
		return BlockEnded
	}
	cpu := &st.CPUs[c]
	switch cpu.PSCI {
	case PowerOff:
		return BlockOff
	case PowerInCPUOff, PowerOnPending:
		return BlockFirmware
	}
	if !running(cpu) {
		return BlockDone
	}
	if cpu.Flags&FlagSpin != 0 {
		return BlockSpin
	}
	if held(cpu) {
		return BlockHeld
	}
	if cpu.Stopper == 1 {
		return BlockStopper
	}
	fr := m.top(cpu)
	in := &m.Prog.Funcs[fr.Func].Code[fr.PC]
	if !m.visible(st, c, cpu, fr, in) || m.enabled(st, c, in, fr) {
		return BlockNone
	}
	if in.Op == OpWait {
		return BlockWait
	}
	switch Prim(in.Sub) {
	case PrimIdleWait:
		return BlockIdle
	case PrimParkLoop:
		return BlockParked
	case PrimSynchronizeRCU:
		return BlockRCU
	case PrimStopMachine:
		if fr.Phase == 1 {
			return BlockStopper
		}
	}
	return BlockHandoff
}

// enabled reports whether the visible instruction in (at the top of c) can execute.
func (m *Machine) enabled(st *State, c int, in *Instr, fr *Frame) bool {
	cpu := &st.CPUs[c]
	switch in.Op {
	case OpWait:
		if !m.Cfg.AtomicWaits {
			return true
		}
		v, ok := m.evalCond(st, c, fr, &m.Prog.Waits[in.Imm])
		return !ok || v == 0
	case OpPrim:
	default:
		return true
	}
	switch Prim(in.Sub) {
	case PrimIdleWait:
		// wfi also wakes for an interrupt it cannot take.
		return cpu.Pending != 0 && cpu.Flags&FlagMasked != 0
	case PrimParkLoop:
		return false
	case PrimSynchronizeRCU:
		for i := range st.CPUs {
			if i != c && !m.quiescent(st, i) {
				return false
			}
		}
		return true
	case PrimStopMachine:
		return fr.Phase == 0 && !st.SM.Active
	case PrimSchedHandoff:
		t := m.regs(cpu, fr)[in.Args[0]]
		if t >= uint64(m.n) || t == uint64(c) {
			return true
		}
		if fr.Phase == 0 {
			return st.CPUs[t].Handoff == 0
		}
		return st.CPUs[t].Handoff != int32(c)+1
	}
	return true
}

// evalCond evaluates a wait's condition block without changing st. ok is
// false when the block cannot be evaluated (it would oops or fail); the CPU
// then executes it for real and meets the error.
func (m *Machine) evalCond(st *State, c int, fr *Frame, w *Wait) (v uint64, ok bool) {
	cpu := &st.CPUs[c]
	var buf [64]uint64
	regs := append(buf[:0], m.regs(cpu, fr)...)
	code := m.Prog.Funcs[fr.Func].Code
	pc := w.CondStart
	for n := 0; pc < w.CondEnd; n++ {
		if n > m.maxInvisible {
			return 0, false
		}
		in := &code[pc]
		next, ok := m.pure(st, c, cpu, fr, in, regs, pc)
		if !ok {
			return 0, false
		}
		pc = next
	}
	return regs[w.CondReg], true
}

// Step performs action a on st (which it changes) and describes it in res.
// The action must be one Actions returned for st; anything else ends the run
// with EvError.
func (m *Machine) Step(st *State, a Action, res *StepResult) {
	m.step(st, a, res)
	if m.clearDeadRegs {
		if u := st.undo; u != nil {
			for _, c := range u.list {
				m.clearDead(&st.CPUs[c])
			}
		} else if c := int(a.CPU); c >= 0 && c < m.n {
			m.clearDead(&st.CPUs[c])
		}
	}
}

func (m *Machine) step(st *State, a Action, res *StepResult) {
	res.reset()
	res.Action = a
	c := int(a.CPU)
	if st.End != Running || c < 0 || c >= m.n {
		m.fail(st, c, res, -1, fmt.Sprintf("action %v not enabled", a))
		return
	}
	st.touch(c)
	cpu := &st.CPUs[c]
	internal := !m.Cfg.Merge // internal actions stop before the first visible action unless merging
	switch a.Kind {
	case ActRun:
		if !running(cpu) || held(cpu) || cpu.Stopper == 1 {
			break
		}
		m.run(st, c, false, res)
		return
	case ActIRQ:
		if ipi, ok := m.takeable(cpu); !ok || a.Arg != ipi {
			break
		}
		cpu.Pending &^= 1 << a.Arg
		cpu.Flags &^= FlagSpin // the loop goes on after the handler, and is found again
		res.add(Event{Kind: EvIPITaken, CPU: a.CPU, Target: -1, Val: int64(a.Arg), Loc: -1})
		saved := cpu.Flags&FlagMasked != 0
		cpu.Flags |= FlagMasked
		if m.nmi&(1<<a.Arg) != 0 {
			cpu.Flags |= FlagDAIF | FlagInNMI
		}
		args := [1]uint64{uint64(a.Arg)}
		if !m.call(st, c, m.Prog.Entry.IRQ, args[:], -1, FrameIRQ, res) {
			return
		}
		m.top(cpu).Saved = saved
		m.run(st, c, internal, res)
		return
	case ActExpire:
		if !running(cpu) || held(cpu) || cpu.Stopper == 1 || !m.Cfg.AtomicWaits {
			break
		}
		fr := m.top(cpu)
		in := m.instr(cpu)
		if in.Op != OpWait {
			break
		}
		w := &m.Prog.Waits[in.Imm]
		if w.Expired < 0 {
			break
		}
		if v, ok := m.evalCond(st, c, fr, w); ok && v == 0 {
			break
		}
		res.Visible, res.Op, res.Func, res.PC, res.Loc = true, OpWait, fr.Func, fr.PC, in.Loc
		if !m.runBlock(st, c, w.CondStart, w.CondEnd, res) {
			return
		}
		res.add(Event{Kind: EvWaitExpired, CPU: a.CPU, Target: -1, Val: in.Imm, Loc: in.Loc})
		m.top(cpu).PC = w.Expired
		m.run(st, c, true, res)
		return
	case ActPreempt:
		if !m.preemptionPoint(cpu) {
			break
		}
		if a.Arg == 0 && cpu.Handoff != 0 {
			res.add(Event{Kind: EvKthreadRan, CPU: a.CPU, Target: cpu.Handoff - 1, Loc: -1})
			cpu.Handoff = 0
			m.wakeIdle(st, c, res)
			return
		}
		if a.Arg == 1 && st.SM.Active && cpu.Flags&FlagSMPart != 0 {
			m.enterStopper(st, c, res)
			return
		}
	case ActStopperRun:
		if cpu.Stopper != 1 || !st.SM.Active || st.SM.Waiting != 0 || st.SM.Target != a.CPU {
			break
		}
		cpu.Stopper = 2
		fn := &m.Prog.Funcs[st.SM.Fn]
		args := [1]uint64{st.SM.Arg}
		if !m.call(st, c, st.SM.Fn, args[:fn.Params], -1, FrameStopper, res) {
			return
		}
		m.run(st, c, internal, res)
		return
	case ActFirmware:
		switch cpu.PSCI {
		case PowerInCPUOff:
			cpu.PSCI = PowerOff
			res.add(Event{Kind: EvOffPublished, CPU: a.CPU, Target: -1, Loc: -1})
			return
		case PowerOnPending:
			cpu.PSCI = PowerOn
			cpu.Flags = cpu.Flags&(FlagOnline|FlagTOS) | FlagMasked | FlagRouted
			cpu.Frames, cpu.Regs, cpu.Masks = cpu.Frames[:0], cpu.Regs[:0], cpu.Masks[:0]
			res.add(Event{Kind: EvCPUStarted, CPU: a.CPU, Target: -1, Loc: -1})
			if !m.call(st, c, cpu.OnEntry, nil, -1, FrameEntry, res) {
				return
			}
			cpu.OnEntry = 0
			m.run(st, c, internal, res)
			return
		}
	case ActRelease:
		if !held(cpu) || cpu.Flags&FlagStuck != 0 {
			break
		}
		cpu.Flags &^= FlagHeld
		res.add(Event{Kind: EvRelease, CPU: a.CPU, Target: -1, Loc: -1})
		return
	}
	m.fail(st, c, res, -1, fmt.Sprintf("action %v not enabled", a))
}

// Settle runs cpu's invisible instructions up to its next visible action
// without executing it (Initial states are settled already).
func (m *Machine) Settle(st *State, c int, res *StepResult) { m.run(st, c, true, res) }

func (m *Machine) enterStopper(st *State, c int, res *StepResult) {
	cpu := &st.CPUs[c]
	cpu.Stopper = 1
	cpu.set(FlagSMSaved, cpu.Flags&FlagMasked != 0)
	cpu.Flags |= FlagMasked
	st.SM.Waiting--
	res.add(Event{Kind: EvStopperEntered, CPU: int32(c), Target: -1, Loc: -1})
}

// WakeIdle does to CPU c what the end of stop_machine does to each
// participant it released (and a finished hand-off to its CPU): a CPU in
// idle_wait comes back with the wfi completed and runs its invisible
// instructions up to its next visible action. res is reset and receives
// the run's events. The timed engine uses it to check, on a copy of a
// CPU's state, where a stop_machine cycle takes an idle CPU
// (sim/timed/replay.go).
func (m *Machine) WakeIdle(st *State, c int, res *StepResult) {
	res.reset()
	m.wakeIdle(st, c, res)
}

// wakeIdle: a CPU that was switched out of idle_wait to run a kernel thread
// comes back with the wfi completed, and goes on to its next visible action
// (the idle loop re-checks its conditions, e.g. cpu_is_offline).
func (m *Machine) wakeIdle(st *State, c int, res *StepResult) {
	cpu := &st.CPUs[c]
	if !running(cpu) {
		return
	}
	if in := m.instr(cpu); in.Op == OpPrim && Prim(in.Sub) == PrimIdleWait {
		m.top(cpu).PC++
		m.run(st, c, true, res)
	}
}

// Hang ends a run in which no CPU has an enabled action.
func (m *Machine) Hang(st *State, res *StepResult) {
	res.reset()
	st.End, st.EndCPU = Hung, -1
	res.End = Hung
	res.add(Event{Kind: EvHang, CPU: -1, Target: -1, Loc: -1})
}

// Deadlocked reports whether the run is not over and no CPU has an action.
func (m *Machine) Deadlocked(st *State) bool {
	if st.End != Running {
		return false
	}
	var buf [8]Action
	for c := 0; c < m.n; c++ {
		if len(m.Actions(st, c, buf[:0])) > 0 {
			return false
		}
	}
	return true
}

func (m *Machine) end(st *State, c int, res *StepResult, o Outcome, e Event) {
	st.End, st.EndCPU = o, int32(c)
	res.End = o
	res.add(e)
}

func (m *Machine) fail(st *State, c int, res *StepResult, loc int32, msg string) {
	m.end(st, c, res, Failed, Event{Kind: EvError, CPU: int32(c), Target: -1, Loc: loc, Msg: msg})
}

func (m *Machine) bug(st *State, c int, res *StepResult, loc int32, msg string) {
	m.end(st, c, res, Bugged, Event{Kind: EvBug, CPU: int32(c), Target: -1, Loc: loc, Msg: msg})
}

// call pushes a frame for fn; false when the run ended instead.
func (m *Machine) call(st *State, c int, fn int32, args []uint64, ret int32, kind FrameKind, res *StepResult) bool {
	cpu := &st.CPUs[c]
	if fn < 0 || int(fn) >= len(m.Prog.Funcs) {
		m.bug(st, c, res, -1, fmt.Sprintf("call through invalid function reference %d", fn))
		return false
	}
	f := &m.Prog.Funcs[fn]
	if len(args) != f.Params {
		m.fail(st, c, res, f.Loc, fmt.Sprintf("%s called with %d arguments, want %d", f.Name, len(args), f.Params))
		return false
	}
	if len(cpu.Frames) >= m.maxStack {
		m.fail(st, c, res, f.Loc, fmt.Sprintf("call depth exceeds %d calling %s", m.maxStack, f.Name))
		return false
	}
	m.pushFrame(cpu, fn, args, ret, kind)
	if m.Cfg.TraceCalls {
		res.add(Event{Kind: EvCall, CPU: int32(c), Target: -1, Val: int64(fn), Loc: f.Loc})
	}
	return true
}

// run executes cpu's instructions: invisible ones freely, and visible ones
// until one has executed (done) and the CPU is poised at the next. With done
// set on entry it only settles the CPU at its next visible action.
func (m *Machine) run(st *State, c int, done bool, res *StepResult) {
	cpu := &st.CPUs[c]
	var spin *spinCheck
	for n := 0; ; n++ {
		if st.End != Running || !running(cpu) || cpu.Stopper == 1 || cpu.Flags&FlagSpin != 0 {
			return
		}
		if n >= spinFrom {
			if spin == nil {
				spin = &spinCheck{}
			}
			if spin.repeats(st, c, n) {
				cpu.Flags |= FlagSpin // see spin.go
				return
			}
		}
		if n > m.maxInvisible {
			fr := m.top(cpu)
			m.fail(st, c, res, m.Prog.Funcs[fr.Func].Code[fr.PC].Loc,
				fmt.Sprintf("more than %d instructions without a visible action (a local infinite loop?)", m.maxInvisible))
			return
		}
		fr := m.top(cpu)
		f := &m.Prog.Funcs[fr.Func]
		if int(fr.PC) >= len(f.Code) {
			m.fail(st, c, res, f.Loc, fmt.Sprintf("fell off the end of %s", f.Name))
			return
		}
		in := &f.Code[fr.PC]
		vis := m.visible(st, c, cpu, fr, in)
		if !vis && mergedAccess(in) && m.watchedSince(res) { // the cheap test first
			// a watched event happened in this step, and without the merged
			// accesses the step would end here: what a property checks
			// at that event is this state.
			res.snapshot(st)
		}
		if vis {
			if done || !m.enabled(st, c, in, fr) {
				if done && m.sectionable(cpu, in) && m.runSection(st, c, res) {
					continue // section.go
				}
				return
			}
			done = true
			res.Visible, res.Op, res.Func, res.PC, res.Loc = true, in.Op, fr.Func, fr.PC, in.Loc
			if in.Op == OpPrim {
				res.Prim = Prim(in.Sub)
				res.NArgs = len(in.Args)
				rg := m.regs(cpu, fr)
				for i, r := range in.Args {
					if i < len(res.Args) {
						res.Args[i] = rg[r]
					}
				}
			}
		}
		m.exec(st, c, cpu, fr, in, res)
	}
}

// runBlock executes [start, end) of the top frame (a wait's condition block) for real.
func (m *Machine) runBlock(st *State, c int, start, end int32, res *StepResult) bool {
	cpu := &st.CPUs[c]
	fr := m.top(cpu)
	regs := m.regs(cpu, fr)
	pc := start
	for n := 0; pc < end; n++ {
		in := &m.Prog.Funcs[fr.Func].Code[pc]
		next, ok := m.pure(st, c, cpu, fr, in, regs, pc)
		if !ok || n > m.maxInvisible {
			if in.Op == OpBin {
				m.bug(st, c, res, in.Loc, "division by zero")
			} else {
				m.fail(st, c, res, in.Loc, "wait condition block cannot be evaluated")
			}
			return false
		}
		pc = next
	}
	return true
}
