// SPDX-License-Identifier: MIT
/*
 * A device whose I/O thread is held by a slow request (a disk that takes its time)
 * keeps its device lock meanwhile. Channel commands for that device then go to its I/O
 * thread, behind the request, and the channel subsystem serves every other subchannel
 * in the meantime: the slow device's subchannel stays subchannel- and device-active
 * (PoP chapter 16, activity control) until the command has executed, and then presents
 * the status the command would have had at once (virtio 1.2 section 4.3.2).
 */
#include <pthread.h>
#include <string.h>

#include "test.h"
#include "vc_util.h"

/* A device whose queue 0 handler waits until the test releases it (10 s at most). */
struct slow {
	struct vccw_virtio_dev vdev; /* first member */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool in_request; /* the I/O thread is inside the slow request */
	bool released;   /* the request may end (set by the test or the 10 s guard) */
	/*
	 * The request stays in flight in a "backend" after queue_notify returned (the
	 * device lock is free, as with aio=io_uring); a reset waits for it to end.
	 */
	bool async;
	unsigned int handled;
};

static struct slow *to_slow(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct slow, vdev);
}

static uint16_t slow_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx == 0 ? 8 : 0;
}

/* Wait until the test releases the request (10 s at most). Context: s->lock held. */
static void wait_released(struct slow *s)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	while (!s->released) {
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until) != 0)
			s->released = true; /* the guard: never hang the suite */
	}
}

static void slow_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct slow *s = to_slow(vdev);

	if (s->async) {
		/* Taken into the "backend": it ends later, or in a reset. */
		if (vccw_virtio_pop(vdev, idx, vdev->elem) != 1)
			return;
		pthread_mutex_lock(&s->lock);
		s->in_request = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->in_request = true;
	pthread_cond_broadcast(&s->cond);
	wait_released(s);
	pthread_mutex_unlock(&s->lock);
	while (vccw_virtio_pop(vdev, idx, vdev->elem) == 1) {
		s->handled++;
		vccw_virtio_push(vdev, idx, vdev->elem, 0);
	}
}

/* As virtio-blk's reset with aio=io_uring: the request in flight ends first, unused. */
static void slow_reset(struct vccw_virtio_dev *vdev)
{
	struct slow *s = to_slow(vdev);

	pthread_mutex_lock(&s->lock);
	if (s->async && s->in_request) {
		wait_released(s);
		s->in_request = false;
		s->handled++;
	}
	pthread_mutex_unlock(&s->lock);
}

static const struct vccw_virtio_dev_ops slow_ops = {
	.name = "slow",
	.device_id = VCCW_VIRTIO_ID_BLOCK,
	.queue_max = slow_queue_max,
	.queue_notify = slow_queue_notify,
	.reset = slow_reset,
};

static bool slow_released(struct slow *s)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = s->released;
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Run the channel until @sid has status (cc 0 from TSCH), bounded at 10 s. */
static enum vccw_insn_rc run_until_status(struct fx *f, uint32_t sid, struct fx_irb *irb)
{
	enum vccw_insn_rc rc = VCCW_CC1;
	unsigned int i;

	for (i = 0; i < 10000; i++) {
		fx_run(f);
		rc = fx_tsch(f, sid, irb);
		if (rc != VCCW_CC1)
			break;
		vc_sleep_ms(1);
	}
	return rc;
}

/*
 * Next to the fake device of vc_util (fe.0.0815, a manual css), bring a slow device up
 * (revision 2, features, one queue, DRIVER_OK) and give it one request, which its I/O
 * thread takes and sits on until s->released.
 */
static bool slow_start(struct vc *v, struct slow *s, bool async,
		       struct vccw_virtio_ccw **slow_dev, uint32_t *slow_sid_out)
{
	uint8_t ok = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
		     VCCW_VIRTIO_S_FEATURES_OK | VCCW_VIRTIO_S_DRIVER_OK;
	struct fx_irb irb;
	struct vccw_err err;
	uint32_t slow_sid;
	uint8_t b[32];
	int64_t ret = 1;
	unsigned int i;

	if (!vc_init(v, 2))
		return false;
	memset(s, 0, sizeof(*s));
	s->async = async;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (vccw_virtio_dev_init(&s->vdev, &slow_ops, v->f.mem,
				 VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err))
		return false;
	*slow_dev = vccw_virtio_ccw_new(v->f.css, &s->vdev, NULL, &err);
	if (!*slow_dev)
		return false;
	slow_sid = fx_sid_of(vccw_virtio_ccw_cu(*slow_dev));
	*slow_sid_out = slow_sid;
	if (fx_enable(&v->f, slow_sid, 3) != VCCW_CC0)
		return false;

	for (i = 0; i < 5; i++) {
		static const uint8_t steps[] = { 1, 3, 0, 0, 11 };

		if (i == 2) {
			uint8_t feat[5] = { 0, 0, 0, 0, 0 };

			vccw_mem_write(v->f.mem, DATA, feat, 5);
			fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, 0, 5, DATA);
		} else if (i == 3) {
			uint8_t feat[5] = { 1, 0, 0, 0, 1 };

			vccw_mem_write(v->f.mem, DATA, feat, 5);
			fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, 0, 5, DATA);
		} else if (i == 0) {
			vccw_mem_st_be32(v->f.mem, DATA, 0x00020000); /* revision 2, length 0 */
			fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, 4, DATA);
		} else {
			vccw_mem_write(v->f.mem, DATA, &steps[i], 1);
			fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, 0, 1, DATA);
		}
		if (fx_ssch(&v->f, slow_sid, PROG, 0) != VCCW_CC0 ||
		    run_until_status(&v->f, slow_sid, &irb) != VCCW_CC0)
			return false;
		CHECK_MSG(vc_ok(&irb), "setup step %u: dstat 0x%02x cstat 0x%02x", i,
			  irb.scsw.dstat, irb.scsw.cstat);
	}
	vccw_mem_fill(v->f.mem, RING, 0, 0x3000);
	vc_vq_info(b, RING, 0, 8, RING + 0x1000, RING + 0x2000);
	vccw_mem_write(v->f.mem, DATA, b, 32);
	fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, 32, DATA);
	if (fx_ssch(&v->f, slow_sid, PROG, 0) != VCCW_CC0 ||
	    run_until_status(&v->f, slow_sid, &irb) != VCCW_CC0)
		return false;
	CHECK(vc_ok(&irb));
	vccw_mem_write(v->f.mem, DATA, &ok, 1);
	fx_ccw1(&v->f, PROG, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, 0, 1, DATA);
	if (fx_ssch(&v->f, slow_sid, PROG, 0) != VCCW_CC0 ||
	    run_until_status(&v->f, slow_sid, &irb) != VCCW_CC0)
		return false;
	CHECK(vc_ok(&irb));

	/* One request, which the device's I/O thread takes and sits on. */
	vccw_mem_st_le64(v->f.mem, RING, BUFS);
	vccw_mem_st_le32(v->f.mem, RING + 8, 16);
	vccw_mem_st_le16(v->f.mem, RING + 12, VCCW_VRING_DESC_F_WRITE);
	vccw_mem_st_le16(v->f.mem, RING + 0x1000 + 4, 0);
	vccw_mem_st_le16(v->f.mem, RING + 0x1000 + 2, 1);
	CHECK_EQ(vccw_virtio_ccw_diag500(v->f.css, 3, slow_sid, 0, 0, &ret), VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, 0);
	pthread_mutex_lock(&s->lock);
	while (!s->in_request)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return true;
}

static void slow_release(struct slow *s)
{
	pthread_mutex_lock(&s->lock);
	s->released = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

TEST(test_vccw_slow_request_does_not_hold_other_subchannels)
{
	uint8_t ok = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
		     VCCW_VIRTIO_S_FEATURES_OK | VCCW_VIRTIO_S_DRIVER_OK;
	struct slow s;
	struct vccw_virtio_ccw *slow_dev;
	struct vccw_schib schib;
	struct fx_irb irb;
	struct vc v;
	uint32_t slow_sid;
	uint8_t status = 0;
	unsigned int i;

	REQUIRE(slow_start(&v, &s, false, &slow_dev, &slow_sid));

	/* READ_STATUS for the slow device: it needs the device lock the request holds. */
	fx_ccw1(&v.f, PROG + 0x100, VCCW_VIRTIO_CCW_CMD_READ_STATUS, 0, 1, DATA + 0x100);
	vccw_mem_fill(v.f.mem, DATA + 0x100, 0xee, 1);
	CHECK_EQ(fx_ssch(&v.f, slow_sid, PROG + 0x100, 0), VCCW_CC0);
	fx_run(&v.f);

	/* Meanwhile the neighbour's programs run to the end, one after the other. */
	for (i = 0; i < 10; i++) {
		CHECK(vc_set_rev(&v, 2) == (i == 0));
		CHECK(!slow_released(&s));
	}
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
	CHECK_MSG(!slow_released(&s), "the neighbour waited for the slow request");
	/* The slow device's program is active in its device, without status. */
	REQUIRE(fx_stsch(&v.f, slow_sid, &schib) == VCCW_CC0);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_AC_MASK,
		 VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);

	/* The request ends; then the command executes and its program completes. */
	slow_release(&s);
	REQUIRE(run_until_status(&v.f, slow_sid, &irb) == VCCW_CC0);
	CHECK(vc_ok(&irb));
	CHECK_EQ(irb.scsw.cpa, PROG + 0x108);
	vccw_mem_ld_u8(v.f.mem, DATA + 0x100, &status);
	CHECK_EQ(status, ok);
	CHECK_EQ(s.handled, 1);

	vccw_virtio_ccw_free(slow_dev, false);
	vccw_virtio_dev_fini(&s.vdev);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	vc_fini(&v);
}

struct unplug_arg {
	struct vccw_virtio_ccw *dev;
};

static void *unplug_thread(void *arg)
{
	struct unplug_arg *u = arg;

	vccw_virtio_ccw_free(u->dev, true);
	return NULL;
}

/*
 * Hot unplug while the device has a request in flight in its backend, as with
 * aio=io_uring (the device lock is free, a pwritev from the guest buffer or a read into
 * it still runs), or with a synchronous backend call held: the subchannel stays (STSCH
 * cc 0) until that I/O has ended. Once the guest sees cc 3 / the CRW it ends its request
 * (Linux: -ENODEV) and may reuse the buffer, so no backend I/O may still be on it then
 * (the torn-write flake of hotplug_cycles_no_write_lost_or_torn). Mutation:
 * vccw_virtio_ccw_free() removing the subchannel before vccw_virtio_dev_quiesce() gives
 * cc 3 while the in-flight request is still held (the synchronous case was covered by
 * the device lock already).
 */
static void unplug_with_request_held(bool async)
{
	struct unplug_arg u;
	struct vccw_virtio_ccw *slow_dev;
	struct vccw_schib schib;
	struct slow s;
	struct vc v;
	pthread_t t;
	uint32_t slow_sid;
	bool gone_early = false;
	unsigned int i;

	REQUIRE(slow_start(&v, &s, async, &slow_dev, &slow_sid));
	u.dev = slow_dev;
	REQUIRE(pthread_create(&t, NULL, unplug_thread, &u) == 0);
	/* 200 ms with the request held: long enough for the old order to remove it. */
	for (i = 0; i < 200 && !gone_early; i++) {
		if (fx_stsch(&v.f, slow_sid, &schib) == VCCW_CC3)
			gone_early = true;
		else
			vc_sleep_ms(1);
	}
	CHECK_MSG(!gone_early, "subchannel gone (cc 3) while its request was in the backend");
	slow_release(&s);
	pthread_join(t, NULL);
	CHECK_EQ(fx_stsch(&v.f, slow_sid, &schib), VCCW_CC3);
	CHECK_EQ(s.handled, 1);

	vccw_virtio_dev_fini(&s.vdev);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	vc_fini(&v);
}

TEST(test_vccw_unplug_subchannel_stays_until_inflight_request_ends)
{
	unplug_with_request_held(true);
}

TEST(test_vccw_unplug_subchannel_stays_until_backend_call_ends)
{
	unplug_with_request_held(false);
}
