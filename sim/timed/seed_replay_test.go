package timed

import (
	"os"
	"reflect"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// The programs compiled from the seed patch and its park-only variant run
// the same, field for field, with and without replayed re-checks and
// excused CPUs: their idle loop calls a function in the wake-up after
// stop_machine (do_idle's need_resched), which the hand-written programs
// of TestReplayExact do only in one of them; half the runs trace do_idle
// and cpu_die, whose calls are then recorded per CPU.
func TestReplayExactSeed(t *testing.T) {
	verifyStill = true
	defer func() { verifyStill = false }()
	if testing.Short() {
		t.Skip("compiles the seed's programs")
	}
	prof := profile.Default()
	for _, name := range []string{"../../fixtures/seed/arm64-kexec-smp-send-stop.mbox", "../../fixtures/variants/park-only.mbox"} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parse.Parse(name, f, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		r, err := semantics.Analyze(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		var excuses int64
		for side, prog := range []*sim.Program{r.Before.Program, r.After.Program} {
			for _, load := range []sim.Load{sim.LoadIdle, sim.LoadBusy} {
				for _, faults := range [][]sim.Fault{nil, {{Kind: sim.FaultIRQsMasked, CPU: 1}}} {
					for _, n := range []int{2, 8, 23, 40} {
						cfg := sim.Config{CPUs: n, Load: load, Faults: faults}
						fast, err := New(prog, cfg)
						if err != nil {
							t.Fatal(err)
						}
						slow, err := New(prog, cfg)
						if err != nil {
							t.Fatal(err)
						}
						slow.noReplay = true
						for i := range 6 {
							trace := []string{"machine_shutdown"}
							if i%2 == 1 {
								trace = append(trace, "do_idle", "cpu_die")
							}
							want, err := slow.RunOne(prof, 3, i, trace, Budget{}, false)
							if err != nil {
								t.Fatal(err)
							}
							got, err := fast.RunOne(prof, 3, i, trace, Budget{}, false)
							if err != nil {
								t.Fatal(err)
							}
							if !reflect.DeepEqual(got, want) {
								t.Errorf("%s side %d %v faults %v N=%d run %d: with replays\n%+v\nwithout\n%+v", name, side, load, faults, n, i, got, want)
							}
							set := prof.Sample(profile.NewRand(3, paramStream(uint64(i))))
							ru, err := fast.newRun(set, 3, i, trace, false, false)
							if err != nil {
								t.Fatal(err)
							}
							ru.do(Budget{})
							excuses += ru.rp.excuses
						}
					}
				}
			}
		}
		if excuses == 0 {
			t.Errorf("%s: no CPU was excused from a stop_machine", name)
		}
	}
}
