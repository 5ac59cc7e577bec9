// SPDX-License-Identifier: MIT
/*
 * Hot plug under load: virtio-ccw devices are plugged and unplugged on one thread while a
 * guest on another starts I/O on each new subchannel the moment its channel report
 * arrives, with every trace event on, against the threaded css. A device must be whole
 * (control unit and transport linked to its subchannel) before the guest can see it:
 * the subchannel's STSCH, its CRW and every channel program reach a complete object
 * (reference channel-io.md 9.4; issue "the hot-plug crash").
 *
 * The guest drives the path that crashed: revision 2 on a device whose max_revision is
 * 1 ends in a unit check, whose sense path asks the subchannel for concurrent sense.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "vc_util.h"
#include "vccw/trace.h"

#define STRESS_CYCLES_DEFAULT 10000
#define GUEST_PROG 0x40000u
#define GUEST_DATA 0x41000u
#define GUEST_ORB 0x42000u
#define GUEST_IRB 0x42100u
#define GUEST_SCHIB 0x42200u
#define GUEST_CRW 0x42300u

struct stress {
	struct fx f;
	struct vccw_cpu cpu; /* the guest's CPU: the fixture's belongs to the plugging thread */
	atomic_bool stop;
	atomic_uint crws;      /* CRWs the guest stored */
	atomic_uint started;   /* channel programs the guest started (SSCH cc 0) */
	atomic_uint checked;   /* programs that ended in the expected unit check */
	atomic_uint bad;       /* final status that a whole device never gives */
	atomic_ulong trace_lines;
};

static void count_line(void *opaque, unsigned int id, const char *line)
{
	struct stress *s = opaque;

	(void)id;
	(void)line;
	atomic_fetch_add_explicit(&s->trace_lines, 1, memory_order_relaxed);
}

/* SID word of subchannel @schnr in set 0, as the guest sees it (css 0, M=0). */
static uint32_t sid_of(uint16_t schnr)
{
	return 0x00010000u | schnr;
}

/*
 * The guest's reaction to a subchannel CRW: STSCH, enable with concurrent sense, and
 * at once a SET_VIRTIO_REV 2 that the device (max_revision 1) rejects; then TSCH until
 * the status arrives or the subchannel is gone again.
 */
static void guest_probe(struct stress *s, uint16_t schnr)
{
	struct vccw_css *css = s->f.css;
	uint32_t sid = sid_of(schnr);
	unsigned int spins;
	uint8_t b[52];
	uint32_t ctrl;
	uint8_t dstat;

	if (vccw_css_stsch(css, &s->cpu, sid, GUEST_SCHIB) != VCCW_CC0)
		return; /* already unplugged: cc 3 */
	vccw_mem_read(s->f.mem, GUEST_SCHIB, b, sizeof(b));
	b[5] |= 0x80;                                  /* PMCW E */
	b[4] = (uint8_t)((b[4] & ~0x38) | (3u << 3)); /* ISC 3 */
	vccw_st_be32(b + 24, VCCW_PMCW_CSENSE);        /* concurrent sense */
	vccw_mem_write(s->f.mem, GUEST_SCHIB, b, sizeof(b));
	if (vccw_css_msch(css, &s->cpu, sid, GUEST_SCHIB) != VCCW_CC0)
		return;

	vccw_mem_st_be16(s->f.mem, GUEST_DATA, 2);
	vccw_mem_st_be16(s->f.mem, GUEST_DATA + 2, 0);
	/* Format-1 CCW: SET_VIRTIO_REV, 4 bytes. */
	vccw_mem_st_u8(s->f.mem, GUEST_PROG, VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV);
	vccw_mem_st_u8(s->f.mem, GUEST_PROG + 1, 0);
	vccw_mem_st_be16(s->f.mem, GUEST_PROG + 2, 4);
	vccw_mem_st_be32(s->f.mem, GUEST_PROG + 4, GUEST_DATA);
	/* ORB: intparm, key 0 and F (format-1 CCWs), LPM 0x80, the program. */
	vccw_mem_st_be32(s->f.mem, GUEST_ORB, schnr);
	vccw_mem_st_be32(s->f.mem, GUEST_ORB + 4, 0x00808000u);
	vccw_mem_st_be32(s->f.mem, GUEST_ORB + 8, GUEST_PROG);
	if (vccw_css_ssch(css, &s->cpu, sid, GUEST_ORB) != VCCW_CC0)
		return;
	atomic_fetch_add(&s->started, 1);

	for (spins = 0; spins < 1000000; spins++) {
		enum vccw_insn_rc rc = vccw_css_tsch(css, &s->cpu, sid, GUEST_IRB);

		if (rc == VCCW_CC3)
			return; /* unplugged meanwhile: the function ended with it */
		if (rc != VCCW_CC0) {
			if (atomic_load(&s->stop))
				return;
			continue;
		}
		vccw_mem_read(s->f.mem, GUEST_IRB, b, 12);
		ctrl = vccw_ld_be32(b);
		dstat = b[8];
		if (!(ctrl & VCCW_SCSW_SC_PRIMARY))
			continue; /* an intermediate status: keep waiting */
		/* Revision 2 beyond max_revision 1: command reject, a unit check. */
		if (dstat & VCCW_DSTAT_UC)
			atomic_fetch_add(&s->checked, 1);
		else
			atomic_fetch_add(&s->bad, 1);
		return;
	}
}

static void *guest_thread(void *arg)
{
	struct stress *s = arg;

	while (!atomic_load(&s->stop)) {
		uint32_t crw = 0;

		if (vccw_css_stcrw(s->f.css, &s->cpu, GUEST_CRW) != VCCW_CC0)
			continue;
		vccw_mem_ld_be32(s->f.mem, GUEST_CRW, &crw);
		atomic_fetch_add(&s->crws, 1);
		/* RSC 3 (subchannel): the report ID is the subchannel number. */
		if (((crw >> 24) & 0xf) == VCCW_CRW_RSC_SCH)
			guest_probe(s, (uint16_t)crw);
	}
	return NULL;
}

static unsigned int stress_cycles(void)
{
	const char *env = getenv("VCCW_STRESS_CYCLES");
	long n = env ? strtol(env, NULL, 10) : 0;

	return n > 0 && n < 10000000 ? (unsigned int)n : STRESS_CYCLES_DEFAULT;
}

TEST(test_vccw_hotplug_stress_guest_io_at_crw_with_tracing)
{
	struct vccw_virtio_ccw_config cfg = { .max_revision = 1, .hotplug = true };
	unsigned int i, cycles = stress_cycles(), plugged = 0;
	struct stress s;
	pthread_t guest;

	memset(&s, 0, sizeof(s));
	fx_init(&s.f, true);
	s.cpu = s.f.cpu;
	vccw_trace_set_sink(count_line, &s);
	REQUIRE(vccw_trace_enable("*") > 0);
	REQUIRE(pthread_create(&guest, NULL, guest_thread, &s) == 0);

	for (i = 0; i < cycles; i++) {
		struct fake *fake = calloc(1, sizeof(*fake));
		struct vccw_virtio_ccw *dev;
		struct vccw_err err;

		REQUIRE(fake);
		REQUIRE(vccw_virtio_dev_init(&fake->vdev, &fake_ops, s.f.mem,
					     VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err) == 0);
		dev = vccw_virtio_ccw_new(s.f.css, &fake->vdev, &cfg, &err);
		CHECK(dev != NULL);
		if (dev) {
			plugged++;
			/* Every few cycles give the guest time to finish its program. */
			if (i % 8 == 0)
				vc_sleep_ms(1);
			vccw_virtio_ccw_free(dev, true);
		}
		vccw_virtio_dev_fini(&fake->vdev);
		free(fake);
	}
	atomic_store(&s.stop, true);
	pthread_join(guest, NULL);
	vccw_trace_set_state("*", false);
	vccw_trace_set_sink(NULL, NULL);

	printf("  %u cycles: %u CRWs, %u programs started, %u unit checks, %lu trace lines\n",
	       cycles, atomic_load(&s.crws), atomic_load(&s.started), atomic_load(&s.checked),
	       atomic_load(&s.trace_lines));
	CHECK_EQ(plugged, cycles);
	/* Each plug and each unplug queues one CRW; an overflow loses some, never adds. */
	CHECK(atomic_load(&s.crws) <= 2 * cycles);
	CHECK(atomic_load(&s.crws) > 0);
	CHECK(atomic_load(&s.started) > 0);
	CHECK(atomic_load(&s.checked) > 0);
	CHECK_EQ(atomic_load(&s.bad), 0);
	CHECK(atomic_load(&s.trace_lines) > 0);
	fx_fini(&s.f);
}
