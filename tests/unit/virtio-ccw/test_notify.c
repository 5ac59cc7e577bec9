// SPDX-License-Identifier: MIT
/*
 * Notifications of lib/virtio-ccw: classic queue indicators and the configuration
 * indicator with unsolicited I/O interruptions (spec 4.3.3.1.1), adapter indicators
 * with the summary byte and adapter interruptions (spec 4.3.3.1.2), and DIAGNOSE 0x500
 * (spec 4.3.3.2), end to end through the virtio core's I/O thread.
 * Facts: docs/reference/virtio-ccw.md sections 5 and 6.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vc_util.h"

#define ISC_BIT(isc) ((uint8_t)(0x80u >> (isc)))

static uint64_t ld64(struct vc *v, uint64_t addr)
{
	uint64_t x = 0;

	vccw_mem_ld_be64(v->f.mem, addr, &x);
	return x;
}

static uint8_t ld8(struct vc *v, uint64_t addr)
{
	uint8_t x = 0;

	vccw_mem_ld_u8(v->f.mem, addr, &x);
	return x;
}

/* An unsolicited interruption for the subchannel: alert + status pending, FC 0. */
static void check_unsolicited(struct vc *v)
{
	struct vccw_io_irq irq;
	struct fx_irb irb;

	REQUIRE(vc_wait_irq(v, ISC_BIT(3)));
	CHECK(vccw_css_take_io_irq(v->f.css, ISC_BIT(3), &irq));
	CHECK_EQ(irq.sid, v->sid);
	CHECK_EQ(irq.iiw & VCCW_IIW_ADAPTER, 0);
	CHECK_EQ(fx_tsch(&v->f, v->sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, VCCW_SCSW_SC_ALERT | VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, 0);
}

TEST(test_vccw_classic_indicator_bit_and_interruption)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	vccw_mem_st_be64(v.f.mem, IND, 0);
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	vc_notify_queue(&v, 1);
	/* Queue n is 1 << n of the big-endian doubleword. */
	CHECK_EQ(ld64(&v, IND), 1u << 1);
	check_unsolicited(&v);
	vc_notify_queue(&v, 0);
	CHECK_EQ(ld64(&v, IND), 3);
	check_unsolicited(&v);
	vc_fini(&v);
}

/* No interruption is added while one is pending: status pending keeps one. */
TEST(test_vccw_classic_no_second_interruption_while_pending)
{
	struct vc v;
	struct vccw_io_irq irq;
	unsigned int i;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	vc_notify_queue(&v, 0);
	REQUIRE(vc_wait_irq(&v, ISC_BIT(3)));
	vc_notify_queue(&v, 1);
	vc_sleep_ms(20);
	CHECK(vccw_css_take_io_irq(v.f.css, 0xff, &irq));
	for (i = 0; i < 20 && !vccw_css_io_irq_pending(v.f.css, 0xff); i++)
		vc_sleep_ms(1);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));
	CHECK_EQ(ld64(&v, IND), 3);
	vc_fini(&v);
}

/* Without indicators a used-buffer notification changes nothing. */
TEST(test_vccw_no_indicators_no_interruption)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	vccw_mem_st_be64(v.f.mem, IND, 0);
	vc_notify_queue(&v, 0);
	vc_config_changed(&v);
	vc_sleep_ms(20);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));
	CHECK_EQ(ld64(&v, IND), 0);
	vc_fini(&v);
}

TEST(test_vccw_config_indicator_bit0)
{
	struct vc v;
	uint8_t b[25];
	struct fx_irb irb;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	/* Also with adapter interruptions for the queues. */
	vc_thinint(b, SUMMARY, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));
	vccw_mem_st_be64(v.f.mem, CONF_IND, 0);
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND));
	vc_config_changed(&v);
	CHECK_EQ(ld64(&v, CONF_IND), 1);
	check_unsolicited(&v);
	CHECK_EQ(ld8(&v, SUMMARY), 0);
	vc_fini(&v);
}

/* After a reset the device no longer notifies (spec 4.3.3.3). */
TEST(test_vccw_reset_drops_indicators)
{
	struct vc v;
	struct fx_irb irb;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	vccw_mem_st_be64(v.f.mem, IND, 0);
	vccw_mem_st_be64(v.f.mem, CONF_IND, 0);
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_VDEV_RESET, 0, NULL, 0, &irb);
	CHECK(vc_ok(&irb));
	vc_notify_queue(&v, 0);
	vc_config_changed(&v);
	vc_sleep_ms(20);
	CHECK_EQ(ld64(&v, IND), 0);
	CHECK_EQ(ld64(&v, CONF_IND), 0);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));
	vc_fini(&v);
}

/*
 * Adapter indicators: bit bit_nr + queue counted from the MSB of each byte, summary
 * byte 0x01, and an adapter interruption only when the summary byte was 0.
 */
TEST(test_vccw_adapter_indicators_and_summary)
{
	struct vc v;
	struct fx_irb irb;
	struct vccw_io_irq irq;
	uint8_t b[25];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	vccw_mem_fill(v.f.mem, AREA, 0, 8);
	vccw_mem_st_u8(v.f.mem, SUMMARY, 0);
	vc_thinint(b, SUMMARY, AREA, 13, 5);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));

	vc_notify_queue(&v, 1); /* bit 14: byte 1, mask 0x02 */
	CHECK_EQ(ld8(&v, AREA), 0);
	CHECK_EQ(ld8(&v, AREA + 1), 0x02);
	CHECK_EQ(ld8(&v, SUMMARY), 0x01);
	CHECK(vccw_css_io_irq_pending(v.f.css, ISC_BIT(5)));
	CHECK(!vccw_css_io_irq_pending(v.f.css, (uint8_t)~ISC_BIT(5)));
	CHECK(vccw_css_take_io_irq(v.f.css, ISC_BIT(5), &irq));
	CHECK_EQ(irq.sid, 0);
	CHECK_EQ(irq.intparm, 0);
	CHECK_EQ(irq.iiw, VCCW_IIW_ADAPTER | (5u << VCCW_IIW_ISC_SHIFT));

	/* Summary still set: the bit, but no new interruption. */
	vc_notify_queue(&v, 0); /* bit 13: byte 1, mask 0x04 */
	CHECK_EQ(ld8(&v, AREA + 1), 0x06);
	CHECK_EQ(ld8(&v, SUMMARY), 0x01);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));

	/* The driver cleared the summary: the next notification interrupts again. */
	vccw_mem_st_u8(v.f.mem, SUMMARY, 0);
	vc_notify_queue(&v, 0);
	CHECK_EQ(ld8(&v, SUMMARY), 0x01);
	CHECK(vccw_css_take_io_irq(v.f.css, ISC_BIT(5), &irq));
	/* No subchannel interruption in adapter mode. */
	vc_sleep_ms(20);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));
	CHECK_EQ(fx_tsch(&v.f, v.sid, &irb), VCCW_CC1);
	vc_fini(&v);
}

/* ---- DIAGNOSE 0x500 ---- */

TEST(test_vccw_diag500_other_subcodes_specification)
{
	static const uint64_t subcodes[] = { 0, 1, 2, 4, 5, 0x100000003ULL, UINT64_MAX };
	struct vc v;
	unsigned int i;

	REQUIRE(vc_init(&v, 2));
	for (i = 0; i < VCCW_ARRAY_SIZE(subcodes); i++) {
		int64_t ret = 12345;

		CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, subcodes[i], v.sid, 0, 0, &ret),
			 VCCW_PGM_SPECIFICATION);
	}
	vc_fini(&v);
}

TEST(test_vccw_diag500_bad_schid_and_queue)
{
	struct vc v;
	struct fx_cu_state st;
	struct vccw_cu *other;
	int64_t ret = 1;

	REQUIRE(vc_init(&v, 2));
	/* No such subchannel, or not a subchannel-ID word at all. */
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, 3, fx_sid(0, 0x1234), 0, 0, &ret),
		 VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, -EINVAL);
	ret = 1;
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, 3, 0x12345678, 0, 0, &ret), VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, -EINVAL);
	/* A queue the device does not have, or beyond any queue number. */
	ret = 1;
	vccw_virtio_ccw_diag500(v.f.css, 3, v.sid, 2, 0, &ret);
	CHECK_EQ(ret, -EINVAL);
	ret = 1;
	vccw_virtio_ccw_diag500(v.f.css, 3, v.sid, 64, 0, &ret);
	CHECK_EQ(ret, -EINVAL);
	ret = 1;
	vccw_virtio_ccw_diag500(v.f.css, 3, v.sid, 0x10000, 0, &ret);
	CHECK_EQ(ret, -EINVAL);
	/* A subchannel whose device is not virtio-ccw. */
	other = fx_add_cu(&v.f, "fe.0.0900", &st, false);
	REQUIRE(other);
	ret = 1;
	vccw_virtio_ccw_diag500(v.f.css, 3, fx_sid_of(other), 0, 0, &ret);
	CHECK_EQ(ret, -EINVAL);
	/* Good queue; bits 0-31 of GPR2 are ignored; the cookie is ours to ignore. */
	ret = 1;
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, 3, 0xdeadbeef00000000ULL | v.sid, 1, 77, &ret),
		 VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, 0);
	vccw_cu_free(other, false);
	vc_fini(&v);
}

/* Split ring of @size entries at @base (desc, avail +0x1000, used +0x2000), LE. */
static void ring_setup(struct vc *v, uint16_t idx, uint64_t base, uint16_t size)
{
	uint8_t b[32];
	struct fx_irb irb;

	vccw_mem_fill(v->f.mem, base, 0, 0x3000);
	vc_vq_info(b, base, idx, size, base + 0x1000, base + 0x2000);
	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_ok(&irb));
}

/* Make one device-writable buffer available as the next entry. */
static void ring_add(struct vc *v, uint64_t base, uint16_t slot, uint16_t avail_idx)
{
	uint64_t d = base + 16u * slot;

	vccw_mem_st_le64(v->f.mem, d, BUFS + 0x100u * slot);
	vccw_mem_st_le32(v->f.mem, d + 8, 16);
	vccw_mem_st_le16(v->f.mem, d + 12, VCCW_VRING_DESC_F_WRITE);
	vccw_mem_st_le16(v->f.mem, d + 14, 0);
	vccw_mem_st_le16(v->f.mem, base + 0x1000 + 4 + 2u * slot, slot);
	vccw_mem_st_le16(v->f.mem, base + 0x1000 + 2, avail_idx);
}

static bool wait_used(struct vc *v, uint64_t base, uint16_t want)
{
	unsigned int i;
	uint16_t idx = 0;

	for (i = 0; i < 10000; i++) {
		vccw_mem_ld_le16(v->f.mem, base + 0x2000 + 2, &idx);
		if (idx == want)
			return true;
		vc_sleep_ms(1);
	}
	return false;
}

/* A revision-1 driver's whole sequence: kick by DIAGNOSE 0x500, answer by indicator. */
static void end_to_end(struct vc *v, bool notification_data)
{
	uint8_t ok = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;
	uint32_t hi = 1u | (notification_data ? 1u << (VCCW_VIRTIO_F_NOTIFICATION_DATA - 32) : 0);
	int64_t ret = 1;

	CHECK(vc_set_rev(v, 2));
	CHECK(vc_write_status(v, ok));
	CHECK(vc_write_feat(v, 0, 0));
	CHECK(vc_write_feat(v, 1, hi));
	CHECK(vc_write_status(v, ok | VCCW_VIRTIO_S_FEATURES_OK));
	ring_setup(v, 0, RING, 8);
	ring_setup(v, 1, RING1, 4);
	vccw_mem_st_be64(v->f.mem, IND, 0);
	CHECK(vc_set_addr(v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK(vc_write_status(v, ok | VCCW_VIRTIO_S_FEATURES_OK | VCCW_VIRTIO_S_DRIVER_OK));

	ring_add(v, RING1, 0, 1);
	/* With NOTIFICATION_DATA the queue is bits 0-15 and the rest is ring state. */
	CHECK_EQ(vccw_virtio_ccw_diag500(v->f.css, 3, v->sid,
					 notification_data ? (1u << 16) | 1u : 1u, 0, &ret),
		 VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, 0);
	REQUIRE(wait_used(v, RING1, 1));
	CHECK_EQ(__atomic_load_n(&v->fake.handled[1], __ATOMIC_SEQ_CST), 1);
	check_unsolicited(v);
	CHECK_EQ(ld64(v, IND), 1u << 1);
}

TEST(test_vccw_end_to_end_diag500_and_classic_indicator)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	end_to_end(&v, false);
	vc_fini(&v);
}

TEST(test_vccw_end_to_end_notification_data)
{
	struct vc v;

	REQUIRE(vc_init_ext(&v, 2, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) |
					VCCW_BIT(VCCW_VIRTIO_F_NOTIFICATION_DATA)));
	end_to_end(&v, true);
	vc_fini(&v);
}

/* Two devices: each DIAGNOSE reaches its own subchannel's device. */
TEST(test_vccw_diag500_two_devices)
{
	struct vc v;
	struct fake second;
	struct vccw_virtio_ccw *dev2;
	struct vccw_err err;
	int64_t ret = 1;

	REQUIRE(vc_init(&v, 2));
	memset(&second, 0, sizeof(second));
	REQUIRE(vccw_virtio_dev_init(&second.vdev, &fake_ops, v.f.mem,
				     VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err) == 0);
	dev2 = vccw_virtio_ccw_new(v.f.css, &second.vdev, NULL, &err);
	REQUIRE(dev2);
	vccw_virtio_ccw_diag500(v.f.css, 3, fx_sid_of(vccw_virtio_ccw_cu(dev2)), 0, 0, &ret);
	CHECK_EQ(ret, 0);
	vccw_virtio_ccw_free(dev2, true);
	CHECK(vccw_css_crw_pending(v.f.css));
	/* Gone: the subchannel no longer answers. */
	ret = 1;
	vccw_virtio_ccw_diag500(v.f.css, 3, fx_sid(0, 1), 0, 0, &ret);
	CHECK_EQ(ret, -EINVAL);
	vccw_virtio_dev_fini(&second.vdev);
	vc_fini(&v);
}

TEST(test_vccw_new_rejects_bad_config)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = 3 };
	struct fx f;
	struct fake fk;
	struct vccw_err err;

	fx_init(&f, false);
	memset(&fk, 0, sizeof(fk));
	REQUIRE(vccw_virtio_dev_init(&fk.vdev, &fake_ops, f.mem, 0, &err) == 0);
	CHECK(!vccw_virtio_ccw_new(f.css, &fk.vdev, &cfg, &err));
	CHECK_EQ(err.code, -EINVAL);
	vccw_virtio_dev_fini(&fk.vdev);
	fx_fini(&f);
}

/* ---- Lock order: notifications under the device lock vs. commands under the sch lock ---- */

struct storm {
	struct vc *v;
	bool stop;
	unsigned int sent;
};

static void *storm_thread(void *arg)
{
	struct storm *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		vc_notify_queue(s->v, s->sent & 1);
		vc_config_changed(s->v);
		s->sent++;
	}
	return NULL;
}

/* Run one CCW on a threaded css: wait (bounded) for its final status. */
static bool run_threaded(struct vc *v, uint8_t cmd, uint16_t count, struct fx_irb *irb)
{
	unsigned int i;

	fx_ccw1(&v->f, PROG, cmd, 0, count, DATA);
	for (i = 0; fx_ssch(&v->f, v->sid, PROG, 0) != VCCW_CC0; i++) {
		/* Unsolicited status pending (cc 1): the driver takes it and retries. */
		if (i == 10000)
			return false;
		fx_tsch(&v->f, v->sid, irb);
	}
	for (i = 0; i < 10000; i++) {
		if (fx_tsch(&v->f, v->sid, irb) == VCCW_CC0 &&
		    (irb->scsw.ctrl & VCCW_SCSW_SC_PRIMARY))
			return true;
		vc_sleep_ms(1);
	}
	return false;
}

/*
 * Commands take the device lock inside the subchannel lock; used-buffer notifications
 * come with the device lock held. A notification must never wait for the subchannel
 * lock, or the two deadlock: the channel program below would never end.
 */
TEST(test_vccw_notify_storm_does_not_deadlock_commands)
{
	struct storm s = { 0 };
	struct vccw_virtio_ccw_config cfg = { .max_revision = 2 };
	struct vccw_err err;
	pthread_t th;
	struct vc v;
	unsigned int i;

	memset(&v, 0, sizeof(v));
	fx_init(&v.f, true);
	REQUIRE(vccw_virtio_dev_init(&v.fake.vdev, &fake_ops, v.f.mem,
				     VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err) == 0);
	v.dev = vccw_virtio_ccw_new(v.f.css, &v.fake.vdev, &cfg, &err);
	REQUIRE(v.dev);
	v.sid = fx_sid_of(vccw_virtio_ccw_cu(v.dev));
	REQUIRE(fx_enable(&v.f, v.sid, 3) == VCCW_CC0);
	vccw_mem_st_be32(v.f.mem, DATA, 0x00020000); /* revision 2, length 0 */
	REQUIRE(run_threaded(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 4, &(struct fx_irb){ 0 }));
	vccw_mem_st_be64(v.f.mem, DATA, IND);
	REQUIRE(run_threaded(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, 8, &(struct fx_irb){ 0 }));
	vccw_mem_st_be64(v.f.mem, DATA, CONF_IND);
	REQUIRE(run_threaded(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, 8, &(struct fx_irb){ 0 }));

	s.v = &v;
	REQUIRE(pthread_create(&th, NULL, storm_thread, &s) == 0);
	for (i = 0; i < 200; i++) {
		struct fx_irb irb;
		uint8_t st = VCCW_VIRTIO_S_ACKNOWLEDGE;

		vccw_mem_write(v.f.mem, DATA, &st, 1);
		CHECK(run_threaded(&v, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, 1, &irb));
		CHECK(vc_ok(&irb));
		CHECK(run_threaded(&v, VCCW_VIRTIO_CCW_CMD_READ_STATUS, 1, &irb));
		CHECK(vc_ok(&irb));
		if (test_failed())
			break;
	}
	__atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK(s.sent > 0);
	vc_fini(&v);
}

/* A subsystem reset (DIAGNOSE 0x308) forgets the indicators and the revision. */
TEST(test_vccw_subsystem_reset_forgets_indicators_and_revision)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	vccw_mem_st_be64(v.f.mem, IND, 0);
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
	vccw_css_reset(v.f.css);
	vccw_virtio_ccw_reset(v.dev);
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
	CHECK(v.fake.resets >= 1);
	/* A notification after the reset sets no indicator bit any more. */
	vc_notify_queue(&v, 0);
	vc_sleep_ms(20);
	CHECK_EQ(ld64(&v, IND), 0);
	CHECK(!vccw_css_io_irq_pending(v.f.css, 0xff));
	vc_fini(&v);
}
