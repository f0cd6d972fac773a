package rules

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/sim"
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
	props, err := e.properties(v)
	if err != nil {
		return nil, err
	}
	r.Properties = props
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
	explored []exploration
	sameCode bool
	runs     int
	tol      float64
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

// properties explores both variants in every safety scenario and returns one
// Property per rule, variant and fault set: the worst verdict over the CPU
// counts and loads, with the scenario it was found in.
func (e *evaluator) properties(v Variants) ([]Property, error) {
	var out []Property
	// What is decided so far includes the entries explored before the
	// current one: a violation found on one entry stays in every later
	// partial report.
	outer := e.progress
	defer func() { e.progress = outer }()
	for _, en := range e.in.Pack.EntryList() {
		if !definesEntry(v.Before, en) && !definesEntry(v.After, en) {
			// Neither program has the path (a program that is not built
			// from the model library): there is nothing to start.
			continue
		}
		if en.PseudoNMI && !requestsNMIs(v.Before) && !requestsNMIs(v.After) {
			// Neither program can request an IPI as an NMI (no
			// ipi_should_be_nmi(): before v6.7): the entry is its twin
			// without pseudo-NMI.
			continue
		}
		if outer != nil {
			done := slices.Clone(out)
			e.progress = func(ps []Property) { outer(append(slices.Clone(done), ps...)) }
		}
		ps, err := e.entryProperties(v, en)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// entryProperties explores the properties of entry en.
func (e *evaluator) entryProperties(v Variants, en *Entry) ([]Property, error) {
	var out []Property
	pack := e.in.Pack
	for _, variant := range []string{"before", "after"} {
		prog := v.Before
		if variant == "after" && !v.Identical {
			// An identical AFTER is explored as BEFORE: the same
			// instructions give the same verdicts, found once.
			prog = v.After
		}
		prog, progErr := e.entryProgram(prog, en)
		// Static rules: the polling loops of the program.
		for _, r := range pack.Properties {
			if r.At == "wait" && r.OnEntry(en.ID) {
				p := Property{ID: r.ID, Severity: r.Severity, Doc: r.Doc, Variant: variant, Scenario: Scenario{Faults: []string{}},
					Verdict: "inconclusive", NeedsExpiry: []string{}}
				if progErr != nil {
					p.Reason = progErr.Error()
				} else {
					var err error
					if p, err = checkWaits(r, prog, variant); err != nil {
						return nil, err
					}
				}
				p.Entry = en.ID
				out = append(out, p)
			}
		}
		var dyn []*PropertyRule
		for _, r := range pack.Properties {
			if r.At != "wait" && r.OnEntry(en.ID) {
				dyn = append(dyn, r)
			}
		}
		if len(dyn) == 0 {
			continue
		}
		type agg struct {
			p     Property
			seen  []string
			count int
		}
		groups := map[string]*agg{}
		var order []string
		// stopped: the fewest CPUs of a load and fault set whose search ran
		// out of budget; more CPUs of the same would too, so they are not
		// explored.
		stopped := map[string]int{}
		for _, sc := range e.entryScenarios(en) {
			family := sc.Load + "\x00" + strings.Join(sc.Faults, ",")
			var rules []*PropertyRule
			for _, r := range dyn {
				if inScope(r, sc) {
					rules = append(rules, r)
				}
			}
			if len(rules) == 0 {
				continue
			}
			var res []CheckResult
			if n, ok := stopped[family]; ok && n < sc.CPUs {
				res = make([]CheckResult, len(rules))
				for i := range res {
					res[i] = CheckResult{Verdict: "inconclusive", NeedsExpiry: []string{},
						Reason: fmt.Sprintf("not explored: the search with %d CPUs already ran out of its budget", n)}
				}
			} else if progErr != nil {
				res = make([]CheckResult, len(rules))
				for i := range res {
					res[i] = CheckResult{Verdict: "inconclusive", NeedsExpiry: []string{}, Reason: progErr.Error()}
				}
			} else if variant == "after" && len(v.Incomplete) > 0 {
				res = make([]CheckResult, len(rules))
				for i := range res {
					res[i] = CheckResult{Verdict: "inconclusive", Reason: "the AFTER program misses part of the series: " + listSome(v.Incomplete)}
				}
			} else {
				var err error
				res, err = e.explore(&ExploreRequest{Program: prog, Scenario: sc, AlsoBoot: en.AlsoBoot, Rules: rules, Seed: e.in.Seed, Budget: e.in.Budget})
				if err == nil && len(res) != len(rules) {
					err = fmt.Errorf("%d results for %d properties", len(res), len(rules))
				}
				if err != nil {
					// The machine cannot run this program in this scenario
					// (a structural problem of compiled patch code, say):
					// the verdicts are undecided, the evaluation goes on.
					res = make([]CheckResult, len(rules))
					for i := range res {
						res[i] = CheckResult{Verdict: "inconclusive", NeedsExpiry: []string{}, Reason: "the explorer could not run the program: " + err.Error()}
					}
				}
				for _, cr := range res {
					if cr.Verdict == "inconclusive" && cr.Explored.Mode == "exhaustive" && !cr.Explored.Complete {
						if n, ok := stopped[family]; !ok || sc.CPUs < n {
							stopped[family] = sc.CPUs
						}
						break
					}
				}
			}
			for i, r := range rules {
				key := r.ID + "\x00" + strings.Join(sc.Faults, ",")
				g, ok := groups[key]
				cr := res[i]
				note := fmt.Sprintf("%d CPUs %s: %s", sc.CPUs, sc.Load, cr.Verdict)
				if !ok {
					g = &agg{p: Property{ID: r.ID, Entry: en.ID, Severity: r.Severity, Doc: r.Doc, Variant: variant, Scenario: sc,
						Verdict: cr.Verdict, NeedsExpiry: nonNil(cr.NeedsExpiry), CertainExpiry: cr.CertainExpiry, Counterexample: cr.Counterexample,
						Explored: cr.Explored, Reason: cr.Reason}}
					groups[key] = g
					order = append(order, key)
				} else if verdictRank[cr.Verdict] > verdictRank[g.p.Verdict] {
					g.p.Scenario, g.p.Verdict, g.p.NeedsExpiry, g.p.CertainExpiry = sc, cr.Verdict, nonNil(cr.NeedsExpiry), cr.CertainExpiry
					g.p.Counterexample, g.p.Explored, g.p.Reason = cr.Counterexample, cr.Explored, cr.Reason
				}
				g.seen = append(g.seen, note)
			}
			if e.progress != nil {
				so := slices.Clone(out)
				for _, k := range order {
					so = append(so, groups[k].p)
				}
				e.progress(so)
			}
		}
		for _, k := range order {
			g := groups[k]
			if len(g.seen) > 1 {
				g.p.Explored.Note = joinNote(g.p.Explored.Note, "checked in "+strings.Join(g.seen, ", ")+"; the worst is shown")
			}
			out = append(out, g.p)
		}
	}
	return out, nil
}

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

// metricsFor lists the metrics the timed engine is asked for: the pack's,
// without derived ones.
func (e *evaluator) engineMetrics() []string {
	var out []string
	for _, m := range e.in.Pack.Metrics {
		if m.Name != "cpu_offline" {
			out = append(out, m.Name)
		}
	}
	return append(out, e.calls...)
}

func (e *evaluator) measure(variant string, prog *sim.Program, sc Scenario) (*MeasureResult, error) {
	sc.PseudoNMI = sc.PseudoNMI || e.in.PseudoNMI
	key := variant + "|" + scenarioString(sc)
	if mr, ok := e.measured[key]; ok {
		if mr.failed != nil {
			return nil, mr.failed
		}
		return mr, nil
	}
	mr, err := e.in.Engines.Measure(&MeasureRequest{Program: prog, Scenario: sc, Metrics: e.engineMetrics(),
		Profile: e.in.Profile, Seed: e.in.Seed, Runs: e.runs, Budget: e.in.Budget})
	if err != nil {
		// Reported per claim as not evaluated, with the reason.
		na := &noAnswer{"the timed engine could not run the program: " + err.Error()}
		if e.measured == nil {
			e.measured = map[string]*MeasureResult{}
		}
		e.measured[key] = &MeasureResult{failed: na}
		return nil, na
	}
	if e.measured == nil {
		e.measured = map[string]*MeasureResult{}
	}
	e.measured[key] = mr
	return mr, nil
}

func (e *evaluator) source(sc Scenario) string {
	p := "builtin"
	if e.in.Profile != nil {
		p = e.in.Profile.Name
	}
	return fmt.Sprintf("simulation: %s, seed %d, %d runs, profile %s", scenarioString(sc), e.in.Seed, e.runs, p)
}

// metric returns the distribution of name for variant in sc; cpu_offline is
// machine_shutdown divided by the secondaries stopped.
func (e *evaluator) metric(v Variants, variant, name string, sc Scenario) (*Distribution, error) {
	prog := v.Before
	if variant == "after" {
		prog = v.After
	}
	mvariant := variant
	if v.Identical {
		// the same instructions: one set of runs answers for both
		prog, mvariant = v.Before, "before"
	}
	prog, mvariant = e.claimMeasure(v, mvariant, name, prog)
	mr, err := e.measure(mvariant, prog, sc)
	if err != nil {
		return nil, err
	}
	base := name
	if name == "cpu_offline" {
		base = "machine_shutdown"
	}
	d, ok := mr.Metrics[base]
	if !ok {
		return nil, nil
	}
	if mr.Inconclusive*2 > d.Runs {
		// Most runs gave no answer: no distribution to compare with.
		return nil, &noAnswer{fmt.Sprintf("%d of %d timed runs gave no answer (%s)", mr.Inconclusive, d.Runs, listSome(mr.Outcomes))}
	}
	if name == "cpu_offline" {
		d = scale(d, sc.CPUs-1)
	}
	return &d, nil
}

// costOf is where the median of metric name of variant in sc goes, from
// the runs metric measured (cpu_offline is machine_shutdown's breakdown).
func (e *evaluator) costOf(v Variants, variant, name string, sc Scenario) []CostShare {
	mvariant := variant
	if v.Identical {
		mvariant = "before"
	}
	_, mvariant = e.claimMeasure(v, mvariant, name, nil)
	mr, ok := e.measured[mvariant+"|"+scenarioString(sc)]
	if !ok || mr.failed != nil {
		return nil
	}
	if name == "cpu_offline" {
		name = "machine_shutdown"
	}
	return mr.Costs[name]
}

// metricOrWhy is metric with a metric the engine could not measure turned
// into a nil distribution and the reason.
func (e *evaluator) metricOrWhy(v Variants, variant, name string, sc Scenario) (*Distribution, string, error) {
	d, err := e.metric(v, variant, name, sc)
	var na *noAnswer
	if errors.As(err, &na) {
		return nil, na.why, nil
	}
	return d, "", err
}

func (e *evaluator) claims(r *Report, v Variants) error {
	seen := map[string]bool{}
	e.cur = v
	for i := range r.Claims {
		c := &r.Claims[i]
		if len(v.NotApplied) > 0 {
			// Nothing of such a patch is executed, whatever the claim.
			c.Verdict, c.Reason = "not-evaluated", listSome(v.NotApplied)
			continue
		}
		if c.Verdict != "" {
			continue
		}
		sc := c.Scenario
		c.Source = e.source(sc) + e.claimSource(v, c.Metric)
		if c.Variant == "after" && len(v.Incomplete) > 0 || c.Variant == "change" && len(v.Incomplete) > 0 {
			c.Verdict, c.Reason = "not-evaluated", "the AFTER program misses part of the series: "+listSome(v.Incomplete)
			continue
		}
		var err error
		switch c.Variant {
		case "change":
			var b, a *Distribution
			var whyB, whyA string
			if b, whyB, err = e.metricOrWhy(v, "before", c.Metric, sc); err != nil {
				return err
			}
			if a, whyA, err = e.metricOrWhy(v, "after", c.Metric, sc); err != nil {
				return err
			}
			c.Predicted = a
			c.Cost = e.costOf(v, "after", c.Metric, sc)
			c.Verdict, c.Reason, _, _ = judgeSpeedup(c.Claimed, b, a, e.tol)
			if why := whyB + whyA; why != "" {
				c.Verdict, c.Reason = "not-evaluated", why
			}
			e.record(r, seen, "before", c.Metric, sc, b)
			e.record(r, seen, "after", c.Metric, sc, a)
		default:
			d, why, err := e.metricOrWhy(v, c.Variant, c.Metric, sc)
			if err != nil {
				return err
			}
			c.Predicted = d
			if d != nil {
				c.Cost = e.costOf(v, c.Variant, c.Metric, sc)
			}
			c.Verdict, c.Reason = judge(c.Claimed, d, e.tol)
			if strings.HasPrefix(c.Metric, "call:") {
				// a per-call distribution pools the calls of every run
				c.Reason = strings.ReplaceAll(c.Reason, " runs", " calls")
			}
			if why != "" {
				c.Verdict, c.Reason = "not-evaluated", why
			}
			if c.Claimed.PerCPU {
				c.Reason += fmt.Sprintf(" (per CPU: machine_shutdown divided by the %d secondaries stopped)", sc.CPUs-1)
			}
			e.record(r, seen, c.Variant, c.Metric, sc, d)
		}
		if v.Identical {
			c.Reason += "; the patch does not change the modelled behaviour: AFTER runs the same instructions as BEFORE, so a claimed change is judged against the unchanged program"
		}
		for j := range c.Also {
			a := &c.Also[j]
			variant := c.Variant
			if variant == "change" {
				variant = "after"
			}
			d, why, err := e.metricOrWhy(v, variant, a.Metric, sc)
			if err != nil {
				return err
			}
			a.Predicted = d
			if why != "" {
				a.Why += " (not measured: " + why + ")"
			}
			if d != nil && d.Runs > 0 && (c.Verdict == "consistent" || c.Verdict == "inconsistent") {
				lo, hi := effective(d)
				c.Reason += "; " + a.Metric + " p5-p95 " + span(lo, hi)
				if d.Never > 0 {
					c.Reason += fmt.Sprintf(" (never reached in %d of %d runs)", d.Never, d.Runs)
				}
			}
			e.record(r, seen, variant, a.Metric, sc, d)
		}
		if c.Predicted == nil && c.Verdict != "unsupported" && c.Verdict != "not-evaluated" {
			c.Verdict, c.Reason = "not-evaluated", "the timed engine does not measure "+c.Metric
		}
		if e.claimDone != nil {
			e.claimDone()
		}
	}
	if !e.in.Plots {
		return nil
	}
	// Timing matrix of the pack, for both variants: only the HTML report's
	// plots draw it, and it is most of the timed engine's work (16 scenarios
	// of the default pack against the claims' few), so it is computed only
	// when an output draws it (EvalInput.Plots).
	loads := e.in.Pack.Scenarios.TimingLoads
	if len(loads) == 0 {
		loads = []string{"idle"}
	}
	for _, n := range e.in.Pack.Scenarios.TimingCPUs {
		for _, l := range loads {
			sc := Scenario{CPUs: n, Load: l, Faults: []string{}}
			for _, variant := range []string{"before", "after"} {
				for _, name := range []string{"machine_shutdown", "secondaries_off"} {
					d, _, err := e.metricOrWhy(v, variant, name, sc)
					if err != nil {
						return err
					}
					e.record(r, seen, variant, name, sc, d)
				}
			}
		}
	}
	// One timeline per variant for the first claim's scenario (or the
	// largest timing scenario) first, then for every scenario of the timing
	// matrix, so that the pictures can show each. The timed runs are those
	// measured above (measure caches them): no run is added for this.
	var tscs []Scenario
	for i := range r.Claims {
		if r.Claims[i].Metric != "" {
			tscs = append(tscs, r.Claims[i].Scenario)
			break
		}
	}
	if len(tscs) == 0 && len(e.in.Pack.Scenarios.TimingCPUs) > 0 {
		tscs = append(tscs, Scenario{CPUs: slices.Max(e.in.Pack.Scenarios.TimingCPUs), Load: "idle", Faults: []string{}})
	}
	for _, n := range e.in.Pack.Scenarios.TimingCPUs {
		for _, l := range loads {
			sc := Scenario{CPUs: n, Load: l, Faults: []string{}}
			if !slices.ContainsFunc(tscs, func(t Scenario) bool { return scenarioString(t) == scenarioString(sc) }) {
				tscs = append(tscs, sc)
			}
		}
	}
	for i := range tscs {
		tsc := &tscs[i]
		for _, variant := range []string{"before", "after"} {
			prog := v.Before
			if variant == "after" {
				prog = v.After
			}
			mr, err := e.measure(variant, prog, *tsc)
			var na *noAnswer
			if errors.As(err, &na) {
				continue
			}
			if err != nil {
				return err
			}
			if mr.Timeline != nil {
				t := *mr.Timeline
				t.Variant, t.Scenario = variant, *tsc
				r.Timelines = append(r.Timelines, t)
			}
		}
	}
	e.entryTimelines(r, v)
	return nil
}

// record adds a metric to the report once.
func (e *evaluator) record(r *Report, seen map[string]bool, variant, name string, sc Scenario, d *Distribution) {
	if d == nil {
		return
	}
	key := variant + "|" + name + "|" + scenarioString(sc)
	if seen[key] {
		return
	}
	seen[key] = true
	r.Metrics = append(r.Metrics, Metric{Name: name, Variant: variant, Scenario: sc, Value: d,
		Cost: e.costOf(e.cur, variant, name, sc), Source: e.source(sc)})
}

// findings turns verdicts into what a reviewer reads. A property the AFTER
// program breaks in a scenario where BEFORE did not is the patch's doing and
// carries the rule's severity; one BEFORE breaks too is reported as a note.
func (e *evaluator) findings(r *Report, prefixes [][]Property) []Finding {
	var out []Finding
	before := map[string]Property{}
	for _, p := range r.Properties {
		if p.Variant == "before" {
			before[propertyKey(p)] = p
		}
	}
	// scenarioRef copies a scenario for a finding to point at.
	scenarioRef := func(sc Scenario) *Scenario { return &sc }
	// One finding per property and kind: the first scenario (fault-free
	// first) carries the message and location, the other fault sets are
	// listed.
	type group struct {
		f     Finding
		where []string
	}
	var groups []*group
	index := map[string]*group{}
	add := func(key string, f Finding, where string) {
		if g, ok := index[key]; ok {
			g.where = append(g.where, where)
			return
		}
		g := &group{f: f, where: []string{where}}
		index[key] = g
		groups = append(groups, g)
	}
	for _, p := range r.Properties {
		if p.Variant != "after" {
			continue
		}
		rule := e.in.Pack.Property(p.ID)
		b, hasB := before[propertyKey(p)]
		where := scenarioString(p.Scenario)
		if p.Scenario.CPUs == 0 {
			where = "the program text"
		}
		where = entryName(p.Entry) + where
		// The first patch whose prefix shows the verdict, and its
		// counterexample there.
		at := func(verdicts ...string) *Location {
			k, q := firstPrefix(prefixes, propertyKey(p), verdicts...)
			if q == nil {
				return e.location(p.Counterexample)
			}
			return e.blame(q.Counterexample, e.patchIndex(k))
		}
		switch {
		case p.Verdict == "violated" && hasB && b.Verdict == "violated":
			add(p.ID+"\x00old", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "note", Property: p.ID,
				Message:  fmt.Sprintf("%s, before the patch as well: %s", rule.Message, p.Reason),
				Location: at("violated")}, where)
		case p.Verdict == "violated":
			add(p.ID+"\x00new", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: severity(rule.Severity), Property: p.ID,
				Message:  fmt.Sprintf("After the patch, %s.%s", rule.Message, beforeNote(b, hasB)),
				Location: at("violated")}, where)
		case p.Verdict == "holds-if-bounds" && hasB && b.Verdict == "holds":
			add(p.ID+"\x00bounds", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "warning", Property: p.ID,
				Message: fmt.Sprintf("After the patch, %s once a bounded wait expires (waits: %s); before the patch it held regardless.",
					rule.Message, strings.Join(p.NeedsExpiry, "; ")),
				Location: at("holds-if-bounds", "violated")}, where)
		case p.Verdict == "inconclusive":
			add(p.ID+"\x00undecided", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "note", Property: p.ID,
				Message: fmt.Sprintf("%s could not be decided after the patch: %s", p.ID, p.Reason)}, where)
		}
	}
	for _, g := range groups {
		g.f.Message += " Found in: " + strings.Join(g.where, "; ") + "."
		out = append(out, g.f)
	}
	for _, c := range r.Claims {
		if c.Verdict == "inconsistent" {
			msg := fmt.Sprintf("Claim %s %q (%s, %s) is not consistent with the model: %s.",
				c.ID, c.Text, c.Variant, scenarioString(c.Scenario), c.Reason)
			if len(c.Cost) > 0 {
				var parts []string
				for i, s := range c.Cost {
					if i == 4 {
						break
					}
					parts = append(parts, fmt.Sprintf("%s %.1f%%", s.What, s.Share*100))
				}
				msg += " The predicted median goes to " + strings.Join(parts, ", ") + "."
			}
			out = append(out, Finding{ID: "claim.inconsistent", Severity: "warning", Claim: c.ID,
				Message: msg + " Source: " + c.Source + "."})
		}
	}
	return out
}

func beforeNote(b Property, ok bool) string {
	if !ok {
		return ""
	}
	return " Before the patch: " + b.Verdict + "."
}

func severity(s string) string {
	if s == "info" {
		return "note"
	}
	return s
}

// location points a finding at the last post-image line of the
// counterexample (the patch's code the trace went through last), else its
// last step.
func (e *evaluator) location(cx *Counterexample) *Location {
	if cx == nil || len(cx.Steps) == 0 {
		return nil
	}
	pick := -1
	for i, s := range cx.Steps {
		if s.Side == "post" {
			pick = i
		}
	}
	if pick < 0 {
		return nil
	}
	s := cx.Steps[pick]
	return &Location{Patch: e.patchOf(s.File), File: s.File, Line: s.Line, Side: s.Side}
}

// patchOf is the last patch of the series that touches file: post-image
// lines are those of the series' final image.
func (e *evaluator) patchOf(file string) int {
	n := 0
	for _, p := range e.in.Series.Patches {
		for _, f := range p.Files {
			if f.NewName == file || f.OldName == file {
				n = p.Index
			}
		}
	}
	return n
}

// verdict is the overall verdict: fail when the AFTER program breaks an
// error-severity property that BEFORE kept in the same fault set, or a claim
// is inconsistent; inconclusive when nothing failed but an AFTER property or
// a bound claim could not be decided; pass otherwise.
func verdict(r *Report, v Variants) (string, string) {
	before := map[string]string{}
	for _, p := range r.Properties {
		if p.Variant == "before" {
			before[propertyKey(p)] = p.Verdict
		}
	}
	var violated, undecided []string
	where := map[string][]string{}
	for _, p := range r.Properties {
		if p.Variant != "after" {
			continue
		}
		switch {
		case p.Verdict == "violated" && p.Severity == "error" && before[propertyKey(p)] != "violated":
			if where[p.ID] == nil {
				violated = append(violated, p.ID)
			}
			f := strings.Join(p.Scenario.Faults, "+")
			if f == "" {
				f = "healthy"
			}
			f = entryName(p.Entry) + f
			where[p.ID] = append(where[p.ID], f)
		case p.Verdict == "inconclusive":
			undecided = append(undecided, p.ID)
		}
	}
	for i, id := range violated {
		violated[i] = id + " (" + strings.Join(where[id], ", ") + ")"
	}
	counts := map[string]int{}
	for _, c := range r.Claims {
		counts[c.Verdict]++
	}
	var parts []string
	if len(violated) > 0 {
		parts = append(parts, "violated after the patch: "+strings.Join(violated, ", "))
	}
	if len(undecided) > 0 {
		parts = append(parts, "undecided: "+strings.Join(dedup(undecided), ", "))
	}
	if len(r.Claims) > 0 {
		var cs []string
		for _, k := range []string{"consistent", "inconsistent", "unsupported", "not-evaluated"} {
			if counts[k] > 0 {
				cs = append(cs, fmt.Sprintf("%d %s", counts[k], k))
			}
		}
		parts = append(parts, "claims: "+strings.Join(cs, ", "))
	}
	if !v.Covered && !v.OnPath {
		return "inconclusive", "no modelled function changed; nothing was executed"
	}
	if v.Unreached {
		parts = append([]string{"the patch changes code no modelled scenario runs"}, parts...)
	} else if v.Identical {
		parts = append([]string{"the patch does not change the modelled behaviour"}, parts...)
	}
	if len(v.NotApplied) > 0 {
		parts = append([]string{listSome(v.NotApplied)}, parts...)
	}
	sum := strings.Join(parts, "; ")
	switch {
	case len(violated) > 0 || counts["inconsistent"] > 0:
		return "fail", sum
	case len(undecided) > 0 || len(v.Incomplete) > 0 || len(v.NotApplied) > 0 || counts["not-evaluated"] > 0 || v.Unreached:
		return "inconclusive", sum
	}
	if sum == "" {
		sum = "every property holds"
		// Violations the baseline has too are notes, not the patch's:
		// saying every property holds would hide them.
		kept := map[string]bool{}
		for _, p := range r.Properties {
			if p.Variant == "after" && p.Verdict == "violated" && before[propertyKey(p)] == "violated" {
				kept[p.ID] = true
			}
		}
		if len(kept) > 0 {
			sum = fmt.Sprintf("the patch violates no property; violated before it as well: %s (see the notes)",
				strings.Join(slices.Sorted(maps.Keys(kept)), ", "))
		}
	}
	return "pass", sum
}

// noAnswer is a metric the timed engine could not measure, with why.
type noAnswer struct{ why string }

func (e *noAnswer) Error() string { return e.why }

// listSome joins the first few items of a long list.
func listSome(items []string) string {
	const max = 3
	if len(items) <= max {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:max], "; ") + fmt.Sprintf("; and %d more", len(items)-max)
}

func dedup(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// ExitCode maps an overall verdict to the command's exit status.
func ExitCode(verdict string) int {
	switch verdict {
	case "pass":
		return 0
	case "fail":
		return 1
	}
	return 3
}

// exploration is one explorer call and its results.
type exploration struct {
	req *ExploreRequest
	key string
	// anyLoad is key without the load, set when every result is LoadFree:
	// the exploration stands for the request under every load.
	anyLoad string
	res     []CheckResult
}

// explore runs the explorer, or returns the results of an earlier identical
// request: the same program (the same value, or with sameCode the same code),
// scenario, rules, seed and budget.
func (e *evaluator) explore(req *ExploreRequest) ([]CheckResult, error) {
	ids := make([]string, len(req.Rules))
	for i, r := range req.Rules {
		ids[i] = r.ID
	}
	keyOf := func(sc Scenario) string {
		return fmt.Sprintf("%s|%d|%d|%s|%d|%+v", scenarioString(sc), sc.CPUs, req.AlsoBoot, strings.Join(ids, ","), req.Seed, req.Budget)
	}
	key := keyOf(req.Scenario)
	anyScenario := req.Scenario
	anyScenario.Load = "*"
	anyLoad := keyOf(anyScenario)
	for _, x := range e.explored {
		if (x.key == key || x.anyLoad == anyLoad) && (x.req.Program == req.Program || e.sameCode && semantics.SameProgram(x.req.Program, req.Program)) {
			return x.res, nil
		}
	}
	res, err := e.in.Engines.Explore(req)
	if err != nil {
		return nil, err
	}
	x := exploration{req: req, key: key, res: res}
	if len(res) > 0 && !slices.ContainsFunc(res, func(r CheckResult) bool { return !r.LoadFree }) {
		x.anyLoad = anyLoad
	}
	e.explored = append(e.explored, x)
	return res, nil
}
