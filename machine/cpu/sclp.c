// SPDX-License-Identifier: MIT
/*
 * The SCLP without a CPU: sclp.h says what each command does and which QEMU behaviour
 * it follows. The SCCB is the guest's: every length and offset in it is checked against
 * the SCCB's own length before use.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sclp.h"
#include "vccw/byteorder.h"

/* Event buffer header: length (u16), type, flags (0x80: processed), reserved (u16). */
#define EVBUF_HEADER 6u
#define EVBUF_PROCESSED 0x80
/* The first byte of VT220 console input: a session code, "data follows". */
#define VT220_SESSION_DATA 0x00
/* Line-mode message data block (Linux's struct mdb): its header, then objects. */
#define MDB_HEADER 12u
#define MDB_TYPE 0x0001
#define MDB_TAG 0xd4c4c240u /* "MDB " in EBCDIC */
#define MDBO_HEADER 4u      /* object length (u16), type (u16) */
#define MDBO_MTO 0x0004     /* message text object */
#define MTO_TEXT 10u        /* the text's offset in an MTO object */
/* Read Event Data wants a whole page (QEMU: SCCB_SIZE). */
#define READ_SCCB_LEN 4096u
#define FC_UNCONDITIONAL_READ 0x00
#define FC_SELECTIVE_READ 0x01

/* Signal quiesce: the event buffer header, a timeout (u16) and its unit (u8). */
#define QUIESCE_EVBUF_LEN 9u

/* What the SCLP sends to the guest, and what it accepts from it. */
#define SCLP_SEND_MASK (VM_SCLP_MASK(VM_SCLP_EV_ASCII) | VM_SCLP_MASK(VM_SCLP_EV_QUIESCE))
#define SCLP_RECEIVE_MASK (VM_SCLP_MASK(VM_SCLP_EV_ASCII) | VM_SCLP_MASK(VM_SCLP_EV_MESSAGE))

struct vm_sclp {
	pthread_mutex_t lock; /* protects everything below */
	uint64_t ram_size;
	uint8_t loadparm[8];
	uint32_t cp_receive; /* event types the guest reads */
	uint32_t cp_send;    /* event types the guest writes */
	uint16_t mask_len;   /* bytes of each mask in the last Write Event Mask */
	vm_sclp_write_fn *write;
	void *write_opaque;
	vm_sclp_notify_fn *notify;
	void *notify_opaque;
	uint8_t input[VM_SCLP_INPUT_MAX];
	size_t input_len;
	bool quiesce; /* a signal-quiesce event waits to be read */
};

/* EBCDIC (code page 037) to ASCII for line-mode text; 0: not printable, dropped. */
static const uint8_t ebcdic_ascii[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e, 0x3c, 0x28, 0x2b, 0x7c,
	0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x24, 0x2a, 0x29, 0x3b, 0x00,
	0x2d, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x25, 0x5f, 0x3e, 0x3f,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x3a, 0x23, 0x40, 0x27, 0x3d, 0x22,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x7e, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x5e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x5d, 0x00, 0x00, 0x00, 0x00,
	0x7b, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x7d, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x5c, 0x00, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

struct vm_sclp *vm_sclp_new(uint64_t ram_size, vm_sclp_write_fn *write, void *opaque)
{
	struct vm_sclp *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->ram_size = ram_size;
	memset(s->loadparm, 0x40, sizeof(s->loadparm));
	s->write = write;
	s->write_opaque = opaque;
	return s;
}

void vm_sclp_free(struct vm_sclp *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void vm_sclp_set_loadparm(struct vm_sclp *s, const uint8_t loadparm[8])
{
	pthread_mutex_lock(&s->lock);
	memcpy(s->loadparm, loadparm, sizeof(s->loadparm));
	pthread_mutex_unlock(&s->lock);
}

void vm_sclp_set_notify(struct vm_sclp *s, vm_sclp_notify_fn *fn, void *opaque)
{
	pthread_mutex_lock(&s->lock);
	s->notify = fn;
	s->notify_opaque = opaque;
	pthread_mutex_unlock(&s->lock);
}

void vm_sclp_reset(struct vm_sclp *s)
{
	pthread_mutex_lock(&s->lock);
	s->cp_receive = 0;
	s->cp_send = 0;
	s->mask_len = 0;
	s->quiesce = false;
	pthread_mutex_unlock(&s->lock);
}

uint32_t vm_sclp_cp_receive(struct vm_sclp *s)
{
	uint32_t v;

	pthread_mutex_lock(&s->lock);
	v = s->cp_receive;
	pthread_mutex_unlock(&s->lock);
	return v;
}

uint32_t vm_sclp_cp_send(struct vm_sclp *s)
{
	uint32_t v;

	pthread_mutex_lock(&s->lock);
	v = s->cp_send;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/*
 * Events wait for the guest, of a type it reads: console input (ASCII console events),
 * a signal quiesce. QEMU's event_pending(): an event the guest does not read stays
 * pending, unannounced, until its Write Event Mask asks for it.
 */
static bool event_pending_locked(struct vm_sclp *s)
{
	return (s->input_len && (s->cp_receive & VM_SCLP_MASK(VM_SCLP_EV_ASCII))) ||
	       (s->quiesce && (s->cp_receive & VM_SCLP_MASK(VM_SCLP_EV_QUIESCE)));
}

uint32_t vm_sclp_service_param(struct vm_sclp *s, uint64_t sccb)
{
	uint32_t param = (uint32_t)(sccb & 0x7ffffff8u);

	pthread_mutex_lock(&s->lock);
	if (event_pending_locked(s))
		param |= VM_SCLP_PARAM_EVENT_PENDING;
	pthread_mutex_unlock(&s->lock);
	return param;
}

size_t vm_sclp_input(struct vm_sclp *s, const uint8_t *buf, size_t len)
{
	vm_sclp_notify_fn *fn = NULL;
	void *opaque = NULL;
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = sizeof(s->input) - s->input_len;
	if (len > room)
		len = room;
	memcpy(s->input + s->input_len, buf, len);
	s->input_len += len;
	if (len && event_pending_locked(s)) {
		fn = s->notify;
		opaque = s->notify_opaque;
	}
	pthread_mutex_unlock(&s->lock);
	if (fn)
		fn(opaque);
	return len;
}

bool vm_sclp_quiesce(struct vm_sclp *s)
{
	vm_sclp_notify_fn *fn = NULL;
	void *opaque = NULL;
	bool announced;

	pthread_mutex_lock(&s->lock);
	s->quiesce = true;
	announced = event_pending_locked(s);
	if (announced) {
		fn = s->notify;
		opaque = s->notify_opaque;
	}
	pthread_mutex_unlock(&s->lock);
	if (fn)
		fn(opaque);
	return announced;
}

static uint16_t read_scp_info(struct vm_sclp *s, uint8_t *sccb, uint16_t len)
{
	uint64_t mb = s->ram_size >> 20, incr = 1;

	if (len < VM_SCLP_READ_INFO_LEN + VM_SCLP_CPU_ENTRY_LEN)
		return VM_SCLP_RC_INSUFFICIENT_LENGTH;
	/* Storage in increments of 1 MiB or more, at most 1020 of them (as QEMU). */
	while (mb / incr > 1020)
		incr <<= 1;
	memset(sccb + 8, 0, VM_SCLP_READ_INFO_LEN + VM_SCLP_CPU_ENTRY_LEN - 8);
	if (incr <= 128) {
		vccw_st_be16(sccb + 8, (uint16_t)(mb / incr)); /* rnmax */
		sccb[10] = (uint8_t)incr;                      /* rnsize, MiB */
	} else {
		vccw_st_be32(sccb + 100, (uint32_t)incr); /* rnsize2 */
		vccw_st_be64(sccb + 104, mb / incr);      /* rnmax2 */
	}
	vccw_st_be16(sccb + 16, 1);                     /* CPU entries */
	vccw_st_be16(sccb + 18, VM_SCLP_READ_INFO_LEN); /* their offset */
	pthread_mutex_lock(&s->lock);
	memcpy(sccb + 24, s->loadparm, 8);              /* load parameter (EBCDIC) */
	pthread_mutex_unlock(&s->lock);
	vccw_st_be16(sccb + 120, 0);                    /* highest CPU address */
	/* CPU entry 0: address 0, type 0 (CP). */
	return VM_SCLP_RC_NORMAL_READ;
}

/* The first (up to) 4 bytes of a mask of @ml bytes at @p, as a 32-bit mask. */
static uint32_t get_mask(const uint8_t *p, uint16_t ml)
{
	uint8_t m[4] = { 0 };

	memcpy(m, p, ml < 4 ? ml : 4);
	return vccw_ld_be32(m);
}

static void put_mask(uint8_t *p, uint16_t ml, uint32_t mask)
{
	uint8_t m[4];

	vccw_st_be32(m, mask);
	memset(p, 0, ml);
	memcpy(p, m, ml < 4 ? ml : 4);
}

static uint16_t write_event_mask(struct vm_sclp *s, uint8_t *sccb, uint16_t len)
{
	uint16_t ml;

	if (len < 12)
		return VM_SCLP_RC_INSUFFICIENT_LENGTH;
	ml = vccw_ld_be16(sccb + 10);
	if (!ml || ml > 1021)
		return VM_SCLP_RC_INVALID_MASK_LENGTH;
	if (12 + 4u * ml > len)
		return VM_SCLP_RC_INSUFFICIENT_LENGTH;
	/* Event types beyond 32 do not exist here: only the first 4 bytes matter. */
	pthread_mutex_lock(&s->lock);
	s->cp_receive = get_mask(sccb + 12, ml);
	s->cp_send = get_mask(sccb + 12 + ml, ml);
	s->mask_len = ml;
	pthread_mutex_unlock(&s->lock);
	/* What the SCLP can send to the guest, then what it accepts from it. */
	put_mask(sccb + 12 + 2 * ml, ml, SCLP_SEND_MASK);
	put_mask(sccb + 12 + 3 * ml, ml, SCLP_RECEIVE_MASK);
	return VM_SCLP_RC_NORMAL;
}

/*
 * A line-mode message event (after its 6-byte header, @len bytes): the MDB header, then
 * objects; each message text object is one line of EBCDIC text. 0, or a syntax error.
 */
static int line_mode_text(struct vm_sclp *s, const uint8_t *ev, uint16_t len, bool print)
{
	uint8_t line[256];
	uint16_t mdb_len, off;

	if (len < MDB_HEADER)
		return -1;
	mdb_len = vccw_ld_be16(ev);
	if (mdb_len < MDB_HEADER || mdb_len > len || vccw_ld_be16(ev + 2) != MDB_TYPE ||
	    vccw_ld_be32(ev + 4) != MDB_TAG)
		return -1;
	for (off = MDB_HEADER; off < mdb_len;) {
		uint16_t olen, type, i, n = 0;

		if ((unsigned int)(mdb_len - off) < MDBO_HEADER)
			return -1;
		olen = vccw_ld_be16(ev + off);
		type = vccw_ld_be16(ev + off + 2);
		if (olen < MDBO_HEADER || olen > mdb_len - off)
			return -1;
		if (type == MDBO_MTO && olen >= MTO_TEXT && print && s->write) {
			for (i = MTO_TEXT; i < olen; i++) {
				uint8_t c = ebcdic_ascii[ev[off + i]];

				if (c)
					line[n++] = c;
				if (n == sizeof(line) - 1) {
					s->write(s->write_opaque, line, n);
					n = 0;
				}
			}
			line[n++] = '\n';
			s->write(s->write_opaque, line, n);
		}
		off = (uint16_t)(off + olen);
	}
	return 0;
}

static uint16_t write_event_data(struct vm_sclp *s, uint8_t *sccb, uint16_t len)
{
	uint32_t cp_send;
	uint16_t off;

	if (sccb[2] != 0) /* function code: normal write */
		return VM_SCLP_RC_INVALID_FUNCTION;
	pthread_mutex_lock(&s->lock);
	cp_send = s->cp_send;
	pthread_mutex_unlock(&s->lock);
	/* First the syntax of every event buffer, then their effects. */
	for (off = VM_SCLP_SCCB_HEADER; off < len;) {
		uint16_t elen;

		if ((unsigned int)(len - off) < EVBUF_HEADER)
			return VM_SCLP_RC_SYNTAX;
		elen = vccw_ld_be16(sccb + off);
		if (elen < EVBUF_HEADER || elen > len - off)
			return VM_SCLP_RC_SYNTAX;
		if (sccb[off + 2] == VM_SCLP_EV_MESSAGE &&
		    line_mode_text(s, sccb + off + EVBUF_HEADER, elen - EVBUF_HEADER, false))
			return VM_SCLP_RC_SYNTAX;
		off = (uint16_t)(off + elen);
	}
	for (off = VM_SCLP_SCCB_HEADER; off < len;) {
		uint16_t elen = vccw_ld_be16(sccb + off);
		uint8_t type = sccb[off + 2];

		if (!(cp_send & VM_SCLP_MASK(type)) || !(SCLP_RECEIVE_MASK & VM_SCLP_MASK(type)))
			return VM_SCLP_RC_INVALID_FUNCTION;
		if (type == VM_SCLP_EV_ASCII && s->write)
			s->write(s->write_opaque, sccb + off + EVBUF_HEADER, elen - EVBUF_HEADER);
		else if (type == VM_SCLP_EV_MESSAGE)
			line_mode_text(s, sccb + off + EVBUF_HEADER, elen - EVBUF_HEADER,
				       !(cp_send & VM_SCLP_MASK(VM_SCLP_EV_ASCII)));
		sccb[off + 3] |= EVBUF_PROCESSED;
		off = (uint16_t)(off + elen);
	}
	return VM_SCLP_RC_NORMAL;
}

static uint16_t read_event_data(struct vm_sclp *s, uint8_t *sccb, uint16_t len)
{
	uint32_t select;
	uint16_t rc = VM_SCLP_RC_NO_EVENTS, off = VM_SCLP_SCCB_HEADER;

	if (len != READ_SCCB_LEN)
		return VM_SCLP_RC_INSUFFICIENT_LENGTH;
	pthread_mutex_lock(&s->lock);
	switch (sccb[2]) {
	case FC_UNCONDITIONAL_READ:
		select = s->cp_receive;
		break;
	case FC_SELECTIVE_READ:
		select = s->mask_len ? get_mask(sccb + 8, s->mask_len) : 0;
		if (!s->cp_receive || (select & ~s->cp_receive)) {
			pthread_mutex_unlock(&s->lock);
			return VM_SCLP_RC_INVALID_SELECTION_MASK;
		}
		break;
	default:
		pthread_mutex_unlock(&s->lock);
		return VM_SCLP_RC_INVALID_FUNCTION;
	}
	/*
	 * QEMU's order: the quiesce event before the console's; each read once. Events
	 * stored: normal completion, 0x0020 (Linux's sclp_read_cb() dispatches the buffers
	 * only on 0x0020 or 0x0220; 0x0010 is Read SCP Info's).
	 */
	if ((select & VM_SCLP_MASK(VM_SCLP_EV_QUIESCE)) && s->quiesce) {
		vccw_st_be16(sccb + off, QUIESCE_EVBUF_LEN);
		sccb[off + 2] = VM_SCLP_EV_QUIESCE;
		sccb[off + 3] = EVBUF_PROCESSED;
		vccw_st_be16(sccb + off + 4, 0);
		/* No timeout (QEMU's system_powerdown has none; Linux ignores it). */
		vccw_st_be16(sccb + off + 6, 0);
		sccb[off + 8] = 0;
		s->quiesce = false;
		off = (uint16_t)(off + QUIESCE_EVBUF_LEN);
		rc = VM_SCLP_RC_NORMAL;
	}
	if ((select & VM_SCLP_MASK(VM_SCLP_EV_ASCII)) && s->input_len) {
		/*
		 * The data starts with the VT220 session code: 0x00, "session data" (Linux's
		 * sclp_vt220_receiver_fn() drops a buffer with any other first byte; QEMU's
		 * sclpconsole puts the same 0 first).
		 */
		size_t n = len - off - EVBUF_HEADER - 1;

		if (n > s->input_len)
			n = s->input_len;
		vccw_st_be16(sccb + off, (uint16_t)(EVBUF_HEADER + 1 + n));
		sccb[off + 2] = VM_SCLP_EV_ASCII;
		sccb[off + 3] = EVBUF_PROCESSED;
		vccw_st_be16(sccb + off + 4, 0);
		sccb[off + EVBUF_HEADER] = VT220_SESSION_DATA;
		memcpy(sccb + off + EVBUF_HEADER + 1, s->input, n);
		memmove(s->input, s->input + n, s->input_len - n);
		s->input_len -= n;
		off = (uint16_t)(off + EVBUF_HEADER + 1 + n);
		rc = VM_SCLP_RC_NORMAL;
	}
	pthread_mutex_unlock(&s->lock);
	if (sccb[5] & VM_SCLP_VARIABLE_LENGTH) {
		/* The guest asked for the length actually used. */
		sccb[5] &= (uint8_t)~VM_SCLP_VARIABLE_LENGTH;
		vccw_st_be16(sccb, off);
	}
	return rc;
}

uint16_t vm_sclp_execute(struct vm_sclp *s, uint32_t cmd, uint8_t *sccb, uint16_t len)
{
	uint16_t rc;

	switch (cmd & VM_SCLP_CMD_MASK) {
	case VM_SCLP_CMD_READ_SCP_INFO:
	case VM_SCLP_CMD_READ_SCP_INFO_FORCED:
		rc = read_scp_info(s, sccb, len);
		break;
	case VM_SCLP_CMD_WRITE_EVENT_MASK:
		rc = write_event_mask(s, sccb, len);
		break;
	case VM_SCLP_CMD_WRITE_EVENT_DATA:
		rc = write_event_data(s, sccb, len);
		break;
	case VM_SCLP_CMD_READ_EVENT_DATA:
		rc = read_event_data(s, sccb, len);
		break;
	default:
		rc = VM_SCLP_RC_INVALID_COMMAND;
		break;
	}
	vccw_st_be16(sccb + 6, rc);
	return rc;
}
