// SPDX-License-Identifier: MIT
/*
 * Memory: the resident set of a css as subchannels are defined (STYLE.md section 8:
 * guest-sized ID spaces are stored sparsely, memory follows defined objects), and its
 * growth over hot-plug/unplug cycles of a virtio-rng-ccw device (which should be about
 * nothing). Each measurement runs in a child process of its own, so that what earlier
 * benchmarks left in the allocator does not blur the figures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"
#include "vccw/rng.h"
#include "vccw/virtio-ccw.h"
#include "vccw/virtio.h"

#define NR_SCH 65536
#define NR_CU 4096
#define WARMUP_CYCLES 100
#ifndef CYCLES
#define CYCLES 1000
#endif
#define FOOTPRINT_DEVS 64
#define CRW_ADDR 0x1000
#define MAX_VALS 8

/* Run @fn in a child; it fills up to MAX_VALS values. Returns false if it failed. */
static bool in_child(bool (*fn)(double *vals), double *vals)
{
	int p[2], status;
	pid_t pid;
	bool ok;

	if (pipe(p))
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		double v[MAX_VALS] = { 0 };

		close(p[0]);
		ok = fn(v);
		if (ok && write(p[1], v, sizeof(v)) != (ssize_t)sizeof(v))
			ok = false;
		_exit(ok ? 0 : 1);
	}
	close(p[1]);
	ok = read(p[0], vals, MAX_VALS * sizeof(double)) == (ssize_t)(MAX_VALS * sizeof(double));
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		ok = false;
	return ok;
}

/* A subchannel with nothing behind it: the css's own cost per subchannel. */
static enum vccw_exec_rc null_start(struct vccw_sch *sch, void *opaque, const struct vccw_orb *orb,
				    unsigned int budget, struct vccw_exec_status *st)
{
	(void)sch;
	(void)opaque;
	(void)orb;
	(void)budget;
	memset(st, 0, sizeof(*st));
	st->dstat = VCCW_DSTAT_CE | VCCW_DSTAT_DE;
	return VCCW_EXEC_DONE;
}

static enum vccw_exec_rc null_step(struct vccw_sch *sch, void *opaque, unsigned int budget,
				   struct vccw_exec_status *st)
{
	return null_start(sch, opaque, NULL, budget, st);
}

static const struct vccw_sch_exec_ops null_ops = {
	.start = null_start,
	.resume = null_step,
	.step = null_step,
};

static enum vccw_cu_rc cmd_nothing(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	(void)req;
	return VCCW_CU_OK;
}

static const struct vccw_cu_cmd cu_cmds[] = {
	{ .code = 0x01, .name = "WRITE", .max_len = 64, .fn = cmd_nothing },
};

static const struct vccw_cu_ops cu_ops = { .cmds = cu_cmds, .nr_cmds = 1 };

/*
 * vals: 0 RSS before the css, 1 empty css, 2 with NR_SCH subchannels in set 0,
 * 3 RSS before NR_CU control units (in a second css), 4 after them.
 */
static bool sparse_child(double *vals)
{
	struct vccw_css_config cfg = { .manual = true };
	struct vccw_sch **schs = calloc(NR_SCH, sizeof(*schs));
	struct vccw_cu **cus = calloc(NR_CU, sizeof(*cus));
	struct vccw_css *css, *css2;
	struct vccw_mem *mem;
	struct vccw_err err;
	unsigned int i;

	mem = vccw_mem_new(1u << 20, &err);
	if (!mem || !schs || !cus)
		return false;
	bench_rss(); /* fault in the reading code first (see hotplug_child()) */
	vals[0] = (double)bench_rss();
	css = vccw_css_new(mem, &cfg, &err);
	if (!css)
		return false;
	vals[1] = (double)bench_rss();
	for (i = 0; i < NR_SCH; i++) {
		struct vccw_busid id = { .cssid = VCCW_CSS_VIRTUAL_CSSID, .ssid = 0,
					 .devno = (uint16_t)i };
		struct vccw_sch_config scfg = { .busid = &id, .ops = &null_ops };

		schs[i] = vccw_css_sch_new(css, &scfg, &err);
		if (!schs[i]) {
			fprintf(stderr, "bench mem: subchannel %u: %s\n", i, err.msg);
			return false;
		}
		vccw_css_sch_publish(schs[i]);
	}
	vals[2] = (double)bench_rss();
	css2 = vccw_css_new(mem, &cfg, &err);
	if (!css2)
		return false;
	vals[3] = (double)bench_rss();
	for (i = 0; i < NR_CU; i++) {
		struct vccw_cu_config ccfg = {
			.ops = &cu_ops,
			.id = { .cu_type = 0x3832, .cu_model = 1, .dev_type = 0x1234 },
		};

		cus[i] = vccw_cu_new(css2, &ccfg, &err);
		if (!cus[i]) {
			fprintf(stderr, "bench mem: control unit %u: %s\n", i, err.msg);
			return false;
		}
		vccw_cu_publish(cus[i]);
	}
	vals[4] = (double)bench_rss();
	/* The process ends here: no need to free. */
	return true;
}

struct plug {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cpu cpu;
};

struct dev {
	struct vccw_rng *rng;
	struct vccw_virtio_ccw *vc;
};

static bool plug(struct plug *p, struct dev *d)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = 2, .hotplug = true };
	struct vccw_err err;

	d->rng = vccw_rng_new(p->mem, NULL, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err);
	if (!d->rng)
		goto err;
	d->vc = vccw_virtio_ccw_new(p->css, vccw_rng_vdev(d->rng), &cfg, &err);
	if (!d->vc) {
		vccw_rng_free(d->rng);
		goto err;
	}
	return true;
err:
	fprintf(stderr, "bench mem: %s\n", err.msg);
	return false;
}

static void unplug(struct plug *p, struct dev *d)
{
	vccw_virtio_ccw_free(d->vc, true);
	vccw_rng_free(d->rng);
	/* As a guest does: drain the channel reports (cc 1 once the queue is empty). */
	while (vccw_css_stcrw(p->css, &p->cpu, CRW_ADDR) == VCCW_CC0)
		;
}

/*
 * vals: 0 RSS after the warm-up cycles, 1 after CYCLES more, 2 ns per cycle,
 * 3 RSS before FOOTPRINT_DEVS devices, 4 with them.
 */
static bool hotplug_child(double *vals)
{
	struct vccw_css_config cfg = { 0 };
	struct dev devs[FOOTPRINT_DEVS], d;
	struct vccw_err err;
	struct plug p = { 0 };
	uint64_t t;
	unsigned int i;

	p.mem = vccw_mem_new(16u << 20, &err);
	if (!p.mem)
		return false;
	p.css = vccw_css_new(p.mem, &cfg, &err);
	if (!p.css)
		return false;
	for (i = 0; i < WARMUP_CYCLES; i++) {
		if (!plug(&p, &d))
			return false;
		unplug(&p, &d);
	}
	/*
	 * The first reading faults in the C library's code that reads it (stdio, scanf:
	 * file-backed pages count in the RSS, about 190 KiB here); once done, the figure
	 * below is the cycles' alone. Without this the first reading was low and that step
	 * showed as "growth per cycle" (66-290 B over 1000 cycles).
	 */
	bench_rss();
	vals[0] = (double)bench_rss();
	t = bench_now_ns();
	for (i = 0; i < CYCLES; i++) {
		if (!plug(&p, &d))
			return false;
		unplug(&p, &d);
	}
	vals[2] = (double)(bench_now_ns() - t) / CYCLES;
	vals[1] = (double)bench_rss();
	vals[3] = (double)bench_rss();
	for (i = 0; i < FOOTPRINT_DEVS; i++)
		if (!plug(&p, &devs[i]))
			return false;
	vals[4] = (double)bench_rss();
	for (i = 0; i < FOOTPRINT_DEVS; i++)
		unplug(&p, &devs[i]);
	vccw_css_free(p.css);
	vccw_mem_free(p.mem);
	return true;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Baseline of a plug cycle: the I/O thread's creation and join alone. */
static void thread_cycle(void *arg, uint64_t n)
{
	uint64_t i;
	pthread_t t;

	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, nothing, arg))
			continue;
		pthread_join(t, NULL);
	}
}

void bench_mem(void)
{
	double v[MAX_VALS], per_sch, per_cu, growth, footprint;
	struct bench_result thr;
	char what[64];

	bench_section("memory (resident set, each in a fresh child process)");
	if (in_child(sparse_child, v)) {
		per_sch = (v[2] - v[1]) / NR_SCH;
		per_cu = (v[4] - v[3]) / NR_CU;
		snprintf(what, sizeof(what), "RSS: css + %u subchannels in set 0", NR_SCH);
		bench_row(what, BENCH_BYTES, v[2], "RSS: empty css, same process", v[1], -1);
		bench_row("RSS per defined subchannel (css only)", BENCH_BYTES, per_sch, NULL, 0, -1);
		bench_row("RSS of an empty css (over the process)", BENCH_BYTES, v[1] - v[0],
			  "dense: 4 sets x 65536 x per-subchannel", 4.0 * 65536 * per_sch, -1);
		snprintf(what, sizeof(what), "RSS per control unit (%u, ccw engine)", NR_CU);
		bench_row(what, BENCH_BYTES, per_cu, "RSS per bare subchannel", per_sch, -1);
	} else {
		bench_note("mem: the sparse-storage measurement failed");
	}
	if (in_child(hotplug_child, v)) {
		growth = (v[1] - v[0]) / CYCLES;
		footprint = (v[4] - v[3]) / FOOTPRINT_DEVS;
		snprintf(what, sizeof(what), "RSS growth per plug/unplug cycle (%u)", CYCLES);
		bench_row(what, BENCH_BYTES, growth, "RSS of one plugged virtio-rng-ccw", footprint,
			  -1);
		thr = bench_measure(thread_cycle, NULL, 100);
		bench_row("virtio-rng-ccw plug+unplug cycles", BENCH_OPS, 1e9 / v[2],
			  "pthread_create+join (its I/O thread)", 1e9 / thr.median, -1);
		bench_note("mem: hot-plug RSS %.0f KiB after %u warm-up cycles, %.0f KiB after %u "
			   "more; each cycle drains the CRWs with STCRW", v[0] / 1024,
			   WARMUP_CYCLES, v[1] / 1024, CYCLES);
	} else {
		bench_note("mem: the hot-plug measurement failed");
	}
}
