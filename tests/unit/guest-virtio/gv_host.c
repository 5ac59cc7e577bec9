// SPDX-License-Identifier: MIT
/* Host harness for the native guest virtio drivers (see gv_host.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest/arch.h"
#include "gv_host.h"
#include "vccw/be-blk.h"
#include "vccw/be-char.h"

/* Below this the guest program image and lowcore would live. */
#define GV_HEAP_START 0x10000u

uint64_t gv_default_extra(void)
{
	return VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) | VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX) |
	       VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED);
}

static void wake(struct gv_machine *m, bool crw)
{
	pthread_mutex_lock(&m->lock);
	__atomic_store_n(&m->kick, true, __ATOMIC_SEQ_CST);
	if (crw)
		m->crw_signalled = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* css callbacks: css locks are held, so only our own lock (never held into the css). */
static void on_io_irq(void *opaque)
{
	wake(opaque, false);
}

static void on_crw(void *opaque)
{
	wake(opaque, true);
}

static const struct vccw_css_ops gv_css_ops = {
	.io_irq = on_io_irq,
	.crw_pending = on_crw,
};

static int insn_rc(enum vccw_insn_rc rc)
{
	if (vccw_insn_is_pgm(rc))
		return -(int)vccw_insn_pic(rc);
	return rc == VCCW_CC_UNCHANGED ? 0 : (int)rc;
}

static int h_io_insn(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	struct gv_machine *m = ctx;
	struct vccw_css *css = m->css;
	const struct vccw_cpu *cpu = &m->cpu;
	uint32_t sid = (uint32_t)gpr1;

	switch (opcode) {
	case GUEST_OP_STSCH:
		return insn_rc(vccw_css_stsch(css, cpu, sid, addr));
	case GUEST_OP_MSCH:
		return insn_rc(vccw_css_msch(css, cpu, sid, addr));
	case GUEST_OP_SSCH:
		return insn_rc(vccw_css_ssch(css, cpu, sid, addr));
	case GUEST_OP_TSCH:
		return insn_rc(vccw_css_tsch(css, cpu, sid, addr));
	case GUEST_OP_HSCH:
		return insn_rc(vccw_css_hsch(css, cpu, sid));
	case GUEST_OP_CSCH:
		return insn_rc(vccw_css_csch(css, cpu, sid));
	case GUEST_OP_RSCH:
		return insn_rc(vccw_css_rsch(css, cpu, sid));
	case GUEST_OP_XSCH:
		return insn_rc(vccw_css_xsch(css, cpu, sid));
	case GUEST_OP_TPI:
		return insn_rc(vccw_css_tpi(css, cpu, addr));
	case GUEST_OP_STCRW:
		return insn_rc(vccw_css_stcrw(css, cpu, addr));
	case GUEST_OP_CHSC:
		return insn_rc(vccw_css_chsc(css, cpu, addr));
	case GUEST_OP_RCHP:
		return insn_rc(vccw_css_rchp(css, cpu, gpr1));
	case GUEST_OP_SAL:
		return insn_rc(vccw_css_sal(css, cpu, gpr1));
	case GUEST_OP_SCHM:
		return insn_rc(vccw_css_schm(css, cpu, gpr1, addr));
	default:
		return -GUEST_PGM_OPERATION;
	}
}

static int64_t h_diag500(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3, uint64_t gpr4,
			 int *pgm)
{
	struct gv_machine *m = ctx;
	int64_t ret = 0;
	enum vccw_insn_rc rc = vccw_virtio_ccw_diag500(m->css, gpr1, gpr2, gpr3, gpr4, &ret);

	*pgm = vccw_insn_pic(rc);
	return ret;
}

static void h_set_state(void *ctx, const struct guest_native_cpu_state *st)
{
	struct gv_machine *m = ctx;

	pthread_mutex_lock(&m->lock);
	m->st = *st;
	m->cpu.isc_mask = st->isc_mask;
	pthread_mutex_unlock(&m->lock);
	/* Not under our lock: the css may call on_io_irq() from here. */
	vccw_css_set_isc_mask(m->css, st->isc_mask);
}

static uint64_t h_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One interruption allowed by the state, if any is pending now. */
static bool try_take(struct gv_machine *m, struct guest_native_irq *irq)
{
	struct guest_native_cpu_state st;
	struct vccw_io_irq io;
	bool crw;

	pthread_mutex_lock(&m->lock);
	st = m->st;
	crw = m->crw_signalled && st.mchk_enabled && st.crw_mchk;
	if (crw)
		m->crw_signalled = false;
	__atomic_store_n(&m->kick, false, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&m->lock);
	if (crw) {
		/* MCIC bit 9: channel report pending. */
		irq->kind = GUEST_NATIVE_IRQ_MCHK;
		irq->mcic = 0x0040000000000000ull;
		return true;
	}
	if (st.io_enabled && vccw_css_take_io_irq(m->css, st.isc_mask, &io)) {
		irq->kind = GUEST_NATIVE_IRQ_IO;
		irq->sid = io.sid;
		irq->intparm = io.intparm;
		irq->iiw = io.iiw;
		return true;
	}
	return false;
}

static bool kick_ready(void *arg)
{
	struct gv_machine *m = arg;

	return __atomic_load_n(&m->kick, __ATOMIC_SEQ_CST);
}

/* As vccw-vm's vCPU: poll for a callback (include/vccw/poll.h), then sleep. */
static bool h_take_irq(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq)
{
	struct gv_machine *m = ctx;
	uint64_t deadline = h_now_us(ctx) + timeout_us;

	for (;;) {
		struct timespec ts;
		uint64_t now, t0;

		if (try_take(m, irq))
			return true;
		now = h_now_us(ctx);
		if (now >= deadline)
			return false;
		vccw_poll_spin(&m->poll, kick_ready, m, &t0);
		pthread_mutex_lock(&m->lock);
		if (!m->kick) {
			ts.tv_sec = (time_t)(deadline / 1000000u);
			ts.tv_nsec = (long)(deadline % 1000000u) * 1000;
			pthread_cond_timedwait(&m->cond, &m->lock, &ts);
		}
		pthread_mutex_unlock(&m->lock);
		vccw_poll_adapt(&m->poll, t0);
	}
}

static void h_console_write(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	if (getenv("GV_VERBOSE"))
		fwrite(s, 1, len, stderr);
}

bool gv_init(struct gv_machine *m)
{
	struct vccw_css_config cfg = { .ops = &gv_css_ops, .opaque = m };
	pthread_condattr_t ca;
	struct vccw_err err;

	memset(m, 0, sizeof(*m));
	m->poll.max_ns = VCCW_POLL_DEFAULT_MAX_NS;
	m->ram = aligned_alloc(4096, GV_RAM_SIZE);
	if (!m->ram)
		return false;
	memset(m->ram, 0, GV_RAM_SIZE);
	m->mem = vccw_mem_wrap(m->ram, GV_RAM_SIZE, &err);
	if (!m->mem)
		goto err_ram;
	cfg.opaque = m;
	m->css = vccw_css_new(m->mem, &cfg, &err);
	if (!m->css)
		goto err_mem;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);

	m->host = (struct guest_native_host){
		.ctx = m,
		.ram = m->ram,
		.ram_size = GV_RAM_SIZE,
		.heap_start = GV_HEAP_START,
		.io_insn = h_io_insn,
		.diag500 = h_diag500,
		.set_state = h_set_state,
		.take_irq = h_take_irq,
		.console_write = h_console_write,
		.now_us = h_now_us,
	};
	return true;

err_mem:
	fprintf(stderr, "gv: %s\n", err.msg);
	vccw_mem_free(m->mem);
err_ram:
	free(m->ram);
	return false;
}

static void dev_free(struct gv_dev *d)
{
	vccw_virtio_ccw_free(d->vc, false);
	vccw_blk_free(d->blk);
	vccw_console_free(d->con);
	vccw_rng_free(d->rng);
	if (d->be_blk)
		vccw_be_blk_close(d->be_blk);
	if (d->be_char)
		vccw_be_char_close(d->be_char);
	if (d->con_in_w >= 0)
		close(d->con_in_w);
	if (d->path[0])
		unlink(d->path);
}

void gv_fini(struct gv_machine *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++)
		dev_free(&m->devs[i]);
	vccw_css_free(m->css);
	vccw_mem_free(m->mem);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m->ram);
}

static int attach(struct gv_machine *m, struct gv_dev *d, struct vccw_virtio_dev *vdev,
		  unsigned int max_rev)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = max_rev };
	struct vccw_err err;

	d->vc = vccw_virtio_ccw_new(m->css, vdev, &cfg, &err);
	if (!d->vc) {
		fprintf(stderr, "gv: %s\n", err.msg);
		dev_free(d);
		return -1;
	}
	return (int)m->nr_devs++;
}

static struct gv_dev *new_dev(struct gv_machine *m, enum gv_kind kind)
{
	struct gv_dev *d;

	if (m->nr_devs == GV_MAX_DEVS)
		return NULL;
	d = &m->devs[m->nr_devs];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->con_in_w = -1;
	return d;
}

int gv_add_blk(struct gv_machine *m, unsigned int max_rev, uint64_t extra, uint64_t size)
{
	struct gv_dev *d = new_dev(m, GV_BLK);
	struct vccw_blk_config cfg = { .serial = "gv-disk-0" };
	struct vccw_err err;
	int fd;

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/gv-blk-XXXXXX");
	fd = mkstemp(d->path);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		if (fd >= 0)
			close(fd);
		d->path[0] = 0;
		return -1;
	}
	close(fd);
	d->be_blk = vccw_be_blk_file_open(d->path, false, &err);
	if (!d->be_blk)
		goto err;
	cfg.backend = d->be_blk;
	d->blk = vccw_blk_new(m->mem, &cfg, extra, &err);
	if (!d->blk)
		goto err;
	return attach(m, d, vccw_blk_vdev(d->blk), max_rev);

err:
	fprintf(stderr, "gv: %s\n", err.msg);
	dev_free(d);
	return -1;
}

int gv_add_console(struct gv_machine *m, unsigned int max_rev, uint64_t extra)
{
	struct gv_dev *d = new_dev(m, GV_CONSOLE);
	struct vccw_console_config cfg = { 0 };
	struct vccw_err err;
	int p[2], out;

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/gv-con-XXXXXX");
	out = mkstemp(d->path);
	if (out < 0) {
		d->path[0] = 0;
		return -1;
	}
	if (pipe(p)) {
		close(out);
		dev_free(d);
		return -1;
	}
	d->con_in_w = p[1];
	d->be_char = vccw_be_char_fd_new(p[0], out, true, &err);
	if (!d->be_char) {
		close(p[0]);
		close(out);
		goto err;
	}
	cfg.backend = d->be_char;
	d->con = vccw_console_new(m->mem, &cfg, extra, &err);
	if (!d->con)
		goto err;
	return attach(m, d, vccw_console_vdev(d->con), max_rev);

err:
	fprintf(stderr, "gv: %s\n", err.msg);
	dev_free(d);
	return -1;
}

int gv_add_rng(struct gv_machine *m, unsigned int max_rev, uint64_t extra)
{
	struct gv_dev *d = new_dev(m, GV_RNG);
	struct vccw_err err;

	if (!d)
		return -1;
	d->rng = vccw_rng_new(m->mem, NULL, extra, &err);
	if (!d->rng) {
		fprintf(stderr, "gv: %s\n", err.msg);
		return -1;
	}
	return attach(m, d, vccw_rng_vdev(d->rng), max_rev);
}

int gv_add_vdev(struct gv_machine *m, struct vccw_virtio_dev *vdev, unsigned int max_rev)
{
	struct gv_dev *d = new_dev(m, GV_OTHER);

	if (!d)
		return -1;
	return attach(m, d, vdev, max_rev);
}

void gv_unplug(struct gv_machine *m, int idx, bool crw)
{
	struct gv_dev *d = &m->devs[idx];

	vccw_virtio_ccw_free(d->vc, crw);
	d->vc = NULL;
}

struct run_arg {
	struct gv_machine *m;
	int (*main_fn)(void);
	int rc;
};

static void *run_thread(void *p)
{
	struct run_arg *a = p;

	a->rc = guest_native_run(&a->m->host, a->main_fn);
	return NULL;
}

int gv_run(struct gv_machine *m, int (*main_fn)(void))
{
	struct run_arg a = { .m = m, .main_fn = main_fn, .rc = -1 };
	pthread_t t;

	if (pthread_create(&t, NULL, run_thread, &a))
		return -1;
	pthread_join(t, NULL);
	return a.rc;
}
