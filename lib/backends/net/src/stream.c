// SPDX-License-Identifier: MIT
/*
 * The "stream" network backend: frames over a stream socket, each one preceded by its
 * length in 4 bytes, big-endian, the format of QEMU's -netdev stream and of -netdev
 * socket's listen=/connect= (read in QEMU's net/stream.c and net/socket.c for the facts).
 *
 * A listening backend holds the listening socket in its receive set until a peer comes,
 * then the peer's socket instead; when that peer hangs up it listens again. Input is
 * reassembled across reads; output that the socket takes only in part is kept and
 * finished before any later frame, so the stream never loses its framing.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net-int.h"

struct stream_be {
	struct vccw_be_net be; /* first */
	int lfd;               /* listening socket, or -1 */
	int fd;                /* the connection, or -1 */
	struct net_rx rx;      /* watches lfd or fd */

	/* Input: the length prefix, then the frame. */
	uint8_t hdr[4];
	size_t hdr_got;
	uint32_t len;          /* of the frame being read (valid once hdr_got == 4) */
	size_t got;
	uint8_t in[VCCW_BE_NET_MAX_FRAME];

	/* Output not yet taken by the socket (the tail of one framed frame). */
	uint8_t out[4 + VCCW_BE_NET_MAX_FRAME];
	size_t out_off, out_len;
};

static struct stream_be *to_stream(struct vccw_be_net *be)
{
	return container_of(be, struct stream_be, be);
}

static void watch(struct stream_be *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	net_rx_stop(&s->rx);
	if (epoll_ctl(s->rx.epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		s->rx.src = fd;
}

/* The peer is gone (or broke the framing): listen again, or stop for good. */
static void hang_up(struct stream_be *s)
{
	net_rx_stop(&s->rx);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->hdr_got = s->got = 0;
	s->out_off = s->out_len = 0;
	if (s->lfd >= 0)
		watch(s, s->lfd);
}

/* Write the pending output. Returns 1 when all is written, 0 when some is left, -1 when
 * the connection broke. */
static int flush_out(struct stream_be *s)
{
	ssize_t n;

	while (s->out_off < s->out_len) {
		n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			s->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	s->out_off = s->out_len = 0;
	return 1;
}

static int stream_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	struct stream_be *s = to_stream(be);
	size_t len = 0, off;
	unsigned int i;
	uint32_t be_len;
	int rc;

	if (s->fd < 0)
		return s->lfd >= 0 ? VCCW_BE_NET_DROPPED : -EPIPE;
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len > VCCW_BE_NET_MAX_FRAME)
		return VCCW_BE_NET_DROPPED;
	rc = flush_out(s);
	if (rc < 0) {
		hang_up(s);
		return s->lfd >= 0 ? VCCW_BE_NET_DROPPED : -EPIPE;
	}
	if (rc == 0)
		return VCCW_BE_NET_DROPPED; /* the previous frame still goes first */
	be_len = htonl((uint32_t)len);
	memcpy(s->out, &be_len, 4);
	off = 4;
	for (i = 0; i < iovcnt; i++) {
		memcpy(s->out + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	s->out_off = 0;
	s->out_len = off;
	if (flush_out(s) < 0) {
		hang_up(s);
		return s->lfd >= 0 ? VCCW_BE_NET_DROPPED : -EPIPE;
	}
	/* Taken whole or in part: the rest follows before anything else. */
	return 0;
}

/* Read into @dst up to @want bytes. Returns bytes read, 0 for nothing now, -1 hang-up. */
static ssize_t read_some(struct stream_be *s, void *dst, size_t want)
{
	ssize_t n;

	for (;;) {
		n = recv(s->fd, dst, want, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
}

static ssize_t stream_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	struct stream_be *s = to_stream(be);
	ssize_t n;
	int c;

	if (s->fd < 0) {
		if (s->lfd < 0 || s->rx.src != s->lfd)
			return 0;
		c = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return 0;
		s->fd = c;
		watch(s, c);
	}
	/* Finish output the socket had no room for, now that we are called anyway. */
	if (s->out_len && flush_out(s) < 0) {
		hang_up(s);
		return 0;
	}
	while (s->hdr_got < 4) {
		n = read_some(s, s->hdr + s->hdr_got, 4 - s->hdr_got);
		if (n <= 0)
			goto none;
		s->hdr_got += (size_t)n;
		if (s->hdr_got == 4) {
			memcpy(&s->len, s->hdr, 4);
			s->len = ntohl(s->len);
			if (s->len > VCCW_BE_NET_MAX_FRAME) {
				/* No frame is that long: the framing is lost, and the peer with it. */
				hang_up(s);
				return -EPROTO;
			}
			s->got = 0;
		}
	}
	while (s->got < s->len) {
		n = read_some(s, s->in + s->got, s->len - s->got);
		if (n <= 0)
			goto none;
		s->got += (size_t)n;
	}
	s->hdr_got = 0;
	if (s->len > len)
		return -EMSGSIZE;
	memcpy(buf, s->in, s->len);
	return s->len;
none:
	if (n < 0)
		hang_up(s);
	return 0;
}

static int stream_rx_fd(struct vccw_be_net *be)
{
	return to_stream(be)->rx.epfd;
}

static void stream_close(struct vccw_be_net *be)
{
	struct stream_be *s = to_stream(be);

	net_rx_fini(&s->rx);
	if (s->fd >= 0)
		close(s->fd);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
}

static const struct vccw_be_net_ops stream_ops = {
	.kind = "stream",
	.send = stream_send,
	.recv = stream_recv,
	.rx_fd = stream_rx_fd,
	.close = stream_close,
};

struct vccw_be_net *vccw_be_net_stream_new(int fd, bool listening, struct vccw_err *err)
{
	struct stream_be *s;
	socklen_t sl;
	int type, fl, rc;

	sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0) {
		vccw_err_set(err, errno, "netdev stream: fd %d is not a socket: %s", fd,
			     strerror(errno));
		return NULL;
	}
	if (type != SOCK_STREAM) {
		vccw_err_set(err, EPROTOTYPE, "netdev stream: fd %d is not a stream socket", fd);
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		vccw_err_set(err, errno, "netdev stream: fd %d: %s", fd, strerror(errno));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		vccw_err_set(err, ENOMEM, "netdev stream: out of memory");
		return NULL;
	}
	rc = net_rx_init(&s->rx, fd);
	if (rc) {
		vccw_err_set(err, -rc, "netdev stream: cannot watch the socket: %s",
			     strerror(-rc));
		free(s);
		return NULL;
	}
	s->be.ops = &stream_ops;
	s->lfd = listening ? fd : -1;
	s->fd = listening ? -1 : fd;
	return &s->be;
}
