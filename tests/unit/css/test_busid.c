// SPDX-License-Identifier: MIT
/*
 * From a bus ID to the subsystem-identification word (lib/css/src/busid.c): the word
 * an embedder computes must address the device's subchannel in STSCH, and must equal
 * the first word of that subchannel's I/O-interruption code, with and without MCSS-E
 * (PoP chapter 15, "Subsystem-Identification Word"; reference 1.1).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "fixture.h"
#include "test.h"

#define CHSC_BLK 0x3000
#define CHSC_SDA 0x0031
#define SDA_MCSSE 0
#define SDA_MSS 2

/* CHSC store-domain-attributes: enable MCSS-E (@op 0) or MSS (@op 2). */
static bool chsc_sda(struct fx *f, uint32_t op)
{
	uint16_t rsp = 0;

	vccw_mem_fill(f->mem, CHSC_BLK, 0, 0x1000);
	vccw_mem_st_be16(f->mem, CHSC_BLK, 0x400);
	vccw_mem_st_be16(f->mem, CHSC_BLK + 2, CHSC_SDA);
	vccw_mem_st_be32(f->mem, CHSC_BLK + 4, op);
	if (vccw_css_chsc(f->css, &f->cpu, CHSC_BLK) != VCCW_CC0)
		return false;
	vccw_mem_ld_be16(f->mem, CHSC_BLK + 0x400 + 2, &rsp);
	return rsp == 0x0001;
}

static uint32_t sid_of(struct fx *f, const char *str)
{
	struct vccw_busid id;
	struct vccw_err err;
	uint32_t sid = 0;

	if (vccw_css_parse_busid(str, &id, &err) || vccw_css_busid_to_sid(f->css, &id, &sid))
		return 0;
	return sid;
}

TEST(test_busid_to_sid_addresses_the_device_subchannel)
{
	struct fx f;
	struct fx_cu_state a, b;
	struct vccw_schib schib;
	struct vccw_cu *cu, *first;
	uint32_t sid;

	fx_init(&f, false);
	/* Device numbers out of order: 0x1234 lands on subchannel 0, 0x0815 on 1. */
	REQUIRE((first = fx_add_cu(&f, "fe.0.1234", &a, false)));
	REQUIRE((cu = fx_add_cu(&f, "fe.0.0815", &b, false)));
	sid = sid_of(&f, "fe.0.0815");
	CHECK_EQ(sid, 0x00010001u);
	CHECK_EQ(sid, vccw_sch_sid(vccw_cu_sch(cu)));
	CHECK_EQ(sid_of(&f, "fe.0.1234"), 0x00010000u);
	CHECK_EQ(fx_stsch(&f, sid, &schib), VCCW_CC0);
	CHECK_EQ(schib.pmcw.devno, 0x0815);
	CHECK(schib.pmcw.flags & VCCW_PMCW_DNV);
	vccw_cu_free(cu, false);
	vccw_cu_free(first, false);
	fx_fini(&f);
}

TEST(test_busid_to_sid_unknown_or_invalid)
{
	struct fx f;
	struct fx_cu_state a;
	struct vccw_busid id = {VCCW_CSS_VIRTUAL_CSSID, 0, 0x0816};
	uint32_t sid = 0xdeadbeef;
	struct vccw_cu *cu;

	fx_init(&f, false);
	REQUIRE((cu = fx_add_cu(&f, "fe.0.0815", &a, false)));
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, &sid), -ENODEV);
	id.devno = 0x0815;
	id.ssid = 1; /* the same device number in another set is another device */
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, &sid), -ENODEV);
	id.ssid = VCCW_CSS_MAX_SSID + 1;
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, &sid), -EINVAL);
	id.ssid = 0;
	id.cssid = 0; /* css 0 is what a guest without MCSS-E sees, not a bus ID */
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, &sid), -EINVAL);
	CHECK_EQ(vccw_css_busid_to_sid(f.css, NULL, &sid), -EINVAL);
	CHECK_EQ(sid, 0xdeadbeef);
	id.cssid = VCCW_CSS_VIRTUAL_CSSID;
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, NULL), 0);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

static enum vccw_exec_rc done_start(struct vccw_sch *sch, void *opaque, const struct vccw_orb *orb,
				    unsigned int budget, struct vccw_exec_status *st)
{
	(void)sch, (void)opaque, (void)orb, (void)budget, (void)st;
	return VCCW_EXEC_DONE;
}

static enum vccw_exec_rc done_more(struct vccw_sch *sch, void *opaque, unsigned int budget,
				   struct vccw_exec_status *st)
{
	(void)sch, (void)opaque, (void)budget, (void)st;
	return VCCW_EXEC_DONE;
}

/* A reserved, not yet published subchannel is not there for the guest, nor here. */
TEST(test_busid_to_sid_unpublished_is_enodev)
{
	static const struct vccw_sch_exec_ops ops = {
	    .start = done_start,
	    .resume = done_more,
	    .step = done_more,
	};
	struct vccw_busid id = {VCCW_CSS_VIRTUAL_CSSID, 0, 0x0042};
	struct vccw_sch_config cfg = {.busid = &id, .ops = &ops};
	struct vccw_err err;
	struct vccw_sch *sch;
	struct fx f;

	fx_init(&f, false);
	REQUIRE((sch = vccw_css_sch_new(f.css, &cfg, &err)));
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, NULL), -ENODEV);
	vccw_css_sch_publish(sch);
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, NULL), 0);
	vccw_css_sch_free(sch, false);
	CHECK_EQ(vccw_css_busid_to_sid(f.css, &id, NULL), -ENODEV);
	fx_fini(&f);
}

/* Set 1 carries the set in bits 13-14; the word works once the guest enabled MSS. */
TEST(test_busid_to_sid_second_set)
{
	struct fx f;
	struct fx_cu_state a;
	struct vccw_schib schib;
	struct vccw_cu *cu;
	uint32_t sid;

	fx_init(&f, false);
	REQUIRE((cu = fx_add_cu(&f, "fe.1.0815", &a, false)));
	sid = sid_of(&f, "fe.1.0815");
	CHECK_EQ(sid, 0x00030000u);
	REQUIRE(chsc_sda(&f, SDA_MSS));
	CHECK_EQ(fx_stsch(&f, sid, &schib), VCCW_CC0);
	CHECK_EQ(schib.pmcw.devno, 0x0815);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

/*
 * With MCSS-E the interruption code names css 0xfe with the M bit; the helper gives
 * that same word, so an embedder can match interruptions to devices, and the word is
 * a valid operand too.
 */
TEST(test_busid_to_sid_matches_interruption_code)
{
	struct fx f;
	struct fx_cu_state a;
	struct vccw_io_irq irq;
	struct fx_irb irb;
	struct vccw_cu *cu;
	uint32_t sid;

	fx_init(&f, false);
	REQUIRE((cu = fx_add_cu(&f, "fe.0.0815", &a, false)));
	REQUIRE(chsc_sda(&f, SDA_MCSSE));
	sid = sid_of(&f, "fe.0.0815");
	CHECK_EQ(sid, 0xfe090000u);
	REQUIRE(fx_enable(&f, sid, 3) == VCCW_CC0);
	fx_ccw1(&f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, VCCW_CCW_FLAG_SLI, 1, 0);
	REQUIRE(fx_ssch(&f, sid, FX_PROG_ADDR, 0) == VCCW_CC0);
	fx_run(&f);
	REQUIRE(vccw_css_take_io_irq(f.css, 0xff, &irq));
	CHECK_EQ(irq.sid, sid);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	vccw_cu_free(cu, false);
	fx_fini(&f);
}
