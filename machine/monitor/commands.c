// SPDX-License-Identifier: MIT
/*
 * The monitor's command table: every command QMP (and the human monitor, hmp.c) can run,
 * with its handler and the argument names it takes; and the helpers handlers use to read
 * arguments and word errors as QEMU 7.2 does ("Parameter 'id' is missing").
 */
#define _GNU_SOURCE /* asprintf() */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor-int.h"

#ifdef VM_HAVE_QMP


void __attribute__((format(printf, 3, 4)))
set_err(struct qmp_err *err, const char *cls, const char *fmt, ...)
{
	va_list ap;

	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
}

/* A string argument: NULL with @err set when missing (if @required) or not a string. */
json_t *reply_of_rc(int rc, const char *name, const struct qmp_refusal *words,
		    struct qmp_err *err)
{
	if (!rc)
		return json_object();
	for (; words && words->rc; words++) {
		if (words->rc == rc) {
			set_err(err, words->cls, "%s%s%s", words->before, name, words->after);
			return NULL;
		}
	}
	set_err(err, "GenericError", "'%s': %s", name, strerror(-rc));
	return NULL;
}

/*
 * The error class QEMU gives a message worded as QEMU words it: "Device 'ID' not found"
 * (a link property, as iothread=, naming no object) is DeviceNotFound; the rest are
 * GenericError.
 */
static const char *qmp_class_of(const char *qmsg)
{
	static const char head[] = "Device '", tail[] = "' not found";
	size_t n = strlen(qmsg);

	if (n > sizeof(head) - 1 + sizeof(tail) - 1 && !strncmp(qmsg, head, sizeof(head) - 1) &&
	    !strcmp(qmsg + n - (sizeof(tail) - 1), tail))
		return "DeviceNotFound";
	return "GenericError";
}

json_t *reply_of_call(struct vm_qmp *q, int (*fn)(struct vm *vm, void *arg), void *arg,
		      const char *name, const struct qmp_refusal *words, struct qmp_err *err)
{
	const struct qmp_refusal *w;
	char msg[512], qmsg[512];
	int rc;

	vm_error_capture(msg, sizeof(msg));
	vm_error_capture_qmp(qmsg, sizeof(qmsg));
	rc = fn(q->vm, arg);
	vm_error_capture_qmp(NULL, 0);
	vm_error_capture(NULL, 0);
	for (w = words; rc && w && w->rc && w->rc != rc; w++)
		;
	if (!rc || (w && w->rc) || (!qmsg[0] && !msg[0]))
		return reply_of_rc(rc, name, words, err);
	set_err(err, qmp_class_of(qmsg), "%s", qmsg[0] ? qmsg : msg);
	return NULL;
}

const char *arg_str(json_t *args, const char *name, bool required, struct qmp_err *err)
{
	json_t *v = args ? json_object_get(args, name) : NULL;

	if (!v) {
		if (required)
			set_err(err, "GenericError", "Parameter '%s' is missing", name);
		return NULL;
	}
	if (!json_is_string(v)) {
		set_err(err, "GenericError", "Invalid parameter type for '%s', expected: string",
			name);
		return NULL;
	}
	return json_string_value(v);
}

/* An integer argument; false with @err set when missing or not an integer. */
bool arg_int(json_t *args, const char *name, json_int_t *v, struct qmp_err *err)
{
	json_t *j = args ? json_object_get(args, name) : NULL;

	if (!j) {
		set_err(err, "GenericError", "Parameter '%s' is missing", name);
		return false;
	}
	if (!json_is_integer(j)) {
		set_err(err, "GenericError", "Invalid parameter type for '%s', expected: integer",
			name);
		return false;
	}
	*v = json_integer_value(j);
	return true;
}

/* A boolean argument: false when absent; -1 with @err set when not a boolean. */
int arg_bool(json_t *args, const char *name, bool *out, struct qmp_err *err)
{
	json_t *v = args ? json_object_get(args, name) : NULL;

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		set_err(err, "GenericError", "Invalid parameter type for '%s', expected: boolean",
			name);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* "@cmd @key=@id": how messages name a backend the monitor adds. NULL: no memory. */
char *what_of(const char *cmd, const char *key, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s %s=%s", cmd, key, id) < 0)
		return NULL;
	return p;
}

/* ---- block: blockdev-add, blockdev-del, query-block, query-blockstats ---- */

/* The QOM path QEMU gives a device: by id, or numbered among those without one. */
void device_path(const struct vm_config *cfg, const struct vm_device *dev, char *buf,
			size_t len)
{
	unsigned int i, anon = 0;

	if (dev->id) {
		snprintf(buf, len, "/machine/peripheral/%s", dev->id);
		return;
	}
	for (i = 0; i < cfg->nr_devices && cfg->devices[i] != dev; i++)
		anon += !cfg->devices[i]->id;
	snprintf(buf, len, "/machine/peripheral-anon/device[%u]", anon);
}

static const char *const no_args[] = { NULL };
static const char *const trace_get_args[] = { "name", "vcpu", NULL };
static const char *const trace_set_args[] = { "name", "enable", "ignore-unavailable", "vcpu",
					      NULL };
static const char *const caps_args[] = { "enable", NULL };
static const char *const del_args[] = { "id", NULL };
static const char *const balloon_args[] = { "value", NULL };
static const char *const qom_get_args[] = { "path", "property", NULL };
static const char *const qom_set_args[] = { "path", "property", "value", NULL };
static const char *const announce_args[] = { "initial", "max", "rounds", "step", "interfaces",
					     "id", NULL };
static const char *const path_args[] = { "path", NULL };
static const char *const node_args[] = { "node-name", NULL };
static const char *const blockstats_args[] = { "query-nodes", NULL };
static const char *const chardev_add_args[] = { "id", "backend", NULL };
static const char *const hmp_args[] = { "command-line", "cpu-index", NULL };

/* An HMP name, its argument rule, its printer and help line (struct qmp_cmd). */
#define HMP(name, params, print, help) name, params, print, help

/*
 * An entry names only what it has: a QMP-only command stops after any_args, and the
 * fields after it are zero. -Wextra would ask for every field of every entry.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct qmp_cmd qmp_cmds[] = {
	{ "qmp_capabilities", cmd_qmp_capabilities, caps_args, false, .flags = VM_MON_RESERVED },
	{ "query-commands", cmd_query_commands, no_args, false },
	{ "query-status", cmd_query_status, no_args, false,
	  HMP("info status", NULL, hmp_print_status, "show the current VM status"),
	  VM_MON_RESERVED },
	{ "query-version", cmd_query_version, no_args, false,
	  HMP("info version", NULL, hmp_print_version, "show the version of QEMU") },
	{ "query-name", cmd_query_name, no_args, false,
	  HMP("info name", NULL, hmp_print_name, "show the current VM name") },
	{ "query-ccw-devices", cmd_query_ccw_devices, no_args, false },
	{ "device_add", cmd_device_add, no_args, true,
	  HMP("device_add", "-device", NULL, "add device, like -device on the command line") },
	{ "device_del", cmd_device_del, del_args, false,
	  HMP("device_del", "id", NULL, "remove device") },
	{ "trace-event-get-state", cmd_trace_event_get_state, trace_get_args, false },
	{ "trace-event-set-state", cmd_trace_event_set_state, trace_set_args, false },
	{ "query-balloon", cmd_query_balloon, no_args, false },
	{ "balloon", cmd_balloon, balloon_args, false },
	{ "qom-get", cmd_qom_get, qom_get_args, false },
	{ "qom-set", cmd_qom_set, qom_set_args, false },
	{ "announce-self", cmd_announce_self, announce_args, false },
	{ "qom-list", cmd_qom_list, path_args, false },
	{ "stop", cmd_stop, no_args, false, HMP("stop", NULL, NULL, "stop emulation") },
	{ "cont", cmd_cont, no_args, false, HMP("cont", NULL, NULL, "resume emulation") },
	{ "system_reset", cmd_system_reset, no_args, false,
	  HMP("system_reset", NULL, NULL, "reset the system") },
	{ "system_powerdown", cmd_system_powerdown, no_args, false,
	  HMP("system_powerdown", NULL, NULL, "send system power down event") },
	{ "query-block", cmd_query_block, no_args, false,
	  HMP("info block", NULL, hmp_print_block, "show the block devices") },
	{ "query-blockstats", cmd_query_blockstats, blockstats_args, false },
	{ "blockdev-add", cmd_blockdev_add, no_args, true, .flags = VM_MON_HOST },
	{ "blockdev-del", cmd_blockdev_del, node_args, false },
	{ "query-chardev", cmd_query_chardev, no_args, false,
	  HMP("info chardev", NULL, hmp_print_chardev, "show the character devices") },
	{ "chardev-add", cmd_chardev_add, chardev_add_args, false, .flags = VM_MON_HOST },
	{ "chardev-remove", cmd_chardev_remove, del_args, false,
	  HMP("chardev-remove", "id", NULL, "remove chardev") },
	{ "netdev_add", cmd_netdev_add, no_args, true, .flags = VM_MON_HOST },
	{ "netdev_del", cmd_netdev_del, del_args, false,
	  HMP("netdev_del", "id", NULL, "remove host network device") },
	{ "human-monitor-command", cmd_human_monitor_command, hmp_args, false },
	{ "quit", cmd_quit, no_args, false, HMP("quit", NULL, NULL, "quit the emulator"),
	  VM_MON_RESERVED },
	/* The human monitor's own: no QMP command shows the device tree or lists HMP. */
	{ "x-hmp-info-qtree", cmd_hmp_info_qtree, no_args, false,
	  HMP("info qtree", NULL, hmp_print_text, "show device tree"), VM_MON_HMP_ONLY },
	{ "x-hmp-info-network", cmd_hmp_info_network, no_args, false,
	  HMP("info network", NULL, hmp_print_text, "show the network state"), VM_MON_HMP_ONLY },
	{ "x-hmp-help", cmd_hmp_help, no_args, false,
	  HMP("help", NULL, hmp_print_text, "show the help"), VM_MON_HMP_ONLY },
	{ NULL, NULL, NULL, false },
};
#pragma GCC diagnostic pop

bool arg_known(const struct qmp_cmd *cmd, const char *name)
{
	const char *const *a;

	for (a = cmd->args; *a; a++)
		if (!strcmp(*a, name))
			return true;
	return false;
}

const struct qmp_cmd *mon_cmd_find(const char *name)
{
	const struct qmp_cmd *cmd;

	for (cmd = qmp_cmds; cmd->name; cmd++)
		if (!strcmp(cmd->name, name) && !(cmd->flags & VM_MON_HMP_ONLY))
			return cmd;
	return NULL;
}

json_t *mon_call(struct vm_qmp *q, struct qmp_client *c, const struct qmp_cmd *cmd,
		 json_t *args, struct qmp_err *err)
{
	const char *key;
	json_t *v;

	/*
	 * A client let in past the normal limit may only negotiate, look and quit, so that
	 * the reserved slot always serves the one that wants the machine to end.
	 */
	if (c->restricted && !(cmd->flags & VM_MON_RESERVED)) {
		set_err(err, "GenericError", "Too many monitor clients (at most %u): this "
			"connection may only run qmp_capabilities, query-status and quit",
			VM_QMP_MAX_CLIENTS);
		return NULL;
	}
	if (q->fed && !q->vm->host_guard && (cmd->flags & VM_MON_HOST)) {
		set_err(err, "GenericError", "%s opens host files: not on this monitor",
			cmd->name);
		return NULL;
	}
	if (args && !cmd->any_args) {
		json_object_foreach(args, key, v) {
			if (!arg_known(cmd, key)) {
				set_err(err, "GenericError", "Parameter '%s' is unexpected", key);
				return NULL;
			}
		}
	}
	return cmd->fn(q, c, args, err);
}

#endif /* VM_HAVE_QMP */
