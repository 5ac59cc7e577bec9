// SPDX-License-Identifier: MIT
/*
 * Driver-side virtqueues: the split ring (virtio v1.2 section 2.7, including the legacy
 * layout and guest byte order of 2.7 "Legacy Interfaces") and the packed ring (2.8),
 * with event index (2.7.7.2, 2.7.10, 2.8.10) and indirect descriptors (2.7.5.3, 2.8.9)
 * when negotiated. Ring memory and indirect tables are laid out by guest/virtio/vccw.c;
 * this file owns the indices, the descriptor free list and the buffer ids.
 *
 * Fields the device reads or writes concurrently (indices, packed flags, event fields)
 * are accessed with single aligned atomic loads and stores, ordered as 2.7.13 and 2.8.21
 * require: the index or head flags that publish descriptors are stored with release
 * (after the descriptors), the used index or used flags are loaded with acquire (before
 * the used entries they cover), and guest_arch_mb() separates a store from the load of
 * the device's wish where notification suppression needs it.
 */
#include "guest/lib.h"
#include "guest/virtio.h"

#include "vccw-int.h"

#define DESC_SIZE 16u
#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u
#define PACKED_F_AVAIL (1u << 7)
#define PACKED_F_USED (1u << 15)
#define AVAIL_F_NO_INTERRUPT 1u
#define USED_F_NO_NOTIFY 1u
#define EVENT_FLAG_ENABLE 0u
#define EVENT_FLAG_DISABLE 1u
#define EVENT_FLAG_DESC 2u

/* ---- Ring field access in the queue's byte order ---- */

static bool host_is_be(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return true;
#else
	return false;
#endif
}

static uint16_t fix16(const struct guest_vq *vq, uint16_t v)
{
	return vq->big_endian == host_is_be() ? v : __builtin_bswap16(v);
}

static uint32_t fix32(const struct guest_vq *vq, uint32_t v)
{
	return vq->big_endian == host_is_be() ? v : __builtin_bswap32(v);
}

static uint64_t fix64(const struct guest_vq *vq, uint64_t v)
{
	return vq->big_endian == host_is_be() ? v : __builtin_bswap64(v);
}

/* Every field is naturally aligned: rings are at least 16-byte aligned (2.7.10.1). */
static uint16_t ld16(const struct guest_vq *vq, const uint8_t *p)
{
	return fix16(vq, __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED));
}

static uint32_t ld32(const struct guest_vq *vq, const uint8_t *p)
{
	return fix32(vq, __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_RELAXED));
}

static uint16_t ld16_acquire(const struct guest_vq *vq, const uint8_t *p)
{
	return fix16(vq, __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE));
}

static void st16(const struct guest_vq *vq, uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, fix16(vq, v), __ATOMIC_RELAXED);
}

static void st16_release(const struct guest_vq *vq, uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, fix16(vq, v), __ATOMIC_RELEASE);
}

static void st32(const struct guest_vq *vq, uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, fix32(vq, v), __ATOMIC_RELAXED);
}

static void st64(const struct guest_vq *vq, uint8_t *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)(void *)p, fix64(vq, v), __ATOMIC_RELAXED);
}

/* 2.7.10 / 2.8.10: should a notification go out for the entries in (old, new]? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* Split ring offsets (2.7.5, 2.7.6, 2.7.8). */
static uint8_t *desc_at(struct guest_vq *vq, uint16_t i)
{
	return vq->desc + (size_t)i * DESC_SIZE;
}

static uint8_t *avail_ring(struct guest_vq *vq, uint16_t i)
{
	return vq->avail + 4 + 2 * (size_t)i;
}

static uint8_t *used_event(struct guest_vq *vq)
{
	return vq->avail + 4 + 2 * (size_t)vq->num;
}

static uint8_t *used_elem(struct guest_vq *vq, uint16_t i)
{
	return vq->used + 4 + 8 * (size_t)i;
}

static uint8_t *avail_event(struct guest_vq *vq)
{
	return vq->used + 4 + 8 * (size_t)vq->num;
}

/* ---- Set-up (called by vccw.c once the ring memory exists) ---- */

void guest_vq_init_state(struct guest_vq *vq)
{
	uint16_t i;

	vq->num_free = vq->num;
	vq->free_head = 0;
	for (i = 0; i < vq->num; i++) {
		vq->next[i] = (uint16_t)(i + 1);
		vq->state[i].token = NULL;
	}
	vq->avail_idx = vq->last_used = vq->kicked_idx = 0;
	/* 2.8.1: the driver's wrap counters both start at 1. */
	vq->next_avail = vq->last_used_pos = 0;
	vq->avail_wrap = vq->used_wrap = true;
	vq->kicked_pos = 0;
	vq->kicked_wrap = true;
	vq->cookie = 0;
	vq->broken = false;
	if (vq->packed) {
		/* 2.8.10: driver event suppression, notifications enabled. */
		st16(vq, vq->avail, 0);
		st16(vq, vq->avail + 2, EVENT_FLAG_ENABLE);
	}
}

/* ---- The device behind the queue ---- */

/*
 * Is the queue's device gone (unplugged)? Its reset dropped every buffer, and no
 * used-buffer notification will come: waits end with -GUEST_ENODEV. @verify: look at the
 * subchannel even without a channel report pending (after a failed notification).
 */
static bool dev_gone(struct guest_vq *vq, bool verify)
{
	struct guest_device *dev = vq->vdev ? vq->vdev->dev : NULL;

	if (!dev || !guest_cio_device_gone(dev, verify))
		return false;
	vq->broken = true;
	return true;
}

int guest_vq_error(const struct guest_vq *vq)
{
	if (vq->vdev && vq->vdev->dev && vq->vdev->dev->gone)
		return -GUEST_ENODEV;
	return vq->broken ? -GUEST_EIO : 0;
}

/* ---- Adding buffers ---- */

/* Whether a buffer of @total segments goes out through an indirect table. */
static bool use_indirect(const struct guest_vq *vq, unsigned int total)
{
	return vq->indirect && total > 1 && total <= GUEST_VQ_INDIRECT_MAX;
}

static int check_add(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		     const struct guest_vq_seg *in, unsigned int nin, void *token)
{
	unsigned int i;

	if (vq->broken || dev_gone(vq, false))
		return guest_vq_error(vq);
	if (!token || nout + nin == 0 || nout + nin > vq->num)
		return -GUEST_EINVAL;
	for (i = 0; i < nout; i++)
		if (!out[i].buf && out[i].len)
			return -GUEST_EINVAL;
	for (i = 0; i < nin; i++)
		if (!in[i].buf && in[i].len)
			return -GUEST_EINVAL;
	if (vq->num_free < (use_indirect(vq, nout + nin) ? 1 : nout + nin))
		return -GUEST_ENOSPC;
	return 0;
}



static const struct guest_vq_seg *seg_of(const struct guest_vq_seg *out, unsigned int nout,
					 const struct guest_vq_seg *in, unsigned int k,
					 bool *write)
{
	*write = k >= nout;
	return k < nout ? &out[k] : &in[k - nout];
}

static guest_addr_t seg_addr(const struct guest_vq_seg *s)
{
	return s->buf ? guest_arch_addr(s->buf) : 0;
}

/*
 * Fill the indirect table of buffer @id with the segments (2.7.5.3.1: a table is a
 * chain of its own, linked by next from 0; 2.8.9: packed tables are in order, only
 * WRITE counts). Returns the table's guest address.
 */
static guest_addr_t fill_table(struct guest_vq *vq, uint16_t id, const struct guest_vq_seg *out,
			       unsigned int nout, const struct guest_vq_seg *in, unsigned int nin)
{
	uint8_t *t = vq->indirect + (size_t)id * GUEST_VQ_INDIRECT_MAX * DESC_SIZE;
	unsigned int total = nout + nin, k;

	for (k = 0; k < total; k++) {
		bool write;
		const struct guest_vq_seg *s = seg_of(out, nout, in, k, &write);
		uint8_t *d = t + (size_t)k * DESC_SIZE;
		uint16_t flags = write ? DESC_F_WRITE : 0;

		if (!vq->packed && k + 1 < total)
			flags |= DESC_F_NEXT;
		st64(vq, d, seg_addr(s));
		st32(vq, d + 8, s->len);
		st16(vq, d + 12, vq->packed ? 0 : flags);
		st16(vq, d + 14, vq->packed ? flags : (uint16_t)(k + 1 < total ? k + 1 : 0));
	}
	vq->nr_indirect++;
	return guest_arch_addr(t);
}

static void split_add(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		      const struct guest_vq_seg *in, unsigned int nin, void *token)
{
	unsigned int total = nout + nin, k;
	uint16_t head = vq->free_head, i = head, last = head;

	if (use_indirect(vq, total)) {
		uint8_t *d = desc_at(vq, head);

		/* 2.7.5.3.1: one descriptor, INDIRECT alone (no NEXT, no WRITE). */
		st64(vq, d, fill_table(vq, head, out, nout, in, nin));
		st32(vq, d + 8, total * DESC_SIZE);
		st16(vq, d + 12, DESC_F_INDIRECT);
		st16(vq, d + 14, 0);
		i = vq->next[head];
		total = 1;
		goto publish;
	}
	for (k = 0; k < total; k++) {
		bool write;
		const struct guest_vq_seg *s = seg_of(out, nout, in, k, &write);
		uint16_t flags = (uint16_t)((k + 1 < total ? DESC_F_NEXT : 0) |
					    (write ? DESC_F_WRITE : 0));
		uint8_t *d = desc_at(vq, i);

		/* 2.7.5: addr, len, flags, next; next links the chain in free-list order. */
		st64(vq, d, seg_addr(s));
		st32(vq, d + 8, s->len);
		st16(vq, d + 12, flags);
		st16(vq, d + 14, vq->next[i] < vq->num ? vq->next[i] : 0);
		last = i;
		i = vq->next[i];
	}
publish:
	vq->free_head = i;
	vq->num_free = (uint16_t)(vq->num_free - total);
	vq->state[head].token = token;
	vq->state[head].ndescs = (uint16_t)total;
	vq->state[head].last = last;

	/* 2.7.13: ring entry first, then (released after it) the index. */
	st16(vq, avail_ring(vq, (uint16_t)(vq->avail_idx & (vq->num - 1))), head);
	vq->avail_idx++;
	st16_release(vq, vq->avail + 2, vq->avail_idx);
}

static void packed_add(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		       const struct guest_vq_seg *in, unsigned int nin, void *token)
{
	unsigned int total = nout + nin, k;
	uint16_t id = vq->free_head, pos = vq->next_avail, head_flags = 0;
	bool wrap = vq->avail_wrap;

	vq->free_head = vq->next[id];
	if (use_indirect(vq, total)) {
		uint8_t *d = desc_at(vq, pos);

		/* 2.8.9: one descriptor naming the table; the buffer id is in it. */
		st64(vq, d, fill_table(vq, id, out, nout, in, nin));
		st32(vq, d + 8, total * DESC_SIZE);
		st16(vq, d + 12, id);
		head_flags = (uint16_t)(DESC_F_INDIRECT | (wrap ? PACKED_F_AVAIL : PACKED_F_USED));
		if (++pos == vq->num) {
			pos = 0;
			wrap = !wrap;
		}
		total = 1;
		goto publish;
	}
	for (k = 0; k < total; k++) {
		bool write;
		const struct guest_vq_seg *s = seg_of(out, nout, in, k, &write);
		/* 2.8.1: AVAIL = the wrap counter, USED = its inverse, at this position. */
		uint16_t flags = (uint16_t)((k + 1 < total ? DESC_F_NEXT : 0) |
					    (write ? DESC_F_WRITE : 0) |
					    (wrap ? PACKED_F_AVAIL : PACKED_F_USED));
		uint8_t *d = desc_at(vq, pos);

		st64(vq, d, seg_addr(s));
		st32(vq, d + 8, s->len);
		st16(vq, d + 12, id);
		if (k == 0)
			head_flags = flags;
		else
			st16(vq, d + 14, flags);
		if (++pos == vq->num) {
			pos = 0;
			wrap = !wrap;
		}
	}
publish:
	vq->state[id].token = token;
	vq->state[id].ndescs = (uint16_t)total;
	vq->num_free = (uint16_t)(vq->num_free - total);
	/* 2.8.21: the head's flags last, released after the rest of the chain. */
	st16_release(vq, desc_at(vq, vq->next_avail) + 14, head_flags);
	vq->next_avail = pos;
	vq->avail_wrap = wrap;
}

int guest_vq_add(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		 const struct guest_vq_seg *in, unsigned int nin, void *token)
{
	int rc = check_add(vq, out, nout, in, nin, token);

	if (rc)
		return rc;
	if (vq->packed)
		packed_add(vq, out, nout, in, nin, token);
	else
		split_add(vq, out, nout, in, nin, token);
	return 0;
}

/* ---- Notifying the device ---- */

static bool split_need_kick(struct guest_vq *vq)
{
	uint16_t old = vq->kicked_idx, new_idx = vq->avail_idx;

	vq->kicked_idx = new_idx;
	if (old == new_idx)
		return false;
	if (vq->event_idx)
		return need_event(ld16(vq, avail_event(vq)), new_idx, old);
	return !(ld16(vq, vq->used) & USED_F_NO_NOTIFY);
}

static bool packed_need_kick(struct guest_vq *vq)
{
	uint16_t old = vq->kicked_pos, new_idx = vq->next_avail, off_wrap, flags, event;
	bool old_wrap = vq->kicked_wrap;

	vq->kicked_pos = new_idx;
	vq->kicked_wrap = vq->avail_wrap;
	if (old == new_idx && old_wrap == vq->avail_wrap)
		return false;
	/* 2.8.10: device event suppression, read as one snapshot (off_wrap, flags). */
	off_wrap = ld16(vq, vq->used);
	flags = ld16(vq, vq->used + 2) & 3;
	if (flags != EVENT_FLAG_DESC)
		return flags != EVENT_FLAG_DISABLE;
	event = off_wrap & 0x7fff;
	/* An event position in the previous lap counts as "num below". */
	if ((bool)(off_wrap >> 15) != vq->avail_wrap)
		event = (uint16_t)(event - vq->num);
	if (old_wrap != vq->avail_wrap)
		old = (uint16_t)(old - vq->num);
	return need_event(event, new_idx, old);
}

bool guest_vccw_notify(struct guest_vq *vq)
{
	struct guest_vdev *vdev = vq->vdev;
	int pgm = 0;
	int64_t rc;

	/*
	 * 4.3.3.2: GPR2 subchannel ID, GPR3 queue index, GPR4 the host cookie of the last
	 * notification; GPR2 comes back as the new cookie or a negative error.
	 */
	rc = guest_arch_diag500(GUEST_VCCW_DIAG_NOTIFY, vdev->dev->sid, vq->index, vq->cookie,
				&pgm);
	if (pgm || rc < 0) {
		vq->broken = true;
		return false;
	}
	vq->cookie = (uint64_t)rc;
	return true;
}

bool guest_vq_kick(struct guest_vq *vq)
{
	bool need;

	if (vq->broken)
		return false;
	/* 2.7.13.4 / 2.8.23: index or flags visible before the suppression check. */
	guest_arch_mb();
	need = vq->packed ? packed_need_kick(vq) : split_need_kick(vq);
	return need ? guest_vccw_notify(vq) : true;
}

/* ---- Used buffers ---- */

static void *release(struct guest_vq *vq, uint16_t id, bool split)
{
	struct guest_vq_state *st = &vq->state[id];
	void *token = st->token;

	if (split) {
		vq->next[st->last] = vq->free_head;
	} else {
		vq->next[id] = vq->free_head;
	}
	vq->free_head = id;
	vq->num_free = (uint16_t)(vq->num_free + st->ndescs);
	st->token = NULL;
	return token;
}

static void *split_get_used(struct guest_vq *vq, uint32_t *len)
{
	/* 2.7.13: read the entry only after the index that covers it. */
	uint16_t used_idx = ld16_acquire(vq, vq->used + 2), slot;
	uint32_t id, n;

	if (used_idx == vq->last_used)
		return NULL;
	slot = (uint16_t)(vq->last_used & (vq->num - 1));
	id = ld32(vq, used_elem(vq, slot));
	n = ld32(vq, used_elem(vq, slot) + 4);
	if (id >= vq->num || !vq->state[id].token) {
		/* The device returned a buffer we never gave it (2.7.8). */
		vq->broken = true;
		return NULL;
	}
	vq->last_used++;
	if (vq->event_idx) {
		/* 2.7.10: interrupt us again once the next entry is used. */
		st16(vq, used_event(vq), vq->last_used);
		guest_arch_mb();
	}
	if (len)
		*len = n;
	return release(vq, (uint16_t)id, true);
}

static void *packed_get_used(struct guest_vq *vq, uint32_t *len)
{
	uint8_t *d = desc_at(vq, vq->last_used_pos);
	/* 2.8.21: read the id and length only after the flags that hand them back. */
	uint16_t flags = ld16_acquire(vq, d + 14), id;
	bool avail = flags & PACKED_F_AVAIL, used = flags & PACKED_F_USED;
	uint32_t n;
	unsigned int pos;

	/* 2.8.2: used when AVAIL == USED == the driver's used wrap counter. */
	if (avail != used || used != vq->used_wrap)
		return NULL;
	id = ld16(vq, d + 12);
	n = ld32(vq, d + 8);
	if (id >= vq->num || !vq->state[id].token) {
		vq->broken = true;
		return NULL;
	}
	/* 2.8.6: one used descriptor per buffer; skip the rest of its chain. */
	pos = (unsigned int)vq->last_used_pos + vq->state[id].ndescs;
	if (pos >= vq->num) {
		pos -= vq->num;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->last_used_pos = (uint16_t)pos;
	if (len)
		*len = n;
	return release(vq, id, false);
}

void *guest_vq_get_used(struct guest_vq *vq, uint32_t *len)
{
	if (vq->broken)
		return NULL;
	return vq->packed ? packed_get_used(vq, len) : split_get_used(vq, len);
}

void *guest_vq_wait_used(struct guest_vq *vq, uint32_t *len, uint64_t timeout_us)
{
	uint64_t start = guest_arch_now_us(), now;
	void *token;

	for (;;) {
		token = guest_vq_get_used(vq, len);
		if (token || vq->broken)
			return token;
		/*
		 * Unplugged: the report comes as a machine check, which wakes us; only look
		 * (guest_cio_poll() removes the device later, not under this waiter).
		 */
		if (dev_gone(vq, false))
			return NULL;
		now = guest_arch_now_us();
		if (now - start >= timeout_us)
			return NULL;
		/*
		 * The used-buffer notification wakes us; re-check the ring anyway at short
		 * intervals, since an interruption may have merged with another (4.3.3.1).
		 */
		guest_arch_wait(timeout_us - (now - start) < 2000 ? timeout_us - (now - start)
								   : 2000);
	}
}

unsigned int guest_vq_num_free(const struct guest_vq *vq)
{
	return vq->num_free;
}

void *guest_vq_detach_unused(struct guest_vq *vq)
{
	uint16_t i;

	for (i = 0; i < vq->num; i++) {
		if (vq->state[i].token) {
			void *token = vq->state[i].token;

			vq->state[i].token = NULL;
			return token;
		}
	}
	return NULL;
}

int guest_vq_xfer(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		  const struct guest_vq_seg *in, unsigned int nin, uint32_t *len,
		  uint64_t timeout_us)
{
	uint64_t start = guest_arch_now_us();
	/* Any unique non-NULL token: the address of the first segment descriptor. */
	void *token = nout ? (void *)&out[0] : (void *)&in[0];
	void *got;
	int rc;

	rc = guest_vq_add(vq, out, nout, in, nin, token);
	if (rc)
		return rc;
	if (!guest_vq_kick(vq)) {
		/* DIAGNOSE 0x500 fails for a subchannel that is no more: tell which. */
		dev_gone(vq, true);
		return guest_vq_error(vq);
	}
	for (;;) {
		uint64_t spent = guest_arch_now_us() - start;

		if (spent >= timeout_us) {
			if (dev_gone(vq, true))
				return -GUEST_ENODEV;
			/*
			 * The device still owns the buffer and may write it later: stop using
			 * the queue until the device is reset (3.1.1: a driver may give up).
			 */
			vq->broken = true;
			return -GUEST_ETIMEDOUT;
		}
		got = guest_vq_wait_used(vq, len, timeout_us - spent);
		if (got == token)
			return 0;
		if (vq->broken)
			return guest_vq_error(vq);
	}
}
