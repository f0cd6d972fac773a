package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// runOnMachine runs fn(args) on a one-CPU sim.Machine: a boot entry calls
// it and stores the result, converted to long, in a global.
func runOnMachine(t *testing.T, src, fn string, args []uint64) (uint64, sim.Outcome) {
	t.Helper()
	v, end, _ := runOn(t, src, fn, args, sim.Config{CPUs: 1}, false)
	return v, end
}

// runOn runs fn(args) on CPU 0 of a machine configured by mc; the other
// CPUs are never stepped (they stay online and idle). With expire, CPU 0
// takes a wait's expiry whenever the machine offers it.
func runOn(t *testing.T, src, fn string, args []uint64, mc sim.Config, expire bool) (uint64, sim.Outcome, int) {
	t.Helper()
	var as []string
	for _, a := range args {
		as = append(as, fmt.Sprintf("(long)%dL", int64(a)))
	}
	wrapped := src + fmt.Sprintf(`
long test_result;
void test_boot(void) { test_result = (long)%s(%s); }
void test_idle(void) { for (;;) idle_wait(); }
void test_irq(int ipi) { }
`, fn, strings.Join(as, ", "))
	var cfg Config
	cfg.Entries.Boot, cfg.Entries.Secondary, cfg.Entries.IRQ = "test_boot", "test_idle", "test_irq"
	p, diags := compileText(t, wrapped, cfg)
	for _, d := range diags {
		t.Errorf("diagnostic: %v", d)
	}
	m, err := sim.NewMachine(p, mc)
	if err != nil {
		t.Fatalf("NewMachine: %v", err)
	}
	st := m.Initial()
	var res sim.StepResult
	expired := 0
	for steps := 0; st.End == sim.Running; steps++ {
		acts := m.Actions(st, 0, nil)
		if len(acts) == 0 || steps > 100000 {
			t.Fatalf("machine stuck after %d steps", steps)
		}
		a := acts[0]
		for _, x := range acts {
			if expire && x.Kind == sim.ActExpire {
				a = x
			}
		}
		if a.Kind == sim.ActExpire {
			expired++
		}
		m.Step(st, a, &res)
	}
	return st.Globals[p.GlobalIndex("test_result")], st.End, expired
}
