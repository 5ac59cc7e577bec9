// SPDX-License-Identifier: MIT
/*
 * Monitor commands on character backends: chardev-add, chardev-remove, query-chardev.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor-int.h"

#ifdef VM_HAVE_QMP


/* ---- chardev-add, chardev-remove, query-chardev ---- */

json_t *cmd_query_chardev(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	struct vm_config *cfg = q->vm->cfg;
	json_t *list = json_array();
	char name[400];
	unsigned int i;

	(void)c;
	(void)args;
	(void)err;
	pthread_mutex_lock(&q->vm->dev_lock);
	for (i = 0; i < cfg->nr_chardevs; i++) {
		const struct vm_chardev *ch = cfg->chardevs[i];

		/* QEMU's ChardevInfo filename of each backend kind. */
		vm_chardev_filename(ch, name, sizeof(name));
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "label", ch->id, "filename",
						      name, "frontend-open", ch->user != NULL ||
						      ch == cfg->serial));
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	/* The -qmp socket, as QEMU lists it (-monitor's chardevs are listed above). */
	if (q->path) {
		snprintf(name, sizeof(name), "unix:%s,server=on", q->path);
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "label",
						      "compat_monitor0", "filename", name,
						      "frontend-open", 1));
	}
	return list;
}

static int chardev_add(struct vm *vm, void *ch)
{
	return vm_hotplug_chardev_add(vm, ch);
}

/*
 * chardev-add {"id": ID, "backend": {"type": T, "data": {...}}}: null; file with "out"
 * (and "append"); socket with "addr" {"type": "unix", "data": {"path": P}} and "server"
 * (a listening server never waits: "wait" must be false when given).
 */
json_t *cmd_chardev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			       struct qmp_err *err)
{
	const char *id = arg_str(args, "id", true, err), *type, *path = NULL;
	const char *host = NULL, *port = NULL;
	json_t *be = args ? json_object_get(args, "backend") : NULL, *data, *addr, *ret;
	struct vm_chardev *ch;
	enum vm_chardev_kind kind;
	static const struct qmp_refusal words[] = {
		{ -EEXIST, "GenericError", "Chardev with id '", "' already exists" },
		{ 0, NULL, NULL, NULL },
	};
	bool server = false, wait = false, append = false;

	(void)c;
	if (!id)
		return NULL;
	if (!be) {
		set_err(err, "GenericError", "Parameter 'backend' is missing");
		return NULL;
	}
	if (!json_is_object(be) || !(type = arg_str(be, "type", true, err))) {
		if (!err->cls)
			set_err(err, "GenericError",
				"Invalid parameter type for 'backend', expected: object");
		return NULL;
	}
	data = json_object_get(be, "data");
	if (data && !json_is_object(data)) {
		set_err(err, "GenericError", "Invalid parameter type for 'data', expected: object");
		return NULL;
	}
	if (!strcmp(type, "null")) {
		kind = VM_CHARDEV_NULL;
	} else if (!strcmp(type, "pty")) {
		kind = VM_CHARDEV_PTY;
	} else if (!strcmp(type, "file")) {
		kind = VM_CHARDEV_FILE;
		path = arg_str(data, "out", true, err);
		if (!path || arg_bool(data, "append", &append, err))
			return NULL;
	} else if (!strcmp(type, "socket")) {
		kind = VM_CHARDEV_SOCKET;
		addr = data ? json_object_get(data, "addr") : NULL;
		if (!addr) {
			set_err(err, "GenericError", "Parameter 'addr' is missing");
			return NULL;
		}
		if (!json_is_object(addr) || !arg_str(addr, "type", true, err) ||
		    (strcmp(arg_str(addr, "type", true, err), "unix") &&
		     strcmp(arg_str(addr, "type", true, err), "inet"))) {
			if (!err->cls)
				set_err(err, "GenericError", "only unix and inet sockets are "
					"supported");
			return NULL;
		}
		if (!strcmp(arg_str(addr, "type", true, err), "inet")) {
			/* SocketAddressLegacy's inet: {"host": H, "port": P}. */
			host = arg_str(json_object_get(addr, "data"), "host", true, err);
			port = host ? arg_str(json_object_get(addr, "data"), "port", true, err)
				    : NULL;
			if (!port)
				return NULL;
			path = "";
		} else {
			path = arg_str(json_object_get(addr, "data"), "path", true, err);
		}
		if (!path || arg_bool(data, "server", &server, err) ||
		    arg_bool(data, "wait", &wait, err))
			return NULL;
		if (wait) {
			set_err(err, "GenericError", "wait=on is not supported: the server never "
				"waits for its client");
			return NULL;
		}
	} else {
		set_err(err, "GenericError", "Parameter 'type' does not accept value '%s'", type);
		return NULL;
	}
	if (!vm_id_valid(id)) {
		set_err(err, "GenericError", "Parameter 'id' expects an identifier");
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->id = strdup(id)) || (path && !(ch->path = strdup(path))) ||
	    !(ch->what = what_of("chardev-add", "id", id))) {
		if (ch) {
			free(ch->id);
			free(ch->path);
		}
		free(ch);
		set_err(err, "GenericError", "out of memory");
		return NULL;
	}
	ch->kind = kind;
	ch->server = server;
	ch->append = append;
	if (host) {
		free(ch->path);
		ch->path = NULL;
		ch->host = strdup(host);
		ch->port = strdup(port);
		if (!ch->host || !ch->port) {
			vm_chardev_free(ch);
			set_err(err, "GenericError", "out of memory");
			return NULL;
		}
	}
	ret = reply_of_call(q, chardev_add, ch, id, words, err);
	if (!ret || kind != VM_CHARDEV_PTY)
		return ret;
	/* QEMU's ChardevReturn: a pty's name. (Only this thread removes chardevs.) */
	json_decref(ret);
	return json_pack("{s:s}", "pty", ch->path ? ch->path : "");
}

json_t *cmd_chardev_remove(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				  struct qmp_err *err)
{
	static const struct qmp_refusal words[] = {
		{ -ENOENT, "GenericError", "Chardev '", "' not found" },
		{ -EBUSY, "GenericError", "Chardev '", "' is busy" },
		{ 0, NULL, NULL, NULL },
	};
	const char *id = arg_str(args, "id", true, err);

	(void)c;
	return id ? reply_of_rc(vm_hotplug_chardev_del(q->vm, id), id, words, err) : NULL;
}

#endif /* VM_HAVE_QMP */
