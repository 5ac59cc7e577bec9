/* SPDX-License-Identifier: MIT */
/*
 * The channel-program engine and the control-unit interface.
 *
 * A control unit (a device type: virtio-ccw, a test device ...) plugs into a subchannel
 * with its SENSE ID data and a table of channel commands, one row per command code.
 * The engine interprets the channel program of each start function: CCW formats 0 and
 * 1, command and data chaining, SLI and incorrect length, skip, PCI, IDAWs of format 1
 * and 2 (2K and 4K blocks), TIC rules, suspend and resume, and the commands every device
 * answers (NOP, SENSE ID, BASIC SENSE). An unknown command is a command reject: unit
 * check with sense byte 0 = 0x80. PoP chapter 15 "Basic I/O Functions" and chapter 16
 * "I/O Interruptions"; facts in shared/reference/channel-io.md sections 5 and 10.
 *
 * Data moves between guest memory and the command handler through a buffer the engine
 * fills (write commands) or drains (read commands), so handlers never see guest
 * addresses and every length rule lives in one place.
 */
#ifndef VCCW_CCW_H
#define VCCW_CCW_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/css.h"
#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CCW flags (PoP figure 15-5). */
#define VCCW_CCW_FLAG_CD 0x80
#define VCCW_CCW_FLAG_CC 0x40
#define VCCW_CCW_FLAG_SLI 0x20
#define VCCW_CCW_FLAG_SKIP 0x10
#define VCCW_CCW_FLAG_PCI 0x08
#define VCCW_CCW_FLAG_IDA 0x04
#define VCCW_CCW_FLAG_S 0x02
#define VCCW_CCW_FLAG_MIDA 0x01

/* Commands every control unit answers. */
#define VCCW_CCW_CMD_BASIC_SENSE 0x04
#define VCCW_CCW_CMD_NOP 0x03
#define VCCW_CCW_CMD_SENSE_ID 0xe4
#define VCCW_CCW_CMD_TIC 0x08

/*
 * Host bound on a channel program that loops without moving data: the TIC that goes
 * backward (to its own address or below) for the 257th time since the program last
 * transferred data ends the program with a channel-program check, SCSW CCW address =
 * that TIC + 8, as Hercules does. Transferring at least one byte (a read or write with
 * data, not a NOP or another immediate command) restarts the count. HSCH and CSCH end
 * such a loop earlier, as they end any program.
 */
#define VCCW_CCW_MAX_IDLE_TICS 256

/* Sense byte 0 bits (BASIC SENSE). */
#define VCCW_SENSE_CMD_REJECT 0x80
#define VCCW_SENSE_INTERVENTION_REQ 0x40
#define VCCW_SENSE_EQUIPMENT_CHECK 0x10
#define VCCW_SENSE_DATA_CHECK 0x08
#define VCCW_SENSE_LEN 32

/* SENSE ID data beyond byte 0 (which is always 0xff). */
struct vccw_sense_id {
	uint16_t cu_type;
	uint8_t cu_model;
	uint16_t dev_type;
	uint8_t dev_model;
	/* Command-information words (4 bytes each, big-endian order in the word), or none. */
	const uint32_t *ciws;
	uint8_t nr_ciws; /* at most 62 */
};

struct vccw_cu;

/* Outcome of a command handler. */
enum vccw_cu_rc {
	VCCW_CU_OK,        /* executed: channel end + device end */
	VCCW_CU_REJECT,    /* command reject: CE+DE+unit check, sense byte 0 = 0x80 */
	VCCW_CU_UNIT_CHECK, /* other error: CE+DE+unit check with the sense the handler set */
	VCCW_CU_UNIT_EXCEPTION, /* CE+DE+unit exception (device-specific condition) */
	/*
	 * The device executes the command on a thread of its own and reports the outcome
	 * later with vccw_cu_complete(@req->tag, ...). Until then the subchannel stays
	 * subchannel- and device-active and the channel thread serves other subchannels;
	 * halt, clear and reset abandon the command (ops->cancel). The handler copies what
	 * it needs from @req first: @req->buf is valid only during the call.
	 */
	VCCW_CU_IN_PROGRESS,
};

/* One command as the handler sees it. */
struct vccw_cu_req {
	uint8_t code;   /* command code */
	uint8_t flags;  /* CCW flags of the first CCW of the command */
	/*
	 * Count of the command's first CCW. With data chaining (CD in @flags) the program
	 * may offer more; @len says what actually arrived or fits.
	 */
	uint32_t count;
	/*
	 * Write and control-with-data commands: the bytes received, @len of them.
	 * Read and sense commands: room for @len bytes (the row's max_len).
	 * Immediate commands (max_len 0): NULL.
	 */
	void *buf;
	uint32_t len;
	/* Read commands with prefetch: how many bytes of @buf came from the program. */
	uint32_t prefetched;
	/*
	 * Out: bytes the device consumed (write; preset to @len) or produced (read; preset
	 * to 0). Incorrect length follows from @done != @count. A write handler that sets
	 * @done above @len says the command needed more data than the program offered.
	 */
	uint32_t done;
	/* Out, for VCCW_CU_UNIT_CHECK: sense bytes to report. */
	uint8_t sense[VCCW_SENSE_LEN];
	/* Names this execution of the command for vccw_cu_complete(); never 0. */
	uint64_t tag;
};

/*
 * One row per channel command. The engine derives direction from the command code's
 * class (PoP: write xx01, read xx10, control xx11, sense 0100). For a write (or a
 * control command with max_len > 0) fewer than @min_len bytes offered is a command
 * reject without calling @fn; at most @max_len bytes are fetched. For a read @fn may
 * produce up to @max_len bytes.
 */
struct vccw_cu_cmd {
	uint8_t code;
	const char *name;
	uint32_t min_len;
	uint32_t max_len;
	/*
	 * Read commands only: before @fn runs, @buf holds the first min(count, max_len)
	 * bytes of the data area as the program left them (virtio-ccw READ_VQ_CONF takes
	 * the queue index from the area it then fills).
	 */
	bool prefetch;
	/*
	 * Read commands only: the device sends what the program asks for, up to what it
	 * has, so a count used up before the device's data is not incorrect length
	 * (virtio-ccw READ_CONF reads as much of the space as the count, or data chain,
	 * covers).
	 */
	bool count_driven;
	/*
	 * Execute the command. Context: channel thread (or vccw_css_run(), or the thread
	 * issuing SSCH on a css with inline_start), subchannel lock held; must not block
	 * for long: a command that would (it waits for a device
	 * thread or for host I/O) returns VCCW_CU_IN_PROGRESS and completes later.
	 * @req->buf is valid only during the call.
	 */
	enum vccw_cu_rc (*fn)(struct vccw_cu *cu, struct vccw_cu_req *req);
};

/* A device type. Hooks other than cmds may be NULL. */
struct vccw_cu_ops {
	const struct vccw_cu_cmd *cmds;
	unsigned int nr_cmds;
	/* The subchannel was enabled or disabled (MSCH, reset). Context: as fn. */
	void (*enable)(struct vccw_cu *cu, bool on);
	/* The program was abandoned by halt/clear/reset/unplug. Context: as fn. */
	void (*cancel)(struct vccw_cu *cu);
};

struct vccw_cu_config {
	const struct vccw_busid *busid; /* NULL: automatic */
	const struct vccw_cu_ops *ops;
	void *opaque;
	struct vccw_sense_id id;
	bool hotplug;
};

/*
 * Create a subchannel for a control unit in @css. The guest cannot see it yet: link
 * whatever the command handlers reach through @cfg->opaque, then vccw_cu_publish().
 * Returns: a new object owned by the caller, or NULL with @err filled.
 */
struct vccw_cu *vccw_cu_new(struct vccw_css *css, const struct vccw_cu_config *cfg,
			    struct vccw_err *err);

/*
 * Make @cu's subchannel visible to the guest (with a CRW when @cfg->hotplug): from now
 * on channel programs may reach its command handlers. Call once, when the device is
 * whole. Context: any thread.
 */
void vccw_cu_publish(struct vccw_cu *cu);

/*
 * The device finished a command its handler left VCCW_CU_IN_PROGRESS: @tag is that
 * request's tag, @rc its outcome (not VCCW_CU_IN_PROGRESS), @done what req->done would
 * have been, @data (read commands: @done bytes, copied, at most the row's max_len; NULL
 * otherwise) what the device produced, @sense (may be NULL) the sense bytes of
 * VCCW_CU_UNIT_CHECK. The channel thread then ends the command and goes on with the
 * program. Returns false when the command had been abandoned meanwhile (halt, clear,
 * reset, unplug): the result is dropped.
 * Context: any thread, no subchannel lock held; @cu must stay alive for the call (the
 * device stops completing before vccw_cu_free()).
 */
bool vccw_cu_complete(struct vccw_cu *cu, uint64_t tag, enum vccw_cu_rc rc, const void *data,
		      uint32_t done, const uint8_t *sense);

/* Remove the subchannel (with a CRW when @hotplug) and free @cu. NULL is a no-op. */
void vccw_cu_free(struct vccw_cu *cu, bool hotplug);

void *vccw_cu_opaque(const struct vccw_cu *cu);
const struct vccw_cu_ops *vccw_cu_get_ops(const struct vccw_cu *cu);

/*
 * The control unit on @sch, or NULL when the subchannel is not driven by this engine.
 * Context: @sch must stay alive (e.g. inside vccw_css_with_sch()).
 */
struct vccw_cu *vccw_cu_of_sch(struct vccw_sch *sch);
struct vccw_sch *vccw_cu_sch(const struct vccw_cu *cu);

/*
 * Guest memory of the css, for handlers that validate guest addresses handed to them
 * in command payloads (indicators, rings). Handlers still never dereference it.
 */
struct vccw_mem *vccw_cu_mem(const struct vccw_cu *cu);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_CCW_H */
