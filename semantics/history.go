package semantics

import (
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// maxHistory bounds how many commits the search for a merged patch walks
// back from the tree's commit (the base search's bound, maxBaseSearch, is
// for blobs the patch names; this one is for a change made long ago).
const maxHistory = 10000

// Merged is the commit of a tree's history whose change to the patch's
// files is the patch's change: the patch was applied, and the lines it
// touched may have changed since (which the text alone cannot show).
type Merged struct {
	Commit  string // full hash
	Subject string // the commit message's first line
}

// mergedCommit walks the tree's history back from its commit (every
// commit, newest first, at most maxHistory) for a commit that changes the
// patch's files as the patch does: the same removed and added lines, in
// order, file by file, white space and blank lines aside (git patch-id's
// sense, without the context). It answers nil for a plain directory, and
// when the search ends without one; searched is how many commits it read
// and complete whether it reached the root.
//
// git am keeps a mail's Date as the commit's author date, so only a commit
// authored within a day of the patch is compared (the rest cost a commit
// decoding each), and the walk, newest committed first, stops at commits
// committed a day before the patch was posted: none of the earlier ones
// can have applied it. A patch without a date is not looked for.
func (t *Tree) mergedCommit(files []*gitdiff.File, posted time.Time) (m *Merged, searched int, complete bool) {
	if t.repo == nil || t.commit == nil || len(files) == 0 || posted.IsZero() {
		return nil, 0, false
	}
	want := map[string][2][]string{}
	for _, f := range files {
		if f.IsBinary || f.IsDelete || f.IsNew || f.IsRename || f.IsCopy {
			return nil, 0, false // the patch-id of text changes to existing files only
		}
		var rm, add []string
		for _, frag := range f.TextFragments {
			for _, l := range frag.Lines {
				switch l.Op {
				case gitdiff.OpDelete:
					rm = appendKey(rm, l.Line)
				case gitdiff.OpAdd:
					add = appendKey(add, l.Line)
				}
			}
		}
		want[filePath(f)] = [2][]string{rm, add}
	}
	paths := slices.Sorted(maps.Keys(want))
	iter, err := t.repo.Log(&git.LogOptions{From: t.commit.Hash, Order: git.LogOrderCommitterTime})
	if err != nil {
		return nil, 0, false
	}
	defer iter.Close()
	for searched < maxHistory {
		c, err := iter.Next()
		if err != nil {
			return nil, searched, errors.Is(err, io.EOF)
		}
		searched++
		if c.Committer.When.Before(posted.Add(-24 * time.Hour)) {
			return nil, searched, true
		}
		if c.NumParents() != 1 {
			continue // a merge's change is its branch's commits'
		}
		if d := c.Author.When.Sub(posted); d > 24*time.Hour || d < -24*time.Hour {
			continue
		}
		parent, err := c.Parent(0)
		if err != nil {
			continue // a shallow clone's boundary
		}
		if changesAs(c, parent, paths, want) {
			return &Merged{Commit: c.Hash.String(), Subject: firstLine(c.Message)}, searched, false
		}
	}
	return nil, searched, false
}

// changesAs reports whether commit c, against its parent, changes every
// one of paths with exactly the removed and added lines of want.
func changesAs(c, parent *object.Commit, paths []string, want map[string][2][]string) bool {
	ct, err := c.Tree()
	if err != nil {
		return false
	}
	pt, err := parent.Tree()
	if err != nil {
		return false
	}
	// Cheap first: every file must differ between the two trees.
	for _, p := range paths {
		a, errA := pt.FindEntry(p)
		b, errB := ct.FindEntry(p)
		if errA != nil || errB != nil || a.Hash == b.Hash {
			return false
		}
	}
	for _, p := range paths {
		before, err1 := blobText(pt, p)
		after, err2 := blobText(ct, p)
		if err1 != nil || err2 != nil {
			return false
		}
		var rm, add []string
		for _, d := range diff.Do(before, after) {
			switch d.Type {
			case diffmatchpatch.DiffDelete:
				for _, l := range splitLines(d.Text) {
					rm = appendKey(rm, l)
				}
			case diffmatchpatch.DiffInsert:
				for _, l := range splitLines(d.Text) {
					add = appendKey(add, l)
				}
			}
		}
		if !slices.Equal(rm, want[p][0]) || !slices.Equal(add, want[p][1]) {
			return false
		}
	}
	return true
}

// blobText is the text of path in tree t, refused past maxTreeFile.
func blobText(t *object.Tree, path string) (string, error) {
	f, err := t.File(path)
	if err != nil {
		return "", err
	}
	if f.Size > maxTreeFile {
		return "", errors.New("too large")
	}
	r, err := f.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxTreeFile))
	return string(b), err
}

// appendKey appends line without its white space (models.Normalize, as
// every other comparison of lines), unless nothing is left. Comments stay:
// a commit's change is compared with the patch's whole.
func appendKey(keys []string, line string) []string {
	k := models.Normalize(line)
	if k == "" {
		return keys
	}
	return append(keys, k)
}

func splitLines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}
