package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/timed"
)

// SimEngines runs package sim's explorer and timed engine.
type SimEngines struct {
	// Progress, when set, is told how many states the running exploration
	// has stored so far (for a progress display).
	Progress func(states int64)
}

// faultKinds maps the pack's fault names to the machine's. A fault applies
// to the first secondary (CPU 1).
var faultKinds = map[string]sim.FaultKind{
	"irqs-masked":    sim.FaultIRQsMasked,
	"cpu-off-denied": sim.FaultCPUOffDenied,
	"slow-cpu-off":   sim.FaultSlowCPUOff,
	"lost-ipi":       sim.FaultLostIPI,
	// a CPU spinning with interrupts masked that never unmasks them: only
	// an NMI reaches it
	"stuck-irqs-masked": sim.FaultStuckMasked,
}

// machineConfig turns a scenario into the machine's configuration.
func machineConfig(sc Scenario) (sim.Config, error) {
	cfg := sim.Config{CPUs: sc.CPUs, PseudoNMI: sc.PseudoNMI}
	if sc.Load == "busy" {
		cfg.Load = sim.LoadBusy
	}
	for _, f := range sc.Faults {
		k, ok := faultKinds[f]
		if !ok {
			return cfg, fmt.Errorf("unknown fault %q (known: cpu-off-denied, irqs-masked, slow-cpu-off, lost-ipi, stuck-irqs-masked)", f)
		}
		if sc.CPUs < 2 {
			return cfg, fmt.Errorf("fault %q needs a secondary CPU", f)
		}
		cfg.Faults = append(cfg.Faults, sim.Fault{Kind: k, CPU: 1, IPI: -1})
	}
	return cfg, nil
}

// Explore runs the explorer on req.Program with every rule as a property.
func (se SimEngines) Explore(req *ExploreRequest) ([]CheckResult, error) {
	cfg, err := machineConfig(req.Scenario)
	if err != nil {
		return nil, err
	}
	cfg.Merge, cfg.AtomicWaits = true, true
	cfg.AlsoBoot = req.AlsoBoot
	var props []explore.Property
	for _, r := range req.Rules {
		kind, step, end, check, err := r.Predicate(req.Program)
		if err != nil {
			return nil, err
		}
		var at explore.Points
		switch {
		case step:
			at = explore.AtStep
		case end:
			at = explore.AtEnd
		default:
			at = explore.At(kind)
		}
		if kind == sim.EvCall {
			cfg.TraceCalls = true
		}
		prop := explore.Property{Name: r.ID, At: at, Check: check, NamesCPUs: r.NamesCPUs(), ReadsIRQMasks: r.ReadsIRQMasks()}
		if fn, ok := strings.CutPrefix(r.At, "call:"); ok {
			// checked at calls of fn only: other calls need no snapshot
			// of the state at the call (sim.Machine.WithStepBoundaries)
			prop.Calls = []string{fn}
		}
		props = append(props, prop)
	}
	m, err := sim.NewMachine(req.Program, cfg)
	if err != nil {
		return nil, err
	}
	progress := se.Progress
	if pause := req.Pause; pause != nil {
		progress = func(states int64) {
			if se.Progress != nil {
				se.Progress(states)
			}
			pause()
		}
	}
	res, err := explore.Explore(m, props, explore.Options{MaxStates: int(req.Budget.MaxStates), MaxDepth: int(req.Budget.MaxSteps), MaxMemory: req.Budget.MaxMemory, Progress: progress})
	if err != nil {
		return nil, err
	}
	out := make([]CheckResult, len(req.Rules))
	for i := range req.Rules {
		if i >= len(res.Properties) {
			return nil, fmt.Errorf("explorer returned %d results for %d properties", len(res.Properties), len(req.Rules))
		}
		pr := res.Properties[i]
		cr := CheckResult{Verdict: string(pr.Verdict), NeedsExpiry: []string{}, Reason: pr.Reason,
			Explored: Exploration{Mode: res.Mode, States: int64(res.States), Symmetry: res.Symmetry, Complete: res.Complete,
				Seed: int64(res.Seed), Note: res.Stop}, LoadFree: !res.LoadMattered}
		if len(res.SymmetryOff) > 0 {
			cr.Explored.Note = joinNote(cr.Explored.Note, "symmetry off: "+strings.Join(res.SymmetryOff, "; "))
		}
		if pr.Trace != nil {
			cr.Counterexample = counterexample(res.CPUs, pr.Trace)
			if what := instead(pr.Trace); what != "" {
				cr.Reason = joinNote(cr.Reason, what)
			}
			if pr.Verdict == explore.HoldsIfBounds {
				names := pr.Trace.Expired
				if pr.Uncertain != nil {
					names = pr.Uncertain
				}
				cr.NeedsExpiry = dedup(append([]string{}, names...))
			}
			if len(pr.Certain) > 0 {
				cr.CertainExpiry = append([]string{}, pr.Certain...)
			}
		}
		out[i] = cr
	}
	return out, nil
}

// instead says how a counterexample's run ends when it does not reach
// relocation: what happens instead of the reboot.
func instead(t *explore.Trace) string {
	if t.Hang {
		return "the run hangs: no CPU can make progress"
	}
	if len(t.Steps) == 0 {
		return ""
	}
	last := t.Steps[len(t.Steps)-1]
	for _, e := range last.Events {
		switch e.Kind {
		case sim.EvBug, sim.EvPanic, sim.EvReset, sim.EvSystemOff, sim.EvReturned:
			s := fmt.Sprintf("the run ends in %s on cpu%d", e.Kind, e.CPU)
			if last.HasLoc {
				s += fmt.Sprintf(" at %s:%d (%s)", last.Loc.File, last.Loc.Line, strings.TrimSpace(last.Loc.Text))
			}
			if e.Msg != "" {
				s += ": " + e.Msg
			}
			return s
		}
	}
	return ""
}

func counterexample(cpus int, t *explore.Trace) *Counterexample {
	cx := &Counterexample{CPUs: cpus, Steps: []Step{}}
	for _, s := range t.Steps {
		st := Step{CPU: int(s.Action.CPU), Action: s.Action.Kind.String()}
		if s.What != "" {
			st.Action = s.What
		}
		if s.HasLoc {
			st.File, st.Line, st.Side, st.Func, st.Text = s.Loc.File, s.Loc.Line, s.Loc.Side.String(), s.Loc.Func, s.Loc.Text
		}
		var ev []string
		for _, e := range s.Events {
			if e.Kind == sim.EvCall || e.Kind == sim.EvReturn {
				continue
			}
			ev = append(ev, e.Kind.String())
		}
		st.Event = strings.Join(ev, ", ")
		cx.Steps = append(cx.Steps, st)
	}
	if t.Hang {
		cx.Steps = append(cx.Steps, Step{CPU: -1, Action: "hang", Event: "hang", Text: "no CPU can make progress"})
	}
	if t.Event.Kind != sim.EvNone && len(cx.Steps) > 0 {
		last := &cx.Steps[len(cx.Steps)-1]
		last.Event = joinNote(last.Event, "property checked at "+t.Event.Kind.String()+" on cpu"+fmt.Sprint(t.Event.CPU))
	}
	return cx
}

// Measure runs the timed engine: req.Runs runs with parameters drawn from
// req.Profile, times measured from machine_shutdown()'s entry.
func (SimEngines) Measure(req *MeasureRequest) (*MeasureResult, error) {
	if req.Profile == nil {
		return nil, fmt.Errorf("no timing profile")
	}
	cfg, err := machineConfig(req.Scenario)
	if err != nil {
		return nil, err
	}
	var calls []string
	for _, m := range req.Metrics {
		if f, ok := functionOf(m); ok {
			calls = append(calls, f)
		}
	}
	slices.Sort(calls)
	res, err := timed.Evaluate(req.Program, cfg, req.Profile, timed.Options{Runs: req.Runs, Seed: uint64(req.Seed),
		Origin: "machine_shutdown", Timeline: true, Budget: timed.Budget{MaxSteps: req.Budget.MaxSteps},
		Calls: slices.Compact(calls)})
	if err != nil {
		return nil, err
	}
	mr := &MeasureResult{Metrics: map[string]Distribution{}, Costs: map[string][]CostShare{}, Inconclusive: res.Inconclusive}
	for _, m := range res.Metrics {
		mr.Metrics[m.Name] = Distribution(m.Value)
		if len(m.Cost) > 0 {
			cs := make([]CostShare, len(m.Cost))
			for i, c := range m.Cost {
				cs[i] = CostShare(c)
			}
			mr.Costs[m.Name] = cs
		}
	}
	for _, o := range res.Outcomes {
		s := fmt.Sprintf("%s: %d", o.Outcome, o.Runs)
		if o.Example != "" {
			s += " (" + o.Example + ")"
		}
		mr.Outcomes = append(mr.Outcomes, s)
	}
	if t := res.Timeline; t != nil {
		tl := &Timeline{Seed: req.Seed, Relocate: t.Relocate, End: t.End}
		for _, c := range t.CPUs {
			tr := CPUTrack{CPU: c.CPU}
			for _, s := range c.Segments {
				tr.Segments = append(tr.Segments, Segment(s))
			}
			tl.CPUs = append(tl.CPUs, tr)
		}
		mr.Timeline = tl
	}
	return mr, nil
}
