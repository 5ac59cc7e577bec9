// SPDX-License-Identifier: MIT
/*
 * s390x only: privileged and control instructions with bad operands, and the program
 * interruption (code, instruction-length code, old-PSW address) or condition code each
 * one gets, against the PoP's answer. Run bare-metal on vccw-vm's s390x back-end and
 * under qemu-system-s390x by tests/integration/test-s390x-insn.sh, one RESULT line per
 * case. The operands beyond storage assume -m 128M.
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

#define BEYOND_RAM 0x7fff0000ul
#define PGM_OPERATION 0x01
#define PGM_ADDRESSING 0x05
#define PGM_SPECIFICATION 0x06

extern volatile uint64_t s390x_pgm_resume;
extern volatile uint16_t s390x_pgm_code;
extern volatile uint16_t s390x_pgm_ilc;
extern volatile uint64_t s390x_pgm_old_addr;
void insntest_svc_entry(void);
/* The lowcore at absolute 0 (prefix 0): a linker symbol, so no null pointer is formed. */
extern uint8_t __lowcore[];
int guest_insntest_main(void);
int guest_beyondram_main(void);
int guest_csst_main(void);
int guest_storm_main(void);

/* The SVC handler: return to the old PSW, which points after the SVC. */
asm(".text\n"
    "	.globl	insntest_svc_entry\n"
    "insntest_svc_entry:\n"
    "	lpswe	0x140\n");

static uint8_t buf[8192] __attribute__((aligned(4096)));
static uint64_t insn_at;
static unsigned int failures;

/*
 * Execute @insn with a program interruption caught: returns the condition code, or
 * minus the interruption code; insn_at is the instruction's address.
 */
#define TRY(insn, ...)                                                                             \
	({                                                                                         \
		int cc_ = -1;                                                                      \
		unsigned long tmp_;                                                                \
		s390x_pgm_code = 0;                                                                \
		s390x_pgm_ilc = 0xffff;                                                            \
		asm volatile("	larl	%[tmp], 9f\n"                                             \
			     "	stg	%[tmp], %[resume]\n"                                       \
			     "	larl	%[tmp], 8f\n"                                              \
			     "	stg	%[tmp], %[at]\n"                                           \
			     "8:	" insn "\n"                                                \
			     "	ipm	%[cc]\n"                                                   \
			     "	srl	%[cc], 28\n"                                               \
			     "9:\n"                                                                \
			     : [cc] "+d"(cc_), [tmp] "=&a"(tmp_), [resume] "=Q"(s390x_pgm_resume), \
			       [at] "=Q"(insn_at)                                                  \
			     : __VA_ARGS__                                                         \
			     : "cc", "memory");                                                    \
		s390x_pgm_resume = 0;                                                              \
		s390x_pgm_code ? -(int)s390x_pgm_code : cc_;                                       \
	})

/*
 * One case: @got (cc or -code) must be @want; for a program interruption the ILC must
 * be @ilc and the old PSW must point past the instruction (the exceptions here all
 * suppress or complete).
 */
static void check(const char *name, int got, int want, unsigned int ilc)
{
	bool ok = got == want;

	if (ok && want < 0)
		ok = s390x_pgm_ilc == ilc && s390x_pgm_old_addr == insn_at + ilc;
	if (!ok)
		failures++;
	guest_printf("%s insn_%s: result %d (want %d), ilc %u (want %u), old PSW +%lld\n",
		     ok ? "ok  " : "FAIL", name, got, want, want < 0 ? s390x_pgm_ilc : 0,
		     want < 0 ? ilc : 0,
		     want < 0 ? (long long)(s390x_pgm_old_addr - insn_at) : 0ll);
	guest_printf("RESULT insn_%s %s\n", name, ok ? "PASS" : "FAIL");
}

/* STFLE: facility bit @nr (the first three doublewords). */
static bool facility(unsigned int nr)
{
	static uint64_t fac[3];
	register unsigned long r0 asm("0") = 2;

	asm volatile(".insn s,0xb2b00000,0(%[a])" : "+d"(r0) : [a] "a"(fac) : "cc", "memory");
	return nr < 192 && (fac[nr / 64] >> (63 - nr % 64)) & 1;
}

/*
 * STSI 3.2.2, 2.2.2, 1.2.2 and 2.2.1 against QEMU 7.2's blocks: one virtual machine,
 * one CPU, and the control-program identifier Linux tells KVM from z/VM and LPAR by
 * (arch/s390/kernel/early.c): "KVM/Linux" in EBCDIC at offset 56.
 */
static int stsi_block(unsigned int fc, unsigned int sel1, unsigned int sel2)
{
	register unsigned long r0 asm("0") = (unsigned long)fc << 28 | sel1;
	register unsigned long r1 asm("1") = sel2;
	unsigned int i;

	for (i = 0; i < 4096; i++)
		buf[i] = 0xee;
	return TRY("stsi 0(%[a])", "d"(r0), "d"(r1), [a] "a"(buf));
}

static void stsi_blocks(void)
{
	static const uint8_t kvm_linux[16] = { 0xd2, 0xe5, 0xd4, 0x61, 0xd3, 0x89, 0x95, 0xa4,
					       0xa7, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40 };
	bool ok;
	unsigned int i;
	int rc;

	rc = stsi_block(3, 2, 2);
	/* count 1; total and configured CPUs 1 at 36 and 38; the identifier at 56. */
	ok = rc == 0 && buf[31] == 1 && buf[36] == 0 && buf[37] == 1 && buf[38] == 0 &&
	     buf[39] == 1;
	for (i = 0; i < 16 && ok; i++)
		ok = buf[56 + i] == kvm_linux[i];
	check("stsi_322_kvm_linux_one_cpu", ok ? 0 : -99, 0, 0);
	rc = stsi_block(2, 2, 2);
	/* LCPUC dedicated; total and configured 1; CAF 1000; one dedicated CPU. */
	ok = rc == 0 && buf[35] == 0x80 && buf[37] == 1 && buf[39] == 1 && buf[52] == 0 &&
	     buf[53] == 0 && buf[54] == 0x03 && buf[55] == 0xe8 && buf[72] == 0 && buf[73] == 1;
	check("stsi_222_one_dedicated_cpu", ok ? 0 : -99, 0, 0);
	rc = stsi_block(1, 2, 2);
	/* capability non-zero; total and configured 1 at 36 and 38. */
	ok = rc == 0 && (buf[32] | buf[33] | buf[34] | buf[35]) && buf[37] == 1 && buf[39] == 1;
	check("stsi_122_one_cpu", ok ? 0 : -99, 0, 0);
	check("stsi_221_cc0", stsi_block(2, 2, 1), 0, 0);
}

/*
 * A channel-report machine check (RCHP of the virtual channel path queues a CRW)
 * with the vector facility on: the interruption code has the validity bits of QEMU
 * 7.2 (VR only with the vector facility, GS only with guarded storage), the 32 vector
 * registers are in the extended save area the lowcore designates (0x11b0, 1 KiB
 * aligned), the floating-point registers (the vector registers' left halves) and the
 * FPC in the lowcore's save areas. With the designation 0 nothing is stored and VR is
 * off (QEMU). test-s390x-insn.sh gives both hosts a virtio device, so the virtual
 * channel path exists.
 */
#define MCIC_BASE 0x00400f1d40330000ull /* CP and the validity bits QEMU always sets */
#define MCIC_VR 0x0000004000000000ull
#define MCIC_GS 0x0000000008000000ull
#define LC_MCESAD 0x11b0
#define CR0_AFP_VX 0x0000000000060000ull /* bits 45 and 46 */
static volatile uint64_t mchk_code;
static volatile unsigned int mchks;
static uint64_t vpat[32][2] __attribute__((aligned(8)));
static uint64_t mcesa[128] __attribute__((aligned(1024)));

static void insn_mchk(uint64_t mcic)
{
	mchk_code = mcic;
	mchks++;
}

/* Load V0-V31 from vpat and the FPC with @fpc, RCHP chpid 0, wait for the check. */
static int rchp_mchk(uint32_t fpc)
{
	register unsigned long r1 asm("1") = 0;
	unsigned long n = 100000000;
	unsigned int before = mchks;
	uint32_t crw;
	int cc;

	asm volatile(".machine push\n"
		     ".machine z13\n"
		     "	vlm	%%v0,%%v15,0(%[p])\n"
		     "	vlm	%%v16,%%v31,256(%[p])\n"
		     "	sfpc	%[fpc]\n"
		     ".machine pop\n"
		     "	.insn	s,0xb23b0000,0\n" /* RCHP */
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "0:	c	%[before],%[mchks]\n"
		     "	jne	1f\n"
		     "	brctg	%[n],0b\n"
		     "1:\n"
		     : [cc] "=&d"(cc), [n] "+d"(n)
		     : [p] "a"(vpat), [fpc] "d"(fpc), "d"(r1), [before] "d"(before),
		       [mchks] "Q"(mchks)
		     : "cc", "memory");
	while (guest_arch_stcrw(&crw) == 0)
		;
	return cc == 0 && mchks == before + 1 ? 0 : -1;
}

static void mchk_vectors(void)
{
	volatile uint64_t *lc_fpr = (volatile uint64_t *)(__lowcore + 0x1200);
	volatile uint32_t *lc_fpc = (volatile uint32_t *)(__lowcore + 0x131c);
	volatile uint64_t *mcesad = (volatile uint64_t *)(__lowcore + LC_MCESAD);
	bool vx = facility(129), gs = facility(133), ok;
	uint64_t want = MCIC_BASE | (vx ? MCIC_VR : 0) | (gs ? MCIC_GS : 0), cr0;
	unsigned int i;
	int rc;

	/* Both hosts offer the vector facility; without it the cases below fail. */
	if (!vx)
		guest_printf("insntest: no vector facility (STFLE bit 129)\n");
	for (i = 0; i < 32; i++) {
		vpat[i][0] = 0x0101010101010101ull * (i + 1);
		vpat[i][1] = ~vpat[i][0] ^ ((uint64_t)i << 32);
	}
	for (i = 0; i < 128; i++)
		mcesa[i] = 0xeeeeeeeeeeeeeeeeull;
	*mcesad = (uint64_t)(unsigned long)mcesa | 0x5; /* low bits ignored */
	asm volatile("stctg 0,0,%0" : "=Q"(cr0));
	cr0 |= CR0_AFP_VX;
	asm volatile("lctlg 0,0,%0" : : "Q"(cr0));
	guest_arch_set_mchk_handler(insn_mchk);
	guest_arch_set_crw_mchk(true);
	rc = vx ? rchp_mchk(1) : -1;
	check("mchk_taken_after_rchp", rc, 0, 0);
	guest_printf("insntest: mcic %016llx (want %016llx)\n", (unsigned long long)mchk_code,
		     (unsigned long long)want);
	check("mchk_validity_bits_match_facilities", rc == 0 && mchk_code == want ? 0 : -99,
	      0, 0);
	ok = rc == 0;
	for (i = 0; i < 32 && ok; i++)
		ok = mcesa[2 * i] == vpat[i][0] && mcesa[2 * i + 1] == vpat[i][1];
	for (; i < 64 && ok; i++)
		ok = mcesa[2 * i] == 0xeeeeeeeeeeeeeeeeull;
	check("mchk_vector_registers_in_mcesa", ok ? 0 : -99, 0, 0);
	ok = rc == 0 && *lc_fpc == 1;
	for (i = 0; i < 16 && ok; i++)
		ok = lc_fpr[i] == vpat[i][0];
	check("mchk_fprs_and_fpc_in_lowcore", ok ? 0 : -99, 0, 0);

	/* Designation 0: no extended save area, VR off. */
	*mcesad = 0;
	for (i = 0; i < 32; i++)
		vpat[i][0] ^= 0xff;
	rc = vx ? rchp_mchk(2) : -1;
	ok = rc == 0 && mchk_code == (want & ~MCIC_VR) && *lc_fpc == 2 && lc_fpr[3] == vpat[3][0];
	check("mchk_mcesad_zero_vr_off", ok ? 0 : -99, 0, 0);

	guest_arch_set_crw_mchk(false);
	guest_arch_set_mchk_handler(NULL);
	asm volatile(".machine push\n.machine z13\n	sfpc	%0\n.machine pop" : : "d"(0));
	cr0 &= ~CR0_AFP_VX;
	asm volatile("lctlg 0,0,%0" : : "Q"(cr0));
}

/*
 * An I/O interruption made pending while I/O is masked must be taken as soon as STOSM
 * opens the mask, before the next instruction (PoP: an interruption is taken when the
 * CPU is enabled for it, at the end of the enabling instruction). SSCH of SENSE ID on
 * the virtio device's subchannel (0.0.0000), STSCH until it is status pending, then
 * STOSM and an MVI that sets a flag: the handler records the flag and the old PSW.
 * Regression test for commit dd73b65 (vccw-vm took it up to 64 blocks later).
 */
#define SCHID0 0x00010000ul
#define IO_ISC 3
volatile uint8_t insntest_io_flag, insntest_io_flag_seen;
volatile uint64_t insntest_io_old_addr;
void insntest_io_entry(void);
asm(".text\n"
    "	.globl	insntest_io_entry\n"
    "insntest_io_entry:\n"
    "	stmg	%r1,%r2,0x200\n"
    "	larl	%r1,insntest_io_flag\n"
    "	larl	%r2,insntest_io_flag_seen\n"
    "	mvc	0(1,%r2),0(%r1)\n"
    "	larl	%r2,insntest_io_old_addr\n"
    "	mvc	0(8,%r2),0x178\n"
    "	lmg	%r1,%r2,0x200\n"
    "	lpswe	0x170\n");

static void io_at_unmask(void)
{
	static uint8_t schib[52] __attribute__((aligned(8)));
	static uint32_t orb[8] __attribute__((aligned(8)));
	static uint8_t irb[64] __attribute__((aligned(8)));
	static uint8_t sense[8] __attribute__((aligned(8)));
	static uint32_t ccw[2] __attribute__((aligned(8)));
	uint64_t *io_new = (uint64_t *)(__lowcore + 0x1f0), saved_new[2];
	register unsigned long r1 asm("1") = SCHID0;
	unsigned long n = 10000000, mvi_at = 0;
	unsigned char old, tmp;
	int cc = -1;
	bool ok;

	saved_new[0] = io_new[0];
	saved_new[1] = io_new[1];
	asm volatile("stnsm %0,0xfd" : "=Q"(old) : : "memory"); /* I/O off */
	/* Enable the subchannel with ISC 3; CR6 lets ISC 3 in. */
	asm volatile("stsch 0(%[s])\n	ipm %[cc]\n	srl %[cc],28"
		     : [cc] "=d"(cc) : "d"(r1), [s] "a"(schib) : "cc", "memory");
	if (cc != 0)
		goto out;
	schib[4] = IO_ISC << 3;
	schib[5] |= 0x80;
	r1 = SCHID0;
	asm volatile("msch 0(%[s])\n	ipm %[cc]\n	srl %[cc],28"
		     : [cc] "=d"(cc) : "d"(r1), [s] "a"(schib) : "cc", "memory");
	if (cc != 0)
		goto out;
	guest_arch_set_isc_mask(0x80 >> IO_ISC);
	io_new[0] = 0x0000000180000000ull;
	io_new[1] = (uint64_t)(unsigned long)insntest_io_entry;
	ccw[0] = 0xe4200008; /* SENSE ID, SLI, 8 bytes */
	ccw[1] = (uint32_t)(unsigned long)sense;
	orb[0] = 0x12345678;
	orb[1] = 0x0080ff00; /* format-1 CCWs, LPM 0xff */
	orb[2] = (uint32_t)(unsigned long)ccw;
	insntest_io_flag = 0;
	insntest_io_flag_seen = 0xff;
	insntest_io_old_addr = 0;
	r1 = SCHID0;
	asm volatile("	ssch	0(%[orb])\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     "	ltr	%[cc],%[cc]\n"
		     "	jnz	2f\n"
		     "0:	stsch	0(%[s])\n"
		     "	tm	31(%[s]),0x01\n" /* SCSW status pending */
		     "	jo	1f\n"
		     "	brctg	%[n],0b\n"
		     "1:	larl	%[at],3f\n"
		     "	stosm	%[tmp],0x02\n"
		     "3:	mvi	0(%[flag]),1\n"
		     "	stnsm	%[tmp],0xfd\n"
		     "2:\n"
		     : [cc] "=&d"(cc), [n] "+d"(n), [at] "+&a"(mvi_at), [tmp] "=Q"(tmp)
		     : "d"(r1), [orb] "a"(orb), [s] "a"(schib), [flag] "a"(&insntest_io_flag)
		     : "cc", "memory");
	r1 = SCHID0;
	asm volatile("tsch 0(%[i])" : : "d"(r1), [i] "a"(irb) : "cc", "memory");
out:
	ok = cc == 0 && n && insntest_io_old_addr == mvi_at && insntest_io_flag_seen == 0;
	guest_printf("insntest: io at unmask: cc %d, old PSW %llx (mvi at %lx), flag %u\n", cc,
		     (unsigned long long)insntest_io_old_addr, mvi_at, insntest_io_flag_seen);
	check("io_taken_right_after_stosm", ok ? 0 : -99, 0, 0);
	schib[5] &= (uint8_t)~0x80;
	/* r1 again: a register variable holds its value only for the asm using it. */
	r1 = SCHID0;
	asm volatile("msch 0(%[s])" : : "d"(r1), [s] "a"(schib) : "cc", "memory");
	guest_arch_set_isc_mask(0);
	io_new[0] = saved_new[0];
	io_new[1] = saved_new[1];
	asm volatile("ssm %0" : : "Q"(old) : "memory");
}

int guest_insntest_main(void)
{
	uint8_t *b = buf;
	unsigned long beyond = BEYOND_RAM;
	uint64_t *svc_new = (uint64_t *)(__lowcore + 0x1c0);
	volatile uint16_t *svc_ilc = (volatile uint16_t *)(__lowcore + 0x88);
	volatile uint16_t *svc_code = (volatile uint16_t *)(__lowcore + 0x8a);
	int rc;

	/* The engine's own exceptions (their code comes from the engine's state). */
	check("operation_0000", TRY(".short 0"), -PGM_OPERATION, 2);
	{
		register unsigned long r1 asm("1") = 0;

		/* The exception suppresses: nothing is loaded, r1 stays an input. */
		check("lpq_odd_register", TRY(".insn rxy,0xe3000000008f,%[r],0(%[a])", [r] "d"(r1), [a] "a"(b)),
		      -PGM_SPECIFICATION, 6);
	}

	/* Emulated instructions: alignment before access, then the access. */
	check("lpswe_unaligned", TRY("lpswe 4(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("lpswe_beyond_ram", TRY("lpswe 0(%[a])", [a] "a"(beyond)), -PGM_ADDRESSING, 4);
	check("stctg_unaligned", TRY("stctg %%c0,%%c0,4(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 6);
	check("lctlg_beyond_ram", TRY("lctlg %%c6,%%c6,0(%[a])", [a] "a"(beyond)), -PGM_ADDRESSING,
	      6);
	check("lctl_unaligned", TRY("lctl %%c6,%%c6,2(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("spx_unaligned", TRY("spx 2(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("stpx_beyond_ram", TRY("stpx 0(%[a])", [a] "a"(beyond)), -PGM_ADDRESSING, 4);
	check("stidp_unaligned", TRY("stidp 4(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("stap_odd", TRY("stap 1(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("sckc_unaligned", TRY("sckc 4(%[a])", [a] "a"(b)), -PGM_SPECIFICATION, 4);
	check("stpt_beyond_ram", TRY("stpt 0(%[a])", [a] "a"(beyond)), -PGM_ADDRESSING, 4);
	check("diag_unknown_code", TRY("diag %%r0,%%r0,0x123"), -PGM_SPECIFICATION, 4);

	/* STSI: invalid function code cc 3; reserved bits; alignment; the current level. */
	{
		register unsigned long r0 asm("0") = 0x40000000;
		register unsigned long r1 asm("1") = 0;

		check("stsi_fc_4_cc3", TRY("stsi 0(%[a])", "d"(r0), "d"(r1), [a] "a"(b)), 3, 0);
		r0 = 0x10000101;
		r1 = 1;
		check("stsi_reserved_bits", TRY("stsi 0(%[a])", "d"(r0), "d"(r1), [a] "a"(b)),
		      -PGM_SPECIFICATION, 4);
		r0 = 0x10000001;
		r1 = 1;
		check("stsi_unaligned_block", TRY("stsi 8(%[a])", "d"(r0), "d"(r1), [a] "a"(b)),
		      -PGM_SPECIFICATION, 4);
	}
	{
		register unsigned long r0 asm("0") = 0;
		register unsigned long r1 asm("1") = 0;

		rc = TRY("stsi 0(%[a])", "d"(r0), "d"(r1), [a] "a"(b));
		/* STSI set GPR0; the asm above does not tell gcc, so read it again. */
		asm volatile("" : "+d"(r0));
		check("stsi_fc0_level_3", rc == 0 && (r0 & 0xffffffff) == 0x30000000 ? 0 : -99, 0, 0);
	}

	/* SIGP: another CPU address is not operational; SET ARCHITECTURE is refused. */
	{
		register unsigned long r1 asm("1") = 0;
		register unsigned long r3 asm("3") = 1;

		check("sigp_other_cpu_cc3", TRY("sigp %%r1,%%r3,1", "d"(r1), "d"(r3)), 3, 0);
		r3 = 0;
		check("sigp_sense_self_cc0", TRY("sigp %%r1,%%r3,1", "d"(r1), "d"(r3)), 0, 0);
	}
	{
		register unsigned long r0 asm("0") = 0;
		register unsigned long r1 asm("1") = 2; /* parameter (odd register) */
		register unsigned long r3 asm("3") = 0;

		rc = TRY("sigp %%r0,%%r3,0x12", "d"(r0), "d"(r1), "d"(r3));
		asm volatile("" : "+d"(r0)); /* the status SIGP stored */
		check("sigp_set_arch_invalid_parameter",
		      rc == 1 && (r0 & 0xffffffff) == 0x100 ? 0 : -99, 0, 0);
	}

	/* SERVC: SCCB in the first 8 KiB or unaligned: specification; beyond RAM: addressing. */
	{
		register unsigned long cmd asm("2") = 0x00020001; /* read SCP info */
		register unsigned long sccb asm("3") = 0x1000;

		check("servc_sccb_low_core", TRY(".insn rre,0xb2200000,%%r2,%%r3", "d"(cmd), "d"(sccb)),
		      -PGM_SPECIFICATION, 4);
		sccb = (unsigned long)b + 4;
		check("servc_sccb_unaligned",
		      TRY(".insn rre,0xb2200000,%%r2,%%r3", "d"(cmd), "d"(sccb)),
		      -PGM_SPECIFICATION, 4);
		sccb = beyond;
		check("servc_sccb_beyond_ram",
		      TRY(".insn rre,0xb2200000,%%r2,%%r3", "d"(cmd), "d"(sccb)), -PGM_ADDRESSING,
		      4);
	}

	/* SVC: the code and ILC in the lowcore, the old PSW after the instruction. */
	svc_new[0] = 0x0000000180000000ull;
	svc_new[1] = (uint64_t)(unsigned long)insntest_svc_entry;
	rc = TRY("svc 0x42");
	check("svc_code_and_ilc", rc >= 0 && *svc_code == 0x42 && *svc_ilc == 2 ? 0 : -99, 0, 0);

	stsi_blocks();
	mchk_vectors();
	io_at_unmask();

	guest_printf("insntest: %u failed\n", failures);
	return failures ? 1 : 0;
}

/*
 * Hostile guests for vccw-vm's tests (tests/integration/test-vm.sh): a load beyond RAM
 * (an addressing exception, as under QEMU), and CSST with storage characteristic 0
 * (valid: it stores one byte; QEMU 7.2 and Debian's libunicorn 2.0.1 assert on it).
 */
int guest_beyondram_main(void)
{
	unsigned long beyond = BEYOND_RAM;
	int rc = TRY("lg %%r0,0(%[a])", [a] "a"(beyond));

	guest_printf("beyondram: result %d ilc %u\n", rc, s390x_pgm_ilc);
	return rc == -PGM_ADDRESSING && s390x_pgm_ilc == 6 ? 0 : 1;
}

int guest_csst_main(void)
{
	register unsigned long r0 asm("0") = 0; /* function code 0, storage characteristic 0 */
	register unsigned long r3 asm("3") = 0;
	uint32_t *op1 = (uint32_t *)buf;
	int rc;

	op1[0] = 0;
	buf[64] = 0;
	rc = TRY(".insn ssf,0xc80200000000,0(%[a]),64(%[a]),%%r3", "d"(r0), "d"(r3), [a] "a"(buf));
	guest_printf("csst: result %d\n", rc);
	return rc == 0 ? 0 : 1;
}

/*
 * An interruption storm: the external new PSW is enabled for external interruptions and
 * the CPU timer stays negative, so each interruption is followed by the next one at once
 * (a guest livelock, on QEMU too). vccw-vm must still stop on a signal.
 */
void insntest_storm_loop(void);
asm(".text\n"
    "	.globl	insntest_storm_loop\n"
    "insntest_storm_loop:\n"
    "	j	insntest_storm_loop\n");

int guest_storm_main(void)
{
	uint64_t *ext_new = (uint64_t *)(__lowcore + 0x1b0);
	uint64_t cr0, zero = 0;
	unsigned char old;

	ext_new[0] = 0x0100000180000000ull; /* external interruptions on, 64-bit */
	ext_new[1] = (uint64_t)(unsigned long)insntest_storm_loop;
	guest_printf("storm: starting\n");
	asm volatile("stctg 0,0,%0" : "=Q"(cr0));
	cr0 |= 0x400; /* CPU-timer subclass */
	asm volatile("lctlg 0,0,%0" : : "Q"(cr0));
	asm volatile("spt %0" : : "Q"(zero));
	asm volatile("stosm %0,0x01" : "=Q"(old) : : "memory");
	for (;;)
		;
}
