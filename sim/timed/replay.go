package timed

import (
	"fmt"
	"slices"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// Replaying idle re-checks.
//
// When stop_machine finishes, every participant leaves its stopper and its
// idle loop checks its conditions again (cpu_is_offline and the interrupt
// mask around it) before it waits once more. With N CPUs online that is N
// CPUs' worth of steps after each of the N-1 offlines of a sequential
// hotplug: for N = 4096, 25 M machine steps, nearly all of them a CPU that
// is still online finding out that it is.
//
// Such a re-check is a function of the CPU's own state: its steps are its
// own program actions of prims that read only the CPU itself
// (smp_processor_id, cpu_online of its own id, masking and unmasking its own
// interrupts), so given the same CPU state after the stopper they take the
// same steps to the same end state. The engine records a participant's
// re-check once (its state when the stopper released it, every step's
// result, its state when it waited again) and, the next time the CPU leaves
// a stopper in exactly the recorded state, replays it: each recorded step
// is priced as if it had been taken (the same draws from the CPU's own
// stream, the same times), the step count advances, and the CPU is put in
// the recorded end state. No machine step and no queue traffic.
//
// Replaying takes the CPU's steps at once instead of interleaved with the
// other CPUs' steps in the same few hundred nanoseconds. That is exact as
// long as nothing in that window touches the replayed CPU or depends on its
// intermediate states. The engine checks this conservatively while any
// replay window is open (until the last replayed step's time) and declares
// a conflict when a CPU with an open window is planned by anything (an IPI,
// a hand-off, CPU_ON), has its online bit written, a stop_machine starts, a
// CPU waits for an RCU grace period (quiescence reads every CPU's state),
// or the run ends or exhausts a budget. A run with a conflict is run again
// from the start without replays, so a run's result is the same with and
// without them (TestReplayExact).
//
// One thing reads the event queue itself: the fast-forward rule bounds a
// loop's jump by the next event of any other CPU (forward.go). A replayed
// CPU's steps are not in the queue, so pending reports the time of the
// first replayed step the real order would still have queued, and the
// bound includes it.
type idleMemo struct {
	valid bool
	s0    sim.CPU // state when the stopper released it
	s1    sim.CPU // state when it waited again
	steps []recStep

	// The whole stop_machine cycle from s1 (see excuse): whether it was
	// checked (0 not yet, 1 it leads back to s1, -1 it does not), the
	// events of the wake-up the end of stop_machine gives the CPU in s1,
	// and whether those are calls and returns of untraced functions that
	// leave the CPU's call accounting as it was.
	cyc     int8
	wake    []sim.Event
	wakeNop bool
}

type recStep struct {
	a   sim.Action
	res sim.StepResult
}

// replayer is the per-run replay state.
type replayer struct {
	memo    []*idleMemo // per CPU
	rec     []bool      // CPU is recording its re-check
	end     []int64     // time of the CPU's last replayed step; -1 none
	opened  []int32     // CPUs replayed since maxEnd last passed
	times   []int64     // the times of their replayed steps, one run of them per CPU
	toff    []int32     // per CPU: where its times start in times
	tn      []int32     // and how many there are
	maxEnd  int64       // latest of end
	off     bool        // replays disabled (a conflict occurred, or tests)
	clash   bool        // a conflict: the run must be done again without replays
	replays int64
	excuses int64 // stop_machine cycles taken by excused CPUs

	excused []bool // CPU is excused from the running stop_machine (see excuse)
	// still: the CPU was left in its memo's end state by a replay or
	// rejoin and has not been planned, stepped or written since, so only
	// a stop_machine's participant flag can have changed (see excuse)
	still    []bool
	nExcused int
	scratch  sim.CPU        // a CPU's state, kept while its copy is woken (checkCycle)
	wakeRes  sim.StepResult // the events of that wake-up
	calls    []int64        // checkCycle's stack of open calls
}

// memo, when not nil, is n memos of a finished run to reuse (see
// Engine.memos); they are invalidated here.
func newReplayer(n int, off bool, memo []*idleMemo) replayer {
	r := replayer{off: off, maxEnd: -1}
	if !off {
		if len(memo) != n {
			memo = make([]*idleMemo, n)
		}
		for _, m := range memo {
			if m != nil {
				m.valid, m.cyc = false, 0
				m.steps = m.steps[:0]
			}
		}
		r.memo = memo
		r.rec = make([]bool, n)
		r.excused = make([]bool, n)
		r.still = make([]bool, n)
		r.end = make([]int64, n)
		r.toff = make([]int32, n)
		r.tn = make([]int32, n)
		for i := range r.end {
			r.end[i] = -1
		}
	}
	return r
}

// open reports whether some replay window reaches now, or some CPU is
// excused from the running stop_machine.
func (ru *run) open() bool { return ru.rp.maxEnd >= ru.now || ru.rp.nExcused > 0 }

// pinned reports whether c's state may not be read or changed now: its
// replayed steps are still to come, or it is excused from the running
// stop_machine. It is called wherever c is planned or its online bit
// written, and so also ends c's stillness.
func (ru *run) pinned(c int) bool {
	if ru.rp.end == nil {
		return false
	}
	ru.rp.still[c] = false
	return ru.rp.end[c] >= ru.now || ru.rp.excused[c]
}

// conflict records that the run cannot be trusted with replays.
func (ru *run) conflict() {
	if !ru.rp.off {
		ru.rp.clash = true
	}
}

// released is called for each participant p that stop_machine released
// back to its own code. It replays p's re-check, or plans p and records the
// re-check for the next time.
func (ru *run) released(p int) {
	rp := &ru.rp
	if rp.off || ru.tl != nil || p == 0 {
		ru.plan(p)
		return
	}
	if rp.excused[p] {
		ru.rejoin(p)
		return
	}
	if ru.replay(p) {
		return
	}
	ru.plan(p)
	if rp.clash {
		return
	}
	m := rp.memo[p]
	if m == nil {
		m = &idleMemo{}
		rp.memo[p] = m
	}
	m.valid, m.cyc = false, 0
	m.steps = m.steps[:0]
	copyCPU(&m.s0, &ru.st.CPUs[p])
	rp.rec[p] = true
}

// replayable are the prims a recorded re-check may consist of: they read
// or change only the CPU itself (cpu_online only of its own id), and price
// prices each as one visible_step draw.
var replayable = map[sim.Prim]bool{
	sim.PrimSelf: true, sim.PrimIRQMask: true, sim.PrimIRQDisable: true, sim.PrimIRQUnmask: true, sim.PrimCPUOnline: true,
}

// record notes the step c just took while recording; a step outside the
// replayable kinds ends the recording.
func (ru *run) record(c int, a sim.Action) {
	res := ru.res
	ok := a.Kind == sim.ActRun && res.Visible && res.Op == sim.OpPrim && replayable[res.Prim]
	if ok && res.Prim == sim.PrimCPUOnline {
		ok = res.NArgs >= 1 && res.Args[0] == uint64(c)
	}
	for i := range res.Events {
		if k := res.Events[i].Kind; k != sim.EvCall && k != sim.EvReturn {
			ok = false
		}
	}
	if !ok || len(ru.rp.memo[c].steps) >= maxProbeSteps {
		ru.rp.rec[c] = false
		return
	}
	// the slot's events buffer from an earlier recording is reused: a
	// recorded step's results are read only while it is replayed
	m := ru.rp.memo[c]
	var evs []sim.Event
	if n := len(m.steps); n < cap(m.steps) {
		evs = m.steps[: n+1 : n+1][n].res.Events[:0]
	}
	s := recStep{a: a, res: *res}
	s.res.Events = nil
	if len(res.Events) > 0 {
		s.res.Events = append(evs, res.Events...)
	}
	m.steps = append(m.steps, s)
}

// recorded is called when plan finds c (recording) with its next action
// chosen (ok) or blocked.
func (ru *run) recorded(c int, ok bool) {
	m := ru.rp.memo[c]
	if ok {
		// the replay assumes the program action is the only one enabled
		if len(ru.acts) != 1 || ru.acts[0].Kind != sim.ActRun {
			ru.rp.rec[c] = false
		}
		return
	}
	ru.rp.rec[c] = false
	if ru.m.Blocked(ru.st, c) == sim.BlockIdle && len(m.steps) > 0 {
		copyCPU(&m.s1, &ru.st.CPUs[c])
		m.valid = true
	}
}

// replay replays p's recorded re-check if p is in the recorded state.
func (ru *run) replay(p int) bool {
	m := ru.rp.memo[p]
	if m == nil || !m.valid || !equalCPU(&m.s0, &ru.st.CPUs[p]) {
		return false
	}
	for _, w := range ru.waiters {
		if ru.m.Blocked(ru.st, int(w)) == sim.BlockRCU {
			return false
		}
	}
	ru.priceSteps(p, m)
	copyCPU(&ru.st.CPUs[p], &m.s1)
	ru.rp.still[p] = true
	return true
}

// priceSteps takes p's recorded re-check: each step priced as if taken
// now, in order, from p's own stream.
func (ru *run) priceSteps(p int, m *idleMemo) {
	saved, savedR := ru.res, ru.r // the recorded results are priced in place
	ru.r = ru.rng(p)
	t := max(ru.runAt[p], ru.now)
	last := t
	if ru.rp.maxEnd < ru.now {
		ru.rp.opened = ru.rp.opened[:0]
		ru.rp.times = ru.rp.times[:0]
	}
	ru.rp.opened = append(ru.rp.opened, int32(p))
	times := ru.rp.times
	ru.rp.toff[p], ru.rp.tn[p] = int32(len(times)), int32(len(m.steps))
	if l := ru.ff.loops; l == nil || l[p] == nil || l[p].dirty {
		// Every recorded step is a program action of a prim record
		// admits, which price prices as one visible_step draw
		// (TestReplayedStepPrice), and the fast-forward's observe does
		// nothing for a CPU without a tracked loop: the recorded results
		// need not be read (thousands of memos per stop_machine, each
		// far from the others in memory).
		for range len(m.steps) {
			last = t
			times = append(times, t)
			t += ns(ru.set.Draw(profile.VisibleStep, ru.r))
			ru.steps++
		}
	} else {
		for i := range m.steps {
			s := &m.steps[i]
			ru.res = &s.res
			last = t
			times = append(times, t)
			t += ru.price(p, s.a)
			ru.ff.observe(ru, p, s.a)
			ru.steps++
		}
	}
	ru.res, ru.r = saved, savedR
	ru.rp.times = times
	ru.runAt[p] = t
	ru.q.remove(p)
	ru.rp.end[p] = last
	ru.rp.maxEnd = max(ru.rp.maxEnd, last)
	ru.rp.replays++
}

// excuse is called at the stop_machine rendezvous for participant c, which
// is at a preemption point. When c is idle in the end state of its
// recorded re-check and the whole cycle from there (entering the stopper,
// being released, the wake-up, the re-check) is known to bring it back
// to that state, c does not enter its stopper: it leaves the
// stop_machine's participants at once and is kept out of the machine
// until the stop_machine ends, when rejoin prices its wake-up and its
// re-check as the replay would. It reports whether c was excused.
//
// Why nothing can tell: the cycle is a function of c's own state. Entering
// the stopper saves and sets c's own interrupt mask; the end of
// stop_machine restores it and clears c's stop_machine flags; the wake-up
// runs only invisible instructions, which in the timed engine's machine
// (no merged accesses) are register operations, calls and returns; and
// the re-check is the replay's. checkCycle runs that wake-up on a copy of
// the state and compares it with the memo. What differs while c is excused
// is c's state between the rendezvous and the release: idle and unmasked
// instead of in its stopper. Everything that could read or change it is a
// conflict while a CPU is excused, as for replay windows: c being
// planned by anything (an IPI, a hand-off, CPU_ON, the hang check), its
// online bit being written, a grace period waited for or started (RCU
// quiescence reads every CPU's stopper and mask), a stop_machine step, the
// run ending. Those are all the ways another CPU's step can change c's
// state (the machine writes another CPU's state only to raise an IPI, set
// its online bit, power it on from OFF, ask it for a hand-off, and in
// stop_machine itself), so c is still in that state when rejoin prices its
// cycle. For the same reason a CPU a replay or rejoin left in the memo's
// end state is still in it, but for the next stop_machine's participant
// flag, until it is next planned, stepped into a stopper or has its online
// bit written (still): its state is then not compared again
// (TestReplayExact and TestReplayExactSeed compare it, verifyStill). Only the steps the run counts and the draws from c's own stream
// remain per CPU: one step for the stopper entry, and the re-check's.
func (ru *run) excuse(c int) bool {
	rp := &ru.rp
	if rp.off || rp.clash || ru.tl != nil || c == 0 || c == int(ru.st.SM.Target) || c == int(ru.st.SM.Caller) {
		return false
	}
	m := rp.memo[c]
	if m == nil || !m.valid || m.cyc < 0 {
		return false
	}
	cpu := &ru.st.CPUs[c]
	if rp.still[c] && verifyStill && !equalButParticipant(cpu, &m.s1) {
		panic(fmt.Sprintf("timed: CPU %d changed without being planned", c))
	}
	if (!rp.still[c] || cpu.Flags != m.s1.Flags|sim.FlagSMPart || cpu.Stopper != 0) && !equalButParticipant(cpu, &m.s1) {
		return false
	}
	if m.cyc == 0 {
		ru.checkCycle(c, m)
		if m.cyc < 0 {
			return false
		}
	}
	cpu.Flags &^= sim.FlagSMPart
	ru.st.SM.Waiting--
	rp.excused[c] = true
	rp.nExcused++
	rp.excuses++
	ru.q.remove(c)
	ru.steps++ // the stopper entry
	return true
}

// equalButParticipant compares cpu with s as equalCPU does, but for
// cpu's stop_machine participant flag.
func equalButParticipant(cpu, s *sim.CPU) bool {
	f := cpu.Flags
	cpu.Flags &^= sim.FlagSMPart
	same := equalCPU(cpu, s)
	cpu.Flags = f
	return same
}

// verifyStill makes excuse compare a still CPU with its memo anyway, and
// panic if they differ (tests).
var verifyStill bool

// checkCycle decides whether m's end state s1 is a fixed point of the
// stop_machine cycle of CPU c (see excuse): c, in s1 with the stop_machine
// running, enters its stopper now, and the wake-up the end of
// stop_machine gives it from s1 reaches m's start state s0 with events
// that are only its own calls and returns. The wake-up runs on the real
// state with c's state replaced by s1, and everything is put back.
func (ru *run) checkCycle(c int, m *idleMemo) {
	rp := &ru.rp
	m.cyc = -1
	for _, fr := range m.s1.Frames {
		if fr.Kind != sim.FrameCall && fr.Kind != sim.FrameEntry && fr.Kind != sim.FrameIRQ {
			return // a return from it would do more than change c
		}
	}
	enters := false
	ru.acts = ru.m.Actions(ru.st, c, ru.acts[:0])
	for _, a := range ru.acts {
		if a.Kind == sim.ActPreempt && a.Arg == 1 {
			enters = true
		}
	}
	if !enters {
		return
	}
	cpu := &ru.st.CPUs[c]
	copyCPU(&rp.scratch, cpu)
	copyCPU(cpu, &m.s1)
	end, endCPU := ru.st.End, ru.st.EndCPU
	ru.m.WakeIdle(ru.st, c, &rp.wakeRes)
	ok := ru.st.End == end && equalCPU(cpu, &m.s0)
	ru.st.End, ru.st.EndCPU = end, endCPU
	copyCPU(cpu, &rp.scratch)
	if !ok {
		return
	}
	// The wake-up's events must be c's calls and returns of untraced
	// functions: rejoin accounts them after the machine's wake-ups of the
	// CPUs that were not excused, and only a traced call's record (the
	// run's list of calls) depends on that order; the rest of the call
	// accounting is c's own. They leave it unchanged (wakeNop) when they
	// nest.
	nop := true
	open := rp.calls[:0]
	for i := range rp.wakeRes.Events {
		ev := &rp.wakeRes.Events[i]
		if int(ev.CPU) != c || (ev.Kind != sim.EvCall && ev.Kind != sim.EvReturn) || ru.tracedName(ev.Val) != "" {
			return
		}
		switch {
		case ev.Kind == sim.EvCall:
			open = append(open, ev.Val)
		case len(open) > 0 && open[len(open)-1] == ev.Val:
			open = open[:len(open)-1]
		default:
			nop = false
		}
	}
	rp.calls = open
	m.wake = append(m.wake[:0], rp.wakeRes.Events...)
	m.wakeNop = nop && len(open) == 0
	m.cyc = 1
}

// rejoin ends excused CPU p's stop_machine cycle when the stop_machine
// finishes: its wake-up's events are accounted and its re-check is priced
// as the replay does, and p is left in the state it was in (the memo's
// end state, which is where the cycle leads).
func (ru *run) rejoin(p int) {
	rp := &ru.rp
	rp.excused[p] = false
	rp.nExcused--
	m := rp.memo[p]
	for _, w := range ru.waiters {
		if ru.m.Blocked(ru.st, int(w)) == sim.BlockRCU {
			ru.conflict() // the replay would not be taken
			return
		}
	}
	if !m.wakeNop || ru.cost.inWait[p] {
		// as events does for the machine's wake-up of p
		for i := range m.wake {
			ru.costCall(&m.wake[i], ru.runAt[p])
		}
	}
	ru.priceSteps(p, m)
	rp.still[p] = true
}

func copyCPU(dst, src *sim.CPU) {
	f, r, k := dst.Frames, dst.Regs, dst.Masks
	*dst = *src
	dst.Frames = append(f[:0], src.Frames...)
	dst.Regs = append(r[:0], src.Regs...)
	dst.Masks = append(k[:0], src.Masks...)
}

// equalCPU compares two CPU states field by field (reflect.DeepEqual is
// too slow for thousands of CPUs per stop_machine, and so, by a factor of
// two here, is slices.Equal on frames).
func equalCPU(a, b *sim.CPU) bool {
	if a.Flags != b.Flags || a.PSCI != b.PSCI || a.Pending != b.Pending || a.Lose != b.Lose ||
		a.Stopper != b.Stopper || a.Handoff != b.Handoff || a.OnEntry != b.OnEntry ||
		len(a.Frames) != len(b.Frames) || len(a.Regs) != len(b.Regs) || len(a.Masks) != len(b.Masks) {
		return false
	}
	for i := range a.Frames {
		f, g := &a.Frames[i], &b.Frames[i]
		if f.Func != g.Func || f.PC != g.PC || f.Ret != g.Ret || f.RegBase != g.RegBase || f.MaskBase != g.MaskBase ||
			f.Kind != g.Kind || f.Phase != g.Phase || f.Saved != g.Saved {
			return false
		}
	}
	r, q := a.Regs, b.Regs[:len(a.Regs)]
	for i := range r {
		if r[i] != q[i] {
			return false
		}
	}
	return slices.Equal(a.Masks, b.Masks)
}

// pending is the earliest time at which a replayed step would still be in
// the queue when CPU c steps now: a step at a later time, or at the same
// time on a CPU that comes after c. never when there is none.
func (ru *run) pending(c int) int64 {
	t := int64(never)
	if ru.rp.maxEnd < ru.now {
		return t
	}
	for _, p := range ru.rp.opened {
		if ru.rp.end[p] < ru.now {
			continue
		}
		for _, ti := range ru.rp.times[ru.rp.toff[p]:][:ru.rp.tn[p]] {
			if ti > ru.now || (ti == ru.now && int(p) > c) {
				t = min(t, ti)
				break
			}
		}
	}
	return t
}

// memos is n replay memos of a finished run, or nil (see putRun).
func (e *Engine) memos(n int) []*idleMemo {
	if p, ok := e.memoPool.Get().(*[]*idleMemo); ok && len(*p) == n {
		return *p
	}
	return nil
}

// putRun returns a finished run's buffers that nothing of its result
// refers to (the cost accounting, whose completed calls the result holds
// and which is dropped from it, and the replay memos) to the engine's
// pools: runs of one engine grow the same per-CPU buffers, so their
// storage is reused instead of grown anew in every run.
func (e *Engine) putRun(ru *run) {
	if cs := ru.cost; cs != nil {
		ru.cost, cs.calls = nil, nil
		e.costPool.Put(cs)
	}
	if m := ru.rp.memo; m != nil {
		ru.rp.memo = nil
		e.memoPool.Put(&m)
	}
}
