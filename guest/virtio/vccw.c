// SPDX-License-Identifier: MIT
/*
 * The guest virtio-ccw driver: brings a control-unit 0x3832 device through the virtio
 * channel commands (virtio v1.2 section 4.3.2): revision negotiation with step-down,
 * status, feature words, virtqueue set-up in guest RAM, classic or adapter indicators,
 * configuration space, reset. Indicator scanning (4.3.3.1) runs from the cio layer's
 * unsolicited and solicited hooks and from the adapter-interruption handler for ISC 3.
 * The sequence follows the spec's driver requirements; facts in
 * docs/reference/virtio-ccw.md.
 *
 * The state shared by all devices (the list below, the adapter indicator area, the
 * remembered revisions) lives across calls; guest_cio_init() resets it through the
 * hook registered here (forget_state()), so each guest program starts afresh.
 */
#include "guest/cio.h"
#include "guest/lib.h"
#include "guest/virtio.h"

#include "vccw-int.h"

#define CMD_AREA 512 /* scratch for command payloads: config space is at most 256 */
#define THININT_LEN 25
#define VQ_INFO_LEN 32
#define VQ_INFO_LEGACY_LEN 16
#define ADAPTER_BITS 512 /* indicator bits shared by every device in adapter mode */
#define MAX_VDEVS 64

static struct guest_vccw_opts g_opts = { .max_rev = -1 };

/* Devices with indicators set up, scanned by the adapter handler. */
static struct guest_vdev *g_vdevs[MAX_VDEVS];

/* Adapter indicators (4.3.2.6.3): one summary byte, one area, bits handed out per device. */
static uint8_t *g_summary;
static uint8_t *g_area;
static uint8_t g_bits_used[ADAPTER_BITS / 8];
static bool g_adapter_handler;

/*
 * Revision a device was left in: the revision stays selected until the subchannel is
 * disabled (4.3.2.1), so a second probe without that sees every SET_VIRTIO_REV rejected.
 */
static struct {
	const struct guest_device *dev;
	int rev;
} g_revs[MAX_VDEVS];

/*
 * cio reset hook: a new guest program starts. What the last one set up went with its
 * heap, perhaps without guest_cio_exit() having torn it down: forget it, never free it.
 */
static void forget_state(void)
{
	guest_memset(g_vdevs, 0, sizeof(g_vdevs));
	guest_memset(g_revs, 0, sizeof(g_revs));
	if (g_adapter_handler)
		guest_cio_set_adapter_handler(GUEST_CIO_ISC, NULL);
	g_adapter_handler = false;
	g_summary = g_area = NULL;
	guest_memset(g_bits_used, 0, sizeof(g_bits_used));
}

void guest_vccw_set_opts(const struct guest_vccw_opts *opts)
{
	if (opts) {
		g_opts = *opts;
	} else {
		guest_memset(&g_opts, 0, sizeof(g_opts));
		g_opts.max_rev = -1;
	}
}

void guest_vccw_get_opts(struct guest_vccw_opts *opts)
{
	*opts = g_opts;
}

/* ---- Byte order of config space and buffer headers ---- */

uint16_t guest_vccw_ld16(const struct guest_vdev *vdev, const void *p)
{
	return vdev->big_endian ? vccw_ld_be16(p) : vccw_ld_le16(p);
}

uint32_t guest_vccw_ld32(const struct guest_vdev *vdev, const void *p)
{
	return vdev->big_endian ? vccw_ld_be32(p) : vccw_ld_le32(p);
}

uint64_t guest_vccw_ld64(const struct guest_vdev *vdev, const void *p)
{
	return vdev->big_endian ? vccw_ld_be64(p) : vccw_ld_le64(p);
}

void guest_vccw_st16(const struct guest_vdev *vdev, void *p, uint16_t v)
{
	if (vdev->big_endian)
		vccw_st_be16(p, v);
	else
		vccw_st_le16(p, v);
}

void guest_vccw_st32(const struct guest_vdev *vdev, void *p, uint32_t v)
{
	if (vdev->big_endian)
		vccw_st_be32(p, v);
	else
		vccw_st_le32(p, v);
}

void guest_vccw_st64(const struct guest_vdev *vdev, void *p, uint64_t v)
{
	if (vdev->big_endian)
		vccw_st_be64(p, v);
	else
		vccw_st_le64(p, v);
}

/* ---- Channel commands ---- */

/*
 * Run one command on the scratch area. Linux's mapping (docs/reference/virtio-ccw.md
 * section 1): command reject = the device does not support it; everything else is an
 * I/O error, or the device is gone.
 */
static int ccw(struct guest_vdev *vdev, uint8_t cmd, uint8_t flags, uint16_t count)
{
	struct guest_irb irb;

	switch (guest_cio_do_ccw(vdev->dev, cmd, flags, count, count ? vdev->cmd : NULL, &irb)) {
	case GUEST_IO_OK:
		return 0;
	case GUEST_IO_REJECTED:
		return -GUEST_EOPNOTSUPP;
	case GUEST_IO_GONE:
		return -GUEST_ENODEV;
	default:
		return -GUEST_EIO;
	}
}

bool guest_vccw_write_status(struct guest_vdev *vdev, uint8_t status)
{
	vdev->cmd[0] = status;
	/* 4.3.2.3: a status the device does not accept is rejected and left unchanged. */
	if (ccw(vdev, GUEST_VCCW_CMD_WRITE_STATUS, 0, 1))
		return false;
	vdev->status = status;
	return true;
}

int guest_vccw_read_status(struct guest_vdev *vdev)
{
	/* 4.3.2.3: READ_STATUS exists from revision 2 on. */
	if (vdev->revision < 2)
		return -1;
	vdev->cmd[0] = 0;
	if (ccw(vdev, GUEST_VCCW_CMD_READ_STATUS, 0, 1))
		return -1;
	return vdev->cmd[0];
}

/*
 * Add @bits to the device status as Linux's virtio_add_status() does: from revision 2
 * on, READ_STATUS first and write back what the device holds (NEEDS_RESET included) with
 * @bits set, so every WRITE_STATUS follows a READ_STATUS (4.3.2.3). Before revision 2
 * there is no READ_STATUS, and when it fails (the device went away) the status last
 * written stands in for it, as in Linux's virtio_ccw_get_status().
 */
static bool add_status(struct guest_vdev *vdev, uint8_t bits)
{
	int st = vdev->revision >= 2 ? guest_vccw_read_status(vdev) : -1;

	if (st < 0)
		st = vdev->status;
	return guest_vccw_write_status(vdev, (uint8_t)(st | bits));
}

/* 4.3.2.1: struct virtio_rev_info, revision @rev, no data. */
static int set_rev(struct guest_vdev *vdev, int rev)
{
	vccw_st_be16(vdev->cmd, (uint16_t)rev);
	vccw_st_be16(vdev->cmd + 2, 0);
	return ccw(vdev, GUEST_VCCW_CMD_SET_VIRTIO_REV, 0, 4);
}

static int *remembered_rev(const struct guest_device *dev, bool add)
{
	unsigned int i;

	for (i = 0; i < MAX_VDEVS; i++)
		if (g_revs[i].dev == dev)
			return &g_revs[i].rev;
	if (!add)
		return NULL;
	for (i = 0; i < MAX_VDEVS; i++) {
		if (!g_revs[i].dev) {
			g_revs[i].dev = dev;
			return &g_revs[i].rev;
		}
	}
	return NULL;
}

/*
 * 4.3.2.1 driver rules: highest revision first, step down on command reject, nothing
 * else before. A reject of revision 0 means a legacy device: operate it as revision 0.
 */
static int negotiate_rev(struct guest_vdev *vdev)
{
	int max = vdev->opts.max_rev < 0 || vdev->opts.max_rev > GUEST_VCCW_MAX_REV
			  ? GUEST_VCCW_MAX_REV
			  : vdev->opts.max_rev;
	int rev, rc, *known;

	for (rev = max; rev >= 0; rev--) {
		rc = set_rev(vdev, rev);
		if (rc == 0) {
			vdev->revision = rev;
			goto out;
		}
		if (rc != -GUEST_EOPNOTSUPP)
			return rc;
	}
	/* Every revision rejected: a legacy device, or one still set from our last probe. */
	known = remembered_rev(vdev->dev, false);
	vdev->revision = known ? *known : 0;
out:
	known = remembered_rev(vdev->dev, true);
	if (known)
		*known = vdev->revision;
	return 0;
}

/* 4.3.2.4: struct virtio_feature_desc, le32 features + u8 index, exactly 5 bytes. */
static int read_feat(struct guest_vdev *vdev, uint8_t index, uint32_t *bits)
{
	int rc;

	vccw_st_le32(vdev->cmd, 0);
	vdev->cmd[4] = index;
	rc = ccw(vdev, GUEST_VCCW_CMD_READ_FEAT, 0, 5);
	if (!rc)
		*bits = vccw_ld_le32(vdev->cmd);
	return rc;
}

static int write_feat(struct guest_vdev *vdev, uint8_t index, uint32_t bits)
{
	vccw_st_le32(vdev->cmd, bits);
	vdev->cmd[4] = index;
	return ccw(vdev, GUEST_VCCW_CMD_WRITE_FEAT, 0, 5);
}

static int negotiate_features(struct guest_vdev *vdev, uint64_t wanted)
{
	uint32_t lo = 0, hi = 0;
	int rc;

	rc = read_feat(vdev, 0, &lo);
	/* 4.3.2.4: feature word 1 (VERSION_1 and up) exists from revision 1 on. */
	if (!rc && vdev->revision >= 1)
		rc = read_feat(vdev, 1, &hi);
	if (rc)
		return rc;
	vdev->dev_features = (uint64_t)hi << 32 | lo;

	wanted &= ~(GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_VERSION_1) |
		    GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_RING_PACKED) |
		    GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_EVENT_IDX) |
		    GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_INDIRECT_DESC));
	if (vdev->revision >= 1) {
		/* Revision 1 and up is the virtio 1 interface: VERSION_1 is mandatory. */
		if (!(vdev->dev_features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_VERSION_1)))
			return -GUEST_EOPNOTSUPP;
		wanted |= GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_VERSION_1);
		if (vdev->opts.ring != GUEST_VCCW_RING_SPLIT)
			wanted |= GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_RING_PACKED);
	}
	if (vdev->opts.ring == GUEST_VCCW_RING_PACKED &&
	    (vdev->revision < 1 ||
	     !(vdev->dev_features & GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_RING_PACKED))))
		return -GUEST_EOPNOTSUPP;
	if (!vdev->opts.no_event_idx)
		wanted |= GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_EVENT_IDX);
	/* Linux's vring_transport_features() takes INDIRECT_DESC whenever offered. */
	if (!vdev->opts.no_indirect)
		wanted |= GUEST_VIRTIO_BIT(GUEST_VIRTIO_F_INDIRECT_DESC);
	vdev->features = wanted & vdev->dev_features;
	if (vdev->revision == 0)
		vdev->features &= 0xffffffffu;
	vdev->big_endian = !guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_VERSION_1);

	rc = write_feat(vdev, 0, (uint32_t)vdev->features);
	if (!rc && vdev->revision >= 1)
		rc = write_feat(vdev, 1, (uint32_t)(vdev->features >> 32));
	return rc;
}

static void fail(struct guest_vdev *vdev)
{
	/* 3.1.1: FAILED tells the device we gave up. */
	if (vdev->cmd)
		add_status(vdev, GUEST_VIRTIO_S_FAILED);
}

int guest_vccw_init(struct guest_vdev *vdev, struct guest_device *dev, uint64_t wanted)
{
	int rc;

	/* From here on there is state for the next guest_cio_init() to reset. */
	guest_cio_add_reset_hook(forget_state);
	guest_memset(vdev, 0, sizeof(*vdev));
	vdev->dev = dev;
	vdev->device_id = dev->cu_model;
	vdev->opts = g_opts;
	vdev->cmd = guest_alloc(CMD_AREA, 8);
	if (!vdev->cmd)
		return -GUEST_ENOMEM;

	/* 4.3.2.1 first, since any other command would fix revision 0. */
	rc = negotiate_rev(vdev);
	if (rc)
		goto err;
	/* 4.3.3.3 / 3.1.1 step 1: reset the device. */
	rc = ccw(vdev, GUEST_VCCW_CMD_VDEV_RESET, 0, 0);
	if (rc)
		goto err;
	vdev->status = 0;
	/* 3.1.1 steps 2 and 3 (from revision 2 each after a READ_STATUS, as Linux). */
	if (!add_status(vdev, GUEST_VIRTIO_S_ACKNOWLEDGE) ||
	    !add_status(vdev, GUEST_VIRTIO_S_DRIVER)) {
		rc = -GUEST_EIO;
		goto err;
	}
	/* Step 4. */
	rc = negotiate_features(vdev, wanted);
	if (rc)
		goto err;
	/* Steps 5 and 6: legacy devices have no FEATURES_OK (3.1.2). */
	if (guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_VERSION_1)) {
		if (!add_status(vdev, GUEST_VIRTIO_S_FEATURES_OK)) {
			rc = -GUEST_EIO;
			goto err;
		}
		if (vdev->revision >= 2) {
			int st = guest_vccw_read_status(vdev);

			if (st < 0 || !(st & GUEST_VIRTIO_S_FEATURES_OK)) {
				rc = -GUEST_EIO;
				goto err;
			}
		}
	}
	return 0;

err:
	if (rc != -GUEST_ENODEV)
		fail(vdev);
	guest_free(vdev->cmd, CMD_AREA);
	vdev->cmd = NULL;
	return rc;
}

/* ---- Virtqueues ---- */

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Bytes of the indirect tables of a queue of @num entries (one table per buffer id). */
static size_t indirect_size(uint16_t num)
{
	return (size_t)num * GUEST_VQ_INDIRECT_MAX * 16;
}

static void free_vq(struct guest_vq *vq)
{
	if (!vq)
		return;
	if (vq->ring)
		guest_free(vq->ring, vq->ring_size);
	if (vq->state)
		guest_free(vq->state, sizeof(*vq->state) * vq->num);
	if (vq->next)
		guest_free(vq->next, sizeof(*vq->next) * vq->num);
	if (vq->indirect)
		guest_free(vq->indirect, indirect_size(vq->num));
	guest_free(vq, sizeof(*vq));
}

static uint16_t choose_size(struct guest_vdev *vdev, uint16_t max, bool packed)
{
	uint16_t want = vdev->opts.queue_size ? vdev->opts.queue_size : GUEST_VCCW_DEFAULT_QSIZE;
	uint16_t n;

	/* 4.3.2.2.2: the legacy interface has no choice, the ring is max_num long. */
	if (vdev->revision == 0)
		return max;
	n = want < max ? want : max;
	if (packed)
		return n;
	/* 2.7: split rings are a power of 2 long. */
	while (n & (n - 1))
		n &= (uint16_t)(n - 1);
	return n;
}

static int setup_vq(struct guest_vdev *vdev, unsigned int index, guest_vq_callback_fn *cb)
{
	bool packed = guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_RING_PACKED);
	struct guest_vq *vq;
	uint16_t max, num;
	size_t desc_len, avail_off, used_off, size;
	guest_addr_t base;
	int rc;

	/* 4.3.2.2: struct vq_config_block, index in, max_num out. */
	vccw_st_be16(vdev->cmd, (uint16_t)index);
	vccw_st_be16(vdev->cmd + 2, 0);
	rc = ccw(vdev, GUEST_VCCW_CMD_READ_VQ_CONF, 0, 4);
	if (rc)
		return rc;
	max = vccw_ld_be16(vdev->cmd + 2);
	if (!max)
		return -GUEST_ENODEV;
	num = choose_size(vdev, max, packed);
	if (!num)
		return -GUEST_EINVAL;

	desc_len = (size_t)num * 16;
	if (packed) {
		/* 2.8.10.1: descriptors 16-aligned, event suppression structures 4-aligned. */
		avail_off = desc_len;
		used_off = desc_len + 4;
		size = desc_len + 8;
	} else if (vdev->revision == 0) {
		/* 2.7 legacy layout: used ring at the next 4096 boundary after avail. */
		avail_off = desc_len;
		used_off = align_up(desc_len + 6 + 2 * (size_t)num, GUEST_VCCW_LEGACY_ALIGN);
		size = used_off + 6 + 8 * (size_t)num;
	} else {
		/* 2.7.10.1: desc 16, avail 2, used 4 aligned; event fields always reserved. */
		avail_off = desc_len;
		used_off = align_up(desc_len + 6 + 2 * (size_t)num, 4);
		size = used_off + 6 + 8 * (size_t)num;
	}
	size = align_up(size, 8);

	vq = guest_alloc(sizeof(*vq), 8);
	if (!vq)
		return -GUEST_ENOMEM;
	vq->vdev = vdev;
	vq->index = (uint16_t)index;
	vq->num = num;
	vq->packed = packed;
	vq->big_endian = vdev->big_endian;
	vq->event_idx = guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_EVENT_IDX);
	vq->callback = cb;
	vq->ring_size = size;
	vq->ring = guest_alloc(size, GUEST_VCCW_LEGACY_ALIGN);
	vq->state = guest_alloc(sizeof(*vq->state) * num, 8);
	vq->next = guest_alloc(sizeof(*vq->next) * num, 8);
	/* 2.7.5.3.1: table entries are 16-byte descriptors; 16-aligned like the ring's. */
	if (guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_INDIRECT_DESC))
		vq->indirect = guest_alloc(indirect_size(num), 16);
	if (!vq->ring || !vq->state || !vq->next ||
	    (guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_INDIRECT_DESC) && !vq->indirect)) {
		free_vq(vq);
		return -GUEST_ENOMEM;
	}
	vq->desc = vq->ring;
	vq->avail = (uint8_t *)vq->ring + avail_off;
	vq->used = (uint8_t *)vq->ring + used_off;
	guest_vq_init_state(vq);

	base = guest_arch_addr(vq->ring);
	guest_memset(vdev->cmd, 0, VQ_INFO_LEN);
	if (vdev->revision == 0) {
		/* 4.3.2.2.2: struct vq_info_block_legacy. */
		vccw_st_be64(vdev->cmd, base);
		vccw_st_be32(vdev->cmd + 8, GUEST_VCCW_LEGACY_ALIGN);
		vccw_st_be16(vdev->cmd + 12, (uint16_t)index);
		vccw_st_be16(vdev->cmd + 14, num);
		rc = ccw(vdev, GUEST_VCCW_CMD_SET_VQ, 0, VQ_INFO_LEGACY_LEN);
	} else {
		/* 4.3.2.2: struct vq_info_block. */
		vccw_st_be64(vdev->cmd, base);
		vccw_st_be16(vdev->cmd + 12, (uint16_t)index);
		vccw_st_be16(vdev->cmd + 14, num);
		vccw_st_be64(vdev->cmd + 16, base + avail_off);
		vccw_st_be64(vdev->cmd + 24, base + used_off);
		rc = ccw(vdev, GUEST_VCCW_CMD_SET_VQ, 0, VQ_INFO_LEN);
	}
	if (rc) {
		free_vq(vq);
		return rc;
	}
	vdev->vqs[index] = vq;
	return 0;
}

/* ---- Indicators ---- */

static bool bit_used(unsigned int b)
{
	return g_bits_used[b / 8] & (0x80u >> (b % 8));
}

static void bits_mark(unsigned int first, unsigned int n, bool used)
{
	unsigned int b;

	for (b = first; b < first + n; b++) {
		if (used)
			g_bits_used[b / 8] |= (uint8_t)(0x80u >> (b % 8));
		else
			g_bits_used[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	}
}

static int bits_alloc(unsigned int n)
{
	unsigned int first, b;

	for (first = 0; first + n <= ADAPTER_BITS; first++) {
		for (b = first; b < first + n && !bit_used(b); b++)
			;
		if (b == first + n) {
			bits_mark(first, n, true);
			return (int)first;
		}
	}
	return -1;
}

static void hit_vq(struct guest_vdev *vdev, unsigned int q)
{
	struct guest_vq *vq = q < vdev->nr_vqs ? vdev->vqs[q] : NULL;

	if (!vq)
		return;
	vq->nr_irqs++;
	if (vq->callback)
		vq->callback(vq);
}

/* 4.3.3.1.2: this device's bits, numbered MSB first within each byte; test and clear. */
static void scan_adapter_bits(struct guest_vdev *vdev)
{
	unsigned int q;

	for (q = 0; q < vdev->nr_vqs; q++) {
		unsigned int b = vdev->ind_bit + q;
		uint8_t mask = (uint8_t)(0x80u >> (b % 8));

		if (__atomic_fetch_and(&g_area[b / 8], (uint8_t)~mask, __ATOMIC_SEQ_CST) & mask)
			hit_vq(vdev, q);
	}
}

/* A classic indicator doubleword: fetch and clear it in one step, decode big-endian. */
static uint64_t take_ind(uint64_t *ind)
{
	uint64_t raw = __atomic_exchange_n(ind, 0, __ATOMIC_SEQ_CST);

	return vccw_ld_be64(&raw);
}

/* The doublewords of classic indicators (4.3.3.1.1): queues, unless adapter mode, and
 * the configuration indicator, which is classic in both modes (4.3.2.6.2). */
static void scan_classic(struct guest_vdev *vdev)
{
	unsigned int q;

	if (!vdev->adapter && vdev->ind) {
		/* 4.3.3.1.1: queue n is bit 1 << n of the big-endian doubleword. */
		uint64_t bits = take_ind(vdev->ind);

		for (q = 0; q < vdev->nr_vqs && bits; q++)
			if (bits & GUEST_VIRTIO_BIT(q))
				hit_vq(vdev, q);
	}
	/* 4.3.3.1.1: bit 0 of the configuration indicator is a configuration change. */
	if (vdev->conf_ind && (take_ind(vdev->conf_ind) & 1)) {
		vdev->nr_config_changes++;
		if (vdev->config_changed)
			vdev->config_changed(vdev);
	}
}

void guest_vccw_scan(struct guest_vdev *vdev)
{
	if (vdev->adapter && g_area)
		scan_adapter_bits(vdev);
	scan_classic(vdev);
}

static void adapter_handler(void)
{
	unsigned int i;

	if (!g_summary)
		return;
	/*
	 * 4.3.3.1.2: clear the summary indicator before looking at the bits, so a bit set
	 * meanwhile comes with a new interruption (the device injects one only when it
	 * finds the summary clear).
	 */
	__atomic_store_n(g_summary, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < MAX_VDEVS; i++)
		if (g_vdevs[i] && g_vdevs[i]->adapter)
			scan_adapter_bits(g_vdevs[i]);
}

/*
 * Interruptions of our own channel commands (the cio layer's solicited hook): scan the
 * classic indicators there too, as Linux's virtio_ccw_int_handler() does on every
 * interruption. A notification made while a command's status is pending gets no
 * interruption of its own: the css drops the unsolicited request then (4.3.3.1.1: one
 * is requested unless one is pending), so the command's interruption carries it.
 * Adapter queue bits come with an adapter interruption of their own.
 */
static void solicited(struct guest_device *dev, const struct guest_irb *irb)
{
	struct guest_vdev *vdev = guest_vccw_find(dev);

	(void)irb;
	if (vdev)
		scan_classic(vdev);
}

static bool register_vdev(struct guest_vdev *vdev)
{
	unsigned int i;

	for (i = 0; i < MAX_VDEVS; i++) {
		if (!g_vdevs[i]) {
			g_vdevs[i] = vdev;
			vdev->registered = true;
			vdev->dev->solicited = solicited;
			return true;
		}
	}
	return false;
}

static void unregister_vdev(struct guest_vdev *vdev)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < MAX_VDEVS; i++) {
		if (g_vdevs[i] == vdev)
			g_vdevs[i] = NULL;
		any |= g_vdevs[i] != NULL;
	}
	vdev->registered = false;
	if (vdev->dev->solicited == solicited)
		vdev->dev->solicited = NULL;
	if (any)
		return;
	/*
	 * The last device is gone: drop the shared adapter indicators too, so that the
	 * next guest program (native tests run several, each with a fresh allocator)
	 * starts from nothing, as guest_cio_init() does for the cio layer.
	 */
	if (g_adapter_handler)
		guest_cio_set_adapter_handler(GUEST_CIO_ISC, NULL);
	g_adapter_handler = false;
	if (g_summary)
		guest_free(g_summary, 8);
	if (g_area)
		guest_free(g_area, ADAPTER_BITS / 8);
	g_summary = g_area = NULL;
	guest_memset(g_bits_used, 0, sizeof(g_bits_used));
}

struct guest_vdev *guest_vccw_find(const struct guest_device *dev)
{
	unsigned int i;

	for (i = 0; i < MAX_VDEVS; i++)
		if (g_vdevs[i] && g_vdevs[i]->dev == dev)
			return g_vdevs[i];
	return NULL;
}

void guest_vccw_unsolicited(struct guest_device *dev, const struct guest_irb *irb)
{
	struct guest_vdev *vdev = guest_vccw_find(dev);

	(void)irb;
	if (!vdev)
		return;
	vdev->nr_unsolicited++;
	guest_vccw_scan(vdev);
}

/* 4.3.2.6.3: struct virtio_thinint_area. Returns 0, or -GUEST_EOPNOTSUPP on reject. */
static int try_adapter(struct guest_vdev *vdev)
{
	int first, rc;

	if (!g_summary) {
		g_summary = guest_alloc(8, 8);
		g_area = guest_alloc(ADAPTER_BITS / 8, 8);
		if (!g_summary || !g_area)
			return -GUEST_ENOMEM;
	}
	first = bits_alloc(vdev->nr_vqs);
	if (first < 0)
		return -GUEST_EOPNOTSUPP; /* area full: classic indicators will do */
	vccw_st_be64(vdev->cmd, guest_arch_addr(g_summary));
	vccw_st_be64(vdev->cmd + 8, guest_arch_addr(g_area));
	vccw_st_be64(vdev->cmd + 16, (uint64_t)first);
	vdev->cmd[24] = vdev->opts.bad_adapter_isc ? 8 : GUEST_CIO_ISC;
	/* Linux sends this one with SLI (docs/reference/virtio-ccw.md section 1). */
	rc = ccw(vdev, GUEST_VCCW_CMD_SET_IND_ADAPTER, GUEST_CCW_FLAG_SLI, THININT_LEN);
	if (rc) {
		bits_mark((unsigned int)first, vdev->nr_vqs, false);
		return rc;
	}
	vdev->ind_bit = (unsigned int)first;
	vdev->adapter = true;
	if (!g_adapter_handler) {
		guest_cio_set_adapter_handler(GUEST_CIO_ISC, adapter_handler);
		g_adapter_handler = true;
	}
	return 0;
}

static int set_ind(struct guest_vdev *vdev, uint8_t cmd, uint64_t **ind)
{
	*ind = guest_alloc(8, 8);
	if (!*ind)
		return -GUEST_ENOMEM;
	vccw_st_be64(vdev->cmd, guest_arch_addr(*ind));
	return ccw(vdev, cmd, 0, 8);
}

static int setup_indicators(struct guest_vdev *vdev)
{
	int rc = -GUEST_EOPNOTSUPP;

	if (!register_vdev(vdev))
		return -GUEST_ENOMEM;
	if (!vdev->opts.no_adapter) {
		rc = try_adapter(vdev);
		if (rc && rc != -GUEST_EOPNOTSUPP)
			return rc;
	}
	/* A rejected SET_IND_ADAPTER: classic indicators (as Linux falls back). */
	if (rc) {
		rc = set_ind(vdev, GUEST_VCCW_CMD_SET_IND, &vdev->ind);
		if (rc)
			return rc;
	}
	/* 4.3.2.6.2: the configuration indicator in both modes. */
	return set_ind(vdev, GUEST_VCCW_CMD_SET_CONF_IND, &vdev->conf_ind);
}

int guest_vccw_setup_vqs(struct guest_vdev *vdev, unsigned int nvqs,
			 guest_vq_callback_fn *const *callbacks)
{
	unsigned int i;
	int rc;

	if (nvqs > GUEST_VCCW_MAX_QUEUES)
		return -GUEST_EINVAL;
	for (i = 0; i < nvqs; i++) {
		rc = setup_vq(vdev, i, callbacks ? callbacks[i] : NULL);
		if (rc)
			goto err;
		vdev->nr_vqs = i + 1;
	}
	rc = setup_indicators(vdev);
	if (rc)
		goto err;
	return 0;

err:
	fail(vdev);
	guest_vccw_teardown(vdev);
	return rc;
}

int guest_vccw_driver_ok(struct guest_vdev *vdev)
{
	/* 3.1.1 step 8. */
	if (!add_status(vdev, GUEST_VIRTIO_S_DRIVER_OK))
		return -GUEST_EIO;
	return 0;
}

int guest_vccw_probe(struct guest_vdev *vdev, struct guest_device *dev, uint64_t wanted,
		     unsigned int nvqs, guest_vq_callback_fn *const *callbacks)
{
	int rc = guest_vccw_init(vdev, dev, wanted);

	if (rc)
		return rc;
	rc = guest_vccw_setup_vqs(vdev, nvqs, callbacks);
	if (rc)
		return rc;
	rc = guest_vccw_driver_ok(vdev);
	if (rc) {
		fail(vdev);
		guest_vccw_teardown(vdev);
	}
	return rc;
}

void guest_vccw_teardown(struct guest_vdev *vdev)
{
	unsigned int i;

	/*
	 * 4.3.3.3: after VDEV_RESET the device touches neither rings nor indicators, so
	 * both can go (the device forgets the indicators with the reset, like QEMU's).
	 */
	if (vdev->cmd)
		ccw(vdev, GUEST_VCCW_CMD_VDEV_RESET, 0, 0);
	vdev->status = 0;
	if (vdev->adapter) {
		bits_mark(vdev->ind_bit, vdev->nr_vqs, false);
		vdev->adapter = false;
	}
	if (vdev->registered)
		unregister_vdev(vdev);
	if (vdev->ind)
		guest_free(vdev->ind, 8);
	if (vdev->conf_ind)
		guest_free(vdev->conf_ind, 8);
	vdev->ind = vdev->conf_ind = NULL;
	for (i = 0; i < GUEST_VCCW_MAX_QUEUES; i++) {
		free_vq(vdev->vqs[i]);
		vdev->vqs[i] = NULL;
	}
	vdev->nr_vqs = 0;
	if (vdev->cmd)
		guest_free(vdev->cmd, CMD_AREA);
	vdev->cmd = NULL;
}

/* ---- Configuration space (4.3.2.5) ---- */

int guest_vccw_read_config(struct guest_vdev *vdev, unsigned int off, void *buf,
			   unsigned int len)
{
	int rc;

	if (off > GUEST_VCCW_CONFIG_MAX || len > GUEST_VCCW_CONFIG_MAX - off)
		return -GUEST_EINVAL;
	if (!len)
		return 0;
	/* The space always comes from offset 0: read off + len bytes, as Linux does. */
	rc = ccw(vdev, GUEST_VCCW_CMD_READ_CONF, 0, (uint16_t)(off + len));
	if (!rc)
		guest_memcpy(buf, vdev->cmd + off, len);
	return rc;
}

int guest_vccw_write_config(struct guest_vdev *vdev, unsigned int off, const void *buf,
			    unsigned int len)
{
	int rc;

	if (off > GUEST_VCCW_CONFIG_MAX || len > GUEST_VCCW_CONFIG_MAX - off)
		return -GUEST_EINVAL;
	if (!len)
		return 0;
	/* WRITE_CONF also starts at offset 0: write back what precedes @off unchanged. */
	rc = off ? ccw(vdev, GUEST_VCCW_CMD_READ_CONF, 0, (uint16_t)off) : 0;
	if (rc)
		return rc;
	guest_memcpy(vdev->cmd + off, buf, len);
	return ccw(vdev, GUEST_VCCW_CMD_WRITE_CONF, 0, (uint16_t)(off + len));
}
