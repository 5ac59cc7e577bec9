// SPDX-License-Identifier: MIT
/*
 * Virtqueues, device side: the split layout (virtio v1.2 section 2.7, with the legacy
 * layout of 2.7 "Legacy Interfaces: A Note on Virtqueue Layout") and the packed layout
 * (section 2.8), indirect descriptors (2.7.5.3, 2.8.9), event index (2.7.7, 2.7.10) and
 * packed event suppression (2.8.10, 2.8.14). Every ring field is read through lib/mem in
 * the queue's byte order; descriptors are fetched once into a local copy and validated
 * before anything they name is mapped. The fields the driver accesses concurrently
 * (indices, packed descriptor flags, event-index and event-suppression fields) are
 * single atomic accesses: loads of the driver's publishing fields acquire, our
 * publishing stores release, and vccw_mem_mb() separates a store from the load of the
 * driver's wish where notification suppression needs it. Any violation of a driver
 * requirement that could make the device misbehave marks the queue broken: vccw_vq_pop()
 * then returns -EIO until the queue is set up again, and nothing is written to guest
 * memory on the way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/virtqueue.h"

#define DESC_SIZE 16u

/* Split ring field offsets (2.7.6, 2.7.8). */
#define AVAIL_IDX 2u
#define AVAIL_RING 4u
#define USED_FLAGS 0u
#define USED_IDX 2u
#define USED_RING 4u
#define USED_ELEM_SIZE 8u

/* Packed descriptor and event suppression offsets (2.8.13, 2.8.14). */
#define PDESC_LEN 8u
#define PDESC_ID 12u
#define PDESC_FLAGS 14u
#define EVENT_OFF_WRAP 0u
#define EVENT_FLAGS 2u
#define EVENT_FLAGS_MASK 0x3u
#define EVENT_WRAP_BIT 15

struct vccw_vq {
	struct vccw_mem *mem;
	struct vccw_vq_config cfg;
	bool ready;
	bool broken;
	/* The device wants available-buffer notifications (vccw_vq_set_notification). */
	bool notification;

	/* Next ring position to take from / to write a used entry at. Split: free-running
	 * 16-bit indices as in the ring; packed: positions in [0, size) plus wrap counters. */
	uint16_t last_avail;
	uint16_t used_idx;
	bool avail_wrap;
	bool used_wrap;

	/* Used-buffer notification state: where the used index was at the last decision
	 * (split: 16-bit index; packed: position extended by the wrap counter, see ext_idx),
	 * whether that value means anything yet, and how many used entries (split) or ring
	 * positions (packed) were consumed since. */
	uint32_t signalled;
	bool signalled_valid;
	uint32_t pending;
};

/* A descriptor, decoded from guest memory into host order. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next; /* split: next index; packed: buffer id */
};

/* ---- Byte-order aware ring access ---- */

static bool ld16(const struct vccw_vq *vq, uint64_t gaddr, uint16_t *val)
{
	enum vccw_mem_rc rc = vq->cfg.big_endian ? vccw_mem_ld_be16(vq->mem, gaddr, val)
						 : vccw_mem_ld_le16(vq->mem, gaddr, val);

	return rc == VCCW_MEM_OK;
}

/*
 * A field the driver writes concurrently (avail index, packed flags, event fields):
 * one atomic load, ordering every later access to the ring after it.
 */
static bool ld16_acquire(const struct vccw_vq *vq, uint64_t gaddr, uint16_t *val)
{
	enum vccw_mem_rc rc = vq->cfg.big_endian ? vccw_mem_ld_acquire_be16(vq->mem, gaddr, val)
						 : vccw_mem_ld_acquire_le16(vq->mem, gaddr, val);

	return rc == VCCW_MEM_OK;
}

/*
 * A field the driver reads concurrently (used index, packed flags, event fields): one
 * atomic store, after every earlier access to the ring. Ring areas were checked to lie
 * in guest RAM and to be aligned at setup; a store cannot fail.
 */
static void st16_release(struct vccw_vq *vq, uint64_t gaddr, uint16_t val)
{
	if (vq->cfg.big_endian)
		vccw_mem_st_release_be16(vq->mem, gaddr, val);
	else
		vccw_mem_st_release_le16(vq->mem, gaddr, val);
}

static void st16(struct vccw_vq *vq, uint64_t gaddr, uint16_t val)
{
	if (vq->cfg.big_endian)
		vccw_mem_st_be16(vq->mem, gaddr, val);
	else
		vccw_mem_st_le16(vq->mem, gaddr, val);
}

static void st32(struct vccw_vq *vq, uint64_t gaddr, uint32_t val)
{
	if (vq->cfg.big_endian)
		vccw_mem_st_be32(vq->mem, gaddr, val);
	else
		vccw_mem_st_le32(vq->mem, gaddr, val);
}

/*
 * Fetch the 16-byte descriptor @i of the table at @table once into @d. The split and
 * packed layouts differ only in the last four bytes (next/flags vs id/flags).
 */
static bool read_desc(const struct vccw_vq *vq, uint64_t table, uint32_t i, struct desc *d)
{
	uint8_t raw[DESC_SIZE];

	if (vccw_mem_read(vq->mem, table + (uint64_t)i * DESC_SIZE, raw, sizeof(raw)) !=
	    VCCW_MEM_OK)
		return false;
	if (vq->cfg.big_endian) {
		d->addr = vccw_ld_be64(raw);
		d->len = vccw_ld_be32(raw + 8);
	} else {
		d->addr = vccw_ld_le64(raw);
		d->len = vccw_ld_le32(raw + 8);
	}
	if (vq->cfg.packed) {
		/* pvirtq_desc: id at 12, flags at 14. */
		d->next = vq->cfg.big_endian ? vccw_ld_be16(raw + 12) : vccw_ld_le16(raw + 12);
		d->flags = vq->cfg.big_endian ? vccw_ld_be16(raw + 14) : vccw_ld_le16(raw + 14);
	} else {
		/* virtq_desc: flags at 12, next at 14. */
		d->flags = vq->cfg.big_endian ? vccw_ld_be16(raw + 12) : vccw_ld_le16(raw + 12);
		d->next = vq->cfg.big_endian ? vccw_ld_be16(raw + 14) : vccw_ld_le16(raw + 14);
	}
	return true;
}

/* ---- Building an element ---- */

struct walk {
	struct vccw_vq_elem *elem;
	uint64_t total;
	bool in_seen; /* a device-writable descriptor was seen (even of length 0) */
};

static void walk_start(struct walk *w, struct vccw_vq_elem *elem)
{
	w->elem = elem;
	w->total = 0;
	w->in_seen = false;
	elem->id = 0;
	elem->ndescs = 0;
	elem->out_num = 0;
	elem->in_num = 0;
	elem->out_len = 0;
	elem->in_len = 0;
	elem->out = elem->iov;
	elem->in = elem->iov;
}

/* Append one buffer element: checked, mapped, never copied. */
static int walk_add(struct vccw_vq *vq, struct walk *w, uint64_t addr, uint32_t len, bool write)
{
	struct vccw_vq_elem *elem = w->elem;
	unsigned int n = elem->out_num + elem->in_num, got, i;
	uint64_t off = 0;

	/* 2.7.4.2 / 2.8.19: device-writable elements come after all device-readable ones. */
	if (write)
		w->in_seen = true;
	else if (w->in_seen)
		return -EIO;
	/* 2.7.5.2: a chain is never longer than 2^32 bytes in total (len is 32-bit). */
	w->total += len;
	if (w->total > UINT32_MAX)
		return -EIO;
	if (vccw_mem_map(vq->mem, addr, len, &elem->iov[n], VCCW_VQ_MAX_SEGS - n, &got) !=
	    VCCW_MEM_OK)
		return -EIO;
	for (i = 0; i < got; i++) {
		elem->addr[n + i] = addr + off;
		off += elem->iov[n + i].iov_len;
	}
	if (write) {
		elem->in_num += got;
		elem->in_len += len;
	} else {
		elem->out_num += got;
		elem->out_len += len;
	}
	return 0;
}

static void walk_finish(struct walk *w)
{
	w->elem->out = w->elem->iov;
	w->elem->in = w->elem->iov + w->elem->out_num;
}

/*
 * Validate an indirect table descriptor @d (2.7.5.3.1, 2.8.19): only if negotiated, not
 * combined with NEXT, a non-empty whole number of descriptors that we are prepared to
 * carry, inside guest RAM. Returns the number of entries, or 0 when unacceptable.
 */
static uint32_t indirect_entries(const struct vccw_vq *vq, const struct desc *d)
{
	if (!vq->cfg.indirect || (d->flags & VCCW_VRING_DESC_F_NEXT))
		return 0;
	if (d->len == 0 || d->len % DESC_SIZE || d->len / DESC_SIZE > VCCW_VQ_MAX_SEGS)
		return 0;
	if (!vccw_mem_valid(vq->mem, d->addr, d->len))
		return 0;
	return d->len / DESC_SIZE;
}

/* ---- Split ring ---- */

static uint64_t split_avail_event(const struct vccw_vq *vq)
{
	return vq->cfg.device + USED_RING + (uint64_t)vq->cfg.size * USED_ELEM_SIZE;
}

static uint64_t split_used_event(const struct vccw_vq *vq)
{
	return vq->cfg.driver + AVAIL_RING + (uint64_t)vq->cfg.size * 2;
}

/*
 * Walk the chain at @head. The walk is bounded by the number of entries of the table
 * being walked (the queue size, or the indirect table's), which also catches loops:
 * a chain that visits more descriptors than exist must revisit one (2.7.5.2, 2.7.5.3.1).
 */
static int split_walk(struct vccw_vq *vq, uint16_t head, struct vccw_vq_elem *elem)
{
	uint64_t table = vq->cfg.desc;
	uint32_t max = vq->cfg.size, count = 0, i = head, ndescs = 0;
	bool indirect = false;
	struct walk w;
	struct desc d;
	int rc;

	walk_start(&w, elem);
	for (;;) {
		if (++count > max)
			return -EIO;
		if (!read_desc(vq, table, i, &d))
			return -EIO;
		if (!indirect)
			ndescs++;
		if (d.flags & VCCW_VRING_DESC_F_INDIRECT) {
			/*
			 * 2.7.5.3.2: the device handles zero or more normal descriptors followed
			 * by one indirect descriptor; an indirect table never holds another one.
			 * The WRITE flag of the table descriptor is ignored.
			 */
			if (indirect)
				return -EIO;
			max = indirect_entries(vq, &d);
			if (!max)
				return -EIO;
			table = d.addr;
			indirect = true;
			count = 0;
			i = 0;
			continue;
		}
		rc = walk_add(vq, &w, d.addr, d.len, d.flags & VCCW_VRING_DESC_F_WRITE);
		if (rc)
			return rc;
		if (!(d.flags & VCCW_VRING_DESC_F_NEXT))
			break;
		if (d.next >= max)
			return -EIO;
		i = d.next;
	}
	walk_finish(&w);
	elem->id = head;
	elem->ndescs = (uint16_t)ndescs;
	return 0;
}

static int split_pop(struct vccw_vq *vq, struct vccw_vq_elem *elem)
{
	uint16_t avail_idx, head, pending;
	int rc;

	/* Ring entries and descriptors are read only after the index that published them. */
	if (!ld16_acquire(vq, vq->cfg.driver + AVAIL_IDX, &avail_idx))
		return -EIO;
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return 0;
	/* 2.7.6: the driver cannot have more buffers outstanding than the queue holds. */
	if (pending > vq->cfg.size)
		return -EIO;
	if (!ld16(vq, vq->cfg.driver + AVAIL_RING + (vq->last_avail % vq->cfg.size) * 2u, &head))
		return -EIO;
	if (head >= vq->cfg.size)
		return -EIO;
	rc = split_walk(vq, head, elem);
	if (rc)
		return rc;
	vq->last_avail++;
	/* 2.7.10: with event index, tell the driver where we are so it kicks on the next. */
	if (vq->cfg.event_idx && vq->notification) {
		st16_release(vq, split_avail_event(vq), vq->last_avail);
		/* Publish avail_event before any later look at the avail index. */
		vccw_mem_mb();
	}
	return 1;
}

static void split_push_many(struct vccw_vq *vq, const struct vccw_vq_used *used, unsigned int n)
{
	uint64_t slot;
	unsigned int k;

	for (k = 0; k < n; k++) {
		slot = vq->cfg.device + USED_RING +
		       ((uint16_t)(vq->used_idx + k) % vq->cfg.size) * USED_ELEM_SIZE;
		st32(vq, slot, used[k].id);
		st32(vq, slot + 4, used[k].len);
	}
	/* 2.7.8.2: the entries are visible before the index that publishes them. */
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	st16_release(vq, vq->cfg.device + USED_IDX, vq->used_idx);
	vq->pending += n;
}

/* 2.7.10: vring_need_event() in 16-bit arithmetic: @event lies in [@old, @new). */
static bool need_event16(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool split_should_notify(struct vccw_vq *vq)
{
	uint16_t old = (uint16_t)vq->signalled, event, flags;
	bool valid = vq->signalled_valid;
	uint32_t pending = vq->pending;

	/* Our used index store must be visible before we read the driver's wish. */
	vccw_mem_mb();
	vq->signalled = vq->used_idx;
	vq->signalled_valid = true;
	vq->pending = 0;
	if (!vq->cfg.event_idx) {
		/* 2.7.7.1: without event index the device honours NO_INTERRUPT. */
		if (!ld16_acquire(vq, vq->cfg.driver, &flags))
			return true;
		return !(flags & VCCW_VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (!ld16_acquire(vq, split_used_event(vq), &event))
		return true;
	/* A first decision, or more entries than 16 bits can tell apart: notify. */
	if (!valid || pending > UINT16_MAX)
		return true;
	return need_event16(event, vq->used_idx, old);
}

static void split_set_notification(struct vccw_vq *vq, bool enable)
{
	uint16_t avail_idx;

	if (vq->cfg.event_idx) {
		/*
		 * 2.7.10: the driver notifies when its index passes avail_event. Use the
		 * index it has published now, so the next buffer it adds gets a kick even if
		 * the device has not consumed everything yet.
		 */
		if (enable) {
			if (!ld16_acquire(vq, vq->cfg.driver + AVAIL_IDX, &avail_idx))
				avail_idx = vq->last_avail;
			st16_release(vq, split_avail_event(vq), avail_idx);
		}
	} else {
		st16_release(vq, vq->cfg.device + USED_FLAGS,
			     enable ? 0 : VCCW_VRING_USED_F_NO_NOTIFY);
	}
	/* The device re-checks the ring after this; that read must follow the store. */
	vccw_mem_mb();
}

static bool split_has_work(struct vccw_vq *vq)
{
	uint16_t avail_idx;

	if (!ld16_acquire(vq, vq->cfg.driver + AVAIL_IDX, &avail_idx))
		return false;
	return avail_idx != vq->last_avail;
}

/* ---- Packed ring ---- */

/* 2.8.1: available when AVAIL matches the wrap counter and USED does not. */
static bool packed_is_avail(uint16_t flags, bool wrap)
{
	bool avail = flags & VCCW_VRING_PACKED_DESC_F_AVAIL;
	bool used = flags & VCCW_VRING_PACKED_DESC_F_USED;

	return avail == wrap && used != wrap;
}

static void packed_advance(const struct vccw_vq *vq, uint16_t *pos, bool *wrap, uint32_t n)
{
	uint32_t p = *pos + n;

	if (p >= vq->cfg.size) {
		p -= vq->cfg.size;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

/* Indirect table of a packed ring (2.8.9): every entry is used; only WRITE counts. */
static int packed_walk_indirect(struct vccw_vq *vq, struct walk *w, const struct desc *d)
{
	uint32_t n = indirect_entries(vq, d), i;
	struct desc t;
	int rc;

	if (!n)
		return -EIO;
	for (i = 0; i < n; i++) {
		if (!read_desc(vq, d->addr, i, &t))
			return -EIO;
		/* Other flags and the buffer id are reserved here and ignored (2.8.9). */
		rc = walk_add(vq, w, t.addr, t.len, t.flags & VCCW_VRING_DESC_F_WRITE);
		if (rc)
			return rc;
	}
	return 0;
}

static int packed_pop(struct vccw_vq *vq, struct vccw_vq_elem *elem)
{
	uint16_t pos = vq->last_avail, flags, id = 0;
	bool wrap = vq->avail_wrap;
	uint32_t count = 0;
	struct walk w;
	struct desc d;
	int rc;

	/* The rest of the descriptor is read only after the flags that published it. */
	if (!ld16_acquire(vq, vq->cfg.desc + (uint64_t)pos * DESC_SIZE + PDESC_FLAGS, &flags))
		return -EIO;
	if (!packed_is_avail(flags, wrap))
		return 0;
	walk_start(&w, elem);
	for (;;) {
		/* 2.8.19: a list is never longer than the queue. */
		if (++count > vq->cfg.size)
			return -EIO;
		if (!read_desc(vq, vq->cfg.desc, pos, &d))
			return -EIO;
		if (count == 1) {
			/* Keep the flags value that made the head available (fetch once). */
			d.flags = flags;
		} else if (!packed_is_avail(d.flags, wrap)) {
			/* 2.8.6: the rest of a list is made available before its head. */
			return -EIO;
		}
		packed_advance(vq, &pos, &wrap, 1);
		/* 2.8.6: the buffer id is in the last descriptor of the list. */
		id = d.next;
		if (d.flags & VCCW_VRING_DESC_F_INDIRECT) {
			/* 2.8.19: never inside a NEXT list, never with NEXT itself. */
			if (count != 1)
				return -EIO;
			rc = packed_walk_indirect(vq, &w, &d);
			if (rc)
				return rc;
			break;
		}
		rc = walk_add(vq, &w, d.addr, d.len, d.flags & VCCW_VRING_DESC_F_WRITE);
		if (rc)
			return rc;
		if (!(d.flags & VCCW_VRING_DESC_F_NEXT))
			break;
	}
	walk_finish(&w);
	elem->id = id;
	elem->ndescs = (uint16_t)count;
	vq->last_avail = pos;
	vq->avail_wrap = wrap;
	return 1;
}

/* The flags that hand a used descriptor back in the current lap (2.8.1, 2.8.4). */
static uint16_t packed_used_flags(bool wrap, const struct vccw_vq_used *u)
{
	uint16_t flags = 0;

	if (wrap)
		flags |= VCCW_VRING_PACKED_DESC_F_AVAIL | VCCW_VRING_PACKED_DESC_F_USED;
	/* 2.8.4: WRITE in a used descriptor says the length is meaningful. */
	if (u->len || u->has_in)
		flags |= VCCW_VRING_DESC_F_WRITE;
	return flags;
}

static void packed_push_many(struct vccw_vq *vq, const struct vccw_vq_used *used,
			     unsigned int n)
{
	uint16_t pos = vq->used_idx, first_pos = vq->used_idx;
	bool wrap = vq->used_wrap, first_wrap = vq->used_wrap;
	uint64_t desc;
	unsigned int k;

	/*
	 * 2.8.5, 2.8.1: id and length, then the flags that hand an entry back. The driver
	 * reads used descriptors in ring order, so the entries after the first are
	 * complete before the first one's flags make the whole group visible.
	 */
	for (k = 0; k < n; k++) {
		desc = vq->cfg.desc + (uint64_t)pos * DESC_SIZE;
		st16(vq, desc + PDESC_ID, used[k].id);
		st32(vq, desc + PDESC_LEN, used[k].len);
		if (k)
			st16_release(vq, desc + PDESC_FLAGS, packed_used_flags(wrap, &used[k]));
		/* 2.8.6: one used descriptor per list; skip the rest of the list. */
		packed_advance(vq, &pos, &wrap, used[k].ndescs ? used[k].ndescs : 1);
		vq->pending += used[k].ndescs ? used[k].ndescs : 1;
	}
	st16_release(vq, vq->cfg.desc + (uint64_t)first_pos * DESC_SIZE + PDESC_FLAGS,
		     packed_used_flags(first_wrap, &used[0]));
	vq->used_idx = pos;
	vq->used_wrap = wrap;
}

/*
 * A ring position with its wrap counter as one number modulo 2 * size, so that the
 * event index comparison of 2.7.10 applies to the packed ring as well: the first lap
 * (wrap counter 1) counts 0..size-1, the second size..2*size-1.
 */
static uint32_t ext_idx(const struct vccw_vq *vq, uint32_t pos, bool wrap)
{
	return (pos + (wrap ? 0 : vq->cfg.size)) % (2u * vq->cfg.size);
}

static bool packed_should_notify(struct vccw_vq *vq)
{
	uint32_t ring = 2u * vq->cfg.size, old = vq->signalled, new_idx, event;
	uint16_t off_wrap, flags;
	bool valid = vq->signalled_valid;
	uint32_t pending = vq->pending;

	vccw_mem_mb();
	new_idx = ext_idx(vq, vq->used_idx, vq->used_wrap);
	vq->signalled = new_idx;
	vq->signalled_valid = true;
	vq->pending = 0;
	if (!ld16_acquire(vq, vq->cfg.driver + EVENT_FLAGS, &flags))
		return true;
	switch (flags & EVENT_FLAGS_MASK) {
	case VCCW_VRING_PACKED_EVENT_FLAG_DISABLE:
		return false;
	case VCCW_VRING_PACKED_EVENT_FLAG_DESC:
		/* 2.8.10: only valid with event index; otherwise (and 0x3) treat as enable. */
		if (!vq->cfg.event_idx)
			return true;
		break;
	default:
		return true;
	}
	if (!ld16_acquire(vq, vq->cfg.driver + EVENT_OFF_WRAP, &off_wrap))
		return true;
	if (!valid || pending >= vq->cfg.size)
		return true;
	event = ext_idx(vq, (off_wrap & 0x7fffu) % vq->cfg.size, off_wrap >> EVENT_WRAP_BIT);
	/* Notify when the used position passed the event position: event in [old, new). */
	return (new_idx + ring - event - 1) % ring < (new_idx + ring - old) % ring;
}

static void packed_set_notification(struct vccw_vq *vq, bool enable)
{
	uint16_t flags;

	if (!enable) {
		flags = VCCW_VRING_PACKED_EVENT_FLAG_DISABLE;
	} else if (vq->cfg.event_idx) {
		/* Ask for a notification once the next position we will read is made available. */
		/* The position first, then (release) the flags that make it count. */
		st16_release(vq, vq->cfg.device + EVENT_OFF_WRAP,
			     (uint16_t)(vq->last_avail |
					(vq->avail_wrap ? 1u << EVENT_WRAP_BIT : 0)));
		flags = VCCW_VRING_PACKED_EVENT_FLAG_DESC;
	} else {
		flags = VCCW_VRING_PACKED_EVENT_FLAG_ENABLE;
	}
	st16_release(vq, vq->cfg.device + EVENT_FLAGS, flags);
	vccw_mem_mb();
}

static bool packed_has_work(struct vccw_vq *vq)
{
	uint16_t flags;

	if (!ld16_acquire(vq,
			  vq->cfg.desc + (uint64_t)vq->last_avail * DESC_SIZE + PDESC_FLAGS, &flags))
		return false;
	return packed_is_avail(flags, vq->avail_wrap);
}

/* ---- Public interface ---- */

bool vccw_vq_legacy_layout(uint64_t desc, uint16_t size, uint32_t align, uint64_t *driver,
			   uint64_t *device)
{
	/* Avail ring: flags, idx, ring[size], used_event = 2 * (3 + size) bytes. */
	uint64_t avail_len = 2 * (3 + (uint64_t)size);
	uint64_t desc_len = (uint64_t)size * DESC_SIZE, end, used;

	if (align == 0 || (align & (align - 1)))
		return false;
	if (desc > UINT64_MAX - desc_len || desc + desc_len > UINT64_MAX - avail_len)
		return false;
	end = desc + desc_len + avail_len;
	if (end > UINT64_MAX - (align - 1))
		return false;
	used = (end + align - 1) & ~((uint64_t)align - 1);
	*driver = desc + desc_len;
	*device = used;
	return true;
}

struct vccw_vq *vccw_vq_new(struct vccw_mem *mem, struct vccw_err *err)
{
	struct vccw_vq *vq = calloc(1, sizeof(*vq));

	if (!vq) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	vq->mem = mem;
	vccw_vq_reset(vq);
	return vq;
}

void vccw_vq_free(struct vccw_vq *vq)
{
	free(vq);
}

static bool aligned(uint64_t addr, uint64_t align)
{
	return (addr & (align - 1)) == 0;
}

int vccw_vq_setup(struct vccw_vq *vq, const struct vccw_vq_config *cfg)
{
	uint64_t size, ev;

	vccw_vq_reset(vq);
	if (!cfg)
		return 0;
	size = cfg->size;
	if (size == 0 || size > VCCW_VQ_MAX_SIZE)
		return -EINVAL;
	/* Event fields at the end of the split rings exist only with event index. */
	ev = cfg->event_idx ? 2 : 0;
	if (cfg->packed) {
		/* 2.8.10.1: descriptor ring 16, event suppression structures 4. */
		if (!aligned(cfg->desc, 16) || !aligned(cfg->driver, 4) ||
		    !aligned(cfg->device, 4))
			return -EINVAL;
		if (!vccw_mem_valid(vq->mem, cfg->desc, size * DESC_SIZE) ||
		    !vccw_mem_valid(vq->mem, cfg->driver, 4) ||
		    !vccw_mem_valid(vq->mem, cfg->device, 4))
			return -EINVAL;
	} else {
		/* 2.7: queue size is a power of 2; desc 16, avail 2, used 4 aligned. */
		if (size & (size - 1))
			return -EINVAL;
		if (!aligned(cfg->desc, 16) || !aligned(cfg->driver, 2) ||
		    !aligned(cfg->device, 4))
			return -EINVAL;
		if (!vccw_mem_valid(vq->mem, cfg->desc, size * DESC_SIZE) ||
		    !vccw_mem_valid(vq->mem, cfg->driver, AVAIL_RING + 2 * size + ev) ||
		    !vccw_mem_valid(vq->mem, cfg->device, USED_RING + USED_ELEM_SIZE * size + ev))
			return -EINVAL;
	}
	vq->cfg = *cfg;
	vq->ready = true;
	return 0;
}

void vccw_vq_reset(struct vccw_vq *vq)
{
	memset(&vq->cfg, 0, sizeof(vq->cfg));
	vq->ready = false;
	vq->broken = false;
	vq->notification = true;
	vq->last_avail = 0;
	vq->used_idx = 0;
	/* 2.8.1: both wrap counters start at 1. */
	vq->avail_wrap = true;
	vq->used_wrap = true;
	vq->signalled = 0;
	vq->signalled_valid = false;
	vq->pending = 0;
}

bool vccw_vq_ready(const struct vccw_vq *vq)
{
	return vq->ready;
}

uint16_t vccw_vq_size(const struct vccw_vq *vq)
{
	return vq->ready ? vq->cfg.size : 0;
}

int vccw_vq_pop(struct vccw_vq *vq, struct vccw_vq_elem *elem)
{
	int rc;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	rc = vq->cfg.packed ? packed_pop(vq, elem) : split_pop(vq, elem);
	if (rc < 0) {
		/* Sticky until reset: the driver's view and ours can no longer agree. */
		vq->broken = true;
		return -EIO;
	}
	return rc;
}

void vccw_vq_push(struct vccw_vq *vq, const struct vccw_vq_elem *elem, uint32_t len)
{
	struct vccw_vq_used u = {
		.id = elem->id, .ndescs = elem->ndescs, .len = len, .has_in = elem->in_num != 0
	};

	vccw_vq_push_many(vq, &u, 1);
}

void vccw_vq_push_many(struct vccw_vq *vq, const struct vccw_vq_used *used, unsigned int n)
{
	if (!vq->ready || vq->broken || !n)
		return;
	if (vq->cfg.packed)
		packed_push_many(vq, used, n);
	else
		split_push_many(vq, used, n);
}

void vccw_vq_unpop(struct vccw_vq *vq, uint16_t ndescs)
{
	uint32_t n = ndescs ? ndescs : 1;

	if (!vq->ready || vq->broken)
		return;
	if (!vq->cfg.packed) {
		/* One available ring entry per element, whatever its chain length. */
		vq->last_avail--;
		return;
	}
	if (n > vq->cfg.size)
		return;
	/* Back over the element's descriptors, into the previous lap if needed. */
	if (vq->last_avail >= n) {
		vq->last_avail = (uint16_t)(vq->last_avail - n);
	} else {
		vq->last_avail = (uint16_t)(vq->last_avail + vq->cfg.size - n);
		vq->avail_wrap = !vq->avail_wrap;
	}
}

bool vccw_vq_should_notify(struct vccw_vq *vq)
{
	if (!vq->ready)
		return false;
	return vq->cfg.packed ? packed_should_notify(vq) : split_should_notify(vq);
}

void vccw_vq_set_notification(struct vccw_vq *vq, bool enable)
{
	if (!vq->ready)
		return;
	vq->notification = enable;
	if (vq->cfg.packed)
		packed_set_notification(vq, enable);
	else
		split_set_notification(vq, enable);
}

bool vccw_vq_has_work(struct vccw_vq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	return vq->cfg.packed ? packed_has_work(vq) : split_has_work(vq);
}
