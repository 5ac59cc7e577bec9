// SPDX-License-Identifier: MIT
/*
 * Conformance tests of the virtio-ccw transport as a driver observes it: revision
 * negotiation, features, queue configuration, status, and DIAGNOSE 0x500. Each check
 * cites the virtio specification v1.2 section 4.3 rule (facts in
 * docs/reference/virtio-ccw.md). Runs on the virtio-blk subchannel (SID_BLK).
 */
#include "report.h"
#include "util.h"

#define CMD_SET_VQ 0x13
#define CMD_VDEV_RESET 0x33
#define CMD_READ_FEAT 0x12
#define CMD_WRITE_STATUS 0x31
#define CMD_READ_VQ_CONF 0x32
#define CMD_SET_VIRTIO_REV 0x83
#define CMD_READ_STATUS 0x72
#define SLI 0x20

static int set_rev(uint16_t rev, struct irb_view *v)
{
	uint8_t *d = g_data;

	vccw_st_be16(d, rev);
	vccw_st_be16(d + 2, 0);
	return run_ccw(SID_BLK, CMD_SET_VIRTIO_REV, 0, 4, d, v);
}

static bool reset_dev(void)
{
	struct irb_view v;

	return run_ccw(SID_BLK, CMD_VDEV_RESET, 0, 0, NULL, &v) == 0 && v.dstat == 0x0c;
}

/* A fresh enablement: the revision is unset until SET_VIRTIO_REV (4.3.2.1.1). */
static bool fresh_enable(void)
{
	disable_sch(SID_BLK);
	if (clean_sch(SID_BLK))
		return true;
	report(false, "setup: enable 0.0.0000", "failed");
	return false;
}

static void test_rev_unsupported(void)
{
	struct irb_view v;
	int cc, sense;

	/*
	 * No other command first: that would fix revision 0 (4.3.2.1.3), and the reject
	 * below would then prove nothing about the revision number.
	 */
	if (!fresh_enable())
		return;
	cc = set_rev(3, &v);
	report(cc == 0 && (v.dstat & 0x02) && v.cstat == 0,
	       "4.3.2.1.1: a revision the device does not support is rejected (unit check)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	sense = basic_sense(SID_BLK);
	report(sense >= 0 && (sense & 0x80), "4.3.2.1.1: the rejection is a command reject",
	       "sense %d", sense);
	/* The rejected selection left the revision unset: the newest one is taken. */
	cc = set_rev(2, &v);
	report(cc == 0 && v.dstat == 0x0c && v.cstat == 0,
	       "4.3.2.1.1: the revision is still unset after the reject; revision 2 is accepted",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_rev_1_accepted(void)
{
	struct irb_view v;
	int cc;

	/* A revision is chosen once per subchannel enablement (4.3.2.1.1). */
	if (!fresh_enable())
		return;
	cc = set_rev(1, &v);
	report(cc == 0 && v.dstat == 0x0c && v.cstat == 0,
	       "4.3.2.1.1: revision 1 is accepted", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
}

static void test_read_feat(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	uint32_t bits;
	int cc;

	guest_memset(d, 0, 8);
	d[4] = 1; /* index 1: bits 32-63 */
	cc = run_ccw(SID_BLK, CMD_READ_FEAT, 0, 5, d, &v);
	bits = vccw_ld_le32(d);
	report(cc == 0 && v.dstat == 0x0c, "4.3.2.4: READ_FEAT with a 5-byte descriptor",
	       "cc %d dstat 0x%x", cc, v.dstat);
	report(bits & 1, "4.3.2.4: VERSION_1 (bit 32) is offered from revision 1", "bits 0x%x",
	       bits);
}

static void test_read_vq_conf(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	vccw_st_be16(d, 0);
	vccw_st_be16(d + 2, 0);
	cc = run_ccw(SID_BLK, CMD_READ_VQ_CONF, 0, 4, d, &v);
	report(cc == 0 && v.dstat == 0x0c, "4.3.2.2: READ_VQ_CONF for queue 0",
	       "cc %d dstat 0x%x", cc, v.dstat);
	report(vccw_ld_be16(d + 2) > 0, "4.3.2.2: the queue's maximum size is not zero",
	       "max %u", vccw_ld_be16(d + 2));
}

static void test_status_rev2(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	if (!fresh_enable())
		return;
	cc = set_rev(2, &v);
	report(cc == 0 && v.dstat == 0x0c, "4.3.2.1.1: revision 2 is accepted", "cc %d", cc);
	d[0] = 1; /* ACKNOWLEDGE */
	cc = run_ccw(SID_BLK, CMD_WRITE_STATUS, 0, 1, d, &v);
	report(cc == 0 && v.dstat == 0x0c, "4.3.2.3: WRITE_STATUS", "cc %d", cc);
	d[100] = 0xee;
	cc = run_ccw(SID_BLK, CMD_READ_STATUS, 0, 1, d + 100, &v);
	report(cc == 0 && v.dstat == 0x0c && d[100] == 1,
	       "4.3.2.3.2: READ_STATUS (revision 2) returns the status", "cc %d status 0x%x", cc,
	       d[100]);
	reset_dev();
}

/*
 * READ_STATUS in revision 1. Rejecting it there is only a SHOULD (4.3.2.1.1, relaxed from
 * MUST because devices did not check and drivers came to rely on it): Linux drivers that
 * negotiate revision 1 send it, so both hosts execute it (vccw: unless the device has
 * x-strict-read-status=on).
 */
static void test_read_status_rev1(void)
{
	struct irb_view v;
	uint8_t *d = g_data;
	int cc;

	if (!fresh_enable())
		return;
	cc = set_rev(1, &v);
	report(cc == 0 && v.dstat == 0x0c && v.cstat == 0, "setup: revision 1 is accepted",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	d[0] = 1; /* ACKNOWLEDGE */
	cc = run_ccw(SID_BLK, CMD_WRITE_STATUS, 0, 1, d, &v);
	report(cc == 0 && v.dstat == 0x0c, "4.3.2.3: WRITE_STATUS", "cc %d", cc);
	d[100] = 0xee;
	cc = run_ccw(SID_BLK, CMD_READ_STATUS, 0, 1, d + 100, &v);
	report(cc == 0 && v.dstat == 0x0c && v.cstat == 0 && d[100] == 1,
	       "4.3.2.1.1 (SHOULD, not MUST): READ_STATUS in revision 1 returns the status",
	       "cc %d dstat 0x%x cstat 0x%x status 0x%x", cc, v.dstat, v.cstat, d[100]);
	reset_dev();
}

static void test_diag500(void)
{
	int pgm = 0;
	int64_t rc;

	rc = guest_arch_diag500(0x77, SID_BLK, 0, 0, &pgm);
	report(pgm == GUEST_PGM_SPECIFICATION,
	       "an unknown DIAGNOSE 0x500 subcode (4.3.3.2 defines 3) is a specification "
	       "exception (QEMU, KVM)",
	       "pgm 0x%x", pgm);
	rc = guest_arch_diag500(3, 0x0001ff00, 0, 0, &pgm);
	report(pgm == 0 && rc < 0,
	       "a notification for no such subchannel returns a negative value (Linux, QEMU)",
	       "pgm 0x%x rc %lld", pgm, (long long)rc);
}

const struct conf_test conf_vccw_tests[] = {
	{ "vccw_rev_unsupported_rejected", test_rev_unsupported },
	{ "vccw_rev_1_accepted", test_rev_1_accepted },
	{ "vccw_read_feat_version_1", test_read_feat },
	{ "vccw_read_vq_conf", test_read_vq_conf },
	{ "vccw_status_rev2", test_status_rev2 },
	{ "vccw_read_status_rev1_accepted", test_read_status_rev1 },
	{ "vccw_diag500", test_diag500 },
};
const unsigned int conf_vccw_nr = sizeof(conf_vccw_tests) / sizeof(conf_vccw_tests[0]);
