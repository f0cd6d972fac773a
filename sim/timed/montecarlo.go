package timed

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// probeRuns is how many runs of a Monte Carlo set must all exhaust their
// budget before the rest of the set is not run.
const probeRuns = 3

// Options configures a Monte Carlo evaluation.
type Options struct {
	Runs int    // number of runs; 0 means 100
	Seed uint64 // the seed; runs draw from independent PCG streams of it (see RunOne)
	// Origin names a function whose first entry on the boot CPU is time zero
	// of the time metrics (secondaries_off, relocation, per-CPU times);
	// empty means the start of the run. Runs that never enter it count as
	// never reaching those events.
	Origin string
	// Functions are functions whose duration on the boot CPU (first entry to
	// its return) is a metric named "func:<name>". machine_shutdown, when
	// the program has it, is always measured, as the metric machine_shutdown.
	Functions []string
	// Calls are functions measured on every CPU: "call:<name>" is the
	// duration of one call (entry to return, every completed call of every
	// run), "cpu:<name>" the time one CPU spent in it over the run (every
	// CPU that called it). Calls that never return (cpu_die) are not
	// counted; a run in which no call completed counts once as never.
	Calls    []string
	PerCPU   bool // add per-CPU metrics cpu<n>_offline and cpu<n>_off
	Budget   Budget
	Timeline bool // record the timeline of run 0
	// Workers runs that many runs in parallel; 0 means GOMAXPROCS. Results
	// do not depend on it.
	Workers int
}

// Metric is a named measurement summarised over the runs.
type Metric struct {
	Name  string       `json:"name"`
	Value Distribution `json:"value"`
	Doc   string       `json:"doc"`
	// Cost is where the time of the median run (or call) went, by cause;
	// empty for metrics that are instants rather than durations on a CPU.
	Cost []Share `json:"cost,omitempty"`
}

// OutcomeCount is how many runs ended one way.
type OutcomeCount struct {
	Outcome string `json:"outcome"`
	Runs    int    `json:"runs"`
	Example string `json:"example,omitempty"` // the message of the first such run
}

// Result is a Monte Carlo evaluation.
type Result struct {
	Profile      string         `json:"profile"`
	CalibratedOn []string       `json:"calibrated_on"`
	Seed         uint64         `json:"seed"`
	Runs         int            `json:"runs"`
	Origin       string         `json:"origin"`
	Metrics      []Metric       `json:"metrics"`
	Outcomes     []OutcomeCount `json:"outcomes"`
	Inconclusive int            `json:"inconclusive"` // runs that hit a budget, an unmodelled function or a machine error
	Steps        int64          `json:"steps"`        // machine steps over all runs
	Skipped      int64          `json:"skipped"`      // loop iterations fast-forwarded over all runs
	Timeline     *Timeline      `json:"timeline,omitempty"`
}

// Metric returns the named metric.
func (r *Result) Metric(name string) (Distribution, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return Distribution{}, false
}

// Evaluate runs prog in scenario cfg opt.Runs times with parameters sampled
// from prof, and summarises the metrics.
func Evaluate(prog *sim.Program, cfg sim.Config, prof *profile.Profile, opt Options) (*Result, error) {
	e, err := New(prog, cfg)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(prof, opt)
}

// Evaluate is the Monte Carlo evaluation on e.
func (e *Engine) Evaluate(prof *profile.Profile, opt Options) (*Result, error) {
	if opt.Runs <= 0 {
		opt.Runs = 100
	}
	trace := e.traced(opt)
	// Build the machines of every HZ the profile can sample before going
	// parallel: the cache is not locked.
	for _, hz := range hzValues(prof) {
		if _, err := e.machine(hz); err != nil {
			return nil, err
		}
	}
	runs := make([]*Run, opt.Runs)
	errs := make([]error, opt.Runs)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// runRange does runs lo..hi-1 on the workers.
	runRange := func(lo, hi int) {
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, hi-lo) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					runs[i], errs[i] = e.RunOne(prof, opt.Seed, i, trace, opt.Budget, opt.Timeline && i == 0)
				}
			}()
		}
		for i := lo; i < hi; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	// A program that never ends (a loop of visible steps) exhausts the
	// budget in every run, each at the full cost of the budget: when the
	// first runs all do, the rest are not run. Which runs those are does not
	// depend on the number of workers, so neither does the result.
	first := min(probeRuns, opt.Runs)
	runRange(0, first)
	if err := errors.Join(errs[:first]...); err != nil {
		return nil, err
	}
	exhausted := true
	for _, r := range runs[:first] {
		exhausted = exhausted && r.Outcome == "timeout"
	}
	if exhausted && first < opt.Runs {
		msg := fmt.Sprintf("not run: the first %d runs all exhausted their budget (%s)", first, runs[0].Message)
		for i := first; i < opt.Runs; i++ {
			runs[i] = &Run{Outcome: "not-run", Message: msg, NotRun: true}
		}
	} else {
		runRange(first, opt.Runs)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return e.summarise(prof, opt, runs), nil
}

// RunOne performs run i of seed: its parameters are sampled from one PCG
// stream of the seed, its per-event draws come from one stream per CPU.
func (e *Engine) RunOne(prof *profile.Profile, seed uint64, i int, trace []string, b Budget, timeline bool) (*Run, error) {
	set := prof.Sample(profile.NewRand(seed, paramStream(uint64(i))))
	return e.RunSet(set, seed, i, trace, b, timeline)
}

// RunSet performs run i of seed with a given parameter set.
func (e *Engine) RunSet(set *profile.Set, seed uint64, i int, trace []string, b Budget, timeline bool) (*Run, error) {
	ru, err := e.newRun(set, seed, i, trace, timeline, false)
	if err != nil {
		return nil, err
	}
	r := ru.do(b)
	e.states.Put(ru.st)
	e.putRun(ru)
	if ru.rp.clash {
		// a replayed idle re-check was not independent of what else
		// happened: do the run again taking every step (see replay.go)
		if ru, err = e.newRun(set, seed, i, trace, timeline, true); err != nil {
			return nil, err
		}
		r = ru.do(b)
		e.states.Put(ru.st)
		e.putRun(ru)
	}
	return r, nil
}

func hzValues(p *profile.Profile) []int {
	prm := &p.Params[profile.HZ]
	var v []int
	switch prm.Shape {
	case profile.Choice:
		for _, x := range prm.Values {
			v = append(v, int(x+0.5))
		}
	case profile.Fixed:
		v = append(v, int(prm.Min+0.5))
	}
	return v
}

func (e *Engine) traced(opt Options) []string {
	t := []string{"machine_shutdown"}
	if opt.Origin != "" {
		t = append(t, opt.Origin)
	}
	t = append(t, opt.Functions...)
	t = append(t, opt.Calls...)
	slices.Sort(t)
	return slices.Compact(t)
}

func (e *Engine) summarise(prof *profile.Profile, opt Options, runs []*Run) *Result {
	res := &Result{Profile: prof.Name, CalibratedOn: prof.CalibratedOn, Seed: opt.Seed, Runs: len(runs), Origin: opt.Origin}
	type acc struct {
		vals    []float64
		costs   []breakdown
		console []string
		never   int
		doc     string
	}
	metrics := map[string]*acc{}
	add := func(name, doc string, v float64, ok bool) {
		a := metrics[name]
		if a == nil {
			a = &acc{doc: doc}
			metrics[name] = a
		}
		if ok {
			a.vals = append(a.vals, v)
		} else {
			a.never++
		}
	}
	// addCost is add for a duration with its breakdown by cause, in a run
	// whose console is console.
	console := ""
	addCost := func(name, doc string, v float64, ok bool, b breakdown) {
		add(name, doc, v, ok)
		if ok {
			a := metrics[name]
			a.costs = append(a.costs, b)
			a.console = append(a.console, console)
		}
	}
	outcomes := map[string]*OutcomeCount{}
	hasShutdown := e.prog.FuncIndex("machine_shutdown") >= 0
	n := e.cfg.CPUs
	for _, r := range runs {
		res.Steps += r.Steps
		res.Skipped += r.Skipped
		if r.Inconclusive() {
			res.Inconclusive++
		}
		oc := outcomes[r.Outcome]
		if oc == nil {
			oc = &OutcomeCount{Outcome: r.Outcome, Example: r.Message}
			outcomes[r.Outcome] = oc
		}
		oc.Runs++
		if r.NotRun {
			continue // counted as inconclusive, and in no metric
		}
		console = r.Console

		dur := func(f string) (float64, bool) {
			in, ok1 := r.Enter[f]
			out, ok2 := r.Return[f]
			return out - in, ok1 && ok2
		}
		if hasShutdown {
			v, ok := dur("machine_shutdown")
			addCost("machine_shutdown", "boot CPU: machine_shutdown entry to return", v, ok, r.FuncCost["machine_shutdown"])
		}
		for _, f := range opt.Functions {
			v, ok := dur(f)
			addCost("func:"+f, "boot CPU: "+f+" first entry to its return", v, ok, r.FuncCost[f])
		}
		for _, f := range opt.Calls {
			callDoc := "one call of " + f + ", entry to return, on any CPU"
			cpuDoc := "time one CPU spent in " + f + " over the run"
			per := map[int]*Call{}
			var cpus []int
			for _, cl := range r.Calls[f] {
				addCost("call:"+f, callDoc, cl.Dur, true, cl.Cost)
				t := per[cl.CPU]
				if t == nil {
					t = &Call{CPU: cl.CPU}
					per[cl.CPU] = t
					cpus = append(cpus, cl.CPU)
				}
				t.Dur += cl.Dur
				for i := range t.Cost {
					t.Cost[i] += cl.Cost[i]
				}
			}
			slices.Sort(cpus)
			for _, c := range cpus {
				addCost("cpu:"+f, cpuDoc, per[c].Dur, true, per[c].Cost)
			}
			if len(r.Calls[f]) == 0 {
				// no call completed in this run
				add("call:"+f, callDoc, 0, false)
				add("cpu:"+f, cpuDoc, 0, false)
			}
		}
		origin, haveOrigin := 0.0, true
		if opt.Origin != "" {
			origin, haveOrigin = r.Enter[opt.Origin]
		}
		at := func(t float64) (float64, bool) { return t - origin, haveOrigin && t >= 0 }
		v, ok := at(r.SecondariesOff())
		add("secondaries_off", "until firmware reports every secondary OFF", v, ok)
		v, ok = at(r.SecondariesOffline())
		add("secondaries_offline", "until every secondary has left cpu_online_mask", v, ok)
		v, ok = at(r.Relocate)
		add("relocation", "until the relocation stub starts", v, ok)
		if opt.PerCPU {
			for c := 1; c < n; c++ {
				v, ok := at(r.Offline[c])
				add(fmt.Sprintf("cpu%d_offline", c), fmt.Sprintf("until CPU %d leaves cpu_online_mask", c), v, ok)
				v, ok = at(r.Off[c])
				add(fmt.Sprintf("cpu%d_off", c), fmt.Sprintf("until firmware reports CPU %d OFF", c), v, ok)
			}
		}
		if r.Timeline != nil {
			res.Timeline = r.Timeline
		}
	}
	for name, a := range metrics {
		m := Metric{Name: name, Value: Summarise(a.vals, a.never), Doc: a.doc}
		if len(a.costs) > 0 {
			m.Cost = medianCost(a.vals, a.costs, a.console)
		}
		res.Metrics = append(res.Metrics, m)
	}
	sort.Slice(res.Metrics, func(i, j int) bool { return metricLess(res.Metrics[i].Name, res.Metrics[j].Name) })
	for _, oc := range outcomes {
		res.Outcomes = append(res.Outcomes, *oc)
	}
	sort.Slice(res.Outcomes, func(i, j int) bool { return res.Outcomes[i].Outcome < res.Outcomes[j].Outcome })
	return res
}

// metricLess orders metrics by name, with per-CPU metrics in CPU order.
func metricLess(a, b string) bool {
	var ca, cb int
	var sa, sb string
	na, _ := fmt.Sscanf(a, "cpu%d_%s", &ca, &sa)
	nb, _ := fmt.Sscanf(b, "cpu%d_%s", &cb, &sb)
	if na == 2 && nb == 2 {
		if ca != cb {
			return ca < cb
		}
		return sa < sb
	}
	return a < b
}
