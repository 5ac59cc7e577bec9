/* SPDX-License-Identifier: MIT */
/*
 * The contract between the native guest back-end (guest/arch/native) and the machine
 * that runs it (vccw-vm): the machine fills a table of intercept entry points and starts
 * the guest program on a vCPU thread with guest_native_run(). The guest back-end never
 * includes host library headers; the machine never calls guest code except through
 * guest_native_run().
 */
#ifndef GUEST_NATIVE_HOST_H
#define GUEST_NATIVE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* I/O instruction opcodes as the intercept sees them (PoP). */
#define GUEST_OP_CSCH 0xb230
#define GUEST_OP_HSCH 0xb231
#define GUEST_OP_MSCH 0xb232
#define GUEST_OP_SSCH 0xb233
#define GUEST_OP_STSCH 0xb234
#define GUEST_OP_TSCH 0xb235
#define GUEST_OP_TPI 0xb236
#define GUEST_OP_SAL 0xb237
#define GUEST_OP_RSCH 0xb238
#define GUEST_OP_STCRW 0xb239
#define GUEST_OP_RCHP 0xb23b
#define GUEST_OP_SCHM 0xb23c
#define GUEST_OP_CHSC 0xb25f
#define GUEST_OP_XSCH 0xb276
/* SET INTERRUPTION CONTROLS is RSY EB..D1: its first and last opcode bytes. */
#define GUEST_OP_SIC 0xebd1

/* Control state of the vCPU that the machine consults when delivering interruptions. */
struct guest_native_cpu_state {
	bool io_enabled;   /* PSW bit 6 */
	bool mchk_enabled; /* PSW bit 13 */
	uint8_t isc_mask;  /* CR6 bits 32-39 */
	bool crw_mchk;     /* CR14 bit 35 */
};

/* Interruption the machine delivers; the machine has already stored the lowcore. */
struct guest_native_irq {
	enum { GUEST_NATIVE_IRQ_IO, GUEST_NATIVE_IRQ_MCHK } kind;
	uint32_t sid, intparm, iiw; /* I/O */
	uint64_t mcic;              /* machine check */
};

struct guest_native_host {
	void *ctx; /* the machine's vCPU, passed back to every entry point */
	uint8_t *ram;
	uint64_t ram_size;
	/* Guest program image and lowcore are below this; guest_alloc() starts here. */
	uint64_t heap_start;

	/*
	 * An I/O instruction: returns the condition code 0-3, or -pic for a program
	 * interruption. GPR1 and the second-operand address as the instruction has them.
	 * SCHM passes GPR2 in @addr; SIC passes GPR(R1) (the mode) in @gpr1 and GPR(R3)
	 * (the ISC in bits 34-36) in @addr.
	 */
	int (*io_insn)(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr);
	/* DIAGNOSE 0x500: returns GPR2; *@pgm receives a program-interruption code or 0. */
	int64_t (*diag500)(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3, uint64_t gpr4,
			   int *pgm);
	/* The vCPU's control state changed (masks). */
	void (*set_state)(void *ctx, const struct guest_native_cpu_state *st);
	/*
	 * Take one pending interruption allowed by the state last set, waiting up to
	 * @timeout_us (0: do not wait). Returns true with @irq filled.
	 */
	bool (*take_irq)(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq);
	void (*console_write)(void *ctx, const char *s, size_t len);
	uint64_t (*now_us)(void *ctx);
	/* The kernel command line (-append); NULL: none. Borrowed for the program's run. */
	const char *cmdline;
	/*
	 * The operator asked the guest to shut down (QMP system_powerdown: on s390x the
	 * SCLP signal-quiesce event). Returns true once per request. NULL: never asked.
	 */
	bool (*quiesce)(void *ctx);
};

/*
 * Stop the guest program that runs on the calling vCPU thread, as if it had called
 * guest_arch_exit(@code): for the machine, from inside one of its entry points (an
 * instruction or take_irq) when the machine shuts down. Does not return.
 */
void guest_native_stop(int code) __attribute__((noreturn));

/*
 * Run guest program @main on the calling thread (a vCPU thread) against @host.
 * Returns when @main returns (its value) or the guest calls guest_arch_exit() (the
 * code it passed); the machine then powers off or, with several vCPUs, stops this one.
 */
int guest_native_run(const struct guest_native_host *host, int (*main)(void));

#endif /* GUEST_NATIVE_HOST_H */
