package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// TestLocalStruct: a local struct is one local per scalar field, set by
// its initialiser (designated or positional, the others 0), and its
// address, passed to a function that reads through it (struct S *, or
// void * made into one, passed on or not), names the caller's fields;
// on the evaluator and on the machine.
func TestLocalStruct(t *testing.T) {
	const decl = "struct w_s { unsigned int cpu; int target; long extra; };\n"
	for _, tc := range []struct {
		name, src string
		want      int64
	}{
		{"designated, the others 0", decl + `long f(void) { struct w_s w = { .cpu = 3, .target = -2, }; return w.cpu * 100 + w.target * 10 + w.extra; }`,
			300 - 20},
		{"positional, then written", decl + `long f(void) { struct w_s w = { 4, 5 }; w.extra = 7; w.cpu++; w.target += w.cpu; return w.cpu * 100 + w.target * 10 + w.extra; }`,
			500 + 100 + 7},
		{"no initialiser", decl + `long f(void) { struct w_s w; w.cpu = 2; w.target = w.cpu * 3; return w.cpu * 10 + w.target; }`, 26},
		{"the field's type converts", decl + `long f(void) { struct w_s w = { .cpu = -1 }; return w.cpu == 4294967295U; }`, 1},
		{"through void *, as __cpu_down_maps_locked", decl + `static long work(void *arg) { struct w_s *w = arg; w->target += 10; return w->cpu * 2; }
			static long run(void *arg) { return work(arg); }
			long f(void) { struct w_s w = { .cpu = 3, .target = 1, }; long r = run(&w); return r * 100 + w.target; }`, 6*100 + 11},
		{"a struct pointer parameter, a field as an out parameter", decl + `static void set(struct w_s *p, int v) { if (p) p->cpu = v; }
			static void inc(int *p) { (*p)++; }
			long f(void) { struct w_s w = { .target = 4 }; set(&w, 9); inc(&w.target); return w.cpu * 10 + w.target; }`, 95},
		{"two locals of one type", decl + `static int sum(struct w_s *a, struct w_s *b) { return a->cpu + b->target; }
			long f(void) { struct w_s x = { .cpu = 1 }, y = { .target = 20 }; return sum(&x, &y) * 10 + sum(&y, &x); }`, 21*10 + 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, tc.src)
			got, err := newEvaluator(p).call("f")
			if err != nil {
				t.Fatal(err)
			}
			if int64(got) != tc.want {
				t.Errorf("f() = %d, want %d", int64(got), tc.want)
			}
			v, end := runOnMachine(t, tc.src, "f", nil)
			if end != sim.Returned || int64(v) != tc.want {
				t.Errorf("on the machine: f() = %d (%v), want %d", int64(v), end, tc.want)
			}
		})
	}
}

// cpuDownShape is kernel/cpu.c's cpu_down_maps_locked() (v6.1) in small:
// the work runs through work_on_cpu() on the first online housekeeping
// CPU that is not work.cpu.
const cpuDownShape = `struct cpu_down_work { unsigned int cpu; int target; };
static int downs;
static long __down(void *arg)
{
	struct cpu_down_work *work = arg;
	downs++;
	return work->cpu * 10 + work->target + smp_processor_id() * 1000;
}
static int down(unsigned int cpu, int target)
{
	struct cpu_down_work work = { .cpu = cpu, .target = target, };
	for_each_cpu_and(cpu, cpu_online_mask, housekeeping_cpumask(HK_TYPE_DOMAIN)) {
		if (cpu != work.cpu)
			return work_on_cpu(cpu, __down, &work);
	}
	return -16;
}
`

// TestWorkOnCPU: work_on_cpu() on the caller's CPU is the work function
// run in place by the caller (smp_processor_id() in it is the caller);
// on another CPU it is an unmodelled call reached at run time, which ends
// the run as unknown; with no CPU but the one going down online the loop
// finds none. On a machine of 4 CPUs, all online, the caller on CPU 0.
func TestWorkOnCPU(t *testing.T) {
	for _, tc := range []struct {
		name, call string
		cpus       int
		want       int64
		end        sim.Outcome
	}{
		{"CPU 2 down from CPU 0: runs on CPU 0", "down(2, 5)", 4, 25 + 100, sim.Returned},
		{"CPU 0 down: the work would run on CPU 1", "down(0, 5)", 4, 0, sim.Unknown},
		{"one CPU, the one going down", "down(0, 5)", 1, -16 + 0, sim.Returned},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := cpuDownShape + "long f(void) { long r = " + tc.call + "; return r + downs * 100; }\n"
			v, end, _ := runOn(t, src, "f", nil, sim.Config{CPUs: tc.cpus}, false)
			if end != tc.end {
				t.Fatalf("run ended %v, want %v", end, tc.end)
			}
			if end == sim.Returned && int64(v) != tc.want {
				t.Errorf("f() = %d, want %d", int64(v), tc.want)
			}
		})
	}
}

// TestLocalStructDiagnostics: what the machine cannot follow of a local
// struct's address is reported, with its line; nothing is compiled to a
// silent wrong value.
func TestLocalStructDiagnostics(t *testing.T) {
	const decl = "struct w_s { unsigned int cpu; int target; };\n"
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"stored in a global", decl + "void *keep;\nvoid f(void)\n{\n\tstruct w_s w = { .cpu = 1 };\n\tkeep = &w;\n}", 6,
			"address of the local struct w used as a value"},
		{"returned", decl + "static struct w_s *f(void)\n{\n\tstruct w_s w = { .cpu = 1 };\n\treturn &w;\n}", 5,
			"address of the local struct w used as a value"},
		{"passed to an unknown callee", decl + "void f(void)\n{\n\tstruct w_s w = { .cpu = 1 };\n\tfrob(&w);\n}", 5,
			"passed to frob, which neither the sources define"},
		{"passed to a function that keeps it", decl + "static struct w_s *keep;\nstatic void k(struct w_s *p) { keep = p; }\nvoid f(void)\n{\n\tstruct w_s w;\n\tk(&w);\n}", 7,
			"address of the local struct w used as a value"},
		{"stored by the callee", decl + "static void *keep;\nstatic void k(struct w_s *p)\n{\n\tp->cpu = 1;\n\tkeep = p;\n}\nvoid f(void) { struct w_s w; k(&w); }", 6,
			"used as a value (through p"},
		{"returned by the callee", decl + "static struct w_s *k(struct w_s *p)\n{\n\tp->cpu = 1;\n\treturn p;\n}\nvoid f(void) { struct w_s w; k(&w); }", 5,
			"used as a value (through p"},
		{"another struct type", decl + "struct b_s { int y; };\nstatic int k(void *arg)\n{\n\tstruct b_s *b = arg;\n\treturn b->y;\n}\nint f(void)\n{\n\tstruct w_s w = { 1 };\n\treturn k(&w);\n}", 11,
			"is the address of w, a struct w_s"},
		{"not the address of a local struct", decl + "static int k(struct w_s *p) { return p->cpu; }\nint f(void)\n{\n\tstruct w_s *q = 0;\n\treturn k(q);\n}", 6,
			"is not the address of a local struct"},
		{"no such field", decl + "int f(void)\n{\n\tstruct w_s w = { .cpu = 1 };\n\treturn w.nope;\n}", 5,
			"member nope of the local struct w"},
		{"no such field in the initialiser", decl + "int f(void)\n{\n\tstruct w_s w = {\n\t\t.nope = 1 };\n\treturn w.cpu;\n}", 5,
			"struct w_s has no scalar field nope"},
		{"a copy", decl + "int f(void)\n{\n\tstruct w_s v = { 1 };\n\tstruct w_s w = v;\n\treturn w.cpu;\n}", 5,
			"initialised from a struct value"},
		{"assigned as a whole", decl + "int f(void)\n{\n\tstruct w_s v = { 1 }, w;\n\tw = v;\n\treturn w.cpu;\n}", 5,
			"not a scalar variable"},
		{"a struct with a per-CPU variable", decl + "static DEFINE_PER_CPU(struct w_s, pw);\nint f(void)\n{\n\tstruct w_s w = { 1 };\n\treturn w.cpu;\n}", 5,
			"has an ops table, entry table or per-CPU variable"},
		{"work_on_cpu of no function of the sources", decl + "int f(void)\n{\n\tstruct w_s w = { 1 };\n\treturn work_on_cpu(0, frob, &w);\n}", 5,
			"work_on_cpu of frob, which is not a function of the sources"},
		{"the alias assigned again", decl + "static int k(void *arg)\n{\n\tstruct w_s *w = arg;\n\tw = 0;\n\treturn 0;\n}\nint f(void) { struct w_s w = { 1 }; return k(&w); }", 4,
			"is assigned again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compileText(t, tc.src, Config{})
			var got []string
			found := false
			for _, d := range diags {
				got = append(got, d.String())
				if strings.Contains(d.Msg, tc.want) && d.Loc.Line == tc.line {
					found = true
				}
			}
			if !found {
				t.Errorf("diagnostics %q, want one at line %d saying %q", got, tc.line, tc.want)
			}
		})
	}
}

// TestSearchLoopNotWait: a loop that only reads but moves on from what
// the previous iteration read (an iterator over CPUs looking for one) is
// a search, not a poll of the same state: it is no wait, and on a machine
// where it finds nothing it ends instead of waiting for a change. A poll
// of the same state with an iterator's help stays one.
func TestSearchLoopNotWait(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		cpus      int
		waits     int
		want      int64
	}{
		{"finds another", `int f(void) { unsigned int cpu; for_each_online_cpu(cpu) { if (cpu != 0) return cpu; } return -1; }`, 4, 0, 1},
		{"finds none", `int f(void) { unsigned int cpu; for_each_online_cpu(cpu) { if (cpu != 0) return cpu; } return -1; }`, 1, 0, -1},
		{"the intersection", `int f(void) { unsigned int cpu; for_each_cpu_and(cpu, cpu_possible_mask, cpu_online_mask) { if (cpu == 3) return cpu * 2; } return -1; }`, 4, 0, 6},
		{"a poll stays a wait", `int flag; int f(void) { unsigned long t = 10; while (!READ_ONCE(flag) && t--) udelay(1); return t; }`, 1, 1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, tc.src)
			if len(p.Waits) != tc.waits {
				t.Errorf("%d waits, want %d", len(p.Waits), tc.waits)
			}
			v, end, _ := runOn(t, tc.src, "f", nil, sim.Config{CPUs: tc.cpus}, true)
			if end != sim.Returned || int64(int32(v)) != tc.want {
				t.Errorf("on the machine: f() = %d (%v), want %d", int64(v), end, tc.want)
			}
		})
	}
}

// TestLocalStructNull: a NULL pointer to a local struct, passed where the
// callee reads through it, is a NULL dereference at run time (BUG), and
// its NULL test is false; &p->f of it is reported.
func TestLocalStructNull(t *testing.T) {
	const decl = "struct w_s { unsigned int cpu; int target; };\n"
	src := decl + `static int peek(struct w_s *p) { if (!p) return -1; return p->cpu; }
		static int poke(struct w_s *p) { p->cpu = 1; return 0; }
		int f(void) { return peek(NULL); }
		int g(void) { return poke(NULL); }`
	v, end := runOnMachine(t, src, "f", nil)
	if end != sim.Returned || int32(v) != -1 {
		t.Errorf("peek(NULL) = %d (%v), want -1", int64(v), end)
	}
	if _, end := runOnMachine(t, src, "g", nil); end != sim.Bugged {
		t.Errorf("poke(NULL) ended %v, want an oops", end)
	}
	_, diags := compileText(t, decl+`static void inc(int *q) { (*q)++; }
		static void k(struct w_s *p) { p->cpu = 0; inc(&p->target); }
		void f(void) { k(NULL); }`, Config{})
	if len(diags) == 0 || !strings.Contains(diags[0].Msg, "not the address of a local") {
		t.Errorf("diagnostics %v, want &NULL->target reported", diags)
	}
}
