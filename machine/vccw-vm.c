// SPDX-License-Identifier: MIT
/*
 * vccw-vm: the VMM. Reads a QEMU-style command line, builds the machine (guest RAM, the
 * channel subsystem, virtio-ccw devices, vCPU threads), runs the built-in native guest
 * program on vCPU 0, serves the QMP monitor (-qmp) on its own thread, and shuts down
 * cleanly when the program ends (its status becomes ours), on SIGINT, SIGTERM or SIGHUP,
 * or on the monitor's quit: monitor clients told (SHUTDOWN) and the monitor stopped,
 * vCPUs stopped between instructions, devices detached and freed, block backends
 * flushed so every write the guest saw complete is stable, then the css and guest RAM
 * freed.
 *
 * Exit status: the guest program's; 2 for a configuration error (nothing started);
 * 1 for a host failure while building the machine or when a drive cannot be flushed at
 * the end (a write the guest saw complete may not be stable); 0 after a signal or quit,
 * or a guest re-IPL under -no-reboot. Under -daemonize the command's status is 0 once
 * the machine runs, 1 if it failed before (config/lifecycle.c).
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

/* What ended the run (besides a signal number). */
#define SHUTDOWN_PROGRAM 0
#define SHUTDOWN_QUIT (-1)
#define SHUTDOWN_ERROR (-2) /* the wait itself failed: a host error */

/*
 * -no-shutdown: the guest program ended, the machine stays. As QEMU with its default
 * panic action under -no-shutdown: a clean end is a guest shutdown (SHUTDOWN, then STOP,
 * state "shutdown"), a failing one a panic (GUEST_PANICKED with action pause, STOP,
 * state "guest-panicked"). system_reset starts the program again.
 */
static void guest_ended(struct vm *vm)
{
	bool failed;

	pthread_mutex_lock(&vm->lock);
	failed = vm->cpus[0].exited && vm->cpus[0].exit_code != 0;
	pthread_mutex_unlock(&vm->lock);

	if (failed)
		vm_qmp_event(vm->qmp, "GUEST_PANICKED", "action", "pause");
	else
		vm_qmp_shutdown_event(vm->qmp, "guest-shutdown");
	if (vm_runstate_stop(vm, failed ? VM_RUN_GUEST_PANICKED : VM_RUN_SHUTDOWN))
		vm_qmp_event(vm->qmp, "STOP", NULL, NULL);
}

/*
 * Wait until the guest program ends (unless -no-shutdown), a shutdown signal comes or
 * the monitor's quit. Returns the signal number, SHUTDOWN_PROGRAM, SHUTDOWN_QUIT or
 * SHUTDOWN_ERROR.
 */
static int wait_for_shutdown(struct vm *vm, int sig_fd)
{
	struct pollfd pfd[3] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = vm->quit_fd, .events = POLLIN },
		{ .fd = vm->done_fd, .events = POLLIN },
	};

	for (;;) {
		struct signalfd_siginfo si;
		uint64_t v;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			vm_report("waiting for shutdown: %s\n", strerror(errno));
			return SHUTDOWN_ERROR;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				return (int)si.ssi_signo;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(vm->quit_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
				return SHUTDOWN_QUIT;
		}
		if (pfd[2].revents & POLLIN) {
			if (read(vm->done_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
				continue;
			if (!vm->cfg->no_shutdown)
				return SHUTDOWN_PROGRAM;
			guest_ended(vm);
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
	vm.quit_fd = -1;
	vm.cfg = &cfg;

	/* Everything about the command line is settled before anything starts. */
	rc = vm_parse_args(&cfg, argc, argv);
	if (!rc)
		rc = vm_config_check(&cfg);
	if (rc) {
		vm_config_free(&cfg);
		return rc > 0 ? 0 : VM_EXIT_CONFIG;
	}
	/* -daemonize forks here, before any thread; -pidfile is taken by the daemon. */
	if (vm_life_setup(&cfg)) {
		vm_life_fini(&cfg);
		vm_config_free(&cfg);
		return VM_EXIT_CONFIG;
	}

	/* Shutdown signals go to the signalfd only; every thread started later inherits this. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0) {
		vm_report("signalfd: %s\n", strerror(errno));
		vm_life_fini(&cfg);
		vm_config_free(&cfg);
		return 1;
	}
	/* A chardev peer that went away must not kill the machine. */
	signal(SIGPIPE, SIG_IGN);

	/* The monitor's socket is part of the configuration: a bad path exits 2 here. */
	if (cfg.qmp_path || cfg.nr_monitors) {
		vm.qmp = vm_qmp_open(&vm, cfg.qmp_path);
		if (!vm.qmp) {
			close(sig_fd);
			vm_life_fini(&cfg);
			vm_config_free(&cfg);
			return VM_EXIT_CONFIG;
		}
	}
	if (vm_backends_open(&cfg)) {
		vm_qmp_free(vm.qmp);
		close(sig_fd);
		vm_life_fini(&cfg);
		vm_config_free(&cfg);
		return VM_EXIT_CONFIG;
	}
	rc = vm_machine_create(&vm);
	if (!rc)
		vm_runstate_init(&vm); /* -S: the vCPUs start stopped, in prelaunch */
	if (rc || vm_cpus_start(&vm) || (vm.qmp && vm_qmp_start(vm.qmp))) {
		status = 1;
		goto out;
	}
	vm_life_report_idle(&cfg);
	vm_life_ready(&cfg); /* -daemonize: the parent exits 0 now */

	sig = wait_for_shutdown(&vm, sig_fd);
	if (sig > 0)
		vm_report("terminating on signal %d\n", sig);
	vm_qmp_shutdown_event(vm.qmp, sig > 0 ? "host-signal" :
				      sig == SHUTDOWN_QUIT ? "host-qmp-quit" :
				      sig == SHUTDOWN_ERROR ? "host-error" : "guest-shutdown");
	/* No hot plug from here on: the monitor ends before the devices are taken down. */
	vm_qmp_free(vm.qmp);
	vm.qmp = NULL;
	vm_cpus_stop(&vm);
	/* After a signal the status is 0, unless the program had ended (-no-shutdown). */
	if (vm.cpus[0].exited)
		status = vm.cpus[0].exit_code & 0xff;
	if (sig == SHUTDOWN_ERROR)
		status = 1;
out:
	vm_qmp_free(vm.qmp);
	vm.qmp = NULL;
	vm_cpus_stop(&vm);
	vm_machine_destroy(&vm);
	/* A write the guest saw complete that cannot be made stable is a failure. */
	if (vm_backends_close(&cfg))
		status = 1;
	close(sig_fd);
	vm_log_close();
	vm_life_fini(&cfg);
	vm_config_free(&cfg);
	return status;
}
