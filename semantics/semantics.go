// Package semantics gives a patch series its meaning against the model
// library: which functions each patch changes (from parsed pre- and
// post-images; a hunk's @@ heading is only a hint, for lines its own text
// does not place in a function), and the BEFORE and AFTER programs
// the simulated machine runs: BEFORE is the library's baseline, AFTER the
// baseline with the patches applied, both compiled by package compile.
//
// Patches are applied the way patch(1) applies them, but to the model
// bodies: a hunk is placed where its context and removed lines match the
// model, white space and comments ignored; its added lines are then
// interpreted like any other model line. A hunk that does not match is never
// forced: its function is reported as unmodelled, which makes every verdict
// that depends on it inconclusive.
package semantics

import (
	"fmt"
	"github.com/patchcheck/patchcheck/semantics/compile"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// ChangeKind says what a patch does to a function.
type ChangeKind uint8

const (
	Modified ChangeKind = iota
	Added
	Removed
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	}
	return "modified"
}

// Status says whether a changed function is part of the AFTER program.
type Status uint8

const (
	// Applied: the change is in the AFTER program.
	Applied Status = iota
	// NotCovered: the library has no model of the function; the change is
	// not on a modelled path.
	NotCovered
	// Unmodelled: the function is modelled but the change could not be
	// applied to the model (context mismatch); verdicts are inconclusive.
	Unmodelled
)

func (s Status) String() string {
	switch s {
	case NotCovered:
		return "not covered"
	case Unmodelled:
		return "unmodelled"
	}
	return "applied"
}

// Line is a changed line of a patch.
type Line struct {
	Op   gitdiff.LineOp
	Old  int // pre-image line (0 for an added line)
	New  int // post-image line (0 for a removed line)
	Text string
}

// FuncChange is a function a patch changes.
type FuncChange struct {
	File string
	Name string // "" when the hunk starts inside a function nothing identifies
	Kind ChangeKind
	// Line is the definition's line when the patch shows it (in the
	// post-image for an added function, else in the pre-image), else the
	// model's kernel line, else the first changed line.
	Line        int
	Lines       []Line
	CommentOnly bool         // every changed line is comment or blank
	Model       *models.Func // the library's model, nil when none
	Status      Status
	Reason      string // why NotCovered or Unmodelled
}

// OtherKind classifies a change outside functions.
type OtherKind uint8

const (
	Include OtherKind = iota
	Comment
	Blank
	Macro
	Declaration
)

func (k OtherKind) String() string {
	return [...]string{"include", "comment", "blank", "macro", "declaration"}[k]
}

// OtherChange is a changed line outside any function.
type OtherChange struct {
	File string
	Kind OtherKind
	Line Line
	// Uses are the names the change defines or redefines that the models
	// define too.
	Uses []string
	// Note says what became of a macro or declaration change.
	Note string
}

// FileChange is what one patch does to one file.
type FileChange struct {
	Path             string // the post-image path (the pre-image path for a deletion)
	OldBlob, NewBlob string // abbreviated blobs of the index line
	Modelled         bool   // the library models this file
	Funcs            []*FuncChange
	Other            []*OtherChange
}

// PatchChanges is the change map of one patch.
type PatchChanges struct {
	Patch *parse.Patch
	Files []*FileChange
	// Hunks are the patch's hunks with their fates against the baseline,
	// and Fate what they add up to (PatchApplies, PatchAlreadyApplied...).
	Hunks []*Hunk
	Fate  string
	// Merged is the commit of the tree's history that made the patch's
	// change, when the text no longer shows it (Fate is then
	// PatchAlreadyApplied whatever the hunks say).
	Merged *Merged
}

// Notice is the sentence the patch's fate earns in the report, "" when it
// applies.
func (pc *PatchChanges) Notice() string {
	if pc.Merged != nil {
		h := pc.Merged.Commit
		if len(h) > 12 {
			h = h[:12]
		}
		return fmt.Sprintf("already applied in the baseline: the tree's history has it as commit %s (%q), "+
			"whose change to the same files is the patch's, and later commits changed its lines; nothing of it is executed and no claim is judged",
			h, pc.Merged.Subject)
	}
	return FateNotice(pc.Fate, pc.Hunks)
}

// Applies reports whether the patch, or part of it, applies forward to the
// baseline; a patch that does not is not executed and judges no claim.
func (pc *PatchChanges) Applies() bool { return pc.Fate == PatchApplies || pc.Fate == PatchPartly }

// Problem is an unmodelled function: a change the AFTER program could not
// take in.
type Problem struct {
	Patch  int // 1-based index in the series
	File   string
	Func   string
	Line   int // pre-image line of the hunk line that did not match
	Reason string
}

func (p Problem) String() string {
	fn := p.Func
	if fn == "" {
		fn = "outside functions"
	}
	if p.Patch == 0 {
		return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, fn, p.Reason)
	}
	return fmt.Sprintf("patch %d: %s:%d: %s: %s", p.Patch, p.File, p.Line, fn, p.Reason)
}

// Uncovered is a changed function (or file) no model covers.
type Uncovered struct {
	File, Func string
}

func (u Uncovered) String() string {
	if u.Func == "" {
		return "no model covers " + u.File
	}
	return "no model covers " + u.File + ": " + u.Func
}

// Callee is a call to a function neither the models nor the machine know.
type Callee struct {
	Name string
	Loc  sim.Loc // the calling line
}

// Result is the meaning of a series.
type Result struct {
	Patches []*PatchChanges
	// Funcs are the changed functions over the whole series, by file and
	// first appearance.
	Funcs      []*FuncChange
	Before     *Build
	After      *Build
	Identical  bool // BEFORE and AFTER compile to the same program, source locations aside
	Unknown    []Callee
	Unmodelled []Problem
	Uncovered  []Uncovered
	// NotApplied says, for each patch that does not apply to the baseline
	// (already applied, applied and since modified, or not applicable),
	// what became of it; such a patch is not executed.
	NotApplied []string
	// Drift lists differences between the baseline and the blobs the
	// patches were made against.
	Drift []Drift
	// Baseline says what BEFORE was compiled from.
	Baseline *Baseline
}

// Inconclusive reports whether the AFTER program misses part of the series:
// an unmodelled function or a call nobody models.
func (r *Result) Inconclusive() bool {
	return len(r.Unmodelled) > 0 || len(r.Unknown) > 0 || len(r.NotApplied) > 0
}

// Config is the build configuration of the programs.
type Config struct {
	HZ int // CONFIG_HZ; 250 when 0
	// SpinTable selects the spin-table enable method (no cpu_die) for every
	// CPU instead of PSCI.
	SpinTable bool
}

// Validate reports a configuration no kernel can be built with: CONFIG_HZ
// is one of the choices of kernel/Kconfig.hz (100, 250, 300, 1000), or 0
// for the default. An HZ of 7 would otherwise compile into programs whose
// jiffies-based timeouts nobody could check against a real kernel.
func (c Config) Validate() error {
	switch c.HZ {
	case 0, 100, 250, 300, 1000:
		return nil
	}
	return fmt.Errorf("CONFIG_HZ %d is not a kernel choice (want 100, 250, 300 or 1000)", c.HZ)
}

// Options configure Analyze.
type Options struct {
	Library *models.Library // models.Default() when nil
	Config  Config
	// Tree takes baselines from a kernel tree instead of the library for
	// the functions a patch touches (see OpenTree).
	Tree *Tree
	// Parsed, when set, is the parse cache of every compilation made with
	// these options: the prefixes of a series, analysed one by one, parse
	// the files they have alike once. Not safe for concurrent analyses.
	Parsed *compile.ParseCache
}

// Analyze maps the series' changes to functions, applies them to the model
// library and compiles BEFORE and AFTER. Patches that touch nothing modelled
// are reported as Uncovered, not as errors. The error is for what cannot be
// analysed at all (a patch that is not a text diff of C is not an error: it
// is uncovered).
func Analyze(s *parse.Series, opts *Options) (*Result, error) {
	a, err := analyze(s, opts)
	if err != nil {
		return nil, err
	}
	a.build(a.opts.Config)
	return a.res, nil
}

// Map is Analyze without compiling: the function map, the unmodelled and
// uncovered functions and, with a tree, the drift. Result.Before and After
// are nil.
func Map(s *parse.Series, opts *Options) (*Result, error) {
	a, err := analyze(s, opts)
	if err != nil {
		return nil, err
	}
	return a.res, nil
}

func analyze(s *parse.Series, opts *Options) (*analyzer, error) {
	if s == nil {
		return nil, fmt.Errorf("semantics: no series")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	lib := o.Library
	var base *Baseline
	if o.Tree != nil && lib == nil {
		// The tree is the model: BEFORE is compiled from its own text at
		// the patch's base.
		t, b, err := o.Tree.base(s)
		if err != nil {
			return nil, fmt.Errorf("tree %s: %w", o.Tree.Dir, err)
		}
		built, err := t.Library(o.Config)
		if err != nil {
			return nil, fmt.Errorf("tree %s: %w", o.Tree.Dir, err)
		}
		lib, o.Tree = built.Library, t
		b.Version, b.Funcs = built.Version, built.Funcs
		base = b
	}
	if lib == nil {
		lib = models.Default()
	}
	a := &analyzer{lib: lib, res: &Result{}, work: map[string]*working{}, tree: o.Tree, opts: o, base: base, texts: map[string]*baseText{}}
	for i, p := range s.Patches {
		a.patch(i+1, p)
	}
	a.fates()
	a.mergeFuncs()
	switch {
	case base != nil:
		a.res.Baseline = base
		a.res.Drift = o.Tree.checkBlobs(a.res)
	case o.Tree != nil:
		a.res.Drift = append(o.Tree.checkBlobs(a.res), o.Tree.drift(lib, a.res.Funcs)...)
	case o.Library == nil:
		a.res.Baseline = bundledBaseline(lib, a.res)
	}
	return a, nil
}

type analyzer struct {
	lib   *models.Library
	res   *Result
	work  map[string]*working // AFTER copies of the model files patches touched
	tree  *Tree
	opts  Options
	names map[string]bool      // see defined
	base  *Baseline            // with a tree: what BEFORE is compiled from
	cur   int                  // the patch being applied
	texts map[string]*baseText // with a tree: its files, with the hunks that applied so far
	pc    *PatchChanges        // the patch being applied
}

func (a *analyzer) working(path string) *working {
	if w, ok := a.work[path]; ok {
		return w
	}
	mf := a.lib.File(path)
	if mf == nil {
		return nil
	}
	w := newWorking(mf)
	if a.base != nil && a.tree != nil {
		if text, _, err := a.tree.File(path); err == nil {
			w.markFileScope(text)
		}
	}
	a.work[path] = w
	return w
}

func (a *analyzer) patch(n int, p *parse.Patch) {
	a.cur = n
	pc := &PatchChanges{Patch: p}
	a.pc = pc
	a.res.Patches = append(a.res.Patches, pc)
	for _, f := range p.Files {
		fc := a.file(n, f)
		if fc != nil {
			pc.Files = append(pc.Files, fc)
		}
	}
	pc.Fate = patchFate(pc.Hunks)
}

// fates settles what each patch of the series is to the baseline, once
// all are read (a series is taken out of the baseline last patch first).
// Nothing of a patch that does not apply is in AFTER. The mismatches of a
// patch that is in the baseline are its fate, not functions the models
// miss; those of one that does not apply say where it fails.
func (a *analyzer) fates() {
	a.reverseSeries()
	merged := map[int]bool{}
	for i, pc := range a.res.Patches {
		if pc.Applies() {
			continue
		}
		if pc.Fate == PatchNotApplicable || pc.Fate == PatchSinceModified {
			// The text cannot show a change whose lines were all
			// replaced since; a repository's history can.
			if a.tree != nil && a.base != nil {
				if m, _, _ := a.tree.mergedCommit(pc.Patch.Files, pc.Patch.Date); m != nil {
					pc.Merged, pc.Fate = m, PatchAlreadyApplied
				}
			}
		}
		if pc.Fate != PatchNotApplicable {
			merged[i+1] = true
		}
		a.res.NotApplied = append(a.res.NotApplied, fmt.Sprintf("patch %d %s", i+1, pc.Notice()))
	}
	kept := a.res.Unmodelled[:0]
	for _, p := range a.res.Unmodelled {
		if !merged[p.Patch] {
			kept = append(kept, p)
		}
	}
	a.res.Unmodelled = kept
}

func filePath(f *gitdiff.File) string {
	if f.IsDelete || f.NewName == "" {
		return f.OldName
	}
	return f.NewName
}

func (a *analyzer) file(n int, f *gitdiff.File) *FileChange {
	path := filePath(f)
	fc := &FileChange{Path: path, OldBlob: f.OldOIDPrefix, NewBlob: f.NewOIDPrefix}
	w := a.working(path)
	fc.Modelled = w != nil
	if f.IsBinary || len(f.TextFragments) == 0 {
		a.res.Uncovered = append(a.res.Uncovered, Uncovered{File: path})
		return fc
	}
	for i, frag := range f.TextFragments {
		h := viewOf(frag)
		a.pc.Hunks = append(a.pc.Hunks, a.fate(f, frag, i+1, h, w))
		a.hunk(n, fc, w, frag, h)
	}
	seen := false
	for _, fn := range fc.Funcs {
		if fn.Status == NotCovered {
			a.res.Uncovered = append(a.res.Uncovered, Uncovered{File: path, Func: displayName(fn)})
		}
		seen = true
	}
	if !seen && !fc.Modelled {
		a.res.Uncovered = append(a.res.Uncovered, Uncovered{File: path})
	}
	return fc
}
