// SPDX-License-Identifier: MIT
/*
 * The human monitor (HMP): QEMU's text commands, as typed on -monitor (a chardev in
 * readline mode) or sent through QMP's human-monitor-command. A line is mapped onto the
 * one command table (commands.c): its first words name the command ("info status" is
 * query-status), the rest becomes the arguments by the command's rule, and the command
 * runs through mon_call() as QMP runs it; the result is printed as QEMU's monitor prints
 * it, an error as "Error: ..." (lines end in CR LF, as QEMU's monitor writes them).
 */
#define _GNU_SOURCE /* vasprintf() */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor-int.h"

#ifdef VM_HAVE_QMP

/* ---- output ---- */

void hmp_printf(struct hmp_out *o, const char *fmt, ...)
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

json_t *cmd_hmp_info_qtree(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			   struct qmp_err *err)
{
	struct hmp_out o = { 0 };
	json_t *r;

	(void)c;
	(void)args;
	(void)err;
	hmp_info_qtree(q, &o);
	r = json_string(o.buf ? o.buf : "");
	free(o.buf);
	return r;
}

/* info network: QEMU's lines; after each backend vccw-vm's counters (config/netdev-vm.c). */
json_t *cmd_hmp_info_network(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			     struct qmp_err *err)
{
	char *text = vm_netdev_info(q->vm);
	json_t *r;

	(void)c;
	(void)args;
	(void)err;
	r = json_string(text ? text : "");
	free(text);
	return r;
}

/* help: the human monitor's commands, as QEMU lists them: NAME ARGS -- WHAT. */
json_t *cmd_hmp_help(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	const struct qmp_cmd *cmd;
	struct hmp_out o = { 0 };
	json_t *r;

	(void)q;
	(void)c;
	(void)args;
	(void)err;
	for (cmd = qmp_cmds; cmd->name; cmd++) {
		const char *p = cmd->hmp_params;

		if (!cmd->hmp)
			continue;
		hmp_printf(&o, "%s%s%s -- %s\r\n", cmd->hmp, p ? " " : "",
			   !p ? "" : !strcmp(p, "-device") ? "driver[,prop=value][,...]" : p,
			   cmd->hmp_help);
	}
	r = json_string(o.buf ? o.buf : "");
	free(o.buf);
	return r;
}

/* ---- printers of query results ---- */

void hmp_print_text(struct hmp_out *o, json_t *ret)
{
	hmp_printf(o, "%s", json_is_string(ret) ? json_string_value(ret) : "");
}

/* QEMU's hmp_info_status(): the state in brackets unless it is plain running or paused. */
void hmp_print_status(struct hmp_out *o, json_t *ret)
{
	const char *st = json_string_value(json_object_get(ret, "status"));
	bool running = json_is_true(json_object_get(ret, "running"));

	hmp_printf(o, "VM status: %s", running ? "running" : "paused");
	if (!running && st && strcmp(st, "paused"))
		hmp_printf(o, " (%s)", st);
	hmp_printf(o, "\r\n");
}

/* QEMU's hmp_info_version(): MAJOR.MINOR.MICRO, the package right after it. */
void hmp_print_version(struct hmp_out *o, json_t *ret)
{
	json_t *v = json_object_get(ret, "qemu");

	hmp_printf(o, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT
		   "%s\r\n", json_integer_value(json_object_get(v, "major")),
		   json_integer_value(json_object_get(v, "minor")),
		   json_integer_value(json_object_get(v, "micro")),
		   json_string_value(json_object_get(ret, "package")));
}

/* QEMU's hmp_info_name(): the name on a line, nothing without one. */
void hmp_print_name(struct hmp_out *o, json_t *ret)
{
	const char *name = json_string_value(json_object_get(ret, "name"));

	if (name)
		hmp_printf(o, "%s\r\n", name);
}

/* QEMU's hmp_info_chardev(): LABEL: filename=FILENAME. */
void hmp_print_chardev(struct hmp_out *o, json_t *ret)
{
	json_t *ch;
	size_t i;

	json_array_foreach(ret, i, ch)
		hmp_printf(o, "%s: filename=%s\r\n",
			   json_string_value(json_object_get(ch, "label")),
			   json_string_value(json_object_get(ch, "filename")));
}

/* QEMU's print_block_info(): one paragraph per block device. */
void hmp_print_block(struct hmp_out *o, json_t *ret)
{
	json_t *b, *ins, *cache;
	size_t i;

	json_array_foreach(ret, i, b) {
		const char *dev = json_string_value(json_object_get(b, "device"));
		const char *qdev = json_string_value(json_object_get(b, "qdev"));

		ins = json_object_get(b, "inserted");
		cache = json_object_get(ins, "cache");
		if (i)
			hmp_printf(o, "\r\n");
		hmp_printf(o, "%s", dev && *dev ? dev : "");
		if (json_object_get(ins, "node-name"))
			hmp_printf(o, "%s(%s)", dev && *dev ? " " : "",
				   json_string_value(json_object_get(ins, "node-name")));
		hmp_printf(o, ": %s (%s%s)\r\n", json_string_value(json_object_get(ins, "file")),
			   json_string_value(json_object_get(ins, "drv")),
			   json_is_true(json_object_get(ins, "ro")) ? ", read-only" : "");
		if (qdev)
			hmp_printf(o, "    Attached to:      %s\r\n", qdev);
		hmp_printf(o, "    Cache mode:       %s%s%s\r\n",
			   json_is_true(json_object_get(cache, "writeback")) ? "writeback"
									     : "writethrough",
			   json_is_true(json_object_get(cache, "direct")) ? ", direct" : "",
			   json_is_true(json_object_get(cache, "no-flush")) ? ", ignore flushes"
									    : "");
	}
}

/* ---- the command line ---- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The command whose HMP name the line starts with, the longest first ("info status"). */
static const struct qmp_cmd *hmp_find(const char *line, const char **rest)
{
	const struct qmp_cmd *cmd, *best = NULL;
	size_t best_len = 0;

	for (cmd = qmp_cmds; cmd->name; cmd++) {
		size_t n = cmd->hmp ? strlen(cmd->hmp) : 0;

		/* Words are compared with single blanks: "info  status" is "info status". */
		if (!n || n <= best_len)
			continue;
		{
			const char *l = line, *h = cmd->hmp;

			while (*h && *l) {
				if (*h == ' ') {
					if (!is_blank(*l))
						break;
					while (is_blank(*l))
						l++;
					h++;
				} else if (*h++ != *l++) {
					h = "x";
					break;
				}
			}
			if (*h || (*l && !is_blank(*l)))
				continue;
			while (is_blank(*l))
				l++;
			best = cmd;
			best_len = n;
			*rest = l;
		}
	}
	return best;
}

/* QEMU's words for a line that does not fit the command's arguments. */
static void hmp_usage(struct hmp_out *o, const struct qmp_cmd *cmd, const char *what)
{
	hmp_printf(o, "%s: %s\r\nTry \"help %s\" for more information\r\n", cmd->hmp, what,
		   cmd->hmp);
}

/*
 * The arguments of @cmd from @rest (blanks trimmed) by its hmp_params rule: an empty
 * object when the command takes none; NULL after printing why the line does not fit.
 */
static json_t *hmp_args_parse(const struct qmp_cmd *cmd, const char *rest, struct hmp_out *o)
{
	const char *p = cmd->hmp_params;
	json_t *args = json_object();
	size_t n;

	if (!args)
		return NULL;
	if (!p) {
		if (*rest) {
			hmp_usage(o, cmd, "extraneous characters at the end of line");
			goto err;
		}
		return args;
	}
	if (!strcmp(p, "-device")) {
		struct vm_kvlist l = { 0 };
		char msg[512];
		unsigned int i;

		/* -device's syntax, DRIVER[,PROP=VALUE...], each property one argument. */
		vm_error_capture(msg, sizeof(msg));
		if (vm_kv_parse(cmd->hmp, rest, "driver", &l)) {
			vm_error_capture(NULL, 0);
			hmp_printf(o, "Error: %s\r\n", msg);
			goto err;
		}
		vm_error_capture(NULL, 0);
		for (i = 0; i < l.nr; i++)
			json_object_set_new(args, l.kv[i].key, json_string(l.kv[i].val));
		vm_kv_free(&l);
		return args;
	}
	/* One word for argument @p ("id"); "id?" when it may be left out. */
	n = strcspn(rest, " \t\r\n");
	if (!n && p[strlen(p) - 1] != '?') {
		hmp_usage(o, cmd, "string expected");
		goto err;
	}
	if (rest[n]) {
		hmp_usage(o, cmd, "extraneous characters at the end of line");
		goto err;
	}
	if (n) {
		char *word = strndup(rest, n);
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)strcspn(p, "?"), p);
		json_object_set_new(args, key, json_string(word ? word : ""));
		free(word);
	}
	return args;
err:
	json_decref(args);
	return NULL;
}

void hmp_run_line(struct vm_qmp *q, struct qmp_client *c, const char *line, struct hmp_out *o)
{
	const struct qmp_cmd *cmd;
	struct qmp_err err = { 0 };
	const char *rest = "";
	json_t *args, *r = NULL;
	char *trimmed;
	size_t len;

	while (is_blank(*line))
		line++;
	trimmed = strdup(line);
	if (!trimmed)
		return;
	len = strlen(trimmed);
	while (len && is_blank(trimmed[len - 1]))
		trimmed[--len] = '\0';
	if (!len)
		goto out;
	cmd = hmp_find(trimmed, &rest);
	if (!cmd) {
		/* QEMU's words for a command it does not know. */
		if (!strncmp(trimmed, "info", 4) && (is_blank(trimmed[4]) || !trimmed[4]))
			hmp_printf(o, "unknown command: '%s'\r\n", trimmed);
		else
			hmp_printf(o, "unknown command: '%.*s'\r\n",
				   (int)strcspn(trimmed, " \t"), trimmed);
		goto out;
	}
	args = hmp_args_parse(cmd, rest, o);
	if (!args)
		goto out;
	r = mon_call(q, c, cmd, args, &err);
	json_decref(args);
	/* A command's error is part of HMP's text, as QEMU prints it. */
	if (!r)
		hmp_printf(o, "Error: %s\r\n", err.desc);
	else if (cmd->hmp_print)
		cmd->hmp_print(o, r);
	json_decref(r);
out:
	free(trimmed);
}

json_t *cmd_human_monitor_command(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				  struct qmp_err *err)
{
	const char *line = arg_str(args, "command-line", true, err);
	struct hmp_out o = { 0 };
	json_t *r;

	if (!line)
		return NULL;
	hmp_run_line(q, c, line, &o);
	r = json_string(o.buf ? o.buf : "");
	free(o.buf);
	return r;
}

#endif /* VM_HAVE_QMP */
