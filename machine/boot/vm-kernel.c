// SPDX-License-Identifier: MIT
/*
 * -kernel FILE in vccw-vm: an s390x ELF (cpu/cpu-s390x-elf.c) or an s390 Linux kernel
 * image with -initrd and -append (kernel.c), checked against the configuration before
 * anything runs and loaded into guest RAM when the machine is built; the s390x CPU
 * back-end then starts at the first PSW.
 */
#include <stdio.h>
#include <string.h>

#include "cpu-s390x.h"
#include "kernel.h"
#include "vm-int.h"

static bool is_image(const struct vm_config *cfg)
{
	return cfg->kernel_path && vm_kernel_probe(cfg->kernel_path) == 1;
}

int vm_kernel_config_check(struct vm_config *cfg)
{
	uint64_t ram = cfg->mem_size ? cfg->mem_size : VM_MEM_DEFAULT;
	struct vm_kernel_start start;
	struct vccw_err err = { 0 };
	uint64_t entry;

	if (!is_image(cfg)) {
		/* QEMU: "-initrd only allowed with -kernel option". */
		if (cfg->initrd_path) {
			vm_error("-initrd", "only with -kernel FILE, an s390 Linux kernel image (not an "
				 "ELF and not a built-in program)");
			return -1;
		}
		/* -append goes to a built-in program, or to 0x10480 for an ELF (vm_kernel_boot()). */
		if (cfg->append && !cfg->kernel_path && !cfg->program) {
			vm_error("-append", "only with -kernel");
			return -1;
		}
		if (cfg->append && cfg->kernel_path && strlen(cfg->append) >= VM_APPEND_MAX) {
			vm_error("-append", "the command line has %zu characters, at most %u fit",
				 strlen(cfg->append), VM_APPEND_MAX - 1);
			return -1;
		}
		/* An s390x ELF that does not fit the configured RAM is a configuration error. */
		if (cfg->kernel_path &&
		    vm_s390x_elf_load(NULL, ram, "-kernel", cfg->kernel_path, &entry))
			return -1;
		return 0;
	}
	if (vm_kernel_load(NULL, ram, cfg->kernel_path, cfg->initrd_path, cfg->append, &start,
			   &err)) {
		vm_error(start.what, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* Put -kernel (and -initrd, -append) into guest RAM; the first PSW into vm->s390x_psw_*. */
static int kernel_load(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_kernel_start start;
	struct vccw_err err = { 0 };
	uint64_t entry;

	if (!is_image(cfg)) {
		/* QEMU starts an ELF -kernel at its entry point in 64-bit mode. */
		if (vm_s390x_elf_load(vm->mem, vccw_mem_size(vm->mem), "-kernel",
				      cfg->kernel_path, &entry))
			return -1;
		/*
		 * QEMU treats an ELF entered at 0x10000 as Linux and writes -append into its
		 * parameter area (0x10480): the same here, so one image reads it on both.
		 */
		if (cfg->append && entry == 0x10000 &&
		    vccw_mem_write(vm->mem, 0x10480, cfg->append, strlen(cfg->append) + 1)) {
			vm_error("-append", "cannot write the command line to 0x10480");
			return -1;
		}
		vm->s390x_psw_mask = S390X_PSW_START_MASK;
		vm->s390x_psw_addr = entry;
	} else {
		if (vm_kernel_load(vm->mem, vccw_mem_size(vm->mem), cfg->kernel_path,
				   cfg->initrd_path, cfg->append, &start, &err)) {
			vm_error(start.what, "%s", err.msg);
			return -1;
		}
		vm->s390x_psw_mask = start.psw_mask;
		vm->s390x_psw_addr = start.psw_addr;
	}
	return 0;
}

int vm_kernel_boot(struct vm *vm)
{
	if (kernel_load(vm))
		return -1;
	if (vm_s390x_create(vm, vm->s390x_psw_mask, vm->s390x_psw_addr))
		return -1;
	/* Linux's reboot (DIAGNOSE 0x308 load clear) and its IPL-information queries. */
	if (vm_ipl_diag_install(vm))
		return -1;
	/* Linux reads its SCLP console (ttysclp0) from stdin. */
	if (vm_sclp_input_start(vm)) {
		vm_report("SCLP console input: cannot start its thread\n");
		return -1;
	}
	return 0;
}

int vm_kernel_reload(struct vm *vm)
{
	/*
	 * QEMU keeps -kernel, -initrd and the command line as ROM blobs and copies them
	 * into RAM again at every system reset; here the files are read again.
	 */
	return kernel_load(vm);
}
