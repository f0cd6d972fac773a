package compile_test

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/profile"
	"github.com/patchcheck/patchcheck/sim/timed"
)

// The seed patch's BEFORE and AFTER programs, compiled once.
var seed struct {
	once          sync.Once
	before, after *sim.Program
	err           error
}

func seedPrograms(tb testing.TB) (before, after *sim.Program) {
	tb.Helper()
	seed.once.Do(func() {
		const name = "../../fixtures/seed/arm64-kexec-smp-send-stop.mbox"
		f, err := os.Open(name)
		if err != nil {
			seed.err = err
			return
		}
		defer f.Close()
		s, err := parse.Parse(name, f, nil)
		if err != nil {
			seed.err = err
			return
		}
		r, err := semantics.Analyze(s, nil)
		if err != nil {
			seed.err = err
			return
		}
		seed.before, seed.after = r.Before.Program, r.After.Program
	})
	if seed.err != nil {
		tb.Fatal(seed.err)
	}
	return seed.before, seed.after
}

// seedProperties are safety properties of the kexec path, written over
// sim.View without naming particular CPUs. One is checked at a call event,
// where the state the property sees depends on where steps end.
var seedProperties = []explore.Property{
	{Name: "secondaries off at relocation", At: explore.At(sim.EvRelocate), Check: func(v sim.View) bool {
		return v.AllSecondaries(func(c int) bool { return v.PSCI(c) == sim.PowerOff })
	}},
	{Name: "interrupts migrated at CPU_OFF", At: explore.At(sim.EvCPUOff), Check: func(v sim.View) bool {
		return !v.IRQRouted(int(v.Event().CPU))
	}},
	{Name: "cpu_die in the idle task of an offline CPU", At: explore.At(sim.EvCall), Calls: []string{"cpu_die"}, Check: func(v sim.View) bool {
		ev := v.Event()
		if v.M.Prog.Funcs[ev.Val].Name != "cpu_die" {
			return true
		}
		c := int(ev.CPU)
		return v.Context(c) == sim.ExecTask && !v.Online(c)
	}},
	{Name: "no BUG", At: explore.AtEnd, Check: func(v sim.View) bool { return v.End() != sim.Bugged }},
	{Name: "no machine error", At: explore.AtEnd, Check: func(v sim.View) bool { return v.End() != sim.Failed }},
}

// explorerConfig is the machine configuration the explorer runs, with or
// without the machine's reductions (dead registers, private per-CPU
// accesses as local steps).
func explorerConfig(n int, plain bool) sim.Config {
	return sim.Config{CPUs: n, Merge: true, AtomicWaits: true, TraceCalls: true, KeepDeadRegs: plain, EveryAccessVisible: plain}
}

// TestReductionsKeepVerdicts checks that the machine's reductions (merged
// steps: private per-CPU accesses, stable reads, merged unmasks; dead
// registers; symmetry) change nothing a user sees on the seed's programs:
// the same verdict for every property, counterexamples of the same length
// and expiries, and completeness, for N = 2..4 (and 5 for AFTER), compared
// with a search that stores every state as it is. The seed ported to 6.1
// and 6.12 is checked too, compiled from the trees, for N = 2..3 (and 4 for
// AFTER): their idle loops and hotplug cores are the trees' own.
func TestReductionsKeepVerdicts(t *testing.T) {
	before, after := seedPrograms(t)
	type program struct {
		name string
		prog *sim.Program
		maxN int
	}
	progs := []program{{"before", before, 4}, {"after", after, 5}}
	for _, v := range []string{"6.1", "6.12"} {
		b, a := portPrograms(t, v)
		progs = append(progs, program{v + "/before", b, 3}, program{v + "/after", a, 4})
	}
	for _, tc := range progs {
		for n := 2; n <= tc.maxN; n++ {
			t.Run(fmt.Sprintf("%s/N=%d", tc.name, n), func(t *testing.T) { checkReductions(t, tc.prog, n) })
		}
	}
}

// portPrograms compiles the seed's port to kernel version v
// (fixtures/seed/ports) against that tree, or skips t without the tree.
func portPrograms(t *testing.T, v string) (before, after *sim.Program) {
	t.Helper()
	tree, err := semantics.OpenTree(testtree.Dir(t, v))
	if err != nil {
		t.Fatal(err)
	}
	name := "../../fixtures/seed/ports/seed-" + v + ".mbox"
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := parse.Parse(name, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := semantics.Analyze(s, &semantics.Options{Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	if r.Before.Program == nil || r.After.Program == nil {
		t.Fatalf("the %s port did not compile", v)
	}
	return r.Before.Program, r.After.Program
}

// checkReductions compares, on prog at n CPUs, the search with every
// reduction against one with the same steps and none, and one with every
// access and unmask a step of its own.
func checkReductions(t *testing.T, prog *sim.Program, n int) {
	run := func(cfg sim.Config, sym bool) *explore.Result {
		m, err := sim.NewMachine(prog, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := explore.Explore(m, seedProperties, explore.Options{NoSymmetry: !sym})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Private per-CPU accesses merge steps, so traces get
	// shorter: the fully plain search must agree on verdicts
	// and expiries, the one with the same steps on lengths too.
	unmerged := run(explorerConfig(n, true), false)
	cfg := explorerConfig(n, true)
	cfg.EveryAccessVisible = false
	plain := run(cfg, false)
	reduced := run(explorerConfig(n, false), true)
	if !unmerged.Complete {
		t.Fatalf("incomplete: %d states (%s)", unmerged.States, unmerged.Stop)
	}
	for i, p := range unmerged.Properties {
		r := reduced.Properties[i]
		if p.Verdict != r.Verdict || (p.Trace == nil) != (r.Trace == nil) ||
			p.Trace != nil && (p.Trace.Expiries != r.Trace.Expiries || p.Trace.Hang != r.Trace.Hang) {
			t.Errorf("%s: verdict %s with every per-CPU access a step, %s with reductions", p.Name, p.Verdict, r.Verdict)
		}
	}
	if !plain.Complete || !reduced.Complete {
		t.Fatalf("incomplete: plain %d states (%s), reduced %d states (%s)", plain.States, plain.Stop, reduced.States, reduced.Stop)
	}
	if reduced.States > plain.States {
		t.Errorf("reduction stored more states: %d > %d", reduced.States, plain.States)
	}
	for i, p := range plain.Properties {
		r := reduced.Properties[i]
		if p.Verdict != r.Verdict || p.Minimal != r.Minimal {
			t.Errorf("%s: verdict %s (minimal %v) without reduction, %s (minimal %v) with", p.Name, p.Verdict, p.Minimal, r.Verdict, r.Minimal)
			continue
		}
		if (p.Trace == nil) != (r.Trace == nil) {
			t.Errorf("%s: counterexample only on one side", p.Name)
			continue
		}
		if p.Trace != nil && (len(p.Trace.Steps) != len(r.Trace.Steps) || p.Trace.Expiries != r.Trace.Expiries || p.Trace.Hang != r.Trace.Hang) {
			t.Errorf("%s: counterexample of %d steps, %d expiries without reduction; %d steps, %d expiries with",
				p.Name, len(p.Trace.Steps), p.Trace.Expiries, len(r.Trace.Steps), r.Trace.Expiries)
		}
	}
	t.Logf("%d states with no reduction, %d with private per-CPU steps, %d with every reduction (symmetry %v)",
		unmerged.States, plain.States, reduced.States, reduced.Symmetry)
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkSeedScale explores the seed's programs exhaustively with the
// default budgets (4M states, the explorer's default memory) and reports
// the states stored, the transitions taken (successors computed, stored or
// not), the CPU time, the explorer's peak table bytes and
// whether the search completed: AFTER for N up to 64, BEFORE up to 8 (the
// goals of exhaustive search; bench/run.sh prints the largest N completed).
func BenchmarkSeedScale(b *testing.B) {
	before, after := seedPrograms(b)
	for _, tc := range []struct {
		name string
		prog *sim.Program
		ns   []int
	}{
		{"after", after, []int{2, 4, 8, 16, 32, 48, 56, 64}},
		{"before", before, []int{2, 3, 4, 5, 6, 7, 8}},
	} {
		for _, n := range tc.ns {
			b.Run(fmt.Sprintf("%s/N=%d", tc.name, n), func(b *testing.B) {
				m, err := sim.NewMachine(tc.prog, explorerConfig(n, false))
				if err != nil {
					b.Fatal(err)
				}
				var res *explore.Result
				cpu0 := cpuSeconds()
				for b.Loop() {
					res, err = explore.Explore(m, seedProperties, explore.Options{})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(res.States), "states")
				b.ReportMetric(float64(res.Transitions), "transitions")
				b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(res.MemoryBytes), "peak-B")
				complete := 0.0
				if res.Complete {
					complete = 1
				}
				b.ReportMetric(complete, "complete")
				sym := 0.0
				if res.Symmetry {
					sym = 1
				}
				b.ReportMetric(sym, "symmetry")
			})
		}
	}
}

// BenchmarkSeedTimed runs the timed engine once on the seed's BEFORE
// program (CPUs taken down one by one) with the default budgets, as the
// rules' Measure does, and reports whether it completed (relocated 1, else
// 0: a timeout at N=4096 before the time budget grew with N), the
// simulated seconds the run took and its machine steps.
func BenchmarkSeedTimed(b *testing.B) {
	before, _ := seedPrograms(b)
	for _, n := range []int{23, 512, 4096} {
		b.Run(fmt.Sprintf("before/N=%d", n), func(b *testing.B) {
			e, err := timed.New(before, sim.Config{CPUs: n})
			if err != nil {
				b.Fatal(err)
			}
			var r *timed.Run
			cpu0 := cpuSeconds()
			for i := 0; b.Loop(); i++ {
				if r, err = e.RunOne(profile.Default(), 1, i, []string{"machine_shutdown"}, timed.Budget{}, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			relocated := 0.0
			if r.Outcome == "relocated" {
				relocated = 1
			}
			b.ReportMetric(relocated, "complete")
			b.ReportMetric(r.End, "sim-s")
			b.ReportMetric(float64(r.Steps), "steps")
		})
	}
}
