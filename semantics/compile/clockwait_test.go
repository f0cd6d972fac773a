package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// Polling loops bounded by the clock (jiffies, ktime_get()) found on the
// control-flow graph, among them the form of v6.5's
// cpuhp_wait_for_sync_state(): the state read at the bottom of the loop and
// tested at the top of the next iteration, a compare-and-exchange on the
// way out whose failure polls again, and a poll hint in a helper.
var clockWaits = []struct {
	name string
	src  string
	// expired is f()'s result when the state never comes; satisfied when
	// AFFINITY_INFO says OFF from the start.
	expired, satisfied uint64
}{
	{"jiffies deadline in a goto loop", `long f(void) { unsigned long end = jiffies + 10;
		again: if (psci_affinity_info(1, 0) != 1) { if (time_after(jiffies, end)) return -110; udelay(10); goto again; } return 0; }`,
		^uint64(109), 0},
	{"ktime deadline tested after the state", `long f(void) { s64 end = ktime_get() + 5000000;
		while (1) { if (psci_affinity_info(1, 0) == 1) return 0; if (ktime_get() > end) return -110; udelay(10); } }`,
		^uint64(109), 0},
	{"state read at the bottom, tested at the top", `static void hint(void) { cpu_relax(); }
		long f(void) { s64 now, end, start = ktime_get(); int v;
		end = start + 10ULL * NSEC_PER_SEC;
		v = psci_affinity_info(1, 0);
		while (1) {
			if (v == 1)
				return 7;
			now = ktime_get();
			if (now > end)
				return -110;
			else if (now - start < NSEC_PER_MSEC)
				hint();
			else
				usleep_range(1000, 2000);
			v = psci_affinity_info(1, 0);
		}
		return 1; }`,
		^uint64(109), 7},
	{"compare-and-exchange on the way out", `DEFINE_PER_CPU(int, sync_state) = 5;
		static void hint(void) { cpu_relax(); }
		long f(void) { s64 now, end, start = ktime_get(); int v;
		end = start + 10ULL * NSEC_PER_SEC;
		v = atomic_read(&per_cpu(sync_state, 1));
		while (1) {
			if (v == 0) {
				if (!atomic_try_cmpxchg(&per_cpu(sync_state, 1), &v, 0))
					continue;
				return 7;
			}
			now = ktime_get();
			if (now > end)
				return -110 - v;
			else if (now - start < NSEC_PER_MSEC)
				hint();
			else
				usleep_range(1000, 2000);
			v = atomic_read(&per_cpu(sync_state, 1));
		}
		return 1; }`,
		^uint64(114), 7},
}

const clockDefs = "#define NSEC_PER_SEC 1000000000L\n#define NSEC_PER_MSEC 1000000L\n"

// TestClockWaitExpiry: each loop is one bounded wait; taking its expiry at
// once leaves f() as running the loop until the clock passes the deadline
// does, on the test evaluator and on the machine (whose explorer clock
// stands still), and the expiry's iteration does not delay.
func TestClockWaitExpiry(t *testing.T) {
	for _, tt := range clockWaits {
		t.Run(tt.name, func(t *testing.T) {
			src := clockDefs + tt.src
			p := mustCompile(t, src)
			if len(p.Waits) != 1 {
				t.Fatalf("%d waits, want 1", len(p.Waits))
			}
			if p.Waits[0].Expired < 0 {
				t.Fatalf("wait %q is unbounded", p.Waits[0].Name)
			}
			// As written, with a clock that moves 500 µs at each read
			// (jiffies at HZ = 250) and a state that never comes.
			clock := func() func(*evaluator, sim.Prim, []uint64, *sim.Instr) uint64 {
				var ns uint64
				return func(ev *evaluator, pr sim.Prim, args []uint64, in *sim.Instr) uint64 {
					switch pr {
					case sim.PrimKtimeGet:
						ns += 500000
						return ns
					case sim.PrimJiffies:
						ns += 500000
						return ns * 250 / 1e9
					}
					return 0 // AFFINITY_INFO: ON
				}
			}
			run := newEvaluator(p)
			run.prim = clock()
			got, err := run.call("f")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.expired {
				t.Errorf("as written: %#x, want %#x", got, tt.expired)
			}
			exp := newEvaluator(p)
			exp.prim = clock()
			exp.expire = true
			gotExp, err := exp.call("f")
			if err != nil {
				t.Fatal(err)
			}
			if gotExp != got {
				t.Errorf("loop as written ends with %#x, expiry block with %#x", got, gotExp)
			}
			if tr := strings.Join(exp.trace, ";"); strings.Contains(tr, "udelay") || strings.Contains(tr, "usleep_range") || strings.Contains(tr, "cpu_relax") {
				t.Errorf("expiry block delays: %v", exp.trace)
			}
			// The machine: its clock stands at 0, so only the expiry ends
			// the wait, once.
			v, end, n := runOn(t, src, "f", nil, sim.Config{CPUs: 2, AtomicWaits: true}, true)
			if end != sim.Returned || v != got || n != 1 {
				t.Errorf("machine: %#x (%v) after %d expiries, want %#x after 1", v, end, n, got)
			}
		})
	}
}

// TestClockWaitSatisfied: a wait whose state is there from the start ends
// without an expiry: on the evaluator (AFFINITY_INFO says OFF, the state
// variable holds what the loop waits for) and, for the per-CPU state, on
// the machine in the explorer's layout and as written.
func TestClockWaitSatisfied(t *testing.T) {
	for _, tt := range clockWaits {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.ReplaceAll(clockDefs+tt.src, "sync_state) = 5", "sync_state) = 0")
			p := mustCompile(t, src)
			ev := newEvaluator(p)
			ev.prim = func(ev *evaluator, pr sim.Prim, args []uint64, in *sim.Instr) uint64 {
				if pr == sim.PrimPSCIAffinityInfo {
					return 1
				}
				return 0
			}
			if got, err := ev.call("f"); err != nil || got != tt.satisfied {
				t.Errorf("evaluator: %#x (%v), want %#x", got, err, tt.satisfied)
			}
			if !strings.Contains(src, "sync_state") {
				return
			}
			for _, atomic := range []bool{false, true} {
				v, end, n := runOn(t, src, "f", nil, sim.Config{CPUs: 2, AtomicWaits: atomic}, false)
				if end != sim.Returned || v != tt.satisfied || n != 0 {
					t.Errorf("machine, atomic waits %v: %#x (%v) after %d expiries, want %#x", atomic, v, end, n, tt.satisfied)
				}
			}
		})
	}
}

// TestRotatedWaitSeesChange: in the explorer's layout, a wait that tests at
// the top of the loop what the last iteration read ends as soon as another
// CPU has changed the state (its condition block reads afresh and tests
// that), and the compare-and-exchange after it runs as written.
func TestRotatedWaitSeesChange(t *testing.T) {
	src := clockDefs + clockWaits[3].src + `
long test_result;
void test_boot(void) { test_result = f(); }
void test_idle(void) { (void)atomic_xchg(&per_cpu(sync_state, 1), 0); for (;;) idle_wait(); }
void test_irq(int ipi) { }
`
	p := compileEntries(t, src)
	m, err := sim.NewMachine(p, sim.Config{CPUs: 2, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	var res sim.StepResult
	step := func(c int, kind sim.ActionKind) bool {
		for _, a := range m.Actions(st, c, nil) {
			if a.Kind == kind {
				m.Step(st, a, &res)
				return true
			}
		}
		return false
	}
	// CPU 0 runs until it waits: no ActRun, only the expiry.
	for i := 0; step(0, sim.ActRun); i++ {
		if i > 1000 {
			t.Fatal("CPU 0 never waits")
		}
	}
	if m.Blocked(st, 0) != sim.BlockWait {
		t.Fatalf("CPU 0 is %v, want waiting", m.Blocked(st, 0))
	}
	// CPU 1 reports: its xchg, then it idles.
	if !step(1, sim.ActRun) {
		t.Fatal("CPU 1 cannot run")
	}
	for i := 0; st.End == sim.Running; i++ {
		if i > 1000 || !step(0, sim.ActRun) {
			t.Fatalf("CPU 0 stuck (%v) after CPU 1's report", m.Blocked(st, 0))
		}
	}
	if v := st.Globals[p.GlobalIndex("test_result")]; st.End != sim.Returned || v != 7 {
		t.Errorf("f() = %#x (%v), want 7", v, st.End)
	}
	if got := fmt.Sprint(p.Waits[0].Name); !strings.HasPrefix(got, "f: if (v == 0)") {
		t.Errorf("wait named %q, want it named by the state test", got)
	}
}

// TestClockLoopNotWait: a loop that polls the clock but is no wait (it
// stores on every iteration) is refused: compiled as written, its timeout
// would never pass in the explorer.
func TestClockLoopNotWait(t *testing.T) {
	for _, src := range []string{
		`int n; void f(void) { s64 end = ktime_get() + 1000; while (ktime_get() < end) { n++; udelay(1); } }`,
		`int n; void f(void) { unsigned long end = jiffies + 10; while (time_before(jiffies, end)) { n++; udelay(1); } }`,
	} {
		_, diags := compileText(t, src, Config{})
		found := false
		for _, d := range diags {
			if d.Kind == "unsupported" && strings.Contains(d.Msg, "not a polling wait") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no diagnostic (%v)", src, diags)
		}
	}
	// A clock read outside any loop, and one in a wait, are fine.
	mustCompile(t, clockDefs+clockWaits[3].src)
	mustCompile(t, `long f(void) { return ktime_get() / 1000; }`)
}

// TestClockWaitTimed: in the timed engine the clock moves, so a wait whose
// state never comes runs out at its own bound (10 s after its start, the
// deadline of the loop as written), and one whose state is set by the other
// CPU ends within its first millisecond of polling.
func TestClockWaitTimed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		idle     string // CPU 1's entry
		min, max float64
	}{
		{"never reported", `void test_idle(void) { for (;;) idle_wait(); }`, 10, 10.01},
		{"reported", `void test_idle(void) { (void)atomic_xchg(&per_cpu(sync_state, 1), 0); for (;;) idle_wait(); }`, 0, 0.001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := clockDefs + clockWaits[3].src + `
long test_result;
void test_boot(void) { test_result = f(); }
void test_irq(int ipi) { }
` + tc.idle
			p := compileEntries(t, src)
			r, d := timeF(t, p)
			if r.Outcome != "returned" || d < tc.min || d > tc.max {
				t.Errorf("outcome %s after %d steps, f() took %.6f s, want %g..%g s", r.Outcome, r.Steps, d, tc.min, tc.max)
			}
			t.Logf("f() took %.6f s simulated, %d steps, %d iterations fast-forwarded", d, r.Steps, r.Skipped)
		})
	}
}
