// SPDX-License-Identifier: MIT
/*
 * The hot-plug demo (vccw-vm -kernel native:hotplug): the demo's steps, then an endless
 * loop that lets the channel-I/O layer process channel reports (guest_cio_poll(), with
 * an enabled wait in between) and reports each device gained or lost, until the machine
 * ends (quit, a signal). With a disk present at start it keeps that disk busy meanwhile:
 * each turn writes one 4 KiB slot of a ring of HP_SLOTS slots and reads it back, every
 * sector stamped with a sequence number and a pattern derived from it, so that a host
 * can check afterwards, from the image alone, that no acknowledged write was lost or
 * torn while devices came and went. After each change of the device set it reports
 * the last sequence number written and verified; when the disk itself is unplugged,
 * the I/O ends there (reported, not a failure). A powerdown request (QMP
 * system_powerdown) ends the program with status 0, as an operating system shuts down.
 *
 * Sector layout in the ring (sector HP_FIRST + slot * HP_SLOT_SECTORS + k, slot = seq %
 * HP_SLOTS): bytes 0-7 "VCCWHPIO", 8-11 seq (little-endian), 12-15 k, then byte i
 * (16..511) = (seq * 31 + k * 7 + i) mod 256.
 */
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/tools.h"
#include "vccw/byteorder.h"

#include "demo-int.h"

#define HP_FIRST 2048 /* 1 MiB into the disk, clear of the demo's sectors 8-15 */
#define HP_SLOTS 64
#define HP_SLOT_SECTORS 8
#define HP_SLOT_BYTES (HP_SLOT_SECTORS * GUEST_BLK_SECTOR_SIZE)
#define HP_IDLE_US 100000 /* enabled wait without a disk to keep busy */
#define HP_PACE_US 0 /* between two writes: take pending interruptions, no pause */
#define HP_GONE_WAIT_US 1000000 /* after an I/O error, how long to wait for a CRW */
#define HP_GONE_POLL_US 10000

int guest_hotplug_main(void);

struct hp_io {
	struct guest_blk *blk; /* the first disk at start; NULL once gone or failed */
	struct guest_device *dev;
	uint8_t *out, *in;
	uint32_t seq;      /* next sequence number */
	bool any_verified; /* seq - 1 was written and read back intact */
};

static struct hp_io io;

static void fill(uint8_t *buf, uint32_t seq)
{
	unsigned int k, i;

	for (k = 0; k < HP_SLOT_SECTORS; k++) {
		uint8_t *p = buf + k * GUEST_BLK_SECTOR_SIZE;

		guest_memcpy(p, "VCCWHPIO", 8);
		vccw_st_le32(p + 8, seq);
		vccw_st_le32(p + 12, k);
		for (i = 16; i < GUEST_BLK_SECTOR_SIZE; i++)
			p[i] = (uint8_t)(seq * 31u + k * 7u + i);
	}
}

/*
 * One write and read-back. A failure ends the I/O and is reported (the host's test
 * fails), unless the disk was unplugged meanwhile.
 */
static void io_step(void)
{
	uint64_t sector = HP_FIRST + (uint64_t)(io.seq % HP_SLOTS) * HP_SLOT_SECTORS;
	int rc;

	fill(io.out, io.seq);
	rc = guest_blk_write(io.blk, sector, io.out, HP_SLOT_SECTORS);
	if (!rc) {
		guest_memset(io.in, 0, HP_SLOT_BYTES);
		rc = guest_blk_read(io.blk, sector, io.in, HP_SLOT_SECTORS);
	}
	if (rc) {
		/*
		 * Unplugged under our feet? Then the channel report that says so is queued
		 * (the css queues it as it frees the subchannel): the disk being lost is an
		 * ending, not a failure.
		 */
		uint64_t end = guest_arch_now_us() + HP_GONE_WAIT_US;

		while (io.blk && guest_arch_now_us() < end) {
			guest_cio_poll();
			if (io.blk)
				guest_arch_wait(HP_GONE_POLL_US);
		}
		if (!io.blk)
			return;
		guest_demo_say("hotplug: FAIL blk seq=%u: I/O error %d", io.seq, rc);
		io.blk = NULL;
		return;
	}
	if (guest_memcmp(io.in, io.out, HP_SLOT_BYTES)) {
		guest_demo_say("hotplug: FAIL blk seq=%u: read back differs", io.seq);
		io.blk = NULL;
		return;
	}
	io.any_verified = true;
	io.seq++;
}

/* The disk under I/O went away: stop using it (its driver has let go of it). */
static void hook(struct guest_device *dev, bool added)
{
	if (!added && dev == io.dev) {
		if (io.any_verified)
			guest_demo_say("hotplug: blk seq=%u verified; disk gone, I/O stopped",
				       io.seq - 1);
		io.blk = NULL;
		io.dev = NULL;
	}
}

static void report_io(void)
{
	if (io.blk && io.any_verified)
		guest_demo_say("hotplug: blk seq=%u verified", io.seq - 1);
}

/* A NIC asked to announce itself (QMP announce-self): acknowledge it and say so. */
static void net_announcements(void)
{
	struct guest_net *net;
	unsigned int i;

	for (i = 0; (net = guest_net_get(i)); i++)
		if (net->config_pending && guest_net_config(net) == 1)
			guest_demo_say("hotplug: virtio-net %u announced "
				       "(GUEST_ANNOUNCE acknowledged)", i);
}

int guest_hotplug_main(void)
{
	struct guest_device *dev;
	unsigned int i;

	guest_demo_steps(true);
	if (guest_blk_count()) {
		io.blk = guest_blk_get(0);
		io.out = guest_alloc(HP_SLOT_BYTES, 4096);
		io.in = guest_alloc(HP_SLOT_BYTES, 4096);
		for (i = 0; (dev = guest_cio_device(i)); i++)
			if (dev->drvdata == io.blk)
				io.dev = dev;
		if (!io.out || !io.in || !io.dev)
			io.blk = NULL;
	}
	if (io.blk)
		guest_demo_say("hotplug: ready; blk I/O on %x.%x.%04x", io.dev->cssid,
			       io.dev->ssid, io.dev->devno);
	else
		guest_demo_say("hotplug: ready; no blk I/O");
	guest_demo_set_hotplug_hook(hook);
	for (;;) {
		net_announcements();
		/* The operator's powerdown (SCLP signal quiesce): end cleanly, as an OS does. */
		if (guest_arch_quiesce_pending()) {
			guest_demo_say("hotplug: powerdown requested; shutting down");
			return 0;
		}
		if (guest_cio_poll()) {
			report_io();
			/* What the guest now sees, as an operator would check it. */
			guest_lscss();
		}
		if (io.blk) {
			io_step();
			guest_arch_wait(HP_PACE_US);
		} else {
			guest_arch_wait(HP_IDLE_US);
		}
	}
	return 0;
}
