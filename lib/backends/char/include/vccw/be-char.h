/* SPDX-License-Identifier: MIT */
/*
 * Character backends: byte streams behind consoles and serial ports. A backend takes
 * output bytes without ever blocking, hands over the input bytes available right now
 * without blocking, and names two host file descriptors for the owner's event loop to
 * watch for readability (vccw_virtio_dev_watch_fd()): one when input may be waiting,
 * one when buffered output can move on. Both stay the same for the life of the backend,
 * even when a socket client comes and goes.
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
 * Flow control, input: a consumer that cannot take more input calls
 * vccw_be_char_set_input(be, false); the watched fd then stops reporting input until
 * input is enabled again, so a level-triggered event loop does not spin.
 *
 * Flow control, output: a peer that stops reading (a stalled terminal, a socket client
 * that does not read) must not stall the caller, which may hold a device lock that the
 * channel thread needs. Bytes the host fd does not take at once wait in a per-backend
 * buffer of VCCW_BE_CHAR_OUTBUF bytes; when that is full vccw_be_char_write() takes
 * fewer bytes than offered and the caller keeps the rest. The output fd is readable
 * while buffered bytes wait and the host fd has room: the owner then calls
 * vccw_be_char_flush() and offers more.
 *
 * Context: one thread at a time per backend, under the owning device's lock (its I/O
 * thread; the channel thread for an emergency write); nothing here locks or waits.
 */
#ifndef VCCW_BE_CHAR_H
#define VCCW_BE_CHAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vccw_be_char;

/* Output a backend keeps for a peer that does not read fast enough. */
#define VCCW_BE_CHAR_OUTBUF (64u * 1024)

/* Hooks of a backend kind. None may block. */
struct vccw_be_char_ops {
	const char *kind; /* "stdio", "file", "socket" ... */
	/*
	 * Take up to @len (> 0) bytes of @buf for output: write what the host fd takes now,
	 * buffer what it does not, up to VCCW_BE_CHAR_OUTBUF bytes in all. Returns the count
	 * taken (fewer than @len only when the buffer is full; output nobody receives is
	 * dropped and counts as taken), or -errno when the output failed (the bytes and
	 * whatever was buffered are dropped). Required.
	 */
	ssize_t (*write)(struct vccw_be_char *be, const void *buf, size_t len);
	/* Write buffered bytes the host fd takes now. Returns the bytes still buffered, or
	 * -errno (buffer dropped). NULL: nothing is ever buffered, 0. */
	ssize_t (*flush)(struct vccw_be_char *be);
	/* The fd readable while buffered output can move on, or -1. NULL: -1. */
	int (*output_fd)(struct vccw_be_char *be);
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

/*
 * A backend over a pseudo-terminal: input from and output to @master (non-blocking),
 * with @slave, an open file description of the other end that the backend alone uses,
 * kept open so that output waits in the terminal for a reader who attaches later.
 * Output never stalls the caller: when the terminal and the output buffer are full
 * (nobody reads, or too slowly), the terminal's oldest bytes are read away from @slave
 * and dropped, so a reader finds the newest output. (QEMU instead drops everything
 * while no reader is attached, and makes the guest wait for a slow one.)
 * The backend owns both fds and closes them at vccw_be_char_close(); @slave is made
 * O_NONBLOCK.
 * Returns: a new backend, or NULL with @err filled (the fds are then still the caller's).
 */
struct vccw_be_char *vccw_be_char_pty_new(int master, int slave, struct vccw_err *err);

/*
 * A listening unix stream socket (non-blocking, close-on-exec) at @path that appears in
 * the file system only once it listens: it is bound and listening under a temporary
 * name beside @path first, then linked to @path. A client that waits for @path to exist
 * and connects is therefore never refused. An existing file at @path is an error
 * (EEXIST), unless @replace_socket and it is a socket (one left by an earlier run),
 * which is then replaced; any other file is never removed.
 * Returns: the fd, or -errno with @err filled.
 */
int vccw_unix_listen(const char *path, int backlog, bool replace_socket, struct vccw_err *err);

/*
 * A server backend around a listening stream socket the caller made (unix, TCP: bound
 * and listening), serving one client at a time as the "socket:PATH,server" kind does.
 * The backend works on its own duplicate of @lfd (made non-blocking), so @lfd stays the
 * caller's to close either way.
 * Returns: a new backend owned by the caller, or NULL with @err filled.
 */
struct vccw_be_char *vccw_be_char_server_new(int lfd, struct vccw_err *err);

/*
 * For a server backend: wait until a client is connected (QEMU's server=on,wait=on:
 * nothing is lost because nobody listened yet), at most @timeout_ms (-1: for ever).
 * Returns: true once a client is connected (at once for any other kind), false on
 * time-out or error. Context: blocks; before the backend is shared with other threads.
 */
bool vccw_be_char_server_wait(struct vccw_be_char *be, int timeout_ms);

/*
 * Whether a peer is there to take output: a server backend accepts a waiting client
 * first; every other kind is always connected. @gen (may be NULL) gets the number of
 * clients a server has accepted so far (0 for other kinds), so an owner sees a new
 * connection even when the previous client left meanwhile (a monitor then greets it).
 * Context: as the other calls on @be.
 */
bool vccw_be_char_connected(struct vccw_be_char *be, uint64_t *gen);

/*
 * Output @len bytes of @buf without blocking (see "Flow control, output").
 * Returns: the bytes taken, from 0 (buffer full: offer them again once the output fd is
 * readable) to @len (also when nobody receives output: no client, "null"); or -errno
 * when the output failed (-EPIPE: the peer went away), the bytes then being dropped.
 */
ssize_t vccw_be_char_write(struct vccw_be_char *be, const void *buf, size_t len);
/*
 * Move buffered output on, without blocking. Returns: the bytes still buffered (0: all
 * written), or -errno when the output failed (the buffered bytes are dropped).
 */
ssize_t vccw_be_char_flush(struct vccw_be_char *be);
/*
 * The fd to watch (for readability) for buffered output that can move on: call
 * vccw_be_char_flush() when it fires. Stable for the backend's life; -1 when the
 * backend never buffers output.
 */
int vccw_be_char_output_fd(struct vccw_be_char *be);
/* Read available input. Returns: bytes read, 0 when none is available, or -errno. */
ssize_t vccw_be_char_read(struct vccw_be_char *be, void *buf, size_t len);
/* The fd to watch for input (stable for the backend's life), or -1 when there is none. */
int vccw_be_char_input_fd(struct vccw_be_char *be);
/* Pause (@enable false) or resume input reporting on the watched fd. */
void vccw_be_char_set_input(struct vccw_be_char *be, bool enable);
/* Close @be and free it. NULL is a no-op. */
void vccw_be_char_close(struct vccw_be_char *be);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_BE_CHAR_H */
