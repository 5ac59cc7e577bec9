/* SPDX-License-Identifier: MIT */
/*
 * A tiny virtio driver for the device tests: it plays transport and driver at once,
 * negotiating features and status through the virtio core (virtio v1.2 section 3.1),
 * laying split rings out in guest memory (2.7: VERSION_1 little-endian, or the legacy
 * layout in big-endian), adding descriptor chains, kicking, and polling the used ring
 * with a timeout.
 */
#ifndef VCCW_TEST_VDRV_H
#define VCCW_TEST_VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/virtio.h"

#define VDRV_RAM_SIZE (4u << 20)
#define VDRV_QSIZE 16
#define VDRV_MAX_QUEUES 8
#define VDRV_BUF_BASE 0x100000u /* per-request buffers start here */

struct vdrv_q {
	uint64_t desc, avail, used;
	uint16_t avail_idx; /* next avail idx to publish */
	uint16_t used_seen; /* used entries consumed */
	uint16_t next_desc; /* next free descriptor */
};

struct vdrv {
	struct vccw_mem *mem;
	struct vccw_virtio_dev *vdev;
	bool legacy;
	uint64_t features; /* accepted */
	unsigned int nr_queues;
	struct vdrv_q q[VDRV_MAX_QUEUES];
	uint64_t next_buf;
};

struct vdrv_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/* A fresh guest memory for a test (VDRV_RAM_SIZE bytes). */
struct vccw_mem *vdrv_mem(void);

/*
 * Drive @vdev to DRIVER_OK: accept the offered features that are in @accept (legacy:
 * without VERSION_1, no FEATURES_OK step), set up @nr_queues queues of VDRV_QSIZE.
 * Returns false (after reporting a failure) when any step is refused.
 */
bool vdrv_start(struct vdrv *d, struct vccw_mem *mem, struct vccw_virtio_dev *vdev,
		uint64_t accept, unsigned int nr_queues);

/* vdrv_start() in two steps: everything up to DRIVER_OK, then DRIVER_OK. */
bool vdrv_setup(struct vdrv *d, struct vccw_mem *mem, struct vccw_virtio_dev *vdev,
		uint64_t accept, unsigned int nr_queues);
bool vdrv_driver_ok(struct vdrv *d);

/* Guest buffer of @len bytes (16-aligned), valid until vdrv_reset_bufs(). */
uint64_t vdrv_alloc(struct vdrv *d, uint32_t len);
void vdrv_reset_bufs(struct vdrv *d);

/* Add a chain of @n segments to queue @qi and publish it. Returns the head. */
uint16_t vdrv_add(struct vdrv *d, unsigned int qi, const struct vdrv_seg *segs, unsigned int n);
void vdrv_kick(struct vdrv *d, unsigned int qi);
/*
 * Wait (polling, 5 s at most) for the next used entry of queue @qi. Returns true with
 * *@id and *@len filled.
 */
bool vdrv_wait_used(struct vdrv *d, unsigned int qi, uint16_t *id, uint32_t *len);
/* True when a used entry is pending on @qi without waiting. */
bool vdrv_used_pending(struct vdrv *d, unsigned int qi);

/* Fields in the negotiated byte order (request headers). */
void vdrv_st32(const struct vdrv *d, void *p, uint32_t v);
void vdrv_st64(const struct vdrv *d, void *p, uint64_t v);
uint16_t vdrv_ld16(const struct vdrv *d, const void *p);
uint32_t vdrv_ld32(const struct vdrv *d, const void *p);
uint64_t vdrv_ld64(const struct vdrv *d, const void *p);

/* Sleep about @ms milliseconds (for polls; never a timing assertion). */
void vdrv_sleep_ms(unsigned int ms);

#endif /* VCCW_TEST_VDRV_H */
