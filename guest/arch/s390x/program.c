// SPDX-License-Identifier: MIT
/*
 * Binds a bare-metal image to one guest program: the build compiles this file once per
 * program with -DGUEST_PROGRAM=guest_<name>_main.
 */
#include "guest/arch.h"

int GUEST_PROGRAM(void);
int guest_program_main(void);

int guest_program_main(void)
{
	return GUEST_PROGRAM();
}
