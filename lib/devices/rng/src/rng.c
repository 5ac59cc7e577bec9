// SPDX-License-Identifier: MIT
/*
 * virtio-rng: the entropy device of virtio specification v1.2 section 5.4. Each buffer
 * the driver makes available on requestq gets random bytes in its device-writable part
 * (at most VCCW_RNG_MAX_BYTES_PER_BUF, as 5.4.6.1 lets the device fill less than the
 * whole buffer) and is returned with the count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vccw/rng.h"

#define RNG_QUEUE_SIZE 256

struct vccw_rng {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	uint16_t queue_size;
	struct vccw_vq_elem *elem;
};

static struct vccw_rng *to_rng(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct vccw_rng, vdev);
}

/* Fill @len bytes at @buf; returns the count filled (short only if the host fails). */
static size_t fill_random(void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom((char *)buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	return done;
}

static uint16_t rng_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	return idx == 0 ? to_rng(vdev)->queue_size : 0;
}

static void rng_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_vq_elem *elem = to_rng(vdev)->elem;
	unsigned int i;

	while (vccw_virtio_pop(vdev, idx, elem) == 1) {
		size_t budget = VCCW_RNG_MAX_BYTES_PER_BUF, done = 0;

		/* Device-readable segments carry nothing for us (5.4.6: requestq is writable). */
		for (i = 0; i < elem->in_num && budget; i++) {
			size_t len = elem->in[i].iov_len < budget ? elem->in[i].iov_len : budget;
			size_t n = fill_random(elem->in[i].iov_base, len);

			done += n;
			budget -= n;
			if (n < len)
				break;
		}
		vccw_virtio_push(vdev, idx, elem, (uint32_t)done);
	}
}

static const struct vccw_virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VCCW_VIRTIO_ID_RNG,
	.queue_max = rng_queue_max,
	.queue_notify = rng_queue_notify,
};

struct vccw_rng *vccw_rng_new(struct vccw_mem *mem, const struct vccw_rng_config *cfg,
			      uint64_t extra_features, struct vccw_err *err)
{
	uint16_t qsize = cfg && cfg->queue_size ? cfg->queue_size : RNG_QUEUE_SIZE;
	struct vccw_rng *rng;

	if (qsize > VCCW_VQ_MAX_SIZE || (qsize & (qsize - 1))) {
		vccw_err_set(err, EINVAL, "virtio-rng: queue size %u is not a power of 2 up to %u",
			     qsize, VCCW_VQ_MAX_SIZE);
		return NULL;
	}
	rng = calloc(1, sizeof(*rng));
	if (!rng) {
		vccw_err_set(err, ENOMEM, "virtio-rng: out of memory");
		return NULL;
	}
	rng->queue_size = qsize;
	rng->elem = malloc(sizeof(*rng->elem));
	if (!rng->elem) {
		vccw_err_set(err, ENOMEM, "virtio-rng: out of memory");
		goto err_free;
	}
	if (vccw_virtio_dev_init(&rng->vdev, &rng_ops, mem, extra_features, err))
		goto err_free_elem;
	return rng;

err_free_elem:
	free(rng->elem);
err_free:
	free(rng);
	return NULL;
}

struct vccw_virtio_dev *vccw_rng_vdev(struct vccw_rng *rng)
{
	return &rng->vdev;
}

void vccw_rng_free(struct vccw_rng *rng)
{
	if (!rng)
		return;
	vccw_virtio_dev_fini(&rng->vdev);
	free(rng->elem);
	free(rng);
}
