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
 * Further kinds are built from what the embedder opened (vccw-vm's -netdev stream,
 * dgram, socket and tap,fd= map onto them): vccw_be_net_stream_new() (a stream socket
 * with QEMU's 4-byte length framing, as a client or a listening server),
 * vccw_be_net_dgram_new() (a datagram socket, one frame per datagram, sent to a fixed
 * peer), vccw_be_net_tap_fd_new() (an open TAP fd) and vccw_be_net_user_new() (user
 * networking with QEMU's -netdev user settings and host forwarding).
 *
 * Sending never blocks: a frame the host cannot take right now is dropped, as a link
 * with a full transmit buffer drops it (TCP in the guest retransmits).
 *
 * Every backend counts the frames and bytes that crossed it and those it dropped
 * (vccw_be_net_get_stats()), in the wrappers below, whatever its kind.
 *
 * Context: one thread at a time per backend (the owning device's I/O thread, under its
 * lock); nothing here locks. The "user" kind runs libslirp on a thread of its own.
 */
#ifndef VCCW_BE_NET_H
#define VCCW_BE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest frame a backend carries: a 64 KiB IP packet plus Ethernet and VLAN headers. */
#define VCCW_BE_NET_MAX_FRAME 65558u

struct vccw_be_net;

/* What a send hook returns for a frame it dropped because the host could not take it. */
#define VCCW_BE_NET_DROPPED 1

/*
 * Counters of one backend, as the wrappers saw its frames: tx = from the device to the
 * host, rx = from the host to the device. Dropped: tx, frames the host could not take;
 * rx, frames longer than the device's buffer, or a stream peer's frame longer than
 * VCCW_BE_NET_MAX_FRAME (the connection is then closed).
 */
struct vccw_be_net_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
};

/* Hooks of a backend kind. */
struct vccw_be_net_ops {
	const char *kind; /* "user", "tap", "socket" ... */
	/*
	 * Send one frame made of @iovcnt segments of @iov (borrowed for the call). Never
	 * blocks. Returns 0, VCCW_BE_NET_DROPPED when the frame was dropped for lack of room
	 * (0 is also allowed then; it is counted as sent), or -errno when the backend is
	 * broken (-EPIPE: the peer went away). Required.
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

/* A backend object; kinds embed it as their first member (zero the rest). */
struct vccw_be_net {
	const struct vccw_be_net_ops *ops;
	/* Written by the wrappers with atomic adds; read with vccw_be_net_get_stats(). */
	struct vccw_be_net_stats stats;
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

/*
 * A backend over a stream socket @fd (TCP or unix SOCK_STREAM) carrying frames as QEMU's
 * -netdev stream and -netdev socket (listen=/connect=) do: each frame preceded by its
 * length as 4 bytes, big-endian. With @listening, @fd is a listening socket: the backend
 * accepts one peer (when rx_fd() says so), drops frames sent while there is none, and
 * accepts the next peer after one hangs up; otherwise @fd is connected and a hang-up ends
 * the link for good. A frame that cannot be written whole at once is finished on later
 * sends (frames sent meanwhile are dropped), never interleaved. Takes ownership of @fd
 * on success (it is made non-blocking).
 * Returns: a new backend, or NULL with @err filled (@fd is then still the caller's).
 */
struct vccw_be_net *vccw_be_net_stream_new(int fd, bool listening, struct vccw_err *err);

/*
 * A backend over a datagram socket @fd (UDP or unix SOCK_DGRAM), one frame per datagram:
 * frames go to @dst (@dstlen bytes; NULL: @fd is connected and send() is used), and every
 * datagram received is a frame, whoever sent it (QEMU's -netdev dgram). "Connection
 * refused" reports (no peer listening yet) are ignored. Takes ownership of @fd on success.
 * Returns: a new backend, or NULL with @err filled.
 */
struct vccw_be_net *vccw_be_net_dgram_new(int fd, const struct sockaddr *dst,
					  unsigned int dstlen, struct vccw_err *err);

/*
 * A backend over an open TAP file descriptor @fd (one the caller inherited, as QEMU's
 * -netdev tap,fd=). It must be a TAP (not TUN) interface without packet information or
 * virtio-net header (IFF_TAP | IFF_NO_PI, no IFF_VNET_HDR). Takes ownership of @fd on
 * success (it is made non-blocking).
 * Returns: a new backend, or NULL with @err filled (-ENOTTY: not a TAP fd; -EINVAL:
 * flags we cannot use).
 */
struct vccw_be_net *vccw_be_net_tap_fd_new(int fd, struct vccw_err *err);

/* One host forwarding rule of user networking (QEMU's hostfwd=). */
struct vccw_be_net_hostfwd {
	bool udp;
	struct in_addr host_addr;  /* INADDR_ANY: every host address */
	unsigned int host_port;    /* 0: any free port */
	struct in_addr guest_addr; /* INADDR_ANY: the first DHCP address */
	unsigned int guest_port;
};

/*
 * Settings of user networking, QEMU's -netdev user properties. vccw_be_net_user_defaults()
 * fills QEMU's defaults; all addresses are in network byte order.
 */
struct vccw_be_net_user_cfg {
	bool restricted;          /* restrict=on: the guest reaches only the host services */
	struct in_addr net, mask; /* net= (10.0.2.0/24) */
	struct in_addr host;      /* host= (10.0.2.2) */
	struct in_addr dns;       /* dns= (10.0.2.3) */
	struct in_addr dhcpstart; /* dhcpstart= (10.0.2.15) */
	const char *hostname;     /* hostname= (DHCP option 12), or NULL */
	const char *domainname;   /* domainname= (DHCP option 15), or NULL */
	const struct vccw_be_net_hostfwd *hostfwd; /* hostfwd= rules */
	unsigned int nr_hostfwd;
};

void vccw_be_net_user_defaults(struct vccw_be_net_user_cfg *cfg);

/*
 * User networking configured by @cfg (borrowed for the call). Returns: a new backend, or
 * NULL with @err filled: libslirp missing, refusing the addresses, or a hostfwd= rule
 * whose host port cannot be bound (the rule is named).
 */
struct vccw_be_net *vccw_be_net_user_new(const struct vccw_be_net_user_cfg *cfg,
					 struct vccw_err *err);

/* Copy @be's counters into @out. Context: any thread (each counter is read atomically). */
void vccw_be_net_get_stats(struct vccw_be_net *be, struct vccw_be_net_stats *out);

/* The kind of @be ("user", "tap", "stream", "dgram" ...). */
const char *vccw_be_net_kind(struct vccw_be_net *be);

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
