// SPDX-License-Identifier: MIT
/*
 * Bare-metal s390x back-end of guest/include/guest/arch.h: the real I/O instructions
 * and DIAGNOSE 0x500 with program interruptions caught and reported as negative codes,
 * new PSWs and interruption handlers in the lowcore (PoP chapter 6 "Interruptions"),
 * control registers 6 and 14, time from the CPU timer (never the TOD clock: STCK reads 0
 * on vccw-vm's s390x back-end, while SPT/STPT trap there and are backed by host time),
 * console output through the SCLP (sclp.c),
 * and exit by a message and a disabled wait whose PSW address is the result code.
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

/* PSW mask bits (PoP figure 4-1). */
#define PSW_MASK_IO 0x0200000000000000ull
#define PSW_MASK_EXT 0x0100000000000000ull
#define PSW_MASK_MCHECK 0x0004000000000000ull
#define PSW_MASK_WAIT 0x0002000000000000ull
#define PSW_MASK_64 0x0000000180000000ull

/* Lowcore locations (PoP figure 3-?; shared/reference/channel-io.md 8.2). */
#define LC_EXT_INT_CODE 0x86
#define LC_EXT_PARAMS 0x80 /* external-interruption parameter (service signal: SCCB) */
#define LC_PGM_ILC 0x8c
#define LC_PGM_CODE 0x8e
#define LC_SUBCHANNEL_ID 0xb8
#define LC_MCIC 0xe8
#define LC_EXT_OLD_PSW 0x130
#define LC_PGM_OLD_PSW 0x150
#define LC_MCHK_OLD_PSW 0x160
#define LC_IO_OLD_PSW 0x170
#define LC_EXT_NEW_PSW 0x1b0
#define EXT_CODE_CPU_TIMER 0x1005
#define CR0_CPU_TIMER 0x400ull /* CR0 bit 53 */
#define LC_PGM_NEW_PSW 0x1d0
#define LC_MCHK_NEW_PSW 0x1e0
#define LC_IO_NEW_PSW 0x1f0

#define HEAP_END_MAX (64ull << 20) /* QEMU's -m must give at least this much */

extern char __bss_start[], __bss_end[], __end[];
void s390x_io_entry(void);
void s390x_ext_entry(void);
void s390x_pgm_entry(void);
void s390x_mchk_entry(void);
void s390x_io_handler(void);
void s390x_ext_handler(void);
void s390x_pgm_handler(void);
void s390x_mchk_handler(void);
void guest_s390x_start(void) __attribute__((noreturn));
extern volatile uint64_t s390x_pgm_resume;
extern volatile uint16_t s390x_pgm_code;
extern volatile uint16_t s390x_pgm_ilc;
extern volatile uint64_t s390x_pgm_old_addr;
int guest_program_main(void);
void sclp_console_init(void);
void sclp_console_write(const char *s, size_t len);
void sclp_ext_interrupt(uint16_t code, uint32_t param);

struct psw {
	uint64_t mask;
	uint64_t addr;
};

static guest_io_handler_fn *io_handler;
static guest_mchk_handler_fn *mchk_handler;
static volatile int in_handler;
static volatile unsigned int irqs_taken;

/*
 * Program interruptions the current instruction may cause (see EXPECTING below): where
 * to resume, and what the interruption stored (code, ILC, old PSW address).
 */
volatile uint64_t s390x_pgm_resume;
volatile uint16_t s390x_pgm_code;
volatile uint16_t s390x_pgm_ilc;
volatile uint64_t s390x_pgm_old_addr;
#define pgm_resume s390x_pgm_resume
#define pgm_code s390x_pgm_code

/* The lowcore, at absolute 0 (prefix 0): a linker symbol, so no null pointer is formed. */
extern uint8_t __lowcore[];

static inline void *lc(unsigned long off)
{
	return __lowcore + off;
}

static void set_new_psw(unsigned long off, void (*entry)(void), uint64_t mask)
{
	struct psw *p = lc(off);

	p->mask = mask;
	p->addr = (uint64_t)(unsigned long)entry;
}

/* ---- Interruption handlers (called from start.S) ---- */

/*
 * An interruption that ends an enabled wait returns to the instruction after the wait
 * PSW's load, not into the wait again.
 */
static void end_wait(unsigned long old_psw)
{
	struct psw *old = lc(old_psw);

	old->mask &= ~PSW_MASK_WAIT;
}

void s390x_io_handler(void)
{
	const uint32_t *code = lc(LC_SUBCHANNEL_ID);
	struct guest_io_irq irq = { code[0], code[1], code[2] };

	end_wait(LC_IO_OLD_PSW);
	irqs_taken++;
	in_handler = 1;
	if (io_handler)
		io_handler(&irq);
	in_handler = 0;
}

static volatile int timer_fired;

static uint64_t stctg(int cr);
static void lctlg(int cr, uint64_t v);

void s390x_ext_handler(void)
{
	uint16_t code = *(volatile uint16_t *)lc(LC_EXT_INT_CODE);

	end_wait(LC_EXT_OLD_PSW);
	/*
	 * The CPU timer went negative: a timed wait is over. It stays pending while
	 * negative, so its subclass mask goes off here.
	 */
	if (code == EXT_CODE_CPU_TIMER) {
		timer_fired = 1;
		lctlg(0, stctg(0) & ~CR0_CPU_TIMER);
	} else {
		sclp_ext_interrupt(code, *(volatile uint32_t *)lc(LC_EXT_PARAMS));
	}
}

void s390x_mchk_handler(void)
{
	uint64_t mcic = *(volatile uint64_t *)lc(LC_MCIC);

	end_wait(LC_MCHK_OLD_PSW);
	irqs_taken++;
	in_handler = 1;
	if (mchk_handler)
		mchk_handler(mcic);
	in_handler = 0;
}

void s390x_pgm_handler(void)
{
	struct psw *old = lc(LC_PGM_OLD_PSW);
	uint16_t code = *(volatile uint16_t *)lc(LC_PGM_CODE);

	s390x_pgm_ilc = *(volatile uint16_t *)lc(LC_PGM_ILC);
	s390x_pgm_old_addr = old->addr;
	if (pgm_resume) {
		/*
		 * An instruction wrapper expected this: resume after the instruction whether
		 * the exception suppressed, nullified or terminated it.
		 */
		pgm_code = code;
		old->addr = pgm_resume;
		pgm_resume = 0;
		return;
	}
	guest_printf("unexpected program interruption 0x%x at 0x%llx\n", code,
		     (unsigned long long)old->addr);
	guest_arch_exit(0x7f);
}

/*
 * Run one instruction with program interruptions reported, not fatal: load the resume
 * address (label 9 after the instruction) into pgm_resume, execute, and extract the
 * condition code; a program interruption skips to label 9 with pgm_code set.
 */
#define EXPECTING(insn, ...)                                                                       \
	({                                                                                         \
		int cc_ = -1;                                                                      \
		unsigned long tmp_;                                                                \
		pgm_code = 0;                                                                      \
		asm volatile("	larl	%[tmp], 9f\n"                                             \
			     "	stg	%[tmp], %[resume]\n"                                       \
			     "	" insn "\n"                                                        \
			     "	ipm	%[cc]\n"                                                   \
			     "	srl	%[cc], 28\n"                                               \
			     "9:\n"                                                                \
			     : [cc] "+d"(cc_), [tmp] "=&a"(tmp_), [resume] "=Q"(pgm_resume)       \
			     : __VA_ARGS__                                                         \
			     : "cc", "memory");                                                    \
		pgm_resume = 0;                                                                    \
		pgm_code ? -(int)pgm_code : cc_;                                                   \
	})

/* ---- Memory ---- */

void *guest_arch_ptr(guest_addr_t a)
{
	return (void *)(unsigned long)a;
}

guest_addr_t guest_arch_addr(const void *p)
{
	return (guest_addr_t)(unsigned long)p;
}

uint64_t guest_arch_ram_size(void)
{
	return HEAP_END_MAX;
}

void guest_arch_heap(guest_addr_t *start, guest_addr_t *end)
{
	*start = ((unsigned long)__end + 4095) & ~4095ul;
	*end = HEAP_END_MAX;
}

void guest_arch_mb(void)
{
	/* BCR 15,0: serialization (PoP chapter 5, "CPU Serialization"). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- I/O instructions ---- */

#define SID_INSN(name, mnemonic)                                                                   \
	int guest_arch_##name(uint32_t sid)                                                        \
	{                                                                                          \
		register unsigned long r1 asm("1") = sid;                                          \
		return EXPECTING(mnemonic, "d"(r1));                                               \
	}

#define SID_ADDR_INSN(name, mnemonic)                                                              \
	int guest_arch_##name(uint32_t sid, void *op)                                              \
	{                                                                                          \
		register unsigned long r1 asm("1") = sid;                                          \
		return EXPECTING(mnemonic " 0(%[op])", "d"(r1), [op] "a"(op));                     \
	}

SID_ADDR_INSN(stsch, "stsch")
SID_ADDR_INSN(msch, "msch")
SID_ADDR_INSN(ssch, "ssch")
SID_ADDR_INSN(tsch, "tsch")
SID_INSN(hsch, "hsch")
SID_INSN(csch, "csch")
SID_INSN(rsch, "rsch")
SID_INSN(xsch, ".insn s,0xb2760000,0")

int guest_arch_tpi(void *code)
{
	return EXPECTING("tpi 0(%[op])", [op] "a"(code));
}

int guest_arch_stcrw(uint32_t *crw)
{
	return EXPECTING("stcrw 0(%[op])", [op] "a"(crw));
}

int guest_arch_chsc(void *block)
{
	return EXPECTING(".insn rre,0xb25f0000,%[op],0", [op] "d"(block));
}

int guest_arch_rchp(uint64_t gpr1)
{
	register unsigned long r1 asm("1") = gpr1;

	return EXPECTING("rchp", "d"(r1));
}

int guest_arch_sal(uint64_t gpr1)
{
	register unsigned long r1 asm("1") = gpr1;

	return EXPECTING("sal", "d"(r1));
}

int guest_arch_schm(uint64_t gpr1, uint64_t gpr2)
{
	register unsigned long r1 asm("1") = gpr1;
	register unsigned long r2 asm("2") = gpr2;

	return EXPECTING("schm", "d"(r1), "d"(r2));
}

int guest_arch_sic(uint16_t mode, uint8_t isc)
{
	register unsigned long r1 asm("1") = mode;
	register unsigned long r3 asm("3") = (unsigned long)(isc & 7) << 27;
	int rc;

	/* RSY EB..D1; the second operand (an interruption block, modes 2+) is not used. */
	rc = EXPECTING(".insn rsy,0xeb00000000d1,%[r1],%[r3],0(0)", [r1] "d"(r1), [r3] "d"(r3));
	/* SIC leaves the condition code alone: only a program interruption is a result. */
	return rc < 0 ? rc : 0;
}

int guest_arch_io_raw(uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	register unsigned long r1 asm("1") = gpr1;
	void *op = (void *)(unsigned long)addr;

	switch (opcode) {
	case 0xb230: return EXPECTING("csch", "d"(r1));
	case 0xb231: return EXPECTING("hsch", "d"(r1));
	case 0xb232: return EXPECTING("msch 0(%[op])", "d"(r1), [op] "a"(op));
	case 0xb233: return EXPECTING("ssch 0(%[op])", "d"(r1), [op] "a"(op));
	case 0xb234: return EXPECTING("stsch 0(%[op])", "d"(r1), [op] "a"(op));
	case 0xb235: return EXPECTING("tsch 0(%[op])", "d"(r1), [op] "a"(op));
	case 0xb236: return EXPECTING("tpi 0(%[op])", [op] "a"(op));
	case 0xb237: return EXPECTING("sal", "d"(r1));
	case 0xb238: return EXPECTING("rsch", "d"(r1));
	case 0xb239: return EXPECTING("stcrw 0(%[op])", [op] "a"(op));
	case 0xb23b: return EXPECTING("rchp", "d"(r1));
	case 0xb25f: return EXPECTING(".insn rre,0xb25f0000,%[op],0", [op] "d"(op));
	case 0xb276: return EXPECTING(".insn s,0xb2760000,0", "d"(r1));
	}
	return -GUEST_PGM_OPERATION;
}

int64_t guest_arch_diag500(uint64_t subcode, uint64_t schid, uint64_t queue, uint64_t cookie,
			   int *pgm)
{
	register unsigned long r1 asm("1") = subcode;
	register long r2 asm("2") = (long)schid;
	register unsigned long r3 asm("3") = queue;
	register unsigned long r4 asm("4") = cookie;
	int rc;

	rc = EXPECTING("diag 2,4,0x500", "d"(r1), "d"(r2), "d"(r3), "d"(r4));
	/* The result is in GPR2; the asm above does not tell gcc, so read it again. */
	asm volatile("" : "+d"(r2));
	if (pgm)
		*pgm = rc < 0 ? -rc : 0;
	return r2;
}

/* ---- Interruption control ---- */

void guest_arch_set_io_handler(guest_io_handler_fn *fn)
{
	io_handler = fn;
}

void guest_arch_set_mchk_handler(guest_mchk_handler_fn *fn)
{
	mchk_handler = fn;
}

static uint64_t stctg(int cr)
{
	uint64_t v;

	switch (cr) {
	case 0: asm volatile("stctg 0,0,%0" : "=Q"(v)); break;
	case 6: asm volatile("stctg 6,6,%0" : "=Q"(v)); break;
	default: asm volatile("stctg 14,14,%0" : "=Q"(v)); break;
	}
	return v;
}

static void lctlg(int cr, uint64_t v)
{
	switch (cr) {
	case 0: asm volatile("lctlg 0,0,%0" : : "Q"(v)); break;
	case 6: asm volatile("lctlg 6,6,%0" : : "Q"(v)); break;
	default: asm volatile("lctlg 14,14,%0" : : "Q"(v)); break;
	}
}

void guest_arch_set_isc_mask(uint8_t mask)
{
	/* CR6 bits 32-39. */
	lctlg(6, (uint64_t)mask << 24);
}

void guest_arch_set_crw_mchk(bool enable)
{
	uint64_t cr14 = stctg(14);

	/* CR14 bit 35: channel-report-pending subclass mask. */
	if (enable)
		cr14 |= 0x10000000ull;
	else
		cr14 &= ~0x10000000ull;
	lctlg(14, cr14);
}

void guest_arch_irq_enable(void)
{
	/* PSW bit 6 (I/O) is in the first byte: STOSM. Machine checks stay on (start.S). */
	unsigned char old;

	if (in_handler)
		return;
	asm volatile("stosm %0,0x02" : "=Q"(old) : : "memory");
}

void guest_arch_irq_disable(void)
{
	unsigned char old;

	asm volatile("stnsm %0,0xfd" : "=Q"(old) : : "memory");
}

/*
 * Time: the CPU timer counts down in TOD units (bit 51 = 1 us). It runs from a large
 * value loaded at start (cputm_loaded); a timed wait reloads it with the timeout so
 * that its going negative ends the wait, and folds the time that passed into
 * cputm_base first.
 */
/* 2^56 TOD units (about 200 days): QEMU converts the timer to ns as t * 125, within 64 bits. */
#define CPUTM_START (1ull << 56)
static uint64_t cputm_base, cputm_loaded;

static void spt(uint64_t v)
{
	asm volatile("spt %0" : : "Q"(v));
}

static uint64_t stpt(void)
{
	uint64_t v;

	asm volatile("stpt %0" : "=Q"(v));
	return v;
}

/*
 * TOD units the CPU timer ran since it was loaded. Once it has gone negative, QEMU's
 * STPT returns a value no count-down from cputm_loaded can produce (it converts a
 * negative difference as unsigned): the whole loaded interval has passed then.
 */
static uint64_t cputm_elapsed(void)
{
	uint64_t left = stpt();

	return left > cputm_loaded ? cputm_loaded : cputm_loaded - left;
}

static void cputm_reload(uint64_t v)
{
	cputm_base += cputm_elapsed();
	cputm_loaded = v;
	spt(v);
}

/* Linux's parameter area, where -append goes for an image entered at 0x10000. */
#define KERN_PARM_AREA 0x10480u
#define KERN_PARM_AREA_SIZE 0x380u

const char *guest_arch_cmdline(void)
{
	const char *p = (const char *)(uintptr_t)KERN_PARM_AREA;
	unsigned int i;

	for (i = 0; i < KERN_PARM_AREA_SIZE; i++) {
		if (!p[i])
			return p;
		if (p[i] < 0x20 || p[i] > 0x7e)
			break;
	}
	return "";
}

uint64_t guest_arch_now_us(void)
{
	return (cputm_base + cputm_elapsed()) >> 12;
}

/*
 * One enabled wait (PoP "Wait State"): load a PSW with the wait bit and the I/O,
 * external and machine-check masks; the next interruption ends it and its handler
 * clears the wait bit in the old PSW, so execution goes on after the load. Loading the
 * PSW enables and waits in one step, so no interruption slips in between.
 */
static void enabled_wait(void)
{
	static struct psw wait_psw __attribute__((aligned(8)));
	unsigned long tmp;

	wait_psw.mask = PSW_MASK_IO | PSW_MASK_EXT | PSW_MASK_MCHECK | PSW_MASK_WAIT | PSW_MASK_64;
	asm volatile("	larl	%[tmp], 0f\n"
		     "	stg	%[tmp], %[addr]\n"
		     "	lpswe	%[psw]\n"
		     "0:\n"
		     : [tmp] "=&d"(tmp), [addr] "=Q"(wait_psw.addr)
		     : [psw] "Q"(wait_psw)
		     : "memory", "cc");
}

bool guest_arch_wait(uint64_t timeout_us)
{
	unsigned int before = irqs_taken;
	unsigned char old;

	if (in_handler)
		return false;
	/* Take what is already pending first. */
	guest_arch_irq_enable();
	if (irqs_taken != before || !timeout_us)
		return irqs_taken != before;
	/* The CPU timer (CR0 subclass) ends the wait at the timeout. */
	if (timeout_us > (CPUTM_START >> 13))
		timeout_us = CPUTM_START >> 13;
	timer_fired = 0;
	cputm_reload(timeout_us << 12);
	lctlg(0, stctg(0) | CR0_CPU_TIMER);
	while (irqs_taken == before && !timer_fired) {
		/* Masked until the wait PSW itself enables: no wakeup is lost. */
		asm volatile("stnsm %0,0xfc" : "=Q"(old) : : "memory");
		if (irqs_taken != before || timer_fired)
			break;
		enabled_wait();
	}
	lctlg(0, stctg(0) & ~CR0_CPU_TIMER);
	cputm_reload(CPUTM_START);
	/* Back to the masks guest code expects: I/O on, external off. */
	asm volatile("stnsm %0,0xfe" : "=Q"(old) : : "memory");
	guest_arch_irq_enable();
	return irqs_taken != before;
}

/* ---- Console, exit, start ---- */

void guest_arch_console_write(const char *s, size_t len)
{
	sclp_console_write(s, len);
}

void guest_arch_exit(int code)
{
	/* QEMU's convention: a disabled wait at ...fff is a clean stop; else the code. */
	struct psw wait = { PSW_MASK_WAIT | PSW_MASK_64,
			    code ? (uint64_t)(unsigned int)code : 0xfffull };

	guest_printf("EXIT: STATUS=%d\n", code);
	/* A disabled wait: QEMU stops the machine; the PSW address carries the code. */
	asm volatile("lpswe %0" : : "Q"(wait) : "memory");
	for (;;)
		;
}

void guest_s390x_start(void)
{
	char *p;

	for (p = __bss_start; p < __bss_end; p++)
		*p = 0;
	set_new_psw(LC_IO_NEW_PSW, s390x_io_entry, PSW_MASK_64);
	set_new_psw(LC_EXT_NEW_PSW, s390x_ext_entry, PSW_MASK_64);
	set_new_psw(LC_PGM_NEW_PSW, s390x_pgm_entry, PSW_MASK_64);
	set_new_psw(LC_MCHK_NEW_PSW, s390x_mchk_entry, PSW_MASK_64);
	cputm_loaded = CPUTM_START;
	spt(CPUTM_START);
	sclp_console_init();
	guest_arch_exit(guest_program_main());
}
