// SPDX-License-Identifier: MIT
/*
 * Benchmark helpers (see bench.h) and the vccw-bench program: runs each benchmark,
 * then prints one table of measurements, each with its same-run baseline and ratio.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_ROWS 64
#define MAX_NOTES 32

struct row {
	char what[96];
	char base_what[64];
	enum bench_unit unit;
	double val, base, spread;
	bool has_base;
	bool section;
};

static struct row rows[MAX_ROWS];
static unsigned int nr_rows;
static char *notes[MAX_NOTES];
static unsigned int nr_notes;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bench_result bench_measure_timed(bench_timed_fn *fn, void *arg, double target_ms)
{
	double target = target_ms * 1e6, per_op[BENCH_RUNS];
	struct bench_result r;
	uint64_t n = 1, t;
	unsigned int i;

	/* Calibrate: grow the count until a run lasts a tenth of the target at least. */
	for (;;) {
		t = fn(arg, n);
		if (t >= target / 10 || n >= (1ull << 40))
			break;
		n *= t * 20 > target ? 2 : 8;
	}
	n = (uint64_t)((double)n * target / (double)(t ? t : 1));
	if (!n)
		n = 1;
	for (i = 0; i < BENCH_RUNS; i++)
		per_op[i] = (double)fn(arg, n) / (double)n;
	r.median = bench_median(per_op, BENCH_RUNS);
	r.best = per_op[0];
	r.worst = per_op[BENCH_RUNS - 1];
	return r;
}

struct whole {
	bench_fn *fn;
	void *arg;
};

static uint64_t time_whole(void *arg, uint64_t n)
{
	struct whole *w = arg;
	uint64_t t = bench_now_ns();

	w->fn(w->arg, n);
	return bench_now_ns() - t;
}

struct bench_result bench_measure(bench_fn *fn, void *arg, double target_ms)
{
	struct whole w = { fn, arg };

	return bench_measure_timed(time_whole, &w, target_ms);
}

/*
 * The kernel's per-process RSS counters (statm, status) are per-CPU counters folded in
 * batches since Linux 6.2: a reading may be off by tens of pages per CPU, which once
 * showed as "RSS growth" over plug/unplug cycles that was only counter drift.
 * smaps_rollup walks the page tables and is exact; statm is the fallback.
 */
long bench_rss(void)
{
	long size, resident, kb = -1;
	char line[128];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	int n;

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "Rss: %ld kB", &kb) == 1)
				break;
		}
		fclose(f);
		if (kb >= 0)
			return kb * 1024;
	}
	f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	n = fscanf(f, "%ld %ld", &size, &resident);
	fclose(f);
	if (n != 2)
		return -1;
	return resident * sysconf(_SC_PAGESIZE);
}

static struct row *new_row(void)
{
	struct row *r;

	if (nr_rows == MAX_ROWS)
		return NULL;
	r = &rows[nr_rows++];
	memset(r, 0, sizeof(*r));
	return r;
}

void bench_section(const char *title)
{
	struct row *r = new_row();

	if (!r)
		return;
	r->section = true;
	snprintf(r->what, sizeof(r->what), "%s", title);
}

void bench_row(const char *what, enum bench_unit unit, double val, const char *base_what,
	       double base, double spread)
{
	struct row *r = new_row();

	if (!r)
		return;
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->unit = unit;
	r->val = val;
	r->spread = spread;
	if (base_what) {
		r->has_base = true;
		snprintf(r->base_what, sizeof(r->base_what), "%s", base_what);
		r->base = base;
	}
}

void bench_row_rate(const char *what, const struct bench_result *r, const char *base_what,
		    const struct bench_result *base)
{
	double spread = r->median > 0 ? 100.0 * (r->worst - r->best) / r->median : -1;

	bench_row(what, BENCH_OPS, 1e9 / r->median, base_what, base ? 1e9 / base->median : 0,
		  spread);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (nr_notes == MAX_NOTES)
		return;
	s = malloc(256);
	if (!s)
		return;
	va_start(ap, fmt);
	vsnprintf(s, 256, fmt, ap);
	va_end(ap);
	notes[nr_notes++] = s;
}

/* @v in the row's unit, scaled with an SI (rates) or binary (bytes) prefix. */
static void fmt_val(char *buf, size_t len, enum bench_unit unit, double v)
{
	static const char *const si[] = { "", "k", "M", "G" };
	static const char *const bin[] = { "", "Ki", "Mi", "Gi" };
	unsigned int i = 0;

	switch (unit) {
	case BENCH_OPS:
		while (v >= 1000 && i < 3) {
			v /= 1000;
			i++;
		}
		snprintf(buf, len, "%.3g %sop/s", v, si[i]);
		break;
	case BENCH_BYTES_PS:
		while (v >= 1024 && i < 3) {
			v /= 1024;
			i++;
		}
		snprintf(buf, len, "%.3g %sB/s", v, bin[i]);
		break;
	case BENCH_NS:
		if (v >= 1e6)
			snprintf(buf, len, "%.3g ms", v / 1e6);
		else if (v >= 1e3)
			snprintf(buf, len, "%.3g us", v / 1e3);
		else
			snprintf(buf, len, "%.3g ns", v);
		break;
	case BENCH_BYTES:
		while ((v >= 1024 || v <= -1024) && i < 3) {
			v /= 1024;
			i++;
		}
		snprintf(buf, len, "%.4g %sB", v, bin[i]);
		break;
	}
}

static void print_machine(void)
{
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	printf("vccw-bench on %s %s (%s), %ld online CPU%s\n", u.sysname, u.release, u.machine,
	       cpus, cpus == 1 ? "" : "s");
	printf("Times: CLOCK_MONOTONIC, median of %d runs of a calibrated operation count;\n"
	       "spread = (worst - best) / median of those runs. ratio = measured / baseline.\n",
	       BENCH_RUNS);
	if (cpus <= 2)
		printf("Caveat: %ld CPU%s, possibly shared with other jobs: threaded paths (channel\n"
		       "thread, I/O threads, the vCPU) compete for them, so cross-thread figures\n"
		       "vary from run to run; compare ratios, not absolute numbers.\n",
		       cpus, cpus == 1 ? "" : "s");
	printf("\n");
}

void bench_print(void)
{
	char v[32], b[32], ratio[16], spread[16];
	unsigned int i;

	printf("%-46s %14s  %-40s %14s %8s %7s\n", "benchmark", "measured", "baseline (same run)",
	       "", "ratio", "spread");
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];

		if (r->section) {
			printf("-- %s\n", r->what);
			continue;
		}
		fmt_val(v, sizeof(v), r->unit, r->val);
		b[0] = 0;
		snprintf(ratio, sizeof(ratio), "-");
		if (r->has_base) {
			fmt_val(b, sizeof(b), r->unit, r->base);
			if (r->base != 0)
				snprintf(ratio, sizeof(ratio), "%.3g", r->val / r->base);
		}
		if (r->spread >= 0)
			snprintf(spread, sizeof(spread), "%.0f%%", r->spread);
		else
			snprintf(spread, sizeof(spread), "-");
		printf("%-46s %14s  %-40s %14s %8s %7s\n", r->what, v,
		       r->has_base ? r->base_what : "-", b, ratio, spread);
	}
	if (nr_notes)
		printf("\n");
	for (i = 0; i < nr_notes; i++) {
		printf("* %s\n", notes[i]);
		free(notes[i]);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} benches[] = {
	{ "machine", bench_machine },
	{ "ccw", bench_ccw },
	{ "vq", bench_vq },
	{ "blk", bench_blk },
	{ "qd", bench_qd },
	{ "blkbench", bench_blkbench },
	{ "mem", bench_mem },
	{ "s390x", bench_s390x },
	{ "idle", bench_idle },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	print_machine();
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		bool run = argc < 2;

		for (a = 1; a < argc; a++)
			run |= !strcmp(argv[a], benches[i].name);
		if (!run)
			continue;
		fprintf(stderr, "  BENCH  %s\n", benches[i].name);
		benches[i].fn();
	}
	bench_print();
	return 0;
}
