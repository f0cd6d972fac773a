package explore

import (
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Must versus may.
//
// The search treats every bounded wait as one that may expire at any moment
// its condition still holds, so a violation that needs an expiry is only
// holds-if-bounds: a bound running out is a fault that need not happen. That
// is wrong for a wait that cannot end any other way. When every CPU has done
// all it can (nothing but expiries is enabled) and the waiting CPU's
// condition can never become false from there, whatever the other CPUs do,
// the wait runs out in every run that gets there: a certain expiry.
//
// After a complete search that left some property holds-if-bounds, a second
// search tells the two apart: the same machine and the same order (fewest
// expiries, then fewest steps), but an expiry that is certain in the sense
// above costs nothing. A violation it finds at cost zero needs no bound to
// run out by chance: it happens in every run in which the CPUs answer
// promptly (its trace is such a run), so the property is violated, with the
// certain waits named. Otherwise the property stays holds-if-bounds, and the
// waits its trace lets expire are split into those left to chance and the
// certain ones. The second search only relabels what the first found; a
// budget that stops it leaves the first search's verdicts as they were.

// maxCertainStates bounds the search that decides whether a wait's
// condition can become false; past it the expiry is not taken as certain.
const maxCertainStates = 100_000

// quiescent reports whether st has no action but expiries.
func (x *explorer) quiescent(st *sim.State) bool {
	var acts []sim.Action
	for c := 0; c < x.m.NumCPUs(); c++ {
		acts = x.m.Actions(st, c, acts[:0])
		for _, a := range acts {
			if a.Kind != sim.ActExpire {
				return false
			}
		}
	}
	return true
}

// certain reports whether CPU c's wait in st can never be satisfied: no
// state reachable from st without c's expiry of it has c at the wait with
// its condition false. Every other action, the other CPUs' expiries
// included, is followed.
func (x *explorer) certain(st *sim.State, c int) bool {
	m := x.m
	w := m.PoisedWait(st, c)
	if w < 0 {
		return false
	}
	enc := string(m.Encode(nil, st))
	key := enc + string(rune(c))
	if v, ok := x.certBuf[key]; ok {
		return v
	}
	seen := map[string]bool{enc: true}
	queue := []*sim.State{st.Clone()}
	var acts []sim.Action
	var step sim.StepResult
	var buf []byte
	ok := true
search:
	for len(queue) > 0 {
		cur := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if cur.End != sim.Running {
			continue
		}
		if m.PoisedWait(cur, c) == w && m.Blocked(cur, c) == sim.BlockNone {
			ok = false // the condition is false here: the wait can end satisfied
			break
		}
		for d := 0; d < m.NumCPUs(); d++ {
			acts = m.Actions(cur, d, acts[:0])
			for _, a := range acts {
				if d == c && a.Kind == sim.ActExpire && m.PoisedWait(cur, c) == w {
					continue
				}
				next := cur.Clone()
				m.Step(next, a, &step)
				buf = m.Encode(buf[:0], next)
				if seen[string(buf)] {
					continue
				}
				if len(seen) >= maxCertainStates {
					ok = false
					break search
				}
				seen[string(buf)] = true
				queue = append(queue, next)
			}
		}
	}
	if x.certBuf == nil {
		x.certBuf = map[string]bool{}
	}
	x.certBuf[key] = ok
	return ok
}

// mustExpire runs the second search for the holds-if-bounds properties of
// a complete search (see above).
func (x *explorer) mustExpire(res *Result) {
	if !res.Complete {
		return
	}
	var idx []int
	for i, p := range res.Properties {
		if p.Verdict == HoldsIfBounds {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	if !x.quietExpiry {
		// No state the first search expanded has only expiries enabled,
		// so no expiry is certain and every step of the second search
		// costs what it cost in the first: the same search, which finds
		// the same counterexamples, and classify would call each of their
		// expiries left to chance. Nothing to relabel.
		return
	}
	props := make([]Property, len(idx))
	for k, i := range idx {
		props[k] = x.props[i]
	}
	px := &explorer{m: x.m, props: props, opt: x.opt, canon: x.m.NewCanon(), sym: x.sym, seed: x.seed,
		cands: make([]candidate, len(props)), unknown: map[string]bool{}, errs: map[string]bool{}, prompt: true}
	px.store = newStateStore(px.seed, collapseAt(x.m.NumCPUs()))
	pres := &Result{Mode: "exhaustive", CPUs: res.CPUs}
	px.run(pres)
	for k, i := range idx {
		c := &px.cands[k]
		if !c.found {
			continue
		}
		tr, err := px.trace(c, &props[k])
		if err != nil || tr.Expiries == 0 {
			continue
		}
		certain, chance := px.classify(tr)
		if len(certain) == 0 {
			continue // the first search's trace says as much
		}
		pr := &res.Properties[i]
		// minimal: fewest expiries left to chance, then fewest steps (as
		// in finish)
		pr.Trace, pr.Certain = tr, certain
		pr.Minimal = !px.partial || !less(px.frontE, px.frontD+1, c.exp, c.depth)
		if c.exp == 0 {
			pr.Verdict = Violated
			pr.Reason = "violated in the run in which every CPU answers promptly: these waits expire in every run that reaches them, " +
				"as their conditions can never become false there: " + strings.Join(certain, "; ")
			continue
		}
		pr.Uncertain = chance
		pr.Reason = "violated only when these waits expire: " + strings.Join(chance, "; ") +
			" (and these, which expire in every run that reaches them: " + strings.Join(certain, "; ") + ")"
	}
}

// classify replays tr and splits the waits it lets expire into those whose
// expiry was certain where it happened and the others.
func (x *explorer) classify(tr *Trace) (certain, chance []string) {
	m := x.m
	st := m.Initial()
	var res sim.StepResult
	for _, a := range tr.Actions() {
		if a.Kind == sim.ActExpire {
			if w := m.PoisedWait(st, int(a.CPU)); w >= 0 {
				if x.quiescent(st) && x.certain(st, int(a.CPU)) {
					certain = append(certain, m.Prog.Waits[w].Name)
				} else {
					chance = append(chance, m.Prog.Waits[w].Name)
				}
			}
		}
		m.Step(st, a, &res)
	}
	return slices.Compact(slices.Sorted(slices.Values(certain))), slices.Compact(slices.Sorted(slices.Values(chance)))
}
