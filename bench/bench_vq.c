// SPDX-License-Identifier: MIT
/*
 * Virtqueues, device side: vccw_vq_pop() + vccw_vq_push() of 1-descriptor and
 * 3-descriptor chains on a split and a packed ring (virtio v1.2 sections 2.7 and 2.8,
 * VERSION_1 byte order, event index), one vccw_vq_should_notify() per batch as a device
 * does after its pushes. The driver side is written here: it fills the whole ring with
 * chains (untimed), then the device consumes all of them (timed).
 *
 * Baseline: the floor of touching the ring: for each chain, memcpy its descriptor bytes
 * out of the ring and write one used entry, over the same ring the driver filled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "vccw/byteorder.h"
#include "vccw/mem.h"
#include "vccw/virtqueue.h"

#define RAM_SIZE (1u << 20)
#define QSIZE 256
#define DESC_ADDR 0x10000
#define DRIVER_ADDR 0x11000 /* split avail ring / packed driver event suppression */
#define DEVICE_ADDR 0x12000 /* split used ring / packed device event suppression */
#define DATA_ADDR 0x20000   /* 1 KiB per chain */
#define TARGET_MS 100

struct vb {
	uint8_t *ram;
	struct vccw_mem *mem;
	struct vccw_vq *vq;
	struct vccw_vq_elem *elem;
	bool packed;
	unsigned int ndesc;    /* descriptors per chain: 1 or 3 */
	unsigned int batch;    /* chains per filled ring */
	/* Driver state. */
	uint16_t avail_idx;    /* split: free-running avail index */
	uint16_t next_avail;   /* packed: next descriptor slot */
	bool wrap;             /* packed: driver wrap counter */
	/* Baseline state: where the device would look next. */
	uint16_t base_pos;
	unsigned long errors;
	volatile uint64_t sink;
};

static uint8_t *at(struct vb *b, uint64_t gaddr)
{
	return b->ram + gaddr;
}

/* Segment @j of a chain: 1 desc: 512 readable; 3 descs: 16 readable, 512 readable, 1 writable. */
static void seg(const struct vb *b, unsigned int chain, unsigned int j, uint64_t *addr,
		uint32_t *len, bool *write)
{
	uint64_t base = DATA_ADDR + (uint64_t)chain * 1024;

	if (b->ndesc == 1) {
		*addr = base;
		*len = 512;
		*write = false;
		return;
	}
	*addr = base + (j == 0 ? 0 : j == 1 ? 64 : 640);
	*len = j == 0 ? 16 : j == 1 ? 512 : 1;
	*write = j == 2;
}

/* Split: the descriptor table is built once (chain k = descriptors k*n ... k*n+n-1). */
static void split_build(struct vb *b)
{
	unsigned int k, j;

	for (k = 0; k < b->batch; k++) {
		for (j = 0; j < b->ndesc; j++) {
			uint8_t *d = at(b, DESC_ADDR + 16u * (k * b->ndesc + j));
			uint16_t flags = 0;
			uint64_t addr;
			uint32_t len;
			bool write;

			seg(b, k, j, &addr, &len, &write);
			if (j + 1 < b->ndesc)
				flags |= VCCW_VRING_DESC_F_NEXT;
			if (write)
				flags |= VCCW_VRING_DESC_F_WRITE;
			vccw_st_le64(d, addr);
			vccw_st_le32(d + 8, len);
			vccw_st_le16(d + 12, flags);
			vccw_st_le16(d + 14, (uint16_t)(k * b->ndesc + j + 1));
		}
	}
}

/* Make every chain available once more. */
static void driver_fill(struct vb *b)
{
	unsigned int k, j;

	if (!b->packed) {
		for (k = 0; k < b->batch; k++)
			vccw_st_le16(at(b, DRIVER_ADDR + 4 + 2u * ((b->avail_idx + k) % QSIZE)),
				     (uint16_t)(k * b->ndesc));
		b->avail_idx = (uint16_t)(b->avail_idx + b->batch);
		vccw_mem_st_release_le16(b->mem, DRIVER_ADDR + 2, b->avail_idx);
		return;
	}
	for (k = 0; k < b->batch; k++) {
		uint16_t head = b->next_avail, head_flags = 0;

		for (j = 0; j < b->ndesc; j++) {
			uint8_t *d = at(b, DESC_ADDR + 16u * b->next_avail);
			uint16_t flags = b->wrap ? VCCW_VRING_PACKED_DESC_F_AVAIL :
						   VCCW_VRING_PACKED_DESC_F_USED;
			uint64_t addr;
			uint32_t len;
			bool write;

			seg(b, k, j, &addr, &len, &write);
			if (j + 1 < b->ndesc)
				flags |= VCCW_VRING_DESC_F_NEXT;
			if (write)
				flags |= VCCW_VRING_DESC_F_WRITE;
			vccw_st_le64(d, addr);
			vccw_st_le32(d + 8, len);
			vccw_st_le16(d + 12, (uint16_t)k);
			/* 2.8.6: the head's flags are written last, after the rest of the list. */
			if (j == 0)
				head_flags = flags;
			else
				vccw_st_le16(d + 14, flags);
			if (++b->next_avail == QSIZE) {
				b->next_avail = 0;
				b->wrap = !b->wrap;
			}
		}
		vccw_mem_st_release_le16(b->mem, DESC_ADDR + 16u * head + 14, head_flags);
	}
}

static uint64_t run_vq(void *arg, uint64_t n)
{
	struct vb *b = arg;
	uint64_t done = 0, t = 0;

	while (done < n) {
		uint64_t t0;
		unsigned int k;

		driver_fill(b);
		t0 = bench_now_ns();
		for (k = 0; k < b->batch; k++) {
			if (vccw_vq_pop(b->vq, b->elem) != 1) {
				b->errors++;
				break;
			}
			vccw_vq_push(b->vq, b->elem, b->elem->in_len ? 1 : 0);
		}
		b->sink += vccw_vq_should_notify(b->vq);
		t += bench_now_ns() - t0;
		done += b->batch;
	}
	return t;
}

/* The floor: copy each chain's descriptors out of the ring, write one used entry. */
static uint64_t run_memcpy(void *arg, uint64_t n)
{
	struct vb *b = arg;
	uint64_t done = 0, t = 0;
	uint8_t local[3 * 16];

	while (done < n) {
		uint64_t t0;
		unsigned int k, len = 16 * b->ndesc;

		driver_fill(b);
		t0 = bench_now_ns();
		for (k = 0; k < b->batch; k++) {
			uint16_t pos = b->base_pos;

			if (pos + b->ndesc > QSIZE)
				pos = 0;
			memcpy(local, at(b, DESC_ADDR + 16u * pos), len);
			memcpy(at(b, DEVICE_ADDR + 4 + 8u * (k % QSIZE)), local + 8, 8);
			b->base_pos = (uint16_t)((pos + b->ndesc) % QSIZE);
			__asm__ __volatile__("" : : "r"(local) : "memory");
		}
		t += bench_now_ns() - t0;
		done += b->batch;
	}
	return t;
}

static bool vb_init(struct vb *b, bool packed, unsigned int ndesc)
{
	struct vccw_vq_config cfg = {
		.size = QSIZE,
		.packed = packed,
		.event_idx = true,
		.desc = DESC_ADDR,
		.driver = DRIVER_ADDR,
		.device = DEVICE_ADDR,
	};
	struct vccw_err err;

	memset(b, 0, sizeof(*b));
	b->packed = packed;
	b->ndesc = ndesc;
	b->batch = QSIZE / ndesc;
	b->wrap = true; /* 2.8.1: wrap counters start at 1 */
	b->ram = aligned_alloc(4096, RAM_SIZE);
	b->elem = malloc(sizeof(*b->elem));
	if (!b->ram || !b->elem)
		return false;
	memset(b->ram, 0, RAM_SIZE);
	b->mem = vccw_mem_wrap(b->ram, RAM_SIZE, &err);
	if (!b->mem)
		goto err;
	b->vq = vccw_vq_new(b->mem, &err);
	if (!b->vq)
		goto err;
	if (vccw_vq_setup(b->vq, &cfg)) {
		fprintf(stderr, "bench vq: setup refused\n");
		return false;
	}
	if (!packed)
		split_build(b);
	return true;

err:
	fprintf(stderr, "bench vq: %s\n", err.msg);
	return false;
}

static void vb_fini(struct vb *b)
{
	vccw_vq_free(b->vq);
	vccw_mem_free(b->mem);
	free(b->ram);
	free(b->elem);
}

void bench_vq(void)
{
	static const struct {
		bool packed;
		unsigned int ndesc;
		const char *name;
	} cases[] = {
		{ false, 1, "split, 1-desc chains" },
		{ false, 3, "split, 3-desc chains" },
		{ true, 1, "packed, 1-desc chains" },
		{ true, 3, "packed, 3-desc chains" },
	};
	unsigned long errors = 0;
	unsigned int i;

	bench_section("virtqueue device side: pop + push (ring of 256, driver side untimed)");
	for (i = 0; i < VCCW_ARRAY_SIZE(cases); i++) {
		struct bench_result r, base;
		struct vb b, c;
		char what[64];

		if (!vb_init(&b, cases[i].packed, cases[i].ndesc) ||
		    !vb_init(&c, cases[i].packed, cases[i].ndesc)) {
			bench_note("vq: setup failed for %s", cases[i].name);
			continue;
		}
		base = bench_measure_timed(run_memcpy, &c, TARGET_MS);
		r = bench_measure_timed(run_vq, &b, TARGET_MS);
		snprintf(what, sizeof(what), "vq pop+push, %s", cases[i].name);
		bench_row_rate(what, &r, "memcpy of the descriptors + used entry", &base);
		errors += b.errors;
		vb_fini(&b);
		vb_fini(&c);
	}
	if (errors)
		bench_note("vq: %lu pops found no chain or a broken ring", errors);
}
