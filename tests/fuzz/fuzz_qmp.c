// SPDX-License-Identifier: MIT
/*
 * Fuzz target for vccw-vm's QMP monitor (machine/monitor/): the input is what one client
 * sends on its connection, fed through vm_qmp_feed() to the JSON stream scanner, the
 * request checks and the one command table (QMP commands, and the human monitor through
 * human-monitor-command), against a machine built once without vCPUs: a balloon, an rng,
 * a console on a null chardev and a spare null chardev, so that device_add, device_del,
 * qom-*, balloon, stop/cont, system_reset and query-* reach real devices. Commands that
 * open host files or sockets (blockdev-add, chardev-add, netdev_add) are refused on a fed
 * monitor. After each input, devices the input hot-plugged are unplugged again, trace
 * events are turned off and a quit is drained, so inputs do not depend on each other
 * beyond the run state and chardev-remove of the spare chardev.
 *
 * Checks: sanitizers (leaks included), no crash or hang on any byte stream, and a reply
 * for every request: the output is the greeting followed by whole JSON lines.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vccw/trace.h"
#include "vm-int.h"

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/qmp";

static struct vm_config cfg;
static struct vm vm;
static struct vm_qmp *qmp;

static void machine_once(void)
{
	static char *argv[] = {
		(char *)"vccw-vm", (char *)"-m", (char *)"16M",
		(char *)"-machine", (char *)"s390-ccw-virtio,max-hotplug-devices=8",
		(char *)"-chardev", (char *)"null,id=con0",
		(char *)"-chardev", (char *)"null,id=spare",
		(char *)"-device", (char *)"virtio-console-ccw,chardev=con0,id=con",
		(char *)"-device", (char *)"virtio-balloon-ccw,id=balloon0",
		(char *)"-device", (char *)"virtio-rng-ccw,id=rng0", NULL,
	};

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
	qmp = vm_qmp_new_fed(&vm);
	if (!qmp) {
		fprintf(stderr, "fuzz_qmp: no monitor (built without jansson?)\n");
		abort();
	}
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t out_len = 0;
	uint64_t v;

	if (!qmp)
		machine_once();
	if (size > 65536)
		return 0;
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
	unplug_added();
	vccw_trace_set_state("*", false);
	while (read(vm.quit_fd, &v, sizeof(v)) > 0)
		;
	return 0;
}
