// SPDX-License-Identifier: MIT
/*
 * Block backend front: the range and read-only checks every kind shares, and the
 * generic write-zeroes path for kinds that have no faster way.
 */
#include <errno.h>
#include <stdlib.h>

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

int vccw_be_blk_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	if (!range_ok(be, off, iov_total(iov, iovcnt)))
		return -EINVAL;
	return be->ops->preadv(be, iov, iovcnt, off);
}

int vccw_be_blk_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			uint64_t off)
{
	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, iov_total(iov, iovcnt)))
		return -EINVAL;
	return be->ops->pwritev(be, iov, iovcnt, off);
}

int vccw_be_blk_flush(struct vccw_be_blk *be)
{
	if (be->readonly || !be->ops->flush)
		return 0;
	return be->ops->flush(be);
}

int vccw_be_blk_discard(struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, len))
		return -EINVAL;
	if (!be->ops->discard)
		return -EOPNOTSUPP;
	return be->ops->discard(be, off, len);
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

int vccw_be_blk_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			     bool may_unmap)
{
	int rc;

	if (be->readonly)
		return -EROFS;
	if (!range_ok(be, off, len))
		return -EINVAL;
	if (be->ops->write_zeroes) {
		rc = be->ops->write_zeroes(be, off, len, may_unmap);
		if (rc != -EOPNOTSUPP)
			return rc;
	}
	return write_zeroes_by_hand(be, off, len);
}

void vccw_be_blk_close(struct vccw_be_blk *be)
{
	if (be)
		be->ops->close(be);
}
