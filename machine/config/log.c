// SPDX-License-Identifier: MIT
/*
 * What vccw-vm logs, with QEMU's options: -d ITEM[,ITEM] (guest_errors, trace:PATTERN),
 * -D FILE (the log goes there instead of stderr) and -trace [enable=]PATTERN,
 * events=FILE, file=FILE (QEMU's "log" trace backend: traced lines go to the same log).
 *
 * libvccw never prints: it reports through its trace layer (include/vccw/trace.h), and
 * the architected errors a guest causes (program checks on I/O instructions, channel-
 * program checks, unit checks, NEEDS_RESET, a bad DIAGNOSE 0x500) are the events of its
 * "guest" category. -d guest_errors enables that category; this file's sink writes them
 * to the log through a token bucket, so that a guest cannot flood the host's stderr or
 * disk: VM_LOG_BURST lines at once, VM_LOG_RATE a second after that, and before the next
 * line that passes (and at exit) one line saying how many were held back. vccw-vm's own
 * guest errors (the s390x back-end's program interruptions) go through the same bucket
 * (vm_log_guest_error()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "vccw/trace.h"
#include "vm-int.h"

static struct {
	pthread_mutex_t lock;
	FILE *file;            /* -D / -trace file=; NULL: stderr */
	uint64_t tokens;       /* in millionths of a line */
	uint64_t last_ns;      /* when the bucket was last filled */
	unsigned long dropped; /* held back since the last line that passed */
} vm_log = { .lock = PTHREAD_MUTEX_INITIALIZER, .tokens = VM_LOG_BURST * 1000000ull };

static FILE *log_file(void)
{
	return vm_log.file ? vm_log.file : stderr;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void print_dropped_locked(void)
{
	if (!vm_log.dropped)
		return;
	fprintf(log_file(), VM_NAME ": guest_errors: %lu messages suppressed (rate limit: %d "
		"lines a second after a burst of %d)\n", vm_log.dropped, VM_LOG_RATE, VM_LOG_BURST);
	vm_log.dropped = 0;
}

/* One guest-error line through the token bucket. Context: any thread, vm_log.lock free. */
static void guest_error_line(const char *line)
{
	uint64_t now, add;

	pthread_mutex_lock(&vm_log.lock);
	now = mono_ns();
	/* Refill: VM_LOG_RATE lines a second, at most VM_LOG_BURST in the bucket. */
	if (vm_log.last_ns) {
		add = (now - vm_log.last_ns) / 1000u * VM_LOG_RATE;
		vm_log.tokens += add;
		if (vm_log.tokens > VM_LOG_BURST * 1000000ull)
			vm_log.tokens = VM_LOG_BURST * 1000000ull;
	}
	vm_log.last_ns = now;
	if (vm_log.tokens < 1000000u) {
		vm_log.dropped++;
	} else {
		vm_log.tokens -= 1000000u;
		print_dropped_locked();
		fprintf(log_file(), "%s\n", line);
	}
	pthread_mutex_unlock(&vm_log.lock);
}

void vm_log_guest_error(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!vm_log_guest_errors_on())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	guest_error_line(line);
}

bool vm_log_guest_errors_on(void)
{
	unsigned int id, nr = vccw_trace_nr_events();

	/* On when the library's guest events are (-d guest_errors, -trace guest_*). */
	for (id = 0; id < nr; id++)
		if (!strcmp(vccw_trace_event_get(id)->category, "guest"))
			return vccw_trace_get_state(id);
	return false;
}

/*
 * The sink of every traced line. Guest errors pass the rate limit; other events are
 * written as QEMU's log backend writes them: PID@SECONDS.MICROS:line.
 */
static void log_sink(void *opaque, unsigned int id, const char *line)
{
	const struct vccw_trace_event *ev = vccw_trace_event_get(id);
	struct timespec ts;

	(void)opaque;
	if (ev && !strcmp(ev->category, "guest")) {
		guest_error_line(line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&vm_log.lock);
	fprintf(log_file(), "%d@%lld.%06ld:%s\n", (int)getpid(), (long long)ts.tv_sec,
		ts.tv_nsec / 1000, line);
	pthread_mutex_unlock(&vm_log.lock);
}

void vm_log_init(void)
{
	vccw_trace_set_sink(log_sink, NULL);
}

void vm_log_close(void)
{
	/* No sink from here on: a late line cannot reach a closed file. */
	vccw_trace_set_sink(NULL, NULL);
	pthread_mutex_lock(&vm_log.lock);
	print_dropped_locked();
	if (vm_log.file)
		fclose(vm_log.file);
	vm_log.file = NULL;
	fflush(stderr);
	pthread_mutex_unlock(&vm_log.lock);
}

/* -D FILE and -trace file=FILE: the log goes to FILE (truncated), line-buffered. */
static int set_log_file(const char *what, const char *path)
{
	FILE *f;

	if (!*path) {
		vm_error(what, "no file given");
		return -1;
	}
	f = fopen(path, "we");
	if (!f) {
		vm_error(what, "cannot open log file '%s': %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	pthread_mutex_lock(&vm_log.lock);
	if (vm_log.file)
		fclose(vm_log.file);
	vm_log.file = f;
	pthread_mutex_unlock(&vm_log.lock);
	return 0;
}

static void trace_help(void)
{
	unsigned int i;

	printf("Trace events (-trace [enable=]PATTERN: a glob on the name, or a category;\n"
	       "categories css, ccw, irq, crw, virtio, vccw, guest):\n");
	for (i = 0; i < vccw_trace_nr_events(); i++) {
		const struct vccw_trace_event *ev = vccw_trace_event_get(i);

		printf("  %-24s %s\n", ev->name, ev->category);
	}
}

/* One pattern, a leading '-' disabling what it matches (QEMU's events-file syntax). */
static int trace_pattern(const char *what, const char *pattern)
{
	bool on = true;

	if (!pattern || !*pattern || !strcmp(pattern, "-")) {
		vm_error(what, "no event pattern (-trace [enable=]PATTERN; -trace help lists "
			 "the events)");
		return -1;
	}
	if (pattern[0] == '-') {
		on = false;
		pattern++;
	}
	if (!vccw_trace_set_state(pattern, on)) {
		vm_error(what, "'%s' matches no trace event (-trace help lists them)", pattern);
		return -1;
	}
	return 0;
}

/* events=FILE: one pattern a line; blank lines and '#' comments skipped, as QEMU. */
static int trace_events_file(const char *path)
{
	char line[256], what[300];
	unsigned int nr = 0;
	struct stat st;
	FILE *f;
	int rc = 0;

	if (!*path) {
		vm_error("-trace", "events=: no file given");
		return -1;
	}
	f = fopen(path, "re");
	if (!f) {
		vm_error("-trace", "events=%s: %s", path, strerror(errno));
		return -1;
	}
	/* A regular file only: a device or a FIFO (/dev/zero, a pipe) would never end. */
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		vm_error("-trace", "events=%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		nr++;
		if (!strchr(line, '\n') && !feof(f)) {
			vm_error("-trace", "events=%s:%u: line longer than %zu bytes", path, nr,
				 sizeof(line) - 2);
			rc = -1;
			break;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, "\r\n");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (!*p || *p == '#')
			continue;
		snprintf(what, sizeof(what), "-trace events=%s:%u", path, nr);
		rc = trace_pattern(what, p);
	}
	fclose(f);
	return rc;
}

int vm_opt_trace(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	const char *pattern, *events, *file;
	int rc = -1;

	(void)cfg;
	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		trace_help();
		return 1;
	}
	if (vm_kv_parse("-trace", arg, "enable", &l))
		return -1;
	pattern = vm_kv_get(&l, "enable");
	events = vm_kv_get(&l, "events");
	file = vm_kv_get(&l, "file");
	if (vm_kv_check_unused("-trace", &l))
		goto out;
	if (!pattern && !events && !file) {
		vm_error("-trace", "no event pattern (-trace [enable=]PATTERN; -trace help lists "
			 "the events)");
		goto out;
	}
	if ((pattern && trace_pattern("-trace", pattern)) || (events && trace_events_file(events)) ||
	    (file && set_log_file("-trace", file)))
		goto out;
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

static void d_help(void)
{
	printf("Log items (comma separated):\n"
	       "guest_errors    log when the guest does something invalid (program checks of\n"
	       "                I/O instructions, channel-program checks, unit checks,\n"
	       "                NEEDS_RESET, bad DIAGNOSE 0x500); at most %d lines at once,\n"
	       "                then %d a second, and a line counting those held back\n"
	       "trace:PATTERN   enable trace events\n"
	       "\nUse \"-d trace:help\" to get a list of trace events.\n",
	       VM_LOG_BURST, VM_LOG_RATE);
}

/* QEMU's other log items: TCG and user-mode internals vccw-vm does not have. */
static const char *const d_refused[] = {
	"out_asm", "in_asm", "op", "op_opt", "op_ind", "int", "exec", "cpu", "fpu", "mmu",
	"pcall", "cpu_reset", "unimp", "page", "nochain", "plugin", "strace", "tid", NULL,
};

/* -d ITEM[,ITEM...]; "-d help" lists them. */
static int opt_d(struct vm_config *cfg, const char *arg)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	(void)cfg;
	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		d_help();
		return 1;
	}
	if (!*arg) {
		vm_error("-d", "no log item given (-d help lists them)");
		return -1;
	}
	copy = strdup(arg);
	if (!copy) {
		vm_error("-d", "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
		const char *const *r;

		if (!strcmp(item, "guest_errors")) {
			vccw_trace_enable("guest");
			continue;
		}
		if (!strncmp(item, "trace:", 6)) {
			if (!strcmp(item + 6, "help")) {
				trace_help();
				rc = 1;
			} else {
				rc = trace_pattern("-d", item + 6);
			}
			continue;
		}
		for (r = d_refused; *r; r++)
			if (!strcmp(*r, item))
				break;
		if (*r)
			vm_error("-d", "log item '%s' is not supported (vccw-vm logs guest_errors "
				 "and trace:PATTERN)", item);
		else
			vm_error("-d", "unknown log item '%s' (-d help lists them)", item);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int opt_D(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	return set_log_file("-D", arg);
}

const struct vm_option vm_log_options[] = {
	{ "d", "ITEM[,ITEM...]", opt_d,
	  "log items: guest_errors (rate limited), trace:PATTERN (-d help lists them)" },
	{ "D", "FILE", opt_D, "write the log (-d, -trace) to FILE instead of stderr" },
	{ "msg", "[timestamp=on|off][,guest-name=on|off]", vm_opt_msg,
	  "start messages with the time (ISO 8601, UTC) and/or the -name guest name" },
	{ NULL, NULL, NULL, NULL },
};
