package parse

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxRangeCommits bounds a git range; a series is a few dozen commits.
const maxRangeCommits = 5000

// ReadGitRange reads the commits of rng ("A..B", or a single commit) from
// the repository at dir as a series, oldest first. Each commit's change is
// go-git's diff of its first parent's tree and its own (gittree.go), never
// text parsed like a mail; the commit message is only text for claims and
// trailers. Positions name the commit (abbreviated id).
func ReadGitRange(ctx context.Context, dir, rng string, opts *Options) (*Series, error) {
	where := Pos{dir, 0}
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, &Error{where, "not a git repository: " + err.Error()}
	}
	from, to, isRange := strings.Cut(rng, "..")
	if !isRange {
		to, from = rng, ""
	}
	resolve := func(rev string) (*object.Commit, error) {
		h, err := repo.ResolveRevision(plumbing.Revision(rev))
		if err != nil {
			return nil, &Error{where, fmt.Sprintf("unknown revision %q: %v", rev, err)}
		}
		c, err := repo.CommitObject(*h)
		if err != nil {
			return nil, &Error{where, fmt.Sprintf("revision %q is not a commit: %v", rev, err)}
		}
		return c, nil
	}
	if to == "" {
		to = "HEAD"
	}
	tip, err := resolve(to)
	if err != nil {
		return nil, err
	}
	var stop plumbing.Hash
	if isRange {
		if from == "" {
			return nil, &Error{where, fmt.Sprintf("range %q has no start", rng)}
		}
		base, err := resolve(from)
		if err != nil {
			return nil, err
		}
		stop = base.Hash
	}
	s := &Series{Inputs: []Input{{dir + " " + rng, KindGit}}}
	var commits []*object.Commit
	for c := tip; ; {
		if isRange && c.Hash == stop {
			break
		}
		if len(commits) >= maxRangeCommits {
			return nil, &Error{where, fmt.Sprintf("range %q has more than %d commits", rng, maxRangeCommits)}
		}
		commits = append(commits, c)
		if !isRange || c.NumParents() == 0 {
			if isRange {
				return nil, &Error{where, fmt.Sprintf("%s is not an ancestor of %s along first parents", from, to)}
			}
			break
		}
		if c.NumParents() > 1 {
			s.Notices = append(s.Notices, Notice{NoticeSeries, "merge commit " + c.Hash.String()[:12] + " read against its first parent", Pos{c.Hash.String()[:12], 0}})
		}
		p, err := c.Parent(0)
		if err != nil {
			return nil, &Error{where, "read parent of " + c.Hash.String() + ": " + err.Error()}
		}
		c = p
	}
	for i := len(commits) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := commitPatch(ctx, commits[i], opts)
		if err != nil {
			return nil, err
		}
		p.Index, p.Total = len(commits)-i, len(commits)
		s.Patches = append(s.Patches, p)
	}
	if err := checkHunks(s); err != nil {
		return nil, err
	}
	return s, nil
}

// commitPatch reads one commit: its change is go-git's diff of the
// parent's tree (none for a root commit) and the commit's tree, its
// message only text (see gittree.go). Message positions are the lines of
// the commit message, its subject being line 1; the change has none of
// its own and points at the commit.
func commitPatch(ctx context.Context, c *object.Commit, opts *Options) (*Patch, error) {
	id := c.Hash.String()[:12]
	at := Pos{id, 0}
	tree, err := c.Tree()
	if err != nil {
		return nil, &Error{at, "read tree: " + err.Error()}
	}
	var parentTree *object.Tree
	if c.NumParents() > 0 {
		parent, err := c.Parent(0)
		if err != nil {
			return nil, &Error{at, "read parent: " + err.Error()}
		}
		if parentTree, err = parent.Tree(); err != nil {
			return nil, &Error{at, "read parent tree: " + err.Error()}
		}
	}
	changes, err := object.DiffTreeWithOptions(ctx, parentTree, tree, object.DefaultDiffTreeOptions)
	if err != nil {
		return nil, &Error{at, "diff: " + err.Error()}
	}
	size := int64(0)
	for _, ch := range changes {
		for _, e := range []object.ChangeEntry{ch.From, ch.To} {
			if e.Name == "" {
				continue
			}
			if f, err := tree.TreeEntryFile(&e.TreeEntry); err == nil {
				size += f.Size
			}
		}
	}
	if size > opts.maxSize() {
		return nil, &Error{at, fmt.Sprintf("the files the commit changes are larger than the limit of %d bytes", opts.maxSize())}
	}
	pt, err := changes.PatchContext(ctx)
	if err != nil {
		return nil, &Error{at, "diff: " + err.Error()}
	}
	files, err := treeFiles(pt.FilePatches(), at)
	if err != nil {
		return nil, err
	}
	subject, rest, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	message, trailers := splitTrailers(splitLines(strings.TrimSpace(rest)))
	return &Patch{
		Index: 1, Total: 1, Version: 1,
		Subject: strings.TrimSpace(subject), RawSubject: strings.TrimSpace(subject),
		MessageID: c.Hash.String(),
		Author:    c.Author.Name + " <" + c.Author.Email + ">",
		Date:      c.Author.When,
		Message:   message, Trailers: trailers,
		Files: files,
		Pos:   at, DiffPos: at,
	}, nil
}
