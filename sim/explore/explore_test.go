package explore_test

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// Properties in the vocabulary rules uses.
var (
	allOffAtRelocation = explore.Property{
		Name: "secondaries-off-at-relocation",
		At:   explore.At(sim.EvRelocate),
		Check: func(v sim.View) bool {
			return v.AllSecondaries(func(c int) bool { return v.PSCI(c) == sim.PowerOff })
		},
	}
	noneOnlineAtRelocation = explore.Property{
		Name:  "no-secondary-online-at-relocation",
		At:    explore.At(sim.EvRelocate),
		Check: func(v sim.View) bool { return v.NumOnline() == 1 },
	}
	cpuOffPreconditions = explore.Property{
		Name: "cpu-off-preconditions",
		At:   explore.At(sim.EvCPUOff),
		Check: func(v sim.View) bool {
			e := v.Event()
			return !e.Routed && e.Masked
		},
	}
	noBug = explore.Property{
		Name: "no-bug-panic-hang",
		At:   explore.AtEnd,
		Check: func(v sim.View) bool {
			switch v.End() {
			case sim.Bugged, sim.Panicked, sim.Hung, sim.Failed:
				return false
			}
			return true
		},
	}
)

func machine(t testing.TB, o simtest.StopOptions, cfg sim.Config) *sim.Machine {
	t.Helper()
	cfg.Merge, cfg.AtomicWaits = true, true
	m, err := sim.NewMachine(simtest.StopProtocol(o), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStopProtocol(t *testing.T) {
	tests := []struct {
		name      string
		opts      simtest.StopOptions
		cfg       sim.Config
		props     []explore.Property
		want      []explore.Verdict
		expired   []string // waits the first property's trace needs
		certain   []string // waits the first property's result names as certain
		uncertain []string // waits the first property's result leaves to chance (nil: not set)
		steps     int      // length of the first property's trace (0: not checked)
	}{
		{
			name:  "racy: online count only",
			cfg:   sim.Config{CPUs: 2},
			props: []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, cpuOffPreconditions, noBug},
			want:  []explore.Verdict{explore.Violated, explore.Holds, explore.Holds, explore.Holds},
			steps: 6,
		},
		{
			name:    "AFFINITY_INFO confirmation, bounded",
			opts:    simtest.StopOptions{ConfirmOff: true, AffinityBound: 100},
			cfg:     sim.Config{CPUs: 2},
			props:   []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, noBug},
			want:    []explore.Verdict{explore.HoldsIfBounds, explore.Holds, explore.Holds},
			expired: []string{"cpu_psci_cpu_kill: AFFINITY_INFO reports OFF"},
		},
		{
			name:  "AFFINITY_INFO confirmation, unbounded",
			opts:  simtest.StopOptions{ConfirmOff: true},
			cfg:   sim.Config{CPUs: 3},
			props: []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, noBug},
			want:  []explore.Verdict{explore.Holds, explore.Holds, explore.Holds},
		},
		{
			name:    "bounded online wait: relocation with a CPU online",
			opts:    simtest.StopOptions{OnlineBound: 1000},
			cfg:     sim.Config{CPUs: 3},
			props:   []explore.Property{noneOnlineAtRelocation, noBug},
			want:    []explore.Verdict{explore.HoldsIfBounds, explore.Holds},
			expired: []string{"machine_shutdown: other CPUs offline"},
		},
		{
			// The secondaries go OFF without clearing their online bits:
			// the bounded wait can only expire, so relocation with CPUs
			// online happens in every run, not only when a bound runs out.
			// Relocation before they are OFF still needs the wait to
			// expire early, while they could still move: a may.
			name:    "CPU_OFF before the online bit: the wait's expiry is certain",
			opts:    simtest.StopOptions{OnlineBound: 1000, DieBeforeOffline: true},
			cfg:     sim.Config{CPUs: 3},
			props:   []explore.Property{noneOnlineAtRelocation, allOffAtRelocation, noBug},
			want:    []explore.Verdict{explore.Violated, explore.HoldsIfBounds, explore.Holds},
			certain: []string{"machine_shutdown: other CPUs offline"},
			expired: []string{"machine_shutdown: other CPUs offline"},
		},
		{
			// A wait before the stop IPI can only run out (certain); the
			// online wait after it runs out only by chance.
			name:      "early wait: one certain expiry, one left to chance",
			opts:      simtest.StopOptions{OnlineBound: 1000, EarlyWait: true},
			cfg:       sim.Config{CPUs: 3},
			props:     []explore.Property{noneOnlineAtRelocation, allOffAtRelocation, noBug},
			want:      []explore.Verdict{explore.HoldsIfBounds, explore.Violated, explore.Holds},
			expired:   []string{"machine_shutdown: early wait", "machine_shutdown: other CPUs offline"},
			certain:   []string{"machine_shutdown: early wait"},
			uncertain: []string{"machine_shutdown: other CPUs offline"},
		},
		{
			name:  "masked section and lost IPI: hang",
			cfg:   sim.Config{CPUs: 3, Faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 1}, {Kind: sim.FaultLostIPI, CPU: 2, IPI: sim.IPICPUStop}}},
			props: []explore.Property{noBug, cpuOffPreconditions},
			want:  []explore.Verdict{explore.Violated, explore.Holds},
		},
		{
			name:  "online bit cleared after migrating interrupts, 4 CPUs with symmetry",
			opts:  simtest.StopOptions{ClearOnlineLast: true},
			cfg:   sim.Config{CPUs: 4},
			props: []explore.Property{cpuOffPreconditions, noneOnlineAtRelocation, allOffAtRelocation},
			want:  []explore.Verdict{explore.Holds, explore.Holds, explore.Violated},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machine(t, tt.opts, tt.cfg)
			res, err := explore.Explore(m, tt.props, explore.Options{MaxStates: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range res.Properties {
				if p.Verdict != tt.want[i] {
					t.Errorf("%s: %s (%s), want %s\n%s", p.Name, p.Verdict, p.Reason, tt.want[i], res)
				}
				if p.Trace != nil {
					// the trace replays to the violation on its own
					if _, err := explore.Replay(m, p.Trace.Actions(), tt.props[i], p.Trace.Hang); err != nil {
						t.Errorf("%s: replay: %v", p.Name, err)
					}
					if !p.Minimal {
						t.Errorf("%s: trace not minimal", p.Name)
					}
				}
			}
			first := res.Properties[0]
			if tt.expired != nil {
				if first.Trace == nil || strings.Join(first.Trace.Expired, "|") != strings.Join(tt.expired, "|") {
					t.Errorf("expired waits = %v, want %v", first.Trace, tt.expired)
				}
			}
			if strings.Join(first.Certain, "|") != strings.Join(tt.certain, "|") {
				t.Errorf("certain expiries = %v, want %v", first.Certain, tt.certain)
			}
			if strings.Join(first.Uncertain, "|") != strings.Join(tt.uncertain, "|") {
				t.Errorf("expiries left to chance = %v, want %v", first.Uncertain, tt.uncertain)
			}
			if tt.opts.DieBeforeOffline && first.Trace != nil {
				// the run shown is the prompt one: every secondary is OFF
				// before the wait expires
				off := 0
				for _, st := range first.Trace.Steps {
					if st.Action.Kind == sim.ActExpire {
						break
					}
					if st.Action.Kind == sim.ActFirmware {
						off++
					}
				}
				if off != tt.cfg.CPUs-1 {
					t.Errorf("%d secondaries OFF before the certain expiry, want %d\n%s", off, tt.cfg.CPUs-1, first.Trace)
				}
			}
			if first.Verdict == explore.Violated && first.Trace.Expiries != 0 && len(first.Certain) == 0 {
				t.Errorf("violated trace needs %d expiries", first.Trace.Expiries)
			}
			if tt.steps > 0 && (first.Trace == nil || len(first.Trace.Steps) != tt.steps) {
				t.Errorf("trace:\n%v\nwant %d steps", first.Trace, tt.steps)
			}
			t.Logf("\n%s", res)
		})
	}
}

// Symmetry reduction must not change any verdict.
func TestSymmetryAgrees(t *testing.T) {
	props := []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, cpuOffPreconditions, noBug}
	for _, tt := range []struct {
		name string
		opts simtest.StopOptions
		cfg  sim.Config
	}{
		{"racy", simtest.StopOptions{}, sim.Config{CPUs: 5}},
		{"bounded", simtest.StopOptions{OnlineBound: 10}, sim.Config{CPUs: 4}},
		{"faults", simtest.StopOptions{}, sim.Config{CPUs: 5, Faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 2}, {Kind: sim.FaultCPUOffDenied, CPU: 3}}}},
		{"handoff", simtest.StopOptions{}, sim.Config{CPUs: 4}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := machine(t, tt.opts, tt.cfg)
			if tt.name == "handoff" {
				var err error
				m, err = sim.NewMachine(simtest.HotplugProtocol(), sim.Config{CPUs: tt.cfg.CPUs, Merge: true, AtomicWaits: true})
				if err != nil {
					t.Fatal(err)
				}
			}
			on, err := explore.Explore(m, props, explore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			off, err := explore.Explore(m, props, explore.Options{NoSymmetry: true})
			if err != nil {
				t.Fatal(err)
			}
			if !on.Symmetry || off.Symmetry {
				t.Fatalf("symmetry on=%v (%v) off=%v", on.Symmetry, on.SymmetryOff, off.Symmetry)
			}
			if on.States >= off.States {
				t.Errorf("symmetry did not reduce: %d vs %d states", on.States, off.States)
			}
			for i := range on.Properties {
				a, b := on.Properties[i], off.Properties[i]
				if a.Verdict != b.Verdict || (a.Trace == nil) != (b.Trace == nil) ||
					(a.Trace != nil && (len(a.Trace.Steps) != len(b.Trace.Steps) || a.Trace.Expiries != b.Trace.Expiries)) {
					t.Errorf("%s: with symmetry %s, without %s\n%s\n%s", a.Name, a.Verdict, b.Verdict, on, off)
				}
			}
			t.Logf("states with symmetry %d, without %d", on.States, off.States)
		})
	}
}

func TestSymmetryBreakersDisableReduction(t *testing.T) {
	m := machine(t, simtest.StopOptions{ConfirmOff: true}, sim.Config{CPUs: 4})
	res, err := explore.Explore(m, []explore.Property{noBug}, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Symmetry || len(res.SymmetryOff) == 0 || !strings.Contains(res.SymmetryOff[0], "arithmetic or ordering on CPU ids") {
		t.Fatalf("symmetry %v, reasons %q", res.Symmetry, res.SymmetryOff)
	}
	named := noBug
	named.NamesCPUs = true
	res, err = explore.Explore(machine(t, simtest.StopOptions{}, sim.Config{CPUs: 4}), []explore.Property{named}, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Symmetry {
		t.Fatal("symmetry on for a property naming CPUs")
	}
}

func TestBudgetsAreInconclusive(t *testing.T) {
	m := machine(t, simtest.StopOptions{}, sim.Config{CPUs: 6})
	res, err := explore.Explore(m, []explore.Property{noneOnlineAtRelocation}, explore.Options{MaxStates: 20, NoSymmetry: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Properties[0].Verdict != explore.Inconclusive || !strings.Contains(res.Stop, "state budget") {
		t.Fatalf("%s", res)
	}
	res, err = explore.Explore(m, []explore.Property{noneOnlineAtRelocation}, explore.Options{MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Properties[0].Verdict != explore.Inconclusive || !strings.Contains(res.Stop, "depth bound") {
		t.Fatalf("%s", res)
	}
	res, err = explore.Explore(m, []explore.Property{noneOnlineAtRelocation}, explore.Options{MaxMemory: 1 << 10, NoSymmetry: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Properties[0].Verdict != explore.Inconclusive || !strings.Contains(res.Stop, "memory budget") {
		t.Fatalf("%s", res)
	}
}

func TestUnknownCallIsInconclusive(t *testing.T) {
	p := simtest.New("test.c")
	s := p.String("frobnicate")
	b := p.Func("boot")
	b.Prim("", sim.PrimIRQMask, -1)
	b.PrimS(sim.PrimUnknownCall, s)
	b.Ret("")
	i := p.Func("idle")
	i.Label("l")
	i.Prim("", sim.PrimIdleWait, -1)
	i.Jump("l")
	h := p.Func("irq", "n")
	h.Ret("")
	m, err := sim.NewMachine(p.MustBuild("boot", "idle", "irq"), sim.Config{CPUs: 2, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := explore.Explore(m, []explore.Property{noneOnlineAtRelocation}, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties[0].Verdict != explore.Inconclusive || len(res.Unknown) != 1 || res.Unknown[0] != "frobnicate" {
		t.Fatalf("%s", res)
	}
}

// Same program, options and seed: byte-identical results.
func TestDeterministic(t *testing.T) {
	props := []explore.Property{allOffAtRelocation, noneOnlineAtRelocation, cpuOffPreconditions, noBug}
	run := func() string {
		var b strings.Builder
		m := machine(t, simtest.StopOptions{OnlineBound: 5, ConfirmOff: true, AffinityBound: 5}, sim.Config{CPUs: 3})
		res, err := explore.Explore(m, props, explore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(res.String())
		m = machine(t, simtest.StopOptions{}, sim.Config{CPUs: 6})
		res, err = explore.Explore(m, props, explore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(res.String())
		for _, seed := range []uint64{1, 42} {
			res, err = explore.Random(m, props, explore.RandomOptions{Seed: seed, Runs: 50})
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(res.String())
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("results differ:\n%s\n----\n%s", a, b)
	}
}

func TestRandomFindsRace(t *testing.T) {
	m := machine(t, simtest.StopOptions{}, sim.Config{CPUs: 64})
	res, err := explore.Random(m, []explore.Property{allOffAtRelocation, noneOnlineAtRelocation}, explore.RandomOptions{Seed: 7, Runs: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Properties[0]; p.Verdict != explore.Violated || p.Trace == nil {
		t.Fatalf("%s", res)
	}
	if p := res.Properties[1]; p.Verdict != explore.Inconclusive {
		t.Fatalf("%s", res)
	}
	if res.Seed != 7 || res.Runs != 20 {
		t.Fatalf("seed/runs not recorded: %s", res)
	}
}

func TestViolationBeforeFirstStep(t *testing.T) {
	p := simtest.New("test.c")
	b := p.Func("boot")
	b.Const("a", 1, sim.Int)
	b.Const("z", 0, sim.Int)
	b.Bin("q", sim.Div, "a", "z", sim.Int)
	b.Ret("")
	i := p.Func("idle")
	i.Label("l")
	i.Prim("", sim.PrimIdleWait, -1)
	i.Jump("l")
	p.Func("irq", "n").Ret("")
	m, err := sim.NewMachine(p.MustBuild("boot", "idle", "irq"), sim.Config{CPUs: 2, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := explore.Explore(m, []explore.Property{noBug}, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pr := res.Properties[0]
	if pr.Verdict != explore.Violated || pr.Trace == nil || len(pr.Trace.Steps) != 1 || pr.Trace.Event.Kind != sim.EvBug {
		t.Fatalf("%s", res)
	}
	if _, err := explore.Replay(m, pr.Trace.Actions(), noBug, false); err != nil {
		t.Fatal(err)
	}
}

// A CPU taken out of idle_wait to run a kthread returns from the wfi and
// goes on (the idle loop re-checks its state), as the kernel's do_idle does.
func TestKthreadWakesIdle(t *testing.T) {
	p := simtest.New("test.c")
	woke := p.Global("woke", sim.Int, 0, false)
	b := p.Func("boot")
	b.Const("cpu", 1, sim.Uint)
	b.Prim("", sim.PrimSchedHandoff, -1, "cpu")
	b.Wait("woke", 0, func() string {
		b.LoadG("w", woke)
		b.Const("zero", 0, sim.Int)
		b.Bin("c", sim.Eq, "w", "zero", sim.Int)
		return "c"
	}, "done", "done")
	b.Label("done")
	b.Ret("")
	i := p.Func("idle")
	i.Prim("", sim.PrimIdleWait, -1)
	i.Const("one", 1, sim.Int)
	i.StoreG(woke, "one")
	i.Label("l")
	i.Prim("", sim.PrimIdleWait, -1)
	i.Jump("l")
	p.Func("irq", "n").Ret("")
	m, err := sim.NewMachine(p.MustBuild("boot", "idle", "irq"), sim.Config{CPUs: 2, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := explore.Explore(m, []explore.Property{noBug}, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties[0].Verdict != explore.Holds {
		t.Fatalf("%s", res)
	}
}
