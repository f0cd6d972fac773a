package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestClaimsGolden extracts the claims of every seed and variant fixture
// (through the parser, so the cues come from the real diffs) and compares
// them with testdata/claims/*.json. Run with -update to rewrite, then review
// the diff.
func TestClaimsGolden(t *testing.T) {
	pack := defaultPack(t)
	var inputs []string
	for _, g := range []string{"../fixtures/seed/*", "../fixtures/variants/*.mbox", "testdata/*.mbox"} {
		m, _ := filepath.Glob(g)
		for _, f := range m {
			// fixtures/seed/ports holds the seed rebased onto other
			// kernels: the same message, so the same claims.
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				inputs = append(inputs, f)
			}
		}
	}
	if len(inputs) < 4 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			s, err := parse.ParseFiles([]string{in}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			claims := ExtractClaims(Messages(s), &pack.Claims, 16)
			got, err := json.MarshalIndent(claims, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "claims", strings.TrimSuffix(name, filepath.Ext(name))+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./rules -run ClaimsGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("claims of %s differ from %s (run with -update and review the diff)\n%s", in, golden, got)
			}
		})
	}
}
