package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// A flip test changes one thing a patch adds and checks that the verdicts
// move the way the kernel facts in the archive's comment say. Archives in
// testdata/flip hold: base (a fixture path), expect (lines "property variant
// faults base-verdict flipped-verdict"; "entry:property" for a property of
// an entry other than kexec), optionally claims (lines "text |
// variant | metric | base-verdict | flipped-verdict", "-" for a claim the
// message does not make), steps (lines "upto
// base flipped": a series patch's own verdict), findings (lines "property
// base-patch flipped-patch": where the finding is blamed), cost (lines "text
// | variant | metric | base-top-cause | flipped-top-cause"), and replace/with (a block of the
// base's text and what it becomes; hunk headers are recounted).
func TestFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the explorer on two patches per case")
	}
	pack := defaultPack(t)
	files, _ := filepath.Glob("testdata/flip/*.txtar")
	if len(files) < 3 {
		t.Fatalf("want at least three flip cases, have %d", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sec := map[string]string{}
			for _, fl := range ar.Files {
				sec[fl.Name] = string(fl.Data)
			}
			base := filepath.Join("..", strings.TrimSpace(sec["base"]))
			data, err := os.ReadFile(base)
			if err != nil {
				t.Fatal(err)
			}
			flipped, err := flip(string(data), sec["replace"], sec["with"])
			if err != nil {
				t.Fatal(err)
			}
			fp := filepath.Join(t.TempDir(), "flipped.mbox")
			if err := os.WriteFile(fp, []byte(flipped), 0o644); err != nil {
				t.Fatal(err)
			}
			// gap lines: "property variant faults: why the model does not
			// meet the flipped verdict yet" (see fixtures/expect/README.md).
			gaps := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(sec["gap"]), "\n") {
				if k, v, ok := strings.Cut(l, ":"); ok {
					gaps[strings.Join(strings.Fields(k), " ")] = strings.TrimSpace(v)
				}
			}
			r0 := evaluateFile(t, base, pack)
			r1 := evaluateFile(t, fp, pack)
			// claims lines: "text | variant | metric | base-verdict | flipped-verdict".
			for _, line := range strings.Split(strings.TrimSpace(sec["claims"]), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				w := strings.Split(line, "|")
				if len(w) != 5 {
					t.Fatalf("claims line %q: want 5 fields separated by |", line)
				}
				for i := range w {
					w[i] = strings.TrimSpace(w[i])
				}
				for i, r := range []*Report{r0, r1} {
					c := findClaim(r, w[0], w[1], w[2])
					switch {
					case w[3+i] == "-":
						if c != nil {
							t.Errorf("%s: claim %q %s %s is in the report, want it absent", []string{"base", "flipped"}[i], w[0], w[1], w[2])
						}
					case c == nil:
						t.Errorf("%s: claim %q %s %s not in the report", []string{"base", "flipped"}[i], w[0], w[1], w[2])
					case c.Verdict != w[3+i]:
						t.Errorf("%s: claim %q %s %s: %s (%s), want %s", []string{"base", "flipped"}[i], w[0], w[1], w[2], c.Verdict, c.Reason, w[3+i])
					}
				}
			}
			// cost lines: "text | variant | metric | base-top-cause |
			// flipped-top-cause": the largest share of the claim's
			// predicted median.
			for _, line := range strings.Split(strings.TrimSpace(sec["cost"]), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				w := strings.Split(line, "|")
				if len(w) != 5 {
					t.Fatalf("cost line %q: want 5 fields separated by |", line)
				}
				for i := range w {
					w[i] = strings.TrimSpace(w[i])
				}
				for i, r := range []*Report{r0, r1} {
					c := findClaim(r, w[0], w[1], w[2])
					switch {
					case c == nil:
						t.Errorf("%s: claim %q %s %s not in the report", []string{"base", "flipped"}[i], w[0], w[1], w[2])
					case len(c.Cost) == 0:
						t.Errorf("%s: claim %q has no cost breakdown", []string{"base", "flipped"}[i], w[0])
					case c.Cost[0].What != w[3+i]:
						t.Errorf("%s: claim %q: the median goes mostly to %s (%v), want %s", []string{"base", "flipped"}[i], w[0], c.Cost[0].What, c.Cost, w[3+i])
					}
				}
			}
			// steps lines: "upto base-patch-verdict flipped-patch-verdict".
			for _, line := range strings.Split(strings.TrimSpace(sec["steps"]), "\n") {
				w := strings.Fields(line)
				if len(w) == 0 {
					continue
				}
				if len(w) != 3 {
					t.Fatalf("steps line %q: want 3 fields", line)
				}
				for i, r := range []*Report{r0, r1} {
					got := "-"
					for _, st := range r.Steps {
						if strconv.Itoa(st.Upto) == w[0] {
							got = st.PatchVerdict
						}
					}
					if got != w[1+i] {
						t.Errorf("%s: patch %s on its own: %s, want %s", []string{"base", "flipped"}[i], w[0], got, w[1+i])
					}
				}
			}
			// findings lines: "property base-patch flipped-patch": the patch
			// the property's finding (not a note) is located in.
			for _, line := range strings.Split(strings.TrimSpace(sec["findings"]), "\n") {
				w := strings.Fields(line)
				if len(w) == 0 {
					continue
				}
				if len(w) != 3 {
					t.Fatalf("findings line %q: want 3 fields", line)
				}
				for i, r := range []*Report{r0, r1} {
					got := "-"
					for _, f := range r.Findings {
						if f.ID == w[0] && f.Severity != "note" && f.Location != nil {
							got = strconv.Itoa(f.Location.Patch)
						}
					}
					if got != w[1+i] {
						t.Errorf("%s: finding %s in patch %s, want %s", []string{"base", "flipped"}[i], w[0], got, w[1+i])
					}
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(sec["expect"]), "\n") {
				w := strings.Fields(line)
				if len(w) != 5 {
					t.Fatalf("expect line %q: want 5 fields", line)
				}
				e := expectedProperty{ID: w[0], Variant: w[1], Faults: w[2]}
				if en, id, ok := strings.Cut(w[0], ":"); ok {
					// "entry:property" names a property of another entry.
					e.Entry, e.ID = en, id
				}
				for i, r := range []*Report{r0, r1} {
					p := findProperty(r, e)
					want := w[3+i]
					switch {
					case p == nil:
						t.Errorf("%s: %s not in the report", []string{"base", "flipped"}[i], line)
					case i == 1 && gap(t, line, p.Verdict, want, p.Reason, gaps[strings.Join(w[:3], " ")]):
					case p.Verdict != want:
						t.Errorf("%s: %s %s: %s (%s), want %s", []string{"base", "flipped"}[i], e.ID, e.Variant, p.Verdict, p.Reason, want)
					}
				}
			}
		})
	}
}

// findClaim returns the first claim of r with the text, variant and metric.
func findClaim(r *Report, text, variant, metric string) *Claim {
	for i := range r.Claims {
		if c := &r.Claims[i]; c.Text == text && c.Variant == variant && c.Metric == metric {
			return c
		}
	}
	return nil
}

// flip replaces the one occurrence of old in text with new and recounts the
// hunk headers of the result.
func flip(text, old, new string) (string, error) {
	if n := strings.Count(text, old); n != 1 {
		return "", fmt.Errorf("replace block occurs %d times in the base, want once", n)
	}
	return recount(strings.Replace(text, old, new, 1)), nil
}

var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$`)

// recount rewrites every hunk header's line counts from its body, and the
// new-side start from the old-side start and the shift of the file's
// earlier hunks.
func recount(text string) string {
	lines := strings.Split(text, "\n")
	shift := 0
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "diff --git ") {
			shift = 0
			continue
		}
		m := hunkRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		oldN, newN := 0, 0
		for j := i + 1; j < len(lines); j++ {
			l := lines[j]
			if l == "-- " || strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "@@ ") {
				break
			}
			switch {
			case l == "" || l[0] == ' ':
				if l == "" && j == len(lines)-1 {
					break
				}
				oldN++
				newN++
			case l[0] == '-':
				oldN++
			case l[0] == '+':
				newN++
			}
		}
		start, _ := strconv.Atoi(m[1])
		lines[i] = fmt.Sprintf("@@ -%d,%d +%d,%d @@%s", start, oldN, start+shift+boolInt(start == 0), newN, m[5])
		shift += newN - oldN
	}
	return strings.Join(lines, "\n")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRecount(t *testing.T) {
	in := "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -10,9 +10,9 @@ f\n a\n-b\n+c\n+d\n e\n@@ -40,2 +40,2 @@\n x\n+y\n-- \n2.0\n"
	want := "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -10,3 +10,4 @@ f\n a\n-b\n+c\n+d\n e\n@@ -40,1 +41,2 @@\n x\n+y\n-- \n2.0\n"
	if got := recount(in); got != want {
		t.Errorf("recount:\n%s\nwant\n%s", got, want)
	}
}
