/* SPDX-License-Identifier: MIT */
/*
 * virtio-balloon, the traditional memory balloon (device ID 5): queue 0 is inflateq,
 * queue 1 deflateq. The host sets a target (num_pages, in 4 KiB pages) and raises a
 * configuration change; the driver answers by giving pages to the balloon through
 * inflateq and reports the balloon's size in actual. virtio specification v1.2
 * section 5.5.
 *
 * Inflate: each buffer is an array of 32-bit page frame numbers (guest address / 4096,
 * 5.5.6), little-endian with VERSION_1 and in guest byte order (big-endian on s390)
 * for legacy drivers, as Linux writes them (cpu_to_virtio32) and QEMU reads them
 * (virtio_ldl_p). Each page is released to the host with vccw_mem_discard() and reads
 * back as zeros, which 5.5.6.2 allows ("the device MAY modify the contents of a page in
 * the balloon"). A PFN outside guest RAM is skipped: the spec gives the device no
 * requirement for it, the balloon is advisory, and QEMU's
 * virtio_balloon_handle_output() skips such PFNs too; the buffer is still used.
 *
 * Deflate: no feature bits are offered, so not VIRTIO_BALLOON_F_MUST_TELL_HOST and the
 * driver may reuse pages before telling the device (5.5.6); a discarded page comes
 * back zero-filled on first touch, so deflateq buffers are simply used.
 *
 * Configuration space: num_pages and actual are little-endian for every driver, legacy
 * included (5.5.4, Legacy Interface). num_pages is the host's; the driver writes
 * actual, which takes effect when its last (most significant) byte is written, as
 * 5.5.6.2.1 (Legacy Interface: Device Operation) recommends. Not offered: STATS_VQ,
 * DEFLATE_ON_OOM, FREE_PAGE_HINT, PAGE_POISON, PAGE_REPORTING.
 */
#ifndef VCCW_BALLOON_H
#define VCCW_BALLOON_H

#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

/* Feature bits (spec 5.5.3), for reference: none is offered. */
#define VCCW_VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VCCW_VIRTIO_BALLOON_F_STATS_VQ 1
#define VCCW_VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2

/* Configuration space offsets (struct virtio_balloon_config, spec 5.5.4). */
#define VCCW_VIRTIO_BALLOON_CFG_NUM_PAGES 0
#define VCCW_VIRTIO_BALLOON_CFG_ACTUAL 4
#define VCCW_VIRTIO_BALLOON_CFG_SIZE 8

/* The balloon's page: 4 KiB whatever the guest's page size (5.5.6, footnote). */
#define VCCW_BALLOON_PFN_SHIFT 12

#define VCCW_BALLOON_INFLATE_QUEUE 0
#define VCCW_BALLOON_DEFLATE_QUEUE 1

struct vccw_balloon_config {
	uint16_t queue_size; /* maximum queue size; 0: 128. A power of 2 up to 1024. */
};

struct vccw_balloon;

/*
 * Create a balloon over @mem (whose pages inflation discards); @cfg may be NULL.
 * @extra_features: as for vccw_virtio_dev_init(). The target starts at 0 pages.
 * Returns: a new device owned by the caller, or NULL with @err filled.
 */
struct vccw_balloon *vccw_balloon_new(struct vccw_mem *mem, const struct vccw_balloon_config *cfg,
				      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_balloon_free(). */
struct vccw_virtio_dev *vccw_balloon_vdev(struct vccw_balloon *b);
/*
 * Ask the driver for a balloon of @pages 4 KiB pages: sets num_pages and raises a
 * configuration change when the driver is running (DRIVER_OK; otherwise the driver
 * reads num_pages when it starts). The driver, not the host, decides when to comply.
 * Context: any thread; takes the device lock.
 */
void vccw_balloon_set_target(struct vccw_balloon *b, uint32_t pages);
/* The target last set (num_pages). Context: any thread; takes the device lock. */
uint32_t vccw_balloon_target(struct vccw_balloon *b);
/*
 * The balloon's size in pages as the driver last reported it (actual); 0 after a
 * device reset. Context: any thread; takes the device lock.
 */
uint32_t vccw_balloon_actual(struct vccw_balloon *b);
/* Pages discarded by inflate requests since creation (PFNs outside RAM not counted). */
uint64_t vccw_balloon_discarded(struct vccw_balloon *b);
/* Stop the device and free it. NULL is a no-op. */
void vccw_balloon_free(struct vccw_balloon *b);

#endif /* VCCW_BALLOON_H */
