/* SPDX-License-Identifier: MIT */
/*
 * Private state of the channel subsystem, shared by its source files: css.c (objects,
 * interruptions, CRWs, the channel thread), ioinst.c (the I/O instructions), chsc.c
 * (CHSC commands).
 */
#ifndef VCCW_CSS_INT_H
#define VCCW_CSS_INT_H

#include <pthread.h>

#include "vccw/css.h"
#include "vccw/list.h"
#include "vccw/poll.h"

#define NR_SETS (VCCW_CSS_MAX_SSID + 1)
#define SCH_PAGE_SHIFT 8
#define SCH_PAGE_LEN (1u << SCH_PAGE_SHIFT) /* subchannels per second-level table */
#define SCH_NR_PAGES (0x10000u >> SCH_PAGE_SHIFT)
#define DEVNO_BITMAP_BYTES (0x10000u / 8)

/* Per-subchannel state. Protected by @lock unless noted. */
struct vccw_sch {
	struct vccw_css *css;   /* immutable */
	uint8_t ssid;           /* immutable */
	uint16_t schnr;         /* immutable */
	uint16_t devno;         /* immutable */
	pthread_mutex_t lock;
	/* Instructions waiting for @lock (atomic): the channel thread lets them in. */
	unsigned int waiters;

	struct vccw_schib schib; /* PMCW, SCSW, MBA as the subchannel holds them */
	uint32_t erw;            /* ESW word 1 for the pending status */
	uint8_t ecw[32];         /* concurrent-sense data for the pending status */

	const struct vccw_sch_exec_ops *ops; /* immutable */
	void *opaque;                        /* immutable */
	bool hotplug;                        /* immutable: report the plug with a CRW */
	/*
	 * Published (vccw_css_sch_publish()): the guest and the instructions can find it.
	 * Until then the subchannel only holds its number and device number. Protected by
	 * css->topo; written under the write lock, so a reader that finds it sees it whole.
	 */
	bool visible;
	struct vccw_orb orb;                 /* of the current start function */
	bool exec_busy;  /* the executor holds a started program (not yet DONE or cancelled) */
	bool pci_pending_final; /* a PCI intermediate status was merged into final status */

	/* Work for the channel thread: protected by css->work_lock. */
	bool work_queued;
	struct vccw_list work_link;
	bool unsol_requested; /* vccw_sch_unsolicited() asked for status */
	uint8_t unsol_dstat;

	/* Interruption request: protected by css->irq_lock. */
	bool irq_queued;
	uint8_t irq_isc;
	struct vccw_io_irq irq_code;
	struct vccw_list irq_link;
};

struct sch_set {
	struct vccw_sch **pages[SCH_NR_PAGES]; /* sparse: a page exists once it held a sch */
	uint8_t *devno_used;                   /* bitmap, allocated with the first device */
	int max_schnr;     /* highest published subchannel number, -1 none */
	unsigned int nr;   /* subchannel numbers in use, published or reserved */
};

struct vccw_css {
	struct vccw_mem *mem;
	const struct vccw_css_ops *ops;
	void *opaque;
	bool manual;
	bool inline_start; /* first slice of a start function inside SSCH */
	unsigned int slice_ccws;
	enum vccw_log_level log_level;

	/* Topology (sets, subchannel tables): readers are instructions and the channel
	 * thread; writers add and remove subchannels. Taken before any subchannel lock. */
	pthread_rwlock_t topo;
	struct sch_set sets[NR_SETS];

	/* Guest-enabled facilities and css-wide controls: protected by topo (write). */
	bool mss;
	bool mcsse;
	bool mb_update;     /* SCHM M */
	bool mb_dct;        /* SCHM D */
	uint8_t mb_key;
	uint64_t mbo;       /* format-0 measurement-block origin */
	uint64_t addr_limit; /* SAL */

	/* I/O and adapter interruptions. */
	pthread_mutex_t irq_lock;
	struct vccw_list irq_queue[VCCW_CSS_NR_ISC];
	struct vccw_list adapter_link[VCCW_CSS_NR_ISC];
	bool adapter_queued[VCCW_CSS_NR_ISC];
	bool adapter_suppressible[VCCW_CSS_NR_ISC]; /* the queued one obeys SIC */
	uint8_t ais_single;     /* ISCs in single-interruption mode (SIC mode 1) */
	uint8_t ais_suppressed; /* ISCs that delivered one and wait for the next SIC */
	uint8_t isc_mask;

	/* Channel reports. */
	pthread_mutex_t crw_lock;
	uint32_t crw[VCCW_CRW_QUEUE_LEN];
	unsigned int crw_head, crw_nr;
	bool crw_lost;     /* reports were lost: set R in the next one queued */
	bool crw_mchk_armed; /* raise the machine check for the next CRW */

	/* Channel thread. */
	pthread_mutex_t work_lock;
	pthread_cond_t work_cond;
	struct vccw_list work_queue;
	unsigned int nr_work; /* subchannels queued; atomic, so the thread can poll it */
	bool work_stop;       /* atomic */
	struct vccw_poll poll; /* the channel thread's own */
	bool thread_started;
	pthread_t thread;
};

/*
 * Take @sch's lock for an instruction or another short user. Counted in sch->waiters,
 * so that the channel thread, which runs slice after slice of a long program under the
 * same lock, lets the waiter in between two slices (a mutex is not fair: the thread
 * that just unlocked tends to win it back, and STSCH waited seconds behind a program).
 */
static inline void css_sch_lock(struct vccw_sch *sch)
{
	__atomic_add_fetch(&sch->waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&sch->lock);
	__atomic_sub_fetch(&sch->waiters, 1, __ATOMIC_SEQ_CST);
}

/* Log through the embedder's callback; preserves errno. */
void css_log(struct vccw_css *css, enum vccw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Published subchannel at (@ssid, @schnr), or NULL (none, or not yet published).
 * Context: topo held (read or write).
 */
struct vccw_sch *css_find_sch(struct vccw_css *css, uint8_t ssid, uint16_t schnr);

/* True when a guest may see set @ssid (MSS enabled for ssid > 0). Context: topo held. */
bool css_set_visible(struct vccw_css *css, uint8_t ssid);

/*
 * Subsystem-identification word of a subchannel as the guest sees it in interruption
 * codes: with MCSS-E the css id and M bit, else css 0.
 */
uint32_t css_sid_word(struct vccw_css *css, uint8_t ssid, uint16_t schnr);

/*
 * Operand access by a CPU: @real is a real address (prefixing applied per 4 KiB page).
 * Returns VCCW_CC0 on success, or the access exception (addressing; protection for stores
 * covered by low-address protection). A store is all or nothing.
 */
enum vccw_insn_rc css_cpu_read(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t real,
			       void *buf, size_t len);
enum vccw_insn_rc css_cpu_write(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t real,
				const void *buf, size_t len);
/* Check that a store would succeed, without storing. */
enum vccw_insn_rc css_cpu_check_write(struct vccw_css *css, const struct vccw_cpu *cpu,
				      uint64_t real, size_t len);

/* Make @sch's pending status an interruption request. Context: sch lock held. */
void css_queue_irq_locked(struct vccw_sch *sch);
/* Withdraw @sch's interruption request, if any. Context: sch lock held. */
void css_withdraw_irq_locked(struct vccw_sch *sch);
/*
 * Run one slice of @sch's pending function on the calling thread. Returns true when
 * more work remains (the caller queues it). Context: topo (read) and sch lock held.
 */
bool css_run_slice_locked(struct vccw_sch *sch);
/* Hand @sch to the channel thread. Context: sch lock held. */
void css_queue_work_locked(struct vccw_sch *sch);
/*
 * A cancelled function (XSCH) needs no more work; keep @sch queued only for a pending
 * unsolicited-status request. Context: sch lock held.
 */
void css_drop_function_work_locked(struct vccw_sch *sch);

/* Put a delivered interruption back at the head of its ISC queue (a faulting TPI store). */
void css_requeue_irq(struct vccw_css *css, const struct vccw_io_irq *irq);

/*
 * Take the oldest CRW for STCRW. Returns false (and rearms the machine check) when the
 * queue is empty.
 */
bool css_crw_pop(struct vccw_css *css, uint32_t *crw);

/* Count a start or resume in the subchannel's measurement block. Context: sch lock held. */
void css_measure_start(struct vccw_sch *sch);

/* Remove all CRWs and rearm the machine check. */
void css_crw_reset(struct vccw_css *css);

/* CHSC (chsc.c). Context: called with no lock held. */
enum vccw_insn_rc css_chsc(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr);

#endif /* VCCW_CSS_INT_H */
