// SPDX-License-Identifier: MIT
/*
 * lschp for the guest: the table s390-tools' zconf/chp/lschp prints, for the channel
 * paths installed on the devices' subchannels (PMCW PIM and CHPIDs, as Linux does when
 * CHSC store-subchannel-description is not provided), with the channel-path type from
 * CHSC store-channel-path-description (SCPD, shared/reference/channel-io.md 11.4).
 * Paths are shown online (Vary 1); a KVM-style virtual path is not configurable, has no
 * channel-measurement group, is not shared and has no PCHID.
 */
#include "guest/cio.h"
#include "guest/lib.h"
#include "guest/tools.h"

#define CHSC_SCPD 0x0002
#define CHSC_SCPD_LEN 0x0010
#define CHSC_RESP_OK 0x0001
#define CHSC_BLOCK_SIZE 4096
#define SCPD_DESC_LEN 8        /* format-0 channel-path description */
#define SCPD_DESC_VALID 0x80   /* byte 0: CHPID valid */

static void st_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ld_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* SCPD for CHPIDs 0x00-0xff, format-0 descriptions; fills @type, -1 where none. */
static int scpd(int type[256])
{
	uint8_t *block = guest_alloc(CHSC_BLOCK_SIZE, CHSC_BLOCK_SIZE);
	const uint8_t *resp, *d;
	unsigned int len, off;
	int rc;

	if (!block)
		return -1;
	st_be16(block, CHSC_SCPD_LEN);
	st_be16(block + 2, CHSC_SCPD);
	/* Word +4: M=0, C=0, format 0, CSSID 0, response format 0, first CHPID 0. */
	block[11] = 0xff; /* word +8 bits 24-31: last CHPID */
	rc = guest_cio_chsc(block);
	resp = block + CHSC_SCPD_LEN;
	if (rc == CHSC_RESP_OK) {
		len = ld_be16(resp);
		if (len > CHSC_BLOCK_SIZE - CHSC_SCPD_LEN)
			len = CHSC_BLOCK_SIZE - CHSC_SCPD_LEN;
		/* 8-byte response header, then the descriptions. */
		for (off = 8; off + SCPD_DESC_LEN <= len; off += SCPD_DESC_LEN) {
			d = resp + off;
			if (d[0] & SCPD_DESC_VALID)
				type[d[3]] = d[2];
		}
	}
	guest_free(block, CHSC_BLOCK_SIZE);
	return 0;
}

int guest_lschp(void)
{
	unsigned int i, p, n = guest_cio_nr_devices();
	uint8_t installed[256 / 8];
	int type[256], count = 0;
	char tbuf[8];

	guest_memset(installed, 0, sizeof(installed));
	for (i = 0; i < 256; i++)
		type[i] = -1;
	for (i = 0; i < n; i++) {
		const struct guest_device *d = guest_cio_device(i);

		for (p = 0; p < 8; p++) {
			if (d->pim & (0x80 >> p))
				installed[d->chpid[p] / 8] |= (uint8_t)(0x80 >> (d->chpid[p] % 8));
		}
	}
	if (scpd(type))
		return -1;

	guest_printf("CHPID  Vary  Cfg.  Type  Cmg  Shared  PCHID\n");
	guest_printf("============================================\n");
	for (i = 0; i < 256; i++) {
		if (!(installed[i / 8] & (0x80 >> (i % 8))))
			continue;
		if (type[i] >= 0)
			guest_snprintf(tbuf, sizeof(tbuf), "%02x", (unsigned int)type[i]);
		else
			guest_snprintf(tbuf, sizeof(tbuf), "-");
		guest_printf("%x.%02x   %-5s %-5s %-5s %-4s %-7s %s\n", 0u, i, "1", "-", tbuf, "-",
			     "0", "-");
		count++;
	}
	return count;
}
