/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the conformance suite: raw channel-I/O with control blocks in guest RAM
 * (no guest cio layer: the suite observes the architecture directly), interruption
 * bookkeeping, and the device configuration both hosts run with (tests/conformance/run):
 *
 *   subchannel 0.0.0000: virtio-blk-ccw, devno fe.0.0815 (CU 3832/02), 1 MiB disk
 *   subchannel 0.0.0001: virtio-rng-ccw, devno fe.0.0002 (CU 3832/04)
 *   subchannel 0.2.0000: virtio-net-ccw, devno fe.2.0000 (CU 3832/01)     set 2: visible
 *   subchannel 0.2.0001: virtio-serial-ccw, devno fe.2.0001 (CU 3832/03)  once MSS is
 *   subchannel 0.2.0002: virtio-balloon-ccw, devno fe.2.0002 (CU 3832/05) enabled (SDA)
 */
#ifndef CONFORMANCE_UTIL_H
#define CONFORMANCE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"
#include "vccw/byteorder.h"

#define SID_BLK 0x00010000u
#define SID_RNG 0x00010001u
#define DEVNO_BLK 0x0815
#define DEVNO_RNG 0x0002
#define CONF_ISC 3

/* SCHIB field offsets (shared/reference/channel-io.md 2.1, 2.2). */
#define SCHIB_LEN 52
#define SCHIB_FLAGS 4
#define SCHIB_DEVNO 6
#define SCHIB_LPM 8
#define SCHIB_PIM 11
#define SCHIB_POM 14
#define SCHIB_PAM 15
#define SCHIB_CHPID 16
#define SCHIB_W6 24
#define SCHIB_SCSW 28

struct irb_view {
	uint32_t ctrl, cpa;
	uint8_t dstat, cstat;
	uint16_t count;
	uint32_t esw0, erw;
	uint8_t ecw[32];
};

/* Scratch control blocks in guest RAM (allocated once). */
extern uint8_t *g_schib;
extern uint8_t *g_orb;
extern uint8_t *g_irb;
extern uint8_t *g_ccw;  /* room for 16 CCWs */
extern uint8_t *g_data; /* 4 KiB data area */

void util_init(void);

/*
 * The indices of the suite's hand-built split rings (VERSION_1: little-endian), as a
 * driver's barriers order them (virtio 2.7.13): the avail index is stored with release,
 * after the entries it publishes; the used index is loaded with acquire, before the
 * entries and buffers it covers. Rings are 16-byte aligned, so the fields are aligned.
 */
static inline void ring_publish_le16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, vccw_cpu_to_le16(v).raw, __ATOMIC_RELEASE);
}

static inline uint16_t ring_load_le16(const uint8_t *p)
{
	struct vccw_le16 x = { __atomic_load_n((const uint16_t *)(const void *)p,
					       __ATOMIC_ACQUIRE) };

	return vccw_le16_to_cpu(x);
}

/* The last I/O interruption taken. */
extern volatile unsigned int g_irqs;
extern volatile uint32_t g_irq_sid, g_irq_intparm, g_irq_iiw;

int stsch_buf(uint32_t sid);
uint16_t schib_flags(void);
bool enable_sch(uint32_t sid);
bool disable_sch(uint32_t sid);

void ccw1(unsigned int i, uint8_t cmd, uint8_t flags, uint16_t count, const void *data);
/* SSCH of the CCWs at g_ccw with a format-1 ORB: intparm, LPM 0x80 plus @extra bits. */
int ssch_prog(uint32_t sid, uint32_t intparm, uint32_t extra);
/* Wait up to 2 s for an interruption from @sid (returns false on timeout). */
bool wait_irq(uint32_t sid, unsigned int irqs_before);
int tsch_view(uint32_t sid, struct irb_view *v);
/* One CCW start to final status: returns the TSCH cc (or -1 on timeout). */
int run_ccw(uint32_t sid, uint8_t cmd, uint8_t flags, uint16_t count, const void *data,
	    struct irb_view *v);
/* BASIC SENSE; returns sense byte 0 or -1. */
int basic_sense(uint32_t sid);
/* Drain pending CRWs. */
void drain_crws(void);

/* ORB word-1 bits tests add to ssch_prog() (shared/reference/channel-io.md 4). */
#define ORB_S 0x08000000u
#define ORB_T 0x00010000u
#define ORB_L 0x00000080u

/* CCW flags (reference 5.2). */
#define CCW_CD 0x80
#define CCW_CC 0x40
#define CCW_SLI 0x20
#define CCW_SKIP 0x10
#define CCW_IDA 0x04
#define CCW_S 0x02

/* Device and subchannel status (reference 3.1). */
#define DS_CE 0x08
#define DS_DE 0x04
#define DS_UC 0x02
#define CS_IL 0x40
#define CS_PROG 0x20

/*
 * Bring @sid to a known state: enabled (ISC 3, intparm = SID), any function cleared
 * (CSCH) and its status consumed, so a test does not depend on what ran before.
 * Returns false when the subchannel could not be enabled.
 */
bool clean_sch(uint32_t sid);
/* Start a NOP on @sid and wait for its interruption, leaving the status pending. */
bool make_status_pending(uint32_t sid);
/* A word-aligned guest address beyond the configured storage of both hosts. */
uint64_t beyond_ram(void);
/* The CCW address of CCW @i at g_ccw. */
uint32_t ccw_addr(unsigned int i);
/* Give the I/O handler back to the suite after the guest cio layer ran (drivers). */
void util_restore(void);

#endif /* CONFORMANCE_UTIL_H */
