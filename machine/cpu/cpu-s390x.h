/* SPDX-License-Identifier: MIT */
/*
 * The s390x CPU back-end of vccw-vm: real s390x code (an ELF given to -kernel, firmware,
 * a Linux kernel) run by our patched Unicorn (third_party/unicorn, QEMU's TCG in a
 * library) as it is, supervisor or problem state, DAT on or off; the instructions that
 * need a machine trap to this back-end, which emulates them and presents every
 * interruption. Nothing here is seen outside machine/.
 *
 * Files: cpu-s390x.c (engine, run loop, interruptions, timers, kicks), cpu-s390x-insn.c
 * (the trapped instructions and the DIAGNOSE table), cpu-s390x-dat.c (DAT for their
 * operands), cpu-s390x-sclp.c (the service-call logical processor), cpu-s390x-elf.c (the
 * ELF loader; built with NO_UNICORN=1 too, so that vccw-vm can say what is missing).
 *
 * Interface for IPL code (DIAGNOSE 0x308, firmware loading):
 *  - start: load storage through vccw_mem, then vm_s390x_create(vm, mask, addr) from
 *    vm_machine_create() (as it does for an ELF -kernel); vCPU 0 then runs it;
 *  - DIAGNOSE 0x308: vm_s390x_set_diag(vm, VM_S390X_DIAG_IPL, fn, opaque) after
 *    vm_s390x_create(); fn runs on the vCPU thread inside the engine's hook and may
 *    use vm_s390x_gpr()/vm_s390x_set_gpr(), vm_s390x_read()/vm_s390x_write() (real
 *    addresses, prefixing applied; a write also drops translated code there), reset the
 *    channel subsystem (vccw_css_reset()), vm_s390x_reset() and vm_s390x_load_psw(),
 *    then return VM_S390X_PSW_LOADED (or a condition code, or VM_S390X_PGM).
 */
#ifndef VM_CPU_S390X_H
#define VM_CPU_S390X_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vccw/mem.h"

struct vm;
struct vm_cpu;
struct vm_s390x;

/* PSW mask bits (PoP figure 4-1), z/Architecture 16-byte PSW. */
#define S390X_PSW_PER 0x4000000000000000ull
#define S390X_PSW_DAT 0x0400000000000000ull
#define S390X_PSW_IO 0x0200000000000000ull
#define S390X_PSW_EXT 0x0100000000000000ull
#define S390X_PSW_KEY 0x00f0000000000000ull
#define S390X_PSW_MCHK 0x0004000000000000ull
#define S390X_PSW_WAIT 0x0002000000000000ull
#define S390X_PSW_PROBLEM 0x0001000000000000ull
#define S390X_PSW_ASC 0x0000c00000000000ull
#define S390X_PSW_CC 0x0000300000000000ull
#define S390X_PSW_PM 0x00000f0000000000ull
#define S390X_PSW_EA 0x0000000100000000ull
#define S390X_PSW_BA 0x0000000080000000ull
/* The PSW QEMU starts an ELF -kernel with: 64-bit addressing, everything else off. */
#define S390X_PSW_START_MASK (S390X_PSW_EA | S390X_PSW_BA)

/* Program-interruption codes (PoP chapter 6) used by the back-end. */
#define S390X_PGM_OPERATION 0x0001
#define S390X_PGM_PRIVILEGED 0x0002
#define S390X_PGM_PROTECTION 0x0004
#define S390X_PGM_ADDRESSING 0x0005
#define S390X_PGM_SPECIFICATION 0x0006
#define S390X_PGM_OPERAND 0x0015

/* What an intercepted instruction or DIAGNOSE handler did. */
enum vm_s390x_rc {
	VM_S390X_DONE,        /* completed: continue after the instruction */
	VM_S390X_CC0,         /* completed with this condition code */
	VM_S390X_CC1,
	VM_S390X_CC2,
	VM_S390X_CC3,
	VM_S390X_PSW_LOADED,  /* the handler loaded a new PSW (vm_s390x_load_psw()) */
	VM_S390X_NOT_HANDLED, /* DIAGNOSE code without a handler: specification exception */
	VM_S390X_PGM,         /* a program interruption; the code is in the handler's *pgm */
	VM_S390X_STOP,        /* the machine ends (exit status in vm_s390x_stop()) */
};

/*
 * A DIAGNOSE handler: @r1 and @r3 are the instruction's register fields, @addr the
 * second-operand address (its low 16 bits are the code). Set *@pgm and return
 * VM_S390X_PGM for a program interruption. Context: the vCPU thread, inside the
 * engine's interruption hook: it may use the vm_s390x_* accessors, must not block long.
 */
typedef enum vm_s390x_rc vm_s390x_diag_fn(struct vm_s390x *cpu, void *opaque, unsigned int r1,
					  unsigned int r3, uint64_t addr, uint16_t *pgm);

/* DIAGNOSE codes with a slot in the table (cpu-s390x-insn.c). */
#define VM_S390X_DIAG_IPL 0x308

/*
 * Give DIAGNOSE @code its handler (replacing the default: for 0x308, "not handled",
 * a specification exception, until the IPL code registers itself).
 * Returns 0, or -EINVAL for a code without a slot. Context: before the vCPU starts.
 */
int vm_s390x_set_diag(struct vm *vm, uint16_t code, vm_s390x_diag_fn *fn, void *opaque);

/* General register @n (0-15). */
uint64_t vm_s390x_gpr(struct vm_s390x *cpu, unsigned int n);
void vm_s390x_set_gpr(struct vm_s390x *cpu, unsigned int n, uint64_t val);
/*
 * Copy to/from guest storage at real address @addr (prefixing applied). Returns
 * VCCW_MEM_OK or VCCW_MEM_ADDRESSING (nothing copied).
 */
enum vccw_mem_rc vm_s390x_read(struct vm_s390x *cpu, uint64_t addr, void *buf, size_t len);
enum vccw_mem_rc vm_s390x_write(struct vm_s390x *cpu, uint64_t addr, const void *buf,
				size_t len);

enum vm_s390x_reset_kind {
	VM_S390X_RESET_CPU,     /* CPU reset: interruptions pending on this CPU dropped */
	VM_S390X_RESET_INITIAL, /* plus PSW, prefix, CPU timer, clock comparator, CRs */
	VM_S390X_RESET_CLEAR,   /* plus general, access and floating-point registers */
};

/* Reset the CPU (PoP "Resets"); storage and the css are the caller's. */
void vm_s390x_reset(struct vm_s390x *cpu, enum vm_s390x_reset_kind kind);
/* Load @mask/@addr as the current PSW (a DIAGNOSE handler then returns PSW_LOADED). */
void vm_s390x_load_psw(struct vm_s390x *cpu, uint64_t mask, uint64_t addr);
/* The machine of @cpu. */
struct vm *vm_s390x_vm(struct vm_s390x *cpu);

/* ---- The machine's side (vm-machine.c, vm-cpu.c, vccw-vm.c) ---- */

/*
 * Check whether @path is an s390x ELF (EM_S390, 64-bit, big-endian): 1 yes, 0 no (or not
 * ELF), -errno when it cannot be read.
 */
int vm_s390x_elf_probe(const char *path);
/*
 * Load the PT_LOAD segments of the s390x ELF @path at their physical addresses into
 * @mem, each checked against @ram_size (@mem NULL: only check). On success *@entry is
 * the entry point. Returns 0, or -1 after vm_error() naming @what.
 */
int vm_s390x_elf_load(struct vccw_mem *mem, uint64_t ram_size, const char *what,
		      const char *path, uint64_t *entry);
/* True when this vccw-vm can run s390x code (not built with NO_UNICORN=1). */
bool vm_s390x_available(void);

/*
 * Create the CPU of @vm (vCPU 0) with its first PSW @mask/@addr; storage is loaded.
 * Returns 0, or -1 after printing.
 */
int vm_s390x_create(struct vm *vm, uint64_t mask, uint64_t addr);
/* Run vCPU @cpu on the calling thread until the machine stops or the guest ends it. */
void vm_s390x_run(struct vm_cpu *cpu);
void vm_s390x_free(struct vm *vm);

#endif /* VM_CPU_S390X_H */
