// SPDX-License-Identifier: MIT
/*
 * The boundary between the channel subsystem's big-endian control blocks and the
 * layer's host-order forms: SCHIB (PoP figure 15-1), IRB (figure 16-1) and format-1
 * CCWs (figure 15-5). Field facts: shared/reference/channel-io.md sections 2, 3, 5, 6.
 */
#include "cio-int.h"

static void scsw_decode(const struct scsw_wire *w, struct guest_scsw *s)
{
	s->ctrl = vccw_be32_to_cpu(w->ctrl);
	s->cpa = vccw_be32_to_cpu(w->cpa);
	s->dstat = w->dstat;
	s->cstat = w->cstat;
	s->count = vccw_be16_to_cpu(w->count);
}

static void scsw_encode(const struct guest_scsw *s, struct scsw_wire *w)
{
	w->ctrl = vccw_cpu_to_be32(s->ctrl);
	w->cpa = vccw_cpu_to_be32(s->cpa);
	w->dstat = s->dstat;
	w->cstat = s->cstat;
	w->count = vccw_cpu_to_be16(s->count);
}

void cio_schib_decode(const struct schib_wire *w, struct schib *s)
{
	s->intparm = vccw_be32_to_cpu(w->intparm);
	s->flags = vccw_be16_to_cpu(w->flags);
	s->devno = vccw_be16_to_cpu(w->devno);
	s->lpm = w->lpm;
	s->pnom = w->pnom;
	s->lpum = w->lpum;
	s->pim = w->pim;
	s->mbi = vccw_be16_to_cpu(w->mbi);
	s->pom = w->pom;
	s->pam = w->pam;
	guest_memcpy(s->chpid, w->chpid, sizeof(s->chpid));
	s->chars = vccw_be32_to_cpu(w->chars);
	scsw_decode(&w->scsw, &s->scsw);
	s->mba = vccw_be64_to_cpu(w->mba);
	s->mda = vccw_be32_to_cpu(w->mda);
}

void cio_schib_encode(const struct schib *s, struct schib_wire *w)
{
	w->intparm = vccw_cpu_to_be32(s->intparm);
	w->flags = vccw_cpu_to_be16(s->flags);
	w->devno = vccw_cpu_to_be16(s->devno);
	w->lpm = s->lpm;
	w->pnom = s->pnom;
	w->lpum = s->lpum;
	w->pim = s->pim;
	w->mbi = vccw_cpu_to_be16(s->mbi);
	w->pom = s->pom;
	w->pam = s->pam;
	guest_memcpy(w->chpid, s->chpid, sizeof(w->chpid));
	w->chars = vccw_cpu_to_be32(s->chars);
	scsw_encode(&s->scsw, &w->scsw);
	w->mba = vccw_cpu_to_be64(s->mba);
	w->mda = vccw_cpu_to_be32(s->mda);
}

void cio_irb_decode(const struct irb_wire *w, struct guest_irb *irb)
{
	unsigned int i;

	scsw_decode(&w->scsw, &irb->scsw);
	for (i = 0; i < 5; i++)
		irb->esw[i] = vccw_be32_to_cpu(w->esw[i]);
	guest_memcpy(irb->ecw, w->ecw, sizeof(irb->ecw));
}

void guest_ccw1_set(struct guest_ccw1 *ccw, uint8_t cmd, uint8_t flags, uint16_t count,
		    const void *data)
{
	struct vccw_be16 c = vccw_cpu_to_be16(count);
	struct vccw_be32 a = vccw_cpu_to_be32((uint32_t)guest_arch_addr(data));

	ccw->cmd = cmd;
	ccw->flags = flags;
	/* The public struct keeps plain integers holding big-endian bytes. */
	ccw->count = c.raw;
	ccw->cda = a.raw;
}
