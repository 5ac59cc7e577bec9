// SPDX-License-Identifier: MIT
/*
 * Monitor commands of the machine as a whole: capabilities negotiation, query-commands,
 * query-status, query-version, quit, the trace events, and the run state (stop, cont,
 * system_reset, system_powerdown) with the events QEMU sends for them.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vccw/trace.h"
#include "monitor-int.h"

#ifdef VM_HAVE_QMP


json_t *cmd_qmp_capabilities(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				    struct qmp_err *err)
{
	json_t *enable = args ? json_object_get(args, "enable") : NULL;

	json_t *cap;
	size_t i;
	bool oob = false;

	(void)q;
	if (enable && !json_is_array(enable)) {
		set_err(err, "GenericError", "Invalid parameter type for 'enable', expected: array");
		return NULL;
	}
	/* The greeting offers "oob", the one capability QEMU 7.2 knows (QMPCapability). */
	json_array_foreach(enable, i, cap) {
		if (!json_is_string(cap)) {
			set_err(err, "GenericError", "Invalid parameter type for 'enable', "
				"expected: string");
			return NULL;
		}
		if (strcmp(json_string_value(cap), "oob")) {
			/* QEMU's words, 'null' included (the list element has no name). */
			set_err(err, "GenericError", "Parameter 'null' does not accept value '%s'",
				json_string_value(cap));
			return NULL;
		}
		oob = true;
	}
	c->oob = oob;
	c->negotiated = true;
	return json_object();
}

json_t *cmd_query_commands(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				  struct qmp_err *err)
{
	json_t *list = json_array();
	const struct qmp_cmd *cmd;

	(void)q;
	(void)c;
	(void)args;
	(void)err;
	for (cmd = qmp_cmds; cmd->name; cmd++)
		if (!(cmd->flags & VM_MON_HMP_ONLY))
			json_array_append_new(list, json_pack("{s:s}", "name", cmd->name));
	return list;
}

json_t *cmd_query_status(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	enum vm_runstate st = vm_runstate_get(q->vm);

	(void)c;
	(void)args;
	(void)err;
	/* singlestep: QEMU 7.2 still reports it; a vccw vCPU never single-steps. */
	return json_pack("{s:s,s:b,s:b}", "status", vm_runstate_name(st), "singlestep", 0,
			 "running", vm_runstate_running(st));
}

json_t *cmd_query_version(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	(void)q;
	(void)c;
	(void)args;
	(void)err;
	return version_info();
}

/* query-name: {"name": NAME} with -name, {} without, as QEMU answers. */
json_t *cmd_query_name(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	json_t *o = json_object();

	(void)c;
	(void)args;
	(void)err;
	if (o && q->vm->cfg->name)
		json_object_set_new(o, "name", json_string(q->vm->cfg->name));
	return o;
}

json_t *cmd_quit(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	uint64_t one = 1;

	(void)c;
	(void)args;
	(void)err;
	/* The main thread shuts the machine down as on SIGTERM; this reply goes out first. */
	while (write(q->vm->quit_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return json_object();
}

/*
 * QEMU: a name with glob characters is a pattern and may match nothing; a plain name
 * that matches no event is an error.
 */
static bool trace_name_ok(const char *name, unsigned int matched, struct qmp_err *err)
{
	if (matched || strpbrk(name, "*?["))
		return true;
	set_err(err, "GenericError", "unknown event \"%s\"", name);
	return false;
}

json_t *cmd_trace_event_get_state(struct vm_qmp *q, struct qmp_client *c, json_t *args,
					 struct qmp_err *err)
{
	const char *name = arg_str(args, "name", true, err);
	json_t *list;
	unsigned int i;

	(void)q;
	(void)c;
	if (!name)
		return NULL;
	list = json_array();
	for (i = 0; i < vccw_trace_nr_events(); i++) {
		const struct vccw_trace_event *ev = vccw_trace_event_get(i);

		if (!vccw_trace_match(name, ev))
			continue;
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "name", ev->name, "state",
						      vccw_trace_get_state(i) ? "enabled" :
										"disabled",
						      "vcpu", 0));
	}
	if (!trace_name_ok(name, (unsigned int)json_array_size(list), err)) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *cmd_trace_event_set_state(struct vm_qmp *q, struct qmp_client *c, json_t *args,
					 struct qmp_err *err)
{
	const char *name = arg_str(args, "name", true, err);
	json_t *enable = args ? json_object_get(args, "enable") : NULL;
	json_t *ignore = args ? json_object_get(args, "ignore-unavailable") : NULL;

	(void)q;
	(void)c;
	if (!name)
		return NULL;
	if (!enable) {
		set_err(err, "GenericError", "Parameter 'enable' is missing");
		return NULL;
	}
	if (!json_is_boolean(enable) || (ignore && !json_is_boolean(ignore))) {
		set_err(err, "GenericError", "Invalid parameter type for '%s', expected: boolean",
			json_is_boolean(enable) ? "ignore-unavailable" : "enable");
		return NULL;
	}
	/* Events are never unavailable here: ignore-unavailable changes nothing. */
	if (!trace_name_ok(name, vccw_trace_set_state(name, json_is_true(enable)), err))
		return NULL;
	/* The lines go to stderr: vm_parse_args() installed the sink. */
	return json_object();
}

/* ---- lifecycle: stop, cont, system_reset, system_powerdown ---- */

json_t *cmd_stop(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	/* QEMU: stopping a stopped machine is no error and sends no event. */
	if (vm_runstate_stop(q->vm, VM_RUN_PAUSED))
		qmp_event(q, "STOP", NULL);
	return json_object();
}

json_t *cmd_cont(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	int rc = vm_runstate_cont(q->vm);

	(void)c;
	(void)args;
	if (rc == -EBUSY) {
		set_err(err, "GenericError", "Resetting the Virtual Machine is required");
		return NULL;
	}
	if (rc > 0)
		qmp_event(q, "RESUME", NULL);
	return json_object();
}

json_t *cmd_system_reset(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	/* Done when this returns (native program or s390x re-IPL), as QEMU's. */
	vm_reset_request(q->vm);
	qmp_event(q, "RESET", json_pack("{s:b,s:s}", "guest", 0, "reason",
					"host-qmp-system-reset"));
	return json_object();
}

json_t *cmd_system_powerdown(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				    struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	/* A request to the guest, as QEMU's: the machine runs on until the guest ends. */
	qmp_event(q, "POWERDOWN", NULL);
	vm_powerdown_request(q->vm);
	return json_object();
}

#endif /* VM_HAVE_QMP */
