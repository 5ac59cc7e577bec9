/* SPDX-License-Identifier: MIT */
/*
 * Test fixture shared by the css and ccw unit tests: guest memory, a channel subsystem
 * (manual mode unless asked otherwise), a CPU, a test control unit with a small command
 * table, and helpers that write ORBs and CCWs into guest memory and read IRBs back as
 * the architecture lays them out.
 */
#ifndef VCCW_TEST_FIXTURE_H
#define VCCW_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#define FX_RAM_SIZE (16u << 20)

/* Test control unit commands (besides NOP, SENSE ID and BASIC SENSE). */
#define FX_CMD_WRITE 0x01    /* write: accepts up to 64 bytes into fx_cu_state.data */
#define FX_CMD_READ 0x02     /* read: produces fx_cu_state.read_len bytes of read_data */
#define FX_CMD_CTL 0x13      /* control with 8 bytes of data, at least 8 needed */
#define FX_CMD_FAIL 0x23     /* immediate control: unit check with sense byte 0 = 0x10 */
#define FX_CMD_WRITE_BIG 0x05 /* write: accepts up to 8192 bytes */
#define FX_CMD_READ_BIG 0x06  /* read: produces fx_cu_state.read_len (<= 8192) bytes */
/*
 * Slow commands: the handler returns VCCW_CU_IN_PROGRESS and publishes the request's
 * tag in fx_cu_state.slow_tag; the test completes it with vccw_cu_complete().
 */
#define FX_CMD_SLOW_READ 0x0a /* read, up to 64 bytes */
#define FX_CMD_SLOW_CTL 0x0b  /* immediate control */

struct fx_cu_state {
	uint8_t data[8192];   /* bytes the last write command received */
	uint32_t data_len;
	uint8_t read_data[8192];
	uint32_t read_len;    /* bytes FX_CMD_READ / READ_BIG produce */
	unsigned int nr_cmds; /* device commands executed (not NOP/SENSE) */
	unsigned int nr_cancel;
	int enabled;          /* last enable hook value, -1 never called */
	uint64_t slow_tag;    /* atomic: tag of the last slow command, 0 before */
	unsigned int nr_slow; /* atomic: slow commands begun */
};

struct fx {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cpu cpu;
	unsigned int io_irq_calls;
	unsigned int crw_calls;
};

/* Create memory and css; @threaded starts the channel thread. */
void fx_init(struct fx *f, bool threaded);
void fx_fini(struct fx *f);

/* Add a test control unit at @busid ("fe.0.1234", or NULL for automatic). */
struct vccw_cu *fx_add_cu(struct fx *f, const char *busid, struct fx_cu_state *state,
			  bool hotplug);

/* SID word of a subchannel (css 0 form, M=0). */
uint32_t fx_sid(uint8_t ssid, uint16_t schnr);
uint32_t fx_sid_of(struct vccw_cu *cu);

/* Enable a subchannel with @isc through STSCH + MSCH; returns the MSCH rc. */
enum vccw_insn_rc fx_enable(struct fx *f, uint32_t sid, uint8_t isc);

/* Write guest structures. */
void fx_ccw0(struct fx *f, uint64_t addr, uint8_t cmd, uint32_t cda, uint8_t flags,
	     uint16_t count);
void fx_ccw1(struct fx *f, uint64_t addr, uint8_t cmd, uint8_t flags, uint16_t count,
	     uint32_t cda);
void fx_orb(struct fx *f, uint64_t addr, uint32_t intparm, uint32_t ctrl, uint32_t cpa);

/* Decoded IRB as TSCH stored it. */
struct fx_irb {
	struct vccw_scsw scsw;
	uint32_t esw[5];
	uint8_t ecw[32];
};

/* SSCH with a format-1 ORB (F, LPM 0x80 plus @extra ctrl bits) at a scratch address. */
enum vccw_insn_rc fx_ssch(struct fx *f, uint32_t sid, uint32_t cpa, uint32_t extra_ctrl);

/* Run the channel (manual mode) until idle. */
void fx_run(struct fx *f);

/* TSCH into a scratch address and decode; returns the TSCH rc. */
enum vccw_insn_rc fx_tsch(struct fx *f, uint32_t sid, struct fx_irb *irb);

/* STSCH and decode the SCHIB; returns the STSCH rc. */
enum vccw_insn_rc fx_stsch(struct fx *f, uint32_t sid, struct vccw_schib *schib);

/* Scratch guest addresses used by the helpers (keep test data elsewhere). */
#define FX_ORB_ADDR 0x1000
#define FX_IRB_ADDR 0x1100
#define FX_SCHIB_ADDR 0x1200
#define FX_PROG_ADDR 0x10000 /* a free area for channel programs */
#define FX_DATA_ADDR 0x20000 /* a free area for data */

#endif /* VCCW_TEST_FIXTURE_H */
