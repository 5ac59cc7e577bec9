// SPDX-License-Identifier: MIT
/*
 * virtio-blk driver (virtio v1.2 section 5.2): one request queue; each request is a
 * device-readable header (type, reserved, sector, in the negotiated byte order), the
 * data, and a device-writable status byte (5.2.6). Capacity comes from the
 * configuration space (5.2.4).
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define CFG_CAPACITY 0
#define CFG_BLK_SIZE 20
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define HDR_LEN 16
#define REQ_AREA 32 /* header at 0, status byte at HDR_LEN */

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
	uint8_t cfg[24];
	int rc;

	if (!blk)
		return -GUEST_ENOMEM;
	rc = guest_vccw_init(&blk->vdev, dev,
			     GUEST_VIRTIO_BIT(BLK_F_RO) | GUEST_VIRTIO_BIT(BLK_F_BLK_SIZE) |
				     GUEST_VIRTIO_BIT(BLK_F_FLUSH));
	if (rc)
		goto err_free;
	rc = guest_vccw_setup_vqs(&blk->vdev, 1, NULL);
	if (rc)
		goto err_free;
	blk->req = guest_alloc(REQ_AREA, 16);
	blk->bounce = guest_alloc(GUEST_BLK_BOUNCE, 4096);
	rc = -GUEST_ENOMEM;
	if (!blk->req || !blk->bounce)
		goto err_teardown;
	/* 5.2.4: capacity, and blk_size when offered. */
	rc = guest_vccw_read_config(&blk->vdev, 0, cfg, sizeof(cfg));
	if (rc)
		goto err_teardown;
	blk->capacity = guest_vccw_ld64(&blk->vdev, cfg + CFG_CAPACITY);
	blk->blk_size = guest_vccw_has_feature(&blk->vdev, BLK_F_BLK_SIZE)
				? guest_vccw_ld32(&blk->vdev, cfg + CFG_BLK_SIZE)
				: GUEST_BLK_SECTOR_SIZE;
	blk->ro = guest_vccw_has_feature(&blk->vdev, BLK_F_RO);
	blk->has_flush = guest_vccw_has_feature(&blk->vdev, BLK_F_FLUSH);
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
