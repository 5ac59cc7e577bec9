/* SPDX-License-Identifier: MIT */
/*
 * The private I/O side of a virtio device (struct vccw_virtio_dev's io): what only the
 * virtio layer touches. Unit tests of the layer may include it; nothing else does.
 */
#ifndef VCCW_VIRTIO_INT_H
#define VCCW_VIRTIO_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vccw/list.h"
#include "vccw/virtio.h"

struct vccw_virtio_io {
	/*
	 * The I/O thread serving this device: its own, or a shared one (set at init, fixed
	 * until fini); @iot_slot is the device's place in it.
	 */
	struct vccw_iothread *iot;
	bool own_iot;
	unsigned int iot_slot;
	int kick_fd[VCCW_VIRTIO_MAX_QUEUES]; /* eventfd per queue */
	struct {
		int fd;
		vccw_virtio_fd_fn *fn;
		void *arg;
	} watch[VCCW_VIRTIO_MAX_WATCH]; /* fn NULL: unwatched */
	unsigned int nr_watch;
	/*
	 * Threads serving a queue or a watch under the device lock (atomic count), where
	 * a backend call may block: the I/O thread, or a vCPU with notify_inline.
	 */
	unsigned int io_busy;
	/* Queues notified and not yet served (atomic), bit n for queue n. */
	uint64_t kick_bits;
	/* ioeventfd=off (atomic): a notification is served on the notifying thread. */
	bool notify_inline;

	/* Calls for the I/O thread: protected by call_lock. */
	pthread_mutex_t call_lock;
	pthread_cond_t call_cond;
	struct vccw_list calls;
	uint64_t calls_queued, calls_done; /* also read atomically by the polling thread */
	int call_fd;
};

#endif /* VCCW_VIRTIO_INT_H */
