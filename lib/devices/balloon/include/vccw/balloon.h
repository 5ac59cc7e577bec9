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
 * 5.5.6.2.1 (Legacy Interface: Device Operation) recommends.
 *
 * Statistics (VIRTIO_BALLOON_F_STATS_VQ, offered as QEMU always does; queue 2, 5.5.6.3):
 * the device keeps the buffer the driver made available and uses it (length 0) to ask
 * for fresh statistics; the driver answers with a new buffer of 10-byte entries (le16
 * tag, le64 value; legacy drivers: guest byte order), which the device parses and keeps
 * in turn. Tags 0-9 (5.5.6.4) are recorded, others ignored as 5.5.6.3.2 requires; a tag
 * the driver did not supply reads as VCCW_BALLOON_STAT_NONE (QEMU's -1). As QEMU, a
 * request goes out every guest-stats-polling-interval seconds when that is set
 * (vccw_balloon_set_stats_interval()); vccw_balloon_request_stats() asks at once. The
 * first buffer after a reset of a legacy driver is kept but its values are ignored
 * (5.5.6.3, Legacy Interface: drivers used to supply it uninitialised). A second
 * buffer made available while the device holds one (5.5.6.3.1: at most one) makes the
 * device give the older one back used, as QEMU does.
 *
 * Not offered: DEFLATE_ON_OOM, FREE_PAGE_HINT, PAGE_POISON, PAGE_REPORTING.
 */
#ifndef VCCW_BALLOON_H
#define VCCW_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feature bits (spec 5.5.3): STATS_VQ is offered. */
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
#define VCCW_BALLOON_STATS_QUEUE 2

/* Statistics tags (struct virtio_balloon_stat, spec 5.5.6.4). */
#define VCCW_VIRTIO_BALLOON_S_SWAP_IN 0
#define VCCW_VIRTIO_BALLOON_S_SWAP_OUT 1
#define VCCW_VIRTIO_BALLOON_S_MAJFLT 2
#define VCCW_VIRTIO_BALLOON_S_MINFLT 3
#define VCCW_VIRTIO_BALLOON_S_MEMFREE 4
#define VCCW_VIRTIO_BALLOON_S_MEMTOT 5
#define VCCW_VIRTIO_BALLOON_S_AVAIL 6
#define VCCW_VIRTIO_BALLOON_S_CACHES 7
#define VCCW_VIRTIO_BALLOON_S_HTLB_PGALLOC 8
#define VCCW_VIRTIO_BALLOON_S_HTLB_PGFAIL 9
#define VCCW_VIRTIO_BALLOON_S_NR 10
/* One entry: le16 tag, le64 value, packed. */
#define VCCW_VIRTIO_BALLOON_STAT_SIZE 10
/* A statistic the driver did not supply. */
#define VCCW_BALLOON_STAT_NONE UINT64_MAX

struct vccw_balloon_stats {
	uint64_t val[VCCW_VIRTIO_BALLOON_S_NR]; /* by tag; VCCW_BALLOON_STAT_NONE: unset */
	int64_t last_update; /* wall-clock seconds of the last buffer parsed; 0: never */
	uint64_t updates;    /* buffers parsed since creation */
};

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
/*
 * Ask the driver for fresh statistics now: use the stats buffer the device holds.
 * Returns: true when a request went out, false when the device holds no buffer (the
 * driver did not negotiate STATS_VQ, is not running, or has not answered yet).
 * Context: any thread but the device's I/O thread; takes the device lock.
 */
bool vccw_balloon_request_stats(struct vccw_balloon *b);
/*
 * QEMU's guest-stats-polling-interval: ask for statistics every @secs seconds (0: stop
 * asking). Returns 0 or -errno (the timer could not be set).
 * Context: as vccw_balloon_request_stats().
 */
int vccw_balloon_set_stats_interval(struct vccw_balloon *b, uint32_t secs);
/* The interval last set (0: not polling). Context: takes the device lock. */
uint32_t vccw_balloon_stats_interval(struct vccw_balloon *b);
/* Copy the statistics last received into @st. Context: takes the device lock. */
void vccw_balloon_get_stats(struct vccw_balloon *b, struct vccw_balloon_stats *st);
/* Stop the device and free it. NULL is a no-op. */
void vccw_balloon_free(struct vccw_balloon *b);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_BALLOON_H */
