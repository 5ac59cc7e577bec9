// SPDX-License-Identifier: MIT
/*
 * The demo guest (vccw-vm -kernel native:demo, ./dev run): finds its devices through
 * channel I/O, prints lscss and lschp, then drives each device with its driver and
 * reports each result: blocks written, flushed and read back on virtio-blk, random bytes
 * from virtio-rng, an ARP request sent on virtio-net (and the reply, with user
 * networking), the balloon inflated and deflated, and a line on virtio-console.
 * Results go to the machine console; the console device gets a copy of each.
 *
 * Devices may come and go while it runs (vccw-vm's device_add / device_del): between
 * steps it lets the channel-I/O layer process channel reports, and reports each device
 * gained (drivers already bound) or lost. The hotplug program (hotplug.c) runs the same
 * steps, then keeps doing so until the machine ends.
 */
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"
#include "guest/tools.h"
#include "vccw/byteorder.h"

#include "demo-int.h"

int guest_demo_main(void);

static unsigned int failures;
/* Missing devices are skipped rather than failed (the hotplug program's machines). */
static bool lenient;
static void (*hotplug_hook)(struct guest_device *dev, bool added);

/*
 * Results go to the machine console once; the console device carries its own line
 * (demo_console()), so a demo whose console device is on stdio shows each line once.
 */
static void emit(char *line, int n, size_t size)
{
	if (n > (int)size - 2)
		n = (int)size - 2;
	line[n++] = '\n';
	line[n] = 0;
	guest_printf("%s", line);
}

void guest_demo_say(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(line, n, sizeof(line));
}

__attribute__((format(printf, 2, 3))) static void result(bool ok, const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	n = guest_snprintf(line, sizeof(line), "demo: %s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	n += guest_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	emit(line, n, sizeof(line));
	if (!ok)
		failures++;
}

/* A step whose device is missing: a failure, or with @lenient a note. */
static void no_device(const char *what)
{
	if (lenient)
		guest_demo_say("demo: skip %s: no device", what);
	else
		result(false, "%s: no device", what);
}

/*
 * Hot-plug notifier: the cio layer calls it from guest_cio_poll() once a new device is
 * enabled, identified and offered to the drivers, and after a lost device's driver let
 * go of it. A new console gets a line of its own, which shows its backend works.
 */
static void notify(struct guest_device *dev, bool added)
{
	struct guest_console *con;
	char line[96];
	int n;

	if (!added) {
		guest_demo_say("demo: lost %x.%x.%04x", dev->cssid, dev->ssid, dev->devno);
		if (hotplug_hook)
			hotplug_hook(dev, false);
		return;
	}
	/* Before the report: whoever waits for the report finds the line there. */
	if (dev->drv && dev->cu_model == GUEST_VIRTIO_ID_CONSOLE && dev->drvdata) {
		con = dev->drvdata;
		n = guest_snprintf(line, sizeof(line), "demo: hello on hot-plugged console "
				   "%x.%x.%04x\n", dev->cssid, dev->ssid, dev->devno);
		guest_console_write(con, line, (size_t)n);
	}
	guest_demo_say("demo: gained %x.%x.%04x (%04x/%02x %s)", dev->cssid, dev->ssid,
		       dev->devno, dev->cu_type, dev->cu_model,
		       dev->drv ? dev->drv->name : "no driver");
	if (hotplug_hook)
		hotplug_hook(dev, true);
}

void guest_demo_watch_hotplug(void)
{
	guest_cio_set_hotplug_notifier(notify);
}

void guest_demo_set_hotplug_hook(void (*fn)(struct guest_device *dev, bool added))
{
	hotplug_hook = fn;
}

/* A line through virtio-console's transmit queue. */
static void demo_console(void)
{
	static const char line[] = "demo: virtio-console: this line went through the console "
				   "device\n";

	if (!guest_console_count()) {
		no_device("virtio-console");
		return;
	}
	result(guest_console_write(guest_console_get(0), line, sizeof(line) - 1) == 0,
	       "virtio-console: wrote a line through the console device");
}

/*
 * Sectors 32-63 (whole 4 KiB blocks, so any logical block size up to 4096 works): a
 * pattern, zeroed at 40-47 (WRITE_ZEROES) and 48-55 (with unmap), discarded at 56-63,
 * with the cache in writethrough mode (CONFIG_WCE) meanwhile. The integration test
 * reads the image afterwards.
 */
static void demo_blk_zeroes(struct guest_blk *blk)
{
	const uint32_t n = 32 * GUEST_BLK_SECTOR_SIZE;
	uint8_t *buf;
	bool zero = true, kept;
	uint32_t i;

	if (!blk->has_write_zeroes || !blk->has_discard || blk->ro)
		return;
	buf = guest_alloc(n, 4096);
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 5 + 3);
	if (blk->has_config_wce)
		result(guest_blk_set_writeback(blk, false) == 0 && !blk->writeback,
		       "virtio-blk: cache switched to writethrough (CONFIG_WCE)");
	result(guest_blk_write(blk, 32, buf, 32) == 0 &&
		       guest_blk_write_zeroes(blk, 40, 8, false) == 0 &&
		       guest_blk_write_zeroes(blk, 48, 8, true) == 0,
	       "virtio-blk: wrote sectors 32-63, zeroed 40-55 (WRITE_ZEROES, %s descriptors)",
	       blk->vdev.vqs[0]->indirect ? "indirect" : "direct");
	result(guest_blk_discard(blk, 56, 8) == 0, "virtio-blk: discarded sectors 56-63");
	guest_memset(buf, 0xee, n);
	result(guest_blk_read(blk, 32, buf, 24) == 0, "virtio-blk: read sectors 32-55 back");
	for (i = 0; i < 24 * GUEST_BLK_SECTOR_SIZE; i++) {
		if (i < 8 * GUEST_BLK_SECTOR_SIZE)
			kept = buf[i] == (uint8_t)(i * 5 + 3);
		else
			kept = buf[i] == 0;
		zero = zero && kept;
	}
	result(zero, "virtio-blk: zeroed sectors read back as zeroes, the rest as written");
	if (blk->has_config_wce)
		result(guest_blk_set_writeback(blk, true) == 0 && blk->writeback,
		       "virtio-blk: cache back to writeback");
	guest_free(buf, n);
}

static void demo_blk(void)
{
	struct guest_blk *blk;
	uint8_t *out, *in;
	char id[GUEST_BLK_ID_BYTES + 1];
	unsigned int i;
	bool same;

	if (!guest_blk_count()) {
		no_device("virtio-blk");
		return;
	}
	blk = guest_blk_get(0);
	out = guest_alloc(8 * GUEST_BLK_SECTOR_SIZE, 4096);
	in = guest_alloc(8 * GUEST_BLK_SECTOR_SIZE, 4096);
	for (i = 0; i < 8 * GUEST_BLK_SECTOR_SIZE; i++)
		out[i] = (uint8_t)(i * 7 + 13);
	result(guest_blk_write(blk, 8, out, 8) == 0, "virtio-blk: wrote 8 sectors at sector 8 "
	       "(capacity %llu sectors; virtio-ccw revision %d, %s indicators)",
	       (unsigned long long)blk->capacity, blk->vdev.revision,
	       blk->vdev.adapter ? "adapter" : "classic");
	if (blk->has_flush)
		result(guest_blk_flush(blk) == 0, "virtio-blk: flushed");
	guest_memset(in, 0, 8 * GUEST_BLK_SECTOR_SIZE);
	result(guest_blk_read(blk, 8, in, 8) == 0, "virtio-blk: read them back");
	same = !guest_memcmp(in, out, 8 * GUEST_BLK_SECTOR_SIZE);
	result(same, "virtio-blk: data read back matches what was written");
	guest_memset(id, 0, sizeof(id));
	if (guest_blk_get_id(blk, id, sizeof(id)) == 0)
		result(true, "virtio-blk: device id '%s'", id);
	guest_demo_say("demo: virtio-blk: blocks of %u bytes (physical %u), geometry %u/%u/%u, "
		       "%s cache", blk->blk_size, blk->phys_block_size, blk->cylinders,
		       blk->heads, blk->sectors, blk->writeback ? "writeback" : "writethrough");
	guest_free(out, 8 * GUEST_BLK_SECTOR_SIZE);
	guest_free(in, 8 * GUEST_BLK_SECTOR_SIZE);
	demo_blk_zeroes(blk);
}

static void demo_rng(void)
{
	uint8_t *buf;
	char hex[2 * 16 + 1];
	unsigned int i, nonzero = 0;

	if (!guest_rng_count()) {
		no_device("virtio-rng");
		return;
	}
	buf = guest_alloc(16, 8);
	if (guest_rng_read(guest_rng_get(0), buf, 16) != 0) {
		result(false, "virtio-rng: read failed");
		guest_free(buf, 16);
		return;
	}
	for (i = 0; i < 16; i++) {
		guest_snprintf(hex + 2 * i, 3, "%02x", buf[i]);
		nonzero += buf[i] != 0;
	}
	result(nonzero > 0, "virtio-rng: 16 random bytes %s", hex);
	guest_free(buf, 16);
}

/* A test frame of @len bytes from us to @dst (local experimental EtherType 0x88b5). */
static void own_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src,
		      uint8_t tag)
{
	size_t i;

	guest_memcpy(f, dst, 6);
	guest_memcpy(f + 6, src, 6);
	vccw_st_be16(f + 12, 0x88b5);
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(i + tag);
	f[14] = tag;
}

/* Wait up to @us for a frame of @len bytes tagged @tag; other frames are skipped. */
static bool got_back(struct guest_net *net, uint8_t *r, size_t len, uint8_t tag, uint64_t us)
{
	uint64_t end = guest_arch_now_us() + us;
	int n;

	while (guest_arch_now_us() < end) {
		n = guest_net_recv(net, r, GUEST_NET_MAX_FRAME, 50000);
		if (n < 0)
			return false;
		if ((size_t)n == len && vccw_ld_be16(r + 12) == 0x88b5)
			return r[14] == tag;
	}
	return false;
}

/*
 * With a loopback backend (-netdev loopback) what we send comes back: a full-size frame
 * to our MAC arrives spread over mergeable receive buffers, and a frame to another
 * MAC is kept out by the receive filter the driver set (promiscuous off). With other
 * backends nothing comes back and the step is only noted.
 */
static void demo_net_loop(struct guest_net *net)
{
	static const uint8_t other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t *f = guest_alloc(GUEST_NET_MAX_FRAME, 8), *r = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	bool back;

	own_frame(f, 1400, net->mac, net->mac, 1);
	back = guest_net_send(net, f, 1400) == 0 && got_back(net, r, 1400, 1, 300000) &&
	       !guest_memcmp(r, f, 1400);
	if (!back) {
		guest_printf("demo: note virtio-net: our own frame did not come back (no "
			     "loopback backend)\n");
		goto out;
	}
	result(true, "virtio-net: a 1400-byte frame to our MAC came back in %u receive "
	       "buffers (%s)", net->last_num_buffers, net->mrg_rxbuf ? "MRG_RXBUF" : "one buffer");
	/* The frame to another MAC goes first; the one to us shows it was not let in. */
	own_frame(f, 60, other, net->mac, 2);
	back = guest_net_send(net, f, 60) == 0;
	own_frame(f, 60, net->mac, net->mac, 3);
	back = back && guest_net_send(net, f, 60) == 0 && got_back(net, r, 60, 3, 2000000);
	result(back, "virtio-net: a frame to another MAC was filtered (CTRL_RX promiscuous off)");
out:
	guest_free(f, GUEST_NET_MAX_FRAME);
	guest_free(r, GUEST_NET_MAX_FRAME);
}

/* An ARP request for the user-networking gateway 10.0.2.2 from 10.0.2.15. */
static void demo_net(void)
{
	static const uint8_t gw[4] = { 10, 0, 2, 2 }, me[4] = { 10, 0, 2, 15 };
	struct guest_net *net;
	uint8_t *f, *r;
	bool replied;
	uint64_t end;
	int n;

	if (!guest_net_count()) {
		no_device("virtio-net");
		return;
	}
	net = guest_net_get(0);
	f = guest_alloc(64, 8);
	r = guest_alloc(GUEST_NET_MAX_FRAME, 8);
	guest_memset(f, 0xff, 6);                     /* broadcast */
	guest_memcpy(f + 6, net->mac, 6);
	vccw_st_be16(f + 12, 0x0806);                 /* ARP */
	vccw_st_be16(f + 14, 1);                      /* Ethernet */
	vccw_st_be16(f + 16, 0x0800);                 /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	vccw_st_be16(f + 20, 1);                      /* request */
	guest_memcpy(f + 22, net->mac, 6);
	guest_memcpy(f + 28, me, 4);
	guest_memset(f + 32, 0, 6);
	guest_memcpy(f + 38, gw, 4);
	guest_memset(f + 42, 0, 18);
	result(guest_net_send(net, f, 60) == 0, "virtio-net: sent an ARP request for 10.0.2.2 "
	       "from %02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1], net->mac[2],
	       net->mac[3], net->mac[4], net->mac[5]);
	end = guest_arch_now_us() + 2000000;
	replied = false;
	while (!replied && guest_arch_now_us() < end) {
		n = guest_net_recv(net, r, GUEST_NET_MAX_FRAME, 200000);
		if (n < 0)
			break; /* the NIC is gone (unplugged): no reply can come */
		if (n >= 42 && vccw_ld_be16(r + 12) == 0x0806 && vccw_ld_be16(r + 20) == 2 &&
		    !guest_memcmp(r + 28, gw, 4)) {
			result(true, "virtio-net: ARP reply: 10.0.2.2 is at "
			       "%02x:%02x:%02x:%02x:%02x:%02x", r[22], r[23], r[24], r[25], r[26],
			       r[27]);
			replied = true;
		}
	}
	if (!replied)
		guest_printf("demo: note virtio-net: no ARP reply (the backend has no gateway)\n");
	guest_free(f, 64);
	guest_free(r, GUEST_NET_MAX_FRAME);
	demo_net_loop(net);
}

static void demo_balloon(void)
{
	struct guest_balloon *b;

	if (!guest_balloon_count()) {
		no_device("virtio-balloon");
		return;
	}
	b = guest_balloon_get(0);
	result(guest_balloon_inflate(b, 64) == 0 && b->nr_pages == 64,
	       "virtio-balloon: inflated by 64 pages (256 KiB returned to the host)");
	result(guest_balloon_deflate(b, 64) == 0 && b->nr_pages == 0,
	       "virtio-balloon: deflated by 64 pages");
}

int guest_demo_steps(bool skip_missing)
{
	int n;

	lenient = skip_missing;
	failures = 0;
	guest_drivers_register_all();
	n = guest_cio_init();
	guest_demo_watch_hotplug();
	guest_printf("demo: found %d devices through channel I/O\n\n", n);
	guest_lscss();
	guest_printf("\n");
	guest_lschp();
	guest_printf("\n");
	demo_console();
	/* Between steps: devices plugged or unplugged meanwhile are reported (notify). */
	guest_cio_poll();
	demo_blk();
	guest_cio_poll();
	demo_rng();
	guest_cio_poll();
	demo_net();
	guest_cio_poll();
	demo_balloon();
	guest_cio_poll();
	guest_printf("demo: %s\n", failures ? "some steps failed" : "all steps passed");
	return failures ? 1 : 0;
}

int guest_demo_main(void)
{
	int rc = guest_demo_steps(false);

	guest_cio_exit();
	return rc;
}
