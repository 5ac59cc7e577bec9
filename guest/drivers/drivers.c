// SPDX-License-Identifier: MIT
/* Registration of every guest virtio device driver with the cio layer. */
#include "guest/cio.h"
#include "guest/drivers.h"

void guest_drivers_register_all(void)
{
	guest_net_register();
	guest_blk_register();
	guest_console_register();
	guest_rng_register();
	guest_balloon_register();
}
