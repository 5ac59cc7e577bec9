// SPDX-License-Identifier: MIT
/*
 * The guest virtio-net and virtio-balloon drivers against small host devices written
 * here (libvccw has neither yet): a loopback network device that returns every frame
 * sent on transmitq in the next receiveq buffer (virtio v1.2 5.1.6), and a balloon that
 * records the PFNs of inflateq and deflateq (5.5.6) and exposes num_pages and actual.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"
#include "vccw/virtio.h"

/* ---- Loopback virtio-net (host side) ---- */

#define NET_F_MAC 5
static const uint8_t fake_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct fake_net {
	struct vccw_virtio_dev vdev;
	struct vccw_vq_elem rx_elem;
	uint8_t frame[2048];
	unsigned int hdr_len_seen; /* header bytes of the last transmitted packet */
	unsigned int frames;
};

static uint64_t net_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_BIT(NET_F_MAC);
}

static uint32_t net_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return 8; /* mac, status */
}

static void net_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			    uint32_t len)
{
	uint8_t cfg[8] = { 0 };

	(void)vdev;
	memcpy(cfg, fake_mac, 6);
	memcpy(buf, cfg + off, len);
}

static uint16_t two_queues(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx < 2 ? 64 : 0;
}

static size_t gather(const struct iovec *iov, unsigned int n, uint8_t *out, size_t max)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t c = iov[i].iov_len < max - len ? iov[i].iov_len : max - len;

		memcpy(out + len, iov[i].iov_base, c);
		len += c;
	}
	return len;
}

static size_t scatter(const struct iovec *iov, unsigned int n, const uint8_t *in, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t c = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		memcpy(iov[i].iov_base, in + done, c);
		done += c;
	}
	return done;
}

static void net_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct fake_net *n = container_of(vdev, struct fake_net, vdev);
	/* 5.1.6: 12-byte header with VERSION_1, 10 for legacy without MRG_RXBUF. */
	size_t hdr = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_VERSION_1) ? 12 : 10;

	if (idx != 1)
		return;
	while (vccw_virtio_pop(vdev, 1, vdev->elem) == 1) {
		uint8_t pkt[2048];
		size_t len = gather(vdev->elem->out, vdev->elem->out_num, pkt, sizeof(pkt));

		n->hdr_len_seen = (unsigned int)vdev->elem->out[0].iov_len;
		vccw_virtio_push(vdev, 1, vdev->elem, 0);
		if (len < hdr)
			continue;
		/* Loop the frame back with an all-zero header. */
		memset(pkt, 0, hdr);
		if (vccw_virtio_pop(vdev, 0, &n->rx_elem) == 1) {
			size_t put = scatter(n->rx_elem.in, n->rx_elem.in_num, pkt, len);

			vccw_virtio_push(vdev, 0, &n->rx_elem, (uint32_t)put);
			n->frames++;
		}
	}
}

static const struct vccw_virtio_dev_ops fake_net_ops = {
	.name = "fake-net",
	.device_id = VCCW_VIRTIO_ID_NET,
	.get_features = net_features,
	.config_size = net_config_size,
	.read_config = net_read_config,
	.queue_max = two_queues,
	.queue_notify = net_notify,
};

/* ---- Recording virtio-balloon (host side) ---- */

struct fake_balloon {
	struct vccw_virtio_dev vdev;
	uint32_t num_pages, actual;
	unsigned int inflated, deflated;
	uint32_t last_pfn;
	bool bad_pfn;
};

static uint32_t balloon_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return 8;
}

/* 5.5.4: num_pages and actual are little-endian even for legacy devices. */
static void balloon_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
				uint32_t len)
{
	struct fake_balloon *b = container_of(vdev, struct fake_balloon, vdev);
	uint8_t cfg[8];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		cfg[i] = (uint8_t)(b->num_pages >> (8 * i));
		cfg[4 + i] = (uint8_t)(b->actual >> (8 * i));
	}
	memcpy(buf, cfg + off, len);
}

static void balloon_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
				 uint32_t len)
{
	struct fake_balloon *b = container_of(vdev, struct fake_balloon, vdev);
	uint8_t cfg[8] = { 0 };

	memcpy(cfg + off, buf, len);
	if (off <= 4 && off + len >= 8)
		b->actual = (uint32_t)cfg[4] | (uint32_t)cfg[5] << 8 | (uint32_t)cfg[6] << 16 |
			    (uint32_t)cfg[7] << 24;
}

static void balloon_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct fake_balloon *b = container_of(vdev, struct fake_balloon, vdev);

	while (vccw_virtio_pop(vdev, idx, vdev->elem) == 1) {
		uint8_t pfns[4096];
		size_t len = gather(vdev->elem->out, vdev->elem->out_num, pfns, sizeof(pfns)), i;

		for (i = 0; i + 4 <= len; i += 4) {
			uint32_t pfn = vccw_virtio_ld32(vdev, pfns + i);

			if ((uint64_t)pfn * 4096 >= GV_RAM_SIZE)
				b->bad_pfn = true;
			b->last_pfn = pfn;
			if (idx == 0)
				b->inflated++;
			else
				b->deflated++;
		}
		vccw_virtio_push(vdev, idx, vdev->elem, 0);
	}
}

static const struct vccw_virtio_dev_ops fake_balloon_ops = {
	.name = "fake-balloon",
	.device_id = VCCW_VIRTIO_ID_BALLOON,
	.config_size = balloon_config_size,
	.read_config = balloon_read_config,
	.write_config = balloon_write_config,
	.queue_max = two_queues,
	.queue_notify = balloon_notify,
};

/* ---- Guest programs ---- */

static struct {
	int rc;
	bool has_mac;
	uint8_t mac[6];
	unsigned int hdr_len;
	int64_t target;
	uint32_t actual_pages;
	uint8_t first_pfn_page[8];
} G;

static struct guest_vccw_opts OPTS;

static int g_fin(int rc)
{
	guest_cio_exit();
	guest_vccw_set_opts(NULL);
	G.rc = rc;
	return rc;
}

static int g_net(void)
{
	struct guest_net *net;
	uint8_t frame[200], got[1600];
	int i, n;

	guest_vccw_set_opts(&OPTS);
	if (guest_cio_init() < 0)
		return g_fin(1);
	guest_drivers_register_all();
	net = guest_net_get(0);
	if (!net)
		return g_fin(2);
	G.has_mac = net->has_mac;
	memcpy(G.mac, net->mac, 6);
	G.hdr_len = net->hdr_len;
	/* More frames than receive buffers: each one consumed is posted again. */
	for (i = 0; i < 3 * GUEST_NET_RX_BUFS; i++) {
		memset(frame, 0, sizeof(frame));
		memcpy(frame, net->mac, 6);
		frame[12] = 0x88;
		frame[13] = 0xb5;
		frame[20] = (uint8_t)i;
		if (guest_net_send(net, frame, 60 + (size_t)i))
			return g_fin(10);
		n = guest_net_recv(net, got, sizeof(got), 2000000);
		if (n != 60 + i || memcmp(got, frame, (size_t)n))
			return g_fin(11);
	}
	if (guest_net_recv(net, got, sizeof(got), 1000) != 0)
		return g_fin(12);
	return g_fin(0);
}

static int g_balloon(void)
{
	struct guest_balloon *b;

	guest_vccw_set_opts(&OPTS);
	if (guest_cio_init() < 0)
		return g_fin(1);
	guest_drivers_register_all();
	b = guest_balloon_get(0);
	if (!b)
		return g_fin(2);
	G.target = guest_balloon_target(b);
	if (guest_balloon_inflate(b, 300))
		return g_fin(3);
	if (guest_balloon_deflate(b, 100))
		return g_fin(4);
	G.actual_pages = b->nr_pages;
	return g_fin(0);
}

/* ---- Tests ---- */

static void run_net(unsigned int max_rev)
{
	static struct fake_net n; /* large: element scratch */
	struct gv_machine m;
	struct vccw_err err;

	memset(&n, 0, sizeof(n));
	memset(&G, 0, sizeof(G));
	REQUIRE(gv_init(&m));
	REQUIRE(vccw_virtio_dev_init(&n.vdev, &fake_net_ops, m.mem, gv_default_extra(), &err) ==
		0);
	REQUIRE(gv_add_vdev(&m, &n.vdev, max_rev) >= 0);
	CHECK_EQ(gv_run(&m, g_net), 0);
	CHECK(G.has_mac);
	CHECK(!memcmp(G.mac, fake_mac, 6));
	CHECK_EQ(n.frames, 3 * GUEST_NET_RX_BUFS);
	/* 5.1.6: header of 12 bytes with VERSION_1, 10 for legacy without MRG_RXBUF. */
	CHECK_EQ(G.hdr_len, max_rev ? 12 : 10);
	CHECK_EQ(n.hdr_len_seen, max_rev ? 12 : 10);
	gv_fini(&m);
	vccw_virtio_dev_fini(&n.vdev);
}

TEST(test_gv_net_loopback_v1)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	run_net(2);
}

TEST(test_gv_net_loopback_packed)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	OPTS.ring = GUEST_VCCW_RING_PACKED;
	run_net(2);
}

TEST(test_gv_net_loopback_legacy_10_byte_header)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	run_net(0);
}

static void run_balloon(unsigned int max_rev)
{
	static struct fake_balloon b;
	struct gv_machine m;
	struct vccw_err err;

	memset(&b, 0, sizeof(b));
	memset(&G, 0, sizeof(G));
	b.num_pages = 1234;
	REQUIRE(gv_init(&m));
	REQUIRE(vccw_virtio_dev_init(&b.vdev, &fake_balloon_ops, m.mem, gv_default_extra(),
				     &err) == 0);
	REQUIRE(gv_add_vdev(&m, &b.vdev, max_rev) >= 0);
	CHECK_EQ(gv_run(&m, g_balloon), 0);
	CHECK_EQ(G.target, 1234);
	CHECK_EQ(b.inflated, 300);
	CHECK_EQ(b.deflated, 100);
	CHECK(!b.bad_pfn);
	CHECK(b.last_pfn != 0);
	CHECK_EQ(G.actual_pages, 200);
	/* 5.5.6: the driver reports the balloon's size in actual. */
	CHECK_EQ(b.actual, 200);
	gv_fini(&m);
	vccw_virtio_dev_fini(&b.vdev);
}

TEST(test_gv_balloon_inflate_deflate_v1)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	run_balloon(2);
}

TEST(test_gv_balloon_inflate_deflate_legacy)
{
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.max_rev = -1;
	run_balloon(0);
}
