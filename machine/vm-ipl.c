// SPDX-License-Identifier: MIT
/*
 * Firmware boot in vccw-vm: when it happens (no -kernel, and -bios or a bootindex), and
 * what it needs from this build. The loader, the IPLB and DIAGNOSE 0x308 are in ipl.c.
 */
#include <string.h>

#include "ipl.h"
#include "vccw/ccw.h"
#include "vm-int.h"

bool vm_ipl_wanted(const struct vm_config *cfg)
{
	unsigned int i;

	if (cfg->program)
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
	if (!vm_ipl_wanted(cfg))
		return 0;
	vm_error(cfg->bios_path ? "-bios" : "bootindex",
		 "booting firmware needs the s390x CPU back-end, which this vccw-vm does not have");
	return -1;
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

int vm_ipl_boot(struct vm *vm, struct vm_ipl_psw *psw)
{
	struct vm_config *cfg = vm->cfg;
	const char *path = cfg->bios_path ? cfg->bios_path : VM_IPL_DEFAULT_BIOS;
	struct vccw_err err = { 0 };
	struct vm_device *dev;
	int rc;

	vm_ipl_fini(&vm->ipl);
	vm_ipl_init(&vm->ipl);
	if (cfg->has_loadparm)
		memcpy(vm->ipl.machine_loadparm, cfg->loadparm, sizeof(cfg->loadparm));
	if (vm_ipl_fw_load_file(&vm->ipl, path, vccw_mem_size(vm->mem), &err)) {
		vm_error("-bios", "%s: %s", path, err.msg);
		return -1;
	}
	pthread_mutex_lock(&vm->dev_lock);
	dev = boot_device(cfg);
	if (dev) {
		struct vccw_busid b = vccw_sch_busid(vccw_cu_sch(vccw_virtio_ccw_cu(dev->transport)));

		vm_ipl_set_boot_device(&vm->ipl, b.ssid, b.devno, NULL);
	}
	pthread_mutex_unlock(&vm->dev_lock);
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
