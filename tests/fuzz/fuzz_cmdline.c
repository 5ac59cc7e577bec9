// SPDX-License-Identifier: MIT
/*
 * Fuzz target for vccw-vm's command line (machine/config/vm-opts.c, the -device property
 * parsers of machine/devices/vm-devices.c, -qmp's of machine/monitor/vm-qmp.c): the input is split at
 * newlines into arguments, parsed by vm_parse_args() and, when that succeeds, checked as
 * a whole by vm_config_check() (drive=, chardev=, netdev= references, device numbers),
 * then, when that succeeds, the machine's backends are opened and its devices made and
 * freed as vm-machine.c does, in a sandbox: before vm_backends_open() every drive's file
 * becomes an anonymous in-memory image (memfd), every file chardev one too, socket and
 * stdio chardevs become null ones, and every netdev but loopback "none" (so nothing on the
 * host's file system, terminal or network is touched); a configuration with an NBD,
 * qcow2 or snapshot=on node (a connection, or a qemu-nbd process) is only parsed and
 * checked. Then everything is freed.
 * The options that write a file while they are parsed (-D FILE, -trace file=FILE, the
 * log) get /dev/null instead: the argument after -D, and a whole -trace argument that
 * names file= (so an input cannot truncate a file of the host).
 *
 * Checks: sanitizers (leaks included: every path frees what it parsed), no crash on any
 * argument vector, and an error message for every refused one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-sandbox.h"
#include "vccw/be-char.h"
#include "vccw/trace.h"
#include "vm-int.h"

#define MAX_ARGS 64

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/cmdline";

#define RAM_SIZE (1u << 20)

/*
 * Replace whatever a backend would open on the host by a harmless stand-in
 * (fuzz-sandbox.h). False when some backend has none (the configuration is then not
 * built).
 */
static bool sandbox(struct vm_config *cfg, struct sandbox_fds *f)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_drives; i++)
		if (!sandbox_drive(cfg->drives[i], f, 0))
			return false;
	for (i = 0; i < cfg->nr_chardevs; i++)
		sandbox_chardev(cfg->chardevs[i], f);
	for (i = 0; i < cfg->nr_netdevs; i++)
		sandbox_netdev(cfg->netdevs[i]);
	return true;
}

/* Option @arg without its one or two leading dashes, or NULL if it is not one. */
static const char *option_name(const char *arg)
{
	if (arg[0] != '-')
		return NULL;
	return arg + (arg[1] == '-' ? 2 : 1);
}

/* Keep the options that open a file for writing at parse time away from the host's. */
static void sandbox_args(char **argv, int argc)
{
	int i;

	for (i = 1; i + 1 < argc; i++) {
		const char *name = option_name(argv[i]);

		if (!name)
			continue;
		if (!strcmp(name, "D"))
			argv[i + 1] = (char *)"/dev/null";
		else if (!strcmp(name, "trace") && strstr(argv[i + 1], "file="))
			argv[i + 1] = (char *)"file=/dev/null,enable=css_*";
	}
}

/*
 * What the monitor reports of the configuration as parsed, before the sandbox changes
 * it: query-chardev's file names, query-block's node names and formats, info network.
 */
static void report(struct vm_config *cfg)
{
	static struct vm vm = { .dev_lock = PTHREAD_MUTEX_INITIALIZER };
	char name[600], *text;
	unsigned int i;

	for (i = 0; i < cfg->nr_chardevs; i++)
		vm_chardev_filename(cfg->chardevs[i], name, sizeof(name));
	for (i = 0; i < cfg->nr_drives; i++) {
		vm_drive_filename(cfg->drives[i], name, sizeof(name));
		(void)vm_drive_format(cfg->drives[i]);
	}
	vm.cfg = cfg;
	text = vm_netdev_info(&vm);
	free(text);
}

/* Bytes both ways through every open chardev (logfile= wraps the backend). */
static void chardev_io(struct vm_config *cfg)
{
	unsigned int i;
	char buf[16];

	for (i = 0; i < cfg->nr_chardevs; i++) {
		struct vccw_be_char *be = cfg->chardevs[i]->be;

		if (!be)
			continue;
		(void)vccw_be_char_write(be, "fuzz\r\n", 6);
		(void)vccw_be_char_flush(be);
		vccw_be_char_set_input(be, true);
		(void)vccw_be_char_read(be, buf, sizeof(buf));
		vccw_be_char_set_input(be, false);
	}
}

/* What vm-machine.c does with a checked configuration, but the css and the vCPUs. */
static void build(struct vm_config *cfg)
{
	static uint8_t *ram;
	static struct vccw_mem *mem;
	static struct sandbox_fds fds;
	unsigned int i;

	if (!mem) {
		ram = calloc(1, RAM_SIZE);
		mem = ram ? vccw_mem_wrap(ram, RAM_SIZE, NULL) : NULL;
		if (!mem)
			return;
	}
	report(cfg);
	if (!sandbox(cfg, &fds))
		goto out;
	/*
	 * The process's start and exit but -daemonize's fork: -name process= names this
	 * thread, -pidfile is written, locked and released, into a memfd.
	 */
	cfg->daemonize = false;
	if (cfg->pidfile) {
		free(cfg->pidfile);
		cfg->pidfile = sandbox_memfd_path(&fds, 0);
	}
	if (!vm_life_setup(cfg)) {
		vm_life_ready(cfg);
		vm_life_report_idle(cfg);
		vm_life_fini(cfg);
	}
	/* -d guest_errors: a burst of guest errors through the rate limit. */
	for (i = 0; i < 40 && vm_log_guest_errors_on(); i++)
		vm_log_guest_error("fuzz_cmdline: guest error %u", i);
	if (!vm_backends_open(cfg)) {
		chardev_io(cfg);
		for (i = 0; i < cfg->nr_devices; i++) {
			struct vm_device *dev = cfg->devices[i];
			struct vccw_virtio_dev *vdev;
			struct vccw_err err;

			if (!dev->type->create)
				continue;
			vdev = dev->type->create(mem, dev, 0, &err);
			if (vdev) {
				(void)vm_device_announce(dev);
				dev->type->destroy(dev);
			}
		}
		(void)vm_backends_close(cfg);
	}
out:
	sandbox_fds_close(&fds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	char *argv[MAX_ARGS + 2], *text, *p, msg[512];
	struct vm_config cfg;
	int argc = 1, rc, saved_out, saved_err;

	if (size > 4096)
		return 0;
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argv[0] = (char *)"vccw-vm";
	for (p = text; argc <= MAX_ARGS;) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	sandbox_args(argv, argc);
	memset(&cfg, 0, sizeof(cfg));
	/* Messages into a buffer; the rest (-help, -version, the parser's own) to /dev/null. */
	vm_error_capture(msg, sizeof(msg));
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(null_fd, STDOUT_FILENO);
	dup2(null_fd, STDERR_FILENO);
	rc = vm_parse_args(&cfg, argc, argv);
	if (!rc)
		rc = vm_config_check(&cfg);
	if (!rc)
		build(&cfg);
	/* Still into /dev/null: what the rate limit dropped, the log file closed. */
	vm_log_close();
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	vm_error_capture(NULL, 0);
	vm_config_free(&cfg);
	/* -trace and -d changed global state: back to nothing traced. */
	vccw_trace_set_state("*", false);
	free(text);
	return 0;
}
