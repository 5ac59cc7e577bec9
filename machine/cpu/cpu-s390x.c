// SPDX-License-Identifier: MIT
/*
 * The s390x CPU back-end: our patched Unicorn (third_party/unicorn) runs the guest as
 * it is, in supervisor or problem state, DAT on or off. Every exception reaches the
 * engine's interruption hook with the PSW at the instruction: an instruction the
 * library leaves to its embedder (program code 0xffff, UC_S390X_PGM_EMULATE: SERVC,
 * DIAGNOSE, SIGP, STSI, the channel-subsystem instructions, SPT, SCKC) is emulated by
 * cpu-s390x-insn.c and the engine goes on after it; any other program exception and
 * every SVC is presented as its interruption right there (old/new PSW swap in the
 * lowcore at the prefix). The run loop here presents the asynchronous interruptions
 * (external, I/O, machine check) the PSW and control registers allow, waits in an
 * enabled wait until one arrives, and runs the engine otherwise.
 *
 * Time: the engine's TOD clock is the host's monotonic clock plus an offset (SCK moves
 * it); its CPU timer counts down with the same clock. The clock comparator and the
 * CPU timer trap when set, so this file always knows both deadlines; the kicker thread
 * sleeps until the nearer one (or a css callback) and kicks the vCPU: it sets a flag
 * that the block hook polls (see kick() for why not uc_emu_stop from that thread). An
 * interruption pending while the guest has it masked stops the engine at the block
 * after the unmasking instruction when the guest unmasks it soon (within
 * MASKED_EAGER_BLOCKS blocks of the run loop or an emulated instruction), else within
 * 64 blocks (hook_block()).
 */
#ifdef VM_HAVE_UNICORN

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sclp.h"
#include "cpu-s390x-int.h"
#include "vccw/byteorder.h"

/*
 * Machine-check interruption code of a channel report, as QEMU 7.2 builds it
 * (s390_build_validity_mcic() | CP): the subclass and every validity bit of the state
 * stored. The facilities add their own bits: VR (vector registers, stored into the
 * machine-check extended save area) because the QEMU CPU model offers the vector
 * facility (STFLE bit 129); GS (guarded-storage registers) is absent, as is the
 * guarded-storage facility (bit 133). Linux 6.1 (arch/s390/kernel/nmi.c) kills the
 * interrupted task when VR is off on a machine with vectors, and reloads the vector
 * registers from the save area when it is on: VR without the registers stored there
 * would corrupt them.
 */
#define MCIC_CHANNEL_REPORT (0x0040000000000000ull /* CP */ | 0x0000080000000000ull /* WP */ | \
			     0x0000040000000000ull /* MS */ | 0x0000020000000000ull /* PM */ | \
			     0x0000010000000000ull /* IA */ | 0x0000001000000000ull /* FP */ | \
			     0x0000000800000000ull /* GR */ | 0x0000000400000000ull /* CR */ | \
			     0x0000000100000000ull /* ST */ | 0x0000000040000000ull /* AR */ | \
			     0x0000000000200000ull /* PR */ | 0x0000000000100000ull /* FC */ | \
			     0x0000000000020000ull /* CT */ | 0x0000000000010000ull /* CC */)
#define MCIC_VR 0x0000004000000000ull
/* The QEMU CPU model (third_party/unicorn) offers the vector facility (STFLE bit 129). */
#define MODEL_HAS_VECTOR true
/*
 * Lowcore: the machine-check extended save area designation. Without the
 * guarded-storage facility its bits 0-53 are the area's absolute origin, 1 KiB
 * aligned, and the low bits are ignored (PoP "Machine-Check Extended Save Area"; QEMU
 * masks them too). The 32 vector registers take its first 512 bytes.
 */
#define LC_MCESAD 0x11b0
#define MCESA_ORIGIN_MASK (~0x3ffull)
#define MCESA_SIZE 1024u
/* Blocks in which hook_block() looks at the masks at every block (cpu-s390x-int.h). */
#define MASKED_EAGER_BLOCKS 256u
/* The store-status save area in the lowcore (PoP "Store Status"). */
#define LC_SAVE_AREA 0x1200

static uint64_t ureg(struct vm_s390x *c, int id)
{
	uint64_t v = 0;

	uc_reg_read(c->uc, id, &v);
	return v;
}

static uint32_t ureg32(struct vm_s390x *c, int id)
{
	uint32_t v = 0;

	uc_reg_read(c->uc, id, &v);
	return v;
}

static void uset(struct vm_s390x *c, int id, uint64_t v)
{
	uc_reg_write(c->uc, id, &v);
}

/* Refresh the copies of the PSW and prefix from the engine. */
static void sync_from_engine(struct vm_s390x *c)
{
	c->psw_addr = ureg(c, UC_S390X_REG_PC);
	c->psw_mask = ureg(c, UC_S390X_REG_PSWM);
	c->prefix = ureg32(c, UC_S390X_REG_PREFIX);
}

void s390x_psw_to_engine(struct vm_s390x *c)
{
	uset(c, UC_S390X_REG_PSWM, c->psw_mask);
	uset(c, UC_S390X_REG_PC, c->psw_addr);
}

uint64_t s390x_gpr(struct vm_s390x *c, unsigned int n)
{
	return ureg(c, UC_S390X_REG_R0 + (int)(n & 15));
}

void s390x_set_gpr(struct vm_s390x *c, unsigned int n, uint64_t v)
{
	uset(c, UC_S390X_REG_R0 + (int)(n & 15), v);
}

uint64_t s390x_cr(struct vm_s390x *c, unsigned int n)
{
	return ureg(c, UC_S390X_REG_CR0 + (int)(n & 15));
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

static bool low_addr_protected(struct vm_s390x *c, uint64_t real, size_t len)
{
	/* PoP "Low-address protection": real 0-511 and 4096-4607 with CR0 bit 35. */
	if (!len || !(s390x_cr(c, 0) & CR0_LOW_ADDR_PROT))
		return false;
	return real < 512 || (real < 4608 && real + len > 4096);
}

static uint16_t store(struct vm_s390x *c, uint64_t real, const void *buf, size_t len,
		      bool guest)
{
	size_t done = 0;

	if (!range_ok(c, real, len))
		return S390X_PGM_ADDRESSING;
	if (guest && low_addr_protected(c, real, len))
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

uint16_t s390x_store(struct vm_s390x *c, uint64_t real, const void *buf, size_t len)
{
	return store(c, real, buf, len, true);
}


/* ---- Time ---- */

uint64_t s390x_host_tod(void)
{
	/* The engine's clock: CLOCK_MONOTONIC in TOD units (bit 51 = 1 us: ns * 512 / 125). */
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return (ns / 125u) * 512u + (ns % 125u) * 512u / 125u;
}

uint64_t s390x_cputm_locked(const struct vm_s390x *c, uint64_t tod)
{
	/* The CPU timer counts down in TOD units while the CPU is operating or waiting. */
	return c->cputm - (tod - c->cputm_at);
}

/* Guest TOD = host TOD + offset: take the offset the engine uses (SCK moves it). */
static void refresh_tod_offset(struct vm_s390x *c)
{
	uint64_t before = s390x_host_tod(), tod = ureg(c, UC_S390X_REG_TOD);
	uint64_t after = s390x_host_tod();
	int64_t off = (int64_t)(tod - (before + (after - before) / 2)), old;

	pthread_mutex_lock(&c->vm->lock);
	old = c->tod_offset;
	/* The two reads jitter by some TOD units: only a real change (SCK) counts. */
	if (llabs(off - old) > 4096)
		c->tod_offset = off;
	pthread_mutex_unlock(&c->vm->lock);
	if (llabs(off - old) > 4096)
		s390x_timers_changed(c);
}

/*
 * Host TOD at which a timer interruption enabled by @cr0 becomes pending (0: never).
 * Context: vm->lock held.
 */
static uint64_t timer_deadline_locked(const struct vm_s390x *c, uint64_t cr0)
{
	uint64_t d = 0, t;

	if ((cr0 & CR0_CLOCK_COMP) && c->ckc != ~0ull) {
		/* Pending while TOD > CKC: from host TOD ckc - offset + 1 on. */
		t = c->ckc - (uint64_t)c->tod_offset + 1;
		d = t ? t : 1;
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
 * Does the old PSW point past the instruction? As QEMU's TCG: yes for the exceptions
 * that suppress, terminate or complete (and the monitor event); no for those that
 * nullify (translation exceptions and the like).
 */
static bool pgm_advances(uint16_t code)
{
	switch (code & 0x7f) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
	case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e:
	case 0x0f: case 0x12: case 0x13: case 0x15: case 0x1c: case 0x1f: case 0x40:
		return true;
	default:
		return false;
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
	if (code == 0x40) {
		lc_st16(c, LC_MON_CLASS, (uint16_t)ureg32(c, UC_S390X_REG_MONITOR_CLASS));
		lc_st64(c, LC_MON_CODE, ureg(c, UC_S390X_REG_MONITOR_CODE));
	}
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

/*
 * Make the service signal (0x2401) pending with @param. A signal still pending keeps
 * its SCCB address and gains the event-pending bit of the new one. Context: any thread.
 */
void s390x_service_signal(struct vm_s390x *c, uint32_t param)
{
	pthread_mutex_lock(&c->vm->lock);
	if (atomic_load(&c->service_pending) && !(param & ~7u))
		c->service_param |= param;
	else
		c->service_param = param;
	atomic_store(&c->service_pending, true);
	pthread_mutex_unlock(&c->vm->lock);
}

/*
 * Console input for a guest that enabled the ASCII console (the SCLP's input thread):
 * an unsolicited service signal, and the vCPU woken from an enabled wait (irq_gen) or
 * kicked out of the engine (the kicker wakes on irq_gen too).
 */
static void sclp_input_notify(void *opaque)
{
	struct vm_s390x *c = opaque;
	struct vm *vm = c->vm;

	s390x_service_signal(c, vm_sclp_service_param(vm->sclp, 0));
	pthread_mutex_lock(&vm->lock);
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

/* The CR0 subclass bits of the external conditions pending now. */
static uint64_t ext_pending_bits(struct vm_s390x *c)
{
	uint64_t bits = 0, tod;

	if (c->emergency_pending)
		bits |= CR0_EMERGENCY;
	if (c->ext_call_pending)
		bits |= CR0_EXT_CALL;
	pthread_mutex_lock(&c->vm->lock);
	if (atomic_load(&c->service_pending))
		bits |= CR0_SERVICE;
	tod = s390x_host_tod();
	if (c->ckc != ~0ull && tod + (uint64_t)c->tod_offset > c->ckc)
		bits |= CR0_CLOCK_COMP;
	if ((int64_t)s390x_cputm_locked(c, tod) < 0)
		bits |= CR0_CPU_TIMER;
	pthread_mutex_unlock(&c->vm->lock);
	return bits;
}

/* The external interruption to present (0: none), highest priority first. */
static uint16_t ext_code(uint64_t bits, uint64_t cr0)
{
	bits &= cr0;
	if (bits & CR0_EMERGENCY)
		return EXT_EMERGENCY;
	if (bits & CR0_EXT_CALL)
		return EXT_EXT_CALL;
	if (bits & CR0_CLOCK_COMP)
		return EXT_CLOCK_COMP;
	if (bits & CR0_CPU_TIMER)
		return EXT_CPU_TIMER;
	if (bits & CR0_SERVICE)
		return EXT_SERVICE;
	return 0;
}

/* Store status (PoP "Store Status") at absolute @base (the save area's layout). */
static void store_status(struct vm_s390x *c, uint64_t base)
{
	unsigned int i;
	uint32_t ar;

	for (i = 0; i < 16; i++) {
		vccw_mem_st_be64(c->mem, base + 0x00 + 8 * i, ureg(c, UC_S390X_REG_F0 + (int)i));
		vccw_mem_st_be64(c->mem, base + 0x80 + 8 * i, s390x_gpr(c, i));
		ar = ureg32(c, UC_S390X_REG_A0 + (int)i);
		vccw_mem_st_be32(c->mem, base + 0x140 + 4 * i, ar);
		vccw_mem_st_be64(c->mem, base + 0x180 + 8 * i, s390x_cr(c, i));
	}
	vccw_mem_st_be64(c->mem, base + 0x100, c->psw_mask);
	vccw_mem_st_be64(c->mem, base + 0x108, c->psw_addr);
	vccw_mem_st_be32(c->mem, base + 0x118, (uint32_t)c->prefix);
	vccw_mem_st_be32(c->mem, base + 0x11c, ureg32(c, UC_S390X_REG_FPC));
	vccw_mem_st_be32(c->mem, base + 0x124, 0); /* TOD programmable register */
	vccw_mem_st_be64(c->mem, base + 0x128, ureg(c, UC_S390X_REG_CPUTM));
	vccw_mem_st_be64(c->mem, base + 0x130, ureg(c, UC_S390X_REG_CKC) >> 8);
}

void s390x_store_status(struct vm_s390x *c, uint64_t abs)
{
	store_status(c, abs);
}

/*
 * The machine-check extended save area: the 32 vector registers at the origin the
 * lowcore designates. Returns false (VR is then off in the interruption code, as in
 * QEMU) if the model has no vectors, the designation is 0, or the area is not in RAM.
 */
static bool store_mcesa(struct vm_s390x *c)
{
	uint64_t origin = lc_ld64(c, LC_MCESAD) & MCESA_ORIGIN_MASK, v[2];
	unsigned int i;

	if (!MODEL_HAS_VECTOR || !origin || c->ram_size < MCESA_SIZE ||
	    origin > c->ram_size - MCESA_SIZE)
		return false;
	for (i = 0; i < 32; i++) {
		v[0] = v[1] = 0;
		uc_reg_read(c->uc, UC_S390X_REG_V0 + (int)i, v);
		vccw_mem_st_be64(c->mem, origin + 16 * i, v[0]);
		vccw_mem_st_be64(c->mem, origin + 16 * i + 8, v[1]);
	}
	return true;
}

/*
 * Present the highest-priority interruption the PSW and control registers allow
 * (PoP: machine check, external, I/O). Returns true if one was presented (the PSW is
 * then the new PSW, in the engine too). Records what stays pending but masked.
 * Context: vCPU thread, outside the engine, vm->lock not held.
 */
static bool deliver_one(struct vm_s390x *c)
{
	struct vm *vm = c->vm;
	struct vccw_io_irq io;
	uint64_t cr0 = s390x_cr(c, 0), cr6 = s390x_cr(c, 6), cr14 = s390x_cr(c, 14), ext;
	uint8_t isc_mask = (uint8_t)(cr6 >> 24), pend_isc = 0;
	bool crw;
	uint16_t code;
	unsigned int i;

	if (isc_mask != c->isc_mask) {
		c->isc_mask = isc_mask;
		vccw_css_set_isc_mask(vm->css, isc_mask);
	}
	c->masked_any = false;
	pthread_mutex_lock(&vm->lock);
	crw = vm->crw_mchk_pending;
	pthread_mutex_unlock(&vm->lock);
	if (crw && (c->psw_mask & S390X_PSW_MCHK) && (cr14 & CR14_CHANNEL_REPORT)) {
		bool take = false;

		/* One machine check per burst, as the native vCPU does (vm-cpu.c). */
		if (vccw_css_crw_pending(vm->css)) {
			pthread_mutex_lock(&vm->lock);
			take = vm->crw_mchk_pending;
			vm->crw_mchk_pending = false;
			pthread_mutex_unlock(&vm->lock);
		}
		if (take) {
			uint64_t mcic = MCIC_CHANNEL_REPORT;

			if (store_mcesa(c))
				mcic |= MCIC_VR;
			store_status(c, c->prefix + LC_SAVE_AREA);
			lc_st64(c, VM_LC_MCCK_CODE, mcic);
			store_old_psw(c, LC_MCHK_OLD, c->psw_addr);
			load_new_psw(c, LC_MCHK_NEW);
			s390x_psw_to_engine(c);
			return true;
		}
		crw = false;
	}
	ext = ext_pending_bits(c);
	if (c->psw_mask & S390X_PSW_EXT) {
		code = ext_code(ext, cr0);
		if (code) {
			lc_st16(c, LC_EXT_CODE, code);
			lc_st16(c, LC_CPU_ADDR, 0);
			uint32_t param = 0;

			if (code == EXT_SERVICE) {
				pthread_mutex_lock(&vm->lock);
				param = c->service_param;
				atomic_store(&c->service_pending, false);
				pthread_mutex_unlock(&vm->lock);
			}
			lc_st32(c, LC_EXT_PARAM, param);
			if (code == EXT_EMERGENCY)
				c->emergency_pending = false;
			else if (code == EXT_EXT_CALL)
				c->ext_call_pending = false;
			store_old_psw(c, LC_EXT_OLD, c->psw_addr);
			load_new_psw(c, LC_EXT_NEW);
			s390x_psw_to_engine(c);
			return true;
		}
	}
	if ((c->psw_mask & S390X_PSW_IO) && isc_mask &&
	    vccw_css_take_io_irq(vm->css, isc_mask, &io)) {
		lc_st32(c, VM_LC_SUBCHANNEL_ID, io.sid);
		lc_st32(c, VM_LC_IO_INT_PARM, io.intparm);
		lc_st32(c, VM_LC_IO_INT_WORD, io.iiw);
		store_old_psw(c, LC_IO_OLD, c->psw_addr);
		load_new_psw(c, LC_IO_NEW);
		s390x_psw_to_engine(c);
		return true;
	}
	/* Nothing presentable: what is pending but masked, for hook_block(). */
	if (vccw_css_io_irq_pending(vm->css, 0xff))
		for (i = 0; i < 8; i++)
			if (vccw_css_io_irq_pending(vm->css, (uint8_t)(0x80u >> i)))
				pend_isc |= (uint8_t)(0x80u >> i);
	c->masked_ext_cr0 = ext & CR0_EXT_MASKS;
	c->masked_isc = pend_isc;
	c->masked_crw = crw;
	c->masked_any = c->masked_ext_cr0 || pend_isc || crw;
	c->masked_eager = c->masked_any ? MASKED_EAGER_BLOCKS : 0;
	return false;
}

/* Would the guest take one of the interruptions recorded as masked, now? */
static bool masked_now_open(struct vm_s390x *c)
{
	uint64_t m = ureg(c, UC_S390X_REG_PSWM);

	if ((m & S390X_PSW_EXT) && c->masked_ext_cr0 && (s390x_cr(c, 0) & c->masked_ext_cr0))
		return true;
	if ((m & S390X_PSW_IO) && c->masked_isc &&
	    ((uint8_t)(s390x_cr(c, 6) >> 24) & c->masked_isc))
		return true;
	return (m & S390X_PSW_MCHK) && c->masked_crw &&
	       (s390x_cr(c, 14) & CR14_CHANNEL_REPORT);
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

/* ---- The engine's hooks ---- */

/* Must the run loop take over after the hook (stop, wait, a PSW to check)? */
static bool needs_run_loop(struct vm_s390x *c)
{
	return c->stopping || (c->psw_mask & S390X_PSW_WAIT) ||
	       !s390x_psw_valid(c->psw_mask, c->psw_addr) || (c->psw_addr & 1) ||
	       atomic_load_explicit(&c->vm->stop, memory_order_relaxed) ||
	       /* A re-IPL the guest asked for (vm_reset_post()): no instruction after it. */
	       atomic_load_explicit(&c->vm->reset_req, memory_order_relaxed);
}

/* Emulate the trapped instruction at psw_addr (@ilen bytes). */
static void emulate(struct vm_s390x *c, unsigned int ilen)
{
	uint8_t insn[6] = { 0 };
	enum vm_s390x_rc rc;
	uint16_t pgm = 0, fc;

	if (ilen != 2 && ilen != 4 && ilen != 6) {
		pgm_interrupt(c, S390X_PGM_OPERATION, 2);
		return;
	}
	/* The instruction itself: fetched through DAT like any other. */
	fc = s390x_vload(c, c->psw_addr, insn, ilen);
	if (fc) {
		pgm_interrupt(c, fc, ilen);
		return;
	}
	rc = s390x_emulate(c, insn, ilen, &pgm);
	switch (rc) {
	case VM_S390X_DONE:
		c->psw_addr += ilen;
		break;
	case VM_S390X_CC0:
	case VM_S390X_CC1:
	case VM_S390X_CC2:
	case VM_S390X_CC3:
		c->psw_mask = (c->psw_mask & ~S390X_PSW_CC) |
			      ((uint64_t)(rc - VM_S390X_CC0) << 44);
		c->psw_addr += ilen;
		break;
	case VM_S390X_PSW_LOADED:
		break;
	case VM_S390X_NOT_HANDLED:
		/* A DIAGNOSE code nobody handles: the guest's error (-d guest_errors). */
		vm_log_guest_error("guest_s390x_diag psw=0x%llx insn=%02x%02x%02x%02x: DIAGNOSE "
				   "code not handled: specification exception",
				   (unsigned long long)c->psw_addr, insn[0], insn[1], insn[2],
				   insn[3]);
		pgm_interrupt(c, S390X_PGM_SPECIFICATION, ilen);
		break;
	case VM_S390X_PGM:
		pgm_interrupt(c, pgm, ilen);
		break;
	case VM_S390X_STOP:
		c->stopping = true;
		break;
	}
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct vm_s390x *c = opaque;

	sync_from_engine(c);
	if (intno == UC_S390X_EXCP_PGM) {
		uint16_t code = (uint16_t)ureg32(c, UC_S390X_REG_PGM_CODE);
		unsigned int ilen = ureg32(c, UC_S390X_REG_PGM_ILEN);

		if (code == UC_S390X_PGM_EMULATE)
			emulate(c, ilen);
		else
			pgm_interrupt(c, code, ilen);
	} else if (intno == UC_S390X_EXCP_SVC) {
		svc_interrupt(c, (uint16_t)ureg32(c, UC_S390X_REG_SVC_CODE),
			      ureg32(c, UC_S390X_REG_SVC_ILEN));
	} else {
		vm_report("s390x: unexpected engine exception %u at 0x%llx\n",
			intno, (unsigned long long)c->psw_addr);
		c->stop_status = 1;
		c->stopping = true;
	}
	if (!c->stopping)
		s390x_psw_to_engine(c);
	if (needs_run_loop(c)) {
		uc_emu_stop(uc);
		return;
	}
	/*
	 * An emulated instruction may have made an external condition or an I/O
	 * interruption pending (SSCH, TSCH, ... that complete at once): leave the engine
	 * at the next block so that the run loop presents it or records it as masked,
	 * rather than waiting for the kicker, which may come after the guest unmasked it
	 * and looked for it. What was recorded as masked is looked at eagerly again.
	 */
	if (c->service_pending || c->emergency_pending || c->ext_call_pending ||
	    vccw_css_io_irq_pending(c->vm->css, (uint8_t)~c->masked_isc))
		atomic_store(&c->kick, true);
	if (c->masked_any)
		c->masked_eager = MASKED_EAGER_BLOCKS;
}

/* Should hook_block() look whether the guest opened a mask, at this block? */
static bool masked_look(struct vm_s390x *c)
{
	if (c->masked_eager) {
		c->masked_eager--;
		return true;
	}
	return !(++c->masked_tick & 63);
}

/*
 * At the start of every translation block: leave the engine when kicked, when the
 * machine stops, or when the guest opened the mask of an interruption recorded as
 * pending.
 */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct vm_s390x *c = opaque;

	(void)addr, (void)size;
	/* Not between an EXECUTE and its target: the engine would run the target first. */
	if ((atomic_load_explicit(&c->kick, memory_order_relaxed) ||
	     atomic_load_explicit(&c->vm->stop, memory_order_relaxed) ||
	     (c->masked_any && masked_look(c) && masked_now_open(c))) &&
	    !ureg(c, UC_S390X_REG_EX_VALUE))
		uc_emu_stop(uc);
}

/* ---- Kicks ---- */

/*
 * The kicker wakes at every timer deadline, whatever CR0 says (the guest changes CR0
 * without a trap): a kick for a masked timer only records it as masked (deliver_one()).
 */
#define KICKER_CR0 (CR0_CLOCK_COMP | CR0_CPU_TIMER)

/*
 * Kick the vCPU out of the engine: hook_block() sees the flag at the start of the next
 * translation block (chained blocks too) and stops the engine from the vCPU's own
 * thread. Not uc_emu_stop() from this thread: with it the Debian 6.1 kernel crashed in
 * 2 of 2 boots (a return address on a kernel stack corrupted, an illegal operation
 * at a stack address), patches 0009 and 0010 notwithstanding; with the flag alone it
 * booted to its shell in every run (see third_party/unicorn/README.md).
 */
static void kick(struct vm_s390x *c)
{
	atomic_store(&c->kick, true);
}

void s390x_timers_changed(struct vm_s390x *c)
{
	uint64_t d;

	pthread_mutex_lock(&c->vm->lock);
	c->timer_gen++;
	/*
	 * Wake the kicker only when it now has to act earlier than it sleeps for: each
	 * needless wake-up is a host context switch.
	 */
	d = timer_deadline_locked(c, KICKER_CR0);
	if (d && (!c->kicker_until || d < c->kicker_until))
		pthread_cond_broadcast(&c->vm->cond);
	pthread_mutex_unlock(&c->vm->lock);
}

/*
 * The kicker: wakes on every css callback (vm->irq_gen), at the next timer deadline and
 * when the machine stops, and kicks the vCPU, so that the run loop presents what became
 * pending while the guest runs.
 */
static void *kicker_thread(void *arg)
{
	struct vm_s390x *c = arg;
	struct vm *vm = c->vm;
	uint64_t last_irq, last_timer = ~0ull;
	bool fired = false;

	pthread_mutex_lock(&vm->lock);
	/*
	 * Not vm->irq_gen now: the vCPU may have run, and a css callback bumped it, before
	 * this thread first ran (seen: a channel report RCHP made pending under load, its
	 * machine check presented only seconds later). The value from before the vCPU
	 * started makes such a callback a kick now.
	 */
	last_irq = c->kicker_gen;
	while (!c->kicker_quit) {
		uint64_t deadline, now;
		bool do_kick = false;
		struct timespec ts;

		if (atomic_load(&vm->stop)) {
			pthread_mutex_unlock(&vm->lock);
			kick(c);
			pthread_mutex_lock(&vm->lock);
			if (!c->kicker_quit)
				pthread_cond_wait(&vm->cond, &vm->lock);
			continue;
		}
		if (c->timer_gen != last_timer) {
			last_timer = c->timer_gen;
			fired = false;
		}
		deadline = timer_deadline_locked(c, KICKER_CR0);
		now = s390x_host_tod();
		if (deadline && !fired && now >= deadline) {
			fired = true;
			do_kick = true;
		} else if (vm->irq_gen != last_irq) {
			last_irq = vm->irq_gen;
			do_kick = true;
		}
		if (!do_kick) {
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
		pthread_mutex_unlock(&vm->lock);
		kick(c);
		pthread_mutex_lock(&vm->lock);
	}
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

/* ---- Machine interface ---- */

bool vm_s390x_available(void)
{
	return true;
}

int vm_s390x_create(struct vm *vm, uint64_t mask, uint64_t addr)
{
	struct vm_s390x *c;
	uc_hook h;
	uc_err err;

	c = calloc(1, sizeof(*c));
	if (!c) {
		vm_report("out of memory\n");
		return -1;
	}
	c->vm = vm;
	c->mem = vm->mem;
	c->ram = vm->ram;
	c->ram_size = vccw_mem_size(vm->mem);
	err = uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &c->uc);
	/* The QEMU model: the facilities our patches make it offer (third_party/unicorn). */
	if (err == UC_ERR_OK)
		err = uc_ctl_set_cpu_model(c->uc, UC_CPU_S390X_QEMU);
	if (err == UC_ERR_OK)
		err = uc_mem_map_ptr(c->uc, 0, c->ram_size, UC_PROT_ALL, vm->ram);
	if (err == UC_ERR_OK)
		err = uc_hook_add(c->uc, &h, UC_HOOK_INTR, hook_intr, c, 1, 0);
	if (err == UC_ERR_OK)
		err = uc_hook_add(c->uc, &h, UC_HOOK_BLOCK, hook_block, c, 1, 0);
	if (err != UC_ERR_OK) {
		vm_report("s390x: engine: %s\n", uc_strerror(err));
		if (c->uc)
			uc_close(c->uc);
		free(c);
		return -1;
	}
	vm->s390x = c;
	if (vm->sclp)
		vm_sclp_set_notify(vm->sclp, sclp_input_notify, c);
	vm_s390x_reset(c, VM_S390X_RESET_CLEAR);
	vm_s390x_load_psw(c, mask, addr);
	return 0;
}

void vm_s390x_free(struct vm *vm)
{
	struct vm_s390x *c = vm->s390x;

	if (!c)
		return;
	if (vm->sclp)
		vm_sclp_set_notify(vm->sclp, NULL, NULL);
	uc_close(c->uc);
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
	/* The host writes without low-address protection; code there may have been run. */
	if (store(cpu, addr, buf, len, false))
		return VCCW_MEM_ADDRESSING;
	if (len && cpu->ran)
		uc_ctl_remove_cache(cpu->uc, s390x_abs(cpu, addr), s390x_abs(cpu, addr) + len);
	return VCCW_MEM_OK;
}

void vm_s390x_reset(struct vm_s390x *c, enum vm_s390x_reset_kind kind)
{
	unsigned int i;

	/* CPU reset: pending interruptions of this CPU go away. */
	pthread_mutex_lock(&c->vm->lock);
	atomic_store(&c->service_pending, false);
	pthread_mutex_unlock(&c->vm->lock);
	c->emergency_pending = false;
	c->ext_call_pending = false;
	if (kind >= VM_S390X_RESET_INITIAL) {
		c->psw_mask = 0;
		c->psw_addr = 0;
		c->prefix = 0;
		s390x_psw_to_engine(c);
		uset(c, UC_S390X_REG_PREFIX, 0);
		for (i = 0; i < 16; i++)
			uset(c, UC_S390X_REG_CR0 + (int)i,
			     i == 0 ? CR0_RESET : i == 14 ? CR14_RESET : 0);
		uset(c, UC_S390X_REG_CKC, 0);
		uset(c, UC_S390X_REG_CPUTM, 0);
		pthread_mutex_lock(&c->vm->lock);
		c->ckc = 0;
		c->cputm = 0;
		c->cputm_at = s390x_host_tod();
		c->timer_gen++;
		pthread_mutex_unlock(&c->vm->lock);
		refresh_tod_offset(c);
		c->sclp_cp_receive = 0;
		c->sclp_cp_send = 0;
		c->isc_mask = 0;
		vccw_css_set_isc_mask(c->vm->css, 0);
	}
	if (kind >= VM_S390X_RESET_CLEAR) {
		for (i = 0; i < 16; i++) {
			s390x_set_gpr(c, i, 0);
			uset(c, UC_S390X_REG_F0 + (int)i, 0);
			uset(c, UC_S390X_REG_A0 + (int)i, 0);
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
	s390x_psw_to_engine(c);
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
		deadline = timer_deadline_locked(c, s390x_cr(c, 0));
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
	vm_report("s390x: disabled wait, PSW 0x%016llx 0x%016llx\n",
		(unsigned long long)c->psw_mask, (unsigned long long)c->psw_addr);
	return (c->psw_addr & 0xff) ? (int)(c->psw_addr & 0xff) : 1;
}

/* What the engine's error means for the machine; returns the exit status. */
static int engine_error(struct vm_s390x *c, uc_err err)
{
	vm_report("s390x: engine: %s at 0x%llx\n", uc_strerror(err),
		(unsigned long long)c->psw_addr);
	return 1;
}

/* run()'s status when it left the engine for a system reset. */
#define RUN_RESET (-1)

/* Returns the machine's exit status, or RUN_RESET. */
static int run(struct vm_s390x *c)
{
	struct vm *vm = c->vm;

	for (;;) {
		uint64_t gen;
		uc_err err;

		/* The machine's pause point (QMP stop): parked here until cont or the end. */
		if (!vm_cpu_pause_point(&vm->cpus[0]))
			return 0;
		if (c->stopping)
			return c->stop_status;
		/* system_reset: out of the engine, between instructions (vm_reset_wait()). */
		if (atomic_load(&vm->reset_req))
			return RUN_RESET;
		/*
		 * Stopped between an EXECUTE and its target (a stop from a hook): the engine
		 * runs the target next whatever the PSW says, so finish it before presenting
		 * anything (hook_block() stops again at the next block).
		 */
		if (c->ran && ureg(c, UC_S390X_REG_EX_VALUE)) {
			err = uc_emu_start(c->uc, c->psw_addr, 0, 0, 0);
			if (!c->stopping)
				sync_from_engine(c);
			if (err != UC_ERR_OK)
				return engine_error(c, err);
			continue;
		}
		atomic_store(&c->kick, false);
		gen = __atomic_load_n(&vm->irq_gen, __ATOMIC_SEQ_CST);
		/* An odd instruction address counts only when an instruction is fetched. */
		if (!s390x_psw_valid(c->psw_mask, c->psw_addr) ||
		    ((c->psw_addr & 1) && !(c->psw_mask & S390X_PSW_WAIT))) {
			/* PoP: an invalid PSW is an early specification exception, ILC 0. */
			pgm_interrupt(c, S390X_PGM_SPECIFICATION, 0);
			s390x_psw_to_engine(c);
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
		c->ran = true;
		/* A kick after the check above is seen by hook_block() at the first block. */
		err = uc_emu_start(c->uc, c->psw_addr, 0, 0, 0);
		if (!c->stopping)
			sync_from_engine(c);
		if (err != UC_ERR_OK)
			return engine_error(c, err);
		refresh_tod_offset(c);
	}
}

void vm_s390x_run(struct vm_cpu *cpu)
{
	struct vm *vm = cpu->vm;
	struct vm_s390x *c = vm->s390x;
	int status, rc;

	/* A CPU stopped before (SIGP STOP under -no-shutdown) runs again after a reset. */
	pthread_mutex_lock(&vm->lock);
	cpu->exited = false;
	pthread_mutex_unlock(&vm->lock);
	c->stopping = false;
	c->stop_status = 0;
	c->kicker_quit = false;
	c->kicker_gen = __atomic_load_n(&vm->irq_gen, __ATOMIC_SEQ_CST);
	rc = pthread_create(&c->kicker, NULL, kicker_thread, c);
	if (rc) {
		vm_report("s390x: cannot start the kicker: %s\n", strerror(rc));
		status = 1;
	} else {
		status = run(c);
		pthread_mutex_lock(&vm->lock);
		c->kicker_quit = true;
		pthread_cond_broadcast(&vm->cond);
		pthread_mutex_unlock(&vm->lock);
		pthread_join(c->kicker, NULL);
	}
	if (atomic_load(&vm->stop) || status == RUN_RESET)
		return; /* stopped or reset by the machine: not the guest's own status */
	/* Under vm->lock: the main thread reads them as soon as done_fd fires. */
	pthread_mutex_lock(&vm->lock);
	cpu->exit_code = status;
	cpu->exited = true;
	pthread_mutex_unlock(&vm->lock);
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
	vm_report("built with NO_UNICORN=1, without the s390x CPU back-end\n");
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

/* The IPL code's accessors: never called, as no CPU exists without the back-end. */
uint64_t vm_s390x_gpr(struct vm_s390x *cpu, unsigned int n)
{
	(void)cpu, (void)n;
	return 0;
}

void vm_s390x_set_gpr(struct vm_s390x *cpu, unsigned int n, uint64_t val)
{
	(void)cpu, (void)n, (void)val;
}

enum vccw_mem_rc vm_s390x_read(struct vm_s390x *cpu, uint64_t addr, void *buf, size_t len)
{
	(void)cpu, (void)addr, (void)buf, (void)len;
	return VCCW_MEM_ADDRESSING;
}

enum vccw_mem_rc vm_s390x_write(struct vm_s390x *cpu, uint64_t addr, const void *buf,
				size_t len)
{
	(void)cpu, (void)addr, (void)buf, (void)len;
	return VCCW_MEM_ADDRESSING;
}

void vm_s390x_reset(struct vm_s390x *cpu, enum vm_s390x_reset_kind kind)
{
	(void)cpu, (void)kind;
}

void vm_s390x_load_psw(struct vm_s390x *cpu, uint64_t mask, uint64_t addr)
{
	(void)cpu, (void)mask, (void)addr;
}

struct vm *vm_s390x_vm(struct vm_s390x *cpu)
{
	(void)cpu;
	return NULL;
}

#endif /* VM_HAVE_UNICORN */
