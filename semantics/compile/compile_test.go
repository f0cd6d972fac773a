package compile

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
	"github.com/patchcheck/patchcheck/sim/timed"
)

var update = flag.Bool("update", false, "rewrite golden files")

func compileText(t *testing.T, text string, cfg Config) (*sim.Program, []Diag) {
	t.Helper()
	if cfg.Consts == nil {
		cfg.Consts = map[string]int64{"HZ": 250}
	}
	return Compile([]Source{{Name: "t.c", Text: []byte(text)}}, cfg)
}

func mustCompile(t *testing.T, text string) *sim.Program {
	t.Helper()
	p, diags := compileText(t, text, Config{})
	for _, d := range diags {
		t.Errorf("diagnostic: %v", d)
	}
	return p
}

// TestCSemantics runs compiled functions and compares their results with
// what C gives.
func TestCSemantics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		fn   string
		args []uint64
		want uint64
	}{
		{"unsigned wrap of timeout--", `unsigned long f(void) { unsigned long timeout = 0; timeout--; return timeout; }`, "f", nil, ^uint64(0)},
		{"post-decrement value", `int f(void) { unsigned long t = 0; return t-- == 0; }`, "f", nil, 1},
		{"pre-decrement value", `long f(void) { long t = 0; return --t; }`, "f", nil, ^uint64(0)},
		{"int vs unsigned int compares unsigned", `int f(void) { int a = -1; unsigned int b = 1; return a < b; }`, "f", nil, 0},
		{"long vs unsigned int compares signed", `int f(void) { long a = -1; unsigned int b = 1; return a < b; }`, "f", nil, 1},
		{"int arithmetic wraps at 32 bits", `unsigned int f(void) { unsigned int x = 4294967295U; return x + 2; }`, "f", nil, 1},
		{"signed division truncates", `int f(void) { int a = -7; return a / 2; }`, "f", nil, uint64(0xffffffff_fffffffd)},
		{"signed modulo", `int f(void) { int a = -7; return a % 2; }`, "f", nil, ^uint64(0)},
		{"u8 increment wraps", `unsigned int f(void) { u8 x = 255; x++; return x; }`, "f", nil, 0},
		{"bool conversion", `int f(void) { bool b = 5; return b; }`, "f", nil, 1},
		{"shift in promoted type", `unsigned long f(void) { unsigned long one = 1; return one << 40; }`, "f", nil, 1 << 40},
		{"arithmetic right shift", `int f(void) { int x = -8; return x >> 1; }`, "f", nil, uint64(0xffffffff_fffffffc)},
		{"compound assignment converts back", `int f(void) { s8 x = 100; x += 100; return x; }`, "f", nil, uint64(0xffffffff_ffffffc8)},
		{"short-circuit and/or", `int g; int side(void) { g++; return 1; }
			int f(void) { int x = 0 && side(); int y = 1 || side(); return g * 10 + x + y; }`, "f", nil, 1},
		{"switch fallthrough case 1", `int f(int x) { int r = 0; switch (x) { case 1: r += 1; case 2: r += 2; break; default: r = 9; } return r; }`, "f", []uint64{1}, 3},
		{"switch case 2", `int f(int x) { int r = 0; switch (x) { case 1: r += 1; case 2: r += 2; break; default: r = 9; } return r; }`, "f", []uint64{2}, 2},
		{"per-CPU array element stored, incremented, loaded", `static int seen[NR_CPUS]; int f(int x) { seen[x] = 5; seen[0]++; return seen[x] * 10 + seen[0]; }`, "f", []uint64{0}, 66},
		{"atomic_try_cmpxchg fails, then succeeds", `atomic_t v = ATOMIC_INIT(3);
			int f(void) { int o = 2; bool ok = atomic_try_cmpxchg(&v, &o, 7); int a = ok * 100 + o * 10 + atomic_read(&v);
				ok = atomic_try_cmpxchg(&v, &o, 7); return a * 1000 + ok * 100 + o * 10 + atomic_read(&v); }`, "f", nil, 33137},
		{"switch default", `int f(int x) { int r = 0; switch (x) { case 1: r += 1; case 2: r += 2; break; default: r = 9; } return r; }`, "f", []uint64{7}, 9},
		{"switch without default", `int f(int x) { int r = 4; switch (x) { case 1: r = 1; } return r; }`, "f", []uint64{3}, 4},
		{"for with continue and break", `int f(void) { int i, s = 0; for (i = 0; i < 10; i++) { if (i == 2) continue; if (i == 5) break; s += i; } return s; }`, "f", nil, 0 + 1 + 3 + 4},
		{"do while", `int f(void) { int n = 0; do { n++; } while (n < 3); return n; }`, "f", nil, 3},
		{"goto", `int f(int a) { if (a) goto out; return 1; out: return 2; }`, "f", []uint64{1}, 2},
		{"ternary with mixed types", `long f(int a) { unsigned int u = 1; return a ? -1 : u; }`, "f", []uint64{1}, 0xffffffff},
		{"comma and assignment value", `int f(void) { int a, b; b = (a = 3, a + 1); return b; }`, "f", nil, 4},
		{"sizeof", `unsigned long f(void) { return sizeof(long) + sizeof(int) + sizeof(u8) + sizeof(void *); }`, "f", nil, 21},
		{"enum values", `enum e { A, B = 5, C }; int f(void) { return A + B + C; }`, "f", nil, 11},
		{"define constant expression", "#define N (1 << 4)\n#define M (N - 1)\nint f(void) { return M; }", "f", nil, 15},
		{"negative parameter", `long f(int x) { return x; }`, "f", []uint64{^uint64(0)}, ^uint64(0)},
		{"not and bitnot", `int f(void) { unsigned int x = 0; return !x + (~x == 4294967295U); }`, "f", nil, 2},
		{"likely is identity", `int f(int x) { if (likely(x > 1)) return 7; return 8; }`, "f", []uint64{2}, 7},
		{"global read and write", `int counter = 40; int f(void) { counter += 2; return counter; }`, "f", nil, 42},
		{"function-local static keeps its value", `int f(void) { static int n; n++; return n; }`, "f", nil, 1},
		{"max and min of ints", `int f(int a, int b) { return max(a, b) * 10 + min(a, b); }`, "f", []uint64{3, 7}, 73},
		{"max of a negative and a constant", `int f(int a) { return max(a, 2); }`, "f", []uint64{^uint64(0)}, 2},
		{"max with a cast keeps the sign", `enum s { OFF = 5 }; int f(unsigned int t) { return max((int)t, OFF); }`, "f", []uint64{0xffffffff}, 5},
		{"max evaluates each argument once", `int n; int next(void) { n++; return n; }
			int f(void) { int m = max(next(), 0); return m * 10 + n; }`, "f", nil, 11},
		{"min of unsigned long", `unsigned long f(unsigned long a, unsigned long b) { return min(a, b); }`, "f", []uint64{1 << 40, 1 << 41}, 1 << 40},
		{"unsigned compare of jiffies-style deadline", `int f(void) { unsigned long a = 5, b = 10; return time_before(a, b) + 2 * time_after(a, b); }`, "f", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, tt.src)
			ev := newEvaluator(p)
			got, err := ev.call(tt.fn, tt.args...)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got != tt.want {
				var buf bytes.Buffer
				Fprint(&buf, p)
				t.Errorf("%s = %#x, want %#x\n%s", tt.fn, got, tt.want, buf.String())
			}
			// The same on the machine itself.
			if got, end := runOnMachine(t, tt.src, tt.fn, tt.args); end != sim.Returned || got != tt.want {
				t.Errorf("on the machine: %s = %#x (%v), want %#x", tt.fn, got, end, tt.want)
			}
		})
	}
}

// TestBindings checks what leaf calls become, by the prims a run reaches.
func TestBindings(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		trace string // prim calls, joined by "; "
		halt  string // substring of the reason the run ended, "" when it returned
		diag  string // substring of a diagnostic, "" for none
		boot  map[string]string
	}{
		{
			name:  "printk family",
			src:   `void f(void) { pr_info("a %d\n", 1); pr_crit("b\n"); printk(KERN_NOTICE "c\n"); printk("d\n"); }`,
			trace: `printk(6) "a %d\n"; printk(2) "b\n"; printk(5) "c\n"; printk(4) "d\n"`,
		},
		{
			name:  "prims by name and alias",
			src:   `void f(void) { unsigned int cpu = raw_smp_processor_id(); set_cpu_online(cpu, false); local_irq_disable(); udelay(10); local_daif_mask(); sdei_mask_local_cpu(); }`,
			trace: `smp_processor_id(); set_cpu_online(0, 0); local_irq_disable(); udelay(10); local_daif_mask(); sdei_mask_local_cpu()`,
		},
		{
			name:  "BUG_ON and WARN_ON",
			src:   `int f(int x) { if (WARN_ON(x == 1)) x = 3; BUG_ON(x > 2); return x; }`,
			trace: `warn(); BUG()`,
			halt:  "BUG",
		},
		{
			name:  "unknown callee",
			src:   `void f(void) { mystery(1); }`,
			trace: `unknown_call() "mystery"`,
			halt:  "unknown_call",
			diag:  "unknown-callee: call of mystery",
		},
		{
			name: "ops table resolved statically",
			src: `struct cpu_operations { void (*cpu_die)(unsigned int cpu); int (*cpu_kill)(unsigned int cpu); };
				static void psci_die(unsigned int cpu) { psci_cpu_off(7); }
				const struct cpu_operations cpu_psci_ops = { .cpu_die = psci_die, };
				const struct cpu_operations *get_cpu_ops(int cpu) { return &cpu_psci_ops; }
				void f(void) { unsigned int cpu = smp_processor_id(); const struct cpu_operations *ops = get_cpu_ops(cpu);
					if (!ops->cpu_kill) pr_info("no kill\n");
					if (ops && ops->cpu_die) ops->cpu_die(cpu); }`,
			trace: `smp_processor_id(); printk(6) "no kill\n"; psci_cpu_off(7)`,
		},
		{
			name: "call through a NULL field is a BUG at run time",
			src: `struct cpu_operations { const char *name; void (*cpu_die)(unsigned int cpu); };
				const struct cpu_operations smp_spin_table_ops = { .name = "spin-table", };
				const struct cpu_operations *get_cpu_ops(int cpu) { return &smp_spin_table_ops; }
				void f(void) { const struct cpu_operations *ops = get_cpu_ops(0); ops->cpu_die(0); BUG(); }`,
			trace: `BUG()`,
			halt:  "BUG",
		},
		{
			name: "ops pointer assigned twice is dispatched at run time",
			src: `struct ops { int (*get)(void); };
				static int one(void) { return 1; } static int two(void) { return 2; }
				const struct ops a = { .get = one, }; const struct ops b = { .get = two, };
				void f(int x) { const struct ops *o = &a; if (x) o = &b; udelay(o->get()); }`,
			trace: `udelay(2)`,
		},
		{
			name:  "psci_ops struct with prim fields",
			src:   `struct psci_operations { int (*cpu_off)(u32 state); }; struct psci_operations psci_ops = { .cpu_off = psci_cpu_off, }; void f(void) { psci_ops.cpu_off(3); }`,
			trace: `psci_cpu_off(3)`,
		},
		{
			name:  "cpumask locals and cross call",
			src:   `void f(void) { cpumask_t mask; cpumask_copy(&mask, cpu_online_mask); cpumask_clear_cpu(smp_processor_id(), &mask); smp_cross_call(&mask, 2); smp_cross_call(cpumask_of(1), 4); }`,
			trace: `cpumask_copy_online(); smp_processor_id(); cpumask_clear_cpu(0); smp_cross_call(2); send_ipi(1, 4)`,
		},
		{
			name:  "stop_machine",
			src:   `static int take_cpu_down(void *data) { return 0; } int f(unsigned int cpu) { return stop_machine(take_cpu_down, NULL, cpumask_of(cpu)); }`,
			trace: `stop_machine(1, 0, 1)`,
		},
		{
			name:  "cpu_soft_restart relocates",
			src:   `void f(void) { cpu_soft_restart(1, 2, 3, 4); }`,
			trace: `relocate()`,
			halt:  "relocate",
		},
		{
			name:  "no-ops and identities",
			src:   `void f(void) { might_sleep(); smp_mb(); barrier(); smp_wmb(); udelay(cpu_logical_map(3)); }`,
			trace: `udelay(3)`,
		},
		{
			name:  "panic",
			src:   `void f(void) { panic("oops %d", 1); }`,
			trace: `panic() "oops %d"`,
			halt:  "panic",
		},
		{
			name: "per-CPU array of ops pointers, filled at boot",
			src: `struct cpu_operations { void (*cpu_die)(unsigned int cpu); int (*cpu_kill)(unsigned int cpu); };
				static void psci_die(unsigned int cpu) { psci_cpu_off(7); }
				static void spin_die(unsigned int cpu) { udelay(2); }
				const struct cpu_operations cpu_psci_ops = { .cpu_die = psci_die, .cpu_kill = psci_kill };
				const struct cpu_operations spin_ops = { .cpu_die = spin_die, .cpu_kill = NULL };
				static int psci_kill(unsigned int cpu) { return 0; }
				static const struct cpu_operations *cpu_ops[NR_CPUS] __ro_after_init;
				const struct cpu_operations *get_cpu_ops(int cpu) { return cpu_ops[cpu]; }
				void f(void) { unsigned int cpu = smp_processor_id(); const struct cpu_operations *ops = get_cpu_ops(cpu);
					if (!ops->cpu_kill) pr_info("no kill\n");
					if (ops && ops->cpu_die) ops->cpu_die(cpu); }`,
			boot:  map[string]string{"cpu_ops": "spin_ops"},
			trace: `smp_processor_id(); printk(6) "no kill\n"; udelay(2)`,
		},
		{
			name: "per-CPU array of ops pointers, the other table",
			src: `struct cpu_operations { void (*cpu_die)(unsigned int cpu); int (*cpu_kill)(unsigned int cpu); };
				static void psci_die(unsigned int cpu) { psci_cpu_off(7); }
				static void spin_die(unsigned int cpu) { udelay(2); }
				const struct cpu_operations cpu_psci_ops = { .cpu_die = psci_die, .cpu_kill = psci_kill };
				const struct cpu_operations spin_ops = { .cpu_die = spin_die, .cpu_kill = NULL };
				static int psci_kill(unsigned int cpu) { return 0; }
				static const struct cpu_operations *cpu_ops[NR_CPUS] __ro_after_init;
				const struct cpu_operations *get_cpu_ops(int cpu) { return cpu_ops[cpu]; }
				void f(void) { unsigned int cpu = smp_processor_id(); const struct cpu_operations *ops = get_cpu_ops(cpu);
					if (!ops->cpu_kill) pr_info("no kill\n");
					if (ops && ops->cpu_die) ops->cpu_die(cpu); }`,
			boot:  map[string]string{"cpu_ops": "cpu_psci_ops"},
			trace: `smp_processor_id(); psci_cpu_off(7)`,
		},
		{
			name: "per-CPU array of ops pointers left NULL",
			src: `struct cpu_operations { void (*cpu_die)(unsigned int cpu); int (*cpu_kill)(unsigned int cpu); };
				static void psci_die(unsigned int cpu) { psci_cpu_off(7); }
				static void spin_die(unsigned int cpu) { udelay(2); }
				const struct cpu_operations cpu_psci_ops = { .cpu_die = psci_die, .cpu_kill = psci_kill };
				const struct cpu_operations spin_ops = { .cpu_die = spin_die, .cpu_kill = NULL };
				static int psci_kill(unsigned int cpu) { return 0; }
				static const struct cpu_operations *cpu_ops[NR_CPUS] __ro_after_init;
				const struct cpu_operations *get_cpu_ops(int cpu) { return cpu_ops[cpu]; }
				void f(void) { unsigned int cpu = smp_processor_id(); const struct cpu_operations *ops = get_cpu_ops(cpu);
					if (!ops->cpu_kill) pr_info("no kill\n");
					if (ops && ops->cpu_die) ops->cpu_die(cpu); }`,
			trace: `smp_processor_id(); BUG()`,
			halt:  "BUG",
		},
		{
			name:  "index of a per-CPU array stored and loaded",
			src:   `static int seen[NR_CPUS]; int f(int x) { seen[x] = 5; seen[smp_processor_id()]++; return seen[0] + seen[1]; }`,
			trace: `smp_processor_id()`,
		},
		{
			name: "index of an array that is not per-CPU",
			src:  `static int tab[4]; int f(void) { return tab[1]; }`,
			diag: "unsupported: index of something that is not an array with one element per CPU",
		},
		{
			name:  "arm a configuration helper rules out is not compiled",
			src:   `void f(void) { if (efi_enabled(EFI_RUNTIME_SERVICES)) efi_reboot(0, NULL); if (!efi_enabled(1)) udelay(1); else udelay(9); }`,
			trace: `udelay(1)`,
		},
		{
			name:  "notifier chains, duration-only steps, free trylocks, task flags, firmware calls",
			src:   `void f(void) { if (!kexec_trylock()) return; blocking_notifier_call_chain(&reboot_notifier_list, SYS_RESTART, 0); blocking_notifier_call_chain(&restart_prep_handler_list, 0, NULL); device_shutdown(); current->flags |= PF_NO_SETAFFINITY; kexec_unlock(); do_kernel_power_off(); }`,
			trace: `cost(); cost(); psci_system_off()`,
		},
		{
			name:  "a notifier chain the machine does not know",
			src:   `void f(void) { atomic_notifier_call_chain(&panic_notifier_list, 0, NULL); }`,
			trace: `unknown_call() "atomic_notifier_call_chain"`,
			halt:  "unknown_call",
			diag:  "unknown-callee: call of atomic_notifier_call_chain",
		},
		{
			name:  "the idle wait, the idle loop's fixed predicates and hooks",
			src:   `void f(void) { bool got_tick = false; raw_local_irq_disable(); stop_critical_timings(); if (tick_check_broadcast_expired() || tif_need_resched()) udelay(1); else cpuidle_idle_call(got_tick); got_tick = tick_nohz_idle_got_tick(); if (unlikely(klp_patch_pending(current))) klp_update_patch_state(current); if (got_tick) udelay(2); }`,
			trace: `local_irq_disable(); local_irq_enable(); idle_wait()`,
		},
		{
			name: "per-CPU struct: the pointer is the CPU, fields are slots, the first one the scalar of the same name",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_IDLE_DEAD = 2, CPUHP_AP_OFFLINE = 3 };
				enum ipi_msg_type { IPI_RESCHEDULE, IPI_CALL_FUNC };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; enum cpuhp_state target; enum cpuhp_state fail; struct task_struct *thread; bool rollback; struct hlist_head list; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .fail = CPUHP_INVALID, };
				static void cpuhp_complete_idle_dead(void *arg) { }
				void f(void) { struct cpuhp_cpu_state *st = this_cpu_ptr(&cpuhp_state); struct cpuhp_cpu_state *o = per_cpu_ptr(&cpuhp_state, 3);
					BUG_ON(st->state != CPUHP_AP_OFFLINE); udelay(st->fail); st->state = CPUHP_AP_IDLE_DEAD; udelay(per_cpu(cpuhp_state, 0));
					o->target = 9; st->target--; udelay(o->target + st->target); kthread_park(st->thread);
					smp_call_function_single(cpumask_first_online(), cpuhp_complete_idle_dead, st, 0); }`,
			trace: `smp_processor_id(); udelay(-1); udelay(2); udelay(8); cpumask_first_online(); send_ipi(0, 1)`,
		},
		{
			name: "per-CPU struct pointer tested for NULL",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_IDLE_DEAD = 2, CPUHP_AP_OFFLINE = 3 };
				enum ipi_msg_type { IPI_RESCHEDULE, IPI_CALL_FUNC };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; enum cpuhp_state target; enum cpuhp_state fail; struct task_struct *thread; bool rollback; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .fail = CPUHP_INVALID, };
				static void cpuhp_complete_idle_dead(void *arg) { } void f(void) { struct cpuhp_cpu_state *st = this_cpu_ptr(&cpuhp_state); if (st) udelay(1); }`,
			// CPU 0's pointer is 0: why the test is reported.
			trace: `smp_processor_id()`,
			diag:  "NULL test of a per-CPU struct pointer",
		},
		{
			name: "per-CPU struct field without a slot",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_IDLE_DEAD = 2, CPUHP_AP_OFFLINE = 3 };
				enum ipi_msg_type { IPI_RESCHEDULE, IPI_CALL_FUNC };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; enum cpuhp_state target; enum cpuhp_state fail; struct task_struct *thread; bool rollback; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .fail = CPUHP_INVALID, };
				static void cpuhp_complete_idle_dead(void *arg) { } void f(void) { struct cpuhp_cpu_state *st = this_cpu_ptr(&cpuhp_state); udelay(st->list); }`,
			trace: `smp_processor_id(); udelay(0)`,
			diag:  "field list of the per-CPU cpuhp_state has no slot",
		},
		{
			name: "pointer to a per-CPU struct field: the CPU index and the field's slot",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_OFFLINE = 3 };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; atomic_t ap_sync_state; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .ap_sync_state = ATOMIC_INIT(2), };
				 void g(atomic_t *v) { }
				void f(void) { atomic_t *s = per_cpu_ptr(&cpuhp_state.ap_sync_state, 3); atomic_t *me = this_cpu_ptr(&cpuhp_state.ap_sync_state);
					struct cpuhp_cpu_state *st = per_cpu_ptr(&cpuhp_state, 3); int sync = atomic_read(s);
					atomic_set(me, 4); udelay(sync); if (!atomic_try_cmpxchg(s, &sync, 5)) udelay(100);
					udelay(st->ap_sync_state); udelay(*me); (void)atomic_xchg(&st->ap_sync_state, 6); udelay(READ_ONCE(*s));
					sync = 7; if (atomic_try_cmpxchg(s, &sync, 8)) udelay(100); udelay(sync); udelay(per_cpu(cpuhp_state, 3)); }`,
			trace: `smp_processor_id(); udelay(2); udelay(5); udelay(4); udelay(6); udelay(6); udelay(3)`,
		},
		{
			name: "pointer to a per-CPU struct field passed on",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_OFFLINE = 3 };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; atomic_t ap_sync_state; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .ap_sync_state = ATOMIC_INIT(2), };
				 void g(atomic_t *v) { }
				void f(void) { g(per_cpu_ptr(&cpuhp_state.ap_sync_state, 1)); }`,
			// Its value is the CPU index, not an address.
			diag: "a pointer to the per-CPU field cpuhp_state.ap_sync_state",
		},
		{
			name: "pointer to a per-CPU struct field tested for NULL",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_OFFLINE = 3 };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; atomic_t ap_sync_state; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .ap_sync_state = ATOMIC_INIT(2), };
				 void f(void) { atomic_t *s = per_cpu_ptr(&cpuhp_state.ap_sync_state, 0); if (s) udelay(1); }`,
			diag: "NULL test of a per-CPU struct pointer",
		},
		{
			name: "pointer to a per-CPU struct field assigned again",
			src: `enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_OFFLINE = 0, CPUHP_AP_OFFLINE = 3 };
				DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_AP_OFFLINE;
				struct cpuhp_cpu_state { enum cpuhp_state state; atomic_t ap_sync_state; struct completion done_down; };
				static DEFINE_PER_CPU(struct cpuhp_cpu_state, cpuhp_state) = { .ap_sync_state = ATOMIC_INIT(2), };
				 void f(void) { atomic_t *s = per_cpu_ptr(&cpuhp_state.ap_sync_state, 0); s = per_cpu_ptr(&cpuhp_state.ap_sync_state, 1); atomic_set(s, 1); }`,
			diag: "is assigned again",
		},
		{
			name:  "a function run on another CPU that the machine does not know",
			src:   `void g(void *p) { } void f(void) { smp_call_function_single(1, g, NULL, 0); }`,
			trace: `unknown_call() "smp_call_function_single"`,
			halt:  "unknown_call",
			diag:  "unknown-callee",
		},
		{
			name: "machine_kexec: a kexec_load image is relocated through the copied code",
			src: `#define IND_DESTINATION (1 << 0)
				#define IND_DONE (1 << 2)
				unsigned long kexec_crash_image = 2;
				void mk(struct kimage *kimage) {
					if (kimage->head & IND_DONE) {
						typeof(cpu_soft_restart) *restart;
						cpu_install_idmap();
						restart = (void *)__pa_symbol(cpu_soft_restart);
						udelay(1);
						restart(is_hyp_nvhe(), kimage->start, kimage->arch.dtb_mem, 0, 0);
					} else {
						void (*kernel_reloc)(struct kimage *kimage);
						if (is_hyp_nvhe())
							__hyp_set_vectors(kimage->arch.el2_vectors);
						cpu_install_ttbr0(kimage->arch.ttbr0, kimage->arch.t0sz);
						kernel_reloc = (void *)kimage->arch.kern_reloc;
						udelay(2);
						kernel_reloc(kimage);
					}
					BUG();
				}
				void f(void) { mk((struct kimage *)1); }`,
			trace: `udelay(2); relocate()`,
			halt:  "relocate",
		},
		{
			name: "machine_kexec: the crash image (head is IND_DONE) restarts through cpu_soft_restart",
			src: `#define IND_DESTINATION (1 << 0)
				#define IND_DONE (1 << 2)
				unsigned long kexec_crash_image = 2;
				void mk(struct kimage *kimage) {
					if (kimage->head & IND_DONE) {
						typeof(cpu_soft_restart) *restart;
						cpu_install_idmap();
						restart = (void *)__pa_symbol(cpu_soft_restart);
						udelay(1);
						restart(is_hyp_nvhe(), kimage->start, kimage->arch.dtb_mem, 0, 0);
					} else {
						void (*kernel_reloc)(struct kimage *kimage);
						if (is_hyp_nvhe())
							__hyp_set_vectors(kimage->arch.el2_vectors);
						cpu_install_ttbr0(kimage->arch.ttbr0, kimage->arch.t0sz);
						kernel_reloc = (void *)kimage->arch.kern_reloc;
						udelay(2);
						kernel_reloc(kimage);
					}
					BUG();
				}
				void f(void) { mk((struct kimage *)kexec_crash_image); }`,
			trace: `udelay(1); relocate()`,
			halt:  "relocate",
		},
		{
			name:  "a field of struct kimage the model does not hold",
			src:   `void f(struct kimage *k) { udelay(k->nr_segments); }`,
			trace: `udelay(0)`,
			diag:  "field nr_segments of struct kimage",
		},
		{
			name: "a task flag the machine does not know",
			src:  `void f(void) { current->flags |= PF_KTHREAD; }`,
			diag: "unsupported",
		},
		{
			name:  "for_each_online_cpu",
			src:   `void f(void) { unsigned int cpu; for_each_online_cpu(cpu) udelay(cpu); }`,
			trace: `cpumask_next_online(-1); nr_cpu_ids(); udelay(1); cpumask_next_online(1); nr_cpu_ids(); udelay(3); cpumask_next_online(3); nr_cpu_ids()`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := compileText(t, tt.src, Config{BootTables: tt.boot})
			var ds []string
			for _, d := range diags {
				ds = append(ds, d.String())
			}
			if tt.diag == "" && len(ds) > 0 || tt.diag != "" && !strings.Contains(strings.Join(ds, "\n"), tt.diag) {
				t.Errorf("diagnostics %q, want %q", ds, tt.diag)
			}
			ev := newEvaluator(p)
			ev.prim = scriptedPrims
			_, err := ev.call("f", 1)
			if got := strings.Join(ev.trace, "; "); got != tt.trace {
				var buf bytes.Buffer
				Fprint(&buf, p)
				t.Errorf("trace\n%s\nwant\n%s\n%s", got, tt.trace, buf.String())
			}
			if tt.halt == "" && err != nil || tt.halt != "" && (err == nil || !strings.Contains(err.Error(), tt.halt)) {
				t.Errorf("run ended with %v, want %q", err, tt.halt)
			}
		})
	}
}

// scriptedPrims is a tiny world: CPUs 1 and 3 online of 4.
func scriptedPrims(ev *evaluator, p sim.Prim, args []uint64, in *sim.Instr) uint64 {
	switch p {
	case sim.PrimNrCPUs:
		return 4
	case sim.PrimNextOnline:
		for c := int64(args[0]) + 1; c < 4; c++ {
			if c == 1 || c == 3 {
				return uint64(c)
			}
		}
		return 4
	case sim.PrimNumOnline:
		return 2
	}
	return 0
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.c")
	if err != nil || len(paths) == 0 {
		t.Fatal("no testdata")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Consts: map[string]int64{"HZ": 250}}
			p, diags := Compile([]Source{{Name: filepath.Base(path), Text: src}}, cfg)
			var buf bytes.Buffer
			for _, d := range diags {
				buf.WriteString("diag " + d.String() + "\n")
			}
			if err := Fprint(&buf, p); err != nil {
				t.Fatal(err)
			}
			// Same input, same bytes.
			p2, _ := Compile([]Source{{Name: filepath.Base(path), Text: src}}, cfg)
			var buf2 bytes.Buffer
			Fprint(&buf2, p2)
			var again bytes.Buffer
			for _, d := range diags {
				again.WriteString("diag " + d.String() + "\n")
			}
			again.Write(buf2.Bytes())
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two compilations of the same input differ")
			}
			golden := strings.TrimSuffix(path, ".c") + ".golden"
			if *update {
				os.WriteFile(golden, buf.Bytes(), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("listing differs from %s:\n%s", golden, buf.String())
			}
		})
	}
}

// A per-CPU array nothing stores to (cpu_ops[], filled by boot code) is
// read as its value, no step of the machine; one that is stored to is
// loaded.
func TestConstCPUArrays(t *testing.T) {
	src := `struct cpu_operations { void (*cpu_die)(unsigned int cpu); };
		static void psci_die(unsigned int cpu) { psci_cpu_off(7); }
		const struct cpu_operations cpu_psci_ops = { .cpu_die = psci_die, };
		static const struct cpu_operations *cpu_ops[NR_CPUS];
		static int seen[NR_CPUS];
		const struct cpu_operations *get_cpu_ops(int cpu) { return cpu_ops[cpu]; }
		int f(int cpu) { seen[cpu] = 1; return seen[cpu]; }`
	p, diags := Compile([]Source{{Name: "t.c", Text: []byte(src)}}, Config{BootTables: map[string]string{"cpu_ops": "cpu_psci_ops"}})
	for _, d := range diags {
		t.Errorf("diagnostic: %v", d)
	}
	loads := func(fn string) int {
		n := 0
		for _, in := range p.Funcs[p.FuncIndex(fn)].Code {
			if in.Op == sim.OpLoadPCPU {
				n++
			}
		}
		return n
	}
	if n := loads("get_cpu_ops"); n != 0 {
		t.Errorf("get_cpu_ops loads cpu_ops %d times, want its value", n)
	}
	if n := loads("f"); n != 1 {
		t.Errorf("f loads seen %d times, want 1", n)
	}
	ev := newEvaluator(p)
	if v, err := ev.call("get_cpu_ops", 3); err != nil || v != 1 {
		t.Errorf("get_cpu_ops(3) = %d, %v; want table 1", v, err)
	}
}

// compileEntries compiles src, which defines the test entries test_boot,
// test_idle and test_irq, and fails the test on any diagnostic.
func compileEntries(t *testing.T, src string) *sim.Program {
	t.Helper()
	var cfg Config
	cfg.Entries.Boot, cfg.Entries.Secondary, cfg.Entries.IRQ = "test_boot", "test_idle", "test_irq"
	p, diags := compileText(t, src, cfg)
	for _, d := range diags {
		t.Fatalf("diagnostic: %v", d)
	}
	return p
}

// timeF runs p once on the timed engine with 2 CPUs and returns the run
// and how long f() took in it, in simulated seconds.
func timeF(t *testing.T, p *sim.Program) (*timed.Run, float64) {
	t.Helper()
	e, err := timed.New(p, sim.Config{CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.RunOne(profile.Default(), 1, 0, []string{"f"}, timed.Budget{}, false)
	if err != nil {
		t.Fatal(err)
	}
	return r, r.Return["f"] - r.Enter["f"]
}
