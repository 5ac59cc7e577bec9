// SPDX-License-Identifier: MIT
/*
 * Hot plug: devices added and removed while the guest runs (the monitor's device_add
 * and device_del). A device is built by the same property parser and device table as
 * -device, checked against the running machine (references to -drive, -chardev and
 * -netdev backends, one user per backend; device numbers), and plugged with a channel
 * report; unplugging reports the subchannel gone the same way (reference
 * channel-io.md 9.4 and 12: RSC 3, ERC 4), then frees the device. Named backends stay
 * open until the machine ends, free for a later device_add, as QEMU keeps a -blockdev.
 *
 * Every change of the device list happens under vm->dev_lock. vCPU threads never look
 * at the list: they reach devices only through the css, which keeps a subchannel alive
 * while an instruction or DIAGNOSE 0x500 uses it and drains both in
 * vccw_css_sch_free(), so an unplug needs no pause of the vCPUs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/ccw.h"
#include "vm-int.h"

/* Give the backends @dev holds back to the pool, so another device may take them. */
static void release_backends(struct vm_device *dev)
{
	if (dev->drive && dev->drive->user == dev)
		dev->drive->user = NULL;
	if (dev->chardev && dev->chardev->user == dev)
		dev->chardev->user = NULL;
	if (dev->netdev && dev->netdev->user == dev)
		dev->netdev->user = NULL;
	dev->drive = NULL;
	dev->chardev = NULL;
	dev->netdev = NULL;
}

static struct vccw_sch *device_sch(const struct vm_device *dev)
{
	if (!dev->transport)
		return NULL;
	return vccw_cu_sch(vccw_virtio_ccw_cu(dev->transport));
}

/* The device using bus ID @b, or NULL. Context: vm->dev_lock held. */
static struct vm_device *busid_owner(struct vm_config *cfg, const struct vccw_busid *b)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_devices; i++) {
		struct vccw_sch *sch = device_sch(cfg->devices[i]);
		struct vccw_busid o;

		if (!sch)
			continue;
		o = vccw_sch_busid(sch);
		if (o.cssid == b->cssid && o.ssid == b->ssid && o.devno == b->devno)
			return cfg->devices[i];
	}
	return NULL;
}

/* Drop @dev from the device list, keeping the order of the others. */
static void list_remove(struct vm_config *cfg, struct vm_device *dev)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_devices; i++) {
		if (cfg->devices[i] != dev)
			continue;
		memmove(&cfg->devices[i], &cfg->devices[i + 1],
			(cfg->nr_devices - i - 1) * sizeof(cfg->devices[0]));
		cfg->nr_devices--;
		return;
	}
}

/* Devices device_add plugged that are still there (ports come with their device). */
static unsigned int hotplugged_nr(const struct vm_config *cfg)
{
	unsigned int i, n = 0;

	for (i = 0; i < cfg->nr_devices; i++)
		n += cfg->devices[i]->hotplugged && cfg->devices[i]->type->device_id;
	return n;
}

static int hotplug_add_locked(struct vm *vm, struct vm_kvlist *props)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_device *dev, *owner, **grown;
	uint64_t max = cfg->max_hotplug ? cfg->max_hotplug : VM_HOTPLUG_MAX_DEFAULT;

	/* Issue 13's bound: the monitor cannot make the machine grow without limit. */
	if (hotplugged_nr(cfg) >= max) {
		vm_error_qmp("Too many hot-plugged devices: at most %" PRIu64 " may be plugged "
			     "at a time (-machine max-hotplug-devices)", max);
		vm_error("device_add", "%" PRIu64 " devices are hot-plugged already, the most "
			 "-machine max-hotplug-devices allows", max);
		return -1;
	}
	dev = vm_device_new(cfg, "device_add", props);
	if (!dev)
		return -1;
	if (dev->type->no_hotplug) {
		vm_error(dev->what, "cannot be hot-plugged (add a virtio-console-ccw,chardev=ID "
			 "instead)");
		goto err_free;
	}
	if (dev->type->check && dev->type->check(cfg, dev))
		goto err_release;
	/*
	 * Reference 12: an explicit device number must be unused in its set. The css
	 * refuses it too; asking first names the device that has it.
	 */
	if (dev->has_busid) {
		owner = busid_owner(cfg, &dev->busid);
		if (owner) {
			vm_error_qmp("Device %x.%x.%04x already exists", dev->busid.cssid,
				     dev->busid.ssid, dev->busid.devno);
			vm_error(dev->what, "device number %x.%x.%04x is already used by %s",
				 dev->busid.cssid, dev->busid.ssid, dev->busid.devno,
				 owner->what);
			goto err_release;
		}
	}
	grown = realloc(cfg->devices, (cfg->nr_devices + 1) * sizeof(*grown));
	if (!grown) {
		vm_error(dev->what, "out of memory");
		goto err_release;
	}
	cfg->devices = grown;
	if (vm_device_create(vm, dev, true))
		goto err_release;
	dev->index = cfg->nr_devices;
	dev->hotplugged = true;
	cfg->devices[cfg->nr_devices++] = dev;
	return 0;

err_release:
	release_backends(dev);
err_free:
	vm_device_free(dev);
	return -1;
}

int vm_hotplug_add(struct vm *vm, struct vm_kvlist *props)
{
	int rc;

	pthread_mutex_lock(&vm->dev_lock);
	rc = hotplug_add_locked(vm, props);
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

static int hotplug_del_locked(struct vm *vm, const char *id)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_device *dev = NULL, *port;
	unsigned int i;

	for (i = 0; i < cfg->nr_devices && !dev; i++)
		if (cfg->devices[i]->id && !strcmp(cfg->devices[i]->id, id))
			dev = cfg->devices[i];
	if (!dev)
		return -ENOENT;
	if (!dev->type->device_id) {
		vm_error(dev->what, "a port goes with its device: delete %s instead",
			 dev->bus ? dev->bus->what : "its virtio-serial-ccw");
		return -EINVAL;
	}
	/*
	 * The CRW is queued and the subchannel invalid before this returns. In-flight
	 * requests end with the reset the transport does under the device lock (one being
	 * processed completes, ones still in the ring are dropped: the guest's driver gets
	 * -ENODEV on its next notification), and the device's I/O thread is stopped by its
	 * _free before the backend goes back to the pool.
	 */
	vm_device_destroy(dev, true);
	while ((port = dev->port)) {
		dev->port = port->next_port;
		release_backends(port);
		list_remove(cfg, port);
		vm_device_free(port);
	}
	release_backends(dev);
	list_remove(cfg, dev);
	vm_device_free(dev);
	return 0;
}

int vm_hotplug_del(struct vm *vm, const char *id)
{
	int rc;

	pthread_mutex_lock(&vm->dev_lock);
	rc = hotplug_del_locked(vm, id);
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

int vm_device_call(struct vm *vm, const char *id, const char *type,
		   int (*fn)(struct vm_device *dev, void *arg), void *arg)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_device *dev = NULL;
	unsigned int i;
	int rc;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_devices && !dev; i++) {
		struct vm_device *d = cfg->devices[i];

		if (id ? d->id && !strcmp(d->id, id) : !strcmp(d->type->name, type))
			dev = d;
	}
	if (!dev)
		rc = -ENOENT;
	else if (strcmp(dev->type->name, type) || !dev->obj)
		rc = -EINVAL;
	else
		rc = fn(dev, arg);
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

unsigned int vm_announce_self(struct vm *vm)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < vm->cfg->nr_devices; i++)
		n += vm_device_announce(vm->cfg->devices[i]);
	pthread_mutex_unlock(&vm->dev_lock);
	return n;
}

void vm_hotplug_for_each(struct vm *vm, void (*fn)(const struct vm_device_info *info, void *arg),
			 void *arg)
{
	struct vm_config *cfg = vm->cfg;
	unsigned int i;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_devices; i++) {
		struct vm_device *dev = cfg->devices[i];
		struct vccw_sch *sch = device_sch(dev);
		struct vm_device_info info;
		struct vccw_schib schib;

		if (!sch)
			continue;
		vccw_sch_get_schib(sch, &schib);
		info.id = dev->id;
		info.driver = dev->type->name;
		info.busid = vccw_sch_busid(sch);
		info.schid = info.busid;
		info.schid.devno = vccw_sch_schnr(sch);
		info.enabled = schib.pmcw.flags & VCCW_PMCW_ENA;
		info.revision = vccw_virtio_ccw_revision(dev->transport);
		info.port = dev->port ? dev->port->id : NULL;
		fn(&info, arg);
	}
	pthread_mutex_unlock(&vm->dev_lock);
}

/* ---- backends: blockdev-add, chardev-add, netdev_add and their removal ---- */

static void chardev_free(struct vm_chardev *c)
{
	vm_chardev_free(c);
}

/* -serial and the monitors hold their chardevs for the machine's life. */
static bool chardev_held(const struct vm_config *cfg, const struct vm_chardev *c)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_monitors; i++)
		if (cfg->monitors[i].chardev == c)
			return true;
	return cfg->serial == c;
}

static void netdev_free(struct vm_netdev *nd)
{
	vm_kv_free(&nd->opts);
	free(nd->what);
	free(nd->id);
	free(nd->type);
	free(nd);
}

/* Append @obj to the array @arr of @nr pointers. Returns 0 or -ENOMEM. */
static int append(void *arr_p, unsigned int *nr, void *obj)
{
	void ***arr = arr_p;
	void **grown = realloc(*arr, (*nr + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	grown[(*nr)++] = obj;
	*arr = grown;
	return 0;
}

/* Drop entry @i of the array @arr of @nr pointers, keeping the order. */
static void drop(void **arr, unsigned int *nr, unsigned int i)
{
	memmove(&arr[i], &arr[i + 1], (*nr - i - 1) * sizeof(arr[0]));
	(*nr)--;
}

/*
 * What a test's host guard (vm->host_guard) said of @what, about to be opened: @allowed
 * (no guard, or it put a stand-in in place) is returned; a refusal after vm_error().
 */
static bool guard_allows(const char *what, bool allowed)
{
	if (allowed)
		return true;
	vm_error(what, "not opened here: the host guard of this test refuses it");
	return false;
}

int vm_hotplug_drive_add(struct vm *vm, struct vm_kvlist *l)
{
	struct vm_config *cfg = vm->cfg;
	struct vccw_err err = { 0 };
	struct vm_drive *d;
	int rc = -1;

	pthread_mutex_lock(&vm->dev_lock);
	/* Parsed under the lock: a file= reference stays valid until the node is in. */
	d = vm_blockdev_parse(cfg, "blockdev-add", l);
	if (!d)
		goto out;
	if (!guard_allows(d->what, !vm->host_guard ||
				       vm->host_guard->drive(vm->host_guard->opaque, d)))
		goto out_free;
	if (vm_drive_open(d, &err)) {
		vm_error(d->what, "%s", err.msg);
		vm_error_qmp("%s", err.msg);
		goto out_free;
	}
	if (append(&cfg->drives, &cfg->nr_drives, d)) {
		vm_error(d->what, "out of memory");
		vm_drive_release(d);
		goto out_free;
	}
	vm_drive_link(d);
	rc = 0;
	goto out;
out_free:
	vm_drive_free(d);
out:
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

int vm_hotplug_drive_del(struct vm *vm, const char *id)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_drive *d, *child;
	struct vccw_err err = { 0 };
	unsigned int i;
	int rc = -ENOENT;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_drives; i++) {
		d = cfg->drives[i];
		if (strcmp(d->id, id))
			continue;
		rc = d->user ? -EBUSY : -ENOTEMPTY;
		if (d->user || d->parent)
			break;
		/* Every write the guest saw complete is stable before the image is let go. */
		vm_drive_release(d);
		drop((void **)cfg->drives, &cfg->nr_drives, i);
		child = d->child_owned ? NULL : d->child;
		vm_drive_free(d);
		/* A qcow2 node's file node gets its image back from qemu-nbd. */
		if (child && !child->be && vm_drive_open(child, &err))
			vm_error(child->what, "%s", err.msg);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

int vm_hotplug_chardev_add(struct vm *vm, struct vm_chardev *c)
{
	struct vm_config *cfg = vm->cfg;
	struct vccw_err err = { 0 };
	unsigned int i;
	int rc = 0;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_chardevs && !rc; i++)
		if (!strcmp(cfg->chardevs[i]->id, c->id))
			rc = -EEXIST;
	if (!rc && !guard_allows(c->what, !vm->host_guard ||
				 vm->host_guard->chardev(vm->host_guard->opaque, c)))
		rc = -1;
	if (!rc) {
		c->be = vm_chardev_open(c, false, &err);
		if (!c->be) {
			vm_error(c->what, "%s", err.msg);
			vm_error_qmp("Failed to add chardev '%s': %s", c->id, err.msg);
			rc = -1;
		}
	}
	if (!rc && append(&cfg->chardevs, &cfg->nr_chardevs, c)) {
		vm_error(c->what, "out of memory");
		vm_chardev_close(c);
		rc = -1;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	if (rc)
		chardev_free(c);
	return rc;
}

int vm_hotplug_chardev_del(struct vm *vm, const char *id)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_chardev *c;
	unsigned int i;
	int rc = -ENOENT;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_chardevs; i++) {
		c = cfg->chardevs[i];
		if (strcmp(c->id, id))
			continue;
		rc = -EBUSY;
		if (c->user || chardev_held(cfg, c))
			break;
		vm_chardev_close(c);
		drop((void **)cfg->chardevs, &cfg->nr_chardevs, i);
		chardev_free(c);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}

int vm_hotplug_netdev_add(struct vm *vm, struct vm_netdev *nd)
{
	struct vm_config *cfg = vm->cfg;
	unsigned int i;
	int rc = 0;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_netdevs && !rc; i++)
		if (!strcmp(cfg->netdevs[i]->id, nd->id))
			rc = -EEXIST;
	if (!rc && (vm_netdev_check(nd) ||
		    !guard_allows(nd->what, !vm->host_guard ||
				  vm->host_guard->netdev(vm->host_guard->opaque, nd)) ||
		    vm_netdev_open(nd)))
		rc = -1;
	if (!rc && append(&cfg->netdevs, &cfg->nr_netdevs, nd)) {
		vm_error(nd->what, "out of memory");
		vm_netdev_close(nd);
		rc = -1;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	if (rc)
		netdev_free(nd);
	return rc;
}

int vm_hotplug_netdev_del(struct vm *vm, const char *id)
{
	struct vm_config *cfg = vm->cfg;
	struct vm_netdev *nd;
	unsigned int i;
	int rc = -ENOENT;

	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; i < cfg->nr_netdevs; i++) {
		nd = cfg->netdevs[i];
		if (strcmp(nd->id, id))
			continue;
		/*
		 * QEMU lets a NIC lose its peer; here the NIC's backend cannot be swapped
		 * while it runs, so the netdev goes after the device (device_del first).
		 */
		rc = -EBUSY;
		if (nd->user)
			break;
		vm_netdev_close(nd);
		drop((void **)cfg->netdevs, &cfg->nr_netdevs, i);
		netdev_free(nd);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&vm->dev_lock);
	return rc;
}
