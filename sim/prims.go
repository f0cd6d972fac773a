package sim

// Prim is a machine primitive: a kernel service, a firmware call or a
// hardware action that programs invoke with OpPrim. Leaf kernel functions
// (set_cpu_online, udelay, psci_ops.cpu_off, ...) are bound to prims by the
// semantics package; the binding table lives there, the behaviour and the cost
// model live here.
type Prim uint8

// PrimSpec documents a prim.
type PrimSpec struct {
	Name      string // stable name used in bindings, traces and rules
	Args      int    // number of register arguments
	Mask      bool   // uses the instruction's mask slot M
	Returns   bool   // produces a value in R[A]
	ReadOnly  bool   // may appear in a Wait's condition block
	Symmetric bool   // result does not depend on the numbering of secondaries
	Doc       string
}

// The prims. Arguments are listed in order; "cpu" arguments are CPU ids.
// Append new prims at the end of the list (their number is part of compiled
// programs only in memory, never on disk).
const (
	PrimSelf             Prim = iota // smp_processor_id()
	PrimNrCPUs                       // nr_cpu_ids
	PrimNumOnline                    // num_online_cpus()
	PrimCPUOnline                    // cpu_online(cpu)
	PrimSetOnline                    // set_cpu_online(cpu, online)
	PrimNextOnline                   // cpumask_next(cpu, cpu_online_mask): next online id > cpu (cpu may be -1 as uint), or nr_cpu_ids
	PrimNextPossible                 // cpumask_next(cpu, cpu_possible_mask)
	PrimMaskCopyOnline               // mask = cpu_online_mask
	PrimMaskClear                    // cpumask_clear_cpu(cpu, &mask)
	PrimMaskSet                      // cpumask_set_cpu(cpu, &mask)
	PrimMaskTest                     // cpumask_test_cpu(cpu, &mask)
	PrimMaskWeight                   // cpumask_weight(&mask)
	PrimMaskZero                     // cpumask_clear(&mask)
	PrimCrossCall                    // smp_cross_call(&mask, ipinr): raise IPI ipinr on every CPU of mask
	PrimSendIPI                      // raise IPI ipinr on one cpu (cpu, ipinr)
	PrimIRQMask                      // local_daif_mask(): mask every interrupt on this CPU, pseudo-NMIs included
	PrimIRQUnmask                    // local_irq_enable / local_daif_restore to unmasked
	PrimIRQsMasked                   // irqs_disabled()
	PrimInInterrupt                  // in_interrupt(): running on the IRQ stack
	PrimPreemptible                  // preemptible(): task context with IRQs and preemption enabled
	PrimMigrateIRQs                  // irq_migrate_all_off_this_cpu(): interrupts no longer routed here
	PrimSDEIMask                     // sdei_mask_local_cpu(): traps to firmware (cost), masks SDEI events
	PrimParkLoop                     // cpu_park_loop(): for (;;) { wfe(); wfi(); } in kernel RAM; never returns
	PrimIdleWait                     // wfi in the idle loop, or the running task when load is busy: blocks until an IPI is pending and unmasked, or a scheduling request arrives
	PrimIdleTaskExit                 // idle_task_exit(): BUG unless in task context of an offline CPU's idle task
	PrimPSCICPUOff                   // psci cpu_off(state): on success never returns (firmware powers down, then publishes OFF); returns DENIED (-3) when the scenario says so
	PrimPSCIAffinityInfo             // psci affinity_info(cpu, level): 0 ON, 1 OFF, 2 ON_PENDING
	PrimPSCICPUOn                    // psci cpu_on(cpu, entry): 0, or ALREADY_ON (-4) while the target is not OFF
	PrimPSCISystemReset              // psci system_reset(): ends the run
	PrimTOSResidentOn                // psci_tos_resident_on(cpu): a uniprocessor Trusted OS lives on cpu (scenario)
	PrimUdelay                       // udelay(us): busy wait
	PrimUsleepRange                  // usleep_range(min_us, max_us)
	PrimMsleep                       // msleep(ms)
	PrimSleepJiffies                 // schedule_timeout_uninterruptible(jiffies)
	PrimJiffies                      // jiffies
	PrimSynchronizeRCU               // synchronize_rcu(): one grace period
	PrimStopMachine                  // stop_machine(fn, arg, cpu): every online CPU enters its stopper with IRQs off, then cpu runs fn(arg); returns fn's result
	PrimSchedHandoff                 // wake a kernel thread on cpu and wait until it has run (cpuhp thread kick); cost depends on cpu's load
	PrimPrintk                       // printk at level (arg 0) of Strings[Imm]; console cost when level passes the console log level
	PrimWarn                         // WARN / WARN_ON that fired: records a warning event and continues
	PrimBug                          // BUG(): the CPU oopses; in this path that is a failed reboot; never returns
	PrimPanic                        // panic(Strings[Imm]): never returns
	PrimRelocate                     // machine_kexec's cpu_soft_restart: the relocation stub starts overwriting memory; ends the run
	PrimCPURelax                     // cpu_relax(): a spin-loop hint, a tiny cost
	PrimUnknownCall                  // a call to Strings[Imm], a function nobody models: reaching it ends the run as "unknown" (verdicts that depend on it are inconclusive)
	PrimCost                         // a kernel step modelled only by its duration (device_shutdown, cpuhp DEAD callbacks, ...): Strings[Imm] names a timing-profile parameter; no effect on machine state
	PrimFirstOnline                  // cpumask_first(cpu_online_mask): the lowest online id, or nr_cpu_ids
	PrimPSCISystemOff                // psci system_off(): ends the run
	PrimIRQDisable                   // local_irq_disable(): mask interrupts; with pseudo-NMI only the GIC priority mask, so NMIs still come in
	PrimPseudoNMI                    // system_uses_irq_prio_masking(): pseudo-NMI was enabled at boot (Config.PseudoNMI)
	PrimKtimeGet                     // ktime_get(): the monotonic clock in nanoseconds (State.Now)
	NumPrims
)

// Prims describes every prim, indexed by Prim.
var Prims = [NumPrims]PrimSpec{
	PrimSelf:             {Name: "smp_processor_id", Returns: true, ReadOnly: true, Symmetric: true, Doc: "id of the running CPU"},
	PrimNrCPUs:           {Name: "nr_cpu_ids", Returns: true, ReadOnly: true, Symmetric: true, Doc: "number of possible CPU ids"},
	PrimNumOnline:        {Name: "num_online_cpus", Returns: true, ReadOnly: true, Symmetric: true, Doc: "number of CPUs in cpu_online_mask"},
	PrimCPUOnline:        {Name: "cpu_online", Args: 1, Returns: true, ReadOnly: true, Symmetric: true, Doc: "cpu is in cpu_online_mask"},
	PrimSetOnline:        {Name: "set_cpu_online", Args: 2, Symmetric: true, Doc: "add or remove cpu from cpu_online_mask"},
	PrimNextOnline:       {Name: "cpumask_next_online", Args: 1, Returns: true, ReadOnly: true, Doc: "next online CPU after cpu, in id order"},
	PrimNextPossible:     {Name: "cpumask_next_possible", Args: 1, Returns: true, ReadOnly: true, Doc: "next possible CPU after cpu, in id order"},
	PrimMaskCopyOnline:   {Name: "cpumask_copy_online", Mask: true, Symmetric: true, Doc: "mask = cpu_online_mask"},
	PrimMaskClear:        {Name: "cpumask_clear_cpu", Args: 1, Mask: true, Symmetric: true, Doc: "remove cpu from mask"},
	PrimMaskSet:          {Name: "cpumask_set_cpu", Args: 1, Mask: true, Symmetric: true, Doc: "add cpu to mask"},
	PrimMaskTest:         {Name: "cpumask_test_cpu", Args: 1, Mask: true, Returns: true, ReadOnly: true, Symmetric: true, Doc: "cpu is in mask"},
	PrimMaskWeight:       {Name: "cpumask_weight", Mask: true, Returns: true, ReadOnly: true, Symmetric: true, Doc: "number of CPUs in mask"},
	PrimMaskZero:         {Name: "cpumask_clear", Mask: true, Symmetric: true, Doc: "mask = empty"},
	PrimCrossCall:        {Name: "smp_cross_call", Args: 1, Mask: true, Symmetric: true, Doc: "raise IPI (arg) on every CPU of mask"},
	PrimSendIPI:          {Name: "send_ipi", Args: 2, Symmetric: true, Doc: "raise IPI (arg 1) on cpu (arg 0)"},
	PrimIRQMask:          {Name: "local_daif_mask", Symmetric: true, Doc: "mask every interrupt on this CPU (DAIF), pseudo-NMIs included"},
	PrimIRQUnmask:        {Name: "local_irq_enable", Symmetric: true, Doc: "unmask interrupts on this CPU (the priority mask and DAIF)"},
	PrimIRQsMasked:       {Name: "irqs_disabled", Returns: true, ReadOnly: true, Symmetric: true, Doc: "interrupts are masked on this CPU"},
	PrimInInterrupt:      {Name: "in_interrupt", Returns: true, ReadOnly: true, Symmetric: true, Doc: "running in interrupt context"},
	PrimPreemptible:      {Name: "preemptible", Returns: true, ReadOnly: true, Symmetric: true, Doc: "task context, interrupts and preemption enabled"},
	PrimMigrateIRQs:      {Name: "irq_migrate_all_off_this_cpu", Symmetric: true, Doc: "route this CPU's interrupts elsewhere (PSCI 5.5.2 precondition of CPU_OFF)"},
	PrimSDEIMask:         {Name: "sdei_mask_local_cpu", Symmetric: true, Doc: "mask SDEI events on this CPU (a firmware call)"},
	PrimParkLoop:         {Name: "cpu_park_loop", Symmetric: true, Doc: "park in a wfe/wfi loop in kernel RAM forever"},
	PrimIdleWait:         {Name: "idle_wait", Symmetric: true, Doc: "idle (wfi) or run the workload until an interrupt or a scheduling request"},
	PrimIdleTaskExit:     {Name: "idle_task_exit", Symmetric: true, Doc: "BUG unless running as the idle task of an offline CPU"},
	PrimPSCICPUOff:       {Name: "psci_cpu_off", Args: 1, Returns: true, Symmetric: true, Doc: "PSCI CPU_OFF: powers this CPU down; returns only on error"},
	PrimPSCIAffinityInfo: {Name: "psci_affinity_info", Args: 2, Returns: true, ReadOnly: true, Symmetric: true, Doc: "PSCI AFFINITY_INFO of cpu at level"},
	PrimPSCICPUOn:        {Name: "psci_cpu_on", Args: 2, Returns: true, Symmetric: true, Doc: "PSCI CPU_ON of cpu at entry"},
	PrimPSCISystemReset:  {Name: "psci_system_reset", Symmetric: true, Doc: "PSCI SYSTEM_RESET"},
	PrimTOSResidentOn:    {Name: "psci_tos_resident_on", Args: 1, Returns: true, ReadOnly: true, Symmetric: true, Doc: "a uniprocessor Trusted OS is resident on cpu"},
	PrimUdelay:           {Name: "udelay", Args: 1, Symmetric: true, Doc: "busy-wait us microseconds"},
	PrimUsleepRange:      {Name: "usleep_range", Args: 2, Symmetric: true, Doc: "sleep between min and max microseconds"},
	PrimMsleep:           {Name: "msleep", Args: 1, Symmetric: true, Doc: "sleep ms milliseconds"},
	PrimSleepJiffies:     {Name: "schedule_timeout", Args: 1, Symmetric: true, Doc: "sleep for jiffies"},
	PrimJiffies:          {Name: "jiffies", Returns: true, ReadOnly: true, Symmetric: true, Doc: "the jiffies counter"},
	PrimSynchronizeRCU:   {Name: "synchronize_rcu", Symmetric: true, Doc: "wait for one RCU grace period"},
	PrimStopMachine:      {Name: "stop_machine", Args: 3, Returns: true, Symmetric: true, Doc: "run fn(arg) on cpu while every online CPU spins in its stopper"},
	PrimSchedHandoff:     {Name: "sched_handoff", Args: 1, Symmetric: true, Doc: "wake a kthread on cpu and wait until it ran"},
	PrimPrintk:           {Name: "printk", Args: 1, Symmetric: true, Doc: "print Strings[Imm] at a log level"},
	PrimWarn:             {Name: "warn", Symmetric: true, Doc: "a WARN fired"},
	PrimBug:              {Name: "BUG", Symmetric: true, Doc: "kernel BUG on this CPU"},
	PrimPanic:            {Name: "panic", Symmetric: true, Doc: "kernel panic"},
	PrimRelocate:         {Name: "relocate", Symmetric: true, Doc: "kexec relocation starts: the old kernel's memory may be overwritten"},
	PrimCPURelax:         {Name: "cpu_relax", Symmetric: true, Doc: "spin-loop hint"},
	PrimUnknownCall:      {Name: "unknown_call", Doc: "call to an unmodelled function (its name is Strings[Imm]); ends the run as unknown"},
	PrimCost:             {Name: "cost", Symmetric: true, Doc: "time spent in a kernel step modelled only by its duration; Strings[Imm] names the timing-profile parameter (e.g. kernel_restart_prepare, cpuhp_dead_callbacks); changes no machine state"},
	PrimPSCISystemOff:    {Name: "psci_system_off", Symmetric: true, Doc: "PSCI SYSTEM_OFF"},
	PrimIRQDisable:       {Name: "local_irq_disable", Symmetric: true, Doc: "mask interrupts on this CPU; with pseudo-NMI (Config.PseudoNMI) through the GIC priority mask, which lets NMIs through"},
	PrimPseudoNMI:        {Name: "system_uses_irq_prio_masking", Returns: true, ReadOnly: true, Symmetric: true, Doc: "pseudo-NMI is enabled (irqchip.gicv3_pseudo_nmi=1 at boot: Config.PseudoNMI)"},
	PrimKtimeGet:         {Name: "ktime_get", Returns: true, ReadOnly: true, Symmetric: true, Doc: "the monotonic clock in nanoseconds (State.Now: the timed engine's clock; the explorer keeps it at 0, as it does jiffies)"},
	PrimFirstOnline:      {Name: "cpumask_first_online", Returns: true, ReadOnly: true, Symmetric: true, Doc: "lowest online CPU, or nr_cpu_ids; the boot CPU whenever it is online, which is what makes it symmetric (see Machine.SymmetryGuarded for the other case)"},
}

// CPUArg reports whether argument i of p is a CPU id.
func (p Prim) CPUArg(i int) bool { return p < NumPrims && i >= 0 && i < 8 && cpuArgs[p]&(1<<i) != 0 }

// ReturnsCPU reports whether p's result is a CPU id.
func (p Prim) ReturnsCPU() bool { return p < NumPrims && cpuResult[p] }

// PrimByName returns the prim with the given Name.
func PrimByName(name string) (Prim, bool) {
	for i, s := range Prims {
		if s.Name == name {
			return Prim(i), true
		}
	}
	return 0, false
}

// IPI numbers, as in arch/arm64/kernel/smp.c of v5.10.
const (
	IPIReschedule = iota
	IPICallFunc
	IPICPUStop
	IPICPUCrashStop
	IPITimer
	IPIIRQWork
	IPIWakeup
	NumIPIs
)

// PSCI return values and AFFINITY_INFO states (Arm DEN0022).
const (
	PSCISuccess         = 0
	PSCINotSupported    = -1
	PSCIInvalidParams   = -2
	PSCIDenied          = -3
	PSCIAlreadyOn       = -4
	PSCIOnPending       = -5
	PSCIInternalFailure = -6
	PSCINotPresent      = -7
	PSCIDisabled        = -8
	PSCIInvalidAddress  = -9

	AffinityOn        = 0
	AffinityOff       = 1
	AffinityOnPending = 2
)
