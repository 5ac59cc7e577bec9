/* SPDX-License-Identifier: MIT */
/*
 * State of the s390x CPU back-end shared by its files (cpu-s390x.c, cpu-s390x-insn.c,
 * cpu-s390x-sclp.c). Only built with libunicorn (VM_HAVE_UNICORN).
 *
 * The guest runs in the engine in problem state (PSW bit 15) with DAT off; the PSW the
 * guest believes in is the virtual PSW here (psw_mask/psw_addr). The engine owns the
 * parts of the PSW that unprivileged instructions change (condition code, program mask,
 * addressing mode) and the instruction address while it runs; everything else (I/O,
 * external, machine-check masks, wait, key, problem state) lives only here.
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

/* Why the run loop got control back from the engine. */
enum s390x_exit {
	EXIT_NONE,  /* a kick, or the engine stopped by itself */
	EXIT_RESUME, /* the hook changed the virtual PSW: resume at psw_addr */
	EXIT_STEP,  /* run the privileged instruction at psw_addr natively, once */
	EXIT_STOP,  /* the machine ends with stop_status */
};

struct vm_s390x {
	struct vm *vm;
	uc_engine *uc;
	struct vccw_mem *mem;
	uint8_t *ram;
	uint64_t ram_size;

	/* The virtual PSW and the CPU's control state (vCPU thread only). */
	uint64_t psw_mask;
	uint64_t psw_addr;
	uint64_t cr[16];
	uint64_t prefix;
	bool stepping; /* the engine runs one instruction in supervisor state */
	bool ran;           /* the engine has run (translated blocks may exist) */
	bool engine_broken; /* the library aborted inside the engine (see on_sigabrt()) */

	/* Timers, in TOD-clock units (bit 51 = 1 us); under vm->lock. */
	int64_t tod_offset; /* guest TOD = host TOD + offset (SCK) */
	uint64_t ckc;
	uint64_t cputm;     /* value at cputm_at */
	uint64_t cputm_at;  /* host TOD when cputm was set */
	uint64_t timer_gen; /* bumped when a timer or its CR0 mask changes */
	uint64_t timer_cr0; /* CR0 as the kicker sees it */
	uint64_t kicker_until; /* host TOD the kicker sleeps until (0: a css callback) */

	/* Pending external conditions of this CPU (vCPU thread only). */
	bool service_pending;
	uint32_t service_param;
	bool emergency_pending;
	bool ext_call_pending;

	/* SCLP event facility: the masks the guest registered (WRITE EVENT MASK). */
	uint32_t sclp_cp_receive;
	uint32_t sclp_cp_send;

	/* DIAGNOSE 0x308 (IPL), provided by the IPL code. */
	vm_s390x_diag_fn *diag308;
	void *diag308_opaque;

	/* Exit from the engine to the run loop. */
	enum s390x_exit exit;
	int stop_status;

	/* Where the engine keeps the program-interruption code (see calibrate()). */
	uc_context *ctx;
	size_t pgm_code_off;
	size_t ex_value_off; /* and the instruction EXECUTE is about to run */

	/* Kicks from the kicker thread, acted on at the next block (cpu-s390x.c). */
	atomic_uint kick_seq;
	atomic_uint seen_seq;
	pthread_t kicker;
	bool kicker_quit; /* under vm->lock */
};

/* ---- cpu-s390x.c ---- */

uint64_t s390x_gpr(struct vm_s390x *c, unsigned int n);
void s390x_set_gpr(struct vm_s390x *c, unsigned int n, uint64_t v);
/* Host TOD clock (TOD units since 1900) and the guest's view of it. */
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

/* ---- cpu-s390x-insn.c ---- */

/*
 * Emulate the instruction @insn (@len bytes) at psw_addr, on which the engine raised
 * @engine_code (privileged operation, or operation for one it does not know). Returns
 * what happened; for VM_S390X_PGM *@pgm is set; c->exit = EXIT_STEP asks the run loop
 * to execute it natively once.
 */
enum vm_s390x_rc s390x_emulate(struct vm_s390x *c, const uint8_t *insn, unsigned int len,
			       uint16_t engine_code, uint16_t *pgm);
/* True if the PSW mask is valid in z/Architecture (PoP "Exceptions associated with the PSW"). */
bool s390x_psw_valid(uint64_t mask, uint64_t addr);

/* ---- cpu-s390x-sclp.c ---- */

/* SERVC with command @cmd and SCCB real address @sccb. */
enum vm_s390x_rc s390x_servc(struct vm_s390x *c, uint64_t cmd, uint64_t sccb, uint16_t *pgm);

#endif /* VM_CPU_S390X_INT_H */
