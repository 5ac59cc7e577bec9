/* SPDX-License-Identifier: MIT */
/*
 * The virtual channel subsystem (host side): css images, subchannel sets, subchannels
 * and their SCHIB state, the virtual channel path, device numbers, the I/O
 * instructions, pending I/O and adapter interruptions by ISC, and channel reports.
 * z/Architecture Principles of Operation, chapters 13-17; facts and sources in
 * shared/reference/channel-io.md.
 *
 * The embedder (a VMM) decodes an intercepted I/O instruction, calls the matching
 * vccw_css_<insn>() with the operands and a description of the issuing CPU, and applies
 * the returned enum vccw_insn_rc (condition code or program interruption). The css tells
 * the embedder through struct vccw_css_ops callbacks when an I/O interruption or a
 * channel-report machine check becomes pending.
 *
 * Channel programs are not interpreted here: a subchannel's start, resume, halt and
 * clear functions are carried out by an executor (lib/ccw) through struct
 * vccw_sch_exec_ops, on the css's channel thread (or in vccw_css_run() for embedders and
 * tests that want to drive it themselves). SSCH therefore returns at once, and a
 * program runs in bounded slices so that no guest program can hold a vCPU, another
 * subchannel or the machine.
 *
 * Locking: each subchannel has its own lock; interruption and CRW queues have theirs.
 * All entry points may be called from any thread.
 */
#ifndef VCCW_CSS_H
#define VCCW_CSS_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The virtual css image of KVM/QEMU; shown to a guest as css 0 until it enables MCSS-E. */
#define VCCW_CSS_VIRTUAL_CSSID 0xfe
#define VCCW_CSS_MAX_SSID 3
#define VCCW_CSS_VIRTUAL_CHPID 0x00
#define VCCW_CSS_VIRTUAL_CHPID_TYPE 0x32
#define VCCW_CSS_NR_ISC 8

/* ---- Architected layouts (host-order decoded forms) ---- */

/* SCHIB PMCW word 1 flag bits (halfword masks, PoP figure 15-2). */
#define VCCW_PMCW_Q 0x8000
#define VCCW_PMCW_W 0x4000
#define VCCW_PMCW_ISC_MASK 0x3800
#define VCCW_PMCW_ENA 0x0080
#define VCCW_PMCW_LM_MASK 0x0060
#define VCCW_PMCW_MME_MASK 0x0018
#define VCCW_PMCW_MP 0x0004
#define VCCW_PMCW_TF 0x0002
#define VCCW_PMCW_DNV 0x0001
/* PMCW word 6 */
#define VCCW_PMCW_ST_MASK 0x00e00000
#define VCCW_PMCW_MBFC 0x00000004
#define VCCW_PMCW_XMWME 0x00000002
#define VCCW_PMCW_CSENSE 0x00000001

/* Decoded PMCW (path-management-control word). */
struct vccw_pmcw {
	uint32_t intparm;
	uint16_t flags; /* word 1 bits 0-15: VCCW_PMCW_*; ISC in VCCW_PMCW_ISC_MASK */
	uint16_t devno;
	uint8_t lpm, pnom, lpum, pim;
	uint16_t mbi;
	uint8_t pom, pam;
	uint8_t chpid[8];
	uint32_t chars; /* word 6: ST, MBFC, XMWME, CSENSE */
};

/* SCSW word 0 (PoP figure 16-3, command mode). */
#define VCCW_SCSW_KEY_MASK 0xf0000000u
#define VCCW_SCSW_S 0x08000000u /* suspend control */
#define VCCW_SCSW_L 0x04000000u /* ESW format (logout stored) */
#define VCCW_SCSW_CC_MASK 0x03000000u /* deferred condition code */
#define VCCW_SCSW_CC_SHIFT 24
#define VCCW_SCSW_F 0x00800000u /* CCW format */
#define VCCW_SCSW_P 0x00400000u /* prefetch */
#define VCCW_SCSW_I 0x00200000u /* initial-status interruption control */
#define VCCW_SCSW_A 0x00100000u /* address-limit checking */
#define VCCW_SCSW_U 0x00080000u /* suppress suspended interruption */
#define VCCW_SCSW_Z 0x00040000u /* zero condition code */
#define VCCW_SCSW_E 0x00020000u /* extended control: ECW holds information */
#define VCCW_SCSW_N 0x00010000u /* path not operational */
#define VCCW_SCSW_FC_START 0x00004000u
#define VCCW_SCSW_FC_HALT 0x00002000u
#define VCCW_SCSW_FC_CLEAR 0x00001000u
#define VCCW_SCSW_FC_MASK 0x00007000u
#define VCCW_SCSW_AC_RESUME_PEND 0x00000800u
#define VCCW_SCSW_AC_START_PEND 0x00000400u
#define VCCW_SCSW_AC_HALT_PEND 0x00000200u
#define VCCW_SCSW_AC_CLEAR_PEND 0x00000100u
#define VCCW_SCSW_AC_SCH_ACTIVE 0x00000080u
#define VCCW_SCSW_AC_DEV_ACTIVE 0x00000040u
#define VCCW_SCSW_AC_SUSPENDED 0x00000020u
#define VCCW_SCSW_AC_MASK 0x00000fe0u
#define VCCW_SCSW_SC_ALERT 0x00000010u
#define VCCW_SCSW_SC_INTERMEDIATE 0x00000008u
#define VCCW_SCSW_SC_PRIMARY 0x00000004u
#define VCCW_SCSW_SC_SECONDARY 0x00000002u
#define VCCW_SCSW_SC_PENDING 0x00000001u
#define VCCW_SCSW_SC_MASK 0x0000001fu

/* Device status (SCSW word 2 byte 0). */
#define VCCW_DSTAT_ATTENTION 0x80
#define VCCW_DSTAT_SM 0x40
#define VCCW_DSTAT_CUE 0x20
#define VCCW_DSTAT_BUSY 0x10
#define VCCW_DSTAT_CE 0x08
#define VCCW_DSTAT_DE 0x04
#define VCCW_DSTAT_UC 0x02
#define VCCW_DSTAT_UE 0x01

/* Subchannel status (SCSW word 2 byte 1). */
#define VCCW_CSTAT_PCI 0x80
#define VCCW_CSTAT_IL 0x40
#define VCCW_CSTAT_PROG 0x20
#define VCCW_CSTAT_PROT 0x10
#define VCCW_CSTAT_DATA 0x08
#define VCCW_CSTAT_CHAN_CTRL 0x04
#define VCCW_CSTAT_INTF_CTRL 0x02
#define VCCW_CSTAT_CHAINING 0x01

/* Decoded SCSW. */
struct vccw_scsw {
	uint32_t ctrl; /* word 0: VCCW_SCSW_* */
	uint32_t cpa;  /* CCW address */
	uint8_t dstat;
	uint8_t cstat;
	uint16_t count; /* residual count */
};

struct vccw_schib {
	struct vccw_pmcw pmcw;
	struct vccw_scsw scsw;
	uint64_t mba;
	uint32_t mda;
};

/* ORB word 1 (PoP figure 15-7, command mode). */
#define VCCW_ORB_KEY_MASK 0xf0000000u
#define VCCW_ORB_S 0x08000000u
#define VCCW_ORB_C 0x04000000u
#define VCCW_ORB_M 0x02000000u
#define VCCW_ORB_Y 0x01000000u
#define VCCW_ORB_F 0x00800000u
#define VCCW_ORB_P 0x00400000u
#define VCCW_ORB_I 0x00200000u
#define VCCW_ORB_A 0x00100000u
#define VCCW_ORB_U 0x00080000u
#define VCCW_ORB_B 0x00040000u
#define VCCW_ORB_H 0x00020000u
#define VCCW_ORB_T 0x00010000u
#define VCCW_ORB_LPM_MASK 0x0000ff00u
#define VCCW_ORB_L 0x00000080u
#define VCCW_ORB_D 0x00000040u
#define VCCW_ORB_RSVD 0x0000003eu
#define VCCW_ORB_X 0x00000001u

/* Decoded ORB (command mode). */
struct vccw_orb {
	uint32_t intparm;
	uint32_t ctrl; /* word 1: VCCW_ORB_* */
	uint32_t cpa;  /* channel-program address */
};

static inline uint8_t vccw_orb_lpm(const struct vccw_orb *orb)
{
	return (uint8_t)((orb->ctrl & VCCW_ORB_LPM_MASK) >> 8);
}

/* CRW (PoP figure 17-?: channel-report word). */
#define VCCW_CRW_S 0x40000000u     /* solicited */
#define VCCW_CRW_R 0x20000000u     /* overflow: reports were lost */
#define VCCW_CRW_C 0x10000000u     /* chained: the next CRW belongs to this report */
#define VCCW_CRW_RSC_SHIFT 24
#define VCCW_CRW_A 0x00800000u     /* ancillary report */
#define VCCW_CRW_ERC_SHIFT 16
#define VCCW_CRW_RSC_SCH 0x3
#define VCCW_CRW_RSC_CHP 0x4
#define VCCW_CRW_RSC_CSS 0xb
#define VCCW_CRW_ERC_EVENT 0x00
#define VCCW_CRW_ERC_AVAIL 0x01
#define VCCW_CRW_ERC_INIT 0x02
#define VCCW_CRW_ERC_IPI 0x04
#define VCCW_CRW_ERC_PERRI 0x07
/* Capacity of the CRW queue; reports beyond it are lost and flagged with R. */
#define VCCW_CRW_QUEUE_LEN 256

/* ---- Objects ---- */

struct vccw_css;
struct vccw_sch;

/* A subchannel's address inside the css (always css 0xfe today). */
struct vccw_busid {
	uint8_t cssid;
	uint8_t ssid;
	uint16_t devno; /* or subchannel number, depending on use */
};

/*
 * Interruption code of an I/O interruption, as stored in the lowcore at 0xB8 (PoP
 * figure 6-?): subchannel-ID word (0 for adapter interruptions), interruption
 * parameter, interruption-identification word (A bit, ISC in bits 2-4).
 */
struct vccw_io_irq {
	uint32_t sid;
	uint32_t intparm;
	uint32_t iiw;
};
#define VCCW_IIW_ADAPTER 0x80000000u
#define VCCW_IIW_ISC_SHIFT 27

/*
 * What the issuing CPU contributes to an instruction: the parts of the PSW and control
 * registers the architecture consults for I/O instructions. Operand addresses are real
 * addresses; the css applies prefixing with @prefix to reach absolute storage.
 */
struct vccw_cpu {
	bool problem_state; /* PSW bit 15: I/O instructions are privileged */
	bool low_addr_prot; /* CR0 bit 35: stores into real 0-511 and 4096-4607 are protected */
	uint64_t prefix;    /* prefix register (8 KiB aligned) */
	uint8_t isc_mask;   /* CR6 bits 32-39: ISC n enabled by 0x80 >> n (used by TPI) */
};

/* Callbacks from the css to its embedder. */
struct vccw_css_ops {
	/*
	 * An I/O or adapter interruption is pending for an ISC enabled in the floating ISC
	 * mask (vccw_css_set_isc_mask()). The embedder wakes a vCPU that will take it with
	 * vccw_css_take_io_irq(). Optional (NULL: the embedder polls).
	 * Context: any thread, css locks held: must not block or call into the css.
	 */
	void (*io_irq)(void *opaque);
	/*
	 * A channel report is pending: raise the channel-report-pending machine check.
	 * Called once per burst: again only after STCRW found the queue empty. Optional.
	 * Context: as io_irq.
	 */
	void (*crw_pending)(void *opaque);
	/* Log sink; NULL drops messages. Context: any thread; must not call into the css. */
	vccw_log_fn *log;
};

struct vccw_css_config {
	const struct vccw_css_ops *ops; /* may be NULL */
	void *opaque;                   /* passed to every ops callback */
	/*
	 * false (default): a channel thread runs subchannel functions.
	 * true: nothing runs until the embedder calls vccw_css_run() (deterministic tests,
	 * single-threaded embedders).
	 */
	bool manual;
	/* CCWs an executor may process per slice before yielding (0: default 64). */
	unsigned int slice_ccws;
	/*
	 * Bound of the channel thread's adaptive polling of its work queue before it
	 * sleeps (include/vccw/poll.h), in ns: 0 the default, VCCW_POLL_DEFAULT_MAX_NS;
	 * negative: never poll.
	 */
	int poll_max_ns;
	/*
	 * Run the first slice of a start function inside SSCH, on the issuing thread (the
	 * architecture allows completion at any time after cc 0): a short program is then
	 * status pending when SSCH returns, without a hand-off to the channel thread; a
	 * longer one goes on there. Executor hooks (command handlers) then also run on the
	 * thread issuing SSCH. Ignored in manual mode.
	 */
	bool inline_start;
	/* Lowest enabled log level; 0 means VCCW_LOG_WARNING. */
	enum vccw_log_level log_level;
};

/*
 * Create a channel subsystem with the virtual css image 0xfe over guest memory @mem
 * (borrowed; must outlive the css).
 * Returns: a new object owned by the caller, or NULL with @err filled.
 */
struct vccw_css *vccw_css_new(struct vccw_mem *mem, const struct vccw_css_config *cfg,
			      struct vccw_err *err);

/* Stop the channel thread and free the css. Every subchannel must be freed first. */
void vccw_css_free(struct vccw_css *css);

/* The guest memory the css was created with. */
struct vccw_mem *vccw_css_mem(struct vccw_css *css);

/*
 * Machine (subsystem) reset: every subchannel is reset (functions cancelled, PMCW and
 * SCSW back to their initial values), queued interruptions and CRWs are dropped, MSS
 * and MCSS-E are disabled again, channel monitoring stops.
 * Context: no vCPU may be executing an I/O instruction.
 */
void vccw_css_reset(struct vccw_css *css);

/*
 * Run pending subchannel functions on the calling thread: at most @max_slices slices
 * (0: until nothing is runnable). Returns the number of slices run.
 * Only meaningful for a css created with cfg->manual.
 */
unsigned int vccw_css_run(struct vccw_css *css, unsigned int max_slices);

/*
 * Parse a bus ID "fe.S.DDDD" (css 1-2 hex digits, must be fe; set one digit 0-3;
 * device number exactly 4 hex digits).
 * Returns 0, or -EINVAL with @err saying what is wrong.
 */
int vccw_css_parse_busid(const char *str, struct vccw_busid *out, struct vccw_err *err);

/* ---- Subchannels and the executor interface ---- */

/* Outcome of one executor call. */
enum vccw_exec_rc {
	VCCW_EXEC_MORE,      /* slice budget used: call step() again later */
	VCCW_EXEC_DONE,      /* the function ended; final status in the vccw_exec_status */
	VCCW_EXEC_SUSPENDED, /* a CCW with the S flag was reached (ORB S=1): suspend */
	VCCW_EXEC_PCI,       /* a CCW with the PCI flag took control: present intermediate
			      * status, then call step() again */
	VCCW_EXEC_WAIT,      /* the device executes a command on its own: the subchannel
			      * stays active, and step() is called again after the
			      * executor's vccw_sch_kick() */
};

/* Status an executor reports when a function ends or pauses. */
struct vccw_exec_status {
	uint32_t cpa;   /* address of the last CCW used + 8 */
	uint16_t count; /* residual count of that CCW */
	uint8_t dstat;  /* device status (VCCW_DSTAT_*) */
	uint8_t cstat;  /* subchannel status (VCCW_CSTAT_*) */
	/* A unit check: @sense holds the sense bytes (for concurrent sense). */
	uint8_t sense[32];
	uint8_t sense_len;
};

/*
 * Executor hooks of a subchannel (implemented by lib/ccw). All are called with the
 * subchannel lock held, on the channel thread or in vccw_css_run() (start also inside
 * SSCH with cfg->inline_start); they must not block for long and must not call
 * vccw_css_* instructions.
 */
struct vccw_sch_exec_ops {
	/* A start function begins (@orb validated by SSCH). Returns like step(). */
	enum vccw_exec_rc (*start)(struct vccw_sch *sch, void *opaque, const struct vccw_orb *orb,
				   unsigned int budget, struct vccw_exec_status *st);
	/* A suspended program resumes (RSCH): refetch the suspending CCW. Returns like step(). */
	enum vccw_exec_rc (*resume)(struct vccw_sch *sch, void *opaque, unsigned int budget,
				    struct vccw_exec_status *st);
	/* Continue after VCCW_EXEC_MORE or VCCW_EXEC_PCI. */
	enum vccw_exec_rc (*step)(struct vccw_sch *sch, void *opaque, unsigned int budget,
				  struct vccw_exec_status *st);
	/*
	 * The program is abandoned (halt, clear, cancel, reset). *@active (may be NULL)
	 * receives whether the device was executing a command, which is what halt status
	 * reports; @st (may be NULL) receives cpa and count of the last CCW used. Optional.
	 */
	void (*cancel)(struct vccw_sch *sch, void *opaque, bool *active,
		       struct vccw_exec_status *st);
	/* The subchannel was enabled (@on) or disabled by MSCH or reset. Optional. */
	void (*enable)(struct vccw_sch *sch, void *opaque, bool on);
};

struct vccw_sch_config {
	/* Bus ID to use; NULL chooses the css image, set and device number like QEMU. */
	const struct vccw_busid *busid;
	const struct vccw_sch_exec_ops *ops;
	void *opaque;
	/*
	 * true for a device added while the guest runs: a subchannel CRW (RSC 3, ERC 4)
	 * reports it. Cold-plugged devices are simply present.
	 */
	bool hotplug;
};

/*
 * Create a subchannel with an attached device. The subchannel number is the lowest
 * free one in the set. The subchannel is reserved, not yet visible: no instruction, CHSC
 * or channel-thread slice finds it and no CRW reports it until vccw_css_sch_publish(),
 * so its creator can link whatever its executor hooks use (@cfg->opaque) first.
 * Returns: the subchannel (owned by the css until vccw_css_sch_free()), or NULL with
 * @err filled (-EEXIST: device number in use; -ENOSPC: no free number).
 */
struct vccw_sch *vccw_css_sch_new(struct vccw_css *css, const struct vccw_sch_config *cfg,
				  struct vccw_err *err);

/*
 * Make a subchannel from vccw_css_sch_new() visible to the guest, once the device behind
 * it is whole; with @cfg->hotplug a subchannel CRW (RSC 3, ERC 4) reports it. Everything
 * the caller stored before the call is seen by every thread that finds the subchannel.
 * Call once per subchannel. Context: any thread; takes the topology lock.
 */
void vccw_css_sch_publish(struct vccw_sch *sch);

/*
 * Remove a subchannel: any function is cancelled, the subchannel becomes invalid
 * (E=0, V=0), its queued interruption is withdrawn, and with @hotplug a subchannel CRW
 * reports the change (not for a subchannel that was never published). On return no executor hook runs any more. NULL is a no-op.
 */
void vccw_css_sch_free(struct vccw_sch *sch, bool hotplug);

/*
 * The subsystem-identification word that addresses @sch (GPR1 of an I/O instruction,
 * the first word of its interruption code): the one bit, the set and the subchannel
 * number, plus the M bit and css id 0xfe once the guest enabled MCSS-E, exactly as
 * struct vccw_io_irq carries it. Context: any thread; takes the topology lock (read).
 */
uint32_t vccw_sch_sid(struct vccw_sch *sch);

/*
 * The subsystem-identification word (as vccw_sch_sid()) of the published subchannel of
 * device @busid, e.g. from vccw_css_parse_busid(), into *@sid (may be NULL to test).
 * Returns 0; -EINVAL when @busid is NULL or names a css image other than 0xfe or a set
 * above 3; -ENODEV when no published subchannel has that device number.
 * Context: any thread; takes the topology lock (read).
 */
int vccw_css_busid_to_sid(struct vccw_css *css, const struct vccw_busid *busid, uint32_t *sid);

/* The subchannel's identity: css (0xfe), set, and device number / subchannel number. */
struct vccw_busid vccw_sch_busid(const struct vccw_sch *sch);
uint16_t vccw_sch_schnr(const struct vccw_sch *sch);
struct vccw_css *vccw_sch_css(const struct vccw_sch *sch);
void *vccw_sch_opaque(const struct vccw_sch *sch);

/*
 * True when the program enabled concurrent sense (PMCW word 6 bit 31) for the
 * subchannel: an executor then hands sense data over with the unit-check status and
 * discards it, instead of keeping it for BASIC SENSE. Context: in an executor hook.
 */
bool vccw_sch_csense(const struct vccw_sch *sch);

/* A snapshot of the SCHIB (as STSCH would store it, without visibility rules). */
void vccw_sch_get_schib(struct vccw_sch *sch, struct vccw_schib *out);

/*
 * Request unsolicited device status (@dstat, e.g. attention; 0 for a bare alert, as
 * virtio-ccw's classic indicators use it). The channel thread presents it as alert +
 * status pending with an I/O interruption if, by then, the subchannel is enabled, not
 * status pending and has no function in progress (PoP "unsolicited status"); otherwise
 * the request is dropped, since the pending status's own interruption reaches the
 * program. Requests made before one is presented merge.
 * Context: any thread, any locks held (it takes only the work-queue lock); @sch must
 * stay alive for the call.
 */
void vccw_sch_unsolicited(struct vccw_sch *sch, uint8_t dstat);

/*
 * Give the subchannel's executor a slice on the channel thread (it returned
 * VCCW_EXEC_WAIT and can go on now). A kick with nothing to do is harmless.
 * Context: any thread, any locks held except the subchannel's own (it takes only the
 * work-queue lock); @sch must stay alive for the call.
 */
void vccw_sch_kick(struct vccw_sch *sch);

/* The executor hooks @sch was created with. */
const struct vccw_sch_exec_ops *vccw_sch_exec_ops(const struct vccw_sch *sch);

/*
 * Call @fn with the subchannel a guest designates by subsystem-identification word @sid
 * (as in GPR1 of an I/O instruction, with the guest's visibility rules). The subchannel
 * cannot go away while @fn runs; @fn must not block, nor add or free subchannels.
 * Returns @fn's value, or -ENODEV when @sid designates no visible subchannel.
 */
int vccw_css_with_sch(struct vccw_css *css, uint32_t sid,
		      int (*fn)(struct vccw_sch *sch, void *arg), void *arg);

/* ---- I/O instructions ---- */

/*
 * Each takes the issuing CPU, the subsystem-identification word (GPR1 bits 32-63) where
 * the instruction has one, and the second-operand real address where it has one.
 * Returns the condition code or the program interruption (PoP chapter 14, "I/O
 * Instructions"); a program interruption means nothing was changed, except where the
 * architecture makes the instruction partially completing.
 */
enum vccw_insn_rc vccw_css_stsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				 uint64_t addr);
enum vccw_insn_rc vccw_css_msch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr);
enum vccw_insn_rc vccw_css_ssch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr);
enum vccw_insn_rc vccw_css_tsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr);
enum vccw_insn_rc vccw_css_hsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid);
enum vccw_insn_rc vccw_css_csch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid);
enum vccw_insn_rc vccw_css_rsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid);
enum vccw_insn_rc vccw_css_xsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid);
/* TPI: @addr 0 stores the three-word code at lowcore 0xB8, else two words at @addr. */
enum vccw_insn_rc vccw_css_tpi(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr);
enum vccw_insn_rc vccw_css_stcrw(struct vccw_css *css, const struct vccw_cpu *cpu,
				 uint64_t addr);
/* RCHP: @gpr1 holds CSSID (bits 40-47) and CHPID (bits 56-63). */
enum vccw_insn_rc vccw_css_rchp(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1);
/* SAL: @gpr1 is the address limit. Returns VCCW_CC_UNCHANGED on success. */
enum vccw_insn_rc vccw_css_sal(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1);
/* SCHM: @gpr1 key/M/D, @gpr2 measurement-block origin. VCCW_CC_UNCHANGED on success. */
enum vccw_insn_rc vccw_css_schm(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1,
				uint64_t gpr2);
/*
 * SIC: @mode from GPR(R1) bits 48-63 (0 all interruptions, 1 single interruption),
 * @isc from GPR(R3) bits 34-36. Returns VCCW_CC_UNCHANGED on success.
 */
enum vccw_insn_rc vccw_css_sic(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t mode,
			       uint8_t isc);
/* CHSC: @addr is the contents of GPR(R1), the 4 KiB-aligned request block. */
enum vccw_insn_rc vccw_css_chsc(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr);

/* ---- Interruptions and channel reports ---- */

/*
 * The floating I/O-interruption subclass mask (the union of the CPUs' CR6 bits 32-39,
 * ISC n = 0x80 >> n). Enabling an ISC with queued interruptions calls ops->io_irq.
 */
void vccw_css_set_isc_mask(struct vccw_css *css, uint8_t mask);

/*
 * Take the highest-priority pending I/O interruption among the ISCs in @isc_mask
 * (lowest ISC first, FIFO within an ISC) to deliver it; the embedder stores @out at
 * lowcore 0xB8 and swaps the I/O PSWs. The subchannel stays status pending (TSCH clears
 * it). Returns false if none is pending.
 */
bool vccw_css_take_io_irq(struct vccw_css *css, uint8_t isc_mask, struct vccw_io_irq *out);

/* True if an interruption is pending for an ISC in @isc_mask. */
bool vccw_css_io_irq_pending(struct vccw_css *css, uint8_t isc_mask);

/*
 * Make an adapter interruption pending for @isc (virtio-ccw thin interrupts). While one
 * is already queued for that ISC, nothing new is queued. This adapter is not
 * suppressible: SIC's single-interruption mode does not apply to it (QEMU registers
 * virtio's adapters the same way).
 */
void vccw_css_inject_adapter(struct vccw_css *css, uint8_t isc);

/*
 * The same for an adapter registered as suppressible (adapter-interruption suppression,
 * as zPCI's): when the ISC is in single-interruption mode (SIC mode 1) and one was
 * already delivered, nothing is queued until the next SIC.
 */
void vccw_css_inject_adapter_suppressible(struct vccw_css *css, uint8_t isc);

/*
 * Queue a channel report: one CRW, or two chained ones when @rsid2 >= 0 (the second
 * carries @rsid2). Lost reports (queue full) set R in the next CRW queued.
 */
void vccw_css_queue_crw(struct vccw_css *css, uint8_t rsc, uint8_t erc, bool solicited,
			uint16_t rsid, int32_t rsid2);

/* True if a CRW is queued (the channel-report-pending condition). */
bool vccw_css_crw_pending(struct vccw_css *css);

/* Guest-enabled facilities (CHSC SDA). */
bool vccw_css_mss_enabled(struct vccw_css *css);
bool vccw_css_mcsse_enabled(struct vccw_css *css);

/*
 * Walk every defined subchannel in (ssid, subchannel number) order. @fn returns
 * non-zero to stop; that value is returned. Context: @fn must not add or free
 * subchannels.
 */
int vccw_css_for_each_sch(struct vccw_css *css, int (*fn)(struct vccw_sch *sch, void *arg),
			  void *arg);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_CSS_H */
