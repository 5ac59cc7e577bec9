// SPDX-License-Identifier: MIT
/*
 * Monitor commands on block and network backends: blockdev-add, blockdev-del,
 * query-block, query-blockstats, netdev_add, netdev_del. (The rest of what was this file
 * is now machine/monitor/qmp.c, commands.c, hmp.c and cmd-*.c: monitor-int.h lists them.)
 */
#define _GNU_SOURCE /* asprintf() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor-int.h"

#ifdef VM_HAVE_QMP


/*
 * blockdev-add: QEMU's BlockdevOptions for driver file, raw, qcow2 and nbd, the child by
 * node name (libvirt's two-node form) or inline ("file": {...}); machine/config/blockdev.c
 * parses it as it does -blockdev, with QEMU's messages.
 */
static int blockdev_add(struct vm *vm, void *args)
{
	struct vm_kvlist l;
	int rc = vm_blockdev_kv_from_json("blockdev-add", NULL, args, &l);

	if (!rc) {
		rc = vm_hotplug_drive_add(vm, &l);
		vm_kv_free(&l);
	}
	return rc;
}

json_t *cmd_blockdev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	(void)c;
	return reply_of_call(q, blockdev_add, args, "blockdev-add", NULL, err);
}

json_t *cmd_blockdev_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	static const struct qmp_refusal words[] = {
		{ -ENOENT, "GenericError", "Failed to find node with node-name='", "'" },
		{ -EBUSY, "GenericError", "Node ", " is in use" },
		{ -ENOTEMPTY, "GenericError", "Block device ", " is in use" },
		{ 0, NULL, NULL, NULL },
	};
	const char *node = arg_str(args, "node-name", true, err);

	(void)c;
	return node ? reply_of_rc(vm_hotplug_drive_del(q->vm, node), node, words, err) : NULL;
}

/* QEMU's BlockDeviceInfo of node @d: its driver, cache mode and image; no limits. */
static json_t *block_inserted(const struct vm_drive *d)
{
	static const char *const dz[] = { "off", "on", "unmap" };
	char name[600];
	struct stat st;
	json_int_t actual;
	bool direct = d->cache == VCCW_BE_BLK_CACHE_NONE ||
		      d->cache == VCCW_BE_BLK_CACHE_DIRECTSYNC;
	bool no_flush = d->cache == VCCW_BE_BLK_CACHE_UNSAFE;

	vm_drive_filename(d, name, sizeof(name));
	actual = d->driver != VM_BLK_NBD && !stat(name, &st) ? (json_int_t)st.st_blocks * 512 : 0;
	/* st.st_size is not reported: a file keeps its length as the device's size. */
	return json_pack("{s:s,s:s,s:b,s:s,s:i,s:b,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
			 "s:{s:b,s:b,s:b},s:{s:s,s:s,s:I,s:I,s:b}}",
			 "file", name, "node-name", d->id, "ro", d->be->readonly,
			 "drv", vm_drive_format(d), "backing_file_depth", 0, "encrypted", 0,
			 "detect_zeroes", dz[d->detect_zeroes],
			 "bps", 0, "bps_rd", 0, "bps_wr", 0, "iops", 0, "iops_rd", 0, "iops_wr", 0,
			 "write_threshold", 0, "cache", "writeback",
			 d->cache != VCCW_BE_BLK_CACHE_WRITETHROUGH &&
			 d->cache != VCCW_BE_BLK_CACHE_DIRECTSYNC, "direct", direct,
			 "no-flush", no_flush, "image", "filename", name,
			 "format", vm_drive_format(d), "virtual-size",
			 (json_int_t)d->be->size, "actual-size", actual, "dirty-flag", 0);
}

/* A drive made by -drive is listed under its id; a blockdev-add node only while used. */
static bool block_listed(const struct vm_drive *d)
{
	return d->be && (!d->blockdev || d->user);
}

static json_t *block_qdev(const struct vm_config *cfg, const struct vm_drive *d)
{
	char path[300];

	if (!d->user)
		return NULL;
	device_path(cfg, d->user, path, sizeof(path) - 16);
	strcat(path, "/virtio-backend");
	return json_string(path);
}

json_t *cmd_query_block(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			       struct qmp_err *err)
{
	struct vm_config *cfg = q->vm->cfg;
	json_t *list = json_array(), *o;
	unsigned int i;

	(void)c;
	(void)args;
	(void)err;
	pthread_mutex_lock(&q->vm->dev_lock);
	for (i = 0; i < cfg->nr_drives; i++) {
		const struct vm_drive *d = cfg->drives[i];

		if (!block_listed(d))
			continue;
		o = json_pack("{s:s,s:b,s:b,s:s,s:s,s:o}", "device", d->blockdev ? "" : d->id,
			      "locked", 0, "removable", 0, "io-status", "ok", "type", "unknown",
			      "inserted", block_inserted(d));
		if (d->user)
			json_object_set_new(o, "qdev", block_qdev(cfg, d));
		json_array_append_new(list, o);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	return list;
}

static json_t *block_stats(const struct vccw_be_blk_stats *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "rd_bytes", json_integer((json_int_t)st->rd_bytes));
	json_object_set_new(o, "wr_bytes", json_integer((json_int_t)st->wr_bytes));
	json_object_set_new(o, "unmap_bytes", json_integer((json_int_t)st->unmap_bytes));
	json_object_set_new(o, "rd_operations", json_integer((json_int_t)st->rd_operations));
	json_object_set_new(o, "wr_operations", json_integer((json_int_t)st->wr_operations));
	json_object_set_new(o, "flush_operations", json_integer((json_int_t)st->flush_operations));
	json_object_set_new(o, "unmap_operations", json_integer((json_int_t)st->unmap_operations));
	json_object_set_new(o, "failed_rd_operations",
			    json_integer((json_int_t)st->failed_rd_operations));
	json_object_set_new(o, "failed_wr_operations",
			    json_integer((json_int_t)st->failed_wr_operations));
	json_object_set_new(o, "failed_flush_operations",
			    json_integer((json_int_t)st->failed_flush_operations));
	json_object_set_new(o, "failed_unmap_operations",
			    json_integer((json_int_t)st->failed_unmap_operations));
	json_object_set_new(o, "wr_highest_offset", json_integer((json_int_t)st->wr_highest_offset));
	json_object_set_new(o, "rd_total_time_ns", json_integer((json_int_t)st->rd_total_time_ns));
	json_object_set_new(o, "wr_total_time_ns", json_integer((json_int_t)st->wr_total_time_ns));
	json_object_set_new(o, "flush_total_time_ns",
			    json_integer((json_int_t)st->flush_total_time_ns));
	json_object_set_new(o, "unmap_total_time_ns",
			    json_integer((json_int_t)st->unmap_total_time_ns));
	/* Counted neither way here: QEMU's invalid (refused) requests and timings. */
	json_object_set_new(o, "invalid_rd_operations", json_integer(0));
	json_object_set_new(o, "invalid_wr_operations", json_integer(0));
	json_object_set_new(o, "invalid_flush_operations", json_integer(0));
	json_object_set_new(o, "invalid_unmap_operations", json_integer(0));
	json_object_set_new(o, "rd_merged", json_integer(0));
	json_object_set_new(o, "wr_merged", json_integer(0));
	json_object_set_new(o, "unmap_merged", json_integer(0));
	json_object_set_new(o, "account_invalid", json_false());
	json_object_set_new(o, "account_failed", json_true());
	json_object_set_new(o, "timed_stats", json_array());
	return o;
}

json_t *cmd_query_blockstats(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				    struct qmp_err *err)
{
	struct vm_config *cfg = q->vm->cfg;
	json_t *list = json_array(), *o;
	struct vccw_be_blk_stats st;
	unsigned int i;

	(void)c;
	(void)args;
	(void)err;
	pthread_mutex_lock(&q->vm->dev_lock);
	for (i = 0; i < cfg->nr_drives; i++) {
		const struct vm_drive *d = cfg->drives[i];

		if (!block_listed(d))
			continue;
		vccw_be_blk_get_stats(d->be, &st);
		o = json_pack("{s:s,s:s,s:o}", "device", d->blockdev ? "" : d->id, "node-name",
			      d->id, "stats", block_stats(&st));
		/* A format node's file node, as QEMU nests it (the two share one backend). */
		if (d->child)
			json_object_set_new(o, "parent",
					    json_pack("{s:s,s:o,s:{s:s,s:I,s:I,s:I}}", "node-name",
						      d->child->id, "stats", block_stats(&st),
						      "driver-specific", "driver", "file",
						      "discard-nb-ok",
						      (json_int_t)(st.unmap_operations -
								   st.failed_unmap_operations),
						      "discard-nb-failed",
						      (json_int_t)st.failed_unmap_operations,
						      "discard-bytes-ok", (json_int_t)st.unmap_bytes));
		if (d->user)
			json_object_set_new(o, "qdev", block_qdev(cfg, d));
		json_array_append_new(list, o);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	return list;
}

/* ---- netdev_add, netdev_del ---- */

/*
 * QMP's Netdev as -netdev's flat properties: a SocketAddress object {"type": ..} under
 * "addr" becomes addr.type=..; a list of {"str": RULE} (hostfwd) one property per rule.
 */
static bool netdev_arg_ok(json_t *v, int depth)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v) || json_is_boolean(v) || json_is_integer(v))
		return true;
	if (depth == 0 && json_is_object(v)) {
		json_object_foreach(v, k, e)
			if (!netdev_arg_ok(e, 1) || json_is_object(e) || json_is_array(e))
				return false;
		return true;
	}
	if (depth == 0 && json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (!json_is_object(e) || json_object_size(e) != 1 ||
			    !json_is_string(json_object_get(e, "str")))
				return false;
		return true;
	}
	return false;
}

static void netdev_arg_add(struct vm_kvlist *l, const char *key, json_t *v)
{
	char num[32], sub[128];
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		vm_kv_add(l, key, json_string_value(v));
	} else if (json_is_boolean(v)) {
		vm_kv_add(l, key, json_is_true(v) ? "on" : "off");
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		vm_kv_add(l, key, num);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			snprintf(sub, sizeof(sub), "%s.%s", key, k);
			netdev_arg_add(l, sub, e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			vm_kv_add(l, key, json_string_value(json_object_get(e, "str")));
	}
}

static int netdev_add(struct vm *vm, void *nd)
{
	return vm_hotplug_netdev_add(vm, nd);
}

/* netdev_add {"type": T, "id": ID, ...}: the properties of -netdev T,id=ID,... */
json_t *cmd_netdev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	const char *type = arg_str(args, "type", true, err), *id, *key;
	static const struct qmp_refusal words[] = {
		{ -EEXIST, "GenericError", "Duplicate ID '", "'" },
		{ 0, NULL, NULL, NULL },
	};
	struct vm_netdev *nd;
	json_t *v;

	(void)c;
	if (!type)
		return NULL;
	id = arg_str(args, "id", true, err);
	if (!id)
		return NULL;
	if (!vm_id_valid(id)) {
		set_err(err, "GenericError", "Parameter 'id' expects an identifier");
		return NULL;
	}
	json_object_foreach(args, key, v) {
		if (!netdev_arg_ok(v, 0)) {
			set_err(err, "GenericError", "Invalid parameter type for '%s', expected: "
				"string, integer, boolean, an object of those (addr, local, "
				"remote) or a list of {\"str\": ...} (hostfwd)", key);
			return NULL;
		}
	}
	nd = calloc(1, sizeof(*nd));
	if (!nd || !(nd->id = strdup(id)) || !(nd->type = strdup(type)) ||
	    !(nd->what = what_of("netdev_add", "id", id))) {
		if (nd) {
			free(nd->id);
			free(nd->type);
		}
		free(nd);
		set_err(err, "GenericError", "out of memory");
		return NULL;
	}
	vm_kv_add(&nd->opts, "type", type);
	vm_kv_get(&nd->opts, "type");
	nd->hotplugged = true;
	json_object_foreach(args, key, v) {
		if (strcmp(key, "type") && strcmp(key, "id"))
			netdev_arg_add(&nd->opts, key, v);
	}
	/* The parser's words (QEMU's where QEMU refuses the same), else ours. */
	return reply_of_call(q, netdev_add, nd, id, words, err);
}

json_t *cmd_netdev_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	static const struct qmp_refusal words[] = {
		{ -ENOENT, "DeviceNotFound", "Device '", "' not found" },
		{ -EBUSY, "GenericError", "netdev '", "' is in use: delete its device first" },
		{ 0, NULL, NULL, NULL },
	};
	const char *id = arg_str(args, "id", true, err);

	(void)c;
	return id ? reply_of_rc(vm_hotplug_netdev_del(q->vm, id), id, words, err) : NULL;
}

#endif /* VM_HAVE_QMP */
