// SPDX-License-Identifier: MIT
/*
 * virtio-net through real split virtqueues (virtio v1.2 section 5.1) over a
 * SOCK_SEQPACKET socketpair backend: transmit strips the 12-byte (VERSION_1) or 10-byte
 * (legacy) virtio_net_hdr, receive adds a zeroed one, frames wait in a bounded backlog
 * without buffers and are dropped beyond it; the network backends' spec parser, the
 * loopback and socket kinds; and, with libslirp, an ARP exchange with the "user"
 * network's gateway 10.0.2.2.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/be-net.h"
#include "vccw/byteorder.h"
#include "vccw/net.h"

#define V1 VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)
#define RX_BUF 0x40000u  /* receive buffers: RX_BUF + slot * RX_SLOT */
#define RX_SLOT 0x1000u

struct netfix {
	int peer; /* our end of the socketpair, -1 for other backends */
	struct vccw_be_net *be;
	struct vccw_mem *mem;
	struct vccw_net *net;
	struct vdrv d;
	unsigned int config_changes;
	uint64_t accept; /* features the driver accepts; 0: all but MRG_RXBUF */
};

#define NO_MRG (~(uint64_t)0 & ~VCCW_BIT(VCCW_VIRTIO_NET_F_MRG_RXBUF))

static unsigned int *config_counter;

static void count_notify_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	(void)idx;
}

static void count_notify_config(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	if (config_counter)
		(*config_counter)++;
}

static const struct vccw_virtio_transport_ops counting_transport = {
	.notify_queue = count_notify_queue,
	.notify_config = count_notify_config,
};

/* Create the device over f->be and drive it to DRIVER_OK (@v1: VERSION_1, else legacy). */
static bool net_start(struct netfix *f, bool v1, const struct vccw_net_config *base)
{
	struct vccw_net_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_err err = { 0 };
	struct vccw_virtio_dev *vdev;

	if (base)
		cfg = *base;
	cfg.backend = f->be;
	f->mem = vdrv_mem();
	if (!f->mem)
		return false;
	f->net = vccw_net_new(f->mem, &cfg, v1 ? V1 : 0, &err);
	CHECK_MSG(f->net, "%s", err.msg);
	if (!f->net)
		return false;
	vdev = vccw_net_vdev(f->net);
	if (!vdrv_start(&f->d, f->mem, vdev, f->accept ? f->accept : NO_MRG, 3))
		return false;
	pthread_mutex_lock(&vdev->lock);
	config_counter = &f->config_changes;
	vdev->transport = &counting_transport;
	pthread_mutex_unlock(&vdev->lock);
	return true;
}

static bool net_open_pair_accept(struct netfix *f, bool v1, uint64_t accept)
{
	struct vccw_err err = { 0 };
	int sv[2];

	memset(f, 0, sizeof(*f));
	f->accept = accept;
	f->peer = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		CHECK_MSG(false, "socketpair: %s", strerror(errno));
		return false;
	}
	f->peer = sv[1];
	f->be = vccw_be_net_fd_new(sv[0], true, &err);
	CHECK_MSG(f->be, "%s", err.msg);
	if (!f->be) {
		close(sv[0]);
		return false;
	}
	return net_start(f, v1, NULL);
}

static bool net_open_pair(struct netfix *f, bool v1)
{
	return net_open_pair_accept(f, v1, 0);
}

static void net_close(struct netfix *f)
{
	vccw_net_free(f->net);
	vccw_be_net_close(f->be);
	vccw_mem_free(f->mem);
	if (f->peer >= 0)
		close(f->peer);
	config_counter = NULL;
}

/* A test frame of @len bytes: broadcast destination, our MAC, an odd EtherType, pattern. */
static void make_frame(uint8_t *buf, size_t len, uint8_t seed)
{
	static const uint8_t hdr[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54,
					 0x00, 0x12, 0x34, 0x56, 0x88, 0xb5 };
	size_t i;

	memcpy(buf, hdr, len < sizeof(hdr) ? len : sizeof(hdr));
	for (i = sizeof(hdr); i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7);
}

/* Receive one message from @fd within 5 s. Returns its length or -1. */
static ssize_t recv_frame(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) <= 0)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/*
 * Transmit @frame behind a header of @hlen bytes whose fields are all non-zero junk the
 * device must not pass on; @split puts the header in its own descriptor.
 */
static void transmit(struct netfix *f, const uint8_t *frame, uint32_t len, uint32_t hlen,
		     bool split)
{
	struct vdrv_seg segs[2];
	uint32_t used = 1;
	uint16_t id;
	uint64_t a;

	vdrv_reset_bufs(&f->d);
	a = vdrv_alloc(&f->d, hlen + len);
	vccw_mem_fill(f->mem, a, 0x5a, hlen);
	vccw_mem_write(f->mem, a + hlen, frame, len);
	if (split) {
		segs[0] = (struct vdrv_seg){ a, hlen, false };
		segs[1] = (struct vdrv_seg){ a + hlen, len, false };
		vdrv_add(&f->d, VCCW_NET_TX_QUEUE, segs, 2);
	} else {
		segs[0] = (struct vdrv_seg){ a, hlen + len, false };
		vdrv_add(&f->d, VCCW_NET_TX_QUEUE, segs, 1);
	}
	vdrv_kick(&f->d, VCCW_NET_TX_QUEUE);
	CHECK(vdrv_wait_used(&f->d, VCCW_NET_TX_QUEUE, &id, &used));
	CHECK_EQ(used, 0); /* 5.1.6.1: nothing written into transmit buffers */
}

static uint64_t post_rx(struct netfix *f, unsigned int slot, uint32_t len)
{
	struct vdrv_seg seg = { RX_BUF + RX_SLOT * slot, len, true };

	vccw_mem_fill(f->mem, seg.addr, 0xee, len);
	vdrv_add(&f->d, VCCW_NET_RX_QUEUE, &seg, 1);
	vdrv_kick(&f->d, VCCW_NET_RX_QUEUE);
	return seg.addr;
}

TEST(test_net_tx_strips_12_byte_header_version_1)
{
	uint8_t frame[100], got[200];
	struct netfix f;

	if (!net_open_pair(&f, true))
		goto out;
	CHECK(!f.d.legacy);
	make_frame(frame, sizeof(frame), 1);
	transmit(&f, frame, sizeof(frame), VCCW_VIRTIO_NET_HDR_LEN, false);
	CHECK_EQ(recv_frame(f.peer, got, sizeof(got)), sizeof(frame));
	CHECK(!memcmp(got, frame, sizeof(frame)));
	/* Header in a descriptor of its own (5.1.6.2: any layout with VERSION_1). */
	make_frame(frame, sizeof(frame), 2);
	transmit(&f, frame, sizeof(frame), VCCW_VIRTIO_NET_HDR_LEN, true);
	CHECK_EQ(recv_frame(f.peer, got, sizeof(got)), sizeof(frame));
	CHECK(!memcmp(got, frame, sizeof(frame)));
out:
	net_close(&f);
}

TEST(test_net_tx_legacy_strips_10_byte_header)
{
	uint8_t frame[64], got[200];
	struct vccw_net_stats st;
	struct netfix f;

	if (!net_open_pair(&f, false))
		goto out;
	CHECK(f.d.legacy);
	make_frame(frame, sizeof(frame), 3);
	transmit(&f, frame, sizeof(frame), VCCW_VIRTIO_NET_HDR_LEN_LEGACY, true);
	CHECK_EQ(recv_frame(f.peer, got, sizeof(got)), sizeof(frame));
	CHECK(!memcmp(got, frame, sizeof(frame)));
	vccw_net_get_stats(f.net, &st);
	CHECK_EQ(st.tx_frames, 1);
out:
	net_close(&f);
}

TEST(test_net_tx_buffer_shorter_than_header_needs_reset)
{
	struct vdrv_seg seg;
	struct netfix f;
	uint32_t used;
	uint16_t id;

	if (!net_open_pair(&f, true))
		goto out;
	seg = (struct vdrv_seg){ vdrv_alloc(&f.d, 8), 8, false };
	vdrv_add(&f.d, VCCW_NET_TX_QUEUE, &seg, 1);
	vdrv_kick(&f.d, VCCW_NET_TX_QUEUE);
	CHECK(vdrv_wait_used(&f.d, VCCW_NET_TX_QUEUE, &id, &used));
	/* 2.1.2: the device cannot continue; NEEDS_RESET and a configuration change. */
	CHECK(vccw_virtio_get_status(vccw_net_vdev(f.net)) & VCCW_VIRTIO_S_NEEDS_RESET);
	CHECK_EQ(f.config_changes, 1);
out:
	net_close(&f);
}

/* Post a buffer, send @len bytes from the peer, check header and frame in guest memory. */
static void rx_one(struct netfix *f, uint32_t len, uint32_t hlen)
{
	uint8_t frame[1514], got[1514 + 12], hdr[12] = { 0 };
	uint32_t used;
	uint16_t id;
	uint64_t a;

	make_frame(frame, len, 9);
	a = post_rx(f, 0, 1526);
	REQUIRE(send(f->peer, frame, len, 0) == (ssize_t)len);
	REQUIRE(vdrv_wait_used(&f->d, VCCW_NET_RX_QUEUE, &id, &used));
	CHECK_EQ(used, hlen + len);
	vccw_mem_read(f->mem, a, got, hlen + len);
	/* 5.1.6.4: no offloads: flags, gso_type, hdr_len, gso_size, csum_* all 0 ... */
	CHECK(!memcmp(got, hdr, VCCW_VIRTIO_NET_HDR_LEN_LEGACY));
	/* ... and with VERSION_1 num_buffers 1, little-endian (5.1.6.3.2). */
	if (hlen == VCCW_VIRTIO_NET_HDR_LEN)
		CHECK_EQ(vccw_ld_le16(got + 10), 1);
	CHECK(!memcmp(got + hlen, frame, len));
}

TEST(test_net_rx_adds_12_byte_header_with_num_buffers_version_1)
{
	struct netfix f;

	if (!net_open_pair(&f, true))
		goto out;
	rx_one(&f, 60, VCCW_VIRTIO_NET_HDR_LEN);
	rx_one(&f, 1514, VCCW_VIRTIO_NET_HDR_LEN);
out:
	net_close(&f);
}

TEST(test_net_rx_legacy_adds_10_byte_header)
{
	struct netfix f;

	if (!net_open_pair(&f, false))
		goto out;
	rx_one(&f, 60, VCCW_VIRTIO_NET_HDR_LEN_LEGACY);
out:
	net_close(&f);
}

TEST(test_net_rx_header_spanning_descriptors)
{
	uint8_t frame[80], got[80], hdr[12];
	struct vdrv_seg segs[3];
	struct netfix f;
	uint32_t used;
	uint16_t id;

	if (!net_open_pair(&f, true))
		goto out;
	/* 5 + 5 + rest: the header crosses a descriptor boundary (ANY_LAYOUT). */
	segs[0] = (struct vdrv_seg){ RX_BUF, 5, true };
	segs[1] = (struct vdrv_seg){ RX_BUF + 0x100, 5, true };
	segs[2] = (struct vdrv_seg){ RX_BUF + 0x200, 1600, true };
	vdrv_add(&f.d, VCCW_NET_RX_QUEUE, segs, 3);
	vdrv_kick(&f.d, VCCW_NET_RX_QUEUE);
	make_frame(frame, sizeof(frame), 4);
	REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used));
	CHECK_EQ(used, 12 + sizeof(frame));
	vccw_mem_read(f.mem, RX_BUF, hdr, 5);
	vccw_mem_read(f.mem, RX_BUF + 0x100, hdr + 5, 5);
	vccw_mem_read(f.mem, RX_BUF + 0x200, hdr + 10, 2);
	CHECK_EQ(vccw_ld_le16(hdr + 10), 1);
	vccw_mem_read(f.mem, RX_BUF + 0x202, got, sizeof(got));
	CHECK(!memcmp(got, frame, sizeof(frame)));
out:
	net_close(&f);
}

/* Wait until the counters show @n dropped receive frames (the I/O thread's pace). */
static bool wait_rx_dropped(struct netfix *f, uint64_t n)
{
	struct vccw_net_stats st;
	unsigned int ms;

	for (ms = 0; ms < 5000; ms++) {
		vccw_net_get_stats(f->net, &st);
		if (st.rx_dropped >= n)
			return st.rx_dropped == n;
		vdrv_sleep_ms(1);
	}
	return false;
}

TEST(test_net_rx_without_buffers_backlog_then_drop)
{
	const unsigned int extra = 5, total = VCCW_NET_RX_BACKLOG + extra;
	uint8_t frame[64], got[64];
	struct vccw_net_stats st;
	struct netfix f;
	unsigned int i;
	uint32_t used;
	uint16_t id;

	if (!net_open_pair(&f, true))
		goto out;
	for (i = 0; i < total; i++) {
		make_frame(frame, sizeof(frame), (uint8_t)i);
		frame[14] = (uint8_t)i;
		REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	}
	/* No receive buffer: VCCW_NET_RX_BACKLOG frames wait, the rest are dropped. */
	CHECK(wait_rx_dropped(&f, extra));
	CHECK(!vdrv_used_pending(&f.d, VCCW_NET_RX_QUEUE));
	/* Buffers come: the oldest frames first, in order. */
	for (i = 0; i < VDRV_QSIZE; i++)
		post_rx(&f, i, 1526);
	for (i = 0; i < VDRV_QSIZE; i++) {
		REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used));
		CHECK_EQ(id, i);
		CHECK_EQ(used, 12 + sizeof(frame));
		vccw_mem_read(f.mem, RX_BUF + RX_SLOT * id + 12, got, sizeof(got));
		CHECK_EQ(got[14], i);
	}
	vccw_net_get_stats(f.net, &st);
	CHECK_EQ(st.rx_frames, VDRV_QSIZE);
	CHECK_EQ(st.rx_dropped, extra);
out:
	net_close(&f);
}

TEST(test_net_rx_buffer_too_small_drops_frame_returns_buffer_empty)
{
	uint8_t frame[200];
	struct netfix f;
	uint32_t used = 1;
	uint16_t id;

	if (!net_open_pair(&f, true))
		goto out;
	post_rx(&f, 0, 100);
	make_frame(frame, sizeof(frame), 5);
	REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used));
	CHECK_EQ(used, 0);
	CHECK(wait_rx_dropped(&f, 1));
	/* The device stays usable. */
	CHECK(!(vccw_virtio_get_status(vccw_net_vdev(f.net)) & VCCW_VIRTIO_S_NEEDS_RESET));
	rx_one(&f, 60, VCCW_VIRTIO_NET_HDR_LEN);
out:
	net_close(&f);
}

TEST(test_net_config_mac_status_mtu_and_link_change)
{
	struct vccw_net_config cfg = { .mac = { 0x02, 0, 0, 0, 0, 0x42 }, .mtu = 1500,
				       .queue_size = VDRV_QSIZE };
	struct vccw_virtio_dev *vdev;
	struct vccw_err err = { 0 };
	uint8_t c[VCCW_VIRTIO_NET_CFG_SIZE];
	struct netfix f;
	int sv[2];

	memset(&f, 0, sizeof(f));
	f.peer = -1;
	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	f.peer = sv[1];
	f.be = vccw_be_net_fd_new(sv[0], true, &err);
	CHECK_MSG(f.be, "%s", err.msg);
	if (!f.be || !net_start(&f, true, &cfg))
		goto out;
	vdev = vccw_net_vdev(f.net);
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_MAC));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_STATUS));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_MTU));
	/* No offloads are offered (see net.h); the control queue and its commands are. */
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CSUM)));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_VQ));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX_EXTRA));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE));
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_MAC_ADDR));
	CHECK(vccw_virtio_read_features(vdev, 0) & VCCW_BIT(VCCW_VIRTIO_NET_F_MRG_RXBUF));
	CHECK_EQ(vccw_virtio_queue_max(vdev, VCCW_NET_CTRL_QUEUE), VCCW_NET_CTRL_QUEUE_SIZE);
	CHECK_EQ(vccw_virtio_queue_max(vdev, VCCW_NET_CTRL_QUEUE + 1), 0);
	CHECK_EQ(vccw_virtio_config_size(vdev), VCCW_VIRTIO_NET_CFG_SIZE);
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, sizeof(c)));
	CHECK(!memcmp(c, cfg.mac, 6));
	CHECK_EQ(vccw_ld_le16(c + VCCW_VIRTIO_NET_CFG_STATUS), VCCW_VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(vccw_ld_le16(c + VCCW_VIRTIO_NET_CFG_MTU), 1500);
	/* 5.1.4.2: a VERSION_1 driver must not write; the device ignores it. */
	CHECK(vccw_virtio_write_config(vdev, 0, (const uint8_t *)"\x02\x11\x22\x33\x44\x55", 6));
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, 6));
	CHECK(!memcmp(c, cfg.mac, 6));
	/* Link down: status reads 0 and the driver hears of it. */
	vccw_net_set_link(f.net, false);
	CHECK_EQ(f.config_changes, 1);
	REQUIRE(vccw_virtio_read_config(vdev, VCCW_VIRTIO_NET_CFG_STATUS, c, 2));
	CHECK_EQ(vccw_ld_le16(c), 0);
	vccw_net_set_link(f.net, false);
	CHECK_EQ(f.config_changes, 1);
	vccw_net_set_link(f.net, true);
	CHECK_EQ(f.config_changes, 2);
out:
	net_close(&f);
}

TEST(test_net_legacy_config_big_endian_status_writable_mac)
{
	static const uint8_t newmac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	static const uint8_t defmac[6] = VCCW_NET_DEFAULT_MAC;
	struct vccw_virtio_dev *vdev;
	uint8_t c[8];
	struct netfix f;

	if (!net_open_pair(&f, false))
		goto out;
	vdev = vccw_net_vdev(f.net);
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, sizeof(c)));
	CHECK(!memcmp(c, defmac, 6));
	/* 5.1.4.3: legacy status is in guest order, big-endian on s390. */
	CHECK_EQ(vccw_ld_be16(c + 6), VCCW_VIRTIO_NET_S_LINK_UP);
	/* 5.1.4.3: a legacy driver may set the MAC through mac. */
	CHECK(vccw_virtio_write_config(vdev, 0, newmac, 6));
	REQUIRE(vccw_virtio_read_config(vdev, 0, c, 6));
	CHECK(!memcmp(c, newmac, 6));
out:
	net_close(&f);
}

TEST(test_net_new_rejects_bad_config)
{
	struct vccw_net_config cfg = { 0 };
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct vccw_mem *mem = vdrv_mem();

	REQUIRE(mem);
	CHECK(!vccw_net_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "backend"));
	be = vccw_be_net_open("none", &err);
	CHECK_MSG(be, "%s", err.msg);
	cfg.backend = be;
	cfg.queue_size = 100;
	CHECK(!vccw_net_new(mem, &cfg, 0, &err));
	cfg.queue_size = 0;
	cfg.mac[0] = 1; /* multicast */
	CHECK(!vccw_net_new(mem, &cfg, 0, &err));
	cfg.mac[0] = 0;
	cfg.mtu = 67;
	CHECK(!vccw_net_new(mem, &cfg, 0, &err));
	vccw_be_net_close(be);
	vccw_mem_free(mem);
}

/* ---- backends ---- */

TEST(test_be_net_open_rejects_bad_specs)
{
	static const char *const bad[] = {
		"",	    "bogus",	   "socket",		"socket,path=",
		"none,x=1", "loopback,a=b", "tap,ifname",	"tap,name=x",
		"user,restrict=maybe", "user,foo=bar",
		"tap,ifname=a-name-much-longer-than-ifnamsiz",
	};
	struct vccw_err err;
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_MSG(!vccw_be_net_open(bad[i], &err), "'%s' accepted", bad[i]);
		CHECK_MSG(err.code < 0 && err.msg[0], "'%s': no error", bad[i]);
	}
	memset(&err, 0, sizeof(err));
	CHECK(!vccw_be_net_open("bogus", &err));
	CHECK(strstr(err.msg, "socket,path=PATH"));
}

TEST(test_be_net_user_without_libslirp_names_package)
{
	struct vccw_err err = { 0 };

	if (vccw_be_net_have_user())
		SKIP("this build has libslirp");
	CHECK(!vccw_be_net_open("user", &err));
	CHECK(strstr(err.msg, "libslirp-dev"));
}

TEST(test_be_net_loopback_returns_frames)
{
	uint8_t a[3] = { 1, 2, 3 }, b[4] = { 4, 5, 6, 7 }, got[16];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct pollfd pfd;

	be = vccw_be_net_open("loopback", &err);
	REQUIRE(be);
	CHECK_EQ(vccw_be_net_recv(be, got, sizeof(got)), 0);
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	pfd = (struct pollfd){ .fd = vccw_be_net_rx_fd(be), .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	/* One message, both segments. */
	CHECK_EQ(vccw_be_net_recv(be, got, sizeof(got)), 7);
	CHECK(!memcmp(got, "\1\2\3\4\5\6\7", 7));
	/* A frame longer than the buffer is consumed and reported. */
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	CHECK_EQ(vccw_be_net_recv(be, got, 5), -EMSGSIZE);
	CHECK_EQ(vccw_be_net_recv(be, got, sizeof(got)), 0);
	vccw_be_net_close(be);
}

TEST(test_be_net_socket_peer_gone_stops_reporting_input)
{
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct pollfd pfd;
	uint8_t buf[16];
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	be = vccw_be_net_fd_new(sv[0], true, &err);
	REQUIRE(be);
	close(sv[1]);
	pfd = (struct pollfd){ .fd = vccw_be_net_rx_fd(be), .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	CHECK_EQ(vccw_be_net_recv(be, buf, sizeof(buf)), 0);
	/* The fd no longer reports input: a level-triggered loop does not spin. */
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	vccw_be_net_close(be);
}

TEST(test_be_net_fd_new_rejects_stream_socket)
{
	struct vccw_err err = { 0 };
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(!vccw_be_net_fd_new(sv[0], true, &err));
	CHECK_EQ(err.code, -EPROTOTYPE);
	CHECK(!vccw_be_net_fd_new(-1, false, &err));
	close(sv[0]);
	close(sv[1]);
}

TEST(test_be_net_socket_path_connects_to_seqpacket_server)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char spec[sizeof(sa.sun_path) + 16], got[8];
	struct iovec iov = { "frame", 5 };
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct pollfd pfd;
	int srv, conn;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/vccw-net-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	srv = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	REQUIRE(srv >= 0);
	REQUIRE(bind(srv, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(srv, 1) == 0);
	snprintf(spec, sizeof(spec), "socket,path=%s", sa.sun_path);
	be = vccw_be_net_open(spec, &err);
	CHECK_MSG(be, "%s", err.msg);
	conn = accept(srv, NULL, NULL);
	if (be && conn >= 0) {
		CHECK_EQ(vccw_be_net_send(be, &iov, 1), 0);
		CHECK_EQ(recv_frame(conn, got, sizeof(got)), 5);
		CHECK_EQ(send(conn, "back", 4, 0), 4);
		pfd = (struct pollfd){ .fd = vccw_be_net_rx_fd(be), .events = POLLIN };
		CHECK_EQ(poll(&pfd, 1, 5000), 1);
		CHECK_EQ(vccw_be_net_recv(be, got, sizeof(got)), 4);
		CHECK(!memcmp(got, "back", 4));
	}
	vccw_be_net_close(be);
	if (conn >= 0)
		close(conn);
	close(srv);
	unlink(sa.sun_path);
	/* Nobody listening: the error names the path. */
	CHECK(!vccw_be_net_open(spec, &err));
	CHECK(strstr(err.msg, sa.sun_path));
}

/* ---- user networking (libslirp) ---- */

TEST(test_net_user_arp_request_for_gateway_gets_reply)
{
	static const uint8_t mac[6] = VCCW_NET_DEFAULT_MAC;
	static const uint8_t guest_ip[4] = { 10, 0, 2, 15 }, gw_ip[4] = { 10, 0, 2, 2 };
	uint8_t arp[42], got[1526];
	struct vccw_err err = { 0 };
	struct netfix f;
	unsigned int tries;
	bool replied = false;
	uint32_t used;
	uint16_t id;

	if (!vccw_be_net_have_user())
		SKIP("built without libslirp (install libslirp-dev)");
	memset(&f, 0, sizeof(f));
	f.peer = -1;
	f.be = vccw_be_net_open("user", &err);
	CHECK_MSG(f.be, "%s", err.msg);
	if (!f.be || !net_start(&f, true, NULL))
		goto out;
	/* Ethernet broadcast, ARP (RFC 826) request: who has 10.0.2.2? tell 10.0.2.15. */
	memset(arp, 0xff, 6);
	memcpy(arp + 6, mac, 6);
	vccw_st_be16(arp + 12, 0x0806);
	vccw_st_be16(arp + 14, 1);      /* htype Ethernet */
	vccw_st_be16(arp + 16, 0x0800); /* ptype IPv4 */
	arp[18] = 6;
	arp[19] = 4;
	vccw_st_be16(arp + 20, 1);      /* request */
	memcpy(arp + 22, mac, 6);
	memcpy(arp + 28, guest_ip, 4);
	memset(arp + 32, 0, 6);
	memcpy(arp + 38, gw_ip, 4);

	post_rx(&f, 0, sizeof(got));
	transmit(&f, arp, sizeof(arp), VCCW_VIRTIO_NET_HDR_LEN, false);
	/* Skip anything else the stack might send (none expected); a few frames at most. */
	for (tries = 0; tries < 4 && !replied; tries++) {
		if (!vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used))
			break;
		vccw_mem_read(f.mem, RX_BUF + RX_SLOT * id, got, used);
		if (used >= 12 + 42 && vccw_ld_be16(got + 12 + 12) == 0x0806 &&
		    vccw_ld_be16(got + 12 + 20) == 2) {
			replied = true;
			CHECK(!memcmp(got + 12, mac, 6));        /* to us */
			CHECK(!memcmp(got + 12 + 28, gw_ip, 4)); /* sender 10.0.2.2 */
			CHECK(!memcmp(got + 12 + 32, mac, 6));   /* target: us */
			CHECK(!memcmp(got + 12 + 38, guest_ip, 4));
		} else {
			post_rx(&f, tries + 1, sizeof(got));
		}
	}
	CHECK_MSG(replied, "no ARP reply from 10.0.2.2");
out:
	net_close(&f);
}

/* ---- mergeable receive buffers (5.1.6.3, 5.1.6.4) ---- */

#define ALL (~(uint64_t)0)

/* Post one device-writable buffer of @len bytes at @addr on the receive queue. */
static void post_at(struct netfix *f, uint64_t addr, uint32_t len)
{
	struct vdrv_seg seg = { addr, len, true };

	vccw_mem_fill(f->mem, addr, 0xee, len);
	vdrv_add(&f->d, VCCW_NET_RX_QUEUE, &seg, 1);
	vdrv_kick(&f->d, VCCW_NET_RX_QUEUE);
}

static void mrg_spread(bool v1)
{
	uint8_t frame[1400], got[1412];
	uint16_t id[3], nb;
	uint32_t used[3];
	struct netfix f;
	unsigned int i;

	if (!net_open_pair_accept(&f, v1, ALL))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_MRG_RXBUF));
	for (i = 0; i < 3; i++)
		post_at(&f, RX_BUF + RX_SLOT * i, 600);
	make_frame(frame, sizeof(frame), 21);
	REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	/* 12 + 1400 bytes: two buffers used completely, the rest in the third. */
	for (i = 0; i < 3; i++)
		REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id[i], &used[i]));
	CHECK_EQ(id[0], 0);
	CHECK_EQ(id[1], 1);
	CHECK_EQ(id[2], 2);
	CHECK_EQ(used[0], 600);
	CHECK_EQ(used[1], 600);
	CHECK_EQ(used[2], 212);
	for (i = 0; i < 3; i++)
		vccw_mem_read(f.mem, RX_BUF + RX_SLOT * i, got + 600 * i, used[i]);
	/* With MRG_RXBUF the header has num_buffers even for a legacy driver (5.1.6.1). */
	nb = v1 ? vccw_ld_le16(got + 10) : vccw_ld_be16(got + 10);
	CHECK_EQ(nb, 3);
	CHECK_EQ(got[0], 0); /* flags */
	CHECK(!memcmp(got + 12, frame, sizeof(frame)));
	/* A small frame takes one buffer: num_buffers 1. */
	post_at(&f, RX_BUF, 600);
	REQUIRE(send(f.peer, frame, 60, 0) == 60);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id[0], &used[0]));
	CHECK_EQ(used[0], 72);
	vccw_mem_read(f.mem, RX_BUF, got, 12);
	CHECK_EQ(v1 ? vccw_ld_le16(got + 10) : vccw_ld_be16(got + 10), 1);
out:
	net_close(&f);
}

TEST(test_net_mrg_rxbuf_spreads_frame_and_sets_num_buffers)
{
	mrg_spread(true);
}

TEST(test_net_mrg_rxbuf_legacy_header_has_num_buffers_big_endian)
{
	mrg_spread(false);
}

/* Wait until @n frames wait for buffers (the device looked at the ring and found too few). */
static bool wait_rx_backlog(struct netfix *f, uint64_t n)
{
	struct vccw_net_stats st;
	unsigned int ms;

	for (ms = 0; ms < 5000; ms++) {
		vccw_net_get_stats(f->net, &st);
		if (st.rx_backlog == n)
			return true;
		vdrv_sleep_ms(1);
	}
	return false;
}

TEST(test_net_mrg_rxbuf_waits_for_enough_buffers_keeping_the_first)
{
	uint8_t frame[1000], got[1000];
	struct vccw_net_stats st;
	uint16_t id[2];
	uint32_t used[2];
	struct netfix f;

	if (!net_open_pair_accept(&f, true, ALL))
		goto out;
	/* One buffer of 512 cannot hold 12 + 1000 bytes: the device must not use it. */
	post_at(&f, RX_BUF, 512);
	make_frame(frame, sizeof(frame), 22);
	REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	REQUIRE(wait_rx_backlog(&f, 1));
	/* The second buffer comes: the frame starts in the first one, given back before. */
	post_at(&f, RX_BUF + RX_SLOT, 1024);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id[0], &used[0]));
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id[1], &used[1]));
	CHECK_EQ(id[0], 0);
	CHECK_EQ(used[0], 512);
	CHECK_EQ(id[1], 1);
	CHECK_EQ(used[1], 12 + sizeof(frame) - 512);
	vccw_mem_read(f.mem, RX_BUF + 12, got, 500);
	vccw_mem_read(f.mem, RX_BUF + RX_SLOT, got + 500, sizeof(frame) - 500);
	CHECK(!memcmp(got, frame, sizeof(frame)));
	vccw_net_get_stats(f.net, &st);
	CHECK_EQ(st.rx_frames, 1);
	CHECK_EQ(st.rx_dropped, 0);
out:
	net_close(&f);
}

TEST(test_net_mrg_rxbuf_frame_larger_than_the_ring_dropped)
{
	uint8_t frame[1400];
	uint16_t id;
	uint32_t used;
	struct netfix f;
	unsigned int i;

	if (!net_open_pair_accept(&f, true, ALL))
		goto out;
	/* The whole ring holds 16 * 64 bytes: the frame can never fit. */
	for (i = 0; i < VDRV_QSIZE; i++)
		post_at(&f, RX_BUF + 64 * i, 64);
	make_frame(frame, sizeof(frame), 23);
	REQUIRE(send(f.peer, frame, sizeof(frame), 0) == sizeof(frame));
	CHECK(wait_rx_dropped(&f, 1));
	/* The buffers are still there, from the first: a small frame takes two. */
	REQUIRE(send(f.peer, frame, 100, 0) == 100);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used));
	CHECK_EQ(id, 0);
	CHECK_EQ(used, 64);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_NET_RX_QUEUE, &id, &used));
	CHECK_EQ(id, 1);
	CHECK_EQ(used, 112 - 64);
out:
	net_close(&f);
}

/* ---- control queue (5.1.6.5) and receive filtering ---- */

/* Send one control command; returns the ack byte, or -1 when no used entry came. */
static int ctrl_cmd(struct netfix *f, uint8_t cls, uint8_t cmd, const void *data, uint32_t len)
{
	struct vdrv_seg segs[3];
	uint8_t hdr[2] = { cls, cmd }, ack = 0xee;
	uint64_t a;
	uint32_t used;
	uint16_t id;
	unsigned int n = 0;

	vdrv_reset_bufs(&f->d);
	a = vdrv_alloc(&f->d, 2 + len + 1);
	vccw_mem_write(f->mem, a, hdr, 2);
	if (len)
		vccw_mem_write(f->mem, a + 2, data, len);
	vccw_mem_write(f->mem, a + 2 + len, &ack, 1);
	/* Linux's layout: the header, the data, the ack, each a descriptor of its own. */
	segs[n++] = (struct vdrv_seg){ a, 2, false };
	if (len)
		segs[n++] = (struct vdrv_seg){ a + 2, len, false };
	segs[n++] = (struct vdrv_seg){ a + 2 + len, 1, true };
	vdrv_add(&f->d, VCCW_NET_CTRL_QUEUE, segs, n);
	vdrv_kick(&f->d, VCCW_NET_CTRL_QUEUE);
	if (!vdrv_wait_used(&f->d, VCCW_NET_CTRL_QUEUE, &id, &used))
		return -1;
	CHECK_EQ(used, 1);
	vccw_mem_read(f->mem, a + 2 + len, &ack, 1);
	return ack;
}

static int rx_mode(struct netfix *f, uint8_t cmd, uint8_t on)
{
	return ctrl_cmd(f, VCCW_VIRTIO_NET_CTRL_RX, cmd, &on, 1);
}

static const uint8_t our_mac[6] = VCCW_NET_DEFAULT_MAC;
static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t mcast2_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

/*
 * Whether a frame to @dst reaches the driver: it is sent, then a frame to @marker that
 * passes the filter; one buffer is posted and whichever frame lands first tells. A
 * delivered test frame is followed by consuming the marker, so nothing is left over.
 */
static bool passes(struct netfix *f, const uint8_t *dst, const uint8_t *marker)
{
	uint8_t frame[64], got[64];
	uint32_t used;
	uint16_t id;

	make_frame(frame, sizeof(frame), 30);
	memcpy(frame, dst, 6);
	frame[20] = 1;
	if (send(f->peer, frame, sizeof(frame), 0) != sizeof(frame))
		return false;
	memcpy(frame, marker, 6);
	frame[20] = 2;
	if (send(f->peer, frame, sizeof(frame), 0) != sizeof(frame))
		return false;
	post_at(f, RX_BUF, 1526);
	if (!vdrv_wait_used(&f->d, VCCW_NET_RX_QUEUE, &id, &used)) {
		CHECK_MSG(false, "no frame arrived");
		return false;
	}
	vccw_mem_read(f->mem, RX_BUF + 12, got, sizeof(got));
	if (got[20] == 2)
		return false;
	post_at(f, RX_BUF, 1526);
	CHECK(vdrv_wait_used(&f->d, VCCW_NET_RX_QUEUE, &id, &used));
	vccw_mem_read(f->mem, RX_BUF + 12, got, sizeof(got));
	CHECK_EQ(got[20], 2);
	return true;
}

TEST(test_net_ctrl_rx_modes_filter_frames_from_the_backend)
{
	struct vccw_net_stats st;
	unsigned int modes;
	uint8_t mac[6];
	struct netfix f;

	if (!net_open_pair(&f, true))
		goto out;
	/* After reset the device is promiscuous (QEMU): everything passes. */
	vccw_net_get_filter(f.net, mac, &modes);
	CHECK_EQ(modes, 1u << VCCW_VIRTIO_NET_CTRL_RX_PROMISC);
	CHECK(passes(&f, other_mac, our_mac));
	CHECK(passes(&f, mcast_mac, our_mac));
	/* Promiscuous off: our MAC and broadcast only. */
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_PROMISC, 0), VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, our_mac, our_mac));
	CHECK(passes(&f, bcast_mac, our_mac));
	CHECK(!passes(&f, other_mac, our_mac));
	CHECK(!passes(&f, mcast_mac, our_mac));
	vccw_net_get_stats(f.net, &st);
	CHECK_EQ(st.rx_filtered, 2);
	/* All-multicast: every group address. */
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_ALLMULTI, 1), VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, mcast_mac, our_mac));
	CHECK(!passes(&f, other_mac, our_mac));
	/* CTRL_RX_EXTRA: no multicast (even with all-multi), all unicast, no broadcast. */
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_NOMULTI, 1), VCCW_VIRTIO_NET_OK);
	CHECK(!passes(&f, mcast_mac, our_mac));
	CHECK(passes(&f, bcast_mac, our_mac)); /* NOMULTI spares broadcast */
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_ALLUNI, 1), VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, other_mac, our_mac));
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_NOBCAST, 1), VCCW_VIRTIO_NET_OK);
	CHECK(!passes(&f, bcast_mac, our_mac));
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_NOUNI, 1), VCCW_VIRTIO_NET_OK);
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_NOBCAST, 0), VCCW_VIRTIO_NET_OK);
	CHECK(!passes(&f, our_mac, bcast_mac)); /* NOUNI beats ALLUNI */
	/* Promiscuous wins over every other mode (5.1.6.5.1). */
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_PROMISC, 1), VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, our_mac, bcast_mac));
	CHECK(passes(&f, mcast_mac, bcast_mac));
	/* Unknown command, missing data byte: ERR. */
	CHECK_EQ(rx_mode(&f, 6, 1), VCCW_VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_RX, VCCW_VIRTIO_NET_CTRL_RX_PROMISC, NULL, 0),
		 VCCW_VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_cmd(&f, 9, 0, NULL, 0), VCCW_VIRTIO_NET_ERR);
	/* A reset brings promiscuous mode back and the others off. */
	vccw_virtio_reset(vccw_net_vdev(f.net));
	vccw_net_get_filter(f.net, mac, &modes);
	CHECK_EQ(modes, 1u << VCCW_VIRTIO_NET_CTRL_RX_PROMISC);
out:
	net_close(&f);
}

/* TABLE_SET data: a count and addresses for unicast, then for multicast. */
static uint32_t mac_tables(uint8_t *buf, const uint8_t (*uni)[6], uint32_t nu,
			   const uint8_t (*multi)[6], uint32_t nm)
{
	uint32_t off = 0;

	vccw_st_le32(buf, nu);
	off += 4;
	memcpy(buf + off, uni, 6 * nu);
	off += 6 * nu;
	vccw_st_le32(buf + off, nm);
	off += 4;
	memcpy(buf + off, multi, 6 * nm);
	return off + 6 * nm;
}

TEST(test_net_ctrl_mac_table_and_address_set)
{
	static const uint8_t uni[1][6] = { { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc } };
	static const uint8_t multi[1][6] = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	static const uint8_t newmac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	uint8_t data[4 + 6 * 70 + 4 + 6], cfgmac[6], mac[6];
	uint8_t many[VCCW_NET_MAC_TABLE_ENTRIES + 1][6];
	unsigned int modes;
	struct netfix f;
	uint32_t len;

	if (!net_open_pair(&f, true))
		goto out;
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_PROMISC, 0), VCCW_VIRTIO_NET_OK);
	CHECK(!passes(&f, other_mac, our_mac));
	/* 5.1.6.5.2: the table adds unicast and multicast addresses. */
	len = mac_tables(data, uni, 1, multi, 1);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_TABLE_SET, data,
			  len),
		 VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, other_mac, our_mac));
	CHECK(passes(&f, mcast_mac, our_mac));
	CHECK(!passes(&f, mcast2_mac, our_mac));
	/* A count beyond the data is refused and the table stays as it was. */
	vccw_st_le32(data, 2);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_TABLE_SET, data,
			  4 + 6 + 4),
		 VCCW_VIRTIO_NET_ERR);
	CHECK(passes(&f, other_mac, our_mac));
	/* Too many multicast addresses: all multicast passes (table overflow). */
	memset(many, 0x01, sizeof(many));
	len = mac_tables(data, uni, 0, (const uint8_t(*)[6])many, VCCW_NET_MAC_TABLE_ENTRIES + 1);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_TABLE_SET, data,
			  len),
		 VCCW_VIRTIO_NET_OK);
	CHECK(passes(&f, mcast2_mac, our_mac));
	CHECK(!passes(&f, other_mac, our_mac)); /* the unicast entry went with the old table */
	/* ADDR_SET: exactly 6 bytes; reflected in mac and used by the filter. */
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_ADDR_SET, newmac,
			  5),
		 VCCW_VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_ADDR_SET, newmac,
			  6),
		 VCCW_VIRTIO_NET_OK);
	REQUIRE(vccw_virtio_read_config(vccw_net_vdev(f.net), VCCW_VIRTIO_NET_CFG_MAC, cfgmac, 6));
	CHECK(!memcmp(cfgmac, newmac, 6));
	CHECK(passes(&f, newmac, newmac));
	CHECK(!passes(&f, our_mac, newmac));
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, 2, NULL, 0), VCCW_VIRTIO_NET_ERR);
	/* A reset restores the configured address and empties the table (5.1.6.5.2). */
	vccw_virtio_reset(vccw_net_vdev(f.net));
	vccw_net_get_filter(f.net, mac, &modes);
	CHECK(!memcmp(mac, our_mac, 6));
out:
	net_close(&f);
}

TEST(test_net_ctrl_commands_of_features_not_negotiated_err)
{
	uint64_t accept = NO_MRG & ~VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX_EXTRA) &
			  ~VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_MAC_ADDR) &
			  ~VCCW_BIT(VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE);
	static const uint8_t newmac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct netfix f;

	if (!net_open_pair_accept(&f, true, accept))
		goto out;
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_ALLMULTI, 1), VCCW_VIRTIO_NET_OK);
	CHECK_EQ(rx_mode(&f, VCCW_VIRTIO_NET_CTRL_RX_NOBCAST, 1), VCCW_VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_MAC, VCCW_VIRTIO_NET_CTRL_MAC_ADDR_SET, newmac,
			  6),
		 VCCW_VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_ANNOUNCE, VCCW_VIRTIO_NET_CTRL_ANNOUNCE_ACK,
			  NULL, 0),
		 VCCW_VIRTIO_NET_ERR);
	CHECK(!vccw_net_announce(f.net));
	CHECK(passes(&f, bcast_mac, our_mac));
out:
	net_close(&f);
}

TEST(test_net_announce_sets_status_and_ack_clears_it)
{
	uint8_t st[2];
	struct netfix f;

	if (!net_open_pair(&f, true))
		goto out;
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_ANNOUNCE, VCCW_VIRTIO_NET_CTRL_ANNOUNCE_ACK,
			  NULL, 0),
		 VCCW_VIRTIO_NET_ERR); /* nothing to acknowledge (QEMU) */
	CHECK(vccw_net_announce(f.net));
	CHECK_EQ(f.config_changes, 1);
	REQUIRE(vccw_virtio_read_config(vccw_net_vdev(f.net), VCCW_VIRTIO_NET_CFG_STATUS, st, 2));
	CHECK_EQ(vccw_ld_le16(st), VCCW_VIRTIO_NET_S_LINK_UP | VCCW_VIRTIO_NET_S_ANNOUNCE);
	/* 5.1.6.5.4: cleared before the buffer is used. */
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_ANNOUNCE, VCCW_VIRTIO_NET_CTRL_ANNOUNCE_ACK,
			  NULL, 0),
		 VCCW_VIRTIO_NET_OK);
	REQUIRE(vccw_virtio_read_config(vccw_net_vdev(f.net), VCCW_VIRTIO_NET_CFG_STATUS, st, 2));
	CHECK_EQ(vccw_ld_le16(st), VCCW_VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(ctrl_cmd(&f, VCCW_VIRTIO_NET_CTRL_ANNOUNCE, 1, NULL, 0), VCCW_VIRTIO_NET_ERR);
out:
	net_close(&f);
}

TEST(test_net_ctrl_buffer_without_ack_byte_needs_reset)
{
	struct vdrv_seg seg;
	struct netfix f;
	unsigned int ms;

	if (!net_open_pair(&f, true))
		goto out;
	seg = (struct vdrv_seg){ vdrv_alloc(&f.d, 3), 3, false };
	vdrv_add(&f.d, VCCW_NET_CTRL_QUEUE, &seg, 1);
	vdrv_kick(&f.d, VCCW_NET_CTRL_QUEUE);
	for (ms = 0; ms < 5000; ms++) {
		if (vccw_virtio_get_status(vccw_net_vdev(f.net)) & VCCW_VIRTIO_S_NEEDS_RESET)
			break;
		vdrv_sleep_ms(1);
	}
	CHECK(vccw_virtio_get_status(vccw_net_vdev(f.net)) & VCCW_VIRTIO_S_NEEDS_RESET);
out:
	net_close(&f);
}

TEST(test_net_ctrl_features_without_ctrl_vq_refused)
{
	struct vccw_net_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_virtio_dev *vdev;
	struct vccw_be_net *be;
	struct vccw_mem *mem = vdrv_mem();
	struct vccw_net *net;
	uint8_t status = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;
	uint64_t f = VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) | VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX);

	REQUIRE(mem);
	be = vccw_be_net_open("none", NULL);
	REQUIRE(be);
	cfg.backend = be;
	net = vccw_net_new(mem, &cfg, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), NULL);
	REQUIRE(net);
	vdev = vccw_net_vdev(net);
	CHECK(vccw_virtio_set_status(vdev, status));
	/* 5.1.3.1: CTRL_RX requires CTRL_VQ; the device refuses FEATURES_OK. */
	CHECK(vccw_virtio_write_features(vdev, 0, (uint32_t)f));
	CHECK(vccw_virtio_write_features(vdev, 1, (uint32_t)(f >> 32)));
	CHECK(!vccw_virtio_set_status(vdev, status | VCCW_VIRTIO_S_FEATURES_OK));
	f |= VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_VQ);
	CHECK(vccw_virtio_write_features(vdev, 0, (uint32_t)f));
	CHECK(vccw_virtio_set_status(vdev, status | VCCW_VIRTIO_S_FEATURES_OK));
	vccw_net_free(net);
	vccw_be_net_close(be);
	vccw_mem_free(mem);
}
