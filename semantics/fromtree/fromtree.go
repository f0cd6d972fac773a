// Package fromtree makes a kernel tree the model: it builds a model library
// whose functions are the tree's own text, so that the BEFORE program is
// compiled from the kernel a patch was written against, and the patch's
// context is matched against that kernel's lines.
//
// The bundled library (package models) decides which kernel files and
// functions are on the modelled paths and holds what is not kernel text: the
// prelude of types and constants, and restatements of functions whose text
// is outside the compiler's subset. For every function of the bundled
// library, the tree's definition of it is taken, together with every
// function of the same kernel files that the tree's text calls (the call
// closure within the path's files). Each of them is then compiled; a
// function whose text the compiler rejects, or that calls something neither
// the sources nor the machine define, is bound: the library's restatement
// stands in for it when there is one, with the compiler's reason recorded,
// and a function the library has no restatement of is left out, so that its
// callers report it as an unknown callee. Nothing is bound silently: Result
// lists every function on the path with its origin and reason.
package fromtree

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// Files reads kernel files of a tree: the text and full git blob hash of a
// path relative to the tree's root.
type Files interface {
	File(path string) (text []byte, blob string, err error)
}

// Origin says where the code of a function on the path comes from.
type Origin string

const (
	// FromTree: the function is compiled from the tree's text.
	FromTree Origin = "tree"
	// Bound: the library's restatement stands in for the tree's text.
	Bound Origin = "bound"
	// Missing: neither the tree's text nor a restatement can be used.
	Missing Origin = "missing"
)

// Func is one function on the modelled path.
type Func struct {
	Name string
	File string // kernel path
	Line int    // definition line in the tree's file (0 when the tree lacks it)
	// Origin and Why: where the compiled code comes from, and why when it
	// is not the tree's text.
	Origin Origin
	Why    string
}

// Result is a library built from a tree.
type Result struct {
	Library *models.Library
	Version string // from the tree's Makefile, e.g. "6.12.118"; "" when it has none
	Funcs   []Func // by file, then name
	// Blobs are the full blob hashes of the tree's files the library read.
	Blobs map[string]string
	bound map[string]string
}

// Bound reports the declarations and functions bound, with why (for tests
// and diagnostics): function names, or "decl PATH NAME".
func (r *Result) Bound() map[string]string { return r.bound }

// Origin returns the origin of the named function on the path, or "".
func (r *Result) Origin(name string) Origin {
	for _, f := range r.Funcs {
		if f.Name == name {
			return f.Origin
		}
	}
	return ""
}

// maxRounds bounds the fixed point of binding: each round binds at least
// one function, so the number of functions on the path bounds it; this is a
// guard against a defect, not a budget.
const maxRounds = 256

// Build builds the library of tree t, taking paths, the prelude and the
// restatements from base. cc is the compile configuration the programs are
// built with (entries, CONFIG_ options, HZ).
func Build(t Files, base *models.Library, cc compile.Config) (*Result, error) {
	res := &Result{Version: Version(t), Blobs: map[string]string{}}
	files := map[string]*treeFile{}
	var paths []string
	for _, mf := range base.Files {
		if mf.Path == models.PreludePath {
			continue
		}
		text, blob, err := t.File(mf.Path)
		if err != nil {
			// The library's restatements of the whole file stand in.
			for _, f := range mf.Funcs {
				res.Funcs = append(res.Funcs, Func{Name: f.Name, File: mf.Path, Origin: Bound, Why: "the tree has no " + mf.Path})
			}
			text, blob = nil, ""
		} else {
			res.Blobs[mf.Path] = blob
		}
		files[mf.Path] = newTreeFile(mf, text, blob, cfront.Config{Kconfig: cc.Kconfig})
		paths = append(paths, mf.Path)
	}
	paths = addMoved(t, base, files, paths, res, cc)
	sort.Strings(paths)

	// Which file of the path defines a name: the tree's definitions first.
	definedIn := map[string]string{}
	for _, p := range paths {
		for name := range files[p].defs {
			if _, dup := definedIn[name]; !dup {
				definedIn[name] = p
			}
		}
	}

	// A definition another path file overrides (a __weak default such as
	// kernel/sched/idle.c's arch_cpu_idle_dead) is not taken.
	for _, p := range paths {
		for name := range files[p].defs {
			if definedIn[name] != p {
				delete(files[p].defs, name)
			}
		}
	}

	// The call closure of the library's functions within the path's files.
	take := map[string]bool{}
	var work []string
	for _, f := range base.Funcs {
		if f.File == models.PreludePath {
			continue
		}
		if _, ok := definedIn[f.Name]; ok {
			take[f.Name] = true
			work = append(work, f.Name)
		}
	}
	// The machine's NMI entry (ipi_setup() asks it which IPIs are NMIs,
	// v6.7+) is taken whenever the tree defines it, as the entries are:
	// before v6.12 nothing on the path calls it.
	if _, ok := definedIn[models.EntryNMI]; ok && !take[models.EntryNMI] {
		take[models.EntryNMI] = true
		work = append(work, models.EntryNMI)
	}
	prelude := preludeNames(base)
	restated := map[string]bool{} // tree functions the prelude restates, called by taken ones
	macros := preludeMacros(base)
	for len(work) > 0 {
		name := work[len(work)-1]
		work = work[:len(work)-1]
		tf := files[definedIn[name]]
		ids := slices.Clone(tf.defs[name].idents())
		// The declarations taken with it (threadDecls) name functions too.
		for _, d := range threadDecls[name] {
			if it := tf.decls[d]; it != nil {
				ids = append(ids, it.idents()...)
			}
		}
		for _, id := range ids {
			if _, ok := definedIn[id]; ok && prelude[id] > 0 && !take[id] {
				restated[id] = true
			}
			if take[id] || prelude[id] > 0 || compile.Binds(id) {
				continue
			}
			if _, ok := definedIn[id]; ok {
				take[id] = true
				work = append(work, id)
			}
		}
	}

	// Bind, one round at a time, what does not compile, until everything
	// left compiles from the tree's text or is bound.
	bound := map[string]string{} // function name or declKey -> why
	var as *assembly
	// Most files are the same text from one round to the next: parse
	// them once.
	cc.Parsed = compile.NewParseCache()
	for round := 0; ; round++ {
		if round == maxRounds {
			return nil, fmt.Errorf("fromtree: binding did not settle after %d rounds", maxRounds)
		}
		var err error
		as, err = assemble(base, files, paths, take, bound, res.Version, macros, definedIn, false)
		if err != nil {
			return nil, err
		}
		_, diags := compile.Compile(sources(as.lib), cc)
		bad := rejected(diags, as.owner, bound)
		for k, why := range bad {
			bound[k] = why
		}
		// Groups last, so that a member with a reason of its own gives it.
		if len(bad) == 0 && !bindTogether(take, bound) && !bindCoreRequires(take, bound) {
			break
		}
	}
	// The library as the patches see it: with the files' other text
	// elided, so that a hunk on a declaration between functions, a table
	// or an #ifdef'd variable is placed where the tree has it.
	final, err := assemble(base, files, paths, take, bound, res.Version, macros, definedIn, true)
	if err != nil {
		return nil, err
	}
	res.Library = final.lib
	res.bound = bound

	for _, p := range paths {
		tf := files[p]
		for name, d := range tf.defs {
			if !take[name] || definedIn[name] != p {
				continue
			}
			f := Func{Name: name, File: p, Line: d.first, Origin: FromTree}
			if why, ok := bound[name]; ok {
				f.Why = why
				if m := base.Lookup(name); m != nil || treeOverrides[name] || coveredBound(name, base) {
					f.Origin = Bound
				} else {
					f.Origin = Missing
				}
			}
			res.Funcs = append(res.Funcs, f)
		}
		// Library functions the tree's file does not define.
		for _, m := range tf.model.Funcs {
			if _, ok := definedIn[m.Name]; !ok && tf.blob != "" {
				res.Funcs = append(res.Funcs, Func{Name: m.Name, File: p, Origin: Bound, Why: "not defined in the tree's " + p})
			}
		}
	}
	res.Funcs = append(res.Funcs, restatedFuncs(t, prelude, files, definedIn, restated)...)
	sort.Slice(res.Funcs, func(i, j int) bool {
		a, b := res.Funcs[i], res.Funcs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Name < b.Name
	})
	return res, nil
}

// movedTo are the files that functions of a library file moved to in
// later kernels: v6.9 split the crash-dump code out of kernel/kexec_core.c
// (__crash_kexec() is in kernel/crash_core.c from then on), and v6.5 made
// arm64's __cpu_die() an empty static inline of asm/smp.h (the hotplug
// core's cpuhp_bp_sync_dead() waits for the dying CPU, and
// arch_cpuhp_cleanup_dead_cpu() asks the firmware). From a header only
// the functions that moved are taken: the rest of it is not on the path.
var movedTo = map[string][]string{
	"kernel/kexec_core.c":     {"kernel/crash_core.c"},
	"arch/arm64/kernel/smp.c": {"arch/arm64/include/asm/smp.h"},
}

// addMoved adds to the path the files of movedTo that define a library
// function the tree's file no longer does, and returns the paths.
func addMoved(t Files, base *models.Library, files map[string]*treeFile, paths []string, res *Result, cc compile.Config) []string {
	for _, p := range slices.Sorted(maps.Keys(movedTo)) {
		from := files[p]
		if from == nil || from.blob == "" {
			continue
		}
		for _, alt := range movedTo[p] {
			if files[alt] != nil {
				continue
			}
			text, blob, err := t.File(alt)
			if err != nil {
				continue
			}
			tf := newTreeFile(&models.ModelFile{Path: alt}, text, blob, cfront.Config{Kconfig: cc.Kconfig})
			moved := map[string]bool{}
			for _, f := range from.model.Funcs {
				if _, here := from.defs[f.Name]; !here && tf.defs[f.Name] != nil {
					moved[f.Name] = true
				}
			}
			if len(moved) == 0 {
				continue
			}
			if strings.HasSuffix(alt, ".h") {
				for name := range tf.defs {
					if !moved[name] {
						delete(tf.defs, name)
					}
				}
			}
			files[alt] = tf
			res.Blobs[alt] = blob
			paths = append(paths, alt)
		}
	}
	return paths
}

// together are groups of functions whose restatements step shared state
// through a reduced sequence of their own, which the tree's text does not
// follow: model.h reduces struct cpuhp_cpu_state to its state field, and
// the restatements of the hotplug core set it to CPUHP_TEARDOWN_CPU once
// the AP thread ran (cpuhp_kick_ap_work) and to CPUHP_AP_OFFLINE after the
// dying callbacks (take_cpu_down), where the kernel walks every state of
// cpuhp_hp_states[] through cpuhp_next_state() and take_cpu_down() checks
// for CPUHP_TEARDOWN_CPU - 1. A tree take_cpu_down() under a restated
// cpuhp_down_callbacks() would WARN. A function of a group comes from the
// tree only with every other one; when one is bound, all are.
// (takedown_cpu() and cpuhp_report_idle_dead() see the same states in
// both: CPUHP_AP_OFFLINE and CPUHP_AP_IDLE_DEAD.)
//
// From v6.5 the dying CPU's report and the wait for it are the core's
// (cpuhp_ap_report_dead() and cpuhp_bp_sync_dead() in takedown_cpu()) and
// arm64's __cpu_die() is empty; the library's v5.10 takedown_cpu() calls
// its v5.10 __cpu_die(), which waits in cpu_wait_death() for model.h's
// cpuhp_ap_report_dead() to report through cpu_report_death(). Either all
// three are the tree's or all three stand in: a tree takedown_cpu() with
// the library's __cpu_die() would wait twice, a tree report with the
// library's wait would never be seen.
//
// From v6.1 cpu_down_maps_locked() runs _cpu_down() through work_on_cpu()
// and its work function __cpu_down_maps_locked(), which reads the local
// struct cpu_down_work it is given; the library's v5.10 restatement of
// cpu_down_maps_locked() calls _cpu_down() itself. The work function is
// compiled in place at its caller's work_on_cpu() (compile/workqueue.go)
// and means nothing without it, and the restatement does its work: the
// two stand in together, the work function bound under its caller's
// restatement (covers).
var together = []group{
	{names: []string{"_cpu_down", "cpuhp_kick_ap_work", "cpuhp_down_callbacks", "take_cpu_down", "wait_for_ap_thread"}, why: stepsStates},
	{names: []string{"takedown_cpu", "__cpu_die", "cpuhp_ap_report_dead"}, why: stepsStates},
	{names: []string{"cpu_down_maps_locked", "__cpu_down_maps_locked"}, covers: "cpu_down_maps_locked",
		why: "the work function run through work_on_cpu() and its caller: the library's v5.10 restatement of cpu_down_maps_locked calls _cpu_down itself"},
}

const stepsStates = "whose restatement steps the same reduced hotplug states"

// group is functions of the tree that come from it, or stand in, together.
type group struct {
	names []string
	why   string // why, after "bound with NAME (its reason), "
	// covers: the member whose restatement does the work of the members
	// that have none (they are bound, not missing, under it).
	covers string
}

// coveredBound reports whether name, which has no restatement, is bound
// under the restatement of another member of its group.
func coveredBound(name string, base *models.Library) bool {
	for _, grp := range together {
		if grp.covers != "" && grp.covers != name && slices.Contains(grp.names, name) && base.Lookup(grp.covers) != nil {
			return true
		}
	}
	return false
}

// bindTogether binds the taken functions of a group one of whose members
// is bound, and reports whether it bound any.
func bindTogether(take map[string]bool, bound map[string]string) bool {
	changed := false
	for _, grp := range together {
		first := ""
		for _, name := range grp.names {
			if _, ok := bound[name]; ok && take[name] {
				first = name
				break
			}
		}
		if first == "" {
			continue
		}
		for _, name := range grp.names {
			if _, ok := bound[name]; !ok && take[name] {
				bound[name] = fmt.Sprintf("bound with %s (%s), %s", first, bound[first], grp.why)
				changed = true
			}
		}
	}
	return changed
}

// rejected names the items taken from the tree that the compiler rejects,
// with the first reason for each. A diagnostic on a line of the prelude or
// of a restatement is not the tree's, and binding cannot help it.
func rejected(diags []compile.Diag, owner map[string]string, bound map[string]string) map[string]string {
	// A call through an ops table that is not known is a consequence of
	// binding (or failing) the function that returns the table: it waits
	// until no other item fails, so that callers are not bound for what
	// their callee caused.
	if first := rejectedIf(diags, owner, bound, func(d compile.Diag) bool { return !secondary(d) }); len(first) > 0 {
		return first
	}
	return rejectedIf(diags, owner, bound, secondary)
}

func secondary(d compile.Diag) bool {
	return d.Kind == "unsupported" && strings.Contains(d.Msg, "not a known ops table")
}

func rejectedIf(diags []compile.Diag, owner map[string]string, bound map[string]string, keep func(compile.Diag) bool) map[string]string {
	out := map[string]string{}
	for _, d := range diags {
		if !keep(d) {
			continue
		}
		switch d.Kind {
		case "syntax", "unsupported", "unknown-identifier", "unknown-callee", "duplicate":
		default:
			continue
		}
		if d.Loc.Side != sim.SideModel {
			continue
		}
		k, ok := owner[lineKey(d.Loc.File, d.Loc.Line)]
		if !ok {
			// A restatement that does not fit a function the tree's text
			// gives (another signature, say): that function is bound too,
			// so that the restatements keep to one version.
			if name := d.Name; d.Kind == "syntax" && strings.Contains(d.Msg, " called with ") && owner["func "+name] != "" {
				if _, done := bound[name]; !done {
					out[name] = fmt.Sprintf("%s:%d: the restatement of %s does not fit the tree's %s: %s", d.Loc.File, d.Loc.Line, d.Loc.Func, name, d.Msg)
				}
			}
			continue
		}
		if _, done := bound[k]; done {
			continue
		}
		if _, seen := out[k]; seen {
			continue
		}
		msg := d.Msg
		if d.Kind == "unknown-callee" {
			msg = "calls " + d.Name + ", which neither the path's files nor the machine define"
		}
		out[k] = fmt.Sprintf("%s:%d: %s: %s", d.Loc.File, d.Loc.Line, d.Kind, msg)
	}
	return out
}

// sources renders lib as compile sources, each line at its kernel origin:
// one source per function and one per run of lines between functions, so
// that the parse cache keeps every function whose text a round did not
// change (binding a function changes its file's text, and kernel/cpu.c is
// bound into in most rounds). The compiler is whole-program and parses the
// sources in order, as one file's text.
func sources(lib *models.Library) []compile.Source {
	var out []compile.Source
	for _, mf := range lib.Files {
		starts := map[int]*models.Func{}
		for _, f := range mf.Funcs {
			starts[f.First] = f
		}
		var b strings.Builder
		var locs []sim.Loc
		flush := func() {
			if len(locs) > 0 {
				out = append(out, compile.Source{Name: mf.Path, Text: []byte(b.String()), Lines: locs})
			}
			b.Reset()
			locs = nil
		}
		var cur *models.Func
		for i, l := range mf.Lines {
			if f := starts[i]; f != nil {
				flush()
				cur = f
			}
			b.WriteString(l.Text)
			b.WriteByte('\n')
			fn := ""
			if cur != nil && i <= cur.Last {
				fn = cur.Name
			}
			loc := sim.Loc{File: mf.Path, Line: l.KLine, Func: fn, Side: sim.SideModel}
			if l.KLine == 0 {
				loc = sim.Loc{File: mf.Embedded, Line: l.Pos, Func: fn, Side: sim.SideModel}
			}
			locs = append(locs, loc)
			if cur != nil && i == cur.Last {
				flush()
				cur = nil
			}
		}
		flush()
	}
	return out
}

// preludeNames are the names the prelude defines, each with the first
// line of its definition in it: the tree's definitions of them (static
// inlines of include/ restated there) are not taken, except those of
// treeOverrides.
func preludeNames(base *models.Library) map[string]int {
	out := map[string]int{}
	mf := base.File(models.PreludePath)
	if mf == nil {
		return out
	}
	for _, it := range scanItems(string(mf.Text), nil) {
		for _, n := range it.names {
			if _, dup := out[n]; !dup && !treeOverrides[n] {
				out[n] = it.first
			}
		}
	}
	return out
}

// treeOverrides are functions of the prelude that stand in for the tree's
// only while the tree's are bound. model.h's cpuhp_ap_report_dead() (v6.5
// on) reports death in cpu_hotplug_state, where the library's v5.10
// __cpu_die() waits for it; the tree's writes cpuhp_state.ap_sync_state,
// where the tree's cpuhp_bp_sync_dead() waits. The tree's is taken whenever
// it compiles, and comes with takedown_cpu() and __cpu_die() (together).
//
// model.h's wait_for_ap_thread(cpu, false) waits for the idle-dead report
// by polling st->state, as the library's v5.10 takedown_cpu() and
// cpuhp_kick_ap_work() need; the tree's waits on the completion
// st->done_down (bringup false), which the tree's AP thread and
// cpuhp_complete_idle_dead() complete. The tree's comes with the hotplug
// core (together, core.go).
var treeOverrides = map[string]bool{"cpuhp_ap_report_dead": true, "wait_for_ap_thread": true}

// afterBoot are declarations added to a tree's file, after its text, when
// the tree's text of a function that reads or writes what they set is
// taken: the values the machine's start gives (every CPU online, past its
// bringup), where the tree's static initialiser is the value before it.
// From v6.5 each CPU's cpuhp_state.ap_sync_state is SYNC_STATE_ONLINE once
// it is up (cpuhp_online_idle(), boot_cpu_hotplug_init()), as model.h's
// per-CPU cpuhp_state is CPUHP_ONLINE; the zero the initialiser leaves is
// SYNC_STATE_DEAD, which cpuhp_bp_sync_dead() would take for a report of
// death already made.
var afterBoot = []struct{ file, when, text string }{
	{"kernel/cpu.c", "cpuhp_ap_report_dead",
		"DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .ap_sync_state = ATOMIC_INIT(SYNC_STATE_ONLINE), }; //~ after bringup: cpuhp_online_idle()"},
}

// preludeFor returns the prelude without the functions of treeOverrides
// whose tree definitions are taken and not bound: their lines become
// comments, so that every other line of model.h keeps its number.
func preludeFor(p *models.ModelFile, take map[string]bool, bound map[string]string) *models.ModelFile {
	drop := map[string]bool{}
	for n := range treeOverrides {
		if _, b := bound[n]; take[n] && !b {
			drop[n] = true
		}
	}
	if len(drop) == 0 {
		return p
	}
	q := *p
	q.Lines = slices.Clone(p.Lines)
	for _, it := range scanItems(string(p.Text), nil) {
		if !it.fn || !drop[it.names[0]] {
			continue
		}
		for i := range q.Lines {
			if l := &q.Lines[i]; it.first <= l.Pos && l.Pos <= it.last && l.Kind != models.Blank {
				l.Text, l.Kind = "// "+l.Text, models.Comment
			}
		}
	}
	return &q
}

// preludeMacros are the names the prelude #defines. Such a name is the
// model's configuration of a variable the paths only read (kexec_image: an
// image is loaded, which kexec_load(), on no modelled path, did): the tree's
// declaration of it is not taken, so that the definition stands.
func preludeMacros(base *models.Library) map[string]bool {
	out := map[string]bool{}
	mf := base.File(models.PreludePath)
	if mf == nil {
		return out
	}
	for _, l := range strings.Split(string(mf.Text), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "#define" {
			out[f[1]] = true
		}
	}
	return out
}

// identifiers returns the distinct identifiers of C text, in order,
// keywords included, its comments, literals and preprocessor lines left
// out: an apostrophe in a comment ("Don't", in
// 6.12's cpuhp_bp_sync_dead()) would otherwise open a character literal
// that hides the names after it.
func identifiers(text string) []string { return models.Identifiers(strip(text)) }
