// SPDX-License-Identifier: MIT
/*
 * vccw-vm: the VMM. Reads a QEMU-style command line, builds the machine (guest RAM, the
 * channel subsystem, virtio-ccw devices, vCPU threads), runs the built-in native guest
 * program on vCPU 0 and shuts down cleanly when the program ends (its status becomes
 * ours) or on SIGINT, SIGTERM or SIGHUP: vCPUs stopped between instructions, devices
 * detached and freed, block backends flushed so every write the guest saw complete is
 * stable, then the css and guest RAM freed.
 *
 * Exit status: the guest program's; 2 for a configuration error (nothing started);
 * 1 for a host failure while building the machine; 0 after a signal.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vm-int.h"

/*
 * Wait until the guest program ends (unless -no-shutdown) or a shutdown signal comes.
 * Returns the signal number, or 0 when the program ended.
 */
static int wait_for_shutdown(struct vm *vm, int sig_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = vm->done_fd, .events = POLLIN },
	};
	bool watch_done = !vm->cfg->no_shutdown;

	for (;;) {
		struct signalfd_siginfo si;
		uint64_t v;

		if (poll(pfd, watch_done ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, VM_NAME ": poll: %s\n", strerror(errno));
			return SIGTERM;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				return (int)si.ssi_signo;
		}
		if (watch_done && (pfd[1].revents & POLLIN)) {
			if (read(vm->done_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm vm;
	sigset_t set;
	int rc, sig_fd, sig, status = 0;

	memset(&cfg, 0, sizeof(cfg));
	memset(&vm, 0, sizeof(vm));
	vm.done_fd = -1;
	vm.cfg = &cfg;

	/* Everything about the command line is settled before anything starts. */
	rc = vm_parse_args(&cfg, argc, argv);
	if (!rc)
		rc = vm_config_check(&cfg);
	if (rc) {
		vm_config_free(&cfg);
		return rc > 0 ? 0 : VM_EXIT_CONFIG;
	}

	/* Shutdown signals go to the signalfd only; every thread started later inherits this. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0) {
		fprintf(stderr, VM_NAME ": signalfd: %s\n", strerror(errno));
		vm_config_free(&cfg);
		return 1;
	}
	/* A chardev peer that went away must not kill the machine. */
	signal(SIGPIPE, SIG_IGN);

	if (vm_backends_open(&cfg)) {
		close(sig_fd);
		vm_config_free(&cfg);
		return VM_EXIT_CONFIG;
	}
	if (vm_machine_create(&vm) || vm_cpus_start(&vm)) {
		status = 1;
		goto out;
	}

	sig = wait_for_shutdown(&vm, sig_fd);
	if (sig)
		fprintf(stderr, VM_NAME ": terminating on signal %d\n", sig);
	vm_cpus_stop(&vm);
	/* After a signal the status is 0, unless the program had ended (-no-shutdown). */
	if (vm.cpus[0].exited)
		status = vm.cpus[0].exit_code & 0xff;
out:
	vm_cpus_stop(&vm);
	vm_machine_destroy(&vm);
	vm_backends_close(&cfg);
	close(sig_fd);
	vm_config_free(&cfg);
	return status;
}
