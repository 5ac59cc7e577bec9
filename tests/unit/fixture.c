// SPDX-License-Identifier: MIT
/* Test fixture shared by the css and ccw unit tests (see fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static void on_io_irq(void *opaque)
{
	struct fx *f = opaque;

	__atomic_add_fetch(&f->io_irq_calls, 1, __ATOMIC_SEQ_CST);
}

static void on_crw(void *opaque)
{
	struct fx *f = opaque;

	__atomic_add_fetch(&f->crw_calls, 1, __ATOMIC_SEQ_CST);
}

static const struct vccw_css_ops fx_css_ops = {
	.io_irq = on_io_irq,
	.crw_pending = on_crw,
};

void fx_init(struct fx *f, bool threaded)
{
	struct vccw_css_config cfg = { .ops = &fx_css_ops, .opaque = f, .manual = !threaded };
	struct vccw_err err;

	memset(f, 0, sizeof(*f));
	f->mem = vccw_mem_new(FX_RAM_SIZE, &err);
	if (!f->mem) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
	f->css = vccw_css_new(f->mem, &cfg, &err);
	if (!f->css) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
	f->cpu.isc_mask = 0xff;
}

void fx_fini(struct fx *f)
{
	vccw_css_free(f->css);
	vccw_mem_free(f->mem);
}

static struct fx_cu_state *state_of(struct vccw_cu *cu)
{
	return vccw_cu_opaque(cu);
}

static enum vccw_cu_rc fx_write(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct fx_cu_state *s = state_of(cu);

	memcpy(s->data, req->buf, req->len);
	s->data_len = req->len;
	s->nr_cmds++;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc fx_read(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct fx_cu_state *s = state_of(cu);
	uint32_t n = s->read_len < req->len ? s->read_len : req->len;

	memcpy(req->buf, s->read_data, n);
	req->done = n;
	s->nr_cmds++;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc fx_fail(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	state_of(cu)->nr_cmds++;
	req->sense[0] = VCCW_SENSE_EQUIPMENT_CHECK;
	return VCCW_CU_UNIT_CHECK;
}

static enum vccw_cu_rc fx_slow(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	struct fx_cu_state *s = state_of(cu);

	__atomic_store_n(&s->slow_tag, req->tag, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&s->nr_slow, 1, __ATOMIC_SEQ_CST);
	return VCCW_CU_IN_PROGRESS;
}

static void fx_cancel(struct vccw_cu *cu)
{
	state_of(cu)->nr_cancel++;
}

static void fx_enable_hook(struct vccw_cu *cu, bool on)
{
	state_of(cu)->enabled = on;
}

static const struct vccw_cu_cmd fx_cmds[] = {
	{ .code = FX_CMD_WRITE, .name = "WRITE", .max_len = 64, .fn = fx_write },
	{ .code = FX_CMD_READ, .name = "READ", .max_len = 64, .fn = fx_read },
	{ .code = FX_CMD_CTL, .name = "CTL", .min_len = 8, .max_len = 8, .fn = fx_write },
	{ .code = FX_CMD_FAIL, .name = "FAIL", .fn = fx_fail },
	{ .code = FX_CMD_WRITE_BIG, .name = "WRITE BIG", .max_len = 8192, .fn = fx_write },
	{ .code = FX_CMD_READ_BIG, .name = "READ BIG", .max_len = 8192, .fn = fx_read },
	{ .code = FX_CMD_SLOW_READ, .name = "SLOW READ", .max_len = 64, .fn = fx_slow },
	{ .code = FX_CMD_SLOW_CTL, .name = "SLOW CTL", .fn = fx_slow },
};

static const struct vccw_cu_ops fx_cu_ops = {
	.cmds = fx_cmds,
	.nr_cmds = VCCW_ARRAY_SIZE(fx_cmds),
	.cancel = fx_cancel,
	.enable = fx_enable_hook,
};

struct vccw_cu *fx_add_cu(struct fx *f, const char *busid, struct fx_cu_state *state,
			  bool hotplug)
{
	struct vccw_cu_config cfg = {
		.ops = &fx_cu_ops,
		.opaque = state,
		.id = { .cu_type = 0x3832, .cu_model = 0x01, .dev_type = 0x1234, .dev_model = 5 },
		.hotplug = hotplug,
	};
	struct vccw_busid id;
	struct vccw_err err;
	struct vccw_cu *cu;

	memset(state, 0, sizeof(*state));
	state->enabled = -1;
	if (busid) {
		if (vccw_css_parse_busid(busid, &id, &err)) {
			fprintf(stderr, "fixture: %s\n", err.msg);
			return NULL;
		}
		cfg.busid = &id;
	}
	cu = vccw_cu_new(f->css, &cfg, &err);
	if (!cu)
		fprintf(stderr, "fixture: %s\n", err.msg);
	else
		vccw_cu_publish(cu);
	return cu;
}

uint32_t fx_sid(uint8_t ssid, uint16_t schnr)
{
	return 0x00010000u | ((uint32_t)ssid << 17) | schnr;
}

uint32_t fx_sid_of(struct vccw_cu *cu)
{
	struct vccw_sch *sch = vccw_cu_sch(cu);

	return fx_sid(vccw_sch_busid(sch).ssid, vccw_sch_schnr(sch));
}

enum vccw_insn_rc fx_stsch(struct fx *f, uint32_t sid, struct vccw_schib *schib)
{
	enum vccw_insn_rc rc = vccw_css_stsch(f->css, &f->cpu, sid, FX_SCHIB_ADDR);
	uint8_t b[52];
	struct vccw_pmcw *p = &schib->pmcw;

	if (rc != VCCW_CC0)
		return rc;
	vccw_mem_read(f->mem, FX_SCHIB_ADDR, b, sizeof(b));
	p->intparm = vccw_ld_be32(b);
	p->flags = vccw_ld_be16(b + 4);
	p->devno = vccw_ld_be16(b + 6);
	p->lpm = b[8];
	p->pnom = b[9];
	p->lpum = b[10];
	p->pim = b[11];
	p->mbi = vccw_ld_be16(b + 12);
	p->pom = b[14];
	p->pam = b[15];
	memcpy(p->chpid, b + 16, 8);
	p->chars = vccw_ld_be32(b + 24);
	schib->scsw.ctrl = vccw_ld_be32(b + 28);
	schib->scsw.cpa = vccw_ld_be32(b + 32);
	schib->scsw.dstat = b[36];
	schib->scsw.cstat = b[37];
	schib->scsw.count = vccw_ld_be16(b + 38);
	schib->mba = vccw_ld_be64(b + 40);
	schib->mda = vccw_ld_be32(b + 48);
	return rc;
}

enum vccw_insn_rc fx_enable(struct fx *f, uint32_t sid, uint8_t isc)
{
	enum vccw_insn_rc rc = vccw_css_stsch(f->css, &f->cpu, sid, FX_SCHIB_ADDR);
	uint16_t flags;

	if (rc != VCCW_CC0)
		return rc;
	vccw_mem_ld_be16(f->mem, FX_SCHIB_ADDR + 4, &flags);
	flags = (uint16_t)((flags & ~VCCW_PMCW_ISC_MASK) | VCCW_PMCW_ENA | ((isc & 7) << 11));
	vccw_mem_st_be16(f->mem, FX_SCHIB_ADDR + 4, flags);
	return vccw_css_msch(f->css, &f->cpu, sid, FX_SCHIB_ADDR);
}

void fx_ccw0(struct fx *f, uint64_t addr, uint8_t cmd, uint32_t cda, uint8_t flags,
	     uint16_t count)
{
	uint8_t b[8] = { cmd, (uint8_t)(cda >> 16), (uint8_t)(cda >> 8), (uint8_t)cda, flags, 0 };

	vccw_st_be16(b + 6, count);
	vccw_mem_write(f->mem, addr, b, sizeof(b));
}

void fx_ccw1(struct fx *f, uint64_t addr, uint8_t cmd, uint8_t flags, uint16_t count,
	     uint32_t cda)
{
	uint8_t b[8] = { cmd, flags };

	vccw_st_be16(b + 2, count);
	vccw_st_be32(b + 4, cda);
	vccw_mem_write(f->mem, addr, b, sizeof(b));
}

void fx_orb(struct fx *f, uint64_t addr, uint32_t intparm, uint32_t ctrl, uint32_t cpa)
{
	uint8_t b[12];

	vccw_st_be32(b, intparm);
	vccw_st_be32(b + 4, ctrl);
	vccw_st_be32(b + 8, cpa);
	vccw_mem_write(f->mem, addr, b, sizeof(b));
}

enum vccw_insn_rc fx_ssch(struct fx *f, uint32_t sid, uint32_t cpa, uint32_t extra_ctrl)
{
	fx_orb(f, FX_ORB_ADDR, 0x12345678, VCCW_ORB_F | 0x8000 | extra_ctrl, cpa);
	return vccw_css_ssch(f->css, &f->cpu, sid, FX_ORB_ADDR);
}

void fx_run(struct fx *f)
{
	vccw_css_run(f->css, 0);
}

enum vccw_insn_rc fx_tsch(struct fx *f, uint32_t sid, struct fx_irb *irb)
{
	enum vccw_insn_rc rc;
	uint8_t b[64];
	unsigned int i;

	vccw_mem_fill(f->mem, FX_IRB_ADDR, 0xee, sizeof(b));
	rc = vccw_css_tsch(f->css, &f->cpu, sid, FX_IRB_ADDR);
	vccw_mem_read(f->mem, FX_IRB_ADDR, b, sizeof(b));
	irb->scsw.ctrl = vccw_ld_be32(b);
	irb->scsw.cpa = vccw_ld_be32(b + 4);
	irb->scsw.dstat = b[8];
	irb->scsw.cstat = b[9];
	irb->scsw.count = vccw_ld_be16(b + 10);
	for (i = 0; i < 5; i++)
		irb->esw[i] = vccw_ld_be32(b + 12 + 4 * i);
	memcpy(irb->ecw, b + 32, 32);
	return rc;
}
