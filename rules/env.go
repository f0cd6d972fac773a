package rules

import (
	"regexp"
	"strings"
)

var cIdentRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Env is the environment a property expression is evaluated in: one machine
// state, seen at the moment the property is checked (at a named event, after
// every step, or at the end of a run). Field names in expressions are the expr
// tags (snake_case), e.g.
//
//	all(secondaries, .power == "off")
//	cpu.irqs_migrated
//	outcome == "relocated"
//
// Env is deliberately a plain value built from the simulator's view of a
// state, so that a rule pack never depends on the simulator's internals.
type Env struct {
	// Event is the name of the event being checked: one of Events, or
	// "step" (every step) or "end" (end of run).
	Event string `expr:"event"`
	// CPU is the CPU on which the event happened (the boot CPU for "step"
	// and "end").
	CPU CPUEnv `expr:"cpu"`
	// CPUs lists every CPU by id; Secondaries is CPUs without the boot CPU.
	CPUs        []CPUEnv `expr:"cpus"`
	Secondaries []CPUEnv `expr:"secondaries"`
	Boot        CPUEnv   `expr:"boot"`
	// Online is num_online_cpus(): the weight of cpu_online_mask.
	Online int `expr:"online"`
	// Globals are the kernel globals of the program (kexec_in_progress, ...),
	// by name, as signed values.
	Globals map[string]int64 `expr:"globals"`
	// Relocated is true once the relocation stub has started.
	Relocated bool `expr:"relocated"`
	// Outcome is how the run ended; "running" before the end: relocated |
	// reset | bug | panic | unknown | returned | hang | error | running.
	Outcome string `expr:"outcome"`
	// Wait describes the polling loop being entered (event "wait").
	Wait WaitEnv `expr:"wait"`
}

// CPUEnv is one CPU in an Env.
type CPUEnv struct {
	ID   int  `expr:"id"`
	Boot bool `expr:"boot"`
	// Online: the CPU is in cpu_online_mask (the kernel's view).
	Online bool `expr:"online"`
	// Power is the firmware's view: "on", "in-cpu-off" (inside CPU_OFF,
	// AFFINITY_INFO still says ON), "off" (OFF published: the core finished
	// CPU_OFF's cache maintenance and left coherency) or "on-pending".
	Power string `expr:"power"`
	// Exec is what the CPU executes: task | irq | stopper | firmware |
	// parked | off | done.
	Exec string `expr:"exec"`
	// Context is the context of the CPU's kernel code: task | irq | stopper.
	Context string `expr:"context"`
	// Func is the innermost function the CPU executes ("" when none).
	Func string `expr:"func"`
	// IRQsMasked: interrupts are masked (DAIF) on this CPU.
	IRQsMasked bool `expr:"irqs_masked"`
	// IRQsMigrated: interrupts are no longer routed to this CPU
	// (irq_migrate_all_off_this_cpu ran).
	IRQsMigrated bool `expr:"irqs_migrated"`
	// Pending is the number of IPIs pending on the CPU.
	Pending int `expr:"pending"`
	// PerCPU are the program's per-CPU variables of this CPU, by name, as
	// signed values (percpu["crash_note_saved"]).
	PerCPU map[string]int64 `expr:"percpu"`
}

// WaitEnv is the polling loop of a "wait" event.
type WaitEnv struct {
	Name    string `expr:"name"`
	Bound   string `expr:"bound"`
	Bounded bool   `expr:"bounded"`
}

// Events are the named events a property can be checked at. Each is raised by
// the simulator on the CPU named in Env.CPU.
var Events = []EventSpec{
	{"relocate", "the relocation stub starts overwriting the old kernel's memory (machine_kexec's cpu_soft_restart)"},
	{"cpu_off", "a CPU calls PSCI CPU_OFF (checked before the firmware acts)"},
	{"call:FUNC", "a CPU enters the function FUNC, e.g. call:cpu_die"},
	{"bug", "a CPU hits BUG() or BUG_ON()"},
	{"panic", "a CPU calls panic()"},
	{"warn", "a WARN fired"},
	{"wait", "a CPU enters a polling loop"},
	{"step", "after every visible step"},
	{"end", "the run ended (relocation, reset, BUG, panic, hang or an unmodelled call)"},
}

// EventSpec documents an event name.
type EventSpec struct {
	Name string
	Doc  string
}

func knownEvent(name string) bool {
	if f, ok := strings.CutPrefix(name, "call:"); ok {
		return cIdentRE.MatchString(f)
	}
	for _, e := range Events {
		if e.Name == name {
			return true
		}
	}
	return false
}
