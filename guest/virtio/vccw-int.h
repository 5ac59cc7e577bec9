/* SPDX-License-Identifier: MIT */
/* Private interface between the virtio-ccw transport (vccw.c) and the rings (vq.c). */
#ifndef GUEST_VIRTIO_VCCW_INT_H
#define GUEST_VIRTIO_VCCW_INT_H

#include "guest/virtio.h"

/* Reset indices, free list and wrap counters of @vq, whose ring memory is zeroed. */
void guest_vq_init_state(struct guest_vq *vq);
/* DIAGNOSE 0x500 for @vq (4.3.3.2); false (and the queue broken) on failure. */
bool guest_vccw_notify(struct guest_vq *vq);

#endif /* GUEST_VIRTIO_VCCW_INT_H */
