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
