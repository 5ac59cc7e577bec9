/* SPDX-License-Identifier: MIT */
/*
 * The command line's option tables and the helpers that live beside vm-opts.c: every
 * option is one struct vm_option row. vm-opts.c holds the core table (machine, devices,
 * backends); log.c (-d, -D, -trace), lifecycle.c (-name, -daemonize, -pidfile,
 * -no-reboot) and help.c (-h, -version, -device help, the options QEMU has and we
 * refuse by name) add their own rows, found by vm_option_find().
 */
#ifndef VM_OPTIONS_H
#define VM_OPTIONS_H

#include <stdbool.h>

struct vm_config;

struct vm_option {
	const char *name; /* without the leading dash */
	const char *arg;  /* NULL: takes no argument */
	/* Returns 0; 1 after a help or version answer (exit 0); -1 after vm_error(). */
	int (*parse)(struct vm_config *cfg, const char *arg);
	const char *help;
};

/* The rows of log.c, lifecycle.c and help.c; each table ends with a NULL name. */
extern const struct vm_option vm_log_options[];
extern const struct vm_option vm_life_options[];
extern const struct vm_option vm_help_options[];
/* -msg (msg.c), listed with the log's options. */
int vm_opt_msg(struct vm_config *cfg, const char *arg);

/*
 * The option called @name (no leading dash) among the extra tables above, or NULL.
 * vm-opts.c asks this after its own table.
 */
const struct vm_option *vm_option_find_extra(const char *name);

/*
 * @name (no dash) is an option QEMU 7.2 has and vccw-vm does not: prints
 * "vccw-vm: -NAME: option not supported (...)" and returns true.
 */
bool vm_option_refused(const char *name);

/* -h / -help: every option of @core (@nr rows) and of the extra tables, by group. */
void vm_help_print(const struct vm_option *core, unsigned int nr);
/* -version: the version and copyright lines, QEMU's wording. */
void vm_version_print(void);

/*
 * "-device TYPE,help" (or "TYPE,?"): print TYPE's properties and return 1; an unknown
 * TYPE is an error (-1). Returns 0 when @arg is not a help request.
 */
int vm_device_help_arg(const char *arg);
/* "-device help": the device types grouped as QEMU groups them. */
void vm_device_help_list(void);

/* Install the trace and log sink; called once before the options are parsed. */
void vm_log_init(void);
/* -nographic: no effect but refusing -daemonize with it, as QEMU (lifecycle.c). */
int vm_opt_nographic(struct vm_config *cfg, const char *arg);
/* The -trace option's parser (table row in vm-opts.c). */
int vm_opt_trace(struct vm_config *cfg, const char *arg);

#endif /* VM_OPTIONS_H */
