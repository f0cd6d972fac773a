package semantics

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// HunkFate says what a hunk of a patch is to the baseline, the way
// patch --dry-run (forward, then -R) would say it, white space aside.
type HunkFate uint8

const (
	// Applies: the hunk's context and removed lines are in the baseline
	// in order; it applies forward.
	Applies HunkFate = iota
	// AlreadyApplied: it does not apply forward, but its context and added
	// lines are in the baseline in order: it applies in reverse.
	AlreadyApplied
	// SinceModified: it applies in neither direction, yet every distinctive
	// line it adds is in the baseline and none it removes is: the change
	// is there, and later commits changed the lines around it.
	SinceModified
	// NotApplicable: none of the above; the baseline is not what the patch
	// was written against, or lacks the code the patch needs.
	NotApplicable
	// Unknown: the baseline has no text to compare with (the bundled
	// library restates only some functions of some files).
	Unknown
)

func (f HunkFate) String() string {
	switch f {
	case AlreadyApplied:
		return "already-applied"
	case SinceModified:
		return "applied-since-modified"
	case NotApplicable:
		return "not-applicable"
	case Unknown:
		return "unknown"
	}
	return "applies"
}

// Hunk is one hunk of a patch and its fate against the baseline.
type Hunk struct {
	File     string
	Index    int // 1-based, in its file's hunks
	Old, New int // first pre- and post-image lines (from the @@ header)
	Fate     HunkFate
	Why      string

	// For the series pass: the hunk's keys and whether they are a
	// tree's text.
	pre, post []string
	text      bool
}

// Patch fates: what a whole patch is to the baseline.
const (
	PatchApplies        = "applies"                // every hunk applies (or its fate is unknown)
	PatchPartly         = "partly-applies"         // some hunks apply and some do not
	PatchAlreadyApplied = "already-applied"        // every hunk applies in reverse
	PatchSinceModified  = "applied-since-modified" // none applies; some are already applied, some since modified
	PatchNotApplicable  = "not-applicable"         // none applies, and nothing shows it was applied
)

// patchFate sums up the fates of a patch's hunks.
func patchFate(hunks []*Hunk) string {
	n := map[HunkFate]int{}
	for _, h := range hunks {
		n[h.Fate]++
	}
	known := len(hunks) - n[Unknown]
	switch {
	case known == 0 || n[Applies] == known:
		return PatchApplies
	case n[Applies] > 0:
		return PatchPartly
	case n[AlreadyApplied] == known:
		return PatchAlreadyApplied
	case n[AlreadyApplied]+n[SinceModified] > 0:
		return PatchSinceModified
	}
	return PatchNotApplicable
}

// distinctive is how long a line's key must be to count as evidence on
// its own: "}" and "return 0;" are everywhere.
const distinctive = 10

// baseText is a file of the baseline as keys, for placing hunks in it.
// With a tree it is the tree's file with the earlier hunks of the series
// that applied forward applied to it; without, the working model.
type baseText struct {
	keys []string // one per line that takes part in matching
	fns  []string // the function each key is in, "" outside functions
	at   map[string][]int
}

func newBaseText(keys, fns []string) *baseText {
	b := &baseText{keys: keys, fns: fns, at: map[string][]int{}}
	for i, k := range keys {
		b.at[k] = append(b.at[k], i)
	}
	return b
}

// find returns the index where seq occurs in order, or -1.
func (b *baseText) find(seq []string) int {
	if len(seq) == 0 {
		return -1
	}
	for _, s := range b.at[seq[0]] {
		if s+len(seq) > len(b.keys) {
			break
		}
		ok := true
		for k := 1; k < len(seq); k++ {
			if b.keys[s+k] != seq[k] {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
	}
	return -1
}

// has reports whether the line k is in one of the functions fns, or
// anywhere when fns is empty.
func (b *baseText) has(k string, fns map[string]bool) bool {
	for _, i := range b.at[k] {
		if len(fns) == 0 || fns[b.fns[i]] {
			return true
		}
	}
	return false
}

// defines reports whether some line of the text is in function fn.
func (b *baseText) defines(fn string) bool { return slices.Contains(b.fns, fn) }

// replace puts post (in function fn) in place of the n keys at s.
func (b *baseText) replace(s, n int, post []string) {
	fn := ""
	if s < len(b.fns) {
		fn = b.fns[s]
	}
	keys := slices.Concat(b.keys[:s], post, b.keys[s+n:])
	fns := slices.Concat(b.fns[:s], slices.Repeat([]string{fn}, len(post)), b.fns[s+n:])
	*b = *newBaseText(keys, fns)
}

// hunkKeys are the keys of a hunk's pre-image and post-image, and of its
// removed and added lines. With text set the keys are the lines with white
// space removed (the tree holds the whole file, comments and all); else
// the model's keys, skipping what the models drop.
func hunkKeys(hl []hline, text bool) (pre, post, removed, added []string) {
	for _, h := range hl {
		var k string
		if text {
			k = models.Normalize(h.text)
		} else if !h.class.skippable() {
			k = key(h.text)
		}
		if k == "" {
			continue
		}
		switch h.op {
		case gitdiff.OpContext:
			pre, post = append(pre, k), append(post, k)
		case gitdiff.OpDelete:
			pre, removed = append(pre, k), append(removed, k)
		case gitdiff.OpAdd:
			post, added = append(post, k), append(added, k)
		}
	}
	return
}

// treeText is the tree's file at path as keys, kept per analysis so that
// the hunks of a series see the earlier ones.
func (a *analyzer) treeText(path string) *baseText {
	if b, ok := a.texts[path]; ok {
		return b
	}
	b := a.loadTreeText(path)
	a.texts[path] = b
	return b
}

// loadTreeText reads the tree's file at path as keys, nil when it has none.
func (a *analyzer) loadTreeText(path string) *baseText {
	var b *baseText
	if text, _, err := a.tree.File(path); err == nil {
		lines := strings.Split(string(text), "\n")
		fnOf := make([]string, len(lines)+1)
		for _, e := range cfront.Extents(text) {
			for l := max(e.First, 1); l <= e.Last && l <= len(lines); l++ {
				fnOf[l] = e.Name
			}
		}
		var keys, fns []string
		for i, l := range lines {
			if k := models.Normalize(l); k != "" {
				keys, fns = append(keys, k), append(fns, fnOf[i+1])
			}
		}
		b = newBaseText(keys, fns)
	}
	return b
}

// reverseSeries takes the patches of a series that do not apply out of
// the baseline in reverse, last first, as git would revert them: a patch
// whose lines a later patch of the same series changed applies in reverse
// only once that later patch is out. It stops at the last patch that
// applies forward: the patches before it were matched forward.
func (a *analyzer) reverseSeries() {
	texts := map[string]*baseText{}
	get := func(h *Hunk) *baseText {
		if b, ok := texts[h.File]; ok {
			return b
		}
		var b *baseText
		switch {
		case h.text:
			b = a.loadTreeText(h.File)
		case a.lib.File(h.File) != nil:
			b = modelText(newWorking(a.lib.File(h.File)))
		}
		texts[h.File] = b
		return b
	}
	for k := len(a.res.Patches) - 1; k >= 0; k-- {
		pc := a.res.Patches[k]
		if pc.Applies() {
			return
		}
		for i := len(pc.Hunks) - 1; i >= 0; i-- {
			h := pc.Hunks[i]
			b := get(h)
			if b == nil || h.Fate == Unknown || len(h.post) == 0 {
				continue
			}
			s := b.find(h.post)
			if s < 0 {
				continue
			}
			b.replace(s, len(h.post), h.pre)
			if h.Fate != AlreadyApplied {
				h.Fate, h.Why = AlreadyApplied, "it applies in reverse once the later patches of the series are taken out of the baseline"
			}
		}
		pc.Fate = patchFate(pc.Hunks)
	}
}

// modelText is the working model file as keys.
func modelText(w *working) *baseText {
	var keys, fns []string
	for _, l := range w.lines {
		switch {
		case l.skip:
			continue
		case l.key == "":
			keys = append(keys, "\x00restated") // matches no hunk line
		default:
			keys = append(keys, l.key)
		}
		fns = append(fns, l.fn)
	}
	return newBaseText(keys, fns)
}

// hunkFuncs are the functions a hunk's changed lines are in, by the
// hunk's own text, and the one its @@ heading names.
func hunkFuncs(v hunkView, heading string) map[string]bool {
	out := map[string]bool{}
	hl, pre, post := v.hl, v.pre, v.post
	cut := false
	for i, h := range hl {
		e := pre[i]
		if h.op == gitdiff.OpAdd {
			e = post[i]
		}
		switch {
		case h.op == gitdiff.OpContext || e == nil:
		case e.Name != "":
			out[e.Name] = true
		default:
			cut = true
		}
	}
	// The heading names the function a hunk starts inside only for
	// lines that are inside one; above a declaration it names whatever
	// function came before.
	if cut {
		if fn := sectionFunc(heading); fn != "" {
			out[fn] = true
		}
	}
	return out
}

// fate classifies one hunk against the baseline before it is applied.
// Without a tree only hunks in functions the library restates are judged:
// elsewhere the bundled baseline has no text to judge by.
func (a *analyzer) fate(f *gitdiff.File, frag *gitdiff.TextFragment, index int, v hunkView, w *working) *Hunk {
	hl := v.hl
	path := filePath(f)
	h := &Hunk{File: path, Index: index, Old: int(frag.OldPosition), New: int(frag.NewPosition)}
	text := a.base != nil && a.tree != nil
	var b *baseText
	switch {
	case text:
		b = a.treeText(path)
		if b == nil {
			switch {
			case f.IsNew:
				h.Fate, h.Why = Applies, "a new file"
			default:
				h.Fate, h.Why = NotApplicable, "the baseline has no "+path
			}
			return h
		}
	case w != nil:
		b = modelText(w)
	default:
		h.Fate, h.Why = Unknown, "the bundled baseline does not restate "+path
		return h
	}
	pre, post, removed, added := hunkKeys(hl, text)
	h.pre, h.post, h.text = pre, post, text
	if f.IsNew && text {
		// The file exists at the base: the patch creating it is in.
		if len(post) > 0 && b.find(post) >= 0 {
			h.Fate, h.Why = AlreadyApplied, path+" exists at the base with the patch's text"
		} else {
			h.Fate, h.Why = NotApplicable, path+" exists at the base with other text"
		}
		return h
	}
	fns := hunkFuncs(v, frag.Comment)
	if !text && !hunkInModel(fns, pre, post, b) {
		h.Fate, h.Why = Unknown, "outside the functions the bundled baseline restates"
		return h
	}
	for _, fn := range wholeAdded(v) {
		// A hunk adding a function the baseline has: a few lines of
		// context ("}", "{") would place it anywhere.
		if b.defines(fn.name) {
			if b.find(fn.keys(hl, text)) >= 0 {
				h.Fate, h.Why = AlreadyApplied, "it applies in reverse: the baseline has the function "+fn.name+" it adds"
			} else {
				h.Fate, h.Why = NotApplicable, "it adds "+fn.name+", which the baseline defines otherwise"
			}
			return h
		}
	}
	if s := b.find(pre); s >= 0 {
		h.Fate = Applies
		if text {
			b.replace(s, len(pre), post)
		}
		return h
	}
	if len(pre) == 0 {
		h.Fate, h.Why = Applies, "no context to place it by"
		return h
	}
	if b.find(post) >= 0 {
		h.Fate, h.Why = AlreadyApplied, "it applies in reverse: its added lines are in the baseline, its removed lines are not"
		return h
	}
	// The lines must be where the patch puts them: in the functions the
	// hunk changes, when the baseline has them ("case IPI_CPU_STOP:" in
	// another function is no evidence).
	scope := map[string]bool{}
	for fn := range fns {
		if b.defines(fn) {
			scope[fn] = true
		}
	}
	if len(fns) > 0 && len(scope) == 0 {
		h.Fate, h.Why = NotApplicable, "applies in neither direction, and the baseline has none of the functions it changes ("+strings.Join(slices.Sorted(maps.Keys(fns)), ", ")+")"
		return h
	}
	// A hunk whose own text places none of its lines ("case IPI_CPU_STOP:"
	// inside a switch whose braces lie outside it) is where its @@ heading
	// says: lines found elsewhere in the file are no evidence when the
	// tree lacks that function. (When it has it, the lines may still be at
	// file scope below it, so the whole file is searched; the bundled
	// library restates only some functions, so its lack says nothing.)
	if hint := sectionFunc(frag.Comment); len(fns) == 0 && hint != "" && text && !b.defines(hint) {
		h.Fate, h.Why = NotApplicable, "applies in neither direction, and the baseline has no "+hint+", the function its heading names"
		return h
	}
	evidence, present, absent := 0, true, true
	for _, k := range added {
		if len(k) >= distinctive {
			evidence++
			if !b.has(k, scope) {
				present = false
			}
		}
	}
	for _, k := range removed {
		if len(k) >= distinctive {
			evidence++
			if b.has(k, scope) {
				absent = false
			}
		}
	}
	if evidence > 0 && present && absent {
		h.Fate, h.Why = SinceModified, "applies in neither direction, but its added lines are in the baseline and its removed lines are not: applied, and the lines around it changed since"
		return h
	}
	h.Fate = NotApplicable
	switch {
	case !present:
		h.Why = "applies in neither direction, and lines it adds are not in the baseline"
	default:
		h.Why = "applies in neither direction, and lines it removes are still in the baseline"
	}
	return h
}

// addedFunc is a function a hunk adds whole: its name and hunk lines.
type addedFunc struct {
	name  string
	lines []int
}

// keys are the function's lines as the baseline text compares them.
func (f addedFunc) keys(hl []hline, text bool) []string {
	sub := make([]hline, 0, len(f.lines))
	for _, i := range f.lines {
		sub = append(sub, hl[i])
	}
	_, post, _, _ := hunkKeys(sub, text)
	return post
}

// wholeAdded lists the functions a hunk adds whole, in order.
func wholeAdded(v hunkView) []addedFunc {
	whole := wholeFuncs(v.hl, v.post, gitdiff.OpAdd)
	var out []addedFunc
	at := map[*cfront.Extent]int{}
	for i, e := range v.post {
		if !whole[e] {
			continue
		}
		k, ok := at[e]
		if !ok {
			k = len(out)
			at[e] = k
			out = append(out, addedFunc{name: e.Name})
		}
		out[k].lines = append(out[k].lines, i)
	}
	return out
}

// hunkInModel reports whether the hunk is in a function the working model
// file (as keys, b) restates: a function its changed lines are in, or
// else one of its distinctive lines, context included.
func hunkInModel(fns map[string]bool, pre, post []string, b *baseText) bool {
	if len(fns) > 0 {
		for fn := range fns {
			if b.defines(fn) {
				return true
			}
		}
		return false
	}
	for _, k := range append(pre, post...) {
		if len(k) >= distinctive && b.has(k, nil) {
			return true
		}
	}
	return false
}

// hunksDo is "1 hunk <one>" or "n hunks <many>".
func hunksDo(n int, one, many string) string {
	if n == 1 {
		return "1 hunk " + one
	}
	return fmt.Sprintf("%d hunks %s", n, many)
}

// FateNotice is the sentence a patch's fate earns in the report, "" when
// it applies.
func FateNotice(fate string, hunks []*Hunk) string {
	count := func(f HunkFate) int {
		n := 0
		for _, h := range hunks {
			if h.Fate == f {
				n++
			}
		}
		return n
	}
	const tail = "; nothing of it is executed and no claim is judged"
	switch fate {
	case PatchAlreadyApplied:
		n := count(AlreadyApplied)
		switch {
		case len(hunks) == 1:
			return "already applied in the baseline: its hunk applies in reverse" + tail
		case n == len(hunks):
			return fmt.Sprintf("already applied in the baseline: all %d hunks apply in reverse", n) + tail
		}
		return fmt.Sprintf("already applied in the baseline: %d of %d hunks apply in reverse, the others' fate is unknown", n, len(hunks)) + tail
	case PatchSinceModified:
		var parts []string
		if n := count(AlreadyApplied); n > 0 {
			parts = append(parts, fmt.Sprintf("%s in reverse", hunksDo(n, "applies", "apply")))
		}
		if n := count(SinceModified); n > 0 {
			parts = append(parts, fmt.Sprintf("%s lines in the baseline with changed surroundings", hunksDo(n, "has its", "have their")))
		}
		if n := count(NotApplicable); n > 0 {
			parts = append(parts, hunksDo(n, "does not apply", "do not apply"))
		}
		return "applied in the baseline and since modified: " + strings.Join(parts, ", ") + tail
	case PatchNotApplicable:
		if len(hunks) == 1 {
			return "does not apply to the baseline: its hunk applies in neither direction" + tail
		}
		return fmt.Sprintf("does not apply to the baseline: %d of %d hunks apply in neither direction", count(NotApplicable), len(hunks)) + tail
	}
	return ""
}
