package semantics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// wline is one line of a working copy of a model file: the baseline, with
// the hunks applied so far.
type wline struct {
	text string  // as handed to the compiler
	key  string  // matching key; "" when the line may not be matched (restated)
	skip bool    // blank or comment: passed over when matching
	fn   string  // enclosing function ("" outside functions)
	orig int     // index in the model file's Lines, -1 for a line a patch added
	loc  sim.Loc // origin in AFTER
	// patch is the 1-based index of the patch that last put the line in
	// AFTER as added or context, 0 for a model line no patch touched.
	patch int
	// elided is set for a tree's file-scope line the model does not
	// compile (its text is a comment), and decl for a line of a
	// declaration: the tree's first line of it (0 for none).
	elided bool
	decl   int
}

// working is the AFTER copy of one model file.
type working struct {
	path  string
	model *models.ModelFile
	lines []wline
	// removed[i] is set when model line i was removed by a patch: BEFORE
	// shows it with this pre-image origin.
	removed map[int]sim.Loc
	// decls are the file-scope declarations of the tree's file, by their
	// first line (nil without a tree).
	decls map[int]fromtree.Decl
	// elidedAt says, for the hunk last applied, which of its lines (by
	// index) are file-scope text the model does not compile: removed
	// elided lines and added lines among them, with the declaration's
	// first line in the tree (0 between declarations).
	elidedAt map[int]int
}

func newWorking(mf *models.ModelFile) *working {
	w := &working{path: mf.Path, model: mf, removed: map[int]sim.Loc{}}
	w.lines = make([]wline, len(mf.Lines))
	// A tree's text keeps its block comments as lines of code: a line
	// that is nothing but comment (in a "/* ... */" that spans lines, say)
	// is passed over as the hunk's comment lines are.
	var cs models.CommentState
	for i, l := range mf.Lines {
		fn := ""
		if f := mf.FuncAt(i); f != nil {
			fn = f.Name
		}
		wl := wline{text: l.Text, fn: fn, orig: i, loc: modelLoc(mf, l, fn)}
		switch l.Kind {
		case models.Code, models.Elided:
			code := cs.Strip(l.Kernel)
			wl.key = models.Normalize(code)
			wl.skip = wl.key == "" && strings.TrimSpace(l.Kernel) != ""
			// Conditionals take no part in matching, as in a hunk.
			if classify(code, l.Kernel) == classCond {
				wl.skip = true
			}
		case models.Blank, models.Comment:
			wl.skip = true
		}
		w.lines[i] = wl
	}
	return w
}

func modelLoc(mf *models.ModelFile, l models.Line, fn string) sim.Loc {
	loc := sim.Loc{File: mf.Path, Line: l.KLine, Side: sim.SideModel, Func: fn, Text: strings.TrimSpace(l.Text)}
	if l.KLine == 0 {
		// The model's own line: point at the embedded file.
		loc.File = "semantics/models/" + mf.Embedded
		loc.Line = l.Pos
	}
	return loc
}

// hline is a hunk line with its image positions and class.
type hline struct {
	op       gitdiff.LineOp
	text     string // without the trailing newline
	code     string // text with its comments removed (as far as the image shows them)
	old, new int    // pre/post-image line numbers (0 when not in that image)
	class    lineClass
	drop     bool   // belongs to a whole function the patch removes (or adds, when it is not placed): handled apart
	fn       string // the function the patch adds that this line belongs to
}

// hunkLines numbers and classifies a fragment's lines.
func hunkLines(frag *gitdiff.TextFragment) []hline {
	out := make([]hline, 0, len(frag.Lines))
	o, n := int(frag.OldPosition), int(frag.NewPosition)
	var pre, post []string
	for _, l := range frag.Lines {
		t := strings.TrimRight(l.Line, "\r\n")
		h := hline{op: l.Op, text: t}
		switch l.Op {
		case gitdiff.OpContext:
			h.old, h.new = o, n
			o++
			n++
			pre = append(pre, t)
			post = append(post, t)
		case gitdiff.OpDelete:
			h.old = o
			o++
			pre = append(pre, t)
		case gitdiff.OpAdd:
			h.new = n
			n++
			post = append(post, t)
		}
		out = append(out, h)
	}
	cpre, cpost := startClassifier(pre), startClassifier(post)
	for i := range out {
		switch out[i].op {
		case gitdiff.OpContext:
			out[i].class, out[i].code = cpre.next(out[i].text)
			cpost.next(out[i].text)
		case gitdiff.OpDelete:
			out[i].class, out[i].code = cpre.next(out[i].text)
		case gitdiff.OpAdd:
			out[i].class, out[i].code = cpost.next(out[i].text)
		}
	}
	return out
}

// compiled is the text an added line contributes to the program: its code
// without comments (a comment may have started on a line the model does
// not have), or the whole line as a line comment.
func (h hline) compiled() string {
	switch h.class {
	case classComment:
		return "// " + strings.TrimSpace(h.text)
	case classBlank:
		return ""
	}
	return strings.TrimRight(h.code, " \t")
}

// mismatch says why a hunk could not be placed in a model file.
type mismatch struct {
	fn     string // the model function nearest to where it failed
	kline  int    // kernel line of the model line that differed
	hunk   hline  // the hunk line that did not match
	model  string // the model's text there ("" at the end of a function)
	reason string
}

func (m *mismatch) String() string {
	where := fmt.Sprintf("patch line %q", strings.TrimSpace(m.hunk.text))
	if m.hunk.old > 0 {
		where = fmt.Sprintf("pre-image line %d %q", m.hunk.old, strings.TrimSpace(m.hunk.text))
	}
	if m.reason != "" {
		return m.reason
	}
	if m.model == "" {
		return fmt.Sprintf("%s has no counterpart in the model", where)
	}
	return fmt.Sprintf("%s does not match the model's kernel line %d %q", where, m.kline, m.model)
}

// oldKeys are the hunk lines that must be found in the model, in order.
func oldKeys(hl []hline) []int {
	var idx []int
	for i, h := range hl {
		if h.drop || h.op == gitdiff.OpAdd || h.class.skippable() {
			continue
		}
		idx = append(idx, i)
	}
	return idx
}

// matchAt tries to match the hunk lines idx against w.lines from start on.
// It returns the matched working-line index of each, or how far it got.
func (w *working) matchAt(hl []hline, idx []int, start int) (pos []int, got int, at int) {
	j := start
	pos = make([]int, 0, len(idx))
	for k, i := range idx {
		for j < len(w.lines) && w.lines[j].skip {
			j++
		}
		if j >= len(w.lines) || w.lines[j].key == "" || w.lines[j].key != key(hl[i].text) {
			return nil, k, j
		}
		pos = append(pos, j)
		j++
	}
	return pos, len(idx), j
}

// place finds where the hunk goes: the candidate nearest to the kernel line
// hint, or a mismatch.
func (w *working) place(hl []hline, idx []int, hint int) ([]int, *mismatch) {
	if len(idx) == 0 {
		return nil, &mismatch{reason: "the hunk has no code context to place it by"}
	}
	var cands [][]int
	bestGot, bestAt, bestStart := -1, 0, 0
	for s := range w.lines {
		if w.lines[s].skip || w.lines[s].key == "" {
			continue
		}
		pos, got, at := w.matchAt(hl, idx, s)
		if pos != nil {
			cands = append(cands, pos)
			continue
		}
		if got > bestGot {
			bestGot, bestAt, bestStart = got, at, s
		}
	}
	if len(cands) == 0 {
		m := &mismatch{hunk: hl[idx[max(bestGot, 0)]]}
		if bestGot <= 0 {
			m.reason = fmt.Sprintf("no model line matches pre-image line %d %q", m.hunk.old, strings.TrimSpace(m.hunk.text))
			return nil, m
		}
		// The partial match names the function only when it includes a
		// distinctive line, not just "}" or "return 0;".
		distinctive := false
		for _, i := range idx[:bestGot] {
			if len(key(hl[i].text)) >= 10 {
				distinctive = true
			}
		}
		if !distinctive {
			m.reason = fmt.Sprintf("pre-image line %d %q is not where the model has the lines before it", m.hunk.old, strings.TrimSpace(m.hunk.text))
			return nil, m
		}
		if bestAt < len(w.lines) {
			m.model = strings.TrimSpace(w.lines[bestAt].text)
			m.kline = w.lines[bestAt].loc.Line
			m.fn = w.lines[bestAt].fn
		} else {
			m.fn = w.lines[len(w.lines)-1].fn
		}
		if m.fn == "" {
			m.fn = w.lines[bestStart].fn
		}
		return nil, m
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	// Several places match: take the one nearest the hunk's position, as
	// patch(1) does; a tie is ambiguous.
	best, bestD, tie := -1, 0, false
	for i, c := range cands {
		d := w.lineOf(c[0]) - hint
		if d < 0 {
			d = -d
		}
		switch {
		case best < 0 || d < bestD:
			best, bestD, tie = i, d, false
		case d == bestD:
			tie = true
		}
	}
	if tie {
		return nil, &mismatch{hunk: hl[idx[0]], fn: w.lines[cands[best][0]].fn,
			reason: fmt.Sprintf("the hunk's context matches the model at %d places equally near pre-image line %d", len(cands), hint)}
	}
	return cands[best], nil
}

// lineOf is the kernel line (or, for a line a patch added, the image line)
// a working line stands for, looking back from i for the nearest known one.
func (w *working) lineOf(i int) int {
	for ; i >= 0; i-- {
		l := w.lines[i]
		if l.orig >= 0 && w.model.Lines[l.orig].KLine > 0 {
			return w.model.Lines[l.orig].KLine
		}
		if l.orig < 0 && l.loc.Line > 0 {
			return l.loc.Line
		}
	}
	return 0
}

// apply applies the hunk lines (those not dropped) at the matched positions
// pos of idx. It returns the functions the hunk's lines fell in, per hunk
// line index.
func (w *working) apply(hl []hline, idx []int, pos []int, patchPath string, patch int) map[int]string {
	fnOf := map[int]string{}
	matched := map[int]int{} // hunk line -> working line
	for k, i := range idx {
		matched[i] = pos[k]
	}
	out := make([]wline, 0, len(w.lines)+len(hl))
	p := pos[0]
	out = append(out, w.lines[:p]...)
	curFn := w.lines[p].fn
	w.elidedAt = map[int]int{}
	// runDecl is the uncompiled declaration the removed lines of the
	// current run of changes are in (0 for none, -1 when they are not
	// all in one): the lines added in their place replace it, and are not
	// compiled either.
	runDecl := 0
	for i, h := range hl {
		if h.drop {
			continue
		}
		if h.op == gitdiff.OpContext {
			runDecl = 0
		}
		j, ok := matched[i]
		if !ok {
			if h.op == gitdiff.OpAdd {
				text := h.compiled()
				fn := curFn
				if h.fn != "" {
					fn = h.fn
				}
				wl := wline{text: text, fn: fn, orig: -1, patch: patch,
					loc: sim.Loc{File: patchPath, Line: h.new, Side: sim.SidePost, Func: fn, Text: strings.TrimSpace(h.text)}}
				if h.class.skippable() {
					wl.skip = true
				} else {
					wl.key = key(text)
				}
				d, in := insideElided(out, w.lines[p:])
				if runDecl > 0 && w.redeclares(h.text, runDecl) {
					d, in = runDecl, true
				}
				if in && fn == "" && h.fn == "" {
					// Inside a declaration the model does not compile
					// (a table for tracing): it stays uncompiled.
					wl.text, wl.elided, wl.decl = "//- "+strings.TrimRight(h.text, "\\"), true, d
					w.elidedAt[i] = d
				}
				out = append(out, wl)
			}
			fnOf[i] = curFn
			if h.fn != "" {
				fnOf[i] = h.fn
			}
			continue
		}
		// Copy the lines passed over on the way (blank and comment lines).
		out = append(out, w.lines[p:j]...)
		wl := w.lines[j]
		curFn = wl.fn
		fnOf[i] = curFn
		p = j + 1
		if h.op == gitdiff.OpDelete {
			switch {
			case !wl.elided || wl.decl == 0 || runDecl != 0 && runDecl != wl.decl:
				runDecl = -1
			case runDecl == 0:
				runDecl = wl.decl
			}
			if wl.elided {
				w.elidedAt[i] = wl.decl
			}
			if wl.orig >= 0 {
				w.removed[wl.orig] = sim.Loc{File: patchPath, Line: h.old, Side: sim.SidePre, Func: wl.fn, Text: strings.TrimSpace(h.text)}
			}
			continue
		}
		wl.loc = sim.Loc{File: patchPath, Line: h.new, Side: sim.SidePost, Func: wl.fn, Text: strings.TrimSpace(wl.text)}
		wl.patch = patch
		out = append(out, wl)
	}
	out = append(out, w.lines[p:]...)
	w.lines = out
	return fnOf
}

// insideElided reports whether a line inserted between the lines before
// (already placed) and after lies inside one declaration the model does
// not compile, and which (its first line in the tree).
func insideElided(before, after []wline) (int, bool) {
	var prev, next *wline
	for i := len(before) - 1; i >= 0; i-- {
		if !before[i].skip {
			prev = &before[i]
			break
		}
	}
	for i := range after {
		if !after[i].skip {
			next = &after[i]
			break
		}
	}
	if prev == nil || next == nil || !prev.elided || !next.elided || prev.decl == 0 || prev.decl != next.decl {
		return 0, false
	}
	return prev.decl, true
}

// redeclares reports whether an added line, in place of lines of the
// uncompiled declaration at decl, defines nothing else: a fragment of it,
// or the same names. A line declaring another name is a new declaration,
// compiled like any other.
func (w *working) redeclares(line string, decl int) bool {
	ds := fromtree.Decls([]byte(line))
	if len(ds) == 0 {
		return true
	}
	for _, d := range ds {
		for _, n := range d.Names {
			if !slices.Contains(w.decls[decl].Names, n) {
				return false
			}
		}
	}
	return true
}

// hasFunc reports whether the working copy has lines of the named function
// (a model, or a function an earlier patch added).
func (w *working) hasFunc(name string) bool {
	for _, l := range w.lines {
		if l.fn == name {
			return true
		}
	}
	return false
}

// removeFunc removes the named function's lines; it reports whether the
// function was there.
func (w *working) removeFunc(name, patchPath string, old int) bool {
	first, last := -1, -1
	for i, l := range w.lines {
		if l.fn == name {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return false
	}
	for i := first; i <= last; i++ {
		if o := w.lines[i].orig; o >= 0 {
			w.removed[o] = sim.Loc{File: patchPath, Line: old, Side: sim.SidePre, Func: name, Text: w.lines[i].loc.Text}
		}
	}
	w.lines = append(w.lines[:first:first], w.lines[last+1:]...)
	return true
}
