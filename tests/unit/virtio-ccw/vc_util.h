/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the virtio-ccw transport tests: a small fake virtio device (two
 * queues of 8 and 4 entries, a 16-byte configuration space, feature bits 5 and 7, of
 * which 7 makes FEATURES_OK fail), attached through lib/virtio-ccw to a manual css, and
 * one-CCW channel programs run to completion with the IRB collected. Facts asserted:
 * docs/reference/virtio-ccw.md.
 */
#ifndef VCCW_TEST_VC_UTIL_H
#define VCCW_TEST_VC_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "test.h"
#include "vccw/virtio-ccw.h"

#define PROG FX_PROG_ADDR
#define DATA FX_DATA_ADDR
#define SENSE_AREA 0x28000u
#define RING 0x100000u     /* rings of queue 0 */
#define RING1 0x110000u    /* rings of queue 1 */
#define BUFS 0x120000u     /* buffers */
#define IND 0x30000u       /* classic queue indicators */
#define CONF_IND 0x30008u  /* configuration indicators */
#define SUMMARY 0x30100u   /* adapter summary byte */
#define AREA 0x30200u      /* adapter indicator area */

#define CE_DE (VCCW_DSTAT_CE | VCCW_DSTAT_DE)
#define FAKE_ID VCCW_VIRTIO_ID_RNG
#define FAKE_F_GOOD 5
#define FAKE_F_BAD 7 /* validate_features refuses it */
#define FAKE_CFG_LEN 16

struct fake {
	struct vccw_virtio_dev vdev; /* first member */
	uint8_t cfg[FAKE_CFG_LEN];
	unsigned int handled[2];
	unsigned int resets;
};

struct vc {
	struct fx f;
	struct fake fake;
	struct vccw_virtio_ccw *dev;
	uint32_t sid;
};

static inline struct fake *to_fake(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct fake, vdev);
}

static inline uint64_t fake_get_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_BIT(FAKE_F_GOOD) | VCCW_BIT(FAKE_F_BAD);
}

static inline bool fake_validate(struct vccw_virtio_dev *vdev, uint64_t features)
{
	(void)vdev;
	return !(features & VCCW_BIT(FAKE_F_BAD));
}

static inline uint32_t fake_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return FAKE_CFG_LEN;
}

static inline void fake_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
				    uint32_t len)
{
	memcpy(buf, to_fake(vdev)->cfg + off, len);
}

static inline void fake_write_config(struct vccw_virtio_dev *vdev, uint32_t off,
				     const uint8_t *buf, uint32_t len)
{
	memcpy(to_fake(vdev)->cfg + off, buf, len);
}

static inline uint16_t fake_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx == 0 ? 8 : idx == 1 ? 4 : 0;
}

/* Echo device: every buffer comes back used with nothing written. */
static inline void fake_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	while (vccw_virtio_pop(vdev, idx, vdev->elem) == 1) {
		/* Counted first: a test that sees the used index sees the count too. */
		__atomic_add_fetch(&to_fake(vdev)->handled[idx], 1, __ATOMIC_SEQ_CST);
		vccw_virtio_push(vdev, idx, vdev->elem, 0);
	}
}

static inline void fake_reset(struct vccw_virtio_dev *vdev)
{
	to_fake(vdev)->resets++;
}

static const struct vccw_virtio_dev_ops fake_ops = {
	.name = "fake",
	.device_id = FAKE_ID,
	.get_features = fake_get_features,
	.validate_features = fake_validate,
	.config_size = fake_config_size,
	.read_config = fake_read_config,
	.write_config = fake_write_config,
	.queue_max = fake_queue_max,
	.queue_notify = fake_queue_notify,
	.reset = fake_reset,
};

/*
 * A manual css, the fake device at fe.0.0815 with @max_rev (adapter interruptions
 * unless @no_adapter, READ_STATUS from revision 2 only with @strict_read_status),
 * enabled with ISC 3.
 */
static inline bool vc_init_full(struct vc *v, unsigned int max_rev, uint64_t extra,
				bool no_adapter, bool strict_read_status)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = max_rev,
					      .no_adapter = no_adapter,
					      .strict_read_status = strict_read_status };
	struct vccw_busid id;
	struct vccw_err err;

	memset(v, 0, sizeof(*v));
	fx_init(&v->f, false);
	if (vccw_css_parse_busid("fe.0.0815", &id, &err))
		return false;
	cfg.busid = &id;
	if (vccw_virtio_dev_init(&v->fake.vdev, &fake_ops, v->f.mem, extra, &err))
		return false;
	v->dev = vccw_virtio_ccw_new(v->f.css, &v->fake.vdev, &cfg, &err);
	if (!v->dev)
		return false;
	v->sid = fx_sid_of(vccw_virtio_ccw_cu(v->dev));
	return fx_enable(&v->f, v->sid, 3) == VCCW_CC0;
}

static inline bool vc_init_opts(struct vc *v, unsigned int max_rev, uint64_t extra,
				bool no_adapter)
{
	return vc_init_full(v, max_rev, extra, no_adapter, false);
}

static inline bool vc_init_ext(struct vc *v, unsigned int max_rev, uint64_t extra)
{
	return vc_init_opts(v, max_rev, extra, false);
}

static inline bool vc_init(struct vc *v, unsigned int max_rev)
{
	return vc_init_ext(v, max_rev, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
}

/* With VERSION_1 and adapter interruptions; @strict: READ_STATUS from revision 2 only. */
static inline bool vc_init_cfg(struct vc *v, unsigned int max_rev, bool strict)
{
	return vc_init_full(v, max_rev, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), false, strict);
}

static inline void vc_fini(struct vc *v)
{
	vccw_virtio_ccw_free(v->dev, false);
	vccw_virtio_dev_fini(&v->fake.vdev);
	fx_fini(&v->f);
}

/* Run one CCW (format 1) and collect its final status. */
static inline enum vccw_insn_rc vc_run(struct vc *v, uint8_t cmd, uint8_t flags, uint16_t count,
				       uint32_t cda, struct fx_irb *irb)
{
	enum vccw_insn_rc rc;

	fx_ccw1(&v->f, PROG, cmd, flags, count, cda);
	rc = fx_ssch(&v->f, v->sid, PROG, 0);
	if (rc != VCCW_CC0)
		return rc;
	fx_run(&v->f);
	return fx_tsch(&v->f, v->sid, irb);
}

/* Write @len bytes of @payload to DATA and run @cmd on them. */
static inline void vc_cmd(struct vc *v, uint8_t cmd, uint8_t flags, const void *payload,
			  uint16_t len, struct fx_irb *irb)
{
	if (payload && len)
		vccw_mem_write(v->f.mem, DATA, payload, len);
	memset(irb, 0, sizeof(*irb));
	if (vc_run(v, cmd, flags, len, DATA, irb) != VCCW_CC0)
		irb->scsw.dstat = 0xff; /* never a real answer */
}

/* Normal end: channel end + device end, no subchannel status. */
static inline bool vc_ok(const struct fx_irb *irb)
{
	return irb->scsw.dstat == CE_DE && irb->scsw.cstat == 0;
}

/* Sense byte 0 as BASIC SENSE returns it. */
static inline uint8_t vc_sense0(struct vc *v)
{
	struct fx_irb irb;
	uint8_t b = 0xee;

	vccw_mem_fill(v->f.mem, SENSE_AREA, 0xee, 32);
	if (vc_run(v, VCCW_CCW_CMD_BASIC_SENSE, VCCW_CCW_FLAG_SLI, 32, SENSE_AREA, &irb) !=
	    VCCW_CC0)
		return 0xee;
	vccw_mem_ld_u8(v->f.mem, SENSE_AREA, &b);
	return b;
}

/* Command reject (spec 4.3.1.3): unit check, sense byte 0 = 0x80. */
static inline bool vc_rejected(struct vc *v, const struct fx_irb *irb)
{
	return (irb->scsw.dstat & VCCW_DSTAT_UC) && vc_sense0(v) == VCCW_SENSE_CMD_REJECT;
}

static inline bool vc_set_rev(struct vc *v, uint16_t rev)
{
	uint8_t b[4] = { 0 };
	struct fx_irb irb;

	vccw_st_be16(b, rev);
	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 4, &irb);
	return vc_ok(&irb);
}

static inline bool vc_write_status(struct vc *v, uint8_t status)
{
	struct fx_irb irb;

	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, 0, &status, 1, &irb);
	return vc_ok(&irb);
}

static inline bool vc_write_feat(struct vc *v, uint8_t index, uint32_t bits)
{
	uint8_t b[5];
	struct fx_irb irb;

	vccw_st_le32(b, bits);
	b[4] = index;
	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, 0, b, 5, &irb);
	return vc_ok(&irb);
}

static inline bool vc_set_addr(struct vc *v, uint8_t cmd, uint64_t addr)
{
	uint8_t b[8];
	struct fx_irb irb;

	vccw_st_be64(b, addr);
	vc_cmd(v, cmd, 0, b, 8, &irb);
	return vc_ok(&irb);
}

static inline void vc_thinint(uint8_t *b, uint64_t summary, uint64_t area, uint64_t bit_nr,
			      uint8_t isc)
{
	vccw_st_be64(b, summary);
	vccw_st_be64(b + 8, area);
	vccw_st_be64(b + 16, bit_nr);
	b[24] = isc;
}

/* struct vq_info_block (revision >= 1). */
static inline void vc_vq_info(uint8_t *b, uint64_t desc, uint16_t index, uint16_t num,
			      uint64_t driver, uint64_t device)
{
	memset(b, 0, 32);
	vccw_st_be64(b, desc);
	vccw_st_be16(b + 12, index);
	vccw_st_be16(b + 14, num);
	vccw_st_be64(b + 16, driver);
	vccw_st_be64(b + 24, device);
}

/* struct vq_info_block_legacy (revision 0). */
static inline void vc_vq_info_legacy(uint8_t *b, uint64_t queue, uint32_t align, uint16_t index,
				     uint16_t num)
{
	vccw_st_be64(b, queue);
	vccw_st_be32(b + 8, align);
	vccw_st_be16(b + 12, index);
	vccw_st_be16(b + 14, num);
}

/* Call the transport's hooks as the virtio core does: device lock held. */
static inline void vc_notify_queue(struct vc *v, unsigned int idx)
{
	pthread_mutex_lock(&v->fake.vdev.lock);
	if (v->fake.vdev.transport)
		v->fake.vdev.transport->notify_queue(&v->fake.vdev, idx);
	pthread_mutex_unlock(&v->fake.vdev.lock);
}

static inline void vc_config_changed(struct vc *v)
{
	pthread_mutex_lock(&v->fake.vdev.lock);
	vccw_virtio_config_changed(&v->fake.vdev);
	pthread_mutex_unlock(&v->fake.vdev.lock);
}

static inline void vc_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait (bounded, 10 s) for an interruption on an ISC of @isc_mask: unsolicited
 * interruptions come from the transport's notifier thread.
 */
static inline bool vc_wait_irq(struct vc *v, uint8_t isc_mask)
{
	unsigned int i;

	for (i = 0; i < 10000; i++) {
		/* Unsolicited status is presented by the channel: run it (manual css). */
		vccw_css_run(v->f.css, 16);
		if (vccw_css_io_irq_pending(v->f.css, isc_mask))
			return true;
		vc_sleep_ms(1);
	}
	return false;
}

#endif /* VCCW_TEST_VC_UTIL_H */
