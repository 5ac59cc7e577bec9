/* SPDX-License-Identifier: MIT */
/*
 * Character backends: byte streams behind consoles and serial ports. A backend writes
 * bytes out (all of them), hands over the input bytes available right now without
 * blocking, and names one host file descriptor that becomes readable when input may be
 * waiting, for the owner's event loop to watch (vccw_virtio_dev_watch_fd()). That fd
 * stays the same for the life of the backend, even when a socket client comes and goes.
 *
 * Kinds, by spec string (vccw_be_char_open(), mapped from vccw-vm's -chardev):
 *   "null"                   output dropped, no input
 *   "stdio"                  output to stdout, input from stdin (not closed at the end)
 *   "file:PATH[,append]"     output to PATH (created, truncated unless append), no input
 *   "socket:PATH,server"     listen on a unix socket at PATH (created, removed on
 *                            close); one client at a time, accepted when it connects;
 *                            output is dropped while no client is connected
 *   "socket:PATH"            connect to a unix socket at PATH
 *
 * Flow control: a consumer that cannot take more input calls vccw_be_char_set_input(be,
 * false); the watched fd then stops reporting input until input is enabled again, so a
 * level-triggered event loop does not spin.
 *
 * Context: one thread at a time per backend (the owning device's I/O thread, under its
 * lock); nothing here locks.
 */
#ifndef VCCW_BE_CHAR_H
#define VCCW_BE_CHAR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vccw/types.h"

struct vccw_be_char;

/* Hooks of a backend kind. */
struct vccw_be_char_ops {
	const char *kind; /* "stdio", "file", "socket" ... */
	/* Write all @len bytes of @buf. May block while the peer is slow. 0 or -errno. */
	int (*write)(struct vccw_be_char *be, const void *buf, size_t len);
	/*
	 * Read up to @len bytes that are available now, never blocking. Returns the count,
	 * 0 when nothing is available (also after end of input), or -errno. NULL: no input.
	 */
	ssize_t (*read)(struct vccw_be_char *be, void *buf, size_t len);
	/* The fd to watch for input, or -1 for none. NULL: -1. */
	int (*input_fd)(struct vccw_be_char *be);
	/* Stop (@enable false) or restart reporting input on the fd. NULL: no-op. */
	void (*set_input)(struct vccw_be_char *be, bool enable);
	/* Release everything, including the object. Required. */
	void (*close)(struct vccw_be_char *be);
};

/* A backend object; kinds embed it as their first member. */
struct vccw_be_char {
	const struct vccw_be_char_ops *ops;
};

/*
 * Open a backend from @spec (see the kinds above).
 * Returns: a new backend owned by the caller (release with vccw_be_char_close()), or
 * NULL with @err filled: an unknown kind or option names the spec and the valid forms;
 * a host failure names the path and the reason.
 * Context: any thread; a client socket blocks in connect().
 */
struct vccw_be_char *vccw_be_char_open(const char *spec, struct vccw_err *err);

/*
 * A backend over file descriptors the caller already has (a pty, a pipe, one end of a
 * socketpair): input from @in_fd (-1: none), output to @out_fd (-1: dropped); they may
 * be the same fd. With @own, the backend takes ownership and closes them at
 * vccw_be_char_close(). An fd that cannot be polled (a regular file, /dev/null) gives
 * no input. The fds are used as they are: O_NONBLOCK is never changed.
 * Returns: a new backend owned by the caller, or NULL with @err filled (the fds are then
 * still the caller's).
 */
struct vccw_be_char *vccw_be_char_fd_new(int in_fd, int out_fd, bool own, struct vccw_err *err);

/* Write all of @buf. Returns: 0, or -errno (-EPIPE: the peer went away; data dropped). */
int vccw_be_char_write(struct vccw_be_char *be, const void *buf, size_t len);
/* Read available input. Returns: bytes read, 0 when none is available, or -errno. */
ssize_t vccw_be_char_read(struct vccw_be_char *be, void *buf, size_t len);
/* The fd to watch for input (stable for the backend's life), or -1 when there is none. */
int vccw_be_char_input_fd(struct vccw_be_char *be);
/* Pause (@enable false) or resume input reporting on the watched fd. */
void vccw_be_char_set_input(struct vccw_be_char *be, bool enable);
/* Close @be and free it. NULL is a no-op. */
void vccw_be_char_close(struct vccw_be_char *be);

#endif /* VCCW_BE_CHAR_H */
