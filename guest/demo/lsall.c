// SPDX-License-Identifier: MIT
/*
 * A guest program that binds the drivers, then prints lscss, an empty line and lschp:
 * the seed-configuration check of tests/conformance/run runs it natively on vccw-vm
 * (-kernel native:lsall) and bare-metal under QEMU (build/s390x/lsall.elf) and compares
 * the text with the expected one.
 */
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/tools.h"

int guest_lsall_main(void);

int guest_lsall_main(void)
{
	int rc;

	guest_drivers_register_all();
	if (guest_cio_init() < 0)
		return 1;
	rc = guest_lscss();
	guest_printf("\n");
	rc |= guest_lschp();
	guest_cio_exit();
	return rc ? 1 : 0;
}
