package timed

import (
	"math"
	"slices"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// Fast-forwarding polling loops.
//
// A loop such as
//
//	while (num_online_cpus() > 1 && timeout--)
//		udelay(1);
//
// runs as written, one priced step per visible action. When nothing can
// change what it reads, a million iterations would still cost a million
// events. The engine therefore skips iterations under this rule:
//
//  1. The CPU is at the same visible instruction of a wait's condition block
//     (sim.Wait), at the same call depth, for the third time in a row, and
//     the two iterations in between were clean: every step was the CPU's
//     own ActRun of a shared-memory load, a read-only prim (sim.PrimSpec.
//     ReadOnly) or a pure delay (udelay, usleep_range, msleep,
//     schedule_timeout, cpu_relax), with no event other CPUs can observe;
//     every step in the loop's function was an instruction of the wait's
//     own loop (sim.Program.WaitLoop: its natural loop, which excludes
//     every enclosing loop); and every register of the loop's frame changed
//     by the same amount in both iterations (a counter, or nothing), with
//     no change at all in a register that only code outside the wait's
//     loop writes. The last two keep a pass of an enclosing loop (one that
//     polls each CPU in turn, say) from passing for an iteration of the
//     wait: the enclosing loop's index would be skipped ahead with it.
//     Other visible instructions of the same condition block (a condition
//     of several reads) are steps of the iteration in progress.
//  2. Nothing else can happen to the machine before the next event of any
//     other CPU, or of this CPU's own timers (an IPI, a hand-off, firmware,
//     stop_machine); a CPU with a pending IPI or taking part in stop_machine
//     is never fast-forwarded. Since the loop writes nothing, the state it
//     reads is frozen until then, except for its own registers and the
//     clock.
//  3. The engine jumps j iterations at once: registers advance by j times
//     their per-iteration change and time by j times the iteration's
//     expected cost (the mean of each priced step, so skipped iterations
//     are not biased by one draw). j is the largest number, ending at least
//     two iterations before the next event, for which one more iteration
//     from the jumped state still returns to the loop head without leaving
//     the wait's loop (an enclosing loop that comes back to the same head
//     is not an iteration): found by binary
//     search, with each probe executed by the machine on the real state and
//     rolled back (a probe only reads). This assumes the loop's exit is
//     monotone in the iteration count (once a bound runs out it stays run
//     out), which holds for counter and deadline bounds of the form the
//     compiler marks as waits. No changing register may cross zero or
//     overflow within the jump (counters tested against zero, such as
//     timeout--, leave the loop exactly there); a loop whose exit is an
//     equality with some other value of a counter is outside this rule's
//     assumption.
//
// The iterations after the jump run as written, so the exit (a condition
// that became false, or the bound expiring) happens in a real step.
type forward struct {
	loops []*loop // by CPU (nil: no loop tracked); read on every step, so not a map
	undo  *sim.Undo
	regs  []uint64
	delta []uint64 // try's per-iteration register changes (reused)
}

// waitLoop is the static extent of a wait's loop (sim.Program.WaitLoop).
type waitLoop struct {
	fn     int32
	region []bool // per pc of fn: an instruction of the loop
	writes []bool // per register of fn's frame: written inside the loop
}

type loop struct {
	wait   int32
	fn, pc int32
	depth  int
	regs   [3][]uint64 // the loop frame's registers at the last three visits of the head
	mean   [2]float64  // expected cost of the last two iterations (seconds)
	cur    float64     // expected cost of the iteration in progress
	visits int         // consecutive clean visits recorded in regs
	dirty  bool
}

// maxProbeSteps bounds the steps of one probe iteration.
const maxProbeSteps = 256

// try is called before c's ActRun; it reports whether it fast-forwarded c
// (c is then rescheduled and must not step now).
func (f *forward) try(ru *run, c int) bool {
	cpu := &ru.st.CPUs[c]
	fr := &cpu.Frames[len(cpu.Frames)-1]
	w := ru.e.waitAt.at(fr.Func, fr.PC) - 1
	if w < 0 {
		return false
	}
	if f.loops == nil {
		f.loops = make([]*loop, ru.n)
	}
	l := f.loops[c]
	nregs := ru.e.prog.Funcs[fr.Func].NumRegs
	regs := cpu.Regs[fr.RegBase : int(fr.RegBase)+nregs]
	if l != nil && !l.dirty && l.wait == w && l.fn == fr.Func && l.depth == len(cpu.Frames) && l.pc != fr.PC {
		return false // another read of the same condition: the iteration goes on
	}
	if l == nil || l.fn != fr.Func || l.pc != fr.PC || l.depth != len(cpu.Frames) || l.dirty {
		if l == nil {
			l = &loop{}
			f.loops[c] = l
		}
		*l = loop{wait: w, fn: fr.Func, pc: fr.PC, depth: len(cpu.Frames), regs: l.regs, visits: 1}
		l.regs[2] = append(l.regs[2][:0], regs...)
		return false
	}
	// one clean iteration completed
	l.regs[0], l.regs[1], l.regs[2] = l.regs[1], l.regs[2], l.regs[0]
	l.regs[2] = append(l.regs[2][:0], regs...)
	l.mean[0], l.mean[1] = l.mean[1], l.cur
	l.cur = 0
	l.visits = min(l.visits+1, 3)
	if l.visits < 3 {
		return false
	}
	if cpu.Pending != 0 || cpu.Flags&(sim.FlagSMPart|sim.FlagHeld) != 0 || cpu.Handoff != 0 {
		return false
	}
	wl := &ru.e.loops[l.wait]
	f.delta = slices.Grow(f.delta[:0], nregs)[:nregs]
	delta := f.delta
	for i := range nregs {
		d1 := l.regs[1][i] - l.regs[0][i]
		d2 := l.regs[2][i] - l.regs[1][i]
		if d1 != d2 || d2 != 0 && !wl.writes[i] {
			return false
		}
		delta[i] = d2
	}
	iter := ns((l.mean[0] + l.mean[1]) / 2)
	if iter <= 0 {
		return false
	}
	next := ru.maxTime + iter
	if t, ok := ru.q.peek(); ok {
		next = min(next, t)
	}
	next = min(next, ru.fwAt[c], ru.releaseAt[c], ru.handoffAt[c], ru.pending(c))
	if next <= ru.now {
		return false
	}
	jmax := (next-ru.now)/iter - 2
	if jmax < 4 {
		return false
	}
	jmax = min(jmax, 1<<40)
	// No register may cross zero or overflow on the way: a counter tested
	// for zero (timeout--) leaves the loop exactly there, and a wrapped
	// counter would look like a fresh one.
	for i := range nregs {
		if d := int64(delta[i]); d != 0 {
			jmax = min(jmax, noCross(int64(l.regs[2][i]), d)-2)
		}
	}
	if jmax < 4 {
		return false
	}
	probe := func(j int64) bool { return f.probe(ru, c, l, delta, j, iter) }
	j := jmax
	if !probe(jmax) {
		lo, hi := int64(0), jmax
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if probe(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		j = lo
	}
	if j < 2 {
		return false
	}
	fr = &cpu.Frames[len(cpu.Frames)-1]
	regs = cpu.Regs[fr.RegBase : int(fr.RegBase)+nregs]
	for i := range regs {
		regs[i] += uint64(j) * delta[i]
	}
	ru.runAt[c] = ru.now + j*iter
	ru.skipped += j
	l.visits = 1
	l.regs[2] = append(l.regs[2][:0], regs...)
	ru.plan(c)
	return true
}

// noCross is the number of steps of size d from v that stay strictly on
// v's side of zero and inside int64.
func noCross(v, d int64) int64 {
	switch {
	case v > 0 && d < 0:
		return (v - 1) / -d
	case v < 0 && d > 0:
		return (-v - 1) / d
	case d > 0:
		return (math.MaxInt64 - v) / d
	case v == 0:
		return 0
	}
	return (v - math.MinInt64) / -d
}

// probe reports whether, after j skipped iterations, one more iteration
// still returns to the loop head. It steps the real state under a
// sim.Undo and takes everything back afterwards.
func (f *forward) probe(ru *run, c int, l *loop, delta []uint64, j, iter int64) bool {
	if f.undo == nil {
		f.undo = ru.m.NewUndo()
	}
	cpu := &ru.st.CPUs[c]
	fr := &cpu.Frames[len(cpu.Frames)-1]
	regs := cpu.Regs[fr.RegBase : int(fr.RegBase)+len(delta)]
	f.regs = append(f.regs[:0], regs...)
	f.undo.Begin(ru.st)
	defer func() {
		f.undo.Restore(ru.st)
		cpu := &ru.st.CPUs[c]
		fr := &cpu.Frames[len(cpu.Frames)-1]
		copy(cpu.Regs[fr.RegBase:], f.regs)
	}()
	for i := range regs {
		regs[i] += uint64(j) * delta[i]
	}
	ru.st.Now += j * iter
	for n := 0; n < maxProbeSteps; n++ {
		if n > 0 {
			if len(cpu.Frames) < l.depth || ru.st.End != sim.Running || cpu.PSCI != sim.PowerOn {
				return false
			}
			fr := &cpu.Frames[len(cpu.Frames)-1]
			if len(cpu.Frames) == l.depth && fr.Func == l.fn && fr.PC == l.pc {
				// back at the head: an iteration only if every register
				// moved by its per-iteration change (a pass of an
				// enclosing loop that comes back here changes its own)
				now := cpu.Regs[fr.RegBase : int(fr.RegBase)+len(delta)]
				for i := range now {
					if now[i] != f.regs[i]+uint64(j+1)*delta[i] {
						return false
					}
				}
				return true
			}
			if wl := &ru.e.loops[l.wait]; len(cpu.Frames) == l.depth && fr.Func == wl.fn && (int(fr.PC) >= len(wl.region) || !wl.region[fr.PC]) {
				// it left the wait's loop: an enclosing loop may bring it
				// back to the head, but that is not one more iteration
				return false
			}
		}
		if !ru.pureNext(c) {
			return false
		}
		ru.m.Step(ru.st, sim.Action{CPU: int32(c), Kind: sim.ActRun}, &ru.probeRes)
		if ru.st.End != sim.Running || !pureEvents(&ru.probeRes) {
			return false
		}
	}
	return false
}

// pureNext reports whether c's next visible instruction only reads shared
// state or waits.
func (ru *run) pureNext(c int) bool {
	cpu := &ru.st.CPUs[c]
	if len(cpu.Frames) == 0 {
		return false
	}
	fr := &cpu.Frames[len(cpu.Frames)-1]
	in := &ru.e.prog.Funcs[fr.Func].Code[fr.PC]
	switch in.Op {
	case sim.OpLoadG, sim.OpLoadPCPU:
		return true
	case sim.OpPrim:
		return purePrim(sim.Prim(in.Sub))
	}
	return false
}

func purePrim(p sim.Prim) bool {
	switch p {
	case sim.PrimUdelay, sim.PrimUsleepRange, sim.PrimMsleep, sim.PrimSleepJiffies, sim.PrimCPURelax:
		return true
	}
	return sim.Prims[p].ReadOnly
}

func pureEvents(res *sim.StepResult) bool {
	for i := range res.Events {
		switch res.Events[i].Kind {
		case sim.EvAffinityInfo, sim.EvCall, sim.EvReturn:
		default:
			return false
		}
	}
	return true
}

// observe records a step of c for the loop tracking of c.
func (f *forward) observe(ru *run, c int, a sim.Action) {
	if c >= len(f.loops) {
		return
	}
	l := f.loops[c]
	if l == nil || l.dirty {
		return
	}
	res := ru.res
	if a.Kind != sim.ActRun || !res.Visible || !pureEvents(res) {
		l.dirty = true
		return
	}
	if wl := &ru.e.loops[l.wait]; res.Func == wl.fn && (int(res.PC) >= len(wl.region) || !wl.region[res.PC]) {
		l.dirty = true // left the wait's loop: an enclosing loop ran
		return
	}
	switch res.Op {
	case sim.OpLoadG, sim.OpLoadPCPU:
		l.cur += ru.set.Mean(profile.VisibleStep)
		return
	case sim.OpPrim:
		if purePrim(res.Prim) {
			l.cur += ru.meanCost()
			return
		}
	}
	l.dirty = true
}

// meanCost is the expected cost of the pure prim step just taken (see price).
func (ru *run) meanCost() float64 {
	s, res := ru.set, ru.res
	switch res.Prim {
	case sim.PrimUdelay:
		return float64(res.Args[0])*1e-6*s.Value(profile.UdelayFactor) + s.Mean(profile.UdelayOverhead)
	case sim.PrimUsleepRange:
		lo, hi := float64(res.Args[0])*1e-6, float64(res.Args[1])*1e-6
		return lo + s.Mean(profile.UsleepPosition)*max(hi-lo, 0) + s.Mean(profile.TimerWakeup)
	case sim.PrimMsleep, sim.PrimSleepJiffies:
		j := float64(res.Args[0])
		if res.Prim == sim.PrimMsleep {
			j = math.Ceil(j*s.Value(profile.HZ)/1000) + 1
		}
		if j <= 0 {
			return s.Mean(profile.VisibleStep)
		}
		return (j-0.5)*s.Jiffy() + s.Mean(profile.TimerWakeup)
	case sim.PrimPSCIAffinityInfo:
		return s.Mean(profile.PSCICall)
	}
	return s.Mean(profile.VisibleStep)
}
