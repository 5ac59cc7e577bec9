// SPDX-License-Identifier: MIT
/*
 * virtio-blk at a queue depth: a guest-side load generator (native guest, on the unit
 * tests' host harness) keeps QD requests in flight on the device's first virtqueue, with
 * its own request buffers in guest RAM (no bounce copy), and counts completions:
 *  - 4 KiB random reads at QD1 against host pread() of the same blocks of the same file;
 *  - 4 KiB random reads at QD32 with aio=io_uring against a raw io_uring loop on the
 *    host keeping 32 reads in flight on the same file;
 *  - 1 MiB sequential reads at QD1 against host pread() of 1 MiB.
 * The device runs with aio=threads, with aio=threads and ioeventfd=off (the vCPU serves
 * its own notifications), and with aio=io_uring; the image is a file in tmpfs
 * (/dev/shm), its pages allocated before timing, then a file on disk (the build
 * directory) read with cache=none (O_DIRECT) by the guest and the host baselines alike. At QD1 the loop also records each
 * request's time from its notification (DIAGNOSE 0x500) to the used buffer seen after
 * the interruption: the 99th percentile of those is printed against host pread's.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef VCCW_HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "vccw/be-blk.h"
#include "vccw/blk.h"

#define FILE_SIZE (64u << 20)
#define TARGET_MS 150
#define LAT_SAMPLES 2000
#define MAX_QD 32
#define BIG (1u << 20)

/* ---- Guest side: the load generator ---- */

struct slot {
	uint8_t *req;  /* header (16 bytes) and the status byte at 16 */
	uint8_t *data; /* the request's data */
};

struct lg {
	struct guest_blk *blk;
	struct guest_vq *vq;
	unsigned int qd;
	uint32_t size;
	bool seq;
	uint64_t next;  /* sequential: next byte offset */
	uint32_t rng;
	struct slot slots[MAX_QD];
	unsigned long errors;
};

static uint64_t next_sector(struct lg *g)
{
	uint64_t off;

	if (g->seq) {
		off = g->next;
		g->next += g->size;
		if (g->next + g->size > FILE_SIZE)
			g->next = 0;
	} else {
		g->rng = g->rng * 1103515245u + 12345u;
		off = (uint64_t)((g->rng >> 8) % (FILE_SIZE / g->size)) * g->size;
	}
	return off / GUEST_BLK_SECTOR_SIZE;
}

static bool submit(struct lg *g, struct slot *s)
{
	struct guest_vdev *vdev = &g->blk->vdev;
	struct guest_vq_seg o = { s->req, 16 };
	struct guest_vq_seg in[2] = { { s->data, g->size }, { s->req + 16, 1 } };

	guest_vccw_st32(vdev, s->req, 0); /* VIRTIO_BLK_T_IN */
	guest_vccw_st32(vdev, s->req + 4, 0);
	guest_vccw_st64(vdev, s->req + 8, next_sector(g));
	s->req[16] = 0xff;
	return guest_vq_add(g->vq, &o, 1, in, 2, s) == 0;
}

/* @n reads with g->qd in flight; every one waited for before returning. */
static void lg_run(void *arg, uint64_t n)
{
	struct lg *g = arg;
	uint64_t sent = 0, done = 0;
	unsigned int i;

	for (i = 0; i < g->qd && sent < n; i++, sent++)
		if (!submit(g, &g->slots[i]))
			g->errors++;
	guest_vq_kick(g->vq);
	while (done < n) {
		struct slot *s = guest_vq_wait_used(g->vq, NULL, 5000000);
		bool added = false;

		if (!s) {
			g->errors++;
			return;
		}
		do {
			done++;
			if (s->req[16] != 0)
				g->errors++;
			if (sent < n) {
				if (!submit(g, s))
					g->errors++;
				sent++;
				added = true;
			}
			s = guest_vq_get_used(g->vq, NULL);
		} while (s);
		if (added)
			guest_vq_kick(g->vq);
	}
}

static const struct {
	const char *name;
	unsigned int qd;
	uint32_t size;
	bool seq;
} cases[] = {
	{ "4 KiB random read QD1", 1, 4096, false },
	{ "4 KiB random read QD32", 32, 4096, false },
	{ "1 MiB sequential read QD1", 1, BIG, true },
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static struct {
	struct bench_result res[NR_CASES];
	double lat[LAT_SAMPLES]; /* QD1 4 KiB: notification to used buffer, ns */
	unsigned long errors;
	int rc;
} G;

/* QD1 4 KiB reads one by one, each timed from before its kick to its used buffer. */
static void lg_latency(struct lg *g)
{
	unsigned int i;

	g->qd = 1;
	g->size = 4096;
	g->seq = false;
	for (i = 0; i < LAT_SAMPLES; i++) {
		uint64_t t0;

		if (!submit(g, &g->slots[0])) {
			g->errors++;
			return;
		}
		t0 = bench_now_ns();
		guest_vq_kick(g->vq);
		if (!guest_vq_wait_used(g->vq, NULL, 5000000)) {
			g->errors++;
			return;
		}
		G.lat[i] = (double)(bench_now_ns() - t0);
	}
	bench_median(G.lat, LAT_SAMPLES); /* sorts */
}

static int g_qd(void)
{
	static struct lg g;
	unsigned int i, c;

	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	memset(&g, 0, sizeof(g));
	g.blk = guest_blk_get(0);
	if (!g.blk || !g.blk->vdev.vqs[0])
		return 2;
	g.vq = g.blk->vdev.vqs[0];
	for (i = 0; i < MAX_QD; i++) {
		g.slots[i].req = guest_alloc(32, 16);
		g.slots[i].data = guest_alloc(i ? 4096 : BIG, 4096);
		if (!g.slots[i].req || !g.slots[i].data)
			return 3;
	}
	for (c = 0; c < NR_CASES; c++) {
		g.qd = cases[c].qd;
		g.size = cases[c].size;
		g.seq = cases[c].seq;
		g.rng = 12345;
		g.next = 0;
		G.res[c] = bench_measure(lg_run, &g, TARGET_MS);
	}
	lg_latency(&g);
	G.errors += g.errors;
	guest_cio_exit();
	return 0;
}

/* ---- Host baselines ---- */

struct host {
	int fd;
	uint32_t size;
	bool seq;
	uint64_t next;
	uint32_t rng;
	uint8_t *buf;
	unsigned long errors;
};

static uint64_t host_next(struct host *h)
{
	uint64_t off;

	if (h->seq) {
		off = h->next;
		h->next += h->size;
		if (h->next + h->size > FILE_SIZE)
			h->next = 0;
		return off;
	}
	h->rng = h->rng * 1103515245u + 12345u;
	return (uint64_t)((h->rng >> 8) % (FILE_SIZE / h->size)) * h->size;
}

static void host_pread(void *arg, uint64_t n)
{
	struct host *h = arg;
	uint64_t i;

	for (i = 0; i < n; i++)
		if (pread(h->fd, h->buf, h->size, (off_t)host_next(h)) != (ssize_t)h->size)
			h->errors++;
}

#ifdef VCCW_HAVE_LIBURING
struct uring {
	struct host h;
	struct io_uring ring;
	uint8_t *bufs[MAX_QD];
};

/* @n reads, 32 in flight, each completion replaced at once (one submit per batch). */
static void host_uring(void *arg, uint64_t n)
{
	struct uring *u = arg;
	uint64_t sent = 0, done = 0;
	struct io_uring_cqe *cqe;
	unsigned int i;

	for (i = 0; i < MAX_QD && sent < n; i++, sent++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		io_uring_prep_read(sqe, u->h.fd, u->bufs[i], 4096, host_next(&u->h));
		io_uring_sqe_set_data(sqe, u->bufs[i]);
	}
	io_uring_submit(&u->ring);
	while (done < n) {
		if (io_uring_wait_cqe(&u->ring, &cqe)) {
			u->h.errors++;
			return;
		}
		do {
			void *buf = io_uring_cqe_get_data(cqe);

			if (cqe->res != 4096)
				u->h.errors++;
			io_uring_cqe_seen(&u->ring, cqe);
			done++;
			if (sent < n) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

				io_uring_prep_read(sqe, u->h.fd, buf, 4096, host_next(&u->h));
				io_uring_sqe_set_data(sqe, buf);
				sent++;
			}
		} while (io_uring_peek_cqe(&u->ring, &cqe) == 0);
		io_uring_submit(&u->ring);
	}
}
#endif

/* ---- Setup ---- */

/*
 * The image in @dir, its blocks written before timing; with @direct the returned fd
 * reads around the page cache (O_DIRECT), as the guest's cache=none backend does.
 */
static int make_file(const char *dir, bool direct, char *path, size_t len)
{
	static uint8_t chunk[1 << 16];
	uint64_t off;
	int fd, dfd;

	snprintf(path, len, "%s/vccw-bench-qd-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	memset(chunk, 0xa5, sizeof(chunk));
	for (off = 0; off < FILE_SIZE; off += sizeof(chunk))
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)off) != (ssize_t)sizeof(chunk))
			break;
	if (!direct)
		return fd;
	fsync(fd);
	dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	close(fd);
	if (dfd < 0)
		unlink(path);
	return dfd;
}

/*
 * The guest cases on a device whose backend runs with @aio, notifications served on
 * the vCPU when @inline_notify; false if it did not run. *@p99: the QD1 latency p99.
 */
static bool guest_cases(const char *path, bool direct, enum vccw_be_blk_aio aio,
			bool inline_notify, struct bench_result res[NR_CASES], double *p99)
{
	static struct gv_machine m;
	struct vccw_be_blk_file_opts opts = {
		.aio = aio,
		.cache = direct ? VCCW_BE_BLK_CACHE_NONE : VCCW_BE_BLK_CACHE_WRITEBACK,
	};
	struct vccw_blk_config cfg = { .serial = "bench-qd" };
	struct vccw_be_blk *be;
	struct vccw_blk *blk = NULL;
	struct vccw_err err;
	bool ok = false;
	int rc;

	be = vccw_be_blk_file_open_opts(path, &opts, &err);
	if (!be) {
		bench_note("qd: %s", err.msg);
		return false;
	}
	if (!gv_init(&m)) {
		vccw_be_blk_close(be);
		return false;
	}
	cfg.backend = be;
	blk = vccw_blk_new(m.mem, &cfg, gv_default_extra(), &err);
	if (blk)
		vccw_virtio_dev_set_notify_inline(vccw_blk_vdev(blk), inline_notify);
	if (blk && gv_add_vdev(&m, vccw_blk_vdev(blk), 2) >= 0) {
		memset(&G, 0, sizeof(G));
		rc = gv_run(&m, g_qd);
		if (rc)
			bench_note("qd: the guest program failed (%d)", rc);
		else
			ok = true;
		memcpy(res, G.res, sizeof(G.res));
		*p99 = G.lat[LAT_SAMPLES * 99 / 100];
		if (G.errors)
			bench_note("qd: %lu guest requests failed", G.errors);
	}
	gv_fini(&m);
	vccw_blk_free(blk);
	vccw_be_blk_close(be);
	return ok;
}

/* The rows for an image in @dir (@what names it), read through the page cache or not. */
static void qd_rows(const char *dir, bool direct, const char *what_dir)
{
	struct bench_result thr[NR_CASES], inl[NR_CASES], uring[NR_CASES], base[NR_CASES];
	double p99_thr = 0, p99_inl = 0, p99_uring = 0, host_lat[LAT_SAMPLES];
	struct host h = { 0 };
	bool have_thr, have_inl, have_uring = false;
	char path[64], what[96];
	unsigned int c;
	int fd;

	fd = make_file(dir, direct, path, sizeof(path));
	if (fd < 0) {
		bench_note("qd: cannot create the image in %s%s: %s", dir,
			   direct ? " (O_DIRECT)" : "", strerror(errno));
		return;
	}
	h.fd = fd;
	h.buf = aligned_alloc(4096, BIG);
	if (!h.buf)
		goto out;
	for (c = 0; c < NR_CASES; c++) {
		h.size = cases[c].size;
		h.seq = cases[c].seq;
		h.rng = 12345;
		h.next = 0;
		base[c] = bench_measure(host_pread, &h, TARGET_MS);
	}
	/* Host pread latency of the same 4 KiB blocks, one by one. */
	h.size = 4096;
	h.seq = false;
	h.rng = 12345;
	for (c = 0; c < LAT_SAMPLES; c++) {
		uint64_t t0 = bench_now_ns();

		host_pread(&h, 1);
		host_lat[c] = (double)(bench_now_ns() - t0);
	}
	bench_median(host_lat, LAT_SAMPLES);
	have_thr = guest_cases(path, direct, VCCW_BE_BLK_AIO_THREADS, false, thr, &p99_thr);
	have_inl = guest_cases(path, direct, VCCW_BE_BLK_AIO_THREADS, true, inl, &p99_inl);
	if (vccw_be_blk_have_io_uring())
		have_uring = guest_cases(path, direct, VCCW_BE_BLK_AIO_IO_URING, false, uring,
					 &p99_uring);
	snprintf(what, sizeof(what), "virtio-blk at a queue depth: guest load generator, %s",
		 what_dir);
	bench_section(what);
	for (c = 0; c < NR_CASES; c++) {
		double size = cases[c].size;

		if (have_thr) {
			snprintf(what, sizeof(what), "%s, aio=threads", cases[c].name);
			bench_row(what, BENCH_BYTES_PS, size * 1e9 / thr[c].median,
				  cases[c].seq ? "host pread 1 MiB, same file" :
						 "host pread 4 KiB QD1, same blocks",
				  size * 1e9 / base[c].median,
				  100.0 * (thr[c].worst - thr[c].best) / thr[c].median);
		}
		if (have_inl) {
			snprintf(what, sizeof(what), "%s, ioeventfd=off", cases[c].name);
			bench_row(what, BENCH_BYTES_PS, size * 1e9 / inl[c].median,
				  cases[c].seq ? "host pread 1 MiB, same file" :
						 "host pread 4 KiB QD1, same blocks",
				  size * 1e9 / base[c].median,
				  100.0 * (inl[c].worst - inl[c].best) / inl[c].median);
		}
		if (have_uring) {
			snprintf(what, sizeof(what), "%s, aio=io_uring", cases[c].name);
			bench_row(what, BENCH_BYTES_PS, size * 1e9 / uring[c].median,
				  cases[c].seq ? "host pread 1 MiB, same file" :
						 "host pread 4 KiB QD1, same blocks",
				  size * 1e9 / base[c].median,
				  100.0 * (uring[c].worst - uring[c].best) / uring[c].median);
		}
	}
	if (have_thr)
		bench_row("4 KiB read QD1, kick -> used, p99, aio=threads", BENCH_NS, p99_thr,
			  "host pread 4 KiB, p99", host_lat[LAT_SAMPLES * 99 / 100], -1);
	if (have_inl)
		bench_row("4 KiB read QD1, kick -> used, p99, ioeventfd=off", BENCH_NS, p99_inl,
			  "host pread 4 KiB, p99", host_lat[LAT_SAMPLES * 99 / 100], -1);
	if (have_uring)
		bench_row("4 KiB read QD1, kick -> used, p99, aio=io_uring", BENCH_NS, p99_uring,
			  "host pread 4 KiB, p99", host_lat[LAT_SAMPLES * 99 / 100], -1);
#ifdef VCCW_HAVE_LIBURING
	if (have_uring) {
		static struct uring u;
		struct bench_result raw;
		unsigned int i;

		memset(&u, 0, sizeof(u));
		u.h.fd = fd;
		u.h.size = 4096;
		u.h.rng = 12345;
		if (io_uring_queue_init(MAX_QD * 2, &u.ring, 0) == 0) {
			for (i = 0; i < MAX_QD; i++)
				u.bufs[i] = aligned_alloc(4096, 4096);
			raw = bench_measure(host_uring, &u, TARGET_MS);
			bench_row("4 KiB random read QD32, aio=io_uring", BENCH_BYTES_PS,
				  4096 * 1e9 / uring[1].median, "raw io_uring loop QD32, same file",
				  4096 * 1e9 / raw.median,
				  100.0 * (uring[1].worst - uring[1].best) / uring[1].median);
			for (i = 0; i < MAX_QD; i++)
				free(u.bufs[i]);
			io_uring_queue_exit(&u.ring);
			if (u.h.errors)
				bench_note("qd: %lu raw io_uring reads failed", u.h.errors);
		}
	}
#endif
	if (h.errors)
		bench_note("qd: %lu host reads failed", h.errors);
out:
	free(h.buf);
	close(fd);
	unlink(path);
}

void bench_qd(void)
{
	const char *o = getenv("O");
	char dir[512];

	qd_rows("/dev/shm", false, "file in tmpfs");
	/*
	 * A file on disk (the build directory), read with cache=none (O_DIRECT) by the guest
	 * and by the host baselines alike, so the device's speed shows and not the cache's.
	 */
	snprintf(dir, sizeof(dir), "%s", o && *o ? o : ".");
	qd_rows(dir, true, "file on disk, cache=none (O_DIRECT)");
	bench_note("qd: guest requests use their own buffers in guest RAM (no bounce copy); "
		   "one used-buffer interruption may cover several completions; ioeventfd=off "
		   "rows use aio=threads; on disk the host baselines read with O_DIRECT too");
}
