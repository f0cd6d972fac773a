package timed

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// loopForeverProgram: machine_shutdown() sends the stop IPI again and again,
// a microsecond apart, and never returns: a loop of visible steps that
// takes time, which no fast-forward shortens.
func loopForeverProgram() *sim.Program {
	a := newAsm()
	common(a)
	a.fn("machine_shutdown", 0, 4, 1).
		konst(1, sim.IPICPUStop).
		konst(2, 1).
		label("again").
		primM(sim.PrimMaskCopyOnline, 0, -1).
		prim(sim.PrimSelf, 3).
		primM(sim.PrimMaskClear, 0, -1, 3).
		primM(sim.PrimCrossCall, 0, -1, 1).
		prim(sim.PrimUdelay, -1, 2).
		jmp("again")
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// TestProbeRuns: when the first runs of a set all exhaust their budget, the
// rest are not run; they count as inconclusive and in no metric, and the
// result does not depend on the number of workers.
func TestProbeRuns(t *testing.T) {
	e, err := New(loopForeverProgram(), sim.Config{CPUs: 3})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, workers := range []int{1, 2} {
		res, err := e.Evaluate(profile.Default(), Options{Runs: 40, Seed: 5, Workers: workers, Budget: Budget{MaxSteps: 20_000}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inconclusive != 40 || res.Steps > int64(probeRuns)*20_001 {
			t.Fatalf("%d inconclusive runs, %d steps: want 40, at most %d", res.Inconclusive, res.Steps, probeRuns*20_001)
		}
		b, _ := json.Marshal(res)
		if !strings.Contains(string(b), "not run: the first 3 runs all exhausted their budget") {
			t.Errorf("outcomes %+v", res.Outcomes)
		}
		out = append(out, string(b))
	}
	if out[0] != out[1] {
		t.Error("results differ between 1 and 2 workers")
	}
	// A program that ends is not cut short.
	e, err = New(ipiStopProgram(), sim.Config{CPUs: 3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Evaluate(profile.Default(), Options{Runs: 10, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inconclusive != 0 {
		t.Errorf("%d inconclusive runs of a program that ends", res.Inconclusive)
	}
}
