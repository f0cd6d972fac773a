package rules

import (
	"testing"

	"github.com/expr-lang/expr"
)

// TestReadsIRQMasks: which expressions may see a CPU resting masked just
// before a merged unmask (sim/unmask.go), and so keep every unmask a step.
func TestReadsIRQMasks(t *testing.T) {
	for _, tc := range []struct {
		at, expr string
		want     bool
	}{
		{"relocate", `all(secondaries, .power == "off")`, false},
		{"relocate", `all(secondaries, .percpu["crash_note_saved"] == 1)`, false},
		{"relocate", `online == 1 && cpu.online`, false},
		{"relocate", `count(cpus, .online) == 1 && len(secondaries) > 0`, false},
		{"call:smp_send_stop", `globals["panic_cpu"] == cpu.id`, false},
		// the event's own CPU takes the step: never resting
		{"cpu_off", `cpu.irqs_masked && cpu.irqs_migrated`, false},
		{"call:cpu_die", `cpu.irqs_masked`, false},
		// at the end or after a step, cpu may be the boot CPU, resting
		{"end", `cpu.irqs_masked`, true},
		{"step", `!cpu.irqs_masked`, true},
		{"end", `outcome == "hang" && boot.func == "machine_halt" && boot.irqs_masked`, true},
		{"relocate", `all(secondaries, .irqs_masked)`, true},
		{"relocate", `cpus[1].irqs_masked`, true},
		{"relocate", `cpus[1]["irqs_masked"]`, true},
		{"relocate", `let cpu = boot; cpu.irqs_masked`, true},
		// a CPU as a whole carries its mask
		{"relocate", `toJSON(boot) != ""`, true},
		{"relocate", `string(cpu) != ""`, true},
		{"relocate", `all(secondaries, # == boot)`, true},
		{"relocate", `boot != cpus[0]`, true},
		// what does not compile is not analysed: the answer is the safe one
		{"relocate", `cpu.no_such_field`, true},
	} {
		r := &PropertyRule{At: tc.at, Expr: tc.expr}
		if got := r.ReadsIRQMasks(); got != tc.want {
			t.Errorf("at %s: %s: ReadsIRQMasks %v, want %v", tc.at, tc.expr, got, tc.want)
		}
	}
}

// TestPackMaskReads: of the shipped packs only halt.halts reads a mask
// that may be resting, so the kexec entry's explorations merge unmasks.
func TestPackMaskReads(t *testing.T) {
	p, err := DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	var reads []string
	for _, r := range p.Properties {
		if r.ReadsIRQMasks() {
			reads = append(reads, r.ID)
		}
	}
	if len(reads) != 1 || reads[0] != "halt.halts" {
		t.Errorf("properties reading masks: %v, want [halt.halts]", reads)
	}
}

// FuzzReadsIRQMasks: any expression, compiling or not, gets an answer and
// no panic, and one that does not compile counts as reading masks (the
// safe answer).
func FuzzReadsIRQMasks(f *testing.F) {
	f.Add("relocate", `all(secondaries, .power == "off")`)
	f.Add("end", `boot.irqs_masked`)
	f.Add("cpu_off", `cpu.irqs_masked && cpu.irqs_migrated`)
	f.Add("relocate", `let c = cpus[1]; c.irqs_masked || toJSON(c) != ""`)
	f.Fuzz(func(t *testing.T, at, src string) {
		got := readsIRQMasks(at, src)
		if _, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool(), expr.Optimize(false)); err != nil && !got {
			t.Fatalf("at %s: %q does not compile (%v) but is not counted as reading masks", at, src, err)
		}
	})
}
