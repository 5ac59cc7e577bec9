/* SPDX-License-Identifier: MIT */
/*
 * The monitor room's private interface: the monitor object (struct vm_qmp: the -qmp
 * listener, its clients, the event queue), the command table that QMP and the human
 * monitor share, and the helpers command handlers use to read arguments and word
 * errors as QEMU does. Files:
 *   qmp.c          the QMP protocol: the -qmp socket and its clients, monitors on
 *                  chardevs (-monitor, -mon, mux), the JSON stream, the request's
 *                  shape, events, the monitor thread (the -qmp option's parser is
 *                  config/chardev.c's)
 *   commands.c     the one command table, argument and error helpers
 *   hmp.c          the human monitor (HMP): its command line mapped onto the table
 *   cmd-machine.c  capabilities, queries, run state (stop, cont, reset, powerdown), quit,
 *                  trace events
 *   cmd-device.c   device_add, device_del, query-ccw-devices, announce-self, the
 *                  balloon, QOM (qom-list, qom-get, qom-set)
 *   cmd-chardev.c  chardev-add, chardev-remove, query-chardev
 *   vm-qmp.c       blockdev-add, blockdev-del, query-block, query-blockstats, netdev_add,
 *                  netdev_del
 * The monitor calls downward only (hot plug, run state, devices); nothing below calls
 * back into it except through vm_qmp_event() and vm_qmp_shutdown_event(), which only
 * queue an event.
 *
 * Handlers keep their file-local names (cmd_*, set_err, arg_str ...): they are shared
 * inside machine/monitor/ only, and this header is included nowhere else.
 */
#ifndef VM_MONITOR_INT_H
#define VM_MONITOR_INT_H

#ifdef VM_HAVE_QMP

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vm-int.h"

/*
 * -qmp clients at a time, and one slot more kept for a client that only wants to look
 * and quit (VM_MON_RESERVED commands), so that idle clients cannot lock quit out.
 */
#define VM_QMP_MAX_CLIENTS 8
#define VM_QMP_SLOTS (VM_QMP_MAX_CLIENTS + 1)
#define VM_QMP_MAX_INPUT (1u << 20)  /* one command's text */
#define VM_QMP_MAX_OUTPUT (8u << 20) /* unread replies and events of one client */
#define VM_QMP_MAX_DEPTH 256          /* JSON nesting; no command needs more than 3 */
#define VM_QMP_FLUSH_MS 1000          /* how long shutdown waits for clients to read */

struct qmp_client {
	int fd; /* -1: free slot */
	bool negotiated;
	bool oob; /* the client enabled the oob capability */
	bool restricted; /* let in on the reserved slot: VM_MON_RESERVED commands only */
	uint64_t serial; /* accept order, to find the oldest client */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_cap;
	/* A monitor on a chardev (-monitor, -mon): fd stays -1, I/O goes through be. */
	struct vccw_be_char *be;
	bool hmp;       /* mode=readline: the human monitor; else QMP */
	bool pretty;
	uint64_t gen;   /* the backend's client count when last greeted */
	/* mux=on: the chardev's lock, and which frontend has the input (ctrl-a c). */
	pthread_mutex_t *lock;
	bool focus;     /* the monitor has the input; else the machine console */
	bool esc;       /* ctrl-a seen, the command key next */
	bool bannered;  /* the banner was shown to this peer */
};

struct vm_qmp {
	struct vm *vm;
	char *path;
	int listen_fd;
	bool bound;  /* the socket file at path is ours to remove */
	int wake_fd; /* eventfd: events queued or stop */
	pthread_t thread;
	bool started;
	bool fed; /* vm_qmp_new_fed(): test input; VM_MON_HOST commands refused */

	uint64_t accepts; /* clients accepted so far (monitor thread) */
	pthread_mutex_t lock; /* protects events and stop */
	json_t *events;       /* array of event objects to broadcast */
	bool stop;

	struct qmp_client clients[VM_QMP_SLOTS]; /* monitor thread only; the last reserved */
	struct qmp_client mons[VM_MAX_MONITORS];  /* -monitor, -mon (monitor thread only) */
	unsigned int nr_mons;
};

/* A command's error: QEMU's error classes ("GenericError", "CommandNotFound" ...). */
struct qmp_err {
	const char *cls;
	char desc[512];
};

/* ---- the command table (commands.c) ---- */

struct hmp_out;

/*
 * One monitor command, for QMP and the human monitor alike: both run @fn with the same
 * arguments after the same checks (mon_call()). A command the human monitor knows has
 * an HMP name (its words: "info status" for query-status), a rule that turns the rest
 * of its line into the arguments, and a printer of the result.
 */
struct qmp_cmd {
	const char *name; /* the QMP name; NULL ends the table */
	/* Returns the "return" value (new reference), or NULL with @err set. */
	json_t *(*fn)(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err);
	/* Argument names the command takes; others are "unexpected". NULL-terminated. */
	const char *const *args;
	bool any_args; /* device_add: the device's properties */

	/* The human monitor; hmp NULL: QMP only. */
	const char *hmp;
	/*
	 * How the words after the HMP name become arguments: NULL, none may follow;
	 * "NAME" one word for argument NAME (device_del ID); "NAME?" the same, optional;
	 * "-device" the text in -device syntax, DRIVER[,PROP=VALUE...], one argument each.
	 */
	const char *hmp_params;
	/* Print the result for a person; NULL: nothing on success (QEMU's HMP is silent). */
	void (*hmp_print)(struct hmp_out *o, json_t *ret);
	const char *hmp_help; /* one line for HMP's help */
	unsigned int flags; /* VM_MON_* */
};

/* Not a QMP command: only the human monitor has it (info qtree, help). */
#define VM_MON_HMP_ONLY 1u
/* Runs on a client past the normal limit (the reserved slot: issue 13's bound). */
#define VM_MON_RESERVED 2u
/* Opens host files or sockets: refused on a fed monitor (vm_qmp_new_fed()). */
#define VM_MON_HOST 4u

/* Every command, ended by an entry whose name is NULL. */
extern const struct qmp_cmd qmp_cmds[];
bool arg_known(const struct qmp_cmd *cmd, const char *name);
/* The QMP command called @name (NULL: none); @hmp_only entries are not QMP commands. */
const struct qmp_cmd *mon_cmd_find(const char *name);
/*
 * Run @cmd for client @c: the checks QMP and HMP share (argument names, what a client
 * on the reserved slot may run), then its handler. Returns the handler's value, or NULL
 * with @err set.
 */
json_t *mon_call(struct vm_qmp *q, struct qmp_client *c, const struct qmp_cmd *cmd,
		 json_t *args, struct qmp_err *err);

/* ---- the human monitor (hmp.c) ---- */

/* Text output of HMP commands, grown as needed; buf NULL until something is printed. */
struct hmp_out {
	char *buf;
	size_t len;
};

void hmp_printf(struct hmp_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Run one HMP command line for @c (the human monitor's session, or a QMP client's
 * human-monitor-command): its words mapped onto the command table, the result or the
 * error printed into @o as QEMU's monitor prints them.
 */
void hmp_run_line(struct vm_qmp *q, struct qmp_client *c, const char *line, struct hmp_out *o);
/* HMP's printers of query results, named in the command table. */
void hmp_print_status(struct hmp_out *o, json_t *ret);
void hmp_print_text(struct hmp_out *o, json_t *ret);
void hmp_print_chardev(struct hmp_out *o, json_t *ret);
void hmp_print_block(struct hmp_out *o, json_t *ret);
void hmp_print_version(struct hmp_out *o, json_t *ret);
void hmp_print_name(struct hmp_out *o, json_t *ret);

/* ---- helpers for handlers (commands.c) ---- */

void set_err(struct qmp_err *err, const char *cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One refusal of a monitor command: its -errno and QEMU's words around the object's name. */
struct qmp_refusal {
	int rc;
	const char *cls;
	const char *before, *after;
};
/*
 * The reply of a command whose work returned @rc for the object @name: {} for 0; else the
 * entry of @words (ended by rc 0) for @rc, or a GenericError naming strerror(-@rc).
 */
json_t *reply_of_rc(int rc, const char *name, const struct qmp_refusal *words,
		    struct qmp_err *err);
/*
 * The reply of a command whose work is @fn(@q->vm, @arg) on the object @name, run with
 * its messages caught (vm_error(), and vm_error_qmp() where it has QEMU's words): {} when
 * it returns 0; for an rc @words has, that entry; else a GenericError with QEMU's words,
 * or vccw's own, or (when it said nothing) as reply_of_rc().
 */
json_t *reply_of_call(struct vm_qmp *q, int (*fn)(struct vm *vm, void *arg), void *arg,
		      const char *name, const struct qmp_refusal *words, struct qmp_err *err);
/* A string argument: NULL with @err set when missing (if @required) or not a string. */
const char *arg_str(json_t *args, const char *name, bool required, struct qmp_err *err);
/* An integer argument; false with @err set when missing or not an integer. */
bool arg_int(json_t *args, const char *name, json_int_t *v, struct qmp_err *err);
/* A boolean argument: false when absent; -1 with @err set when not a boolean. */
int arg_bool(json_t *args, const char *name, bool *out, struct qmp_err *err);
/* "@cmd @key=@id": how messages name a backend the monitor adds. NULL: no memory. */
char *what_of(const char *cmd, const char *key, const char *id);
/* The QOM path QEMU gives a device: by id, or numbered among those without one. */
void device_path(const struct vm_config *cfg, const struct vm_device *dev, char *buf,
		 size_t len);

/* ---- shared by the command files ---- */

/* qmp.c: the version QEMU's greeting and query-version report. */
json_t *version_info(void);
/* qmp.c: queue event @name with @data (taken over; NULL: none). Context: any thread. */
void qmp_event(struct vm_qmp *q, const char *name, json_t *data);
/* cmd-device.c: call @fn for each property of @dev: name, QOM type, value (owned by @fn). */
void device_props(const struct vm_device *dev,
		  void (*fn)(const char *name, const char *type, json_t *val, void *arg),
		  void *arg);

/* The handlers, one per command (qmp_cmds[]). */
#define VM_QMP_HANDLER(name)                                                               \
	json_t *name(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
VM_QMP_HANDLER(cmd_qmp_capabilities);
VM_QMP_HANDLER(cmd_query_commands);
VM_QMP_HANDLER(cmd_query_status);
VM_QMP_HANDLER(cmd_query_version);
VM_QMP_HANDLER(cmd_query_name);
VM_QMP_HANDLER(cmd_quit);
VM_QMP_HANDLER(cmd_trace_event_get_state);
VM_QMP_HANDLER(cmd_trace_event_set_state);
VM_QMP_HANDLER(cmd_stop);
VM_QMP_HANDLER(cmd_cont);
VM_QMP_HANDLER(cmd_system_reset);
VM_QMP_HANDLER(cmd_system_powerdown);
VM_QMP_HANDLER(cmd_query_ccw_devices);
VM_QMP_HANDLER(cmd_device_add);
VM_QMP_HANDLER(cmd_device_del);
VM_QMP_HANDLER(cmd_announce_self);
VM_QMP_HANDLER(cmd_query_balloon);
VM_QMP_HANDLER(cmd_balloon);
VM_QMP_HANDLER(cmd_qom_list);
VM_QMP_HANDLER(cmd_qom_get);
VM_QMP_HANDLER(cmd_qom_set);
VM_QMP_HANDLER(cmd_blockdev_add);
VM_QMP_HANDLER(cmd_blockdev_del);
VM_QMP_HANDLER(cmd_query_block);
VM_QMP_HANDLER(cmd_query_blockstats);
VM_QMP_HANDLER(cmd_netdev_add);
VM_QMP_HANDLER(cmd_netdev_del);
VM_QMP_HANDLER(cmd_query_chardev);
VM_QMP_HANDLER(cmd_chardev_add);
VM_QMP_HANDLER(cmd_chardev_remove);
VM_QMP_HANDLER(cmd_human_monitor_command);
VM_QMP_HANDLER(cmd_hmp_info_qtree);
VM_QMP_HANDLER(cmd_hmp_info_network);
VM_QMP_HANDLER(cmd_hmp_help);

#endif /* VM_HAVE_QMP */
#endif /* VM_MONITOR_INT_H */
