// SPDX-License-Identifier: MIT
/*
 * Idle CPU: a machine of 8 virtio-ccw devices (4 virtio-blk, 4 virtio-rng) with their
 * I/O threads, the channel thread and a vCPU, which first does some I/O on every
 * device (so every polling window is open, include/vccw/poll.h) and then does nothing
 * for IDLE_MS: the process's CPU time (getrusage, all threads) over that idle time,
 * as CPU time per second. Baseline: the bound the design sets, 1 % of one core
 * (10 ms per second). Polling must end by itself once waits grow long.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "gv_host.h"

#define NR_BLK 4
#define NR_RNG 4
#define IDLE_MS 1500

static struct {
	double cpu_ns;  /* CPU time of the process during the idle time */
	double wall_ns; /* the idle time */
	unsigned long errors;
} I;

static double cpu_now_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static int g_idle(void)
{
	uint8_t buf[512];
	double c0, t0;
	unsigned int i, k;

	if (guest_cio_init() < 0)
		return 1;
	guest_drivers_register_all();
	for (i = 0; i < NR_BLK; i++) {
		struct guest_blk *blk = guest_blk_get(i);
		void *b = guest_alloc(4096, 4096);

		if (!blk || !b)
			return 2;
		for (k = 0; k < 100; k++)
			if (guest_blk_read(blk, k, b, 1))
				I.errors++;
	}
	for (i = 0; i < NR_RNG; i++) {
		struct guest_rng *rng = guest_rng_get(i);

		if (!rng)
			return 3;
		for (k = 0; k < 20; k++)
			if (guest_rng_read(rng, buf, 16) < 0)
				I.errors++;
	}
	/* Idle: an enabled wait with nothing to wait for. */
	c0 = cpu_now_ns();
	t0 = (double)bench_now_ns();
	while ((double)bench_now_ns() - t0 < IDLE_MS * 1e6)
		guest_arch_wait(IDLE_MS * 1000u);
	I.wall_ns = (double)bench_now_ns() - t0;
	I.cpu_ns = cpu_now_ns() - c0;
	guest_cio_exit();
	return 0;
}

void bench_idle(void)
{
	static struct gv_machine m;
	unsigned int i;
	int rc;

	if (!gv_init(&m)) {
		bench_note("idle: machine setup failed");
		return;
	}
	for (i = 0; i < NR_BLK; i++) {
		if (gv_add_blk(&m, 2, gv_default_extra(), 1u << 20) < 0) {
			bench_note("idle: cannot add a virtio-blk device");
			goto out;
		}
	}
	for (i = 0; i < NR_RNG; i++) {
		if (gv_add_rng(&m, 2, gv_default_extra()) < 0) {
			bench_note("idle: cannot add a virtio-rng device");
			goto out;
		}
	}
	rc = gv_run(&m, g_idle);
	if (rc || !I.wall_ns) {
		bench_note("idle: the guest program failed (%d)", rc);
		goto out;
	}
	bench_section("idle machine: 8 devices, no I/O after a burst of it");
	bench_row("CPU time per second, whole process", BENCH_NS, I.cpu_ns * 1e9 / I.wall_ns,
		  "bound: 1 % of one core", 1e7, -1);
	bench_note("idle: %.0f ms of idle time after I/O on each device; the CPU time counts "
		   "every thread (vCPU, channel thread, 8 I/O threads)", I.wall_ns / 1e6);
	if (I.errors)
		bench_note("idle: %lu requests failed", I.errors);
out:
	gv_fini(&m);
}
