package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// TestCPUIDInference: CPU ids are flagged backwards from the places that
// take them, and the programs of kernel idioms come out symmetric.
func TestCPUIDInference(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		cpuGlobal string // a global that must be flagged
		breaks    string // "" when the program must be symmetric
	}{
		{"global passed to a CPU parameter", `
int reboot_cpu;
void down(unsigned int primary) { if (cpu_online(primary)) send_ipi(primary, 2); }
void test_boot(void) { down(reboot_cpu); }
`, "reboot_cpu", ""},
		{"copy of a global into a local", `
int reboot_cpu;
void test_boot(void) { int cpu = reboot_cpu; if (!cpu_online(cpu)) cpu = cpumask_first(cpu_online_mask); }
`, "reboot_cpu", ""},
		{"argument of a firmware call", `
static int affinity(unsigned long target, unsigned long level) { return psci_affinity_info(target, level); }
void test_boot(void) { affinity(smp_processor_id(), 0); }
`, "", ""},
		{"range check", `
static bool present(unsigned int cpu) { return cpu < nr_cpu_ids; }
void test_boot(void) { present(smp_processor_id()); }
`, "", ""},
		{"ordering between two ids", `
void test_boot(void) { unsigned int a = smp_processor_id(); int b = reboot_cpu_x; if (a < b) cpu_relax(); }
int reboot_cpu_x;
`, "", "ordering"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src + `
void test_idle(void) { for (;;) idle_wait(); }
void test_irq(int ipi) { }
`
			p := compileEntries(t, src)
			if tc.cpuGlobal != "" {
				if i := p.GlobalIndex(tc.cpuGlobal); i < 0 || !p.Globals[i].CPU {
					t.Errorf("global %s not flagged as a CPU id", tc.cpuGlobal)
				}
			}
			m, err := sim.NewMachine(p, sim.Config{CPUs: 4})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(m.SymmetryBreakers(), "; ")
			if (tc.breaks == "") != (got == "") || !strings.Contains(got, tc.breaks) {
				t.Errorf("breakers %q, want %q", got, tc.breaks)
			}
		})
	}
}
