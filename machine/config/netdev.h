/* SPDX-License-Identifier: MIT */
/*
 * -netdev and netdev_add: one parser for QEMU 7.2's network backend properties (user,
 * tap, stream, dgram, socket; vccw's loopback and none), and the opening of the backend
 * it describes. The parser reads a property list (QMP's nested objects arrive flattened:
 * "addr.type", and one "hostfwd" entry per rule) and never prints: errors go to a buffer,
 * so vccw-vm's -netdev and the monitor word them the same, and tests/unit/netdev checks
 * them without a machine.
 */
#ifndef VM_NETDEV_H
#define VM_NETDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "vccw/be-net.h"

struct vm_kvlist;

enum vm_netdev_kind {
	VM_NETDEV_USER,
	VM_NETDEV_TAP,
	VM_NETDEV_STREAM, /* also -netdev socket,listen=|connect=|fd= (a stream socket) */
	VM_NETDEV_DGRAM,  /* also -netdev socket,udp= */
	VM_NETDEV_SOCKFD, /* -netdev socket,fd=: a stream or datagram socket, decided at open */
	VM_NETDEV_LOOPBACK,
	VM_NETDEV_NONE,
};

enum vm_netaddr_type {
	VM_NETADDR_NONE,
	VM_NETADDR_INET,
	VM_NETADDR_UNIX,
	VM_NETADDR_FD,
};

/* QEMU's SocketAddress, as much of it as we take. */
struct vm_netaddr {
	enum vm_netaddr_type type;
	char host[256]; /* inet; "" for any address (a listener's or a local one) */
	char port[32];  /* inet: a number or a service name */
	char path[108]; /* unix */
	int fd;         /* fd: an inherited descriptor */
};

#define VM_NETDEV_MAX_HOSTFWD 32

struct vm_netdev_cfg {
	enum vm_netdev_kind kind;
	/* user */
	struct vccw_be_net_user_cfg user;
	struct vccw_be_net_hostfwd hostfwd[VM_NETDEV_MAX_HOSTFWD];
	char hostname[256], domainname[256];
	/* tap: ifname, or an inherited fd (-1: none) */
	char ifname[16];
	int tap_fd;
	/* stream: server, addr; dgram: local, remote (remote.type NONE: connected fd) */
	bool server;
	struct vm_netaddr addr, local, remote;
};

/*
 * Parse the properties @opts (every key but "type" and "id"; each one used is marked) of
 * a netdev of @type into @cfg. @cmdline: from -netdev (fd= names an inherited descriptor;
 * netdev_add refuses fd=, having no getfd). Returns 0, or -1 with the error in @msg
 * (@len bytes), worded as QEMU words it where QEMU refuses the same thing.
 */
int vm_netdev_parse(const char *type, struct vm_kvlist *opts, bool cmdline,
		    struct vm_netdev_cfg *cfg, char *msg, size_t len);

/*
 * Open the backend @cfg describes: sockets are bound, listened on or connected here (a
 * stream client connects at once and fails if nobody listens). Returns the backend, or
 * NULL with the error in @msg.
 */
struct vccw_be_net *vm_netdev_cfg_open(const struct vm_netdev_cfg *cfg, char *msg, size_t len);

#endif /* VM_NETDEV_H */
