// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, device side (virtio v1.2 section 2.7): pop and push round trips in
 * both byte orders (VERSION_1 little-endian, legacy s390 big-endian), chains, indirect
 * tables, the 16-bit index wrap, queue setup rules, the legacy layout, and the
 * notification decisions of 2.7.7 and 2.7.10 (flags and event index).
 */
#include <errno.h>
#include <string.h>

#include "ring_util.h"
#include "test.h"

static struct vccw_vq_elem elem;

/* One readable and one writable segment: both appear as iovecs into guest RAM. */
TEST(test_vq_split_roundtrip_both_orders)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		uint32_t id, len;
		const struct rw_seg segs[] = {
			{ RW_DATA, 16, false },
			{ RW_DATA + 0x100, 32, true },
		};

		REQUIRE(rw_init(&r, false, be, 8, false, false));
		memcpy(r.ram + RW_DATA, "request!", 8);
		rw_chain(&r, 3, segs, 2);
		CHECK(vccw_vq_has_work(r.vq));
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 3);
		CHECK_EQ(elem.out_num, 1);
		CHECK_EQ(elem.in_num, 1);
		CHECK_EQ(elem.out_len, 16);
		CHECK_EQ(elem.in_len, 32);
		CHECK(elem.out[0].iov_base == r.ram + RW_DATA);
		CHECK(memcmp(elem.out[0].iov_base, "request!", 8) == 0);
		CHECK(elem.in[0].iov_base == r.ram + RW_DATA + 0x100);
		CHECK_EQ(elem.in[0].iov_len, 32);
		CHECK_EQ(elem.addr[1], RW_DATA + 0x100);
		memcpy(elem.in[0].iov_base, "reply", 5);
		vccw_vq_push(r.vq, &elem, 5);
		CHECK_EQ(rw_used_idx(&r), 1);
		rw_used_elem(&r, 0, &id, &len);
		CHECK_EQ(id, 3);
		CHECK_EQ(len, 5);
		/* The used ring really is in the queue's byte order. */
		if (be)
			CHECK_EQ(r.ram[RW_DEVICE + 3], 1);
		else
			CHECK_EQ(r.ram[RW_DEVICE + 2], 1);
		CHECK(!vccw_vq_has_work(r.vq));
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
		rw_fini(&r);
	}
}

/* A chain follows next, not table order: 5 -> 2 -> 7. */
TEST(test_vq_split_chain_follows_next)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(rw_init(&r, false, be, 8, false, false));
		rw_desc(&r, RW_DESC, 5, RW_DATA, 10, VCCW_VRING_DESC_F_NEXT, 2);
		rw_desc(&r, RW_DESC, 2, RW_DATA + 0x100, 20, VCCW_VRING_DESC_F_NEXT, 7);
		rw_desc(&r, RW_DESC, 7, RW_DATA + 0x200, 30, VCCW_VRING_DESC_F_WRITE, 0);
		rw_avail(&r, 5);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 5);
		CHECK_EQ(elem.ndescs, 3);
		CHECK_EQ(elem.out_num, 2);
		CHECK_EQ(elem.in_num, 1);
		CHECK_EQ(elem.out_len, 30);
		CHECK_EQ(elem.in_len, 30);
		CHECK_EQ(elem.addr[0], RW_DATA);
		CHECK_EQ(elem.addr[1], RW_DATA + 0x100);
		CHECK_EQ(elem.addr[2], RW_DATA + 0x200);
		CHECK(elem.in == elem.iov + 2);
		rw_fini(&r);
	}
}

/* A chain as long as the queue is fine (2.7.5.2: "not longer than the queue size"). */
TEST(test_vq_split_chain_of_queue_size_ok)
{
	struct rw r;
	struct rw_seg segs[8];

	REQUIRE(rw_init(&r, false, false, 8, false, false));
	for (unsigned int i = 0; i < 8; i++)
		segs[i] = (struct rw_seg){ RW_DATA + 0x10 * i, 8, i >= 4 };
	rw_chain(&r, 0, segs, 8);
	CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
	CHECK_EQ(elem.out_num, 4);
	CHECK_EQ(elem.in_num, 4);
	rw_fini(&r);
}

/* Zero-length descriptors carry no iovec and are not an error. */
TEST(test_vq_split_zero_length_segment)
{
	struct rw r;

	REQUIRE(rw_init(&r, false, false, 4, false, false));
	rw_desc(&r, RW_DESC, 0, RW_DATA, 0, VCCW_VRING_DESC_F_NEXT, 1);
	rw_desc(&r, RW_DESC, 1, RW_DATA, 4, VCCW_VRING_DESC_F_WRITE, 0);
	rw_avail(&r, 0);
	CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
	CHECK_EQ(elem.out_num, 0);
	CHECK_EQ(elem.in_num, 1);
	rw_fini(&r);
}

/* 2.7.5.3: a descriptor pointing at a table of descriptors; WRITE on it is ignored. */
TEST(test_vq_split_indirect_table)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;

		REQUIRE(rw_init(&r, false, be, 4, false, true));
		rw_desc(&r, RW_TABLE, 0, RW_DATA, 16, VCCW_VRING_DESC_F_NEXT, 2);
		rw_desc(&r, RW_TABLE, 2, RW_DATA + 0x100, 512, VCCW_VRING_DESC_F_NEXT |
				VCCW_VRING_DESC_F_WRITE, 1);
		rw_desc(&r, RW_TABLE, 1, RW_DATA + 0x400, 1, VCCW_VRING_DESC_F_WRITE, 0);
		rw_desc(&r, RW_DESC, 1, RW_TABLE, 3 * 16,
			VCCW_VRING_DESC_F_INDIRECT | VCCW_VRING_DESC_F_WRITE, 0);
		rw_avail(&r, 1);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 1);
		CHECK_EQ(elem.out_num, 1);
		CHECK_EQ(elem.in_num, 2);
		CHECK_EQ(elem.in_len, 513);
		CHECK_EQ(elem.addr[2], RW_DATA + 0x400);
		vccw_vq_push(r.vq, &elem, 513);
		CHECK_EQ(rw_used_idx(&r), 1);
		rw_fini(&r);
	}
}

/* 2.7.5.3.2: normal descriptors followed by one indirect descriptor are handled. */
TEST(test_vq_split_chain_then_indirect)
{
	struct rw r;

	REQUIRE(rw_init(&r, false, false, 4, false, true));
	rw_desc(&r, RW_TABLE, 0, RW_DATA + 0x100, 8, VCCW_VRING_DESC_F_WRITE, 0);
	rw_desc(&r, RW_DESC, 0, RW_DATA, 8, VCCW_VRING_DESC_F_NEXT, 3);
	rw_desc(&r, RW_DESC, 3, RW_TABLE, 16, VCCW_VRING_DESC_F_INDIRECT, 0);
	rw_avail(&r, 0);
	CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
	CHECK_EQ(elem.out_num, 1);
	CHECK_EQ(elem.in_num, 1);
	CHECK_EQ(elem.addr[1], RW_DATA + 0x100);
	rw_fini(&r);
}

/* The 16-bit indices wrap: more than 65536 buffers through a queue of 2. */
TEST(test_vq_split_index_wraps_16_bits)
{
	struct rw r;
	const struct rw_seg seg = { RW_DATA, 4, true };
	uint32_t id, len;
	bool ok = true;

	REQUIRE(rw_init(&r, false, true, 2, true, false));
	for (unsigned int n = 0; n < 65536 + 5 && ok; n++) {
		rw_chain(&r, n % 2, &seg, 1);
		ok = vccw_vq_pop(r.vq, &elem) == 1 && elem.id == n % 2;
		vccw_vq_push(r.vq, &elem, n & 0xff);
	}
	CHECK(ok);
	CHECK_EQ(rw_used_idx(&r), (65536 + 5) & 0xffff);
	rw_used_elem(&r, (65536 + 4) % 2, &id, &len);
	CHECK_EQ(id, (65536 + 4) % 2);
	CHECK_EQ(len, (65536 + 4) & 0xff);
	rw_fini(&r);
}

/* 2.7: sizes are powers of two up to the maximum; parts aligned 16 / 2 / 4; in RAM. */
TEST(test_vq_split_setup_rules)
{
	struct rw r;
	struct vccw_vq_config c;

	REQUIRE(rw_init(&r, false, false, 4, true, false));
	c = r.cfg;
	c.size = 6;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	CHECK(!vccw_vq_ready(r.vq));
	c.size = 0;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c.size = 2048;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.desc += 8;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.driver += 1;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.device += 2;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.device = RW_RAM_SIZE - 32; /* 4 + 8 * 4 + 2 bytes do not fit */
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.desc = UINT64_MAX - 15;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.size = 1024;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), 0);
	CHECK_EQ(vccw_vq_size(r.vq), 1024);
	CHECK_EQ(vccw_vq_setup(r.vq, NULL), 0);
	CHECK(!vccw_vq_ready(r.vq));
	CHECK_EQ(vccw_vq_size(r.vq), 0);
	CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
	rw_fini(&r);
}

/* Legacy layout: avail right after the table, used at the next 4096 boundary. */
TEST(test_vq_legacy_layout)
{
	uint64_t drv, dev;

	CHECK(vccw_vq_legacy_layout(0x10000, 256, VCCW_VRING_LEGACY_ALIGN, &drv, &dev));
	CHECK_EQ(drv, 0x10000 + 256 * 16);
	/* 4096 + 2 * (3 + 256) = 4614 bytes -> used at 0x10000 + 0x2000. */
	CHECK_EQ(dev, 0x12000);
	CHECK(vccw_vq_legacy_layout(0, 1, 4096, &drv, &dev));
	CHECK_EQ(drv, 16);
	CHECK_EQ(dev, 4096);
	/* 128 * 16 + 2 * (3 + 128) = 2310 bytes: used at the first 4096 boundary. */
	CHECK(vccw_vq_legacy_layout(0, 128, 4096, &drv, &dev));
	CHECK_EQ(dev, 4096);
	CHECK(!vccw_vq_legacy_layout(UINT64_MAX - 4096, 256, 4096, &drv, &dev));
	CHECK(!vccw_vq_legacy_layout(0, 4, 3, &drv, &dev));
}

/* 2.7.7.1: without event index, NO_INTERRUPT in avail->flags suppresses notifications. */
TEST(test_vq_split_no_interrupt_flag)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg seg = { RW_DATA, 4, true };

		REQUIRE(rw_init(&r, false, be, 4, false, false));
		rw_w16(&r, RW_DRIVER, VCCW_VRING_AVAIL_F_NO_INTERRUPT);
		rw_chain(&r, 0, &seg, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		CHECK(!vccw_vq_should_notify(r.vq));
		rw_w16(&r, RW_DRIVER, 0);
		rw_chain(&r, 1, &seg, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		CHECK(vccw_vq_should_notify(r.vq));
		rw_fini(&r);
	}
}

/* 2.7.10: with event index, notify only when used->idx passes used_event. */
TEST(test_vq_split_event_idx_used_event)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg seg = { RW_DATA, 4, true };
		const uint64_t used_event = RW_DRIVER + 4 + 2 * 8;
		unsigned int n;

		REQUIRE(rw_init(&r, false, be, 8, true, false));
		/* NO_INTERRUPT is ignored with event index. */
		rw_w16(&r, RW_DRIVER, VCCW_VRING_AVAIL_F_NO_INTERRUPT);
		rw_w16(&r, used_event, 0);
		rw_chain(&r, 0, &seg, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0); /* used idx 1: used_event 0 passed */
		CHECK(vccw_vq_should_notify(r.vq));
		/* Driver wants to hear when entry 4 (idx 4 -> 5) is used. */
		rw_w16(&r, used_event, 4);
		for (n = 1; n < 6; n++) {
			rw_chain(&r, n, &seg, 1);
			REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
			vccw_vq_push(r.vq, &elem, 0);
			CHECK_MSG(vccw_vq_should_notify(r.vq) == (n == 4),
				  "be %d: used idx %u", be, n + 1);
		}
		/* Two pushes, one decision, event crossed in between: notify. */
		rw_w16(&r, used_event, 6);
		rw_chain(&r, 6, &seg, 1);
		rw_chain(&r, 7, &seg, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		CHECK(vccw_vq_should_notify(r.vq));
		rw_fini(&r);
	}
}

/* Available-buffer notification control: USED_F_NO_NOTIFY, or avail_event (2.7.10). */
TEST(test_vq_split_set_notification)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg seg = { RW_DATA, 4, true };
		const uint64_t avail_event = RW_DEVICE + 4 + 8 * 4;

		REQUIRE(rw_init(&r, false, be, 4, false, false));
		vccw_vq_set_notification(r.vq, false);
		CHECK_EQ(rw_r16(&r, RW_DEVICE), VCCW_VRING_USED_F_NO_NOTIFY);
		vccw_vq_set_notification(r.vq, true);
		CHECK_EQ(rw_r16(&r, RW_DEVICE), 0);
		rw_fini(&r);

		REQUIRE(rw_init(&r, false, be, 4, true, false));
		rw_chain(&r, 0, &seg, 1);
		rw_chain(&r, 1, &seg, 1);
		/* Enabling asks for a kick for the next buffer after those published. */
		vccw_vq_set_notification(r.vq, true);
		CHECK_EQ(rw_r16(&r, avail_event), 2);
		CHECK_EQ(rw_r16(&r, RW_DEVICE), 0); /* flags untouched with event index */
		vccw_vq_set_notification(r.vq, false);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		CHECK_EQ(rw_r16(&r, avail_event), 2); /* not updated while disabled */
		vccw_vq_set_notification(r.vq, true);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		CHECK_EQ(rw_r16(&r, avail_event), 2); /* updated on pop: last_avail */
		CHECK(!vccw_vq_has_work(r.vq));
		rw_fini(&r);
	}
}

/*
 * Several used entries published with one index update (virtio-net MRG_RXBUF, 5.1.6.4:
 * the driver must see all buffers of a packet together), and elements given back.
 */
TEST(test_vq_split_push_many_and_unpop)
{
	for (int be = 0; be < 2; be++) {
		const struct rw_seg seg = { RW_DATA, 64, true };
		struct vccw_vq_used used[3];
		uint32_t id, len;
		struct rw r;
		unsigned int i;

		REQUIRE(rw_init(&r, false, be, 8, false, false));
		for (i = 0; i < 3; i++)
			rw_chain(&r, 2 * i, &seg, 1);
		for (i = 0; i < 3; i++) {
			REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
			used[i] = (struct vccw_vq_used){ elem.id, elem.ndescs, 10 + i, true };
		}
		/* The last two go back, newest first, and come out again in order. */
		vccw_vq_unpop(r.vq, 1);
		vccw_vq_unpop(r.vq, 1);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 2);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 4);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
		CHECK_EQ(rw_used_idx(&r), 0);
		vccw_vq_push_many(r.vq, used, 3);
		CHECK_EQ(rw_used_idx(&r), 3);
		for (i = 0; i < 3; i++) {
			rw_used_elem(&r, i, &id, &len);
			CHECK_EQ(id, 2 * i);
			CHECK_EQ(len, 10 + i);
		}
		/* The next single push lands after the group. */
		rw_chain(&r, 7, &seg, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 5);
		CHECK_EQ(rw_used_idx(&r), 4);
		rw_used_elem(&r, 3, &id, &len);
		CHECK_EQ(id, 7);
		rw_fini(&r);
	}
}
