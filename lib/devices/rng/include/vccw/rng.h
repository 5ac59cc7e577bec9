/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng, the entropy device (device ID 4): one request queue whose device-writable
 * buffers the device fills with random bytes from the host's getrandom(). No feature
 * bits, no configuration space. virtio specification v1.2 section 5.4.
 */
#ifndef VCCW_RNG_H
#define VCCW_RNG_H

#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes placed into one buffer at most (spec 5.4.6.1: the device may fill less). */
#define VCCW_RNG_MAX_BYTES_PER_BUF 65536

struct vccw_rng_config {
	uint16_t queue_size; /* maximum queue size; 0: 256. A power of 2 up to 1024. */
};

struct vccw_rng;

/*
 * Create an entropy device over @mem; @cfg may be NULL (defaults). @extra_features are
 * the transport/core features offered besides the device's (e.g. VERSION_1). Starts the
 * device's I/O thread (vccw_virtio_dev_init()).
 * Returns: a new device owned by the caller, or NULL with @err filled.
 */
struct vccw_rng *vccw_rng_new(struct vccw_mem *mem, const struct vccw_rng_config *cfg,
			      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_rng_free(). */
struct vccw_virtio_dev *vccw_rng_vdev(struct vccw_rng *rng);
/* Stop the device and free it. The transport must have let go of it. NULL is a no-op. */
void vccw_rng_free(struct vccw_rng *rng);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_RNG_H */
