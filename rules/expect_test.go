package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// expectation is a fixtures/expect file (see its README).
type expectation struct {
	Inputs []string `yaml:"inputs"`
	// Tree: the kernel tree (a version of internal/testtree) BEFORE is
	// compiled from; the bundled v5.10 library when empty.
	Tree string `yaml:"tree"`
	// ClaimsSubset: only the claims listed are checked, found by text.
	ClaimsSubset     bool   `yaml:"claims_subset"`
	BehaviourChanged bool   `yaml:"behaviour_changed"`
	Verdict          string `yaml:"verdict"`
	Claims           []struct {
		Text    string `yaml:"text"`
		Variant string `yaml:"variant"`
		Metric  string `yaml:"metric"`
		Verdict string `yaml:"verdict"`
		Why     string `yaml:"why"`
		Gap     string `yaml:"gap"`
	} `yaml:"claims"`
	Properties []expectedProperty `yaml:"properties"`
	// Findings: where a finding of the property must be located.
	Findings []struct {
		ID    string `yaml:"id"`
		Patch int    `yaml:"patch"`
		File  string `yaml:"file"`
		Lines []int  `yaml:"lines"`
		Why   string `yaml:"why"`
	} `yaml:"findings"`
	// Steps: the verdict of each patch of a series on its own.
	Steps []struct {
		Upto         int    `yaml:"upto"`
		PatchVerdict string `yaml:"patch_verdict"`
		Why          string `yaml:"why"`
	} `yaml:"steps"`
}

type expectedProperty struct {
	ID      string `yaml:"id"`
	Entry   string `yaml:"entry"` // the entry it is checked on; kexec when empty
	Variant string `yaml:"variant"`
	Faults  string `yaml:"faults"`
	Verdict string `yaml:"verdict"`
	// NeedsExpiry, CertainExpiry: when given, the waits (by the function
	// they are in) the property's needs_expiry and certain_expiry name.
	NeedsExpiry   []string `yaml:"needs_expiry"`
	CertainExpiry []string `yaml:"certain_expiry"`
	Why           string   `yaml:"why"`
	Gap           string   `yaml:"gap"`
}

// waitFuncs is the functions of the named waits ("f: while ..."), sorted.
func waitFuncs(names []string) string {
	var fs []string
	for _, n := range names {
		f, _, _ := strings.Cut(n, ":")
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return strings.Join(fs, ",")
}

func readExpectation(t *testing.T, path string) *expectation {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e expectation
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, c := range e.Claims {
		if strings.TrimSpace(c.Why) == "" {
			t.Errorf("%s: claim %q has no justification", path, c.Text)
		}
	}
	for _, p := range e.Properties {
		if strings.TrimSpace(p.Why) == "" {
			t.Errorf("%s: property %s/%s has no justification", path, p.ID, p.Variant)
		}
	}
	return &e
}

// evaluateFile runs the whole pipeline on one input with the default pack
// and profile.
func evaluateFile(t *testing.T, path string, pack *Pack) *Report {
	t.Helper()
	return evaluateFileWith(t, path, pack, nil)
}

func evaluateFileWith(t *testing.T, path string, pack *Pack, opts *semantics.Options) *Report {
	t.Helper()
	s, err := parse.ParseFiles([]string{path}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return evaluateSeriesWith(t, s, pack, opts)
}

func evaluateSeries(t testing.TB, s *parse.Series, pack *Pack) *Report {
	t.Helper()
	return evaluateSeriesWith(t, s, pack, nil)
}

func evaluateSeriesWith(t testing.TB, s *parse.Series, pack *Pack, opts *semantics.Options) *Report {
	t.Helper()
	v, steps, res, err := Analyze(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(&EvalInput{Series: s, Programs: v, Steps: steps, Pack: pack, Profile: profile.Default(),
		Seed: 1, Budget: Budget{MaxStates: 3_000_000, Runs: 40}, Engines: SimEngines{}, Added: AddedLines(res)})
	if err != nil {
		t.Fatal(err)
	}
	_, r.Models = Describe(res, nil)
	return r
}

// findProperty returns the report's property for an expectation: faults
// "healthy" is the aggregate over the fault-free scenarios.
func findProperty(r *Report, e expectedProperty) *Property {
	for i := range r.Properties {
		p := &r.Properties[i]
		if p.ID != e.ID || p.Variant != e.Variant || orKexec(p.Entry) != orKexec(e.Entry) {
			continue
		}
		f := strings.Join(p.Scenario.Faults, "+")
		if f == "" {
			f = "healthy"
		}
		if f == e.Faults || p.Scenario.CPUs == 0 {
			return p
		}
	}
	return nil
}

func orKexec(entry string) string {
	if entry == "" {
		return DefaultEntry
	}
	return entry
}

// TestExpectations runs every fixture of fixtures/expect through the
// pipeline and compares the verdicts with the ones derived from the kernel
// facts.
func TestExpectations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the explorer and the timed engine on every fixture")
	}
	pack := defaultPack(t)
	files, _ := filepath.Glob("../fixtures/expect/*.yaml")
	if len(files) == 0 {
		t.Fatal("no expectation files")
	}
	for _, f := range files {
		exp := readExpectation(t, f)
		for _, in := range exp.Inputs {
			t.Run(filepath.Base(f)+"/"+filepath.Base(in), func(t *testing.T) {
				var opts *semantics.Options
				if exp.Tree != "" {
					tree, err := semantics.OpenTree(testtree.Dir(t, exp.Tree))
					if err != nil {
						t.Fatal(err)
					}
					opts = &semantics.Options{Tree: tree}
				}
				r := evaluateFileWith(t, filepath.Join("..", in), pack, opts)
				if exp.Tree != "" && (r.Models.Source == nil || r.Models.Source.Kind != "tree" || len(r.Models.Unmodelled) > 0 || len(r.Models.UnknownCallees) > 0) {
					t.Errorf("models: %+v: want BEFORE from the %s tree with nothing unmodelled or unknown", r.Models, exp.Tree)
				}
				checkExpectation(t, exp, r)
			})
		}
	}
}

func checkExpectation(t *testing.T, exp *expectation, r *Report) {
	t.Helper()
	if r.BehaviourChanged != exp.BehaviourChanged {
		t.Errorf("behaviour_changed = %v, want %v", r.BehaviourChanged, exp.BehaviourChanged)
	}
	if len(r.Claims) != len(exp.Claims) && !exp.ClaimsSubset {
		t.Errorf("%d claims, want %d", len(r.Claims), len(exp.Claims))
	}
	for i, w := range exp.Claims {
		if i >= len(r.Claims) {
			break
		}
		c := r.Claims[i]
		if exp.ClaimsSubset {
			for _, rc := range r.Claims {
				if rc.Text == w.Text && rc.Variant == w.Variant && rc.Metric == w.Metric {
					c = rc
				}
			}
		}
		if c.Text != w.Text || c.Variant != w.Variant || c.Metric != w.Metric {
			t.Errorf("claim %d: got %q %s %s, want %q %s %s", i+1, c.Text, c.Variant, c.Metric, w.Text, w.Variant, w.Metric)
			continue
		}
		if gap(t, fmt.Sprintf("claim %d %q", i+1, w.Text), c.Verdict, w.Verdict, c.Reason, w.Gap) {
			continue
		}
		if c.Verdict != w.Verdict {
			t.Errorf("claim %d: got %q %s %s %s (%s), want %q %s %s %s\n  because: %s",
				i+1, c.Text, c.Variant, c.Metric, c.Verdict, c.Reason, w.Text, w.Variant, w.Metric, w.Verdict, strings.TrimSpace(w.Why))
		}
	}
	for _, w := range exp.Properties {
		p := findProperty(r, w)
		if p == nil {
			t.Errorf("property %s %s %s: not in the report", w.ID, w.Variant, w.Faults)
			continue
		}
		if gap(t, fmt.Sprintf("property %s %s %s", w.ID, w.Variant, w.Faults), p.Verdict, w.Verdict, p.Reason, w.Gap) {
			continue
		}
		if p.Verdict != w.Verdict {
			t.Errorf("property %s %s %s: %s (%s; %s), want %s\n  because: %s", w.ID, w.Variant, w.Faults, p.Verdict,
				p.Reason, p.Explored.Note, w.Verdict, strings.TrimSpace(w.Why))
		}
		if w.NeedsExpiry != nil && waitFuncs(p.NeedsExpiry) != waitFuncs(w.NeedsExpiry) {
			t.Errorf("property %s %s %s: needs_expiry %v, want waits in %v", w.ID, w.Variant, w.Faults, p.NeedsExpiry, w.NeedsExpiry)
		}
		if w.CertainExpiry != nil && waitFuncs(p.CertainExpiry) != waitFuncs(w.CertainExpiry) {
			t.Errorf("property %s %s %s: certain_expiry %v, want waits in %v", w.ID, w.Variant, w.Faults, p.CertainExpiry, w.CertainExpiry)
		}
	}
	for _, w := range exp.Findings {
		found := false
		for _, f := range r.Findings {
			if f.ID != w.ID || f.Severity == "note" {
				continue
			}
			found = true
			l := f.Location
			if l == nil || l.Patch != w.Patch || l.File != w.File || !slices.Contains(w.Lines, l.Line) {
				t.Errorf("finding %s at %+v, want patch %d %s:%v\n  because: %s", w.ID, l, w.Patch, w.File, w.Lines, strings.TrimSpace(w.Why))
			}
		}
		if !found {
			t.Errorf("finding %s: not in the report", w.ID)
		}
	}
	for _, w := range exp.Steps {
		var got *SeriesStep
		for i := range r.Steps {
			if r.Steps[i].Upto == w.Upto {
				got = &r.Steps[i]
			}
		}
		if got == nil {
			t.Errorf("step %d: not in the report", w.Upto)
		} else if got.PatchVerdict != w.PatchVerdict {
			t.Errorf("step %d: patch verdict %s (%s), want %s\n  because: %s", w.Upto, got.PatchVerdict, got.PatchSummary, w.PatchVerdict, strings.TrimSpace(w.Why))
		}
	}
	if r.Verdict != exp.Verdict {
		t.Errorf("verdict %s (%s), want %s", r.Verdict, r.Summary, exp.Verdict)
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "summary: %s\n", r.Summary)
	}
}

// gap handles an expectation the models are known not to meet yet: the
// expected verdict stays the one the kernel facts give, the mismatch is
// logged with the stated gap, and the test fails once the model meets it,
// so that the note is removed.
func gap(t *testing.T, what, got, want, reason, note string) bool {
	t.Helper()
	if strings.TrimSpace(note) == "" {
		return false
	}
	if got == want {
		t.Errorf("%s: now %s as expected; remove the gap note", what, got)
		return true
	}
	t.Logf("%s: %s (%s), want %s; known model gap: %s", what, got, reason, want, strings.TrimSpace(note))
	return true
}
