package parse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// gitRepo makes a repository with a base commit and two more, returning
// its directory and the commit ids.
func gitRepo(t *testing.T) (string, []string) {
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
	when := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("", 3600))
	commit := func(msg string, files map[string]string, remove ...string) {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(name); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range remove {
			if _, err := wt.Remove(name); err != nil {
				t.Fatal(err)
			}
		}
		when = when.Add(time.Hour)
		h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "Ana Developer", Email: "ana@example.org", When: when}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.String())
	}
	commit("base\n", map[string]string{"drivers/misc/blink.c": "int a;\nint b;\nint c;\n", "drivers/misc/old.c": "old\n"})
	commit("misc: blink: rename b\n\nThe name b says nothing.\n\nSigned-off-by: Ana Developer <ana@example.org>\n",
		map[string]string{"drivers/misc/blink.c": "int a;\nint blink_count;\nint c;\n"})
	commit("misc: blink: add new.c, drop old.c\n\nSigned-off-by: Ana Developer <ana@example.org>\nReviewed-by: Cy Reviewer <cy@example.org>\n",
		map[string]string{"drivers/misc/new.c": "new\n"}, "drivers/misc/old.c")
	return dir, ids
}

func TestReadGitRange(t *testing.T) {
	dir, ids := gitRepo(t)
	s, err := ReadGitRange(context.Background(), dir, ids[0]+".."+ids[2], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Patches) != 2 || s.Inputs[0].Kind != KindGit {
		t.Fatalf("%d patches, inputs %+v", len(s.Patches), s.Inputs)
	}
	p1, p2 := s.Patches[0], s.Patches[1]
	if p1.Index != 1 || p1.Total != 2 || p1.Subject != "misc: blink: rename b" || p1.Message != "The name b says nothing." || p1.Author != "Ana Developer <ana@example.org>" {
		t.Errorf("patch 1: %+v", p1)
	}
	if len(p1.Files) != 1 || len(p1.Files[0].TextFragments) != 1 || p1.Files[0].TextFragments[0].LinesAdded != 1 || p1.Files[0].TextFragments[0].LinesDeleted != 1 {
		t.Errorf("patch 1 files: %+v", p1.Files)
	}
	if len(p2.Trailers) != 2 || p2.Trailers[1].Key != "Reviewed-by" || p2.Date.Format(time.RFC3339) != "2026-03-02T13:00:00+01:00" {
		t.Errorf("patch 2: %+v %v", p2.Trailers, p2.Date)
	}
	var kinds []string
	for _, f := range p2.Files {
		switch {
		case f.IsNew:
			kinds = append(kinds, "new "+f.NewName)
		case f.IsDelete:
			kinds = append(kinds, "delete "+f.OldName)
		}
	}
	if strings.Join(kinds, ", ") != "new drivers/misc/new.c, delete drivers/misc/old.c" && strings.Join(kinds, ", ") != "delete drivers/misc/old.c, new drivers/misc/new.c" {
		t.Errorf("patch 2 files: %v", kinds)
	}

	// A single commit is read against its parent.
	one, err := ReadGitRange(context.Background(), dir, ids[1], nil)
	if err != nil || len(one.Patches) != 1 || one.Patches[0].Subject != "misc: blink: rename b" {
		t.Errorf("single commit: %v %+v", err, one)
	}

	for _, tc := range []struct{ rng, want string }{
		{"nosuch..HEAD", `unknown revision "nosuch"`},
		{ids[2] + ".." + ids[0], "is not an ancestor of"},
	} {
		_, err := ReadGitRange(context.Background(), dir, tc.rng, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.rng, err, tc.want)
		}
	}
	if _, err := ReadGitRange(context.Background(), t.TempDir(), "HEAD", nil); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("not a repository: %v", err)
	}
}

// TestTreeFilesAgreeWithGit: the hunks cut from go-git's chunks are the
// hunks of the unified diff go-git writes for the same change (positions,
// counts, context and lines), for changes near the ends of a file, changes
// whose context touches or overlaps and changes far apart.
func TestTreeFilesAgreeWithGit(t *testing.T) {
	var old, cur []string
	for i := 1; i <= 60; i++ {
		old = append(old, fmt.Sprintf("line %d", i))
	}
	for i, l := range old {
		switch i + 1 {
		case 1, 10, 17, 30, 31, 45, 60: // changed
			cur = append(cur, l+" changed")
		case 20: // deleted
		case 50: // one added after
			cur = append(cur, l, "added")
		default:
			cur = append(cur, l)
		}
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	var commits []*object.Commit
	for _, body := range []string{strings.Join(old, "\n") + "\n", strings.Join(cur, "\n")} { // the second without a final newline
		if err := os.WriteFile(filepath.Join(dir, "f.c"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add("f.c"); err != nil {
			t.Fatal(err)
		}
		h, err := wt.Commit("x\n", &git.CommitOptions{Author: &object.Signature{Name: "A", Email: "a@example.org", When: time.Unix(0, 0)}})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := repo.CommitObject(h)
		commits = append(commits, c)
	}
	pt, err := commits[0].Patch(commits[1])
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := gitdiff.Parse(strings.NewReader(pt.String()))
	if err != nil || len(want) != 1 {
		t.Fatalf("parse go-git's diff: %v", err)
	}
	got, err := treeFiles(pt.FilePatches(), Pos{"x", 0})
	if err != nil || len(got) != 1 {
		t.Fatalf("treeFiles: %v, %d files", err, len(got))
	}
	if len(got[0].TextFragments) != len(want[0].TextFragments) {
		t.Fatalf("%d hunks, go-git writes %d", len(got[0].TextFragments), len(want[0].TextFragments))
	}
	for i, w := range want[0].TextFragments {
		g := got[0].TextFragments[i]
		g.Comment, w.Comment = "", ""
		if !reflect.DeepEqual(g, w) {
			t.Errorf("hunk %d:\n got %s\nwant %s", i, g, w)
		}
	}
}
