// SPDX-License-Identifier: MIT
/*
 * The process around the machine, with QEMU's options and meaning:
 *   -name NAME[,process=TITLE][,debug-threads=on|off]  the name query-name answers, the
 *       process title (prctl PR_SET_NAME, as QEMU sets it) and, with debug-threads=on,
 *       the vCPU threads' names ("CPU 0/vccw", QEMU names them "CPU 0/TCG");
 *   -daemonize  fork once the command line is checked; the parent waits and exits 0 once
 *       the machine runs (1 if it failed to start: its messages reached the terminal),
 *       the daemon leaves the session, changes to / and puts stdio on /dev/null;
 *   -pidfile FILE  the daemon's (or our) pid, the file locked while we run (a second
 *       vccw-vm with the same file is refused) and removed at exit;
 *   -no-reboot  a guest re-IPL (DIAGNOSE 0x308 subcode 3) ends vccw-vm with status 0
 *       instead of resetting the machine (boot/vm-ipl.c asks cfg->no_reboot); subcodes 0
 *       and 1 are subsystem resets that QEMU, too, carries out under -no-reboot.
 */
#define _GNU_SOURCE /* pipe2(), pthread_setname_np() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "vm-int.h"

/* -daemonize: the write end of the pipe the waiting parent reads; -1 when none. */
static int ready_fd = -1;
/* -pidfile: the locked file and its absolute path (we change to / when daemonized). */
static int pid_fd = -1;
static char *pid_path;

static char *xstrdup_or_fail(const char *what, const char *s)
{
	char *p = strdup(s);

	if (!p)
		vm_error(what, "out of memory");
	return p;
}

/* -name [guest=]NAME[,process=TITLE][,debug-threads=on|off] */
static int opt_name(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	const char *name, *process, *dbg;
	int rc = -1;

	if (vm_kv_parse("-name", arg, "guest", &l))
		return -1;
	name = vm_kv_get(&l, "guest");
	process = vm_kv_get(&l, "process");
	dbg = vm_kv_get(&l, "debug-threads");
	if (vm_kv_check_unused("-name", &l))
		goto out;
	if (dbg && vm_parse_bool("-name", "debug-threads", dbg, &cfg->debug_threads))
		goto out;
	if (name) {
		free(cfg->name);
		cfg->name = xstrdup_or_fail("-name", name);
		if (!cfg->name)
			goto out;
		vm_msg_set_guest_name(name); /* -msg guest-name=on */
	}
	if (process) {
		free(cfg->process_name);
		cfg->process_name = xstrdup_or_fail("-name", process);
		if (!cfg->process_name)
			goto out;
	}
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

static int opt_daemonize(struct vm_config *cfg, const char *arg)
{
	(void)arg;
	cfg->daemonize = true;
	return 0;
}

static int opt_pidfile(struct vm_config *cfg, const char *arg)
{
	if (!*arg) {
		vm_error("-pidfile", "no file given");
		return -1;
	}
	free(cfg->pidfile);
	cfg->pidfile = xstrdup_or_fail("-pidfile", arg);
	return cfg->pidfile ? 0 : -1;
}

static int opt_no_reboot(struct vm_config *cfg, const char *arg)
{
	(void)arg;
	cfg->no_reboot = true;
	return 0;
}

int vm_opt_nographic(struct vm_config *cfg, const char *arg)
{
	(void)arg;
	cfg->nographic = true;
	return 0;
}

const struct vm_option vm_life_options[] = {
	{ "name", "NAME[,process=TITLE][,debug-threads=on|off]", opt_name,
	  "the guest's name (QMP query-name); process= sets the process title, "
	  "debug-threads=on names the vCPU threads" },
	{ "daemonize", NULL, opt_daemonize,
	  "run in the background once the machine is up (the command exits 0 then)" },
	{ "pidfile", "FILE", opt_pidfile,
	  "write the process id to FILE, locked while running, removed at exit" },
	{ "no-reboot", NULL, opt_no_reboot,
	  "a guest reboot (re-IPL, DIAGNOSE 0x308) ends vccw-vm instead of resetting" },
	{ NULL, NULL, NULL, NULL },
};

int vm_life_pidfile(struct vm_config *cfg)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32], abs[PATH_MAX];
	int fd, n;

	if (!cfg->pidfile)
		return 0;
	fd = open(cfg->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		vm_error("-pidfile", "cannot create PID file '%s': %s", cfg->pidfile,
			 strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl)) {
		int err = errno;

		if (err == EACCES || err == EAGAIN)
			vm_error("-pidfile", "cannot lock PID file '%s': another process holds it "
				 "(is a vccw-vm with this -pidfile running?)", cfg->pidfile);
		else
			vm_error("-pidfile", "cannot lock PID file '%s': %s", cfg->pidfile,
				 strerror(err));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || write(fd, buf, (size_t)n) != n) {
		vm_error("-pidfile", "cannot write PID file '%s': %s", cfg->pidfile,
			 strerror(errno));
		unlink(cfg->pidfile);
		close(fd);
		return -1;
	}
	/* Removed by its absolute name at exit: the daemon's working directory is /. */
	pid_path = realpath(cfg->pidfile, abs) ? strdup(abs) : NULL;
	pid_fd = fd;
	return 0;
}

/*
 * -daemonize, before any thread exists: fork; the parent waits for the daemon's word
 * (one byte: 0 up, anything else or EOF failed) and exits with 0 or 1. The daemon
 * forks again so that it is no session leader and can never get a controlling terminal.
 */
static int daemonize(void)
{
	int pfd[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC)) {
		vm_error("-daemonize", "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		vm_error("-daemonize", "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		do
			n = read(pfd[0], &c, 1);
		while (n < 0 && errno == EINTR);
		/* The daemon printed why it failed (its stderr is still ours). */
		_exit(n == 1 && c == 0 ? 0 : 1);
	}
	close(pfd[0]);
	if (setsid() < 0) {
		vm_error("-daemonize", "setsid: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		vm_error("-daemonize", "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0); /* the session leader goes; the pipe's write end lives on below */
	ready_fd = pfd[1];
	return 0;
}

/* What QEMU refuses with -daemonize: a console on the terminal the daemon leaves. */
static int daemonize_check(const struct vm_config *cfg)
{
	unsigned int i;

	if (cfg->nographic) {
		vm_report("-nographic cannot be used with -daemonize\n");
		return -1;
	}
	for (i = 0; i < cfg->nr_chardevs; i++) {
		if (cfg->chardevs[i]->kind == VM_CHARDEV_STDIO) {
			vm_error(cfg->chardevs[i]->what, "cannot use stdio with -daemonize");
			return -1;
		}
	}
	return 0;
}

int vm_life_setup(struct vm_config *cfg)
{
	if (cfg->daemonize && (daemonize_check(cfg) || daemonize()))
		return -1;
	/* QEMU names the process after -name's process= (PR_SET_NAME: 15 characters). */
	if (cfg->process_name)
		prctl(PR_SET_NAME, (unsigned long)cfg->process_name, 0, 0, 0);
	return vm_life_pidfile(cfg);
}

void vm_life_ready(struct vm_config *cfg)
{
	char ok = 0;
	int fd;

	if (!cfg->daemonize || ready_fd < 0)
		return;
	/* As QEMU's os_setup_post(): out of the way of unmounts, stdio on /dev/null. */
	if (chdir("/"))
		vm_error("-daemonize", "chdir /: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	while (write(ready_fd, &ok, 1) < 0 && errno == EINTR)
		;
	close(ready_fd);
	ready_fd = -1;
}

void vm_life_fini(struct vm_config *cfg)
{
	(void)cfg;
	if (pid_fd >= 0) {
		if (pid_path)
			unlink(pid_path);
		close(pid_fd);
		pid_fd = -1;
	}
	free(pid_path);
	pid_path = NULL;
	/* A daemon that ends before it was up: the parent sees EOF and exits 1. */
	if (ready_fd >= 0) {
		close(ready_fd);
		ready_fd = -1;
	}
}

void vm_life_report_idle(const struct vm_config *cfg)
{
	if (cfg->program || cfg->kernel_path || vm_ipl_wanted(cfg))
		return;
	vm_report("no guest to run (no -kernel, no -bios and no device with "
		"bootindex): the vCPUs stay stopped; waiting for %s\n",
		cfg->qmp_path ? "the QMP monitor (quit), SIGINT, SIGTERM or SIGHUP" :
				"SIGINT, SIGTERM or SIGHUP");
}

void vm_life_name_thread(const struct vm_config *cfg, unsigned int index)
{
	char name[16];

	if (!cfg->debug_threads)
		return;
	snprintf(name, sizeof(name), "CPU %u/vccw", index);
	pthread_setname_np(pthread_self(), name);
}
