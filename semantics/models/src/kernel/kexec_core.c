// file: kernel/kexec_core.c
// blob: c589c7a9562c
// version: v5.10.13

#line 54
bool kexec_in_progress = false;

// model: kernel/kexec_core.c c589c7a9562c line 944
// Called by panic() on the CPU that won panic_cpu: with a crash kernel
// loaded it does not return. kexec_mutex is free (no kexec_load runs).
#line 944
void __crash_kexec(struct pt_regs *regs) //~ __noclone: no effect in the model
{
#line 954
	if (1) { //~ mutex_trylock(&kexec_mutex): the mutex is free
		if (kexec_crash_image) {
//-			struct pt_regs fixed_regs;

#line 958
//-			crash_setup_regs(&fixed_regs, regs);
//-			crash_save_vmcoreinfo();
			machine_crash_shutdown(regs); //~ &fixed_regs: registers are not modelled
			machine_kexec(kexec_crash_image);
		}
//-		mutex_unlock(&kexec_mutex);
	}
}

// model: kernel/kexec_core.c c589c7a9562c line 1125
// The kexec reboot from kexec_mutex on: the mutex is taken and an image is
// loaded; the KEXEC_JUMP (preserve_context) branch is not modelled.
#line 1125
int kernel_kexec(void)
{
	int error = 0;

//-	if (!mutex_trylock(&kexec_mutex))
//-		return -EBUSY;
//-	if (!kexec_image) {
//-		error = -EINVAL;
//-		goto Unlock;
//-	}

#line 1167
	{
		kexec_in_progress = true;
		kernel_restart_prepare(NULL);
		migrate_to_reboot_cpu();

#line 1178
		cpu_hotplug_enable();
		pr_notice("Starting new kernel\n");
		machine_shutdown();
	}

	machine_kexec(kexec_image);

#line 1205
	return error;
}
