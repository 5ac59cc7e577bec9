/* SPDX-License-Identifier: MIT */
/*
 * Start-up code and interruption entry points of the bare-metal s390x guest
 * (z/Architecture, 64-bit addressing, prefix 0). Each entry saves the general registers
 * in its own lowcore save area (0x200 I/O, 0x280 external, 0x300 program, 0x380 machine
 * check: bytes the machine never stores into), calls the C handler on the interruption
 * stack, and returns by loading the old PSW, which the C handler may have changed.
 */
	.section .init, "ax"
	.globl	_start
_start:
	sam64
	/* Run with 64-bit addressing and machine checks allowed by the PSW. */
	larl	%r1, initial_psw
	lpswe	0(%r1)
1:
	larl	%r15, __stack_top
	aghi	%r15, -160
	xc	0(8, %r15), 0(%r15)
	brasl	%r14, guest_s390x_start
	/* guest_s390x_start() never returns; stop here if it does. */
	j	.

	.macro	ENTRY name, area, handler, oldpsw
	.globl	\name
\name:
	stmg	%r0, %r15, \area
	larl	%r15, __irq_stack_top
	aghi	%r15, -160
	brasl	%r14, \handler
	lmg	%r0, %r15, \area
	lpswe	\oldpsw
	.endm

	.text
	ENTRY	s390x_io_entry, 0x200, s390x_io_handler, 0x170
	ENTRY	s390x_ext_entry, 0x280, s390x_ext_handler, 0x130
	ENTRY	s390x_pgm_entry, 0x300, s390x_pgm_handler, 0x150
	ENTRY	s390x_mchk_entry, 0x380, s390x_mchk_handler, 0x160

	.section .rodata
	.balign	8
initial_psw:
	.quad	0x0004000180000000	/* machine checks on, EA + BA */
	.quad	1b

	.section .note.GNU-stack, "", @progbits
