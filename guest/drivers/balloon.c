// SPDX-License-Identifier: MIT
/*
 * virtio-balloon driver (virtio v1.2 section 5.5): inflateq 0 and deflateq 1 carry
 * arrays of 32-bit page frame numbers of 4 KiB pages (5.5.6, PFN shift 12), in the
 * negotiated byte order; the configuration fields num_pages and actual are always
 * little-endian (5.5.4). Pages given to the host are not touched until they come back.
 * With STATS_VQ (5.5.6.3) queue 2 carries statistics: one buffer, filled before
 * DRIVER_OK and notified after it (5.5.5), refilled whenever the device uses it.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define INFLATEQ 0
#define DEFLATEQ 1
#define STATSQ 2
#define CFG_NUM_PAGES 0
#define CFG_ACTUAL 4

static struct guest_drv_table balloons;

unsigned int guest_balloon_count(void)
{
	return balloons.n;
}

struct guest_balloon *guest_balloon_get(unsigned int i)
{
	return guest_drv_table_get(&balloons, i);
}

int64_t guest_balloon_target(struct guest_balloon *b)
{
	uint8_t v[4];
	int rc = guest_vccw_read_config(&b->vdev, CFG_NUM_PAGES, v, 4);

	return rc ? rc : (int64_t)vccw_ld_le32(v);
}

static int update_actual(struct guest_balloon *b)
{
	uint8_t v[4];

	vccw_st_le32(v, b->nr_pages);
	return guest_vccw_write_config(&b->vdev, CFG_ACTUAL, v, 4);
}

/* Send the PFNs of pages [first, first + n) on @q. */
static int send_pfns(struct guest_balloon *b, unsigned int q, uint32_t first, uint32_t n)
{
	struct guest_vq_seg out = { b->pfns, n * 4 };
	uint32_t i;

	for (i = 0; i < n; i++)
		guest_vccw_st32(&b->vdev, b->pfns + 4 * i,
				(uint32_t)(guest_arch_addr(b->pages[first + i]) / GUEST_BALLOON_PAGE));
	return guest_vq_xfer(b->vdev.vqs[q], &out, 1, NULL, 0, NULL, GUEST_VCCW_TIMEOUT_US);
}

int guest_balloon_inflate(struct guest_balloon *b, unsigned int npages)
{
	unsigned int done = 0;
	int rc = 0;

	while (done < npages && b->nr_pages < GUEST_BALLOON_MAX_PAGES) {
		uint32_t first = b->nr_pages, n = 0;

		while (n < GUEST_BALLOON_PFNS_PER_REQ && done + n < npages &&
		       first + n < GUEST_BALLOON_MAX_PAGES) {
			void *page = guest_alloc(GUEST_BALLOON_PAGE, GUEST_BALLOON_PAGE);

			if (!page)
				break;
			b->pages[first + n++] = page;
		}
		if (!n)
			break;
		rc = send_pfns(b, INFLATEQ, first, n);
		if (rc) {
			while (n--)
				guest_free(b->pages[first + n], GUEST_BALLOON_PAGE);
			break;
		}
		b->nr_pages += n;
		done += n;
	}
	if (done && update_actual(b) && !rc)
		rc = -GUEST_EIO;
	if (!rc && done < npages)
		rc = -GUEST_ENOMEM; /* out of guest RAM, or the balloon is full / empty */
	return rc;
}

int guest_balloon_deflate(struct guest_balloon *b, unsigned int npages)
{
	unsigned int done = 0;
	int rc = 0;

	while (done < npages && b->nr_pages) {
		uint32_t n = npages - done;

		if (n > GUEST_BALLOON_PFNS_PER_REQ)
			n = GUEST_BALLOON_PFNS_PER_REQ;
		if (n > b->nr_pages)
			n = b->nr_pages;
		/* 5.5.6.1: with MUST_TELL_HOST, tell before reusing; we always tell. */
		rc = send_pfns(b, DEFLATEQ, b->nr_pages - n, n);
		if (rc)
			break;
		b->nr_pages -= n;
		for (uint32_t i = 0; i < n; i++)
			guest_free(b->pages[b->nr_pages + i], GUEST_BALLOON_PAGE);
		done += n;
	}
	if (done && update_actual(b) && !rc)
		rc = -GUEST_EIO;
	if (!rc && done < npages)
		rc = -GUEST_ENOMEM; /* out of guest RAM, or the balloon is full / empty */
	return rc;
}

void guest_balloon_get_stats(struct guest_balloon *b, uint64_t val[GUEST_BALLOON_NR_STATS])
{
	struct guest_alloc_stats st;
	uint64_t held = (uint64_t)b->nr_pages * GUEST_BALLOON_PAGE;
	unsigned int i;

	guest_alloc_get_stats(&st);
	for (i = 0; i < GUEST_BALLOON_NR_STATS; i++)
		val[i] = 0;
	/* Tags 4-6: free, total (as Linux's totalram, less the balloon), available. */
	val[4] = st.free;
	val[5] = st.total > held ? st.total - held : 0;
	val[6] = st.free;
}

/* Fill the stats buffer: every tag 0-9 each time (5.5.6.3.1: the same subset). */
static void fill_stats(struct guest_balloon *b)
{
	uint64_t val[GUEST_BALLOON_NR_STATS];
	unsigned int i;

	guest_balloon_get_stats(b, val);
	for (i = 0; i < GUEST_BALLOON_NR_STATS; i++) {
		uint8_t *e = b->stats + GUEST_BALLOON_STAT_SIZE * i;

		guest_vccw_st16(&b->vdev, e, (uint16_t)i);
		guest_vccw_st64(&b->vdev, e + 2, val[i]);
	}
}

static int add_stats(struct guest_balloon *b)
{
	struct guest_vq_seg out = { b->stats, GUEST_BALLOON_STAT_SIZE * GUEST_BALLOON_NR_STATS };

	fill_stats(b);
	return guest_vq_add(b->vdev.vqs[STATSQ], &out, 1, NULL, 0, b->stats);
}

int guest_balloon_poll(struct guest_balloon *b)
{
	struct guest_vq *vq;
	int rc;

	if (!b->has_stats)
		return 0;
	vq = b->vdev.vqs[STATSQ];
	/* 5.5.6.3: a used buffer is a request; answer with a new one at once. */
	if (!guest_vq_get_used(vq, NULL))
		return guest_vq_error(vq);
	rc = add_stats(b);
	if (rc)
		return rc;
	if (!guest_vq_kick(vq))
		return -GUEST_EIO;
	b->stats_answered++;
	return 1;
}

int guest_balloon_follow(struct guest_balloon *b)
{
	int64_t target = guest_balloon_target(b);

	if (target < 0)
		return (int)target;
	if (target > (int64_t)b->nr_pages)
		return guest_balloon_inflate(b, (unsigned int)(target - b->nr_pages));
	if (target < (int64_t)b->nr_pages)
		return guest_balloon_deflate(b, (unsigned int)(b->nr_pages - target));
	return 0;
}

static void balloon_free(struct guest_balloon *b)
{
	if (b->pages)
		guest_free(b->pages, sizeof(void *) * GUEST_BALLOON_MAX_PAGES);
	if (b->pfns)
		guest_free(b->pfns, 4 * GUEST_BALLOON_PFNS_PER_REQ);
	if (b->stats)
		guest_free(b->stats, GUEST_BALLOON_STAT_SIZE * GUEST_BALLOON_NR_STATS);
	guest_free(b, sizeof(*b));
}

static int balloon_probe(struct guest_device *dev)
{
	struct guest_balloon *b = guest_alloc(sizeof(*b), 8);
	int rc;

	if (!b)
		return -GUEST_ENOMEM;
	b->pages = guest_alloc(sizeof(void *) * GUEST_BALLOON_MAX_PAGES, 8);
	b->pfns = guest_alloc(4 * GUEST_BALLOON_PFNS_PER_REQ, 8);
	b->stats = guest_alloc(GUEST_BALLOON_STAT_SIZE * GUEST_BALLOON_NR_STATS, 8);
	rc = -GUEST_ENOMEM;
	if (!b->pages || !b->pfns || !b->stats)
		goto err_free;
	rc = guest_vccw_init(&b->vdev, dev,
			     GUEST_VIRTIO_BIT(GUEST_BALLOON_F_MUST_TELL_HOST) |
				     GUEST_VIRTIO_BIT(GUEST_BALLOON_F_STATS_VQ));
	if (rc)
		goto err_free;
	b->has_stats = guest_vccw_has_feature(&b->vdev, GUEST_BALLOON_F_STATS_VQ);
	rc = guest_vccw_setup_vqs(&b->vdev, b->has_stats ? 3 : 2, NULL);
	if (rc)
		goto err_teardown;
	/* 5.5.5: one stats buffer before DRIVER_OK (filled, as Linux does), notified after. */
	if (b->has_stats) {
		rc = add_stats(b);
		if (rc)
			goto err_teardown;
	}
	rc = guest_vccw_driver_ok(&b->vdev);
	if (rc)
		goto err_teardown;
	rc = -GUEST_EIO;
	if (b->has_stats && !guest_vq_kick(b->vdev.vqs[STATSQ]))
		goto err_teardown;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&balloons, b))
		goto err_teardown;
	b->vdev.priv = b;
	dev->drvdata = b;
	return 0;

err_teardown:
	guest_vccw_teardown(&b->vdev);
err_free:
	balloon_free(b);
	return rc;
}

static void balloon_remove(struct guest_device *dev)
{
	struct guest_balloon *b = dev->drvdata;

	if (!b)
		return;
	guest_drv_table_del(&balloons, b);
	guest_vccw_teardown(&b->vdev);
	/* After the reset the host holds nothing: the pages are ours again. */
	while (b->nr_pages)
		guest_free(b->pages[--b->nr_pages], GUEST_BALLOON_PAGE);
	balloon_free(b);
	dev->drvdata = NULL;
}

static const struct guest_cio_driver balloon_driver = {
	.name = "virtio-balloon",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_BALLOON,
	.probe = balloon_probe,
	.remove = balloon_remove,
	.unsolicited = guest_vccw_unsolicited,
};

/* cio reset hook: devices bound by an earlier program went with its heap. */
static void forget_devices(void)
{
	balloons.n = 0;
}

void guest_balloon_register(void)
{
	guest_cio_add_reset_hook(forget_devices);
	guest_cio_register_driver(&balloon_driver);
}
