// file: kernel/kexec_core.c
// blob: c589c7a9562c
// version: v5.10.13

#line 54
bool kexec_in_progress = false;

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
