// SPDX-License-Identifier: MIT
/*
 * Firmware boot in vccw-vm: when it happens (no -kernel, and -bios or a bootindex), and
 * what it needs from this build. The loader, the IPLB and DIAGNOSE 0x308 are in ipl.c.
 */
#include <stdio.h>
#include <string.h>

#include "cpu-s390x.h"
#include "ipl.h"
#include "sclp.h"
#include "vccw/ccw.h"
#include "vm-int.h"

bool vm_ipl_wanted(const struct vm_config *cfg)
{
	unsigned int i;

	if (cfg->program || cfg->kernel_path)
		return false;
	if (cfg->bios_path)
		return true;
	for (i = 0; i < cfg->nr_devices; i++)
		if (cfg->devices[i]->bootindex != VM_BOOTINDEX_NONE)
			return true;
	return false;
}

int vm_ipl_config_check(struct vm_config *cfg)
{
	const char *path = cfg->bios_path ? cfg->bios_path : VM_IPL_DEFAULT_BIOS;
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	int rc;

	if (!vm_ipl_wanted(cfg))
		return 0;
	if (!vm_s390x_available()) {
		vm_error(cfg->bios_path ? "-bios" : "bootindex",
			 "booting firmware needs the s390x CPU back-end: this vccw-vm was built "
			 "without it (NO_UNICORN=1; rebuild without it)");
		return -1;
	}
	/* A firmware that cannot be read or placed is a configuration error (exit 2). */
	vm_ipl_init(&ipl);
	rc = vm_ipl_fw_load_file(&ipl, path, cfg->mem_size, &err);
	vm_ipl_fini(&ipl);
	if (rc)
		vm_error("-bios", "%s: %s", path, err.msg);
	return rc ? -1 : 0;
}

/* The created device with the lowest bootindex, or NULL (QEMU get_boot_device(0)). */
static struct vm_device *boot_device(struct vm_config *cfg)
{
	struct vm_device *best = NULL;
	unsigned int i;

	for (i = 0; i < cfg->nr_devices; i++) {
		struct vm_device *dev = cfg->devices[i];

		if (dev->bootindex == VM_BOOTINDEX_NONE || !dev->transport)
			continue;
		if (!best || dev->bootindex < best->bootindex)
			best = dev;
	}
	return best;
}

/* The IPLB for the boot device, as QEMU generates it (none without a bootindex). */
static void set_boot_device(struct vm *vm)
{
	struct vm_device *dev;

	pthread_mutex_lock(&vm->dev_lock);
	dev = boot_device(vm->cfg);
	if (dev) {
		struct vccw_busid b = vccw_sch_busid(vccw_cu_sch(vccw_virtio_ccw_cu(dev->transport)));

		vm_ipl_set_boot_device(&vm->ipl, b.ssid, b.devno, NULL);
	}
	pthread_mutex_unlock(&vm->dev_lock);
}

int vm_ipl_boot(struct vm *vm, struct vm_ipl_psw *psw)
{
	struct vm_config *cfg = vm->cfg;
	const char *path = cfg->bios_path ? cfg->bios_path : VM_IPL_DEFAULT_BIOS;
	struct vccw_err err = { 0 };
	int rc;

	if (vm_ipl_fw_load_file(&vm->ipl, path, vccw_mem_size(vm->mem), &err)) {
		vm_error("-bios", "%s: %s", path, err.msg);
		return -1;
	}
	set_boot_device(vm);
	rc = vm_ipl_start(&vm->ipl, vm->mem, psw);
	if (rc) {
		vm_error("-bios", "%s: does not fit in guest RAM (%s)", path, strerror(-rc));
		return -1;
	}
	return 0;
}

void vm_subsystem_reset(struct vm *vm)
{
	unsigned int i;

	pthread_mutex_lock(&vm->dev_lock);
	vccw_css_reset(vm->css);
	for (i = 0; i < vm->cfg->nr_devices; i++)
		if (vm->cfg->devices[i]->transport)
			vccw_virtio_ccw_reset(vm->cfg->devices[i]->transport);
	pthread_mutex_unlock(&vm->dev_lock);
}

/*
 * DIAGNOSE 0x308 on the s390x back-end: ipl.c decides on the registers, this carries the
 * resets out (QEMU s390_machine_reset(): load normal = subsystem reset and initial CPU
 * reset; modified clear and re-IPL = subsystem reset and clear reset) and loads the PSW.
 */
static enum vm_s390x_rc diag308(struct vm_s390x *cpu, void *opaque, unsigned int r1,
				unsigned int r3, uint64_t addr, uint16_t *pgm)
{
	struct vm *vm = opaque;
	enum vccw_insn_rc pgm_rc;
	enum vm_ipl_action act;
	struct vm_ipl_psw psw;
	uint64_t gprs[16];
	unsigned int i;

	(void)addr;
	for (i = 0; i < 16; i++)
		gprs[i] = vm_s390x_gpr(cpu, i);
	/* The back-end checked the privilege before calling (DIAGNOSE is privileged). */
	act = vm_ipl_diag308(&vm->ipl, vm->mem, false, r1, r3, gprs, &pgm_rc);
	switch (act) {
	case VM_IPL_ACT_NONE:
		for (i = 0; i < 16; i++)
			vm_s390x_set_gpr(cpu, i, gprs[i]);
		return VM_S390X_DONE;
	case VM_IPL_ACT_PROGRAM:
		*pgm = vccw_insn_pic(pgm_rc);
		vm_log_guest_error("guest_diag308 subcode=0x%llx r1=%u: DIAGNOSE 0x308 refused: "
				   "program check pic=0x%04x",
				   (unsigned long long)gprs[r3], r1, *pgm);
		return VM_S390X_PGM;
	case VM_IPL_ACT_LOAD_NORMAL:
	case VM_IPL_ACT_MODIFIED_CLEAR:
	case VM_IPL_ACT_REIPL:
		break;
	}
	/*
	 * -no-reboot: a re-IPL ends the machine (status 0), as QEMU turns that guest reset
	 * into a shutdown; load normal and modified clear are subsystem resets QEMU does
	 * not count as reboots (the firmware uses load normal to start the loaded program).
	 */
	if (act == VM_IPL_ACT_REIPL && vm->cfg->no_reboot)
		return VM_S390X_STOP;
	if (act == VM_IPL_ACT_REIPL)
		vm_qmp_guest_reset_event(vm->qmp);
	if (act == VM_IPL_ACT_REIPL && vm->cfg->kernel_path) {
		/*
		 * A -kernel boot has no IPL device: QEMU copies the kernel, initrd and
		 * parameters back (its ROM blobs) and starts the kernel again, which is what
		 * system_reset does here; it runs once the vCPU is out of the engine.
		 */
		vm_reset_post(vm);
		return VM_S390X_DONE;
	}
	vm_subsystem_reset(vm);
	vm_s390x_reset(cpu, act == VM_IPL_ACT_LOAD_NORMAL ? VM_S390X_RESET_INITIAL :
							       VM_S390X_RESET_CLEAR);
	if (vm_ipl_restart(&vm->ipl, vm->mem, act, &psw)) {
		/* Storage below 8 bytes or the firmware's range is always RAM: a host bug. */
		*pgm = S390X_PGM_ADDRESSING;
		return VM_S390X_PGM;
	}
	if (act == VM_IPL_ACT_REIPL) {
		/*
		 * The firmware went back into RAM behind the engine's back: write it again
		 * through the CPU so that code the guest changed there is translated afresh.
		 */
		for (i = 0; i < vm->ipl.nr_segs; i++)
			vm_s390x_write(cpu, vm->ipl.segs[i].addr, vm->ipl.segs[i].data,
				       vm->ipl.segs[i].filesz);
	}
	vm_s390x_load_psw(cpu, psw.mask, psw.addr);
	return VM_S390X_PSW_LOADED;
}

int vm_ipl_diag_install(struct vm *vm)
{
	return vm_s390x_set_diag(vm, VM_S390X_DIAG_IPL, diag308, vm) ? -1 : 0;
}

int vm_ipl_cpu_start(struct vm *vm)
{
	struct vm_ipl_psw psw;

	if (vm_ipl_boot(vm, &psw))
		return -1;
	vm->s390x_psw_mask = psw.mask;
	vm->s390x_psw_addr = psw.addr;
	if (vm_s390x_create(vm, psw.mask, psw.addr))
		return -1;
	return vm_ipl_diag_install(vm);
}

int vm_boot_system_reset(struct vm *vm)
{
	struct vm_s390x *cpu = vm->s390x;
	struct vm_ipl_psw psw;
	int rc = 0;

	/* The event facility is part of the subsystem QEMU resets: masks, a quiesce. */
	vm_sclp_reset(vm->sclp);
	/* All CPUs get a clear reset (QEMU s390_do_cpu_full_reset()). */
	vm_s390x_reset(cpu, VM_S390X_RESET_CLEAR);
	if (vm->cfg->kernel_path) {
		rc = vm_kernel_reload(vm);
		psw.mask = vm->s390x_psw_mask;
		psw.addr = vm->s390x_psw_addr;
	} else if (vm->ipl.have_fw) {
		/*
		 * QEMU's IPL device drops the IPLB a guest set (DIAGNOSE 0x308 subcode 5) on
		 * an external reset and generates the boot device's again; the firmware's ROM
		 * is copied back into RAM.
		 */
		memset(vm->ipl.iplb, 0, sizeof(vm->ipl.iplb));
		vm->ipl.iplb_valid = false;
		set_boot_device(vm);
		/* The clear reset above dropped all translated code: plain stores suffice. */
		rc = vm_ipl_start(&vm->ipl, vm->mem, &psw);
		if (rc)
			vm_report("system_reset: the firmware does not fit in guest "
				"RAM (%s)\n", strerror(-rc));
	} else {
		psw.mask = vm->s390x_psw_mask;
		psw.addr = vm->s390x_psw_addr;
	}
	if (rc) {
		/* Nothing to start: a disabled wait, which ends the machine as a guest would. */
		psw.mask = S390X_PSW_WAIT | S390X_PSW_START_MASK;
		psw.addr = 1;
	}
	vm_s390x_load_psw(cpu, psw.mask, psw.addr);
	return rc ? -1 : 0;
}
