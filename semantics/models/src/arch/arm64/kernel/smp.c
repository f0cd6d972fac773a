// file: arch/arm64/kernel/smp.c
// blob: 09c96f57818c
// version: v5.10
//
// Model of the arm64 SMP code on the kexec, stop and hotplug paths. Lines are
// kernel lines (comments dropped); "#line N" gives the kernel line of the next
// model line, "//-" marks a kernel line with no effect in the model (kept so
// that patch context still matches), "//~" marks our own restatement.

#line 67
static int cpus_stuck_in_kernel;

enum ipi_msg_type {
	IPI_RESCHEDULE,
	IPI_CALL_FUNC,
	IPI_CPU_STOP,
	IPI_CPU_CRASH_STOP,
	IPI_TIMER,
	IPI_IRQ_WORK,
	IPI_WAKEUP,
	NR_IPI
};

// model: arch/arm64/kernel/smp.c 09c96f57818c line 276
#line 276
static int op_cpu_disable(unsigned int cpu)
{
	const struct cpu_operations *ops = get_cpu_ops(cpu);

#line 284
	if (!ops || !ops->cpu_die)
		return -EOPNOTSUPP;

#line 291
	if (ops->cpu_disable)
		return ops->cpu_disable(cpu);

	return 0;
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 300
#line 300
int __cpu_disable(void)
{
	unsigned int cpu = smp_processor_id();
	int ret;

	ret = op_cpu_disable(cpu);
	if (ret)
		return ret;

//-	remove_cpu_topology(cpu);
//-	numa_remove_cpu(cpu);

#line 316
	set_cpu_online(cpu, false);
//-	ipi_teardown(cpu);

#line 322
	irq_migrate_all_off_this_cpu();

	return 0;
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 327
static int op_cpu_kill(unsigned int cpu)
{
	const struct cpu_operations *ops = get_cpu_ops(cpu);

#line 336
	if (!ops->cpu_kill)
		return 0;

	return ops->cpu_kill(cpu);
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 346
#line 346
void __cpu_die(unsigned int cpu)
{
	int err;

	if (!cpu_wait_death(cpu, 5)) {
		pr_crit("CPU%u: cpu didn't die\n", cpu);
		return;
	}
	pr_notice("CPU%u: shutdown\n", cpu);

#line 362
	err = op_cpu_kill(cpu);
	if (err)
		pr_warn("CPU%d may not have shut down cleanly: %d\n", cpu, err);
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 371
#line 371
void cpu_die(void)
{
	unsigned int cpu = smp_processor_id();
	const struct cpu_operations *ops = get_cpu_ops(cpu);

	idle_task_exit();

	local_daif_mask();

#line 381
	(void)cpu_report_death();

#line 388
	ops->cpu_die(cpu);

	BUG();
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 394
#line 394
static void __cpu_try_die(int cpu)
{
#line 397
	const struct cpu_operations *ops = get_cpu_ops(cpu);

	if (ops && ops->cpu_die)
		ops->cpu_die(cpu);
#line 402
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 844
#line 844
static void local_cpu_stop(void)
{
	set_cpu_online(smp_processor_id(), false);

	local_daif_mask();
	sdei_mask_local_cpu();
	cpu_park_loop();
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 858
#line 858
void panic_smp_self_stop(void)
{
	local_cpu_stop();
}

#line 864
static atomic_t waiting_for_crash_ipi = ATOMIC_INIT(0);

// model: arch/arm64/kernel/smp.c 09c96f57818c line 867
#line 867
static void ipi_cpu_crash_stop(unsigned int cpu, struct pt_regs *regs)
{
#line 870
	crash_save_cpu(regs, cpu);

	atomic_dec(&waiting_for_crash_ipi);

	local_irq_disable();
	sdei_mask_local_cpu();

	if (IS_ENABLED(CONFIG_HOTPLUG_CPU))
		__cpu_try_die(cpu);

#line 881
	cpu_park_loop();
#line 883
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 888
#line 888
static void do_handle_IPI(int ipinr)
{
	unsigned int cpu = smp_processor_id();

//-	if ((unsigned)ipinr < NR_IPI)
//-		trace_ipi_entry_rcuidle(ipi_types[ipinr]);

	switch (ipinr) {
	case IPI_RESCHEDULE:
		scheduler_ipi();
		break;

	case IPI_CALL_FUNC:
		generic_smp_call_function_interrupt();
		break;

	case IPI_CPU_STOP:
		local_cpu_stop();
		break;

	case IPI_CPU_CRASH_STOP:
		if (IS_ENABLED(CONFIG_KEXEC_CORE)) {
			ipi_cpu_crash_stop(cpu, get_irq_regs());

			unreachable();
		}
		break;

#line 917
	case IPI_TIMER:
		tick_receive_broadcast();
		break;

#line 923
	case IPI_IRQ_WORK:
		irq_work_run();
		break;

#line 929
	case IPI_WAKEUP:
//-		WARN_ONCE(!acpi_parking_protocol_valid(cpu),
//-			  "CPU%u: Wake-up IPI outside the ACPI parking protocol\n",
//-			  cpu);
		break;

#line 936
	default:
		pr_crit("CPU%u: Unknown IPI message 0x%x\n", cpu, ipinr);
		break;
	}

//-	if ((unsigned)ipinr < NR_IPI)
//-		trace_ipi_exit_rcuidle(ipi_types[ipinr]);
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1021
#line 1021
static inline unsigned int num_other_online_cpus(void)
{
	unsigned int this_cpu_online = cpu_online(smp_processor_id());

	return num_online_cpus() - this_cpu_online;
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1028
void smp_send_stop(void)
{
	unsigned long timeout;

	if (num_other_online_cpus()) {
		cpumask_t mask;

		cpumask_copy(&mask, cpu_online_mask);
		cpumask_clear_cpu(smp_processor_id(), &mask);

		if (system_state <= SYSTEM_RUNNING)
			pr_crit("SMP: stopping secondary CPUs\n");
		smp_cross_call(&mask, IPI_CPU_STOP);
	}

#line 1044
	timeout = USEC_PER_SEC;
	while (num_other_online_cpus() && timeout--)
		udelay(1);

	if (num_other_online_cpus())
		pr_warn("SMP: failed to stop secondary CPUs %*pbl\n",
			cpumask_pr_args(cpu_online_mask));

	sdei_mask_local_cpu();
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1056
#line 1056
void crash_smp_send_stop(void)
{
	static int cpus_stopped;
	cpumask_t mask;
	unsigned long timeout;

#line 1066
	if (cpus_stopped)
		return;

	cpus_stopped = 1;

#line 1075
	if (num_other_online_cpus() == 0) {
		sdei_mask_local_cpu();
		return;
	}

	cpumask_copy(&mask, cpu_online_mask);
	cpumask_clear_cpu(smp_processor_id(), &mask);

	atomic_set(&waiting_for_crash_ipi, num_other_online_cpus());

	pr_crit("SMP: stopping secondary CPUs\n");
	smp_cross_call(&mask, IPI_CPU_CRASH_STOP);

#line 1089
	timeout = USEC_PER_SEC;
	while ((atomic_read(&waiting_for_crash_ipi) > 0) && timeout--)
		udelay(1);

	if (atomic_read(&waiting_for_crash_ipi) > 0)
		pr_warn("SMP: failed to stop secondary CPUs %*pbl\n",
			cpumask_pr_args(&mask));

	sdei_mask_local_cpu();
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1100
bool smp_crash_stop_failed(void)
{
	return (atomic_read(&waiting_for_crash_ipi) > 0);
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1114
#line 1114
static bool have_cpu_die(void)
{
#line 1117
	int any_cpu = raw_smp_processor_id();
	const struct cpu_operations *ops = get_cpu_ops(any_cpu);

	if (ops && ops->cpu_die)
		return true;
#line 1123
	return false;
}

// model: arch/arm64/kernel/smp.c 09c96f57818c line 1126
bool cpus_are_stuck_in_kernel(void)
{
	bool smp_spin_tables = (num_possible_cpus() > 1 && !have_cpu_die());

	return !!cpus_stuck_in_kernel || smp_spin_tables;
}
