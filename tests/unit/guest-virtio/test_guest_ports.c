// SPDX-License-Identifier: MIT
/*
 * The guest virtio-console driver with MULTIPORT (virtio v1.2 5.3.6.2) and the guest
 * balloon driver's statistics queue (5.5.6.3), run as native guest programs against
 * libvccw's multiport console and balloon: the guest finds named ports, opens one,
 * writes to it and reads what the host sent before it opened it, writes to the console
 * port, and does not take a port beyond its queues; the statistics the host reads are
 * the values the guest's allocator gave, in both byte orders (revision 2 and legacy).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"
#include "vccw/balloon.h"

#define GV_PORT 2
#define FAR_PORT 5 /* beyond GUEST_CONSOLE_MAX_PORTS: the guest has no queues for it */
#define MAX_PORTS 6

static struct {
	int rc;
	bool multiport;
	uint32_t max_nr_ports;
	bool found_far;
	bool console_is_port_0;
	char read[32];
	int read_len;
	/* balloon */
	bool has_stats;
	uint64_t answered[GUEST_BALLOON_NR_STATS]; /* what the guest put in its answer */
	unsigned int nr_pages;
} R;

static int finish(int rc)
{
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	R.rc = rc;
	return rc;
}

static int start(int max_rev)
{
	struct guest_vccw_opts o = { .max_rev = max_rev };

	guest_vccw_set_opts(&o);
	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	return 0;
}

static int max_rev_arg;

static int g_ports(void)
{
	static const char line[] = "guest line\n", cline[] = "console line\n";
	struct guest_console_port *port, *cport;
	struct guest_console *con;
	uint64_t end;
	int n;

	if (start(max_rev_arg))
		return finish(1);
	con = guest_console_get(0);
	if (!con)
		return finish(2);
	R.multiport = con->multiport;
	R.max_nr_ports = con->max_nr_ports;
	R.found_far = guest_console_port_find(con, "org.vccw.far", 0) != NULL;
	port = guest_console_port_find(con, "org.vccw.gv", 1000000);
	if (!port)
		return finish(3);
	cport = guest_console_port_console(con, 1000000);
	R.console_is_port_0 = cport && cport->id == 0;
	if (guest_console_port_open(port, true))
		return finish(4);
	if (guest_console_port_write(port, line, sizeof(line) - 1))
		return finish(5);
	if (guest_console_write(con, cline, sizeof(cline) - 1))
		return finish(6);
	/* The host wrote before we opened the port: it arrives now. */
	end = guest_arch_now_us() + 5000000;
	while (R.read_len < 10 && guest_arch_now_us() < end) {
		n = guest_console_port_read(port, R.read + R.read_len,
					    sizeof(R.read) - 1 - (size_t)R.read_len, 100000);
		if (n < 0)
			return finish(7);
		R.read_len += n;
	}
	return finish(0);
}

static bool read_exact(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&pfd, 1, 5000) <= 0)
			return false;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void ports_case(int max_rev)
{
	struct vccw_console_port_config pc[3];
	struct vccw_console_config cfg = { .max_ports = MAX_PORTS, .ports = pc, .nr_ports = 3 };
	struct vccw_be_char *be[3] = { NULL, NULL, NULL };
	struct vccw_console *con = NULL;
	struct vccw_err err = { 0 };
	struct gv_machine m;
	int peer[3] = { -1, -1, -1 };
	char buf[32] = { 0 };
	unsigned int i;
	int sv[2], rc;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	for (i = 0; i < 3; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			goto out;
		peer[i] = sv[1];
		be[i] = vccw_be_char_fd_new(sv[0], sv[0], true, &err);
		if (!be[i]) {
			close(sv[0]);
			goto out;
		}
	}
	pc[0] = (struct vccw_console_port_config){ .nr = 0, .backend = be[0], .console = true };
	pc[1] = (struct vccw_console_port_config){ .nr = GV_PORT, .backend = be[1],
						   .name = "org.vccw.gv" };
	pc[2] = (struct vccw_console_port_config){ .nr = FAR_PORT, .backend = be[2],
						   .name = "org.vccw.far" };
	con = vccw_console_new(m.mem, &cfg, gv_default_extra(), &err);
	REQUIRE(con);
	REQUIRE(gv_add_vdev(&m, vccw_console_vdev(con), 2) >= 0);
	REQUIRE(write(peer[1], "host line\n", 10) == 10);
	max_rev_arg = max_rev;
	rc = gv_run(&m, g_ports);
	CHECK_EQ(rc, 0);
	CHECK(R.multiport);
	CHECK_EQ(R.max_nr_ports, MAX_PORTS);
	/* Port 5 has no queues in this driver: it answered PORT_READY 0 and left it. */
	CHECK(!R.found_far);
	CHECK(R.console_is_port_0);
	/* The guest's exit reset the device: every port is closed again (QEMU guest_reset()). */
	CHECK(!vccw_console_port_is_open(con, GV_PORT));
	CHECK(!vccw_console_port_is_open(con, 0));
	CHECK_EQ(R.read_len, 10);
	CHECK(!memcmp(R.read, "host line\n", 10));
	CHECK(read_exact(peer[1], buf, 11) && !memcmp(buf, "guest line\n", 11));
	CHECK(read_exact(peer[0], buf, 13) && !memcmp(buf, "console line\n", 13));
out:
	gv_fini(&m);
	vccw_console_free(con);
	for (i = 0; i < 3; i++) {
		vccw_be_char_close(be[i]);
		if (peer[i] >= 0)
			close(peer[i]);
	}
}

TEST(test_gv_console_multiport_named_port_both_ways_rev2)
{
	ports_case(2);
}

TEST(test_gv_console_multiport_named_port_both_ways_legacy)
{
	ports_case(0);
}

/* ---- balloon statistics ---- */

#define INFLATE 16

/* The host side has read the answer (or given up): the guest may end. */
static bool g_host_done;

static int g_balloon(void)
{
	struct guest_balloon *b;
	uint64_t end;
	int rc;

	if (start(max_rev_arg))
		return finish(1);
	b = guest_balloon_get(0);
	if (!b)
		return finish(2);
	R.has_stats = b->has_stats;
	if (guest_balloon_inflate(b, INFLATE))
		return finish(3);
	R.nr_pages = b->nr_pages;
	/* Answer the host's request (it asks once it has the first buffer). */
	end = guest_arch_now_us() + 5000000;
	while ((rc = guest_balloon_poll(b)) == 0 && guest_arch_now_us() < end)
		guest_arch_wait(1000);
	if (rc != 1)
		return finish(4);
	/* Nothing allocated since the answer: these are the values it carried. */
	guest_balloon_get_stats(b, R.answered);
	/*
	 * Stay until the host has taken the answer: the exit resets the device, which would
	 * drop an answer its I/O thread had not popped yet.
	 */
	end = guest_arch_now_us() + 5000000;
	while (!__atomic_load_n(&g_host_done, __ATOMIC_ACQUIRE) && guest_arch_now_us() < end)
		guest_arch_wait(1000);
	return finish(0);
}

struct asker {
	struct vccw_balloon *b;
	uint64_t initial; /* updates the first buffer makes: 0 legacy (ignored), else 1 */
	pthread_t t;
	struct vccw_balloon_stats first, second;
	bool ok;
};

static bool wait_updates(struct vccw_balloon *b, uint64_t n, struct vccw_balloon_stats *st)
{
	struct timespec ts = { 0, 1000000 };
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		vccw_balloon_get_stats(b, st);
		if (st->updates >= n)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* The host side: take the first buffer's values, ask once, take the answer's. */
static void *asker_thread(void *arg)
{
	struct asker *a = arg;
	struct timespec ts = { 0, 1000000 };
	unsigned int i;

	/*
	 * Once the device holds the first buffer (parsed unless legacy), ask. The first
	 * values are read before asking: the guest may answer before this thread runs
	 * again, and its answer would then be taken for the first buffer's.
	 */
	for (i = 0; i < 5000; i++) {
		vccw_balloon_get_stats(a->b, &a->first);
		if (a->first.updates >= a->initial && vccw_balloon_request_stats(a->b))
			break;
		nanosleep(&ts, NULL);
	}
	a->ok = i < 5000 && wait_updates(a->b, a->first.updates + 1, &a->second);
	__atomic_store_n(&g_host_done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void balloon_case(int max_rev)
{
	struct vccw_err err = { 0 };
	struct vccw_balloon *b;
	struct gv_machine m;
	struct asker a = { 0 };
	unsigned int i;
	int rc;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	b = vccw_balloon_new(m.mem, NULL, gv_default_extra(), &err);
	REQUIRE(b);
	REQUIRE(gv_add_vdev(&m, vccw_balloon_vdev(b), 2) >= 0);
	a.b = b;
	__atomic_store_n(&g_host_done, false, __ATOMIC_RELAXED);
	a.initial = max_rev == 0 ? 0 : 1;
	REQUIRE(pthread_create(&a.t, NULL, asker_thread, &a) == 0);
	max_rev_arg = max_rev;
	rc = gv_run(&m, g_balloon);
	pthread_join(a.t, NULL);
	CHECK_EQ(rc, 0);
	CHECK(R.has_stats);
	CHECK_EQ(R.nr_pages, INFLATE);
	REQUIRE(a.ok);
	/* The host reads exactly what the guest answered, tag by tag. */
	for (i = 0; i < GUEST_BALLOON_NR_STATS; i++)
		CHECK_EQ(a.second.val[i], R.answered[i]);
	CHECK(R.answered[VCCW_VIRTIO_BALLOON_S_MEMTOT] > 0);
	CHECK(R.answered[VCCW_VIRTIO_BALLOON_S_MEMFREE] <= R.answered[VCCW_VIRTIO_BALLOON_S_MEMTOT]);
	/*
	 * Legacy: the first buffer's values are ignored (5.5.6.3); otherwise they are the
	 * guest's before inflating: its total then had the 16 pages the balloon has now.
	 */
	if (max_rev == 0)
		CHECK_EQ(a.first.val[VCCW_VIRTIO_BALLOON_S_MEMTOT], VCCW_BALLOON_STAT_NONE);
	else
		CHECK_EQ(a.first.val[VCCW_VIRTIO_BALLOON_S_MEMTOT],
			 R.answered[VCCW_VIRTIO_BALLOON_S_MEMTOT] + INFLATE * 4096u);
	gv_fini(&m);
	vccw_balloon_free(b);
}

TEST(test_gv_balloon_stats_host_reads_guest_values_rev2)
{
	balloon_case(2);
}

TEST(test_gv_balloon_stats_host_reads_guest_values_legacy)
{
	balloon_case(0);
}
