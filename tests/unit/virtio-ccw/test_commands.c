// SPDX-License-Identifier: MIT
/*
 * The virtio channel commands of lib/virtio-ccw driven through real channel programs:
 * SENSE ID, revision negotiation (spec 4.3.2.1), features, status, configuration
 * space, virtqueue configuration and setup, indicator setup, and every malformed
 * payload with the architected answer (command reject = unit check, sense byte 0 0x80;
 * short data without SLI also incorrect length). Facts: docs/reference/virtio-ccw.md.
 */
#include <stdint.h>
#include <string.h>

#include "vc_util.h"

/* ---- Identification (spec 4.3.1) ---- */

TEST(test_vccw_sense_id_is_3832_with_device_id_model)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[8];

	REQUIRE(vc_init(&v, 2));
	vccw_mem_fill(v.f.mem, DATA, 0xaa, 8);
	CHECK_EQ(vc_run(&v, VCCW_CCW_CMD_SENSE_ID, VCCW_CCW_FLAG_SLI, 8, DATA, &irb), VCCW_CC0);
	CHECK(vc_ok(&irb));
	vccw_mem_read(v.f.mem, DATA, b, 8);
	CHECK_EQ(b[0], 0xff);
	CHECK_EQ(vccw_ld_be16(b + 1), 0x3832);
	CHECK_EQ(b[3], FAKE_ID);
	CHECK_EQ(vccw_ld_be16(b + 4), 0);
	CHECK_EQ(b[6], 0);
	vc_fini(&v);
}

/* ---- Revisions (spec 4.3.2.1) ---- */

/* A revision up to max_revision is accepted; above it is a command reject. */
TEST(test_vccw_rev_negotiation_per_max_revision)
{
	unsigned int max, rev;

	for (max = 0; max <= 2; max++) {
		for (rev = 0; rev <= 3; rev++) {
			struct vc v;

			REQUIRE(vc_init(&v, max));
			CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
			if (rev <= max) {
				CHECK_MSG(vc_set_rev(&v, (uint16_t)rev), "max %u rev %u", max, rev);
				CHECK_EQ(vccw_virtio_ccw_revision(v.dev), rev);
			} else {
				uint8_t b[4] = { 0, (uint8_t)rev, 0, 0 };
				struct fx_irb irb;

				vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 4, &irb);
				CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
				CHECK_EQ(irb.scsw.cstat, 0);
				CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
				CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
			}
			vc_fini(&v);
		}
	}
}

/* Linux's fallback: 2 rejected, 1 rejected, 0 accepted on a max_revision 0 device. */
TEST(test_vccw_rev_driver_steps_down)
{
	struct vc v;

	REQUIRE(vc_init(&v, 0));
	CHECK(!vc_set_rev(&v, 2));
	CHECK(!vc_set_rev(&v, 1));
	CHECK(vc_set_rev(&v, 0));
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), 0);
	vc_fini(&v);
}

/* A second selection is rejected, even of the same revision. */
TEST(test_vccw_rev_second_selection_rejected)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[4] = { 0, 1, 0, 0 };

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 4, &irb);
	CHECK(vc_rejected(&v, &irb));
	CHECK(!vc_set_rev(&v, 2));
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), 2);
	vc_fini(&v);
}

/*
 * Revisions 0-2 carry no data: a non-zero length is an invalid combination, a command
 * reject (spec 4.3.2.1.1). The command is 4 + length bytes long: a count of exactly that
 * is no length error, with or without SLI; a count of 4 without SLI is (4.3.1.3).
 */
TEST(test_vccw_rev_with_length_rejected)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[8] = { 0, 1, 0, 4 };

	REQUIRE(vc_init(&v, 2));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, VCCW_CCW_FLAG_SLI, b, 8, &irb);
	CHECK(vc_rejected(&v, &irb));
	CHECK_EQ(irb.scsw.cstat, 0);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 8, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.count, 0);
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 4, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
	vc_fini(&v);
}

/* Short revision block: without SLI reject + IL, with SLI reject alone. */
TEST(test_vccw_rev_short_payload_rejected)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[2] = { 0, 1 };

	REQUIRE(vc_init(&v, 2));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, 0, b, 2, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV, VCCW_CCW_FLAG_SLI, b, 2, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
	vc_fini(&v);
}

/* A legacy driver's first command fixes revision 0; SET_VIRTIO_REV is then rejected. */
TEST(test_vccw_rev_legacy_driver_fixes_rev0)
{
	struct vc v;
	struct fx_irb irb;

	REQUIRE(vc_init(&v, 2));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_VDEV_RESET, 0, NULL, 0, &irb);
	CHECK(vc_ok(&irb));
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), 0);
	CHECK(!vc_set_rev(&v, 1));
	CHECK(!vc_set_rev(&v, 0));
	vc_fini(&v);
}

/* The revision does not survive disabling and enabling the subchannel. */
TEST(test_vccw_rev_unset_by_disable)
{
	struct vc v;
	struct vccw_schib schib;
	uint16_t flags;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	/* MSCH with E = 0. */
	REQUIRE(fx_stsch(&v.f, v.sid, &schib) == VCCW_CC0);
	vccw_mem_ld_be16(v.f.mem, FX_SCHIB_ADDR + 4, &flags);
	vccw_mem_st_be16(v.f.mem, FX_SCHIB_ADDR + 4, (uint16_t)(flags & ~VCCW_PMCW_ENA));
	CHECK_EQ(vccw_css_msch(v.f.css, &v.f.cpu, v.sid, FX_SCHIB_ADDR), VCCW_CC0);
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
	CHECK_EQ(fx_enable(&v.f, v.sid, 3), VCCW_CC0);
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), -1);
	CHECK(vc_set_rev(&v, 1));
	vc_fini(&v);
}

/* A device without VERSION_1 offers only the legacy interface (QEMU alike). */
TEST(test_vccw_rev_without_version1_is_legacy_only)
{
	struct vc v;

	REQUIRE(vc_init_ext(&v, 2, 0));
	CHECK(!vc_set_rev(&v, 1));
	CHECK(vc_set_rev(&v, 0));
	vc_fini(&v);
}

/* ---- Features (spec 4.3.2.4) ---- */

static uint32_t read_feat(struct vc *v, uint8_t index, struct fx_irb *irb)
{
	uint8_t b[5] = { 0xde, 0xad, 0xbe, 0xef, index };
	uint8_t out[5];

	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_READ_FEAT, 0, b, 5, irb);
	vccw_mem_read(v->f.mem, DATA, out, 5);
	return vccw_ld_le32(out);
}

TEST(test_vccw_read_feat_by_revision)
{
	unsigned int rev;

	for (rev = 0; rev <= 2; rev++) {
		struct vc v;
		struct fx_irb irb;
		uint32_t w;

		REQUIRE(vc_init(&v, 2));
		CHECK(vc_set_rev(&v, (uint16_t)rev));
		w = read_feat(&v, 0, &irb);
		CHECK(vc_ok(&irb));
		CHECK_EQ(w, VCCW_BIT(FAKE_F_GOOD) | VCCW_BIT(FAKE_F_BAD));
		/* Revision 0 never offers VERSION_1 and up; 1 and 2 do in word 1. */
		w = read_feat(&v, 1, &irb);
		CHECK(vc_ok(&irb));
		CHECK_EQ(w, rev ? 1u : 0u);
		/* Words the device does not have read as 0. */
		w = read_feat(&v, 2, &irb);
		CHECK(vc_ok(&irb));
		CHECK_EQ(w, 0);
		w = read_feat(&v, 255, &irb);
		CHECK_EQ(w, 0);
		vc_fini(&v);
	}
}

/* READ_FEAT with a 4-byte area: the index is not there; reject (+ IL without SLI). */
TEST(test_vccw_read_feat_short_rejected)
{
	struct vc v;
	struct fx_irb irb;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_FEAT, 0, 4, DATA, &irb), VCCW_CC0);
	CHECK(irb.scsw.cstat & VCCW_CSTAT_IL);
	CHECK(vc_rejected(&v, &irb));
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_FEAT, VCCW_CCW_FLAG_SLI, 4, DATA, &irb),
		 VCCW_CC0);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

TEST(test_vccw_write_feat_rev1_both_words)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_write_feat(&v, 0, VCCW_BIT(FAKE_F_GOOD) | 0x1)); /* bit 0 not offered */
	CHECK(vc_write_feat(&v, 1, 1));
	CHECK(vc_write_feat(&v, 2, 0xffffffff)); /* dropped */
	CHECK_EQ(v.fake.vdev.guest_features,
		 VCCW_BIT(FAKE_F_GOOD) | VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
	vc_fini(&v);
}

TEST(test_vccw_write_feat_rev0_ignores_high_word)
{
	struct vc v;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 0));
	CHECK(vc_write_feat(&v, 0, VCCW_BIT(FAKE_F_GOOD)));
	CHECK(vc_write_feat(&v, 1, 1));
	CHECK_EQ(v.fake.vdev.guest_features, VCCW_BIT(FAKE_F_GOOD));
	vc_fini(&v);
}

/* Features are fixed once FEATURES_OK is set: WRITE_FEAT is refused. */
TEST(test_vccw_write_feat_after_features_ok_rejected)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[5] = { 0 };

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_write_feat(&v, 1, 1));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
				      VCCW_VIRTIO_S_FEATURES_OK));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, 0, b, 5, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

/* 4 bytes of a 5-byte feature descriptor: the engine rejects, IL without SLI. */
TEST(test_vccw_write_feat_short_rejected)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[4] = { 0 };

	REQUIRE(vc_init(&v, 2));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_WRITE_FEAT, 0, b, 4, &irb);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

/* ---- Status (spec 4.3.2.3) ---- */

static int read_status(struct vc *v, uint8_t *out)
{
	struct fx_irb irb;

	vccw_mem_fill(v->f.mem, DATA, 0xee, 1);
	if (vc_run(v, VCCW_VIRTIO_CCW_CMD_READ_STATUS, 0, 1, DATA, &irb) != VCCW_CC0)
		return -1;
	if (!vc_ok(&irb))
		return vc_rejected(v, &irb) ? 1 : -1;
	vccw_mem_ld_u8(v->f.mem, DATA, out);
	return 0;
}

/*
 * READ_STATUS by revision: revision 2 executes it; revision 1 too by default (Linux
 * drivers at revision 1 send it; rejecting it is only a SHOULD, spec 4.3.2.1.1), but not
 * with strict_read_status; revision 0 never.
 */
TEST(test_vccw_read_status_by_revision)
{
	unsigned int rev, strict;

	for (strict = 0; strict <= 1; strict++) {
		for (rev = 0; rev <= 2; rev++) {
			struct vc v;
			uint8_t st = 0;
			int want = rev == 2 || (rev == 1 && !strict) ? 0 : 1;

			REQUIRE(vc_init_cfg(&v, 2, strict));
			CHECK(vc_set_rev(&v, (uint16_t)rev));
			CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
			CHECK_MSG(read_status(&v, &st) == want, "strict %u revision %u", strict,
				  rev);
			if (!want)
				CHECK_EQ(st, VCCW_VIRTIO_S_ACKNOWLEDGE);
			vc_fini(&v);
		}
	}
}

/*
 * READ_STATUS as a legacy driver's first command: the device MUST go on as revision 0
 * and reject every command not in revision 0 (spec 4.3.2.1.3), strict or not.
 */
TEST(test_vccw_read_status_legacy_first_command_rejected)
{
	unsigned int strict;

	for (strict = 0; strict <= 1; strict++) {
		struct vc v;
		uint8_t st = 0;

		REQUIRE(vc_init_cfg(&v, 2, strict));
		CHECK_EQ(read_status(&v, &st), 1);
		CHECK_EQ(vccw_virtio_ccw_revision(v.dev), 0);
		CHECK(!vc_set_rev(&v, 1));
		vc_fini(&v);
	}
}

/*
 * A command the device rejects before any data moved, with a count that is long enough,
 * was not executed: unit check alone, no incorrect length, residual 0 (S/370 PoP: an
 * operation rejected during initiation shows no incorrect length; Hercules reports
 * residual 0). A count below the command's length still shows IL (spec 4.3.1.3).
 */
TEST(test_vccw_reject_without_data_no_incorrect_length)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[4] = { 0xff, 0xff, 0, 0 };

	REQUIRE(vc_init_cfg(&v, 2, true));
	CHECK(vc_set_rev(&v, 1));
	/* READ_STATUS of the right length, rejected in revision 1 (strict). */
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_STATUS, 0, 1, DATA, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.count, 0);
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	/* READ_VQ_CONF of queue 0xffff: nothing stored back. */
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF, 0, b, 4, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.count, 0);
	/* An unknown command with a count. */
	CHECK_EQ(vc_run(&v, 0x93, 0, 8, DATA, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK_EQ(irb.scsw.count, 0);
	/* Too short a count without SLI: the length rule adds incorrect length. */
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF, 0, 2, DATA, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE | VCCW_DSTAT_UC);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	vc_fini(&v);
}

/* A refused FEATURES_OK is a command reject and leaves the status as it was. */
TEST(test_vccw_write_status_refused_rejected)
{
	struct vc v;
	uint8_t st = 0;
	uint8_t ad = VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	CHECK(vc_write_status(&v, ad));
	CHECK(vc_write_feat(&v, 0, VCCW_BIT(FAKE_F_BAD)));
	CHECK(vc_write_feat(&v, 1, 1));
	CHECK(!vc_write_status(&v, ad | VCCW_VIRTIO_S_FEATURES_OK));
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	CHECK_EQ(read_status(&v, &st), 0);
	CHECK_EQ(st, ad);
	/* Clearing a bit is not a status the device takes either. */
	CHECK(!vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
	vc_fini(&v);
}

TEST(test_vccw_write_status_zero_resets)
{
	struct vc v;
	uint8_t st = 0xff;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
	CHECK(vc_write_status(&v, 0));
	CHECK_EQ(read_status(&v, &st), 0);
	CHECK_EQ(st, 0);
	CHECK(v.fake.resets >= 1);
	/* The revision stays (spec: only disabling the subchannel unsets it). */
	CHECK_EQ(vccw_virtio_ccw_revision(v.dev), 2);
	vc_fini(&v);
}

TEST(test_vccw_write_status_count_zero_rejected)
{
	struct vc v;
	struct fx_irb irb;

	REQUIRE(vc_init(&v, 2));
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_WRITE_STATUS, VCCW_CCW_FLAG_SLI, 0, DATA, &irb),
		 VCCW_CC0);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

TEST(test_vccw_vdev_reset_completes_reset)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t st = 0xff;
	unsigned int before;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER));
	before = v.fake.resets;
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_VDEV_RESET, 0, NULL, 0, &irb);
	CHECK(vc_ok(&irb));
	CHECK(v.fake.resets > before);
	CHECK_EQ(read_status(&v, &st), 0);
	CHECK_EQ(st, 0);
	vc_fini(&v);
}

/* ---- Configuration space (spec 4.3.2.5) ---- */

TEST(test_vccw_read_conf_lengths)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[20];
	unsigned int i;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	for (i = 0; i < FAKE_CFG_LEN; i++)
		v.fake.cfg[i] = (uint8_t)(0x40 + i);
	/* Whole space. */
	vccw_mem_fill(v.f.mem, DATA, 0, 20);
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_CONF, 0, 16, DATA, &irb), VCCW_CC0);
	CHECK(vc_ok(&irb));
	vccw_mem_read(v.f.mem, DATA, b, 16);
	CHECK(memcmp(b, v.fake.cfg, 16) == 0);
	/* A prefix (Linux reads offset + len): no incorrect length. */
	vccw_mem_fill(v.f.mem, DATA, 0, 20);
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_CONF, 0, 6, DATA, &irb), VCCW_CC0);
	CHECK(vc_ok(&irb));
	CHECK_EQ(irb.scsw.count, 0);
	vccw_mem_read(v.f.mem, DATA, b, 7);
	CHECK(memcmp(b, v.fake.cfg, 6) == 0);
	CHECK_EQ(b[6], 0);
	/* Beyond the space without SLI: the space, residual 4, incorrect length (4.3.1.3). */
	vccw_mem_fill(v.f.mem, DATA, 0, 20);
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_CONF, 0, 20, DATA, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.dstat, CE_DE);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK_EQ(irb.scsw.count, 4);
	vccw_mem_read(v.f.mem, DATA, b, 20);
	CHECK(memcmp(b, v.fake.cfg, 16) == 0);
	CHECK_EQ(b[16], 0);
	/* With SLI: the space, residual 4, no IL. */
	vccw_mem_fill(v.f.mem, DATA, 0, 20);
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_CONF, VCCW_CCW_FLAG_SLI, 20, DATA, &irb),
		 VCCW_CC0);
	CHECK(vc_ok(&irb));
	CHECK_EQ(irb.scsw.count, 4);
	vccw_mem_read(v.f.mem, DATA, b, 20);
	CHECK(memcmp(b, v.fake.cfg, 16) == 0);
	CHECK_EQ(b[16], 0);
	vc_fini(&v);
}

TEST(test_vccw_write_conf_lengths)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[20];
	unsigned int i;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(0x80 + i);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_WRITE_CONF, 0, b, 4, &irb);
	CHECK(vc_ok(&irb));
	CHECK(memcmp(v.fake.cfg, b, 4) == 0);
	CHECK_EQ(v.fake.cfg[4], 0);
	/* Beyond the space without SLI: the space is written, residual 4, IL (4.3.1.3). */
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_WRITE_CONF, 0, b, 20, &irb);
	CHECK_EQ(irb.scsw.dstat, CE_DE);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK_EQ(irb.scsw.count, 4);
	CHECK(memcmp(v.fake.cfg, b, 16) == 0);
	memset(v.fake.cfg, 0, sizeof(v.fake.cfg));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_WRITE_CONF, VCCW_CCW_FLAG_SLI, b, 20, &irb);
	CHECK(vc_ok(&irb));
	CHECK_EQ(irb.scsw.count, 4);
	CHECK(memcmp(v.fake.cfg, b, 16) == 0);
	vc_fini(&v);
}

/* ---- Virtqueues (spec 4.3.2.2) ---- */

static int read_vq_conf(struct vc *v, uint16_t index, uint16_t *max)
{
	uint8_t b[4] = { 0 };
	struct fx_irb irb;

	vccw_st_be16(b, index);
	vccw_st_be16(b + 2, 0xeeee);
	vc_cmd(v, VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF, 0, b, 4, &irb);
	if (!vc_ok(&irb))
		return vc_rejected(v, &irb) ? 1 : -1;
	vccw_mem_ld_be16(v->f.mem, DATA + 2, max);
	vccw_mem_ld_be16(v->f.mem, DATA, &index);
	return index == 0xffff ? -1 : 0;
}

TEST(test_vccw_read_vq_conf)
{
	struct vc v;
	struct fx_irb irb;
	uint16_t max = 0xeeee;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK_EQ(read_vq_conf(&v, 0, &max), 0);
	CHECK_EQ(max, 8);
	CHECK_EQ(read_vq_conf(&v, 1, &max), 0);
	CHECK_EQ(max, 4);
	/* A queue the device does not have reads as 0 (Linux: -ENOENT). */
	CHECK_EQ(read_vq_conf(&v, 2, &max), 0);
	CHECK_EQ(max, 0);
	/* Beyond the transport's queue space: reject. */
	CHECK_EQ(read_vq_conf(&v, VCCW_VIRTIO_MAX_QUEUES, &max), 1);
	CHECK_EQ(read_vq_conf(&v, 0xffff, &max), 1);
	/* Two bytes cannot hold the answer. */
	CHECK_EQ(vc_run(&v, VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF, VCCW_CCW_FLAG_SLI, 2, DATA, &irb),
		 VCCW_CC0);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

TEST(test_vccw_set_vq_legacy)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[32];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 0));
	vc_vq_info_legacy(b, RING, 4096, 0, 8);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_ok(&irb));
	CHECK(vccw_vq_ready(v.fake.vdev.vqs[0]));
	CHECK_EQ(vccw_vq_size(v.fake.vdev.vqs[0]), 8);
	/* Alignment other than 4096. */
	vc_vq_info_legacy(b, RING1, 2048, 1, 4);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* The legacy size is the device's. */
	vc_vq_info_legacy(b, RING1, 4096, 1, 2);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_vq_info_legacy(b, RING1, 4096, 1, 8);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* No such queue. */
	vc_vq_info_legacy(b, RING1, 4096, 2, 4);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_vq_info_legacy(b, RING1, 4096, 0xffff, 4);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Rings beyond guest RAM. */
	vc_vq_info_legacy(b, FX_RAM_SIZE - 0x100, 4096, 1, 4);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_vq_info_legacy(b, UINT64_MAX & ~0xfffULL, 4096, 1, 4);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Address 0 releases the queue. */
	vc_vq_info_legacy(b, 0, 0, 0, 0);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_ok(&irb));
	CHECK(!vccw_vq_ready(v.fake.vdev.vqs[0]));
	/* Short block: engine reject with IL. */
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 8, &irb);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

TEST(test_vccw_set_vq_v1)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[32];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_write_feat(&v, 1, 1));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE | VCCW_VIRTIO_S_DRIVER |
				      VCCW_VIRTIO_S_FEATURES_OK));
	/* A smaller queue than the maximum is the driver's choice. */
	vc_vq_info(b, RING, 0, 4, RING + 0x1000, RING + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_ok(&irb));
	CHECK_EQ(vccw_vq_size(v.fake.vdev.vqs[0]), 4);
	/* Larger than the maximum, zero, not a power of two (split ring). */
	vc_vq_info(b, RING1, 1, 8, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_vq_info(b, RING1, 1, 0, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_vq_info(b, RING1, 1, 3, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Rings outside guest RAM. */
	vc_vq_info(b, RING1, 1, 4, FX_RAM_SIZE, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* No such queue. */
	vc_vq_info(b, RING1, 2, 4, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* A legacy-sized block in revision 1. */
	vc_vq_info(b, RING1, 1, 4, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 16, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* desc 0 releases the queue (Linux del_vq: all zero). */
	vc_vq_info(b, 0, 0, 0, 0, 0);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, b, 32, &irb);
	CHECK(vc_ok(&irb));
	CHECK(!vccw_vq_ready(v.fake.vdev.vqs[0]));
	vc_fini(&v);
}

/* ---- Indicator setup (spec 4.3.2.6) ---- */

TEST(test_vccw_set_ind_addresses)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[8];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND + 4));
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, FX_RAM_SIZE));
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, UINT64_MAX & ~7ULL));
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND + 1));
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, FX_RAM_SIZE - 4));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, 0));
	/* Four bytes of an eight-byte address. */
	memset(b, 0, sizeof(b));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, 0, b, 4, &irb);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_IL);
	CHECK(vc_rejected(&v, &irb));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, VCCW_CCW_FLAG_SLI, b, 4, &irb);
	CHECK_EQ(irb.scsw.cstat, 0);
	CHECK(vc_rejected(&v, &irb));
	vc_fini(&v);
}

TEST(test_vccw_set_ind_adapter_checks)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[25];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	/* ISC 8 does not exist. */
	vc_thinint(b, SUMMARY, AREA, 0, 8);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Summary or indicator bits outside guest RAM. */
	vc_thinint(b, FX_RAM_SIZE, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_thinint(b, SUMMARY, FX_RAM_SIZE - 1, 8, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_thinint(b, SUMMARY, AREA, (uint64_t)FX_RAM_SIZE * 8, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Bit numbers that wrap. */
	vc_thinint(b, SUMMARY, AREA, UINT64_MAX, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	vc_thinint(b, SUMMARY, UINT64_MAX - 4, 64, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* 24 of 25 bytes. */
	vc_thinint(b, SUMMARY, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, VCCW_CCW_FLAG_SLI, b, 24, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* The last bit of RAM is fine. */
	vc_thinint(b, SUMMARY, FX_RAM_SIZE - 1, 6, 7);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, VCCW_CCW_FLAG_SLI, b, 25, &irb);
	CHECK(vc_ok(&irb));
	vc_fini(&v);
}

/* Classic and two-stage queue indicators exclude each other (spec 4.3.2.6.1/3). */
TEST(test_vccw_ind_modes_exclusive)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[25];

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	vc_thinint(b, SUMMARY, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	/* Deregistered classic indicators (address 0, Linux) free the way. */
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, 0));
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));
	/* Re-registration in adapter mode is allowed; SET_IND is not. */
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));
	CHECK(!vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK_EQ(vc_sense0(&v), VCCW_SENSE_CMD_REJECT);
	/* The configuration indicator is independent of the mode. */
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND));
	/* Linux's deregistration: indicator 0. */
	vc_thinint(b, SUMMARY, 0, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	/* A reset forgets both. */
	CHECK(vc_write_status(&v, 0));
	vc_thinint(b, SUMMARY, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_ok(&irb));
	vc_fini(&v);
}

/* Command codes around the virtio set that no row answers are rejected. */
TEST(test_vccw_unknown_command_rejected)
{
	static const uint8_t codes[] = { 0x01, 0x02, 0x23, 0x42, 0x63, 0x93 };
	struct vc v;
	unsigned int i;

	REQUIRE(vc_init(&v, 2));
	for (i = 0; i < VCCW_ARRAY_SIZE(codes); i++) {
		struct fx_irb irb;

		CHECK_EQ(vc_run(&v, codes[i], VCCW_CCW_FLAG_SLI, 8, DATA, &irb), VCCW_CC0);
		CHECK_MSG(vc_rejected(&v, &irb), "command 0x%02x", codes[i]);
	}
	vc_fini(&v);
}

/*
 * A transport configured without adapter interruptions rejects SET_IND_ADAPTER (spec
 * 4.3.2.6.4: as a legacy device may; the driver falls back to classic indicators), while classic
 * indicators still work.
 */
TEST(test_vccw_no_adapter_rejects_set_ind_adapter)
{
	struct vc v;
	struct fx_irb irb;
	uint8_t b[25];

	REQUIRE(vc_init_opts(&v, 2, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), true));
	CHECK(vc_set_rev(&v, 1));
	vc_thinint(b, SUMMARY, AREA, 0, 3);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER, 0, b, 25, &irb);
	CHECK(vc_rejected(&v, &irb));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	vc_fini(&v);
}
