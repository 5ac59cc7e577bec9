// SPDX-License-Identifier: MIT
/*
 * virtio-console with one port, virtio specification v1.2 section 5.3: transmitq
 * buffers are written to the character backend, backend input is copied into receiveq
 * buffers (5.3.6), and emerg_wr (5.3.5.1) writes one byte to the backend. Input that
 * finds no buffer waits in a bounded buffer, with the backend paused while it is full.
 * Output never waits for the backend's peer: a transmitq buffer the backend takes only
 * in part is kept until the backend drains, and the buffers behind it stay available.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/console.h"

#define CONSOLE_QUEUE_SIZE 256

struct vccw_console {
	struct vccw_virtio_dev vdev; /* first: hooks container_of() back */
	struct vccw_be_char *be;
	uint16_t queue_size;
	bool input_paused;
	struct vccw_vq_elem *elem;
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
	uint8_t pend[VCCW_CONSOLE_INBUF];
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

static uint64_t console_get_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_BIT(VCCW_VIRTIO_CONSOLE_F_EMERG_WRITE);
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
	vccw_virtio_cfg_st32(vdev, cfg + VCCW_VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, 1);
	memcpy(buf, cfg + off, len);
}

static void console_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
				 uint32_t len)
{
	const uint32_t at = VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR;
	uint8_t c;

	/*
	 * Only a write that covers all of emerg_wr counts (virtio-ccw drivers rewrite the
	 * whole prefix of the space up to the field); 5.3.5.1: the device must accept it
	 * at any time and should send the low byte of the value out.
	 */
	if (off > at || off + len < at + 4)
		return;
	c = (uint8_t)vccw_virtio_cfg_ld32(vdev, buf + (at - off));
	/*
	 * This runs inside a channel command on the css's only channel thread: never wait
	 * for the backend's peer here. The byte joins the backend's output buffer behind
	 * earlier output and is dropped when that is full; 5.3.5.1 makes sending it a
	 * SHOULD, so an emergency write is best effort.
	 */
	vccw_be_char_write(to_console(vdev)->be, &c, 1);
}

static uint16_t console_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	return idx <= VCCW_CONSOLE_TX_QUEUE ? to_console(vdev)->queue_size : 0;
}

/*
 * Hand transmitq buffers to the backend for as long as it takes bytes. When its output
 * buffer is full the current buffer stays with the device and nothing more is popped:
 * the driver sees its buffers unused and waits, nothing is lost, and this thread goes
 * on. The backend's output fd brings us back here once it drained (console_output()).
 */
static void transmit(struct vccw_console *con)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	struct vccw_vq_elem *elem = con->tx_elem;
	const struct iovec *iov;
	const uint8_t *p;
	ssize_t n;

	while (running(vdev)) {
		if (!con->tx_busy) {
			if (vccw_virtio_pop(vdev, VCCW_CONSOLE_TX_QUEUE, elem) != 1)
				return;
			con->tx_busy = true;
			con->tx_seg = 0;
			con->tx_off = 0;
		}
		/* 5.3.6.1: transmitq buffers are device-readable; writable parts are ignored. */
		while (con->tx_seg < elem->out_num) {
			iov = &elem->out[con->tx_seg];
			p = (const uint8_t *)iov->iov_base + con->tx_off;
			n = vccw_be_char_write(con->be, p, iov->iov_len - con->tx_off);
			/* A failed backend drops output; the driver still gets its buffer back. */
			if (n < 0)
				n = (ssize_t)(iov->iov_len - con->tx_off);
			con->tx_off += (size_t)n;
			if (con->tx_off < iov->iov_len)
				return; /* backend full */
			con->tx_seg++;
			con->tx_off = 0;
		}
		con->tx_busy = false;
		vccw_virtio_push(vdev, VCCW_CONSOLE_TX_QUEUE, elem, 0);
	}
}

/* Copy pending input into receive buffers while both last. */
static void deliver(struct vccw_console *con)
{
	struct vccw_virtio_dev *vdev = &con->vdev;
	struct vccw_vq_elem *elem = con->elem;
	unsigned int i;

	while (con->pend_len && running(vdev)) {
		uint32_t done = 0;

		if (vccw_virtio_pop(vdev, VCCW_CONSOLE_RX_QUEUE, elem) != 1)
			return;
		for (i = 0; i < elem->in_num && con->pend_len; i++) {
			size_t n = elem->in[i].iov_len;

			if (n > con->pend_len)
				n = con->pend_len;
			memcpy(elem->in[i].iov_base, con->pend + con->pend_off, n);
			con->pend_off += n;
			con->pend_len -= n;
			done += (uint32_t)n;
		}
		if (!con->pend_len)
			con->pend_off = 0;
		vccw_virtio_push(vdev, VCCW_CONSOLE_RX_QUEUE, elem, done);
	}
}

/*
 * Move input from the backend towards the driver: deliver what is pending, read more
 * into the free space, repeat until the backend has nothing or the buffer is full; then
 * pause or resume the backend so its fd reports input only when there is room.
 */
static void pump_input(struct vccw_console *con)
{
	bool full;
	ssize_t n;

	for (;;) {
		deliver(con);
		if (con->pend_off && con->pend_off + con->pend_len == sizeof(con->pend)) {
			memmove(con->pend, con->pend + con->pend_off, con->pend_len);
			con->pend_off = 0;
		}
		if (con->pend_off + con->pend_len == sizeof(con->pend))
			break;
		n = vccw_be_char_read(con->be, con->pend + con->pend_off + con->pend_len,
				      sizeof(con->pend) - con->pend_off - con->pend_len);
		if (n <= 0)
			break;
		con->pend_len += (size_t)n;
	}
	full = con->pend_len == sizeof(con->pend);
	if (full != con->input_paused) {
		con->input_paused = full;
		vccw_be_char_set_input(con->be, !full);
	}
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
	struct vccw_console *con = arg;

	(void)vdev;
	(void)fd;
	vccw_be_char_flush(con->be);
	transmit(con);
}

static void console_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct vccw_console *con = to_console(vdev);

	if (idx == VCCW_CONSOLE_TX_QUEUE)
		transmit(con);
	else if (idx == VCCW_CONSOLE_RX_QUEUE)
		pump_input(con);
}

static void console_start(struct vccw_virtio_dev *vdev)
{
	/* Input typed before the driver was ready waits for its first receive buffers. */
	pump_input(to_console(vdev));
}

static void console_reset(struct vccw_virtio_dev *vdev)
{
	/* 2.4: the rings are gone; a buffer half written is forgotten, not used. */
	to_console(vdev)->tx_busy = false;
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

struct vccw_console *vccw_console_new(struct vccw_mem *mem, const struct vccw_console_config *cfg,
				      uint64_t extra_features, struct vccw_err *err)
{
	struct vccw_console *con;
	uint16_t qsize;
	int fd, rc;

	if (!cfg || !cfg->backend) {
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
	con = calloc(1, sizeof(*con));
	if (!con) {
		vccw_err_set(err, ENOMEM, "virtio-console: out of memory");
		return NULL;
	}
	con->be = cfg->backend;
	con->queue_size = qsize;
	con->elem = malloc(sizeof(*con->elem));
	con->tx_elem = malloc(sizeof(*con->tx_elem));
	if (!con->elem || !con->tx_elem) {
		vccw_err_set(err, ENOMEM, "virtio-console: out of memory");
		goto err_free_elem;
	}
	if (vccw_virtio_dev_init(&con->vdev, &console_ops, mem, extra_features, err))
		goto err_free_elem;
	fd = vccw_be_char_input_fd(con->be);
	if (fd >= 0) {
		rc = vccw_virtio_dev_watch_fd(&con->vdev, fd, console_input, con);
		if (rc) {
			vccw_err_set(err, -rc, "virtio-console: cannot watch the backend: %s",
				     strerror(-rc));
			goto err_fini;
		}
	}
	fd = vccw_be_char_output_fd(con->be);
	if (fd >= 0) {
		rc = vccw_virtio_dev_watch_fd(&con->vdev, fd, console_output, con);
		if (rc) {
			vccw_err_set(err, -rc, "virtio-console: cannot watch the backend: %s",
				     strerror(-rc));
			goto err_fini;
		}
	}
	return con;

err_fini:
	vccw_virtio_dev_fini(&con->vdev);
err_free_elem:
	free(con->tx_elem);
	free(con->elem);
	free(con);
	return NULL;
}

struct vccw_virtio_dev *vccw_console_vdev(struct vccw_console *con)
{
	return &con->vdev;
}

void vccw_console_free(struct vccw_console *con)
{
	if (!con)
		return;
	vccw_virtio_dev_fini(&con->vdev);
	/* Leave the backend as we found it: reporting input. */
	if (con->input_paused)
		vccw_be_char_set_input(con->be, true);
	free(con->tx_elem);
	free(con->elem);
	free(con);
}
