// file: kernel/cpu.c
// blob: unknown
// version: v5.10.13
//
// The CPU hotplug core on the path smp_shutdown_nonboot_cpus() takes. The
// per-CPU struct cpuhp_cpu_state is reduced to its state field, the per-CPU
// int cpuhp_state; lines that use the struct are restated ("//~").

#line 282
static int cpu_hotplug_disabled;

// model: kernel/cpu.c unknown line 347
#line 347
void cpu_hotplug_disable(void)
{
//-	cpu_maps_update_begin();
	cpu_hotplug_disabled++;
//-	cpu_maps_update_done();
}

// model: kernel/cpu.c unknown line 362
#line 362
void cpu_hotplug_enable(void)
{
//-	cpu_maps_update_begin();
	cpu_hotplug_disabled--; //~ __cpu_hotplug_enable(): the WARN_ONCE on imbalance is not modelled
//-	cpu_maps_update_done();
}

// model: kernel/cpu.c unknown line 772
#line 772
static int cpuhp_kick_ap_work(unsigned int cpu)
{
#line 785
	sched_handoff(cpu); //~ cpuhp_kick_ap(): wake the cpuhp/N thread on the dying CPU and wait for it
	synchronize_rcu(); //~ its teardown callbacks down to TEARDOWN_CPU: sched_cpu_deactivate() waits for a grace period
	cost("cpuhp_ap_teardown_callbacks"); //~ the other AP teardown callbacks (workqueues, perf, IRQ affinity, drivers)
	per_cpu(cpuhp_state, cpu) = CPUHP_TEARDOWN_CPU; //~ st->state after the AP thread ran
	return 0; //~ the AP callbacks of the model cannot fail
#line 789
}

// model: kernel/cpu.c unknown line 853
#line 853
static int take_cpu_down(void *_param)
{
//-	struct cpuhp_cpu_state *st = this_cpu_ptr(&cpuhp_state);
//-	enum cpuhp_state target = max((int)st->target, CPUHP_AP_OFFLINE);
	int err, cpu = smp_processor_id();
//-	int ret;

#line 861
	err = __cpu_disable();
	if (err < 0)
		return err;

#line 869
	WARN_ON(per_cpu(cpuhp_state, cpu) != CPUHP_TEARDOWN_CPU); //~ st->state
#line 872
	per_cpu(cpuhp_state, cpu) = CPUHP_AP_OFFLINE; //~ the DYING callbacks, down to CPUHP_AP_OFFLINE
	cost("cpuhp_dying_callbacks"); //~ their duration

#line 881
//-	tick_handover_do_timer();
#line 883
//-	tick_offline_cpu(cpu);
#line 885
//-	stop_machine_park(cpu);
	return 0;
}

// model: kernel/cpu.c unknown line 889
static int takedown_cpu(unsigned int cpu)
{
//-	struct cpuhp_cpu_state *st = per_cpu_ptr(&cpuhp_state, cpu);
	int err;

#line 895
//-	kthread_park(per_cpu_ptr(&cpuhp_state, cpu)->thread);

#line 901
//-	irq_lock_sparse();

#line 906
	err = stop_machine_cpuslocked(take_cpu_down, NULL, cpumask_of(cpu));
	if (err) {
#line 909
//-		irq_unlock_sparse();
#line 911
//-		kthread_unpark(per_cpu_ptr(&cpuhp_state, cpu)->thread);
		return err;
	}
	BUG_ON(cpu_online(cpu));

#line 923
	wait_for_ap_thread(cpu, false); //~ wait_for_ap_thread(st, false): the idle-dead report
	BUG_ON(per_cpu(cpuhp_state, cpu) != CPUHP_AP_IDLE_DEAD); //~ st->state

#line 927
//-	irq_unlock_sparse();

//-	hotplug_cpu__broadcast_tick_pull(cpu);
#line 931
	__cpu_die(cpu);

//-	tick_cleanup_dead_cpu(cpu);
//-	rcutree_migrate_callbacks(cpu);
	return 0;
}

// model: kernel/cpu.c unknown line 945
#line 945
void cpuhp_report_idle_dead(void)
{
//-	struct cpuhp_cpu_state *st = this_cpu_ptr(&cpuhp_state);

	BUG_ON(per_cpu(cpuhp_state, smp_processor_id()) != CPUHP_AP_OFFLINE); //~ st->state
//-	rcu_report_dead(smp_processor_id());
	per_cpu(cpuhp_state, smp_processor_id()) = CPUHP_AP_IDLE_DEAD; //~ st->state; completes the boot CPU's wait
#line 956
	send_ipi(cpumask_first(cpu_online_mask), IPI_CALL_FUNC); //~ smp_call_function_single(..., cpuhp_complete_idle_dead, st, 0)
#line 958
}

// model: kernel/cpu.c unknown line 966
#line 966
static int cpuhp_down_callbacks(unsigned int cpu, enum cpuhp_state target) //~ st is per_cpu(cpuhp_state, cpu)
#line 968
{
	int ret = 0; //~ the callbacks from TEARDOWN_CPU down to target, on the boot CPU
	ret = takedown_cpu(cpu); //~ CPUHP_TEARDOWN_CPU's teardown callback
	if (ret) //~
		return ret; //~ the model does not roll back
	cost("cpuhp_dead_callbacks"); //~ the DEAD callbacks of the BP (timers, RCU callbacks, slab, ...)
	per_cpu(cpuhp_state, cpu) = target; //~
	return ret; //~
#line 979
}

// model: kernel/cpu.c unknown line 985
#line 985
static int __ref _cpu_down(unsigned int cpu, int tasks_frozen,
			   enum cpuhp_state target)
{
//-	struct cpuhp_cpu_state *st = per_cpu_ptr(&cpuhp_state, cpu);
	int prev_state, ret = 0;

	if (num_online_cpus() == 1)
		return -EBUSY;

	if (!cpu_present(cpu))
		return -EINVAL;

//-	cpus_write_lock();

//-	cpuhp_tasks_frozen = tasks_frozen;

	prev_state = per_cpu(cpuhp_state, cpu); //~ cpuhp_set_state(st, target)
#line 1006
	if (per_cpu(cpuhp_state, cpu) > CPUHP_TEARDOWN_CPU) { //~ st->state
#line 1008
		ret = cpuhp_kick_ap_work(cpu);
#line 1013
		if (ret)
			goto out;

#line 1020
		if (per_cpu(cpuhp_state, cpu) > CPUHP_TEARDOWN_CPU) //~ st->state
			goto out;

#line 1024
	}
#line 1029
	ret = cpuhp_down_callbacks(cpu, target); //~ (cpu, st, target); a failure is not rolled back

#line 1035
out:
//-	cpus_write_unlock();
#line 1041
//-	lockup_detector_cleanup();
//-	arch_smt_update();
	return ret;
}

// model: kernel/cpu.c unknown line 1046
static int cpu_down_maps_locked(unsigned int cpu, enum cpuhp_state target)
{
	if (cpu_hotplug_disabled)
		return -EBUSY;
	return _cpu_down(cpu, 0, target);
}

// model: kernel/cpu.c unknown line 1088
#line 1088
void smp_shutdown_nonboot_cpus(unsigned int primary_cpu)
{
	unsigned int cpu;
	int error;

//-	cpu_maps_update_begin();

#line 1100
	if (!cpu_online(primary_cpu))
		primary_cpu = cpumask_first(cpu_online_mask);

	for_each_online_cpu(cpu) {
		if (cpu == primary_cpu)
			continue;

		error = cpu_down_maps_locked(cpu, CPUHP_OFFLINE);
		if (error) {
			pr_err("Failed to offline CPU%d - error=%d",
				cpu, error);
			break;
		}
	}

#line 1118
	BUG_ON(num_online_cpus() > 1);

#line 1125
	cpu_hotplug_disabled++;

//-	cpu_maps_update_done();
}
