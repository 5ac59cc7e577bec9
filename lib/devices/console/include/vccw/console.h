/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (device ID 3), virtio specification v1.2 section 5.3: one or more ports,
 * each a pair of queues whose data goes to and comes from a character backend.
 *
 * Single port (max_ports 1): queue 0 is port 0's receiveq, queue 1 its transmitq, and
 * VIRTIO_CONSOLE_F_MULTIPORT is not offered (max_nr_ports reads as 1). QEMU's
 * virtio-serial offers MULTIPORT exactly when max_ports > 1, and so does this device.
 *
 * Multiport (max_ports 2 to VCCW_CONSOLE_MAX_PORTS, 5.3.6.2): queues 2 and 3 are the
 * control receiveq (device to driver) and control transmitq, port N > 0 has queues
 * 2N + 2 and 2N + 3. Each control message is struct virtio_console_control (id le32,
 * event le16, value le16; legacy drivers: guest byte order, big-endian on s390). The
 * conversation, as Linux's virtio_console.c and QEMU's virtio-serial-bus.c hold it:
 *   driver: DEVICE_READY 1 once its control receiveq has buffers
 *   device: DEVICE_ADD for every port, in port-number order
 *   driver: PORT_READY 1 for each port once its receiveq has buffers (0: failed)
 *   device: for that port CONSOLE_PORT 1 (console ports), RESIZE (console ports whose
 *           size was set), PORT_NAME (named ports: the name follows the 8-byte header,
 *           without a NUL as 5.3.6.2 says; QEMU appends one), PORT_OPEN 1 (the host
 *           side is connected: backends here are always connected)
 *   driver: PORT_OPEN 1 / 0 when the port is opened / closed in the guest
 *   device: DEVICE_REMOVE when a port is unplugged (vccw_console_port_remove())
 * Messages the device has to send while the control receiveq has no buffer wait in a
 * queue of VCCW_CONSOLE_CTRL_PENDING messages (QEMU drops them); beyond that they are
 * dropped. A control message shorter than 8 bytes, a port number that is not a port,
 * and events the driver may not send are ignored, as QEMU ignores them.
 *
 * Port state: input from a port's backend is delivered only while the driver has the
 * port open (PORT_OPEN 1; without MULTIPORT, port 0 is open from DRIVER_OK on, as in
 * QEMU's set_status()); otherwise it waits in the backend (its input is paused).
 * Output is taken from every port's transmitq at any time; output on a port without a
 * backend, or on a queue of a port that does not exist, is dropped and the buffer used.
 * A reset closes every port and forgets DEVICE_READY and PORT_READY.
 *
 * Features: VIRTIO_CONSOLE_F_EMERG_WRITE (a write of emerg_wr in configuration space
 * sends its low byte to port 0's backend, even before the driver is set up), and
 * MULTIPORT as above. F_SIZE is not offered (cols and rows read as 0).
 *
 * Input is read on the device's I/O thread when a backend's input fd becomes
 * readable, and when the driver adds receive buffers. Input that finds no receive
 * buffer waits in a VCCW_CONSOLE_INBUF-byte buffer per port; when that is full the
 * device stops reading the backend (vccw_be_char_set_input()) until buffers come.
 *
 * Output never blocks a thread: the backend buffers what its peer does not take at once
 * (VCCW_BE_CHAR_OUTBUF bytes). When that is full the device keeps the transmitq buffer
 * it is writing, takes no further ones from that port (they stay available: the driver
 * waits, nothing is lost) and goes on when the backend's output fd reports room. An
 * emergency write that finds the buffer full is dropped (best effort, 5.3.5.1), since
 * it runs inside a channel command on the css's channel thread.
 */
#ifndef VCCW_CONSOLE_H
#define VCCW_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/be-char.h"
#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* Queues (spec 5.3.2): port 0, the control pair, then one pair per further port. */
#define VCCW_CONSOLE_RX_QUEUE 0
#define VCCW_CONSOLE_TX_QUEUE 1
#define VCCW_CONSOLE_CTRL_RX_QUEUE 2
#define VCCW_CONSOLE_CTRL_TX_QUEUE 3

/* Receive queue of port @nr; its transmit queue is the next one. */
static inline unsigned int vccw_console_port_rx_queue(uint32_t nr)
{
	return nr ? 2 + 2 * nr : VCCW_CONSOLE_RX_QUEUE;
}

/* Control events (struct virtio_console_control.event, spec 5.3.6.2). */
#define VCCW_VIRTIO_CONSOLE_DEVICE_READY 0
#define VCCW_VIRTIO_CONSOLE_DEVICE_ADD 1
#define VCCW_VIRTIO_CONSOLE_DEVICE_REMOVE 2
#define VCCW_VIRTIO_CONSOLE_PORT_READY 3
#define VCCW_VIRTIO_CONSOLE_CONSOLE_PORT 4
#define VCCW_VIRTIO_CONSOLE_RESIZE 5
#define VCCW_VIRTIO_CONSOLE_PORT_OPEN 6
#define VCCW_VIRTIO_CONSOLE_PORT_NAME 7
/* struct virtio_console_control: id at 0 (32 bits), event at 4, value at 6. */
#define VCCW_VIRTIO_CONSOLE_CTRL_SIZE 8

/* Ports at most: 2 + 2 * 31 queues fill the transport's 64 (QEMU's default max_ports). */
#define VCCW_CONSOLE_MAX_PORTS 31
/* Longest port name, in bytes. */
#define VCCW_CONSOLE_NAME_MAX 127
/* Control messages waiting for control receiveq buffers, at most. */
#define VCCW_CONSOLE_CTRL_PENDING 256

/* Pending input kept while the driver has no receive buffer. */
#define VCCW_CONSOLE_INBUF 4096

struct vccw_console_port_config {
	uint32_t nr;                  /* port number, below max_ports */
	/* Borrowed: must outlive the port. NULL: output dropped, no input. */
	struct vccw_be_char *backend;
	const char *name;             /* copied; NULL: no PORT_NAME (QEMU's name=) */
	bool console;                 /* a console port: CONSOLE_PORT (QEMU's virtconsole) */
};

struct vccw_console_config {
	/*
	 * The single-port form: port 0, a console, on this backend (borrowed: must
	 * outlive the device). Used when @ports is NULL; then required.
	 */
	struct vccw_be_char *backend;
	uint16_t queue_size; /* maximum queue size; 0: 256. A power of 2 up to 1024. */
	/* Ports the driver may see (max_nr_ports); 0: 1. Above 1: MULTIPORT is offered. */
	uint32_t max_ports;
	/*
	 * The ports (none when @nr_ports is 0), numbers distinct and below max_ports;
	 * borrowed during _new() only.
	 */
	const struct vccw_console_port_config *ports;
	unsigned int nr_ports;
};

struct vccw_console;

/*
 * Create a console over @mem with the ports of @cfg, and watch each backend's input
 * and output fds on the device's I/O thread (two of its watch slots per backend).
 * @extra_features: as for vccw_virtio_dev_init().
 * Returns: a new device owned by the caller, or NULL with @err filled (a bad port
 * number, a duplicate, a name longer than VCCW_CONSOLE_NAME_MAX, max_ports out of range).
 */
struct vccw_console *vccw_console_new(struct vccw_mem *mem, const struct vccw_console_config *cfg,
				      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_console_free(). */
struct vccw_virtio_dev *vccw_console_vdev(struct vccw_console *con);
/*
 * Unplug port @nr: the driver gets DEVICE_REMOVE (if it was told of the port), the
 * port's transmit buffers are used unread, and its backend is no longer watched or
 * used: the caller may close it once this returns.
 * Returns: 0, or -ENOENT when there is no such port.
 * Context: any thread but the device's I/O thread; takes the device lock.
 */
int vccw_console_port_remove(struct vccw_console *con, uint32_t nr);
/*
 * Set console port @nr's size: a RESIZE message (cols, rows as 5.3.6.2 lays out struct
 * virtio_console_resize) now if the driver has the port ready, else after its
 * PORT_READY. Returns: 0, -ENOENT (no such port) or -EINVAL (not a console port).
 * Context: any thread but the device's I/O thread; takes the device lock.
 */
int vccw_console_port_resize(struct vccw_console *con, uint32_t nr, uint16_t cols,
			     uint16_t rows);
/*
 * Whether the driver has port @nr open (PORT_OPEN 1; without MULTIPORT, port 0 while
 * the driver is running). False for a port that does not exist.
 * Context: any thread but the device's I/O thread; takes the device lock.
 */
bool vccw_console_port_is_open(struct vccw_console *con, uint32_t nr);
/* Stop the device and free it (not the backends). NULL is a no-op. */
void vccw_console_free(struct vccw_console *con);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_CONSOLE_H */
