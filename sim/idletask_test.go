package sim_test

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// TestIdleTaskExitFromStopIPI checks idle_task_exit in the stop IPI's
// handler, as park-only plus cpu_die() runs it: v5.10 BUGs only when the CPU
// is online or current is not the idle task. An idle CPU interrupted by the
// IPI passes (current is its idle task); a busy one BUGs (current is the
// interrupted workload task); and so does one still online.
func TestIdleTaskExitFromStopIPI(t *testing.T) {
	build := func(offlineFirst bool) *sim.Program {
		p := simtest.New("arch/arm64/kernel/smp.c")
		b := p.Func("boot")
		m := b.Mask()
		b.Prim("", sim.PrimMaskCopyOnline, m)
		b.Prim("self", sim.PrimSelf, -1)
		b.Prim("", sim.PrimMaskClear, m, "self")
		b.Const("ipi", sim.IPICPUStop, sim.Int)
		b.Prim("", sim.PrimCrossCall, m, "ipi")
		b.Const("one", 1, sim.Uint)
		b.Label("wait")
		b.Prim("n", sim.PrimNumOnline, -1)
		b.Bin("more", sim.Gt, "n", "one", sim.Uint)
		b.Branch("more", "wait", "go")
		b.Label("go")
		b.Prim("", sim.PrimRelocate, -1)
		i := p.Func("idle")
		i.Label("l")
		i.Prim("", sim.PrimIdleWait, -1)
		i.Jump("l")
		h := p.Func("irq", "n")
		h.Prim("cpu", sim.PrimSelf, -1)
		h.Const("zero", 0, sim.Bool)
		if offlineFirst {
			h.Prim("", sim.PrimSetOnline, -1, "cpu", "zero")
		}
		h.Prim("", sim.PrimIdleTaskExit, -1)
		h.Const("state", 0, sim.Uint)
		h.Prim("", sim.PrimPSCICPUOff, -1, "state")
		h.Prim("", sim.PrimBug, -1)
		return p.MustBuild("boot", "idle", "irq")
	}
	tests := []struct {
		name         string
		load         sim.Load
		offlineFirst bool
		want         string // an event kind the run must contain
		not          string // one it must not
		// mattered: the run reached the step the other load runs
		// differently (Machine.LoadMattered)
		mattered bool
	}{
		{"idle CPU, offline: passes", sim.LoadIdle, true, "cpu-off", "bug", true},
		{"busy CPU: current is a workload task", sim.LoadBusy, true, "bug", "cpu-off", true},
		{"idle CPU still online", sim.LoadIdle, false, "bug", "cpu-off", false},
		{"busy CPU still online", sim.LoadBusy, false, "bug", "cpu-off", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := sim.NewMachine(build(tt.offlineFirst), sim.Config{CPUs: 2, Load: tt.load, Merge: true, AtomicWaits: true})
			if err != nil {
				t.Fatal(err)
			}
			st := m.Initial()
			got := " " + kinds(runFirst(t, m, st, []int{1, 0})) + " "
			if !strings.Contains(got, " "+tt.want+" ") || strings.Contains(got, " "+tt.not+" ") {
				t.Errorf("events %q: want %q and no %q", got, tt.want, tt.not)
			}
			if m.LoadMattered() != tt.mattered {
				t.Errorf("LoadMattered %v, want %v", m.LoadMattered(), tt.mattered)
			}
		})
	}
}
