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
};

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
	if (!vdrv_start(&f->d, f->mem, vdev, ~(uint64_t)0, 2))
		return false;
	pthread_mutex_lock(&vdev->lock);
	config_counter = &f->config_changes;
	vdev->transport = &counting_transport;
	pthread_mutex_unlock(&vdev->lock);
	return true;
}

static bool net_open_pair(struct netfix *f, bool v1)
{
	struct vccw_err err = { 0 };
	int sv[2];

	memset(f, 0, sizeof(*f));
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
	/* No offloads and no mergeable buffers are offered (see net.h). */
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_CSUM)));
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_NET_F_MRG_RXBUF)));
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
