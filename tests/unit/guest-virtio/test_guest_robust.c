// SPDX-License-Identifier: MIT
/*
 * The guest drivers and libvccw where they meet trouble: a guest program that ends
 * without guest_cio_exit() must leave nothing to the next one (cio reset hooks); a
 * notification merged into a command's interruption (the css drops an unsolicited
 * request while status is pending) must still be seen with classic indicators (virtio
 * v1.2 4.3.3.1.1); and a console whose backend peer stops reading must not stall the
 * channel thread that every subchannel's channel programs share (5.3.5.1, 5.3.6).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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
#include "vccw/be-char.h"
#include "vccw/console.h"

/* What a guest program saw, checked on the host side after it ended. */
static struct {
	int rc;
	unsigned int ind_bit;
	unsigned int nr_rngs;
	int rev;
	bool adapter;
	unsigned int config_changes;
	unsigned int unsolicited;
	unsigned int used_while_stalled;
} R;

/* ---- Two programs, the first without guest_cio_exit() ---- */

static int rng_program(bool exit_cio)
{
	struct guest_rng *rng;
	uint8_t *buf;

	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	rng = guest_rng_get(0);
	buf = guest_alloc(64, 8);
	if (!rng || !buf)
		return 2;
	if (guest_rng_read(rng, buf, 64))
		return 3;
	R.adapter = rng->vdev.adapter;
	R.ind_bit = rng->vdev.ind_bit;
	R.rev = rng->vdev.revision;
	R.nr_rngs = guest_rng_count();
	if (exit_cio)
		guest_cio_exit();
	return 0;
}

static int g_rng_no_exit(void)
{
	return rng_program(false);
}

static int g_rng_exit(void)
{
	return rng_program(true);
}

TEST(test_gv_program_without_cio_exit_leaves_nothing_to_the_next)
{
	struct gv_machine m;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	if (gv_add_rng(&m, 2, gv_default_extra()) < 0) {
		test_fail_at(__FILE__, __LINE__, "rng device");
		goto out;
	}
	/* The first program leaves its devices, indicators and handler registered. */
	CHECK_EQ(gv_run(&m, g_rng_no_exit), 0);
	CHECK(R.adapter);
	CHECK_EQ(R.ind_bit, 0);
	CHECK_EQ(R.rev, 2);
	CHECK_EQ(R.nr_rngs, 1);
	/*
	 * The second starts on a fresh heap: guest_cio_init() made the virtio-ccw driver
	 * forget the old area and bits (the device gets bit 0 again, in a new area) and the
	 * device drivers their bound devices (one rng, not a stale one besides), and found
	 * the subchannel still enabled, so disabled it first: revision 2 again.
	 */
	memset(&R, 0, sizeof(R));
	CHECK_EQ(gv_run(&m, g_rng_exit), 0);
	CHECK(R.adapter);
	CHECK_EQ(R.ind_bit, 0);
	CHECK_EQ(R.rev, 2);
	CHECK_EQ(R.nr_rngs, 1);
out:
	gv_fini(&m);
}

/* ---- A notification merged into a command's interruption ---- */

/* A device that signals a configuration change from inside its first READ_CONF. */
struct merge_dev {
	struct vccw_virtio_dev vdev;
	bool fired;
};

static uint32_t merge_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return 8;
}

static void merge_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			      uint32_t len)
{
	struct merge_dev *d = container_of(vdev, struct merge_dev, vdev);

	(void)off;
	memset(buf, 0, len);
	/*
	 * Raised while the READ_CONF runs: the css keeps the unsolicited request until the
	 * command's status is pending, then drops it. Only the command's own interruption
	 * reaches the driver.
	 */
	if ((vdev->status & VCCW_VIRTIO_S_DRIVER_OK) && !d->fired) {
		d->fired = true;
		vccw_virtio_config_changed(vdev);
	}
}

static uint16_t merge_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx == 0 ? 64 : 0;
}

static void merge_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	(void)idx;
}

static const struct vccw_virtio_dev_ops merge_ops = {
	.name = "merge-test",
	.device_id = VCCW_VIRTIO_ID_RNG,
	.config_size = merge_config_size,
	.read_config = merge_read_config,
	.queue_max = merge_queue_max,
	.queue_notify = merge_queue_notify,
};

static int g_merged_config_change(void)
{
	struct guest_vccw_opts opts = { .max_rev = -1, .no_adapter = true };
	struct guest_device *dev = NULL;
	struct guest_vdev *vdev;
	uint8_t cfg[8];
	unsigned int i;
	int rc = 0;

	guest_vccw_set_opts(&opts);
	if (guest_cio_init() < 0)
		return 1;
	for (i = 0; i < guest_cio_nr_devices(); i++)
		if (guest_cio_device(i)->cu_type == GUEST_VCCW_CU_TYPE)
			dev = guest_cio_device(i);
	vdev = guest_alloc(sizeof(*vdev), 8);
	if (!dev || !vdev) {
		rc = 2;
		goto out;
	}
	if (guest_vccw_probe(vdev, dev, 0, 1, NULL)) {
		rc = 3;
		goto out;
	}
	if (vdev->adapter || !vdev->ind) {
		rc = 4;
		goto out;
	}
	if (guest_vccw_read_config(vdev, 0, cfg, sizeof(cfg))) {
		rc = 5;
		goto out;
	}
	/* Seen when the command returns: its own interruption made the driver scan. */
	R.config_changes = vdev->nr_config_changes;
	R.unsolicited = vdev->nr_unsolicited;
	guest_vccw_teardown(vdev);
out:
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	return rc;
}

TEST(test_gv_classic_indicators_scanned_on_command_completion)
{
	struct merge_dev d = { 0 };
	struct gv_machine m;
	struct vccw_err err;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	if (vccw_virtio_dev_init(&d.vdev, &merge_ops, m.mem, gv_default_extra(), &err)) {
		test_fail_at(__FILE__, __LINE__, "%s", err.msg);
		gv_fini(&m);
		return;
	}
	if (gv_add_vdev(&m, &d.vdev, 2) < 0) {
		test_fail_at(__FILE__, __LINE__, "device");
		goto out;
	}
	CHECK_EQ(gv_run(&m, g_merged_config_change), 0);
	CHECK(d.fired);
	CHECK_EQ(R.config_changes, 1);
out:
	gv_fini(&m);
	vccw_virtio_dev_fini(&d.vdev);
}

/* ---- A console peer that stops reading ---- */

#define STALL_NBUF 16
#define STALL_BUFLEN (64u * 1024)
#define STALL_TOTAL (STALL_NBUF * STALL_BUFLEN)

/*
 * The guest ran its commands while stalled: set by the guest on its vCPU thread, polled
 * by the reader thread, hence atomic (release/acquire: R is written before it).
 */
static bool stall_checked;

static uint8_t stall_byte(size_t i)
{
	return (uint8_t)(i % 253 + (i >> 16));
}

static int g_console_stalled(void)
{
	struct guest_console *con;
	struct guest_rng *rng;
	struct guest_vq *vq;
	uint8_t cfg[8], *rnd;
	unsigned int i, used = 0;
	size_t j;

	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	con = guest_console_get(0);
	rng = guest_rng_get(0);
	rnd = guest_alloc(64, 8);
	if (!con || !rng || !rnd)
		return 2;
	vq = con->vdev.vqs[1]; /* port 0 transmitq */
	/* More than the backend buffer and the socket hold: the device has to stop. */
	for (i = 0; i < STALL_NBUF; i++) {
		uint8_t *b = guest_alloc(STALL_BUFLEN, 8);
		struct guest_vq_seg seg = { b, STALL_BUFLEN };

		if (!b)
			return 3;
		for (j = 0; j < STALL_BUFLEN; j++)
			b[j] = stall_byte(i * STALL_BUFLEN + j);
		if (guest_vq_add(vq, &seg, 1, NULL, 0, b))
			return 4;
	}
	if (!guest_vq_kick(vq))
		return 5;
	guest_delay_us(50000); /* let the device's I/O thread run into the full socket */
	while (guest_vq_get_used(vq, NULL))
		used++;
	R.used_while_stalled = used;
	/*
	 * Channel programs while the console cannot send: on the console itself (READ_CONF
	 * takes its device lock on the channel thread) and on another device.
	 */
	if (guest_vccw_read_config(&con->vdev, 0, cfg, sizeof(cfg)))
		return 6;
	if (guest_rng_read(rng, rnd, 64))
		return 7;
	if (guest_vccw_read_status(&rng->vdev) < 0)
		return 8;
	__atomic_store_n(&stall_checked, true, __ATOMIC_RELEASE);
	/* The host reads now: the rest of the buffers come back. */
	while (used < STALL_NBUF) {
		if (!guest_vq_wait_used(vq, NULL, 10000000))
			return 9;
		used++;
	}
	guest_cio_exit();
	return 0;
}

struct reader {
	int fd;
	uint8_t *buf;
	size_t got;
};

static void *read_when_checked(void *p)
{
	struct reader *r = p;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	unsigned int i;
	ssize_t n;

	for (i = 0; i < 3000 && !__atomic_load_n(&stall_checked, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	if (!__atomic_load_n(&stall_checked, __ATOMIC_ACQUIRE))
		return NULL;
	while (r->got < STALL_TOTAL) {
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(r->fd, r->buf + r->got, STALL_TOTAL - r->got);
		if (n <= 0)
			break;
		r->got += (size_t)n;
	}
	return NULL;
}

TEST(test_gv_console_peer_not_reading_stalls_neither_channel_nor_data)
{
	struct vccw_console_config cfg = { 0 };
	struct reader rd = { .fd = -1 };
	struct vccw_console *con = NULL;
	struct vccw_be_char *be = NULL;
	struct vccw_err err;
	struct gv_machine m;
	pthread_t t;
	bool reader = false;
	size_t i;
	int sv[2];

	memset(&R, 0, sizeof(R));
	stall_checked = false;
	rd.buf = malloc(STALL_TOTAL);
	REQUIRE(rd.buf);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	rd.fd = sv[1];
	REQUIRE(gv_init(&m));
	be = vccw_be_char_fd_new(sv[0], sv[0], true, &err);
	if (!be) {
		close(sv[0]);
		test_fail_at(__FILE__, __LINE__, "%s", err.msg);
		goto out;
	}
	cfg.backend = be;
	con = vccw_console_new(m.mem, &cfg, gv_default_extra(), &err);
	if (!con) {
		test_fail_at(__FILE__, __LINE__, "%s", err.msg);
		goto out;
	}
	if (gv_add_vdev(&m, vccw_console_vdev(con), 2) < 0 ||
	    gv_add_rng(&m, 2, gv_default_extra()) < 0) {
		test_fail_at(__FILE__, __LINE__, "devices");
		goto out;
	}
	reader = pthread_create(&t, NULL, read_when_checked, &rd) == 0;
	REQUIRE(reader);
	CHECK_EQ(gv_run(&m, g_console_stalled), 0);
	CHECK(__atomic_load_n(&stall_checked, __ATOMIC_ACQUIRE));
	CHECK(R.used_while_stalled < STALL_NBUF);
	pthread_join(t, NULL);
	reader = false;
	CHECK_EQ(rd.got, STALL_TOTAL);
	for (i = 0; i < rd.got && rd.buf[i] == stall_byte(i); i++)
		;
	CHECK_EQ(i, STALL_TOTAL);
out:
	if (reader) {
		__atomic_store_n(&stall_checked, true, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
	}
	gv_fini(&m);
	vccw_console_free(con);
	vccw_be_char_close(be);
	close(sv[1]);
	free(rd.buf);
}
