package simtest

import "github.com/patchcheck/patchcheck/sim"

// StopOptions vary the IPI stop protocol.
type StopOptions struct {
	// OnlineBound bounds the boot CPU's wait for the online count to reach
	// one (0: unbounded).
	OnlineBound int64
	// ConfirmOff adds, after that wait, a loop over CPU ids that polls PSCI
	// AFFINITY_INFO of each secondary until it reports OFF, bounded by
	// AffinityBound polls (0: unbounded).
	ConfirmOff    bool
	AffinityBound int64
	// ClearOnlineLast makes the stopped CPU clear its online bit after
	// migrating interrupts (it always clears it before CPU_OFF).
	ClearOnlineLast bool
	// DieBeforeOffline makes the stopped CPU call CPU_OFF before it clears
	// its online bit, which it then never does: the online count never
	// drops and a bounded online wait runs out in every run.
	DieBeforeOffline bool
	// EarlyWait adds, before the stop IPI is sent, a wait bounded like the
	// online wait for the online count to reach one: nothing has asked
	// the secondaries to stop yet, so it can only run out.
	EarlyWait bool
}

// StopProtocol is the kexec stop path in the shape of the seed patch: the
// boot CPU sets kexec_in_progress, sends IPI_CPU_STOP to the other online
// CPUs, waits for num_online_cpus() to drop to one (optionally confirming
// each CPU's OFF with AFFINITY_INFO) and starts relocation; each secondary
// idles, and its stop handler clears its online bit, masks interrupts,
// migrates them away and calls PSCI CPU_OFF (BUG if that returns).
func StopProtocol(o StopOptions) *sim.Program {
	p := New("arch/arm64/kernel/kexec-model.c")
	kip := p.Global("kexec_in_progress", sim.Bool, 0, false)

	b := p.Func("kernel_kexec")
	b.Line("kexec_in_progress = true;")
	b.Const("one", 1, sim.Bool)
	b.StoreG(kip, "one")
	if o.EarlyWait {
		b.Line("while (num_online_cpus() > 1 && early--) udelay(1);")
		b.Wait("machine_shutdown: early wait", o.OnlineBound, func() string {
			b.Prim("en", sim.PrimNumOnline, -1)
			b.Const("elim", 1, sim.Uint)
			b.Bin("emore", sim.Gt, "en", "elim", sim.Uint)
			return "emore"
		}, "early_done", "early_done")
		b.Label("early_done")
	}
	b.Line("smp_send_stop();")
	m := b.Mask()
	b.Prim("", sim.PrimMaskCopyOnline, m)
	b.Prim("cpu_self", sim.PrimSelf, -1)
	b.Prim("", sim.PrimMaskClear, m, "cpu_self")
	b.Const("ipi", sim.IPICPUStop, sim.Int)
	b.Prim("", sim.PrimCrossCall, m, "ipi")
	b.Line("while (num_online_cpus() > 1 && timeout--) udelay(1);")
	b.Wait("machine_shutdown: other CPUs offline", o.OnlineBound, func() string {
		b.Prim("n", sim.PrimNumOnline, -1)
		b.Const("lim", 1, sim.Uint)
		b.Bin("more", sim.Gt, "n", "lim", sim.Uint)
		return "more"
	}, "waited", "waited")
	b.Label("waited")
	if o.ConfirmOff {
		b.Line("for_each_cpu(cpu, &mask) while (psci_affinity_info(cpu, 0) != OFF) usleep_range(100, 1000);")
		b.Const("cpu", 0, sim.Uint)
		b.Const("lvl", 0, sim.Uint)
		b.Const("c1", 1, sim.Uint)
		b.Prim("nr", sim.PrimNrCPUs, -1)
		b.Label("next")
		b.Bin("cpu", sim.Add, "cpu", "c1", sim.Uint)
		b.Bin("inrange", sim.Lt, "cpu", "nr", sim.Uint)
		b.Branch("inrange", "poll", "confirmed")
		b.Label("poll")
		b.Wait("cpu_psci_cpu_kill: AFFINITY_INFO reports OFF", o.AffinityBound, func() string {
			b.Prim("aff", sim.PrimPSCIAffinityInfo, -1, "cpu", "lvl")
			b.Const("offv", sim.AffinityOff, sim.Int)
			b.Bin("noff", sim.Ne, "aff", "offv", sim.Int)
			return "noff"
		}, "next", "next")
		b.Label("confirmed")
	}
	b.Line("cpu_soft_restart(...);")
	b.Prim("", sim.PrimRelocate, -1)
	b.Ret("")

	s := p.Func("secondary_idle")
	s.Line("while (1) wfi();")
	s.Label("loop")
	s.Prim("", sim.PrimIdleWait, -1)
	s.Jump("loop")

	h := p.Func("do_handle_IPI", "ipinr")
	h.Line("switch (ipinr) {")
	h.Const("stop", sim.IPICPUStop, sim.Int)
	h.Bin("isstop", sim.Eq, "ipinr", "stop", sim.Int)
	h.Branch("isstop", "stop", "out")
	h.Label("out")
	h.Ret("")
	h.Label("stop")
	h.Line("local_cpu_stop: set_cpu_online(smp_processor_id(), false);")
	h.Prim("cpu", sim.PrimSelf, -1)
	h.Const("zero", 0, sim.Bool)
	if o.DieBeforeOffline {
		h.Line("psci_ops.cpu_off(state);")
		h.Const("state0", 0, sim.Uint)
		h.Prim("r0", sim.PrimPSCICPUOff, -1, "state0")
	}
	if !o.ClearOnlineLast {
		h.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
	}
	h.Line("local_daif_mask();")
	h.Prim("", sim.PrimIRQMask, -1)
	h.Line("irq_migrate_all_off_this_cpu();")
	h.Prim("", sim.PrimMigrateIRQs, -1)
	if o.ClearOnlineLast {
		h.Line("set_cpu_online(cpu, false);")
		h.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
	}
	h.Line("psci_ops.cpu_off(state);")
	h.Const("state", 0, sim.Uint)
	h.Prim("r", sim.PrimPSCICPUOff, -1, "state")
	h.Line("BUG();")
	h.Prim("", sim.PrimBug, -1)
	h.Ret("")
	return p.MustBuild("kernel_kexec", "secondary_idle", "do_handle_IPI")
}

// HotplugProtocol exercises the kernel-service prims symmetrically: the boot
// CPU waits for an RCU grace period, asks the other CPUs by IPI to volunteer
// (each writes its id to the CPU-valued global "volunteer"), hands off to the
// last volunteer's kthread, and takes it down with stop_machine (the stop
// function clears the CPU's online bit and migrates its interrupts).
func HotplugProtocol() *sim.Program {
	p := New("kernel/cpu-model.c")
	vol := p.Global("volunteer", sim.Uint, 0, true)

	b := p.Func("takedown")
	b.Line("synchronize_rcu();")
	b.Prim("", sim.PrimSynchronizeRCU, -1)
	b.Line("smp_call_function(volunteer);")
	m := b.Mask()
	b.Prim("", sim.PrimMaskCopyOnline, m)
	b.Prim("cpu_self", sim.PrimSelf, -1)
	b.Prim("", sim.PrimMaskClear, m, "cpu_self")
	b.Const("ipi", sim.IPICallFunc, sim.Int)
	b.Prim("", sim.PrimCrossCall, m, "ipi")
	b.Line("while (!volunteer) cpu_relax();")
	b.Wait("takedown: a volunteer", 0, func() string {
		b.LoadG("cpu_v", vol)
		b.Prim("cpu_boot", sim.PrimSelf, -1)
		b.Bin("none", sim.Eq, "cpu_v", "cpu_boot", sim.Uint)
		return "none"
	}, "got", "got")
	b.Label("got")
	b.Line("cpu = volunteer;")
	b.LoadG("cpu", vol)
	b.Line("kick the cpuhp thread;")
	b.Prim("", sim.PrimSchedHandoff, -1, "cpu")
	b.Line("err = stop_machine(take_cpu_down, NULL, cpumask_of(cpu));")
	b.FuncRef("fn", "take_cpu_down")
	b.Const("arg", 0, sim.Ulong)
	b.Prim("err", sim.PrimStopMachine, -1, "fn", "arg", "cpu")
	b.Line("BUG_ON(err);")
	b.Branch("err", "bug", "ok")
	b.Label("bug")
	b.Prim("", sim.PrimBug, -1)
	b.Label("ok")
	b.Ret("")

	t := p.Func("take_cpu_down", "arg")
	t.Line("set_cpu_online(cpu, false);")
	t.Prim("cpu", sim.PrimSelf, -1)
	t.Const("zero", 0, sim.Bool)
	t.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
	t.Line("irq_migrate_all_off_this_cpu();")
	t.Prim("", sim.PrimMigrateIRQs, -1)
	t.Const("r", 0, sim.Int)
	t.Ret("r")

	s := p.Func("secondary_idle")
	s.Line("while (1) wfi();")
	s.Label("loop")
	s.Prim("", sim.PrimIdleWait, -1)
	s.Jump("loop")

	h := p.Func("do_handle_IPI", "ipinr")
	h.Line("volunteer = smp_processor_id();")
	h.Prim("cpu", sim.PrimSelf, -1)
	h.StoreG(vol, "cpu")
	h.Ret("")
	return p.MustBuild("takedown", "secondary_idle", "do_handle_IPI")
}

// CounterRace is two CPUs each adding one to a shared counter k times with a
// plain load and store (the classic lost update): a small state with two
// successors per state and about (3k)^2 states, for measuring raw
// exploration speed. The boot CPU returns when done; the secondary idles.
func CounterRace(k int64) *sim.Program {
	p := New("counter.c")
	g := p.Global("counter", sim.Ulong, 0, false)
	for _, name := range []string{"boot", "secondary"} {
		f := p.Func(name)
		f.Line("for (i = 0; i < k; i++) counter = counter + 1;")
		f.Const("i", 0, sim.Ulong)
		f.Const("k", k, sim.Ulong)
		f.Const("one", 1, sim.Ulong)
		f.Label("loop")
		f.Bin("more", sim.Lt, "i", "k", sim.Ulong)
		f.Branch("more", "body", "done")
		f.Label("body")
		f.LoadG("v", g)
		f.Bin("v", sim.Add, "v", "one", sim.Ulong)
		f.StoreG(g, "v")
		f.Bin("i", sim.Add, "i", "one", sim.Ulong)
		f.Jump("loop")
		f.Label("done")
		if name == "boot" {
			f.Ret("")
		} else {
			f.Label("idle")
			f.Prim("", sim.PrimIdleWait, -1)
			f.Jump("idle")
		}
	}
	p.Func("irq", "n").Ret("")
	return p.MustBuild("boot", "secondary", "irq")
}

// NMIStopOptions vary NMIStopProtocol.
type NMIStopOptions struct {
	// NoRetry leaves out smp_send_stop()'s retry with IPI_CPU_STOP_NMI.
	NoRetry bool
	// IdleMask makes the idle loop mask interrupts around its wfi:
	// "irq" with local_irq_disable() (the GIC priority under pseudo-NMI),
	// "daif" with local_daif_mask(); "" leaves them unmasked.
	IdleMask string
}

// IPI numbers of v6.7+ arch/arm64/kernel/smp.c, where IPI_CPU_STOP_NMI
// took the place of v5.10's IPI_CPU_CRASH_STOP.
const (
	IPICPUStop612    = 2
	IPICPUStopNMI612 = 3
)

// NMIStopProtocol is v6.7+'s smp_send_stop() on the boot CPU: IPI_CPU_STOP
// to the other online CPUs, a wait bounded at 4 polls for them to leave
// the online mask, then, when some are still online and
// ipi_should_be_nmi(IPI_CPU_STOP_NMI) (only with pseudo-NMI), the same
// with IPI_CPU_STOP_NMI; then relocation. ipi_should_be_nmi() is the
// program's Entry.NMI. The handler is local_cpu_stop(): online bit,
// local_daif_mask(), park.
func NMIStopProtocol(o NMIStopOptions) *sim.Program {
	p := New("arch/arm64/kernel/smp.c")
	b := p.Func("smp_send_stop")
	send := func(ipi int64, tag string) {
		b.Line("cpumask_copy(&mask, cpu_online_mask); cpumask_clear_cpu(smp_processor_id(), &mask);")
		m := b.Mask()
		b.Prim("", sim.PrimMaskCopyOnline, m)
		b.Prim("self"+tag, sim.PrimSelf, -1)
		b.Prim("", sim.PrimMaskClear, m, "self"+tag)
		b.Const("ipi"+tag, ipi, sim.Int)
		b.Prim("", sim.PrimCrossCall, m, "ipi"+tag)
		b.Line("while (num_other_online_cpus() && timeout--) udelay(1);")
		b.Wait("smp_send_stop: other CPUs offline ("+tag+")", 4, func() string {
			b.Prim("n"+tag, sim.PrimNumOnline, -1)
			b.Const("lim"+tag, 1, sim.Uint)
			b.Bin("more"+tag, sim.Gt, "n"+tag, "lim"+tag, sim.Uint)
			return "more" + tag
		}, "waited"+tag, "waited"+tag)
		b.Label("waited" + tag)
	}
	send(IPICPUStop612, "irq")
	if !o.NoRetry {
		b.Line("if (num_other_online_cpus() && ipi_should_be_nmi(IPI_CPU_STOP_NMI))")
		b.Prim("left", sim.PrimNumOnline, -1)
		b.Const("one", 1, sim.Uint)
		b.Bin("still", sim.Gt, "left", "one", sim.Uint)
		b.Branch("still", "ask", "done")
		b.Label("ask")
		b.Const("nmiipi", IPICPUStopNMI612, sim.Int)
		b.Call("isnmi", "ipi_should_be_nmi", "nmiipi")
		b.Branch("isnmi", "retry", "done")
		b.Label("retry")
		send(IPICPUStopNMI612, "nmi")
		b.Label("done")
	}
	b.Line("cpu_soft_restart(...);")
	b.Prim("", sim.PrimRelocate, -1)
	b.Ret("")

	q := p.Func("ipi_should_be_nmi", "ipi")
	q.Line("if (!system_uses_irq_prio_masking()) return false;")
	q.Prim("prio", sim.PrimPseudoNMI, -1)
	q.Branch("prio", "which", "no")
	q.Label("no")
	q.Const("f", 0, sim.Bool)
	q.Ret("f")
	q.Label("which")
	q.Line("return ipi == IPI_CPU_STOP_NMI;")
	q.Const("stopnmi", IPICPUStopNMI612, sim.Int)
	q.Bin("is", sim.Eq, "ipi", "stopnmi", sim.Int)
	q.Ret("is")

	s := p.Func("secondary_idle")
	s.Label("loop")
	if o.IdleMask != "" {
		s.Line("local_irq_disable(); wfi(); local_irq_enable();")
		if o.IdleMask == "daif" {
			s.Prim("", sim.PrimIRQMask, -1)
		} else {
			s.Prim("", sim.PrimIRQDisable, -1)
		}
		s.Prim("", sim.PrimIdleWait, -1)
		s.Prim("", sim.PrimIRQUnmask, -1)
	} else {
		s.Line("while (1) wfi();")
		s.Prim("", sim.PrimIdleWait, -1)
	}
	s.Jump("loop")

	h := p.Func("do_handle_IPI", "ipinr")
	h.Line("case IPI_CPU_STOP: case IPI_CPU_STOP_NMI: local_cpu_stop(cpu);")
	h.Const("stop", IPICPUStop612, sim.Int)
	h.Bin("isstop", sim.Eq, "ipinr", "stop", sim.Int)
	h.Const("stopnmi", IPICPUStopNMI612, sim.Int)
	h.Bin("isnmi", sim.Eq, "ipinr", "stopnmi", sim.Int)
	h.Bin("either", sim.Or, "isstop", "isnmi", sim.Int)
	h.Branch("either", "stop", "out")
	h.Label("out")
	h.Ret("")
	h.Label("stop")
	h.Line("set_cpu_online(cpu, false);")
	h.Prim("cpu", sim.PrimSelf, -1)
	h.Const("zero", 0, sim.Bool)
	h.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
	h.Line("local_daif_mask();")
	h.Prim("", sim.PrimIRQMask, -1)
	h.Line("cpu_park_loop();")
	h.Prim("", sim.PrimParkLoop, -1)
	h.Ret("")
	prog := p.MustBuild("smp_send_stop", "secondary_idle", "do_handle_IPI")
	prog.Entry.NMI = int32(prog.FuncIndex("ipi_should_be_nmi")) + 1
	return prog
}
