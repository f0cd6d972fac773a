package rules

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// Engines are the simulator's two engines as Evaluate uses them: the untimed
// explorer for properties and the timed engine for metrics. SimEngines
// adapts package sim's engines; tests may count calls through it.
type Engines interface {
	Explore(req *ExploreRequest) ([]CheckResult, error)
	Measure(req *MeasureRequest) (*MeasureResult, error)
}

// ExploreRequest asks for every interleaving of Program in Scenario to be
// explored, checking each rule at its event.
type ExploreRequest struct {
	Program  *sim.Program
	Scenario Scenario
	// AlsoBoot is how many secondaries start in the boot entry too (the
	// entry's AlsoBoot).
	AlsoBoot int
	Rules    []*PropertyRule
	Seed     int64
	Budget   Budget
	// Pause, when set, is called now and then while the exploration runs
	// (every 1,024 expansions); it may block, which pauses the exploration
	// and changes nothing of its results (memGate).
	Pause func()
}

// CheckResult is the outcome of one rule of an ExploreRequest.
type CheckResult struct {
	Verdict        string // holds | holds-if-bounds | violated | inconclusive
	NeedsExpiry    []string
	CertainExpiry  []string // see Property.CertainExpiry
	Counterexample *Counterexample
	Explored       Exploration
	Reason         string
	// LoadFree: no step of the exploration depended on the machine's load
	// (sim.Machine.LoadMattered), so the same request under another load
	// has this result and is not explored again.
	LoadFree bool
}

// MeasureRequest asks for Runs timed runs of Program in Scenario.
type MeasureRequest struct {
	Program  *sim.Program
	Scenario Scenario
	Metrics  []string
	Profile  *profile.Profile
	Seed     int64
	Runs     int
	Budget   Budget // MaxSteps bounds each run
}

// MeasureResult holds a distribution per metric the engine measured, and
// the timeline of one representative run.
type MeasureResult struct {
	Metrics map[string]Distribution
	// Costs: where the median of a duration metric went, by cause.
	Costs    map[string][]CostShare
	Timeline *Timeline
	// Inconclusive runs hit a budget, an unmodelled function or a machine
	// error; Outcomes says how the runs ended ("relocated: 200").
	Inconclusive int
	Outcomes     []string

	failed *noAnswer // cached: the engine could not run this scenario
}

// Budget limits the work of one evaluation. Hitting a limit makes the
// affected verdicts inconclusive, never a hang.
type Budget struct {
	MaxStates int64 // per exploration
	// MaxSteps bounds one timed run's machine steps and the explorer's
	// depth (steps from the start); 0: the engines' defaults.
	MaxSteps int64
	// MaxMemory bounds one exploration's tables in bytes; 0: the
	// explorer's default.
	MaxMemory int64
	Runs      int // timed runs per scenario; 0: the pack's
}

// Variants are the two programs of one point of a series.
type Variants struct {
	Before, After *sim.Program
	// Identical: BEFORE and AFTER run the same instructions from their
	// entries (source lines, comments and unreachable functions aside).
	Identical bool
	// Covered: some change of the series, other than a comment, is in a
	// modelled function.
	Covered bool
	// OnPath: some change of the series is in a modelled function, a
	// comment-only change included. With OnPath and Identical the claims
	// are still judged, against the one program both variants run.
	OnPath bool
	// Unreached: the patch changes code (not only comments) in modelled
	// functions, but none the entries reach: the scenarios run the same
	// instructions before and after, so nothing of the change is checked.
	Unreached bool
	// Incomplete lists why AFTER misses part of the series (unmodelled
	// functions, calls nobody models); verdicts on AFTER are then
	// inconclusive.
	Incomplete []string
	// NotApplied says which patches do not apply to the baseline (already
	// applied, applied and since modified, not applicable): they are not
	// executed, so no claim is judged and no verdict can be pass.
	NotApplied []string
}

// EvalInput is everything Evaluate needs.
type EvalInput struct {
	Series   *parse.Series
	Programs Variants
	// Steps are the programs after patches 1..k for k = 1..n-1 of a series
	// of n patches; empty for a single patch.
	Steps   []Variants
	Pack    *Pack
	Profile *profile.Profile
	Seed    int64
	Budget  Budget
	Engines Engines
	// Partial, when set, is called with a copy of the report as decided so
	// far, after each safety scenario and each claim; a caller that stops
	// the run (--timeout) reports the last one, so that no violation found
	// is lost (see bounds.go).
	Partial func(*Report)
	// Added are the lines the patches add inside functions (AddedLines):
	// findings are placed on them. Without them a finding points at the
	// last post-image line of its counterexample.
	Added []AddedLine
	// PseudoNMI boots every machine with pseudo-NMI enabled
	// (--pseudo-nmi); entries with PseudoNMI have it on in any case.
	PseudoNMI bool
	// Workers is how many engine calls run at once (explorations of the
	// safety scenarios, sets of timed runs); 0 means GOMAXPROCS. The report
	// does not depend on it. Engines must then be safe for concurrent use.
	Workers int
	// Plots asks for what only the HTML report draws: the metrics of the
	// pack's timing matrix (every timing CPU count and load, both variants)
	// and one timeline per variant. Without it the report's metrics are
	// those the claims measured and it has no timelines; no verdict reads
	// either.
	Plots bool
}

// Evaluate runs BEFORE and AFTER through the explorer for every property and
// safety scenario, and through the timed engine for every claim's scenario,
// and returns the verdicts. The caller fills Tool, Inputs, Series, Functions
// and Models, which come from the other stages.
func Evaluate(in *EvalInput) (*Report, error) {
	if in == nil || in.Series == nil || in.Pack == nil || in.Engines == nil {
		return nil, errors.New("rules: Evaluate needs a series, a pack and engines")
	}
	cp := *in // the programs are settled below; the caller's input stays as it is
	in = &cp
	e := &evaluator{in: in, runs: in.Budget.Runs, tol: in.Pack.Claims.AboutTolerance}
	if e.runs <= 0 {
		e.runs = in.Pack.Scenarios.Runs
	}
	if e.runs <= 0 {
		e.runs = 100
	}
	if e.tol <= 0 {
		e.tol = 0.3
	}
	for _, en := range in.Pack.EntryList() {
		if en.Boot != "" {
			e.roots = append(e.roots, en.Boot)
		}
	}
	in.Programs = e.settle(in.Programs)
	steps := make([]Variants, len(in.Steps))
	for k, sv := range in.Steps {
		steps[k] = e.settle(sv)
	}
	in.Steps = steps
	r := &Report{Schema: Schema, Claims: []Claim{}, Properties: []Property{}, Findings: []Finding{}}
	if p := in.Profile; p != nil {
		r.Profile = &ProfileRef{Name: p.Name, Source: p.File, Calibrated: slices.Clone(p.CalibratedOn)}
	}
	v := in.Programs
	r.BehaviourChanged = v.Covered && !v.Identical
	defCPUs := 16
	if n := slices.Max(append([]int{1}, in.Pack.Scenarios.TimingCPUs...)); n > 1 {
		defCPUs = n
	}
	msgs := Messages(in.Series)
	if v.Before != nil && v.After != nil {
		// claims are timed on the kexec path (the programs' own boot
		// entry), so its functions are the code terms that decide
		code := &CodeTerms{Before: ReachableNames(v.Before), After: ReachableNames(v.After)}
		e.entryFunctions(code, v)
		for i := range msgs {
			msgs[i].Code = code
		}
	}
	r.Claims = ExtractClaims(msgs, &in.Pack.Claims, defCPUs)
	boundClaims(r.Claims, in.Pack.Scenarios.TimingCPUs)
	for _, c := range r.Claims {
		if f, ok := strings.CutPrefix(c.Metric, "call:"); ok && c.Verdict == "" {
			e.calls = append(e.calls, "call:"+f, "cpu:"+f)
		}
	}
	slices.Sort(e.calls)
	e.calls = slices.Compact(e.calls)

	if !v.Covered && !v.OnPath {
		why, sum := "the patch changes no function on a modelled path, so there is nothing to execute", "no modelled function changed; nothing was executed"
		if len(v.NotApplied) > 0 {
			why, sum = listSome(v.NotApplied), listSome(v.NotApplied)
		}
		for i := range r.Claims {
			c := &r.Claims[i]
			if c.Verdict == "" || len(v.NotApplied) > 0 {
				c.Verdict, c.Reason = "not-evaluated", why
			}
		}
		msg := "The patch changes no function on a modelled path; there is nothing to execute."
		if len(v.NotApplied) > 0 {
			// what it would change is unknown: the notices say why
			msg = "Nothing of the patch that applies to the baseline changes a function on a modelled path; there is nothing to execute."
		}
		r.Findings = append(r.Findings, Finding{ID: "model.not-covered", Severity: "note", Message: msg})
		r.Verdict, r.Summary = "inconclusive", sum
		return r, nil
	}
	if v.Before == nil || v.After == nil {
		return nil, errors.New("rules: Evaluate needs the BEFORE and AFTER programs")
	}
	e.progress = func(props []Property) { e.partial(r, props, v) }
	e.pool = newPool(in.Workers)
	defer e.pool.close()
	tables := in.Budget.MaxMemory
	if tables <= 0 {
		tables = explore.DefaultMaxMemory
	}
	e.gate = newMemGate(uint64(tables) / 4)
	run, err := e.planProperties(v)
	if err != nil {
		return nil, err
	}
	r.Properties = e.collect(run)
	// The claims' timed sets are queued once every exploration has
	// ended: a chain runs its explorations one after another, so a set
	// queued earlier would share the time and memory of the budgets with
	// the explorations still running, and the commit message's claims
	// could leave a property undecided that a run without them decides
	// (bounds.go).
	e.prefetch(r, v)
	e.progress = nil
	e.partial(r, r.Properties, v)
	e.claimDone = func() { e.partial(r, r.Properties, v) }
	if err := e.claims(r, v); err != nil {
		return nil, err
	}
	if len(in.Steps) > 0 {
		// The series' prefixes are still to come: what is decided so
		// far, for a run stopped before they are.
		e.partial(r, r.Properties, v)
	}
	// The properties after each prefix of a series, the whole series last:
	// a finding belongs to the first patch whose prefix shows it.
	e.sameCode = true
	var prefixes [][]Property
	for _, sv := range in.Steps {
		sp, err := e.properties(sv)
		if err != nil {
			return nil, err
		}
		prefixes = append(prefixes, sp)
	}
	prefixes = append(prefixes, r.Properties)
	r.Findings = append(r.Findings, e.findings(r, prefixes)...)
	r.Verdict, r.Summary = verdict(r, v)
	if len(in.Steps) > 0 {
		prev, prevProps := Variants{After: v.Before}, []Property(nil)
		for _, p := range r.Properties {
			if p.Variant == "before" {
				prevProps = append(prevProps, p)
			}
		}
		for k := range prefixes {
			sv, sp := v, prefixes[k]
			if k < len(in.Steps) {
				sv = in.Steps[k]
			}
			st := SeriesStep{Upto: k + 1, BehaviourChanged: sv.Covered && !sv.Identical}
			if k == len(in.Steps) {
				st.Verdict, st.Summary = r.Verdict, r.Summary
			} else {
				st.Verdict, st.Summary = verdict(&Report{Properties: sp, Claims: []Claim{}}, sv)
			}
			st.PatchVerdict, st.PatchSummary = e.ownVerdict(r, k+1, prev, prevProps, sv, sp)
			r.Steps = append(r.Steps, st)
			prev, prevProps = sv, nil
			for _, p := range sp {
				if p.Variant == "after" {
					p.Variant = "before"
					prevProps = append(prevProps, p)
				}
			}
		}
	}
	return r, nil
}

// settle decides whether v's programs run the same instructions from every
// entry of the pack: a change no entry reaches leaves the modelled
// behaviour as it is (Identical) and is itself not checked (Unreached).
func (e *evaluator) settle(v Variants) Variants {
	if !v.Identical && v.Before != nil && v.After != nil && len(v.Incomplete) == 0 && sameReachedCode(v.Before, v.After, e.roots) {
		v.Identical, v.Unreached = true, v.Covered
	}
	return v
}

// ownVerdict is what patch k does on its own: the programs after patch k
// against those after patch k-1 (the baseline for k = 1), with the claims
// of its own message. A patch that only adds a comment after one that
// broke a property passes: the finding belongs to the earlier patch.
func (e *evaluator) ownVerdict(r *Report, k int, prev Variants, prevProps []Property, cur Variants, curProps []Property) (string, string) {
	own := Variants{Before: prev.After, After: cur.After, Covered: cur.Covered, OnPath: cur.OnPath || cur.Covered,
		Incomplete: cur.Incomplete}
	own.Identical = len(cur.Incomplete) == 0 && sameReachedCode(prev.After, cur.After, e.roots)
	// A patch that does not apply is not executed: on its own it cannot
	// pass either.
	for _, n := range cur.NotApplied {
		if !slices.Contains(prev.NotApplied, n) {
			own.NotApplied = append(own.NotApplied, n)
		}
	}
	sr := &Report{Claims: []Claim{}}
	sr.Properties = append(sr.Properties, prevProps...)
	for _, p := range curProps {
		if p.Variant == "after" {
			sr.Properties = append(sr.Properties, p)
		}
	}
	idx := e.patchIndex(k)
	for _, c := range r.Claims {
		if c.Patch == idx {
			sr.Claims = append(sr.Claims, c)
		}
	}
	return verdict(sr, own)
}

// patchIndex is the index (as the series numbers it) of patch k, the k-th
// of the input.
func (e *evaluator) patchIndex(k int) int {
	if k-1 < len(e.in.Series.Patches) {
		return e.in.Series.Patches[k-1].Index
	}
	return k
}

type evaluator struct {
	in *EvalInput
	// explored remembers every exploration, so that the series' prefixes
	// (whose BEFORE is always the baseline, and whose AFTER often equals an
	// earlier one) are not explored again. sameCode allows reuse for a
	// program that equals an explored one with other source lines: only the
	// prefixes' verdicts are kept, never their traces.
	explored []*exploration
	sameCode bool
	// pool runs the engine calls (pool.go); mu guards explored, same and
	// byHash, which its tasks share. seq numbers the scenarios of every
	// properties call in the order one loop over them would take, round
	// counts the calls.
	pool       *pool
	gate       *memGate
	mu         sync.Mutex
	seq, round int
	// pending are the timed sets queued on the pool, by the key of measured.
	pending map[string]*measureTask
	// same and byHash: sameAs's programs, and those first seen by
	// semantics.CodeHash.
	same   map[*sim.Program]*sim.Program
	byHash map[uint64][]*sim.Program
	runs   int
	tol    float64
	// measured caches timed runs by variant and scenario key.
	measured map[string]*MeasureResult
	// entryProgs caches the programs started in each entry, so that one
	// program and entry is always the same value (explorations are reused
	// by program identity).
	entryProgs map[entryProgKey]entryProg
	// progress and claimDone, when set, pass what is decided so far on
	// to EvalInput.Partial.
	progress  func([]Property)
	claimDone func()
	// cur are the variants whose claims are being judged (for costOf).
	cur Variants
	// roots are the functions the pack's entries start in, besides the
	// programs' own boot entry.
	roots []string
	// calls are the per-function metrics ("call:F", "cpu:F") claims bind
	// to; every timed run measures them.
	calls []string
}

type entryProgKey struct {
	prog  *sim.Program
	entry string
}

type entryProg struct {
	prog *sim.Program
	err  error
}

// entryProgram is prog started in entry en, the same value every time.
func (e *evaluator) entryProgram(prog *sim.Program, en *Entry) (*sim.Program, error) {
	k := entryProgKey{prog, en.ID}
	if p, ok := e.entryProgs[k]; ok {
		return p.prog, p.err
	}
	p, err := entryProgram(prog, en)
	if e.entryProgs == nil {
		e.entryProgs = map[entryProgKey]entryProg{}
	}
	e.entryProgs[k] = entryProg{p, err}
	return p, err
}

// matrixScenarios is a safety matrix in a fixed order.
func matrixScenarios(m ScenarioMatrix) []Scenario {
	faults := m.Faults
	if len(faults) == 0 {
		faults = [][]string{{}}
	}
	loads := m.Loads
	if len(loads) == 0 {
		loads = []string{"idle"}
	}
	var out []Scenario
	for _, f := range faults {
		for _, n := range m.CPUs {
			for _, l := range loads {
				out = append(out, Scenario{CPUs: n, Load: l, Faults: append([]string{}, f...)})
			}
		}
	}
	return out
}

func inScope(r *PropertyRule, sc Scenario) bool {
	switch r.Scope {
	case "healthy":
		return len(sc.Faults) == 0
	case "faulted":
		return len(sc.Faults) > 0
	}
	return true
}

// verdictRank orders verdicts from best to worst for aggregation.
var verdictRank = map[string]int{"holds": 0, "holds-if-bounds": 1, "inconclusive": 2, "violated": 3}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkWaits evaluates a "wait" rule on every polling loop the program can
// reach from its entries: a static property of the code, the same in every
// scenario. (The model library holds functions the patched path no longer
// calls; their loops are not the path's.)
func checkWaits(r *PropertyRule, prog *sim.Program, variant string) (Property, error) {
	reach := reachable(prog)
	var waits []sim.Wait
	for _, w := range prog.Waits {
		if fi := prog.FuncIndex(locOf(prog, w.Loc).Func); fi < 0 || reach[fi] {
			waits = append(waits, w)
		}
	}
	p := Property{ID: r.ID, Severity: r.Severity, Doc: r.Doc, Variant: variant, Scenario: Scenario{Faults: []string{}},
		Verdict: "holds", NeedsExpiry: []string{}, Explored: Exploration{Mode: "exhaustive", Complete: true,
			Note: strconv.Itoa(len(waits)) + " polling loops reachable from the entries, checked statically"}}
	for _, w := range waits {
		env := &Env{Event: "wait", Outcome: "running", Wait: WaitEnv{Name: w.Name, Bound: w.Bound, Bounded: w.Expired >= 0}}
		ok, err := r.Check(env)
		if err != nil {
			return p, err
		}
		if !ok {
			p.Verdict = "violated"
			loc := locOf(prog, w.Loc)
			p.Reason = "wait " + strconv.Quote(w.Name) + " at " + loc.File + ":" + strconv.Itoa(loc.Line)
			p.Counterexample = &Counterexample{Steps: []Step{{CPU: -1, Action: "wait", File: loc.File, Line: loc.Line,
				Side: loc.Side.String(), Func: loc.Func, Text: loc.Text, Event: "wait"}}}
			break
		}
	}
	return p, nil
}

// reachable marks the functions reachable from the program's entries through
// calls and function references (which may be called indirectly).
func reachable(p *sim.Program, roots ...string) []bool {
	seen := make([]bool, len(p.Funcs))
	var work []int32
	push := func(f int32) {
		if f >= 0 && int(f) < len(seen) && !seen[f] {
			seen[f] = true
			work = append(work, f)
		}
	}
	push(p.Entry.Boot)
	push(p.Entry.Secondary)
	push(p.Entry.IRQ)
	push(p.Entry.NMI - 1) // called by the machine at construction
	for _, name := range roots {
		push(int32(p.FuncIndex(name)))
	}
	for len(work) > 0 {
		f := work[len(work)-1]
		work = work[:len(work)-1]
		for _, in := range p.Funcs[f].Code {
			if in.Op == sim.OpCall || in.Op == sim.OpFuncRef {
				push(int32(in.Imm))
			}
		}
	}
	return seen
}

func locOf(p *sim.Program, i int32) sim.Loc {
	if i < 0 || int(i) >= len(p.Locs) {
		return sim.Loc{}
	}
	return p.Locs[i]
}

func scenarioString(sc Scenario) string {
	s := strconv.Itoa(sc.CPUs) + " CPUs " + sc.Load
	if len(sc.Faults) > 0 {
		s += ", faults " + strings.Join(sc.Faults, "+")
	}
	if sc.PseudoNMI {
		s += ", pseudo-NMI"
	}
	return s
}
