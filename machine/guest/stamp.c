// SPDX-License-Identifier: MIT
/*
 * -kernel native:stamp, the guest side of the crash-consistency test
 * (tests/integration/test-crash.sh): writes stamped sectors to the first virtio-blk disk
 * and reports every write the device completed on the machine console, one line each,
 * only after the completion:
 *   ACK <seq> <sector> <W|F>     F: the write was followed by a completed FLUSH
 * A stamped sector holds the magic "VCCWSTMP", the sequence number and the sector
 * (big-endian 64-bit each), then bytes derived from the sequence number, so that a
 * checker can tell which write a sector holds and that it is whole. Sectors are visited
 * in a scattered order over at most the first 1024 sectors; every fourth write is
 * followed by a FLUSH. It ends after STAMP_WRITES writes (status 0), or with status 1
 * on an I/O error.
 */
#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"

#define STAMP_WRITES 1000000u
#define STAMP_SECTORS 1024u

int guest_stamp_main(void);

static void put_be64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

int guest_stamp_main(void)
{
	struct guest_blk *blk;
	uint64_t seq, n;
	uint8_t *buf;
	unsigned int i;

	if (guest_cio_init() < 0)
		return 1;
	guest_blk_register();
	blk = guest_blk_count() ? guest_blk_get(0) : NULL;
	buf = guest_alloc(512, 512);
	if (!blk || !buf || !blk->capacity || blk->ro) {
		guest_printf("stamp: no writable virtio-blk disk\n");
		return 1;
	}
	n = blk->capacity < STAMP_SECTORS ? blk->capacity : STAMP_SECTORS;
	for (seq = 1; seq <= STAMP_WRITES; seq++) {
		/* A stride prime to n (n is at most 1024, 7919 is prime) visits every sector. */
		uint64_t sector = (seq * 7919u) % n;
		bool flush = seq % 4 == 0;

		guest_memcpy(buf, "VCCWSTMP", 8);
		put_be64(buf + 8, seq);
		put_be64(buf + 16, sector);
		for (i = 24; i < 512; i++)
			buf[i] = (uint8_t)(seq * 31 + i);
		if (guest_blk_write(blk, sector, buf, 1) < 0 || (flush && guest_blk_flush(blk) < 0)) {
			guest_printf("stamp: I/O error at write %llu\n", (unsigned long long)seq);
			return 1;
		}
		guest_printf("ACK %llu %llu %c\n", (unsigned long long)seq,
			     (unsigned long long)sector, flush ? 'F' : 'W');
	}
	return 0;
}
