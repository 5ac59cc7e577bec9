// SPDX-License-Identifier: MIT
/*
 * Running channel programs for drivers and taking I/O interruptions, the way Linux's
 * cio does it (drivers/s390/cio/cio.c, ccwreq.c; shared/reference/channel-io.md
 * section 14 items 10-13): START SUBCHANNEL with a format-1 ORB and its condition codes,
 * the I/O-interruption handler that tests the subchannel and records the final status,
 * status evaluation with sense data (concurrent sense or BASIC SENSE), and halt/clear
 * when a program does not end in time. PoP chapter 14 "I/O Instructions", chapter 16
 * "I/O Interruptions".
 */
#include "cio-int.h"

/* SSCH attempts with condition code 1 or 2 before giving up on a start. */
#define MAX_START_TRIES 16
/* Wait between attempts while the subchannel is busy (cc2). */
#define BUSY_DELAY_US 1000

/* IRB buffer of the interruption handler; handlers never nest (arch.h). */
static struct irb_wire *irq_irb;

int cio_io_init(void)
{
	/* Allocated here: the handler itself must not allocate. */
	irq_irb = guest_alloc(sizeof(*irq_irb), 8);
	return irq_irb ? 0 : -1;
}

/*
 * Final status of a function: status pending with primary, secondary or alert status,
 * or halt/clear status (pending alone). Intermediate status alone (a PCI, a suspension)
 * is not the end of the program (PoP: "intermediate interruption condition").
 */
static bool is_final(const struct guest_scsw *s)
{
	uint32_t sc = s->ctrl & SCSW_SC_MASK;

	if (!(sc & GUEST_SCSW_SC_PENDING))
		return false;
	return sc != (GUEST_SCSW_SC_INTERMEDIATE | GUEST_SCSW_SC_PENDING);
}

static void unsolicited(struct cio_dev *cd, const struct guest_irb *irb)
{
	const struct guest_cio_driver *drv = cd->dev.drv;

	if (drv && drv->unsolicited)
		drv->unsolicited(&cd->dev, irb);
}

/*
 * Status of a program of ours: the layer above may find notifications in it that lost
 * their own interruption (an unsolicited request finding status pending is dropped).
 */
static void solicited(struct cio_dev *cd, const struct guest_irb *irb)
{
	if (cd->dev.solicited)
		cd->dev.solicited(&cd->dev, irb);
}

void cio_io_handler(const struct guest_io_irq *irq)
{
	struct irb_wire *w;
	struct guest_irb irb;
	struct cio_dev *cd;
	int cc;

	/* Adapter interruption: no subchannel, the ISC names the adapter (reference 8.4). */
	if (irq->iiw & IIW_ADAPTER) {
		void (*fn)(void) = cio_adapter_handler((irq->iiw >> IIW_ISC_SHIFT) & 7);

		if (fn)
			fn();
		return;
	}
	w = irq_irb;
	if (!w)
		return;
	cd = cio_find_dev(irq->intparm, irq->sid);
	/*
	 * TSCH clears the status and withdraws the interruption (PoP); without a device
	 * it only clears, as Linux does for intparm 0. cc3: the subchannel went away
	 * between the interruption and TSCH; a program of ours ends with it.
	 */
	cc = guest_arch_tsch(irq->sid, w);
	if (cc == 3 && cd)
		cio_mark_gone(cd);
	if (cc != 0 || !cd)
		return;
	cio_irb_decode(w, &irb);
	if (cd->io_active) {
		solicited(cd, &irb);
		if (!is_final(&irb.scsw))
			return; /* intermediate status: the program goes on */
		cd->irb = irb;
		cd->dev.status_pending = true;
		return;
	}
	/* No function of ours: alert status without a function is unsolicited status. */
	if (!(irb.scsw.ctrl & SCSW_FC_MASK))
		unsolicited(cd, &irb);
	else
		solicited(cd, &irb); /* stale status of a program we gave up on */
}

/*
 * TSCH from mainline after a condition code 1 (status pending): clear that status and
 * hand unsolicited status to the driver; solicited status is stale, shown only to the
 * device's solicited hook, then dropped.
 */
static void drain_status(struct cio_dev *cd)
{
	struct irb_wire *w = guest_alloc(sizeof(*w), 8);
	struct guest_irb irb;
	int cc;

	if (!w)
		return;
	cc = guest_arch_tsch(cd->dev.sid, w);
	if (cc == 0) {
		cio_irb_decode(w, &irb);
		if (!(irb.scsw.ctrl & SCSW_FC_MASK))
			unsolicited(cd, &irb);
		else
			solicited(cd, &irb);
	} else if (cc == 3) {
		cio_mark_gone(cd);
	}
	guest_free(w, sizeof(*w));
}

/*
 * Wait until the handler recorded a final status (GUEST_IO_OK), @deadline passes
 * (GUEST_IO_TIMEOUT), or the device is found gone (GUEST_IO_GONE): a subchannel freed by
 * an unplug takes its program and pending status with it, only a channel report tells.
 */
static enum guest_io_rc wait_final(struct cio_dev *cd, uint64_t deadline)
{
	uint64_t now, slice;

	while (!cd->dev.status_pending) {
		if (guest_cio_device_gone(&cd->dev, false))
			return GUEST_IO_GONE;
		now = guest_arch_now_us();
		if (now >= deadline)
			return GUEST_IO_TIMEOUT;
		slice = deadline - now;
		if (cio_crw_pending() && slice > CIO_GONE_CHECK_US)
			slice = CIO_GONE_CHECK_US;
		guest_arch_wait(slice);
	}
	return GUEST_IO_OK;
}

/*
 * The program did not end in time: HSCH, and if even the halt does not complete, CSCH
 * (Linux ccw_device_kill_io: halt, then clear). cc3 from either means the device is gone.
 */
static enum guest_io_rc kill_io(struct cio_dev *cd)
{
	uint32_t sid = cd->dev.sid;
	enum guest_io_rc rc = GUEST_IO_TIMEOUT;
	int cc;

	cd->dev.status_pending = false;
	cc = guest_arch_hsch(sid);
	if (cc == 3)
		goto gone;
	switch (wait_final(cd, guest_arch_now_us() + CIO_HALT_WAIT_US)) {
	case GUEST_IO_OK:
		goto out;
	case GUEST_IO_GONE:
		goto gone;
	default:
		break;
	}
	cc = guest_arch_csch(sid);
	if (cc == 3)
		goto gone;
	switch (wait_final(cd, guest_arch_now_us() + CIO_HALT_WAIT_US)) {
	case GUEST_IO_GONE:
		goto gone;
	case GUEST_IO_TIMEOUT:
		drain_status(cd);
		break;
	default:
		break;
	}
	goto out;
gone:
	cio_mark_gone(cd);
	rc = GUEST_IO_GONE;
out:
	cd->io_active = false;
	cd->dev.status_pending = false;
	return rc;
}

static bool in_basic_sense;

/* BASIC SENSE (0x04, count 32, SLI) after a unit check without concurrent sense. */
static bool basic_sense(struct cio_dev *cd, uint8_t *sense)
{
	struct guest_ccw1 *ccw = guest_alloc(sizeof(*ccw), 8);
	uint8_t *buf = guest_alloc(SENSE_LEN, 8);
	enum guest_io_rc rc = GUEST_IO_ERROR;

	if (ccw && buf) {
		guest_ccw1_set(ccw, CCW_CMD_BASIC_SENSE, GUEST_CCW_FLAG_SLI, SENSE_LEN, buf);
		in_basic_sense = true;
		rc = guest_cio_do_io(&cd->dev, ccw, NULL, NULL, CIO_IO_TIMEOUT_US);
		in_basic_sense = false;
		if (rc == GUEST_IO_OK)
			guest_memcpy(sense, buf, SENSE_LEN);
	}
	guest_free(buf, SENSE_LEN);
	guest_free(ccw, sizeof(*ccw));
	return rc == GUEST_IO_OK;
}

/* Status evaluation of a final status (reference 14 item 12, in miniature). */
static enum guest_io_rc evaluate(struct cio_dev *cd, const struct guest_irb *irb,
				 uint8_t *sense)
{
	const struct guest_scsw *s = &irb->scsw;
	uint8_t sn[SENSE_LEN];

	/* Someone else halted or cleared the function. */
	if (s->ctrl & (GUEST_SCSW_FC_HALT | GUEST_SCSW_FC_CLEAR))
		return GUEST_IO_ERROR;
	/* Deferred cc 3 or path not operational: no path to the device (reference 3.5). */
	if (((s->ctrl & SCSW_CC_MASK) >> SCSW_CC_SHIFT) == 3 || (s->ctrl & SCSW_N))
		return GUEST_IO_GONE;
	if (s->dstat & GUEST_DSTAT_UC) {
		guest_memset(sn, 0, sizeof(sn));
		/* ERW S: the ECW holds the sense bytes (reference 6.5); else ask for them. */
		if (irb->esw[1] & ERW_S)
			guest_memcpy(sn, irb->ecw, sizeof(sn));
		else if (in_basic_sense || !basic_sense(cd, sn))
			return GUEST_IO_ERROR;
		if (sense)
			guest_memcpy(sense, sn, sizeof(sn));
		return (sn[0] & SENSE_CMD_REJECT) ? GUEST_IO_REJECTED : GUEST_IO_ERROR;
	}
	if (s->cstat)
		return GUEST_IO_ERROR;
	if ((s->dstat & ~DSTAT_SM) != (GUEST_DSTAT_CE | GUEST_DSTAT_DE))
		return GUEST_IO_ERROR;
	return GUEST_IO_OK;
}

/* Run @prog on the paths of @lpm (see guest_cio_do_io()). */
static enum guest_io_rc do_io(struct guest_device *dev, struct guest_ccw1 *prog,
			      struct guest_irb *irb, uint8_t *sense, uint64_t timeout_us,
			      uint8_t lpm)
{
	struct cio_dev *cd = to_cio_dev(dev);
	uint64_t deadline = guest_arch_now_us() + timeout_us;
	enum guest_io_rc rc = GUEST_IO_ERROR;
	struct orb_wire *orb;
	unsigned int tries;
	int cc = 2;

	/* Gone: nothing reaches the device any more, and nothing will answer. */
	if (dev->gone || !dev->enabled)
		return GUEST_IO_GONE;
	if (!lpm)
		return GUEST_IO_GONE;
	orb = guest_alloc(sizeof(*orb), 8);
	if (!orb)
		return GUEST_IO_ERROR;
	/* Format-1 CCWs, prefetch allowed, format-2 IDAWs (Linux cio_start_key). */
	orb->intparm = vccw_cpu_to_be32(dev->index);
	orb->ctrl = vccw_cpu_to_be32(ORB_F | ORB_P | ORB_H | (uint32_t)lpm << ORB_LPM_SHIFT);
	orb->cpa = vccw_cpu_to_be32((uint32_t)guest_arch_addr(prog));

	for (tries = 0; tries < MAX_START_TRIES; tries++) {
		/*
		 * The final status may be presented right after SSCH: mark the function ours
		 * before any interruption can be taken, with interruptions off across SSCH.
		 */
		guest_arch_irq_disable();
		cc = guest_arch_ssch(dev->sid, orb);
		if (cc == 0) {
			cd->io_active = true;
			dev->status_pending = false;
		} else if (cc == 1) {
			/* Status pending (PoP SSCH cc1): clear it and try again. */
			drain_status(cd);
		}
		guest_arch_irq_enable();
		if (cc == 0 || cc == 3 || cc < 0)
			break;
		if (cc == 2) {
			/* Busy: a function is still in progress (PoP SSCH cc2). */
			if (guest_arch_now_us() >= deadline)
				break;
			guest_delay_us(BUSY_DELAY_US);
		}
	}
	guest_free(orb, sizeof(*orb));
	if (cc == 3) {
		/* Not operational (PoP SSCH cc3): the subchannel lost its device. */
		cio_mark_gone(cd);
		rc = GUEST_IO_GONE;
		goto out;
	}
	if (cc < 0) {
		rc = GUEST_IO_ERROR;
		goto out;
	}
	if (cc != 0) {
		rc = cc == 2 ? GUEST_IO_TIMEOUT : GUEST_IO_ERROR;
		goto out;
	}
	rc = wait_final(cd, deadline);
	if (rc == GUEST_IO_GONE) {
		/* The program went with the subchannel: nothing is left to halt. */
		cd->io_active = false;
		dev->status_pending = false;
		goto out;
	}
	if (rc != GUEST_IO_OK) {
		rc = kill_io(cd);
		goto out;
	}
	cd->io_active = false;
	if (irb)
		*irb = cd->irb;
	rc = evaluate(cd, &cd->irb, sense);
out:
	return rc;
}

enum guest_io_rc guest_cio_do_io(struct guest_device *dev, struct guest_ccw1 *prog,
				 struct guest_irb *irb, uint8_t *sense, uint64_t timeout_us)
{
	/*
	 * Paths the program may use: available and operational (Linux: PAM & OPM), and
	 * once path verification ran, only the paths it found working.
	 */
	uint8_t lpm = dev->pam & dev->pom;

	if (dev->vpm)
		lpm &= dev->vpm;
	return do_io(dev, prog, irb, sense, timeout_us, lpm);
}

enum guest_io_rc cio_verify_path(struct cio_dev *cd, uint8_t lpm, uint8_t *cstat)
{
	struct guest_ccw1 *ccw = guest_alloc(sizeof(*ccw), 8);
	struct guest_irb irb;
	enum guest_io_rc rc;

	*cstat = 0xff;
	if (!ccw)
		return GUEST_IO_ERROR;
	guest_memset(&irb, 0, sizeof(irb));
	irb.scsw.cstat = 0xff;
	guest_ccw1_set(ccw, CCW_CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL);
	rc = do_io(&cd->dev, ccw, &irb, NULL, CIO_IO_TIMEOUT_US, lpm);
	*cstat = irb.scsw.cstat;
	guest_free(ccw, sizeof(*ccw));
	return rc;
}

enum guest_io_rc guest_cio_do_ccw(struct guest_device *dev, uint8_t cmd, uint8_t flags,
				  uint16_t count, void *data, struct guest_irb *irb)
{
	struct guest_ccw1 *ccw = guest_alloc(sizeof(*ccw), 8);
	enum guest_io_rc rc;

	if (!ccw)
		return GUEST_IO_ERROR;
	guest_ccw1_set(ccw, cmd, flags, count, data);
	rc = guest_cio_do_io(dev, ccw, irb, NULL, CIO_IO_TIMEOUT_US);
	guest_free(ccw, sizeof(*ccw));
	return rc;
}
