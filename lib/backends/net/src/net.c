// SPDX-License-Identifier: MIT
/*
 * Network backend front: the spec parser behind vccw_be_net_open(), the wrappers, the
 * shared receive set and message-socket I/O, and the kinds built on message sockets
 * (caller's fd, "socket,path=", "loopback"), datagram sockets with a destination, and
 * "none".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net-int.h"

#define SPEC_FORMS "user[,restrict=on|off], tap[,ifname=NAME], socket,path=PATH, loopback, none"

/* ---- shared helpers ---- */

int net_rx_init(struct net_rx *rx, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	rx->src = -1;
	rx->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rx->epfd < 0)
		return -errno;
	if (epoll_ctl(rx->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;

		close(rx->epfd);
		rx->epfd = -1;
		return rc;
	}
	rx->src = fd;
	return 0;
}

void net_rx_stop(struct net_rx *rx)
{
	if (rx->src >= 0 && rx->epfd >= 0)
		epoll_ctl(rx->epfd, EPOLL_CTL_DEL, rx->src, NULL);
	rx->src = -1;
}

void net_rx_fini(struct net_rx *rx)
{
	net_rx_stop(rx);
	if (rx->epfd >= 0)
		close(rx->epfd);
	rx->epfd = -1;
}

int net_sock_send(int fd, const struct iovec *iov, unsigned int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };

	for (;;) {
		if (sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
		case ENOBUFS:
		case EMSGSIZE:
			/* The link is full or the frame too big for it: dropped, like on a wire. */
			return VCCW_BE_NET_DROPPED;
		case ECONNREFUSED:
		case ECONNRESET:
		case ENOTCONN:
		case EPIPE:
			return -EPIPE;
		default:
			return -errno;
		}
	}
}

ssize_t net_sock_recv(int fd, void *buf, size_t len, bool *eof)
{
	ssize_t n;

	*eof = false;
	for (;;) {
		/* MSG_TRUNC: the real length of a message that did not fit. */
		n = recv(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC);
		if (n > 0)
			return (size_t)n > len ? -EMSGSIZE : n;
		if (n == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			/* An empty message, or the end of the connection: only that hangs up. */
			if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP))
				*eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET || errno == ENOTCONN) {
			*eof = true;
			return 0;
		}
		return -errno;
	}
}

int net_parse_opts(char *opts, const struct net_opt *tbl, unsigned int n, const char *spec,
		   struct vccw_err *err)
{
	char *tok, *save = NULL, *eq;
	unsigned int i;

	for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return vccw_err_set(err, EINVAL, "netdev '%s': option '%s' needs a value",
					    spec, tok);
		*eq = '\0';
		for (i = 0; i < n && strcmp(tbl[i].key, tok); i++)
			;
		if (i == n)
			return vccw_err_set(err, EINVAL, "netdev '%s': unknown option '%s'", spec,
					    tok);
		*tbl[i].val = eq + 1;
	}
	return 0;
}

/* ---- message sockets: caller's fd, socket,path=, loopback ---- */

struct sock_be {
	struct vccw_be_net be; /* first */
	int tx;                /* frames out */
	int rx_src;            /* frames in (the same fd, except for loopback) */
	bool own;
	struct net_rx rx;
};

static struct sock_be *to_sock(struct vccw_be_net *be)
{
	return container_of(be, struct sock_be, be);
}

static int sock_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	return net_sock_send(to_sock(be)->tx, iov, iovcnt);
}

static ssize_t sock_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	struct sock_be *s = to_sock(be);
	bool eof;
	ssize_t n;

	if (s->rx.src < 0)
		return 0;
	n = net_sock_recv(s->rx_src, buf, len, &eof);
	if (eof || (n < 0 && n != -EMSGSIZE))
		net_rx_stop(&s->rx);
	return n;
}

static int sock_rx_fd(struct vccw_be_net *be)
{
	return to_sock(be)->rx.epfd;
}

static void sock_close(struct vccw_be_net *be)
{
	struct sock_be *s = to_sock(be);

	net_rx_fini(&s->rx);
	if (s->own) {
		close(s->tx);
		if (s->rx_src != s->tx)
			close(s->rx_src);
	}
	free(s);
}

static const struct vccw_be_net_ops sock_ops = {
	.kind = "socket",
	.send = sock_send,
	.recv = sock_recv,
	.rx_fd = sock_rx_fd,
	.close = sock_close,
};

static const struct vccw_be_net_ops loopback_ops = {
	.kind = "loopback",
	.send = sock_send,
	.recv = sock_recv,
	.rx_fd = sock_rx_fd,
	.close = sock_close,
};

static struct vccw_be_net *sock_new(const struct vccw_be_net_ops *ops, int tx, int rx_src,
				    bool own, struct vccw_err *err)
{
	struct sock_be *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		vccw_err_set(err, ENOMEM, "netdev %s: out of memory", ops->kind);
		return NULL;
	}
	rc = net_rx_init(&s->rx, rx_src);
	if (rc) {
		vccw_err_set(err, -rc, "netdev %s: cannot watch the socket: %s", ops->kind,
			     strerror(-rc));
		free(s);
		return NULL;
	}
	s->be.ops = ops;
	s->tx = tx;
	s->rx_src = rx_src;
	s->own = own;
	return &s->be;
}

struct vccw_be_net *vccw_be_net_fd_new(int fd, bool own, struct vccw_err *err)
{
	socklen_t sl;
	int type;

	sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0) {
		vccw_err_set(err, errno == ENOTSOCK ? ENOTSOCK : errno,
			     "netdev socket: fd %d is not a socket: %s", fd, strerror(errno));
		return NULL;
	}
	if (type != SOCK_SEQPACKET && type != SOCK_DGRAM) {
		vccw_err_set(err, EPROTOTYPE,
			     "netdev socket: fd %d is a stream socket; frames need "
			     "SOCK_SEQPACKET or SOCK_DGRAM", fd);
		return NULL;
	}
	return sock_new(&sock_ops, fd, fd, own, err);
}

static struct vccw_be_net *sock_path_open(const char *path, struct vccw_err *err)
{
	static const int types[] = { SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vccw_be_net *be;
	unsigned int i;
	int fd = -1, rc = 0;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		vccw_err_set(err, ENAMETOOLONG, "netdev socket: path '%s' is too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	/* The socket at PATH decides the type: try a connection, then datagrams. */
	for (i = 0; i < VCCW_ARRAY_SIZE(types); i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = errno;
			break;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		if (rc != EPROTOTYPE)
			break;
	}
	if (fd < 0) {
		vccw_err_set(err, rc, "netdev socket: cannot connect to '%s': %s", path,
			     strerror(rc));
		return NULL;
	}
	be = sock_new(&sock_ops, fd, fd, true, err);
	if (!be)
		close(fd);
	return be;
}

static struct vccw_be_net *loopback_open(struct vccw_err *err)
{
	struct vccw_be_net *be;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		vccw_err_set(err, errno, "netdev loopback: socketpair: %s", strerror(errno));
		return NULL;
	}
	be = sock_new(&loopback_ops, sv[0], sv[1], true, err);
	if (!be) {
		close(sv[0]);
		close(sv[1]);
	}
	return be;
}

/* ---- datagram sockets with a fixed destination (-netdev dgram) ---- */

struct dgram_be {
	struct vccw_be_net be; /* first */
	int fd;
	struct sockaddr_storage dst;
	socklen_t dstlen; /* 0: connected */
	struct net_rx rx;
};

static struct dgram_be *to_dgram(struct vccw_be_net *be)
{
	return container_of(be, struct dgram_be, be);
}

static int dgram_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	struct dgram_be *d = to_dgram(be);
	struct msghdr msg = {
		.msg_name = d->dstlen ? &d->dst : NULL,
		.msg_namelen = d->dstlen,
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = iovcnt,
	};

	for (;;) {
		if (sendmsg(d->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		/*
		 * Full, too big, or nobody listening at the destination (yet: an ICMP report of
		 * an earlier datagram, or a unix path without a socket): lost, as on a wire.
		 */
		if (errno == EAGAIN || errno == ENOBUFS || errno == EMSGSIZE ||
		    errno == ECONNREFUSED || errno == ENOENT || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH)
			return VCCW_BE_NET_DROPPED;
		return -errno;
	}
}

static ssize_t dgram_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	struct dgram_be *d = to_dgram(be);
	ssize_t n;

	for (;;) {
		n = recv(d->fd, buf, len, MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			return (size_t)n > len ? -EMSGSIZE : n;
		if (errno == EINTR || errno == ECONNREFUSED)
			continue; /* a report of an earlier send, not a frame */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

static int dgram_rx_fd(struct vccw_be_net *be)
{
	return to_dgram(be)->rx.epfd;
}

static void dgram_close(struct vccw_be_net *be)
{
	struct dgram_be *d = to_dgram(be);

	net_rx_fini(&d->rx);
	close(d->fd);
	free(d);
}

static const struct vccw_be_net_ops dgram_ops = {
	.kind = "dgram",
	.send = dgram_send,
	.recv = dgram_recv,
	.rx_fd = dgram_rx_fd,
	.close = dgram_close,
};

struct vccw_be_net *vccw_be_net_dgram_new(int fd, const struct sockaddr *dst,
					  unsigned int dstlen, struct vccw_err *err)
{
	struct dgram_be *d;
	socklen_t sl;
	int type, rc;

	sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0) {
		vccw_err_set(err, errno, "netdev dgram: fd %d is not a socket: %s", fd,
			     strerror(errno));
		return NULL;
	}
	if (type != SOCK_DGRAM) {
		vccw_err_set(err, EPROTOTYPE, "netdev dgram: fd %d is not a datagram socket", fd);
		return NULL;
	}
	if (dst && (dstlen == 0 || dstlen > sizeof(d->dst))) {
		vccw_err_set(err, EINVAL, "netdev dgram: bad destination address length %u",
			     dstlen);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		vccw_err_set(err, ENOMEM, "netdev dgram: out of memory");
		return NULL;
	}
	rc = net_rx_init(&d->rx, fd);
	if (rc) {
		vccw_err_set(err, -rc, "netdev dgram: cannot watch the socket: %s", strerror(-rc));
		free(d);
		return NULL;
	}
	d->be.ops = &dgram_ops;
	d->fd = fd;
	if (dst) {
		memcpy(&d->dst, dst, dstlen);
		d->dstlen = dstlen;
	}
	return &d->be;
}

/* ---- none ---- */

static int none_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	(void)be;
	(void)iov;
	(void)iovcnt;
	return 0;
}

static void none_close(struct vccw_be_net *be)
{
	free(be);
}

static const struct vccw_be_net_ops none_ops = {
	.kind = "none",
	.send = none_send,
	.close = none_close,
};

static struct vccw_be_net *none_open(struct vccw_err *err)
{
	struct vccw_be_net *be = calloc(1, sizeof(*be));

	if (!be) {
		vccw_err_set(err, ENOMEM, "netdev none: out of memory");
		return NULL;
	}
	be->ops = &none_ops;
	return be;
}

/* ---- front ---- */

/* Accept QEMU's spellings of a boolean. Returns 0/1, or -1 for anything else. */
static int parse_bool(const char *s)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
		return 1;
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
		return 0;
	return -1;
}

struct vccw_be_net *vccw_be_net_open(const char *spec, struct vccw_err *err)
{
	const char *path = NULL, *ifname = NULL, *restrict_s = NULL;
	struct vccw_be_net *be = NULL;
	char *copy, *opts;
	int restricted = 0;

	if (!spec) {
		vccw_err_set(err, EINVAL, "netdev: no spec; valid: " SPEC_FORMS);
		return NULL;
	}
	copy = strdup(spec);
	if (!copy) {
		vccw_err_set(err, ENOMEM, "netdev: out of memory");
		return NULL;
	}
	opts = strchr(copy, ',');
	if (opts)
		*opts++ = '\0';
	else
		opts = copy + strlen(copy);

	if (!strcmp(copy, "user")) {
		const struct net_opt tbl[] = { { "restrict", &restrict_s } };

		if (net_parse_opts(opts, tbl, VCCW_ARRAY_SIZE(tbl), spec, err))
			goto out;
		if (restrict_s && (restricted = parse_bool(restrict_s)) < 0) {
			vccw_err_set(err, EINVAL, "netdev '%s': restrict= takes on or off", spec);
			goto out;
		}
		struct vccw_be_net_user_cfg cfg;

		vccw_be_net_user_defaults(&cfg);
		cfg.restricted = restricted;
		be = vccw_be_net_user_new(&cfg, err);
	} else if (!strcmp(copy, "tap")) {
		const struct net_opt tbl[] = { { "ifname", &ifname } };

		if (!net_parse_opts(opts, tbl, VCCW_ARRAY_SIZE(tbl), spec, err))
			be = net_tap_open(ifname, err);
	} else if (!strcmp(copy, "socket")) {
		const struct net_opt tbl[] = { { "path", &path } };

		if (net_parse_opts(opts, tbl, VCCW_ARRAY_SIZE(tbl), spec, err))
			goto out;
		if (!path || !*path)
			vccw_err_set(err, EINVAL, "netdev '%s': socket needs path=PATH", spec);
		else
			be = sock_path_open(path, err);
	} else if (!strcmp(copy, "loopback") || !strcmp(copy, "none")) {
		if (*opts)
			vccw_err_set(err, EINVAL, "netdev '%s': %s takes no options", spec, copy);
		else
			be = !strcmp(copy, "none") ? none_open(err) : loopback_open(err);
	} else {
		vccw_err_set(err, EINVAL, "netdev '%s': unknown kind '%s'; valid: " SPEC_FORMS,
			     spec, copy);
	}
out:
	free(copy);
	return be;
}

/* One writer (the owning thread) and readers anywhere: relaxed atomic adds and loads. */
static void count(uint64_t *ctr, uint64_t n)
{
	__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
}

int vccw_be_net_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	size_t len = 0;
	unsigned int i;
	int rc;

	rc = be->ops->send(be, iov, iovcnt);
	if (rc < 0 || rc == VCCW_BE_NET_DROPPED) {
		count(&be->stats.tx_dropped, 1);
		return rc < 0 ? rc : 0;
	}
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	count(&be->stats.tx_packets, 1);
	count(&be->stats.tx_bytes, len);
	return 0;
}

ssize_t vccw_be_net_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	ssize_t n = be->ops->recv ? be->ops->recv(be, buf, len) : 0;

	if (n > 0) {
		count(&be->stats.rx_packets, 1);
		count(&be->stats.rx_bytes, (uint64_t)n);
	} else if (n == -EMSGSIZE || n == -EPROTO) {
		count(&be->stats.rx_dropped, 1);
	}
	return n;
}

void vccw_be_net_get_stats(struct vccw_be_net *be, struct vccw_be_net_stats *out)
{
	out->rx_packets = __atomic_load_n(&be->stats.rx_packets, __ATOMIC_RELAXED);
	out->rx_bytes = __atomic_load_n(&be->stats.rx_bytes, __ATOMIC_RELAXED);
	out->rx_dropped = __atomic_load_n(&be->stats.rx_dropped, __ATOMIC_RELAXED);
	out->tx_packets = __atomic_load_n(&be->stats.tx_packets, __ATOMIC_RELAXED);
	out->tx_bytes = __atomic_load_n(&be->stats.tx_bytes, __ATOMIC_RELAXED);
	out->tx_dropped = __atomic_load_n(&be->stats.tx_dropped, __ATOMIC_RELAXED);
}

const char *vccw_be_net_kind(struct vccw_be_net *be)
{
	return be->ops->kind;
}

int vccw_be_net_rx_fd(struct vccw_be_net *be)
{
	return be->ops->rx_fd ? be->ops->rx_fd(be) : -1;
}

void vccw_be_net_close(struct vccw_be_net *be)
{
	if (be)
		be->ops->close(be);
}
