/* SPDX-License-Identifier: MIT */
/*
 * Guest virtio-ccw driver and driver-side virtqueues: what a virtio device driver
 * (guest/drivers) uses to bring up a device found by the channel-I/O layer with
 * control-unit type 0x3832. virtio specification v1.2 section 4.3 "Virtio Over Channel
 * I/O" for the transport, 2.7 "Split Virtqueues" and 2.8 "Packed Virtqueues" for the
 * rings; facts in docs/reference/virtio-ccw.md.
 *
 * Bring-up, in the order of spec 3.1.1 and 4.3.2:
 *
 *   guest_vccw_init()       VDEV_RESET, SET_VIRTIO_REV 2 -> 1 -> 0 (step down on command
 *                           reject), status ACKNOWLEDGE | DRIVER, READ_FEAT / WRITE_FEAT
 *                           words 0 and 1, FEATURES_OK (rev >= 1);
 *   guest_vccw_setup_vqs()  READ_VQ_CONF, rings in guest RAM, SET_VQ, then indicators:
 *                           SET_IND_ADAPTER (ISC 3), or classic SET_IND when the device
 *                           rejects it, and SET_CONF_IND;
 *   guest_vccw_driver_ok()  DRIVER_OK.
 *
 * guest_vccw_teardown() undoes all of it (VDEV_RESET, rings and indicators freed).
 *
 * Completions are polled: guest_vq_wait_used() waits with guest_arch_wait() for the
 * device's used-buffer notification (indicators + interruption) and re-checks the ring
 * after every wake-up, so a suppressed or merged interruption costs time, not progress.
 * An unplug ends such a wait too: the device's reset drops the buffers, and the channel
 * report's machine check wakes the waiter, which finds the device gone
 * (guest_cio_device_gone()) and returns -GUEST_ENODEV. Removal (the driver's remove,
 * freeing) waits for the program's next guest_cio_poll(), never runs under a waiter.
 *
 * Context: one vCPU. Indicator scanning runs in interruption context (the cio layer's
 * unsolicited and solicited hooks and the adapter handler) and only records state:
 * counters and flags that drivers consume; vq callbacks run there too and must not start
 * I/O. State shared by all devices is reset by guest_cio_init() (a cio reset hook), so
 * a guest program that ended without guest_cio_exit() leaves nothing to the next.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/arch.h"
#include "guest/cio.h"
#include "vccw/byteorder.h"

#define GUEST_VCCW_CU_TYPE 0x3832

/* Device status bits (spec 2.1). */
#define GUEST_VIRTIO_S_ACKNOWLEDGE 1
#define GUEST_VIRTIO_S_DRIVER 2
#define GUEST_VIRTIO_S_DRIVER_OK 4
#define GUEST_VIRTIO_S_FEATURES_OK 8
#define GUEST_VIRTIO_S_NEEDS_RESET 0x40
#define GUEST_VIRTIO_S_FAILED 0x80

/* Reserved feature bits (spec 6). */
#define GUEST_VIRTIO_F_INDIRECT_DESC 28
#define GUEST_VIRTIO_F_EVENT_IDX 29
#define GUEST_VIRTIO_F_VERSION_1 32
#define GUEST_VIRTIO_F_RING_PACKED 34

#define GUEST_VIRTIO_BIT(n) (UINT64_C(1) << (n))

/* Device IDs (spec 5) = control-unit model (spec 4.3.1). */
#define GUEST_VIRTIO_ID_NET 1
#define GUEST_VIRTIO_ID_BLOCK 2
#define GUEST_VIRTIO_ID_CONSOLE 3
#define GUEST_VIRTIO_ID_RNG 4
#define GUEST_VIRTIO_ID_BALLOON 5

/* Channel commands (spec 4.3.1.1). */
#define GUEST_VCCW_CMD_SET_VQ 0x13
#define GUEST_VCCW_CMD_VDEV_RESET 0x33
#define GUEST_VCCW_CMD_READ_FEAT 0x12
#define GUEST_VCCW_CMD_WRITE_FEAT 0x11
#define GUEST_VCCW_CMD_READ_CONF 0x22
#define GUEST_VCCW_CMD_WRITE_CONF 0x21
#define GUEST_VCCW_CMD_WRITE_STATUS 0x31
#define GUEST_VCCW_CMD_SET_IND 0x43
#define GUEST_VCCW_CMD_SET_CONF_IND 0x53
#define GUEST_VCCW_CMD_SET_IND_ADAPTER 0x73
#define GUEST_VCCW_CMD_READ_VQ_CONF 0x32
#define GUEST_VCCW_CMD_SET_VIRTIO_REV 0x83
#define GUEST_VCCW_CMD_READ_STATUS 0x72

/* DIAGNOSE 0x500 subcode of a virtqueue notification (spec 4.3.3.2). */
#define GUEST_VCCW_DIAG_NOTIFY 3

#define GUEST_VCCW_MAX_QUEUES 64     /* classic indicators cover 64 queues (4.3.3.1.1) */
#define GUEST_VCCW_MAX_REV 2
#define GUEST_VCCW_CONFIG_MAX 256    /* READ_CONF / WRITE_CONF bytes at most (as Linux) */
#define GUEST_VCCW_LEGACY_ALIGN 4096 /* revision 0 ring alignment (4.3.2.2.2) */
#define GUEST_VCCW_DEFAULT_QSIZE 256 /* ring size chosen for rev >= 1 when not forced */
#define GUEST_VCCW_TIMEOUT_US 5000000u

/* Negative error numbers guest code returns (Linux values; no errno.h here). */
#ifndef GUEST_EIO
#define GUEST_EIO 5
#define GUEST_ENOMEM 12
#define GUEST_ENODEV 19
#define GUEST_EINVAL 22
#define GUEST_ENOSPC 28
#define GUEST_EOPNOTSUPP 95
#define GUEST_ETIMEDOUT 110
#endif

/* Byte order: the helpers of include/vccw/byteorder.h, shared with the host. */

/* ---- Options (tests force the less common paths) ---- */

enum guest_vccw_ring {
	GUEST_VCCW_RING_AUTO = 0, /* packed when the device offers it (rev >= 1), else split */
	GUEST_VCCW_RING_SPLIT,
	GUEST_VCCW_RING_PACKED,   /* negotiate RING_PACKED; init fails if not offered */
};

struct guest_vccw_opts {
	int max_rev;               /* highest revision tried first, 0-2; -1: 2 */
	bool no_adapter;           /* never try SET_IND_ADAPTER: classic indicators */
	bool bad_adapter_isc;      /* test: ISC 8 in SET_IND_ADAPTER, which a device rejects */
	enum guest_vccw_ring ring;
	bool no_event_idx;         /* do not negotiate VIRTIO_F_EVENT_IDX */
	uint16_t queue_size;       /* rev >= 1: ring size wanted (0: default), capped by max */
	bool no_indirect;          /* do not negotiate VIRTIO_F_INDIRECT_DESC */
};

/*
 * Options used by guest_vccw_init() for devices that drivers probe from now on
 * (@opts NULL: back to the defaults). Copied.
 */
void guest_vccw_set_opts(const struct guest_vccw_opts *opts);
void guest_vccw_get_opts(struct guest_vccw_opts *opts);

/* ---- Virtqueues (driver side) ---- */

struct guest_vdev;
struct guest_vq;

typedef void guest_vq_callback_fn(struct guest_vq *vq);

/* One buffer segment: @len bytes at @buf, which must be guest RAM (guest_alloc()). */
struct guest_vq_seg {
	void *buf;
	uint32_t len;
};

/* Per buffer (split: head descriptor; packed: buffer id) bookkeeping. */
struct guest_vq_state {
	void *token;     /* NULL: free */
	uint16_t ndescs; /* descriptors the buffer occupies */
	uint16_t last;   /* split: last descriptor of the chain */
};

/*
 * With VIRTIO_F_INDIRECT_DESC, a buffer of 2..GUEST_VQ_INDIRECT_MAX segments takes one
 * ring descriptor naming a table (2.7.5.3, 2.8.9), as Linux does for every buffer of
 * more than one segment; each buffer id owns one table slot.
 */
#define GUEST_VQ_INDIRECT_MAX 8

struct guest_vq {
	struct guest_vdev *vdev;
	uint16_t index;
	uint16_t num;       /* ring size */
	bool packed;
	bool big_endian;    /* legacy (revision 0): guest order, big-endian on s390 */
	bool event_idx;
	uint8_t *indirect;  /* @num tables of GUEST_VQ_INDIRECT_MAX descriptors, or NULL */
	unsigned int nr_indirect; /* buffers that went out through a table (tests) */
	bool broken;        /* a notification failed or the device broke the ring */

	/* Rings (one guest_alloc block of @ring_size bytes at @ring). */
	void *ring;
	size_t ring_size;
	uint8_t *desc;      /* descriptor table / packed descriptor ring */
	uint8_t *avail;     /* split: available ring; packed: driver event suppression */
	uint8_t *used;      /* split: used ring; packed: device event suppression */

	struct guest_vq_state *state; /* @num entries */
	uint16_t *next;               /* split: free-list links; packed: free buffer ids */
	uint16_t free_head;
	uint16_t num_free;

	/* Split state: shadow avail idx, next used entry to look at, idx at last kick. */
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t kicked_idx;
	/* Packed state (2.8.1: wrap counters start at 1). */
	uint16_t next_avail;
	bool avail_wrap;
	uint16_t last_used_pos;
	bool used_wrap;
	uint16_t kicked_pos;
	bool kicked_wrap;

	uint64_t cookie;    /* host cookie from the last DIAGNOSE 0x500 (4.3.3.2) */

	/* Interruption side. */
	volatile unsigned int nr_irqs; /* indicator hits for this queue */
	guest_vq_callback_fn *callback; /* may be NULL; interruption context */
	void *priv;
};

/*
 * Make a buffer available: @nout device-readable segments, then @nin device-writable
 * ones (at least one in all). @token (not NULL) comes back from guest_vq_get_used().
 * Returns 0, -GUEST_ENOSPC when too few descriptors are free, -GUEST_EINVAL on bad
 * arguments, -GUEST_EIO when the queue is broken, -GUEST_ENODEV when the device is gone.
 * Does not notify: call guest_vq_kick().
 */
int guest_vq_add(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		 const struct guest_vq_seg *in, unsigned int nin, void *token);
/*
 * Notify the device of new buffers with DIAGNOSE 0x500 unless it suppressed
 * notifications (split: NO_NOTIFY / avail_event; packed: device event suppression).
 * Returns false when the notification failed (the queue is then broken).
 */
bool guest_vq_kick(struct guest_vq *vq);
/*
 * Take the next used buffer: returns its token and *@len (may be NULL) the bytes the
 * device wrote, or NULL when none is used yet.
 */
void *guest_vq_get_used(struct guest_vq *vq, uint32_t *len);
/*
 * Like guest_vq_get_used(), waiting up to @timeout_us (guest_arch_wait() loop). Ends
 * early with NULL when the queue breaks or the device is found gone (unplugged: its
 * reset dropped the buffers; guest_cio_device_gone() on every wake-up, so the channel
 * report's machine check ends the wait). guest_vq_error() tells these apart from a
 * timeout. The device is only marked gone here: it and the driver's memory stay until
 * the program's next guest_cio_poll() removes it.
 */
void *guest_vq_wait_used(struct guest_vq *vq, uint32_t *len, uint64_t timeout_us);
/* Why @vq is unusable: -GUEST_ENODEV (device gone), -GUEST_EIO (broken), or 0. */
int guest_vq_error(const struct guest_vq *vq);
/* Free descriptors. */
unsigned int guest_vq_num_free(const struct guest_vq *vq);
/* Take back every buffer still outstanding (after a reset); returns the tokens one by
 * one, NULL when none is left. */
void *guest_vq_detach_unused(struct guest_vq *vq);

/*
 * Add, kick, and wait for that very buffer (synchronous request; other buffers used
 * meanwhile are dropped, so use it only on queues without other traffic). Returns 0
 * with *@len filled, -GUEST_ETIMEDOUT (the queue is then marked broken: the device
 * still owns the buffer), -GUEST_ENODEV as soon as the device is found gone (the queue
 * is then broken too), -GUEST_EIO, or the guest_vq_add() error.
 */
int guest_vq_xfer(struct guest_vq *vq, const struct guest_vq_seg *out, unsigned int nout,
		  const struct guest_vq_seg *in, unsigned int nin, uint32_t *len,
		  uint64_t timeout_us);

/* ---- The virtio-ccw device ---- */

struct guest_vdev {
	struct guest_device *dev;
	uint16_t device_id;          /* control-unit model */
	int revision;                /* negotiated virtio-ccw revision 0-2 */
	uint64_t dev_features;       /* offered by the device (words 0, and 1 for rev >= 1) */
	uint64_t features;           /* negotiated */
	uint8_t status;              /* last status the device accepted */
	bool big_endian;             /* config space and buffer headers: legacy order */
	struct guest_vccw_opts opts;

	unsigned int nr_vqs;
	struct guest_vq *vqs[GUEST_VCCW_MAX_QUEUES];

	/* Indicators (4.3.3.1): adapter mode or classic. */
	bool adapter;
	unsigned int ind_bit;        /* adapter: first bit of this device in the area */
	uint64_t *ind;               /* classic queue indicators (guest RAM, big-endian) */
	uint64_t *conf_ind;          /* configuration indicator (guest RAM, big-endian) */
	volatile unsigned int nr_config_changes;
	volatile unsigned int nr_unsolicited;
	void (*config_changed)(struct guest_vdev *vdev); /* interruption context; may be NULL */

	/* Channel-command scratch (guest RAM). */
	uint8_t *cmd;
	bool registered;             /* in the indicator scan list */
	void *priv;                  /* the device driver's */
};

/*
 * Bring @vdev up to FEATURES_OK on @dev (bound by the cio layer): reset, revision,
 * ACKNOWLEDGE | DRIVER, features. @wanted are the device-specific and ring features the
 * driver can use; VERSION_1 is added for rev >= 1, RING_PACKED / EVENT_IDX follow the
 * options. @vdev is zeroed first. Returns 0, or a negative error (-GUEST_EIO: channel
 * error or FEATURES_OK refused; -GUEST_ENODEV: device gone; -GUEST_ENOMEM: guest RAM
 * exhausted; -GUEST_EOPNOTSUPP: a required feature is missing). On error the device
 * has FAILED set.
 */
int guest_vccw_init(struct guest_vdev *vdev, struct guest_device *dev, uint64_t wanted);
/*
 * Set up queues 0..@nvqs-1 (@callbacks may be NULL, else one per queue, entries may be
 * NULL) and the indicators. Returns 0 or a negative error; on error nothing is left
 * set up (the device is reset and FAILED).
 */
int guest_vccw_setup_vqs(struct guest_vdev *vdev, unsigned int nvqs,
			 guest_vq_callback_fn *const *callbacks);
/* Set DRIVER_OK. Returns 0 or -GUEST_EIO. */
int guest_vccw_driver_ok(struct guest_vdev *vdev);
/* Probe helper: init + setup_vqs + driver_ok. On error everything is undone. */
int guest_vccw_probe(struct guest_vdev *vdev, struct guest_device *dev, uint64_t wanted,
		     unsigned int nvqs, guest_vq_callback_fn *const *callbacks);
/* VDEV_RESET, deregister indicators, free rings and scratch. @vdev may be half set up. */
void guest_vccw_teardown(struct guest_vdev *vdev);

/* WRITE_STATUS; returns true when the device accepted @status (4.3.2.3). */
bool guest_vccw_write_status(struct guest_vdev *vdev, uint8_t status);
/* READ_STATUS (rev >= 2 only). Returns the status byte, or -1. */
int guest_vccw_read_status(struct guest_vdev *vdev);

/*
 * Configuration space (4.3.2.5): READ_CONF / WRITE_CONF always transfer from offset 0,
 * so @off + @len bytes move (at most GUEST_VCCW_CONFIG_MAX). WRITE_CONF reads the space
 * first and writes it back with @buf merged in. Returns 0 or a negative error.
 */
int guest_vccw_read_config(struct guest_vdev *vdev, unsigned int off, void *buf,
			   unsigned int len);
int guest_vccw_write_config(struct guest_vdev *vdev, unsigned int off, const void *buf,
			    unsigned int len);
/* Fields in the negotiated byte order (legacy: big-endian; VERSION_1: little-endian). */
uint16_t guest_vccw_ld16(const struct guest_vdev *vdev, const void *p);
uint32_t guest_vccw_ld32(const struct guest_vdev *vdev, const void *p);
uint64_t guest_vccw_ld64(const struct guest_vdev *vdev, const void *p);
void guest_vccw_st16(const struct guest_vdev *vdev, void *p, uint16_t v);
void guest_vccw_st32(const struct guest_vdev *vdev, void *p, uint32_t v);
void guest_vccw_st64(const struct guest_vdev *vdev, void *p, uint64_t v);

static inline bool guest_vccw_has_feature(const struct guest_vdev *vdev, unsigned int bit)
{
	return vdev->features & GUEST_VIRTIO_BIT(bit);
}

/*
 * Scan and clear @vdev's indicators now (classic: the queue and configuration
 * doublewords) and run callbacks. Drivers need not call it; the cio layer's unsolicited
 * and solicited hooks (classic indicators on every interruption of the device) and the
 * adapter handler do.
 */
void guest_vccw_scan(struct guest_vdev *vdev);
/* The unsolicited-interruption hook for a struct guest_cio_driver. */
void guest_vccw_unsolicited(struct guest_device *dev, const struct guest_irb *irb);
/* The vdev set up on @dev, or NULL. */
struct guest_vdev *guest_vccw_find(const struct guest_device *dev);

#endif /* GUEST_VIRTIO_H */
