/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal s390x probes for the patched Unicorn (third_party/unicorn). The image is
 * linked at 0x10000 and loaded there by tests/unicorn/probes.c; probe N starts at
 * 0x10000 + N * 0x400 in 64-bit supervisor state with DAT off and ends by loading the
 * disabled wait PSW `done` (address 0xfff). Results go to the area at 0xe00.
 */
	.machine z10
	.text
	.globl	_start
_start:

#define PROBE(n)	.org (n) * 0x400
#define RES		0xe00

/* 0: STFL (lowcore 0xc8) and STFLE of three doublewords; r0 and the cc to RES+0x20. */
PROBE(0)
	lghi	%r0, 2
	stfle	RES
	ipm	%r1
	stg	%r0, RES + 0x20
	st	%r1, RES + 0x28
	stfl	0
	larl	%r13, done
	lpswe	0(%r13)

/* 1: STCK, a delay loop, STCK, STCKF, STCKE; then SCK to a value and STCK again. */
PROBE(1)
	stck	RES
	llilf	%r1, 1000000
1:	brct	%r1, 1b
	stck	RES + 0x08
	stckf	RES + 0x10
	stcke	RES + 0x20
	larl	%r13, set_tod
	sck	0(%r13)
	stck	RES + 0x30
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 2: COMPARE AND SWAP AND STORE, function code 0 (4 bytes), storage characteristic 0
 * (1 byte, to an odd address): once with the compare value equal (cc 0, both stores
 * made) and once unequal (cc 1, r3 gets the current value, nothing stored).
 */
PROBE(2)
	larl	%r1, csst_parms
	llilf	%r3, 0x11223344
	lghi	%r0, 0			/* fc 0, sc 0 */
	csst	RES, RES + 0x11, %r3
	ipm	%r4
	st	%r4, RES + 0x20
	llilf	%r3, 0x99999999
	csst	RES + 0x08, RES + 0x19, %r3
	ipm	%r4
	st	%r4, RES + 0x24
	st	%r3, RES + 0x28
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 3: privileged instructions Unicorn does not implement, in supervisor state: each must
 * trap to the embedder with code 0xffff at the instruction, and go on after it.
 */
PROBE(3)
	.long	0xb2200012		/* servc %r1,%r2 */
	stsch	RES
	tsch	RES
	ssch	RES
	tpi	RES
	.long	0x83120500		/* diag %r1,%r2,0x500 */
	sigp	%r1, %r3, 0
	stsi	RES
	.long	0xb25f0024		/* chsc %r2,%r4 */
	stcrw	RES
	larl	%r13, done
	lpswe	0(%r13)

/* 4: an invalid opcode (operation exception, 0x01, ILC 1). */
PROBE(4)
	.short	0x0000
	larl	%r13, done
	lpswe	0(%r13)

/* 5: STFLE to an address not on a doubleword (specification exception, 0x06). */
PROBE(5)
	lghi	%r0, 0
	stfle	RES + 4
	larl	%r13, done
	lpswe	0(%r13)

/* 6: SSM in problem state (privileged-operation exception, 0x02). */
PROBE(6)
	larl	%r13, problem_psw
	lpswe	0(%r13)
6:	ssm	RES
	larl	%r13, done
	lpswe	0(%r13)

/* 7: an enabled wait PSW (I/O and external) at a given address. */
PROBE(7)
	larl	%r13, enabled_wait
	lpswe	0(%r13)

/*
 * 8: EDAT-1. A segment table (ASCE designation type 0) at 0x20000 whose entries are
 * format-1 STEs (FC = 1): segment 0 maps to itself, segment 1 (0x100000) to the 1 MiB
 * frame at 0x300000. With CR0 bit 40 and DAT on, LG from 0x100008 reads 0x300008 and
 * LRAG of 0x100010 gives 0x300010.
 */
PROBE(8)
	larl	%r13, edat_cr
	lctlg	%c0, %c1, 0(%r13)
	larl	%r13, dat_psw
	lpswe	0(%r13)
8:	llilf	%r6, 0x100000
	lg	%r2, 8(%r6)
	stg	%r2, RES
	lrag	%r3, 0x10(%r6)
	ipm	%r4
	stg	%r3, RES + 0x08
	st	%r4, RES + 0x10
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 9: MONITOR CALL. CR8 enables class 3 only: MC class 4 is no operation, MC class 3
 * with monitor code 0xabc is a monitor event (program exception 0x40).
 */
PROBE(9)
	larl	%r13, mc_cr8
	lctlg	%c8, %c8, 0(%r13)
	mc	0x100, 4
	mc	0xabc, 3
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 10: two counters that must stay equal, a condition code that must survive a trap
 * (DIAG 0x44, which the embedder skips) and a loop of 100000 rounds, run while another
 * thread keeps stopping the CPU. A resumption at a wrong address or with a stale cc
 * ends at the wait address 0xbad instead of 0xfff.
 */
PROBE(10)
	lghi	%r2, 0
	lghi	%r3, 0
	llilf	%r4, 100000
1:	aghi	%r2, 1
	cghi	%r2, 0			/* cc 2 (high) */
	.long	0x83120044		/* diag %r1,%r2,0x44 */
	jnh	2f
	aghi	%r3, 1
	cgr	%r2, %r3
	jne	2f
	brct	%r4, 1b
	larl	%r13, done
	lpswe	0(%r13)
2:	larl	%r13, bad
	lpswe	0(%r13)

/*
 * 11: SCKC traps to the embedder (which sets UC_S390X_REG_CKC); STCKC stores the
 * comparator the embedder set, without a trap.
 */
PROBE(11)
	larl	%r13, ckc_value
	sckc	0(%r13)
	stckc	RES
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 12: SPT traps to the embedder (which sets UC_S390X_REG_CPUTM); STPT, a delay loop,
 * STPT: the CPU timer the embedder set counts down with host time, without a trap.
 */
PROBE(12)
	larl	%r13, ckc_value
	spt	0(%r13)
	stpt	RES
	llilf	%r1, 1000000
1:	brct	%r1, 1b
	stpt	RES + 0x08
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 13: DAT on, with segment 511 (virtual 511 MiB, far beyond the engine's 16 MiB of
 * storage) mapping the frame at 3 MiB: a load there reads real 0x300008.
 */
PROBE(13)
	larl	%r13, edat_cr
	lctlg	%c0, %c1, 0(%r13)
	larl	%r13, dat_psw13
	lpswe	0(%r13)
9:	llilf	%r6, 0x1ff00000
	lg	%r2, 8(%r6)
	stg	%r2, RES
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 14: self-modifying code on a page that was stored to before it held code: the
 * routine at 0x30000 (LGHI %r2,1; BR %r14) is written and called, then its immediate
 * is changed to 2 and it is called again: the second call must run the new code.
 */
PROBE(14)
	llilf	%r6, 0x30000
	mvhi	0x100(%r6), 0
	iilf	%r7, 0xa7290001
	st	%r7, 0(%r6)
	lhi	%r7, 0x07fe
	sth	%r7, 4(%r6)
	basr	%r14, %r6
	lgr	%r3, %r2
	mvhhi	2(%r6), 2
	basr	%r14, %r6
	stg	%r3, RES
	stg	%r2, RES + 0x08
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 15: low-address protection (CR0 bit 35): an 8-byte store to 0x3ac (4-byte aligned,
 * outside the protected 0-511) completes; one to 0x100 is a protection exception.
 */
PROBE(15)
	larl	%r13, lap_cr0
	lctlg	%c0, %c0, 0(%r13)
	lgfi	%r1, 0x12345678
	stg	%r1, 0x3ac
	stg	%r1, 0x100
	larl	%r13, done
	lpswe	0(%r13)

/*
 * 16: vector registers and FPC (patch 0015): CR0 with the AFP and vector controls, V0-V31
 * loaded from vec_pattern (V_n: doublewords n * 0x0101010101010101 and its complement),
 * FPC 0x00000003 (round toward minus infinity).
 */
PROBE(16)
	larl	%r13, vx_cr0
	lctlg	%c0, %c0, 0(%r13)
	larl	%r1, vec_pattern
	.machine push
	.machine z13
	vlm	%v0, %v15, 0(%r1)
	vlm	%v16, %v31, 256(%r1)
	lghi	%r2, 3
	sfpc	%r2
	.machine pop
	larl	%r13, done
	lpswe	0(%r13)

	.align	8
lap_cr0:	.quad	0x10000000
ckc_value:	.quad	0xd0000000abcd0000
bad:		.quad	0x0002000180000000, 0xbad
done:		.quad	0x0002000180000000, 0xfff
problem_psw:	.quad	0x0001000180000000, 6b
enabled_wait:	.quad	0x0302000180000000, 0x123456
dat_psw:	.quad	0x0400000180000000, 8b
dat_psw13:	.quad	0x0400000180000000, 9b
edat_cr:	.quad	0x0000000000800000, 0x20000	/* CR0: EDAT; CR1: STO, DT 0, TL 0 */
mc_cr8:		.quad	0x1000				/* class 3 */
set_tod:	.quad	0x1000000000000000
	.align	16
csst_parms:	.long	0x55667788, 0, 0, 0		/* replacement value (fc 0) */
		.quad	0xab00000000000000, 0		/* store value (sc 0: byte 0) */
	.align	16
vx_cr0:		.quad	0x00060000			/* CR0: AFP and vector controls */
		.quad	0
vec_pattern:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	\n * 0x0101010101010101, ~(\n * 0x0101010101010101)
	.endr
