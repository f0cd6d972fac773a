package report

import (
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestCondense(t *testing.T) {
	m := func(cpu int, fn string) rules.Step { return rules.Step{CPU: cpu, Func: fn, Side: "model", Action: "x"} }
	post := rules.Step{CPU: 0, Func: "machine_shutdown", Side: "post", Action: "wait"}
	ev := rules.Step{CPU: 0, Func: "smp_send_stop", Side: "model", Action: "smp_cross_call", Event: "ipi-sent"}
	tests := []struct {
		name  string
		steps []rules.Step
		want  []string // item numbers; a folded run is "a-b."
	}{
		{"short runs stay", []rules.Step{m(0, "a"), m(0, "b"), m(0, "c"), post}, []string{"1.", "2.", "3.", "4."}},
		{"long run folds", []rules.Step{m(0, "a"), m(0, "a"), m(0, "b"), m(0, "c"), post}, []string{"1-4.", "5."}},
		{"other CPU breaks a run", []rules.Step{m(0, "a"), m(0, "a"), m(1, "b"), m(0, "c"), m(0, "c")}, []string{"1.", "2.", "3.", "4.", "5."}},
		{"events are kept", []rules.Step{m(0, "a"), m(0, "a"), ev, m(0, "c"), m(0, "c"), m(0, "c"), m(0, "d")}, []string{"1.", "2.", "3.", "4-7."}},
		{"patch lines are kept", []rules.Step{m(0, "a"), m(0, "a"), m(0, "a"), post, m(0, "b")}, []string{"1.", "2.", "3.", "4.", "5."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := condense(&rules.Counterexample{CPUs: 2, Steps: tt.steps})
			var got []string
			for _, it := range items {
				got = append(got, it.number())
				if (it.First != it.Last) != (it.Summary != "") {
					t.Errorf("item %s: summary %q", it.number(), it.Summary)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	run := condense(&rules.Counterexample{Steps: []rules.Step{m(0, "kernel_kexec"), m(0, "kernel_restart_prepare"), m(0, "kernel_restart_prepare"), m(0, "migrate_to_reboot_cpu")}})
	if want := "CPU0 runs model code through kernel_kexec > kernel_restart_prepare > migrate_to_reboot_cpu (4 steps, no other CPU acts, no patch line)"; run[0].Summary != want {
		t.Errorf("summary %q, want %q", run[0].Summary, want)
	}
}
