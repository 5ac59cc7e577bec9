// SPDX-License-Identifier: MIT
/*
 * Indirect data addressing and malformed address fields of the channel-program engine,
 * asserted against the architecture (PoP chapter 15 "Indirect Data Addressing",
 * "Channel-Program Check"; shared/reference/channel-io.md 5.1, 5.6, 5.10): IDAW formats
 * 1 and 2 with 2K and 4K blocks, where the bytes land, and each malformed CPA, CCW,
 * IDAW and data-address field.
 */
#include <stdint.h>
#include <string.h>

#include "engine_util.h"

#define AREA 0x40000u    /* data blocks of the IDAW tests live in [AREA, AREA_END) */
#define AREA_END 0x80000u
#define AREA_LEN (AREA_END - AREA)
#define BIG_LEN 5000u

static uint8_t expect_img[AREA_LEN];
static uint8_t got_img[AREA_LEN];

struct piece {
	uint64_t addr;
	uint32_t len;
};

/* Write an IDAW list at IDAL: format 1 (4-byte) unless @fmt2. */
static void put_idaws(struct et *t, bool fmt2, const uint64_t *idaws, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fmt2)
			vccw_mem_st_be64(t->f.mem, IDAL + 8 * i, idaws[i]);
		else
			vccw_mem_st_be32(t->f.mem, IDAL + 4 * i, (uint32_t)idaws[i]);
	}
}

/*
 * READ BIG of BIG_LEN bytes through IDAWs (ORB @ctrl); the bytes must land exactly in
 * @pieces, in order, and nowhere else in the area.
 */
static void check_idaw_read(uint32_t ctrl, const uint64_t *idaws, unsigned int n,
			    const struct piece *pieces, unsigned int np)
{
	struct et t;
	struct fx_irb irb;
	uint32_t off = 0;
	unsigned int i;

	REQUIRE(et_init(&t, false));
	for (i = 0; i < BIG_LEN; i++)
		t.st.read_data[i] = (uint8_t)(i * 13 + (i >> 8) + 1);
	t.st.read_len = BIG_LEN;
	vccw_mem_fill(t.f.mem, AREA, 0xaa, AREA_LEN);
	memset(expect_img, 0xaa, sizeof(expect_img));
	for (i = 0; i < np; i++) {
		memcpy(expect_img + (pieces[i].addr - AREA), t.st.read_data + off, pieces[i].len);
		off += pieces[i].len;
	}
	REQUIRE(off == BIG_LEN);
	put_idaws(&t, ctrl & VCCW_ORB_H, idaws, n);
	fx_ccw1(&t.f, PROG, FX_CMD_READ_BIG, VCCW_CCW_FLAG_IDA, BIG_LEN, IDAL);
	CHECK_EQ(et_start(&t, PROG, ctrl, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	vccw_mem_read(t.f.mem, AREA, got_img, AREA_LEN);
	for (i = 0; i < AREA_LEN; i++)
		if (got_img[i] != expect_img[i])
			break;
	CHECK_MSG(i == AREA_LEN, "first difference at 0x%x: 0x%02x, expected 0x%02x",
		  AREA + i, i < AREA_LEN ? got_img[i] : 0, i < AREA_LEN ? expect_img[i] : 0);
	et_fini(&t);
}

/*
 * Format-1 IDAWs (ORB H=0): 4-byte IDAWs, 2K blocks; the first IDAW may start anywhere
 * and runs to the next 2K boundary, later ones designate whole blocks (reference 5.6).
 */
TEST(test_ccw_idaw_fmt1_2k_blocks_placement)
{
	static const uint64_t idaws[] = { AREA + 0x700, 0x50000, 0x60800, 0x70000 };
	static const struct piece pieces[] = {
		{ AREA + 0x700, 0x100 }, { 0x50000, 2048 }, { 0x60800, 2048 }, { 0x70000, 648 },
	};

	check_idaw_read(0, idaws, 4, pieces, 4);
}

/* Format-2 IDAWs (H=1, T=0): 8-byte IDAWs, 4K blocks; the first runs to a 4K boundary. */
TEST(test_ccw_idaw_fmt2_4k_blocks_placement)
{
	static const uint64_t idaws[] = { AREA + 0x700, 0x52000 };
	static const struct piece pieces[] = { { AREA + 0x700, 0x900 }, { 0x52000, 2696 } };

	check_idaw_read(VCCW_ORB_H, idaws, 2, pieces, 2);
}

/* Format-2 IDAWs with 2K blocks (H=1, T=1). */
TEST(test_ccw_idaw_fmt2_2k_blocks_placement)
{
	static const uint64_t idaws[] = { AREA + 0x700, 0x50800, 0x60000, 0x71800 };
	static const struct piece pieces[] = {
		{ AREA + 0x700, 0x100 }, { 0x50800, 2048 }, { 0x60000, 2048 }, { 0x71800, 648 },
	};

	check_idaw_read(VCCW_ORB_H | VCCW_ORB_T, idaws, 4, pieces, 4);
}

/* A write through format-2 IDAWs gathers the blocks in IDAW order. */
TEST(test_ccw_idaw_fmt2_write_gathers)
{
	struct et t;
	struct fx_irb irb;
	static uint8_t want[BIG_LEN];

	REQUIRE(et_init(&t, false));
	et_pattern(&t, AREA, AREA_LEN, 3);
	vccw_mem_st_be64(t.f.mem, IDAL, AREA + 0x10ff0);
	vccw_mem_st_be64(t.f.mem, IDAL + 8, AREA + 0x3000);
	vccw_mem_st_be64(t.f.mem, IDAL + 16, AREA + 0x1000);
	vccw_mem_read(t.f.mem, AREA + 0x10ff0, want, 16);
	vccw_mem_read(t.f.mem, AREA + 0x3000, want + 16, 4096);
	vccw_mem_read(t.f.mem, AREA + 0x1000, want + 16 + 4096, BIG_LEN - 16 - 4096);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE_BIG, VCCW_CCW_FLAG_IDA, BIG_LEN, IDAL);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_H, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK_EQ(t.st.data_len, BIG_LEN);
	CHECK(memcmp(t.st.data, want, BIG_LEN) == 0);
	et_fini(&t);
}

/* Run READ BIG (count BIG_LEN) through IDAWs at @list and expect a program check. */
static void expect_idaw_prog_check(uint32_t ctrl, uint32_t list, const uint64_t *idaws,
				   unsigned int n)
{
	struct et t;
	struct fx_irb irb;
	unsigned int i;

	REQUIRE(et_init(&t, false));
	t.st.read_len = BIG_LEN;
	for (i = 0; i < n; i++) {
		if (ctrl & VCCW_ORB_H)
			vccw_mem_st_be64(t.f.mem, list + 8 * i, idaws[i]);
		else
			vccw_mem_st_be32(t.f.mem, list + 4 * i, (uint32_t)idaws[i]);
	}
	fx_ccw1(&t.f, PROG, FX_CMD_READ_BIG, VCCW_CCW_FLAG_IDA, BIG_LEN, list);
	CHECK_EQ(et_start(&t, PROG, ctrl, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	et_fini(&t);
}

/* Storage reaching past 2 GiB, so that bit 0 of a 31-bit address designates storage. */
#define RAM_2G_PLUS ((UINT64_C(2) << 30) + (1u << 20))
#define HIGH 0x80040000u /* exists in RAM_2G_PLUS storage, but is not a 31-bit address */

/*
 * Format-1 IDAW with bit 0 set (not a 31-bit address): program check (reference 5.6),
 * even where storage exists; the same address in a format-2 (64-bit) IDAW is fine.
 */
TEST(test_ccw_idaw_fmt1_bit0_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init_ram(&t, RAM_2G_PLUS));
	memcpy(t.st.read_data, "high", 4);
	t.st.read_len = 4;
	vccw_mem_st_be32(t.f.mem, IDAL, HIGH);
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_IDA, 4, IDAL);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	CHECK(!et_mem_eq(&t, HIGH, "high", 4));
	/* Control: a format-2 IDAW may address it. */
	vccw_mem_st_be64(t.f.mem, IDAL, HIGH);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_H, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK(et_mem_eq(&t, HIGH, "high", 4));
	et_fini(&t);
}

/* A format-1 CCW's IDAW-list address is a 31-bit address too (reference 5.6). */
TEST(test_ccw_idaw_list_fmt1_bit0_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init_ram(&t, RAM_2G_PLUS));
	t.st.read_len = 4;
	vccw_mem_st_be64(t.f.mem, HIGH, DATA);
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_IDA, 4, HIGH);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_H, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	et_fini(&t);
}

/* A later IDAW that does not designate the start of a block: program check (5.6). */
TEST(test_ccw_idaw_later_not_block_aligned_program_check)
{
	static const uint64_t fmt1[] = { AREA, 0x50400, 0x60000 };
	static const uint64_t fmt2_4k[] = { AREA, 0x50800 }; /* 2K-, not 4K-aligned */
	static const uint64_t fmt2_2k[] = { AREA, 0x50800, 0x60001 };

	expect_idaw_prog_check(0, IDAL, fmt1, 3);
	expect_idaw_prog_check(VCCW_ORB_H, IDAL, fmt2_4k, 2);
	expect_idaw_prog_check(VCCW_ORB_H | VCCW_ORB_T, IDAL, fmt2_2k, 3);
}

/* The IDAW list must be word (format 1) or doubleword (format 2) aligned. */
TEST(test_ccw_idaw_list_misaligned_program_check)
{
	static const uint64_t idaws[] = { AREA, 0x50000, 0x60000 };

	expect_idaw_prog_check(0, IDAL + 2, idaws, 3);
	expect_idaw_prog_check(VCCW_ORB_H, IDAL + 4, idaws, 2);
}

/* IDAW list outside storage: program check. */
TEST(test_ccw_idaw_list_beyond_ram_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	t.st.read_len = 64;
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_IDA, 64, FX_RAM_SIZE);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_H, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	et_fini(&t);
}

/* An IDAW designating data outside storage: program check (reference 5.6). */
TEST(test_ccw_idaw_data_beyond_ram_program_check)
{
	static const uint64_t fmt2[] = { AREA, 0x200000000ull };
	static const uint64_t fmt1[] = { AREA + 0x800, FX_RAM_SIZE };

	expect_idaw_prog_check(VCCW_ORB_H, IDAL, fmt2, 2);
	expect_idaw_prog_check(0, IDAL, fmt1, 2);
}

/* ---- Malformed CPA, CCW and data-address fields (reference 5.10) ---- */

/* CPA not doubleword aligned: program check when the first CCW is fetched. */
TEST(test_ccw_cpa_misaligned_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(et_start(&t, PROG + 4, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	et_fini(&t);
}

/* CPA outside storage: program check. */
TEST(test_ccw_cpa_beyond_ram_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	CHECK_EQ(et_start(&t, FX_RAM_SIZE, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(et_start(&t, FX_RAM_SIZE - 8, 0, &irb), VCCW_CC0);
	/* The last doubleword of storage holds zeros: invalid command code 0x00. */
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, FX_RAM_SIZE);
	et_fini(&t);
}

/*
 * Format-0 CCWs are addressed with 24 bits: a CPA at 16 MiB is a program check even
 * where storage exists (32 MiB here); the same program in format 1 runs.
 */
TEST(test_ccw_fmt0_cpa_above_16m_program_check)
{
	struct et t;
	struct fx_irb irb;
	const uint32_t at = 0x01000000u;

	REQUIRE(et_init_ram(&t, 32u << 20));
	fx_ccw0(&t.f, at, VCCW_CCW_CMD_NOP, 0, VCCW_CCW_FLAG_SLI, 1);
	CHECK_EQ(et_start0(&t, at, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	fx_ccw1(&t.f, at, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(et_start(&t, at, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, at, 0);
	et_fini(&t);
}

/* No MIDAW facility (ORB D is refused), so a MIDA flag is a program check (5.10 #6). */
TEST(test_ccw_mida_flag_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_MIDA, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/*
 * Format-1 direct data address with bit 0 set: program check (reference 5.1), even where
 * storage exists.
 */
TEST(test_ccw_fmt1_data_address_bit0_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init_ram(&t, RAM_2G_PLUS));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, 0, 4, HIGH);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/* A data area running past the end of storage: program check, for write and read. */
TEST(test_ccw_data_area_beyond_ram_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, 0, 32, FX_RAM_SIZE - 16);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	t.st.read_len = 32;
	fx_ccw1(&t.f, PROG, FX_CMD_READ, 0, 32, FX_RAM_SIZE - 16);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	/* Control: the same area ending at the last byte of storage is fine. */
	fx_ccw1(&t.f, PROG, FX_CMD_READ, 0, 32, FX_RAM_SIZE - 32);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	et_fini(&t);
}

/*
 * Format-0 data addresses are 24-bit: an area crossing 16 MiB is a program check even
 * where storage exists (32 MiB here); the same area in format 1 is fine.
 */
TEST(test_ccw_fmt0_data_area_crossing_16m_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init_ram(&t, 32u << 20));
	fx_ccw0(&t.f, PROG, FX_CMD_WRITE, 0xfffff0, 0, 32);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, 0, 32, 0xfffff0);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK_EQ(t.st.data_len, 32);
	et_fini(&t);
}
