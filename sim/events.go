package sim

import "fmt"

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
