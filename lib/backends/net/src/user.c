// SPDX-License-Identifier: MIT
/*
 * The "user" network backend: a user-mode TCP/IP stack (libslirp) that gives the guest
 * the network of QEMU's -netdev user (10.0.2.0/24, gateway/host 10.0.2.2, DNS 10.0.2.3,
 * DHCP from 10.0.2.15; IPv6 fec0::/64 with host ::2 and DNS ::3) and forwards its
 * connections through host sockets.
 *
 * libslirp wants an event loop that polls its sockets and runs its timers. A helper
 * thread owns the Slirp instance and is its only user: the device side talks to it
 * through a SOCK_SEQPACKET socketpair, one frame per message, so the device's I/O thread
 * sees an ordinary frame socket and slirp never runs under the device lock.
 *
 * Built only when libslirp was found (VCCW_HAVE_SLIRP, see module.mk); otherwise
 * opening "user" fails and names the package.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net-int.h"

void vccw_be_net_user_defaults(struct vccw_be_net_user_cfg *cfg)
{
	/* The addresses of QEMU's -netdev user defaults (QEMU docs, "Network options"). */
	memset(cfg, 0, sizeof(*cfg));
	inet_pton(AF_INET, "10.0.2.0", &cfg->net);
	inet_pton(AF_INET, "255.255.255.0", &cfg->mask);
	inet_pton(AF_INET, "10.0.2.2", &cfg->host);
	inet_pton(AF_INET, "10.0.2.3", &cfg->dns);
	inet_pton(AF_INET, "10.0.2.15", &cfg->dhcpstart);
}

#ifndef VCCW_HAVE_SLIRP

bool vccw_be_net_have_user(void)
{
	return false;
}

struct vccw_be_net *vccw_be_net_user_new(const struct vccw_be_net_user_cfg *cfg,
					 struct vccw_err *err)
{
	(void)cfg;
	vccw_err_set(err, ENOTSUP,
		     "netdev user: this build has no user-mode networking: libslirp was not "
		     "found at build time (install libslirp-dev and rebuild)");
	return NULL;
}

#else /* VCCW_HAVE_SLIRP */

#include <libslirp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct user_timer {
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	struct user_timer *next;
};

struct user_be {
	struct vccw_be_net be; /* first */
	int fd;                /* device end of the socketpair */
	struct net_rx rx;

	/* Helper thread only (after start, until joined). */
	int slirp_fd;          /* slirp end of the socketpair */
	int stop_fd;           /* eventfd: written by close() */
	pthread_t thread;
	Slirp *slirp;
	struct user_timer *timers;
	struct pollfd *pfd;
	unsigned int nr_pfd, max_pfd;
	uint8_t frame[VCCW_BE_NET_MAX_FRAME];
};

static struct user_be *to_user(struct vccw_be_net *be)
{
	return container_of(be, struct user_be, be);
}

bool vccw_be_net_have_user(void)
{
	return true;
}

/* ---- libslirp callbacks (helper thread) ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct user_be *u = opaque;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	/* A full socket drops the frame: libslirp allows that (its TCP retransmits). */
	net_sock_send(u->slirp_fd, &iov, 1);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	/* Guest-caused; no log channel here yet, and it must not stop the stack. */
	(void)msg;
	(void)opaque;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct user_be *u = opaque;
	struct user_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = u->timers;
	u->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct user_be *u = opaque;
	struct user_timer **pp;

	for (pp = &u->timers; *pp; pp = &(*pp)->next) {
		if (*pp == timer) {
			*pp = (*pp)->next;
			free(timer);
			return;
		}
	}
}

static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	(void)opaque;
	if (timer)
		((struct user_timer *)timer)->expire_ms = expire_time;
}

static void cb_poll_fd(int fd, void *opaque)
{
	/* Every poll round asks slirp for its fds afresh; nothing to track. */
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	/* The helper thread polls again at once after each round; nothing to wake. */
	(void)opaque;
}

static const SlirpCb user_cbs = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_poll_fd,
	.unregister_poll_fd = cb_poll_fd,
	.notify = cb_notify,
};

static int add_pfd(struct user_be *u, int fd, short events)
{
	if (u->nr_pfd == u->max_pfd) {
		unsigned int max = u->max_pfd ? 2 * u->max_pfd : 16;
		struct pollfd *p = realloc(u->pfd, max * sizeof(*p));

		if (!p)
			return -1;
		u->pfd = p;
		u->max_pfd = max;
	}
	u->pfd[u->nr_pfd] = (struct pollfd){ .fd = fd, .events = events };
	return (int)u->nr_pfd++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return add_pfd(opaque, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct user_be *u = opaque;
	short rev;
	int ev = 0;

	if (idx < 0 || (unsigned int)idx >= u->nr_pfd)
		return 0;
	rev = u->pfd[idx].revents;
	if (rev & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (rev & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* ---- helper thread ---- */

/* Milliseconds until the next armed timer, capped by @timeout. */
static uint32_t timers_timeout(struct user_be *u, uint32_t timeout)
{
	int64_t now = now_ns() / 1000000;
	struct user_timer *t;

	for (t = u->timers; t; t = t->next) {
		if (t->expire_ms < 0)
			continue;
		if (t->expire_ms <= now)
			return 0;
		if (t->expire_ms - now < (int64_t)timeout)
			timeout = (uint32_t)(t->expire_ms - now);
	}
	return timeout;
}

static void timers_run(struct user_be *u)
{
	int64_t now = now_ns() / 1000000;
	struct user_timer *t;
	bool fired;

	/* A callback may free or re-arm timers: restart the walk after each one. */
	do {
		fired = false;
		for (t = u->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				t->cb(t->cb_opaque);
				fired = true;
				break;
			}
		}
	} while (fired);
}

/* Frames from the device into the stack, until the socket is empty. */
static bool pump_guest_frames(struct user_be *u)
{
	bool eof;
	ssize_t n;

	for (;;) {
		n = net_sock_recv(u->slirp_fd, u->frame, sizeof(u->frame), &eof);
		if (eof)
			return false;
		if (n == -EMSGSIZE)
			continue;
		if (n <= 0)
			return true;
		slirp_input(u->slirp, u->frame, (int)n);
	}
}

static void *user_thread(void *arg)
{
	struct user_be *u = arg;
	uint32_t timeout;
	int rc;

	for (;;) {
		u->nr_pfd = 0;
		if (add_pfd(u, u->stop_fd, POLLIN) < 0 || add_pfd(u, u->slirp_fd, POLLIN) < 0)
			break;
		timeout = UINT32_MAX;
		slirp_pollfds_fill(u->slirp, &timeout, cb_add_poll, u);
		timeout = timers_timeout(u, timeout);
		rc = poll(u->pfd, u->nr_pfd, timeout == UINT32_MAX ? -1 : (int)timeout);
		if (rc > 0 && u->pfd[0].revents)
			break;
		if (rc > 0 && u->pfd[1].revents && !pump_guest_frames(u))
			break;
		slirp_pollfds_poll(u->slirp, rc < 0, cb_get_revents, u);
		timers_run(u);
	}
	return NULL;
}

/* ---- backend ops (device side) ---- */

static int user_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	return net_sock_send(to_user(be)->fd, iov, iovcnt);
}

static ssize_t user_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	struct user_be *u = to_user(be);
	bool eof;
	ssize_t n;

	if (u->rx.src < 0)
		return 0;
	n = net_sock_recv(u->fd, buf, len, &eof);
	if (eof || (n < 0 && n != -EMSGSIZE))
		net_rx_stop(&u->rx);
	return n;
}

static int user_rx_fd(struct vccw_be_net *be)
{
	return to_user(be)->rx.epfd;
}

static void user_free(struct user_be *u)
{
	struct user_timer *t;

	if (u->slirp)
		slirp_cleanup(u->slirp);
	/* slirp_cleanup() frees its timers through cb_timer_free(); drop any left. */
	while ((t = u->timers)) {
		u->timers = t->next;
		free(t);
	}
	net_rx_fini(&u->rx);
	if (u->fd >= 0)
		close(u->fd);
	if (u->slirp_fd >= 0)
		close(u->slirp_fd);
	if (u->stop_fd >= 0)
		close(u->stop_fd);
	free(u->pfd);
	free(u);
}

static void user_close(struct vccw_be_net *be)
{
	struct user_be *u = to_user(be);
	uint64_t one = 1;
	ssize_t n;

	n = write(u->stop_fd, &one, sizeof(one));
	(void)n;
	pthread_join(u->thread, NULL);
	user_free(u);
}

static const struct vccw_be_net_ops user_ops = {
	.kind = "user",
	.send = user_send,
	.recv = user_recv,
	.rx_fd = user_rx_fd,
	.close = user_close,
};

/* Check what libslirp would take without a word: its own addresses in its network. */
static int user_cfg_check(const struct vccw_be_net_user_cfg *c, struct vccw_err *err)
{
	uint32_t net = ntohl(c->net.s_addr), mask = ntohl(c->mask.s_addr);

	if (net & ~mask)
		return vccw_err_set(err, EINVAL, "netdev user: net= has bits outside the mask");
	if ((ntohl(c->host.s_addr) & mask) != net)
		return vccw_err_set(err, EINVAL, "netdev user: host= is not in the network");
	if ((ntohl(c->dhcpstart.s_addr) & mask) != net)
		return vccw_err_set(err, EINVAL, "netdev user: dhcpstart= is not in the network");
	return 0;
}

struct vccw_be_net *vccw_be_net_user_new(const struct vccw_be_net_user_cfg *c,
					 struct vccw_err *err)
{
	SlirpConfig cfg;
	struct user_be *u;
	unsigned int i;
	int sv[2], rc;

	if (user_cfg_check(c, err))
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u) {
		vccw_err_set(err, ENOMEM, "netdev user: out of memory");
		return NULL;
	}
	u->be.ops = &user_ops;
	u->fd = u->slirp_fd = u->stop_fd = -1;
	u->rx.epfd = -1;
	u->rx.src = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		vccw_err_set(err, errno, "netdev user: socketpair: %s", strerror(errno));
		goto err_free;
	}
	u->fd = sv[0];
	u->slirp_fd = sv[1];
	u->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (u->stop_fd < 0) {
		vccw_err_set(err, errno, "netdev user: eventfd: %s", strerror(errno));
		goto err_free;
	}
	rc = net_rx_init(&u->rx, u->fd);
	if (rc) {
		vccw_err_set(err, -rc, "netdev user: cannot watch the socket: %s", strerror(-rc));
		goto err_free;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 1;
	cfg.restricted = c->restricted;
	cfg.in_enabled = true;
	cfg.vnetwork = c->net;
	cfg.vnetmask = c->mask;
	cfg.vhost = c->host;
	cfg.vdhcp_start = c->dhcpstart;
	cfg.vnameserver = c->dns;
	cfg.vhostname = c->hostname;
	cfg.vdomainname = c->domainname;
	cfg.in6_enabled = true;
	inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	u->slirp = slirp_new(&cfg, &user_cbs, u);
	if (!u->slirp) {
		vccw_err_set(err, EINVAL, "netdev user: libslirp refused the configuration");
		goto err_free;
	}
	/* Before the thread starts: the Slirp instance has one user at a time. */
	for (i = 0; i < c->nr_hostfwd; i++) {
		const struct vccw_be_net_hostfwd *f = &c->hostfwd[i];
		char host[INET_ADDRSTRLEN];

		if (slirp_add_hostfwd(u->slirp, f->udp, f->host_addr, (int)f->host_port,
				      f->guest_addr, (int)f->guest_port) < 0) {
			inet_ntop(AF_INET, &f->host_addr, host, sizeof(host));
			vccw_err_set(err, EADDRINUSE, "netdev user: could not set up host "
				     "forwarding rule %s:%s:%u (the port is in use, or the "
				     "address is not this host's)", f->udp ? "udp" : "tcp", host,
				     f->host_port);
			goto err_free;
		}
	}
	rc = pthread_create(&u->thread, NULL, user_thread, u);
	if (rc) {
		vccw_err_set(err, rc, "netdev user: cannot start the slirp thread: %s",
			     strerror(rc));
		goto err_free;
	}
	return &u->be;

err_free:
	user_free(u);
	return NULL;
}

#endif /* VCCW_HAVE_SLIRP */
