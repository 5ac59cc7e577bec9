// SPDX-License-Identifier: MIT
/*
 * The adaptive polling window of include/vccw/poll.h, whose rules are those of QEMU's
 * AioContext polling (util/aio-posix.c adjust_polling_time): no polling at first, the
 * window grows (doubling from VCCW_POLL_START_NS, capped at max_ns) after a wait that
 * ended within max_ns but after the window, stays after a wait the window covered, and
 * drops to 0 after a wait longer than max_ns, so an idle waiter stops polling. Waits are
 * simulated by a start time in the past, seconds apart from the bounds, so the rules
 * are checked without timing anything.
 */
#include <stdbool.h>
#include <stdint.h>

#include "test.h"
#include "vccw/poll.h"

#define MS 1000000ull
#define S 1000000000ull

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static bool always(void *arg)
{
	(void)arg;
	return true;
}

/* A wait that began @ago ns before now. */
static uint64_t ago(uint64_t ns)
{
	return vccw_poll_now_ns() - ns;
}

TEST(test_poll_spin_reports_the_event)
{
	struct vccw_poll p = { .max_ns = 100000, .ns = 0 };
	uint64_t t0 = 0;

	CHECK(vccw_poll_spin(&p, always, NULL, &t0));
	CHECK(t0 != 0);
	/* Window 0: one look, no spinning. */
	CHECK(!vccw_poll_spin(&p, never, NULL, &t0));
	p.ns = 20000;
	CHECK(!vccw_poll_spin(&p, never, NULL, &t0));
	CHECK(vccw_poll_now_ns() - t0 >= 20000);
}

TEST(test_poll_window_grows_doubling_to_the_bound)
{
	struct vccw_poll p = { .max_ns = 3000000000u, .ns = 0 };

	vccw_poll_adapt(&p, ago(1 * MS));
	CHECK_EQ(p.ns, VCCW_POLL_START_NS);
	vccw_poll_adapt(&p, ago(1 * MS));
	CHECK_EQ(p.ns, 2 * VCCW_POLL_START_NS);
	p.ns = 1000000000u;
	vccw_poll_adapt(&p, ago(1500 * MS));
	CHECK_EQ(p.ns, 2000000000u);
	vccw_poll_adapt(&p, ago(2500 * MS));
	CHECK_EQ(p.ns, 3000000000u); /* capped */
}

TEST(test_poll_window_kept_when_polling_caught_it)
{
	struct vccw_poll p = { .max_ns = 3000000000u, .ns = 2000000000u };

	vccw_poll_adapt(&p, ago(1 * MS));
	CHECK_EQ(p.ns, 2000000000u);
}

TEST(test_poll_long_wait_stops_polling)
{
	struct vccw_poll p = { .max_ns = 10 * MS, .ns = 8 * MS };

	vccw_poll_adapt(&p, ago(2 * S));
	CHECK_EQ(p.ns, 0);
	/* And it stays off while waits stay long: an idle thread never polls. */
	vccw_poll_adapt(&p, ago(2 * S));
	CHECK_EQ(p.ns, 0);
}

TEST(test_poll_bound_zero_never_polls)
{
	struct vccw_poll p = { .max_ns = 0, .ns = 0 };

	vccw_poll_adapt(&p, ago(1 * MS));
	CHECK_EQ(p.ns, 0);
}
