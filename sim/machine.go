package sim

import (
	"fmt"
	"time"
)

// MaxCPUs is the largest machine the simulator builds.
const MaxCPUs = 4096

// Load is the workload secondaries run while the path under test executes.
type Load uint8

const (
	// LoadIdle: secondaries sit in the idle loop (wfi).
	LoadIdle Load = iota
	// LoadBusy: every secondary runs a task. The timed engine charges the time a
	// busy CPU needs to reach a preemption point; the explorer already treats
	// every preemption point as reachable at any time, so busy adds nothing there
	// but idle_task_exit()'s check of the interrupted task (Machine.LoadMattered).
	LoadBusy
)

func (l Load) String() string {
	if l == LoadBusy {
		return "busy"
	}
	return "idle"
}

// FaultKind names an injected fault.
type FaultKind uint8

const (
	// FaultIRQsMasked: CPU runs a section with interrupts masked when the run
	// starts (a spinlock taken with irqsave, say). It neither takes interrupts
	// nor reaches a preemption point until the section ends: after For in the
	// timed engine, at any point (a nondeterministic ActRelease) in the explorer.
	FaultIRQsMasked FaultKind = iota + 1
	// FaultCPUOffDenied: a uniprocessor Trusted OS is resident on CPU, so PSCI
	// CPU_OFF there returns DENIED and psci_tos_resident_on(CPU) is true.
	FaultCPUOffDenied
	// FaultSlowCPUOff: firmware takes For longer to power CPU down (timed engine
	// only; in the explorer publication of OFF is always a separate step that
	// may be delayed arbitrarily).
	FaultSlowCPUOff
	// FaultLostIPI: IPI number IPI (or every IPI when IPI < 0) sent to CPU is
	// never delivered.
	FaultLostIPI
	// FaultStuckMasked: CPU is stuck in kernel code with interrupts masked
	// (a hard lockup: spinning on a lock taken with spin_lock_irqsave(),
	// say) and never unmasks them: FaultIRQsMasked without an end. It takes
	// no interrupt, but an NMI (Config.PseudoNMI) still comes in, since
	// local_irq_save() masks only the GIC priority under pseudo-NMI.
	FaultStuckMasked
)

var faultNames = [...]string{
	FaultIRQsMasked:   "irqs-masked",
	FaultCPUOffDenied: "cpu-off-denied",
	FaultSlowCPUOff:   "slow-cpu-off",
	FaultLostIPI:      "lost-ipi",
	FaultStuckMasked:  "stuck-irqs-masked",
}

func (k FaultKind) String() string {
	if int(k) < len(faultNames) && faultNames[k] != "" {
		return faultNames[k]
	}
	return fmt.Sprintf("fault(%d)", k)
}

// Fault is one injected fault.
type Fault struct {
	Kind FaultKind
	CPU  int
	IPI  int           // FaultLostIPI: the IPI number, or -1 for all
	For  time.Duration // FaultIRQsMasked, FaultSlowCPUOff: duration (timed engine)
}

// Config is a scenario: the machine's size, load and faults.
type Config struct {
	CPUs   int // 1 boot CPU (id 0) + CPUs-1 secondaries; 1..MaxCPUs
	Load   Load
	Faults []Fault
	HZ     int // jiffies per second for PrimJiffies; 0 means 250
	// PseudoNMI boots with pseudo-NMI enabled (irqchip.gicv3_pseudo_nmi=1):
	// system_uses_irq_prio_masking() is true, local_irq_disable() masks
	// only the GIC priority (an NMI still comes in; local_daif_mask() masks
	// it too), and every IPI for which Entry.NMI says so is an NMI.
	PseudoNMI bool
	// AlsoBoot is how many secondaries (CPUs 1..AlsoBoot) start in
	// Entry.Boot instead of Entry.Secondary: several CPUs entering the
	// same path at once (two CPUs panicking). 0 for one.
	AlsoBoot int

	// Merge makes CPU-local prims (see Machine.Local) invisible, so that they
	// run inside the step of the previous visible action, and makes taking an
	// interrupt part of the step that runs the handler's first visible action.
	// The explorer sets it; the timed engine leaves it off so that every prim
	// is a step it can price.
	Merge bool
	// AtomicWaits makes OpWait a visible action that evaluates the wait's
	// condition atomically and either leaves the loop (condition false) or may
	// expire (ActExpire). Without it OpWait is a no-op and the loop runs as
	// written, which is what the timed engine needs.
	AtomicWaits bool
	// TraceCalls records EvCall and EvReturn events for every function call.
	TraceCalls bool
	// MaxInvisible bounds the invisible instructions one step may run before
	// the run ends with EvError (an infinite loop that touches nothing shared).
	// 0 means 1,000,000.
	MaxInvisible int
	// MaxStack bounds call depth per CPU; 0 means 256.
	MaxStack int
	// KeepDeadRegs keeps the values of dead registers. By default, with
	// Merge, the machine zeroes after every step the registers no path
	// reads again before writing (see Machine.Live), so that the explorer
	// stores states that differ only in stale temporaries once.
	KeepDeadRegs bool
	// EveryAccessVisible makes every global and per-CPU access a step of
	// its own. By default, with Merge, accesses to per-CPU variables that
	// only their own CPU ever touches (see Machine.PrivatePerCPU) and loads
	// of globals no CPU can write any more (stable reads, see
	// sim/stable.go) are CPU-local.
	EveryAccessVisible bool
}

// Machine runs one Program under one Config. It holds no per-run state, so one
// Machine can step any number of States, also from several goroutines.
//
// An engine drives it with Initial, Actions (what a CPU can do now), Step (do
// one action; the StepResult says which instruction ran, with its argument
// values, and what happened) and Hang (no CPU can act). The timed engine
// leaves Merge and AtomicWaits off so that every prim is a step it prices and
// polling loops run as written; the explorer sets both. docs/sim.md describes
// the protocol in full.
type Machine struct {
	Prog  *Program
	Cfg   Config
	n     int
	words int // uint64 words per cpumask
	nPCPU int
	hz    int64

	maxInvisible int
	maxStack     int

	initial *State
	initRes StepResult // what settling the CPUs at their first visible action did

	symBreak []string // why symmetry reduction is unsound for this program (nil: sound)
	indirect Targets  // IndirectTargets of the program (fnvalues.go)
	cpuGlob  []bool   // Globals[i].CPU
	cpuPCPU  []bool   // PerCPU[i].CPU
	usesPrim [NumPrims]bool

	live          *liveSets
	private       [][]uint8 // private per-CPU accesses, per function and pc (see privateAccesses)
	gwrites       *globalWrites
	clearDeadRegs bool

	watched       uint64 // event kinds after which a step merges no access (WithStepBoundaries)
	noAccessMerge bool   // merge no access at all
	unmaskSteps   bool   // every local_irq_enable is a step of its own (unmask.go)
	watchCalls    []bool // functions whose EvCall is watched (WithStepBoundaries)

	// symGuard: end a run where a prim's result would depend on the
	// numbering of secondaries although its PrimSpec says Symmetric.
	symGuard bool

	// nmi: the IPIs requested as NMIs (bit per IPI number), decided at
	// boot by Entry.NMI with Config.PseudoNMI; 0 otherwise.
	nmi uint8

	// loadMattered: see LoadMattered. Atomic: the timed engine's parallel
	// runs share one machine.
	loadMattered int32 // 0 or 1, through sync/atomic
}

// NewMachine checks p against the scenario and builds the machine. Every
// structural problem of p (bad register, jump target, function, global, wait or
// prim index) is reported here, with the function and source line, so that
// Step never meets it.
func NewMachine(p *Program, cfg Config) (*Machine, error) {
	if p == nil {
		return nil, fmt.Errorf("sim: nil program")
	}
	if cfg.CPUs < 1 || cfg.CPUs > MaxCPUs {
		return nil, fmt.Errorf("sim: CPU count %d out of range 1..%d", cfg.CPUs, MaxCPUs)
	}
	if cfg.AlsoBoot < 0 || cfg.AlsoBoot >= cfg.CPUs {
		return nil, fmt.Errorf("sim: %d secondaries cannot start in the boot entry of a %d-CPU machine", cfg.AlsoBoot, cfg.CPUs)
	}
	m := &Machine{Prog: p, Cfg: cfg, n: cfg.CPUs, words: (cfg.CPUs + 63) / 64, nPCPU: len(p.PerCPU)}
	m.hz = int64(cfg.HZ)
	if m.hz <= 0 {
		m.hz = 250
	}
	m.maxInvisible = cfg.MaxInvisible
	if m.maxInvisible <= 0 {
		m.maxInvisible = 1_000_000
	}
	m.maxStack = cfg.MaxStack
	if m.maxStack <= 0 {
		m.maxStack = 256
	}
	for i, f := range cfg.Faults {
		if f.CPU < 0 || f.CPU >= m.n {
			return nil, fmt.Errorf("sim: fault %d (%v): CPU %d out of range 0..%d", i, f.Kind, f.CPU, m.n-1)
		}
		if f.Kind < FaultIRQsMasked || f.Kind > FaultStuckMasked {
			return nil, fmt.Errorf("sim: fault %d: unknown kind %d", i, f.Kind)
		}
		if f.Kind == FaultLostIPI && f.IPI >= NumIPIs {
			return nil, fmt.Errorf("sim: fault %d (%v): IPI %d out of range", i, f.Kind, f.IPI)
		}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	m.cpuGlob = make([]bool, len(p.Globals))
	for i, g := range p.Globals {
		m.cpuGlob[i] = g.CPU
	}
	m.cpuPCPU = make([]bool, len(p.PerCPU))
	for i, g := range p.PerCPU {
		m.cpuPCPU[i] = g.CPU
	}
	m.indirect = IndirectTargets(p)
	m.symBreak = m.symmetryBreakers()
	m.live = computeLiveness(p)
	if cfg.Merge && !cfg.EveryAccessVisible {
		m.private = m.privateAccesses()
		m.gwrites = m.computeGlobalWrites()
	}
	m.clearDeadRegs = cfg.Merge && !cfg.KeepDeadRegs
	m.unmaskSteps = !cfg.Merge || cfg.EveryAccessVisible
	if cfg.PseudoNMI {
		nmi, err := m.nmiIPIs()
		if err != nil {
			return nil, err
		}
		m.nmi = nmi
	}
	m.initial = m.buildInitial()
	return m, nil
}

// NumCPUs is the number of CPUs.
func (m *Machine) NumCPUs() int { return m.n }

// Initial returns a fresh copy of the initial state: every CPU at the first
// visible action of its entry function (secondaries in Entry.Secondary, the
// boot CPU in Entry.Boot), online, interrupts unmasked and routed, PSCI ON,
// faults applied.
func (m *Machine) Initial() *State {
	st := &State{}
	st.CopyFrom(m.initial)
	return st
}

// SymmetryBreakers lists why permuting secondaries is not a symmetry of the
// program (nil when it is): a prim whose PrimSpec.Symmetric is false, CPU-id
// arithmetic or ordering comparisons, CPU ids flowing into registers or
// variables not flagged as CPU ids, constant secondary ids.
func (m *Machine) SymmetryBreakers() []string { return m.symBreak }

// SymmetryGuarded returns a copy of m for exploring with symmetry
// reduction. Some prims are symmetric only in the states the models reach:
// cpumask_first_online is the boot CPU whenever the boot CPU is online, but
// with the boot CPU offline it is the lowest-numbered online secondary. The
// guarded machine ends such a run with EvError instead (so verdicts that
// depend on it are inconclusive, never wrong); m itself is unchanged and
// computes the exact result.
func (m *Machine) SymmetryGuarded() *Machine {
	g := *m
	g.symGuard = true
	return &g
}

// WithStepBoundaries returns a copy of m for checking properties at the
// events in watched (a bit per EventKind) and, with everyStep, after every
// step. Merged accesses (private per-CPU variables, cpu_online of the own
// id, stable global reads) make steps longer than the visible actions
// they start with, so a property would see the state further on than
// without them. Where the copy merges such an access after a watched event
// of the same step, it records the state just before it
// (StepResult.EventState): what the step would have ended in without the
// merged accesses, and what a property checked at that event must see.
// With everyStep it merges none at all. m itself is unchanged.
//
// calls lists functions whose EvCall events are watched although EvCall is
// not in watched (properties that look at calls of those functions only).
func (m *Machine) WithStepBoundaries(watched uint64, calls []int32, everyStep bool) *Machine {
	g := *m
	g.watched = watched
	g.watchCalls = nil
	if len(calls) > 0 {
		g.watchCalls = make([]bool, len(m.Prog.Funcs))
		for _, f := range calls {
			if f >= 0 && int(f) < len(g.watchCalls) {
				g.watchCalls[f] = true
			}
		}
	}
	g.noAccessMerge = m.noAccessMerge || everyStep
	g.resettle()
	return &g
}

// resettle brings a copy's CPUs to their first visible action again: where
// settling stops depends on the merges and on the events watched (unmask.go,
// section.go), which the copy may have changed.
func (m *Machine) resettle() {
	m.initRes = StepResult{}
	m.initial = m.buildInitial()
}

// mergedAccess reports whether in is visible unless merged as a private or
// stable access, or as an unmask (unmask.go).
func mergedAccess(in *Instr) bool {
	switch in.Op {
	case OpLoadG, OpLoadPCPU, OpStorePCPU, OpAtomic:
		return true
	case OpPrim:
		return Prim(in.Sub) == PrimCPUOnline || Prim(in.Sub) == PrimIRQUnmask
	}
	return false
}

// watchedSince reports whether res holds an event of a watched kind not yet
// covered by a snapshot.
func (m *Machine) watchedSince(res *StepResult) bool {
	if (m.watched == 0 && m.watchCalls == nil) || res == nil {
		return false
	}
	from := 0
	if res.nsnap > 0 {
		from = res.snaps[res.nsnap-1].upTo
	}
	for i := from; i < len(res.Events); i++ {
		if m.watchedEvent(&res.Events[i]) {
			return true
		}
	}
	return false
}

// watchedEvent reports whether ev is of a kind some property watches.
func (m *Machine) watchedEvent(ev *Event) bool {
	if k := ev.Kind; k < 64 && m.watched&(1<<k) != 0 {
		return true
	}
	return ev.Kind == EvCall && m.watchCalls != nil && ev.Val >= 0 && int(ev.Val) < len(m.watchCalls) && m.watchCalls[ev.Val]
}

// UsesPrim reports whether the program contains an OpPrim of p.
func (m *Machine) UsesPrim(p Prim) bool { return m.usesPrim[p] }

// LocString formats Program.Locs[i] as file:line (side) for messages.
func (m *Machine) LocString(i int32) string {
	if i < 0 || int(i) >= len(m.Prog.Locs) {
		return "?"
	}
	l := m.Prog.Locs[i]
	return fmt.Sprintf("%s:%d (%s, %s)", l.File, l.Line, l.Side, l.Func)
}

// initialVars is a state of m's CPUs, none running yet, with every
// global and per-CPU variable at its initial value: the start of a run and
// of the boot-time calls (callAtBoot).
func (m *Machine) initialVars() *State {
	p := m.Prog
	st := &State{
		Globals: make([]uint64, len(p.Globals)),
		PCPU:    make([]uint64, m.n*m.nPCPU),
		CPUs:    make([]CPU, m.n),
	}
	for i, g := range p.Globals {
		st.Globals[i] = trunc(g.Init, g.Type)
	}
	for c := 0; c < m.n; c++ {
		for i, g := range p.PerCPU {
			st.PCPU[c*m.nPCPU+i] = trunc(g.Init, g.Type)
		}
	}
	return st
}

func (m *Machine) buildInitial() *State {
	p := m.Prog
	st := m.initialVars()
	for c := 0; c < m.n; c++ {
		cpu := &st.CPUs[c]
		cpu.Flags = FlagOnline | FlagRouted
		entry := p.Entry.Secondary
		if c == 0 || c <= m.Cfg.AlsoBoot {
			entry = p.Entry.Boot
		}
		m.pushFrame(cpu, entry, nil, -1, FrameEntry)
	}
	for _, f := range m.Cfg.Faults {
		cpu := &st.CPUs[f.CPU]
		switch f.Kind {
		case FaultIRQsMasked:
			cpu.Flags |= FlagHeld
		case FaultStuckMasked:
			cpu.Flags |= FlagHeld | FlagStuck
		case FaultCPUOffDenied:
			cpu.Flags |= FlagTOS
		case FaultLostIPI:
			if f.IPI < 0 {
				cpu.Lose = 1<<NumIPIs - 1
			} else {
				cpu.Lose |= 1 << f.IPI
			}
		}
	}
	res := &m.initRes
	res.reset()
	res.Action = Action{CPU: -1}
	for c := 0; c < m.n; c++ {
		m.run(st, c, true, res)
		if m.clearDeadRegs {
			m.clearDead(&st.CPUs[c])
		}
	}
	return st
}

// InitialStep describes what bringing the CPUs to their first visible action
// did: its events (a run can even end there, e.g. an oops in invisible code
// before any visible action) with Action.CPU = -1.
func (m *Machine) InitialStep() *StepResult {
	r := m.initRes
	r.Events = append([]Event(nil), m.initRes.Events...)
	return &r
}

func (m *Machine) locOf(f *Func, pc int) string {
	if pc >= 0 && pc < len(f.Code) {
		return m.LocString(f.Code[pc].Loc)
	}
	return m.LocString(f.Loc)
}

// validate checks every index in the program.
func (m *Machine) validate() error {
	p := m.Prog
	nf := len(p.Funcs)
	chkEntry := func(name string, i int32) error {
		if i < 0 || int(i) >= nf {
			return fmt.Errorf("sim: entry %s: function %d out of range (%d functions)", name, i, nf)
		}
		return nil
	}
	if err := chkEntry("Boot", p.Entry.Boot); err != nil {
		return err
	}
	if err := chkEntry("Secondary", p.Entry.Secondary); err != nil {
		return err
	}
	if err := chkEntry("IRQ", p.Entry.IRQ); err != nil {
		return err
	}
	if p.Funcs[p.Entry.IRQ].Params != 1 {
		return fmt.Errorf("sim: IRQ entry %s takes %d parameters, want 1 (the IPI number)", p.Funcs[p.Entry.IRQ].Name, p.Funcs[p.Entry.IRQ].Params)
	}
	if p.Entry.NMI != 0 {
		if err := chkEntry("NMI", p.Entry.NMI-1); err != nil {
			return err
		}
		if f := &p.Funcs[p.Entry.NMI-1]; f.Params != 1 {
			return fmt.Errorf("sim: NMI entry %s takes %d parameters, want 1 (the IPI number)", f.Name, f.Params)
		}
	}
	for _, g := range append(append([]Global(nil), p.Globals...), p.PerCPU...) {
		if !validType(g.Type) {
			return fmt.Errorf("sim: variable %s: invalid type %+v", g.Name, g.Type)
		}
	}
	for i := range p.Funcs {
		if err := CheckFuncSize(&p.Funcs[i]); err != nil {
			return fmt.Errorf("sim: %v", err)
		}
	}
	for _, w := range p.Waits {
		if len(p.Locs) > 0 && (w.Loc < 0 || int(w.Loc) >= len(p.Locs)) {
			return fmt.Errorf("sim: wait %q: location %d out of range", w.Name, w.Loc)
		}
	}
	for fi := range p.Funcs {
		f := &p.Funcs[fi]
		if f.Params < 0 || f.Params > f.NumRegs {
			return fmt.Errorf("sim: function %s: %d parameters but %d registers", f.Name, f.Params, f.NumRegs)
		}
		if len(f.CPUReg) != 0 && len(f.CPUReg) != f.NumRegs {
			return fmt.Errorf("sim: function %s: CPUReg has %d entries, want %d", f.Name, len(f.CPUReg), f.NumRegs)
		}
		if f.NumMasks < 0 {
			return fmt.Errorf("sim: function %s: negative mask count", f.Name)
		}
		if len(f.Code) == 0 {
			return fmt.Errorf("sim: function %s (%s): no code", f.Name, m.LocString(f.Loc))
		}
		for pc := range f.Code {
			if err := m.validateInstr(f, pc); err != nil {
				return fmt.Errorf("sim: %s: %s+%d: %v", m.locOf(f, pc), f.Name, pc, err)
			}
		}
	}
	return nil
}

func validType(t Type) bool {
	switch t.Bits {
	case 1, 8, 16, 32, 64:
		return true
	}
	return false
}

func (m *Machine) validateInstr(f *Func, pc int) error {
	p := m.Prog
	in := &f.Code[pc]
	reg := func(what string, r int32, optional bool) error {
		if optional && r < 0 {
			return nil
		}
		if r < 0 || int(r) >= f.NumRegs {
			return fmt.Errorf("%s register %d out of range (%d registers)", what, r, f.NumRegs)
		}
		return nil
	}
	target := func(t int32) error {
		if t < 0 || int(t) >= len(f.Code) {
			return fmt.Errorf("jump target %d out of range (%d instructions)", t, len(f.Code))
		}
		return nil
	}
	if len(p.Locs) > 0 && (in.Loc < 0 || int(in.Loc) >= len(p.Locs)) {
		return fmt.Errorf("location %d out of range", in.Loc)
	}
	var err error
	switch in.Op {
	case OpNop:
	case OpConst:
		err = reg("destination", in.A, false)
		if err == nil && !validType(in.Type) {
			err = fmt.Errorf("invalid type %+v", in.Type)
		}
	case OpMov:
		if err = reg("destination", in.A, false); err == nil {
			err = reg("source", in.B, false)
		}
	case OpBin:
		if err = reg("destination", in.A, false); err == nil {
			if err = reg("left", in.B, false); err == nil {
				err = reg("right", in.C, false)
			}
		}
		if err == nil && in.Sub > uint8(Ge) {
			err = fmt.Errorf("unknown binary operator %d", in.Sub)
		}
		if err == nil && !validType(in.Type) {
			err = fmt.Errorf("invalid type %+v", in.Type)
		}
	case OpUn:
		if err = reg("destination", in.A, false); err == nil {
			err = reg("operand", in.B, false)
		}
		if err == nil && in.Sub > uint8(BitNot) {
			err = fmt.Errorf("unknown unary operator %d", in.Sub)
		}
		if err == nil && !validType(in.Type) {
			err = fmt.Errorf("invalid type %+v", in.Type)
		}
	case OpConv:
		if err = reg("destination", in.A, false); err == nil {
			err = reg("source", in.B, false)
		}
		if err == nil && (!validType(in.Type) || !validType(in.Type2)) {
			err = fmt.Errorf("invalid conversion %+v -> %+v", in.Type, in.Type2)
		}
	case OpJump:
		err = target(in.Target)
	case OpBranch:
		if err = reg("condition", in.A, false); err == nil {
			if err = target(in.Target); err == nil {
				err = target(in.Target2)
			}
		}
	case OpCall, OpCallInd:
		if err = reg("result", in.A, true); err != nil {
			break
		}
		if in.Op == OpCall {
			if in.Imm < 0 || int(in.Imm) >= len(p.Funcs) {
				err = fmt.Errorf("call of function %d out of range", in.Imm)
				break
			}
			if g := p.Funcs[in.Imm].Params; g != len(in.Args) {
				err = fmt.Errorf("call of %s with %d arguments, want %d", p.Funcs[in.Imm].Name, len(in.Args), g)
				break
			}
		} else if err = reg("function reference", in.B, false); err != nil {
			break
		}
		for _, a := range in.Args {
			if err = reg("argument", a, false); err != nil {
				break
			}
		}
	case OpRet:
		err = reg("return", in.A, true)
	case OpPrim:
		if int(in.Sub) >= int(NumPrims) {
			err = fmt.Errorf("unknown prim %d", in.Sub)
			break
		}
		spec := &Prims[in.Sub]
		m.usesPrim[in.Sub] = true
		if len(in.Args) != spec.Args {
			err = fmt.Errorf("prim %s with %d arguments, want %d", spec.Name, len(in.Args), spec.Args)
			break
		}
		for _, a := range in.Args {
			if err = reg("argument", a, false); err != nil {
				break
			}
		}
		if err == nil {
			err = reg("result", in.A, true)
		}
		if err == nil && spec.Mask && (in.M < 0 || int(in.M) >= f.NumMasks) {
			err = fmt.Errorf("prim %s: mask slot %d out of range (%d masks)", spec.Name, in.M, f.NumMasks)
		}
		if err == nil && usesString(Prim(in.Sub)) && (in.Imm < 0 || int(in.Imm) >= len(p.Strings)) {
			err = fmt.Errorf("prim %s: string %d out of range", spec.Name, in.Imm)
		}
	case OpLoadG, OpStoreG:
		if err = reg("value", in.A, false); err == nil && (in.Imm < 0 || int(in.Imm) >= len(p.Globals)) {
			err = fmt.Errorf("global %d out of range", in.Imm)
		}
	case OpLoadPCPU, OpStorePCPU:
		if err = reg("value", in.A, false); err == nil {
			err = reg("cpu", in.B, false)
		}
		if err == nil && (in.Imm < 0 || int(in.Imm) >= len(p.PerCPU)) {
			err = fmt.Errorf("per-CPU variable %d out of range", in.Imm)
		}
	case OpWait:
		if in.Imm < 0 || int(in.Imm) >= len(p.Waits) {
			err = fmt.Errorf("wait %d out of range", in.Imm)
			break
		}
		w := &p.Waits[in.Imm]
		if w.CondStart < 0 || w.CondEnd < w.CondStart || int(w.CondEnd) > len(f.Code) {
			err = fmt.Errorf("wait %q: condition block [%d,%d) out of range", w.Name, w.CondStart, w.CondEnd)
		} else if err = reg("wait condition", w.CondReg, false); err != nil {
		} else if err = target(w.Satisfied); err != nil {
		} else if w.Expired >= 0 {
			err = target(w.Expired)
		}
		if err == nil {
			for i := w.CondStart; i < w.CondEnd; i++ {
				c := &f.Code[i]
				switch c.Op {
				case OpLoadG, OpLoadPCPU:
				case OpPrim:
					if !Prims[c.Sub].ReadOnly {
						err = fmt.Errorf("wait %q: prim %s in the condition block is not read-only", w.Name, Prims[c.Sub].Name)
					}
				case OpStoreG, OpStorePCPU, OpWait, OpCall, OpCallInd, OpRet, OpAtomic:
					err = fmt.Errorf("wait %q: %v in the condition block", w.Name, c.Op)
				case OpJump, OpBranch:
					if c.Target < w.CondStart || c.Target > w.CondEnd || (c.Op == OpBranch && (c.Target2 < w.CondStart || c.Target2 > w.CondEnd)) {
						err = fmt.Errorf("wait %q: jump out of the condition block", w.Name)
					}
				}
				if err != nil {
					break
				}
			}
		}
	case OpAtomic:
		if err = reg("result", in.A, true); err != nil {
			break
		}
		if err = reg("operand", in.B, false); err != nil {
			break
		}
		if AtomicOp(in.Sub) == AtomicCmpxchg {
			if err = reg("new value", in.C, false); err != nil {
				break
			}
		} else if in.Sub > uint8(AtomicOr) {
			err = fmt.Errorf("unknown atomic operator %d", in.Sub)
			break
		}
		if !validType(in.Type) {
			err = fmt.Errorf("invalid type %+v", in.Type)
			break
		}
		switch len(in.Args) {
		case 0:
			if in.Imm < 0 || int(in.Imm) >= len(p.Globals) {
				err = fmt.Errorf("global %d out of range", in.Imm)
			}
		case 1:
			if err = reg("cpu", in.Args[0], false); err == nil && (in.Imm < 0 || int(in.Imm) >= len(p.PerCPU)) {
				err = fmt.Errorf("per-CPU variable %d out of range", in.Imm)
			}
		default:
			err = fmt.Errorf("atomic with %d index arguments, want 0 or 1", len(in.Args))
		}
	case OpFuncRef:
		if err = reg("destination", in.A, false); err == nil && (in.Imm < 0 || int(in.Imm) >= len(p.Funcs)) {
			err = fmt.Errorf("reference to function %d out of range", in.Imm)
		}
	default:
		err = fmt.Errorf("unknown opcode %d", in.Op)
	}
	return err
}

func usesString(p Prim) bool {
	switch p {
	case PrimPrintk, PrimPanic, PrimUnknownCall, PrimCost:
		return true
	}
	return false
}

var opNames = [...]string{
	OpNop: "nop", OpConst: "const", OpMov: "mov", OpBin: "bin", OpUn: "un", OpConv: "conv",
	OpJump: "jump", OpBranch: "branch", OpCall: "call", OpCallInd: "callind", OpRet: "ret",
	OpPrim: "prim", OpLoadG: "loadg", OpStoreG: "storeg", OpLoadPCPU: "loadpcpu",
	OpStorePCPU: "storepcpu", OpWait: "wait", OpFuncRef: "funcref", OpAtomic: "atomic",
}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", o)
}
