// SPDX-License-Identifier: MIT
/*
 * Conformance tests of the virtio-ccw channel commands as raw CCWs: every command in
 * every revision (0, 1, 2) with its payload rules, revision negotiation, indicator
 * registration rules, short payloads, and DIAGNOSE 0x500 notifications of a real queue
 * (virtio-blk reads) and of a released one. Each check cites the virtio specification
 * v1.2 section 4.3 rule it tests; a check without a section tests an answer the spec
 * does not name (vccw's choice, explained in QEMU-DIFFERENCES.md where QEMU differs).
 * Facts in docs/reference/virtio-ccw.md. Runs on the virtio-blk subchannel (SID_BLK),
 * whose disk is 1 MiB (2048 sectors).
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

/*
 * A command reject as the device presents it: unit check, and no subchannel status (a
 * channel-program check or incorrect length is another answer). Sense: reject_sense().
 */
static bool rejected(int cc, const struct irb_view *v)
{
	return cc == 0 && (v->dstat & DS_UC) && v->cstat == 0;
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
	       "4.3.2.1.3: after another command first, the device continues as revision 0 "
	       "and rejects SET_VIRTIO_REV",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

static void test_rev_length_rejected(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(-1))
		return;
	/* Count 8 = 4 + length: no length error, the combination itself is invalid. */
	cc = set_rev(1, 4, 8, &v);
	report(rejected(cc, &v) && reject_sense(),
	       "4.3.2.1.1: revision 1 with length 4 (revision 1 has no data) is an invalid "
	       "combination: command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	/* Same enablement: only a successful selection sets the revision. */
	cc = set_rev(1, 0, 4, &v);
	report(ok(cc, &v),
	       "4.3.2.1.1: the revision stays unset until a selection succeeds, so revision 1 "
	       "is then accepted",
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
	       "4.3.2.1.1: the revision is unset again from the enabling of the subchannel",
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
	       "4.3.3.3.1: the reset is complete when VDEV_RESET ends (status 0)",
	       "cc %d status 0x%x", cc, PAYLOAD[100]);
	cc = set_rev(2, 0, 4, &v);
	report(rejected(cc, &v),
	       "4.3.2.1.1: VDEV_RESET keeps the revision (a new selection is rejected)",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
}

/*
 * READ_STATUS as a legacy driver's first command. Rejecting a command outside the
 * selected revision is only a SHOULD (4.3.2.1.1), but a transitional device that sees
 * another command before SET_VIRTIO_REV MUST continue as revision 0 and reject every
 * command not valid for revision 0 (4.3.2.1.3); READ_STATUS is revision 2's.
 */
static void test_read_status_legacy_first(void)
{
	struct irb_view v;
	int cc;

	if (!fresh(-1))
		return;
	PAYLOAD[0] = 0xee;
	cc = cmd(CMD_READ_STATUS, 0, 1, PAYLOAD, &v);
	report(rejected(cc, &v) && reject_sense() && PAYLOAD[0] == 0xee,
	       "4.3.2.1.3: READ_STATUS as a legacy driver's first command MUST be rejected "
	       "(not valid for revision 0), nothing stored",
	       "cc %d dstat 0x%x cstat 0x%x byte 0x%x", cc, v.dstat, v.cstat, PAYLOAD[0]);
	cc = set_rev(2, 0, 4, &v);
	report(rejected(cc, &v),
	       "4.3.2.1.3: the device went on as revision 0: SET_VIRTIO_REV is rejected",
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
	/*
	 * The spec defines no address 0; Linux releases queues so. That the queue is then
	 * released is checked in vccw_diag500_notify_queue.
	 */
	report(ok(cc, &v), "SET_VQ with address 0 (Linux's queue release) is accepted",
	       "cc %d dstat 0x%x", cc, v.dstat);
	cc = set_ind(CMD_SET_IND, IND, &v);
	report(ok(cc, &v), "4.3.2.6.1: SET_IND with an 8-byte aligned doubleword",
	       "cc %d dstat 0x%x", cc, v.dstat);
	cc = set_ind(CMD_SET_CONF_IND, CONF_IND, &v);
	report(ok(cc, &v), "4.3.2.6.2: SET_CONF_IND", "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat,
	       v.cstat);
	cc = set_ind_adapter(CONF_ISC, &v);
	report(rejected(cc, &v),
	       "4.3.2.6.3.1: SET_IND_ADAPTER after classic indicators were set up is rejected",
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
		report(ok(cc, &v) && PAYLOAD[100] == 0, "4.3.2.3.2: READ_STATUS in revision 2",
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
	/* The spec names no answer for the first two (vccw's choice, QEMU-DIFFERENCES.md). */
	report(rejected(cc, &v),
	       "SET_VQ with num above the queue's maximum (4.3.2.2) is a command reject",
	       "cc %d dstat 0x%x cstat 0x%x max %u", cc, v.dstat, v.cstat, max);
	cc = set_vq_v1(guest_arch_addr(ring), 0xffff, 16, 32, 0, &v);
	report(rejected(cc, &v), "SET_VQ for a queue index the device lacks is a command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	cc = set_vq_v1(guest_arch_addr(ring), 0, 16, 16, CCW_SLI, &v);
	report(rejected(cc, &v),
	       "4.3.1.3: revision 1 needs the 32-byte block (4.3.2.2); 16 bytes with SLI is too "
	       "little data, a check condition: command reject",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	if (!fresh(0))
		return;
	read_vq_max(0, &max, &v);
	cc = set_vq_legacy(guest_arch_addr(ring), 2048, 0, max, &v);
	report(rejected(cc, &v),
	       "a legacy queue (4.3.2.2.2) with align other than 4096 is a command reject",
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
	/* The spec names no answer (vccw's choice, QEMU-DIFFERENCES.md). */
	report(rejected(cc, &v),
	       "READ_VQ_CONF beyond the transport's queue numbers is a command reject",
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
	       "4.3.1.3: READ_CONF beyond the config space with SLI moves what there is, no error",
	       "cc %d dstat 0x%x cstat 0x%x", cc, v.dstat, v.cstat);
	size = 0x200 - v.count;
	report(v.count > 0 && size >= 8,
	       "PoP residual count: count minus the bytes the config space had", "residual %u",
	       v.count);
	report(d[0x1ff] == 0xa5 && d[0x100] == 0xa5,
	       "PoP: nothing is stored beyond the config space", "%02x %02x", d[0x100], d[0x1ff]);
	cc = cmd(CMD_READ_CONF, 0, 0x200, d, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == CS_IL && v.count == 0x200 - size,
	       "4.3.1.3: without SLI a READ_CONF count beyond the config space MUST get the "
	       "architected subchannel status: incorrect length, the same residual",
	       "cc %d dstat 0x%x cstat 0x%x residual %u", cc, v.dstat, v.cstat, v.count);
	cc = cmd(CMD_WRITE_CONF, 0, 0x200, d, &v);
	report(cc == 0 && v.dstat == (DS_CE | DS_DE) && v.cstat == CS_IL && v.count == 0x200 - size,
	       "4.3.1.3: without SLI a WRITE_CONF count beyond the config space MUST get "
	       "incorrect length (the device takes the config space, the rest is residual)",
	       "cc %d dstat 0x%x cstat 0x%x residual %u", cc, v.dstat, v.cstat, v.count);
}

static void test_short_payloads(void)
{
	static const struct {
		uint8_t code;
		uint16_t count;
		const char *rule;
	} shorts[] = {
		{ CMD_SET_VQ, 8, "4.3.1.3, 4.3.2.2: SET_VQ with 8 bytes (SLI): command reject" },
		{ CMD_READ_FEAT, 4,
		  "4.3.1.3, 4.3.2.4: READ_FEAT with 4 bytes (SLI): command reject" },
		{ CMD_WRITE_FEAT, 4,
		  "4.3.1.3, 4.3.2.4: WRITE_FEAT with 4 bytes (SLI): command reject" },
		{ CMD_WRITE_STATUS, 0,
		  "4.3.1.3, 4.3.2.3: WRITE_STATUS with 0 bytes (SLI): command reject" },
		{ CMD_SET_IND, 4,
		  "4.3.1.3, 4.3.2.6.1: SET_IND with 4 bytes (SLI): command reject" },
		{ CMD_SET_CONF_IND, 4,
		  "4.3.1.3, 4.3.2.6.2: SET_CONF_IND with 4 bytes (SLI): command reject" },
		{ CMD_SET_IND_ADAPTER, 24,
		  "4.3.1.3, 4.3.2.6.3: SET_IND_ADAPTER with 24 of 25 bytes (SLI): command reject" },
		{ CMD_READ_VQ_CONF, 2,
		  "4.3.1.3, 4.3.2.2: READ_VQ_CONF with 2 bytes (SLI): command reject" },
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
	       "4.3.1.3, 4.3.2.1: SET_VIRTIO_REV with 2 bytes (SLI): command reject",
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

/* Split-ring areas as set_vq_v1() lays them out in @ring (VERSION_1: little-endian). */
#define RING_AVAIL (16u * 1024)
#define RING_USED (20u * 1024)
#define VRING_F_NEXT 1
#define VRING_F_WRITE 2
/* One virtio-blk request per KiB: header at 0, status byte at 16, 512 data bytes at 512. */
#define REQ_STATUS 16
#define REQ_DATA 512

static uint8_t *reqs;

static void vdesc(unsigned int i, const void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ring + 16 * i;
	uint64_t a = guest_arch_addr(addr);

	vccw_st_le32(d, (uint32_t)a);
	vccw_st_le32(d + 4, (uint32_t)(a >> 32));
	vccw_st_le32(d + 8, len);
	vccw_st_le16(d + 12, flags);
	vccw_st_le16(d + 14, next);
}

/*
 * Make request @n (0-2) a read of sector 0 (header, data, status: descriptors 3n..3n+2)
 * and publish it as available entry @n; the avail index becomes n + 1 (spec 2.7.13).
 */
static void post_read(unsigned int n, uint16_t num)
{
	uint8_t *r = reqs + 1024 * n;

	guest_memset(r, 0, 16); /* type 0 = VIRTIO_BLK_T_IN, sector 0 */
	r[REQ_STATUS] = 0xee;
	vdesc(3 * n, r, 16, VRING_F_NEXT, (uint16_t)(3 * n + 1));
	vdesc(3 * n + 1, r + REQ_DATA, 512, VRING_F_NEXT | VRING_F_WRITE, (uint16_t)(3 * n + 2));
	vdesc(3 * n + 2, r + REQ_STATUS, 1, VRING_F_WRITE, 0);
	vccw_st_le16(ring + RING_AVAIL + 4 + 2 * (n % num), (uint16_t)(3 * n));
	ring_publish_le16(ring + RING_AVAIL + 2, (uint16_t)(n + 1));
	guest_arch_mb();
}

static uint16_t used_idx(void)
{
	return ring_load_le16(ring + RING_USED + 2);
}

/* Wait up to @ms for the used index to reach @want. */
static bool wait_used(uint16_t want, unsigned int ms)
{
	uint64_t end = guest_arch_now_us() + 1000ull * ms;

	while (used_idx() != want && guest_arch_now_us() < end)
		guest_arch_wait(1000);
	return used_idx() == want;
}

static void test_diag500_notify(void)
{
	struct irb_view v;
	uint16_t max, num;
	int64_t rc;
	int pgm = 0, cc;
	bool used;

	if (!reqs)
		reqs = guest_alloc(4096, 4096);
	if (!fresh(1) || !need_ring() || !reqs)
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
	if (num < 3) {
		report(false, "setup: a queue of at least 3 entries", "num %u", num);
		return;
	}
	post_read(0, num);
	rc = guest_arch_diag500(3, SID_BLK, 0, 0, &pgm);
	report(pgm == 0 && rc >= 0,
	       "4.3.3.2.1: notifying a set-up queue returns a host cookie (>= 0; Linux takes a "
	       "negative value as failure)",
	       "pgm 0x%x rc %lld", pgm, (long long)rc);
	/* Wait first: the report's arguments read the status, in no particular order. */
	used = wait_used(1, 2000);
	report(used && reqs[REQ_STATUS] == 0,
	       "4.3.3.2: the notification makes the device process the queue (the read is "
	       "used, status OK)",
	       "used idx %u status 0x%x", used_idx(), reqs[REQ_STATUS]);
	post_read(1, num);
	rc = guest_arch_diag500(3, 0xffffffff00000000ull | SID_BLK, 0, 0, &pgm);
	report(pgm == 0 && rc >= 0 && wait_used(2, 2000) && reqs[1024 + REQ_STATUS] == 0,
	       "4.3.3.2.1: GPR2 bits 0-31 are ignored: the queue is notified",
	       "pgm 0x%x rc %lld used idx %u", pgm, (long long)rc, used_idx());
	rc = guest_arch_diag500(3, SID_BLK, 0xffff, 0, &pgm);
	report(pgm == 0 && rc < 0,
	       "a notification for a queue the device lacks returns a negative value (Linux, "
	       "QEMU)",
	       "pgm 0x%x rc %lld", pgm, (long long)rc);
	/*
	 * SET_VQ with address 0 (not defined by the spec; Linux's del_vq) releases the
	 * queue: a request then made available and notified is never used. This waits
	 * 200 ms for the device to use it, which only a host that kept the queue does.
	 */
	cc = set_vq_v1(0, 0, 0, 32, 0, &v);
	report(ok(cc, &v), "SET_VQ with address 0 is accepted", "cc %d dstat 0x%x cstat 0x%x", cc,
	       v.dstat, v.cstat);
	post_read(2, num);
	guest_arch_diag500(3, SID_BLK, 0, 0, &pgm);
	used = wait_used(3, 200);
	report(!used && used_idx() == 2 && reqs[2048 + REQ_STATUS] == 0xee,
	       "SET_VQ with address 0 releases the queue: the device no longer uses its ring",
	       "used idx %u status 0x%x", used_idx(), reqs[2048 + REQ_STATUS]);
	cmd(CMD_VDEV_RESET, 0, 0, NULL, &v);
}

const struct conf_test conf_vcmd_tests[] = {
	{ "vccw_rev_second_selection_rejected", test_rev_second_rejected },
	{ "vccw_rev_command_first_fixes_rev0", test_rev_command_first_fixes_rev0 },
	{ "vccw_rev_length_rejected", test_rev_length_rejected },
	{ "vccw_rev_unset_by_disable", test_rev_unset_by_disable },
	{ "vccw_vdev_reset_keeps_revision", test_vdev_reset_keeps_rev },
	{ "vccw_read_status_legacy_first_rejected", test_read_status_legacy_first },
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
