package sim_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// TestSpin: a loop whose invisible instructions repeat the machine state
// leaves its CPU spinning (no action, Blocked spin, the run not ended), in
// both engines' configurations; a loop whose state never repeats still
// ends at MaxInvisible.
func TestSpin(t *testing.T) {
	tests := []struct {
		name string
		body func(p *simtest.Program, f *simtest.Func)
		spin bool
	}{
		{"jump to itself", func(p *simtest.Program, f *simtest.Func) {
			f.Label("l")
			f.Jump("l")
		}, true},
		{"do-while on a constant", func(p *simtest.Program, f *simtest.Func) {
			f.Const("one", 1, sim.Int)
			f.Label("l")
			f.Mov("x", "one")
			f.Branch("x", "l", "out")
			f.Label("out")
			f.Ret("")
		}, true},
		{"a counter that runs on", func(p *simtest.Program, f *simtest.Func) {
			f.Const("one", 1, sim.Ulong)
			f.Const("i", 0, sim.Ulong)
			f.Label("l")
			f.Bin("i", sim.Add, "i", "one", sim.Ulong)
			f.Jump("l")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cfg := range []sim.Config{{CPUs: 1, MaxInvisible: 100_000}, {CPUs: 1, Merge: true, AtomicWaits: true, MaxInvisible: 100_000}} {
				m, err := sim.NewMachine(oneCPU(tt.body), cfg)
				if err != nil {
					t.Fatal(err)
				}
				st := m.Initial()
				if tt.spin {
					if st.End != sim.Running || len(m.Actions(st, 0, nil)) != 0 || m.Blocked(st, 0) != sim.BlockSpin || !m.Deadlocked(st) {
						t.Errorf("merge %v: end %v, actions %v, blocked %v", cfg.Merge, st.End, m.Actions(st, 0, nil), m.Blocked(st, 0))
					}
				} else if st.End != sim.Failed {
					t.Errorf("merge %v: end %v, want %v at MaxInvisible", cfg.Merge, st.End, sim.Failed)
				}
			}
		})
	}
}
