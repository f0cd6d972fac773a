package sim

import (
	"fmt"
	"math/bits"
	"sync/atomic"
)

// pure executes an instruction that changes only registers (the ops allowed
// in a wait's condition block) and returns the next pc.
func (m *Machine) pure(st *State, c int, cpu *CPU, fr *Frame, in *Instr, regs []uint64, pc int32) (int32, bool) {
	switch in.Op {
	case OpNop:
	case OpConst:
		regs[in.A] = trunc(uint64(in.Imm), in.Type)
	case OpMov:
		regs[in.A] = regs[in.B]
	case OpBin:
		v, ok := binop(BinOp(in.Sub), regs[in.B], regs[in.C], in.Type)
		if !ok {
			return pc, false
		}
		regs[in.A] = v
	case OpUn:
		regs[in.A] = unop(UnOp(in.Sub), regs[in.B], in.Type)
	case OpConv:
		regs[in.A] = trunc(trunc(regs[in.B], in.Type), in.Type2)
	case OpJump:
		return in.Target, true
	case OpBranch:
		if regs[in.A] != 0 {
			return in.Target, true
		}
		return in.Target2, true
	case OpFuncRef:
		regs[in.A] = uint64(in.Imm) + 1
	case OpLoadG:
		regs[in.A] = st.Globals[in.Imm]
	case OpLoadPCPU:
		t := regs[in.B]
		if t >= uint64(m.n) {
			return pc, false
		}
		regs[in.A] = st.PCPU[int(t)*m.nPCPU+int(in.Imm)]
	case OpPrim:
		if !Prims[in.Sub].ReadOnly {
			return pc, false
		}
		var args [4]uint64
		for i, r := range in.Args {
			args[i] = regs[r]
		}
		v, ok := m.readPrim(st, c, cpu, fr, in, args[:len(in.Args)])
		if !ok {
			return pc, false
		}
		if in.A >= 0 {
			regs[in.A] = v
		}
	default:
		return pc, false
	}
	return pc + 1, true
}

// readPrim evaluates a read-only prim.
func (m *Machine) readPrim(st *State, c int, cpu *CPU, fr *Frame, in *Instr, a []uint64) (uint64, bool) {
	n := uint64(m.n)
	var v uint64
	switch Prim(in.Sub) {
	case PrimSelf:
		v = uint64(c)
	case PrimNrCPUs:
		v = n
	case PrimNumOnline:
		for i := range st.CPUs {
			v += uint64(st.CPUs[i].Flags & FlagOnline)
		}
	case PrimCPUOnline:
		v = b2u(a[0] < n && st.CPUs[a[0]].Flags&FlagOnline != 0)
	case PrimNextOnline, PrimNextPossible:
		start := a[0] + 1
		if int64(a[0]) < 0 || (a[0] > 0xffffffff && int32(a[0]) == -1) {
			start = 0
		}
		v = n
		for i := start; i < n; i++ {
			if Prim(in.Sub) == PrimNextPossible || st.CPUs[i].Flags&FlagOnline != 0 {
				v = i
				break
			}
		}
	case PrimFirstOnline:
		v = n
		for i := range st.CPUs {
			if st.CPUs[i].Flags&FlagOnline != 0 {
				v = uint64(i)
				break
			}
		}
		if v != 0 && v != n && m.symGuard {
			return 0, false // depends on the numbering of secondaries
		}
	case PrimMaskTest:
		mk := m.mask(cpu, fr, in.M)
		v = b2u(a[0] < n && mk[a[0]/64]&(1<<(a[0]%64)) != 0)
	case PrimMaskWeight:
		for _, w := range m.mask(cpu, fr, in.M) {
			v += uint64(popcount(w))
		}
	case PrimIRQsMasked:
		v = b2u(cpu.Flags&FlagMasked != 0)
	case PrimInInterrupt:
		v = b2u(inIRQ(cpu))
	case PrimPreemptible:
		v = b2u(cpu.Flags&FlagMasked == 0 && cpu.Stopper == 0 && !inIRQ(cpu))
	case PrimPSCIAffinityInfo:
		switch {
		case a[0] >= n:
			v = u64(PSCIInvalidParams)
		case a[1] != 0:
			v = u64(PSCIInvalidParams)
		default:
			switch st.CPUs[a[0]].PSCI {
			case PowerOff:
				v = AffinityOff
			case PowerOnPending:
				v = AffinityOnPending
			default:
				v = AffinityOn
			}
		}
	case PrimTOSResidentOn:
		v = b2u(a[0] < n && st.CPUs[a[0]].Flags&FlagTOS != 0)
	case PrimJiffies:
		v = uint64(st.Now) * uint64(m.hz) / 1e9
	case PrimKtimeGet:
		v = uint64(st.Now)
	case PrimPseudoNMI:
		v = b2u(m.Cfg.PseudoNMI)
	default:
		return 0, false
	}
	if in.Type.Bits != 0 {
		v = trunc(v, in.Type)
	}
	return v, true
}

func popcount(w uint64) int { return bits.OnesCount64(w) }

// exec executes one instruction at the top of cpu.
func (m *Machine) exec(st *State, c int, cpu *CPU, fr *Frame, in *Instr, res *StepResult) {
	regs := m.regs(cpu, fr)
	switch in.Op {
	case OpCall, OpCallInd:
		fn := int32(in.Imm)
		if in.Op == OpCallInd {
			fn = int32(regs[in.B]) - 1
			if regs[in.B] == 0 || regs[in.B] > uint64(len(m.Prog.Funcs)) {
				m.bug(st, c, res, in.Loc, "call through a NULL or invalid function pointer")
				return
			}
			if m.symGuard && !m.knownTarget(fr.Func, fr.PC, fn) {
				m.fail(st, c, res, in.Loc, fmt.Sprintf("indirect call of %s, which the analysis of function values did not find (fnvalues.go): symmetry reduction cannot rely on it", m.Prog.Funcs[fn].Name))
				return
			}
		}
		var buf [16]uint64
		args := buf[:0]
		for _, r := range in.Args {
			args = append(args, regs[r])
		}
		m.call(st, c, fn, args, in.A, FrameCall, res)
		return
	case OpRet:
		var v uint64
		if in.A >= 0 {
			v = regs[in.A]
		}
		m.ret(st, c, v, in, res)
		return
	case OpWait:
		if !m.Cfg.AtomicWaits {
			fr.PC++
			return
		}
		w := &m.Prog.Waits[in.Imm]
		if !m.runBlock(st, c, w.CondStart, w.CondEnd, res) {
			return
		}
		if regs[w.CondReg] != 0 {
			// enabled() saw the condition false; only a stale action gets here
			m.fail(st, c, res, in.Loc, "wait executed while its condition holds")
			return
		}
		fr.PC = w.Satisfied
		return
	case OpStoreG:
		g := &m.Prog.Globals[in.Imm]
		st.Globals[in.Imm] = trunc(regs[in.A], g.Type)
	case OpStorePCPU:
		t := regs[in.B]
		if t >= uint64(m.n) {
			m.bug(st, c, res, in.Loc, fmt.Sprintf("per-CPU access for CPU %d out of range", int64(t)))
			return
		}
		st.touch(int(t))
		st.PCPU[int(t)*m.nPCPU+int(in.Imm)] = trunc(regs[in.A], m.Prog.PerCPU[in.Imm].Type)
	case OpLoadPCPU:
		if regs[in.B] >= uint64(m.n) {
			m.bug(st, c, res, in.Loc, fmt.Sprintf("per-CPU access for CPU %d out of range", int64(regs[in.B])))
			return
		}
		regs[in.A] = st.PCPU[int(regs[in.B])*m.nPCPU+int(in.Imm)]
	case OpPrim:
		m.prim(st, c, cpu, fr, in, res)
		return
	case OpAtomic:
		var v *uint64
		if len(in.Args) == 1 {
			t := regs[in.Args[0]]
			if t >= uint64(m.n) {
				m.bug(st, c, res, in.Loc, fmt.Sprintf("per-CPU access for CPU %d out of range", int64(t)))
				return
			}
			st.touch(int(t))
			v = &st.PCPU[int(t)*m.nPCPU+int(in.Imm)]
		} else {
			v = &st.Globals[in.Imm]
		}
		old := trunc(*v, in.Type)
		switch AtomicOp(in.Sub) {
		case AtomicAdd:
			*v = trunc(old+regs[in.B], in.Type)
		case AtomicXchg:
			*v = trunc(regs[in.B], in.Type)
		case AtomicCmpxchg:
			if old == trunc(regs[in.B], in.Type) {
				*v = trunc(regs[in.C], in.Type)
			}
		case AtomicOr:
			*v = trunc(old|regs[in.B], in.Type)
		}
		if in.A >= 0 {
			regs[in.A] = old
		}
	default:
		next, ok := m.pure(st, c, cpu, fr, in, regs, fr.PC)
		if !ok {
			m.bug(st, c, res, in.Loc, "division by zero")
			return
		}
		fr.PC = next
		return
	}
	fr.PC++
}

// ret returns v from the top frame of c.
func (m *Machine) ret(st *State, c int, v uint64, in *Instr, res *StepResult) {
	cpu := &st.CPUs[c]
	fr := *m.top(cpu)
	f := &m.Prog.Funcs[fr.Func]
	if m.Cfg.TraceCalls {
		res.add(Event{Kind: EvReturn, CPU: int32(c), Target: -1, Val: int64(fr.Func), Loc: in.Loc})
	}
	if f.NoReturn {
		m.bug(st, c, res, in.Loc, fmt.Sprintf("%s returned but is noreturn", f.Name))
		return
	}
	if fr.Kind == frameBoot {
		m.end(st, c, res, Returned, Event{Kind: EvReturned, CPU: int32(c), Target: -1, Val: int64(v), Loc: in.Loc})
		return
	}
	m.popFrame(cpu)
	if fr.Kind != FrameEntry && len(cpu.Frames) == 0 {
		m.fail(st, c, res, in.Loc, "return with no frame to return to")
		return
	}
	switch fr.Kind {
	case FrameCall:
		caller := m.top(cpu)
		if fr.Ret >= 0 {
			m.regs(cpu, caller)[fr.Ret] = v
		}
		caller.PC++
	case FrameEntry:
		if c == 0 && len(cpu.Frames) == 0 {
			m.end(st, c, res, Returned, Event{Kind: EvReturned, CPU: 0, Target: -1, Loc: in.Loc})
			return
		}
		cpu.Flags |= FlagDone
	case FrameIRQ:
		// the exception return restores DAIF and the priority mask; the
		// innermost handler of a CPU in an NMI is the NMI's (nmi.go)
		cpu.Flags &^= FlagDAIF | FlagInNMI
		cpu.set(FlagMasked, fr.Saved)
		if in := m.instr(cpu); in.Op == OpPrim && Prim(in.Sub) == PrimIdleWait {
			m.top(cpu).PC++ // the interrupt woke the wfi
		}
	case FrameStopper:
		m.finishStopMachine(st, c, v, res)
	}
}

func (m *Machine) finishStopMachine(st *State, c int, v uint64, res *StepResult) {
	for i := range st.CPUs {
		p := &st.CPUs[i]
		if p.Flags&(FlagSMPart|FlagSMSaved) != 0 || p.Stopper != 0 {
			st.touch(i)
		}
		if p.Stopper != 0 {
			p.Stopper = 0
			p.set(FlagMasked, p.Flags&FlagSMSaved != 0)
			if i != int(st.SM.Caller) {
				m.wakeIdle(st, i, res)
			}
		}
		p.Flags &^= FlagSMPart | FlagSMSaved
	}
	res.add(Event{Kind: EvStopMachineDone, CPU: int32(c), Target: st.SM.Caller, Val: int64(v), Loc: -1})
	caller := int(st.SM.Caller)
	st.SM = StopMachine{}
	m.completeStopMachine(st, caller, v, res)
}

func (m *Machine) completeStopMachine(st *State, caller int, v uint64, res *StepResult) {
	st.touch(caller)
	cpu := &st.CPUs[caller]
	if !running(cpu) {
		return
	}
	fr := m.top(cpu)
	in := m.instr(cpu)
	if in.Op != OpPrim || Prim(in.Sub) != PrimStopMachine || fr.Phase != 1 {
		m.fail(st, caller, res, in.Loc, "stop_machine finished but its caller is not waiting for it")
		return
	}
	if in.A >= 0 {
		if in.Type.Bits != 0 {
			v = trunc(v, in.Type)
		}
		m.regs(cpu, fr)[in.A] = v
	}
	fr.Phase = 0
	fr.PC++
	m.run(st, caller, true, res)
}

// raise makes IPI ipi pending on CPU t.
func (m *Machine) raise(st *State, c int, t uint64, ipi uint64, loc int32, res *StepResult) {
	if t >= uint64(m.n) {
		return
	}
	st.touch(int(t))
	cpu := &st.CPUs[t]
	e := Event{Kind: EvIPISent, CPU: int32(c), Target: int32(t), Val: int64(ipi), Loc: loc}
	if cpu.Lose&(1<<ipi) != 0 || cpu.PSCI != PowerOn {
		e.Kind = EvIPILost
	} else {
		cpu.Pending |= 1 << ipi
	}
	res.add(e)
}

// prim executes OpPrim in.
func (m *Machine) prim(st *State, c int, cpu *CPU, fr *Frame, in *Instr, res *StepResult) {
	regs := m.regs(cpu, fr)
	var a [4]uint64
	for i, r := range in.Args {
		a[i] = regs[r]
	}
	n := uint64(m.n)
	p := Prim(in.Sub)
	var v uint64
	setRet := func(x uint64) {
		if in.A >= 0 {
			if in.Type.Bits != 0 {
				x = trunc(x, in.Type)
			}
			regs[in.A] = x
		}
		res.Ret = x
	}
	if Prims[p].ReadOnly {
		var ok bool
		v, ok = m.readPrim(st, c, cpu, fr, in, a[:len(in.Args)])
		if !ok {
			if p == PrimFirstOnline {
				m.fail(st, c, res, in.Loc, "cpumask_first_online with the boot CPU offline depends on the numbering of secondaries: not explorable with symmetry reduction")
				return
			}
			m.fail(st, c, res, in.Loc, fmt.Sprintf("prim %s cannot be evaluated", Prims[p].Name))
			return
		}
		if p == PrimPSCIAffinityInfo {
			res.add(Event{Kind: EvAffinityInfo, CPU: int32(c), Target: int32(min(a[0], n)), Val: int64(v), Loc: in.Loc})
		}
		setRet(v)
		fr.PC++
		return
	}
	switch p {
	case PrimSetOnline:
		if a[0] < n {
			st.touch(int(a[0]))
			st.CPUs[a[0]].set(FlagOnline, a[1] != 0)
			res.add(Event{Kind: EvOnline, CPU: int32(c), Target: int32(a[0]), Val: int64(b2u(a[1] != 0)), Loc: in.Loc})
		}
	case PrimMaskCopyOnline:
		mk := m.mask(cpu, fr, in.M)
		clear(mk)
		for i := range st.CPUs {
			if st.CPUs[i].Flags&FlagOnline != 0 {
				mk[i/64] |= 1 << (i % 64)
			}
		}
	case PrimMaskClear, PrimMaskSet:
		if a[0] < n {
			mk := m.mask(cpu, fr, in.M)
			if p == PrimMaskSet {
				mk[a[0]/64] |= 1 << (a[0] % 64)
			} else {
				mk[a[0]/64] &^= 1 << (a[0] % 64)
			}
		}
	case PrimMaskZero:
		clear(m.mask(cpu, fr, in.M))
	case PrimCrossCall, PrimSendIPI:
		ipi := a[0]
		if p == PrimSendIPI {
			ipi = a[1]
		}
		if ipi >= NumIPIs {
			m.fail(st, c, res, in.Loc, fmt.Sprintf("IPI number %d out of range", int64(ipi)))
			return
		}
		if p == PrimSendIPI {
			m.raise(st, c, a[0], ipi, in.Loc, res)
		} else {
			mk := m.mask(cpu, fr, in.M)
			for i := uint64(0); i < n; i++ {
				if mk[i/64]&(1<<(i%64)) != 0 {
					m.raise(st, c, i, ipi, in.Loc, res)
				}
			}
		}
	case PrimIRQMask:
		cpu.Flags |= FlagMasked
		if m.Cfg.PseudoNMI {
			cpu.Flags |= FlagDAIF
		}
	case PrimIRQDisable:
		cpu.Flags |= FlagMasked
	case PrimIRQUnmask:
		cpu.Flags &^= FlagMasked | FlagDAIF
	case PrimMigrateIRQs:
		cpu.Flags &^= FlagRouted
	case PrimSDEIMask, PrimUdelay, PrimUsleepRange, PrimMsleep, PrimSleepJiffies, PrimCPURelax, PrimCost:
		// time only: the timed engine prices the step
	case PrimParkLoop:
		m.fail(st, c, res, in.Loc, "cpu_park_loop returned")
		return
	case PrimIdleWait:
		// woke without taking the interrupt (masked): return to the caller
	case PrimIdleTaskExit:
		// v5.10 BUGs on cpu_online(self) and on current != rq->idle. In
		// interrupt context current is the interrupted task: the idle task
		// when the CPU was idling, a workload task when it was busy.
		if cpu.Flags&FlagOnline != 0 || ContextOf(cpu) == ExecStopper || c == 0 ||
			cpu.Frames[0].Func != m.Prog.Entry.Secondary {
			m.bug(st, c, res, in.Loc, "idle_task_exit: not the idle task of an offline CPU")
			return
		}
		if m.interruptedIdleWait(cpu) {
			atomic.StoreInt32(&m.loadMattered, 1)
			if m.Cfg.Load == LoadBusy { // the interrupted task is a workload's
				m.bug(st, c, res, in.Loc, "idle_task_exit: not the idle task of an offline CPU")
				return
			}
		}
	case PrimPSCICPUOff:
		e := Event{Kind: EvCPUOff, CPU: int32(c), Target: -1, Loc: in.Loc, Ctx: ContextOf(cpu),
			Routed: cpu.Flags&FlagRouted != 0, Masked: cpu.Flags&FlagMasked != 0, Online: cpu.Flags&FlagOnline != 0}
		if cpu.Flags&FlagTOS != 0 {
			e.Val = PSCIDenied
			res.add(e)
			setRet(u64(PSCIDenied))
			break
		}
		res.add(e)
		cpu.PSCI = PowerInCPUOff
		cpu.Pending = 0
		cpu.Frames, cpu.Regs, cpu.Masks = cpu.Frames[:0], cpu.Regs[:0], cpu.Masks[:0]
		return
	case PrimPSCICPUOn:
		var r int64
		switch {
		case a[0] >= n:
			r = PSCIInvalidParams
		case st.CPUs[a[0]].PSCI == PowerOnPending:
			r = PSCIOnPending
		case st.CPUs[a[0]].PSCI != PowerOff:
			r = PSCIAlreadyOn
		case a[1] == 0 || a[1] > uint64(len(m.Prog.Funcs)) || m.Prog.Funcs[a[1]-1].Params != 0:
			r = PSCIInvalidAddress
		default:
			st.touch(int(a[0]))
			t := &st.CPUs[a[0]]
			t.PSCI = PowerOnPending
			t.OnEntry = int32(a[1] - 1)
		}
		res.add(Event{Kind: EvCPUOn, CPU: int32(c), Target: int32(min(a[0], n)), Val: r, Loc: in.Loc})
		setRet(uint64(r))
	case PrimPSCISystemReset:
		m.end(st, c, res, Reset, Event{Kind: EvReset, CPU: int32(c), Target: -1, Loc: in.Loc})
		return
	case PrimPSCISystemOff:
		m.end(st, c, res, PoweredOff, Event{Kind: EvSystemOff, CPU: int32(c), Target: -1, Loc: in.Loc})
		return
	case PrimSynchronizeRCU:
		// enabled() waited for every online CPU to be quiescent
	case PrimStopMachine:
		fn, arg, t := a[0], a[1], a[2]
		if fn == 0 || fn > uint64(len(m.Prog.Funcs)) || m.Prog.Funcs[fn-1].Params > 1 {
			m.bug(st, c, res, in.Loc, "stop_machine with an invalid function")
			return
		}
		if t >= n || st.CPUs[t].Flags&FlagOnline == 0 {
			setRet(0) // no online CPU in the mask: the function never runs
			break
		}
		st.SM = StopMachine{Active: true, Fn: int32(fn - 1), Arg: arg, Target: int32(t), Caller: int32(c)}
		for i := range st.CPUs {
			if p := &st.CPUs[i]; p.Flags&FlagOnline != 0 {
				st.touch(i)
				p.Flags |= FlagSMPart
				st.SM.Waiting++
			}
		}
		fr.Phase = 1
		if cpu.Flags&FlagSMPart != 0 {
			m.enterStopper(st, c, res)
		}
		return
	case PrimSchedHandoff:
		t := a[0]
		if t >= n {
			m.bug(st, c, res, in.Loc, fmt.Sprintf("sched hand-off to CPU %d out of range", int64(t)))
			return
		}
		if t == uint64(c) {
			break
		}
		if fr.Phase == 0 {
			st.touch(int(t))
			st.CPUs[t].Handoff = int32(c) + 1
			fr.Phase = 1
			return
		}
		fr.Phase = 0
	case PrimPrintk:
		res.add(Event{Kind: EvPrintk, CPU: int32(c), Target: -1, Val: in.Imm, Loc: in.Loc})
	case PrimWarn:
		res.add(Event{Kind: EvWarn, CPU: int32(c), Target: -1, Loc: in.Loc})
	case PrimBug:
		m.bug(st, c, res, in.Loc, "BUG()")
		return
	case PrimPanic:
		m.end(st, c, res, Panicked, Event{Kind: EvPanic, CPU: int32(c), Target: -1, Val: in.Imm, Loc: in.Loc, Msg: m.str(in.Imm)})
		return
	case PrimRelocate:
		m.end(st, c, res, Relocated, Event{Kind: EvRelocate, CPU: int32(c), Target: -1, Loc: in.Loc})
		return
	case PrimUnknownCall:
		m.end(st, c, res, Unknown, Event{Kind: EvUnknown, CPU: int32(c), Target: -1, Val: in.Imm, Loc: in.Loc, Msg: m.str(in.Imm)})
		return
	default:
		m.fail(st, c, res, in.Loc, fmt.Sprintf("prim %d (%s) is not implemented by this machine", p, Prims[p].Name))
		return
	}
	fr.PC++
}

func (m *Machine) str(i int64) string {
	if i >= 0 && int(i) < len(m.Prog.Strings) {
		return m.Prog.Strings[i]
	}
	return ""
}

// PoisedWait returns the index in Program.Waits of the wait CPU c is poised
// at, or -1 when it is not at a wait's head (or waits are not atomic). With
// Blocked(st, c) == BlockNone the wait's condition is false there: the CPU
// can leave it satisfied.
func (m *Machine) PoisedWait(st *State, c int) int {
	if !m.Cfg.AtomicWaits || st.End != Running || c < 0 || c >= len(st.CPUs) {
		return -1
	}
	cpu := &st.CPUs[c]
	if cpu.PSCI != PowerOn || !running(cpu) || len(cpu.Frames) == 0 {
		return -1
	}
	fr := m.top(cpu)
	if in := &m.Prog.Funcs[fr.Func].Code[fr.PC]; in.Op == OpWait {
		return int(in.Imm)
	}
	return -1
}
