// SPDX-License-Identifier: MIT
/*
 * Control flow of channel programs in the engine, asserted against the architecture
 * (PoP chapter 15 "Transfer in Channel", "Program-Controlled Interruption",
 * "Suspension of Channel-Program Execution", HALT/CLEAR SUBCHANNEL; shared/reference/
 * channel-io.md 3.3, 5.4, 5.8, 5.9, 13 #1): TIC rules, PCI, suspend and resume, and
 * halt and clear of a program that never ends.
 */
#include <stdint.h>
#include <string.h>

#include "engine_util.h"

/* ---- TIC (reference 5.4) ---- */

/* A TIC may be the first CCW of a program. */
TEST(test_ccw_tic_first_in_program_ok)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "tic!", 4);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x40);
	fx_ccw1(&t.f, PROG + 0x40, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	CHECK_EQ(t.st.data_len, 4);
	CHECK(memcmp(t.st.data, "tic!", 4) == 0);
	et_fini(&t);
}

/* A TIC whose target is another TIC: program check. */
TEST(test_ccw_tic_to_tic_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x40);
	fx_ccw1(&t.f, PROG + 0x40, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x80);
	fx_ccw1(&t.f, PROG + 0x80, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 1); /* the write at the end of the TICs never ran */
	/* A TIC first, to a TIC: the same. */
	CHECK_EQ(et_start(&t, PROG + 8, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 1);
	et_fini(&t);
}

/* Format 1: a TIC is exactly 0x08 with flags and count zero, else program check. */
TEST(test_ccw_fmt1_tic_malformed_program_check)
{
	static const struct {
		uint8_t cmd, flags;
		uint16_t count;
	} bad[] = {
		{ 0x08, VCCW_CCW_FLAG_CC, 0 },
		{ 0x08, VCCW_CCW_FLAG_SLI, 0 },
		{ 0x08, 0, 8 },
		{ 0x18, 0, 0 },
		{ 0xf8, 0, 0 },
	};
	struct et t;
	struct fx_irb irb;
	unsigned int i;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG + 0x40, VCCW_CCW_CMD_NOP, 0, 0, 0);
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		fx_ccw1(&t.f, PROG, bad[i].cmd, bad[i].flags, bad[i].count, PROG + 0x40);
		CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
		CHECK_MSG(irb.scsw.cstat == VCCW_CSTAT_PROG, "TIC %02x/%02x/%u: cstat 0x%02x",
			  bad[i].cmd, bad[i].flags, bad[i].count, irb.scsw.cstat);
		CHECK_EQ(irb.scsw.cpa, PROG + 8);
	}
	/* Control: the well-formed TIC reaches the NOP. */
	fx_ccw1(&t.f, PROG, 0x08, 0, 0, PROG + 0x40);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	et_fini(&t);
}

/* Format 0: any code with low nibble 8 is a TIC; high nibble, flags, count ignored. */
TEST(test_ccw_fmt0_tic_any_high_nibble)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "f0ok", 4);
	fx_ccw0(&t.f, PROG, 0x18, PROG + 0x40, VCCW_CCW_FLAG_CC | VCCW_CCW_FLAG_SLI, 5);
	fx_ccw0(&t.f, PROG + 0x40, FX_CMD_WRITE, DATA, 0, 4);
	CHECK_EQ(et_start0(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	CHECK_EQ(t.st.data_len, 4);
	CHECK(memcmp(t.st.data, "f0ok", 4) == 0);
	et_fini(&t);
}

/* A TIC target not doubleword aligned, outside storage, or (format 1) bit 0 set: pc. */
TEST(test_ccw_tic_target_invalid_program_check)
{
	static const uint32_t targets[] = { PROG + 0x44, PROG + 0x41, FX_RAM_SIZE };
	struct et t;
	struct fx_irb irb;
	unsigned int i;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG + 0x40, FX_CMD_WRITE, 0, 4, DATA);
	fx_ccw1(&t.f, PROG + 0x48, FX_CMD_WRITE, 0, 4, DATA);
	for (i = 0; i < VCCW_ARRAY_SIZE(targets); i++) {
		fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_TIC, 0, 0, targets[i]);
		CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
		CHECK_MSG(irb.scsw.cstat == VCCW_CSTAT_PROG, "target 0x%x: cstat 0x%02x",
			  targets[i], irb.scsw.cstat);
		CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);
	}
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/* A format-1 TIC target is a 31-bit address: bit 0 set is a program check (5.4). */
TEST(test_ccw_fmt1_tic_target_bit0_program_check)
{
	const uint32_t high = 0x80040000u;
	struct et t;
	struct fx_irb irb;

	/* Storage past 2 GiB, with a valid CCW there: only the address form is wrong. */
	REQUIRE(et_init_ram(&t, (UINT64_C(2) << 30) + (1u << 20)));
	fx_ccw1(&t.f, high, FX_CMD_WRITE, 0, 4, DATA);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_TIC, 0, 0, high);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/* A TIC to a TIC inside a data chain is a program check as well. */
TEST(test_ccw_data_chain_tic_to_tic_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CD, 4, DATA);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x40);
	fx_ccw1(&t.f, PROG + 0x40, VCCW_CCW_CMD_TIC, 0, 0, PROG + 0x80);
	fx_ccw1(&t.f, PROG + 0x80, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 0);
	et_fini(&t);
}

/* ---- PCI (reference 5.9) ---- */

/* NOP(CC, PCI) -> WRITE(CC) -> NOP */
static void pci_program(struct et *t)
{
	fx_ccw1(&t->f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC | VCCW_CCW_FLAG_PCI, 0, 0);
	fx_ccw1(&t->f, PROG + 8, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t->f, PROG + 16, VCCW_CCW_CMD_NOP, 0, 0, 0);
}

/*
 * A CCW with the PCI flag makes an intermediate interruption pending while the program
 * goes on: SC intermediate + pending, subchannel status PCI, start function still on.
 */
TEST(test_ccw_pci_intermediate_interruption)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	pci_program(&t);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, 0) == VCCW_CC0);
	vccw_css_run(t.f.css, 1);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_INTERMEDIATE);
	CHECK(irb.scsw.cstat & VCCW_CSTAT_PCI);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_AC_SCH_ACTIVE);
	/* The program continues to its normal end; the PCI was taken already. */
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	et_fini(&t);
}

/* A PCI not yet taken by TSCH when the program ends shows in the final status. */
TEST(test_ccw_pci_merges_into_final_status)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	pci_program(&t);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_PCI);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL);
	CHECK_EQ(irb.scsw.cpa, PROG + 24);
	CHECK_EQ(t.st.nr_cmds, 1);
	/* One status, one TSCH: nothing is left pending. */
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	et_fini(&t);
}

/* ---- Suspend and resume (reference 5.8, 3.3) ---- */

/* WRITE(CC) -> NOP(CC, S) -> WRITE: suspends before the NOP. */
static void suspend_program(struct et *t, uint8_t nop_flags)
{
	vccw_mem_write(t->f.mem, DATA, "one!", 4);
	vccw_mem_write(t->f.mem, DATA + 0x10, "two!", 4);
	fx_ccw1(&t->f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(&t->f, PROG + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC | nop_flags, 0, 0);
	fx_ccw1(&t->f, PROG + 16, FX_CMD_WRITE, 0, 4, DATA + 0x10);
}

/*
 * ORB S and a CCW S flag: the subchannel suspends before the CCW with intermediate
 * status (AC suspended); after the program clears the flag, RSCH resumes at that CCW.
 */
TEST(test_ccw_suspend_intermediate_status_and_resume)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	suspend_program(&t, VCCW_CCW_FLAG_S);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, VCCW_ORB_S) == VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_INTERMEDIATE);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.ctrl & (VCCW_SCSW_SC_PRIMARY | VCCW_SCSW_SC_SECONDARY), 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(irb.scsw.cpa, PROG + 16); /* the suspending CCW + 8 */
	CHECK_EQ(t.st.nr_cmds, 1);
	/* Resume after clearing the S flag: the rest of the program runs. */
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(t.st.nr_cmds, 2);
	CHECK(memcmp(t.st.data, "two!", 4) == 0);
	et_fini(&t);
}

/* ORB U suppresses the intermediate interruption on suspension; the program resumes. */
TEST(test_ccw_suspend_orb_u_no_interruption)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	suspend_program(&t, VCCW_CCW_FLAG_S);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, VCCW_ORB_S | VCCW_ORB_U) == VCCW_CC0);
	fx_run(&t.f);
	/* Not status pending; TSCH cc1 still stores the SCSW: suspended. */
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK(!vccw_css_io_irq_pending(t.f.css, 0xff));
	CHECK_EQ(t.st.nr_cmds, 1);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 2);
	et_fini(&t);
}

/* An S flag without ORB S: program check (reference 5.8). */
TEST(test_ccw_s_flag_without_orb_s_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	suspend_program(&t, VCCW_CCW_FLAG_S);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	CHECK_EQ(t.st.nr_cmds, 1);
	et_fini(&t);
}

/* RSCH refetches the suspending CCW: a still-set S flag suspends again (reference 3.3). */
TEST(test_ccw_suspend_again_if_s_flag_still_set)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	suspend_program(&t, VCCW_CCW_FLAG_S);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, VCCW_ORB_S) == VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_INTERMEDIATE);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_PRIMARY, 0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, VCCW_SCSW_AC_SUSPENDED);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	CHECK_EQ(t.st.nr_cmds, 1);
	/* Now clear it; the program ends. */
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	CHECK_EQ(vccw_css_rsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 16, 0);
	CHECK_EQ(t.st.nr_cmds, 2);
	et_fini(&t);
}

/* ---- Programs that never end (reference 13 #1) ---- */

/* NOP(CC) -> TIC back to the NOP: every CCW has a non-zero address; runs forever. */
/*
 * A program that never ends: a write that moves data each round, then a TIC back (a loop
 * that moves no data would end after VCCW_CCW_MAX_IDLE_TICS rounds, see below).
 */
static void endless_program(struct fx *f, uint32_t at)
{
	fx_ccw1(f, at, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
	fx_ccw1(f, at + 8, VCCW_CCW_CMD_TIC, 0, 0, at);
}

/* Threaded css: an endless program, a second device running beside it. */
static bool endless_with_neighbour(struct et *t, struct fx_cu_state *st2, struct vccw_cu **cu2,
				   uint32_t *sid2)
{
	struct fx_irb irb;

	if (!et_init(t, true))
		return false;
	*cu2 = fx_add_cu(&t->f, "fe.0.0101", st2, false);
	if (!*cu2)
		return false;
	*sid2 = fx_sid_of(*cu2);
	if (fx_enable(&t->f, *sid2, 3) != VCCW_CC0)
		return false;
	endless_program(&t->f, PROG);
	/* SSCH returns at once: it does not run the program on the caller's thread. */
	CHECK_EQ(fx_ssch(&t->f, t->sid, PROG, 0), VCCW_CC0);
	/* Another subchannel's program completes while the endless one runs. */
	vccw_mem_write(t->f.mem, DATA + 0x100, "side", 4);
	fx_ccw1(&t->f, PROG + 0x100, FX_CMD_WRITE, 0, 4, DATA + 0x100);
	CHECK_EQ(fx_ssch(&t->f, *sid2, PROG + 0x100, 0), VCCW_CC0);
	CHECK_EQ(et_wait_status(&t->f, *sid2, &irb, 5), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	CHECK(memcmp(st2->data, "side", 4) == 0);
	/* The endless program is still running: no status. */
	CHECK_EQ(fx_tsch(&t->f, t->sid, &irb), VCCW_CC1);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	return true;
}

/* HSCH ends the endless program: status pending with FC halt and device end (3.3). */
TEST(test_ccw_endless_program_halt)
{
	struct et t;
	struct fx_cu_state st2;
	struct vccw_cu *cu2 = NULL;
	struct fx_irb irb;
	uint32_t sid2;

	REQUIRE(endless_with_neighbour(&t, &st2, &cu2, &sid2));
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_DE);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK(t.st.nr_cancel >= 1);
	/* The function is over: the subchannel takes a new start. */
	fx_ccw1(&t.f, PROG + 0x200, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG + 0x200, 0), VCCW_CC0);
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x200, 0);
	vccw_cu_free(cu2, false);
	et_fini(&t);
}

/* CSCH ends the endless program: FC clear, status pending alone (3.3). */
TEST(test_ccw_endless_program_clear)
{
	struct et t;
	struct fx_cu_state st2;
	struct vccw_cu *cu2 = NULL;
	struct fx_irb irb;
	uint32_t sid2;

	REQUIRE(endless_with_neighbour(&t, &st2, &cu2, &sid2));
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_CLEAR);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, VCCW_SCSW_SC_PENDING);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_AC_MASK, 0);
	CHECK_EQ(irb.scsw.dstat, 0);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK(t.st.nr_cancel >= 1);
	vccw_cu_free(cu2, false);
	et_fini(&t);
}

/*
 * Manual mode: the endless program runs in bounded slices; each vccw_css_run() slice
 * returns, and the program stays active until halted.
 */
TEST(test_ccw_endless_program_bounded_slices)
{
	struct et t;
	struct vccw_schib schib;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	endless_program(&t.f, PROG);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, 0) == VCCW_CC0);
	CHECK_EQ(vccw_css_run(t.f.css, 3), 3);
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK(schib.scsw.ctrl & VCCW_SCSW_AC_SCH_ACTIVE);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	CHECK_EQ(vccw_css_run(t.f.css, 3), 3);
	/* HSCH: the next slice performs the halt and nothing is left to run. */
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK(vccw_css_run(t.f.css, 10) < 10);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_DE);
	/* CSCH of a new endless program, likewise. */
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, 0) == VCCW_CC0);
	CHECK_EQ(vccw_css_run(t.f.css, 2), 2);
	CHECK_EQ(vccw_css_csch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK(vccw_css_run(t.f.css, 10) < 10);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_CLEAR);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, VCCW_SCSW_SC_PENDING);
	et_fini(&t);
}

/* ---- The host bound on loops that move no data (VCCW_CCW_MAX_IDLE_TICS) ---- */

/*
 * A ladder of @tics backward TICs: block i (16 bytes at PROG + 16 i) is a command-chained
 * NOP (or, for block @write_at, a 4-byte write) and a TIC to block i - 1; block 0 is a
 * NOP that ends the program. Started at the top block, every TIC goes backward.
 */
static void tic_ladder(struct et *t, unsigned int tics, unsigned int write_at)
{
	unsigned int i;

	fx_ccw1(&t->f, PROG, VCCW_CCW_CMD_NOP, 0, 0, 0);
	for (i = 1; i <= tics; i++) {
		uint32_t at = PROG + 16 * i;

		if (i == write_at)
			fx_ccw1(&t->f, at, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 4, DATA);
		else
			fx_ccw1(&t->f, at, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
		fx_ccw1(&t->f, at + 8, VCCW_CCW_CMD_TIC, 0, 0, at - 16);
	}
}

/* 256 backward TICs without data transfer are allowed: the program ends normally. */
TEST(test_ccw_idle_tics_256_allowed)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	tic_ladder(&t, VCCW_CCW_MAX_IDLE_TICS, 0);
	CHECK_EQ(et_start(&t, PROG + 16 * VCCW_CCW_MAX_IDLE_TICS, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	et_fini(&t);
}

/* The 257th: a channel-program check at that TIC (CCW address = the TIC + 8). */
TEST(test_ccw_idle_tics_257th_program_check)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	tic_ladder(&t, VCCW_CCW_MAX_IDLE_TICS + 1, 0);
	CHECK_EQ(et_start(&t, PROG + 16 * (VCCW_CCW_MAX_IDLE_TICS + 1), 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	/* The last TIC fetched is block 1's, at PROG + 24. */
	CHECK_EQ(irb.scsw.cpa, PROG + 24 + 8);
	et_fini(&t);
}

/* Data moved on the way restarts the count: 300 TICs with a write among them end well. */
TEST(test_ccw_idle_tics_reset_by_data)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	vccw_mem_write(t.f.mem, DATA, "loop", 4);
	tic_ladder(&t, 300, 150);
	CHECK_EQ(et_start(&t, PROG + 16 * 300, 0, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	CHECK(memcmp(t.st.data, "loop", 4) == 0);
	/* A write at block 20 comes too late: 280 idle TICs lead to it. */
	tic_ladder(&t, 300, 20);
	CHECK_EQ(et_start(&t, PROG + 16 * 300, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(t.st.nr_cmds, 1); /* only the first ladder's write */
	/* The 257th TIC, block 44's, ends the program before the write is reached. */
	CHECK_EQ(irb.scsw.cpa, PROG + 16 * 44 + 8 + 8);
	et_fini(&t);
}

/* The endless NOP/TIC loop of a driver bug ends by itself, with the same check. */
TEST(test_ccw_idle_tic_loop_ends)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_TIC, 0, 0, PROG);
	CHECK_EQ(et_start(&t, PROG, 0, &irb), VCCW_CC0);
	CHECK_PROG_CHECK(&irb);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	et_fini(&t);
}
