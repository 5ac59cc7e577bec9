// SPDX-License-Identifier: MIT
/*
 * Conformance tests of the virtio-ccw channel commands as raw CCWs: every command in
 * every revision (0, 1, 2) with its payload rules, revision negotiation, indicator
 * registration rules, short payloads, and a DIAGNOSE 0x500 notification of a real
 * queue. Each check cites the virtio specification v1.2 section 4.3 rule (facts in
 * docs/reference/virtio-ccw.md). Runs on the virtio-blk subchannel (SID_BLK), whose
 * disk is 1 MiB (2048 sectors).
 */
#include "report.h"
#include "util.h"

#define CMD_SET_VQ 0x13
#define CMD_VDEV_RESET 0x33
#define CMD_READ_FEAT 0x12
#define CMD_WRITE_FEAT 0x11
#define CMD_READ_CONF 0x22
#define CMD_WRITE_CONF 0x21
#define CMD_WRITE_STATUS 0x31
#define CMD_SET_IND 0x43
#define CMD_SET_CONF_IND 0x53
#define CMD_SET_IND_ADAPTER 0x73
#define CMD_READ_VQ_CONF 0x32
#define CMD_SET_VIRTIO_REV 0x83
#define CMD_READ_STATUS 0x72

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define DISK_SECTORS 2048
#define RING_BYTES (32 * 1024)

/* Scratch areas in g_data. */
#define PAYLOAD (g_data)
#define IND (g_data + 512)
#define CONF_IND (g_data + 520)
#define SUMMARY (g_data + 600)
#define AREA (g_data + 640)

static uint8_t *ring;

static int cmd(uint8_t code, uint8_t flags, uint16_t count, void *data, struct irb_view *v)
{
	return run_ccw(SID_BLK, code, flags, count, data, v);
}

static bool ok(int cc, const struct irb_view *v)
{
	return cc == 0 && v->dstat == (DS_CE | DS_DE) && v->cstat == 0;
}

static bool rejected(int cc, const struct irb_view *v)
{
	return cc == 0 && (v->dstat & DS_UC);
}

static bool reject_sense(void)
{
	int s = basic_sense(SID_BLK);

	return s >= 0 && (s & 0x80);
}

static int set_rev(uint16_t rev, uint16_t length, uint16_t count, struct irb_view *v)
{
	vccw_st_be16(PAYLOAD, rev);
	vccw_st_be16(PAYLOAD + 2, length);
	guest_memset(PAYLOAD + 4, 0, 8);
	return cmd(CMD_SET_VIRTIO_REV, 0, count, PAYLOAD, v);
}

/*
 * A fresh enablement of the subchannel (the revision is unset, 4.3.2.1); with @rev >= 0
 * that revision is selected and the device reset (indicators dropped, 4.3.3.3).
 */
static bool fresh(int rev)
{
	struct irb_view v;
	int cc;

	disable_sch(SID_BLK);
	if (!clean_sch(SID_BLK)) {
		report(false, "setup: enable 0.0.0000", "failed");
		return false;
	}
	if (rev < 0)
		return true;
	cc = set_rev((uint16_t)rev, 0, 4, &v);
	if (!ok(cc, &v)) {
		report(false, "setup: SET_VIRTIO_REV", "rev %d cc %d dstat 0x%x", rev, cc, v.dstat);
		return false;
	}
	cc = cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
	if (!ok(cc, &v)) {
		report(false, "setup: VDEV_RESET", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
		       v.cstat);
		return false;
	}
	return true;
}

static bool need_ring(void)
{
	if (!ring)
		ring = guest_alloc(RING_BYTES, 4096);
	if (!ring)
		report(false, "setup: guest RAM for a ring", "guest_alloc failed");
	return ring != NULL;
}

static int read_feat(uint8_t index, uint32_t *bits, struct irb_view *v)
{
	int cc;

	guest_memset(PAYLOAD, 0xee, 8);
	PAYLOAD[4] = index;
	cc = cmd(CMD_READ_FEAT, 0, 5, PAYLOAD, v);
	*bits = vccw_ld_le32(PAYLOAD);
	return cc;
}

static int write_feat(uint8_t index, uint32_t bits, struct irb_view *v)
{
	vccw_st_le32(PAYLOAD, bits);
	PAYLOAD[4] = index;
	return cmd(CMD_WRITE_FEAT, 0, 5, PAYLOAD, v);
}

static int write_status(uint8_t status, struct irb_view *v)
{
	PAYLOAD[0] = status;
	return cmd(CMD_WRITE_STATUS, 0, 1, PAYLOAD, v);
}

static int read_vq_max(uint16_t index, uint16_t *max, struct irb_view *v)
{
	int cc;

	vccw_st_be16(PAYLOAD, index);
	vccw_st_be16(PAYLOAD + 2, 0xeeee);
	cc = cmd(CMD_READ_VQ_CONF, 0, 4, PAYLOAD, v);
	*max = vccw_ld_be16(PAYLOAD + 2);
	return cc;
}

/* SET_VQ with the legacy block (16 bytes). */
static int set_vq_legacy(uint64_t queue, uint32_t align, uint16_t index, uint16_t num,
			 struct irb_view *v)
{
	vccw_st_be32(PAYLOAD, (uint32_t)(queue >> 32));
	vccw_st_be32(PAYLOAD + 4, (uint32_t)queue);
	vccw_st_be32(PAYLOAD + 8, align);
	vccw_st_be16(PAYLOAD + 12, index);
	vccw_st_be16(PAYLOAD + 14, num);
	return cmd(CMD_SET_VQ, 0, 16, PAYLOAD, v);
}

static void st64(uint8_t *p, uint64_t x)
{
	vccw_st_be32(p, (uint32_t)(x >> 32));
	vccw_st_be32(p + 4, (uint32_t)x);
}

/* SET_VQ with the revision-1 block (32 bytes); split ring areas inside @ring. */
static int set_vq_v1(uint64_t desc, uint16_t index, uint16_t num, uint16_t count,
		     uint8_t flags, struct irb_view *v)
{
	st64(PAYLOAD, desc);
	vccw_st_be32(PAYLOAD + 8, 0);
	vccw_st_be16(PAYLOAD + 12, index);
	vccw_st_be16(PAYLOAD + 14, num);
	st64(PAYLOAD + 16, desc ? desc + 16u * 1024 : 0);
	st64(PAYLOAD + 24, desc ? desc + 20u * 1024 : 0);
	return cmd(CMD_SET_VQ, flags, count, PAYLOAD, v);
}

static int set_ind(uint8_t code, const void *ind, struct irb_view *v)
{
	st64(PAYLOAD, guest_arch_addr(ind));
	return cmd(code, 0, 8, PAYLOAD, v);
}

static int set_ind_adapter(uint8_t isc, struct irb_view *v)
{
	st64(PAYLOAD, guest_arch_addr(SUMMARY));
	st64(PAYLOAD + 8, guest_arch_addr(AREA));
	st64(PAYLOAD + 16, 0);
	PAYLOAD[24] = isc;
	return cmd(CMD_SET_IND_ADAPTER, 0, 25, PAYLOAD, v);
}

/* ---- Revision negotiation (4.3.2.1) ---- */

static void test_rev_second_rejected(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(-1))
		return;
	cc = set_rev(1, 0, 4, &v);
	report(ok(cc, &v), "4.3.2.1: revision 1 is accepted first", "cc %d dstat 0x%x", cc,
	       v.dstat);
	cc = set_rev(1, 0, 4, &v);
	report(rejected(cc, &v) && reject_sense(),
	       "4.3.2.1.1: a second SET_VIRTIO_REV (same revision) is a command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = set_rev(0, 0, 4, &v);
	report(rejected(cc, &v), "4.3.2.1.1: a second SET_VIRTIO_REV (revision 0) is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_rev_command_first_fixes_rev0(void)
{
	struct irb_view v;
	uint32_t bits;
	int cc;

	if (!fresh(-1))
		return;
	cc = read_feat(0, &bits, &v);
	report(ok(cc, &v), "a legacy driver's first command (READ_FEAT) is executed",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = set_rev(1, 0, 4, &v);
	report(rejected(cc, &v),
	       "4.3.2.1.1: after another command first, the device continues as revision 0 "
	       "and rejects SET_VIRTIO_REV",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_rev_length_rejected(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(-1))
		return;
	cc = set_rev(1, 4, 8, &v);
	report(rejected(cc, &v),
	       "4.3.2.1.1: revision 1 with length 4 (revision 1 has no data) is an invalid "
	       "combination: command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	/* Whatever happened, start again for the next check. */
	if (!fresh(-1))
		return;
	cc = set_rev(1, 0, 4, &v);
	report(ok(cc, &v), "4.3.2.1: the revision is still unset after a rejected selection",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_rev_unset_by_disable(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(1))
		return;
	disable_sch(SID_BLK);
	clean_sch(SID_BLK);
	cc = set_rev(2, 0, 4, &v);
	report(ok(cc, &v),
	       "4.3.2.1: the revision is unset again from the enabling of the subchannel",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_vdev_reset_keeps_rev(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(2))
		return;
	cc = write_status(S_ACK, &v);
	report(ok(cc, &v), "4.3.2.3: WRITE_STATUS ACKNOWLEDGE", "cc %d", cc);
	cc = cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
	report(ok(cc, &v), "4.3.3.3: VDEV_RESET completes", "cc %d dstat 0x%x cstat 0x%x", cc,
	       v.dstat, v.cstat);
	PAYLOAD[100] = 0xee;
	cc = cmd(CMD_READ_STATUS, 0, 1, PAYLOAD + 100, &v);
	report(ok(cc, &v) && PAYLOAD[100] == 0,
	       "4.3.3.3: the reset is complete when VDEV_RESET ends (status 0)",
	       "cc %d status 0x%x", cc, PAYLOAD[100]);
	cc = set_rev(2, 0, 4, &v);
	report(rejected(cc, &v),
	       "4.3.2.1: VDEV_RESET keeps the revision (a new selection is rejected)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_read_status_rev0(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(0))
		return;
	cc = cmd(CMD_READ_STATUS, 0, 1, PAYLOAD, &v);
	report(rejected(cc, &v),
	       "4.3.2.1.1 / 4.3.2.8: READ_STATUS is a revision-2 command (command reject in "
	       "revision 0)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

/* ---- Every command in one revision ---- */

static void commands_in_rev(int rev)
{
	struct irb_view v;
	uint32_t bits;
	uint16_t max, num;
	uint64_t cap;
	uint8_t cfg[16];
	int cc;

	if (!fresh(rev) || !need_ring())
		return;
	cc = read_feat(0, &bits, &v);
	report(ok(cc, &v), "4.3.2.4: READ_FEAT index 0", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	cc = read_feat(1, &bits, &v);
	report(ok(cc, &v) && (rev == 0 ? bits == 0 : (bits & 1)),
	       rev == 0 ? "4.3.2.4: revision 0 offers no feature bit above 31"
			: "4.3.2.4: READ_FEAT index 1 offers VERSION_1 (bit 32) from revision 1",
	       "cc %d bits 0x%x", cc, bits);
	cc = write_status(S_ACK | S_DRIVER, &v);
	report(ok(cc, &v), "4.3.2.3: WRITE_STATUS ACKNOWLEDGE | DRIVER", "cc %d dstat 0x%x", cc,
	       v.dstat);
	cc = write_feat(0, 0, &v);
	report(ok(cc, &v), "4.3.2.4: WRITE_FEAT index 0", "cc %d dstat 0x%x cstat 0x%x", cc,
	       v.dstat, v.cstat);
	if (rev >= 1) {
		cc = write_feat(1, 1, &v);
		report(ok(cc, &v), "4.3.2.4: WRITE_FEAT index 1 with VERSION_1", "cc %d dstat 0x%x",
		       cc, v.dstat);
		cc = write_status(S_ACK | S_DRIVER | S_FEATURES_OK, &v);
		report(ok(cc, &v), "3.1.1: FEATURES_OK with VERSION_1 is accepted",
		       "cc %d dstat 0x%x", cc, v.dstat);
	}
	guest_memset(cfg, 0, sizeof(cfg));
	guest_memset(PAYLOAD, 0xee, 16);
	cc = cmd(CMD_READ_CONF, 0, 16, PAYLOAD, &v);
	guest_memcpy(cfg, PAYLOAD, 16);
	cap = rev == 0 ? (uint64_t)vccw_ld_be32(cfg) << 32 | vccw_ld_be32(cfg + 4)
		       : (uint64_t)vccw_ld_le32(cfg + 4) << 32 | vccw_ld_le32(cfg);
	report(ok(cc, &v) && cap == DISK_SECTORS,
	       rev == 0 ? "4.3.2.5: READ_CONF; legacy config space is big-endian (capacity 2048)"
			: "4.3.2.5: READ_CONF; VERSION_1 config space is little-endian (capacity "
			  "2048)",
	       "cc %d dstat 0x%x capacity 0x%llx", cc, v.dstat, (unsigned long long)cap);
	guest_memcpy(PAYLOAD, cfg, 16);
	cc = cmd(CMD_WRITE_CONF, 0, 16, PAYLOAD, &v);
	report(ok(cc, &v), "4.3.2.5: WRITE_CONF from offset 0 with the values read",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = read_vq_max(0, &max, &v);
	report(ok(cc, &v) && max > 0, "4.3.2.2: READ_VQ_CONF of queue 0", "cc %d max %u", cc, max);
	if (!max || max > 1024) {
		report(false, "queue size usable by this test", "max %u", max);
		return;
	}
	guest_memset(ring, 0, RING_BYTES);
	if (rev == 0) {
		cc = set_vq_legacy(guest_arch_addr(ring), 4096, 0, max, &v);
		report(ok(cc, &v),
		       "4.3.2.2.2: revision 0 SET_VQ with the legacy block (align 4096)",
		       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
		cc = set_vq_legacy(0, 0, 0, 0, &v);
	} else {
		num = max < 256 ? max : 256;
		cc = set_vq_v1(guest_arch_addr(ring), 0, num, 32, 0, &v);
		report(ok(cc, &v), "4.3.2.2: SET_VQ with the 32-byte block (desc, driver, device)",
		       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
		cc = set_vq_v1(0, 0, 0, 32, 0, &v);
	}
	report(ok(cc, &v), "4.3.2.2: SET_VQ with address 0 releases the queue", "cc %d dstat 0x%x",
	       cc, v.dstat);
	cc = set_ind(CMD_SET_IND, IND, &v);
	report(ok(cc, &v), "4.3.2.6.1: SET_IND with an 8-byte aligned doubleword",
	       "cc %d dstat 0x%x", cc, v.dstat);
	cc = set_ind(CMD_SET_CONF_IND, CONF_IND, &v);
	report(ok(cc, &v), "4.3.2.6.2: SET_CONF_IND", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	cc = set_ind_adapter(CONF_ISC, &v);
	report(rejected(cc, &v),
	       "4.3.2.6.3: SET_IND_ADAPTER after classic indicators were set up is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
	report(ok(cc, &v), "4.3.3.3: VDEV_RESET", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	cc = set_ind_adapter(CONF_ISC, &v);
	report(ok(cc, &v), "4.3.2.6.3: SET_IND_ADAPTER (summary, area, bit 0, ISC 3)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = set_ind(CMD_SET_IND, IND, &v);
	report(rejected(cc, &v),
	       "4.3.2.6.1: SET_IND after adapter indicators were set up is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	if (rev >= 2) {
		PAYLOAD[100] = 0xee;
		cc = cmd(CMD_READ_STATUS, 0, 1, PAYLOAD + 100, &v);
		report(ok(cc, &v) && PAYLOAD[100] == 0, "4.3.2.8: READ_STATUS in revision 2",
		       "cc %d status 0x%x", cc, PAYLOAD[100]);
	}
	cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
}

static void test_commands_rev0(void)
{
	commands_in_rev(0);
}

static void test_commands_rev1(void)
{
	commands_in_rev(1);
}

static void test_commands_rev2(void)
{
	commands_in_rev(2);
}

/* ---- Payload rules ---- */

static void test_set_vq_rules(void)
{
	struct irb_view v;
	uint16_t max;
	int cc;

	if (!fresh(1) || !need_ring())
		return;
	write_status(S_ACK | S_DRIVER, &v);
	write_feat(1, 1, &v);
	write_status(S_ACK | S_DRIVER | S_FEATURES_OK, &v);
	read_vq_max(0, &max, &v);
	guest_memset(ring, 0, RING_BYTES);
	cc = set_vq_v1(guest_arch_addr(ring), 0, (uint16_t)(max + 1), 32, 0, &v);
	report(rejected(cc, &v), "4.3.2.2: SET_VQ with num above the queue's maximum is rejected",
	       "cc %d dstat 0x%x cstat 0x%x max %u", cc, v.dstat, v.cstat, max);
	cc = set_vq_v1(guest_arch_addr(ring), 0xffff, 16, 32, 0, &v);
	report(rejected(cc, &v), "4.3.2.2: SET_VQ for a queue index the device lacks is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = set_vq_v1(guest_arch_addr(ring), 0, 16, 16, CCW_SLI, &v);
	report(rejected(cc, &v),
	       "4.3.2.2 / 4.3.1.1: revision 1 needs the 32-byte block; 16 bytes (SLI) is too "
	       "little data: command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	if (!fresh(0))
		return;
	read_vq_max(0, &max, &v);
	cc = set_vq_legacy(guest_arch_addr(ring), 2048, 0, max, &v);
	report(rejected(cc, &v), "4.3.2.2.2: a legacy queue with align other than 4096 is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
}

static void test_read_vq_conf_no_queue(void)
{
	struct irb_view v;
	uint16_t max;
	int cc;

	if (!fresh(1))
		return;
	cc = read_vq_max(5, &max, &v);
	report(ok(cc, &v) && max == 0,
	       "4.3.2.2: READ_VQ_CONF of a queue the device does not have reads max 0",
	       "cc %d max %u", cc, max);
	cc = read_vq_max(0xffff, &max, &v);
	report(rejected(cc, &v),
	       "4.3.2.2: READ_VQ_CONF beyond the transport's queue numbers is rejected",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_conf_bounds(void)
{
	struct irb_view v;
	uint8_t *d = g_data + 1024;
	unsigned int size;
	int cc;

	if (!fresh(1))
		return;
	guest_memset(d, 0xa5, 0x200);
	cc = cmd(CMD_READ_CONF, CCW_SLI, 0x200, d, &v);
	report(ok(cc, &v),
	       "4.3.1.1: READ_CONF beyond the config space with SLI moves what there is, no error",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	size = 0x200 - v.count;
	report(v.count > 0 && size >= 8,
	       "PoP residual count: count minus the bytes the config space had", "residual %u",
	       v.count);
	report(d[0x1ff] == 0xa5 && d[0x100] == 0xa5,
	       "PoP: nothing is stored beyond the config space", "%02x %02x", d[0x100], d[0x1ff]);
	cc = cmd(CMD_READ_CONF, 0, 0x200, d, &v);
	report(cc == 0 && ((v.dstat & DS_UC) || (v.cstat & CS_IL)),
	       "4.3.1.1: without SLI a READ_CONF count beyond the config space is an error "
	       "(command reject or incorrect length)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = cmd(CMD_WRITE_CONF, 0, 0x200, d, &v);
	report(cc == 0 && ((v.dstat & DS_UC) || (v.cstat & CS_IL)),
	       "4.3.1.1: without SLI a WRITE_CONF count beyond the config space is an error",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_short_payloads(void)
{
	static const struct {
		uint8_t code;
		uint16_t count;
		const char *rule;
	} shorts[] = {
		{ CMD_SET_VQ, 8, "4.3.2.2: SET_VQ with 8 bytes (SLI): command reject" },
		{ CMD_READ_FEAT, 4, "4.3.2.4: READ_FEAT with 4 bytes (SLI): command reject" },
		{ CMD_WRITE_FEAT, 4, "4.3.2.4: WRITE_FEAT with 4 bytes (SLI): command reject" },
		{ CMD_WRITE_STATUS, 0, "4.3.2.3: WRITE_STATUS with 0 bytes (SLI): command reject" },
		{ CMD_SET_IND, 4, "4.3.2.6.1: SET_IND with 4 bytes (SLI): command reject" },
		{ CMD_SET_CONF_IND, 4,
		  "4.3.2.6.2: SET_CONF_IND with 4 bytes (SLI): command reject" },
		{ CMD_SET_IND_ADAPTER, 24,
		  "4.3.2.6.3: SET_IND_ADAPTER with 24 of 25 bytes (SLI): command reject" },
		{ CMD_READ_VQ_CONF, 2, "4.3.2.2: READ_VQ_CONF with 2 bytes (SLI): command reject" },
	};
	struct irb_view v;
	unsigned int i;
	int cc;

	if (!fresh(-1))
		return;
	vccw_st_be16(PAYLOAD, 1);
	vccw_st_be16(PAYLOAD + 2, 0);
	cc = cmd(CMD_SET_VIRTIO_REV, CCW_SLI, 2, PAYLOAD, &v);
	report(rejected(cc, &v) && reject_sense(),
	       "4.3.2.1 / 4.3.1.1: SET_VIRTIO_REV with 2 bytes (SLI): command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	if (!fresh(1))
		return;
	for (i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		guest_memset(PAYLOAD, 0, 32);
		cc = cmd(shorts[i].code, CCW_SLI, shorts[i].count, PAYLOAD, &v);
		report(rejected(cc, &v) && reject_sense(), shorts[i].rule,
		       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	}
}

/* ---- DIAGNOSE 0x500 ---- */

static void test_diag500_notify(void)
{
	struct irb_view v;
	uint16_t max, num;
	int64_t rc;
	int pgm = 0, cc;

	if (!fresh(1) || !need_ring())
		return;
	write_status(S_ACK | S_DRIVER, &v);
	write_feat(1, 1, &v);
	write_status(S_ACK | S_DRIVER | S_FEATURES_OK, &v);
	read_vq_max(0, &max, &v);
	num = max < 256 ? max : 256;
	guest_memset(ring, 0, RING_BYTES);
	cc = set_vq_v1(guest_arch_addr(ring), 0, num, 32, 0, &v);
	report(ok(cc, &v), "setup: SET_VQ of queue 0", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	cc = write_status(S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK, &v);
	report(ok(cc, &v), "setup: DRIVER_OK", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	rc = guest_arch_diag500(3, SID_BLK, 0, 0, &pgm);
	report(pgm == 0 && rc >= 0,
	       "4.3.3.2: notifying a set-up queue returns a host cookie >= 0", "pgm 0x%x rc %lld",
	       pgm, (long long)rc);
	rc = guest_arch_diag500(3, 0xffffffff00000000ull | SID_BLK, 0, 0, &pgm);
	report(pgm == 0 && rc >= 0, "4.3.3.2: GPR2 bits 0-31 are ignored", "pgm 0x%x rc %lld",
	       pgm, (long long)rc);
	rc = guest_arch_diag500(3, SID_BLK, 0xffff, 0, &pgm);
	report(pgm == 0 && rc < 0,
	       "4.3.3.2: a notification for a queue the device lacks returns a negative value",
	       "pgm 0x%x rc %lld", pgm, (long long)rc);
	cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
}

const struct conf_test conf_vcmd_tests[] = {
	{ "vccw_rev_second_selection_rejected", test_rev_second_rejected },
	{ "vccw_rev_command_first_fixes_rev0", test_rev_command_first_fixes_rev0 },
	{ "vccw_rev_length_rejected", test_rev_length_rejected },
	{ "vccw_rev_unset_by_disable", test_rev_unset_by_disable },
	{ "vccw_vdev_reset_keeps_revision", test_vdev_reset_keeps_rev },
	{ "vccw_read_status_rev0_rejected", test_read_status_rev0 },
	{ "vccw_commands_rev0", test_commands_rev0 },
	{ "vccw_commands_rev1", test_commands_rev1 },
	{ "vccw_commands_rev2", test_commands_rev2 },
	{ "vccw_set_vq_rules", test_set_vq_rules },
	{ "vccw_read_vq_conf_no_queue", test_read_vq_conf_no_queue },
	{ "vccw_conf_bounds", test_conf_bounds },
	{ "vccw_short_payloads_rejected", test_short_payloads },
	{ "vccw_diag500_notify_queue", test_diag500_notify },
};
const unsigned int conf_vcmd_nr = sizeof(conf_vcmd_tests) / sizeof(conf_vcmd_tests[0]);
