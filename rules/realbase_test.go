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
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
)

// ownBaseGaps are the own-base runs on which the tool's answer differs from
// the list's history, with what the tool cannot do yet; an entry that comes
// to agree fails the test, so that the list shrinks.
var ownBaseGaps = map[string]string{}

// TestRealOnOwnBase runs a real patch that both test trees already contain
// against its own base, reconstructed from the 6.12 tree in a temporary
// directory (no kernel text is kept): for 23, 6.12.118's smp.c without the
// two smp_rmb() the maintainer added when applying, with the posted patch
// reverse-applied (git apply -R), every other file the tree's. The verdict
// is compared with meta.yaml's expect.own_base_v6_11, written from the
// list's history.
func TestRealOnOwnBase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole evaluation on a reconstructed tree")
	}
	src := testtree.Dir(t, "6.12")
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed to reverse-apply the patch")
		}
		t.Skip("no git to reverse-apply the patch")
	}
	const name, key = "23-anderson-v3-stop-try-non-nmi-first", "own_base_v6_11"
	entry := filepath.Join("..", "fixtures", "real", name)
	var m realMeta
	data, err := os.ReadFile(filepath.Join(entry, "meta.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		t.Fatal(err)
	}
	want, ok := m.Expect[key]
	if !ok {
		t.Fatalf("%s: no expect.%s", name, key)
	}
	patch, err := filepath.Abs(filepath.Join(entry, m.Patch))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	copyTree(t, src, dir)
	smp := filepath.Join(dir, "arch", "arm64", "kernel", "smp.c")
	text, err := os.ReadFile(smp)
	if err != nil {
		t.Fatal(err)
	}
	// the two smp_rmb() of the merged commit, after these lines of smp_send_stop()
	s := string(text)
	for _, before := range []string{"\tif (num_other_online_cpus() && ipi_should_be_nmi(IPI_CPU_STOP_NMI)) {\n", "\tif (num_other_online_cpus()) {\n"} {
		if strings.Count(s, before+"\t\tsmp_rmb();\n") != 1 {
			t.Fatalf("6.12's smp_send_stop() has no smp_rmb() after %q", before)
		}
		s = strings.Replace(s, before+"\t\tsmp_rmb();\n", before, 1)
	}
	if err := os.WriteFile(smp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "-R", patch)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply -R: %v\n%s", err, out)
	}
	rebuilt, _ := os.ReadFile(smp)
	for _, v611 := range []string{"IPI_CPU_CRASH_STOP,", "static atomic_t waiting_for_crash_ipi", "static void __noreturn local_cpu_stop(void)"} {
		if !bytes.Contains(rebuilt, []byte(v611)) {
			t.Fatalf("the reconstructed smp.c lacks v6.11's %q", v611)
		}
	}

	tree, err := semantics.OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := parse.ParseFiles([]string{patch}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sopts := &semantics.Options{Tree: tree}
	res, err := semantics.Map(ser, sopts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(ser, Options{Pack: defaultPack(t), Seed: 1, Semantics: sopts, Budget: Budget{Runs: 20}})
	if err != nil {
		t.Fatal(err)
	}
	got, applied := outcome(res, rep)
	if !applied {
		t.Fatalf("the patch does not apply to its own base: %s", got)
	}
	if rep.Verdict == "fail" && want.Verdict != "fail" {
		t.Fatalf("FAIL where %s is expected (%s): %s", want.Verdict, want.Why, rep.Summary)
	}
	gap, isGap := ownBaseGaps[name+"/"+key]
	switch {
	case got == want.Verdict && isGap:
		t.Errorf("now %s as expected: drop it from ownBaseGaps", got)
	case got == want.Verdict:
	case isGap:
		t.Logf("gap: %s where %s is expected: %s", got, want.Verdict, gap)
	default:
		t.Errorf("got %s (%s), want %s: %s", got, rep.Summary, want.Verdict, want.Why)
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
