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
