// SPDX-License-Identifier: MIT
/*
 * Channel programs: START SUBCHANNEL -> completion -> TEST SUBCHANNEL of a one-NOP
 * program and of a 64-CCW NOP chain on a test control unit, the way a vCPU issues them
 * (PoP chapter 14 instructions, chapter 15 program execution).
 *
 *  - measured: the threaded css; the caller sleeps on a condition variable until the
 *    css's io_irq callback says the interruption is pending, takes it and runs TSCH;
 *  - baseline: the same loop on a css in manual mode, the program run by
 *    vccw_css_run() on the caller's thread (the difference is the channel-thread
 *    handoff: a wake-up there and one back);
 *  - second baseline: the engine's start hook called directly, without the css
 *    (no ORB/SCHIB/IRB traffic through guest memory, no locks, no interruption queue).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#define RAM_SIZE (1u << 20)
#define ORB_ADDR 0x1000
#define IRB_ADDR 0x1100
#define SCHIB_ADDR 0x1200
#define PROG1_ADDR 0x2000
#define PROG64_ADDR 0x3000
#define LONG_CHAIN 64
#define ISC 3
#define TARGET_MS 150

struct cb {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cpu cpu;
	struct vccw_cu *cu;
	uint32_t sid;
	bool manual;
	uint32_t prog;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool irq;
	unsigned long errors;
};

static void on_io_irq(void *opaque)
{
	struct cb *b = opaque;

	pthread_mutex_lock(&b->lock);
	b->irq = true;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static const struct vccw_css_ops css_ops = { .io_irq = on_io_irq };

/* The engine answers NOP itself; the control unit needs no command of its own. */
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

static void ccw1(struct vccw_mem *mem, uint64_t addr, uint8_t cmd, uint8_t flags, uint16_t count,
		 uint32_t cda)
{
	uint8_t b[8] = { cmd, flags };

	vccw_st_be16(b + 2, count);
	vccw_st_be32(b + 4, cda);
	vccw_mem_write(mem, addr, b, sizeof(b));
}

static bool cb_init(struct cb *b, bool manual)
{
	struct vccw_css_config cfg = { .ops = &css_ops, .opaque = b, .manual = manual };
	struct vccw_cu_config cu_cfg = {
		.ops = &cu_ops,
		.id = { .cu_type = 0x3832, .cu_model = 1, .dev_type = 0x1234, .dev_model = 1 },
	};
	struct vccw_sch *sch;
	struct vccw_err err;
	uint16_t flags;
	unsigned int i;

	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->manual = manual;
	b->mem = vccw_mem_new(RAM_SIZE, &err);
	if (!b->mem)
		goto err;
	b->css = vccw_css_new(b->mem, &cfg, &err);
	if (!b->css)
		goto err;
	b->cpu.isc_mask = 0xff;
	vccw_css_set_isc_mask(b->css, 0x80 >> ISC);
	b->cu = vccw_cu_new(b->css, &cu_cfg, &err);
	if (!b->cu)
		goto err;
	vccw_cu_publish(b->cu);
	sch = vccw_cu_sch(b->cu);
	b->sid = 0x00010000u | ((uint32_t)vccw_sch_busid(sch).ssid << 17) | vccw_sch_schnr(sch);
	/* Enable with ISC 3: STSCH, set E and the ISC, MSCH. */
	if (vccw_css_stsch(b->css, &b->cpu, b->sid, SCHIB_ADDR) != VCCW_CC0)
		goto err_msg;
	vccw_mem_ld_be16(b->mem, SCHIB_ADDR + 4, &flags);
	flags = (uint16_t)((flags & ~VCCW_PMCW_ISC_MASK) | VCCW_PMCW_ENA | (ISC << 11));
	vccw_mem_st_be16(b->mem, SCHIB_ADDR + 4, flags);
	if (vccw_css_msch(b->css, &b->cpu, b->sid, SCHIB_ADDR) != VCCW_CC0)
		goto err_msg;
	/* One NOP; and 64 NOPs chained with command chaining. */
	ccw1(b->mem, PROG1_ADDR, VCCW_CCW_CMD_NOP, 0, 0, 0);
	for (i = 0; i < LONG_CHAIN; i++)
		ccw1(b->mem, PROG64_ADDR + 8 * i, VCCW_CCW_CMD_NOP,
		     i + 1 < LONG_CHAIN ? VCCW_CCW_FLAG_CC : 0, 0, 0);
	return true;

err:
	fprintf(stderr, "bench ccw: %s\n", err.msg);
	return false;
err_msg:
	fprintf(stderr, "bench ccw: cannot enable the subchannel\n");
	return false;
}

static void cb_fini(struct cb *b)
{
	vccw_cu_free(b->cu, false);
	vccw_css_free(b->css);
	vccw_mem_free(b->mem);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

static void set_orb(struct cb *b, uint32_t cpa)
{
	uint8_t o[12];

	vccw_st_be32(o, 0x12345678);
	vccw_st_be32(o + 4, VCCW_ORB_F | 0x8000);
	vccw_st_be32(o + 8, cpa);
	vccw_mem_write(b->mem, ORB_ADDR, o, sizeof(o));
}

/* SSCH, wait for the interruption, take it, TSCH: one channel program. */
static void run_ssch(void *arg, uint64_t n)
{
	struct cb *b = arg;
	struct vccw_io_irq io;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (vccw_css_ssch(b->css, &b->cpu, b->sid, ORB_ADDR) != VCCW_CC0) {
			b->errors++;
			continue;
		}
		if (b->manual) {
			vccw_css_run(b->css, 0);
		} else {
			pthread_mutex_lock(&b->lock);
			while (!b->irq)
				pthread_cond_wait(&b->cond, &b->lock);
			b->irq = false;
			pthread_mutex_unlock(&b->lock);
		}
		if (!vccw_css_take_io_irq(b->css, 0x80 >> ISC, &io))
			b->errors++;
		if (vccw_css_tsch(b->css, &b->cpu, b->sid, IRB_ADDR) != VCCW_CC0)
			b->errors++;
	}
}

/* The engine alone: its start hook (and step while it asks for more). */
static void run_engine(void *arg, uint64_t n)
{
	struct cb *b = arg;
	struct vccw_sch *sch = vccw_cu_sch(b->cu);
	const struct vccw_sch_exec_ops *ops = vccw_sch_exec_ops(sch);
	void *opaque = vccw_sch_opaque(sch);
	struct vccw_orb orb = { .intparm = 1, .ctrl = VCCW_ORB_F | 0x8000, .cpa = b->prog };
	struct vccw_exec_status st;
	enum vccw_exec_rc rc;
	uint64_t i;

	for (i = 0; i < n; i++) {
		rc = ops->start(sch, opaque, &orb, LONG_CHAIN, &st);
		while (rc == VCCW_EXEC_MORE)
			rc = ops->step(sch, opaque, LONG_CHAIN, &st);
		if (rc != VCCW_EXEC_DONE || st.dstat != (VCCW_DSTAT_CE | VCCW_DSTAT_DE))
			b->errors++;
	}
}

static void one(const char *name, uint32_t prog, struct cb *threaded, struct cb *manual)
{
	struct bench_result t, m, e;
	char what[64];

	threaded->prog = manual->prog = prog;
	set_orb(threaded, prog);
	set_orb(manual, prog);
	m = bench_measure(run_ssch, manual, TARGET_MS);
	t = bench_measure(run_ssch, threaded, TARGET_MS);
	e = bench_measure(run_engine, manual, TARGET_MS);
	snprintf(what, sizeof(what), "SSCH..TSCH %s, threaded css", name);
	bench_row_rate(what, &t, "same loop, manual css, caller's thread", &m);
	if (bench_wakeup.median > 0)
		bench_row_rate(what, &t, "condvar ping-pong round trip (machine)", &bench_wakeup);
	snprintf(what, sizeof(what), "SSCH..TSCH %s, manual css", name);
	bench_row_rate(what, &m, "engine start hook, direct call", &e);
}

void bench_ccw(void)
{
	struct cb threaded, manual;

	if (!cb_init(&threaded, false) || !cb_init(&manual, true)) {
		bench_note("ccw: setup failed, benchmark skipped");
		return;
	}
	bench_section("channel programs (test control unit, format-1 CCWs)");
	one("1 NOP", PROG1_ADDR, &threaded, &manual);
	one("64-NOP chain", PROG64_ADDR, &threaded, &manual);
	if (threaded.errors || manual.errors)
		bench_note("ccw: %lu unexpected condition codes or statuses", threaded.errors +
			   manual.errors);
	cb_fini(&threaded);
	cb_fini(&manual);
}
