// SPDX-License-Identifier: MIT
/*
 * The built-in native guest programs -kernel native:NAME can run: one table. Programs
 * are guest code (guest/, tests/conformance/ and machine/guest/), built into the native
 * guest library and run on vCPU 0 by guest_native_run().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-int.h"

int guest_builtin_true_main(void);
int guest_builtin_false_main(void);
int guest_builtin_hello_main(void);
int guest_builtin_idle_main(void);
int guest_demo_main(void);
int guest_hotplug_main(void);
int guest_builtin_lscss_main(void);
int guest_builtin_lschp_main(void);
int guest_conformance_main(void);
int guest_lsall_main(void);
int guest_agent_main(void);
int guest_stamp_main(void);
int guest_errors_main(void);
int guest_blkcheck_main(void);
int guest_netpeer_main(void);
int guest_netecho_main(void);
int guest_blkbench_main(void);

static const struct vm_program vm_programs[] = {
	{ "demo", guest_demo_main, "the demo: lscss, then each device driven by its driver" },
	{ "hotplug", guest_hotplug_main,
	  "the demo, then report devices plugged and unplugged (keeping the first disk busy) "
	  "until the machine ends" },
	{ "agent", guest_agent_main,
	  "answer the host until the machine ends: echo lines on named console ports, follow "
	  "the balloon's target, answer its statistics requests" },
	{ "lscss", guest_builtin_lscss_main,
	  "find the devices, bind the drivers, list the subchannels like s390-tools' lscss" },
	{ "lschp", guest_builtin_lschp_main, "list the channel paths like s390-tools' lschp" },
	{ "lsall", guest_lsall_main, "bind the drivers, then print lscss and lschp" },
	{ "conformance", guest_conformance_main,
	  "the conformance suite (tests/conformance; also runs bare-metal under QEMU)" },
	{ "true", guest_builtin_true_main, "end at once with status 0" },
	{ "false", guest_builtin_false_main, "end at once with status 1" },
	{ "hello", guest_builtin_hello_main, "print a line on the machine console, end with 0" },
	{ "stamp", guest_stamp_main,
	  "write stamped sectors to the first disk, reporting each completed write on the "
	  "console (the crash-consistency test)" },
	{ "guest-errors", guest_errors_main,
	  "a hostile guest: 500 SSCH with a misaligned ORB and 500 DIAGNOSE 0x500 with an "
	  "unknown subcode, each a program check (-d guest_errors logs them)" },
	{ "blkcheck", guest_blkcheck_main,
	  "list the disks' features, then write, flush, read back, write zeroes and discard "
	  "on the first (the storage tests)" },
	{ "netpeer", guest_netpeer_main,
	  "greet a peer over the first NIC until both heard each other (network tests)" },
	{ "netecho", guest_netecho_main,
	  "be 10.0.2.15 on user networking and echo one UDP datagram sent to port 7" },
	{ "blkbench", guest_blkbench_main,
	  "load the first disk (-append \"rw=randread|randwrite|read|write bs=4k qd=32 queues=1 "
	  "ops=20000 size=64m\"): IOPS, bandwidth, latency p50/p99; reads checked" },
	{ "idle", guest_builtin_idle_main,
	  "enable interruptions and wait for them until the machine is stopped" },
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

	printf("Built-in programs (-kernel native:NAME):\n");
	for (p = vm_programs; p->name; p++)
		printf("  %-12s %s\n", p->name, p->help);
}

int vm_program_run(const struct guest_native_host *host, const struct vm_program *prog)
{
	return guest_native_run(host, prog->main);
}

void vm_program_stop(void)
{
	guest_native_stop(0);
}
