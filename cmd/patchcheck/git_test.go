package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/patchcheck/patchcheck/rules"
)

// TestGitRange reads a range of a repository made with go-git.
func TestGitRange(t *testing.T) {
	sob := "\n\nSigned-off-by: Ana Developer <ana@example.org>\n"
	dir, ids := gitCommits(t, []struct{ msg, file, body string }{
		{"x: step 0" + sob, "x.c", "int a;\n"},
		{"x: step 1" + sob, "x.c", "int a;\nint b;\n"},
		{"x: step 2" + sob, "x.c", "int a;\nint b;\nint c;\n"},
	})
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"--parse-only", "--format", "json", "--git", dir, ids[0] + ".." + ids[2]}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rep rules.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Inputs) != 1 || rep.Inputs[0].Kind != "git" || len(rep.Series.Patches) != 2 {
		t.Fatalf("inputs %+v, %d patches", rep.Inputs, len(rep.Series.Patches))
	}
	p := rep.Series.Patches[1]
	if p.Index != 2 || p.Total != 2 || p.Subject != "x: step 2" || p.Date != "2026-03-02T10:02:00Z" || len(p.Files) != 1 || p.Files[0].Added != 1 {
		t.Errorf("patch 2: %+v", p)
	}
	stderr.Reset()
	if code := execute(context.Background(), []string{"--git", dir, "nosuch..HEAD"}, nil, &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
		t.Errorf("bad range: exit %d, stderr %q", code, stderr.String())
	}
}

// gitCommits makes a repository whose commits write the given files, one
// commit per step, and returns its directory and the commit ids.
func gitCommits(t *testing.T, steps []struct{ msg, file, body string }) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, s := range steps {
		p := filepath.Join(dir, s.file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(s.file); err != nil {
			t.Fatal(err)
		}
		h, err := wt.Commit(s.msg, &git.CommitOptions{Author: &object.Signature{Name: "Ana Developer", Email: "ana@example.org", When: time.Date(2026, 3, 2, 10, i, 0, 0, time.UTC)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.String())
	}
	return dir, ids
}

// TestGitMessageIsNotTheChange: with --git the change is the commit's tree
// diff. A diff quoted in the message neither joins the change (a commit
// that touches only a readme changes no modelled function, whatever its
// message shows) nor hides it (a hang the commit really adds still fails,
// though the message quotes a harmless diff of the same function).
func TestGitMessageIsNotTheChange(t *testing.T) {
	const shutdown = "/*\n * Called by kernel_kexec()\n */\nvoid machine_shutdown(void)\n{\n\tsmp_shutdown_nonboot_cpus(reboot_cpu);\n}\n"
	const quotedHang = "\n\ndiff --git a/arch/arm64/kernel/process.c b/arch/arm64/kernel/process.c\n--- a/arch/arm64/kernel/process.c\n+++ b/arch/arm64/kernel/process.c\n@@ -4,4 +4,5 @@\n void machine_shutdown(void)\n {\n-\tsmp_shutdown_nonboot_cpus(reboot_cpu);\n+\twhile (1)\n+\t\t;\n }\n"
	const quotedNoop = "\n\ndiff --git a/arch/arm64/kernel/process.c b/arch/arm64/kernel/process.c\n--- a/arch/arm64/kernel/process.c\n+++ b/arch/arm64/kernel/process.c\n@@ -4,4 +4,4 @@\n void machine_shutdown(void)\n {\n-\tsmp_shutdown_nonboot_cpus(reboot_cpu);\n+\tsmp_shutdown_nonboot_cpus(reboot_cpu);\n }\n"
	dir, ids := gitCommits(t, []struct{ msg, file, body string }{
		{"base\n", "arch/arm64/kernel/process.c", shutdown},
		{"docs: readme\n\nThe fix, for reference:" + quotedHang, "README", "readme\n"},
		{"arm64: kexec: wait here\n\nThe change, for reference:" + quotedNoop, "arch/arm64/kernel/process.c",
			"/*\n * Called by kernel_kexec()\n */\nvoid machine_shutdown(void)\n{\n\tdo {\n\t} while (1);\n}\n"},
	})
	for _, tc := range []struct {
		commit  string
		exit    int
		verdict string
	}{
		{ids[1], exitInconclusive, "INCONCLUSIVE: no modelled function changed; nothing was executed"},
		{ids[2], exitFindings, "FAIL: violated after the patch: kexec.reboot-completes"},
	} {
		var stdout, stderr bytes.Buffer
		code := execute(context.Background(), []string{"--runs", "5", "--git", dir, tc.commit}, nil, &stdout, &stderr)
		if code != tc.exit || !bytes.Contains(stdout.Bytes(), []byte(tc.verdict)) {
			t.Errorf("%s: exit %d (want %d), stderr %q; tail:\n%s", tc.commit[:12], code, tc.exit, stderr.String(), tail(stdout.String(), 3))
		}
	}
}
