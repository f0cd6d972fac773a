// file: arch/arm64/kernel/machine_kexec.c
// blob: a0b144cfaea7
// version: v5.10

// model: arch/arm64/kernel/machine_kexec.c a0b144cfaea7 line 144
#line 144
void machine_kexec(struct kimage *kimage)
{
//-	phys_addr_t reboot_code_buffer_phys;
//-	void *reboot_code_buffer;
	bool in_kexec_crash = (kimage == kexec_crash_image);
	bool stuck_cpus = cpus_are_stuck_in_kernel();

#line 154
	BUG_ON(!in_kexec_crash && (stuck_cpus || (num_online_cpus() > 1)));
	WARN(in_kexec_crash && (stuck_cpus || smp_crash_stop_failed()),
		"Some CPUs may be stale, kdump will be unreliable.\n");

//-	reboot_code_buffer_phys = page_to_phys(kimage->control_code_page);
//-	reboot_code_buffer = phys_to_virt(reboot_code_buffer_phys);

//-	kexec_image_info(kimage);

#line 167
//-	memcpy(reboot_code_buffer, arm64_relocate_new_kernel,
//-		arm64_relocate_new_kernel_size);

#line 171
//-	__flush_dcache_area(reboot_code_buffer, arm64_relocate_new_kernel_size);

#line 179
//-	__flush_icache_range((uintptr_t)reboot_code_buffer,
//-			     (uintptr_t)reboot_code_buffer +
//-			     arm64_relocate_new_kernel_size);

#line 184
//-	kexec_list_flush(kimage);

#line 187
//-	if ((kimage != kexec_crash_image) && (kimage->head & IND_DONE))
//-		kexec_segment_flush(kimage);

	pr_info("Bye!\n");

	local_daif_mask();

#line 206
	cpu_soft_restart(0, 0, 0, 0); //~ the relocation: physical addresses are not modelled

#line 213
	BUG(); /* Should never get here. */
}

// model: arch/arm64/kernel/machine_kexec.c a0b144cfaea7 line 250
#line 250
void machine_crash_shutdown(struct pt_regs *regs)
{
	local_irq_disable();

#line 255
	crash_smp_send_stop();

#line 258
	crash_save_cpu(regs, smp_processor_id());
//-	machine_kexec_mask_interrupts();

	pr_info("Starting crashdump kernel...\n");
}
