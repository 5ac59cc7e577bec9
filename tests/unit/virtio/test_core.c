// SPDX-License-Identifier: MIT
/*
 * The virtio core with a fake device and a fake transport: feature negotiation (virtio
 * v1.2 section 2.2), the device status rules (2.1, 3.1), reset (2.4), configuration
 * space byte order (2.5, legacy big-endian on s390), queue setup with the negotiated
 * ring options, NEEDS_RESET with a configuration notification after a broken ring
 * (2.1.2), used-buffer notifications through the transport, and kicks reaching
 * queue_notify on the device's own I/O thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring_util.h"
#include "test.h"
#include "vccw/byteorder.h"
#include "vccw/virtio.h"
#include "virtio-int.h" /* the kick eventfds, to wait for the I/O thread */

#define DEV_FEATURES (VCCW_BIT(0) | VCCW_BIT(5) | VCCW_BIT(41))
#define CORE_FEATURES                                                                              \
	(VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) | VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX) |                   \
	 VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC) | VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED))
#define CFG_VALUE 0x11223344u

struct fake {
	struct vccw_virtio_dev vdev; /* first */
	struct rw r;                 /* guest RAM and a driver for queue 0 */
	pthread_mutex_t m;           /* protects the counters below */
	pthread_cond_t cv;
	unsigned int notifies[3];
	bool notify_on_main;
	unsigned int starts, resets, config_notes, queue_notes, watch_calls;
	bool refuse_features;
	uint64_t validated;
	int pop_rc;
	int pipe[2];
};

static pthread_t main_thread;

static struct fake *to_fake(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct fake, vdev);
}

static uint64_t fake_get_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return DEV_FEATURES;
}

static bool fake_validate(struct vccw_virtio_dev *vdev, uint64_t features)
{
	struct fake *f = to_fake(vdev);

	f->validated = features;
	return !f->refuse_features;
}

static uint32_t fake_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return 8;
}

static void fake_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			     uint32_t len)
{
	uint8_t cfg[8];

	vccw_virtio_cfg_st32(vdev, cfg, CFG_VALUE);
	vccw_virtio_cfg_st16(vdev, cfg + 4, 0x5566);
	vccw_virtio_cfg_st16(vdev, cfg + 6, 0);
	memcpy(buf, cfg + off, len);
}

static uint16_t fake_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx < 3 ? 256 : 0;
}

static void fake_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct fake *f = to_fake(vdev);
	int rc;

	/* Drain queue 0 the way a device does; the pop wrapper handles broken rings. */
	if (idx == 0) {
		while ((rc = vccw_virtio_pop(vdev, 0, vdev->elem)) == 1)
			vccw_virtio_push(vdev, 0, vdev->elem, 0);
		f->pop_rc = rc;
	}
	pthread_mutex_lock(&f->m);
	f->notifies[idx]++;
	if (pthread_equal(pthread_self(), main_thread))
		f->notify_on_main = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->m);
}

static void fake_start(struct vccw_virtio_dev *vdev)
{
	to_fake(vdev)->starts++;
}

static void fake_reset(struct vccw_virtio_dev *vdev)
{
	to_fake(vdev)->resets++;
}

static const struct vccw_virtio_dev_ops fake_ops = {
	.name = "virtio-fake",
	.device_id = 0x42,
	.get_features = fake_get_features,
	.validate_features = fake_validate,
	.config_size = fake_config_size,
	.read_config = fake_read_config,
	.queue_max = fake_queue_max,
	.queue_notify = fake_queue_notify,
	.start = fake_start,
	.reset = fake_reset,
};

static void fake_notify_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)idx;
	to_fake(vdev)->queue_notes++;
}

static void fake_notify_config(struct vccw_virtio_dev *vdev)
{
	to_fake(vdev)->config_notes++;
}

static const struct vccw_virtio_transport_ops fake_transport = {
	.notify_queue = fake_notify_queue,
	.notify_config = fake_notify_config,
};

static bool fake_init(struct fake *f)
{
	struct vccw_err err = { 0 };
	int rc;

	memset(f, 0, sizeof(*f));
	main_thread = pthread_self();
	pthread_mutex_init(&f->m, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->pipe[0] = f->pipe[1] = -1;
	/* The ring writer's own queue is not used; its RAM and helpers are. */
	if (!rw_init(&f->r, false, false, 4, false, false))
		return false;
	rc = vccw_virtio_dev_init(&f->vdev, &fake_ops, f->r.mem, CORE_FEATURES, &err);
	CHECK_MSG(rc == 0, "vccw_virtio_dev_init: %s", err.msg);
	if (rc)
		return false;
	f->vdev.transport = &fake_transport;
	return true;
}

static void fake_fini(struct fake *f)
{
	vccw_virtio_dev_fini(&f->vdev);
	rw_fini(&f->r);
	if (f->pipe[0] >= 0)
		close(f->pipe[0]);
	if (f->pipe[1] >= 0)
		close(f->pipe[1]);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->m);
}

/* Accept @features and go to DRIVER_OK the way a driver does (3.1.1). */
static bool negotiate(struct fake *f, uint64_t features)
{
	struct vccw_virtio_dev *vdev = &f->vdev;

	return vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE) &&
	       vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER) &&
	       vccw_virtio_write_features(vdev, 0, (uint32_t)features) &&
	       vccw_virtio_write_features(vdev, 1, (uint32_t)(features >> 32)) &&
	       ((features & VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)) == 0 ||
		vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
						     VCCW_VIRTIO_S_FEATURES_OK));
}

static bool driver_ok(struct fake *f)
{
	return vccw_virtio_set_status(&f->vdev, vccw_virtio_get_status(&f->vdev) |
							VCCW_VIRTIO_S_DRIVER_OK);
}

/* Wait (bounded, not timed) until queue @idx was notified @n times. */
static bool wait_notifies(struct fake *f, unsigned int idx, unsigned int n)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&f->m);
	while (f->notifies[idx] < n) {
		if (pthread_cond_timedwait(&f->cv, &f->m, &deadline) == ETIMEDOUT)
			break;
	}
	ok = f->notifies[idx] >= n;
	pthread_mutex_unlock(&f->m);
	return ok;
}

static struct vccw_vq_config ring_cfg(uint16_t size)
{
	struct vccw_vq_config c = {
		.size = size, .desc = RW_DESC, .driver = RW_DRIVER, .device = RW_DEVICE,
	};

	return c;
}

static void on_pipe(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	struct fake *f = arg;
	char c;

	(void)vdev;
	if (read(fd, &c, 1) == 1) {
		pthread_mutex_lock(&f->m);
		f->watch_calls++;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->m);
	}
}

/* Bounded wait until the eventfd @fd has been read by the I/O thread. */
static bool wait_drained(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	const struct timespec ms = { 0, 1000000 };

	for (unsigned int i = 0; i < 10000; i++) {
		if (poll(&p, 1, 0) == 0)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

static bool wait_watch(struct fake *f, unsigned int n)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&f->m);
	while (f->watch_calls < n) {
		if (pthread_cond_timedwait(&f->cv, &f->m, &deadline) == ETIMEDOUT)
			break;
	}
	ok = f->watch_calls >= n;
	pthread_mutex_unlock(&f->m);
	return ok;
}

TEST(test_virtio_features_offered_and_accepted)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;

	REQUIRE(fake_init(&f));
	CHECK_EQ(vdev->host_features, DEV_FEATURES | CORE_FEATURES);
	CHECK_EQ(vccw_virtio_read_features(vdev, 0),
		 (uint32_t)(DEV_FEATURES | CORE_FEATURES));
	CHECK_EQ(vccw_virtio_read_features(vdev, 1), (DEV_FEATURES | CORE_FEATURES) >> 32);
	CHECK_EQ(vccw_virtio_read_features(vdev, 2), 0);
	CHECK_EQ(vdev->nr_queues, 3);
	CHECK(vdev->elem != NULL);
	/* 2.2: bits not offered are dropped. */
	CHECK(vccw_virtio_write_features(vdev, 0, 0xffffffff));
	CHECK(vccw_virtio_write_features(vdev, 1, 0xffffffff));
	CHECK(vccw_virtio_write_features(vdev, 2, 0xffffffff));
	CHECK_EQ(vdev->guest_features, DEV_FEATURES | CORE_FEATURES);
	CHECK(!vdev->legacy);
	CHECK(vccw_virtio_write_features(vdev, 1, 0));
	CHECK_EQ(vdev->guest_features, (uint32_t)(DEV_FEATURES | CORE_FEATURES));
	CHECK(vdev->legacy);
	fake_fini(&f);
}

/* 3.1.1: FEATURES_OK validates the subset once; afterwards features are frozen. */
TEST(test_virtio_features_ok_validates_and_freezes)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	const uint8_t ad = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;

	REQUIRE(fake_init(&f));
	CHECK(vccw_virtio_set_status(vdev, ad));
	CHECK(vccw_virtio_write_features(vdev, 0, 1));
	CHECK(vccw_virtio_write_features(vdev, 1, 1)); /* VERSION_1 */
	f.refuse_features = true;
	CHECK(!vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_FEATURES_OK));
	CHECK_EQ(vccw_virtio_get_status(vdev), ad);
	CHECK_EQ(f.validated, 1 | VCCW_BIT(32));
	f.refuse_features = false;
	CHECK(vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_FEATURES_OK));
	CHECK_EQ(vccw_virtio_get_status(vdev), ad | VCCW_VIRTIO_S_FEATURES_OK);
	CHECK(!vdev->legacy);
	CHECK(!vccw_virtio_write_features(vdev, 0, 0));
	CHECK_EQ(vdev->guest_features, 1 | VCCW_BIT(32));
	/* Writing the same status again is no new FEATURES_OK: no second validation. */
	f.validated = 0;
	CHECK(vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_FEATURES_OK));
	CHECK_EQ(f.validated, 0);
	CHECK_EQ(f.starts, 0);
	CHECK(vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_FEATURES_OK |
						   VCCW_VIRTIO_S_DRIVER_OK));
	CHECK_EQ(f.starts, 1);
	fake_fini(&f);
}

/* 2.1.1: the driver never clears a bit; 0 resets (2.4); NEEDS_RESET is the device's. */
TEST(test_virtio_status_rules)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	const uint8_t ad = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(driver_ok(&f));
	CHECK(!vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE));
	CHECK_EQ(vccw_virtio_get_status(vdev), ad | VCCW_VIRTIO_S_FEATURES_OK |
						       VCCW_VIRTIO_S_DRIVER_OK);
	/* FAILED may be added. */
	CHECK(vccw_virtio_set_status(vdev, vccw_virtio_get_status(vdev) |
						   VCCW_VIRTIO_S_FAILED));
	/* The driver cannot set NEEDS_RESET, nor clear it by leaving it out. */
	pthread_mutex_lock(&vdev->lock);
	vccw_virtio_needs_reset(vdev);
	pthread_mutex_unlock(&vdev->lock);
	CHECK_EQ(f.config_notes, 1);
	CHECK(vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_FEATURES_OK |
						   VCCW_VIRTIO_S_DRIVER_OK | VCCW_VIRTIO_S_FAILED));
	CHECK(vccw_virtio_get_status(vdev) & VCCW_VIRTIO_S_NEEDS_RESET);
	/* Reset. */
	CHECK(vccw_virtio_set_status(vdev, 0));
	CHECK_EQ(vccw_virtio_get_status(vdev), 0);
	CHECK_EQ(vdev->guest_features, 0);
	CHECK_EQ(f.resets, 1);
	CHECK(vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE));
	CHECK(!vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_DRIVER)); /* ACK cleared */
	vccw_virtio_reset(vdev);
	CHECK_EQ(f.resets, 2);
	CHECK_EQ(vccw_virtio_get_status(vdev), 0);
	fake_fini(&f);
}

/* 3.1.1 vs 3.1.2: VERSION_1 needs FEATURES_OK before DRIVER_OK; legacy has no such step. */
TEST(test_virtio_driver_ok_needs_features_ok_for_version_1)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	const uint8_t ad = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;

	REQUIRE(fake_init(&f));
	CHECK(vccw_virtio_set_status(vdev, ad));
	CHECK(vccw_virtio_write_features(vdev, 1, 1));
	CHECK(!vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_DRIVER_OK));
	CHECK_EQ(f.starts, 0);
	vccw_virtio_reset(vdev);
	/* Legacy driver: features, then DRIVER_OK directly. */
	CHECK(vccw_virtio_set_status(vdev, ad));
	CHECK(vccw_virtio_write_features(vdev, 0, 1));
	CHECK(vccw_virtio_set_status(vdev, ad | VCCW_VIRTIO_S_DRIVER_OK));
	CHECK_EQ(f.starts, 1);
	CHECK(vdev->legacy);
	/* Features are frozen after DRIVER_OK. */
	CHECK(!vccw_virtio_write_features(vdev, 0, 0));
	fake_fini(&f);
}

/* 2.5: config fields are little-endian with VERSION_1, guest order (big) for legacy. */
TEST(test_virtio_config_byte_order_and_bounds)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	uint8_t buf[8];

	REQUIRE(fake_init(&f));
	CHECK_EQ(vccw_virtio_config_size(vdev), 8);
	CHECK(vccw_virtio_read_config(vdev, 0, buf, 8));
	CHECK_EQ(vccw_ld_be32(buf), CFG_VALUE);
	CHECK_EQ(vccw_virtio_cfg_ld16(vdev, buf + 4), 0x5566);
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	CHECK(vccw_virtio_read_config(vdev, 0, buf, 8));
	CHECK_EQ(vccw_ld_le32(buf), CFG_VALUE);
	CHECK_EQ(vccw_virtio_ld32(vdev, buf), CFG_VALUE);
	CHECK(vccw_virtio_read_config(vdev, 4, buf, 2));
	CHECK_EQ(vccw_ld_le16(buf), 0x5566);
	memset(buf, 0xee, sizeof(buf));
	CHECK(!vccw_virtio_read_config(vdev, 4, buf, 5));
	CHECK(!vccw_virtio_read_config(vdev, 9, buf, 0));
	CHECK(!vccw_virtio_read_config(vdev, UINT32_MAX, buf, 2));
	CHECK(!vccw_virtio_write_config(vdev, 7, buf, 2));
	CHECK(vccw_virtio_write_config(vdev, 0, buf, 8)); /* no hook: dropped */
	CHECK_EQ(buf[0], 0xee);
	/* 64-bit helpers, both orders. */
	vccw_virtio_cfg_st64(vdev, buf, 0x0102030405060708ull);
	CHECK_EQ(buf[0], 0x08);
	CHECK_EQ(vccw_virtio_cfg_ld64(vdev, buf), 0x0102030405060708ull);
	vccw_virtio_reset(vdev);
	vccw_virtio_cfg_st64(vdev, buf, 0x0102030405060708ull);
	CHECK_EQ(buf[0], 0x01);
	vccw_virtio_cfg_st32(vdev, buf, 0x0a0b0c0d);
	CHECK_EQ(vccw_virtio_cfg_ld32(vdev, buf), 0x0a0b0c0d);
	CHECK_EQ(buf[0], 0x0a);
	fake_fini(&f);
}

/* Queue setup takes its byte order and ring format from the negotiation. */
TEST(test_virtio_queue_setup_uses_negotiated_options)
{
	for (int modern = 0; modern < 2; modern++) {
		struct fake f;
		struct vccw_virtio_dev *vdev = &f.vdev;
		struct vccw_vq_config c = ring_cfg(4);
		uint64_t feat = modern ? VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) : 0;

		REQUIRE(fake_init(&f));
		CHECK_EQ(vccw_virtio_queue_max(vdev, 0), 256);
		CHECK_EQ(vccw_virtio_queue_max(vdev, 3), 0);
		CHECK_EQ(vccw_virtio_queue_max(vdev, 1000), 0);
		REQUIRE(negotiate(&f, feat));
		c.big_endian = modern; /* the transport's guess is overridden */
		c.packed = true;
		CHECK_EQ(vccw_virtio_queue_setup(vdev, 3, &c), -EINVAL);
		c.size = 512;
		CHECK_EQ(vccw_virtio_queue_setup(vdev, 0, &c), -EINVAL);
		c.size = 4;
		CHECK_EQ(vccw_virtio_queue_setup(vdev, 0, &c), 0);
		REQUIRE(driver_ok(&f));
		/* Write a split ring in the order the negotiation implies. */
		f.r.cfg.big_endian = !modern;
		rw_desc(&f.r, RW_DESC, 2, RW_DATA, 4, VCCW_VRING_DESC_F_WRITE, 0);
		rw_avail(&f.r, 2);
		pthread_mutex_lock(&vdev->lock);
		CHECK_EQ(vccw_virtio_pop(vdev, 0, vdev->elem), 1);
		CHECK_EQ(vdev->elem->id, 2);
		vccw_virtio_push(vdev, 0, vdev->elem, 4);
		pthread_mutex_unlock(&vdev->lock);
		CHECK_EQ(rw_used_idx(&f.r), 1);
		CHECK_EQ(f.queue_notes, 1);
		CHECK_EQ(vccw_virtio_queue_setup(vdev, 0, NULL), 0);
		pthread_mutex_lock(&vdev->lock);
		CHECK_EQ(vccw_virtio_pop(vdev, 0, vdev->elem), 0);
		pthread_mutex_unlock(&vdev->lock);
		fake_fini(&f);
	}
}

/* A packed ring is used when RING_PACKED was negotiated. */
TEST(test_virtio_queue_setup_packed)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(5);
	const struct rw_seg seg = { RW_DATA, 4, true };

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) |
				      VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED)));
	CHECK_EQ(vccw_virtio_queue_setup(vdev, 1, &c), 0); /* 5: fine for packed */
	REQUIRE(driver_ok(&f));
	f.r.cfg.packed = true;
	f.r.cfg.size = 5;
	rw_plist(&f.r, &seg, 1, 0x33);
	pthread_mutex_lock(&vdev->lock);
	CHECK_EQ(vccw_virtio_pop(vdev, 1, vdev->elem), 1);
	CHECK_EQ(vdev->elem->id, 0x33);
	pthread_mutex_unlock(&vdev->lock);
	fake_fini(&f);
}

/* A kick is handed to the I/O thread, which calls queue_notify there. */
TEST(test_virtio_kick_reaches_queue_notify_on_io_thread)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(4);
	const struct rw_seg seg = { RW_DATA, 4, true };

	REQUIRE(fake_init(&f));
	CHECK_EQ(vccw_virtio_kick(vdev, 3), -EINVAL);
	CHECK_EQ(vccw_virtio_kick(vdev, VCCW_VIRTIO_MAX_QUEUES), -EINVAL);
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 0, &c) == 0);
	REQUIRE(vccw_virtio_queue_setup(vdev, 2, &c) == 0);
	REQUIRE(driver_ok(&f));
	rw_chain(&f.r, 0, &seg, 1);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	CHECK(wait_notifies(&f, 0, 1));
	CHECK_EQ(vccw_virtio_kick(vdev, 2), 0);
	CHECK(wait_notifies(&f, 2, 1));
	pthread_mutex_lock(&f.m);
	CHECK(!f.notify_on_main);
	pthread_mutex_unlock(&f.m);
	pthread_mutex_lock(&vdev->lock);
	CHECK_EQ(f.pop_rc, 0);
	pthread_mutex_unlock(&vdev->lock);
	CHECK_EQ(rw_used_idx(&f.r), 1);
	fake_fini(&f);
}

/*
 * No kick is lost whether the I/O thread polls its kick bits (the kick then writes no
 * eventfd) or sleeps in epoll_wait: every kick, one at a time, reaches queue_notify,
 * with pauses now and then so the polling window lapses and the thread goes to sleep.
 */
TEST(test_virtio_every_kick_served_polling_or_sleeping)
{
	const struct timespec pause = { 0, 2000000 };
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(4);
	unsigned int i;

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 2, &c) == 0);
	REQUIRE(driver_ok(&f));
	for (i = 0; i < 2000; i++) {
		CHECK_EQ(vccw_virtio_kick(vdev, 2), 0);
		if (!wait_notifies(&f, 2, i + 1)) {
			CHECK_MSG(false, "kick %u never reached the device", i);
			break;
		}
		if (i % 128 == 127)
			nanosleep(&pause, NULL);
	}
	fake_fini(&f);
}

/*
 * ioeventfd=off: the notifying thread serves the queue itself, before the kick returns;
 * while somebody holds the device the kick goes to the I/O thread instead of waiting.
 */
TEST(test_virtio_kick_inline_serves_on_caller_unless_device_busy)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(4);
	const struct rw_seg seg = { RW_DATA, 4, true };

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 0, &c) == 0);
	REQUIRE(driver_ok(&f));
	vccw_virtio_dev_set_notify_inline(vdev, true);
	rw_chain(&f.r, 0, &seg, 1);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	pthread_mutex_lock(&f.m);
	CHECK_EQ(f.notifies[0], 1); /* served before the kick returned */
	CHECK(f.notify_on_main);
	f.notify_on_main = false;
	pthread_mutex_unlock(&f.m);
	CHECK_EQ(rw_used_idx(&f.r), 1);
	/* The device lock is taken (here, by this thread): the I/O thread serves it. */
	pthread_mutex_lock(&vdev->lock);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	pthread_mutex_unlock(&vdev->lock);
	CHECK(wait_notifies(&f, 0, 2));
	pthread_mutex_lock(&f.m);
	CHECK(!f.notify_on_main);
	pthread_mutex_unlock(&f.m);
	/* Off again: back to the I/O thread. */
	vccw_virtio_dev_set_notify_inline(vdev, false);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	CHECK(wait_notifies(&f, 0, 3));
	pthread_mutex_lock(&f.m);
	CHECK(!f.notify_on_main);
	pthread_mutex_unlock(&f.m);
	fake_fini(&f);
}

/* 2.1.2: a broken ring sets NEEDS_RESET, notifies the config change once, stops kicks. */
TEST(test_virtio_broken_ring_sets_needs_reset)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(4);

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 0, &c) == 0);
	REQUIRE(vccw_virtio_queue_setup(vdev, 1, &c) == 0);
	REQUIRE(driver_ok(&f));
	rw_desc(&f.r, RW_DESC, 0, RW_DATA, 4, VCCW_VRING_DESC_F_NEXT, 0); /* loop */
	rw_avail(&f.r, 0);
	rw_snapshot(&f.r);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	REQUIRE(wait_notifies(&f, 0, 1));
	pthread_mutex_lock(&vdev->lock);
	CHECK_EQ(f.pop_rc, -EIO);
	CHECK_EQ(f.config_notes, 1);
	/* Again: still -EIO, but no second notification. */
	CHECK_EQ(vccw_virtio_pop(vdev, 0, vdev->elem), -EIO);
	CHECK_EQ(f.config_notes, 1);
	pthread_mutex_unlock(&vdev->lock);
	CHECK(vccw_virtio_get_status(vdev) & VCCW_VIRTIO_S_NEEDS_RESET);
	CHECK(rw_unchanged(&f.r));
	/*
	 * While NEEDS_RESET is set, kicks are dropped. Without timing: wait until the I/O
	 * thread consumed queue 1's kick, then let it run a watched fd's callback; the
	 * thread is single, so the kick's handling is over by then.
	 */
	REQUIRE(pipe(f.pipe) == 0);
	REQUIRE(vccw_virtio_dev_watch_fd(vdev, f.pipe[0], on_pipe, &f) == 0);
	CHECK_EQ(vccw_virtio_kick(vdev, 1), 0);
	CHECK(wait_drained(vdev->io->kick_fd[1]));
	CHECK_EQ(write(f.pipe[1], "x", 1), 1);
	CHECK(wait_watch(&f, 1));
	pthread_mutex_lock(&f.m);
	CHECK_EQ(f.notifies[1], 0);
	pthread_mutex_unlock(&f.m);
	/* After a reset the driver can start over with a good ring. */
	vccw_virtio_reset(vdev);
	CHECK_EQ(vccw_virtio_get_status(vdev), 0);
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 0, &c) == 0);
	REQUIRE(driver_ok(&f));
	memset(f.r.ram + RW_DESC, 0, 3 * 0x1000);
	f.r.avail_idx = 0;
	rw_desc(&f.r, RW_DESC, 1, RW_DATA, 4, VCCW_VRING_DESC_F_WRITE, 0);
	rw_avail(&f.r, 1);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	REQUIRE(wait_notifies(&f, 0, 2));
	pthread_mutex_lock(&vdev->lock);
	CHECK_EQ(f.pop_rc, 0);
	pthread_mutex_unlock(&vdev->lock);
	CHECK_EQ(rw_used_idx(&f.r), 1);
	fake_fini(&f);
}

/* 3.1.1: queues are not serviced before DRIVER_OK; a kick then is dropped. */
TEST(test_virtio_kick_before_driver_ok_dropped)
{
	struct fake f;
	struct vccw_virtio_dev *vdev = &f.vdev;
	struct vccw_vq_config c = ring_cfg(4);

	REQUIRE(fake_init(&f));
	REQUIRE(negotiate(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)));
	REQUIRE(vccw_virtio_queue_setup(vdev, 0, &c) == 0);
	REQUIRE(pipe(f.pipe) == 0);
	REQUIRE(vccw_virtio_dev_watch_fd(vdev, f.pipe[0], on_pipe, &f) == 0);
	CHECK_EQ(vccw_virtio_kick(vdev, 0), 0);
	CHECK(wait_drained(vdev->io->kick_fd[0]));
	CHECK_EQ(write(f.pipe[1], "x", 1), 1);
	CHECK(wait_watch(&f, 1));
	pthread_mutex_lock(&f.m);
	CHECK_EQ(f.notifies[0], 0);
	pthread_mutex_unlock(&f.m);
	/* A queue that is not set up is not serviced either, even after DRIVER_OK. */
	REQUIRE(driver_ok(&f));
	CHECK_EQ(vccw_virtio_kick(vdev, 1), 0);
	CHECK(wait_drained(vdev->io->kick_fd[1]));
	CHECK_EQ(write(f.pipe[1], "y", 1), 1);
	CHECK(wait_watch(&f, 2));
	pthread_mutex_lock(&f.m);
	CHECK_EQ(f.notifies[1], 0);
	pthread_mutex_unlock(&f.m);
	fake_fini(&f);
}

/* Backends' fds are watched by the same I/O thread. */
TEST(test_virtio_watch_fd)
{
	struct fake f;

	REQUIRE(fake_init(&f));
	REQUIRE(pipe(f.pipe) == 0);
	CHECK_EQ(vccw_virtio_dev_watch_fd(&f.vdev, -1, on_pipe, &f), -EINVAL);
	CHECK_EQ(vccw_virtio_dev_watch_fd(&f.vdev, f.pipe[0], on_pipe, &f), 0);
	CHECK_EQ(write(f.pipe[1], "x", 1), 1);
	CHECK(wait_watch(&f, 1));
	CHECK_EQ(write(f.pipe[1], "y", 1), 1);
	CHECK(wait_watch(&f, 2));
	pthread_mutex_lock(&f.m);
	CHECK_EQ(f.watch_calls, 2);
	pthread_mutex_unlock(&f.m);
	fake_fini(&f);
}

/* Without queue_max there is no device. */
TEST(test_virtio_init_needs_queue_max)
{
	static const struct vccw_virtio_dev_ops bad = { .name = "bad" };
	struct vccw_virtio_dev vdev;
	struct vccw_err err = { 0 };

	CHECK_EQ(vccw_virtio_dev_init(&vdev, &bad, NULL, 0, &err), -EINVAL);
	CHECK(err.msg[0] != 0);
}
