// SPDX-License-Identifier: MIT
/*
 * lscss for the guest: the table s390-tools' zconf/css/lscss prints for I/O
 * subchannels, built from the channel-I/O layer's device list (STSCH and SENSE ID data)
 * instead of sysfs. Columns: device bus ID, subchannel ID, device type/model and CU
 * type/model from SENSE ID, "yes" when a driver has the device online, PIM, PAM, POM,
 * and the eight CHPIDs of the PMCW as two groups of four.
 */
#include "guest/cio.h"
#include "guest/lib.h"
#include "guest/tools.h"

int guest_lscss(void)
{
	unsigned int i, n = guest_cio_nr_devices();

	guest_printf("Device   Subchan.  DevType CU Type Use  PIM PAM POM  CHPIDs\n");
	guest_printf("----------------------------------------------------------------------\n");
	for (i = 0; i < n; i++) {
		const struct guest_device *d = guest_cio_device(i);
		const uint8_t *c = d->chpid;

		guest_printf("%x.%x.%04x %x.%x.%04x  %04x/%02x %04x/%02x %-3s  %02x  %02x  %02x   "
			     "%02x%02x%02x%02x %02x%02x%02x%02x\n",
			     d->cssid, d->ssid, d->devno, d->cssid, d->ssid, d->schnr, d->dev_type,
			     d->dev_model, d->cu_type, d->cu_model, d->drv ? "yes" : "", d->pim,
			     d->pam, d->pom, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
	}
	return (int)n;
}
