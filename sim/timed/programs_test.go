package timed

import "github.com/patchcheck/patchcheck/sim"

// Hand-written programs of the two ways to stop secondaries for kexec. They
// restate the shape of the kernel paths (see docs/timing.md), not their
// text: just enough structure for the engine's pricing to be exercised.

// common adds the secondary idle loop, the IPI handler and the two ways a
// secondary dies: cpu_die from the idle loop once offline (hotplug), and
// local_cpu_stop from the stop IPI calling CPU_OFF (IPI stop).
func common(a *asm) (dead int64) { return commonSlow(a, false) }

// commonSlow is common; with slowDeath, the idle loop masks interrupts
// around its checks (more steps per re-check) and cpu_die spends cpuhp_dying_callbacks
// (tens to hundreds of microseconds) before it reports death, so that the
// control CPU's death poll is fast-forwarded while other CPUs' idle
// re-checks are still pending.
func commonSlow(a *asm, slowDeath bool) (dead int64) {
	dead = a.pcpu("cpu_dead")
	slow := a.str("cpuhp_dying_callbacks")
	idle := a.fn("secondary_idle", 0, 4, 0).
		label("loop")
	if slowDeath {
		// as do_idle: need_resched() (invisible: its call and return are
		// the events of the wake-up after stop_machine), then the checks
		// run with interrupts masked
		idle.call(2, "need_resched").
			prim(sim.PrimIRQMask, -1)
		a.fn("need_resched", 0, 1, 0).
			konst(0, 0).
			ret(0)
	}
	idle.prim(sim.PrimSelf, 0).
		prim(sim.PrimCPUOnline, 1, 0).
		br(1, "idle", "dead").
		label("dead").
		call(-1, "cpu_die").
		label("idle")
	if slowDeath {
		idle.prim(sim.PrimIRQUnmask, -1)
	}
	idle.prim(sim.PrimIdleWait, -1).
		jmp("loop")
	a.fn("handle_ipi", 1, 4, 0).
		konst(1, sim.IPICPUStop).
		bin(sim.Eq, 2, 0, 1, sim.Long).
		br(2, "stop", "out").
		label("stop").
		call(-1, "local_cpu_stop").
		label("out").
		ret(-1)
	a.fn("local_cpu_stop", 0, 4, 0).
		prim(sim.PrimSelf, 0).
		konst(1, 0).
		prim(sim.PrimSetOnline, -1, 0, 1).
		prim(sim.PrimIRQMask, -1).
		prim(sim.PrimSDEIMask, -1).
		konst(2, 0).
		prim(sim.PrimPSCICPUOff, 3, 2).
		prim(sim.PrimParkLoop, -1).
		ret(-1)
	f := a.fn("cpu_die", 0, 4, 0).
		prim(sim.PrimIdleTaskExit, -1).
		prim(sim.PrimIRQMask, -1)
	if slowDeath {
		f.primS(sim.PrimCost, slow, -1)
	}
	f.prim(sim.PrimSelf, 0).
		konst(1, 1)
	f.storePCPU(1, 0, dead).
		konst(2, 0).
		prim(sim.PrimPSCICPUOff, 3, 2).
		prim(sim.PrimBug, -1).
		ret(-1)
	a.fn("kernel_kexec", 0, 1, 0).
		call(-1, "machine_shutdown").
		prim(sim.PrimRelocate, -1).
		ret(-1)
	return dead
}

// ipiStopProgram: machine_shutdown sends IPI_CPU_STOP to the other online
// CPUs and polls num_online_cpus() with udelay(1) for up to a second; the
// stopped CPUs go offline, mask, and call CPU_OFF.
func ipiStopProgram() *sim.Program {
	a := newAsm()
	common(a)
	a.fn("machine_shutdown", 0, 8, 1).
		primM(sim.PrimMaskCopyOnline, 0, -1).
		prim(sim.PrimSelf, 0).
		primM(sim.PrimMaskClear, 0, -1, 0).
		konst(1, sim.IPICPUStop).
		primM(sim.PrimCrossCall, 0, -1, 1).
		konst(2, 1_000_000).
		label("head").
		wait("other CPUs offline", "cond", "condend", 5, "exit", "expired").
		label("cond").
		prim(sim.PrimNumOnline, 3).
		konst(4, 1).
		bin(sim.Gt, 5, 3, 4, sim.Uint).
		label("condend").
		br(5, "body", "exit").
		label("body").
		emit(sim.Instr{Op: sim.OpMov, A: 6, B: 2}).
		konst(7, 1).
		bin(sim.Sub, 2, 2, 7, sim.Ulong).
		br(6, "delay", "exit").
		label("delay").
		prim(sim.PrimUdelay, -1, 7).
		jmp("head").
		label("expired").
		konst(2, -1).
		jmp("exit").
		label("exit").
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// hotplugProgram: machine_shutdown offlines the secondaries one after the
// other. Per CPU: a hand-off to its hotplug thread, one RCU grace period
// (the first CPU pays one more), the teardown callbacks, stop_machine
// running take_cpu_down (and the DYING callbacks) on the dying CPU, a wait for it to report death
// from its idle loop, "CPUn: shutdown", AFFINITY_INFO polls with
// usleep_range(100, 1000) up to ten times, "CPUn killed", DEAD callbacks.
func hotplugProgram() *sim.Program { return hotplugProgramSlow(false) }

// hotplugProgramSlow is hotplugProgram with commonSlow's slow death report.
func hotplugProgramSlow(slowDeath bool) *sim.Program {
	a := newAsm()
	dead := commonSlow(a, slowDeath)
	shutdown := a.str("CPU%d: shutdown\n")
	killed := a.str("CPU%d killed (polled %d ms)\n")
	unclean := a.str("CPU%d may not have shut down cleanly (AFFINITY_INFO reports %d)\n")
	teardown := a.str("cpuhp_ap_teardown_callbacks")
	deadcb := a.str("cpuhp_dead_callbacks")
	dying := a.str("cpuhp_dying_callbacks")
	a.fn("machine_shutdown", 0, 8, 0).
		konst(0, -1).
		konst(1, 1).
		label("loop").
		prim(sim.PrimNextOnline, 0, 0).
		prim(sim.PrimNrCPUs, 2).
		bin(sim.Ge, 3, 0, 2, sim.Uint).
		br(3, "done", "chk").
		label("chk").
		konst(4, 0).
		bin(sim.Eq, 5, 0, 4, sim.Uint).
		br(5, "loop", "down").
		label("down").
		call(-1, "cpu_down", 0, 1).
		konst(1, 0).
		jmp("loop").
		label("done").
		ret(-1)
	a.fn("take_cpu_down", 1, 4, 0).
		prim(sim.PrimSelf, 1).
		konst(2, 0).
		prim(sim.PrimSetOnline, -1, 1, 2).
		prim(sim.PrimMigrateIRQs, -1).
		primS(sim.PrimCost, dying, -1).
		konst(3, 0).
		ret(3)
	f := a.fn("cpu_down", 2, 12, 0).
		br(1, "extra", "go").
		label("extra").
		prim(sim.PrimSynchronizeRCU, -1).
		label("go").
		prim(sim.PrimSchedHandoff, -1, 0).
		prim(sim.PrimSynchronizeRCU, -1).
		primS(sim.PrimCost, teardown, -1).
		funcref(2, "take_cpu_down").
		prim(sim.PrimStopMachine, 3, 2, 0, 0).
		konst(4, sim.IPIReschedule).
		prim(sim.PrimSendIPI, -1, 0, 4).
		label("whead").
		wait("dying CPU reports death", "wc", "wce", 6, "wdone", "")
	f.label("wc").
		loadPCPU(5, 0, dead).
		emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), A: 6, B: 5, Type: sim.Int}).
		label("wce").
		br(6, "wbody", "wdone").
		label("wbody").
		prim(sim.PrimCPURelax, -1).
		jmp("whead").
		label("wdone").
		konst(10, 5).
		primS(sim.PrimPrintk, shutdown, -1, 10).
		konst(7, 10).
		label("poll").
		konst(8, 0).
		prim(sim.PrimPSCIAffinityInfo, 9, 0, 8).
		konst(8, sim.AffinityOff).
		bin(sim.Eq, 5, 9, 8, sim.Long).
		br(5, "killed", "again").
		label("again").
		konst(8, 100).
		konst(5, 1000).
		prim(sim.PrimUsleepRange, -1, 8, 5).
		konst(8, 1).
		bin(sim.Sub, 7, 7, 8, sim.Int).
		br(7, "poll", "timeout").
		label("timeout").
		konst(10, 4).
		primS(sim.PrimPrintk, unclean, -1, 10).
		jmp("deadcb").
		label("killed").
		konst(10, 6).
		primS(sim.PrimPrintk, killed, -1, 10).
		label("deadcb").
		primS(sim.PrimCost, deadcb, -1).
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// spinProgram spins forever on a condition nothing changes.
func spinProgram() *sim.Program {
	a := newAsm()
	common(a)
	g := a.global("never_set", 0)
	a.fn("machine_shutdown", 0, 4, 0).
		label("head").
		wait("a flag nobody sets", "cond", "condend", 1, "exit", "").
		label("cond").
		emit(sim.Instr{Op: sim.OpLoadG, A: 0, Imm: g}).
		emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), A: 1, B: 0, Type: sim.Int}).
		label("condend").
		br(1, "body", "exit").
		label("body").
		prim(sim.PrimCPURelax, -1).
		jmp("head").
		label("exit").
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}
