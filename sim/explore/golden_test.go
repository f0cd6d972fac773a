package explore_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The rendered results (verdicts, counterexamples with their source lines,
// statistics) are compared with golden files: they are what a reviewer reads.
func TestGolden(t *testing.T) {
	props := []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, cpuOffPreconditions, noBug}
	tests := []struct {
		name string
		opts simtest.StopOptions
		cfg  sim.Config
	}{
		{"racy-2cpu", simtest.StopOptions{}, sim.Config{CPUs: 2}},
		{"affinity-bounded-2cpu", simtest.StopOptions{ConfirmOff: true, AffinityBound: 100}, sim.Config{CPUs: 2}},
		{"racy-5cpu-faults", simtest.StopOptions{OnlineBound: 1000}, sim.Config{CPUs: 5, Faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 3}, {Kind: sim.FaultCPUOffDenied, CPU: 4}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machine(t, tt.opts, tt.cfg)
			res, err := explore.Explore(m, props, explore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := res.String()
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("result differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}
