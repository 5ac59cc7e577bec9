// SPDX-License-Identifier: MIT
/*
 * virtio-rng driver (virtio v1.2 section 5.4): device-writable buffers on the single
 * requestq come back filled with entropy; the device may fill less than offered
 * (5.4.6.1), so a read loops until it has what was asked for.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

static struct guest_drv_table rngs;

unsigned int guest_rng_count(void)
{
	return rngs.n;
}

struct guest_rng *guest_rng_get(unsigned int i)
{
	return guest_drv_table_get(&rngs, i);
}

int guest_rng_read(struct guest_rng *rng, void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;
	unsigned int empty = 0;
	int rc;

	while (done < len) {
		uint32_t want = (uint32_t)(len - done < GUEST_RNG_CHUNK ? len - done
									: GUEST_RNG_CHUNK);
		struct guest_vq_seg in = { rng->buf, want };
		uint32_t got = 0;

		rc = guest_vq_xfer(rng->vdev.vqs[0], NULL, 0, &in, 1, &got, GUEST_VCCW_TIMEOUT_US);
		if (rc)
			return rc;
		if (got > want)
			return -GUEST_EIO; /* more than the buffer holds: a broken device */
		if (!got && ++empty > 16)
			return -GUEST_EIO;
		guest_memcpy(out + done, rng->buf, got);
		done += got;
	}
	return 0;
}

static int rng_probe(struct guest_device *dev)
{
	struct guest_rng *rng = guest_alloc(sizeof(*rng), 8);
	int rc;

	if (!rng)
		return -GUEST_ENOMEM;
	rng->buf = guest_alloc(GUEST_RNG_CHUNK, 8);
	rc = -GUEST_ENOMEM;
	if (!rng->buf)
		goto err_free;
	rc = guest_vccw_probe(&rng->vdev, dev, 0, 1, NULL);
	if (rc)
		goto err_free;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&rngs, rng)) {
		guest_vccw_teardown(&rng->vdev);
		goto err_free;
	}
	rng->vdev.priv = rng;
	dev->drvdata = rng;
	return 0;

err_free:
	if (rng->buf)
		guest_free(rng->buf, GUEST_RNG_CHUNK);
	guest_free(rng, sizeof(*rng));
	return rc;
}

static void rng_remove(struct guest_device *dev)
{
	struct guest_rng *rng = dev->drvdata;

	if (!rng)
		return;
	guest_drv_table_del(&rngs, rng);
	guest_vccw_teardown(&rng->vdev);
	guest_free(rng->buf, GUEST_RNG_CHUNK);
	guest_free(rng, sizeof(*rng));
	dev->drvdata = NULL;
}

static const struct guest_cio_driver rng_driver = {
	.name = "virtio-rng",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_RNG,
	.probe = rng_probe,
	.remove = rng_remove,
	.unsolicited = guest_vccw_unsolicited,
};

/* cio reset hook: devices bound by an earlier program went with its heap. */
static void forget_devices(void)
{
	rngs.n = 0;
}

void guest_rng_register(void)
{
	guest_cio_add_reset_hook(forget_devices);
	guest_cio_register_driver(&rng_driver);
}
