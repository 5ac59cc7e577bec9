// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the virtio device models (lib/devices: blk, console, net, balloon, rng)
 * driven through real rings: the input chooses a device, the features the driver
 * accepts, the ring format, the size of each queue, a configuration-space write and some
 * backend input, and the rest is guest memory holding the rings and the requests
 * (virtio-blk headers and segment lists, console data and control messages of a
 * multiport console with ports 0, 1 and 3, net headers and control commands, balloon
 * page numbers and statistics).
 * The device is brought to DRIVER_OK through the virtio core as a transport would, and
 * each of its queues is serviced by calling its queue_notify hook on this thread (so a
 * run is deterministic, apart from backend input that the I/O thread handles).
 *
 * Header (32 bytes), then guest memory:
 *   0     device (blk, blk read-only, console, net, balloon, rng, blk with requests in
 *         flight: aio=io_uring and writethrough, when this build and host have io_uring)
 *   1     bit 0 packed ring, 1 event index, 2 indirect, 3 legacy (no VERSION_1),
 *         4 set the feature bits below as they are (not masked to sensible ones)
 *   2-9   device feature bits accepted (little-endian, masked with the offer)
 *   10    rounds of notifications (1..4)
 *   11    bits 0-3: log2 of the queue sizes (each clamped to the queue's maximum);
 *         bits 4-5: ring stride, 0x400 << n
 *   12-13 configuration write offset, 14 its length (0: none), 15-22 its bytes
 *   23    bytes of console input / 8-byte units of a net frame (0-8), 24-31 them
 * Queue q has its descriptors at q * stride, its driver area at + stride / 4 and its
 * device area at + stride / 2 (rings of large queues overlap their neighbours, as a
 * hostile driver may make them); buffers lie anywhere in the 64 KiB.
 *
 * Checks: sanitizers, no hang, and the backend file never grows past its size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vccw/balloon.h"
#include "vccw/be-blk.h"
#include "vccw/be-char.h"
#include "vccw/be-net.h"
#include "vccw/blk.h"
#include "vccw/byteorder.h"
#include "vccw/console.h"
#include "vccw/mem.h"
#include "vccw/net.h"
#include "vccw/rng.h"
#include "vccw/virtio.h"

#define RAM_SIZE (64u * 1024)
#define HDR 32
#define DISK_SIZE (256u * 1024)
#define NR_DEVS 7
#define MAX_Q 12 /* queues set up and serviced: every one of these devices' */

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/dev";

static struct {
	uint8_t *ram;
	struct vccw_mem *mem;
	struct vccw_be_blk *disk, *disk_ro, *disk_aio;
	struct vccw_be_char *chr;
	struct vccw_be_net *net_be;
	int disk_fd;
	int chr_in;     /* write end of the console's input pipe */
	int net_peer;   /* the other end of the net backend's socketpair */
	struct vccw_blk *blk, *blk_ro, *blk_aio;
	struct vccw_console *con;
	struct vccw_net *net;
	struct vccw_balloon *balloon;
	struct vccw_rng *rng;
	struct vccw_virtio_dev *vdev[NR_DEVS];
} g;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_dev: cannot set up %s\n", what);
	abort();
}

static void constructors(void);

/* Everything is made once: devices are reset between inputs, as a guest reboot does. */
static void setup(void)
{
	char path[64];
	int pfd[2], sv[2], null_fd, ro_fd, aio_fd;
	struct vccw_be_blk_file_opts aio_opts = { .aio = VCCW_BE_BLK_AIO_IO_URING,
						  .cache = VCCW_BE_BLK_CACHE_WRITETHROUGH };
	struct vccw_blk_config bc = { .serial = "fuzz", .num_queues = 2, .queue_size = 64 };
	/* Multiport: port 0 the console on the pipe, port 1 named without a backend, port 3. */
	struct vccw_console_port_config ports[3] = {
		{ .nr = 0, .console = true },
		{ .nr = 1, .name = "org.vccw.fuzz.1" },
		{ .nr = 3 },
	};
	struct vccw_console_config cc = { .queue_size = 64, .max_ports = 4, .ports = ports,
					  .nr_ports = 3 };
	struct vccw_net_config nc = { .mtu = 1500, .queue_size = 64 };
	struct vccw_balloon_config balc = { .queue_size = 64 };
	struct vccw_rng_config rc = { .queue_size = 64 };
	uint64_t extra = VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) | VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED);

	if (posix_memalign((void **)&g.ram, 4096, RAM_SIZE))
		die("memory");
	g.mem = vccw_mem_wrap(g.ram, RAM_SIZE, NULL);
	/* The image is an anonymous file: nothing is left behind. */
	g.disk_fd = memfd_create("vccw-fuzz-disk", 0);
	if (g.disk_fd < 0 || ftruncate(g.disk_fd, DISK_SIZE))
		die("the disk image");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", g.disk_fd);
	g.disk = vccw_be_blk_file_open(path, false, NULL);
	/* The read-only disk is another image: the writable one is locked. */
	ro_fd = memfd_create("vccw-fuzz-disk-ro", 0);
	if (ro_fd < 0 || ftruncate(ro_fd, DISK_SIZE))
		die("the read-only disk image");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ro_fd);
	g.disk_ro = vccw_be_blk_file_open(path, true, NULL);
	close(ro_fd);
	/*
	 * A third image behind aio=io_uring, so that requests are in flight when the next
	 * ones are parsed and when the device is reset. Without io_uring (a build without
	 * liburing, a kernel that refuses it) it is aio=threads, said once.
	 */
	aio_fd = memfd_create("vccw-fuzz-disk-aio", 0);
	if (aio_fd < 0 || ftruncate(aio_fd, DISK_SIZE))
		die("the aio disk image");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", aio_fd);
	g.disk_aio = vccw_be_blk_file_open_opts(path, &aio_opts, NULL);
	if (!g.disk_aio) {
		fprintf(stderr, "fuzz_dev: no io_uring here, device 6 uses aio=threads\n");
		aio_opts.aio = VCCW_BE_BLK_AIO_THREADS;
		g.disk_aio = vccw_be_blk_file_open_opts(path, &aio_opts, NULL);
	}
	close(aio_fd);
	if (pipe2(pfd, O_NONBLOCK) || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv))
		die("pipes");
	null_fd = open("/dev/null", O_WRONLY);
	g.chr = vccw_be_char_fd_new(pfd[0], null_fd, true, NULL);
	g.chr_in = pfd[1];
	g.net_be = vccw_be_net_fd_new(sv[0], true, NULL);
	g.net_peer = sv[1];
	if (!g.mem || !g.disk || !g.disk_ro || !g.disk_aio || !g.chr || !g.net_be)
		die("the backends");
	bc.backend = g.disk;
	g.blk = vccw_blk_new(g.mem, &bc, extra, NULL);
	bc.backend = g.disk_ro;
	bc.num_queues = 1;
	g.blk_ro = vccw_blk_new(g.mem, &bc, extra, NULL);
	bc.backend = g.disk_aio;
	bc.num_queues = 2;
	bc.writethrough = true; /* every write is followed by a flush in flight */
	g.blk_aio = vccw_blk_new(g.mem, &bc, extra, NULL);
	ports[0].backend = g.chr;
	g.con = vccw_console_new(g.mem, &cc, extra, NULL);
	nc.backend = g.net_be;
	g.net = vccw_net_new(g.mem, &nc, extra, NULL);
	g.balloon = vccw_balloon_new(g.mem, &balc, extra, NULL);
	g.rng = vccw_rng_new(g.mem, &rc, extra, NULL);
	if (!g.blk || !g.blk_ro || !g.blk_aio || !g.con || !g.net || !g.balloon || !g.rng)
		die("the devices");
	g.vdev[0] = vccw_blk_vdev(g.blk);
	g.vdev[1] = vccw_blk_vdev(g.blk_ro);
	g.vdev[2] = vccw_console_vdev(g.con);
	g.vdev[3] = vccw_net_vdev(g.net);
	g.vdev[4] = vccw_balloon_vdev(g.balloon);
	g.vdev[5] = vccw_rng_vdev(g.rng);
	g.vdev[6] = vccw_blk_vdev(g.blk_aio);
	constructors();
}

/*
 * Once per process, not fuzzed: the constructors refuse configurations a command line may
 * ask for (bad queue sizes, block sizes and geometry, ports, MTU, a multicast MAC), and a
 * device is made and freed. These are the models' own lines a guest cannot reach.
 */
static void constructors(void)
{
	struct vccw_blk_config bc[] = {
		{ .backend = NULL },
		{ .backend = g.disk, .queue_size = 3 },
		{ .backend = g.disk, .num_queues = 1000 },
		{ .backend = g.disk, .cyls = 70000, .heads = 1, .secs = 1 },
		{ .backend = g.disk, .cyls = 1, .heads = 300, .secs = 1 },
		{ .backend = g.disk, .cyls = 1, .heads = 1, .secs = 0 },
		{ .backend = g.disk, .logical_block_size = 300 },
		{ .backend = g.disk, .physical_block_size = 1u << 30 },
		{ .backend = g.disk, .logical_block_size = 4096, .physical_block_size = 512 },
		{ .backend = g.disk, .min_io_size = 100 },
		{ .backend = g.disk, .min_io_size = 512u * 70000 },
		{ .backend = g.disk, .opt_io_size = 100 },
		{ .backend = g.disk, .serial = "a serial longer than twenty bytes" },
	};
	struct vccw_console_port_config bad_ports[][2] = {
		{ { .nr = 9 }, { .nr = 1 } },
		{ { .nr = 1 }, { .nr = 1 } },
		{ { .nr = 1, .name = "" }, { .nr = 2 } },
	};
	struct vccw_console_config cc[] = {
		{ .backend = NULL },
		{ .backend = g.chr, .queue_size = 100 },
		{ .backend = g.chr, .max_ports = 99 },
		{ .max_ports = 4, .ports = bad_ports[0], .nr_ports = 2 },
		{ .max_ports = 4, .ports = bad_ports[1], .nr_ports = 2 },
		{ .max_ports = 4, .ports = bad_ports[2], .nr_ports = 2 },
	};
	struct vccw_net_config nc[] = {
		{ .backend = NULL },
		{ .backend = g.net_be, .queue_size = 5 },
		{ .backend = g.net_be, .mtu = 10 },
		{ .backend = g.net_be, .mac = { 1, 2, 3, 4, 5, 6 } },
	};
	struct vccw_balloon_config balc = { .queue_size = 6 };
	struct vccw_rng_config rc = { .queue_size = 7 };
	struct vccw_blk_config good = { .backend = g.disk_ro, .logical_block_size = 4096,
					.physical_block_size = 8192, .min_io_size = 8192,
					.opt_io_size = 65536, .cyls = 8, .heads = 4, .secs = 17 };
	struct vccw_console_port_config one = { .nr = 1, .name = "org.vccw.fuzz.x" };
	struct vccw_console_config ccgood = { .max_ports = 2, .ports = &one, .nr_ports = 1 };
	struct vccw_console *con;
	struct vccw_err err;
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(bc); i++)
		if (vccw_blk_new(g.mem, &bc[i], 0, &err))
			die("a refusal of a bad virtio-blk configuration");
	for (i = 0; i < VCCW_ARRAY_SIZE(cc); i++)
		if (vccw_console_new(g.mem, &cc[i], 0, &err))
			die("a refusal of a bad virtio-console configuration");
	for (i = 0; i < VCCW_ARRAY_SIZE(nc); i++)
		if (vccw_net_new(g.mem, &nc[i], 0, &err))
			die("a refusal of a bad virtio-net configuration");
	if (vccw_balloon_new(g.mem, &balc, 0, &err) || vccw_rng_new(g.mem, &rc, 0, &err))
		die("a refusal of a bad balloon or rng configuration");
	/* Made and freed: a disk with its own layout, a console whose port goes away. */
	vccw_blk_free(vccw_blk_new(g.mem, &good, 0, &err));
	con = vccw_console_new(g.mem, &ccgood, 0, &err);
	if (!con || vccw_console_port_remove(con, 1) || vccw_console_port_remove(con, 1) != -ENOENT)
		die("a console port removed");
	vccw_console_free(con);
	vccw_net_free(NULL);
	vccw_balloon_free(NULL);
	vccw_rng_free(NULL);
	vccw_blk_free(NULL);
	vccw_console_free(NULL);
}

/* What a transport does: negotiate, set up every queue, DRIVER_OK. */
static bool bring_up(struct vccw_virtio_dev *vdev, const uint8_t *h)
{
	uint64_t offer = (uint64_t)vccw_virtio_read_features(vdev, 1) << 32 |
			 vccw_virtio_read_features(vdev, 0);
	uint64_t want = vccw_ld_le64(h + 2), acc;
	uint32_t stride = 0x400u << (h[11] >> 4 & 3), cfg_size;
	uint8_t cfg_buf[256];
	unsigned int q;

	if (!(h[1] & 16)) {
		/* Keep the transport bits to those the flags choose. */
		want &= ~(VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED) | VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX) |
			  VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC) | VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
		if (h[1] & 1)
			want |= VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED);
		if (h[1] & 2)
			want |= VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX);
		if (h[1] & 4)
			want |= VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC);
		if (!(h[1] & 8))
			want |= VCCW_BIT(VCCW_VIRTIO_F_VERSION_1);
	}
	acc = want & offer;
	vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER);
	vccw_virtio_write_features(vdev, 0, (uint32_t)acc);
	vccw_virtio_write_features(vdev, 1, (uint32_t)(acc >> 32));
	if (!(h[1] & 8) &&
	    !vccw_virtio_set_status(vdev, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
						  VCCW_VIRTIO_S_FEATURES_OK))
		return false;
	for (q = 0; q < VCCW_VIRTIO_MAX_QUEUES && q < MAX_Q; q++) {
		uint16_t max = vccw_virtio_queue_max(vdev, q);
		struct vccw_vq_config cfg = { 0 };

		if (!max)
			continue;
		cfg.size = (uint16_t)(1u << (h[11] & 15) % 11);
		if (cfg.size > max)
			cfg.size = max;
		cfg.desc = q * stride;
		cfg.driver = cfg.desc + stride / 4;
		cfg.device = cfg.desc + stride / 2;
		vccw_virtio_queue_setup(vdev, q, &cfg);
	}
	if (h[14]) {
		uint16_t off = vccw_ld_le16(h + 12) % 80;

		vccw_virtio_write_config(vdev, off, h + 15, h[14] % 9);
	}
	/* The driver reads the configuration space: in one go, or a byte at a time. */
	cfg_size = vccw_virtio_config_size(vdev);
	if (cfg_size <= sizeof(cfg_buf)) {
		for (q = 0; q < cfg_size; q += (h[12] & 1) ? 1 : cfg_size)
			vccw_virtio_read_config(vdev, q, cfg_buf, (h[12] & 1) ? 1 : cfg_size);
	}
	return vccw_virtio_set_status(vdev, vccw_virtio_get_status(vdev) | VCCW_VIRTIO_S_DRIVER_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vccw_virtio_dev *vdev;
	unsigned int round, q, rounds;
	uint8_t frame[2048];
	struct stat st;

	if (size < HDR)
		return 0;
	if (!g.mem)
		setup();
	vdev = g.vdev[data[0] % NR_DEVS];
	memset(g.ram, 0, RAM_SIZE);
	memcpy(g.ram, data + HDR, size - HDR < RAM_SIZE ? size - HDR : RAM_SIZE);
	if (bring_up(vdev, data)) {
		unsigned int in = data[23] % 9;

		/* Input the device has no buffer for stays queued: a full pipe is fine. */
		if (in && vdev == g.vdev[2] && write(g.chr_in, data + 24, in) < 0)
			in = 0;
		if (in && vdev == g.vdev[3]) {
			/* A frame of in * 8 bytes: the 8 input bytes repeated. */
			for (q = 0; q < in; q++)
				memcpy(frame + 8 * q, data + 24, 8);
			if (send(g.net_peer, frame, in * 8, 0) < 0)
				in = 0;
		}
		/* The host side too: a balloon target, the link state (config notifications). */
		if (vdev == g.vdev[4]) {
			vccw_balloon_set_target(g.balloon, data[23] * 4u);
			(void)vccw_balloon_actual(g.balloon);
			(void)vccw_balloon_discarded(g.balloon);
			(void)vccw_balloon_request_stats(g.balloon);
			(void)vccw_balloon_target(g.balloon);
			/* A statistics timer that fires at once when asked, stopped at the end. */
			if (data[23] & 1)
				(void)vccw_balloon_set_stats_interval(g.balloon, 1);
		}
		if (vdev == g.vdev[2]) {
			(void)vccw_console_port_resize(g.con, data[23] & 3, 80, 24);
			(void)vccw_console_port_is_open(g.con, data[23] & 3);
		}
		if (vdev == g.vdev[3]) {
			struct vccw_net_stats ns;

			vccw_net_set_link(g.net, !(data[23] & 0x80));
			vccw_net_get_stats(g.net, &ns);
			if (data[23] & 0x40)
				(void)vccw_net_announce(g.net);
		}
		rounds = 1 + data[10] % 4;
		for (round = 0; round < rounds; round++) {
			for (q = 0; q < MAX_Q; q++) {
				pthread_mutex_lock(&vdev->lock);
				if ((vdev->status & VCCW_VIRTIO_S_DRIVER_OK) &&
				    !(vdev->status & VCCW_VIRTIO_S_NEEDS_RESET) && vdev->vqs[q] &&
				    vccw_vq_ready(vdev->vqs[q]) && vdev->ops->queue_notify)
					vdev->ops->queue_notify(vdev, q);
				pthread_mutex_unlock(&vdev->lock);
			}
		}
	}
	if (vdev == g.vdev[3]) {
		uint8_t mac[6];
		unsigned int modes;

		vccw_net_get_filter(g.net, mac, &modes);
	}
	if (vdev == g.vdev[4]) {
		struct vccw_balloon_stats bs;

		vccw_balloon_get_stats(g.balloon, &bs);
		if (vccw_balloon_stats_interval(g.balloon))
			(void)vccw_balloon_set_stats_interval(g.balloon, 0);
	}
	vccw_virtio_reset(vdev);
	/* Drain what the devices sent, so the next input starts alike. */
	while (recv(g.net_peer, frame, sizeof(frame), MSG_DONTWAIT) > 0)
		;
	if (fstat(g.disk_fd, &st) || st.st_size != DISK_SIZE)
		die("the disk size (a write went past the end)");
	return 0;
}
