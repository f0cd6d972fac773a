// file: model.h
// version: v5.10
//
// Declarations the models share: the kernel constants, types and globals they
// use, and small restatements of kernel helpers (mostly static inlines from
// include/) that the compiler has no binding for. Everything here is our own
// text; where a definition restates a kernel one, the comment says which.

#define CONFIG_HOTPLUG_CPU 1
#define CONFIG_KEXEC_CORE 1
#define NULL 0
#define true 1
#define false 0

// include/uapi/asm-generic/errno-base.h, errno.h
#define EPERM 1
#define EBUSY 16
#define EINVAL 22
#define ENOSYS 38
#define EOPNOTSUPP 95
#define ETIMEDOUT 110

// include/vdso/time64.h
#define USEC_PER_SEC 1000000L
#define MSEC_PER_SEC 1000L

// include/linux/cpu.h
#define CPU_ONLINE 0x0002
#define CPU_UP_PREPARE 0x0003
#define CPU_DEAD 0x0007
#define CPU_DEAD_FROZEN 0x0008
#define CPU_POST_DEAD 0x0009
#define CPU_BROKEN 0x000B

// include/uapi/linux/psci.h
#define PSCI_0_2_POWER_STATE_TYPE_SHIFT 16
#define PSCI_POWER_STATE_TYPE_POWER_DOWN 1
#define PSCI_0_2_AFFINITY_LEVEL_ON 0
#define PSCI_0_2_AFFINITY_LEVEL_OFF 1
#define PSCI_0_2_AFFINITY_LEVEL_ON_PENDING 2

// include/linux/cpuhotplug.h: the states the model passes through, in the
// kernel's order (the states between them are not named in the model).
enum cpuhp_state {
	CPUHP_INVALID = -1, CPUHP_OFFLINE = 0,
	CPUHP_BRINGUP_CPU,
	CPUHP_AP_IDLE_DEAD,
	CPUHP_AP_OFFLINE,
	CPUHP_AP_ONLINE,
	CPUHP_TEARDOWN_CPU,
	CPUHP_AP_ONLINE_IDLE,
	CPUHP_ONLINE,
};

// include/linux/kernel.h
enum system_states {
	SYSTEM_BOOTING,
	SYSTEM_SCHEDULING,
	SYSTEM_RUNNING,
	SYSTEM_HALT,
	SYSTEM_POWER_OFF,
	SYSTEM_RESTART,
	SYSTEM_SUSPEND,
};

// init/main.c: the system is up when a kexec reboot starts.
enum system_states system_state = SYSTEM_RUNNING;

// arch/arm64/include/asm/cpu_ops.h
struct cpu_operations {
	const char	*name;
	bool		(*cpu_can_disable)(unsigned int cpu);
	int		(*cpu_disable)(unsigned int cpu);
	void		(*cpu_die)(unsigned int cpu);
	int		(*cpu_kill)(unsigned int cpu);
};

// include/linux/psci.h: the two PSCI functions the hotplug path uses. The
// kernel fills psci_ops with its PSCI 0.2 functions (drivers/firmware/psci);
// here they call the firmware of the machine.
struct psci_operations {
	int (*cpu_off)(u32 state);
	int (*affinity_info)(unsigned long target_affinity,
			unsigned long lowest_affinity_level);
};

static int psci_0_2_cpu_off(u32 state)
{
	return psci_cpu_off(state);
}

static int psci_0_2_affinity_info(unsigned long target_affinity,
		unsigned long lowest_affinity_level)
{
	return psci_affinity_info(target_affinity, lowest_affinity_level);
}

struct psci_operations psci_ops = {
	.cpu_off = psci_0_2_cpu_off,
	.affinity_info = psci_0_2_affinity_info,
};

// The per-CPU hotplug state of kernel/cpu.c (the state field of struct
// cpuhp_cpu_state): every CPU starts online.
DEFINE_PER_CPU(int, cpuhp_state) = CPUHP_ONLINE;

// kernel/kexec_core.c: the loaded images, compared by machine_kexec(); no
// crash image is loaded until kdump_entry() loads one (end of this file).
#define kexec_image 1
unsigned long kexec_crash_image;

// include/linux/kconfig.h: IS_ENABLED() of a configuration option.
static inline bool IS_ENABLED(int option)
{
	return option;
}

// include/linux/cpumask.h
static inline bool cpu_is_offline(unsigned int cpu)
{
	return !cpu_online(cpu);
}

// Every possible CPU is present in the model.
static inline bool cpu_present(unsigned int cpu)
{
	return cpu < nr_cpu_ids;
}

static inline unsigned int num_possible_cpus(void)
{
	return nr_cpu_ids;
}

static inline unsigned int raw_smp_processor_id(void)
{
	return smp_processor_id();
}

// arch/arm64/include/asm/smp_plat.h: logical CPU n has MPIDR affinity n in
// the model's firmware.
static inline unsigned long cpu_logical_map(unsigned int cpu)
{
	return cpu;
}

// include/linux/kernel.h
static inline int DIV_ROUND_UP(int n, int d)
{
	return (n + d - 1) / d;
}

// include/linux/jiffies.h, with HZ from the configuration.
static inline unsigned long msecs_to_jiffies(unsigned int m)
{
	return (m * HZ + MSEC_PER_SEC - 1) / MSEC_PER_SEC;
}

static inline unsigned int jiffies_to_msecs(unsigned long j)
{
	return (j * MSEC_PER_SEC) / HZ;
}

static inline bool time_before(unsigned long a, unsigned long b)
{
	return (long)(a - b) < 0;
}

// include/linux/sched.h: the idle task of a secondary never has work queued
// in the model; tasks are part of the machine's idle_wait.
static inline bool need_resched(void)
{
	return false;
}

// The remaining IPI handlers have no effect on the paths the model follows:
// the wake-up an IPI causes is the machine's, and call-function requests
// (the idle-dead report) complete through cpuhp_state.
static void scheduler_ipi(void)
{
}

static void generic_smp_call_function_interrupt(void)
{
}

static void tick_receive_broadcast(void)
{
}

static void irq_work_run(void)
{
}

static inline int get_irq_regs(void)
{
	return 0;
}

static inline void unreachable(void)
{
	BUG();
}

// kernel/cpu.c wait_for_ap_thread(st, false), reduced to its effect: wait
// until the dying CPU has reported itself idle-dead.
static void wait_for_ap_thread(unsigned int cpu, bool bringup)
{
	while (per_cpu(cpuhp_state, cpu) != CPUHP_AP_IDLE_DEAD)
		cpu_relax();
}

// include/linux/cpumask.h: cpumask_first() of the online mask, the only
// mask the models take the first CPU of. The machine's prim rather than
// cpumask_next_online(-1): it is the boot CPU whenever that is online, which
// keeps programs symmetric in their secondaries.
static inline unsigned int cpumask_first(const struct cpumask *srcp)
{
	return cpumask_first_online();
}

// kernel/cpu.c (v6.5 on): cpuhp_ap_report_dead() tells the boot CPU's
// cpuhp_bp_sync_dead() that this CPU may be disposed of. The model's
// hotplug core waits for the dying CPU through cpu_hotplug_state (the
// v5.10 cpu_wait_death()), so the report is made there.
void cpuhp_ap_report_dead(void)
{
	cpu_report_death();
}

// kernel/kexec_core.c crash_save_cpu(regs, cpu): writes the CPU's registers
// into its ELF crash note, which the crash kernel reads as the vmcore's CPU
// state. The model keeps only the fact that the note was written.
DEFINE_PER_CPU(int, crash_note_saved) = 0;

static void crash_save_cpu(struct pt_regs *regs, int cpu)
{
	per_cpu(crash_note_saved, cpu) = 1;
}

// The other entries into the stop path (docs/models.md, "Entries"). The
// machine starts the boot CPU in one of these instead of kernel_kexec().

// The value kdump_entry() stores: a crash image is loaded.
#define KEXEC_CRASH_IMAGE_LOADED 2

// kernel/panic.c (v5.10): panic_cpu and crash_kexec_post_notifiers (off by
// default: the crash kernel runs before the panic notifiers).
#define PANIC_CPU_INVALID -1
atomic_t panic_cpu = ATOMIC_INIT(PANIC_CPU_INVALID);
bool crash_kexec_post_notifiers;

// kernel/panic.c (v5.10.13) panic(), restated from its first line to its
// final loop with what does not touch the stop path left out (console and
// printk-buffer handling, the notifier chain, panic_timeout, the blink
// loop). A CPU that loses the race for panic_cpu stops itself in
// panic_smp_self_stop(); the winner runs __crash_kexec(), which does not
// return when a crash kernel is loaded, then stops the other CPUs. The
// final loop is the machine's panic (the run ends as "panic").
void panic_entry(void)
{
	int old_cpu, this_cpu;

	local_irq_disable();

	this_cpu = raw_smp_processor_id();
	old_cpu = atomic_cmpxchg(&panic_cpu, PANIC_CPU_INVALID, this_cpu);

	if (old_cpu != PANIC_CPU_INVALID && old_cpu != this_cpu)
		panic_smp_self_stop();

	pr_emerg("Kernel panic - not syncing\n");

	if (!crash_kexec_post_notifiers) {
		__crash_kexec(NULL);

		smp_send_stop();
	} else {
		crash_smp_send_stop();
	}

	if (crash_kexec_post_notifiers)
		__crash_kexec(NULL);

	pr_emerg("---[ end Kernel panic - not syncing ]---\n");
	panic("end Kernel panic");
}

// kdump: a crash kernel is loaded (kexec_load with KEXEC_ON_CRASH) and the
// CPU panics: panic() -> __crash_kexec() -> machine_crash_shutdown() ->
// crash_smp_send_stop() -> machine_kexec() of the crash kernel.
void kdump_entry(void)
{
	kexec_crash_image = KEXEC_CRASH_IMAGE_LOADED;
	panic_entry();
}

// drivers/firmware/psci/psci.c (v5.10): the PSCI driver registers
// psci_sys_reset() as arm_pm_restart and psci_sys_poweroff() as
// pm_power_off. Restated to their firmware calls: SYSTEM_RESET2 is not
// offered by the model's firmware, so a reset is SYSTEM_RESET.
// include/linux/reboot.h
enum reboot_mode {
	REBOOT_UNDEFINED = -1,
	REBOOT_COLD = 0,
	REBOOT_WARM,
	REBOOT_HARD,
	REBOOT_SOFT,
	REBOOT_GPIO,
};

enum reboot_mode reboot_mode;

static void arm_pm_restart(enum reboot_mode mode, const char *cmd)
{
	psci_system_reset();
}

static void pm_power_off(void)
{
	psci_system_off();
}

// kernel/reboot.c do_kernel_restart(): the restart handler chain. v5.10's
// PSCI driver sets arm_pm_restart instead, so v5.10's machine_restart()
// does not call this; from v5.14 (arm64 dropped arm_pm_restart) PSCI
// registers psci_sys_reset() as a restart handler, the only one on the
// machine.
static void do_kernel_restart(char *cmd)
{
	psci_system_reset();
}

// The reboot(2) paths after the reboot task's checks
// (LINUX_REBOOT_CMD_RESTART, _POWER_OFF, _HALT): kernel/reboot.c's
// kernel_restart(NULL), kernel_power_off() and kernel_halt(), which are the
// kernel's text (the library's kernel/reboot.c, or the tree's).
void restart_entry(void)
{
	kernel_restart(NULL);
}

void power_off_entry(void)
{
	kernel_power_off();
}

void halt_entry(void)
{
	kernel_halt();
}

// include/linux/kexec.h: the flags of a kimage's relocation list, which
// machine_kexec() tests from v5.15 on (kimage->head & IND_DONE).
#define IND_DESTINATION_BIT 0
#define IND_INDIRECTION_BIT 1
#define IND_DONE_BIT 2
#define IND_SOURCE_BIT 3
#define IND_DESTINATION (1 << IND_DESTINATION_BIT)
#define IND_INDIRECTION (1 << IND_INDIRECTION_BIT)
#define IND_DONE (1 << IND_DONE_BIT)
#define IND_SOURCE (1 << IND_SOURCE_BIT)

// include/vdso/time64.h: the clock's units, for ktime_get() (the machine's
// nanosecond clock, sim.PrimKtimeGet) and the waits that poll it (v6.5's
// cpuhp_wait_for_sync_state() in kernel/cpu.c).
#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_SEC 1000000000L
#define USEC_PER_MSEC 1000L
