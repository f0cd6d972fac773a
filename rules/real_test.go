package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
)

// realMeta is the part of a fixtures/real entry's meta.yaml the corpus
// test reads (the rest is history for people).
type realMeta struct {
	Patch  string `yaml:"patch"`
	Expect map[string]struct {
		Verdict    string         `yaml:"verdict"`
		Why        string         `yaml:"why"`
		Properties []realProperty `yaml:"properties"`
	} `yaml:"expect"`
}

// realProperty is a property verdict the list's history and the kernel's
// text give for one entry and variant.
type realProperty struct {
	ID      string `yaml:"id"`
	Entry   string `yaml:"entry"`
	Variant string `yaml:"variant"`
	Verdict string `yaml:"verdict"`
}

// realGaps are the entries on which the tool's answer differs from the
// one the list's history gives, each with the fact the tool cannot see.
// An entry that comes to agree fails the test, so that the list shrinks.
var realGaps = map[string]string{
	"09-marussi-v2-crash_smp_send_stop/tree_6_12":  "fdfa588124b6 replaced both hunks' lines: nothing of the patch is left in 6.12 to show it was applied; only history says so",
	"16-hellwig-flush_icache_range-args/tree_6_12": "the v5.15 rework removed the hunk's lines from machine_kexec(): nothing in 6.12 shows the patch was applied",
	"16-hellwig-flush_icache_range-args/tree_6_1":  "as in 6.12",
	"22-anderson-stop-ipis-try-nmi/tree_6_12":      "both added case labels became IPI_CPU_STOP_NMI in v6.12: only history says the patch was applied",
	"06-tatashin-v8-machine_kexec_post_load/tree_6_12": "one hunk's context (the kexec_file.c call site) still matches without the call, so it applies forward: " +
		"partly applies, inconclusive",
	"06-tatashin-v8-machine_kexec_post_load/tree_6_1": "as in 6.12",
	"06-tatashin-v8-machine_kexec_post_load/bundled_v5_10": "the bundled library restates none of the functions it touches: " +
		"nothing to compare with, no modelled function changed (inconclusive)",
	"17-willard-kexec-smp_send_stop/tree_6_12": "three of its four hunks (machine_shutdown, cpu_die, local_cpu_stop) apply to 6.12 white space aside; " +
		"only the #include hunk does not. The applied part is executed and shows the seed's race at relocation: fail, where GNU patch -F0 refuses the patch",
	"17-willard-kexec-smp_send_stop/tree_6_1": "as in 6.12",
	"19-liu-v4-cpuhp-disabled-until-reboot/tree_6_12": "its kernel/cpu.c hunk applies to 6.12 white space aside, while the kexec_core.c " +
		"hunk does not: partly applies, inconclusive",
	"21-rutland-remove-wakeup-ipi/tree_6_1": "applies, but acpi_parking_protocol.c and the IPI_WAKEUP users are outside the models: inconclusive, " +
		"as the entry allows",
	"21-rutland-remove-wakeup-ipi/bundled_v5_10": "the hunks in smp.c functions the models restate still match v5.10 (the 6.6 context is " +
		"elsewhere): applies, inconclusive",
	"23-anderson-v3-stop-try-non-nmi-first/tree_6_1":      "two hunks' context exists in 6.1: partly applies, inconclusive",
	"23-anderson-v3-stop-try-non-nmi-first/bundled_v5_10": "as in 6.1 (one hunk matches the v5.10 models)",
	"22-anderson-stop-ipis-try-nmi/bundled_v5_10": "ipi_should_be_nmi() is not in the bundled library, which restates only some of smp.c, " +
		"so its absence says nothing; the two added case labels are in the restated do_handle_IPI(): applied and since modified " +
		"rather than not applicable (never a fail)",
	"18-kirill-tdx-cpu_down_maps_locked/bundled_v5_10": "the cpu_down_maps_locked() hunk applies to the model and changes nothing on arm64 " +
		"(cc_platform_has() is false): pass, which the entry allows ('never fail')",
}

// family folds the verdict words of fixtures/real/README.md: a merged
// patch is already applied or applied and since modified, one answer.
func family(w string) string {
	if w == semantics.PatchAlreadyApplied || w == semantics.PatchSinceModified {
		return "merged"
	}
	return w
}

// TestRealCorpus runs every patch of fixtures/real against the bundled
// baseline and the two test trees and compares the outcome with the one
// written from the list's history: what the patch is to the baseline when
// it does not apply, else the verdict. Whatever the expectation, a patch
// that does not apply judges no claim, and a merged patch never fails.
func TestRealCorpus(t *testing.T) {
	dirs, _ := filepath.Glob("../fixtures/real/*/meta.yaml")
	if len(dirs) < 20 {
		t.Fatalf("only %d entries in fixtures/real", len(dirs))
	}
	if testing.Short() {
		t.Skip("runs every real patch three times")
	}
	pack := defaultPack(t)
	baselines := []struct{ key, version string }{{"bundled_v5_10", ""}, {"tree_6_1", "6.1"}, {"tree_6_12", "6.12"}}
	agree, total := 0, 0
	for _, bl := range baselines {
		t.Run(bl.key, func(t *testing.T) {
			var tree *semantics.Tree
			if bl.version != "" {
				tr, err := semantics.OpenTree(testtree.Dir(t, bl.version))
				if err != nil {
					t.Fatal(err)
				}
				tree = tr
			}
			for _, mpath := range dirs {
				dir := filepath.Dir(mpath)
				name := filepath.Base(dir)
				t.Run(name, func(t *testing.T) {
					var m realMeta
					data, err := os.ReadFile(mpath)
					if err != nil {
						t.Fatal(err)
					}
					dec := yaml.NewDecoder(bytes.NewReader(data))
					if err := dec.Decode(&m); err != nil {
						t.Fatalf("%s: %v", mpath, err)
					}
					want, ok := m.Expect[bl.key]
					if !ok {
						t.Fatalf("%s: no expect.%s", mpath, bl.key)
					}
					got, applied, rep := checkReal(t, filepath.Join(dir, m.Patch), tree, pack)
					if !applied {
						for _, c := range rep.Claims {
							if c.Verdict != "not-evaluated" {
								t.Errorf("claim %q judged %s, but no patch applied (%s)", c.Text, c.Verdict, got)
							}
						}
					}
					key := name + "/" + bl.key
					gap, isGap := realGaps[key]
					if rep.Verdict == "fail" && want.Verdict != "fail" && (!isGap || gap == "") {
						t.Errorf("FAIL where %s is expected (%s): %s", want.Verdict, want.Why, rep.Summary)
					}
					total++
					switch {
					case family(got) == family(want.Verdict) && isGap:
						t.Errorf("now %s as expected: drop it from realGaps", got)
					case family(got) == family(want.Verdict):
						agree++
					case !isGap:
						t.Errorf("got %s (verdict %s: %s), want %s: %s", got, rep.Verdict, rep.Summary, want.Verdict, want.Why)
					}
				})
			}
		})
	}
	t.Logf("%d of %d entry-baseline pairs agree with the list's history", agree, total)
}

// checkReal runs a real patch against tree (nil: the bundled baseline) and
// returns its outcome (see outcome), whether some patch applied, and the
// report.
func checkReal(t *testing.T, patch string, tree *semantics.Tree, pack *Pack) (string, bool, *Report) {
	t.Helper()
	s, err := parse.ParseFiles([]string{patch}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sopts := &semantics.Options{Tree: tree}
	res, err := semantics.Map(s, sopts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(s, Options{Pack: pack, Seed: 1, Semantics: sopts, Budget: Budget{Runs: 20}})
	if err != nil {
		t.Fatal(err)
	}
	got, applied := outcome(res, rep)
	return got, applied, rep
}

// outcome is the word fixtures/real uses for a run: what the series is to
// the baseline when no patch of it applies, else the verdict.
func outcome(res *semantics.Result, rep *Report) (string, bool) {
	fates := map[string]int{}
	for _, pc := range res.Patches {
		if pc.Applies() {
			return rep.Verdict, true
		}
		fates[pc.Fate]++
	}
	switch {
	case fates[semantics.PatchAlreadyApplied] == len(res.Patches):
		return semantics.PatchAlreadyApplied, false
	case fates[semantics.PatchAlreadyApplied]+fates[semantics.PatchSinceModified] > 0:
		return semantics.PatchSinceModified, false
	}
	return semantics.PatchNotApplicable, false
}
