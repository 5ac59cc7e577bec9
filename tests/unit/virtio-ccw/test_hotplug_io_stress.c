// SPDX-License-Identifier: MIT
/*
 * Hot plug of real devices with I/O in flight, everything on its own thread: a threaded
 * css (its channel thread), virtio-blk and virtio-net models with their I/O threads
 * (the disk alternately on aio=threads and, when the host has it, aio=io_uring), a
 * network peer thread feeding frames into the net backend, a plugging thread that plugs
 * a device, lets the guest start on it and unplugs it (with a CRW, as device_del) after
 * a varying delay, and a guest thread that reacts to each subchannel CRW as a driver
 * does: enable the subchannel, set up a legacy queue (revision 0, big-endian ring),
 * DRIVER_OK, then post requests and notify (DIAGNOSE 0x500) until the device is gone.
 * Built for `make check-tsan` (./dev test-tsan): the races between unplug and requests
 * in flight are what ThreadSanitizer is to see; the test itself asserts what the guest
 * saw: every completed disk read returns what was written, every completed request has
 * status OK, frames go both ways, and no request completes after its device was freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vc_util.h"
#include "vccw/be-blk.h"
#include "vccw/be-net.h"
#include "vccw/blk.h"
#include "vccw/net.h"

#define CYCLES_DEFAULT 120
#define DISK_SIZE (1u << 20)
#define QSIZE 16
/* Guest memory of the guest thread (the fixture's RAM is 16 MiB). */
#define G_PROG 0x40000u
#define G_DATA 0x41000u
#define G_ORB 0x42000u
#define G_IRB 0x42100u
#define G_SCHIB 0x42200u
#define G_CRW 0x42300u
#define G_RING0 0x100000u /* legacy ring of queue 0 (4 KiB aligned) */
#define G_RING1 0x110000u /* legacy ring of queue 1 */
#define G_BUFS 0x200000u  /* request buffers: 64 KiB per descriptor pair slot */
#define ALIGN 4096u
#define SLOT 0x1000u

enum { KIND_BLK, KIND_BLK_URING, KIND_NET };

struct stress {
	struct fx f;
	struct vccw_cpu cpu; /* the guest's */
	atomic_bool stop;
	atomic_uint crws;
	atomic_uint probes;     /* devices the guest brought to DRIVER_OK */
	atomic_uint blk_done;   /* disk requests completed with status OK */
	atomic_uint blk_reads;  /* of which reads checked against the written pattern */
	atomic_uint net_tx;     /* transmit buffers used */
	atomic_uint net_rx;     /* receive buffers used with the peer's frame */
	atomic_uint bad;        /* a wrong status, wrong data, a used length out of range */
	atomic_uint peer_frames; /* frames the peer received from the guest */
	atomic_uint progress;   /* requests completed, any device (the plugging thread waits) */
	int peer_fd;            /* the peer's end of the net backend (current device) */
	pthread_mutex_t peer_lock;
};

static uint32_t sid_of(uint16_t schnr)
{
	return 0x00010000u | schnr;
}

/* Legacy split ring at @ring: descriptors, avail at +16*QSIZE, used at the next ALIGN. */
static uint64_t avail_of(uint64_t ring)
{
	return ring + 16u * QSIZE;
}

static uint64_t used_of(uint64_t ring)
{
	return (avail_of(ring) + 4u + 2u * QSIZE + 2u + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
}

/* Run one CCW to its end (or until the subchannel is gone). True with a normal end. */
static bool run_ccw(struct stress *s, uint32_t sid, uint8_t cmd, uint16_t count, uint64_t data)
{
	struct vccw_mem *m = s->f.mem;
	unsigned int spins;
	uint8_t b[12];

	vccw_mem_st_u8(m, G_PROG, cmd);
	vccw_mem_st_u8(m, G_PROG + 1, VCCW_CCW_FLAG_SLI);
	vccw_mem_st_be16(m, G_PROG + 2, count);
	vccw_mem_st_be32(m, G_PROG + 4, (uint32_t)data);
	vccw_mem_st_be32(m, G_ORB, sid);
	vccw_mem_st_be32(m, G_ORB + 4, 0x00808000u);
	vccw_mem_st_be32(m, G_ORB + 8, G_PROG);
	if (vccw_css_ssch(s->f.css, &s->cpu, sid, G_ORB) != VCCW_CC0)
		return false;
	for (spins = 0; spins < 2000000 && !atomic_load(&s->stop); spins++) {
		enum vccw_insn_rc rc = vccw_css_tsch(s->f.css, &s->cpu, sid, G_IRB);

		if (rc == VCCW_CC3)
			return false;
		if (rc != VCCW_CC0)
			continue;
		vccw_mem_read(m, G_IRB, b, sizeof(b));
		if (!(vccw_ld_be32(b) & VCCW_SCSW_SC_PRIMARY))
			continue;
		return b[8] == CE_DE && b[9] == 0;
	}
	return false;
}

static bool setup_queue(struct stress *s, uint32_t sid, uint16_t idx, uint64_t ring)
{
	uint8_t info[16];

	vccw_mem_fill(s->f.mem, ring, 0, used_of(ring) + 4u + 8u * QSIZE + 2u - ring);
	vc_vq_info_legacy(info, ring, ALIGN, idx, QSIZE);
	vccw_mem_write(s->f.mem, G_DATA, info, sizeof(info));
	return run_ccw(s, sid, VCCW_VIRTIO_CCW_CMD_SET_VQ, sizeof(info), G_DATA);
}

/* Put a chain of @n descriptors (addr, len, write) at slot @head of the ring, publish. */
static void post(struct stress *s, uint64_t ring, uint16_t *avail_idx, uint16_t head,
		 const uint64_t *addr, const uint32_t *len, const bool *wr, unsigned int n)
{
	struct vccw_mem *m = s->f.mem;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t d = ring + 16u * (head + i);

		vccw_mem_st_be64(m, d, addr[i]);
		vccw_mem_st_be32(m, d + 8, len[i]);
		vccw_mem_st_be16(m, d + 12, (uint16_t)((wr[i] ? 2 : 0) | (i + 1 < n ? 1 : 0)));
		vccw_mem_st_be16(m, d + 14, (uint16_t)(head + i + 1));
	}
	vccw_mem_st_be16(m, avail_of(ring) + 4u + 2u * (*avail_idx % QSIZE), head);
	/* The index that publishes the entries: a release store, as a driver's barrier. */
	(*avail_idx)++;
	vccw_mem_st_release_be16(m, avail_of(ring) + 2u, *avail_idx);
}

static void notify(struct stress *s, uint32_t sid, uint16_t idx)
{
	int64_t ret;

	/* Subcode 3: virtio-ccw notification, GPR2 the subchannel, GPR3 the queue. */
	(void)vccw_virtio_ccw_diag500(s->f.css, 3, sid, idx, 0, &ret);
}

/* Wait (bounded) until the used index reaches @want; false when the device went. */
static bool wait_used(struct stress *s, uint32_t sid, uint64_t ring, uint16_t want)
{
	unsigned int spins;
	uint16_t used = 0;

	for (spins = 0; spins < 200000 && !atomic_load(&s->stop); spins++) {
		vccw_mem_ld_acquire_be16(s->f.mem, used_of(ring) + 2u, &used);
		if (used == want)
			return true;
		if (spins % 64 == 63) {
			if (vccw_css_stsch(s->f.css, &s->cpu, sid, G_SCHIB) != VCCW_CC0)
				return false; /* unplugged */
			sched_yield();
		}
	}
	return false;
}

/* Disk I/O: write a stamped sector, read it back, compare; until the device goes. */
static void guest_blk(struct stress *s, uint32_t sid)
{
	struct vccw_mem *m = s->f.mem;
	uint16_t avail = 0, done = 0;
	unsigned int round;

	for (round = 0; !atomic_load(&s->stop); round++) {
		uint64_t hdr = G_BUFS, data = G_BUFS + 0x100, st = G_BUFS + 0x400;
		uint64_t addr[3] = { hdr, data, st };
		uint32_t len[3] = { 16, 512, 1 };
		bool wr[3] = { false, false, true };
		uint64_t sector = round % (DISK_SIZE / 512);
		uint8_t buf[512], status = 0xff;
		unsigned int i;

		/* OUT of sector @sector with a stamp. */
		vccw_mem_st_be32(m, hdr, VCCW_VIRTIO_BLK_T_OUT);
		vccw_mem_st_be32(m, hdr + 4, 0);
		vccw_mem_st_be64(m, hdr + 8, sector);
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(round + i);
		vccw_mem_write(m, data, buf, sizeof(buf));
		vccw_mem_st_u8(m, st, 0xff);
		post(s, G_RING0, &avail, (uint16_t)(avail % (QSIZE / 3) * 3), addr, len, wr, 3);
		notify(s, sid, 0);
		if (!wait_used(s, sid, G_RING0, ++done))
			return;
		vccw_mem_ld_u8(m, st, &status);
		if (status != VCCW_VIRTIO_BLK_S_OK) {
			atomic_fetch_add(&s->bad, 1);
			return;
		}
		atomic_fetch_add(&s->blk_done, 1);
		atomic_fetch_add(&s->progress, 1);
		/* IN of the same sector into a cleared buffer. */
		vccw_mem_st_be32(m, hdr, VCCW_VIRTIO_BLK_T_IN);
		vccw_mem_fill(m, data, 0, 512);
		vccw_mem_st_u8(m, st, 0xff);
		wr[1] = true;
		post(s, G_RING0, &avail, (uint16_t)(avail % (QSIZE / 3) * 3), addr, len, wr, 3);
		notify(s, sid, 0);
		if (!wait_used(s, sid, G_RING0, ++done))
			return;
		vccw_mem_ld_u8(m, st, &status);
		vccw_mem_read(m, data, buf, sizeof(buf));
		for (i = 0; i < sizeof(buf) && buf[i] == (uint8_t)(round + i); i++)
			;
		if (status != VCCW_VIRTIO_BLK_S_OK || i != sizeof(buf)) {
			atomic_fetch_add(&s->bad, 1);
			return;
		}
		atomic_fetch_add(&s->blk_reads, 1);
	}
}

/* Network: keep receive buffers posted, send a frame per round; until the device goes. */
static void guest_net(struct stress *s, uint32_t sid)
{
	struct vccw_mem *m = s->f.mem;
	uint16_t rx_avail = 0, tx_avail = 0, rx_seen = 0, tx_done = 0;
	unsigned int round, i;

	for (i = 0; i < QSIZE; i++) {
		uint64_t a = G_BUFS + 0x10000u + SLOT * i;
		uint32_t l = 10 + 1514;
		bool w = true;

		post(s, G_RING0, &rx_avail, (uint16_t)i, &a, &l, &w, 1);
	}
	notify(s, sid, 0);
	for (round = 0; !atomic_load(&s->stop); round++) {
		uint64_t hdr = G_BUFS, frame = G_BUFS + 0x100;
		uint64_t addr[2] = { hdr, frame };
		uint32_t len[2] = { 10, 64 };
		bool wr[2] = { false, false };
		uint16_t used = 0;
		uint8_t f[64];

		/* A legacy header (no MRG_RXBUF: 10 bytes) and a broadcast frame. */
		vccw_mem_fill(m, hdr, 0, 10);
		memset(f, 0xff, 6);
		memcpy(f + 6, "\x02\x00\x00\x00\x00\x07\x88\xb5", 8);
		for (i = 14; i < sizeof(f); i++)
			f[i] = (uint8_t)(round + i);
		vccw_mem_write(m, frame, f, sizeof(f));
		post(s, G_RING1, &tx_avail, (uint16_t)(tx_avail % (QSIZE / 2) * 2), addr, len, wr, 2);
		notify(s, sid, 1);
		if (!wait_used(s, sid, G_RING1, ++tx_done))
			return;
		atomic_fetch_add(&s->net_tx, 1);
		atomic_fetch_add(&s->progress, 1);
		/* Whatever the peer sent meanwhile: check it, give the buffer back. */
		vccw_mem_ld_acquire_be16(m, used_of(G_RING0) + 2u, &used);
		while (rx_seen != used) {
			uint64_t e = used_of(G_RING0) + 4u + 8u * (rx_seen % QSIZE);
			uint32_t id = 0, l = 0;
			uint8_t got[14];

			vccw_mem_ld_be32(m, e, &id);
			vccw_mem_ld_be32(m, e + 4, &l);
			if (id >= QSIZE || l < 10 + 14 || l > 10 + 1514) {
				atomic_fetch_add(&s->bad, 1);
				return;
			}
			vccw_mem_read(m, G_BUFS + 0x10000u + SLOT * id + 10, got, sizeof(got));
			/* The peer's frames: to the device's MAC, ethertype 0x88b6. */
			if (got[12] != 0x88 || got[13] != 0xb6) {
				atomic_fetch_add(&s->bad, 1);
				return;
			}
			atomic_fetch_add(&s->net_rx, 1);
			{
				uint64_t a = G_BUFS + 0x10000u + SLOT * id;
				uint32_t bl = 10 + 1514;
				bool w = true;

				post(s, G_RING0, &rx_avail, (uint16_t)id, &a, &bl, &w, 1);
			}
			rx_seen++;
		}
		notify(s, sid, 0);
	}
}

/* The guest's reaction to a subchannel CRW. */
static void guest_probe(struct stress *s, uint16_t schnr)
{
	uint32_t sid = sid_of(schnr);
	uint8_t b[52];
	uint8_t status, model = 0;

	if (vccw_css_stsch(s->f.css, &s->cpu, sid, G_SCHIB) != VCCW_CC0)
		return;
	vccw_mem_read(s->f.mem, G_SCHIB, b, sizeof(b));
	b[5] |= 0x80; /* PMCW E */
	vccw_mem_write(s->f.mem, G_SCHIB, b, sizeof(b));
	if (vccw_css_msch(s->f.css, &s->cpu, sid, G_SCHIB) != VCCW_CC0)
		return;
	/* SENSE ID: control unit 0x3832, its model the virtio device ID. */
	if (!run_ccw(s, sid, VCCW_CCW_CMD_SENSE_ID, 8, G_DATA))
		return;
	vccw_mem_ld_u8(s->f.mem, G_DATA + 3, &model);
	if (model != VCCW_VIRTIO_ID_NET && model != VCCW_VIRTIO_ID_BLOCK) {
		atomic_fetch_add(&s->bad, 1);
		return;
	}
	if (!setup_queue(s, sid, 0, G_RING0) ||
	    (model == VCCW_VIRTIO_ID_NET && !setup_queue(s, sid, 1, G_RING1)))
		return;
	status = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER | VCCW_VIRTIO_S_DRIVER_OK;
	vccw_mem_st_u8(s->f.mem, G_DATA, status);
	if (!run_ccw(s, sid, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, 1, G_DATA))
		return;
	atomic_fetch_add(&s->probes, 1);
	if (model == VCCW_VIRTIO_ID_NET)
		guest_net(s, sid);
	else
		guest_blk(s, sid);
}

static void *guest_thread(void *arg)
{
	struct stress *s = arg;

	while (!atomic_load(&s->stop)) {
		uint32_t crw = 0;

		if (vccw_css_stcrw(s->f.css, &s->cpu, G_CRW) != VCCW_CC0) {
			sched_yield();
			continue;
		}
		vccw_mem_ld_be32(s->f.mem, G_CRW, &crw);
		atomic_fetch_add(&s->crws, 1);
		/* RSC 3 (subchannel): a device came or went; STSCH tells which. */
		if (((crw >> VCCW_CRW_RSC_SHIFT) & 0xf) == VCCW_CRW_RSC_SCH)
			guest_probe(s, (uint16_t)crw);
	}
	return NULL;
}

/* The network on the other side: frames to the device, and counts what arrives. */
static void *peer_thread(void *arg)
{
	struct stress *s = arg;
	uint8_t f[1514];
	unsigned int n = 0;

	memset(f, 0, 60);
	memcpy(f, "\x52\x54\x00\x12\x34\x56\x02\x00\x00\x00\x00\x09\x88\xb6", 14);
	while (!atomic_load(&s->stop)) {
		pthread_mutex_lock(&s->peer_lock);
		if (s->peer_fd >= 0) {
			f[14] = (uint8_t)n++;
			(void)send(s->peer_fd, f, 60, MSG_DONTWAIT);
			while (recv(s->peer_fd, f + 100, sizeof(f) - 100, MSG_DONTWAIT) > 0)
				atomic_fetch_add(&s->peer_frames, 1);
		}
		pthread_mutex_unlock(&s->peer_lock);
		vc_sleep_ms(0);
		sched_yield();
	}
	return NULL;
}

static unsigned int cycles(void)
{
	const char *env = getenv("VCCW_STRESS_CYCLES");
	long n = env ? strtol(env, NULL, 10) : 0;

	return n > 0 && n < 1000000 ? (unsigned int)n : CYCLES_DEFAULT;
}

/* One plug / I/O / unplug cycle of a device of @kind. False when it could not be made. */
static bool cycle(struct stress *s, int kind, unsigned int i)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = 0, .hotplug = true };
	struct vccw_be_blk_file_opts bo = { 0 };
	struct vccw_be_blk *be = NULL;
	struct vccw_be_net *nbe = NULL;
	struct vccw_blk *blk = NULL;
	struct vccw_net *net = NULL;
	struct vccw_virtio_dev *vdev;
	struct vccw_virtio_ccw *dev;
	struct vccw_err err;
	char path[64];
	int fd = -1, sv[2];

	if (kind == KIND_NET) {
		struct vccw_net_config nc = { .queue_size = QSIZE };

		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv))
			return false;
		nbe = vccw_be_net_fd_new(sv[0], true, &err);
		if (!nbe) {
			close(sv[0]);
			close(sv[1]);
			return false;
		}
		nc.backend = nbe;
		net = vccw_net_new(s->f.mem, &nc, 0, &err);
		vdev = net ? vccw_net_vdev(net) : NULL;
		pthread_mutex_lock(&s->peer_lock);
		s->peer_fd = sv[1];
		pthread_mutex_unlock(&s->peer_lock);
	} else {
		struct vccw_blk_config bc = { .queue_size = QSIZE, .serial = "stress" };

		fd = memfd_create("vccw-stress-disk", 0);
		if (fd < 0 || ftruncate(fd, DISK_SIZE))
			return false;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		bo.aio = kind == KIND_BLK_URING ? VCCW_BE_BLK_AIO_IO_URING : VCCW_BE_BLK_AIO_THREADS;
		be = vccw_be_blk_file_open_opts(path, &bo, &err);
		if (!be) {
			close(fd);
			return false;
		}
		bc.backend = be;
		blk = vccw_blk_new(s->f.mem, &bc, 0, &err);
		vdev = blk ? vccw_blk_vdev(blk) : NULL;
	}
	CHECK(vdev != NULL);
	dev = vdev ? vccw_virtio_ccw_new(s->f.css, vdev, &cfg, &err) : NULL;
	CHECK(dev != NULL);
	if (dev) {
		/*
		 * From nothing to a few ms: the unplug meets every stage of the guest's work.
		 * Every fourth device (disk, io_uring disk and NIC in turn) first waits until
		 * the guest completed a few requests on it, however slow the machine (bounded:
		 * 10 s), so that each kind certainly carries I/O at its unplug.
		 */
		if (i % 4 == 3) {
			unsigned int from = atomic_load(&s->progress), ms;

			for (ms = 0; ms < 10000 && atomic_load(&s->progress) - from < 4; ms++)
				vc_sleep_ms(1);
		} else {
			vc_sleep_ms(i % 7);
		}
		vccw_virtio_ccw_free(dev, true);
	}
	vccw_blk_free(blk);
	vccw_net_free(net);
	if (nbe) {
		uint8_t f[1514];

		pthread_mutex_lock(&s->peer_lock);
		/* What the device sent and the peer has not read yet. */
		while (recv(sv[1], f, sizeof(f), MSG_DONTWAIT) > 0)
			atomic_fetch_add(&s->peer_frames, 1);
		s->peer_fd = -1;
		pthread_mutex_unlock(&s->peer_lock);
		vccw_be_net_close(nbe);
		close(sv[1]);
	}
	if (be)
		vccw_be_blk_close(be);
	if (fd >= 0)
		close(fd);
	return dev != NULL;
}

TEST(test_vccw_hotplug_blk_net_io_threads_unplug_in_flight)
{
	unsigned int i, n = cycles(), made = 0;
	bool uring = vccw_be_blk_have_io_uring();
	struct stress s;
	pthread_t guest, peer;

	memset(&s, 0, sizeof(s));
	fx_init(&s.f, true);
	s.cpu = s.f.cpu;
	s.peer_fd = -1;
	pthread_mutex_init(&s.peer_lock, NULL);
	REQUIRE(pthread_create(&guest, NULL, guest_thread, &s) == 0);
	REQUIRE(pthread_create(&peer, NULL, peer_thread, &s) == 0);
	for (i = 0; i < n; i++) {
		int kind = i % 3 == 2 ? KIND_NET : i % 3 == 1 && uring ? KIND_BLK_URING : KIND_BLK;

		made += cycle(&s, kind, i);
	}
	atomic_store(&s.stop, true);
	pthread_join(guest, NULL);
	pthread_join(peer, NULL);
	pthread_mutex_destroy(&s.peer_lock);
	printf("  %u cycles (io_uring %s): %u CRWs, %u devices probed, %u disk requests, "
	       "%u reads checked, %u frames sent (%u at the peer), %u received\n",
	       n, uring ? "yes" : "no", atomic_load(&s.crws), atomic_load(&s.probes),
	       atomic_load(&s.blk_done), atomic_load(&s.blk_reads), atomic_load(&s.net_tx),
	       atomic_load(&s.peer_frames), atomic_load(&s.net_rx));
	CHECK_EQ(made, n);
	/* One CRW per plug and per unplug; an overflow loses some, never adds. */
	CHECK(atomic_load(&s.crws) > 0 && atomic_load(&s.crws) <= 2 * n);
	CHECK(atomic_load(&s.probes) > 0);
	CHECK(atomic_load(&s.blk_done) > 0);
	CHECK(atomic_load(&s.blk_reads) > 0);
	CHECK(atomic_load(&s.net_tx) > 0);
	CHECK(atomic_load(&s.peer_frames) > 0);
	CHECK_EQ(atomic_load(&s.bad), 0);
	fx_fini(&s.f);
}
