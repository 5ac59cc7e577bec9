// SPDX-License-Identifier: MIT
/*
 * The service-call logical processor (SCLP) behind SERVC, with the commands firmware and
 * test kernels use: Read SCP Info (storage size, one CPU, load parameter), and the event
 * facility's Write Event Mask, Write Event Data (the ASCII console, event type 0x1a, on
 * vccw-vm's stdout) and Read Event Data (no input: "no event buffers stored"). Every
 * accepted call completes at once and makes the service-signal external interruption
 * (0x2401, parameter: the SCCB address) pending. Checks and response codes as QEMU's
 * hw/s390x/sclp.c and event-facility.c apply them (facts only).
 */
#ifdef VM_HAVE_UNICORN

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cpu-s390x-int.h"
#include "vccw/byteorder.h"

#define SCLP_CMD_MASK 0xffff00ffu
#define SCLP_CMD_READ_SCP_INFO 0x00020001u
#define SCLP_CMD_READ_SCP_INFO_FORCED 0x00120001u
#define SCLP_CMD_READ_EVENT_DATA 0x00770005u
#define SCLP_CMD_WRITE_EVENT_DATA 0x00760005u
#define SCLP_CMD_WRITE_EVENT_MASK 0x00780005u

#define SCLP_RC_NORMAL_READ 0x0010
#define SCLP_RC_NORMAL 0x0020
#define SCLP_RC_BOUNDARY 0x0100
#define SCLP_RC_INVALID_COMMAND 0x01f0
#define SCLP_RC_INSUFFICIENT_LENGTH 0x0300
#define SCLP_RC_INVALID_FUNCTION 0x40f0
#define SCLP_RC_NO_EVENTS 0x60f0
#define SCLP_RC_SYNTAX 0x73f0
#define SCLP_RC_INVALID_MASK_LENGTH 0x74f0

/* Event types and their mask bits (type t is bit t-1 of the 32-bit mask). */
#define SCLP_EV_MESSAGE 0x02
#define SCLP_EV_ASCII 0x1a
#define SCLP_MASK(t) (0x80000000u >> ((t) - 1))

/* Read SCP Info: a 144-byte block and one 16-byte CPU entry. */
#define READ_INFO_LEN 144
#define CPU_ENTRY_LEN 16

static bool console_stopped(void *ctx)
{
	struct vm_s390x *c = ctx;

	return atomic_load(&c->vm->stop);
}

/* The machine console (-serial, else stdout), as the native console writes it. */
static void console_write(struct vm_s390x *c, const uint8_t *s, size_t len)
{
	vm_serial_write(c->vm, (const char *)s, len, console_stopped, c);
}

static uint16_t read_scp_info(struct vm_s390x *c, uint8_t *sccb, uint16_t len)
{
	uint64_t mb = c->ram_size >> 20, incr = 1;

	if (len < READ_INFO_LEN + CPU_ENTRY_LEN)
		return SCLP_RC_INSUFFICIENT_LENGTH;
	/* Storage in increments of 1 MiB or more, at most 1020 of them (as QEMU). */
	while (mb / incr > 1020)
		incr <<= 1;
	memset(sccb + 8, 0, READ_INFO_LEN + CPU_ENTRY_LEN - 8);
	if (incr <= 128) {
		vccw_st_be16(sccb + 8, (uint16_t)(mb / incr)); /* rnmax */
		sccb[10] = (uint8_t)incr;                      /* rnsize, MiB */
	} else {
		vccw_st_be32(sccb + 100, (uint32_t)incr); /* rnsize2 */
		vccw_st_be64(sccb + 104, mb / incr);      /* rnmax2 */
	}
	vccw_st_be16(sccb + 16, 1);              /* CPU entries */
	vccw_st_be16(sccb + 18, READ_INFO_LEN);  /* their offset */
	vm_ipl_scp_loadparm(&c->vm->ipl, sccb + 24); /* load parameter (EBCDIC): the IPLB's or -machine's */
	vccw_st_be16(sccb + 120, 0);             /* highest CPU address */
	/* CPU entry 0: address 0, type 0 (CP). */
	return SCLP_RC_NORMAL_READ;
}

static uint16_t write_event_mask(struct vm_s390x *c, uint8_t *sccb, uint16_t len)
{
	uint16_t ml = vccw_ld_be16(sccb + 10);
	uint8_t m[4];
	unsigned int i;

	if (!ml || ml > 1021)
		return SCLP_RC_INVALID_MASK_LENGTH;
	if (12 + 4u * ml > len)
		return SCLP_RC_INSUFFICIENT_LENGTH;
	/* Masks longer than 4 bytes: event types beyond 32 do not exist here. */
	memset(m, 0, sizeof(m));
	for (i = 0; i < 4 && i < ml; i++)
		m[i] = sccb[12 + i];
	c->sclp_cp_receive = vccw_ld_be32(m);
	for (i = 0; i < 4 && i < ml; i++)
		m[i] = sccb[12 + ml + i];
	c->sclp_cp_send = vccw_ld_be32(m);
	/* What the SCLP can send to the guest, then what it accepts from it. */
	memset(sccb + 12 + 2 * ml, 0, 2u * ml);
	vccw_st_be32(m, SCLP_MASK(SCLP_EV_ASCII));
	for (i = 0; i < 4 && i < ml; i++)
		sccb[12 + 2 * ml + i] = m[i];
	vccw_st_be32(m, SCLP_MASK(SCLP_EV_ASCII) | SCLP_MASK(SCLP_EV_MESSAGE));
	for (i = 0; i < 4 && i < ml; i++)
		sccb[12 + 3 * ml + i] = m[i];
	return SCLP_RC_NORMAL;
}

static uint16_t write_event_data(struct vm_s390x *c, uint8_t *sccb, uint16_t len)
{
	uint16_t off;

	if (sccb[2] != 0) /* function code: normal write */
		return SCLP_RC_INVALID_FUNCTION;
	/* First the syntax of every event buffer, then their effects. */
	for (off = 8; off < len;) {
		uint16_t elen;

		if (len - off < 6)
			return SCLP_RC_SYNTAX;
		elen = vccw_ld_be16(sccb + off);
		if (elen < 6 || elen > len - off)
			return SCLP_RC_SYNTAX;
		off = (uint16_t)(off + elen);
	}
	for (off = 8; off < len;) {
		uint16_t elen = vccw_ld_be16(sccb + off);
		uint8_t type = sccb[off + 2];

		if (type == SCLP_EV_ASCII && (c->sclp_cp_send & SCLP_MASK(SCLP_EV_ASCII)))
			console_write(c, sccb + off + 6, elen - 6u);
		else if (type != SCLP_EV_MESSAGE ||
			 !(c->sclp_cp_send & SCLP_MASK(SCLP_EV_MESSAGE)))
			return SCLP_RC_INVALID_FUNCTION;
		/* Event processed: the SCLP sets the buffer's processed flag (bit 0). */
		sccb[off + 3] |= 0x80;
		off = (uint16_t)(off + elen);
	}
	return SCLP_RC_NORMAL;
}

enum vm_s390x_rc s390x_servc(struct vm_s390x *c, uint64_t cmd, uint64_t sccb, uint16_t *pgm)
{
	static uint8_t buf[4096];
	uint16_t len, rc;

	/* QEMU's program checks, in its order. */
	if (sccb >= c->ram_size || c->ram_size - sccb < 8) {
		*pgm = S390X_PGM_ADDRESSING;
		return VM_S390X_PGM;
	}
	if ((sccb & ~0x1fffull) == 0 || (sccb & ~0x1fffull) == c->prefix ||
	    (sccb & ~0x7ffffff8ull)) {
		*pgm = S390X_PGM_SPECIFICATION;
		return VM_S390X_PGM;
	}
	if (s390x_load(c, sccb, buf, 8)) {
		*pgm = S390X_PGM_ADDRESSING;
		return VM_S390X_PGM;
	}
	len = vccw_ld_be16(buf);
	if (len < 8) {
		*pgm = S390X_PGM_SPECIFICATION;
		return VM_S390X_PGM;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (len > c->ram_size - sccb)
		len = (uint16_t)(c->ram_size - sccb);
	s390x_load(c, sccb, buf, len);
	/* The SCCB must not cross a 4 KiB boundary. */
	if ((sccb & 4095) + len > 4096) {
		rc = SCLP_RC_BOUNDARY;
		len = 8;
	} else {
		switch ((uint32_t)cmd & SCLP_CMD_MASK) {
		case SCLP_CMD_READ_SCP_INFO:
		case SCLP_CMD_READ_SCP_INFO_FORCED:
			rc = read_scp_info(c, buf, len);
			break;
		case SCLP_CMD_WRITE_EVENT_MASK:
			rc = write_event_mask(c, buf, len);
			break;
		case SCLP_CMD_WRITE_EVENT_DATA:
			rc = write_event_data(c, buf, len);
			break;
		case SCLP_CMD_READ_EVENT_DATA:
			rc = SCLP_RC_NO_EVENTS;
			break;
		default:
			rc = SCLP_RC_INVALID_COMMAND;
			break;
		}
	}
	vccw_st_be16(buf + 6, rc);
	/* Stored with the host's rights: the SCCB is outside the lowcore (checked above). */
	vccw_mem_write(c->mem, s390x_abs(c, sccb), buf, len);
	c->service_pending = true;
	c->service_param = (uint32_t)(sccb & ~7ull);
	return VM_S390X_CC0;
}

#endif /* VM_HAVE_UNICORN */
