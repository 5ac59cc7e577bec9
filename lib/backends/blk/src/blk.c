// SPDX-License-Identifier: MIT
/*
 * Block backend front: the range and read-only checks every kind shares, and the
 * generic write-zeroes path for kinds that have no faster way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vccw/be-blk.h"

/* Chunk for writing zeroes by hand. */
#define ZERO_CHUNK (64 * 1024)

static bool range_ok(const struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	return len <= be->size && off <= be->size - len;
}

static uint64_t iov_total(const struct iovec *iov, unsigned int iovcnt)
{
	uint64_t len = 0;
	unsigned int i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	return len;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Count one request that reached the backend: @bytes on success, a failure otherwise,
 * and the time since @start (ns) into @time.
 */
static void account(uint64_t *ops, uint64_t *failed, uint64_t *bytes, uint64_t len, int rc,
		    uint64_t *time, uint64_t start)
{
	__atomic_fetch_add(ops, 1, __ATOMIC_RELAXED);
	if (rc)
		__atomic_fetch_add(failed, 1, __ATOMIC_RELAXED);
	else if (bytes)
		__atomic_fetch_add(bytes, len, __ATOMIC_RELAXED);
	__atomic_fetch_add(time, now_ns() - start, __ATOMIC_RELAXED);
}

static void account_highest(struct vccw_be_blk *be, uint64_t end)
{
	uint64_t cur = __atomic_load_n(&be->stats.wr_highest_offset, __ATOMIC_RELAXED);

	while (end > cur &&
	       !__atomic_compare_exchange_n(&be->stats.wr_highest_offset, &cur, end, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* detect-zeroes: does @iov hold zeroes only? */
static bool iov_is_zero(const struct iovec *iov, unsigned int iovcnt)
{
	static const uint8_t zero[256];
	unsigned int i;

	for (i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len, n;

		for (; left; p += n, left -= n) {
			n = left < sizeof(zero) ? left : sizeof(zero);
			if (memcmp(p, zero, n))
				return false;
		}
	}
	return true;
}

int vccw_be_blk_parse_detect_zeroes(const char *str, enum vccw_be_blk_detect_zeroes *out)
{
	if (!strcmp(str, "off"))
		*out = VCCW_BE_BLK_DETECT_ZEROES_OFF;
	else if (!strcmp(str, "on"))
		*out = VCCW_BE_BLK_DETECT_ZEROES_ON;
	else if (!strcmp(str, "unmap"))
		*out = VCCW_BE_BLK_DETECT_ZEROES_UNMAP;
	else
		return -EINVAL;
	return 0;
}

static int do_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			   bool may_unmap);

int vccw_be_blk_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	uint64_t len = iov_total(iov, iovcnt), start;
	int rc;

	if (!range_ok(be, off, len))
		return -EINVAL;
	start = now_ns();
	rc = be->ops->preadv(be, iov, iovcnt, off);
	account(&be->stats.rd_operations, &be->stats.failed_rd_operations, &be->stats.rd_bytes,
		len, rc, &be->stats.rd_total_time_ns, start);
	return rc;
}

int vccw_be_blk_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			uint64_t off)
{
	uint64_t len = iov_total(iov, iovcnt), start;
	int rc;

	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, len))
		return -EINVAL;
	start = now_ns();
	/*
	 * detect-zeroes (QEMU): a write of zeroes only is done as a write-zeroes, which may
	 * deallocate with unmap; it is still counted as the write the guest asked for.
	 */
	if (be->detect_zeroes != VCCW_BE_BLK_DETECT_ZEROES_OFF && len && iov_is_zero(iov, iovcnt))
		rc = do_write_zeroes(be, off, len,
				     be->detect_zeroes == VCCW_BE_BLK_DETECT_ZEROES_UNMAP);
	else
		rc = be->ops->pwritev(be, iov, iovcnt, off);
	account(&be->stats.wr_operations, &be->stats.failed_wr_operations, &be->stats.wr_bytes,
		len, rc, &be->stats.wr_total_time_ns, start);
	if (!rc)
		account_highest(be, off + len);
	return rc;
}

int vccw_be_blk_flush(struct vccw_be_blk *be)
{
	uint64_t start = now_ns();
	int rc = 0;

	if (!be->readonly && be->ops->flush)
		rc = be->ops->flush(be);
	account(&be->stats.flush_operations, &be->stats.failed_flush_operations, NULL, 0, rc,
		&be->stats.flush_total_time_ns, start);
	return rc;
}

void vccw_be_blk_get_stats(struct vccw_be_blk *be, struct vccw_be_blk_stats *out)
{
	const uint64_t *src = (const uint64_t *)&be->stats;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

int vccw_be_blk_discard(struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	uint64_t start;
	int rc;

	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, len))
		return -EINVAL;
	/* discard=ignore: done, and nothing reached the host (QEMU counts nothing either). */
	if (be->discard_ignore)
		return 0;
	if (!be->ops->discard)
		return -EOPNOTSUPP;
	start = now_ns();
	rc = be->ops->discard(be, off, len);
	/* Not being able to deallocate is no failure (see the header). */
	account(&be->stats.unmap_operations, &be->stats.failed_unmap_operations,
		&be->stats.unmap_bytes, len, rc == -EOPNOTSUPP ? 0 : rc,
		&be->stats.unmap_total_time_ns, start);
	return rc;
}

static int write_zeroes_by_hand(struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	struct iovec iov;
	void *buf;
	int rc = 0;

	buf = calloc(1, ZERO_CHUNK);
	if (!buf)
		return -ENOMEM;
	while (len && !rc) {
		iov.iov_base = buf;
		iov.iov_len = len < ZERO_CHUNK ? len : ZERO_CHUNK;
		rc = be->ops->pwritev(be, &iov, 1, off);
		off += iov.iov_len;
		len -= iov.iov_len;
	}
	free(buf);
	return rc;
}

/* Write zeroes, range and read-only already checked; may_unmap unless zeroes_keep. */
static int do_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			   bool may_unmap)
{
	int rc;

	may_unmap = may_unmap && !be->zeroes_keep;
	if (be->ops->write_zeroes) {
		rc = be->ops->write_zeroes(be, off, len, may_unmap);
		if (rc != -EOPNOTSUPP)
			return rc;
	}
	return write_zeroes_by_hand(be, off, len);
}

int vccw_be_blk_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			     bool may_unmap)
{
	uint64_t start;
	int rc;

	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, len))
		return -EINVAL;
	/* Counted as a write of @len bytes, as QEMU's virtio-blk accounts it. */
	start = now_ns();
	rc = do_write_zeroes(be, off, len, may_unmap);
	account(&be->stats.wr_operations, &be->stats.failed_wr_operations, &be->stats.wr_bytes,
		len, rc, &be->stats.wr_total_time_ns, start);
	if (!rc)
		account_highest(be, off + len);
	return rc;
}

void vccw_be_blk_close(struct vccw_be_blk *be)
{
	if (be)
		be->ops->close(be);
}

/* ---- Requests in flight ---- */

/* Execute @req now through the blocking calls. Returns its result. */
static int run_inline(struct vccw_be_blk *be, struct vccw_be_blk_req *req)
{
	int rc;

	switch (req->op) {
	case VCCW_BE_BLK_OP_READ:
		return vccw_be_blk_preadv(be, req->iov, req->iovcnt, req->off);
	case VCCW_BE_BLK_OP_WRITE:
		return vccw_be_blk_pwritev(be, req->iov, req->iovcnt, req->off);
	case VCCW_BE_BLK_OP_FLUSH:
		return vccw_be_blk_flush(be);
	case VCCW_BE_BLK_OP_DISCARD:
		rc = vccw_be_blk_discard(be, req->off, req->len);
		return rc == -EOPNOTSUPP ? 0 : rc;
	case VCCW_BE_BLK_OP_WRITE_ZEROES:
		return vccw_be_blk_write_zeroes(be, req->off, req->len, req->may_unmap);
	}
	return -EINVAL;
}

/* Completion of a request in flight: count it as the blocking calls do, then the caller's. */
static void queued_done(struct vccw_be_blk_req *req, int rc)
{
	struct vccw_be_blk *be = req->owner;
	struct vccw_be_blk_stats *st = &be->stats;

	req->done = req->caller_done;
	switch (req->op) {
	case VCCW_BE_BLK_OP_READ:
		account(&st->rd_operations, &st->failed_rd_operations, &st->rd_bytes,
			iov_total(req->iov, req->iovcnt), rc, &st->rd_total_time_ns, req->start_ns);
		break;
	case VCCW_BE_BLK_OP_WRITE:
		account(&st->wr_operations, &st->failed_wr_operations, &st->wr_bytes,
			iov_total(req->iov, req->iovcnt), rc, &st->wr_total_time_ns, req->start_ns);
		if (!rc)
			account_highest(be, req->off + iov_total(req->iov, req->iovcnt));
		break;
	case VCCW_BE_BLK_OP_FLUSH:
		account(&st->flush_operations, &st->failed_flush_operations, NULL, 0, rc,
			&st->flush_total_time_ns, req->start_ns);
		break;
	case VCCW_BE_BLK_OP_DISCARD:
		account(&st->unmap_operations, &st->failed_unmap_operations, &st->unmap_bytes,
			req->len, rc == -EOPNOTSUPP ? 0 : rc, &st->unmap_total_time_ns,
			req->start_ns);
		break;
	case VCCW_BE_BLK_OP_WRITE_ZEROES:
		account(&st->wr_operations, &st->failed_wr_operations, &st->wr_bytes, req->len,
			rc, &st->wr_total_time_ns, req->start_ns);
		if (!rc)
			account_highest(be, req->off + req->len);
		break;
	}
	req->done(req, rc);
}

struct vccw_be_blk_queue *vccw_be_blk_queue_new(struct vccw_be_blk *be, unsigned int depth,
						struct vccw_err *err)
{
	struct vccw_be_blk_queue *q;

	if (be->aio != VCCW_BE_BLK_AIO_THREADS && be->ops->queue_new)
		return be->ops->queue_new(be, depth ? depth : 1, err);
	q = calloc(1, sizeof(*q));
	if (!q) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	q->be = be;
	q->fd = -1;
	return q;
}

static bool is_inline(const struct vccw_be_blk_queue *q)
{
	return q->be->aio == VCCW_BE_BLK_AIO_THREADS || !q->be->ops->queue_new;
}

void vccw_be_blk_queue_free(struct vccw_be_blk_queue *q)
{
	if (!q)
		return;
	if (is_inline(q)) {
		free(q);
		return;
	}
	vccw_be_blk_queue_drain(q);
	q->be->ops->queue_free(q);
}

int vccw_be_blk_queue_submit(struct vccw_be_blk_queue *q, struct vccw_be_blk_req *req)
{
	struct vccw_be_blk *be = q->be;
	int rc;

	switch (req->op) {
	case VCCW_BE_BLK_OP_READ:
	case VCCW_BE_BLK_OP_WRITE:
		if (req->op == VCCW_BE_BLK_OP_WRITE && be->readonly)
			return -EROFS;
		if (!range_ok(be, req->off, iov_total(req->iov, req->iovcnt)))
			return -EINVAL;
		break;
	case VCCW_BE_BLK_OP_FLUSH:
		break;
	case VCCW_BE_BLK_OP_DISCARD:
	case VCCW_BE_BLK_OP_WRITE_ZEROES:
		if (be->readonly)
			return -EROFS;
		if (!range_ok(be, req->off, req->len))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	req->bounce = NULL;
	/*
	 * Inline: the blocking calls count. A write of zeroes under detect-zeroes, and a
	 * discard under discard=ignore, are done inline too, through the same rules.
	 */
	if (is_inline(q) ||
	    (req->op == VCCW_BE_BLK_OP_WRITE && be->detect_zeroes != VCCW_BE_BLK_DETECT_ZEROES_OFF &&
	     iov_is_zero(req->iov, req->iovcnt)) ||
	    (req->op == VCCW_BE_BLK_OP_DISCARD && be->discard_ignore)) {
		req->done(req, run_inline(be, req));
		return 0;
	}
	req->may_unmap = req->may_unmap && !be->zeroes_keep;
	req->caller_done = req->done;
	req->done = queued_done;
	req->owner = be;
	req->start_ns = now_ns();
	q->inflight++;
	rc = be->ops->queue_submit(q, req);
	if (rc) {
		q->inflight--;
		req->done = req->caller_done;
	}
	return rc;
}

void vccw_be_blk_queue_flush(struct vccw_be_blk_queue *q)
{
	if (!is_inline(q))
		q->be->ops->queue_flush(q);
}

void vccw_be_blk_queue_complete(struct vccw_be_blk_queue *q, bool wait)
{
	if (!is_inline(q) && (q->inflight || !wait))
		q->be->ops->queue_complete(q, wait && q->inflight);
}

void vccw_be_blk_queue_drain(struct vccw_be_blk_queue *q)
{
	if (is_inline(q))
		return;
	vccw_be_blk_queue_flush(q);
	while (q->inflight) {
		q->be->ops->queue_complete(q, true);
		/* A done that submitted again needs its request handed over too. */
		vccw_be_blk_queue_flush(q);
	}
}

bool vccw_be_blk_queue_ready(struct vccw_be_blk_queue *q)
{
	return !is_inline(q) && q->be->ops->queue_ready(q);
}
