// SPDX-License-Identifier: MIT
/*
 * The device tests' driver side: feature and status negotiation, split rings in guest
 * memory in the layout of virtio v1.2 section 2.7 (descriptor 16 bytes: addr, len,
 * flags, next; avail: flags, idx, ring[]; used: flags, idx, ring[] of {id, len}).
 */
#include <string.h>
#include <time.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/byteorder.h"

#define QUEUE_AREA 0x4000u /* per queue: table, avail, used (legacy: used page-aligned) */
#define QUEUE_BASE 0x1000u

static void fake_notify_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	(void)idx;
}

static void fake_notify_config(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
}

static const struct vccw_virtio_transport_ops fake_transport = {
	.notify_queue = fake_notify_queue,
	.notify_config = fake_notify_config,
};

struct vccw_mem *vdrv_mem(void)
{
	return vccw_mem_new(VDRV_RAM_SIZE, NULL);
}

void vdrv_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

void vdrv_st32(const struct vdrv *d, void *p, uint32_t v)
{
	if (d->legacy)
		vccw_st_be32(p, v);
	else
		vccw_st_le32(p, v);
}

void vdrv_st64(const struct vdrv *d, void *p, uint64_t v)
{
	if (d->legacy)
		vccw_st_be64(p, v);
	else
		vccw_st_le64(p, v);
}

uint16_t vdrv_ld16(const struct vdrv *d, const void *p)
{
	return d->legacy ? vccw_ld_be16(p) : vccw_ld_le16(p);
}

uint32_t vdrv_ld32(const struct vdrv *d, const void *p)
{
	return d->legacy ? vccw_ld_be32(p) : vccw_ld_le32(p);
}

uint64_t vdrv_ld64(const struct vdrv *d, const void *p)
{
	return d->legacy ? vccw_ld_be64(p) : vccw_ld_le64(p);
}

/* Ring fields in guest memory, in the ring's byte order. */
static void w16(struct vdrv *d, uint64_t a, uint16_t v)
{
	if (d->legacy)
		vccw_mem_st_be16(d->mem, a, v);
	else
		vccw_mem_st_le16(d->mem, a, v);
}

static void w32(struct vdrv *d, uint64_t a, uint32_t v)
{
	if (d->legacy)
		vccw_mem_st_be32(d->mem, a, v);
	else
		vccw_mem_st_le32(d->mem, a, v);
}

static void w64(struct vdrv *d, uint64_t a, uint64_t v)
{
	if (d->legacy)
		vccw_mem_st_be64(d->mem, a, v);
	else
		vccw_mem_st_le64(d->mem, a, v);
}

/* The ring indices the device reads or writes concurrently (2.7.13). */
static void w16_release(struct vdrv *d, uint64_t a, uint16_t v)
{
	if (d->legacy)
		vccw_mem_st_release_be16(d->mem, a, v);
	else
		vccw_mem_st_release_le16(d->mem, a, v);
}

static uint16_t r16_acquire(struct vdrv *d, uint64_t a)
{
	uint16_t v = 0;

	if (d->legacy)
		vccw_mem_ld_acquire_be16(d->mem, a, &v);
	else
		vccw_mem_ld_acquire_le16(d->mem, a, &v);
	return v;
}

static uint32_t r32(struct vdrv *d, uint64_t a)
{
	uint32_t v = 0;

	if (d->legacy)
		vccw_mem_ld_be32(d->mem, a, &v);
	else
		vccw_mem_ld_le32(d->mem, a, &v);
	return v;
}

bool vdrv_start(struct vdrv *d, struct vccw_mem *mem, struct vccw_virtio_dev *vdev,
		uint64_t accept, unsigned int nr_queues)
{
	return vdrv_setup(d, mem, vdev, accept, nr_queues) && vdrv_driver_ok(d);
}

bool vdrv_setup(struct vdrv *d, struct vccw_mem *mem, struct vccw_virtio_dev *vdev,
		uint64_t accept, unsigned int nr_queues)
{
	uint8_t status = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;
	uint64_t offered;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->vdev = vdev;
	d->nr_queues = nr_queues;
	d->next_buf = VDRV_BUF_BASE;
	vdev->transport = &fake_transport;

	CHECK(vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE));
	CHECK(vccw_virtio_set_status(vdev, status));
	offered = vccw_virtio_read_features(vdev, 0) |
		  (uint64_t)vccw_virtio_read_features(vdev, 1) << 32;
	d->features = offered & accept;
	d->legacy = !(d->features & VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
	CHECK(vccw_virtio_write_features(vdev, 0, (uint32_t)d->features));
	CHECK(vccw_virtio_write_features(vdev, 1, (uint32_t)(d->features >> 32)));
	if (!d->legacy) {
		status |= VCCW_VIRTIO_S_FEATURES_OK;
		if (!vccw_virtio_set_status(vdev, status) ||
		    !(vccw_virtio_get_status(vdev) & VCCW_VIRTIO_S_FEATURES_OK)) {
			CHECK_MSG(false, "FEATURES_OK refused");
			return false;
		}
	}
	for (i = 0; i < nr_queues; i++) {
		struct vccw_vq_config cfg = { .size = VDRV_QSIZE };
		struct vdrv_q *q = &d->q[i];

		q->desc = QUEUE_BASE + i * QUEUE_AREA;
		if (d->legacy) {
			if (!vccw_vq_legacy_layout(q->desc, VDRV_QSIZE, VCCW_VRING_LEGACY_ALIGN,
						   &q->avail, &q->used)) {
				CHECK_MSG(false, "queue %u: no legacy layout", i);
				return false;
			}
		} else {
			q->avail = q->desc + 16 * VDRV_QSIZE;
			q->used = q->avail + 0x100;
		}
		cfg.desc = q->desc;
		cfg.driver = q->avail;
		cfg.device = q->used;
		cfg.big_endian = d->legacy;
		if (vccw_virtio_queue_setup(vdev, i, &cfg)) {
			CHECK_MSG(false, "queue %u setup refused", i);
			return false;
		}
	}
	return true;
}

bool vdrv_driver_ok(struct vdrv *d)
{
	uint8_t status = vccw_virtio_get_status(d->vdev) | VCCW_VIRTIO_S_DRIVER_OK;

	if (!vccw_virtio_set_status(d->vdev, status)) {
		CHECK_MSG(false, "DRIVER_OK refused");
		return false;
	}
	return true;
}

uint64_t vdrv_alloc(struct vdrv *d, uint32_t len)
{
	uint64_t a = d->next_buf;

	d->next_buf = (a + len + 15) & ~(uint64_t)15;
	return a;
}

void vdrv_reset_bufs(struct vdrv *d)
{
	d->next_buf = VDRV_BUF_BASE;
}

uint16_t vdrv_add(struct vdrv *d, unsigned int qi, const struct vdrv_seg *segs, unsigned int n)
{
	struct vdrv_q *q = &d->q[qi];
	uint16_t head = q->next_desc, cur, nxt;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t a;
		uint16_t flags = segs[i].write ? VCCW_VRING_DESC_F_WRITE : 0;

		cur = (uint16_t)((head + i) % VDRV_QSIZE);
		nxt = (uint16_t)((cur + 1) % VDRV_QSIZE);
		if (i + 1 < n)
			flags |= VCCW_VRING_DESC_F_NEXT;
		a = q->desc + 16u * cur;
		w64(d, a, segs[i].addr);
		w32(d, a + 8, segs[i].len);
		w16(d, a + 12, flags);
		w16(d, a + 14, i + 1 < n ? nxt : 0);
	}
	q->next_desc = (uint16_t)((head + n) % VDRV_QSIZE);
	w16(d, q->avail + 4 + 2u * (q->avail_idx % VDRV_QSIZE), head);
	/* 2.7.13: the ring entry is visible before the index that publishes it. */
	q->avail_idx++;
	w16_release(d, q->avail + 2, q->avail_idx);
	vccw_mem_mb();
	return head;
}

void vdrv_kick(struct vdrv *d, unsigned int qi)
{
	CHECK_EQ(vccw_virtio_kick(d->vdev, qi), 0);
}

bool vdrv_used_pending(struct vdrv *d, unsigned int qi)
{
	struct vdrv_q *q = &d->q[qi];

	/* The used entries are read only after the index that covers them. */
	return r16_acquire(d, q->used + 2) != q->used_seen;
}

bool vdrv_wait_used(struct vdrv *d, unsigned int qi, uint16_t *id, uint32_t *len)
{
	struct vdrv_q *q = &d->q[qi];
	unsigned int ms;
	uint64_t e;

	for (ms = 0; !vdrv_used_pending(d, qi); ms++) {
		if (ms >= 5000)
			return false;
		vdrv_sleep_ms(1);
	}
	e = q->used + 4 + 8u * (q->used_seen % VDRV_QSIZE);
	*id = (uint16_t)r32(d, e);
	*len = r32(d, e + 4);
	q->used_seen++;
	return true;
}
