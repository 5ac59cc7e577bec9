// SPDX-License-Identifier: MIT
/*
 * virtio-blk driver (virtio v1.2 section 5.2): one request queue, or with
 * VIRTIO_BLK_F_MQ as many as the device offers (num_queues, up to GUEST_BLK_MAX_QUEUES):
 * the synchronous calls use queue 0, guest_blk_submit() any of them. Each request is a
 * device-readable header (type, reserved, sector, in the negotiated byte order), the
 * data, and a device-writable status byte (5.2.6). Capacity, block size, geometry,
 * topology, cache mode and the discard / write-zeroes limits come from the
 * configuration space (5.2.4). The features negotiated are those Linux 6.1's virtio_blk
 * takes that this driver uses: RO, BLK_SIZE, FLUSH, GEOMETRY, TOPOLOGY, CONFIG_WCE,
 * DISCARD, WRITE_ZEROES, MQ.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define BLK_F_GEOMETRY 4
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_TOPOLOGY 10
#define BLK_F_CONFIG_WCE 11
#define BLK_F_DISCARD 13
#define BLK_F_MQ 12
#define BLK_F_WRITE_ZEROES 14
#define CFG_CAPACITY 0
#define CFG_GEOMETRY 16
#define CFG_BLK_SIZE 20
#define CFG_TOPOLOGY 24
#define CFG_WRITEBACK 32
#define CFG_NUM_QUEUES 34
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_DISCARD_SECTOR_ALIGNMENT 44
#define CFG_MAX_WRITE_ZEROES_SECTORS 48
#define CFG_WRITE_ZEROES_MAY_UNMAP 56
/* Through write_zeroes_may_unmap: QEMU's space ends there (no unused1 padding). */
#define CFG_LEN 57
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define DWZ_F_UNMAP 1u
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define HDR_LEN 16
#define SEG_LEN 16  /* discard / write-zeroes segment */
#define REQ_AREA 48 /* header at 0, status byte at HDR_LEN, segment at 32 */
#define REQ_SEG 32

static struct guest_drv_table blks;

unsigned int guest_blk_count(void)
{
	return blks.n;
}

struct guest_blk *guest_blk_get(unsigned int i)
{
	return guest_drv_table_get(&blks, i);
}

/* 5.2.6: header, optional data (@out: device-readable), status. */
static int request(struct guest_blk *blk, uint32_t type, uint64_t sector, void *data,
		   uint32_t len, bool out, uint32_t *used)
{
	struct guest_vdev *vdev = &blk->vdev;
	struct guest_vq_seg o[2], in[2];
	unsigned int nout = 0, nin = 0;
	uint8_t *status = blk->req + HDR_LEN;
	uint32_t n = 0;
	int rc;

	guest_vccw_st32(vdev, blk->req, type);
	guest_vccw_st32(vdev, blk->req + 4, 0);
	guest_vccw_st64(vdev, blk->req + 8, sector);
	*status = 0xff;
	o[nout++] = (struct guest_vq_seg){ blk->req, HDR_LEN };
	if (len && out)
		o[nout++] = (struct guest_vq_seg){ data, len };
	else if (len)
		in[nin++] = (struct guest_vq_seg){ data, len };
	in[nin++] = (struct guest_vq_seg){ status, 1 };
	rc = guest_vq_xfer(vdev->vqs[0], o, nout, in, nin, &n, GUEST_VCCW_TIMEOUT_US);
	if (rc)
		return rc;
	if (used)
		*used = n;
	switch (*status) {
	case S_OK:
		return 0;
	case S_UNSUPP:
		return -GUEST_EOPNOTSUPP;
	default:
		return -GUEST_EIO;
	}
}

static int rw(struct guest_blk *blk, uint64_t sector, uint8_t *buf, uint32_t nsectors,
	      bool write)
{
	uint32_t per = GUEST_BLK_BOUNCE / GUEST_BLK_SECTOR_SIZE;
	int rc;

	if (write && blk->ro)
		return -GUEST_EOPNOTSUPP;
	if (sector > blk->capacity || nsectors > blk->capacity - sector)
		return -GUEST_EIO;
	while (nsectors) {
		uint32_t n = nsectors < per ? nsectors : per;
		uint32_t bytes = n * GUEST_BLK_SECTOR_SIZE;

		if (write)
			guest_memcpy(blk->bounce, buf, bytes);
		rc = request(blk, write ? T_OUT : T_IN, sector, blk->bounce, bytes, write, NULL);
		if (rc)
			return rc;
		if (!write)
			guest_memcpy(buf, blk->bounce, bytes);
		buf += bytes;
		sector += n;
		nsectors -= n;
	}
	return 0;
}

int guest_blk_read(struct guest_blk *blk, uint64_t sector, void *buf, uint32_t nsectors)
{
	return rw(blk, sector, buf, nsectors, false);
}

int guest_blk_write(struct guest_blk *blk, uint64_t sector, const void *buf, uint32_t nsectors)
{
	return rw(blk, sector, (uint8_t *)(uintptr_t)buf, nsectors, true);
}

int guest_blk_flush(struct guest_blk *blk)
{
	/* 5.2.6.2: without VIRTIO_BLK_F_FLUSH the device has no volatile cache. */
	if (!blk->has_flush)
		return 0;
	return request(blk, T_FLUSH, 0, NULL, 0, false, NULL);
}

int guest_blk_get_id(struct guest_blk *blk, char *id, size_t len)
{
	uint32_t used = 0;
	size_t n;
	int rc;

	if (!len)
		return -GUEST_EINVAL;
	guest_memset(blk->bounce, 0, GUEST_BLK_ID_BYTES);
	rc = request(blk, T_GET_ID, 0, blk->bounce, GUEST_BLK_ID_BYTES, false, &used);
	if (rc)
		return rc;
	/* 5.2.6: the ID is NUL-padded; it is not terminated when all 20 bytes are used. */
	n = len - 1 < GUEST_BLK_ID_BYTES ? len - 1 : GUEST_BLK_ID_BYTES;
	guest_memcpy(id, blk->bounce, n);
	id[n] = 0;
	return 0;
}

/*
 * DISCARD / WRITE_ZEROES (5.2.6): one segment per request, split at the device's
 * maximum. The segment is little-endian in every mode (Linux's virtio_blk and QEMU).
 */
static int dwz(struct guest_blk *blk, uint32_t type, uint64_t sector, uint32_t nsectors,
	       uint32_t flags, uint32_t max)
{
	uint8_t *seg = blk->req + REQ_SEG;
	int rc;

	if (blk->ro)
		return -GUEST_EOPNOTSUPP;
	if (sector > blk->capacity || nsectors > blk->capacity - sector)
		return -GUEST_EIO;
	while (nsectors) {
		uint32_t n = max && nsectors > max ? max : nsectors;

		vccw_st_le64(seg, sector);
		vccw_st_le32(seg + 8, n);
		vccw_st_le32(seg + 12, flags);
		rc = request(blk, type, 0, seg, SEG_LEN, true, NULL);
		if (rc)
			return rc;
		sector += n;
		nsectors -= n;
	}
	return 0;
}

int guest_blk_discard(struct guest_blk *blk, uint64_t sector, uint32_t nsectors)
{
	if (!blk->has_discard)
		return -GUEST_EOPNOTSUPP;
	return dwz(blk, T_DISCARD, sector, nsectors, 0, blk->max_discard_sectors);
}

int guest_blk_write_zeroes(struct guest_blk *blk, uint64_t sector, uint32_t nsectors,
			   bool unmap)
{
	if (!blk->has_write_zeroes)
		return -GUEST_EOPNOTSUPP;
	return dwz(blk, T_WRITE_ZEROES, sector, nsectors, unmap ? DWZ_F_UNMAP : 0,
		   blk->max_write_zeroes_sectors);
}

int guest_blk_set_writeback(struct guest_blk *blk, bool writeback)
{
	uint8_t v = writeback ? 1 : 0;
	int rc;

	/* 5.2.5: the driver may switch the cache mode only with CONFIG_WCE. */
	if (!blk->has_config_wce)
		return -GUEST_EOPNOTSUPP;
	rc = guest_vccw_write_config(&blk->vdev, CFG_WRITEBACK, &v, 1);
	if (!rc)
		rc = guest_vccw_read_config(&blk->vdev, CFG_WRITEBACK, &v, 1);
	if (rc)
		return rc;
	blk->writeback = v != 0;
	return blk->writeback == writeback ? 0 : -GUEST_EIO;
}

/* ---- requests in flight (guest_blk_submit) ---- */

struct guest_blk_req *guest_blk_req_new(void)
{
	struct guest_blk_req *r = guest_alloc(sizeof(*r), 16);

	if (r)
		guest_memset(r, 0, sizeof(*r));
	return r;
}

void guest_blk_req_free(struct guest_blk_req *r)
{
	if (r)
		guest_free(r, sizeof(*r));
}

int guest_blk_submit(struct guest_blk *blk, unsigned int q, struct guest_blk_req *r, bool write,
		     uint64_t sector, void *buf, uint32_t len)
{
	struct guest_vdev *vdev = &blk->vdev;
	struct guest_vq_seg o[2], in[2];
	unsigned int nout = 0, nin = 0;

	if (q >= blk->nr_queues || !len || len % GUEST_BLK_SECTOR_SIZE)
		return -GUEST_EINVAL;
	if (write && blk->ro)
		return -GUEST_EOPNOTSUPP;
	if (sector > blk->capacity || len / GUEST_BLK_SECTOR_SIZE > blk->capacity - sector)
		return -GUEST_EIO;
	guest_vccw_st32(vdev, r->hdr, write ? T_OUT : T_IN);
	guest_vccw_st32(vdev, r->hdr + 4, 0);
	guest_vccw_st64(vdev, r->hdr + 8, sector);
	r->status = 0xff;
	r->write = write;
	r->len = len;
	o[nout++] = (struct guest_vq_seg){ r->hdr, HDR_LEN };
	if (write)
		o[nout++] = (struct guest_vq_seg){ buf, len };
	else
		in[nin++] = (struct guest_vq_seg){ buf, len };
	in[nin++] = (struct guest_vq_seg){ &r->status, 1 };
	return guest_vq_add(vdev->vqs[q], o, nout, in, nin, r);
}

bool guest_blk_kick(struct guest_blk *blk, unsigned int q)
{
	return q < blk->nr_queues && guest_vq_kick(blk->vdev.vqs[q]);
}

struct guest_blk_req *guest_blk_reap(struct guest_blk *blk, unsigned int q, uint64_t timeout_us)
{
	struct guest_vq *vq;
	struct guest_blk_req *r;
	uint32_t used = 0;

	if (q >= blk->nr_queues)
		return NULL;
	vq = blk->vdev.vqs[q];
	r = timeout_us ? guest_vq_wait_used(vq, &used, timeout_us) : guest_vq_get_used(vq, &used);
	if (r)
		r->used = used;
	return r;
}

int guest_blk_req_result(const struct guest_blk_req *r)
{
	/* 5.2.6: the used length counts the data written and the status byte. */
	if (r->status == S_OK && r->used != (r->write ? 1 : r->len + 1))
		return -GUEST_EIO;
	switch (r->status) {
	case S_OK:
		return 0;
	case S_UNSUPP:
		return -GUEST_EOPNOTSUPP;
	default:
		return -GUEST_EIO;
	}
}

static void blk_free(struct guest_blk *blk)
{
	if (blk->req)
		guest_free(blk->req, REQ_AREA);
	if (blk->bounce)
		guest_free(blk->bounce, GUEST_BLK_BOUNCE);
	guest_free(blk, sizeof(*blk));
}

static int blk_probe(struct guest_device *dev)
{
	struct guest_blk *blk = guest_alloc(sizeof(*blk), 8);
	struct guest_vdev *vdev;
	uint8_t cfg[CFG_LEN];
	unsigned int cfg_len;
	int rc;

	if (!blk)
		return -GUEST_ENOMEM;
	vdev = &blk->vdev;
	rc = guest_vccw_init(vdev, dev,
			     GUEST_VIRTIO_BIT(BLK_F_RO) | GUEST_VIRTIO_BIT(BLK_F_BLK_SIZE) |
				     GUEST_VIRTIO_BIT(BLK_F_FLUSH) |
				     GUEST_VIRTIO_BIT(BLK_F_GEOMETRY) |
				     GUEST_VIRTIO_BIT(BLK_F_TOPOLOGY) |
				     GUEST_VIRTIO_BIT(BLK_F_CONFIG_WCE) |
				     GUEST_VIRTIO_BIT(BLK_F_DISCARD) |
				     GUEST_VIRTIO_BIT(BLK_F_WRITE_ZEROES) |
				     GUEST_VIRTIO_BIT(BLK_F_MQ));
	if (rc)
		goto err_free;
	/* 5.2.4: num_queues is there with MQ only; the driver may use fewer queues. */
	blk->nr_queues = 1;
	if (guest_vccw_has_feature(vdev, BLK_F_MQ)) {
		uint8_t nq[2];

		rc = guest_vccw_read_config(vdev, CFG_NUM_QUEUES, nq, 2);
		if (rc)
			goto err_free;
		blk->nr_queues = guest_vccw_ld16(vdev, nq);
		if (blk->nr_queues > GUEST_BLK_MAX_QUEUES)
			blk->nr_queues = GUEST_BLK_MAX_QUEUES;
		if (!blk->nr_queues)
			blk->nr_queues = 1;
	}
	rc = guest_vccw_setup_vqs(&blk->vdev, blk->nr_queues, NULL);
	if (rc)
		goto err_free;
	blk->req = guest_alloc(REQ_AREA, 16);
	blk->bounce = guest_alloc(GUEST_BLK_BOUNCE, 4096);
	rc = -GUEST_ENOMEM;
	if (!blk->req || !blk->bounce)
		goto err_teardown;
	/*
	 * 5.2.4: the fields of the features negotiated, and no further: a device may end
	 * its configuration space after the last field it offers.
	 */
	guest_memset(cfg, 0, sizeof(cfg));
	cfg_len = CFG_CAPACITY + 8;
	if (guest_vccw_has_feature(vdev, BLK_F_GEOMETRY))
		cfg_len = CFG_GEOMETRY + 4;
	if (guest_vccw_has_feature(vdev, BLK_F_BLK_SIZE))
		cfg_len = CFG_BLK_SIZE + 4;
	if (guest_vccw_has_feature(vdev, BLK_F_TOPOLOGY))
		cfg_len = CFG_TOPOLOGY + 8;
	if (guest_vccw_has_feature(vdev, BLK_F_CONFIG_WCE))
		cfg_len = CFG_WRITEBACK + 1;
	if (guest_vccw_has_feature(vdev, BLK_F_MQ))
		cfg_len = CFG_NUM_QUEUES + 2;
	if (guest_vccw_has_feature(vdev, BLK_F_DISCARD))
		cfg_len = CFG_DISCARD_SECTOR_ALIGNMENT + 4;
	if (guest_vccw_has_feature(vdev, BLK_F_WRITE_ZEROES))
		cfg_len = CFG_LEN;
	rc = guest_vccw_read_config(vdev, 0, cfg, cfg_len);
	if (rc)
		goto err_teardown;
	blk->capacity = guest_vccw_ld64(vdev, cfg + CFG_CAPACITY);
	blk->blk_size = guest_vccw_has_feature(vdev, BLK_F_BLK_SIZE)
				? guest_vccw_ld32(vdev, cfg + CFG_BLK_SIZE)
				: GUEST_BLK_SECTOR_SIZE;
	if (guest_vccw_has_feature(vdev, BLK_F_GEOMETRY)) {
		blk->cylinders = guest_vccw_ld16(vdev, cfg + CFG_GEOMETRY);
		blk->heads = cfg[CFG_GEOMETRY + 2];
		blk->sectors = cfg[CFG_GEOMETRY + 3];
	}
	blk->phys_block_size = blk->blk_size;
	if (guest_vccw_has_feature(vdev, BLK_F_TOPOLOGY) && cfg[CFG_TOPOLOGY] < 16) {
		blk->phys_block_size = blk->blk_size << cfg[CFG_TOPOLOGY];
		blk->min_io_size = guest_vccw_ld16(vdev, cfg + CFG_TOPOLOGY + 2);
		blk->opt_io_size = guest_vccw_ld32(vdev, cfg + CFG_TOPOLOGY + 4);
	}
	blk->ro = guest_vccw_has_feature(vdev, BLK_F_RO);
	blk->has_flush = guest_vccw_has_feature(vdev, BLK_F_FLUSH);
	/*
	 * 5.2.5: with CONFIG_WCE the mode is in writeback; without it, FLUSH means a
	 * writeback cache and its absence writethrough.
	 */
	blk->has_config_wce = guest_vccw_has_feature(vdev, BLK_F_CONFIG_WCE);
	blk->writeback = blk->has_config_wce ? cfg[CFG_WRITEBACK] != 0 : blk->has_flush;
	blk->has_discard = guest_vccw_has_feature(vdev, BLK_F_DISCARD);
	blk->has_write_zeroes = guest_vccw_has_feature(vdev, BLK_F_WRITE_ZEROES);
	blk->max_discard_sectors = guest_vccw_ld32(vdev, cfg + CFG_MAX_DISCARD_SECTORS);
	blk->discard_alignment = guest_vccw_ld32(vdev, cfg + CFG_DISCARD_SECTOR_ALIGNMENT);
	blk->max_write_zeroes_sectors = guest_vccw_ld32(vdev, cfg + CFG_MAX_WRITE_ZEROES_SECTORS);
	rc = guest_vccw_driver_ok(&blk->vdev);
	if (rc)
		goto err_teardown;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&blks, blk))
		goto err_teardown;
	blk->vdev.priv = blk;
	dev->drvdata = blk;
	return 0;

err_teardown:
	guest_vccw_teardown(&blk->vdev);
err_free:
	blk_free(blk);
	return rc;
}

static void blk_remove(struct guest_device *dev)
{
	struct guest_blk *blk = dev->drvdata;

	if (!blk)
		return;
	guest_drv_table_del(&blks, blk);
	guest_vccw_teardown(&blk->vdev);
	blk_free(blk);
	dev->drvdata = NULL;
}

static const struct guest_cio_driver blk_driver = {
	.name = "virtio-blk",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_BLOCK,
	.probe = blk_probe,
	.remove = blk_remove,
	.unsolicited = guest_vccw_unsolicited,
};

/* cio reset hook: devices bound by an earlier program went with its heap. */
static void forget_devices(void)
{
	blks.n = 0;
}

void guest_blk_register(void)
{
	guest_cio_add_reset_hook(forget_devices);
	guest_cio_register_driver(&blk_driver);
}
