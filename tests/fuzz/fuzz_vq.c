// SPDX-License-Identifier: MIT
/*
 * Fuzz target for virtqueue parsing (lib/virtio vq.c): the input is guest memory holding
 * a split or packed ring plus a header choosing the layout, byte order, size, features
 * and ring addresses (or the legacy layout computed from the descriptor address and an
 * alignment: header byte 0 bits 4-5 = 1, byte 1 bits 2-5 the alignment's log2 and bit 7
 * a descriptor address near 2^64); the target pops every element the driver "offered",
 * pushes it back (one by one, or with header byte 1 bit 0 set in groups of up to 4
 * through vccw_vq_push_many(), giving the newest of each group back once with
 * vccw_vq_unpop() first), and asks for notification decisions (after every push with
 * header byte 0 bit 5). Sanitizers and the bounded walks are the checks: no access
 * outside guest RAM, no hang, no crash, whatever the rings say.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/mem.h"
#include "vccw/virtqueue.h"

#define RAM_SIZE (64u * 1024)

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/vq";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(8) uint8_t ram[RAM_SIZE]; /* vccw_mem_wrap() wants 8-byte alignment */
	static struct vccw_vq_elem elem;
	struct vccw_vq_config cfg;
	struct vccw_mem *mem;
	struct vccw_vq *vq;
	unsigned int i;
	bool event_each;

	if (size < 16)
		return 0;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 16, size - 16 < RAM_SIZE ? size - 16 : RAM_SIZE);
	memset(&cfg, 0, sizeof(cfg));
	cfg.packed = data[0] & 1;
	cfg.big_endian = data[0] & 2;
	cfg.event_idx = data[0] & 4;
	cfg.indirect = data[0] & 8;
	cfg.size = (uint16_t)(vccw_ld_be16(data + 2) % (VCCW_VQ_MAX_SIZE + 2));
	/* Ring addresses anywhere (mostly inside the small RAM) to reach the parsers. */
	cfg.desc = vccw_ld_be32(data + 4) % (RAM_SIZE + 64);
	cfg.driver = vccw_ld_be32(data + 8) % (RAM_SIZE + 64);
	cfg.device = vccw_ld_be32(data + 12) % (RAM_SIZE + 64);
	/* The legacy (revision 0) layout: rings placed from the descriptor table alone. */
	if ((data[0] & 0x30) == 0x10 && (data[1] & 0x80))
		cfg.desc = UINT64_MAX - vccw_ld_be32(data + 4); /* the overflow checks */
	if ((data[0] & 0x30) == 0x10 &&
	    !vccw_vq_legacy_layout(cfg.desc, cfg.size, 1u << (data[1] >> 2 & 15), &cfg.driver,
				   &cfg.device))
		return 0;
	/* Event index on both sides: the decision follows every push, not only the last. */
	event_each = data[0] & 0x20;
	mem = vccw_mem_wrap(ram, RAM_SIZE, NULL);
	vq = vccw_vq_new(mem, NULL);
	if (vq && vccw_vq_setup(vq, &cfg) == 0 && (data[1] & 1)) {
		struct vccw_vq_used used[4];
		unsigned int n, rounds;

		for (rounds = 0; rounds < VCCW_VQ_MAX_SIZE; rounds++) {
			for (n = 0; n < 4 && vccw_vq_pop(vq, &elem) == 1; n++) {
				if (n == 3 && (data[1] & 2)) {
					/* Given back and taken again: the same element. */
					vccw_vq_unpop(vq, elem.ndescs);
					if (vccw_vq_pop(vq, &elem) != 1)
						break;
				}
				used[n].id = elem.id;
				used[n].ndescs = elem.ndescs;
				used[n].len = elem.in_len > 64 ? 64 : (uint32_t)elem.in_len;
				used[n].has_in = elem.in_num != 0;
			}
			vccw_vq_push_many(vq, used, n);
			if (event_each)
				vccw_vq_should_notify(vq);
			if (n < 4)
				break;
		}
		vccw_vq_should_notify(vq);
	} else if (vq && vccw_vq_ready(vq)) {
		for (i = 0; i < 2 * VCCW_VQ_MAX_SIZE; i++) {
			int rc = vccw_vq_pop(vq, &elem);

			if (rc <= 0)
				break;
			vccw_vq_push(vq, &elem, (uint32_t)(elem.in_len > 64 ? 64 : elem.in_len));
			if (event_each)
				vccw_vq_should_notify(vq);
			if (i % 7 == 0)
				vccw_vq_set_notification(vq, i & 8);
		}
		vccw_vq_should_notify(vq);
		vccw_vq_has_work(vq);
	}
	vccw_vq_free(vq);
	vccw_mem_free(mem);
	return 0;
}
