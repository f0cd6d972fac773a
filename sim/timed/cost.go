package timed

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// Where the time goes. Every CPU's time is cut into intervals, from one of
// its steps to the next, and each interval is charged to the cause of the
// step that opened it: a printk's console write, a sleep, a firmware call,
// a grace period, ... A CPU idle in wfi that is sent an IPI is charged "IPI
// delivery" until it takes the interrupt. Time the boot CPU spends polling
// a wait is, once the wait ends, charged like the time of the CPU it waited
// for (the last other CPU to step before the wait ended) over the same span, so
// that a boot CPU spinning on num_online_cpus() shows the IPI delivery and
// handler work of the CPU that released it, not "polling". The breakdown
// of a function's duration on a CPU is the difference of that CPU's charges
// between its entry and its return.

// Cause is one cause of time.
type Cause uint8

const (
	CauseCode        Cause = iota // kernel code: shared-memory accesses and cheap primitives
	CauseConsole                  // console output of printk and WARN
	CauseSleep                    // msleep, usleep_range, schedule_timeout outside a polling loop
	CauseDelay                    // udelay/mdelay outside a polling loop
	CausePoll                     // a polling wait nobody released (or released by itself)
	CauseFirmware                 // PSCI calls and the firmware's CPU_OFF
	CauseRCU                      // synchronize_rcu grace periods
	CauseStopMachine              // stop_machine rendezvous
	CauseIPI                      // IPI delivery to an idle or busy CPU
	CauseIRQEntry                 // interrupt entry
	CauseHandoff                  // scheduler hand-offs to and from kthreads
	CauseHotplug                  // hotplug callbacks priced by the profile
	CauseShutdown                 // reboot notifiers and device shutdown
	CauseKexec                    // machine_kexec's copy and the relocation stub
	CauseIdle                     // an idle CPU with nothing pending
	CauseWorkload                 // a busy scenario's task running
	numCauses
)

var causeNames = [numCauses]string{
	CauseCode: "kernel code", CauseConsole: "console output", CauseSleep: "sleeps", CauseDelay: "delays",
	CausePoll: "polling waits", CauseFirmware: "firmware calls", CauseRCU: "RCU grace periods",
	CauseStopMachine: "stop_machine", CauseIPI: "IPI delivery", CauseIRQEntry: "interrupt entry",
	CauseHandoff: "scheduler hand-offs", CauseHotplug: "hotplug callbacks", CauseShutdown: "device shutdown and notifiers",
	CauseKexec: "kexec image copy", CauseIdle: "idle", CauseWorkload: "workload",
}

func (c Cause) String() string { return causeNames[c] }

// Share is a cause's part of a metric's median.
type Share struct {
	What  string  `json:"what"`
	Share float64 `json:"share"` // 0..1
}

// breakdown is time per cause, in seconds.
type breakdown [numCauses]float64

func (b *breakdown) sub(o *breakdown) breakdown {
	var d breakdown
	for i := range b {
		d[i] = b[i] - o[i]
	}
	return d
}

// shares turns a breakdown into shares of its total, largest first, causes
// under 0.05% left out, each rounded to 0.1%. Negative parts (a window that
// started inside a wait later charged to another CPU) count as zero.
func (b *breakdown) shares(console string) []Share {
	total := 0.0
	for _, v := range b {
		total += max(v, 0)
	}
	out := []Share{}
	if total <= 0 {
		return out
	}
	for i, v := range b {
		if s := max(v, 0) / total; s >= 0.0005 {
			what := Cause(i).String()
			if Cause(i) == CauseConsole && console != "" {
				what += " (" + console + ")"
			}
			out = append(out, Share{What: what, Share: float64(int64(s*1000+0.5)) / 1000})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Share > out[j].Share })
	return out
}

// costs is the charge accounting of one run.
type costs struct {
	acc    []breakdown // per CPU: closed intervals
	lastT  []int64     // per CPU: start of the open interval
	lastC  []Cause     // its cause
	inWait []bool      // the CPU's last step was in a polling wait
	waitFn []int32     // the function of the wait's condition
	waitD  []int       // its frame depth: deeper steps (the condition's callees) are the wait's too
	waitT  []int64     // when the current wait began
	prev   [2]int      // the last two distinct CPUs that stepped, most recent first

	// The boot CPU's current wait: its generation, and every other CPU's
	// charges at its start, saved lazily before that CPU's first charge
	// after it (copying every CPU's charges at each wait would cost O(N)
	// per wait).
	gen      int
	poll0    float64 // the boot CPU's polling charge at the wait's start
	savedGen []int
	saved    []breakdown

	// calls
	stack [][]callFrame // per CPU
	calls map[string][]Call
}

type callFrame struct {
	fn    int32
	at    int64
	snap  breakdown
	trace bool
}

// Call is one completed call of a traced function.
type Call struct {
	CPU  int
	Dur  float64 // seconds
	Cost breakdown
}

// newCosts starts the accounting of n CPUs: the boot CPU runs code, the
// secondaries wait in their idle loop or run the busy scenario's task.
// reuse, when it has n CPUs, is a finished run's accounting whose storage
// is reset and used (see Engine.pooledCosts).
func newCosts(n int, busy bool, reuse *costs) *costs {
	c := reuse
	if c == nil || len(c.acc) != n {
		c = &costs{acc: make([]breakdown, n), lastT: make([]int64, n), lastC: make([]Cause, n), inWait: make([]bool, n),
			waitFn: make([]int32, n), waitD: make([]int, n), waitT: make([]int64, n), savedGen: make([]int, n), saved: make([]breakdown, n), stack: make([][]callFrame, n)}
	} else {
		clear(c.acc)
		clear(c.lastT)
		clear(c.inWait)
		clear(c.waitFn)
		clear(c.waitD)
		clear(c.waitT)
		clear(c.savedGen)
		clear(c.saved)
		for i := range c.stack {
			c.stack[i] = c.stack[i][:0]
		}
		c.gen, c.poll0, c.calls = 0, 0, nil
	}
	c.prev = [2]int{-1, -1}
	for i := range c.lastC {
		switch {
		case i == 0:
			c.lastC[i] = CauseCode
		case busy:
			c.lastC[i] = CauseWorkload
		default:
			c.lastC[i] = CauseIdle
		}
	}
	return c
}

// close charges c's open interval up to t and opens one of cause k.
func (cs *costs) close(c int, t int64, k Cause) {
	if cs.inWait[0] && c != 0 && cs.savedGen[c] != cs.gen {
		cs.saved[c], cs.savedGen[c] = cs.snap(c, cs.waitT[0]), cs.gen
	}
	if t > cs.lastT[c] {
		cs.acc[c][cs.lastC[c]] += secs(t - cs.lastT[c])
		cs.lastT[c] = t
	}
	cs.lastC[c] = k
}

// snap is c's charges up to t, the open interval included.
func (cs *costs) snap(c int, t int64) breakdown {
	b := cs.acc[c]
	if t > cs.lastT[c] {
		b[cs.lastC[c]] += secs(t - cs.lastT[c])
	}
	return b
}

// costStep accounts the step c just took at ru.now; depth is c's frame
// depth before it (that of the visible instruction the step executed).
func (ru *run) costStep(c int, a sim.Action, depth int) {
	cs := ru.cost
	k, inWait := ru.cause(c, a, depth)
	now := ru.now
	if cs.inWait[c] && !inWait {
		ru.waitEnded(c, now)
	}
	cs.close(c, now, k)
	if inWait && !cs.inWait[c] {
		cs.waitT[c] = now
		if c == 0 {
			cs.gen++
			cs.poll0 = cs.acc[0][CausePoll]
		}
	}
	cs.inWait[c] = inWait
	if cs.prev[0] != c {
		cs.prev[1], cs.prev[0] = cs.prev[0], c
	}
}

// waitEnded charges the polling time of the boot CPU's wait, [waitT, t],
// like the time of the CPU that released it over the same span. (Waits of
// other CPUs stay polling waits.)
func (ru *run) waitEnded(c int, t int64) {
	cs := ru.cost
	r := cs.prev[0]
	if r == c {
		r = cs.prev[1]
	}
	cs.close(c, t, cs.lastC[c])
	span := secs(t - cs.waitT[c])
	if c != 0 || r < 0 || span <= 0 {
		return
	}
	base := cs.snap(r, cs.waitT[0])
	if cs.savedGen[r] == cs.gen {
		base = cs.saved[r]
	}
	now := cs.snap(r, t)
	d := now.sub(&base)
	total := 0.0
	for i := range d {
		if d[i] < 0 || Cause(i) == CauseIdle {
			d[i] = 0 // an idle releaser did not hold the wait up
		}
		total += d[i]
	}
	if total <= 0 {
		return
	}
	// move the wait's polling time to the releaser's causes
	moved := min(span, cs.acc[c][CausePoll]-cs.poll0)
	cs.acc[c][CausePoll] -= moved
	for i := range d {
		cs.acc[c][i] += moved * d[i] / total
	}
}

// ipiSent: an idle or busy CPU t that is sent an IPI waits for its
// delivery until its next step.
func (ru *run) costIPI(t int) {
	cs := ru.cost
	cpu := &ru.st.CPUs[t]
	if len(cpu.Frames) == 0 {
		return
	}
	fr := &cpu.Frames[len(cpu.Frames)-1]
	in := &ru.e.prog.Funcs[fr.Func].Code[fr.PC]
	if k := cs.lastC[t]; k == CauseIdle || k == CauseWorkload || in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimIdleWait {
		cs.close(t, ru.now, CauseIPI)
	}
}

// cause is the cause of the interval c's last step opened, and whether
// the step was part of a polling wait.
func (ru *run) cause(c int, a sim.Action, depth int) (Cause, bool) {
	switch a.Kind {
	case sim.ActIRQ:
		return CauseIRQEntry, false
	case sim.ActFirmware:
		return CauseIdle, false
	case sim.ActStopperRun:
		return CauseStopMachine, false
	case sim.ActPreempt:
		return CauseHandoff, false
	case sim.ActRun:
	default:
		return CauseCode, false
	}
	res := ru.res
	cs := ru.cost
	if !res.Visible {
		return CauseCode, cs.inWait[c]
	}
	inCond := ru.e.waitAt.at(res.Func, res.PC) != 0
	inLoop := ru.e.loopAt.at(res.Func, res.PC)
	if (inCond || inLoop) && (!cs.inWait[c] || depth <= cs.waitD[c]) {
		cs.waitFn[c], cs.waitD[c] = res.Func, depth
	}
	// in the condition or a function it calls; waiting: anywhere in the
	// loop, its delay included
	inCond = inCond || cs.inWait[c] && depth > cs.waitD[c]
	waiting := inCond || inLoop
	if res.Op != sim.OpPrim {
		return pollOr(inCond, CauseCode), inCond
	}
	switch res.Prim {
	case sim.PrimUdelay:
		return pollOr(waiting, CauseDelay), waiting
	case sim.PrimUsleepRange, sim.PrimMsleep, sim.PrimSleepJiffies:
		return pollOr(waiting, CauseSleep), waiting
	case sim.PrimCPURelax:
		return pollOr(waiting, CauseCode), waiting
	case sim.PrimSynchronizeRCU:
		return CauseRCU, false
	case sim.PrimPSCIAffinityInfo, sim.PrimPSCICPUOn, sim.PrimPSCICPUOff, sim.PrimSDEIMask:
		return pollOr(inCond, CauseFirmware), inCond
	case sim.PrimPrintk, sim.PrimWarn:
		return CauseConsole, false
	case sim.PrimStopMachine:
		return CauseStopMachine, false
	case sim.PrimSchedHandoff:
		return CauseHandoff, false
	case sim.PrimCrossCall:
		return CauseCode, false
	case sim.PrimIdleWait:
		if ru.isBusy(c) {
			return CauseWorkload, false
		}
		return CauseIdle, false
	case sim.PrimCost:
		in := &ru.e.prog.Funcs[res.Func].Code[res.PC]
		if id := ru.e.costs[in.Imm]; id >= 0 {
			name := profile.Specs[id].Name
			switch {
			case strings.HasPrefix(name, "cpuhp_"):
				return CauseHotplug, false
			case name == "reboot_notifiers" || name == "device_shutdown":
				return CauseShutdown, false
			case name == "machine_kexec" || name == "relocation":
				return CauseKexec, false
			}
		}
		return CauseCode, false
	}
	return pollOr(inCond, CauseCode), inCond
}

// pollingLoops marks every instruction of a polling loop: from its OpWait
// head to the jump back to it (see sim.Wait).
func pollingLoops(p *sim.Program) pcTable[bool] {
	out := newPCTable[bool](p)
	for fi, f := range p.Funcs {
		for h, in := range f.Code {
			if in.Op != sim.OpWait {
				continue
			}
			end := -1
			for j := h + 1; j < len(f.Code); j++ {
				if f.Code[j].Op == sim.OpJump && int(f.Code[j].Target) == h {
					end = j
				}
			}
			for j := h; j <= end; j++ {
				out.set(int32(fi), int32(j), true)
			}
		}
	}
	return out
}

func pollOr(waiting bool, k Cause) Cause {
	if waiting {
		return CausePoll
	}
	return k
}

// costCall records call events of every CPU for the traced functions'
// per-call metrics; t is when the call or return happened.
func (ru *run) costCall(ev *sim.Event, t int64) {
	cs := ru.cost
	c := int(ev.CPU)
	if c < 0 || c >= len(cs.stack) {
		return
	}
	switch ev.Kind {
	case sim.EvCall:
		f := callFrame{fn: int32(ev.Val), at: t}
		if ru.tracedName(int64(f.fn)) != "" {
			f.trace, f.snap = true, cs.snap(c, t)
		}
		cs.stack[c] = append(cs.stack[c], f)
	case sim.EvReturn:
		if cs.inWait[c] && cs.waitFn[c] == int32(ev.Val) {
			// the function of the wait returned: the wait is over (its
			// exit may run no visible step before the return)
			ru.waitEnded(c, t)
			cs.inWait[c], cs.lastC[c] = false, CauseCode
		}
		st := cs.stack[c]
		// a frame dropped without its return (an IRQ handler that never
		// returns, CPU_OFF) leaves entries below: unwind to the function
		for i := len(st) - 1; i >= 0; i-- {
			if st[i].fn != int32(ev.Val) {
				continue
			}
			f := &st[i] // not copied: nothing is pushed before its last use
			cs.stack[c] = st[:i]
			if f.trace {
				end := cs.snap(c, t)
				if cs.calls == nil {
					cs.calls = map[string][]Call{}
				}
				name := ru.tracedName(int64(f.fn))
				cs.calls[name] = append(cs.calls[name], Call{CPU: c, Dur: secs(t - f.at), Cost: end.sub(&f.snap)})
			}
			return
		}
	}
}

// medianCost is the breakdown of the run or call at the median of vals
// (the lower middle for an even count), as shares; console names the
// console settings of each value's run.
func medianCost(vals []float64, bs []breakdown, console []string) []Share {
	if len(vals) == 0 || len(vals) != len(bs) || len(bs) != len(console) {
		return []Share{}
	}
	idx := make([]int, len(vals))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case vals[a] < vals[b]:
			return -1
		case vals[a] > vals[b]:
			return 1
		}
		return 0
	})
	m := idx[(len(idx)-1)/2]
	return bs[m].shares(console[m])
}

// consoleSetting names a run's console: what console output costs there.
func consoleSetting(set *profile.Set) string {
	return fmt.Sprintf("%.0f baud, console_loglevel %.0f", set.Value(profile.ConsoleBaud), set.Value(profile.ConsoleLoglevel))
}

// pooledCosts is a finished run's accounting, or nil (see putRun).
func (e *Engine) pooledCosts() *costs {
	c, _ := e.costPool.Get().(*costs)
	return c
}
