// file: arch/arm64/kernel/process.c
// blob: 4784011cecac
// version: v5.10

// model: arch/arm64/kernel/process.c 4784011cecac line 133
#line 133
void arch_cpu_idle_dead(void)
{
       cpu_die();
}

// model: arch/arm64/kernel/process.c 4784011cecac line 148
#line 148
void machine_shutdown(void)
{
	smp_shutdown_nonboot_cpus(reboot_cpu);
}

// model: arch/arm64/kernel/process.c 4784011cecac line 158
#line 158
void machine_halt(void)
{
	local_irq_disable();
	smp_send_stop();
	while (1);
}

// model: arch/arm64/kernel/process.c 4784011cecac line 171
#line 171
void machine_power_off(void)
{
	local_irq_disable();
	smp_send_stop();
	if (pm_power_off)
		pm_power_off();
}

// model: arch/arm64/kernel/process.c 4784011cecac line 188
#line 188
void machine_restart(char *cmd)
{
#line 191
	local_irq_disable();
	smp_send_stop();

#line 198
//-	if (efi_enabled(EFI_RUNTIME_SERVICES))
//-		efi_reboot(reboot_mode, NULL);

#line 202
	if (arm_pm_restart)
		arm_pm_restart(reboot_mode, cmd);
	else
		do_kernel_restart(cmd);

#line 210
	printk("Reboot failed -- System halted\n");
	while (1);
}
