package sim

import (
	"fmt"
	"math/bits"
	"sync/atomic"
)

// ActionKind is the kind of step a CPU can take.
type ActionKind uint8

const (
	// ActRun executes the visible action the CPU is poised at, then the
	// invisible instructions after it, up to the next visible action.
	ActRun ActionKind = iota
	// ActIRQ takes pending IPI Arg: Entry.IRQ(Arg) runs on the IRQ stack with
	// interrupts masked; its return restores the mask.
	ActIRQ
	// ActExpire: the bound of the wait the CPU is poised at runs out
	// (AtomicWaits only); the CPU continues at Wait.Expired.
	ActExpire
	// ActPreempt: at a preemption point the CPU switches to a kernel thread
	// asked to run on it: Arg 0 the kthread of a sched hand-off, Arg 1 its
	// stop_machine stopper (which then spins with interrupts masked).
	ActPreempt
	// ActStopperRun: every participant of stop_machine is in its stopper, and
	// the target CPU starts the stop function.
	ActStopperRun
	// ActFirmware: firmware finishes on this CPU: CPU_OFF publishes OFF, or
	// CPU_ON starts the CPU at its entry.
	ActFirmware
	// ActRelease: the interrupt-masked section of FaultIRQsMasked ends.
	ActRelease
)

var actNames = [...]string{"run", "irq", "expire", "preempt", "stopper-run", "firmware", "release"}

func (k ActionKind) String() string {
	if int(k) < len(actNames) {
		return actNames[k]
	}
	return "?"
}

// Action is one step of one CPU.
type Action struct {
	CPU  int32
	Kind ActionKind
	Arg  int32
}

func (a Action) String() string {
	switch a.Kind {
	case ActIRQ, ActPreempt:
		return fmt.Sprintf("cpu%d %v %d", a.CPU, a.Kind, a.Arg)
	}
	return fmt.Sprintf("cpu%d %v", a.CPU, a.Kind)
}

// EventKind names a machine event.
type EventKind uint8

const (
	EvNone            EventKind = iota
	EvIPISent                   // CPU raised IPI Val on Target
	EvIPILost                   // IPI Val to Target was not delivered (lost-IPI fault, or Target not running)
	EvIPITaken                  // CPU took IPI Val
	EvOnline                    // CPU set Target's online bit to Val
	EvCPUOff                    // CPU called PSCI CPU_OFF; Val is what it returned (0 when it did not return); Ctx/Routed/Masked/Online are the PSCI 5.5.2 facts
	EvOffPublished              // firmware published CPU OFF
	EvAffinityInfo              // CPU asked AFFINITY_INFO of Target; Val is the answer
	EvCPUOn                     // CPU called PSCI CPU_ON of Target; Val is the answer
	EvCPUStarted                // firmware started CPU after CPU_ON
	EvStopperEntered            // CPU entered its stop_machine stopper
	EvStopMachineDone           // the stop function returned Val on CPU; every participant resumes
	EvKthreadRan                // the hand-off kthread ran on CPU for Target
	EvWaitExpired               // the bound of wait Val expired on CPU
	EvRelease                   // FaultIRQsMasked section ended on CPU
	EvPrintk                    // printk of Strings[Val]
	EvWarn                      // a WARN fired
	EvCall                      // CPU entered function Val (Config.TraceCalls)
	EvReturn                    // CPU returned from function Val (Config.TraceCalls)
	EvRelocate                  // the relocation stub started (ends the run)
	EvReset                     // PSCI SYSTEM_RESET (ends the run)
	EvBug                       // BUG or oops on CPU (ends the run); Msg says why
	EvPanic                     // panic (ends the run); Val is the string index
	EvUnknown                   // an unmodelled function Strings[Val] was reached (ends the run)
	EvReturned                  // the boot CPU's entry returned (ends the run)
	EvHang                      // no CPU can progress (ends the run)
	EvError                     // the machine cannot run an instruction (ends the run); Msg says why
	EvSystemOff                 // PSCI SYSTEM_OFF (ends the run)
	NumEventKinds
)

var evNames = [...]string{"none", "ipi-sent", "ipi-lost", "ipi-taken", "online", "cpu-off",
	"off-published", "affinity-info", "cpu-on", "cpu-started", "stopper-entered",
	"stop-machine-done", "kthread-ran", "wait-expired", "release", "printk", "warn",
	"call", "return", "relocate", "reset", "bug", "panic", "unknown", "returned", "hang", "error", "system-off"}

func (k EventKind) String() string {
	if int(k) < len(evNames) {
		return evNames[k]
	}
	return "?"
}

// EventKindByName returns the kind with the given String.
func EventKindByName(s string) (EventKind, bool) {
	for i, n := range evNames {
		if n == s {
			return EventKind(i), true
		}
	}
	return 0, false
}

// Event is something that happened during a step.
type Event struct {
	Kind   EventKind
	CPU    int32
	Target int32
	Val    int64
	Loc    int32 // index into Program.Locs of the instruction, -1 if none
	Ctx    Exec  // EvCPUOff: ExecTask, ExecIRQ or ExecStopper
	Routed bool  // EvCPUOff: interrupts were still routed to CPU
	Masked bool  // EvCPUOff: interrupts were masked on CPU
	Online bool  // EvCPUOff: CPU was still in cpu_online_mask
	Msg    string
}

// StepResult says what one Step did.
type StepResult struct {
	Action Action
	// Visible is true when the step executed a visible instruction; Op, Prim,
	// Args, Func, PC and Loc describe it (Args holds the argument values of a
	// prim, Ret its result).
	Visible bool
	Op      Op
	Prim    Prim
	NArgs   int
	Args    [4]uint64
	Ret     uint64
	Func    int32
	PC      int32
	Loc     int32
	Events  []Event // in order; reused by the next Step with the same StepResult
	End     Outcome // the run ended in this step

	// snapshots of the state taken where a step went on past a watched
	// event through merged accesses (see Machine.WithStepBoundaries)
	snaps []snapshot
	nsnap int
}

type snapshot struct {
	upTo int // the snapshot is the state for events [previous upTo, upTo)
	st   *State
}

func (r *StepResult) reset() {
	ev, snaps := r.Events[:0], r.snaps
	*r = StepResult{Events: ev, Loc: -1, Func: -1, PC: -1, snaps: snaps}
}

// EventState is the state a property checked at Events[i] should see, when
// it is not the state after the step: the machine merged accesses after that
// event that would otherwise have ended the step there (see
// Machine.WithStepBoundaries). nil means the state after the step.
func (r *StepResult) EventState(i int) *State {
	for k := 0; k < r.nsnap; k++ {
		if i < r.snaps[k].upTo {
			return r.snaps[k].st
		}
	}
	return nil
}

// snapshot records st as the state for the events so far not covered by an
// earlier snapshot.
func (r *StepResult) snapshot(st *State) {
	if r.nsnap == len(r.snaps) {
		r.snaps = append(r.snaps, snapshot{st: &State{}})
	}
	r.snaps[r.nsnap].st.CopyFrom(st)
	r.snaps[r.nsnap].upTo = len(r.Events)
	r.nsnap++
}

func (r *StepResult) add(e Event) { r.Events = append(r.Events, e) }

// Block says why a CPU has no enabled action (or BlockNone).
type Block uint8

const (
	BlockNone     Block = iota
	BlockWait           // spinning in a wait whose condition is still true
	BlockIdle           // idle_wait with nothing pending
	BlockParked         // cpu_park_loop
	BlockStopper        // spinning in its stopper, or waiting for stop_machine to finish
	BlockHandoff        // waiting for a kthread hand-off, or for a running stop_machine
	BlockRCU            // synchronize_rcu waiting for quiescent states
	BlockHeld           // FaultIRQsMasked section running (ActRelease ends it)
	BlockOff            // powered off
	BlockDone           // its entry returned
	BlockEnded          // the run is over
	BlockFirmware       // in firmware: CPU_OFF power-down or CPU_ON bring-up (ActFirmware finishes it)
	BlockSpin           // in an endless loop of invisible instructions (FlagSpin, see spin.go)
)

var blockNames = [...]string{"none", "wait", "idle", "parked", "stopper", "handoff", "rcu", "held", "off", "done", "ended", "firmware", "spin"}

func (b Block) String() string {
	if int(b) < len(blockNames) {
		return blockNames[b]
	}
	return "?"
}

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
		if !m.stuck[c] {
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
		if !held(cpu) || m.stuck[c] {
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
