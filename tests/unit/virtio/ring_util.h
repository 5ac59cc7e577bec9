/* SPDX-License-Identifier: MIT */
/*
 * A minimal virtio driver for the virtqueue tests: it lays split and packed rings out in
 * a wrapped guest RAM buffer (with guard bytes) in either byte order and writes
 * descriptors, available entries and event fields the way virtio v1.2 sections 2.7 and
 * 2.8 describe the driver side, so the device side in lib/virtio can be checked against
 * the layout rather than against itself.
 */
#ifndef VCCW_TEST_RING_UTIL_H
#define VCCW_TEST_RING_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/virtqueue.h"

#define RW_RAM_SIZE (1u << 20)
#define RW_GUARD 64u
#define RW_DESC 0x1000u   /* descriptor table / packed ring (up to 256 entries) */
#define RW_DRIVER 0x2000u /* avail ring / driver event suppression */
#define RW_DEVICE 0x3000u /* used ring / device event suppression */
#define RW_TABLE 0x8000u  /* indirect tables */
#define RW_DATA 0x10000u  /* buffers */

struct rw {
	uint8_t *buf; /* RW_GUARD + RW_RAM_SIZE + RW_GUARD */
	uint8_t *ram;
	uint8_t *snap;
	struct vccw_mem *mem;
	struct vccw_vq *vq;
	struct vccw_vq_config cfg;
	/* Driver state. */
	uint16_t avail_idx;  /* split: next avail idx to publish */
	uint16_t next_avail; /* packed: next ring position */
	bool wrap;           /* packed: driver ring wrap counter */
};

struct rw_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

bool rw_init(struct rw *r, bool packed, bool big_endian, uint16_t size, bool event_idx,
	     bool indirect);
void rw_fini(struct rw *r);
/* Set the queue up again (after a reset) with the same configuration. */
int rw_setup(struct rw *r);

void rw_w16(struct rw *r, uint64_t gaddr, uint16_t v);
void rw_w32(struct rw *r, uint64_t gaddr, uint32_t v);
void rw_w64(struct rw *r, uint64_t gaddr, uint64_t v);
uint16_t rw_r16(struct rw *r, uint64_t gaddr);
uint32_t rw_r32(struct rw *r, uint64_t gaddr);

/* Split: descriptor @i of the table at @table. */
void rw_desc(struct rw *r, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next);
/* Split: publish @head in the avail ring and bump avail->idx. */
void rw_avail(struct rw *r, uint16_t head);
/* Split: a chain of @n segments at descriptors @first.., published; returns the head. */
uint16_t rw_chain(struct rw *r, unsigned int first, const struct rw_seg *segs, unsigned int n);
uint16_t rw_used_idx(struct rw *r);
void rw_used_elem(struct rw *r, unsigned int slot, uint32_t *id, uint32_t *len);

/* Packed: write descriptor @i of the table at @table with raw @flags. */
void rw_pdesc(struct rw *r, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
	      uint16_t id, uint16_t flags);
/* Packed: the AVAIL/USED bits of an available descriptor for the driver's wrap counter. */
uint16_t rw_pavail_bits(bool wrap);
/* Packed: make a list of @n segments available with buffer @id (head flags last). */
void rw_plist(struct rw *r, const struct rw_seg *segs, unsigned int n, uint16_t id);
/* Packed: one indirect descriptor naming a table of @n entries at RW_TABLE. */
void rw_pindirect(struct rw *r, const struct rw_seg *segs, unsigned int n, uint16_t id);
void rw_pused(struct rw *r, unsigned int pos, uint16_t *flags, uint16_t *id, uint32_t *len);

/* Guest RAM snapshot, for "a refused chain wrote nothing". */
void rw_snapshot(struct rw *r);
bool rw_unchanged(const struct rw *r);

#endif /* VCCW_TEST_RING_UTIL_H */
