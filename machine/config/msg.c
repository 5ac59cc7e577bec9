// SPDX-License-Identifier: MIT
/*
 * -msg [timestamp=on|off][,guest-name=on|off], with QEMU 7.2's meaning
 * (util/error-report.c, softmmu/vl.c configure_msg()): vccw-vm's messages on stderr
 * (vm_error(), vm_report()) start with the time in ISO 8601, UTC, with microseconds
 * ("2026-12-02T15:22:36.044121Z ", GLib's g_date_time_format_iso8601(): no fraction
 * when it is zero) and/or the -name of the guest ("gg "), before "vccw-vm: ". Each -msg
 * sets both settings, an omitted one to off, as QEMU's does; a short-form boolean
 * ("timestamp", "notimestamp") is taken with QEMU's deprecation warning. Messages
 * printed before the option is read are not prefixed, as in QEMU; a monitor's error
 * reply never is.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "options.h"
#include "vm-int.h"

static bool msg_timestamp;
static bool msg_guest_name;
static char *guest_name; /* -name's guest name, for guest-name=on */

void vm_msg_set_guest_name(const char *name)
{
	char *copy = name ? strdup(name) : NULL;

	free(guest_name);
	guest_name = copy;
}

void vm_msg_prefix(FILE *f)
{
	if (msg_timestamp) {
		struct timespec ts;
		struct tm tm;
		char buf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		if (ts.tv_nsec / 1000)
			fprintf(f, "%s.%06ldZ ", buf, ts.tv_nsec / 1000);
		else
			fprintf(f, "%sZ ", buf);
	}
	if (msg_guest_name && guest_name)
		fprintf(f, "%s ", guest_name);
}

void vm_report(const char *fmt, ...)
{
	va_list ap;

	vm_msg_prefix(stderr);
	fputs(VM_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* QEMU's boolean words (qapi_bool_parse()). */
static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int vm_opt_msg(struct vm_config *cfg, const char *arg)
{
	bool ts = false, gn = false;
	char *copy, *elem, *save = NULL, what[16 + 256];
	int rc = 0;

	(void)cfg;
	/* QEMU names the option with its whole argument: "-msg timestamp=maybe: ...". */
	snprintf(what, sizeof(what), "-msg %.255s", arg);
	copy = strdup(arg);
	if (!copy) {
		vm_error("-msg", "out of memory");
		return -1;
	}
	for (elem = strtok_r(copy, ",", &save); elem; elem = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(elem, '=');
		const char *key = elem, *val = "on";
		bool v, *dst;

		if (eq) {
			*eq = '\0';
			val = eq + 1;
		} else {
			/* Short form: "key" is on, "nokey" off, with QEMU's warning. */
			vm_msg_prefix(stderr);
			fprintf(stderr, VM_NAME ": %s: warning: short-form boolean option '%s' "
				"deprecated\nPlease use %s=%s instead\n", what, elem,
				strncmp(elem, "no", 2) ? elem : elem + 2,
				strncmp(elem, "no", 2) ? "on" : "off");
			if (!strncmp(elem, "no", 2)) {
				key = elem + 2;
				val = "off";
			}
		}
		if (!strcmp(key, "timestamp")) {
			dst = &ts;
		} else if (!strcmp(key, "guest-name")) {
			dst = &gn;
		} else {
			vm_error(what, "Invalid parameter '%s'", key);
			rc = -1;
			break;
		}
		if (parse_bool(val, &v)) {
			vm_error(what, "Parameter '%s' expects 'on' or 'off'", key);
			rc = -1;
			break;
		}
		*dst = v;
	}
	free(copy);
	if (!rc) {
		msg_timestamp = ts;
		msg_guest_name = gn;
	}
	return rc;
}
