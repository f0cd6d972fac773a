package rules

// The claims side of Evaluate: what the timed engine is asked to measure,
// and each claim judged against its metric.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// engineMetrics lists the metrics the timed engine is asked for: the pack's,
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

// measureRequest is the timed set of variant's prog in sc, and its key in
// measured.
func (e *evaluator) measureRequest(variant string, prog *sim.Program, sc Scenario) (*MeasureRequest, string) {
	sc = e.measuredScenario(sc)
	return &MeasureRequest{Program: prog, Scenario: sc, Metrics: e.engineMetrics(),
		Profile: e.in.Profile, Seed: e.in.Seed, Runs: e.runs, Budget: e.in.Budget}, variant + "|" + scenarioString(sc)
}

// measuredScenario is sc as the timed engine runs it: with pseudo-NMI
// when the whole run has it on (--pseudo-nmi).
func (e *evaluator) measuredScenario(sc Scenario) Scenario {
	sc.PseudoNMI = sc.PseudoNMI || e.in.PseudoNMI
	return sc
}

// queueMeasure queues the timed set of variant's prog in sc on the pool,
// unless it is measured or queued already. The set's runs draw from the
// streams of the seed and their index (sim/timed), so the set is the same
// whenever it runs.
func (e *evaluator) queueMeasure(variant string, prog *sim.Program, sc Scenario) {
	req, key := e.measureRequest(variant, prog, sc)
	if _, ok := e.measured[key]; ok {
		return
	}
	if _, ok := e.pending[key]; ok {
		return
	}
	if e.pending == nil {
		e.pending = map[string]*measureTask{}
	}
	t := &measureTask{done: make(chan struct{})}
	e.pending[key] = t
	eng := e.in.Engines
	e.pool.submit(func() {
		t.mr, t.err = eng.Measure(req)
		close(t.done)
	})
}

func (e *evaluator) measure(variant string, prog *sim.Program, sc Scenario) (*MeasureResult, error) {
	req, key := e.measureRequest(variant, prog, sc)
	if mr, ok := e.measured[key]; ok {
		if mr.failed != nil {
			return nil, mr.failed
		}
		return mr, nil
	}
	var mr *MeasureResult
	var err error
	if t, ok := e.pending[key]; ok {
		<-t.done
		mr, err = t.mr, t.err
		delete(e.pending, key)
	} else {
		mr, err = e.in.Engines.Measure(req)
	}
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
	prog, mvariant := e.measureTarget(v, variant, name)
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

// measureTarget is the program metric name of variant is measured on, and
// the variant it is cached under.
func (e *evaluator) measureTarget(v Variants, variant, name string) (*sim.Program, string) {
	prog := v.Before
	if variant == "after" {
		prog = v.After
	}
	mvariant := variant
	if v.Identical {
		// the same instructions: one set of runs answers for both
		prog, mvariant = v.Before, "before"
	}
	return e.claimMeasure(v, mvariant, name, prog)
}

// prefetch queues every timed set claims will read (and, with Plots, the
// timing matrix and the timelines' sets): the same requests, in the same
// order, as claims makes them, skipping the claims it skips.
func (e *evaluator) prefetch(r *Report, v Variants) {
	if len(v.NotApplied) > 0 {
		return
	}
	want := func(variant, name string, sc Scenario) {
		prog, mvariant := e.measureTarget(v, variant, name)
		e.queueMeasure(mvariant, prog, sc)
	}
	for i := range r.Claims {
		c := &r.Claims[i]
		if c.Verdict != "" || (c.Variant == "after" || c.Variant == "change") && len(v.Incomplete) > 0 {
			continue
		}
		if c.Variant == "change" {
			want("before", c.Metric, c.Scenario)
			want("after", c.Metric, c.Scenario)
		} else {
			want(c.Variant, c.Metric, c.Scenario)
		}
		for _, a := range c.Also {
			variant := c.Variant
			if variant == "change" {
				variant = "after"
			}
			want(variant, a.Metric, c.Scenario)
		}
	}
	if !e.in.Plots {
		return
	}
	for _, sc := range e.timingMatrix() {
		for _, variant := range []string{"before", "after"} {
			for _, name := range []string{"machine_shutdown", "secondaries_off"} {
				want(variant, name, sc)
			}
		}
	}
	for _, sc := range e.timelineScenarios(r) {
		e.queueMeasure("before", v.Before, sc)
		e.queueMeasure("after", v.After, sc)
	}
}

// costOf is where the median of metric name of variant in sc goes, from
// the runs metric measured (cpu_offline is machine_shutdown's breakdown).
func (e *evaluator) costOf(v Variants, variant, name string, sc Scenario) []CostShare {
	mvariant := variant
	if v.Identical {
		mvariant = "before"
	}
	_, mvariant = e.claimMeasure(v, mvariant, name, nil)
	mr, ok := e.measured[mvariant+"|"+scenarioString(e.measuredScenario(sc))]
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
	for _, sc := range e.timingMatrix() {
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
	tscs := e.timelineScenarios(r)
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

// timingMatrix is the pack's timing scenarios: every timing CPU count and
// load.
func (e *evaluator) timingMatrix() []Scenario {
	loads := e.in.Pack.Scenarios.TimingLoads
	if len(loads) == 0 {
		loads = []string{"idle"}
	}
	var out []Scenario
	for _, n := range e.in.Pack.Scenarios.TimingCPUs {
		for _, l := range loads {
			out = append(out, Scenario{CPUs: n, Load: l, Faults: []string{}})
		}
	}
	return out
}

// timelineScenarios are the scenarios with one timeline per variant: the
// first claim's scenario (or the largest timing scenario) first, then every
// scenario of the timing matrix, so that the pictures can show each. The
// timed runs are those of the metrics (measure caches them): no run is added
// for this.
func (e *evaluator) timelineScenarios(r *Report) []Scenario {
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
	for _, sc := range e.timingMatrix() {
		if !slices.ContainsFunc(tscs, func(t Scenario) bool { return scenarioString(t) == scenarioString(sc) }) {
			tscs = append(tscs, sc)
		}
	}
	return tscs
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
