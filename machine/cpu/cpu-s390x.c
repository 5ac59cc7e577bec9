// SPDX-License-Identifier: MIT
/*
 * The s390x CPU back-end: Debian's Unicorn engine runs the guest in problem state, so
 * that every privileged instruction ends in the engine's interruption hook as a
 * privileged-operation exception (intno 3) with the PSW at the instruction; the hook
 * emulates it on the virtual PSW (cpu-s390x-insn.c) and lets the engine go on, or hands
 * control to the run loop here (waits, native single steps, the end of the machine).
 * This file owns the engine, the virtual PSW, the interruptions of PoP chapter 6
 * (program, SVC, external, I/O, machine check: old/new PSW swaps in the lowcore at the
 * prefix), the TOD clock, clock comparator and CPU timer behind host time, and the
 * kicker thread that stops the engine when an interruption becomes pending while the
 * guest runs.
 *
 * The engine (libunicorn 2.0.1) does not expose the program-interruption code of an
 * exception it raised itself; it is in the CPU state that uc_context_save() copies,
 * at an offset this file finds once by running probe instructions with known codes
 * (calibrate()). Without a match vccw-vm refuses to run s390x code rather than guess.
 *
 * Known limits of the engine (README): STCK* read 0 (TOD-based guests must use the CPU
 * timer), STFLE stores nothing, EPSW shows the problem-state bit, no DAT in this
 * back-end, and CSST aborts the process inside the library (a guest that reaches it
 * ends vccw-vm; see s390x_csst_guard()).
 */
#ifdef VM_HAVE_UNICORN

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu-s390x-int.h"
#include "vccw/byteorder.h"

/* Exception numbers of QEMU's s390x target as the hook receives them. */
#define EXCP_SVC 2
#define EXCP_PGM 3

/* PSW bits the engine keeps while the guest runs (the rest is virtual). */
#define ENGINE_PSW_BITS (S390X_PSW_CC | S390X_PSW_PM | S390X_PSW_EA | S390X_PSW_BA)

static uint64_t engine_mask(const struct vm_s390x *c)
{
	return (c->psw_mask & ENGINE_PSW_BITS) | (c->stepping ? 0 : S390X_PSW_PROBLEM);
}

/* Take the engine's PSW (after it ran) into the virtual PSW. */
static void psw_from_engine(struct vm_s390x *c)
{
	uint64_t pc, m;

	uc_reg_read(c->uc, UC_S390X_REG_PC, &pc);
	uc_reg_read(c->uc, UC_S390X_REG_PSWM, &m);
	c->psw_addr = pc;
	c->psw_mask = (c->psw_mask & ~ENGINE_PSW_BITS) | (m & ENGINE_PSW_BITS);
}

uint64_t s390x_gpr(struct vm_s390x *c, unsigned int n)
{
	uint64_t v = 0;

	uc_reg_read(c->uc, UC_S390X_REG_R0 + (int)(n & 15), &v);
	return v;
}

void s390x_set_gpr(struct vm_s390x *c, unsigned int n, uint64_t v)
{
	uc_reg_write(c->uc, UC_S390X_REG_R0 + (int)(n & 15), &v);
}

/* ---- Storage ---- */

uint64_t s390x_abs(const struct vm_s390x *c, uint64_t real)
{
	/* PoP "Prefixing": real 0-8191 and the prefix area swap places. */
	if (real < 8192)
		return real + c->prefix;
	if (real >= c->prefix && real - c->prefix < 8192)
		return real - c->prefix;
	return real;
}

/* The range [@real, @real + @len) in absolute storage, page by page (prefix areas). */
static bool range_ok(const struct vm_s390x *c, uint64_t real, size_t len)
{
	return len <= c->ram_size && real <= c->ram_size - len;
}

uint16_t s390x_load(struct vm_s390x *c, uint64_t real, void *buf, size_t len)
{
	size_t done = 0;

	if (!range_ok(c, real, len))
		return S390X_PGM_ADDRESSING;
	while (done < len) {
		uint64_t r = real + done;
		size_t n = 4096 - (r & 4095);

		if (n > len - done)
			n = len - done;
		if (vccw_mem_read(c->mem, s390x_abs(c, r), (char *)buf + done, n) != VCCW_MEM_OK)
			return S390X_PGM_ADDRESSING;
		done += n;
	}
	return 0;
}

static bool low_addr_protected(const struct vm_s390x *c, uint64_t real, size_t len)
{
	/* PoP "Low-address protection": real 0-511 and 4096-4607 with CR0 bit 35. */
	if (!(c->cr[0] & CR0_LOW_ADDR_PROT) || !len)
		return false;
	return real < 512 || (real < 4608 && real + len > 4096);
}

uint16_t s390x_store(struct vm_s390x *c, uint64_t real, const void *buf, size_t len)
{
	size_t done = 0;

	if (!range_ok(c, real, len))
		return S390X_PGM_ADDRESSING;
	if (low_addr_protected(c, real, len))
		return S390X_PGM_PROTECTION;
	while (done < len) {
		uint64_t r = real + done;
		size_t n = 4096 - (r & 4095);

		if (n > len - done)
			n = len - done;
		if (vccw_mem_write(c->mem, s390x_abs(c, r), (const char *)buf + done, n) !=
		    VCCW_MEM_OK)
			return S390X_PGM_ADDRESSING;
		done += n;
	}
	return 0;
}

/* Lowcore stores of an interruption: the lowcore is always in RAM (prefix < RAM). */
static void lc_st16(struct vm_s390x *c, uint64_t off, uint16_t v)
{
	vccw_mem_st_be16(c->mem, c->prefix + off, v);
}

static void lc_st32(struct vm_s390x *c, uint64_t off, uint32_t v)
{
	vccw_mem_st_be32(c->mem, c->prefix + off, v);
}

static void lc_st64(struct vm_s390x *c, uint64_t off, uint64_t v)
{
	vccw_mem_st_be64(c->mem, c->prefix + off, v);
}

static uint64_t lc_ld64(struct vm_s390x *c, uint64_t off)
{
	uint64_t v = 0;

	vccw_mem_ld_be64(c->mem, c->prefix + off, &v);
	return v;
}

/* ---- Time ---- */

uint64_t s390x_host_tod(void)
{
	/* TOD clock: bit 51 is one microsecond, epoch 1900-01-01 (2208988800 s before 1970). */
	struct timespec ts;
	uint64_t us;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = ((uint64_t)ts.tv_sec + 2208988800ull) * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return (us << 12) | (((uint64_t)ts.tv_nsec % 1000u) * 4096u / 1000u);
}

uint64_t s390x_cputm_locked(const struct vm_s390x *c, uint64_t tod)
{
	/* The CPU timer counts down in TOD units while the CPU is operating or waiting. */
	return c->cputm - (tod - c->cputm_at);
}

/*
 * Host TOD at which a timer interruption enabled by @cr0 becomes pending (0: never).
 * Context: vm->lock held.
 */
static uint64_t timer_deadline_locked(const struct vm_s390x *c, uint64_t cr0)
{
	uint64_t d = 0, t;

	if (cr0 & CR0_CLOCK_COMP) {
		/* Pending while TOD > CKC: from host TOD ckc - offset + 1 on. */
		t = c->ckc - (uint64_t)c->tod_offset + 1;
		d = t;
	}
	if (cr0 & CR0_CPU_TIMER) {
		/* Pending while the timer is negative: from cputm_at + cputm + 1 on. */
		t = (int64_t)c->cputm < 0 ? c->cputm_at : c->cputm_at + c->cputm + 1;
		if (!d || t < d)
			d = t;
	}
	return d;
}

/* Add @us microseconds to a CLOCK_MONOTONIC time (vm->cond waits on that clock). */
static void mono_after(struct timespec *ts, uint64_t us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	if (us > 86400ull * 1000000u)
		us = 86400ull * 1000000u;
	ts->tv_sec += (time_t)(us / 1000000u);
	ts->tv_nsec += (long)(us % 1000000u) * 1000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* The monotonic time at which the host TOD clock reaches @host_tod. */
static void tod_to_timespec(uint64_t host_tod, struct timespec *ts)
{
	uint64_t now = s390x_host_tod();

	/* Rounded up: waking before the deadline would only wait again. */
	mono_after(ts, host_tod > now ? ((host_tod - now) >> 12) + 1 : 0);
}

/* ---- Interruptions ---- */

static void store_old_psw(struct vm_s390x *c, uint64_t off, uint64_t addr)
{
	lc_st64(c, off, c->psw_mask);
	lc_st64(c, off + 8, addr);
}

static void load_new_psw(struct vm_s390x *c, uint64_t off)
{
	c->psw_mask = lc_ld64(c, off);
	c->psw_addr = lc_ld64(c, off + 8);
}

/*
 * Does the instruction address in the old PSW point past the instruction? PoP chapter
 * 6: yes for exceptions that suppress, terminate or complete; no for those that
 * nullify (translation exceptions and the like).
 */
static bool pgm_advances(uint16_t code)
{
	switch (code & 0x7f) {
	case 0x10: case 0x11: /* segment / page translation */
	case 0x38: case 0x39: case 0x3a: case 0x3b: /* ASCE, region translation */
	case 0x1b: /* vector processing: nullifies */
		return false;
	default:
		return true;
	}
}

/* Present a program interruption for the instruction at psw_addr of length @ilen. */
static void pgm_interrupt(struct vm_s390x *c, uint16_t code, unsigned int ilen)
{
	uint64_t addr = c->psw_addr;

	if (ilen && pgm_advances(code))
		addr += ilen;
	lc_st16(c, LC_PGM_ILC, (uint16_t)ilen);
	lc_st16(c, LC_PGM_CODE, code);
	store_old_psw(c, LC_PGM_OLD, addr);
	load_new_psw(c, LC_PGM_NEW);
}

static void svc_interrupt(struct vm_s390x *c, uint16_t code, unsigned int ilen)
{
	lc_st16(c, LC_SVC_ILC, (uint16_t)ilen);
	lc_st16(c, LC_SVC_CODE, code);
	store_old_psw(c, LC_SVC_OLD, c->psw_addr + ilen);
	load_new_psw(c, LC_SVC_NEW);
}

/* The external interruption to present now (0: none), highest priority first. */
static uint16_t ext_pending(struct vm_s390x *c, uint32_t *param)
{
	uint64_t cr0 = c->cr[0], tod;
	bool ckc, cpt;

	*param = 0;
	if ((cr0 & CR0_EMERGENCY) && c->emergency_pending)
		return EXT_EMERGENCY;
	if ((cr0 & CR0_EXT_CALL) && c->ext_call_pending)
		return EXT_EXT_CALL;
	if (cr0 & (CR0_CLOCK_COMP | CR0_CPU_TIMER)) {
		pthread_mutex_lock(&c->vm->lock);
		tod = s390x_host_tod();
		ckc = (cr0 & CR0_CLOCK_COMP) && tod + (uint64_t)c->tod_offset > c->ckc;
		cpt = (cr0 & CR0_CPU_TIMER) && (int64_t)s390x_cputm_locked(c, tod) < 0;
		pthread_mutex_unlock(&c->vm->lock);
		if (ckc)
			return EXT_CLOCK_COMP;
		if (cpt)
			return EXT_CPU_TIMER;
	}
	if ((cr0 & CR0_SERVICE) && c->service_pending) {
		*param = c->service_param;
		return EXT_SERVICE;
	}
	return 0;
}

/*
 * Present the highest-priority interruption the virtual PSW and control registers
 * allow (PoP: repressible machine check, external, I/O). Returns true if one was
 * presented (the virtual PSW is then the new PSW).
 * Context: vCPU thread, vm->lock not held (the css calls back into it).
 */
static bool deliver_one(struct vm_s390x *c)
{
	struct vm *vm = c->vm;
	struct vccw_io_irq io;
	uint32_t param;
	uint16_t code;
	uint8_t isc_mask;

	if ((c->psw_mask & S390X_PSW_MCHK) && (c->cr[14] & CR14_CHANNEL_REPORT)) {
		bool pending, take = false;

		pthread_mutex_lock(&vm->lock);
		pending = vm->crw_mchk_pending;
		pthread_mutex_unlock(&vm->lock);
		/* One machine check per burst, as the native vCPU does (vm-cpu.c). */
		if (pending && vccw_css_crw_pending(vm->css)) {
			pthread_mutex_lock(&vm->lock);
			take = vm->crw_mchk_pending;
			vm->crw_mchk_pending = false;
			pthread_mutex_unlock(&vm->lock);
		}
		if (take) {
			lc_st64(c, VM_LC_MCCK_CODE, VM_MCIC_CHANNEL_REPORT);
			store_old_psw(c, LC_MCHK_OLD, c->psw_addr);
			load_new_psw(c, LC_MCHK_NEW);
			return true;
		}
	}
	if (c->psw_mask & S390X_PSW_EXT) {
		code = ext_pending(c, &param);
		if (code) {
			lc_st16(c, LC_EXT_CODE, code);
			lc_st16(c, LC_CPU_ADDR, 0);
			lc_st32(c, LC_EXT_PARAM, param);
			if (code == EXT_SERVICE)
				c->service_pending = false;
			else if (code == EXT_EMERGENCY)
				c->emergency_pending = false;
			else if (code == EXT_EXT_CALL)
				c->ext_call_pending = false;
			store_old_psw(c, LC_EXT_OLD, c->psw_addr);
			load_new_psw(c, LC_EXT_NEW);
			return true;
		}
	}
	isc_mask = (uint8_t)(c->cr[6] >> 24);
	if ((c->psw_mask & S390X_PSW_IO) && isc_mask &&
	    vccw_css_take_io_irq(vm->css, isc_mask, &io)) {
		lc_st32(c, VM_LC_SUBCHANNEL_ID, io.sid);
		lc_st32(c, VM_LC_IO_INT_PARM, io.intparm);
		lc_st32(c, VM_LC_IO_INT_WORD, io.iiw);
		store_old_psw(c, LC_IO_OLD, c->psw_addr);
		load_new_psw(c, LC_IO_NEW);
		return true;
	}
	return false;
}

bool s390x_psw_valid(uint64_t mask, uint64_t addr)
{
	/* Bits 0, 2-4, 12, 24-30 and 33-63 must be zero (PoP "PSW format", z/Architecture). */
	if (mask & 0xb80800fe7fffffffull)
		return false;
	if ((mask & S390X_PSW_EA) && !(mask & S390X_PSW_BA))
		return false;
	if (!(mask & S390X_PSW_BA) && addr > 0xffffffull)
		return false;
	if (!(mask & S390X_PSW_EA) && addr > 0x7fffffffull)
		return false;
	return true;
}

/* ---- The engine's interruption hook ---- */

static unsigned int insn_len(uint8_t op)
{
	/* PoP: the first two bits of the opcode give the instruction length. */
	return op < 0x40 ? 2 : op < 0xc0 ? 4 : 6;
}

static uint32_t ctx_u32(const struct vm_s390x *c, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)c->ctx + off, sizeof(v));
	return v;
}

/* The code and length of the program exception the engine raised. */
static void engine_pgm(struct vm_s390x *c, uint16_t *code, unsigned int *ilen)
{
	uc_context_save(c->uc, c->ctx);
	*code = (uint16_t)ctx_u32(c, c->pgm_code_off);
	*ilen = ctx_u32(c, c->pgm_code_off + 4);
	if (*ilen != 2 && *ilen != 4 && *ilen != 6)
		*ilen = 2;
}

/* Fetch the instruction at the virtual PSW. Returns its length, 0 if not in storage. */
static unsigned int fetch_insn(struct vm_s390x *c, uint8_t insn[6])
{
	unsigned int len;

	if (s390x_load(c, c->psw_addr, insn, 2))
		return 0;
	len = insn_len(insn[0]);
	if (s390x_load(c, c->psw_addr + 2, insn + 2, len - 2))
		return 0;
	return len;
}

static void handle_pgm(struct vm_s390x *c)
{
	uint8_t insn[6] = { 0 };
	unsigned int len, ilen;
	enum vm_s390x_rc rc;
	uint16_t code, pgm = 0;

	engine_pgm(c, &code, &ilen);
	if (c->stepping || (code != S390X_PGM_PRIVILEGED && code != S390X_PGM_OPERATION)) {
		/* The guest's own exception. */
		pgm_interrupt(c, code, ilen);
		c->exit = EXIT_RESUME;
		return;
	}
	len = fetch_insn(c, insn);
	if (!len || len != ilen) {
		/* Executed by EXECUTE, or not fetchable: reflect what the engine found. */
		pgm_interrupt(c, code, ilen);
		c->exit = EXIT_RESUME;
		return;
	}
	rc = s390x_emulate(c, insn, len, code, &pgm);
	switch (rc) {
	case VM_S390X_DONE:
		c->psw_addr += len;
		break;
	case VM_S390X_CC0:
	case VM_S390X_CC1:
	case VM_S390X_CC2:
	case VM_S390X_CC3:
		c->psw_mask = (c->psw_mask & ~S390X_PSW_CC) |
			      ((uint64_t)(rc - VM_S390X_CC0) << 44);
		c->psw_addr += len;
		break;
	case VM_S390X_PSW_LOADED:
		break;
	case VM_S390X_NOT_HANDLED:
		/* A DIAGNOSE code nobody handles: the guest's error (-d guest_errors). */
		vm_log_guest_error("guest_s390x_diag psw=0x%llx insn=%02x%02x%02x%02x: DIAGNOSE "
				   "code not handled: specification exception",
				   (unsigned long long)c->psw_addr, insn[0], insn[1], insn[2],
				   insn[3]);
		pgm_interrupt(c, S390X_PGM_SPECIFICATION, len);
		break;
	case VM_S390X_PGM:
		pgm_interrupt(c, pgm, len);
		break;
	case VM_S390X_STOP:
		c->exit = EXIT_STOP;
		return;
	}
	if (c->exit == EXIT_STEP)
		return;
	/*
	 * Whatever the instruction enabled or made pending is presented before the next one.
	 * After one, the run loop presents the rest: it also checks for the machine
	 * stopping, which a guest whose new PSWs stay enabled for a lasting condition (a
	 * negative CPU timer) would otherwise keep from happening.
	 */
	if (deliver_one(c))
		c->exit = EXIT_RESUME;
	if ((c->psw_mask & S390X_PSW_WAIT) || !s390x_psw_valid(c->psw_mask, c->psw_addr) ||
	    (c->psw_addr & 1) || atomic_load(&c->vm->stop))
		c->exit = EXIT_RESUME;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct vm_s390x *c = opaque;
	uint64_t m;

	(void)uc;
	psw_from_engine(c);
	c->exit = EXIT_NONE;
	if (intno == EXCP_PGM) {
		handle_pgm(c);
	} else if (intno == EXCP_SVC) {
		uint8_t insn[6];
		uint16_t code;
		unsigned int ilen;

		if (fetch_insn(c, insn) == 2 && insn[0] == 0x0a) {
			code = insn[1];
			ilen = 2;
		} else {
			/* SVC as the target of EXECUTE: the engine's code and length. */
			uc_context_save(c->uc, c->ctx);
			code = (uint16_t)ctx_u32(c, c->pgm_code_off + 8);
			ilen = ctx_u32(c, c->pgm_code_off + 12);
			if (ilen != 4 && ilen != 6)
				ilen = 4;
		}
		svc_interrupt(c, code, ilen);
		c->exit = EXIT_RESUME;
	} else {
		fprintf(stderr, VM_NAME ": s390x: unexpected engine exception %u at 0x%llx\n",
			intno, (unsigned long long)c->psw_addr);
		c->stop_status = 1;
		c->exit = EXIT_STOP;
	}
	if (c->exit != EXIT_NONE || c->stepping) {
		if (c->exit == EXIT_NONE)
			c->exit = EXIT_RESUME;
		uc_emu_stop(c->uc);
		return;
	}
	/* Go on inside the engine: writing the PC resumes there (unicorn's quit_request). */
	m = engine_mask(c);
	uc_reg_write(c->uc, UC_S390X_REG_PSWM, &m);
	uc_reg_write(c->uc, UC_S390X_REG_PC, &c->psw_addr);
}

/* ---- Kicks: stop the engine when an interruption may have become pending ---- */

/*
 * At the start of every translation block: leave the engine if the kicker asked. The
 * stop is requested from the vCPU's own thread, between two blocks: a stop requested
 * from another thread (uc_emu_stop() there) was seen to corrupt guest state.
 */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vm_s390x *c = opaque;

	(void)addr, (void)size;
	/* The machine stopping ends a guest that runs without ever trapping, too. */
	if (atomic_load_explicit(&c->kick_seq, memory_order_relaxed) !=
	    atomic_load_explicit(&c->seen_seq, memory_order_relaxed) ||
	    atomic_load_explicit(&c->vm->stop, memory_order_relaxed))
		uc_emu_stop(uc);
}

void s390x_timers_changed(struct vm_s390x *c)
{
	uint64_t d;

	pthread_mutex_lock(&c->vm->lock);
	c->timer_cr0 = c->cr[0];
	c->timer_gen++;
	/*
	 * Wake the kicker only when it now has to act earlier than it sleeps for: a timed
	 * wait reloads the CPU timer and toggles CR0 several times, and each needless
	 * wake-up is a host context switch.
	 */
	d = timer_deadline_locked(c, c->timer_cr0);
	if (d && (!c->kicker_until || d < c->kicker_until))
		pthread_cond_broadcast(&c->vm->cond);
	pthread_mutex_unlock(&c->vm->lock);
}


/*
 * The kicker: wakes on every css callback (vm->irq_gen) and at the next timer deadline,
 * and asks the vCPU to leave the engine (kick_seq; hook_block() acts on it), so that
 * the run loop presents what became pending while the guest runs.
 */
static void *kicker_thread(void *arg)
{
	struct vm_s390x *c = arg;
	struct vm *vm = c->vm;
	uint64_t last_irq, last_timer = ~0ull, cr0;
	bool fired = false;

	pthread_mutex_lock(&vm->lock);
	last_irq = vm->irq_gen;
	while (!c->kicker_quit && !atomic_load(&vm->stop)) {
		uint64_t deadline, now;
		bool kick = false;
		struct timespec ts;

		if (c->timer_gen != last_timer) {
			last_timer = c->timer_gen;
			fired = false;
		}
		cr0 = c->timer_cr0;
		deadline = timer_deadline_locked(c, cr0);
		now = s390x_host_tod();
		if (deadline && !fired && now >= deadline) {
			fired = true;
			kick = true;
		} else if (vm->irq_gen != last_irq) {
			last_irq = vm->irq_gen;
			kick = true;
		}
		if (!kick) {
			c->kicker_until = deadline && !fired ? deadline : 0;
			if (c->kicker_until) {
				tod_to_timespec(deadline, &ts);
				pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
			} else {
				pthread_cond_wait(&vm->cond, &vm->lock);
			}
			c->kicker_until = 0;
			continue;
		}
		/* hook_block() stops the engine at the next block; run() acknowledges. */
		atomic_fetch_add(&c->kick_seq, 1);
	}
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

/* ---- Calibration: where the engine keeps the program-interruption code ---- */

struct probe {
	uint8_t code[6];
	unsigned int len;
	bool problem;
	uint32_t want_code, want_len;
};

static void probe_hook(uc_engine *uc, uint32_t intno, void *opaque)
{
	uc_context *ctx = opaque;

	(void)intno;
	uc_context_save(uc, ctx);
	uc_emu_stop(uc);
}

struct block_probe {
	uc_context *ctx;
	unsigned int blocks;
};

/* The second block of the EXRL probe is its target, entered with the EXECUTE state set. */
static void probe_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct block_probe *bp = opaque;

	(void)addr, (void)size;
	if (++bp->blocks == 2)
		uc_context_save(uc, bp->ctx);
}

/*
 * Run instructions whose exception is known (operation 0x0001 with length 2,
 * privileged operation 0x0002 with lengths 4 and 6, SVC 0x77) on a scratch engine and
 * find the offset in the saved CPU state where all codes and lengths sit side by side;
 * likewise the pending target of EXRL (*@ex_off). Returns the offset, or -1.
 */
static long calibrate(long *ex_off)
{
	static const struct probe probes[] = {
		{ { 0x00, 0x00 }, 2, false, 0x0001, 2 },
		{ { 0xb2, 0xb2, 0x00, 0x00 }, 4, true, 0x0002, 4 },
		{ { 0xeb, 0x00, 0x00, 0x00, 0x00, 0x2f }, 6, true, 0x0002, 6 },
	};
	static const uint8_t svc[2] = { 0x0a, 0x77 };
	uc_engine *uc;
	uc_context *ctx[4] = { NULL };
	size_t size, off;
	uc_hook h;
	long found = -1;
	unsigned int i;

	if (uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &uc) != UC_ERR_OK)
		return -1;
	if (uc_mem_map(uc, 0, 0x10000, UC_PROT_ALL) != UC_ERR_OK)
		goto out;
	for (i = 0; i < 4; i++)
		if (uc_context_alloc(uc, &ctx[i]) != UC_ERR_OK)
			goto out;
	/*
	 * EXECUTE state: run just EXRL (its target BCR 0,0 not yet), then find the pending
	 * target (QEMU's ex_value: the target's bytes left-aligned, ORed with the EXRL
	 * length) in the saved state.
	 */
	*ex_off = -1;
	{
		static const uint8_t exrl[10] = { 0xc6, 0x00, 0x00, 0x00, 0x00, 0x04,
						  0x07, 0x00, 0x07, 0x00 };
		uint64_t mask = S390X_PSW_EA | S390X_PSW_BA, want = 0x0700000000000006ull, v;
		struct block_probe bp = { ctx[0], 0 };

		uc_mem_write(uc, 0x2000, exrl, sizeof(exrl));
		uc_reg_write(uc, UC_S390X_REG_PSWM, &mask);
		uc_hook_add(uc, &h, UC_HOOK_BLOCK, probe_block, &bp, 1, 0);
		uc_emu_start(uc, 0x2000, 0x200a, 0, 0);
		uc_hook_del(uc, h);
		size = uc_context_size(uc);
		for (off = 0; bp.blocks >= 2 && off + 8 <= size; off += 8) {
			memcpy(&v, (char *)ctx[0] + off, 8);
			if (v == want) {
				*ex_off = (long)off;
				break;
			}
		}
	}
	for (i = 0; i < 4; i++) {
		uint64_t mask = S390X_PSW_EA | S390X_PSW_BA;
		const uint8_t *code = i < 3 ? probes[i].code : svc;
		unsigned int len = i < 3 ? probes[i].len : 2;

		if (i < 3 && probes[i].problem)
			mask |= S390X_PSW_PROBLEM;
		/* Each probe at its own address: no stale translation, no (slow) flush. */
		uc_mem_write(uc, 0x3000 + i * 0x100, code, len);
		uc_hook_add(uc, &h, UC_HOOK_INTR, probe_hook, ctx[i], 1, 0);
		uc_reg_write(uc, UC_S390X_REG_PSWM, &mask);
		uc_emu_start(uc, 0x3000 + i * 0x100, 0x3000 + i * 0x100 + 0x80, 0, 0);
		uc_hook_del(uc, h);
	}
	size = uc_context_size(uc);
	for (off = 0; off + 16 <= size; off += 4) {
		bool ok = true;
		uint32_t v[4];

		for (i = 0; i < 3 && ok; i++) {
			memcpy(v, (char *)ctx[i] + off, 8);
			ok = v[0] == probes[i].want_code && v[1] == probes[i].want_len;
		}
		memcpy(v, (char *)ctx[3] + off, 16);
		if (ok && v[2] == 0x77 && v[3] == 2) {
			found = (long)off;
			break;
		}
	}
out:
	for (i = 0; i < 4; i++)
		if (ctx[i])
			uc_context_free(ctx[i]);
	uc_close(uc);
	return found;
}

/* ---- Machine interface ---- */

bool vm_s390x_available(void)
{
	return true;
}

int vm_s390x_create(struct vm *vm, uint64_t mask, uint64_t addr)
{
	struct vm_s390x *c;
	long off, ex_off;
	uc_hook h;
	uc_err err;

	off = calibrate(&ex_off);
	if (off < 0 || ex_off < 0) {
		fprintf(stderr, VM_NAME ": s390x: this libunicorn does not report program-"
			"interruption codes where expected (version %u.%u?); cannot run s390x code\n",
			uc_version(NULL, NULL) >> 8 & 0xff, uc_version(NULL, NULL) & 0xff);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, VM_NAME ": out of memory\n");
		return -1;
	}
	c->vm = vm;
	c->mem = vm->mem;
	c->ram = vm->ram;
	c->ram_size = vccw_mem_size(vm->mem);
	c->pgm_code_off = (size_t)off;
	c->ex_value_off = (size_t)ex_off;
	err = uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &c->uc);
	if (err == UC_ERR_OK)
		err = uc_mem_map_ptr(c->uc, 0, c->ram_size, UC_PROT_ALL, vm->ram);
	if (err == UC_ERR_OK)
		err = uc_context_alloc(c->uc, &c->ctx);
	if (err == UC_ERR_OK)
		err = uc_hook_add(c->uc, &h, UC_HOOK_INTR, hook_intr, c, 1, 0);
	if (err == UC_ERR_OK)
		err = uc_hook_add(c->uc, &h, UC_HOOK_BLOCK, hook_block, c, 1, 0);
	if (err != UC_ERR_OK) {
		fprintf(stderr, VM_NAME ": s390x: engine: %s\n", uc_strerror(err));
		if (c->ctx)
			uc_context_free(c->ctx);
		if (c->uc)
			uc_close(c->uc);
		free(c);
		return -1;
	}
	vm->s390x = c;
	vm_s390x_reset(c, VM_S390X_RESET_CLEAR);
	vm_s390x_load_psw(c, mask, addr);
	return 0;
}

void vm_s390x_free(struct vm *vm)
{
	struct vm_s390x *c = vm->s390x;

	if (!c)
		return;
	/* An engine left by an abort is in an unknown state: leave it alone. */
	if (!c->engine_broken) {
		uc_context_free(c->ctx);
		uc_close(c->uc);
	}
	free(c);
	vm->s390x = NULL;
}

uint64_t vm_s390x_gpr(struct vm_s390x *cpu, unsigned int n)
{
	return s390x_gpr(cpu, n);
}

void vm_s390x_set_gpr(struct vm_s390x *cpu, unsigned int n, uint64_t val)
{
	s390x_set_gpr(cpu, n, val);
}

enum vccw_mem_rc vm_s390x_read(struct vm_s390x *cpu, uint64_t addr, void *buf, size_t len)
{
	return s390x_load(cpu, addr, buf, len) ? VCCW_MEM_ADDRESSING : VCCW_MEM_OK;
}

enum vccw_mem_rc vm_s390x_write(struct vm_s390x *cpu, uint64_t addr, const void *buf,
				size_t len)
{
	uint16_t rc;

	if (!range_ok(cpu, addr, len))
		return VCCW_MEM_ADDRESSING;
	/* The host writes without low-address protection; code there may have been run. */
	rc = s390x_store(cpu, addr, buf, len);
	if (rc == S390X_PGM_PROTECTION) {
		uint64_t saved = cpu->cr[0];

		cpu->cr[0] &= ~CR0_LOW_ADDR_PROT;
		rc = s390x_store(cpu, addr, buf, len);
		cpu->cr[0] = saved;
	}
	if (rc)
		return VCCW_MEM_ADDRESSING;
	if (len)
		uc_ctl_remove_cache(cpu->uc, s390x_abs(cpu, addr), s390x_abs(cpu, addr) + len);
	return VCCW_MEM_OK;
}

void vm_s390x_reset(struct vm_s390x *c, enum vm_s390x_reset_kind kind)
{
	unsigned int i;
	uint64_t zero = 0;

	/* CPU reset: pending interruptions of this CPU go away. */
	c->service_pending = false;
	c->emergency_pending = false;
	c->ext_call_pending = false;
	if (kind >= VM_S390X_RESET_INITIAL) {
		c->psw_mask = 0;
		c->psw_addr = 0;
		c->prefix = 0;
		memset(c->cr, 0, sizeof(c->cr));
		c->cr[0] = CR0_RESET;
		c->cr[14] = CR14_RESET;
		pthread_mutex_lock(&c->vm->lock);
		c->ckc = 0;
		c->cputm = 0;
		c->cputm_at = s390x_host_tod();
		c->tod_offset = 0;
		c->timer_cr0 = c->cr[0];
		c->timer_gen++;
		pthread_mutex_unlock(&c->vm->lock);
		c->sclp_cp_receive = 0;
		c->sclp_cp_send = 0;
		vccw_css_set_isc_mask(c->vm->css, 0);
	}
	if (kind >= VM_S390X_RESET_CLEAR) {
		for (i = 0; i < 16; i++) {
			s390x_set_gpr(c, i, 0);
			uc_reg_write(c->uc, UC_S390X_REG_F0 + (int)i, &zero);
		}
	}
	/*
	 * Storage may be reloaded after a reset: drop the translated blocks of all of RAM
	 * (UC_CTL_TB_FLUSH would do it too, but takes seconds).
	 */
	if (c->ran)
		uc_ctl_remove_cache(c->uc, 0, c->ram_size);
}

void vm_s390x_load_psw(struct vm_s390x *c, uint64_t mask, uint64_t addr)
{
	c->psw_mask = mask;
	c->psw_addr = addr;
}

struct vm *vm_s390x_vm(struct vm_s390x *cpu)
{
	return cpu->vm;
}

int vm_s390x_set_diag(struct vm *vm, uint16_t code, vm_s390x_diag_fn *fn, void *opaque)
{
	if (!vm->s390x || code != VM_S390X_DIAG_IPL)
		return -EINVAL;
	vm->s390x->diag308 = fn;
	vm->s390x->diag308_opaque = opaque;
	return 0;
}

/* ---- The run loop ---- */

/*
 * Sleep in an enabled wait until something may be presentable: a css callback
 * (vm->irq_gen moved past @gen), a timer deadline, or the machine stopping.
 */
static void wait_for_irq(struct vm_s390x *c, uint64_t gen)
{
	struct vm *vm = c->vm;
	uint64_t deadline = 0;
	struct timespec ts;

	pthread_mutex_lock(&vm->lock);
	if (c->psw_mask & S390X_PSW_EXT)
		deadline = timer_deadline_locked(c, c->cr[0]);
	if (deadline)
		tod_to_timespec(deadline, &ts);
	while (vm->irq_gen == gen && !atomic_load(&vm->stop)) {
		if (deadline) {
			if (pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT)
				break;
		} else {
			pthread_cond_wait(&vm->cond, &vm->lock);
		}
	}
	pthread_mutex_unlock(&vm->lock);
}

/* A disabled wait ends the machine; QEMU's convention: address ...fff is a clean stop. */
static int disabled_wait_status(const struct vm_s390x *c)
{
	if ((c->psw_addr & 0xfff) == 0xfff)
		return 0;
	fprintf(stderr, VM_NAME ": s390x: disabled wait, PSW 0x%016llx 0x%016llx\n",
		(unsigned long long)c->psw_mask, (unsigned long long)c->psw_addr);
	return (c->psw_addr & 0xff) ? (int)(c->psw_addr & 0xff) : 1;
}


/*
 * Did the engine stop between EXECUTE and its target? QEMU keeps the target in
 * ex_value and runs it as the next translation block, whatever the PSW then says: an
 * interruption presented now would run the target in place of the handler's first
 * instruction (QEMU itself takes no interruption in that state).
 */
static bool ex_pending(struct vm_s390x *c)
{
	uint64_t v;

	uc_context_save(c->uc, c->ctx);
	memcpy(&v, (const char *)c->ctx + c->ex_value_off, sizeof(v));
	return v != 0;
}

/*
 * Containment of an abort inside the library: libunicorn 2.0.1 asserts (and so calls
 * abort()) on some guest instructions, CSST with a zero storage characteristic among
 * them. SIGABRT is raised on the thread that asserted; when that is this vCPU inside
 * the engine, leave the engine for good and end the machine normally (devices taken
 * down, disks flushed) instead of dumping core. The engine is not touched again.
 */
static __thread sigjmp_buf *engine_jmp;

static void on_sigabrt(int sig)
{
	if (engine_jmp)
		siglongjmp(*engine_jmp, 1);
	/* Not ours: the default action, as if no handler had been installed. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static uc_err engine_start(struct vm_s390x *c, uint64_t begin, uint64_t until)
{
	sigjmp_buf jb;
	uc_err err;

	if (sigsetjmp(jb, 1)) {
		engine_jmp = NULL;
		c->engine_broken = true;
		return UC_ERR_EXCEPTION;
	}
	engine_jmp = &jb;
	err = uc_emu_start(c->uc, begin, until, 0, 0);
	engine_jmp = NULL;
	return err;
}

/* What the engine's error means for the machine; returns the exit status. */
static int engine_error(struct vm_s390x *c, uc_err err)
{
	if (c->engine_broken) {
		fprintf(stderr, VM_NAME ": s390x: libunicorn aborted while running the guest near "
			"PSW address 0x%llx (an instruction the library cannot execute, such as "
			"CSST); the machine stops\n", (unsigned long long)c->psw_addr);
		return 1;
	}
	switch (err) {
	case UC_ERR_READ_UNMAPPED:
	case UC_ERR_WRITE_UNMAPPED:
	case UC_ERR_FETCH_UNMAPPED:
		/* The library reports these without the instruction's address (block start). */
		fprintf(stderr, VM_NAME ": s390x: the guest accessed storage beyond RAM in the "
			"block at 0x%llx; libunicorn does not say which instruction, so no "
			"addressing exception can be presented: the machine stops\n",
			(unsigned long long)c->psw_addr);
		return 1;
	default:
		fprintf(stderr, VM_NAME ": s390x: engine: %s at 0x%llx\n", uc_strerror(err),
			(unsigned long long)c->psw_addr);
		return 1;
	}
}

static void run_native_step(struct vm_s390x *c, unsigned int len)
{
	uint64_t m;
	uc_err err;

	c->stepping = true;
	c->exit = EXIT_NONE;
	m = engine_mask(c);
	uc_reg_write(c->uc, UC_S390X_REG_PSWM, &m);
	err = engine_start(c, c->psw_addr, c->psw_addr + len);
	if (c->exit == EXIT_NONE && !c->engine_broken)
		psw_from_engine(c);
	c->stepping = false;
	if (err != UC_ERR_OK) {
		c->stop_status = engine_error(c, err);
		c->exit = EXIT_STOP;
	}
}

/* Returns the machine's exit status. */
static int run(struct vm_s390x *c)
{
	struct vm *vm = c->vm;
	bool in_execute = false;

	for (;;) {
		uint64_t gen, m;
		uc_err err;

		/* The machine's pause point (QMP stop): parked here until cont or the end. */
		if (!vm_cpu_pause_point(&vm->cpus[0]))
			return 0;
		if (in_execute) {
			/* Finish the EXECUTE first; the kicker kicks again (seen_seq is old). */
			in_execute = false;
			goto enter;
		}
		atomic_store(&c->seen_seq, atomic_load(&c->kick_seq));
		pthread_mutex_lock(&vm->lock);
		gen = vm->irq_gen;
		pthread_mutex_unlock(&vm->lock);
		/* An odd instruction address counts only when an instruction is fetched. */
		if (!s390x_psw_valid(c->psw_mask, c->psw_addr) ||
		    ((c->psw_addr & 1) && !(c->psw_mask & S390X_PSW_WAIT))) {
			/* PoP: an invalid PSW is an early specification exception, ILC 0. */
			pgm_interrupt(c, S390X_PGM_SPECIFICATION, 0);
			continue;
		}
		if (deliver_one(c))
			continue;
		if (c->psw_mask & S390X_PSW_WAIT) {
			if (!(c->psw_mask & (S390X_PSW_IO | S390X_PSW_EXT | S390X_PSW_MCHK)))
				return disabled_wait_status(c);
			wait_for_irq(c, gen);
			continue;
		}
enter:
		c->exit = EXIT_NONE;
		m = engine_mask(c);
		uc_reg_write(c->uc, UC_S390X_REG_PSWM, &m);
		c->ran = true;
		err = engine_start(c, c->psw_addr, 0);
		if (err != UC_ERR_OK) {
			if (!c->engine_broken)
				psw_from_engine(c);
			return engine_error(c, err);
		}
		if (c->exit == EXIT_NONE) {
			psw_from_engine(c);
			in_execute = ex_pending(c);
		}
		if (c->exit == EXIT_STEP) {
			uint8_t op;

			vccw_mem_ld_u8(c->mem, s390x_abs(c, c->psw_addr), &op);
			run_native_step(c, insn_len(op));
		}
		if (c->exit == EXIT_STOP)
			return c->stop_status;
	}
}

void vm_s390x_run(struct vm_cpu *cpu)
{
	struct vm *vm = cpu->vm;
	struct vm_s390x *c = vm->s390x;
	struct sigaction sa;
	int status, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigabrt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	c->kicker_quit = false;
	rc = pthread_create(&c->kicker, NULL, kicker_thread, c);
	if (rc) {
		fprintf(stderr, VM_NAME ": s390x: cannot start the kicker: %s\n", strerror(rc));
		status = 1;
	} else {
		status = run(c);
		pthread_mutex_lock(&vm->lock);
		c->kicker_quit = true;
		pthread_cond_broadcast(&vm->cond);
		pthread_mutex_unlock(&vm->lock);
		pthread_join(c->kicker, NULL);
	}
	if (atomic_load(&vm->stop))
		return; /* stopped by the machine: not the guest's own status */
	cpu->exit_code = status;
	cpu->exited = true;
}

#else /* !VM_HAVE_UNICORN */

#include <errno.h>
#include <stdio.h>

#include "cpu-s390x.h"
#include "vm-int.h"

bool vm_s390x_available(void)
{
	return false;
}

int vm_s390x_create(struct vm *vm, uint64_t mask, uint64_t addr)
{
	(void)vm, (void)mask, (void)addr;
	fprintf(stderr, VM_NAME ": built without the s390x CPU back-end (libunicorn-dev)\n");
	return -1;
}

void vm_s390x_run(struct vm_cpu *cpu)
{
	(void)cpu;
}

void vm_s390x_free(struct vm *vm)
{
	(void)vm;
}

int vm_s390x_set_diag(struct vm *vm, uint16_t code, vm_s390x_diag_fn *fn, void *opaque)
{
	(void)vm, (void)code, (void)fn, (void)opaque;
	return -ENOSYS;
}

#endif /* VM_HAVE_UNICORN */
