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
	for i, body := range []string{"int a;\n", "int a;\nint b;\n", "int a;\nint b;\nint c;\n"} {
		if err := os.WriteFile(filepath.Join(dir, "x.c"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add("x.c"); err != nil {
			t.Fatal(err)
		}
		msg := "x: step " + string(rune('0'+i)) + "\n\nSigned-off-by: Ana Developer <ana@example.org>\n"
		h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "Ana Developer", Email: "ana@example.org", When: time.Date(2026, 3, 2, 10, i, 0, 0, time.UTC)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.String())
	}
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
