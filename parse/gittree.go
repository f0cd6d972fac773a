package parse

import (
	"fmt"
	"os"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	fdiff "github.com/go-git/go-git/v5/plumbing/format/diff"
)

// A commit of a git range is a tree diff, not a mail: its change is what
// go-git computes between the parent's tree and the commit's, converted
// here into go-gitdiff's File values hunk by hunk, and its message is only
// text (for the claims and trailers). A diff quoted in a commit message is
// therefore never part of the change, and a commit that changes only a
// readme changes nothing else whatever its message shows.

// gitContext is the number of context lines around a hunk's changes, as
// git diff writes them.
const gitContext = 3

// treeFiles converts go-git's file patches into go-gitdiff files with
// unified hunks of gitContext lines of context. at names the commit in
// errors.
func treeFiles(fps []fdiff.FilePatch, at Pos) ([]*gitdiff.File, error) {
	var out []*gitdiff.File
	hunks := 0
	for _, fp := range fps {
		from, to := fp.Files()
		f := &gitdiff.File{}
		if from != nil {
			f.OldName, f.OldMode, f.OldOIDPrefix = from.Path(), osMode(from.Mode()), from.Hash().String()[:12]
		}
		if to != nil {
			f.NewName, f.NewMode, f.NewOIDPrefix = to.Path(), osMode(to.Mode()), to.Hash().String()[:12]
		}
		switch {
		case from == nil && to == nil:
			continue
		case from == nil:
			f.IsNew, f.OldOIDPrefix = true, strings.Repeat("0", 12)
		case to == nil:
			f.IsDelete, f.NewOIDPrefix = true, strings.Repeat("0", 12)
		case from.Path() != to.Path():
			f.IsRename = true
		}
		if fp.IsBinary() {
			f.IsBinary = true
			out = append(out, f)
			continue
		}
		f.TextFragments = fragments(fp.Chunks())
		hunks += len(f.TextFragments)
		if hunks > MaxHunks {
			return nil, &Error{at, fmt.Sprintf("more than %d hunks in one patch", MaxHunks)}
		}
		if len(f.TextFragments) == 0 && !f.IsNew && !f.IsDelete && !f.IsRename && f.OldMode == f.NewMode {
			continue // same content and mode: nothing changed
		}
		out = append(out, f)
	}
	return out, nil
}

// osMode is a git file mode as go-gitdiff keeps it.
func osMode(m filemode.FileMode) os.FileMode {
	om, err := m.ToOSFileMode()
	if err != nil {
		return 0
	}
	return om
}

// fragments cuts a file's chunks into unified hunks: every changed line
// with up to gitContext unchanged lines on each side, hunks whose context
// would overlap or touch joined into one.
func fragments(chunks []fdiff.Chunk) []*gitdiff.TextFragment {
	var lines []gitdiff.Line
	for _, c := range chunks {
		op := gitdiff.OpContext
		switch c.Type() {
		case fdiff.Add:
			op = gitdiff.OpAdd
		case fdiff.Delete:
			op = gitdiff.OpDelete
		}
		for _, l := range splitKeepEnds(c.Content()) {
			lines = append(lines, gitdiff.Line{Op: op, Line: l})
		}
	}
	var out []*gitdiff.TextFragment
	// oldAt and newAt are the 1-based line numbers of lines[i] in the old
	// and new file.
	oldAt, newAt := make([]int64, len(lines)+1), make([]int64, len(lines)+1)
	o, n := int64(1), int64(1)
	for i, l := range lines {
		oldAt[i], newAt[i] = o, n
		if l.Op != gitdiff.OpAdd {
			o++
		}
		if l.Op != gitdiff.OpDelete {
			n++
		}
	}
	oldAt[len(lines)], newAt[len(lines)] = o, n
	for i := 0; i < len(lines); {
		if lines[i].Op == gitdiff.OpContext {
			i++
			continue
		}
		start := max(0, i-gitContext)
		end := i // one past the last changed line of the hunk
		for j := i; j < len(lines); j++ {
			if lines[j].Op != gitdiff.OpContext {
				end = j + 1
			} else if j-end >= 2*gitContext {
				break
			}
		}
		stop := min(len(lines), end+gitContext)
		tf := &gitdiff.TextFragment{Lines: append([]gitdiff.Line(nil), lines[start:stop]...)}
		for _, l := range tf.Lines {
			switch l.Op {
			case gitdiff.OpAdd:
				tf.LinesAdded++
				tf.NewLines++
			case gitdiff.OpDelete:
				tf.LinesDeleted++
				tf.OldLines++
			default:
				tf.OldLines++
				tf.NewLines++
			}
		}
		for _, l := range tf.Lines {
			if l.Op != gitdiff.OpContext {
				break
			}
			tf.LeadingContext++
		}
		for k := len(tf.Lines) - 1; k >= 0 && tf.Lines[k].Op == gitdiff.OpContext; k-- {
			tf.TrailingContext++
		}
		// Positions as in a hunk header: the first line of the range,
		// or the line before an empty range.
		tf.OldPosition, tf.NewPosition = oldAt[start], newAt[start]
		if tf.OldLines == 0 {
			tf.OldPosition--
		}
		if tf.NewLines == 0 {
			tf.NewPosition--
		}
		out = append(out, tf)
		i = stop
	}
	return out
}

// splitKeepEnds splits s into lines that keep their "\n"; a last line
// without one (no newline at the end of the file) stays without.
func splitKeepEnds(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}
