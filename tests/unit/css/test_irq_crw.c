// SPDX-License-Identifier: MIT
/*
 * Unit tests of the css-wide machinery (lib/css/src/css.c and the instructions that act
 * on it): I/O and adapter interruptions by ISC (PoP chapter 16), SIC, channel reports and
 * STCRW/RCHP (PoP chapter 17), SAL and SCHM with measurement blocks, device numbers and
 * subchannel assignment, and the subsystem reset (shared/reference/channel-io.md
 * sections 7-9, 12).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fixture.h"
#include "test.h"

#define FILL 0xee
#define CRW_SCH_IPI(schnr) (0x03040000u | (schnr)) /* RSC 3, ERC 4 */

static uint32_t ld32(struct fx *f, uint64_t addr)
{
	uint32_t v = 0xdeadbeef;

	vccw_mem_ld_be32(f->mem, addr, &v);
	return v;
}

static uint16_t ld16(struct fx *f, uint64_t addr)
{
	uint16_t v = 0xdead;

	vccw_mem_ld_be16(f->mem, addr, &v);
	return v;
}

/* STCRW into 0x3000: returns the cc and the stored word. */
static enum vccw_insn_rc stcrw(struct fx *f, uint32_t *crw)
{
	enum vccw_insn_rc rc;

	vccw_mem_fill(f->mem, 0x3000, FILL, 4);
	rc = vccw_css_stcrw(f->css, &f->cpu, 0x3000);
	*crw = ld32(f, 0x3000);
	return rc;
}

/* Enable MSS (OC 2) or MCSS-E (OC 0) with CHSC SDA; see test_chsc.c. */
static void chsc_sda(struct fx *f, uint32_t oc)
{
	const uint64_t blk = 0x30000;

	vccw_mem_fill(f->mem, blk, 0, 4096);
	vccw_mem_st_be16(f->mem, blk, 0x400);
	vccw_mem_st_be16(f->mem, blk + 2, 0x0031);
	vccw_mem_st_be32(f->mem, blk + 4, oc);
	CHECK_EQ(vccw_css_chsc(f->css, &f->cpu, blk), VCCW_CC0);
	CHECK_EQ(ld16(f, blk + 0x400 + 2), 0x0001);
}

/* Add an enabled control unit with @isc. */
static struct vccw_cu *add_enabled(struct fx *f, const char *busid, struct fx_cu_state *st,
				   uint8_t isc)
{
	struct vccw_cu *cu = fx_add_cu(f, busid, st, false);

	if (cu && fx_enable(f, fx_sid_of(cu), isc) != VCCW_CC0) {
		vccw_cu_free(cu, false);
		return NULL;
	}
	return cu;
}

/* Run a one-NOP program on @cu with intparm @intparm: an interruption becomes pending. */
static void complete_nop(struct fx *f, struct vccw_cu *cu, uint32_t intparm)
{
	fx_ccw1(f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 0, 0);
	fx_orb(f, FX_ORB_ADDR, intparm, VCCW_ORB_F | 0x8000, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(f->css, &f->cpu, fx_sid_of(cu), FX_ORB_ADDR), VCCW_CC0);
	fx_run(f);
}

/* Executor that does nothing, for subchannels without a control unit. */
static enum vccw_exec_rc dummy_start(struct vccw_sch *sch, void *opaque, const struct vccw_orb *orb,
				     unsigned int budget, struct vccw_exec_status *st)
{
	(void)sch, (void)opaque, (void)orb, (void)budget, (void)st;
	return VCCW_EXEC_DONE;
}

static enum vccw_exec_rc dummy_step(struct vccw_sch *sch, void *opaque, unsigned int budget,
				    struct vccw_exec_status *st)
{
	(void)sch, (void)opaque, (void)budget, (void)st;
	return VCCW_EXEC_DONE;
}

static const struct vccw_sch_exec_ops dummy_ops = {
    .start = dummy_start,
    .resume = dummy_step,
    .step = dummy_step,
};

static struct vccw_sch *new_sch(struct fx *f, const struct vccw_busid *id, struct vccw_err *err)
{
	struct vccw_sch_config cfg = {.busid = id, .ops = &dummy_ops};
	struct vccw_sch *sch = vccw_css_sch_new(f->css, &cfg, err);

	if (sch)
		vccw_css_sch_publish(sch);
	return sch;
}

/* ---- I/O interruptions ---- */

TEST(test_css_irq_lower_isc_delivered_first)
{
	struct fx f;
	struct fx_cu_state s6, s2;
	struct vccw_cu *c6, *c2;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	c6 = add_enabled(&f, "fe.0.0006", &s6, 6);
	c2 = add_enabled(&f, "fe.0.0002", &s2, 2);
	REQUIRE(c6 && c2);
	complete_nop(&f, c6, 6);
	complete_nop(&f, c2, 2);
	/* Reference 8.1: ISC 0 has the highest priority; the later ISC 2 goes first. */
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.intparm, 2);
	CHECK_EQ(irq.iiw, 2u << 27);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.intparm, 6);
	CHECK_EQ(irq.iiw, 6u << 27);
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_cu_free(c6, false);
	vccw_cu_free(c2, false);
	fx_fini(&f);
}

TEST(test_css_irq_isc_mask_selects_subclass)
{
	struct fx f;
	struct fx_cu_state s6, s2;
	struct vccw_cu *c6, *c2;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	c6 = add_enabled(&f, "fe.0.0006", &s6, 6);
	c2 = add_enabled(&f, "fe.0.0002", &s2, 2);
	REQUIRE(c6 && c2);
	complete_nop(&f, c6, 6);
	complete_nop(&f, c2, 2);
	CHECK(!vccw_css_io_irq_pending(f.css, 0x01)); /* ISC 7 only */
	CHECK(vccw_css_io_irq_pending(f.css, 0x02));  /* ISC 6 */
	CHECK(!vccw_css_take_io_irq(f.css, 0x01, &irq));
	REQUIRE(vccw_css_take_io_irq(f.css, 0x02, &irq));
	CHECK_EQ(irq.intparm, 6);
	CHECK(!vccw_css_io_irq_pending(f.css, 0x02));
	CHECK(vccw_css_io_irq_pending(f.css, 0x20));
	vccw_cu_free(c6, false);
	vccw_cu_free(c2, false);
	fx_fini(&f);
}

TEST(test_css_irq_fifo_within_isc)
{
	struct fx f;
	struct fx_cu_state st[3];
	struct vccw_cu *cu[3];
	static const unsigned int order[3] = {2, 0, 1};
	struct vccw_io_irq irq;
	unsigned int i;

	fx_init(&f, false);
	cu[0] = add_enabled(&f, "fe.0.0010", &st[0], 3);
	cu[1] = add_enabled(&f, "fe.0.0011", &st[1], 3);
	cu[2] = add_enabled(&f, "fe.0.0012", &st[2], 3);
	REQUIRE(cu[0] && cu[1] && cu[2]);
	for (i = 0; i < 3; i++)
		complete_nop(&f, cu[order[i]], 0x100 + order[i]);
	/* Within one ISC, first pending, first delivered (QEMU TCG's LIFO is a weakness). */
	for (i = 0; i < 3; i++) {
		REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
		CHECK_MSG(irq.intparm == 0x100 + order[i], "delivery %u: intparm 0x%x, want 0x%x",
			  i, irq.intparm, 0x100 + order[i]);
	}
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	for (i = 0; i < 3; i++)
		vccw_cu_free(cu[i], false);
	fx_fini(&f);
}

TEST(test_css_set_isc_mask_notifies_only_enabled_iscs)
{
	struct fx f;
	struct fx_cu_state s4, s4b;
	struct vccw_cu *c4, *c4b;

	fx_init(&f, false);
	c4 = add_enabled(&f, "fe.0.0004", &s4, 4);
	c4b = add_enabled(&f, "fe.0.0005", &s4b, 4);
	REQUIRE(c4 && c4b);
	/* The floating ISC mask starts empty: a pending interruption wakes nobody. */
	complete_nop(&f, c4, 1);
	CHECK_EQ(f.io_irq_calls, 0);
	vccw_css_set_isc_mask(f.css, 0x80u >> 2);
	CHECK_EQ(f.io_irq_calls, 0);
	/* Enabling ISC 4 with a queued interruption calls ops->io_irq. */
	vccw_css_set_isc_mask(f.css, (0x80u >> 2) | (0x80u >> 4));
	CHECK_EQ(f.io_irq_calls, 1);
	/* Re-setting an already enabled ISC is not a new enablement. */
	vccw_css_set_isc_mask(f.css, (0x80u >> 2) | (0x80u >> 4));
	CHECK_EQ(f.io_irq_calls, 1);
	/* Queuing at an enabled ISC notifies at once. */
	complete_nop(&f, c4b, 2);
	CHECK_EQ(f.io_irq_calls, 2);
	vccw_css_set_isc_mask(f.css, 0);
	vccw_css_set_isc_mask(f.css, 0x80u >> 4);
	CHECK_EQ(f.io_irq_calls, 3);
	vccw_cu_free(c4, false);
	vccw_cu_free(c4b, false);
	fx_fini(&f);
}

TEST(test_css_irq_code_sid_with_mcsse_names_css_fe)
{
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.0815", &st, 3);
	REQUIRE(cu);
	chsc_sda(&f, 0x0000);
	complete_nop(&f, cu, 9);
	/* Reference 1.1: with MCSS-E the SID shows css fe and M; else css 0. */
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.sid, 0xfe090000u);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

/* ---- Adapter interruptions and SIC ---- */

TEST(test_css_adapter_irq_code_has_a_bit_and_isc)
{
	struct fx f;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	vccw_css_set_isc_mask(f.css, 0xff);
	vccw_css_inject_adapter(f.css, 3);
	CHECK_EQ(f.io_irq_calls, 1);
	/* Reference 8.4: SID 0, intparm 0, IIW A bit with the ISC. */
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.sid, 0);
	CHECK_EQ(irq.intparm, 0);
	CHECK_EQ(irq.iiw, 0x80000000u | (3u << 27));
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	fx_fini(&f);
}

TEST(test_css_adapter_irq_coalesced_while_queued)
{
	struct fx f;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	vccw_css_set_isc_mask(f.css, 0xff);
	vccw_css_inject_adapter(f.css, 3);
	vccw_css_inject_adapter(f.css, 3);
	vccw_css_inject_adapter(f.css, 3);
	CHECK_EQ(f.io_irq_calls, 1);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* Once delivered, the next one queues again (all-interruptions mode). */
	vccw_css_inject_adapter(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* Out-of-range ISCs are ignored. */
	vccw_css_inject_adapter(f.css, 8);
	CHECK(!vccw_css_io_irq_pending(f.css, 0xff));
	fx_fini(&f);
}

TEST(test_css_adapter_irq_priority_against_subchannel)
{
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.0815", &st, 2);
	REQUIRE(cu);
	vccw_css_inject_adapter(f.css, 3);
	complete_nop(&f, cu, 0x22);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.intparm, 0x22);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK(irq.iiw & VCCW_IIW_ADAPTER);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

TEST(test_css_sic_single_mode_suppresses_a_suppressible_adapter_until_next_sic)
{
	struct fx f;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	/* Reference 8.4: mode 1: after one delivery, none for the ISC until SIC again. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 1, 3), VCCW_CC_UNCHANGED);
	vccw_css_inject_adapter_suppressible(f.css, 3);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* Other ISCs are not affected. */
	vccw_css_inject_adapter_suppressible(f.css, 4);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.iiw, 0x80000000u | (4u << 27));
	/* SIC again re-arms one delivery. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 1, 3), VCCW_CC_UNCHANGED);
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* Mode 0: every one is delivered. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 0, 3), VCCW_CC_UNCHANGED);
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	fx_fini(&f);
}

TEST(test_css_sic_single_mode_leaves_virtio_adapter_alone)
{
	struct fx f;
	struct vccw_io_irq irq;

	fx_init(&f, false);
	/*
	 * Reference 8.4: SIC's suppression applies only to adapters registered as
	 * suppressible; virtio-ccw's are not (QEMU registers them with no flags), so every
	 * delivery is followed by the next one in single mode too.
	 */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 1, 3), VCCW_CC_UNCHANGED);
	vccw_css_inject_adapter(f.css, 3);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* A suppressible one delivered now silences only suppressible ones. */
	vccw_css_inject_adapter_suppressible(f.css, 3);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter_suppressible(f.css, 3);
	CHECK(!vccw_css_io_irq_pending(f.css, 0xff));
	vccw_css_inject_adapter(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	/* A virtio one coalesced with a queued suppressible one keeps its right to follow. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 1, 3), VCCW_CC_UNCHANGED);
	vccw_css_inject_adapter_suppressible(f.css, 3);
	vccw_css_inject_adapter(f.css, 3);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	vccw_css_inject_adapter(f.css, 3);
	CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	fx_fini(&f);
}

TEST(test_css_sic_invalid_mode_or_isc_operand)
{
	struct fx f;

	fx_init(&f, false);
	/* Reference 1.3: a mode other than 0 or 1 is an operand exception. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 2, 3), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 0xffff, 3), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 0, 8), VCCW_PGM_OPERAND);
	/* Only GPR(R1) bits 48-63 hold the mode. */
	CHECK_EQ(vccw_css_sic(f.css, &f.cpu, 0x10000, 3), VCCW_CC_UNCHANGED);
	fx_fini(&f);
}

/* ---- STCRW and channel reports ---- */

TEST(test_css_stcrw_empty_cc1_stores_zero)
{
	struct fx f;
	uint32_t crw;

	fx_init(&f, false);
	/* Reference 9.3: no CRW pending: zeros stored, cc1. */
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	CHECK_EQ(crw, 0);
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, 0x3002), VCCW_PGM_SPECIFICATION);
	fx_fini(&f);
}

TEST(test_css_crw_hotplug_add_and_remove_cold_plug_none)
{
	struct fx f;
	struct fx_cu_state s0, s1;
	struct vccw_cu *c0, *c1;
	struct vccw_schib schib;
	uint32_t crw;

	fx_init(&f, false);
	c0 = fx_add_cu(&f, "fe.0.0100", &s0, false);
	REQUIRE(c0);
	/* Reference 9.4: no report for a cold-plugged device. */
	CHECK(!vccw_css_crw_pending(f.css));
	CHECK_EQ(f.crw_calls, 0);
	c1 = fx_add_cu(&f, "fe.0.0101", &s1, true);
	REQUIRE(c1);
	/* Hot plug: RSC 3, ERC 4, RSID = subchannel number, not solicited, not chained. */
	CHECK(vccw_css_crw_pending(f.css));
	CHECK_EQ(f.crw_calls, 1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(1));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	/* Hot unplug: the same report; the subchannel is gone. */
	vccw_cu_free(c1, true);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(1));
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 1), &schib), VCCW_CC3);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	vccw_cu_free(c0, false);
	CHECK(!vccw_css_crw_pending(f.css));
	fx_fini(&f);
}

/*
 * A subchannel is found by nothing and reported to nobody until it is published: its
 * creator links the device behind it first (the hot-plug crash: the guest started a
 * program on a subchannel whose control unit was not linked yet).
 */
TEST(test_css_sch_invisible_until_published)
{
	struct vccw_busid id = { VCCW_CSS_VIRTUAL_CSSID, 0, 0x0200 };
	struct vccw_sch *sch, *other;
	struct vccw_schib schib;
	struct vccw_err err;
	struct fx f;
	uint32_t crw;

	fx_init(&f, false);
	sch = new_sch(&f, NULL, &err);
	REQUIRE(sch);
	{
		struct vccw_sch_config cfg = { .busid = &id, .ops = &dummy_ops, .hotplug = true };

		other = vccw_css_sch_new(f.css, &cfg, &err);
	}
	REQUIRE(other);
	CHECK_EQ(vccw_sch_schnr(other), 1);
	/* Reserved: STSCH says not operational, no CRW, no machine check yet. */
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 1), &schib), VCCW_CC3);
	CHECK(!vccw_css_crw_pending(f.css));
	CHECK_EQ(f.crw_calls, 0);
	/* ...but its numbers are taken: a second device cannot have them. */
	{
		struct vccw_sch_config cfg = { .busid = &id, .ops = &dummy_ops };

		CHECK(vccw_css_sch_new(f.css, &cfg, &err) == NULL);
	}
	vccw_css_sch_publish(other);
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 1), &schib), VCCW_CC0);
	CHECK_EQ(schib.pmcw.devno, 0x0200);
	CHECK_EQ(f.crw_calls, 1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(1));
	vccw_css_sch_free(other, true);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(1));

	/* Freed before it was published: the guest never saw it, so no report. */
	{
		struct vccw_sch_config cfg = { .busid = &id, .ops = &dummy_ops, .hotplug = true };

		other = vccw_css_sch_new(f.css, &cfg, &err);
	}
	REQUIRE(other);
	vccw_css_sch_free(other, true);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	vccw_css_sch_free(sch, false);
	fx_fini(&f);
}

TEST(test_css_crw_chained_with_ssid_after_mss_enabled)
{
	struct fx f;
	struct fx_cu_state s1, s0;
	struct vccw_cu *c1, *c0;
	uint32_t crw;

	fx_init(&f, false);
	/* Reference 9.4: no report for a set the guest has not enabled. */
	c1 = fx_add_cu(&f, "fe.1.0042", &s1, true);
	REQUIRE(c1);
	CHECK(!vccw_css_crw_pending(f.css));
	vccw_cu_free(c1, true);
	CHECK(!vccw_css_crw_pending(f.css));
	chsc_sda(&f, 0x0002);
	c1 = fx_add_cu(&f, "fe.1.0042", &s1, true);
	REQUIRE(c1);
	/* With MSS: C in the first CRW, the second carries ssid << 4. */
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, VCCW_CRW_C | CRW_SCH_IPI(0));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(1u << 4));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	c0 = fx_add_cu(&f, "fe.0.0042", &s0, true);
	REQUIRE(c0);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, VCCW_CRW_C | CRW_SCH_IPI(0));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(0));
	vccw_cu_free(c0, false);
	vccw_cu_free(c1, false);
	fx_fini(&f);
}

TEST(test_css_crw_pending_callback_once_per_burst)
{
	struct fx f;
	uint32_t crw;

	fx_init(&f, false);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 1, -1);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 2, -1);
	/* Reference 9.2: one machine check per burst. */
	CHECK_EQ(f.crw_calls, 1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	/* Drained but not yet seen empty: a new CRW joins the burst. */
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 3, -1);
	CHECK_EQ(f.crw_calls, 1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(3));
	/* STCRW cc1 re-arms it. */
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 4, -1);
	CHECK_EQ(f.crw_calls, 2);
	fx_fini(&f);
}

TEST(test_css_crw_overflow_sets_r_on_next_queued)
{
	struct fx f;
	uint32_t crw;
	unsigned int i;

	fx_init(&f, false);
	for (i = 0; i < VCCW_CRW_QUEUE_LEN + 3; i++)
		vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, (uint16_t)i,
				   -1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(0));
	/* PoP: R (overflow) in the first CRW made pending after reports were lost. */
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 0x999, -1);
	for (i = 1; i < VCCW_CRW_QUEUE_LEN; i++) {
		REQUIRE(stcrw(&f, &crw) == VCCW_CC0);
		CHECK_MSG(crw == CRW_SCH_IPI(i), "CRW %u is 0x%08x", i, crw);
	}
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, VCCW_CRW_R | CRW_SCH_IPI(0x999));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	/* R is reported once. */
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 5, -1);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(5));
	fx_fini(&f);
}

TEST(test_css_crw_overflow_loses_chained_report_whole)
{
	struct fx f;
	uint32_t crw;
	unsigned int i;

	fx_init(&f, false);
	for (i = 0; i < VCCW_CRW_QUEUE_LEN - 1; i++)
		vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, (uint16_t)i,
				   -1);
	/* One slot left: a two-CRW report must not be split (C would point to nothing). */
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 0x777, 0x10);
	for (i = 0; i < VCCW_CRW_QUEUE_LEN - 1; i++) {
		REQUIRE(stcrw(&f, &crw) == VCCW_CC0);
		CHECK(!(crw & VCCW_CRW_C));
	}
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	fx_fini(&f);
}

TEST(test_css_stcrw_access_exception_leaves_crw_queued)
{
	struct fx f;
	uint32_t crw;

	fx_init(&f, false);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 7, -1);
	/* Reference 1.3: STCRW is suppressing: a faulting store keeps the CRW. */
	f.cpu.low_addr_prot = true;
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, 0x100), VCCW_PGM_PROTECTION);
	f.cpu.low_addr_prot = false;
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, FX_RAM_SIZE), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, 0x3002), VCCW_PGM_SPECIFICATION);
	CHECK(vccw_css_crw_pending(f.css));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, CRW_SCH_IPI(7));
	fx_fini(&f);
}

/* ---- RCHP ---- */

TEST(test_css_rchp_operand_cc3_and_solicited_crw)
{
	struct fx f;
	uint32_t crw;

	fx_init(&f, false);
	/* Reference 7: GPR1 0xFF00FF00 reserved; a CSSID needs MCSS-E. */
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x100), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x01000000), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x80000000u), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x00fe0000), VCCW_PGM_OPERAND);
	/* Only CHPID 0 is installed. */
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x01), VCCW_CC3);
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0xff), VCCW_CC3);
	CHECK(!vccw_css_crw_pending(f.css));
	/* cc0 and a solicited channel-path CRW: RSC 4, ERC 2, RSID = CHPID. */
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x00), VCCW_CC0);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw, VCCW_CRW_S | 0x04020000u);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	/* With MCSS-E the css id may be named, and a chained CRW carries it. */
	chsc_sda(&f, 0x0000);
	CHECK_EQ(vccw_css_rchp(f.css, &f.cpu, 0x00fe0000), VCCW_CC0);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw & ~VCCW_CRW_S, VCCW_CRW_C | 0x04020000u);
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC0);
	CHECK_EQ(crw & 0x0f3fffffu, 0x0402fe00u);
	fx_fini(&f);
}

/* ---- SAL, SCHM and measurement ---- */

TEST(test_css_sal_operand_and_cc_unchanged)
{
	struct fx f;

	fx_init(&f, false);
	/* Reference 1.3: bit 32 or bits 48-63 of GPR1 set: operand exception. */
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x80000000u), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x00000001u), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x00018000u), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0), VCCW_CC_UNCHANGED);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x00010000u), VCCW_CC_UNCHANGED);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x7fff0000u), VCCW_CC_UNCHANGED);
	fx_fini(&f);
}

TEST(test_css_schm_operand_and_cc_unchanged)
{
	struct fx f;
	unsigned int bit;

	fx_init(&f, false);
	/* Reference 7: GPR1 bits 36-61 reserved. */
	for (bit = 36; bit <= 61; bit++)
		CHECK_MSG(vccw_css_schm(f.css, &f.cpu, UINT64_C(1) << (63 - bit), 0) ==
			      VCCW_PGM_OPERAND,
			  "SCHM with GPR1 bit %u should be an operand exception", bit);
	/* M = 1 needs a 32-byte aligned origin. */
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 2, 0x50010), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 2, 0x50001), VCCW_PGM_OPERAND);
	/* Without M, GPR2 is not used. */
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 1, 0x50010), VCCW_CC_UNCHANGED);
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 0xf0000002u, 0x50020), VCCW_CC_UNCHANGED);
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 0, 0), VCCW_CC_UNCHANGED);
	fx_fini(&f);
}

TEST(test_css_schm_measurement_counts_ssch)
{
	struct fx f;
	struct fx_cu_state st, st2;
	struct vccw_cu *cu, *cu2;
	struct fx_irb irb;
	uint32_t sid;
	uint16_t flags;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.0815", &st, 3);
	cu2 = add_enabled(&f, "fe.0.0816", &st2, 3);
	REQUIRE(cu && cu2);
	sid = fx_sid_of(cu);
	/* MM measurement-block update, MBI 3. */
	REQUIRE(vccw_css_stsch(f.css, &f.cpu, sid, FX_SCHIB_ADDR) == VCCW_CC0);
	vccw_mem_ld_be16(f.mem, FX_SCHIB_ADDR + 4, &flags);
	vccw_mem_st_be16(f.mem, FX_SCHIB_ADDR + 4, flags | 0x0010);
	vccw_mem_st_be16(f.mem, FX_SCHIB_ADDR + 12, 3);
	CHECK_EQ(vccw_css_msch(f.css, &f.cpu, sid, FX_SCHIB_ADDR), VCCW_CC0);
	/* Reference 7 SCHM: format-0 block at MBO + MBI * 32, SSCH count at offset 0. */
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 2, 0x50000), VCCW_CC_UNCHANGED);
	complete_nop(&f, cu, 1);
	CHECK_EQ(ld16(&f, 0x50000 + 3 * 32), 1);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	complete_nop(&f, cu, 1);
	CHECK_EQ(ld16(&f, 0x50000 + 3 * 32), 2);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	/* A subchannel without MM is not measured (its MBI 0 block stays 0). */
	complete_nop(&f, cu2, 2);
	CHECK_EQ(ld16(&f, 0x50000), 0);
	/* SCHM M = 0 stops the updates. */
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 0, 0), VCCW_CC_UNCHANGED);
	complete_nop(&f, cu, 1);
	CHECK_EQ(ld16(&f, 0x50000 + 3 * 32), 2);
	vccw_cu_free(cu, false);
	vccw_cu_free(cu2, false);
	fx_fini(&f);
}

TEST(test_css_schm_format1_block_counts_at_mba)
{
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	uint32_t sid;
	uint16_t flags;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.0815", &st, 3);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	REQUIRE(vccw_css_stsch(f.css, &f.cpu, sid, FX_SCHIB_ADDR) == VCCW_CC0);
	vccw_mem_ld_be16(f.mem, FX_SCHIB_ADDR + 4, &flags);
	vccw_mem_st_be16(f.mem, FX_SCHIB_ADDR + 4, flags | 0x0010);
	vccw_mem_st_be32(f.mem, FX_SCHIB_ADDR + 24, VCCW_PMCW_MBFC);
	vccw_mem_st_be64(f.mem, FX_SCHIB_ADDR + 40, 0x60040);
	CHECK_EQ(vccw_css_msch(f.css, &f.cpu, sid, FX_SCHIB_ADDR), VCCW_CC0);
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 2, 0x50000), VCCW_CC_UNCHANGED);
	complete_nop(&f, cu, 1);
	/* Reference 7 SCHM: format 1: 32-bit SSCH+RSCH count at MBA. */
	CHECK_EQ(ld32(&f, 0x60040), 1);
	CHECK_EQ(ld16(&f, 0x50000), 0);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

/* ---- Device numbers and subchannel assignment ---- */

TEST(test_css_parse_busid_accepts_valid_forms)
{
	static const struct {
		const char *s;
		uint8_t ssid;
		uint16_t devno;
	} ok[] = {
	    {"fe.0.0815", 0, 0x0815},
	    {"FE.3.FFFF", 3, 0xffff},
	    {"fe.2.abcd", 2, 0xabcd},
	    {"fe.1.0000", 1, 0x0000},
	};
	struct vccw_busid id;
	struct vccw_err err;
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(ok); i++) {
		memset(&id, 0, sizeof(id));
		CHECK_MSG(vccw_css_parse_busid(ok[i].s, &id, &err) == 0, "'%s' rejected", ok[i].s);
		CHECK_EQ(id.cssid, 0xfe);
		CHECK_EQ(id.ssid, ok[i].ssid);
		CHECK_EQ(id.devno, ok[i].devno);
	}
}

TEST(test_css_parse_busid_rejects_bad_forms)
{
	static const char *const bad[] = {
	    "",		  "fe",		"fe.0",	       "fe.0.",	     "fe.0.815",   "fe.0.08150",
	    "fe.4.0001",  "fe.00.0001", "fe..0001",    "fd.0.0001",  "0.0.0001",   "ff.0.0001",
	    "0fe.0.0001", "fe.0.081g",	"fe.0.0815 ",  " fe.0.0815", "fe.0.-815",  "fe.0.0x81",
	    "fe,0,0815",  "fe.0.+815",	"0xfe.0.0001", "fe.a.0001",  "fe.-1.0001", "fe.0.0815.1",
	};
	struct vccw_busid id;
	struct vccw_err err;
	unsigned int i;

	/* Reference 12: css 1-2 hex digits and fe, set 0-3, exactly 4 hex digits. */
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_MSG(vccw_css_parse_busid(bad[i], &id, &err) == -EINVAL,
			  "'%s' should be rejected", bad[i]);
		CHECK_EQ(err.code, -EINVAL);
		CHECK(err.msg[0] != '\0');
	}
	CHECK_EQ(vccw_css_parse_busid(NULL, &id, &err), -EINVAL);
}

TEST(test_css_duplicate_devno_rejected_eexist)
{
	struct fx f;
	struct vccw_busid id = {0xfe, 0, 0x0815};
	struct vccw_sch *a, *b, *c;
	struct vccw_err err;

	fx_init(&f, false);
	a = new_sch(&f, &id, &err);
	REQUIRE(a);
	memset(&err, 0, sizeof(err));
	/* Reference 12: a device number must be unused in its set. */
	b = new_sch(&f, &id, &err);
	CHECK(!b);
	CHECK_EQ(err.code, -EEXIST);
	CHECK_MSG(strstr(err.msg, "0815") != NULL, "message does not name the device: %s", err.msg);
	/* The same number in another set is a different device. */
	id.ssid = 1;
	c = new_sch(&f, &id, &err);
	CHECK(c);
	/* Invalid css image or set. */
	id.cssid = 0;
	CHECK(!new_sch(&f, &id, &err));
	CHECK_EQ(err.code, -EINVAL);
	id.cssid = 0xfe;
	id.ssid = 4;
	CHECK(!new_sch(&f, &id, &err));
	vccw_css_sch_free(b, false);
	vccw_css_sch_free(c, false);
	vccw_css_sch_free(a, false);
	fx_fini(&f);
}

TEST(test_css_automatic_devno_like_qemu)
{
	struct fx f;
	struct vccw_busid one = {0xfe, 0, 0x0001};
	struct vccw_sch *s[5];
	struct vccw_err err;

	fx_init(&f, false);
	s[0] = new_sch(&f, &one, &err);
	REQUIRE(s[0]);
	CHECK_EQ(vccw_sch_schnr(s[0]), 0);
	/*
	 * Reference 12: lowest free subchannel number, and the lowest free device number
	 * searching upward from it.
	 */
	s[1] = new_sch(&f, NULL, &err);
	REQUIRE(s[1]);
	CHECK_EQ(vccw_sch_schnr(s[1]), 1);
	CHECK_EQ(vccw_sch_busid(s[1]).devno, 0x0002);
	CHECK_EQ(vccw_sch_busid(s[1]).ssid, 0);
	CHECK_EQ(vccw_sch_busid(s[1]).cssid, 0xfe);
	s[2] = new_sch(&f, NULL, &err);
	REQUIRE(s[2]);
	CHECK_EQ(vccw_sch_schnr(s[2]), 2);
	CHECK_EQ(vccw_sch_busid(s[2]).devno, 0x0003);
	vccw_css_sch_free(s[0], false);
	s[3] = new_sch(&f, NULL, &err);
	REQUIRE(s[3]);
	CHECK_EQ(vccw_sch_schnr(s[3]), 0);
	CHECK_EQ(vccw_sch_busid(s[3]).devno, 0x0000);
	s[4] = new_sch(&f, NULL, &err);
	REQUIRE(s[4]);
	CHECK_EQ(vccw_sch_schnr(s[4]), 3);
	CHECK_EQ(vccw_sch_busid(s[4]).devno, 0x0004);
	vccw_css_sch_free(s[1], false);
	vccw_css_sch_free(s[2], false);
	vccw_css_sch_free(s[3], false);
	vccw_css_sch_free(s[4], false);
	fx_fini(&f);
}

TEST(test_css_devno_ffff_subchannel_works)
{
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	struct vccw_schib schib;
	struct fx_irb irb;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.ffff", &st, 3);
	REQUIRE(cu);
	CHECK_EQ(fx_stsch(&f, fx_sid_of(cu), &schib), VCCW_CC0);
	CHECK_EQ(schib.pmcw.devno, 0xffff);
	complete_nop(&f, cu, 0xffff);
	CHECK_EQ(fx_tsch(&f, fx_sid_of(cu), &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_CE | VCCW_DSTAT_DE);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

TEST(test_css_add_remove_1000_subchannels)
{
	enum { N = 1000 };
	static struct vccw_sch *s[N];
	struct fx f;
	struct vccw_busid id = {0xfe, 2, 0};
	struct vccw_schib schib;
	struct vccw_err err;
	unsigned int i;

	fx_init(&f, false);
	for (i = 0; i < N; i++) {
		s[i] = new_sch(&f, NULL, &err);
		REQUIRE(s[i]);
		CHECK_EQ(vccw_sch_schnr(s[i]), i);
	}
	for (i = 0; i < N; i += 2)
		vccw_css_sch_free(s[i], false);
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 998), &schib), VCCW_CC0); /* hole: V = 0 */
	CHECK_EQ(schib.pmcw.flags & VCCW_PMCW_DNV, 0);
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 999), &schib), VCCW_CC0);
	for (i = 1; i < N; i += 2)
		vccw_css_sch_free(s[i], false);
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 0), &schib), VCCW_CC3);
	/* Sparse device numbers in a high set, spread over the whole range. */
	for (i = 0; i < N; i++) {
		id.devno = (uint16_t)(i * 65 + 64);
		s[i] = new_sch(&f, &id, &err);
		REQUIRE(s[i]);
	}
	for (i = 0; i < N; i++)
		vccw_css_sch_free(s[i], false);
	/* Run under ASan: every table and bitmap is released with the css. */
	fx_fini(&f);
}

/* ---- Reset ---- */

TEST(test_css_reset_restores_schib_drops_reports_and_mss)
{
	struct fx f;
	struct fx_cu_state st, st1;
	struct vccw_cu *cu, *cu1;
	struct vccw_schib schib;
	struct vccw_io_irq irq;
	uint32_t sid, crw;

	fx_init(&f, false);
	cu = add_enabled(&f, "fe.0.0815", &st, 5);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	chsc_sda(&f, 0x0002);
	cu1 = fx_add_cu(&f, "fe.1.0001", &st1, true);
	REQUIRE(cu1);
	complete_nop(&f, cu, 0x77);
	vccw_css_inject_adapter(f.css, 3);
	CHECK(vccw_css_crw_pending(f.css));
	CHECK_EQ(vccw_css_schm(f.css, &f.cpu, 2, 0x50000), VCCW_CC_UNCHANGED);
	CHECK_EQ(st.enabled, 1);

	vccw_css_reset(f.css);
	/* Reference 2.4: the subchannel is back to its initial SCHIB, disabled. */
	CHECK_EQ(fx_stsch(&f, sid, &schib), VCCW_CC0);
	CHECK_EQ(schib.pmcw.intparm, 0);
	CHECK_EQ(schib.pmcw.flags, VCCW_PMCW_DNV);
	CHECK_EQ(schib.pmcw.devno, 0x0815);
	CHECK_EQ(schib.pmcw.lpm, 0x80);
	CHECK_EQ(schib.pmcw.lpum, 0);
	CHECK_EQ(schib.pmcw.pom, 0xff);
	CHECK_EQ(schib.scsw.ctrl, 0);
	CHECK_EQ(schib.scsw.dstat, 0);
	CHECK_EQ(st.enabled, 0);
	/* Interruptions and channel reports are dropped; MSS is off again. */
	CHECK(!vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK(!vccw_css_crw_pending(f.css));
	CHECK_EQ(stcrw(&f, &crw), VCCW_CC1);
	CHECK(!vccw_css_mss_enabled(f.css));
	CHECK_EQ(fx_stsch(&f, fx_sid(1, 0), &schib), VCCW_CC3);
	/* Channel monitoring is off: a start with MM update counts nothing. */
	REQUIRE(vccw_css_stsch(f.css, &f.cpu, sid, FX_SCHIB_ADDR) == VCCW_CC0);
	vccw_mem_st_be16(f.mem, FX_SCHIB_ADDR + 4, VCCW_PMCW_ENA | 0x0010);
	CHECK_EQ(vccw_css_msch(f.css, &f.cpu, sid, FX_SCHIB_ADDR), VCCW_CC0);
	complete_nop(&f, cu, 1);
	CHECK_EQ(ld16(&f, 0x50000), 0);
	vccw_cu_free(cu1, false);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}
