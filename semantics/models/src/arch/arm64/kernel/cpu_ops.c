// file: arch/arm64/kernel/cpu_ops.c
// blob: e133011f64b5
// version: v5.10

// model: arch/arm64/kernel/cpu_ops.c e133011f64b5 line 115
// The kernel reads cpu_ops[cpu], filled at boot from the enable method; the
// model has one enable method for every CPU, chosen by the configuration.
#line 115
const struct cpu_operations *get_cpu_ops(int cpu)
{
#ifdef CONFIG_MODEL_SPIN_TABLE //~ the enable method is a model configuration
	return &smp_spin_table_ops; //~ enable-method = "spin-table" on every CPU
#else //~
	return &cpu_psci_ops; //~ enable-method = "psci" on every CPU
#endif //~
#line 118
}
