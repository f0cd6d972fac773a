package timed

import (
	"reflect"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// equalCPU must compare every field of sim.CPU.
func TestEqualCPUFields(t *testing.T) {
	if n := reflect.TypeOf(sim.CPU{}).NumField(); n != 10 {
		t.Fatalf("sim.CPU has %d fields; equalCPU and copyCPU compare and copy 10", n)
	}
	if n := reflect.TypeOf(sim.Frame{}).NumField(); n != 8 {
		t.Fatalf("sim.Frame has %d fields; equalCPU compares 8", n)
	}
}

// Runs are the same, field for field, with and without replayed idle
// re-checks: across programs, loads, CPU counts, seeds and budgets that end
// runs inside replay windows (which must fall back to a full run).
func TestReplayExact(t *testing.T) {
	verifyStill = true
	defer func() { verifyStill = false }()
	prof := profile.Default()
	var replays, excuses, clashes int64
	for _, tc := range []struct {
		name  string
		prog  *sim.Program
		trace []string
	}{
		{"hotplug", hotplugProgram(), nil},
		{"hotplug-slow-death", hotplugProgramSlow(true), nil},
		// a traced function in the wake-up: no CPU is excused
		{"hotplug-slow-death-traced", hotplugProgramSlow(true), []string{"need_resched"}},
		{"ipi-stop", ipiStopProgram(), nil},
	} {
		caseExcuses := excuses
		for _, load := range []sim.Load{sim.LoadIdle, sim.LoadBusy} {
			for _, n := range []int{2, 5, 16, 40} {
				cfg := sim.Config{CPUs: n, Load: load}
				fast, err := New(tc.prog, cfg)
				if err != nil {
					t.Fatal(err)
				}
				slow, err := New(tc.prog, cfg)
				if err != nil {
					t.Fatal(err)
				}
				slow.noReplay = true
				budgets := []Budget{{}, {MaxSteps: 200}, {MaxSteps: int64(40 * n)}, {MaxTime: 0.05}, {MaxTime: 0.0501}}
				for i := range 6 {
					for _, b := range budgets {
						trace := append([]string{"machine_shutdown"}, tc.trace...)
						want, err := slow.RunOne(prof, 7, i, trace, b, false)
						if err != nil {
							t.Fatal(err)
						}
						got, err := fast.RunOne(prof, 7, i, trace, b, false)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s %v N=%d run %d budget %+v: with replays\n%+v\nwithout\n%+v", tc.name, load, n, i, b, got, want)
						}
						// the counts, from a run of the same seed and index
						set := prof.Sample(profile.NewRand(7, paramStream(uint64(i))))
						ru, err := fast.newRun(set, 7, i, trace, false, false)
						if err != nil {
							t.Fatal(err)
						}
						ru.do(b)
						replays += ru.rp.replays
						excuses += ru.rp.excuses
						if tc.trace != nil && ru.rp.excuses != 0 {
							t.Errorf("%s %v N=%d run %d: %d CPUs excused from stop_machine although the wake-up calls a traced function", tc.name, load, n, i, ru.rp.excuses)
						}
						if ru.rp.clash {
							clashes++
						}
					}
				}
			}
		}
		if tc.name != "ipi-stop" && tc.trace == nil && excuses == caseExcuses {
			t.Errorf("%s: no CPU was excused from a stop_machine", tc.name)
		}
	}
	if replays == 0 {
		t.Error("no idle re-check was replayed")
	}
	if excuses == 0 {
		t.Error("no CPU was excused from a stop_machine")
	}
	if clashes == 0 {
		t.Error("no run fell back to taking every step: the fallback is untested")
	}
	t.Logf("%d re-checks replayed, %d of them by CPUs excused from stop_machine; %d runs fell back", replays, excuses, clashes)
}

// A replay prices its steps as visible_step draws without reading them
// (priceSteps): price must give every step record admits exactly that.
func TestReplayedStepPrice(t *testing.T) {
	e, err := New(hotplugProgram(), sim.Config{CPUs: 4})
	if err != nil {
		t.Fatal(err)
	}
	set := profile.Default().Sample(profile.NewRand(7, paramStream(0)))
	ru, err := e.newRun(set, 7, 0, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(replayable) == 0 {
		t.Fatal("no replayable prims")
	}
	for p := range replayable {
		res := sim.StepResult{Visible: true, Op: sim.OpPrim, Prim: p, NArgs: 1}
		res.Args[0] = 1
		ru.res, ru.r = &res, profile.NewRand(9, 1)
		got := ru.price(1, sim.Action{CPU: 1, Kind: sim.ActRun})
		want := ns(set.Draw(profile.VisibleStep, profile.NewRand(9, 1)))
		if got != want {
			t.Errorf("prim %v: price %d, a visible_step draw %d", p, got, want)
		}
	}
}

// A CPU's stillness (excuse skips comparing it with its memo) ends when it
// is planned, whatever for.
func TestPlanEndsStillness(t *testing.T) {
	e, err := New(hotplugProgram(), sim.Config{CPUs: 4})
	if err != nil {
		t.Fatal(err)
	}
	set := profile.Default().Sample(profile.NewRand(7, paramStream(0)))
	ru, err := e.newRun(set, 7, 0, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	ru.cur = -1
	ru.rp.still[2] = true
	ru.plan(2)
	if ru.rp.still[2] {
		t.Error("CPU 2 still after being planned")
	}
}
