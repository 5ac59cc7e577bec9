// SPDX-License-Identifier: MIT
/*
 * The boundary between the channel subsystem's big-endian control blocks and the
 * layer's host-order forms: SCHIB (PoP figure 15-1), IRB (figure 16-1) and format-1
 * CCWs (figure 15-5). Field facts: shared/reference/channel-io.md sections 2, 3, 5, 6.
 */
#include "cio-int.h"

static void scsw_decode(const struct scsw_wire *w, struct guest_scsw *s)
{
	s->ctrl = be32_get(w->ctrl);
	s->cpa = be32_get(w->cpa);
	s->dstat = w->dstat;
	s->cstat = w->cstat;
	s->count = be16_get(w->count);
}

static void scsw_encode(const struct guest_scsw *s, struct scsw_wire *w)
{
	w->ctrl = be32_of(s->ctrl);
	w->cpa = be32_of(s->cpa);
	w->dstat = s->dstat;
	w->cstat = s->cstat;
	w->count = be16_of(s->count);
}

void cio_schib_decode(const struct schib_wire *w, struct schib *s)
{
	s->intparm = be32_get(w->intparm);
	s->flags = be16_get(w->flags);
	s->devno = be16_get(w->devno);
	s->lpm = w->lpm;
	s->pnom = w->pnom;
	s->lpum = w->lpum;
	s->pim = w->pim;
	s->mbi = be16_get(w->mbi);
	s->pom = w->pom;
	s->pam = w->pam;
	guest_memcpy(s->chpid, w->chpid, sizeof(s->chpid));
	s->chars = be32_get(w->chars);
	scsw_decode(&w->scsw, &s->scsw);
	s->mba = be64_get(w->mba);
	s->mda = be32_get(w->mda);
}

void cio_schib_encode(const struct schib *s, struct schib_wire *w)
{
	w->intparm = be32_of(s->intparm);
	w->flags = be16_of(s->flags);
	w->devno = be16_of(s->devno);
	w->lpm = s->lpm;
	w->pnom = s->pnom;
	w->lpum = s->lpum;
	w->pim = s->pim;
	w->mbi = be16_of(s->mbi);
	w->pom = s->pom;
	w->pam = s->pam;
	guest_memcpy(w->chpid, s->chpid, sizeof(w->chpid));
	w->chars = be32_of(s->chars);
	scsw_encode(&s->scsw, &w->scsw);
	w->mba = be64_of(s->mba);
	w->mda = be32_of(s->mda);
}

void cio_irb_decode(const struct irb_wire *w, struct guest_irb *irb)
{
	unsigned int i;

	scsw_decode(&w->scsw, &irb->scsw);
	for (i = 0; i < 5; i++)
		irb->esw[i] = be32_get(w->esw[i]);
	guest_memcpy(irb->ecw, w->ecw, sizeof(irb->ecw));
}

void guest_ccw1_set(struct guest_ccw1 *ccw, uint8_t cmd, uint8_t flags, uint16_t count,
		    const void *data)
{
	struct be16 c = be16_of(count);
	struct be32 a = be32_of((uint32_t)guest_arch_addr(data));

	ccw->cmd = cmd;
	ccw->flags = flags;
	/* The public struct keeps plain integers holding big-endian bytes. */
	ccw->count = c.raw;
	ccw->cda = a.raw;
}
