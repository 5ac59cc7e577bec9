/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (device ID 1) with one queue pair and no control queue: queue 0 is
 * receiveq1, queue 1 transmitq1. Frames go to and come from a network backend
 * (vccw/be-net.h). virtio specification v1.2 section 5.1.
 *
 * Features offered: VIRTIO_NET_F_MAC (mac in configuration space), VIRTIO_NET_F_STATUS
 * (link state, initially up), VIRTIO_NET_F_MTU when the configuration sets an MTU, and
 * VIRTIO_F_ANY_LAYOUT (headers may share or span descriptors). No checksum or
 * segmentation offloads: frames are whole and fully checksummed both ways, so the
 * header the device writes is all zeros. VIRTIO_NET_F_MRG_RXBUF is not offered: a frame
 * spread over several buffers must become visible to the driver all at once (5.1.6.4:
 * num_buffers counts buffers already used), and the virtio core publishes each used
 * buffer as it is pushed.
 *
 * The virtio_net_hdr is 12 bytes when VERSION_1 is negotiated (with num_buffers, which
 * the device sets to 1, 5.1.6.3.2), 10 bytes for legacy drivers (5.1.6.1).
 *
 * Transmit: each transmitq buffer is one header plus one frame; the device skips the
 * header and sends the frame. Receive: each frame goes into one receiveq buffer after a
 * zeroed header. A frame that finds no receive buffer waits in a backlog of
 * VCCW_NET_RX_BACKLOG frames; beyond that frames are dropped, as a NIC with a full ring
 * drops them. A receive buffer too small for header plus frame is returned with used
 * length 0 and the frame dropped (5.1.6.3.1: the driver should post at least 1526
 * bytes, 1514 + 12).
 *
 * Context: transmit and receive run on the device's I/O thread under the device lock;
 * the backend's receive fd is watched there.
 */
#ifndef VCCW_NET_H
#define VCCW_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/be-net.h"
#include "vccw/mem.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

/* Feature bits (spec 5.1.3). */
#define VCCW_VIRTIO_NET_F_CSUM 0
#define VCCW_VIRTIO_NET_F_GUEST_CSUM 1
#define VCCW_VIRTIO_NET_F_MTU 3
#define VCCW_VIRTIO_NET_F_MAC 5
#define VCCW_VIRTIO_NET_F_MRG_RXBUF 15
#define VCCW_VIRTIO_NET_F_STATUS 16
#define VCCW_VIRTIO_NET_F_CTRL_VQ 17

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
/* Copy the counters into @stats. Context: any thread; takes the device lock. */
void vccw_net_get_stats(struct vccw_net *net, struct vccw_net_stats *stats);
/* Stop the device and free it (not the backend). NULL is a no-op. */
void vccw_net_free(struct vccw_net *net);

#endif /* VCCW_NET_H */
