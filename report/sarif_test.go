package report

import (
	"encoding/json"
	"testing"
)

func TestSARIFValidates(t *testing.T) {
	sch := compileSchema(t, "testdata/sarif-schema-2.1.0.json")
	for _, sample := range samples {
		out := render(t, "sarif", loadReport(t, sample), Options{})
		if err := validate(sch, out); err != nil {
			t.Errorf("%s: SARIF output does not match the SARIF 2.1.0 schema:\n%v", sample, err)
		}
	}
	// The schema is strict enough to notice a broken log.
	if err := validate(sch, []byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}`)); err == nil {
		t.Error("the SARIF schema accepts a driver without a name")
	}
}

func TestSARIFContent(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string `json:"id"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				CodeFlows []struct {
					ThreadFlows []struct {
						ID        string `json:"id"`
						Locations []struct {
							ExecutionOrder int `json:"executionOrder"`
						} `json:"locations"`
					} `json:"threadFlows"`
				} `json:"codeFlows"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "sarif", r, Options{}), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules
	ids := map[string]bool{}
	for _, rule := range rules {
		if ids[rule.ID] {
			t.Errorf("rule %s twice", rule.ID)
		}
		ids[rule.ID] = true
		if rule.Help.Text == "" {
			t.Errorf("rule %s has no help text", rule.ID)
		}
	}
	for _, p := range r.Properties {
		if !ids[p.ID] {
			t.Errorf("no rule for property %s", p.ID)
		}
	}
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	for i, res := range run.Results {
		f := r.Findings[i]
		if rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.ID {
			t.Errorf("result %d: rule %s at index %d, finding %s", i, res.RuleID, res.RuleIndex, f.ID)
		}
		if len(res.Locations) != 1 {
			t.Errorf("result %d: %d locations", i, len(res.Locations))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		if f.Location != nil && (pl.ArtifactLocation.URI != f.Location.File || pl.Region.StartLine != f.Location.Line) {
			t.Errorf("result %d at %s:%d, finding at %s:%d", i, pl.ArtifactLocation.URI, pl.Region.StartLine, f.Location.File, f.Location.Line)
		}
	}
	// The counterexample of the first finding: 9 steps over CPU0 and CPU1,
	// executionOrder 1..9 across both threads.
	flows := run.Results[0].CodeFlows
	if len(flows) != 1 || len(flows[0].ThreadFlows) != 2 {
		t.Fatalf("first result: code flows %+v", flows)
	}
	seen := map[int]bool{}
	for _, tf := range flows[0].ThreadFlows {
		for _, l := range tf.Locations {
			seen[l.ExecutionOrder] = true
		}
	}
	for k := 1; k <= 9; k++ {
		if !seen[k] {
			t.Errorf("executionOrder %d missing", k)
		}
	}
}
