// SPDX-License-Identifier: MIT
/*
 * The built-in native guest programs -kernel native:NAME can run: one table. Programs
 * are guest code (guest/ and machine/guest/), built into the native guest library and
 * run on vCPU 0 by guest_native_run(); which ones this build has is decided by the
 * build (vm-features.h), since the guest code is being written alongside the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-features.h"
#include "vm-int.h"

#ifdef VM_HAVE_GUEST_RUNTIME
/*
 * The native runtime's exit (guest/include/guest/arch.h), the one way to unwind a guest
 * program from an entry point until native-host.h grows a stop call of its own.
 */
void guest_arch_exit(int code) __attribute__((noreturn));
int guest_builtin_true_main(void);
int guest_builtin_false_main(void);
int guest_builtin_hello_main(void);
int guest_builtin_idle_main(void);
#endif
#ifdef VM_HAVE_GUEST_DEMO
int guest_demo_main(void);
#endif
#ifdef VM_HAVE_GUEST_TOOLS
int guest_builtin_lscss_main(void);
int guest_builtin_lschp_main(void);
#endif

static const struct vm_program vm_programs[] = {
#ifdef VM_HAVE_GUEST_DEMO
	{ "demo", guest_demo_main, "the demo: lscss, then each device driven by its driver" },
#endif
#ifdef VM_HAVE_GUEST_TOOLS
	{ "lscss", guest_builtin_lscss_main,
	  "find the devices, bind the drivers, list the subchannels like s390-tools' lscss" },
	{ "lschp", guest_builtin_lschp_main, "list the channel paths like s390-tools' lschp" },
#endif
#ifdef VM_HAVE_GUEST_RUNTIME
	{ "true", guest_builtin_true_main, "end at once with status 0" },
	{ "false", guest_builtin_false_main, "end at once with status 1" },
	{ "hello", guest_builtin_hello_main, "print a line on the machine console, end with 0" },
	{ "idle", guest_builtin_idle_main,
	  "enable interruptions and wait for them until the machine is stopped" },
#endif
	{ NULL, NULL, NULL },
};

const struct vm_program *vm_program_find(const char *name)
{
	const struct vm_program *p;

	for (p = vm_programs; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

void vm_programs_help(void)
{
	const struct vm_program *p;

	if (!vm_programs[0].name) {
		printf("No built-in programs: this build has no native guest runtime.\n");
		return;
	}
	printf("Built-in programs (-kernel native:NAME):\n");
	for (p = vm_programs; p->name; p++)
		printf("  %-10s %s\n", p->name, p->help);
}

bool vm_have_guest_runtime(void)
{
#ifdef VM_HAVE_GUEST_RUNTIME
	return true;
#else
	return false;
#endif
}

int vm_program_run(const struct guest_native_host *host, const struct vm_program *prog)
{
#ifdef VM_HAVE_GUEST_RUNTIME
	return guest_native_run(host, prog->main);
#else
	(void)host;
	(void)prog;
	return 1;
#endif
}

void vm_program_stop(void)
{
#ifdef VM_HAVE_GUEST_RUNTIME
	guest_arch_exit(0);
#else
	abort(); /* no runtime: no entry point can be running */
#endif
}
