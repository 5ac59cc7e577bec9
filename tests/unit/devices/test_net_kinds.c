// SPDX-License-Identifier: MIT
/*
 * The network backend kinds built from the embedder's descriptors: stream (QEMU's
 * framing, each frame after its length in 4 bytes big-endian, as QEMU's net/stream.c
 * and net/socket.c write it), its listening server that accepts the next peer after a
 * hang-up, dgram with a fixed destination, a TAP fd (with a real TAP interface when
 * /dev/net/tun can be opened), and the counters every backend keeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "vccw/be-net.h"

static bool wait_rx(struct vccw_be_net *be)
{
	struct pollfd pfd = { .fd = vccw_be_net_rx_fd(be), .events = POLLIN };

	return poll(&pfd, 1, 5000) == 1;
}

/* Receive one frame, waiting for the rx fd between tries (a frame may come in pieces). */
static ssize_t recv_wait(struct vccw_be_net *be, void *buf, size_t len)
{
	ssize_t n;
	int i;

	for (i = 0; i < 100; i++) {
		n = vccw_be_net_recv(be, buf, len);
		if (n != 0)
			return n;
		if (!wait_rx(be))
			return 0;
	}
	return 0;
}

static bool read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) != 1)
			return false; /* nothing came: a failure, not a hang */
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

TEST(test_stream_frames_carry_a_big_endian_length)
{
	struct iovec iov[2] = { { "hello, ", 7 }, { "world", 5 } };
	struct vccw_be_net_stats st;
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	uint8_t raw[16], got[64];
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	be = vccw_be_net_stream_new(sv[0], false, &err);
	REQUIRE(be);
	CHECK(!strcmp(vccw_be_net_kind(be), "stream"));
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	REQUIRE(read_all(sv[1], raw, 16));
	CHECK(!memcmp(raw, "\0\0\0\x0c" "hello, world", 16));

	/* A frame written in pieces, two frames in one write: reassembled, in order. */
	CHECK_EQ(write(sv[1], "\0\0", 2), 2);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 0);
	CHECK_EQ(write(sv[1], "\0\x03" "ab", 4), 4);
	CHECK_EQ(write(sv[1], "c\0\0\0\x02xy", 7), 7);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 3);
	CHECK(!memcmp(got, "abc", 3));
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 2);
	CHECK(!memcmp(got, "xy", 2));
	/* Longer than the caller's buffer: consumed and counted as dropped. */
	CHECK_EQ(write(sv[1], "\0\0\0\x04" "wxyz", 8), 8);
	CHECK_EQ(recv_wait(be, got, 3), -EMSGSIZE);
	vccw_be_net_get_stats(be, &st);
	CHECK_EQ(st.tx_packets, 1);
	CHECK_EQ(st.tx_bytes, 12);
	CHECK_EQ(st.rx_packets, 2);
	CHECK_EQ(st.rx_bytes, 5);
	CHECK_EQ(st.rx_dropped, 1);
	/* A length no frame can have: the framing is lost, the link is closed. */
	CHECK_EQ(write(sv[1], "\x7f\0\0\0", 4), 4);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), -EPROTO);
	CHECK_EQ(read(sv[1], raw, 1), 0); /* our end was closed */
	CHECK_EQ(vccw_be_net_send(be, iov, 2), -EPIPE);
	vccw_be_net_close(be);
	close(sv[1]);
}

TEST(test_stream_server_accepts_the_next_peer_after_a_hangup)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct iovec iov = { "ping", 4 };
	struct vccw_be_net_stats st;
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	socklen_t sl = sizeof(sa);
	uint8_t raw[8], got[16];
	int lfd, c, round;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(lfd >= 0);
	REQUIRE(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 1) == 0);
	REQUIRE(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	be = vccw_be_net_stream_new(lfd, true, &err);
	REQUIRE(be);
	/* No peer yet: a frame sent is dropped, and counted so. */
	CHECK_EQ(vccw_be_net_send(be, &iov, 1), 0);
	vccw_be_net_get_stats(be, &st);
	CHECK_EQ(st.tx_dropped, 1);
	CHECK_EQ(st.tx_packets, 0);
	for (round = 0; round < 2; round++) {
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		REQUIRE(c >= 0);
		REQUIRE(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CHECK_EQ(write(c, "\0\0\0\x02hi", 6), 6);
		CHECK_EQ(recv_wait(be, got, sizeof(got)), 2);
		CHECK(!memcmp(got, "hi", 2));
		CHECK_EQ(vccw_be_net_send(be, &iov, 1), 0);
		CHECK(read_all(c, raw, 8) && !memcmp(raw, "\0\0\0\x04ping", 8));
		close(c);
		/* The hang-up is seen on the next receive; then it listens again. */
		CHECK_EQ(recv_wait(be, got, sizeof(got)), 0);
	}
	vccw_be_net_close(be);
}

TEST(test_dgram_sends_to_its_destination_and_takes_any_sender)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b = a;
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	socklen_t sl = sizeof(a);
	int fa, fb, fc;
	char got[16];

	a.sin_addr.s_addr = b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fa = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fb = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	REQUIRE(fa >= 0 && fb >= 0 && fc >= 0);
	REQUIRE(bind(fa, (struct sockaddr *)&a, sizeof(a)) == 0);
	REQUIRE(bind(fb, (struct sockaddr *)&b, sizeof(b)) == 0);
	REQUIRE(getsockname(fa, (struct sockaddr *)&a, &sl) == 0);
	sl = sizeof(b);
	REQUIRE(getsockname(fb, (struct sockaddr *)&b, &sl) == 0);
	be = vccw_be_net_dgram_new(fa, (struct sockaddr *)&b, sizeof(b), &err);
	REQUIRE(be);
	CHECK(!strcmp(vccw_be_net_kind(be), "dgram"));
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	CHECK_EQ(recv(fb, got, sizeof(got), 0), 4);
	CHECK(!memcmp(got, "abcd", 4));
	/* From the destination, and from a third socket: both are frames. */
	CHECK_EQ(sendto(fb, "xyz", 3, 0, (struct sockaddr *)&a, sizeof(a)), 3);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 3);
	CHECK_EQ(sendto(fc, "12345", 5, 0, (struct sockaddr *)&a, sizeof(a)), 5);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 5);
	/* Nobody at the destination any more: frames are lost, the link stays up. */
	close(fb);
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	CHECK_EQ(vccw_be_net_send(be, iov, 2), 0);
	CHECK_EQ(sendto(fc, "again", 5, 0, (struct sockaddr *)&a, sizeof(a)), 5);
	CHECK_EQ(recv_wait(be, got, sizeof(got)), 5);
	vccw_be_net_close(be);
	close(fc);
	/* A stream socket is not a datagram socket. */
	fc = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(!vccw_be_net_dgram_new(fc, NULL, 0, &err));
	CHECK_EQ(err.code, -EPROTOTYPE);
	close(fc);
}

TEST(test_tap_fd_must_be_a_tap_without_headers)
{
	struct vccw_err err = { 0 };
	struct vccw_be_net *be;
	struct ifreq ifr;
	int p[2], fd;

	REQUIRE(pipe(p) == 0);
	CHECK(!vccw_be_net_tap_fd_new(p[0], &err));
	CHECK_EQ(err.code, -ENOTTY);
	CHECK(strstr(err.msg, "is not an open TAP interface"));
	close(p[0]);
	close(p[1]);

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP("cannot open /dev/net/tun (%s): a TAP interface needs it and CAP_NET_ADMIN",
		     strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		SKIP("TUNSETIFF refused (%s): creating interfaces needs CAP_NET_ADMIN",
		     strerror(errno));
	}
	/* A TUN (IP, no Ethernet) interface is refused. */
	CHECK(!vccw_be_net_tap_fd_new(fd, &err));
	CHECK_EQ(err.code, -EINVAL);
	close(fd);

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	REQUIRE(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	REQUIRE(ioctl(fd, TUNSETIFF, &ifr) == 0);
	be = vccw_be_net_tap_fd_new(fd, &err);
	CHECK_MSG(be, "%s", err.msg);
	if (be) {
		CHECK(!strcmp(vccw_be_net_kind(be), "tap"));
		vccw_be_net_close(be); /* closes fd */
	} else {
		close(fd);
	}
}
