package fromtree

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/models"
)

// The hotplug core from the tree: _cpu_down(), cpuhp_kick_ap_work(),
// cpuhp_down_callbacks() and take_cpu_down() walk every state of
// include/linux/cpuhotplug.h through cpuhp_next_state(), invoking each
// step of kernel/cpu.c's cpuhp_hp_states[], whose callbacks belong to other
// subsystems (the scheduler, workqueues, perf, timers, RCU) that the model
// has only as durations. What binds them is not kernel text:
//
//   - stepBinding: the model's cpuhp_hp_states[], written over model.h's
//     reduced enum cpuhp_state. Which states carry a step, on which side
//     it runs (by the core's own rules: cpuhp_is_ap_state(), take_cpu_down()'s
//     range) and what it does is the binding's; the walk, the AP thread,
//     the dying CPU's range and every check of st->state are the tree's.
//   - threadDecls: the smpboot thread __cpuhp_kick_ap() wakes is the one
//     the tree's cpuhp_threads registers (at boot, off the path): its
//     declaration and functions are taken with __cpuhp_kick_ap().
//   - coreRequires: the tree's core waits for the dying CPU's idle-dead
//     report through st->done_down (wait_for_ap_thread(), a completion),
//     which the tree's cpuhp_report_idle_dead() completes through
//     cpuhp_complete_idle_dead(); model.h's wait_for_ap_thread() polls
//     st->state instead and stands in only while the core is bound
//     (treeOverrides). A core from the tree therefore needs those from
//     the tree too, and takedown_cpu() (whose v5.10 restatement calls
//     model.h's wait with a CPU number).

// stepBinding is the model's cpuhp_hp_states[]. model.h reduces enum
// cpuhp_state to the states the model passes through, in the kernel's
// order (OFFLINE, BRINGUP_CPU, AP_IDLE_DEAD, AP_OFFLINE, AP_ONLINE,
// TEARDOWN_CPU, AP_ONLINE_IDLE, ONLINE); each step stands for the
// kernel's states between it and the next one down:
//
//   - CPUHP_AP_ONLINE_IDLE: the AP thread's teardown callbacks, run by
//     cpuhp_thread_fun() (the states above CPUHP_TEARDOWN_CPU:
//     sched_cpu_deactivate(), which waits for an RCU grace period, then
//     sched_cpu_wait_empty(), the smpboot threads' parking, perf, the
//     workqueues, lockup detector and RCU offlining): a grace period and
//     the duration cpuhp_ap_teardown_callbacks.
//   - CPUHP_TEARDOWN_CPU: takedown_cpu(), the boot CPU's, as in the
//     kernel.
//   - CPUHP_AP_ONLINE: the dying CPU's callbacks with interrupts off, run
//     by take_cpu_down() in the stopper (CPUHP_AP_SCHED_STARTING up to
//     CPUHP_AP_TICK_DYING: sched_cpu_dying(), RCU, smpcfd, hrtimers, the
//     tick): the duration cpuhp_dying_callbacks.
//   - CPUHP_BRINGUP_CPU: the boot CPU's callbacks once the CPU is dead
//     (finish_cpu() and the PREPARE states' teardowns below it: timers,
//     RCU, smpcfd, perf, slab, page allocator): the duration
//     cpuhp_dead_callbacks.
//
// CPUHP_ONLINE, CPUHP_AP_OFFLINE, CPUHP_AP_IDLE_DEAD and CPUHP_OFFLINE have
// no teardown, as in the kernel. No step is multi-instance (the
// instances are registered at run time by drivers the machine has none
// of), so cpuhp_invoke_callback()'s multi-instance half is not compiled.
var stepBinding = []string{
	"// The model's steps of cpuhp_hp_states[] (fromtree/core.go): not kernel text.",
	"static int cpuhp_model_ap_teardown(unsigned int cpu)",
	"{",
	"	synchronize_rcu(); //~ sched_cpu_deactivate(): a grace period",
	"	cost(\"cpuhp_ap_teardown_callbacks\"); //~ the AP thread's other teardown callbacks",
	"	return 0;",
	"}",
	"static int cpuhp_model_dying(unsigned int cpu)",
	"{",
	"	cost(\"cpuhp_dying_callbacks\"); //~ the DYING callbacks, interrupts off",
	"	return 0;",
	"}",
	"static int cpuhp_model_dead(unsigned int cpu)",
	"{",
	"	cost(\"cpuhp_dead_callbacks\"); //~ the boot CPU's callbacks once the CPU is dead",
	"	return 0;",
	"}",
	"static struct cpuhp_step cpuhp_hp_states[] = {",
	"	[CPUHP_OFFLINE] = { .name = \"offline\", },",
	"	[CPUHP_BRINGUP_CPU] = { .name = \"cpu:bringup\", .teardown.single = cpuhp_model_dead, .cant_stop = true, },",
	"	[CPUHP_AP_IDLE_DEAD] = { .name = \"idle:dead\", },",
	"	[CPUHP_AP_OFFLINE] = { .name = \"ap:offline\", .cant_stop = true, },",
	"	[CPUHP_AP_ONLINE] = { .name = \"ap:online\", .teardown.single = cpuhp_model_dying, },",
	"	[CPUHP_TEARDOWN_CPU] = { .name = \"cpu:teardown\", .teardown.single = takedown_cpu, .cant_stop = true, },",
	"	[CPUHP_AP_ONLINE_IDLE] = { .name = \"ap:online-idle\", .teardown.single = cpuhp_model_ap_teardown, },",
	"	[CPUHP_ONLINE] = { .name = \"online\", },",
	"};",
}

// stepTable is the name stepBinding defines, and stepFile the kernel file
// whose functions use it.
const (
	stepTable = "cpuhp_hp_states"
	stepFile  = "kernel/cpu.c"
)

// stepBindingFile is stepBinding as a file of the library of its own, so
// that no line of it is shown as the tree's.
func stepBindingFile(version string) *models.ModelFile {
	mf := &models.ModelFile{Path: stepFile + "@steps", Embedded: "fromtree:" + stepTable, Version: version}
	for i, l := range stepBinding {
		k := models.Restated
		if strings.HasPrefix(strings.TrimSpace(l), "//") {
			k = models.Comment
		}
		mf.Lines = append(mf.Lines, models.Line{Text: l, Pos: i + 1, Kind: k})
	}
	return mf
}

// threadDecls are declarations taken with a function: the thread it
// wakes.
var threadDecls = map[string][]string{"__cpuhp_kick_ap": {"cpuhp_threads"}}

// coreGroup is the group of together whose restatements step the reduced
// states, and coreRequires what it needs from the tree.
var (
	coreGroup    = 0
	coreRequires = []string{"takedown_cpu", "cpuhp_report_idle_dead", "cpuhp_complete_idle_dead", "complete_ap_thread"}
)

// bindCoreRequires binds the core group when something it requires is not
// the tree's, and reports whether it bound any.
func bindCoreRequires(take map[string]bool, bound map[string]string) bool {
	missing := ""
	for _, r := range coreRequires {
		if _, b := bound[r]; !take[r] || b {
			missing = r
			break
		}
	}
	if missing == "" {
		return false
	}
	why := "the tree's " + missing + " is not taken"
	if w, ok := bound[missing]; ok {
		why = "bound with " + missing + " (" + w + ")"
	}
	changed := false
	for _, name := range together[coreGroup].names {
		if _, ok := bound[name]; !ok && take[name] {
			bound[name] = why + ", which the tree's hotplug core needs"
			changed = true
		}
	}
	return changed
}
