package semantics

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// Tree is a kernel tree the patches are checked against: a git repository
// (a checkout or a bare repository, read at HEAD with go-git) or a plain
// directory of kernel sources.
//
// With a tree, a hunk that starts inside a function is attributed from the
// tree's own text of the file when the patch's index line names the tree's
// blob; the patch's index blobs are checked against the tree; and the
// library's baseline of every changed function is compared with the tree's
// text of it (Drift). The programs are still compiled from the models: kernel
// text as such is outside the subset the compiler interprets.
type Tree struct {
	Dir    string
	repo   *git.Repository // nil for a plain directory
	commit *object.Commit  // nil for a plain directory
	root   *os.Root        // a plain directory, opened so that reads stay inside it
	cache  map[string]*treeFile
	libs   map[Config]*fromtree.Result
	// bases holds the trees of other commits of the repository (bases),
	// shared with them, so that every prefix of a series reuses the same
	// tree and its built libraries.
	bases map[plumbing.Hash]*Tree
}

// maxTreeFile bounds what a tree file may hold: the largest file of the
// modelled path (kernel/cpu.c) is under 100 KiB.
const maxTreeFile = 8 << 20

type treeFile struct {
	text []byte
	blob string // full hex blob hash
	err  error
}

// OpenTree opens dir as a git repository (at HEAD) if it is one, else as a
// plain directory.
func OpenTree(dir string) (*Tree, error) { return OpenTreeAt(dir, "") }

// OpenTreeAt opens the git repository dir at revision rev (HEAD when rev is
// empty); a plain directory has no revisions.
func OpenTreeAt(dir, rev string) (*Tree, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("tree %s: not a directory", dir)
	}
	t := &Tree{Dir: dir, cache: map[string]*treeFile{}, libs: map[Config]*fromtree.Result{}}
	// PlainOpen takes a checkout's root or a bare repository; a directory
	// inside a checkout is found by looking up for its .git.
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	}
	switch {
	case err == nil:
		if rev == "" {
			rev = "HEAD"
		}
		h, err := repo.ResolveRevision(plumbing.Revision(rev))
		if err != nil {
			return nil, fmt.Errorf("tree %s: %s: %w", dir, rev, err)
		}
		c, err := repo.CommitObject(*h)
		if err != nil {
			return nil, fmt.Errorf("tree %s: %s: %w", dir, rev, err)
		}
		t.commit, t.repo = c, repo
	case !errors.Is(err, git.ErrRepositoryNotExists):
		return nil, fmt.Errorf("tree %s: %w", dir, err)
	case rev != "":
		return nil, fmt.Errorf("tree %s: not a git repository, cannot read revision %s", dir, rev)
	default:
		if t.root, err = os.OpenRoot(dir); err != nil {
			return nil, fmt.Errorf("tree %s: %w", dir, err)
		}
	}
	return t, nil
}

// at returns the tree at commit h of the same repository.
func (t *Tree) at(h plumbing.Hash) (*Tree, error) {
	if t.commit != nil && t.commit.Hash == h {
		return t, nil
	}
	if t.bases == nil {
		t.bases = map[plumbing.Hash]*Tree{}
	}
	if b, ok := t.bases[h]; ok {
		return b, nil
	}
	c, err := t.repo.CommitObject(h)
	if err != nil {
		return nil, err
	}
	b := &Tree{Dir: t.Dir, repo: t.repo, commit: c, cache: map[string]*treeFile{}, libs: map[Config]*fromtree.Result{}, bases: t.bases}
	t.bases[h] = b
	return b, nil
}

// Commit is the full hash of the commit the tree is read at, "" for a
// plain directory.
func (t *Tree) Commit() string {
	if t.commit == nil {
		return ""
	}
	return t.commit.Hash.String()
}

// cleanPath refuses a path that is absolute or leaves the tree: file names
// come from patches, which are input.
func cleanPath(p string) (string, error) {
	c := path.Clean(p)
	if p == "" || path.IsAbs(p) || c == ".." || strings.HasPrefix(c, "../") || strings.ContainsRune(p, 0) || strings.Contains(p, "\\") {
		return "", fmt.Errorf("%q is not a path inside the tree", p)
	}
	return c, nil
}

// File returns the text of the kernel file at path and its git blob hash.
func (t *Tree) File(path string) ([]byte, string, error) {
	if f, ok := t.cache[path]; ok {
		return f.text, f.blob, f.err
	}
	f := &treeFile{}
	t.cache[path] = f
	clean, err := cleanPath(path)
	if err != nil {
		f.err = err
		return nil, "", err
	}
	if t.commit != nil {
		gf, err := t.commit.File(clean)
		if err != nil {
			f.err = fmt.Errorf("%s at %s: %w", clean, t.commit.Hash.String()[:12], err)
			return nil, "", f.err
		}
		if gf.Size > maxTreeFile || !gf.Mode.IsFile() {
			f.err = fmt.Errorf("%s: not a regular file of at most %d bytes", clean, maxTreeFile)
			return nil, "", f.err
		}
		s, err := gf.Contents()
		if err != nil {
			f.err = fmt.Errorf("%s: %w", clean, err)
			return nil, "", f.err
		}
		f.text, f.blob = []byte(s), gf.Hash.String()
		return f.text, f.blob, nil
	}
	b, err := t.readFile(clean)
	if err != nil {
		f.err = err
		return nil, "", err
	}
	f.text = b
	f.blob = plumbing.ComputeHash(plumbing.BlobObject, b).String()
	return f.text, f.blob, nil
}

// readFile reads a regular file of the plain directory, inside it (os.Root
// refuses paths and symbolic links that leave it), of bounded size: never a
// device, a FIFO or a directory.
func (t *Tree) readFile(clean string) ([]byte, error) {
	fh, err := t.root.Open(filepath.FromSlash(clean))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clean, errors.Unwrap(err))
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clean, err)
	}
	if !st.Mode().IsRegular() || st.Size() > maxTreeFile {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", clean, maxTreeFile)
	}
	b, err := io.ReadAll(io.LimitReader(fh, maxTreeFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clean, err)
	}
	if len(b) > maxTreeFile {
		return nil, fmt.Errorf("%s: more than %d bytes", clean, maxTreeFile)
	}
	return b, nil
}

// Library returns the model library built from the tree's own text in
// configuration cfg (built once per configuration).
func (t *Tree) Library(cfg Config) (*fromtree.Result, error) {
	if r, ok := t.libs[cfg]; ok {
		return r, nil
	}
	r, err := fromtree.Build(t, models.Default(), CompileConfig(cfg))
	if err != nil {
		return nil, err
	}
	t.libs[cfg] = r
	return r, nil
}

// funcAt names the function of the tree's file that contains line, when
// the tree's blob is the one the patch names.
func (t *Tree) funcAt(path string, line int, blobPrefix string) string {
	text, blob, err := t.File(path)
	if err != nil || blobPrefix == "" || !strings.HasPrefix(blob, blobPrefix) {
		return ""
	}
	for _, e := range cfront.Extents(text) {
		if e.Name != "" && e.First <= line && line <= e.Last {
			return e.Name
		}
	}
	return ""
}

// Drift is a difference between the library and a kernel tree.
type Drift struct {
	File, Func string
	Kind       string // "blob": the patch's index names another blob; "text": the model's kernel lines are not the tree's; "missing": the tree lacks the file or function
	Msg        string
}

func (d Drift) String() string {
	if d.Func != "" {
		return fmt.Sprintf("%s: %s: %s: %s", d.File, d.Func, d.Kind, d.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", d.File, d.Kind, d.Msg)
}

// checkBlobs compares the patches' index lines with the tree.
func (t *Tree) checkBlobs(r *Result) []Drift {
	var out []Drift
	for i, pc := range r.Patches {
		if i > 0 {
			break // later patches apply to the earlier ones' post-images
		}
		for _, fc := range pc.Files {
			if fc.OldBlob == "" || strings.Trim(fc.OldBlob, "0") == "" {
				continue
			}
			_, blob, err := t.File(fc.Path)
			if err != nil {
				out = append(out, Drift{File: fc.Path, Kind: "missing", Msg: err.Error()})
				continue
			}
			if !strings.HasPrefix(blob, fc.OldBlob) {
				out = append(out, Drift{File: fc.Path, Kind: "blob",
					Msg: fmt.Sprintf("the patch applies to blob %s, the tree has %.12s", fc.OldBlob, blob)})
			}
		}
	}
	return out
}

// drift compares the library's baseline of each changed, modelled function
// with the tree's text of it: every kernel line of the model (code and
// elided lines) must occur in the tree's function in order, white space and
// comments aside.
func (t *Tree) drift(lib *models.Library, funcs []*FuncChange) []Drift {
	var out []Drift
	for _, fc := range funcs {
		m := fc.Model
		if m == nil {
			continue
		}
		text, _, err := t.File(m.File)
		if err != nil {
			out = append(out, Drift{File: m.File, Func: m.Name, Kind: "missing", Msg: err.Error()})
			continue
		}
		out = append(out, FuncDrift(m, text)...)
	}
	return out
}

// FuncDrift compares model m with its function in the kernel file text.
func FuncDrift(m *models.Func, text []byte) []Drift {
	var ext *cfront.Extent
	for _, e := range cfront.Extents(text) {
		if e.Name == m.Name && e.Complete {
			e := e
			ext = &e
			break
		}
	}
	if ext == nil {
		return []Drift{{File: m.File, Func: m.Name, Kind: "missing", Msg: "the tree's file does not define it"}}
	}
	lines := strings.Split(string(text), "\n")
	c := &classifier{}
	var keys []string
	var at []int
	for l := 1; l <= len(lines); l++ {
		cl, _ := c.next(lines[l-1])
		if l < ext.First || l > ext.Last || cl.skippable() {
			continue
		}
		keys = append(keys, key(lines[l-1]))
		at = append(at, l)
	}
	var out []Drift
	j := 0
	for _, ml := range m.Lines() {
		if !ml.Matchable() {
			continue
		}
		k := key(ml.Kernel)
		if k == "" {
			continue
		}
		found := -1
		for x := j; x < len(keys); x++ {
			if keys[x] == k {
				found = x
				break
			}
		}
		if found < 0 {
			out = append(out, Drift{File: m.File, Func: m.Name, Kind: "text",
				Msg: fmt.Sprintf("model line %q (kernel line %d) is not in the tree's %s (lines %d-%d)", strings.TrimSpace(ml.Kernel), ml.KLine, m.Name, ext.First, ext.Last)})
			continue
		}
		if at[found] != ml.KLine && len(out) == 0 && j == 0 {
			out = append(out, Drift{File: m.File, Func: m.Name, Kind: "line",
				Msg: fmt.Sprintf("the model's kernel line %d is line %d of the tree", ml.KLine, at[found])})
		}
		j = found + 1
	}
	return out
}
