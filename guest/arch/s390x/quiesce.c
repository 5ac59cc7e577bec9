// SPDX-License-Identifier: MIT
/*
 * s390x only: what an operating system does with the machine's powerdown request. The
 * program registers for the SCLP signal-quiesce event (event type 0x1d, as Linux's
 * drivers/s390/char/sclp_quiesce.c does; the console's Write Event Mask asks for it),
 * says it is ready, waits in enabled waits until a service signal with the
 * event-pending bit leads it to read the event, then powers the machine off the way
 * the command line (-append, read at 0x10480) says:
 *   stop       SIGP STOP of its own CPU (Linux's default power-off action, stop_run())
 *   stopstore  SIGP STOP AND STORE STATUS of its own CPU
 *   wait       a disabled wait at ...fff (Linux's do_machine_quiesce())
 * With "reboot" it does not wait for the event: right after the "ready" line it asks for
 * a re-IPL with DIAGNOSE 0x308 subcode 3 (load clear), as Linux's reboot does when it
 * has no IPL device (a -kernel boot); the hypervisor starts the image again.
 * A hypervisor ends the machine as a guest shutdown in each case (QEMU 7.2: no CPU is
 * left running). Run on vccw-vm's s390x back-end and on qemu-system-s390x by
 * tests/integration/test-qmp-mgmt.py, which also resets it (system_reset): the
 * "ready" line, with the command line it read, comes again after each reset; the
 * program overwrites initialized data of its image, so that only a reset that loads
 * the image again shows it as it was.
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

/* Initialized data the program overwrites (see guest_quiesce_main()). */
static char marker[16] __attribute__((aligned(4096))) = "pristine";
#define SIGP_STOP 0x05
#define SIGP_STOP_STORE_STATUS 0x09
#define DIAG308_LOAD_CLEAR 3

int guest_quiesce_main(void);

/* Does the command line hold the word @w? */
static bool has_word(const char *s, const char *w)
{
	size_t n = guest_strlen(w);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!guest_memcmp(s, w, n) && (s[n] == ' ' || !s[n]))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

static uint16_t cpu_address(void)
{
	uint16_t addr;

	asm volatile("stap %0" : "=Q"(addr));
	return addr;
}

/* SIGP @order to this CPU; returns the condition code (only when it does not stop). */
static int sigp_self(unsigned int order)
{
	register unsigned long status asm("1") = 0;
	int cc;

	asm volatile("	sigp	%[status],%[addr],0(%[order])\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     : [cc] "=d"(cc), [status] "+d"(status)
		     : [addr] "d"((unsigned long)cpu_address()), [order] "a"((unsigned long)order)
		     : "cc", "memory");
	return cc;
}

int guest_quiesce_main(void)
{
	char cmdline[128];
	struct {
		uint64_t mask;
		uint64_t addr;
	} __attribute__((aligned(8))) wait = { 0x0002000180000000ull, 0xfff };
	int cc;

	guest_snprintf(cmdline, sizeof(cmdline), "%s", guest_arch_cmdline());
	guest_printf("quiesce: ready image=%s cmdline=%s\n", marker, cmdline);
	/*
	 * Overwrite initialized data of the image: only a reset that loads the image again
	 * (QEMU copies its ROM blobs back) shows "pristine" in the next "ready" line. In a
	 * page of its own: a store to a page with translated code makes our Unicorn keep a
	 * code bitmap it never frees (a leak LeakSanitizer reports at exit).
	 */
	guest_memcpy(marker, "overwritten", 12);
	if (has_word(cmdline, "reboot")) {
		register unsigned long parm asm("2") = 0;
		register unsigned long subcode asm("3") = DIAG308_LOAD_CLEAR;

		asm volatile("diag %[parm],%[subcode],0x308"
			     : : [parm] "d"(parm), [subcode] "d"(subcode) : "memory");
		guest_printf("quiesce: still running after diagnose 0x308 load clear\n");
		return 1;
	}
	while (!guest_arch_quiesce_pending())
		guest_arch_wait(10000);
	if (has_word(cmdline, "wait")) {
		guest_printf("quiesce: signal quiesce received; disabled wait\n");
		asm volatile("lpswe %0" : : "Q"(wait) : "memory");
	} else if (has_word(cmdline, "stopstore")) {
		guest_printf("quiesce: signal quiesce received; sigp stop and store status\n");
		cc = sigp_self(SIGP_STOP_STORE_STATUS);
		guest_printf("quiesce: still running after sigp stop and store status, cc %d\n", cc);
	} else {
		guest_printf("quiesce: signal quiesce received; sigp stop\n");
		cc = sigp_self(SIGP_STOP);
		guest_printf("quiesce: still running after sigp stop, cc %d\n", cc);
	}
	return 1;
}
