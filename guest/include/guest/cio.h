/* SPDX-License-Identifier: MIT */
/*
 * Guest channel-I/O layer: finds devices through the channel subsystem and runs channel
 * programs for drivers, the way Linux's drivers/s390/cio does it in miniature.
 *
 *  - guest_cio_init(): in Linux's order (shared/reference/linux-6.1-guest), CHSC SCSC
 *    for the characteristics, CHSC SDA to enable MSS (falls back to set 0 only), CR6/CR14
 *    masks and handlers, then enumerates every subchannel set with STSCH until cc3,
 *    takes each subchannel's paths from CHSC SSD (from the PMCW when SSD is not
 *    provided), enables I/O subchannels with V=1 (MSCH with ISC 3 and intparm =
 *    subchannel index, verified with STSCH, with the architected retries), identifies
 *    each device with SENSE ID and verifies its paths with a NOP on each before a
 *    driver may bind;
 *  - drivers register by control-unit type/model and are bound to matching devices;
 *  - guest_cio_do_io() starts a format-1 channel program and waits for its final status,
 *    handling cc1 (status pending: TSCH and retry), cc2 (busy: wait and retry), cc3
 *    (device gone), intermediate status, and unit checks (BASIC SENSE when no concurrent
 *    sense came with the status);
 *  - unsolicited interruptions and adapter interruptions are passed to drivers;
 *  - channel reports (CRW) for subchannels add and remove devices: guest_cio_poll()
 *    drains STCRW and re-evaluates the reported subchannels with STSCH;
 *  - a device that goes away under a waiting driver (cc3, or a pending report and
 *    STSCH) is marked gone: its I/O ends at once with GUEST_IO_GONE, and the next
 *    guest_cio_poll() removes it, never the wait itself.
 *
 * Context: one vCPU; interruption handlers only record state, drivers act in
 * guest_cio_poll() or while waiting in guest_cio_do_io().
 */
#ifndef GUEST_CIO_H
#define GUEST_CIO_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/arch.h"

#define GUEST_CIO_ISC 3 /* I/O subchannels and virtio adapter interruptions, like Linux */

/* Format-1 CCW (PoP figure 15-5), 8 bytes, doubleword aligned, big-endian fields. */
struct guest_ccw1 {
	uint8_t cmd;
	uint8_t flags;
	uint16_t count; /* big-endian: use guest_ccw1_set() */
	uint32_t cda;   /* big-endian */
} __attribute__((packed, aligned(8)));

#define GUEST_CCW_FLAG_CD 0x80
#define GUEST_CCW_FLAG_CC 0x40
#define GUEST_CCW_FLAG_SLI 0x20
#define GUEST_CCW_FLAG_SKIP 0x10
#define GUEST_CCW_FLAG_PCI 0x08
#define GUEST_CCW_FLAG_IDA 0x04
#define GUEST_CCW_FLAG_S 0x02

/* Fill a CCW; @data is a pointer into guest RAM (or NULL for address 0). */
void guest_ccw1_set(struct guest_ccw1 *ccw, uint8_t cmd, uint8_t flags, uint16_t count,
		    const void *data);

/* Decoded SCSW and IRB (host order). */
struct guest_scsw {
	uint32_t ctrl;
	uint32_t cpa;
	uint8_t dstat;
	uint8_t cstat;
	uint16_t count;
};

struct guest_irb {
	struct guest_scsw scsw;
	uint32_t esw[5];
	uint8_t ecw[32];
};

/* SCSW masks (same values as the architecture's; see shared/reference/channel-io.md 3.1). */
#define GUEST_SCSW_FC_START 0x00004000u
#define GUEST_SCSW_FC_HALT 0x00002000u
#define GUEST_SCSW_FC_CLEAR 0x00001000u
#define GUEST_SCSW_SC_ALERT 0x00000010u
#define GUEST_SCSW_SC_INTERMEDIATE 0x00000008u
#define GUEST_SCSW_SC_PRIMARY 0x00000004u
#define GUEST_SCSW_SC_SECONDARY 0x00000002u
#define GUEST_SCSW_SC_PENDING 0x00000001u
#define GUEST_DSTAT_CE 0x08
#define GUEST_DSTAT_DE 0x04
#define GUEST_DSTAT_UC 0x02
#define GUEST_CSTAT_IL 0x40
#define GUEST_CSTAT_PROG 0x20

/* One device found through a subchannel. */
struct guest_device {
	uint32_t sid;   /* subchannel-ID word as instructions take it */
	uint8_t cssid;  /* as the guest sees it (0 without MCSS-E) */
	uint8_t ssid;
	uint16_t schnr;
	uint16_t devno;
	uint8_t pim, pam, pom;
	uint8_t chpid[8]; /* from CHSC SSD where provided, else from the PMCW */
	uint8_t vpm;      /* paths a path-verification NOP found working (I/O uses these) */
	bool enabled;
	/* SENSE ID */
	uint16_t cu_type;
	uint8_t cu_model;
	uint16_t dev_type;
	uint8_t dev_model;

	const struct guest_cio_driver *drv;
	void *drvdata;
	/*
	 * Set by a layer above cio that keeps notifications in memory (the virtio-ccw
	 * driver's indicators; NULL: none). Called in interruption context with every
	 * status of a channel program the layer started here, before guest_cio_do_io()
	 * sees it, and with stale solicited status the layer clears: the css drops an
	 * unsolicited interruption while status is pending, so a notification can come
	 * merged into a command's interruption (as Linux's virtio_ccw_int_handler() knows).
	 */
	void (*solicited)(struct guest_device *dev, const struct guest_irb *irb);

	/* Interruption bookkeeping (set by the I/O handler). */
	volatile bool status_pending; /* an interruption for this subchannel was taken */
	unsigned int index;           /* intparm used for this subchannel */
	/*
	 * The subchannel no longer holds this device: an instruction for it ended with cc3,
	 * or STSCH found the subchannel empty or holding another device (see
	 * guest_cio_device_gone()). Every later I/O ends at once with GUEST_IO_GONE. The
	 * device, its driver binding and the driver's memory stay until the next
	 * guest_cio_poll() removes them, so a driver waiting for it can return safely.
	 */
	volatile bool gone;
};

/* Outcome of guest_cio_do_io(). */
enum guest_io_rc {
	GUEST_IO_OK = 0,        /* CE+DE, no subchannel status */
	GUEST_IO_REJECTED = -1, /* unit check with sense byte 0 = command reject */
	GUEST_IO_ERROR = -2,    /* other unit check / channel-program check / IL */
	GUEST_IO_GONE = -3,     /* cc3 or the device disappeared */
	GUEST_IO_TIMEOUT = -4,  /* no final status in time (halted and cleared) */
};

struct guest_cio_driver {
	const char *name;
	uint16_t cu_type;
	int cu_model; /* -1: any */
	/* A matching device appeared: set it up. Return 0 to bind, else not bound. */
	int (*probe)(struct guest_device *dev);
	/* The device is going away (CRW) or the guest shuts down. */
	void (*remove)(struct guest_device *dev);
	/* Unsolicited interruption (alert status without a function), e.g. virtio classic
	 * indicators. May be NULL. */
	void (*unsolicited)(struct guest_device *dev, const struct guest_irb *irb);
};

/*
 * Enumerate and bind. Installs the I/O and machine-check handlers, enables ISC 3 and
 * channel-report machine checks, and leaves I/O and machine-check interruptions enabled
 * (guest_cio_do_io() relies on that). Drivers registered before the call are bound as
 * devices are found; the hot-plug notifier is not called for them.
 * Returns the number of devices found, or -1 when guest RAM ran out.
 */
int guest_cio_init(void);
/*
 * Register @fn to run at the start of every later guest_cio_init(), so a layer above
 * cio that keeps state from one call to the next (the virtio-ccw driver's shared
 * adapter indicators and device list) starts afresh with each guest program, also after
 * a program that ended without guest_cio_exit(). That state's memory went with the old
 * program's heap: @fn forgets pointers, it never frees them. Hooks stay registered
 * across programs; registering one again is a no-op.
 * Returns true, or false when all 8 slots are taken.
 */
bool guest_cio_add_reset_hook(void (*fn)(void));
/*
 * Register a driver; binds it to matching devices already found (probe is called with
 * dev->drv already pointing at @drv). At most 16 drivers; registering @drv again only
 * binds; @drv is borrowed until guest_cio_exit().
 */
void guest_cio_register_driver(const struct guest_cio_driver *drv);
/*
 * Devices known now (including those without a driver), sorted by subchannel set and
 * subchannel number. guest_cio_device() returns NULL for @i beyond the end; a device
 * pointer stays valid until the device is removed (notifier called with added=false).
 */
unsigned int guest_cio_nr_devices(void);
struct guest_device *guest_cio_device(unsigned int i);
/*
 * Process channel reports and deferred work (devices found gone meanwhile are removed);
 * returns true if devices changed. Mainline code only, not from driver callbacks (a
 * nested call does nothing and returns false).
 */
bool guest_cio_poll(void);
/*
 * Whether @dev is gone (@dev->gone), for a driver waiting for its device outside
 * guest_cio_do_io() (a virtio driver waiting for a used buffer: the device's reset on
 * unplug drops the request, and nothing else would end the wait). While a channel
 * report is pending, or with @verify (say, after a failed notification), STSCH looks
 * at the subchannel first: not operational (cc3), without a valid device, or with
 * another device number marks @dev gone. Cheap otherwise; call it on every wake-up.
 * Never processes the reports nor calls drivers (that is guest_cio_poll()'s), so
 * nothing is freed under the caller. Mainline code.
 */
bool guest_cio_device_gone(struct guest_device *dev, bool verify);
/*
 * Called from guest_cio_poll() when the device set changes: added = true after the
 * device was enabled, identified and offered to the drivers; added = false after the
 * driver's remove, just before the device is freed. NULL for none.
 */
void guest_cio_set_hotplug_notifier(void (*fn)(struct guest_device *dev, bool added));

/*
 * Run the format-1 channel program @prog on @dev and wait for its final status (up to
 * @timeout_us). @irb (may be NULL) receives the final IRB; *@sense (may be NULL, 32
 * bytes) the sense data after a unit check. GUEST_IO_GONE at once for a device that is
 * gone, and as soon as the wait finds it gone (guest_cio_device_gone()).
 * The ORB: format 1, prefetch, format-2 IDAWs, LPM = PAM & POM, intparm = dev->index.
 * Context: mainline code with interruptions enabled (guest_cio_init()); interruptions
 * are enabled again on return. Not from interruption handlers or driver callbacks run
 * by them (unsolicited).
 */
enum guest_io_rc guest_cio_do_io(struct guest_device *dev, struct guest_ccw1 *prog,
				 struct guest_irb *irb, uint8_t *sense, uint64_t timeout_us);
/* Convenience: one CCW (command, flags, count, data) as a program. */
enum guest_io_rc guest_cio_do_ccw(struct guest_device *dev, uint8_t cmd, uint8_t flags,
				  uint16_t count, void *data, struct guest_irb *irb);

/* Adapter (thin) interruption handler for @isc (virtio-ccw); NULL removes it. */
void guest_cio_set_adapter_handler(uint8_t isc, void (*fn)(void));

/*
 * CHSC helper: run the command whose request (header: length, command code) is in
 * @block (4 KiB-aligned guest RAM); the response follows the request in @block.
 * Returns the response code (0x0001 success) when CHSC ended with cc 0; otherwise a
 * negative value: the negated program-interruption code, or -0x100 - cc.
 */
int guest_cio_chsc(void *block);

/*
 * Shut down: drivers' remove called, subchannels disabled (MSCH E=0), handlers,
 * registered drivers and the notifier forgotten, interruptions disabled.
 */
void guest_cio_exit(void);

#endif /* GUEST_CIO_H */
