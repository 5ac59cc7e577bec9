// SPDX-License-Identifier: MIT
/*
 * Fuzz target for vccw-vm's QMP monitor (machine/monitor/), against a machine built once
 * without vCPUs: a balloon, an rng, a console on a null chardev and a spare null chardev,
 * so that device_add, device_del, qom-*, balloon, stop/cont, system_reset and query-*
 * reach real devices. Two kinds of input:
 *
 * - Not starting with a NUL byte: what one client sends on its connection, fed through
 *   vm_qmp_feed() to the JSON stream scanner, the request checks and the one command
 *   table (QMP commands, and the human monitor through human-monitor-command).
 * - Starting with a NUL byte: a script for the monitor's own loop (vm_qmp_poll(), the
 *   loop of the monitor thread run on this thread), with up to SCRIPT_CLIENTS clients
 *   handed in over socket pairs as if accepted on the -qmp socket (no listening socket):
 *   records of an op byte, then per op a client byte and a 16-bit little-endian length
 *   and that many bytes. Ops (op % 8): 0 connect a client; 1 send to client k; 2 hang up
 *   client k; 3 read what client k has; 4 the machine's events as vccw-vm.c sends them
 *   (GUEST_PANICKED, SHUTDOWN), then the loop until idle; 5 send to the human
 *   monitor on a chardev (-mon mode=readline); 6 send to the QMP monitor on a mux chardev
 *   (-mon mode=control,pretty=on, shared with -serial: ctrl-a c, h, x); 7 client k
 *   closes its sending side. Every client's first line is the greeting or, past the
 *   clients and the reserved slot, the refusal.
 *
 * blockdev-add, chardev-add and netdev_add open what they are given through the
 * machine's host guard (vm->host_guard, fuzz-sandbox.h): images and file chardevs are
 * memfds, socket and pty chardevs null ones, netdevs "none"; NBD and qcow2 nodes are
 * refused. After each input the monitor's clients are gone, devices, drives, chardevs
 * and netdevs the input added are removed again, trace events are turned off and a quit
 * is drained, so inputs do not depend on each other beyond the run state and
 * chardev-remove of the spare chardev.
 *
 * Checks: sanitizers (leaks included), no crash or hang on any byte stream, and a reply
 * for every request: a fed client's output is the greeting followed by whole JSON lines.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-sandbox.h"
#include "vccw/be-char.h"
#include "vccw/trace.h"
#include "vm-int.h"

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/qmp";

static struct vm_config cfg;
static struct vm vm;
static struct vm_qmp *qmp;  /* fed by vm_qmp_feed() */
static struct vm_qmp *loop; /* its loop run by vm_qmp_poll() */
static int hmon_peer = -1, cmon_peer = -1; /* our ends of the chardev monitors */
static struct sandbox_fds fds;

/* The ids the machine starts with: what an input adds besides them is removed. */
#define IDS_MAX 16
static char *start_ids[IDS_MAX];
static unsigned int nr_start_ids;

static bool guard_drive(void *opaque, struct vm_drive *d)
{
	(void)opaque;
	return sandbox_drive(d, &fds, 0);
}

static bool guard_chardev(void *opaque, struct vm_chardev *c)
{
	(void)opaque;
	sandbox_chardev(c, &fds);
	return true;
}

static bool guard_netdev(void *opaque, struct vm_netdev *nd)
{
	(void)opaque;
	sandbox_netdev(nd);
	return true;
}

static const struct vm_host_guard guard = {
	.drive = guard_drive,
	.chardev = guard_chardev,
	.netdev = guard_netdev,
};

/* Chardev @id's backend becomes one end of a socket pair; the other end is returned. */
static int chardev_on_pair(const char *id)
{
	struct vccw_err err = { 0 };
	unsigned int i;
	int sv[2];

	for (i = 0; i < cfg.nr_chardevs; i++) {
		struct vm_chardev *c = cfg.chardevs[i];

		if (strcmp(c->id, id))
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			break;
		vccw_be_char_close(c->be);
		c->be = vccw_be_char_fd_new(sv[0], sv[0], true, &err);
		if (!c->be)
			break;
		fcntl(sv[1], F_SETFL, O_NONBLOCK);
		return sv[1];
	}
	fprintf(stderr, "fuzz_qmp: no socket pair for chardev %s\n", id);
	abort();
}

/*
 * Once per process (not fuzzed): a monitor with its own thread starts, greets the
 * monitors on chardevs (null ones still), queues the machine's last event and stops,
 * sending it first.
 */
static void thread_once(void)
{
	struct vm_qmp *t = vm_qmp_open(&vm, NULL);

	if (!t || vm_qmp_start(t)) {
		fprintf(stderr, "fuzz_qmp: no monitor thread\n");
		abort();
	}
	vm_qmp_shutdown_event(t, "host-signal");
	vm_qmp_free(t);
}

static void machine_once(void)
{
	static char *argv[] = {
		(char *)"vccw-vm", (char *)"-m", (char *)"16M",
		(char *)"-machine", (char *)"s390-ccw-virtio,max-hotplug-devices=8",
		(char *)"-chardev", (char *)"null,id=con0",
		(char *)"-chardev", (char *)"null,id=spare",
		(char *)"-chardev", (char *)"null,id=hmon",
		(char *)"-chardev", (char *)"null,id=cmon,mux=on",
		(char *)"-mon", (char *)"chardev=hmon,mode=readline",
		(char *)"-mon", (char *)"chardev=cmon,mode=control,pretty=on",
		(char *)"-serial", (char *)"chardev:cmon",
		(char *)"-device", (char *)"virtio-console-ccw,chardev=con0,id=con",
		(char *)"-device", (char *)"virtio-balloon-ccw,id=balloon0",
		(char *)"-device", (char *)"virtio-rng-ccw,id=rng0", NULL,
	};
	unsigned int i;

	vm.cfg = &cfg;
	vm.done_fd = -1;
	vm.quit_fd = -1;
	if (vm_parse_args(&cfg, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) ||
	    vm_config_check(&cfg) || vm_backends_open(&cfg) || vm_machine_create(&vm)) {
		fprintf(stderr, "fuzz_qmp: cannot build the machine\n");
		abort();
	}
	vm_runstate_init(&vm);
	/* The machine made its own eventfds: quit's is drained here without waiting. */
	fcntl(vm.quit_fd, F_SETFL, O_NONBLOCK);
	vm.host_guard = &guard;
	for (i = 0; i < cfg.nr_chardevs && nr_start_ids < IDS_MAX; i++)
		start_ids[nr_start_ids++] = strdup(cfg.chardevs[i]->id);
	for (i = 0; i < cfg.nr_netdevs && nr_start_ids < IDS_MAX; i++)
		start_ids[nr_start_ids++] = strdup(cfg.netdevs[i]->id);
	for (i = 0; i < cfg.nr_drives && nr_start_ids < IDS_MAX; i++)
		start_ids[nr_start_ids++] = strdup(cfg.drives[i]->id);
	thread_once();
	hmon_peer = chardev_on_pair("hmon");
	cmon_peer = chardev_on_pair("cmon");
	qmp = vm_qmp_new_fed(&vm);
	loop = vm_qmp_open(&vm, NULL);
	if (!qmp || !loop || vm_qmp_start_polled(loop)) {
		fprintf(stderr, "fuzz_qmp: no monitor (built without jansson?)\n");
		abort();
	}
	/* Events (STOP, RESET, DEVICE_DELETED ...) reach the loop's clients. */
	vm.qmp = loop;
}

static bool started_with(const char *id)
{
	unsigned int i;

	for (i = 0; i < nr_start_ids; i++)
		if (start_ids[i] && !strcmp(start_ids[i], id))
			return true;
	return false;
}

/* Unplug what the input plugged: device_add leaves devices, by id or not. */
static void unplug_added(void)
{
	unsigned int i;

	for (;;) {
		char *id = NULL;

		pthread_mutex_lock(&vm.dev_lock);
		for (i = 0; i < cfg.nr_devices && !id; i++)
			if (cfg.devices[i]->hotplugged && cfg.devices[i]->id &&
			    cfg.devices[i]->type->device_id)
				id = strdup(cfg.devices[i]->id);
		pthread_mutex_unlock(&vm.dev_lock);
		if (!id)
			return;
		vm_hotplug_del(&vm, id);
		free(id);
	}
}

/*
 * Remove the netdevs, chardevs and drives the input added (devices are gone): a format
 * node before its file node, so again while anything went.
 */
static void remove_added(void)
{
	bool progress = true;
	unsigned int i;

	while (progress) {
		char *net = NULL, *chr = NULL, *drv = NULL;

		pthread_mutex_lock(&vm.dev_lock);
		for (i = 0; i < cfg.nr_netdevs && !net; i++)
			if (!started_with(cfg.netdevs[i]->id))
				net = strdup(cfg.netdevs[i]->id);
		for (i = 0; i < cfg.nr_chardevs && !chr; i++)
			if (!started_with(cfg.chardevs[i]->id))
				chr = strdup(cfg.chardevs[i]->id);
		for (i = 0; i < cfg.nr_drives && !drv; i++)
			if (!started_with(cfg.drives[i]->id) && !cfg.drives[i]->parent)
				drv = strdup(cfg.drives[i]->id);
		pthread_mutex_unlock(&vm.dev_lock);
		progress = (net && !vm_hotplug_netdev_del(&vm, net)) |
			   (chr && !vm_hotplug_chardev_del(&vm, chr)) |
			   (drv && !vm_hotplug_drive_del(&vm, drv));
		free(net);
		free(chr);
		free(drv);
	}
}

static void feed(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t out_len = 0;

	if (vm_qmp_feed(qmp, data, size, &out, &out_len)) {
		fprintf(stderr, "fuzz_qmp: vm_qmp_feed failed\n");
		abort();
	}
	/* The greeting comes first, and everything sent is whole CR LF ended lines. */
	if (!out || strncmp(out, "{\"QMP\":", 7) || out_len < 2 ||
	    memcmp(out + out_len - 2, "\r\n", 2)) {
		fprintf(stderr, "fuzz_qmp: output is not greeting + lines: %.200s\n",
			out ? out : "(none)");
		abort();
	}
	free(out);
}

/* ---- scripts for the monitor's loop ---- */

#define SCRIPT_CLIENTS 12
#define LOOP_ROUNDS 64

struct script_client {
	int fd;         /* our end; -1: none */
	bool first;     /* its first bytes are still to be read */
	char head[8];   /* ... and what they begin with */
	size_t head_len;
};

/* Run the loop until nothing is ready (or LOOP_ROUNDS rounds). */
static void run_loop(void)
{
	unsigned int i;

	for (i = 0; i < LOOP_ROUNDS && vm_qmp_poll(loop, 0) > 0; i++)
		;
}

/* Read and drop what @fd has now. */
static void drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Read what client @sc has now; its first line is the greeting or the refusal. */
static void client_take(struct script_client *sc)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(sc->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		size_t k = sizeof(sc->head) - sc->head_len;

		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(sc->head + sc->head_len, buf, k);
		sc->head_len += k;
	}
	if (sc->head_len < sizeof(sc->head))
		return;
	if (sc->first && memcmp(sc->head, "{\"QMP\": ", 8) && memcmp(sc->head, "{\"QMP\":{", 8) &&
	    memcmp(sc->head, "{\"error\"", 8)) {
		fprintf(stderr, "fuzz_qmp: a client's first line is %.8s\n", sc->head);
		abort();
	}
	sc->first = false;
}

static void run_script(const uint8_t *data, size_t size)
{
	struct script_client cl[SCRIPT_CLIENTS];
	unsigned int i, nr = 0;
	size_t pos = 0;

	for (i = 0; i < SCRIPT_CLIENTS; i++)
		cl[i] = (struct script_client){ .fd = -1 };
	while (pos < size) {
		unsigned int op = data[pos++] % 8, k = 0;
		size_t len = 0;
		int sv[2];

		if (op != 0 && op != 4) {
			if (pos + 3 > size)
				break;
			k = data[pos] % SCRIPT_CLIENTS;
			len = data[pos + 1] | (size_t)data[pos + 2] << 8;
			pos += 3;
			if (len > size - pos)
				len = size - pos;
		}
		switch (op) {
		case 0:
			if (nr >= SCRIPT_CLIENTS ||
			    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
				break;
			cl[nr] = (struct script_client){ .fd = sv[1], .first = true };
			nr++;
			vm_qmp_add_client(loop, sv[0]);
			break;
		case 1:
			if (cl[k].fd >= 0)
				(void)send(cl[k].fd, data + pos, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case 2:
			if (cl[k].fd >= 0) {
				close(cl[k].fd);
				cl[k].fd = -1;
			}
			break;
		case 3:
			if (cl[k].fd >= 0)
				client_take(&cl[k]);
			break;
		case 4:
			vm_qmp_event(loop, "GUEST_PANICKED", "action", "pause");
			vm_qmp_shutdown_event(loop, "guest-shutdown");
			break;
		case 5:
			(void)send(hmon_peer, data + pos, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case 6:
			(void)send(cmon_peer, data + pos, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case 7:
			if (cl[k].fd >= 0)
				shutdown(cl[k].fd, SHUT_WR);
			break;
		}
		pos += len;
		run_loop();
	}
	/*
	 * Every client reads what it was sent, then leaves; the monitor sees it go. A client
	 * is greeted (or refused) as it comes, so each has its first line by now.
	 */
	for (i = 0; i < nr; i++) {
		if (cl[i].fd < 0)
			continue;
		client_take(&cl[i]);
		if (cl[i].first) {
			fprintf(stderr, "fuzz_qmp: client %u got no greeting or refusal\n", i);
			abort();
		}
		close(cl[i].fd);
	}
	run_loop();
	drain(hmon_peer);
	drain(cmon_peer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;

	if (!qmp)
		machine_once();
	if (size > 65536)
		return 0;
	if (size && !data[0])
		run_script(data + 1, size - 1);
	else
		feed(data, size);
	unplug_added();
	remove_added();
	sandbox_fds_close(&fds);
	vccw_trace_set_state("*", false);
	while (read(vm.quit_fd, &v, sizeof(v)) > 0)
		;
	return 0;
}
