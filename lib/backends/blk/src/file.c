// SPDX-License-Identifier: MIT
/*
 * Raw block backend over a host regular file or block device: preadv/pwritev with
 * retries on EINTR and short transfers, fdatasync for flush, fallocate hole punching for
 * discard, and fallocate ZERO_RANGE / PUNCH_HOLE for write zeroes (the front writes
 * zeroes by hand when neither works).
 */
#define _GNU_SOURCE /* fallocate(), accept4() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vccw/be-blk.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

struct be_file {
	struct vccw_be_blk be;
	int fd;
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

static int file_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	return file_rw(to_file(be), iov, iovcnt, off, false);
}

static int file_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			uint64_t off)
{
	return file_rw(to_file(be), iov, iovcnt, off, true);
}

static int file_flush(struct vccw_be_blk *be)
{
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

static const struct vccw_be_blk_ops file_ops = {
	.kind = "file",
	.preadv = file_preadv,
	.pwritev = file_pwritev,
	.flush = file_flush,
	.discard = file_discard,
	.write_zeroes = file_write_zeroes,
	.close = file_close,
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

struct vccw_be_blk *vccw_be_blk_file_open(const char *path, bool readonly, struct vccw_err *err)
{
	struct be_file *f;
	struct stat st;
	int fd, rc;

	/*
	 * O_NONBLOCK: opening a FIFO (read-only above all) would otherwise wait for a peer;
	 * it is refused below like any file that is neither regular nor a block device.
	 */
	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		vccw_err_set(err, errno, "%s: %s", path, strerror(errno));
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
		if (f->be.size % 512) {
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
	return &f->be;

err_free:
	free(f);
err_close:
	close(fd);
	return NULL;
}
