// SPDX-License-Identifier: MIT
/*
 * Console output of the bare-metal s390x guest through the service-call logical
 * processor (SCLP): register the ASCII console event type with WRITE EVENT MASK, then
 * send text with WRITE EVENT DATA, one service call at a time, waiting for the
 * service-signal external interruption that ends each call. Layouts as QEMU's
 * hw/s390x/event-facility.c and sclpconsole.c read them (facts only).
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

#define SCLP_CMD_WRITE_EVENT_MASK 0x00780005u
#define SCLP_CMD_WRITE_EVENT_DATA 0x00760005u
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
void sclp_ext_interrupt(uint16_t code);

/* One page below 2 GiB, in the image, page aligned (SCCB rules). */
static uint8_t sccb_page[4096] __attribute__((aligned(4096)));
static volatile int sclp_busy;
static bool sclp_ready;

void sclp_ext_interrupt(uint16_t code)
{
	if (code == EXT_CODE_SERVICE_SIGNAL)
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
	m->cp_receive_mask = SCLP_MASK_ASCII;
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
 * The signal-quiesce event (SCLP event type 0x1d) is not read by this build: the guest
 * does not register for it, so the machine keeps it and a powerdown is not seen here.
 */
bool guest_arch_quiesce_pending(void)
{
	return false;
}
