/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (device ID 1) with one queue pair and a control queue: queue 0 is
 * receiveq1, queue 1 transmitq1, queue 2 controlq. Frames go to and come from a network
 * backend (vccw/be-net.h). virtio specification v1.2 section 5.1.
 *
 * Features offered: MAC (mac in configuration space), STATUS (link state, initially
 * up), MTU when the configuration sets an MTU, MRG_RXBUF, CTRL_VQ with CTRL_RX,
 * CTRL_RX_EXTRA, GUEST_ANNOUNCE and CTRL_MAC_ADDR, and VIRTIO_F_ANY_LAYOUT (headers may
 * share or span descriptors). No checksum or segmentation offloads: frames are whole and
 * fully checksummed both ways, so the header the device writes is all zeros but for
 * num_buffers. A driver that accepts CTRL_RX, GUEST_ANNOUNCE or CTRL_MAC_ADDR without
 * CTRL_VQ (5.1.3.1) cannot set FEATURES_OK.
 *
 * The virtio_net_hdr is 12 bytes when VERSION_1 or MRG_RXBUF is negotiated (with
 * num_buffers), 10 bytes for other legacy drivers (5.1.6.1).
 *
 * Transmit: each transmitq buffer is one header plus one frame; the device skips the
 * header and sends the frame. Receive: without MRG_RXBUF each frame goes into one
 * receiveq buffer after the header (num_buffers 1); a buffer too small for header plus
 * frame is returned with used length 0 and the frame dropped (5.1.6.3.1: the driver
 * should post at least 1526 bytes). With MRG_RXBUF a frame fills as many buffers as it
 * needs, each but the last completely, num_buffers says how many, and all of them are
 * used together (5.1.6.4); a first buffer shorter than the header gets the same answer
 * as a too-small buffer. A frame that finds too few buffers waits (the buffers it
 * would take stay available) in a backlog of VCCW_NET_RX_BACKLOG frames; beyond that
 * frames are dropped, as a NIC with a full ring drops them. A receive buffer with no
 * device-writable part is a driver error: NEEDS_RESET (QEMU does the same).
 *
 * Receive filtering (5.1.6.5.1, 5.1.6.5.2), applied to every frame from the backend as
 * QEMU's receive_filter() does: promiscuous mode is on after reset (so a driver that
 * never sends CTRL_RX commands receives everything); otherwise broadcast passes unless
 * NOBCAST, multicast passes with ALLMULTI, a table overflow or a table entry unless
 * NOMULTI, unicast passes for our MAC (VIRTIO_NET_CTRL_MAC_ADDR_SET), with ALLUNI, a
 * table overflow or a table entry unless NOUNI. The MAC table holds
 * VCCW_NET_MAC_TABLE_ENTRIES addresses; a longer list sets the overflow of its kind.
 * Filtered frames are counted, not delivered.
 *
 * Control queue (5.1.6.5): class and command, data, then the ack byte (OK 0, ERR 1);
 * used length 1. Commands: RX PROMISC and ALLMULTI (CTRL_RX), ALLUNI, NOMULTI, NOUNI,
 * NOBCAST (CTRL_RX_EXTRA), each with one data byte (0 off, else on); MAC TABLE_SET
 * (CTRL_RX; two tables of a 32-bit count in the negotiated byte order and 6-byte
 * addresses, applied only when both parse); MAC ADDR_SET (CTRL_MAC_ADDR; exactly 6
 * bytes, reflected in mac); ANNOUNCE ACK (GUEST_ANNOUNCE; clears VIRTIO_NET_S_ANNOUNCE,
 * ERR when it was not set, as in QEMU). A command of a feature not negotiated, an
 * unknown one or malformed data gets ERR. A buffer without the two header bytes or the
 * ack byte: NEEDS_RESET.
 *
 * Context: transmit, receive and the control queue run on the device's I/O thread under
 * the device lock; the backend's receive fd is watched there.
 */
#ifndef VCCW_NET_H
#define VCCW_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/be-net.h"
#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feature bits (spec 5.1.3). */
#define VCCW_VIRTIO_NET_F_CSUM 0
#define VCCW_VIRTIO_NET_F_GUEST_CSUM 1
#define VCCW_VIRTIO_NET_F_MTU 3
#define VCCW_VIRTIO_NET_F_MAC 5
#define VCCW_VIRTIO_NET_F_MRG_RXBUF 15
#define VCCW_VIRTIO_NET_F_STATUS 16
#define VCCW_VIRTIO_NET_F_CTRL_VQ 17
#define VCCW_VIRTIO_NET_F_CTRL_RX 18
#define VCCW_VIRTIO_NET_F_CTRL_RX_EXTRA 20
#define VCCW_VIRTIO_NET_F_GUEST_ANNOUNCE 21
#define VCCW_VIRTIO_NET_F_CTRL_MAC_ADDR 23

/* Control queue (spec 5.1.6.5): classes, commands, ack values. */
#define VCCW_VIRTIO_NET_CTRL_RX 0
#define VCCW_VIRTIO_NET_CTRL_RX_PROMISC 0
#define VCCW_VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VCCW_VIRTIO_NET_CTRL_RX_ALLUNI 2
#define VCCW_VIRTIO_NET_CTRL_RX_NOMULTI 3
#define VCCW_VIRTIO_NET_CTRL_RX_NOUNI 4
#define VCCW_VIRTIO_NET_CTRL_RX_NOBCAST 5
#define VCCW_VIRTIO_NET_CTRL_MAC 1
#define VCCW_VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VCCW_VIRTIO_NET_CTRL_MAC_ADDR_SET 1
#define VCCW_VIRTIO_NET_CTRL_ANNOUNCE 3
#define VCCW_VIRTIO_NET_CTRL_ANNOUNCE_ACK 0
#define VCCW_VIRTIO_NET_OK 0
#define VCCW_VIRTIO_NET_ERR 1

/* status field bits (spec 5.1.4). */
#define VCCW_VIRTIO_NET_S_LINK_UP 1
#define VCCW_VIRTIO_NET_S_ANNOUNCE 2

/* Configuration space offsets (struct virtio_net_config, spec 5.1.4). */
#define VCCW_VIRTIO_NET_CFG_MAC 0
#define VCCW_VIRTIO_NET_CFG_STATUS 6
#define VCCW_VIRTIO_NET_CFG_MAX_VQ_PAIRS 8
#define VCCW_VIRTIO_NET_CFG_MTU 10
#define VCCW_VIRTIO_NET_CFG_SIZE 12

/* struct virtio_net_hdr sizes (spec 5.1.6): with num_buffers, and legacy without. */
#define VCCW_VIRTIO_NET_HDR_LEN 12
#define VCCW_VIRTIO_NET_HDR_LEN_LEGACY 10

#define VCCW_NET_RX_QUEUE 0
#define VCCW_NET_TX_QUEUE 1
#define VCCW_NET_CTRL_QUEUE 2
#define VCCW_NET_CTRL_QUEUE_SIZE 64 /* QEMU's */
/* MAC filter table entries, unicast and multicast together (QEMU's MAC_TABLE_ENTRIES). */
#define VCCW_NET_MAC_TABLE_ENTRIES 64

/* Received frames kept while the driver has no receive buffer. */
#define VCCW_NET_RX_BACKLOG 64

/* MAC address used when the configuration leaves it all zeros (QEMU's default). */
#define VCCW_NET_DEFAULT_MAC { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }

struct vccw_net_config {
	/* Borrowed: must outlive the device. Required. */
	struct vccw_be_net *backend;
	uint8_t mac[6];      /* all zeros: VCCW_NET_DEFAULT_MAC */
	uint16_t mtu;        /* 0: F_MTU not offered; else 68..65535 (5.1.4.1) */
	uint16_t queue_size; /* maximum queue size; 0: 256. A power of 2 up to 1024. */
};

/* Frame counters since the device was created. */
struct vccw_net_stats {
	uint64_t tx_frames;  /* sent to the backend */
	uint64_t tx_dropped; /* not sent: too big, or the backend failed */
	uint64_t rx_frames;  /* placed into receive buffers */
	uint64_t rx_dropped; /* backlog full, buffer too small, or too big for the backend */
	uint64_t rx_filtered; /* not for us by the receive filter */
	uint64_t rx_backlog;  /* frames waiting for receive buffers now */
};

struct vccw_net;

/*
 * Create a network device over @mem talking to @cfg->backend, and watch the backend's
 * receive fd on the device's I/O thread. @extra_features: as for vccw_virtio_dev_init().
 * Returns: a new device owned by the caller, or NULL with @err filled.
 */
struct vccw_net *vccw_net_new(struct vccw_mem *mem, const struct vccw_net_config *cfg,
			      uint64_t extra_features, struct vccw_err *err);
/* The virtio device, for a transport. Valid until vccw_net_free(). */
struct vccw_virtio_dev *vccw_net_vdev(struct vccw_net *net);
/*
 * Set the link state reported in status (VIRTIO_NET_S_LINK_UP) and, when it changes and
 * the driver accepted VIRTIO_NET_F_STATUS, raise a configuration change (5.1.4). While
 * the link is down, frames sent by the driver are dropped and none are received.
 * Context: any thread; takes the device lock.
 */
void vccw_net_set_link(struct vccw_net *net, bool up);
/*
 * Ask the driver to announce itself (after a migration, QMP announce-self): when it
 * accepted GUEST_ANNOUNCE and is running, set VIRTIO_NET_S_ANNOUNCE in status and raise
 * a configuration change (5.1.6.5.4). Returns true when the request was made.
 * Context: any thread; takes the device lock.
 */
bool vccw_net_announce(struct vccw_net *net);
/*
 * The filter state, for tests and the monitor: the current MAC and the RX modes as bits
 * (1 << VCCW_VIRTIO_NET_CTRL_RX_*). Context: any thread; takes the device lock.
 */
void vccw_net_get_filter(struct vccw_net *net, uint8_t mac[6], unsigned int *rx_modes);
/* Copy the counters into @stats. Context: any thread; takes the device lock. */
void vccw_net_get_stats(struct vccw_net *net, struct vccw_net_stats *stats);
/* Stop the device and free it (not the backend). NULL is a no-op. */
void vccw_net_free(struct vccw_net *net);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_NET_H */
