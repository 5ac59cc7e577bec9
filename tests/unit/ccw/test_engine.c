// SPDX-License-Identifier: MIT
/*
 * Channel-program semantics of the engine (lib/ccw/src/engine.c), asserted against the
 * architecture (PoP chapters 15-16; shared/reference/channel-io.md sections 3, 5, 6.5,
 * 10): command and data chaining, count rules, incorrect length and SLI, SKIP, invalid
 * and unknown commands with basic and concurrent sense, SENSE ID.
 * IDAWs and malformed addresses: test_idaw.c; TIC, PCI, suspend, halt/clear: test_flow.c.
 */
#include <stdint.h>
#include <string.h>

#include "engine_util.h"

/* ---- Command chaining (reference 5.2 CC, 5.7) ---- */

/* CC: each command starts after the previous one ended normally, in program order. */
TEST(test_ccw_command_chain_runs_in_order)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "abcd", 4);
	vccw_mem_write(t.f.mem, DATA + 0x100, "xyz", 3);
	memcpy(t.st.read_data, "READDATA", 8);
	t.st.read_len = 8;
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 3, DATA + 0x100);
	fx_ccw1(&t.f, PROG + 16, FX_CMD_READ, 0, 8, DATA + 0x200);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	/* Normal end: CPA = last CCW + 8, residual of the last CCW. */
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 3);
	/* The second write came after the first. */
	CHECK_EQ(t.st.data_len, 3);
	CHECK(memcmp(t.st.data, "xyz", 3) == 0);
	CHECK(et_mem_eq(&t, DATA + 0x200, "READDATA", 8));
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	et_fini(&t);
}

/* Chaining stops at a CCW ending with unit check (reference 5.7); CPA = that CCW + 8. */
TEST(test_ccw_command_chain_stops_on_unit_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_FAIL, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 16, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	CHECK_EQ(t.st.nr_cmds, 2); /* WRITE and FAIL; the last WRITE never ran */
	et_fini(&t);
}

/* Incorrect length ends the chain: the next command is not started (reference 5.7). */
TEST(test_ccw_command_chain_stops_on_incorrect_length)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	t.st.read_len = 10;
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_CC, 20, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 4, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 10);
	CHECK_EQ(t.st.nr_cmds, 1);
	et_fini(&t);
}

/* The residual count is that of the last CCW executed (reference 5.5). */
TEST(test_ccw_command_chain_residual_of_last_ccw)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	t.st.read_len = 12;
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_READ, VCCW_CCW_FLAG_SLI, 30, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 18);
	et_fini(&t);
}

/*
 * Command chaining after a data chain continues with the CCW after the last CCW of the
 * chain, not after the first one.
 */
TEST(test_ccw_command_chain_after_data_chain)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "abcdefgh", 8);
	vccw_mem_write(t.f.mem, DATA + 0x100, "XY", 2);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA + 4);
	fx_ccw1(&t.f, PROG + 16, FX_CMD_WRITE, 0, 2, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 2);
	CHECK_EQ(t.st.data_len, 2);
	CHECK(memcmp(t.st.data, "XY", 2) == 0);
	et_fini(&t);
}

/* ---- Data chaining (reference 5.2 CD, 5.5) ---- */

/* CD: one write command gathers its data from several CCWs' areas, in order. */
TEST(test_ccw_data_chain_write_gathers)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "ABCDE", 5);
	vccw_mem_write(t.f.mem, DATA + 0x100, "fghijkl", 7);
	vccw_mem_write(t.f.mem, DATA + 0x305, "MNOPQRST", 8);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 5, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 7, DATA + 0x100);
	fx_ccw1(&t.f, PROG + 16, FX_CMD_WRITE, 0, 8, DATA + 0x305);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 1); /* one command, not three */
	CHECK_EQ(t.st.data_len, 20);
	CHECK(memcmp(t.st.data, "ABCDEfghijklMNOPQRST", 20) == 0);
	et_fini(&t);
}

/*
 * CD: a long data chain (64 one-byte CCWs, beyond the engine's initial segment table)
 * still arrives whole, in order, as one command.
 */
TEST(test_ccw_data_chain_long_chain_of_single_bytes)
{
	struct et t;
	struct fx_irb irb;
	uint8_t expect[64];
	unsigned int i;

	REQUIRE(et_init(&t, false));
	for (i = 0; i < 64; i++) {
		expect[i] = (uint8_t)(0x40 + i);
		vccw_mem_st_u8(t.f.mem, DATA + 0x10 * i, expect[i]);
		fx_ccw1(&t.f, PROG + 8 * i, FX_CMD_WRITE, i < 63 ? VCCW_CCW_FLAG_CD : 0, 1,
			DATA + 0x10 * i);
	}
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8 * 63, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	CHECK_EQ(t.st.data_len, 64);
	CHECK(memcmp(t.st.data, expect, 64) == 0);
	et_fini(&t);
}

/* PoP: the command code of a data-chained CCW is ignored (here 0x00, invalid alone). */
TEST(test_ccw_data_chain_ignores_command_code)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "1234", 4);
	vccw_mem_write(t.f.mem, DATA + 0x100, "5678", 4);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, 0x00, 0, 4, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	CHECK_EQ(t.st.data_len, 8);
	CHECK(memcmp(t.st.data, "12345678", 8) == 0);
	et_fini(&t);
}

/* CD: one read command scatters its data over several areas; nothing else is stored. */
TEST(test_ccw_data_chain_read_scatters)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	memcpy(t.st.read_data, "abcdefghijklmnopqrst", 20);
	t.st.read_len = 20;
	vccw_mem_fill(t.f.mem, DATA, 0xaa, 0x400);
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_CD, 5, DATA + 1);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_READ, VCCW_CCW_FLAG_CD, 7, DATA + 0x100);
	fx_ccw1(&t.f, PROG + 16, FX_CMD_READ, 0, 8, DATA + 0x303);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK(et_mem_all(&t, DATA, 0xaa, 1));
	CHECK(et_mem_eq(&t, DATA + 1, "abcde", 5));
	CHECK(et_mem_all(&t, DATA + 6, 0xaa, 0x100 - 6));
	CHECK(et_mem_eq(&t, DATA + 0x100, "fghijkl", 7));
	CHECK(et_mem_all(&t, DATA + 0x107, 0xaa, 0x303 - 0x107));
	CHECK(et_mem_eq(&t, DATA + 0x303, "mnopqrst", 8));
	CHECK(et_mem_all(&t, DATA + 0x30b, 0xaa, 0x400 - 0x30b));
	et_fini(&t);
}

/* Format 1: a CCW data-chained to may not have count 0 -> program check (reference 5.5). */
TEST(test_ccw_data_chain_count0_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 5, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 0, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 16); /* the failing CCW + 8 */
	et_fini(&t);
}

/* An S flag on a data-chained CCW -> program check, even with ORB S (reference 5.8). */
TEST(test_ccw_data_chain_s_flag_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 5, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, VCCW_CCW_FLAG_S, 5, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_S, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_SUSPENDED, 0);
	et_fini(&t);
}

/* A TIC does not break data chaining (reference 5.4). */
TEST(test_ccw_data_chain_through_tic)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "hello", 5);
	vccw_mem_write(t.f.mem, DATA + 0x100, ", channel world", 15);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 5, DATA);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x40);
	fx_ccw1(&t.f, PROG + 0x40, FX_CMD_WRITE, 0, 15, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	CHECK_EQ(t.st.data_len, 20);
	CHECK(memcmp(t.st.data, "hello, channel world", 20) == 0);
	et_fini(&t);
}

/* SLI is ineffective on a CCW with CD: a short read ending there is IL (reference 5.2). */
TEST(test_ccw_sli_ineffective_with_cd)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	t.st.read_len = 10;
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_CD | VCCW_CCW_FLAG_SLI, 20, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_READ, VCCW_CCW_FLAG_SLI, 20, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 10);
	et_fini(&t);
}

/* ---- Count rules (reference 5.5, 5.7) ---- */

/* Format 0: count 0 on a non-TIC CCW is a program check. */
TEST(test_ccw_fmt0_count0_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw0(&t.f, PROG, FX_CMD_WRITE, DATA, 0, 0);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	CHECK_EQ(t.st.nr_cmds, 0);
	/* Also for an immediate command. */
	fx_ccw0(&t.f, PROG, VCCW_CCW_CMD_NOP, 0, VCCW_CCW_FLAG_SLI, 0);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	et_fini(&t);
}

/* Format 1: an immediate command with count 0 is fine; residual 0. */
TEST(test_ccw_fmt1_nop_count0_ok)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	et_fini(&t);
}

/*
 * Format-1 immediate command with a non-zero count: incorrect length unless SLI or ORB L
 * (reference 5.7); the count is not used, so the residual is the whole count (10.3).
 */
TEST(test_ccw_fmt1_immediate_count_il_unless_sli_or_orb_l)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, 0, 5, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 5);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 5, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 5);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, 0, 5, DATA);
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_L, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 5);
	et_fini(&t);
}

/*
 * The same when the immediate command is command-chained: IL, which ends the chain
 * (reference 5.7). Hercules exempts a chained immediate command ("DSF Debug" in its
 * channel.c); the rule it quotes has no such exception, and vccw follows the rule.
 */
TEST(test_ccw_fmt1_immediate_count_il_when_chained)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 5, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 5);
	CHECK_EQ(t.st.nr_cmds, 0);
	/* With ORB L the chain goes on. */
	CHECK_EQ(et_start(&t, PROG, VCCW_ORB_L, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	et_fini(&t);
}

/* Format-0 immediate commands never signal incorrect length (reference 5.7). */
TEST(test_ccw_fmt0_immediate_count_no_il)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw0(&t.f, PROG, VCCW_CCW_CMD_NOP, DATA, 0, 5);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 5);
	et_fini(&t);
}

/* ---- Incorrect length (reference 5.7) ---- */

/* The device produced fewer bytes than the count: IL without SLI, residual 10. */
TEST(test_ccw_read_short_incorrect_length)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	memcpy(t.st.read_data, "0123456789", 10);
	t.st.read_len = 10;
	vccw_mem_fill(t.f.mem, DATA, 0xaa, 32);
	fx_ccw1(&t.f, PROG, FX_CMD_READ, 0, 20, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 10);
	CHECK(et_mem_eq(&t, DATA, "0123456789", 10));
	CHECK(et_mem_all(&t, DATA + 10, 0xaa, 22));
	et_fini(&t);
}

/* The same with SLI: no incorrect length, residual still 10. */
TEST(test_ccw_read_short_sli_suppresses_il)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	memcpy(t.st.read_data, "0123456789", 10);
	t.st.read_len = 10;
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_SLI, 20, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 10);
	CHECK(et_mem_eq(&t, DATA, "0123456789", 10));
	et_fini(&t);
}

/* A write offering more than the device takes: IL (residual 36), or none with SLI. */
TEST(test_ccw_write_long_incorrect_length)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	et_pattern(&t, DATA, 100, 1);
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, 0, 100, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 36);
	CHECK_EQ(t.st.data_len, 64);
	CHECK(et_mem_eq(&t, DATA, t.st.data, 64));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_SLI, 100, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 36);
	et_fini(&t);
}

/* Run BASIC SENSE (count 32) into @addr; returns the TSCH rc, status in @irb. */
static enum vccw_insn_rc basic_sense(struct et *t, uint32_t addr, struct fx_irb *irb)
{
	vccw_mem_fill(t->f.mem, addr, 0xee, VCCW_SENSE_LEN);
	fx_ccw1(&t->f, PROG + 0x100, VCCW_CCW_CMD_BASIC_SENSE, 0, VCCW_SENSE_LEN, addr);
	return et_start(t, PROG + 0x100, 0, irb);
}

/*
 * A control command offered fewer bytes than it needs: the device rejects it, unit
 * check with sense byte 0 = command reject (reference 10.4), the command not executed.
 */
TEST(test_ccw_ctl_short_count_command_reject)
{
	static const uint8_t zero[VCCW_SENSE_LEN];
	struct et t;
	struct fx_irb irb;
	uint8_t b0;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_CTL, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);
	CHECK_EQ(irb.scsw.cpa, PROG + 8);
	CHECK_EQ(t.st.nr_cmds, 0);
	CHECK_EQ(basic_sense(&t, DATA + 0x200, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	vccw_mem_ld_u8(t.f.mem, DATA + 0x200, &b0);
	CHECK_EQ(b0, VCCW_SENSE_CMD_REJECT);
	CHECK(et_mem_eq(&t, DATA + 0x201, zero, VCCW_SENSE_LEN - 1));
	et_fini(&t);
}

/* ---- SKIP (reference 5.2) ---- */

/* A read with SKIP stores nothing, but the count advances as if it had. */
TEST(test_ccw_read_skip_stores_nothing)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	memcpy(t.st.read_data, "abcdefghijklmnopqrst", 20);
	t.st.read_len = 20;
	vccw_mem_fill(t.f.mem, DATA, 0xaa, 0x200);
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_SKIP, 20, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK(et_mem_all(&t, DATA, 0xaa, 0x200));
	/* Skip the first 8 bytes of a data chain, store the following 12. */
	fx_ccw1(&t.f, PROG, FX_CMD_READ, VCCW_CCW_FLAG_CD | VCCW_CCW_FLAG_SKIP, 8, DATA);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_READ, 0, 12, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	CHECK(et_mem_all(&t, DATA, 0xaa, 0x100));
	CHECK(et_mem_eq(&t, DATA + 0x100, "ijklmnopqrst", 12));
	CHECK(et_mem_all(&t, DATA + 0x10c, 0xaa, 0x100 - 0xc));
	et_fini(&t);
}

/* ---- Invalid and unknown commands (reference 5.3, 10.4) ---- */

/* A command code with low nibble 0 is invalid: channel-program check. */
TEST(test_ccw_invalid_command_code_program_check)
{
	static const uint8_t codes[] = { 0x00, 0x10, 0xf0 };
	struct et t;
	struct fx_irb irb;
	unsigned int i;

	REQUIRE(et_init(&t, false));
	for (i = 0; i < sizeof(codes); i++) {
		fx_ccw1(&t.f, PROG, codes[i], 0, 4, DATA);
		CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
		CHECK_PROG_CHECK(&irb);
		CHECK_EQ(irb.scsw.cpa, PROG + 8);
	}
	fx_ccw0(&t.f, PROG, 0x00, DATA, 0, 4);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/*
 * A command the device does not know: command reject = CE+DE+UC (reference 10.4), sense
 * byte 0 = 0x80 for BASIC SENSE, which resets the sense (10.2).
 */
TEST(test_ccw_unknown_command_reject_basic_sense)
{
	static const uint8_t zero[VCCW_SENSE_LEN];
	struct et t;
	struct fx_irb irb;
	uint8_t b0;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, 0x17, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);
	CHECK_EQ(irb.scsw.cpa, PROG + 8); /* the chain stopped at the rejected CCW */
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_E, 0); /* no concurrent sense */
	CHECK_EQ(irb.esw[1] & 0x01000000u, 0);
	CHECK_EQ(basic_sense(&t, DATA, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	vccw_mem_ld_u8(t.f.mem, DATA, &b0);
	CHECK_EQ(b0, VCCW_SENSE_CMD_REJECT);
	CHECK(et_mem_eq(&t, DATA + 1, zero, VCCW_SENSE_LEN - 1));
	/* The sense was reset by the first BASIC SENSE. */
	CHECK_EQ(basic_sense(&t, DATA, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	CHECK(et_mem_eq(&t, DATA, zero, VCCW_SENSE_LEN));
	et_fini(&t);
}

/* Set PMCW word 6 bit 31 (concurrent sense) with STSCH + MSCH. */
static enum vccw_insn_rc enable_csense(struct et *t)
{
	uint32_t w6;

	if (vccw_css_stsch(t->f.css, &t->f.cpu, t->sid, FX_SCHIB_ADDR) != VCCW_CC0)
		return VCCW_CC3;
	vccw_mem_ld_be32(t->f.mem, FX_SCHIB_ADDR + 24, &w6);
	vccw_mem_st_be32(t->f.mem, FX_SCHIB_ADDR + 24, w6 | VCCW_PMCW_CSENSE);
	return vccw_css_msch(t->f.css, &t->f.cpu, t->sid, FX_SCHIB_ADDR);
}

/*
 * With concurrent sense (reference 6.5) the unit-check status carries the sense in the
 * ECW: ERW S = 1, SCNT = 32, SCSW E = 1; the device then holds no sense any more.
 */
TEST(test_ccw_unknown_command_concurrent_sense)
{
	static const uint8_t zero[VCCW_SENSE_LEN];
	struct et t;
	struct fx_irb irb;
	struct vccw_schib schib;

	REQUIRE(et_init(&t, false));
	REQUIRE(enable_csense(&t) == VCCW_CC0);
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK(schib.pmcw.chars & VCCW_PMCW_CSENSE);
	fx_ccw1(&t.f, PROG, 0x17, 0, 0, 0);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_E);
	CHECK(irb.esw[1] & 0x01000000u);                /* ERW S: concurrent sense */
	CHECK_EQ((irb.esw[1] >> 16) & 0x3f, VCCW_SENSE_LEN); /* ERW SCNT, bits 10-15 */
	CHECK_EQ(irb.ecw[0], VCCW_SENSE_CMD_REJECT);
	CHECK(memcmp(irb.ecw + 1, zero, sizeof(irb.ecw) - 1) == 0);
	/* The sense went out with the status; BASIC SENSE finds none. */
	CHECK_EQ(basic_sense(&t, DATA, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_E, 0);
	CHECK(et_mem_eq(&t, DATA, zero, VCCW_SENSE_LEN));
	et_fini(&t);
}

/* ---- SENSE ID (reference 10.1) ---- */

static const uint8_t sense_id_data[8] = { 0xff, 0x38, 0x32, 0x01, 0x12, 0x34, 0x05, 0x00 };

/* Count 8 matches the 8 bytes the device has (no CIWs): no IL, residual 0. */
TEST(test_ccw_sense_id_content_exact_count)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_fill(t.f.mem, DATA, 0xaa, 64);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_SENSE_ID, 0, 8, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK(et_mem_eq(&t, DATA, sense_id_data, 8));
	CHECK(et_mem_all(&t, DATA + 8, 0xaa, 56));
	et_fini(&t);
}

/* Count 40 (what Linux asks): IL without SLI, none with SLI; residual 32 either way. */
TEST(test_ccw_sense_id_long_count_il_unless_sli)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_SENSE_ID, 0, 40, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 32);
	CHECK(et_mem_eq(&t, DATA, sense_id_data, 8));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_SENSE_ID, VCCW_CCW_FLAG_SLI, 40, DATA + 0x100);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 32);
	CHECK(et_mem_eq(&t, DATA + 0x100, sense_id_data, 8));
	et_fini(&t);
}

/* Count 4: the first 4 bytes; the device had more, so IL unless SLI. */
TEST(test_ccw_sense_id_short_count)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_fill(t.f.mem, DATA, 0xaa, 16);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_SENSE_ID, VCCW_CCW_FLAG_SLI, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK(et_mem_eq(&t, DATA, sense_id_data, 4));
	CHECK(et_mem_all(&t, DATA + 4, 0xaa, 12));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_SENSE_ID, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 0);
	et_fini(&t);
}
