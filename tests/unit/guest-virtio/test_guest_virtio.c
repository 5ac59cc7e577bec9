// SPDX-License-Identifier: MIT
/*
 * The guest virtio-ccw driver and device drivers (guest/virtio, guest/drivers), run as
 * native guest programs against libvccw's css, virtio-ccw transport and devices:
 * revision negotiation and fallback (virtio v1.2 4.3.2.1), adapter and classic
 * indicators (4.3.2.6, 4.3.3.1), split and packed rings in both byte orders (2.7, 2.8),
 * virtio-blk data reaching the image file (5.2), virtio-rng (5.4), virtio-console in
 * both directions (5.3). virtio-net and virtio-balloon run against small host devices
 * in test_fake_devs.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"

#define BLK_SIZE (1u << 20)
#define BIG_SECTORS 140 /* 70 KiB: more than one bounce buffer */

/* What the guest program saw, checked by the host side after it ends. */
struct result {
	int rc;            /* first failing step, 0 when all went well */
	int rev;           /* negotiated by the guest */
	int host_rev;      /* as the device recorded it */
	bool big_endian;
	bool packed;
	bool adapter;
	bool classic;
	unsigned int irqs;
	unsigned int unsolicited;
	unsigned int indirect; /* buffers sent through indirect tables */
	uint64_t features;
	uint64_t capacity;
	char id[24];
	uint8_t data[64];
	int data_len;
};

static struct gv_machine *M;
static struct guest_vccw_opts OPTS;
static struct result R;
static const char CON_OUT[] = "hello from the guest\n";
static const char CON_IN[] = "ping from the host";

static void reset_opts(void)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	memset(&R, 0, sizeof(R));
}

static int guest_start(void)
{
	guest_vccw_set_opts(&OPTS);
	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	return 0;
}

static int guest_finish(int rc)
{
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	R.rc = rc;
	return rc;
}

static void record(struct guest_vdev *vdev, unsigned int host_idx)
{
	unsigned int q;

	R.rev = vdev->revision;
	R.host_rev = vccw_virtio_ccw_revision(M->devs[host_idx].vc);
	R.big_endian = vdev->big_endian;
	R.packed = vdev->nr_vqs && vdev->vqs[0]->packed;
	R.adapter = vdev->adapter;
	R.classic = vdev->ind != NULL;
	R.features = vdev->features;
	R.unsolicited = vdev->nr_unsolicited;
	R.irqs = 0;
	R.indirect = 0;
	for (q = 0; q < vdev->nr_vqs; q++) {
		R.irqs += vdev->vqs[q]->nr_irqs;
		R.indirect += vdev->vqs[q]->nr_indirect;
	}
}

/* ---- Guest programs ---- */

static int g_rng(void)
{
	struct guest_rng *rng;
	uint8_t *buf;
	int i, rc = guest_start();

	if (rc)
		return guest_finish(rc);
	rng = guest_rng_get(0);
	if (!rng)
		return guest_finish(2);
	buf = guest_alloc(8192, 8);
	/* Several requests, one larger than a chunk (5.4.6.1: the device may fill less). */
	for (i = 0; i < 4; i++) {
		rc = guest_rng_read(rng, buf, i == 3 ? 6000 : 64);
		if (rc)
			return guest_finish(10 + i);
	}
	memcpy(R.data, buf, sizeof(R.data));
	R.data_len = sizeof(R.data);
	record(&rng->vdev, 0);
	return guest_finish(0);
}

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

static bool nonzero_at(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return true;
	return false;
}

static int g_blk(void)
{
	struct guest_blk *blk;
	uint8_t *w, *r;
	size_t big = BIG_SECTORS * GUEST_BLK_SECTOR_SIZE;
	int rc = guest_start();

	if (rc)
		return guest_finish(rc);
	blk = guest_blk_get(0);
	if (!blk)
		return guest_finish(2);
	R.capacity = blk->capacity;
	w = guest_alloc(big, 8);
	r = guest_alloc(big, 8);
	if (!w || !r)
		return guest_finish(3);
	pattern(w, 4096, 1);
	if (guest_blk_write(blk, 10, w, 8))
		return guest_finish(4);
	if (guest_blk_read(blk, 10, r, 8) || memcmp(w, r, 4096))
		return guest_finish(5);
	pattern(w, big, 2);
	if (guest_blk_write(blk, 100, w, BIG_SECTORS))
		return guest_finish(6);
	memset(r, 0, big);
	if (guest_blk_read(blk, 100, r, BIG_SECTORS) || memcmp(w, r, big))
		return guest_finish(7);
	if (guest_blk_flush(blk))
		return guest_finish(8);
	if (guest_blk_get_id(blk, R.id, sizeof(R.id)))
		return guest_finish(9);
	/*
	 * 5.2.6: WRITE_ZEROES inside the pattern, with and without unmap, read back as
	 * zeroes; DISCARD further on (its data is unspecified: the host side looks).
	 */
	if (!blk->has_write_zeroes || !blk->has_discard)
		return guest_finish(11);
	if (guest_blk_write_zeroes(blk, 102, 4, false) ||
	    guest_blk_write_zeroes(blk, 108, 2, true))
		return guest_finish(12);
	memset(r, 0xee, 10 * 512);
	if (guest_blk_read(blk, 100, r, 10))
		return guest_finish(13);
	if (memcmp(r, w, 2 * 512) || nonzero_at(r + 2 * 512, 4 * 512) ||
	    memcmp(r + 6 * 512, w + 6 * 512, 2 * 512) || nonzero_at(r + 8 * 512, 2 * 512))
		return guest_finish(14);
	if (guest_blk_discard(blk, 200, 8))
		return guest_finish(15);
	/* 5.2.6: a request beyond the capacity is refused, here before it is sent. */
	if (guest_blk_read(blk, blk->capacity, r, 1) != -GUEST_EIO)
		return guest_finish(10);
	record(&blk->vdev, 0);
	return guest_finish(0);
}

static int g_console(void)
{
	struct guest_console *con;
	char in[64];
	int rc = guest_start(), n = 0;
	uint64_t start;

	if (rc)
		return guest_finish(rc);
	con = guest_console_get(0);
	if (!con)
		return guest_finish(2);
	if (guest_console_write(con, CON_OUT, strlen(CON_OUT)))
		return guest_finish(3);
	/* The host wrote its line into the pipe before starting us. */
	start = guest_arch_now_us();
	while (n < (int)strlen(CON_IN) && guest_arch_now_us() - start < 5000000) {
		rc = guest_console_read(con, in + n, sizeof(in) - 1 - (size_t)n, 100000);
		if (rc < 0)
			return guest_finish(4);
		n += rc;
	}
	memcpy(R.data, in, (size_t)n);
	R.data_len = n;
	record(&con->vdev, 0);
	return guest_finish(0);
}

/* Probe, tear down and probe again on one device without disabling its subchannel. */
static int g_reprobe(void)
{
	struct guest_vdev *vdev;
	struct guest_device *dev = NULL;
	unsigned int i;
	int rc;

	guest_vccw_set_opts(&OPTS);
	if (guest_cio_init() < 0)
		return guest_finish(1);
	for (i = 0; i < guest_cio_nr_devices(); i++)
		if (guest_cio_device(i)->cu_type == GUEST_VCCW_CU_TYPE)
			dev = guest_cio_device(i);
	if (!dev)
		return guest_finish(2);
	vdev = guest_alloc(sizeof(*vdev), 8);
	for (i = 0; i < 2; i++) {
		uint8_t *b = guest_alloc(32, 8);
		struct guest_vq_seg in = { b, 32 };
		uint32_t len = 0;

		rc = guest_vccw_probe(vdev, dev, 0, 1, NULL);
		if (rc)
			return guest_finish(10 + (int)i);
		if (guest_vq_xfer(vdev->vqs[0], NULL, 0, &in, 1, &len, GUEST_VCCW_TIMEOUT_US) ||
		    len != 32)
			return guest_finish(20 + (int)i);
		record(vdev, 0);
		guest_vccw_teardown(vdev);
	}
	return guest_finish(0);
}

/* ---- Host side ---- */

static bool machine(struct gv_machine *m)
{
	M = m;
	return gv_init(m);
}

static void run_rng(unsigned int max_rev, uint64_t extra)
{
	struct gv_machine m;

	if (!machine(&m)) {
		test_fail_at(__FILE__, __LINE__, "machine");
		return;
	}
	if (gv_add_rng(&m, max_rev, extra) < 0)
		test_fail_at(__FILE__, __LINE__, "rng device");
	else
		CHECK_EQ(gv_run(&m, g_rng), 0);
	gv_fini(&m);
}

static bool nonzero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return true;
	return false;
}

TEST(test_gv_revision_2_negotiated)
{
	reset_opts();
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 2);
	CHECK_EQ(R.host_rev, 2);
	CHECK(!R.big_endian);
	CHECK(R.features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_VERSION_1));
	CHECK(nonzero(R.data, sizeof(R.data)));
}

TEST(test_gv_revision_falls_back_to_1)
{
	reset_opts();
	run_rng(1, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 1);
	CHECK_EQ(R.host_rev, 1);
	CHECK(!R.big_endian);
	CHECK(nonzero(R.data, sizeof(R.data)));
}

TEST(test_gv_revision_falls_back_to_0_legacy_big_endian)
{
	reset_opts();
	run_rng(0, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 0);
	CHECK_EQ(R.host_rev, 0);
	/* 4.3.2.1: revision 0 is the legacy interface: no VERSION_1, guest byte order. */
	CHECK(R.big_endian);
	CHECK(!(R.features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_VERSION_1)));
	CHECK(!R.packed);
	CHECK(nonzero(R.data, sizeof(R.data)));
}

TEST(test_gv_device_without_version_1_is_legacy)
{
	reset_opts();
	/* No VERSION_1 offered: the device only knows revision 0 (QEMU alike). */
	run_rng(2, 0);
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 0);
	CHECK_EQ(R.host_rev, 0);
	CHECK(R.big_endian);
}

TEST(test_gv_guest_max_revision_option)
{
	reset_opts();
	OPTS.max_rev = 1;
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 1);
	CHECK_EQ(R.host_rev, 1);
}

TEST(test_gv_adapter_indicators_used_when_accepted)
{
	reset_opts();
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(R.adapter);
	CHECK(!R.classic);
	/* 4.3.3.1.2: completions arrived as adapter interruptions. */
	CHECK(R.irqs > 0);
}

TEST(test_gv_classic_indicators_after_adapter_reject)
{
	reset_opts();
	/* ISC 8 makes the device reject SET_IND_ADAPTER: the driver falls back to SET_IND. */
	OPTS.bad_adapter_isc = true;
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(!R.adapter);
	CHECK(R.classic);
	/* 4.3.3.1.1: completions arrived as unsolicited interruptions. */
	CHECK(R.unsolicited > 0);
	CHECK(R.irqs > 0);
}

TEST(test_gv_classic_indicators_forced)
{
	reset_opts();
	OPTS.no_adapter = true;
	run_rng(1, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(!R.adapter);
	CHECK(R.classic);
	CHECK(R.irqs > 0);
}

TEST(test_gv_rng_packed_ring)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(R.packed);
	CHECK(R.features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_RING_PACKED));
	CHECK(nonzero(R.data, sizeof(R.data)));
}

TEST(test_gv_rng_packed_ring_small_queue_wraps)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	OPTS.queue_size = 3; /* packed rings need no power of 2; 4 requests wrap it */
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(R.packed);
}

TEST(test_gv_rng_split_small_queue_no_event_idx)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_SPLIT;
	OPTS.queue_size = 2;
	OPTS.no_event_idx = true;
	run_rng(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(!R.packed);
	CHECK(!(R.features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_EVENT_IDX)));
}

TEST(test_gv_packed_ring_refused_without_offer)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	{
		struct gv_machine m;

		REQUIRE(machine(&m));
		REQUIRE(gv_add_rng(&m, 2, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)) >= 0);
		/* The driver does not bind: no rng device for the program. */
		CHECK_EQ(gv_run(&m, g_rng), 2);
		gv_fini(&m);
	}
}

static void run_blk(unsigned int max_rev, uint64_t extra)
{
	struct gv_machine m;
	uint8_t *want, *got;
	size_t big = BIG_SECTORS * 512;
	int fd;

	if (!machine(&m)) {
		test_fail_at(__FILE__, __LINE__, "machine");
		return;
	}
	if (gv_add_blk(&m, max_rev, extra, BLK_SIZE) < 0) {
		test_fail_at(__FILE__, __LINE__, "blk device");
		gv_fini(&m);
		return;
	}
	CHECK_EQ(gv_run(&m, g_blk), 0);
	CHECK_EQ(R.capacity, BLK_SIZE / 512);
	CHECK(!strcmp(R.id, "gv-disk-0"));
	/* 5.2.6: the data reached the image: compare with pread on the host. */
	want = malloc(big);
	got = malloc(big);
	fd = open(m.devs[0].path, O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0 && want && got) {
		pattern(want, 4096, 1);
		CHECK_EQ(pread(fd, got, 4096, 10 * 512), 4096);
		CHECK(!memcmp(want, got, 4096));
		/* Sectors 102-105 and 108-109 zeroed by WRITE_ZEROES, the rest as written. */
		pattern(want, big, 2);
		memset(want + 2 * 512, 0, 4 * 512);
		memset(want + 8 * 512, 0, 2 * 512);
		CHECK_EQ(pread(fd, got, big, 100 * 512), (ssize_t)big);
		CHECK(!memcmp(want, got, 100 * 512));
		CHECK(!memcmp(want + 108 * 512, got + 108 * 512, big - 108 * 512));
		/* DISCARD of 200-207: the file backend punches a hole, else keeps the data. */
		CHECK(!nonzero(got + 100 * 512, 8 * 512) ||
		      !memcmp(want + 100 * 512, got + 100 * 512, 8 * 512));
		close(fd);
	}
	free(want);
	free(got);
	gv_fini(&m);
}

TEST(test_gv_blk_split_rev2)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_SPLIT;
	run_blk(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 2);
	CHECK(!R.packed);
	CHECK_EQ(R.indirect, 0); /* not offered */
}

#define INDIRECT VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC)

/*
 * 2.7.5.3 / 2.8.9: offered INDIRECT_DESC, the driver sends every request of more than
 * one segment through a table (as Linux does); the device must walk it for the data to
 * reach the image.
 */
TEST(test_gv_blk_split_indirect_rev2)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_SPLIT;
	run_blk(2, gv_default_extra() | INDIRECT);
	CHECK_EQ(R.rc, 0);
	CHECK(R.features & INDIRECT);
	CHECK(R.indirect > 10);
}

TEST(test_gv_blk_packed_indirect_rev2)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run_blk(2, gv_default_extra() | INDIRECT);
	CHECK_EQ(R.rc, 0);
	CHECK(R.packed);
	CHECK(R.indirect > 10);
}

TEST(test_gv_blk_legacy_indirect_rev0)
{
	reset_opts();
	run_blk(0, gv_default_extra() | INDIRECT);
	CHECK_EQ(R.rc, 0);
	CHECK(R.big_endian);
	CHECK(R.indirect > 10);
}

TEST(test_gv_blk_indirect_offered_but_declined)
{
	reset_opts();
	OPTS.no_indirect = true;
	run_blk(2, gv_default_extra() | INDIRECT);
	CHECK_EQ(R.rc, 0);
	CHECK(!(R.features & INDIRECT));
	CHECK_EQ(R.indirect, 0);
}

TEST(test_gv_blk_packed_rev2)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run_blk(2, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK(R.packed);
}

TEST(test_gv_blk_legacy_rev0)
{
	reset_opts();
	run_blk(0, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 0);
	CHECK(R.big_endian);
}

TEST(test_gv_blk_rev1_classic_indicators)
{
	reset_opts();
	OPTS.no_adapter = true;
	OPTS.no_event_idx = true;
	run_blk(1, gv_default_extra());
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(R.rev, 1);
	CHECK(R.classic);
}

static void run_console(unsigned int max_rev)
{
	struct gv_machine m;
	char out[128] = { 0 };
	ssize_t n;
	int fd;

	if (!machine(&m)) {
		test_fail_at(__FILE__, __LINE__, "machine");
		return;
	}
	if (gv_add_console(&m, max_rev, gv_default_extra()) < 0) {
		test_fail_at(__FILE__, __LINE__, "console device");
		gv_fini(&m);
		return;
	}
	CHECK_EQ(write(m.devs[0].con_in_w, CON_IN, strlen(CON_IN)), (ssize_t)strlen(CON_IN));
	CHECK_EQ(gv_run(&m, g_console), 0);
	/* Output: transmitq data reached the character backend's file. */
	fd = open(m.devs[0].path, O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		n = read(fd, out, sizeof(out) - 1);
		CHECK_EQ(n, (ssize_t)strlen(CON_OUT));
		CHECK(!strcmp(out, CON_OUT));
		close(fd);
	}
	/* Input: the backend's bytes arrived in pre-posted receiveq buffers. */
	CHECK_EQ(R.data_len, strlen(CON_IN));
	CHECK(!memcmp(R.data, CON_IN, strlen(CON_IN)));
	gv_fini(&m);
}

TEST(test_gv_console_both_directions_split)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_SPLIT;
	run_console(2);
	CHECK_EQ(R.rc, 0);
}

TEST(test_gv_console_both_directions_packed)
{
	reset_opts();
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run_console(2);
	CHECK_EQ(R.rc, 0);
	CHECK(R.packed);
}

TEST(test_gv_console_legacy)
{
	reset_opts();
	run_console(0);
	CHECK_EQ(R.rc, 0);
	CHECK(R.big_endian);
}

TEST(test_gv_reprobe_keeps_revision)
{
	struct gv_machine m;

	reset_opts();
	REQUIRE(machine(&m));
	REQUIRE(gv_add_rng(&m, 2, gv_default_extra()) >= 0);
	/* 4.3.2.1: a second SET_VIRTIO_REV is rejected; the driver keeps revision 2. */
	CHECK_EQ(gv_run(&m, g_reprobe), 0);
	CHECK_EQ(R.rev, 2);
	CHECK_EQ(R.host_rev, 2);
	gv_fini(&m);
}
