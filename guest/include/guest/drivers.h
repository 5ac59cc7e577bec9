/* SPDX-License-Identifier: MIT */
/*
 * Guest virtio device drivers over the virtio-ccw driver (guest/virtio.h): block,
 * console, entropy, network and balloon (virtio v1.2 sections 5.2, 5.3, 5.4, 5.1, 5.5).
 * Each registers with the cio layer for control-unit type 0x3832 and its model (the
 * virtio device ID) and keeps the devices it bound in probe order: guest_<dev>_get(i)
 * returns the i-th, NULL past the end.
 *
 * Buffers passed in may be anywhere in guest memory: drivers bounce data through their
 * own guest_alloc() buffers, which the device sees. Every call is synchronous: it adds
 * the request, notifies the device and waits (guest_arch_wait() loop, bounded by
 * GUEST_VCCW_TIMEOUT_US unless a timeout is passed) for the device to use it.
 * Errors are negative GUEST_E* numbers (guest/virtio.h); -GUEST_ENODEV when the device
 * was unplugged, at once, also when that happens while a call waits. The device then
 * stays listed (every call on it fails so) until the program's next guest_cio_poll()
 * runs the driver's remove; only then is the pointer invalid.
 *
 * Context: the guest program's vCPU; not reentrant.
 */
#ifndef GUEST_DRIVERS_H
#define GUEST_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/virtio.h"

/* Register every driver below with the cio layer (binds devices found already). */
void guest_drivers_register_all(void);

/* ---- virtio-blk (5.2) ---- */

#define GUEST_BLK_SECTOR_SIZE 512
#define GUEST_BLK_ID_BYTES 20

struct guest_blk {
	struct guest_vdev vdev;
	uint64_t capacity; /* 512-byte sectors, from the configuration space */
	uint32_t blk_size; /* VIRTIO_BLK_F_BLK_SIZE, else 512 */
	/* VIRTIO_BLK_F_GEOMETRY (else 0) and VIRTIO_BLK_F_TOPOLOGY (else blk_size, 0, 0). */
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t phys_block_size; /* bytes */
	uint16_t min_io_size;     /* logical blocks */
	uint32_t opt_io_size;     /* logical blocks */
	bool ro;           /* VIRTIO_BLK_F_RO */
	bool has_flush;    /* VIRTIO_BLK_F_FLUSH */
	bool has_config_wce; /* VIRTIO_BLK_F_CONFIG_WCE: writeback can be switched */
	bool writeback;    /* the device's cache mode as last read (5.2.5) */
	bool has_discard;  /* VIRTIO_BLK_F_DISCARD */
	bool has_write_zeroes; /* VIRTIO_BLK_F_WRITE_ZEROES */
	uint32_t max_discard_sectors, discard_alignment, max_write_zeroes_sectors;
	unsigned int nr_queues; /* request queues set up (VIRTIO_BLK_F_MQ: num_queues) */
	uint8_t *req;      /* header (16 bytes) + status byte, guest RAM */
	uint8_t *bounce;   /* data bounce buffer, GUEST_BLK_BOUNCE bytes */
};

#define GUEST_BLK_BOUNCE (64u * 1024)
/* Request queues the driver sets up at most (the device may offer up to 64). */
#define GUEST_BLK_MAX_QUEUES 16

/* A request in flight (guest_blk_submit()): in guest RAM (guest_blk_req_new()). */
struct guest_blk_req {
	uint8_t hdr[16];  /* type, reserved, sector in the negotiated byte order */
	uint8_t status;   /* device-written (5.2.6) */
	bool write;
	uint32_t len;     /* data bytes */
	uint32_t used;    /* used length the device reported */
	void *priv;       /* the caller's */
};

void guest_blk_register(void);
unsigned int guest_blk_count(void);
struct guest_blk *guest_blk_get(unsigned int i);
/*
 * Read / write @nsectors sectors at @sector. Returns 0, -GUEST_EIO (IOERR or beyond the
 * capacity), -GUEST_EOPNOTSUPP (UNSUPP, or a write to a read-only device),
 * -GUEST_ENODEV (unplugged), or -GUEST_ETIMEDOUT.
 */
int guest_blk_read(struct guest_blk *blk, uint64_t sector, void *buf, uint32_t nsectors);
int guest_blk_write(struct guest_blk *blk, uint64_t sector, const void *buf, uint32_t nsectors);
/* VIRTIO_BLK_T_FLUSH; without VIRTIO_BLK_F_FLUSH there is no cache: returns 0. */
int guest_blk_flush(struct guest_blk *blk);
/* VIRTIO_BLK_T_GET_ID: up to 20 bytes into @id, NUL-terminated within @len (>= 1). */
int guest_blk_get_id(struct guest_blk *blk, char *id, size_t len);
/*
 * VIRTIO_BLK_T_DISCARD / VIRTIO_BLK_T_WRITE_ZEROES of @nsectors at @sector, in requests
 * of one segment each, at most the device's max_*_sectors. @unmap lets the device
 * deallocate while zeroing. Returns 0, -GUEST_EOPNOTSUPP (feature not negotiated,
 * read-only device, or UNSUPP), -GUEST_EIO (beyond the capacity, or IOERR) or another
 * negative error.
 */
int guest_blk_discard(struct guest_blk *blk, uint64_t sector, uint32_t nsectors);
int guest_blk_write_zeroes(struct guest_blk *blk, uint64_t sector, uint32_t nsectors,
			   bool unmap);
/*
 * Switch the cache mode through writeback (VIRTIO_BLK_F_CONFIG_WCE, 5.2.5): true
 * writeback, false writethrough; reads the field back into blk->writeback. Returns 0,
 * -GUEST_EOPNOTSUPP without CONFIG_WCE, -GUEST_EIO when the device kept another mode.
 */
int guest_blk_set_writeback(struct guest_blk *blk, bool writeback);
/* A request object in guest RAM, or NULL when guest RAM is exhausted; and its release. */
struct guest_blk_req *guest_blk_req_new(void);
void guest_blk_req_free(struct guest_blk_req *r);
/*
 * Make an IN (@write false) or OUT of @len bytes (a multiple of 512) at @sector
 * available on queue @q, without notifying (guest_blk_kick()). @buf (guest RAM) and @r
 * are the device's until guest_blk_reap() returns @r. Returns 0, -GUEST_ENOSPC (the
 * queue is full), -GUEST_EINVAL, -GUEST_EIO (beyond the capacity), -GUEST_EOPNOTSUPP
 * (a write to a read-only disk) or the queue's error.
 */
int guest_blk_submit(struct guest_blk *blk, unsigned int q, struct guest_blk_req *r, bool write,
		     uint64_t sector, void *buf, uint32_t len);
/* Notify queue @q unless the device suppressed it; false when that failed. */
bool guest_blk_kick(struct guest_blk *blk, unsigned int q);
/*
 * The next completed request of queue @q, waiting up to @timeout_us (0: do not wait),
 * or NULL (none yet, or the queue broke: guest_vq_error()).
 */
struct guest_blk_req *guest_blk_reap(struct guest_blk *blk, unsigned int q, uint64_t timeout_us);
/* 0 when @r completed OK with the used length it should have, else a negative error. */
int guest_blk_req_result(const struct guest_blk_req *r);

/* ---- virtio-console (5.3): port 0, or with MULTIPORT several ports ---- */

#define GUEST_CONSOLE_F_SIZE 0
#define GUEST_CONSOLE_F_MULTIPORT 1
#define GUEST_CONSOLE_RX_BUFS 8
#define GUEST_CONSOLE_RX_BUF_SIZE 256
#define GUEST_CONSOLE_TX_BUF_SIZE 4096
/* Ports this driver sets queues up for (queues 0 to 2 * (N + 1) - 1); others get
 * PORT_READY 0, as Linux answers a port it cannot add. */
#define GUEST_CONSOLE_MAX_PORTS 4
#define GUEST_CONSOLE_NAME_MAX 127
#define GUEST_CONSOLE_CTRL_BUFS 16
#define GUEST_CONSOLE_CTRL_BUF_SIZE (8 + GUEST_CONSOLE_NAME_MAX + 1)

struct guest_console;

struct guest_console_port {
	struct guest_console *con;
	uint32_t id;
	bool present;      /* announced (DEVICE_ADD) and not removed */
	bool console;      /* CONSOLE_PORT: a console port (opened by the driver at once) */
	bool host_open;    /* the device's PORT_OPEN */
	bool guest_open;   /* our PORT_OPEN */
	uint16_t cols, rows; /* RESIZE */
	char name[GUEST_CONSOLE_NAME_MAX + 1]; /* PORT_NAME; "" when none */
	struct guest_vq *rxq, *txq;
	uint8_t *rx[GUEST_CONSOLE_RX_BUFS]; /* posted receive buffers */
	uint8_t *cur;                       /* a used receive buffer being consumed */
	uint32_t cur_len, cur_off;
	uint8_t *tx;                        /* transmit bounce buffer */
};

struct guest_console {
	struct guest_vdev vdev;
	bool multiport;        /* VIRTIO_CONSOLE_F_MULTIPORT negotiated */
	uint32_t max_nr_ports; /* the device's max_nr_ports (1 without MULTIPORT) */
	uint32_t nr_ports;     /* ports with queues here: min(max_nr_ports, MAX_PORTS) */
	struct guest_console_port ports[GUEST_CONSOLE_MAX_PORTS];
	uint8_t *ctrl_rx[GUEST_CONSOLE_CTRL_BUFS];
	uint8_t *ctrl_tx;
};

void guest_console_register(void);
unsigned int guest_console_count(void);
struct guest_console *guest_console_get(unsigned int i);
/*
 * The console port: port 0 without MULTIPORT, else the first port the device named a
 * console (CONSOLE_PORT), waiting up to @timeout_us for the control messages that say
 * so. NULL when there is none.
 */
struct guest_console_port *guest_console_port_console(struct guest_console *con,
							uint64_t timeout_us);
/* Send @len bytes on the console port's transmitq. Returns 0 or a negative error
 * (-GUEST_ENODEV also when the device has no console port). */
int guest_console_write(struct guest_console *con, const void *buf, size_t len);
/*
 * Receive up to @len bytes on the console port: what has arrived, or, if nothing has,
 * wait up to @timeout_us for something. Returns the bytes copied (0: nothing within the
 * timeout) or a negative error.
 */
int guest_console_read(struct guest_console *con, void *buf, size_t len, uint64_t timeout_us);

/*
 * MULTIPORT (5.3.6.2): handle the control messages the device has sent (port added or
 * removed, console, name, open, resize), answering as the spec and Linux do. Never
 * waits. The functions below call it; a program that only waits calls it itself.
 * Returns 0 or a negative error.
 */
int guest_console_poll(struct guest_console *con);
/* Port @id if the device announced it (after guest_console_poll()), else NULL. */
struct guest_console_port *guest_console_port_get(struct guest_console *con, uint32_t id);
/* The port named @name (PORT_NAME), waiting up to @timeout_us for it; NULL if none. */
struct guest_console_port *guest_console_port_find(struct guest_console *con, const char *name,
						     uint64_t timeout_us);
/* Open (@open true) or close the port in the guest: PORT_OPEN to the device. Input
 * reaches a port only while it is open. Returns 0 or a negative error. */
int guest_console_port_open(struct guest_console_port *port, bool open);
/* As guest_console_write() / guest_console_read(), on @port. */
int guest_console_port_write(struct guest_console_port *port, const void *buf, size_t len);
int guest_console_port_read(struct guest_console_port *port, void *buf, size_t len,
			    uint64_t timeout_us);

/* ---- virtio-rng (5.4) ---- */

struct guest_rng {
	struct guest_vdev vdev;
	uint8_t *buf; /* GUEST_RNG_CHUNK bytes, guest RAM */
};

#define GUEST_RNG_CHUNK 4096

void guest_rng_register(void);
unsigned int guest_rng_count(void);
struct guest_rng *guest_rng_get(unsigned int i);
/* Fill @buf with @len random bytes. Returns 0 or a negative error. */
int guest_rng_read(struct guest_rng *rng, void *buf, size_t len);

/* ---- virtio-net (5.1), one queue pair and the control queue ---- */

#define GUEST_NET_F_MAC 5
#define GUEST_NET_F_MRG_RXBUF 15
#define GUEST_NET_F_STATUS 16
#define GUEST_NET_F_CTRL_VQ 17
#define GUEST_NET_F_CTRL_RX 18
#define GUEST_NET_F_GUEST_ANNOUNCE 21
#define GUEST_NET_F_CTRL_MAC_ADDR 23
#define GUEST_NET_MAX_FRAME 1514
#define GUEST_NET_RX_BUFS 8
/* With MRG_RXBUF: more, smaller receive buffers; a full frame spans several (5.1.6.4). */
#define GUEST_NET_MRG_BUFS 24
#define GUEST_NET_MRG_BUF_SIZE 512

struct guest_net {
	struct guest_vdev vdev;
	bool has_mac;
	uint8_t mac[6];
	unsigned int hdr_len; /* 12 with VERSION_1 (or MRG_RXBUF), else 10 (5.1.6) */
	bool mrg_rxbuf;       /* VIRTIO_NET_F_MRG_RXBUF negotiated */
	bool ctrl;            /* VIRTIO_NET_F_CTRL_VQ: queue 2 is the control queue */
	unsigned int nr_rx;   /* receive buffers (GUEST_NET_RX_BUFS or _MRG_BUFS) */
	uint32_t rx_size;     /* bytes of each */
	uint8_t *rx[GUEST_NET_MRG_BUFS];
	uint8_t *tx;
	uint8_t *ctrl_buf;    /* control command: class, command, data, ack (guest RAM) */
	unsigned int last_num_buffers; /* of the last frame received */
	volatile bool config_pending; /* set by the configuration-change interruption */
	unsigned int announces;       /* VIRTIO_NET_S_ANNOUNCE requests acknowledged */
};

void guest_net_register(void);
unsigned int guest_net_count(void);
struct guest_net *guest_net_get(unsigned int i);
/* Send one Ethernet frame (without FCS). Returns 0 or a negative error. */
int guest_net_send(struct guest_net *net, const void *frame, size_t len);
/*
 * Receive one frame into @buf: returns its length (truncated to @len), 0 when none came
 * within @timeout_us, or a negative error. With MRG_RXBUF the frame is gathered from
 * num_buffers receive buffers. A pending configuration change is handled first
 * (guest_net_config()).
 */
int guest_net_recv(struct guest_net *net, void *buf, size_t len, uint64_t timeout_us);
/*
 * Look at a configuration change the device signalled: with GUEST_ANNOUNCE and the
 * VIRTIO_NET_S_ANNOUNCE status bit set, acknowledge with VIRTIO_NET_CTRL_ANNOUNCE_ACK
 * (5.1.6.5.4) and count it in net->announces; telling the peers (Linux: gratuitous
 * ARP) is the program's, which knows its addresses. Returns 1 when an announcement was
 * acknowledged, 0 when there was none, or a negative error.
 */
int guest_net_config(struct guest_net *net);
/*
 * Control queue commands (5.1.6.5). Each returns 0 (VIRTIO_NET_OK), -GUEST_EIO
 * (VIRTIO_NET_ERR), -GUEST_EOPNOTSUPP (feature not negotiated) or another error.
 * set_rx_mode: VIRTIO_NET_CTRL_RX_PROMISC and _ALLMULTI (CTRL_RX). set_mac_table:
 * MAC_TABLE_SET with @nu unicast and @nm multicast addresses (CTRL_RX). set_mac:
 * MAC_ADDR_SET (CTRL_MAC_ADDR), and net->mac follows.
 */
int guest_net_set_rx_mode(struct guest_net *net, bool promisc, bool allmulti);
int guest_net_set_mac_table(struct guest_net *net, const uint8_t (*uni)[6], unsigned int nu,
			    const uint8_t (*multi)[6], unsigned int nm);
int guest_net_set_mac(struct guest_net *net, const uint8_t mac[6]);

/* ---- virtio-balloon (5.5) ---- */

#define GUEST_BALLOON_F_MUST_TELL_HOST 0
#define GUEST_BALLOON_F_STATS_VQ 1
#define GUEST_BALLOON_NR_STATS 10 /* tags 0-9 (5.5.6.4), all supplied */
#define GUEST_BALLOON_STAT_SIZE 10 /* le16 tag, le64 value */
#define GUEST_BALLOON_PAGE 4096u /* VIRTIO_BALLOON_PFN_SHIFT 12 */
#define GUEST_BALLOON_MAX_PAGES 4096u
#define GUEST_BALLOON_PFNS_PER_REQ 256u

struct guest_balloon {
	struct guest_vdev vdev;
	uint32_t nr_pages;    /* pages in the balloon (= actual) */
	void **pages;         /* GUEST_BALLOON_MAX_PAGES page pointers */
	uint8_t *pfns;        /* u32 PFNs of one request, guest RAM */
	bool has_stats;       /* VIRTIO_BALLOON_F_STATS_VQ negotiated */
	uint8_t *stats;       /* the stats buffer, guest RAM */
	unsigned int stats_answered; /* requests answered since probe */
};

void guest_balloon_register(void);
unsigned int guest_balloon_count(void);
struct guest_balloon *guest_balloon_get(unsigned int i);
/* The device's num_pages (target size of the balloon), or a negative error. */
int64_t guest_balloon_target(struct guest_balloon *b);
/*
 * Give @npages pages to the host (inflateq) / take them back (deflateq), then update
 * actual. Returns 0 when all moved, else a negative error (-GUEST_ENOMEM: guest RAM ran
 * out, the balloon holds GUEST_BALLOON_MAX_PAGES, or it is empty); nr_pages tells how
 * far it got.
 */
int guest_balloon_inflate(struct guest_balloon *b, unsigned int npages);
int guest_balloon_deflate(struct guest_balloon *b, unsigned int npages);
/*
 * The statistics the driver reports (5.5.6.4), by tag, from the guest allocator:
 * MEMTOT the heap less the balloon, MEMFREE and AVAIL its free bytes, the others 0
 * (this guest has no swap, no page faults, no caches, no huge pages).
 */
void guest_balloon_get_stats(struct guest_balloon *b, uint64_t val[GUEST_BALLOON_NR_STATS]);
/*
 * STATS_VQ (5.5.6.3): if the device used the stats buffer (a request), fill it with
 * fresh statistics and give it back. Never waits. Returns 1 when it answered, 0 when
 * there was no request (or no stats queue), or a negative error.
 */
int guest_balloon_poll(struct guest_balloon *b);
/* Inflate or deflate toward the device's num_pages. Returns 0 or a negative error. */
int guest_balloon_follow(struct guest_balloon *b);

#endif /* GUEST_DRIVERS_H */
