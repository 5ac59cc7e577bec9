// SPDX-License-Identifier: MIT
/*
 * The monitor's test hooks (machine/monitor/qmp.c, machine/devices/vm-hotplug.c), which
 * the QMP fuzz target relies on: a fed monitor refuses the commands that open host files
 * unless the machine has a host guard; the guard sees each backend once parsed and
 * before it opens, and its refusal is the command's error; and the monitor's own loop,
 * run by vm_qmp_poll() with clients handed in by vm_qmp_add_client(), keeps the -qmp
 * limits: eight clients, then one on the reserved slot that may only negotiate, look
 * and quit, then a refusal.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "vm-int.h"

static struct vm_config cfg;
static struct vm vm;

static void machine(void)
{
	char *argv[] = { (char *)"vccw-vm", (char *)"-m", (char *)"16M", NULL };

	memset(&cfg, 0, sizeof(cfg));
	memset(&vm, 0, sizeof(vm));
	vm.cfg = &cfg;
	vm.done_fd = vm.quit_fd = -1;
	if (vm_parse_args(&cfg, 3, argv) || vm_config_check(&cfg) || vm_backends_open(&cfg) ||
	    vm_machine_create(&vm))
		abort();
	vm_runstate_init(&vm);
}

static void machine_free(void)
{
	vm_machine_destroy(&vm);
	vm_backends_close(&cfg);
	vm_config_free(&cfg);
}

/* Feed @text as one client; its replies after the greeting (malloc'd). */
static char *feed(struct vm_qmp *q, const char *text)
{
	char *out = NULL;
	size_t len = 0;

	if (vm_qmp_feed(q, text, strlen(text), &out, &len) || !out)
		abort();
	return out;
}

/* How many times @what stands in @s. */
static unsigned int count(const char *s, const char *what)
{
	unsigned int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static unsigned int guard_calls;
static bool guard_ok;
static int guard_fd = -1;
static char guard_seen[64];

static bool guard_drive(void *opaque, struct vm_drive *d)
{
	(void)opaque;
	guard_calls++;
	snprintf(guard_seen, sizeof(guard_seen), "%s", d->file ? d->file : "");
	if (!guard_ok)
		return false;
	/* An in-memory image in place of the host file. */
	guard_fd = memfd_create("test-guard", MFD_CLOEXEC);
	if (guard_fd < 0 || ftruncate(guard_fd, 1 << 20))
		return false;
	free(d->file);
	if (asprintf(&d->file, "/proc/self/fd/%d", guard_fd) < 0)
		d->file = NULL;
	return d->file != NULL;
}

static bool guard_chardev(void *opaque, struct vm_chardev *c)
{
	(void)opaque;
	(void)c;
	guard_calls++;
	return false;
}

static bool guard_netdev(void *opaque, struct vm_netdev *nd)
{
	(void)opaque;
	(void)nd;
	guard_calls++;
	return false;
}

static const struct vm_host_guard guard = { guard_drive, guard_chardev, guard_netdev, NULL };

#define CAPS "{\"execute\": \"qmp_capabilities\"}\n"
#define ADD_FILE "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", " \
		 "\"node-name\": \"f0\", \"filename\": \"guarded.img\"}}\n"
#define DEL_FILE "{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": \"f0\"}}\n"

TEST(test_monitor_fed_host_guard)
{
	struct vm_qmp *q;
	char *out;

	machine();
	q = vm_qmp_new_fed(&vm);
	REQUIRE(q);
	/* No guard: refused before anything is parsed or opened. */
	out = feed(q, CAPS ADD_FILE);
	CHECK_MSG(strstr(out, "blockdev-add opens host files: not on this monitor"), "%s", out);
	free(out);

	/* A guard that refuses: it saw the parsed node, and its refusal is the reply. */
	vm.host_guard = &guard;
	out = feed(q, CAPS ADD_FILE
		   "{\"execute\": \"chardev-add\", \"arguments\": {\"id\": \"c9\", \"backend\": "
		   "{\"type\": \"null\", \"data\": {}}}}\n"
		   "{\"execute\": \"netdev_add\", \"arguments\": {\"type\": \"none\", "
		   "\"id\": \"n9\"}}\n");
	CHECK_EQ(guard_calls, 3u);
	CHECK(!strcmp(guard_seen, "guarded.img"));
	CHECK_MSG(strstr(out, "{\"return\":{}}\r\n{\"error\":{\"class\":\"GenericError\","
			      "\"desc\":\"blockdev-add node-name=f0: not opened here: the host "
			      "guard of this test refuses it\"}}\r\n{\"error\"") &&
		  strstr(out, "\"desc\":\"netdev_add id=n9: not opened here") &&
		  count(out, "\"return\"") == 1, "%s", out);
	free(out);
	CHECK(access("guarded.img", F_OK) != 0);

	/* A guard that puts a memfd in place: the node is made, and deleted again. */
	guard_ok = true;
	out = feed(q, CAPS ADD_FILE DEL_FILE DEL_FILE);
	CHECK_EQ(guard_calls, 4u);
	CHECK_MSG(strstr(out, "{\"return\":{}}\r\n{\"return\":{}}\r\n{\"error\":{\"class\":"
			      "\"GenericError\",\"desc\":\"Failed to find node with "
			      "node-name='f0'\"}}"), "%s", out);
	free(out);
	CHECK(access("guarded.img", F_OK) != 0);
	if (guard_fd >= 0)
		close(guard_fd);
	vm.host_guard = NULL;
	vm_qmp_free(q);
	machine_free();
}

/* Everything @fd has now (NUL-terminated, in @buf of @len). */
static size_t take(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && (n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

static void run(struct vm_qmp *q)
{
	unsigned int i;

	for (i = 0; i < 64 && vm_qmp_poll(q, 0) > 0; i++)
		;
}

TEST(test_monitor_polled_loop_limits)
{
	struct vm_qmp *q;
	int peer[10], sv[2];
	unsigned int i;
	char buf[8192];

	machine();
	q = vm_qmp_open(&vm, NULL);
	REQUIRE(q && vm_qmp_start_polled(q) == 0);
	/* Eight clients negotiate: the normal slots are full. */
	for (i = 0; i < 9; i++) {
		REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
		peer[i] = sv[1];
		vm_qmp_add_client(q, sv[0]);
		run(q);
		take(peer[i], buf, sizeof(buf));
		CHECK_MSG(!strncmp(buf, "{\"QMP\":{\"version\"", 17), "client %u: %s", i, buf);
		REQUIRE(send(peer[i], CAPS, strlen(CAPS), 0) == (ssize_t)strlen(CAPS));
		run(q);
		take(peer[i], buf, sizeof(buf));
		CHECK_MSG(!strcmp(buf, "{\"return\":{}}\r\n"), "client %u: %s", i, buf);
	}
	/* The ninth is on the reserved slot: query-status, but no device_add. */
	{
		static const char req[] = "{\"execute\": \"query-status\"}\n"
			"{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-rng-ccw\"}}\n";

		REQUIRE(send(peer[8], req, strlen(req), 0) == (ssize_t)strlen(req));
		run(q);
		take(peer[8], buf, sizeof(buf));
		CHECK_MSG(strstr(buf, "\"status\":\"running\"") &&
			  strstr(buf, "Too many monitor clients (at most 8): this connection may "
				      "only run qmp_capabilities, query-status and quit"), "%s", buf);
	}
	/* A tenth is refused in words, and its connection closed. */
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	peer[9] = sv[1];
	vm_qmp_add_client(q, sv[0]);
	run(q);
	take(peer[9], buf, sizeof(buf));
	CHECK_MSG(strstr(buf, "Too many monitor clients (at most 8 and one reserved): "
			      "connection refused"), "%s", buf);
	CHECK(recv(peer[9], buf, sizeof(buf), MSG_DONTWAIT) == 0);
	/* A client that leaves frees its slot for the next. */
	close(peer[0]);
	run(q);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	peer[0] = sv[1];
	vm_qmp_add_client(q, sv[0]);
	run(q);
	take(peer[0], buf, sizeof(buf));
	CHECK_MSG(!strncmp(buf, "{\"QMP\":", 7), "%s", buf);
	for (i = 0; i < 10; i++)
		close(peer[i]);
	run(q);
	CHECK(vm_qmp_poll(q, 0) == 0);
	vm_qmp_free(q);
	machine_free();
}
