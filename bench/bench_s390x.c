// SPDX-License-Identifier: MIT
/*
 * The s390x CPU back-end against QEMU: the bare-metal image build/s390x/bench.elf
 * (guest/arch/s390x/bench.c: 3 x 10^8 register instructions, then 2000 virtio-blk
 * 4 KiB reads through the guest's drivers) run on vccw-vm (our patched Unicorn)
 * and on qemu-system-s390x (TCG) in the same run, three times each; the guest times
 * itself with the CPU timer, so start-up is not counted. Rows: vccw-vm's rate with
 * QEMU's as the baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define RUNS 3

struct s390x_run {
	double loop_ips;  /* instructions per second */
	double blk_ops;   /* 4 KiB reads per second */
};

/* Run @cmd (a shell command line) and parse the guest's BENCH lines. */
static bool run_one(const char *cmd, struct s390x_run *out)
{
	unsigned long long insns, us, reads, us2;
	bool loop = false, blk = false;
	char line[256];
	FILE *p = popen(cmd, "r");

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "BENCH loop insns %llu us %llu", &insns, &us) == 2 && us) {
			out->loop_ips = (double)insns * 1e6 / (double)us;
			loop = true;
		} else if (sscanf(line, "BENCH blk4k reads %llu us %llu", &reads, &us2) == 2 && us2) {
			out->blk_ops = (double)reads * 1e6 / (double)us2;
			blk = true;
		}
	}
	return pclose(p) == 0 && loop && blk;
}

static bool run_host(const char *cmd, double *loop, double *blk, double *loop_spread,
		     double *blk_spread)
{
	double l[RUNS], b[RUNS];
	struct s390x_run r = { 0, 0 };
	unsigned int i;

	for (i = 0; i < RUNS; i++) {
		if (!run_one(cmd, &r))
			return false;
		l[i] = r.loop_ips;
		b[i] = r.blk_ops;
	}
	*loop = bench_median(l, RUNS);
	*blk = bench_median(b, RUNS);
	*loop_spread = (l[RUNS - 1] - l[0]) * 100.0 / *loop;
	*blk_spread = (b[RUNS - 1] - b[0]) * 100.0 / *blk;
	return true;
}

void bench_s390x(void)
{
	char exe[PATH_MAX], dir[PATH_MAX], img[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char vccw[3 * PATH_MAX + 256], qemu[3 * PATH_MAX + 256];
	double vl, vb, ql, qb, vls, vbs, qls, qbs;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int fd;

	bench_section("s390x code: vccw-vm's s390x back-end (patched Unicorn) vs qemu-system-s390x TCG");
	if (n <= 0) {
		bench_note("s390x: cannot find this program's directory");
		return;
	}
	exe[n] = 0;
	/* build/bench/vccw-bench -> build */
	snprintf(dir, sizeof(dir), "%s", exe);
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	/* The disk image goes where temporary files go (TMPDIR, else the C library's default). */
	snprintf(img, sizeof(img), "%s/vccw-bench-s390x.XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 8 << 20)) {
		bench_note("s390x: cannot create the disk image: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	snprintf(vccw, sizeof(vccw),
		 "'%s/vccw-vm' -m 128M -drive file='%s',format=raw,if=none,id=d0 "
		 "-device virtio-blk-ccw,drive=d0 -kernel '%s/s390x/bench.elf' 2>/dev/null",
		 dir, img, dir);
	snprintf(qemu, sizeof(qemu),
		 "qemu-system-s390x -machine s390-ccw-virtio -display none -nodefaults -m 128M "
		 "-chardev stdio,id=con -device sclpconsole,chardev=con "
		 "-drive file='%s',format=raw,if=none,id=d0 -device virtio-blk-ccw,drive=d0 "
		 "-kernel '%s/s390x/bench.elf' </dev/null 2>/dev/null", img, dir);
	if (!run_host(vccw, &vl, &vb, &vls, &vbs)) {
		bench_note("s390x: %s/s390x/bench.elf did not run on vccw-vm (make guest-s390x; "
			   "not NO_UNICORN=1)", dir);
	} else if (!run_host(qemu, &ql, &qb, &qls, &qbs)) {
		bench_note("s390x: qemu-system-s390x (qemu-system-misc) did not run the image");
	} else {
		bench_row("s390x register loop (AGHI/XGR/BRCTG), vccw-vm", BENCH_OPS, vl,
			  "qemu-system-s390x", ql, vls);
		bench_row("s390x virtio-blk 4 KiB reads, vccw-vm", BENCH_OPS, vb,
			  "qemu-system-s390x", qb, vbs);
		bench_note("s390x: rates are guest-timed (CPU timer), medians of %d runs each; "
			   "QEMU's spread: loop %.0f %%, blk %.0f %%", RUNS, qls, qbs);
	}
	unlink(img);
}
