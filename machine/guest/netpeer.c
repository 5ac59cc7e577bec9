// SPDX-License-Identifier: MIT
/*
 * Guest programs that move frames over whatever backend the first virtio-net device has
 * (the network tests of vccw-vm; guest code, built like everything under guest/):
 *
 * netpeer  broadcast a hello frame (local experimental EtherType 0x88b5) every 100 ms,
 *          saying whether we have heard a peer yet, until a peer's hello says it heard
 *          us too; then end with 0. After 20 s without that, end with 1. Two machines
 *          joined by -netdev stream or dgram both end with 0 only if frames crossed both
 *          ways.
 * netecho  user networking's guest at 10.0.2.15: announce ourselves with an ARP request
 *          for the gateway, answer ARP requests for our address, and send every UDP
 *          datagram to port 7 back to its sender (the echo service); end with 0 after
 *          the first echo, or 1 after 20 s without one.
 */
#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "vccw/byteorder.h"

int guest_netpeer_main(void);
int guest_netecho_main(void);

#define ETH_P_TEST 0x88b5
#define PATIENCE_US 20000000u

static const char magic[] = "vccw-netpeer";

static struct guest_net *net_up(const char *prog)
{
	guest_drivers_register_all();
	if (guest_cio_init() < 0 || !guest_net_count()) {
		guest_printf("%s: no virtio-net device\n", prog);
		return NULL;
	}
	return guest_net_get(0);
}

static void mac_str(char *buf, const uint8_t *m)
{
	guest_snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		       m[5]);
}

int guest_netpeer_main(void)
{
	struct guest_net *net = net_up("netpeer");
	bool heard = false, heard_us = false;
	uint64_t end, next = 0;
	unsigned int sent = 0, extra = 0;
	uint8_t *f, *r;
	char who[18];
	int n;

	if (!net)
		return 1;
	f = guest_alloc(64, 8);
	r = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	end = guest_arch_now_us() + PATIENCE_US;
	/* After both directions worked, a few more hellos so the peer learns it too. */
	while (guest_arch_now_us() < end && extra < 5) {
		if (guest_arch_now_us() >= next) {
			guest_memset(f, 0, 64);
			guest_memset(f, 0xff, 6);
			guest_memcpy(f + 6, net->mac, 6);
			vccw_st_be16(f + 12, ETH_P_TEST);
			guest_memcpy(f + 14, magic, sizeof(magic));
			f[14 + sizeof(magic)] = heard;
			if (guest_net_send(net, f, 64) == 0)
				sent++;
			next = guest_arch_now_us() + 100000;
			if (heard && heard_us)
				extra++;
		}
		n = guest_net_recv(net, r, GUEST_NET_MAX_FRAME, 20000);
		if (n < 0)
			break;
		if (n < 64 || vccw_ld_be16(r + 12) != ETH_P_TEST ||
		    guest_memcmp(r + 14, magic, sizeof(magic)) || !guest_memcmp(r + 6, net->mac, 6))
			continue;
		if (!heard) {
			mac_str(who, r + 6);
			guest_printf("netpeer: heard %s\n", who);
			heard = true;
		}
		if (r[14 + sizeof(magic)] && !heard_us) {
			guest_printf("netpeer: the peer heard us\n");
			heard_us = true;
		}
	}
	guest_free(f, 64);
	guest_free(r, GUEST_NET_MAX_FRAME);
	mac_str(who, net->mac);
	if (heard && heard_us) {
		guest_printf("netpeer: ok %s: frames crossed both ways (%u sent)\n", who, sent);
		return 0;
	}
	guest_printf("netpeer: FAIL %s: heard a peer: %s, the peer heard us: %s\n", who,
		     heard ? "yes" : "no", heard_us ? "yes" : "no");
	return 1;
}

/* RFC 1071 checksum of @len bytes. */
static uint16_t ip_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += vccw_ld_be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void arp(struct guest_net *net, uint8_t *f, uint16_t op, const uint8_t *tha,
		const uint8_t *me, const uint8_t *tpa)
{
	guest_memset(f, 0, 60);
	if (op == 1)
		guest_memset(f, 0xff, 6);
	else
		guest_memcpy(f, tha, 6);
	guest_memcpy(f + 6, net->mac, 6);
	vccw_st_be16(f + 12, 0x0806);
	vccw_st_be16(f + 14, 1);
	vccw_st_be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	vccw_st_be16(f + 20, op);
	guest_memcpy(f + 22, net->mac, 6);
	guest_memcpy(f + 28, me, 4);
	if (op == 2)
		guest_memcpy(f + 32, tha, 6);
	guest_memcpy(f + 38, tpa, 4);
	guest_net_send(net, f, 60);
}

int guest_netecho_main(void)
{
	static const uint8_t me[4] = { 10, 0, 2, 15 }, gw[4] = { 10, 0, 2, 2 };
	struct guest_net *net = net_up("netecho");
	uint8_t *f, *r;
	uint64_t end, next = 0;
	size_t ihl, len;
	int n, rc = 1;

	if (!net)
		return 1;
	f = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	r = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	end = guest_arch_now_us() + PATIENCE_US;
	while (rc && guest_arch_now_us() < end) {
		if (guest_arch_now_us() >= next) {
			arp(net, f, 1, NULL, me, gw); /* tells the stack our MAC */
			next = guest_arch_now_us() + 1000000;
		}
		n = guest_net_recv(net, r, GUEST_NET_MAX_FRAME, 50000);
		if (n < 0)
			break;
		if (n >= 42 && vccw_ld_be16(r + 12) == 0x0806 && vccw_ld_be16(r + 20) == 1 &&
		    !guest_memcmp(r + 38, me, 4)) {
			arp(net, f, 2, r + 22, me, r + 28);
			continue;
		}
		/* IPv4, UDP, to us, port 7, not a fragment. */
		if (n < 42 || vccw_ld_be16(r + 12) != 0x0800 || (r[14] >> 4) != 4 ||
		    r[14 + 9] != 17 || guest_memcmp(r + 14 + 16, me, 4) ||
		    (vccw_ld_be16(r + 14 + 6) & 0x3fff))
			continue;
		ihl = (size_t)(r[14] & 0xf) * 4;
		len = vccw_ld_be16(r + 14 + 2);
		if (ihl < 20 || len < ihl + 8 || 14 + len > (size_t)n ||
		    vccw_ld_be16(r + 14 + ihl + 2) != 7)
			continue;
		/* The same datagram back: addresses and ports swapped, checksums redone. */
		guest_memcpy(f, r + 6, 6);
		guest_memcpy(f + 6, net->mac, 6);
		vccw_st_be16(f + 12, 0x0800);
		guest_memcpy(f + 14, r + 14, len);
		guest_memcpy(f + 14 + 12, r + 14 + 16, 4);
		guest_memcpy(f + 14 + 16, r + 14 + 12, 4);
		f[14 + 8] = 64;
		vccw_st_be16(f + 14 + 10, 0);
		vccw_st_be16(f + 14 + 10, ip_sum(f + 14, ihl));
		vccw_st_be16(f + 14 + ihl, vccw_ld_be16(r + 14 + ihl + 2));
		vccw_st_be16(f + 14 + ihl + 2, vccw_ld_be16(r + 14 + ihl));
		vccw_st_be16(f + 14 + ihl + 6, 0); /* no UDP checksum (RFC 768 allows it) */
		if (guest_net_send(net, f, 14 + len) == 0) {
			guest_printf("netecho: echoed %u bytes to port %u\n",
				     (unsigned int)(len - ihl - 8), vccw_ld_be16(r + 14 + ihl));
			rc = 0;
		}
	}
	if (rc)
		guest_printf("netecho: FAIL: no datagram to echo\n");
	guest_free(f, GUEST_NET_MAX_FRAME);
	guest_free(r, GUEST_NET_MAX_FRAME);
	return rc;
}
