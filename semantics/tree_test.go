package semantics

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// synthetic builds a kernel file from the model's own kernel lines, each at
// the line it stands for: a stand-in for a kernel tree in tests (the
// repository holds no kernel text).
func synthetic(mf *models.ModelFile) []byte {
	var lines []string
	for _, l := range mf.Lines {
		if !l.Matchable() || l.KLine == 0 {
			continue
		}
		for len(lines) < l.KLine {
			lines = append(lines, "")
		}
		lines[l.KLine-1] = strings.TrimPrefix(l.Kernel, "\t")
		if l.Kind == models.Code {
			lines[l.KLine-1] = l.Kernel
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func writeTree(t *testing.T, dir string, edit func(path string, b []byte) []byte) {
	t.Helper()
	for _, mf := range models.Default().Files {
		if mf.Path == models.PreludePath {
			continue
		}
		b := synthetic(mf)
		if edit != nil {
			b = edit(mf.Path, b)
		}
		p := filepath.Join(dir, filepath.FromSlash(mf.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTreeDrift(t *testing.T) {
	seed := parseFile(t, filepath.Join("..", "fixtures", "seed", "arm64-kexec-smp-send-stop.mbox"))
	edited := func(path string, b []byte) []byte {
		if path != "arch/arm64/kernel/smp.c" {
			return b
		}
		return []byte(strings.Replace(string(b), "\tlocal_daif_mask();\n\tsdei_mask_local_cpu();\n\tcpu_park_loop();", "\tlocal_daif_mask();\n\tsdei_mask_local_cpu();\n\tcpu_park_loop_v2();", 1))
	}
	for _, c := range []struct {
		name string
		git  bool
		edit func(string, []byte) []byte
		want []string // substrings of the drift lines, in order
		// unmodelled: a function whose hunk no longer matches the tree's
		// text (the tree is the model, so an edited tree changes BEFORE).
		unmodelled string
	}{
		{"plain", false, nil, []string{
			"arch/arm64/kernel/process.c: blob: the patch applies to blob 4784011cecac",
			"arch/arm64/kernel/smp.c: blob: the patch applies to blob 09c96f57818c"}, ""},
		{"git-edited", true, edited, []string{
			"arch/arm64/kernel/process.c: blob:",
			"arch/arm64/kernel/smp.c: blob:"}, "local_cpu_stop"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, c.edit)
			if c.git {
				repo, err := git.PlainInit(dir, false)
				if err != nil {
					t.Fatal(err)
				}
				wt, _ := repo.Worktree()
				if err := wt.AddGlob("."); err != nil {
					t.Fatal(err)
				}
				sig := &object.Signature{Name: "t", Email: "t@example.org", When: time.Unix(0, 0)}
				if _, err := wt.Commit("tree", &git.CommitOptions{Author: sig}); err != nil {
					t.Fatal(err)
				}
				// The work tree is not what is read: change it to prove it.
				os.WriteFile(filepath.Join(dir, "arch/arm64/kernel/smp.c"), []byte("garbage\n"), 0o644)
			}
			tree, err := OpenTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Map(seed, &Options{Tree: tree})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range r.Drift {
				got = append(got, d.String())
			}
			if len(got) != len(c.want) {
				t.Fatalf("drift:\n%s\nwant %d lines", strings.Join(got, "\n"), len(c.want))
			}
			for i := range c.want {
				if !strings.Contains(got[i], c.want[i]) {
					t.Errorf("drift %d: %s\nwant %s", i, got[i], c.want[i])
				}
			}
			if r.Baseline == nil || r.Baseline.Source != "tree" || !r.Baseline.Guess {
				t.Errorf("baseline %+v: want a tree whose base is a guess (the blobs differ)", r.Baseline)
			}
			var un []string
			for _, p := range r.Unmodelled {
				un = append(un, p.Func)
			}
			if c.unmodelled != "" && !strings.Contains(strings.Join(un, " "), c.unmodelled) {
				t.Errorf("unmodelled %v, want %s", un, c.unmodelled)
			}
		})
	}
}

func TestTreeErrors(t *testing.T) {
	if _, err := OpenTree(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing directory: no error")
	}
	if _, err := OpenTreeAt(t.TempDir(), "v5.10"); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("revision of a plain directory: %v", err)
	}
}

var (
	treeDir = flag.String("tree", "", "kernel tree (git repository or directory) to check the seed against")
	treeRev = flag.String("rev", "", "revision of -tree")
)

// TestSeedAgainstTree reports the drift of the seed's functions against a
// real kernel tree given with -tree (and -rev).
func TestSeedAgainstTree(t *testing.T) {
	if *treeDir == "" {
		t.Skip("no -tree")
	}
	tree, err := OpenTreeAt(*treeDir, *treeRev)
	if err != nil {
		t.Fatal(err)
	}
	seed := parseFile(t, filepath.Join("..", "fixtures", "seed", "arm64-kexec-smp-send-stop.mbox"))
	r, err := Map(seed, &Options{Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Drift {
		t.Log(d)
	}
	for _, f := range r.Funcs {
		t.Logf("%s %s %s", f.Name, f.Kind, f.Status)
	}
}
