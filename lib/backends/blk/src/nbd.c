// SPDX-License-Identifier: MIT
/*
 * NBD block backend: a disk served by an NBD server (QEMU's driver=nbd), through
 * libnbd (Debian libnbd-dev, LGPL-2.1+, linked dynamically; optional at build time).
 * The server is reached by TCP, by a unix socket, by an NBD URI, or started by us with
 * systemd socket activation (qemu-nbd serving a qcow2 image, say): libnbd hands it a
 * listening socket and stops it when the handle closes.
 *
 * A libnbd handle may be used by several threads at once (it has its own lock), so the
 * backend keeps no per-call state. Requests larger than the server's maximum are split.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/be-blk.h"

#ifdef VCCW_HAVE_LIBNBD
#include <libnbd.h>

/* Largest request we send (the NBD protocol's own bound is 32 MiB for data). */
#define NBD_CHUNK (4u << 20)

struct be_nbd {
	struct vccw_be_blk be;
	struct nbd_handle *h;
	bool can_flush, can_trim, can_zero;
};

static struct be_nbd *to_nbd(struct vccw_be_blk *be)
{
	return container_of(be, struct be_nbd, be);
}

/* libnbd's errno of the last call on this thread, never 0. */
static int nbd_errno(void)
{
	int e = nbd_get_errno();

	return e > 0 ? -e : -EIO;
}

static int nbd_rw(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		  uint64_t off, bool write)
{
	struct be_nbd *n = to_nbd(be);
	unsigned int i;

	for (i = 0; i < iovcnt; i++) {
		char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			size_t len = left < NBD_CHUNK ? left : NBD_CHUNK;
			int rc = write ? nbd_pwrite(n->h, p, len, off, 0)
				       : nbd_pread(n->h, p, len, off, 0);

			if (rc < 0)
				return nbd_errno();
			p += len;
			off += len;
			left -= len;
		}
	}
	return 0;
}

static int nbd_be_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
			 uint64_t off)
{
	return nbd_rw(be, iov, iovcnt, off, false);
}

static int nbd_be_pwritev(struct vccw_be_blk *be, const struct iovec *iov,
			  unsigned int iovcnt, uint64_t off)
{
	return nbd_rw(be, iov, iovcnt, off, true);
}

static int nbd_be_flush(struct vccw_be_blk *be)
{
	struct be_nbd *n = to_nbd(be);

	/* A server without NBD_FLAG_SEND_FLUSH writes through: nothing to do. */
	if (!n->can_flush)
		return 0;
	return nbd_flush(n->h, 0) < 0 ? nbd_errno() : 0;
}

/* NBD_CMD_TRIM / NBD_CMD_WRITE_ZEROES over [@off, @off + @len) in chunks. */
static int nbd_range(struct be_nbd *n, uint64_t off, uint64_t len, bool zero, uint32_t flags)
{
	while (len) {
		uint64_t l = len < (1u << 30) ? len : (1u << 30);
		int rc = zero ? nbd_zero(n->h, l, off, flags) : nbd_trim(n->h, l, off, 0);

		if (rc < 0)
			return nbd_errno();
		off += l;
		len -= l;
	}
	return 0;
}

static int nbd_be_discard(struct vccw_be_blk *be, uint64_t off, uint64_t len)
{
	struct be_nbd *n = to_nbd(be);

	return n->can_trim ? nbd_range(n, off, len, false, 0) : -EOPNOTSUPP;
}

static int nbd_be_write_zeroes(struct vccw_be_blk *be, uint64_t off, uint64_t len,
			       bool may_unmap)
{
	struct be_nbd *n = to_nbd(be);

	if (!n->can_zero)
		return -EOPNOTSUPP;
	/* NBD: without NO_HOLE the server may punch a hole; keep it allocated otherwise. */
	return nbd_range(n, off, len, true, may_unmap ? 0 : LIBNBD_CMD_FLAG_NO_HOLE);
}

static void nbd_be_close(struct vccw_be_blk *be)
{
	struct be_nbd *n = to_nbd(be);

	/* Closing the handle disconnects and, with socket activation, stops the server. */
	nbd_shutdown(n->h, 0);
	nbd_close(n->h);
	free(n);
}

static const struct vccw_be_blk_ops nbd_ops = {
	.kind = "nbd",
	.preadv = nbd_be_preadv,
	.pwritev = nbd_be_pwritev,
	.flush = nbd_be_flush,
	.discard = nbd_be_discard,
	.write_zeroes = nbd_be_write_zeroes,
	.close = nbd_be_close,
};

/* What messages call the server: the URI, the socket or host:port, or the command. */
static void describe(const struct vccw_be_blk_nbd_opts *o, char *buf, size_t len)
{
	if (o->uri)
		snprintf(buf, len, "%s", o->uri);
	else if (o->server_argv)
		snprintf(buf, len, "%s", o->server_argv[0]);
	else if (o->socket)
		snprintf(buf, len, "nbd+unix:///%s?socket=%s", o->export_name ? o->export_name : "",
			 o->socket);
	else
		snprintf(buf, len, "nbd://%s:%s/%s", o->host ? o->host : "",
			 o->port ? o->port : "10809", o->export_name ? o->export_name : "");
}

struct vccw_be_blk *vccw_be_blk_nbd_open(const struct vccw_be_blk_nbd_opts *opts,
					 struct vccw_err *err)
{
	struct be_nbd *n;
	char name[512];
	int64_t size;
	int rc, ways;

	describe(opts, name, sizeof(name));
	ways = !!opts->uri + !!opts->server_argv + !!opts->socket + !!opts->host;
	if (ways != 1) {
		vccw_err_set(err, EINVAL, "%s: give exactly one of an NBD URI, a unix socket, a "
			     "host or a server command", name);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	n->h = nbd_create();
	if (!n->h) {
		vccw_err_set(err, ENOMEM, "%s: %s", name, nbd_get_error());
		goto err_free;
	}
	/* A URI names its export itself; only local transports, no TLS we cannot verify. */
	if (!opts->uri && nbd_set_export_name(n->h, opts->export_name ? opts->export_name : ""))
		goto err_nbd;
	if (opts->uri)
		rc = nbd_connect_uri(n->h, opts->uri);
	else if (opts->server_argv)
		rc = nbd_connect_systemd_socket_activation(n->h, (char **)opts->server_argv);
	else if (opts->socket)
		rc = nbd_connect_unix(n->h, opts->socket);
	else
		rc = nbd_connect_tcp(n->h, opts->host, opts->port ? opts->port : "10809");
	if (rc < 0)
		goto err_nbd;
	size = nbd_get_size(n->h);
	if (size < 0)
		goto err_nbd;
	rc = nbd_is_read_only(n->h);
	if (rc < 0)
		goto err_nbd;
	if (rc && !opts->readonly) {
		vccw_err_set(err, EROFS, "%s: the NBD export is read-only (open it read-only)",
			     name);
		goto err_close;
	}
	n->can_flush = nbd_can_flush(n->h) == 1;
	n->can_trim = nbd_can_trim(n->h) == 1;
	n->can_zero = nbd_can_zero(n->h) == 1;
	n->be.ops = &nbd_ops;
	n->be.size = (uint64_t)size;
	n->be.readonly = opts->readonly;
	n->be.block_size = 512;
	return &n->be;
err_nbd:
	vccw_err_set(err, nbd_get_errno() > 0 ? nbd_get_errno() : EIO, "%s: %s", name,
		     nbd_get_error() ? nbd_get_error() : "NBD connection failed");
err_close:
	nbd_close(n->h);
err_free:
	free(n);
	return NULL;
}

bool vccw_be_blk_have_nbd(void)
{
	return true;
}

#else /* !VCCW_HAVE_LIBNBD */

struct vccw_be_blk *vccw_be_blk_nbd_open(const struct vccw_be_blk_nbd_opts *opts,
					 struct vccw_err *err)
{
	(void)opts;
	vccw_err_set(err, ENOTSUP, "NBD is not in this build (install libnbd-dev and rebuild)");
	return NULL;
}

bool vccw_be_blk_have_nbd(void)
{
	return false;
}

#endif
