package semantics

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// Baseline says what the BEFORE program was compiled from.
type Baseline struct {
	// Source is "bundled" (the library's v5.10 restatements) or "tree".
	Source  string
	Tree    string // the tree as given (--tree), "" when bundled
	Version string // kernel version, e.g. "6.12.118" or "v5.10"
	Commit  string // the base commit of a git tree, "" otherwise
	// How the base was chosen: "base-commit trailer", "index blobs",
	// "HEAD", "directory".
	How string
	// Guess is true when nothing confirms that the patch was written
	// against this base (no base-commit the tree has, no commit whose blobs
	// are the patch's index blobs).
	Guess bool
	// Funcs lists every function on the modelled paths with its origin.
	Funcs []fromtree.Func
}

// maxBaseSearch bounds the commits searched for the patch's index blobs.
const maxBaseSearch = 2000

// base picks the commit of t the series was written against.
func (t *Tree) base(s *parse.Series) (*Tree, *Baseline, error) {
	b := &Baseline{Source: "tree", Tree: t.Dir}
	if t.repo == nil {
		b.How = "directory"
		b.Guess = !blobsMatch(t, s)
		return t, b, nil
	}
	if len(s.Patches) > 0 && s.Patches[0].BaseCommit != "" {
		if h, err := t.repo.ResolveRevision(plumbing.Revision(s.Patches[0].BaseCommit)); err == nil {
			tb, err := t.at(*h)
			if err != nil {
				return nil, nil, err
			}
			b.How, b.Commit = "base-commit trailer", tb.Commit()
			return tb, b, nil
		}
	}
	if blobsMatch(t, s) {
		b.How, b.Commit = "index blobs", t.Commit()
		return t, b, nil
	}
	want := indexBlobs(s)
	if len(want) > 0 {
		iter, err := t.repo.Log(&git.LogOptions{From: t.commit.Hash})
		if err == nil {
			var found *object.Commit
			n := 0
			stop := errors.New("stop")
			_ = iter.ForEach(func(c *object.Commit) error {
				if n++; n > maxBaseSearch {
					return stop
				}
				for p, blob := range want {
					f, err := c.File(p)
					if err != nil || !strings.HasPrefix(f.Hash.String(), blob) {
						return nil
					}
				}
				found = c
				return stop
			})
			if found != nil {
				tb, err := t.at(found.Hash)
				if err != nil {
					return nil, nil, err
				}
				b.How, b.Commit = fmt.Sprintf("index blobs (found %d commits before HEAD)", n-1), tb.Commit()
				return tb, b, nil
			}
		}
	}
	b.How, b.Commit, b.Guess = "HEAD", t.Commit(), true
	return t, b, nil
}

// indexBlobs are the pre-image blobs the first patch names, by path.
func indexBlobs(s *parse.Series) map[string]string {
	out := map[string]string{}
	if len(s.Patches) == 0 {
		return out
	}
	for _, f := range s.Patches[0].Files {
		if f.OldOIDPrefix == "" || strings.Trim(f.OldOIDPrefix, "0") == "" || f.IsNew {
			continue
		}
		if _, err := cleanPath(f.OldName); err != nil {
			continue
		}
		out[f.OldName] = f.OldOIDPrefix
	}
	return out
}

// blobsMatch reports whether the tree has every pre-image blob the first
// patch names (and it names at least one).
func blobsMatch(t *Tree, s *parse.Series) bool {
	want := indexBlobs(s)
	for p, blob := range want {
		_, have, err := t.File(p)
		if err != nil || !strings.HasPrefix(have, blob) {
			return false
		}
	}
	return len(want) > 0
}

// bundledBaseline describes the embedded library, and says, for each file
// the first patch changes that the library models, whether the patch was
// made against the blob the library restates.
func bundledBaseline(lib *models.Library, r *Result) *Baseline {
	b := &Baseline{Source: "bundled", Version: lib.Version, How: "bundled"}
	for _, f := range lib.Funcs {
		b.Funcs = append(b.Funcs, fromtree.Func{Name: f.Name, File: f.File, Line: f.Line, Origin: fromtree.Bound, Why: "the bundled " + lib.Version + " restatement (no --tree)"})
	}
	if len(r.Patches) == 0 {
		return b
	}
	for _, fc := range r.Patches[0].Files {
		mf := lib.File(fc.Path)
		if mf == nil || mf.Blob == "" || fc.OldBlob == "" || strings.Trim(fc.OldBlob, "0") == "" {
			continue
		}
		if !strings.HasPrefix(mf.Blob, fc.OldBlob) && !strings.HasPrefix(fc.OldBlob, mf.Blob) {
			b.Guess = true
			r.Drift = append(r.Drift, Drift{File: fc.Path, Kind: "blob",
				Msg: fmt.Sprintf("the patch applies to blob %s, the bundled %s baseline restates %s: the answer is against %s and may not hold at the patch's base (give the kernel tree with --tree)", fc.OldBlob, lib.Version, mf.Blob, lib.Version)})
		}
	}
	return b
}
