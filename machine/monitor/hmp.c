// SPDX-License-Identifier: MIT
/*
 * The human monitor (HMP): QEMU's text commands, reached through QMP's
 * human-monitor-command.
 */
#define _GNU_SOURCE /* vasprintf() */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor-int.h"

#ifdef VM_HAVE_QMP


/* ---- human-monitor-command: QEMU's HMP text for a few commands ---- */

struct hmp_out {
	char *buf;
	size_t len;
};

static void __attribute__((format(printf, 2, 3))) hmp_printf(struct hmp_out *o,
							      const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	p = realloc(o->buf, o->len + (size_t)n + 1);
	if (p) {
		memcpy(p + o->len, line, (size_t)n + 1);
		o->buf = p;
		o->len += (size_t)n;
	}
	free(line);
}

static void qtree_prop(const char *name, const char *type, json_t *val, void *arg)
{
	struct hmp_out *o = arg;

	/* The QOM bookkeeping is not a qdev property: info qtree leaves it out. */
	if (!strcmp(name, "type") || !strcmp(name, "realized") || !strcmp(name, "hotplugged") ||
	    !strcmp(name, "hotpluggable")) {
		json_decref(val);
		return;
	}
	(void)type;
	if (json_is_string(val))
		hmp_printf(o, "        %s = \"%s\"\r\n", name, json_string_value(val));
	else if (json_is_integer(val))
		hmp_printf(o, "        %s = %" PRIu64 " (0x%" PRIx64 ")\r\n", name,
			   (uint64_t)json_integer_value(val), (uint64_t)json_integer_value(val));
	else if (json_is_boolean(val))
		hmp_printf(o, "        %s = %s\r\n", name, json_is_true(val) ? "true" : "false");
	json_decref(val);
}

/* The device tree as QEMU's info qtree draws the virtual css and its devices. */
static void hmp_info_qtree(struct vm_qmp *q, struct hmp_out *o)
{
	struct vm_config *cfg = q->vm->cfg;
	unsigned int i;

	hmp_printf(o, "bus: main-system-bus\r\n  type System\r\n");
	hmp_printf(o, "  dev: virtual-css-bridge, id \"\"\r\n    css_dev_path = true\r\n");
	hmp_printf(o, "    bus: virtual-css\r\n      type virtual-css-bus\r\n");
	pthread_mutex_lock(&q->vm->dev_lock);
	for (i = 0; i < cfg->nr_devices; i++) {
		const struct vm_device *dev = cfg->devices[i];
		size_t n = strlen(dev->type->name);

		if (!dev->type->device_id)
			continue; /* a port: on its virtio-serial bus, not on the css */
		hmp_printf(o, "      dev: %s, id \"%s\"\r\n", dev->type->name,
			   dev->id ? dev->id : "");
		device_props(dev, qtree_prop, o);
		/* virtio-blk-ccw carries a virtio-blk-device on its virtio bus. */
		hmp_printf(o, "        bus: virtio-bus\r\n          type virtio-ccw-bus\r\n");
		hmp_printf(o, "          dev: %.*s-device, id \"\"\r\n",
			   (int)(n > 4 ? n - 4 : n), dev->type->name);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
}

/* HMP commands without arguments that are the QMP command of the same name. */
static const struct qmp_cmd hmp_plain[] = {
	{ "stop", cmd_stop, NULL, false },
	{ "cont", cmd_cont, NULL, false },
	{ "system_reset", cmd_system_reset, NULL, false },
	{ "system_powerdown", cmd_system_powerdown, NULL, false },
};

static const struct qmp_cmd *hmp_plain_find(const char *word, size_t len)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(hmp_plain); i++)
		if (strlen(hmp_plain[i].name) == len && !strncmp(hmp_plain[i].name, word, len))
			return &hmp_plain[i];
	return NULL;
}

json_t *cmd_human_monitor_command(struct vm_qmp *q, struct qmp_client *c, json_t *args,
					 struct qmp_err *err)
{
	const struct qmp_cmd *plain;
	const char *line = arg_str(args, "command-line", true, err), *rest;
	struct hmp_out o = { 0 };
	struct qmp_err sub = { 0 };
	json_t *r = NULL, *a;
	size_t n;

	if (!line)
		return NULL;
	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	rest = line + n;
	while (*rest == ' ')
		rest++;
	hmp_printf(&o, "%s", "");
	if (!strncmp(line, "info", n) && n == 4) {
		if (!strcmp(rest, "status")) {
			enum vm_runstate st = vm_runstate_get(q->vm);

			/* QEMU: the state in brackets unless it is plain running or paused. */
			hmp_printf(&o, "VM status: %s",
				   vm_runstate_running(st) ? "running" : "paused");
			if (!vm_runstate_running(st) && st != VM_RUN_PAUSED)
				hmp_printf(&o, " (%s)", vm_runstate_name(st));
			hmp_printf(&o, "\r\n");
		} else if (!strcmp(rest, "qtree")) {
			hmp_info_qtree(q, &o);
		} else {
			hmp_printf(&o, "unknown command: 'info %s'\r\n", rest);
		}
	} else if ((plain = hmp_plain_find(line, n))) {
		r = plain->fn(q, c, NULL, &sub);
	} else if (n == 10 && !strncmp(line, "device_del", n)) {
		a = json_pack("{s:s}", "id", rest);
		r = cmd_device_del(q, c, a, &sub);
		json_decref(a);
	} else if (n == 10 && !strncmp(line, "device_add", n)) {
		struct vm_kvlist l = { 0 };
		char msg[512], qmsg[512];
		int rc;

		/* HMP takes -device's syntax: DRIVER[,PROP=VALUE...]. */
		vm_error_capture(msg, sizeof(msg));
		vm_error_capture_qmp(qmsg, sizeof(qmsg));
		rc = vm_kv_parse("device_add", rest, "driver", &l);
		if (!rc)
			rc = vm_hotplug_add(q->vm, &l);
		vm_error_capture_qmp(NULL, 0);
		vm_error_capture(NULL, 0);
		vm_kv_free(&l);
		if (rc)
			set_err(&sub, "GenericError", "%s", qmsg[0] ? qmsg : msg);
		else
			r = json_object();
	} else {
		hmp_printf(&o, "unknown command: '%.*s'\r\n", (int)n, line);
	}
	/* A command's error is part of HMP's text, as QEMU prints it. */
	if (sub.cls)
		hmp_printf(&o, "Error: %s\r\n", sub.desc);
	json_decref(r);
	r = json_string(o.buf ? o.buf : "");
	free(o.buf);
	return r;
}

#endif /* VM_HAVE_QMP */
