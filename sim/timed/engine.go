// Package timed is the timed engine: a discrete-event simulation of the
// machine of package sim, with every step priced by a timing profile.
//
// The engine does not interpret programs itself. It drives sim.Machine: at
// each event it picks the action the CPU takes at that moment among those
// the machine says are enabled, lets the machine step, and prices the step
// from what the machine reports (the visible instruction, the prim and its
// arguments, the events). Each CPU has timers for the things that can happen
// to it: its program continuing after the previous step's cost, an IPI
// arriving, a hand-off kthread being scheduled, its stopper being reached,
// firmware finishing CPU_OFF, an interrupts-masked fault section ending. The
// CPU's next event is the earliest of its enabled actions' timers. Events at
// the same instant run in CPU id order, so a run is a function of its seed.
//
// Waits (sim.OpWait) are no-ops here: polling loops run as written, with the
// bound and the delay the code states. Loops that provably cannot observe a
// change are fast-forwarded (see forward.go).
package timed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

const never = math.MaxInt64

// Engine runs timed simulations of one program in one scenario.
type Engine struct {
	prog     *sim.Program
	cfg      sim.Config
	mu       sync.Mutex
	machines map[int]*sim.Machine // by HZ: the jiffies prim needs the sampled tick rate
	initial  map[int]*sim.State   // by HZ: each machine's initial state, copied into pooled states
	states   sync.Pool            // *sim.State buffers of finished runs
	waitAt   pcTable[int32]       // (function, pc) inside a wait's loop -> wait index + 1 (0: none)
	loops    []waitLoop           // per wait: the instructions of its loop (see forward.go)
	loopAt   pcTable[bool]        // (function, pc) inside a polling loop, condition to back-edge (cost.go)
	costPool sync.Pool            // *costs: the cost accounting of finished runs (cost.go)
	memoPool sync.Pool            // *[]*idleMemo: the replay memos of finished runs (replay.go)
	costs    []profile.ID         // Strings index -> parameter of sim.PrimCost, -1 unknown
	traces   map[string][]string  // traced names joined by NUL -> their table (traceTable)
	noSkip   bool                 // tests: run every loop iteration
	noReplay bool                 // tests: take every idle re-check step (see replay.go)
}

// New checks the program against the scenario. cfg.HZ is replaced by each
// run's sampled HZ; cfg.Merge and cfg.AtomicWaits are turned off (every prim
// is a priced step and loops run as written) and cfg.TraceCalls is turned
// on (function durations are metrics).
func New(prog *sim.Program, cfg sim.Config) (*Engine, error) {
	cfg.Merge, cfg.AtomicWaits, cfg.TraceCalls = false, false, true
	e := &Engine{prog: prog, cfg: cfg, machines: map[int]*sim.Machine{}, initial: map[int]*sim.State{}, waitAt: newPCTable[int32](prog)}
	if _, err := e.machine(250); err != nil {
		return nil, err
	}
	e.loops = make([]waitLoop, len(prog.Waits))
	for fi, f := range prog.Funcs {
		for pc, in := range f.Code {
			if in.Op != sim.OpWait {
				continue
			}
			// Every instruction of the loop as it runs here: the condition
			// block is not among them when the compiler laid the loop out
			// apart from it (a loop found on the control-flow graph).
			w := prog.Waits[in.Imm]
			for i := w.CondStart; i < w.CondEnd; i++ {
				e.waitAt.set(int32(fi), i, int32(in.Imm)+1)
			}
			region, writes := prog.WaitLoop(int32(fi), int32(pc))
			for i, r := range region {
				if r {
					e.waitAt.set(int32(fi), int32(i), int32(in.Imm)+1)
				}
			}
			e.loops[in.Imm] = waitLoop{fn: int32(fi), region: region, writes: writes}
		}
	}
	e.loopAt = pollingLoops(prog)
	e.costs = make([]profile.ID, len(prog.Strings))
	for i, s := range prog.Strings {
		e.costs[i] = -1
		if id, ok := profile.Lookup(s); ok && profile.Specs[id].Step {
			e.costs[i] = id
		}
	}
	return e, nil
}

func (e *Engine) machine(hz int) (*sim.Machine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m := e.machines[hz]; m != nil {
		return m, nil
	}
	cfg := e.cfg
	cfg.HZ = hz
	m, err := sim.NewMachine(e.prog, cfg)
	if err != nil {
		return nil, err
	}
	e.machines[hz] = m
	e.initial[hz] = m.Initial()
	return m, nil
}

// Budget bounds one run.
type Budget struct {
	MaxTime  float64 // simulated seconds; 0 means DefaultMaxTime(N)
	MaxSteps int64   // machine steps; 0 means DefaultMaxSteps(N)
}

// DefaultMaxSteps is the step budget of one run on n CPUs. The modelled
// paths take steps linear in n (an IPI stop) or quadratic (a sequential
// hotplug re-runs every online CPU's checks per offlined CPU: 25 M steps at
// n = 4096); a budget far above both still ends a run of a program that
// loops forever in a fraction of a second for the CPU counts claims name.
func DefaultMaxSteps(n int) int64 { return 2_000_000 + 4*int64(n)*int64(n) }

// DefaultMaxTime is the simulated-time budget of one run on n CPUs, in
// seconds: 120, or 60 ms per CPU where that is more (n > 2,000). Taking the
// CPUs down one by one really takes longer on more CPUs: the seed's BEFORE
// path, each cpu_down a stop_machine rendezvous of every online CPU and a
// grace period, relocates after 10 s of simulated time at n = 512, 22 s at
// 1,024, 52 s at 2,048 and 134 s at 4,096, so a fixed 120 s cut the run at
// 4,096 short as a timeout (inconclusive) although nothing was wrong. The
// budget only bounds a run: a longer one ends as the machine says, and a
// run that loops forever still ends as a timeout (or at its step budget).
func DefaultMaxTime(n int) float64 { return max(120, 0.060*float64(n)) }

// Run is the record of one timed run. Times are in seconds from the run's
// start (the boot CPU entering Entry.Boot); a negative time means never.
type Run struct {
	Outcome  string // relocated | returned | reset | bug | panic | unknown | hang | error | timeout | not-run
	Message  string // what ended the run, for bug, panic, unknown, error, timeout
	End      float64
	Steps    int64
	Skipped  int64 // polling-loop iterations fast-forwarded (see forward.go)
	Relocate float64
	Offline  []float64          // per CPU: removed from cpu_online_mask
	Off      []float64          // per CPU: firmware published OFF
	Enter    map[string]float64 // boot CPU's first entry of each traced function
	Return   map[string]float64 // its return from that first call
	// FuncCost is where the boot CPU's time went during that first call,
	// and Calls every completed call of a traced function on any CPU
	// (see cost.go).
	FuncCost map[string]breakdown
	Calls    map[string][]Call
	Console  string // the run's console speed and loglevel, for the breakdowns
	Timeline *Timeline
	// NotRun: the run was not done because the first runs of its set all
	// exhausted their budget (see Engine.Evaluate); it counts as
	// inconclusive and in no metric.
	NotRun bool
}

// SecondariesOff is the time by which firmware reported every secondary
// OFF, or -1.
func (r *Run) SecondariesOff() float64 {
	t := 0.0
	for c := 1; c < len(r.Off); c++ {
		if r.Off[c] < 0 {
			return -1
		}
		t = max(t, r.Off[c])
	}
	return t
}

// SecondariesOffline is the time by which every secondary had left
// cpu_online_mask, or -1.
func (r *Run) SecondariesOffline() float64 {
	t := 0.0
	for c := 1; c < len(r.Offline); c++ {
		if r.Offline[c] < 0 {
			return -1
		}
		t = max(t, r.Offline[c])
	}
	return t
}

// Inconclusive reports whether the run ended without an answer: a budget
// ran out, an unmodelled function was reached, or the machine failed.
func (r *Run) Inconclusive() bool {
	switch r.Outcome {
	case "timeout", "unknown", "error", "not-run":
		return true
	}
	return false
}

// run is the state of one timed run.
type run struct {
	e     *Engine
	m     *sim.Machine
	st    *sim.State
	set   *profile.Set
	seed  uint64
	index uint64       // run number
	rngs  []*rand.Rand // per CPU: draws about CPU c come from stream c, so one CPU's draws do not shift another's
	r     *rand.Rand   // the stream of the CPU being priced
	n     int
	busy  bool
	now   int64
	phase int64 // tick phase: jiffies count from -phase
	q     *queue

	runAt     []int64 // when the CPU's program may continue
	saved     []int64 // runAt when an interrupt handler was entered
	irqAt     []int64 // [cpu*NumIPIs+ipi]: arrival of a pending IPI
	handoffAt []int64 // when the hand-off kthread runs on this CPU
	back      []int64 // hand-off caller: from the kthread running to the caller continuing
	fwAt      []int64
	releaseAt []int64
	slowOff   []float64 // FaultSlowCPUOff latency (seconds; 0 none, -1 profile's)

	smAt    int64
	smParts []int32
	waiters []int32 // blocked on a condition other CPUs change (RCU, hand-off, stop_machine)
	waiting []bool

	// cur is the CPU being stepped (-1: none); it is kept out of the queue
	// and its next action is kept in curAct at curT when curPlanned.
	cur        int
	curPlanned bool
	curAct     sim.Action
	curT       int64

	// res is the result being priced: own, the last step's, or during a
	// replay the recorded step's (a pointer, so that a replay does not copy
	// results).
	res      *sim.StepResult
	own      sim.StepResult
	probeRes sim.StepResult
	acts     []sim.Action
	steps    int64
	skipped  int64 // loop iterations fast-forwarded
	maxTime  int64
	ff       forward
	rp       replayer

	// metrics
	trace   []string // function index -> its name if traced, "" if not (read-only, shared by runs)
	depth   int
	entered map[string]int // depth of the first call of each traced function
	cost    *costs         // where each CPU's time goes (cost.go)
	enterAt map[string]breakdown
	out     *Run
	tl      *timelineRec
}

// Streams of run i of a seed: its parameter sample, its global draws (the
// tick phase), and one per CPU.
func paramStream(i uint64) uint64      { return i << 32 }
func globalStream(i uint64) uint64     { return i<<32 | 1 }
func cpuStream(i uint64, c int) uint64 { return i<<32 | uint64(c+2) }

func (ru *run) rng(c int) *rand.Rand {
	if ru.rngs[c] == nil {
		ru.rngs[c] = profile.NewRand(ru.seed, cpuStream(ru.index, c))
	}
	return ru.rngs[c]
}

func (e *Engine) newRun(set *profile.Set, seed uint64, index int, trace []string, timeline, noReplay bool) (*run, error) {
	hz := int(math.Round(set.Value(profile.HZ)))
	m, err := e.machine(hz)
	if err != nil {
		return nil, err
	}
	n := m.NumCPUs()
	st, _ := e.states.Get().(*sim.State)
	if st == nil {
		st = &sim.State{}
	}
	e.mu.Lock()
	init := e.initial[hz]
	e.mu.Unlock()
	st.CopyFrom(init)
	ru := &run{e: e, m: m, st: st, set: set, seed: seed, index: uint64(index), rngs: make([]*rand.Rand, n),
		n: n, busy: e.cfg.Load == sim.LoadBusy,
		q:     newQueue(n + 1),
		runAt: make([]int64, n), saved: make([]int64, n), irqAt: make([]int64, n*sim.NumIPIs),
		handoffAt: make([]int64, n), back: make([]int64, n), fwAt: make([]int64, n),
		releaseAt: make([]int64, n), slowOff: make([]float64, n), smAt: never, waiting: make([]bool, n),
		trace: e.traceTable(trace), entered: map[string]int{}, rp: newReplayer(n, e.noReplay || noReplay, e.memos(n)),
		cost: newCosts(n, e.cfg.Load == sim.LoadBusy, e.pooledCosts()), enterAt: map[string]breakdown{},
		out: &Run{Relocate: -1, Offline: make([]float64, n), Off: make([]float64, n),
			Enter: map[string]float64{}, Return: map[string]float64{}, FuncCost: map[string]breakdown{}},
	}
	ru.res = &ru.own
	for i := range n {
		ru.out.Offline[i], ru.out.Off[i] = -1, -1
		ru.handoffAt[i], ru.fwAt[i], ru.releaseAt[i] = never, never, never
	}
	for i := range ru.irqAt {
		ru.irqAt[i] = never
	}
	// Every CPU starts settled at its first visible action: the calls on
	// its stack were entered at time zero.
	for c := range n {
		for _, fr := range ru.st.CPUs[c].Frames {
			traced := ru.trace[fr.Func] != ""
			ru.cost.stack[c] = append(ru.cost.stack[c], callFrame{fn: fr.Func, trace: traced})
		}
	}
	boot := &ru.st.CPUs[0]
	ru.depth = len(boot.Frames)
	for d, fr := range boot.Frames {
		if name := ru.trace[fr.Func]; name != "" {
			if _, seen := ru.entered[name]; !seen {
				ru.entered[name] = d + 1
				ru.out.Enter[name] = 0
			}
		}
	}
	ru.phase = int64(profile.NewRand(seed, globalStream(uint64(index))).Float64() * set.Jiffy() * 1e9)
	for _, f := range e.cfg.Faults {
		switch f.Kind {
		case sim.FaultIRQsMasked:
			d := f.For.Seconds()
			if d <= 0 {
				d = set.Draw(profile.FaultIRQsMasked, ru.rng(f.CPU))
			}
			ru.releaseAt[f.CPU] = ns(d)
		case sim.FaultSlowCPUOff:
			ru.slowOff[f.CPU] = f.For.Seconds()
			if ru.slowOff[f.CPU] <= 0 {
				ru.slowOff[f.CPU] = -1
			}
		}
	}
	if timeline {
		ru.tl = newTimelineRec(n)
		for c := range n {
			ru.tl.set(c, 0, ru.state(c))
		}
	}
	return ru, nil
}

// traceTable maps every function index to its name if it is traced: a
// slice read on every call and return, built once per list of names and
// shared (read-only) by the runs.
func (e *Engine) traceTable(trace []string) []string {
	key := strings.Join(trace, "\x00")
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.traces[key]; ok {
		return t
	}
	t := make([]string, len(e.prog.Funcs))
	for _, name := range trace {
		// a program's functions all have names: "" marks the untraced
		if fi := e.prog.FuncIndex(name); fi >= 0 && name != "" {
			t[fi] = name
		}
	}
	if e.traces == nil {
		e.traces = map[string][]string{}
	}
	e.traces[key] = t
	return t
}

// tracedName is the name of function fn if it is traced, "" if not (or if
// fn is no function of the program).
func (ru *run) tracedName(fn int64) string {
	if fn < 0 || fn >= int64(len(ru.trace)) {
		return ""
	}
	return ru.trace[fn]
}

func ns(sec float64) int64 {
	if sec <= 0 {
		return 0
	}
	if sec > 1e9 {
		return never / 2
	}
	return int64(math.Round(sec * 1e9))
}

func secs(t int64) float64 { return float64(t) / 1e9 }

// do runs to the end or the budget.
func (ru *run) do(b Budget) *Run {
	maxTime := ns(b.MaxTime)
	if b.MaxTime <= 0 {
		maxTime = ns(DefaultMaxTime(ru.n))
	}
	ru.maxTime = maxTime
	maxSteps := b.MaxSteps
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps(ru.n)
	}
	for c := range ru.n {
		ru.plan(c)
	}
	ru.cur = -1
outer:
	for ru.st.End == sim.Running {
		c, t, ok := ru.q.pop()
		if !ok {
			// Nothing is scheduled. Ask every CPU once more before calling
			// it a hang: a hang is a finding, so it must be the machine's
			// answer, not a wake-up the engine failed to plan.
			for c := range ru.n {
				ru.plan(c)
			}
			if c, t, ok = ru.q.pop(); !ok {
				ru.m.Hang(ru.st, ru.res)
				ru.events(-1)
				break
			}
		}
		if c == ru.n {
			if t > maxTime {
				ru.timeout(maxTime)
				break
			}
			ru.now = t
			ru.st.Now = t + ru.phase
			ru.rendezvous()
			if ru.rp.clash {
				break
			}
			continue
		}
		// Step c for as long as its next event comes before every other
		// one: the CPU stays out of the queue meanwhile.
		ru.cur, ru.curPlanned = c, false
		for {
			if t > maxTime {
				ru.cur = -1
				ru.timeout(maxTime)
				break outer
			}
			ru.now = t
			ru.st.Now = t + ru.phase
			ru.stepCPU(c)
			if ru.rp.clash {
				ru.cur = -1
				break outer
			}
			if ru.steps > maxSteps {
				ru.cur = -1
				ru.out.Outcome, ru.out.Message = "timeout", fmt.Sprintf("step budget of %d machine steps exhausted", maxSteps)
				break outer
			}
			if ru.st.End != sim.Running || !ru.curPlanned {
				break
			}
			t = ru.curT
			if mt, ok := ru.q.peek(); ok && (mt < t || (mt == t && ru.q.first() < c)) {
				ru.q.set(c, t)
				break
			}
		}
		ru.cur = -1
	}
	return ru.finish()
}

func (ru *run) timeout(maxTime int64) {
	ru.out.Outcome, ru.out.Message = "timeout", fmt.Sprintf("simulated time budget of %gs exhausted", secs(maxTime))
	ru.now = maxTime
}

func (ru *run) finish() *Run {
	if ru.open() {
		// the run ended, or ran out of budget, before replayed steps
		// would have been taken
		ru.conflict()
	}
	out := ru.out
	out.Calls = ru.cost.calls
	out.Console = consoleSetting(ru.set)
	out.End = secs(ru.now)
	out.Steps = ru.steps
	out.Skipped = ru.skipped
	if out.Outcome == "" {
		out.Outcome = ru.st.End.String()
		for _, ev := range ru.res.Events {
			if ev.Msg != "" && (ev.Kind == sim.EvBug || ev.Kind == sim.EvPanic || ev.Kind == sim.EvUnknown || ev.Kind == sim.EvError) {
				out.Message = ev.Msg
			}
		}
	}
	if ru.st.End == sim.Relocated {
		// Firmware finishes a CPU_OFF already under way whatever the old
		// kernel's memory holds: count those CPUs OFF when it does.
		for c := range ru.n {
			if ru.st.CPUs[c].PSCI == sim.PowerInCPUOff && ru.fwAt[c] != never && out.Off[c] < 0 {
				out.Off[c] = secs(ru.fwAt[c])
				if ru.tl != nil {
					ru.tl.set(c, ru.fwAt[c], "off")
				}
			}
		}
	}
	if ru.tl != nil {
		end := max(ru.now, ns(ru.out.Relocate))
		for c := range ru.n {
			if out.Off[c] >= 0 {
				end = max(end, ns(out.Off[c]))
			}
		}
		out.Timeline = ru.tl.finish(end, ru.out.Relocate)
	}
	return out
}

// due is when action a of CPU c would happen.
func (ru *run) due(c int, a sim.Action) int64 {
	switch a.Kind {
	case sim.ActFirmware:
		if ru.fwAt[c] == never {
			return ru.now
		}
		return ru.fwAt[c]
	case sim.ActRelease:
		return ru.releaseAt[c]
	case sim.ActStopperRun:
		return max(ru.smAt, ru.runAt[c])
	case sim.ActIRQ:
		return ru.irqDue(c)
	case sim.ActPreempt:
		if a.Arg == 0 {
			if ru.handoffAt[c] == never { // a hand-off the engine did not see start: now
				return max(ru.now, ru.runAt[c])
			}
			return max(ru.handoffAt[c], ru.runAt[c])
		}
		if ru.smAt == never {
			return never
		}
		return max(ru.smAt, ru.runAt[c])
	case sim.ActRun:
		cpu := &ru.st.CPUs[c]
		if fr := &cpu.Frames[len(cpu.Frames)-1]; ru.e.prog.Funcs[fr.Func].Code[fr.PC].Op == sim.OpPrim &&
			sim.Prim(ru.e.prog.Funcs[fr.Func].Code[fr.PC].Sub) == sim.PrimIdleWait {
			// wfi woken by an interrupt it cannot take
			return max(ru.irqDue(c), ru.runAt[c])
		}
		return ru.runAt[c]
	}
	return never
}

// irqDue is the arrival of the earliest pending IPI of c.
func (ru *run) irqDue(c int) int64 {
	t := int64(never)
	p := ru.st.CPUs[c].Pending
	for i := range sim.NumIPIs {
		if p&(1<<i) != 0 {
			at := ru.irqAt[c*sim.NumIPIs+i]
			if at == never { // pending without a send the engine saw: arrived
				at = ru.now
			}
			t = min(t, at)
		}
	}
	return t
}

// choose picks the action c takes now: the enabled action that is due
// earliest; among equally due ones, firmware and fault ends first, then
// interrupts, then preemption, then the program itself.
func (ru *run) choose(c int) (sim.Action, int64, bool) {
	ru.acts = ru.m.Actions(ru.st, c, ru.acts[:0])
	best, bt := sim.Action{}, int64(never)
	for _, a := range ru.acts {
		if a.Kind == sim.ActExpire {
			continue
		}
		if t := ru.due(c, a); t < bt || (t == bt && rank(a) < rank(best)) {
			best, bt = a, t
		}
	}
	return best, bt, bt != never
}

func rank(a sim.Action) int {
	switch a.Kind {
	case sim.ActFirmware:
		return 0
	case sim.ActRelease:
		return 1
	case sim.ActStopperRun:
		return 2
	case sim.ActIRQ:
		return 3
	case sim.ActPreempt:
		return 5 - int(a.Arg)
	}
	return 6
}

// plan schedules c's next event, or records it as blocked.
func (ru *run) plan(c int) {
	if ru.pinned(c) {
		ru.conflict() // something affects a CPU whose replayed steps are still to come, or an excused one
	}
	a, t, ok := ru.choose(c)
	if ru.rp.rec != nil && ru.rp.rec[c] {
		ru.recorded(c, ok)
	}
	if c == ru.cur {
		// the CPU being stepped is out of the queue: keep its plan aside
		ru.curPlanned, ru.curAct, ru.curT = ok, a, max(t, ru.now)
	}
	if !ok {
		ru.q.remove(c)
		switch b := ru.m.Blocked(ru.st, c); b {
		case sim.BlockRCU, sim.BlockHandoff, sim.BlockWait:
			if b == sim.BlockRCU && ru.open() {
				ru.conflict() // quiescence reads every CPU's state
			}
			if !ru.waiting[c] {
				ru.waiting[c] = true
				ru.waiters = append(ru.waiters, int32(c))
			}
		}
		return
	}
	if c != ru.cur {
		ru.q.set(c, max(t, ru.now))
	}
}

// stepCPU performs c's due action.
func (ru *run) stepCPU(c int) {
	var a sim.Action
	var t int64
	ok := true
	if ru.cur == c && ru.curPlanned {
		// planned after c's last step, and no step happened since
		a, t = ru.curAct, ru.curT
		ru.curPlanned = false
	} else {
		a, t, ok = ru.choose(c)
	}
	if !ok || t > ru.now {
		ru.plan(c)
		return
	}
	ru.r = ru.rng(c)
	cpu := &ru.st.CPUs[c]
	var pre preStep
	if len(cpu.Frames) > 0 {
		fr := &cpu.Frames[len(cpu.Frames)-1]
		pre.phase = fr.Phase
		pre.inIRQ = sim.ContextOf(cpu) == sim.ExecIRQ
	}
	pre.depth = len(cpu.Frames)
	if a.Kind == sim.ActRun && !ru.e.noSkip && ru.ff.try(ru, c) {
		if ru.rp.rec != nil {
			ru.rp.rec[c] = false
		}
		return
	}
	ru.m.Step(ru.st, a, ru.res)
	ru.steps++
	ru.after(c, a, pre)
}

// preStep is what the engine notes about a CPU before it steps.
type preStep struct {
	phase uint8
	inIRQ bool
	depth int // frames: the visible instruction's depth (cost.go)
}

// after prices the step c just took, applies its events and plans the CPUs
// it affected.
func (ru *run) after(c int, a sim.Action, pre preStep) {
	if ru.rp.rec != nil && ru.rp.rec[c] {
		ru.record(c, a)
	}
	if ru.open() && ru.res.Visible && ru.res.Op == sim.OpPrim &&
		(ru.res.Prim == sim.PrimSynchronizeRCU || ru.res.Prim == sim.PrimStopMachine) {
		ru.conflict() // reads or changes every CPU's state
	}
	cost := ru.price(c, a)
	ru.costStep(c, a, pre.depth)
	ru.ff.observe(ru, c, a)
	cpu := &ru.st.CPUs[c]
	switch {
	case a.Kind == sim.ActIRQ:
		ru.saved[c] = ru.runAt[c]
		ru.runAt[c] = ru.now + cost
	case pre.inIRQ && cpu.PSCI == sim.PowerOn && len(cpu.Frames) > 0 && sim.ContextOf(cpu) == sim.ExecTask:
		// the handler returned: the interrupted wait or sleep goes on
		ru.runAt[c] = max(ru.now+cost, ru.saved[c])
	default:
		ru.runAt[c] = ru.now + cost
	}
	ru.events(c)
	if a.Kind == sim.ActRun && ru.res.Visible && ru.res.Op == sim.OpPrim {
		ru.special(c, pre)
	}
	if ru.tl != nil {
		ru.tl.set(c, ru.now, ru.state(c))
	}
	ru.plan(c)
	if len(ru.waiters) > 0 {
		ws := ru.waiters
		ru.waiters = nil
		for _, w := range ws {
			ru.waiting[w] = false
		}
		for _, w := range ws {
			ru.plan(int(w))
		}
	}
}

// state names what CPU c is doing, for timelines.
func (ru *run) state(c int) string {
	cpu := &ru.st.CPUs[c]
	online := cpu.Flags&sim.FlagOnline != 0
	switch ru.m.ExecOf(cpu) {
	case sim.ExecOff:
		return "off"
	case sim.ExecFirmware:
		return "firmware"
	case sim.ExecParked:
		return "parked"
	case sim.ExecStopper:
		return "stopper"
	case sim.ExecDone:
		return "idle"
	case sim.ExecIRQ:
		if online {
			return "ipi"
		}
		return "stopping"
	}
	if c != 0 && !online {
		return "stopping"
	}
	fr := &cpu.Frames[len(cpu.Frames)-1]
	if in := &ru.e.prog.Funcs[fr.Func].Code[fr.PC]; in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimIdleWait {
		if ru.busy && c != 0 {
			return "running"
		}
		return "idle"
	}
	return "running"
}

// consoleChars estimates the characters a printk format produces: each
// conversion prints a short number.
func consoleChars(format string) int {
	n := 0
	for i := 0; i < len(format); i++ {
		ch := format[i]
		switch {
		case ch == '\001' && i+1 < len(format): // KERN_<LEVEL> prefix
			i++
		case ch == '%' && i+1 < len(format) && format[i+1] == '%':
			n++
			i++
		case ch == '%':
			j := i + 1
			for j < len(format) && strings.IndexByte("diouxXscpluhzt0123456789.-+# *", format[j]) >= 0 {
				if strings.IndexByte("diouxXscp", format[j]) >= 0 {
					break
				}
				j++
			}
			i = j
			n += 2
		case ch == '\n':
		default:
			n++
		}
	}
	return n
}
