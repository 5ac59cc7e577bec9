// SPDX-License-Identifier: MIT
/*
 * virtio-net driver (virtio v1.2 section 5.1) with one queue pair, receiveq 0 and
 * transmitq 1, and the control queue 2 when VIRTIO_NET_F_CTRL_VQ is negotiated (5.1.2).
 * The features taken are those Linux 6.1 takes that this driver uses: MAC, STATUS,
 * MRG_RXBUF, CTRL_VQ, CTRL_RX, GUEST_ANNOUNCE, CTRL_MAC_ADDR (no offloads: the header
 * is all zero on transmit).
 *
 * Every packet carries struct virtio_net_hdr (5.1.6): 12 bytes with VERSION_1 or
 * MRG_RXBUF (num_buffers present), 10 bytes for a legacy device without MRG_RXBUF.
 * Without MRG_RXBUF each receive buffer holds a whole frame, the header in a
 * descriptor of its own (which suits legacy devices without ANY_LAYOUT, 5.1.6.6);
 * with it the buffers are GUEST_NET_MRG_BUF_SIZE bytes, one descriptor each, and a
 * frame spreads over num_buffers of them (5.1.6.4), gathered on receive.
 *
 * After DRIVER_OK the receive filter is set as Linux's virtnet_set_rx_mode() does for
 * an interface without IFF_PROMISC / IFF_ALLMULTI: promiscuous and all-multicast off,
 * an empty unicast list and the all-hosts multicast group in the MAC table.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define RXQ 0
#define TXQ 1
#define CTRLQ 2
#define HDR_MAX 12
#define NUM_BUFFERS_OFF 10
#define BUF_SIZE (HDR_MAX + GUEST_NET_MAX_FRAME)
#define CFG_STATUS 6
#define S_ANNOUNCE 2
#define CTRL_RX 0
#define CTRL_RX_PROMISC 0
#define CTRL_RX_ALLMULTI 1
#define CTRL_MAC 1
#define CTRL_MAC_TABLE_SET 0
#define CTRL_MAC_ADDR_SET 1
#define CTRL_ANNOUNCE 3
#define CTRL_ANNOUNCE_ACK 0
#define CTRL_OK 0
#define CTRL_MAC_MAX 8 /* addresses per table this driver sends */
#define CTRL_BUF_SIZE (2 + 2 * (4 + 6 * CTRL_MAC_MAX) + 1)

static struct guest_drv_table nets;

unsigned int guest_net_count(void)
{
	return nets.n;
}

struct guest_net *guest_net_get(unsigned int i)
{
	return guest_drv_table_get(&nets, i);
}

static int post_rx(struct guest_net *net, uint8_t *buf)
{
	struct guest_vq_seg in[2] = {
		{ buf, net->hdr_len },
		{ buf + HDR_MAX, GUEST_NET_MAX_FRAME },
	};

	/* 5.1.6.3.1: with MRG_RXBUF any layout of at least the header's size will do. */
	if (net->mrg_rxbuf) {
		in[0] = (struct guest_vq_seg){ buf, net->rx_size };
		return guest_vq_add(net->vdev.vqs[RXQ], NULL, 0, in, 1, buf);
	}
	return guest_vq_add(net->vdev.vqs[RXQ], NULL, 0, in, 2, buf);
}

int guest_net_send(struct guest_net *net, const void *frame, size_t len)
{
	struct guest_vq_seg out[2];

	if (!len || len > GUEST_NET_MAX_FRAME)
		return -GUEST_EINVAL;
	/* 5.1.6.2: no checksum or segmentation offload requested; gso_type NONE. */
	guest_memset(net->tx, 0, HDR_MAX);
	guest_memcpy(net->tx + HDR_MAX, frame, len);
	out[0] = (struct guest_vq_seg){ net->tx, net->hdr_len };
	out[1] = (struct guest_vq_seg){ net->tx + HDR_MAX, (uint32_t)len };
	return guest_vq_xfer(net->vdev.vqs[TXQ], out, 2, NULL, 0, NULL, GUEST_VCCW_TIMEOUT_US);
}

/* Give buffers back to the device and tell it. */
static void repost(struct guest_net *net, uint8_t *const *bufs, unsigned int n)
{
	unsigned int i, posted = 0;

	for (i = 0; i < n; i++)
		posted += post_rx(net, bufs[i]) == 0;
	if (posted)
		guest_vq_kick(net->vdev.vqs[RXQ]);
}

/* MRG_RXBUF: the frame starts after the header of @first and goes on in more buffers. */
static int recv_merged(struct guest_net *net, uint8_t *first, uint32_t used, uint8_t *buf,
		       size_t len)
{
	struct guest_vq *vq = net->vdev.vqs[RXQ];
	uint8_t *bufs[GUEST_NET_MRG_BUFS];
	uint16_t num = guest_vccw_ld16(&net->vdev, first + NUM_BUFFERS_OFF);
	size_t got = 0, k;
	unsigned int i;

	bufs[0] = first;
	net->last_num_buffers = num;
	/* 5.1.6.4: num_buffers counts the buffers, at least this one, at most all. */
	if (num < 1 || num > net->nr_rx || used < net->hdr_len) {
		repost(net, bufs, 1);
		return -GUEST_EIO;
	}
	for (i = 0; i < num; i++) {
		uint8_t *b = first;
		uint32_t off = 0;

		if (i) {
			/* All buffers of a packet are used together: no wait needed, but a
			 * short one costs nothing against a device that is slow to publish. */
			b = guest_vq_wait_used(vq, &used, GUEST_VCCW_TIMEOUT_US);
			if (!b) {
				repost(net, bufs, i);
				return guest_vq_error(vq) ? guest_vq_error(vq) : -GUEST_EIO;
			}
			bufs[i] = b;
		} else {
			off = net->hdr_len;
		}
		if (used > net->rx_size)
			used = net->rx_size;
		k = used > off ? used - off : 0;
		if (k > len - got)
			k = len - got;
		guest_memcpy(buf + got, b + off, k);
		got += k;
	}
	repost(net, bufs, num);
	return (int)got;
}

int guest_net_recv(struct guest_net *net, void *buf, size_t len, uint64_t timeout_us)
{
	struct guest_vq *vq = net->vdev.vqs[RXQ];
	uint32_t used = 0, frame;
	uint8_t *b;

	if (net->config_pending && guest_net_config(net) < 0)
		return guest_vq_error(vq) ? guest_vq_error(vq) : -GUEST_EIO;
	b = guest_vq_wait_used(vq, &used, timeout_us);
	if (!b)
		return guest_vq_error(vq);
	if (net->mrg_rxbuf)
		return recv_merged(net, b, used, buf, len);
	net->last_num_buffers = 1;
	/* The used length counts the header too (5.1.6.4). */
	frame = used > net->hdr_len ? used - net->hdr_len : 0;
	if (frame > GUEST_NET_MAX_FRAME)
		frame = GUEST_NET_MAX_FRAME;
	if (frame > len)
		frame = (uint32_t)len;
	guest_memcpy(buf, b + HDR_MAX, frame);
	repost(net, &b, 1);
	return (int)frame;
}

/* ---- control queue (5.1.6.5) ---- */

/* class, command, @len bytes of data, then the ack byte the device writes. */
static int ctrl_cmd(struct guest_net *net, uint8_t cls, uint8_t cmd, const void *data,
		    uint32_t len)
{
	struct guest_vq_seg out[2], in;
	uint8_t *ack;
	unsigned int nout = 0;
	int rc;

	if (!net->ctrl)
		return -GUEST_EOPNOTSUPP;
	if (len > CTRL_BUF_SIZE - 3)
		return -GUEST_EINVAL;
	net->ctrl_buf[0] = cls;
	net->ctrl_buf[1] = cmd;
	guest_memcpy(net->ctrl_buf + 2, data, len);
	ack = net->ctrl_buf + 2 + len;
	*ack = 0xff;
	/* Linux's layout: header, data and ack each in a descriptor of their own. */
	out[nout++] = (struct guest_vq_seg){ net->ctrl_buf, 2 };
	if (len)
		out[nout++] = (struct guest_vq_seg){ net->ctrl_buf + 2, len };
	in = (struct guest_vq_seg){ ack, 1 };
	rc = guest_vq_xfer(net->vdev.vqs[CTRLQ], out, nout, &in, 1, NULL, GUEST_VCCW_TIMEOUT_US);
	if (rc)
		return rc;
	return *ack == CTRL_OK ? 0 : -GUEST_EIO;
}

int guest_net_set_rx_mode(struct guest_net *net, bool promisc, bool allmulti)
{
	uint8_t on;
	int rc;

	if (!guest_vccw_has_feature(&net->vdev, GUEST_NET_F_CTRL_RX))
		return -GUEST_EOPNOTSUPP;
	on = promisc;
	rc = ctrl_cmd(net, CTRL_RX, CTRL_RX_PROMISC, &on, 1);
	if (rc)
		return rc;
	on = allmulti;
	return ctrl_cmd(net, CTRL_RX, CTRL_RX_ALLMULTI, &on, 1);
}

int guest_net_set_mac_table(struct guest_net *net, const uint8_t (*uni)[6], unsigned int nu,
			    const uint8_t (*multi)[6], unsigned int nm)
{
	uint8_t data[2 * (4 + 6 * CTRL_MAC_MAX)];
	uint32_t off = 0;

	if (!guest_vccw_has_feature(&net->vdev, GUEST_NET_F_CTRL_RX))
		return -GUEST_EOPNOTSUPP;
	if (nu > CTRL_MAC_MAX || nm > CTRL_MAC_MAX)
		return -GUEST_EINVAL;
	/* 5.1.6.5.2: entries in the negotiated byte order (legacy: guest order). */
	guest_vccw_st32(&net->vdev, data, nu);
	off = 4;
	guest_memcpy(data + off, uni, 6 * nu);
	off += 6 * nu;
	guest_vccw_st32(&net->vdev, data + off, nm);
	off += 4;
	guest_memcpy(data + off, multi, 6 * nm);
	off += 6 * nm;
	return ctrl_cmd(net, CTRL_MAC, CTRL_MAC_TABLE_SET, data, off);
}

int guest_net_set_mac(struct guest_net *net, const uint8_t mac[6])
{
	int rc;

	if (!guest_vccw_has_feature(&net->vdev, GUEST_NET_F_CTRL_MAC_ADDR))
		return -GUEST_EOPNOTSUPP;
	rc = ctrl_cmd(net, CTRL_MAC, CTRL_MAC_ADDR_SET, mac, 6);
	if (!rc)
		guest_memcpy(net->mac, mac, 6);
	return rc;
}

int guest_net_config(struct guest_net *net)
{
	uint8_t st[2];
	int rc;

	net->config_pending = false;
	if (!guest_vccw_has_feature(&net->vdev, GUEST_NET_F_GUEST_ANNOUNCE) ||
	    !guest_vccw_has_feature(&net->vdev, GUEST_NET_F_STATUS))
		return 0;
	rc = guest_vccw_read_config(&net->vdev, CFG_STATUS, st, 2);
	if (rc)
		return rc;
	if (!(guest_vccw_ld16(&net->vdev, st) & S_ANNOUNCE))
		return 0;
	/* 5.1.6.5.4: the device clears the bit before it uses the command. */
	rc = ctrl_cmd(net, CTRL_ANNOUNCE, CTRL_ANNOUNCE_ACK, NULL, 0);
	if (rc)
		return rc;
	net->announces++;
	return 1;
}

/* Interruption context: only note it; guest_net_recv() / guest_net_config() act. */
static void config_changed(struct guest_vdev *vdev)
{
	struct guest_net *net = vdev->priv;

	if (net)
		net->config_pending = true;
}

static void net_free(struct guest_net *net)
{
	unsigned int i;

	for (i = 0; i < GUEST_NET_MRG_BUFS; i++)
		if (net->rx[i])
			guest_free(net->rx[i], net->rx_size);
	if (net->tx)
		guest_free(net->tx, BUF_SIZE);
	if (net->ctrl_buf)
		guest_free(net->ctrl_buf, CTRL_BUF_SIZE);
	guest_free(net, sizeof(*net));
}

static int net_probe(struct guest_device *dev)
{
	/* The all-hosts group Linux's IPv4 stack joins (224.0.0.1). */
	static const uint8_t all_hosts[1][6] = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	struct guest_net *net = guest_alloc(sizeof(*net), 8);
	struct guest_vdev *vdev;
	unsigned int i;
	int rc;

	if (!net)
		return -GUEST_ENOMEM;
	vdev = &net->vdev;
	rc = guest_vccw_init(vdev, dev,
			     GUEST_VIRTIO_BIT(GUEST_NET_F_MAC) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_STATUS) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_MRG_RXBUF) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_CTRL_VQ) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_CTRL_RX) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_GUEST_ANNOUNCE) |
				     GUEST_VIRTIO_BIT(GUEST_NET_F_CTRL_MAC_ADDR));
	if (rc)
		goto err_free;
	/*
	 * 5.1.3.1: the control-queue features need CTRL_VQ. A device that offers them
	 * without it is refused, as Linux's virtnet_validate_features() does.
	 */
	net->ctrl = guest_vccw_has_feature(vdev, GUEST_NET_F_CTRL_VQ);
	rc = -GUEST_EOPNOTSUPP;
	if (!net->ctrl && (vdev->features & (GUEST_VIRTIO_BIT(GUEST_NET_F_CTRL_RX) |
					     GUEST_VIRTIO_BIT(GUEST_NET_F_GUEST_ANNOUNCE) |
					     GUEST_VIRTIO_BIT(GUEST_NET_F_CTRL_MAC_ADDR))))
		goto err_teardown;
	rc = guest_vccw_setup_vqs(vdev, net->ctrl ? 3 : 2, NULL);
	if (rc)
		goto err_free;
	net->mrg_rxbuf = guest_vccw_has_feature(vdev, GUEST_NET_F_MRG_RXBUF);
	net->hdr_len = guest_vccw_has_feature(vdev, GUEST_VIRTIO_F_VERSION_1) || net->mrg_rxbuf
			       ? 12
			       : 10;
	net->nr_rx = net->mrg_rxbuf ? GUEST_NET_MRG_BUFS : GUEST_NET_RX_BUFS;
	net->rx_size = net->mrg_rxbuf ? GUEST_NET_MRG_BUF_SIZE : BUF_SIZE;
	if (net->nr_rx > vdev->vqs[RXQ]->num)
		net->nr_rx = vdev->vqs[RXQ]->num;
	/* 5.1.4: mac is valid only with VIRTIO_NET_F_MAC. */
	net->has_mac = guest_vccw_has_feature(vdev, GUEST_NET_F_MAC);
	if (net->has_mac) {
		rc = guest_vccw_read_config(vdev, 0, net->mac, 6);
		if (rc)
			goto err_teardown;
	}
	rc = -GUEST_ENOMEM;
	net->tx = guest_alloc(BUF_SIZE, 8);
	net->ctrl_buf = guest_alloc(CTRL_BUF_SIZE, 8);
	if (!net->tx || !net->ctrl_buf)
		goto err_teardown;
	for (i = 0; i < net->nr_rx; i++) {
		net->rx[i] = guest_alloc(net->rx_size, 8);
		if (!net->rx[i])
			goto err_teardown;
		rc = post_rx(net, net->rx[i]);
		if (rc)
			goto err_teardown;
	}
	vdev->priv = net;
	vdev->config_changed = config_changed;
	rc = guest_vccw_driver_ok(vdev);
	if (rc)
		goto err_teardown;
	rc = -GUEST_EIO;
	if (!guest_vq_kick(vdev->vqs[RXQ]))
		goto err_teardown;
	if (guest_vccw_has_feature(vdev, GUEST_NET_F_CTRL_RX)) {
		rc = guest_net_set_rx_mode(net, false, false);
		if (!rc)
			rc = guest_net_set_mac_table(net, NULL, 0, all_hosts, 1);
		if (rc)
			goto err_teardown;
	}
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&nets, net))
		goto err_teardown;
	dev->drvdata = net;
	return 0;

err_teardown:
	guest_vccw_teardown(vdev);
err_free:
	net_free(net);
	return rc;
}

static void net_remove(struct guest_device *dev)
{
	struct guest_net *net = dev->drvdata;

	if (!net)
		return;
	guest_drv_table_del(&nets, net);
	guest_vccw_teardown(&net->vdev);
	net_free(net);
	dev->drvdata = NULL;
}

static const struct guest_cio_driver net_driver = {
	.name = "virtio-net",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_NET,
	.probe = net_probe,
	.remove = net_remove,
	.unsolicited = guest_vccw_unsolicited,
};

/* cio reset hook: devices bound by an earlier program went with its heap. */
static void forget_devices(void)
{
	nets.n = 0;
}

void guest_net_register(void)
{
	guest_cio_add_reset_hook(forget_devices);
	guest_cio_register_driver(&net_driver);
}
