// SPDX-License-Identifier: MIT
/*
 * Unit tests of CHSC (lib/css/src/chsc.c): the instruction checks on the block address
 * and request length, the placement and bound of the response, and for each command
 * (SCSC, SCPD, SSD, SEI, SDA, and one that is not provided) its success content and the
 * response code of each malformed request field (shared/reference/channel-io.md 11).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#include "test.h"

#define RAM_SIZE (16u << 20)
#define BLK 0x10000u    /* a 4 KiB-aligned block away from the prefix area */
#define FILL 0xaa       /* what the block holds where nothing should be stored */

#define CMD_SCPD 0x0002
#define CMD_SSD 0x0004
#define CMD_SSCUD 0x0006
#define CMD_SEI 0x000e
#define CMD_SCSC 0x0010
#define CMD_SDA 0x0031

struct fix {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cpu cpu;
};

static enum vccw_exec_rc dummy_start(struct vccw_sch *sch, void *opaque,
				     const struct vccw_orb *orb, unsigned int budget,
				     struct vccw_exec_status *st)
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

static bool fix_init_size(struct fix *f, uint64_t ram_size)
{
	struct vccw_css_config cfg = { .manual = true };
	struct vccw_err err;

	memset(f, 0, sizeof(*f));
	f->mem = vccw_mem_new(ram_size, &err);
	if (!f->mem)
		return false;
	f->css = vccw_css_new(f->mem, &cfg, &err);
	if (!f->css) {
		vccw_mem_free(f->mem);
		return false;
	}
	return true;
}

static bool fix_init(struct fix *f)
{
	return fix_init_size(f, RAM_SIZE);
}

static void fix_fini(struct fix *f)
{
	vccw_css_free(f->css);
	vccw_mem_free(f->mem);
}

static struct vccw_sch *add_sch(struct fix *f, uint8_t ssid, uint16_t devno)
{
	struct vccw_busid id = { .cssid = VCCW_CSS_VIRTUAL_CSSID, .ssid = ssid, .devno = devno };
	struct vccw_sch_config cfg = { .busid = &id, .ops = &dummy_ops };
	struct vccw_err err;
	struct vccw_sch *sch = vccw_css_sch_new(f->css, &cfg, &err);

	if (sch)
		vccw_css_sch_publish(sch);
	return sch;
}

/*
 * Fill the block and 64 bytes after it with FILL, then store the request header: L,
 * command, words +4..+12.
 */
static void put_req(struct fix *f, uint64_t addr, uint16_t len, uint16_t code, uint32_t w1,
		    uint32_t w2, uint32_t w3)
{
	vccw_mem_fill(f->mem, addr, FILL, 4096 + 64);
	vccw_mem_st_be16(f->mem, addr, len);
	vccw_mem_st_be16(f->mem, addr + 2, code);
	vccw_mem_st_be32(f->mem, addr + 4, w1);
	vccw_mem_st_be32(f->mem, addr + 8, w2);
	vccw_mem_st_be32(f->mem, addr + 12, w3);
}

static uint16_t ld16(struct fix *f, uint64_t addr)
{
	uint16_t v = 0xdead;

	vccw_mem_ld_be16(f->mem, addr, &v);
	return v;
}

static uint32_t ld32(struct fix *f, uint64_t addr)
{
	uint32_t v = 0xdeadbeef;

	vccw_mem_ld_be32(f->mem, addr, &v);
	return v;
}

static uint8_t ld8(struct fix *f, uint64_t addr)
{
	uint8_t v = 0;

	vccw_mem_ld_u8(f->mem, addr, &v);
	return v;
}

/* Response length, code and word of a request of length @len at BLK. */
static uint16_t rsp_len(struct fix *f, uint16_t len)
{
	return ld16(f, BLK + len);
}

static uint16_t rsp_code(struct fix *f, uint16_t len)
{
	return ld16(f, BLK + len + 2);
}

static uint32_t rsp_word(struct fix *f, uint16_t len)
{
	return ld32(f, BLK + len + 4);
}

/* Issue a request at BLK; CHSC itself must end with cc 0. Returns the response code. */
static uint16_t run(struct fix *f, uint16_t len, uint16_t code, uint32_t w1, uint32_t w2,
		    uint32_t w3)
{
	enum vccw_insn_rc rc;

	put_req(f, BLK, len, code, w1, w2, w3);
	rc = vccw_css_chsc(f->css, &f->cpu, BLK);
	CHECK_EQ(rc, VCCW_CC0);
	return rsp_code(f, len);
}

/* True when [addr, addr + len) still holds FILL. */
static bool untouched(struct fix *f, uint64_t addr, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (ld8(f, addr + i) != FILL)
			return false;
	return true;
}

/* ---- Instruction checks ---- */

TEST(test_chsc_unaligned_block_specification)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	put_req(&f, BLK, 0x10, CMD_SEI, 0, 0, 0);
	/* PoP: the block must start on a 4 KiB boundary. */
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, BLK + 8), VCCW_PGM_SPECIFICATION);
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, BLK + 0x800), VCCW_PGM_SPECIFICATION);
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, BLK + 1), VCCW_PGM_SPECIFICATION);
	CHECK(untouched(&f, BLK + 0x10, 4096 - 0x10));
	fix_fini(&f);
}

TEST(test_chsc_bad_request_length_operand)
{
	static const uint16_t bad[] = { 0, 8, 15, 17, 0x14, 4089, 4092, 4096, 4104, 0xfff8 };
	struct fix f;
	unsigned int i;

	REQUIRE(fix_init(&f));
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		put_req(&f, BLK, bad[i], CMD_SEI, 0, 0, 0);
		CHECK_MSG(vccw_css_chsc(f.css, &f.cpu, BLK) == VCCW_PGM_OPERAND,
			  "L 0x%04x should give an operand exception", bad[i]);
		CHECK(untouched(&f, BLK + 16, 4096 - 16));
	}
	fix_fini(&f);
}

TEST(test_chsc_longest_request_answered_at_block_end)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	/* L = 4088 is valid; the 8-byte response then ends exactly at the block end. */
	CHECK_EQ(run(&f, 4088, 0x7777, 0, 0, 0), 0x0004);
	CHECK_EQ(rsp_len(&f, 4088), 8);
	CHECK(untouched(&f, BLK + 4096, 64));
	fix_fini(&f);
}

TEST(test_chsc_block_beyond_ram_addressing)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, RAM_SIZE), VCCW_PGM_ADDRESSING);
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, UINT64_C(0xfffffffffffff000)),
		 VCCW_PGM_ADDRESSING);
	fix_fini(&f);
}

TEST(test_chsc_request_beyond_ram_addressing)
{
	struct fix f;

	/* The header is in RAM, the rest of the L bytes is not. */
	REQUIRE(fix_init_size(&f, BLK + 0x100));
	vccw_mem_fill(f.mem, BLK, 0, 0x100);
	vccw_mem_st_be16(f.mem, BLK, 0x400);
	vccw_mem_st_be16(f.mem, BLK + 2, CMD_SDA);
	vccw_mem_st_be32(f.mem, BLK + 4, 0x0002);
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, BLK), VCCW_PGM_ADDRESSING);
	CHECK(!vccw_css_mss_enabled(f.css));
	fix_fini(&f);
}

TEST(test_chsc_response_unstorable_changes_nothing)
{
	struct fix f;

	/* The whole SDA request is in RAM, its response header is not. */
	REQUIRE(fix_init_size(&f, BLK + 0x404));
	vccw_mem_fill(f.mem, BLK, 0, 0x404);
	vccw_mem_st_be16(f.mem, BLK, 0x400);
	vccw_mem_st_be16(f.mem, BLK + 2, CMD_SDA);
	vccw_mem_st_be32(f.mem, BLK + 4, 0x0002);
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, BLK), VCCW_PGM_ADDRESSING);
	CHECK(!vccw_css_mss_enabled(f.css));
	fix_fini(&f);
}

TEST(test_chsc_response_low_address_protected)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	f.cpu.low_addr_prot = true;
	put_req(&f, 0, 0x10, CMD_SEI, 0, 0, 0);
	/* PoP: the response at real 16 is a store under low-address protection. */
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, 0), VCCW_PGM_PROTECTION);
	CHECK(untouched(&f, 16, 4096 - 16));
	f.cpu.low_addr_prot = false;
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, 0), VCCW_CC0);
	CHECK_EQ(ld16(&f, 16 + 2), 0x0005);
	fix_fini(&f);
}

TEST(test_chsc_response_follows_request)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	/* The response starts at block + L, whatever L is. */
	CHECK_EQ(run(&f, 0x100, 0x7777, 0, 0, 0), 0x0004);
	CHECK_EQ(rsp_len(&f, 0x100), 8);
	CHECK(untouched(&f, BLK + 16, 0x100 - 16));
	CHECK(untouched(&f, BLK + 0x108, 4096 - 0x108));
	fix_fini(&f);
}

TEST(test_chsc_unknown_command_not_provided)
{
	static const uint16_t codes[] = { 0x0000, CMD_SSCUD, 0x0021, 0x0024, 0x1031, 0xffff };
	struct fix f;
	unsigned int i;

	REQUIRE(fix_init(&f));
	for (i = 0; i < VCCW_ARRAY_SIZE(codes); i++) {
		CHECK_MSG(run(&f, 0x10, codes[i], 0, 0, 0) == 0x0004,
			  "command 0x%04x should answer 0x0004", codes[i]);
		CHECK_EQ(rsp_len(&f, 0x10), 8);
		CHECK_EQ(rsp_word(&f, 0x10), 0);
		CHECK(untouched(&f, BLK + 0x18, 4096 - 0x18));
	}
	fix_fini(&f);
}

/* ---- SCSC ---- */

static bool scsc_general_bit(struct fix *f, unsigned int nr)
{
	return ld8(f, BLK + 0x10 + 8 + nr / 8) & (0x80 >> (nr % 8));
}

static bool scsc_chsc_bit(struct fix *f, unsigned int nr)
{
	return ld8(f, BLK + 0x10 + 8 + 510 * 4 + nr / 8) & (0x80 >> (nr % 8));
}

TEST(test_chsc_scsc_characteristics)
{
	static const unsigned int general[] = { 6, 7, 45, 46, 47, 48, 51, 108 };
	static const unsigned int chsc[] = { 1, 109 };
	unsigned int i, nr_set = 0;
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 4080);
	CHECK_EQ(rsp_word(&f, 0x10), 0);
	for (i = 0; i < VCCW_ARRAY_SIZE(general); i++)
		CHECK_MSG(scsc_general_bit(&f, general[i]), "general bit %u not set", general[i]);
	for (i = 0; i < VCCW_ARRAY_SIZE(chsc); i++)
		CHECK_MSG(scsc_chsc_bit(&f, chsc[i]), "CHSC bit %u not set", chsc[i]);
	/* Linux: bit 88 (FCX) would make it read command-mode SCSWs as transport mode. */
	CHECK(!scsc_general_bit(&f, 88));
	/* Nothing else is advertised. */
	for (i = 0; i < 4072 * 8; i++)
		nr_set += (ld8(&f, BLK + 0x18 + i / 8) >> (7 - i % 8)) & 1;
	CHECK_EQ(nr_set, VCCW_ARRAY_SIZE(general) + VCCW_ARRAY_SIZE(chsc));
	fix_fini(&f);
}

TEST(test_chsc_scsc_malformed_request)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x18, CMD_SCSC, 0, 0, 0), 0x0003);   /* L must be 0x0010 */
	CHECK_EQ(rsp_len(&f, 0x18), 8);
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x00010000, 0, 0), 0x0007); /* format */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x0000fe00, 0, 0), 0x0008); /* CSSID without M */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x20000000 | 0x0000fe00, 0, 0), 0x0008); /* no MCSS-E */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x80000000, 0, 0), 0x0003); /* reserved bit 0 */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x00100000, 0, 0), 0x0003); /* reserved bit 11 */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x00000001, 0, 0), 0x0003); /* reserved bit 31 */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0, 1, 0), 0x0003);          /* word +8 */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0, 0, 0x80000000), 0x0003); /* word +12 */
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK(untouched(&f, BLK + 0x18, 4096 - 0x18));
	fix_fini(&f);
}

TEST(test_chsc_scsc_cssid_with_mcsse)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0000, 0, 0), 0x0001);
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x20000000 | 0x0000fe00, 0, 0), 0x0001);
	/* Only image 0xfe exists. */
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x20000000 | 0x00000100, 0, 0), 0x0008);
	CHECK_EQ(run(&f, 0x10, CMD_SCSC, 0x20000000, 0, 0), 0x0008);
	fix_fini(&f);
}

/* ---- SCPD ---- */

TEST(test_chsc_scpd_format0_descriptor)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	/* CHPIDs 0x00-0xff: only the virtual CHPID 0x00, type 0x32, is installed. */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000000, 0x000000ff, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 8);
	CHECK_EQ(rsp_word(&f, 0x10), 0);
	CHECK_EQ(ld32(&f, BLK + 0x18), 0x80000000u | 0x32 << 8 | 0x00);
	CHECK_EQ(ld32(&f, BLK + 0x1c), 0);
	CHECK(untouched(&f, BLK + 0x20, 4096 - 0x20));
	fix_fini(&f);
}

TEST(test_chsc_scpd_format1_descriptor)
{
	struct fix f;
	unsigned int i;

	REQUIRE(fix_init(&f));
	/* C=1 asks for 32-byte format-1 descriptors; the response word says format 1. */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x10000000, 0x00000000, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 32);
	CHECK_EQ(rsp_word(&f, 0x10), 1);
	CHECK_EQ(ld32(&f, BLK + 0x18), 0x80003200u);
	for (i = 4; i < 32; i += 4)
		CHECK_EQ(ld32(&f, BLK + 0x18 + i), 0);
	CHECK(untouched(&f, BLK + 0x38, 4096 - 0x38));
	fix_fini(&f);
}

TEST(test_chsc_scpd_uninstalled_range_empty)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000001, 0x000000ff, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	fix_fini(&f);
}

TEST(test_chsc_scpd_response_formats)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	/* Response formats 2 and 3: no such descriptors for a virtual path, empty list. */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000200, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK_EQ(rsp_word(&f, 0x10), 2);
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x10000300, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK_EQ(rsp_word(&f, 0x10), 3);
	/* Response format 1 field with C=0 still means "C selects": format 0. */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000100, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 16);
	CHECK_EQ(rsp_word(&f, 0x10), 0);
	/* Undefined response formats. */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000400, 0, 0), 0x0009);
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000f00, 0, 0), 0x0009);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	fix_fini(&f);
}

TEST(test_chsc_scpd_malformed_request)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x18, CMD_SCPD, 0, 0, 0), 0x0003);          /* L must be 0x0010 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x80000000, 0, 0), 0x0003); /* reserved bit 0 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x40000000, 0, 0), 0x0003); /* reserved bit 1 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00008000, 0, 0), 0x0003); /* reserved bits 16-19 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0, 0x00000100, 0), 0x0003); /* word +8 bits 0-23 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0, 0, 1), 0x0003);          /* word +12 */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x01000000, 0, 0), 0x0007); /* format */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00fe0000, 0, 0), 0x0008); /* CSSID without M */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x20fe0000, 0, 0), 0x0008); /* M without MCSS-E */
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x00000005, 0x00000004, 0), 0x0003); /* last < first */
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK_EQ(rsp_word(&f, 0x10), 0);
	CHECK(untouched(&f, BLK + 0x18, 4096 - 0x18));
	fix_fini(&f);
}

TEST(test_chsc_scpd_explicit_image_with_mcsse)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0000, 0, 0), 0x0001);
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x20fe0000, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 16);
	CHECK_EQ(ld32(&f, BLK + 0x18), 0x80003200u);
	CHECK_EQ(run(&f, 0x10, CMD_SCPD, 0x20fd0000, 0, 0), 0x0008);
	fix_fini(&f);
}

/* ---- SSD ---- */

/* SSD request: halfword +4 (M, SSID, format), first and last subchannel, CSSID byte +9. */
static uint16_t run_ssd(struct fix *f, uint16_t h1, uint16_t first, uint16_t last, uint8_t cssid)
{
	return run(f, 0x10, CMD_SSD, (uint32_t)h1 << 16 | first, (uint32_t)cssid << 16 | last, 0);
}

static void check_ssd_entry(struct fix *f, unsigned int i, uint16_t devno, uint16_t schnr)
{
	uint64_t e = BLK + 0x18 + i * 32;
	unsigned int k;

	CHECK_EQ(ld8(f, e), 0xc0); /* subchannel valid, device number valid, type 0 (I/O) */
	CHECK_EQ(ld8(f, e + 1), devno & 0xff);
	CHECK_EQ(ld16(f, e + 2), devno);
	CHECK_EQ(ld8(f, e + 4), 0x80); /* path mask = PIM */
	CHECK_EQ(ld8(f, e + 5), 0);    /* no full link addresses */
	CHECK_EQ(ld16(f, e + 6), schnr);
	CHECK_EQ(ld8(f, e + 8), VCCW_CSS_VIRTUAL_CHPID);
	for (k = 9; k < 32; k++)
		CHECK_EQ(ld8(f, e + k), 0);
}

TEST(test_chsc_ssd_defined_and_undefined_subchannels)
{
	struct vccw_sch *a, *b;
	struct fix f;
	unsigned int k;

	REQUIRE(fix_init(&f));
	a = add_sch(&f, 0, 0x0815);
	b = add_sch(&f, 0, 0x1234);
	REQUIRE(a && b);
	REQUIRE(vccw_sch_schnr(a) == 0 && vccw_sch_schnr(b) == 1);
	CHECK_EQ(run_ssd(&f, 0, 0, 2, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 3 * 32);
	check_ssd_entry(&f, 0, 0x0815, 0);
	check_ssd_entry(&f, 1, 0x1234, 1);
	/* Linux chsc.c: "subchannel valid" off means no subchannel; the entry is zero. */
	for (k = 0; k < 32; k++)
		CHECK_EQ(ld8(&f, BLK + 0x18 + 2 * 32 + k), 0);
	CHECK(untouched(&f, BLK + 0x18 + 3 * 32, 4096 - 0x18 - 3 * 32));
	/* A single subchannel, the way Linux asks. */
	CHECK_EQ(run_ssd(&f, 0, 1, 1, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 32);
	check_ssd_entry(&f, 0, 0x1234, 1);
	vccw_css_sch_free(a, false);
	vccw_css_sch_free(b, false);
	fix_fini(&f);
}

TEST(test_chsc_ssd_response_bounded_by_block)
{
	struct vccw_sch *a;
	struct fix f;

	REQUIRE(fix_init(&f));
	a = add_sch(&f, 0, 0x0001);
	REQUIRE(a);
	/* 65536 entries asked for: as many as fit in 4096 - 16 - 8 bytes, 127. */
	CHECK_EQ(run_ssd(&f, 0, 0, 0xffff, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 127 * 32);
	check_ssd_entry(&f, 0, 0x0001, 0);
	CHECK(untouched(&f, BLK + 0x10 + 8 + 127 * 32, 4096 - 0x10 - 8 - 127 * 32));
	CHECK(untouched(&f, BLK + 4096, 64));
	vccw_css_sch_free(a, false);
	fix_fini(&f);
}

TEST(test_chsc_ssd_set_needs_mss)
{
	struct vccw_sch *a;
	struct fix f;

	REQUIRE(fix_init(&f));
	a = add_sch(&f, 1, 0x0042);
	REQUIRE(a);
	/* Set 1 does not exist for the program until it enables MSS: invalid SSID. */
	CHECK_EQ(run_ssd(&f, 1 << 4, 0, 0, 0), 0x000a);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0002, 0, 0), 0x0001);
	CHECK_EQ(run_ssd(&f, 1 << 4, 0, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x10), 8 + 32);
	check_ssd_entry(&f, 0, 0x0042, 0);
	/* Set 3 is visible too, and empty. */
	CHECK_EQ(run_ssd(&f, 3 << 4, 0, 0, 0), 0x0001);
	CHECK_EQ(ld8(&f, BLK + 0x18), 0);
	vccw_css_sch_free(a, false);
	fix_fini(&f);
}

TEST(test_chsc_ssd_malformed_request)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x18, CMD_SSD, 0, 0, 0), 0x0003);      /* L must be 0x0010 */
	CHECK_EQ(run_ssd(&f, 0x8000, 0, 0, 0), 0x0003);         /* reserved bit 0 */
	CHECK_EQ(run_ssd(&f, 0x0040, 0, 0, 0), 0x0003);         /* reserved bit 9 */
	CHECK_EQ(run(&f, 0x10, CMD_SSD, 0, 0x01000000, 0), 0x0003); /* reserved byte +8 */
	CHECK_EQ(run(&f, 0x10, CMD_SSD, 0, 0, 1), 0x0003);      /* word +12 */
	CHECK_EQ(run_ssd(&f, 0x0001, 0, 0, 0), 0x0007);         /* format */
	CHECK_EQ(run_ssd(&f, 0, 0, 0, 0xfe), 0x0008);           /* CSSID without M */
	CHECK_EQ(run_ssd(&f, 0x2000, 0, 0, 0xfe), 0x0008);      /* M without MCSS-E */
	CHECK_EQ(run_ssd(&f, 0, 5, 4, 0), 0x0003);              /* last < first */
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK(untouched(&f, BLK + 0x18, 4096 - 0x18));
	fix_fini(&f);
}

TEST(test_chsc_ssd_explicit_image_with_mcsse)
{
	struct vccw_sch *a;
	struct fix f;

	REQUIRE(fix_init(&f));
	a = add_sch(&f, 0, 0x0815);
	REQUIRE(a);
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0000, 0, 0), 0x0001);
	CHECK_EQ(run_ssd(&f, 0x2000, 0, 0, 0xfe), 0x0001);
	check_ssd_entry(&f, 0, 0x0815, 0);
	CHECK_EQ(run_ssd(&f, 0x2000, 0, 0, 0x00), 0x0008);
	vccw_css_sch_free(a, false);
	fix_fini(&f);
}

/* ---- SEI ---- */

TEST(test_chsc_sei_no_event)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x10, CMD_SEI, 0, 0, 0), 0x0005);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	/* With the NT0 | NT2 selection mask Linux uses. */
	CHECK_EQ(run(&f, 0x10, CMD_SEI, 0, 0xa0000000, 0), 0x0005);
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	CHECK(untouched(&f, BLK + 0x18, 4096 - 0x18));
	fix_fini(&f);
}

TEST(test_chsc_sei_malformed_request)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x18, CMD_SEI, 0, 0, 0), 0x0003);          /* L must be 0x0010 */
	CHECK_EQ(rsp_len(&f, 0x18), 8);
	CHECK_EQ(run(&f, 0x10, CMD_SEI, 0x00000001, 0, 0), 0x0003); /* reserved word +4 */
	CHECK_EQ(rsp_len(&f, 0x10), 8);
	fix_fini(&f);
}

/* ---- SDA ---- */

TEST(test_chsc_sda_enable_mss)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK(!vccw_css_mss_enabled(f.css));
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0002, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x400), 8);
	CHECK(vccw_css_mss_enabled(f.css));
	CHECK(!vccw_css_mcsse_enabled(f.css));
	/* Idempotent. */
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0002, 0, 0), 0x0001);
	CHECK(vccw_css_mss_enabled(f.css));
	/* A css reset disables it again. */
	vccw_css_reset(f.css);
	CHECK(!vccw_css_mss_enabled(f.css));
	fix_fini(&f);
}

TEST(test_chsc_sda_enable_mcsse)
{
	struct fix f;

	REQUIRE(fix_init(&f));
	CHECK(!vccw_css_mcsse_enabled(f.css));
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x0000, 0, 0), 0x0001);
	CHECK_EQ(rsp_len(&f, 0x400), 8);
	CHECK(vccw_css_mcsse_enabled(f.css));
	CHECK(!vccw_css_mss_enabled(f.css));
	fix_fini(&f);
}

TEST(test_chsc_sda_malformed_request)
{
	static const uint32_t bad_oc[] = { 0x0001, 0x0003, 0x0004, 0x00ff, 0xffff };
	struct fix f;
	unsigned int i;

	REQUIRE(fix_init(&f));
	CHECK_EQ(run(&f, 0x10, CMD_SDA, 0x0002, 0, 0), 0x0003);      /* L must be 0x0400 */
	CHECK_EQ(run(&f, 0x3f8, CMD_SDA, 0x0002, 0, 0), 0x0003);
	CHECK_EQ(run(&f, 0x408, CMD_SDA, 0x0002, 0, 0), 0x0003);
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x01000002, 0, 0), 0x0007); /* format */
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x80000002, 0, 0), 0x0003); /* reserved bit 0 */
	CHECK_EQ(run(&f, 0x400, CMD_SDA, 0x00010002, 0, 0), 0x0003); /* reserved bit 15 */
	for (i = 0; i < VCCW_ARRAY_SIZE(bad_oc); i++)
		CHECK_MSG(run(&f, 0x400, CMD_SDA, bad_oc[i], 0, 0) == 0x0003,
			  "operation code 0x%04x should answer 0x0003", bad_oc[i]);
	CHECK_EQ(rsp_len(&f, 0x400), 8);
	CHECK(!vccw_css_mss_enabled(f.css));
	CHECK(!vccw_css_mcsse_enabled(f.css));
	fix_fini(&f);
}
