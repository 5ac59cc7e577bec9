// SPDX-License-Identifier: MIT
/*
 * virtio-rng through a real split virtqueue (virtio v1.2 section 5.4): device-writable
 * buffers come back filled with random bytes.
 */
#include <string.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/rng.h"

struct rngfix {
	struct vccw_mem *mem;
	struct vccw_rng *rng;
	struct vdrv d;
};

static bool rng_open(struct rngfix *f)
{
	struct vccw_rng_config cfg = { .queue_size = VDRV_QSIZE };
	struct vccw_err err = { 0 };

	memset(f, 0, sizeof(*f));
	f->mem = vdrv_mem();
	if (!f->mem)
		return false;
	f->rng = vccw_rng_new(f->mem, &cfg, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err);
	CHECK_MSG(f->rng, "%s", err.msg);
	if (!f->rng)
		return false;
	return vdrv_start(&f->d, f->mem, vccw_rng_vdev(f->rng), ~(uint64_t)0, 1);
}

static void rng_close(struct rngfix *f)
{
	vccw_rng_free(f->rng);
	vccw_mem_free(f->mem);
}

/* Post one buffer of @len bytes as @nseg equal device-writable segments; read it back. */
static uint32_t get_random(struct rngfix *f, uint8_t *out, uint32_t len, unsigned int nseg)
{
	struct vdrv_seg segs[4];
	uint32_t used = 0;
	uint64_t a;
	unsigned int i;
	uint16_t id;

	vdrv_reset_bufs(&f->d);
	a = vdrv_alloc(&f->d, len);
	vccw_mem_fill(f->mem, a, 0, len);
	for (i = 0; i < nseg; i++)
		segs[i] = (struct vdrv_seg){ a + i * (len / nseg), len / nseg, true };
	vdrv_add(&f->d, 0, segs, nseg);
	vdrv_kick(&f->d, 0);
	CHECK(vdrv_wait_used(&f->d, 0, &id, &used));
	vccw_mem_read(f->mem, a, out, len);
	return used;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

TEST(test_rng_fills_buffers_with_different_bytes)
{
	uint8_t a[64], b[64];
	struct rngfix f;

	if (!rng_open(&f))
		goto out;
	CHECK_EQ(vccw_virtio_config_size(vccw_rng_vdev(f.rng)), 0);
	CHECK_EQ(get_random(&f, a, sizeof(a), 1), sizeof(a));
	CHECK_EQ(get_random(&f, b, sizeof(b), 1), sizeof(b));
	CHECK(!all_zero(a, sizeof(a)));
	CHECK(!all_zero(b, sizeof(b)));
	CHECK(memcmp(a, b, sizeof(a)));
out:
	rng_close(&f);
}

TEST(test_rng_fills_every_segment_of_a_chain)
{
	uint8_t a[256];
	struct rngfix f;

	if (!rng_open(&f))
		goto out;
	CHECK_EQ(get_random(&f, a, sizeof(a), 4), sizeof(a));
	CHECK(!all_zero(a, 64));
	CHECK(!all_zero(a + 192, 64));
out:
	rng_close(&f);
}

TEST(test_rng_only_queue_0_exists)
{
	struct rngfix f;

	if (!rng_open(&f))
		goto out;
	CHECK_EQ(vccw_virtio_queue_max(vccw_rng_vdev(f.rng), 0), VDRV_QSIZE);
	CHECK_EQ(vccw_virtio_queue_max(vccw_rng_vdev(f.rng), 1), 0);
out:
	rng_close(&f);
}
