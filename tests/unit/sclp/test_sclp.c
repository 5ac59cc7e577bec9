// SPDX-License-Identifier: MIT
/*
 * Unit tests of machine/cpu/sclp.c without a CPU: the SCCB commands Linux's sclp drivers
 * send for console=ttysclp0, on SCCBs built here, against QEMU 7.2's event facility
 * (hw/s390x/event-facility.c, sclpconsole.c, sclpconsole-lm.c): Write Event Mask and
 * the masks it answers, Write Event Data through the VT220 (0x1a) and line-mode (0x02)
 * consoles with their syntax errors, Read Event Data of console input (unconditional,
 * selective, variable-length response), the service-signal parameter with its
 * event-pending bit, the notification of input, the signal-quiesce event of
 * system_powerdown (hw/s390x/sclpquiesce.c), and hostile lengths.
 */
#include <string.h>

#include "sclp.h"
#include "test.h"
#include "vccw/byteorder.h"

static uint8_t out[8192];
static size_t out_len;
static int notified;

static void capture(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	if (len > sizeof(out) - out_len)
		len = sizeof(out) - out_len;
	memcpy(out + out_len, buf, len);
	out_len += len;
}

static void notify(void *opaque)
{
	(void)opaque;
	notified++;
}

static struct vm_sclp *sclp_new(void)
{
	out_len = 0;
	notified = 0;
	return vm_sclp_new(256u << 20, capture, NULL);
}

static void header(uint8_t *sccb, uint16_t len, uint8_t fc)
{
	memset(sccb, 0, len);
	vccw_st_be16(sccb, len);
	sccb[2] = fc;
}

/* Write Event Mask with 4-byte masks, as Linux's sclp core sends it. */
static uint16_t set_masks(struct vm_sclp *s, uint32_t receive, uint32_t send, uint8_t *sccb)
{
	header(sccb, 12 + 16, 0);
	vccw_st_be16(sccb + 10, 4);
	vccw_st_be32(sccb + 12, receive);
	vccw_st_be32(sccb + 16, send);
	return vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 12 + 16);
}

#define ASCII VM_SCLP_MASK(VM_SCLP_EV_ASCII)
#define MSG VM_SCLP_MASK(VM_SCLP_EV_MESSAGE)
#define QUIESCE VM_SCLP_MASK(VM_SCLP_EV_QUIESCE)

TEST(test_sclp_write_event_mask_answers_qemu_masks)
{
	struct vm_sclp *s = sclp_new();
	uint8_t sccb[64];

	REQUIRE(s);
	CHECK_EQ(set_masks(s, ASCII, ASCII | MSG, sccb), VM_SCLP_RC_NORMAL);
	CHECK_EQ(vccw_ld_be16(sccb + 6), VM_SCLP_RC_NORMAL);
	CHECK_EQ(vm_sclp_cp_receive(s), ASCII);
	CHECK_EQ(vm_sclp_cp_send(s), ASCII | MSG);
	/*
	 * SCLP send mask (what it can send): the ASCII console and signal quiesce (QEMU's
	 * sclpquiesce); receive: ASCII + message.
	 */
	CHECK_EQ(vccw_ld_be32(sccb + 20), ASCII | QUIESCE);
	CHECK_EQ(vccw_ld_be32(sccb + 24), ASCII | MSG);
	/* Masks of 1 and 8 bytes: the first bytes count, the rest is zeroed in the answer. */
	header(sccb, 12 + 32, 0);
	vccw_st_be16(sccb + 10, 8);
	vccw_st_be32(sccb + 12, ASCII);
	memset(sccb + 40, 0xff, 4);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 44), VM_SCLP_RC_NORMAL);
	CHECK_EQ(vccw_ld_be32(sccb + 28), ASCII | QUIESCE);
	CHECK_EQ(vccw_ld_be32(sccb + 40), 0);
	/* Mask length 0 or above 1021, or masks longer than the SCCB. */
	header(sccb, 16, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 16),
		 VM_SCLP_RC_INVALID_MASK_LENGTH);
	vccw_st_be16(sccb + 10, 1022);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 16),
		 VM_SCLP_RC_INVALID_MASK_LENGTH);
	vccw_st_be16(sccb + 10, 2);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 16),
		 VM_SCLP_RC_INSUFFICIENT_LENGTH);
	header(sccb, 8, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_MASK, sccb, 8),
		 VM_SCLP_RC_INSUFFICIENT_LENGTH);
	/* Reset forgets the masks. */
	vm_sclp_reset(s);
	CHECK_EQ(vm_sclp_cp_receive(s), 0);
	vm_sclp_free(s);
}

/* One ASCII console event buffer with @text after an 8-byte SCCB header. */
static uint16_t ascii_event(uint8_t *sccb, const char *text)
{
	uint16_t n = (uint16_t)strlen(text), len = (uint16_t)(8 + 6 + n);

	header(sccb, len, 0);
	vccw_st_be16(sccb + 8, (uint16_t)(6 + n));
	sccb[10] = VM_SCLP_EV_ASCII;
	memcpy(sccb + 14, text, n);
	return len;
}

TEST(test_sclp_vt220_console_output)
{
	struct vm_sclp *s = sclp_new();
	uint8_t sccb[256];
	uint16_t len;

	set_masks(s, ASCII, ASCII | MSG, sccb);
	len = ascii_event(sccb, "Linux version 6.1\n");
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len), VM_SCLP_RC_NORMAL);
	CHECK_EQ(out_len, 18);
	CHECK(!memcmp(out, "Linux version 6.1\n", 18));
	CHECK_EQ(sccb[11], 0x80); /* the buffer is marked processed */
	/* A function code other than normal write. */
	len = ascii_event(sccb, "x");
	sccb[2] = 1;
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len),
		 VM_SCLP_RC_INVALID_FUNCTION);
	/* The guest did not enable the type for sending. */
	set_masks(s, ASCII, MSG, sccb);
	len = ascii_event(sccb, "y");
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len),
		 VM_SCLP_RC_INVALID_FUNCTION);
	CHECK_EQ(out_len, 18);
	vm_sclp_free(s);
}

TEST(test_sclp_event_buffer_syntax_checked_before_any_output)
{
	struct vm_sclp *s = sclp_new();
	uint8_t sccb[256];
	uint16_t len;

	set_masks(s, ASCII, ASCII, sccb);
	/* A good buffer followed by one whose length runs past the SCCB. */
	len = ascii_event(sccb, "first");
	vccw_st_be16(sccb, (uint16_t)(len + 8));
	vccw_st_be16(sccb + len, 9);
	sccb[len + 2] = VM_SCLP_EV_ASCII;
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, (uint16_t)(len + 8)),
		 VM_SCLP_RC_SYNTAX);
	CHECK_EQ(out_len, 0);
	/* A buffer shorter than its own header, and a tail too short for a header. */
	vccw_st_be16(sccb + len, 5);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, (uint16_t)(len + 8)),
		 VM_SCLP_RC_SYNTAX);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, (uint16_t)(len + 3)),
		 VM_SCLP_RC_SYNTAX);
	CHECK_EQ(out_len, 0);
	vm_sclp_free(s);
}

/* A line-mode message event: MDB header, a GO object, and MTOs of EBCDIC @lines. */
static uint16_t lm_event(uint8_t *sccb, const char *const *lines, unsigned int n)
{
	/* EBCDIC (037) of the few characters used here. */
	static const struct { char a; uint8_t e; } map[] = {
		{ 'h', 0x88 }, { 'i', 0x89 }, { ' ', 0x40 }, { 'O', 0xd6 }, { 'K', 0xd2 },
		{ '1', 0xf1 }, { '.', 0x4b },
	};
	uint16_t off = 8 + 6, mdb = off, i, k, m;

	memset(sccb, 0, 512);
	off = (uint16_t)(off + 12);
	vccw_st_be16(sccb + off, 28); /* GO object, content ignored */
	vccw_st_be16(sccb + off + 2, 0x0001);
	off = (uint16_t)(off + 28);
	for (i = 0; i < n; i++) {
		uint16_t t = (uint16_t)strlen(lines[i]);

		vccw_st_be16(sccb + off, (uint16_t)(10 + t));
		vccw_st_be16(sccb + off + 2, 0x0004);
		for (k = 0; k < t; k++)
			for (m = 0; m < sizeof(map) / sizeof(map[0]); m++)
				if (map[m].a == lines[i][k])
					sccb[off + 10 + k] = map[m].e;
		off = (uint16_t)(off + 10 + t);
	}
	vccw_st_be16(sccb + mdb, (uint16_t)(off - mdb));
	vccw_st_be16(sccb + mdb + 2, 0x0001);
	vccw_st_be32(sccb + mdb + 4, 0xd4c4c240);
	vccw_st_be32(sccb + mdb + 8, 1);
	vccw_st_be16(sccb + 8, (uint16_t)(off - 8));
	sccb[10] = VM_SCLP_EV_MESSAGE;
	vccw_st_be16(sccb, off);
	return off;
}

TEST(test_sclp_line_mode_messages)
{
	static const char *const lines[] = { "hi OK", "1." };
	struct vm_sclp *s = sclp_new();
	uint8_t sccb[512];
	uint16_t len;

	/* The guest sends only line mode: its text is the console's. */
	set_masks(s, 0, MSG, sccb);
	len = lm_event(sccb, lines, 2);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len), VM_SCLP_RC_NORMAL);
	CHECK_EQ(out_len, 9);
	CHECK(!memcmp(out, "hi OK\n1.\n", 9));
	CHECK_EQ(sccb[11], 0x80);
	/* With the VT220 console enabled too (Linux's early printk writes both): not twice. */
	out_len = 0;
	set_masks(s, ASCII, ASCII | MSG, sccb);
	len = lm_event(sccb, lines, 2);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len), VM_SCLP_RC_NORMAL);
	CHECK_EQ(out_len, 0);
	/* A broken MDB: wrong tag, an object running past the block. */
	len = lm_event(sccb, lines, 1);
	sccb[8 + 6 + 4] = 0;
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len), VM_SCLP_RC_SYNTAX);
	len = lm_event(sccb, lines, 1);
	vccw_st_be16(sccb + 8 + 6 + 12 + 28, 200);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_WRITE_EVENT_DATA, sccb, len), VM_SCLP_RC_SYNTAX);
	vm_sclp_free(s);
}

TEST(test_sclp_console_input_read_event_data)
{
	struct vm_sclp *s = sclp_new();
	static uint8_t sccb[4096];

	vm_sclp_set_notify(s, notify, NULL);
	/* Input before the guest reads ASCII events: kept, no notification, no pending bit. */
	CHECK_EQ(vm_sclp_input(s, (const uint8_t *)"ls\n", 3), 3);
	CHECK_EQ(notified, 0);
	CHECK_EQ(vm_sclp_service_param(s, 0x12340), 0x12340);
	set_masks(s, ASCII, ASCII, sccb);
	CHECK_EQ(vm_sclp_service_param(s, 0x12340), 0x12341);
	CHECK_EQ(vm_sclp_service_param(s, 0), 1); /* unsolicited: the pending bit alone */
	CHECK_EQ(vm_sclp_input(s, (const uint8_t *)"x", 1), 1);
	CHECK_EQ(notified, 1);
	/* QEMU wants a whole page for Read Event Data. */
	header(sccb, 2048, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 2048),
		 VM_SCLP_RC_INSUFFICIENT_LENGTH);
	header(sccb, 4096, 0);
	sccb[5] = VM_SCLP_VARIABLE_LENGTH;
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	/* The VT220 session code 0x00 ("data", Linux's sclp_vt220_receiver_fn()) first. */
	CHECK_EQ(vccw_ld_be16(sccb + 8), 6 + 1 + 4);
	CHECK_EQ(sccb[10], VM_SCLP_EV_ASCII);
	CHECK_EQ(sccb[14], 0x00);
	CHECK(!memcmp(sccb + 15, "ls\nx", 4));
	CHECK_EQ(vccw_ld_be16(sccb), 8 + 6 + 1 + 4); /* the length actually used */
	CHECK_EQ(sccb[5], 0);
	/* Nothing left. */
	CHECK_EQ(vm_sclp_service_param(s, 0x12340), 0x12340);
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NO_EVENTS);
	/* Selective read: a mask beyond what the guest receives; another function code. */
	vm_sclp_input(s, (const uint8_t *)"y", 1);
	header(sccb, 4096, 1);
	vccw_st_be32(sccb + 8, ASCII | MSG);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_INVALID_SELECTION_MASK);
	header(sccb, 4096, 1);
	vccw_st_be32(sccb + 8, ASCII);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	CHECK_EQ(sccb[14], 0x00);
	CHECK_EQ(sccb[15], 'y');
	header(sccb, 4096, 2);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_INVALID_FUNCTION);
	vm_sclp_free(s);
}

TEST(test_sclp_input_bounded_and_read_in_page_sized_pieces)
{
	struct vm_sclp *s = sclp_new();
	static uint8_t big[VM_SCLP_INPUT_MAX + 100], sccb[4096];

	memset(big, 'a', sizeof(big));
	CHECK_EQ(vm_sclp_input(s, big, sizeof(big)), VM_SCLP_INPUT_MAX);
	CHECK_EQ(vm_sclp_input(s, big, 1), 0);
	set_masks(s, ASCII, ASCII, sccb);
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	CHECK_EQ(vccw_ld_be16(sccb + 8), 4096 - 8); /* as much as the SCCB holds */
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	/* Each piece has its session code: 4096 - 8 - 6 - 1 input bytes in the first. */
	CHECK_EQ(vccw_ld_be16(sccb + 8), 6 + 1 + VM_SCLP_INPUT_MAX - (4096 - 8 - 6 - 1));
	vm_sclp_free(s);
}

TEST(test_sclp_read_scp_info_and_unknown_commands)
{
	static const uint8_t lp[8] = { 0xf1, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40 };
	struct vm_sclp *s = sclp_new();
	uint8_t sccb[4096];

	header(sccb, 4096, 0);
	vm_sclp_set_loadparm(s, lp);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_SCP_INFO, sccb, 4096),
		 VM_SCLP_RC_NORMAL_READ);
	CHECK_EQ(vccw_ld_be16(sccb + 8), 256); /* 256 increments of 1 MiB */
	CHECK_EQ(sccb[10], 1);
	CHECK_EQ(vccw_ld_be16(sccb + 16), 1);
	CHECK(!memcmp(sccb + 24, lp, 8));
	header(sccb, 64, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_SCP_INFO, sccb, 64),
		 VM_SCLP_RC_INSUFFICIENT_LENGTH);
	/* Read CPU Info, Read Storage Info ... are not provided: Linux copes. */
	header(sccb, 64, 0);
	CHECK_EQ(vm_sclp_execute(s, 0x00010001, sccb, 64), VM_SCLP_RC_INVALID_COMMAND);
	CHECK_EQ(vccw_ld_be16(sccb + 6), VM_SCLP_RC_INVALID_COMMAND);
	vm_sclp_free(s);
}

TEST(test_sclp_signal_quiesce_pending_announced_and_read_once)
{
	struct vm_sclp *s = sclp_new();
	static uint8_t sccb[4096];

	vm_sclp_set_notify(s, notify, NULL);
	/* The guest does not read 0x1d yet: pending, unannounced (QEMU's event_pending()). */
	CHECK(!vm_sclp_quiesce(s));
	CHECK_EQ(notified, 0);
	CHECK_EQ(vm_sclp_service_param(s, 0), 0);
	set_masks(s, ASCII, ASCII, sccb);
	CHECK_EQ(vm_sclp_service_param(s, 0x12340), 0x12340);
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NO_EVENTS);
	/* Its Write Event Mask enables it: the completion's parameter has the pending bit. */
	set_masks(s, ASCII | QUIESCE, ASCII, sccb);
	CHECK_EQ(vm_sclp_service_param(s, 0x12340), 0x12341);
	/* Read once: a 9-byte buffer, header, timeout 0 and unit 0, marked processed. */
	header(sccb, 4096, 0);
	sccb[5] = VM_SCLP_VARIABLE_LENGTH;
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	CHECK_EQ(vccw_ld_be16(sccb + 8), 9);
	CHECK_EQ(sccb[10], VM_SCLP_EV_QUIESCE);
	CHECK_EQ(sccb[11], 0x80);
	CHECK_EQ(vccw_ld_be16(sccb + 14), 0);
	CHECK_EQ(sccb[16], 0);
	CHECK_EQ(vccw_ld_be16(sccb), 8 + 9);
	CHECK_EQ(vm_sclp_service_param(s, 0), 0);
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NO_EVENTS);
	/* A guest that reads it is told at once (an unsolicited service signal). */
	CHECK(vm_sclp_quiesce(s));
	CHECK_EQ(notified, 1);
	CHECK_EQ(vm_sclp_service_param(s, 0), 1);
	/* A selective read of the console only leaves it; one of 0x1d takes it first. */
	vm_sclp_input(s, (const uint8_t *)"z", 1);
	header(sccb, 4096, 1);
	vccw_st_be32(sccb + 8, ASCII);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	CHECK_EQ(sccb[10], VM_SCLP_EV_ASCII);
	CHECK_EQ(vm_sclp_service_param(s, 0), 1);
	vm_sclp_input(s, (const uint8_t *)"w", 1);
	header(sccb, 4096, 0);
	CHECK_EQ(vm_sclp_execute(s, VM_SCLP_CMD_READ_EVENT_DATA, sccb, 4096),
		 VM_SCLP_RC_NORMAL);
	CHECK_EQ(sccb[10], VM_SCLP_EV_QUIESCE);
	CHECK_EQ(vccw_ld_be16(sccb + 17), 6 + 1 + 1);
	CHECK_EQ(sccb[19], VM_SCLP_EV_ASCII);
	CHECK_EQ(sccb[23], 0x00); /* the VT220 session code: data */
	CHECK_EQ(sccb[24], 'w');
	/* A reset (system_reset, IPL) drops a quiesce not read yet. */
	vm_sclp_quiesce(s);
	vm_sclp_reset(s);
	set_masks(s, QUIESCE, 0, sccb);
	CHECK_EQ(vm_sclp_service_param(s, 0), 0);
	vm_sclp_free(s);
}
