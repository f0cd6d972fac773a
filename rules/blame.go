package rules

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics"
)

// AddedLine is a line a patch adds inside a function, numbered in that
// patch's post-image.
type AddedLine struct {
	Patch int
	File  string
	Func  string
	Line  int
	Text  string // trimmed
	// Code: the line is more than a comment or a blank; only code lines
	// can be blamed for what a run does.
	Code bool
}

// AddedLines lists the lines every patch of res adds inside functions.
func AddedLines(res *semantics.Result) []AddedLine {
	var out []AddedLine
	if res == nil {
		return out
	}
	for pi, pc := range res.Patches {
		idx := pi + 1
		if pc.Patch != nil && pc.Patch.Index > 0 {
			idx = pc.Patch.Index
		}
		for _, fc := range pc.Files {
			for _, f := range fc.Funcs {
				for _, l := range f.Lines {
					if l.New <= 0 || l.Old != 0 {
						continue
					}
					t := strings.TrimSpace(l.Text)
					t = strings.TrimPrefix(t, "+")
					t = strings.TrimSpace(t)
					out = append(out, AddedLine{Patch: idx, File: fc.Path, Func: f.Name, Line: l.New, Text: t,
						Code: isCodeLine(t) && !f.CommentOnly})
				}
			}
		}
	}
	return out
}

// isCodeLine: not blank, not a comment line.
func isCodeLine(t string) bool {
	switch {
	case t == "", strings.HasPrefix(t, "//"), strings.HasPrefix(t, "/*"), strings.HasPrefix(t, "*"):
		return false
	}
	return true
}

// blame places a finding shown first after patch `patch` (see firstPrefix)
// at the added code line of that patch its counterexample executes: the
// last step on such a line; else, for a step in a function the patch adds
// code to (steps no other CPU observes are merged away, so the added lines
// themselves may not be listed), that function's first added code line;
// else, when first is set (the verdict first appears after this patch),
// the patch's first added code line. A patch that adds no code is never
// blamed; without added lines at all (callers that do not pass them) it
// falls back to the last post-image step.
func (e *evaluator) blame(cx *Counterexample, patch int, first bool) *Location {
	if cx == nil || len(cx.Steps) == 0 {
		return nil
	}
	var mine []AddedLine
	for _, a := range e.in.Added {
		if a.Patch == patch && a.Code {
			mine = append(mine, a)
		}
	}
	if len(mine) == 0 {
		if len(e.in.Added) > 0 {
			return nil // the patch adds no code: nothing of it can be blamed
		}
		return e.location(cx)
	}
	for i := len(cx.Steps) - 1; i >= 0; i-- {
		s := cx.Steps[i]
		if s.Side != "post" {
			continue
		}
		for _, a := range mine {
			if a.File == s.File && a.Line == s.Line {
				return &Location{Patch: patch, File: a.File, Line: a.Line, Side: "post"}
			}
		}
	}
	for i := len(cx.Steps) - 1; i >= 0; i-- {
		s := cx.Steps[i]
		for _, a := range mine {
			if a.File == s.File && a.Func != "" && a.Func == s.Func {
				return &Location{Patch: patch, File: a.File, Line: a.Line, Side: "post"}
			}
		}
	}
	// No step shows the patch's code (a function whose steps are all
	// invisible, such as an early return): when the verdict first appears
	// after this patch, its first added code line stands for it.
	if !first {
		return nil
	}
	a := mine[0]
	return &Location{Patch: patch, File: a.File, Line: a.Line, Side: "post"}
}

// firstPrefix returns the first k (1-based) whose AFTER property with
// propertyKey key (rule, entry, fault set) has one of the verdicts, with that property, looking at
// the prefixes' properties in order (the last entry is the whole series).
func firstPrefix(prefixes [][]Property, key string, verdicts ...string) (int, *Property) {
	for k, props := range prefixes {
		for i := range props {
			p := &props[i]
			if p.Variant != "after" || propertyKey(*p) != key {
				continue
			}
			for _, v := range verdicts {
				if p.Verdict == v {
					return k + 1, p
				}
			}
		}
	}
	return 0, nil
}
