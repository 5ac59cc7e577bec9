// SPDX-License-Identifier: MIT
/*
 * Conformance tests of SCHIB and SENSE ID contents and of channel-program semantics on
 * the virtio control units: command and data chaining, format-2 IDAWs with 4K and 2K
 * blocks, SLI and incorrect length, TIC, zero counts, SKIP, and halt and clear of a
 * program that runs until stopped. Each check names the PoP rule (channel programs are
 * PoP chapter 15 "Basic I/O Functions"; facts in shared/reference/channel-io.md 5, 10).
 */
#include "report.h"
#include "util.h"

#define CMD_NOP 0x03
#define CMD_TIC 0x08
#define CMD_SENSE_ID 0xe4
#define CMD_READ_CONF 0x22

/* Three 4 KiB pages: an IDAW list and two data blocks. */
static uint8_t *pages;

static bool need_pages(void)
{
	if (!pages)
		pages = guest_alloc(3 * 4096, 4096);
	if (!pages)
		report(false, "setup: guest RAM for IDAW tests", "guest_alloc failed");
	return pages != NULL;
}

/* Run the program at g_ccw to final status; returns the TSCH cc, -1 timeout, -2 SSCH. */
static int run_prog(uint32_t sid, uint32_t extra, struct irb_view *v)
{
	unsigned int before = g_irqs;
	int cc = ssch_prog(sid, 0x0cc00000u, extra);

	if (cc != 0)
		return -2 - cc;
	if (!wait_irq(sid, before))
		return -1;
	return tsch_view(sid, v);
}

static void idaw2(unsigned int i, const void *p)
{
	uint64_t a = guest_arch_addr(p);

	vccw_st_be32(pages + 8 * i, (uint32_t)(a >> 32));
	vccw_st_be32(pages + 8 * i + 4, (uint32_t)a);
}

static void test_schib_rng(void)
{
	uint32_t w6;
	int cc;

	cc = stsch_buf(SID_RNG);
	report(cc == 0, "PoP STSCH: cc0 for subchannel 0.0.0001", "cc %d", cc);
	report((schib_flags() & 0x0001) && vccw_ld_be16(g_schib + SCHIB_DEVNO) == DEVNO_RNG,
	       "PMCW: V=1 and device number 0x0002 (fe.0.0002)", "flags 0x%x devno 0x%x",
	       schib_flags(), vccw_ld_be16(g_schib + SCHIB_DEVNO));
	report((schib_flags() & 0xc700) == 0, "PMCW word 1: Q, W and bits 5-7 are zero",
	       "flags 0x%x", schib_flags());
	report(g_schib[SCHIB_LPM] == 0x80, "PMCW LPM 0x80 after reset (reference 2.4)",
	       "lpm 0x%x", g_schib[SCHIB_LPM]);
	report(g_schib[SCHIB_PIM] == 0x80 && g_schib[SCHIB_PAM] == 0x80 &&
		       g_schib[SCHIB_POM] == 0xff && g_schib[9] == 0,
	       "PMCW: PIM 0x80, PAM 0x80, POM 0xff, PNOM 0 (reference 12)", "%x %x %x %x",
	       g_schib[SCHIB_PIM], g_schib[SCHIB_PAM], g_schib[SCHIB_POM], g_schib[9]);
	report(vccw_ld_be32(g_schib + SCHIB_CHPID) == 0 &&
		       vccw_ld_be32(g_schib + SCHIB_CHPID + 4) == 0,
	       "PMCW: CHPID 0 is the only channel path, the others zero", "%08x %08x",
	       vccw_ld_be32(g_schib + SCHIB_CHPID), vccw_ld_be32(g_schib + SCHIB_CHPID + 4));
	w6 = vccw_ld_be32(g_schib + SCHIB_W6);
	report((w6 & 0xfffffff8u) == 0, "PMCW word 6: reserved bits and ST (I/O subchannel) zero",
	       "word 6 0x%x", w6);
}

static void test_msch_readonly_fields(void)
{
	int cc;

	clean_sch(SID_RNG);
	stsch_buf(SID_RNG);
	vccw_st_be16(g_schib + SCHIB_DEVNO, 0x1234);
	g_schib[SCHIB_PIM] = 0xc0;
	g_schib[SCHIB_PAM] = 0xc0;
	g_schib[SCHIB_CHPID + 1] = 0x42;
	cc = guest_arch_msch(SID_RNG, g_schib);
	report(cc == 0, "PoP MSCH: cc0", "cc %d", cc);
	stsch_buf(SID_RNG);
	report(vccw_ld_be16(g_schib + SCHIB_DEVNO) == DEVNO_RNG && g_schib[SCHIB_PIM] == 0x80 &&
		       g_schib[SCHIB_PAM] == 0x80 && g_schib[SCHIB_CHPID + 1] == 0,
	       "PoP MSCH: device number, PIM, PAM and CHPIDs are not program-settable (reference "
	       "2.3)",
	       "devno 0x%x pim 0x%x pam 0x%x chpid1 0x%x", vccw_ld_be16(g_schib + SCHIB_DEVNO),
	       g_schib[SCHIB_PIM], g_schib[SCHIB_PAM], g_schib[SCHIB_CHPID + 1]);
}

static void test_sense_id_count4(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	clean_sch(SID_RNG);
	guest_memset(d, 0xaa, 16);
	cc = run_ccw(SID_RNG, CMD_SENSE_ID, CCW_SLI, 4, d, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "SENSE ID count 4 with SLI: channel end, device end, no incorrect length",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(d[0] == 0xff && vccw_ld_be16(d + 1) == 0x3832 && d[3] == 0x04,
	       "SENSE ID: 0xff, CU type 0x3832, CU model 4 = virtio-rng (virtio 4.3.1)",
	       "%02x %02x%02x %02x", d[0], d[1], d[2], d[3]);
	report(d[4] == 0xaa, "PoP: no data is stored beyond the CCW count", "byte 4 0x%x", d[4]);
	report(v.count == 0, "SCSW residual count 0", "count %u", v.count);
}

static void test_sense_id_il(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	clean_sch(SID_RNG);
	guest_memset(d, 0xaa, 64);
	ccw1(0, CMD_SENSE_ID, CCW_CC, 40, d);
	ccw1(1, CMD_NOP, CCW_SLI, 0, NULL);
	cc = run_prog(SID_RNG, 0, &v);
	report(cc == 0 && (v.cstat & CS_IL) && !(v.cstat & CS_PROG),
	       "PoP incorrect length: SENSE ID count 40 without SLI, the device has other length",
	       "cc %d cstat 0x%x", cc, v.cstat);
	report(v.dstat == (DS_CE | DS_DE), "the command itself ends with channel end, device end",
	       "dstat 0x%x", v.dstat);
	report(d[0] == 0xff && vccw_ld_be16(d + 1) == 0x3832 && d[3] == 0x04,
	       "the data is stored", "%02x %02x%02x %02x", d[0], d[1], d[2], d[3]);
	report(v.cpa == ccw_addr(0) + 8,
	       "PoP chaining: incorrect length suppresses command chaining (CPA = CCW 0 + 8)",
	       "cpa 0x%x", v.cpa);
}

static void test_command_chain(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	clean_sch(SID_RNG);
	guest_memset(d, 0, 16);
	ccw1(0, CMD_SENSE_ID, CCW_CC | CCW_SLI, 8, d);
	ccw1(1, CMD_NOP, CCW_SLI, 0, NULL);
	cc = run_prog(SID_RNG, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP command chaining: SENSE ID then NOP end with CE+DE",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(v.cpa == ccw_addr(1) + 8, "SCSW CCW address: the last CCW (the NOP) + 8",
	       "cpa 0x%x want 0x%x", v.cpa, ccw_addr(1) + 8);
	report(d[0] == 0xff && d[3] == 0x04, "the first command's data is stored", "%02x %02x",
	       d[0], d[3]);
}

/* Configuration space bytes 0-15 read by one CCW (no chaining), for comparison. */
static bool read_conf_ref(uint32_t sid, uint8_t *ref)
{
	struct irb_view v;

	return run_ccw(sid, CMD_READ_CONF, 0, 16, ref, &v) == 0 && v.dstat == (DS_CE | DS_DE) &&
	       v.cstat == 0;
}

/* PoP data chaining: a data-chained READ_CONF continues in the next CCW's area. */
static void test_data_chain_read_conf(void)
{
	struct irb_view v;
	uint8_t *ref = g_data, *a = g_data + 64, *b = g_data + 128;
	int cc;

	clean_sch(SID_BLK);
	guest_memset(ref, 0x55, 16);
	report(read_conf_ref(SID_BLK, ref), "READ_CONF of 16 bytes in one CCW", "failed");
	guest_memset(a, 0xaa, 32);
	guest_memset(b, 0xaa, 32);
	ccw1(0, CMD_READ_CONF, CCW_CD, 5, a);
	ccw1(1, CMD_READ_CONF, 0, 11, b);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP data chaining: READ_CONF over two CCWs (5 + 11 bytes) ends with CE+DE",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(guest_memcmp(a, ref, 5) == 0 && guest_memcmp(b, ref + 5, 11) == 0,
	       "PoP data chaining: the data continues in the next CCW's area",
	       "a %02x%02x b %02x%02x", a[0], a[4], b[0], b[10]);
	report(a[5] == 0xaa && b[11] == 0xaa, "no byte is stored beyond either count",
	       "a[5] 0x%x b[11] 0x%x", a[5], b[11]);
	report(v.cpa == ccw_addr(1) + 8 && v.count == 0,
	       "SCSW: CPA = last CCW of the chain + 8, residual 0", "cpa 0x%x count %u", v.cpa,
	       v.count);
}

static void test_data_chain_sense_id(void)
{
	struct irb_view v;
	uint8_t *a = g_data, *b = g_data + 64;
	int cc;

	clean_sch(SID_BLK);
	guest_memset(a, 0xaa, 16);
	guest_memset(b, 0xaa, 16);
	ccw1(0, CMD_SENSE_ID, CCW_CD, 2, a);
	ccw1(1, CMD_SENSE_ID, CCW_SLI, 6, b);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP data chaining: SENSE ID over 2 + 6 bytes (SLI on the last CCW)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(a[0] == 0xff && a[1] == 0x38 && a[2] == 0xaa && b[0] == 0x32 && b[1] == 0x02 &&
		       b[2] == 0 && b[6] == 0xaa,
	       "the SENSE ID bytes continue in the second area", "a %02x%02x b %02x%02x%02x",
	       a[0], a[1], b[0], b[1], b[2]);
}

static void test_ida_sense_id(void)
{
	struct irb_view v;
	uint8_t *d;
	int cc;

	if (!need_pages())
		return;
	clean_sch(SID_BLK);
	d = pages + 4096 + 100;
	guest_memset(d, 0xaa, 16);
	idaw2(0, d);
	ccw1(0, CMD_SENSE_ID, CCW_SLI | CCW_IDA, 8, pages);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP IDAW: SENSE ID through a format-2 IDAW list (ORB H)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(d[0] == 0xff && vccw_ld_be16(d + 1) == 0x3832 && d[3] == 0x02 && d[8] == 0xaa,
	       "the data lands at the IDAW's address", "%02x %02x%02x %02x", d[0], d[1], d[2],
	       d[3]);
}

static void test_ida_4k_crossing(void)
{
	struct irb_view v;
	uint8_t *end1, *blk2;
	int cc;

	if (!need_pages())
		return;
	clean_sch(SID_BLK);
	end1 = pages + 2 * 4096 - 4;
	blk2 = pages + 2 * 4096;
	guest_memset(pages + 4096, 0xaa, 2 * 4096);
	/* First IDAW: the last 4 bytes of one page; second IDAW: the start of the next. */
	idaw2(0, end1);
	idaw2(1, blk2);
	ccw1(0, CMD_SENSE_ID, CCW_SLI | CCW_IDA, 8, pages);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP IDAW: 8 bytes crossing a 4K block boundary", "cc %d dstat 0x%x cstat 0x%x", cc,
	       v.dstat, v.cstat);
	report(end1[0] == 0xff && end1[1] == 0x38 && end1[2] == 0x32 && end1[3] == 0x02,
	       "PoP IDAW: the first IDAW's transfer ends at its 4K block boundary",
	       "%02x %02x %02x %02x", end1[0], end1[1], end1[2], end1[3]);
	report(blk2[0] == 0 && blk2[3] == 0 && blk2[4] == 0xaa,
	       "PoP IDAW: the rest continues at the second IDAW's block", "%02x %02x %02x",
	       blk2[0], blk2[3], blk2[4]);
}

static void test_ida_2k_crossing(void)
{
	struct irb_view v;
	uint8_t *ref = g_data, *end1, *blk2;
	int cc;

	if (!need_pages())
		return;
	clean_sch(SID_BLK);
	report(read_conf_ref(SID_BLK, ref), "READ_CONF of 16 bytes in one CCW", "failed");
	guest_memset(pages + 4096, 0xaa, 2 * 4096);
	end1 = pages + 4096 + 2048 - 6;
	blk2 = pages + 2 * 4096 + 2048; /* 2K-aligned, not 4K-aligned */
	idaw2(0, end1);
	idaw2(1, blk2);
	ccw1(0, CMD_READ_CONF, CCW_IDA, 16, pages);
	cc = run_prog(SID_BLK, ORB_T, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP IDAW: READ_CONF with 2K blocks (ORB T) crossing a 2K boundary",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	report(guest_memcmp(end1, ref, 6) == 0 && end1[6] == 0xaa,
	       "PoP IDAW: the first IDAW's transfer ends at its 2K block boundary", "%02x %02x",
	       end1[0], end1[6]);
	report(guest_memcmp(blk2, ref + 6, 10) == 0 && blk2[10] == 0xaa,
	       "PoP IDAW: the next 10 bytes are at the second IDAW (a 2K block start)",
	       "%02x %02x", blk2[0], blk2[10]);
}

static void test_ida_unaligned_second(void)
{
	struct irb_view v;
	int cc;

	if (!need_pages())
		return;
	clean_sch(SID_BLK);
	idaw2(0, pages + 2 * 4096 - 4);
	idaw2(1, pages + 2 * 4096 + 8);
	ccw1(0, CMD_SENSE_ID, CCW_SLI | CCW_IDA, 8, pages);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG),
	       "PoP IDAW: a second IDAW not designating a block start is a channel-program check",
	       "cc %d cstat 0x%x", cc, v.cstat);
}

static void test_immediate_count_il(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, 0, 8, g_data);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_IL) && v.dstat == (DS_CE | DS_DE),
	       "PoP incorrect length: a format-1 immediate command with a non-zero count and "
	       "SLI=0 (ORB L=0)",
	       "cc %d cstat 0x%x dstat 0x%x", cc, v.cstat, v.dstat);
	cc = run_prog(SID_BLK, ORB_L, &v);
	report(cc == 0 && v.cstat == 0 && v.dstat == (DS_CE | DS_DE),
	       "PoP ORB L: incorrect-length suppression for immediate commands", "cc %d cstat 0x%x",
	       cc, v.cstat);
	ccw1(0, CMD_NOP, CCW_SLI, 8, g_data);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.cstat == 0, "SLI suppresses the indication", "cc %d cstat 0x%x", cc,
	       v.cstat);
	/*
	 * Command-chained: the rule has no exception for chaining (Hercules' code has one,
	 * noted "DSF Debug"), so IL is indicated and ends the chain.
	 */
	ccw1(0, CMD_NOP, CCW_CC, 8, g_data);
	ccw1(1, CMD_NOP, CCW_SLI, 0, NULL);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_IL) && v.cpa == ccw_addr(1),
	       "PoP incorrect length: also when command-chained; IL ends the chain (CPA = the "
	       "NOP + 8)",
	       "cc %d cstat 0x%x cpa 0x%x want 0x%x", cc, v.cstat, v.cpa, ccw_addr(1));
}

static void test_tic_to_nop(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, CCW_CC | CCW_SLI, 0, NULL);
	ccw1(1, CMD_TIC, 0, 0, g_ccw + 3 * 8);
	ccw1(2, 0x00, 0, 0, NULL); /* invalid: must be skipped by the TIC */
	ccw1(3, CMD_NOP, CCW_SLI, 0, NULL);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP TIC: the chain continues at the TIC's address", "cc %d dstat 0x%x cstat 0x%x",
	       cc, v.dstat, v.cstat);
	report(v.cpa == ccw_addr(3) + 8, "SCSW CCW address: the NOP after the TIC + 8",
	       "cpa 0x%x want 0x%x", v.cpa, ccw_addr(3) + 8);
}

static void test_tic_to_tic(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, CCW_CC | CCW_SLI, 0, NULL);
	ccw1(1, CMD_TIC, 0, 0, g_ccw + 2 * 8);
	ccw1(2, CMD_TIC, 0, 0, g_ccw + 3 * 8);
	ccw1(3, CMD_NOP, CCW_SLI, 0, NULL);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG),
	       "PoP TIC: a TIC designating another TIC is a channel-program check",
	       "cc %d cstat 0x%x", cc, v.cstat);
	report((v.ctrl & 0x17) == 0x17, "SCSW: primary, secondary, alert, status pending",
	       "ctrl 0x%x", v.ctrl);
}

static void test_invalid_command_code(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, 0x10, CCW_SLI, 0, NULL);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG) && v.dstat == 0,
	       "PoP: a command code with low-order bits 0000 is a channel-program check",
	       "cc %d cstat 0x%x dstat 0x%x", cc, v.cstat, v.dstat);
}

static void test_cpa_unaligned(void)
{
	struct irb_view v;
	unsigned int before;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, CCW_SLI, 0, NULL);
	vccw_st_be32(g_orb, 0x0ddc0de);
	vccw_st_be32(g_orb + 4, 0x00828000u);
	vccw_st_be32(g_orb + 8, ccw_addr(0) + 4);
	before = g_irqs;
	cc = guest_arch_ssch(SID_BLK, g_orb);
	report(cc == 0, "PoP SSCH: a CPA not on a doubleword boundary is no instruction exception",
	       "cc %d", cc);
	if (cc != 0)
		return;
	wait_irq(SID_BLK, before);
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && (v.cstat & CS_PROG),
	       "PoP: the CCW fetch ends in a channel-program check", "cc %d cstat 0x%x", cc,
	       v.cstat);
}

static void test_zero_count(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	clean_sch(SID_BLK);
	guest_memset(d, 0xaa, 8);
	ccw1(0, CMD_SENSE_ID, CCW_SLI, 0, d);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP format 1: count 0 is valid (SENSE ID with SLI)", "cc %d dstat 0x%x cstat 0x%x",
	       cc, v.dstat, v.cstat);
	report(d[0] == 0xaa, "no data is stored with count 0", "byte 0 0x%x", d[0]);
	ccw1(0, CMD_SENSE_ID, CCW_CD, 4, d);
	ccw1(1, CMD_SENSE_ID, CCW_SLI, 0, d + 4);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG),
	       "PoP format 1: count 0 on a data-chained CCW is a channel-program check",
	       "cc %d cstat 0x%x", cc, v.cstat);
}

static void test_skip(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	clean_sch(SID_BLK);
	guest_memset(d, 0xaa, 8);
	ccw1(0, CMD_SENSE_ID, CCW_SLI | CCW_SKIP, 8, d);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "PoP SKIP: SENSE ID with SKIP completes", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	report(d[0] == 0xaa && d[3] == 0xaa, "PoP SKIP: no data is stored", "%02x %02x", d[0],
	       d[3]);
}

static void test_s_flag_without_orb_s(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, CCW_SLI | CCW_S, 0, NULL);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG),
	       "PoP suspend: a CCW S flag with ORB S=0 is a channel-program check",
	       "cc %d cstat 0x%x ctrl 0x%x", cc, v.cstat, v.ctrl);
}

/*
 * A WRITE_CONF of one byte that chains to a TIC back to it: the program moves data each
 * round and runs until it is stopped. Its data address is 0, so that QEMU, which counts
 * only CCWs with data address 0, ends it instead of holding its vCPU for ever.
 */
#define CMD_WRITE_CONF 0x21
static bool start_loop(uint32_t sid)
{
	ccw1(0, CMD_WRITE_CONF, CCW_CC | CCW_SLI, 1, NULL);
	ccw1(1, CMD_TIC, 0, 0, g_ccw);
	if (ssch_prog(sid, 0x100b, 0) != 0)
		return false;
	guest_delay_us(20000);
	return true;
}

static bool loop_still_running(uint32_t sid)
{
	uint32_t ctrl;

	stsch_buf(sid);
	ctrl = vccw_ld_be32(g_schib + SCHIB_SCSW);
	report((ctrl & 0x4000) && !(ctrl & 0x1),
	       "PoP: a loop that moves data is a valid program that runs until halted or "
	       "cleared (no CCW limit is architected)",
	       "ctrl 0x%x", ctrl);
	return !(ctrl & 0x1);
}

static void test_halt_loop(void)
{
	struct irb_view v;
	unsigned int before;
	int cc;

	clean_sch(SID_BLK);
	if (!start_loop(SID_BLK)) {
		report(false, "setup: SSCH", "not started");
		return;
	}
	loop_still_running(SID_BLK);
	before = g_irqs;
	cc = guest_arch_hsch(SID_BLK);
	report(cc == 0, "PoP HSCH: cc0 on a subchannel running a program", "cc %d", cc);
	if (cc == 0) {
		report(wait_irq(SID_BLK, before), "the halt ends with an interruption", "timeout");
		cc = tsch_view(SID_BLK, &v);
		report(cc == 0 && (v.ctrl & 0x2000) && (v.ctrl & 0x1) && !(v.cstat & CS_PROG),
		       "SCSW: halt function, status pending, no channel-program check",
		       "cc %d ctrl 0x%x cstat 0x%x", cc, v.ctrl, v.cstat);
	}
	clean_sch(SID_BLK);
}

static void test_clear_loop(void)
{
	struct irb_view v;
	unsigned int before;
	int cc;

	clean_sch(SID_BLK);
	if (!start_loop(SID_BLK)) {
		report(false, "setup: SSCH", "not started");
		return;
	}
	loop_still_running(SID_BLK);
	before = g_irqs;
	cc = guest_arch_csch(SID_BLK);
	report(cc == 0, "PoP CSCH: cc0 on a subchannel running a program", "cc %d", cc);
	report(wait_irq(SID_BLK, before), "the clear ends with an interruption", "timeout");
	cc = tsch_view(SID_BLK, &v);
	report(cc == 0 && (v.ctrl & 0x7000) == 0x1000 && (v.ctrl & 0x1f) == 0x01 && v.cstat == 0,
	       "SCSW: clear function alone, status pending alone (reference 3.3)",
	       "cc %d ctrl 0x%x cstat 0x%x", cc, v.ctrl, v.cstat);
	clean_sch(SID_BLK);
}

/*
 * A NOP/TIC loop moves no data: the host ends it by itself with a channel-program check,
 * at a CCW of the loop (vccw after 256 backward TICs, as Hercules; QEMU after 255 CCWs
 * with data address 0, which the NOP has). No HSCH is needed.
 */
static void test_idle_loop_ends(void)
{
	struct irb_view v;
	int cc;

	clean_sch(SID_BLK);
	ccw1(0, CMD_NOP, CCW_CC | CCW_SLI, 0, NULL);
	ccw1(1, CMD_TIC, 0, 0, g_ccw);
	cc = run_prog(SID_BLK, 0, &v);
	report(cc == 0 && (v.cstat & CS_PROG) && (v.ctrl & 0x7000) == 0x4000,
	       "host bound: a loop without data transfer ends with a channel-program check",
	       "cc %d ctrl 0x%x cstat 0x%x", cc, v.ctrl, v.cstat);
	report(cc != 0 || v.cpa == ccw_addr(0) + 8 || v.cpa == ccw_addr(1) + 8,
	       "SCSW CCW address: a CCW of the loop + 8", "cpa 0x%x", v.cpa);
	clean_sch(SID_BLK);
}

const struct conf_test conf_ccw_tests[] = {
	{ "css_stsch_schib_rng", test_schib_rng },
	{ "css_msch_readonly_fields", test_msch_readonly_fields },
	{ "css_sense_id_count4_sli_rng", test_sense_id_count4 },
	{ "css_sense_id_count40_incorrect_length", test_sense_id_il },
	{ "ccw_command_chain_sense_id_nop", test_command_chain },
	{ "ccw_data_chain_read_conf", test_data_chain_read_conf },
	{ "ccw_data_chain_sense_id", test_data_chain_sense_id },
	{ "ccw_ida_format2_sense_id", test_ida_sense_id },
	{ "ccw_ida_4k_block_crossing", test_ida_4k_crossing },
	{ "ccw_ida_2k_block_crossing_read_conf", test_ida_2k_crossing },
	{ "ccw_ida_second_idaw_unaligned", test_ida_unaligned_second },
	{ "ccw_immediate_count_incorrect_length", test_immediate_count_il },
	{ "ccw_tic_to_nop", test_tic_to_nop },
	{ "ccw_tic_to_tic_program_check", test_tic_to_tic },
	{ "ccw_invalid_command_code", test_invalid_command_code },
	{ "ccw_cpa_unaligned_program_check", test_cpa_unaligned },
	{ "ccw_zero_count", test_zero_count },
	{ "ccw_skip_read", test_skip },
	{ "ccw_s_flag_without_orb_s", test_s_flag_without_orb_s },
	{ "ccw_halt_running_program", test_halt_loop },
	{ "ccw_clear_running_program", test_clear_loop },
	{ "ccw_idle_tic_loop_program_check", test_idle_loop_ends },
};
const unsigned int conf_ccw_nr = sizeof(conf_ccw_tests) / sizeof(conf_ccw_tests[0]);
