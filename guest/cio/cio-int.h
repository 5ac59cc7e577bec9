/* SPDX-License-Identifier: MIT */
/*
 * Private to the guest channel-I/O layer: the wire layouts of the control blocks the
 * layer hands to the channel subsystem (SCHIB, ORB, IRB; PoP chapter 15 "Basic I/O
 * Functions" and shared/reference/channel-io.md sections 2-4 and 6), their host-order
 * decoded forms, and the state shared by cio.c (enumeration, drivers, channel reports)
 * and io.c (channel programs, the I/O-interruption handler).
 */
#ifndef GUEST_CIO_INT_H
#define GUEST_CIO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/cio.h"
#include "guest/lib.h"
#include "vccw/byteorder.h"

/* Byte order: the wrapper types of include/vccw/byteorder.h, so orders never mix. */

/* ---- Wire layouts ---- */

/* SCSW, command mode (12 bytes; reference 3.1). */
struct scsw_wire {
	struct vccw_be32 ctrl; /* 0x00: key S L CC F P I A U Z E N, FC, AC, SC */
	struct vccw_be32 cpa;  /* 0x04: CCW address (last used + 8) */
	uint8_t dstat;    /* 0x08: device status */
	uint8_t cstat;    /* 0x09: subchannel status */
	struct vccw_be16 count; /* 0x0a: residual count */
} __attribute__((packed));
_Static_assert(sizeof(struct scsw_wire) == 12, "SCSW is 12 bytes");

/* SCHIB (52 bytes, word aligned; reference 2.1 and 2.2). */
struct schib_wire {
	struct vccw_be32 intparm;  /* 0x00: interruption parameter */
	struct vccw_be16 flags;    /* 0x04: Q W ISC(3) res(3) E LM(2) MM(2) D T V */
	struct vccw_be16 devno;    /* 0x06: device number */
	uint8_t lpm;          /* 0x08: logical path mask */
	uint8_t pnom;         /* 0x09: path-not-operational mask */
	uint8_t lpum;         /* 0x0a: last path used mask */
	uint8_t pim;          /* 0x0b: path installed mask */
	struct vccw_be16 mbi;      /* 0x0c: measurement-block index */
	uint8_t pom;          /* 0x0e: path operational mask */
	uint8_t pam;          /* 0x0f: path available mask */
	uint8_t chpid[8];     /* 0x10: CHPIDs of the eight paths */
	struct vccw_be32 chars;    /* 0x18: ST(bits 8-10) MBFC XMWME CSENSE */
	struct scsw_wire scsw; /* 0x1c: subchannel-status word */
	struct vccw_be64 mba;      /* 0x28: measurement-block address */
	struct vccw_be32 mda;      /* 0x30: model-dependent area */
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct schib_wire) == 52, "SCHIB is 52 bytes");

/* ORB, command mode without extension (12 bytes, word aligned; reference 4). */
struct orb_wire {
	struct vccw_be32 intparm; /* 0x00: interruption parameter */
	struct vccw_be32 ctrl;    /* 0x04: key S C M Y F P I A U B H T LPM L D X */
	struct vccw_be32 cpa;     /* 0x08: channel-program address (31 bits) */
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct orb_wire) == 12, "ORB is 12 bytes");

/* IRB without EMW (64 bytes, word aligned; reference 6.1). */
struct irb_wire {
	struct scsw_wire scsw; /* 0x00 */
	struct vccw_be32 esw[5];    /* 0x0c: word 1 is the ERW */
	uint8_t ecw[32];       /* 0x20: concurrent sense when ERW S */
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct irb_wire) == 64, "IRB is 64 bytes");

/* CHSC request/response header (reference 11.1). */
struct chsc_hdr {
	struct vccw_be16 len;  /* 0x00: length of the request or response */
	struct vccw_be16 code; /* 0x02: command code / response code */
} __attribute__((packed));
_Static_assert(sizeof(struct chsc_hdr) == 4, "CHSC header is 4 bytes");

/* ---- Field masks (reference 2.2, 4, 6.3, 8.2, 9.1) ---- */

#define PMCW_ISC_MASK 0x3800
#define PMCW_ISC_SHIFT 11
#define PMCW_ENA 0x0080
#define PMCW_DNV 0x0001
#define PMCW_ST_MASK 0x00e00000u
#define PMCW_CSENSE 0x00000001u

#define ORB_F 0x00800000u
#define ORB_P 0x00400000u
#define ORB_H 0x00020000u
#define ORB_LPM_SHIFT 8

#define SCSW_CC_MASK 0x03000000u
#define SCSW_CC_SHIFT 24
#define SCSW_N 0x00010000u
#define SCSW_FC_MASK 0x00007000u
#define SCSW_SC_MASK 0x0000001fu
#define DSTAT_SM 0x40

#define ERW_S 0x01000000u /* concurrent sense: the ECW holds sense data */

#define IIW_ADAPTER 0x80000000u
#define IIW_ISC_SHIFT 27

#define MCIC_CHANNEL_REPORT 0x0040000000000000ull /* MCIC bit 9 */

#define CRW_R 0x20000000u
#define CRW_C 0x10000000u
#define CRW_RSC(w) (((w) >> 24) & 0xf)
#define CRW_RSID(w) ((w) & 0xffff)
#define CRW_RSC_SCH 0x3

#define CCW_CMD_NOP 0x03
#define CCW_CMD_BASIC_SENSE 0x04
#define CCW_CMD_SENSE_ID 0xe4
#define SENSE_CMD_REJECT 0x80
#define SENSE_LEN 32

/* ---- Decoded (host-order) SCHIB ---- */

struct schib {
	uint32_t intparm;
	uint16_t flags;
	uint16_t devno;
	uint8_t lpm, pnom, lpum, pim;
	uint16_t mbi;
	uint8_t pom, pam;
	uint8_t chpid[8];
	uint32_t chars;
	struct guest_scsw scsw;
	uint64_t mba;
	uint32_t mda;
};

void cio_schib_decode(const struct schib_wire *w, struct schib *s);
void cio_schib_encode(const struct schib *s, struct schib_wire *w);
void cio_irb_decode(const struct irb_wire *w, struct guest_irb *irb);

/* ---- Layer state ---- */

/* A device as the layer keeps it; the public part comes first. */
struct cio_dev {
	struct guest_device dev;
	struct guest_irb irb; /* final status recorded by the I/O handler */
	bool io_active;       /* a start function of guest_cio_do_io() is in progress */
	bool identified;      /* SENSE ID succeeded */
	bool csense;          /* concurrent sense enabled in the PMCW */
};

static inline struct cio_dev *to_cio_dev(struct guest_device *dev)
{
	return (struct cio_dev *)dev;
}

/* Timeouts (microseconds). Linux allows SENSE ID 10 s; the virtual css is faster. */
#define CIO_IO_TIMEOUT_US 5000000ull
#define CIO_HALT_WAIT_US 1000000ull
/*
 * Longest enabled wait while a channel report is pending: the css raises no new machine
 * check until the reports are drained (STCRW cc1), so a wait looks at its subchannel
 * again this often instead.
 */
#define CIO_GONE_CHECK_US 2000ull

/*
 * Path verification (Linux's device_pgid.c without path grouping): a NOP (count 0,
 * address 0, SLI) on the one path @lpm. Returns GUEST_IO_OK or the failure; *@cstat
 * receives the subchannel status of the final status, 0xff when there was none.
 */
enum guest_io_rc cio_verify_path(struct cio_dev *cd, uint8_t lpm, uint8_t *cstat);

/* Buffers of io.c; 0 or -1 when guest RAM is exhausted. */
int cio_io_init(void);
/* The I/O-interruption handler (io.c), installed by guest_cio_init(). */
void cio_io_handler(const struct guest_io_irq *irq);
/* Device lookup for the handler: by interruption parameter, falling back to @sid. */
struct cio_dev *cio_find_dev(uint32_t intparm, uint32_t sid);
/* Adapter handler for @isc, or NULL. */
void (*cio_adapter_handler(uint8_t isc))(void);
/* A channel report is pending (machine check taken, reports not yet drained). */
bool cio_crw_pending(void);
/*
 * @cd's subchannel no longer holds it (cc3, or STSCH): set dev.gone; the next
 * guest_cio_poll() removes the device. Also from the interruption handler.
 */
void cio_mark_gone(struct cio_dev *cd);

#endif /* GUEST_CIO_INT_H */
