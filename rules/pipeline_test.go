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
