// SPDX-License-Identifier: MIT
/*
 * virtio-balloon through real split virtqueues (virtio v1.2 section 5.5): inflate
 * discards the listed pages (they read back as zeros) with PFNs little-endian for
 * VERSION_1 and big-endian (guest order) for legacy drivers, PFNs outside RAM are
 * skipped, deflate is acknowledged, num_pages and actual are little-endian for every
 * driver, set_target raises a configuration change; and vccw_mem_discard() itself.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/balloon.h"
#include "vccw/byteorder.h"

#define V1 VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)
#define PAGE 4096u
#define PAGES_AT 0x200000u /* guest pages the tests balloon */

struct bfix {
	struct vccw_mem *mem;
	struct vccw_balloon *b;
	struct vdrv d;
	unsigned int config_changes;
};

static unsigned int *config_counter;

static void count_notify_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	(void)idx;
}

static void count_notify_config(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	if (config_counter)
		(*config_counter)++;
}

static const struct vccw_virtio_transport_ops counting_transport = {
	.notify_queue = count_notify_queue,
	.notify_config = count_notify_config,
};

static bool b_open(struct bfix *f, bool v1)
{
	struct vccw_balloon_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_err err = { 0 };
	struct vccw_virtio_dev *vdev;

	memset(f, 0, sizeof(*f));
	f->mem = vdrv_mem();
	CHECK_MSG(f->mem, "no guest memory");
	if (!f->mem)
		return false;
	f->b = vccw_balloon_new(f->mem, &cfg, v1 ? V1 : 0, &err);
	CHECK_MSG(f->b, "%s", err.msg);
	if (!f->b)
		return false;
	vdev = vccw_balloon_vdev(f->b);
	if (!vdrv_start(&f->d, f->mem, vdev, ~(uint64_t)0, 2))
		return false;
	pthread_mutex_lock(&vdev->lock);
	config_counter = &f->config_changes;
	vdev->transport = &counting_transport;
	pthread_mutex_unlock(&vdev->lock);
	return true;
}

static void b_close(struct bfix *f)
{
	vccw_balloon_free(f->b);
	vccw_mem_free(f->mem);
	config_counter = NULL;
}

/* Send @n PFNs on queue @qi as one buffer and wait for it to be used. */
static void send_pfns(struct bfix *f, unsigned int qi, const uint32_t *pfns, unsigned int n)
{
	struct vdrv_seg seg;
	uint8_t buf[64];
	uint32_t used = 1;
	unsigned int i;
	uint16_t id;

	REQUIRE(n * 4 <= sizeof(buf));
	/* 5.5.6: the driver writes cpu_to_virtio32(): the negotiated byte order. */
	for (i = 0; i < n; i++)
		vdrv_st32(&f->d, buf + 4 * i, pfns[i]);
	vdrv_reset_bufs(&f->d);
	seg = (struct vdrv_seg){ vdrv_alloc(&f->d, n * 4), n * 4, false };
	vccw_mem_write(f->mem, seg.addr, buf, n * 4);
	vdrv_add(&f->d, qi, &seg, 1);
	vdrv_kick(&f->d, qi);
	CHECK(vdrv_wait_used(&f->d, qi, &id, &used));
	CHECK_EQ(used, 0); /* nothing written into the buffer */
}

/* True when all bytes of the page at @gaddr equal @byte. */
static bool page_is(struct bfix *f, uint64_t gaddr, uint8_t byte)
{
	static uint8_t buf[PAGE];
	unsigned int i;

	if (vccw_mem_read(f->mem, gaddr, buf, PAGE) != VCCW_MEM_OK)
		return false;
	for (i = 0; i < PAGE; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

static void inflate_discards(bool v1)
{
	uint32_t pfns[2] = { PAGES_AT / PAGE, PAGES_AT / PAGE + 2 };
	struct bfix f;

	if (!b_open(&f, v1))
		goto out;
	CHECK_EQ(f.d.legacy, !v1);
	vccw_mem_fill(f.mem, PAGES_AT, 0xa5, 4 * PAGE);
	send_pfns(&f, VCCW_BALLOON_INFLATE_QUEUE, pfns, 2);
	/* 5.5.6.2: the device may change ballooned pages; ours read back as zeros. */
	CHECK(page_is(&f, PAGES_AT, 0));
	CHECK(page_is(&f, PAGES_AT + 2 * PAGE, 0));
	/* Pages not listed keep their contents. */
	CHECK(page_is(&f, PAGES_AT + PAGE, 0xa5));
	CHECK(page_is(&f, PAGES_AT + 3 * PAGE, 0xa5));
	CHECK_EQ(vccw_balloon_discarded(f.b), 2);
out:
	b_close(&f);
}

TEST(test_balloon_inflate_discards_pages_version_1_le_pfns)
{
	inflate_discards(true);
}

TEST(test_balloon_inflate_discards_pages_legacy_guest_order_pfns)
{
	inflate_discards(false);
}

TEST(test_balloon_inflate_pfn_straddling_descriptors)
{
	uint8_t buf[8];
	struct vdrv_seg segs[2];
	struct bfix f;
	uint32_t used;
	uint16_t id;

	if (!b_open(&f, true))
		goto out;
	vccw_mem_fill(f.mem, PAGES_AT, 0x77, 2 * PAGE);
	vccw_st_le32(buf, PAGES_AT / PAGE);
	vccw_st_le32(buf + 4, PAGES_AT / PAGE + 1);
	/* 3 + 5 bytes: the first PFN is split across two descriptors. */
	vccw_mem_write(f.mem, 0x100000, buf, 3);
	vccw_mem_write(f.mem, 0x100100, buf + 3, 5);
	segs[0] = (struct vdrv_seg){ 0x100000, 3, false };
	segs[1] = (struct vdrv_seg){ 0x100100, 5, false };
	vdrv_add(&f.d, VCCW_BALLOON_INFLATE_QUEUE, segs, 2);
	vdrv_kick(&f.d, VCCW_BALLOON_INFLATE_QUEUE);
	CHECK(vdrv_wait_used(&f.d, VCCW_BALLOON_INFLATE_QUEUE, &id, &used));
	CHECK(page_is(&f, PAGES_AT, 0));
	CHECK(page_is(&f, PAGES_AT + PAGE, 0));
out:
	b_close(&f);
}

TEST(test_balloon_inflate_pfn_outside_ram_is_skipped_not_needs_reset)
{
	uint32_t pfns[4] = { VDRV_RAM_SIZE / PAGE, 0xffffffffu, PAGES_AT / PAGE,
			     VDRV_RAM_SIZE / PAGE - 1 };
	struct bfix f;

	if (!b_open(&f, true))
		goto out;
	vccw_mem_fill(f.mem, PAGES_AT, 0x3c, PAGE);
	vccw_mem_fill(f.mem, VDRV_RAM_SIZE - PAGE, 0x3c, PAGE);
	/*
	 * 5.5.6.2 sets no requirement for PFNs that are not guest RAM; like QEMU's
	 * virtio_balloon_handle_output() the device skips them and uses the buffer.
	 */
	send_pfns(&f, VCCW_BALLOON_INFLATE_QUEUE, pfns, 4);
	CHECK(!(vccw_virtio_get_status(vccw_balloon_vdev(f.b)) & VCCW_VIRTIO_S_NEEDS_RESET));
	CHECK_EQ(f.config_changes, 0);
	CHECK(page_is(&f, PAGES_AT, 0));
	CHECK(page_is(&f, VDRV_RAM_SIZE - PAGE, 0)); /* the last page is still RAM */
	CHECK_EQ(vccw_balloon_discarded(f.b), 2);
out:
	b_close(&f);
}

TEST(test_balloon_deflate_is_acknowledged_and_pages_usable)
{
	uint32_t pfn = PAGES_AT / PAGE;
	struct bfix f;

	if (!b_open(&f, true))
		goto out;
	/* No MUST_TELL_HOST offered (5.5.3): the driver may reuse pages at once. */
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_BALLOON_F_MUST_TELL_HOST)));
	vccw_mem_fill(f.mem, PAGES_AT, 0x11, PAGE);
	send_pfns(&f, VCCW_BALLOON_INFLATE_QUEUE, &pfn, 1);
	send_pfns(&f, VCCW_BALLOON_DEFLATE_QUEUE, &pfn, 1);
	/* Deflate changes nothing; the page is ordinary memory again. */
	CHECK(page_is(&f, PAGES_AT, 0));
	vccw_mem_fill(f.mem, PAGES_AT, 0x22, PAGE);
	CHECK(page_is(&f, PAGES_AT, 0x22));
	CHECK_EQ(vccw_balloon_discarded(f.b), 1);
out:
	b_close(&f);
}

static void target_and_actual(bool v1)
{
	struct vccw_virtio_dev *vdev;
	uint8_t c[VCCW_VIRTIO_BALLOON_CFG_SIZE], w[4];
	struct bfix f;

	if (!b_open(&f, v1))
		goto out;
	vdev = vccw_balloon_vdev(f.b);
	CHECK_EQ(vccw_virtio_config_size(vdev), VCCW_VIRTIO_BALLOON_CFG_SIZE);
	vccw_balloon_set_target(f.b, 0x1234);
	/* 5.5.6: the driver learns of a new target by a configuration change. */
	CHECK_EQ(f.config_changes, 1);
	CHECK_EQ(vccw_balloon_target(f.b), 0x1234);
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, sizeof(c)));
	/* 5.5.4: little-endian even for legacy drivers. */
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BALLOON_CFG_NUM_PAGES), 0x1234);
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BALLOON_CFG_ACTUAL), 0);

	/* The driver reports actual; num_pages is not the driver's to change. */
	vccw_st_le32(c + VCCW_VIRTIO_BALLOON_CFG_NUM_PAGES, 7);
	vccw_st_le32(c + VCCW_VIRTIO_BALLOON_CFG_ACTUAL, 0x1200);
	CHECK(vccw_virtio_write_config(vdev, 0, c, sizeof(c)));
	CHECK_EQ(vccw_balloon_actual(f.b), 0x1200);
	CHECK_EQ(vccw_balloon_target(f.b), 0x1234);
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, sizeof(c)));
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BALLOON_CFG_NUM_PAGES), 0x1234);
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BALLOON_CFG_ACTUAL), 0x1200);

	/* 5.5.6.2.1: byte-wise writes count once the most significant byte is written. */
	vccw_st_le32(w, 0x00020001);
	CHECK(vccw_virtio_write_config(vdev, 4, w, 1));
	CHECK(vccw_virtio_write_config(vdev, 5, w + 1, 1));
	CHECK(vccw_virtio_write_config(vdev, 6, w + 2, 1));
	CHECK_EQ(vccw_balloon_actual(f.b), 0x1200);
	CHECK(vccw_virtio_write_config(vdev, 7, w + 3, 1));
	CHECK_EQ(vccw_balloon_actual(f.b), 0x00020001);

	/* A reset empties the balloon as the driver sees it; the target stays. */
	vccw_virtio_reset(vdev);
	CHECK_EQ(vccw_balloon_actual(f.b), 0);
	CHECK_EQ(vccw_balloon_target(f.b), 0x1234);
	/* Not running: no notification, the driver reads num_pages when it starts. */
	vccw_balloon_set_target(f.b, 5);
	CHECK_EQ(f.config_changes, 1);
out:
	b_close(&f);
}

TEST(test_balloon_set_target_raises_config_change_actual_from_driver_version_1)
{
	target_and_actual(true);
}

TEST(test_balloon_config_little_endian_for_legacy_driver)
{
	target_and_actual(false);
}

/* ---- vccw_mem_discard() ---- */

TEST(test_mem_discard_zeroes_owned_ram_bounds_and_alignment)
{
	struct vccw_mem *mem = vccw_mem_new(16 * PAGE, NULL);
	uint8_t b = 0;

	REQUIRE(mem);
	vccw_mem_fill(mem, 0, 0xcc, 16 * PAGE);
	CHECK_EQ(vccw_mem_discard(mem, 4 * PAGE, 2 * PAGE), VCCW_MEM_OK);
	vccw_mem_ld_u8(mem, 4 * PAGE, &b);
	CHECK_EQ(b, 0);
	vccw_mem_ld_u8(mem, 6 * PAGE - 1, &b);
	CHECK_EQ(b, 0);
	vccw_mem_ld_u8(mem, 6 * PAGE, &b);
	CHECK_EQ(b, 0xcc);
	vccw_mem_ld_u8(mem, 4 * PAGE - 1, &b);
	CHECK_EQ(b, 0xcc);
	/* Misaligned address or length, out of range, wrap-around: nothing happens. */
	CHECK_EQ(vccw_mem_discard(mem, 8 * PAGE + 1, PAGE), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_discard(mem, 8 * PAGE, 100), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_discard(mem, 15 * PAGE, 2 * PAGE), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_discard(mem, 16 * PAGE, PAGE), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_discard(mem, UINT64_MAX - PAGE + 1, PAGE), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_discard(mem, 8 * PAGE, UINT64_MAX - PAGE + 1), VCCW_MEM_ADDRESSING);
	vccw_mem_ld_u8(mem, 15 * PAGE, &b);
	CHECK_EQ(b, 0xcc);
	CHECK_EQ(vccw_mem_discard(mem, 16 * PAGE, 0), VCCW_MEM_OK);
	/* The whole of RAM, last page included. */
	CHECK_EQ(vccw_mem_discard(mem, 0, 16 * PAGE), VCCW_MEM_OK);
	vccw_mem_ld_u8(mem, 16 * PAGE - 1, &b);
	CHECK_EQ(b, 0);
	vccw_mem_free(mem);
}

TEST(test_mem_discard_zeroes_wrapped_ram)
{
	uint8_t *host = malloc(4 * PAGE);
	struct vccw_mem *mem;

	REQUIRE(host);
	memset(host, 0xdd, 4 * PAGE);
	mem = vccw_mem_wrap(host, 4 * PAGE, NULL);
	REQUIRE(mem);
	CHECK_EQ(vccw_mem_discard(mem, PAGE, PAGE), VCCW_MEM_OK);
	CHECK_EQ(host[PAGE], 0);
	CHECK_EQ(host[2 * PAGE - 1], 0);
	CHECK_EQ(host[PAGE - 1], 0xdd);
	CHECK_EQ(host[2 * PAGE], 0xdd);
	vccw_mem_free(mem);
	free(host);
}
