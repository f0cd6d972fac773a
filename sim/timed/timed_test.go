package timed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

func evaluate(t testing.TB, prog *sim.Program, cfg sim.Config, prof *profile.Profile, opt Options) *Result {
	t.Helper()
	res, err := Evaluate(prog, cfg, prof, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func metric(t testing.TB, r *Result, name string) Distribution {
	t.Helper()
	d, ok := r.Metric(name)
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	return d
}

const ms = 1e-3

// Sequential hotplug grows linearly with the number of CPUs: one grace
// period and one stop_machine per CPU, one more grace period for the first.
func TestHotplugLinear(t *testing.T) {
	med := map[int]float64{}
	for _, n := range []int{2, 4, 8, 16} {
		res := evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, profile.Default(), Options{Runs: 40, Seed: 3})
		d := metric(t, res, "machine_shutdown")
		if d.Never != 0 {
			t.Fatalf("N=%d: %d runs never returned (outcomes %+v)", n, d.Never, res.Outcomes)
		}
		med[n] = d.Median
		t.Logf("N=%2d machine_shutdown median %.1f ms [p5 %.1f, p95 %.1f]", n, d.Median/ms, d.P5/ms, d.P95/ms)
	}
	first := med[2]
	if first < 25*ms || first > 40*ms {
		t.Errorf("N=2 (one CPU, with the extra grace period) = %.1f ms, want 25-40", first/ms)
	}
	per1 := (med[8] - med[4]) / 4
	per2 := (med[16] - med[8]) / 8
	for _, per := range []float64{per1, per2} {
		if per < 14*ms || per > 24*ms {
			t.Errorf("per-CPU increment %.1f ms, want 14-24 (linear in N)", per/ms)
		}
	}
	if math.Abs(per2-per1) > 0.2*per1 {
		t.Errorf("per-CPU increment changes from %.1f to %.1f ms: not linear", per1/ms, per2/ms)
	}
}

// An IPI-based stop takes about the same time whatever the number of CPUs:
// the stops run in parallel.
func TestIPIStopNearConstant(t *testing.T) {
	var meds []float64
	for _, n := range []int{2, 16, 64} {
		res := evaluate(t, ipiStopProgram(), sim.Config{CPUs: n}, profile.Default(), Options{Runs: 40, Seed: 5})
		d := metric(t, res, "machine_shutdown")
		if d.Never != 0 {
			t.Fatalf("N=%d: %d runs never returned", n, d.Never)
		}
		t.Logf("N=%2d machine_shutdown median %.3f ms, p95 %.3f ms", n, d.Median/ms, d.P95/ms)
		if d.P95 > 2*ms {
			t.Errorf("N=%d: p95 %.3f ms, want under 2 ms", n, d.P95/ms)
		}
		meds = append(meds, d.Median)
	}
	if meds[2] > 4*meds[0]+0.2*ms {
		t.Errorf("N=64 median %.3f ms vs N=2 %.3f ms: grows with N", meds[2]/ms, meds[0]/ms)
	}
}

// The same seed gives byte-identical results, whatever the parallelism.
func TestDeterministic(t *testing.T) {
	for _, prog := range []*sim.Program{hotplugProgram(), ipiStopProgram()} {
		var out [][]byte
		for _, workers := range []int{1, 1, 3} {
			res := evaluate(t, prog, sim.Config{CPUs: 6, Load: sim.LoadBusy}, profile.Default(),
				Options{Runs: 20, Seed: 42, PerCPU: true, Timeline: true, Workers: workers})
			js, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, js)
		}
		if !bytes.Equal(out[0], out[1]) || !bytes.Equal(out[0], out[2]) {
			t.Error("same seed, different results")
		}
		other := evaluate(t, prog, sim.Config{CPUs: 6, Load: sim.LoadBusy}, profile.Default(),
			Options{Runs: 20, Seed: 43, PerCPU: true, Timeline: true})
		js, _ := json.Marshal(other)
		if bytes.Equal(out[0], js) {
			t.Error("seeds 42 and 43 gave identical results")
		}
	}
}

// Changing a profile range moves the distribution by what the model says.
func TestProfileRangeMovesDistribution(t *testing.T) {
	base := profile.Default()
	slow, err := profile.Parse("slow-rcu.yaml", []byte(`name: slow-rcu
extends: generic-arm64-server
params:
  rcu_gp_idle:
    unit: ms
    min: 30
    max: 40
    vary: event
    assumption: true
    reason: test
`))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	opt := Options{Runs: 40, Seed: 9}
	a := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, base, opt), "machine_shutdown")
	b := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, slow, opt), "machine_shutdown")
	// n-1 CPUs, one grace period each plus one extra: n grace periods,
	// each 35-14.05 ms longer on average.
	want := float64(n) * (35 - 14.05) * ms
	if got := b.Median - a.Median; math.Abs(got-want) > 0.1*want {
		t.Errorf("median moved by %.1f ms, want about %.1f", got/ms, want/ms)
	}
	if b.P5 <= a.P95 {
		t.Errorf("distributions overlap: base p95 %.1f ms, slow p5 %.1f ms", a.P95/ms, b.P5/ms)
	}
}

// Busy secondaries slow the hotplug path down: grace periods and
// stop_machine wait for non-preemptible sections.
func TestBusySlower(t *testing.T) {
	idle := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: 16}, profile.Default(), Options{Runs: 30, Seed: 2}), "machine_shutdown")
	busy := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: 16, Load: sim.LoadBusy}, profile.Default(), Options{Runs: 30, Seed: 2}), "machine_shutdown")
	t.Logf("N=16 idle median %.1f ms, busy median %.1f ms", idle.Median/ms, busy.Median/ms)
	if busy.Median < idle.Median*1.1 {
		t.Errorf("busy %.1f ms not slower than idle %.1f ms", busy.Median/ms, idle.Median/ms)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name          string
		prog          *sim.Program
		faults        []sim.Fault
		lo, hi        float64 // machine_shutdown median bounds (seconds)
		offNever      bool    // secondaries_off never happens
		maxSteps      int64   // per run
		wantSkipped   bool
		wantOutcome   string
		shutdownNever bool
	}{
		{name: "lost stop IPI: the one-second bound expires",
			prog: ipiStopProgram(), faults: []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 2, IPI: sim.IPICPUStop}},
			lo: 1.0, hi: 1.2, offNever: true, maxSteps: 2000, wantSkipped: true, wantOutcome: "relocated"},
		{name: "interrupts masked for 300 ms",
			prog: ipiStopProgram(), faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 3, For: 300 * time.Millisecond}},
			lo: 0.3, hi: 0.302, maxSteps: 2000, wantSkipped: true, wantOutcome: "relocated"},
		{name: "CPU_OFF denied: the CPU parks",
			prog: ipiStopProgram(), faults: []sim.Fault{{Kind: sim.FaultCPUOffDenied, CPU: 1}},
			lo: 0, hi: 2e-3, offNever: true, maxSteps: 2000, wantOutcome: "relocated"},
		{name: "hotplug waits for a CPU with interrupts masked (grace period, stopper)",
			prog: hotplugProgram(), faults: []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 3, For: 300 * time.Millisecond}},
			lo: 0.35, hi: 0.4, maxSteps: 5000, wantOutcome: "relocated"},
		{name: "slow CPU_OFF: AFFINITY_INFO polling gives up after ten polls",
			prog: hotplugProgram(), faults: []sim.Fault{{Kind: sim.FaultSlowCPUOff, CPU: 2, For: 400 * time.Millisecond}},
			lo: 0.07, hi: 0.1, maxSteps: 5000, wantOutcome: "relocated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := evaluate(t, tt.prog, sim.Config{CPUs: 4, Faults: tt.faults}, profile.Default(), Options{Runs: 10, Seed: 1})
			d := metric(t, res, "machine_shutdown")
			t.Logf("machine_shutdown median %.4f s; steps %d; skipped %d; outcomes %+v", d.Median, res.Steps, res.Skipped, res.Outcomes)
			if d.Never != 0 || d.Median < tt.lo || d.Median > tt.hi {
				t.Errorf("machine_shutdown median %.4f s (never %d), want %.3f-%.3f", d.Median, d.Never, tt.lo, tt.hi)
			}
			off := metric(t, res, "secondaries_off")
			if (off.Never == off.Runs) != tt.offNever {
				t.Errorf("secondaries_off never in %d of %d runs", off.Never, off.Runs)
			}
			if res.Steps > tt.maxSteps*int64(res.Runs) {
				t.Errorf("%d steps for %d runs: loops not fast-forwarded", res.Steps, res.Runs)
			}
			if tt.wantSkipped && res.Skipped == 0 {
				t.Error("nothing fast-forwarded")
			}
			if len(res.Outcomes) != 1 || res.Outcomes[0].Outcome != tt.wantOutcome {
				t.Errorf("outcomes %+v, want all %s", res.Outcomes, tt.wantOutcome)
			}
		})
	}
}

// A loop nothing can end hits the time budget quickly instead of hanging.
func TestBudget(t *testing.T) {
	res := evaluate(t, spinProgram(), sim.Config{CPUs: 2}, profile.Default(),
		Options{Runs: 2, Seed: 1, Budget: Budget{MaxTime: 10}})
	if res.Inconclusive != 2 || res.Outcomes[0].Outcome != "timeout" {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	if res.Steps > 1000 {
		t.Errorf("%d steps to reach a 10 s budget: not fast-forwarded", res.Steps)
	}
	res = evaluate(t, spinProgram(), sim.Config{CPUs: 2}, profile.Default(),
		Options{Runs: 1, Seed: 1, Budget: Budget{MaxSteps: 100}})
	if res.Outcomes[0].Outcome != "timeout" {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
}

func TestTimelineStates(t *testing.T) {
	res := evaluate(t, hotplugProgram(), sim.Config{CPUs: 3}, profile.Default(), Options{Runs: 1, Seed: 4, Timeline: true})
	tl := res.Timeline
	if tl == nil || len(tl.CPUs) != 3 {
		t.Fatal("no timeline")
	}
	seen := map[string]bool{}
	for _, tr := range tl.CPUs {
		prev := 0.0
		for _, s := range tr.Segments {
			if s.Start != prev || s.End < s.Start {
				t.Errorf("cpu%d: segment %+v does not follow %v", tr.CPU, s, prev)
			}
			prev = s.End
			seen[s.State] = true
		}
		if prev != tl.End {
			t.Errorf("cpu%d: track ends at %v, timeline at %v", tr.CPU, prev, tl.End)
		}
	}
	for _, s := range []string{"running", "idle", "stopper", "stopping", "firmware", "off"} {
		if !seen[s] {
			t.Errorf("state %s never recorded", s)
		}
	}
	if tl.Relocate <= 0 || tl.Relocate > tl.End {
		t.Errorf("relocate %v, end %v", tl.Relocate, tl.End)
	}
	if last := tl.CPUs[1].Segments[len(tl.CPUs[1].Segments)-1]; last.State != "off" {
		t.Errorf("cpu1 ends %s, want off", last.State)
	}
}

func TestMissingCostParameter(t *testing.T) {
	a := newAsm()
	common(a)
	s := a.str("no_such_step")
	a.fn("machine_shutdown", 0, 1, 0).primS(sim.PrimCost, s, -1).ret(-1)
	res := evaluate(t, a.build("kernel_kexec", "secondary_idle", "handle_ipi"), sim.Config{CPUs: 2}, profile.Default(), Options{Runs: 1})
	if res.Inconclusive != 1 || res.Outcomes[0].Outcome != "error" {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
}

// Fast-forwarding does not change what a run computes: the one-second
// udelay(1) loop of a stop whose IPI is lost ends after the same number of
// iterations, at the same time up to the difference between the drawn and
// the expected cost of the skipped iterations.
func TestFastForwardFaithful(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two million steps")
	}
	cfg := sim.Config{CPUs: 3, Faults: []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 1, IPI: sim.IPICPUStop}}}
	e, err := New(ipiStopProgram(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := e.RunOne(profile.Default(), 7, 0, []string{"machine_shutdown"}, Budget{}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.noSkip = true
	// stepped as written, the loop alone takes 2*10^6 steps: more than
	// the default budget of a 2-CPU run allows
	slow, err := e.RunOne(profile.Default(), 7, 0, []string{"machine_shutdown"}, Budget{MaxSteps: 10_000_000}, false)
	if err != nil {
		t.Fatal(err)
	}
	df := fast.Return["machine_shutdown"] - fast.Enter["machine_shutdown"]
	ds := slow.Return["machine_shutdown"] - slow.Enter["machine_shutdown"]
	t.Logf("fast-forwarded: %.6f s in %d steps (%d skipped); as written: %.6f s in %d steps", df, fast.Steps, fast.Skipped, ds, slow.Steps)
	if slow.Skipped != 0 || fast.Skipped < 900_000 {
		t.Fatalf("skipped %d and %d", fast.Skipped, slow.Skipped)
	}
	if math.Abs(df-ds) > 1e-3*ds {
		t.Errorf("fast-forwarded %.6f s, as written %.6f s", df, ds)
	}
	// both exit through the bound: 10^6 iterations of at least 1 us
	if df < 1.0 || ds < 1.0 {
		t.Errorf("loop ended before its bound: %.6f, %.6f", df, ds)
	}
	if fast.Outcome != slow.Outcome || fast.Off[2] != slow.Off[2] || fast.Offline[2] != slow.Offline[2] {
		t.Errorf("runs differ outside the loop: %+v vs %+v", fast, slow)
	}
}

func TestConsoleChars(t *testing.T) {
	for _, tt := range []struct {
		format string
		want   int
	}{
		{"CPU%d: shutdown\n", 15},
		{"CPU%d killed (polled %d ms)\n", 27},
		{"\0016CPU%u: 100%% %lu\n", 14},
		{"%-5s|%08x", 5},
	} {
		if got := consoleChars(tt.format); got != tt.want {
			t.Errorf("consoleChars(%q) = %d, want %d", tt.format, got, tt.want)
		}
	}
}

// console is the default profile with the console fixed: a log level and a
// speed.
func console(t *testing.T, level, baud float64) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("console.yaml", []byte(fmt.Sprintf(`name: console
extends: generic-arm64-server
params:
  console_loglevel:
    unit: level
    value: %g
    source: "fixed for the test"
  console_baud:
    unit: baud
    value: %g
    source: "fixed for the test"
`, level, baud)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// With the console log level at 7 the two hotplug messages per CPU are
// written at the console's speed: (15 + 17) and (27 + 17) characters of 10
// bits; at 4 (quiet) they cost nothing. Runs are compared in pairs (same
// seed and index, so the same draws). The next jiffy-aligned sleep
// (cpu_wait_death) absorbs a shift that does not cross a tick: at 115200
// baud the lines cost more than a jiffy per CPU and show in full; at
// 1 Mbaud (0.8 ms per CPU) part of their cost is absorbed, never more than
// all of it.
func TestConsoleLoglevel(t *testing.T) {
	const n, runs = 8, 200
	e, err := New(hotplugProgram(), sim.Config{CPUs: n})
	if err != nil {
		t.Fatal(err)
	}
	trace := []string{"machine_shutdown"}
	for _, baud := range []float64{115200, 1000000} {
		quiet, loud := console(t, 4, baud), console(t, 7, baud)
		sum := 0.0
		for i := range runs {
			a, err := e.RunOne(quiet, 9, i, trace, Budget{}, false)
			if err != nil {
				t.Fatal(err)
			}
			b, err := e.RunOne(loud, 9, i, trace, Budget{}, false)
			if err != nil {
				t.Fatal(err)
			}
			sum += b.Return["machine_shutdown"] - a.Return["machine_shutdown"]
		}
		want := float64(n-1) * float64((15+17)+(27+17)) * 10 / baud
		got := sum / runs
		if baud <= 115200 && math.Abs(got-want) > 0.15*want || got <= 0 || got > 1.15*want {
			t.Errorf("%g baud: console costs %.2f ms, want about %.2f", baud, got/ms, want/ms)
		}
	}
}

// The default profile does not know the machine's console: its runs span
// a quiet console and a 115200-baud serial console at the default log level.
func TestConsoleSpan(t *testing.T) {
	const n = 8
	opt := Options{Runs: 200, Seed: 3}
	quiet := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, console(t, 4, 115200), opt), "machine_shutdown")
	serial := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, console(t, 7, 115200), opt), "machine_shutdown")
	def := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: n}, profile.Default(), opt), "machine_shutdown")
	if def.P5 > quiet.Median || def.P95 < serial.Median {
		t.Errorf("default p5-p95 %.1f-%.1f ms does not span quiet (median %.1f ms) and serial at level 7 (median %.1f ms)",
			def.P5/ms, def.P95/ms, quiet.Median/ms, serial.Median/ms)
	}
}

// Offline (cpu_online_mask) comes before OFF (firmware) in every run of the
// IPI stop: a CPU clears its online bit first, then calls CPU_OFF.
func TestOfflineBeforeOff(t *testing.T) {
	e, err := New(ipiStopProgram(), sim.Config{CPUs: 8})
	if err != nil {
		t.Fatal(err)
	}
	both := 0
	for i := range 30 {
		r, err := e.RunOne(profile.Default(), 2, i, nil, Budget{}, false)
		if err != nil {
			t.Fatal(err)
		}
		on, off := r.SecondariesOffline(), r.SecondariesOff()
		if on < 0 {
			t.Fatalf("run %d: secondaries never all offline", i)
		}
		if off >= 0 {
			both++
			if off < on {
				t.Errorf("run %d: all OFF at %v before all offline at %v", i, off, on)
			}
		}
		for c := 1; c < 8; c++ {
			if r.Off[c] >= 0 && r.Off[c] < r.Offline[c] {
				t.Errorf("run %d: cpu%d OFF at %v, offline at %v", i, c, r.Off[c], r.Offline[c])
			}
		}
	}
	if both == 0 {
		t.Error("no run saw every secondary OFF")
	}
}
