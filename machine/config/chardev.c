// SPDX-License-Identifier: MIT
/*
 * Character devices as QEMU 7.2's command line has them: -chardev (null, stdio, file,
 * pty, socket over unix or TCP as server or client, with wait=, logfile= and
 * logappend=), the legacy forms of -serial and -monitor ("pty", "tcp:HOST:PORT,server=on",
 * "unix:PATH,...", "file:PATH", "stdio", "null", "chardev:ID"), and -mon; and opening
 * them (vm_chardev_open()) for the command line and for QMP's chardev-add alike.
 *
 * -serial: on s390x QEMU puts its first -serial on the SCLP ASCII console (the
 * "sclpconsole" device of s390-virtio-ccw.c, the operating system's ttysclp0) and a
 * second one on the SCLP line-mode console. vccw-vm's machine console is where both the
 * native guest programs and the s390x back-end's SCLP ASCII console write (otherwise
 * stdout), so the first -serial becomes that; a second -serial is refused.
 *
 * What QEMU does and vccw-vm does not: reconnect= for clients, telnet, websocket, tls,
 * and the rarer backends (udp, pipe, serial, parallel, ringbuf, spice ...): refused by
 * name.
 */
#define _GNU_SOURCE /* asprintf(), ptsname_r() */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "vm-int.h"

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		vm_report("out of memory\n");
		exit(1);
	}
	va_end(ap);
	return s;
}

void vm_chardev_free(struct vm_chardev *c)
{
	if (!c)
		return;
	free(c->what);
	free(c->id);
	free(c->path);
	free(c->host);
	free(c->port);
	free(c->logfile);
	free(c);
}

static const struct {
	const char *name;
	enum vm_chardev_kind kind;
} kinds[] = {
	{ "null", VM_CHARDEV_NULL },
	{ "stdio", VM_CHARDEV_STDIO },
	{ "file", VM_CHARDEV_FILE },
	{ "socket", VM_CHARDEV_SOCKET },
	{ "pty", VM_CHARDEV_PTY },
};

#define KIND_NAMES "null, stdio, file, pty or socket"

static int parse_bool_prop(struct vm_chardev *c, struct vm_kvlist *l, const char *key, bool *out)
{
	const char *v = vm_kv_get(l, key);

	return v ? vm_parse_bool(c->what, key, v, out) : 0;
}

struct vm_chardev *vm_chardev_from_kv(const char *opt, struct vm_kvlist *l)
{
	struct vm_chardev *c = calloc(1, sizeof(*c));
	const char *kind, *id, *v;
	bool known = false, has_wait = false;
	unsigned int i;

	if (!c) {
		vm_error(opt, "out of memory");
		return NULL;
	}
	kind = vm_kv_get(l, "backend");
	id = vm_kv_get(l, "id");
	c->what = kind && id ? xasprintf("%s %s,id=%s", opt, kind, id) :
		  kind ? xasprintf("%s %s", opt, kind) : xasprintf("%s", opt);
	if (!kind) {
		vm_error(c->what, "no backend given (" KIND_NAMES ")");
		goto err;
	}
	for (i = 0; i < VCCW_ARRAY_SIZE(kinds); i++) {
		if (!strcmp(kind, kinds[i].name)) {
			c->kind = kinds[i].kind;
			known = true;
		}
	}
	if (!known) {
		vm_error(c->what, "unknown chardev backend '%s' (" KIND_NAMES ")", kind);
		goto err;
	}
	if (!id) {
		vm_error(c->what, "property 'id' is required");
		goto err;
	}
	if (!vm_id_valid(id)) {
		vm_error(c->what, "id '%.*s%s': IDs start with a letter, hold only letters, "
			 "digits, '-', '.' and '_', and have at most %d characters",
			 VM_ID_MAX, id, strlen(id) > VM_ID_MAX ? "..." : "", VM_ID_MAX);
		goto err;
	}
	c->id = xasprintf("%s", id);
	/* Every backend: logfile=, logappend=, mux=. Properties a kind lacks stay unused. */
	v = vm_kv_get(l, "logfile");
	if (v)
		c->logfile = xasprintf("%s", v);
	if (parse_bool_prop(c, l, "logappend", &c->logappend) ||
	    parse_bool_prop(c, l, "mux", &c->mux))
		goto err;
	if (c->kind == VM_CHARDEV_FILE) {
		v = vm_kv_get(l, "path");
		if (v)
			c->path = xasprintf("%s", v);
		if (parse_bool_prop(c, l, "append", &c->append))
			goto err;
	} else if (c->kind == VM_CHARDEV_SOCKET) {
		v = vm_kv_get(l, "path");
		if (v)
			c->path = xasprintf("%s", v);
		v = vm_kv_get(l, "host");
		if (v)
			c->host = xasprintf("%s", v);
		v = vm_kv_get(l, "port");
		if (v)
			c->port = xasprintf("%s", v);
		if (parse_bool_prop(c, l, "server", &c->server))
			goto err;
		v = vm_kv_get(l, "wait");
		if (v) {
			has_wait = true;
			if (vm_parse_bool(c->what, "wait", v, &c->wait))
				goto err;
		}
		/* QEMU: a server waits for its first client unless told wait=off. */
		if (!has_wait)
			c->wait = c->server;
		/* QEMU's options a TCP socket takes and that change nothing here. */
		vm_kv_get(l, "ipv4");
		vm_kv_get(l, "ipv6");
		vm_kv_get(l, "nodelay");
		if (vm_kv_get(l, "reconnect")) {
			vm_error(c->what, "reconnect= is not supported (a client connects once)");
			goto err;
		}
	}
	if (vm_kv_check_unused(c->what, l))
		goto err;
	if (c->kind == VM_CHARDEV_FILE && (!c->path || !*c->path)) {
		vm_error(c->what, "property 'path' is required");
		goto err;
	}
	if (c->kind == VM_CHARDEV_SOCKET) {
		if (c->path && (c->host || c->port)) {
			vm_error(c->what, "path= (a unix socket) and host=/port= (TCP) exclude "
				 "each other");
			goto err;
		}
		if (!c->path && !c->port) {
			vm_error(c->what, "property 'path' (unix) or 'port' (TCP) is required");
			goto err;
		}
		if (c->path && !*c->path) {
			vm_error(c->what, "property 'path' is empty");
			goto err;
		}
		if (has_wait && !c->server) {
			vm_error(c->what, "property 'wait' needs server=on");
			goto err;
		}
	}
	return c;
err:
	vm_chardev_free(c);
	return NULL;
}

int vm_chardev_add(struct vm_config *cfg, struct vm_chardev *c)
{
	unsigned int i;
	struct vm_chardev **grown;

	for (i = 0; i < cfg->nr_chardevs; i++) {
		if (!strcmp(cfg->chardevs[i]->id, c->id)) {
			vm_error(c->what, "duplicate chardev id '%s'", c->id);
			return -1;
		}
	}
	grown = realloc(cfg->chardevs, (cfg->nr_chardevs + 1) * sizeof(*grown));
	if (!grown) {
		vm_error(c->what, "out of memory");
		return -1;
	}
	cfg->chardevs = grown;
	cfg->chardevs[cfg->nr_chardevs++] = c;
	return 0;
}

int vm_chardev_parse(struct vm_config *cfg, const char *arg)
{
	struct vm_chardev *c;
	struct vm_kvlist l;

	if (vm_kv_parse("-chardev", arg, "backend", &l))
		return -1;
	c = vm_chardev_from_kv("-chardev", &l);
	vm_kv_free(&l);
	if (!c || vm_chardev_add(cfg, c)) {
		vm_chardev_free(c);
		return -1;
	}
	return 0;
}

/*
 * QemuOpts' short forms of booleans in the legacy forms: a bare "server" is server=on,
 * "nowait" is wait=off ("no" + name: off). The first item (the backend) stays; a doubled
 * comma belongs to its item. Returns a new string.
 */
static char *flag_forms(const char *spec)
{
	/* The worst growth: ",x" (2 bytes) becomes ",x=on" (5). */
	size_t cap = strlen(spec) * 3 + 1, n = 0;
	char *out = malloc(cap);
	const char *tok = spec;
	bool first = true;

	if (!out) {
		vm_report("out of memory\n");
		exit(1);
	}
	for (;;) {
		size_t len = 0;
		bool bare;

		/* A doubled comma is a comma inside the value (QemuOpts), not the next item. */
		while (tok[len] && (tok[len] != ',' || tok[len + 1] == ','))
			len += tok[len] == ',' ? 2 : 1;
		bare = !first && len && !memchr(tok, '=', len);

		if (!first)
			out[n++] = ',';
		if (bare && len > 2 && !strncmp(tok, "no", 2)) {
			n += (size_t)snprintf(out + n, cap - n, "%.*s=off", (int)len - 2, tok + 2);
		} else if (bare) {
			n += (size_t)snprintf(out + n, cap - n, "%.*s=on", (int)len, tok);
		} else {
			memcpy(out + n, tok, len);
			n += len;
		}
		first = false;
		if (!tok[len])
			break;
		tok += len + 1;
	}
	out[n] = '\0';
	return out;
}

/*
 * QEMU's legacy character device forms of -serial and -monitor, made a chardev @id:
 * stdio, null, pty, file:PATH, unix:PATH[,opts], tcp:HOST:PORT[,opts]. Returns the new
 * chardev (not yet in the configuration), or NULL after vm_error().
 */
static struct vm_chardev *legacy_chardev(const char *opt, const char *arg, const char *id)
{
	struct vm_chardev *c = NULL;
	struct vm_kvlist l = { 0 };
	char *spec = NULL, *flags;
	const char *rest;

	if (!strcmp(arg, "stdio") || !strcmp(arg, "null") || !strcmp(arg, "pty")) {
		spec = xasprintf("%s", arg);
	} else if (!strncmp(arg, "file:", 5)) {
		spec = xasprintf("file,path=%s", arg + 5);
	} else if (!strncmp(arg, "unix:", 5)) {
		rest = arg + 5;
		spec = xasprintf("socket,path=%.*s%s", (int)strcspn(rest, ","), rest,
				 rest + strcspn(rest, ","));
	} else if (!strncmp(arg, "tcp:", 4)) {
		const char *colon;
		size_t n;

		rest = arg + 4;
		n = strcspn(rest, ",");
		colon = memrchr(rest, ':', n);
		if (!colon) {
			vm_error(opt, "'%s': expected tcp:HOST:PORT", arg);
			return NULL;
		}
		spec = xasprintf("socket,host=%.*s,port=%.*s%s", (int)(colon - rest), rest,
				 (int)(rest + n - colon - 1), colon + 1, rest + n);
	} else {
		vm_error(opt, "'%s': unknown character device (stdio, null, pty, file:PATH, "
			 "unix:PATH[,server=on][,wait=off], tcp:HOST:PORT[,server=on][,wait=off], "
			 "chardev:ID)", arg);
		return NULL;
	}
	flags = flag_forms(spec);
	free(spec);
	spec = flags;
	if (!vm_kv_parse(opt, spec, "backend", &l)) {
		vm_kv_add(&l, "id", id);
		c = vm_chardev_from_kv(opt, &l);
	}
	vm_kv_free(&l);
	free(spec);
	return c;
}

int vm_serial_parse(struct vm_config *cfg, const char *arg)
{
	struct vm_chardev *c;

	if (cfg->serial_id) {
		vm_error("-serial", "only one -serial: it is the machine console (QEMU's "
			 "sclpconsole); vccw-vm has no line-mode console for a second one");
		return -1;
	}
	if (!strcmp(arg, "none")) {
		cfg->serial_id = xasprintf("%s", "");
		return 0;
	}
	if (!strncmp(arg, "chardev:", 8)) {
		cfg->serial_id = xasprintf("%s", arg + 8);
		return 0;
	}
	if (!strcmp(arg, "mon:stdio")) {
		vm_error("-serial", "mon:stdio needs a mux chardev: use -chardev stdio,id=ID,"
			 "mux=on -serial chardev:ID -mon chardev=ID");
		return -1;
	}
	/* QEMU labels the first serial port's chardev serial0. */
	c = legacy_chardev("-serial", arg, "serial0");
	if (!c || vm_chardev_add(cfg, c)) {
		vm_chardev_free(c);
		return -1;
	}
	cfg->serial_id = xasprintf("%s", c->id);
	return 0;
}

static int add_monitor(struct vm_config *cfg, const char *opt, const char *chardev, bool control,
		       bool pretty)
{
	struct vm_monitor *m, *grown;

	if (cfg->nr_monitors >= VM_MAX_MONITORS) {
		vm_error(opt, "at most %d monitors", VM_MAX_MONITORS);
		return -1;
	}
	grown = realloc(cfg->monitors, (cfg->nr_monitors + 1) * sizeof(*grown));
	if (!grown) {
		vm_error(opt, "out of memory");
		return -1;
	}
	cfg->monitors = grown;
	m = &cfg->monitors[cfg->nr_monitors];
	memset(m, 0, sizeof(*m));
	m->chardev_id = xasprintf("%s", chardev);
	m->control = control;
	m->pretty = pretty;
	cfg->nr_monitors++;
	return 0;
}

/*
 * -monitor SPEC and -qmp SPEC in QEMU's legacy chardev forms: the chardev compat_monitorN
 * (QEMU's label; -qmp's own socket is listed as 0) with a monitor on it, QMP if @control.
 */
static int compat_monitor(struct vm_config *cfg, const char *opt, const char *arg,
			  bool control)
{
	struct vm_chardev *c;
	char id[32];

	snprintf(id, sizeof(id), "compat_monitor%u", cfg->nr_monitors + 1);
	c = legacy_chardev(opt, arg, id);
	if (!c || vm_chardev_add(cfg, c)) {
		vm_chardev_free(c);
		return -1;
	}
	return add_monitor(cfg, opt, c->id, control, false);
}

int vm_monitor_parse(struct vm_config *cfg, const char *arg)
{
	if (!strcmp(arg, "none"))
		return 0;
	if (!strncmp(arg, "chardev:", 8))
		return add_monitor(cfg, "-monitor", arg + 8, false, false);
	return compat_monitor(cfg, "-monitor", arg, false);
}

int vm_mon_parse(struct vm_config *cfg, const char *arg)
{
	const char *chardev, *mode, *pretty;
	bool control = false, pp = false;
	struct vm_kvlist l;
	int rc = -1;

	if (vm_kv_parse("-mon", arg, "chardev", &l))
		return -1;
	chardev = vm_kv_get(&l, "chardev");
	mode = vm_kv_get(&l, "mode");
	pretty = vm_kv_get(&l, "pretty");
	if (vm_kv_check_unused("-mon", &l))
		goto out;
	if (!chardev) {
		vm_error("-mon", "property 'chardev' is required");
		goto out;
	}
	if (mode && !strcmp(mode, "control")) {
		control = true;
	} else if (mode && strcmp(mode, "readline")) {
		vm_error("-mon", "mode '%s': readline (the human monitor) or control (QMP)", mode);
		goto out;
	}
	if (pretty && vm_parse_bool("-mon", "pretty", pretty, &pp))
		goto out;
	rc = add_monitor(cfg, "-mon", chardev, control, pp);
out:
	vm_kv_free(&l);
	return rc;
}

/* ---- -qmp (the QMP socket itself is machine/monitor/qmp.c) ---- */

/*
 * True if the options after "unix:PATH" are exactly those of the machine's own socket:
 * server (server=on or "server") and wait=off (or "nowait"), nothing else.
 */
static bool qmp_is_plain_server(const char *spec)
{
	bool server = false, nowait = false;
	const char *p = strchr(spec, ',');

	while (p) {
		const char *tok = p + 1;
		size_t n;

		p = strchr(tok, ',');
		n = p ? (size_t)(p - tok) : strlen(tok);
		if ((n == 6 && !strncmp(tok, "server", 6)) || (n == 9 && !strncmp(tok, "server=on", 9)))
			server = true;
		else if ((n == 6 && !strncmp(tok, "nowait", 6)) || (n == 8 && !strncmp(tok, "wait=off", 8)))
			nowait = true;
		else
			return false;
	}
	return server && nowait;
}

int vm_qmp_parse(struct vm_config *cfg, const char *arg)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1, len;

	/*
	 * A listening unix socket without wait is the machine's own QMP socket (qmp.c: many
	 * clients, a slot kept for quit). Every other form is what QEMU makes of any -qmp:
	 * a chardev (stdio, tcp:, a unix client, wait=on ...) with a QMP monitor on it.
	 */
	if (strncmp(arg, "unix:", 5) || !qmp_is_plain_server(arg + 5))
		return compat_monitor(cfg, "-qmp", arg, true);
	len = strcspn(arg + 5, ",");
	if (!len) {
		vm_error("-qmp", "no socket path given (unix:PATH,server=on,wait=off)");
		return -1;
	}
	if (len > max) {
		vm_error("-qmp", "socket path '%.*s' is longer than %zu bytes", (int)len, arg + 5,
			 max);
		return -1;
	}
	cfg->qmp_path = strndup(arg + 5, len);
	if (!cfg->qmp_path) {
		vm_error("-qmp", "out of memory");
		return -1;
	}
	return 0;
}

/* The chardev called @id, or NULL. */
static struct vm_chardev *find(struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_chardevs; i++)
		if (!strcmp(cfg->chardevs[i]->id, id))
			return cfg->chardevs[i];
	return NULL;
}

int vm_chardev_config_check(struct vm_config *cfg)
{
	unsigned int i, j;

	if (cfg->serial_id && *cfg->serial_id) {
		cfg->serial = find(cfg, cfg->serial_id);
		if (!cfg->serial) {
			vm_error("-serial", "chardev '%s' not found", cfg->serial_id);
			return -1;
		}
	}
	for (i = 0; i < cfg->nr_monitors; i++) {
		struct vm_monitor *m = &cfg->monitors[i];

		m->chardev = find(cfg, m->chardev_id);
		if (!m->chardev) {
			vm_error("-mon", "chardev '%s' not found", m->chardev_id);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (cfg->monitors[j].chardev == m->chardev) {
				vm_error("-mon", "chardev '%s' has a monitor already", m->chardev_id);
				return -1;
			}
		}
	}
	/* QEMU's rule and words: stdin and stdout are one terminal, for one chardev. */
	for (i = 0, j = 0; i < cfg->nr_chardevs; i++)
		j += cfg->chardevs[i]->kind == VM_CHARDEV_STDIO;
	if (j > 1) {
		vm_error("-chardev", "cannot use stdio by multiple character devices");
		return -1;
	}
	/* One frontend per chardev, unless mux=on shares it (a device, a monitor, -serial). */
	for (i = 0; i < cfg->nr_chardevs; i++) {
		struct vm_chardev *c = cfg->chardevs[i];
		unsigned int users = !!c->user + (cfg->serial == c);

		for (j = 0; j < cfg->nr_monitors; j++)
			users += cfg->monitors[j].chardev == c;
		if (users > 1 && !c->mux) {
			vm_error(c->what, "used by %u frontends (a device, -serial, a monitor): "
				 "that needs mux=on", users);
			return -1;
		}
		/* The mux switches input between -serial and a monitor (ctrl-a c) only. */
		if (c->mux && c->user) {
			vm_error(c->what, "mux=on: a device cannot share a chardev here; use it "
				 "for -serial and a monitor (ctrl-a c switches between them)");
			return -1;
		}
	}
	return 0;
}

void vm_chardev_config_free(struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_monitors; i++)
		free(cfg->monitors[i].chardev_id);
	free(cfg->monitors);
	cfg->monitors = NULL;
	cfg->nr_monitors = 0;
	free(cfg->serial_id);
	cfg->serial_id = NULL;
}

/* ---- opening ---- */

/*
 * A pty whose other end (/dev/pts/N) a user opens with a terminal program. The backend
 * keeps the slave open too (vccw_be_char_pty_new()): what the guest writes before anybody
 * opens it waits in the terminal's buffer, the master never sees a hang-up, and a guest
 * nobody reads never stalls (the oldest output is dropped).
 */
static struct vccw_be_char *open_pty(struct vm_chardev *c, struct vccw_err *err)
{
	struct vccw_be_char *be;
	char name[64];
	struct termios t;
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    ptsname_r(master, name, sizeof(name))) {
		vccw_err_set(err, errno, "pty: %s", strerror(errno));
		if (master >= 0)
			close(master);
		return NULL;
	}
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		vccw_err_set(err, errno, "%s: %s", name, strerror(errno));
		close(master);
		return NULL;
	}
	/* Bytes pass as they are, both ways (QEMU: cfmakeraw()). */
	if (!tcgetattr(slave, &t)) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSAFLUSH, &t);
	}
	be = vccw_be_char_pty_new(master, slave, err);
	if (!be) {
		close(master);
		close(slave);
		return NULL;
	}
	/* QEMU's words, which scripts look for, where QEMU prints them: on stdout. */
	printf("char device redirected to %s (label %s)\n", name, c->id);
	fflush(stdout);
	free(c->path);
	c->path = xasprintf("%s", name);
	return be;
}

/* A TCP socket, listening (@c->server) or connected. Returns the fd or -1 with @err. */
static int tcp_socket(struct vm_chardev *c, struct vccw_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	const char *host = c->host && *c->host ? c->host : c->server ? NULL : "localhost";
	int fd = -1, one = 1, rc;

	hints.ai_flags = c->server ? AI_PASSIVE : 0;
	rc = getaddrinfo(host, c->port, &hints, &res);
	if (rc) {
		vccw_err_set(err, EINVAL, "address '%s:%s': %s", host ? host : "", c->port,
			     gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (c->server) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1))
				break;
		} else if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			break;
		}
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	if (fd < 0)
		vccw_err_set(err, errno, "%s %s:%s: %s", c->server ? "listen on" : "connect to",
			     host ? host : "*", c->port, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* The address QEMU's messages and query-chardev give a socket chardev. */
static void socket_name(const struct vm_chardev *c, char *buf, size_t len)
{
	if (c->path)
		snprintf(buf, len, "unix:%s%s", c->path, c->server ? ",server=on" : "");
	else
		snprintf(buf, len, "tcp:%s:%s%s", c->host && *c->host ? c->host : "0.0.0.0",
			 c->port, c->server ? ",server=on" : "");
}

void vm_chardev_filename(const struct vm_chardev *c, char *buf, size_t len)
{
	switch (c->kind) {
	case VM_CHARDEV_NULL:
		snprintf(buf, len, "null");
		break;
	case VM_CHARDEV_STDIO:
		snprintf(buf, len, "stdio");
		break;
	case VM_CHARDEV_FILE:
		snprintf(buf, len, "file");
		break;
	case VM_CHARDEV_PTY:
		snprintf(buf, len, "pty:%s", c->path ? c->path : "");
		break;
	case VM_CHARDEV_SOCKET:
		socket_name(c, buf, len);
		break;
	}
}

/*
 * logfile=: everything the backend outputs is also appended to a file. The wrapper
 * passes every call on to the backend it holds.
 */
struct logged {
	struct vccw_be_char be;
	struct vccw_be_char *inner;
	int log_fd;
};

static struct logged *to_logged(struct vccw_be_char *be)
{
	return container_of(be, struct logged, be);
}

static ssize_t logged_write(struct vccw_be_char *be, const void *buf, size_t len)
{
	struct logged *l = to_logged(be);
	ssize_t n = vccw_be_char_write(l->inner, buf, len);

	/* What the backend took is what was output; a log file never makes it wait. */
	if (n > 0 && write(l->log_fd, buf, (size_t)n) < 0)
		(void)0; /* a full disk loses log lines, not console output */
	return n;
}

static ssize_t logged_flush(struct vccw_be_char *be)
{
	return vccw_be_char_flush(to_logged(be)->inner);
}

static int logged_output_fd(struct vccw_be_char *be)
{
	return vccw_be_char_output_fd(to_logged(be)->inner);
}

static ssize_t logged_read(struct vccw_be_char *be, void *buf, size_t len)
{
	return vccw_be_char_read(to_logged(be)->inner, buf, len);
}

static int logged_input_fd(struct vccw_be_char *be)
{
	return vccw_be_char_input_fd(to_logged(be)->inner);
}

static void logged_set_input(struct vccw_be_char *be, bool enable)
{
	vccw_be_char_set_input(to_logged(be)->inner, enable);
}

static void logged_close(struct vccw_be_char *be)
{
	struct logged *l = to_logged(be);

	vccw_be_char_close(l->inner);
	close(l->log_fd);
	free(l);
}

static const struct vccw_be_char_ops logged_ops = {
	.kind = "logfile",
	.write = logged_write,
	.flush = logged_flush,
	.output_fd = logged_output_fd,
	.read = logged_read,
	.input_fd = logged_input_fd,
	.set_input = logged_set_input,
	.close = logged_close,
};

static struct vccw_be_char *with_log(struct vm_chardev *c, struct vccw_be_char *inner,
				     struct vccw_err *err)
{
	struct logged *l = calloc(1, sizeof(*l));

	if (!l) {
		vccw_be_char_close(inner);
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	l->log_fd = open(c->logfile, O_WRONLY | O_CREAT | O_CLOEXEC |
			 (c->logappend ? O_APPEND : O_TRUNC), 0666);
	if (l->log_fd < 0) {
		vccw_err_set(err, errno, "logfile %s: %s", c->logfile, strerror(errno));
		vccw_be_char_close(inner);
		free(l);
		return NULL;
	}
	l->inner = inner;
	l->be.ops = &logged_ops;
	return &l->be;
}

struct vccw_be_char *vm_chardev_open(struct vm_chardev *c, bool may_wait, struct vccw_err *err)
{
	struct vccw_be_char *be = NULL;
	char name[300];
	char *spec;
	int fd;

	pthread_mutex_init(&c->lock, NULL);
	if (c->kind == VM_CHARDEV_PTY) {
		be = open_pty(c, err);
	} else if (c->kind == VM_CHARDEV_SOCKET && c->port) {
		fd = tcp_socket(c, err);
		if (fd < 0)
			return NULL;
		be = c->server ? vccw_be_char_server_new(fd, err) : vccw_be_char_fd_new(fd, fd,
										       true, err);
		if (c->server || !be)
			close(fd);
	} else {
		spec = vm_chardev_spec(c);
		be = vccw_be_char_open(spec, err);
		free(spec);
	}
	if (!be)
		goto err;
	if (c->kind == VM_CHARDEV_SOCKET && c->server && c->wait) {
		if (!may_wait) {
			vccw_be_char_close(be);
			vccw_err_set(err, EINVAL, "wait=on: only a command-line chardev waits for "
				     "its client (use wait=off)");
			goto err;
		}
		/* QEMU's words; the machine does not start before the client is there. */
		socket_name(c, name, sizeof(name));
		vm_report("%s: info: QEMU waiting for connection on: "
			"disconnected:%s\n", c->what, name);
		vccw_be_char_server_wait(be, -1);
	}
	if (c->logfile)
		be = with_log(c, be, err);
	if (!be)
		goto err;
	return be;
err:
	return NULL;
}

void vm_chardev_close(struct vm_chardev *c)
{
	if (c->be)
		pthread_mutex_destroy(&c->lock);
	vccw_be_char_close(c->be);
	c->be = NULL;
}
