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
