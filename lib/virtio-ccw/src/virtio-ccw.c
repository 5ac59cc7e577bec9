// SPDX-License-Identifier: MIT
/*
 * The virtio-ccw transport: the 0x3832 control unit with its thirteen virtio channel
 * commands (one table row each), virtio-ccw revisions 0-2, classic queue and
 * configuration indicators with unsolicited I/O interruptions, adapter (two-stage)
 * indicators with adapter interruptions, and the DIAGNOSE 0x500 notification hypercall.
 * virtio specification v1.2 section 4.3 "Virtio Over Channel I/O"; the facts, and where
 * QEMU and Linux differ from the specification, are in docs/reference/virtio-ccw.md.
 *
 * Locking. Command handlers run on the channel thread with the subchannel lock held and
 * call into the virtio core, which takes the device lock: order sch -> device. The core
 * calls our notify hooks with the device lock held, so they must not take the
 * subchannel lock: indicator bits are set at once, and the unsolicited interruption is
 * requested with vccw_sch_unsolicited(), which only queues it for the channel thread.
 * Indicator addresses live under @ind_lock, a leaf lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "trace-int.h"
#include "vccw/virtio-ccw.h"

/* Trace arguments for the bus ID of @dev's device (evaluated only when tracing). */
#define DEV_ID(dev) VCCW_TRACE_BUSID(vccw_sch_busid(vccw_cu_sch((dev)->cu)))

/* Payload sizes (spec 4.3.2). */
#define VQ_INFO_LEGACY_LEN 16 /* struct vq_info_block_legacy */
#define VQ_INFO_LEN 32        /* struct vq_info_block */
#define FEAT_DESC_LEN 5       /* struct virtio_feature_desc */
#define THININT_LEN 25        /* struct virtio_thinint_area */
#define VQ_CONFIG_LEN 4       /* struct vq_config_block */
#define REV_INFO_LEN 4        /* struct virtio_rev_info without data */
/* The whole of a struct virtio_rev_info with data, as far as one CCW count reaches. */
#define REV_INFO_MAX 0xffff
#define IND_ADDR_LEN 8        /* be64 indicator address */
/* Largest configuration space the transport moves in one READ_CONF / WRITE_CONF. */
#define CONF_MAX 4096

#define MAX_REVISION 2
/* Spec 4.3.2.2.2 (legacy SET_VQ): ring alignment of a revision-0 queue. */
#define LEGACY_ALIGN 4096
/* Classic indicators are one doubleword: 64 queues at most (QEMU's limit too). */
#define CLASSIC_IND_BITS 64

struct vccw_virtio_ccw {
	struct vccw_css *css;
	struct vccw_virtio_dev *vdev;
	struct vccw_cu *cu;
	struct vccw_mem *mem;
	unsigned int max_revision;
	bool no_adapter; /* refuse SET_IND_ADAPTER */
	bool strict_read_status; /* READ_STATUS from revision 2 only */
	/* Queues 0 .. nr_span - 1 cover every queue the device has. */
	unsigned int nr_span;

	/* -1 until SET_VIRTIO_REV (or the first other virtio command); atomic. */
	int revision;
	/* VIRTIO_F_NOTIFICATION_DATA negotiated: GPR3 of DIAGNOSE 0x500 holds data. */
	bool notify_data;

	/* Indicators (spec 4.3.2.6); 0 = not set up. */
	pthread_mutex_t ind_lock;
	uint64_t ind;      /* classic queue indicators */
	uint64_t conf_ind; /* configuration indicators */
	bool adapter;      /* two-stage indicators active */
	uint64_t summary;
	uint64_t area;
	uint64_t bit_nr;
	uint8_t isc;

	/*
	 * Commands handed to the device's I/O thread while it was busy (see run_cmd()):
	 * protected by defer_lock, taken inside the subchannel lock.
	 */
	pthread_mutex_t defer_lock;
	unsigned int nr_deferred;
	bool detaching; /* vccw_virtio_ccw_free() runs: commands execute inline */
};

/* A command the device's I/O thread executes for the channel thread. */
struct deferred {
	struct vccw_virtio_call call;
	struct vccw_virtio_ccw *dev;
	struct vccw_cu *cu;
	struct vccw_cu_req req;
	uint8_t data[]; /* req.buf: the command's bytes, req.len of them */
};

static struct vccw_virtio_ccw *dev_of(struct vccw_cu *cu)
{
	return vccw_cu_opaque(cu);
}

static int get_revision(struct vccw_virtio_ccw *dev)
{
	return __atomic_load_n(&dev->revision, __ATOMIC_ACQUIRE);
}

static void set_revision(struct vccw_virtio_ccw *dev, int rev)
{
	__atomic_store_n(&dev->revision, rev, __ATOMIC_RELEASE);
}

/*
 * A read command whose area is too short to execute it: the device cannot return its
 * answer (spec 4.3.1.3, "check condition"). A data chain may offer more than its first
 * CCW, so only an unchained short count is judged here; the engine handles the rest.
 */
static bool read_too_short(const struct vccw_cu_req *req, uint32_t need)
{
	return req->count < need && !(req->flags & VCCW_CCW_FLAG_CD);
}

static enum vccw_cu_rc read_reject(struct vccw_cu_req *req)
{
	req->done = 0;
	return VCCW_CU_REJECT;
}

/* ---- Transport state ---- */

static void refresh_notify_data(struct vccw_virtio_ccw *dev)
{
	bool on;

	pthread_mutex_lock(&dev->vdev->lock);
	on = dev->vdev->guest_features & VCCW_BIT(VCCW_VIRTIO_F_NOTIFICATION_DATA);
	pthread_mutex_unlock(&dev->vdev->lock);
	__atomic_store_n(&dev->notify_data, on, __ATOMIC_RELEASE);
}

/* Forget every indicator (VDEV_RESET, status 0, detach), as QEMU's reset does. */
static void drop_indicators(struct vccw_virtio_ccw *dev)
{
	pthread_mutex_lock(&dev->ind_lock);
	dev->ind = 0;
	dev->conf_ind = 0;
	dev->adapter = false;
	dev->summary = 0;
	dev->area = 0;
	dev->bit_nr = 0;
	dev->isc = 0;
	pthread_mutex_unlock(&dev->ind_lock);
}

/* Reset the virtio device and the transport state; the revision stays (spec 4.3.2.1.1). */
static void transport_reset(struct vccw_virtio_ccw *dev)
{
	drop_indicators(dev);
	vccw_virtio_reset(dev->vdev);
	drop_indicators(dev);
	__atomic_store_n(&dev->notify_data, false, __ATOMIC_RELEASE);
}

/*
 * Every virtio command but SET_VIRTIO_REV: a driver that did not select a revision first
 * is a legacy driver, and the device goes on as if revision 0 had been selected, so a
 * later SET_VIRTIO_REV is rejected (spec 4.3.2.1.3). Returns the revision.
 */
static int use_revision(struct vccw_virtio_ccw *dev)
{
	int rev = get_revision(dev);

	if (rev < 0) {
		rev = 0;
		set_revision(dev, 0);
	}
	return rev;
}

/* ---- Channel commands (spec 4.3.2, 4.3.3.3) ---- */

static enum vccw_cu_rc do_set_vq(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	const uint8_t *b = req->buf;
	struct vccw_vq_config cfg;
	uint16_t index, num, max;
	uint64_t desc;
	bool legacy = use_revision(dev) == 0;

	memset(&cfg, 0, sizeof(cfg));
	if (legacy) {
		/* Spec 4.3.2.2.2: revision 0 uses struct vq_info_block_legacy. */
		uint32_t align;

		req->done = VQ_INFO_LEGACY_LEN;
		desc = vccw_ld_be64(b);
		align = vccw_ld_be32(b + 8);
		index = vccw_ld_be16(b + 12);
		num = vccw_ld_be16(b + 14);
		if (index >= VCCW_VIRTIO_MAX_QUEUES)
			return VCCW_CU_REJECT;
		max = vccw_virtio_queue_max(dev->vdev, index);
		if (!max)
			return VCCW_CU_REJECT;
		if (!desc)
			goto teardown;
		/*
		 * The legacy ring size is the device's; the driver lays the ring out for
		 * @num entries, so any other value would put the rings where the device
		 * does not look (QEMU ignores a larger num: docs/reference/virtio-ccw.md).
		 */
		if (align != LEGACY_ALIGN || num != max)
			return VCCW_CU_REJECT;
		if (!vccw_vq_legacy_layout(desc, num, LEGACY_ALIGN, &cfg.driver, &cfg.device))
			return VCCW_CU_REJECT;
	} else {
		/* Spec 4.3.2.2: struct vq_info_block; res0 is ignored. */
		if (req->len < VQ_INFO_LEN)
			return VCCW_CU_REJECT;
		desc = vccw_ld_be64(b);
		index = vccw_ld_be16(b + 12);
		num = vccw_ld_be16(b + 14);
		cfg.driver = vccw_ld_be64(b + 16);
		cfg.device = vccw_ld_be64(b + 24);
		if (index >= VCCW_VIRTIO_MAX_QUEUES)
			return VCCW_CU_REJECT;
		max = vccw_virtio_queue_max(dev->vdev, index);
		if (!max)
			return VCCW_CU_REJECT;
		if (!desc)
			goto teardown;
		/* The driver may choose a smaller queue, never a larger one or none. */
		if (num == 0 || num > max)
			return VCCW_CU_REJECT;
	}
	cfg.size = num;
	cfg.desc = desc;
	/* The ring layer checks power of two, alignment and that the rings are RAM. */
	if (vccw_virtio_queue_setup(dev->vdev, index, &cfg))
		return VCCW_CU_REJECT;
	return VCCW_CU_OK;

teardown:
	/* A zero queue address releases the queue (Linux's del_vq; QEMU alike). */
	if (vccw_virtio_queue_setup(dev->vdev, index, NULL))
		return VCCW_CU_REJECT;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_vdev_reset(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);

	(void)req;
	use_revision(dev);
	/* Spec 4.3.3.3.1: the reset is complete, status 0, when the command ends. */
	transport_reset(dev);
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_read_feat(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint8_t *b = req->buf;
	uint32_t bits = 0;
	uint8_t index;
	int rev = use_revision(dev);

	if (read_too_short(req, FEAT_DESC_LEN))
		return read_reject(req);
	/* The driver put the index in the area the device now fills (prefetched). */
	index = b[4];
	/* Spec 4.3.2.4; revision 0 offers no bit above 31 (no VERSION_1). */
	if (index == 0 || (index == 1 && rev >= 1))
		bits = vccw_virtio_read_features(dev->vdev, index);
	vccw_st_le32(b, bits);
	b[4] = index;
	req->done = FEAT_DESC_LEN;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_write_feat(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	const uint8_t *b = req->buf;
	uint32_t bits = vccw_ld_le32(b);
	uint8_t index = b[4];
	int rev = use_revision(dev);

	req->done = FEAT_DESC_LEN;
	/*
	 * Words the device never offered (index 1 in revision 0, index >= 2) carry nothing
	 * the driver may accept (spec 2.2.1); they are dropped, as bits not offered are.
	 */
	if (index == 0 || (index == 1 && rev >= 1)) {
		/* Refused once FEATURES_OK is set (spec 3.1.1). */
		if (!vccw_virtio_write_features(dev->vdev, index, bits))
			return VCCW_CU_REJECT;
		refresh_notify_data(dev);
	}
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_read_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint32_t size = vccw_virtio_config_size(dev->vdev);
	uint32_t n;

	use_revision(dev);
	/*
	 * Spec 4.3.2.5: the space is read from offset 0. A count beyond it moves the whole
	 * space; the rest is residual, and without SLI the mismatch is incorrect length
	 * (4.3.1.3: the subchannel status the architecture defines), not a reject. A
	 * shorter count reads a prefix, as Linux does (offset + length, no SLI). With data
	 * chaining the data continues in the next CCWs' areas: offer the whole space and
	 * let the engine spread it (and judge the length) over the chain.
	 */
	n = (req->flags & VCCW_CCW_FLAG_CD) || req->count > size ? size : req->count;
	if (n > req->len)
		n = req->len;
	if (n && !vccw_virtio_read_config(dev->vdev, 0, req->buf, n))
		return read_reject(req);
	req->done = n;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_write_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint32_t size = vccw_virtio_config_size(dev->vdev);
	uint32_t n = req->len < size ? req->len : size;

	use_revision(dev);
	/*
	 * Spec 4.3.2.5: written from offset 0. Data beyond the space is not taken: the
	 * engine reports it as residual, with incorrect length without SLI (4.3.1.3).
	 */
	if (n && !vccw_virtio_write_config(dev->vdev, 0, req->buf, n))
		return VCCW_CU_REJECT;
	req->done = n;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_write_status(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint8_t status = *(const uint8_t *)req->buf;

	use_revision(dev);
	req->done = 1;
	if (status == 0) {
		/* Spec 2.4: writing 0 resets the device, and with it the transport state. */
		transport_reset(dev);
		return VCCW_CU_OK;
	}
	/* Spec 4.3.2.3.2: a status the device does not take is a command reject. */
	if (!vccw_virtio_set_status(dev->vdev, status))
		return VCCW_CU_REJECT;
	refresh_notify_data(dev);
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_read_status(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	int rev = use_revision(dev);

	/*
	 * READ_STATUS belongs to revision 2 (spec 4.3.2.1 table, 4.3.2.3). Rejecting it in
	 * an older revision is a SHOULD (4.3.2.1.1, relaxed from MUST after virtio 1.1 so
	 * that devices which never checked stay compliant): by default revision 1 executes
	 * it too, for Linux drivers that send it there. Revision 0 always rejects it: a
	 * legacy driver's commands MUST be revision 0's (4.3.2.1.3), and a driver that
	 * selected revision 0 gains nothing from it.
	 */
	if (rev < (dev->strict_read_status ? 2 : 1) || read_too_short(req, 1))
		return read_reject(req);
	*(uint8_t *)req->buf = vccw_virtio_get_status(dev->vdev);
	req->done = 1;
	return VCCW_CU_OK;
}

/* A classic indicator doubleword: 0 (none), else 8-byte aligned guest RAM. */
static bool ind_addr_ok(struct vccw_virtio_ccw *dev, uint64_t addr)
{
	if (!addr)
		return true;
	return !(addr & 7) && vccw_mem_valid(dev->mem, addr, IND_ADDR_LEN);
}

static enum vccw_cu_rc do_set_ind(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint64_t addr = vccw_ld_be64(req->buf);
	enum vccw_cu_rc rc = VCCW_CU_OK;

	use_revision(dev);
	if (dev->nr_span > CLASSIC_IND_BITS || !ind_addr_ok(dev, addr))
		return VCCW_CU_REJECT;
	pthread_mutex_lock(&dev->ind_lock);
	/* Spec 4.3.2.6.1: not once two-stage indicators are set up. */
	if (dev->adapter)
		rc = VCCW_CU_REJECT;
	else
		dev->ind = addr;
	pthread_mutex_unlock(&dev->ind_lock);
	return rc;
}

static enum vccw_cu_rc do_set_conf_ind(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint64_t addr = vccw_ld_be64(req->buf);

	use_revision(dev);
	if (!ind_addr_ok(dev, addr))
		return VCCW_CU_REJECT;
	pthread_mutex_lock(&dev->ind_lock);
	dev->conf_ind = addr;
	pthread_mutex_unlock(&dev->ind_lock);
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_set_ind_adapter(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	const uint8_t *b = req->buf;
	uint64_t summary = vccw_ld_be64(b);
	uint64_t area = vccw_ld_be64(b + 8);
	uint64_t bit_nr = vccw_ld_be64(b + 16);
	uint8_t isc = b[24];
	bool active = summary && area;
	enum vccw_cu_rc rc = VCCW_CU_OK;

	/* Without adapter interruptions: a reject, as from a legacy device (spec 4.3.2.6.4). */
	if (dev->no_adapter)
		return VCCW_CU_REJECT;

	use_revision(dev);
	if (isc >= VCCW_CSS_NR_ISC)
		return VCCW_CU_REJECT;
	if (active) {
		/* Spec 4.3.2.6.3: the summary byte and one bit per queue, MSB first. */
		if (!vccw_mem_valid(dev->mem, summary, 1))
			return VCCW_CU_REJECT;
		if (dev->nr_span) {
			uint64_t last, first_byte, last_byte;

			if (bit_nr > UINT64_MAX - (dev->nr_span - 1))
				return VCCW_CU_REJECT;
			last = bit_nr + dev->nr_span - 1;
			first_byte = bit_nr / 8;
			last_byte = last / 8;
			if (area > UINT64_MAX - last_byte)
				return VCCW_CU_REJECT;
			if (!vccw_mem_valid(dev->mem, area + first_byte,
					    last_byte - first_byte + 1))
				return VCCW_CU_REJECT;
		}
	}
	pthread_mutex_lock(&dev->ind_lock);
	if (dev->ind) {
		/* Spec 4.3.2.6.3.1: not once classic queue indicators are set up. */
		rc = VCCW_CU_REJECT;
	} else if (active) {
		dev->adapter = true;
		dev->summary = summary;
		dev->area = area;
		dev->bit_nr = bit_nr;
		dev->isc = isc;
	} else {
		/* A zero address deregisters (Linux virtio_ccw_drop_indicator). */
		dev->adapter = false;
		dev->summary = dev->area = dev->bit_nr = 0;
	}
	pthread_mutex_unlock(&dev->ind_lock);
	return rc;
}

static enum vccw_cu_rc do_read_vq_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	uint8_t *b = req->buf;
	uint16_t index;

	use_revision(dev);
	if (read_too_short(req, VQ_CONFIG_LEN))
		return read_reject(req);
	/* Spec 4.3.2.2: the driver wrote the index into the block (prefetched). */
	index = vccw_ld_be16(b);
	if (index >= VCCW_VIRTIO_MAX_QUEUES)
		return read_reject(req);
	/* A queue the device does not have reads as size 0 (Linux: -ENOENT). */
	vccw_st_be16(b + 2, vccw_virtio_queue_max(dev->vdev, index));
	req->done = VQ_CONFIG_LEN;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc do_set_virtio_rev(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	const uint8_t *b = req->buf;
	uint16_t rev = vccw_ld_be16(b);
	uint16_t length = vccw_ld_be16(b + 2);

	/*
	 * The command is 4 + length bytes (spec 4.3.2.1): the engine judges the count
	 * against that (incorrect length without SLI, 4.3.1.3), not against the 4 bytes
	 * of the header alone.
	 */
	req->done = REV_INFO_LEN + (uint32_t)length;
	/*
	 * Spec 4.3.2.1.1: reject a revision the device does not support, any data (no
	 * defined revision has any), and any second selection, including one after a
	 * legacy driver's first command fixed revision 0 (4.3.2.1.3).
	 */
	if (get_revision(dev) >= 0 || rev > dev->max_revision || length)
		return VCCW_CU_REJECT;
	set_revision(dev, rev);
	return VCCW_CU_OK;
}

/*
 * ---- Traced commands ----
 *
 * Each command's trace event, with the revision in force after it and its outcome;
 * the fields come from the host copy of the command's data (req->buf), so a handler's
 * early returns need no trace of their own.
 */

static const char *rc_name(enum vccw_cu_rc rc)
{
	switch (rc) {
	case VCCW_CU_OK:
		return "ok";
	case VCCW_CU_REJECT:
		return "reject";
	case VCCW_CU_UNIT_CHECK:
		return "unit-check";
	case VCCW_CU_UNIT_EXCEPTION:
		return "unit-exception";
	case VCCW_CU_IN_PROGRESS:
		return "in-progress";
	}
	return "?";
}

static enum vccw_cu_rc cmd_set_vq(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_set_vq(cu, req);
	const uint8_t *b = req->buf;

	/* Queue index, size and descriptor address sit at the same offsets in both layouts. */
	VCCW_TRACE(vccw_set_vq, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), vccw_ld_be16(b + 12),
		   vccw_ld_be16(b + 14), vccw_ld_be64(b), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_vdev_reset(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_vdev_reset(cu, req);

	VCCW_TRACE(vccw_vdev_reset, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_read_feat(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_read_feat(cu, req);
	const uint8_t *b = req->buf;

	VCCW_TRACE(vccw_read_feat, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), b[4],
		   vccw_ld_le32(b), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_write_feat(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_write_feat(cu, req);
	const uint8_t *b = req->buf;

	VCCW_TRACE(vccw_write_feat, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), b[4],
		   vccw_ld_le32(b), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_read_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_read_conf(cu, req);

	VCCW_TRACE(vccw_read_conf, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), req->count,
		   req->done, rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_write_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_write_conf(cu, req);

	VCCW_TRACE(vccw_write_conf, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), req->len,
		   rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_write_status(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_write_status(cu, req);

	VCCW_TRACE(vccw_write_status, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   *(const uint8_t *)req->buf, rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_read_status(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_read_status(cu, req);

	VCCW_TRACE(vccw_read_status, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   req->done ? *(const uint8_t *)req->buf : 0, rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_set_ind(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_set_ind(cu, req);

	VCCW_TRACE(vccw_set_ind, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   vccw_ld_be64(req->buf), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_set_conf_ind(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_set_conf_ind(cu, req);

	VCCW_TRACE(vccw_set_conf_ind, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   vccw_ld_be64(req->buf), rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_set_ind_adapter(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_set_ind_adapter(cu, req);
	const uint8_t *b = req->buf;

	VCCW_TRACE(vccw_set_ind_adapter, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   vccw_ld_be64(b), vccw_ld_be64(b + 8), vccw_ld_be64(b + 16), b[24], rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_read_vq_conf(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_read_vq_conf(cu, req);
	const uint8_t *b = req->buf;

	VCCW_TRACE(vccw_read_vq_conf, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)),
		   vccw_ld_be16(b), req->done ? vccw_ld_be16(b + 2) : 0, rc_name(rc));
	return rc;
}

static enum vccw_cu_rc cmd_set_virtio_rev(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	enum vccw_cu_rc rc = do_set_virtio_rev(cu, req);
	const uint8_t *b = req->buf;

	VCCW_TRACE(vccw_set_rev, DEV_ID(dev_of(cu)), get_revision(dev_of(cu)), vccw_ld_be16(b),
		   vccw_ld_be16(b + 2), rc_name(rc));
	return rc;
}

typedef enum vccw_cu_rc cmd_fn(struct vccw_cu *cu, struct vccw_cu_req *req);

/* The handler of each command code of the table below. */
static cmd_fn *const handlers[256] = {
	[VCCW_VIRTIO_CCW_CMD_SET_VQ] = cmd_set_vq,
	[VCCW_VIRTIO_CCW_CMD_VDEV_RESET] = cmd_vdev_reset,
	[VCCW_VIRTIO_CCW_CMD_READ_FEAT] = cmd_read_feat,
	[VCCW_VIRTIO_CCW_CMD_WRITE_FEAT] = cmd_write_feat,
	[VCCW_VIRTIO_CCW_CMD_READ_CONF] = cmd_read_conf,
	[VCCW_VIRTIO_CCW_CMD_WRITE_CONF] = cmd_write_conf,
	[VCCW_VIRTIO_CCW_CMD_WRITE_STATUS] = cmd_write_status,
	[VCCW_VIRTIO_CCW_CMD_SET_IND] = cmd_set_ind,
	[VCCW_VIRTIO_CCW_CMD_SET_CONF_IND] = cmd_set_conf_ind,
	[VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER] = cmd_set_ind_adapter,
	[VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF] = cmd_read_vq_conf,
	[VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV] = cmd_set_virtio_rev,
	[VCCW_VIRTIO_CCW_CMD_READ_STATUS] = cmd_read_status,
};

/* The I/O thread executes a deferred command and hands its outcome to the engine. */
static void run_deferred(struct vccw_virtio_dev *vdev, struct vccw_virtio_call *call)
{
	struct deferred *d = container_of(call, struct deferred, call);
	struct vccw_virtio_ccw *dev = d->dev;
	struct vccw_cu_req *req = &d->req;
	bool read = (req->code & 3) == 2;
	enum vccw_cu_rc rc;

	(void)vdev;
	rc = handlers[req->code](d->cu, req);
	/* Dropped if the program was halted or cleared meanwhile: the effect stays. */
	vccw_cu_complete(d->cu, req->tag, rc, read ? req->buf : NULL, req->done, req->sense);
	pthread_mutex_lock(&dev->defer_lock);
	dev->nr_deferred--;
	pthread_mutex_unlock(&dev->defer_lock);
	free(d);
}

/*
 * Every virtio command. The handlers take the device lock, which the device's I/O
 * thread holds while it serves a queue, for as long as a backend request takes (a slow
 * disk): while it is busy, the command goes to that thread, behind the request, and
 * the channel thread serves the other subchannels meanwhile (VCCW_CU_IN_PROGRESS).
 * Once one command is deferred, the ones after it follow the same way, in order.
 */
static enum vccw_cu_rc run_cmd(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct vccw_virtio_ccw *dev = dev_of(cu);
	struct deferred *d = NULL;

	pthread_mutex_lock(&dev->defer_lock);
	if (!dev->detaching && (dev->nr_deferred || vccw_virtio_dev_busy(dev->vdev))) {
		/* No memory for the copy: execute inline, slower but correct. */
		d = malloc(sizeof(*d) + req->len);
		if (d) {
			d->call.fn = run_deferred;
			d->dev = dev;
			d->cu = cu;
			d->req = *req;
			if (req->buf)
				memcpy(d->data, req->buf, req->len);
			d->req.buf = req->buf ? d->data : NULL;
			dev->nr_deferred++;
			vccw_virtio_dev_call(dev->vdev, &d->call);
		}
	}
	pthread_mutex_unlock(&dev->defer_lock);
	return d ? VCCW_CU_IN_PROGRESS : handlers[req->code](cu, req);
}

static const struct vccw_cu_cmd virtio_ccw_cmds[] = {
	{ .code = VCCW_VIRTIO_CCW_CMD_SET_VQ, .name = "SET_VQ", .min_len = VQ_INFO_LEGACY_LEN,
	  .max_len = VQ_INFO_LEN, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_VDEV_RESET, .name = "VDEV_RESET", .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_READ_FEAT, .name = "READ_FEAT", .min_len = FEAT_DESC_LEN,
	  .max_len = FEAT_DESC_LEN, .prefetch = true, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, .name = "WRITE_FEAT", .min_len = FEAT_DESC_LEN,
	  .max_len = FEAT_DESC_LEN, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_READ_CONF, .name = "READ_CONF", .max_len = CONF_MAX,
	  .count_driven = true, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_WRITE_CONF, .name = "WRITE_CONF", .max_len = CONF_MAX,
	  .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, .name = "WRITE_STATUS", .min_len = 1,
	  .max_len = 1, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_SET_IND, .name = "SET_IND", .min_len = IND_ADDR_LEN,
	  .max_len = IND_ADDR_LEN, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, .name = "SET_CONF_IND",
	  .min_len = IND_ADDR_LEN, .max_len = IND_ADDR_LEN, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, .name = "SET_IND_ADAPTER",
	  .min_len = THININT_LEN, .max_len = THININT_LEN, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF, .name = "READ_VQ_CONF",
	  .min_len = VQ_CONFIG_LEN, .max_len = VQ_CONFIG_LEN, .prefetch = true,
	  .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, .name = "SET_VIRTIO_REV",
	  .min_len = REV_INFO_LEN, .max_len = REV_INFO_MAX, .fn = run_cmd },
	{ .code = VCCW_VIRTIO_CCW_CMD_READ_STATUS, .name = "READ_STATUS", .min_len = 1,
	  .max_len = 1, .fn = run_cmd },
};

static void cu_enable(struct vccw_cu *cu, bool on)
{
	/*
	 * Spec 4.3.2.1.1: the revision is unset from the enabling of the subchannel until
	 * the driver sets it; disabling forgets it too (QEMU's disable callback).
	 */
	(void)on;
	set_revision(dev_of(cu), -1);
}

static const struct vccw_cu_ops virtio_ccw_cu_ops = {
	.cmds = virtio_ccw_cmds,
	.nr_cmds = VCCW_ARRAY_SIZE(virtio_ccw_cmds),
	.enable = cu_enable,
};

/* ---- Notifications to the driver (spec 4.3.3.1) ---- */

/*
 * Spec 4.3.3.1.1: an unsolicited interruption unless one is already pending for the
 * subchannel; the css drops it while status is pending or a program runs, whose own
 * interruption makes the driver scan its indicators. Safe under the device lock: the
 * request only queues work for the channel thread.
 */
static void request_irq(struct vccw_virtio_ccw *dev)
{
	vccw_sch_unsolicited(vccw_cu_sch(dev->cu), 0);
}

static void notify_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_virtio_ccw *dev = vdev->transport_ctx;
	uint64_t ind, summary, area, bit;
	bool adapter;
	uint8_t isc, old = 0;

	if (!dev || idx >= dev->nr_span)
		return;
	pthread_mutex_lock(&dev->ind_lock);
	adapter = dev->adapter;
	ind = dev->ind;
	summary = dev->summary;
	area = dev->area;
	bit = dev->bit_nr + idx; /* no overflow: checked by SET_IND_ADAPTER */
	isc = dev->isc;
	pthread_mutex_unlock(&dev->ind_lock);

	if (adapter) {
		/*
		 * Spec 4.3.3.1.2: the queue's bit (numbered from the MSB of the first byte),
		 * then the summary byte 0x01; an adapter interruption only if the summary
		 * was clear, since the driver processes everything once it clears it.
		 */
		bool irq;

		vccw_mem_atomic_or_u8(dev->mem, area + bit / 8, (uint8_t)(0x80u >> (bit % 8)),
				      NULL);
		irq = vccw_mem_atomic_or_u8(dev->mem, summary, 0x01, &old) == VCCW_MEM_OK && !old;
		VCCW_TRACE(vccw_notify_queue, DEV_ID(dev), idx, "adapter", irq);
		if (irq)
			vccw_css_inject_adapter(dev->css, isc);
		return;
	}
	if (!ind) {
		VCCW_TRACE(vccw_notify_queue, DEV_ID(dev), idx, "none", 0);
		return;
	}
	/* Spec 4.3.3.1.1: bit 1 << queue of the big-endian doubleword. */
	if (vccw_mem_atomic_or_be64(dev->mem, ind, VCCW_BIT(idx), NULL) == VCCW_MEM_OK) {
		VCCW_TRACE(vccw_notify_queue, DEV_ID(dev), idx, "classic", 1);
		request_irq(dev);
	} else {
		VCCW_TRACE(vccw_notify_queue, DEV_ID(dev), idx, "classic", 0);
	}
}

static void notify_config(struct vccw_virtio_dev *vdev)
{
	struct vccw_virtio_ccw *dev = vdev->transport_ctx;
	uint64_t conf_ind;
	bool irq;

	if (!dev)
		return;
	pthread_mutex_lock(&dev->ind_lock);
	conf_ind = dev->conf_ind;
	pthread_mutex_unlock(&dev->ind_lock);
	/* Spec 4.3.3.1.1: bit 0 of the configuration indicators, even with adapter mode. */
	irq = conf_ind && vccw_mem_atomic_or_be64(dev->mem, conf_ind, 1, NULL) == VCCW_MEM_OK;
	VCCW_TRACE(vccw_notify_config, DEV_ID(dev), conf_ind, irq);
	if (irq)
		request_irq(dev);
}

static const struct vccw_virtio_transport_ops virtio_ccw_transport_ops = {
	.notify_queue = notify_queue,
	.notify_config = notify_config,
};

/* ---- Objects ---- */

struct vccw_virtio_ccw *vccw_virtio_ccw_new(struct vccw_css *css, struct vccw_virtio_dev *vdev,
					    const struct vccw_virtio_ccw_config *cfg,
					    struct vccw_err *err)
{
	struct vccw_cu_config ccfg;
	struct vccw_virtio_ccw *dev;
	unsigned int i;

	if (!css || !vdev || !vdev->ops) {
		vccw_err_set(err, EINVAL, "virtio-ccw needs a css and an initialised device");
		return NULL;
	}
	if (vdev->ops->device_id > 0xff) {
		vccw_err_set(err, EINVAL, "virtio device ID %u does not fit the CU model byte",
			     vdev->ops->device_id);
		return NULL;
	}
	if (cfg && cfg->max_revision > MAX_REVISION) {
		vccw_err_set(err, EINVAL, "max_revision %u: highest is %u", cfg->max_revision,
			     MAX_REVISION);
		return NULL;
	}
	if (vccw_virtio_config_size(vdev) > CONF_MAX) {
		vccw_err_set(err, EINVAL, "%s: configuration space larger than %u bytes",
			     vdev->ops->name ? vdev->ops->name : "virtio", CONF_MAX);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	dev->css = css;
	dev->vdev = vdev;
	dev->mem = vccw_css_mem(css);
	dev->revision = -1;
	dev->max_revision = cfg ? cfg->max_revision : MAX_REVISION;
	dev->no_adapter = cfg && cfg->no_adapter;
	dev->strict_read_status = cfg && cfg->strict_read_status;
	/* Without VERSION_1 only the legacy interface exists (QEMU does the same). */
	if (!(vccw_virtio_read_features(vdev, 1) & 1))
		dev->max_revision = 0;
	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++)
		if (vccw_virtio_queue_max(vdev, i))
			dev->nr_span = i + 1;
	pthread_mutex_init(&dev->ind_lock, NULL);
	pthread_mutex_init(&dev->defer_lock, NULL);

	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.busid = cfg ? cfg->busid : NULL;
	ccfg.ops = &virtio_ccw_cu_ops;
	ccfg.opaque = dev;
	/* Spec 4.3.1: CU type 0x3832, model = device ID, device type and model 0. */
	ccfg.id.cu_type = VCCW_VIRTIO_CCW_CU_TYPE;
	ccfg.id.cu_model = (uint8_t)vdev->ops->device_id;
	ccfg.hotplug = cfg ? cfg->hotplug : false;
	dev->cu = vccw_cu_new(css, &ccfg, err);
	if (!dev->cu)
		goto err_free;

	pthread_mutex_lock(&vdev->lock);
	vdev->transport = &virtio_ccw_transport_ops;
	vdev->transport_ctx = dev;
	pthread_mutex_unlock(&vdev->lock);
	/* Whole now: control unit, subchannel and device linked. Only now may the guest see it. */
	vccw_cu_publish(dev->cu);
	return dev;

err_free:
	pthread_mutex_destroy(&dev->defer_lock);
	pthread_mutex_destroy(&dev->ind_lock);
	free(dev);
	return NULL;
}

void vccw_virtio_ccw_free(struct vccw_virtio_ccw *dev, bool hotplug)
{
	if (!dev)
		return;
	/* Detach first: from now on the device notifies nobody (and never our subchannel). */
	pthread_mutex_lock(&dev->vdev->lock);
	dev->vdev->transport = NULL;
	dev->vdev->transport_ctx = NULL;
	pthread_mutex_unlock(&dev->vdev->lock);
	/*
	 * No command goes to the I/O thread any more, and those that went have run (their
	 * completion reaches a control unit that still exists)...
	 */
	pthread_mutex_lock(&dev->defer_lock);
	dev->detaching = true;
	pthread_mutex_unlock(&dev->defer_lock);
	vccw_virtio_dev_flush_calls(dev->vdev);
	/*
	 * ...then stop the device's work on guest memory: a request in flight in the
	 * backend (a pwritev on the I/O thread, an io_uring read) ends before the guest can
	 * see the subchannel go, end its request with an error and reuse the buffer...
	 */
	vccw_virtio_dev_quiesce(dev->vdev);
	/*
	 * ...then remove the subchannel: this waits for channel programs and DIAGNOSE 0x500
	 * still using it, so no command reaches the device afterwards...
	 */
	vccw_cu_free(dev->cu, hotplug);
	/* ...and only then reset, so nothing a late command did survives the unplug. */
	vccw_virtio_reset(dev->vdev);
	pthread_mutex_destroy(&dev->defer_lock);
	pthread_mutex_destroy(&dev->ind_lock);
	free(dev);
}

struct vccw_cu *vccw_virtio_ccw_cu(const struct vccw_virtio_ccw *dev)
{
	return dev->cu;
}

int vccw_virtio_ccw_revision(struct vccw_virtio_ccw *dev)
{
	return get_revision(dev);
}

void vccw_virtio_ccw_reset(struct vccw_virtio_ccw *dev)
{
	transport_reset(dev);
	set_revision(dev, -1);
}

/* ---- DIAGNOSE 0x500 (spec 4.3.3.2) ---- */

struct diag_notify {
	uint64_t data;
	int rc;
};

static int diag_notify_sch(struct vccw_sch *sch, void *arg)
{
	struct diag_notify *n = arg;
	struct vccw_cu *cu = vccw_cu_of_sch(sch);
	struct vccw_virtio_ccw *dev;
	uint64_t queue = n->data;

	n->rc = -EINVAL;
	/* Only a virtio-ccw control unit takes notifications; the css keeps it alive. */
	if (cu && vccw_cu_get_ops(cu) == &virtio_ccw_cu_ops) {
		dev = dev_of(cu);
		/* With NOTIFICATION_DATA the queue number is bits 0-15 of the data. */
		if (__atomic_load_n(&dev->notify_data, __ATOMIC_ACQUIRE))
			queue &= 0xffff;
		/* The core refuses a queue the device does not have, without locking. */
		if (queue < VCCW_VIRTIO_MAX_QUEUES)
			n->rc = vccw_virtio_kick(dev->vdev, (unsigned int)queue);
	}
	return 0;
}

enum vccw_insn_rc vccw_virtio_ccw_diag500(struct vccw_css *css, uint64_t subcode, uint64_t gpr2,
					  uint64_t gpr3, uint64_t gpr4, int64_t *ret)
{
	struct diag_notify n = { .data = gpr3, .rc = -EINVAL };

	/* The host cookie is an optimisation we do not need; 0 is always valid. */
	(void)gpr4;
	if (subcode != VCCW_VIRTIO_CCW_DIAG_NOTIFY) {
		VCCW_TRACE(vccw_diag500, (uint32_t)gpr2, subcode, gpr3, -EINVAL);
		VCCW_TRACE(guest_diag500, (uint32_t)gpr2, subcode);
		return VCCW_PGM_SPECIFICATION;
	}
	/* Spec: bits 0-31 of GPR2 are ignored; bits 32-63 are the subchannel ID. */
	if (vccw_css_with_sch(css, (uint32_t)gpr2, diag_notify_sch, &n))
		n.rc = -EINVAL;
	VCCW_TRACE(vccw_diag500, (uint32_t)gpr2, subcode, gpr3, n.rc);
	*ret = n.rc;
	return VCCW_CC_UNCHANGED;
}
