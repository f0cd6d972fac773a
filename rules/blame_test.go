package rules

import (
	"fmt"
	"testing"
)

// TestBlame: a counterexample is placed at the patch's added code it runs;
// one that runs none of it is placed at the patch's first added code line
// only when its verdict first appears after the patch (first), never for a
// violation BEFORE had as well.
func TestBlame(t *testing.T) {
	added := []AddedLine{
		{Patch: 1, File: "arch/powerpc/kexec/core_64.c", Func: "default_machine_kexec", Line: 227, Text: "x();", Code: true},
		{Patch: 1, File: "kernel/cpu.c", Func: "smp_shutdown_nonboot_cpus", Line: 1402, Text: "y();", Code: true},
	}
	e := &evaluator{in: &EvalInput{Added: added}}
	elsewhere := &Counterexample{Steps: []Step{{CPU: 0, File: "kernel/reboot.c", Line: 80, Side: "model", Func: "kernel_restart"}}}
	runsIt := &Counterexample{Steps: []Step{{CPU: 0, File: "kernel/cpu.c", Line: 1402, Side: "post", Func: "smp_shutdown_nonboot_cpus"},
		{CPU: 1, File: "kernel/reboot.c", Line: 80, Side: "model", Func: "kernel_restart"}}}
	inFunc := &Counterexample{Steps: []Step{{CPU: 0, File: "kernel/cpu.c", Line: 1390, Side: "post", Func: "smp_shutdown_nonboot_cpus"}}}
	for _, tc := range []struct {
		name  string
		cx    *Counterexample
		first bool
		want  string // "file:line", or "" for no place
	}{
		{"runs the added line", runsIt, true, "kernel/cpu.c:1402"},
		{"runs the added line, old", runsIt, false, "kernel/cpu.c:1402"},
		{"runs the function", inFunc, false, "kernel/cpu.c:1402"},
		{"new, runs nothing of it", elsewhere, true, "arch/powerpc/kexec/core_64.c:227"},
		{"old, runs nothing of it", elsewhere, false, ""},
	} {
		l := e.blame(tc.cx, 1, tc.first)
		got := ""
		if l != nil {
			got = fmt.Sprintf("%s:%d", l.File, l.Line)
		}
		if got != tc.want {
			t.Errorf("%s: placed at %q, want %q", tc.name, got, tc.want)
		}
	}
}
