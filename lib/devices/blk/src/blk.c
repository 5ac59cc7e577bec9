// SPDX-License-Identifier: MIT
/*
 * virtio-blk, virtio specification v1.2 section 5.2: configuration space (5.2.4), and
 * the requests of 5.2.6 (IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES) on one or more
 * request queues. A request is a header in the device-readable part, data, and a status
 * byte as the last device-writable byte; nothing is assumed about how the driver split
 * them into descriptors (legacy drivers without ANY_LAYOUT use separate descriptors,
 * others mix them), so the header is gathered and the data sliced by byte offset.
 * Header fields follow the negotiated byte order (legacy: the guest's, big-endian on
 * s390); discard / write-zeroes segments are little-endian in every mode, as Linux and
 * QEMU have them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/blk.h"
#include "vccw/byteorder.h"

#define BLK_QUEUE_SIZE 256

struct vccw_blk {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	struct vccw_be_blk *be;
	uint64_t capacity; /* 512-byte sectors */
	uint16_t num_queues;
	uint16_t queue_size;
	uint8_t serial[VCCW_VIRTIO_BLK_ID_BYTES]; /* NUL-padded */
	struct vccw_vq_elem *elem;
	struct iovec data[VCCW_VQ_MAX_SEGS]; /* the data part of the current request */
};

struct dwz_seg {
	uint64_t sector;
	uint32_t num_sectors;
	bool unmap;
};

static struct vccw_blk *to_blk(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct vccw_blk, vdev);
}

/* ---- byte ranges of an iovec array ---- */

/* Copy bytes [@off, @off + @len) of @iov into @buf; returns the count copied. */
static size_t iov_to_buf(const struct iovec *iov, unsigned int cnt, uint64_t off, void *buf,
			 size_t len)
{
	size_t done = 0, n;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - off;
		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, (char *)iov[i].iov_base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

static size_t buf_to_iov(const struct iovec *iov, unsigned int cnt, uint64_t off,
			 const void *buf, size_t len)
{
	size_t done = 0, n;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - off;
		if (n > len - done)
			n = len - done;
		memcpy((char *)iov[i].iov_base + off, (const char *)buf + done, n);
		done += n;
		off = 0;
	}
	return done;
}

/* Describe bytes [@off, @off + @len) of @iov with entries of @dst; returns how many. */
static unsigned int iov_slice(struct iovec *dst, const struct iovec *iov, unsigned int cnt,
			      uint64_t off, uint64_t len)
{
	unsigned int i, n = 0;
	size_t take;

	for (i = 0; i < cnt && len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		dst[n].iov_base = (char *)iov[i].iov_base + off;
		dst[n].iov_len = take;
		n++;
		len -= take;
		off = 0;
	}
	return n;
}

/* ---- requests ---- */

static bool sectors_ok(const struct vccw_blk *blk, uint64_t sector, uint64_t nr)
{
	return sector <= blk->capacity && nr <= blk->capacity - sector;
}

/* IN / OUT; *@written receives the data bytes placed in the driver's buffers. */
static uint8_t do_rw(struct vccw_blk *blk, const struct vccw_vq_elem *e, bool write,
		     uint64_t sector, uint64_t *written)
{
	const struct iovec *iov = write ? e->out : e->in;
	unsigned int cnt = write ? e->out_num : e->in_num;
	uint64_t off = write ? VCCW_VIRTIO_BLK_REQ_HDR_SIZE : 0;
	uint64_t len = write ? e->out_len - VCCW_VIRTIO_BLK_REQ_HDR_SIZE : e->in_len - 1;
	unsigned int n;
	int rc;

	/* 5.2.6.2: a write to a read-only device fails with IOERR and writes nothing. */
	if (write && blk->be->readonly)
		return VCCW_VIRTIO_BLK_S_IOERR;
	/* 5.2.6: data comes in multiples of 512 bytes; anything else is a driver error. */
	if (len % VCCW_VIRTIO_BLK_SECTOR_SIZE)
		return VCCW_VIRTIO_BLK_S_IOERR;
	if (!sectors_ok(blk, sector, len / VCCW_VIRTIO_BLK_SECTOR_SIZE))
		return VCCW_VIRTIO_BLK_S_IOERR;
	n = iov_slice(blk->data, iov, cnt, off, len);
	off = sector * VCCW_VIRTIO_BLK_SECTOR_SIZE; /* cannot overflow: sector <= capacity */
	if (write)
		rc = vccw_be_blk_pwritev(blk->be, blk->data, n, off);
	else
		rc = vccw_be_blk_preadv(blk->be, blk->data, n, off);
	if (rc)
		return VCCW_VIRTIO_BLK_S_IOERR;
	/*
	 * 5.2.6.2: without FLUSH negotiated the cache is write-through: a completed write
	 * must already be stable.
	 */
	if (write && !vccw_virtio_has_feature(&blk->vdev, VCCW_VIRTIO_BLK_F_FLUSH) &&
	    vccw_be_blk_flush(blk->be))
		return VCCW_VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = len;
	return VCCW_VIRTIO_BLK_S_OK;
}

/* Completed only once the backend reported the writes stable (5.2.6.2). */
static uint8_t do_flush(struct vccw_blk *blk)
{
	return vccw_be_blk_flush(blk->be) ? VCCW_VIRTIO_BLK_S_IOERR : VCCW_VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct vccw_blk *blk, const struct vccw_vq_elem *e, uint64_t *written)
{
	uint64_t len = e->in_len - 1;

	/* 5.2.6: up to 20 bytes, NUL-padded, no terminator at 20. */
	if (len > VCCW_VIRTIO_BLK_ID_BYTES)
		len = VCCW_VIRTIO_BLK_ID_BYTES;
	*written = buf_to_iov(e->in, e->in_num, 0, blk->serial, (size_t)len);
	return VCCW_VIRTIO_BLK_S_OK;
}

static uint8_t do_discard_write_zeroes(struct vccw_blk *blk, const struct vccw_vq_elem *e,
				       bool wz)
{
	struct dwz_seg segs[VCCW_BLK_MAX_DWZ_SEG];
	uint64_t len = e->out_len - VCCW_VIRTIO_BLK_REQ_HDR_SIZE;
	uint8_t raw[VCCW_VIRTIO_BLK_DWZ_SEG_SIZE];
	unsigned int i, nseg;
	uint32_t flags;
	int rc;

	if (!vccw_virtio_has_feature(&blk->vdev, wz ? VCCW_VIRTIO_BLK_F_WRITE_ZEROES
						       : VCCW_VIRTIO_BLK_F_DISCARD))
		return VCCW_VIRTIO_BLK_S_UNSUPP;
	if (blk->be->readonly)
		return VCCW_VIRTIO_BLK_S_IOERR;
	/* Whole segments, at least one, at most max_discard_seg / max_write_zeroes_seg. */
	if (!len || len % VCCW_VIRTIO_BLK_DWZ_SEG_SIZE ||
	    len / VCCW_VIRTIO_BLK_DWZ_SEG_SIZE > VCCW_BLK_MAX_DWZ_SEG)
		return VCCW_VIRTIO_BLK_S_IOERR;
	nseg = (unsigned int)(len / VCCW_VIRTIO_BLK_DWZ_SEG_SIZE);

	/* Validate every segment before touching the disk. */
	for (i = 0; i < nseg; i++) {
		uint64_t at = VCCW_VIRTIO_BLK_REQ_HDR_SIZE + (uint64_t)i * sizeof(raw);

		iov_to_buf(e->out, e->out_num, at, raw, sizeof(raw));
		segs[i].sector = vccw_ld_le64(raw);
		segs[i].num_sectors = vccw_ld_le32(raw + 8);
		flags = vccw_ld_le32(raw + 12);
		/* 5.2.6.2: unknown flags, or unmap on a discard, are UNSUPP. */
		if (flags & ~VCCW_VIRTIO_BLK_DWZ_F_UNMAP)
			return VCCW_VIRTIO_BLK_S_UNSUPP;
		if (!wz && (flags & VCCW_VIRTIO_BLK_DWZ_F_UNMAP))
			return VCCW_VIRTIO_BLK_S_UNSUPP;
		segs[i].unmap = flags & VCCW_VIRTIO_BLK_DWZ_F_UNMAP;
		if (segs[i].num_sectors > VCCW_BLK_MAX_DWZ_SECTORS ||
		    !sectors_ok(blk, segs[i].sector, segs[i].num_sectors))
			return VCCW_VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < nseg; i++) {
		uint64_t off = segs[i].sector * VCCW_VIRTIO_BLK_SECTOR_SIZE;
		uint64_t bytes = (uint64_t)segs[i].num_sectors * VCCW_VIRTIO_BLK_SECTOR_SIZE;

		if (wz) {
			rc = vccw_be_blk_write_zeroes(blk->be, off, bytes, segs[i].unmap);
		} else {
			rc = vccw_be_blk_discard(blk->be, off, bytes);
			/* 5.2.6.2: the device MAY deallocate; not being able to is no error. */
			if (rc == -EOPNOTSUPP)
				rc = 0;
		}
		if (rc)
			return VCCW_VIRTIO_BLK_S_IOERR;
	}
	return VCCW_VIRTIO_BLK_S_OK;
}

/*
 * Process one request. Returns the used length (data bytes written plus the status
 * byte), or -1 when the buffer cannot hold a request at all (no room for the header or
 * the status): the driver broke the protocol and the device needs a reset.
 */
static int64_t handle_request(struct vccw_blk *blk, const struct vccw_vq_elem *e)
{
	struct vccw_virtio_dev *vdev = &blk->vdev;
	uint8_t hdr[VCCW_VIRTIO_BLK_REQ_HDR_SIZE];
	uint64_t written = 0, sector;
	uint8_t status;
	uint32_t type;

	if (e->out_len < VCCW_VIRTIO_BLK_REQ_HDR_SIZE || e->in_len < 1)
		return -1;
	iov_to_buf(e->out, e->out_num, 0, hdr, sizeof(hdr));
	type = vccw_virtio_ld32(vdev, hdr);
	sector = vccw_virtio_ld64(vdev, hdr + 8);

	/* The used length is 32 bits; no sane request gets near that. */
	if (e->in_len > UINT32_MAX) {
		status = VCCW_VIRTIO_BLK_S_IOERR;
		goto out;
	}
	switch (type) {
	case VCCW_VIRTIO_BLK_T_IN:
		status = do_rw(blk, e, false, sector, &written);
		break;
	case VCCW_VIRTIO_BLK_T_OUT:
		status = do_rw(blk, e, true, sector, &written);
		break;
	case VCCW_VIRTIO_BLK_T_FLUSH:
		status = do_flush(blk);
		break;
	case VCCW_VIRTIO_BLK_T_FLUSH_OUT:
		/* 5.2.6.4: the legacy synonym of FLUSH. */
		status = vdev->legacy ? do_flush(blk) : VCCW_VIRTIO_BLK_S_UNSUPP;
		break;
	case VCCW_VIRTIO_BLK_T_GET_ID:
		status = do_get_id(blk, e, &written);
		break;
	case VCCW_VIRTIO_BLK_T_DISCARD:
		status = do_discard_write_zeroes(blk, e, false);
		break;
	case VCCW_VIRTIO_BLK_T_WRITE_ZEROES:
		status = do_discard_write_zeroes(blk, e, true);
		break;
	default:
		status = VCCW_VIRTIO_BLK_S_UNSUPP;
		break;
	}
out:
	buf_to_iov(e->in, e->in_num, e->in_len - 1, &status, 1);
	return (int64_t)written + 1;
}

/* ---- virtio device hooks ---- */

static uint64_t blk_get_features(struct vccw_virtio_dev *vdev)
{
	struct vccw_blk *blk = to_blk(vdev);
	uint64_t f;

	f = VCCW_BIT(VCCW_VIRTIO_BLK_F_SIZE_MAX) | VCCW_BIT(VCCW_VIRTIO_BLK_F_SEG_MAX) |
	    VCCW_BIT(VCCW_VIRTIO_BLK_F_BLK_SIZE) | VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH);
	if (blk->num_queues > 1)
		f |= VCCW_BIT(VCCW_VIRTIO_BLK_F_MQ);
	if (blk->be->readonly)
		f |= VCCW_BIT(VCCW_VIRTIO_BLK_F_RO);
	else
		f |= VCCW_BIT(VCCW_VIRTIO_BLK_F_DISCARD) | VCCW_BIT(VCCW_VIRTIO_BLK_F_WRITE_ZEROES);
	return f;
}

static uint32_t blk_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_VIRTIO_BLK_CFG_SIZE;
}

static void blk_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			    uint32_t len)
{
	struct vccw_blk *blk = to_blk(vdev);
	uint8_t cfg[VCCW_VIRTIO_BLK_CFG_SIZE] = { 0 };
	uint32_t lbs = blk->be->block_size;

	vccw_virtio_cfg_st64(vdev, cfg + VCCW_VIRTIO_BLK_CFG_CAPACITY, blk->capacity);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_SIZE_MAX, VCCW_BLK_SIZE_MAX);
	/* Two descriptors of a chain carry the header and the status. */
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_SEG_MAX,
			     blk->queue_size > 2 ? blk->queue_size - 2u : 1u);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_BLK_SIZE, lbs);
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_BLK_CFG_NUM_QUEUES, blk->num_queues);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS,
			     VCCW_BLK_MAX_DWZ_SECTORS);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VCCW_BLK_MAX_DWZ_SEG);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT,
			     lbs / VCCW_VIRTIO_BLK_SECTOR_SIZE);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS,
			     VCCW_BLK_MAX_DWZ_SECTORS);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG,
			     VCCW_BLK_MAX_DWZ_SEG);
	/* Write zeroes with unmap may punch holes in the file. */
	cfg[VCCW_VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
	memcpy(buf, cfg + off, len);
}

static uint16_t blk_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_blk *blk = to_blk(vdev);

	return idx < blk->num_queues ? blk->queue_size : 0;
}

static void blk_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_blk *blk = to_blk(vdev);
	int64_t used;

	while (vccw_virtio_pop(vdev, idx, blk->elem) == 1) {
		used = handle_request(blk, blk->elem);
		if (used < 0) {
			/* No header or no status byte: nothing sensible can be answered. */
			vccw_virtio_needs_reset(vdev);
			return;
		}
		vccw_virtio_push(vdev, idx, blk->elem, (uint32_t)used);
	}
}

static const struct vccw_virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VCCW_VIRTIO_ID_BLOCK,
	.get_features = blk_get_features,
	.config_size = blk_config_size,
	.read_config = blk_read_config,
	.queue_max = blk_queue_max,
	.queue_notify = blk_queue_notify,
};

struct vccw_blk *vccw_blk_new(struct vccw_mem *mem, const struct vccw_blk_config *cfg,
			      uint64_t extra_features, struct vccw_err *err)
{
	struct vccw_blk *blk;
	uint16_t qsize, nq;

	if (!cfg || !cfg->backend) {
		vccw_err_set(err, EINVAL, "virtio-blk: no block backend");
		return NULL;
	}
	qsize = cfg->queue_size ? cfg->queue_size : BLK_QUEUE_SIZE;
	if (qsize > VCCW_VQ_MAX_SIZE || (qsize & (qsize - 1))) {
		vccw_err_set(err, EINVAL, "virtio-blk: queue size %u is not a power of 2 up to %u",
			     qsize, VCCW_VQ_MAX_SIZE);
		return NULL;
	}
	nq = cfg->num_queues ? cfg->num_queues : 1;
	if (nq > VCCW_BLK_MAX_QUEUES) {
		vccw_err_set(err, EINVAL, "virtio-blk: %u queues, at most %u", nq,
			     VCCW_BLK_MAX_QUEUES);
		return NULL;
	}
	if (cfg->serial && strlen(cfg->serial) > VCCW_VIRTIO_BLK_ID_BYTES) {
		vccw_err_set(err, EINVAL, "virtio-blk: serial '%s' longer than %u bytes",
			     cfg->serial, VCCW_VIRTIO_BLK_ID_BYTES);
		return NULL;
	}
	blk = calloc(1, sizeof(*blk));
	if (!blk) {
		vccw_err_set(err, ENOMEM, "virtio-blk: out of memory");
		return NULL;
	}
	blk->be = cfg->backend;
	blk->capacity = cfg->backend->size / VCCW_VIRTIO_BLK_SECTOR_SIZE;
	blk->num_queues = nq;
	blk->queue_size = qsize;
	if (cfg->serial)
		memcpy(blk->serial, cfg->serial, strlen(cfg->serial));
	blk->elem = malloc(sizeof(*blk->elem));
	if (!blk->elem) {
		vccw_err_set(err, ENOMEM, "virtio-blk: out of memory");
		goto err_free;
	}
	if (vccw_virtio_dev_init(&blk->vdev, &blk_ops, mem, extra_features, err))
		goto err_free_elem;
	return blk;

err_free_elem:
	free(blk->elem);
err_free:
	free(blk);
	return NULL;
}

struct vccw_virtio_dev *vccw_blk_vdev(struct vccw_blk *blk)
{
	return &blk->vdev;
}

void vccw_blk_free(struct vccw_blk *blk)
{
	if (!blk)
		return;
	vccw_virtio_dev_fini(&blk->vdev);
	free(blk->elem);
	free(blk);
}
