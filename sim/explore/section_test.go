package explore_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// idleDie is smp_send_stop() against secondaries in do_idle()'s loop whose
// stop handler goes offline and calls idle_task_exit(): under the busy load
// that BUGs when the interrupt came in at the wait (it interrupted the
// workload), not when it came in before local_irq_disable().
func idleDie() *sim.Program {
	p := simtest.New("kernel/sched/idle.c")
	sendStop(p)

	s := p.Func("do_idle")
	s.Label("loop")
	s.Line("local_irq_disable(); if (cpu_is_offline(cpu)) ...; local_irq_enable(); idle_wait();")
	s.Prim("", sim.PrimIRQDisable, -1)
	s.Prim("me", sim.PrimSelf, -1)
	s.Prim("on", sim.PrimCPUOnline, -1, "me")
	s.Branch("on", "awake", "dead")
	s.Label("dead")
	s.Prim("", sim.PrimParkLoop, -1)
	s.Label("awake")
	s.Prim("", sim.PrimIRQUnmask, -1)
	s.Prim("", sim.PrimIdleWait, -1)
	s.Jump("loop")

	offlineHandler(p, func(h *simtest.Func) {
		h.Line("idle_task_exit(); local_daif_mask(); cpu_park_loop();")
		h.Prim("", sim.PrimIdleTaskExit, -1)
		h.Prim("", sim.PrimIRQMask, -1)
		h.Prim("", sim.PrimParkLoop, -1)
	})
	return p.MustBuild("smp_send_stop", "do_idle", "do_handle_IPI")
}

// TestIdleSection checks the merged idle section (sim/section.go): under
// the idle load fewer states and the same verdicts as with every access and
// unmask a step of its own; under the busy load no merge, since there the
// point before local_irq_disable() is where an interrupt does not BUG.
func TestIdleSection(t *testing.T) {
	// violated when a secondary can be parked at relocation: under busy,
	// only after an interrupt taken before local_irq_disable(), since one
	// taken at the wait BUGs in idle_task_exit() before the CPU parks
	relocates := explore.Property{Name: "none-parked-at-relocation", At: explore.At(sim.EvRelocate), Check: func(v sim.View) bool {
		return v.AllSecondaries(func(c int) bool { return v.Exec(c) != sim.ExecParked })
	}}
	noBug := explore.Property{Name: "no-bug", At: explore.AtEnd, Check: func(v sim.View) bool { return v.End() != sim.Bugged }}
	props := []explore.Property{relocates, noBug}
	for _, load := range []sim.Load{sim.LoadIdle, sim.LoadBusy} {
		for _, n := range []int{2, 3} {
			run := func(every bool) *explore.Result {
				t.Helper()
				m, err := sim.NewMachine(idleDie(), sim.Config{CPUs: n, Load: load, Merge: true, AtomicWaits: true, EveryAccessVisible: every})
				if err != nil {
					t.Fatal(err)
				}
				res, err := explore.Explore(m, props, explore.Options{NoSymmetry: true})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			want, got := run(true), run(false)
			for i, p := range want.Properties {
				if q := got.Properties[i]; q.Verdict != p.Verdict || q.Minimal != p.Minimal {
					t.Errorf("%v N=%d: %s: %s with every step its own, %s with merges", load, n, p.Name, p.Verdict, q.Verdict)
				}
			}
			if want.LoadMattered != got.LoadMattered {
				t.Errorf("%v N=%d: LoadMattered %v with every step its own, %v with merges", load, n, want.LoadMattered, got.LoadMattered)
			}
			if v := want.Properties[0].Verdict; v != explore.Violated {
				t.Errorf("%v N=%d: none-parked-at-relocation %s, want violated (the program does not test the section)", load, n, v)
			}
			if load == sim.LoadBusy {
				if v := want.Properties[1].Verdict; v != explore.Violated {
					t.Errorf("busy N=%d: no-bug %s, want violated (idle_task_exit at the wait)", n, v)
				}
			}
			t.Logf("%v N=%d: %d states with every step its own, %d with merges", load, n, want.States, got.States)
		}
	}
	// the same exploration under both loads stores fewer states when idle:
	// the section is merged only there
	states := map[sim.Load]int{}
	for _, load := range []sim.Load{sim.LoadIdle, sim.LoadBusy} {
		m, err := sim.NewMachine(idleDie(), sim.Config{CPUs: 3, Load: load, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := explore.Explore(m, []explore.Property{noBug}, explore.Options{NoSymmetry: true})
		if err != nil {
			t.Fatal(err)
		}
		states[load] = res.States
	}
	if states[sim.LoadIdle] >= states[sim.LoadBusy] {
		t.Errorf("idle %d states, busy %d: the section is not merged when idle", states[sim.LoadIdle], states[sim.LoadBusy])
	}
}
