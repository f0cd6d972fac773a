package explore

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// RandomOptions configure randomized search. Zero values mean the defaults.
type RandomOptions struct {
	Seed         uint64
	Runs         int // default 1000
	MaxSteps     int // per run; default 100,000
	ChangePoints int // PCT priority change points per run (bug depth - 1); default 2
	// ExpireOneIn: at a step where some bounded wait could expire, it does
	// with probability 1/ExpireOneIn (and always when nothing else can
	// happen); default 16.
	ExpireOneIn int
}

// Random checks props on randomized runs of m, scheduled in the manner of
// PCT (Burckhardt et al., ASPLOS 2010): each run gives the CPUs random
// distinct priorities, always steps the highest-priority CPU that can move,
// and lowers the running CPU's priority at a few random change points. It
// finds races that need few ordering constraints with a probability that does
// not fall with the number of CPUs as fast as uniform scheduling does, and
// works for machines far too large to explore exhaustively. It cannot prove a
// property: a property with no violation found is Inconclusive. Equal seeds
// give equal results.
func Random(m *sim.Machine, props []Property, o RandomOptions) (*Result, error) {
	if !m.Cfg.Merge || !m.Cfg.AtomicWaits {
		return nil, fmt.Errorf("explore: machine must be built with Config.Merge and Config.AtomicWaits")
	}
	if o.Runs <= 0 {
		o.Runs = 1000
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 100_000
	}
	if o.ChangePoints <= 0 {
		o.ChangePoints = 2
	}
	if o.ExpireOneIn <= 0 {
		o.ExpireOneIn = 16
	}
	m = boundaries(m, props)
	n := m.NumCPUs()
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	res := &Result{Mode: "random", CPUs: n, Seed: o.Seed, Runs: o.Runs, SymmetryOff: []string{"not used by random search"}}
	type best struct {
		acts []sim.Action
		hang bool
		exp  int
	}
	bests := make([]*best, len(props))
	unknown, errs := map[string]bool{}, map[string]bool{}
	prio := make([]int, n)
	var acts, all []sim.Action
	var step sim.StepResult
	st := &sim.State{}
	var trace []sim.Action
	estimate := 64
	truncated := 0
	for run := 0; run < o.Runs; run++ {
		st.CopyFrom(m.Initial())
		for i, p := range rng.Perm(n) {
			prio[i] = o.ChangePoints + p
		}
		change := make([]int, o.ChangePoints)
		for i := range change {
			change[i] = 1 + rng.IntN(estimate)
		}
		trace = trace[:0]
		exp := 0
		found := make([]bool, len(props))
		steps := 0
		for ; steps < o.MaxSteps && st.End == sim.Running; steps++ {
			// candidates: the highest-priority CPU with a non-expiry action;
			// expiries separately.
			pick, pickPrio := -1, -1
			all = all[:0]
			for c := 0; c < n; c++ {
				acts = m.Actions(st, c, acts[:0])
				for _, a := range acts {
					if a.Kind == sim.ActExpire {
						all = append(all, a)
					} else if prio[c] > pickPrio {
						pick, pickPrio = c, prio[c]
					}
				}
			}
			var a sim.Action
			switch {
			case len(all) > 0 && (pick < 0 || rng.IntN(o.ExpireOneIn) == 0):
				a = all[rng.IntN(len(all))]
			case pick >= 0:
				acts = m.Actions(st, pick, acts[:0])
				k := 0
				for _, b := range acts {
					if b.Kind != sim.ActExpire {
						acts[k] = b
						k++
					}
				}
				a = acts[rng.IntN(k)]
			default:
				m.Hang(st, &step)
			}
			if st.End == sim.Running {
				m.Step(st, a, &step)
				trace = append(trace, a)
				if a.Kind == sim.ActExpire {
					exp++
				}
				for i, cp := range change {
					if cp == steps+1 {
						prio[a.CPU] = i
					}
				}
			}
			res.Transitions++
			for _, ev := range step.Events {
				switch ev.Kind {
				case sim.EvUnknown:
					unknown[ev.Msg] = true
				case sim.EvError:
					errs[fmt.Sprintf("%s: %s", m.LocString(ev.Loc), ev.Msg)] = true
				}
			}
			hang := step.End == sim.Hung
			for i := range props {
				if found[i] || !violates(m, &props[i], st, &step) {
					continue
				}
				found[i] = true
				b := bests[i]
				if b == nil || exp < b.exp || (exp == b.exp && len(trace) < len(b.acts)) {
					bests[i] = &best{acts: append([]sim.Action(nil), trace...), hang: hang, exp: exp}
				}
			}
		}
		if st.End == sim.Running {
			truncated++
		}
		estimate = max(steps, 1)
	}
	res.States = res.Transitions
	res.Unknown, res.Errors = sortedKeys(unknown), sortedKeys(errs)
	if truncated > 0 {
		res.Stop = fmt.Sprintf("%d of %d runs stopped at the step bound %d", truncated, o.Runs, o.MaxSteps)
	}
	for i, p := range props {
		pr := PropertyResult{Name: p.Name}
		b := bests[i]
		if b == nil {
			pr.Verdict = Inconclusive
			pr.Reason = fmt.Sprintf("no violation in %d random runs (seed %d); random runs cannot prove a property", o.Runs, o.Seed)
			res.Properties = append(res.Properties, pr)
			continue
		}
		tr, err := Replay(m, b.acts, p, b.hang)
		if err != nil {
			pr.Verdict = Inconclusive
			pr.Reason = "counterexample did not replay: " + err.Error()
		} else if b.exp == 0 {
			pr.Verdict, pr.Trace = Violated, tr
			pr.Reason = "violated with no wait expiring"
		} else {
			pr.Verdict, pr.Trace = Inconclusive, tr
			pr.Reason = "violated when these waits expire: " + strings.Join(tr.Expired, "; ") +
				"; random runs cannot rule out a violation needing none"
		}
		res.Properties = append(res.Properties, pr)
	}
	res.LoadMattered = m.LoadMattered()
	return res, nil
}
