// SPDX-License-Identifier: MIT
/*
 * Channel programs: START SUBCHANNEL -> completion -> TEST SUBCHANNEL of a one-NOP
 * program and of a 64-CCW NOP chain on a test control unit, the way a vCPU issues them
 * (PoP chapter 14 instructions, chapter 15 program execution).
 *
 *  - measured: the threaded css; the caller waits as a vCPU of vccw-vm does (polls
 *    its pending-interruption flag adaptively, include/vccw/poll.h, then sleeps on a
 *    condition variable) until the css's io_irq callback says the interruption is
 *    pending, takes it and runs TSCH;
 *  - baseline: the same loop on a css in manual mode, the program run by
 *    vccw_css_run() on the caller's thread (the difference is the channel-thread
 *    handoff: a wake-up there and one back);
 *  - second baseline: the engine's start hook called directly, without the css
 *    (no ORB/SCHIB/IRB traffic through guest memory, no locks, no interruption queue).
 *
 * Isolation of subchannels on the threaded css:
 *  - the one-NOP loop while another subchannel's command is in progress in its device
 *    (VCCW_CU_IN_PROGRESS), against the same loop with nothing else going on;
 *  - STSCH of a subchannel running an endless program of 65535-CCW data chains (each
 *    slice holds the subchannel), against STSCH of an idle subchannel: the worst and
 *    the 99th percentile over a few thousand STSCHs.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"
#include "vccw/poll.h"

#define RAM_SIZE (1u << 20)
#define ORB_ADDR 0x1000
#define IRB_ADDR 0x1100
#define SCHIB_ADDR 0x1200
#define PROG1_ADDR 0x2000
#define PROG64_ADDR 0x3000
#define LONG_CHAIN 64
#define ISC 3
#define TARGET_MS 150
#define CMD_SLOW 0x0b     /* immediate control: the device completes it later */
#define CMD_WRITE_BIG 0x05 /* write of up to 65535 bytes */
#define DC_PROG 0x10000   /* the data-chain program: 65535 CCWs, then a TIC back */
#define DC_LEN 0xffff
#define STSCH_SAMPLES 4000

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
	bool irq; /* atomic */
	struct vccw_poll poll;
	unsigned long errors;

	/* A second subchannel, for the isolation rows. */
	struct vccw_cu *cu2;
	uint32_t sid2;
	uint64_t slow_tag; /* atomic */
};

static void on_io_irq(void *opaque)
{
	struct cb *b = opaque;

	pthread_mutex_lock(&b->lock);
	__atomic_store_n(&b->irq, true, __ATOMIC_SEQ_CST);
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static bool irq_ready(void *arg)
{
	struct cb *b = arg;

	return __atomic_load_n(&b->irq, __ATOMIC_SEQ_CST);
}

static const struct vccw_css_ops css_ops = { .io_irq = on_io_irq };

/* The engine answers NOP itself; the control unit needs no command of its own. */
static enum vccw_cu_rc cmd_nothing(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	(void)req;
	return VCCW_CU_OK;
}

/* A command the device executes on its own: the bench completes it at the end. */
static enum vccw_cu_rc cmd_slow(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct cb *b = vccw_cu_opaque(cu);

	__atomic_store_n(&b->slow_tag, req->tag, __ATOMIC_RELEASE);
	return VCCW_CU_IN_PROGRESS;
}

static const struct vccw_cu_cmd cu_cmds[] = {
	{ .code = 0x01, .name = "WRITE", .max_len = 64, .fn = cmd_nothing },
	{ .code = CMD_WRITE_BIG, .name = "WRITE BIG", .max_len = DC_LEN, .fn = cmd_nothing },
	{ .code = CMD_SLOW, .name = "SLOW", .fn = cmd_slow },
};

static const struct vccw_cu_ops cu_ops = { .cmds = cu_cmds,
					   .nr_cmds = VCCW_ARRAY_SIZE(cu_cmds) };

static void ccw1(struct vccw_mem *mem, uint64_t addr, uint8_t cmd, uint8_t flags, uint16_t count,
		 uint32_t cda)
{
	uint8_t b[8] = { cmd, flags };

	vccw_st_be16(b + 2, count);
	vccw_st_be32(b + 4, cda);
	vccw_mem_write(mem, addr, b, sizeof(b));
}

static bool cb_init(struct cb *b, bool manual, bool inline_start)
{
	struct vccw_css_config cfg = { .ops = &css_ops, .opaque = b, .manual = manual,
				       .inline_start = inline_start };
	struct vccw_cu_config cu_cfg = {
		.ops = &cu_ops,
		.opaque = b,
		.id = { .cu_type = 0x3832, .cu_model = 1, .dev_type = 0x1234, .dev_model = 1 },
	};
	struct vccw_sch *sch;
	struct vccw_err err;
	uint16_t flags;
	unsigned int i;

	memset(b, 0, sizeof(*b));
	b->poll.max_ns = VCCW_POLL_DEFAULT_MAX_NS;
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
	b->cu2 = vccw_cu_new(b->css, &cu_cfg, &err);
	if (!b->cu2)
		goto err;
	vccw_cu_publish(b->cu2);
	for (i = 0; i < 2; i++) {
		uint32_t sid;

		sch = vccw_cu_sch(i ? b->cu2 : b->cu);
		sid = 0x00010000u | ((uint32_t)vccw_sch_busid(sch).ssid << 17) |
		      vccw_sch_schnr(sch);
		*(i ? &b->sid2 : &b->sid) = sid;
		/* Enable with ISC 3: STSCH, set E and the ISC, MSCH. */
		if (vccw_css_stsch(b->css, &b->cpu, sid, SCHIB_ADDR) != VCCW_CC0)
			goto err_msg;
		vccw_mem_ld_be16(b->mem, SCHIB_ADDR + 4, &flags);
		flags = (uint16_t)((flags & ~VCCW_PMCW_ISC_MASK) | VCCW_PMCW_ENA | (ISC << 11));
		vccw_mem_st_be16(b->mem, SCHIB_ADDR + 4, flags);
		if (vccw_css_msch(b->css, &b->cpu, sid, SCHIB_ADDR) != VCCW_CC0)
			goto err_msg;
	}
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
	vccw_cu_free(b->cu2, false);
	vccw_cu_free(b->cu, false);
	vccw_css_free(b->css);
	vccw_mem_free(b->mem);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

static void set_orb_at(struct cb *b, uint64_t at, uint32_t cpa)
{
	uint8_t o[12];

	vccw_st_be32(o, 0x12345678);
	vccw_st_be32(o + 4, VCCW_ORB_F | 0x8000);
	vccw_st_be32(o + 8, cpa);
	vccw_mem_write(b->mem, at, o, sizeof(o));
}

static void set_orb(struct cb *b, uint32_t cpa)
{
	set_orb_at(b, ORB_ADDR, cpa);
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
			uint64_t t0;

			vccw_poll_spin(&b->poll, irq_ready, b, &t0);
			pthread_mutex_lock(&b->lock);
			while (!b->irq)
				pthread_cond_wait(&b->cond, &b->lock);
			__atomic_store_n(&b->irq, false, __ATOMIC_SEQ_CST);
			pthread_mutex_unlock(&b->lock);
			vccw_poll_adapt(&b->poll, t0);
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

static void one(const char *name, uint32_t prog, struct cb *threaded, struct cb *manual,
		struct cb *inl)
{
	struct bench_result t, m, e, i;
	char what[64];

	threaded->prog = manual->prog = inl->prog = prog;
	set_orb(threaded, prog);
	set_orb(manual, prog);
	set_orb(inl, prog);
	m = bench_measure(run_ssch, manual, TARGET_MS);
	t = bench_measure(run_ssch, threaded, TARGET_MS);
	i = bench_measure(run_ssch, inl, TARGET_MS);
	e = bench_measure(run_engine, manual, TARGET_MS);
	snprintf(what, sizeof(what), "SSCH..TSCH %s, threaded css", name);
	bench_row_rate(what, &t, "same loop, manual css, caller's thread", &m);
	if (bench_wakeup.median > 0)
		bench_row_rate(what, &t, "condvar ping-pong round trip (machine)", &bench_wakeup);
	snprintf(what, sizeof(what), "SSCH..TSCH %s, threaded, inline start", name);
	bench_row_rate(what, &i, "same loop, manual css, caller's thread", &m);
	snprintf(what, sizeof(what), "SSCH..TSCH %s, manual css", name);
	bench_row_rate(what, &m, "engine start hook, direct call", &e);
}

/* ---- Isolation of subchannels ---- */

#define ORB2_ADDR 0x1400
#define SLOW_PROG 0x4000

/* Start the slow command on the second subchannel; false if the device never got it. */
static bool start_slow(struct cb *b)
{
	unsigned int i;

	__atomic_store_n(&b->slow_tag, 0, __ATOMIC_RELEASE);
	ccw1(b->mem, SLOW_PROG, CMD_SLOW, 0, 0, 0);
	set_orb_at(b, ORB2_ADDR, SLOW_PROG);
	if (vccw_css_ssch(b->css, &b->cpu, b->sid2, ORB2_ADDR) != VCCW_CC0)
		return false;
	for (i = 0; i < 1000000 && !__atomic_load_n(&b->slow_tag, __ATOMIC_ACQUIRE); i++)
		sched_yield();
	return __atomic_load_n(&b->slow_tag, __ATOMIC_ACQUIRE) != 0;
}

/* Complete the slow command and collect its status (its interruption is taken too). */
static void end_slow(struct cb *b)
{
	struct vccw_io_irq io;
	unsigned int i;

	if (!vccw_cu_complete(b->cu2, __atomic_load_n(&b->slow_tag, __ATOMIC_ACQUIRE),
			      VCCW_CU_OK, NULL, 0, NULL))
		b->errors++;
	for (i = 0; i < 1000000; i++) {
		if (vccw_css_tsch(b->css, &b->cpu, b->sid2, IRB_ADDR) == VCCW_CC0)
			break;
		sched_yield();
	}
	vccw_css_take_io_irq(b->css, 0x80 >> ISC, &io);
	pthread_mutex_lock(&b->lock);
	b->irq = false;
	pthread_mutex_unlock(&b->lock);
}

/* An endless program on the second subchannel: one 65535-CCW data chain, TIC back. */
static void write_dc_program(struct cb *b)
{
	uint32_t i, a = DC_PROG;

	for (i = 0; i < DC_LEN; i++, a += 8)
		ccw1(b->mem, a, CMD_WRITE_BIG,
		     i + 1 < DC_LEN ? VCCW_CCW_FLAG_CD : VCCW_CCW_FLAG_CC, 1, 0x8000);
	ccw1(b->mem, a, VCCW_CCW_CMD_TIC, 0, 0, DC_PROG);
}

static void stsch_latency(struct cb *b, uint32_t sid, double *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();

		if (vccw_css_stsch(b->css, &b->cpu, sid, SCHIB_ADDR) != VCCW_CC0)
			b->errors++;
		v[i] = (double)(bench_now_ns() - t0);
		sched_yield();
	}
	bench_median(v, n); /* sorts */
}

static void isolation(struct cb *threaded)
{
	static double idle[STSCH_SAMPLES], busy[STSCH_SAMPLES];
	struct bench_result alone, beside;
	struct vccw_io_irq io;
	unsigned int i;

	threaded->prog = PROG1_ADDR;
	set_orb(threaded, PROG1_ADDR);
	alone = bench_measure(run_ssch, threaded, TARGET_MS);
	if (!start_slow(threaded)) {
		bench_note("ccw: the slow command never reached its device");
		return;
	}
	beside = bench_measure(run_ssch, threaded, TARGET_MS);
	end_slow(threaded);
	bench_row_rate("SSCH..TSCH 1 NOP, other sch's command in progress", &beside,
		       "same loop, nothing else going on", &alone);

	stsch_latency(threaded, threaded->sid2, idle, STSCH_SAMPLES);
	write_dc_program(threaded);
	set_orb_at(threaded, ORB2_ADDR, DC_PROG);
	if (vccw_css_ssch(threaded->css, &threaded->cpu, threaded->sid2, ORB2_ADDR) != VCCW_CC0) {
		threaded->errors++;
		return;
	}
	stsch_latency(threaded, threaded->sid2, busy, STSCH_SAMPLES);
	if (vccw_css_csch(threaded->css, &threaded->cpu, threaded->sid2) != VCCW_CC0)
		threaded->errors++;
	for (i = 0; i < 1000000; i++) {
		if (vccw_css_tsch(threaded->css, &threaded->cpu, threaded->sid2, IRB_ADDR) ==
		    VCCW_CC0)
			break;
		sched_yield();
	}
	vccw_css_take_io_irq(threaded->css, 0x80 >> ISC, &io);
	bench_row("STSCH, sch in 65535-CCW data chains, p99", BENCH_NS,
		  busy[STSCH_SAMPLES * 99 / 100], "STSCH of an idle subchannel, p99",
		  idle[STSCH_SAMPLES * 99 / 100], -1);
	bench_row("STSCH, sch in 65535-CCW data chains, max", BENCH_NS, busy[STSCH_SAMPLES - 1],
		  "STSCH of an idle subchannel, max", idle[STSCH_SAMPLES - 1], -1);
	bench_note("ccw: a slice is 64 CCWs, data-chained ones included; a command once begun "
		   "ends in its slice, so one slice here is one 65535-CCW command");
}

void bench_ccw(void)
{
	struct cb threaded, manual, inl;

	if (!cb_init(&threaded, false, false) || !cb_init(&manual, true, false) ||
	    !cb_init(&inl, false, true)) {
		bench_note("ccw: setup failed, benchmark skipped");
		return;
	}
	bench_section("channel programs (test control unit, format-1 CCWs)");
	one("1 NOP", PROG1_ADDR, &threaded, &manual, &inl);
	one("64-NOP chain", PROG64_ADDR, &threaded, &manual, &inl);
	isolation(&threaded);
	if (threaded.errors || manual.errors || inl.errors)
		bench_note("ccw: %lu unexpected condition codes or statuses", threaded.errors +
			   manual.errors + inl.errors);
	cb_fini(&threaded);
	cb_fini(&manual);
	cb_fini(&inl);
}
