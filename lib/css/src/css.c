// SPDX-License-Identifier: MIT
/*
 * Channel-subsystem objects: the css image 0xfe with its subchannel sets (sparse
 * tables), subchannel creation and removal with device-number assignment like QEMU's,
 * the subchannel functions run on the channel thread (PoP chapter 15 "Basic I/O
 * Functions": start, halt, clear, resume), pending I/O and adapter interruptions by ISC
 * (PoP chapter 16), and the channel-report queue (PoP chapter 17).
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "vccw/poll.h"
#include "trace-int.h"
#include "css-int.h"

#define DEFAULT_SLICE_CCWS 64
/* How long the channel thread waits at most for instructions to take a subchannel. */
#define MAKE_WAY_NS 1000000u

void css_log(struct vccw_css *css, enum vccw_log_level level, const char *fmt, ...)
{
	char msg[256];
	int saved = errno;
	va_list ap;

	if (!css->ops || !css->ops->log || level > css->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	css->ops->log(css->opaque, level, msg);
	errno = saved;
}

/* ---- Topology ---- */

struct vccw_sch *css_find_sch(struct vccw_css *css, uint8_t ssid, uint16_t schnr)
{
	struct vccw_sch **page, *sch;

	if (ssid >= NR_SETS)
		return NULL;
	page = css->sets[ssid].pages[schnr >> SCH_PAGE_SHIFT];
	sch = page ? page[schnr & (SCH_PAGE_LEN - 1)] : NULL;
	return sch && sch->visible ? sch : NULL;
}

bool css_set_visible(struct vccw_css *css, uint8_t ssid)
{
	return ssid == 0 || (ssid < NR_SETS && css->mss);
}

uint32_t css_sid_word(struct vccw_css *css, uint8_t ssid, uint16_t schnr)
{
	uint32_t w = 0x00010000u | ((uint32_t)ssid << 17) | schnr;

	/* PoP: the M bit and css id appear only once MCSS-E is enabled; else css 0. */
	if (css->mcsse)
		w |= ((uint32_t)VCCW_CSS_VIRTUAL_CSSID << 24) | 0x00080000u;
	return w;
}

static bool devno_used(const struct sch_set *set, uint16_t devno)
{
	return set->devno_used && (set->devno_used[devno / 8] & (1u << (devno % 8)));
}

static void devno_mark(struct sch_set *set, uint16_t devno, bool used)
{
	if (used)
		set->devno_used[devno / 8] |= (uint8_t)(1u << (devno % 8));
	else
		set->devno_used[devno / 8] &= (uint8_t)~(1u << (devno % 8));
}

/* Lowest free subchannel number in @set, or -1. */
static int first_free_schnr(struct vccw_css *css, uint8_t ssid)
{
	const struct sch_set *set = &css->sets[ssid];
	unsigned int p, i;

	if (set->nr == 0x10000)
		return -1;
	for (p = 0; p < SCH_NR_PAGES; p++) {
		if (!set->pages[p])
			return (int)(p << SCH_PAGE_SHIFT);
		for (i = 0; i < SCH_PAGE_LEN; i++)
			if (!set->pages[p][i])
				return (int)((p << SCH_PAGE_SHIFT) | i);
	}
	return -1;
}

int vccw_css_parse_busid(const char *str, struct vccw_busid *out, struct vccw_err *err)
{
	unsigned int cssid, ssid, devno;
	int n1 = 0, n2 = 0, n3 = 0, end = 0;
	const char *p = str;

	/* fe.S.DDDD: css 1-2 hex digits, set one digit 0-3, device number exactly 4 digits. */
	if (!str || sscanf(p, "%n%x%n.", &n1, &cssid, &n2) != 1 || n2 - n1 < 1 || n2 - n1 > 2 ||
	    p[n2] != '.')
		goto bad;
	p += n2 + 1;
	if (p[0] < '0' || p[0] > '3' || p[1] != '.')
		goto bad;
	ssid = (unsigned int)(p[0] - '0');
	p += 2;
	for (n3 = 0; n3 < 4; n3++) {
		char c = p[n3];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			goto bad;
	}
	if (p[4] != '\0' || sscanf(p, "%4x%n", &devno, &end) != 1 || end != 4)
		goto bad;
	for (n3 = 0; n3 < n2; n3++) {
		char c = str[n3];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			goto bad;
	}
	if (cssid != VCCW_CSS_VIRTUAL_CSSID) {
		vccw_err_set(err, EINVAL,
			     "bus ID '%s': css id must be fe, the virtual channel subsystem", str);
		return -EINVAL;
	}
	out->cssid = (uint8_t)cssid;
	out->ssid = (uint8_t)ssid;
	out->devno = (uint16_t)devno;
	return 0;
bad:
	vccw_err_set(err, EINVAL,
		     "bus ID '%s' is not of the form fe.S.DDDD (set 0-3, 4 hex digits)",
		     str ? str : "(null)");
	return -EINVAL;
}

/* Initial SCHIB of a virtual subchannel (shared/reference 2.4). */
static void sch_reset_schib(struct vccw_sch *sch)
{
	struct vccw_pmcw *p = &sch->schib.pmcw;

	memset(&sch->schib, 0, sizeof(sch->schib));
	p->flags = VCCW_PMCW_DNV;
	p->devno = sch->devno;
	p->lpm = 0x80;
	p->pim = 0x80;
	p->pam = 0x80;
	p->pom = 0xff;
	p->chpid[0] = VCCW_CSS_VIRTUAL_CHPID;
	sch->erw = 0;
	memset(sch->ecw, 0, sizeof(sch->ecw));
}

struct vccw_sch *vccw_css_sch_new(struct vccw_css *css, const struct vccw_sch_config *cfg,
				  struct vccw_err *err)
{
	struct vccw_sch *sch;
	struct sch_set *set;
	int ssid = -1, schnr = -1;
	uint32_t devno = 0;
	unsigned int i;

	if (!cfg || !cfg->ops || !cfg->ops->start || !cfg->ops->resume || !cfg->ops->step) {
		vccw_err_set(err, EINVAL, "subchannel needs start, resume and step hooks");
		return NULL;
	}
	sch = calloc(1, sizeof(*sch));
	if (!sch) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	pthread_rwlock_wrlock(&css->topo);
	if (cfg->busid) {
		const struct vccw_busid *id = cfg->busid;

		if (id->cssid != VCCW_CSS_VIRTUAL_CSSID || id->ssid > VCCW_CSS_MAX_SSID) {
			vccw_err_set(err, EINVAL, "bus ID %x.%x.%04x: no such css image or set",
				     id->cssid, id->ssid, id->devno);
			goto err_unlock;
		}
		if (devno_used(&css->sets[id->ssid], id->devno)) {
			vccw_err_set(err, EEXIST, "device number %x.%x.%04x is already in use",
				     id->cssid, id->ssid, id->devno);
			goto err_unlock;
		}
		ssid = id->ssid;
		schnr = first_free_schnr(css, id->ssid);
		devno = id->devno;
		if (schnr < 0) {
			vccw_err_set(err, ENOSPC, "subchannel set %x.%x is full", id->cssid,
				     id->ssid);
			goto err_unlock;
		}
	} else {
		/*
		 * Like QEMU: per set, the lowest free subchannel number, and the lowest free
		 * device number searching upward from it, modulo 0xffff.
		 */
		for (i = 0; i < NR_SETS && ssid < 0; i++) {
			int nr = first_free_schnr(css, (uint8_t)i);
			unsigned int k;

			if (nr < 0)
				continue;
			for (k = 0; k < 0xffff; k++) {
				uint16_t d = (uint16_t)(((unsigned int)nr + k) % 0xffff);

				if (!devno_used(&css->sets[i], d)) {
					ssid = (int)i;
					schnr = nr;
					devno = d;
					break;
				}
			}
		}
		if (ssid < 0) {
			vccw_err_set(err, ENOSPC, "no free subchannel or device number left");
			goto err_unlock;
		}
	}
	set = &css->sets[ssid];
	if (!set->devno_used) {
		set->devno_used = calloc(1, DEVNO_BITMAP_BYTES);
		if (!set->devno_used)
			goto err_nomem;
	}
	if (!set->pages[schnr >> SCH_PAGE_SHIFT]) {
		set->pages[schnr >> SCH_PAGE_SHIFT] = calloc(SCH_PAGE_LEN, sizeof(sch));
		if (!set->pages[schnr >> SCH_PAGE_SHIFT])
			goto err_nomem;
	}
	sch->css = css;
	sch->ssid = (uint8_t)ssid;
	sch->schnr = (uint16_t)schnr;
	sch->devno = (uint16_t)devno;
	sch->ops = cfg->ops;
	sch->opaque = cfg->opaque;
	sch->hotplug = cfg->hotplug;
	pthread_mutex_init(&sch->lock, NULL);
	vccw_list_init(&sch->work_link);
	vccw_list_init(&sch->irq_link);
	sch_reset_schib(sch);
	/* Reserved: the numbers are taken, but nothing finds it before it is published. */
	set->pages[schnr >> SCH_PAGE_SHIFT][schnr & (SCH_PAGE_LEN - 1)] = sch;
	devno_mark(set, sch->devno, true);
	set->nr++;
	pthread_rwlock_unlock(&css->topo);
	return sch;

err_nomem:
	vccw_err_set(err, ENOMEM, "out of memory");
err_unlock:
	pthread_rwlock_unlock(&css->topo);
	free(sch);
	return NULL;
}

/*
 * Report a plugged or unplugged subchannel: a subchannel CRW (RSC 3, ERC 4 installed
 * parameters initialized), with a chained CRW carrying the set when the guest enabled MSS
 * or MCSS-E. No report for a set or image the guest cannot see. Context: topo held.
 */
static void queue_sch_crw(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	int32_t second = -1;

	if (!css_set_visible(css, sch->ssid))
		return;
	if (css->mss || css->mcsse)
		second = (css->mcsse ? VCCW_CSS_VIRTUAL_CSSID << 8 : 0) | (sch->ssid << 4);
	vccw_css_queue_crw(css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, sch->schnr, second);
}

void vccw_css_sch_publish(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	struct sch_set *set = &css->sets[sch->ssid];

	/*
	 * The write lock orders everything the creator stored in its device before this
	 * point before any instruction, channel-thread slice or CRW reader that finds it.
	 */
	pthread_rwlock_wrlock(&css->topo);
	assert(!sch->visible);
	sch->visible = true;
	if (sch->schnr > set->max_schnr)
		set->max_schnr = sch->schnr;
	if (sch->hotplug)
		queue_sch_crw(sch);
	pthread_rwlock_unlock(&css->topo);
	VCCW_TRACE(css_sch_add, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->schnr,
		   VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, sch->hotplug);
	css_log(css, VCCW_LOG_DEBUG, "%x.%x.%04x: subchannel %x.%x.%04x created",
		VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, VCCW_CSS_VIRTUAL_CSSID, sch->ssid,
		sch->schnr);
}

/*
 * Abandon whatever the executor runs; @active and @st (may be NULL) learn whether the
 * device was executing and where the program stood. Context: sch lock held.
 */
static void sch_cancel_locked(struct vccw_sch *sch, bool *active, struct vccw_exec_status *st)
{
	if (active)
		*active = false;
	if (sch->exec_busy && sch->ops->cancel)
		sch->ops->cancel(sch, sch->opaque, active, st);
	sch->exec_busy = false;
}

/* Put @sch on the channel thread's queue (once). Context: work_lock held. */
static void enqueue_wl(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	if (!sch->work_queued) {
		sch->work_queued = true;
		vccw_list_add_tail(&css->work_queue, &sch->work_link);
		__atomic_add_fetch(&css->nr_work, 1, __ATOMIC_SEQ_CST);
		/* Cheap when the thread polls: no waiter, no system call. */
		pthread_cond_signal(&css->work_cond);
	}
}

/* Take @sch off the channel thread's queue. Context: work_lock held. */
static void dequeue_wl(struct vccw_sch *sch)
{
	if (sch->work_queued) {
		vccw_list_del(&sch->work_link);
		sch->work_queued = false;
		__atomic_sub_fetch(&sch->css->nr_work, 1, __ATOMIC_SEQ_CST);
	}
}

static void dequeue_work(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->work_lock);
	sch->unsol_requested = false;
	sch->unsol_dstat = 0;
	dequeue_wl(sch);
	pthread_mutex_unlock(&css->work_lock);
}

void vccw_css_sch_free(struct vccw_sch *sch, bool hotplug)
{
	struct vccw_css *css;
	struct sch_set *set;
	bool was_enabled;
	int nr;

	if (!sch)
		return;
	css = sch->css;
	VCCW_TRACE(css_sch_del, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->schnr,
		   VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, hotplug);
	/* The write lock waits for every instruction and slice that uses the subchannel. */
	pthread_rwlock_wrlock(&css->topo);
	set = &css->sets[sch->ssid];
	pthread_mutex_lock(&sch->lock);
	sch_cancel_locked(sch, NULL, NULL);
	css_withdraw_irq_locked(sch);
	was_enabled = sch->schib.pmcw.flags & VCCW_PMCW_ENA;
	sch->schib.pmcw.flags &= (uint16_t)~(VCCW_PMCW_ENA | VCCW_PMCW_DNV);
	if (was_enabled && sch->ops->enable)
		sch->ops->enable(sch, sch->opaque, false);
	pthread_mutex_unlock(&sch->lock);
	dequeue_work(sch);

	set->pages[sch->schnr >> SCH_PAGE_SHIFT][sch->schnr & (SCH_PAGE_LEN - 1)] = NULL;
	devno_mark(set, sch->devno, false);
	set->nr--;
	if (sch->visible && set->max_schnr == sch->schnr) {
		for (nr = sch->schnr - 1; nr >= 0; nr--)
			if (css_find_sch(css, sch->ssid, (uint16_t)nr))
				break;
		set->max_schnr = nr;
	}
	/* The guest never saw a subchannel that was not published: nothing to report. */
	if (hotplug && sch->visible)
		queue_sch_crw(sch);
	sch->visible = false;
	pthread_rwlock_unlock(&css->topo);
	pthread_mutex_destroy(&sch->lock);
	free(sch);
}

struct vccw_busid vccw_sch_busid(const struct vccw_sch *sch)
{
	struct vccw_busid id = { VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno };

	return id;
}

uint16_t vccw_sch_schnr(const struct vccw_sch *sch)
{
	return sch->schnr;
}

struct vccw_css *vccw_sch_css(const struct vccw_sch *sch)
{
	return sch->css;
}

void *vccw_sch_opaque(const struct vccw_sch *sch)
{
	return sch->opaque;
}

bool vccw_sch_csense(const struct vccw_sch *sch)
{
	return sch->schib.pmcw.chars & VCCW_PMCW_CSENSE;
}

void vccw_sch_get_schib(struct vccw_sch *sch, struct vccw_schib *out)
{
	css_sch_lock(sch);
	*out = sch->schib;
	pthread_mutex_unlock(&sch->lock);
}

int vccw_css_for_each_sch(struct vccw_css *css, int (*fn)(struct vccw_sch *sch, void *arg),
			  void *arg)
{
	unsigned int ssid;
	int nr, rc = 0;

	pthread_rwlock_rdlock(&css->topo);
	for (ssid = 0; ssid < NR_SETS && !rc; ssid++) {
		for (nr = 0; nr <= css->sets[ssid].max_schnr && !rc; nr++) {
			struct vccw_sch *sch = css_find_sch(css, (uint8_t)ssid, (uint16_t)nr);

			if (sch)
				rc = fn(sch, arg);
		}
	}
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

/* ---- I/O and adapter interruptions ---- */

static void notify_io_irq(struct vccw_css *css, uint8_t isc)
{
	if ((css->isc_mask & (0x80u >> isc)) && css->ops && css->ops->io_irq)
		css->ops->io_irq(css->opaque);
}

void css_queue_irq_locked(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	const struct vccw_pmcw *p = &sch->schib.pmcw;
	uint8_t isc = (uint8_t)((p->flags & VCCW_PMCW_ISC_MASK) >> 11);

	/* PoP: a disabled subchannel stays status pending without an interruption request. */
	if (!(p->flags & VCCW_PMCW_ENA))
		return;
	pthread_mutex_lock(&css->irq_lock);
	if (!sch->irq_queued) {
		sch->irq_queued = true;
		sch->irq_isc = isc;
		sch->irq_code.sid = css_sid_word(css, sch->ssid, sch->schnr);
		sch->irq_code.intparm = p->intparm;
		sch->irq_code.iiw = (uint32_t)isc << VCCW_IIW_ISC_SHIFT;
		vccw_list_add_tail(&css->irq_queue[isc], &sch->irq_link);
		VCCW_TRACE(irq_queue, sch->irq_code.sid, isc, sch->irq_code.intparm);
		notify_io_irq(css, isc);
	}
	pthread_mutex_unlock(&css->irq_lock);
}

void css_withdraw_irq_locked(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->irq_lock);
	if (sch->irq_queued) {
		vccw_list_del(&sch->irq_link);
		sch->irq_queued = false;
		VCCW_TRACE(irq_withdraw, sch->irq_code.sid, sch->irq_isc);
	}
	pthread_mutex_unlock(&css->irq_lock);
}

/*
 * Queue an adapter interruption for @isc. Only an adapter registered as suppressible
 * (AIS) obeys SIC's single-interruption mode; virtio-ccw's is not, as in QEMU, so a
 * guest's SIC never silences virtio.
 */
static void inject_adapter(struct vccw_css *css, uint8_t isc, bool suppressible)
{
	uint8_t bit = (uint8_t)(0x80u >> isc);

	pthread_mutex_lock(&css->irq_lock);
	if (!css->adapter_queued[isc] && !(suppressible && (css->ais_suppressed & bit))) {
		css->adapter_queued[isc] = true;
		css->adapter_suppressible[isc] = suppressible;
		vccw_list_add_tail(&css->irq_queue[isc], &css->adapter_link[isc]);
		VCCW_TRACE(irq_adapter, isc, 1);
		notify_io_irq(css, isc);
	} else {
		/* Either kind of adapter queued already carries the news for the ISC. */
		if (css->adapter_queued[isc] && !suppressible)
			css->adapter_suppressible[isc] = false;
		VCCW_TRACE(irq_adapter, isc, 0);
	}
	pthread_mutex_unlock(&css->irq_lock);
}

void vccw_css_inject_adapter(struct vccw_css *css, uint8_t isc)
{
	if (isc < VCCW_CSS_NR_ISC)
		inject_adapter(css, isc, false);
}

void vccw_css_inject_adapter_suppressible(struct vccw_css *css, uint8_t isc)
{
	if (isc < VCCW_CSS_NR_ISC)
		inject_adapter(css, isc, true);
}

/* Dequeue the best interruption for @isc_mask. Context: irq_lock held. */
static bool take_irq_locked(struct vccw_css *css, uint8_t isc_mask, struct vccw_io_irq *out)
{
	unsigned int isc;

	for (isc = 0; isc < VCCW_CSS_NR_ISC; isc++) {
		struct vccw_list *n;

		if (!(isc_mask & (0x80u >> isc)))
			continue;
		n = vccw_list_first(&css->irq_queue[isc]);
		if (!n)
			continue;
		vccw_list_del(n);
		if (n == &css->adapter_link[isc]) {
			css->adapter_queued[isc] = false;
			if (css->adapter_suppressible[isc] && (css->ais_single & (0x80u >> isc)))
				css->ais_suppressed |= (uint8_t)(0x80u >> isc);
			out->sid = 0;
			out->intparm = 0;
			out->iiw = VCCW_IIW_ADAPTER | ((uint32_t)isc << VCCW_IIW_ISC_SHIFT);
		} else {
			struct vccw_sch *sch = container_of(n, struct vccw_sch, irq_link);

			sch->irq_queued = false;
			*out = sch->irq_code;
		}
		VCCW_TRACE(irq_take, out->sid, out->intparm, out->iiw);
		return true;
	}
	return false;
}

bool vccw_css_take_io_irq(struct vccw_css *css, uint8_t isc_mask, struct vccw_io_irq *out)
{
	bool found;

	pthread_mutex_lock(&css->irq_lock);
	found = take_irq_locked(css, isc_mask, out);
	pthread_mutex_unlock(&css->irq_lock);
	return found;
}

bool vccw_css_io_irq_pending(struct vccw_css *css, uint8_t isc_mask)
{
	unsigned int isc;
	bool pending = false;

	pthread_mutex_lock(&css->irq_lock);
	for (isc = 0; isc < VCCW_CSS_NR_ISC && !pending; isc++)
		pending = (isc_mask & (0x80u >> isc)) && !vccw_list_empty(&css->irq_queue[isc]);
	pthread_mutex_unlock(&css->irq_lock);
	return pending;
}

void vccw_css_set_isc_mask(struct vccw_css *css, uint8_t mask)
{
	unsigned int isc;
	uint8_t newly;

	pthread_mutex_lock(&css->irq_lock);
	newly = mask & (uint8_t)~css->isc_mask;
	css->isc_mask = mask;
	for (isc = 0; isc < VCCW_CSS_NR_ISC; isc++) {
		if ((newly & (0x80u >> isc)) && !vccw_list_empty(&css->irq_queue[isc])) {
			notify_io_irq(css, (uint8_t)isc);
			break;
		}
	}
	pthread_mutex_unlock(&css->irq_lock);
}

void css_requeue_irq(struct vccw_css *css, const struct vccw_io_irq *irq)
{
	uint8_t isc = (uint8_t)((irq->iiw >> VCCW_IIW_ISC_SHIFT) & 7);
	uint8_t ssid = (uint8_t)((irq->sid >> 17) & 3);
	struct vccw_sch *sch;

	VCCW_TRACE(irq_requeue, irq->sid, irq->iiw);
	if (irq->iiw & VCCW_IIW_ADAPTER) {
		pthread_mutex_lock(&css->irq_lock);
		if (!css->adapter_queued[isc]) {
			css->adapter_queued[isc] = true;
			css->ais_suppressed &= (uint8_t)~(0x80u >> isc);
			vccw_list_add_head(&css->irq_queue[isc], &css->adapter_link[isc]);
		}
		pthread_mutex_unlock(&css->irq_lock);
		return;
	}
	sch = css_find_sch(css, ssid, (uint16_t)irq->sid);
	if (!sch)
		return;
	/*
	 * Only while the subchannel is still status pending: a TSCH on another CPU may have
	 * cleared it since the request was taken (reference 8.3).
	 */
	pthread_mutex_lock(&sch->lock);
	pthread_mutex_lock(&css->irq_lock);
	if ((sch->schib.scsw.ctrl & VCCW_SCSW_SC_PENDING) && !sch->irq_queued) {
		sch->irq_queued = true;
		sch->irq_isc = isc;
		sch->irq_code = *irq;
		vccw_list_add_head(&css->irq_queue[isc], &sch->irq_link);
	}
	pthread_mutex_unlock(&css->irq_lock);
	pthread_mutex_unlock(&sch->lock);
}

/* ---- Channel reports ---- */

static bool crw_push_locked(struct vccw_css *css, uint32_t crw)
{
	if (css->crw_nr == VCCW_CRW_QUEUE_LEN)
		return false;
	VCCW_TRACE(crw_queue, crw, css->crw_mchk_armed);
	css->crw[(css->crw_head + css->crw_nr) % VCCW_CRW_QUEUE_LEN] = crw;
	css->crw_nr++;
	return true;
}

void vccw_css_queue_crw(struct vccw_css *css, uint8_t rsc, uint8_t erc, bool solicited,
			uint16_t rsid, int32_t rsid2)
{
	uint32_t crw = ((uint32_t)(rsc & 0xf) << VCCW_CRW_RSC_SHIFT) |
		       ((uint32_t)(erc & 0x3f) << VCCW_CRW_ERC_SHIFT) | rsid;
	unsigned int need = rsid2 >= 0 ? 2 : 1;
	bool raise = false;

	if (solicited)
		crw |= VCCW_CRW_S;
	pthread_mutex_lock(&css->crw_lock);
	if (css->crw_nr + need > VCCW_CRW_QUEUE_LEN) {
		/* A chained report is stored whole or lost whole. */
		css->crw_lost = true;
		VCCW_TRACE(crw_lost, rsc, erc, rsid);
	} else {
		if (css->crw_lost) {
			crw |= VCCW_CRW_R;
			css->crw_lost = false;
		}
		if (rsid2 >= 0) {
			crw |= VCCW_CRW_C;
			crw_push_locked(css, crw);
			crw_push_locked(css, ((uint32_t)(rsc & 0xf) << VCCW_CRW_RSC_SHIFT) |
						     ((uint32_t)(erc & 0x3f) << VCCW_CRW_ERC_SHIFT) |
						     (solicited ? VCCW_CRW_S : 0) |
						     (uint16_t)rsid2);
		} else {
			crw_push_locked(css, crw);
		}
		if (css->crw_mchk_armed) {
			css->crw_mchk_armed = false;
			raise = true;
		}
	}
	if (raise && css->ops && css->ops->crw_pending)
		css->ops->crw_pending(css->opaque);
	pthread_mutex_unlock(&css->crw_lock);
}

bool vccw_css_crw_pending(struct vccw_css *css)
{
	bool pending;

	pthread_mutex_lock(&css->crw_lock);
	pending = css->crw_nr != 0;
	pthread_mutex_unlock(&css->crw_lock);
	return pending;
}

bool css_crw_pop(struct vccw_css *css, uint32_t *crw)
{
	bool found = false;

	pthread_mutex_lock(&css->crw_lock);
	if (css->crw_nr) {
		*crw = css->crw[css->crw_head];
		css->crw_head = (css->crw_head + 1) % VCCW_CRW_QUEUE_LEN;
		css->crw_nr--;
		found = true;
		VCCW_TRACE(crw_store, *crw);
	} else {
		css->crw_mchk_armed = true;
	}
	pthread_mutex_unlock(&css->crw_lock);
	return found;
}

void css_crw_reset(struct vccw_css *css)
{
	pthread_mutex_lock(&css->crw_lock);
	css->crw_head = 0;
	css->crw_nr = 0;
	css->crw_lost = false;
	css->crw_mchk_armed = true;
	pthread_mutex_unlock(&css->crw_lock);
}

bool vccw_css_mss_enabled(struct vccw_css *css)
{
	bool on;

	pthread_rwlock_rdlock(&css->topo);
	on = css->mss;
	pthread_rwlock_unlock(&css->topo);
	return on;
}

bool vccw_css_mcsse_enabled(struct vccw_css *css)
{
	bool on;

	pthread_rwlock_rdlock(&css->topo);
	on = css->mcsse;
	pthread_rwlock_unlock(&css->topo);
	return on;
}

/* ---- Subchannel functions on the channel thread ---- */

void css_queue_work_locked(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->work_lock);
	enqueue_wl(sch);
	pthread_mutex_unlock(&css->work_lock);
}

void css_drop_function_work_locked(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->work_lock);
	/*
	 * The cancelled function needs no more work, but an unsolicited request kept while
	 * it ran does: no interruption follows XSCH to make the program look.
	 */
	if (sch->unsol_requested)
		enqueue_wl(sch);
	else
		dequeue_wl(sch);
	pthread_mutex_unlock(&css->work_lock);
}

/* Make the subchannel status pending and request an interruption. */
static void make_status_pending(struct vccw_sch *sch, uint32_t sc)
{
	const struct vccw_scsw *s = &sch->schib.scsw;

	sch->schib.scsw.ctrl |= sc | VCCW_SCSW_SC_PENDING;
	VCCW_TRACE(css_status, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, s->ctrl, s->cpa,
		   s->dstat, s->cstat, s->count);
	css_queue_irq_locked(sch);
}

/* PoP: alert status accompanies any unusual subchannel or device status. */
static bool status_is_alert(uint8_t dstat, uint8_t cstat)
{
	return (cstat & (uint8_t)~VCCW_CSTAT_PCI) ||
	       (dstat & (VCCW_DSTAT_UC | VCCW_DSTAT_UE | VCCW_DSTAT_ATTENTION | VCCW_DSTAT_BUSY));
}

/* Count a start or resume in the measurement block (SCHM with MM update mode). */
static void measure_start(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	const struct vccw_pmcw *p = &sch->schib.pmcw;

	if (!css->mb_update || !(p->flags & 0x0010))
		return;
	if (p->chars & VCCW_PMCW_MBFC) {
		uint32_t v;

		/* Format-1 block at MBA: SSCH+RSCH count is the first word. */
		if (vccw_mem_ld_be32(css->mem, sch->schib.mba, &v) == VCCW_MEM_OK)
			vccw_mem_st_be32(css->mem, sch->schib.mba, v + 1);
	} else {
		/* Format-0 block of 32 bytes at MBO + MBI * 32: halfword count at offset 0. */
		uint64_t a = css->mbo + (uint64_t)p->mbi * 32;
		uint16_t v;

		if (vccw_mem_ld_be16(css->mem, a, &v) == VCCW_MEM_OK)
			vccw_mem_st_be16(css->mem, a, (uint16_t)(v + 1));
	}
}

void css_measure_start(struct vccw_sch *sch)
{
	measure_start(sch);
}

/* Apply what an executor returned. Returns true when more work remains. */
static bool apply_exec(struct vccw_sch *sch, enum vccw_exec_rc rc,
		       const struct vccw_exec_status *st)
{
	struct vccw_scsw *s = &sch->schib.scsw;

	switch (rc) {
	case VCCW_EXEC_MORE:
		return true;
	case VCCW_EXEC_PCI:
		/* Intermediate status with PCI; execution goes on (PoP "PCI"). */
		s->cpa = st->cpa;
		s->count = st->count;
		s->cstat |= VCCW_CSTAT_PCI;
		make_status_pending(sch, VCCW_SCSW_SC_INTERMEDIATE);
		return true;
	case VCCW_EXEC_SUSPENDED:
		s->ctrl &= ~(VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE);
		s->ctrl |= VCCW_SCSW_AC_SUSPENDED;
		s->cpa = st->cpa;
		s->count = st->count;
		/* PoP: intermediate status on suspension unless the ORB's U bit suppresses it. */
		if (!(s->ctrl & VCCW_SCSW_U))
			make_status_pending(sch, VCCW_SCSW_SC_INTERMEDIATE);
		return false;
	case VCCW_EXEC_WAIT:
		/*
		 * The device works on a command of its own accord: the subchannel stays
		 * subchannel- and device-active, off the work queue, until the executor's
		 * vccw_sch_kick(); meanwhile the channel thread serves everybody else.
		 */
		return false;
	case VCCW_EXEC_DONE:
		break;
	}
	sch->exec_busy = false;
	s->ctrl &= ~(VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE | VCCW_SCSW_AC_START_PEND |
		     VCCW_SCSW_AC_RESUME_PEND | VCCW_SCSW_AC_SUSPENDED);
	s->cpa = st->cpa;
	s->count = st->count;
	s->dstat = st->dstat;
	/* An intermediate PCI status not yet taken by TSCH merges into the final status. */
	s->cstat = (uint8_t)(st->cstat | (s->cstat & VCCW_CSTAT_PCI));
	sch->schib.pmcw.lpum = 0x80;
	sch->erw = 0;
	if ((st->dstat & VCCW_DSTAT_UC) && st->sense_len &&
	    (sch->schib.pmcw.chars & VCCW_PMCW_CSENSE)) {
		/* Concurrent sense: ECW holds the sense, ERW S and SCNT say so, SCSW E. */
		memset(sch->ecw, 0, sizeof(sch->ecw));
		memcpy(sch->ecw, st->sense, st->sense_len > 32 ? 32 : st->sense_len);
		sch->erw = 0x01000000u | ((uint32_t)(st->sense_len & 0x3f) << 16);
		s->ctrl |= VCCW_SCSW_E;
	}
	/* Z belongs to intermediate status, which the final status replaces. */
	s->ctrl &= ~(VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_Z);
	make_status_pending(sch, VCCW_SCSW_SC_PRIMARY | VCCW_SCSW_SC_SECONDARY |
					 (status_is_alert(st->dstat, s->cstat) ? VCCW_SCSW_SC_ALERT : 0));
	return false;
}

/* Halt function (PoP "HALT SUBCHANNEL", function performed). */
static void do_halt(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;
	bool active = false;
	bool was_running = s->ctrl & (VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE |
				      VCCW_SCSW_AC_START_PEND | VCCW_SCSW_AC_RESUME_PEND);
	bool suspended = s->ctrl & VCCW_SCSW_AC_SUSPENDED;
	struct vccw_exec_status st = { .cpa = s->cpa, .count = s->count };

	sch_cancel_locked(sch, &active, &st);
	s->ctrl &= ~(VCCW_SCSW_AC_MASK & ~VCCW_SCSW_AC_CLEAR_PEND);
	s->cstat = 0;
	sch->schib.pmcw.lpum = 0x80;
	if (was_running || suspended) {
		/*
		 * The program is ended: the device signalled halt and presents device end;
		 * the CCW address designates the last CCW used + 8.
		 */
		s->dstat = was_running ? VCCW_DSTAT_DE : 0;
		s->cpa = st.cpa;
		s->count = st.count;
		make_status_pending(sch, VCCW_SCSW_SC_PRIMARY | VCCW_SCSW_SC_SECONDARY);
	} else {
		/* No start function: the halt signal alone, status pending alone. */
		s->dstat = VCCW_DSTAT_DE;
		make_status_pending(sch, 0);
	}
}

/* Clear function (PoP "CLEAR SUBCHANNEL", function performed). */
static void do_clear(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;

	sch_cancel_locked(sch, NULL, NULL);
	s->ctrl &= ~(VCCW_SCSW_AC_MASK | VCCW_SCSW_N);
	s->dstat = 0;
	s->cstat = 0;
	sch->schib.pmcw.pom = 0xff;
	sch->schib.pmcw.lpum = 0x80;
	sch->erw = 0;
	make_status_pending(sch, 0);
}

/* Present a requested unsolicited status if the subchannel can take it now. */
static void present_unsolicited(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	struct vccw_scsw *s = &sch->schib.scsw;
	bool requested, presented;
	uint8_t dstat;

	pthread_mutex_lock(&css->work_lock);
	requested = sch->unsol_requested;
	dstat = sch->unsol_dstat;
	/*
	 * While a function is in progress (and no status is pending) keep the request:
	 * the function may end without an interruption (XSCH), and then the request is
	 * presented when the subchannel is idle.
	 */
	if (requested && !(s->ctrl & VCCW_SCSW_SC_PENDING) && (s->ctrl & VCCW_SCSW_FC_MASK))
		requested = false;
	else {
		sch->unsol_requested = false;
		sch->unsol_dstat = 0;
	}
	pthread_mutex_unlock(&css->work_lock);
	if (!requested)
		return;
	presented = (sch->schib.pmcw.flags & VCCW_PMCW_ENA) &&
		    (sch->schib.pmcw.flags & VCCW_PMCW_DNV) &&
		    !(s->ctrl & (VCCW_SCSW_SC_PENDING | VCCW_SCSW_FC_MASK));
	VCCW_TRACE(irq_unsolicited, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, dstat,
		   presented);
	if (presented) {
		s->ctrl &= ~VCCW_SCSW_SC_MASK;
		s->dstat = dstat;
		s->cstat = 0;
		s->count = 0;
		sch->erw = 0;
		make_status_pending(sch, VCCW_SCSW_SC_ALERT);
	}
}

/* Run one slice of @sch's pending function. Context: topo (read) and sch lock held. */
static bool run_slice_locked(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	struct vccw_scsw *s = &sch->schib.scsw;
	struct vccw_exec_status st;
	enum vccw_exec_rc rc;
	unsigned int budget = css->slice_ccws;

	memset(&st, 0, sizeof(st));
	present_unsolicited(sch);
	if (s->ctrl & VCCW_SCSW_AC_CLEAR_PEND) {
		VCCW_TRACE(css_func, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, "clear");
		do_clear(sch);
		return false;
	}
	if (s->ctrl & VCCW_SCSW_AC_HALT_PEND) {
		VCCW_TRACE(css_func, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, "halt");
		do_halt(sch);
		return false;
	}
	if (s->ctrl & VCCW_SCSW_AC_START_PEND) {
		uint8_t lpm = vccw_orb_lpm(&sch->orb);
		const struct vccw_pmcw *p = &sch->schib.pmcw;

		s->ctrl &= ~VCCW_SCSW_AC_START_PEND;
		VCCW_TRACE(css_func, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, "start");
		if (!(lpm & p->pam & p->pom)) {
			/* PoP: no path of the ORB's LPM is usable: deferred condition code 3. */
			s->ctrl |= 3u << VCCW_SCSW_CC_SHIFT;
			s->ctrl |= VCCW_SCSW_N;
			make_status_pending(sch, VCCW_SCSW_SC_ALERT | VCCW_SCSW_SC_PRIMARY);
			return false;
		}
		s->ctrl |= VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE;
		sch->schib.pmcw.lpum = 0x80;
		if (sch->orb.ctrl & VCCW_ORB_I) {
			/* Initial-status interruption: the start function has begun (Z bit). */
			s->ctrl |= VCCW_SCSW_Z;
			make_status_pending(sch, VCCW_SCSW_SC_INTERMEDIATE);
		}
		sch->exec_busy = true;
		rc = sch->ops->start(sch, sch->opaque, &sch->orb, budget, &st);
		return apply_exec(sch, rc, &st);
	}
	if (s->ctrl & VCCW_SCSW_AC_RESUME_PEND) {
		VCCW_TRACE(css_func, VCCW_CSS_VIRTUAL_CSSID, sch->ssid, sch->devno, "resume");
		s->ctrl &= ~(VCCW_SCSW_AC_RESUME_PEND | VCCW_SCSW_AC_SUSPENDED);
		s->ctrl |= VCCW_SCSW_AC_SCH_ACTIVE | VCCW_SCSW_AC_DEV_ACTIVE;
		rc = sch->ops->resume(sch, sch->opaque, budget, &st);
		return apply_exec(sch, rc, &st);
	}
	if (sch->exec_busy && (s->ctrl & VCCW_SCSW_AC_SCH_ACTIVE)) {
		rc = sch->ops->step(sch, sch->opaque, budget, &st);
		return apply_exec(sch, rc, &st);
	}
	return false;
}

/*
 * Before a slice: let instructions that wait for the subchannel lock have it first
 * (css_sch_lock()), for a bounded time, so a program running slice after slice cannot
 * keep STSCH or TSCH out.
 */
static void make_way(struct vccw_sch *sch)
{
	uint64_t deadline = 0;
	struct timespec ts;

	while (__atomic_load_n(&sch->waiters, __ATOMIC_SEQ_CST)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!deadline)
			deadline = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
				   MAKE_WAY_NS;
		else if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec > deadline)
			break;
		sched_yield();
	}
}

bool css_run_slice_locked(struct vccw_sch *sch)
{
	return run_slice_locked(sch);
}

/* Pop one runnable subchannel and run a slice. Context: topo (read) held. */
static bool run_one(struct vccw_css *css)
{
	struct vccw_list *n;
	struct vccw_sch *sch;
	bool more;

	pthread_mutex_lock(&css->work_lock);
	n = vccw_list_first(&css->work_queue);
	if (n) {
		vccw_list_del(n);
		sch = container_of(n, struct vccw_sch, work_link);
		sch->work_queued = false;
		__atomic_sub_fetch(&css->nr_work, 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&css->work_lock);
	if (!n)
		return false;
	make_way(sch);
	pthread_mutex_lock(&sch->lock);
	more = run_slice_locked(sch);
	if (more)
		css_queue_work_locked(sch); /* to the tail: round robin among subchannels */
	pthread_mutex_unlock(&sch->lock);
	return true;
}

unsigned int vccw_css_run(struct vccw_css *css, unsigned int max_slices)
{
	unsigned int n = 0;

	while (!max_slices || n < max_slices) {
		bool ran;

		pthread_rwlock_rdlock(&css->topo);
		ran = run_one(css);
		pthread_rwlock_unlock(&css->topo);
		if (!ran)
			break;
		n++;
	}
	return n;
}

/* Polling condition of the channel thread: work queued, or told to stop. */
static bool work_ready(void *arg)
{
	struct vccw_css *css = arg;

	return __atomic_load_n(&css->nr_work, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&css->work_stop, __ATOMIC_SEQ_CST);
}

static void *channel_thread(void *arg)
{
	struct vccw_css *css = arg;

	for (;;) {
		uint64_t t0 = 0;
		bool waited = false;

		/* An instruction usually follows soon: poll the queue before sleeping. */
		if (!work_ready(css)) {
			waited = true;
			vccw_poll_spin(&css->poll, work_ready, css, &t0);
		}
		pthread_mutex_lock(&css->work_lock);
		while (vccw_list_empty(&css->work_queue) && !css->work_stop)
			pthread_cond_wait(&css->work_cond, &css->work_lock);
		if (css->work_stop) {
			pthread_mutex_unlock(&css->work_lock);
			return NULL;
		}
		pthread_mutex_unlock(&css->work_lock);
		if (waited)
			vccw_poll_adapt(&css->poll, t0);
		pthread_rwlock_rdlock(&css->topo);
		run_one(css);
		pthread_rwlock_unlock(&css->topo);
	}
}

/* ---- The css object ---- */

struct vccw_css *vccw_css_new(struct vccw_mem *mem, const struct vccw_css_config *cfg,
			      struct vccw_err *err)
{
	static const struct vccw_css_config defaults;
	pthread_rwlockattr_t attr;
	struct vccw_css *css;
	unsigned int i;
	int rc;

	if (!mem) {
		vccw_err_set(err, EINVAL, "channel subsystem needs guest memory");
		return NULL;
	}
	if (!cfg)
		cfg = &defaults;
	css = calloc(1, sizeof(*css));
	if (!css) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	css->mem = mem;
	css->ops = cfg->ops;
	css->opaque = cfg->opaque;
	css->manual = cfg->manual;
	css->inline_start = cfg->inline_start && !cfg->manual;
	css->slice_ccws = cfg->slice_ccws ? cfg->slice_ccws : DEFAULT_SLICE_CCWS;
	css->log_level = cfg->log_level ? cfg->log_level : VCCW_LOG_WARNING;
	css->poll.max_ns = cfg->poll_max_ns < 0 ? 0 :
			   cfg->poll_max_ns ? (uint32_t)cfg->poll_max_ns : VCCW_POLL_DEFAULT_MAX_NS;
	pthread_rwlockattr_init(&attr);
	/* Writers (plug/unplug) must not starve behind a stream of instructions. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&css->topo, &attr);
	pthread_rwlockattr_destroy(&attr);
	for (i = 0; i < NR_SETS; i++)
		css->sets[i].max_schnr = -1;
	pthread_mutex_init(&css->irq_lock, NULL);
	for (i = 0; i < VCCW_CSS_NR_ISC; i++) {
		vccw_list_init(&css->irq_queue[i]);
		vccw_list_init(&css->adapter_link[i]);
	}
	pthread_mutex_init(&css->crw_lock, NULL);
	css->crw_mchk_armed = true;
	pthread_mutex_init(&css->work_lock, NULL);
	pthread_cond_init(&css->work_cond, NULL);
	vccw_list_init(&css->work_queue);
	if (!css->manual) {
		rc = pthread_create(&css->thread, NULL, channel_thread, css);
		if (rc) {
			vccw_err_set(err, rc, "cannot start the channel thread: %s", strerror(rc));
			vccw_css_free(css);
			return NULL;
		}
		css->thread_started = true;
	}
	return css;
}

void vccw_css_free(struct vccw_css *css)
{
	unsigned int i, p;

	if (!css)
		return;
	if (css->thread_started) {
		pthread_mutex_lock(&css->work_lock);
		__atomic_store_n(&css->work_stop, true, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&css->work_cond);
		pthread_mutex_unlock(&css->work_lock);
		pthread_join(css->thread, NULL);
	}
	for (i = 0; i < NR_SETS; i++) {
		for (p = 0; p < SCH_NR_PAGES; p++)
			free(css->sets[i].pages[p]);
		free(css->sets[i].devno_used);
	}
	pthread_cond_destroy(&css->work_cond);
	pthread_mutex_destroy(&css->work_lock);
	pthread_mutex_destroy(&css->crw_lock);
	pthread_mutex_destroy(&css->irq_lock);
	pthread_rwlock_destroy(&css->topo);
	free(css);
}

struct vccw_mem *vccw_css_mem(struct vccw_css *css)
{
	return css->mem;
}

void vccw_css_reset(struct vccw_css *css)
{
	unsigned int ssid, i;
	int nr;

	pthread_rwlock_wrlock(&css->topo);
	for (ssid = 0; ssid < NR_SETS; ssid++) {
		for (nr = 0; nr <= css->sets[ssid].max_schnr; nr++) {
			struct vccw_sch *sch = css_find_sch(css, (uint8_t)ssid, (uint16_t)nr);
			bool was_enabled;

			if (!sch)
				continue;
			pthread_mutex_lock(&sch->lock);
			sch_cancel_locked(sch, NULL, NULL);
			css_withdraw_irq_locked(sch);
			was_enabled = sch->schib.pmcw.flags & VCCW_PMCW_ENA;
			sch_reset_schib(sch);
			if (was_enabled && sch->ops->enable)
				sch->ops->enable(sch, sch->opaque, false);
			pthread_mutex_unlock(&sch->lock);
			dequeue_work(sch);
		}
	}
	css->mss = false;
	css->mcsse = false;
	css->mb_update = false;
	css->mb_dct = false;
	css->mbo = 0;
	css->addr_limit = 0;
	pthread_mutex_lock(&css->irq_lock);
	for (i = 0; i < VCCW_CSS_NR_ISC; i++) {
		if (css->adapter_queued[i])
			vccw_list_del(&css->adapter_link[i]);
		css->adapter_queued[i] = false;
	}
	css->ais_single = 0;
	css->ais_suppressed = 0;
	pthread_mutex_unlock(&css->irq_lock);
	css_crw_reset(css);
	pthread_rwlock_unlock(&css->topo);
}

void vccw_sch_unsolicited(struct vccw_sch *sch, uint8_t dstat)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->work_lock);
	sch->unsol_requested = true;
	sch->unsol_dstat |= dstat;
	enqueue_wl(sch);
	pthread_mutex_unlock(&css->work_lock);
}

void vccw_sch_kick(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;

	pthread_mutex_lock(&css->work_lock);
	enqueue_wl(sch);
	pthread_mutex_unlock(&css->work_lock);
}

const struct vccw_sch_exec_ops *vccw_sch_exec_ops(const struct vccw_sch *sch)
{
	return sch->ops;
}
