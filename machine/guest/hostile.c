// SPDX-License-Identifier: MIT
/*
 * -kernel native:guest-errors: a hostile guest that makes GUEST_ERRORS_EACH architected
 * errors of each of two kinds as fast as it can: START SUBCHANNEL with an ORB address
 * that is not on a word boundary (a specification exception) and DIAGNOSE 0x500 with a
 * subcode that does not exist (specification too). It checks that every one got its
 * program check, prints the count and ends with 0 (1 if one did not). With
 * -d guest_errors the host logs them through its rate limit (tests/integration).
 */
#include <stdio.h>

#include "guest/arch.h"

#define GUEST_ERRORS_EACH 500
/* START SUBCHANNEL's opcode for guest_arch_io_raw(). */
#define OP_SSCH 0xb233

int guest_errors_main(void);

int guest_errors_main(void)
{
	unsigned int i, ssch = 0, diag = 0;
	char line[96];
	int n, pgm;

	for (i = 0; i < GUEST_ERRORS_EACH; i++) {
		/* Subchannel 0.0.0000; the ORB one byte past a word boundary. */
		if (guest_arch_io_raw(OP_SSCH, 0x00010000, 0x1001) == -GUEST_PGM_SPECIFICATION)
			ssch++;
		guest_arch_diag500(0x99, 0x00010000, 0, 0, &pgm);
		if (pgm == GUEST_PGM_SPECIFICATION)
			diag++;
	}
	n = snprintf(line, sizeof(line), "guest-errors: %u SSCH and %u DIAGNOSE 0x500 program "
		     "checks\n", ssch, diag);
	guest_arch_console_write(line, (size_t)n);
	return ssch == GUEST_ERRORS_EACH && diag == GUEST_ERRORS_EACH ? 0 : 1;
}
