package compile

import (
	"strings"
	"testing"
)

// TestPrintkPureCallee: a printk argument calling a function of the
// sources that changes nothing (cpuhp_get_step(st->state)->name in
// kernel/cpu.c's pr_warn()) is not an effect; one that changes a global,
// directly or through a callee, or a recursive one, is reported.
func TestPrintkPureCallee(t *testing.T) {
	for _, tc := range []struct {
		src    string
		effect bool
	}{
		{`static int get(int x) { int y = x * 2; y++; return y; } void f(void) { pr_warn("%d", get(3)); }`, false},
		{`static int get(int x) { return x; } static int get2(int x) { return get(x) + 1; } void f(void) { pr_warn("%d", get2(3)); }`, false},
		{`int g; static int bump(void) { g++; return g; } void f(void) { pr_warn("%d", bump()); }`, true},
		{`int g; static void set(void) { g = 1; } static int get(void) { set(); return 0; } void f(void) { pr_warn("%d", get()); }`, true},
		{`static int rec(int x) { return rec(x); } void f(void) { pr_warn("%d", rec(3)); }`, true},
		{`static int get(int x) { return x; } void f(void) { pr_warn("%d", get(3)); pr_warn("%d", get(4)); }`, false},
	} {
		_, diags := compileText(t, tc.src, Config{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if has := strings.Contains(strings.Join(got, "\n"), "side effects"); has != tc.effect {
			t.Errorf("%s: diagnostics %q, want an effect reported: %v", tc.src, got, tc.effect)
		}
	}
}
