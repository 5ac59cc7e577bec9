// SPDX-License-Identifier: MIT
/*
 * The native back-end of guest/include/guest/arch.h: guest code runs on a vCPU thread of
 * the machine, which lends it a struct guest_native_host. Guest RAM is the machine's
 * memory seen at host->ram; every I/O instruction is a call to host->io_insn with the
 * opcode, GPR1 and the second-operand guest address, as an intercept would decode them
 * (PoP chapter 14, "I/O Instructions"). Interruptions are taken where a CPU could take
 * them: after each instruction and during an enabled wait, while the PSW and control
 * registers allow them (PoP chapter 6: I/O interruptions need PSW bit 6 and the ISC's
 * CR6 bit; channel-report machine checks need PSW bit 13 and CR14 bit 35). Like the new
 * PSWs of a real CPU, a handler runs with both classes disabled, so handlers never nest.
 *
 * This file may use libc and setjmp: guest_arch_exit() unwinds to guest_native_run().
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/arch.h"
#include "guest/lib.h"
#include "native-host.h"

/* Upper bound of the heap: format-1 CCWs and IDAW lists address 31 bits. */
#define HEAP_LIMIT (2ull << 30)
/* Interruptions taken in one go after an instruction before the guest runs on. */
#define MAX_IRQS_PER_POLL 256

struct vcpu {
	const struct guest_native_host *host;
	jmp_buf exit_env;
	int exit_code;
	struct guest_native_cpu_state state; /* the "PSW and control registers" now */
	guest_io_handler_fn *io_handler;
	guest_mchk_handler_fn *mchk_handler;
	bool in_handler;
};

static __thread struct vcpu *cpu;

static const struct guest_native_host *host(void)
{
	if (!cpu) {
		fprintf(stderr, "guest: arch call outside guest_native_run()\n");
		abort();
	}
	return cpu->host;
}

/*
 * A guest bug (bad address handed to the arch): report it on the machine console and
 * end the program with 1.
 */
static void __attribute__((noreturn)) guest_bug(const char *what, uint64_t v)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "guest: %s 0x%llx is not in guest RAM\n", what,
			 (unsigned long long)v);

	if (cpu && cpu->host->console_write && n > 0) {
		cpu->host->console_write(cpu->host->ctx, msg, (size_t)n < sizeof(msg) ? (size_t)n :
							       sizeof(msg) - 1);
		guest_arch_exit(1);
	}
	fputs(msg, stderr);
	if (cpu)
		guest_arch_exit(1);
	exit(1);
}

void *guest_arch_ptr(guest_addr_t a)
{
	const struct guest_native_host *h = host();

	if (a >= h->ram_size)
		guest_bug("address", a);
	return h->ram + a;
}

guest_addr_t guest_arch_addr(const void *p)
{
	const struct guest_native_host *h = host();
	const uint8_t *b = p;

	/* NULL stands for address 0 (CCWs without data, TPI into the lowcore). */
	if (!p)
		return 0;
	if (b < h->ram || (uint64_t)(b - h->ram) >= h->ram_size)
		guest_bug("pointer", (uint64_t)(uintptr_t)p);
	return (guest_addr_t)(b - h->ram);
}

uint64_t guest_arch_ram_size(void)
{
	return host()->ram_size;
}

void guest_arch_heap(guest_addr_t *start, guest_addr_t *end)
{
	const struct guest_native_host *h = host();
	uint64_t top = h->ram_size < HEAP_LIMIT ? h->ram_size : HEAP_LIMIT;

	*start = h->heap_start < top ? h->heap_start : top;
	*end = top;
}

/*
 * ThreadSanitizer models no fences (GCC warns so with -Wtsan) but executes this one; it
 * needs none here: the fields it orders (virtqueue indices and event fields) are atomic
 * accesses on both sides, which it checks as such.
 */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
void guest_arch_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static void push_state(void)
{
	const struct guest_native_host *h = host();

	if (h->set_state)
		h->set_state(h->ctx, &cpu->state);
}

/*
 * Present one interruption: like loading the new PSW, both classes are masked while the
 * handler runs, and the old state comes back when it returns (LPSW of the old PSW).
 */
static void dispatch(const struct guest_native_irq *irq)
{
	struct guest_native_cpu_state old = cpu->state;

	cpu->in_handler = true;
	cpu->state.io_enabled = false;
	cpu->state.mchk_enabled = false;
	push_state();
	if (irq->kind == GUEST_NATIVE_IRQ_IO) {
		struct guest_io_irq code = { .sid = irq->sid, .intparm = irq->intparm,
					     .iiw = irq->iiw };

		if (cpu->io_handler)
			cpu->io_handler(&code);
	} else if (cpu->mchk_handler) {
		cpu->mchk_handler(irq->mcic);
	}
	cpu->state = old;
	push_state();
	cpu->in_handler = false;
}

static bool enabled(void)
{
	return !cpu->in_handler && (cpu->state.io_enabled || cpu->state.mchk_enabled);
}

/* Take what is pending now; returns true if anything was taken. */
static bool poll_irqs(void)
{
	const struct guest_native_host *h = host();
	struct guest_native_irq irq;
	unsigned int n;

	if (!enabled() || !h->take_irq)
		return false;
	for (n = 0; n < MAX_IRQS_PER_POLL && enabled(); n++) {
		if (!h->take_irq(h->ctx, 0, &irq))
			break;
		dispatch(&irq);
	}
	return n > 0;
}

bool guest_arch_wait(uint64_t timeout_us)
{
	const struct guest_native_host *h = host();
	struct guest_native_irq irq;

	if (poll_irqs())
		return true;
	if (!h->take_irq)
		return false;
	/*
	 * Disabled (or inside a handler, where the host sees both classes masked): the
	 * host delivers nothing and this is a plain timed wait.
	 */
	if (!h->take_irq(h->ctx, timeout_us, &irq))
		return false;
	if (!enabled())
		return false; /* a host delivering against the mask: nothing to run */
	dispatch(&irq);
	poll_irqs();
	return true;
}

static int insn(uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	const struct guest_native_host *h = host();
	int rc = h->io_insn(h->ctx, opcode, gpr1, addr);

	poll_irqs();
	return rc;
}

int guest_arch_stsch(uint32_t sid, void *schib)
{
	return insn(GUEST_OP_STSCH, sid, guest_arch_addr(schib));
}

int guest_arch_msch(uint32_t sid, void *schib)
{
	return insn(GUEST_OP_MSCH, sid, guest_arch_addr(schib));
}

int guest_arch_ssch(uint32_t sid, void *orb)
{
	return insn(GUEST_OP_SSCH, sid, guest_arch_addr(orb));
}

int guest_arch_tsch(uint32_t sid, void *irb)
{
	return insn(GUEST_OP_TSCH, sid, guest_arch_addr(irb));
}

int guest_arch_hsch(uint32_t sid)
{
	return insn(GUEST_OP_HSCH, sid, 0);
}

int guest_arch_csch(uint32_t sid)
{
	return insn(GUEST_OP_CSCH, sid, 0);
}

int guest_arch_rsch(uint32_t sid)
{
	return insn(GUEST_OP_RSCH, sid, 0);
}

int guest_arch_xsch(uint32_t sid)
{
	return insn(GUEST_OP_XSCH, sid, 0);
}

int guest_arch_tpi(void *code)
{
	return insn(GUEST_OP_TPI, 0, guest_arch_addr(code));
}

int guest_arch_stcrw(uint32_t *crw)
{
	int rc = insn(GUEST_OP_STCRW, 0, guest_arch_addr(crw));
	const uint8_t *b = (const uint8_t *)crw;

	/* The CRW is stored big-endian; the caller reads it as a word, as on s390x. */
	if (rc >= 0)
		*crw = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return rc;
}

int guest_arch_chsc(void *block)
{
	return insn(GUEST_OP_CHSC, 0, guest_arch_addr(block));
}

int guest_arch_rchp(uint64_t gpr1)
{
	return insn(GUEST_OP_RCHP, gpr1, 0);
}

int guest_arch_sal(uint64_t gpr1)
{
	return insn(GUEST_OP_SAL, gpr1, 0);
}

int guest_arch_schm(uint64_t gpr1, uint64_t gpr2)
{
	/* native-host.h: SCHM passes GPR2 where other instructions pass the operand. */
	return insn(GUEST_OP_SCHM, gpr1, gpr2);
}

int guest_arch_sic(uint16_t mode, uint8_t isc)
{
	/* native-host.h: SIC passes GPR(R3) where other instructions pass the operand. */
	return insn(GUEST_OP_SIC, mode, (uint64_t)(isc & 7) << 27);
}

int guest_arch_io_raw(uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	return insn(opcode, gpr1, addr);
}

int64_t guest_arch_diag500(uint64_t subcode, uint64_t schid, uint64_t queue, uint64_t cookie,
			   int *pgm)
{
	const struct guest_native_host *h = host();
	int dummy = 0;
	int64_t rc;

	if (!pgm)
		pgm = &dummy;
	*pgm = 0;
	if (!h->diag500) {
		*pgm = GUEST_PGM_SPECIFICATION;
		return -1;
	}
	rc = h->diag500(h->ctx, subcode, schid, queue, cookie, pgm);
	poll_irqs();
	return rc;
}

void guest_arch_set_io_handler(guest_io_handler_fn *fn)
{
	host();
	cpu->io_handler = fn;
}

void guest_arch_set_mchk_handler(guest_mchk_handler_fn *fn)
{
	host();
	cpu->mchk_handler = fn;
}

/*
 * Changing a mask inside a handler changes the state the handler runs with; the
 * interrupted state comes back when the handler returns, as with a real old PSW.
 */
static void update_state(void)
{
	if (cpu->in_handler)
		return;
	push_state();
	poll_irqs();
}

void guest_arch_set_isc_mask(uint8_t mask)
{
	host();
	cpu->state.isc_mask = mask;
	update_state();
}

void guest_arch_set_crw_mchk(bool enable)
{
	host();
	cpu->state.crw_mchk = enable;
	update_state();
}

void guest_arch_irq_enable(void)
{
	host();
	cpu->state.io_enabled = true;
	cpu->state.mchk_enabled = true;
	update_state();
}

void guest_arch_irq_disable(void)
{
	host();
	cpu->state.io_enabled = false;
	cpu->state.mchk_enabled = false;
	update_state();
}

void guest_arch_console_write(const char *s, size_t len)
{
	const struct guest_native_host *h = host();

	if (h->console_write)
		h->console_write(h->ctx, s, len);
}

const char *guest_arch_cmdline(void)
{
	const struct guest_native_host *h = host();

	return h->cmdline ? h->cmdline : "";
}

uint64_t guest_arch_now_us(void)
{
	const struct guest_native_host *h = host();

	return h->now_us ? h->now_us(h->ctx) : 0;
}

bool guest_arch_quiesce_pending(void)
{
	const struct guest_native_host *h = host();

	return h->quiesce && h->quiesce(h->ctx);
}

void guest_arch_exit(int code)
{
	host();
	cpu->exit_code = code;
	longjmp(cpu->exit_env, 1);
}

int guest_native_run(const struct guest_native_host *h, int (*main_fn)(void))
{
	struct vcpu *prev = cpu;
	/* volatile: read after longjmp back into this frame. */
	struct vcpu *volatile me = calloc(1, sizeof(*me));
	int rc;

	if (!me)
		return -1;
	me->host = h;
	cpu = me;
	push_state(); /* start disabled, like a CPU after reset */
	guest_alloc_reset();
	if (setjmp(me->exit_env) == 0)
		rc = main_fn();
	else
		rc = me->exit_code;
	/* Leave the machine with the vCPU disabled. */
	me->state = (struct guest_native_cpu_state){ 0 };
	me->in_handler = false;
	push_state();
	cpu = prev;
	free(me);
	return rc;
}

void guest_native_stop(int code)
{
	guest_arch_exit(code);
}
