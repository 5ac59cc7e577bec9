// SPDX-License-Identifier: MIT
/*
 * The test machine for native guest programs (see host.h): instructions go to the
 * vccw css with a CPU description reflecting the guest's control state; I/O
 * interruptions are taken with vccw_css_take_io_irq() for the ISCs the guest enabled,
 * and a channel-report machine check (MCIC bit 9) is presented when the guest enabled
 * machine checks and CR14 bit 35 while a CRW is queued (reference 9.2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"

#define MCIC_CHANNEL_REPORT 0x0040000000000000ull

struct th *th;

static void wake(struct th *t)
{
	pthread_mutex_lock(&t->lock);
	t->events++;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* Css callbacks: css locks are held, so only note the event and wake the vCPU. */
static void on_io_irq(void *opaque)
{
	wake(opaque);
}

static void on_crw_pending(void *opaque)
{
	struct th *t = opaque;

	__atomic_store_n(&t->mchk_armed, true, __ATOMIC_SEQ_CST);
	wake(t);
}

static const struct vccw_css_ops th_css_ops = {
	.io_irq = on_io_irq,
	.crw_pending = on_crw_pending,
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int insn_result(enum vccw_insn_rc rc)
{
	if (vccw_insn_is_pgm(rc))
		return -(int)vccw_insn_pic(rc);
	return rc == VCCW_CC_UNCHANGED ? 0 : (int)rc;
}

static int th_io_insn(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	struct th *t = ctx;
	const struct vccw_cpu *cpu = &t->cpu;
	struct vccw_css *css = t->css;
	uint32_t sid = (uint32_t)gpr1;

	switch (opcode) {
	case GUEST_OP_CSCH:
		return insn_result(vccw_css_csch(css, cpu, sid));
	case GUEST_OP_HSCH:
		return insn_result(vccw_css_hsch(css, cpu, sid));
	case GUEST_OP_MSCH:
		return insn_result(vccw_css_msch(css, cpu, sid, addr));
	case GUEST_OP_SSCH:
		return insn_result(vccw_css_ssch(css, cpu, sid, addr));
	case GUEST_OP_STSCH:
		return insn_result(vccw_css_stsch(css, cpu, sid, addr));
	case GUEST_OP_TSCH:
		return insn_result(vccw_css_tsch(css, cpu, sid, addr));
	case GUEST_OP_TPI:
		return insn_result(vccw_css_tpi(css, cpu, addr));
	case GUEST_OP_SAL:
		return insn_result(vccw_css_sal(css, cpu, gpr1));
	case GUEST_OP_RSCH:
		return insn_result(vccw_css_rsch(css, cpu, sid));
	case GUEST_OP_STCRW:
		return insn_result(vccw_css_stcrw(css, cpu, addr));
	case GUEST_OP_RCHP:
		return insn_result(vccw_css_rchp(css, cpu, gpr1));
	case GUEST_OP_SCHM:
		return insn_result(vccw_css_schm(css, cpu, gpr1, addr));
	case GUEST_OP_CHSC:
		if (t->no_chsc)
			return -0x01;
		return insn_result(vccw_css_chsc(css, cpu, addr));
	case GUEST_OP_XSCH:
		return insn_result(vccw_css_xsch(css, cpu, sid));
	default:
		return -0x01; /* operation exception */
	}
}

static int64_t th_diag500(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3, uint64_t gpr4,
			  int *pgm)
{
	(void)ctx;
	(void)gpr1;
	(void)gpr2;
	(void)gpr3;
	(void)gpr4;
	*pgm = 0;
	return -1; /* no virtio notifications in these tests */
}

static void th_set_state(void *ctx, const struct guest_native_cpu_state *st)
{
	struct th *t = ctx;

	t->st = *st;
	t->cpu.isc_mask = st->isc_mask;
	vccw_css_set_isc_mask(t->css, st->isc_mask);
}

static bool take_now(struct th *t, struct guest_native_irq *irq)
{
	struct vccw_io_irq vi;

	/* Machine checks before I/O (reference 8.1: class priority). */
	if (t->st.mchk_enabled && t->st.crw_mchk &&
	    __atomic_load_n(&t->mchk_armed, __ATOMIC_SEQ_CST) && vccw_css_crw_pending(t->css)) {
		__atomic_store_n(&t->mchk_armed, false, __ATOMIC_SEQ_CST);
		irq->kind = GUEST_NATIVE_IRQ_MCHK;
		irq->mcic = MCIC_CHANNEL_REPORT;
		t->nr_mchk++;
		return true;
	}
	if (t->st.io_enabled && vccw_css_take_io_irq(t->css, t->st.isc_mask, &vi)) {
		irq->kind = GUEST_NATIVE_IRQ_IO;
		irq->sid = vi.sid;
		irq->intparm = vi.intparm;
		irq->iiw = vi.iiw;
		t->nr_io++;
		return true;
	}
	return false;
}

static bool th_take_irq(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq)
{
	struct th *t = ctx;
	uint64_t deadline = mono_us() + timeout_us;
	struct timespec ts;

	for (;;) {
		unsigned int gen;

		pthread_mutex_lock(&t->lock);
		gen = t->events;
		pthread_mutex_unlock(&t->lock);
		/* Never call the css with t->lock held: its callbacks take that lock. */
		if (take_now(t, irq))
			return true;
		if (mono_us() >= deadline)
			return false;
		clock_gettime(CLOCK_REALTIME, &ts);
		{
			uint64_t left = deadline - mono_us();

			ts.tv_sec += (time_t)(left / 1000000u);
			ts.tv_nsec += (long)(left % 1000000u) * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
		}
		pthread_mutex_lock(&t->lock);
		while (t->events == gen) {
			if (pthread_cond_timedwait(&t->cond, &t->lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&t->lock);
	}
}

static void th_console_write(void *ctx, const char *s, size_t len)
{
	struct th *t = ctx;

	pthread_mutex_lock(&t->lock);
	if (len > sizeof(t->console) - 1 - t->console_len)
		len = sizeof(t->console) - 1 - t->console_len;
	memcpy(t->console + t->console_len, s, len);
	t->console_len += len;
	t->console[t->console_len] = '\0';
	pthread_mutex_unlock(&t->lock);
}

static uint64_t th_now_us(void *ctx)
{
	(void)ctx;
	return mono_us();
}

void th_init(struct th *t, uint64_t ram_size)
{
	struct vccw_css_config cfg = { .ops = &th_css_ops, .opaque = t };
	struct vccw_err err;

	memset(t, 0, sizeof(*t));
	if (!ram_size)
		ram_size = TH_RAM_SIZE;
	t->ram = calloc(1, ram_size);
	if (!t->ram)
		abort();
	t->mem = vccw_mem_wrap(t->ram, ram_size, &err);
	if (!t->mem) {
		fprintf(stderr, "host: %s\n", err.msg);
		abort();
	}
	cfg.opaque = t;
	t->css = vccw_css_new(t->mem, &cfg, &err);
	if (!t->css) {
		fprintf(stderr, "host: %s\n", err.msg);
		abort();
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->host = (struct guest_native_host){
		.ctx = t,
		.ram = t->ram,
		.ram_size = ram_size,
		.heap_start = TH_HEAP_START,
		.io_insn = th_io_insn,
		.diag500 = th_diag500,
		.set_state = th_set_state,
		.take_irq = th_take_irq,
		.console_write = th_console_write,
		.now_us = th_now_us,
	};
	th = t;
}

void th_fini(struct th *t)
{
	vccw_css_free(t->css);
	vccw_mem_free(t->mem);
	free(t->ram);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	th = NULL;
}

static void *guest_thread(void *arg)
{
	struct th *t = arg;

	t->rc = guest_native_run(&t->host, t->main);
	return NULL;
}

void th_start(struct th *t, int (*main_fn)(void))
{
	t->main = main_fn;
	t->console_len = 0;
	t->console[0] = '\0';
	if (pthread_create(&t->thread, NULL, guest_thread, t))
		abort();
}

int th_join(struct th *t)
{
	pthread_join(t->thread, NULL);
	return t->rc;
}

int th_run(struct th *t, int (*main_fn)(void))
{
	th_start(t, main_fn);
	return th_join(t);
}

static enum vccw_cu_rc cu_fail(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	req->sense[0] = VCCW_SENSE_EQUIPMENT_CHECK;
	return VCCW_CU_UNIT_CHECK;
}

#define TH_CMD_FAIL 0x23

static const struct vccw_cu_cmd th_cmds[] = {
	{ .code = TH_CMD_FAIL, .name = "FAIL", .fn = cu_fail },
};

static const struct vccw_cu_ops th_cu_ops = {
	.cmds = th_cmds,
	.nr_cmds = VCCW_ARRAY_SIZE(th_cmds),
};

struct vccw_cu *th_add_cu(struct th *t, const char *busid, uint8_t model, bool hotplug)
{
	struct vccw_cu_config cfg = {
		.ops = &th_cu_ops,
		.id = { .cu_type = 0x3832, .cu_model = model },
		.hotplug = hotplug,
	};
	struct vccw_busid id;
	struct vccw_err err;
	struct vccw_cu *cu;

	if (vccw_css_parse_busid(busid, &id, &err)) {
		fprintf(stderr, "host: %s\n", err.msg);
		return NULL;
	}
	cfg.busid = &id;
	cu = vccw_cu_new(t->css, &cfg, &err);
	if (!cu)
		fprintf(stderr, "host: %s\n", err.msg);
	else
		vccw_cu_publish(cu);
	return cu;
}

void th_set_stage(struct th *t, int stage)
{
	__atomic_store_n(&t->stage, stage, __ATOMIC_SEQ_CST);
}

bool th_wait_stage(struct th *t, int stage, unsigned int timeout_ms)
{
	unsigned int waited = 0;

	while (__atomic_load_n(&t->stage, __ATOMIC_SEQ_CST) < stage) {
		if (waited >= timeout_ms)
			return false;
		usleep(1000);
		waited++;
	}
	return true;
}
