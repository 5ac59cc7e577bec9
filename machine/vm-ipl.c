// SPDX-License-Identifier: MIT
/*
 * Firmware boot in vccw-vm: when it happens (no -kernel, and -bios or a bootindex), and
 * what it needs from this build. The loader, the IPLB and DIAGNOSE 0x308 are in ipl.c.
 */
#include "ipl.h"
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
