package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// kthreadSrc: a per-CPU struct whose thread field an smp_hotplug_thread
// stores, the thread's functions, and a waker. {CALL} is the thread
// function's extra call.
const kthreadSrc = `
struct ts_s { int state; int runs; bool should_run; struct task_struct *thread; struct completion done; };
static DEFINE_PER_CPU(struct ts_s, tst);
static int ts_should_run(unsigned int cpu) { struct ts_s *st = this_cpu_ptr(&tst); return st->should_run; }
static void ts_fun(unsigned int cpu)
{
	struct ts_s *st = this_cpu_ptr(&tst);
	st->runs++;
	st->state = smp_processor_id() * 10 + cpu;
	if (st->runs >= 3) {
		st->should_run = false;
		complete(&st->done);
	}
	{CALL}
}
static struct smp_hotplug_thread ts_threads = {
	.store = &tst.thread,
	.thread_should_run = ts_should_run,
	.thread_fn = ts_fun,
	.thread_comm = "ts/%u",
};
long kick(unsigned int cpu)
{
	struct ts_s *st = per_cpu_ptr(&tst, cpu);
	st->should_run = true;
	wake_up_process(st->thread);
	wait_for_completion(&st->done);
	return st->runs * 100 + st->state;
}
`

// TestWakeThread: wake_up_process() of a registered per-CPU thread is the
// machine's hand-off to its CPU, then the thread's loop run with that CPU
// as the running one: the thread function runs until it says it has
// nothing to do, on the woken CPU's slots, and its completion ends the
// waker's wait.
func TestWakeThread(t *testing.T) {
	src := strings.Replace(kthreadSrc, "{CALL}", "", 1) + `
long test_result;
void test_boot(void) { test_result = kick(1); }
void test_idle(void) { for (;;) idle_wait(); }
void test_irq(int ipi) { }
`
	p := compileEntries(t, src)
	handoffs := 0
	for _, f := range p.Funcs {
		for _, in := range f.Code {
			if in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimSchedHandoff {
				handoffs++
			}
		}
	}
	if handoffs != 1 {
		t.Fatalf("%d hand-offs, want 1", handoffs)
	}
	m, err := sim.NewMachine(p, sim.Config{CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	var res sim.StepResult
	for steps := 0; st.End == sim.Running; steps++ {
		if steps > 10000 {
			t.Fatal("machine stuck")
		}
		// CPU 0 when it can run, else CPU 1 (its preemption point takes
		// the hand-off).
		acted := false
		for _, c := range []int{0, 1} {
			for _, a := range m.Actions(st, c, nil) {
				if a.Kind == sim.ActRun || a.Kind == sim.ActPreempt {
					m.Step(st, a, &res)
					acted = true
					break
				}
			}
			if acted {
				break
			}
		}
		if !acted {
			t.Fatalf("no CPU can act (%v, %v)", m.Blocked(st, 0), m.Blocked(st, 1))
		}
	}
	// Three runs; the running CPU seen by the thread is CPU 1: 1*10 + 1.
	if v := st.Globals[p.GlobalIndex("test_result")]; st.End != sim.Returned || v != 311 {
		t.Errorf("kick(1) = %d (%v), want 311", int64(v), st.End)
	}
}

// TestWakeThreadDiagnostics: a callee of the thread that reads the
// running CPU (it would see the waker), or a thread no table registers,
// is reported.
func TestWakeThreadDiagnostics(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{strings.Replace(kthreadSrc, "{CALL}", "helper();", 1) + `static int helper(void) { return smp_processor_id(); }`, "reads the running CPU"},
		{strings.Replace(strings.Replace(kthreadSrc, "{CALL}", "", 1), ".store = &tst.thread,", "", 1), "no struct smp_hotplug_thread"},
	} {
		_, diags := compileText(t, tc.src, Config{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("diagnostics %q, want one saying %q", got, tc.want)
		}
	}
}

// TestWakeThreadArity: a thread table whose thread_should_run takes other
// arguments than the CPU is reported, not compiled (nor a crash).
func TestWakeThreadArity(t *testing.T) {
	src := strings.Replace(strings.Replace(kthreadSrc, "{CALL}", "", 1), "static int ts_should_run(unsigned int cpu)", "static int ts_should_run(unsigned int cpu, int extra)", 1)
	if src == strings.Replace(kthreadSrc, "{CALL}", "", 1) {
		t.Fatal("the edit did not take")
	}
	src += `
long test_result;
void test_boot(void) { test_result = kick(1); }
void test_idle(void) { for (;;) idle_wait(); }
void test_irq(int ipi) { }
`
	var cfg Config
	cfg.Entries.Boot, cfg.Entries.Secondary, cfg.Entries.IRQ = "test_boot", "test_idle", "test_irq"
	_, diags := compileText(t, src, cfg)
	found := false
	for _, d := range diags {
		if d.Kind == "syntax" && strings.Contains(d.Msg, "called with 1 arguments, defined with 2") {
			found = true
		}
	}
	if !found {
		t.Errorf("no arity diagnostic: %v", diags)
	}
}
