package timed

import (
	"slices"

	"github.com/patchcheck/patchcheck/sim"
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
	times   [][]int64   // per CPU: the times of its replayed steps
	opened  []int32     // CPUs replayed since maxEnd last passed
	maxEnd  int64       // latest of end
	off     bool        // replays disabled (a conflict occurred, or tests)
	clash   bool        // a conflict: the run must be done again without replays
	replays int64
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
				m.valid = false
				m.steps = m.steps[:0]
			}
		}
		r.memo = memo
		r.rec = make([]bool, n)
		r.end = make([]int64, n)
		r.times = make([][]int64, n)
		for i := range r.end {
			r.end[i] = -1
		}
	}
	return r
}

// open reports whether some replay window reaches now.
func (ru *run) open() bool { return ru.rp.maxEnd >= ru.now }

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
	m.valid = false
	m.steps = m.steps[:0]
	copyCPU(&m.s0, &ru.st.CPUs[p])
	rp.rec[p] = true
}

// record notes the step c just took while recording; a step outside the
// replayable kinds ends the recording.
func (ru *run) record(c int, a sim.Action) {
	res := ru.res
	ok := a.Kind == sim.ActRun && res.Visible && res.Op == sim.OpPrim
	if ok {
		switch res.Prim {
		case sim.PrimSelf, sim.PrimIRQMask, sim.PrimIRQDisable, sim.PrimIRQUnmask:
		case sim.PrimCPUOnline:
			ok = res.NArgs >= 1 && res.Args[0] == uint64(c)
		default:
			ok = false
		}
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
	saved, savedR := ru.res, ru.r // the recorded results are priced in place
	ru.r = ru.rng(p)
	t := max(ru.runAt[p], ru.now)
	last := t
	if ru.rp.maxEnd < ru.now {
		ru.rp.opened = ru.rp.opened[:0]
	}
	ru.rp.opened = append(ru.rp.opened, int32(p))
	times := ru.rp.times[p][:0]
	for i := range m.steps {
		s := &m.steps[i]
		ru.res = &s.res
		last = t
		times = append(times, t)
		t += ru.price(p, s.a)
		ru.ff.observe(ru, p, s.a)
		ru.steps++
	}
	ru.res, ru.r = saved, savedR
	ru.rp.times[p] = times
	ru.runAt[p] = t
	copyCPU(&ru.st.CPUs[p], &m.s1)
	ru.q.remove(p)
	ru.rp.end[p] = last
	ru.rp.maxEnd = max(ru.rp.maxEnd, last)
	ru.rp.replays++
	return true
}

func copyCPU(dst, src *sim.CPU) {
	f, r, k := dst.Frames, dst.Regs, dst.Masks
	*dst = *src
	dst.Frames = append(f[:0], src.Frames...)
	dst.Regs = append(r[:0], src.Regs...)
	dst.Masks = append(k[:0], src.Masks...)
}

// equalCPU compares two CPU states field by field (reflect.DeepEqual is
// too slow for thousands of CPUs per stop_machine).
func equalCPU(a, b *sim.CPU) bool {
	return a.Flags == b.Flags && a.PSCI == b.PSCI && a.Pending == b.Pending && a.Lose == b.Lose &&
		a.Stopper == b.Stopper && a.Handoff == b.Handoff && a.OnEntry == b.OnEntry &&
		slices.Equal(a.Frames, b.Frames) && slices.Equal(a.Regs, b.Regs) && slices.Equal(a.Masks, b.Masks)
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
		for _, ti := range ru.rp.times[p] {
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
