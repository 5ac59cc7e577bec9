// SPDX-License-Identifier: MIT
/*
 * The netdev parser shared by -netdev and netdev_add, and the opening of what it parsed
 * (see netdev.h). The property names and their meaning are QEMU 7.2's (its -netdev help,
 * qapi/net.json, and what qemu-system-s390x 7.2 answers to each form); a property QEMU
 * knows and we do not carry out is refused by name, never ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "netdev.h"
#include "vm-int.h"

struct parse {
	struct vm_kvlist *opts;
	const char *type;
	bool cmdline;
	char *msg;
	size_t len;
};

static int __attribute__((format(printf, 2, 3))) fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, p->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The last value of @key (QemuOpts keeps the last), marked used; NULL when absent. */
static const char *get(struct parse *p, const char *key)
{
	const char *val = NULL;
	unsigned int i;

	for (i = 0; i < p->opts->nr; i++) {
		if (!strcmp(p->opts->kv[i].key, key)) {
			p->opts->kv[i].used = true;
			val = p->opts->kv[i].val;
		}
	}
	return val;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

/*
 * Every property must be one we take (@ours) or be refused: by name when QEMU knows it
 * (@qemu_only), otherwise in QEMU's words for an unknown one (@keyval: the QAPI keyval
 * syntax of stream and dgram, "unexpected"; QemuOpts: "Invalid parameter").
 */
static int check_names(struct parse *p, const char *const *ours, const char *const *qemu_only,
		       bool keyval)
{
	unsigned int i;
	const char *k;

	for (i = 0; i < p->opts->nr; i++) {
		k = p->opts->kv[i].key;
		if (!strcmp(k, "type") || !strcmp(k, "id") || in_list(k, ours))
			continue;
		if (in_list(k, qemu_only))
			return fail(p, "property '%s' of -netdev %s is not supported by vccw-vm",
				    k, p->type);
		if (keyval)
			return fail(p, "Parameter '%s' is unexpected", k);
		return fail(p, "Invalid parameter '%s'", k);
	}
	return 0;
}

static int get_bool(struct parse *p, const char *key, bool dflt, bool *out)
{
	const char *v = get(p, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = false;
	else
		return fail(p, "Parameter '%s' expects 'on' or 'off'", key);
	return 0;
}

/* An inherited descriptor number: only from the command line (there is no getfd). */
static int get_fd(struct parse *p, const char *key, const char *v, int *out)
{
	char *end;
	long n;

	if (!p->cmdline)
		return fail(p, "property '%s': a file descriptor is only taken on the command "
			    "line (an inherited one); netdev_add has no getfd", key);
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > 65535)
		return fail(p, "property '%s': '%s' is not a file descriptor number", key, v);
	if (fcntl((int)n, F_GETFD) < 0)
		return fail(p, "Can't use file descriptor %ld: %s", n, strerror(errno));
	*out = (int)n;
	return 0;
}

static int copy(struct parse *p, char *dst, size_t size, const char *key, const char *v)
{
	if (strlen(v) >= size)
		return fail(p, "property '%s': '%s' is longer than %zu characters", key, v,
			    size - 1);
	strcpy(dst, v);
	return 0;
}

/* ---- user ---- */

/* Cut @s at the first @sep: *@s moves past it. Returns the piece, or NULL without @sep. */
static char *cut(char **s, char sep)
{
	char *start = *s, *at = strchr(start, sep);

	if (!at)
		return NULL;
	*at = '\0';
	*s = at + 1;
	return start;
}

static bool port_ok(const char *s, int min, unsigned int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 0);
	if (!*s || *end || errno || n < min || n > 65535)
		return false;
	*out = (unsigned int)n;
	return true;
}

/* hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport */
static int parse_hostfwd(struct parse *p, const char *rule, struct vccw_be_net_hostfwd *f)
{
	char buf[256], *s = buf, *piece;
	const char *why;

	memset(f, 0, sizeof(*f));
	if (strlen(rule) >= sizeof(buf)) {
		why = "too long";
		goto bad;
	}
	strcpy(buf, rule);
	why = "Missing : separator";
	if (!(piece = cut(&s, ':')))
		goto bad;
	why = "Bad protocol name";
	if (!strcmp(piece, "udp"))
		f->udp = true;
	else if (strcmp(piece, "tcp") && *piece)
		goto bad;
	why = "Bad host address";
	if (!(piece = cut(&s, ':')) || (*piece && !inet_aton(piece, &f->host_addr)))
		goto bad;
	why = "Bad host port separator";
	if (!(piece = cut(&s, '-')))
		goto bad;
	why = "Bad host port";
	if (!port_ok(piece, 0, &f->host_port))
		goto bad;
	why = "Missing guest address";
	if (!(piece = cut(&s, ':')))
		goto bad;
	why = "Bad guest address";
	if (*piece && !inet_aton(piece, &f->guest_addr))
		goto bad;
	why = "Bad guest port";
	if (!port_ok(s, 1, &f->guest_port))
		goto bad;
	return 0;
bad:
	return fail(p, "Invalid host forwarding rule '%s' (%s)", rule, why);
}

/* net=addr[/bits|/mask]: without a mask, the class of the address decides (as QEMU). */
static int parse_vnet(struct parse *p, const char *v, struct in_addr *net, struct in_addr *mask)
{
	char buf[64], *slash, *end;
	uint32_t a, m;
	long bits;

	if (strlen(v) >= sizeof(buf))
		return fail(p, "Failed to parse netmask");
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!inet_aton(buf, net))
		return fail(p, "Failed to parse netmask");
	a = ntohl(net->s_addr);
	if (!slash) {
		if (!(a & 0x80000000u))
			m = 0xff000000u;
		else if ((a & 0xfff00000u) == 0xac100000u)
			m = 0xfff00000u;
		else if ((a & 0xc0000000u) == 0x80000000u)
			m = 0xffff0000u;
		else if ((a & 0xffff0000u) == 0xc0a80000u)
			m = 0xffff0000u;
		else if ((a & 0xe0000000u) == 0xe0000000u)
			m = 0xffffff00u;
		else
			m = 0xfffffff0u;
		mask->s_addr = htonl(m);
	} else if (strchr(slash, '.')) {
		if (!inet_aton(slash, mask))
			return fail(p, "Failed to parse netmask");
	} else {
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (*end)
			return fail(p, "Failed to parse netmask (trailing chars)");
		if (!*slash || errno || bits < 4 || bits > 32)
			return fail(p, "Invalid netmask provided (must be in range 4-32)");
		mask->s_addr = htonl(bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
	}
	net->s_addr &= mask->s_addr;
	return 0;
}

static int parse_user(struct parse *p, struct vm_netdev_cfg *c)
{
	static const char *const ours[] = { "net", "host", "dns", "dhcpstart", "restrict",
					    "hostname", "domainname", "hostfwd", "ipv4", "ipv6",
					    NULL };
	static const char *const qemu_only[] = { "ip", "tftp", "bootfile", "dnssearch",
						 "ipv6-prefix", "ipv6-prefixlen", "ipv6-net",
						 "ipv6-host", "ipv6-dns", "smb", "smbserver",
						 "guestfwd", "tftp-server-name", NULL };
	struct vccw_be_net_user_cfg *u = &c->user;
	uint32_t hostpart;
	const char *v;
	unsigned int i;
	bool b;

	if (check_names(p, ours, qemu_only, false))
		return -1;
	vccw_be_net_user_defaults(u);
	if (get_bool(p, "ipv4", true, &b))
		return -1;
	if (!b)
		return fail(p, "ipv4=off is not supported by vccw-vm (the guest network is IPv4 "
			    "and IPv6)");
	if (get_bool(p, "ipv6", true, &b))
		return -1;
	if (!b)
		return fail(p, "ipv6=off is not supported by vccw-vm (the guest network is IPv4 "
			    "and IPv6)");
	if (get_bool(p, "restrict", false, &u->restricted))
		return -1;
	v = get(p, "net");
	if (v) {
		if (parse_vnet(p, v, &u->net, &u->mask))
			return -1;
		/* The host, DNS and DHCP addresses keep their place in the new network. */
		hostpart = ~ntohl(u->mask.s_addr);
		u->host.s_addr = u->net.s_addr | htonl(0x0202 & hostpart);
		u->dns.s_addr = u->net.s_addr | htonl(0x0203 & hostpart);
		u->dhcpstart.s_addr = u->net.s_addr | htonl(0x020f & hostpart);
	}
	v = get(p, "host");
	if (v && !inet_aton(v, &u->host))
		return fail(p, "Failed to parse host");
	if ((u->host.s_addr & u->mask.s_addr) != u->net.s_addr)
		return fail(p, "Host doesn't belong to network");
	v = get(p, "dns");
	if (v && !inet_aton(v, &u->dns))
		return fail(p, "Failed to parse DNS");
	if (u->restricted && (u->dns.s_addr & u->mask.s_addr) != u->net.s_addr)
		return fail(p, "DNS doesn't belong to network");
	if (u->dns.s_addr == u->host.s_addr)
		return fail(p, "DNS must be different from host");
	v = get(p, "dhcpstart");
	if (v && !inet_aton(v, &u->dhcpstart))
		return fail(p, "Failed to parse DHCP start address");
	if ((u->dhcpstart.s_addr & u->mask.s_addr) != u->net.s_addr)
		return fail(p, "DHCP doesn't belong to network");
	if (u->dhcpstart.s_addr == u->host.s_addr || u->dhcpstart.s_addr == u->dns.s_addr)
		return fail(p, "DHCP must be different from host and DNS");
	v = get(p, "hostname");
	if (v) {
		if (copy(p, c->hostname, sizeof(c->hostname), "hostname", v))
			return -1;
		u->hostname = c->hostname;
	}
	v = get(p, "domainname");
	if (v) {
		if (copy(p, c->domainname, sizeof(c->domainname), "domainname", v))
			return -1;
		u->domainname = c->domainname;
	}
	for (i = 0; i < p->opts->nr; i++) {
		if (strcmp(p->opts->kv[i].key, "hostfwd"))
			continue;
		p->opts->kv[i].used = true;
		if (u->nr_hostfwd == VM_NETDEV_MAX_HOSTFWD)
			return fail(p, "more than %d hostfwd= rules", VM_NETDEV_MAX_HOSTFWD);
		if (parse_hostfwd(p, p->opts->kv[i].val, &c->hostfwd[u->nr_hostfwd]))
			return -1;
		u->nr_hostfwd++;
	}
	u->hostfwd = c->hostfwd;
	return 0;
}

/* ---- tap ---- */

static int parse_tap(struct parse *p, struct vm_netdev_cfg *c)
{
	static const char *const ours[] = { "ifname", "fd", "script", "downscript", "vhost",
					    "vhostforce", "vnet_hdr", NULL };
	static const char *const qemu_only[] = { "fds", "br", "helper", "sndbuf", "vhostfd",
						 "vhostfds", "queues", "poll-us", NULL };
	static const char *const scripts[] = { "script", "downscript" };
	const char *v, *fd;
	unsigned int i;
	bool b;

	if (check_names(p, ours, qemu_only, false))
		return -1;
	c->tap_fd = -1;
	fd = get(p, "fd");
	if (fd && (get(p, "ifname") || get(p, "script") || get(p, "downscript") ||
		   get(p, "vnet_hdr")))
		return fail(p, "ifname=, script=, downscript=, vnet_hdr=, helper=, queues=, "
			    "fds=, and vhostfds= are invalid with fd=");
	for (i = 0; i < VCCW_ARRAY_SIZE(scripts); i++) {
		v = get(p, scripts[i]);
		if (v && *v && strcmp(v, "no"))
			return fail(p, "%s=%s: vccw-vm never runs scripts; configure the "
				    "interface beforehand and give %s=no", scripts[i], v,
				    scripts[i]);
	}
	if (get_bool(p, "vhost", false, &b))
		return -1;
	if (b)
		return fail(p, "vhost=on is not supported: vccw-vm moves the frames itself "
			    "(give vhost=off)");
	if (get_bool(p, "vhostforce", false, &b))
		return -1;
	if (b)
		return fail(p, "vhostforce=on is not supported: vccw-vm has no vhost-net");
	if (get_bool(p, "vnet_hdr", false, &b))
		return -1;
	if (b)
		return fail(p, "vnet_hdr=on is not supported: frames cross the TAP interface "
			    "without a virtio-net header");
	v = get(p, "ifname");
	if (v && copy(p, c->ifname, sizeof(c->ifname), "ifname", v))
		return -1;
	if (fd && get_fd(p, "fd", fd, &c->tap_fd))
		return -1;
	return 0;
}

/* ---- stream, dgram: QEMU's SocketAddress under a prefix ---- */

/* @pfx.type and the members of its kind; Returns 0, or -1. @a->type NONE: none given. */
static int parse_addr(struct parse *p, const char *pfx, struct vm_netaddr *a)
{
	static const char *const inet_only[] = { "numeric", "to", "ipv4", "ipv6", "keep-alive",
						 "mptcp", NULL };
	static const char *const unix_only[] = { "abstract", "tight", NULL };
	static const char *const members[] = { "type", "host", "port", "path", "str",
					       "numeric", "to", "ipv4", "ipv6", "keep-alive",
					       "mptcp", "abstract", "tight", NULL };
	const char *type, *v, *k;
	size_t n = strlen(pfx);
	unsigned int i;
	char key[64];
	bool any = false;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	for (i = 0; i < p->opts->nr; i++) {
		k = p->opts->kv[i].key;
		if (strncmp(k, pfx, n) || k[n] != '.')
			continue;
		any = true;
		if (!in_list(k + n + 1, members))
			return fail(p, "Parameter '%s' is unexpected", k);
		if (in_list(k + n + 1, inet_only) || in_list(k + n + 1, unix_only))
			return fail(p, "property '%s' of -netdev %s is not supported by vccw-vm", k,
				    p->type);
	}
	if (!any)
		return 0;
#define KEY(m) (snprintf(key, sizeof(key), "%s.%s", pfx, m), key)
	type = get(p, KEY("type"));
	if (!type)
		return fail(p, "Parameter '%s' is missing", KEY("type"));
	if (!strcmp(type, "inet")) {
		a->type = VM_NETADDR_INET;
		v = get(p, KEY("host"));
		if (!v)
			return fail(p, "Parameter '%s' is missing", KEY("host"));
		if (copy(p, a->host, sizeof(a->host), key, v))
			return -1;
		v = get(p, KEY("port"));
		if (!v)
			return fail(p, "Parameter '%s' is missing", KEY("port"));
		if (copy(p, a->port, sizeof(a->port), key, v))
			return -1;
		if (get(p, KEY("path")) || get(p, KEY("str")))
			return fail(p, "Parameter '%s' is unexpected", key);
	} else if (!strcmp(type, "unix")) {
		a->type = VM_NETADDR_UNIX;
		v = get(p, KEY("path"));
		if (!v)
			return fail(p, "Parameter '%s' is missing", KEY("path"));
		if (!*v)
			return fail(p, "property '%s': an empty path", key);
		if (copy(p, a->path, sizeof(a->path), key, v))
			return -1;
		if (get(p, KEY("host")) || get(p, KEY("port")) || get(p, KEY("str")))
			return fail(p, "Parameter '%s' is unexpected", key);
	} else if (!strcmp(type, "fd")) {
		a->type = VM_NETADDR_FD;
		v = get(p, KEY("str"));
		if (!v)
			return fail(p, "Parameter '%s' is missing", KEY("str"));
		if (get_fd(p, key, v, &a->fd))
			return -1;
		if (get(p, KEY("host")) || get(p, KEY("port")) || get(p, KEY("path")))
			return fail(p, "Parameter '%s' is unexpected", key);
	} else if (!strcmp(type, "vsock")) {
		return fail(p, "property '%s': vsock is not supported by vccw-vm", key);
	} else {
		return fail(p, "Parameter 'type' does not accept value '%s'", type);
	}
#undef KEY
	return 0;
}

static int parse_stream(struct parse *p, struct vm_netdev_cfg *c)
{
	unsigned int i;

	for (i = 0; i < p->opts->nr; i++) {
		const char *k = p->opts->kv[i].key;

		if (strcmp(k, "type") && strcmp(k, "id") && strcmp(k, "server") &&
		    strncmp(k, "addr.", 5))
			return fail(p, "Parameter '%s' is unexpected", k);
	}
	if (get_bool(p, "server", false, &c->server) || parse_addr(p, "addr", &c->addr))
		return -1;
	if (c->addr.type == VM_NETADDR_NONE)
		return fail(p, "Parameter 'addr' is missing");
	return 0;
}

static int parse_dgram(struct parse *p, struct vm_netdev_cfg *c)
{
	struct in_addr a;
	unsigned int i;

	for (i = 0; i < p->opts->nr; i++) {
		const char *k = p->opts->kv[i].key;

		if (strcmp(k, "type") && strcmp(k, "id") && strncmp(k, "local.", 6) &&
		    strncmp(k, "remote.", 7))
			return fail(p, "Parameter '%s' is unexpected", k);
	}
	if (parse_addr(p, "local", &c->local) || parse_addr(p, "remote", &c->remote))
		return -1;
	if (c->remote.type == VM_NETADDR_INET && inet_aton(c->remote.host, &a) &&
	    IN_MULTICAST(ntohl(a.s_addr)))
		return fail(p, "multicast (remote.host=%s) is not supported by vccw-vm",
			    c->remote.host);
	if (c->local.type == VM_NETADDR_NONE)
		return fail(p, "dgram requires local= parameter");
	if (c->local.type != VM_NETADDR_FD && c->remote.type == VM_NETADDR_NONE)
		return fail(p, "type=inet or type=unix requires remote parameter");
	if (c->remote.type == VM_NETADDR_FD)
		return fail(p, "remote.type=fd is not supported: the remote is an address");
	if (c->local.type != VM_NETADDR_FD && c->local.type != c->remote.type)
		return fail(p, "remote and local types must be the same");
	return 0;
}

/* ---- socket: QEMU's older form, mapped onto stream and dgram ---- */

/* "host:port" (host may be empty) into @a. */
static int parse_hostport(struct parse *p, const char *v, struct vm_netaddr *a)
{
	const char *colon = strrchr(v, ':');

	memset(a, 0, sizeof(*a));
	a->type = VM_NETADDR_INET;
	a->fd = -1;
	if (!colon)
		return fail(p, "host address '%s' doesn't contain ':' separating host from port",
			    v);
	if ((size_t)(colon - v) >= sizeof(a->host) || strlen(colon + 1) >= sizeof(a->port))
		return fail(p, "host address '%s' is too long", v);
	memcpy(a->host, v, (size_t)(colon - v));
	a->host[colon - v] = '\0';
	strcpy(a->port, colon + 1);
	if (!*a->port || strspn(a->port, "0123456789") != strlen(a->port) ||
	    atoi(a->port) > 65535)
		return fail(p, "port number '%s' is invalid", a->port);
	return 0;
}

static int parse_socket(struct parse *p, struct vm_netdev_cfg *c)
{
	static const char *const ours[] = { "fd", "listen", "connect", "udp", "localaddr",
					    "mcast", NULL };
	static const char *const qemu_only[] = { NULL };
	const char *fd, *listen, *conn, *udp, *mcast, *local;

	if (check_names(p, ours, qemu_only, false))
		return -1;
	fd = get(p, "fd");
	listen = get(p, "listen");
	conn = get(p, "connect");
	udp = get(p, "udp");
	mcast = get(p, "mcast");
	local = get(p, "localaddr");
	if (!!fd + !!listen + !!conn + !!udp + !!mcast != 1)
		return fail(p, "exactly one of listen=, connect=, mcast= or udp= is required");
	if (mcast)
		return fail(p, "mcast= is not supported by vccw-vm (use -netdev dgram with a "
			    "unicast remote, or stream)");
	if (local && !udp)
		return fail(p, "localaddr= is only valid with mcast= or udp=");
	if (fd) {
		c->kind = VM_NETDEV_SOCKFD;
		memset(&c->addr, 0, sizeof(c->addr));
		c->addr.type = VM_NETADDR_FD;
		return get_fd(p, "fd", fd, &c->addr.fd);
	}
	if (udp) {
		c->kind = VM_NETDEV_DGRAM;
		if (!local)
			return fail(p, "localaddr= is mandatory with udp=");
		return parse_hostport(p, udp, &c->remote) || parse_hostport(p, local, &c->local);
	}
	c->kind = VM_NETDEV_STREAM;
	c->server = listen != NULL;
	return parse_hostport(p, listen ? listen : conn, &c->addr);
}

int vm_netdev_parse(const char *type, struct vm_kvlist *opts, bool cmdline,
		    struct vm_netdev_cfg *cfg, char *msg, size_t len)
{
	static const char *const none[] = { NULL };
	static const char *const qemu_types[] = { "hubport", "l2tpv3", "vde", "bridge",
						  "vhost-user", "vhost-vdpa", "vmnet-host",
						  "vmnet-shared", "vmnet-bridged", NULL };
	struct parse p = { .opts = opts, .type = type, .cmdline = cmdline, .msg = msg,
			   .len = len };

	memset(cfg, 0, sizeof(*cfg));
	cfg->tap_fd = -1;
	cfg->addr.fd = cfg->local.fd = cfg->remote.fd = -1;
	if (!strcmp(type, "user")) {
		cfg->kind = VM_NETDEV_USER;
		return parse_user(&p, cfg);
	}
	if (!strcmp(type, "tap")) {
		cfg->kind = VM_NETDEV_TAP;
		return parse_tap(&p, cfg);
	}
	if (!strcmp(type, "stream")) {
		cfg->kind = VM_NETDEV_STREAM;
		return parse_stream(&p, cfg);
	}
	if (!strcmp(type, "dgram")) {
		cfg->kind = VM_NETDEV_DGRAM;
		return parse_dgram(&p, cfg);
	}
	if (!strcmp(type, "socket"))
		return parse_socket(&p, cfg);
	if (!strcmp(type, "loopback") || !strcmp(type, "none")) {
		cfg->kind = !strcmp(type, "none") ? VM_NETDEV_NONE : VM_NETDEV_LOOPBACK;
		return check_names(&p, none, none, false);
	}
	if (in_list(type, qemu_types))
		return fail(&p, "netdev type '%s' is not supported by vccw-vm (user, tap, stream, "
			    "dgram, socket, loopback or none)", type);
	return fail(&p, "unknown netdev type '%s' (user, tap, stream, dgram, socket, loopback "
		    "or none)", type);
}

/* ---- opening ---- */

static int open_fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int open_fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A socket of @type for @a, bound (@bind: listener or local end) or connected. */
static int addr_socket(const struct vm_netaddr *a, int type, bool bind_it, char *msg,
		       size_t len)
{
	struct addrinfo hints = { .ai_socktype = type }, *res, *ai;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *what = bind_it ? "bind" : "connect";
	struct stat st;
	int fd = -1, rc, one = 1, e = 0;

	if (a->type == VM_NETADDR_UNIX) {
		strcpy(sun.sun_path, a->path);
		fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return open_fail(msg, len, "socket: %s", strerror(errno));
		/* A socket left by an earlier run is replaced; any other file is not. */
		if (bind_it && stat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(a->path);
		rc = bind_it ? bind(fd, (struct sockaddr *)&sun, sizeof(sun))
			     : connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (rc < 0) {
			e = errno;
			close(fd);
			return open_fail(msg, len, "cannot %s to '%s': %s", what, a->path,
					 strerror(e));
		}
		return fd;
	}
	if (bind_it)
		hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(*a->host ? a->host : NULL, a->port, &hints, &res);
	if (rc)
		return open_fail(msg, len, "address '%s:%s': %s", a->host, a->port,
				 gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (bind_it)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if ((bind_it ? bind(fd, ai->ai_addr, ai->ai_addrlen)
			     : connect(fd, ai->ai_addr, ai->ai_addrlen)) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return open_fail(msg, len, "cannot %s to %s:%s: %s", what, a->host, a->port,
				 strerror(e));
	return fd;
}

static struct vccw_be_net *open_stream(const struct vm_netdev_cfg *c, char *msg, size_t len)
{
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	int fd;

	if (c->addr.type == VM_NETADDR_FD) {
		fd = c->addr.fd;
	} else {
		fd = addr_socket(&c->addr, SOCK_STREAM, c->server, msg, len);
		if (fd < 0)
			return NULL;
		if (c->server && listen(fd, 1) < 0) {
			open_fail(msg, len, "listen: %s", strerror(errno));
			close(fd);
			return NULL;
		}
	}
	be = vccw_be_net_stream_new(fd, c->server, &err);
	if (!be) {
		open_fail(msg, len, "%s", err.msg);
		if (c->addr.type != VM_NETADDR_FD)
			close(fd);
	}
	return be;
}

static struct vccw_be_net *open_dgram(const struct vm_netdev_cfg *c, char *msg, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const struct sockaddr *dst = NULL;
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	unsigned int dstlen = 0;
	int fd, rc;

	if (c->local.type == VM_NETADDR_FD) {
		fd = c->local.fd;
	} else {
		fd = addr_socket(&c->local, SOCK_DGRAM, true, msg, len);
		if (fd < 0)
			return NULL;
	}
	if (c->remote.type == VM_NETADDR_UNIX) {
		strcpy(sun.sun_path, c->remote.path);
		dst = (struct sockaddr *)&sun;
		dstlen = sizeof(sun);
	} else if (c->remote.type == VM_NETADDR_INET) {
		rc = getaddrinfo(c->remote.host, c->remote.port, &hints, &res);
		if (rc) {
			open_fail(msg, len, "address '%s:%s': %s", c->remote.host, c->remote.port,
				  gai_strerror(rc));
			goto err;
		}
		dst = res->ai_addr;
		dstlen = res->ai_addrlen;
	}
	be = vccw_be_net_dgram_new(fd, dst, dstlen, &err);
	if (res)
		freeaddrinfo(res);
	if (be)
		return be;
	open_fail(msg, len, "%s", err.msg);
err:
	if (c->local.type != VM_NETADDR_FD)
		close(fd);
	return NULL;
}

struct vccw_be_net *vm_netdev_cfg_open(const struct vm_netdev_cfg *c, char *msg, size_t len)
{
	struct vccw_err err = { 0 };
	struct vccw_be_net *be = NULL;
	socklen_t sl;
	int type;

	switch (c->kind) {
	case VM_NETDEV_USER:
		be = vccw_be_net_user_new(&c->user, &err);
		break;
	case VM_NETDEV_TAP:
		if (c->tap_fd >= 0) {
			be = vccw_be_net_tap_fd_new(c->tap_fd, &err);
		} else {
			char spec[32];

			if (*c->ifname)
				snprintf(spec, sizeof(spec), "tap,ifname=%s", c->ifname);
			else
				strcpy(spec, "tap");
			be = vccw_be_net_open(spec, &err);
		}
		break;
	case VM_NETDEV_STREAM:
		return open_stream(c, msg, len);
	case VM_NETDEV_DGRAM:
		return open_dgram(c, msg, len);
	case VM_NETDEV_SOCKFD:
		sl = sizeof(type);
		if (getsockopt(c->addr.fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0) {
			open_fail(msg, len, "fd %d is not a socket: %s", c->addr.fd,
				  strerror(errno));
			return NULL;
		}
		if (type == SOCK_STREAM)
			return open_stream(c, msg, len);
		if (type == SOCK_SEQPACKET) /* a unix message socket: one frame a message */
			be = vccw_be_net_fd_new(c->addr.fd, true, &err);
		else
			be = vccw_be_net_dgram_new(c->addr.fd, NULL, 0, &err);
		break;
	case VM_NETDEV_LOOPBACK:
		be = vccw_be_net_open("loopback", &err);
		break;
	case VM_NETDEV_NONE:
		be = vccw_be_net_open("none", &err);
		break;
	}
	if (!be)
		open_fail(msg, len, "%s", err.msg[0] ? err.msg : "cannot open the backend");
	return be;
}
