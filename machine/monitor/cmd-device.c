// SPDX-License-Identifier: MIT
/*
 * Monitor commands on devices: device_add and device_del (hot plug, vm-hotplug.c),
 * query-ccw-devices, announce-self, the balloon (balloon, query-balloon, its QOM
 * statistics) and QOM (qom-list, qom-get, qom-set) of the devices.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vccw/balloon.h"
#include "vccw/ccw.h"
#include "monitor-int.h"

#ifdef VM_HAVE_QMP


static void add_device_info(const struct vm_device_info *info, void *arg)
{
	json_t *list = arg, *o;
	char devno[16], sch[16];

	/* Bus IDs as QEMU's dev_id and subch_id properties: %x.%x.%04x (reference 12). */
	snprintf(devno, sizeof(devno), "%x.%x.%04x", info->busid.cssid, info->busid.ssid,
		 info->busid.devno);
	snprintf(sch, sizeof(sch), "%x.%x.%04x", info->schid.cssid, info->schid.ssid,
		 info->schid.devno);
	o = json_object();
	if (!o)
		return;
	/* id is optional, as in QEMU: a device added without one cannot be deleted. */
	if (info->id)
		json_object_set_new(o, "id", json_string(info->id));
	json_object_set_new(o, "driver", json_string(info->driver));
	json_object_set_new(o, "devno", json_string(devno));
	json_object_set_new(o, "subchannel", json_string(sch));
	json_object_set_new(o, "state", json_string(info->enabled ? "enabled" : "disabled"));
	if (info->revision >= 0)
		json_object_set_new(o, "revision", json_integer(info->revision));
	if (info->port)
		json_object_set_new(o, "port", json_string(info->port));
	json_array_append_new(list, o);
}

json_t *cmd_query_ccw_devices(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				     struct qmp_err *err)
{
	json_t *list = json_array();

	(void)c;
	(void)args;
	(void)err;
	vm_hotplug_for_each(q->vm, add_device_info, list);
	return list;
}

static int device_add(struct vm *vm, void *props)
{
	return vm_hotplug_add(vm, props);
}

static int device_del(struct vm *vm, void *id)
{
	return vm_hotplug_del(vm, id);
}

/*
 * device_add: the arguments are -device's properties; QMP clients send numbers and
 * booleans as JSON values, which become the text -device would have had.
 */
json_t *cmd_device_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	struct vm_kvlist props = { 0 };
	const char *key;
	char num[32];
	json_t *v, *ret;

	(void)c;
	if (!arg_str(args, "driver", true, err))
		return NULL;
	json_object_foreach(args, key, v) {
		const char *val;

		if (json_is_string(v)) {
			val = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			val = num;
		} else if (json_is_boolean(v)) {
			val = json_is_true(v) ? "on" : "off";
		} else {
			set_err(err, "GenericError", "Invalid parameter type for '%s', expected: "
				"string, integer or boolean", key);
			vm_kv_free(&props);
			return NULL;
		}
		vm_kv_add(&props, key, val);
	}
	/* QEMU's words where QEMU has the same error, else vccw's own message. */
	ret = reply_of_call(q, device_add, &props, "device_add", NULL, err);
	vm_kv_free(&props);
	return ret;
}

json_t *cmd_device_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	static const struct qmp_refusal words[] = {
		{ -ENOENT, "DeviceNotFound", "Device '", "' not found" },
		{ 0, NULL, NULL, NULL },
	};
	const char *id = arg_str(args, "id", true, err);
	char path[300];
	json_t *ret;

	(void)c;
	if (!id)
		return NULL;
	/* (vm_hotplug_del() only reads the id.) */
	ret = reply_of_call(q, device_del, (char *)id, id, words, err);
	if (!ret)
		return NULL;
	json_decref(ret);
	/*
	 * A ccw device is gone as soon as its subchannel is: the events come with the
	 * reply. As QEMU, first its virtio-backend child (no id: path only), then the device.
	 */
	snprintf(path, sizeof(path), "/machine/peripheral/%s/virtio-backend", id);
	qmp_event(q, "DEVICE_DELETED", json_pack("{s:s}", "path", path));
	snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
	qmp_event(q, "DEVICE_DELETED", json_pack("{s:s,s:s}", "device", id, "path", path));
	return json_object();
}

/*
 * announce-self (QEMU's): NICs whose driver accepted VIRTIO_NET_F_GUEST_ANNOUNCE are
 * asked to announce themselves (5.1.6.5.4). QEMU also sends RARP frames itself for the
 * others, and repeats by the timing arguments; here they are accepted and not used.
 */
json_t *cmd_announce_self(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	vm_announce_self(q->vm);
	return json_object();
}

/* ---- the balloon: balloon, query-balloon, qom-get / qom-set of its statistics ---- */

#define BALLOON_TYPE "virtio-balloon-ccw"

/* QEMU's names of statistics tags 0-9 in guest-stats (hw/virtio/virtio-balloon.c). */
static const char *const balloon_stat_names[VCCW_VIRTIO_BALLOON_S_NR] = {
	"stat-swap-in",       "stat-swap-out",         "stat-major-faults",
	"stat-minor-faults",  "stat-free-memory",      "stat-total-memory",
	"stat-available-memory", "stat-disk-caches",   "stat-htlb-pgalloc",
	"stat-htlb-pgfail",
};

struct balloon_call {
	uint64_t ram_size;
	uint64_t value;      /* balloon: the target in bytes; qom-set: the interval */
	const char *property;
	json_t *result;      /* query-balloon, qom-get */
	int rc;
};

static int balloon_query(struct vm_device *dev, void *arg)
{
	struct balloon_call *bc = arg;
	uint64_t held = (uint64_t)vccw_balloon_actual(dev->obj) << VCCW_BALLOON_PFN_SHIFT;

	/* QEMU's virtio_balloon_stat(): the guest's size is RAM less the balloon. */
	bc->result = json_pack("{s:I}", "actual",
			       (json_int_t)(held < bc->ram_size ? bc->ram_size - held : 0));
	return 0;
}

static int balloon_target(struct vm_device *dev, void *arg)
{
	struct balloon_call *bc = arg;
	uint64_t pages = (bc->ram_size - bc->value) >> VCCW_BALLOON_PFN_SHIFT;

	vccw_balloon_set_target(dev->obj, pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages);
	return 0;
}

static int balloon_qom_get(struct vm_device *dev, void *arg)
{
	struct balloon_call *bc = arg;
	struct vccw_balloon_stats st;
	json_t *stats;
	unsigned int i;

	if (!strcmp(bc->property, "guest-stats-polling-interval")) {
		bc->result = json_integer(vccw_balloon_stats_interval(dev->obj));
		return 0;
	}
	if (strcmp(bc->property, "guest-stats"))
		return -EINVAL;
	vccw_balloon_get_stats(dev->obj, &st);
	stats = json_object();
	/* A statistic the guest did not supply is -1, as QEMU reports it. */
	for (i = 0; i < VCCW_VIRTIO_BALLOON_S_NR; i++)
		json_object_set_new(stats, balloon_stat_names[i],
				    json_integer(st.val[i] == VCCW_BALLOON_STAT_NONE
							 ? -1 : (json_int_t)st.val[i]));
	bc->result = json_pack("{s:o,s:I}", "stats", stats, "last-update",
			       (json_int_t)st.last_update);
	return 0;
}

static int balloon_qom_set(struct vm_device *dev, void *arg)
{
	struct balloon_call *bc = arg;

	if (strcmp(bc->property, "guest-stats-polling-interval"))
		return -EINVAL;
	bc->rc = vccw_balloon_set_stats_interval(dev->obj, (uint32_t)bc->value);
	return 0;
}

static void no_balloon(struct qmp_err *err)
{
	set_err(err, "DeviceNotActive", "No balloon device has been activated");
}

json_t *cmd_query_balloon(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	struct balloon_call bc = { .ram_size = q->vm->cfg->mem_size };

	(void)c;
	(void)args;
	if (vm_device_call(q->vm, NULL, BALLOON_TYPE, balloon_query, &bc)) {
		no_balloon(err);
		return NULL;
	}
	return bc.result;
}

/* balloon: @value is the size the guest should have, in bytes (QEMU's qmp_balloon()). */
json_t *cmd_balloon(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			   struct qmp_err *err)
{
	struct balloon_call bc = { .ram_size = q->vm->cfg->mem_size };
	json_int_t value;

	(void)c;
	if (!arg_int(args, "value", &value, err))
		return NULL;
	if (value <= 0) {
		set_err(err, "GenericError", "Parameter 'target' expects a size");
		return NULL;
	}
	/* QEMU's virtio_balloon_to_target(): no more than the RAM there is. */
	bc.value = (uint64_t)value > bc.ram_size ? bc.ram_size : (uint64_t)value;
	if (vm_device_call(q->vm, NULL, BALLOON_TYPE, balloon_target, &bc)) {
		no_balloon(err);
		return NULL;
	}
	return json_object();
}

/*
 * The device named by a QOM path: /machine/peripheral/ID (how QEMU files a device with
 * id=ID) or ID alone (a partial path QEMU resolves when unambiguous).
 */
static const char *qom_device_id(const char *path)
{
	static const char prefix[] = "/machine/peripheral/";

	if (!strncmp(path, prefix, sizeof(prefix) - 1))
		path += sizeof(prefix) - 1;
	return *path && !strchr(path, '/') ? path : NULL;
}

/* qom-get / qom-set on @path: the balloon's guest-stats and its polling interval only. */
static json_t *qom_call(struct vm_qmp *q, json_t *args, int (*fn)(struct vm_device *, void *),
			struct balloon_call *bc, struct qmp_err *err)
{
	const char *path = arg_str(args, "path", true, err);
	const char *id;
	int rc;

	if (!path)
		return NULL;
	bc->property = arg_str(args, "property", true, err);
	if (!bc->property)
		return NULL;
	id = qom_device_id(path);
	/* -ENOENT: no device of that id; -EINVAL: not a balloon, or not its property. */
	rc = id ? vm_device_call(q->vm, id, BALLOON_TYPE, fn, bc) : -ENOENT;
	if (rc == -ENOENT) {
		set_err(err, "DeviceNotFound", "Device '%s' not found", path);
		return NULL;
	}
	if (rc) {
		set_err(err, "GenericError", "Property '%s' not found", bc->property);
		return NULL;
	}
	return bc->result ? bc->result : json_object();
}

json_t *cmd_qom_set(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			   struct qmp_err *err)
{
	struct balloon_call bc = { 0 };
	json_int_t value;
	json_t *r;

	(void)c;
	if (!arg_int(args, "value", &value, err))
		return NULL;
	/* QEMU's balloon_stats_set_poll_interval() limits. */
	if (value < 0) {
		set_err(err, "GenericError", "timer value must be greater than zero");
		return NULL;
	}
	if (value > UINT32_MAX) {
		set_err(err, "GenericError", "timer value is too big");
		return NULL;
	}
	bc.value = (uint64_t)value;
	r = qom_call(q, args, balloon_qom_set, &bc, err);
	if (r && bc.rc) {
		json_decref(r);
		set_err(err, "GenericError", "guest-stats-polling-interval: %s", strerror(-bc.rc));
		return NULL;
	}
	return r;
}

/* ---- QOM: qom-list, qom-get of devices ---- */

/*
 * The device at QOM @path: /machine/peripheral/ID, ID alone (a partial path QEMU
 * resolves when unambiguous), or /machine/peripheral-anon/device[N] for the N-th device
 * without an id. Context: vm->dev_lock held.
 */
static struct vm_device *qom_find(const struct vm_config *cfg, const char *path)
{
	static const char anon[] = "/machine/peripheral-anon/device[";
	const char *id = qom_device_id(path);
	unsigned int i, n, k = 0;
	char end;

	if (!strncmp(path, anon, sizeof(anon) - 1)) {
		if (sscanf(path + sizeof(anon) - 1, "%u%c", &n, &end) != 2 || end != ']' ||
		    path[strlen(path) - 1] != ']')
			return NULL;
		for (i = 0; i < cfg->nr_devices; i++)
			if (!cfg->devices[i]->id && k++ == n)
				return cfg->devices[i];
		return NULL;
	}
	for (i = 0; id && i < cfg->nr_devices; i++)
		if (cfg->devices[i]->id && !strcmp(cfg->devices[i]->id, id))
			return cfg->devices[i];
	return NULL;
}

static const char *prop_qom_type(const struct vm_prop *p)
{
	switch (p->kind) {
	case VM_PROP_BUSID:
	case VM_PROP_STR:
		return "str";
	case VM_PROP_UINT:
		return "uint32";
	case VM_PROP_SIZE:
		return "size";
	case VM_PROP_BOOL:
		return "bool";
	}
	return "str";
}

static json_t *prop_value(const struct vm_device *dev, const struct vm_prop *p)
{
	const char *base = (const char *)dev;
	char buf[32];

	switch (p->kind) {
	case VM_PROP_BUSID:
		/* QEMU: the property as given; "<unset>" when the css chose the number. */
		if (!dev->has_busid)
			return json_string("<unset>");
		snprintf(buf, sizeof(buf), "%x.%x.%04x", dev->busid.cssid, dev->busid.ssid,
			 dev->busid.devno);
		return json_string(buf);
	case VM_PROP_UINT:
	case VM_PROP_SIZE:
		return json_integer((json_int_t)*(const uint64_t *)(base + p->off));
	case VM_PROP_BOOL:
		return json_boolean(*(const bool *)(base + p->off));
	case VM_PROP_STR: {
		const char *v = *(char *const *)(base + p->off);

		return json_string(v ? v : "");
	}
	}
	return NULL;
}

/* The bus IDs QEMU's dev_id and subch_id give, or "" while not plugged. */
static void device_ids(const struct vm_device *dev, char *devno, char *sch, size_t len)
{
	struct vccw_sch *s = dev->transport ? vccw_cu_sch(vccw_virtio_ccw_cu(dev->transport))
					    : NULL;
	struct vccw_busid b;

	devno[0] = sch[0] = '\0';
	if (!s)
		return;
	b = vccw_sch_busid(s);
	snprintf(devno, len, "%x.%x.%04x", b.cssid, b.ssid, b.devno);
	snprintf(sch, len, "%x.%x.%04x", b.cssid, b.ssid, vccw_sch_schnr(s));
}

/* Call @fn for each property of @dev: name, QOM type, value (owned by @fn). */
void device_props(const struct vm_device *dev,
			 void (*fn)(const char *name, const char *type, json_t *val, void *arg),
			 void *arg)
{
	const struct vm_prop *tp = NULL;
	char devno[32], sch[32];
	unsigned int i, nr = 0;

	device_ids(dev, devno, sch, sizeof(devno));
	fn("type", "string", json_string(dev->type->name), arg);
	fn("realized", "bool", json_true(), arg);
	fn("hotplugged", "bool", json_boolean(dev->hotplugged), arg);
	fn("hotpluggable", "bool", json_boolean(!dev->type->no_hotplug), arg);
	if (dev->type->device_id) {
		fn("dev_id", "str", json_string(devno), arg);
		fn("subch_id", "str", json_string(sch), arg);
		tp = vm_transport_props(&nr);
	}
	for (i = 0; i < nr; i++)
		fn(tp[i].name, prop_qom_type(&tp[i]), prop_value(dev, &tp[i]), arg);
	for (i = 0; i < dev->type->nr_props; i++)
		fn(dev->type->props[i].name, prop_qom_type(&dev->type->props[i]),
		   prop_value(dev, &dev->type->props[i]), arg);
}

static void list_prop(const char *name, const char *type, json_t *val, void *arg)
{
	json_decref(val);
	json_array_append_new(arg, json_pack("{s:s,s:s}", "name", name, "type", type));
}

struct prop_find {
	const char *name;
	json_t *val;
};

static void find_prop(const char *name, const char *type, json_t *val, void *arg)
{
	struct prop_find *pf = arg;

	(void)type;
	if (!pf->val && !strcmp(name, pf->name))
		pf->val = val;
	else
		json_decref(val);
}

json_t *cmd_qom_list(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			    struct qmp_err *err)
{
	const char *path = arg_str(args, "path", true, err);
	struct vm_config *cfg = q->vm->cfg;
	json_t *list;
	unsigned int i, anon = 0;
	char name[64], type[96];
	struct vm_device *dev;

	(void)c;
	if (!path)
		return NULL;
	list = json_array();
	json_array_append_new(list, json_pack("{s:s,s:s}", "name", "type", "type", "string"));
	pthread_mutex_lock(&q->vm->dev_lock);
	if (!strcmp(path, "/machine")) {
		json_array_append_new(list, json_pack("{s:s,s:s}", "name", "peripheral", "type",
						      "child<container>"));
		json_array_append_new(list, json_pack("{s:s,s:s}", "name", "peripheral-anon",
						      "type", "child<container>"));
	} else if (!strcmp(path, "/machine/peripheral") ||
		   !strcmp(path, "/machine/peripheral-anon")) {
		bool named = !strcmp(path, "/machine/peripheral");

		for (i = 0; i < cfg->nr_devices; i++) {
			dev = cfg->devices[i];
			if (!!dev->id != named)
				continue;
			if (named)
				snprintf(name, sizeof(name), "%s", dev->id);
			else
				snprintf(name, sizeof(name), "device[%u]", anon++);
			snprintf(type, sizeof(type), "child<%s>", dev->type->name);
			json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, "type",
							      type));
		}
	} else if ((dev = qom_find(cfg, path))) {
		json_array_clear(list);
		device_props(dev, list_prop, list);
	} else {
		json_decref(list);
		list = NULL;
		set_err(err, "DeviceNotFound", "Device '%s' not found", path);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	return list;
}

/*
 * qom-get: a device's properties (type, realized, hotplugged, dev_id, subch_id, and
 * each -device property), and the balloon's guest-stats and its polling interval.
 */
json_t *cmd_qom_get(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			   struct qmp_err *err)
{
	const char *path = arg_str(args, "path", true, err), *prop;
	struct balloon_call bc = { 0 };
	struct prop_find pf = { 0 };
	struct vm_device *dev;

	(void)c;
	if (!path)
		return NULL;
	prop = arg_str(args, "property", true, err);
	if (!prop)
		return NULL;
	pthread_mutex_lock(&q->vm->dev_lock);
	dev = qom_find(q->vm->cfg, path);
	if (!dev) {
		set_err(err, "DeviceNotFound", "Device '%s' not found", path);
	} else if (!strcmp(dev->type->name, BALLOON_TYPE) && dev->obj &&
		   (bc.property = prop, balloon_qom_get(dev, &bc) == 0)) {
		pf.val = bc.result;
	} else {
		pf.name = prop;
		device_props(dev, find_prop, &pf);
		if (!pf.val)
			set_err(err, "GenericError", "Property '%s.%s' not found", dev->type->name,
				prop);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	return pf.val;
}

#endif /* VM_HAVE_QMP */
