// SPDX-License-Identifier: MIT
/*
 * virtio-balloon, the traditional memory balloon of virtio specification v1.2 section
 * 5.5: inflateq PFN arrays release guest pages to the host (vccw_mem_discard()),
 * deflateq buffers are acknowledged, num_pages is the host's target and actual the
 * driver's report, both little-endian in configuration space (5.5.4); with STATS_VQ
 * the device holds the driver's stats buffer and uses it to ask for fresh statistics
 * (5.5.6.3), on request or every polling interval (a timerfd on the I/O thread).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vccw/balloon.h"
#include "vccw/byteorder.h"

#define BALLOON_QUEUE_SIZE 128
#define BALLOON_PAGE_SIZE (UINT64_C(1) << VCCW_BALLOON_PFN_SHIFT)

struct vccw_balloon {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	uint16_t queue_size;
	uint32_t num_pages;  /* target, set by the host */
	uint32_t actual;     /* reported by the driver */
	uint8_t actual_wr[4]; /* actual as written so far, little-endian */
	uint64_t discarded;
	struct vccw_vq_elem *elem;
	/* Statistics (5.5.6.3). */
	/*
	 * The stats buffer held while stats_held: kept only for its id to use it later;
	 * its mapped segments are read once, when it arrives, and never again.
	 */
	struct vccw_vq_elem *stats_elem;
	bool stats_held;
	bool stats_first;                /* the next buffer is the first since reset */
	struct vccw_balloon_stats stats;
	uint32_t stats_interval;         /* seconds; 0: no polling */
	int timer_fd;
};

static struct vccw_balloon *to_balloon(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct vccw_balloon, vdev);
}

static bool running(const struct vccw_virtio_dev *vdev)
{
	return (vdev->status & VCCW_VIRTIO_S_DRIVER_OK) &&
	       !(vdev->status & VCCW_VIRTIO_S_NEEDS_RESET);
}

static uint64_t balloon_get_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	/* QEMU's virtio_balloon_get_features() always offers the stats queue. */
	return VCCW_BIT(VCCW_VIRTIO_BALLOON_F_STATS_VQ);
}

static uint32_t balloon_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_VIRTIO_BALLOON_CFG_SIZE;
}

static void balloon_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
				uint32_t len)
{
	struct vccw_balloon *b = to_balloon(vdev);
	uint8_t cfg[VCCW_VIRTIO_BALLOON_CFG_SIZE];

	/* 5.5.4: le32 for every driver, legacy included (not the negotiated order). */
	vccw_st_le32(cfg + VCCW_VIRTIO_BALLOON_CFG_NUM_PAGES, b->num_pages);
	vccw_st_le32(cfg + VCCW_VIRTIO_BALLOON_CFG_ACTUAL, b->actual);
	memcpy(buf, cfg + off, len);
}

static void balloon_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
				 uint32_t len)
{
	struct vccw_balloon *b = to_balloon(vdev);
	const uint32_t at = VCCW_VIRTIO_BALLOON_CFG_ACTUAL;
	uint32_t i;

	/* num_pages belongs to the host: only bytes of actual are taken. */
	for (i = off; i < off + len; i++) {
		if (i < at || i >= at + 4)
			continue;
		b->actual_wr[i - at] = buf[i - off];
		/* 5.5.6.2.1: the value counts once its most significant byte is written. */
		if (i == at + 3)
			b->actual = vccw_ld_le32(b->actual_wr);
	}
}

static uint16_t balloon_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	return idx <= VCCW_BALLOON_STATS_QUEUE ? to_balloon(vdev)->queue_size : 0;
}

static void inflate_pfn(struct vccw_balloon *b, uint32_t pfn)
{
	vccw_gaddr_t gaddr = (vccw_gaddr_t)pfn << VCCW_BALLOON_PFN_SHIFT;

	/*
	 * Outside guest RAM: skipped, as QEMU's virtio_balloon_handle_output() skips
	 * PFNs that are not RAM; 5.5.6.2 sets no requirement and nothing is at stake.
	 */
	if (vccw_mem_discard(b->vdev.mem, gaddr, BALLOON_PAGE_SIZE) == VCCW_MEM_OK)
		b->discarded++;
}

/* Walk the 32-bit PFNs of the readable part of @elem; a trailing partial entry is ignored. */
static void inflate(struct vccw_balloon *b, const struct vccw_vq_elem *elem)
{
	uint8_t entry[4];
	unsigned int i, have = 0;
	size_t k;

	for (i = 0; i < elem->out_num; i++) {
		const uint8_t *p = elem->out[i].iov_base;

		/* Entries may straddle descriptors: gather them byte by byte at the seams. */
		for (k = 0; k < elem->out[i].iov_len; k++) {
			entry[have++] = p[k];
			if (have < 4)
				continue;
			have = 0;
			/* 5.5.6 via the driver's cpu_to_virtio32(): the negotiated byte order. */
			inflate_pfn(b, vccw_virtio_ld32(&b->vdev, entry));
		}
	}
}

static void reset_stats(struct vccw_balloon *b)
{
	unsigned int i;

	for (i = 0; i < VCCW_VIRTIO_BALLOON_S_NR; i++)
		b->stats.val[i] = VCCW_BALLOON_STAT_NONE;
}

/* Parse the 10-byte entries of the readable part of @elem (5.5.6.3). */
static void parse_stats(struct vccw_balloon *b, const struct vccw_vq_elem *elem)
{
	uint8_t entry[VCCW_VIRTIO_BALLOON_STAT_SIZE];
	unsigned int i, have = 0;
	struct timespec ts;
	uint16_t tag;
	size_t k;

	/* As QEMU: a tag the driver stopped supplying must not keep an old value. */
	reset_stats(b);
	for (i = 0; i < elem->out_num; i++) {
		const uint8_t *p = elem->out[i].iov_base;

		/* Entries may straddle descriptors: gather them byte by byte at the seams. */
		for (k = 0; k < elem->out[i].iov_len; k++) {
			entry[have++] = p[k];
			if (have < sizeof(entry))
				continue;
			have = 0;
			/* 5.5.6.3 (Legacy Interface): the negotiated byte order. */
			tag = vccw_virtio_ld16(&b->vdev, entry);
			/* 5.5.6.3.2: the device must ignore tags it does not recognise. */
			if (tag < VCCW_VIRTIO_BALLOON_S_NR)
				b->stats.val[tag] = vccw_virtio_ld64(&b->vdev, entry + 2);
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	b->stats.last_update = ts.tv_sec;
	b->stats.updates++;
}

/* Take the driver's stats buffer: parse it and keep it for the next request. */
static void receive_stats(struct vccw_balloon *b)
{
	struct vccw_virtio_dev *vdev = &b->vdev;

	if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_BALLOON_F_STATS_VQ))
		return;
	while (vccw_virtio_pop(vdev, VCCW_BALLOON_STATS_QUEUE, b->elem) == 1) {
		/*
		 * 5.5.6.3.1: at most one buffer at a time. One more while we hold one: give
		 * the older back used, as QEMU's virtio_balloon_receive_stats() does.
		 */
		if (b->stats_held)
			vccw_virtio_push(vdev, VCCW_BALLOON_STATS_QUEUE, b->stats_elem, 0);
		/* 5.5.6.3 (Legacy Interface): ignore the values of the first buffer. */
		if (!(vdev->legacy && b->stats_first))
			parse_stats(b, b->elem);
		b->stats_first = false;
		memcpy(b->stats_elem, b->elem, sizeof(*b->elem));
		b->stats_held = true;
	}
}

/* Use the held buffer: the driver answers with fresh statistics (5.5.6.3, step 1). */
static bool request_stats_locked(struct vccw_balloon *b)
{
	if (!b->stats_held || !running(&b->vdev))
		return false;
	b->stats_held = false;
	vccw_virtio_push(&b->vdev, VCCW_BALLOON_STATS_QUEUE, b->stats_elem, 0);
	return true;
}

static void stats_timer(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	uint64_t ticks;

	(void)vdev;
	/* Level-triggered: consume the expirations, then ask. */
	if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		request_stats_locked(arg);
}

static void balloon_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_balloon *b = to_balloon(vdev);
	struct vccw_vq_elem *elem = b->elem;

	if (idx == VCCW_BALLOON_STATS_QUEUE) {
		receive_stats(b);
		return;
	}
	while (vccw_virtio_pop(vdev, idx, elem) == 1) {
		/*
		 * Deflate needs no work without MUST_TELL_HOST (5.5.6). Either way the device
		 * writes nothing: used length 0 (5.5.6.2.1 tells legacy drivers to ignore it).
		 */
		if (idx == VCCW_BALLOON_INFLATE_QUEUE)
			inflate(b, elem);
		vccw_virtio_push(vdev, idx, elem, 0);
	}
}

static void balloon_start(struct vccw_virtio_dev *vdev)
{
	/* A stats buffer made available (and notified) before DRIVER_OK is taken now. */
	receive_stats(to_balloon(vdev));
}

static void balloon_reset(struct vccw_virtio_dev *vdev)
{
	struct vccw_balloon *b = to_balloon(vdev);

	/* A new driver starts with an empty balloon; the host's target stays. */
	b->actual = 0;
	memset(b->actual_wr, 0, sizeof(b->actual_wr));
	/* The rings are gone with the held buffer; the last statistics stay readable. */
	b->stats_held = false;
	b->stats_first = true;
}

static const struct vccw_virtio_dev_ops balloon_ops = {
	.name = "virtio-balloon",
	.device_id = VCCW_VIRTIO_ID_BALLOON,
	.get_features = balloon_get_features,
	.config_size = balloon_config_size,
	.read_config = balloon_read_config,
	.write_config = balloon_write_config,
	.queue_max = balloon_queue_max,
	.queue_notify = balloon_queue_notify,
	.start = balloon_start,
	.reset = balloon_reset,
};

struct vccw_balloon *vccw_balloon_new(struct vccw_mem *mem, const struct vccw_balloon_config *cfg,
				      uint64_t extra_features, struct vccw_err *err)
{
	uint16_t qsize = cfg && cfg->queue_size ? cfg->queue_size : BALLOON_QUEUE_SIZE;
	struct vccw_balloon *b;
	int rc;

	if (qsize > VCCW_VQ_MAX_SIZE || (qsize & (qsize - 1))) {
		vccw_err_set(err, EINVAL,
			     "virtio-balloon: queue size %u is not a power of 2 up to %u", qsize,
			     VCCW_VQ_MAX_SIZE);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		vccw_err_set(err, ENOMEM, "virtio-balloon: out of memory");
		return NULL;
	}
	b->queue_size = qsize;
	b->stats_first = true;
	reset_stats(b);
	b->elem = malloc(sizeof(*b->elem));
	b->stats_elem = malloc(sizeof(*b->stats_elem));
	if (!b->elem || !b->stats_elem) {
		vccw_err_set(err, ENOMEM, "virtio-balloon: out of memory");
		goto err_free_elem;
	}
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timer_fd < 0) {
		rc = -errno;
		vccw_err_set(err, -rc, "virtio-balloon: timerfd: %s", strerror(-rc));
		goto err_free_elem;
	}
	if (vccw_virtio_dev_init(&b->vdev, &balloon_ops, mem, extra_features, err))
		goto err_close_timer;
	rc = vccw_virtio_dev_watch_fd(&b->vdev, b->timer_fd, stats_timer, b);
	if (rc) {
		vccw_err_set(err, -rc, "virtio-balloon: cannot watch the stats timer: %s",
			     strerror(-rc));
		goto err_fini;
	}
	return b;

err_fini:
	vccw_virtio_dev_fini(&b->vdev);
err_close_timer:
	close(b->timer_fd);
err_free_elem:
	free(b->stats_elem);
	free(b->elem);
	free(b);
	return NULL;
}

struct vccw_virtio_dev *vccw_balloon_vdev(struct vccw_balloon *b)
{
	return &b->vdev;
}

void vccw_balloon_set_target(struct vccw_balloon *b, uint32_t pages)
{
	struct vccw_virtio_dev *vdev = &b->vdev;

	pthread_mutex_lock(&vdev->lock);
	b->num_pages = pages;
	/* 5.5.6: the driver examines num_pages on a configuration change notification. */
	if (running(vdev))
		vccw_virtio_config_changed(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

uint32_t vccw_balloon_target(struct vccw_balloon *b)
{
	uint32_t v;

	pthread_mutex_lock(&b->vdev.lock);
	v = b->num_pages;
	pthread_mutex_unlock(&b->vdev.lock);
	return v;
}

uint32_t vccw_balloon_actual(struct vccw_balloon *b)
{
	uint32_t v;

	pthread_mutex_lock(&b->vdev.lock);
	v = b->actual;
	pthread_mutex_unlock(&b->vdev.lock);
	return v;
}

uint64_t vccw_balloon_discarded(struct vccw_balloon *b)
{
	uint64_t v;

	pthread_mutex_lock(&b->vdev.lock);
	v = b->discarded;
	pthread_mutex_unlock(&b->vdev.lock);
	return v;
}

bool vccw_balloon_request_stats(struct vccw_balloon *b)
{
	bool sent;

	pthread_mutex_lock(&b->vdev.lock);
	sent = request_stats_locked(b);
	pthread_mutex_unlock(&b->vdev.lock);
	return sent;
}

int vccw_balloon_set_stats_interval(struct vccw_balloon *b, uint32_t secs)
{
	struct itimerspec its = { .it_value.tv_sec = secs, .it_interval.tv_sec = secs };
	int rc = 0;

	pthread_mutex_lock(&b->vdev.lock);
	/* 0 disarms the timer; otherwise the first request follows one interval later. */
	if (timerfd_settime(b->timer_fd, 0, &its, NULL))
		rc = -errno;
	else
		b->stats_interval = secs;
	pthread_mutex_unlock(&b->vdev.lock);
	return rc;
}

uint32_t vccw_balloon_stats_interval(struct vccw_balloon *b)
{
	uint32_t v;

	pthread_mutex_lock(&b->vdev.lock);
	v = b->stats_interval;
	pthread_mutex_unlock(&b->vdev.lock);
	return v;
}

void vccw_balloon_get_stats(struct vccw_balloon *b, struct vccw_balloon_stats *st)
{
	pthread_mutex_lock(&b->vdev.lock);
	*st = b->stats;
	pthread_mutex_unlock(&b->vdev.lock);
}

void vccw_balloon_free(struct vccw_balloon *b)
{
	if (!b)
		return;
	vccw_virtio_dev_fini(&b->vdev);
	close(b->timer_fd);
	free(b->stats_elem);
	free(b->elem);
	free(b);
}
