package sim_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must reject or accept them
// without panicking, an accepted state must re-encode to bytes that decode
// again, and stepping it must not panic either.
func FuzzDecode(f *testing.F) {
	m, err := sim.NewMachine(simtest.HotplugProtocol(), sim.Config{CPUs: 3, Merge: true, AtomicWaits: true})
	if err != nil {
		f.Fatal(err)
	}
	st := m.Initial()
	var res sim.StepResult
	c := m.NewCanon()
	for i := 0; i < 12 && st.End == sim.Running; i++ {
		f.Add(m.Encode(nil, st))
		f.Add(c.Encode(nil, st, true))
		var acts []sim.Action
		for cpu := 0; cpu < 3; cpu++ {
			acts = m.Actions(st, cpu, acts)
		}
		if len(acts) == 0 {
			break
		}
		m.Step(st, acts[i%len(acts)], &res)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var st sim.State
		if m.Decode(data, &st) != nil {
			return
		}
		enc := m.Encode(nil, &st)
		var again sim.State
		if err := m.Decode(enc, &again); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		var res sim.StepResult
		for cpu := 0; cpu < 3; cpu++ {
			for _, a := range m.Actions(&st, cpu, nil) {
				s := st.Clone()
				m.Step(s, a, &res)
			}
		}
	})
}
