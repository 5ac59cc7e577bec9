// SPDX-License-Identifier: MIT
/*
 * The QMP monitor (-qmp unix:PATH,server=on,wait=off): QEMU's JSON machine protocol on
 * a unix socket, served by one monitor thread that polls the listening socket and its
 * clients. A client gets the greeting, must negotiate capabilities (qmp_capabilities)
 * before anything else, then sends {"execute": ..., "arguments": {...}, "id": ...} and
 * gets {"return": ..., "id": ...} or {"error": {"class": ..., "desc": ...}, "id": ...};
 * events ({"event": ..., "data": ..., "timestamp": ...}) go to every negotiated client.
 * Commands: device_add, device_del (DEVICE_DELETED), query-ccw-devices, query-status,
 * query-version, query-commands, trace-event-get-state, trace-event-set-state, quit
 * (SHUTDOWN).
 *
 * Input is split into JSON values by bracket depth outside strings, as QEMU's JSON
 * streamer does, so a command may arrive in pieces or several at once; anything that
 * is not a JSON object gets an error reply and the stream goes on. Commands run on the
 * monitor thread one at a time; hot plug takes the machine's device lock. Output is
 * buffered per client and written without blocking, so a client that stops reading
 * cannot stall the monitor (past VM_QMP_MAX_OUTPUT it is dropped).
 *
 * JSON is libjansson's (Debian libjansson-dev); without it vccw-vm builds with -qmp
 * refused at start-up, and the option syntax is still checked.
 */
#define _GNU_SOURCE /* accept4() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vccw/balloon.h"
#include "vccw/trace.h"
#include "vm-int.h"

/* ---- -qmp option ---- */

int vm_qmp_parse(struct vm_config *cfg, const char *arg)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	bool server = false, wait = false;
	char *copy, *path, *rest, *tok, *save = NULL;
	int rc = -1;

	if (strncmp(arg, "unix:", 5)) {
		vm_error("-qmp", "'%s': only a unix socket is supported "
			 "(-qmp unix:PATH,server=on,wait=off)", arg);
		return -1;
	}
	copy = strdup(arg + 5);
	if (!copy) {
		vm_error("-qmp", "out of memory");
		return -1;
	}
	path = copy;
	rest = strchr(copy, ',');
	if (rest)
		*rest++ = '\0';
	if (!*path) {
		vm_error("-qmp", "no socket path given (unix:PATH,server=on,wait=off)");
		goto out;
	}
	if (strlen(path) > max) {
		vm_error("-qmp", "socket path '%s' is longer than %zu bytes", path, max);
		goto out;
	}
	for (tok = rest ? strtok_r(rest, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq)
			*eq++ = '\0';
		/* QEMU's older flag forms: "server" for server=on, "nowait" for wait=off. */
		if (!strcmp(tok, "server") && !eq) {
			server = true;
		} else if (!strcmp(tok, "nowait") && !eq) {
			wait = false;
		} else if (!strcmp(tok, "server") || !strcmp(tok, "wait")) {
			if (!eq) {
				/* A bare "wait" would mean wait=on, which is not supported. */
				vm_error("-qmp", "property '%s' needs a value (%s=on|off)", tok, tok);
				goto out;
			}
			if (vm_parse_bool("-qmp", tok, eq, !strcmp(tok, "server") ? &server : &wait))
				goto out;
		} else {
			vm_error("-qmp", "unknown property '%s' (server=on, wait=off)", tok);
			goto out;
		}
	}
	if (rest && rest[0] == '\0') {
		vm_error("-qmp", "trailing comma");
		goto out;
	}
	if (!server) {
		vm_error("-qmp", "only server=on is supported: the monitor listens on PATH");
		goto out;
	}
	if (wait) {
		vm_error("-qmp", "wait=on is not supported: the machine never waits for a "
			 "monitor client (use wait=off)");
		goto out;
	}
	cfg->qmp_path = strdup(path);
	if (!cfg->qmp_path) {
		vm_error("-qmp", "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

#ifdef VM_HAVE_QMP

#include <jansson.h>

#define VM_QMP_MAX_CLIENTS 8
#define VM_QMP_MAX_INPUT (1u << 20)  /* one command's text */
#define VM_QMP_MAX_OUTPUT (8u << 20) /* unread replies and events of one client */
#define VM_QMP_MAX_DEPTH 256          /* JSON nesting; no command needs more than 3 */
#define VM_QMP_FLUSH_MS 1000          /* how long shutdown waits for clients to read */

struct qmp_client {
	int fd; /* -1: free slot */
	bool negotiated;
	uint64_t serial; /* accept order, to find the oldest client */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_cap;
};

struct vm_qmp {
	struct vm *vm;
	char *path;
	int listen_fd;
	bool bound;  /* the socket file at path is ours to remove */
	int wake_fd; /* eventfd: events queued or stop */
	pthread_t thread;
	bool started;

	uint64_t accepts; /* clients accepted so far (monitor thread) */
	pthread_mutex_t lock; /* protects events and stop */
	json_t *events;       /* array of event objects to broadcast */
	bool stop;

	struct qmp_client clients[VM_QMP_MAX_CLIENTS]; /* monitor thread only */
};

/* A command's error: QEMU's error classes ("GenericError", "CommandNotFound" ...). */
struct qmp_err {
	const char *cls;
	char desc[512];
};

static void __attribute__((format(printf, 3, 4)))
set_err(struct qmp_err *err, const char *cls, const char *fmt, ...)
{
	va_list ap;

	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
}

/* ---- output ---- */

static void client_close(struct qmp_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Write what the socket takes now. Returns 0, or -1 when the client is gone. */
static int client_flush(struct qmp_client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

/* Queue @msg (consumed) as one line: QEMU ends each message with CR LF. */
static void client_send(struct qmp_client *c, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t len;

	json_decref(msg);
	if (!text || c->fd < 0) {
		free(text);
		return;
	}
	len = strlen(text);
	if (c->out_len + len + 2 > VM_QMP_MAX_OUTPUT) {
		/* A client that does not read its replies is dropped, not waited for. */
		free(text);
		client_close(c);
		return;
	}
	if (c->out_len + len + 2 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len + 2)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			free(text);
			client_close(c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	memcpy(c->out + c->out_len + len, "\r\n", 2);
	c->out_len += len + 2;
	free(text);
	if (client_flush(c))
		client_close(c);
}

static json_t *version_info(void)
{
	return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "major", 0, "minor", 1, "micro", 0,
			 "package", VM_NAME);
}

static void reply_error(struct qmp_client *c, json_t *id, const struct qmp_err *err)
{
	json_t *msg = json_pack("{s:{s:s,s:s}}", "error", "class", err->cls, "desc", err->desc);

	if (msg && id)
		json_object_set(msg, "id", id);
	if (msg)
		client_send(c, msg);
}

/* ---- events ---- */

/* Queue event @name with @data (taken over; NULL: no data member). Context: any thread. */
static void qmp_event(struct vm_qmp *q, const char *name, json_t *data)
{
	struct timespec ts;
	uint64_t one = 1;
	json_t *ev;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev = json_pack("{s:s,s:{s:I,s:I}}", "event", name, "timestamp", "seconds",
		       (json_int_t)ts.tv_sec, "microseconds", (json_int_t)(ts.tv_nsec / 1000));
	if (!ev) {
		json_decref(data);
		return;
	}
	if (data)
		json_object_set_new(ev, "data", data);
	pthread_mutex_lock(&q->lock);
	json_array_append_new(q->events, ev);
	pthread_mutex_unlock(&q->lock);
	while (write(q->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void vm_qmp_shutdown_event(struct vm_qmp *q, const char *reason)
{
	if (!q)
		return;
	qmp_event(q, "SHUTDOWN", json_pack("{s:b,s:s}", "guest",
					   !strcmp(reason, "guest-shutdown"), "reason", reason));
}

/* Send queued events to every client past negotiation. Context: monitor thread. */
static void broadcast_events(struct vm_qmp *q)
{
	json_t *events, *ev;
	unsigned int i;
	size_t k;

	pthread_mutex_lock(&q->lock);
	events = q->events;
	q->events = json_array();
	pthread_mutex_unlock(&q->lock);
	json_array_foreach(events, k, ev) {
		for (i = 0; i < VM_QMP_MAX_CLIENTS; i++)
			if (q->clients[i].fd >= 0 && q->clients[i].negotiated)
				client_send(&q->clients[i], json_incref(ev));
	}
	json_decref(events);
}

/* ---- commands ---- */

struct qmp_cmd {
	const char *name;
	/* Returns the "return" value (new reference), or NULL with @err set. */
	json_t *(*fn)(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err);
	/* Argument names the command takes; others are "unexpected". NULL-terminated. */
	const char *const *args;
	bool any_args; /* device_add: the device's properties */
};

static const struct qmp_cmd qmp_cmds[];

/* A string argument: NULL with @err set when missing (if @required) or not a string. */
static const char *arg_str(json_t *args, const char *name, bool required, struct qmp_err *err)
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

static json_t *cmd_qmp_capabilities(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				    struct qmp_err *err)
{
	json_t *enable = args ? json_object_get(args, "enable") : NULL;

	(void)q;
	if (enable && !json_is_array(enable)) {
		set_err(err, "GenericError", "Invalid parameter type for 'enable', expected: array");
		return NULL;
	}
	/* The greeting offers no capability (no out-of-band execution). */
	if (enable && json_array_size(enable)) {
		json_t *cap = json_array_get(enable, 0);

		set_err(err, "GenericError", "Capability '%s' not available",
			json_is_string(cap) ? json_string_value(cap) : "?");
		return NULL;
	}
	c->negotiated = true;
	return json_object();
}

static json_t *cmd_query_commands(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				  struct qmp_err *err)
{
	json_t *list = json_array();
	const struct qmp_cmd *cmd;

	(void)q;
	(void)c;
	(void)args;
	(void)err;
	for (cmd = qmp_cmds; cmd->name; cmd++)
		json_array_append_new(list, json_pack("{s:s}", "name", cmd->name));
	return list;
}

static json_t *cmd_query_status(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	(void)q;
	(void)c;
	(void)args;
	(void)err;
	/* The vCPUs run from start-up until the machine ends: there is no stop command. */
	return json_pack("{s:s,s:b}", "status", "running", "running", 1);
}

static json_t *cmd_query_version(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	(void)q;
	(void)c;
	(void)args;
	(void)err;
	return version_info();
}

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

static json_t *cmd_query_ccw_devices(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				     struct qmp_err *err)
{
	json_t *list = json_array();

	(void)c;
	(void)args;
	(void)err;
	vm_hotplug_for_each(q->vm, add_device_info, list);
	return list;
}

/*
 * device_add: the arguments are -device's properties; QMP clients send numbers and
 * booleans as JSON values, which become the text -device would have had.
 */
static json_t *cmd_device_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	struct vm_kvlist props = { 0 };
	const char *key;
	char msg[512], num[32];
	json_t *v;
	int rc;

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
	vm_error_capture(msg, sizeof(msg));
	rc = vm_hotplug_add(q->vm, &props);
	vm_error_capture(NULL, 0);
	vm_kv_free(&props);
	if (rc) {
		set_err(err, "GenericError", "%s", msg[0] ? msg : "device_add failed");
		return NULL;
	}
	return json_object();
}

static json_t *cmd_device_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	const char *id = arg_str(args, "id", true, err);
	char msg[512], path[300];
	int rc;

	(void)c;
	if (!id)
		return NULL;
	vm_error_capture(msg, sizeof(msg));
	rc = vm_hotplug_del(q->vm, id);
	vm_error_capture(NULL, 0);
	if (rc == -ENOENT) {
		set_err(err, "DeviceNotFound", "Device '%s' not found", id);
		return NULL;
	}
	if (rc) {
		set_err(err, "GenericError", "%s", msg[0] ? msg : "device_del failed");
		return NULL;
	}
	/* A ccw device is gone as soon as its subchannel is: the event follows the reply. */
	snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
	qmp_event(q, "DEVICE_DELETED", json_pack("{s:s,s:s}", "device", id, "path", path));
	return json_object();
}

/*
 * announce-self (QEMU's): NICs whose driver accepted VIRTIO_NET_F_GUEST_ANNOUNCE are
 * asked to announce themselves (5.1.6.5.4). QEMU also sends RARP frames itself for the
 * others, and repeats by the timing arguments; here they are accepted and not used.
 */
static json_t *cmd_announce_self(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				 struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	vm_announce_self(q->vm);
	return json_object();
}

static json_t *cmd_quit(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
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

static json_t *cmd_trace_event_get_state(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

static json_t *cmd_trace_event_set_state(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

/* An integer argument; false with @err set when missing or not an integer. */
static bool arg_int(json_t *args, const char *name, json_int_t *v, struct qmp_err *err)
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

static json_t *cmd_query_balloon(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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
static json_t *cmd_balloon(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

static json_t *cmd_qom_get(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			   struct qmp_err *err)
{
	struct balloon_call bc = { 0 };

	(void)c;
	return qom_call(q, args, balloon_qom_get, &bc, err);
}

static json_t *cmd_qom_set(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

static const struct qmp_cmd qmp_cmds[] = {
	{ "qmp_capabilities", cmd_qmp_capabilities, caps_args, false },
	{ "query-commands", cmd_query_commands, no_args, false },
	{ "query-status", cmd_query_status, no_args, false },
	{ "query-version", cmd_query_version, no_args, false },
	{ "query-ccw-devices", cmd_query_ccw_devices, no_args, false },
	{ "device_add", cmd_device_add, no_args, true },
	{ "device_del", cmd_device_del, del_args, false },
	{ "trace-event-get-state", cmd_trace_event_get_state, trace_get_args, false },
	{ "trace-event-set-state", cmd_trace_event_set_state, trace_set_args, false },
	{ "query-balloon", cmd_query_balloon, no_args, false },
	{ "balloon", cmd_balloon, balloon_args, false },
	{ "qom-get", cmd_qom_get, qom_get_args, false },
	{ "qom-set", cmd_qom_set, qom_set_args, false },
	{ "announce-self", cmd_announce_self, announce_args, false },
	{ "quit", cmd_quit, no_args, false },
	{ NULL, NULL, NULL, false },
};

static bool arg_known(const struct qmp_cmd *cmd, const char *name)
{
	const char *const *a;

	for (a = cmd->args; *a; a++)
		if (!strcmp(*a, name))
			return true;
	return false;
}

/* Check the request's shape as QEMU does, then run the command. Returns the reply. */
static json_t *dispatch(struct vm_qmp *q, struct qmp_client *c, json_t *req, struct qmp_err *err)
{
	const struct qmp_cmd *cmd;
	json_t *exec, *args, *v;
	const char *key, *name;

	if (!json_is_object(req)) {
		set_err(err, "GenericError", "QMP input must be a JSON object");
		return NULL;
	}
	json_object_foreach(req, key, v) {
		if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
			set_err(err, "GenericError", "QMP input member '%s' is unexpected", key);
			return NULL;
		}
	}
	exec = json_object_get(req, "execute");
	if (!exec) {
		set_err(err, "GenericError", "QMP input lacks member 'execute'");
		return NULL;
	}
	if (!json_is_string(exec)) {
		set_err(err, "GenericError", "QMP input member 'execute' must be a string");
		return NULL;
	}
	args = json_object_get(req, "arguments");
	if (args && !json_is_object(args)) {
		set_err(err, "GenericError", "QMP input member 'arguments' must be an object");
		return NULL;
	}
	name = json_string_value(exec);
	for (cmd = qmp_cmds; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			break;
	/* QEMU: capabilities negotiation first, and only once. */
	if (!c->negotiated && (!cmd->name || cmd->fn != cmd_qmp_capabilities)) {
		set_err(err, "CommandNotFound",
			"Expecting capabilities negotiation with 'qmp_capabilities'");
		return NULL;
	}
	if (!cmd->name) {
		set_err(err, "CommandNotFound", "The command %s has not been found", name);
		return NULL;
	}
	if (c->negotiated && cmd->fn == cmd_qmp_capabilities) {
		set_err(err, "CommandNotFound",
			"Capabilities negotiation is already complete, command ignored");
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

/* One complete JSON text from the client: parse, run, reply. */
static void handle_text(struct vm_qmp *q, struct qmp_client *c, const char *text, size_t len)
{
	struct qmp_err err = { 0 };
	json_error_t jerr;
	json_t *req, *ret, *id = NULL, *msg;

	req = json_loadb(text, len, 0, &jerr);
	if (!req) {
		set_err(&err, "GenericError", "JSON parse error, %s", jerr.text);
		reply_error(c, NULL, &err);
		return;
	}
	if (json_is_object(req))
		id = json_object_get(req, "id");
	ret = dispatch(q, c, req, &err);
	if (!ret) {
		reply_error(c, id, &err);
	} else {
		msg = json_pack("{s:o}", "return", ret);
		if (msg && id)
			json_object_set(msg, "id", id);
		if (msg)
			client_send(c, msg);
	}
	json_decref(req);
}

/*
 * Length of the JSON object or array at the start of @s, by bracket nesting outside
 * strings; 0 when it is not complete yet. Anything that cannot become valid JSON ends
 * the text at once, so the parser rejects it and the client's later commands are read
 * afresh (as QEMU's streamer does): a closer of the wrong kind, a raw control character
 * inside a string (JSON forbids them), too deep a nesting.
 */
static size_t scan_value(const char *s, size_t len)
{
	char closers[VM_QMP_MAX_DEPTH];
	bool str = false, esc = false;
	unsigned int depth = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (str) {
			if ((unsigned char)ch < 0x20)
				return i + 1;
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				str = false;
			continue;
		}
		if (ch == '"') {
			str = true;
		} else if (ch == '{' || ch == '[') {
			if (depth == VM_QMP_MAX_DEPTH)
				return i + 1;
			closers[depth++] = ch == '{' ? '}' : ']';
		} else if (ch == '}' || ch == ']') {
			if (ch != closers[--depth] || depth == 0)
				return i + 1;
		}
	}
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Run every complete value in the input buffer; keep an incomplete one for later. */
static void client_process(struct vm_qmp *q, struct qmp_client *c)
{
	struct qmp_err err;
	size_t pos = 0, n;

	while (pos < c->in_len && c->fd >= 0) {
		char ch = c->in[pos];

		if (is_space(ch)) {
			pos++;
			continue;
		}
		if (ch == '{' || ch == '[') {
			n = scan_value(c->in + pos, c->in_len - pos);
			if (!n)
				break;
			handle_text(q, c, c->in + pos, n);
			pos += n;
			continue;
		}
		/* Not a value QMP takes: one error for the run up to the next value or line. */
		for (n = 0; pos + n < c->in_len; n++) {
			ch = c->in[pos + n];
			if (ch == '{' || ch == '[')
				break;
			if (ch == '\n') {
				n++;
				break;
			}
		}
		set_err(&err, "GenericError", "JSON parse error, expecting a JSON object");
		reply_error(c, NULL, &err);
		pos += n;
	}
	if (c->fd < 0)
		return;
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	if (c->in_len > VM_QMP_MAX_INPUT) {
		set_err(&err, "GenericError", "JSON parse error, input longer than %u bytes",
			VM_QMP_MAX_INPUT);
		reply_error(c, NULL, &err);
		c->in_len = 0;
	}
}

static void client_read(struct vm_qmp *q, struct qmp_client *c)
{
	ssize_t n;

	if (c->in_cap - c->in_len < 4096) {
		size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
		char *p = realloc(c->in, cap);

		if (!p) {
			client_close(c);
			return;
		}
		c->in = p;
		c->in_cap = cap;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		/* Gone, possibly in the middle of a command: what it sent so far is dropped. */
		client_close(c);
		return;
	}
	c->in_len += (size_t)n;
	client_process(q, c);
}

static void client_accept(struct vm_qmp *q)
{
	struct qmp_client *c = NULL;
	unsigned int i;
	int fd;

	fd = accept4(q->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < VM_QMP_MAX_CLIENTS && !c; i++)
		if (q->clients[i].fd < 0)
			c = &q->clients[i];
	if (!c) {
		/*
		 * Every slot is taken: the oldest client that never negotiated capabilities
		 * makes room, so idle connections cannot lock a real client (and its quit)
		 * out. With every slot negotiated, the newcomer is turned away.
		 */
		for (i = 0; i < VM_QMP_MAX_CLIENTS; i++) {
			struct qmp_client *o = &q->clients[i];

			if (!o->negotiated && (!c || o->serial < c->serial))
				c = o;
		}
		if (!c) {
			close(fd);
			return;
		}
		client_close(c);
	}
	c->fd = fd;
	c->negotiated = false;
	c->serial = ++q->accepts;
	client_send(c, json_pack("{s:{s:o,s:[]}}", "QMP", "version", version_info(),
				 "capabilities"));
}

/* Give clients up to VM_QMP_FLUSH_MS to take what is queued for them (SHUTDOWN). */
static void flush_all(struct vm_qmp *q)
{
	struct timespec start, now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[VM_QMP_MAX_CLIENTS];
		unsigned int nr = 0;
		long spent;

		for (i = 0; i < VM_QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = &q->clients[i];

			if (c->fd >= 0 && c->out_len && client_flush(c))
				client_close(c);
			if (c->fd >= 0 && c->out_len) {
				pfd[nr++] = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (!nr || spent >= VM_QMP_FLUSH_MS)
			return;
		if (poll(pfd, nr, (int)(VM_QMP_FLUSH_MS - spent)) <= 0)
			return;
	}
}

static void *qmp_thread(void *arg)
{
	struct vm_qmp *q = arg;
	struct pollfd pfd[2 + VM_QMP_MAX_CLIENTS];
	struct qmp_client *who[2 + VM_QMP_MAX_CLIENTS];
	unsigned int i, nr;
	uint64_t v;
	bool stop;

	for (;;) {
		nr = 0;
		pfd[nr] = (struct pollfd){ .fd = q->wake_fd, .events = POLLIN };
		who[nr++] = NULL;
		for (i = 0; i < VM_QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = &q->clients[i];

			if (c->fd < 0)
				continue;
			pfd[nr] = (struct pollfd){
				.fd = c->fd,
				.events = (short)(POLLIN | (c->out_len ? POLLOUT : 0)),
			};
			who[nr++] = c;
		}
		/* Always listen: a newcomer may evict an idle client (client_accept). */
		pfd[nr] = (struct pollfd){ .fd = q->listen_fd, .events = POLLIN };
		who[nr++] = NULL;
		if (poll(pfd, nr, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			while (read(q->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR)
				;
		}
		broadcast_events(q);
		pthread_mutex_lock(&q->lock);
		stop = q->stop;
		pthread_mutex_unlock(&q->lock);
		if (stop)
			break;
		for (i = 1; i < nr; i++) {
			struct qmp_client *c = who[i];

			if (!c) {
				if (pfd[i].revents & POLLIN)
					client_accept(q);
				continue;
			}
			if (c->fd != pfd[i].fd)
				continue;
			if ((pfd[i].revents & POLLOUT) && client_flush(c)) {
				client_close(c);
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(q, c);
		}
	}
	/* Last words (SHUTDOWN) go out before the sockets close. */
	broadcast_events(q);
	flush_all(q);
	return NULL;
}

struct vm_qmp *vm_qmp_open(struct vm *vm, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm_qmp *q = calloc(1, sizeof(*q));
	unsigned int i;
	struct stat st;

	if (!q) {
		vm_error("-qmp", "out of memory");
		return NULL;
	}
	q->vm = vm;
	q->listen_fd = -1;
	q->wake_fd = -1;
	for (i = 0; i < VM_QMP_MAX_CLIENTS; i++)
		q->clients[i].fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	q->events = json_array();
	q->path = strdup(path);
	if (!q->events || !q->path) {
		vm_error("-qmp", "out of memory");
		goto err;
	}
	/* A socket left by an earlier run is replaced, as QEMU does; any other file is not. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			vm_error("-qmp", "%s exists and is not a socket", path);
			goto err;
		}
		unlink(path);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->listen_fd < 0 || bind(q->listen_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		vm_error("-qmp", "%s: %s", path, strerror(errno));
		goto err;
	}
	q->bound = true;
	if (listen(q->listen_fd, 8)) {
		vm_error("-qmp", "%s: %s", path, strerror(errno));
		goto err;
	}
	q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->wake_fd < 0) {
		vm_error("-qmp", "eventfd: %s", strerror(errno));
		goto err;
	}
	return q;
err:
	vm_qmp_free(q);
	return NULL;
}

int vm_qmp_start(struct vm_qmp *q)
{
	int rc = pthread_create(&q->thread, NULL, qmp_thread, q);

	if (rc) {
		fprintf(stderr, VM_NAME ": cannot start the QMP monitor thread: %s\n", strerror(rc));
		return -1;
	}
	q->started = true;
	return 0;
}

void vm_qmp_free(struct vm_qmp *q)
{
	uint64_t one = 1;
	unsigned int i;

	if (!q)
		return;
	if (q->started) {
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_mutex_unlock(&q->lock);
		while (write(q->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		pthread_join(q->thread, NULL);
	}
	for (i = 0; i < VM_QMP_MAX_CLIENTS; i++)
		client_close(&q->clients[i]);
	if (q->listen_fd >= 0)
		close(q->listen_fd);
	if (q->bound)
		unlink(q->path);
	if (q->wake_fd >= 0)
		close(q->wake_fd);
	json_decref(q->events);
	pthread_mutex_destroy(&q->lock);
	free(q->path);
	free(q);
}

#else /* !VM_HAVE_QMP */

struct vm_qmp *vm_qmp_open(struct vm *vm, const char *path)
{
	(void)vm;
	(void)path;
	vm_error("-qmp", "this vccw-vm was built without QMP support (it needs libjansson: "
		 "apt-get install libjansson-dev, then rebuild)");
	return NULL;
}

int vm_qmp_start(struct vm_qmp *q)
{
	(void)q;
	return -1;
}

void vm_qmp_shutdown_event(struct vm_qmp *q, const char *reason)
{
	(void)q;
	(void)reason;
}

void vm_qmp_free(struct vm_qmp *q)
{
	(void)q;
}

#endif /* VM_HAVE_QMP */
