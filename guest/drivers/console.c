// SPDX-License-Identifier: MIT
/*
 * virtio-console driver (virtio v1.2 section 5.3) for port 0 without MULTIPORT: queue 0
 * is its receiveq, queue 1 its transmitq (5.3.2). Receive buffers are posted before
 * DRIVER_OK's first notification and re-posted as they are consumed (5.3.6.1: the
 * driver should keep receive buffers available).
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define RXQ 0
#define TXQ 1

static struct guest_drv_table cons;

unsigned int guest_console_count(void)
{
	return cons.n;
}

struct guest_console *guest_console_get(unsigned int i)
{
	return guest_drv_table_get(&cons, i);
}

static int post_rx(struct guest_console *con, uint8_t *buf)
{
	struct guest_vq_seg in = { buf, GUEST_CONSOLE_RX_BUF_SIZE };

	return guest_vq_add(con->vdev.vqs[RXQ], NULL, 0, &in, 1, buf);
}

int guest_console_write(struct guest_console *con, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int rc;

	while (done < len) {
		uint32_t n = (uint32_t)(len - done < GUEST_CONSOLE_TX_BUF_SIZE
						? len - done
						: GUEST_CONSOLE_TX_BUF_SIZE);
		struct guest_vq_seg out = { con->tx, n };

		guest_memcpy(con->tx, p + done, n);
		rc = guest_vq_xfer(con->vdev.vqs[TXQ], &out, 1, NULL, 0, NULL,
				   GUEST_VCCW_TIMEOUT_US);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

int guest_console_read(struct guest_console *con, void *buf, size_t len, uint64_t timeout_us)
{
	struct guest_vq *vq = con->vdev.vqs[RXQ];
	uint8_t *out = buf;
	size_t done = 0;
	bool waited = false;

	while (done < len) {
		if (!con->cur) {
			uint32_t n = 0;
			uint8_t *b = waited || done ? guest_vq_get_used(vq, &n)
						    : guest_vq_wait_used(vq, &n, timeout_us);

			waited = true;
			if (!b)
				break;
			con->cur = b;
			con->cur_len = n > GUEST_CONSOLE_RX_BUF_SIZE ? GUEST_CONSOLE_RX_BUF_SIZE : n;
			con->cur_off = 0;
		}
		while (done < len && con->cur_off < con->cur_len)
			out[done++] = con->cur[con->cur_off++];
		if (con->cur_off == con->cur_len) {
			/* Consumed: hand the buffer back to the device at once. */
			if (post_rx(con, con->cur) == 0)
				guest_vq_kick(vq);
			con->cur = NULL;
		}
	}
	/* Broken or unplugged: the bytes already copied are lost with the device. */
	if (guest_vq_error(vq))
		return guest_vq_error(vq);
	return (int)done;
}

static void con_free(struct guest_console *con)
{
	unsigned int i;

	for (i = 0; i < GUEST_CONSOLE_RX_BUFS; i++)
		if (con->rx[i])
			guest_free(con->rx[i], GUEST_CONSOLE_RX_BUF_SIZE);
	if (con->tx)
		guest_free(con->tx, GUEST_CONSOLE_TX_BUF_SIZE);
	guest_free(con, sizeof(*con));
}

static int con_probe(struct guest_device *dev)
{
	struct guest_console *con = guest_alloc(sizeof(*con), 8);
	unsigned int i;
	int rc;

	if (!con)
		return -GUEST_ENOMEM;
	rc = guest_vccw_probe(&con->vdev, dev, 0, 2, NULL);
	if (rc)
		goto err_free;
	rc = -GUEST_ENOMEM;
	con->tx = guest_alloc(GUEST_CONSOLE_TX_BUF_SIZE, 8);
	if (!con->tx)
		goto err_teardown;
	for (i = 0; i < GUEST_CONSOLE_RX_BUFS; i++) {
		con->rx[i] = guest_alloc(GUEST_CONSOLE_RX_BUF_SIZE, 8);
		if (!con->rx[i])
			goto err_teardown;
		rc = post_rx(con, con->rx[i]);
		if (rc)
			goto err_teardown;
	}
	rc = -GUEST_EIO;
	if (!guest_vq_kick(con->vdev.vqs[RXQ]))
		goto err_teardown;
	rc = -GUEST_ENOSPC;
	if (!guest_drv_table_add(&cons, con))
		goto err_teardown;
	con->vdev.priv = con;
	dev->drvdata = con;
	return 0;

err_teardown:
	guest_vccw_teardown(&con->vdev);
err_free:
	con_free(con);
	return rc;
}

static void con_remove(struct guest_device *dev)
{
	struct guest_console *con = dev->drvdata;

	if (!con)
		return;
	guest_drv_table_del(&cons, con);
	guest_vccw_teardown(&con->vdev);
	con_free(con);
	dev->drvdata = NULL;
}

static const struct guest_cio_driver con_driver = {
	.name = "virtio-console",
	.cu_type = GUEST_VCCW_CU_TYPE,
	.cu_model = GUEST_VIRTIO_ID_CONSOLE,
	.probe = con_probe,
	.remove = con_remove,
	.unsolicited = guest_vccw_unsolicited,
};

/* cio reset hook: devices bound by an earlier program went with its heap. */
static void forget_devices(void)
{
	cons.n = 0;
}

void guest_console_register(void)
{
	guest_cio_add_reset_hook(forget_devices);
	guest_cio_register_driver(&con_driver);
}
