// SPDX-License-Identifier: MIT
/*
 * Unit tests of the I/O instructions (lib/css/src/ioinst.c) against the architecture:
 * for STSCH, MSCH, SSCH, TSCH, HSCH, CSCH, RSCH, XSCH and TPI each program exception in
 * its order of recognition and each condition code with the state it leaves behind
 * (PoP chapter 14 "I/O Instructions"; shared/reference/channel-io.md sections 1-4, 6-8).
 * Interruptions, channel reports and the css-wide instructions are in test_irq_crw.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "test.h"

#define SCHIB_LEN 52
#define FILL 0xee
#define SC_ALL VCCW_SCSW_SC_MASK
#define SC_FINAL (VCCW_SCSW_SC_PRIMARY | VCCW_SCSW_SC_SECONDARY | VCCW_SCSW_SC_PENDING)
#define SC_INTERMEDIATE (VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_SC_PENDING)
#define CHAIN_LEN 200 /* NOPs: more than one slice of the default 64 CCWs */

/* One css with one test control unit at fe.0.0815 (subchannel 0). */
struct tc {
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	uint32_t sid;
};

static bool tc_init(struct tc *t, bool enable)
{
	fx_init(&t->f, false);
	t->cu = fx_add_cu(&t->f, "fe.0.0815", &t->st, false);
	if (!t->cu) {
		fx_fini(&t->f);
		return false;
	}
	t->sid = fx_sid_of(t->cu);
	if (enable && fx_enable(&t->f, t->sid, 3) != VCCW_CC0) {
		vccw_cu_free(t->cu, false);
		fx_fini(&t->f);
		return false;
	}
	return true;
}

static void tc_fini(struct tc *t)
{
	vccw_cu_free(t->cu, false);
	fx_fini(&t->f);
}

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

/* True when [addr, addr + len) still holds @byte. */
static bool holds(struct fx *f, uint64_t addr, uint8_t byte, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t v = (uint8_t)~byte;

		vccw_mem_ld_u8(f->mem, addr + i, &v);
		if (v != byte)
			return false;
	}
	return true;
}

/* The SCHIB as STSCH stores it (raw bytes). */
static void schib_raw(struct tc *t, uint8_t b[SCHIB_LEN])
{
	CHECK_EQ(vccw_css_stsch(t->f.css, &t->f.cpu, t->sid, FX_SCHIB_ADDR), VCCW_CC0);
	vccw_mem_read(t->f.mem, FX_SCHIB_ADDR, b, SCHIB_LEN);
}

static enum vccw_insn_rc msch_raw(struct tc *t, const uint8_t b[SCHIB_LEN])
{
	vccw_mem_write(t->f.mem, FX_SCHIB_ADDR, b, SCHIB_LEN);
	return vccw_css_msch(t->f.css, &t->f.cpu, t->sid, FX_SCHIB_ADDR);
}

static struct vccw_schib schib_of(struct tc *t)
{
	struct vccw_schib s;

	memset(&s, 0, sizeof(s));
	CHECK_EQ(fx_stsch(&t->f, t->sid, &s), VCCW_CC0);
	return s;
}

static uint32_t scsw_ctrl(struct tc *t)
{
	return schib_of(t).scsw.ctrl;
}

/* A one-CCW NOP program at FX_PROG_ADDR. */
static void prog_nop(struct tc *t)
{
	fx_ccw1(&t->f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 0, 0);
}

/* A chain of CHAIN_LEN NOPs at FX_PROG_ADDR: several slices long. */
static void prog_chain(struct tc *t)
{
	unsigned int i;

	for (i = 0; i < CHAIN_LEN; i++)
		fx_ccw1(&t->f, FX_PROG_ADDR + 8 * i, VCCW_CCW_CMD_NOP,
			VCCW_CCW_FLAG_SLI | (i + 1 < CHAIN_LEN ? VCCW_CCW_FLAG_CC : 0), 0, 0);
}

/* Start the NOP chain and run one slice: the subchannel is active. */
static void start_active(struct tc *t, uint32_t extra)
{
	prog_chain(t);
	CHECK_EQ(fx_ssch(&t->f, t->sid, FX_PROG_ADDR, extra), VCCW_CC0);
	CHECK_EQ(vccw_css_run(t->f.css, 1), 1);
}

/* Run a NOP program to completion: status pending with final status. */
static void complete_nop(struct tc *t)
{
	prog_nop(t);
	CHECK_EQ(fx_ssch(&t->f, t->sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&t->f);
}

/*
 * A program suspended at its second CCW (ORB S, CCW S flag): NOP at FX_PROG_ADDR, then a
 * NOP with S at FX_PROG_ADDR + 8. Leaves the intermediate status pending.
 */
static void start_suspended(struct tc *t)
{
	fx_ccw1(&t->f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI | VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t->f, FX_PROG_ADDR + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI | VCCW_CCW_FLAG_S, 0,
		0);
	CHECK_EQ(fx_ssch(&t->f, t->sid, FX_PROG_ADDR, VCCW_ORB_S), VCCW_CC0);
	fx_run(&t->f);
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

/* ---- Privileged operation ---- */

TEST(test_css_ioinst_problem_state_privileged_operation)
{
	struct tc t;
	struct vccw_cpu *c = &t.f.cpu;
	struct vccw_css *css;

	REQUIRE(tc_init(&t, true));
	css = t.f.css;
	prog_nop(&t);
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000, FX_PROG_ADDR);
	c->problem_state = true;
	/* PoP: every I/O instruction is privileged (PSW bit 15 one: PIC 0x0002). */
	CHECK_EQ(vccw_css_stsch(css, c, t.sid, FX_SCHIB_ADDR), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_msch(css, c, t.sid, FX_SCHIB_ADDR), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_ssch(css, c, t.sid, FX_ORB_ADDR), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_tsch(css, c, t.sid, FX_IRB_ADDR), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_hsch(css, c, t.sid), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_csch(css, c, t.sid), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_rsch(css, c, t.sid), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_xsch(css, c, t.sid), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_tpi(css, c, 0x3000), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_stcrw(css, c, 0x3000), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_rchp(css, c, 0), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_sal(css, c, 0), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_schm(css, c, 0, 0), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_sic(css, c, 0, 3), VCCW_PGM_PRIVILEGED_OP);
	CHECK_EQ(vccw_css_chsc(css, c, 0x30000), VCCW_PGM_PRIVILEGED_OP);
	/* Nothing happened: no start function, no channel report from RCHP. */
	c->problem_state = false;
	CHECK_EQ(scsw_ctrl(&t), 0);
	CHECK(!vccw_css_crw_pending(css));
	tc_fini(&t);
}

/* ---- STSCH ---- */

TEST(test_css_stsch_unaligned_operand_specification)
{
	struct tc t;
	unsigned int i;

	REQUIRE(tc_init(&t, false));
	vccw_mem_fill(t.f.mem, 0x3000, FILL, 64);
	/* PoP: the SCHIB operand must be on a word boundary. */
	for (i = 1; i < 4; i++)
		CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x3000 + i),
			 VCCW_PGM_SPECIFICATION);
	CHECK(holds(&t.f, 0x3000, FILL, 64));
	tc_fini(&t);
}

TEST(test_css_stsch_sid_bit15_zero_operand)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	/* PoP: SID bit 15 must be one (reference 1.1). */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0x00000000, FX_SCHIB_ADDR), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0x0000ffff, FX_SCHIB_ADDR), VCCW_PGM_OPERAND);
	tc_fini(&t);
}

TEST(test_css_stsch_sid_reserved_bits_operand)
{
	struct tc t;
	unsigned int bit;

	REQUIRE(tc_init(&t, false));
	/* PoP: SID bits 8-11 are reserved and must be zero. */
	for (bit = 8; bit <= 11; bit++)
		CHECK_MSG(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid | (0x80000000u >> bit),
					 FX_SCHIB_ADDR) == VCCW_PGM_OPERAND,
			  "SID bit %u set should be an operand exception", bit);
	tc_fini(&t);
}

TEST(test_css_stsch_cssid_without_m_operand)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	/* PoP: with M = 0 the CSSID field must be zero (reference 1.1). */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0xfe000000u | t.sid, FX_SCHIB_ADDR),
		 VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0x01000000u | t.sid, FX_SCHIB_ADDR),
		 VCCW_PGM_OPERAND);
	tc_fini(&t);
}

TEST(test_css_stsch_beyond_ram_addressing_before_cc3)
{
	struct tc t;
	const uint64_t end = FX_RAM_SIZE;

	REQUIRE(tc_init(&t, false));
	/* PoP: an operand outside configured storage is an addressing exception. */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, end), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, end - 48), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, end - SCHIB_LEN), VCCW_CC0);
	/* The store access is checked even when no subchannel exists: access wins over cc3. */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, fx_sid(0, 0x100), end - 48),
		 VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, fx_sid(0, 0x100), FX_SCHIB_ADDR), VCCW_CC3);
	/* And over the operand exception of an invalid SID (reference 1.3). */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0x0000ffff, end), VCCW_PGM_ADDRESSING);
	tc_fini(&t);
}

TEST(test_css_stsch_low_address_protection)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	t.f.cpu.low_addr_prot = true;
	vccw_mem_fill(t.f.mem, 0x100, FILL, SCHIB_LEN);
	vccw_mem_fill(t.f.mem, 0x1000, FILL, SCHIB_LEN);
	/* PoP: with CR0 low-address protection, stores into real 0-511, 4096-4607 fault. */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x100), VCCW_PGM_PROTECTION);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x1000), VCCW_PGM_PROTECTION);
	/* A SCHIB straddling real 512 is still protected in its first bytes. */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x1f0), VCCW_PGM_PROTECTION);
	CHECK(holds(&t.f, 0x100, FILL, SCHIB_LEN));
	CHECK(holds(&t.f, 0x1000, FILL, SCHIB_LEN));
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x200), VCCW_CC0);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x1200), VCCW_CC0);
	t.f.cpu.low_addr_prot = false;
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x100), VCCW_CC0);
	tc_fini(&t);
}

TEST(test_css_stsch_operand_is_prefixed)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	t.f.cpu.prefix = 0x10000;
	vccw_mem_fill(t.f.mem, 0x200, FILL, SCHIB_LEN);
	vccw_mem_fill(t.f.mem, 0x10200, FILL, SCHIB_LEN);
	/* PoP "Prefixing": real 0-8191 is absolute prefix + address ... */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x200), VCCW_CC0);
	CHECK_EQ(ld16(&t.f, 0x10200 + 6), 0x0815);
	CHECK(holds(&t.f, 0x200, FILL, SCHIB_LEN));
	/* ... and real prefix..prefix+8191 is absolute 0-8191. */
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, t.sid, 0x10300), VCCW_CC0);
	CHECK_EQ(ld16(&t.f, 0x300 + 6), 0x0815);
	tc_fini(&t);
}

TEST(test_css_stsch_fresh_subchannel_schib)
{
	struct tc t;
	struct vccw_schib s;
	unsigned int i;

	REQUIRE(tc_init(&t, false));
	vccw_mem_fill(t.f.mem, FX_SCHIB_ADDR, FILL, SCHIB_LEN);
	s = schib_of(&t);
	/* Reference 2.4: the initial SCHIB of a virtual subchannel. */
	CHECK_EQ(s.pmcw.intparm, 0);
	CHECK_EQ(s.pmcw.flags, VCCW_PMCW_DNV); /* V=1, E=0, ISC 0 */
	CHECK_EQ(s.pmcw.devno, 0x0815);
	CHECK_EQ(s.pmcw.lpm, 0x80);
	CHECK_EQ(s.pmcw.pnom, 0);
	CHECK_EQ(s.pmcw.lpum, 0);
	CHECK_EQ(s.pmcw.pim, 0x80);
	CHECK_EQ(s.pmcw.mbi, 0);
	CHECK_EQ(s.pmcw.pom, 0xff);
	CHECK_EQ(s.pmcw.pam, 0x80);
	for (i = 0; i < 8; i++)
		CHECK_EQ(s.pmcw.chpid[i], 0);
	CHECK_EQ(s.pmcw.chars & VCCW_PMCW_ST_MASK, 0); /* I/O subchannel */
	CHECK_EQ(s.pmcw.chars, 0);
	CHECK_EQ(s.scsw.ctrl, 0);
	CHECK_EQ(s.scsw.cpa, 0);
	CHECK_EQ(s.scsw.dstat, 0);
	CHECK_EQ(s.scsw.cstat, 0);
	CHECK_EQ(s.scsw.count, 0);
	CHECK_EQ(s.mba, 0);
	CHECK_EQ(s.mda, 0);
	tc_fini(&t);
}

TEST(test_css_stsch_empty_slot_below_highest_zero_schib_cc0)
{
	struct fx f;
	struct fx_cu_state s0, s1, s2;
	struct vccw_cu *c0, *c1, *c2;
	uint8_t b[SCHIB_LEN];
	unsigned int i;

	fx_init(&f, false);
	c0 = fx_add_cu(&f, "fe.0.0100", &s0, false);
	c1 = fx_add_cu(&f, "fe.0.0101", &s1, false);
	c2 = fx_add_cu(&f, "fe.0.0102", &s2, false);
	REQUIRE(c0 && c1 && c2);
	CHECK_EQ(vccw_sch_schnr(vccw_cu_sch(c2)), 2);
	vccw_cu_free(c1, false);
	/* Reference 7 / 14: a hole below the highest subchannel is cc0 with V=0, not cc3. */
	vccw_mem_fill(f.mem, FX_SCHIB_ADDR, FILL, SCHIB_LEN);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 1), FX_SCHIB_ADDR), VCCW_CC0);
	vccw_mem_read(f.mem, FX_SCHIB_ADDR, b, sizeof(b));
	for (i = 0; i < SCHIB_LEN; i++)
		CHECK_MSG(b[i] == 0, "SCHIB byte %u of an empty slot is 0x%02x", i, b[i]);
	/* Beyond the highest: cc3, nothing stored. */
	vccw_mem_fill(f.mem, FX_SCHIB_ADDR, FILL, SCHIB_LEN);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 3), FX_SCHIB_ADDR), VCCW_CC3);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 0xffff), FX_SCHIB_ADDR), VCCW_CC3);
	CHECK(holds(&f, FX_SCHIB_ADDR, FILL, SCHIB_LEN));
	/* Once the highest goes, the hole is beyond the highest: cc3. */
	vccw_cu_free(c2, false);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 1), FX_SCHIB_ADDR), VCCW_CC3);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 0), FX_SCHIB_ADDR), VCCW_CC0);
	vccw_cu_free(c0, false);
	CHECK_EQ(vccw_css_stsch(f.css, &f.cpu, fx_sid(0, 0), FX_SCHIB_ADDR), VCCW_CC3);
	fx_fini(&f);
}

TEST(test_css_stsch_ssid1_invisible_until_mss_enabled)
{
	struct fx f;
	struct fx_cu_state s1;
	struct vccw_cu *c1;
	struct vccw_schib sch;

	fx_init(&f, false);
	c1 = fx_add_cu(&f, "fe.1.0001", &s1, false);
	REQUIRE(c1);
	CHECK_EQ(vccw_sch_busid(vccw_cu_sch(c1)).ssid, 1);
	/* Reference 12: a set > 0 is invisible (cc3) until the guest enables MSS. */
	CHECK_EQ(fx_stsch(&f, fx_sid(1, 0), &sch), VCCW_CC3);
	chsc_sda(&f, 0x0002);
	REQUIRE(vccw_css_mss_enabled(f.css));
	CHECK_EQ(fx_stsch(&f, fx_sid(1, 0), &sch), VCCW_CC0);
	CHECK_EQ(sch.pmcw.devno, 0x0001);
	CHECK_EQ(fx_stsch(&f, fx_sid(1, 1), &sch), VCCW_CC3);
	/* Set 0 is empty: cc3 there. */
	CHECK_EQ(fx_stsch(&f, fx_sid(0, 0), &sch), VCCW_CC3);
	vccw_cu_free(c1, false);
	fx_fini(&f);
}

TEST(test_css_stsch_m_bit_addresses_image_fe_with_mcsse)
{
	struct tc t;
	struct vccw_schib s;

	REQUIRE(tc_init(&t, false));
	chsc_sda(&t.f, 0x0000);
	REQUIRE(vccw_css_mcsse_enabled(t.f.css));
	/* With MCSS-E, M=1 makes the CSSID field valid: image fe exists, image 0 does not. */
	CHECK_EQ(fx_stsch(&t.f, 0xfe080000u | t.sid, &s), VCCW_CC0);
	CHECK_EQ(s.pmcw.devno, 0x0815);
	CHECK_EQ(fx_stsch(&t.f, 0x00080000u | t.sid, &s), VCCW_CC3);
	CHECK_EQ(fx_stsch(&t.f, 0x01080000u | t.sid, &s), VCCW_CC3);
	/* M = 0 still means the default image; a CSSID without M is still invalid. */
	CHECK_EQ(fx_stsch(&t.f, t.sid, &s), VCCW_CC0);
	CHECK_EQ(vccw_css_stsch(t.f.css, &t.f.cpu, 0xfe000000u | t.sid, FX_SCHIB_ADDR),
		 VCCW_PGM_OPERAND);
	tc_fini(&t);
}

/* ---- MSCH ---- */

TEST(test_css_msch_unaligned_operand_specification)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, t.sid, FX_SCHIB_ADDR + 2),
		 VCCW_PGM_SPECIFICATION);
	/* Specification is recognized before the SID is looked at. */
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, 0, FX_SCHIB_ADDR + 1), VCCW_PGM_SPECIFICATION);
	tc_fini(&t);
}

TEST(test_css_msch_operand_beyond_ram_addressing)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	/* PoP: the SCHIB is fetched; outside storage it is an addressing exception. */
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, t.sid, FX_RAM_SIZE - 48), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, fx_sid(0, 9), FX_RAM_SIZE), VCCW_PGM_ADDRESSING);
	tc_fini(&t);
}

/* Try one invalid SCHIB: expect an operand exception and the subchannel untouched. */
static void msch_expect_operand(struct tc *t, const uint8_t *base, unsigned int off,
				unsigned int width, uint64_t or_bits, const char *what)
{
	uint8_t b[SCHIB_LEN];
	struct vccw_schib s;

	memcpy(b, base, SCHIB_LEN);
	if (width == 2)
		vccw_st_be16(b + off, (uint16_t)(vccw_ld_be16(b + off) | or_bits));
	else if (width == 4)
		vccw_st_be32(b + off, (uint32_t)(vccw_ld_be32(b + off) | or_bits));
	else
		vccw_st_be64(b + off, vccw_ld_be64(b + off) | or_bits);
	CHECK_MSG(msch_raw(t, b) == VCCW_PGM_OPERAND, "MSCH with %s: expected operand exception",
		  what);
	s = schib_of(t);
	CHECK_MSG(!(s.pmcw.flags & VCCW_PMCW_ENA) && s.pmcw.intparm == 0,
		  "MSCH with %s changed the subchannel", what);
	CHECK_MSG(t->st.enabled == -1, "MSCH with %s called the enable hook", what);
}

TEST(test_css_msch_invalid_schib_fields_operand)
{
	static const uint16_t bad_w1[] = {0x8000, 0x4000, 0x0200, 0x0100, 0x0060};
	struct tc t;
	uint8_t base[SCHIB_LEN];
	char what[64];
	unsigned int i;

	REQUIRE(tc_init(&t, false));
	schib_raw(&t, base);
	/* Something visible that would be applied: E=1 and an intparm. */
	vccw_st_be16(base + 4, (uint16_t)(vccw_ld_be16(base + 4) | VCCW_PMCW_ENA));
	vccw_st_be32(base, 0x01020304);
	/* PoP MSCH (reference 2.3): word 1 bits 0, 1, 6, 7 and LM = 11. */
	for (i = 0; i < VCCW_ARRAY_SIZE(bad_w1); i++) {
		snprintf(what, sizeof(what), "word 1 halfword bits 0x%04x", bad_w1[i]);
		msch_expect_operand(&t, base, 4, 2, bad_w1[i], what);
	}
	/* Word 6 bits 0-28, the subchannel type among them. */
	for (i = 0; i <= 28; i++) {
		snprintf(what, sizeof(what), "word 6 bit %u", i);
		msch_expect_operand(&t, base, 24, 4, 0x80000000u >> i, what);
	}
	/* No extended-measurement-word facility: XMWME must be zero. */
	msch_expect_operand(&t, base, 24, 4, VCCW_PMCW_XMWME, "XMWME");
	/* MBFC = 1 needs a 64-byte aligned MBA. */
	vccw_st_be32(base + 24, VCCW_PMCW_MBFC);
	msch_expect_operand(&t, base, 40, 8, 0x40020, "MBFC with MBA 0x40020");
	msch_expect_operand(&t, base, 40, 8, 0x40001, "MBFC with MBA 0x40001");
	/* A SID operand exception is reported the same way. */
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, 0x0000ffff, FX_SCHIB_ADDR), VCCW_PGM_OPERAND);
	/* An invalid SCHIB is an operand exception even for a SID without a subchannel. */
	vccw_st_be32(base + 24, 0x00200000);
	vccw_mem_write(t.f.mem, FX_SCHIB_ADDR, base, SCHIB_LEN);
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, fx_sid(0, 7), FX_SCHIB_ADDR), VCCW_PGM_OPERAND);
	tc_fini(&t);
}

TEST(test_css_msch_word1_bit5_ignored)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];

	REQUIRE(tc_init(&t, false));
	schib_raw(&t, b);
	/* Reference 2.2: bit 5 (0x0400) is ignored by MSCH and stored as zero. */
	vccw_st_be16(b + 4, (uint16_t)(vccw_ld_be16(b + 4) | 0x0400 | VCCW_PMCW_ENA));
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	CHECK_EQ(schib_of(&t).pmcw.flags, VCCW_PMCW_DNV | VCCW_PMCW_ENA);
	tc_fini(&t);
}

TEST(test_css_msch_applies_program_fields)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];
	struct vccw_schib s;
	const uint16_t flags =
	    (5 << 11) | VCCW_PMCW_ENA | 0x0020 /* LM 01 */ | VCCW_PMCW_MME_MASK | VCCW_PMCW_MP;
	unsigned int i;

	REQUIRE(tc_init(&t, false));
	schib_raw(&t, b);
	vccw_st_be32(b, 0xcafebabe);
	/* Applied: ISC, E, LM, MM, D. Ignored: T and V. */
	vccw_st_be16(b + 4, flags | VCCW_PMCW_TF);
	vccw_st_be16(b + 6, 0x9999);  /* devno: ignored */
	b[8] = 0x40;		      /* LPM: applied */
	b[9] = 0xff;		      /* PNOM: ignored */
	b[10] = 0xff;		      /* LPUM: ignored */
	b[11] = 0xff;		      /* PIM: ignored */
	vccw_st_be16(b + 12, 0x1234); /* MBI: applied */
	b[15] = 0xff;		      /* PAM: ignored */
	memset(b + 16, 0x55, 8);      /* CHPIDs: ignored */
	vccw_st_be32(b + 24, VCCW_PMCW_MBFC | VCCW_PMCW_CSENSE);
	vccw_st_be32(b + 28, 0xffffffff); /* SCSW: ignored */
	vccw_st_be64(b + 40, 0x40000);	  /* MBA: applied with MBFC */
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	s = schib_of(&t);
	CHECK_EQ(s.pmcw.intparm, 0xcafebabe);
	CHECK_EQ(s.pmcw.flags, flags | VCCW_PMCW_DNV);
	CHECK_EQ(s.pmcw.devno, 0x0815);
	CHECK_EQ(s.pmcw.lpm, 0x40);
	CHECK_EQ(s.pmcw.pnom, 0);
	CHECK_EQ(s.pmcw.lpum, 0);
	CHECK_EQ(s.pmcw.pim, 0x80);
	CHECK_EQ(s.pmcw.mbi, 0x1234);
	CHECK_EQ(s.pmcw.pam, 0x80);
	for (i = 0; i < 8; i++)
		CHECK_EQ(s.pmcw.chpid[i], 0);
	CHECK_EQ(s.pmcw.chars, VCCW_PMCW_MBFC | VCCW_PMCW_CSENSE);
	CHECK_EQ(s.scsw.ctrl, 0);
	CHECK_EQ(s.mba, 0x40000);
	/* V = 0 in the operand does not remove the device. */
	vccw_st_be16(b + 4, VCCW_PMCW_ENA);
	vccw_st_be32(b + 24, 0);
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	s = schib_of(&t);
	CHECK_EQ(s.pmcw.flags, VCCW_PMCW_DNV | VCCW_PMCW_ENA);
	CHECK_EQ(s.pmcw.chars, 0);
	tc_fini(&t);
}

TEST(test_css_msch_enable_calls_control_unit_hook)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(t.st.enabled, -1);
	CHECK_EQ(fx_enable(&t.f, t.sid, 3), VCCW_CC0);
	CHECK_EQ(t.st.enabled, 1);
	schib_raw(&t, b);
	vccw_st_be16(b + 4, (uint16_t)(vccw_ld_be16(b + 4) & ~VCCW_PMCW_ENA));
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	CHECK_EQ(t.st.enabled, 0);
	tc_fini(&t);
}

TEST(test_css_msch_status_pending_cc1)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	schib_raw(&t, b);
	vccw_st_be32(b, 0x0badf00d);
	/* PoP MSCH: cc1 when status pending, nothing changed. */
	CHECK_EQ(msch_raw(&t, b), VCCW_CC1);
	CHECK_EQ(schib_of(&t).pmcw.intparm, 0x12345678);
	tc_fini(&t);
}

TEST(test_css_msch_function_in_progress_cc2)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];

	REQUIRE(tc_init(&t, true));
	prog_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	schib_raw(&t, b);
	vccw_st_be32(b, 0x0badf00d);
	/* PoP MSCH: cc2 when a start, halt or clear function is in progress. */
	CHECK_EQ(msch_raw(&t, b), VCCW_CC2);
	CHECK_EQ(schib_of(&t).pmcw.intparm, 0x12345678);
	tc_fini(&t);
}

TEST(test_css_msch_no_subchannel_cc3)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];

	REQUIRE(tc_init(&t, false));
	schib_raw(&t, b);
	vccw_mem_write(t.f.mem, FX_SCHIB_ADDR, b, SCHIB_LEN);
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, fx_sid(0, 1), FX_SCHIB_ADDR), VCCW_CC3);
	CHECK_EQ(vccw_css_msch(t.f.css, &t.f.cpu, fx_sid(1, 0), FX_SCHIB_ADDR), VCCW_CC3);
	tc_fini(&t);
}

/* ---- SSCH ---- */

TEST(test_css_ssch_unaligned_orb_specification)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	prog_nop(&t);
	fx_orb(&t.f, 0x3004, 1, VCCW_ORB_F | 0x8000, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, 0x3002), VCCW_PGM_SPECIFICATION);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, 0x3005), VCCW_PGM_SPECIFICATION);
	CHECK_EQ(scsw_ctrl(&t), 0);
	tc_fini(&t);
}

TEST(test_css_ssch_orb_beyond_ram_addressing)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_RAM_SIZE - 8), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_RAM_SIZE), VCCW_PGM_ADDRESSING);
	CHECK_EQ(scsw_ctrl(&t), 0);
	tc_fini(&t);
}

TEST(test_css_ssch_invalid_orb_operand)
{
	struct tc t;
	unsigned int bit;

	REQUIRE(tc_init(&t, true));
	prog_nop(&t);
	/* Reference 4: ORB word 1 bits 26-30 reserved, B (transport mode), D (MIDAW). */
	for (bit = 26; bit <= 30; bit++) {
		fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000 | (0x80000000u >> bit),
		       FX_PROG_ADDR);
		CHECK_MSG(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR) == VCCW_PGM_OPERAND,
			  "ORB word 1 bit %u should be an operand exception", bit);
	}
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000 | VCCW_ORB_B, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_PGM_OPERAND);
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000 | VCCW_ORB_D, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_PGM_OPERAND);
	/* Word 2 bit 0 must be zero. */
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000, 0x80000000u | FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_PGM_OPERAND);
	/* An invalid ORB is an operand exception before cc3 for a missing subchannel. */
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000 | VCCW_ORB_B, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, fx_sid(0, 5), FX_ORB_ADDR), VCCW_PGM_OPERAND);
	/* And a bad SID. */
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, 0x0000ffff, FX_ORB_ADDR), VCCW_PGM_OPERAND);
	CHECK_EQ(scsw_ctrl(&t), 0);
	/* Not an instruction exception: a misaligned or zero CPA (channel-program check). */
	fx_orb(&t.f, FX_ORB_ADDR, 1, VCCW_ORB_F | 0x8000, FX_PROG_ADDR + 4);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_CC0);
	tc_fini(&t);
}

TEST(test_css_ssch_disabled_subchannel_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	prog_nop(&t);
	/* Reference 7: a subchannel that is not enabled is not operational for SSCH. */
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC3);
	CHECK_EQ(fx_ssch(&t.f, fx_sid(0, 1), FX_PROG_ADDR, 0), VCCW_CC3);
	CHECK_EQ(scsw_ctrl(&t), 0);
	tc_fini(&t);
}

TEST(test_css_ssch_status_pending_cc1)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC1);
	CHECK_EQ(scsw_ctrl(&t) & SC_ALL, SC_FINAL);
	tc_fini(&t);
}

TEST(test_css_ssch_busy_cc2)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	prog_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	/* PoP SSCH: cc2 when a function is already in progress. */
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC2);
	tc_fini(&t);
	REQUIRE(tc_init(&t, true));
	start_active(&t, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC2);
	tc_fini(&t);
}

TEST(test_css_ssch_cc0_scsw_start_pending_before_run)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];
	struct vccw_schib s;

	REQUIRE(tc_init(&t, true));
	schib_raw(&t, b);
	vccw_st_be32(b, 0xaaaa0001);
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	prog_nop(&t);
	fx_orb(&t.f, FX_ORB_ADDR, 0x11223344, 0x50000000u | VCCW_ORB_F | 0x8000, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_CC0);
	s = schib_of(&t);
	/* Reference 3.3: FC start, AC start pending, no status yet. */
	CHECK_EQ(s.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(s.scsw.ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_START_PEND);
	CHECK_EQ(s.scsw.ctrl & SC_ALL, 0);
	/* The ORB's key and F are recorded in the SCSW; its intparm replaces the PMCW's. */
	CHECK_EQ(s.scsw.ctrl & VCCW_SCSW_KEY_MASK, 0x50000000u);
	CHECK(s.scsw.ctrl & VCCW_SCSW_F);
	CHECK_EQ(s.pmcw.intparm, 0x11223344);
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK_EQ(t.st.nr_cmds, 0);
	tc_fini(&t);
}

TEST(test_css_ssch_orb_lpm_without_path_deferred_cc3)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	fx_ccw1(&t.f, FX_PROG_ADDR, FX_CMD_WRITE, 0, 8, FX_DATA_ADDR);
	/* Reference 3.5: ORB LPM & PAM & POM empty: deferred cc3, N, alert. */
	fx_orb(&t.f, FX_ORB_ADDR, 7, VCCW_ORB_F | 0x4000, FX_PROG_ADDR);
	CHECK_EQ(vccw_css_ssch(t.f.css, &t.f.cpu, t.sid, FX_ORB_ADDR), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ((irb.scsw.ctrl & VCCW_SCSW_CC_MASK) >> VCCW_SCSW_CC_SHIFT, 3);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_N);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_ALERT);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(t.st.nr_cmds, 0);
	/* TSCH clears N and the function (reference 3.4). */
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_N | VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK), 0);
	tc_fini(&t);
}

TEST(test_css_ssch_intparm_in_interruption_code)
{
	struct tc t;
	struct vccw_io_irq irq;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(fx_enable(&t.f, t.sid, 5), VCCW_CC0);
	complete_nop(&t);
	/* Reference 8.2: SID word, intparm of the ORB, IIW with the PMCW's ISC. */
	REQUIRE(vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK_EQ(irq.sid, 0x00010000u | vccw_sch_schnr(vccw_cu_sch(t.cu)));
	CHECK_EQ(irq.intparm, 0x12345678);
	CHECK_EQ(irq.iiw, 5u << 27);
	tc_fini(&t);
}

TEST(test_css_ssch_orb_i_initial_status_interruption_with_z)
{
	struct tc t;
	struct fx_irb irb;
	struct vccw_io_irq irq;

	REQUIRE(tc_init(&t, true));
	start_active(&t, VCCW_ORB_I);
	/* PoP: ORB I = 1: intermediate status with Z once the start function has begun. */
	REQUIRE(vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK_EQ(irq.intparm, 0x12345678);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_INTERMEDIATE);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_Z);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_I);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_AC_SCH_ACTIVE);
	/* The program goes on to its end. */
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_FINAL);
	CHECK_EQ(irb.scsw.cpa, FX_PROG_ADDR + 8 * CHAIN_LEN);
	tc_fini(&t);
}

TEST(test_css_ssch_orb_u_suppresses_suspension_interruption)
{
	struct tc t;
	struct fx_irb irb;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	fx_ccw1(&t.f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI | VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, FX_PROG_ADDR + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI | VCCW_CCW_FLAG_S, 0,
		0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, VCCW_ORB_S | VCCW_ORB_U), VCCW_CC0);
	fx_run(&t.f);
	/* PoP: ORB U = 1: suspension makes no intermediate status and no interruption. */
	ctrl = scsw_ctrl(&t);
	CHECK_EQ(ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(ctrl & SC_ALL, 0);
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	/* Not status pending: RSCH is accepted at once. */
	fx_ccw1(&t.f, FX_PROG_ADDR + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 0, 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_FINAL);
	tc_fini(&t);
}

/* ---- TSCH ---- */

TEST(test_css_tsch_operand_exception_before_specification)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	/* Reference 1.3: TSCH checks the SID before the operand's alignment. */
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, 0x0000ffff, FX_IRB_ADDR + 1), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, t.sid | 0x00100000, FX_IRB_ADDR + 2),
		 VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, t.sid, FX_IRB_ADDR + 2), VCCW_PGM_SPECIFICATION);
	/* Specification also before cc3. */
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, fx_sid(0, 9), FX_IRB_ADDR + 2),
		 VCCW_PGM_SPECIFICATION);
	tc_fini(&t);
}

TEST(test_css_tsch_access_exception_keeps_status)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	/* PoP: an access exception suppresses TSCH: the status stays pending. */
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, t.sid, FX_RAM_SIZE - 32), VCCW_PGM_ADDRESSING);
	t.f.cpu.low_addr_prot = true;
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, t.sid, 0x100), VCCW_PGM_PROTECTION);
	t.f.cpu.low_addr_prot = false;
	CHECK_EQ(scsw_ctrl(&t) & SC_ALL, SC_FINAL);
	CHECK(vccw_css_io_irq_pending(t.f.css, 0xff));
	/* Reference 6.1: the 64-byte store is checked for cc3 too. */
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, fx_sid(0, 9), FX_RAM_SIZE - 32),
		 VCCW_PGM_ADDRESSING);
	tc_fini(&t);
}

TEST(test_css_tsch_no_subchannel_cc3_nothing_stored)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	vccw_mem_fill(t.f.mem, FX_IRB_ADDR, FILL, 64);
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, fx_sid(0, 1), FX_IRB_ADDR), VCCW_CC3);
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, fx_sid(2, 0), FX_IRB_ADDR), VCCW_CC3);
	CHECK(holds(&t.f, FX_IRB_ADDR, FILL, 64));
	tc_fini(&t);
}

TEST(test_css_tsch_disabled_subchannel_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	vccw_mem_fill(t.f.mem, FX_IRB_ADDR, FILL, 64);
	/* PoP TSCH: a subchannel that is not enabled is not operational: cc3, no store. */
	CHECK_EQ(vccw_css_tsch(t.f.css, &t.f.cpu, t.sid, FX_IRB_ADDR), VCCW_CC3);
	CHECK(holds(&t.f, FX_IRB_ADDR, FILL, 64));
	tc_fini(&t);
}

TEST(test_css_tsch_not_status_pending_cc1)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	/* Reference 3.4: TSCH when not status pending stores the IRB and sets cc1. */
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK_EQ(irb.scsw.ctrl, 0);
	CHECK_EQ(irb.scsw.cpa, 0);
	CHECK_EQ(irb.esw[1], 0);
	/* With a function in progress the IRB shows it, and nothing is cleared. */
	prog_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK_EQ(irb.scsw.ctrl & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK),
		 VCCW_SCSW_FC_START | VCCW_SCSW_AC_START_PEND);
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK),
		 VCCW_SCSW_FC_START | VCCW_SCSW_AC_START_PEND);
	tc_fini(&t);
}

TEST(test_css_tsch_status_pending_irb_contents)
{
	struct tc t;
	struct fx_irb irb;
	unsigned int i;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* Reference 3.3: a normal end: FC start, primary + secondary, CE + DE, CPA + 8. */
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_FINAL);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_F);
	CHECK_EQ(irb.scsw.ctrl & (VCCW_SCSW_CC_MASK | VCCW_SCSW_N | VCCW_SCSW_L), 0);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_CE | VCCW_DSTAT_DE);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.cpa, FX_PROG_ADDR + 8);
	/* Reference 6.2: ESW format 1: LPUM 0x80 in byte 1 of word 0, ERW 0, rest 0. */
	CHECK_EQ(irb.esw[0], 0x00800000);
	CHECK_EQ(irb.esw[1], 0);
	for (i = 2; i < 5; i++)
		CHECK_EQ(irb.esw[i], 0);
	tc_fini(&t);
}

TEST(test_css_tsch_concurrent_sense_erw_and_ecw)
{
	struct tc t;
	uint8_t b[SCHIB_LEN];
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	schib_raw(&t, b);
	vccw_st_be32(b + 24, VCCW_PMCW_CSENSE);
	CHECK_EQ(msch_raw(&t, b), VCCW_CC0);
	fx_ccw1(&t.f, FX_PROG_ADDR, FX_CMD_FAIL, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* Reference 6.3/6.5: unit check with CSENSE: SCSW E, ERW S, SCNT in bits 10-15. */
	CHECK(irb.scsw.dstat & VCCW_DSTAT_UC);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_ALERT);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_E);
	CHECK(irb.esw[1] & 0x01000000u);
	CHECK_EQ((irb.esw[1] >> 16) & 0x3f, 32);
	CHECK_EQ(irb.esw[1] & 0x0000ffffu, 0);
	CHECK_EQ(irb.ecw[0], VCCW_SENSE_EQUIPMENT_CHECK);
	/* The sense was consumed with the status: E is clear afterwards. */
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_E | SC_ALL | VCCW_SCSW_FC_MASK), 0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK_EQ(irb.esw[1], 0);
	tc_fini(&t);
}

TEST(test_css_tsch_final_status_clears_function_and_status)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* Reference 3.4: SC other than intermediate alone: FC, AC pending bits, SC cleared. */
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK | SC_ALL), 0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	/* The subchannel can start again. */
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	tc_fini(&t);
}

TEST(test_css_tsch_intermediate_alone_keeps_function)
{
	struct tc t;
	struct fx_irb irb;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	start_active(&t, VCCW_ORB_I);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_INTERMEDIATE);
	/* Reference 3.4: intermediate alone: FC kept, SC cleared; Z belongs to that status. */
	ctrl = scsw_ctrl(&t);
	CHECK_EQ(ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK(ctrl & VCCW_SCSW_AC_SCH_ACTIVE);
	CHECK_EQ(ctrl & SC_ALL, 0);
	CHECK_EQ(ctrl & VCCW_SCSW_Z, 0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_FINAL);
	tc_fini(&t);
}

TEST(test_css_tsch_suspended_intermediate_keeps_suspension)
{
	struct tc t;
	struct fx_irb irb;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	start_suspended(&t);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* Reference 3.3: suspension: intermediate status with AC suspended, CPA = CCW + 8. */
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_INTERMEDIATE);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_AC_SUSPENDED);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_S);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(irb.scsw.cpa, FX_PROG_ADDR + 16);
	/* Reference 3.4: intermediate alone, suspended, start: FC and suspended kept. */
	ctrl = scsw_ctrl(&t);
	CHECK_EQ(ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(ctrl & SC_ALL, 0);
	tc_fini(&t);
}

TEST(test_css_tsch_withdraws_queued_interruption)
{
	struct tc t;
	struct fx_irb irb;
	struct vccw_io_irq irq;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	CHECK(vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* Reference 3.4 / 8.3: TSCH removes the subchannel's interruption request. */
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK(!vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	tc_fini(&t);
}

/* ---- HSCH ---- */

TEST(test_css_hsch_operand_and_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, 0x0000ffff), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, 0xfe000000u | t.sid), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, fx_sid(0, 1)), VCCW_CC3);
	/* Reference 7: not enabled is not operational. */
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC3);
	tc_fini(&t);
}

TEST(test_css_hsch_status_pending_cc1)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	/* PoP HSCH: cc1 when status pending with primary, secondary or alert status. */
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC1);
	CHECK_EQ(scsw_ctrl(&t) & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	tc_fini(&t);
	/* And with status pending alone (a completed clear). */
	REQUIRE(tc_init(&t, true));
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	REQUIRE((scsw_ctrl(&t) & SC_ALL) == VCCW_SCSW_SC_PENDING);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC1);
	tc_fini(&t);
}

TEST(test_css_hsch_halt_or_clear_in_progress_cc2)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	prog_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	/* PoP HSCH: cc2 when a halt or clear function is already in progress. */
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	tc_fini(&t);
}

TEST(test_css_hsch_active_program_halted)
{
	struct tc t;
	struct fx_irb irb;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	start_active(&t, 0);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	/* Reference 3.3: HSCH cc0 adds FC halt and AC halt pending. */
	ctrl = scsw_ctrl(&t);
	CHECK(ctrl & VCCW_SCSW_FC_HALT);
	CHECK(ctrl & VCCW_SCSW_AC_HALT_PEND);
	fx_run(&t.f);
	CHECK_EQ(t.st.nr_cancel, 1);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PRIMARY);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PENDING);
	/* The program did not run to its end. */
	CHECK(irb.scsw.cpa < FX_PROG_ADDR + 8 * CHAIN_LEN);
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | SC_ALL), 0);
	tc_fini(&t);
}

TEST(test_css_hsch_withdraws_intermediate_status)
{
	struct tc t;
	struct fx_irb irb;
	struct vccw_io_irq irq;

	REQUIRE(tc_init(&t, true));
	start_active(&t, VCCW_ORB_I);
	REQUIRE(vccw_css_io_irq_pending(t.f.css, 0xff));
	/* Reference 3.3: intermediate status alone does not give cc1; halt replaces it. */
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK(!vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	fx_run(&t.f);
	REQUIRE(vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK(!vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_INTERMEDIATE, 0);
	tc_fini(&t);
}

TEST(test_css_hsch_idle_subchannel_status_pending)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	/* PoP: halt on an idle subchannel ends with status pending and an interruption. */
	CHECK(vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_HALT);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PENDING);
	CHECK_EQ(scsw_ctrl(&t) & VCCW_SCSW_FC_MASK, 0);
	tc_fini(&t);
}

TEST(test_css_hsch_suspended_program_ends)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	start_suspended(&t);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(t.st.nr_cancel, 1);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PRIMARY);
	/* Idle afterwards: RSCH has nothing to resume. */
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK), 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	tc_fini(&t);
}

/* ---- CSCH ---- */

TEST(test_css_csch_operand_and_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, 0x0000ffff), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid | 0x00400000), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, fx_sid(0, 1)), VCCW_CC3);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC3);
	tc_fini(&t);
}

TEST(test_css_csch_withdraws_pending_status)
{
	struct tc t;
	struct fx_irb irb;
	struct vccw_io_irq irq;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	REQUIRE(vccw_css_io_irq_pending(t.f.css, 0xff));
	/* PoP CSCH: no cc1: pending status and the interruption request are withdrawn. */
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK(!vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	ctrl = scsw_ctrl(&t);
	CHECK_EQ(ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_CLEAR);
	CHECK_EQ(ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_CLEAR_PEND);
	CHECK_EQ(ctrl & SC_ALL, 0);
	fx_run(&t.f);
	/* Reference 3.3: clear completes with status pending alone, dstat = cstat = 0. */
	REQUIRE(vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK_EQ(irq.intparm, 0x12345678);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_CLEAR);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.dstat, 0);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.esw[0], 0x00800000);
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | SC_ALL), 0);
	tc_fini(&t);
}

TEST(test_css_csch_active_program_cancelled)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	start_active(&t, 0);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	/* Reference 7: CSCH never gives cc1 or cc2; a second one is accepted too. */
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(t.st.nr_cancel, 1);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK | SC_ALL),
		 VCCW_SCSW_FC_CLEAR | VCCW_SCSW_SC_PENDING);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	tc_fini(&t);
}

/* ---- RSCH ---- */

TEST(test_css_rsch_operand_and_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, 0x0000ffff), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, fx_sid(0, 1)), VCCW_CC3);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC3);
	tc_fini(&t);
}

TEST(test_css_rsch_not_suspended_cc2)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	/* PoP RSCH: cc2 unless a start function alone is suspended. */
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2); /* idle */
	prog_nop(&t);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, VCCW_ORB_S), VCCW_CC0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2); /* start pending */
	tc_fini(&t);
	REQUIRE(tc_init(&t, true));
	start_active(&t, VCCW_ORB_S);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2); /* active */
	tc_fini(&t);
}

TEST(test_css_rsch_status_pending_cc1)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	start_suspended(&t);
	/* PoP RSCH: cc1 when status pending (here the suspension's intermediate status). */
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC1);
	tc_fini(&t);
}

TEST(test_css_rsch_resumes_suspended_program)
{
	struct tc t;
	struct fx_irb irb;
	uint32_t ctrl;

	REQUIRE(tc_init(&t, true));
	start_suspended(&t);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* The program removes the S flag; RSCH refetches the suspending CCW. */
	fx_ccw1(&t.f, FX_PROG_ADDR + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 0, 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	ctrl = scsw_ctrl(&t);
	CHECK(ctrl & VCCW_SCSW_AC_RESUME_PEND);
	CHECK_EQ(ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	/* PoP RSCH: cc2 when resume pending is already set. */
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & SC_ALL, SC_FINAL);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_CE | VCCW_DSTAT_DE);
	CHECK_EQ(irb.scsw.cpa, FX_PROG_ADDR + 16);
	tc_fini(&t);
}

/* ---- XSCH ---- */

TEST(test_css_xsch_operand_and_cc3)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, 0x0000ffff), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, fx_sid(0, 1)), VCCW_CC3);
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC3);
	tc_fini(&t);
}

TEST(test_css_xsch_start_pending_cancelled_without_interruption)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	fx_ccw1(&t.f, FX_PROG_ADDR, FX_CMD_WRITE, 0, 8, FX_DATA_ADDR);
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	/* Reference 3.3: XSCH cc0: FC and AC cleared, no interruption. */
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK | SC_ALL), 0);
	fx_run(&t.f);
	CHECK_EQ(t.st.nr_cmds, 0);
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	/* The subchannel is idle and can start again. */
	CHECK_EQ(fx_ssch(&t.f, t.sid, FX_PROG_ADDR, 0), VCCW_CC0);
	tc_fini(&t);
}

TEST(test_css_xsch_condition_codes)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	/* PoP XSCH: cc2 with no start function. */
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	complete_nop(&t);
	/* cc1 when status pending. */
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC1);
	tc_fini(&t);

	REQUIRE(tc_init(&t, true));
	start_active(&t, 0);
	/* cc2 when the subchannel is active. */
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC2);
	tc_fini(&t);

	REQUIRE(tc_init(&t, true));
	start_suspended(&t);
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC1);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	/* cc0 for a suspended start function: cancelled, idle, nothing pending. */
	CHECK_EQ(vccw_css_xsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(scsw_ctrl(&t) & (VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK | SC_ALL), 0);
	fx_run(&t.f);
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	tc_fini(&t);
}

/* ---- TPI ---- */

TEST(test_css_tpi_unaligned_specification)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3002), VCCW_PGM_SPECIFICATION);
	CHECK(vccw_css_io_irq_pending(t.f.css, 0xff));
	tc_fini(&t);
}

TEST(test_css_tpi_nothing_pending_cc0)
{
	struct tc t;

	REQUIRE(tc_init(&t, true));
	vccw_mem_fill(t.f.mem, 0x3000, FILL, 16);
	/* Reference 7: cc0, nothing stored. */
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3000), VCCW_CC0);
	CHECK(holds(&t.f, 0x3000, FILL, 16));
	tc_fini(&t);
}

TEST(test_css_tpi_two_word_store_at_address)
{
	struct tc t;
	struct fx_irb irb;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	vccw_mem_fill(t.f.mem, 0x3000, FILL, 16);
	/* Reference 7: SID word + intparm at a non-zero operand, cc1. */
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3000), VCCW_CC1);
	CHECK_EQ(ld32(&t.f, 0x3000), t.sid);
	CHECK_EQ(ld32(&t.f, 0x3004), 0x12345678);
	CHECK(holds(&t.f, 0x3008, FILL, 8));
	/* The request is gone, the status is not (reference 8.5). */
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3000), VCCW_CC0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	tc_fini(&t);
}

TEST(test_css_tpi_zero_address_three_words_in_prefixed_lowcore)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(fx_enable(&t.f, t.sid, 6), VCCW_CC0);
	complete_nop(&t);
	t.f.cpu.prefix = 0x40000;
	/* No protection applies to the lowcore store (reference 7). */
	t.f.cpu.low_addr_prot = true;
	vccw_mem_fill(t.f.mem, 0xb8, FILL, 12);
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0), VCCW_CC1);
	CHECK_EQ(ld32(&t.f, 0x400b8), t.sid);
	CHECK_EQ(ld32(&t.f, 0x400bc), 0x12345678);
	CHECK_EQ(ld32(&t.f, 0x400c0), 6u << 27);
	CHECK(holds(&t.f, 0xb8, FILL, 12));
	tc_fini(&t);
}

TEST(test_css_tpi_protection_requeues_interruption)
{
	struct tc t;
	struct vccw_io_irq irq;

	REQUIRE(tc_init(&t, true));
	complete_nop(&t);
	t.f.cpu.low_addr_prot = true;
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x100), VCCW_PGM_PROTECTION);
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, FX_RAM_SIZE - 4), VCCW_PGM_ADDRESSING);
	/* Reference 7: a faulting store leaves the interruption pending. */
	REQUIRE(vccw_css_take_io_irq(t.f.css, 0xff, &irq));
	CHECK_EQ(irq.sid, t.sid);
	CHECK_EQ(irq.intparm, 0x12345678);
	tc_fini(&t);
}

TEST(test_css_tpi_honours_cpu_isc_mask)
{
	struct tc t;

	REQUIRE(tc_init(&t, false));
	CHECK_EQ(fx_enable(&t.f, t.sid, 5), VCCW_CC0);
	complete_nop(&t);
	/* Reference 8.5: only ISCs enabled in CR6 count. */
	t.f.cpu.isc_mask = (uint8_t) ~(0x80u >> 5);
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3000), VCCW_CC0);
	t.f.cpu.isc_mask = 0x80u >> 5;
	CHECK_EQ(vccw_css_tpi(t.f.css, &t.f.cpu, 0x3000), VCCW_CC1);
	CHECK_EQ(ld32(&t.f, 0x3000), t.sid);
	tc_fini(&t);
}
