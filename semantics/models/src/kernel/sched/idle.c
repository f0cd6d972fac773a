// file: kernel/sched/idle.c
// blob: unknown
// version: v5.10.13
//
// The idle loop of a secondary CPU. The wait itself (cpuidle, wfi, or the
// tasks the CPU runs when it is busy) is the machine's idle_wait prim.

// model: kernel/sched/idle.c unknown line 261
#line 261
static void do_idle(void)
{
	int cpu = smp_processor_id();

#line 273
//-	__current_set_polling();

//-	tick_nohz_idle_enter();

	while (!need_resched()) {
//-		rmb();

		local_irq_disable();

		if (cpu_is_offline(cpu)) {
//-			tick_nohz_idle_stop_tick();
			cpuhp_report_idle_dead();
			arch_cpu_idle_dead();
		}

//-		arch_cpu_idle_enter();

#line 300
		local_irq_enable(); //~ cpuidle_idle_call(): the wait runs with interrupts enabled
		idle_wait(); //~ wfi, or the CPU's workload, until an interrupt or a scheduling request
//-		arch_cpu_idle_exit();
	}
#line 332
}

// model: kernel/sched/idle.c unknown line 391
#line 391
void cpu_startup_entry(enum cpuhp_state state)
{
//-	arch_cpu_idle_prepare();
//-	cpuhp_online_idle(state);
	while (1)
		do_idle();
}
