package explore_test

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// Properties in the vocabulary rules uses.
var (
	allOffAtRelocation = explore.Property{
		Name: "secondaries-off-at-relocation",
		At:   explore.At(sim.EvRelocate),
		Check: func(v sim.View) bool {
			return v.AllSecondaries(func(c int) bool { return v.PSCI(c) == sim.PowerOff })
		},
	}
	noneOnlineAtRelocation = explore.Property{
		Name:  "no-secondary-online-at-relocation",
		At:    explore.At(sim.EvRelocate),
		Check: func(v sim.View) bool { return v.NumOnline() == 1 },
	}
	cpuOffPreconditions = explore.Property{
		Name: "cpu-off-preconditions",
		At:   explore.At(sim.EvCPUOff),
		Check: func(v sim.View) bool {
			e := v.Event()
			return !e.Routed && e.Masked
		},
	}
	noBug = explore.Property{
		Name: "no-bug-panic-hang",
		At:   explore.AtEnd,
		Check: func(v sim.View) bool {
			switch v.End() {
			case sim.Bugged, sim.Panicked, sim.Hung, sim.Failed:
				return false
			}
			return true
		},
	}
)

func machine(t testing.TB, o simtest.StopOptions, cfg sim.Config) *sim.Machine {
	t.Helper()
	cfg.Merge, cfg.AtomicWaits = true, true
	m, err := sim.NewMachine(simtest.StopProtocol(o), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStopProtocol(t *testing.T) {
	tests := []struct {
		name    string
		opts    simtest.StopOptions
		cfg     sim.Config
		props   []explore.Property
		want    []explore.Verdict
		expired []string // waits the first property's trace needs
		steps   int      // length of the first property's trace (0: not checked)
	}{
		{
			name:  "racy: online count only",
			cfg:   sim.Config{CPUs: 2},
			props: []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, cpuOffPreconditions, noBug},
			want:  []explore.Verdict{explore.Violated, explore.Holds, explore.Holds, explore.Holds},
			steps: 6,
		},
		{
			name:    "AFFINITY_INFO confirmation, bounded",
			opts:    simtest.StopOptions{ConfirmOff: true, AffinityBound: 100},
			cfg:     sim.Config{CPUs: 2},
			props:   []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, noBug},
			want:    []explore.Verdict{explore.HoldsIfBounds, explore.Holds, explore.Holds},
			expired: []string{"cpu_psci_cpu_kill: AFFINITY_INFO reports OFF"},
		},
		{
			name:  "AFFINITY_INFO confirmation, unbounded",
			opts:  simtest.StopOptions{ConfirmOff: true},
			cfg:   sim.Config{CPUs: 3},
			props: []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, noBug},
			want:  []explore.Verdict{explore.Holds, explore.Holds, explore.Holds},
		},
		{
			name:    "bounded online wait: relocation with a CPU online",
			opts:    simtest.StopOptions{OnlineBound: 1000},
			cfg:     sim.Config{CPUs: 3},
			props:   []explore.Property{noneOnlineAtRelocation, noBug},
			want:    []explore.Verdict{explore.HoldsIfBounds, explore.Holds},
			expired: []string{"machine_shutdown: other CPUs offline"},
		},
		{
			name:  "masked section and lost IPI: hang",
			cfg:   sim.Config{CPUs: 3, Faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 1}, {Kind: sim.FaultLostIPI, CPU: 2, IPI: sim.IPICPUStop}}},
			props: []explore.Property{noBug, cpuOffPreconditions},
			want:  []explore.Verdict{explore.Violated, explore.Holds},
		},
		{
			name:  "online bit cleared after migrating interrupts, 4 CPUs with symmetry",
			opts:  simtest.StopOptions{ClearOnlineLast: true},
			cfg:   sim.Config{CPUs: 4},
			props: []explore.Property{cpuOffPreconditions, noneOnlineAtRelocation, allOffAtRelocation},
			want:  []explore.Verdict{explore.Holds, explore.Holds, explore.Violated},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machine(t, tt.opts, tt.cfg)
			res, err := explore.Explore(m, tt.props, explore.Options{MaxStates: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range res.Properties {
				if p.Verdict != tt.want[i] {
					t.Errorf("%s: %s (%s), want %s\n%s", p.Name, p.Verdict, p.Reason, tt.want[i], res)
				}
				if p.Trace != nil {
					// the trace replays to the violation on its own
					if _, err := explore.Replay(m, p.Trace.Actions(), tt.props[i], p.Trace.Hang); err != nil {
						t.Errorf("%s: replay: %v", p.Name, err)
					}
					if !p.Minimal {
						t.Errorf("%s: trace not minimal", p.Name)
					}
				}
			}
			first := res.Properties[0]
			if tt.expired != nil {
				if first.Trace == nil || strings.Join(first.Trace.Expired, "|") != strings.Join(tt.expired, "|") {
					t.Errorf("expired waits = %v, want %v", first.Trace, tt.expired)
				}
			}
			if first.Verdict == explore.Violated && first.Trace.Expiries != 0 {
				t.Errorf("violated trace needs %d expiries", first.Trace.Expiries)
			}
			if tt.steps > 0 && (first.Trace == nil || len(first.Trace.Steps) != tt.steps) {
				t.Errorf("trace:\n%v\nwant %d steps", first.Trace, tt.steps)
			}
			t.Logf("\n%s", res)
		})
	}
}
