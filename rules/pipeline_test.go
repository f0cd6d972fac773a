package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

// TestSeriesSteps evaluates the seed split in two: patch 1 switches
// machine_shutdown() to smp_send_stop() (the secondaries then park), patch 2
// makes them call cpu_die(). Each prefix is evaluated.
func TestSeriesSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("explores two series prefixes")
	}
	s, err := parse.ParseFiles([]string{"testdata/series-split-seed.mbox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Patches) != 2 {
		t.Fatalf("%d patches", len(s.Patches))
	}
	r := evaluateSeries(t, s, defaultPack(t))
	if len(r.Steps) != 2 || r.Steps[0].Upto != 1 || r.Steps[1].Upto != 2 {
		t.Fatalf("steps %+v", r.Steps)
	}
	for _, st := range r.Steps {
		// Relocation never waits for the firmware: after patch 1 the
		// secondaries park, after patch 2 they race to CPU_OFF.
		if !st.BehaviourChanged || st.Verdict != "fail" || !strings.Contains(st.Summary, "kexec.secondaries-off-at-relocation") {
			t.Errorf("step %d: %+v", st.Upto, st)
		}
	}
	if r.Steps[1].Verdict != r.Verdict || r.Steps[1].Summary != r.Summary {
		t.Errorf("last step %+v differs from the whole series (%s: %s)", r.Steps[1], r.Verdict, r.Summary)
	}
}

// TestCheckDeterministic runs the whole evaluation twice with the same seed.
func TestCheckDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline twice")
	}
	s, err := parse.ParseFiles([]string{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out [2][]byte
	for i := range out {
		r, err := Check(s, Options{Seed: 7, Budget: Budget{MaxStates: 3_000_000, Runs: 20}})
		if err != nil {
			t.Fatal(err)
		}
		out[i], _ = json.Marshal(r)
	}
	if string(out[0]) != string(out[1]) {
		t.Error("two runs with the same seed differ")
	}
}

// TestSitePack runs properties added by a pack file (a few lines of YAML)
// through the real engines: one reads a kernel global, one quantifies over
// the secondaries at the end of every run.
func TestSitePack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the explorer")
	}
	pack, err := LoadPack("testdata/packs/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		input        string
		parkedBefore string
		parkedAfter  string
	}{
		{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox", "holds", "holds"},
		{"../fixtures/variants/park-only.mbox", "holds", "violated"},
	}
	for _, tt := range tests {
		s, err := parse.ParseFiles([]string{tt.input}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := evaluateSeries(t, s, pack)
		want := map[string]string{
			"site.kexec-flag-at-relocation before": "holds", "site.kexec-flag-at-relocation after": "holds",
			"site.no-parked-secondary before": tt.parkedBefore, "site.no-parked-secondary after": tt.parkedAfter,
		}
		for _, p := range r.Properties {
			k := p.ID + " " + p.Variant
			if w, ok := want[k]; ok {
				if p.Verdict != w {
					t.Errorf("%s: %s: %s (%s), want %s", tt.input, k, p.Verdict, p.Reason, w)
				}
				if p.Scenario.CPUs != 2 {
					t.Errorf("%s: %s explored in %+v, want the site matrix", tt.input, k, p.Scenario)
				}
				delete(want, k)
			}
		}
		if len(want) > 0 {
			t.Errorf("%s: properties missing: %v", tt.input, want)
		}
	}
}
