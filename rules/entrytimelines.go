package rules

import "slices"

// entryTimelines adds, after the kexec reboot's, one timeline per variant
// for every other entry that ran (whose properties were explored): one
// timed run (run 0 of the seed, the run a full measurement's timeline
// shows) of the entry's programs in its safety matrix's largest machine of
// the first fault set and load, pseudo-NMI as the entry has it. Only the
// HTML report draws them; no verdict reads them. A run the timed engine
// cannot make leaves the entry without a picture.
func (e *evaluator) entryTimelines(r *Report, v Variants) {
	ran := map[string]bool{}
	for i := range r.Properties {
		ran[r.Properties[i].Entry] = true
	}
	for _, en := range e.in.Pack.EntryList() {
		if en.Boot == "" || !ran[en.ID] {
			continue
		}
		scs := e.entryScenarios(en)
		if len(scs) == 0 {
			continue
		}
		sc := scs[0]
		for _, s := range scs {
			if s.Load == sc.Load && slices.Equal(s.Faults, sc.Faults) && s.CPUs > sc.CPUs {
				sc = s
			}
		}
		for _, variant := range []string{"before", "after"} {
			prog := v.Before
			if variant == "after" {
				prog = v.After
			}
			p, err := e.entryProgram(prog, en)
			if err != nil || p == nil {
				continue
			}
			mr, err := e.in.Engines.Measure(&MeasureRequest{Program: p, Scenario: sc, Metrics: e.engineMetrics(),
				Profile: e.in.Profile, Seed: e.in.Seed, Runs: 1, Budget: e.in.Budget})
			if err != nil || mr == nil || mr.Timeline == nil {
				continue
			}
			t := *mr.Timeline
			t.Variant, t.Scenario, t.Entry = variant, sc, en.ID
			r.Timelines = append(r.Timelines, t)
		}
	}
}
