// SPDX-License-Identifier: MIT
/*
 * Conformance tests through the guest's own virtio-ccw driver (guest/virtio.h) and
 * device drivers (guest/drivers.h): queue notifications by adapter (two-stage) and by
 * classic indicators, each with an interruption that finds the queue's indicator bit
 * set (virtio 4.3.3.1), virtio-blk data integrity (virtio 5.2.6) in revision 2 and
 * revision 0, and the virtio-blk features Linux takes: geometry, topology and cache
 * mode in the configuration space (5.2.4, 5.2.5), WRITE_ZEROES and DISCARD (5.2.6),
 * through indirect descriptors (2.7.5.3). Each test brings the guest cio layer up and
 * takes it down again, then gives the I/O handler back to the suite.
 */
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/virtio.h"
#include "report.h"
#include "util.h"

#define DISK_SECTORS 2048
#define CHUNK_SECTORS 64 /* 32 KiB */

static uint8_t *wbuf, *rbuf;

static bool drv_up(const struct guest_vccw_opts *opts)
{
	/* A fresh enablement: no revision left selected by earlier raw tests (4.3.2.1). */
	disable_sch(SID_BLK);
	disable_sch(SID_RNG);
	guest_vccw_set_opts(opts);
	if (guest_cio_init() < 2) {
		report(false, "setup: the guest cio layer finds both devices", "failed");
		return false;
	}
	guest_blk_register();
	guest_rng_register();
	return true;
}

static void drv_down(void)
{
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	util_restore();
}

static void pattern(uint8_t *p, uint64_t sector, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n * GUEST_BLK_SECTOR_SIZE; i++) {
		uint64_t s = sector + i / GUEST_BLK_SECTOR_SIZE;

		p[i] = (uint8_t)(s * 31u + (i % GUEST_BLK_SECTOR_SIZE) * 7u + seed);
	}
}

static void blk_integrity(const struct guest_vccw_opts *opts, uint8_t seed)
{
	static const uint64_t starts[] = { 0, 1000, DISK_SECTORS - CHUNK_SECTORS };
	struct guest_blk *blk;
	unsigned int i;
	int rc;

	if (!wbuf)
		wbuf = guest_alloc(CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE, 4096);
	if (!rbuf)
		rbuf = guest_alloc(CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE, 4096);
	if (!wbuf || !rbuf) {
		report(false, "setup: buffers", "guest_alloc failed");
		return;
	}
	if (!drv_up(opts))
		goto out;
	blk = guest_blk_get(0);
	report(blk != NULL, "the virtio-blk driver binds CU 3832/02", "no device");
	if (!blk)
		goto out;
	report(blk->vdev.revision == (opts->max_rev < 0 ? 2 : opts->max_rev),
	       "4.3.2.1: the driver negotiated the highest revision it offered",
	       "revision %d", blk->vdev.revision);
	report(blk->capacity == DISK_SECTORS, "5.2.4: capacity is 2048 sectors (1 MiB disk)",
	       "capacity %llu", (unsigned long long)blk->capacity);
	for (i = 0; i < 3; i++) {
		pattern(wbuf, starts[i], CHUNK_SECTORS, seed);
		rc = guest_blk_write(blk, starts[i], wbuf, CHUNK_SECTORS);
		report(rc == 0, "5.2.6: VIRTIO_BLK_T_OUT of 64 sectors completes with S_OK",
		       "sector %llu rc %d", (unsigned long long)starts[i], rc);
	}
	rc = guest_blk_flush(blk);
	report(rc == 0, "5.2.6: VIRTIO_BLK_T_FLUSH completes with S_OK", "rc %d", rc);
	for (i = 0; i < 3; i++) {
		guest_memset(rbuf, 0, CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE);
		rc = guest_blk_read(blk, starts[i], rbuf, CHUNK_SECTORS);
		pattern(wbuf, starts[i], CHUNK_SECTORS, seed);
		report(rc == 0 &&
			       guest_memcmp(rbuf, wbuf, CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE) == 0,
		       "5.2.6: VIRTIO_BLK_T_IN returns the data written", "sector %llu rc %d",
		       (unsigned long long)starts[i], rc);
	}
	/* Single sectors and an odd count, re-read in one request spanning them. */
	pattern(wbuf, 7, 3, (uint8_t)(seed + 1));
	rc = guest_blk_write(blk, 7, wbuf, 3);
	rc = rc ? rc : guest_blk_read(blk, 0, rbuf, 16);
	pattern(wbuf, 0, 16, seed);
	pattern(wbuf + 7 * GUEST_BLK_SECTOR_SIZE, 7, 3, (uint8_t)(seed + 1));
	report(rc == 0 && guest_memcmp(rbuf, wbuf, 16 * GUEST_BLK_SECTOR_SIZE) == 0,
	       "5.2.6: a 3-sector write inside earlier data is read back in place", "rc %d", rc);
	report(blk->vdev.vqs[0] && blk->vdev.vqs[0]->nr_irqs > 0,
	       "4.3.3.1: used-buffer notifications arrive with the queue's indicator set",
	       "no indicator hit");
out:
	drv_down();
}

static void test_blk_rev2_adapter(void)
{
	struct guest_vccw_opts o = { .max_rev = -1 };

	blk_integrity(&o, 0x11);
}

static void test_blk_rev0_classic(void)
{
	struct guest_vccw_opts o = { .max_rev = 0, .no_adapter = true };

	blk_integrity(&o, 0x22);
}

/*
 * The 1 MiB disk of the suite on either host: QEMU's defaults (512-byte blocks, the
 * geometry guessed from the size, writeback cache), and what a driver does with them.
 */
static void test_blk_features(void)
{
	struct guest_vccw_opts o = { .max_rev = -1 };
	struct guest_blk *blk;
	uint32_t i;
	bool zero = true;
	int rc;

	if (!wbuf)
		wbuf = guest_alloc(CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE, 4096);
	if (!rbuf)
		rbuf = guest_alloc(CHUNK_SECTORS * GUEST_BLK_SECTOR_SIZE, 4096);
	if (!wbuf || !rbuf || !drv_up(&o))
		goto out;
	blk = guest_blk_get(0);
	report(blk != NULL, "the virtio-blk driver binds CU 3832/02", "no device");
	if (!blk)
		goto out;
	report(blk->vdev.features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_INDIRECT_DESC),
	       "6: VIRTIO_F_INDIRECT_DESC offered and accepted", "features 0x%llx",
	       (unsigned long long)blk->vdev.features);
	report(blk->cylinders == 2 && blk->heads == 16 && blk->sectors == 63,
	       "5.2.4: geometry 2/16/63 (QEMU's guess for 2048 sectors)", "%u/%u/%u",
	       blk->cylinders, blk->heads, blk->sectors);
	report(blk->blk_size == 512 && blk->phys_block_size == 512 && blk->min_io_size == 0 &&
		       blk->opt_io_size == 0,
	       "5.2.4: blk_size 512, topology: physical_block_exp 0, min/opt_io_size 0",
	       "blk %u phys %u min %u opt %u", blk->blk_size, blk->phys_block_size,
	       blk->min_io_size, blk->opt_io_size);
	report(blk->has_config_wce && blk->has_flush && blk->writeback,
	       "5.2.5: CONFIG_WCE and FLUSH offered, writeback reads 1 (writeback cache)",
	       "config_wce %d flush %d writeback %d", blk->has_config_wce, blk->has_flush,
	       blk->writeback);
	rc = guest_blk_set_writeback(blk, false);
	report(rc == 0 && !blk->writeback, "5.2.5: writing 0 to writeback selects writethrough",
	       "rc %d", rc);
	rc = guest_blk_set_writeback(blk, true);
	report(rc == 0 && blk->writeback, "5.2.5: writing 1 to writeback selects writeback",
	       "rc %d", rc);
	report(blk->has_discard && blk->has_write_zeroes && blk->max_write_zeroes_sectors > 0 &&
		       blk->max_discard_sectors > 0,
	       "5.2.4: DISCARD and WRITE_ZEROES offered with their limits", "max %u / %u",
	       blk->max_discard_sectors, blk->max_write_zeroes_sectors);
	pattern(wbuf, 1200, 16, 0x33);
	rc = guest_blk_write(blk, 1200, wbuf, 16);
	rc = rc ? rc : guest_blk_write_zeroes(blk, 1204, 8, false);
	rc = rc ? rc : guest_blk_read(blk, 1200, rbuf, 16);
	for (i = 0; i < 16 * GUEST_BLK_SECTOR_SIZE; i++) {
		bool in = i >= 4 * GUEST_BLK_SECTOR_SIZE && i < 12 * GUEST_BLK_SECTOR_SIZE;

		zero = zero && rbuf[i] == (in ? 0 : wbuf[i]);
	}
	report(rc == 0 && zero,
	       "5.2.6: VIRTIO_BLK_T_WRITE_ZEROES zeroes its sectors and nothing else", "rc %d",
	       rc);
	rc = guest_blk_discard(blk, 1212, 4);
	report(rc == 0, "5.2.6: VIRTIO_BLK_T_DISCARD completes with S_OK", "rc %d", rc);
	report(blk->vdev.vqs[0] && blk->vdev.vqs[0]->nr_indirect > 0,
	       "2.7.5.3: the requests went out through indirect tables", "none did");
out:
	drv_down();
}

static void rng_notify(const struct guest_vccw_opts *opts, bool adapter)
{
	struct guest_rng *rng;
	struct guest_vq *vq;
	uint8_t *buf = g_data + 1024;
	unsigned int before;
	uint64_t end;
	int rc;

	if (!drv_up(opts))
		goto out;
	rng = guest_rng_get(0);
	report(rng != NULL, "the virtio-rng driver binds CU 3832/04", "no device");
	if (!rng)
		goto out;
	vq = rng->vdev.vqs[0];
	report(rng->vdev.adapter == adapter,
	       adapter ? "4.3.2.6.3: SET_IND_ADAPTER accepted: adapter indicators in use"
		       : "4.3.2.6.1: classic queue indicators in use",
	       "adapter %d", rng->vdev.adapter);
	if (!adapter)
		report(rng->vdev.ind != NULL, "4.3.2.6.1: SET_IND registered a doubleword",
		       "none");
	before = vq ? vq->nr_irqs : 0;
	rc = guest_rng_read(rng, buf, 64);
	report(rc == 0, "5.4: the entropy request completes", "rc %d", rc);
	/*
	 * The indicator scan runs from the interruption, which may come a little after the
	 * request completes: wait for it up to 2 s (a loaded host delays it, never loses it).
	 */
	end = guest_arch_now_us() + 2000000;
	while (vq && vq->nr_irqs == before && guest_arch_now_us() < end)
		guest_delay_us(1000);
	report(vq && vq->nr_irqs > before,
	       adapter ? "4.3.3.1.2: an adapter interruption arrives and the queue's indicator "
			 "bit (bit_nr + 0, MSB first) is set"
		       : "4.3.3.1.1: an I/O interruption arrives and bit 0 of the queue "
			 "indicators is set",
	       "indicator hits %u -> %u", before, vq ? vq->nr_irqs : 0);
	if (!adapter)
		report(rng->vdev.nr_unsolicited > 0,
		       "4.3.3.1.1: the interruption is unsolicited (alert status, no function)",
		       "none");
out:
	drv_down();
}

static void test_rng_adapter(void)
{
	struct guest_vccw_opts o = { .max_rev = -1 };

	rng_notify(&o, true);
}

static void test_rng_classic(void)
{
	struct guest_vccw_opts o = { .max_rev = -1, .no_adapter = true };

	rng_notify(&o, false);
}

const struct conf_test conf_drv_tests[] = {
	{ "vccw_blk_data_integrity_rev2_adapter", test_blk_rev2_adapter },
	{ "vccw_blk_data_integrity_rev0_classic", test_blk_rev0_classic },
	{ "vccw_blk_features_geometry_cache_zeroes", test_blk_features },
	{ "vccw_rng_adapter_interruption", test_rng_adapter },
	{ "vccw_rng_classic_interruption", test_rng_classic },
};
const unsigned int conf_drv_nr = sizeof(conf_drv_tests) / sizeof(conf_drv_tests[0]);
