// SPDX-License-Identifier: MIT
/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (virtio v1.2 section 5.3.6.2): the
 * control conversation in the order Linux and QEMU hold it (DEVICE_READY, DEVICE_ADD per
 * port, PORT_READY, then CONSOLE_PORT / PORT_NAME / PORT_OPEN), each port's data on its
 * own queue pair and backend (5.3.2), input held back until the driver opens the port,
 * DEVICE_REMOVE and RESIZE, messages waiting for control buffers, control messages in
 * the legacy byte order, and malformed control messages ignored.
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

#define MAX_PORTS 3   /* queues 0-7: port 0, control, ports 1 and 2 */
#define NAMED_PORT 2
#define PORT_NAME "org.vccw.test.0"
#define CTRL_BUF 64
#define CTRL_AREA 0x200000u /* control receive buffers: CTRL_BUF bytes per descriptor */
#define DATA_AREA 0x280000u

struct mpfix {
	int peer[2];  /* our ends of the socketpairs of port 0 and NAMED_PORT */
	struct vccw_be_char *be[2];
	struct vccw_mem *mem;
	struct vccw_console *con;
	struct vdrv d;
};

/* A control message as the driver reads it. */
struct cmsg {
	uint32_t id;
	uint16_t event, value;
	uint32_t len;          /* used length */
	uint8_t extra[CTRL_BUF]; /* what follows the header */
};

static bool pair(struct mpfix *f, unsigned int i)
{
	struct vccw_err err = { 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		CHECK_MSG(false, "socketpair: %s", strerror(errno));
		return false;
	}
	f->peer[i] = sv[1];
	f->be[i] = vccw_be_char_fd_new(sv[0], sv[0], true, &err);
	CHECK_MSG(f->be[i], "%s", err.msg);
	if (!f->be[i]) {
		close(sv[0]);
		return false;
	}
	/* Non-blocking, so a test can tell "nothing arrived" from a hang. */
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
	return true;
}

/* Port 0: a console on pair 0; NAMED_PORT: a named generic port on pair 1. */
static bool mp_open(struct mpfix *f, uint64_t accept)
{
	struct vccw_console_port_config ports[2];
	struct vccw_console_config cfg = { .queue_size = VDRV_QSIZE, .max_ports = MAX_PORTS,
					   .ports = ports, .nr_ports = 2 };
	struct vccw_err err = { 0 };

	memset(f, 0, sizeof(*f));
	f->peer[0] = f->peer[1] = -1;
	if (!pair(f, 0) || !pair(f, 1))
		return false;
	ports[0] = (struct vccw_console_port_config){ .nr = 0, .backend = f->be[0],
						      .console = true };
	ports[1] = (struct vccw_console_port_config){ .nr = NAMED_PORT, .backend = f->be[1],
						      .name = PORT_NAME };
	f->mem = vdrv_mem();
	if (!f->mem)
		return false;
	f->con = vccw_console_new(f->mem, &cfg, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err);
	CHECK_MSG(f->con, "%s", err.msg);
	if (!f->con)
		return false;
	return vdrv_start(&f->d, f->mem, vccw_console_vdev(f->con), accept,
			  2 * (MAX_PORTS + 1));
}

static void mp_close(struct mpfix *f)
{
	unsigned int i;

	vccw_console_free(f->con);
	for (i = 0; i < 2; i++) {
		vccw_be_char_close(f->be[i]);
		if (f->peer[i] >= 0)
			close(f->peer[i]);
	}
	vccw_mem_free(f->mem);
}

static uint64_t ctrl_addr(uint16_t head)
{
	return CTRL_AREA + (uint64_t)CTRL_BUF * head;
}

/* Post @n control receive buffers (each in its own descriptor) and kick. */
static void post_ctrl(struct mpfix *f, unsigned int n)
{
	struct vdrv_seg seg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		seg = (struct vdrv_seg){ ctrl_addr(f->d.q[VCCW_CONSOLE_CTRL_RX_QUEUE].next_desc),
					 CTRL_BUF, true };
		vdrv_add(&f->d, VCCW_CONSOLE_CTRL_RX_QUEUE, &seg, 1);
	}
	vdrv_kick(&f->d, VCCW_CONSOLE_CTRL_RX_QUEUE);
}

/* Send a control message on the control transmitq and wait until it is used. */
static void send_ctrl(struct mpfix *f, uint32_t id, uint16_t event, uint16_t value)
{
	uint8_t m[VCCW_VIRTIO_CONSOLE_CTRL_SIZE];
	struct vdrv_seg seg;
	uint32_t used;
	uint16_t head;

	vdrv_st32(&f->d, m, id);
	if (f->d.legacy) {
		vccw_st_be16(m + 4, event);
		vccw_st_be16(m + 6, value);
	} else {
		vccw_st_le16(m + 4, event);
		vccw_st_le16(m + 6, value);
	}
	seg = (struct vdrv_seg){ vdrv_alloc(&f->d, sizeof(m)), sizeof(m), false };
	vccw_mem_write(f->mem, seg.addr, m, sizeof(m));
	vdrv_add(&f->d, VCCW_CONSOLE_CTRL_TX_QUEUE, &seg, 1);
	vdrv_kick(&f->d, VCCW_CONSOLE_CTRL_TX_QUEUE);
	CHECK(vdrv_wait_used(&f->d, VCCW_CONSOLE_CTRL_TX_QUEUE, &head, &used));
}

/* The next control message from the device (false: none within the wait). */
static bool recv_ctrl(struct mpfix *f, struct cmsg *m)
{
	uint8_t b[CTRL_BUF];
	uint16_t head;

	memset(m, 0, sizeof(*m));
	if (!vdrv_wait_used(&f->d, VCCW_CONSOLE_CTRL_RX_QUEUE, &head, &m->len))
		return false;
	CHECK(m->len >= VCCW_VIRTIO_CONSOLE_CTRL_SIZE && m->len <= CTRL_BUF);
	vccw_mem_read(f->mem, ctrl_addr(head), b, sizeof(b));
	m->id = vdrv_ld32(&f->d, b);
	m->event = vdrv_ld16(&f->d, b + 4);
	m->value = vdrv_ld16(&f->d, b + 6);
	memcpy(m->extra, b + 8, sizeof(b) - 8);
	return true;
}

static void expect_ctrl(struct mpfix *f, uint32_t id, uint16_t event, uint16_t value,
			int line)
{
	struct cmsg m;

	if (!recv_ctrl(f, &m)) {
		test_fail_at(__FILE__, line, "no control message (expected id %u event %u)", id,
			     event);
		return;
	}
	if (m.id != id || m.event != event || m.value != value)
		test_fail_at(__FILE__, line, "control message id %u event %u value %u, expected "
			     "id %u event %u value %u", m.id, m.event, m.value, id, event, value);
}
#define EXPECT_CTRL(f, id, ev, val) expect_ctrl(f, id, ev, val, __LINE__)

/* DEVICE_READY, then the DEVICE_ADD of port 0 and NAMED_PORT in port order. */
static void handshake_ports(struct mpfix *f)
{
	post_ctrl(f, 12);
	send_ctrl(f, 0xffffffffu, VCCW_VIRTIO_CONSOLE_DEVICE_READY, 1);
	EXPECT_CTRL(f, 0, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
	EXPECT_CTRL(f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
}

/* PORT_READY for NAMED_PORT: PORT_NAME (without a NUL), then PORT_OPEN 1. */
static void ready_named_port(struct mpfix *f)
{
	struct cmsg m;

	send_ctrl(f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	REQUIRE(recv_ctrl(f, &m));
	CHECK_EQ(m.id, NAMED_PORT);
	CHECK_EQ(m.event, VCCW_VIRTIO_CONSOLE_PORT_NAME);
	CHECK_EQ(m.len, VCCW_VIRTIO_CONSOLE_CTRL_SIZE + strlen(PORT_NAME));
	CHECK(!memcmp(m.extra, PORT_NAME, strlen(PORT_NAME)));
	EXPECT_CTRL(f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
}

/* Send @s on port @nr's transmitq and wait until it is used. */
static void port_write(struct mpfix *f, uint32_t nr, const char *s)
{
	unsigned int q = vccw_console_port_rx_queue(nr) + 1;
	struct vdrv_seg seg = { vdrv_alloc(&f->d, (uint32_t)strlen(s)), (uint32_t)strlen(s),
				false };
	uint32_t used;
	uint16_t head;

	vccw_mem_write(f->mem, seg.addr, s, seg.len);
	vdrv_add(&f->d, q, &seg, 1);
	vdrv_kick(&f->d, q);
	CHECK(vdrv_wait_used(&f->d, q, &head, &used));
}

/* Read @len bytes from @fd within 5 s. */
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

TEST(test_console_multiport_offered_with_max_ports)
{
	uint8_t cfg[VCCW_VIRTIO_CONSOLE_CFG_SIZE];
	struct vccw_virtio_dev *vdev;
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	vdev = vccw_console_vdev(f.con);
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_MULTIPORT));
	REQUIRE(vccw_virtio_read_config(vdev, 0, cfg, sizeof(cfg)));
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_CONSOLE_CFG_MAX_NR_PORTS), MAX_PORTS);
	/* 5.3.2: two queues per port plus the control pair, and no more. */
	CHECK(vccw_virtio_queue_max(vdev, 2 * (MAX_PORTS + 1) - 1) > 0);
	CHECK_EQ(vccw_virtio_queue_max(vdev, 2 * (MAX_PORTS + 1)), 0);
out:
	mp_close(&f);
}

TEST(test_console_multiport_handshake_in_linux_order)
{
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	handshake_ports(&f);
	/* Nothing about ports before PORT_READY. */
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE));
	send_ctrl(&f, 0, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	ready_named_port(&f);
	CHECK(!vccw_console_port_is_open(f.con, NAMED_PORT));
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK(vccw_console_port_is_open(f.con, NAMED_PORT));
	CHECK(!vccw_console_port_is_open(f.con, 0));
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 0);
	CHECK(!vccw_console_port_is_open(f.con, NAMED_PORT));
out:
	mp_close(&f);
}

TEST(test_console_multiport_messages_wait_for_control_buffers)
{
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	/* DEVICE_READY before any control receive buffer: the ADDs wait (QEMU drops them). */
	send_ctrl(&f, 0xffffffffu, VCCW_VIRTIO_CONSOLE_DEVICE_READY, 1);
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE));
	post_ctrl(&f, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE));
	post_ctrl(&f, 1);
	EXPECT_CTRL(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
out:
	mp_close(&f);
}

TEST(test_console_multiport_legacy_driver_gets_big_endian_messages)
{
	struct mpfix f;

	/* No VERSION_1: 5.3.6.2 (Legacy Interface) wants guest order, big-endian on s390. */
	if (!mp_open(&f, VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_MULTIPORT)))
		goto out;
	REQUIRE(f.d.legacy);
	handshake_ports(&f);
	ready_named_port(&f);
out:
	mp_close(&f);
}

TEST(test_console_multiport_each_port_writes_to_its_backend)
{
	char buf[32];
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	handshake_ports(&f);
	port_write(&f, NAMED_PORT, "to the named port\n");
	port_write(&f, 0, "to the console\n");
	REQUIRE(read_exact(f.peer[1], buf, 18));
	CHECK(!memcmp(buf, "to the named port\n", 18));
	REQUIRE(read_exact(f.peer[0], buf, 15));
	CHECK(!memcmp(buf, "to the console\n", 15));
	/* Port 1 does not exist: its output is used and goes nowhere. */
	port_write(&f, 1, "lost");
	CHECK(read(f.peer[0], buf, sizeof(buf)) < 0);
	CHECK(read(f.peer[1], buf, sizeof(buf)) < 0);
out:
	mp_close(&f);
}

TEST(test_console_multiport_input_waits_until_the_port_is_open)
{
	unsigned int rxq = vccw_console_port_rx_queue(NAMED_PORT);
	struct vdrv_seg seg = { DATA_AREA, 32, true };
	char buf[32] = { 0 };
	struct mpfix f;
	uint32_t used;
	uint16_t head;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	handshake_ports(&f);
	ready_named_port(&f);
	vdrv_add(&f.d, rxq, &seg, 1);
	vdrv_kick(&f.d, rxq);
	CHECK_EQ(write(f.peer[1], "hello guest", 11), 11);
	vdrv_sleep_ms(20); /* time for a wrong delivery to happen */
	CHECK(!vdrv_used_pending(&f.d, rxq));
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	REQUIRE(vdrv_wait_used(&f.d, rxq, &head, &used));
	CHECK_EQ(used, 11);
	vccw_mem_read(f.mem, DATA_AREA, buf, used);
	CHECK(!memcmp(buf, "hello guest", 11));
	/* Port 0's queue got nothing of it. */
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_RX_QUEUE));
out:
	mp_close(&f);
}

TEST(test_console_multiport_remove_sends_device_remove)
{
	char buf[8];
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	handshake_ports(&f);
	ready_named_port(&f);
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK_EQ(vccw_console_port_remove(f.con, NAMED_PORT), 0);
	EXPECT_CTRL(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_DEVICE_REMOVE, 0);
	CHECK(!vccw_console_port_is_open(f.con, NAMED_PORT));
	CHECK_EQ(vccw_console_port_remove(f.con, NAMED_PORT), -ENOENT);
	/* Its queue still takes buffers, which go nowhere. */
	port_write(&f, NAMED_PORT, "gone");
	CHECK(read(f.peer[1], buf, sizeof(buf)) < 0);
	/* Messages about a removed port are ignored; the device keeps working. */
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE));
	send_ctrl(&f, 0, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_CONSOLE_PORT, 1);
out:
	mp_close(&f);
}

TEST(test_console_multiport_resize_console_port)
{
	struct mpfix f;
	struct cmsg m;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	CHECK_EQ(vccw_console_port_resize(f.con, NAMED_PORT, 80, 24), -EINVAL);
	CHECK_EQ(vccw_console_port_resize(f.con, 1, 80, 24), -ENOENT);
	handshake_ports(&f);
	send_ctrl(&f, 0, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK_EQ(vccw_console_port_resize(f.con, 0, 132, 43), 0);
	REQUIRE(recv_ctrl(&f, &m));
	CHECK_EQ(m.event, VCCW_VIRTIO_CONSOLE_RESIZE);
	/* struct virtio_console_resize: cols, then rows (5.3.6.2). */
	CHECK_EQ(m.len, VCCW_VIRTIO_CONSOLE_CTRL_SIZE + 4);
	CHECK_EQ(vdrv_ld16(&f.d, m.extra), 132);
	CHECK_EQ(vdrv_ld16(&f.d, m.extra + 2), 43);
out:
	mp_close(&f);
}

TEST(test_console_multiport_malformed_control_ignored)
{
	struct vdrv_seg seg;
	struct mpfix f;
	uint32_t used;
	uint16_t head;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	post_ctrl(&f, 12);
	/* Shorter than struct virtio_console_control: ignored, buffer used. */
	seg = (struct vdrv_seg){ vdrv_alloc(&f.d, 4), 4, false };
	vdrv_add(&f.d, VCCW_CONSOLE_CTRL_TX_QUEUE, &seg, 1);
	vdrv_kick(&f.d, VCCW_CONSOLE_CTRL_TX_QUEUE);
	CHECK(vdrv_wait_used(&f.d, VCCW_CONSOLE_CTRL_TX_QUEUE, &head, &used));
	/* A port that does not exist, one past max_nr_ports, an event only devices send. */
	send_ctrl(&f, 1, VCCW_VIRTIO_CONSOLE_PORT_READY, 1);
	send_ctrl(&f, MAX_PORTS, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	send_ctrl(&f, 0, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
	/* DEVICE_READY 0: the driver failed; nothing is announced. */
	send_ctrl(&f, 0xffffffffu, VCCW_VIRTIO_CONSOLE_DEVICE_READY, 0);
	CHECK(!vdrv_used_pending(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE));
	CHECK(!(vccw_virtio_get_status(vccw_console_vdev(f.con)) & VCCW_VIRTIO_S_NEEDS_RESET));
	send_ctrl(&f, 0xffffffffu, VCCW_VIRTIO_CONSOLE_DEVICE_READY, 1);
	EXPECT_CTRL(&f, 0, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
	EXPECT_CTRL(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
out:
	mp_close(&f);
}

TEST(test_console_multiport_reset_closes_ports)
{
	struct mpfix f;

	if (!mp_open(&f, ~(uint64_t)0))
		goto out;
	handshake_ports(&f);
	ready_named_port(&f);
	send_ctrl(&f, NAMED_PORT, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
	REQUIRE(vccw_console_port_is_open(f.con, NAMED_PORT));
	vccw_virtio_reset(vccw_console_vdev(f.con));
	CHECK(!vccw_console_port_is_open(f.con, NAMED_PORT));
out:
	mp_close(&f);
}

TEST(test_console_driver_without_multiport_uses_port_0_only)
{
	char buf[16];
	struct mpfix f;
	uint32_t used;
	uint16_t head;

	/* Linux with max_nr_ports unread, or an old driver: queues 0 and 1 only. */
	if (!mp_open(&f, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)))
		goto out;
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_MULTIPORT)));
	CHECK(vccw_console_port_is_open(f.con, 0));
	CHECK(!vccw_console_port_is_open(f.con, NAMED_PORT));
	port_write(&f, 0, "plain");
	REQUIRE(read_exact(f.peer[0], buf, 5));
	CHECK(!memcmp(buf, "plain", 5));
	/*
	 * Without MULTIPORT there is no control conversation: a buffer put on the
	 * control receiveq is used empty, and DEVICE_READY announces nothing.
	 */
	post_ctrl(&f, 1);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE, &head, &used));
	CHECK_EQ(used, 0);
	post_ctrl(&f, 1);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE, &head, &used));
	send_ctrl(&f, 0xffffffffu, VCCW_VIRTIO_CONSOLE_DEVICE_READY, 1);
	post_ctrl(&f, 1);
	REQUIRE(vdrv_wait_used(&f.d, VCCW_CONSOLE_CTRL_RX_QUEUE, &head, &used));
	CHECK_EQ(used, 0);
out:
	mp_close(&f);
}

TEST(test_console_new_rejects_bad_port_config)
{
	struct vccw_console_port_config ports[2] = { { .nr = 1 }, { .nr = 1 } };
	struct vccw_console_config cfg = { .max_ports = 2, .ports = ports, .nr_ports = 2 };
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vdrv_mem();

	CHECK(!vccw_console_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "twice"));
	ports[1].nr = 2;
	CHECK(!vccw_console_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "out of range"));
	cfg.max_ports = VCCW_CONSOLE_MAX_PORTS + 1;
	CHECK(!vccw_console_new(mem, &cfg, 0, &err));
	vccw_mem_free(mem);
}
