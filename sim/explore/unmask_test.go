package explore_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// sendStop adds the boot CPU's smp_send_stop(): IPI_CPU_STOP to the other
// online CPUs, a wait bounded at 4 polls for them to leave the online mask,
// then relocation.
func sendStop(p *simtest.Program) {
	b := p.Func("smp_send_stop")
	b.Line("smp_cross_call(&mask, IPI_CPU_STOP);")
	m := b.Mask()
	b.Prim("", sim.PrimMaskCopyOnline, m)
	b.Prim("self", sim.PrimSelf, -1)
	b.Prim("", sim.PrimMaskClear, m, "self")
	b.Const("ipi", sim.IPICPUStop, sim.Int)
	b.Prim("", sim.PrimCrossCall, m, "ipi")
	b.Line("while (num_online_cpus() > 1 && timeout--) udelay(1);")
	b.Wait("smp_send_stop: secondaries offline", 4, func() string {
		b.Prim("n", sim.PrimNumOnline, -1)
		b.Const("one", 1, sim.Uint)
		b.Bin("more", sim.Gt, "n", "one", sim.Uint)
		return "more"
	}, "waited", "waited")
	b.Label("waited")
	b.Line("cpu_soft_restart(...);")
	b.Prim("", sim.PrimRelocate, -1)
	b.Ret("")
}

// offlineHandler adds the IPI handler: set_cpu_online(cpu, false), then the
// rest of the handler as more adds it.
func offlineHandler(p *simtest.Program, more func(h *simtest.Func)) {
	h := p.Func("do_handle_IPI", "ipinr")
	h.Line("set_cpu_online(cpu, false);")
	h.Prim("cpu", sim.PrimSelf, -1)
	h.Const("zero", 0, sim.Bool)
	h.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
	more(h)
	h.Ret("")
}

// idleStop is smp_send_stop() against secondaries in do_idle()'s loop:
// local_irq_disable(), a call of arch_cpu_idle_enter() with interrupts
// masked, local_irq_enable() and then the wfi right after it, the shape
// in which the machine merges the unmask into the step before it
// (sim/unmask.go).
func idleStop() *sim.Program {
	p := simtest.New("kernel/sched/idle.c")
	sendStop(p)

	e := p.Func("arch_cpu_idle_enter")
	e.Ret("")

	s := p.Func("do_idle")
	s.Label("loop")
	s.Line("local_irq_disable();")
	s.Prim("", sim.PrimIRQDisable, -1)
	s.Line("arch_cpu_idle_enter();")
	s.Call("", "arch_cpu_idle_enter")
	s.Line("local_irq_enable(); wfi();")
	s.Prim("", sim.PrimIRQUnmask, -1)
	s.Prim("", sim.PrimIdleWait, -1)
	s.Jump("loop")

	offlineHandler(p, func(h *simtest.Func) {
		h.Line("local_daif_mask(); cpu_park_loop();")
		h.Prim("", sim.PrimIRQMask, -1)
		h.Prim("", sim.PrimParkLoop, -1)
	})
	return p.MustBuild("smp_send_stop", "do_idle", "do_handle_IPI")
}

// TestUnmaskMerge checks the merged unmask: fewer states and the same
// verdicts as with every unmask a step of its own, a secondary seen masked
// just before it unmasks only by properties that say they look
// (ReadsIRQMasks), and an event earlier in the merged step checked on the
// state before the unmask.
func TestUnmaskMerge(t *testing.T) {
	offline := explore.Property{Name: "offline-at-relocation", At: explore.At(sim.EvRelocate), Check: func(v sim.View) bool {
		return v.NumOnline() == 1
	}}
	// violated exactly when some secondary can be masked at relocation,
	// which in this program is only just before its unmask
	unmasked := explore.Property{Name: "secondaries-unmasked-at-relocation", At: explore.At(sim.EvRelocate), ReadsIRQMasks: true,
		Check: func(v sim.View) bool {
			return v.AllSecondaries(func(c int) bool { return !v.IRQsMasked(c) })
		}}
	// arch_cpu_idle_enter() runs masked; the merged step goes on past the
	// unmask, so the check must see the state at the call
	enterMasked := explore.Property{Name: "idle-enter-masked", At: explore.At(sim.EvCall), Calls: []string{"arch_cpu_idle_enter"},
		Check: func(v sim.View) bool { return v.IRQsMasked(int(v.Ev.CPU)) }}
	props := []explore.Property{offline, unmasked, enterMasked}
	for _, n := range []int{2, 3, 4} {
		explored := func(cfg sim.Config, props []explore.Property) *explore.Result {
			t.Helper()
			m, err := sim.NewMachine(idleStop(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := explore.Explore(m, props, explore.Options{NoSymmetry: true})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Complete {
				t.Fatalf("N=%d: search incomplete: %s", n, res)
			}
			return res
		}
		base := sim.Config{CPUs: n, Merge: true, AtomicWaits: true, TraceCalls: true}
		every := base
		every.EveryAccessVisible = true
		want := explored(every, props)
		got := explored(base, props)
		for i, p := range want.Properties {
			if q := got.Properties[i]; q.Verdict != p.Verdict {
				t.Errorf("N=%d: %s: %s with every unmask a step, %s with merged unmasks", n, p.Name, p.Verdict, q.Verdict)
			}
		}
		if want.Properties[1].Verdict == explore.Holds {
			t.Fatalf("N=%d: no secondary is ever masked at relocation: the program does not test the merge", n)
		}
		if got.Properties[2].Verdict != explore.Holds {
			t.Errorf("N=%d: the call inside the merged step was checked after the unmask: %s", n, got.Properties[2].Verdict)
		}
		// without a property that reads masks the unmask is merged
		merged := explored(base, []explore.Property{offline, enterMasked})
		split := explored(base, []explore.Property{offline, enterMasked, unmasked})
		if merged.States >= split.States {
			t.Errorf("N=%d: %d states with merged unmasks, %d with every unmask a step", n, merged.States, split.States)
		}
		if merged.Properties[0].Verdict != want.Properties[0].Verdict {
			t.Errorf("N=%d: %s: %s merged, %s with every unmask a step", n, offline.Name, merged.Properties[0].Verdict, want.Properties[0].Verdict)
		}
		t.Logf("N=%d: %d states with merged unmasks, %d with unmasks a step each", n, merged.States, split.States)
	}
}

// TestUnmaskBeforePark: a stop handler that unmasks right before
// cpu_park_loop() is not merged, because a CPU resting at the unmask is
// not parked yet and a property sees it: the boot CPU can relocate after
// the secondary left the online mask and before it parked.
func TestUnmaskBeforePark(t *testing.T) {
	p := simtest.New("arch/arm64/kernel/smp.c")
	sendStop(p)
	s := p.Func("secondary_idle")
	s.Label("loop")
	s.Prim("", sim.PrimIdleWait, -1)
	s.Jump("loop")
	offlineHandler(p, func(h *simtest.Func) {
		h.Line("local_irq_enable(); cpu_park_loop();")
		h.Prim("", sim.PrimIRQUnmask, -1)
		h.Prim("", sim.PrimParkLoop, -1)
	})
	prog := p.MustBuild("smp_send_stop", "secondary_idle", "do_handle_IPI")
	parked := explore.Property{Name: "parked-at-relocation", At: explore.At(sim.EvRelocate), Check: func(v sim.View) bool {
		return v.AllSecondaries(func(c int) bool { return v.Exec(c) == sim.ExecParked })
	}}
	for _, every := range []bool{true, false} {
		mc, err := sim.NewMachine(prog, sim.Config{CPUs: 2, Merge: true, AtomicWaits: true, EveryAccessVisible: every})
		if err != nil {
			t.Fatal(err)
		}
		res, err := explore.Explore(mc, []explore.Property{parked}, explore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v := res.Properties[0].Verdict; v != explore.Violated {
			t.Errorf("every access a step %v: %s, want violated (the secondary seen unparked)\n%s", every, v, res)
		}
	}
}
