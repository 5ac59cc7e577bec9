/* SPDX-License-Identifier: MIT */
/*
 * State of the s390x CPU back-end shared by its files (cpu-s390x.c, cpu-s390x-insn.c,
 * cpu-s390x-dat.c, cpu-s390x-sclp.c). Only built with our Unicorn (VM_HAVE_UNICORN).
 *
 * The guest runs in the engine as it is: supervisor or problem state, DAT on or off.
 * The engine owns the PSW, the control registers, the prefix, the TOD clock and the
 * CPU timer; this back-end reads them when it needs them (psw_mask/psw_addr and prefix
 * below are copies, refreshed at every hook and every return from the engine) and
 * writes the PSW back when it presents an interruption.
 */
#ifndef VM_CPU_S390X_INT_H
#define VM_CPU_S390X_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <unicorn/unicorn.h>

#include "cpu-s390x.h"
#include "vm-int.h"

/* Lowcore offsets (PoP figure "Assigned storage locations"), relative to the prefix. */
#define LC_EXT_PARAM 0x80
#define LC_CPU_ADDR 0x84
#define LC_EXT_CODE 0x86
#define LC_SVC_ILC 0x88
#define LC_SVC_CODE 0x8a
#define LC_PGM_ILC 0x8c
#define LC_PGM_CODE 0x8e
#define LC_MON_CLASS 0x94
#define LC_PER_CODE 0x96
#define LC_MON_CODE 0xb0
#define LC_STFL 0xc8
#define LC_RESTART_OLD 0x120
#define LC_EXT_OLD 0x130
#define LC_SVC_OLD 0x140
#define LC_PGM_OLD 0x150
#define LC_MCHK_OLD 0x160
#define LC_IO_OLD 0x170
#define LC_RESTART_NEW 0x1a0
#define LC_EXT_NEW 0x1b0
#define LC_SVC_NEW 0x1c0
#define LC_PGM_NEW 0x1d0
#define LC_MCHK_NEW 0x1e0
#define LC_IO_NEW 0x1f0

/* Control-register bits (PoP "Control registers": bit n of 64 is 1 << (63 - n)). */
#define CR0_LOW_ADDR_PROT (1ull << (63 - 35))
#define CR0_EMERGENCY (1ull << (63 - 49))
#define CR0_EXT_CALL (1ull << (63 - 50))
#define CR0_CLOCK_COMP (1ull << (63 - 52))
#define CR0_CPU_TIMER (1ull << (63 - 53))
#define CR0_SERVICE (1ull << (63 - 54))
#define CR0_EXT_MASKS (CR0_EMERGENCY | CR0_EXT_CALL | CR0_CLOCK_COMP | CR0_CPU_TIMER | CR0_SERVICE)
#define CR14_CHANNEL_REPORT (1ull << (63 - 35))
/* Values after initial CPU reset (as QEMU sets them). */
#define CR0_RESET 0xe0ull
#define CR14_RESET 0xc2000000ull

/* External-interruption codes. */
#define EXT_EMERGENCY 0x1201
#define EXT_EXT_CALL 0x1202
#define EXT_CLOCK_COMP 0x1004
#define EXT_CPU_TIMER 0x1005
#define EXT_SERVICE 0x2401

struct vm_s390x {
	struct vm *vm;
	uc_engine *uc;
	struct vccw_mem *mem;
	uint8_t *ram;
	uint64_t ram_size;

	/* Copies of the engine's PSW and prefix (vCPU thread only; see above). */
	uint64_t psw_mask;
	uint64_t psw_addr;
	uint64_t prefix;
	uint8_t isc_mask;   /* CR6 bits 32-39 as last given to the css */
	bool ran;           /* the engine has run (translated blocks may exist) */

	/* Timers, in TOD-clock units (bit 51 = 1 us) of the host's monotonic clock. */
	int64_t tod_offset; /* guest TOD = host TOD + offset; under vm->lock */
	uint64_t ckc;       /* under vm->lock */
	uint64_t cputm;     /* CPU timer value at cputm_at; under vm->lock */
	uint64_t cputm_at;  /* host TOD when cputm was set */
	uint64_t timer_gen; /* bumped when a timer or its CR0 mask changes */
	uint64_t kicker_until; /* host TOD the kicker sleeps until (0: a css callback) */
	uint64_t kicker_gen; /* vm->irq_gen before the vCPU ran: the kicker's start */

	/*
	 * Pending external conditions of this CPU. The service signal is also raised by
	 * the SCLP console's input thread (vm_sclp_set_notify()): service_pending and
	 * service_param are written under vm->lock, service_pending also read lock-free;
	 * the others are the vCPU thread's only.
	 */
	atomic_bool service_pending;
	uint32_t service_param;
	bool emergency_pending;
	bool ext_call_pending;

	/* SCLP event facility: the masks the guest registered (WRITE EVENT MASK). */
	uint32_t sclp_cp_receive;
	uint32_t sclp_cp_send;

	/* DIAGNOSE 0x308 (IPL), provided by the IPL code. */
	vm_s390x_diag_fn *diag308;
	void *diag308_opaque;

	/* The machine ends (SIGP stop, DIAGNOSE, an engine error) with stop_status. */
	bool stopping;
	int stop_status;

	/*
	 * Kicks: another thread (the kicker: css callbacks and timers) sets kick; the run
	 * loop clears it before it looks for interruptions and hook_block() stops the
	 * engine at the next block when it finds it set.
	 */
	atomic_bool kick;
	/*
	 * Interruptions pending but masked when the engine was entered, by the PSW bit or
	 * control-register mask that would let them in: the block hook stops the engine
	 * when the guest opens one (vCPU thread only). It looks at every block for
	 * masked_eager blocks after the state was recorded or an emulated instruction ran
	 * (a guest that masks, starts I/O and unmasks expects the interruption right after
	 * the unmasking instruction), then every 64 blocks: reading the PSW at every block
	 * slowed the decompressor of Linux many times over.
	 */
	uint64_t masked_ext_cr0; /* CR0 subclass bits of pending external conditions */
	uint8_t masked_isc;      /* ISCs with a pending I/O interruption */
	bool masked_crw;         /* a channel-report machine check */
	bool masked_any;
	unsigned int masked_tick; /* hook_block() looks every 64 blocks */
	unsigned int masked_eager; /* ... but at each of the next masked_eager blocks */
	pthread_t kicker;
	bool kicker_quit; /* under vm->lock */
};

/* ---- cpu-s390x.c ---- */

uint64_t s390x_gpr(struct vm_s390x *c, unsigned int n);
void s390x_set_gpr(struct vm_s390x *c, unsigned int n, uint64_t v);
/* Control register @n of the engine. */
uint64_t s390x_cr(struct vm_s390x *c, unsigned int n);
/* Host TOD clock: the host's monotonic clock in TOD units (as the engine's STCK). */
uint64_t s390x_host_tod(void);
/* Real to absolute address (prefixing). */
uint64_t s390x_abs(const struct vm_s390x *c, uint64_t real);
/* Check and access a real-address operand: 0 or a program-interruption code. */
uint16_t s390x_load(struct vm_s390x *c, uint64_t real, void *buf, size_t len);
uint16_t s390x_store(struct vm_s390x *c, uint64_t real, const void *buf, size_t len);
/* Something this CPU must look at changed (timers, CR0): wake the kicker. */
void s390x_timers_changed(struct vm_s390x *c);
/* Current CPU timer value. Context: vm->lock held. */
uint64_t s390x_cputm_locked(const struct vm_s390x *c, uint64_t tod);
/* Make the service-signal external interruption (0x2401) pending with @param. */
void s390x_service_signal(struct vm_s390x *c, uint32_t param);
/* Store status (PoP "Store Status") at absolute @abs, the save area's layout. */
void s390x_store_status(struct vm_s390x *c, uint64_t abs);
/* Write the PSW (psw_mask/psw_addr) back to the engine. */
void s390x_psw_to_engine(struct vm_s390x *c);

/* ---- cpu-s390x-dat.c ---- */

/*
 * Translate the logical address @addr of an operand of the current instruction (the
 * PSW's DAT and address-space control) to a real address. Returns 0, or the
 * program-interruption code after storing the translation-exception code at 0xa8.
 */
uint16_t s390x_translate(struct vm_s390x *c, uint64_t addr, bool store, uint64_t *real);
/* Logical-address operand access, page by page: 0 or a program-interruption code. */
uint16_t s390x_vload(struct vm_s390x *c, uint64_t addr, void *buf, size_t len);
uint16_t s390x_vstore(struct vm_s390x *c, uint64_t addr, const void *buf, size_t len);

/* ---- cpu-s390x-insn.c ---- */

/*
 * Emulate the instruction @insn (@len bytes) at psw_addr that the engine trapped
 * (UC_S390X_PGM_EMULATE). Returns what happened; for VM_S390X_PGM *@pgm is set.
 */
enum vm_s390x_rc s390x_emulate(struct vm_s390x *c, const uint8_t *insn, unsigned int len,
			       uint16_t *pgm);
/* True if the PSW mask is valid in z/Architecture (PoP "Exceptions associated with the PSW"). */
bool s390x_psw_valid(uint64_t mask, uint64_t addr);

/* ---- cpu-s390x-sclp.c ---- */

/* SERVC with command @cmd and SCCB real address @sccb. */
enum vm_s390x_rc s390x_servc(struct vm_s390x *c, uint64_t cmd, uint64_t sccb, uint16_t *pgm);

#endif /* VM_CPU_S390X_INT_H */
