// SPDX-License-Identifier: MIT
/*
 * Raw block backend over a host regular file or block device: preadv/pwritev with
 * retries on EINTR and short transfers, fdatasync for flush, fallocate hole punching for
 * discard, and fallocate ZERO_RANGE / PUNCH_HOLE for write zeroes (the front writes
 * zeroes by hand when neither works). Cache modes as QEMU's: O_DIRECT (with an aligned
 * bounce buffer for transfers that do not meet the direct-I/O alignment), O_DSYNC, and
 * flush ignored for cache=unsafe.
 */
#define _GNU_SOURCE /* fallocate(), accept4() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef VCCW_HAVE_LIBURING
#include <liburing.h>
#endif

#include "vccw/be-blk.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

struct be_file {
	struct vccw_be_blk be;
	int fd;
	bool direct;          /* O_DIRECT */
	bool no_flush;        /* cache=unsafe */
	uint32_t mem_align;   /* direct I/O: buffer address alignment */
	uint32_t off_align;   /* direct I/O: offset and length alignment */
};

static struct be_file *to_file(struct vccw_be_blk *be)
{
	return container_of(be, struct be_file, be);
}

/*
 * Transfer all of @iov at @off. A short transfer leaves us inside one entry: finish that
 * entry with plain pread/pwrite, then go on with the vector, so @iov is never copied.
 */
static int file_rw(struct be_file *f, const struct iovec *iov, unsigned int iovcnt,
		   uint64_t off, bool write)
{
	unsigned int i = 0;
	size_t skip = 0; /* bytes of iov[i] already done */
	ssize_t n;

	while (i < iovcnt) {
		if (iov[i].iov_len == skip) {
			i++;
			skip = 0;
			continue;
		}
		if (skip) {
			char *base = (char *)iov[i].iov_base + skip;
			size_t len = iov[i].iov_len - skip;

			n = write ? pwrite(f->fd, base, len, (off_t)off)
				  : pread(f->fd, base, len, (off_t)off);
		} else {
			int cnt = iovcnt - i > IOV_MAX ? IOV_MAX : (int)(iovcnt - i);

			n = write ? pwritev(f->fd, iov + i, cnt, (off_t)off)
				  : preadv(f->fd, iov + i, cnt, (off_t)off);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* the file ended before its recorded size */
		off += (uint64_t)n;
		while (n > 0) {
			size_t left = iov[i].iov_len - skip;

			if ((size_t)n < left) {
				skip += (size_t)n;
				n = 0;
			} else {
				n -= (ssize_t)left;
				i++;
				skip = 0;
			}
		}
	}
	return 0;
}

/* True when O_DIRECT can take @iov at @off as it is. */
static bool direct_ok(const struct be_file *f, const struct iovec *iov, unsigned int iovcnt,
		      uint64_t off)
{
	unsigned int i;

	if (off % f->off_align)
		return false;
	for (i = 0; i < iovcnt; i++) {
		if ((uintptr_t)iov[i].iov_base % f->mem_align || iov[i].iov_len % f->off_align)
			return false;
	}
	return true;
}

/* O_DIRECT through an aligned copy of the data (QEMU's bounce buffer for cache=none). */
static int bounce_rw(struct be_file *f, const struct iovec *iov, unsigned int iovcnt,
		     uint64_t off, bool write)
{
	uint64_t len = 0, done = 0;
	struct iovec b;
	unsigned int i;
	void *buf;
	int rc;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	/* The range is checked against the size; O_DIRECT refuses what is not aligned. */
	if (len % f->off_align || off % f->off_align)
		return -EINVAL;
	if (posix_memalign(&buf, f->mem_align > 4096 ? f->mem_align : 4096, len ? len : 1))
		return -ENOMEM;
	if (write) {
		for (i = 0; i < iovcnt; i++, done += iov[i - 1].iov_len)
			memcpy((char *)buf + done, iov[i].iov_base, iov[i].iov_len);
	}
	b.iov_base = buf;
	b.iov_len = len;
	rc = file_rw(f, &b, 1, off, write);
	if (!rc && !write) {
		for (i = 0, done = 0; i < iovcnt; done += iov[i].iov_len, i++)
			memcpy(iov[i].iov_base, (char *)buf + done, iov[i].iov_len);
	}
	free(buf);
	return rc;
}

static int file_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	struct be_file *f = to_file(be);

	if (f->direct && !direct_ok(f, iov, iovcnt, off))
		return bounce_rw(f, iov, iovcnt, off, false);
	return file_rw(f, iov, iovcnt, off, false);
}

static int file_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			uint64_t off)
{
	struct be_file *f = to_file(be);

	if (f->direct && !direct_ok(f, iov, iovcnt, off))
		return bounce_rw(f, iov, iovcnt, off, true);
	return file_rw(f, iov, iovcnt, off, true);
}

static int file_flush(struct vccw_be_blk *be)
{
	/* cache=unsafe: the guest's flushes never reach the host. */
	if (to_file(be)->no_flush)
		return 0;
	while (fdatasync(to_file(be)->fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* fallocate(); "this file system cannot" comes back as -EOPNOTSUPP. */
static int file_fallocate(struct be_file *f, int mode, uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	while (fallocate(f->fd, mode, (off_t)off, (off_t)len) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS || errno == ENOTTY)
			return -EOPNOTSUPP;
		return -errno;
	}
	return 0;
}

static int file_discard(struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	return file_fallocate(to_file(be), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}

static int file_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			     bool may_unmap)
{
	struct be_file *f = to_file(be);
	int rc = -EOPNOTSUPP;

	/* A punched hole reads back as zeroes; only allowed when the driver said unmap. */
	if (may_unmap)
		rc = file_fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	if (rc == -EOPNOTSUPP)
		rc = file_fallocate(f, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len);
	/* Still -EOPNOTSUPP: the front writes zeroes through pwritev. */
	return rc;
}

static void file_close(struct vccw_be_blk *be)
{
	struct be_file *f = to_file(be);

	close(f->fd);
	free(f);
}


/* ---- Requests in flight through io_uring (aio=io_uring, aio=native) ---- */

#ifdef VCCW_HAVE_LIBURING
struct file_queue {
	struct vccw_be_blk_queue q;
	struct io_uring ring;
	unsigned int queued; /* prepared, not yet submitted */
};

static struct file_queue *to_fq(struct vccw_be_blk_queue *q)
{
	return container_of(q, struct file_queue, q);
}

static uint64_t req_bytes(const struct vccw_be_blk_req *req)
{
	uint64_t len = 0;
	unsigned int i;

	for (i = 0; i < req->iovcnt; i++)
		len += req->iov[i].iov_len;
	return len;
}

static struct vccw_be_blk_queue *file_queue_new(struct vccw_be_blk *be, unsigned int depth,
						struct vccw_err *err)
{
	struct file_queue *fq = calloc(1, sizeof(*fq));
	int rc;

	if (!fq) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	/* Completions never outnumber the CQ: at most @depth requests are in flight. */
	rc = io_uring_queue_init(depth > 4096 ? 4096 : depth, &fq->ring, 0);
	if (rc < 0) {
		vccw_err_set(err, -rc, "io_uring_queue_init: %s", strerror(-rc));
		free(fq);
		return NULL;
	}
	fq->q.be = be;
	fq->q.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fq->q.fd < 0 || io_uring_register_eventfd(&fq->ring, fq->q.fd) < 0) {
		vccw_err_set(err, errno ? errno : EIO, "cannot signal io_uring completions");
		if (fq->q.fd >= 0)
			close(fq->q.fd);
		io_uring_queue_exit(&fq->ring);
		free(fq);
		return NULL;
	}
	return &fq->q;
}

static void file_queue_free(struct vccw_be_blk_queue *q)
{
	struct file_queue *fq = to_fq(q);

	io_uring_queue_exit(&fq->ring);
	close(q->fd);
	free(fq);
}

static void file_queue_flush(struct vccw_be_blk_queue *q)
{
	struct file_queue *fq = to_fq(q);

	if (fq->queued) {
		/* -EBUSY/-EAGAIN: the kernel takes them on the next call. */
		if (io_uring_submit(&fq->ring) >= 0)
			fq->queued = 0;
	}
}

static int file_queue_submit(struct vccw_be_blk_queue *q, struct vccw_be_blk_req *req)
{
	struct file_queue *fq = to_fq(q);
	struct be_file *f = to_file(q->be);
	struct io_uring_sqe *sqe = io_uring_get_sqe(&fq->ring);
	bool write = req->op == VCCW_BE_BLK_OP_WRITE;
	int mode;

	if (!sqe) {
		file_queue_flush(q);
		sqe = io_uring_get_sqe(&fq->ring);
		if (!sqe)
			return -EBUSY;
	}
	switch (req->op) {
	case VCCW_BE_BLK_OP_READ:
	case VCCW_BE_BLK_OP_WRITE:
		if (f->direct && !direct_ok(f, req->iov, req->iovcnt, req->off)) {
			uint64_t len = req_bytes(req), done = 0;
			unsigned int i;

			if (len % f->off_align || req->off % f->off_align ||
			    posix_memalign(&req->bounce, f->mem_align > 4096 ? f->mem_align : 4096,
					   len ? len : 1)) {
				req->bounce = NULL;
				io_uring_prep_nop(sqe);
				io_uring_sqe_set_data(sqe, req);
				req->bounce_len = UINT64_MAX; /* fails with -EINVAL at completion */
				break;
			}
			req->bounce_len = len;
			if (write) {
				for (i = 0; i < req->iovcnt; done += req->iov[i].iov_len, i++)
					memcpy((char *)req->bounce + done, req->iov[i].iov_base,
					       req->iov[i].iov_len);
				io_uring_prep_write(sqe, f->fd, req->bounce, (unsigned int)len,
						    req->off);
			} else {
				io_uring_prep_read(sqe, f->fd, req->bounce, (unsigned int)len,
						   req->off);
			}
		} else if (write) {
			io_uring_prep_writev(sqe, f->fd, req->iov, req->iovcnt, req->off);
		} else {
			io_uring_prep_readv(sqe, f->fd, req->iov, req->iovcnt, req->off);
		}
		break;
	case VCCW_BE_BLK_OP_FLUSH:
		/* cache=unsafe: the flush never reaches the host. */
		if (f->no_flush)
			io_uring_prep_nop(sqe);
		else
			io_uring_prep_fsync(sqe, f->fd, IORING_FSYNC_DATASYNC);
		break;
	case VCCW_BE_BLK_OP_DISCARD:
	case VCCW_BE_BLK_OP_WRITE_ZEROES:
		mode = FALLOC_FL_KEEP_SIZE;
		mode |= req->op == VCCW_BE_BLK_OP_DISCARD || req->may_unmap ? FALLOC_FL_PUNCH_HOLE
									    : FALLOC_FL_ZERO_RANGE;
		io_uring_prep_fallocate(sqe, f->fd, mode, req->off, req->len);
		break;
	}
	io_uring_sqe_set_data(sqe, req);
	fq->queued++;
	return 0;
}

/* The result of a completed request, and the copy out of its bounce buffer. */
static int finish(struct be_file *f, struct vccw_be_blk_req *req, int res)
{
	uint64_t want, done = 0;
	unsigned int i;

	if (req->bounce_len == UINT64_MAX)
		return -EINVAL;
	if (res < 0) {
		/* A discard the file system cannot do is no error: discarding is advisory. */
		if (req->op == VCCW_BE_BLK_OP_DISCARD &&
		    (res == -EOPNOTSUPP || res == -ENOSYS || res == -ENOTTY))
			return 0;
		/* Neither fallocate mode: write the zeroes by hand, here. */
		if (req->op == VCCW_BE_BLK_OP_WRITE_ZEROES && res == -EOPNOTSUPP)
			return vccw_be_blk_write_zeroes(&f->be, req->off, req->len, false);
		return res;
	}
	if (req->op != VCCW_BE_BLK_OP_READ && req->op != VCCW_BE_BLK_OP_WRITE)
		return 0;
	want = req->bounce ? req->bounce_len : req_bytes(req);
	/* A short transfer within the recorded size means the file ended early. */
	if ((uint64_t)res != want)
		return -EIO;
	if (req->bounce && req->op == VCCW_BE_BLK_OP_READ) {
		for (i = 0; i < req->iovcnt; done += req->iov[i].iov_len, i++)
			memcpy(req->iov[i].iov_base, (char *)req->bounce + done,
			       req->iov[i].iov_len);
	}
	return 0;
}

static void file_queue_complete(struct vccw_be_blk_queue *q, bool wait)
{
	struct file_queue *fq = to_fq(q);
	struct io_uring_cqe *cqe;
	uint64_t count;
	ssize_t n;

	n = read(q->fd, &count, sizeof(count));
	(void)n;
	if (wait) {
		file_queue_flush(q);
		while (io_uring_wait_cqe(&fq->ring, &cqe) == -EINTR)
			;
	}
	while (io_uring_peek_cqe(&fq->ring, &cqe) == 0) {
		struct vccw_be_blk_req *req = io_uring_cqe_get_data(cqe);
		int res = cqe->res, rc;

		io_uring_cqe_seen(&fq->ring, cqe);
		rc = finish(to_file(q->be), req, res);
		free(req->bounce);
		req->bounce = NULL;
		req->bounce_len = 0;
		q->inflight--;
		req->done(req, rc);
	}
}

/*
 * Lock-free: the I/O thread polls this while another thread may reap under the device
 * lock (a reset drains the queue from the thread that resets). The reaper advances the
 * head with a release store; liburing's io_uring_cq_ready() reads it with a plain load,
 * a data race, so both indices are read here with atomic loads.
 */
static bool file_queue_ready(struct vccw_be_blk_queue *q)
{
	struct io_uring *ring = &to_fq(q)->ring;
	unsigned int tail = __atomic_load_n(ring->cq.ktail, __ATOMIC_ACQUIRE);

	return tail != __atomic_load_n(ring->cq.khead, __ATOMIC_RELAXED);
}
#endif /* VCCW_HAVE_LIBURING */

static const struct vccw_be_blk_ops file_ops = {
	.kind = "file",
	.preadv = file_preadv,
	.pwritev = file_pwritev,
	.flush = file_flush,
	.discard = file_discard,
	.write_zeroes = file_write_zeroes,
	.close = file_close,
#ifdef VCCW_HAVE_LIBURING
	.queue_new = file_queue_new,
	.queue_free = file_queue_free,
	.queue_submit = file_queue_submit,
	.queue_flush = file_queue_flush,
	.queue_complete = file_queue_complete,
	.queue_ready = file_queue_ready,
#endif
};

/*
 * Lock the whole image with an open file description lock, as QEMU's file driver does
 * with its permission bytes: a writer excludes every other user, a reader every writer,
 * so one image behind two writable drives (or a drive and another running vccw-vm or
 * QEMU) is refused. The lock goes with the last close of the descriptor, also when the
 * process is killed.
 */
static int lock_image(int fd, bool readonly, const char *path, struct vccw_err *err)
{
	struct flock fl = { .l_type = readonly ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return vccw_err_set(err, EBUSY,
				    "%s: the image is in use (locked for %s by another drive or "
				    "process)", path, readonly ? "writing" : "reading or writing");
	/* A file system without locks (some network ones): run unlocked, as QEMU does. */
	if (errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return vccw_err_set(err, errno, "%s: cannot lock the image: %s", path, strerror(errno));
}

int vccw_be_blk_parse_cache(const char *str, enum vccw_be_blk_cache *out)
{
	static const char *const names[] = {
		[VCCW_BE_BLK_CACHE_WRITEBACK] = "writeback",
		[VCCW_BE_BLK_CACHE_NONE] = "none",
		[VCCW_BE_BLK_CACHE_WRITETHROUGH] = "writethrough",
		[VCCW_BE_BLK_CACHE_DIRECTSYNC] = "directsync",
		[VCCW_BE_BLK_CACHE_UNSAFE] = "unsafe",
	};
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(names); i++) {
		if (str && !strcmp(str, names[i])) {
			*out = (enum vccw_be_blk_cache)i;
			return 0;
		}
	}
	return -EINVAL;
}

int vccw_be_blk_parse_aio(const char *str, enum vccw_be_blk_aio *out)
{
	if (!str)
		return -EINVAL;
	if (!strcmp(str, "threads"))
		*out = VCCW_BE_BLK_AIO_THREADS;
	else if (!strcmp(str, "io_uring"))
		*out = VCCW_BE_BLK_AIO_IO_URING;
	else if (!strcmp(str, "native"))
		*out = VCCW_BE_BLK_AIO_NATIVE;
	else
		return -EINVAL;
	return 0;
}

bool vccw_be_blk_have_io_uring(void)
{
#ifdef VCCW_HAVE_LIBURING
	return true;
#else
	return false;
#endif
}

/* Direct-I/O alignment of @fd (statx STATX_DIOALIGN where the kernel has it). */
static void dio_align(int fd, uint32_t *mem, uint32_t *off)
{
	*mem = 512;
	*off = 512;
#ifdef STATX_DIOALIGN
	{
		struct statx sx;

		if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
		    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align) {
			*mem = sx.stx_dio_mem_align ? sx.stx_dio_mem_align : 512;
			*off = sx.stx_dio_offset_align;
		}
	}
#endif
}

struct vccw_be_blk *vccw_be_blk_file_open(const char *path, bool readonly, struct vccw_err *err)
{
	struct vccw_be_blk_file_opts opts = { .readonly = readonly };

	return vccw_be_blk_file_open_opts(path, &opts, err);
}

struct vccw_be_blk *vccw_be_blk_file_open_opts(const char *path,
					       const struct vccw_be_blk_file_opts *opts,
					       struct vccw_err *err)
{
	enum vccw_be_blk_cache cache = opts->cache;
	bool readonly = opts->readonly;
	struct be_file *f;
	struct stat st;
	int fd, rc, flags;

	if (opts->aio != VCCW_BE_BLK_AIO_THREADS && !vccw_be_blk_have_io_uring()) {
		vccw_err_set(err, ENOTSUP, "%s: aio=%s needs io_uring, and this build has no "
			     "liburing (install liburing-dev and rebuild)", path,
			     opts->aio == VCCW_BE_BLK_AIO_NATIVE ? "native" : "io_uring");
		return NULL;
	}
	/*
	 * O_NONBLOCK: opening a FIFO (read-only above all) would otherwise wait for a peer;
	 * it is refused below like any file that is neither regular nor a block device, and
	 * the flag is cleared again once the file is known to be an image.
	 */
	flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK;
	if (cache == VCCW_BE_BLK_CACHE_NONE || cache == VCCW_BE_BLK_CACHE_DIRECTSYNC)
		flags |= O_DIRECT;
	if (cache == VCCW_BE_BLK_CACHE_WRITETHROUGH || cache == VCCW_BE_BLK_CACHE_DIRECTSYNC)
		flags |= O_DSYNC;
	fd = open(path, flags);
	if (fd < 0) {
		rc = errno;
		if (rc == EINVAL && (flags & O_DIRECT))
			vccw_err_set(err, rc, "%s: the file system does not support O_DIRECT "
				     "(cache=none or directsync)", path);
		else
			vccw_err_set(err, rc, "%s: %s", path, strerror(rc));
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		vccw_err_set(err, ENOMEM, "%s: out of memory", path);
		goto err_close;
	}
	if (fstat(fd, &st) < 0) {
		vccw_err_set(err, errno, "%s: %s", path, strerror(errno));
		goto err_free;
	}
	f->be.block_size = 512;
	if (S_ISREG(st.st_mode)) {
		f->be.size = (uint64_t)st.st_size;
		/*
		 * The guest sees whole 512-byte sectors: a tail would be invisible to it and
		 * never written, so such an image is refused rather than silently cut.
		 */
		if (f->be.size % 512 && !opts->any_size) {
			vccw_err_set(err, EINVAL,
				     "%s: size %llu is not a multiple of 512 bytes (the last %u "
				     "bytes would be invisible to the guest)",
				     path, (unsigned long long)f->be.size,
				     (unsigned int)(f->be.size % 512));
			goto err_free;
		}
	} else if (S_ISBLK(st.st_mode)) {
		uint64_t size;
		int ssz;

		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			rc = errno;
			vccw_err_set(err, rc, "%s: cannot get the device size: %s", path,
				     strerror(rc));
			goto err_free;
		}
		f->be.size = size;
		if (ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz >= 512 && !(ssz & (ssz - 1)))
			f->be.block_size = (uint32_t)ssz;
	} else {
		vccw_err_set(err, EINVAL, "%s: not a regular file or block device", path);
		goto err_free;
	}
	/* Back to blocking I/O; then the image lock. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		vccw_err_set(err, errno, "%s: %s", path, strerror(errno));
		goto err_free;
	}
	if (lock_image(fd, readonly, path, err))
		goto err_free;
	f->fd = fd;
	f->be.ops = &file_ops;
	f->be.readonly = readonly;
	f->be.cache = cache;
	f->be.aio = opts->aio;
	f->no_flush = cache == VCCW_BE_BLK_CACHE_UNSAFE;
	f->direct = flags & O_DIRECT;
	if (f->direct) {
		dio_align(fd, &f->mem_align, &f->off_align);
		if (f->off_align > f->be.block_size && f->off_align <= 4096)
			f->be.block_size = f->off_align;
	}
	return &f->be;

err_free:
	free(f);
err_close:
	close(fd);
	return NULL;
}
