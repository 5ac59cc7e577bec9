// SPDX-License-Identifier: MIT
/* Conformance-suite helpers (see util.h). */
#include "util.h"

uint8_t *g_schib, *g_orb, *g_irb, *g_ccw, *g_data;
volatile unsigned int g_irqs;
volatile uint32_t g_irq_sid, g_irq_intparm, g_irq_iiw;

static void on_io(const struct guest_io_irq *irq)
{
	g_irq_sid = irq->sid;
	g_irq_intparm = irq->intparm;
	g_irq_iiw = irq->iiw;
	g_irqs++;
}

void util_init(void)
{
	g_schib = guest_alloc(64, 8);
	g_orb = guest_alloc(32, 8);
	g_irb = guest_alloc(96, 8);
	g_ccw = guest_alloc(16 * 8, 8);
	g_data = guest_alloc(4096, 4096);
	guest_arch_set_io_handler(on_io);
	guest_arch_set_isc_mask(0x80 >> CONF_ISC);
	guest_arch_irq_enable();
}

int stsch_buf(uint32_t sid)
{
	return guest_arch_stsch(sid, g_schib);
}

uint16_t schib_flags(void)
{
	return vccw_ld_be16(g_schib + SCHIB_FLAGS);
}

static bool set_enable(uint32_t sid, bool on)
{
	uint16_t flags;
	int i;

	/* PoP MSCH; Linux cio_commit_config: modify, then confirm with STSCH, retrying. */
	for (i = 0; i < 5; i++) {
		if (stsch_buf(sid) != 0)
			return false;
		flags = schib_flags() & (uint16_t)~(0x3800 | 0x0080);
		if (on)
			flags |= 0x0080 | (CONF_ISC << 11);
		vccw_st_be16(g_schib + SCHIB_FLAGS, flags);
		vccw_st_be32(g_schib, sid); /* intparm */
		if (guest_arch_msch(sid, g_schib) != 0)
			continue;
		if (stsch_buf(sid) == 0 && !!(schib_flags() & 0x0080) == on)
			return true;
	}
	return false;
}

bool enable_sch(uint32_t sid)
{
	return set_enable(sid, true);
}

bool disable_sch(uint32_t sid)
{
	return set_enable(sid, false);
}

void ccw1(unsigned int i, uint8_t cmd, uint8_t flags, uint16_t count, const void *data)
{
	uint8_t *c = g_ccw + 8 * i;

	c[0] = cmd;
	c[1] = flags;
	vccw_st_be16(c + 2, count);
	vccw_st_be32(c + 4, data ? (uint32_t)guest_arch_addr(data) : 0);
}

int ssch_prog(uint32_t sid, uint32_t intparm, uint32_t extra)
{
	vccw_st_be32(g_orb, intparm);
	/* Format-1 CCWs (F), format-2 IDAWs (H), LPM 0x80. */
	vccw_st_be32(g_orb + 4, 0x00800000u | 0x00020000u | 0x8000u | extra);
	vccw_st_be32(g_orb + 8, (uint32_t)guest_arch_addr(g_ccw));
	return guest_arch_ssch(sid, g_orb);
}

bool wait_irq(uint32_t sid, unsigned int before)
{
	uint64_t end = guest_arch_now_us() + 2000000;

	while (guest_arch_now_us() < end) {
		if (g_irqs != before && g_irq_sid == sid)
			return true;
		guest_arch_wait(10000);
	}
	return false;
}

int tsch_view(uint32_t sid, struct irb_view *v)
{
	int cc;

	guest_memset(g_irb, 0xee, 64);
	cc = guest_arch_tsch(sid, g_irb);
	v->ctrl = vccw_ld_be32(g_irb);
	v->cpa = vccw_ld_be32(g_irb + 4);
	v->dstat = g_irb[8];
	v->cstat = g_irb[9];
	v->count = vccw_ld_be16(g_irb + 10);
	v->esw0 = vccw_ld_be32(g_irb + 12);
	v->erw = vccw_ld_be32(g_irb + 16);
	guest_memcpy(v->ecw, g_irb + 32, 32);
	return cc;
}

int run_ccw(uint32_t sid, uint8_t cmd, uint8_t flags, uint16_t count, const void *data,
	    struct irb_view *v)
{
	unsigned int before = g_irqs;

	ccw1(0, cmd, flags, count, data);
	if (ssch_prog(sid, 0xc0ffee00u | cmd, 0) != 0)
		return -2;
	if (!wait_irq(sid, before))
		return -1;
	return tsch_view(sid, v);
}

int basic_sense(uint32_t sid)
{
	struct irb_view v;
	uint8_t *sense = g_data + 2048;

	guest_memset(sense, 0, 32);
	if (run_ccw(sid, 0x04, 0x20, 32, sense, &v) != 0)
		return -1;
	return sense[0];
}

void drain_crws(void)
{
	uint32_t *crw = (uint32_t *)(g_data + 4000);
	int i;

	for (i = 0; i < 1000 && guest_arch_stcrw(crw) == 0; i++)
		;
}

bool clean_sch(uint32_t sid)
{
	struct irb_view v;
	unsigned int before;
	int i;

	/* Status left pending would make MSCH answer cc1: consume it first. */
	for (i = 0; i < 4 && tsch_view(sid, &v) == 0; i++)
		;
	if (!enable_sch(sid))
		return false;
	before = g_irqs;
	if (guest_arch_csch(sid) == 0)
		wait_irq(sid, before);
	/* Consume the clear status and anything else left pending. */
	for (i = 0; i < 4 && tsch_view(sid, &v) == 0; i++)
		;
	return true;
}

bool make_status_pending(uint32_t sid)
{
	unsigned int before = g_irqs;

	ccw1(0, 0x03, CCW_SLI, 0, NULL);
	if (ssch_prog(sid, 0x5eed0000u, 0) != 0)
		return false;
	return wait_irq(sid, before);
}

uint64_t beyond_ram(void)
{
	/*
	 * Well above the RAM of either host: the bare-metal arch reports the part it uses
	 * (64 MiB) while QEMU runs with 128 MiB, so a small margin would still be storage.
	 */
	return guest_arch_ram_size() * 64;
}

uint32_t ccw_addr(unsigned int i)
{
	return (uint32_t)guest_arch_addr(g_ccw) + 8 * i;
}

void util_restore(void)
{
	guest_arch_set_io_handler(on_io);
	guest_arch_set_isc_mask(0x80 >> CONF_ISC);
	guest_arch_irq_enable();
}
