// SPDX-License-Identifier: MIT
/*
 * virtio-net with one queue pair, virtio specification v1.2 section 5.1: transmitq
 * buffers lose their virtio_net_hdr and go to the network backend as frames (5.1.6.2);
 * backend frames go into receiveq buffers behind a zeroed header (5.1.6.3, 5.1.6.4),
 * through a bounded backlog while no buffer is posted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/net.h"

#define NET_QUEUE_SIZE 256

struct backlog_frame {
	uint32_t len;
	uint8_t *data;
};

struct vccw_net {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	struct vccw_be_net *be;
	uint8_t mac[6];
	uint16_t mtu;
	uint16_t queue_size;
	bool link_up;
	struct vccw_net_stats stats;
	struct vccw_vq_elem *elem;
	/* Transmit: the frame's segments after the header. */
	struct iovec tx_iov[VCCW_VQ_MAX_SEGS];
	/* Receive: frames waiting for buffers, oldest at backlog[head]. */
	struct backlog_frame backlog[VCCW_NET_RX_BACKLOG];
	unsigned int head, count;
	uint8_t frame[VCCW_BE_NET_MAX_FRAME];
};

static struct vccw_net *to_net(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct vccw_net, vdev);
}

static bool running(const struct vccw_virtio_dev *vdev)
{
	return (vdev->status & VCCW_VIRTIO_S_DRIVER_OK) &&
	       !(vdev->status & VCCW_VIRTIO_S_NEEDS_RESET);
}

/* 5.1.6: num_buffers is part of the header with VERSION_1 (or MRG_RXBUF, not offered). */
static uint32_t hdr_len(const struct vccw_virtio_dev *vdev)
{
	return vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_VERSION_1) ||
			       vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_MRG_RXBUF)
		       ? VCCW_VIRTIO_NET_HDR_LEN
		       : VCCW_VIRTIO_NET_HDR_LEN_LEGACY;
}

static uint64_t net_get_features(struct vccw_virtio_dev *vdev)
{
	uint64_t f = VCCW_BIT(VCCW_VIRTIO_NET_F_MAC) | VCCW_BIT(VCCW_VIRTIO_NET_F_STATUS) |
		     VCCW_BIT(VCCW_VIRTIO_F_ANY_LAYOUT);

	if (to_net(vdev)->mtu)
		f |= VCCW_BIT(VCCW_VIRTIO_NET_F_MTU);
	return f;
}

static uint32_t net_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_VIRTIO_NET_CFG_SIZE;
}

static void net_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			    uint32_t len)
{
	struct vccw_net *net = to_net(vdev);
	uint8_t cfg[VCCW_VIRTIO_NET_CFG_SIZE] = { 0 };

	memcpy(cfg + VCCW_VIRTIO_NET_CFG_MAC, net->mac, sizeof(net->mac));
	/* 5.1.4.3: status and max_virtqueue_pairs are guest-endian for legacy drivers. */
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_NET_CFG_STATUS,
			     net->link_up ? VCCW_VIRTIO_NET_S_LINK_UP : 0);
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
	vccw_virtio_cfg_st16(vdev, cfg + VCCW_VIRTIO_NET_CFG_MTU, net->mtu);
	memcpy(buf, cfg + off, len);
}

static void net_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			     uint32_t len)
{
	struct vccw_net *net = to_net(vdev);
	uint32_t end = off + len, i;

	/*
	 * 5.1.4.2: the driver must not write configuration fields; 5.1.4.3: a legacy
	 * driver may write mac to change the address. Bytes outside mac are ignored.
	 */
	if (vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_VERSION_1))
		return;
	for (i = off; i < end && i < VCCW_VIRTIO_NET_CFG_MAC + 6; i++)
		net->mac[i - VCCW_VIRTIO_NET_CFG_MAC] = buf[i - off];
}

static uint16_t net_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	return idx <= VCCW_NET_TX_QUEUE ? to_net(vdev)->queue_size : 0;
}

static void transmit(struct vccw_net *net)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct vccw_vq_elem *elem = net->elem;
	uint32_t hlen = hdr_len(vdev);
	unsigned int i, n;
	uint64_t skip;

	while (vccw_virtio_pop(vdev, VCCW_NET_TX_QUEUE, elem) == 1) {
		/*
		 * 5.1.6.2: header then frame, device-readable. A buffer shorter than the
		 * header is a driver bug the device cannot make sense of: QEMU's
		 * virtio_net_flush_tx() declares the device broken ("virtio-net header
		 * incorrect"); so does this one (2.1.2, NEEDS_RESET).
		 */
		if (elem->out_len < hlen) {
			vccw_virtio_push(vdev, VCCW_NET_TX_QUEUE, elem, 0);
			vccw_virtio_needs_reset(vdev);
			return;
		}
		/* The header is all we would read: no offloads were negotiated (5.1.6.2.2). */
		skip = hlen;
		for (i = 0, n = 0; i < elem->out_num; i++) {
			if (skip >= elem->out[i].iov_len) {
				skip -= elem->out[i].iov_len;
				continue;
			}
			net->tx_iov[n].iov_base = (uint8_t *)elem->out[i].iov_base + skip;
			net->tx_iov[n].iov_len = elem->out[i].iov_len - skip;
			skip = 0;
			n++;
		}
		if (elem->out_len == hlen) {
			/* No frame after the header: nothing goes on the wire. */
		} else if (!net->link_up || elem->out_len - hlen > VCCW_BE_NET_MAX_FRAME ||
			   vccw_be_net_send(net->be, net->tx_iov, n) < 0) {
			net->stats.tx_dropped++;
		} else {
			net->stats.tx_frames++;
		}
		/* 5.1.6.1: nothing is written into transmit buffers; used length 0. */
		vccw_virtio_push(vdev, VCCW_NET_TX_QUEUE, elem, 0);
	}
}

/* Copy @len bytes of @src into @iov at byte @off; returns the bytes copied. */
static size_t copy_to_iov(const struct iovec *iov, unsigned int n, size_t off, const void *src,
			  size_t len)
{
	const uint8_t *p = src;
	size_t done = 0, k;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > len - done)
			k = len - done;
		memcpy((uint8_t *)iov[i].iov_base + off, p + done, k);
		done += k;
		off = 0;
	}
	return done;
}

/*
 * Put one frame into the next receive buffer. Returns false when there is no buffer
 * (the frame is still the caller's); true when the frame was delivered or dropped.
 */
static bool deliver(struct vccw_net *net, const uint8_t *frame, uint32_t len)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct vccw_vq_elem *elem = net->elem;
	uint8_t hdr[VCCW_VIRTIO_NET_HDR_LEN] = { 0 };
	uint32_t hlen = hdr_len(vdev);

	if (!running(vdev) || vccw_virtio_pop(vdev, VCCW_NET_RX_QUEUE, elem) != 1)
		return false;
	if (elem->in_len < (uint64_t)hlen + len) {
		/*
		 * 5.1.6.3.2: without MRG_RXBUF a frame takes exactly one buffer, and this
		 * one cannot hold it. Drop the frame and hand the buffer back empty: used
		 * length 0 is shorter than any header, which drivers count as a length
		 * error and repost.
		 */
		net->stats.rx_dropped++;
		vccw_virtio_push(vdev, VCCW_NET_RX_QUEUE, elem, 0);
		return true;
	}
	/*
	 * 5.1.6.4: flags 0 (no GUEST_CSUM), gso_type NONE, and num_buffers 1 when the
	 * header has it (5.1.6.3.2), in the negotiated byte order (5.1.6.1 for legacy).
	 */
	if (hlen == VCCW_VIRTIO_NET_HDR_LEN)
		vccw_virtio_st16(vdev, hdr + VCCW_VIRTIO_NET_HDR_LEN_LEGACY, 1);
	copy_to_iov(elem->in, elem->in_num, 0, hdr, hlen);
	copy_to_iov(elem->in, elem->in_num, hlen, frame, len);
	net->stats.rx_frames++;
	vccw_virtio_push(vdev, VCCW_NET_RX_QUEUE, elem, hlen + len);
	return true;
}

static void backlog_drop_all(struct vccw_net *net)
{
	while (net->count) {
		free(net->backlog[net->head].data);
		net->head = (net->head + 1) % VCCW_NET_RX_BACKLOG;
		net->count--;
	}
	net->head = 0;
}

/* Keep a copy of @frame for later; drops it when the backlog is full. */
static void backlog_add(struct vccw_net *net, const uint8_t *frame, uint32_t len)
{
	struct backlog_frame *f;
	uint8_t *copy;

	if (net->count == VCCW_NET_RX_BACKLOG || !(copy = malloc(len))) {
		net->stats.rx_dropped++;
		return;
	}
	memcpy(copy, frame, len);
	f = &net->backlog[(net->head + net->count) % VCCW_NET_RX_BACKLOG];
	f->data = copy;
	f->len = len;
	net->count++;
}

/*
 * Move frames towards the driver: the backlog first, in order, then whatever the
 * backend has, until it has nothing more. The backend is always drained (its fd is
 * watched level-triggered), so frames beyond the backlog are dropped here.
 */
static void pump_rx(struct vccw_net *net)
{
	struct backlog_frame *f;
	ssize_t n;

	while (net->count) {
		f = &net->backlog[net->head];
		if (!deliver(net, f->data, f->len))
			break;
		free(f->data);
		net->head = (net->head + 1) % VCCW_NET_RX_BACKLOG;
		net->count--;
	}
	for (;;) {
		n = vccw_be_net_recv(net->be, net->frame, sizeof(net->frame));
		if (n == -EMSGSIZE) {
			net->stats.rx_dropped++;
			continue;
		}
		if (n <= 0)
			break;
		if (!net->link_up)
			net->stats.rx_dropped++;
		else if (net->count || !deliver(net, net->frame, (uint32_t)n))
			backlog_add(net, net->frame, (uint32_t)n);
	}
}

static void net_rx_ready(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	(void)vdev;
	(void)fd;
	pump_rx(arg);
}

static void net_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_net *net = to_net(vdev);

	if (idx == VCCW_NET_TX_QUEUE)
		transmit(net);
	else if (idx == VCCW_NET_RX_QUEUE)
		pump_rx(net);
}

static void net_start(struct vccw_virtio_dev *vdev)
{
	/* Frames that arrived before DRIVER_OK wait for the first receive buffers. */
	pump_rx(to_net(vdev));
}

static void net_reset(struct vccw_virtio_dev *vdev)
{
	/* Frames received for the old driver instance are stale for the next one. */
	backlog_drop_all(to_net(vdev));
}

static const struct vccw_virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VCCW_VIRTIO_ID_NET,
	.get_features = net_get_features,
	.config_size = net_config_size,
	.read_config = net_read_config,
	.write_config = net_write_config,
	.queue_max = net_queue_max,
	.queue_notify = net_queue_notify,
	.start = net_start,
	.reset = net_reset,
};

struct vccw_net *vccw_net_new(struct vccw_mem *mem, const struct vccw_net_config *cfg,
			      uint64_t extra_features, struct vccw_err *err)
{
	static const uint8_t zero_mac[6], default_mac[6] = VCCW_NET_DEFAULT_MAC;
	struct vccw_net *net;
	uint16_t qsize;
	int fd, rc;

	if (!cfg || !cfg->backend) {
		vccw_err_set(err, EINVAL, "virtio-net: no network backend");
		return NULL;
	}
	qsize = cfg->queue_size ? cfg->queue_size : NET_QUEUE_SIZE;
	if (qsize > VCCW_VQ_MAX_SIZE || (qsize & (qsize - 1))) {
		vccw_err_set(err, EINVAL, "virtio-net: queue size %u is not a power of 2 up to %u",
			     qsize, VCCW_VQ_MAX_SIZE);
		return NULL;
	}
	/* 5.1.4.1: an offered mtu lies in 68..65535. */
	if (cfg->mtu && cfg->mtu < 68) {
		vccw_err_set(err, EINVAL, "virtio-net: mtu %u is below 68", cfg->mtu);
		return NULL;
	}
	if (cfg->mac[0] & 1) {
		vccw_err_set(err, EINVAL,
			     "virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x is multicast", cfg->mac[0],
			     cfg->mac[1], cfg->mac[2], cfg->mac[3], cfg->mac[4], cfg->mac[5]);
		return NULL;
	}
	net = calloc(1, sizeof(*net));
	if (!net) {
		vccw_err_set(err, ENOMEM, "virtio-net: out of memory");
		return NULL;
	}
	net->be = cfg->backend;
	memcpy(net->mac, memcmp(cfg->mac, zero_mac, 6) ? cfg->mac : default_mac, 6);
	net->mtu = cfg->mtu;
	net->queue_size = qsize;
	net->link_up = true;
	net->elem = malloc(sizeof(*net->elem));
	if (!net->elem) {
		vccw_err_set(err, ENOMEM, "virtio-net: out of memory");
		goto err_free;
	}
	if (vccw_virtio_dev_init(&net->vdev, &net_ops, mem, extra_features, err))
		goto err_free_elem;
	fd = vccw_be_net_rx_fd(net->be);
	if (fd >= 0) {
		rc = vccw_virtio_dev_watch_fd(&net->vdev, fd, net_rx_ready, net);
		if (rc) {
			vccw_err_set(err, -rc, "virtio-net: cannot watch the backend: %s",
				     strerror(-rc));
			goto err_fini;
		}
	}
	return net;

err_fini:
	vccw_virtio_dev_fini(&net->vdev);
err_free_elem:
	free(net->elem);
err_free:
	free(net);
	return NULL;
}

struct vccw_virtio_dev *vccw_net_vdev(struct vccw_net *net)
{
	return &net->vdev;
}

void vccw_net_set_link(struct vccw_net *net, bool up)
{
	struct vccw_virtio_dev *vdev = &net->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (net->link_up != up) {
		net->link_up = up;
		if (vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_STATUS) && running(vdev))
			vccw_virtio_config_changed(vdev);
	}
	pthread_mutex_unlock(&vdev->lock);
}

void vccw_net_get_stats(struct vccw_net *net, struct vccw_net_stats *stats)
{
	pthread_mutex_lock(&net->vdev.lock);
	*stats = net->stats;
	pthread_mutex_unlock(&net->vdev.lock);
}

void vccw_net_free(struct vccw_net *net)
{
	if (!net)
		return;
	vccw_virtio_dev_fini(&net->vdev);
	backlog_drop_all(net);
	free(net->elem);
	free(net);
}
