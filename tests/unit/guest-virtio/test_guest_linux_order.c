// SPDX-License-Identifier: MIT
/*
 * The guest drivers follow Linux 6.1's order where Linux depends on it
 * (shared/reference/linux-6.1-guest): CHSC SCSC before SDA before the scan, SSD for each
 * subchannel before it is enabled, the path-verification NOP after SENSE ID and before
 * any virtio command, READ_STATUS before every WRITE_STATUS from revision 2 on (and
 * none below), SET_IND_ADAPTER as 25 bytes with SLI. The machine's instruction entry
 * point is wrapped to record what the guest program issues, decoded from guest RAM.
 */
#include <string.h>

#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/virtio.h"
#include "gv_host.h"
#include "test.h"
#include "vccw/byteorder.h"

#define MAX_EVS 4096

struct ev {
	uint16_t op;   /* GUEST_OP_* */
	uint32_t sid;  /* GPR1 of subchannel instructions */
	uint16_t code; /* CHSC command code */
	uint8_t cmd, flags, lpm;
	uint16_t count;
};

static struct gv_machine *RM;
static int (*orig_io)(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr);
static struct ev evs[MAX_EVS];
static unsigned int nr_evs;
static int prog_rc;

static bool in_ram(uint64_t addr, uint64_t len)
{
	return len <= GV_RAM_SIZE && addr <= GV_RAM_SIZE - len;
}

static int rec_io(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	struct ev *e = nr_evs < MAX_EVS ? &evs[nr_evs++] : NULL;

	if (e) {
		memset(e, 0, sizeof(*e));
		e->op = opcode;
		e->sid = (uint32_t)gpr1;
		if (opcode == GUEST_OP_CHSC && in_ram(addr, 4))
			e->code = vccw_ld_be16(RM->ram + addr + 2);
		if (opcode == GUEST_OP_SSCH && in_ram(addr, 12)) {
			uint32_t ctrl = vccw_ld_be32(RM->ram + addr + 4);
			uint32_t cpa = vccw_ld_be32(RM->ram + addr + 8);

			e->lpm = (uint8_t)(ctrl >> 8);
			if (in_ram(cpa, 8)) {
				e->cmd = RM->ram[cpa];
				e->flags = RM->ram[cpa + 1];
				e->count = vccw_ld_be16(RM->ram + cpa + 2);
			}
		}
	}
	return orig_io(ctx, opcode, gpr1, addr);
}

static int g_bring_up(void)
{
	int rc = 0;

	if (guest_cio_init() < 1)
		rc = 1;
	else
		guest_drivers_register_all();
	if (!rc && !guest_rng_get(0))
		rc = 2;
	guest_cio_exit();
	prog_rc = rc;
	return rc;
}

/* Run the guest with one rng device offering revisions up to @max_rev, recording. */
static bool run(unsigned int max_rev)
{
	struct gv_machine m;
	bool ok = false;

	nr_evs = 0;
	prog_rc = -1;
	if (!gv_init(&m))
		return false;
	RM = &m;
	orig_io = m.host.io_insn;
	m.host.io_insn = rec_io;
	if (gv_add_rng(&m, max_rev, gv_default_extra()) >= 0)
		ok = gv_run(&m, g_bring_up) == 0 && prog_rc == 0;
	gv_fini(&m);
	return ok;
}

static int find(unsigned int from, uint16_t op, int code_or_cmd)
{
	unsigned int i;

	for (i = from; i < nr_evs; i++) {
		if (evs[i].op != op)
			continue;
		if (code_or_cmd < 0 || (op == GUEST_OP_CHSC && evs[i].code == code_or_cmd) ||
		    (op == GUEST_OP_SSCH && evs[i].cmd == code_or_cmd))
			return (int)i;
	}
	return -1;
}

TEST(test_guest_cio_scsc_sda_ssd_before_enabling)
{
	int scsc, sda, stsch, ssd, msch;

	CHECK(run(2));
	scsc = find(0, GUEST_OP_CHSC, 0x0010);
	sda = find(0, GUEST_OP_CHSC, 0x0031);
	stsch = find(0, GUEST_OP_STSCH, -1);
	CHECK(scsc >= 0 && sda > scsc && stsch > sda);
	/* Linux's chsc_get_ssd_info() for the subchannel, before its first MSCH. */
	ssd = find(0, GUEST_OP_CHSC, 0x0004);
	msch = find(0, GUEST_OP_MSCH, -1);
	CHECK(ssd > stsch && msch > ssd);
}

TEST(test_guest_cio_path_verification_nop_after_sense_id)
{
	int sid, nop, rev;

	CHECK(run(2));
	sid = find(0, GUEST_OP_SSCH, 0xe4);
	nop = find(0, GUEST_OP_SSCH, 0x03);
	rev = find(0, GUEST_OP_SSCH, 0x83);
	CHECK(sid >= 0 && nop > sid && rev > nop);
	/* Linux's NOP: count 0, SLI, on the one path it verifies (PIM 0x80). */
	if (nop >= 0) {
		CHECK_EQ(evs[nop].flags, GUEST_CCW_FLAG_SLI);
		CHECK_EQ(evs[nop].count, 0);
		CHECK_EQ(evs[nop].lpm, 0x80);
	}
}

/* Every WRITE_STATUS preceded by a READ_STATUS (@rev2), or no READ_STATUS at all. */
static void check_status_pairs(bool rev2)
{
	unsigned int i, writes = 0, reads = 0;
	int prev = -1;

	for (i = 0; i < nr_evs; i++) {
		if (evs[i].op != GUEST_OP_SSCH)
			continue;
		if (evs[i].cmd == 0x31) {
			writes++;
			if (rev2)
				CHECK_EQ(prev, 0x72);
		}
		if (evs[i].cmd == 0x72)
			reads++;
		prev = evs[i].cmd;
	}
	/* ACK, DRIVER, FEATURES_OK, DRIVER_OK at least. */
	CHECK(writes >= 4);
	if (!rev2)
		CHECK_EQ(reads, 0);
}

TEST(test_guest_virtio_read_status_before_each_write_status_rev2)
{
	CHECK(run(2));
	check_status_pairs(true);
}

TEST(test_guest_virtio_no_read_status_below_rev2)
{
	CHECK(run(1));
	check_status_pairs(false);
}

TEST(test_guest_virtio_set_ind_adapter_25_bytes_sli)
{
	int i;

	CHECK(run(2));
	i = find(0, GUEST_OP_SSCH, 0x73);
	CHECK(i >= 0);
	if (i >= 0) {
		CHECK_EQ(evs[i].flags, GUEST_CCW_FLAG_SLI);
		CHECK_EQ(evs[i].count, 25);
		/* Linux sets the queues up first, the indicators after them. */
		CHECK(find(0, GUEST_OP_SSCH, 0x13) < i);
	}
}
