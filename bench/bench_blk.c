// SPDX-License-Identifier: MIT
/*
 * virtio-blk end to end: the native guest block driver (guest/drivers, over the guest
 * virtio-ccw driver and cio layer) reads and writes 4 KiB and 64 KiB requests through
 * libvccw's css, virtio-ccw transport, blk device and raw file backend, on a file in
 * tmpfs (/dev/shm; else the current directory). The machine is the unit tests' host
 * harness (tests/unit/guest-virtio/gv_host.c): a threaded css, the guest program on a
 * vCPU thread of its own, the device on its I/O thread.
 *
 * Baseline: pread/pwrite of the same sizes at the same offsets of the same file, from
 * the host, in the same run. Ratio = vccw throughput / raw throughput.
 *
 * Notification path: the time from the guest's DIAGNOSE 0x500 (queue notify) to the
 * vCPU taking the I/O interruption that reports the used buffer, for 512-byte reads
 * (spec 4.3.3.2 notification, 2.7.14 / 4.3.2.6 used-buffer notification). Baseline: a
 * host round trip through the same kinds of wake-up (eventfd to a thread in epoll_wait,
 * condition variable back).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "gv_host.h"
#include "vccw/be-blk.h"
#include "vccw/blk.h"

#define FILE_SIZE (64u << 20)
#define TARGET_MS 150
#define LAT_SAMPLES 3000

/* ---- The measured operations, shared by guest and host sides ---- */

struct io_op {
	bool write;
	uint32_t size;
	/* guest side */
	struct guest_blk *blk;
	void *buf;
	/* host side */
	int fd;
	void *hbuf;
	uint64_t off;
	unsigned long errors;
};

static void next_off(struct io_op *o)
{
	o->off += o->size;
	if (o->off + o->size > FILE_SIZE)
		o->off = 0;
}

static void guest_io(void *arg, uint64_t n)
{
	struct io_op *o = arg;
	uint32_t sectors = o->size / GUEST_BLK_SECTOR_SIZE;
	uint64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		uint64_t sector = o->off / GUEST_BLK_SECTOR_SIZE;

		rc = o->write ? guest_blk_write(o->blk, sector, o->buf, sectors) :
				guest_blk_read(o->blk, sector, o->buf, sectors);
		if (rc)
			o->errors++;
		next_off(o);
	}
}

static void host_io(void *arg, uint64_t n)
{
	struct io_op *o = arg;
	uint64_t i;
	ssize_t rc;

	for (i = 0; i < n; i++) {
		rc = o->write ? pwrite(o->fd, o->hbuf, o->size, (off_t)o->off) :
				pread(o->fd, o->hbuf, o->size, (off_t)o->off);
		if (rc != (ssize_t)o->size)
			o->errors++;
		next_off(o);
	}
}

/* The guest driver's bounce copy, against the C library's memcpy. */
struct copy {
	void *(*fn)(void *d, const void *s, size_t n);
	uint8_t *src, *dst;
	size_t len;
};

static void copy_run(void *arg, uint64_t n)
{
	struct copy *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		c->fn(c->dst, c->src, c->len);
		__asm__ __volatile__("" : : "r"(c->dst) : "memory");
	}
}

static void bounce_rows(void)
{
	struct copy g = { .fn = guest_memcpy, .len = GUEST_BLK_BOUNCE }, l;
	struct bench_result rg, rl;
	double len = GUEST_BLK_BOUNCE;

	g.src = malloc(g.len);
	g.dst = malloc(g.len);
	if (!g.src || !g.dst)
		goto out;
	memset(g.src, 1, g.len);
	memset(g.dst, 2, g.len);
	l = g;
	l.fn = memcpy;
	rg = bench_measure(copy_run, &g, 50);
	rl = bench_measure(copy_run, &l, 50);
	bench_row("guest bounce copy (guest_memcpy) 64 KiB", BENCH_BYTES_PS, len * 1e9 / rg.median,
		  "libc memcpy 64 KiB", len * 1e9 / rl.median,
		  100.0 * (rg.worst - rg.best) / rg.median);
out:
	free(g.src);
	free(g.dst);
}

/* ---- Notification latency: timestamps taken in the machine's entry points ---- */

static int64_t (*real_diag500)(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3,
			       uint64_t gpr4, int *pgm);
static bool (*real_take_irq)(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq);
static bool lat_on;
static unsigned long nr_diag, nr_irq;
static uint64_t lat_t0;
static double lat[LAT_SAMPLES];
static unsigned int nr_lat;

/* Both hooks run on the vCPU thread: no locking needed. */
static int64_t timed_diag500(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3,
			     uint64_t gpr4, int *pgm)
{
	if (lat_on) {
		nr_diag++;
		if (!lat_t0)
			lat_t0 = bench_now_ns();
	}
	return real_diag500(ctx, gpr1, gpr2, gpr3, gpr4, pgm);
}

static bool timed_take_irq(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq)
{
	bool got = real_take_irq(ctx, timeout_us, irq);

	if (got && lat_on)
		nr_irq++;

	if (got && lat_t0 && irq->kind == GUEST_NATIVE_IRQ_IO) {
		if (nr_lat < LAT_SAMPLES)
			lat[nr_lat++] = (double)(bench_now_ns() - lat_t0);
		lat_t0 = 0;
	}
	return got;
}

/* ---- The guest program ---- */

static const struct {
	bool write;
	uint32_t size;
} cases[] = {
	{ false, 4096 },
	{ true, 4096 },
	{ false, 65536 },
	{ true, 65536 },
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static struct {
	int rc;
	struct bench_result res[NR_CASES];
	unsigned long errors;
} G;

static int g_bench(void)
{
	struct guest_blk *blk;
	struct io_op o;
	unsigned int i;
	void *buf;

	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	blk = guest_blk_get(0);
	buf = guest_alloc(GUEST_BLK_BOUNCE, 4096);
	if (!blk || !buf) {
		guest_cio_exit();
		return 2;
	}
	memset(buf, 0x5a, GUEST_BLK_BOUNCE);
	for (i = 0; i < NR_CASES; i++) {
		memset(&o, 0, sizeof(o));
		o.blk = blk;
		o.buf = buf;
		o.write = cases[i].write;
		o.size = cases[i].size;
		G.res[i] = bench_measure(guest_io, &o, TARGET_MS);
		G.errors += o.errors;
	}
	/* Latency: one-sector reads, synchronous, so each has its own notify and interruption. */
	memset(&o, 0, sizeof(o));
	o.blk = blk;
	o.buf = buf;
	o.size = GUEST_BLK_SECTOR_SIZE;
	guest_io(&o, 200); /* warm up */
	lat_on = true;
	guest_io(&o, LAT_SAMPLES);
	lat_on = false;
	G.errors += o.errors;
	guest_cio_exit();
	return 0;
}

/* ---- Host-side latency baseline: eventfd -> epoll thread -> condition variable ---- */

struct pingpong {
	int efd, epfd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, stop;
};

static void *pong_thread(void *arg)
{
	struct pingpong *p = arg;
	struct epoll_event ev;
	uint64_t v;

	for (;;) {
		if (epoll_wait(p->epfd, &ev, 1, -1) < 1)
			continue;
		if (read(p->efd, &v, sizeof(v)) != sizeof(v))
			continue;
		pthread_mutex_lock(&p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		p->done = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static bool pingpong(double *samples, unsigned int n)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct pingpong p = { 0 };
	uint64_t one = 1, t0;
	pthread_t t;
	unsigned int i;

	p.efd = eventfd(0, EFD_NONBLOCK);
	p.epfd = epoll_create1(0);
	if (p.efd < 0 || p.epfd < 0 || epoll_ctl(p.epfd, EPOLL_CTL_ADD, p.efd, &ev))
		return false;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (pthread_create(&t, NULL, pong_thread, &p))
		return false;
	for (i = 0; i < n + 200; i++) {
		t0 = bench_now_ns();
		if (write(p.efd, &one, sizeof(one)) != sizeof(one))
			return false;
		pthread_mutex_lock(&p.lock);
		while (!p.done)
			pthread_cond_wait(&p.cond, &p.lock);
		p.done = false;
		pthread_mutex_unlock(&p.lock);
		if (i >= 200)
			samples[i - 200] = (double)(bench_now_ns() - t0);
	}
	pthread_mutex_lock(&p.lock);
	p.stop = true;
	pthread_mutex_unlock(&p.lock);
	if (write(p.efd, &one, sizeof(one)) != sizeof(one))
		return false;
	pthread_join(t, NULL);
	close(p.efd);
	close(p.epfd);
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	return true;
}

static void mean_p99(double *v, unsigned int n, double *mean, double *p99)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	*mean = n ? sum / n : 0;
	bench_median(v, n); /* sorts */
	*p99 = n ? v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0;
}

/* ---- Setup ---- */

static int make_file(char *path, size_t len)
{
	static const char *const dirs[] = { "/dev/shm", "." };
	unsigned int i;
	int fd = -1;

	for (i = 0; i < VCCW_ARRAY_SIZE(dirs) && fd < 0; i++) {
		snprintf(path, len, "%s/vccw-bench-XXXXXX", dirs[i]);
		fd = mkstemp(path);
	}
	if (fd < 0)
		return -1;
	if (ftruncate(fd, FILE_SIZE)) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void fill_file(int fd)
{
	static uint8_t chunk[1 << 16];
	uint64_t off;

	memset(chunk, 0xa5, sizeof(chunk));
	for (off = 0; off < FILE_SIZE; off += sizeof(chunk))
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)off) != (ssize_t)sizeof(chunk))
			break;
}

void bench_blk(void)
{
	static struct gv_machine m;
	struct vccw_blk_config cfg = { .serial = "bench" };
	struct bench_result raw[NR_CASES];
	struct vccw_be_blk *be = NULL;
	struct vccw_blk *blk = NULL;
	double base[LAT_SAMPLES], mean, p99, bmean, bp99;
	struct vccw_err err;
	char path[64], what[64], bwhat[64];
	unsigned int i;
	int fd, rc;

	fd = make_file(path, sizeof(path));
	if (fd < 0) {
		bench_note("blk: cannot create the image file: %s", strerror(errno));
		return;
	}
	/* Allocate every page now, so neither side pays for first touches. */
	fill_file(fd);
	if (!gv_init(&m)) {
		bench_note("blk: machine setup failed");
		goto out_file;
	}
	be = vccw_be_blk_file_open(path, false, &err);
	if (be) {
		cfg.backend = be;
		blk = vccw_blk_new(m.mem, &cfg, gv_default_extra(), &err);
	}
	if (!blk || gv_add_vdev(&m, vccw_blk_vdev(blk), 2) < 0) {
		bench_note("blk: device setup failed: %s", blk ? "attach" : err.msg);
		goto out_machine;
	}
	real_diag500 = m.host.diag500;
	real_take_irq = m.host.take_irq;
	m.host.diag500 = timed_diag500;
	m.host.take_irq = timed_take_irq;

	/* Baseline first, then the guest, both on the same, fully allocated file. */
	for (i = 0; i < NR_CASES; i++) {
		struct io_op o = { .write = cases[i].write, .size = cases[i].size, .fd = fd };

		o.hbuf = aligned_alloc(4096, o.size);
		if (!o.hbuf)
			goto out_machine;
		memset(o.hbuf, 0x5a, o.size);
		raw[i] = bench_measure(host_io, &o, TARGET_MS);
		free(o.hbuf);
		G.errors += o.errors;
	}
	rc = gv_run(&m, g_bench);
	if (rc) {
		bench_note("blk: the guest program failed (%d)", rc);
		goto out_machine;
	}

	bench_section("virtio-blk end to end: guest driver -> virtio-ccw -> blk -> file on tmpfs");
	for (i = 0; i < NR_CASES; i++) {
		double size = cases[i].size, spread;
		const struct bench_result *r = &G.res[i];

		spread = 100.0 * (r->worst - r->best) / r->median;
		snprintf(what, sizeof(what), "guest_blk_%s %u KiB (sync, QD1)",
			 cases[i].write ? "write" : "read", cases[i].size / 1024);
		snprintf(bwhat, sizeof(bwhat), "host %s of %u KiB, same file",
			 cases[i].write ? "pwrite" : "pread", cases[i].size / 1024);
		bench_row(what, BENCH_BYTES_PS, size * 1e9 / r->median, bwhat,
			  size * 1e9 / raw[i].median, spread);
	}
	bounce_rows();
	if (nr_lat && pingpong(base, nr_lat)) {
		mean_p99(lat, nr_lat, &mean, &p99);
		mean_p99(base, nr_lat, &bmean, &bp99);
		bench_row("DIAG 0x500 -> I/O interruption, mean", BENCH_NS, mean,
			  "eventfd->epoll thread->condvar, mean", bmean, -1);
		bench_row("DIAG 0x500 -> I/O interruption, p99", BENCH_NS, p99,
			  "eventfd->epoll thread->condvar, p99", bp99, -1);
		bench_note("blk: notification latency over %u one-sector reads (%.2f DIAGs and "
			   "%.2f interruptions per request); the I/O thread's work for the request "
			   "(pop, preadv, push) is part of it", nr_lat, (double)nr_diag / LAT_SAMPLES,
			   (double)nr_irq / LAT_SAMPLES);
	}
	bench_note("blk: image %s (%u MiB, pages allocated before timing)", path,
		   FILE_SIZE >> 20);
	if (G.errors)
		bench_note("blk: %lu requests failed", G.errors);

out_machine:
	gv_fini(&m);
	vccw_blk_free(blk);
	if (be)
		vccw_be_blk_close(be);
out_file:
	close(fd);
	unlink(path);
}
