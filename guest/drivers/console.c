// SPDX-License-Identifier: MIT
/*
 * virtio-console driver (virtio v1.2 section 5.3). Without MULTIPORT: port 0 on queue 0
 * (receiveq) and 1 (transmitq). With MULTIPORT (5.3.6.2), in Linux's order
 * (drivers/char/virtio_console.c, virtcons_probe()): all queues set up, DRIVER_OK, the
 * control receiveq filled, DEVICE_READY 1 sent; then for each DEVICE_ADD the port's
 * receive buffers are posted and PORT_READY 1 sent (PORT_READY 0 for a port beyond the
 * queues this driver set up), CONSOLE_PORT answered with PORT_OPEN 1 (a MUST of
 * 5.3.6.2), PORT_NAME, PORT_OPEN and RESIZE recorded, DEVICE_REMOVE forgets the port.
 * Receive buffers are posted before the port is announced ready and re-posted as they
 * are consumed (5.3.6.1: the driver should keep receive buffers available).
 *
 * The guest polls: control messages are handled by guest_console_poll(), which every
 * port function calls, and the probe handles those that follow DEVICE_READY.
 */
#include "guest/drivers.h"
#include "guest/lib.h"

#include "drivers-int.h"

#define RXQ 0
#define TXQ 1
#define CTRL_RXQ 2
#define CTRL_TXQ 3
#define CFG_MAX_NR_PORTS 4

/* Control events (5.3.6.2). */
#define DEVICE_READY 0
#define DEVICE_ADD 1
#define DEVICE_REMOVE 2
#define PORT_READY 3
#define CONSOLE_PORT 4
#define RESIZE 5
#define PORT_OPEN 6
#define PORT_NAME 7
#define CTRL_SIZE 8
#define BAD_ID 0xffffffffu

/* Quiet time after which the probe stops waiting for the device's announcements. */
#define SETTLE_US 20000

static struct guest_drv_table cons;

unsigned int guest_console_count(void)
{
	return cons.n;
}

struct guest_console *guest_console_get(unsigned int i)
{
	return guest_drv_table_get(&cons, i);
}

/* ---- control queues ---- */

static int send_ctrl(struct guest_console *con, uint32_t id, uint16_t event, uint16_t value)
{
	struct guest_vq_seg out = { con->ctrl_tx, CTRL_SIZE };

	/* 5.3.6.2 (Legacy Interface): the negotiated byte order. */
	guest_vccw_st32(&con->vdev, con->ctrl_tx, id);
	guest_vccw_st16(&con->vdev, con->ctrl_tx + 4, event);
	guest_vccw_st16(&con->vdev, con->ctrl_tx + 6, value);
	return guest_vq_xfer(con->vdev.vqs[CTRL_TXQ], &out, 1, NULL, 0, NULL,
			     GUEST_VCCW_TIMEOUT_US);
}

static int post_ctrl(struct guest_console *con, uint8_t *buf)
{
	struct guest_vq_seg in = { buf, GUEST_CONSOLE_CTRL_BUF_SIZE };

	return guest_vq_add(con->vdev.vqs[CTRL_RXQ], NULL, 0, &in, 1, buf);
}

static int post_rx(struct guest_console_port *port, uint8_t *buf)
{
	struct guest_vq_seg in = { buf, GUEST_CONSOLE_RX_BUF_SIZE };

	return guest_vq_add(port->rxq, NULL, 0, &in, 1, buf);
}

static unsigned int rx_queue(uint32_t id)
{
	return id ? 2 + 2 * id : RXQ;
}

/*
 * Give @port its buffers (the first time) and post them; on a port announced again
 * after a removal they are still in the ring.
 */
static int port_setup(struct guest_console *con, struct guest_console_port *port, uint32_t id)
{
	unsigned int i;
	int rc;

	port->con = con;
	port->id = id;
	port->rxq = con->vdev.vqs[rx_queue(id)];
	port->txq = con->vdev.vqs[rx_queue(id) + 1];
	if (!port->tx) {
		port->tx = guest_alloc(GUEST_CONSOLE_TX_BUF_SIZE, 8);
		if (!port->tx)
			return -GUEST_ENOMEM;
		for (i = 0; i < GUEST_CONSOLE_RX_BUFS; i++) {
			port->rx[i] = guest_alloc(GUEST_CONSOLE_RX_BUF_SIZE, 8);
			if (!port->rx[i])
				return -GUEST_ENOMEM;
			rc = post_rx(port, port->rx[i]);
			if (rc)
				return rc;
		}
		if (!guest_vq_kick(port->rxq))
			return -GUEST_EIO;
	}
	port->present = true;
	return 0;
}

static void handle_ctrl(struct guest_console *con, const uint8_t *msg, uint32_t len)
{
	struct guest_console_port *port;
	uint32_t id, n;
	uint16_t event, value;

	/* Shorter than struct virtio_console_control: not a message. */
	if (len < CTRL_SIZE)
		return;
	id = guest_vccw_ld32(&con->vdev, msg);
	event = guest_vccw_ld16(&con->vdev, msg + 4);
	value = guest_vccw_ld16(&con->vdev, msg + 6);
	port = id < con->nr_ports ? &con->ports[id] : NULL;
	if (event == DEVICE_ADD) {
		/* 5.3.6.2: the device may not add a port >= max_nr_ports; Linux ignores it. */
		if (id >= con->max_nr_ports)
			return;
		/* No queues for it here: tell the device the port failed, as Linux does. */
		if (!port || port_setup(con, port, id)) {
			send_ctrl(con, id, PORT_READY, 0);
			return;
		}
		send_ctrl(con, id, PORT_READY, 1);
		return;
	}
	/* Linux: a message for a port that was not added is dropped. */
	if (!port || !port->present)
		return;
	switch (event) {
	case DEVICE_REMOVE:
		port->present = false;
		port->console = false;
		port->guest_open = false;
		port->host_open = false;
		port->name[0] = 0;
		break;
	case CONSOLE_PORT:
		if (!value || port->console)
			break;
		port->console = true;
		/* 5.3.6.2: the driver MUST answer CONSOLE_PORT with PORT_OPEN 1. */
		port->guest_open = true;
		send_ctrl(con, id, PORT_OPEN, 1);
		break;
	case RESIZE:
		/* struct virtio_console_resize after the header: cols, rows (5.3.6.2). */
		if (len >= CTRL_SIZE + 4) {
			port->cols = guest_vccw_ld16(&con->vdev, msg + CTRL_SIZE);
			port->rows = guest_vccw_ld16(&con->vdev, msg + CTRL_SIZE + 2);
		}
		break;
	case PORT_OPEN:
		port->host_open = value != 0;
		break;
	case PORT_NAME:
		/* The name follows without a NUL (5.3.6.2); QEMU sends one: stop there. */
		n = len - CTRL_SIZE;
		if (n > GUEST_CONSOLE_NAME_MAX)
			n = GUEST_CONSOLE_NAME_MAX;
		guest_memcpy(port->name, msg + CTRL_SIZE, n);
		port->name[n] = 0;
		break;
	default:
		break;
	}
}

int guest_console_poll(struct guest_console *con)
{
	struct guest_vq *vq;
	uint8_t *buf;
	uint32_t len;

	if (!con->multiport)
		return 0;
	vq = con->vdev.vqs[CTRL_RXQ];
	while ((buf = guest_vq_get_used(vq, &len)) != NULL) {
		if (len > GUEST_CONSOLE_CTRL_BUF_SIZE)
			len = GUEST_CONSOLE_CTRL_BUF_SIZE;
		handle_ctrl(con, buf, len);
		if (post_ctrl(con, buf) == 0)
			guest_vq_kick(vq);
	}
	return guest_vq_error(vq);
}

/* Handle control messages until none came for SETTLE_US or @timeout_us passed. */
static void settle(struct guest_console *con, uint64_t timeout_us)
{
	struct guest_vq *vq = con->vdev.vqs[CTRL_RXQ];
	uint64_t end = guest_arch_now_us() + timeout_us;
	uint8_t *buf;
	uint32_t len;

	while (guest_arch_now_us() < end) {
		buf = guest_vq_wait_used(vq, &len, SETTLE_US);
		if (!buf)
			return;
		if (len > GUEST_CONSOLE_CTRL_BUF_SIZE)
			len = GUEST_CONSOLE_CTRL_BUF_SIZE;
		handle_ctrl(con, buf, len);
		if (post_ctrl(con, buf) == 0)
			guest_vq_kick(vq);
	}
}

struct guest_console_port *guest_console_port_get(struct guest_console *con, uint32_t id)
{
	guest_console_poll(con);
	return id < con->nr_ports && con->ports[id].present ? &con->ports[id] : NULL;
}

static struct guest_console_port *find_console(struct guest_console *con)
{
	uint32_t i;

	for (i = 0; i < con->nr_ports; i++)
		if (con->ports[i].present && con->ports[i].console)
			return &con->ports[i];
	return NULL;
}

struct guest_console_port *guest_console_port_console(struct guest_console *con,
							uint64_t timeout_us)
{
	struct guest_console_port *port;
	uint64_t end = guest_arch_now_us() + timeout_us;

	for (;;) {
		guest_console_poll(con);
		port = find_console(con);
		if (port || guest_arch_now_us() >= end)
			return port;
		settle(con, end - guest_arch_now_us());
	}
}

struct guest_console_port *guest_console_port_find(struct guest_console *con, const char *name,
						     uint64_t timeout_us)
{
	uint64_t end = guest_arch_now_us() + timeout_us;
	uint32_t i;

	for (;;) {
		guest_console_poll(con);
		for (i = 0; i < con->nr_ports; i++)
			if (con->ports[i].present && !guest_strcmp(con->ports[i].name, name))
				return &con->ports[i];
		if (guest_arch_now_us() >= end)
			return NULL;
		settle(con, end - guest_arch_now_us());
	}
}

int guest_console_port_open(struct guest_console_port *port, bool open)
{
	struct guest_console *con = port->con;
	int rc;

	guest_console_poll(con);
	if (!port->present)
		return -GUEST_ENODEV;
	/* Without MULTIPORT there is nothing to tell: port 0 is open while the driver runs. */
	if (!con->multiport) {
		port->guest_open = open;
		return 0;
	}
	rc = send_ctrl(con, port->id, PORT_OPEN, open);
	if (!rc)
		port->guest_open = open;
	return rc;
}

int guest_console_port_write(struct guest_console_port *port, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int rc;

	guest_console_poll(port->con);
	if (!port->present)
		return -GUEST_ENODEV;
	while (done < len) {
		uint32_t n = (uint32_t)(len - done < GUEST_CONSOLE_TX_BUF_SIZE
						? len - done
						: GUEST_CONSOLE_TX_BUF_SIZE);
		struct guest_vq_seg out = { port->tx, n };

		guest_memcpy(port->tx, p + done, n);
		rc = guest_vq_xfer(port->txq, &out, 1, NULL, 0, NULL, GUEST_VCCW_TIMEOUT_US);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

int guest_console_port_read(struct guest_console_port *port, void *buf, size_t len,
			    uint64_t timeout_us)
{
	struct guest_vq *vq = port->rxq;
	uint8_t *out = buf;
	size_t done = 0;
	bool waited = false;

	guest_console_poll(port->con);
	if (!port->present)
		return -GUEST_ENODEV;
	while (done < len) {
		if (!port->cur) {
			uint32_t n = 0;
			uint8_t *b = waited || done ? guest_vq_get_used(vq, &n)
						    : guest_vq_wait_used(vq, &n, timeout_us);

			waited = true;
			if (!b)
				break;
			port->cur = b;
			port->cur_len = n > GUEST_CONSOLE_RX_BUF_SIZE ? GUEST_CONSOLE_RX_BUF_SIZE : n;
			port->cur_off = 0;
		}
		while (done < len && port->cur_off < port->cur_len)
			out[done++] = port->cur[port->cur_off++];
		if (port->cur_off == port->cur_len) {
			/* Consumed: hand the buffer back to the device at once. */
			if (post_rx(port, port->cur) == 0)
				guest_vq_kick(vq);
			port->cur = NULL;
		}
	}
	/* Broken or unplugged: the bytes already copied are lost with the device. */
	if (guest_vq_error(vq))
		return guest_vq_error(vq);
	return (int)done;
}

/* Why there is no console port: the device broke or went, or it has none. */
static int no_console(struct guest_console *con)
{
	int rc = guest_vq_error(con->vdev.vqs[RXQ]);

	return rc ? rc : -GUEST_ENODEV;
}

int guest_console_write(struct guest_console *con, const void *buf, size_t len)
{
	struct guest_console_port *port = guest_console_port_console(con, 0);

	if (!port)
		return no_console(con);
	return guest_console_port_write(port, buf, len);
}

int guest_console_read(struct guest_console *con, void *buf, size_t len, uint64_t timeout_us)
{
	struct guest_console_port *port = guest_console_port_console(con, 0);

	if (!port)
		return no_console(con);
	return guest_console_port_read(port, buf, len, timeout_us);
}

/* ---- probe and remove ---- */

static void con_free(struct guest_console *con)
{
	struct guest_console_port *port;
	unsigned int i, k;

	for (k = 0; k < GUEST_CONSOLE_MAX_PORTS; k++) {
		port = &con->ports[k];
		for (i = 0; i < GUEST_CONSOLE_RX_BUFS; i++)
			if (port->rx[i])
				guest_free(port->rx[i], GUEST_CONSOLE_RX_BUF_SIZE);
		if (port->tx)
			guest_free(port->tx, GUEST_CONSOLE_TX_BUF_SIZE);
	}
	for (i = 0; i < GUEST_CONSOLE_CTRL_BUFS; i++)
		if (con->ctrl_rx[i])
			guest_free(con->ctrl_rx[i], GUEST_CONSOLE_CTRL_BUF_SIZE);
	if (con->ctrl_tx)
		guest_free(con->ctrl_tx, CTRL_SIZE);
	guest_free(con, sizeof(*con));
}

/* After DRIVER_OK: fill the control receiveq, then DEVICE_READY (Linux's order). */
static int start_multiport(struct guest_console *con)
{
	unsigned int i;
	int rc;

	con->ctrl_tx = guest_alloc(CTRL_SIZE, 8);
	if (!con->ctrl_tx)
		return -GUEST_ENOMEM;
	for (i = 0; i < GUEST_CONSOLE_CTRL_BUFS; i++) {
		con->ctrl_rx[i] = guest_alloc(GUEST_CONSOLE_CTRL_BUF_SIZE, 8);
		if (!con->ctrl_rx[i])
			return -GUEST_ENOMEM;
		rc = post_ctrl(con, con->ctrl_rx[i]);
		if (rc)
			return rc;
	}
	if (!guest_vq_kick(con->vdev.vqs[CTRL_RXQ]))
		return -GUEST_EIO;
	rc = send_ctrl(con, BAD_ID, DEVICE_READY, 1);
	if (rc)
		return rc;
	/* The announcements follow at once: take them now, later ones when polled. */
	settle(con, GUEST_VCCW_TIMEOUT_US);
	return guest_console_poll(con);
}

static int con_probe(struct guest_device *dev)
{
	struct guest_console *con = guest_alloc(sizeof(*con), 8);
	uint8_t cfg[4];
	int rc;

	if (!con)
		return -GUEST_ENOMEM;
	rc = guest_vccw_init(&con->vdev, dev, GUEST_VIRTIO_BIT(GUEST_CONSOLE_F_MULTIPORT));
	if (rc)
		goto err_free;
	con->multiport = guest_vccw_has_feature(&con->vdev, GUEST_CONSOLE_F_MULTIPORT);
	con->max_nr_ports = 1;
	if (con->multiport) {
		rc = guest_vccw_read_config(&con->vdev, CFG_MAX_NR_PORTS, cfg, 4);
		if (rc)
			goto err_teardown;
		con->max_nr_ports = guest_vccw_ld32(&con->vdev, cfg);
	}
	/* A device that claims no port still has port 0's queues (5.3.2). */
	con->nr_ports = con->max_nr_ports < GUEST_CONSOLE_MAX_PORTS ? con->max_nr_ports
								      : GUEST_CONSOLE_MAX_PORTS;
	if (!con->nr_ports)
		con->nr_ports = 1;
	rc = guest_vccw_setup_vqs(&con->vdev, con->multiport ? 2 * (con->nr_ports + 1) : 2,
				  NULL);
	if (rc)
		goto err_teardown;
	rc = guest_vccw_driver_ok(&con->vdev);
	if (rc)
		goto err_teardown;
	if (con->multiport) {
		rc = start_multiport(con);
	} else {
		/* Linux add_port(portdev, 0): the one port is a console, open at once. */
		rc = port_setup(con, &con->ports[0], 0);
		con->ports[0].console = true;
		con->ports[0].guest_open = true;
		con->ports[0].host_open = true;
	}
	if (rc)
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
