// SPDX-License-Identifier: MIT
/*
 * Fuzz target for vccw-vm's command line (machine/config/vm-opts.c, the -device property
 * parsers of machine/devices/vm-devices.c, -qmp's of machine/monitor/vm-qmp.c): the input is split at
 * newlines into arguments, parsed by vm_parse_args() and, when that succeeds, checked as
 * a whole by vm_config_check() (drive=, chardev=, netdev= references, device numbers),
 * then freed. No backend is opened and no machine is built, so nothing touches files.
 *
 * Checks: sanitizers (leaks included: every path frees what it parsed), no crash on any
 * argument vector, and an error message for every refused one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vccw/trace.h"
#include "vm-int.h"

#define MAX_ARGS 64

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/cmdline";

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
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	vm_error_capture(NULL, 0);
	vm_config_free(&cfg);
	/* -trace changed global state: back to nothing traced. */
	vccw_trace_set_state("*", false);
	free(text);
	return 0;
}
