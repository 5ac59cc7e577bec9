// SPDX-License-Identifier: MIT
/*
 * virtio-console, virtio specification v1.2 section 5.3: ports whose transmitq buffers
 * are written to a character backend and whose backend input is copied into receiveq
 * buffers (5.3.6), emerg_wr (5.3.5.1) writing one byte to port 0's backend, and with
 * VIRTIO_CONSOLE_F_MULTIPORT the control queues (5.3.6.2) that announce ports and
 * carry their open/close state. Input that finds no buffer waits in a bounded buffer
 * per port, with the backend paused while it is full or while the driver has the port
 * closed. Output never waits for the backend's peer: a transmitq buffer the backend
 * takes only in part is kept until the backend drains, and the buffers behind it stay
 * available.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/console.h"

#define CONSOLE_QUEUE_SIZE 256

struct vccw_console;

struct port {
	struct vccw_console *con;
	uint32_t nr;
	bool present;      /* configured and not unplugged */
	bool console;      /* CONSOLE_PORT */
	char *name;        /* NULL: none */
	struct vccw_be_char *be; /* NULL: output dropped, no input */
	bool ready;        /* the driver sent PORT_READY 1 */
	bool guest_open;   /* the driver sent PORT_OPEN 1 */
	bool input_paused;
	uint16_t cols, rows; /* RESIZE; 0 0: never set */
	/*
	 * The transmitq buffer being written out: popped, not yet used, its out segments
	 * taken by the backend up to out[tx_seg] + tx_off.
	 */
	struct vccw_vq_elem *tx_elem;
	bool tx_busy;
	unsigned int tx_seg;
	size_t tx_off;
	/* Input not yet delivered: pend[pend_off, pend_off + pend_len). */
	size_t pend_off, pend_len;
	uint8_t *pend;
};

/* A control message waiting for a control receiveq buffer. */
struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
};

struct vccw_console {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	uint16_t queue_size;
	uint32_t max_ports;
	bool dev_ready;              /* the driver sent DEVICE_READY 1 */
	struct vccw_vq_elem *elem;   /* receiveq scratch */
	struct vccw_vq_elem *ctl_in; /* control receiveq scratch */
	struct vccw_vq_elem *ctl_out; /* control transmitq scratch */
	/* Pending control messages: ring of VCCW_CONSOLE_CTRL_PENDING. */
	unsigned int ctrl_head, ctrl_len;
	struct ctrl_msg ctrl[VCCW_CONSOLE_CTRL_PENDING];
	struct port ports[VCCW_CONSOLE_MAX_PORTS];
};

static struct vccw_console *to_console(struct vccw_virtio_dev *vdev)
{
	return container_of(vdev, struct vccw_console, vdev);
}

static bool running(const struct vccw_virtio_dev *vdev)
{
	return (vdev->status & VCCW_VIRTIO_S_DRIVER_OK) &&
	       !(vdev->status & VCCW_VIRTIO_S_NEEDS_RESET);
}

static bool multiport(const struct vccw_console *con)
{
	return vccw_virtio_has_feature(&con->vdev, VCCW_VIRTIO_CONSOLE_F_MULTIPORT);
}

static struct port *find_port(struct vccw_console *con, uint32_t nr)
{
	if (nr >= con->max_ports || !con->ports[nr].present)
		return NULL;
	return &con->ports[nr];
}

/*
 * The port whose data queue @idx is (*@rx: its receiveq), or NULL when the queue
 * belongs to no port the driver can use: without MULTIPORT only port 0's queues exist
 * (5.3.2).
 */
static struct port *port_of_queue(struct vccw_console *con, unsigned int idx, bool *rx)
{
	uint32_t nr;

	*rx = !(idx & 1);
	if (idx <= VCCW_CONSOLE_TX_QUEUE)
		nr = 0;
	else if (idx >= 4 && multiport(con))
		nr = (idx - 2) / 2;
	else
		return NULL;
	return find_port(con, nr);
}

/* Whether input for @p may go to the driver now: the port is open in the guest. */
static bool can_receive(const struct port *p)
{
	const struct vccw_console *con = p->con;

	if (!running(&con->vdev) || !p->present || !p->be)
		return false;
	/* QEMU set_status(): a driver without MULTIPORT has port 0 open while running. */
	return multiport(con) ? p->guest_open : p->nr == 0;
}

static uint64_t console_get_features(struct vccw_virtio_dev *vdev)
{
	uint64_t f = VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_EMERG_WRITE);

	/* QEMU's get_features(): MULTIPORT exactly when there can be more than one port. */
	if (to_console(vdev)->max_ports > 1)
		f |= VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_MULTIPORT);
	return f;
}

static uint32_t console_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_VIRTIO_CONSOLE_CFG_SIZE;
}

static void console_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
				uint32_t len)
{
	uint8_t cfg[VCCW_VIRTIO_CONSOLE_CFG_SIZE] = { 0 };

	/* cols and rows stay 0: F_SIZE is not offered. emerg_wr reads as 0. */
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_CONSOLE_CFG_MAX_NR_PORTS,
			     to_console(vdev)->max_ports);
	memcpy(buf, cfg + off, len);
}

static void console_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
				 uint32_t len)
{
	const uint32_t at = VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR;
	struct port *p = find_port(to_console(vdev), 0);
	uint8_t c;

	/*
	 * Only a write that covers all of emerg_wr counts (virtio-ccw drivers rewrite the
	 * whole prefix of the space up to the field); 5.3.5.1: the device must accept it
	 * at any time and should send the low byte of the value out: to port 0, as QEMU.
	 */
	if (off > at || off + len < at + 4 || !p || !p->be)
		return;
	c = (uint8_t)vccw_virtio_cfg_ld32(vdev, buf + (at - off));
	/*
	 * This runs inside a channel command on the css's only channel thread: never wait
	 * for the backend's peer here. The byte joins the backend's output buffer behind
	 * earlier output and is dropped when that is full; 5.3.5.1 makes sending it a
	 * SHOULD, so an emergency write is best effort.
	 */
	vccw_be_char_write(p->be, &c, 1);
}

static uint16_t console_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_console *con = to_console(vdev);

	if (idx <= VCCW_CONSOLE_TX_QUEUE)
		return con->queue_size;
	/* 5.3.2: the other queues exist for MULTIPORT, two per port beyond port 0. */
	if (con->max_ports > 1 && idx < 2 * (con->max_ports + 1))
		return con->queue_size;
	return 0;
}

/* ---- control queues (5.3.6.2) ---- */

/* Copy @len bytes of @src into the device-writable part of @elem; returns bytes copied. */
static uint32_t copy_to_elem(const struct vccw_vq_elem *elem, const uint8_t *src, uint32_t len)
{
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < elem->in_num && done < len; i++) {
		size_t n = elem->in[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(elem->in[i].iov_base, src + done, n);
		done += (uint32_t)n;
	}
	return done;
}

/*
 * Hand waiting control messages to the driver while it has control receiveq buffers.
 * A buffer too small for a message gets what fits (QEMU's send_control_msg() too).
 */
static void ctrl_flush(struct vccw_console *con)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	uint8_t msg[VCCW_VIRTIO_CONSOLE_CTRL_SIZE + VCCW_CONSOLE_NAME_MAX];
	const struct ctrl_msg *m;
	struct port *p;
	uint32_t len;

	while (con->ctrl_len && running(vdev) && multiport(con)) {
		if (vccw_virtio_pop(vdev, VCCW_CONSOLE_CTRL_RX_QUEUE, con->ctl_in) != 1)
			return;
		m = &con->ctrl[con->ctrl_head];
		con->ctrl_head = (con->ctrl_head + 1) % VCCW_CONSOLE_CTRL_PENDING;
		con->ctrl_len--;
		/* 5.3.6.2 (Legacy Interface): the negotiated byte order. */
		vccw_virtio_st32(vdev, msg, m->id);
		vccw_virtio_st16(vdev, msg + 4, m->event);
		vccw_virtio_st16(vdev, msg + 6, m->value);
		len = VCCW_VIRTIO_CONSOLE_CTRL_SIZE;
		p = find_port(con, m->id);
		if (m->event == VCCW_VIRTIO_CONSOLE_PORT_NAME && p && p->name) {
			/* The name follows the header, without a NUL (5.3.6.2). */
			memcpy(msg + len, p->name, strlen(p->name));
			len += (uint32_t)strlen(p->name);
		} else if (m->event == VCCW_VIRTIO_CONSOLE_RESIZE && p) {
			/* struct virtio_console_resize: cols, then rows (5.3.6.2). */
			vccw_virtio_st16(vdev, msg + len, p->cols);
			vccw_virtio_st16(vdev, msg + len + 2, p->rows);
			len += 4;
		}
		vccw_virtio_push(vdev, VCCW_CONSOLE_CTRL_RX_QUEUE, con->ctl_in,
				 copy_to_elem(con->ctl_in, msg, len));
	}
}

/* Queue a control message for the driver; dropped when VCCW_CONSOLE_CTRL_PENDING wait. */
static void ctrl_send(struct vccw_console *con, uint32_t id, uint16_t event, uint16_t value)
{
	unsigned int tail;

	if (con->ctrl_len == VCCW_CONSOLE_CTRL_PENDING)
		return;
	tail = (con->ctrl_head + con->ctrl_len) % VCCW_CONSOLE_CTRL_PENDING;
	con->ctrl[tail] = (struct ctrl_msg){ .id = id, .event = event, .value = value };
	con->ctrl_len++;
	ctrl_flush(con);
}

static void pump_input(struct port *p);

/* PORT_READY 1: tell the driver what kind of port it is and that the host is there. */
static void port_ready(struct vccw_console *con, struct port *p)
{
	p->ready = true;
	/* The order of QEMU's handle_control_message(): console, name, host open. */
	if (p->console) {
		ctrl_send(con, p->nr, VCCW_VIRTIO_CONSOLE_CONSOLE_PORT, 1);
		if (p->cols || p->rows)
			ctrl_send(con, p->nr, VCCW_VIRTIO_CONSOLE_RESIZE, 0);
	}
	if (p->name)
		ctrl_send(con, p->nr, VCCW_VIRTIO_CONSOLE_PORT_NAME, 1);
	ctrl_send(con, p->nr, VCCW_VIRTIO_CONSOLE_PORT_OPEN, 1);
}

/* One message from the control transmitq (already copied out of guest memory). */
static void ctrl_handle(struct vccw_console *con, uint32_t id, uint16_t event, uint16_t value)
{
	struct port *p = find_port(con, id);
	uint32_t nr;

	/* QEMU: a message for a port that does not exist is ignored, but DEVICE_READY. */
	if (!p && event != VCCW_VIRTIO_CONSOLE_DEVICE_READY)
		return;
	switch (event) {
	case VCCW_VIRTIO_CONSOLE_DEVICE_READY:
		/* 0: the driver failed to set up; the device has nothing to announce. */
		if (!value)
			return;
		con->dev_ready = true;
		for (nr = 0; nr < con->max_ports; nr++)
			if (con->ports[nr].present)
				ctrl_send(con, nr, VCCW_VIRTIO_CONSOLE_DEVICE_ADD, 1);
		return;
	case VCCW_VIRTIO_CONSOLE_PORT_READY:
		if (value)
			port_ready(con, p);
		else
			p->ready = false;
		return;
	case VCCW_VIRTIO_CONSOLE_PORT_OPEN:
		p->guest_open = value != 0;
		/* Opened: input waiting in the backend may flow; closed: it waits there. */
		pump_input(p);
		return;
	default:
		/* Events only the device sends (ADD, REMOVE, CONSOLE_PORT ...): ignored. */
		return;
	}
}

static void ctrl_receive(struct vccw_console *con)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	struct vccw_vq_elem *elem = con->ctl_out;
	uint8_t msg[VCCW_VIRTIO_CONSOLE_CTRL_SIZE];
	uint32_t have;
	unsigned int i;

	while (running(vdev) && vccw_virtio_pop(vdev, VCCW_CONSOLE_CTRL_TX_QUEUE, elem) == 1) {
		/* Fetch once: gather the header from the readable segments, then use it. */
		have = 0;
		for (i = 0; i < elem->out_num && have < sizeof(msg); i++) {
			size_t n = elem->out[i].iov_len;

			if (n > sizeof(msg) - have)
				n = sizeof(msg) - have;
			memcpy(msg + have, elem->out[i].iov_base, n);
			have += (uint32_t)n;
		}
		/* The buffer goes back first: handling may use the other queues. */
		vccw_virtio_push(vdev, VCCW_CONSOLE_CTRL_TX_QUEUE, elem, 0);
		/* Shorter than struct virtio_console_control: ignored, as QEMU does. */
		if (have < sizeof(msg) || !multiport(con))
			continue;
		ctrl_handle(con, vccw_virtio_ld32(vdev, msg), vccw_virtio_ld16(vdev, msg + 4),
			    vccw_virtio_ld16(vdev, msg + 6));
	}
}

/* ---- port data ---- */

/* Use every buffer of transmit queue @idx unread (a port that is gone or has no backend). */
static void discard_tx(struct vccw_console *con, unsigned int idx)
{
	while (vccw_virtio_pop(&con->vdev, idx, con->elem) == 1)
		vccw_virtio_push(&con->vdev, idx, con->elem, 0);
}

/*
 * Hand transmitq buffers of @p to its backend for as long as it takes bytes. When its
 * output buffer is full the current buffer stays with the device and nothing more is
 * popped: the driver sees its buffers unused and waits, nothing is lost, and this
 * thread goes on. The backend's output fd brings us back here once it drained
 * (console_output()).
 */
static void transmit(struct port *p)
{
	struct vccw_virtio_dev *vdev = &p->con->vdev;
	unsigned int idx = vccw_console_port_rx_queue(p->nr) + 1;
	struct vccw_vq_elem *elem = p->tx_elem;
	const struct iovec *iov;
	const uint8_t *src;
	ssize_t n;

	while (running(vdev)) {
		if (!p->tx_busy) {
			if (vccw_virtio_pop(vdev, idx, elem) != 1)
				return;
			p->tx_busy = true;
			p->tx_seg = 0;
			p->tx_off = 0;
		}
		/* 5.3.6.1: transmitq buffers are device-readable; writable parts are ignored. */
		while (p->tx_seg < elem->out_num) {
			iov = &elem->out[p->tx_seg];
			src = (const uint8_t *)iov->iov_base + p->tx_off;
			n = vccw_be_char_write(p->be, src, iov->iov_len - p->tx_off);
			/* A failed backend drops output; the driver still gets its buffer back. */
			if (n < 0)
				n = (ssize_t)(iov->iov_len - p->tx_off);
			p->tx_off += (size_t)n;
			if (p->tx_off < iov->iov_len)
				return; /* backend full */
			p->tx_seg++;
			p->tx_off = 0;
		}
		p->tx_busy = false;
		vccw_virtio_push(vdev, idx, elem, 0);
	}
}

/* Copy pending input of @p into its receive buffers while both last. */
static void deliver(struct port *p)
{
	struct vccw_console *con = p->con;
	struct vccw_virtio_dev *vdev = &con->vdev;
	unsigned int idx = vccw_console_port_rx_queue(p->nr);
	struct vccw_vq_elem *elem = con->elem;
	unsigned int i;

	while (p->pend_len && can_receive(p)) {
		uint32_t done = 0;

		if (vccw_virtio_pop(vdev, idx, elem) != 1)
			return;
		for (i = 0; i < elem->in_num && p->pend_len; i++) {
			size_t n = elem->in[i].iov_len;

			if (n > p->pend_len)
				n = p->pend_len;
			memcpy(elem->in[i].iov_base, p->pend + p->pend_off, n);
			p->pend_off += n;
			p->pend_len -= n;
			done += (uint32_t)n;
		}
		if (!p->pend_len)
			p->pend_off = 0;
		vccw_virtio_push(vdev, idx, elem, done);
	}
}

static void set_paused(struct port *p, bool paused)
{
	if (p->be && paused != p->input_paused) {
		p->input_paused = paused;
		vccw_be_char_set_input(p->be, !paused);
	}
}

/*
 * Move input from @p's backend towards the driver: deliver what is pending, read more
 * into the free space, repeat until the backend has nothing or the buffer is full; then
 * pause or resume the backend so its fd reports input only when there is room. While
 * the port is closed nothing is read: input waits in the backend.
 */
static void pump_input(struct port *p)
{
	ssize_t n;

	if (!p->present || !p->be)
		return;
	if (!can_receive(p)) {
		set_paused(p, true);
		return;
	}
	for (;;) {
		deliver(p);
		if (p->pend_off && p->pend_off + p->pend_len == VCCW_CONSOLE_INBUF) {
			memmove(p->pend, p->pend + p->pend_off, p->pend_len);
			p->pend_off = 0;
		}
		if (p->pend_off + p->pend_len == VCCW_CONSOLE_INBUF)
			break;
		n = vccw_be_char_read(p->be, p->pend + p->pend_off + p->pend_len,
				      VCCW_CONSOLE_INBUF - p->pend_off - p->pend_len);
		if (n <= 0)
			break;
		p->pend_len += (size_t)n;
	}
	set_paused(p, p->pend_len == VCCW_CONSOLE_INBUF);
}

static void console_input(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	(void)vdev;
	(void)fd;
	pump_input(arg);
}

/* The backend can take output again: move its buffer on, then the transmitq. */
static void console_output(struct vccw_virtio_dev *vdev, int fd, void *arg)
{
	struct port *p = arg;

	(void)vdev;
	(void)fd;
	vccw_be_char_flush(p->be);
	/* Port N > 0 has queues only with MULTIPORT (5.3.2). */
	if (p->nr == 0 || multiport(p->con))
		transmit(p);
}

static void console_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_console *con = to_console(vdev);
	struct port *p;
	bool rx;

	if (idx == VCCW_CONSOLE_CTRL_RX_QUEUE || idx == VCCW_CONSOLE_CTRL_TX_QUEUE) {
		if (!multiport(con))
			discard_tx(con, idx);
		else if (idx == VCCW_CONSOLE_CTRL_RX_QUEUE)
			ctrl_flush(con);
		else
			ctrl_receive(con);
		return;
	}
	p = port_of_queue(con, idx, &rx);
	if (rx) {
		if (p)
			pump_input(p);
	} else if (!p || !p->be) {
		/* QEMU's handle_output(): no port (or nobody on it): the data is dropped. */
		discard_tx(con, idx);
	} else {
		transmit(p);
	}
}

static void console_start(struct vccw_virtio_dev *vdev)
{
	struct vccw_console *con = to_console(vdev);
	uint32_t nr;

	/* Input typed before the driver was ready waits for its first receive buffers. */
	for (nr = 0; nr < con->max_ports; nr++)
		pump_input(&con->ports[nr]);
}

static void console_reset(struct vccw_virtio_dev *vdev)
{
	struct vccw_console *con = to_console(vdev);
	struct port *p;
	uint32_t nr;

	/*
	 * 2.4: the rings are gone; a buffer half written is forgotten, not used. Every
	 * port is closed (QEMU's guest_reset()) and the control conversation starts over.
	 */
	con->dev_ready = false;
	con->ctrl_len = 0;
	for (nr = 0; nr < con->max_ports; nr++) {
		p = &con->ports[nr];
		p->tx_busy = false;
		p->ready = false;
		p->guest_open = false;
		pump_input(p);
	}
}

static const struct vccw_virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = VCCW_VIRTIO_ID_CONSOLE,
	.get_features = console_get_features,
	.config_size = console_config_size,
	.read_config = console_read_config,
	.write_config = console_write_config,
	.queue_max = console_queue_max,
	.queue_notify = console_queue_notify,
	.start = console_start,
	.reset = console_reset,
};

/* ---- life cycle ---- */

static int watch_port(struct vccw_console *con, struct port *p, struct vccw_err *err)
{
	int fd, rc;

	if (!p->be)
		return 0;
	fd = vccw_be_char_input_fd(p->be);
	if (fd >= 0) {
		rc = vccw_virtio_dev_watch_fd(&con->vdev, fd, console_input, p);
		if (rc)
			goto err;
	}
	fd = vccw_be_char_output_fd(p->be);
	if (fd >= 0) {
		rc = vccw_virtio_dev_watch_fd(&con->vdev, fd, console_output, p);
		if (rc)
			goto err;
	}
	return 0;
err:
	vccw_err_set(err, -rc, "virtio-console: port %u: cannot watch the backend: %s", p->nr,
		     strerror(-rc));
	return rc;
}

static void free_ports(struct vccw_console *con)
{
	unsigned int i;

	for (i = 0; i < VCCW_CONSOLE_MAX_PORTS; i++) {
		free(con->ports[i].name);
		free(con->ports[i].pend);
		free(con->ports[i].tx_elem);
	}
}

static int add_port(struct vccw_console *con, const struct vccw_console_port_config *pc,
		    struct vccw_err *err)
{
	struct port *p;

	if (pc->nr >= con->max_ports) {
		vccw_err_set(err, EINVAL, "virtio-console: port %u is out of range (max_ports %u)",
			     pc->nr, con->max_ports);
		return -EINVAL;
	}
	p = &con->ports[pc->nr];
	if (p->present) {
		vccw_err_set(err, EINVAL, "virtio-console: port %u is given twice", pc->nr);
		return -EINVAL;
	}
	if (pc->name && (!*pc->name || strlen(pc->name) > VCCW_CONSOLE_NAME_MAX)) {
		vccw_err_set(err, EINVAL, "virtio-console: port %u: a name is 1 to %u bytes",
			     pc->nr, VCCW_CONSOLE_NAME_MAX);
		return -EINVAL;
	}
	p->present = true;
	p->console = pc->console;
	p->be = pc->backend;
	p->name = pc->name ? strdup(pc->name) : NULL;
	p->pend = malloc(VCCW_CONSOLE_INBUF);
	p->tx_elem = malloc(sizeof(*p->tx_elem));
	if ((pc->name && !p->name) || !p->pend || !p->tx_elem) {
		vccw_err_set(err, ENOMEM, "virtio-console: out of memory");
		return -ENOMEM;
	}
	return 0;
}

struct vccw_console *vccw_console_new(struct vccw_mem *mem, const struct vccw_console_config *cfg,
				      uint64_t extra_features, struct vccw_err *err)
{
	struct vccw_console_port_config single;
	const struct vccw_console_port_config *ports;
	unsigned int nr_ports, i;
	struct vccw_console *con;
	uint16_t qsize;

	if (!cfg || (!cfg->ports && !cfg->backend)) {
		vccw_err_set(err, EINVAL, "virtio-console: no character backend");
		return NULL;
	}
	qsize = cfg->queue_size ? cfg->queue_size : CONSOLE_QUEUE_SIZE;
	if (qsize > VCCW_VQ_MAX_SIZE || (qsize & (qsize - 1))) {
		vccw_err_set(err, EINVAL,
			     "virtio-console: queue size %u is not a power of 2 up to %u", qsize,
			     VCCW_VQ_MAX_SIZE);
		return NULL;
	}
	if (cfg->max_ports > VCCW_CONSOLE_MAX_PORTS) {
		vccw_err_set(err, EINVAL, "virtio-console: max_ports %u is above %u", cfg->max_ports,
			     VCCW_CONSOLE_MAX_PORTS);
		return NULL;
	}
	con = calloc(1, sizeof(*con));
	if (!con) {
		vccw_err_set(err, ENOMEM, "virtio-console: out of memory");
		return NULL;
	}
	con->queue_size = qsize;
	con->max_ports = cfg->max_ports ? cfg->max_ports : 1;
	for (i = 0; i < VCCW_CONSOLE_MAX_PORTS; i++) {
		con->ports[i].con = con;
		con->ports[i].nr = i;
	}
	ports = cfg->ports;
	nr_ports = cfg->nr_ports;
	if (!ports) {
		single = (struct vccw_console_port_config){ .nr = 0, .backend = cfg->backend,
							    .console = true };
		ports = &single;
		nr_ports = 1;
	}
	for (i = 0; i < nr_ports; i++)
		if (add_port(con, &ports[i], err))
			goto err_free_ports;
	con->elem = malloc(sizeof(*con->elem));
	con->ctl_in = malloc(sizeof(*con->ctl_in));
	con->ctl_out = malloc(sizeof(*con->ctl_out));
	if (!con->elem || !con->ctl_in || !con->ctl_out) {
		vccw_err_set(err, ENOMEM, "virtio-console: out of memory");
		goto err_free_ports;
	}
	if (vccw_virtio_dev_init(&con->vdev, &console_ops, mem, extra_features, err))
		goto err_free_ports;
	for (i = 0; i < con->max_ports; i++)
		if (con->ports[i].present && watch_port(con, &con->ports[i], err))
			goto err_fini;
	return con;

err_fini:
	vccw_virtio_dev_fini(&con->vdev);
err_free_ports:
	free_ports(con);
	free(con->ctl_out);
	free(con->ctl_in);
	free(con->elem);
	free(con);
	return NULL;
}

struct vccw_virtio_dev *vccw_console_vdev(struct vccw_console *con)
{
	return &con->vdev;
}

int vccw_console_port_remove(struct vccw_console *con, uint32_t nr)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	unsigned int idx = vccw_console_port_rx_queue(nr) + 1;
	struct port *p;
	int fd;

	pthread_mutex_lock(&vdev->lock);
	p = find_port(con, nr);
	if (!p) {
		pthread_mutex_unlock(&vdev->lock);
		return -ENOENT;
	}
	if (p->be) {
		fd = vccw_be_char_input_fd(p->be);
		if (fd >= 0)
			vccw_virtio_dev_unwatch_fd_locked(vdev, fd);
		fd = vccw_be_char_output_fd(p->be);
		if (fd >= 0)
			vccw_virtio_dev_unwatch_fd_locked(vdev, fd);
		/* Leave the backend as we found it: reporting input. */
		if (p->input_paused)
			vccw_be_char_set_input(p->be, true);
	}
	p->be = NULL;
	p->input_paused = false;
	p->pend_off = p->pend_len = 0;
	/* QEMU's remove_port(): the port's unread output is used first, then REMOVE. */
	if (running(vdev) && (nr == 0 || multiport(con))) {
		if (p->tx_busy)
			vccw_virtio_push(vdev, idx, p->tx_elem, 0);
		discard_tx(con, idx);
	}
	p->tx_busy = false;
	if (con->dev_ready && multiport(con))
		ctrl_send(con, nr, VCCW_VIRTIO_CONSOLE_DEVICE_REMOVE, 0);
	p->present = false;
	p->ready = false;
	p->guest_open = false;
	pthread_mutex_unlock(&vdev->lock);
	return 0;
}

int vccw_console_port_resize(struct vccw_console *con, uint32_t nr, uint16_t cols,
			     uint16_t rows)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	struct port *p;
	int rc = 0;

	pthread_mutex_lock(&vdev->lock);
	p = find_port(con, nr);
	if (!p) {
		rc = -ENOENT;
	} else if (!p->console) {
		rc = -EINVAL;
	} else {
		p->cols = cols;
		p->rows = rows;
		if (p->ready && multiport(con))
			ctrl_send(con, nr, VCCW_VIRTIO_CONSOLE_RESIZE, 0);
	}
	pthread_mutex_unlock(&vdev->lock);
	return rc;
}

bool vccw_console_port_is_open(struct vccw_console *con, uint32_t nr)
{
	struct port *p;
	bool open;

	pthread_mutex_lock(&con->vdev.lock);
	p = find_port(con, nr);
	open = p && running(&con->vdev) && (multiport(con) ? p->guest_open : nr == 0);
	pthread_mutex_unlock(&con->vdev.lock);
	return open;
}

void vccw_console_free(struct vccw_console *con)
{
	unsigned int i;

	if (!con)
		return;
	vccw_virtio_dev_fini(&con->vdev);
	/* Leave the backends as we found them: reporting input. */
	for (i = 0; i < con->max_ports; i++)
		if (con->ports[i].present && con->ports[i].be && con->ports[i].input_paused)
			vccw_be_char_set_input(con->ports[i].be, true);
	free_ports(con);
	free(con->ctl_out);
	free(con->ctl_in);
	free(con->elem);
	free(con);
}
