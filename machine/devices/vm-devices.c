// SPDX-License-Identifier: MIT
/*
 * The device types vccw-vm knows: one explicit table (name as on QEMU's command line,
 * virtio device ID, properties, checks, constructor), the property parser that fills a
 * struct vm_device from "-device TYPE,prop=value,...", and the glue from a configured
 * device to its virtio device. The virtio-ccw transport (devno, max_revision) is added
 * by the machine for every type with a device ID; a type without one (virtconsole,
 * virtserialport) is a port that plugs into another device.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/balloon.h"
#include "vccw/be-net.h"
#include "vccw/blk.h"
#include "vccw/console.h"
#include "vccw/net.h"
#include "vccw/rng.h"
#include "vm-int.h"

#define PROP_STR(n, field)                                                                         \
	{ .name = n, .kind = VM_PROP_STR, .off = offsetof(struct vm_device, field) }
#define PROP_UINT(n, field, lo, hi, p2)                                                            \
	{ .name = n, .kind = VM_PROP_UINT, .off = offsetof(struct vm_device, field), .min = lo,   \
	  .max = hi, .pow2 = p2 }
#define PROP_SIZE(n, field, hi, p2)                                                                \
	{ .name = n, .kind = VM_PROP_SIZE, .off = offsetof(struct vm_device, field), .max = hi,   \
	  .pow2 = p2 }

/* Properties of the virtio-ccw transport, shared by every type with a device ID. */
static const struct vm_prop transport_props[] = {
	{ .name = "devno", .kind = VM_PROP_BUSID },
	PROP_UINT("max_revision", max_revision, 0, 2, false),
	{ .name = "packed", .kind = VM_PROP_BOOL, .off = offsetof(struct vm_device, packed) },
	/* Experimental (QEMU's x- convention): refuse SET_IND_ADAPTER, for fallback tests. */
	{ .name = "x-adapter-interrupts", .kind = VM_PROP_BOOL,
	  .off = offsetof(struct vm_device, adapter_interrupts) },
	/*
	 * Experimental: READ_STATUS only from revision 2 (virtio 1.2 4.3.2.1.1's SHOULD);
	 * off by default, because Linux drivers at revision 1 send it.
	 */
	{ .name = "x-strict-read-status", .kind = VM_PROP_BOOL,
	  .off = offsetof(struct vm_device, strict_read_status) },
	/*
	 * QEMU's ioeventfd: on (default), a notification goes to the device's I/O thread;
	 * off, the vCPU that notified serves the queue itself when the device is free.
	 */
	{ .name = "ioeventfd", .kind = VM_PROP_BOOL, .off = offsetof(struct vm_device, ioeventfd) },
};

/* ---- references between options ---- */

static struct vm_drive *find_drive(struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_drives; i++)
		if (!strcmp(cfg->drives[i]->id, id))
			return cfg->drives[i];
	return NULL;
}

static struct vm_chardev *find_chardev(struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_chardevs; i++)
		if (!strcmp(cfg->chardevs[i]->id, id))
			return cfg->chardevs[i];
	return NULL;
}

static struct vm_netdev *find_netdev(struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_netdevs; i++)
		if (!strcmp(cfg->netdevs[i]->id, id))
			return cfg->netdevs[i];
	return NULL;
}

/* chardev=ID: required, known, and not already taken (as QEMU: one frontend each). */
static int take_chardev(struct vm_config *cfg, struct vm_device *dev)
{
	struct vm_chardev *c;

	if (!dev->chardev_id) {
		vm_error(dev->what, "property 'chardev' is required");
		return -1;
	}
	c = find_chardev(cfg, dev->chardev_id);
	if (!c) {
		vm_error(dev->what, "property 'chardev' refers to unknown chardev '%s'",
			 dev->chardev_id);
		return -1;
	}
	if (c->user) {
		vm_error(dev->what, "property 'chardev': chardev '%s' is already used by %s",
			 c->id, c->user->what);
		return -1;
	}
	c->user = dev;
	dev->chardev = c;
	return 0;
}

/* ---- virtio-blk-ccw ---- */

static const struct vm_prop blk_props[] = {
	PROP_STR("drive", drive_id),
	PROP_STR("serial", serial),
	PROP_UINT("num-queues", num_queues, 1, VCCW_BLK_MAX_QUEUES, false),
	PROP_STR("iothread", iothread_id),
	PROP_UINT("queue-size", queue_size, 2, 1024, true),
	/* QEMU's block properties: 0 leaves the backend's value (blkconf_blocksizes()). */
	PROP_SIZE("logical_block_size", logical_block_size, VCCW_BLK_MAX_BLOCK_SIZE, true),
	PROP_SIZE("physical_block_size", physical_block_size, VCCW_BLK_MAX_BLOCK_SIZE, true),
	PROP_SIZE("min_io_size", min_io_size, UINT32_MAX, false),
	PROP_SIZE("opt_io_size", opt_io_size, UINT32_MAX, false),
	PROP_UINT("cyls", cyls, 0, UINT32_MAX, false),
	PROP_UINT("heads", heads, 0, UINT32_MAX, false),
	PROP_UINT("secs", secs, 0, UINT32_MAX, false),
	PROP_STR("write-cache", write_cache),
	/* Firmware boot: the device with the lowest bootindex gets the IPLB (QEMU). */
	PROP_UINT("bootindex", bootindex, 0, VM_BOOTINDEX_MAX, false),
};

/*
 * The cache mode at reset, as QEMU's blkconf_apply_backend_options() sets it:
 * write-cache=on/off, or (auto) the drive's cache.writeback.
 */
static bool blk_write_cache(const struct vm_device *dev)
{
	if (dev->write_cache && !strcmp(dev->write_cache, "on"))
		return true;
	if (dev->write_cache && !strcmp(dev->write_cache, "off"))
		return false;
	return !dev->drive || (dev->drive->cache != VCCW_BE_BLK_CACHE_WRITETHROUGH &&
			       dev->drive->cache != VCCW_BE_BLK_CACHE_DIRECTSYNC);
}

static void blk_fill_config(const struct vm_device *dev, struct vccw_blk_config *cfg)
{
	cfg->serial = dev->serial;
	cfg->num_queues = (uint16_t)dev->num_queues;
	cfg->queue_size = (uint16_t)dev->queue_size;
	cfg->logical_block_size = (uint32_t)dev->logical_block_size;
	cfg->physical_block_size = (uint32_t)dev->physical_block_size;
	cfg->min_io_size = (uint32_t)dev->min_io_size;
	cfg->opt_io_size = (uint32_t)dev->opt_io_size;
	cfg->cyls = (uint32_t)dev->cyls;
	cfg->heads = (uint32_t)dev->heads;
	cfg->secs = (uint32_t)dev->secs;
	cfg->writethrough = !blk_write_cache(dev);
	cfg->iothread = dev->iothread ? dev->iothread->iot : NULL;
}

static int blk_check(struct vm_config *cfg, struct vm_device *dev)
{
	struct vccw_blk_config bcfg = { 0 };
	struct vccw_err err = { 0 };
	struct vm_drive *d;

	if (!dev->drive_id) {
		vm_error_qmp("drive property not set");
		vm_error(dev->what, "property 'drive' is required");
		return -1;
	}
	d = find_drive(cfg, dev->drive_id);
	if (!d) {
		vm_error_qmp("Property 'virtio-blk-device.drive' can't find value '%s'",
			     dev->drive_id);
		vm_error(dev->what, "property 'drive' refers to unknown drive '%s'",
			 dev->drive_id);
		return -1;
	}
	if (vm_drive_check_use(d, dev->what))
		return -1;
	if (d->user) {
		vm_error_qmp("Drive '%s' is already in use by another device", d->id);
		vm_error(dev->what, "property 'drive': drive '%s' is already used by %s", d->id,
			 d->user->what);
		return -1;
	}
	if (dev->write_cache && strcmp(dev->write_cache, "auto") && strcmp(dev->write_cache, "on") &&
	    strcmp(dev->write_cache, "off")) {
		vm_error_qmp("Parameter 'write-cache' does not accept value '%s'", dev->write_cache);
		vm_error(dev->what, "property 'write-cache': '%s' is not auto, on or off",
			 dev->write_cache);
		return -1;
	}
	if (dev->iothread_id) {
		dev->iothread = vm_iothread_find(cfg, dev->iothread_id);
		if (!dev->iothread) {
			/* qemu-system-s390x 7.2's words (its link property). */
			vm_error_qmp("Device '%s' not found", dev->iothread_id);
			vm_error(dev->what, "property 'iothread' refers to unknown iothread '%s' "
				 "(add -object iothread,id=%s)", dev->iothread_id, dev->iothread_id);
			return -1;
		}
	}
	if (dev->serial && strlen(dev->serial) > VCCW_VIRTIO_BLK_ID_BYTES) {
		vm_error(dev->what, "property 'serial': '%s' is longer than %u bytes", dev->serial,
			 VCCW_VIRTIO_BLK_ID_BYTES);
		return -1;
	}
	/*
	 * The block sizes against each other, with 512 for those left to the backend
	 * (not open yet); the device checks again with the backend's own value.
	 */
	blk_fill_config(dev, &bcfg);
	if (vccw_blk_check_layout(&bcfg, VCCW_BLK_MIN_BLOCK_SIZE, &err)) {
		vm_error(dev->what, "%s", err.msg);
		return -1;
	}
	d->user = dev;
	dev->drive = d;
	return 0;
}

static struct vccw_virtio_dev *blk_create(struct vccw_mem *mem, struct vm_device *dev,
					  uint64_t features, struct vccw_err *err)
{
	struct vccw_blk_config cfg = { .backend = dev->drive->be };
	struct vccw_blk *blk;

	/* A file node whose image its qcow2 node could not hand back has none open. */
	if (!cfg.backend) {
		vccw_err_set(err, EBADF, "node '%s' has no image open", dev->drive->id);
		return NULL;
	}
	blk_fill_config(dev, &cfg);
	blk = vccw_blk_new(mem, &cfg, features, err);
	if (!blk)
		return NULL;
	dev->obj = blk;
	return vccw_blk_vdev(blk);
}

static void blk_destroy(struct vm_device *dev)
{
	vccw_blk_free(dev->obj);
}

/* ---- virtio-serial-ccw, its ports (virtconsole, virtserialport), virtio-console-ccw ---- */

static const struct vm_prop chardev_props[] = {
	PROP_STR("chardev", chardev_id),
};

static const struct vm_prop serial_props[] = {
	PROP_UINT("max_ports", max_ports, 1, VCCW_CONSOLE_MAX_PORTS, false),
};

static const struct vm_prop port_props[] = {
	PROP_STR("chardev", chardev_id),
	PROP_STR("name", port_name),
	PROP_UINT("nr", nr, 0, VCCW_CONSOLE_MAX_PORTS - 1, false),
};

static int console_check(struct vm_config *cfg, struct vm_device *dev)
{
	return take_chardev(cfg, dev);
}

static bool is_console_port(const struct vm_device *dev)
{
	return !strcmp(dev->type->name, "virtconsole");
}

static struct vm_device *bus_port(struct vm_device *bus, uint64_t nr)
{
	struct vm_device *p;

	for (p = bus->port; p; p = p->next_port)
		if (p->nr == nr)
			return p;
	return NULL;
}

/*
 * A port plugs into the last virtio-serial-ccw before it on the command line, at nr= or
 * at the number QEMU's virtser_port_device_realize() picks: 0 for the first virtconsole,
 * else the lowest free number from 1 (0 stays reserved for a console port).
 */
static int port_check(struct vm_config *cfg, struct vm_device *dev)
{
	struct vm_device *bus = NULL, **tail;
	unsigned int i;
	uint64_t nr;

	if (take_chardev(cfg, dev))
		return -1;
	for (i = 0; i < dev->index; i++)
		if (!strcmp(cfg->devices[i]->type->name, "virtio-serial-ccw"))
			bus = cfg->devices[i];
	if (!bus) {
		vm_error(dev->what, "no -device virtio-serial-ccw before it to attach the port to");
		return -1;
	}
	if (dev->port_name && strlen(dev->port_name) > VCCW_CONSOLE_NAME_MAX) {
		vm_error(dev->what, "property 'name': longer than %u bytes", VCCW_CONSOLE_NAME_MAX);
		return -1;
	}
	if (dev->nr == VM_PORT_NR_AUTO) {
		nr = is_console_port(dev) && !bus_port(bus, 0) ? 0 : 1;
		while (nr < bus->max_ports && bus_port(bus, nr))
			nr++;
		if (nr >= bus->max_ports) {
			vm_error(dev->what, "%s has all its %llu ports taken (max_ports)", bus->what,
				 (unsigned long long)bus->max_ports);
			return -1;
		}
		dev->nr = nr;
	} else if (dev->nr >= bus->max_ports) {
		vm_error(dev->what, "property 'nr': %llu is out of range for %s (max_ports %llu)",
			 (unsigned long long)dev->nr, bus->what,
			 (unsigned long long)bus->max_ports);
		return -1;
	} else if (dev->nr == 0 && !is_console_port(dev)) {
		vm_error(dev->what, "property 'nr': port 0 is reserved for a virtconsole");
		return -1;
	} else if (bus_port(bus, dev->nr)) {
		vm_error(dev->what, "property 'nr': port %llu of %s is taken by %s",
			 (unsigned long long)dev->nr, bus->what, bus_port(bus, dev->nr)->what);
		return -1;
	}
	for (tail = &bus->port; *tail; tail = &(*tail)->next_port)
		;
	*tail = dev;
	dev->bus = bus;
	return 0;
}

static struct vccw_virtio_dev *console_new(struct vccw_mem *mem, struct vm_device *dev,
					   const struct vccw_console_config *cfg,
					   uint64_t features, struct vccw_err *err)
{
	struct vccw_console *con = vccw_console_new(mem, cfg, features, err);

	if (!con)
		return NULL;
	dev->obj = con;
	return vccw_console_vdev(con);
}

/* virtio-console-ccw: the single-port console, without MULTIPORT. */
static struct vccw_virtio_dev *console_create(struct vccw_mem *mem, struct vm_device *dev,
					      uint64_t features, struct vccw_err *err)
{
	struct vccw_console_config cfg = { .backend = dev->chardev->be };

	return console_new(mem, dev, &cfg, features, err);
}

/* virtio-serial-ccw: max_ports ports (MULTIPORT above 1), its ports plugged in. */
static struct vccw_virtio_dev *serial_create(struct vccw_mem *mem, struct vm_device *dev,
					     uint64_t features, struct vccw_err *err)
{
	struct vccw_console_port_config ports[VCCW_CONSOLE_MAX_PORTS];
	struct vccw_console_config cfg = { .max_ports = (uint32_t)dev->max_ports,
					   .ports = ports };
	struct vm_device *p;

	for (p = dev->port; p && cfg.nr_ports < VCCW_CONSOLE_MAX_PORTS; p = p->next_port)
		ports[cfg.nr_ports++] = (struct vccw_console_port_config){
			.nr = (uint32_t)p->nr,
			.backend = p->chardev->be,
			.name = p->port_name,
			.console = is_console_port(p),
		};
	return console_new(mem, dev, &cfg, features, err);
}

static void console_destroy(struct vm_device *dev)
{
	vccw_console_free(dev->obj);
}

/* ---- virtio-rng-ccw ---- */

static struct vccw_virtio_dev *rng_create(struct vccw_mem *mem, struct vm_device *dev,
					  uint64_t features, struct vccw_err *err)
{
	struct vccw_rng *rng = vccw_rng_new(mem, NULL, features, err);

	if (!rng)
		return NULL;
	dev->obj = rng;
	return vccw_rng_vdev(rng);
}

static void rng_destroy(struct vm_device *dev)
{
	vccw_rng_free(dev->obj);
}

/* ---- virtio-net-ccw ---- */

static const struct vm_prop net_props[] = {
	PROP_STR("netdev", netdev_id),
	PROP_STR("mac", mac),
	PROP_UINT("host_mtu", host_mtu, 68, 65535, false),
};

/* "52:54:00:12:34:56" */
static int parse_mac(const char *str, uint8_t mac[6])
{
	unsigned int b[6], i;
	int n = 0;

	if (strlen(str) != 17 || sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2],
					&b[3], &b[4], &b[5], &n) != 6 || n != 17)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int net_check(struct vm_config *cfg, struct vm_device *dev)
{
	struct vm_netdev *nd;

	if (dev->mac && parse_mac(dev->mac, dev->mac_bytes)) {
		vm_error(dev->what, "property 'mac': '%s' is not of the form xx:xx:xx:xx:xx:xx",
			 dev->mac);
		return -1;
	}
	if (dev->mac && (dev->mac_bytes[0] & 1)) {
		vm_error(dev->what, "property 'mac': %s is a multicast address", dev->mac);
		return -1;
	}
	/* Without netdev= the NIC is there but its cable is not plugged in anywhere. */
	if (!dev->netdev_id)
		return 0;
	nd = find_netdev(cfg, dev->netdev_id);
	if (!nd) {
		vm_error_qmp("Property 'virtio-net-device.netdev' can't find value '%s'",
			     dev->netdev_id);
		vm_error(dev->what, "property 'netdev' refers to unknown netdev '%s'",
			 dev->netdev_id);
		return -1;
	}
	if (nd->user) {
		vm_error(dev->what, "property 'netdev': netdev '%s' is already used by %s", nd->id,
			 nd->user->what);
		return -1;
	}
	nd->user = dev;
	dev->netdev = nd;
	return 0;
}

static struct vccw_virtio_dev *net_create(struct vccw_mem *mem, struct vm_device *dev,
					  uint64_t features, struct vccw_err *err)
{
	struct vccw_net_config cfg = {
		.mtu = (uint16_t)dev->host_mtu,
	};
	struct vccw_net *net;

	if (dev->netdev) {
		cfg.backend = dev->netdev->be;
	} else {
		dev->null_net = vccw_be_net_open("none", err);
		if (!dev->null_net)
			return NULL;
		cfg.backend = dev->null_net;
	}
	if (dev->mac)
		memcpy(cfg.mac, dev->mac_bytes, sizeof(cfg.mac));
	net = vccw_net_new(mem, &cfg, features, err);
	if (!net) {
		vccw_be_net_close(dev->null_net);
		dev->null_net = NULL;
		return NULL;
	}
	dev->obj = net;
	return vccw_net_vdev(net);
}

static void net_destroy(struct vm_device *dev)
{
	vccw_net_free(dev->obj);
	vccw_be_net_close(dev->null_net);
	dev->null_net = NULL;
}

/* ---- virtio-balloon-ccw ---- */

static const struct vm_prop balloon_props[] = {
	PROP_UINT("guest-stats-polling-interval", stats_interval, 0, UINT32_MAX, false),
};

static struct vccw_virtio_dev *balloon_create(struct vccw_mem *mem, struct vm_device *dev,
					      uint64_t features, struct vccw_err *err)
{
	struct vccw_balloon *b = vccw_balloon_new(mem, NULL, features, err);
	int rc;

	if (!b)
		return NULL;
	rc = vccw_balloon_set_stats_interval(b, (uint32_t)dev->stats_interval);
	if (rc) {
		vccw_err_set(err, -rc, "virtio-balloon: stats timer: %s", strerror(-rc));
		vccw_balloon_free(b);
		return NULL;
	}
	dev->obj = b;
	return vccw_balloon_vdev(b);
}

static void balloon_destroy(struct vm_device *dev)
{
	vccw_balloon_free(dev->obj);
}

bool vm_device_announce(struct vm_device *dev)
{
	if (dev->type->device_id != VCCW_VIRTIO_ID_NET || !dev->obj)
		return false;
	return vccw_net_announce(dev->obj);
}

/* ---- the table ---- */

static const struct vm_device_type vm_device_types[] = {
	{
		.name = "virtio-net-ccw",
		.device_id = VCCW_VIRTIO_ID_NET,
		.help = "network card; netdev=ID (a -netdev), mac=xx:xx:xx:xx:xx:xx, host_mtu=N",
		.props = net_props,
		.nr_props = VCCW_ARRAY_SIZE(net_props),
		.check = net_check,
		.create = net_create,
		.destroy = net_destroy,
	},
	{
		.name = "virtio-blk-ccw",
		.device_id = VCCW_VIRTIO_ID_BLOCK,
		.help = "block device; drive=ID (a -drive), serial=STR, num-queues=N (1-64), "
			"iothread=ID (an -object iothread), queue-size=N, logical_block_size=N, physical_block_size=N, "
			"min_io_size=N, opt_io_size=N, cyls=N, heads=N, secs=N, write-cache=auto|on|off (auto: the drive's cache mode)",
		.props = blk_props,
		.nr_props = VCCW_ARRAY_SIZE(blk_props),
		.check = blk_check,
		.create = blk_create,
		.destroy = blk_destroy,
	},
	{
		.name = "virtio-serial-ccw",
		.device_id = VCCW_VIRTIO_ID_CONSOLE,
		.help = "virtio console with ports (MULTIPORT); max_ports=N (1-31, default 31); "
			"add -device virtconsole / virtserialport",
		.props = serial_props,
		.nr_props = VCCW_ARRAY_SIZE(serial_props),
		.create = serial_create,
		.destroy = console_destroy,
	},
	{
		.name = "virtconsole",
		.device_id = 0,
		.help = "console port of the last virtio-serial-ccw; chardev=ID, name=STR, nr=N",
		.props = port_props,
		.nr_props = VCCW_ARRAY_SIZE(port_props),
		.check = port_check,
		.no_hotplug = true,
	},
	{
		.name = "virtserialport",
		.device_id = 0,
		.help = "generic port of the last virtio-serial-ccw; chardev=ID, name=STR, nr=N",
		.props = port_props,
		.nr_props = VCCW_ARRAY_SIZE(port_props),
		.check = port_check,
		.no_hotplug = true,
	},
	{
		.name = "virtio-console-ccw",
		.device_id = VCCW_VIRTIO_ID_CONSOLE,
		.help = "virtio-serial-ccw and its virtconsole in one; chardev=ID",
		.props = chardev_props,
		.nr_props = VCCW_ARRAY_SIZE(chardev_props),
		.check = console_check,
		.create = console_create,
		.destroy = console_destroy,
	},
	{
		.name = "virtio-rng-ccw",
		.device_id = VCCW_VIRTIO_ID_RNG,
		.help = "entropy device (host getrandom())",
		.create = rng_create,
		.destroy = rng_destroy,
	},
	{
		.name = "virtio-balloon-ccw",
		.device_id = VCCW_VIRTIO_ID_BALLOON,
		.help = "memory balloon with a stats queue; guest-stats-polling-interval=SECS",
		.props = balloon_props,
		.nr_props = VCCW_ARRAY_SIZE(balloon_props),
		.create = balloon_create,
		.destroy = balloon_destroy,
	},
};

/* QEMU's short names on s390x (its qdev alias table): the same devices, same meaning. */
static const struct {
	const char *alias, *type;
} vm_device_aliases[] = {
	{ "virtio-balloon", "virtio-balloon-ccw" },
	{ "virtio-blk", "virtio-blk-ccw" },
	{ "virtio-net", "virtio-net-ccw" },
	{ "virtio-rng", "virtio-rng-ccw" },
	{ "virtio-serial", "virtio-serial-ccw" },
};

const struct vm_device_type *vm_device_type_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(vm_device_aliases); i++)
		if (!strcmp(vm_device_aliases[i].alias, name))
			name = vm_device_aliases[i].type;
	for (i = 0; i < VCCW_ARRAY_SIZE(vm_device_types); i++)
		if (!strcmp(vm_device_types[i].name, name))
			return &vm_device_types[i];
	return NULL;
}

const struct vm_device_type *vm_device_type_at(unsigned int i)
{
	return i < VCCW_ARRAY_SIZE(vm_device_types) ? &vm_device_types[i] : NULL;
}

const char *vm_device_type_alias(const struct vm_device_type *type)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(vm_device_aliases); i++)
		if (!strcmp(vm_device_aliases[i].type, type->name))
			return vm_device_aliases[i].alias;
	return NULL;
}

const struct vm_prop *vm_transport_props(unsigned int *nr)
{
	*nr = VCCW_ARRAY_SIZE(transport_props);
	return transport_props;
}

/* ---- property parser ---- */

/* A size as QEMU's qemu_strtosz() reads it: digits, then optionally B, K, M or G (any case). */
static int parse_size(struct vm_device *dev, const struct vm_prop *p, const char *val,
		      uint64_t *out)
{
	static const char units[] = "BKMG";
	unsigned long long v;
	const char *u;
	unsigned int shift;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*val < '0' || *val > '9' || errno) {
		vm_error(dev->what, "property '%s': '%s' is not a size", p->name, val);
		return -1;
	}
	if (*end) {
		u = end[1] ? NULL : strchr(units, toupper((unsigned char)end[0]));
		if (!u) {
			vm_error(dev->what,
				 "property '%s': '%s' is not a size (suffix B, k, M or G)", p->name,
				 val);
			return -1;
		}
		shift = 10 * (unsigned int)(u - units);
		if (shift && v > (UINT64_MAX >> shift)) {
			vm_error(dev->what, "property '%s': '%s' is too large", p->name, val);
			return -1;
		}
		v <<= shift;
	}
	if (v < p->min || v > p->max) {
		vm_error(dev->what, "property '%s': %llu is out of range %llu-%llu", p->name, v,
			 (unsigned long long)p->min, (unsigned long long)p->max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_prop(struct vm_device *dev, const struct vm_prop *p, const char *val)
{
	struct vccw_err err = { 0 };
	char *base = (char *)dev;

	switch (p->kind) {
	case VM_PROP_BUSID:
		if (vccw_css_parse_busid(val, &dev->busid, &err)) {
			vm_error_qmp("Property '%s.%s' doesn't take value '%s'", dev->type->name,
				     p->name, val);
			vm_error(dev->what, "property '%s': %s", p->name, err.msg);
			return -1;
		}
		dev->has_busid = true;
		return 0;
	case VM_PROP_UINT:
	case VM_PROP_SIZE: {
		uint64_t v;
		int rc;

		if (p->kind == VM_PROP_SIZE)
			rc = parse_size(dev, p, val, &v);
		else
			rc = vm_parse_uint(dev->what, p->name, val, p->min, p->max, &v);
		if (rc)
			return -1;
		if (p->pow2 && (v & (v - 1))) {
			vm_error(dev->what, "property '%s': %llu is not a power of 2", p->name,
				 (unsigned long long)v);
			return -1;
		}
		*(uint64_t *)(base + p->off) = v;
		return 0;
	}
	case VM_PROP_BOOL:
		return vm_parse_bool(dev->what, p->name, val, (bool *)(base + p->off));
	case VM_PROP_STR: {
		char **slot = (char **)(base + p->off);

		if (!*val) {
			vm_error(dev->what, "property '%s' is empty", p->name);
			return -1;
		}
		*slot = strdup(val);
		if (!*slot) {
			vm_error(dev->what, "out of memory");
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

static int parse_props(struct vm_device *dev, struct vm_kvlist *l, const struct vm_prop *props,
		       unsigned int nr)
{
	unsigned int i;
	const char *val;

	for (i = 0; i < nr; i++) {
		val = vm_kv_get(l, props[i].name);
		if (val && parse_prop(dev, &props[i], val))
			return -1;
	}
	return 0;
}

int vm_device_parse_props(struct vm_device *dev, struct vm_kvlist *props)
{
	unsigned int i;

	dev->max_revision = 2; /* QEMU's default: the newest revision */
	dev->max_ports = 31;   /* QEMU's virtio-serial default */
	dev->nr = VM_PORT_NR_AUTO;
	dev->bootindex = VM_BOOTINDEX_NONE;
	dev->adapter_interrupts = true;
	dev->ioeventfd = true;
	vm_kv_get(props, "id"); /* taken by the caller */
	if (dev->type->device_id &&
	    parse_props(dev, props, transport_props, VCCW_ARRAY_SIZE(transport_props)))
		return -1;
	if (parse_props(dev, props, dev->type->props, dev->type->nr_props))
		return -1;
	for (i = 0; i < props->nr; i++) {
		if (!props->kv[i].used) {
			vm_error_qmp("Property '%s.%s' not found", dev->type->name,
				     props->kv[i].key);
			break;
		}
	}
	return vm_kv_check_unused(dev->what, props);
}

