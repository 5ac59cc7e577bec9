// SPDX-License-Identifier: MIT
/*
 * The QMP monitor (-qmp unix:PATH,server=on,wait=off): QEMU's JSON machine protocol on
 * a unix socket, served by one monitor thread that polls the listening socket and its
 * clients. A client gets the greeting, must negotiate capabilities (qmp_capabilities)
 * before anything else, then sends {"execute": ..., "arguments": {...}, "id": ...} and
 * gets {"return": ..., "id": ...} or {"error": {"class": ..., "desc": ...}, "id": ...};
 * events ({"event": ..., "data": ..., "timestamp": ...}) go to every negotiated client.
 * Commands: device_add, device_del (DEVICE_DELETED), query-ccw-devices, query-status,
 * query-version, query-commands, trace-event-get-state, trace-event-set-state, the
 * balloon's, qom-list and qom-get of devices, blockdev-add / blockdev-del, query-block,
 * query-blockstats, chardev-add / chardev-remove, query-chardev, netdev_add /
 * netdev_del, stop / cont (STOP, RESUME), system_reset (RESET), system_powerdown
 * (POWERDOWN), human-monitor-command (info status, info qtree and a few commands), quit
 * (SHUTDOWN). Replies, events and error texts are shaped and worded as QEMU 7.2's.
 *
 * The greeting offers the "oob" capability as QEMU does, so that QEMU's own client
 * (python qemu.qmp), which asks for out-of-band execution when offered, negotiates as
 * with QEMU; no command here runs out of band, and "exec-oob" gets QEMU's answer.
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
#include <inttypes.h>
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
#include "vccw/ccw.h"
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
	bool oob; /* the client enabled the oob capability */
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

/* The QEMU release followed, and vccw-vm's own name and version as the package. */
static json_t *version_info(void)
{
	return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "major", VM_QEMU_MAJOR, "minor",
			 VM_QEMU_MINOR, "micro", VM_QEMU_MICRO, "package",
			 VM_NAME " " VM_VERSION);
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

void vm_qmp_event(struct vm_qmp *q, const char *name, const char *key, const char *val)
{
	if (!q)
		return;
	qmp_event(q, name, key ? json_pack("{s:s}", key, val) : NULL);
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
	enum vm_runstate st = vm_runstate_get(q->vm);

	(void)c;
	(void)args;
	(void)err;
	/* singlestep: QEMU 7.2 still reports it; a vccw vCPU never single-steps. */
	return json_pack("{s:s,s:b,s:b}", "status", vm_runstate_name(st), "singlestep", 0,
			 "running", vm_runstate_running(st));
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
	char msg[512], qmsg[512], num[32];
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
	vm_error_capture_qmp(qmsg, sizeof(qmsg));
	rc = vm_hotplug_add(q->vm, &props);
	vm_error_capture_qmp(NULL, 0);
	vm_error_capture(NULL, 0);
	vm_kv_free(&props);
	if (rc) {
		/* QEMU's words where QEMU has the same error, else vccw's own message. */
		set_err(err, "GenericError", "%s",
			qmsg[0] ? qmsg : msg[0] ? msg : "device_add failed");
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

/* ---- lifecycle: stop, cont, system_reset, system_powerdown ---- */

static json_t *cmd_stop(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
{
	(void)c;
	(void)args;
	(void)err;
	/* QEMU: stopping a stopped machine is no error and sends no event. */
	if (vm_runstate_stop(q->vm, VM_RUN_PAUSED))
		qmp_event(q, "STOP", NULL);
	return json_object();
}

static json_t *cmd_cont(struct vm_qmp *q, struct qmp_client *c, json_t *args, struct qmp_err *err)
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

static json_t *cmd_system_reset(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	(void)c;
	(void)args;
	if (vm_reset_request(q->vm)) {
		set_err(err, "GenericError", "system_reset is not supported with the s390x CPU "
			"back-end yet");
		return NULL;
	}
	qmp_event(q, "RESET", json_pack("{s:b,s:s}", "guest", 0, "reason",
					"host-qmp-system-reset"));
	return json_object();
}

static json_t *cmd_system_powerdown(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

/* ---- block: blockdev-add, blockdev-del, query-block, query-blockstats ---- */

/* The QOM path QEMU gives a device: by id, or numbered among those without one. */
static void device_path(const struct vm_config *cfg, const struct vm_device *dev, char *buf,
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

/* A boolean argument: false when absent; -1 with @err set when not a boolean. */
static int arg_bool(json_t *args, const char *name, bool *out, struct qmp_err *err)
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
static char *what_of(const char *cmd, const char *key, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s %s=%s", cmd, key, id) < 0)
		return NULL;
	return p;
}

/*
 * blockdev-add: a raw image, {"driver": "raw", "node-name": N, "file": {"driver": "file",
 * "filename": F}} or {"driver": "file", "node-name": N, "filename": F}, optionally
 * "read-only". The node becomes a drive that device_add's drive= names. Other options
 * of QEMU's (cache, discard, aio, detect-zeroes, auto-read-only) are accepted and change
 * nothing: the file backend always writes through the host page cache and flushes on
 * the guest's FLUSH, which is QEMU's default cache mode.
 */
static json_t *cmd_blockdev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	static const char *const ignored[] = { "cache", "discard", "aio", "detect-zeroes",
					       "auto-read-only", "driver", "node-name", "file",
					       "filename", "read-only", NULL };
	const char *driver, *node, *file = NULL, *key;
	struct vm_drive *d;
	char msg[512];
	json_t *f, *v;
	bool ro;
	int rc;

	(void)c;
	driver = arg_str(args, "driver", true, err);
	if (!driver)
		return NULL;
	if (strcmp(driver, "raw") && strcmp(driver, "file")) {
		/* QEMU's word for a driver it has not; vccw opens raw images only. */
		set_err(err, "GenericError", "Parameter 'driver' does not accept value '%s'",
			driver);
		return NULL;
	}
	json_object_foreach(args, key, v) {
		const char *const *k;

		for (k = ignored; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			set_err(err, "GenericError", "Parameter '%s' is unexpected", key);
			return NULL;
		}
	}
	if (!strcmp(driver, "file")) {
		file = arg_str(args, "filename", true, err);
	} else {
		f = json_object_get(args, "file");
		if (!f) {
			set_err(err, "GenericError", "Parameter 'file' is missing");
			return NULL;
		}
		if (!json_is_object(f) || !arg_str(f, "driver", true, err) ||
		    strcmp(arg_str(f, "driver", true, err), "file")) {
			if (!err->cls)
				set_err(err, "GenericError", "'file' must be a {\"driver\": "
					"\"file\", \"filename\": ...} object here");
			return NULL;
		}
		file = arg_str(f, "filename", true, err);
	}
	if (!file)
		return NULL;
	node = arg_str(args, "node-name", true, err);
	if (!node || arg_bool(args, "read-only", &ro, err))
		return NULL;
	if (!vm_id_valid(node)) {
		set_err(err, "GenericError", "Invalid node-name: '%s'", node);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d || !(d->id = strdup(node)) || !(d->file = strdup(file)) ||
	    !(d->what = what_of("blockdev-add", "node-name", node))) {
		if (d) {
			free(d->id);
			free(d->file);
		}
		free(d);
		set_err(err, "GenericError", "out of memory");
		return NULL;
	}
	d->readonly = ro;
	d->blockdev = true;
	vm_error_capture(msg, sizeof(msg));
	rc = vm_hotplug_drive_add(q->vm, d);
	vm_error_capture(NULL, 0);
	if (rc == -EEXIST) {
		set_err(err, "GenericError", "Duplicate nodes with node-name='%s'", node);
		return NULL;
	}
	if (rc) {
		/* "blockdev-add node-name=N: PATH: No such file..." */
		set_err(err, "GenericError", "%s", msg);
		return NULL;
	}
	return json_object();
}

static json_t *cmd_blockdev_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				struct qmp_err *err)
{
	const char *node = arg_str(args, "node-name", true, err);
	int rc;

	(void)c;
	if (!node)
		return NULL;
	rc = vm_hotplug_drive_del(q->vm, node);
	if (rc == -ENOENT) {
		set_err(err, "GenericError", "Failed to find node with node-name='%s'", node);
		return NULL;
	}
	if (rc == -EBUSY) {
		set_err(err, "GenericError", "Node %s is in use", node);
		return NULL;
	}
	return json_object();
}

/* QEMU's BlockDeviceInfo of @d: a raw image, write-back cache, no limits. */
static json_t *block_inserted(const struct vm_drive *d)
{
	struct stat st;
	json_int_t actual = stat(d->file, &st) ? 0 : (json_int_t)st.st_blocks * 512;

	return json_pack("{s:s,s:s,s:b,s:s,s:i,s:b,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
			 "s:{s:b,s:b,s:b},s:{s:s,s:s,s:I,s:I,s:b}}",
			 "file", d->file, "node-name", d->id, "ro", d->readonly, "drv", "raw",
			 "backing_file_depth", 0, "encrypted", 0, "detect_zeroes", "off",
			 "bps", 0, "bps_rd", 0, "bps_wr", 0, "iops", 0, "iops_rd", 0, "iops_wr", 0,
			 "write_threshold", 0, "cache", "writeback", 1, "direct", 0, "no-flush", 0,
			 "image", "filename", d->file, "format", "raw", "virtual-size",
			 (json_int_t)d->be->size, "actual-size", actual, "dirty-flag", 0);
	/* st.st_size is not reported: a file keeps its length as the device's size. */
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

static json_t *cmd_query_block(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

static json_t *cmd_query_blockstats(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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
		if (d->user)
			json_object_set_new(o, "qdev", block_qdev(cfg, d));
		json_array_append_new(list, o);
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	return list;
}

/* ---- chardev-add, chardev-remove, query-chardev ---- */

static json_t *cmd_query_chardev(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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
		switch (ch->kind) {
		case VM_CHARDEV_NULL:
			snprintf(name, sizeof(name), "null");
			break;
		case VM_CHARDEV_STDIO:
			snprintf(name, sizeof(name), "stdio");
			break;
		case VM_CHARDEV_FILE:
			snprintf(name, sizeof(name), "file");
			break;
		case VM_CHARDEV_SOCKET:
			snprintf(name, sizeof(name), "unix:%s%s", ch->path,
				 ch->server ? ",server=on" : "");
			break;
		}
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "label", ch->id, "filename",
						      name, "frontend-open", ch->user != NULL));
	}
	pthread_mutex_unlock(&q->vm->dev_lock);
	/* The monitor's own socket, as QEMU lists it. */
	snprintf(name, sizeof(name), "unix:%s,server=on", q->path);
	json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "label", "compat_monitor0",
					      "filename", name, "frontend-open", 1));
	return list;
}

/*
 * chardev-add {"id": ID, "backend": {"type": T, "data": {...}}}: null; file with "out"
 * (and "append"); socket with "addr" {"type": "unix", "data": {"path": P}} and "server"
 * (a listening server never waits: "wait" must be false when given).
 */
static json_t *cmd_chardev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			       struct qmp_err *err)
{
	const char *id = arg_str(args, "id", true, err), *type, *path = NULL;
	json_t *be = args ? json_object_get(args, "backend") : NULL, *data, *addr;
	struct vm_chardev *ch;
	enum vm_chardev_kind kind;
	bool server = false, wait = false, append = false;
	char msg[512];
	int rc;

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
		    strcmp(arg_str(addr, "type", true, err), "unix")) {
			if (!err->cls)
				set_err(err, "GenericError", "only unix sockets are supported");
			return NULL;
		}
		path = arg_str(json_object_get(addr, "data"), "path", true, err);
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
	vm_error_capture(msg, sizeof(msg));
	rc = vm_hotplug_chardev_add(q->vm, ch);
	vm_error_capture(NULL, 0);
	if (rc == -EEXIST) {
		set_err(err, "GenericError", "Chardev with id '%s' already exists", id);
		return NULL;
	}
	if (rc) {
		set_err(err, "GenericError", "Failed to add chardev '%s': %s", id, msg);
		return NULL;
	}
	return json_object();
}

static json_t *cmd_chardev_remove(struct vm_qmp *q, struct qmp_client *c, json_t *args,
				  struct qmp_err *err)
{
	const char *id = arg_str(args, "id", true, err);
	int rc;

	(void)c;
	if (!id)
		return NULL;
	rc = vm_hotplug_chardev_del(q->vm, id);
	if (rc == -ENOENT) {
		set_err(err, "GenericError", "Chardev '%s' not found", id);
		return NULL;
	}
	if (rc == -EBUSY) {
		set_err(err, "GenericError", "Chardev '%s' is busy", id);
		return NULL;
	}
	return json_object();
}

/* ---- netdev_add, netdev_del ---- */

/* netdev_add {"type": T, "id": ID, ...}: the properties of -netdev T,id=ID,... */
static json_t *cmd_netdev_add(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	const char *type = arg_str(args, "type", true, err), *id, *key;
	struct vm_netdev *nd;
	char msg[512], num[32];
	json_t *v;
	int rc;

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
		if (!json_is_string(v) && !json_is_boolean(v) && !json_is_integer(v)) {
			set_err(err, "GenericError", "Invalid parameter type for '%s', expected: "
				"string, integer or boolean", key);
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
	json_object_foreach(args, key, v) {
		if (!strcmp(key, "type") || !strcmp(key, "id"))
			continue;
		if (json_is_string(v)) {
			vm_kv_add(&nd->opts, key, json_string_value(v));
		} else if (json_is_boolean(v)) {
			vm_kv_add(&nd->opts, key, json_is_true(v) ? "on" : "off");
		} else {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			vm_kv_add(&nd->opts, key, num);
		}
	}
	vm_error_capture(msg, sizeof(msg));
	rc = vm_hotplug_netdev_add(q->vm, nd);
	vm_error_capture(NULL, 0);
	if (rc == -EEXIST) {
		set_err(err, "GenericError", "Duplicate ID '%s'", id);
		return NULL;
	}
	if (rc) {
		set_err(err, "GenericError", "%s", msg);
		return NULL;
	}
	return json_object();
}

static json_t *cmd_netdev_del(struct vm_qmp *q, struct qmp_client *c, json_t *args,
			      struct qmp_err *err)
{
	const char *id = arg_str(args, "id", true, err);
	int rc;

	(void)c;
	if (!id)
		return NULL;
	rc = vm_hotplug_netdev_del(q->vm, id);
	if (rc == -ENOENT) {
		set_err(err, "DeviceNotFound", "Device '%s' not found", id);
		return NULL;
	}
	if (rc == -EBUSY) {
		set_err(err, "GenericError", "netdev '%s' is in use: delete its device first", id);
		return NULL;
	}
	return json_object();
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
static void device_props(const struct vm_device *dev,
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

static json_t *cmd_qom_list(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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
static json_t *cmd_qom_get(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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

static json_t *cmd_human_monitor_command(struct vm_qmp *q, struct qmp_client *c, json_t *args,
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
	{ "qom-list", cmd_qom_list, path_args, false },
	{ "stop", cmd_stop, no_args, false },
	{ "cont", cmd_cont, no_args, false },
	{ "system_reset", cmd_system_reset, no_args, false },
	{ "system_powerdown", cmd_system_powerdown, no_args, false },
	{ "query-block", cmd_query_block, no_args, false },
	{ "query-blockstats", cmd_query_blockstats, blockstats_args, false },
	{ "blockdev-add", cmd_blockdev_add, no_args, true },
	{ "blockdev-del", cmd_blockdev_del, node_args, false },
	{ "query-chardev", cmd_query_chardev, no_args, false },
	{ "chardev-add", cmd_chardev_add, chardev_add_args, false },
	{ "chardev-remove", cmd_chardev_remove, del_args, false },
	{ "netdev_add", cmd_netdev_add, no_args, true },
	{ "netdev_del", cmd_netdev_del, del_args, false },
	{ "human-monitor-command", cmd_human_monitor_command, hmp_args, false },
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
	json_t *exec = NULL, *args, *v;
	const char *key, *name;
	bool oob = false;

	if (!json_is_object(req)) {
		set_err(err, "GenericError", "QMP input must be a JSON object");
		return NULL;
	}
	/* "exec-oob" is a member only for a client that enabled the oob capability. */
	json_object_foreach(req, key, v) {
		bool is_oob = c->oob && !strcmp(key, "exec-oob");

		if (!strcmp(key, "execute") || is_oob) {
			if (!json_is_string(v)) {
				set_err(err, "GenericError",
					"QMP input member '%s' must be a string", key);
				return NULL;
			}
			if (exec) {
				set_err(err, "GenericError",
					"QMP input member 'execute' clashes with 'exec-oob'");
				return NULL;
			}
			exec = v;
			oob = is_oob;
		} else if (strcmp(key, "arguments") && strcmp(key, "id")) {
			set_err(err, "GenericError", "QMP input member '%s' is unexpected", key);
			return NULL;
		}
	}
	if (!exec) {
		set_err(err, "GenericError", "QMP input lacks member 'execute'");
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
	/* QEMU runs only a few debugging and migration commands out of band; none here. */
	if (oob) {
		set_err(err, "GenericError", "The command %s does not support OOB", name);
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

	/* An object naming a key twice is refused: which of the two would count is a guess. */
	req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		set_err(&err, "GenericError", "JSON parse error, %s", jerr.text);
		reply_error(c, NULL, &err);
		return;
	}
	if (json_is_object(req))
		id = json_object_get(req, "id");
	ret = dispatch(q, c, req, &err);
	/* Events the command caused (STOP, RESUME, RESET ...) go first, as in QEMU. */
	broadcast_events(q);
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
	c->oob = false;
	c->serial = ++q->accepts;
	client_send(c, json_pack("{s:{s:o,s:[s]}}", "QMP", "version", version_info(),
				 "capabilities", "oob"));
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

void vm_qmp_event(struct vm_qmp *q, const char *name, const char *key, const char *val)
{
	if (!q)
		return;
	qmp_event(q, name, key ? json_pack("{s:s}", key, val) : NULL);
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
