/* SPDX-License-Identifier: MIT */
/*
 * The service-call logical processor (SCLP) of vccw-vm without a CPU: the SCCB commands
 * and the event facility that firmware and Linux's sclp drivers use, on an SCCB the CPU
 * back-end has already fetched (SERVC's program checks and the store back are the
 * back-end's: cpu-s390x-sclp.c). What it answers follows QEMU 7.2's hw/s390x/sclp.c,
 * event-facility.c, sclpconsole.c (the VT220 console, event type 0x1a, Linux's
 * ttysclp0) and sclpconsole-lm.c (the line-mode console, message event 0x02 with its
 * message data block), facts only:
 *  - Read SCP Info (0x00020001, 0x00120001): storage size, one CPU, load parameter;
 *  - Write Event Mask (0x00780005): the guest's receive and send masks (any mask length
 *    1..1021), answered with what the SCLP sends (0x1a ASCII console, 0x1d signal
 *    quiesce) and accepts (0x1a, 0x02 message); function codes other than 0 are refused;
 *  - Write Event Data (0x00760005): every event buffer's syntax checked first, then the
 *    ASCII console's text and the line-mode message's text objects written to the
 *    console (the latter only while the guest has not enabled the VT220 console, so that
 *    Linux's early messages, sent both ways, are not printed twice), each buffer marked
 *    processed; an event type the guest did not enable, or the SCLP does not accept, is
 *    "invalid function";
 *  - Read Event Data (0x00770005, unconditional or selective read): a signal quiesce
 *    made pending by vm_sclp_quiesce() (system_powerdown; QEMU's sclpquiesce.c: a 9-byte
 *    buffer, the header, a timeout and its unit, both 0), read once; then the console
 *    input queued by vm_sclp_input() as ASCII console events, as many bytes as the SCCB
 *    holds, answered with normal completion (0x0020, as QEMU; Linux takes no other);
 *    "no event buffers stored" when there is nothing of a type the guest reads;
 *  - any other command: "invalid command" (0x01f0), which Linux tolerates.
 *
 * Interfaces for the CPU back-end (the s390x helper's interruption code):
 *  - after every SERVC that completed (condition code 0), make the service-signal
 *    external interruption (code 0x2401) pending with parameter
 *    vm_sclp_service_param(sclp, sccb): the SCCB address with bit 31 (0x1) set while
 *    events wait to be read, as QEMU's sclp_service_interrupt() builds it;
 *  - register vm_sclp_set_notify(): @fn runs (on the console's input thread, or the
 *    monitor's for a signal quiesce) when an event arrives of a type the guest reads; it
 *    should make 0x2401 pending with parameter vm_sclp_service_param(sclp, 0) (just the
 *    event-pending bit) and wake the vCPU, as an unsolicited service signal;
 *  - on a CPU/system reset: vm_sclp_reset() (the masks and a pending signal quiesce go,
 *    queued input stays).
 */
#ifndef VM_CPU_SCLP_H
#define VM_CPU_SCLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_SCLP_CMD_MASK 0xffff00ffu
#define VM_SCLP_CMD_READ_SCP_INFO 0x00020001u
#define VM_SCLP_CMD_READ_SCP_INFO_FORCED 0x00120001u
#define VM_SCLP_CMD_READ_EVENT_DATA 0x00770005u
#define VM_SCLP_CMD_WRITE_EVENT_DATA 0x00760005u
#define VM_SCLP_CMD_WRITE_EVENT_MASK 0x00780005u

/* Response codes (SCCB header bytes 6-7). */
#define VM_SCLP_RC_NORMAL_READ 0x0010
#define VM_SCLP_RC_NORMAL 0x0020
#define VM_SCLP_RC_BOUNDARY 0x0100
#define VM_SCLP_RC_INVALID_COMMAND 0x01f0
#define VM_SCLP_RC_INSUFFICIENT_LENGTH 0x0300
#define VM_SCLP_RC_INVALID_FUNCTION 0x40f0
#define VM_SCLP_RC_NO_EVENTS 0x60f0
#define VM_SCLP_RC_INVALID_SELECTION_MASK 0x70f0
#define VM_SCLP_RC_SYNTAX 0x73f0
#define VM_SCLP_RC_INVALID_MASK_LENGTH 0x74f0

/* Event types; type t is bit t-1 (from the left) of a 32-bit mask. */
#define VM_SCLP_EV_OPCMD 0x01
#define VM_SCLP_EV_MESSAGE 0x02
#define VM_SCLP_EV_PMSGCMD 0x09
#define VM_SCLP_EV_ASCII 0x1a
#define VM_SCLP_EV_QUIESCE 0x1d
#define VM_SCLP_MASK(t) (0x80000000u >> ((t) - 1))

/* SCCB header: length (u16), function code (byte 2), control mask (3-5), rc (6-7). */
#define VM_SCLP_SCCB_HEADER 8u
/* Variable-length response (control mask byte 5, bit 0x80). */
#define VM_SCLP_VARIABLE_LENGTH 0x80
/* The parameter's event-pending bit. */
#define VM_SCLP_PARAM_EVENT_PENDING 0x1u

/* Read SCP Info: a 144-byte block and one 16-byte CPU entry. */
#define VM_SCLP_READ_INFO_LEN 144
#define VM_SCLP_CPU_ENTRY_LEN 16

/* Bytes of console input kept until the guest reads them; more is dropped. */
#define VM_SCLP_INPUT_MAX 4096u

struct vm_sclp;

/*
 * Console output: @len bytes of the guest's text. Context: the vCPU thread in SERVC; may
 * block briefly (a full pipe).
 */
typedef void vm_sclp_write_fn(void *opaque, const uint8_t *buf, size_t len);
/* Input arrived for a guest that reads it (see above). Context: the input's thread. */
typedef void vm_sclp_notify_fn(void *opaque);

/*
 * A new SCLP for a machine of @ram_size bytes; console output goes to @write (NULL:
 * dropped). Returns NULL when out of memory. vm_sclp_free(NULL) does nothing.
 */
struct vm_sclp *vm_sclp_new(uint64_t ram_size, vm_sclp_write_fn *write, void *opaque);
void vm_sclp_free(struct vm_sclp *sclp);
/* The load parameter Read SCP Info reports (8 EBCDIC bytes); default 8 EBCDIC blanks. */
void vm_sclp_set_loadparm(struct vm_sclp *sclp, const uint8_t loadparm[8]);
void vm_sclp_set_notify(struct vm_sclp *sclp, vm_sclp_notify_fn *fn, void *opaque);

/*
 * Execute SCLP command @cmd on @sccb, the host copy of the guest's SCCB (@len bytes,
 * 8 <= @len, the length field already checked against it and against the 4 KiB page);
 * fills the response (header rc included) in place. Returns the response code.
 * Context: the vCPU thread.
 */
uint16_t vm_sclp_execute(struct vm_sclp *sclp, uint32_t cmd, uint8_t *sccb, uint16_t len);

/*
 * The service-signal parameter for a completed SCCB at @sccb (0: an unsolicited signal):
 * the address with its low 3 bits cleared, plus VM_SCLP_PARAM_EVENT_PENDING while the
 * guest has events to read. 0 means: no interruption is due (QEMU makes none then).
 */
uint32_t vm_sclp_service_param(struct vm_sclp *sclp, uint64_t sccb);

/*
 * Console input (@len bytes) for the guest; whatever exceeds VM_SCLP_INPUT_MAX waiting
 * bytes is dropped. Calls the notify function when the guest reads ASCII events.
 * Returns the bytes kept. Context: any thread.
 */
size_t vm_sclp_input(struct vm_sclp *sclp, const uint8_t *buf, size_t len);

/*
 * system_powerdown: make the signal-quiesce event (0x1d) pending. Calls the notify
 * function when the guest reads that event type (else the event waits, unannounced,
 * for a Write Event Mask that enables it, as in QEMU). Returns true when it was
 * announced. Context: any thread.
 */
bool vm_sclp_quiesce(struct vm_sclp *sclp);

/* Forget the guest's event masks and a pending signal quiesce (CPU reset, IPL). */
void vm_sclp_reset(struct vm_sclp *sclp);

/* The masks the guest registered with Write Event Mask (for tests and tracing). */
uint32_t vm_sclp_cp_receive(struct vm_sclp *sclp);
uint32_t vm_sclp_cp_send(struct vm_sclp *sclp);

#endif /* VM_CPU_SCLP_H */
