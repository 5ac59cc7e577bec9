// SPDX-License-Identifier: MIT
/*
 * The QMP monitor (-qmp unix:PATH,server=on,wait=off): QEMU's JSON machine protocol on
 * a unix socket, served by one monitor thread that polls the listening socket and its
 * clients. A client gets the greeting, must negotiate capabilities (qmp_capabilities)
 * before anything else, then sends {"execute": ..., "arguments": {...}, "id": ...} and
 * gets {"return": ..., "id": ...} or {"error": {"class": ..., "desc": ...}, "id": ...};
 * events ({"event": ..., "data": ..., "timestamp": ...}) go to every negotiated client.
 * The commands are in the one table of commands.c (their handlers in cmd-*.c, hmp.c and
 * vm-qmp.c). Commands: device_add, device_del (DEVICE_DELETED), query-ccw-devices, query-status,
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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "monitor-int.h"
#include "vccw/be-char.h"
#include "vm-int.h"

#ifdef VM_HAVE_QMP


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

/* A -qmp client still connected, or a monitor on a chardev (never closed). */
static bool client_alive(const struct qmp_client *c)
{
	return c->fd >= 0 || c->be;
}

/* Write what the socket takes now. Returns 0, or -1 when the client is gone. */
static int client_flush(struct qmp_client *c)
{
	if (c->be) {
		ssize_t n;

		if (c->lock)
			pthread_mutex_lock(c->lock);
		vccw_be_char_flush(c->be);
		n = c->out_len ? vccw_be_char_write(c->be, c->out, c->out_len) : 0;
		if (c->lock)
			pthread_mutex_unlock(c->lock);
		if (n < 0)
			n = (ssize_t)c->out_len; /* the peer left: what it did not read is lost */
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		return 0;
	}
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
	if (!text || (c->fd < 0 && !c->be)) {
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
json_t *version_info(void)
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
void qmp_event(struct vm_qmp *q, const char *name, json_t *data)
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

void vm_qmp_guest_reset_event(struct vm_qmp *q)
{
	if (!q)
		return;
	qmp_event(q, "RESET", json_pack("{s:b,s:s}", "guest", 1, "reason", "guest-reset"));
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
		for (i = 0; i < VM_QMP_SLOTS; i++)
			if (q->clients[i].fd >= 0 && q->clients[i].negotiated)
				client_send(&q->clients[i], json_incref(ev));
		for (i = 0; i < q->nr_mons; i++)
			if (!q->mons[i].hmp && q->mons[i].negotiated)
				client_send(&q->mons[i], json_incref(ev));
	}
	json_decref(events);
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
	cmd = mon_cmd_find(name);
	/* QEMU: capabilities negotiation first, and only once. */
	if (!c->negotiated && (!cmd || cmd->fn != cmd_qmp_capabilities)) {
		set_err(err, "CommandNotFound",
			"Expecting capabilities negotiation with 'qmp_capabilities'");
		return NULL;
	}
	if (!cmd) {
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
	return mon_call(q, c, cmd, args, err);
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

	while (pos < c->in_len && client_alive(c)) {
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
	if (!client_alive(c))
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

/*
 * A newcomer when every slot, the reserved one too, is taken by a negotiated client: an
 * error reply it can read (QEMU would only close), then the connection is closed.
 */
static void turn_away(int fd)
{
	char msg[256];
	int n;

	n = snprintf(msg, sizeof(msg), "{\"error\": {\"class\": \"GenericError\", \"desc\": "
		     "\"Too many monitor clients (at most %u and one reserved): connection "
		     "refused\"}}\r\n", VM_QMP_MAX_CLIENTS);
	/* A fresh socket's buffer takes these few bytes; never wait for the client. */
	(void)send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* Take the connected socket @fd (non-blocking) as a new client, or turn it away. */
static void client_admit(struct vm_qmp *q, int fd)
{
	struct qmp_client *c = NULL;
	bool restricted = false;
	unsigned int i;

	for (i = 0; i < VM_QMP_MAX_CLIENTS && !c; i++)
		if (q->clients[i].fd < 0)
			c = &q->clients[i];
	if (!c) {
		/*
		 * Every slot is taken: the oldest client that never negotiated capabilities
		 * makes room, so idle connections cannot lock a real client (and its quit)
		 * out.
		 */
		for (i = 0; i < VM_QMP_MAX_CLIENTS; i++) {
			struct qmp_client *o = &q->clients[i];

			if (!o->negotiated && (!c || o->serial < c->serial))
				c = o;
		}
		if (c)
			client_close(c);
	}
	if (!c) {
		/*
		 * Every normal slot negotiated (issue 13: eight idle clients locked quit out):
		 * one more client is let in on the reserved slot, where it may negotiate, ask
		 * query-status and quit (mon_call()); past that, a readable refusal.
		 */
		c = &q->clients[VM_QMP_MAX_CLIENTS];
		if (c->fd >= 0) {
			turn_away(fd);
			return;
		}
		restricted = true;
	}
	c->fd = fd;
	c->negotiated = false;
	c->oob = false;
	c->restricted = restricted;
	c->serial = ++q->accepts;
	client_send(c, json_pack("{s:{s:o,s:[s]}}", "QMP", "version", version_info(),
				 "capabilities", "oob"));
}

static void client_accept(struct vm_qmp *q)
{
	int fd = accept4(q->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0)
		client_admit(q, fd);
}

/* Give clients up to VM_QMP_FLUSH_MS to take what is queued for them (SHUTDOWN). */
static void flush_all(struct vm_qmp *q)
{
	struct timespec start, now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[VM_QMP_SLOTS];
		unsigned int nr = 0;
		long spent;

		for (i = 0; i < VM_QMP_SLOTS; i++) {
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

/* ---- monitors on chardevs (-monitor, -mon) ---- */

/* Queue @len bytes of text for @c (the human monitor's output). */
static void client_queue(struct qmp_client *c, const char *text, size_t len)
{
	if (c->out_len + len > VM_QMP_MAX_OUTPUT)
		return; /* nobody reads: output is dropped, the monitor goes on */
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	client_flush(c);
}

#define HMP_PROMPT "(qemu) "

/* QEMU's greeting (QMP), or the human monitor's banner and prompt. */
static void mon_greet_banner(struct qmp_client *c)
{
	char banner[128];
	int n;

	if (!c->hmp) {
		client_send(c, json_pack("{s:{s:o,s:[s]}}", "QMP", "version", version_info(),
					 "capabilities", "oob"));
		return;
	}
	n = snprintf(banner, sizeof(banner), "QEMU %d.%d.%d monitor - type 'help' for more "
		     "information\r\n" HMP_PROMPT, VM_QEMU_MAJOR, VM_QEMU_MINOR, VM_QEMU_MICRO);
	client_queue(c, banner, (size_t)n);
}

/*
 * A new peer on the chardev (or the monitor's start): the session starts over with
 * QEMU's greeting, or the human monitor's banner and prompt (on a mux, once the
 * monitor gets the input).
 */
static void mon_greet(struct qmp_client *c)
{
	c->in_len = 0;
	c->negotiated = false;
	c->oob = false;
	c->esc = false;
	c->bannered = false;
	/* On a mux the machine console has the input first, as in QEMU: ctrl-a c. */
	if (c->lock) {
		c->focus = false;
		return;
	}
	c->bannered = true;
	mon_greet_banner(c);
}

/* Run the human monitor's complete lines in @c->in. */
static void hmp_process(struct vm_qmp *q, struct qmp_client *c)
{
	size_t pos = 0, i;

	for (i = 0; i < c->in_len; i++) {
		struct hmp_out o = { 0 };

		if (c->in[i] != '\n' && c->in[i] != '\r')
			continue;
		c->in[i] = '\0';
		hmp_run_line(q, c, c->in + pos, &o);
		if (o.buf)
			client_queue(c, o.buf, o.len);
		free(o.buf);
		client_queue(c, HMP_PROMPT, sizeof(HMP_PROMPT) - 1);
		/* CR LF from a terminal is one line end. */
		if (c->in[i] == '\0' && i + 1 < c->in_len && c->in[i + 1] == '\n' &&
		    i > 0 && c->in[i - 1] != '\0')
			i++;
		pos = i + 1;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	if (c->in_len > 4096)
		c->in_len = 0; /* no command line is that long: start over */
}

/* QEMU's mux escape help (ctrl-a h), for what vccw-vm's mux does. */
static const char mux_help[] =
	"\n\rC-a h    print this help\n\r"
	"C-a x    exit emulator\n\r"
	"C-a c    switch between console and monitor\n\r"
	"C-a C-a  sends C-a\n\r";

/*
 * Keep from @buf (@n bytes) what goes to the monitor, and carry out the mux's ctrl-a
 * commands: c switches the input between the machine console and the monitor (the
 * console takes no input in vccw-vm: its bytes are dropped), h prints the help, x ends
 * the machine as QEMU's does. Returns the bytes kept at the start of @buf.
 */
static size_t mux_filter(struct vm_qmp *q, struct qmp_client *c, char *buf, size_t n)
{
	size_t i, kept = 0;
	uint64_t one = 1;

	for (i = 0; i < n; i++) {
		char ch = buf[i];

		if (!c->esc && ch == 0x01) {
			c->esc = true;
			continue;
		}
		if (c->esc) {
			c->esc = false;
			if (ch == 'c') {
				c->focus = !c->focus;
				if (!c->focus)
					continue;
				if (!c->bannered) {
					c->bannered = true;
					mon_greet_banner(c);
				} else if (c->hmp) {
					client_queue(c, HMP_PROMPT, sizeof(HMP_PROMPT) - 1);
				}
				continue;
			}
			if (ch == 'h') {
				client_queue(c, mux_help, sizeof(mux_help) - 1);
				continue;
			}
			if (ch == 'x') {
				client_queue(c, "QEMU: Terminated\n\r", 18);
				while (write(q->vm->quit_fd, &one, sizeof(one)) < 0 && errno == EINTR)
					;
				continue;
			}
			if (ch != 0x01)
				continue;
		}
		if (c->focus)
			buf[kept++] = ch;
	}
	return kept;
}

/* Input on a chardev monitor: a newcomer greeted first, then its bytes run. */
static void mon_read(struct vm_qmp *q, struct qmp_client *c)
{
	uint64_t gen;
	ssize_t n;
	bool conn;

	for (;;) {
		if (c->lock)
			pthread_mutex_lock(c->lock);
		conn = vccw_be_char_connected(c->be, &gen);
		if (c->lock)
			pthread_mutex_unlock(c->lock);
		if (conn && gen != c->gen) {
			c->gen = gen;
			mon_greet(c);
		}
		if (c->in_cap - c->in_len < 4096) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
			char *p = realloc(c->in, cap);

			if (!p)
				return;
			c->in = p;
			c->in_cap = cap;
		}
		if (c->lock)
			pthread_mutex_lock(c->lock);
		n = vccw_be_char_read(c->be, c->in + c->in_len, c->in_cap - c->in_len);
		if (c->lock)
			pthread_mutex_unlock(c->lock);
		if (n <= 0)
			return;
		if (c->lock)
			n = (ssize_t)mux_filter(q, c, c->in + c->in_len, (size_t)n);
		c->in_len += (size_t)n;
		if (c->hmp)
			hmp_process(q, c);
		else
			client_process(q, c);
	}
}

/*
 * One round of the monitor's loop: wait up to @timeout_ms for the clients, the -qmp
 * socket and the chardev monitors, then serve what is ready. Returns how many were
 * ready, or -1 once the monitor is told to stop.
 */
static int qmp_round(struct vm_qmp *q, int timeout_ms)
{
	struct pollfd pfd[2 + VM_QMP_SLOTS + 2 * VM_MAX_MONITORS];
	struct qmp_client *who[2 + VM_QMP_SLOTS + 2 * VM_MAX_MONITORS];
	unsigned int i, nr = 0, first_mon;
	uint64_t v;
	bool stop;
	int ready;

	pfd[nr] = (struct pollfd){ .fd = q->wake_fd, .events = POLLIN };
	who[nr++] = NULL;
	for (i = 0; i < VM_QMP_SLOTS; i++) {
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
	first_mon = nr;
	for (i = 0; i < q->nr_mons; i++) {
		struct qmp_client *c = &q->mons[i];

		pfd[nr] = (struct pollfd){ .fd = vccw_be_char_input_fd(c->be), .events = POLLIN };
		who[nr++] = c;
		pfd[nr] = (struct pollfd){
			.fd = c->out_len ? vccw_be_char_output_fd(c->be) : -1,
			.events = POLLIN,
		};
		who[nr++] = c;
	}
	ready = poll(pfd, nr, timeout_ms);
	if (ready < 0) {
		if (errno != EINTR)
			return -1;
		ready = 0;
	}
	if (pfd[0].revents & POLLIN) {
		while (read(q->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR)
			;
	}
	broadcast_events(q);
	pthread_mutex_lock(&q->lock);
	stop = q->stop;
	pthread_mutex_unlock(&q->lock);
	if (stop)
		return -1;
	for (i = first_mon; i < nr; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((i - first_mon) % 2)
			client_flush(who[i]);
		else
			mon_read(q, who[i]);
	}
	for (i = 1; i < first_mon; i++) {
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
	return ready;
}

static void *qmp_thread(void *arg)
{
	struct vm_qmp *q = arg;
	unsigned int i;

	for (i = 0; i < q->nr_mons; i++)
		mon_read(q, &q->mons[i]); /* greets a peer already there (stdio) */
	while (qmp_round(q, -1) >= 0)
		;
	/* Last words (SHUTDOWN) go out before the sockets close. */
	broadcast_events(q);
	flush_all(q);
	return NULL;
}

/* Listen on @path for -qmp clients. 0, or -1 after vm_error(). */
static int open_socket(struct vm_qmp *q, const char *path)
{
	struct vccw_err err = { 0 };
	struct stat st;

	q->path = strdup(path);
	if (!q->path) {
		vm_error("-qmp", "out of memory");
		return -1;
	}
	/* A socket left by an earlier run is replaced, as QEMU does; any other file is not. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		vm_error("-qmp", "%s exists and is not a socket", path);
		return -1;
	}
	/* The path appears only once the socket listens: a waiting client is never refused. */
	q->listen_fd = vccw_unix_listen(path, 8, true, &err);
	if (q->listen_fd < 0) {
		vm_error("-qmp", "%s: %s", path, strerror(-q->listen_fd));
		return -1;
	}
	q->bound = true;
	return 0;
}

struct vm_qmp *vm_qmp_open(struct vm *vm, const char *path)
{
	struct vm_qmp *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!q) {
		vm_error("-qmp", "out of memory");
		return NULL;
	}
	q->vm = vm;
	q->listen_fd = -1;
	q->wake_fd = -1;
	for (i = 0; i < VM_QMP_SLOTS; i++)
		q->clients[i].fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	q->events = json_array();
	if (!q->events) {
		vm_error("-qmp", "out of memory");
		goto err;
	}
	/* Without -qmp (monitors on chardevs only) there is no socket to listen on. */
	if (path && open_socket(q, path))
		goto err;
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

struct vm_qmp *vm_qmp_new_fed(struct vm *vm)
{
	struct vm_qmp *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!q)
		return NULL;
	q->vm = vm;
	q->listen_fd = -1;
	q->fed = true;
	for (i = 0; i < VM_QMP_SLOTS; i++)
		q->clients[i].fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	q->events = json_array();
	q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!q->events || q->wake_fd < 0) {
		vm_qmp_free(q);
		return NULL;
	}
	return q;
}

/* Append what the peer end @fd has now to *@out (*@len bytes so far). */
static void drain_peer(int fd, char **out, size_t *len)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		char *p = out ? realloc(*out, *len + (size_t)n + 1) : NULL;

		if (!p)
			continue;
		memcpy(p + *len, buf, (size_t)n);
		*len += (size_t)n;
		p[*len] = '\0';
		*out = p;
	}
}

int vm_qmp_feed(struct vm_qmp *q, const void *buf, size_t len, char **out, size_t *out_len)
{
	struct qmp_client *c = &q->clients[0];
	const char *p = buf;
	size_t got = 0;
	int sv[2];

	if (out)
		*out = NULL;
	/*
	 * The client's end of a socket pair stands for its connection, so that replies
	 * take the path they take on a real one; the other end is read here.
	 */
	if (c->fd >= 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	c->fd = sv[0];
	c->serial = ++q->accepts;
	client_send(c, json_pack("{s:{s:o,s:[s]}}", "QMP", "version", version_info(),
				 "capabilities", "oob"));
	/* In pieces of at most what one client_read() takes, as a socket delivers them. */
	while (len && c->fd >= 0) {
		size_t n = len < 4096 ? len : 4096;

		if (c->in_cap - c->in_len < n) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
			char *nb;

			while (cap - c->in_len < n)
				cap *= 2;
			nb = realloc(c->in, cap);
			if (!nb)
				break;
			c->in = nb;
			c->in_cap = cap;
		}
		memcpy(c->in + c->in_len, p, n);
		c->in_len += n;
		p += n;
		len -= n;
		client_process(q, c);
		drain_peer(sv[1], out, &got);
	}
	broadcast_events(q);
	while (c->fd >= 0 && c->out_len) {
		if (client_flush(c))
			break;
		drain_peer(sv[1], out, &got);
	}
	drain_peer(sv[1], out, &got);
	client_close(c);
	close(sv[1]);
	if (out_len)
		*out_len = got;
	return 0;
}

/* The monitors on chardevs, whose backends are open by now (vm_backends_open()). */
static void mons_init(struct vm_qmp *q)
{
	struct vm_config *cfg = q->vm->cfg;
	unsigned int i;


	for (i = 0; i < cfg->nr_monitors && i < VM_MAX_MONITORS; i++) {
		struct qmp_client *c = &q->mons[q->nr_mons++];

		c->fd = -1;
		c->be = cfg->monitors[i].chardev->be;
		c->hmp = !cfg->monitors[i].control;
		c->pretty = cfg->monitors[i].pretty;
		c->gen = UINT64_MAX; /* greet whoever is there first */
		if (cfg->monitors[i].chardev->mux)
			c->lock = &cfg->monitors[i].chardev->lock;
	}
}

int vm_qmp_start(struct vm_qmp *q)
{
	int rc;

	mons_init(q);
	rc = pthread_create(&q->thread, NULL, qmp_thread, q);

	if (rc) {
		vm_report("cannot start the QMP monitor thread: %s\n", strerror(rc));
		return -1;
	}
	q->started = true;
	return 0;
}

int vm_qmp_start_polled(struct vm_qmp *q)
{
	unsigned int i;

	if (q->started || q->fed)
		return -1;
	mons_init(q);
	for (i = 0; i < q->nr_mons; i++)
		mon_read(q, &q->mons[i]);
	return 0;
}

int vm_qmp_poll(struct vm_qmp *q, int timeout_ms)
{
	return q->started ? -1 : qmp_round(q, timeout_ms);
}

void vm_qmp_add_client(struct vm_qmp *q, int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	client_admit(q, fd);
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
	for (i = 0; i < VM_QMP_SLOTS; i++)
		client_close(&q->clients[i]);
	for (i = 0; i < q->nr_mons; i++) {
		q->mons[i].be = NULL; /* the chardev's, closed with the backends */
		client_close(&q->mons[i]);
	}
	if (q->listen_fd >= 0)
		close(q->listen_fd);
	if (q->bound && q->path)
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

struct vm_qmp *vm_qmp_new_fed(struct vm *vm)
{
	(void)vm;
	return NULL;
}

int vm_qmp_feed(struct vm_qmp *q, const void *buf, size_t len, char **out, size_t *out_len)
{
	(void)q;
	(void)buf;
	(void)len;
	(void)out;
	(void)out_len;
	return -1;
}

void vm_qmp_event(struct vm_qmp *q, const char *name, const char *key, const char *val)
{
	(void)q;
	(void)name;
	(void)key;
	(void)val;
}

void vm_qmp_guest_reset_event(struct vm_qmp *q)
{
	(void)q;
}

void vm_qmp_shutdown_event(struct vm_qmp *q, const char *reason)
{
	(void)q;
	(void)reason;
}

int vm_qmp_start_polled(struct vm_qmp *q)
{
	(void)q;
	return -1;
}

int vm_qmp_poll(struct vm_qmp *q, int timeout_ms)
{
	(void)q;
	(void)timeout_ms;
	return -1;
}

void vm_qmp_add_client(struct vm_qmp *q, int fd)
{
	(void)q;
	close(fd);
}

void vm_qmp_free(struct vm_qmp *q)
{
	(void)q;
}

#endif /* VM_HAVE_QMP */
