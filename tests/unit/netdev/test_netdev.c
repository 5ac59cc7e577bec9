// SPDX-License-Identifier: MIT
/*
 * Unit tests of machine/config/netdev.c, the parser behind -netdev and netdev_add: every
 * property of user, tap, stream, dgram and socket, their defaults, and the refusals with
 * their exact texts. Where QEMU 7.2 refuses the same thing the text is QEMU's, as
 * qemu-system-s390x 7.2 prints it (checked by hand against "-netdev ..." lines: the
 * comments quote them); where QEMU takes something we do not carry out, the property is
 * named.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdev.h"
#include "test.h"
#include "vm-int.h"

static struct vm_kvlist list;
static struct vm_netdev_cfg cfg;
static char msg[512];

static void list_free(void)
{
	unsigned int i;

	for (i = 0; i < list.nr; i++) {
		free(list.kv[i].key);
		free(list.kv[i].val);
	}
	free(list.kv);
	memset(&list, 0, sizeof(list));
}

/* "k=v,k=v" into the list (no escapes needed here). */
static void list_set(const char *props)
{
	char *copy = strdup(props), *tok, *save = NULL, *eq;

	list_free();
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		list.kv = realloc(list.kv, (list.nr + 1) * sizeof(*list.kv));
		list.kv[list.nr].key = strndup(tok, eq ? (size_t)(eq - tok) : strlen(tok));
		list.kv[list.nr].val = strdup(eq ? eq + 1 : "");
		list.kv[list.nr].used = false;
		list.nr++;
	}
	free(copy);
}

static int parse_src(const char *type, const char *props, bool cmdline)
{
	msg[0] = '\0';
	list_set(props);
	return vm_netdev_parse(type, &list, cmdline, &cfg, msg, sizeof(msg));
}

static int parse(const char *type, const char *props)
{
	return parse_src(type, props, true);
}

static bool all_used(void)
{
	unsigned int i;

	for (i = 0; i < list.nr; i++)
		if (!list.kv[i].used)
			return false;
	return true;
}

static const char *ip(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static unsigned int n;

	n = (n + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[n], sizeof(buf[n]));
}

struct bad {
	const char *type, *props, *msg;
};

static void check_bad(const struct bad *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int rc = parse(b[i].type, b[i].props);

		CHECK_MSG(rc == -1, "%s,%s accepted", b[i].type, b[i].props);
		CHECK_MSG(!strcmp(msg, b[i].msg), "%s,%s: '%s', expected '%s'", b[i].type,
			  b[i].props, msg, b[i].msg);
	}
}

/* ---- user ---- */

TEST(test_user_defaults_are_qemus)
{
	REQUIRE(parse("user", "") == 0);
	CHECK_EQ(cfg.kind, VM_NETDEV_USER);
	CHECK(!strcmp(ip(cfg.user.net), "10.0.2.0"));
	CHECK(!strcmp(ip(cfg.user.mask), "255.255.255.0"));
	CHECK(!strcmp(ip(cfg.user.host), "10.0.2.2"));
	CHECK(!strcmp(ip(cfg.user.dns), "10.0.2.3"));
	CHECK(!strcmp(ip(cfg.user.dhcpstart), "10.0.2.15"));
	CHECK(!cfg.user.restricted);
	CHECK_EQ(cfg.user.nr_hostfwd, 0);
	CHECK(!cfg.user.hostname && !cfg.user.domainname);
}

TEST(test_user_net_moves_host_dns_dhcp_along)
{
	REQUIRE(parse("user", "net=10.0.5.0/24") == 0);
	CHECK(!strcmp(ip(cfg.user.net), "10.0.5.0"));
	CHECK(!strcmp(ip(cfg.user.host), "10.0.5.2"));
	CHECK(!strcmp(ip(cfg.user.dns), "10.0.5.3"));
	CHECK(!strcmp(ip(cfg.user.dhcpstart), "10.0.5.15"));
	/* The host bits of net= are cleared, as QEMU does (10.0.5.1/24 is accepted). */
	REQUIRE(parse("user", "net=10.0.5.1/24") == 0);
	CHECK(!strcmp(ip(cfg.user.net), "10.0.5.0"));
	REQUIRE(parse("user", "net=10.9.0.0/255.255.0.0") == 0);
	CHECK(!strcmp(ip(cfg.user.mask), "255.255.0.0"));
	CHECK(!strcmp(ip(cfg.user.dhcpstart), "10.9.2.15"));
	/* Without a mask the address class decides: 192.168/16, 10/8, 172.16/12. */
	REQUIRE(parse("user", "net=192.168.7.0") == 0);
	CHECK(!strcmp(ip(cfg.user.mask), "255.255.0.0"));
	CHECK(!strcmp(ip(cfg.user.host), "192.168.2.2"));
	REQUIRE(parse("user", "net=10.1.0.0") == 0);
	CHECK(!strcmp(ip(cfg.user.mask), "255.0.0.0"));
	REQUIRE(parse("user", "net=172.17.0.0") == 0);
	CHECK(!strcmp(ip(cfg.user.mask), "255.240.0.0"));
}

TEST(test_user_addresses_and_names)
{
	REQUIRE(parse("user", "net=10.0.7.0/24,host=10.0.7.1,dns=10.0.7.53,"
			      "dhcpstart=10.0.7.100,restrict=on,hostname=guest1,"
			      "domainname=example.org,ipv4=on,ipv6=on") == 0);
	CHECK(all_used());
	CHECK(!strcmp(ip(cfg.user.host), "10.0.7.1"));
	CHECK(!strcmp(ip(cfg.user.dns), "10.0.7.53"));
	CHECK(!strcmp(ip(cfg.user.dhcpstart), "10.0.7.100"));
	CHECK(cfg.user.restricted);
	CHECK(cfg.user.hostname && !strcmp(cfg.user.hostname, "guest1"));
	CHECK(cfg.user.domainname && !strcmp(cfg.user.domainname, "example.org"));
	/* Unrestricted, the DNS may be outside the guest network (QEMU 7.2 takes it). */
	REQUIRE(parse("user", "dns=1.2.3.4") == 0);
	CHECK(!strcmp(ip(cfg.user.dns), "1.2.3.4"));
}

TEST(test_user_hostfwd_rules)
{
	const struct vccw_be_net_hostfwd *f = cfg.hostfwd;

	REQUIRE(parse("user", "hostfwd=tcp:127.0.0.1:5555-:22,hostfwd=udp::6000-10.0.2.15:7,"
			      "hostfwd=::0-:80") == 0);
	CHECK(all_used());
	REQUIRE(cfg.user.nr_hostfwd == 3);
	CHECK(cfg.user.hostfwd == cfg.hostfwd);
	CHECK(!f[0].udp && !strcmp(ip(f[0].host_addr), "127.0.0.1") && f[0].host_port == 5555);
	CHECK(f[0].guest_addr.s_addr == 0 && f[0].guest_port == 22);
	CHECK(f[1].udp && f[1].host_addr.s_addr == 0 && f[1].host_port == 6000);
	CHECK(!strcmp(ip(f[1].guest_addr), "10.0.2.15") && f[1].guest_port == 7);
	/* An empty protocol is TCP; host port 0 is any free port. */
	CHECK(!f[2].udp && f[2].host_port == 0 && f[2].guest_port == 80);
}

TEST(test_user_refusals_in_qemus_words)
{
	static const struct bad bad[] = {
		{ "user", "hostfwd=icmp::5-:6",
		  "Invalid host forwarding rule 'icmp::5-:6' (Bad protocol name)" },
		{ "user", "hostfwd=tcp:5555-:22",
		  "Invalid host forwarding rule 'tcp:5555-:22' (Bad host address)" },
		{ "user", "hostfwd=tcp::5555:22",
		  "Invalid host forwarding rule 'tcp::5555:22' (Bad host port separator)" },
		{ "user", "hostfwd=tcp::70000-:22",
		  "Invalid host forwarding rule 'tcp::70000-:22' (Bad host port)" },
		{ "user", "hostfwd=tcp::x-:22",
		  "Invalid host forwarding rule 'tcp::x-:22' (Bad host port)" },
		{ "user", "hostfwd=tcp::5-1.2.3.4x:22",
		  "Invalid host forwarding rule 'tcp::5-1.2.3.4x:22' (Bad guest address)" },
		{ "user", "hostfwd=tcp::5-:0",
		  "Invalid host forwarding rule 'tcp::5-:0' (Bad guest port)" },
		{ "user", "hostfwd=tcp::5-:",
		  "Invalid host forwarding rule 'tcp::5-:' (Bad guest port)" },
		{ "user", "hostfwd=tcp::5-10.0.2.15",
		  "Invalid host forwarding rule 'tcp::5-10.0.2.15' (Missing guest address)" },
		{ "user", "net=10.0.2.0/3", "Invalid netmask provided (must be in range 4-32)" },
		{ "user", "net=10.0.2.0/24x", "Failed to parse netmask (trailing chars)" },
		{ "user", "net=foo", "Failed to parse netmask" },
		{ "user", "host=x", "Failed to parse host" },
		{ "user", "host=10.0.3.3", "Host doesn't belong to network" },
		{ "user", "dns=x", "Failed to parse DNS" },
		{ "user", "dns=10.0.2.2", "DNS must be different from host" },
		{ "user", "dns=1.2.3.4,restrict=on", "DNS doesn't belong to network" },
		{ "user", "dhcpstart=x", "Failed to parse DHCP start address" },
		{ "user", "dhcpstart=10.0.3.3", "DHCP doesn't belong to network" },
		{ "user", "host=10.0.2.15", "DHCP must be different from host and DNS" },
		{ "user", "restrict=maybe", "Parameter 'restrict' expects 'on' or 'off'" },
		{ "user", "foo=1", "Invalid parameter 'foo'" },
		/* QEMU takes these; we do not carry them out, and say so. */
		{ "user", "tftp=/srv", "property 'tftp' of -netdev user is not supported by vccw-vm" },
		{ "user", "guestfwd=tcp:10.0.2.100:1234-cmd:cat",
		  "property 'guestfwd' of -netdev user is not supported by vccw-vm" },
		{ "user", "smb=/srv", "property 'smb' of -netdev user is not supported by vccw-vm" },
		{ "user", "ipv6-net=fec1::/64",
		  "property 'ipv6-net' of -netdev user is not supported by vccw-vm" },
		{ "user", "ipv4=off",
		  "ipv4=off is not supported by vccw-vm (the guest network is IPv4 and IPv6)" },
	};

	check_bad(bad, VCCW_ARRAY_SIZE(bad));
}

/* ---- tap ---- */

TEST(test_tap_properties)
{
	int p[2];

	REQUIRE(parse("tap", "ifname=vccwtap7,script=no,downscript=no,vhost=off,vhostforce=off,"
			     "vnet_hdr=off") == 0);
	CHECK(all_used());
	CHECK_EQ(cfg.kind, VM_NETDEV_TAP);
	CHECK(!strcmp(cfg.ifname, "vccwtap7"));
	CHECK_EQ(cfg.tap_fd, -1);
	/* An empty script is no script, as in QEMU. */
	REQUIRE(parse("tap", "script=,downscript=") == 0);
	CHECK(!*cfg.ifname);
	/* fd= names an inherited descriptor: parsing checks only that it is open. */
	REQUIRE(pipe(p) == 0);
	char props[32];

	snprintf(props, sizeof(props), "fd=%d", p[0]);
	REQUIRE(parse("tap", props) == 0);
	CHECK_EQ(cfg.tap_fd, p[0]);
	/* From netdev_add a number would be one of vccw-vm's own descriptors: refused. */
	CHECK(parse_src("tap", props, false) == -1);
	CHECK_MSG(!strcmp(msg, "property 'fd': a file descriptor is only taken on the command "
			       "line (an inherited one); netdev_add has no getfd"), "%s", msg);
	close(p[0]);
	close(p[1]);
}

TEST(test_tap_refusals)
{
	static const struct bad bad[] = {
		{ "tap", "fd=1,ifname=x",
		  "ifname=, script=, downscript=, vnet_hdr=, helper=, queues=, fds=, and "
		  "vhostfds= are invalid with fd=" },
		{ "tap", "fd=99999", "property 'fd': '99999' is not a file descriptor number" },
		{ "tap", "fd=x", "property 'fd': 'x' is not a file descriptor number" },
		{ "tap", "fd=65000", "Can't use file descriptor 65000: Bad file descriptor" },
		{ "tap", "script=/etc/qemu-ifup",
		  "script=/etc/qemu-ifup: vccw-vm never runs scripts; configure the interface "
		  "beforehand and give script=no" },
		{ "tap", "script=no,downscript=/etc/qemu-ifdown",
		  "downscript=/etc/qemu-ifdown: vccw-vm never runs scripts; configure the "
		  "interface beforehand and give downscript=no" },
		{ "tap", "vhost=on",
		  "vhost=on is not supported: vccw-vm moves the frames itself (give vhost=off)" },
		{ "tap", "vhost=sometimes", "Parameter 'vhost' expects 'on' or 'off'" },
		{ "tap", "vnet_hdr=on", "vnet_hdr=on is not supported: frames cross the TAP "
					"interface without a virtio-net header" },
		{ "tap", "ifname=averyveryverylongname",
		  "property 'ifname': 'averyveryverylongname' is longer than 15 characters" },
		{ "tap", "queues=2", "property 'queues' of -netdev tap is not supported by vccw-vm" },
		{ "tap", "br=br0", "property 'br' of -netdev tap is not supported by vccw-vm" },
		{ "tap", "helper=/usr/lib/qemu/qemu-bridge-helper",
		  "property 'helper' of -netdev tap is not supported by vccw-vm" },
		{ "tap", "path=/x", "Invalid parameter 'path'" },
	};

	check_bad(bad, VCCW_ARRAY_SIZE(bad));
}

/* ---- stream, dgram ---- */

TEST(test_stream_addresses)
{
	REQUIRE(parse("stream", "server=on,addr.type=inet,addr.host=127.0.0.1,"
				"addr.port=5555") == 0);
	CHECK(all_used());
	CHECK_EQ(cfg.kind, VM_NETDEV_STREAM);
	CHECK(cfg.server);
	CHECK_EQ(cfg.addr.type, VM_NETADDR_INET);
	CHECK(!strcmp(cfg.addr.host, "127.0.0.1") && !strcmp(cfg.addr.port, "5555"));
	REQUIRE(parse("stream", "addr.type=unix,addr.path=/run/x.sock") == 0);
	CHECK(!cfg.server);
	CHECK_EQ(cfg.addr.type, VM_NETADDR_UNIX);
	CHECK(!strcmp(cfg.addr.path, "/run/x.sock"));
	REQUIRE(parse("stream", "server=off,addr.type=fd,addr.str=1") == 0);
	CHECK_EQ(cfg.addr.type, VM_NETADDR_FD);
	CHECK_EQ(cfg.addr.fd, 1);
}

TEST(test_stream_dgram_refusals)
{
	static const struct bad bad[] = {
		{ "stream", "", "Parameter 'addr' is missing" },
		{ "stream", "addr.type=inet,addr.host=127.0.0.1", "Parameter 'addr.port' is missing" },
		{ "stream", "addr.type=inet,addr.port=5", "Parameter 'addr.host' is missing" },
		{ "stream", "addr.type=unix", "Parameter 'addr.path' is missing" },
		{ "stream", "addr.type=fd", "Parameter 'addr.str' is missing" },
		{ "stream", "addr.host=h,addr.port=5", "Parameter 'addr.type' is missing" },
		{ "stream", "addr.type=foo", "Parameter 'type' does not accept value 'foo'" },
		{ "stream", "server=maybe,addr.type=unix,addr.path=/x",
		  "Parameter 'server' expects 'on' or 'off'" },
		{ "stream", "addr.type=inet,addr.host=h,addr.port=5,bogus=1",
		  "Parameter 'bogus' is unexpected" },
		{ "stream", "addr.type=inet,addr.host=h,addr.port=5,addr.bogus=1",
		  "Parameter 'addr.bogus' is unexpected" },
		{ "stream", "addr.type=inet,addr.host=h,addr.port=5,addr.to=9",
		  "property 'addr.to' of -netdev stream is not supported by vccw-vm" },
		{ "stream", "addr.type=unix,addr.path=/x,addr.abstract=on",
		  "property 'addr.abstract' of -netdev stream is not supported by vccw-vm" },
		{ "stream", "addr.type=vsock,addr.cid=3,addr.port=5",
		  "Parameter 'addr.cid' is unexpected" },
		{ "dgram", "", "dgram requires local= parameter" },
		{ "dgram", "remote.type=inet,remote.host=127.0.0.1,remote.port=5",
		  "dgram requires local= parameter" },
		{ "dgram", "local.type=inet,local.host=127.0.0.1,local.port=7777",
		  "type=inet or type=unix requires remote parameter" },
		{ "dgram", "local.type=unix,local.path=/x",
		  "type=inet or type=unix requires remote parameter" },
		{ "dgram", "local.type=unix,local.path=/x,remote.type=unix",
		  "Parameter 'remote.path' is missing" },
		{ "dgram", "local.type=inet,local.host=h,local.port=6,remote.type=unix,"
			   "remote.path=/x", "remote and local types must be the same" },
		{ "dgram", "local.type=inet,local.host=h,local.port=6,remote.type=inet,"
			   "remote.host=230.0.0.1,remote.port=5",
		  "multicast (remote.host=230.0.0.1) is not supported by vccw-vm" },
		{ "dgram", "local.type=inet,local.host=h,local.port=6,addr.type=inet",
		  "Parameter 'addr.type' is unexpected" },
	};

	check_bad(bad, VCCW_ARRAY_SIZE(bad));
}

TEST(test_dgram_addresses)
{
	REQUIRE(parse("dgram", "local.type=inet,local.host=127.0.0.1,local.port=6000,"
			       "remote.type=inet,remote.host=127.0.0.1,remote.port=6001") == 0);
	CHECK(all_used());
	CHECK_EQ(cfg.kind, VM_NETDEV_DGRAM);
	CHECK(!strcmp(cfg.local.port, "6000") && !strcmp(cfg.remote.port, "6001"));
	REQUIRE(parse("dgram", "local.type=unix,local.path=/a,remote.type=unix,"
			       "remote.path=/b") == 0);
	CHECK(!strcmp(cfg.local.path, "/a") && !strcmp(cfg.remote.path, "/b"));
	/* A local fd needs no remote: it may be connected already. */
	REQUIRE(parse("dgram", "local.type=fd,local.str=2") == 0);
	CHECK_EQ(cfg.local.fd, 2);
	CHECK_EQ(cfg.remote.type, VM_NETADDR_NONE);
}

/* ---- socket ---- */

TEST(test_socket_maps_onto_stream_and_dgram)
{
	REQUIRE(parse("socket", "listen=:5555") == 0);
	CHECK_EQ(cfg.kind, VM_NETDEV_STREAM);
	CHECK(cfg.server && cfg.addr.type == VM_NETADDR_INET);
	CHECK(!strcmp(cfg.addr.host, "") && !strcmp(cfg.addr.port, "5555"));
	REQUIRE(parse("socket", "connect=127.0.0.1:5555") == 0);
	CHECK(!cfg.server && !strcmp(cfg.addr.host, "127.0.0.1"));
	REQUIRE(parse("socket", "udp=127.0.0.1:5,localaddr=127.0.0.1:6") == 0);
	CHECK(all_used());
	CHECK_EQ(cfg.kind, VM_NETDEV_DGRAM);
	CHECK(!strcmp(cfg.remote.port, "5") && !strcmp(cfg.local.port, "6"));
	REQUIRE(parse("socket", "fd=2") == 0);
	CHECK_EQ(cfg.kind, VM_NETDEV_SOCKFD);
	CHECK_EQ(cfg.addr.fd, 2);
}

TEST(test_socket_refusals)
{
	static const struct bad bad[] = {
		{ "socket", "", "exactly one of listen=, connect=, mcast= or udp= is required" },
		{ "socket", "listen=:5555,connect=127.0.0.1:5555",
		  "exactly one of listen=, connect=, mcast= or udp= is required" },
		{ "socket", "connect=127.0.0.1",
		  "host address '127.0.0.1' doesn't contain ':' separating host from port" },
		{ "socket", "listen=:x", "port number 'x' is invalid" },
		{ "socket", "udp=1.2.3.4:5", "localaddr= is mandatory with udp=" },
		{ "socket", "mcast=230.0.0.1:1234",
		  "mcast= is not supported by vccw-vm (use -netdev dgram with a unicast remote, "
		  "or stream)" },
		{ "socket", "path=/x", "Invalid parameter 'path'" },
		{ "vde", "", "netdev type 'vde' is not supported by vccw-vm (user, tap, stream, "
			     "dgram, socket, loopback or none)" },
		{ "frob", "", "unknown netdev type 'frob' (user, tap, stream, dgram, socket, "
			      "loopback or none)" },
		{ "none", "x=1", "Invalid parameter 'x'" },
	};

	check_bad(bad, VCCW_ARRAY_SIZE(bad));
	list_free();
}
