// SPDX-License-Identifier: MIT
/*
 * Conformance tests of the channel subsystem as a guest observes it: SCHIB contents,
 * the I/O instructions' condition codes and program exceptions, SENSE ID, channel
 * programs, interruption codes, channel reports and CHSC. Each check names the rule
 * (PoP chapter and instruction, or shared/reference/channel-io.md section).
 */
#include "report.h"
#include "util.h"

#define CC(x) (x)
#define PGM(code) (-(code))

static void test_stsch_schib(void)
{
	int cc = stsch_buf(SID_BLK);
	uint32_t w6;

	report(cc == 0, "PoP STSCH: cc0 stores the SCHIB of a valid subchannel", "cc %d", cc);
	report(schib_flags() & 0x0001, "PMCW V: a device number is valid", "flags 0x%x",
	       schib_flags());
	report(vccw_ld_be16(g_schib + SCHIB_DEVNO) == DEVNO_BLK, "PMCW device number",
	       "devno 0x%x", vccw_ld_be16(g_schib + SCHIB_DEVNO));
	report(g_schib[SCHIB_PIM] == 0x80 && g_schib[SCHIB_PAM] == 0x80 &&
		       g_schib[SCHIB_POM] == 0xff,
	       "virtual path: PIM 0x80, PAM 0x80, POM 0xff (reference 12)", "%x %x %x",
	       g_schib[SCHIB_PIM], g_schib[SCHIB_PAM], g_schib[SCHIB_POM]);
	report(g_schib[SCHIB_CHPID] == 0x00, "CHPID 0 is the virtual channel path", "0x%x",
	       g_schib[SCHIB_CHPID]);
	w6 = vccw_ld_be32(g_schib + SCHIB_W6);
	report(((w6 >> 21) & 7) == 0, "PMCW ST: I/O subchannel", "word 6 0x%x", w6);
}

static void test_stsch_operand_sid(void)
{
	int cc = stsch_buf(0x00000000);

	report(cc == PGM(GUEST_PGM_OPERAND), "PoP STSCH: SID bit 15 zero is an operand exception",
	       "rc %d", cc);
	cc = stsch_buf(0x01010000);
	report(cc == PGM(GUEST_PGM_OPERAND),
	       "PoP STSCH: CSS ID not zero without M is an operand exception", "rc %d", cc);
}

static void test_stsch_spec(void)
{
	int cc = guest_arch_io_raw(0xb234, SID_BLK, guest_arch_addr(g_schib) + 2);

	report(cc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP STSCH: operand not on a word boundary is a specification exception",
	       "rc %d", cc);
}

static void test_stsch_cc3(void)
{
	int cc = stsch_buf(0x00010002);

	report(cc == CC(3), "PoP STSCH: cc3 beyond the last subchannel of the set", "cc %d", cc);
	cc = stsch_buf(0x0001ffff);
	report(cc == CC(3), "PoP STSCH: cc3 for subchannel 0xffff", "cc %d", cc);
}

static void test_stsch_set1_without_mss(void)
{
	int cc = stsch_buf(0x00030000);

	report(cc == CC(3), "MSS: set 1 is not operational before the facility is enabled",
	       "cc %d", cc);
}

static void test_msch_invalid_bits(void)
{
	static const uint16_t bad[] = { 0x8000, 0x4000, 0x0200, 0x0100 };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		int cc;

		stsch_buf(SID_RNG);
		vccw_st_be16(g_schib + SCHIB_FLAGS, schib_flags() | bad[i]);
		cc = guest_arch_msch(SID_RNG, g_schib);
		report(cc == PGM(GUEST_PGM_OPERAND),
		       "PoP MSCH: PMCW word 1 bits 0, 1, 6, 7 must be zero (operand exception)",
		       "bit 0x%x rc %d", bad[i], cc);
	}
}

static void test_msch_lm_invalid(void)
{
	int cc;

	stsch_buf(SID_RNG);
	vccw_st_be16(g_schib + SCHIB_FLAGS, schib_flags() | 0x0060);
	cc = guest_arch_msch(SID_RNG, g_schib);
	report(cc == PGM(GUEST_PGM_OPERAND), "PoP MSCH: limit mode 11 is an operand exception",
	       "rc %d", cc);
	disable_sch(SID_RNG);
}

static void test_msch_enable(void)
{
	bool ok = enable_sch(SID_BLK);

	report(ok, "PoP MSCH: cc0 and STSCH shows E=1", "enable failed");
	report(((schib_flags() >> 11) & 7) == CONF_ISC, "PoP MSCH: the ISC is applied",
	       "flags 0x%x", schib_flags());
	report(vccw_ld_be32(g_schib) == SID_BLK, "PoP MSCH: the interruption parameter is applied",
	       "intparm 0x%x", vccw_ld_be32(g_schib));
}

static void test_tsch_idle_cc1(void)
{
	struct irb_view v;
	int cc = tsch_view(SID_BLK, &v);

	report(cc == CC(1), "PoP TSCH: cc1 when the subchannel is not status pending", "cc %d",
	       cc);
	report((v.ctrl & 0x7) == 0, "PoP TSCH: the stored SCSW shows no status", "ctrl 0x%x",
	       v.ctrl);
}

static void test_ssch_orb_invalid(void)
{
	int cc;

	ccw1(0, 0x03, 0x20, 0, NULL);
	cc = ssch_prog(SID_BLK, 1, 0x00000002);
	report(cc == PGM(GUEST_PGM_OPERAND), "PoP SSCH: ORB reserved bits 26-30 (operand)",
	       "rc %d", cc);
	vccw_st_be32(g_orb + 8, 0x80000000u | (uint32_t)guest_arch_addr(g_ccw));
	vccw_st_be32(g_orb + 4, 0x00808000u);
	cc = guest_arch_ssch(SID_BLK, g_orb);
	report(cc == PGM(GUEST_PGM_OPERAND), "PoP SSCH: CPA bit 0 must be zero (operand)",
	       "rc %d", cc);
}

static void test_ssch_disabled_cc3(void)
{
	int cc;

	disable_sch(SID_RNG);
	ccw1(0, 0x03, 0x20, 0, NULL);
	cc = ssch_prog(SID_RNG, 1, 0);
	report(cc == CC(3), "PoP SSCH: a disabled subchannel is not operational (cc3)", "cc %d",
	       cc);
}

static void test_sense_id(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	unsigned int before = g_irqs;
	int cc;

	guest_memset(d, 0, 64);
	ccw1(0, 0xe4, 0x20, 8, d);
	cc = ssch_prog(SID_BLK, 0xabcd0001, 0);
	report(cc == 0, "PoP SSCH: cc0 starts the function", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "an I/O interruption follows", "timeout");
	report(g_irq_intparm == 0xabcd0001, "interruption code: the ORB's intparm (PoP 16)",
	       "0x%x", g_irq_intparm);
	report(((g_irq_iiw >> 27) & 7) == CONF_ISC && !(g_irq_iiw & 0x80000000u),
	       "interruption code: the subchannel's ISC, no adapter bit", "iiw 0x%x", g_irq_iiw);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0, "PoP TSCH: cc0 when status pending", "cc %d", cc);
	report(v.dstat == 0x0c && v.cstat == 0, "channel end + device end, no channel status",
	       "dstat 0x%x cstat 0x%x", v.dstat, v.cstat);
	report((v.ctrl & 0x7fff) == 0x4007,
	       "SCSW: start function; primary, secondary, status pending (reference 3.3)",
	       "ctrl 0x%x", v.ctrl);
	report(v.cpa == (uint32_t)guest_arch_addr(g_ccw) + 8, "SCSW: CCW address = last CCW + 8",
	       "cpa 0x%x", v.cpa);
	report(d[0] == 0xff && vccw_ld_be16(d + 1) == 0x3832 && d[3] == 0x02,
	       "SENSE ID: 0xff, CU type 0x3832, model = virtio device ID 2", "%02x %02x%02x %02x",
	       d[0], d[1], d[2], d[3]);
	report(vccw_ld_be16(d + 4) == 0 && d[6] == 0, "SENSE ID: device type/model 0",
	       "%02x%02x %02x", d[4], d[5], d[6]);
	report((v.esw0 >> 16 & 0xff) == 0x80, "ESW format 1: LPUM 0x80 (reference 6.2)",
	       "esw0 0x%x", v.esw0);
	cc = tsch_view(SID_BLK, &v);
	report(cc == CC(1), "PoP TSCH: status is cleared by the first TSCH", "cc %d", cc);
}

static void test_nop(void)
{
	struct irb_view v;
	int cc = run_ccw(SID_BLK, 0x03, 0x20, 0, NULL, &v);

	report(cc == 0 && v.dstat == 0x0c && v.cstat == 0,
	       "NOP completes with channel end and device end (reference 10.3)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_command_reject(void)
{
	struct irb_view v;
	int cc = run_ccw(SID_BLK, 0xfb, 0x20, 0, NULL, &v);
	int sense;

	report(cc == 0 && (v.dstat & 0x02), "an unknown command ends with unit check",
	       "cc %d dstat 0x%x", cc, v.dstat);
	report(v.ctrl & 0x10, "unit check is alert status", "ctrl 0x%x", v.ctrl);
	sense = basic_sense(SID_BLK);
	report(sense >= 0 && (sense & 0x80), "BASIC SENSE: byte 0 command reject (reference 10.4)",
	       "sense %d", sense);
}

static void test_xsch_rsch_idle(void)
{
	int cc = guest_arch_xsch(SID_BLK);

	report(cc == CC(2), "PoP XSCH: cc2 without a start function", "cc %d", cc);
	cc = guest_arch_rsch(SID_BLK);
	report(cc == CC(2), "PoP RSCH: cc2 when not suspended", "cc %d", cc);
}

static void test_hsch_idle(void)
{
	struct irb_view v;
	unsigned int before = g_irqs;
	int cc = guest_arch_hsch(SID_BLK);

	report(cc == 0, "PoP HSCH: cc0 on an idle subchannel", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "halt ends with an interruption", "timeout");
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && (v.ctrl & 0x2000) && (v.ctrl & 0x1),
	       "SCSW: halt function, status pending", "cc %d ctrl 0x%x", cc, v.ctrl);
}

static void test_csch(void)
{
	struct irb_view v;
	unsigned int before = g_irqs;
	int cc = guest_arch_csch(SID_BLK);

	report(cc == 0, "PoP CSCH: cc0", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "clear ends with an interruption", "timeout");
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && (v.ctrl & 0x7000) == 0x1000 && (v.ctrl & 0x1f) == 0x01,
	       "SCSW: clear function, status pending alone (reference 3.3)", "cc %d ctrl 0x%x",
	       cc, v.ctrl);
}

static void test_suspend_resume(void)
{
	struct irb_view v;
	unsigned int before = g_irqs;
	int cc;

	/* NOP, then a NOP with the S flag: suspension before the second (PoP 15). */
	ccw1(0, 0x03, 0x40 | 0x20, 0, NULL);
	ccw1(1, 0x03, 0x20 | 0x02, 0, NULL);
	cc = ssch_prog(SID_BLK, 7, 0x08000000u);
	report(cc == 0, "SSCH with ORB S", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "suspension is an interruption (intermediate status)",
	       "timeout");
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && (v.ctrl & 0x20) && (v.ctrl & 0x08),
	       "SCSW: suspended, intermediate status", "cc %d ctrl 0x%x", cc, v.ctrl);
	/* Clear the S flag, resume: the program completes. */
	g_ccw[9] = 0x20;
	before = g_irqs;
	cc = guest_arch_rsch(SID_BLK);
	report(cc == 0, "PoP RSCH: cc0 on a suspended subchannel", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "the resumed program completes", "timeout");
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && v.dstat == 0x0c && (v.ctrl & 0x7) == 0x7,
	       "final status after resume", "cc %d ctrl 0x%x dstat 0x%x", cc, v.ctrl, v.dstat);
}

static void test_tpi_nothing(void)
{
	uint32_t *code = (uint32_t *)(g_data + 3000);
	int cc;

	guest_arch_irq_disable();
	cc = guest_arch_tpi(code);
	guest_arch_irq_enable();
	report(cc == 0, "PoP TPI: cc0 when no interruption is pending", "cc %d", cc);
}

static void test_stcrw_rchp(void)
{
	uint32_t *crw = (uint32_t *)(g_data + 3100);
	int cc;

	drain_crws();
	*crw = 0xdeadbeef;
	cc = guest_arch_stcrw(crw);
	report(cc == 1 && *crw == 0, "PoP STCRW: cc1 and zeros when no CRW is pending",
	       "cc %d crw 0x%x", cc, *crw);
	cc = guest_arch_rchp(0x00);
	report(cc == 0, "PoP RCHP: cc0 for the installed CHPID", "cc %d", cc);
	cc = guest_arch_stcrw(crw);
	report(cc == 0 && (*crw & 0x4f3fffff) == 0x44020000,
	       "CRW after RCHP: solicited, RSC 4 channel path, ERC 2 initialized, RSID 0",
	       "cc %d crw 0x%x", cc, *crw);
	drain_crws();
	cc = guest_arch_rchp(0x100);
	report(cc == PGM(GUEST_PGM_OPERAND), "PoP RCHP: reserved GPR1 bits (operand)", "rc %d",
	       cc);
}

/* ---- CHSC ---- */

static uint8_t *chsc_block(uint16_t len, uint16_t code)
{
	uint8_t *b = g_data;

	guest_memset(b, 0, 4096);
	vccw_st_be16(b, len);
	vccw_st_be16(b + 2, code);
	return b;
}

static void test_chsc_scsc(void)
{
	uint8_t *b = chsc_block(0x10, 0x10);
	int cc = guest_arch_chsc(b);
	uint32_t w88;

	report(cc == 0, "PoP CHSC: cc0", "cc %d", cc);
	report(vccw_ld_be16(b + 0x12) == 0x0001, "SCSC: response code 1 (reference 11.3)",
	       "code 0x%x", vccw_ld_be16(b + 0x12));
	/* General characteristics start at response + 8; bit 88 is word 2, mask 0x80. */
	w88 = vccw_ld_be32(b + 0x10 + 8 + 8);
	report(!(w88 & 0x00000080u),
	       "SCSC: no transport-mode (FCX, bit 88) for virtual devices (reference 11.3)",
	       "word 0x%x", w88);
}

static void test_chsc_unknown_and_spec(void)
{
	uint8_t *b = chsc_block(0x10, 0x1234);
	int cc = guest_arch_chsc(b);

	report(cc == 0 && vccw_ld_be16(b + 0x12) == 0x0004,
	       "CHSC: an unknown command answers 'not provided' 0x0004 (reference 11.1)",
	       "cc %d code 0x%x", cc, vccw_ld_be16(b + 0x12));
	cc = guest_arch_io_raw(0xb25f, 0, guest_arch_addr(b) + 8);
	report(cc == PGM(GUEST_PGM_SPECIFICATION),
	       "PoP CHSC: a block not on a 4K boundary is a specification exception", "rc %d",
	       cc);
	b = chsc_block(0x0c, 0x10);
	cc = guest_arch_chsc(b);
	report(cc == PGM(GUEST_PGM_OPERAND), "PoP CHSC: request length below 16 (operand)",
	       "rc %d", cc);
}

static void test_chsc_sda_mss(void)
{
	uint8_t *b = chsc_block(0x400, 0x31);
	int cc;

	vccw_st_be16(b + 6, 2); /* operation code 2: enable MSS */
	cc = guest_arch_chsc(b);
	report(cc == 0 && vccw_ld_be16(b + 0x402) == 0x0001,
	       "SDA: enabling MSS succeeds (reference 11.5)", "cc %d code 0x%x", cc,
	       vccw_ld_be16(b + 0x402));
	cc = stsch_buf(0x00030000);
	report(cc == CC(3), "with MSS, an empty set 1 answers cc3 without exception", "cc %d",
	       cc);
}

const struct conf_test conf_css_tests[] = {
	{ "css_stsch_schib", test_stsch_schib },
	{ "css_stsch_operand_sid", test_stsch_operand_sid },
	{ "css_stsch_specification", test_stsch_spec },
	{ "css_stsch_cc3", test_stsch_cc3 },
	{ "css_stsch_set1_without_mss", test_stsch_set1_without_mss },
	{ "css_msch_invalid_bits", test_msch_invalid_bits },
	{ "css_msch_limit_mode_11", test_msch_lm_invalid },
	{ "css_msch_enable", test_msch_enable },
	{ "css_tsch_idle_cc1", test_tsch_idle_cc1 },
	{ "css_ssch_orb_invalid", test_ssch_orb_invalid },
	{ "css_ssch_disabled_cc3", test_ssch_disabled_cc3 },
	{ "css_sense_id", test_sense_id },
	{ "css_nop", test_nop },
	{ "css_command_reject", test_command_reject },
	{ "css_xsch_rsch_idle_cc2", test_xsch_rsch_idle },
	{ "css_hsch_idle", test_hsch_idle },
	{ "css_csch", test_csch },
	{ "css_suspend_resume", test_suspend_resume },
	{ "css_tpi_nothing_pending", test_tpi_nothing },
	{ "css_stcrw_rchp", test_stcrw_rchp },
	{ "css_chsc_scsc", test_chsc_scsc },
	{ "css_chsc_unknown_and_spec", test_chsc_unknown_and_spec },
	{ "css_chsc_sda_mss", test_chsc_sda_mss },
};
const unsigned int conf_css_nr = sizeof(conf_css_tests) / sizeof(conf_css_tests[0]);
