// Package explore checks safety properties of a sim.Program by exploring
// every interleaving of the machine's atomic steps (sim.Machine.Step with
// Config.Merge and Config.AtomicWaits), or, for machines too large to
// exhaust, by randomized PCT-style runs.
//
// Every bounded wait may expire, as a nondeterministic choice, whenever its
// condition still holds. Counterexamples are searched in order of (number of
// wait expiries, length): the one reported for a property needs the fewest
// expiries (none: a pure logic race) and among those is the shortest. States
// are stored in full (compact encodings in an arena, deduplicated through a
// hash table that compares whole encodings), so there is no hash-compaction
// risk. With symmetry reduction, states that differ only by a renaming of
// identical secondaries are stored once, and of several interchangeable
// secondaries only the first is stepped.
package explore

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/patchcheck/patchcheck/sim"
)

// stored per state
type meta struct {
	parent uint32
	act    uint32 // cpu<<8 | kind<<4 ; arg kept separately
	arg    int32
	exp    uint32
	depth  uint32
}

type candidate struct {
	found  bool
	exp    uint32
	depth  uint32
	parent uint32
	act    sim.Action
	hang   bool
	init   bool // violated by the initial settling, before any step
	// livelock: the hang is a state from which no run can end (it cycles
	// forever), rather than one with no action at all.
	livelock bool
}

func less(e1, d1, e2, d2 uint32) bool { return e1 < e2 || (e1 == e2 && d1 < d2) }

type explorer struct {
	m     *sim.Machine
	props []Property
	opt   Options
	canon *sim.Canon
	sym   bool

	seed  maphash.Seed
	store *stateStore // the states' encodings (store.go); state i's meta is meta[i]
	meta  []meta

	layers [][][]uint32 // layers[expiries][depth] = state ids

	cands   []candidate
	unknown map[string]bool
	errs    map[string]bool
	trans   int
	depth   int
	peak    int64

	// The transition graph, for finding states from which no run ends:
	// the edges of expansion k lead from state from[k] to the states
	// to[end[k-1]:end[k]] (one source per expanded state instead of one
	// per edge); ended marks states whose run is over or that have no
	// action at all.
	from, end, to []uint32
	ended         []bool

	// the cheapest key (expiries, depth) of a state left unexpanded
	frontE, frontD uint32
	partial        bool

	// prompt: the search that tells certain expiries from the others (see
	// certain.go): an expiry costs nothing when nothing but expiries can
	// happen and the wait's condition can never become false.
	prompt  bool
	certBuf map[string]bool
	// quietExpiry: some state expanded has expiries as its only actions,
	// the only place where the prompt search can take an expiry for free.
	quietExpiry bool
}

func (x *explorer) leave(e, d int) {
	if !x.partial || less(uint32(e), uint32(d), x.frontE, x.frontD) {
		x.frontE, x.frontD = uint32(e), uint32(d)
	}
	x.partial = true
}

// Explore checks props on every interleaving of m's runs. m must have been
// built with Config.Merge and Config.AtomicWaits (NewMachine for exploring:
// see Machine).
func Explore(m *sim.Machine, props []Property, opt Options) (*Result, error) {
	if !m.Cfg.Merge || !m.Cfg.AtomicWaits {
		return nil, fmt.Errorf("explore: machine must be built with Config.Merge and Config.AtomicWaits")
	}
	if opt.MaxStates <= 0 {
		opt.MaxStates = 4_000_000
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 1 << 30
	}
	if opt.MaxMemory <= 0 {
		opt.MaxMemory = DefaultMaxMemory
	}
	x := &explorer{m: m, props: props, opt: opt, canon: m.NewCanon(), seed: maphash.MakeSeed(),
		cands: make([]candidate, len(props)), unknown: map[string]bool{}, errs: map[string]bool{}}
	res := &Result{Mode: "exhaustive", CPUs: m.NumCPUs()}
	x.sym, res.SymmetryOff = symmetry(m, props, opt)
	res.Symmetry = x.sym
	x.m = boundaries(m, props)
	if x.sym {
		// Runs where a prim's symmetry does not hold end in an error
		// (inconclusive).
		x.m = x.m.SymmetryGuarded()
	}
	x.canon = x.m.NewCanon()
	x.store = newStateStore(x.seed, collapseAt(m.NumCPUs()))
	x.run(res)
	x.finish(res)
	x.mustExpire(res)
	res.LoadMattered = x.m.LoadMattered()
	return res, nil
}

// boundaries returns the machine that checks props: steps end where the
// properties' events need them to (sim.Machine.WithStepBoundaries).
// Counterexamples are replayed on it too.
func boundaries(m *sim.Machine, props []Property) *sim.Machine {
	var watched uint64
	var calls []int32
	every, masks := false, false
	for _, p := range props {
		masks = masks || p.ReadsIRQMasks
		at := p.At &^ (AtStep | AtEnd)
		if at.has(sim.EvCall) && len(p.Calls) > 0 {
			at &^= 1 << sim.EvCall
			for _, name := range p.Calls {
				if i := m.Prog.FuncIndex(name); i >= 0 {
					calls = append(calls, int32(i))
				}
			}
		}
		watched |= uint64(at)
		if p.At&AtStep != 0 {
			every = true
		}
	}
	m = m.WithStepBoundaries(watched, calls, every)
	if masks {
		m = m.WithUnmaskSteps()
	}
	return m
}

func symmetry(m *sim.Machine, props []Property, opt Options) (bool, []string) {
	if m.NumCPUs() <= 2 {
		return false, []string{"fewer than two secondaries"}
	}
	if opt.NoSymmetry {
		return false, []string{"disabled by option"}
	}
	var why []string
	why = append(why, m.SymmetryBreakers()...)
	for _, p := range props {
		if p.NamesCPUs {
			why = append(why, fmt.Sprintf("property %s names particular CPUs", p.Name))
		}
	}
	return len(why) == 0, why
}

// intern returns the id of the state encoded in b (the canonicaliser's
// last encoding, whose Cuts it uses), adding it if new.
func (x *explorer) intern(b []byte) (uint32, bool) {
	id, isNew := x.store.intern(b, x.canon.Cuts())
	if isNew {
		x.meta = append(x.meta, meta{})
	}
	return id, isNew
}

// bytes is the encoding of state id, in buf (reused).
func (x *explorer) bytes(buf []byte, id uint32) []byte { return x.store.expand(buf[:0], id) }

func (x *explorer) push(e, d uint32, id uint32) {
	for uint32(len(x.layers)) <= e {
		x.layers = append(x.layers, nil)
	}
	l := x.layers[e]
	for uint32(len(l)) <= d {
		l = append(l, nil)
	}
	l[d] = append(l[d], id)
	x.layers[e] = l
}

func (x *explorer) memory() int64 {
	n := x.store.memory() + int64(cap(x.meta))*20 +
		int64(cap(x.from)+cap(x.end)+cap(x.to))*4 + int64(cap(x.ended))
	if n > x.peak {
		x.peak = n
	}
	return n
}

// settled: no candidate found later can beat the property's candidate.
func (x *explorer) settled(i int, e, d uint32) bool {
	c := &x.cands[i]
	return c.found && !less(e, d+1, c.exp, c.depth)
}

func (x *explorer) run(res *Result) {
	m := x.m
	n := m.NumCPUs()
	start := time.Now()
	cur := &sim.State{}
	undo := m.NewUndo()
	dec := m.NewDecoder() // decodes into cur, skipping the CPUs the last parent had alike
	segs := dec.Segs()
	var step sim.StepResult
	var acts []sim.Action
	var buf []byte
	// the parent's encoding, expanded from the store; two buffers in
	// turn, since the decoder refers to the bytes of the last parent
	var pbuf [2][]byte
	twins := make([]bool, n)

	init := m.Initial()
	buf = x.canon.Encode(buf[:0], init, x.sym)
	x.intern(buf)
	x.push(0, 0, 0)
	x.check(init, m.InitialStep(), 0, sim.Action{}, 0, 0, false)
	for i := range x.cands {
		if x.cands[i].found {
			x.cands[i].init = true
		}
	}
	expanded := 0
	for e := 0; e < len(x.layers); e++ {
		for d := 0; d < len(x.layers[e]); d++ {
			all := len(x.props) > 0
			for i := range x.props {
				all = all && x.settled(i, uint32(e), uint32(d))
			}
			if all {
				res.Stop = "every property has its minimal counterexample"
				x.leave(e, d)
				return
			}
			bucket := x.layers[e][d]
			x.layers[e][d] = nil
			for _, id := range bucket {
				mt := x.meta[id]
				if mt.exp != uint32(e) || mt.depth != uint32(d) {
					continue // reached more cheaply since
				}
				if len(x.meta) >= x.opt.MaxStates {
					res.Stop = fmt.Sprintf("state budget of %d reached", x.opt.MaxStates)
					x.leave(e, d)
					return
				}
				if expanded&1023 == 0 {
					if x.opt.Progress != nil {
						x.opt.Progress(int64(len(x.meta)))
					}
					if x.memory() > x.opt.MaxMemory {
						res.Stop = fmt.Sprintf("memory budget of %d MiB reached", x.opt.MaxMemory>>20)
						x.leave(e, d)
						return
					}
					if x.opt.Timeout > 0 && time.Since(start) > x.opt.Timeout {
						res.Stop = fmt.Sprintf("time budget of %v reached", x.opt.Timeout)
						x.leave(e, d)
						return
					}
				}
				expanded++
				if d > x.depth {
					x.depth = d
				}
				pbuf[expanded&1] = x.bytes(pbuf[expanded&1], id)
				parent := pbuf[expanded&1]
				if err := dec.Decode(parent, cur); err != nil {
					x.errs[err.Error()] = true
					continue
				}
				if cur.End != sim.Running {
					x.markEnded(id)
					continue
				}
				if d >= x.opt.MaxDepth {
					res.Stop = fmt.Sprintf("depth bound %d reached", x.opt.MaxDepth)
					x.leave(e, d)
					continue
				}
				if x.sym {
					x.canon.Prepare(cur, twins, dec)
				}
				any := false
				quiet := x.prompt && x.quiescent(cur)
				onlyExpiries, expiries := true, false
				for c := 0; c < n; c++ {
					acts = m.Actions(cur, c, acts[:0])
					if len(acts) > 0 {
						any = true
					}
					for _, a := range acts {
						onlyExpiries = onlyExpiries && a.Kind == sim.ActExpire
						expiries = expiries || a.Kind == sim.ActExpire
					}
					if twins[c] {
						continue
					}
					for _, a := range acts {
						// In the search of certain expiries (certain.go) an
						// expiry every run takes costs nothing.
						free := x.prompt && a.Kind == sim.ActExpire && quiet && x.certain(cur, c)
						undo.Begin(cur)
						m.Step(cur, a, &step)
						x.trans++
						ne := uint32(e)
						if a.Kind == sim.ActExpire && !free {
							ne++
						}
						nd := uint32(d + 1)
						x.check(cur, &step, id, a, ne, nd, false)
						if x.sym {
							buf = x.canon.EncodeStep(buf[:0], cur, undo)
						} else {
							buf = x.canon.EncodeReuse(buf[:0], cur, parent, segs, undo)
						}
						undo.Restore(cur)
						nid, isNew := x.intern(buf)
						if !x.prompt {
							x.edge(id, nid)
						}
						if isNew || less(ne, nd, x.meta[nid].exp, x.meta[nid].depth) {
							x.meta[nid] = meta{parent: id, act: uint32(a.CPU)<<8 | uint32(a.Kind), arg: a.Arg, exp: ne, depth: nd}
							x.push(ne, nd, nid)
						}
					}
				}
				if onlyExpiries && expiries {
					x.quietExpiry = true
				}
				if !any {
					x.markEnded(id)
					undo.Begin(cur)
					m.Hang(cur, &step)
					x.check(cur, &step, id, sim.Action{}, uint32(e), uint32(d+1), true)
					undo.Restore(cur)
				}
			}
		}
	}
	res.Complete = !x.partial
	if res.Complete && !x.prompt {
		x.livelocks(res)
	}
}

// edge records a transition from state id to state to.
func (x *explorer) edge(id, to uint32) {
	k := len(x.from) - 1
	if k < 0 || x.from[k] != id {
		x.from, x.end = append(x.from, id), append(x.end, 0)
		k++
	}
	x.to = append(x.to, to)
	x.end[k] = uint32(len(x.to))
}

func (x *explorer) markEnded(id uint32) {
	for int(id) >= len(x.ended) {
		x.ended = append(x.ended, false)
	}
	x.ended[id] = true
}

// livelocks finds, after a complete search, the states from which no run
// can end: every path from them cycles forever (a loop that polls without a
// bound, a CPU that spins waiting for itself). Such a state is a hang as
// much as a deadlock is, but it has actions, so the search alone never sees
// it. A state is live when some path leads from it to an ended state; the
// rest are found by one backward pass over the transitions. The cheapest
// such state (fewest expiries, then fewest steps) is checked as a hang.
func (x *explorer) livelocks(res *Result) {
	n := len(x.meta)
	// reverse adjacency in compressed form
	start := make([]uint32, n+1)
	for _, t := range x.to {
		start[t+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	pred := make([]uint32, len(x.to))
	fill := slices.Clone(start[:n])
	lo := uint32(0)
	for k, from := range x.from {
		for _, t := range x.to[lo:x.end[k]] {
			pred[fill[t]] = from
			fill[t]++
		}
		lo = x.end[k]
	}
	live := make([]bool, n)
	var queue []uint32
	for id, e := range x.ended {
		if e {
			live[id] = true
			queue = append(queue, uint32(id))
		}
	}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, p := range pred[start[id]:start[id+1]] {
			if !live[p] {
				live[p] = true
				queue = append(queue, p)
			}
		}
	}
	best := -1
	for id := 0; id < n; id++ {
		if live[id] {
			continue
		}
		res.Livelocked++
		mt := x.meta[id]
		if best < 0 || less(mt.exp, mt.depth, x.meta[best].exp, x.meta[best].depth) {
			best = id
		}
	}
	x.from, x.end, x.to, x.ended = nil, nil, nil, nil
	if best < 0 {
		return
	}
	cur := &sim.State{}
	if err := x.m.Decode(x.bytes(nil, uint32(best)), cur); err != nil {
		x.errs[err.Error()] = true
		return
	}
	var step sim.StepResult
	x.m.Hang(cur, &step)
	mt := x.meta[best]
	before := slices.Clone(x.cands)
	x.check(cur, &step, uint32(best), sim.Action{}, mt.exp, mt.depth+1, true)
	for i := range x.cands {
		if x.cands[i] != before[i] {
			x.cands[i].livelock = true
		}
	}
}

// check evaluates the properties on the step that led to next.
func (x *explorer) check(next *sim.State, step *sim.StepResult, parent uint32, a sim.Action, e, d uint32, hang bool) {
	switch next.End {
	case sim.Unknown, sim.Failed:
		for _, ev := range step.Events {
			switch ev.Kind {
			case sim.EvUnknown:
				x.unknown[ev.Msg] = true
			case sim.EvError:
				x.errs[fmt.Sprintf("%s: %s", x.m.LocString(ev.Loc), ev.Msg)] = true
			}
		}
	}
	for i := range x.props {
		p := &x.props[i]
		c := &x.cands[i]
		if c.found && !less(e, d, c.exp, c.depth) {
			continue
		}
		if !violates(x.m, p, next, step) {
			continue
		}
		*c = candidate{found: true, exp: e, depth: d, parent: parent, act: a, hang: hang}
	}
}

// violates reports whether the step described by step, which led to st,
// violates p at one of p's points.
func violates(m *sim.Machine, p *Property, st *sim.State, step *sim.StepResult) bool {
	v := sim.View{M: m, S: st}
	for i := range step.Events {
		ev := &step.Events[i]
		if p.At.has(ev.Kind) && !p.skips(m, ev) {
			v.Ev, v.S = ev, st
			if es := step.EventState(i); es != nil {
				v.S = es
			}
			if !p.Check(v) {
				return true
			}
		}
	}
	v.S = st
	if p.At&AtEnd != 0 && st.End != sim.Running && len(step.Events) > 0 {
		v.Ev = &step.Events[len(step.Events)-1]
		if !p.Check(v) {
			return true
		}
	}
	if p.At&AtStep != 0 {
		v.Ev = nil
		if !p.Check(v) {
			return true
		}
	}
	return false
}

func (x *explorer) finish(res *Result) {
	res.States = len(x.meta)
	res.Transitions = x.trans
	res.Depth = x.depth
	x.memory()
	res.MemoryBytes = x.peak
	res.Unknown = sortedKeys(x.unknown)
	res.Errors = sortedKeys(x.errs)
	lastE, lastD := x.frontE, x.frontD
	for i, p := range x.props {
		pr := PropertyResult{Name: p.Name}
		c := &x.cands[i]
		switch {
		case c.found:
			tr, err := x.trace(c, &p)
			if err != nil {
				pr.Verdict = Inconclusive
				pr.Reason = "counterexample did not replay: " + err.Error()
				break
			}
			pr.Trace = tr
			// anything found from the frontier on costs at least (lastE, lastD+1)
			pr.Minimal = res.Complete || !less(lastE, lastD+1, c.exp, c.depth)
			if c.exp == 0 {
				pr.Verdict = Violated
				pr.Reason = "violated with no wait expiring"
			} else {
				pr.Verdict = HoldsIfBounds
				pr.Reason = "violated only when these waits expire: " + strings.Join(tr.Expired, "; ")
				if !pr.Minimal && lastE == 0 {
					pr.Verdict = Inconclusive
					pr.Reason = "a violation needing wait expiries was found, but the search stopped before ruling out one needing none: " + res.Stop
				}
			}
		case res.Complete:
			pr.Verdict = Holds
		default:
			pr.Verdict = Inconclusive
			pr.Reason = res.Stop
		}
		if (pr.Verdict == Holds || pr.Verdict == HoldsIfBounds) && (len(res.Unknown) > 0 || len(res.Errors) > 0) {
			pr.Verdict = Inconclusive
			pr.Reason = "runs reached code the machine cannot run (" + strings.Join(append(append([]string(nil), res.Unknown...), res.Errors...), "; ") + ")"
		}
		res.Properties = append(res.Properties, pr)
	}
}

func sortedKeys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// trace rebuilds the concrete counterexample of candidate c: the path of
// canonical states is re-run, composing the renamings so that each action
// names the CPU of the unrenamed run, and then replayed from the start.
func (x *explorer) trace(c *candidate, p *Property) (*Trace, error) {
	m := x.m
	n := m.NumCPUs()
	if c.init {
		return Replay(m, nil, *p, false)
	}
	// path of (state id, action into it)
	var ids []uint32
	for id := c.parent; ; id = x.meta[id].parent {
		ids = append(ids, id)
		if id == 0 {
			break
		}
	}
	slices.Reverse(ids)
	var acts []sim.Action
	for _, id := range ids[1:] {
		mt := x.meta[id]
		acts = append(acts, sim.Action{CPU: int32(mt.act >> 8), Kind: sim.ActionKind(mt.act & 0xff), Arg: mt.arg})
	}
	if !c.hang {
		acts = append(acts, c.act)
	}
	// sigma maps concrete ids to the numbering of the current canonical state.
	sigma := make([]int32, n)
	inv := make([]int32, n)
	canon := m.NewCanon()
	var buf []byte
	init := m.Initial()
	buf = canon.Encode(buf[:0], init, x.sym)
	copy(sigma, canon.Perm())
	cur := &sim.State{}
	var step sim.StepResult
	concrete := make([]sim.Action, len(acts))
	for k, a := range acts {
		if err := m.Decode(x.bytes(nil, ids[k]), cur); err != nil {
			return nil, err
		}
		for i, s := range sigma {
			inv[s] = int32(i)
		}
		ca := a
		ca.CPU = inv[a.CPU]
		concrete[k] = ca
		m.Step(cur, a, &step)
		buf = canon.Encode(buf[:0], cur, x.sym)
		pm := canon.Perm()
		for i := range sigma {
			sigma[i] = pm[sigma[i]]
		}
	}
	if c.livelock {
		return replay(m, concrete, *p, endLivelock)
	}
	return Replay(m, concrete, *p, c.hang)
}
