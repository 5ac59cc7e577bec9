/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' sandbox for vccw-vm's backends (fuzz_cmdline.c, fuzz_qmp.c): what a
 * parsed and checked backend would open on the host is replaced, before it opens, by a
 * harmless stand-in. Drive images and file chardevs (and logfile=) become anonymous
 * in-memory files (memfds), socket, pty and stdio chardevs null ones, every netdev but
 * loopback and none a "none" one. NBD, qcow2 and snapshot=on nodes (a connection, or a
 * qemu-nbd process) have no stand-in: they are refused.
 */
#ifndef FUZZ_SANDBOX_H
#define FUZZ_SANDBOX_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm-int.h"

#define SANDBOX_FDS_MAX 1024
#define SANDBOX_IMAGE_SIZE (1u << 20)

/* The memfds made for one input; closed by sandbox_fds_close() once backends opened. */
struct sandbox_fds {
	int fd[SANDBOX_FDS_MAX];
	unsigned int nr;
};

/* A path to a new anonymous file of @size bytes (its fd kept in @f), or NULL. */
static inline char *sandbox_memfd_path(struct sandbox_fds *f, size_t size)
{
	char *path;
	int fd;

	if (f->nr >= SANDBOX_FDS_MAX)
		return NULL;
	fd = memfd_create("vccw-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) || asprintf(&path, "/proc/self/fd/%d", fd) < 0) {
		close(fd);
		return NULL;
	}
	f->fd[f->nr++] = fd;
	return path;
}

static inline void sandbox_fds_close(struct sandbox_fds *f)
{
	while (f->nr)
		close(f->fd[--f->nr]);
}

/*
 * A storage node and its file= children with their host files replaced by memfds.
 * False when the node cannot be opened harmlessly: NBD, qcow2, snapshot=on.
 */
static inline bool sandbox_drive(struct vm_drive *d, struct sandbox_fds *f, unsigned int depth)
{
	if (!d || depth > 4)
		return !d;
	if (d->driver == VM_BLK_NBD || d->driver == VM_BLK_QCOW2 || d->snapshot || d->nbd_uri ||
	    d->nbd_host || d->nbd_port || d->nbd_socket || d->nbd_export)
		return false;
	if (d->file && !d->be) {
		free(d->file);
		d->file = sandbox_memfd_path(f, SANDBOX_IMAGE_SIZE);
		if (!d->file)
			return false;
	}
	return sandbox_drive(d->child, f, depth + 1);
}

/* No socket, no pty, no terminal, no log file of the host: only null or a memfd. */
static inline void sandbox_chardev(struct vm_chardev *c, struct sandbox_fds *f)
{
	free(c->path);
	c->path = NULL;
	if (c->kind == VM_CHARDEV_FILE)
		c->path = sandbox_memfd_path(f, 0);
	if (!c->path)
		c->kind = VM_CHARDEV_NULL;
	free(c->host);
	free(c->port);
	c->host = c->port = NULL;
	if (c->logfile) {
		free(c->logfile);
		c->logfile = sandbox_memfd_path(f, 0);
	}
	c->server = false;
	c->wait = false;
}

/*
 * The backend opened is the parsed one (cfg.kind): user (hostfwd binds host ports),
 * tap, stream, dgram and socket fds would reach the host's network or the fuzzer's own
 * descriptors, so all but loopback become "none".
 */
static inline void sandbox_netdev(struct vm_netdev *nd)
{
	if (nd->cfg.kind != VM_NETDEV_LOOPBACK && nd->cfg.kind != VM_NETDEV_NONE) {
		free(nd->type);
		nd->type = strdup("none");
		vm_kv_free(&nd->opts);
		nd->cfg.kind = VM_NETDEV_NONE;
	}
}

#endif /* FUZZ_SANDBOX_H */
