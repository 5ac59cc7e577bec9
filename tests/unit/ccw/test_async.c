// SPDX-License-Identifier: MIT
/*
 * Commands a device executes on its own thread (VCCW_CU_IN_PROGRESS, vccw_cu_complete())
 * and the channel thread's slice, counted in CCWs. While a device works on a command
 * the subchannel is subchannel- and device-active (PoP chapter 16, SCSW activity
 * control) and the program continues only when the device ends the command; every
 * other subchannel's program runs meanwhile. Halt abandons the command (PoP "HALT
 * SUBCHANNEL": device end, CCW address of the command). The status of a command ended
 * later is the status it would have had at once (shared/reference/channel-io.md 3.3,
 * 5.7).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "engine_util.h"

/* A css (manual unless @threaded) with two enabled test control units. */
static bool two_units(struct et *t, struct fx_cu_state *st2, struct vccw_cu **cu2,
		      uint32_t *sid2, bool threaded)
{
	if (!et_init(t, threaded))
		return false;
	*cu2 = fx_add_cu(&t->f, "fe.0.0101", st2, false);
	if (!*cu2)
		return false;
	*sid2 = fx_sid_of(*cu2);
	return fx_enable(&t->f, *sid2, 3) == VCCW_CC0;
}

static uint64_t slow_tag(struct fx_cu_state *st)
{
	return __atomic_load_n(&st->slow_tag, __ATOMIC_SEQ_CST);
}

/*
 * An immediate command in progress: the program waits in the device, the subchannel
 * stays active without status, another subchannel's program completes, and once the
 * device completes the command the chain goes on to the next CCW.
 */
TEST(test_ccw_async_command_waits_others_run)
{
	struct et t;
	struct fx_cu_state st2;
	struct vccw_cu *cu2 = NULL;
	struct vccw_schib schib;
	struct fx_irb irb;
	uint32_t sid2;

	REQUIRE(two_units(&t, &st2, &cu2, &sid2, false));
	vccw_mem_write(t.f.mem, DATA, "next", 4);
	fx_ccw1(&t.f, PROG, FX_CMD_SLOW_CTL, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_ccw1(&t.f, PROG + 0x100, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(fx_ssch(&t.f, sid2, PROG + 0x100, 0), VCCW_CC0);
	fx_run(&t.f);
	/* The neighbour completed; the slow one is active and waits in its device. */
	CHECK_EQ(fx_tsch(&t.f, sid2, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x100, 0);
	CHECK_EQ(__atomic_load_n(&t.st.nr_slow, __ATOMIC_SEQ_CST), 1);
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_AC_MASK,
		 VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	CHECK_EQ(t.st.nr_cmds, 0);
	/* Running the channel again changes nothing until the device answers. */
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	/* A wrong tag is not this command's result. */
	CHECK(!vccw_cu_complete(t.cu, slow_tag(&t.st) + 1, VCCW_CU_OK, NULL, 0, NULL));
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, NULL, 0, NULL));
	/* Only once. */
	CHECK(!vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, NULL, 0, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	CHECK(memcmp(t.st.data, "next", 4) == 0);
	vccw_cu_free(cu2, false);
	et_fini(&t);
}

/*
 * A read command completed later: the device's bytes reach storage, and the count
 * rules are those of an immediate completion (a short transfer without SLI is
 * incorrect length, with the residual count).
 */
TEST(test_ccw_async_read_data_and_length)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_SLOW_READ, 0, 16, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, "0123456789abcdef", 16, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	CHECK(et_mem_eq(&t, DATA, "0123456789abcdef", 16));

	/* 10 bytes for a count of 16, no SLI: IL, residual 6; with SLI: normal end. */
	vccw_mem_write(t.f.mem, DATA, "................", 16);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, "ABCDEFGHIJ", 10, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_IL(&irb, PROG, 6);
	CHECK(et_mem_eq(&t, DATA, "ABCDEFGHIJ......", 16));
	fx_ccw1(&t.f, PROG, FX_CMD_SLOW_READ, VCCW_CCW_FLAG_SLI, 16, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, "abcdefghij", 10, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 6);
	et_fini(&t);
}

/* A unit check reported later carries the device's sense, as BASIC SENSE shows it. */
TEST(test_ccw_async_unit_check_sense)
{
	static const uint8_t sense[VCCW_SENSE_LEN] = { VCCW_SENSE_EQUIPMENT_CHECK, 0x42 };
	struct et t;
	struct fx_irb irb;
	uint8_t got[VCCW_SENSE_LEN];

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, FX_CMD_SLOW_CTL, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_UNIT_CHECK, NULL, 0, sense));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_BASIC_SENSE, 0, VCCW_SENSE_LEN, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG + 8, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	REQUIRE(vccw_mem_read(t.f.mem, DATA, got, sizeof(got)) == VCCW_MEM_OK);
	CHECK(memcmp(got, sense, sizeof(got)) == 0);
	/* IN_PROGRESS is no outcome. */
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK(!vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_IN_PROGRESS, NULL, 0, NULL));
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, NULL, 0, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	et_fini(&t);
}

/*
 * HSCH while the device executes a command: halt status (device end, the CCW address
 * of the command + 8), the device is told (cancel), and its late completion is dropped
 * without touching the next program's data.
 */
TEST(test_ccw_async_halt_drops_late_completion)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(et_init(&t, false));
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_SLOW_READ, 0, 16, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_DE);
	CHECK_EQ(irb.scsw.cpa, PROG + 16);
	CHECK_EQ(t.st.nr_cancel, 1);
	vccw_mem_write(t.f.mem, DATA, "................", 16);
	CHECK(!vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, "late late late!!", 16, NULL));
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK(et_mem_all(&t, DATA, '.', 16));
	/* The subchannel takes a new program, which runs normally. */
	fx_ccw1(&t.f, PROG + 0x40, VCCW_CCW_CMD_NOP, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG + 0x40, 0), VCCW_CC0);
	fx_run(&t.f);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	et_fini(&t);
}

/* ---- Threaded css: a slow device on its own thread ---- */

struct slow_dev {
	struct et *t;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool release; /* the test lets the device end its command */
	bool ok;
};

static void *slow_dev_thread(void *arg)
{
	struct slow_dev *d = arg;

	pthread_mutex_lock(&d->lock);
	while (!d->release)
		pthread_cond_wait(&d->cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	d->ok = vccw_cu_complete(d->t->cu, slow_tag(&d->t->st), VCCW_CU_OK, NULL, 0, NULL);
	return NULL;
}

/*
 * The channel thread is not held by a slow command: while one subchannel's command
 * waits for its device's thread (which waits for the test), programs on another
 * subchannel start and complete, one after the other. Only then does the device end
 * its command, and that program completes too.
 */
TEST(test_ccw_async_threaded_slow_device_others_complete)
{
	struct slow_dev d = { .release = false };
	struct et t;
	struct fx_cu_state st2;
	struct vccw_cu *cu2 = NULL;
	struct vccw_schib schib;
	struct fx_irb irb;
	pthread_t thr;
	uint32_t sid2;
	unsigned int i, waited;

	REQUIRE(two_units(&t, &st2, &cu2, &sid2, true));
	d.t = &t;
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.cond, NULL);
	fx_ccw1(&t.f, PROG, FX_CMD_SLOW_CTL, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	for (waited = 0; waited < 5000 && !slow_tag(&t.st); waited++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	REQUIRE(slow_tag(&t.st) != 0);
	REQUIRE(pthread_create(&thr, NULL, slow_dev_thread, &d) == 0);
	for (i = 0; i < 20; i++) {
		char word[4] = { 'w', 'r', (char)('0' + i / 10), (char)('0' + i % 10) };

		vccw_mem_write(t.f.mem, DATA + 0x100, word, 4);
		fx_ccw1(&t.f, PROG + 0x100, FX_CMD_WRITE, 0, 4, DATA + 0x100);
		CHECK_EQ(fx_ssch(&t.f, sid2, PROG + 0x100, 0), VCCW_CC0);
		CHECK_EQ(et_wait_status(&t.f, sid2, &irb, 5), VCCW_CC0);
		CHECK_NORMAL(&irb, PROG + 0x100, 0);
		CHECK(memcmp(st2.data, word, 4) == 0);
	}
	CHECK_EQ(st2.nr_cmds, 20);
	/* All the while the slow program was active, without status. */
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK(schib.scsw.ctrl & VCCW_SCSW_AC_DEV_ACTIVE);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	pthread_mutex_lock(&d.lock);
	d.release = true;
	pthread_cond_signal(&d.cond);
	pthread_mutex_unlock(&d.lock);
	pthread_join(thr, NULL);
	CHECK(d.ok);
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG, 0);
	pthread_cond_destroy(&d.cond);
	pthread_mutex_destroy(&d.lock);
	vccw_cu_free(cu2, false);
	et_fini(&t);
}

/* ---- Slices counted in CCWs ---- */

/*
 * A slice (default 64 CCWs) counts every CCW fetched, data-chained ones included: a
 * program of write commands that each chain data over 16 CCWs runs at most
 * 64 / 16 + 1 commands per slice (a command once begun is finished), not 64 commands
 * (1024 CCWs) as when commands were counted. The subchannel stays active between
 * slices, and the whole program ends normally.
 */
TEST(test_ccw_slice_counts_data_chained_ccws)
{
	enum { NR_CMDS = 40, PER_CMD = 16 };
	struct et t;
	struct vccw_schib schib;
	struct fx_irb irb;
	unsigned int c, k, slices;
	uint32_t a = PROG;

	REQUIRE(et_init(&t, false));
	for (c = 0; c < NR_CMDS; c++) {
		for (k = 0; k < PER_CMD; k++) {
			uint8_t flags = k + 1 < PER_CMD ? VCCW_CCW_FLAG_CD :
				       (c + 1 < NR_CMDS ? VCCW_CCW_FLAG_CC : 0);

			fx_ccw1(&t.f, a, FX_CMD_WRITE, flags, 1, DATA + k);
			a += 8;
		}
	}
	vccw_mem_write(t.f.mem, DATA, "0123456789abcdef", PER_CMD);
	REQUIRE(fx_ssch(&t.f, t.sid, PROG, 0) == VCCW_CC0);
	CHECK_EQ(vccw_css_run(t.f.css, 1), 1);
	CHECK(t.st.nr_cmds >= 1);
	CHECK_MSG(t.st.nr_cmds <= 64 / PER_CMD + 1, "%u commands in one slice", t.st.nr_cmds);
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK(schib.scsw.ctrl & VCCW_SCSW_AC_SCH_ACTIVE);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	slices = 1 + vccw_css_run(t.f.css, 0);
	CHECK(slices >= NR_CMDS * PER_CMD / 64);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, a - 8, 0);
	CHECK_EQ(t.st.nr_cmds, NR_CMDS);
	CHECK_EQ(t.st.data_len, PER_CMD);
	CHECK(memcmp(t.st.data, "0123456789abcdef", PER_CMD) == 0);
	et_fini(&t);
}

/* ---- Start functions run inline in SSCH (css config inline_start) ---- */

/* A threaded css with inline_start and one enabled test control unit. */
static bool inline_init(struct et *t)
{
	struct vccw_css_config cfg = { .inline_start = true };
	struct vccw_err err;

	fx_init(&t->f, true);
	vccw_css_free(t->f.css);
	t->f.css = vccw_css_new(t->f.mem, &cfg, &err);
	if (!t->f.css)
		return false;
	t->cu = fx_add_cu(&t->f, "fe.0.0100", &t->st, false);
	if (!t->cu)
		return false;
	t->sid = fx_sid_of(t->cu);
	return fx_enable(&t->f, t->sid, 3) == VCCW_CC0;
}

/*
 * PoP: the start function may complete any time after SSCH's cc 0. Inline, a program
 * that fits one slice has ended when SSCH returns: TSCH at once finds its final status,
 * and the data moved.
 */
TEST(test_css_inline_start_short_program_done_at_ssch_return)
{
	struct et t;
	struct fx_irb irb;

	REQUIRE(inline_init(&t));
	vccw_mem_write(t.f.mem, DATA, "fast", 4);
	fx_ccw1(&t.f, PROG, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_CC, 0, 0);
	fx_ccw1(&t.f, PROG + 8, FX_CMD_WRITE, 0, 4, DATA);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 8, 0);
	CHECK_EQ(t.st.nr_cmds, 1);
	CHECK(memcmp(t.st.data, "fast", 4) == 0);
	et_fini(&t);
}

/*
 * Inline, a program longer than a slice still returns from SSCH after one slice; the
 * channel thread goes on with it (it is active, without status), and HSCH ends it.
 * An asynchronous command started inline completes through the channel thread too.
 */
TEST(test_css_inline_start_long_program_goes_on_in_channel_thread)
{
	struct et t;
	struct vccw_schib schib;
	struct fx_irb irb;

	REQUIRE(inline_init(&t));
	/*
	 * An endless program that moves a byte each round: one that moves no data would be
	 * ended after VCCW_CCW_MAX_IDLE_TICS rounds, by a slow run before the STSCH below.
	 */
	fx_ccw1(&t.f, PROG, FX_CMD_WRITE, VCCW_CCW_FLAG_CC, 1, DATA);
	fx_ccw1(&t.f, PROG + 8, VCCW_CCW_CMD_TIC, 0, 0, PROG);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG, 0), VCCW_CC0);
	REQUIRE(fx_stsch(&t.f, t.sid, &schib) == VCCW_CC0);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_FC_MASK, VCCW_SCSW_FC_START);
	CHECK_EQ(schib.scsw.ctrl & VCCW_SCSW_SC_MASK, 0);
	CHECK_EQ(vccw_css_hsch(t.f.css, &t.f.cpu, t.sid), VCCW_CC0);
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK(irb.scsw.ctrl & VCCW_SCSW_FC_HALT);
	CHECK_EQ(irb.scsw.dstat, VCCW_DSTAT_DE);

	fx_ccw1(&t.f, PROG + 0x40, FX_CMD_SLOW_CTL, 0, 0, 0);
	CHECK_EQ(fx_ssch(&t.f, t.sid, PROG + 0x40, 0), VCCW_CC0);
	/* The handler ran inside SSCH: its tag is there already. */
	REQUIRE(slow_tag(&t.st) != 0);
	CHECK_EQ(fx_tsch(&t.f, t.sid, &irb), VCCW_CC1);
	CHECK(vccw_cu_complete(t.cu, slow_tag(&t.st), VCCW_CU_OK, NULL, 0, NULL));
	CHECK_EQ(et_wait_status(&t.f, t.sid, &irb, 5), VCCW_CC0);
	CHECK_NORMAL(&irb, PROG + 0x40, 0);
	et_fini(&t);
}
