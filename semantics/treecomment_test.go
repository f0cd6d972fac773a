package semantics

import (
	"testing"

	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/parse"
)

// TestTreeBlockComments: a tree's text keeps its block comments as lines
// of the model; a hunk that removes one with the code it describes (6.12
// smp_send_stop()'s NMI retry and the comment above it) applies, the
// comment's lines passed over as the hunk's are.
func TestTreeBlockComments(t *testing.T) {
	tree, err := OpenTree(testtree.Dir(t, "6.12"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := parse.ParseFiles([]string{"../fixtures/variants/smp-stop-nmi-retry-dropped-6.12.mbox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(s, &Options{Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unmodelled) > 0 || len(res.NotApplied) > 0 {
		t.Fatalf("unmodelled %v, not applied %v", res.Unmodelled, res.NotApplied)
	}
	found := false
	for _, pc := range res.Patches {
		for _, fc := range pc.Files {
			for _, f := range fc.Funcs {
				if f.Name == "smp_send_stop" {
					found = true
					if f.Status != Applied {
						t.Errorf("smp_send_stop: status %v (%s)", f.Status, f.Reason)
					}
				}
			}
		}
	}
	if !found {
		t.Error("smp_send_stop is not among the changed functions")
	}
	if res.Identical {
		t.Error("BEFORE and AFTER are the same program: the retry was not removed")
	}
}
