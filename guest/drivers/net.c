// SPDX-License-Identifier: MIT
/*
 * virtio-net driver (virtio v1.2 section 5.1) with one queue pair: receiveq 0,
 * transmitq 1 (5.1.2). Every packet carries struct virtio_net_hdr (5.1.6): 12 bytes
 * with VERSION_1 or MRG_RXBUF (num_buffers present), 10 bytes for a legacy device
 * without MRG_RXBUF, which this driver does not negotiate. No offloads: the header is
 * all zero on transmit. The header gets its own descriptor, which also suits legacy
 * devices without ANY_LAYOUT (5.1.6.6 legacy note).
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define RXQ 0
#define TXQ 1
#define HDR_MAX 12
#define BUF_SIZE (HDR_MAX + GUEST_NET_MAX_FRAME)

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

int guest_net_recv(struct guest_net *net, void *buf, size_t len, uint64_t timeout_us)
{
	struct guest_vq *vq = net->vdev.vqs[RXQ];
	uint32_t used = 0, frame;
	uint8_t *b = guest_vq_wait_used(vq, &used, timeout_us);

	if (!b)
		return guest_vq_error(vq);
	/* The used length counts the header too (5.1.6.4). */
	frame = used > net->hdr_len ? used - net->hdr_len : 0;
	if (frame > GUEST_NET_MAX_FRAME)
		frame = GUEST_NET_MAX_FRAME;
	if (frame > len)
		frame = (uint32_t)len;
	guest_memcpy(buf, b + HDR_MAX, frame);
	if (post_rx(net, b) == 0)
		guest_vq_kick(vq);
	return (int)frame;
}

static void net_free(struct guest_net *net)
{
	unsigned int i;

	for (i = 0; i < GUEST_NET_RX_BUFS; i++)
		if (net->rx[i])
			guest_free(net->rx[i], BUF_SIZE);
	if (net->tx)
		guest_free(net->tx, BUF_SIZE);
	guest_free(net, sizeof(*net));
}

static int net_probe(struct guest_device *dev)
{
	struct guest_net *net = guest_alloc(sizeof(*net), 8);
	unsigned int i;
	int rc;

	if (!net)
		return -GUEST_ENOMEM;
	rc = guest_vccw_init(&net->vdev, dev, GUEST_VIRTIO_BIT(GUEST_NET_F_MAC));
	if (rc)
		goto err_free;
	rc = guest_vccw_setup_vqs(&net->vdev, 2, NULL);
	if (rc)
		goto err_free;
	net->hdr_len = guest_vccw_has_feature(&net->vdev, GUEST_VIRTIO_F_VERSION_1) ||
			       guest_vccw_has_feature(&net->vdev, GUEST_NET_F_MRG_RXBUF)
		       ? 12
		       : 10;
	/* 5.1.4: mac is valid only with VIRTIO_NET_F_MAC. */
	net->has_mac = guest_vccw_has_feature(&net->vdev, GUEST_NET_F_MAC);
	if (net->has_mac) {
		rc = guest_vccw_read_config(&net->vdev, 0, net->mac, 6);
		if (rc)
			goto err_teardown;
	}
	rc = -GUEST_ENOMEM;
	net->tx = guest_alloc(BUF_SIZE, 8);
	if (!net->tx)
		goto err_teardown;
	for (i = 0; i < GUEST_NET_RX_BUFS; i++) {
		net->rx[i] = guest_alloc(BUF_SIZE, 8);
		if (!net->rx[i])
			goto err_teardown;
		rc = post_rx(net, net->rx[i]);
		if (rc)
			goto err_teardown;
	}
	rc = guest_vccw_driver_ok(&net->vdev);
	if (rc)
		goto err_teardown;
	rc = -GUEST_EIO;
	if (!guest_vq_kick(net->vdev.vqs[RXQ]))
		goto err_teardown;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&nets, net))
		goto err_teardown;
	net->vdev.priv = net;
	dev->drvdata = net;
	return 0;

err_teardown:
	guest_vccw_teardown(&net->vdev);
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
