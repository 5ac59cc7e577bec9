// SPDX-License-Identifier: MIT
/*
 * The guest virtio-net driver against libvccw's virtio-net over the loopback backend
 * (every frame sent comes back): mergeable receive buffers gathered by num_buffers
 * (virtio v1.2 5.1.6.4), the control queue with the receive filter the driver sets at
 * probe, the MAC table and MAC_ADDR_SET (5.1.6.5.1, 5.1.6.5.2), and an announcement
 * the host requests while the guest receives (5.1.6.5.4).
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"
#include "vccw/be-net.h"
#include "vccw/net.h"

static struct guest_vccw_opts OPTS;

/* What the guest saw, checked by the host after it ended. */
static struct {
	int rc;
	bool mrg, ctrl;
	unsigned int hdr_len;
	unsigned int big_nb;  /* num_buffers of the 1400-byte frame */
	unsigned int indirect;
	unsigned int announces;
	uint8_t mac[6];       /* before MAC_ADDR_SET */
	uint8_t mac_after[6]; /* the driver's after it */
} G;

/* The announcement: the guest asks for it, a host thread makes it. */
static unsigned int want_announce, announced;
static struct vccw_net *host_net;

static const uint8_t new_mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };
static const uint8_t foreign[6] = { 0x02, 0x00, 0x00, 0x11, 0x22, 0x33 };
static const uint8_t all_hosts[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t other_group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x02 };

static int fin(int rc)
{
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	G.rc = rc;
	return rc;
}

static void frame_to(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src,
		     uint8_t tag)
{
	size_t i;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 3 + tag);
	f[14] = tag;
}

/*
 * Send a frame to @dst, then one to our own MAC; the first frame back tells whether
 * the filter let @dst through (and the marker is then taken too). Returns 1, 0, or
 * -1 when nothing came.
 */
static int passes(struct guest_net *net, uint8_t *f, uint8_t *got, const uint8_t *dst)
{
	int n;

	frame_to(f, 60, dst, net->mac, 1);
	if (guest_net_send(net, f, 60))
		return -1;
	frame_to(f, 60, net->mac, net->mac, 2);
	if (guest_net_send(net, f, 60))
		return -1;
	n = guest_net_recv(net, got, GUEST_NET_MAX_FRAME, 2000000);
	if (n != 60)
		return -1;
	if (got[14] == 2)
		return 0;
	n = guest_net_recv(net, got, GUEST_NET_MAX_FRAME, 2000000);
	return n == 60 && got[14] == 2 ? 1 : -1;
}

static int g_net(void)
{
	struct guest_net *net;
	uint8_t *f, *got;
	uint64_t end;
	unsigned int q;
	int n;

	guest_vccw_set_opts(&OPTS);
	if (guest_cio_init() < 0)
		return fin(1);
	guest_drivers_register_all();
	net = guest_net_get(0);
	if (!net)
		return fin(2);
	G.mrg = net->mrg_rxbuf;
	G.ctrl = net->ctrl;
	G.hdr_len = net->hdr_len;
	f = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	got = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	/* A 1400-byte frame comes back spread over 512-byte buffers: 12 + 1400 -> 3. */
	frame_to(f, 1400, net->mac, net->mac, 7);
	if (guest_net_send(net, f, 1400))
		return fin(3);
	n = guest_net_recv(net, got, GUEST_NET_MAX_FRAME, 2000000);
	if (n != 1400 || memcmp(got, f, 1400))
		return fin(4);
	G.big_nb = net->last_num_buffers;
	/* More frames than buffers: every buffer goes back to the device. */
	for (q = 0; q < 2 * GUEST_NET_MRG_BUFS; q++) {
		frame_to(f, 700, net->mac, net->mac, (uint8_t)q);
		if (guest_net_send(net, f, 700))
			return fin(5);
		n = guest_net_recv(net, got, GUEST_NET_MAX_FRAME, 2000000);
		if (n != 700 || memcmp(got, f, 700))
			return fin(6);
	}
	/* The filter the driver set at probe: promiscuous off, all-hosts in the table. */
	if (passes(net, f, got, foreign) != 0)
		return fin(10);
	if (passes(net, f, got, all_hosts) != 1 || passes(net, f, got, other_group) != 0)
		return fin(11);
	/* MAC_ADDR_SET: the new address passes, the old one no longer. */
	memcpy(G.mac, net->mac, 6);
	if (guest_net_set_mac(net, new_mac))
		return fin(12);
	if (passes(net, f, got, G.mac) != 0)
		return fin(13);
	/* A MAC table entry lets a unicast address through; promiscuous everything. */
	if (guest_net_set_mac_table(net, (const uint8_t(*)[6])foreign, 1, NULL, 0))
		return fin(14);
	if (passes(net, f, got, foreign) != 1 || passes(net, f, got, other_group) != 0)
		return fin(15);
	if (guest_net_set_rx_mode(net, true, false) || passes(net, f, got, other_group) != 1)
		return fin(16);
	/* The host announces while we receive; the driver acknowledges it. */
	__atomic_store_n(&want_announce, 1, __ATOMIC_SEQ_CST);
	end = guest_arch_now_us() + 5000000;
	while (!net->announces && guest_arch_now_us() < end)
		if (guest_net_recv(net, got, GUEST_NET_MAX_FRAME, 20000) < 0)
			return fin(17);
	G.announces = net->announces;
	memcpy(G.mac_after, net->mac, 6);
	for (q = 0; q < net->vdev.nr_vqs; q++)
		G.indirect += net->vdev.vqs[q]->nr_indirect;
	return fin(0);
}

static void *announcer(void *arg)
{
	unsigned int ms;

	(void)arg;
	for (ms = 0; ms < 10000; ms++) {
		if (__atomic_load_n(&want_announce, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&announced, vccw_net_announce(host_net), __ATOMIC_SEQ_CST);
			return NULL;
		}
		usleep(1000);
	}
	return NULL;
}

static void run(unsigned int max_rev, uint64_t extra)
{
	struct vccw_net_config cfg = { 0 };
	struct vccw_net_stats st;
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct gv_machine m;
	unsigned int modes;
	uint8_t mac[6];
	pthread_t t;

	memset(&G, 0, sizeof(G));
	want_announce = announced = 0;
	REQUIRE(gv_init(&m));
	be = vccw_be_net_open("loopback", &err);
	CHECK_MSG(be, "%s", err.msg);
	if (!be) {
		gv_fini(&m);
		return;
	}
	cfg.backend = be;
	host_net = vccw_net_new(m.mem, &cfg, extra, &err);
	CHECK_MSG(host_net, "%s", err.msg);
	if (!host_net || gv_add_vdev(&m, vccw_net_vdev(host_net), max_rev) < 0) {
		CHECK(false);
		goto out;
	}
	REQUIRE(pthread_create(&t, NULL, announcer, NULL) == 0);
	CHECK_EQ(gv_run(&m, g_net), 0);
	pthread_join(t, NULL);
	CHECK(G.mrg);
	CHECK(G.ctrl);
	CHECK_EQ(G.hdr_len, 12); /* MRG_RXBUF: with num_buffers, legacy too (5.1.6.1) */
	CHECK_EQ(G.big_nb, 3);
	CHECK(announced);
	CHECK_EQ(G.announces, 1);
	CHECK(!memcmp(G.mac_after, new_mac, 6));
	/* The device filtered the four frames the driver's filter should have kept out. */
	vccw_net_get_stats(host_net, &st);
	CHECK_EQ(st.rx_filtered, 4);
	/* The program's end reset the device: the configured MAC is back (5.1.6.5.2). */
	vccw_net_get_filter(host_net, mac, &modes);
	CHECK(!memcmp(mac, G.mac, 6));
	CHECK_EQ(modes, 1u << VCCW_VIRTIO_NET_CTRL_RX_PROMISC);
out:
	gv_fini(&m);
	vccw_net_free(host_net);
	vccw_be_net_close(be);
}

TEST(test_gv_net_mrg_rxbuf_ctrl_filter_announce_split)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	OPTS.ring = GUEST_VCCW_RING_SPLIT;
	run(2, gv_default_extra());
	CHECK_EQ(G.rc, 0);
	CHECK_EQ(G.indirect, 0);
}

TEST(test_gv_net_mrg_rxbuf_ctrl_filter_announce_packed_indirect)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run(2, gv_default_extra() | VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC));
	CHECK_EQ(G.rc, 0);
	CHECK(G.indirect > 0);
}

TEST(test_gv_net_mrg_rxbuf_ctrl_filter_announce_legacy)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	run(0, gv_default_extra() | VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC));
	CHECK_EQ(G.rc, 0);
}
