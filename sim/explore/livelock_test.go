package explore_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// TestLivelock: a run that can never end is a hang even when some CPU
// always has an action (it cycles), but a cycle that some interleaving
// leaves is not.
func TestLivelock(t *testing.T) {
	build := func(boot func(p *simtest.Program, f *simtest.Func, g int64), secondarySets bool) *sim.Program {
		p := simtest.New("arch/arm64/kernel/process.c")
		g := p.Global("flag", sim.Int, 0, false)
		b := p.Func("machine_shutdown")
		boot(p, b, g)
		s := p.Func("idle")
		if secondarySets {
			s.Const("one", 1, sim.Int)
			s.StoreG(g, "one")
		}
		s.Label("l")
		s.Prim("", sim.PrimIdleWait, -1)
		s.Jump("l")
		h := p.Func("irq", "n")
		// Only an interrupt, which nobody sends, would set the flag: the
		// boot CPU's reads of it stay visible steps.
		h.Const("one", 1, sim.Int)
		h.StoreG(g, "one")
		h.Ret("")
		return p.MustBuild("machine_shutdown", "idle", "irq")
	}
	spin := func(p *simtest.Program, f *simtest.Func, g int64) {
		f.Line("again: WRITE_ONCE(flag, 0); goto again;")
		f.Const("zero", 0, sim.Int)
		f.Label("again")
		f.StoreG(g, "zero")
		f.Jump("again")
	}
	counted := func(p *simtest.Program, f *simtest.Func, g int64) {
		f.Line("for (i = 0; i < 3; i++) cpu_relax(); relocate;")
		f.Const("i", 0, sim.Int)
		f.Const("one", 1, sim.Int)
		f.Const("three", 3, sim.Int)
		f.Label("loop")
		f.Prim("", sim.PrimCPURelax, -1)
		f.Bin("i", sim.Add, "i", "one", sim.Int)
		f.Bin("more", sim.Lt, "i", "three", sim.Int)
		f.Branch("more", "loop", "done")
		f.Label("done")
		f.Prim("", sim.PrimRelocate, -1)
	}
	pollFlag := func(p *simtest.Program, f *simtest.Func, g int64) {
		f.Line("while (!READ_ONCE(flag)) ; relocate;")
		f.Label("poll")
		f.LoadG("v", g)
		f.Branch("v", "done", "poll")
		f.Label("done")
		f.Prim("", sim.PrimRelocate, -1)
	}
	tests := []struct {
		name          string
		boot          func(*simtest.Program, *simtest.Func, int64)
		secondarySets bool
		want          explore.Verdict
		livelocked    bool
	}{
		{"goto loop never ends", spin, false, explore.Violated, true},
		{"counted loop ends", counted, false, explore.Holds, false},
		{"poll that the secondary's store ends", pollFlag, true, explore.Holds, false},
		{"poll nobody ends", pollFlag, false, explore.Violated, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := sim.NewMachine(build(tt.boot, tt.secondarySets), sim.Config{CPUs: 2, Merge: true, AtomicWaits: true})
			if err != nil {
				t.Fatal(err)
			}
			res, err := explore.Explore(m, []explore.Property{noBug}, explore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			pr := res.Properties[0]
			if !res.Complete || pr.Verdict != tt.want || (res.Livelocked > 0) != tt.livelocked {
				t.Fatalf("complete %v, verdict %s (%s), %d livelocked states; want %s, livelock %v",
					res.Complete, pr.Verdict, pr.Reason, res.Livelocked, tt.want, tt.livelocked)
			}
			if tt.livelocked && (pr.Trace == nil || !pr.Trace.Hang || !pr.Trace.Livelock) {
				t.Errorf("trace %+v: want a replayed livelock", pr.Trace)
			}
		})
	}
}
