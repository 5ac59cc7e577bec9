/* SPDX-License-Identifier: MIT */
/*
 * Block backends: what a virtio-blk device (or any other disk) reads and writes. A
 * backend is an object with a size, a read-only flag and a logical block size, plugged
 * in through a const struct vccw_be_blk_ops; the raw backend over a host file or block
 * device is the first kind. Offsets and lengths are in bytes. The backend knows nothing
 * about guests: a device checks the guest's request (virtio spec v1.2 section 5.2.6) and
 * turns a backend error into VIRTIO_BLK_S_IOERR.
 *
 * Completion rule: every call returns only after the operation is done. A write has
 * reached the host kernel (not necessarily stable storage) when pwritev returns; flush
 * returns after the host reported the data stable (fdatasync).
 *
 * Context: the calls may block (host I/O). One backend may be used by several threads
 * at once; the file backend keeps no per-call state.
 */
#ifndef VCCW_BE_BLK_H
#define VCCW_BE_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vccw/types.h"

struct vccw_be_blk;

/*
 * Hooks of a backend kind. Each returns 0 or -errno; ranges are already checked against
 * the size by the vccw_be_blk_*() wrappers, and writes are never called on a read-only
 * backend.
 */
struct vccw_be_blk_ops {
	const char *kind; /* "file" */
	/* Transfer the whole of @iov (@iovcnt entries) at byte offset @off. Required. */
	int (*preadv)(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		      uint64_t off);
	int (*pwritev)(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off);
	/* Make completed writes stable. NULL: nothing to do (returns 0). */
	int (*flush)(struct vccw_be_blk *be);
	/*
	 * Deallocate [@off, @off + @len); contents afterwards are unspecified. NULL or
	 * -EOPNOTSUPP: the backend cannot deallocate (not an I/O error).
	 */
	int (*discard)(struct vccw_be_blk *be, uint64_t off, uint64_t len);
	/*
	 * Make [@off, @off + @len) read back as zeroes; @may_unmap allows deallocating.
	 * NULL: the wrapper writes zeroes through pwritev.
	 */
	int (*write_zeroes)(struct vccw_be_blk *be, uint64_t off, uint64_t len, bool may_unmap);
	/* Release the backend and the object itself. Required. */
	void (*close)(struct vccw_be_blk *be);
};

/*
 * What the vccw_be_blk_*() wrappers counted since the backend was opened (QEMU's
 * BlockDeviceStats names): requests that reached the backend, bytes of the successful
 * ones, and failures. Requests refused before the backend (range, read-only) are not
 * counted, as QEMU counts them apart as invalid.
 */
struct vccw_be_blk_stats {
	uint64_t rd_bytes, wr_bytes, unmap_bytes;
	uint64_t rd_operations, wr_operations, flush_operations, unmap_operations;
	uint64_t failed_rd_operations, failed_wr_operations, failed_flush_operations;
	uint64_t failed_unmap_operations;
	uint64_t wr_highest_offset; /* end of the highest successful write */
};

/* A backend object; kinds embed it as their first member. Fields are read-only. */
struct vccw_be_blk {
	const struct vccw_be_blk_ops *ops;
	uint64_t size;       /* bytes */
	bool readonly;
	uint32_t block_size; /* logical block size in bytes (512 for files) */
	/* Updated atomically by the wrappers; read it with vccw_be_blk_get_stats(). */
	struct vccw_be_blk_stats stats;
};

/*
 * Open the raw backend over @path: a regular file (size = file size, which must be a
 * multiple of 512 bytes; 0 is allowed, as in QEMU: a disk without sectors) or a block
 * device (size and logical block size from the kernel). Anything else (a FIFO, a
 * character device, a directory) is refused without waiting in open(). @readonly opens
 * it O_RDONLY. The image is locked (open file description lock on the whole file): a
 * writable open excludes any other open, a read-only one excludes writable ones; a
 * conflict is -EBUSY.
 * Returns: a new backend owned by the caller (release with vccw_be_blk_close()), or
 * NULL with @err filled (the message names @path).
 * Context: any thread; may block in open() only on a slow file system.
 */
struct vccw_be_blk *vccw_be_blk_file_open(const char *path, bool readonly, struct vccw_err *err);

/*
 * Read/write @iov at byte offset @off. Short transfers and EINTR are retried inside.
 * Returns: 0; -EINVAL when the range is outside the backend; -EROFS for a write to a
 * read-only backend; -EIO when the file ended early; another -errno from the host.
 */
int vccw_be_blk_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off);
int vccw_be_blk_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			uint64_t off);
/* Make completed writes stable. Returns: 0 or -errno (-EROFS never: a no-op then). */
int vccw_be_blk_flush(struct vccw_be_blk *be);
/*
 * Deallocate a byte range. Returns: 0, -EOPNOTSUPP when the backend cannot (the caller
 * may treat that as success: discarding is advisory), -EINVAL, -EROFS or -errno.
 */
int vccw_be_blk_discard(struct vccw_be_blk *be, uint64_t off, uint64_t len);
/*
 * Make a byte range read back as zeroes, deallocating it if @may_unmap and the host can.
 * Returns: 0, -EINVAL, -EROFS or -errno.
 */
int vccw_be_blk_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			     bool may_unmap);
/* Copy @be's counters to @out. Context: any thread (each counter is read atomically). */
void vccw_be_blk_get_stats(struct vccw_be_blk *be, struct vccw_be_blk_stats *out);
/* Close @be and free it. NULL is a no-op. */
void vccw_be_blk_close(struct vccw_be_blk *be);

#endif /* VCCW_BE_BLK_H */
