// file: arch/arm64/kernel/smp_spin_table.c
// blob: 056772c26098
// version: v5.10

// The spin-table enable method has no cpu_disable, cpu_die or cpu_kill: its
// CPUs can only be parked in a loop in kernel RAM.
#line 120
const struct cpu_operations smp_spin_table_ops = {
	.name		= "spin-table",
//-	.cpu_init	= smp_spin_table_cpu_init,
//-	.cpu_prepare	= smp_spin_table_cpu_prepare,
//-	.cpu_boot	= smp_spin_table_cpu_boot,
};
