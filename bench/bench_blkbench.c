// SPDX-License-Identifier: MIT
/*
 * blkbench on vccw-vm: the guest load generator (-kernel native:blkbench, guest/demo/
 * blkbench.c) run as a user runs it, a whole vccw-vm process per run, on a 64 MiB image
 * in tmpfs (/dev/shm) that blkbench stamps before it measures. The guest times itself
 * (from its first submission to its last completion), so start-up is not counted; each
 * figure is the median of RUNS runs. Rows:
 *  - 4 KiB random reads at QD32, aio=io_uring, against a raw io_uring loop in this
 *    process keeping 32 reads of the same file in flight;
 *  - the same load on two request queues of one disk (num-queues=2, both queues on one
 *    -object iothread, as QEMU 7.2 places them) against one queue, QD16 per queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef VCCW_HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench.h"

#define RUNS 3
#define IMG_SIZE (64u << 20)
#define OPS 200000

struct bb_run {
	double iops;
	unsigned long p50, p99;
};

/* Run @cmd and parse blkbench's figures. */
static bool run_one(const char *cmd, struct bb_run *out)
{
	unsigned long long iops, bw;
	unsigned long p50, p99;
	bool got = false;
	char line[256];
	FILE *p = popen(cmd, "r");

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "blkbench: iops %llu bw_kib_s %llu lat_p50_us %lu lat_p99_us %lu",
			   &iops, &bw, &p50, &p99) == 4) {
			out->iops = (double)iops;
			out->p50 = p50;
			out->p99 = p99;
			got = true;
		}
	}
	return pclose(p) == 0 && got;
}

/* Median of RUNS runs of @cmd; *@spread in percent. */
static bool run_median(const char *cmd, struct bb_run *med, double *spread)
{
	double v[RUNS];
	struct bb_run r[RUNS];
	unsigned int i;

	for (i = 0; i < RUNS; i++) {
		if (!run_one(cmd, &r[i]))
			return false;
		v[i] = r[i].iops;
	}
	med->iops = bench_median(v, RUNS);
	*spread = (v[RUNS - 1] - v[0]) * 100.0 / med->iops;
	for (i = 0; i < RUNS; i++) {
		if (r[i].iops == med->iops)
			*med = r[i];
	}
	return true;
}

#ifdef VCCW_HAVE_LIBURING
struct raw {
	int fd;
	uint32_t rng;
	struct io_uring ring;
	void *bufs[32];
	unsigned long errors;
};

static uint64_t raw_next(struct raw *r)
{
	r->rng = r->rng * 1103515245u + 12345u;
	return (uint64_t)((r->rng >> 8) % (IMG_SIZE / 4096)) * 4096;
}

/* @n 4 KiB reads, 32 in flight, every completion replaced at once, one submit a batch. */
static void raw_loop(void *arg, uint64_t n)
{
	struct raw *r = arg;
	uint64_t sent = 0, done = 0;
	struct io_uring_cqe *cqe;
	unsigned int i;

	for (i = 0; i < 32 && sent < n; i++, sent++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

		io_uring_prep_read(sqe, r->fd, r->bufs[i], 4096, raw_next(r));
		io_uring_sqe_set_data(sqe, r->bufs[i]);
	}
	io_uring_submit(&r->ring);
	while (done < n) {
		if (io_uring_wait_cqe(&r->ring, &cqe)) {
			r->errors++;
			return;
		}
		do {
			void *buf = io_uring_cqe_get_data(cqe);

			if (cqe->res != 4096)
				r->errors++;
			io_uring_cqe_seen(&r->ring, cqe);
			done++;
			if (sent < n) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

				io_uring_prep_read(sqe, r->fd, buf, 4096, raw_next(r));
				io_uring_sqe_set_data(sqe, buf);
				sent++;
			}
		} while (io_uring_peek_cqe(&r->ring, &cqe) == 0);
		io_uring_submit(&r->ring);
	}
}

/* 4 KiB reads per second of the raw loop on @path, or 0. */
static double raw_rate(const char *path, double *spread)
{
	static struct raw r;
	struct bench_result res;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.rng = 12345;
	r.fd = open(path, O_RDONLY);
	if (r.fd < 0 || io_uring_queue_init(64, &r.ring, 0)) {
		if (r.fd >= 0)
			close(r.fd);
		return 0;
	}
	for (i = 0; i < 32; i++)
		r.bufs[i] = aligned_alloc(4096, 4096);
	res = bench_measure(raw_loop, &r, 150);
	for (i = 0; i < 32; i++)
		free(r.bufs[i]);
	io_uring_queue_exit(&r.ring);
	close(r.fd);
	if (r.errors)
		bench_note("blkbench: %lu raw io_uring reads failed", r.errors);
	*spread = 100.0 * (res.worst - res.best) / res.median;
	return 1e9 / res.median;
}
#endif

void bench_blkbench(void)
{
	char exe[PATH_MAX], dir[PATH_MAX], img[64], cmd[2 * PATH_MAX + 512];
	struct bb_run qd32, q1, q2;
	double s32, s1, s2;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int fd;

	bench_section("blkbench on vccw-vm: guest-timed 4 KiB random reads, image in tmpfs");
	if (n <= 0) {
		bench_note("blkbench: cannot find this program's directory");
		return;
	}
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", exe);
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	snprintf(img, sizeof(img), "/dev/shm/vccw-bench-blkbench-XXXXXX");
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, IMG_SIZE)) {
		bench_note("blkbench: cannot create the image in /dev/shm: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);

	snprintf(cmd, sizeof(cmd),
		 "'%s/vccw-vm' -drive file='%s',format=raw,if=none,id=d0,aio=io_uring "
		 "-device virtio-blk-ccw,drive=d0 -kernel native:blkbench "
		 "-append 'rw=randread bs=4k qd=32 ops=%u' 2>/dev/null", dir, img, OPS);
	if (!run_median(cmd, &qd32, &s32)) {
		bench_note("blkbench: '%s' did not run", cmd);
		goto out;
	}
#ifdef VCCW_HAVE_LIBURING
	{
		double rs, raw = raw_rate(img, &rs);

		if (raw > 0)
			bench_row("blkbench 4 KiB randread QD32, aio=io_uring", BENCH_BYTES_PS,
				  qd32.iops * 4096, "raw io_uring loop QD32, same file", raw * 4096,
				  s32);
	}
#else
	bench_row("blkbench 4 KiB randread QD32, aio=io_uring", BENCH_BYTES_PS, qd32.iops * 4096,
		  NULL, 0, s32);
#endif
	bench_note("blkbench: QD32 io_uring completion latency p50 %lu us, p99 %lu us", qd32.p50,
		   qd32.p99);

	snprintf(cmd, sizeof(cmd),
		 "'%s/vccw-vm' -object iothread,id=io0 "
		 "-drive file='%s',format=raw,if=none,id=d0,aio=io_uring "
		 "-device virtio-blk-ccw,drive=d0,num-queues=2,iothread=io0 -kernel native:blkbench "
		 "-append 'rw=randread bs=4k qd=16 queues=1 ops=%u' 2>/dev/null", dir, img, OPS);
	if (!run_median(cmd, &q1, &s1)) {
		bench_note("blkbench: '%s' did not run", cmd);
		goto out;
	}
	snprintf(cmd, sizeof(cmd),
		 "'%s/vccw-vm' -object iothread,id=io0 "
		 "-drive file='%s',format=raw,if=none,id=d0,aio=io_uring "
		 "-device virtio-blk-ccw,drive=d0,num-queues=2,iothread=io0 -kernel native:blkbench "
		 "-append 'rw=randread bs=4k qd=16 queues=2 ops=%u' 2>/dev/null", dir, img, OPS);
	if (!run_median(cmd, &q2, &s2)) {
		bench_note("blkbench: '%s' did not run", cmd);
		goto out;
	}
	bench_row("blkbench 2 queues x QD16, one iothread", BENCH_BYTES_PS, q2.iops * 4096,
		  "1 queue x QD16, same device", q1.iops * 4096, s2);
	bench_note("blkbench: medians of %d vccw-vm runs of %u reads each; the native guest "
		   "is one vCPU thread", RUNS, OPS);
out:
	unlink(img);
}
