/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers shared by the bench/ programs: a monotonic clock, a calibrated
 * "median of BENCH_RUNS runs" measurement, the process's resident set, and the result
 * table. Every figure is printed next to a baseline measured in the same run; nothing
 * here asserts a time (STYLE.md section 10: speed lives in bench/, never in tests).
 */
#ifndef VCCW_BENCH_H
#define VCCW_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_RUNS 5

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* Run @n operations of a benchmark; @arg is the benchmark's state. */
typedef void bench_fn(void *arg, uint64_t n);

/* Cost of one operation over BENCH_RUNS runs: median, best and worst, in ns. */
struct bench_result {
	double median;
	double best;
	double worst;
};

/*
 * Measure @fn: first calibrate the operation count so that one run lasts about
 * @target_ms, then time BENCH_RUNS runs of that many operations.
 * Returns the per-operation cost (median, best, worst of the runs).
 */
struct bench_result bench_measure(bench_fn *fn, void *arg, double target_ms);

/*
 * As bench_measure(), for benchmarks that time only part of each run themselves (the
 * driver side of a ring, say): @fn returns the nanoseconds that count.
 */
typedef uint64_t bench_timed_fn(void *arg, uint64_t n);
struct bench_result bench_measure_timed(bench_timed_fn *fn, void *arg, double target_ms);

/* Median of @n values (sorts @v). */
double bench_median(double *v, unsigned int n);

/* Resident set size of the calling process in bytes (smaps_rollup, exact; else statm), or -1. */
long bench_rss(void);

/* How a row's value is printed. */
enum bench_unit {
	BENCH_OPS,   /* operations per second */
	BENCH_BYTES_PS, /* bytes per second */
	BENCH_NS,    /* a latency in ns */
	BENCH_BYTES, /* a size in bytes */
};

/*
 * Add a row to the table: @what measured @val, against @base_what measured @base in the
 * same run (@base_what NULL: no baseline). The ratio printed is @val / @base.
 * @spread: (worst - best) / median of the measured runs, in percent (< 0: not shown).
 */
void bench_row(const char *what, enum bench_unit unit, double val, const char *base_what,
	       double base, double spread);
/* A row from a bench_result of a per-operation cost, printed as a rate (ops/s). */
void bench_row_rate(const char *what, const struct bench_result *r, const char *base_what,
		    const struct bench_result *base);
/* A section title in the table. */
void bench_section(const char *title);
/* A note printed under the table. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_print(void);

/* The benchmarks (bench_<name>.c). */
void bench_machine(void);
/* Round trip between two threads, measured by bench_machine() (zero before). */
extern struct bench_result bench_wakeup;
void bench_ccw(void);
void bench_vq(void);
void bench_blk(void);
void bench_mem(void);
void bench_blkbench(void);
/* s390x code on vccw-vm against qemu-system-s390x (bench_s390x.c). */
void bench_s390x(void);
void bench_idle(void);
void bench_qd(void);

#endif /* VCCW_BENCH_H */
