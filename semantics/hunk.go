package semantics

// A hunk of a patch, against the working model: where its lines are (the
// extents of its own text), which functions it adds, removes or modifies,
// and how each change is taken into the AFTER program.

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// sectionFunc is the function a hunk's @@ section heading names
// ("void cpu_die(void)" -> cpu_die), or "".
func sectionFunc(heading string) string {
	p := strings.IndexByte(heading, '(')
	if p <= 0 {
		return ""
	}
	ids := identifiers(heading[:p])
	if len(ids) == 0 {
		return ""
	}
	name := ids[len(ids)-1]
	switch name {
	case "if", "while", "for", "switch", "return", "sizeof":
		return ""
	}
	return name
}

func displayName(fn *FuncChange) string {
	if fn.Name == "" {
		return fmt.Sprintf("unidentified function or declaration at line %d", fn.Line)
	}
	return fn.Name
}

// imageText joins the lines of one image of a hunk, and maps image lines
// (1-based, as Extents reports them) to hunk line indexes.
func imageText(hl []hline, old bool) ([]byte, []int) {
	var b strings.Builder
	var idx []int
	for i, h := range hl {
		if old && h.op == gitdiff.OpAdd || !old && h.op == gitdiff.OpDelete {
			continue
		}
		b.WriteString(h.text)
		b.WriteByte('\n')
		idx = append(idx, i)
	}
	return []byte(b.String()), idx
}

// extentOf assigns each hunk line of one image the extent containing it.
func extentOf(hl []hline, old bool, into []*cfront.Extent) {
	text, idx := imageText(hl, old)
	ex := cfront.Extents(text)
	for k := range ex {
		e := &ex[k]
		for l := e.First; l <= e.Last && l <= len(idx); l++ {
			if l >= 1 {
				into[idx[l-1]] = e
			}
		}
	}
}

// hunkView is one hunk's lines with the extent each is in, in each image.
type hunkView struct {
	hl        []hline
	pre, post []*cfront.Extent
}

func viewOf(frag *gitdiff.TextFragment) hunkView {
	hl := hunkLines(frag)
	h := hunkView{hl: hl, pre: make([]*cfront.Extent, len(hl)), post: make([]*cfront.Extent, len(hl))}
	extentOf(hl, true, h.pre)
	extentOf(hl, false, h.post)
	return h
}

// wholeFuncs are the complete, named functions of one image (ex) all of
// whose lines but blank ones are op: the functions the hunk adds (op add,
// post-image) or removes (op delete, pre-image) whole.
func wholeFuncs(hl []hline, ex []*cfront.Extent, op gitdiff.LineOp) map[*cfront.Extent]bool {
	whole := map[*cfront.Extent]bool{}
	for i, e := range ex {
		if e == nil || !e.Complete || e.Name == "" {
			continue
		}
		if _, ok := whole[e]; !ok {
			whole[e] = true
		}
		if hl[i].op != op && hl[i].class != classBlank {
			whole[e] = false
		}
	}
	for e, ok := range whole {
		if !ok {
			delete(whole, e)
		}
	}
	return whole
}

// hunk maps one hunk's changed lines to functions and applies it.
func (a *analyzer) hunk(n int, fc *FileChange, w *working, frag *gitdiff.TextFragment, h0 hunkView) {
	hl, pre, post := h0.hl, h0.pre, h0.post

	// Whole functions the patch adds or removes are handled apart from the
	// rest of the hunk.
	added := wholeFuncs(hl, post, gitdiff.OpAdd)
	removed := wholeFuncs(hl, pre, gitdiff.OpDelete)
	for i := range hl {
		if e := post[i]; e != nil && added[e] {
			hl[i].fn = e.Name
		}
		if pre[i] != nil && removed[pre[i]] {
			hl[i].drop = true
		}
	}

	// Group the changed lines by function.
	type group struct {
		fc    *FuncChange
		lines []int
	}
	var groups []*group
	byKey := map[string]*group{}
	var others []*OtherChange
	cut := map[int]bool{} // hunk lines in a function the hunk starts inside
	uncertainPre, uncertainPost := uncertain(hl, pre, true), uncertain(hl, post, false)
	unstructured := false
	if !hasExtent(pre) && !hasExtent(post) {
		for _, h := range hl {
			if h.op != gitdiff.OpContext && h.class == classCode {
				unstructured = true
			}
		}
	}
	for i, h := range hl {
		if h.op == gitdiff.OpContext {
			continue
		}
		e := pre[i]
		if h.op == gitdiff.OpAdd {
			e = post[i]
		}
		unsure := unstructured || h.op == gitdiff.OpAdd && uncertainPost[i] || h.op == gitdiff.OpDelete && uncertainPre[i]
		if e == nil && unsure && (h.class == classCode || h.class == classComment || h.class == classBlank) {
			// A hunk without any brace structure: its code lines may be
			// in the middle of a function or at file scope. Placing the
			// hunk in the model (or the tree) decides.
			e = &noStructure
		}
		if e == nil {
			others = append(others, a.other(fc, h, w))
			continue
		}
		kind := Modified
		switch {
		case added[e]:
			kind = Added
		case removed[e]:
			kind = Removed
		}
		k := e.Name
		if e.Name == "" {
			k = "\x00cut"
			cut[i] = true
		}
		g := byKey[k]
		if g == nil {
			line := 0
			if e.Name != "" {
				line = hunkImageLine(hl, e.First, h.op == gitdiff.OpAdd)
			}
			g = &group{fc: &FuncChange{File: fc.Path, Name: e.Name, Kind: kind, Line: line}}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.lines = append(g.lines, i)
		g.fc.Lines = append(g.fc.Lines, Line{Op: h.op, Old: h.old, New: h.new, Text: h.text})
	}

	// Apply what is left of the hunk to the model file.
	needApply := false
	for _, g := range groups {
		if g.fc.Kind == Modified {
			needApply = true
		}
	}
	var fnOf map[int]string
	var mm *mismatch
	inPlace := false
	// A function the patch adds that the file already has (the patch is
	// in the baseline, or redefines it) is not added again: AFTER would
	// define it twice, and the patch's fate says what it is.
	redefined := map[string]bool{}
	for e := range added {
		if w != nil && e.Name != "" && w.hasFunc(e.Name) {
			redefined[e.Name] = true
		}
	}
	if len(redefined) > 0 {
		for i := range hl {
			if redefined[hl[i].fn] {
				hl[i].drop = true
			}
		}
	}
	if w != nil && len(added) > len(redefined) {
		// Functions the patch adds go where the patch puts them, when the
		// hunk's context places them.
		if fnOf, mm = a.applyHunk(w, hl, fc.Path); mm == nil {
			inPlace = true
		} else {
			// Else they are compiled from the patch alone, and the rest
			// of the hunk is applied without them.
			for i := range hl {
				if hl[i].fn != "" {
					hl[i].drop = true
				}
			}
			fnOf, mm = nil, nil
		}
	}
	if w != nil && needApply && !inPlace {
		fnOf, mm = a.applyHunk(w, hl, fc.Path)
	}
	for _, g := range groups {
		f := g.fc
		f.CommentOnly = true
		for _, i := range g.lines {
			if c := hl[i].class; c != classBlank && c != classComment {
				f.CommentOnly = false
			}
		}
		if f.Name == "" && fnOf != nil {
			for _, i := range g.lines {
				if fnOf[i] != "" {
					f.Name = fnOf[i]
					break
				}
			}
		}
		if f.Name == "" && mm != nil {
			// The hunk matched nowhere and its own lines name no function:
			// the @@ section heading (git's name of the function the hunk
			// starts in) is the hint, and the function where the nearest
			// mismatch was found only when there is none, so that a hunk is
			// never credited to a neighbour of the function it is in.
			if sec := sectionFunc(frag.Comment); sec != "" {
				f.Name = sec
			} else if w != nil && mm.fn != "" {
				f.Name = mm.fn
			}
		}
		if f.Name == "" && a.tree != nil {
			f.Name = a.tree.funcAt(fc.Path, preLine(hl, g.lines[0]), fc.OldBlob)
		}
		if f.Name == "" && fnOf != nil {
			// Placed in the model outside any function: file-scope lines.
			for _, i := range g.lines {
				others = append(others, a.other(fc, hl[i], w))
			}
			continue
		}
		if f.Line == 0 {
			if m := a.lib.Lookup(f.Name); m != nil && m.File == fc.Path {
				f.Line = m.Line
			} else if len(f.Lines) > 0 {
				f.Line = max(f.Lines[0].Old, f.Lines[0].New)
			}
		}
		if m := a.lib.Lookup(f.Name); m != nil && m.File == fc.Path {
			f.Model = m
		}
		bound := a.lib.Lookup(f.Name)
		if bound != nil && !strings.HasPrefix(bound.File, fc.Path+"@") {
			bound = nil
		}
		switch {
		case bound != nil && f.Kind != Added:
			// The tree's text of the function is outside the subset: a
			// restatement stands in for it, which the change cannot be
			// applied to.
			f.Status = Unmodelled
			f.Reason = "the tree's " + f.Name + " is bound to the " + bound.Version + " restatement (" + a.boundWhy(f.Name) + "); the change is not executed"
			a.problem(n, f, f.Line, f.Reason)
		case w == nil && f.Name != "" && a.defined()[f.Name]:
			// The library restates this function elsewhere (model.h's
			// helpers restate static inlines of include/): the change
			// does not reach the models.
			f.Status = Unmodelled
			f.Reason = "the models define " + f.Name + " themselves; a change of it in " + fc.Path + " is not applied to them"
			a.problem(n, f, f.Line, f.Reason)
		case w == nil:
			f.Status = NotCovered
			f.Reason = "no model of " + fc.Path
		case f.Kind == Added:
			if !inPlace && !redefined[f.Name] {
				a.addFunc(w, hl, g.lines, post, fc.Path)
			}
			if f.Model != nil || redefined[f.Name] {
				// Adding a function the baseline already has: a redefinition.
				f.Status = Unmodelled
				f.Reason = "the patch adds a function the model already defines"
				a.problem(n, f, f.Line, f.Reason)
			}
		case f.Kind == Removed:
			if f.Model != nil {
				w.removeFunc(f.Name, fc.Path, f.Line)
			} else {
				f.Status = NotCovered
				f.Reason = "not modelled"
			}
		case f.Model == nil && f.Name != "" && !w.hasFunc(f.Name):
			// A function of a modelled file that neither the library
			// nor an earlier patch provides: not on a modelled path.
			f.Status = NotCovered
			f.Reason = "not modelled"
		case mm != nil && f.Name == "" && outsideModels(w.model, fc.OldBlob, preLine(hl, g.lines[0])):
			f.Status = NotCovered
			f.Reason = fmt.Sprintf("line %d of blob %s is in none of the modelled functions", preLine(hl, g.lines[0]), fc.OldBlob)
		case mm != nil:
			f.Status = Unmodelled
			f.Reason = "the hunk does not apply to the model: " + mm.String()
			a.problem(n, f, mm.hunk.old, f.Reason)
		}
		fc.Funcs = append(fc.Funcs, f)
	}
	others = a.fileScope(n, fc, w, hl, others, fnOf != nil && mm == nil)
	a.declarations(n, fc, w, hl, others, fnOf != nil && mm == nil, needApply || len(added) > 0)
}

// boundWhy is why the tree's text of name is bound, from the baseline.
func (a *analyzer) boundWhy(name string) string {
	if a.base != nil {
		for _, f := range a.base.Funcs {
			if f.Name == name && f.Why != "" {
				return f.Why
			}
		}
	}
	return "outside the subset"
}

// declarations settles the macro and declaration changes of a hunk that
// (re)define names the models define: applied to the model file with the
// hunk, or else reported, since the models would not reflect them.
func (a *analyzer) declarations(n int, fc *FileChange, w *working, hl []hline, others []*OtherChange, applied, attempted bool) {
	var touched []*OtherChange
	var names []string
	seen := map[string]bool{}
	for _, oc := range others {
		if oc.Kind != Macro && oc.Kind != Declaration {
			continue
		}
		if applied {
			oc.Note = strings.Replace(oc.Note, "nothing the models define", "a declaration", 1) + "; applied to the model"
			continue
		}
		if len(oc.Uses) > 0 {
			touched = append(touched, oc)
			for _, u := range oc.Uses {
				if !seen[u] {
					seen[u] = true
					names = append(names, u)
				}
			}
		}
	}
	if len(touched) == 0 {
		return
	}
	why := "the file is not modelled"
	if w != nil && !attempted {
		_, mm := a.applyHunk(w, hl, fc.Path)
		applied = mm == nil
		if mm != nil {
			why = "the hunk does not apply to the model: " + mm.String()
		}
	} else if w != nil {
		why = "the hunk does not apply to the model"
	}
	for _, oc := range touched {
		if applied {
			oc.Note += "; applied to the model"
		} else {
			oc.Note += "; not applied: " + why
		}
	}
	if applied {
		return
	}
	line := touched[0].Line.Old
	if line == 0 {
		line = touched[0].Line.New
	}
	a.res.Unmodelled = append(a.res.Unmodelled, Problem{Patch: n, File: fc.Path, Line: line,
		Reason: fmt.Sprintf("the change of %s, which the models define, is not in them (%s)", strings.Join(names, ", "), why)})
}

// uncertain marks the lines of one image that follow the block a hunk
// starts inside and precede the next function: the text does not say how
// deep they are (the closing brace may have closed an inner block), so only
// placing the hunk in a baseline can tell whether they are in a function.
func uncertain(hl []hline, ex []*cfront.Extent, old bool) map[int]bool {
	out := map[int]bool{}
	after := false
	for i, h := range hl {
		if old && h.op == gitdiff.OpAdd || !old && h.op == gitdiff.OpDelete {
			continue
		}
		e := ex[i]
		switch {
		case e != nil && e.CutStart && e.Name == "":
			after = true
		case e != nil:
			after = false
		case after:
			out[i] = true
		}
	}
	return out
}

// noStructure stands for the unknown enclosing construct of a hunk without
// braces.
var noStructure = cfront.Extent{CutStart: true, CutEnd: true}

func hasExtent(ex []*cfront.Extent) bool {
	for _, e := range ex {
		if e != nil {
			return true
		}
	}
	return false
}

// preLine is the pre-image line at or before hunk line i.
func preLine(hl []hline, i int) int {
	for ; i >= 0; i-- {
		if hl[i].old > 0 {
			return hl[i].old
		}
	}
	return 0
}

// outsideModels reports whether line of the kernel file blob is outside
// every function mf models; it is false when blob is not the one mf
// restates, since line numbers then mean nothing.
func outsideModels(mf *models.ModelFile, blob string, line int) bool {
	if blob == "" || mf.Blob == "" || line <= 0 || !(strings.HasPrefix(mf.Blob, blob) || strings.HasPrefix(blob, mf.Blob)) {
		return false
	}
	for _, f := range mf.Funcs {
		if f.Line <= line && line <= f.EndLine {
			return false
		}
	}
	return true
}

// hunkImageLine is the image line number of the l-th line (1-based) of a
// hunk's pre- or post-image.
func hunkImageLine(hl []hline, l int, post bool) int {
	k := 0
	for _, h := range hl {
		if post && h.op == gitdiff.OpDelete || !post && h.op == gitdiff.OpAdd {
			continue
		}
		k++
		if k == l {
			if post {
				return h.new
			}
			return h.old
		}
	}
	return 0
}

func (a *analyzer) problem(n int, f *FuncChange, line int, reason string) {
	a.res.Unmodelled = append(a.res.Unmodelled, Problem{Patch: n, File: f.File, Func: displayName(f), Line: line, Reason: reason})
}

// applyHunk places and applies the hunk's lines that are not whole added or
// removed functions.
func (a *analyzer) applyHunk(w *working, hl []hline, path string) (map[int]string, *mismatch) {
	idx := oldKeys(hl)
	hint := 0
	if len(idx) > 0 {
		hint = hl[idx[0]].old
	}
	pos, mm := w.place(hl, idx, hint)
	if mm != nil {
		return nil, mm
	}
	return w.apply(hl, idx, pos, path, a.cur), nil
}

// addFunc appends a function the patch adds, taken from the post-image alone.
func (a *analyzer) addFunc(w *working, hl []hline, lines []int, post []*cfront.Extent, path string) {
	if len(lines) == 0 {
		return
	}
	e := post[lines[0]]
	var fn []wline
	for i, h := range hl {
		if post[i] != e || h.op == gitdiff.OpDelete {
			continue
		}
		wl := wline{text: h.compiled(), fn: e.Name, orig: -1, patch: a.cur,
			loc: sim.Loc{File: path, Line: h.new, Side: sim.SidePost, Func: e.Name, Text: strings.TrimSpace(h.text)}}
		if h.class.skippable() {
			wl.skip = true
		} else {
			wl.key = key(h.text)
		}
		fn = append(fn, wl)
	}
	// After the file's other lines: declaration order does not matter to
	// the compiler, and a later patch of the series can change it there.
	w.lines = append(w.lines, wline{skip: true, orig: -1, loc: sim.Loc{File: path, Side: sim.SidePost}})
	w.lines = append(w.lines, fn...)
}

// other records a changed line outside functions. Macro and declaration
// changes that name something the models use cannot be ignored.
func (a *analyzer) other(fc *FileChange, h hline, w *working) *OtherChange {
	oc := &OtherChange{File: fc.Path, Line: Line{Op: h.op, Old: h.old, New: h.new, Text: h.text}}
	switch h.class {
	case classInclude:
		oc.Kind = Include
	case classComment:
		oc.Kind = Comment
	case classBlank:
		oc.Kind = Blank
	case classMacro, classCond:
		oc.Kind = Macro
	default:
		oc.Kind = Declaration
	}
	if oc.Kind == Macro || oc.Kind == Declaration {
		ids := identifiers(h.code)
		if oc.Kind == Macro && len(ids) > 0 {
			// #define NAME ...: what changes is NAME.
			ids = ids[:1]
			if d := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h.code), "#")); strings.HasPrefix(d, "define") || strings.HasPrefix(d, "undef") {
				if x := identifiers(strings.TrimPrefix(strings.TrimPrefix(d, "define"), "undef")); len(x) > 0 {
					ids = x[:1]
				}
			} else {
				ids = nil
			}
		}
		defined := a.defined()
		for _, id := range ids {
			if defined[id] {
				oc.Uses = append(oc.Uses, id)
			}
		}
		if len(oc.Uses) > 0 {
			oc.Note = "changes " + strings.Join(oc.Uses, ", ") + ", which the models define"
		} else {
			oc.Note = "nothing the models define"
		}
	}
	fc.Other = append(fc.Other, oc)
	return oc
}

// defined is the set of file-scope names the model library defines:
// functions, variables, enum constants, struct types and macros.
func (a *analyzer) defined() map[string]bool {
	if a.names != nil {
		return a.names
	}
	a.names = map[string]bool{}
	for _, mf := range a.lib.Files {
		var b strings.Builder
		for _, l := range mf.Lines {
			b.WriteString(l.Text)
			b.WriteByte('\n')
		}
		f, _ := cfront.Parse(mf.Path, []byte(b.String()), cfront.Config{Kconfig: kconfig(Config{})})
		if f == nil {
			continue
		}
		for _, d := range f.Funcs {
			a.names[d.Name] = true
		}
		for _, v := range f.Vars {
			a.names[v.Name] = true
		}
		for _, e := range f.Enums {
			for _, v := range e.Values {
				a.names[v.Name] = true
			}
		}
		for _, st := range f.Structs {
			a.names[st.Name] = true
		}
		for _, d := range f.Defines {
			a.names[d.Name] = true
		}
	}
	return a.names
}

// mergeFuncs collects the series' changed functions: one entry per file and
// function, the first patch's kind, every patch's lines.
func (a *analyzer) mergeFuncs() {
	// An unnamed change (a declaration, or lines no function holds) is
	// keyed by its line; the key is a struct, not a formatted string,
	// because a patch may hold a million of them.
	type k struct {
		file, name string
		line       int
	}
	seen := map[k]*FuncChange{}
	for _, pc := range a.res.Patches {
		for _, fc := range pc.Files {
			for _, f := range fc.Funcs {
				key := k{f.File, f.Name, 0}
				if f.Name == "" {
					key.line = f.Line
				}
				if m, ok := seen[key]; ok {
					m.Lines = append(m.Lines, f.Lines...)
					m.CommentOnly = m.CommentOnly && f.CommentOnly
					if f.Status > m.Status {
						m.Status, m.Reason = f.Status, f.Reason
					}
					continue
				}
				c := *f
				// Clipped, so that merging a later patch's lines
				// reallocates instead of writing into f's array.
				c.Lines = slices.Clip(f.Lines)
				seen[key] = &c
				a.res.Funcs = append(a.res.Funcs, &c)
			}
		}
	}
	sort.SliceStable(a.res.Funcs, func(i, j int) bool { return a.res.Funcs[i].File < a.res.Funcs[j].File })
}
