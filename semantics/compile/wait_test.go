package compile

import (
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// TestWaitExpiry checks that a wait's Expired block leaves the loop's
// variables as running the loop until its bound runs out does, with the
// polled state never satisfied.
func TestWaitExpiry(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		bound string
		want  uint64
	}{
		{"post-decrement counter wraps", `unsigned long f(void) { unsigned long timeout = 5;
			while (num_online_cpus() > 1 && timeout--) udelay(1); return timeout; }`, "timeout--", ^uint64(0)},
		{"bound before state", `unsigned long f(void) { unsigned long timeout = 5;
			while (timeout-- && num_online_cpus() > 1) udelay(1); return timeout; }`, "timeout--", ^uint64(0)},
		{"pre-decrement counter", `int f(void) { int t = 5; while (cpu_online(1) && --t) cpu_relax(); return t; }`, "--t", 0},
		{"signed counter > 0", `long f(void) { long t = 3; while (cpu_online(1) && t-- > 0) udelay(2); return t; }`, "t-- > 0", ^uint64(0)},
		{"for counter with exit test", `int f(void) { int i, err; for (i = 0; i < 10; i++) {
			err = psci_affinity_info(1, 0); if (err == 1) return -1; usleep_range(10, 100); } return i; }`, "i < 10", 10},
		{"for counter <=", `int f(void) { int i; for (i = 0; i <= 4; i++) { if (!cpu_online(1)) break; udelay(1); } return i; }`, "i <= 4", 5},
		{"counter in the body", `int div_up(int n, int d) { return (n + d - 1) / d; }
			int f(void) { int left = 50, s = 1; while (cpu_online(1)) { msleep(s); left -= s; if (left <= 0) break; s = div_up(s * 11, 10); } return left * 1000 + s; }`,
			"until left <= 0", 0},
		// Forms the shape rules do not know, found on the control-flow
		// graph (cfgwait.go); bound "" is not compared.
		{"for with a truth-tested counter", `unsigned long f(void) { unsigned long timeout = 5;
			for (; num_online_cpus() > 1 && timeout; timeout--) udelay(1); return timeout; }`, "", 0},
		{"for with init, break and a truth test", `unsigned long f(void) { unsigned long timeout;
			for (timeout = 5; timeout; timeout--) { if (num_online_cpus() <= 1) break; udelay(1); } return timeout; }`, "", 0},
		{"goto", `unsigned long f(void) { unsigned long timeout = 5;
			again: if (num_online_cpus() > 1 && timeout--) { udelay(1); goto again; } return timeout; }`, "", ^uint64(0)},
		{"do-while with state and pre-decrement", `int f(void) { int t = 5;
			do { udelay(1); } while (num_online_cpus() > 1 && --t); return t; }`, "", 0},
		{"for i < N with mdelay", `int f(void) { int i;
			for (i = 0; num_online_cpus() > 1 && i < 10; i++) mdelay(1); return i * 100 + 7; }`, "", 1007},
		{"bound between two states", `unsigned long f(void) { unsigned long t = 9;
			while (num_online_cpus() > 1 && t-- && cpu_online(1)) udelay(1); return t; }`, "", ^uint64(0)},
		{"for with a helper as the condition", `static int others_online(void) { return num_online_cpus() > 1; }
			unsigned long f(void) { unsigned long timeout = 5;
			for (; others_online() && timeout; timeout--) udelay(1); return timeout; }`, "", 0},
		{"goto with a helper taking the CPU", `static int still_on(int cpu) { int r = psci_affinity_info(cpu, 0); if (r == 1) return 0; return 1; }
			unsigned long f(void) { unsigned long timeout = 4;
			again: if (still_on(1) && timeout--) { usleep_range(10, 20); goto again; } return timeout; }`, "", ^uint64(0)},
		{"counter compared with a parameter", `int g(int n) { int i = 0;
			while (i < n) { if (num_online_cpus() <= 1) return -1; i++; udelay(3); } return i; }
			int f(void) { return g(6); }`, "", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, tt.src)
			if len(p.Waits) != 1 {
				t.Fatalf("%d waits, want 1", len(p.Waits))
			}
			if tt.bound != "" && p.Waits[0].Bound != tt.bound {
				t.Errorf("bound %q, want %q", p.Waits[0].Bound, tt.bound)
			}
			// As written: the state never changes (CPU 1 stays online, two
			// CPUs online, AFFINITY_INFO says ON).
			world := func(ev *evaluator, pr sim.Prim, args []uint64, in *sim.Instr) uint64 {
				switch pr {
				case sim.PrimNumOnline:
					return 2
				case sim.PrimCPUOnline:
					return 1
				}
				return 0
			}
			run := newEvaluator(p)
			run.prim = world
			got, err := run.call("f")
			if err != nil {
				t.Fatal(err)
			}
			exp := newEvaluator(p)
			exp.prim = world
			exp.expire = true
			gotExp, err := exp.call("f")
			if err != nil {
				t.Fatal(err)
			}
			if got != gotExp {
				t.Errorf("loop as written ends with %#x, expiry block with %#x", got, gotExp)
			}
			if tt.want != 0 && got != tt.want {
				t.Errorf("result %#x, want %#x", got, tt.want)
			}
			// The machine agrees: as written (timed engine's view) and with
			// the explorer's expiry, on a 2-CPU machine whose CPU 1 stays
			// online and whose AFFINITY_INFO says ON.
			for _, expire := range []bool{false, true} {
				mc := sim.Config{CPUs: 2, AtomicWaits: expire}
				v, end, n := runOn(t, tt.src, "f", nil, mc, expire)
				if end != sim.Returned || v != got {
					t.Errorf("machine (expire=%v): %#x (%v), want %#x", expire, v, end, got)
				}
				if expire && n != 1 {
					t.Errorf("machine took %d expiries, want 1", n)
				}
			}
			if strings.Count(strings.Join(exp.trace, ";"), "udelay")+strings.Count(strings.Join(exp.trace, ";"), "msleep") > 0 {
				t.Errorf("expiry block delays: %v", exp.trace)
			}
		})
	}
}

// TestNotWaits: loops whose shape is not a polling loop are compiled as
// written.
func TestNotWaits(t *testing.T) {
	for _, src := range []string{
		`void f(void) { int n = 3; while (n) { n--; udelay(1); } }`,                             // no state read
		`int g; void f(void) { while (g) { g = 0; udelay(1); } }`,                               // writes state
		`void f(void) { unsigned long t = 9; while (num_online_cpus() > 1 && t--) foo(); }`,     // body is not a delay
		`void f(void) { int i; for (i = 0; i < 10; i++) { set_cpu_online(i, 0); udelay(1); } }`, // body has an effect
		`void f(void) { int n = 0; while (n < 10) { n++; udelay(1); } }`,                        // polls nothing shared
		`void f(void) { int t = 9; while (num_online_cpus() > 1 && t) { t -= 2; udelay(1); } }`, // a step the bound does not hit exactly
	} {
		p, _ := compileText(t, src, Config{})
		if len(p.Waits) != 0 {
			t.Errorf("%s: compiled as a wait %q", src, p.Waits[0].Name)
		}
	}
}

// TestMachineAccepts: the machine's checker accepts compiled programs.
func TestMachineAccepts(t *testing.T) {
	src := `
enum ipi { IPI_RESCHEDULE, IPI_CALL_FUNC, IPI_CPU_STOP };
bool kexec_in_progress;
static void local_cpu_stop(void)
{
	set_cpu_online(smp_processor_id(), false);
	local_daif_mask();
	sdei_mask_local_cpu();
	cpu_park_loop();
}
void do_handle_IPI(int ipinr)
{
	switch (ipinr) {
	case IPI_CPU_STOP:
		local_cpu_stop();
		break;
	default:
		pr_crit("CPU%u: Unknown IPI message 0x%x\n", smp_processor_id(), ipinr);
	}
}
void idle(void)
{
	for (;;)
		idle_wait();
}
void boot(void)
{
	unsigned long timeout = USEC_PER_SEC;
	cpumask_t mask;

	kexec_in_progress = true;
	cpumask_copy(&mask, cpu_online_mask);
	cpumask_clear_cpu(smp_processor_id(), &mask);
	smp_cross_call(&mask, IPI_CPU_STOP);
	while (num_online_cpus() > 1 && timeout--)
		udelay(1);
	BUG_ON(num_online_cpus() > 1);
	cpu_soft_restart(0, 0, 0, 0);
}`
	var cfg Config
	cfg.Entries.Boot, cfg.Entries.Secondary, cfg.Entries.IRQ = "boot", "idle", "do_handle_IPI"
	p, diags := compileText(t, src, cfg)
	for _, d := range diags {
		t.Errorf("diagnostic: %v", d)
	}
	if _, err := sim.NewMachine(p, sim.Config{CPUs: 3}); err != nil {
		t.Fatalf("NewMachine: %v", err)
	}
	if got := p.Funcs[p.FuncIndex("local_cpu_stop")].CPUReg; len(got) == 0 || !got[0] {
		t.Errorf("smp_processor_id() result not marked as a CPU id: %v", got)
	}
}

func TestDiagnostics(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"void f(void)\n{\n\tx = 1;\n}\n", "t.c:3: unknown-identifier: x is not declared"},
		{"void f(void)\n{\n\tudelay(1);\n", "t.c:1: syntax: function f is cut off"},
		{"void f(void)\n{\n\tint a[4];\n}\n", "t.c:3: unsupported: array of int"},
		{"void f(void)\n{\n\tgoto nowhere;\n}\n", "goto nowhere: no such label"},
		{"void f(void)\n{\n\tint *p = 0;\n\t*p = 1;\n}\n", "t.c:4: unsupported: cannot assign"},
		{"void f(void)\n{\n}\nvoid f(void)\n{\n}\n", "t.c:4: duplicate: function f is defined twice"},
		{"#ifdef CONFIG_FOO\nint a;\n#endif\n", "t.c:1: config: CONFIG_FOO is not in the configuration"},
	}
	for _, tt := range tests {
		_, diags := compileText(t, tt.src, Config{})
		var all []string
		for _, d := range diags {
			all = append(all, d.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), tt.want) {
			t.Errorf("%q: diagnostics %q, want %q", tt.src, all, tt.want)
		}
	}
	var cfg Config
	cfg.Entries.Boot = "missing"
	if _, diags := compileText(t, "void f(void) { }", cfg); len(diags) == 0 || diags[len(diags)-1].Kind != "entry" {
		t.Errorf("missing entry not reported: %v", diags)
	}
}

// TestWaitBoundAlreadyOut: a wait whose counter has run out before it
// starts (timeout = 0) leaves at its first test, in every form, without an
// expiry: it is not a bound a run needs to run out.
func TestWaitBoundAlreadyOut(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      uint64
	}{
		{"while, post-decrement", `unsigned long f(void) { unsigned long timeout = 0;
			while (num_online_cpus() > 1 && timeout--) udelay(1); return timeout; }`, ^uint64(0)},
		{"while, pre-decrement", `int f(void) { int t = 1; while (cpu_online(1) && --t) cpu_relax(); return t; }`, 0},
		{"while, t-- > 0", `long f(void) { long t = 0; while (cpu_online(1) && t-- > 0) udelay(2); return t; }`, ^uint64(0)},
		{"for", `unsigned long f(void) { unsigned long timeout = 0;
			for (; num_online_cpus() > 1 && timeout; timeout--) udelay(1); return timeout; }`, 0},
		{"goto", `unsigned long f(void) { unsigned long timeout = 0;
			again: if (num_online_cpus() > 1 && timeout--) { udelay(1); goto again; } return timeout; }`, ^uint64(0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if p := mustCompile(t, tt.src); len(p.Waits) != 1 {
				t.Fatalf("%d waits, want 1", len(p.Waits))
			}
			for _, expire := range []bool{false, true} {
				v, end, n := runOn(t, tt.src, "f", nil, sim.Config{CPUs: 2, AtomicWaits: expire}, expire)
				if end != sim.Returned || v != tt.want {
					t.Errorf("machine (atomic waits=%v): %#x (%v), want %#x", expire, v, end, tt.want)
				}
				if n != 0 {
					t.Errorf("machine took %d expiries, want none", n)
				}
			}
		})
	}
}
