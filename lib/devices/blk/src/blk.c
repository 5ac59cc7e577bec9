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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/blk.h"
#include "vccw/byteorder.h"

#define BLK_QUEUE_SIZE 256
#define BLK_DONE_BATCH 64

struct vccw_blk {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	struct vccw_be_blk *be;
	/*
	 * aio=io_uring/native: requests in flight through this backend queue (one for all
	 * virtqueues: they share the device's I/O thread); NULL for aio=threads.
	 */
	struct vccw_be_blk_queue *bq;
	/*
	 * Completions of requests in flight, gathered per queue while the backend's are
	 * reaped and used together (vccw_virtio_push_many()): one used-index update and one
	 * notification decision per batch, so with event index the driver gets one
	 * interruption for all of them. Empty whenever the device lock is free.
	 */
	struct vccw_vq_used *done;   /* num_queues * BLK_DONE_BATCH */
	uint16_t *nr_done;           /* per queue */
	bool resetting; /* completions drained by a reset are not used */
	uint64_t capacity; /* 512-byte sectors */
	uint32_t lbs, pbs;  /* logical and physical block size, bytes */
	uint64_t sector_mask; /* sectors per logical block - 1 */
	uint32_t min_io, opt_io; /* bytes */
	uint16_t cyls;
	uint8_t heads, secs;
	bool wce_reset; /* cache mode after reset: true writeback */
	bool wce;       /* current cache mode (the writeback field) */
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

/*
 * Inside the capacity, and (as QEMU's virtio_blk_sect_range_ok()) starting and ending on
 * a logical block boundary: the 512-byte sector is only the unit of the protocol.
 */
static bool sectors_ok(const struct vccw_blk *blk, uint64_t sector, uint64_t nr)
{
	if ((sector | nr) & blk->sector_mask)
		return false;
	return sector <= blk->capacity && nr <= blk->capacity - sector;
}

/* Writethrough mode: a write completes only once it is stable (5.2.6.2). */
static int write_done(struct vccw_blk *blk)
{
	return blk->wce ? 0 : vccw_be_blk_flush(blk->be);
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
	if (write && write_done(blk))
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
	return write_done(blk) ? VCCW_VIRTIO_BLK_S_IOERR : VCCW_VIRTIO_BLK_S_OK;
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

/* ---- requests in flight (aio=io_uring, aio=native) ---- */

/* A request the backend executes while the device takes the next ones. */
struct blk_req {
	struct vccw_be_blk_req be;
	struct vccw_blk *blk;
	uint16_t qidx;
	uint16_t id, ndescs;    /* what vccw_virtio_push() needs of the element */
	unsigned int in_num;
	bool flush_after;       /* a write in writethrough mode: stable first */
	uint32_t used;          /* used length on success */
	uint8_t *status;        /* the status byte, in the driver's buffer */
	struct iovec data[];    /* the data part of the request */
};

/* Where the last device-writable byte of @e is (the status, 5.2.6). */
static uint8_t *status_byte(const struct vccw_vq_elem *e)
{
	unsigned int i;

	for (i = e->in_num; i > 0; i--) {
		if (e->in[i - 1].iov_len)
			return (uint8_t *)e->in[i - 1].iov_base + e->in[i - 1].iov_len - 1;
	}
	return NULL;
}

/* Use the completions gathered for queue @qidx. Context: device lock held. */
static void flush_done(struct vccw_blk *blk, uint16_t qidx)
{
	if (!blk->nr_done[qidx])
		return;
	vccw_virtio_push_many(&blk->vdev, qidx, blk->done + (size_t)qidx * BLK_DONE_BATCH,
			      blk->nr_done[qidx]);
	blk->nr_done[qidx] = 0;
}

static void flush_all_done(struct vccw_blk *blk)
{
	uint16_t q;

	for (q = 0; q < blk->num_queues; q++)
		flush_done(blk, q);
}

static void push_result(struct vccw_blk *blk, uint16_t qidx, uint16_t id, uint16_t ndescs,
			unsigned int in_num, uint8_t *status, uint8_t st, uint32_t used)
{
	struct vccw_vq_used *u;

	if (blk->resetting)
		return;
	*status = st;
	if (blk->nr_done[qidx] == BLK_DONE_BATCH)
		flush_done(blk, qidx);
	u = &blk->done[(size_t)qidx * BLK_DONE_BATCH + blk->nr_done[qidx]++];
	u->id = id;
	u->ndescs = ndescs;
	u->len = used;
	u->has_in = in_num != 0;
}

/* The backend finished @breq. Context: I/O thread (or a reset), device lock held. */
static void req_done(struct vccw_be_blk_req *breq, int rc)
{
	struct blk_req *r = container_of(breq, struct blk_req, be);
	struct vccw_blk *blk = r->blk;

	if (!rc && r->flush_after && !blk->resetting) {
		/* 5.2.6.2: in writethrough mode the write is stable before it is used. */
		r->flush_after = false;
		r->be.op = VCCW_BE_BLK_OP_FLUSH;
		if (!vccw_be_blk_queue_submit(blk->bq, &r->be))
			return;
		rc = -EIO;
	}
	push_result(blk, r->qidx, r->id, r->ndescs, r->in_num, r->status,
		    rc ? VCCW_VIRTIO_BLK_S_IOERR : VCCW_VIRTIO_BLK_S_OK, rc ? 1 : r->used);
	__atomic_sub_fetch(&blk->vdev.backend_inflight, 1, __ATOMIC_RELEASE);
	free(r);
}

/*
 * Start IN, OUT or FLUSH @e on the backend queue. A request the device refuses at once
 * is used at once, with IOERR, as the synchronous path answers it.
 */
static void start_request(struct vccw_blk *blk, unsigned int qidx,
			  const struct vccw_vq_elem *e, uint32_t type, uint64_t sector)
{
	bool write = type == VCCW_VIRTIO_BLK_T_OUT;
	bool rw = type == VCCW_VIRTIO_BLK_T_IN || write;
	const struct iovec *iov = write ? e->out : e->in;
	unsigned int cnt = rw ? (write ? e->out_num : e->in_num) : 0;
	uint64_t len = write ? e->out_len - VCCW_VIRTIO_BLK_REQ_HDR_SIZE : e->in_len - 1;
	uint8_t *status = status_byte(e);
	struct blk_req *r;
	int rc;

	if (e->in_len > UINT32_MAX ||
	    (rw && ((write && blk->be->readonly) || len % VCCW_VIRTIO_BLK_SECTOR_SIZE ||
		    !sectors_ok(blk, sector, len / VCCW_VIRTIO_BLK_SECTOR_SIZE))))
		goto ioerr;
	r = malloc(sizeof(*r) + (cnt ? cnt : 1) * sizeof(struct iovec));
	if (!r)
		goto ioerr;
	memset(r, 0, sizeof(*r));
	r->blk = blk;
	r->qidx = (uint16_t)qidx;
	r->id = e->id;
	r->ndescs = e->ndescs;
	r->in_num = e->in_num;
	r->status = status;
	r->be.done = req_done;
	if (rw) {
		r->be.op = write ? VCCW_BE_BLK_OP_WRITE : VCCW_BE_BLK_OP_READ;
		r->be.iovcnt = iov_slice(r->data, iov, cnt, write ? VCCW_VIRTIO_BLK_REQ_HDR_SIZE : 0,
					 len);
		r->be.iov = r->data;
		r->be.off = sector * VCCW_VIRTIO_BLK_SECTOR_SIZE;
		/* As write_done(): in writethrough mode a write is stable before it is used. */
		r->flush_after = write && !blk->wce;
		r->used = write ? 1 : (uint32_t)len + 1;
	} else {
		r->be.op = VCCW_BE_BLK_OP_FLUSH;
		r->used = 1;
	}
	/* Counted before the submission: an inline backend completes within it. */
	__atomic_add_fetch(&blk->vdev.backend_inflight, 1, __ATOMIC_RELEASE);
	rc = vccw_be_blk_queue_submit(blk->bq, &r->be);
	if (rc == -EBUSY) {
		/* The ring is full: make room by reaping, then try once more. */
		vccw_be_blk_queue_complete(blk->bq, true);
		rc = vccw_be_blk_queue_submit(blk->bq, &r->be);
	}
	if (!rc)
		return;
	__atomic_sub_fetch(&blk->vdev.backend_inflight, 1, __ATOMIC_RELEASE);
	free(r);
ioerr:
	push_result(blk, (uint16_t)qidx, e->id, e->ndescs, e->in_num, status,
		    VCCW_VIRTIO_BLK_S_IOERR, 1);
}

/* Queue notification with a backend queue: start what can run in flight. */
static void queue_notify_async(struct vccw_blk *blk, unsigned int idx)
{
	struct vccw_virtio_dev *vdev = &blk->vdev;
	uint8_t hdr[VCCW_VIRTIO_BLK_REQ_HDR_SIZE];
	const struct vccw_vq_elem *e = blk->elem;
	uint32_t type;

	while (vccw_virtio_pop(vdev, idx, blk->elem) == 1) {
		if (e->out_len < VCCW_VIRTIO_BLK_REQ_HDR_SIZE || e->in_len < 1) {
			/* No header or no status byte: nothing sensible can be answered. */
			vccw_virtio_needs_reset(vdev);
			break;
		}
		iov_to_buf(e->out, e->out_num, 0, hdr, sizeof(hdr));
		type = vccw_virtio_ld32(vdev, hdr);
		if (type == VCCW_VIRTIO_BLK_T_IN || type == VCCW_VIRTIO_BLK_T_OUT ||
		    type == VCCW_VIRTIO_BLK_T_FLUSH ||
		    (type == VCCW_VIRTIO_BLK_T_FLUSH_OUT && vdev->legacy)) {
			start_request(blk, idx, e, type, vccw_virtio_ld64(vdev, hdr + 8));
			continue;
		}
		/* GET_ID, DISCARD, WRITE_ZEROES and the unknown: answered at once. */
		vccw_virtio_push(vdev, idx, e, (uint32_t)handle_request(blk, e));
	}
	vccw_be_blk_queue_flush(blk->bq);
	/*
	 * Reads the host serves from its page cache complete within the submission:
	 * use them now rather than after a trip through the completion eventfd.
	 */
	if (vccw_be_blk_queue_ready(blk->bq)) {
		vccw_be_blk_queue_complete(blk->bq, false);
		vccw_be_blk_queue_flush(blk->bq);
	}
	flush_all_done(blk);
}

/* The backend queue's completion fd is readable. Context: I/O thread, device lock. */
static void on_completions(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	struct vccw_blk *blk = arg;

	(void)vdev;
	(void)fd;
	vccw_be_blk_queue_complete(blk->bq, false);
	/* Flushes a done callback queued, and requests that waited for room. */
	vccw_be_blk_queue_flush(blk->bq);
	flush_all_done(blk);
}

/* ---- virtio device hooks ---- */

static uint64_t blk_get_features(struct vccw_virtio_dev *vdev)
{
	struct vccw_blk *blk = to_blk(vdev);
	uint64_t f;

	/* 5.2.5: FLUSH should always be offered, and must be with CONFIG_WCE. */
	f = VCCW_BIT(VCCW_VIRTIO_BLK_F_SIZE_MAX) | VCCW_BIT(VCCW_VIRTIO_BLK_F_SEG_MAX) |
	    VCCW_BIT(VCCW_VIRTIO_BLK_F_GEOMETRY) | VCCW_BIT(VCCW_VIRTIO_BLK_F_BLK_SIZE) |
	    VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH) | VCCW_BIT(VCCW_VIRTIO_BLK_F_TOPOLOGY) |
	    VCCW_BIT(VCCW_VIRTIO_BLK_F_CONFIG_WCE);
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
	uint32_t lbs = blk->lbs, exp = 0;
	uint8_t secs = blk->secs;

	vccw_virtio_cfg_st64(vdev, cfg + VCCW_VIRTIO_BLK_CFG_CAPACITY, blk->capacity);
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_SIZE_MAX, VCCW_BLK_SIZE_MAX);
	/* Two descriptors of a chain carry the header and the status. */
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_SEG_MAX,
			     blk->queue_size > 2 ? blk->queue_size - 2u : 1u);
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_BLK_CFG_GEOMETRY, blk->cyls);
	cfg[VCCW_VIRTIO_BLK_CFG_GEOMETRY + 2] = blk->heads;
	/*
	 * QEMU's virtio_blk_update_config(): when the size is not a whole number of
	 * logical blocks per track, the sectors value is rounded down to a multiple of
	 * the sectors per logical block. Same numbers here, so a guest sees the same disk.
	 */
	if ((blk->be->size / blk->heads / blk->secs) % lbs)
		secs = (uint8_t)(secs & ~blk->sector_mask);
	cfg[VCCW_VIRTIO_BLK_CFG_GEOMETRY + 3] = secs;
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_BLK_SIZE, lbs);
	/* topology: log2(physical / logical), alignment 0, sizes in logical blocks. */
	while ((lbs << exp) < blk->pbs)
		exp++;
	cfg[VCCW_VIRTIO_BLK_CFG_TOPOLOGY] = (uint8_t)exp;
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_BLK_CFG_TOPOLOGY + 2,
			     (uint16_t)(blk->min_io / lbs));
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_BLK_CFG_TOPOLOGY + 4, blk->opt_io / lbs);
	cfg[VCCW_VIRTIO_BLK_CFG_WRITEBACK] = blk->wce;
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

static void blk_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			     uint32_t len)
{
	struct vccw_blk *blk = to_blk(vdev);

	/*
	 * 5.2.5: only writeback is the driver's to write, and only with CONFIG_WCE
	 * negotiated (0 writethrough, anything else writeback as in QEMU). Writes to the
	 * other fields are ignored.
	 */
	if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_BLK_F_CONFIG_WCE))
		return;
	if (off <= VCCW_VIRTIO_BLK_CFG_WRITEBACK && VCCW_VIRTIO_BLK_CFG_WRITEBACK - off < len)
		blk->wce = buf[VCCW_VIRTIO_BLK_CFG_WRITEBACK - off] != 0;
}

static bool blk_validate_features(struct vccw_virtio_dev *vdev, uint64_t features)
{
	struct vccw_blk *blk = to_blk(vdev);

	/* 5.2.5: CONFIG_WCE without FLUSH starts in writethrough (writeback = 0). */
	if ((features & VCCW_BIT(VCCW_VIRTIO_BLK_F_CONFIG_WCE)) &&
	    !(features & VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH)))
		blk->wce = false;
	return true;
}

static void blk_start(struct vccw_virtio_dev *vdev)
{
	struct vccw_blk *blk = to_blk(vdev);

	/*
	 * Without CONFIG_WCE the driver cannot choose: it gets writeback exactly when it
	 * can flush (QEMU's virtio_blk_set_status(); 5.2.5 allows the change at DRIVER_OK
	 * for exactly this case).
	 */
	if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_BLK_F_CONFIG_WCE))
		blk->wce = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_BLK_F_FLUSH);
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

	if (blk->bq) {
		queue_notify_async(blk, idx);
		return;
	}
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

/* Reset (device lock held): every request in flight ends first, and is not used. */
static void blk_reset(struct vccw_virtio_dev *vdev)
{
	struct vccw_blk *blk = to_blk(vdev);

	blk->wce = blk->wce_reset;
	if (!blk->bq)
		return;
	blk->resetting = true;
	vccw_be_blk_queue_drain(blk->bq);
	blk->resetting = false;
}

/* The I/O thread polls this before it sleeps: completions wait to be reaped. */
static bool blk_poll_ready(struct vccw_virtio_dev *vdev)
{
	struct vccw_blk *blk = to_blk(vdev);

	return blk->bq && vccw_be_blk_queue_ready(blk->bq);
}

static const struct vccw_virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VCCW_VIRTIO_ID_BLOCK,
	.get_features = blk_get_features,
	.config_size = blk_config_size,
	.read_config = blk_read_config,
	.write_config = blk_write_config,
	.validate_features = blk_validate_features,
	.queue_max = blk_queue_max,
	.queue_notify = blk_queue_notify,
	.start = blk_start,
	.reset = blk_reset,
	.poll_ready = blk_poll_ready,
};

static bool block_size_ok(uint32_t v)
{
	return v >= VCCW_BLK_MIN_BLOCK_SIZE && v <= VCCW_BLK_MAX_BLOCK_SIZE && !(v & (v - 1));
}

int vccw_blk_check_layout(const struct vccw_blk_config *cfg, uint32_t backend_block_size,
			  struct vccw_err *err)
{
	uint32_t lbs = cfg->logical_block_size ? cfg->logical_block_size : backend_block_size;
	uint32_t pbs = cfg->physical_block_size ? cfg->physical_block_size : backend_block_size;

	/* QEMU's blkconf_geometry() limits for virtio-blk. */
	if (cfg->cyls || cfg->heads || cfg->secs) {
		if (cfg->cyls < 1 || cfg->cyls > 65535)
			return vccw_err_set(err, EINVAL, "cyls must be between 1 and 65535");
		if (cfg->heads < 1 || cfg->heads > 255)
			return vccw_err_set(err, EINVAL, "heads must be between 1 and 255");
		if (cfg->secs < 1 || cfg->secs > 255)
			return vccw_err_set(err, EINVAL, "secs must be between 1 and 255");
	}
	/* QEMU's block size properties, then blkconf_blocksizes(). */
	if (!block_size_ok(lbs))
		return vccw_err_set(err, EINVAL,
				    "logical_block_size %u is not a power of 2 between %u and %u",
				    lbs, VCCW_BLK_MIN_BLOCK_SIZE, VCCW_BLK_MAX_BLOCK_SIZE);
	if (!block_size_ok(pbs))
		return vccw_err_set(err, EINVAL,
				    "physical_block_size %u is not a power of 2 between %u and %u",
				    pbs, VCCW_BLK_MIN_BLOCK_SIZE, VCCW_BLK_MAX_BLOCK_SIZE);
	if (lbs > pbs)
		return vccw_err_set(err, EINVAL,
				    "logical_block_size > physical_block_size not supported");
	if (cfg->min_io_size % lbs)
		return vccw_err_set(err, EINVAL,
				    "min_io_size must be a multiple of logical_block_size");
	if (cfg->min_io_size / lbs > UINT16_MAX)
		return vccw_err_set(err, EINVAL,
				    "min_io_size must not exceed %u logical blocks", UINT16_MAX);
	if (cfg->opt_io_size % lbs)
		return vccw_err_set(err, EINVAL,
				    "opt_io_size must be a multiple of logical_block_size");
	return 0;
}

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
	if (vccw_blk_check_layout(cfg, cfg->backend->block_size, err))
		return NULL;
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
	blk->lbs = cfg->logical_block_size ? cfg->logical_block_size : cfg->backend->block_size;
	blk->pbs = cfg->physical_block_size ? cfg->physical_block_size : cfg->backend->block_size;
	blk->sector_mask = blk->lbs / VCCW_VIRTIO_BLK_SECTOR_SIZE - 1;
	blk->min_io = cfg->min_io_size;
	blk->opt_io = cfg->opt_io_size;
	if (cfg->cyls) {
		blk->cyls = (uint16_t)cfg->cyls;
		blk->heads = (uint8_t)cfg->heads;
		blk->secs = (uint8_t)cfg->secs;
	} else {
		/* QEMU's guess_chs_for_size() (no partition table is looked at). */
		uint64_t cyls = blk->capacity / (16 * 63);

		blk->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls < 2 ? 2 : cyls);
		blk->heads = 16;
		blk->secs = 63;
	}
	blk->wce_reset = !cfg->writethrough;
	blk->wce = blk->wce_reset;
	if (cfg->serial)
		memcpy(blk->serial, cfg->serial, strlen(cfg->serial));
	blk->elem = malloc(sizeof(*blk->elem));
	blk->done = calloc((size_t)nq * BLK_DONE_BATCH, sizeof(*blk->done));
	blk->nr_done = calloc(nq, sizeof(*blk->nr_done));
	if (!blk->elem || !blk->done || !blk->nr_done) {
		vccw_err_set(err, ENOMEM, "virtio-blk: out of memory");
		goto err_free_elem;
	}
	if (cfg->backend->aio != VCCW_BE_BLK_AIO_THREADS) {
		/* Every descriptor of every queue may carry a request in flight. */
		blk->bq = vccw_be_blk_queue_new(cfg->backend, (unsigned int)qsize * nq, err);
		if (!blk->bq)
			goto err_free_elem;
	}
	if (vccw_virtio_dev_init_iothread(&blk->vdev, &blk_ops, mem, extra_features,
					  cfg->iothread, err))
		goto err_free_queue;
	if (blk->bq && blk->bq->fd >= 0 &&
	    vccw_virtio_dev_watch_fd(&blk->vdev, blk->bq->fd, on_completions, blk)) {
		vccw_err_set(err, EIO, "virtio-blk: cannot watch the backend's completions");
		vccw_virtio_dev_fini(&blk->vdev);
		goto err_free_queue;
	}
	return blk;

err_free_queue:
	vccw_be_blk_queue_free(blk->bq);
err_free_elem:
	free(blk->done);
	free(blk->nr_done);
	free(blk->elem);
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
	if (blk->bq) {
		/* Nothing may complete into the queues once they are gone. */
		pthread_mutex_lock(&blk->vdev.lock);
		blk->resetting = true;
		vccw_be_blk_queue_drain(blk->bq);
		pthread_mutex_unlock(&blk->vdev.lock);
	}
	vccw_virtio_dev_fini(&blk->vdev);
	vccw_be_blk_queue_free(blk->bq);
	free(blk->done);
	free(blk->nr_done);
	free(blk->elem);
	free(blk);
}
