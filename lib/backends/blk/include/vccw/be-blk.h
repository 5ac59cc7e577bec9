/* SPDX-License-Identifier: MIT */
/*
 * Block backends: what a virtio-blk device (or any other disk) reads and writes. A
 * backend is an object with a size, a read-only flag and a logical block size, plugged
 * in through a const struct vccw_be_blk_ops; the raw backend over a host file or block
 * device is the first kind. Offsets and lengths are in bytes. The backend knows nothing
 * about guests: a device checks the guest's request (virtio spec v1.2 section 5.2.6) and
 * turns a backend error into VIRTIO_BLK_S_IOERR.
 *
 * Completion rule: every blocking call returns only after the operation is done, and a
 * request of a queue (vccw_be_blk_queue_*) calls its done only then. A write has
 * reached the host kernel (not necessarily stable storage) when it completes, unless the
 * cache mode says otherwise (writethrough, directsync: stable); flush completes after
 * the host reported the data stable (fdatasync), except with cache=unsafe.
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

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Host cache modes, with QEMU's meaning (-drive cache=): whether the host page cache is
 * bypassed (O_DIRECT), whether every write is stable when it completes (O_DSYNC), and
 * whether flush requests reach the host at all.
 */
enum vccw_be_blk_cache {
	VCCW_BE_BLK_CACHE_WRITEBACK,    /* page cache; stable after a flush (fdatasync) */
	VCCW_BE_BLK_CACHE_NONE,         /* O_DIRECT; stable after a flush */
	VCCW_BE_BLK_CACHE_WRITETHROUGH, /* page cache + O_DSYNC: stable on completion */
	VCCW_BE_BLK_CACHE_DIRECTSYNC,   /* O_DIRECT + O_DSYNC: stable on completion */
	VCCW_BE_BLK_CACHE_UNSAFE,       /* page cache; flush ignored: nothing is promised */
};

/* How requests reach the host (-drive aio=). */
enum vccw_be_blk_aio {
	VCCW_BE_BLK_AIO_THREADS,  /* blocking calls on the device's I/O thread, one at a time */
	VCCW_BE_BLK_AIO_IO_URING, /* io_uring: many requests in flight per queue */
	VCCW_BE_BLK_AIO_NATIVE,   /* Linux AIO in QEMU; here the same io_uring path */
};

/*
 * Zero writes (-drive detect-zeroes=, QEMU's meaning): off; on, a write whose data is all
 * zeroes becomes a write-zeroes request; unmap, it may also deallocate the range (only
 * when discards are passed on, see discard_ignore).
 */
enum vccw_be_blk_detect_zeroes {
	VCCW_BE_BLK_DETECT_ZEROES_OFF,
	VCCW_BE_BLK_DETECT_ZEROES_ON,
	VCCW_BE_BLK_DETECT_ZEROES_UNMAP,
};

struct vccw_be_blk;
struct vccw_be_blk_queue;

/* ---- Requests in flight ---- */

enum vccw_be_blk_op {
	VCCW_BE_BLK_OP_READ,
	VCCW_BE_BLK_OP_WRITE,
	VCCW_BE_BLK_OP_FLUSH,        /* io_uring: IORING_OP_FSYNC with DATASYNC */
	VCCW_BE_BLK_OP_DISCARD,      /* fallocate PUNCH_HOLE; "cannot" is success */
	VCCW_BE_BLK_OP_WRITE_ZEROES, /* fallocate ZERO_RANGE (PUNCH_HOLE with may_unmap) */
};

/*
 * One request for vccw_be_blk_queue_submit(), owned by the caller until @done runs.
 * The caller fills the fields up to @done; the rest belongs to the backend.
 */
struct vccw_be_blk_req {
	enum vccw_be_blk_op op;
	const struct iovec *iov; /* READ, WRITE: borrowed until @done */
	unsigned int iovcnt;
	uint64_t off;            /* bytes */
	uint64_t len;            /* DISCARD, WRITE_ZEROES: bytes */
	bool may_unmap;          /* WRITE_ZEROES */
	/*
	 * Called exactly once with 0 or -errno. Context: inside vccw_be_blk_queue_submit()
	 * for aio=threads, inside vccw_be_blk_queue_complete() / _drain() otherwise; it may
	 * submit again (with @req or another request).
	 */
	void (*done)(struct vccw_be_blk_req *req, int rc);
	/* Backend state. */
	void *bounce;
	uint64_t bounce_len;
	/* Front state (accounting of a request in flight). */
	void (*caller_done)(struct vccw_be_blk_req *req, int rc);
	struct vccw_be_blk *owner;
	uint64_t start_ns;
};

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
	/*
	 * Requests in flight (aio=io_uring/native). NULL: the front executes every
	 * request inline, through the calls above (aio=threads). @queue_new returns a
	 * queue embedding struct vccw_be_blk_queue; @queue_complete reaps what has
	 * completed (with @wait: at least one, blocking) and calls each request's done.
	 */
	struct vccw_be_blk_queue *(*queue_new)(struct vccw_be_blk *be, unsigned int depth,
					       struct vccw_err *err);
	void (*queue_free)(struct vccw_be_blk_queue *q);
	int (*queue_submit)(struct vccw_be_blk_queue *q, struct vccw_be_blk_req *req);
	void (*queue_flush)(struct vccw_be_blk_queue *q);
	void (*queue_complete)(struct vccw_be_blk_queue *q, bool wait);
	/* True (lock-free) when completions wait to be reaped. */
	bool (*queue_ready)(struct vccw_be_blk_queue *q);
};

/* A queue of requests in flight on one thread; kinds embed it. Fields read-only. */
struct vccw_be_blk_queue {
	struct vccw_be_blk *be;
	unsigned int inflight; /* submitted, done not yet called */
	int fd;                /* readable when completions wait (-1: none, inline queue) */
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
	/* Time from submission to completion, summed, in ns (CLOCK_MONOTONIC). */
	uint64_t rd_total_time_ns, wr_total_time_ns, flush_total_time_ns, unmap_total_time_ns;
};

/* A backend object; kinds embed it as their first member. Fields are read-only. */
struct vccw_be_blk {
	const struct vccw_be_blk_ops *ops;
	uint64_t size;       /* bytes */
	bool readonly;
	uint32_t block_size; /* logical block size in bytes (512 for files) */
	enum vccw_be_blk_cache cache;
	enum vccw_be_blk_aio aio;
	/*
	 * Set by the embedder before first use (0 after open). @discard_ignore: discards
	 * complete without reaching the host (QEMU's discard=ignore, its default; false is
	 * discard=unmap). @zeroes_keep: a write-zeroes never deallocates, whatever its
	 * may_unmap (QEMU strips the flag at a protocol node without discard=unmap).
	 * @detect_zeroes: above.
	 */
	bool discard_ignore;
	bool zeroes_keep;
	enum vccw_be_blk_detect_zeroes detect_zeroes;
	/* Updated atomically by the wrappers; read it with vccw_be_blk_get_stats(). */
	struct vccw_be_blk_stats stats;
};

struct vccw_be_blk_file_opts {
	bool readonly;                /* O_RDONLY; the device offers RO */
	enum vccw_be_blk_cache cache; /* default writeback */
	enum vccw_be_blk_aio aio;     /* default threads */
	/*
	 * Accept a regular file whose size is not a multiple of 512 (QEMU's file nodes,
	 * which may hold a qcow2 image): a disk over it shows the whole sectors only.
	 */
	bool any_size;
};

/* Parse QEMU's spelling ("none", "writeback" ...; "io_uring", "threads", "native"). */
int vccw_be_blk_parse_cache(const char *str, enum vccw_be_blk_cache *out);
int vccw_be_blk_parse_aio(const char *str, enum vccw_be_blk_aio *out);
/* "off", "on", "unmap". Returns 0 or -EINVAL. */
int vccw_be_blk_parse_detect_zeroes(const char *str, enum vccw_be_blk_detect_zeroes *out);
/* True when this build has io_uring (liburing found at build time). */
bool vccw_be_blk_have_io_uring(void);

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
 * As vccw_be_blk_file_open() with a cache mode and an aio kind. With O_DIRECT (cache
 * none, directsync) transfers whose buffers or lengths do not meet the file's direct-I/O
 * alignment go through an aligned bounce buffer, and the logical block size is the
 * file's direct-I/O offset alignment when that is above 512. aio io_uring or native in a
 * build without liburing: -ENOTSUP with a message saying so.
 */
struct vccw_be_blk *vccw_be_blk_file_open_opts(const char *path,
					       const struct vccw_be_blk_file_opts *opts,
					       struct vccw_err *err);

/*
 * Where an NBD backend finds its server: exactly one of @uri, @socket, @host or
 * @server_argv. Strings are borrowed for the call.
 */
struct vccw_be_blk_nbd_opts {
	const char *uri;         /* nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH */
	const char *host;        /* TCP, with @port (NULL: 10809) */
	const char *port;
	const char *socket;      /* a unix socket */
	const char *export_name; /* with @host, @socket, @server_argv; NULL: "" */
	/*
	 * A server to start with systemd socket activation (LISTEN_FDS), e.g. qemu-nbd;
	 * NULL-terminated, argv[0] looked up in PATH. It is stopped when the backend closes.
	 */
	char *const *server_argv; /* not modified */
	bool readonly; /* refuse writes; a read-only export needs it */
};

/*
 * Open an NBD backend (libnbd). The size is the export's; flush, discard and write
 * zeroes go to the server when it offers them (no flush offered: flush does nothing;
 * no trim: discard is -EOPNOTSUPP; no write zeroes: zeroes are written).
 * Returns: a new backend owned by the caller, or NULL with @err filled (the message
 * names the server); -ENOTSUP when the build has no libnbd (vccw_be_blk_have_nbd()).
 * Context: any thread; blocks while connecting (and starting @server_argv).
 */
struct vccw_be_blk *vccw_be_blk_nbd_open(const struct vccw_be_blk_nbd_opts *opts,
					 struct vccw_err *err);
/* True when this build has the NBD backend (libnbd found at build time). */
bool vccw_be_blk_have_nbd(void);

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
/*
 * A queue for up to @depth requests in flight, used by one thread at a time (a
 * device's I/O thread). With aio=threads the queue executes each request inline.
 * Returns a new queue owned by the caller, or NULL with @err filled.
 */
struct vccw_be_blk_queue *vccw_be_blk_queue_new(struct vccw_be_blk *be, unsigned int depth,
						struct vccw_err *err);
/* Wait for every request in flight (their done runs), then free. NULL is a no-op. */
void vccw_be_blk_queue_free(struct vccw_be_blk_queue *q);
/*
 * Queue @req. The same checks as the blocking calls (range, read-only) come first.
 * Returns 0 (done will be called) or -errno (not queued; done is not called).
 */
int vccw_be_blk_queue_submit(struct vccw_be_blk_queue *q, struct vccw_be_blk_req *req);
/* Hand the queued requests to the host (one system call for a batch). */
void vccw_be_blk_queue_flush(struct vccw_be_blk_queue *q);
/* Reap completed requests (calling their done); with @wait block for one at least. */
void vccw_be_blk_queue_complete(struct vccw_be_blk_queue *q, bool wait);
/* Complete everything in flight. */
void vccw_be_blk_queue_drain(struct vccw_be_blk_queue *q);
/* Completions wait to be reaped (lock-free, for a polling thread). */
bool vccw_be_blk_queue_ready(struct vccw_be_blk_queue *q);

/* Copy @be's counters to @out. Context: any thread (each counter is read atomically). */
void vccw_be_blk_get_stats(struct vccw_be_blk *be, struct vccw_be_blk_stats *out);
/* Close @be and free it. NULL is a no-op. */
void vccw_be_blk_close(struct vccw_be_blk *be);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_BE_BLK_H */
