package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// The per-CPU struct of the completion tests: the shape of kernel/cpu.c's
// struct cpuhp_cpu_state, whose completions the sources do not define.
const complStruct = `
struct cst_s {
	int state;
	bool bringup;
	struct completion done_up;
	struct completion done_down;
};
static DEFINE_PER_CPU(struct cst_s, cst);
`

// TestDyingMask: cpu_dying() and set_cpu_dying() are a per-CPU bool slot,
// clear at the start, declared only when used.
func TestDyingMask(t *testing.T) {
	p := mustCompile(t, `
int flip(unsigned int cpu) { bool was = cpu_dying(cpu); if (cpu_dying(cpu) != !was) set_cpu_dying(cpu, !was); return cpu_dying(cpu) * 2 + was; }
bool other(unsigned int cpu) { return cpu_dying(cpu); }
`)
	ev := newEvaluator(p)
	for i, want := range []uint64{2, 1, 2} {
		got, err := ev.call("flip", 3)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("flip #%d = %d, want %d", i, got, want)
		}
	}
	if got, _ := ev.call("other", 2); got != 0 {
		t.Errorf("CPU 2 dying = %d, want 0 (only CPU 3 was set)", got)
	}
	if pcpuIndex(p, dyingMask) < 0 {
		t.Errorf("no per-CPU slot %s", dyingMask)
	}
	if q := mustCompile(t, `int f(void) { return 1; }`); pcpuIndex(q, dyingMask) >= 0 {
		t.Errorf("a program that never names the dying mask has its slot")
	}
}

// completionProgram: CPU 0 waits for CPU 1's completion (through a choice
// of field when choice is set); CPU 1 completes signal (done_up or
// done_down) and idles.
func completionProgram(t *testing.T, choice bool, signal string) *sim.Program {
	t.Helper()
	wait := `wait_for_completion(&st->done_down);`
	if choice {
		wait = `struct completion *done = st->bringup ? &st->done_up : &st->done_down;
	wait_for_completion(done);`
	}
	src := complStruct + `
long test_result;
void test_boot(void)
{
	struct cst_s *st = per_cpu_ptr(&cst, 1);
	` + wait + `
	test_result = 7;
}
void test_idle(void)
{
	struct cst_s *st = this_cpu_ptr(&cst);
	complete(&st->` + signal + `);
	for (;;) idle_wait();
}
void test_irq(int ipi) { }
`
	p := compileEntries(t, src)
	return p
}

// TestCompletionWait: wait_for_completion() is an unbounded wait the
// explorer blocks on until the other CPU's complete(), which it then
// consumes; a completion of the other field does not end it.
func TestCompletionWait(t *testing.T) {
	for _, tc := range []struct {
		name   string
		choice bool
		signal string
		ends   bool
	}{
		{"direct", false, "done_down", true},
		{"direct, other field", false, "done_up", false},
		{"chosen field", true, "done_down", true},
		{"chosen field, other field", true, "done_up", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := completionProgram(t, tc.choice, tc.signal)
			unbounded := 0
			for _, w := range p.Waits {
				if w.Expired < 0 {
					unbounded++
				}
			}
			if want := 1 + b2iTest(tc.choice); unbounded != want {
				t.Fatalf("%d unbounded waits, want %d: %+v", unbounded, want, p.Waits)
			}
			m, err := sim.NewMachine(p, sim.Config{CPUs: 2, AtomicWaits: true})
			if err != nil {
				t.Fatal(err)
			}
			st := m.Initial()
			var res sim.StepResult
			step := func(c int) bool {
				for _, a := range m.Actions(st, c, nil) {
					if a.Kind == sim.ActRun {
						m.Step(st, a, &res)
						return true
					}
				}
				return false
			}
			for i := 0; step(0); i++ {
				if i > 1000 {
					t.Fatal("CPU 0 never waits")
				}
			}
			if b := m.Blocked(st, 0); b != sim.BlockWait {
				t.Fatalf("CPU 0 is %v before the completion, want waiting", b)
			}
			// CPU 1 runs until it idles.
			for i := 0; step(1); i++ {
				if i > 1000 {
					t.Fatal("CPU 1 never idles")
				}
			}
			for i := 0; st.End == sim.Running && step(0); i++ {
				if i > 1000 {
					t.Fatal("CPU 0 runs forever")
				}
			}
			ended := st.End == sim.Returned
			if ended != tc.ends {
				t.Fatalf("boot CPU returned: %v (%v, %v), want %v", ended, st.End, m.Blocked(st, 0), tc.ends)
			}
			if !tc.ends {
				return
			}
			if v := st.Globals[p.GlobalIndex("test_result")]; v != 7 {
				t.Errorf("test_result = %d, want 7", v)
			}
			if v := st.PCPU[1*len(p.PerCPU)+pcpuIndex(p, "cst.done_down")]; v != 0 {
				t.Errorf("done_down of CPU 1 = %d after the wait, want 0 (consumed)", v)
			}
		})
	}
}

func b2iTest(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCompletionTimed: the timed engine runs the wait as written and ends
// it at the other CPU's complete().
func TestCompletionTimed(t *testing.T) {
	src := complStruct + `
long test_result;
long f(void) { struct cst_s *st = per_cpu_ptr(&cst, 1); wait_for_completion(&st->done_down); return 7; }
void test_boot(void) { test_result = f(); }
void test_idle(void) { struct cst_s *st = this_cpu_ptr(&cst); udelay(50); complete(&st->done_down); for (;;) idle_wait(); }
void test_irq(int ipi) { }
`
	p := compileEntries(t, src)
	r, d := timeF(t, p)
	if r.Outcome != "returned" || d < 40e-6 || d > 1e-3 {
		t.Errorf("outcome %s after %d steps, f() took %.6f s, want about 50 µs", r.Outcome, r.Steps, d)
	}
}

// TestCompletionDiagnostics: a completion the compiler cannot place is
// reported, not guessed.
func TestCompletionDiagnostics(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{complStruct + `void f(void) { struct cst_s *st = this_cpu_ptr(&cst); complete(&st->state); }`, "not a struct completion"},
		{complStruct + `void f(struct completion *c) { wait_for_completion(c); }`, "not a completion field"},
		{complStruct + `void f(void) { struct cst_s *st = this_cpu_ptr(&cst); udelay(st->done_up); }`, "used as a value"},
		{complStruct + `void f(bool b) { struct cst_s *st = this_cpu_ptr(&cst); struct completion *d = b ? &st->done_up : &st->done_down; d = 0; complete(d); }`, "assigned again"},
	} {
		_, diags := compileText(t, tc.src, Config{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("%s: diagnostics %q, want one saying %q", tc.src[len(complStruct):], got, tc.want)
		}
	}
}

func pcpuIndex(p *sim.Program, name string) int {
	for i, g := range p.PerCPU {
		if g.Name == name {
			return i
		}
	}
	return -1
}

// TestCompletionCounts: the count complete(), complete_all(),
// init_completion() and a wait leave, on the evaluator.
func TestCompletionCounts(t *testing.T) {
	p := mustCompile(t, complStruct+`
void two_then_wait(void) { struct cst_s *st = this_cpu_ptr(&cst); complete(&st->done_up); complete(&st->done_up); wait_for_completion(&st->done_up); }
void all_then_wait(void) { struct cst_s *st = this_cpu_ptr(&cst); complete_all(&st->done_up); wait_for_completion(&st->done_up); }
void reinit(void) { struct cst_s *st = this_cpu_ptr(&cst); init_completion(&st->done_up); }
`)
	ev := newEvaluator(p)
	slot := pcpuIndex(p, "cst.done_up")
	for _, tc := range []struct {
		fn   string
		want uint64
	}{{"two_then_wait", 1}, {"all_then_wait", 0x7ffffffe}, {"reinit", 0}} {
		if _, err := ev.call(tc.fn); err != nil {
			t.Fatal(err)
		}
		if got := ev.pcpu[slot][0]; got != tc.want {
			t.Errorf("after %s the count is %#x, want %#x", tc.fn, got, tc.want)
		}
	}
}

// TestDyingMaskDeclared: sources that declare the dying mask's name
// themselves (a global of another shape) get a diagnostic at the call,
// not the machine's per-CPU slot read through their global's index.
func TestDyingMaskDeclared(t *testing.T) {
	for _, decl := range []string{"int __cpu_dying_mask;", "static DEFINE_PER_CPU(int, __cpu_dying_mask);"} {
		_, diags := compileText(t, decl+"\nbool f(unsigned int cpu) { set_cpu_dying(cpu, true); return cpu_dying(cpu); }\n", Config{})
		found := false
		for _, d := range diags {
			if d.Kind == "unsupported" && strings.Contains(d.Msg, "__cpu_dying_mask") && d.Loc.Line == 2 {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: diagnostics %v, want one at line 2 naming __cpu_dying_mask", decl, diags)
		}
	}
}
