// SPDX-License-Identifier: MIT
/*
 * Console output of the bare-metal s390x guest through the service-call logical
 * processor (SCLP): register the ASCII console event type with WRITE EVENT MASK, then
 * send text with WRITE EVENT DATA, one service call at a time, waiting for the
 * service-signal external interruption that ends each call; and the signal-quiesce
 * event the machine sends to ask for a shutdown, read with READ EVENT DATA. Layouts as QEMU's
 * hw/s390x/event-facility.c and sclpconsole.c read them (facts only).
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

#define SCLP_CMD_WRITE_EVENT_MASK 0x00780005u
#define SCLP_CMD_WRITE_EVENT_DATA 0x00760005u
#define SCLP_CMD_READ_EVENT_DATA 0x00770005u
#define SCLP_UNCONDITIONAL_READ 0x00
#define SCLP_RC_NORMAL_READ 0x0010
#define SCLP_RC_NORMAL 0x0020
#define SCLP_EVENT_SIGNAL_QUIESCE 0x1d
#define SCLP_MASK_QUIESCE (0x80000000u >> (SCLP_EVENT_SIGNAL_QUIESCE - 1))
#define SCLP_EVENT_ASCII_CONSOLE 0x1a
/* Event type t is mask bit t (numbered from 1 at the most significant bit). */
#define SCLP_MASK_ASCII (0x80000000u >> (SCLP_EVENT_ASCII_CONSOLE - 1))
#define EXT_CODE_SERVICE_SIGNAL 0x2401
#define CR0_SERVICE_SIGNAL 0x200ull /* CR0 bit 54 */

struct sccb_header {
	uint16_t length;
	uint8_t function_code;
	uint8_t control_mask[3];
	uint16_t response_code;
} __attribute__((packed));

struct write_event_mask {
	struct sccb_header h;
	uint16_t reserved;
	uint16_t mask_length;
	uint32_t cp_receive_mask;
	uint32_t cp_send_mask;
	uint32_t send_mask;
	uint32_t receive_mask;
} __attribute__((packed));

struct write_event_data {
	struct sccb_header h;
	uint16_t ebh_length;
	uint8_t ebh_type;
	uint8_t ebh_flags;
	uint16_t ebh_reserved;
	char data[];
} __attribute__((packed));

void sclp_console_init(void);
void sclp_console_write(const char *s, size_t len);
void sclp_ext_interrupt(uint16_t code, uint32_t param);

/* One page below 2 GiB, in the image, page aligned (SCCB rules). */
static uint8_t sccb_page[4096] __attribute__((aligned(4096)));
static volatile int sclp_busy;
static volatile int sclp_event_pending;
static bool sclp_ready;

void sclp_ext_interrupt(uint16_t code, uint32_t param)
{
	if (code != EXT_CODE_SERVICE_SIGNAL)
		return;
	/* Bit 0 of the parameter: the event facility holds an event for us. */
	if (param & 1)
		sclp_event_pending = 1;
	/* The rest is the SCCB of a completed call (0: only an event is signalled). */
	if (param & ~3u)
		sclp_busy = 0;
}

static void service_call(uint32_t cmd, void *sccb)
{
	uint64_t cr0;
	unsigned char old;
	int cc;

	/* Let the service signal in: CR0 subclass mask and the PSW external mask. */
	asm volatile("stctg 0,0,%0" : "=Q"(cr0));
	cr0 |= CR0_SERVICE_SIGNAL;
	asm volatile("lctlg 0,0,%0" : : "Q"(cr0));
	sclp_busy = 1;
	do {
		asm volatile("	.insn rre,0xb2200000,%[cmd],%[sccb]\n"
			     "	ipm	%[cc]\n"
			     "	srl	%[cc],28\n"
			     : [cc] "=d"(cc)
			     : [cmd] "d"((unsigned long)cmd), [sccb] "a"(sccb)
			     : "cc", "memory");
	} while (cc == 2); /* busy: try again */
	if (cc) {
		sclp_busy = 0;
		return;
	}
	asm volatile("stosm %0,0x01" : "=Q"(old) : : "memory");
	while (sclp_busy)
		;
	asm volatile("stnsm %0,0xfe" : "=Q"(old) : : "memory");
}

void sclp_console_init(void)
{
	struct write_event_mask *m = (void *)sccb_page;

	guest_memset(sccb_page, 0, sizeof(sccb_page));
	m->h.length = sizeof(*m);
	m->mask_length = 4;
	m->cp_receive_mask = SCLP_MASK_ASCII | SCLP_MASK_QUIESCE;
	m->cp_send_mask = SCLP_MASK_ASCII;
	service_call(SCLP_CMD_WRITE_EVENT_MASK, m);
	sclp_ready = true;
}

void sclp_console_write(const char *s, size_t len)
{
	struct write_event_data *d = (void *)sccb_page;
	const size_t room = sizeof(sccb_page) - sizeof(*d);

	if (!sclp_ready)
		return;
	while (len) {
		size_t n = len < room ? len : room;

		guest_memset(sccb_page, 0, sizeof(*d));
		d->h.length = (uint16_t)(sizeof(*d) + n);
		d->ebh_length = (uint16_t)(6 + n);
		d->ebh_type = SCLP_EVENT_ASCII_CONSOLE;
		guest_memcpy(d->data, s, n);
		service_call(SCLP_CMD_WRITE_EVENT_DATA, d);
		s += n;
		len -= n;
	}
}

/*
 * Signal quiesce (event type 0x1d, the machine's powerdown request): the console
 * registers to receive it; a service signal whose parameter has bit 0 set says an event
 * is pending, and READ EVENT DATA (unconditional read) fetches it. Other event types
 * read meanwhile are dropped: this guest takes no console input.
 */
bool guest_arch_quiesce_pending(void)
{
	struct sccb_header *h = (void *)sccb_page;
	unsigned int off;
	bool quiesce = false;

	if (!sclp_ready || !sclp_event_pending)
		return false;
	while (sclp_event_pending) {
		sclp_event_pending = 0;
		guest_memset(sccb_page, 0, sizeof(sccb_page));
		h->length = sizeof(sccb_page);
		h->function_code = SCLP_UNCONDITIONAL_READ;
		service_call(SCLP_CMD_READ_EVENT_DATA, sccb_page);
		/* Events stored: normal completion (QEMU answers 0x0020; 0x0010 is read). */
		if (h->response_code != SCLP_RC_NORMAL && h->response_code != SCLP_RC_NORMAL_READ)
			break;
		/* Event buffers follow the header: length (2 bytes), then type. */
		for (off = sizeof(*h); off + 6 <= h->length && off + 6 <= sizeof(sccb_page);) {
			uint16_t len = *(uint16_t *)(sccb_page + off);

			if (sccb_page[off + 2] == SCLP_EVENT_SIGNAL_QUIESCE)
				quiesce = true;
			if (len < 6)
				break;
			off += len;
		}
	}
	return quiesce;
}
