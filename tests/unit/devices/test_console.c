// SPDX-License-Identifier: MIT
/*
 * virtio-console with one port through real split virtqueues (virtio v1.2 section 5.3):
 * transmitq to a socketpair or file backend, backend input into receiveq buffers
 * (including input that arrives before any buffer and more than the device buffers),
 * and emergency writes through configuration space.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/be-char.h"
#include "vccw/byteorder.h"
#include "vccw/console.h"

struct confix {
	int peer; /* our end of the socketpair (-1 with a file backend) */
	struct vccw_be_char *be;
	struct vccw_mem *mem;
	struct vccw_console *con;
	struct vdrv d;
};

static bool con_start(struct confix *f, uint64_t extra)
{
	struct vccw_console_config cfg = { .backend = f->be, .queue_size = VDRV_QSIZE };
	struct vccw_err err = { 0 };

	f->mem = vdrv_mem();
	if (!f->mem)
		return false;
	f->con = vccw_console_new(f->mem, &cfg, extra, &err);
	CHECK_MSG(f->con, "%s", err.msg);
	if (!f->con)
		return false;
	return vdrv_start(&f->d, f->mem, vccw_console_vdev(f->con), ~(uint64_t)0, 2);
}

static bool con_open_pair(struct confix *f)
{
	struct vccw_err err = { 0 };
	int sv[2];

	memset(f, 0, sizeof(*f));
	f->peer = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		CHECK_MSG(false, "socketpair: %s", strerror(errno));
		return false;
	}
	f->peer = sv[1];
	f->be = vccw_be_char_fd_new(sv[0], sv[0], true, &err);
	CHECK_MSG(f->be, "%s", err.msg);
	if (!f->be) {
		close(sv[0]);
		return false;
	}
	return con_start(f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
}

static void con_close(struct confix *f)
{
	vccw_console_free(f->con);
	vccw_be_char_close(f->be);
	vccw_mem_free(f->mem);
	if (f->peer >= 0)
		close(f->peer);
}

/* Send @len bytes of @s on the transmitq in @nseg pieces and wait until used. */
static void transmit(struct confix *f, const char *s, uint32_t len, unsigned int nseg)
{
	struct vdrv_seg segs[4];
	uint32_t used, off = 0;
	unsigned int i;
	uint16_t id;
	uint64_t a;

	vdrv_reset_bufs(&f->d);
	a = vdrv_alloc(&f->d, len);
	vccw_mem_write(f->mem, a, s, len);
	for (i = 0; i < nseg; i++) {
		uint32_t n = i + 1 < nseg ? len / nseg : len - off;

		segs[i] = (struct vdrv_seg){ a + off, n, false };
		off += n;
	}
	vdrv_add(&f->d, VCCW_CONSOLE_TX_QUEUE, segs, nseg);
	vdrv_kick(&f->d, VCCW_CONSOLE_TX_QUEUE);
	CHECK(vdrv_wait_used(&f->d, VCCW_CONSOLE_TX_QUEUE, &id, &used));
	CHECK_EQ(used, 0);
}

/* Read exactly @len bytes from @fd, waiting up to 5 s. */
static bool read_exact(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&pfd, 1, 5000) <= 0)
			return false;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Post a receive buffer of @len bytes at a fixed guest address per slot. */
static uint64_t post_rx(struct confix *f, unsigned int slot, uint32_t len)
{
	struct vdrv_seg seg = { VDRV_BUF_BASE + 0x10000u * slot, len, true };

	vdrv_add(&f->d, VCCW_CONSOLE_RX_QUEUE, &seg, 1);
	vdrv_kick(&f->d, VCCW_CONSOLE_RX_QUEUE);
	return seg.addr;
}

TEST(test_console_transmit_reaches_socketpair)
{
	char buf[16];
	struct confix f;

	if (!con_open_pair(&f))
		goto out;
	transmit(&f, "hello, world", 12, 3);
	CHECK(read_exact(f.peer, buf, 12));
	CHECK(!memcmp(buf, "hello, world", 12));
out:
	con_close(&f);
}

TEST(test_console_transmit_reaches_file)
{
	char path[] = "/tmp/vccw-con-XXXXXX", spec[64], buf[32] = { 0 };
	struct vccw_err err = { 0 };
	struct confix f;
	int fd;

	memset(&f, 0, sizeof(f));
	f.peer = -1;
	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	snprintf(spec, sizeof(spec), "file:%s", path);
	f.be = vccw_be_char_open(spec, &err);
	CHECK_MSG(f.be, "%s", err.msg);
	if (!f.be || !con_start(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)))
		goto out;
	transmit(&f, "to the file\n", 12, 1);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 12);
	CHECK(!strcmp(buf, "to the file\n"));
out:
	con_close(&f);
	close(fd);
	unlink(path);
}

TEST(test_console_input_fills_posted_receive_buffer)
{
	char buf[16] = { 0 };
	struct confix f;
	uint32_t used;
	uint16_t id;
	uint64_t a;

	if (!con_open_pair(&f))
		goto out;
	a = post_rx(&f, 0, sizeof(buf));
	CHECK_EQ(write(f.peer, "abc", 3), 3);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_CONSOLE_RX_QUEUE, &id, &used));
	CHECK_EQ(used, 3);
	vccw_mem_read(f.mem, a, buf, used);
	CHECK(!memcmp(buf, "abc", 3));
out:
	con_close(&f);
}

TEST(test_console_input_before_buffers_waits_for_them)
{
	char buf[16] = { 0 };
	struct confix f;
	uint32_t used;
	uint16_t id;
	uint64_t a;

	if (!con_open_pair(&f))
		goto out;
	CHECK_EQ(write(f.peer, "early", 5), 5);
	vdrv_sleep_ms(20); /* let the I/O thread take the input with no buffer posted */
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_RX_QUEUE));
	a = post_rx(&f, 0, sizeof(buf));
	REQUIRE(vdrv_wait_used(&f.d, VCCW_CONSOLE_RX_QUEUE, &id, &used));
	CHECK_EQ(used, 5);
	vccw_mem_read(f.mem, a, buf, used);
	CHECK(!memcmp(buf, "early", 5));
out:
	con_close(&f);
}

TEST(test_console_input_beyond_device_buffer_arrives_in_order)
{
	enum { TOTAL = 3 * VCCW_CONSOLE_INBUF + 123, CHUNK = 1024 };
	uint8_t *sent = malloc(TOTAL), *got = malloc(TOTAL);
	size_t nsent = 0, ngot = 0, i;
	struct confix f;
	unsigned int slot = 0, outstanding = 0;
	uint32_t used;
	uint16_t id;
	ssize_t n;

	REQUIRE(sent && got);
	if (!con_open_pair(&f))
		goto out;
	for (i = 0; i < TOTAL; i++)
		sent[i] = (uint8_t)(i * 13 + (i >> 8));
	fcntl(f.peer, F_SETFL, O_NONBLOCK);
	/* More than the device keeps: it must pause the backend, not drop bytes. */
	while (nsent < TOTAL) {
		n = write(f.peer, sent + nsent, TOTAL - nsent);
		if (n <= 0)
			break;
		nsent += (size_t)n;
	}
	vdrv_sleep_ms(20);
	/* Receive buffers one ring's worth at a time; used entries come back in order. */
	while (ngot < TOTAL) {
		while (outstanding < VDRV_QSIZE / 2) {
			post_rx(&f, slot % VDRV_QSIZE, CHUNK);
			slot++;
			outstanding++;
		}
		if (!vdrv_wait_used(&f.d, VCCW_CONSOLE_RX_QUEUE, &id, &used))
			break;
		outstanding--;
		CHECK(used <= CHUNK);
		if (used > CHUNK || ngot + used > TOTAL)
			break;
		vccw_mem_read(f.mem, VDRV_BUF_BASE + 0x10000u * (id % VDRV_QSIZE), got + ngot,
			      used);
		ngot += used;
		/* Finish writing what the socket did not take at first. */
		while (nsent < TOTAL) {
			n = write(f.peer, sent + nsent, TOTAL - nsent);
			if (n <= 0)
				break;
			nsent += (size_t)n;
		}
	}
	CHECK_EQ(ngot, TOTAL);
	CHECK(!memcmp(sent, got, ngot));
out:
	con_close(&f);
	free(sent);
	free(got);
}

TEST(test_console_emerg_wr_outputs_low_byte)
{
	uint8_t cfg[VCCW_VIRTIO_CONSOLE_CFG_SIZE] = { 0 };
	struct confix f;
	char c = 0;

	if (!con_open_pair(&f))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_EMERG_WRITE));
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_MULTIPORT)));
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_SIZE)));
	vccw_st_le32(cfg + VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, 'X');
	CHECK(vccw_virtio_write_config(vccw_console_vdev(f.con), VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR,
				       cfg + VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, 4));
	/* virtio-ccw drivers write the whole prefix of the space. */
	vccw_st_le32(cfg + VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, 0x159);
	CHECK(vccw_virtio_write_config(vccw_console_vdev(f.con), 0, cfg, sizeof(cfg)));
	CHECK(read_exact(f.peer, &c, 1));
	CHECK_EQ(c, 'X');
	CHECK(read_exact(f.peer, &c, 1));
	CHECK_EQ((uint8_t)c, 0x59);
out:
	con_close(&f);
}

TEST(test_console_emerg_wr_before_driver_legacy_order)
{
	struct vccw_console_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_mem *mem = vdrv_mem();
	struct vccw_console *con;
	struct vccw_be_char *be;
	uint8_t v[4];
	int sv[2];
	char c = 0;

	REQUIRE(mem && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	be = vccw_be_char_fd_new(sv[0], sv[0], true, NULL);
	REQUIRE(be);
	cfg.backend = be;
	con = vccw_console_new(mem, &cfg, 0, NULL);
	REQUIRE(con);
	/* 5.3.5.1: allowed on an unconfigured device; legacy order is big-endian. */
	vccw_st_be32(v, 'Y');
	CHECK(vccw_virtio_write_config(vccw_console_vdev(con), VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, v,
				       4));
	CHECK(read_exact(sv[1], &c, 1));
	CHECK_EQ(c, 'Y');
	vccw_console_free(con);
	vccw_be_char_close(be);
	close(sv[1]);
	vccw_mem_free(mem);
}

TEST(test_console_config_reports_one_port)
{
	uint8_t cfg[VCCW_VIRTIO_CONSOLE_CFG_SIZE];
	struct confix f;

	if (!con_open_pair(&f))
		goto out;
	REQUIRE(vccw_virtio_read_config(vccw_console_vdev(f.con), 0, cfg, sizeof(cfg)));
	CHECK_EQ(vccw_ld_le16(cfg + VCCW_VIRTIO_CONSOLE_CFG_COLS), 0);
	CHECK_EQ(vccw_ld_le16(cfg + VCCW_VIRTIO_CONSOLE_CFG_ROWS), 0);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_CONSOLE_CFG_MAX_NR_PORTS), 1);
	CHECK_EQ(vccw_virtio_queue_max(vccw_console_vdev(f.con), 2), 0);
out:
	con_close(&f);
}

TEST(test_console_new_without_backend_fails)
{
	struct vccw_console_config cfg = { 0 };
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vdrv_mem();

	CHECK(!vccw_console_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "backend"));
	vccw_mem_free(mem);
}

TEST(test_console_stalled_peer_keeps_transmit_buffers_available_then_delivers_in_order)
{
	enum { NBUF = 8, BUFLEN = 64 * 1024, TOTAL = NBUF * BUFLEN, MARK = 0xff };
	uint8_t cfg[VCCW_VIRTIO_CONSOLE_CFG_SIZE] = { 0 };
	uint8_t *data = malloc(TOTAL), *got = malloc(TOTAL + 1);
	size_t nread = 0, i, j, marks = 0;
	unsigned int nused = 0;
	struct confix f;
	uint32_t used;
	uint16_t id;
	uint64_t a;
	ssize_t n;

	REQUIRE(data && got);
	if (!con_open_pair(&f))
		goto out;
	/* Bytes below MARK, so an emergency byte is told apart from the stream. */
	for (i = 0; i < TOTAL; i++)
		data[i] = (uint8_t)(i % 251);
	vdrv_reset_bufs(&f.d);
	for (i = 0; i < NBUF; i++) {
		struct vdrv_seg seg;

		a = vdrv_alloc(&f.d, BUFLEN);
		vccw_mem_write(f.mem, a, data + i * BUFLEN, BUFLEN);
		seg = (struct vdrv_seg){ a, BUFLEN, false };
		vdrv_add(&f.d, VCCW_CONSOLE_TX_QUEUE, &seg, 1);
	}
	vdrv_kick(&f.d, VCCW_CONSOLE_TX_QUEUE);
	vdrv_sleep_ms(50); /* let the I/O thread run into the full socket */
	/* Nobody reads the peer: the socket and the backend buffer hold less than TOTAL. */
	while (vdrv_used_pending(&f.d, VCCW_CONSOLE_TX_QUEUE) &&
	       vdrv_wait_used(&f.d, VCCW_CONSOLE_TX_QUEUE, &id, &used))
		nused++;
	CHECK(nused < NBUF);
	/*
	 * The device lock is free (the I/O thread does not sit in the backend), so the
	 * channel thread's configuration access completes: read it, and write emerg_wr,
	 * whose byte is dropped when the backend is full (5.3.5.1, best effort).
	 */
	CHECK(vccw_virtio_read_config(vccw_console_vdev(f.con), 0, cfg, sizeof(cfg)));
	vccw_st_le32(cfg + VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, MARK);
	CHECK(vccw_virtio_write_config(vccw_console_vdev(f.con), VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR,
				       cfg + VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR, 4));
	/* The peer reads: every buffer is used, every byte arrives, in order. */
	fcntl(f.peer, F_SETFL, O_NONBLOCK);
	while (nread < TOTAL + 1) {
		struct pollfd pfd = { .fd = f.peer, .events = POLLIN };

		if (poll(&pfd, 1, nused == NBUF && nread >= TOTAL ? 100 : 5000) <= 0)
			break;
		n = read(f.peer, got + nread, TOTAL + 1 - nread);
		if (n <= 0)
			break;
		nread += (size_t)n;
		while (vdrv_used_pending(&f.d, VCCW_CONSOLE_TX_QUEUE) &&
		       vdrv_wait_used(&f.d, VCCW_CONSOLE_TX_QUEUE, &id, &used))
			nused++;
	}
	while (nused < NBUF && vdrv_wait_used(&f.d, VCCW_CONSOLE_TX_QUEUE, &id, &used))
		nused++;
	CHECK_EQ(nused, NBUF);
	/* At most the one emergency byte besides the stream, wherever it got in. */
	for (i = j = 0; i < nread; i++) {
		if (got[i] == MARK) {
			marks++;
			continue;
		}
		got[j++] = got[i];
	}
	CHECK(marks <= 1);
	CHECK_EQ(j, TOTAL);
	CHECK(!memcmp(data, got, j < TOTAL ? j : TOTAL));
out:
	con_close(&f);
	free(data);
	free(got);
}
