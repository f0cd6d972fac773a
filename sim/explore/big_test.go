package explore_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// The largest machine: random search finds the race on 4096 CPUs, and an
// exhaustive search with symmetry over its first steps stays small.
func TestMaxCPUs(t *testing.T) {
	if testing.Short() {
		t.Skip("large machine")
	}
	m := machine(t, simtest.StopOptions{}, sim.Config{CPUs: sim.MaxCPUs})
	res, err := explore.Random(m, []explore.Property{allOffAtRelocation}, explore.RandomOptions{Seed: 1, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties[0].Verdict != explore.Violated {
		t.Fatalf("%s", res)
	}
	res, err = explore.Explore(m, []explore.Property{allOffAtRelocation}, explore.Options{MaxDepth: 6})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Symmetry || res.Complete || res.States > 100 {
		t.Fatalf("symmetry %v complete %v states %d", res.Symmetry, res.Complete, res.States)
	}
}
