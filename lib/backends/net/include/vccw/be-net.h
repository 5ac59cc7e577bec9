/* SPDX-License-Identifier: MIT */
/*
 * Network backends: where the Ethernet frames of a virtio-net device go. A backend sends
 * one frame given as iovecs, hands over one received frame at a time without blocking,
 * and names one host file descriptor that becomes readable when a frame may be waiting,
 * for the owner's event loop to watch (vccw_virtio_dev_watch_fd()). Frames are whole
 * Ethernet frames (destination MAC first, no FCS), never a virtio-net header.
 *
 * Kinds, by spec string (vccw_be_net_open(), mapped from vccw-vm's -netdev; the forms
 * follow QEMU's -netdev):
 *   "user[,restrict=on|off]"  user-mode networking through libslirp, as QEMU's
 *                             -netdev user: guest network 10.0.2.0/24, gateway and host
 *                             10.0.2.2, DNS 10.0.2.3, DHCP from 10.0.2.15; IPv6
 *                             fec0::/64 with host fec0::2 and DNS fec0::3. Needs libslirp
 *                             at build time (Debian: libslirp-dev); without it opening
 *                             "user" fails and says so.
 *   "tap,ifname=NAME"         an existing or new TAP interface through /dev/net/tun
 *                             (IFF_TAP | IFF_NO_PI: frames without a packet-info header)
 *   "socket,path=PATH"        connect to a unix socket at PATH of type SOCK_SEQPACKET or
 *                             SOCK_DGRAM: one frame per message
 *   "loopback"                every frame sent comes back as received (tests)
 *   "none"                    frames sent are dropped, none are received
 *
 * Sending never blocks: a frame the host cannot take right now is dropped, as a link
 * with a full transmit buffer drops it (TCP in the guest retransmits).
 *
 * Context: one thread at a time per backend (the owning device's I/O thread, under its
 * lock); nothing here locks. The "user" kind runs libslirp on a thread of its own.
 */
#ifndef VCCW_BE_NET_H
#define VCCW_BE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest frame a backend carries: a 64 KiB IP packet plus Ethernet and VLAN headers. */
#define VCCW_BE_NET_MAX_FRAME 65558u

struct vccw_be_net;

/* Hooks of a backend kind. */
struct vccw_be_net_ops {
	const char *kind; /* "user", "tap", "socket" ... */
	/*
	 * Send one frame made of @iovcnt segments of @iov (borrowed for the call). Never
	 * blocks. Returns 0 (also when the frame was dropped for lack of room), or -errno
	 * when the backend is broken (-EPIPE: the peer went away). Required.
	 */
	int (*send)(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt);
	/*
	 * Take one received frame into @buf (@len bytes), never blocking. Returns the frame
	 * length, 0 when no frame is waiting, -EMSGSIZE when the frame was longer than @len
	 * (it is consumed and lost), or another -errno. NULL: never any frame.
	 */
	ssize_t (*recv)(struct vccw_be_net *be, void *buf, size_t len);
	/* The fd that becomes readable when a frame may be waiting, or -1. NULL: -1. */
	int (*rx_fd)(struct vccw_be_net *be);
	/* Release everything, including the object. Required. */
	void (*close)(struct vccw_be_net *be);
};

/* A backend object; kinds embed it as their first member. */
struct vccw_be_net {
	const struct vccw_be_net_ops *ops;
};

/*
 * Open a backend from @spec (see the kinds above).
 * Returns: a new backend owned by the caller (release with vccw_be_net_close()), or NULL
 * with @err filled: an unknown kind or option names the spec and the valid forms; a host
 * failure names the device or path and the reason; "user" without libslirp names the
 * package to install.
 * Context: any thread; "socket" blocks in connect().
 */
struct vccw_be_net *vccw_be_net_open(const char *spec, struct vccw_err *err);

/*
 * A backend over a connected SOCK_SEQPACKET or SOCK_DGRAM socket the caller already has
 * (one end of a socketpair, say): one frame per message. With @own the backend takes
 * ownership and closes @fd at vccw_be_net_close(). The fd's O_NONBLOCK is not changed.
 * Returns: a new backend owned by the caller, or NULL with @err filled (@fd is then
 * still the caller's): -ENOTSOCK, or -EPROTOTYPE for a stream socket.
 */
struct vccw_be_net *vccw_be_net_fd_new(int fd, bool own, struct vccw_err *err);

/* True when this build has the "user" kind (libslirp was found at build time). */
bool vccw_be_net_have_user(void);

/* Send one frame. Returns: 0, or -errno when the backend is broken. */
int vccw_be_net_send(struct vccw_be_net *be, const struct iovec *iov, unsigned int iovcnt);
/* Receive one frame. Returns: its length, 0 when none is waiting, or -errno. */
ssize_t vccw_be_net_recv(struct vccw_be_net *be, void *buf, size_t len);
/* The fd to watch for received frames (stable for the backend's life), or -1. */
int vccw_be_net_rx_fd(struct vccw_be_net *be);
/* Close @be and free it. NULL is a no-op. */
void vccw_be_net_close(struct vccw_be_net *be);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_BE_NET_H */
