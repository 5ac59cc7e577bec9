// SPDX-License-Identifier: MIT
/*
 * virtio-balloon driver (virtio v1.2 section 5.5): inflateq 0 and deflateq 1 carry
 * arrays of 32-bit page frame numbers of 4 KiB pages (5.5.6, PFN shift 12), in the
 * negotiated byte order; the configuration fields num_pages and actual are always
 * little-endian (5.5.4). Pages given to the host are not touched until they come back.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define INFLATEQ 0
#define DEFLATEQ 1
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

static void balloon_free(struct guest_balloon *b)
{
	if (b->pages)
		guest_free(b->pages, sizeof(void *) * GUEST_BALLOON_MAX_PAGES);
	if (b->pfns)
		guest_free(b->pfns, 4 * GUEST_BALLOON_PFNS_PER_REQ);
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
	rc = -GUEST_ENOMEM;
	if (!b->pages || !b->pfns)
		goto err_free;
	rc = guest_vccw_probe(&b->vdev, dev, GUEST_VIRTIO_BIT(GUEST_BALLOON_F_MUST_TELL_HOST), 2,
			      NULL);
	if (rc)
		goto err_free;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&balloons, b)) {
		guest_vccw_teardown(&b->vdev);
		goto err_free;
	}
	b->vdev.priv = b;
	dev->drvdata = b;
	return 0;

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
