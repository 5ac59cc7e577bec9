// SPDX-License-Identifier: MIT
/*
 * A device unplugged under the guest drivers: the host frees the virtio-ccw transport
 * (vccw_virtio_ccw_free(), as vccw-vm's device_del does) from another thread while the
 * guest runs. The device's reset drops the request a driver waits for, and only the
 * channel report (a machine check) says why, so the wait must look at the subchannel
 * when one arrives and end with -GUEST_ENODEV at once instead of running into its 5 s
 * timeout (GUEST_VCCW_TIMEOUT_US). The device is only marked gone there; the driver's
 * remove runs once, from the program's next guest_cio_poll(), never under the waiter.
 * Any later I/O to the device ends at once, also when the unplug sent no report (cc3).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"

/*
 * A call that took this long ran into its timeout path: a hang, not slowness. The rc
 * says the same exactly (-GUEST_ENODEV, not -GUEST_ETIMEDOUT).
 */
#define HANG_US 2000000u
#define WAIT_HOST_US 10000000u
#define HOLE_SECTORS 64
#define IO_SECTORS 8
#define IO_OPS_BEFORE_UNPLUG 20
/* After the request reached a device that never answers: the guest waits by then. */
#define SETTLE_US 20000

static uint64_t now_us(void)
{
	struct timespec ts;

	/* The guest's clock too (gv_host.c h_now_us()). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- A disk that takes requests and never answers them (host side) ---- */

struct hole {
	struct vccw_virtio_dev vdev;
	unsigned int notifies; /* atomic: the I/O thread counts, the test reads */
	bool slow;             /* atomic: the next READ_CONF takes SLOW_READ_US ... */
	unsigned int reading;  /* atomic: ... and is under way */
};

#define SLOW_READ_US 100000
static struct hole *g_hole; /* for the guest program of the slow test */

static uint32_t hole_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return 24;
}

/* 5.2.4: capacity at offset 0, in the negotiated byte order. */
static void hole_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			     uint32_t len)
{
	struct hole *h = container_of(vdev, struct hole, vdev);
	uint8_t cfg[24] = { 0 };

	vccw_virtio_cfg_st64(vdev, cfg, HOLE_SECTORS);
	memcpy(buf, cfg + off, len);
	/* The channel thread stays in the command while the host starts to unplug. */
	if (__atomic_exchange_n(&h->slow, false, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&h->reading, 1, __ATOMIC_SEQ_CST);
		usleep(SLOW_READ_US);
	}
}

static uint16_t hole_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx == 0 ? 64 : 0;
}

static void hole_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct hole *h = container_of(vdev, struct hole, vdev);

	(void)idx;
	__atomic_add_fetch(&h->notifies, 1, __ATOMIC_SEQ_CST);
}

static const struct vccw_virtio_dev_ops hole_ops = {
	.name = "hole-blk",
	.device_id = VCCW_VIRTIO_ID_BLOCK,
	.config_size = hole_config_size,
	.read_config = hole_read_config,
	.queue_max = hole_queue_max,
	.queue_notify = hole_notify,
};

/* ---- What the guest program saw ---- */

static struct {
	int rc;                  /* first failing set-up step */
	int io_rc;               /* the call that was waiting when the device went */
	uint64_t returned_us;    /* when it returned (the host's monotonic clock) */
	bool gone;               /* dev->gone then */
	int vq_error;
	unsigned int count_before_poll;
	unsigned int removed_before_poll;
	int again_rc;            /* later calls on the gone device */
	int cfg_rc;
	uint64_t again_us;       /* how long those took together */
	unsigned int removed;    /* notifier calls with added = false */
	unsigned int count_after_poll;
	unsigned int nr_devs_after_poll;
	bool poll_again_changed;
	unsigned int ops;        /* I/O test: writes verified before the unplug */
	unsigned int mismatches;
} R;

/* Set by the host thread just before it unplugs; the guest program's stage flags. */
static uint64_t unplugged_us;
static unsigned int guest_ops;   /* atomic: guest → host */
static bool want_unplug, unplug_done; /* atomic: quiet-unplug handshake */

static void count_removed(struct guest_device *dev, bool added)
{
	(void)dev;
	if (!added)
		R.removed++;
}

/* After the failed call: I/O ends at once, then guest_cio_poll() removes the device. */
static void after_unplug(struct guest_device *dev, struct guest_vdev *vdev,
			 int (*io)(void *), void *arg)
{
	uint8_t *cfg = guest_alloc(8, 8);
	uint64_t t, end;

	R.gone = dev->gone;
	R.count_before_poll = guest_cio_nr_devices();
	R.removed_before_poll = R.removed;
	t = guest_arch_now_us();
	R.again_rc = io(arg);
	R.cfg_rc = cfg ? guest_vccw_read_config(vdev, 0, cfg, 8) : -GUEST_ENOMEM;
	R.again_us = guest_arch_now_us() - t;
	guest_free(cfg, 8);
	/* The demo's way (guest/demo/hotplug.c): poll until the report is processed. */
	end = guest_arch_now_us() + 2 * HANG_US;
	while (!R.removed && guest_arch_now_us() < end) {
		guest_cio_poll();
		if (!R.removed)
			guest_arch_wait(10000);
	}
	R.nr_devs_after_poll = guest_cio_nr_devices();
	R.poll_again_changed = guest_cio_poll();
}

static void check_after_unplug(int idx_rc)
{
	CHECK_EQ(R.rc, 0);
	CHECK_EQ(idx_rc, 0);
	/* Not the timeout path (-GUEST_ETIMEDOUT), and nowhere near it. */
	CHECK_EQ(R.io_rc, -GUEST_ENODEV);
	CHECK(R.returned_us >= unplugged_us);
	CHECK_MSG(R.returned_us - unplugged_us < HANG_US,
		  "the waiting call returned %llu us after the unplug",
		  (unsigned long long)(R.returned_us - unplugged_us));
	CHECK(R.gone);
	/* Marked, not removed, under the waiter: the device stayed listed until the poll. */
	CHECK_EQ(R.count_before_poll, 1);
	CHECK_EQ(R.removed_before_poll, 0);
	CHECK_EQ(R.again_rc, -GUEST_ENODEV);
	CHECK_EQ(R.cfg_rc, -GUEST_ENODEV);
	CHECK_MSG(R.again_us < HANG_US, "I/O to the gone device took %llu us",
		  (unsigned long long)R.again_us);
	/* Removed once, by the poll; nothing left for another. */
	CHECK_EQ(R.removed, 1);
	CHECK_EQ(R.nr_devs_after_poll, 0);
	CHECK(!R.poll_again_changed);
}

/* ---- The host's unplug thread ---- */

struct unplugger {
	struct gv_machine *m;
	int idx;
	unsigned int *notifies; /* unplug once this is non-zero (the request is out) */
	unsigned int ops;       /* ... or once the guest verified this many operations */
	unsigned int settle_us; /* then wait this long */
	pthread_t t;
};

static void *unplug_thread(void *p)
{
	struct unplugger *u = p;
	uint64_t end = now_us() + WAIT_HOST_US;

	while (now_us() < end) {
		if (u->notifies && __atomic_load_n(u->notifies, __ATOMIC_SEQ_CST))
			break;
		if (!u->notifies && __atomic_load_n(&guest_ops, __ATOMIC_SEQ_CST) >= u->ops)
			break;
		usleep(1000);
	}
	if (u->settle_us)
		usleep(u->settle_us);
	__atomic_store_n(&unplugged_us, now_us(), __ATOMIC_SEQ_CST);
	gv_unplug(u->m, u->idx, true);
	return NULL;
}

static bool start_unplugger(struct unplugger *u, struct gv_machine *m, int idx,
			    unsigned int *notifies, unsigned int ops, unsigned int settle_us)
{
	u->m = m;
	u->idx = idx;
	u->notifies = notifies;
	u->ops = ops;
	u->settle_us = settle_us;
	__atomic_store_n(&unplugged_us, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&guest_ops, 0, __ATOMIC_SEQ_CST);
	return pthread_create(&u->t, NULL, unplug_thread, u) == 0;
}

static bool add_hole(struct gv_machine *m, struct hole *h, int *idx)
{
	struct vccw_err err;

	memset(h, 0, sizeof(*h));
	if (vccw_virtio_dev_init(&h->vdev, &hole_ops, m->mem, gv_default_extra(), &err)) {
		test_fail_at(__FILE__, __LINE__, "%s", err.msg);
		return false;
	}
	*idx = gv_add_vdev(m, &h->vdev, 2);
	if (*idx < 0) {
		test_fail_at(__FILE__, __LINE__, "device");
		vccw_virtio_dev_fini(&h->vdev);
		return false;
	}
	return true;
}

/* ---- virtio-blk waiting for a used buffer ---- */

struct blk_io {
	struct guest_blk *blk;
	uint8_t *buf;
};

static int blk_read_one(void *p)
{
	struct blk_io *io = p;

	return guest_blk_read(io->blk, 0, io->buf, 1);
}

static int g_blk_write_when_unplugged(void)
{
	struct guest_device *dev;
	struct blk_io io;

	if (guest_cio_init() < 0) {
		R.rc = 1;
		return R.rc;
	}
	guest_drivers_register_all();
	guest_cio_set_hotplug_notifier(count_removed);
	io.blk = guest_blk_get(0);
	dev = guest_cio_device(0);
	io.buf = guest_alloc(GUEST_BLK_SECTOR_SIZE, 8);
	if (!io.blk || !dev || dev->drvdata != io.blk || !io.buf) {
		R.rc = 2;
		goto out;
	}
	/* The device never uses the buffer: only the unplug ends this. */
	R.io_rc = guest_blk_write(io.blk, 0, io.buf, 1);
	R.returned_us = guest_arch_now_us();
	R.vq_error = guest_vq_error(io.blk->vdev.vqs[0]);
	after_unplug(dev, &io.blk->vdev, blk_read_one, &io);
	R.count_after_poll = guest_blk_count();
out:
	guest_cio_exit();
	return R.rc;
}

TEST(test_gv_unplug_ends_a_blk_request_waiting_for_its_used_buffer)
{
	struct unplugger u;
	struct gv_machine m;
	struct hole h;
	int idx, rc;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	if (!add_hole(&m, &h, &idx)) {
		gv_fini(&m);
		return;
	}
	REQUIRE(start_unplugger(&u, &m, idx, &h.notifies, 0, SETTLE_US));
	rc = gv_run(&m, g_blk_write_when_unplugged);
	pthread_join(u.t, NULL);
	CHECK(__atomic_load_n(&h.notifies, __ATOMIC_SEQ_CST) >= 1);
	check_after_unplug(rc);
	CHECK_EQ(R.vq_error, -GUEST_ENODEV);
	CHECK_EQ(R.count_after_poll, 0);
	gv_fini(&m);
	vccw_virtio_dev_fini(&h.vdev);
}

/* ---- A driver of our own: remove never runs under its waiting request ---- */

#define T_BUF 64

struct tdev {
	struct guest_vdev vdev;
	uint8_t *buf;
};

static struct {
	struct tdev *td;
	unsigned int probes, removes, removes_while_waiting;
	bool waiting;
} T;

static int t_probe(struct guest_device *dev)
{
	struct tdev *td = guest_alloc(sizeof(*td), 8);

	if (!td)
		return -GUEST_ENOMEM;
	td->buf = guest_alloc(T_BUF, 8);
	if (!td->buf || guest_vccw_probe(&td->vdev, dev, 0, 1, NULL)) {
		guest_free(td->buf, T_BUF);
		guest_free(td, sizeof(*td));
		return -GUEST_EIO;
	}
	dev->drvdata = td;
	T.td = td;
	T.probes++;
	return 0;
}

static void t_remove(struct guest_device *dev)
{
	struct tdev *td = dev->drvdata;

	T.removes++;
	if (T.waiting)
		T.removes_while_waiting++;
	guest_vccw_teardown(&td->vdev);
	guest_free(td->buf, T_BUF);
	/* Poisoned: a waiter still using it would find garbage, not its queue. */
	guest_memset(td, 0x5a, sizeof(*td));
	guest_free(td, sizeof(*td));
	dev->drvdata = NULL;
	T.td = NULL;
}

static const struct guest_cio_driver t_driver = {
	.name = "unplug-test",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_BLOCK,
	.probe = t_probe,
	.remove = t_remove,
	.unsolicited = guest_vccw_unsolicited,
};

static int t_xfer(void *p)
{
	struct tdev *td = p;
	struct guest_vq_seg in = { td->buf, T_BUF };

	return guest_vq_xfer(td->vdev.vqs[0], NULL, 0, &in, 1, NULL, GUEST_VCCW_TIMEOUT_US);
}

static int g_own_driver_unplugged(void)
{
	/* The other ring and indicator kind than the blk test's defaults. */
	struct guest_vccw_opts opts = { .max_rev = -1, .ring = GUEST_VCCW_RING_SPLIT,
					.no_adapter = true };
	struct guest_device *dev;
	struct tdev *td;

	guest_vccw_set_opts(&opts);
	if (guest_cio_init() < 0) {
		R.rc = 1;
		return R.rc;
	}
	guest_cio_register_driver(&t_driver);
	guest_cio_set_hotplug_notifier(count_removed);
	dev = guest_cio_device(0);
	td = T.td;
	if (!dev || !td || dev->drvdata != td || td->vdev.adapter) {
		R.rc = 2;
		goto out;
	}
	T.waiting = true;
	R.io_rc = t_xfer(td);
	T.waiting = false;
	R.returned_us = guest_arch_now_us();
	/* Still ours: nothing was freed under the wait. */
	R.vq_error = guest_vq_error(td->vdev.vqs[0]);
	after_unplug(dev, &td->vdev, t_xfer, td);
out:
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	return R.rc;
}

TEST(test_gv_unplug_defers_remove_until_the_waiting_request_returned)
{
	struct unplugger u;
	struct gv_machine m;
	struct hole h;
	int idx, rc;

	memset(&R, 0, sizeof(R));
	memset(&T, 0, sizeof(T));
	REQUIRE(gv_init(&m));
	if (!add_hole(&m, &h, &idx)) {
		gv_fini(&m);
		return;
	}
	REQUIRE(start_unplugger(&u, &m, idx, &h.notifies, 0, SETTLE_US));
	rc = gv_run(&m, g_own_driver_unplugged);
	pthread_join(u.t, NULL);
	check_after_unplug(rc);
	CHECK_EQ(R.vq_error, -GUEST_ENODEV);
	CHECK_EQ(T.probes, 1);
	/* Exactly once, never while the request waited, and not again at guest_cio_exit(). */
	CHECK_EQ(T.removes, 1);
	CHECK_EQ(T.removes_while_waiting, 0);
	gv_fini(&m);
	vccw_virtio_dev_fini(&h.vdev);
}

/* ---- A real disk under I/O, unplugged whenever it happens to be ---- */

static uint8_t pattern(unsigned int op, unsigned int i)
{
	return (uint8_t)(op * 13u + i);
}

static int g_blk_io_until_unplugged(void)
{
	uint32_t bytes = IO_SECTORS * GUEST_BLK_SECTOR_SIZE;
	struct guest_device *dev;
	struct blk_io io;
	uint8_t *in;
	uint64_t end;
	unsigned int op, i;
	int rc = 0;

	if (guest_cio_init() < 0) {
		R.rc = 1;
		return R.rc;
	}
	guest_drivers_register_all();
	guest_cio_set_hotplug_notifier(count_removed);
	io.blk = guest_blk_get(0);
	dev = guest_cio_device(0);
	io.buf = guest_alloc(bytes, 8);
	in = guest_alloc(bytes, 8);
	if (!io.blk || !dev || !io.buf || !in) {
		R.rc = 2;
		goto out;
	}
	end = guest_arch_now_us() + WAIT_HOST_US;
	for (op = 0; !rc && guest_arch_now_us() < end; op++) {
		uint64_t sector = (uint64_t)(op % 16) * IO_SECTORS;

		for (i = 0; i < bytes; i++)
			io.buf[i] = pattern(op, i);
		rc = guest_blk_write(io.blk, sector, io.buf, IO_SECTORS);
		if (!rc)
			rc = guest_blk_read(io.blk, sector, in, IO_SECTORS);
		if (rc)
			break;
		if (guest_memcmp(in, io.buf, bytes))
			R.mismatches++;
		R.ops++;
		__atomic_store_n(&guest_ops, R.ops, __ATOMIC_SEQ_CST);
	}
	R.io_rc = rc;
	R.returned_us = guest_arch_now_us();
	R.vq_error = guest_vq_error(io.blk->vdev.vqs[0]);
	after_unplug(dev, &io.blk->vdev, blk_read_one, &io);
	R.count_after_poll = guest_blk_count();
out:
	guest_cio_exit();
	return R.rc;
}

TEST(test_gv_unplug_of_a_busy_disk_ends_its_io_at_once)
{
	struct unplugger u;
	struct gv_machine m;
	int idx, rc;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	idx = gv_add_blk(&m, 2, gv_default_extra(), 1u << 20);
	if (idx < 0) {
		test_fail_at(__FILE__, __LINE__, "blk device");
		gv_fini(&m);
		return;
	}
	REQUIRE(start_unplugger(&u, &m, idx, NULL, IO_OPS_BEFORE_UNPLUG, 0));
	rc = gv_run(&m, g_blk_io_until_unplugged);
	pthread_join(u.t, NULL);
	CHECK(R.ops >= IO_OPS_BEFORE_UNPLUG);
	CHECK_EQ(R.mismatches, 0);
	check_after_unplug(rc);
	CHECK_EQ(R.count_after_poll, 0);
	gv_fini(&m);
}

/* ---- Unplugged without a report: cc3 ends the I/O, the poll still removes ---- */

static int g_quiet_unplug(void)
{
	struct guest_device *dev;
	struct blk_io io;
	uint64_t end;

	if (guest_cio_init() < 0) {
		R.rc = 1;
		return R.rc;
	}
	guest_drivers_register_all();
	guest_cio_set_hotplug_notifier(count_removed);
	io.blk = guest_blk_get(0);
	dev = guest_cio_device(0);
	io.buf = guest_alloc(GUEST_BLK_SECTOR_SIZE, 8);
	if (!io.blk || !dev || !io.buf || guest_blk_write(io.blk, 0, io.buf, 1)) {
		R.rc = 2;
		goto out;
	}
	__atomic_store_n(&want_unplug, true, __ATOMIC_SEQ_CST);
	end = guest_arch_now_us() + WAIT_HOST_US;
	while (!__atomic_load_n(&unplug_done, __ATOMIC_SEQ_CST) && guest_arch_now_us() < end)
		guest_arch_wait(1000);
	/* A channel command first: SSCH answers cc3. */
	R.io_rc = guest_vccw_read_config(&io.blk->vdev, 0, io.buf, 8);
	R.returned_us = guest_arch_now_us();
	after_unplug(dev, &io.blk->vdev, blk_read_one, &io);
	R.count_after_poll = guest_blk_count();
out:
	guest_cio_exit();
	return R.rc;
}

struct quiet {
	struct gv_machine *m;
	int idx;
};

static void *quiet_thread(void *p)
{
	struct quiet *q = p;
	uint64_t end = now_us() + WAIT_HOST_US;

	while (!__atomic_load_n(&want_unplug, __ATOMIC_SEQ_CST) && now_us() < end)
		usleep(1000);
	__atomic_store_n(&unplugged_us, now_us(), __ATOMIC_SEQ_CST);
	gv_unplug(q->m, q->idx, false);
	__atomic_store_n(&unplug_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST(test_gv_quiet_unplug_ends_io_with_cc3_and_poll_removes_the_device)
{
	struct gv_machine m;
	struct quiet q;
	pthread_t t;
	int rc;

	memset(&R, 0, sizeof(R));
	want_unplug = unplug_done = false;
	REQUIRE(gv_init(&m));
	q.m = &m;
	q.idx = gv_add_blk(&m, 2, gv_default_extra(), 1u << 20);
	if (q.idx < 0) {
		test_fail_at(__FILE__, __LINE__, "blk device");
		gv_fini(&m);
		return;
	}
	REQUIRE(pthread_create(&t, NULL, quiet_thread, &q) == 0);
	rc = gv_run(&m, g_quiet_unplug);
	pthread_join(t, NULL);
	check_after_unplug(rc);
	CHECK_EQ(R.count_after_poll, 0);
	gv_fini(&m);
}

/* ---- A channel command under way when the subchannel goes ---- */

static int g_command_when_unplugged(void)
{
	struct guest_device *dev;
	struct blk_io io;

	if (guest_cio_init() < 0) {
		R.rc = 1;
		return R.rc;
	}
	guest_drivers_register_all();
	guest_cio_set_hotplug_notifier(count_removed);
	io.blk = guest_blk_get(0);
	dev = guest_cio_device(0);
	io.buf = guest_alloc(GUEST_BLK_SECTOR_SIZE, 8);
	if (!io.blk || !dev || !io.buf) {
		R.rc = 2;
		goto out;
	}
	__atomic_store_n(&g_hole->slow, true, __ATOMIC_SEQ_CST);
	/*
	 * The css frees the subchannel after the command's slice: with the status withdrawn
	 * (the report then tells), or before TSCH takes it (cc3). Ended either way; if the
	 * status made it first, the command simply succeeded.
	 */
	R.io_rc = guest_vccw_read_config(&io.blk->vdev, 0, io.buf, 8);
	R.returned_us = guest_arch_now_us();
	after_unplug(dev, &io.blk->vdev, blk_read_one, &io);
out:
	guest_cio_exit();
	return R.rc;
}

TEST(test_gv_unplug_ends_a_channel_command_under_way)
{
	struct unplugger u;
	struct gv_machine m;
	struct hole h;
	int idx, rc;

	memset(&R, 0, sizeof(R));
	REQUIRE(gv_init(&m));
	if (!add_hole(&m, &h, &idx)) {
		gv_fini(&m);
		return;
	}
	g_hole = &h;
	/* Unplug as soon as the slow READ_CONF runs (no queue notification here). */
	REQUIRE(start_unplugger(&u, &m, idx, &h.reading, 0, 0));
	rc = gv_run(&m, g_command_when_unplugged);
	pthread_join(u.t, NULL);
	CHECK_EQ(rc, 0);
	CHECK_EQ(__atomic_load_n(&h.reading, __ATOMIC_SEQ_CST), 1);
	CHECK_MSG(R.io_rc == 0 || R.io_rc == -GUEST_ENODEV, "READ_CONF: %d", R.io_rc);
	CHECK(R.returned_us >= unplugged_us || R.io_rc == 0);
	CHECK_MSG(R.returned_us < unplugged_us + HANG_US,
		  "the command returned %llu us after the unplug",
		  (unsigned long long)(R.returned_us - unplugged_us));
	/*
	 * Marked gone by the command that ended with the device; one whose status made it
	 * first leaves the marking to the next command (again_rc) or the report's poll.
	 */
	CHECK(R.gone || R.io_rc == 0);
	CHECK_EQ(R.again_rc, -GUEST_ENODEV);
	CHECK_EQ(R.cfg_rc, -GUEST_ENODEV);
	CHECK_EQ(R.removed, 1);
	CHECK_EQ(R.nr_devs_after_poll, 0);
	gv_fini(&m);
	vccw_virtio_dev_fini(&h.vdev);
	g_hole = NULL;
}
