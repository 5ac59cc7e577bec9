// SPDX-License-Identifier: MIT
/*
 * Hostile rings: every way a driver can break a chain that virtio v1.2 forbids in its
 * driver requirements (2.7.5.2, 2.7.5.3.1, 2.7.6, 2.8.19) must make vccw_vq_pop() return
 * -EIO, keep returning it until the queue is set up again, and write nothing to guest
 * memory (the whole RAM is compared with a snapshot, and the guard bytes around it are
 * checked at the end of every test).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring_util.h"
#include "test.h"

static struct vccw_vq_elem elem;

#define F_NEXT VCCW_VRING_DESC_F_NEXT
#define F_WRITE VCCW_VRING_DESC_F_WRITE
#define F_INDIRECT VCCW_VRING_DESC_F_INDIRECT

/* Pop the broken chain: -EIO twice, nothing written; then a fresh queue works again. */
static void expect_broken(struct rw *r, const char *what)
{
	const struct rw_seg seg = { RW_DATA, 4, true };

	rw_snapshot(r);
	CHECK_MSG(vccw_vq_pop(r->vq, &elem) == -EIO, "%s: first pop", what);
	CHECK_MSG(vccw_vq_pop(r->vq, &elem) == -EIO, "%s: broken queue stays broken", what);
	CHECK_MSG(!vccw_vq_has_work(r->vq), "%s: broken queue has no work", what);
	CHECK_MSG(rw_unchanged(r), "%s: guest memory was written", what);
	/* Notification changes (which do write the ring) do not resurrect it either. */
	vccw_vq_set_notification(r->vq, true);
	vccw_vq_set_notification(r->vq, false);
	CHECK_MSG(vccw_vq_pop(r->vq, &elem) == -EIO, "%s: still broken", what);

	/* A reset and a new setup bring the queue back. */
	vccw_vq_reset(r->vq);
	memset(r->ram + RW_DESC, 0, 3 * 0x1000);
	REQUIRE(rw_setup(r) == 0);
	if (r->cfg.packed)
		rw_plist(r, &seg, 1, 1);
	else
		rw_chain(r, 0, &seg, 1);
	CHECK_MSG(vccw_vq_pop(r->vq, &elem) == 1, "%s: queue usable after reset", what);
}

static bool split(struct rw *r, int be, uint16_t size)
{
	return rw_init(r, false, be, size, true, true);
}

TEST(test_vq_hostile_split_self_loop)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		rw_desc(&r, RW_DESC, 0, RW_DATA, 4, F_NEXT, 0);
		rw_avail(&r, 0);
		expect_broken(&r, "self loop");
		rw_fini(&r);
	}
}

/* A loop through every descriptor: the chain is longer than the queue (2.7.5.2). */
TEST(test_vq_hostile_split_chain_longer_than_size)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		for (unsigned int i = 0; i < 4; i++)
			rw_desc(&r, RW_DESC, i, RW_DATA, 4, F_NEXT, (i + 1) % 4);
		rw_avail(&r, 2);
		expect_broken(&r, "loop over the queue");
		rw_fini(&r);
	}
}

TEST(test_vq_hostile_split_loop_in_indirect_table)
{
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	rw_desc(&r, RW_TABLE, 0, RW_DATA, 4, F_NEXT, 1);
	rw_desc(&r, RW_TABLE, 1, RW_DATA, 4, F_NEXT, 0);
	rw_desc(&r, RW_DESC, 0, RW_TABLE, 32, F_INDIRECT, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "loop in table");
	rw_fini(&r);
}

TEST(test_vq_hostile_split_next_out_of_range)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		rw_desc(&r, RW_DESC, 0, RW_DATA, 4, F_NEXT, 4);
		rw_avail(&r, 0);
		expect_broken(&r, "next == size");
		rw_fini(&r);
	}
	/* The same inside an indirect table: next beyond the table's entries. */
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	rw_desc(&r, RW_TABLE, 0, RW_DATA, 4, F_NEXT, 2);
	rw_desc(&r, RW_DESC, 0, RW_TABLE, 32, F_INDIRECT, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "next beyond the table");
	rw_fini(&r);
}

TEST(test_vq_hostile_split_head_out_of_range)
{
	struct rw r;

	REQUIRE(split(&r, 1, 4));
	rw_desc(&r, RW_DESC, 0, RW_DATA, 4, 0, 0);
	rw_avail(&r, 0xffff);
	expect_broken(&r, "head >= size");
	rw_fini(&r);
}

/* 2.7.6: avail->idx can be at most the queue size ahead of the device. */
TEST(test_vq_hostile_split_avail_idx_jump)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		rw_desc(&r, RW_DESC, 0, RW_DATA, 4, 0, 0);
		rw_w16(&r, RW_DRIVER + 2, 5);
		expect_broken(&r, "avail idx + 5");
		rw_fini(&r);
	}
	/* Exactly the queue size ahead is fine. */
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	for (unsigned int i = 0; i < 4; i++) {
		rw_desc(&r, RW_DESC, i, RW_DATA, 4, 0, 0);
		rw_avail(&r, (uint16_t)i);
	}
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
	CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
	rw_fini(&r);
}

TEST(test_vq_hostile_split_nested_indirect)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		rw_desc(&r, RW_TABLE + 0x100, 0, RW_DATA, 4, 0, 0);
		rw_desc(&r, RW_TABLE, 0, RW_TABLE + 0x100, 16, F_INDIRECT, 0);
		rw_desc(&r, RW_DESC, 0, RW_TABLE, 16, F_INDIRECT, 0);
		rw_avail(&r, 0);
		expect_broken(&r, "indirect in indirect");
		rw_fini(&r);
	}
}

/* 2.7.5.3.1: INDIRECT and NEXT together are forbidden. */
TEST(test_vq_hostile_split_indirect_with_next)
{
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	rw_desc(&r, RW_TABLE, 0, RW_DATA, 4, 0, 0);
	rw_desc(&r, RW_DESC, 0, RW_TABLE, 16, F_INDIRECT | F_NEXT, 1);
	rw_desc(&r, RW_DESC, 1, RW_DATA, 4, F_WRITE, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "INDIRECT|NEXT");
	rw_fini(&r);
}

TEST(test_vq_hostile_split_indirect_table_length)
{
	static const uint32_t bad[] = { 0, 8, 24, 17, (VCCW_VQ_MAX_SEGS + 1) * 16 };

	for (unsigned int i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		struct rw r;

		REQUIRE(split(&r, (int)(i & 1), 4));
		rw_desc(&r, RW_DESC, 0, RW_TABLE, bad[i], F_INDIRECT, 0);
		rw_avail(&r, 0);
		expect_broken(&r, "indirect table length");
		rw_fini(&r);
	}
}

TEST(test_vq_hostile_split_indirect_not_negotiated)
{
	struct rw r;

	REQUIRE(rw_init(&r, false, false, 4, false, false));
	rw_desc(&r, RW_TABLE, 0, RW_DATA, 4, 0, 0);
	rw_desc(&r, RW_DESC, 0, RW_TABLE, 16, F_INDIRECT, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "indirect without the feature");
	rw_fini(&r);
}

TEST(test_vq_hostile_split_indirect_table_outside_ram)
{
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	rw_desc(&r, RW_DESC, 0, RW_RAM_SIZE - 16, 32, F_INDIRECT, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "table outside RAM");
	rw_fini(&r);
}

TEST(test_vq_hostile_split_buffer_outside_ram)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RW_RAM_SIZE, 1 },
		{ RW_RAM_SIZE - 4, 5 },
		{ UINT64_MAX - 10, 100 }, /* addr + len wraps around to a small number */
		{ UINT64_MAX, 1 },
	};

	for (unsigned int i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		struct rw r;

		REQUIRE(split(&r, (int)(i & 1), 4));
		rw_desc(&r, RW_DESC, 0, RW_DATA, 4, F_NEXT, 1);
		rw_desc(&r, RW_DESC, 1, bad[i].addr, bad[i].len, F_WRITE, 0);
		rw_avail(&r, 0);
		expect_broken(&r, "buffer outside RAM");
		rw_fini(&r);
	}
}

/* 2.7.4.2: device-readable after device-writable is an ordering violation. */
TEST(test_vq_hostile_split_write_before_read)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(split(&r, be, 4));
		rw_desc(&r, RW_DESC, 0, RW_DATA, 4, F_WRITE | F_NEXT, 1);
		rw_desc(&r, RW_DESC, 1, RW_DATA + 0x10, 4, 0, 0);
		rw_avail(&r, 0);
		expect_broken(&r, "write then read");
		rw_fini(&r);
	}
	/* Even a zero-length writable descriptor counts. */
	struct rw r;

	REQUIRE(split(&r, 0, 4));
	rw_desc(&r, RW_DESC, 0, RW_DATA, 0, F_WRITE | F_NEXT, 1);
	rw_desc(&r, RW_DESC, 1, RW_DATA + 0x10, 4, 0, 0);
	rw_avail(&r, 0);
	expect_broken(&r, "empty write then read");
	rw_fini(&r);
}

/* 2.7.5.2: more than 2^32 - 1 bytes in one chain. Needs RAM above 4 GiB. */
TEST(test_vq_hostile_split_total_length_overflow)
{
	struct vccw_mem *mem = vccw_mem_new(UINT64_C(5) << 30, NULL);
	struct vccw_vq *vq;
	struct vccw_vq_config c = {
		.size = 4, .desc = 0x1000, .driver = 0x2000, .device = 0x3000,
	};

	if (!mem)
		SKIP("cannot reserve 5 GiB of address space for guest RAM");
	vq = vccw_vq_new(mem, NULL);
	REQUIRE(vq && vccw_vq_setup(vq, &c) == 0);
	vccw_mem_st_le64(mem, 0x1000, 0x10000);
	vccw_mem_st_le32(mem, 0x1008, UINT32_MAX);
	vccw_mem_st_le16(mem, 0x100c, F_NEXT);
	vccw_mem_st_le16(mem, 0x100e, 1);
	vccw_mem_st_le64(mem, 0x1010, 0x10000);
	vccw_mem_st_le32(mem, 0x1018, 1);
	vccw_mem_st_le16(mem, 0x2004, 0);
	vccw_mem_st_le16(mem, 0x2002, 1);
	CHECK_EQ(vccw_vq_pop(vq, &elem), -EIO);
	/* One byte less is a valid (if huge) chain. */
	vccw_vq_reset(vq);
	REQUIRE(vccw_vq_setup(vq, &c) == 0);
	vccw_mem_st_le32(mem, 0x1008, UINT32_MAX - 1);
	CHECK_EQ(vccw_vq_pop(vq, &elem), 1);
	CHECK_EQ(elem.out_len, UINT32_MAX);
	vccw_vq_free(vq);
	vccw_mem_free(mem);
}

/* ---- Packed ---- */

static bool packed(struct rw *r, int be, uint16_t size)
{
	return rw_init(r, true, be, size, true, true);
}

/* Every descriptor carries NEXT: the list runs past the queue size (2.8.19). */
TEST(test_vq_hostile_packed_list_longer_than_size)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(packed(&r, be, 4));
		for (unsigned int i = 0; i < 4; i++)
			rw_pdesc(&r, RW_DESC, i, RW_DATA, 4, 0, rw_pavail_bits(true) | F_NEXT);
		expect_broken(&r, "packed: list around the ring");
		rw_fini(&r);
	}
}

/* 2.8.6: the head is published last, so a list running into a non-available one is bad. */
TEST(test_vq_hostile_packed_list_into_unavailable)
{
	struct rw r;

	REQUIRE(packed(&r, 0, 4));
	rw_pdesc(&r, RW_DESC, 0, RW_DATA, 4, 0, rw_pavail_bits(true) | F_NEXT);
	expect_broken(&r, "packed: list continues into a stale descriptor");
	rw_fini(&r);
}

TEST(test_vq_hostile_packed_indirect_with_next)
{
	struct rw r;

	REQUIRE(packed(&r, 1, 4));
	rw_pdesc(&r, RW_TABLE, 0, RW_DATA, 4, 0, 0);
	rw_pdesc(&r, RW_DESC, 1, RW_DATA, 4, 0, rw_pavail_bits(true));
	rw_pdesc(&r, RW_DESC, 0, RW_TABLE, 16, 0, rw_pavail_bits(true) | F_INDIRECT | F_NEXT);
	expect_broken(&r, "packed: INDIRECT|NEXT");
	rw_fini(&r);
}

/* 2.8.19: no indirect descriptor inside a NEXT list. */
TEST(test_vq_hostile_packed_indirect_in_list)
{
	struct rw r;

	REQUIRE(packed(&r, 0, 4));
	rw_pdesc(&r, RW_TABLE, 0, RW_DATA, 4, 0, 0);
	rw_pdesc(&r, RW_DESC, 1, RW_TABLE, 16, 0, rw_pavail_bits(true) | F_INDIRECT);
	rw_pdesc(&r, RW_DESC, 0, RW_DATA, 4, 0, rw_pavail_bits(true) | F_NEXT);
	expect_broken(&r, "packed: indirect in a list");
	rw_fini(&r);
}

TEST(test_vq_hostile_packed_indirect_table_length)
{
	static const uint32_t bad[] = { 0, 8, 40, (VCCW_VQ_MAX_SEGS + 1) * 16 };

	for (unsigned int i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		struct rw r;

		REQUIRE(packed(&r, (int)(i & 1), 4));
		rw_pdesc(&r, RW_DESC, 0, RW_TABLE, bad[i], 0, rw_pavail_bits(true) | F_INDIRECT);
		expect_broken(&r, "packed: indirect table length");
		rw_fini(&r);
	}
}

TEST(test_vq_hostile_packed_outside_ram_and_order)
{
	struct rw r;

	REQUIRE(packed(&r, 0, 4));
	rw_pdesc(&r, RW_DESC, 0, UINT64_MAX - 3, 8, 0, rw_pavail_bits(true));
	expect_broken(&r, "packed: address wraps");
	rw_fini(&r);

	REQUIRE(packed(&r, 1, 4));
	const struct rw_seg segs[] = { { RW_DATA, 4, true }, { RW_DATA + 0x10, 4, false } };
	rw_plist(&r, segs, 2, 3);
	expect_broken(&r, "packed: write then read");
	rw_fini(&r);

	/* Write-then-read inside an indirect table too. */
	REQUIRE(packed(&r, 0, 4));
	rw_pindirect(&r, segs, 2, 3);
	expect_broken(&r, "packed: write then read in a table");
	rw_fini(&r);
}
