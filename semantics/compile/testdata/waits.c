// Polling loops the compiler recognises from their shape, and loops it
// compiles as written.
struct psci_operations {
	int (*affinity_info)(unsigned long target_affinity, unsigned long lowest_affinity_level);
};
struct psci_operations psci_ops = {
	.affinity_info = psci_affinity_info,
};

static inline unsigned int num_other_online_cpus(void)
{
	unsigned int this_cpu_online = cpu_online(smp_processor_id());

	return num_online_cpus() - this_cpu_online;
}

void smp_send_stop_wait(void)
{
	unsigned long timeout;

	timeout = USEC_PER_SEC;
	while (num_other_online_cpus() && timeout--)
		udelay(1);
}

void machine_shutdown(void)
{
	unsigned long timeout;

	timeout = USEC_PER_SEC;
	while (num_online_cpus() > 1 && timeout--)
		udelay(1);
	return;
}

static int cpu_psci_cpu_kill(unsigned int cpu)
{
	int err, i;

	for (i = 0; i < 10; i++) {
		err = psci_ops.affinity_info(cpu_logical_map(cpu), 0);
		if (err == PSCI_0_2_AFFINITY_LEVEL_OFF) {
			pr_info("CPU%d killed (polled %d ms)\n", cpu, i);
			return 0;
		}
		usleep_range(10, 100);
	}
	pr_warn("CPU%d may not have shut down cleanly (AFFINITY_INFO reports %d)\n", cpu, err);
	return -ETIMEDOUT;
}

static int cpu_psci_cpu_kill_deadline(unsigned int cpu)
{
	int err;
	unsigned long start, end;

	start = jiffies;
	end = start + msecs_to_jiffies(100);
	do {
		err = psci_ops.affinity_info(cpu_logical_map(cpu), 0);
		if (err == PSCI_0_2_AFFINITY_LEVEL_OFF)
			return 0;
		usleep_range(100, 1000);
	} while (time_before(jiffies, end));
	return -ETIMEDOUT;
}

static unsigned long msecs_to_jiffies(unsigned int m)
{
	return (m * HZ + MSEC_PER_SEC - 1) / MSEC_PER_SEC;
}

int stop_flag;

void wait_forever(void)
{
	while (!READ_ONCE(stop_flag))
		cpu_relax();
}

void not_a_wait(void)
{
	int n = 3;

	while (n) {
		n--;
		udelay(1);
	}
}

DEFINE_PER_CPU(atomic_t, cpu_hotplug_state) = ATOMIC_INIT(0);

static inline int DIV_ROUND_UP(int n, int d)
{
	return (n + d - 1) / d;
}

bool cpu_wait_death(unsigned int cpu, int seconds)
{
	int jf_left = seconds * HZ;
	int sleep_jf = 1;

	while (atomic_read(&per_cpu(cpu_hotplug_state, cpu)) != 7) {
		schedule_timeout_uninterruptible(sleep_jf);
		jf_left -= sleep_jf;
		if (jf_left <= 0)
			break;
		sleep_jf = DIV_ROUND_UP(sleep_jf * 11, 10);
	}
	return jf_left > 0;
}
