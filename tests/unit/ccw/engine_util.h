/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the channel-program engine tests (tests/unit/ccw/test_*.c): one
 * test control unit on an enabled subchannel, start-and-collect in manual mode, and
 * checks for the status shapes the architecture defines (shared/reference/channel-io.md
 * sections 3.3 and 5.10).
 */
#ifndef VCCW_TEST_ENGINE_UTIL_H
#define VCCW_TEST_ENGINE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "test.h"

#define PROG FX_PROG_ADDR /* channel programs */
#define DATA FX_DATA_ADDR /* data areas */
#define IDAL 0x30000u  /* IDAW lists */

#define CE_DE (VCCW_DSTAT_CE | VCCW_DSTAT_DE)
#define SC_FINAL (VCCW_SCSW_SC_PRIMARY | VCCW_SCSW_SC_SECONDARY | VCCW_SCSW_SC_PENDING)
#define SC_FINAL_ALERT (SC_FINAL | VCCW_SCSW_SC_ALERT)
#define SC_INTERMEDIATE (VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_SC_PENDING)

struct et {
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	uint32_t sid;
};

/* A manual (or threaded) css with one enabled test control unit. */
static inline bool et_init(struct et *t, bool threaded)
{
	fx_init(&t->f, threaded);
	t->cu = fx_add_cu(&t->f, "fe.0.0100", &t->st, false);
	if (!t->cu)
		return false;
	t->sid = fx_sid_of(t->cu);
	return fx_enable(&t->f, t->sid, 3) == VCCW_CC0;
}

/*
 * As et_init, with @ram_size bytes of guest memory, so that an address limit (16 MiB for
 * format 0) can be told apart from the end of storage.
 */
static inline bool et_init_ram(struct et *t, uint64_t ram_size)
{
	struct vccw_css_config cfg = { .manual = true };
	struct vccw_err err;

	fx_init(&t->f, false);
	vccw_css_free(t->f.css);
	vccw_mem_free(t->f.mem);
	t->f.mem = vccw_mem_new(ram_size, &err);
	if (!t->f.mem)
		return false;
	t->f.css = vccw_css_new(t->f.mem, &cfg, &err);
	if (!t->f.css)
		return false;
	t->cu = fx_add_cu(&t->f, "fe.0.0100", &t->st, false);
	if (!t->cu)
		return false;
	t->sid = fx_sid_of(t->cu);
	return fx_enable(&t->f, t->sid, 3) == VCCW_CC0;
}

static inline void et_fini(struct et *t)
{
	vccw_cu_free(t->cu, false);
	fx_fini(&t->f);
}

/* SSCH with ORB word 1 = @ctrl | LPM 0x80 (no F added), run to idle, TSCH into @irb. */
static inline enum vccw_insn_rc et_start_ctrl(struct et *t, uint32_t cpa, uint32_t ctrl,
					      struct fx_irb *irb)
{
	enum vccw_insn_rc rc;

	fx_orb(&t->f, FX_ORB_ADDR, 0xcafe0001, ctrl | 0x8000, cpa);
	rc = vccw_css_ssch(t->f.css, &t->f.cpu, t->sid, FX_ORB_ADDR);
	CHECK_EQ(rc, VCCW_CC0);
	if (rc != VCCW_CC0)
		return rc;
	fx_run(&t->f);
	return fx_tsch(&t->f, t->sid, irb);
}

/* Format-1 program at @cpa with extra ORB bits. */
static inline enum vccw_insn_rc et_start(struct et *t, uint32_t cpa, uint32_t extra,
					 struct fx_irb *irb)
{
	return et_start_ctrl(t, cpa, VCCW_ORB_F | extra, irb);
}

/* Format-0 program at @cpa with extra ORB bits. */
static inline enum vccw_insn_rc et_start0(struct et *t, uint32_t cpa, uint32_t extra,
					  struct fx_irb *irb)
{
	return et_start_ctrl(t, cpa, extra, irb);
}

/* Status of a channel-program check (reference 5.10): cstat 0x20, no device status. */
#define CHECK_PROG_CHECK(irb)                                                                      \
	do {                                                                                       \
		CHECK_EQ((irb)->scsw.cstat, VCCW_CSTAT_PROG);                                      \
		CHECK_EQ((irb)->scsw.dstat, 0);                                                    \
		CHECK_EQ((irb)->scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);                    \
		CHECK_EQ((irb)->scsw.ctrl & VCCW_SCSW_AC_MASK, 0);                                 \
	} while (0)

/* Normal end (reference 3.3): CE+DE, no subchannel status, CPA = last CCW + 8, residual. */
#define CHECK_NORMAL(irb, last_ccw, residual)                                                      \
	do {                                                                                       \
		CHECK_EQ((irb)->scsw.dstat, CE_DE);                                                \
		CHECK_EQ((irb)->scsw.cstat, 0);                                                    \
		CHECK_EQ((irb)->scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL);                          \
		CHECK_EQ((irb)->scsw.cpa, (last_ccw) + 8);                                         \
		CHECK_EQ((irb)->scsw.count, (residual));                                           \
	} while (0)

/* Incorrect length (reference 5.7): CE+DE with subchannel status IL, alert. */
#define CHECK_IL(irb, last_ccw, residual)                                                          \
	do {                                                                                       \
		CHECK_EQ((irb)->scsw.dstat, CE_DE);                                                \
		CHECK_EQ((irb)->scsw.cstat, VCCW_CSTAT_IL);                                        \
		CHECK_EQ((irb)->scsw.ctrl & VCCW_SCSW_SC_MASK, SC_FINAL_ALERT);                    \
		CHECK_EQ((irb)->scsw.cpa, (last_ccw) + 8);                                         \
		CHECK_EQ((irb)->scsw.count, (residual));                                           \
	} while (0)

/* Fill @len bytes of guest memory at @addr with a position-dependent pattern. */
static inline void et_pattern(struct et *t, uint64_t addr, uint32_t len, uint8_t seed)
{
	uint8_t b[256];
	uint32_t off = 0;

	while (off < len) {
		uint32_t n = len - off < sizeof(b) ? len - off : (uint32_t)sizeof(b);
		uint32_t i;

		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(seed + (off + i) * 7 + ((off + i) >> 8));
		vccw_mem_write(t->f.mem, addr + off, b, n);
		off += n;
	}
}

/* True if guest memory at @addr equals @len bytes of @want. */
static inline bool et_mem_eq(struct et *t, uint64_t addr, const void *want, uint32_t len)
{
	static uint8_t got[16384];

	if (len > sizeof(got) || vccw_mem_read(t->f.mem, addr, got, len) != VCCW_MEM_OK)
		return false;
	return memcmp(got, want, len) == 0;
}

/* True if @len bytes of guest memory at @addr all hold @byte. */
static inline bool et_mem_all(struct et *t, uint64_t addr, uint8_t byte, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint8_t v;

		if (vccw_mem_ld_u8(t->f.mem, addr + i, &v) != VCCW_MEM_OK || v != byte)
			return false;
	}
	return true;
}

/* Poll TSCH until status is pending (cc0); gives up after about @secs seconds. */
static inline enum vccw_insn_rc et_wait_status(struct fx *f, uint32_t sid, struct fx_irb *irb,
					       unsigned int secs)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
	unsigned int i;
	enum vccw_insn_rc rc = VCCW_CC1;

	for (i = 0; i < secs * 1000u; i++) {
		rc = fx_tsch(f, sid, irb);
		if (rc != VCCW_CC1)
			break;
		nanosleep(&ts, NULL);
	}
	return rc;
}

#endif /* VCCW_TEST_ENGINE_UTIL_H */
