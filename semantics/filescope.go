package semantics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// A tree's model of a file holds, besides the functions and declarations
// on the path, the rest of the file's file-scope text as elided lines
// (fromtree): a hunk whose context is a declaration between functions, a
// table or an #ifdef'd variable is placed where the tree has it. What the
// hunk changes there is settled here: a change of text the model compiles
// is in AFTER like any other; a change of text it does not compile changes
// nothing executed, unless the text defines a name the models define or
// the compiler binds (then the change cannot reach the programs, and is
// unmodelled).

// markFileScope marks the lines of w that are the tree's file-scope text:
// each line of a declaration with the declaration's first line, elided
// lines as not compiled. text is the tree's file.
func (w *working) markFileScope(text []byte) {
	w.decls = map[int]fromtree.Decl{}
	at := map[int]int{}
	decls := fromtree.Decls(text)
	// The functions of the file the model does not take are elided text
	// too: a line added in one is not compiled either.
	for _, e := range cfront.Extents(text) {
		if e.Name != "" {
			decls = append(decls, fromtree.Decl{Names: []string{e.Name}, First: e.First, Last: e.Last, Func: true})
		}
	}
	for _, d := range decls {
		w.decls[d.First] = d
		for l := d.First; l <= d.Last; l++ {
			if at[l] == 0 {
				at[l] = d.First
			}
		}
	}
	for i := range w.lines {
		wl := &w.lines[i]
		if wl.orig < 0 || wl.fn != "" {
			continue
		}
		ml := w.model.Lines[wl.orig]
		if ml.KLine == 0 || ml.Kind == models.Restated {
			continue
		}
		wl.decl = at[ml.KLine]
		wl.elided = ml.Kind == models.Elided
	}
}

// fileScope settles the changed lines outside functions of a hunk placed in
// a tree's model (applied) that fell on file-scope text the model does not
// compile, and returns the others, which the models' declarations settle.
func (a *analyzer) fileScope(n int, fc *FileChange, w *working, hl []hline, others []*OtherChange, applied bool) []*OtherChange {
	if w == nil || w.decls == nil || !applied {
		return others
	}
	index := func(oc *OtherChange) int {
		for i, h := range hl {
			if h.op == oc.Line.Op && h.old == oc.Line.Old && h.new == oc.Line.New {
				return i
			}
		}
		return -1
	}
	var kept []*OtherChange
	var outside, models []string
	firstLine := 0
	for _, oc := range others {
		i := index(oc)
		if i >= 0 && hl[i].op == gitdiff.OpDelete && hl[i].class == classCond {
			// The tree's file-scope conditionals are not compiled: the
			// declarations the model holds were chosen by the build
			// configuration.
			oc.Note = "a file-scope conditional of the tree's text, which the model does not compile; removed"
			continue
		}
		first, ok := w.elidedAt[i]
		if i < 0 || !ok {
			kept = append(kept, oc)
			continue
		}
		d, isDecl := w.decls[first]
		name := "file-scope text"
		if isDecl {
			name = d.Name()
		}
		var defined []string
		for _, nm := range d.Names {
			if a.defined()[nm] || compile.Binds(nm) {
				defined = append(defined, nm)
			}
		}
		switch {
		case len(defined) > 0:
			oc.Note = "the tree's " + name + " is not compiled: the models define " + strings.Join(defined, ", ") + " themselves; not applied"
			for _, nm := range defined {
				if !slices.Contains(models, nm) {
					models = append(models, nm)
				}
			}
			if firstLine == 0 {
				firstLine = max(oc.Line.Old, oc.Line.New)
			}
		default:
			oc.Note = "file-scope text outside the model (" + name + "): not compiled, changes nothing executed"
			if isDecl && !slices.Contains(outside, name) {
				outside = append(outside, name)
			}
		}
	}
	if len(models) > 0 {
		a.res.Unmodelled = append(a.res.Unmodelled, Problem{Patch: n, File: fc.Path, Line: firstLine,
			Reason: fmt.Sprintf("the change of %s is to the tree's text of it, which the model does not compile: the models define it themselves", strings.Join(models, ", "))})
	}
	// The hunk's why, when all it changes is text outside the model.
	if h := a.lastHunk(); h != nil && h.Fate == Applies && h.Why == "" && len(models) == 0 {
		all, some := true, false
		for i, l := range hl {
			if l.op == gitdiff.OpContext || l.drop || l.class == classBlank || l.class == classComment {
				continue
			}
			if _, ok := w.elidedAt[i]; ok || l.op == gitdiff.OpDelete && l.class == classCond {
				some = true
			} else {
				all = false
			}
		}
		if all && some {
			what := "comments and directives"
			if len(outside) > 0 {
				what = strings.Join(outside, ", ")
			}
			h.Why = "changes file-scope text outside the model: " + what
		}
	}
	return kept
}

// lastHunk is the hunk being applied.
func (a *analyzer) lastHunk() *Hunk {
	if a.pc == nil || len(a.pc.Hunks) == 0 {
		return nil
	}
	return a.pc.Hunks[len(a.pc.Hunks)-1]
}
