// SPDX-License-Identifier: MIT
/*
 * Conformance tests of the I/O instructions' condition codes and program exceptions
 * that css.c does not cover: access exceptions for operands beyond storage, operand
 * exceptions for a bad subsystem-identification word on every subchannel instruction,
 * operand alignment, cc1 for status pending, cc2 for busy and not-applicable functions,
 * TPI's two-word store, and the operand checks of SAL and SCHM. Each check names the
 * PoP instruction and condition (facts in shared/reference/channel-io.md 1.3 and 7).
 */
#include "report.h"
#include "util.h"

#define PGM(code) (-(code))

/* Opcodes for guest_arch_io_raw(). */
#define OP_MSCH 0xb232
#define OP_SSCH 0xb233
#define OP_STSCH 0xb234
#define OP_TSCH 0xb235
#define OP_TPI 0xb236
#define OP_STCRW 0xb239

static void test_addressing_beyond_ram(void)
{
	uint64_t far = beyond_ram();
	int rc;

	if (!clean_sch(SID_BLK)) {
		report(false, "setup", "cannot enable 0.0.0000");
		return;
	}
	rc = guest_arch_io_raw(OP_STSCH, SID_BLK, far);
	report(rc == PGM(GUEST_PGM_ADDRESSING),
	       "PoP STSCH: a SCHIB operand beyond storage is an addressing exception", "rc %d",
	       rc);
	rc = guest_arch_io_raw(OP_MSCH, SID_BLK, far);
	report(rc == PGM(GUEST_PGM_ADDRESSING),
	       "PoP MSCH: a SCHIB operand beyond storage is an addressing exception", "rc %d",
	       rc);
	rc = guest_arch_io_raw(OP_SSCH, SID_BLK, far);
	report(rc == PGM(GUEST_PGM_ADDRESSING),
	       "PoP SSCH: an ORB beyond storage is an addressing exception", "rc %d", rc);
	rc = guest_arch_io_raw(OP_TSCH, SID_BLK, far);
	report(rc == PGM(GUEST_PGM_ADDRESSING),
	       "PoP TSCH: an IRB operand beyond storage is an addressing exception", "rc %d",
	       rc);
	/* The failed SSCH started nothing. */
	rc = stsch_buf(SID_BLK);
	report(rc == 0 && (vccw_ld_be32(g_schib + SCHIB_SCSW) & 0x7000) == 0,
	       "PoP SSCH: the instruction is suppressed (no function started)", "cc %d ctrl 0x%x",
	       rc, vccw_ld_be32(g_schib + SCHIB_SCSW));
}

static void test_sid_operand_all(void)
{
	static const struct {
		uint16_t op;
		const char *rule;
	} insns[] = {
		{ 0xb230, "PoP CSCH: SID bit 15 zero is an operand exception" },
		{ 0xb231, "PoP HSCH: SID bit 15 zero is an operand exception" },
		{ OP_MSCH, "PoP MSCH: SID bit 15 zero is an operand exception" },
		{ OP_SSCH, "PoP SSCH: SID bit 15 zero is an operand exception" },
		{ OP_TSCH, "PoP TSCH: SID bit 15 zero is an operand exception" },
		{ 0xb238, "PoP RSCH: SID bit 15 zero is an operand exception" },
		{ 0xb276, "PoP XSCH: SID bit 15 zero is an operand exception" },
	};
	unsigned int i;
	uint64_t op;

	/* Valid operands, so only the SID is wrong: a SCHIB, an ORB, an IRB area. */
	stsch_buf(SID_BLK);
	ccw1(0, 0x03, CCW_SLI, 0, NULL);
	vccw_st_be32(g_orb, 0);
	vccw_st_be32(g_orb + 4, 0x00828000u);
	vccw_st_be32(g_orb + 8, ccw_addr(0));
	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		int rc;

		op = insns[i].op == OP_SSCH ? guest_arch_addr(g_orb)
		     : insns[i].op == OP_TSCH ? guest_arch_addr(g_irb)
					      : guest_arch_addr(g_schib);
		rc = guest_arch_io_raw(insns[i].op, 0x00000000, op);
		report(rc == PGM(GUEST_PGM_OPERAND), insns[i].rule, "rc %d", rc);
	}
}

static void test_operand_alignment(void)
{
	uint64_t odd;
	int rc;

	clean_sch(SID_BLK);
	stsch_buf(SID_BLK);
	odd = guest_arch_addr(g_schib) + 2;
	rc = guest_arch_io_raw(OP_MSCH, SID_BLK, odd);
	report(rc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP MSCH: a SCHIB not on a word boundary is a specification exception", "rc %d",
	       rc);
	rc = guest_arch_io_raw(OP_SSCH, SID_BLK, guest_arch_addr(g_orb) + 2);
	report(rc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP SSCH: an ORB not on a word boundary is a specification exception", "rc %d",
	       rc);
	rc = guest_arch_io_raw(OP_TSCH, SID_BLK, guest_arch_addr(g_irb) + 2);
	report(rc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP TSCH: an IRB not on a word boundary is a specification exception", "rc %d",
	       rc);
	guest_arch_irq_disable();
	rc = guest_arch_io_raw(OP_TPI, 0, guest_arch_addr(g_data) + 3002);
	guest_arch_irq_enable();
	report(rc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP TPI: an operand not on a word boundary is a specification exception",
	       "rc %d", rc);
}

static void test_stcrw_specification(void)
{
	uint32_t *crw = (uint32_t *)(g_data + 3104);
	int rc;

	drain_crws();
	/* A pending CRW must survive the exception (STCRW is suppressed). */
	guest_arch_rchp(0x00);
	rc = guest_arch_io_raw(OP_STCRW, 0, guest_arch_addr(g_data) + 3102);
	report(rc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP STCRW: an operand not on a word boundary is a specification exception",
	       "rc %d", rc);
	*crw = 0;
	rc = guest_arch_stcrw(crw);
	report(rc == 0 && (*crw & 0x0f000000u) == 0x04000000u,
	       "PoP STCRW: the suppressed instruction leaves the CRW pending", "cc %d crw 0x%x",
	       rc, *crw);
	drain_crws();
}

static void test_tsch_operand_cssid(void)
{
	int rc;

	/* PoP TSCH: the SID is checked first (reference 1.3); CSS ID without M. */
	rc = guest_arch_tsch(0x01010000, g_irb);
	report(rc == PGM(GUEST_PGM_OPERAND),
	       "PoP TSCH: CSS ID not zero without M is an operand exception", "rc %d", rc);
}

static void test_msch_status_pending_cc1(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	if (!make_status_pending(SID_BLK)) {
		report(false, "setup: NOP completes", "no interruption");
		return;
	}
	stsch_buf(SID_BLK);
	vccw_st_be32(g_schib, 0x11223344); /* would change the intparm */
	cc = guest_arch_msch(SID_BLK, g_schib);
	report(cc == 1, "PoP MSCH: cc1 when the subchannel is status pending", "cc %d", cc);
	stsch_buf(SID_BLK);
	report(vccw_ld_be32(g_schib) != 0x11223344,
	       "PoP MSCH: cc1 leaves the subchannel unchanged", "intparm 0x%x",
	       vccw_ld_be32(g_schib));
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0, "the status is still pending for TSCH", "cc %d", cc);
}

static void test_ssch_status_pending_cc1(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	if (!make_status_pending(SID_BLK)) {
		report(false, "setup: NOP completes", "no interruption");
		return;
	}
	ccw1(0, 0x03, CCW_SLI, 0, NULL);
	cc = ssch_prog(SID_BLK, 0x77, 0);
	report(cc == 1, "PoP SSCH: cc1 when the subchannel is status pending", "cc %d", cc);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE),
	       "PoP SSCH: cc1 keeps the pending status of the earlier program", "cc %d dstat 0x%x",
	       cc, v.dstat);
}

static void test_hsch_status_pending_cc1(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	if (!make_status_pending(SID_BLK)) {
		report(false, "setup: NOP completes", "no interruption");
		return;
	}
	cc = guest_arch_hsch(SID_BLK);
	report(cc == 1, "PoP HSCH: cc1 when status pending with primary/secondary status",
	       "cc %d", cc);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && !(v.ctrl & 0x2000), "PoP HSCH: cc1 starts no halt function",
	       "cc %d ctrl 0x%x", cc, v.ctrl);
}

static void test_rsch_status_pending_cc1(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	if (!make_status_pending(SID_BLK)) {
		report(false, "setup: NOP completes", "no interruption");
		return;
	}
	cc = guest_arch_rsch(SID_BLK);
	report(cc == 1, "PoP RSCH: cc1 when the subchannel is status pending", "cc %d", cc);
	tsch_view(SID_BLK, &v);
}

static void test_hsch_twice(void)
{
	struct irb_view v;
	unsigned int before;
	int cc1, cc2;

	clean_sch(SID_BLK);
	before = g_irqs;
	guest_arch_irq_disable();
	cc1 = guest_arch_hsch(SID_BLK);
	cc2 = guest_arch_hsch(SID_BLK);
	guest_arch_irq_enable();
	report(cc1 == 0, "PoP HSCH: cc0 initiates the halt function", "cc %d", cc1);
	report(cc2 == 1 || cc2 == 2,
	       "PoP HSCH: while the first halt is in progress (cc2) or its status is pending "
	       "(cc1) a second HSCH is not accepted",
	       "cc %d", cc2);
	wait_irq(SID_BLK, before);
	cc1 = tsch_view(SID_BLK, &v);
	report(cc1 == 0 && (v.ctrl & 0x2000), "one halt function ends status pending",
	       "cc %d ctrl 0x%x", cc1, v.ctrl);
}

/* Start a program that suspends at its second CCW; returns with status consumed. */
static bool start_suspended(uint32_t sid)
{
	struct irb_view v;
	unsigned int before = g_irqs;

	ccw1(0, 0x03, CCW_CC | CCW_SLI, 0, NULL);
	ccw1(1, 0x03, CCW_SLI | CCW_S, 0, NULL);
	if (ssch_prog(sid, 0x5050, ORB_S) != 0)
		return false;
	wait_irq(sid, before);
	tsch_view(sid, &v);
	return stsch_buf(sid) == 0 && (vccw_ld_be32(g_schib + SCHIB_SCSW) & 0x20);
}

static void test_ssch_busy_cc2(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	if (!start_suspended(SID_BLK)) {
		report(false, "setup: the program suspends (SCSW suspended)", "ctrl 0x%x",
		       vccw_ld_be32(g_schib + SCHIB_SCSW));
		clean_sch(SID_BLK);
		return;
	}
	ccw1(4, 0x03, CCW_SLI, 0, NULL);
	vccw_st_be32(g_orb, 1);
	vccw_st_be32(g_orb + 4, 0x00828000u);
	vccw_st_be32(g_orb + 8, ccw_addr(4));
	cc = guest_arch_ssch(SID_BLK, g_orb);
	report(cc == 2, "PoP SSCH: cc2 (busy) while a start function is suspended", "cc %d", cc);
	cc = guest_arch_msch(SID_BLK, g_schib);
	report(cc == 2, "PoP MSCH: cc2 (busy) while a start function is in progress", "cc %d",
	       cc);
	cc = guest_arch_xsch(SID_BLK);
	report(cc == 0, "PoP XSCH: cc0 cancels a suspended start function", "cc %d", cc);
	cc = stsch_buf(SID_BLK);
	report(cc == 0 && (vccw_ld_be32(g_schib + SCHIB_SCSW) & 0x7fff) == 0,
	       "PoP XSCH: the subchannel is idle afterwards (FC, AC, SC zero)", "ctrl 0x%x",
	       vccw_ld_be32(g_schib + SCHIB_SCSW));
	guest_delay_us(20000);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 1, "PoP XSCH: no interruption condition is generated (TSCH cc1)", "cc %d",
	       cc);
}

static void test_tpi_two_word(void)
{
	uint32_t *code = (uint32_t *)(g_data + 3200);
	struct irb_view v;
	uint64_t end;
	int cc = 0;

	clean_sch(SID_BLK);
	code[0] = code[1] = code[2] = 0xdeadbeef;
	guest_arch_irq_disable();
	ccw1(0, 0x03, CCW_SLI, 0, NULL);
	if (ssch_prog(SID_BLK, 0x71a71a00, 0) != 0) {
		guest_arch_irq_enable();
		report(false, "setup: SSCH", "not started");
		return;
	}
	end = guest_arch_now_us() + 2000000;
	while (guest_arch_now_us() < end && (cc = guest_arch_tpi(code)) == 0)
		;
	guest_arch_irq_enable();
	report(cc == 1, "PoP TPI: cc1 when an interruption is pending for an enabled ISC",
	       "cc %d", cc);
	report(vccw_ld_be32(code) == SID_BLK && vccw_ld_be32(code + 1) == 0x71a71a00,
	       "PoP TPI: the two-word code (SID, interruption parameter) is stored",
	       "0x%x 0x%x", vccw_ld_be32(code), vccw_ld_be32(code + 1));
	report(code[2] == 0xdeadbeef,
	       "PoP TPI: with a non-zero operand only two words are stored", "word 2 0x%x",
	       code[2]);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE),
	       "PoP TPI: the status stays pending for TSCH (reference 8.5)", "cc %d", cc);
}

static void test_sal_operand(void)
{
	int rc = guest_arch_sal(0x80000000u);

	report(rc == PGM(GUEST_PGM_OPERAND), "PoP SAL: GPR1 bit 32 one is an operand exception",
	       "rc %d", rc);
	rc = guest_arch_sal(0x00000001u);
	report(rc == PGM(GUEST_PGM_OPERAND),
	       "PoP SAL: GPR1 bits 48-63 not zero is an operand exception", "rc %d", rc);
	rc = guest_arch_sal(0x00010000u);
	report(rc >= 0, "PoP SAL: a valid address limit is accepted", "rc %d", rc);
	guest_arch_sal(0);
}

static void test_schm_operand(void)
{
	int rc = guest_arch_schm(0x00000100u, 0);

	report(rc == PGM(GUEST_PGM_OPERAND),
	       "PoP SCHM: GPR1 bits 36-61 not zero is an operand exception", "rc %d", rc);
	rc = guest_arch_schm(0x00000002u, guest_arch_addr(g_data) + 8);
	report(rc == PGM(GUEST_PGM_OPERAND),
	       "PoP SCHM: with M=1 a measurement-block origin not on 32 bytes is an operand "
	       "exception",
	       "rc %d", rc);
	rc = guest_arch_schm(0, 0);
	report(rc >= 0, "PoP SCHM: M=0 (stop updating) is accepted", "rc %d", rc);
}

const struct conf_test conf_insn_tests[] = {
	{ "css_io_addressing_beyond_ram", test_addressing_beyond_ram },
	{ "css_sid_operand_every_insn", test_sid_operand_all },
	{ "css_operand_alignment_specification", test_operand_alignment },
	{ "css_stcrw_specification", test_stcrw_specification },
	{ "css_tsch_operand_cssid", test_tsch_operand_cssid },
	{ "css_msch_status_pending_cc1", test_msch_status_pending_cc1 },
	{ "css_ssch_status_pending_cc1", test_ssch_status_pending_cc1 },
	{ "css_hsch_status_pending_cc1", test_hsch_status_pending_cc1 },
	{ "css_rsch_status_pending_cc1", test_rsch_status_pending_cc1 },
	{ "css_hsch_twice_not_accepted", test_hsch_twice },
	{ "css_ssch_suspended_busy_cc2_xsch_cc0", test_ssch_busy_cc2 },
	{ "css_tpi_two_word_code", test_tpi_two_word },
	{ "css_sal_operand", test_sal_operand },
	{ "css_schm_operand", test_schm_operand },
};
const unsigned int conf_insn_nr = sizeof(conf_insn_tests) / sizeof(conf_insn_tests[0]);
