// SPDX-License-Identifier: MIT
/*
 * virtio-net with one queue pair and a control queue, virtio specification v1.2 section
 * 5.1: transmitq buffers lose their virtio_net_hdr and go to the network backend as
 * frames (5.1.6.2); backend frames pass the receive filter and go into one receiveq
 * buffer, or with MRG_RXBUF as many as they need, behind a zeroed header (5.1.6.3,
 * 5.1.6.4), through a bounded backlog while too few buffers are posted; controlq
 * commands set the filter and acknowledge announcements (5.1.6.5).
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

/* Receive modes, as bits 1 << VCCW_VIRTIO_NET_CTRL_RX_*. */
#define RX_MODE(cmd) (1u << (cmd))

struct mac_table {
	unsigned int in_use;      /* entries */
	unsigned int first_multi; /* entries before it are unicast */
	bool uni_overflow, multi_overflow;
	uint8_t macs[VCCW_NET_MAC_TABLE_ENTRIES][6];
};

struct vccw_net {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	struct vccw_be_net *be;
	uint8_t conf_mac[6]; /* the configured MAC, restored at reset */
	uint8_t mac[6];      /* the current one (config space, filter) */
	unsigned int rx_modes;
	struct mac_table table;
	bool announce;       /* VIRTIO_NET_S_ANNOUNCE */
	uint16_t mtu;
	uint16_t queue_size;
	bool link_up;
	struct vccw_net_stats stats;
	struct vccw_vq_elem *elem;
	/* Transmit: the frame's segments after the header. */
	struct iovec tx_iov[VCCW_VQ_MAX_SEGS];
	/* Receive with MRG_RXBUF: the buffers of one frame, and where its header is. */
	struct vccw_vq_used rx_used[VCCW_VQ_MAX_SIZE];
	struct iovec hdr_iov[VCCW_VIRTIO_NET_HDR_LEN];
	unsigned int hdr_iov_n;
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

/* 5.1.3.1: the features offered here that require CTRL_VQ. */
#define CTRL_VQ_FEATURES                                                                           \
	(VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX) | VCCW_BIT(VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE) |        \
	 VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_MAC_ADDR))

static uint64_t net_get_features(struct vccw_virtio_dev *vdev)
{
	uint64_t f = VCCW_BIT(VCCW_VIRTIO_NET_F_MAC) | VCCW_BIT(VCCW_VIRTIO_NET_F_STATUS) |
		     VCCW_BIT(VCCW_VIRTIO_NET_F_MRG_RXBUF) | VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_VQ) |
		     CTRL_VQ_FEATURES | VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_RX_EXTRA) |
		     VCCW_BIT(VCCW_VIRTIO_F_ANY_LAYOUT);

	if (to_net(vdev)->mtu)
		f |= VCCW_BIT(VCCW_VIRTIO_NET_F_MTU);
	return f;
}

static bool net_validate_features(struct vccw_virtio_dev *vdev, uint64_t features)
{
	(void)vdev;
	/* 5.1.3.1: these require CTRL_VQ; 3.1.1 lets the device refuse FEATURES_OK. */
	return (features & VCCW_BIT(VCCW_VIRTIO_NET_F_CTRL_VQ)) || !(features & CTRL_VQ_FEATURES);
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
			     (net->link_up ? VCCW_VIRTIO_NET_S_LINK_UP : 0) |
				     (net->announce ? VCCW_VIRTIO_NET_S_ANNOUNCE : 0));
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
	if (idx == VCCW_NET_CTRL_QUEUE)
		return VCCW_NET_CTRL_QUEUE_SIZE;
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

/* The first @len bytes of @iov into @dst (the caller checked there are that many). */
static void copy_from_iov(const struct iovec *iov, unsigned int n, void *dst, size_t len)
{
	size_t done = 0, k;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		memcpy((uint8_t *)dst + done, iov[i].iov_base, k);
		done += k;
	}
}

/* Bytes [@off, @off + @len) of header @hdr (@hlen bytes) followed by @frame, into @iov. */
static void copy_hdr_frame(const struct iovec *iov, unsigned int n, const uint8_t *hdr,
			   uint32_t hlen, const uint8_t *frame, uint64_t off, uint64_t len)
{
	size_t done = 0, k;

	if (off < hlen) {
		k = hlen - off < len ? (size_t)(hlen - off) : (size_t)len;
		done = copy_to_iov(iov, n, 0, hdr + off, k);
		off = hlen;
	}
	if (done < len)
		copy_to_iov(iov, n, done, frame + (off - hlen), (size_t)(len - done));
}

/* Remember where the header of the first buffer is, to write num_buffers at the end. */
static void keep_hdr_iov(struct vccw_net *net, const struct vccw_vq_elem *elem, uint32_t hlen)
{
	uint64_t left = hlen;
	unsigned int i;

	net->hdr_iov_n = 0;
	for (i = 0; i < elem->in_num && left; i++) {
		size_t take = elem->in[i].iov_len < left ? elem->in[i].iov_len : (size_t)left;

		if (!take)
			continue;
		net->hdr_iov[net->hdr_iov_n].iov_base = elem->in[i].iov_base;
		net->hdr_iov[net->hdr_iov_n].iov_len = take;
		net->hdr_iov_n++;
		left -= take;
	}
}

/*
 * A buffer the frame cannot start in: without MRG_RXBUF one too small for header and
 * frame, with it one too small for the header. Drop the frame and hand the buffer back
 * empty: used length 0 is shorter than any header, which drivers count as a length
 * error and repost (5.1.6.3.2 leaves the device no other way to say it).
 */
static void drop_into(struct vccw_net *net, const struct vccw_vq_elem *elem)
{
	net->stats.rx_dropped++;
	vccw_virtio_push(&net->vdev, VCCW_NET_RX_QUEUE, elem, 0);
}

/* A receive buffer the device cannot write into: QEMU's virtio_error(), NEEDS_RESET. */
static bool no_in_part(struct vccw_net *net, const struct vccw_vq_elem *elem)
{
	if (elem->in_num)
		return false;
	vccw_virtio_push(&net->vdev, VCCW_NET_RX_QUEUE, elem, 0);
	vccw_virtio_needs_reset(&net->vdev);
	return true;
}

/* MRG_RXBUF: spread the frame over as many buffers as it takes (5.1.6.4). */
static bool deliver_merged(struct vccw_net *net, const uint8_t *frame, uint32_t len)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct vccw_vq_elem *elem = net->elem;
	uint8_t hdr[VCCW_VIRTIO_NET_HDR_LEN] = { 0 }, nb[2];
	uint64_t total = VCCW_VIRTIO_NET_HDR_LEN + (uint64_t)len, off = 0, take;
	uint16_t qsize = vccw_virtio_queue_size(vdev, VCCW_NET_RX_QUEUE);
	bool packed = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_RING_PACKED);
	unsigned int n = 0, slots = 0;
	int rc;

	while (off < total) {
		rc = vccw_virtio_pop(vdev, VCCW_NET_RX_QUEUE, elem);
		if (rc < 0)
			return true; /* a broken ring: NEEDS_RESET is set, the frame is lost */
		if (rc == 0) {
			/*
			 * Too few buffers: give them back and wait for more, unless the
			 * driver cannot post more than these (the ring is full): then the
			 * frame never fits and is dropped.
			 */
			bool full = qsize && slots >= qsize;

			while (n) {
				n--;
				vccw_virtio_unpop(vdev, VCCW_NET_RX_QUEUE, net->rx_used[n].ndescs);
			}
			if (full)
				net->stats.rx_dropped++;
			return full;
		}
		slots += packed ? (elem->ndescs ? elem->ndescs : 1u) : 1u;
		if (no_in_part(net, elem)) {
			/* The buffers before it were never used: the device is broken now. */
			return true;
		}
		/* Cannot happen (a ring holds at most VCCW_VQ_MAX_SIZE); keeps rx_used safe. */
		if (n == VCCW_ARRAY_SIZE(net->rx_used)) {
			vccw_virtio_needs_reset(vdev);
			return true;
		}
		if (n == 0 && elem->in_len < VCCW_VIRTIO_NET_HDR_LEN) {
			drop_into(net, elem);
			return true;
		}
		if (n == 0)
			keep_hdr_iov(net, elem, VCCW_VIRTIO_NET_HDR_LEN);
		/* Every buffer but the last is used completely (5.1.6.4). */
		take = total - off < elem->in_len ? total - off : elem->in_len;
		copy_hdr_frame(elem->in, elem->in_num, hdr, VCCW_VIRTIO_NET_HDR_LEN, frame, off,
			       take);
		net->rx_used[n] = (struct vccw_vq_used){ .id = elem->id, .ndescs = elem->ndescs,
							 .len = (uint32_t)take, .has_in = true };
		n++;
		off += take;
	}
	/* 5.1.6.4: num_buffers is the count of buffers the packet is spread over. */
	vccw_virtio_st16(vdev, nb, (uint16_t)n);
	copy_to_iov(net->hdr_iov, net->hdr_iov_n, VCCW_VIRTIO_NET_HDR_LEN_LEGACY, nb, 2);
	net->stats.rx_frames++;
	vccw_virtio_push_many(vdev, VCCW_NET_RX_QUEUE, net->rx_used, n);
	return true;
}

/*
 * Put one frame into the next receive buffer(s). Returns false when there are too few
 * buffers (the frame is still the caller's); true when the frame was delivered or
 * dropped.
 */
static bool deliver(struct vccw_net *net, const uint8_t *frame, uint32_t len)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct vccw_vq_elem *elem = net->elem;
	uint8_t hdr[VCCW_VIRTIO_NET_HDR_LEN] = { 0 };
	uint32_t hlen = hdr_len(vdev);

	if (!running(vdev))
		return false;
	if (vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_MRG_RXBUF))
		return deliver_merged(net, frame, len);
	if (vccw_virtio_pop(vdev, VCCW_NET_RX_QUEUE, elem) != 1)
		return false;
	if (no_in_part(net, elem))
		return true;
	if (elem->in_len < (uint64_t)hlen + len) {
		/* 5.1.6.3.2: without MRG_RXBUF a frame takes exactly one buffer. */
		drop_into(net, elem);
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

/* ---- receive filter (5.1.6.5.1, 5.1.6.5.2; QEMU's receive_filter()) ---- */

static bool table_has(const struct mac_table *t, unsigned int from, unsigned int to,
		      const uint8_t *dst)
{
	unsigned int i;

	for (i = from; i < to; i++)
		if (!memcmp(t->macs[i], dst, 6))
			return true;
	return false;
}

/* Whether the driver wants a frame with this destination. */
static bool frame_wanted(const struct vccw_net *net, const uint8_t *frame, uint32_t len)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct mac_table *t = &net->table;
	unsigned int m = net->rx_modes;

	if (m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_PROMISC))
		return true;
	if (len < 6)
		return false; /* no destination address to match */
	if (frame[0] & 1) {
		/* The group bit: broadcast is a multicast address of its own. */
		if (!memcmp(frame, bcast, 6))
			return !(m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_NOBCAST));
		if (m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_NOMULTI))
			return false;
		if ((m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_ALLMULTI)) || t->multi_overflow)
			return true;
		return table_has(t, t->first_multi, t->in_use, frame);
	}
	if (m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_NOUNI))
		return false;
	if ((m & RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_ALLUNI)) || t->uni_overflow)
		return true;
	if (!memcmp(frame, net->mac, 6))
		return true;
	return table_has(t, 0, t->first_multi, frame);
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
		else if (!frame_wanted(net, net->frame, (uint32_t)n))
			net->stats.rx_filtered++;
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

/* ---- control queue (5.1.6.5) ---- */

/* Bytes of the command data (after class and command) at @off; returns the count. */
static size_t ctrl_data(const struct vccw_vq_elem *e, uint64_t off, void *buf, size_t len)
{
	uint64_t at = 2 + off;
	size_t done = 0, k;
	unsigned int i;

	for (i = 0; i < e->out_num && done < len; i++) {
		if (at >= e->out[i].iov_len) {
			at -= e->out[i].iov_len;
			continue;
		}
		k = e->out[i].iov_len - at;
		if (k > len - done)
			k = len - done;
		memcpy((uint8_t *)buf + done, (uint8_t *)e->out[i].iov_base + at, k);
		done += k;
		at = 0;
	}
	return done;
}

static uint8_t ctrl_rx(struct vccw_net *net, const struct vccw_vq_elem *e, uint8_t cmd)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	uint8_t on;

	if (cmd <= VCCW_VIRTIO_NET_CTRL_RX_ALLMULTI) {
		if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_CTRL_RX))
			return VCCW_VIRTIO_NET_ERR;
	} else if (cmd <= VCCW_VIRTIO_NET_CTRL_RX_NOBCAST) {
		if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_CTRL_RX_EXTRA))
			return VCCW_VIRTIO_NET_ERR;
	} else {
		return VCCW_VIRTIO_NET_ERR;
	}
	if (ctrl_data(e, 0, &on, 1) != 1)
		return VCCW_VIRTIO_NET_ERR;
	if (on)
		net->rx_modes |= RX_MODE(cmd);
	else
		net->rx_modes &= ~RX_MODE(cmd);
	return VCCW_VIRTIO_NET_OK;
}

/*
 * One table of TABLE_SET at data offset *@off: a 32-bit count in the negotiated byte
 * order, then that many addresses. Entries beyond the table's room set @overflow
 * instead (5.1.6.5.2 footnote: the device may then receive all of that kind).
 */
static bool parse_mac_list(struct vccw_net *net, const struct vccw_vq_elem *e, uint64_t *off,
			   struct mac_table *t, bool *overflow)
{
	uint64_t data_len = e->out_len - 2, count;
	uint8_t raw[4];
	unsigned int i;

	if (ctrl_data(e, *off, raw, 4) != 4)
		return false;
	count = vccw_virtio_ld32(&net->vdev, raw);
	*off += 4;
	if (count > (data_len - *off) / 6)
		return false;
	if (t->in_use + count <= VCCW_NET_MAC_TABLE_ENTRIES) {
		for (i = 0; i < count; i++)
			ctrl_data(e, *off + 6u * i, t->macs[t->in_use + i], 6);
		t->in_use += (unsigned int)count;
	} else {
		*overflow = true;
	}
	*off += 6 * count;
	return true;
}

static uint8_t ctrl_mac(struct vccw_net *net, const struct vccw_vq_elem *e, uint8_t cmd)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct mac_table t = { 0 };
	uint64_t off = 0;
	uint8_t mac[6];

	switch (cmd) {
	case VCCW_VIRTIO_NET_CTRL_MAC_TABLE_SET:
		if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_CTRL_RX))
			return VCCW_VIRTIO_NET_ERR;
		/* Unicast, then multicast; the table changes only when both parse. */
		if (!parse_mac_list(net, e, &off, &t, &t.uni_overflow))
			return VCCW_VIRTIO_NET_ERR;
		t.first_multi = t.in_use;
		if (!parse_mac_list(net, e, &off, &t, &t.multi_overflow))
			return VCCW_VIRTIO_NET_ERR;
		/* 5.1.6.5.2: updated before the command is used. */
		net->table = t;
		return VCCW_VIRTIO_NET_OK;
	case VCCW_VIRTIO_NET_CTRL_MAC_ADDR_SET:
		if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_CTRL_MAC_ADDR) ||
		    e->out_len - 2 != sizeof(mac) || ctrl_data(e, 0, mac, 6) != 6)
			return VCCW_VIRTIO_NET_ERR;
		/* 5.1.6.5.2: mac in config space changes before the command is used. */
		memcpy(net->mac, mac, 6);
		return VCCW_VIRTIO_NET_OK;
	default:
		return VCCW_VIRTIO_NET_ERR;
	}
}

static uint8_t ctrl_announce(struct vccw_net *net, uint8_t cmd)
{
	/* 5.1.6.5.4: cleared before the buffer is used; ERR without a pending request. */
	if (!vccw_virtio_has_feature(&net->vdev, VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE) ||
	    cmd != VCCW_VIRTIO_NET_CTRL_ANNOUNCE_ACK || !net->announce)
		return VCCW_VIRTIO_NET_ERR;
	net->announce = false;
	return VCCW_VIRTIO_NET_OK;
}

static void control(struct vccw_net *net)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	struct vccw_vq_elem *elem = net->elem;
	uint8_t hdr[2], ack;

	if (!vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_CTRL_VQ))
		return;
	while (vccw_virtio_pop(vdev, VCCW_NET_CTRL_QUEUE, elem) == 1) {
		/* class and command readable, the ack writable: else QEMU's virtio_error(). */
		if (elem->out_len < 2 || elem->in_len < 1) {
			vccw_virtio_push(vdev, VCCW_NET_CTRL_QUEUE, elem, 0);
			vccw_virtio_needs_reset(vdev);
			return;
		}
		copy_from_iov(elem->out, elem->out_num, hdr, 2);
		switch (hdr[0]) {
		case VCCW_VIRTIO_NET_CTRL_RX:
			ack = ctrl_rx(net, elem, hdr[1]);
			break;
		case VCCW_VIRTIO_NET_CTRL_MAC:
			ack = ctrl_mac(net, elem, hdr[1]);
			break;
		case VCCW_VIRTIO_NET_CTRL_ANNOUNCE:
			ack = ctrl_announce(net, hdr[1]);
			break;
		default:
			ack = VCCW_VIRTIO_NET_ERR;
			break;
		}
		copy_to_iov(elem->in, elem->in_num, 0, &ack, 1);
		vccw_virtio_push(vdev, VCCW_NET_CTRL_QUEUE, elem, 1);
	}
}

static void net_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_net *net = to_net(vdev);

	if (idx == VCCW_NET_TX_QUEUE)
		transmit(net);
	else if (idx == VCCW_NET_RX_QUEUE)
		pump_rx(net);
	else if (idx == VCCW_NET_CTRL_QUEUE)
		control(net);
}

static void net_start(struct vccw_virtio_dev *vdev)
{
	/* Frames that arrived before DRIVER_OK wait for the first receive buffers. */
	pump_rx(to_net(vdev));
}

/* The state after reset (QEMU's virtio_net_reset()): promiscuous, empty table. */
static void filter_reset(struct vccw_net *net)
{
	memcpy(net->mac, net->conf_mac, 6);
	net->rx_modes = RX_MODE(VCCW_VIRTIO_NET_CTRL_RX_PROMISC);
	memset(&net->table, 0, sizeof(net->table));
	net->announce = false;
}

static void net_reset(struct vccw_virtio_dev *vdev)
{
	struct vccw_net *net = to_net(vdev);

	/* Frames received for the old driver instance are stale for the next one. */
	backlog_drop_all(net);
	filter_reset(net);
}

static const struct vccw_virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VCCW_VIRTIO_ID_NET,
	.get_features = net_get_features,
	.config_size = net_config_size,
	.read_config = net_read_config,
	.write_config = net_write_config,
	.validate_features = net_validate_features,
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
	memcpy(net->conf_mac, memcmp(cfg->mac, zero_mac, 6) ? cfg->mac : default_mac, 6);
	filter_reset(net);
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

bool vccw_net_announce(struct vccw_net *net)
{
	struct vccw_virtio_dev *vdev = &net->vdev;
	bool done = false;

	pthread_mutex_lock(&vdev->lock);
	if (vccw_virtio_has_feature(vdev, VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE) && running(vdev)) {
		net->announce = true;
		vccw_virtio_config_changed(vdev);
		done = true;
	}
	pthread_mutex_unlock(&vdev->lock);
	return done;
}

void vccw_net_get_filter(struct vccw_net *net, uint8_t mac[6], unsigned int *rx_modes)
{
	pthread_mutex_lock(&net->vdev.lock);
	memcpy(mac, net->mac, 6);
	*rx_modes = net->rx_modes;
	pthread_mutex_unlock(&net->vdev.lock);
}

void vccw_net_get_stats(struct vccw_net *net, struct vccw_net_stats *stats)
{
	pthread_mutex_lock(&net->vdev.lock);
	*stats = net->stats;
	stats->rx_backlog = net->count;
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
