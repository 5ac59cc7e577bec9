/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (device ID 2) over a block backend: reads, writes, flush, device ID,
 * discard and write zeroes, on one or (VIRTIO_BLK_F_MQ) several request queues.
 * virtio specification v1.2 section 5.2.
 *
 * Features offered: SIZE_MAX, SEG_MAX, GEOMETRY, BLK_SIZE, FLUSH, TOPOLOGY, CONFIG_WCE,
 * MQ (num_queues > 1), and for a writable backend DISCARD and WRITE_ZEROES; RO for a
 * read-only backend (writes then complete with VIRTIO_BLK_S_IOERR and touch nothing,
 * 5.2.6.2).
 *
 * Block sizes and topology (5.2.4) follow QEMU's block properties: blk_size is the
 * logical block size, topology.physical_block_exp the log2 of physical / logical,
 * alignment_offset 0, min_io_size and opt_io_size in logical blocks. The protocol unit
 * stays the 512-byte sector (capacity, request sectors), but as in QEMU an IN, OUT,
 * DISCARD or WRITE_ZEROES range that does not start and end on a logical block boundary
 * completes with IOERR. The geometry is the configured one, or QEMU's guess from the
 * size (16 heads, 63 sectors, 2..16383 cylinders).
 *
 * Cache mode (5.2.5, 5.2.6.2): the device starts in the configured mode (writeback by
 * default) and returns to it at every reset. The writeback field shows the current mode;
 * with CONFIG_WCE negotiated the driver switches it by writing 0 (writethrough) or
 * non-zero (writeback); CONFIG_WCE without FLUSH starts it at 0; without CONFIG_WCE the
 * mode at DRIVER_OK is writeback exactly when FLUSH was negotiated (QEMU's rule). In
 * writethrough mode every OUT, DISCARD and WRITE_ZEROES is made stable before it
 * completes.
 *
 * Requests run on the device's I/O thread (its own, or the iothread of the config,
 * which serves all of its queues as QEMU 7.2 does). With a backend of aio=threads they are
 * processed one at a time, in the order they are popped; with aio=io_uring (or native)
 * IN, OUT and FLUSH are started in that order and stay in flight together, used in the
 * order they complete (GET_ID, DISCARD, WRITE_ZEROES are answered at once). Either way a
 * request is used only once the backend finished it, so an OUT is acknowledged after
 * the data reached the host, a FLUSH after fdatasync; a reset or unplug waits for what
 * is in flight and uses none of it.
 *
 * Status codes: a malformed request (data not a multiple of 512 bytes, sectors beyond
 * the capacity, a discard / write-zeroes segment beyond the advertised limits) and any
 * backend error complete with IOERR; an unknown type, a discard or write zeroes that was
 * not negotiated, and unknown segment flags (or unmap on a discard) with UNSUPP. A
 * buffer without room for the 16-byte header or the status byte cannot be answered:
 * the device sets NEEDS_RESET. The used length is the data written into the driver's
 * buffers plus the status byte: IN all of its data, GET_ID the ID bytes (at most 20),
 * everything else and every failure 1.
 */
#ifndef VCCW_BLK_H
#define VCCW_BLK_H

#include <stdint.h>

#include "vccw/be-blk.h"
#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feature bits (spec 5.2.3). */
#define VCCW_VIRTIO_BLK_F_SIZE_MAX 1
#define VCCW_VIRTIO_BLK_F_SEG_MAX 2
#define VCCW_VIRTIO_BLK_F_GEOMETRY 4
#define VCCW_VIRTIO_BLK_F_RO 5
#define VCCW_VIRTIO_BLK_F_BLK_SIZE 6
#define VCCW_VIRTIO_BLK_F_FLUSH 9
#define VCCW_VIRTIO_BLK_F_TOPOLOGY 10
#define VCCW_VIRTIO_BLK_F_CONFIG_WCE 11
#define VCCW_VIRTIO_BLK_F_MQ 12
#define VCCW_VIRTIO_BLK_F_DISCARD 13
#define VCCW_VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types (spec 5.2.6). */
#define VCCW_VIRTIO_BLK_T_IN 0
#define VCCW_VIRTIO_BLK_T_OUT 1
#define VCCW_VIRTIO_BLK_T_FLUSH 4
#define VCCW_VIRTIO_BLK_T_FLUSH_OUT 5 /* legacy synonym of FLUSH (5.2.6.4) */
#define VCCW_VIRTIO_BLK_T_GET_ID 8
#define VCCW_VIRTIO_BLK_T_DISCARD 11
#define VCCW_VIRTIO_BLK_T_WRITE_ZEROES 13

/* Request status (spec 5.2.6). */
#define VCCW_VIRTIO_BLK_S_OK 0
#define VCCW_VIRTIO_BLK_S_IOERR 1
#define VCCW_VIRTIO_BLK_S_UNSUPP 2

/* Request header: type u32 @0, reserved u32 @4, sector u64 @8. */
#define VCCW_VIRTIO_BLK_REQ_HDR_SIZE 16
/* Discard / write-zeroes segment: sector u64 @0, num_sectors u32 @8, flags u32 @12. */
#define VCCW_VIRTIO_BLK_DWZ_SEG_SIZE 16
#define VCCW_VIRTIO_BLK_DWZ_F_UNMAP 1u

#define VCCW_VIRTIO_BLK_SECTOR_SIZE 512
#define VCCW_VIRTIO_BLK_ID_BYTES 20

/* Configuration space offsets (struct virtio_blk_config, spec 5.2.4). */
#define VCCW_VIRTIO_BLK_CFG_CAPACITY 0
#define VCCW_VIRTIO_BLK_CFG_SIZE_MAX 8
#define VCCW_VIRTIO_BLK_CFG_SEG_MAX 12
#define VCCW_VIRTIO_BLK_CFG_GEOMETRY 16
#define VCCW_VIRTIO_BLK_CFG_BLK_SIZE 20
#define VCCW_VIRTIO_BLK_CFG_TOPOLOGY 24
#define VCCW_VIRTIO_BLK_CFG_WRITEBACK 32
#define VCCW_VIRTIO_BLK_CFG_NUM_QUEUES 34
#define VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36
#define VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40
#define VCCW_VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT 44
#define VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48
#define VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 52
#define VCCW_VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 56
/* The device exposes the space up to and including unused1 (no secure erase, zoned). */
#define VCCW_VIRTIO_BLK_CFG_SIZE 60

/* Limits this device advertises. */
#define VCCW_BLK_SIZE_MAX (1u << 20)            /* bytes per segment */
#define VCCW_BLK_MAX_DWZ_SECTORS (1u << 21)     /* 1 GiB per discard/write-zeroes segment */
#define VCCW_BLK_MAX_DWZ_SEG 32                 /* segments per discard/write-zeroes */
/*
 * Request queues: 64, the virtqueues a virtio-ccw device has here (its classic queue
 * indicators are one 64-bit doubleword, 4.3.3.1.1, and QEMU's adapter routes are 64 per
 * device). qemu-system-s390x 7.2 under TCG was seen to accept 65 and to abort at 1025
 * (VIRTIO_QUEUE_MAX); its guest drivers then cannot use the queues beyond 64 with
 * classic indicators.
 */
#define VCCW_BLK_MAX_QUEUES VCCW_VIRTIO_MAX_QUEUES
/* Block size limits of QEMU's block properties (a power of 2 in this range). */
#define VCCW_BLK_MIN_BLOCK_SIZE 512u
#define VCCW_BLK_MAX_BLOCK_SIZE (2u << 20)

struct vccw_blk_config {
	/* Borrowed: must outlive the device. Required. */
	struct vccw_be_blk *backend;
	/* Device ID string for GET_ID (at most 20 bytes are used); NULL: empty. */
	const char *serial;
	uint16_t num_queues; /* request queues, 1..VCCW_BLK_MAX_QUEUES; 0: 1 */
	uint16_t queue_size; /* maximum queue size; 0: 256. A power of 2 up to 1024. */
	/*
	 * Block sizes in bytes; 0: the backend's block_size. Each a power of 2 in
	 * VCCW_BLK_MIN_BLOCK_SIZE..VCCW_BLK_MAX_BLOCK_SIZE, physical >= logical.
	 */
	uint32_t logical_block_size;
	uint32_t physical_block_size;
	/*
	 * Topology hints in bytes (0: none), multiples of the logical block size;
	 * min_io_size at most 65535 logical blocks (a 16-bit field).
	 */
	uint32_t min_io_size;
	uint32_t opt_io_size;
	/* Geometry; all 0: guessed from the size. Else cyls 1..65535, heads and secs 1..255. */
	uint32_t cyls, heads, secs;
	bool writethrough; /* cache mode at reset: writethrough instead of writeback */
	/*
	 * Borrowed, must outlive the device: the I/O thread serving every queue (QEMU's
	 * iothread=, shared with other devices). NULL: a thread of the device's own.
	 */
	struct vccw_iothread *iothread;
};

struct vccw_blk;

/*
 * Check the block sizes, topology and geometry of @cfg by QEMU's rules, taking
 * @backend_block_size for block sizes left 0 (the backend itself is not looked at).
 * Returns: 0, or -EINVAL with @err naming the property (QEMU's names) and the rule.
 * Context: any thread.
 */
int vccw_blk_check_layout(const struct vccw_blk_config *cfg, uint32_t backend_block_size,
			  struct vccw_err *err);
/*
 * Create a block device over @mem for @cfg->backend. @extra_features: as for
 * vccw_virtio_dev_init(). Capacity is the backend size in 512-byte sectors, rounded down.
 * Returns: a new device owned by the caller, or NULL with @err filled.
 */
struct vccw_blk *vccw_blk_new(struct vccw_mem *mem, const struct vccw_blk_config *cfg,
			      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_blk_free(). */
struct vccw_virtio_dev *vccw_blk_vdev(struct vccw_blk *blk);
/* Stop the device and free it (not the backend). NULL is a no-op. */
void vccw_blk_free(struct vccw_blk *blk);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_BLK_H */
