/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the character backends: the stable input fd (an epoll set holding
 * at most one source fd, emptied while input is paused or the source ended), the
 * bounded output buffer with its stable output fd (an epoll set holding the destination
 * while bytes wait for it), and the read-available loop over host fds.
 */
#ifndef VCCW_BE_CHAR_INT_H
#define VCCW_BE_CHAR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vccw/be-char.h"

struct char_input {
	int epfd;    /* what input_fd() reports; -1 when the backend has no input */
	int src;     /* fd whose input is reported, or -1 */
	bool paused; /* consumer asked for no input */
	bool armed;  /* src is in the epoll set */
};

/* Create the epoll set. Returns 0 or -errno. */
int char_input_init(struct char_input *in);
void char_input_fini(struct char_input *in);
/*
 * Report input from @fd (-1: from nothing). Returns 0, or -EPERM when @fd cannot be
 * polled (a regular file): the caller then has no input.
 */
int char_input_set_source(struct char_input *in, int fd);
void char_input_pause(struct char_input *in, bool enable);

/*
 * Output that the destination did not take yet: buf[off, off + len), at most
 * VCCW_BE_CHAR_OUTBUF bytes. Nothing here ever waits for the peer (be-char.h).
 */
struct char_output {
	int epfd;      /* what output_fd() reports: holds dst (EPOLLOUT) while len > 0 */
	int dst;       /* fd written to, or -1: output is dropped */
	int own_fd;    /* a private non-blocking reopening of the caller's fd, or -1 */
	bool sock;     /* dst is a socket: send(MSG_DONTWAIT | MSG_NOSIGNAL) */
	bool nonblock; /* a write to dst never waits (O_NONBLOCK, or a regular file) */
	bool armed;    /* dst is in the epoll set */
	size_t off, len;
	uint8_t *buf;
};

/* Create the buffer and the epoll set, with no destination. Returns 0 or -errno. */
int char_output_init(struct char_output *out);
/* Release them (buffered bytes are dropped) and close own_fd. */
void char_output_fini(struct char_output *out);
/*
 * Send output to @fd (-1: drop it); @sock as char_output. Buffered bytes meant for the
 * previous destination are dropped. A blocking pipe or terminal is reopened privately
 * with O_NONBLOCK (the caller's file description, maybe stdout's, is never changed).
 */
void char_output_set_dest(struct char_output *out, int fd, bool sock);
/*
 * Take up to @len bytes without blocking (vccw_be_char_write()). Returns the count
 * taken, or -errno when the destination failed: its buffered bytes are then dropped.
 */
ssize_t char_output_write(struct char_output *out, const void *buf, size_t len);
/* Move buffered bytes on without blocking. Returns the bytes still buffered or -errno. */
ssize_t char_output_flush(struct char_output *out);

/*
 * Read what @fd has now without blocking. Returns the count, 0 when nothing is there,
 * -errno; *@eof is set when the peer ended the stream.
 */
ssize_t char_read_now(int fd, bool sock, void *buf, size_t len, bool *eof);

/* Kinds behind vccw_be_char_open(). */
struct vccw_be_char *char_socket_server_open(const char *path, struct vccw_err *err);
struct vccw_be_char *char_socket_client_open(const char *path, struct vccw_err *err);

#endif /* VCCW_BE_CHAR_INT_H */
