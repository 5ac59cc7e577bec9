/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the network backends: the stable receive fd (an epoll set holding
 * the source fd until the source ends or fails, so that a level-triggered event loop
 * does not spin on a dead socket), frame I/O on message sockets, the option parser
 * behind the spec strings, and the constructors of the kinds.
 */
#ifndef VCCW_BE_NET_INT_H
#define VCCW_BE_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vccw/be-net.h"

struct net_rx {
	int epfd;   /* what rx_fd() reports */
	int src;    /* fd whose input is reported, or -1 once it ended */
};

/* Create the set watching @fd. Returns 0 or -errno. */
int net_rx_init(struct net_rx *rx, int fd);
/* The source ended or failed for good: stop reporting it. */
void net_rx_stop(struct net_rx *rx);
void net_rx_fini(struct net_rx *rx);

/*
 * Send one frame as one message on socket @fd without blocking. Returns 0 (also when
 * dropped because the socket is full), or -EPIPE when the peer is gone, or -errno.
 */
int net_sock_send(int fd, const struct iovec *iov, unsigned int iovcnt);
/*
 * Receive one message from socket @fd without blocking. Returns its length, 0 when none
 * is waiting, -EMSGSIZE when it was longer than @len, or -errno; *@eof is set when the
 * peer closed a connected socket.
 */
ssize_t net_sock_recv(int fd, void *buf, size_t len, bool *eof);

/* One "key=value" option of a spec. */
struct net_opt {
	const char *key;
	const char **val; /* set to the value (pointing into the parsed copy) */
};

/*
 * Split @opts ("k=v,k=v", modified in place) into the values of @tbl. Returns 0, or
 * -EINVAL with @err naming @spec and the offending option.
 */
int net_parse_opts(char *opts, const struct net_opt *tbl, unsigned int n, const char *spec,
		   struct vccw_err *err);

/* Kinds behind vccw_be_net_open(). */
struct vccw_be_net *net_tap_open(const char *ifname, struct vccw_err *err);

#endif /* VCCW_BE_NET_INT_H */
