/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (device ID 3) with a single port and no VIRTIO_CONSOLE_F_MULTIPORT:
 * queue 0 is port 0's receiveq, queue 1 its transmitq. Output (transmitq buffers and
 * emergency writes) goes to a character backend; input from the backend fills receiveq
 * buffers. virtio specification v1.2 section 5.3.
 *
 * Features: VIRTIO_CONSOLE_F_EMERG_WRITE (a write of emerg_wr in configuration space
 * sends its low byte to the backend, even before the driver is set up). F_SIZE is not
 * offered (cols and rows read as 0), nor F_MULTIPORT (max_nr_ports reads as 1).
 *
 * Input is read on the device's I/O thread when the backend's input fd becomes
 * readable, and when the driver adds receive buffers. Input that finds no receive
 * buffer waits in a VCCW_CONSOLE_INBUF-byte buffer; when that is full the device stops
 * reading the backend (vccw_be_char_set_input()) until buffers come.
 *
 * Output never blocks a thread: the backend buffers what its peer does not take at once
 * (VCCW_BE_CHAR_OUTBUF bytes). When that is full the device keeps the transmitq buffer
 * it is writing, takes no further ones (they stay available: the driver waits, nothing
 * is lost) and goes on when the backend's output fd reports room. An emergency write
 * that finds the buffer full is dropped (best effort, 5.3.5.1), since it runs inside a
 * channel command on the css's channel thread.
 */
#ifndef VCCW_CONSOLE_H
#define VCCW_CONSOLE_H

#include <stdint.h>

#include "vccw/be-char.h"
#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

/* Feature bits (spec 5.3.3). */
#define VCCW_VIRTIO_CONSOLE_F_SIZE 0
#define VCCW_VIRTIO_CONSOLE_F_MULTIPORT 1
#define VCCW_VIRTIO_CONSOLE_F_EMERG_WRITE 2

/* Configuration space offsets (struct virtio_console_config, as Linux lays it out). */
#define VCCW_VIRTIO_CONSOLE_CFG_COLS 0
#define VCCW_VIRTIO_CONSOLE_CFG_ROWS 2
#define VCCW_VIRTIO_CONSOLE_CFG_MAX_NR_PORTS 4
#define VCCW_VIRTIO_CONSOLE_CFG_EMERG_WR 8
#define VCCW_VIRTIO_CONSOLE_CFG_SIZE 12

#define VCCW_CONSOLE_RX_QUEUE 0
#define VCCW_CONSOLE_TX_QUEUE 1

/* Pending input kept while the driver has no receive buffer. */
#define VCCW_CONSOLE_INBUF 4096

struct vccw_console_config {
	/* Borrowed: must outlive the device. Required. */
	struct vccw_be_char *backend;
	uint16_t queue_size; /* maximum queue size; 0: 256. A power of 2 up to 1024. */
};

struct vccw_console;

/*
 * Create a console over @mem talking to @cfg->backend, and watch the backend's input
 * and output fds on the device's I/O thread (two of its watch slots). @extra_features:
 * as for vccw_virtio_dev_init().
 * Returns: a new device owned by the caller, or NULL with @err filled.
 */
struct vccw_console *vccw_console_new(struct vccw_mem *mem, const struct vccw_console_config *cfg,
				      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_console_free(). */
struct vccw_virtio_dev *vccw_console_vdev(struct vccw_console *con);
/* Stop the device and free it (not the backend). NULL is a no-op. */
void vccw_console_free(struct vccw_console *con);

#endif /* VCCW_CONSOLE_H */
