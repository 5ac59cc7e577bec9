// SPDX-License-Identifier: MIT
/*
 * The test driver of ring_util.h: ring layout and driver-side writes per virtio v1.2
 * sections 2.7.5-2.7.6 (split) and 2.8.13, 2.8.21 (packed), in either byte order.
 */
#include <stdlib.h>
#include <string.h>

#include "ring_util.h"
#include "test.h"

#define GUARD_BYTE 0xa5

bool rw_init(struct rw *r, bool packed, bool big_endian, uint16_t size, bool event_idx,
	     bool indirect)
{
	struct vccw_err err = { 0 };

	memset(r, 0, sizeof(*r));
	r->buf = malloc(RW_GUARD + RW_RAM_SIZE + RW_GUARD);
	r->snap = malloc(RW_GUARD + RW_RAM_SIZE + RW_GUARD);
	if (!r->buf || !r->snap)
		return false;
	memset(r->buf, GUARD_BYTE, RW_GUARD + RW_RAM_SIZE + RW_GUARD);
	r->ram = r->buf + RW_GUARD;
	memset(r->ram, 0, RW_RAM_SIZE);
	r->mem = vccw_mem_wrap(r->ram, RW_RAM_SIZE, &err);
	CHECK_MSG(r->mem, "vccw_mem_wrap: %s", err.msg);
	if (!r->mem)
		return false;
	r->vq = vccw_vq_new(r->mem, &err);
	CHECK_MSG(r->vq, "vccw_vq_new: %s", err.msg);
	if (!r->vq)
		return false;
	r->cfg.size = size;
	r->cfg.packed = packed;
	r->cfg.big_endian = big_endian;
	r->cfg.event_idx = event_idx;
	r->cfg.indirect = indirect;
	r->cfg.desc = RW_DESC;
	r->cfg.driver = RW_DRIVER;
	r->cfg.device = RW_DEVICE;
	r->wrap = true;
	return rw_setup(r) == 0;
}

int rw_setup(struct rw *r)
{
	r->avail_idx = 0;
	r->next_avail = 0;
	r->wrap = true;
	return vccw_vq_setup(r->vq, &r->cfg);
}

void rw_fini(struct rw *r)
{
	unsigned int i;

	vccw_vq_free(r->vq);
	vccw_mem_free(r->mem);
	if (r->buf) {
		/* Nothing the device does may reach outside guest RAM. */
		for (i = 0; i < RW_GUARD; i++) {
			CHECK_EQ(r->buf[i], GUARD_BYTE);
			CHECK_EQ(r->buf[RW_GUARD + RW_RAM_SIZE + i], GUARD_BYTE);
		}
	}
	free(r->buf);
	free(r->snap);
}

void rw_w16(struct rw *r, uint64_t gaddr, uint16_t v)
{
	if (r->cfg.big_endian)
		vccw_mem_st_be16(r->mem, gaddr, v);
	else
		vccw_mem_st_le16(r->mem, gaddr, v);
}

void rw_w32(struct rw *r, uint64_t gaddr, uint32_t v)
{
	if (r->cfg.big_endian)
		vccw_mem_st_be32(r->mem, gaddr, v);
	else
		vccw_mem_st_le32(r->mem, gaddr, v);
}

void rw_w64(struct rw *r, uint64_t gaddr, uint64_t v)
{
	if (r->cfg.big_endian)
		vccw_mem_st_be64(r->mem, gaddr, v);
	else
		vccw_mem_st_le64(r->mem, gaddr, v);
}

uint16_t rw_r16(struct rw *r, uint64_t gaddr)
{
	uint16_t v = 0;

	if (r->cfg.big_endian)
		vccw_mem_ld_be16(r->mem, gaddr, &v);
	else
		vccw_mem_ld_le16(r->mem, gaddr, &v);
	return v;
}

uint32_t rw_r32(struct rw *r, uint64_t gaddr)
{
	uint32_t v = 0;

	if (r->cfg.big_endian)
		vccw_mem_ld_be32(r->mem, gaddr, &v);
	else
		vccw_mem_ld_le32(r->mem, gaddr, &v);
	return v;
}

/* ---- Split (2.7.5: addr, len, flags, next) ---- */

void rw_desc(struct rw *r, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next)
{
	uint64_t d = table + 16ull * i;

	rw_w64(r, d, addr);
	rw_w32(r, d + 8, len);
	rw_w16(r, d + 12, flags);
	rw_w16(r, d + 14, next);
}

void rw_avail(struct rw *r, uint16_t head)
{
	rw_w16(r, RW_DRIVER + 4 + 2u * (r->avail_idx % r->cfg.size), head);
	r->avail_idx++;
	rw_w16(r, RW_DRIVER + 2, r->avail_idx);
}

uint16_t rw_chain(struct rw *r, unsigned int first, const struct rw_seg *segs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint16_t flags = segs[i].write ? VCCW_VRING_DESC_F_WRITE : 0;

		if (i + 1 < n)
			flags |= VCCW_VRING_DESC_F_NEXT;
		rw_desc(r, RW_DESC, first + i, segs[i].addr, segs[i].len, flags,
			(uint16_t)(first + i + 1));
	}
	rw_avail(r, (uint16_t)first);
	return (uint16_t)first;
}

uint16_t rw_used_idx(struct rw *r)
{
	return rw_r16(r, RW_DEVICE + 2);
}

void rw_used_elem(struct rw *r, unsigned int slot, uint32_t *id, uint32_t *len)
{
	*id = rw_r32(r, RW_DEVICE + 4 + 8ull * slot);
	*len = rw_r32(r, RW_DEVICE + 8 + 8ull * slot);
}

/* ---- Packed (2.8.13: addr, len, id, flags) ---- */

void rw_pdesc(struct rw *r, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
	      uint16_t id, uint16_t flags)
{
	uint64_t d = table + 16ull * i;

	rw_w64(r, d, addr);
	rw_w32(r, d + 8, len);
	rw_w16(r, d + 12, id);
	rw_w16(r, d + 14, flags);
}

uint16_t rw_pavail_bits(bool wrap)
{
	return wrap ? VCCW_VRING_PACKED_DESC_F_AVAIL : VCCW_VRING_PACKED_DESC_F_USED;
}

void rw_plist(struct rw *r, const struct rw_seg *segs, unsigned int n, uint16_t id)
{
	uint16_t head = r->next_avail, head_flags = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint16_t flags = rw_pavail_bits(r->wrap);

		if (segs[i].write)
			flags |= VCCW_VRING_DESC_F_WRITE;
		if (i + 1 < n)
			flags |= VCCW_VRING_DESC_F_NEXT;
		/* 2.8.6: the id goes in the last descriptor; the head is published last. */
		rw_pdesc(r, RW_DESC, r->next_avail, segs[i].addr, segs[i].len,
			 i + 1 == n ? id : 0xdead, i == 0 ? 0 : flags);
		if (i == 0)
			head_flags = flags;
		if (++r->next_avail == r->cfg.size) {
			r->next_avail = 0;
			r->wrap = !r->wrap;
		}
	}
	rw_w16(r, RW_DESC + 16ull * head + 14, head_flags);
}

void rw_pindirect(struct rw *r, const struct rw_seg *segs, unsigned int n, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rw_pdesc(r, RW_TABLE, i, segs[i].addr, segs[i].len, 0,
			 segs[i].write ? VCCW_VRING_DESC_F_WRITE : 0);
	rw_pdesc(r, RW_DESC, r->next_avail, RW_TABLE, 16 * n, id,
		 rw_pavail_bits(r->wrap) | VCCW_VRING_DESC_F_INDIRECT);
	if (++r->next_avail == r->cfg.size) {
		r->next_avail = 0;
		r->wrap = !r->wrap;
	}
}

void rw_pused(struct rw *r, unsigned int pos, uint16_t *flags, uint16_t *id, uint32_t *len)
{
	uint64_t d = RW_DESC + 16ull * pos;

	*len = rw_r32(r, d + 8);
	*id = rw_r16(r, d + 12);
	*flags = rw_r16(r, d + 14);
}

void rw_snapshot(struct rw *r)
{
	memcpy(r->snap, r->buf, RW_GUARD + RW_RAM_SIZE + RW_GUARD);
}

bool rw_unchanged(const struct rw *r)
{
	return memcmp(r->snap, r->buf, RW_GUARD + RW_RAM_SIZE + RW_GUARD) == 0;
}
