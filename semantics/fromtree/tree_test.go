package fromtree_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
)

type dirFiles string

func (d dirFiles) File(p string) ([]byte, string, error) {
	b, err := os.ReadFile(filepath.Join(string(d), p))
	if err != nil {
		return nil, "", err
	}
	return b, plumbing.ComputeHash(plumbing.BlobObject, b).String(), nil
}

// The functions of the kexec, stop, restart, halt and power-off paths that must
// come from the tree's own text, and those still bound (the restatement
// stands in), each with the construct that keeps it out. Expectations come
// from reading each tree's source.
func TestTreeOrigins(t *testing.T) {
	common := []string{"machine_shutdown", "smp_send_stop", "local_cpu_stop", "cpu_die", "cpu_psci_cpu_kill",
		"cpu_psci_cpu_die", "op_cpu_kill", "ipi_cpu_crash_stop", "crash_smp_send_stop", "smp_shutdown_nonboot_cpus",
		"panic_smp_self_stop", "cpu_hotplug_enable", "cpu_hotplug_disable",
		// cpu_ops[cpu]: a per-CPU array of ops pointers, filled at boot.
		"get_cpu_ops",
		// machine_kexec_mask_interrupts() is an irqchip leaf, bound.
		"machine_crash_shutdown",
		// kexec_trylock(), kmsg_dump(), the loaded image (model.h).
		"kernel_kexec",
		// efi_enabled() is false; do_kernel_power_off() is PSCI's SYSTEM_OFF.
		"machine_restart", "machine_power_off", "machine_halt",
		// The reboot notifier chain and device_shutdown() by their duration.
		"kernel_restart_prepare",
		// The reboot(2) paths: kernel_restart(), kernel_halt(),
		// kernel_power_off() (syscore_shutdown(), kmsg_dump() and
		// pr_flush() have no effect on the machine; no restart- or
		// power-off-prepare handler is registered).
		"kernel_restart", "kernel_halt", "kernel_power_off", "kernel_shutdown_prepare",
		"do_kernel_restart_prepare", "do_kernel_power_off_prepare",
		// current->flags |= PF_NO_SETAFFINITY, PF_IDLE.
		"migrate_to_reboot_cpu", "cpu_startup_entry",
		// cpuidle_idle_call() is the machine's idle wait; the tick
		// broadcast and live-patch predicates are fixed.
		"do_idle",
		// this_cpu_ptr(&cpuhp_state) and st->state: a per-CPU struct
		// whose first field is model.h's per-CPU int cpuhp_state.
		"cpuhp_report_idle_dead",
		// kimage->head & IND_DONE (the crash image is loaded in place),
		// the relocation through __pa_symbol(cpu_soft_restart) or the
		// copied relocation code (compile.kimageFields).
		"machine_kexec",
		// The hotplug core: the dying mask, out parameters
		// (cpuhp_next_state(..., &state, ...)), the model's step table
		// (fromtree/core.go) read through entry pointers, the AP thread
		// woken through the tree's cpuhp_threads (the machine's hand-off
		// and the thread's loop on the dying CPU's behalf), completions
		// (st->done_down), with the tree's wait_for_ap_thread().
		"_cpu_down", "cpuhp_kick_ap_work", "take_cpu_down", "cpuhp_down_callbacks", "cpuhp_set_state",
		"cpuhp_reset_state", "__cpuhp_kick_ap", "cpuhp_kick_ap", "cpuhp_next_state", "__cpuhp_invoke_callback_range",
		"cpuhp_invoke_callback", "cpuhp_get_step", "cpuhp_step_empty", "cpuhp_thread_fun", "cpuhp_should_run",
		"wait_for_ap_thread", "complete_ap_thread", "cpuhp_complete_idle_dead",
		// smp_shutdown_nonboot_cpus() offlines each CPU through
		// cpu_down_maps_locked(), which runs _cpu_down() by
		// work_on_cpu(cpu, __cpu_down_maps_locked, &work) on the first
		// online housekeeping CPU that is not going down: a local struct
		// cpu_down_work (its fields are locals), its address read through
		// by the work function compiled in place, the iterator over
		// cpu_online_mask and housekeeping_cpumask(HK_TYPE_DOMAIN) (every
		// CPU), and cc_platform_has() (6.1) or cpu_hotplug_offline_disabled
		// (6.12, false) before it.
		"cpu_down_maps_locked", "__cpu_down_maps_locked"}
	// Nothing of the paths is bound any more.
	var bound []string
	for _, tc := range []struct {
		version string
		tree    []string
		bound   []string
	}{
		// cpu_wait_death()/cpu_report_death(): atomic_try_cmpxchg();
		// __crash_kexec(): a local struct pt_regs passed by address.
		// takedown_cpu(): 6.1's sees the states the restated core leaves
		// (CPUHP_AP_IDLE_DEAD after the wait).
		{"6.1", append([]string{"__cpu_disable", "__cpu_die", "cpu_wait_death", "cpu_report_death", "__crash_kexec", "takedown_cpu"}, common...), bound},
		// __crash_kexec(): in kernel/crash_core.c from v6.9 (movedTo).
		// takedown_cpu(): 6.12's waits for the dying CPU in
		// cpuhp_bp_sync_dead(), whose cpuhp_wait_for_sync_state() polls
		// ktime_get() for 10 s (a wait on the compiled CFG with a clock
		// bound); the dying CPU reports through the tree's
		// cpuhp_ap_report_dead() (treeOverrides), and __cpu_die() is
		// the empty inline of asm/smp.h (movedTo); the firmware is asked
		// in arch_cpuhp_cleanup_dead_cpu().
		{"6.12", append([]string{"ipi_should_be_nmi", "do_handle_IPI", "__cpu_try_die", "__crash_kexec",
			"takedown_cpu", "__cpu_die", "cpuhp_bp_sync_dead", "cpuhp_wait_for_sync_state", "arch_cpuhp_sync_state_poll",
			"cpuhp_ap_report_dead", "cpuhp_ap_update_sync_state", "arch_cpuhp_cleanup_dead_cpu"}, common...), bound},
	} {
		t.Run(tc.version, func(t *testing.T) {
			dir := testtree.Dir(t, tc.version)
			cc := semantics.CompileConfig(semantics.Config{})
			r, err := fromtree.Build(dirFiles(dir), models.Default(), cc)
			if err != nil {
				t.Fatal(err)
			}
			if r.Version == "" || r.Version[:len(tc.version)] != tc.version {
				t.Errorf("version %q, want %s.*", r.Version, tc.version)
			}
			for _, name := range tc.tree {
				if o := r.Origin(name); o != fromtree.FromTree {
					t.Errorf("%s: origin %q, want tree (%s)", name, o, why(r, name))
				}
			}
			for _, name := range tc.bound {
				if o := r.Origin(name); o != fromtree.Bound {
					t.Errorf("%s: origin %q, want bound", name, o)
				}
			}
			if tc.version == "6.12" {
				for _, f := range r.Funcs {
					if f.Name == "__crash_kexec" && f.File != "kernel/crash_core.c" {
						t.Errorf("__crash_kexec from %s, want kernel/crash_core.c", f.File)
					}
					if f.Name == "__cpu_die" && f.File != "arch/arm64/include/asm/smp.h" {
						t.Errorf("__cpu_die from %s, want arch/arm64/include/asm/smp.h", f.File)
					}
				}
			}
			for _, f := range r.Funcs {
				if f.Origin != fromtree.FromTree && f.Why == "" {
					t.Errorf("%s is %s with no reason", f.Name, f.Origin)
				}
				// What the subset now has is no function's reason.
				for _, gone := range []string{"calls max,", "calls min,", "calls per_cpu_ptr,", "calls this_cpu_ptr,"} {
					if strings.Contains(f.Why, gone) {
						t.Errorf("%s is %s: %s", f.Name, f.Origin, f.Why)
					}
				}
			}
			p, diags := compile.Compile(semantics.BaselineSources(r.Library), cc)
			for _, d := range diags {
				if d.Kind != "config" {
					t.Errorf("the library of %s does not compile cleanly: %s %v %s", tc.version, d.Kind, d.Loc, d.Msg)
				}
			}
			if tc.version == "6.12" {
				// The tree's wait for the dying CPU is a bounded wait, and
				// each CPU starts past its bringup (afterBoot).
				found := false
				for _, w := range p.Waits {
					if strings.HasPrefix(w.Name, "cpuhp_wait_for_sync_state: ") {
						found = true
						if w.Expired < 0 {
							t.Errorf("wait %q is unbounded, want the 10 s clock bound", w.Name)
						}
					}
				}
				if !found {
					t.Errorf("no wait in cpuhp_wait_for_sync_state")
				}
				slot := false
				for _, g := range p.PerCPU {
					if g.Name == "cpuhp_state.ap_sync_state" {
						slot = true
						if g.Init != 5 {
							t.Errorf("cpuhp_state.ap_sync_state starts at %d, want SYNC_STATE_ONLINE (5)", g.Init)
						}
					}
				}
				if !slot {
					t.Errorf("no per-CPU slot cpuhp_state.ap_sync_state")
				}
			}
		})
	}
}

func why(r *fromtree.Result, name string) string {
	for _, f := range r.Funcs {
		if f.Name == name {
			return f.Why
		}
	}
	return "not on the path"
}

func BenchmarkBuild(b *testing.B) {
	dir := testtree.Dir(b, "6.12")
	cc := semantics.CompileConfig(semantics.Config{})
	for b.Loop() {
		if _, err := fromtree.Build(dirFiles(dir), models.Default(), cc); err != nil {
			b.Fatal(err)
		}
	}
}

// editedFiles is a tree whose file path has old replaced by new.
type editedFiles struct {
	dirFiles
	path, old, new string
}

func (e editedFiles) File(p string) ([]byte, string, error) {
	b, blob, err := e.dirFiles.File(p)
	if err == nil && p == e.path {
		b = []byte(strings.Replace(string(b), e.old, e.new, 1))
	}
	return b, blob, err
}

// TestDeathHandshakeTogether: when 6.12's wait for the dying CPU does not
// compile (here its clock is a function no one defines), takedown_cpu(),
// __cpu_die() and cpuhp_ap_report_dead() all stand in (together): the
// library's v5.10 wait and model.h's report, which see one another, and
// the library still compiles cleanly.
func TestDeathHandshakeTogether(t *testing.T) {
	dir := testtree.Dir(t, "6.12")
	cc := semantics.CompileConfig(semantics.Config{})
	tree := editedFiles{dirFiles(dir), "kernel/cpu.c", "ktime_t now, end, start = ktime_get();", "ktime_t now, end, start = ktime_get_unmodelled();"}
	r, err := fromtree.Build(tree, models.Default(), cc)
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Origin("cpuhp_wait_for_sync_state"); o == fromtree.FromTree {
		t.Fatalf("the edit did not take: cpuhp_wait_for_sync_state is %s", o)
	}
	// The hotplug core needs the tree's takedown_cpu() (core.go): it
	// stands in too, with model.h's wait_for_ap_thread().
	for _, name := range []string{"takedown_cpu", "__cpu_die", "cpuhp_ap_report_dead",
		"_cpu_down", "cpuhp_kick_ap_work", "take_cpu_down", "cpuhp_down_callbacks", "wait_for_ap_thread"} {
		if o := r.Origin(name); o != fromtree.Bound {
			t.Errorf("%s: origin %q, want bound (%s)", name, o, why(r, name))
		}
	}
	if w := why(r, "_cpu_down"); !strings.Contains(w, "takedown_cpu") || !fileLine.MatchString(w) {
		t.Errorf("_cpu_down is bound for %q, want the reason to name takedown_cpu and its file:line", w)
	}
	p, diags := compile.Compile(semantics.BaselineSources(r.Library), cc)
	for _, d := range diags {
		if d.Kind != "config" {
			t.Errorf("the library does not compile cleanly: %s %v %s", d.Kind, d.Loc, d.Msg)
		}
	}
	// The v5.10 wait is the one in the program, and model.h's report.
	waits := map[string]bool{}
	for _, w := range p.Waits {
		waits[strings.SplitN(w.Name, ":", 2)[0]] = true
	}
	if !waits["cpu_wait_death"] || waits["cpuhp_wait_for_sync_state"] {
		t.Errorf("waits %v, want cpu_wait_death's and not cpuhp_wait_for_sync_state's", waits)
	}
	if f := p.FuncIndex("cpuhp_ap_report_dead"); f < 0 || !strings.HasSuffix(p.Locs[p.Funcs[f].Loc].File, "model.h") {
		t.Errorf("cpuhp_ap_report_dead is not model.h's")
	}
}

// TestHotplugCoreTogether: when a function the hotplug core reaches does
// not compile (here the AP thread calls a function no one defines), the
// core stands in as a whole, with model.h's wait_for_ap_thread(), each
// member with a reason naming file and line; 6.12's death handshake keeps
// the tree's text, and the library compiles cleanly.
func TestHotplugCoreTogether(t *testing.T) {
	for _, version := range []string{"6.1", "6.12"} {
		t.Run(version, func(t *testing.T) {
			dir := testtree.Dir(t, version)
			cc := semantics.CompileConfig(semantics.Config{})
			tree := editedFiles{dirFiles(dir), "kernel/cpu.c", "cpuhp_lock_acquire(bringup);", "cpuhp_lock_unmodelled(bringup);"}
			r, err := fromtree.Build(tree, models.Default(), cc)
			if err != nil {
				t.Fatal(err)
			}
			if w := why(r, "cpuhp_thread_fun"); !strings.Contains(w, "cpuhp_lock_unmodelled") {
				t.Fatalf("the edit did not take: cpuhp_thread_fun is %s (%s)", r.Origin("cpuhp_thread_fun"), w)
			}
			for _, name := range []string{"_cpu_down", "cpuhp_kick_ap_work", "take_cpu_down", "cpuhp_down_callbacks", "wait_for_ap_thread"} {
				if o := r.Origin(name); o != fromtree.Bound {
					t.Errorf("%s: origin %q, want bound (%s)", name, o, why(r, name))
				}
				if w := why(r, name); !fileLine.MatchString(w) {
					t.Errorf("%s is bound for %q, want a reason with file:line", name, w)
				}
			}
			if o := r.Origin("takedown_cpu"); o != fromtree.FromTree {
				t.Errorf("takedown_cpu: origin %q, want tree (%s)", o, why(r, "takedown_cpu"))
			}
			p, diags := compile.Compile(semantics.BaselineSources(r.Library), cc)
			for _, d := range diags {
				if d.Kind != "config" {
					t.Errorf("the library does not compile cleanly: %s %v %s", d.Kind, d.Loc, d.Msg)
				}
			}
			if f := p.FuncIndex("wait_for_ap_thread"); f < 0 || !strings.HasSuffix(p.Locs[p.Funcs[f].Loc].File, "model.h") {
				t.Errorf("wait_for_ap_thread is not model.h's")
			}
		})
	}
}

// fileLine is a kernel file and line in a reason (a restatement's file is
// PATH@VERSION).
var fileLine = regexp.MustCompile(`[a-z0-9_/]+\.[ch](@v[0-9.]+)?:[0-9]+`)

// TestCPUDownWorkTogether: when cpu_down_maps_locked() or its work
// function does not compile from the tree, the two stand in together:
// the library's v5.10 restatement of cpu_down_maps_locked(), which calls
// _cpu_down() itself, with the work function bound under it (not
// missing), each with a reason naming the other or its own file:line, and
// the library still compiles cleanly.
func TestCPUDownWorkTogether(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		broken, other  string // the function the edit breaks, and the one bound with it
	}{
		{"work function", "return _cpu_down(work->cpu, 0, work->target);", "return _cpu_down(work->cpu_unmodelled, 0, work->target);",
			"__cpu_down_maps_locked", "cpu_down_maps_locked"},
		{"caller", "housekeeping_cpumask(HK_TYPE_DOMAIN)) {\n\t\tif (cpu != work.cpu)", "housekeeping_unmodelled(HK_TYPE_DOMAIN)) {\n\t\tif (cpu != work.cpu)",
			"cpu_down_maps_locked", "__cpu_down_maps_locked"},
	} {
		for _, version := range []string{"6.1", "6.12"} {
			t.Run(tc.name+"/"+version, func(t *testing.T) {
				dir := testtree.Dir(t, version)
				cc := semantics.CompileConfig(semantics.Config{})
				r, err := fromtree.Build(editedFiles{dirFiles(dir), "kernel/cpu.c", tc.old, tc.new}, models.Default(), cc)
				if err != nil {
					t.Fatal(err)
				}
				if w := why(r, tc.broken); !strings.Contains(w, "unmodelled") || !fileLine.MatchString(w) {
					t.Fatalf("the edit did not take: %s is %s (%s)", tc.broken, r.Origin(tc.broken), w)
				}
				for _, name := range []string{tc.broken, tc.other} {
					t.Logf("%s: %s (%s)", name, r.Origin(name), why(r, name))
					if o := r.Origin(name); o != fromtree.Bound {
						t.Errorf("%s: origin %q, want bound (%s)", name, o, why(r, name))
					}
				}
				if w := why(r, tc.other); !strings.Contains(w, tc.broken) || !fileLine.MatchString(w) {
					t.Errorf("%s is bound for %q, want the reason to name %s and a file:line", tc.other, w, tc.broken)
				}
				if o := r.Origin("_cpu_down"); o != fromtree.FromTree {
					t.Errorf("_cpu_down: origin %q, want tree (%s)", o, why(r, "_cpu_down"))
				}
				p, diags := compile.Compile(semantics.BaselineSources(r.Library), cc)
				for _, d := range diags {
					if d.Kind != "config" {
						t.Errorf("the library does not compile cleanly: %s %v %s", d.Kind, d.Loc, d.Msg)
					}
				}
				f := p.FuncIndex("cpu_down_maps_locked")
				if f < 0 || !strings.Contains(p.Locs[p.Funcs[f].Loc].File, "@v5.10") {
					t.Errorf("cpu_down_maps_locked is not the library's restatement")
				}
				if p.FuncIndex("__cpu_down_maps_locked") >= 0 {
					t.Errorf("__cpu_down_maps_locked is in the program, with its caller bound")
				}
			})
		}
	}
}

// TestRestatedListed: the kernel functions on the paths that the prelude
// restates instead of the tree's text (do_kernel_restart()'s handler
// chain, crash_save_cpu()'s note, panic() as panic_entry()) are listed as
// bound, at the tree's definition, with the prelude line that stands in.
func TestRestatedListed(t *testing.T) {
	for _, version := range []string{"6.1", "6.12"} {
		t.Run(version, func(t *testing.T) {
			dir := testtree.Dir(t, version)
			r, err := fromtree.Build(dirFiles(dir), models.Default(), semantics.CompileConfig(semantics.Config{}))
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct{ name, file string }{
				{"do_kernel_restart", "kernel/reboot.c"},
				{"crash_save_cpu", map[string]string{"6.1": "kernel/kexec_core.c", "6.12": "kernel/crash_core.c"}[version]},
				{"panic", "kernel/panic.c"},
			} {
				var got *fromtree.Func
				for i := range r.Funcs {
					if r.Funcs[i].Name == tc.name {
						got = &r.Funcs[i]
					}
				}
				switch {
				case got == nil:
					t.Errorf("%s is not listed", tc.name)
				case got.Origin != fromtree.Bound || got.File != tc.file || got.Line == 0 || !strings.Contains(got.Why, "model.h:"):
					t.Errorf("%s: %+v, want bound at %s with a line and the model.h line that stands in", tc.name, *got, tc.file)
				default:
					text, err := os.ReadFile(filepath.Join(dir, tc.file))
					if err != nil {
						t.Fatal(err)
					}
					if line := strings.Split(string(text), "\n")[got.Line-1]; !strings.Contains(line, tc.name+"(") {
						t.Errorf("%s: line %d of %s is %q, not its definition", tc.name, got.Line, tc.file, line)
					}
				}
			}
		})
	}
}
