package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// scripted is an Engines whose answers are given per program: it lets the
// aggregation, findings and verdict logic be tested without the simulator.
type scripted struct {
	verdicts map[*sim.Program]map[string]string // property id -> verdict
	shutdown map[*sim.Program]Distribution
	explores int
	// loadFree marks every result LoadFree; loads counts explorations
	// by load.
	loadFree bool
	loads    map[string]int
	// mu guards the counters: Evaluate calls the engines at once.
	mu sync.Mutex
}

func (s *scripted) Explore(req *ExploreRequest) ([]CheckResult, error) {
	s.mu.Lock()
	s.explores++
	if s.loads != nil {
		s.loads[req.Scenario.Load]++
	}
	s.mu.Unlock()
	var out []CheckResult
	for _, r := range req.Rules {
		v := s.verdicts[req.Program][r.ID]
		if v == "" {
			v = "holds"
		}
		cr := CheckResult{Verdict: v, Explored: Exploration{Mode: "exhaustive", States: 10, Complete: true}, LoadFree: s.loadFree}
		if v == "violated" || v == "holds-if-bounds" {
			cr.Counterexample = &Counterexample{CPUs: req.Scenario.CPUs, Steps: []Step{
				{CPU: 1, Action: "set_cpu_online", File: "arch/arm64/kernel/smp.c", Line: 848, Side: "model"},
				{CPU: 0, Action: "num_online_cpus", File: "arch/arm64/kernel/process.c", Line: 159, Side: "post"},
				{CPU: 0, Action: "relocate", File: "arch/arm64/kernel/machine_kexec.c", Line: 190, Side: "model"}}}
		}
		if v == "holds-if-bounds" {
			cr.NeedsExpiry = []string{"smp_send_stop: other CPUs offline"}
		}
		out = append(out, cr)
	}
	return out, nil
}

func (s *scripted) Measure(req *MeasureRequest) (*MeasureResult, error) {
	d := s.shutdown[req.Program]
	d.Runs = req.Runs
	return &MeasureResult{Metrics: map[string]Distribution{"machine_shutdown": d, "secondaries_off": d},
		Costs: map[string][]CostShare{"machine_shutdown": {{What: "psci", Share: 1}}}}, nil
}

// TestClaimCostWithPseudoNMI: with pseudo-NMI on for the whole run
// (--pseudo-nmi) a judged claim still shows where its median goes: the
// breakdown is looked up under the scenario the timed set ran in.
func TestClaimCostWithPseudoNMI(t *testing.T) {
	before, after := &sim.Program{}, &sim.Program{}
	msg := "This patch reduces the shutdown time for 23 CPUs from about .65 seconds to less than 5 msecs."
	for _, nmi := range []bool{false, true} {
		eng := &scripted{shutdown: map[*sim.Program]Distribution{before: {P5: 0.45, Median: 0.55, P95: 0.7}, after: {P5: 0.0002, Median: 0.0005, P95: 0.001}}}
		in := &EvalInput{Series: testSeries(msg), Programs: Variants{Before: before, After: after, Covered: true},
			Pack: defaultPack(t), Profile: profile.Default(), Seed: 3, Budget: Budget{Runs: 20}, Engines: eng, PseudoNMI: nmi}
		r, err := Evaluate(in)
		if err != nil {
			t.Fatal(err)
		}
		judged := 0
		for _, c := range r.Claims {
			if c.Verdict == "consistent" || c.Verdict == "inconsistent" {
				judged++
				if len(c.Cost) == 0 {
					t.Errorf("pseudo-NMI %v: claim %q (%s) has no cost breakdown", nmi, c.Text, c.Verdict)
				}
			}
		}
		if judged == 0 {
			t.Fatalf("pseudo-NMI %v: no claim judged: %+v", nmi, r.Claims)
		}
	}
}

func testSeries(msg string) *parse.Series {
	return &parse.Series{Patches: []*parse.Patch{{Index: 1, Total: 1, Message: msg}}}
}

func TestEvaluateVerdicts(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	fast := Distribution{P5: 0.0002, Median: 0.0005, P95: 0.001}
	slow := Distribution{P5: 0.45, Median: 0.55, P95: 0.7}
	msg := "This patch reduces the shutdown time for 23 CPUs from about .65 seconds to less than 5 msecs."
	tests := []struct {
		name        string
		after       map[string]string
		before      map[string]string
		afterTime   Distribution
		identical   bool
		wantVerdict string
		wantFinding string
	}{
		{"new race", map[string]string{"kexec.secondaries-off-at-relocation": "violated"}, map[string]string{"kexec.secondaries-off-at-relocation": "holds-if-bounds"},
			fast, false, "fail", "kexec.secondaries-off-at-relocation"},
		{"violated before too", map[string]string{"kexec.reboot-completes": "violated"}, map[string]string{"kexec.reboot-completes": "violated"},
			fast, false, "pass", "kexec.reboot-completes"},
		{"new dependence on a bound", map[string]string{"kexec.reboot-completes": "holds-if-bounds"}, nil,
			fast, false, "pass", "kexec.reboot-completes"},
		{"inconclusive", map[string]string{"kexec.reboot-completes": "inconclusive"}, nil, fast, false, "inconclusive", "kexec.reboot-completes"},
		{"claim contradicted by an unchanged program", nil, nil, slow, true, "fail", "claim.inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &scripted{verdicts: map[*sim.Program]map[string]string{before: tt.before, after: tt.after},
				shutdown: map[*sim.Program]Distribution{before: slow, after: tt.afterTime}}
			in := &EvalInput{Series: testSeries(msg), Programs: Variants{Before: before, After: after, Covered: true, Identical: tt.identical},
				Pack: pack, Profile: profile.Default(), Seed: 3, Budget: Budget{Runs: 20}, Engines: eng}
			r, err := Evaluate(in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.wantVerdict {
				t.Errorf("verdict %s (%s), want %s", r.Verdict, r.Summary, tt.wantVerdict)
			}
			found := false
			for _, f := range r.Findings {
				if f.ID == tt.wantFinding {
					found = true
					if f.Property != "" && f.Location != nil && (f.Location.Line != 159 || f.Location.Side != "post") {
						t.Errorf("finding located at %+v, want the post-image line of the counterexample", f.Location)
					}
				}
			}
			if !found {
				t.Errorf("no finding %s in %+v", tt.wantFinding, r.Findings)
			}
			// One property entry per rule, variant and fault set.
			seen := map[string]bool{}
			for _, p := range r.Properties {
				k := p.ID + p.Entry + p.Variant + strings.Join(p.Scenario.Faults, ",")
				if seen[k] {
					t.Errorf("duplicate property entry %s", k)
				}
				seen[k] = true
			}
			if len(r.Claims) != 2 || r.Claims[0].Source == "" || !strings.Contains(r.Claims[0].Source, "seed 3, 20 runs, profile") {
				t.Errorf("claims/sources: %+v", r.Claims)
			}
			if tt.identical && !strings.Contains(r.Claims[1].Reason, "does not change the modelled behaviour") {
				t.Errorf("identical programs not said: %s", r.Claims[1].Reason)
			}
		})
	}
}

func TestEvaluateDeterministic(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	run := func() []byte {
		eng := &scripted{verdicts: map[*sim.Program]map[string]string{after: {"kexec.secondaries-off-at-relocation": "violated"}},
			shutdown: map[*sim.Program]Distribution{before: {P5: 0.4, Median: 0.5, P95: 0.6}, after: {P5: 0.001, Median: 0.002, P95: 0.003}}}
		r, err := Evaluate(&EvalInput{Series: testSeries("Currently shutdown takes about 0.5 s on 8 CPUs; with this patch it takes 2 ms."),
			Programs: Variants{Before: before, After: after, Covered: true}, Pack: pack, Profile: profile.Default(), Seed: 1, Engines: eng})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		return b
	}
	a, b := run(), run()
	if string(a) != string(b) {
		t.Error("two evaluations of the same input differ")
	}
}

func TestEvaluateNotCovered(t *testing.T) {
	eng := &scripted{}
	r, err := Evaluate(&EvalInput{Series: testSeries("Add a driver that probes in 2 ms."), Pack: defaultPack(t), Engines: eng})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "inconclusive" || eng.explores != 0 || len(r.Properties) != 0 {
		t.Errorf("verdict %s, %d explorations, %d properties", r.Verdict, eng.explores, len(r.Properties))
	}
	if ExitCode(r.Verdict) != 3 || ExitCode("fail") != 1 || ExitCode("pass") != 0 {
		t.Error("exit codes")
	}
}

// failing is an engine that cannot run anything.
type failing struct{}

func (failing) Explore(*ExploreRequest) ([]CheckResult, error) {
	return nil, errors.New("sim: bad jump target")
}
func (failing) Measure(*MeasureRequest) (*MeasureResult, error) {
	return nil, errors.New("sim: bad jump target")
}

// TestEvaluateEngineErrors: a program the machine cannot run makes verdicts
// inconclusive and claims not evaluated; the evaluation itself succeeds.
func TestEvaluateEngineErrors(t *testing.T) {
	r, err := Evaluate(&EvalInput{Series: testSeries("This patch cuts shutdown for 8 CPUs to less than 5 ms."),
		Programs: Variants{Before: &sim.Program{}, After: &sim.Program{}, Covered: true}, Pack: defaultPack(t),
		Profile: profile.Default(), Engines: failing{}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "inconclusive" {
		t.Errorf("verdict %s", r.Verdict)
	}
	for _, p := range r.Properties {
		if p.Scenario.CPUs > 0 && (p.Verdict != "inconclusive" || !strings.Contains(p.Reason, "bad jump target")) {
			t.Errorf("%s %s: %s %s", p.ID, p.Variant, p.Verdict, p.Reason)
		}
	}
	if len(r.Claims) != 1 || r.Claims[0].Verdict != "not-evaluated" || !strings.Contains(r.Claims[0].Reason, "bad jump target") {
		t.Errorf("claims %+v", r.Claims)
	}
}

// TestSeriesStepsReuseExplorations: the prefixes of a series explore only
// programs not explored before. Every prefix's BEFORE is the baseline, and a
// prefix whose last patch changes nothing modelled has the AFTER of the one
// before it; those are answered from the earlier explorations.
func TestSeriesStepsReuseExplorations(t *testing.T) {
	pack := defaultPack(t)
	prog := func(name string) *sim.Program { return &sim.Program{Funcs: []sim.Func{{Name: name}}} }
	before, after := prog("baseline"), prog("after patch 3")
	run := func(steps []Variants) (*Report, int) {
		eng := &scripted{verdicts: map[*sim.Program]map[string]string{after: {"kexec.secondaries-off-at-relocation": "violated"}}}
		r, err := Evaluate(&EvalInput{Series: testSeries("Stop CPUs faster."), Programs: Variants{Before: before, After: after, Covered: true},
			Steps: steps, Pack: pack, Profile: profile.Default(), Seed: 1, Budget: Budget{Runs: 5}, Engines: eng})
		if err != nil {
			t.Fatal(err)
		}
		return r, eng.explores
	}
	_, alone := run(nil)
	if alone == 0 || alone%2 != 0 {
		t.Fatalf("%d explorations for BEFORE and AFTER", alone)
	}
	// Patch 1 changes the code, patch 2 changes nothing modelled, patch 3
	// changes it again: BEFORE is always a fresh copy of the baseline.
	after1 := prog("after patch 1")
	r, n := run([]Variants{
		{Before: prog("baseline"), After: after1, Covered: true},
		{Before: prog("baseline"), After: prog("after patch 1"), Covered: true},
	})
	if want := alone + alone/2; n != want {
		t.Errorf("%d explorations for a 3-patch series, want %d (BEFORE and AFTER, then AFTER of patch 1 once)", n, want)
	}
	if len(r.Steps) != 3 || r.Steps[0].Verdict != "pass" || r.Steps[1].Verdict != "pass" || r.Steps[2].Verdict != "fail" {
		t.Errorf("steps %+v", r.Steps)
	}
}

// TestOneExplorationForBothLoads: a busy scenario reuses the idle
// exploration when every result of it is LoadFree, and only then; the
// report is the same either way, and without Plots it has no timelines and
// only the claims' metrics.
func TestOneExplorationForBothLoads(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	msg := "This patch reduces the shutdown time for 23 CPUs from about .65 seconds to less than 5 msecs."
	run := func(loadFree, plots bool) (*Report, map[string]int) {
		eng := &scripted{verdicts: map[*sim.Program]map[string]string{after: {"kexec.secondaries-off-at-relocation": "violated"}},
			shutdown: map[*sim.Program]Distribution{before: {Median: 0.5}, after: {Median: 0.001}},
			loadFree: loadFree, loads: map[string]int{}}
		r, err := Evaluate(&EvalInput{Series: testSeries(msg), Programs: Variants{Before: before, After: after, Covered: true},
			Pack: pack, Profile: profile.Default(), Seed: 3, Budget: Budget{Runs: 20}, Engines: eng, Plots: plots})
		if err != nil {
			t.Fatal(err)
		}
		return r, eng.loads
	}
	shared, sharedLoads := run(true, false)
	separate, separateLoads := run(false, false)
	if sharedLoads["busy"] != 0 || sharedLoads["idle"] == 0 {
		t.Errorf("load-free results: explorations by load %v, want idle only", sharedLoads)
	}
	if separateLoads["busy"] != separateLoads["idle"] || separateLoads["busy"] == 0 {
		t.Errorf("load-dependent results: explorations by load %v, want as many busy as idle", separateLoads)
	}
	a, _ := json.Marshal(shared)
	b, _ := json.Marshal(separate)
	if string(a) != string(b) {
		t.Errorf("the report depends on whether the busy exploration was shared:\n%s\n%s", a, b)
	}
	if len(shared.Timelines) != 0 {
		t.Errorf("%d timelines without Plots", len(shared.Timelines))
	}
	plotted, _ := run(true, true)
	if len(plotted.Metrics) <= len(shared.Metrics) {
		t.Errorf("Plots: %d metrics, without: %d; want the timing matrix's on top", len(plotted.Metrics), len(shared.Metrics))
	}
	for _, m := range shared.Metrics {
		if !strings.Contains(scenarioString(m.Scenario), "23 CPUs") {
			t.Errorf("metric %s %s at %s without Plots: not a claim's scenario", m.Variant, m.Name, scenarioString(m.Scenario))
		}
	}
}
