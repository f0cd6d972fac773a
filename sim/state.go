package sim

// PSCIState is a CPU's power state as the firmware sees it.
type PSCIState uint8

const (
	PowerOn        PSCIState = iota // running
	PowerInCPUOff                   // in CPU_OFF: firmware doing power-down work; AFFINITY_INFO still says ON
	PowerOff                        // OFF published: AFFINITY_INFO says OFF
	PowerOnPending                  // CPU_ON accepted, not yet running
)

var psciNames = [...]string{"on", "in-cpu-off", "off", "on-pending"}

func (s PSCIState) String() string {
	if int(s) < len(psciNames) {
		return psciNames[s]
	}
	return "?"
}

// Exec is what a CPU is executing.
type Exec uint8

const (
	ExecTask     Exec = iota // old-kernel text in task context
	ExecIRQ                  // an interrupt handler on the IRQ stack
	ExecStopper              // its stop_machine stopper thread (spinning or running the function)
	ExecFirmware             // firmware: PSCI CPU_OFF power-down, or CPU_ON bring-up
	ExecParked               // cpu_park_loop in kernel RAM
	ExecOff                  // powered off
	ExecDone                 // its entry function returned; it executes nothing more
)

var execNames = [...]string{"task", "irq", "stopper", "firmware", "parked", "off", "done"}

func (e Exec) String() string {
	if int(e) < len(execNames) {
		return execNames[e]
	}
	return "?"
}

// CPU flags.
const (
	FlagOnline  uint16 = 1 << iota // in cpu_online_mask
	FlagMasked                     // DAIF: interrupts masked
	FlagRouted                     // interrupts still routed here (cleared by PrimMigrateIRQs)
	FlagHeld                       // FaultIRQsMasked section still running
	FlagTOS                        // a Trusted OS is resident: CPU_OFF is DENIED
	FlagSMPart                     // participant of the running stop_machine
	FlagSMSaved                    // FlagMasked before the stopper masked interrupts
	FlagDone                       // entry function returned
	FlagSpin                       // in an endless loop of invisible instructions (see spin.go)
	FlagDAIF                       // DAIF masked too: pseudo-NMIs wait (Config.PseudoNMI only; see nmi.go)
	FlagInNMI                      // an NMI handler runs (see nmi.go)
	FlagStuck                      // FaultStuckMasked: the FlagHeld section never ends (in the state, so renaming CPUs carries it)
)

// FrameKind says how a frame was entered, which decides what its return does.
type FrameKind uint8

const (
	FrameCall    FrameKind = iota // an ordinary call
	FrameEntry                    // the CPU's entry function (Boot, Secondary, or a CPU_ON entry)
	FrameIRQ                      // Entry.IRQ called on interrupt entry
	FrameStopper                  // stop_machine's function, run by the target CPU's stopper
)

// Frame is one activation.
type Frame struct {
	Func     int32
	PC       int32
	Ret      int32 // caller's destination register, -1 for none
	RegBase  int32 // offset of this frame's registers in CPU.Regs
	MaskBase int32 // offset of this frame's masks in CPU.Masks
	Kind     FrameKind
	Phase    uint8 // progress of a multi-step prim at PC (0: not started)
	Saved    bool  // FrameIRQ: interrupts were masked before entry
}

// CPU is one CPU's state.
type CPU struct {
	Flags   uint16
	PSCI    PSCIState
	Pending uint8 // bitset of pending IPIs (1 << IPI*)
	Lose    uint8 // bitset of IPIs that are never delivered here (FaultLostIPI)
	Stopper uint8 // 0: not in stopper; 1: spinning in its stopper; 2: running the stop function
	Handoff int32 // 1 + the CPU waiting for a kthread hand-off to run here; 0: none
	OnEntry int32 // function to start at after CPU_ON (valid while PowerOnPending)
	Frames  []Frame
	Regs    []uint64
	Masks   []uint64
}

// Has reports whether all bits of f are set.
func (c *CPU) Has(f uint16) bool { return c.Flags&f == f }

func (c *CPU) set(f uint16, on bool) {
	if on {
		c.Flags |= f
	} else {
		c.Flags &^= f
	}
}

// StopMachine is the state of a running stop_machine.
type StopMachine struct {
	Active  bool
	Waiting int32 // participants not yet in their stopper
	Fn      int32
	Target  int32
	Caller  int32
	Arg     uint64
}

// Outcome is how a run ended.
type Outcome uint8

const (
	Running    Outcome = iota
	Relocated          // PrimRelocate: the relocation stub started
	Reset              // PSCI SYSTEM_RESET
	Bugged             // BUG() or an oops (division by zero, NoReturn function returned, ...)
	Panicked           // panic()
	Unknown            // PrimUnknownCall: an unmodelled function was reached
	Returned           // the boot CPU's entry function returned
	Hung               // no CPU can progress (set by engines through Machine.Hang)
	Failed             // the machine met an instruction it cannot run (EvError)
	PoweredOff         // PSCI SYSTEM_OFF
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"running", "relocated", "reset", "bug", "panic", "unknown", "returned", "hang", "error", "power-off"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "?"
}

// State is the complete state of a machine run. It is a plain value: copy it
// with CopyFrom (which reuses the destination's buffers), compare encodings
// with Machine.Encode.
type State struct {
	Globals []uint64
	PCPU    []uint64 // PerCPU[v] of cpu c is PCPU[c*len(Program.PerCPU)+v]
	CPUs    []CPU
	SM      StopMachine
	End     Outcome
	EndCPU  int32
	Now     int64 // nanoseconds since the start; kept by the timed engine, 0 in the explorer

	undo *Undo // records what a step changes, for the explorer (see Undo)
	// section is the CPU as it was before a tentative idle section
	// (section.go), to put it back; scratch, not part of the state
	section CPU
}

// CopyFrom makes st a deep copy of src, reusing st's buffers.
func (st *State) CopyFrom(src *State) {
	st.Globals = append(st.Globals[:0], src.Globals...)
	st.PCPU = append(st.PCPU[:0], src.PCPU...)
	if cap(st.CPUs) < len(src.CPUs) {
		n := make([]CPU, len(src.CPUs))
		copy(n, st.CPUs[:cap(st.CPUs)])
		st.CPUs = n
	}
	st.CPUs = st.CPUs[:len(src.CPUs)]
	for i := range src.CPUs {
		copyCPU(&st.CPUs[i], &src.CPUs[i])
	}
	st.SM = src.SM
	st.End = src.End
	st.EndCPU = src.EndCPU
	st.Now = src.Now
}

// Clone returns a deep copy of st.
func (st *State) Clone() *State {
	n := &State{}
	n.CopyFrom(st)
	return n
}

// copyCPU makes d a deep copy of s, reusing d's buffers. It copies field by
// field and reslices in place, so that no pointer is written (and no GC write
// barrier runs) unless a buffer must grow.
func copyCPU(d, s *CPU) {
	d.Flags, d.PSCI, d.Pending, d.Lose, d.Stopper = s.Flags, s.PSCI, s.Pending, s.Lose, s.Stopper
	d.Handoff, d.OnEntry = s.Handoff, s.OnEntry
	if cap(d.Frames) < len(s.Frames) {
		d.Frames = make([]Frame, len(s.Frames), 2*len(s.Frames))
	} else {
		d.Frames = d.Frames[:len(s.Frames)]
	}
	copy(d.Frames, s.Frames)
	if cap(d.Regs) < len(s.Regs) {
		d.Regs = make([]uint64, len(s.Regs), 2*len(s.Regs))
	} else {
		d.Regs = d.Regs[:len(s.Regs)]
	}
	copy(d.Regs, s.Regs)
	if cap(d.Masks) < len(s.Masks) {
		d.Masks = make([]uint64, len(s.Masks), 2*len(s.Masks))
	} else {
		d.Masks = d.Masks[:len(s.Masks)]
	}
	copy(d.Masks, s.Masks)
}
