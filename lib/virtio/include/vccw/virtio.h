/* SPDX-License-Identifier: MIT */
/*
 * virtio core, device side: feature negotiation (64 bits), device status and its rules,
 * device reset, configuration space access in the negotiated byte order, the device's
 * virtqueues, and its I/O thread. Transport-independent: a transport (virtio-ccw) drives
 * a device through these functions and receives its notifications through struct
 * vccw_virtio_transport_ops. virtio specification v1.2 chapters 2 and 3.
 *
 * A device type embeds struct vccw_virtio_dev as its first member and plugs in with a
 * const struct vccw_virtio_dev_ops; hooks get the base and use container_of().
 *
 * Threads: transport commands arrive on the css channel thread; queue notifications are
 * handed to the device's I/O thread (an eventfd per queue), its own or one it shares with
 * other devices (struct vccw_iothread), so the vCPU that notified returns at once. The device lock (vccw_virtio_dev.lock) serialises the two:
 * every hook below runs with it held.
 */
#ifndef VCCW_VIRTIO_H
#define VCCW_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vccw/list.h"
#include "vccw/mem.h"
#include "vccw/poll.h"
#include "vccw/types.h"
#include "vccw/virtqueue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device status bits (spec 2.1). */
#define VCCW_VIRTIO_S_ACKNOWLEDGE 1
#define VCCW_VIRTIO_S_DRIVER 2
#define VCCW_VIRTIO_S_DRIVER_OK 4
#define VCCW_VIRTIO_S_FEATURES_OK 8
#define VCCW_VIRTIO_S_NEEDS_RESET 0x40
#define VCCW_VIRTIO_S_FAILED 0x80

/* Reserved feature bits (spec 6). */
#define VCCW_VIRTIO_F_NOTIFY_ON_EMPTY 24
#define VCCW_VIRTIO_F_ANY_LAYOUT 27
#define VCCW_VIRTIO_F_INDIRECT_DESC 28
#define VCCW_VIRTIO_F_EVENT_IDX 29
#define VCCW_VIRTIO_F_VERSION_1 32
#define VCCW_VIRTIO_F_ACCESS_PLATFORM 33
#define VCCW_VIRTIO_F_RING_PACKED 34
#define VCCW_VIRTIO_F_IN_ORDER 35
#define VCCW_VIRTIO_F_NOTIFICATION_DATA 38

#define VCCW_BIT(n) (UINT64_C(1) << (n))

/* Device IDs (spec 5). */
#define VCCW_VIRTIO_ID_NET 1
#define VCCW_VIRTIO_ID_BLOCK 2
#define VCCW_VIRTIO_ID_CONSOLE 3
#define VCCW_VIRTIO_ID_RNG 4
#define VCCW_VIRTIO_ID_BALLOON 5

#define VCCW_VIRTIO_MAX_QUEUES 64
/* File descriptors a device's I/O thread can watch (a multiport console: two per port). */
#define VCCW_VIRTIO_MAX_WATCH 72

struct vccw_virtio_dev;

/* Hooks of a device type. Unless noted: device lock held; may be NULL. */
struct vccw_virtio_dev_ops {
	const char *name;   /* "virtio-blk" */
	uint16_t device_id; /* VCCW_VIRTIO_ID_* */
	/* Device-specific feature bits offered (the core adds the transport ones). */
	uint64_t (*get_features)(struct vccw_virtio_dev *vdev);
	/*
	 * FEATURES_OK is being set with @features accepted: return false to refuse the
	 * combination (FEATURES_OK then stays clear). NULL accepts any subset offered.
	 */
	bool (*validate_features)(struct vccw_virtio_dev *vdev, uint64_t features);
	/* Size of the configuration space in bytes (0: none). */
	uint32_t (*config_size)(struct vccw_virtio_dev *vdev);
	/*
	 * Produce/consume @len bytes of configuration space at @off (already bounds-checked).
	 * Multi-byte fields use vccw_virtio_cfg_st*() / ld*() for the negotiated byte order.
	 */
	void (*read_config)(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			    uint32_t len);
	void (*write_config)(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			     uint32_t len);
	/* Maximum size of queue @idx (0: the queue does not exist). Required. */
	uint16_t (*queue_max)(struct vccw_virtio_dev *vdev, unsigned int idx);
	/*
	 * The driver made buffers available on @idx. Runs on the device's I/O thread, only
	 * while DRIVER_OK is set and NEEDS_RESET is not. Required for devices with queues.
	 */
	void (*queue_notify)(struct vccw_virtio_dev *vdev, unsigned int idx);
	/* DRIVER_OK was set. */
	void (*start)(struct vccw_virtio_dev *vdev);
	/* The device is reset (status 0 written, transport reset): drop in-flight state. */
	void (*reset)(struct vccw_virtio_dev *vdev);
	/*
	 * Polled by the I/O thread before it sleeps, without the device lock: true when a
	 * watched fd will have input (backend completions waiting). Optional.
	 */
	bool (*poll_ready)(struct vccw_virtio_dev *vdev);
};

/* How the core notifies the driver; implemented by the transport. Device lock held. */
struct vccw_virtio_transport_ops {
	/* Used-buffer notification for queue @idx. */
	void (*notify_queue)(struct vccw_virtio_dev *vdev, unsigned int idx);
	/* Configuration-change notification (also raised with NEEDS_RESET). */
	void (*notify_config)(struct vccw_virtio_dev *vdev);
};

/* Extra file descriptors a device wants its I/O thread to watch (backends). */
typedef void vccw_virtio_fd_fn(struct vccw_virtio_dev *vdev, int fd, void *arg);

/*
 * Work another thread hands to the device's I/O thread (vccw_virtio_dev_call()): the
 * caller embeds it in its own object; @fn runs once, on the I/O thread, without the
 * device lock, and may free the object.
 */
struct vccw_virtio_call {
	struct vccw_list link;
	void (*fn)(struct vccw_virtio_dev *vdev, struct vccw_virtio_call *call);
};

struct vccw_virtio_io;

struct vccw_virtio_dev {
	const struct vccw_virtio_dev_ops *ops;
	const struct vccw_virtio_transport_ops *transport;
	void *transport_ctx;
	struct vccw_mem *mem;
	pthread_mutex_t lock; /* the device lock */

	/* Protected by the lock. */
	uint64_t host_features;  /* offered (device + core) */
	uint64_t guest_features; /* accepted by the driver */
	uint8_t status;
	bool legacy;             /* VERSION_1 not negotiated: legacy byte order */
	unsigned int nr_queues;  /* queues with queue_max > 0 */
	bool quiesced;           /* vccw_virtio_dev_quiesce() ran: nothing is popped */
	struct vccw_vq *vqs[VCCW_VIRTIO_MAX_QUEUES];
	struct vccw_vq_elem *elem; /* scratch element for the I/O thread */

	/*
	 * Requests the device has in flight in its backend (atomic; kept by the device):
	 * a reset then waits for them, so the device counts as busy too.
	 */
	unsigned int backend_inflight;

	/*
	 * The I/O side (the I/O thread serving the device, its kick eventfds, watched fds
	 * and queued calls): private to the virtio layer, made by vccw_virtio_dev_init().
	 */
	struct vccw_virtio_io *io;
};

/*
 * An I/O thread that several devices can share (QEMU's -object iothread): it serves
 * every queue of every device attached to it, their watched fds and their calls, one
 * device's queue handler at a time, and polls (include/vccw/poll.h) all of them before it
 * sleeps. A device created without one gets a thread of its own.
 */
struct vccw_iothread;

/* Devices one I/O thread can serve. */
#define VCCW_IOTHREAD_MAX_DEVICES 256

/*
 * Start an I/O thread. @poll_max_ns bounds its polling window (0: never poll; QEMU's
 * poll-max-ns). Returns a new object owned by the caller, or NULL with @err filled.
 * Context: any thread.
 */
struct vccw_iothread *vccw_iothread_new(uint32_t poll_max_ns, struct vccw_err *err);
/* Stop the thread and free it. No device may be attached any more. NULL is a no-op. */
void vccw_iothread_free(struct vccw_iothread *iot);
/* Devices attached now (a hint for a monitor that refuses to delete a busy one). */
unsigned int vccw_iothread_nr_devices(struct vccw_iothread *iot);
/* The thread's id, to tell threads apart (tests, a monitor's query-iothreads). */
pthread_t vccw_iothread_thread(struct vccw_iothread *iot);

/*
 * Initialise @vdev (embedded in a device object) with @ops over @mem and start its I/O
 * thread. @extra_features are transport/core features the transport offers in addition
 * (e.g. VERSION_1, RING_PACKED). Returns 0 or -errno with @err filled.
 */
int vccw_virtio_dev_init(struct vccw_virtio_dev *vdev, const struct vccw_virtio_dev_ops *ops,
			 struct vccw_mem *mem, uint64_t extra_features, struct vccw_err *err);
/*
 * As vccw_virtio_dev_init(), with every queue of @vdev served on @iot (borrowed: it must
 * outlive the device; NULL: a thread of its own). Returns 0, -ENOSPC when @iot serves
 * VCCW_IOTHREAD_MAX_DEVICES devices already, or -errno, with @err filled.
 */
int vccw_virtio_dev_init_iothread(struct vccw_virtio_dev *vdev,
				  const struct vccw_virtio_dev_ops *ops, struct vccw_mem *mem,
				  uint64_t extra_features, struct vccw_iothread *iot,
				  struct vccw_err *err);
/*
 * Stop @vdev touching guest memory for good, before its transport removes the device
 * from the guest's view: wait for the queue handler or watch callback running now (a
 * synchronous backend call), reset the device, which ends every request in flight in its
 * backend without using it, and from then on pop no buffer (vccw_virtio_pop() returns 0),
 * whatever the driver still does. A guest that sees the device gone (and fails its
 * requests) may reuse their buffers at once: no backend read or write may still land in
 * them. Until vccw_virtio_dev_fini().
 * Context: any thread but the I/O thread; takes the device lock, so it waits for as long
 * as the current backend call takes.
 */
void vccw_virtio_dev_quiesce(struct vccw_virtio_dev *vdev);

/* Stop the I/O thread and release what init allocated. No call may be pending. */
void vccw_virtio_dev_fini(struct vccw_virtio_dev *vdev);

/*
 * Watch @fd for input on the I/O thread; @fn runs with the device lock held. The watch
 * is level-triggered: @fn must consume the input (or the thread calls it again). @fd is
 * borrowed until vccw_virtio_dev_fini(). Returns 0, -EINVAL, -ENOSPC (all watch slots
 * in use) or -errno from epoll.
 */
int vccw_virtio_dev_watch_fd(struct vccw_virtio_dev *vdev, int fd, vccw_virtio_fd_fn *fn,
			     void *arg);

/*
 * Stop watching @fd (a slot of vccw_virtio_dev_watch_fd(); the slot is not reused).
 * Returns 0, or -ENOENT when @fd is not watched.
 * Context: the device lock held (a hook, or a device function that took it).
 */
int vccw_virtio_dev_unwatch_fd_locked(struct vccw_virtio_dev *vdev, int fd);

/*
 * True while the I/O thread serves a queue or a watched fd under the device lock, where
 * a backend call may keep it (and the lock) for as long as host I/O takes, or while the
 * device has requests in flight in its backend (a reset waits for them): a transport
 * command that needs the lock is better handed to that thread (vccw_virtio_dev_call())
 * than waited for. A hint: the thread may start or stop right after the answer.
 * Context: any thread; lock-free.
 */
bool vccw_virtio_dev_busy(struct vccw_virtio_dev *vdev);

/*
 * Queue @call (with @call->fn set) for the device's I/O thread, which runs it after what
 * it is doing now, in queue order. @call is borrowed until its fn runs.
 * Context: any thread; never blocks on the device.
 */
void vccw_virtio_dev_call(struct vccw_virtio_dev *vdev, struct vccw_virtio_call *call);

/*
 * Wait until every call queued before this one has run. Context: not the I/O thread;
 * may block for as long as the I/O thread's current work takes.
 */
void vccw_virtio_dev_flush_calls(struct vccw_virtio_dev *vdev);

/* ---- Used by transports (device lock NOT held by the caller) ---- */

/* Feature word @index (0: bits 0-31, 1: bits 32-63 ...) offered by the device. */
uint32_t vccw_virtio_read_features(struct vccw_virtio_dev *vdev, unsigned int index);
/*
 * The driver writes feature word @index. Bits not offered are dropped (spec 2.2: the
 * driver must not accept them). Returns false if the status forbids it (FEATURES_OK
 * already set).
 */
bool vccw_virtio_write_features(struct vccw_virtio_dev *vdev, unsigned int index,
				uint32_t bits);
/*
 * Set the device status. 0 resets the device. Setting FEATURES_OK validates the accepted
 * features (refused: returns false and leaves FEATURES_OK clear). Setting DRIVER_OK
 * starts the device. Returns false when the status write is refused: the status is then
 * unchanged. Refused are: clearing a bit other than by writing 0, a FEATURES_OK that
 * validate_features() rejects, and DRIVER_OK without FEATURES_OK once VERSION_1 was
 * accepted (legacy drivers have no FEATURES_OK step). NEEDS_RESET belongs to the device:
 * the driver's value for that bit is ignored.
 */
bool vccw_virtio_set_status(struct vccw_virtio_dev *vdev, uint8_t status);
uint8_t vccw_virtio_get_status(struct vccw_virtio_dev *vdev);
/* Reset the device: status 0, features 0, queues torn down, ops->reset called. */
void vccw_virtio_reset(struct vccw_virtio_dev *vdev);

uint32_t vccw_virtio_config_size(struct vccw_virtio_dev *vdev);
/* Read/write configuration space; returns false if [@off, @off+@len) is outside it. */
bool vccw_virtio_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			     uint32_t len);
bool vccw_virtio_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			      uint32_t len);

/* Maximum size of queue @idx (0: no such queue). */
uint16_t vccw_virtio_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx);
/*
 * Set up queue @idx (@cfg) or tear it down (@cfg NULL). The byte order and the
 * packed/event-index/indirect choices come from the negotiated features; the transport
 * fills size and addresses. Returns 0 or -EINVAL.
 */
int vccw_virtio_queue_setup(struct vccw_virtio_dev *vdev, unsigned int idx,
			    const struct vccw_vq_config *cfg);
/*
 * Available-buffer notification for @idx (e.g. DIAGNOSE 0x500): hands it to the I/O
 * thread and returns at once; with notifications served inline (ioeventfd=off) the
 * calling thread serves the queue itself when the device lock is free, and only
 * otherwise hands it over. Returns 0, or -EINVAL for a queue that does not exist.
 * Context: any thread (a vCPU); never waits for the device lock. Inline, it runs the
 * device's queue handler, with its backend calls (QEMU's ioeventfd=off trade: no
 * hand-off, but the vCPU does the device's work).
 */
int vccw_virtio_kick(struct vccw_virtio_dev *vdev, unsigned int idx);

/*
 * Serve notifications on the notifying thread (@on: QEMU's ioeventfd=off) or on the
 * I/O thread (off, the default). Context: any thread.
 */
void vccw_virtio_dev_set_notify_inline(struct vccw_virtio_dev *vdev, bool on);

/* ---- Used by devices (device lock held: inside hooks) ---- */

/*
 * Take the next buffer of queue @idx into vdev->elem-like storage @elem. Returns 1, 0
 * (empty, or the device is quiesced), or -EIO after a broken chain, in which case the core has set NEEDS_RESET and
 * raised a configuration notification.
 */
int vccw_virtio_pop(struct vccw_virtio_dev *vdev, unsigned int idx, struct vccw_vq_elem *elem);
/* Return @elem with @len bytes written; notifies the driver if it wants it. */
void vccw_virtio_push(struct vccw_virtio_dev *vdev, unsigned int idx,
		      const struct vccw_vq_elem *elem, uint32_t len);
/*
 * Return @n elements of queue @idx together (vccw_vq_push_many()), then notify the
 * driver once if it wants it.
 */
void vccw_virtio_push_many(struct vccw_virtio_dev *vdev, unsigned int idx,
			   const struct vccw_vq_used *used, unsigned int n);
/* Give back the last element popped from @idx and not pushed (vccw_vq_unpop()). */
void vccw_virtio_unpop(struct vccw_virtio_dev *vdev, unsigned int idx, uint16_t ndescs);
/* Size the driver set for queue @idx; 0 when it is not set up. */
uint16_t vccw_virtio_queue_size(struct vccw_virtio_dev *vdev, unsigned int idx);
/* Mark the device broken: NEEDS_RESET plus a configuration notification. */
void vccw_virtio_needs_reset(struct vccw_virtio_dev *vdev);
/* Signal a configuration change (device config updated by the device). */
void vccw_virtio_config_changed(struct vccw_virtio_dev *vdev);

/* Configuration-space fields in the negotiated byte order (legacy s390: big-endian). */
void vccw_virtio_cfg_st16(const struct vccw_virtio_dev *vdev, uint8_t *p, uint16_t v);
void vccw_virtio_cfg_st32(const struct vccw_virtio_dev *vdev, uint8_t *p, uint32_t v);
void vccw_virtio_cfg_st64(const struct vccw_virtio_dev *vdev, uint8_t *p, uint64_t v);
uint16_t vccw_virtio_cfg_ld16(const struct vccw_virtio_dev *vdev, const uint8_t *p);
uint32_t vccw_virtio_cfg_ld32(const struct vccw_virtio_dev *vdev, const uint8_t *p);
uint64_t vccw_virtio_cfg_ld64(const struct vccw_virtio_dev *vdev, const uint8_t *p);
/* Likewise for fields inside buffers (request headers). */
#define vccw_virtio_ld16 vccw_virtio_cfg_ld16
#define vccw_virtio_ld32 vccw_virtio_cfg_ld32
#define vccw_virtio_ld64 vccw_virtio_cfg_ld64
#define vccw_virtio_st16 vccw_virtio_cfg_st16
#define vccw_virtio_st32 vccw_virtio_cfg_st32
#define vccw_virtio_st64 vccw_virtio_cfg_st64

static inline bool vccw_virtio_has_feature(const struct vccw_virtio_dev *vdev, unsigned int bit)
{
	return vdev->guest_features & VCCW_BIT(bit);
}

#ifdef __cplusplus
}
#endif

#endif /* VCCW_VIRTIO_H */
