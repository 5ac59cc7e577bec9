// SPDX-License-Identifier: MIT
/*
 * What a real Linux guest sends, replayed command by command: every channel-program
 * shape of shared/reference/linux-6.1-guest/linux-sequence-variants.tsv (Debian's 6.1
 * kernel on QEMU 7.2, observed at the I/O instructions), the subsystem-level commands of
 * linux-sequence-css.txt (the CHSC commands with Linux's request blocks, SIC) and the
 * MSCH cycles of the per-device sequences. Every program uses Linux's ORB (word 1
 * 0x00c28000: format-1 CCWs, prefetch, format-2 IDAWs, LPM 0x80) and one CCW, as Linux's
 * always are there. A host that serves these exactly is one Linux can boot on.
 *
 * Devices (util.h): blk 0.0.0000, rng 0.0.0001, and net, console, balloon in set 2, which
 * Linux makes visible with CHSC SDA (MSS) before its scan; each test enables MSS first.
 * Checks cite the virtio 1.2 section 4.3 rule or the PoP, and name the Linux behaviour
 * that depends on the answer (drivers/s390/cio, drivers/s390/virtio/virtio_ccw.c).
 *
 * Where each row of linux-sequence-variants.tsv is driven (every device type each):
 *   0x03 NOP SLI 0, 0xe4 SENSE_ID SLI 40   linux_sense_id_40_sli_and_path_nop, linux_sequence_*
 *   0x83 SET_VIRTIO_REV 4, 0x33 VDEV_RESET 0, 0x72 READ_STATUS 1 before each
 *   0x31 WRITE_STATUS 1, 0x12 READ_FEAT 5, 0x11 WRITE_FEAT 5 (balloon twice),
 *   0x32 READ_VQ_CONF 4 + 0x13 SET_VQ 32 per queue, 0x73 SET_IND_ADAPTER SLI 25,
 *   0x53 SET_CONF_IND 8                    linux_sequence_{blk,rng,net,console,balloon}
 *   0x22 READ_CONF 1-6, 8, 16-52           linux_sequence_* at Linux's points, and every
 *                                          count 1..size: linux_read_conf_every_count_*
 *   0x21 WRITE_CONF 8 (balloon)            linux_sequence_balloon
 * and of linux-sequence-css.txt: CHSC 0x0033, 0x0034, 0x004c, SCSC, SDA, SCPD, SSD in
 * linux_chsc_*, SIC in linux_sic_single_isc2, the MSCH cycles in
 * linux_msch_disable_enable_isc, DIAGNOSE 0x500 with an adapter indicator in
 * linux_sequence_rng, poweroff's MSCH E=0 without VDEV_RESET in linux_sequence_*.
 */
#include "report.h"
#include "util.h"

/* Linux's ORB word 1 adds prefetch (P) to the suite's F, H and LPM 0x80. */
#define ORB_P 0x00400000u

#define CMD_NOP 0x03
#define CMD_SENSE_ID 0xe4
#define CMD_WRITE_FEAT 0x11
#define CMD_READ_FEAT 0x12
#define CMD_SET_VQ 0x13
#define CMD_WRITE_CONF 0x21
#define CMD_READ_CONF 0x22
#define CMD_WRITE_STATUS 0x31
#define CMD_READ_VQ_CONF 0x32
#define CMD_VDEV_RESET 0x33
#define CMD_SET_CONF_IND 0x53
#define CMD_READ_STATUS 0x72
#define CMD_SET_IND_ADAPTER 0x73
#define CMD_SET_VIRTIO_REV 0x83

#define S_ACK 0x01
#define S_DRIVER 0x02
#define S_DRIVER_OK 0x04
#define S_FEATURES_OK 0x08

#define F_INDIRECT_DESC 28
#define F_EVENT_IDX 29
#define BIT(n) (1ull << (n))

/* Feature bits the virtio drivers of Linux 6.1 know (bits 0-31), by device. */
#define LINUX_TRANSPORT (BIT(F_INDIRECT_DESC) | BIT(F_EVENT_IDX))
#define NET_F_MAC 5
#define NET_F_STATUS 16
#define NET_F_CTRL_VQ 17
#define NET_F_MQ 22
/* CSUM .. CTRL_VLAN, GUEST_ANNOUNCE, MQ, CTRL_MAC_ADDR; not GSO (6) nor CTRL_RX_EXTRA (20). */
#define LINUX_NET (0x00efffafull | LINUX_TRANSPORT)
#define BLK_F_GEOMETRY 4
#define BLK_F_TOPOLOGY 10
#define BLK_F_CONFIG_WCE 11
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14
/* SIZE_MAX, SEG_MAX, GEOMETRY, RO, BLK_SIZE, FLUSH, TOPOLOGY, CONFIG_WCE, MQ, DISCARD, WZ. */
#define LINUX_BLK (0x7e76ull | LINUX_TRANSPORT)
#define CONSOLE_F_MULTIPORT 1
#define LINUX_CONSOLE (0x3ull | LINUX_TRANSPORT) /* SIZE, MULTIPORT */
#define BALLOON_F_STATS_VQ 1
#define BALLOON_F_FREE_PAGE_HINT 3
#define BALLOON_F_PAGE_POISON 4
#define BALLOON_F_REPORTING 5
#define LINUX_BALLOON (0x3full | LINUX_TRANSPORT)
#define LINUX_RNG LINUX_TRANSPORT

#define MAX_VQS 64
#define CONF_MAX 256
#define VQ_ALIGN 4096 /* Linux's VIRTIO_CCW_VQ_ALIGN */

struct ldev {
	const char *name;
	uint32_t sid;
	uint16_t devno;
	uint8_t model;       /* CU model = virtio device ID */
	uint64_t linux_feat; /* bits 0-31 the Linux driver accepts */
	uint16_t bit_nr;     /* first adapter indicator bit, as Linux's trace had it */
	uint16_t min_conf;   /* config bytes Linux reads from this device type on both hosts */
};

/*
 * min_conf: blk 52 (Linux reads up to max_write_zeroes_sectors: both hosts offer
 * WRITE_ZEROES), net 8 (mac and status), console 8 (cols, rows, max_nr_ports), balloon 8
 * (num_pages, actual); rng has no configuration space (virtio 5.4.4).
 */
static const struct ldev devs[] = {
	{ "blk", SID_BLK, DEVNO_BLK, 2, LINUX_BLK, 0, 52 },
	{ "rng", SID_RNG, DEVNO_RNG, 4, LINUX_RNG, 74, 0 },
	{ "net", 0x00050000, 0x0000, 1, LINUX_NET, 66, 8 },
	{ "console", 0x00050001, 0x0001, 3, LINUX_CONSOLE, 2, 8 },
	{ "balloon", 0x00050002, 0x0002, 5, LINUX_BALLOON, 69, 8 },
};
#define NR_DEVS (sizeof(devs) / sizeof(devs[0]))

/* Guest RAM of this file: a CHSC block, command payloads, indicators. */
static uint8_t *chsc_blk;
static uint8_t *pay;     /* 1 KiB: payloads and config reads */
static uint8_t *conf_ind; /* SET_CONF_IND's doubleword */
static uint8_t *summary; /* Linux shares one summary byte ... */
static uint8_t *area;    /* ... and one indicator area among all devices */

static bool need_ram(void)
{
	if (!chsc_blk)
		chsc_blk = guest_alloc(4096, 4096);
	if (!pay)
		pay = guest_alloc(1024, 8);
	if (!conf_ind)
		conf_ind = guest_alloc(8, 8);
	if (!summary)
		summary = guest_alloc(8, 8);
	if (!area)
		area = guest_alloc(64, 8);
	if (!chsc_blk || !pay || !summary || !area || !conf_ind) {
		report(false, "setup: guest RAM", "guest_alloc failed");
		return false;
	}
	return true;
}

static bool ok(int cc, const struct irb_view *v)
{
	return cc == 0 && v->dstat == (DS_CE | DS_DE) && v->cstat == 0 && v->count == 0;
}

/* One CCW with Linux's ORB, to final status (TSCH cc, or -1 timeout, -2 SSCH refused). */
static int lcmd(const struct ldev *d, uint8_t cmd, uint8_t flags, uint16_t count, void *data,
		struct irb_view *v)
{
	unsigned int before = g_irqs;

	ccw1(0, cmd, flags, count, data);
	if (ssch_prog(d->sid, d->sid, ORB_P) != 0)
		return -2;
	if (!wait_irq(d->sid, before))
		return -1;
	return tsch_view(d->sid, v);
}

/* ---- CHSC (linux-sequence-css.txt) ---- */

/* A CHSC request as Linux builds it: @len, @code, then request words +4, +8, +12. */
static int chsc(uint16_t len, uint16_t code, uint32_t w1, uint32_t w2, uint32_t w3)
{
	guest_memset(chsc_blk, 0, 4096);
	vccw_st_be16(chsc_blk, len);
	vccw_st_be16(chsc_blk + 2, code);
	vccw_st_be32(chsc_blk + 4, w1);
	vccw_st_be32(chsc_blk + 8, w2);
	vccw_st_be32(chsc_blk + 12, w3);
	return guest_arch_chsc(chsc_blk);
}

static uint16_t rsp_len(uint16_t len)
{
	return vccw_ld_be16(chsc_blk + len);
}

static uint16_t rsp_code(uint16_t len)
{
	return vccw_ld_be16(chsc_blk + len + 2);
}

static uint32_t rsp_word(uint16_t len)
{
	return vccw_ld_be32(chsc_blk + len + 4);
}

/* SDA operation code 2 (enable MSS), Linux's request: L 0x400, word +4 = 2. */
static bool enable_mss(void)
{
	int cc = chsc(0x400, 0x0031, 2, 0, 0);

	return cc == 0 && rsp_code(0x400) == 0x0001;
}

static void not_provided(uint16_t code, uint32_t w1, uint32_t w2, const char *rule)
{
	int cc;

	if (!need_ram())
		return;
	cc = chsc(0x0020, code, w1, w2, 0);
	report(cc == 0 && rsp_code(0x20) == 0x0004 && rsp_len(0x20) == 8 && rsp_word(0x20) == 0,
	       rule, "cc %d response length 0x%x code 0x%x word 0x%x", cc, rsp_len(0x20),
	       rsp_code(0x20), rsp_word(0x20));
}

static void test_chsc_sstpc(void)
{
	/* Linux chsc_sstpc(): operation 3 in byte 8; any answer but 0x0001 is -EIO. */
	not_provided(0x0033, 0x00000000, 0x03000000,
		     "CHSC 0x0033 (SSTPC, L 0x20, op 3) as Linux sends it: response code 0x0004 "
		     "'command not provided', response length 8, response word 0 (reference "
		     "11.1)");
}

static void test_chsc_sdcal(void)
{
	/* Linux chsc_get_cssid_iid(): SDCAL with atype 4 in byte 4; 0x0004 -> -EOPNOTSUPP. */
	not_provided(0x0034, 0x04000000, 0,
		     "CHSC 0x0034 (SDCAL, L 0x20, atype 4) as Linux sends it: response code "
		     "0x0004 'command not provided' (Linux chsc_error_from_response: "
		     "-EOPNOTSUPP)");
}

static void test_chsc_ssi(void)
{
	/* Linux chsc_scm_info(): store SCM information; 0x0004 means no SCM to set up. */
	not_provided(0x004c, 0x00000000, 0,
		     "CHSC 0x004C (SSI, L 0x20) as Linux sends it: response code 0x0004 "
		     "'command not provided'");
}

static void test_chsc_scsc(void)
{
	uint32_t w;
	int cc;

	if (!need_ram())
		return;
	cc = chsc(0x0010, 0x0010, 0, 0, 0);
	report(cc == 0 && rsp_code(0x10) == 0x0001,
	       "CHSC SCSC (L 0x10, all request words 0) as Linux sends it: response code 1",
	       "cc %d code 0x%x", cc, rsp_code(0x10));
	report(rsp_len(0x10) == 4080,
	       "SCSC: response length 4080 (header, 510 general and 508 CHSC words; reference "
	       "11.3)",
	       "length %u", rsp_len(0x10));
	/* General characteristics at response + 8; bit 88 is word 2, mask 0x80. */
	w = vccw_ld_be32(chsc_blk + 0x10 + 8 + 8);
	report(!(w & 0x80u),
	       "SCSC: no FCX (general bit 88): Linux would read SCSW bit 12 as transport mode",
	       "word 2 0x%x", w);
}

static void test_chsc_sda(void)
{
	int cc;

	if (!need_ram())
		return;
	cc = chsc(0x0400, 0x0031, 2, 0, 0);
	report(cc == 0 && rsp_code(0x400) == 0x0001 && rsp_len(0x400) == 8,
	       "CHSC SDA (L 0x400, operation code 2) as Linux sends it: MSS enabled, response "
	       "code 1, length 8 (reference 11.5)",
	       "cc %d code 0x%x length %u", cc, rsp_code(0x400), rsp_len(0x400));
	cc = stsch_buf(devs[2].sid);
	report(cc == 0 && vccw_ld_be16(g_schib + SCHIB_DEVNO) == devs[2].devno,
	       "with MSS, Linux's scan of set 2 finds its first subchannel", "cc %d devno 0x%x",
	       cc, vccw_ld_be16(g_schib + SCHIB_DEVNO));
}

static void scpd(uint32_t w1, unsigned int fmt, unsigned int desc_len, const char *rule)
{
	int cc = chsc(0x0010, 0x0002, w1, 0, 0);
	uint32_t d0 = vccw_ld_be32(chsc_blk + 0x18);

	report(cc == 0 && rsp_code(0x10) == 0x0001 && rsp_len(0x10) == 8 + desc_len &&
		       rsp_word(0x10) == fmt,
	       rule, "cc %d code 0x%x length %u word 0x%x", cc, rsp_code(0x10), rsp_len(0x10),
	       rsp_word(0x10));
	report(d0 == 0x80003200u,
	       "SCPD: the descriptor of CHPID 0: valid, type 0x32 (virtual), CHPID 0 "
	       "(reference 11.4, 12)",
	       "word 0x%x", d0);
}

static void test_chsc_scpd(void)
{
	if (!need_ram())
		return;
	/* Linux chp_update_desc(): format 0, then format 1 (C=1, rfmt 1) since fcs is set. */
	scpd(0x00000000, 0, 8,
	     "CHSC SCPD (L 0x10, CHPID 0..0, C=0) as Linux sends it: one 8-byte format-0 "
	     "descriptor, response word 0");
	scpd(0x10000100, 1, 32,
	     "CHSC SCPD (L 0x10, C=1, response format 1) as Linux sends it: one 32-byte "
	     "format-1 descriptor, response word 1");
}

static void test_chsc_ssd(void)
{
	unsigned int i;

	if (!need_ram())
		return;
	if (!enable_mss()) {
		report(false, "setup: SDA enables MSS", "code 0x%x", rsp_code(0x400));
		return;
	}
	for (i = 0; i < NR_DEVS; i++) {
		const struct ldev *d = &devs[i];
		uint16_t schnr = (uint16_t)d->sid;
		uint8_t ssid = (uint8_t)((d->sid >> 17) & 3);
		const uint8_t *e = chsc_blk + 0x18;
		uint8_t pim, chpid0;
		uint16_t code;
		int cc;

		if (stsch_buf(d->sid) != 0) {
			report(false, "setup: STSCH", "%s", d->name);
			continue;
		}
		pim = g_schib[SCHIB_PIM];
		chpid0 = g_schib[SCHIB_CHPID];
		/* Linux chsc_get_ssd_info(): SSID in bits 10-11 of +4, first = last = schnr. */
		cc = chsc(0x0010, 0x0004, (uint32_t)ssid << 20 | schnr, schnr, 0);
		code = rsp_code(0x10);
		if (cc == 0 && code == 0x0004) {
			/* A model need not provide SSD; Linux then takes the PMCW's PIM/CHPIDs. */
			report(rsp_len(0x10) == 8,
			       "CHSC SSD not provided: response code 0x0004 with the header alone "
			       "(Linux falls back to the PMCW)",
			       "%s length %u", d->name, rsp_len(0x10));
			continue;
		}
		report(cc == 0 && code == 0x0001 && rsp_len(0x10) == 8 + 32,
		       "CHSC SSD (L 0x10, one subchannel) as Linux sends it: response code 1 and "
		       "one 32-byte entry, or 0x0004 not provided",
		       "%s cc %d code 0x%x length %u", d->name, cc, code, rsp_len(0x10));
		if (code != 0x0001)
			continue;
		report((e[0] & 0xc0) == 0xc0 && (e[0] & 0x38) == 0,
		       "SSD entry: subchannel and device number valid, type 0 (I/O) (reference "
		       "11.7)",
		       "%s flags 0x%x", d->name, e[0]);
		report(vccw_ld_be16(e + 2) == d->devno && vccw_ld_be16(e + 6) == schnr,
		       "SSD entry: device number and subchannel number match STSCH",
		       "%s devno 0x%x sch 0x%x", d->name, vccw_ld_be16(e + 2),
		       vccw_ld_be16(e + 6));
		report(e[4] == pim && e[8] == chpid0,
		       "SSD entry: path mask and CHPID 0 match the PMCW (Linux uses them instead "
		       "of the PMCW's)",
		       "%s mask 0x%x chpid 0x%x", d->name, e[4], e[8]);
	}
}

static void test_sic(void)
{
	int rc;

	/* Linux's zPCI set-up: single-interruption mode for ISC 2 (PCI_ISC). */
	rc = guest_arch_sic(1, 2);
	report(rc == 0,
	       "SIC mode 1 (single interruption) for ISC 2, as Linux issues it: no exception",
	       "rc %d", rc);
	rc = guest_arch_sic(0, 2);
	report(rc == 0, "SIC mode 0 (all interruptions) for ISC 2: no exception", "rc %d", rc);
}

/* ---- MSCH as Linux's cio_commit_config() does it ---- */

/*
 * Set E, ISC, intparm and concurrent sense with MSCH, confirmed with STSCH (retried as
 * Linux does: cc1 -> TSCH). Returns true when STSCH shows exactly that.
 */
static bool msch_cfg(const struct ldev *d, bool ena, uint8_t isc, uint32_t intparm)
{
	struct irb_view v;
	uint16_t flags;
	int i;

	for (i = 0; i < 5; i++) {
		if (stsch_buf(d->sid) != 0)
			return false;
		flags = schib_flags() & (uint16_t)~(0x3800 | 0x0080);
		flags |= (uint16_t)(isc << 11);
		if (ena)
			flags |= 0x0080;
		vccw_st_be16(g_schib + SCHIB_FLAGS, flags);
		vccw_st_be32(g_schib, intparm);
		/* PMCW word 6 bit 31: concurrent sense, as Linux sets it. */
		vccw_st_be32(g_schib + SCHIB_W6, vccw_ld_be32(g_schib + SCHIB_W6) | 1u);
		if (guest_arch_msch(d->sid, g_schib) != 0) {
			tsch_view(d->sid, &v);
			continue;
		}
		if (stsch_buf(d->sid) != 0)
			return false;
		if (!!(schib_flags() & 0x0080) == ena && ((schib_flags() >> 11) & 7) == isc &&
		    vccw_ld_be32(g_schib) == intparm)
			return true;
	}
	return false;
}

/* Status left by an earlier test is consumed, the subchannel disabled. */
static bool quiesce(const struct ldev *d)
{
	struct irb_view v;
	int i;

	for (i = 0; i < 4 && tsch_view(d->sid, &v) == 0; i++)
		;
	return disable_sch(d->sid);
}

static void msch_isc_cycle(const struct ldev *d)
{
	struct irb_view v;
	unsigned int before;
	uint32_t ip = 0x4c000000u | d->sid;
	uint64_t end;
	bool pending = false;
	int cc;

	if (!quiesce(d)) {
		report(false, "setup: disable", "%s", d->name);
		return;
	}
	report(msch_cfg(d, false, 0, 0) && (vccw_ld_be32(g_schib + SCHIB_W6) & 1),
	       "MSCH E=0 ISC 0 intparm 0 CSENSE=1 (Linux's first MSCH): applied while disabled",
	       "%s flags 0x%x", d->name, schib_flags());
	report(msch_cfg(d, true, CONF_ISC, ip),
	       "MSCH E=1 ISC 3 with Linux's intparm: enabled, confirmed by STSCH", "%s", d->name);
	/* Linux's ORB carries the same intparm as its MSCH (the subchannel's address). */
	before = g_irqs;
	ccw1(0, CMD_NOP, CCW_SLI, 0, NULL);
	cc = ssch_prog(d->sid, ip, ORB_P);
	if (cc == 0 && wait_irq(d->sid, before))
		cc = tsch_view(d->sid, &v);
	else
		cc = -1;
	report(ok(cc, &v) && g_irq_intparm == ip && ((g_irq_iiw >> 27) & 7) == CONF_ISC,
	       "the interruption carries the intparm and the ISC 3 just set (PoP I/O-interruption "
	       "code)",
	       "%s cc %d intparm 0x%x iiw 0x%x", d->name, cc, g_irq_intparm, g_irq_iiw);
	report(msch_cfg(d, false, CONF_ISC, ip) && msch_cfg(d, true, CONF_ISC, ip),
	       "MSCH E=0 then E=1 with ISC 3 (Linux's disable/enable cycle for going online)",
	       "%s", d->name);
	/* A change of ISC: ISC 5 is disabled in CR6, so the status waits, pending. */
	report(msch_cfg(d, false, CONF_ISC, ip) && msch_cfg(d, true, 5, ip + 1),
	       "MSCH E=1 with ISC 5 after E=0 with ISC 3 (ISC changed)", "%s", d->name);
	before = g_irqs;
	ccw1(0, CMD_NOP, CCW_SLI, 0, NULL);
	cc = ssch_prog(d->sid, ip + 1, ORB_P);
	end = guest_arch_now_us() + 2000000;
	while (cc == 0 && !pending && guest_arch_now_us() < end) {
		pending = stsch_buf(d->sid) == 0 &&
			  (vccw_ld_be32(g_schib + SCHIB_SCSW) & 0x1);
		if (!pending)
			guest_delay_us(1000);
	}
	/* Only this subchannel has a program: any other interruption is not ours. */
	report(cc == 0 && pending && (g_irqs == before || g_irq_sid != d->sid),
	       "PoP: with ISC 5 disabled in CR6 the status stays pending, no interruption taken",
	       "%s cc %d pending %d irqs %u -> %u", d->name, cc, pending, before, g_irqs);
	guest_arch_set_isc_mask((uint8_t)(0x80 >> CONF_ISC | 0x80 >> 5));
	report(wait_irq(d->sid, before) && g_irq_intparm == ip + 1 &&
		       ((g_irq_iiw >> 27) & 7) == 5,
	       "enabling ISC 5 in CR6 delivers it, with ISC 5 in the interruption code",
	       "%s intparm 0x%x iiw 0x%x", d->name, g_irq_intparm, g_irq_iiw);
	guest_arch_set_isc_mask(0x80 >> CONF_ISC);
	cc = tsch_view(d->sid, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE), "TSCH: the NOP ended with CE+DE",
	       "%s cc %d dstat 0x%x", d->name, cc, v.dstat);
	msch_cfg(d, false, CONF_ISC, ip);
}

static void test_msch_isc_cycles(void)
{
	unsigned int i;

	if (!need_ram() || !enable_mss()) {
		report(false, "setup: SDA enables MSS", "failed");
		return;
	}
	for (i = 0; i < NR_DEVS; i++)
		msch_isc_cycle(&devs[i]);
}

/* ---- SENSE ID and the path-verification NOP ---- */

/* SENSE ID count 40 with SLI (Linux's request); true when Linux would accept it. */
static bool sense_id(const struct ldev *d)
{
	struct irb_view v;
	uint8_t *b = pay;
	int cc;

	guest_memset(b, 0xee, 64);
	cc = lcmd(d, CMD_SENSE_ID, CCW_SLI, 40, b, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == 0,
	       "SENSE ID count 40 with SLI: CE+DE, no incorrect length (PoP: SLI suppresses it)",
	       "%s cc %d dstat 0x%x cstat 0x%x", d->name, cc, v.dstat, v.cstat);
	/* Linux snsid_check(): at least 4 bytes (40 - residual), byte 0 0xff, CU not 0xffff. */
	report(v.count <= 40 - 7 && b[40] == 0xee,
	       "SENSE ID: at least the 7 bytes of basic data moved, nothing beyond the count",
	       "%s residual %u", d->name, v.count);
	report(b[0] == 0xff && vccw_ld_be16(b + 1) == 0x3832 && b[3] == d->model &&
		       vccw_ld_be16(b + 4) == 0 && b[6] == 0,
	       "SENSE ID data: ff 3832 <virtio device ID> 0000 00 (reference 10.1)",
	       "%s %02x %02x%02x %02x %02x%02x %02x", d->name, b[0], b[1], b[2], b[3], b[4], b[5],
	       b[6]);
	return cc == 0 && b[0] == 0xff;
}

static bool path_nop(const struct ldev *d)
{
	struct irb_view v;
	int cc = lcmd(d, CMD_NOP, CCW_SLI, 0, NULL, &v);

	report(ok(cc, &v),
	       "path-verification NOP (count 0, address 0, SLI) on LPM 0x80: CE+DE, no "
	       "subchannel status (Linux's verified path mask)",
	       "%s cc %d dstat 0x%x cstat 0x%x residual %u", d->name, cc, v.dstat, v.cstat,
	       v.count);
	return ok(cc, &v);
}

static void test_sense_id_nop(void)
{
	unsigned int i;

	if (!need_ram() || !enable_mss()) {
		report(false, "setup: SDA enables MSS", "failed");
		return;
	}
	for (i = 0; i < NR_DEVS; i++) {
		const struct ldev *d = &devs[i];

		if (!quiesce(d) || !msch_cfg(d, true, CONF_ISC, d->sid)) {
			report(false, "setup: enable", "%s", d->name);
			continue;
		}
		sense_id(d);
		path_nop(d);
		msch_cfg(d, false, CONF_ISC, d->sid);
	}
}

/* ---- The virtio sequence ---- */

struct lrun {
	const struct ldev *d;
	uint64_t feat; /* negotiated */
	unsigned int nvqs;
	uint8_t status; /* what we wrote last */
	uint8_t *rings;
	size_t rings_len;
	uint32_t qoff[MAX_VQS]; /* desc of queue i at rings + qoff[i] */
	uint16_t qnum[MAX_VQS];
};

static int st_read(struct lrun *r, struct irb_view *v, uint8_t *st)
{
	int cc;

	pay[0] = 0xee;
	cc = lcmd(r->d, CMD_READ_STATUS, 0, 1, pay, v);
	*st = pay[0];
	return cc;
}

/* Linux's virtio_add_status(): READ_STATUS, then WRITE_STATUS of what it read | @bits. */
static bool add_status(struct lrun *r, uint8_t bits, const char *what)
{
	struct irb_view v;
	uint8_t st = 0xee;
	int cc = st_read(r, &v, &st);

	report(ok(cc, &v) && st == r->status,
	       "READ_STATUS count 1 before WRITE_STATUS reads the status last written (4.3.2.3)",
	       "%s before %s: cc %d status 0x%x, wrote 0x%x", r->d->name, what, cc, st,
	       r->status);
	pay[0] = (uint8_t)(st | bits);
	cc = lcmd(r->d, CMD_WRITE_STATUS, 0, 1, pay, &v);
	report(ok(cc, &v), "WRITE_STATUS count 1 (4.3.2.3)", "%s %s: cc %d dstat 0x%x cstat 0x%x",
	       r->d->name, what, cc, v.dstat, v.cstat);
	r->status = (uint8_t)(st | bits);
	return ok(cc, &v);
}

static bool feat_rw(struct lrun *r, uint8_t cmd, uint8_t index, uint32_t *bits)
{
	struct irb_view v;
	int cc;

	vccw_st_le32(pay, cmd == CMD_READ_FEAT ? 0 : *bits);
	pay[4] = index;
	cc = lcmd(r->d, cmd, 0, 5, pay, &v);
	if (cmd == CMD_READ_FEAT)
		*bits = vccw_ld_le32(pay);
	report(ok(cc, &v),
	       cmd == CMD_READ_FEAT ? "READ_FEAT count 5 (le32 bits + index; 4.3.2.4)"
				    : "WRITE_FEAT count 5 (4.3.2.4)",
	       "%s index %u: cc %d dstat 0x%x cstat 0x%x residual %u", r->d->name, index, cc,
	       v.dstat, v.cstat, v.count);
	return ok(cc, &v);
}

/* READ_CONF from offset 0 with count @count, no SLI, as Linux's virtio_ccw_get_config(). */
static bool read_conf(struct lrun *r, uint16_t count, const char *why)
{
	struct irb_view v;
	int cc;

	guest_memset(pay, 0xa5, count + 1u);
	cc = lcmd(r->d, CMD_READ_CONF, 0, count, pay, &v);
	report(ok(cc, &v) && pay[count] == 0xa5,
	       "READ_CONF without SLI, count = offset + length of the field (4.3.2.5): CE+DE, "
	       "residual 0, nothing stored beyond the count",
	       "%s count %u (%s): cc %d dstat 0x%x cstat 0x%x residual %u", r->d->name, count,
	       why, cc, v.dstat, v.cstat, v.count);
	return ok(cc, &v);
}

/* Start: the MSCH cycles, SENSE ID, NOP, revision 2, reset, ACK, DRIVER, features. */
static bool bring_up(struct lrun *r, bool twice_feat)
{
	const struct ldev *d = r->d;
	struct irb_view v;
	uint32_t lo = 0, hi = 0;
	int cc;

	if (!quiesce(d) || !msch_cfg(d, false, 0, 0) || !msch_cfg(d, true, CONF_ISC, d->sid)) {
		report(false, "setup: Linux's MSCH E=0 ISC 0, then E=1 ISC 3", "%s", d->name);
		return false;
	}
	if (!sense_id(d))
		return false;
	if (!msch_cfg(d, false, CONF_ISC, d->sid) || !msch_cfg(d, true, CONF_ISC, d->sid)) {
		report(false, "setup: MSCH E=0, E=1 (online)", "%s", d->name);
		return false;
	}
	if (!path_nop(d))
		return false;
	vccw_st_be16(pay, 2);
	vccw_st_be16(pay + 2, 0);
	cc = lcmd(d, CMD_SET_VIRTIO_REV, 0, 4, pay, &v);
	report(ok(cc, &v), "SET_VIRTIO_REV count 4, revision 2, length 0: accepted (4.3.2.1)",
	       "%s cc %d dstat 0x%x cstat 0x%x", d->name, cc, v.dstat, v.cstat);
	if (!ok(cc, &v))
		return false;
	cc = lcmd(d, CMD_VDEV_RESET, 0, 0, NULL, &v);
	report(ok(cc, &v), "VDEV_RESET count 0 without SLI: CE+DE (4.3.3.3)",
	       "%s cc %d dstat 0x%x cstat 0x%x", d->name, cc, v.dstat, v.cstat);
	r->status = 0;
	if (!add_status(r, S_ACK, "ACKNOWLEDGE") || !add_status(r, S_DRIVER, "DRIVER"))
		return false;
	if (!feat_rw(r, CMD_READ_FEAT, 0, &lo) || !feat_rw(r, CMD_READ_FEAT, 1, &hi))
		return false;
	report(hi & 1, "READ_FEAT index 1 offers VERSION_1 in revision 2 (4.3.2.4)",
	       "%s bits 0x%x", d->name, hi);
	r->feat = (lo & d->linux_feat) | BIT(32);
	lo = (uint32_t)r->feat;
	hi = 1;
	if (!feat_rw(r, CMD_WRITE_FEAT, 0, &lo) || !feat_rw(r, CMD_WRITE_FEAT, 1, &hi))
		return false;
	if (twice_feat && (r->feat & BIT(BALLOON_F_PAGE_POISON))) {
		/* Linux's balloon drops PAGE_POISON in validate() and writes both words again. */
		r->feat &= ~BIT(BALLOON_F_PAGE_POISON);
		lo = (uint32_t)r->feat;
		if (!feat_rw(r, CMD_WRITE_FEAT, 0, &lo) || !feat_rw(r, CMD_WRITE_FEAT, 1, &hi))
			return false;
	}
	return true;
}

static bool features_ok(struct lrun *r)
{
	struct irb_view v;
	uint8_t st = 0;
	int cc;

	if (!add_status(r, S_FEATURES_OK, "FEATURES_OK"))
		return false;
	/* Linux's virtio_features_ok(): the status must keep FEATURES_OK, else it fails. */
	cc = st_read(r, &v, &st);
	report(ok(cc, &v) && (st & S_FEATURES_OK),
	       "READ_STATUS after FEATURES_OK still shows FEATURES_OK (3.1.1 step 6)",
	       "%s cc %d status 0x%x", r->d->name, cc, st);
	return ok(cc, &v) && (st & S_FEATURES_OK);
}

static size_t ring_bytes(uint16_t num)
{
	size_t used = ((size_t)num * 16 + 6 + 2u * num + VQ_ALIGN - 1) & ~(size_t)(VQ_ALIGN - 1);

	return (used + 6 + 8u * num + VQ_ALIGN - 1) & ~(size_t)(VQ_ALIGN - 1);
}

/* Linux's find_vqs(): READ_VQ_CONF + SET_VQ per queue, then the indicators. */
static bool setup_queues(struct lrun *r)
{
	const struct ldev *d = r->d;
	struct irb_view v;
	uint16_t max[MAX_VQS];
	size_t off = 0;
	unsigned int i;
	int cc;

	for (i = 0; i < r->nvqs; i++) {
		vccw_st_be16(pay, (uint16_t)i);
		vccw_st_be16(pay + 2, 0xeeee);
		cc = lcmd(d, CMD_READ_VQ_CONF, 0, 4, pay, &v);
		max[i] = vccw_ld_be16(pay + 2);
		report(ok(cc, &v) && max[i] > 0 && max[i] != 0xeeee,
		       "READ_VQ_CONF count 4: the queue Linux needs exists (max > 0; 4.3.2.2)",
		       "%s queue %u: cc %d max %u", d->name, i, cc, max[i]);
		if (!ok(cc, &v) || !max[i] || max[i] == 0xeeee)
			return false;
		r->qoff[i] = (uint32_t)off;
		r->qnum[i] = max[i];
		off += ring_bytes(max[i]);
	}
	r->rings_len = off;
	r->rings = guest_alloc(off, VQ_ALIGN);
	if (!r->rings) {
		report(false, "setup: ring memory", "%s %zu bytes", d->name, off);
		return false;
	}
	guest_memset(r->rings, 0, off);
	for (i = 0; i < r->nvqs; i++) {
		uint64_t desc = guest_arch_addr(r->rings + r->qoff[i]);
		uint64_t avail = desc + 16u * r->qnum[i];
		uint64_t used = (avail + 6 + 2u * r->qnum[i] + VQ_ALIGN - 1) &
				~(uint64_t)(VQ_ALIGN - 1);

		/* struct vq_info_block: desc, res0, index, num, driver (avail), device (used). */
		vccw_st_be64(pay, desc);
		vccw_st_be32(pay + 8, 0);
		vccw_st_be16(pay + 12, (uint16_t)i);
		vccw_st_be16(pay + 14, r->qnum[i]);
		vccw_st_be64(pay + 16, avail);
		vccw_st_be64(pay + 24, used);
		cc = lcmd(d, CMD_SET_VQ, 0, 32, pay, &v);
		report(ok(cc, &v),
		       "SET_VQ count 32 with num = max and Linux's layout (avail after desc, used "
		       "on 4096; 4.3.2.2)",
		       "%s queue %u num %u: cc %d dstat 0x%x cstat 0x%x", d->name, i, r->qnum[i],
		       cc, v.dstat, v.cstat);
		if (!ok(cc, &v))
			return false;
	}
	/* struct virtio_thinint_area, 25 bytes, sent with SLI by Linux. */
	vccw_st_be64(pay, guest_arch_addr(summary));
	vccw_st_be64(pay + 8, guest_arch_addr(area));
	vccw_st_be64(pay + 16, d->bit_nr);
	pay[24] = CONF_ISC;
	cc = lcmd(d, CMD_SET_IND_ADAPTER, CCW_SLI, 25, pay, &v);
	report(ok(cc, &v),
	       "SET_IND_ADAPTER count 25 with SLI (summary, area, Linux's bit number, ISC 3): "
	       "accepted, so Linux never falls back to SET_IND (4.3.2.6.3)",
	       "%s bit %u: cc %d dstat 0x%x cstat 0x%x residual %u", d->name, d->bit_nr, cc,
	       v.dstat, v.cstat, v.count);
	if (!ok(cc, &v))
		return false;
	vccw_st_be64(pay, guest_arch_addr(conf_ind));
	cc = lcmd(d, CMD_SET_CONF_IND, 0, 8, pay, &v);
	report(ok(cc, &v), "SET_CONF_IND count 8 (4.3.2.6.2)", "%s cc %d dstat 0x%x cstat 0x%x",
	       d->name, cc, v.dstat, v.cstat);
	return ok(cc, &v);
}

/* Linux's "poweroff -f": MSCH E=0 with no VDEV_RESET; the next enabling starts afresh. */
static void power_off(struct lrun *r)
{
	const struct ldev *d = r->d;
	struct irb_view v;
	int cc;

	report(msch_cfg(d, false, CONF_ISC, d->sid),
	       "MSCH E=0 of a running device without VDEV_RESET (Linux's poweroff -f)", "%s",
	       d->name);
	if (msch_cfg(d, true, CONF_ISC, d->sid)) {
		vccw_st_be16(pay, 2);
		vccw_st_be16(pay + 2, 0);
		cc = lcmd(d, CMD_SET_VIRTIO_REV, 0, 4, pay, &v);
		report(ok(cc, &v),
		       "after the disable, SET_VIRTIO_REV is accepted again: the revision is unset "
		       "from the enabling of the subchannel (4.3.2.1)",
		       "%s cc %d dstat 0x%x", d->name, cc, v.dstat);
		/* The rings go back to the heap: no device may use them any more. */
		lcmd(d, CMD_VDEV_RESET, 0, 0, NULL, &v);
	}
	msch_cfg(d, false, CONF_ISC, d->sid);
	if (r->rings)
		guest_free(r->rings, r->rings_len);
	r->rings = NULL;
}

static bool driver_ok(struct lrun *r)
{
	struct irb_view v;
	uint8_t st = 0;
	int cc;

	if (!add_status(r, S_DRIVER_OK, "DRIVER_OK"))
		return false;
	cc = st_read(r, &v, &st);
	report(ok(cc, &v) && st == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK),
	       "READ_STATUS of a running device reads 0x0f (Linux reads it at run time)",
	       "%s cc %d status 0x%x", r->d->name, cc, st);
	return true;
}

static bool start(struct lrun *r, const struct ldev *d)
{
	guest_memset(r, 0, sizeof(*r));
	r->d = d;
	if (!need_ram())
		return false;
	if (((d->sid >> 17) & 3) && !enable_mss()) {
		report(false, "setup: SDA enables MSS", "code 0x%x", rsp_code(0x400));
		return false;
	}
	guest_memset(area, 0, 64);
	summary[0] = 0;
	return bring_up(r, d->model == 5);
}

static void test_setup_blk(void)
{
	static const uint8_t topo[] = { 24, 25, 26, 28, 32 };
	static const uint8_t dwz[] = { 48, 40, 44, 52 };
	struct lrun r;
	unsigned int i;
	uint64_t cap;

	if (!start(&r, &devs[0]))
		goto out;
	if (!features_ok(&r))
		goto out;
	/* virtblk_probe(): capacity and seg_max first (count 16), from offset 0. */
	if (!read_conf(&r, 16, "capacity, size_max, seg_max"))
		goto out;
	cap = vccw_ld_le64(pay);
	report(cap == 2048, "virtio-blk capacity (le64 at 0) is 2048 sectors (5.2.4)",
	       "capacity %llu", (unsigned long long)cap);
	r.nvqs = 1;
	if (!setup_queues(&r))
		goto out;
	/* The rest of virtblk_probe(), each field read as count = offset + length. */
	if (r.feat & BIT(BLK_F_CONFIG_WCE))
		read_conf(&r, 33, "writeback");
	if (r.feat & BIT(BLK_F_TOPOLOGY))
		for (i = 0; i < sizeof(topo); i++)
			read_conf(&r, topo[i], "topology");
	if (r.feat & (BIT(BLK_F_DISCARD) | BIT(BLK_F_WRITE_ZEROES)))
		for (i = 0; i < sizeof(dwz); i++)
			read_conf(&r, dwz[i], "discard / write zeroes");
	read_conf(&r, 8, "capacity");
	if (!driver_ok(&r))
		goto out;
	if (r.feat & BIT(BLK_F_GEOMETRY)) {
		read_conf(&r, 18, "geometry cylinders");
		read_conf(&r, 19, "geometry heads");
		read_conf(&r, 20, "geometry sectors");
	}
out:
	power_off(&r);
}

/* One entropy request on the raw split ring of queue 0; the device answers by adapter. */
static void rng_request(struct lrun *r)
{
	uint8_t *desc = r->rings + r->qoff[0];
	uint16_t num = r->qnum[0];
	uint8_t *avail = desc + 16u * num;
	uint8_t *used = r->rings + r->qoff[0] +
			((16u * num + 6 + 2u * num + VQ_ALIGN - 1) & ~(VQ_ALIGN - 1u));
	uint8_t *buf = pay + 768;
	unsigned int b = r->d->bit_nr;
	unsigned int before = g_irqs;
	uint64_t end;
	bool done = false, bit = false, adapter = false;
	int64_t rc;
	int pgm = 0;

	guest_memset(buf, 0, 16);
	/* VERSION_1 rings are little-endian: one device-writable 16-byte buffer. */
	vccw_st_le64(desc, guest_arch_addr(buf));
	vccw_st_le32(desc + 8, 16);
	vccw_st_le16(desc + 12, 2); /* VRING_DESC_F_WRITE */
	vccw_st_le16(desc + 14, 0);
	vccw_st_le16(avail + 4, 0); /* ring[0] = descriptor 0 */
	ring_publish_le16(avail + 2, 1); /* idx */
	guest_arch_mb();
	rc = guest_arch_diag500(3, r->d->sid, 0, 0, &pgm);
	report(pgm == 0 && rc >= 0, "DIAGNOSE 0x500 subcode 3 for queue 0 (4.3.3.2)",
	       "pgm 0x%x rc %lld", pgm, (long long)rc);
	end = guest_arch_now_us() + 2000000;
	/* The device sets the bits before it makes the interruption pending: wait for all. */
	while (!(done && bit && adapter) && guest_arch_now_us() < end) {
		done = ring_load_le16(used + 2) == 1;
		bit = __atomic_load_n(&area[b / 8], __ATOMIC_SEQ_CST) & (0x80u >> (b % 8));
		adapter = g_irqs != before && (g_irq_iiw & 0x80000000u);
		if (!(done && bit && adapter))
			guest_arch_wait(10000);
	}
	report(done && vccw_ld_le32(used + 4) == 0 && vccw_ld_le32(used + 8) <= 16,
	       "virtio-rng: the request is used (used idx 1, id 0, length <= 16; 5.4.6)",
	       "idx %u id %u len %u", ring_load_le16(used + 2), vccw_ld_le32(used + 4),
	       vccw_ld_le32(used + 8));
	report(bit && summary[0] != 0,
	       "4.3.3.1.2: the queue's indicator bit (Linux's bit 74, MSB first) and the summary "
	       "indicator are set",
	       "bit %d summary 0x%x", bit, summary[0]);
	report(adapter && ((g_irq_iiw >> 27) & 7) == CONF_ISC,
	       "an adapter interruption for ISC 3 is taken (4.3.3.1.2; PoP adapter "
	       "interruption code)",
	       "interruptions %u -> %u, last iiw 0x%x", before, g_irqs, g_irq_iiw);
}

static void test_setup_rng(void)
{
	struct lrun r;

	if (!start(&r, &devs[1]) || !features_ok(&r))
		goto out;
	r.nvqs = 1;
	if (!setup_queues(&r) || !driver_ok(&r))
		goto out;
	rng_request(&r);
out:
	power_off(&r);
}

static void test_setup_net(void)
{
	struct lrun r;
	uint16_t pairs = 1;
	unsigned int i;

	if (!start(&r, &devs[2]) || !features_ok(&r))
		goto out;
	/* virtnet_probe(): the MAC one byte at a time, counts 1..6. */
	if (r.feat & BIT(NET_F_MAC))
		for (i = 1; i <= 6; i++)
			read_conf(&r, (uint16_t)i, "mac byte");
	if ((r.feat & BIT(NET_F_MQ)) && read_conf(&r, 10, "max_virtqueue_pairs"))
		pairs = vccw_ld_le16(pay + 8);
	r.nvqs = 2u * pairs + ((r.feat & BIT(NET_F_CTRL_VQ)) ? 1 : 0);
	if (r.nvqs > MAX_VQS || !setup_queues(&r) || !driver_ok(&r))
		goto out;
	/* The link state after DRIVER_OK: status at offset 6, count 8. */
	if (r.feat & BIT(NET_F_STATUS))
		read_conf(&r, 8, "status");
out:
	power_off(&r);
}

static void test_setup_console(void)
{
	struct lrun r;
	uint32_t ports = 0;

	if (!start(&r, &devs[3]) || !features_ok(&r))
		goto out;
	/* virtcons_probe(): max_nr_ports (offset 4) with MULTIPORT, count 8. */
	if ((r.feat & BIT(CONSOLE_F_MULTIPORT)) && read_conf(&r, 8, "max_nr_ports"))
		ports = vccw_ld_le32(pay + 4);
	/* Port 0's pair, and with MULTIPORT the control pair and a pair per further port. */
	r.nvqs = ports ? (ports + 1) * 2 : 2;
	if (r.nvqs > MAX_VQS) {
		report(false, "max_nr_ports within the 64 queues Linux's trace shows", "%u", ports);
		goto out;
	}
	if (!setup_queues(&r))
		goto out;
	driver_ok(&r);
out:
	power_off(&r);
}

static void test_setup_balloon(void)
{
	struct lrun r;
	struct irb_view v;
	uint32_t pages;
	int cc;

	if (!start(&r, &devs[4]) || !features_ok(&r))
		goto out;
	r.nvqs = 2;
	if (r.feat & BIT(BALLOON_F_STATS_VQ))
		r.nvqs++;
	if (r.feat & BIT(BALLOON_F_FREE_PAGE_HINT))
		r.nvqs++;
	if (r.feat & BIT(BALLOON_F_REPORTING))
		r.nvqs++;
	if (!setup_queues(&r) || !driver_ok(&r))
		goto out;
	/* update_balloon_size(): num_pages (count 4), then actual written back (count 8). */
	if (!read_conf(&r, 4, "num_pages"))
		goto out;
	pages = vccw_ld_le32(pay);
	vccw_st_le32(pay, pages);
	vccw_st_le32(pay + 4, 0x13);
	cc = lcmd(r.d, CMD_WRITE_CONF, 0, 8, pay, &v);
	report(ok(cc, &v),
	       "WRITE_CONF count 8 from offset 0 (num_pages as read, actual), as Linux's "
	       "virtio_ccw_set_config() writes it (4.3.2.5)",
	       "cc %d dstat 0x%x cstat 0x%x residual %u", cc, v.dstat, v.cstat, v.count);
	if (read_conf(&r, 8, "actual"))
		report(vccw_ld_le32(pay + 4) == 0x13 && vccw_ld_le32(pay) == pages,
		       "virtio-balloon: actual takes the value written, num_pages is unchanged "
		       "(5.5.4)",
		       "num_pages %u actual 0x%x", vccw_ld_le32(pay), vccw_ld_le32(pay + 4));
	vccw_st_le32(pay + 4, 0);
	lcmd(r.d, CMD_WRITE_CONF, 0, 8, pay, &v);
out:
	power_off(&r);
}

/* ---- READ_CONF of every count, without SLI ---- */

static void read_conf_every_count(const struct ldev *d)
{
	uint8_t *prev = g_data + 2048;
	struct lrun r;
	struct irb_view v = { 0 };
	unsigned int c, bad = 0, bad_count = 0;
	int cc = 0;

	if (!start(&r, d) || !features_ok(&r))
		goto out;
	guest_memset(prev, 0, CONF_MAX + 1);
	for (c = 1; c <= CONF_MAX; c++) {
		guest_memset(pay, 0xa5, c + 1);
		cc = lcmd(d, CMD_READ_CONF, 0, (uint16_t)c, pay, &v);
		if (cc != 0 || v.dstat != (DS_CE | DS_DE) || v.cstat)
			break;
		/* Residual 0, nothing past the count, and the same bytes as the shorter reads. */
		if (v.count != 0 || pay[c] != 0xa5 || guest_memcmp(pay, prev, c - 1) != 0) {
			if (!bad++)
				bad_count = c;
		}
		guest_memcpy(prev, pay, c);
	}
	c--;
	report(bad == 0,
	       "READ_CONF of every count from 1 to the config size without SLI: CE+DE, no "
	       "incorrect length, residual 0, each a prefix of the longer reads (4.3.2.5; "
	       "Linux reads fields as count = offset + length)",
	       "%s: %u bad counts, first %u", d->name, bad, bad_count);
	report(d->min_conf ? c >= d->min_conf : c == 0,
	       d->min_conf ? "the config space holds the fields Linux reads from this device"
			   : "virtio-rng has no configuration space (5.4.4): count 1 is not "
			     "accepted",
	       "%s: size %u (first failing count %u), Linux reads %u", d->name, c, c + 1,
	       d->min_conf);
	report(c < CONF_MAX && cc == 0 && !(v.dstat == (DS_CE | DS_DE) && v.cstat == 0),
	       "READ_CONF one byte beyond the config space without SLI ends in an error "
	       "(4.3.1.3)",
	       "%s count %u: cc %d dstat 0x%x cstat 0x%x", d->name, c + 1, cc, v.dstat, v.cstat);
out:
	power_off(&r);
}

static void test_conf_counts_blk(void)
{
	read_conf_every_count(&devs[0]);
}

static void test_conf_counts_rng(void)
{
	read_conf_every_count(&devs[1]);
}

static void test_conf_counts_net(void)
{
	read_conf_every_count(&devs[2]);
}

static void test_conf_counts_console(void)
{
	read_conf_every_count(&devs[3]);
}

static void test_conf_counts_balloon(void)
{
	read_conf_every_count(&devs[4]);
}

const struct conf_test conf_linux_tests[] = {
	{ "linux_chsc_0033_sstpc_not_provided", test_chsc_sstpc },
	{ "linux_chsc_0034_sdcal_not_provided", test_chsc_sdcal },
	{ "linux_chsc_004c_ssi_not_provided", test_chsc_ssi },
	{ "linux_chsc_scsc", test_chsc_scsc },
	{ "linux_chsc_sda_mss", test_chsc_sda },
	{ "linux_chsc_scpd_fmt0_fmt1", test_chsc_scpd },
	{ "linux_chsc_ssd_each_subchannel", test_chsc_ssd },
	{ "linux_sic_single_isc2", test_sic },
	{ "linux_msch_disable_enable_isc", test_msch_isc_cycles },
	{ "linux_sense_id_40_sli_and_path_nop", test_sense_id_nop },
	{ "linux_sequence_blk", test_setup_blk },
	{ "linux_sequence_rng", test_setup_rng },
	{ "linux_sequence_net", test_setup_net },
	{ "linux_sequence_console", test_setup_console },
	{ "linux_sequence_balloon", test_setup_balloon },
	{ "linux_read_conf_every_count_blk", test_conf_counts_blk },
	{ "linux_read_conf_every_count_rng", test_conf_counts_rng },
	{ "linux_read_conf_every_count_net", test_conf_counts_net },
	{ "linux_read_conf_every_count_console", test_conf_counts_console },
	{ "linux_read_conf_every_count_balloon", test_conf_counts_balloon },
};
const unsigned int conf_linux_nr = sizeof(conf_linux_tests) / sizeof(conf_linux_tests[0]);
