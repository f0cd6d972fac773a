package semantics

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

// historyRepo makes a git repository whose history is: a file, the
// patch's change to it ("drivers/misc/demo.c: count from two"), an
// unrelated commit, and a commit that replaces the patch's lines, so that
// the text at HEAD no longer shows the patch. It returns the directory and
// the patch's commit.
func historyRepo(t *testing.T) (dir, patchCommit string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed to make the repository")
		}
		t.Skip("no git")
	}
	dir = t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.org", "GIT_COMMITTER_NAME=A",
			"GIT_COMMITTER_EMAIL=a@example.org", "GIT_AUTHOR_DATE=2022-01-05T10:00:00Z", "GIT_COMMITTER_DATE=2022-01-05T10:00:00Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, text string) {
		t.Helper()
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(msg string) string {
		git("add", "-A")
		git("commit", "-q", "-m", msg)
		return git("rev-parse", "HEAD")
	}
	git("init", "-q")
	write("drivers/misc/demo.c", demoText("1", "count"))
	commit("demo: add")
	write("drivers/misc/demo.c", demoText("2", "count"))
	patchCommit = commit("demo: count from two")
	write("README", "demo\n")
	commit("readme")
	write("drivers/misc/demo.c", demoText("2", "total"))
	commit("demo: rename count to total")
	return dir, patchCommit
}

func demoText(start, name string) string {
	return fmt.Sprintf("#include <linux/kernel.h>\n\nstatic int demo_value(void)\n{\n\tint %s = %s;\n\n\t%s += 40;\n\treturn %s;\n}\n\nint demo(void)\n{\n\treturn demo_value();\n}\n", name, start, name, name)
}

// demoPatch is a patch from "int count = 1;" to want, against a pre-image
// blob the repository does not have (the posted base is another branch's).
func demoPatch(t *testing.T, want string) *parse.Series {
	t.Helper()
	text := `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Test Author <author@example.org>
Date: Wed, 5 Jan 2022 10:00:00 +0000
Subject: [PATCH] demo: count from two

A change.

Signed-off-by: Test Author <author@example.org>
---
diff --git a/drivers/misc/demo.c b/drivers/misc/demo.c
index 1234567890ab..2222222 100644
--- a/drivers/misc/demo.c
+++ b/drivers/misc/demo.c
@@ -2,7 +2,7 @@
 
 static int demo_value(void)
 {
-	int count = 1;
+	` + want + `
 
 	count += 40;
 	return count;
-- 
2.40.0
`
	s, err := parse.Parse("demo.patch", strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMergedInHistory: a patch whose lines a later commit replaced is not
// applicable by the text of HEAD; the repository's history shows it was
// applied, as the commit that made the same change. A change the history
// never made stays not applicable.
func TestMergedInHistory(t *testing.T) {
	dir, patchCommit := historyRepo(t)
	for _, tc := range []struct {
		name, line string
		fate       string
		merged     string
	}{
		{"merged-then-changed", "int count = 2;", PatchAlreadyApplied, patchCommit},
		// white space aside, as the text matching is
		{"merged-white-space", "int   count = 2;", PatchAlreadyApplied, patchCommit},
		{"never-made", "int count = 3;", PatchNotApplicable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := OpenTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Map(demoPatch(t, tc.line), &Options{Tree: tree})
			if err != nil {
				t.Fatal(err)
			}
			pc := res.Patches[0]
			if pc.Fate != tc.fate {
				t.Fatalf("fate %s, want %s (%s)", pc.Fate, tc.fate, pc.Notice())
			}
			got := ""
			if pc.Merged != nil {
				got = pc.Merged.Commit
				if pc.Merged.Subject != "demo: count from two" {
					t.Errorf("subject %q", pc.Merged.Subject)
				}
				if !strings.Contains(pc.Notice(), patchCommit[:12]) {
					t.Errorf("notice %q does not name the commit", pc.Notice())
				}
			}
			if got != tc.merged {
				t.Errorf("merged as %q, want %q", got, tc.merged)
			}
		})
	}
}

// TestMergedPlainDirectory: without history nothing is searched.
func TestMergedPlainDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drivers", "misc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "drivers", "misc", "demo.c"), []byte(demoText("2", "total")), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Map(demoPatch(t, "int count = 2;"), &Options{Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if pc := res.Patches[0]; pc.Fate != PatchNotApplicable || pc.Merged != nil {
		t.Errorf("fate %s, merged %+v", pc.Fate, pc.Merged)
	}
}
