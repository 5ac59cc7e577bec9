/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the character backends: the stable input fd (an epoll set holding
 * at most one source fd, emptied while input is paused or the source ended) and
 * write-all / read-available loops over host fds.
 */
#ifndef VCCW_BE_CHAR_INT_H
#define VCCW_BE_CHAR_INT_H

#include <stdbool.h>
#include <stddef.h>
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
 * Write all of @buf to @fd; @sock uses send(MSG_NOSIGNAL) so a gone peer is -EPIPE, not
 * SIGPIPE. Waits in poll() while the fd is non-blocking and full. Returns 0 or -errno.
 */
int char_write_all(int fd, bool sock, const void *buf, size_t len);
/*
 * Read what @fd has now without blocking. Returns the count, 0 when nothing is there,
 * -errno; *@eof is set when the peer ended the stream.
 */
ssize_t char_read_now(int fd, bool sock, void *buf, size_t len, bool *eof);

/* Kinds behind vccw_be_char_open(). */
struct vccw_be_char *char_socket_server_open(const char *path, struct vccw_err *err);
struct vccw_be_char *char_socket_client_open(const char *path, struct vccw_err *err);

#endif /* VCCW_BE_CHAR_INT_H */
