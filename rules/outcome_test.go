package rules

import (
	"fmt"
	"strings"
	"testing"
)

// TestVerdictLine: the verdict line names at most three undecided
// properties with the count, and does not call a patch that was not
// applied one that changes nothing.
func TestVerdictLine(t *testing.T) {
	after := func(n int) *Report {
		r := &Report{}
		for i := range n {
			r.Properties = append(r.Properties, Property{ID: fmt.Sprintf("p.%02d", i), Variant: "after", Verdict: "inconclusive"})
		}
		return r
	}
	withPatches := func(r *Report, applies ...string) *Report {
		for _, a := range applies {
			r.Series.Patches = append(r.Series.Patches, Patch{Applies: a})
		}
		return r
	}
	violatedAfter := func(before string) *Report {
		r := &Report{Properties: []Property{{ID: "p.v", Variant: "after", Verdict: "violated", Severity: "error"}}}
		if before != "" {
			r.Properties = append(r.Properties, Property{ID: "p.v", Variant: "before", Verdict: before})
		}
		return r
	}
	for _, tc := range []struct {
		name          string
		report        *Report
		v             Variants
		verdict       string
		want, wantNot string
	}{
		{"six named", after(6), Variants{Covered: true}, "inconclusive", "undecided: p.00, p.01, p.02, p.03, p.04, p.05", "more"},
		{"long list counted", after(21), Variants{Covered: true}, "inconclusive", "21 properties undecided: p.00, p.01, p.02 and 18 more", "p.03"},
		{"identical", after(1), Variants{Covered: true, Identical: true}, "inconclusive", "the patch does not change the modelled behaviour", "nothing that applies"},
		{"not applied", after(1), Variants{Covered: true, Identical: true, NotApplied: []string{"patch 1 does not apply"}},
			"inconclusive", "patch 1 does not apply; undecided", "changes the modelled behaviour"},
		{"one of two applied", withPatches(after(1), "applies", "not-applicable"), Variants{Covered: true, Identical: true, NotApplied: []string{"patch 2 does not apply"}},
			"inconclusive", "patch 2 does not apply; nothing that applies changes the modelled behaviour", "the patch does not change"},
		{"violated, before undecided", violatedAfter("inconclusive"), Variants{Covered: true}, "fail",
			"violated after the patch: p.v (healthy) (not decided before the patch)", "undecided:"},
		{"violated, before not run", violatedAfter(""), Variants{Covered: true}, "fail", "(not decided before the patch)", "undecided:"},
		{"violated, before holds", violatedAfter("holds"), Variants{Covered: true}, "fail", "violated after the patch: p.v (healthy)", "not decided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, sum := verdict(tc.report, tc.v)
			if want := tc.verdict; got != want {
				t.Errorf("verdict %s, want %s", got, want)
			}
			if !strings.Contains(sum, tc.want) || strings.Contains(sum, tc.wantNot) {
				t.Errorf("summary %q: want %q and not %q", sum, tc.want, tc.wantNot)
			}
		})
	}
}
