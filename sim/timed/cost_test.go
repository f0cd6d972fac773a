package timed

import (
	"math"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// The breakdown of a duration's median names where the time goes: the
// hotplug path's offline is a grace period per CPU; an IPI stop is the
// delivery of the IPIs to idle CPUs, charged from the polling boot CPU to
// the CPUs it waits for. Shares add up to the whole.
func TestCostBreakdown(t *testing.T) {
	for _, tt := range []struct {
		name string
		prog *sim.Program
		top  string
	}{
		{"hotplug", hotplugProgram(), "RCU grace periods"},
		{"ipi stop", ipiStopProgram(), "IPI delivery"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := evaluate(t, tt.prog, sim.Config{CPUs: 8}, profile.Default(), Options{Runs: 20, Seed: 2})
			var cost []Share
			for _, m := range res.Metrics {
				if m.Name == "machine_shutdown" {
					cost = m.Cost
				}
			}
			if len(cost) == 0 {
				t.Fatal("machine_shutdown has no breakdown")
			}
			sum := 0.0
			for _, s := range cost {
				sum += s.Share
			}
			if math.Abs(sum-1) > 0.01 {
				t.Errorf("shares %v add up to %.3f", cost, sum)
			}
			if cost[0].What != tt.top {
				t.Errorf("the median goes mostly to %s (%v), want %s", cost[0].What, cost, tt.top)
			}
		})
	}
}

// Per-call metrics measure every call of a function on every CPU.
func TestCallMetrics(t *testing.T) {
	res := evaluate(t, hotplugProgram(), sim.Config{CPUs: 5}, profile.Default(), Options{Runs: 10, Seed: 4, Calls: []string{"machine_shutdown"}})
	call, perCPU := metric(t, res, "call:machine_shutdown"), metric(t, res, "cpu:machine_shutdown")
	whole := metric(t, res, "machine_shutdown")
	if call.Runs != 10 || perCPU.Runs != 10 {
		t.Errorf("call runs %d, per-CPU runs %d: want one call on one CPU per run", call.Runs, perCPU.Runs)
	}
	if math.Abs(call.Median-whole.Median) > 1e-9 || math.Abs(perCPU.Median-whole.Median) > 1e-9 {
		t.Errorf("call median %g, per-CPU %g, whole %g: one call is the whole", call.Median, perCPU.Median, whole.Median)
	}
}

func TestShares(t *testing.T) {
	var b breakdown
	b[CauseConsole], b[CauseSleep], b[CauseCode] = 3, 1, 0.0001
	got := b.shares("115200 baud, console_loglevel 7")
	if len(got) != 2 || got[0] != (Share{"console output (115200 baud, console_loglevel 7)", 0.75}) || got[1] != (Share{"sleeps", 0.25}) {
		t.Errorf("shares %v", got)
	}
	var zero breakdown
	if s := zero.shares(""); len(s) != 0 {
		t.Errorf("empty breakdown: %v", s)
	}
}
