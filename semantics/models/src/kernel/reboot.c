// file: kernel/reboot.c
// blob: b175c7585b24
// version: v5.10.13

#line 45
int reboot_cpu;

// model: kernel/reboot.c b175c7585b24 line 71
#line 71
void kernel_restart_prepare(char *cmd)
{
	cost("reboot_notifiers"); //~ blocking_notifier_call_chain(&reboot_notifier_list, SYS_RESTART, cmd)
	system_state = SYSTEM_RESTART;
//-	usermodehelper_disable();
	cost("device_shutdown"); //~ device_shutdown()
}

// model: kernel/reboot.c b175c7585b24 line 218
// The reboot task is already on reboot_cpu (the boot CPU) in the model, so
// pinning it changes nothing.
#line 218
void migrate_to_reboot_cpu(void)
{
#line 221
	int cpu = reboot_cpu;

	cpu_hotplug_disable();

#line 226
	if (!cpu_online(cpu))
		cpu = cpumask_first(cpu_online_mask);

#line 230
//-	current->flags |= PF_NO_SETAFFINITY;

#line 233
//-	set_cpus_allowed_ptr(current, cpumask_of(cpu));
}

// model: kernel/reboot.c b175c7585b24 line 244
#line 244
void kernel_restart(char *cmd)
{
	kernel_restart_prepare(cmd);
	migrate_to_reboot_cpu();
	syscore_shutdown();
	if (!cmd)
		pr_emerg("Restarting system\n");
	else
		pr_emerg("Restarting system with command '%s'\n", cmd);
	kmsg_dump(KMSG_DUMP_SHUTDOWN);
	machine_restart(cmd);
}

// model: kernel/reboot.c b175c7585b24 line 258
#line 258
static void kernel_shutdown_prepare(enum system_states state)
{
	blocking_notifier_call_chain(&reboot_notifier_list,
		(state == SYSTEM_HALT) ? SYS_HALT : SYS_POWER_OFF, NULL);
	system_state = state;
	usermodehelper_disable();
	device_shutdown();
}

// model: kernel/reboot.c b175c7585b24 line 271
#line 271
void kernel_halt(void)
{
	kernel_shutdown_prepare(SYSTEM_HALT);
	migrate_to_reboot_cpu();
	syscore_shutdown();
	pr_emerg("System halted\n");
	kmsg_dump(KMSG_DUMP_SHUTDOWN);
	machine_halt();
}

// model: kernel/reboot.c b175c7585b24 line 287
// pm_power_off_prepare (line 53) is NULL: PSCI sets none.
#line 287
void kernel_power_off(void)
{
	kernel_shutdown_prepare(SYSTEM_POWER_OFF);
//-	if (pm_power_off_prepare)
//-		pm_power_off_prepare();
#line 292
	migrate_to_reboot_cpu();
	syscore_shutdown();
	pr_emerg("Power down\n");
	kmsg_dump(KMSG_DUMP_SHUTDOWN);
	machine_power_off();
}
