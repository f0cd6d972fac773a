package semantics

import (
	"strings"
	"testing"
)

// TestFateNotice: the sentence of a patch that does not apply counts its
// hunks in words a reader can take in (one hunk, no zero counts).
func TestFateNotice(t *testing.T) {
	hunks := func(fates ...HunkFate) []*Hunk {
		var out []*Hunk
		for _, f := range fates {
			out = append(out, &Hunk{Fate: f})
		}
		return out
	}
	const tail = "; nothing of it is executed and no claim is judged"
	for _, tc := range []struct {
		fate  string
		hunks []*Hunk
		want  string
	}{
		{PatchAlreadyApplied, hunks(AlreadyApplied), "already applied in the baseline: its hunk applies in reverse"},
		{PatchAlreadyApplied, hunks(AlreadyApplied, AlreadyApplied), "already applied in the baseline: all 2 hunks apply in reverse"},
		{PatchAlreadyApplied, hunks(AlreadyApplied, Unknown), "already applied in the baseline: 1 of 2 hunks apply in reverse, the others' fate is unknown"},
		{PatchSinceModified, hunks(SinceModified), "applied in the baseline and since modified: 1 hunk has its lines in the baseline with changed surroundings"},
		{PatchSinceModified, hunks(AlreadyApplied, AlreadyApplied, SinceModified, NotApplicable),
			"applied in the baseline and since modified: 2 hunks apply in reverse, 1 hunk has its lines in the baseline with changed surroundings, 1 hunk does not apply"},
		{PatchNotApplicable, hunks(NotApplicable), "does not apply to the baseline: its hunk applies in neither direction"},
		{PatchNotApplicable, hunks(NotApplicable, NotApplicable), "does not apply to the baseline: 2 of 2 hunks apply in neither direction"},
	} {
		got := FateNotice(tc.fate, tc.hunks)
		if got != tc.want+tail {
			t.Errorf("%s %d hunks:\n got %q\nwant %q", tc.fate, len(tc.hunks), got, tc.want+tail)
		}
		if strings.Contains(got, " 0 ") {
			t.Errorf("%q counts zero", got)
		}
	}
	if got := FateNotice(PatchApplies, hunks(Applies)); got != "" {
		t.Errorf("a patch that applies: %q", got)
	}
}
