package rules

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/semantics"
)

// ownBaseGaps are the own-base runs on which the tool's answer differs from
// the list's history, with what the tool cannot do yet; an entry that comes
// to agree fails the test, so that the list shrinks.
var ownBaseGaps = map[string]string{}

// ownBase is a real patch that the test trees already contain (or lack
// the base of), and how its own base is reconstructed from one of them.
type ownBase struct {
	name, key string
	version   string // the test tree it is made from
	// rebuild turns the tree's smp.c into the base's, before the posted
	// patch is reverse-applied (git apply -R); nil when nothing needs it.
	rebuild func(t *testing.T, dir, smp string)
	// has are lines the reconstructed smp.c must have.
	has []string
}

var ownBases = []ownBase{{
	// 23: 6.12.118's smp.c without the two smp_rmb() the maintainer
	// added when applying.
	name: "23-anderson-v3-stop-try-non-nmi-first", key: "own_base_v6_11", version: "6.12",
	rebuild: without23Rmb,
	has:     []string{"IPI_CPU_CRASH_STOP,", "static atomic_t waiting_for_crash_ipi", "static void __noreturn local_cpu_stop(void)"},
}, {
	// 22 (5/7 of its series): v6.11's smp.c, as 23's base above with 23
	// reverse-applied, without the IPI_KGDB_ROUNDUP label 6/7 of the same
	// series added to ipi_should_be_nmi(): that function as 4/7 left it.
	name: "22-anderson-stop-ipis-try-nmi", key: "own_base_v6_6", version: "6.12",
	rebuild: func(t *testing.T, dir, smp string) {
		without23Rmb(t, dir, smp)
		gitApply(t, dir, "-R", realPatch(t, "23-anderson-v3-stop-try-non-nmi-first"))
		s := readFile(t, smp)
		const kgdb = "\tcase IPI_CPU_BACKTRACE:\n\tcase IPI_KGDB_ROUNDUP:\n\t\treturn true;\n"
		if strings.Count(s, kgdb) != 1 {
			t.Fatalf("v6.11's ipi_should_be_nmi() does not list IPI_KGDB_ROUNDUP after IPI_CPU_BACKTRACE")
		}
		writeFile(t, smp, strings.Replace(s, kgdb, "\tcase IPI_CPU_BACKTRACE:\n\t\treturn true;\n", 1))
	},
	has: []string{"\tswitch (ipi) {\n\tcase IPI_CPU_BACKTRACE:\n\t\treturn true;\n", "IPI_CPU_CRASH_STOP,", "static void __noreturn local_cpu_stop(void)"},
}, {
	// 08: 6.1.192's smp.c has the patch's lines as merged (v5.6); taken
	// out, smp_send_stop() counts num_online_cpus() > 1 as in v5.6-rc4.
	name: "08-marussi-v2-smp_send_stop", key: "own_base_v5_6", version: "6.1",
	has: []string{"\tif (num_online_cpus() > 1) {\n", "\twhile (num_online_cpus() > 1 && timeout--)\n"},
}}

// without23Rmb removes from 6.12.118's smp.c the two smp_rmb() the
// maintainer added when applying 23.
func without23Rmb(t *testing.T, dir, smp string) {
	// the two smp_rmb() of the merged commit, after these lines of smp_send_stop()
	s := readFile(t, smp)
	for _, before := range []string{"\tif (num_other_online_cpus() && ipi_should_be_nmi(IPI_CPU_STOP_NMI)) {\n", "\tif (num_other_online_cpus()) {\n"} {
		if strings.Count(s, before+"\t\tsmp_rmb();\n") != 1 {
			t.Fatalf("6.12's smp_send_stop() has no smp_rmb() after %q", before)
		}
		s = strings.Replace(s, before+"\t\tsmp_rmb();\n", before, 1)
	}
	writeFile(t, smp, s)
}

// TestRealOnOwnBase runs each real patch of ownBases against its own base,
// reconstructed from a test tree in a temporary directory (no kernel text
// is kept), every other file the tree's. The verdict, and the property
// verdicts the entry names, are compared with meta.yaml's expect.<key>,
// written from the list's history. A property expected to hold may hold if
// its bounds do not run out.
func TestRealOnOwnBase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole evaluation on a reconstructed tree")
	}
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed to reverse-apply the patch")
		}
		t.Skip("no git to reverse-apply the patch")
	}
	pack := defaultPack(t)
	for _, ob := range ownBases {
		t.Run(ob.name, func(t *testing.T) {
			m := readMeta(t, ob.name)
			want, ok := m.Expect[ob.key]
			if !ok {
				t.Fatalf("%s: no expect.%s", ob.name, ob.key)
			}
			patch := realPatch(t, ob.name)
			dir := t.TempDir()
			copyTree(t, testtree.Dir(t, ob.version), dir)
			smp := filepath.Join(dir, "arch", "arm64", "kernel", "smp.c")
			if ob.rebuild != nil {
				ob.rebuild(t, dir, smp)
			}
			gitApply(t, dir, "-R", patch)
			rebuilt := readFile(t, smp)
			for _, line := range ob.has {
				if !strings.Contains(rebuilt, line) {
					t.Fatalf("the reconstructed smp.c lacks %q", line)
				}
			}

			tree, err := semantics.OpenTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, applied, rep := checkReal(t, patch, tree, pack)
			if !applied {
				t.Fatalf("the patch does not apply to its own base: %s", got)
			}
			if rep.Verdict == "fail" && want.Verdict != "fail" {
				t.Fatalf("FAIL where %s is expected (%s): %s", want.Verdict, want.Why, rep.Summary)
			}
			for _, wp := range want.Properties {
				checkProperty(t, rep, wp)
			}
			gap, isGap := ownBaseGaps[ob.name+"/"+ob.key]
			switch {
			case got == want.Verdict && isGap:
				t.Errorf("now %s as expected: drop it from ownBaseGaps", got)
			case got == want.Verdict:
			case isGap:
				t.Logf("gap: %s where %s is expected: %s", got, want.Verdict, gap)
			default:
				t.Errorf("got %s (%s), want %s: %s", got, rep.Summary, want.Verdict, want.Why)
			}
		})
	}
}

// checkProperty finds the property of the expectation in the report, on
// its entry and variant, and compares its verdict: "holds" admits
// holds-if-bounds, since a kernel's bounded wait may always run out.
func checkProperty(t *testing.T, rep *Report, wp realProperty) {
	t.Helper()
	var got []string
	for _, p := range rep.Properties {
		if p.ID == wp.ID && p.Entry == wp.Entry && p.Variant == wp.Variant {
			got = append(got, p.Verdict)
		}
	}
	if len(got) == 0 {
		t.Errorf("%s on %s (%s) was not evaluated", wp.ID, wp.Entry, wp.Variant)
		return
	}
	for _, v := range got {
		if v != wp.Verdict && !(wp.Verdict == "holds" && v == "holds-if-bounds") {
			t.Errorf("%s on %s (%s): %s, want %s", wp.ID, wp.Entry, wp.Variant, v, wp.Verdict)
		}
	}
}

func readMeta(t *testing.T, name string) realMeta {
	t.Helper()
	var m realMeta
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "real", name, "meta.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s/meta.yaml: %v", name, err)
	}
	return m
}

func realPatch(t *testing.T, name string) string {
	t.Helper()
	m := readMeta(t, name)
	p, err := filepath.Abs(filepath.Join("..", "fixtures", "real", name, m.Patch))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func gitApply(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"apply"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
