// SPDX-License-Identifier: MIT
/*
 * CHSC (channel-subsystem call, B25F): the 4 KiB request/response block and the commands
 * a virtual css provides, shared/reference/channel-io.md section 11 (block layout 11.1,
 * SCSC 11.3, SCPD 11.4, SDA 11.5, SEI 11.6, SSD 11.7) with the instruction checks of 1.3
 * and the css image of section 12. This file owns the command table: each command is a
 * row (code, name, exact request length, whether it changes css state, handler); the
 * dispatcher fetches the request once, checks what every command has in common, runs the
 * handler on a host copy and stores the response with one write. Every command completes
 * synchronously, so the condition code is always 0.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "trace-int.h"

#include "css-int.h"

#define CHSC_BLOCK_LEN 4096u /* request and response share one 4 KiB block */
#define CHSC_HDR_LEN 16u     /* request header: length, code, three words */
#define CHSC_REQ_MAX 4088u   /* leaves room for the 8-byte response header */
#define CHSC_RSP_HDR_LEN 8u  /* response length, response code, response word */

/* Response codes (reference 11.1). */
#define RSP_OK 0x0001
#define RSP_REQ_ERROR 0x0003
#define RSP_NOT_PROVIDED 0x0004
#define RSP_NO_DATA 0x0005
#define RSP_BAD_FORMAT 0x0007
#define RSP_BAD_CSSID 0x0008
#define RSP_BAD_RFMT 0x0009
#define RSP_BAD_SSID 0x000a

/* SCSC request word +4 (reference 11.3). */
#define SCSC_M 0x20000000u
#define SCSC_FMT 0x000f0000u
#define SCSC_CSSID 0x0000ff00u
#define SCSC_RSVD 0xdff000ffu
#define SCSC_GENERAL_WORDS 510u
#define SCSC_CHSC_WORDS 508u

/* SCPD request words +4 and +8 (reference 11.4). */
#define SCPD_M 0x20000000u
#define SCPD_C 0x10000000u
#define SCPD_FMT 0x0f000000u
#define SCPD_CSSID 0x00ff0000u
#define SCPD_RFMT 0x00000f00u
#define SCPD_CHPID 0x000000ffu
#define SCPD_RSVD0 0xc000f000u
#define SCPD_RSVD1 0xffffff00u
#define SCPD_DESC_VALID 0x80000000u
#define SCPD_FMT0_LEN 8u
#define SCPD_FMT1_LEN 32u

/* SSD request halfword +4, byte +9 (reference 11.7; M and CSSID as in PNSO). */
#define SSD_M 0x2000u
#define SSD_SSID 0x0030u
#define SSD_FMT 0x000fu
#define SSD_RSVD 0xdfc0u
#define SSD_ENTRY_LEN 32u
#define SSD_SCH_VALID 0x80u
#define SSD_DEV_VALID 0x40u
#define SSD_ST_SHIFT 3

/* SDA request word +4 (reference 11.5). */
#define SDA_FMT 0x0f000000u
#define SDA_RSVD 0xf0ff0000u
#define SDA_OC 0x0000ffffu
#define SDA_OC_MCSSE 0x0000
#define SDA_OC_MSS 0x0002

/* The response a handler builds; the dispatcher encodes the header. */
struct chsc_rsp {
	uint8_t *data; /* response data, after the 8-byte header */
	size_t room;   /* bytes of @data inside the 4 KiB block */
	size_t len;    /* bytes of @data used */
	uint32_t word; /* response word (+4) */
};

/*
 * A command handler: @req is the host copy of the whole request block (its length is the
 * row's req_len). Returns the response code; data and word count only with RSP_OK.
 * Context: css->topo held, for writing if the row says so.
 */
typedef uint16_t chsc_handler_fn(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp);

struct chsc_cmd {
	uint16_t code;
	const char *name;
	uint16_t req_len; /* exact request length L; any other gives RSP_REQ_ERROR */
	bool writes;      /* changes css state: takes topo for writing */
	chsc_handler_fn *handler;
};

static void set_bit(uint8_t *bits, unsigned int nr)
{
	bits[nr / 8] |= (uint8_t)(0x80u >> (nr % 8));
}

/*
 * PoP/CHSC: with M=0 the CSSID field must be zero and means the css the program runs in
 * (the virtual image 0xfe); with M=1 it names an image explicitly, which needs MCSS-E
 * enabled, and the only image is 0xfe.
 */
static uint16_t check_cssid(struct vccw_css *css, bool m, uint8_t cssid)
{
	if (!m)
		return cssid ? RSP_BAD_CSSID : 0;
	if (!css->mcsse || cssid != VCCW_CSS_VIRTUAL_CSSID)
		return RSP_BAD_CSSID;
	return 0;
}

/*
 * Characteristics advertised, as QEMU does (bit 0 = MSB of the first word). Linux names:
 * general 45 mcss, 46 fcs, 48 ext_mb, 108 alt_ssi; Hercules: general 7 concurrent sense,
 * CHSC 1 SCPD provided. General bit 88 (fcx, transport mode) is never set: Linux would
 * then read SCSW bit 12 of a command-mode SCSW as the transport-mode bit. Linux defines
 * no CHSC bit for SSD (it issues SSD unconditionally), so none is set for it.
 */
static const uint16_t scsc_general_bits[] = { 6, 7, 45, 46, 47, 48, 51, 108 };
static const uint16_t scsc_chsc_bits[] = { 1, 109 };

/* Store channel-subsystem characteristics (0x0010). */
static uint16_t chsc_scsc(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp)
{
	uint32_t w1 = vccw_ld_be32(req + 4);
	uint32_t w2 = vccw_ld_be32(req + 8);
	uint32_t w3 = vccw_ld_be32(req + 12);
	size_t len = (SCSC_GENERAL_WORDS + SCSC_CHSC_WORDS) * 4;
	uint16_t code;
	unsigned int i;

	if ((w1 & SCSC_RSVD) || w2 || w3)
		return RSP_REQ_ERROR;
	if (w1 & SCSC_FMT)
		return RSP_BAD_FORMAT;
	code = check_cssid(css, w1 & SCSC_M, (uint8_t)((w1 & SCSC_CSSID) >> 8));
	if (code)
		return code;
	/* The response is 4080 bytes; with L fixed at 16 it always fits. */
	if (len > rsp->room)
		return RSP_REQ_ERROR;
	for (i = 0; i < VCCW_ARRAY_SIZE(scsc_general_bits); i++)
		set_bit(rsp->data, scsc_general_bits[i]);
	for (i = 0; i < VCCW_ARRAY_SIZE(scsc_chsc_bits); i++)
		set_bit(rsp->data + SCSC_GENERAL_WORDS * 4, scsc_chsc_bits[i]);
	rsp->len = len;
	return RSP_OK;
}

/* Installed channel paths of image 0xfe, in CHPID order (reference 12). */
struct chp_desc {
	uint8_t chpid;
	uint8_t type;
};

static const struct chp_desc installed_chps[] = {
	{ VCCW_CSS_VIRTUAL_CHPID, VCCW_CSS_VIRTUAL_CHPID_TYPE },
};

/* Store channel-path description (0x0002). */
static uint16_t chsc_scpd(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp)
{
	uint32_t w1 = vccw_ld_be32(req + 4);
	uint32_t w2 = vccw_ld_be32(req + 8);
	uint32_t w3 = vccw_ld_be32(req + 12);
	unsigned int first = w1 & SCPD_CHPID, last = w2 & SCPD_CHPID;
	unsigned int rfmt = (w1 & SCPD_RFMT) >> 8;
	size_t desc_len;
	unsigned int i;
	uint16_t code;

	if ((w1 & SCPD_RSVD0) || (w2 & SCPD_RSVD1) || w3)
		return RSP_REQ_ERROR;
	if (w1 & SCPD_FMT)
		return RSP_BAD_FORMAT;
	code = check_cssid(css, w1 & SCPD_M, (uint8_t)((w1 & SCPD_CSSID) >> 16));
	if (code)
		return code;
	if (last < first)
		return RSP_REQ_ERROR;
	/*
	 * Response formats 0 and 1 both mean "C selects the descriptor": C=0 format 0
	 * (8 bytes), C=1 format 1 (32 bytes); the response word echoes the format used.
	 * Formats 2 and 3 describe facilities a virtual path has none of: an empty list.
	 * Higher formats are not defined.
	 */
	if (rfmt > 3)
		return RSP_BAD_RFMT;
	if (rfmt <= 1)
		rfmt = (w1 & SCPD_C) ? 1 : 0;
	rsp->word = rfmt;
	if (rfmt > 1)
		return RSP_OK;
	desc_len = rfmt ? SCPD_FMT1_LEN : SCPD_FMT0_LEN;
	/*
	 * One descriptor per installed path in [first, last], bounded by the room left in
	 * the block (QEMU does not bound them). Only "CHPID valid", the type and the CHPID
	 * are meaningful for a virtual path; the rest of either format stays zero.
	 */
	for (i = 0; i < VCCW_ARRAY_SIZE(installed_chps); i++) {
		const struct chp_desc *chp = &installed_chps[i];
		uint8_t *d = rsp->data + rsp->len;

		if (chp->chpid < first || chp->chpid > last)
			continue;
		if (desc_len > rsp->room - rsp->len)
			break;
		memset(d, 0, desc_len);
		vccw_st_be32(d, SCPD_DESC_VALID | (uint32_t)chp->type << 8 | chp->chpid);
		rsp->len += desc_len;
	}
	return RSP_OK;
}

/* One SSD entry for a defined subchannel. Context: topo held (read). */
static void ssd_entry(struct vccw_sch *sch, uint8_t *e)
{
	const struct vccw_pmcw *p = &sch->schib.pmcw;
	uint8_t flags = SSD_SCH_VALID;

	css_sch_lock(sch);
	if (p->flags & VCCW_PMCW_DNV)
		flags |= SSD_DEV_VALID;
	/* Subchannel type from PMCW word 6 (0 = I/O subchannel). */
	flags |= (uint8_t)(((p->chars & VCCW_PMCW_ST_MASK) >> 21) << SSD_ST_SHIFT);
	e[0] = flags;
	e[1] = (uint8_t)sch->devno; /* unit address: low byte of the device number */
	vccw_st_be16(e + 2, sch->devno);
	e[4] = p->pim; /* Linux chsc.c takes CHPID[i] for each path-mask bit */
	e[5] = 0;      /* no full link addresses on a virtual path */
	vccw_st_be16(e + 6, sch->schnr);
	memcpy(e + 8, p->chpid, sizeof(p->chpid));
	pthread_mutex_unlock(&sch->lock);
}

/* Store subchannel description (0x0004). */
static uint16_t chsc_ssd(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp)
{
	uint16_t h1 = vccw_ld_be16(req + 4);
	unsigned int first = vccw_ld_be16(req + 6);
	uint8_t rsvd = req[8];
	uint8_t cssid = req[9];
	unsigned int last = vccw_ld_be16(req + 10);
	uint32_t w3 = vccw_ld_be32(req + 12);
	uint8_t ssid = (uint8_t)((h1 & SSD_SSID) >> 4);
	unsigned int nr, n, max;
	uint16_t code;

	if ((h1 & SSD_RSVD) || rsvd || w3)
		return RSP_REQ_ERROR;
	if (h1 & SSD_FMT)
		return RSP_BAD_FORMAT;
	code = check_cssid(css, h1 & SSD_M, cssid);
	if (code)
		return code;
	/* Sets above 0 exist for the program only once it enabled MSS (SDA). */
	if (!css_set_visible(css, ssid))
		return RSP_BAD_SSID;
	if (last < first)
		return RSP_REQ_ERROR;
	/*
	 * One 32-byte entry per subchannel number, as many as fit in the block; Linux chsc.c
	 * asks for one subchannel at a time and reads "subchannel valid" first, so numbers
	 * without a subchannel get an all-zero entry.
	 */
	max = (unsigned int)(rsp->room / SSD_ENTRY_LEN);
	n = last - first + 1;
	if (n > max)
		n = max;
	memset(rsp->data, 0, (size_t)n * SSD_ENTRY_LEN);
	for (nr = 0; nr < n; nr++) {
		struct vccw_sch *sch = css_find_sch(css, ssid, (uint16_t)(first + nr));

		if (sch)
			ssd_entry(sch, rsp->data + (size_t)nr * SSD_ENTRY_LEN);
	}
	rsp->len = (size_t)n * SSD_ENTRY_LEN;
	return RSP_OK;
}

/* Store event information (0x000E). */
static uint16_t chsc_sei(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp)
{
	(void)css;
	(void)rsp;
	/*
	 * Word +4 is reserved; the selection mask at +8 is accepted whatever it holds (NT0
	 * cannot be masked, and no notification type has events here).
	 */
	if (vccw_ld_be32(req + 4))
		return RSP_REQ_ERROR;
	/* The virtual css never reports channel-path or resource events: no data. */
	return RSP_NO_DATA;
}

/* Set domain attributes / enable facility (0x0031). */
static uint16_t chsc_sda(struct vccw_css *css, const uint8_t *req, struct chsc_rsp *rsp)
{
	uint32_t w1 = vccw_ld_be32(req + 4);

	(void)rsp;
	if (w1 & SDA_RSVD)
		return RSP_REQ_ERROR;
	if (w1 & SDA_FMT)
		return RSP_BAD_FORMAT;
	/* Enabling is idempotent; a css reset disables both again. */
	switch (w1 & SDA_OC) {
	case SDA_OC_MCSSE:
		css->mcsse = true;
		return RSP_OK;
	case SDA_OC_MSS:
		css->mss = true;
		return RSP_OK;
	default:
		return RSP_REQ_ERROR;
	}
}

static const struct chsc_cmd chsc_cmds[] = {
	{ 0x0002, "scpd", 0x0010, false, chsc_scpd },
	{ 0x0004, "ssd", 0x0010, false, chsc_ssd },
	{ 0x000e, "sei", 0x0010, false, chsc_sei },
	{ 0x0010, "scsc", 0x0010, false, chsc_scsc },
	{ 0x0031, "sda", 0x0400, true, chsc_sda },
};

static const struct chsc_cmd *find_cmd(uint16_t code)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(chsc_cmds); i++)
		if (chsc_cmds[i].code == code)
			return &chsc_cmds[i];
	return NULL;
}

enum vccw_insn_rc css_chsc(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	uint8_t blk[CHSC_BLOCK_LEN];
	const struct chsc_cmd *cmd;
	struct chsc_rsp rsp;
	enum vccw_insn_rc rc;
	uint16_t len, code, rsp_code;
	uint8_t *hdr;

	/* PoP: the block must be on a 4 KiB boundary. */
	if (addr & (CHSC_BLOCK_LEN - 1))
		return VCCW_PGM_SPECIFICATION;
	rc = css_cpu_read(css, cpu, addr, blk, CHSC_HDR_LEN);
	if (rc != VCCW_CC0)
		return rc;
	len = vccw_ld_be16(blk);
	code = vccw_ld_be16(blk + 2);
	/* PoP: L must be 16..4088 and a multiple of 8, else operand exception. */
	if (len < CHSC_HDR_LEN || len > CHSC_REQ_MAX || (len & 7))
		return VCCW_PGM_OPERAND;
	rc = css_cpu_read(css, cpu, addr + CHSC_HDR_LEN, blk + CHSC_HDR_LEN, len - CHSC_HDR_LEN);
	if (rc != VCCW_CC0)
		return rc;
	/*
	 * The response header is always stored. Check that store before running a command:
	 * the only command that changes state (SDA) answers with the header alone, so an
	 * access exception then leaves the css as it was.
	 */
	rc = css_cpu_check_write(css, cpu, addr + len, CHSC_RSP_HDR_LEN);
	if (rc != VCCW_CC0)
		return rc;

	memset(blk + len, 0, sizeof(blk) - len);
	hdr = blk + len;
	rsp = (struct chsc_rsp){
		.data = hdr + CHSC_RSP_HDR_LEN,
		.room = sizeof(blk) - len - CHSC_RSP_HDR_LEN,
	};
	cmd = find_cmd(code);
	if (!cmd) {
		/* Reference 11.1: commands not provided answer 0x0004 (Linux: -EOPNOTSUPP). */
		rsp_code = RSP_NOT_PROVIDED;
	} else if (len != cmd->req_len) {
		rsp_code = RSP_REQ_ERROR;
	} else {
		if (cmd->writes)
			pthread_rwlock_wrlock(&css->topo);
		else
			pthread_rwlock_rdlock(&css->topo);
		rsp_code = cmd->handler(css, blk, &rsp);
		pthread_rwlock_unlock(&css->topo);
	}
	VCCW_TRACE(css_chsc_cmd, code, cmd ? cmd->name : "not-provided", len, rsp_code);
	if (rsp_code != RSP_OK) {
		/* Only the 8-byte header: no data, response word 0. */
		rsp.len = 0;
		rsp.word = 0;
		if (rsp_code != RSP_NO_DATA)
			css_log(css, VCCW_LOG_GUEST,
				"chsc 0x%04x (%s): L 0x%04x: response code 0x%04x", code,
				cmd ? cmd->name : "not provided", len, rsp_code);
	}
	vccw_st_be16(hdr, (uint16_t)(CHSC_RSP_HDR_LEN + rsp.len));
	vccw_st_be16(hdr + 2, rsp_code);
	vccw_st_be32(hdr + 4, rsp.word);
	rc = css_cpu_write(css, cpu, addr + len, hdr, CHSC_RSP_HDR_LEN + rsp.len);
	if (rc != VCCW_CC0)
		return rc;
	/* Every command completes synchronously: cc 0 (no CHSC subchannel, no busy). */
	return VCCW_CC0;
}
