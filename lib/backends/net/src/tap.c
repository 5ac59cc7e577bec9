// SPDX-License-Identifier: MIT
/*
 * The "tap" network backend: a TAP interface opened through /dev/net/tun with
 * IFF_TAP | IFF_NO_PI, so that each read() and write() carries exactly one Ethernet
 * frame with no packet-information prefix (Linux Documentation/networking/tuntap.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net-int.h"

struct tap_be {
	struct vccw_be_net be; /* first */
	int fd;
	struct net_rx rx;
	char ifname[IFNAMSIZ];
};

static struct tap_be *to_tap(struct vccw_be_net *be)
{
	return container_of(be, struct tap_be, be);
}

static int tap_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt)
{
	struct tap_be *t = to_tap(be);

	for (;;) {
		if (writev(t->fd, iov, (int)iovcnt) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* Interface down or queue full: the frame is lost, as on a wire. */
		if (errno == EAGAIN || errno == EIO || errno == ENOBUFS || errno == EINVAL)
			return VCCW_BE_NET_DROPPED;
		return -errno;
	}
}

static ssize_t tap_recv(struct vccw_be_net *be, void *buf, size_t len)
{
	struct tap_be *t = to_tap(be);
	ssize_t n;

	if (t->rx.src < 0)
		return 0;
	for (;;) {
		n = read(t->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		/* The interface went away (EBADFD): nothing will come any more. */
		n = -errno;
		net_rx_stop(&t->rx);
		return n;
	}
}

static int tap_rx_fd(struct vccw_be_net *be)
{
	return to_tap(be)->rx.epfd;
}

static void tap_close(struct vccw_be_net *be)
{
	struct tap_be *t = to_tap(be);

	net_rx_fini(&t->rx);
	close(t->fd);
	free(t);
}

static const struct vccw_be_net_ops tap_ops = {
	.kind = "tap",
	.send = tap_send,
	.recv = tap_recv,
	.rx_fd = tap_rx_fd,
	.close = tap_close,
};

struct vccw_be_net *net_tap_open(const char *ifname, struct vccw_err *err)
{
	struct ifreq ifr;
	struct tap_be *t;
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	if (ifname && strlen(ifname) >= IFNAMSIZ) {
		vccw_err_set(err, EINVAL, "netdev tap: interface name '%s' is longer than %d",
			     ifname, IFNAMSIZ - 1);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		vccw_err_set(err, ENOMEM, "netdev tap: out of memory");
		return NULL;
	}
	t->be.ops = &tap_ops;
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		vccw_err_set(err, errno, "netdev tap: cannot open /dev/net/tun: %s",
			     strerror(errno));
		goto err_free;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ifname)
		strcpy(ifr.ifr_name, ifname);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		vccw_err_set(err, errno, "netdev tap: cannot attach to '%s': %s",
			     ifname ? ifname : "a new interface", strerror(errno));
		goto err_close;
	}
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
	t->ifname[IFNAMSIZ - 1] = '\0';
	rc = net_rx_init(&t->rx, t->fd);
	if (rc) {
		vccw_err_set(err, -rc, "netdev tap: cannot watch %s: %s", t->ifname,
			     strerror(-rc));
		goto err_close;
	}
	return &t->be;

err_close:
	close(t->fd);
err_free:
	free(t);
	return NULL;
}

struct vccw_be_net *vccw_be_net_tap_fd_new(int fd, struct vccw_err *err)
{
	struct ifreq ifr;
	struct tap_be *t;
	int fl, rc;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		rc = errno == EBADF ? EBADF : ENOTTY;
		vccw_err_set(err, rc, "netdev tap: fd %d is not an open TAP interface: %s", fd,
			     strerror(errno));
		return NULL;
	}
	if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TAP || !(ifr.ifr_flags & IFF_NO_PI) ||
	    (ifr.ifr_flags & IFF_VNET_HDR)) {
		vccw_err_set(err, EINVAL, "netdev tap: fd %d (%.*s) must be a TAP interface opened "
			     "with IFF_NO_PI and without IFF_VNET_HDR", fd, IFNAMSIZ,
			     ifr.ifr_name);
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		vccw_err_set(err, errno, "netdev tap: fd %d: %s", fd, strerror(errno));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		vccw_err_set(err, ENOMEM, "netdev tap: out of memory");
		return NULL;
	}
	t->be.ops = &tap_ops;
	t->fd = fd;
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
	t->ifname[IFNAMSIZ - 1] = '\0';
	rc = net_rx_init(&t->rx, fd);
	if (rc) {
		vccw_err_set(err, -rc, "netdev tap: cannot watch %s: %s", t->ifname, strerror(-rc));
		free(t);
		return NULL;
	}
	return &t->be;
}
