package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/sim"
)

// The properties side of Evaluate: every entry, variant and safety scenario
// explored on the pool (pool.go), and the results merged in the matrix's
// order.
//
// A plan (one entry and variant) lists its scenarios in the order of the
// safety matrix. The scenarios of one fault set form a chain, decided by one
// task in that order, because two decisions depend on the scenarios before
// them: a search that ran out of its budget stops the larger CPU counts of
// its load and fault set, and a busy scenario reuses the idle exploration of
// the same CPU count when that one never depended on the load. Chains share
// nothing else, so they run at once. The merge reads the scenarios back in
// the plan's order, whichever chain finished first, and aggregates exactly
// as one loop over them would.

// propertyRun is one call of properties: its plans and what tells the
// merge that a scenario was decided.
type propertyRun struct {
	plans   []*propertyPlan
	chains  []*chain
	changed chan struct{} // a scenario was decided (capacity 1)
}

// propertyPlan is one entry and variant: its static rows (polling loops,
// checked on the program text) and its scenarios in the matrix's order.
type propertyPlan struct {
	en      *Entry
	variant string
	static  []Property
	slots   []*scenarioSlot
}

// scenarioSlot is one scenario of a plan: the rules in scope there and,
// once done is closed, their results.
type scenarioSlot struct {
	sc    Scenario
	rules []*PropertyRule
	seq   int // the scenario's place in the order of one loop over every plan
	done  chan struct{}
	res   []CheckResult
}

// chain is the scenarios of one plan and fault set, decided in order by
// one task.
type chain struct {
	prog     *sim.Program
	progErr  error
	missing  []string // why AFTER misses part of the series (AFTER only)
	alsoBoot int
	slots    []*scenarioSlot
}

// identity is what decides a chain's results: two plans with the same
// (an identical AFTER explored as BEFORE) share one chain.
func (c *chain) identity() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%p|%d|%d", c.prog, c.alsoBoot, len(c.missing))
	if c.progErr != nil {
		b.WriteString("|" + c.progErr.Error())
	}
	for _, s := range c.slots {
		b.WriteString("|" + scenarioString(s.sc) + ":")
		for _, r := range s.rules {
			b.WriteString(r.ID + ",")
		}
	}
	return b.String()
}

// properties explores both variants in every safety scenario and returns one
// Property per rule, variant and fault set: the worst verdict over the CPU
// counts and loads, with the scenario it was found in.
func (e *evaluator) properties(v Variants) ([]Property, error) {
	run, err := e.planProperties(v)
	if err != nil {
		return nil, err
	}
	return e.collect(run), nil
}

// planProperties lays out the plans of v and queues their chains.
func (e *evaluator) planProperties(v Variants) (*propertyRun, error) {
	e.round++
	run := &propertyRun{changed: make(chan struct{}, 1)}
	shared := map[string]*chain{}
	pack := e.in.Pack
	for _, en := range pack.EntryList() {
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
		for _, variant := range []string{"before", "after"} {
			prog := v.Before
			if variant == "after" && !v.Identical {
				// An identical AFTER is explored as BEFORE: the same
				// instructions give the same verdicts, found once.
				prog = v.After
			}
			prog, progErr := e.entryProgram(prog, en)
			plan := &propertyPlan{en: en, variant: variant}
			run.plans = append(run.plans, plan)
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
					plan.static = append(plan.static, p)
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
			chains := map[string]*chain{}
			var order []string
			for _, sc := range e.entryScenarios(en) {
				var rules []*PropertyRule
				for _, r := range dyn {
					if inScope(r, sc) {
						rules = append(rules, r)
					}
				}
				if len(rules) == 0 {
					continue
				}
				fk := strings.Join(sc.Faults, ",")
				c, ok := chains[fk]
				if !ok {
					c = &chain{prog: prog, progErr: progErr, alsoBoot: en.AlsoBoot}
					if variant == "after" {
						c.missing = v.Incomplete
					}
					chains[fk] = c
					order = append(order, fk)
				}
				s := &scenarioSlot{sc: sc, rules: rules, seq: e.seq, done: make(chan struct{})}
				e.seq++
				c.slots = append(c.slots, s)
				plan.slots = append(plan.slots, s)
			}
			for _, fk := range order {
				c := chains[fk]
				id := c.identity()
				o, ok := shared[id]
				if !ok {
					shared[id] = c
					run.chains = append(run.chains, c)
					continue
				}
				// The same chain as an earlier plan's: its scenarios
				// stand for these.
				for i, s := range plan.slots {
					if j := slices.Index(c.slots, s); j >= 0 {
						plan.slots[i] = o.slots[j]
					}
				}
			}
		}
	}
	for _, c := range run.chains {
		e.pool.submit(func() { e.runChain(c, run.changed) })
	}
	return run, nil
}

// runChain decides the scenarios of c in order.
func (e *evaluator) runChain(c *chain, changed chan<- struct{}) {
	// stopped: the fewest CPUs of a load whose search ran out of budget;
	// more CPUs of the same would too, so they are not explored.
	stopped := map[string]int{}
	for _, s := range c.slots {
		s.res = e.decide(c, s, stopped)
		close(s.done)
		select {
		case changed <- struct{}{}:
		default:
		}
	}
}

// decide is the results of the rules of s.
func (e *evaluator) decide(c *chain, s *scenarioSlot, stopped map[string]int) []CheckResult {
	sc, rules := s.sc, s.rules
	undecided := func(why string, needs []string) []CheckResult {
		res := make([]CheckResult, len(rules))
		for i := range res {
			res[i] = CheckResult{Verdict: "inconclusive", NeedsExpiry: needs, Reason: why}
		}
		return res
	}
	if n, ok := stopped[sc.Load]; ok && n < sc.CPUs {
		return undecided(fmt.Sprintf("not explored: the search with %d CPUs already ran out of its budget", n), []string{})
	}
	if c.progErr != nil {
		return undecided(c.progErr.Error(), []string{})
	}
	if len(c.missing) > 0 {
		return undecided("the AFTER program misses part of the series: "+listSome(c.missing), nil)
	}
	res, err := e.explore(&ExploreRequest{Program: c.prog, Scenario: sc, AlsoBoot: c.alsoBoot, Rules: rules, Seed: e.in.Seed, Budget: e.in.Budget}, s.seq)
	if err == nil && len(res) != len(rules) {
		err = fmt.Errorf("%d results for %d properties", len(res), len(rules))
	}
	if err != nil {
		// The machine cannot run this program in this scenario (a
		// structural problem of compiled patch code, say): the verdicts
		// are undecided, the evaluation goes on.
		return undecided("the explorer could not run the program: "+err.Error(), []string{})
	}
	for _, cr := range res {
		if cr.Verdict == "inconclusive" && cr.Explored.Mode == "exhaustive" && !cr.Explored.Complete {
			if n, ok := stopped[sc.Load]; !ok || sc.CPUs < n {
				stopped[sc.Load] = sc.CPUs
			}
			break
		}
	}
	return res
}

// collect waits for the scenarios of run and merges them. While it waits,
// each newly decided scenario hands what is decided so far to e.progress:
// every decided scenario, in the merge's order, whichever finished first,
// so that a violation found is in every later partial report.
func (e *evaluator) collect(run *propertyRun) []Property {
	total, reported := 0, 0
	for _, p := range run.plans {
		total += len(p.slots)
	}
	for {
		n := 0
		for _, p := range run.plans {
			for _, s := range p.slots {
				if isDone(s) {
					n++
				}
			}
		}
		if n == total {
			break
		}
		if n > reported && e.progress != nil {
			e.progress(merge(run, true))
			reported = n
		}
		<-run.changed
	}
	// Every exploration of this call has ended: the next calls look
	// among them in the order one loop would have made them.
	e.mu.Lock()
	sort.SliceStable(e.explored, func(i, j int) bool { return e.explored[i].seq < e.explored[j].seq })
	e.mu.Unlock()
	return merge(run, false)
}

func isDone(s *scenarioSlot) bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// merge is the report's rows of run, plan by plan; with partial, the
// scenarios not decided yet are left out.
func merge(run *propertyRun, partial bool) []Property {
	var out []Property
	for _, plan := range run.plans {
		out = append(out, plan.static...)
		type agg struct {
			p    Property
			seen []string
		}
		groups := map[string]*agg{}
		var order []string
		for _, s := range plan.slots {
			if partial && !isDone(s) {
				continue
			}
			sc := s.sc
			for i, r := range s.rules {
				key := r.ID + "\x00" + strings.Join(sc.Faults, ",")
				g, ok := groups[key]
				cr := s.res[i]
				note := fmt.Sprintf("%d CPUs %s: %s", sc.CPUs, sc.Load, cr.Verdict)
				if !ok {
					g = &agg{p: Property{ID: r.ID, Entry: plan.en.ID, Severity: r.Severity, Doc: r.Doc, Variant: plan.variant, Scenario: sc,
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
		}
		for _, k := range order {
			g := groups[k]
			if len(g.seen) > 1 {
				g.p.Explored.Note = joinNote(g.p.Explored.Note, "checked in "+strings.Join(g.seen, ", ")+"; the worst is shown")
			}
			out = append(out, g.p)
		}
	}
	return out
}

// sameAs returns the first program seen that semantics.SameProgram calls
// the same as p (p itself when it is the first), so that programs are
// compared in full once each: a series' prefixes ask for every entry and
// scenario whether an equal program was explored. The caller holds e.mu.
func (e *evaluator) sameAs(p *sim.Program) *sim.Program {
	if q, ok := e.same[p]; ok {
		return q
	}
	if e.same == nil {
		e.same, e.byHash = map[*sim.Program]*sim.Program{}, map[uint64][]*sim.Program{}
	}
	h := semantics.CodeHash(p)
	q := p
	for _, r := range e.byHash[h] {
		if semantics.SameProgram(r, p) {
			q = r
			break
		}
	}
	if q == p {
		e.byHash[h] = append(e.byHash[h], p)
	}
	e.same[p] = q
	return q
}

// exploration is one explorer call and its results.
type exploration struct {
	req *ExploreRequest
	key string
	// anyLoad is key without the load, set when every result is LoadFree:
	// the exploration stands for the request under every load. loadKey is
	// key without the load, for a request of another load to wait for it.
	anyLoad, loadKey string
	// seq is the place, in the order of one loop over every scenario, of
	// the first scenario this exploration answers; call is the properties
	// call it was made in.
	seq, call int
	done      chan struct{} // closed when res and err are set
	res       []CheckResult
	err       error
}

// explore runs the explorer, or returns the results of an earlier identical
// request: the same program (the same value, or with sameCode the same code),
// scenario, rules, seed and budget. The chains call it at once; e.mu guards
// e.explored. A request the same as one still running waits for it.
//
// Which earlier exploration answers a request does not depend on timing:
// one of the same program gives the results the request's own would (the
// explorer is deterministic, and a load-free exploration is the other
// load's step for step), and one of other source lines (sameCode, for the
// series' prefixes) is looked for only among the explorations of earlier
// calls, all finished, in the order one loop would have made them (seq).
func (e *evaluator) explore(req *ExploreRequest, seq int) ([]CheckResult, error) {
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
	e.mu.Lock()
	for {
		// explored holds the earlier calls' explorations first, in seq
		// order (collect sorts them), then this call's: the first match
		// found is the one one loop would have found.
		var best, wait *exploration
		for _, x := range e.explored {
			if x.loadKey != anyLoad {
				continue // another scenario, rule set, seed or budget
			}
			if x.req.Program != req.Program && (!e.sameCode || x.call == e.round || e.sameAs(x.req.Program) != e.sameAs(req.Program)) {
				continue
			}
			select {
			case <-x.done:
				if x.err == nil && (x.key == key || x.anyLoad == anyLoad) {
					best = x
				}
			default:
				if wait == nil {
					wait = x
				}
			}
			if best != nil {
				break
			}
		}
		if best != nil {
			best.seq = min(best.seq, seq)
			e.mu.Unlock()
			return best.res, nil
		}
		if wait == nil {
			break
		}
		e.mu.Unlock()
		<-wait.done
		e.mu.Lock()
	}
	x := &exploration{req: req, key: key, loadKey: anyLoad, seq: seq, call: e.round, done: make(chan struct{})}
	e.explored = append(e.explored, x)
	e.mu.Unlock()
	if g := e.gate; g != nil {
		g.enter(seq)
		req.Pause = func() { g.wait(seq) }
	}
	res, err := e.in.Engines.Explore(req)
	if e.gate != nil {
		e.gate.leave(seq)
	}
	e.mu.Lock()
	x.res, x.err = res, err
	if err == nil && len(res) > 0 && !slices.ContainsFunc(res, func(r CheckResult) bool { return !r.LoadFree }) {
		x.anyLoad = anyLoad
	}
	close(x.done)
	e.mu.Unlock()
	return res, err
}
