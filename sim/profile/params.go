package profile

// ID names a timing parameter. The set of parameters is fixed by the engine
// that prices programs; a profile file gives every one of them a range and a
// source (or an explicit assumption).
type ID int

// Dim is the physical dimension of a parameter; it decides which units a
// profile may write it in and what Set.Value returns.
type Dim uint8

const (
	DimDuration  Dim = iota // seconds
	DimFrequency            // Hz
	DimRatio                // a fraction in [0, 1]
	DimCount                // a non-negative number of things (characters, ...)
	DimLevel                // a kernel log level, 0..15
	DimBaud                 // symbols per second on a serial line
	DimBool                 // 0 or 1
	DimFactor               // a non-negative multiplier
)

func (d Dim) String() string {
	switch d {
	case DimDuration:
		return "duration"
	case DimFrequency:
		return "frequency"
	case DimRatio:
		return "ratio"
	case DimCount:
		return "count"
	case DimLevel:
		return "log level"
	case DimBaud:
		return "baud rate"
	case DimBool:
		return "boolean"
	case DimFactor:
		return "factor"
	}
	return "unknown"
}

// Spec describes a parameter: its name in profile files, its dimension and
// what it means.
type Spec struct {
	Name string
	Dim  Dim
	// Step marks durations of kernel steps that programs charge explicitly
	// with the cost prim (sim.PrimCost), naming the parameter.
	Step bool
	Doc  string
}

// The parameters. HZ comes first: durations written in jiffies are converted
// with the HZ of the same sample.
const (
	HZ ID = iota
	TimerWakeup
	VisibleStep
	UdelayFactor
	UdelayOverhead
	UsleepPosition
	RCUExpedited
	RCUGPIdle
	RCUGPBusy
	RCUGPExpedited
	StopMachineBase
	StopMachinePerCPU
	BusyNonpreemptFraction
	BusyNonpreemptResidual
	BusyIRQOffFraction
	BusyIRQOffResidual
	SchedHandoffIdle
	SchedHandoffBusy
	IPILatency
	WFIWakeup
	IRQEntry
	ConsoleBaud
	ConsoleLoglevel
	ConsoleLineOverhead
	WarnChars
	PSCICPUOff
	PSCICall
	SDEIMask
	RebootNotifiers
	DeviceShutdown
	CPUHPTeardownCallbacks
	CPUHPDyingCallbacks
	CPUHPDeadCallbacks
	MachineKexec
	Relocation
	FaultIRQsMasked
	FaultSlowCPUOff
	NumParams
)

// Specs describes every parameter, indexed by ID.
var Specs = [NumParams]Spec{
	HZ:                     {Name: "hz", Dim: DimFrequency, Doc: "scheduling-clock tick rate (CONFIG_HZ); one jiffy is 1/hz"},
	TimerWakeup:            {Name: "timer_wakeup_latency", Dim: DimDuration, Doc: "from a timer's expiry to the sleeping task running again"},
	VisibleStep:            {Name: "visible_step", Dim: DimDuration, Doc: "a shared-memory access or cheap primitive (cpumask read, global store)"},
	UdelayFactor:           {Name: "udelay_factor", Dim: DimFactor, Doc: "udelay(us) busy-waits factor x us (counter-based delay: 1)"},
	UdelayOverhead:         {Name: "udelay_overhead", Dim: DimDuration, Doc: "per-call overhead of udelay beyond the requested time (call, counter rounding)"},
	UsleepPosition:         {Name: "usleep_position", Dim: DimRatio, Doc: "where in [min, max] usleep_range wakes up: 0 at min, 1 at max"},
	RCUExpedited:           {Name: "rcu_expedited", Dim: DimBool, Doc: "synchronize_rcu is expedited (rcupdate.rcu_expedited=1)"},
	RCUGPIdle:              {Name: "rcu_gp_idle", Dim: DimDuration, Doc: "one normal RCU grace period while the other CPUs are idle"},
	RCUGPBusy:              {Name: "rcu_gp_busy", Dim: DimDuration, Doc: "one normal RCU grace period while the other CPUs run tasks, before waiting for their non-preemptible sections"},
	RCUGPExpedited:         {Name: "rcu_gp_expedited", Dim: DimDuration, Doc: "one expedited RCU grace period"},
	StopMachineBase:        {Name: "stop_machine_base", Dim: DimDuration, Doc: "stop_machine's fixed cost: waking the stoppers, the multi_cpu_stop state machine and the return"},
	StopMachinePerCPU:      {Name: "stop_machine_per_cpu", Dim: DimDuration, Doc: "stop_machine's cost per online CPU (stopper wake-up and state acknowledgements)"},
	BusyNonpreemptFraction: {Name: "busy_nonpreempt_fraction", Dim: DimRatio, Doc: "fraction of a busy CPU's time spent where it cannot be preempted"},
	BusyNonpreemptResidual: {Name: "busy_nonpreempt_residual", Dim: DimDuration, Doc: "time a busy CPU inside a non-preemptible section needs to reach a preemption point"},
	BusyIRQOffFraction:     {Name: "busy_irqoff_fraction", Dim: DimRatio, Doc: "fraction of a busy CPU's time spent with interrupts masked"},
	BusyIRQOffResidual:     {Name: "busy_irqoff_residual", Dim: DimDuration, Doc: "time a busy CPU inside an interrupts-masked section needs to unmask"},
	SchedHandoffIdle:       {Name: "sched_handoff_idle", Dim: DimDuration, Doc: "wake a kernel thread on an idle CPU, let it run, and wake the waiter back"},
	SchedHandoffBusy:       {Name: "sched_handoff_busy", Dim: DimDuration, Doc: "the same hand-off when the target CPU runs a task, before its non-preemptible residual"},
	IPILatency:             {Name: "ipi_latency", Dim: DimDuration, Doc: "from raising an SGI to the target taking the exception, target running with interrupts unmasked"},
	WFIWakeup:              {Name: "wfi_wakeup", Dim: DimDuration, Doc: "extra time for an idle target to leave its low-power state"},
	IRQEntry:               {Name: "irq_entry", Dim: DimDuration, Doc: "exception entry, interrupt acknowledge and dispatch to the IPI handler"},
	ConsoleBaud:            {Name: "console_baud", Dim: DimBaud, Doc: "serial console speed (8N1: 10 bits per character)"},
	ConsoleLoglevel:        {Name: "console_loglevel", Dim: DimLevel, Doc: "messages of a level below this are written to the console synchronously"},
	ConsoleLineOverhead:    {Name: "console_line_overhead", Dim: DimCount, Doc: "characters per console line beyond the message (timestamp prefix, CR LF)"},
	WarnChars:              {Name: "warn_chars", Dim: DimCount, Doc: "characters a WARN splat writes (header, registers, call trace), at KERN_WARNING"},
	PSCICPUOff:             {Name: "psci_cpu_off_latency", Dim: DimDuration, Doc: "from a CPU_OFF call to firmware publishing the core OFF (cache maintenance dominated)"},
	PSCICall:               {Name: "psci_call", Dim: DimDuration, Doc: "a PSCI call that returns (AFFINITY_INFO, CPU_ON): SMC round trip"},
	SDEIMask:               {Name: "sdei_mask", Dim: DimDuration, Doc: "sdei_mask_local_cpu: a firmware call"},
	RebootNotifiers:        {Name: "reboot_notifiers", Dim: DimDuration, Step: true, Doc: "kernel_restart_prepare: the reboot notifier chain"},
	DeviceShutdown:         {Name: "device_shutdown", Dim: DimDuration, Step: true, Doc: "kernel_restart_prepare: device_shutdown() of every device"},
	CPUHPTeardownCallbacks: {Name: "cpuhp_ap_teardown_callbacks", Dim: DimDuration, Step: true, Doc: "the dying CPU's hotplug teardown callbacks other than sched_cpu_deactivate's grace period"},
	CPUHPDyingCallbacks:    {Name: "cpuhp_dying_callbacks", Dim: DimDuration, Step: true, Doc: "the DYING callbacks take_cpu_down runs on the dying CPU with interrupts off"},
	CPUHPDeadCallbacks:     {Name: "cpuhp_dead_callbacks", Dim: DimDuration, Step: true, Doc: "the control CPU's DEAD callbacks for one CPU (timers, RCU, slab, page allocator)"},
	MachineKexec:           {Name: "machine_kexec", Dim: DimDuration, Step: true, Doc: "machine_kexec from entry to the relocation stub: stub copy, cache clean to PoC"},
	Relocation:             {Name: "relocation", Dim: DimDuration, Step: true, Doc: "the relocation stub copying the new image (reported after the relocation point only)"},
	FaultIRQsMasked:        {Name: "fault_irqs_masked", Dim: DimDuration, Doc: "how long a CPU keeps interrupts masked in the irqs-masked fault scenario"},
	FaultSlowCPUOff:        {Name: "fault_slow_cpu_off", Dim: DimDuration, Doc: "CPU_OFF latency of the slow CPU in the slow-cpu-off fault scenario"},
}

// Lookup returns the parameter with the given profile name.
func Lookup(name string) (ID, bool) {
	for i := range Specs {
		if Specs[i].Name == name {
			return ID(i), true
		}
	}
	return 0, false
}

func (id ID) String() string {
	if id >= 0 && id < NumParams {
		return Specs[id].Name
	}
	return "param?"
}
