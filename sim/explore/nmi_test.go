package explore_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// TestNMIStop checks v6.7+'s "try a normal IPI, then NMI" stop against a
// secondary that never unmasks its interrupts: only an NMI stops it, so
// the others are offline at relocation only with pseudo-NMI and the retry;
// without either, smp_send_stop()'s bound runs out in every run and the
// CPU is still online (violated, the expiry certain).
func TestNMIStop(t *testing.T) {
	stuck := []sim.Fault{{Kind: sim.FaultStuckMasked, CPU: 1}}
	held := []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 1}}
	for _, tc := range []struct {
		name    string
		o       simtest.NMIStopOptions
		nmi     bool
		faults  []sim.Fault
		cpus    int
		want    explore.Verdict
		certain bool // IPI_CPU_STOP's wait runs out in every run (a CPU never takes it)
	}{
		{"healthy", simtest.NMIStopOptions{}, false, nil, 2, explore.HoldsIfBounds, false},
		{"healthy-nmi", simtest.NMIStopOptions{}, true, nil, 2, explore.HoldsIfBounds, false},
		{"stuck", simtest.NMIStopOptions{}, false, stuck, 2, explore.Violated, true},
		{"stuck-nmi", simtest.NMIStopOptions{}, true, stuck, 2, explore.HoldsIfBounds, true},
		{"stuck-nmi-3cpus", simtest.NMIStopOptions{}, true, stuck, 3, explore.HoldsIfBounds, true},
		{"stuck-nmi-no-retry", simtest.NMIStopOptions{NoRetry: true}, true, stuck, 2, explore.Violated, true},
		{"held-nmi", simtest.NMIStopOptions{}, true, held, 2, explore.HoldsIfBounds, false},
		{"stuck-nmi-idle-irq-disabled", simtest.NMIStopOptions{IdleMask: "irq"}, true, stuck, 3, explore.HoldsIfBounds, true},
		{"stuck-nmi-idle-daif", simtest.NMIStopOptions{IdleMask: "daif"}, true, stuck, 3, explore.HoldsIfBounds, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := sim.NewMachine(simtest.NMIStopProtocol(tc.o), sim.Config{CPUs: tc.cpus, Merge: true, AtomicWaits: true, PseudoNMI: tc.nmi, Faults: tc.faults})
			if err != nil {
				t.Fatal(err)
			}
			offline := explore.Property{Name: "others-offline", At: explore.At(sim.EvRelocate), Check: func(v sim.View) bool {
				return v.NumOnline() == 1
			}}
			// a property that holds keeps the search going to its end,
			// where it tells certain expiries from chance ones
			noBug := explore.Property{Name: "no-bug", At: explore.At(sim.EvBug), Check: func(sim.View) bool { return false }}
			res, err := explore.Explore(m, []explore.Property{offline, noBug}, explore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := res.Properties[0]
			if !res.Complete {
				t.Fatalf("search incomplete: %s", res)
			}
			if v := res.Properties[1].Verdict; v != explore.Holds {
				t.Fatalf("no-bug %s", v)
			}
			if p.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s\n%s", p.Verdict, tc.want, res)
			}
			if got := slices.Contains(p.Certain, "smp_send_stop: other CPUs offline (irq)"); got != tc.certain {
				t.Errorf("certain expiries %v, want the IPI wait's: %v", p.Certain, tc.certain)
			}
			// the reductions keep the verdict: every access a step of its
			// own, dead registers kept, no symmetry
			plain, err := sim.NewMachine(simtest.NMIStopProtocol(tc.o), sim.Config{CPUs: tc.cpus, Merge: true, AtomicWaits: true, PseudoNMI: tc.nmi,
				Faults: tc.faults, EveryAccessVisible: true, KeepDeadRegs: true})
			if err != nil {
				t.Fatal(err)
			}
			pres, err := explore.Explore(plain, []explore.Property{offline, noBug}, explore.Options{NoSymmetry: true})
			if err != nil {
				t.Fatal(err)
			}
			if pp := pres.Properties[0]; pp.Verdict != p.Verdict || !slices.Equal(pp.Certain, p.Certain) {
				t.Errorf("without reductions: %s (certain %v), with them %s (certain %v)", pp.Verdict, pp.Certain, p.Verdict, p.Certain)
			}
			if p.Verdict == explore.HoldsIfBounds && !slices.ContainsFunc(append(p.Uncertain, p.Trace.Expired...), func(w string) bool { return strings.HasSuffix(w, "(nmi)") || !tc.nmi }) {
				t.Errorf("holds-if-bounds without the NMI wait left to chance: uncertain %v", p.Uncertain)
			}
		})
	}
}
