/* SPDX-License-Identifier: MIT */
/*
 * The guest's architecture layer: everything guest code needs from the CPU. Guest code
 * (channel-I/O layer, virtio-ccw driver, device drivers, lscss/lschp, conformance tests)
 * is written once against this header and built twice:
 *
 *   native  (guest/arch/native): guest code runs on a vCPU thread of vccw-vm; every
 *           instruction is a call into the machine's intercept entry points, and guest
 *           RAM is the machine's guest memory, seen through guest_arch_ptr();
 *   s390x   (guest/arch/s390x, step 4): a bare-metal program with the real instructions,
 *           lowcore and new-PSW handlers, run under qemu-system-s390x.
 *
 * Everything the guest hands to the channel subsystem (ORB, CCWs, SCHIB, IRB, CHSC
 * blocks, rings, buffers) must live in guest RAM: allocate it with guest_alloc() and
 * pass pointers; the arch layer turns them into guest addresses.
 *
 * Instructions return the condition code (0-3), or the negated program-interruption
 * code (-0x15 for an operand exception ...) when the instruction caused a program
 * interruption, so tests can check exceptions on both back-ends alike.
 *
 * Context: one guest program per vCPU; the functions are not reentrant across vCPUs
 * except where noted. Interruption handlers run on the vCPU that takes them, between
 * instructions (native: inside any guest_arch_* call while enabled).
 */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A guest absolute address (what CCWs, ORBs and rings contain). */
typedef uint64_t guest_addr_t;

/* Program-interruption codes tests may expect (negated in instruction results). */
#define GUEST_PGM_OPERATION 0x01
#define GUEST_PGM_PRIVILEGED 0x02
#define GUEST_PGM_PROTECTION 0x04
#define GUEST_PGM_ADDRESSING 0x05
#define GUEST_PGM_SPECIFICATION 0x06
#define GUEST_PGM_OPERAND 0x15

/* ---- Memory ---- */

/* Host pointer for guest address @a (identity on s390x). */
void *guest_arch_ptr(guest_addr_t a);
/* Guest address of @p, which must point into guest RAM. */
guest_addr_t guest_arch_addr(const void *p);
/* Size of guest RAM in bytes. */
uint64_t guest_arch_ram_size(void);
/*
 * First and last+1 guest address the arch leaves to guest_alloc() (above the lowcore
 * and the program image, below 2 GiB so 31-bit CCW addresses reach it).
 */
void guest_arch_heap(guest_addr_t *start, guest_addr_t *end);
/*
 * Full barrier: this CPU's stores to guest RAM before it are visible to the host before
 * its loads after it (Linux's virtio_mb()). Notification suppression needs it between
 * publishing an index and reading the host's event field (virtio 2.7.13.4, 2.8.23).
 */
void guest_arch_mb(void);

/* ---- I/O instructions (PoP chapter 14) ---- */

int guest_arch_stsch(uint32_t sid, void *schib);
int guest_arch_msch(uint32_t sid, void *schib);
int guest_arch_ssch(uint32_t sid, void *orb);
int guest_arch_tsch(uint32_t sid, void *irb);
int guest_arch_hsch(uint32_t sid);
int guest_arch_csch(uint32_t sid);
int guest_arch_rsch(uint32_t sid);
int guest_arch_xsch(uint32_t sid);
/* TPI: @code NULL stores into the lowcore (0xB8); else two words at @code. */
int guest_arch_tpi(void *code);
int guest_arch_stcrw(uint32_t *crw);
/* CHSC with the 4 KiB-aligned @block; returns cc or -pic. */
int guest_arch_chsc(void *block);
int guest_arch_rchp(uint64_t gpr1);
int guest_arch_sal(uint64_t gpr1);
int guest_arch_schm(uint64_t gpr1, uint64_t gpr2);
/*
 * SET INTERRUPTION CONTROLS (adapter-interruption suppression): @mode into GPR(R1)
 * bits 48-63 (0 all interruptions, 1 single interruption), @isc into GPR(R3) bits
 * 34-36. The condition code is unchanged: returns 0, or -pic.
 */
int guest_arch_sic(uint16_t mode, uint8_t isc);
/*
 * Raw operand forms for tests that pass addresses no pointer can express (unaligned,
 * beyond RAM): @addr is the second-operand address itself.
 */
int guest_arch_io_raw(uint16_t opcode, uint64_t gpr1, uint64_t addr);

/*
 * DIAGNOSE 0x500 (KVM/QEMU hypercall): GPR1 = @subcode, GPR2 = @schid, GPR3 = @queue,
 * GPR4 = @cookie; returns GPR2 after the call. *@pgm (may be NULL) receives the
 * program-interruption code, or 0.
 */
int64_t guest_arch_diag500(uint64_t subcode, uint64_t schid, uint64_t queue, uint64_t cookie,
			   int *pgm);

/* ---- Interruptions ---- */

/* I/O-interruption code as the lowcore holds it (0xB8-0xC3). */
struct guest_io_irq {
	uint32_t sid;     /* subchannel-ID word, 0 for adapter interruptions */
	uint32_t intparm;
	uint32_t iiw;     /* bit 0 adapter, bits 2-4 ISC */
};

typedef void guest_io_handler_fn(const struct guest_io_irq *irq);
typedef void guest_mchk_handler_fn(uint64_t mcic);

/* Handlers called when an interruption is taken (NULL: ignore). */
void guest_arch_set_io_handler(guest_io_handler_fn *fn);
void guest_arch_set_mchk_handler(guest_mchk_handler_fn *fn);
/* CR6 bits 32-39: ISC n enabled by 0x80 >> n. */
void guest_arch_set_isc_mask(uint8_t mask);
/* CR14 bit 35: channel-report-pending machine checks. */
void guest_arch_set_crw_mchk(bool enable);
/* PSW I/O and machine-check masks. */
void guest_arch_irq_enable(void);
void guest_arch_irq_disable(void);
/*
 * Enabled wait: let pending interruptions be taken; if none is pending, wait for one
 * for at most @timeout_us microseconds. Returns true if an interruption was taken.
 */
bool guest_arch_wait(uint64_t timeout_us);

/* ---- Console, time, exit ---- */

/* Write to the machine console (native: the vccw-vm console; s390x: SCLP). */
void guest_arch_console_write(const char *s, size_t len);
/* Microseconds since some fixed point (TOD clock). */
uint64_t guest_arch_now_us(void);
/*
 * The kernel command line (-append), "" when there is none. Native: vccw-vm's -append.
 * s390x: the string at 0x10480, where QEMU (and vccw-vm) write -append for an image
 * entered at 0x10000 (Linux's parameter area), when it ends within the area's 896 bytes.
 */
const char *guest_arch_cmdline(void);
/*
 * True, once per request, when the operator asked the machine to shut down (QMP
 * system_powerdown, the SCLP signal-quiesce event): the program should end soon.
 * Native: asks vccw-vm. s390x: the SCLP signal-quiesce event, read when a service signal
 * said an event is pending (the program must let external interruptions in: it waits).
 */
bool guest_arch_quiesce_pending(void);
/* End the guest program with @code (0 success); powers the machine off. */
void guest_arch_exit(int code) __attribute__((noreturn));

#endif /* GUEST_ARCH_H */
