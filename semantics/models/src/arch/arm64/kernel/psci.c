// file: arch/arm64/kernel/psci.c
// blob: 62d2bda7adb8
// version: v5.10

// model: arch/arm64/kernel/psci.c 62d2bda7adb8 line 49
#line 49
static bool cpu_psci_cpu_can_disable(unsigned int cpu)
{
	return !psci_tos_resident_on(cpu);
}

// model: arch/arm64/kernel/psci.c 62d2bda7adb8 line 54
static int cpu_psci_cpu_disable(unsigned int cpu)
{
#line 57
	if (!psci_ops.cpu_off)
		return -EOPNOTSUPP;

#line 61
	if (psci_tos_resident_on(cpu))
		return -EPERM;

	return 0;
}

// model: arch/arm64/kernel/psci.c 62d2bda7adb8 line 67
static void cpu_psci_cpu_die(unsigned int cpu)
{
#line 73
	u32 state = PSCI_POWER_STATE_TYPE_POWER_DOWN <<
		    PSCI_0_2_POWER_STATE_TYPE_SHIFT;

	psci_ops.cpu_off(state);
}

// model: arch/arm64/kernel/psci.c 62d2bda7adb8 line 79
static int cpu_psci_cpu_kill(unsigned int cpu)
{
	int err;
	unsigned long start, end;

	if (!psci_ops.affinity_info)
		return 0;

#line 92
	start = jiffies;
	end = start + msecs_to_jiffies(100);
	do {
		err = psci_ops.affinity_info(cpu_logical_map(cpu), 0);
		if (err == PSCI_0_2_AFFINITY_LEVEL_OFF) {
			pr_info("CPU%d killed (polled %d ms)\n", cpu,
				jiffies_to_msecs(jiffies - start));
			return 0;
		}

		usleep_range(100, 1000);
	} while (time_before(jiffies, end));

	pr_warn("CPU%d may not have shut down cleanly (AFFINITY_INFO reports %d)\n",
			cpu, err);
	return -ETIMEDOUT;
}

#line 111
const struct cpu_operations cpu_psci_ops = {
	.name		= "psci",
//-	.cpu_init	= cpu_psci_cpu_init,
//-	.cpu_prepare	= cpu_psci_cpu_prepare,
//-	.cpu_boot	= cpu_psci_cpu_boot,
#line 117
	.cpu_can_disable = cpu_psci_cpu_can_disable,
	.cpu_disable	= cpu_psci_cpu_disable,
	.cpu_die	= cpu_psci_cpu_die,
	.cpu_kill	= cpu_psci_cpu_kill,
#line 122
};
