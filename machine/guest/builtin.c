// SPDX-License-Identifier: MIT
/*
 * Small built-in native guest programs of vccw-vm (-kernel native:NAME): guest code,
 * built like everything under guest/. true, false, hello and idle test the machine
 * itself (exit status, console, stopping a guest that waits) without any driver; lscss
 * and lschp run the guest's tools once the channel-I/O layer has found the devices.
 */
#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/tools.h"

int guest_builtin_true_main(void);
int guest_builtin_false_main(void);
int guest_builtin_hello_main(void);
int guest_builtin_idle_main(void);

int guest_builtin_true_main(void)
{
	return 0;
}

int guest_builtin_false_main(void)
{
	return 1;
}

int guest_builtin_hello_main(void)
{
	static const char msg[] = "hello from the native guest on vCPU 0\n";

	guest_arch_console_write(msg, sizeof(msg) - 1);
	return 0;
}

/* An enabled wait that never ends by itself: the machine stops it (SIGINT, SIGTERM). */
int guest_builtin_idle_main(void)
{
	guest_arch_set_isc_mask(0xff);
	guest_arch_set_crw_mchk(true);
	guest_arch_irq_enable();
	for (;;)
		guest_arch_wait(1000000);
	return 0;
}

int guest_builtin_lscss_main(void);
int guest_builtin_lschp_main(void);

/* As on Linux: lscss shows devices with their drivers bound ("yes" when online). */
int guest_builtin_lscss_main(void)
{
	int rc = guest_cio_init();

	if (rc < 0)
		return 1;
	guest_drivers_register_all();
	guest_lscss();
	guest_cio_exit();
	return 0;
}

int guest_builtin_lschp_main(void)
{
	int rc = guest_cio_init();

	if (rc < 0)
		return 1;
	rc = guest_lschp();
	guest_cio_exit();
	return rc < 0 ? 1 : 0;
}
