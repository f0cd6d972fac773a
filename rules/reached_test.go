package rules

import (
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

// TestSameReachedCode: a patch leaves the modelled behaviour as it is when
// the instructions its entries reach are the same.
func TestSameReachedCode(t *testing.T) {
	for _, tt := range []struct {
		file                     string
		same, unreached, changed bool
	}{
		{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox", false, false, true},
		{"../fixtures/variants/comment-only.mbox", true, false, false},
		{"../fixtures/variants/unreached-crash-stop.mbox", true, true, false},
		{"../fixtures/variants/psci-kill-poll.mbox", false, false, true},
	} {
		s, err := parse.ParseFiles([]string{tt.file}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _, _, err := Analyze(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameReachedCode(v.Before, v.After); got != tt.same {
			t.Errorf("%s: same reached code %v, want %v", tt.file, got, tt.same)
		}
		if v.Unreached != tt.unreached || (v.Covered && !v.Identical) != tt.changed {
			t.Errorf("%s: unreached %v, behaviour changed %v; want %v, %v", tt.file, v.Unreached, v.Covered && !v.Identical, tt.unreached, tt.changed)
		}
		if !sameReachedCode(v.Before, v.Before) {
			t.Errorf("%s: BEFORE differs from itself", tt.file)
		}
	}
}
