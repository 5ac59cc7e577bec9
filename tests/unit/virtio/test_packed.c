// SPDX-License-Identifier: MIT
/*
 * Packed virtqueues, device side (virtio v1.2 section 2.8): available and used
 * descriptors with the AVAIL/USED bits against the wrap counters (2.8.1), lists chained
 * with NEXT whose buffer id is in the last descriptor (2.8.6), indirect tables (2.8.9),
 * the wrap across the end of the ring, and event suppression in both directions (2.8.10).
 */
#include <errno.h>
#include <string.h>

#include "ring_util.h"
#include "test.h"

static struct vccw_vq_elem elem;

#define AVAIL_USED (VCCW_VRING_PACKED_DESC_F_AVAIL | VCCW_VRING_PACKED_DESC_F_USED)

TEST(test_vq_packed_roundtrip_both_orders)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		uint16_t flags, id;
		uint32_t len;
		const struct rw_seg segs[] = {
			{ RW_DATA, 16, false },
			{ RW_DATA + 0x100, 8, false },
			{ RW_DATA + 0x200, 64, true },
		};

		REQUIRE(rw_init(&r, true, be, 8, false, false));
		memcpy(r.ram + RW_DATA, "packed", 6);
		CHECK(!vccw_vq_has_work(r.vq));
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
		rw_plist(&r, segs, 3, 0x1234);
		CHECK(vccw_vq_has_work(r.vq));
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 0x1234); /* from the last descriptor */
		CHECK_EQ(elem.ndescs, 3);
		CHECK_EQ(elem.out_num, 2);
		CHECK_EQ(elem.in_num, 1);
		CHECK_EQ(elem.out_len, 24);
		CHECK_EQ(elem.in_len, 64);
		CHECK(memcmp(elem.out[0].iov_base, "packed", 6) == 0);
		CHECK(elem.in[0].iov_base == r.ram + RW_DATA + 0x200);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
		vccw_vq_push(r.vq, &elem, 7);
		/* One used descriptor, at the first position of the list. */
		rw_pused(&r, 0, &flags, &id, &len);
		CHECK_EQ(flags & AVAIL_USED, AVAIL_USED);
		CHECK(flags & VCCW_VRING_DESC_F_WRITE);
		CHECK_EQ(id, 0x1234);
		CHECK_EQ(len, 7);
		/* The next used descriptor goes after the whole list (position 3). */
		rw_plist(&r, segs, 1, 9);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 9);
		vccw_vq_push(r.vq, &elem, 0);
		rw_pused(&r, 3, &flags, &id, &len);
		CHECK_EQ(flags & AVAIL_USED, AVAIL_USED);
		CHECK(!(flags & VCCW_VRING_DESC_F_WRITE)); /* nothing written, no writable part */
		CHECK_EQ(id, 9);
		rw_fini(&r);
	}
}

/*
 * Around the ring several times with lists that straddle the end: the device follows
 * the driver's wrap counter, and used descriptors carry the device's (2.8.1).
 */
TEST(test_vq_packed_wrap_counters)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg segs[] = {
			{ RW_DATA, 4, false },
			{ RW_DATA + 0x10, 4, false },
			{ RW_DATA + 0x20, 4, true },
		};
		unsigned int pos = 0, n;
		bool wrap = true, ok = true;

		REQUIRE(rw_init(&r, true, be, 5, false, false));
		for (n = 0; n < 12 && ok; n++) {
			uint16_t flags, id;
			uint32_t len;

			rw_plist(&r, segs, 3, (uint16_t)n);
			ok = vccw_vq_pop(r.vq, &elem) == 1 && elem.id == n && elem.ndescs == 3 &&
			     elem.in_num == 1;
			/* Stale descriptors of the last lap are not available again. */
			ok = ok && vccw_vq_pop(r.vq, &elem) == 0;
			vccw_vq_push(r.vq, &elem, n);
			rw_pused(&r, pos, &flags, &id, &len);
			ok = ok && id == n && len == n &&
			     (flags & AVAIL_USED) == (wrap ? AVAIL_USED : 0);
			CHECK_MSG(ok, "be %d: list %u at position %u", be, n, pos);
			pos += 3;
			if (pos >= 5) {
				pos -= 5;
				wrap = !wrap;
			}
		}
		rw_fini(&r);
	}
}

/* A packed queue size need not be a power of two; alignment 16 / 4 / 4 (2.8.10.1). */
TEST(test_vq_packed_setup_rules)
{
	struct rw r;
	struct vccw_vq_config c;

	REQUIRE(rw_init(&r, true, false, 5, false, false));
	c = r.cfg;
	c.driver += 2;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.device = RW_RAM_SIZE - 2;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c = r.cfg;
	c.desc = RW_RAM_SIZE - 16 * 4;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), -EINVAL);
	c.size = 4;
	CHECK_EQ(vccw_vq_setup(r.vq, &c), 0);
	rw_fini(&r);
}

/* 2.8.9: one descriptor naming a table; every entry is used, only WRITE counts. */
TEST(test_vq_packed_indirect)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		uint16_t flags, id;
		uint32_t len;
		const struct rw_seg segs[] = {
			{ RW_DATA, 16, false },
			{ RW_DATA + 0x100, 32, true },
			{ RW_DATA + 0x200, 1, true },
		};

		REQUIRE(rw_init(&r, true, be, 4, false, true));
		rw_pindirect(&r, segs, 3, 77);
		/* Reserved flags in the table are ignored by the device. */
		rw_w16(&r, RW_TABLE + 14, VCCW_VRING_DESC_F_NEXT);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 77);
		CHECK_EQ(elem.ndescs, 1);
		CHECK_EQ(elem.out_num, 1);
		CHECK_EQ(elem.in_num, 2);
		CHECK_EQ(elem.in_len, 33);
		vccw_vq_push(r.vq, &elem, 33);
		rw_pused(&r, 0, &flags, &id, &len);
		CHECK_EQ(id, 77);
		CHECK_EQ(len, 33);
		/* The next list starts right after the single ring descriptor. */
		rw_plist(&r, segs, 1, 78);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 78);
		rw_fini(&r);
	}
}

/* 2.8.10: the driver event suppression structure controls used-buffer notifications. */
TEST(test_vq_packed_driver_event_suppression)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg seg = { RW_DATA, 4, true };
		unsigned int n;

		REQUIRE(rw_init(&r, true, be, 4, true, false));
		rw_w16(&r, RW_DRIVER + 2, VCCW_VRING_PACKED_EVENT_FLAG_DISABLE);
		rw_plist(&r, &seg, 1, 0);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		CHECK(!vccw_vq_should_notify(r.vq));
		rw_w16(&r, RW_DRIVER + 2, VCCW_VRING_PACKED_EVENT_FLAG_ENABLE);
		rw_plist(&r, &seg, 1, 1);
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		CHECK(vccw_vq_should_notify(r.vq));
		/*
		 * Event at position 1 of the second lap (wrap counter 0): used positions so
		 * far 0, 1 (lap 1); the next pushes use 2, 3 (lap 1), 0, 1 (lap 2).
		 */
		rw_w16(&r, RW_DRIVER, 1);
		rw_w16(&r, RW_DRIVER + 2, VCCW_VRING_PACKED_EVENT_FLAG_DESC);
		for (n = 2; n < 6; n++) {
			rw_plist(&r, &seg, 1, (uint16_t)n);
			REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
			vccw_vq_push(r.vq, &elem, 0);
			CHECK_MSG(vccw_vq_should_notify(r.vq) == (n == 5), "be %d: push %u", be,
				  n);
		}
		rw_fini(&r);
	}
}

/* Without event index, DESC is not valid: the device falls back to notifying. */
TEST(test_vq_packed_desc_event_without_event_idx_notifies)
{
	struct rw r;
	const struct rw_seg seg = { RW_DATA, 4, true };

	REQUIRE(rw_init(&r, true, false, 4, false, false));
	rw_w16(&r, RW_DRIVER, 3);
	rw_w16(&r, RW_DRIVER + 2, VCCW_VRING_PACKED_EVENT_FLAG_DESC);
	rw_plist(&r, &seg, 1, 0);
	REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
	vccw_vq_push(r.vq, &elem, 0);
	CHECK(vccw_vq_should_notify(r.vq));
	rw_fini(&r);
}

/* The device event suppression structure is the device's wish for kicks. */
TEST(test_vq_packed_set_notification)
{
	for (int be = 0; be < 2; be++) {
		struct rw r;
		const struct rw_seg seg = { RW_DATA, 4, true };

		REQUIRE(rw_init(&r, true, be, 4, false, false));
		vccw_vq_set_notification(r.vq, false);
		CHECK_EQ(rw_r16(&r, RW_DEVICE + 2), VCCW_VRING_PACKED_EVENT_FLAG_DISABLE);
		vccw_vq_set_notification(r.vq, true);
		CHECK_EQ(rw_r16(&r, RW_DEVICE + 2), VCCW_VRING_PACKED_EVENT_FLAG_ENABLE);
		rw_fini(&r);

		REQUIRE(rw_init(&r, true, be, 4, true, false));
		for (unsigned int n = 0; n < 5; n++) {
			rw_plist(&r, &seg, 1, (uint16_t)n);
			REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
			vccw_vq_push(r.vq, &elem, 0);
		}
		/* Next position 1 on the second lap: wrap counter 0. */
		vccw_vq_set_notification(r.vq, true);
		CHECK_EQ(rw_r16(&r, RW_DEVICE + 2), VCCW_VRING_PACKED_EVENT_FLAG_DESC);
		CHECK_EQ(rw_r16(&r, RW_DEVICE), 1);
		rw_fini(&r);
	}
}

/*
 * An element given back across the end of the ring restores the driver's wrap counter;
 * a group of used descriptors goes in ring order, each after the whole list before it
 * and in its own lap, the first one's flags written last (2.8.6, and the MRG_RXBUF
 * rule of 5.1.6.4).
 */
TEST(test_vq_packed_push_many_and_unpop_across_wrap)
{
	for (int be = 0; be < 2; be++) {
		const struct rw_seg segs[] = {
			{ RW_DATA, 4, false },
			{ RW_DATA + 0x10, 4, true },
			{ RW_DATA + 0x20, 4, true },
		};
		struct vccw_vq_used used[2];
		uint16_t flags, id;
		uint32_t len;
		struct rw r;

		REQUIRE(rw_init(&r, true, be, 5, false, false));
		rw_plist(&r, segs, 3, 0x11); /* positions 0-2 */
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		vccw_vq_push(r.vq, &elem, 0);
		rw_plist(&r, segs, 3, 0x22); /* positions 3, 4 and 0 of the next lap */
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		CHECK_EQ(elem.id, 0x22);
		vccw_vq_unpop(r.vq, elem.ndescs);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 1);
		CHECK_EQ(elem.id, 0x22);
		CHECK_EQ(elem.ndescs, 3);
		CHECK_EQ(vccw_vq_pop(r.vq, &elem), 0);
		used[0] = (struct vccw_vq_used){ elem.id, elem.ndescs, 8, true };
		rw_plist(&r, segs, 2, 0x33); /* positions 1-2, second lap */
		REQUIRE(vccw_vq_pop(r.vq, &elem) == 1);
		CHECK_EQ(elem.id, 0x33);
		used[1] = (struct vccw_vq_used){ elem.id, elem.ndescs, 4, true };
		vccw_vq_push_many(r.vq, used, 2);
		rw_pused(&r, 3, &flags, &id, &len);
		CHECK_EQ(flags & AVAIL_USED, AVAIL_USED); /* first lap */
		CHECK(flags & VCCW_VRING_DESC_F_WRITE);
		CHECK_EQ(id, 0x22);
		CHECK_EQ(len, 8);
		rw_pused(&r, 1, &flags, &id, &len);
		CHECK_EQ(flags & AVAIL_USED, 0); /* second lap: wrap counter 0 */
		CHECK_EQ(id, 0x33);
		CHECK_EQ(len, 4);
		rw_fini(&r);
	}
}
