/* SPDX-License-Identifier: MIT */
/*
 * Virtqueues, device side: split and packed layouts, in the legacy byte order (guest
 * order: big-endian on s390) or the VERSION_1 order (little-endian), indirect
 * descriptors, event index and event suppression. virtio specification v1.2 sections
 * 2.7 "Split Virtqueues" and 2.8 "Packed Virtqueues"; the legacy layout of section 2.7
 * with 4096 alignment as virtio-ccw revision 0 uses it.
 *
 * Every chain the driver builds is validated before a device sees it: loops, chains
 * longer than the queue, indirect tables inside indirect tables, addresses outside guest
 * RAM, device-writable before device-readable descriptors, lengths that overflow. A bad
 * chain makes vccw_vq_pop() return -EIO and leaves guest memory untouched; the caller
 * (virtio core) then sets NEEDS_RESET. Buffers reach devices as host iovecs into guest
 * RAM: no copies on the data path.
 *
 * Context: a virtqueue is used by one thread at a time (its device's I/O thread, under
 * the device lock); nothing here locks.
 */
#ifndef VCCW_VIRTQUEUE_H
#define VCCW_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vccw/mem.h"
#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VCCW_VQ_MAX_SIZE 1024
/* Segments one element may carry (a chain is never longer than the queue). */
#define VCCW_VQ_MAX_SEGS VCCW_VQ_MAX_SIZE

/* Descriptor flags (split and packed). */
#define VCCW_VRING_DESC_F_NEXT 1
#define VCCW_VRING_DESC_F_WRITE 2
#define VCCW_VRING_DESC_F_INDIRECT 4
#define VCCW_VRING_PACKED_DESC_F_AVAIL (1u << 7)
#define VCCW_VRING_PACKED_DESC_F_USED (1u << 15)
/* Split ring flags. */
#define VCCW_VRING_AVAIL_F_NO_INTERRUPT 1
#define VCCW_VRING_USED_F_NO_NOTIFY 1
/* Packed event suppression flags. */
#define VCCW_VRING_PACKED_EVENT_FLAG_ENABLE 0x0
#define VCCW_VRING_PACKED_EVENT_FLAG_DISABLE 0x1
#define VCCW_VRING_PACKED_EVENT_FLAG_DESC 0x2

/* Legacy (virtio-ccw revision 0) ring alignment. */
#define VCCW_VRING_LEGACY_ALIGN 4096

struct vccw_vq;

/* Where a queue lives and how it is laid out, as the transport learned it. */
struct vccw_vq_config {
	uint16_t size;   /* number of descriptors, 1..VCCW_VQ_MAX_SIZE (split: power of 2) */
	bool packed;     /* VIRTIO_F_RING_PACKED negotiated */
	bool big_endian; /* legacy queue on s390: guest byte order; else little-endian */
	bool event_idx;  /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;   /* VIRTIO_F_INDIRECT_DESC negotiated */
	uint64_t desc;   /* descriptor table / packed descriptor ring */
	uint64_t driver; /* split: available ring; packed: driver event suppression */
	uint64_t device; /* split: used ring; packed: device event suppression */
};

/*
 * Compute the legacy layout (avail right after the descriptor table, used at the next
 * @align boundary) for a queue of @size at @desc. Returns false on overflow.
 */
bool vccw_vq_legacy_layout(uint64_t desc, uint16_t size, uint32_t align, uint64_t *driver,
			   uint64_t *device);

/*
 * One buffer taken from a queue: a head id plus the device-readable ("out") segments
 * followed by the device-writable ("in") segments, as host iovecs into guest RAM.
 * The iovecs are borrowed from guest memory until the element is pushed back.
 */
struct vccw_vq_elem {
	uint16_t id;        /* split: head index; packed: buffer id */
	uint16_t ndescs;    /* descriptors used in the ring (packed: to advance) */
	unsigned int out_num;
	unsigned int in_num;
	uint64_t out_len;   /* total bytes readable */
	uint64_t in_len;    /* total bytes writable */
	struct iovec *out;  /* = iov */
	struct iovec *in;   /* = iov + out_num */
	struct iovec iov[VCCW_VQ_MAX_SEGS];
	/* Guest addresses of the segments, for devices that need them (balloon). */
	uint64_t addr[VCCW_VQ_MAX_SEGS];
};

/*
 * Create a virtqueue over @mem. Returns a new object owned by the caller, or NULL with
 * @err filled. A new queue is not set up (vccw_vq_ready() is false).
 */
struct vccw_vq *vccw_vq_new(struct vccw_mem *mem, struct vccw_err *err);
void vccw_vq_free(struct vccw_vq *vq);

/*
 * Set up (or with @cfg NULL, tear down) the queue. Returns 0, or -EINVAL when the size
 * or an address is not acceptable (not a power of two for split rings, above
 * VCCW_VQ_MAX_SIZE, misaligned per the spec's alignment rules, or outside guest RAM).
 */
int vccw_vq_setup(struct vccw_vq *vq, const struct vccw_vq_config *cfg);
/* Forget the rings and indices (device reset). */
void vccw_vq_reset(struct vccw_vq *vq);
bool vccw_vq_ready(const struct vccw_vq *vq);
uint16_t vccw_vq_size(const struct vccw_vq *vq);

/*
 * Take the next available buffer. Returns 1 with @elem filled, 0 when the queue is
 * empty (or not set up), -EIO when the driver broke the ring or a chain (the queue is
 * then marked broken and keeps returning -EIO until reset).
 */
int vccw_vq_pop(struct vccw_vq *vq, struct vccw_vq_elem *elem);

/* Return @elem to the driver with @len bytes written into its "in" segments. */
void vccw_vq_push(struct vccw_vq *vq, const struct vccw_vq_elem *elem, uint32_t len);

/* A used entry to publish: what vccw_vq_push() takes from an element, kept apart. */
struct vccw_vq_used {
	uint16_t id;     /* elem->id */
	uint16_t ndescs; /* elem->ndescs */
	uint32_t len;    /* bytes written into the element's "in" segments */
	bool has_in;     /* elem->in_num != 0 (packed: the used descriptor's WRITE flag) */
};

/*
 * Return @n elements, in this order, and make them visible to the driver together: the
 * driver cannot see the first before the last is in place (split: one used index
 * update; packed: the first descriptor's flags are written last). For a receive packet
 * spread over several buffers (virtio-net MRG_RXBUF, 5.1.6.4).
 */
void vccw_vq_push_many(struct vccw_vq *vq, const struct vccw_vq_used *used, unsigned int n);

/*
 * Give back the most recently popped element, not yet pushed, which took @ndescs ring
 * descriptors (elem->ndescs): the next pop returns it again. Elements are given back
 * newest first. Guest memory is not touched.
 */
void vccw_vq_unpop(struct vccw_vq *vq, uint16_t ndescs);

/*
 * After one or more pushes: whether the driver wants a used-buffer notification
 * (split: NO_INTERRUPT flag or used_event; packed: device event suppression).
 * Returns true also when the rings cannot be read (a notification is harmless).
 */
bool vccw_vq_should_notify(struct vccw_vq *vq);

/*
 * Tell the driver whether the device wants available-buffer notifications (split:
 * USED_F_NO_NOTIFY or avail_event; packed: driver event suppression read side).
 */
void vccw_vq_set_notification(struct vccw_vq *vq, bool enable);

/* True when vccw_vq_pop() would find a buffer. */
bool vccw_vq_has_work(struct vccw_vq *vq);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_VIRTQUEUE_H */
