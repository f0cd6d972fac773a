package report

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

// TestShortFindingFaults: a finding first found under an injected fault
// says so on its heading line; one of the healthy machine does not.
func TestShortFindingFaults(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	if len(r.Findings) < 2 {
		t.Fatal("the seed report has fewer than two findings")
	}
	r.Findings = r.Findings[:2]
	r.Findings[0].Scenario = &rules.Scenario{CPUs: 2, Load: "idle", Faults: []string{"cpu-off-denied"}}
	r.Findings[1].Scenario = &rules.Scenario{CPUs: 2, Load: "idle"}
	out := string(render(t, "text", r, Options{}))
	var heads []string
	for _, l := range strings.Split(out, "\n") {
		for _, f := range r.Findings {
			if strings.Contains(l, "  "+f.ID) && !strings.HasPrefix(l, " ") {
				heads = append(heads, l)
			}
		}
	}
	if len(heads) != 2 {
		t.Fatalf("heading lines %q, want 2:\n%s", heads, out)
	}
	if !strings.HasSuffix(heads[0], r.Findings[0].ID+"  (under cpu-off-denied)") {
		t.Errorf("%q does not name the fault", heads[0])
	}
	if strings.Contains(heads[1], "(under") {
		t.Errorf("%q names a fault the healthy machine has not", heads[1])
	}
}
