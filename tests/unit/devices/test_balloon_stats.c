// SPDX-License-Identifier: MIT
/*
 * virtio-balloon's statistics queue (VIRTIO_BALLOON_F_STATS_VQ, virtio v1.2 section
 * 5.5.6.3): the device holds the driver's buffer and uses it to ask for fresh values,
 * parses 10-byte entries of tags 0-9 in the negotiated byte order, ignores unknown tags
 * and a trailing partial entry, forgets tags no longer supplied, ignores the first
 * buffer of a legacy driver, gives back an extra buffer, and asks on its own every
 * polling interval (QEMU's guest-stats-polling-interval).
 */
#include <string.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/balloon.h"
#include "vccw/byteorder.h"

#define V1 VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)
#define STATS VCCW_BIT(VCCW_VIRTIO_BALLOON_F_STATS_VQ)
#define SQ VCCW_BALLOON_STATS_QUEUE

struct sfix {
	struct vccw_mem *mem;
	struct vccw_balloon *b;
	struct vdrv d;
};

static bool s_open(struct sfix *f, uint64_t accept)
{
	struct vccw_balloon_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_err err = { 0 };

	memset(f, 0, sizeof(*f));
	f->mem = vdrv_mem();
	if (!f->mem)
		return false;
	f->b = vccw_balloon_new(f->mem, &cfg, V1, &err);
	CHECK_MSG(f->b, "%s", err.msg);
	if (!f->b)
		return false;
	return vdrv_start(&f->d, f->mem, vccw_balloon_vdev(f->b), accept, 3);
}

static void s_close(struct sfix *f)
{
	vccw_balloon_free(f->b);
	vccw_mem_free(f->mem);
}

/* Put one stats buffer of @n entries (@tags, @vals) plus @extra stray bytes on the
 * stats queue, split over two descriptors in the middle of an entry, and kick. */
static void give_stats(struct sfix *f, const uint16_t *tags, const uint64_t *vals,
		       unsigned int n, unsigned int extra)
{
	uint8_t buf[16 * VCCW_VIRTIO_BALLOON_STAT_SIZE] = { 0 };
	uint32_t len = n * VCCW_VIRTIO_BALLOON_STAT_SIZE + extra;
	struct vdrv_seg seg[2];
	uint64_t a;
	unsigned int i;

	REQUIRE(len <= sizeof(buf));
	for (i = 0; i < n; i++) {
		uint8_t *e = buf + i * VCCW_VIRTIO_BALLOON_STAT_SIZE;

		/* 5.5.6.3 (Legacy Interface): guest order, big-endian on s390. */
		if (f->d.legacy)
			vccw_st_be16(e, tags[i]);
		else
			vccw_st_le16(e, tags[i]);
		vdrv_st64(&f->d, e + 2, vals[i]);
	}
	a = vdrv_alloc(&f->d, len);
	vccw_mem_write(f->mem, a, buf, len);
	seg[0] = (struct vdrv_seg){ a, len > 13 ? 13 : len, false };
	seg[1] = (struct vdrv_seg){ a + seg[0].len, len - seg[0].len, false };
	vdrv_add(&f->d, SQ, seg, seg[1].len ? 2 : 1);
	vdrv_kick(&f->d, SQ);
}

/* Wait until the device parsed @n buffers in all. */
static bool wait_updates(struct sfix *f, uint64_t n, struct vccw_balloon_stats *st)
{
	unsigned int ms;

	for (ms = 0; ms < 5000; ms++) {
		vccw_balloon_get_stats(f->b, st);
		if (st->updates >= n)
			return st->updates == n;
		vdrv_sleep_ms(1);
	}
	return false;
}

/* Wait until the device holds a buffer, and ask: true when the request went out. */
static bool request_when_held(struct sfix *f)
{
	unsigned int ms;

	for (ms = 0; ms < 5000; ms++) {
		if (vccw_balloon_request_stats(f->b))
			return true;
		vdrv_sleep_ms(1);
	}
	return false;
}

static const uint16_t all_tags[] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 42 };
static const uint64_t all_vals[] = {
	0x909, 0x808, 0x707, UINT64_C(6) << 40, UINT64_C(5) << 33, UINT64_C(0x0123456789abcdef),
	0x303, 0x202, 0x101, 7, 0xdead,
};

static void check_all(const struct vccw_balloon_stats *st)
{
	unsigned int i;

	/* Tags 0-9 by value, in any order (5.5.6.3.2); tag 42 ignored. */
	for (i = 0; i < 10; i++)
		CHECK_EQ(st->val[all_tags[i]], all_vals[i]);
	CHECK(st->last_update > 0);
}

static void stats_parsed(bool v1)
{
	struct vccw_balloon_stats st;
	uint16_t head;
	uint32_t used;
	struct sfix f;
	unsigned int i;

	if (!s_open(&f, STATS | (v1 ? V1 : 0)))
		goto out;
	if (!v1) {
		/* The first legacy buffer: kept, values ignored. */
		give_stats(&f, all_tags, all_vals, 11, 0);
		REQUIRE(request_when_held(&f));
		REQUIRE(vdrv_wait_used(&f.d, SQ, &head, &used));
		CHECK_EQ(used, 0);
		vccw_balloon_get_stats(f.b, &st);
		CHECK_EQ(st.updates, 0);
		for (i = 0; i < VCCW_VIRTIO_BALLOON_S_NR; i++)
			CHECK_EQ(st.val[i], VCCW_BALLOON_STAT_NONE);
	}
	/* Eleven entries (one unknown tag) and a trailing partial entry of 4 bytes. */
	give_stats(&f, all_tags, all_vals, 11, 4);
	REQUIRE(wait_updates(&f, 1, &st));
	check_all(&st);
	/* The device keeps the buffer until it asks: nothing used yet. */
	CHECK(!vdrv_used_pending(&f.d, SQ));
	CHECK(vccw_balloon_request_stats(f.b));
	REQUIRE(vdrv_wait_used(&f.d, SQ, &head, &used));
	CHECK_EQ(used, 0);
	/* Holding nothing now: a second request cannot go out. */
	CHECK(!vccw_balloon_request_stats(f.b));
	/* A subset: the tags left out read as unset again. */
	give_stats(&f, all_tags + 4, all_vals + 4, 2, 0);
	REQUIRE(wait_updates(&f, 2, &st));
	CHECK_EQ(st.val[5], all_vals[4]);
	CHECK_EQ(st.val[4], all_vals[5]);
	CHECK_EQ(st.val[0], VCCW_BALLOON_STAT_NONE);
	CHECK_EQ(st.val[9], VCCW_BALLOON_STAT_NONE);
out:
	s_close(&f);
}

TEST(test_balloon_stats_parsed_version_1_le)
{
	stats_parsed(true);
}

TEST(test_balloon_stats_parsed_legacy_guest_order_first_buffer_ignored)
{
	stats_parsed(false);
}

TEST(test_balloon_stats_vq_offered_queue_2_only)
{
	struct vccw_virtio_dev *vdev;
	struct sfix f;

	if (!s_open(&f, STATS | V1))
		goto out;
	vdev = vccw_balloon_vdev(f.b);
	CHECK(f.d.features & STATS);
	CHECK(vccw_virtio_queue_max(vdev, SQ) > 0);
	CHECK_EQ(vccw_virtio_queue_max(vdev, SQ + 1), 0);
out:
	s_close(&f);
}

TEST(test_balloon_stats_ignored_without_stats_vq_negotiated)
{
	struct vccw_balloon_stats st;
	struct sfix f;

	if (!s_open(&f, V1))
		goto out;
	give_stats(&f, all_tags, all_vals, 11, 0);
	vdrv_sleep_ms(20); /* time for a wrong parse to happen */
	CHECK(!vccw_balloon_request_stats(f.b));
	vccw_balloon_get_stats(f.b, &st);
	CHECK_EQ(st.updates, 0);
out:
	s_close(&f);
}

TEST(test_balloon_stats_second_buffer_gives_first_back)
{
	struct vccw_balloon_stats st;
	uint16_t head, first;
	uint32_t used;
	struct sfix f;

	if (!s_open(&f, STATS | V1))
		goto out;
	first = f.d.q[SQ].next_desc;
	give_stats(&f, all_tags, all_vals, 11, 0);
	REQUIRE(wait_updates(&f, 1, &st));
	/* 5.5.6.3.1 broken: a second buffer while the device holds one. */
	give_stats(&f, all_tags + 4, all_vals + 4, 1, 0);
	REQUIRE(vdrv_wait_used(&f.d, SQ, &head, &used));
	CHECK_EQ(head, first);
	CHECK_EQ(used, 0);
	REQUIRE(wait_updates(&f, 2, &st));
	CHECK_EQ(st.val[5], all_vals[4]);
	CHECK(!(vccw_virtio_get_status(vccw_balloon_vdev(f.b)) & VCCW_VIRTIO_S_NEEDS_RESET));
out:
	s_close(&f);
}

TEST(test_balloon_stats_polling_interval_asks_by_itself)
{
	struct vccw_balloon_stats st;
	uint16_t head;
	uint32_t used;
	struct sfix f;

	if (!s_open(&f, STATS | V1))
		goto out;
	CHECK_EQ(vccw_balloon_stats_interval(f.b), 0);
	give_stats(&f, all_tags, all_vals, 11, 0);
	REQUIRE(wait_updates(&f, 1, &st));
	REQUIRE(vccw_balloon_set_stats_interval(f.b, 1) == 0);
	CHECK_EQ(vccw_balloon_stats_interval(f.b), 1);
	/* The timer fires after a second: the held buffer comes back used, unasked. */
	REQUIRE(vdrv_wait_used(&f.d, SQ, &head, &used));
	CHECK_EQ(used, 0);
	CHECK_EQ(vccw_balloon_set_stats_interval(f.b, 0), 0);
	CHECK_EQ(vccw_balloon_stats_interval(f.b), 0);
out:
	s_close(&f);
}

TEST(test_balloon_stats_reset_drops_held_buffer_keeps_values)
{
	struct vccw_balloon_stats st;
	struct sfix f;

	if (!s_open(&f, STATS | V1))
		goto out;
	give_stats(&f, all_tags, all_vals, 11, 0);
	REQUIRE(wait_updates(&f, 1, &st));
	vccw_virtio_reset(vccw_balloon_vdev(f.b));
	CHECK(!vccw_balloon_request_stats(f.b));
	vccw_balloon_get_stats(f.b, &st);
	check_all(&st);
out:
	s_close(&f);
}

TEST(test_balloon_stats_buffer_notified_before_driver_ok_is_taken)
{
	struct vccw_balloon_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_balloon_stats st;
	struct vccw_err err = { 0 };
	struct sfix f;

	/* Linux 6.1 notifies the stats queue before DRIVER_OK (its init_vqs()). */
	memset(&f, 0, sizeof(f));
	f.mem = vdrv_mem();
	REQUIRE(f.mem);
	f.b = vccw_balloon_new(f.mem, &cfg, V1, &err);
	REQUIRE(f.b);
	if (!vdrv_setup(&f.d, f.mem, vccw_balloon_vdev(f.b), STATS | V1, 3))
		goto out;
	give_stats(&f, all_tags, all_vals, 11, 0);
	vdrv_sleep_ms(20); /* the notification is not served before DRIVER_OK (3.1.1) */
	vccw_balloon_get_stats(f.b, &st);
	CHECK_EQ(st.updates, 0);
	REQUIRE(vdrv_driver_ok(&f.d));
	REQUIRE(wait_updates(&f, 1, &st));
	check_all(&st);
out:
	s_close(&f);
}
