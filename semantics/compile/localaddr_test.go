package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// TestOutParams: a callee writing through a pointer to a caller's local
// (kernel/cpu.c's cpuhp_next_state(bringup, &state, st, target)) is
// compiled in place, the pointer being the local; on the evaluator and
// on the machine.
func TestOutParams(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      uint64
	}{
		{"the kernel's step loop", `enum st_e { S_OFF = 0, S_LOW = 2, S_HIGH = 5 };
			static bool next_state(bool up, enum st_e *state_to_run, int *cur, int target)
			{
				do {
					if (*cur <= target)
						return false;
					*state_to_run = (*cur)--;
				} while (*state_to_run == 4);
				return true;
			}
			int f(void) { enum st_e state = S_OFF; int cur = S_HIGH, n = 0, sum = 0;
				while (next_state(false, &state, &cur, S_LOW)) { n++; sum = sum * 10 + state; }
				return sum * 100 + n * 10 + cur; }`, 53*100 + 2*10 + 2},
		{"passed on", `static void set(int *p, int v) { *p = v; }
			static void set2(int *q, int v) { set(q, v + 1); }
			int f(void) { int x = 0; set2(&x, 4); return x; }`, 5},
		{"read and written", `static int bump(long *p) { *p += 3; return *p * 2; }
			long f(void) { long x = 4; int r = bump(&x); return r * 100 + x; }`, 14*100 + 7},
		{"NULL tested, a pointer local, a per-CPU field", `struct s_s { int a; long last; };
			static DEFINE_PER_CPU(struct s_s, sv);
			static int peek(long **lastp, int *n) { int r = 0; if (lastp && *lastp) r = 100; if (n) *n = 5; return r + (lastp != 0); }
			static int poke(long *lastp) { *lastp = 9; return 0; }
			long f(void) { struct s_s *st = this_cpu_ptr(&sv); long *lp = 0; int n = 0; long r = peek(NULL, &n) + peek(&lp, NULL) * 10 + n * 1000;
				poke(&st->last); return r + st->last * 10000; }`, 10 + 5000 + 90000},
		{"returns early from a loop", `static int find(int *at) { int i; for (i = 0; i < 10; i++) { if (i * i > 20) { *at = i; return 1; } } return 0; }
			int f(void) { int at = -1; return find(&at) * 100 + at; }`, 105},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, tc.src)
			got, err := newEvaluator(p).call("f")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("f() = %d, want %d", int64(got), tc.want)
			}
			v, end := runOnMachine(t, tc.src, "f", nil)
			if end != sim.Returned || v != tc.want {
				t.Errorf("on the machine: f() = %d (%v), want %d", int64(v), end, tc.want)
			}
		})
	}
}

// TestOutParamDiagnostics: what an out parameter cannot be is reported.
func TestOutParamDiagnostics(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`int g; static void set(int *p) { *p = 1; } void f(void) { set(&g); }`, "not the address of a local"},
		{`static void set(int *p) { *p = 1; } void f(void) { int *q = 0; set(q); }`, "not the address of a local"},
		{`static void use(int *q) { } static void set(int *p) { *p = 1; use(p); } void f(void) { int x; set(&x); }`, "passed to use as a value"},
		{`static void set(int *p) { *p = 1; } void f(void) { void (*r)(int *) = set; }`, "compiled in place"},
		{`static void set(int *p) { *p = 1; set(p); } void f(void) { int x; set(&x); }`, "nested too deeply"},
	} {
		_, diags := compileText(t, tc.src, Config{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("%s: diagnostics %q, want one saying %q", tc.src, got, tc.want)
		}
	}
}
