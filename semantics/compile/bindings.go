package compile

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// printkLevels are the console log levels of the printk family.
var printkLevels = map[string]int64{
	"pr_emerg": 0, "pr_alert": 1, "pr_crit": 2, "pr_err": 3, "pr_warn": 4, "pr_warning": 4,
	"pr_notice": 5, "pr_info": 6, "pr_debug": 7, "pr_devel": 7, "pr_cont": 4,
	"pr_info_once": 6, "pr_warn_once": 4, "pr_err_once": 3, "pr_crit_once": 2,
	"printk": 4, "pr_info_ratelimited": 6, "pr_warn_ratelimited": 4, "pr_err_ratelimited": 3,
}

// aliases bind kernel spellings to prims that take the same arguments.
var aliases = map[string]sim.Prim{
	"raw_smp_processor_id":             sim.PrimSelf,
	"local_irq_disable":                sim.PrimIRQDisable,
	"local_fiq_disable":                sim.PrimIRQMask,
	"local_irq_enable":                 sim.PrimIRQUnmask,
	"raw_local_irq_disable":            sim.PrimIRQDisable,
	"raw_local_irq_enable":             sim.PrimIRQUnmask,
	"schedule_timeout_uninterruptible": sim.PrimSleepJiffies,
	"schedule_timeout_interruptible":   sim.PrimSleepJiffies,
	"schedule_timeout_idle":            sim.PrimSleepJiffies,
	"cpu_relax":                        sim.PrimCPURelax,
	"idle_task_exit":                   sim.PrimIdleTaskExit,
	"irq_migrate_all_off_this_cpu":     sim.PrimMigrateIRQs,
	"psci_tos_resident_on":             sim.PrimTOSResidentOn,
	"num_online_cpus":                  sim.PrimNumOnline,
	"cpu_online":                       sim.PrimCPUOnline,
	"set_cpu_online":                   sim.PrimSetOnline,
	"synchronize_rcu":                  sim.PrimSynchronizeRCU,
	"synchronize_rcu_expedited":        sim.PrimSynchronizeRCU,
	"cpu_park_loop":                    sim.PrimParkLoop,
	"sdei_mask_local_cpu":              sim.PrimSDEIMask,
	"local_daif_mask":                  sim.PrimIRQMask,
	"in_interrupt":                     sim.PrimInInterrupt,
	"irqs_disabled":                    sim.PrimIRQsMasked,
	"preemptible":                      sim.PrimPreemptible,
	"arm64_supports_nmi":               sim.PrimPseudoNMI,
	"system_uses_nmi":                  sim.PrimPseudoNMI,
}

// noops are calls with no effect on the machine the model runs: compiler
// and memory barriers (the machine is sequentially consistent), debug checks.
var noops = map[string]bool{
	"might_sleep": true, "barrier": true, "smp_mb": true, "smp_wmb": true, "smp_rmb": true,
	"mb": true, "wmb": true, "rmb": true, "dsb": true, "isb": true, "dmb": true,
	"smp_mb__before_atomic": true, "smp_mb__after_atomic": true, "lockdep_assert_irqs_disabled": true,
	"lockdep_assert_held": true, "lockdep_assert_cpus_held": true, "rcu_read_lock": true, "rcu_read_unlock": true,
}

// elidedCalls are kernel calls with no effect on the state the machine
// models, as the v5.10 restatements marked them ("//-" lines): topology and
// NUMA bookkeeping, IRQ-descriptor and IPI bookkeeping, locks that only
// serialise against tasks the machine does not run (the reboot task is the
// only one that hotplugs), lockup and tick bookkeeping, debug and
// instrumentation hooks. Tracepoints (trace_*) are elided too.
var elidedCalls = map[string]bool{
	"remove_cpu_topology": true, "numa_remove_cpu": true, "ipi_teardown": true, "ipi_setup": true,
	"irq_lock_sparse": true, "irq_unlock_sparse": true, "lockup_detector_cleanup": true,
	"cpu_maps_update_begin": true, "cpu_maps_update_done": true, "cpus_write_lock": true, "cpus_write_unlock": true,
	"cpus_read_lock": true, "cpus_read_unlock": true, "cpu_hotplug_disable_offlining": true,
	"mutex_lock": true, "mutex_unlock": true, "kexec_lock": true, "kexec_unlock": true,
	"instrumentation_begin": true, "instrumentation_end": true, "kexec_image_info": true,
	"kexec_list_flush": true, "kexec_segment_flush": true, "kexec_image_flush": true,
	"hotplug_cpu__broadcast_tick_pull": true, "tick_cleanup_dead_cpu": true, "tick_offline_cpu": true,
	"tick_handover_do_timer": true, "rcutree_migrate_callbacks": true, "rcu_report_dead": true,
	"stop_machine_park": true, "arch_smt_update": true, "cpuhp_lock_acquire": true, "cpuhp_lock_release": true,
	"lockdep_assert_preemption_disabled": true, "lockdep_assert_irqs_enabled": true,
	"__flush_dcache_area": true, "dcache_clean_inval_poc": true, "icache_inval_all_pou": true,
	"__flush_icache_range": true, "caches_clean_inval_user_pou": true, "cpu_install_idmap": true,
	"usermodehelper_disable": true, "sdei_handler_abort": true, "crash_save_cpu": true,
	"set_cpus_allowed_ptr": true, "tick_nohz_idle_enter": true, "tick_nohz_idle_exit": true,
	"tick_nohz_idle_stop_tick": true, "tick_nohz_idle_restart_tick": true, "nohz_run_idle_balance": true,
	"__current_set_polling": true, "__current_clr_polling": true, "arch_cpu_idle_enter": true,
	"arch_cpu_idle_exit": true, "arch_cpu_idle_prepare": true, "rcu_nocb_flush_deferred_wakeup": true,
	"flush_smp_call_function_queue": true, "schedule_idle": true, "preempt_set_need_resched": true,
	"cpuhp_online_idle": true, "kthread_park": true, "kthread_unpark": true,
	// kmsg_dump(): the kernel log dumpers (pstore, mtdoops); the machine
	// has none registered.
	"kmsg_dump": true,
	// __crash_kexec(): crash_setup_regs() copies the registers into the
	// struct pt_regs for the crash notes (registers are not modelled);
	// crash_save_vmcoreinfo() stamps the vmcoreinfo note with the crash
	// time (the machine keeps only whether each CPU's crash note was
	// written, crash_note_saved in model.h).
	"crash_setup_regs": true, "crash_save_vmcoreinfo": true,
	// cpuhp_report_idle_dead(): a debug check of the timekeeping duty's
	// handover, and RCU's report that the CPU is gone (6.1's
	// rcu_report_dead() is elided above).
	"tick_assert_timekeeping_handover": true, "rcutree_report_cpu_dead": true,
	// syscore_shutdown() (called by kernel_kexec() from v6.7): the syscore
	// shutdown callbacks of the one remaining task, interrupt controller
	// and clock bookkeeping the machine does not model (the v5.10
	// restatement of kernel_restart() leaves it out for the same reason).
	"syscore_shutdown": true,
	// pr_flush() (kernel_power_off() from v6.1's stable updates on): waits
	// until the consoles have printed every record. The machine's printk
	// prints at the call (PrimPrintk charges the console's cost there), so
	// no record is pending when it is called.
	"pr_flush": true,
	// machine_kexec(): the relocation's page tables (v5.15 on); page
	// tables are not modelled.
	"cpu_install_ttbr0": true,
	// The idle loop's tracing and context-tracking hooks (the irqsoff
	// tracer's critical timings, RCU's idle entry and exit).
	"stop_critical_timings": true, "start_critical_timings": true, "ct_cpuidle_enter": true, "ct_cpuidle_exit": true,
	"ct_idle_enter": true, "ct_idle_exit": true, "rcu_idle_enter": true, "rcu_idle_exit": true,
	// arm64 machine_kexec_mask_interrupts(): masks and EOIs every
	// interrupt line at its irqchip before the crash kernel starts. The
	// crashing CPU has had interrupts masked since machine_crash_shutdown()'s
	// first line and keeps them masked into the crash kernel, and the
	// other CPUs are stopped: no step the machine runs depends on the
	// controller's lines after it.
	"machine_kexec_mask_interrupts": true,
	// The hotplug core (kernel/cpu.c): 6.1's
	// cpu_up_down_serialize_trainwrecks() waits for the cpuset's hotplug
	// work, scheduler bookkeeping of task groups (the reboot task is the
	// only task); the hotplug thread's loop (cpuhp_thread_fun) asserts the
	// hotplug lock for lockdep (lockdep_acquire_cpus_lock is lockdep_).
	"cpuset_wait_for_hotplug": true,
	// Debug IPIs (backtrace, kgdb): no path the machine runs sends them.
	"nmi_cpu_backtrace": true, "kgdb_nmicallback": true, "irq_work_run": true,
	"generic_smp_call_function_interrupt": true, "scheduler_ipi": true, "tick_receive_broadcast": true,
}

func elided(name string) bool {
	return elidedCalls[name] || strings.HasPrefix(name, "trace_") || strings.HasPrefix(name, "lockdep_")
}

// configHelpers are predicates of the kernel's configuration and boot
// options, evaluated at compile time: a name maps to the CONFIG_ option
// (of the machine's build configuration) whose value it returns, or to ""
// for helpers that are false on the modelled machine (no protected KVM, no
// confidential-computing platform). Pseudo-NMI is the machine's boot switch
// (sim.Config.PseudoNMI): system_uses_irq_prio_masking() is a prim.
var configHelpers = map[string]string{
	"is_protected_kvm_enabled":    "",
	"cc_platform_has":             "",
	"is_kdump_kernel":             "",
	"acpi_parking_protocol_valid": "",
	// efi_enabled(EFI_RUNTIME_SERVICES): the modelled machine has no UEFI
	// runtime services; PSCI resets and powers it off.
	"efi_enabled": "",
	// is_hyp_nvhe(): the modelled kernel runs no KVM hypervisor at EL2.
	"is_hyp_nvhe": "",
	// tick_check_broadcast_expired(): every CPU of the machine keeps its
	// own architected timer in idle, so no broadcast device expires.
	"tick_check_broadcast_expired": "",
	// klp_patch_pending(): no live patch is in transition.
	"klp_patch_pending": "",
}

// machineFacts are predicates whose value is fixed on the machine the
// model runs, compiled like configuration helpers (their arguments are
// not evaluated).
var machineFacts = map[string]int64{
	// The idle task of a secondary never has work queued: tasks are part
	// of the machine's idle_wait (model.h's need_resched() says the same).
	"tif_need_resched": 0,
	// No tick is modelled; the value is only the cpuidle governor's hint
	// (cpuidle_idle_call(got_tick)).
	"tick_nohz_idle_got_tick": 0,
}

// idleCalls are the idle wait itself: cpuidle_idle_call() (the cpuidle
// governor and driver, or default_idle_call()'s wfi), which returns with
// interrupts enabled. The machine's idle_wait is that wait: wfi, or the
// CPU's workload, until an interrupt or a scheduling request; interrupts
// are enabled first, as the v5.10 restatement of do_idle() has it, so that
// an IPI raised during the wait is taken.
var idleCalls = map[string]bool{"cpuidle_idle_call": true}

// costCalls are kernel steps the machine models by their duration only: a
// call becomes PrimCost of the timing profile's parameter (as the v5.10
// restatements write cost("device_shutdown")). Their arguments are not
// evaluated: they name devices and chains.
var costCalls = map[string]string{
	"device_shutdown": "device_shutdown",
}

// notifierChains are the notifier chains on the modelled paths, by the
// chain's variable: a call of a *_notifier_call_chain() on one runs the
// handlers other subsystems registered, which the machine models by their
// duration (the profile parameter), or by nothing ("") for a chain no
// handler of the machine is on. A chain not listed is an unknown callee.
var notifierChains = map[string]string{
	// kernel_restart_prepare(): SYS_RESTART to the reboot notifiers.
	"reboot_notifier_list": "reboot_notifiers",
	// do_kernel_restart_prepare() (v6.2 on): no restart-prepare handler is
	// registered on the machine.
	"restart_prep_handler_list": "",
	// do_kernel_power_off_prepare() (v5.19 on): the power-off prepare
	// handlers; PSCI registers none, and no legacy pm_power_off_prepare
	// is set on the machine.
	"power_off_prep_handler_list": "",
}

var notifierCalls = map[string]bool{
	"blocking_notifier_call_chain": true, "atomic_notifier_call_chain": true, "raw_notifier_call_chain": true,
}

// firmwareCalls are kernel functions whose whole effect on the machine is
// one firmware call, bound to that prim with no arguments.
//
// do_kernel_power_off() (v5.19 on) runs the power-off handler chain: the
// sys-off handlers and the legacy pm_power_off. On the modelled machine the
// only one is PSCI's (psci_sys_poweroff(): SYSTEM_OFF), which does not
// return.
var firmwareCalls = map[string]sim.Prim{
	"do_kernel_power_off": sim.PrimPSCISystemOff,
}

// configCond is the value of a condition that is a configuration helper's
// call (configHelpers), possibly negated, when the sources do not define
// the helper.
func (g *fn) configCond(e cfront.Expr) (bool, bool) {
	switch e := e.(type) {
	case *cfront.UnaryExpr:
		if e.Op == "!" {
			v, ok := g.configCond(e.X)
			return !v, ok
		}
	case *cfront.CallExpr:
		id, ok := e.Fun.(*cfront.Ident)
		if !ok || g.defined(id.Name) || g.lookup(id.Name) != nil {
			return false, false
		}
		if (id.Name == "likely" || id.Name == "unlikely") && len(e.Args) == 1 {
			return g.configCond(e.Args[0])
		}
		opt, ok := configHelpers[id.Name]
		if !ok {
			return false, false
		}
		return opt != "" && g.c.cfg.Kconfig[opt], true
	}
	return false, false
}

// asyncCalls are the functions the paths run on another CPU with
// smp_call_function_single(cpu, fn, info, 0), each with its effect on the
// machine: the call is an IPI_CALL_FUNC IPI to cpu, and fn's effect is
// had where the machine models it.
//
// cpuhp_complete_idle_dead(st) (cpuhp_report_idle_dead()) completes
// st->done_down for the boot CPU's wait_for_ap_thread(). When the sources
// define it (a tree's kernel/cpu.c), it is called right after the IPI is
// sent, by the sender: the completion is then seen up to the IPI's
// latency earlier than the kernel's handler would make it. model.h's
// wait_for_ap_thread(), which stands in while the tree's hotplug core is
// bound, polls st->state instead, which the caller set to
// CPUHP_AP_IDLE_DEAD before the call.
var asyncCalls = map[string]bool{"cpuhp_complete_idle_dead": true}

// callFunctionSingle compiles smp_call_function_single(cpu, fn, info, 0)
// for a function of asyncCalls.
func (g *fn) callFunctionSingle(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	if len(args) != 4 {
		g.diag("syntax", name, pos, "%s takes 4 arguments, called with %d", name, len(args))
		return g.constReg(0, tInt)
	}
	fnID, ok := args[1].(*cfront.Ident)
	if !ok || !asyncCalls[fnID.Name] {
		return g.unknownCall(name, pos, true)
	}
	if w, _, ok := g.c.constValue(g.u, args[3], g.name); !ok || w != 0 {
		g.diag("unsupported", name, pos, "%s waiting for %s (only wait = 0)", name, fnID.Name)
		return g.constReg(0, tInt)
	}
	ipi, t, ok := g.c.lookupConst("IPI_CALL_FUNC")
	if !ok {
		g.diag("unknown-identifier", "IPI_CALL_FUNC", pos, "%s needs IPI_CALL_FUNC, which the sources do not declare", name)
		return g.constReg(0, tInt)
	}
	cpu := g.value(args[0])
	k := g.constReg(ipi, t)
	g.prim(sim.PrimSendIPI, []int32{cpu.r, k.r}, -1, 0)
	if i, ok := g.c.funcIdx[fnID.Name]; ok {
		// The function's effect, had by the sender at the send: the
		// machine's call-function IPI carries no function.
		g.direct(i, args[2:3], pos)
	}
	return g.constReg(0, tInt)
}

// lockFree are trylocks that always succeed on the machine, with the value
// they return: they serialise against tasks the machine does not run.
// kexec_trylock() (kernel/kexec_internal.h, v5.16 on: an atomic taken by
// kexec_load() and kernel_kexec()) is free, since no kexec_load() runs while
// the reboot task does; its kexec_unlock() is elided.
var lockFree = map[string]int64{
	"kexec_trylock": 1,
}

// Binds reports whether the compiler binds a call of name to something of
// its own (a prim, a kernel spelling, an elided call or a configuration
// helper), so that a kernel tree's definition of it is not needed.
func Binds(name string) bool {
	if _, ok := printkLevels[name]; ok {
		return true
	}
	if _, ok := aliases[name]; ok {
		return true
	}
	if _, ok := configHelpers[name]; ok {
		return true
	}
	if _, ok := lockFree[name]; ok {
		return true
	}
	if _, ok := costCalls[name]; ok {
		return true
	}
	if _, ok := machineFacts[name]; ok {
		return true
	}
	if idleCalls[name] || machineStateCalls[name] {
		return true
	}
	if _, ok := firmwareCalls[name]; ok {
		return true
	}
	if noops[name] || elided(name) {
		return true
	}
	for _, p := range sim.Prims {
		if p.Name == name {
			return true
		}
	}
	return false
}

// setBit compiles set_bit(nr, &v) and test_and_set_bit(nr, &v) on a global
// or per-CPU variable as one atomic OR; test_and_set_bit gives the bit's old
// value.
func (g *fn) setBit(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	if len(args) != 2 {
		g.diag("syntax", name, pos, "%s takes 2 arguments, called with %d", name, len(args))
		return g.constReg(0, tInt)
	}
	lv, ok := g.sharedPlace(name, args[1], pos)
	if !ok {
		return g.constReg(0, tInt)
	}
	t := lv.t
	nr := g.assignConv(g.value(args[0]), t)
	one := g.constReg(1, t)
	bit := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Shl), Type: t.it, A: bit, B: one.r, C: nr.r})
	in := sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicOr), Type: t.it, A: g.newReg(), B: bit, C: -1, Imm: int64(lv.g.idx)}
	if lv.kind == lvPCPU {
		in.Args = []int32{lv.cpu}
	}
	g.emit(in)
	if name == "set_bit" {
		return g.void()
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Shr), Type: t.it, A: r, B: in.A, C: nr.r})
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.And), Type: t.it, A: r, B: r, C: one.r})
	return opnd{r, t}
}

// primType is the C type of a prim's result.
func primType(p sim.Prim) ctype {
	switch p {
	case sim.PrimSelf, sim.PrimNrCPUs, sim.PrimNumOnline, sim.PrimNextOnline, sim.PrimNextPossible, sim.PrimMaskWeight, sim.PrimFirstOnline:
		return tUint
	case sim.PrimCPUOnline, sim.PrimMaskTest, sim.PrimIRQsMasked, sim.PrimInInterrupt, sim.PrimPreemptible, sim.PrimTOSResidentOn:
		return tBool
	case sim.PrimJiffies:
		return tUlong
	case sim.PrimKtimeGet:
		return tLong
	}
	if sim.Prims[p].Returns {
		return tInt
	}
	return tVoid
}

// primCall emits a prim with its arguments compiled from args.
func (g *fn) primCall(p sim.Prim, args []cfront.Expr, pos cfront.Pos, name string) opnd {
	spec := sim.Prims[p]
	if len(args) != spec.Args || spec.Mask {
		g.diag("unsupported", name, pos, "%s takes %d arguments here, the machine's %s takes %d", name, len(args), spec.Name, spec.Args)
		for _, a := range args {
			g.expr(a)
		}
		return g.unknownCall(name, pos, false)
	}
	var regs []int32
	for _, a := range args {
		v := g.expr(a)
		if v.r < 0 {
			v = g.constReg(0, tInt)
		}
		regs = append(regs, v.r)
	}
	return g.prim(p, regs, -1, 0)
}

func (g *fn) prim(p sim.Prim, args []int32, mask int32, imm int64) opnd {
	t := primType(p)
	if p == sim.PrimSelf && g.behalf {
		// The CPU the code runs on behalf of (kthread.go).
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpMov, A: r, B: g.selfReg})
		return opnd{r, t}
	}
	in := sim.Instr{Op: sim.OpPrim, Sub: uint8(p), A: -1, Args: args, M: mask, Imm: imm}
	if t.k != kVoid {
		in.A = g.newReg()
	}
	g.emit(in)
	return opnd{in.A, t}
}

// unknownCall emits PrimUnknownCall for a callee nobody models.
func (g *fn) unknownCall(name string, pos cfront.Pos, report bool) opnd {
	if report {
		g.diag("unknown-callee", name, pos, "call of %s, which neither the sources define nor a machine primitive models", name)
	}
	g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(sim.PrimUnknownCall), A: -1, Imm: g.c.str(name)})
	return g.constReg(0, tInt)
}

// call compiles a function call.
func (g *fn) call(e *cfront.CallExpr) opnd {
	g.setLoc(e.Pos)
	switch f := e.Fun.(type) {
	case *cfront.Ident:
		if i, ok := g.c.funcIdx[f.Name]; ok && g.lookup(f.Name) == nil {
			return g.direct(i, e.Args, e.Pos)
		}
		if l := g.lookup(f.Name); l != nil && l.reloc {
			for _, a := range e.Args {
				g.expr(a)
			}
			g.prim(sim.PrimRelocate, nil, -1, 0)
			return g.void()
		}
		if l := g.lookup(f.Name); l != nil && l.t.k == kFunc && l.reg >= 0 {
			return g.indirect(l.reg, e.Args, e.Pos, f.Name)
		}
		return g.builtin(f.Name, e)
	case *cfront.MemberExpr:
		return g.tableCall(f, e.Args, e.Pos)
	}
	g.diag("unsupported", "", e.Pos, "call through an expression")
	return g.constReg(0, tInt)
}

func (g *fn) args(callee *funcDef, args []cfront.Expr) []int32 {
	var regs []int32
	for k, a := range args {
		g.outPassed(a, callee.decl.Name)
		v := g.expr(a)
		if k < len(callee.prms) {
			v = g.assignConv(v, callee.prms[k])
		}
		if v.r < 0 {
			v = g.constReg(0, tInt)
		}
		regs = append(regs, v.r)
	}
	return regs
}

// direct calls a function the sources define. In a wait condition
// (g.inline set) the callee is compiled in place instead, so that the
// condition block has no call.
func (g *fn) direct(i int, args []cfront.Expr, pos cfront.Pos) opnd {
	callee := g.c.funcs[i]
	if len(args) != len(callee.prms) {
		g.diag("syntax", callee.decl.Name, pos, "%s called with %d arguments, defined with %d", callee.decl.Name, len(args), len(callee.prms))
		return g.constReg(0, tInt)
	}
	if _, any := g.c.outParams(callee); g.waitMode || any {
		return g.inlineCall(callee, args, pos)
	}
	regs := g.args(callee, args)
	in := sim.Instr{Op: sim.OpCall, A: -1, Imm: int64(i), Args: regs}
	if callee.typ.k != kVoid {
		in.A = g.newReg()
	}
	g.emit(in)
	return opnd{in.A, callee.typ}
}

func (g *fn) indirect(ref int32, args []cfront.Expr, pos cfront.Pos, name string) opnd {
	var regs []int32
	for _, a := range args {
		v := g.expr(a)
		if v.r < 0 {
			v = g.constReg(0, tInt)
		}
		regs = append(regs, v.r)
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpCallInd, A: r, B: ref, Args: regs})
	return opnd{r, tLong}
}

// builtin compiles a call of a name the sources do not define.
func (g *fn) builtin(name string, e *cfront.CallExpr) opnd {
	args, pos := e.Args, e.Pos
	nargs := func(n int) bool {
		if len(args) != n {
			g.diag("syntax", name, pos, "%s takes %d arguments, called with %d", name, n, len(args))
			return false
		}
		return true
	}
	if lvl, ok := printkLevels[name]; ok {
		return g.printk(name, lvl, args, pos)
	}
	if noops[name] || elided(name) {
		return g.void()
	}
	if v, ok := g.machineState(name, args, pos); ok {
		return v
	}
	if name == "work_on_cpu" {
		return g.workOnCPU(name, args, pos)
	}
	if name == "wake_up_process" {
		if v, ok := g.wakeThread(args, pos); ok {
			return v
		}
	}
	if v, ok := configHelpers[name]; ok {
		// Evaluated for their value only: their arguments name features.
		val := int64(0)
		if v != "" && g.c.cfg.Kconfig[v] {
			val = 1
		}
		return g.constReg(val, tBool)
	}
	if v, ok := lockFree[name]; ok {
		if !nargs(0) {
			return g.constReg(0, tBool)
		}
		return g.constReg(v, tBool)
	}
	if p, ok := costCalls[name]; ok {
		g.prim(sim.PrimCost, nil, -1, g.c.str(p))
		return g.void()
	}
	if v, ok := machineFacts[name]; ok {
		return g.constReg(v, tBool)
	}
	if idleCalls[name] {
		g.prim(sim.PrimIRQUnmask, nil, -1, 0)
		g.prim(sim.PrimIdleWait, nil, -1, 0)
		return g.void()
	}
	if p, ok := firmwareCalls[name]; ok {
		if !nargs(0) {
			return g.void()
		}
		return g.prim(p, nil, -1, 0)
	}
	if notifierCalls[name] && len(args) >= 1 {
		if u, ok := args[0].(*cfront.UnaryExpr); ok && u.Op == "&" {
			if id, ok := u.X.(*cfront.Ident); ok {
				if p, ok := notifierChains[id.Name]; ok {
					if p != "" {
						g.prim(sim.PrimCost, nil, -1, g.c.str(p))
					}
					// NOTIFY_DONE: no handler stopped the chain.
					return g.constReg(0, tInt)
				}
			}
		}
	}
	switch name {
	case "likely", "unlikely":
		if !nargs(1) {
			return g.constReg(0, tInt)
		}
		v := g.value(args[0])
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: v.t.it, A: r, B: v.r})
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: sim.Int, A: r, B: r})
		return opnd{r, tInt}
	case "max", "min":
		if !nargs(2) {
			return g.constReg(0, tInt)
		}
		return g.minMax(name, args)
	case "BUG":
		g.prim(sim.PrimBug, nil, -1, 0)
		return g.void()
	case "BUG_ON":
		if !nargs(1) {
			return g.void()
		}
		t, end := g.newLabel(), g.newLabel()
		g.cond(args[0], t, end)
		g.bind(t)
		g.prim(sim.PrimBug, nil, -1, 0)
		g.bind(end)
		return g.void()
	case "WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE":
		if len(args) < 1 || (name == "WARN" || name == "WARN_ONCE") && len(args) < 2 {
			nargs(1)
			return g.constReg(0, tInt)
		}
		v := g.value(args[0])
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: v.t.it, A: r, B: v.r})
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: sim.Int, A: r, B: r})
		t, end := g.newLabel(), g.newLabel()
		g.branch(r, t, end)
		g.bind(t)
		g.prim(sim.PrimWarn, nil, -1, 0)
		g.bind(end)
		return opnd{r, tInt}
	case "panic":
		format := "panic"
		if len(args) > 0 {
			if s, ok := args[0].(*cfront.StringLit); ok {
				format = s.Value
			}
		}
		g.prim(sim.PrimPanic, nil, -1, g.c.str(format))
		return g.void()
	case "smp_processor_id", "raw_smp_processor_id":
		return g.prim(sim.PrimSelf, nil, -1, 0)
	case "cpu_logical_map":
		// Logical CPU n has hardware id n in the machine.
		if !nargs(1) {
			return g.constReg(0, tUlong)
		}
		v := g.value(args[0])
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpConv, A: r, B: v.r, Type: v.t.it, Type2: sim.Ulong})
		return opnd{r, tUlong}
	case "cpu_soft_restart":
		for _, a := range args {
			g.expr(a)
		}
		g.prim(sim.PrimRelocate, nil, -1, 0)
		return g.void()
	case "mdelay":
		if !nargs(1) {
			return g.void()
		}
		v := g.conv(g.value(args[0]), tUlong)
		k := g.constReg(1000, tUlong)
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Mul), Type: sim.Ulong, A: r, B: v.r, C: k.r})
		return g.prim(sim.PrimUdelay, []int32{r}, -1, 0)
	case "per_cpu", "READ_ONCE", "this_cpu_read", "__this_cpu_read":
		if name == "this_cpu_read" || name == "__this_cpu_read" {
			if !nargs(1) {
				return g.constReg(0, tInt)
			}
			self := g.prim(sim.PrimSelf, nil, -1, 0)
			lv, ok := g.pcpuPlace(args[0], self, pos)
			if !ok {
				return g.constReg(0, tInt)
			}
			return g.load(lv)
		}
		lv, ok := g.lval(e)
		if !ok {
			return g.constReg(0, tInt)
		}
		return g.load(lv)
	case "WRITE_ONCE", "this_cpu_write", "__this_cpu_write":
		if !nargs(2) {
			return g.void()
		}
		var lv lvalue
		var ok bool
		if name == "WRITE_ONCE" {
			lv, ok = g.lval(args[0])
		} else {
			self := g.prim(sim.PrimSelf, nil, -1, 0)
			lv, ok = g.pcpuPlace(args[0], self, pos)
		}
		v := g.value(args[1])
		if ok {
			g.store(lv, g.assignConv(v, lv.t))
		}
		return g.void()
	case "atomic_read", "atomic64_read", "atomic_long_read", "atomic_set", "atomic64_set", "atomic_long_set",
		"atomic_inc", "atomic_dec", "atomic_add", "atomic_sub", "atomic_inc_return", "atomic_dec_return",
		"atomic_add_return", "atomic_sub_return", "atomic_dec_and_test", "atomic_inc_and_test",
		"atomic_xchg", "atomic_cmpxchg", "atomic_fetch_add", "atomic_fetch_inc", "atomic_fetch_dec":
		return g.atomic(name, args, pos)
	case "atomic_try_cmpxchg":
		return g.tryCmpxchg(name, args, pos)
	case "per_cpu_ptr", "this_cpu_ptr", "raw_cpu_ptr":
		if v, ok := g.pcpuStructPtr(name, args, pos); ok {
			return v
		}
		if v, ok := g.pcpuFieldPtr(name, args); ok {
			return v
		}
	case "smp_call_function_single":
		return g.callFunctionSingle(name, args, pos)
	case "test_and_set_bit", "set_bit":
		return g.setBit(name, args, pos)
	case "cpumask_copy", "cpumask_clear_cpu", "cpumask_set_cpu", "cpumask_test_cpu", "cpumask_weight", "cpumask_clear",
		"smp_cross_call", "cpumask_empty":
		return g.maskCall(name, args, pos)
	case "cost":
		// cost("param"): a step modelled only by its duration.
		if len(args) == 1 {
			if s, ok := args[0].(*cfront.StringLit); ok {
				g.prim(sim.PrimCost, nil, -1, g.c.str(s.Value))
				return g.void()
			}
		}
		g.diag("unsupported", name, pos, "cost takes one string literal, the timing-profile parameter")
		return g.void()
	case "cpumask_first", "cpumask_next":
		return g.maskCall(name, args, pos)
	case "stop_machine", "stop_machine_cpuslocked":
		return g.stopMachine(name, args, pos)
	case "time_before", "time_after", "time_before_eq", "time_after_eq":
		// (long)(a - b) < 0 and friends (include/linux/jiffies.h).
		if !nargs(2) {
			return g.constReg(0, tInt)
		}
		a := g.conv(g.value(args[0]), tUlong)
		b := g.conv(g.value(args[1]), tUlong)
		if name == "time_after" || name == "time_after_eq" {
			a, b = b, a
		}
		d := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Sub), Type: sim.Ulong, A: d, B: a.r, C: b.r})
		z := g.constReg(0, tLong)
		r := g.newReg()
		op := sim.Lt
		if strings.HasSuffix(name, "_eq") {
			op = sim.Le
		}
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: sim.Long, A: r, B: d, C: z.r})
		return opnd{r, tInt}
	}
	if p, ok := aliases[name]; ok {
		return g.primCall(p, args, pos, name)
	}
	if p, ok := sim.PrimByName(name); ok && !sim.Prims[p].Mask && p != sim.PrimUnknownCall && p != sim.PrimPrintk &&
		p != sim.PrimPanic && p != sim.PrimCost {
		return g.primCall(p, args, pos, name)
	}
	for _, a := range args {
		if s, ok := g.localStructAddr(a); ok {
			g.structAddrUsed(s, a.Position(), "passed to "+name+", which neither the sources define nor a machine primitive models")
			continue
		}
		// Arguments are evaluated before the call; their effects are kept.
		if g.c.hasEffects(a) {
			g.expr(a)
		}
	}
	return g.unknownCall(name, pos, true)
}

// maskArg resolves &mask of a cpumask local.
func (g *fn) maskArg(e cfront.Expr) *local {
	if u, ok := e.(*cfront.UnaryExpr); ok && u.Op == "&" {
		e = u.X
	}
	if id, ok := e.(*cfront.Ident); ok {
		if l := g.lookup(id.Name); l != nil && l.t.k == kMask {
			return l
		}
	}
	return nil
}

func isIdent(e cfront.Expr, name string) bool {
	id, ok := e.(*cfront.Ident)
	return ok && id.Name == name
}

// cpumaskOf returns x of cpumask_of(x).
func cpumaskOf(e cfront.Expr) (cfront.Expr, bool) {
	if c, ok := e.(*cfront.CallExpr); ok && isIdent(c.Fun, "cpumask_of") && len(c.Args) == 1 {
		return c.Args[0], true
	}
	return nil, false
}

func (g *fn) maskCall(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	bad := func() opnd {
		g.diag("unsupported", name, pos, "%s on these arguments (cpumask locals, cpu_online_mask and cpumask_of are supported)", name)
		return g.unknownCall(name, pos, false)
	}
	switch name {
	case "cpumask_copy":
		if len(args) == 2 && isIdent(args[1], "cpu_online_mask") {
			if m := g.maskArg(args[0]); m != nil {
				g.prim(sim.PrimMaskCopyOnline, nil, m.mask, 0)
				return g.void()
			}
		}
	case "cpumask_clear_cpu", "cpumask_set_cpu", "cpumask_test_cpu":
		if len(args) != 2 {
			return bad()
		}
		if name == "cpumask_test_cpu" && isIdent(args[1], "cpu_online_mask") {
			return g.primCall(sim.PrimCPUOnline, args[:1], pos, name)
		}
		m := g.maskArg(args[1])
		if m == nil {
			return bad()
		}
		cpu := g.value(args[0])
		p := map[string]sim.Prim{"cpumask_clear_cpu": sim.PrimMaskClear, "cpumask_set_cpu": sim.PrimMaskSet, "cpumask_test_cpu": sim.PrimMaskTest}[name]
		return g.prim(p, []int32{cpu.r}, m.mask, 0)
	case "cpumask_weight", "cpumask_empty":
		if len(args) != 1 {
			return bad()
		}
		var w opnd
		if isIdent(args[0], "cpu_online_mask") {
			w = g.prim(sim.PrimNumOnline, nil, -1, 0)
		} else if m := g.maskArg(args[0]); m != nil {
			w = g.prim(sim.PrimMaskWeight, nil, m.mask, 0)
		} else {
			return bad()
		}
		if name == "cpumask_empty" {
			r := g.newReg()
			g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: sim.Uint, A: r, B: w.r})
			return opnd{r, tBool}
		}
		return w
	case "cpumask_clear":
		if len(args) == 1 {
			if m := g.maskArg(args[0]); m != nil {
				g.prim(sim.PrimMaskZero, nil, m.mask, 0)
				return g.void()
			}
		}
	case "cpumask_first", "cpumask_next":
		// cpumask_first(m) is cpumask_next(-1, m).
		var from opnd
		m := args[len(args)-1]
		if name == "cpumask_first" && len(args) == 1 {
			from = g.constReg(-1, tLong)
		} else if name == "cpumask_next" && len(args) == 2 {
			from = g.conv(g.value(args[0]), tLong)
		} else {
			return bad()
		}
		switch {
		case isIdent(m, "cpu_online_mask") && name == "cpumask_first":
			return g.prim(sim.PrimFirstOnline, nil, -1, 0)
		case isIdent(m, "cpu_online_mask"):
			return g.prim(sim.PrimNextOnline, []int32{from.r}, -1, 0)
		case isIdent(m, "cpu_possible_mask"), isIdent(m, "cpu_present_mask"):
			return g.prim(sim.PrimNextPossible, []int32{from.r}, -1, 0)
		}
	case "smp_cross_call":
		if len(args) != 2 {
			return bad()
		}
		if cpu, ok := cpumaskOf(args[0]); ok {
			c := g.value(cpu)
			ipi := g.value(args[1])
			return g.prim(sim.PrimSendIPI, []int32{c.r, ipi.r}, -1, 0)
		}
		if m := g.maskArg(args[0]); m != nil {
			ipi := g.value(args[1])
			return g.prim(sim.PrimCrossCall, []int32{ipi.r}, m.mask, 0)
		}
	}
	return bad()
}

// stopMachine compiles stop_machine(fn, data, cpumask_of(cpu)).
func (g *fn) stopMachine(name string, args []cfront.Expr, pos cfront.Pos) opnd {
	if len(args) != 3 {
		g.diag("syntax", name, pos, "%s takes 3 arguments", name)
		return g.constReg(0, tInt)
	}
	cpuE, ok := cpumaskOf(args[2])
	if !ok {
		g.diag("unsupported", name, pos, "%s with a mask other than cpumask_of(cpu)", name)
		return g.unknownCall(name, pos, false)
	}
	f := g.value(args[0])
	if f.t.k != kFunc {
		g.diag("unsupported", name, pos, "%s of something other than a function of the sources", name)
	}
	data := g.expr(args[1])
	if data.r < 0 {
		data = g.constReg(0, tUlong)
	}
	cpu := g.value(cpuE)
	return g.prim(sim.PrimStopMachine, []int32{f.r, data.r, cpu.r}, -1, 0)
}

// tableCall compiles a call through an ops table field: ops->cpu_die(cpu),
// psci_ops.cpu_off(state). When the table is known at compile time the field
// is bound statically; otherwise every table of the struct type is tried in
// turn on the pointer's value (a table id). A NULL field, or a NULL or
// unknown pointer, is a BUG at run time, as the kernel's call through NULL
// would oops.
func (g *fn) tableCall(m *cfront.MemberExpr, args []cfront.Expr, pos cfront.Pos) opnd {
	if tb := g.tableOf(m); tb != nil {
		return g.fieldCall(tb, m.Name, args, pos)
	}
	ptr := g.value(m.X)
	if ptr.t.k != kStructPtr && ptr.t.k != kStruct {
		g.diag("unsupported", m.Name, pos, "call through a member of something that is not an ops table")
		return g.constReg(0, tInt)
	}
	res := g.newReg()
	end := g.newLabel()
	rt := tVoid
	for _, tb := range g.c.tabByID {
		if tb.strct != ptr.t.name {
			continue
		}
		k := g.constReg(tb.id, tUlong)
		eq := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: sim.Ulong, A: eq, B: ptr.r, C: k.r})
		yes, no := g.newLabel(), g.newLabel()
		g.branch(eq, yes, no)
		g.bind(yes)
		v := g.fieldCall(tb, m.Name, args, pos)
		if v.r >= 0 {
			g.emit(sim.Instr{Op: sim.OpMov, A: res, B: v.r})
			rt = v.t
		}
		g.jump(end)
		g.bind(no)
	}
	g.prim(sim.PrimBug, nil, -1, 0)
	g.bind(end)
	if rt.k == kVoid {
		return g.void()
	}
	return opnd{res, rt}
}

// tableOf returns the table a member expression's object is statically.
func (g *fn) tableOf(m *cfront.MemberExpr) *table {
	if m.Arrow {
		return g.staticTable(m.X)
	}
	if id, ok := m.X.(*cfront.Ident); ok && g.lookup(id.Name) == nil {
		return g.c.tables[id.Name]
	}
	return nil
}

func (g *fn) fieldCall(tb *table, field string, args []cfront.Expr, pos cfront.Pos) opnd {
	v, ok := tb.fields[field]
	if ok && isNull(v) {
		ok = false
	}
	if !ok {
		// The kernel would jump to address 0.
		for _, a := range args {
			g.expr(a)
		}
		g.prim(sim.PrimBug, nil, -1, 0)
		return g.void()
	}
	id, isID := v.(*cfront.Ident)
	if u, ok := v.(*cfront.UnaryExpr); ok && u.Op == "&" {
		id, isID = u.X.(*cfront.Ident)
	}
	if !isID {
		g.diag("unsupported", field, pos, "field %s of %s is not a function name", field, tb.name)
		return g.constReg(0, tInt)
	}
	return g.call(&cfront.CallExpr{Pos: pos, Fun: &cfront.Ident{Pos: pos, Name: id.Name}, Args: args})
}

func isNull(e cfront.Expr) bool {
	switch e := e.(type) {
	case *cfront.Ident:
		return e.Name == "NULL"
	case *cfront.IntLit:
		return e.Value == 0
	}
	return false
}

// memberValue reads an ops table field as a value: a function reference,
// or 0 for a NULL or absent field. When the table is not known at compile
// time, every table of the struct type is tried on the pointer's value (a
// table id), as tableCall does; a NULL or unknown pointer is a BUG, as the
// kernel's load through NULL would oops.
func (g *fn) memberValue(m *cfront.MemberExpr) opnd {
	if lv, ok, done := g.structField(m); done {
		if !ok {
			return g.constReg(0, tInt)
		}
		return g.load(lv)
	}
	if tb := g.tableOf(m); tb != nil {
		return g.fieldValue(tb, m)
	}
	if v, ok := g.kimageValue(m); ok {
		return v
	}
	if lv, ok, done := g.pcpuField(m); done {
		if !ok || !g.notCompletion(lv, m) {
			return g.constReg(0, tInt)
		}
		return g.load(lv)
	}
	if base, et, path, ok := g.entryField(m); ok {
		return g.entryValue(base, et, path, m.Pos)
	}
	if !m.Arrow {
		// x.f of a struct value other than a table: no binding resolves it.
		g.diag("unsupported", m.Name, m.Pos, "member %s of a struct value that is not an ops table", m.Name)
		return g.constReg(0, tInt)
	}
	ptr := g.value(m.X)
	if ptr.t.k == kStructPtr && !g.c.hasTables(ptr.t.name) {
		// Not a consequence of binding: no table of the type exists.
		g.diag("unsupported", m.Name, m.Pos, "member %s of a struct %s, of which the sources have no ops table or per-CPU variable", m.Name, ptr.t.name)
		return g.constReg(0, tInt)
	}
	if ptr.t.k != kStructPtr {
		g.diag("unsupported", m.Name, m.Pos, "member %s of something that is not a known ops table", m.Name)
		return g.constReg(0, tInt)
	}
	res := g.newReg()
	end := g.newLabel()
	rt := tInt
	first := true
	for _, tb := range g.c.tabByID {
		if tb.strct != ptr.t.name {
			continue
		}
		k := g.constReg(tb.id, tUlong)
		eq := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: sim.Ulong, A: eq, B: ptr.r, C: k.r})
		yes, no := g.newLabel(), g.newLabel()
		g.branch(eq, yes, no)
		g.bind(yes)
		v := g.fieldValue(tb, m)
		if first {
			rt, first = v.t, false
		} else if v.t.k != rt.k {
			g.diag("unsupported", m.Name, m.Pos, "field %s has values of different kinds in the tables of struct %s", m.Name, ptr.t.name)
		}
		g.emit(sim.Instr{Op: sim.OpMov, A: res, B: v.r})
		g.jump(end)
		g.bind(no)
	}
	g.prim(sim.PrimBug, nil, -1, 0)
	g.emit(sim.Instr{Op: sim.OpConst, A: res, Type: rt.it, Imm: 0})
	g.bind(end)
	return opnd{res, rt}
}

// hasTables reports whether some ops table has struct type name.
func (c *compiler) hasTables(name string) bool {
	for _, tb := range c.tabByID {
		if tb.strct == name {
			return true
		}
	}
	return false
}

// fieldValue is the value of field m.Name of table tb.
func (g *fn) fieldValue(tb *table, m *cfront.MemberExpr) opnd {
	v, ok := tb.fields[m.Name]
	if !ok || isNull(v) {
		return g.constReg(0, tFunc)
	}
	switch x := v.(type) {
	case *cfront.StringLit:
		return g.constReg(g.c.str(x.Value), tStr)
	case *cfront.Ident:
		if i, ok := g.c.funcIdx[x.Name]; ok {
			// A NULL test of a field is resolved here: the field is set.
			r := g.newReg()
			g.emit(sim.Instr{Op: sim.OpFuncRef, A: r, Imm: int64(i)})
			return opnd{r, tFunc}
		}
		// A machine primitive: not NULL, but not a function of the program.
		return g.constReg(1, tFunc)
	}
	if val, t, ok := g.c.constValue(tb.u, v, ""); ok {
		return g.constReg(val, t)
	}
	g.diag("unsupported", m.Name, m.Pos, "field %s of %s", m.Name, tb.name)
	return g.constReg(0, tInt)
}

// minMax compiles include/linux/minmax.h's max(x, y) and min(x, y): each
// argument evaluated once, compared in their usual arithmetic conversion
// (minmax.h refuses operands of different signedness at build time, so the
// conversion changes no value the kernel compares), the result of that
// type.
func (g *fn) minMax(name string, args []cfront.Expr) opnd {
	x, y := g.value(args[0]), g.value(args[1])
	if x.t.k != kInt || y.t.k != kInt {
		g.diag("unsupported", name, args[0].Position(), "%s of a pointer", name)
		return g.constReg(0, tInt)
	}
	ct := ctype{k: kInt, it: common(x.t.it, y.t.it)}
	a, b := g.conv(x, ct), g.conv(y, ct)
	op := sim.Gt
	if name == "min" {
		op = sim.Lt
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpMov, A: r, B: a.r})
	c := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: ct.it, A: c, B: b.r, C: a.r})
	take, end := g.newLabel(), g.newLabel()
	g.branch(c, take, end)
	g.bind(take)
	g.emit(sim.Instr{Op: sim.OpMov, A: r, B: b.r})
	g.bind(end)
	return opnd{r, ct}
}
