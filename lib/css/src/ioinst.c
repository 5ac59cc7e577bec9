// SPDX-License-Identifier: MIT
/*
 * The I/O instructions (PoP chapter 14 "I/O Instructions"): operand access by the CPU,
 * decoding and validation of the SID, SCHIB and ORB, condition codes and program
 * exceptions in the order of shared/reference/channel-io.md section 1.3, and the
 * state changes each instruction makes to the subchannel (section 3.3, 3.4, 7).
 */
#include <errno.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "trace-int.h"
#include "css-int.h"

/* A program check is the guest's error: report it (category guest, -d guest_errors). */
#define GUEST_PGM(insn, sid, addr, rc)                                                             \
	do {                                                                                       \
		if (vccw_insn_is_pgm(rc))                                                          \
			VCCW_TRACE(guest_css_pgm, insn, (uint32_t)(sid), (uint64_t)(addr),         \
				   VCCW_TRACE_RC(rc));                                             \
	} while (0)

#define SCHIB_LEN 52
#define IRB_LEN 64
#define ORB_LEN 12
#define ORB_EXT_LEN 32

/* ---- CPU operand access: prefixing and low-address protection ---- */

static uint64_t real_to_abs(const struct vccw_cpu *cpu, uint64_t real)
{
	uint64_t prefix = cpu->prefix & ~UINT64_C(0x1fff);

	/* PoP "Prefixing": real 0-8191 and the prefix area swap places. */
	if (real < 0x2000)
		return real + prefix;
	if (real >= prefix && real - prefix < 0x2000)
		return real - prefix;
	return real;
}

static bool lap_protected(const struct vccw_cpu *cpu, uint64_t real)
{
	/* PoP "Low-Address Protection": real 0-511 and 4096-4607. */
	return cpu->low_addr_prot && (real < 512 || (real >= 4096 && real < 4608));
}

/*
 * Walk [real, real + len) in pieces that do not cross a 4 KiB boundary (prefixing is per
 * page); @fn gets each piece's absolute address.
 */
static enum vccw_insn_rc cpu_walk(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t real,
				  size_t len, bool store, uint8_t *buf, int mode)
{
	size_t done = 0;

	while (done < len) {
		uint64_t r = real + done;
		size_t chunk = 0x1000 - (size_t)(r & 0xfff);
		uint64_t abs;

		if (r < real) /* wrapped around the address space */
			return VCCW_PGM_ADDRESSING;
		if (chunk > len - done)
			chunk = len - done;
		abs = real_to_abs(cpu, r);
		if (store && lap_protected(cpu, r))
			return VCCW_PGM_PROTECTION;
		if (!vccw_mem_valid(css->mem, abs, chunk))
			return VCCW_PGM_ADDRESSING;
		if (mode == 1)
			vccw_mem_read(css->mem, abs, buf + done, chunk);
		else if (mode == 2)
			vccw_mem_write(css->mem, abs, buf + done, chunk);
		done += chunk;
	}
	return VCCW_CC0;
}

enum vccw_insn_rc css_cpu_read(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t real,
			       void *buf, size_t len)
{
	enum vccw_insn_rc rc = cpu_walk(css, cpu, real, len, false, NULL, 0);

	if (rc != VCCW_CC0)
		return rc;
	return cpu_walk(css, cpu, real, len, false, buf, 1);
}

enum vccw_insn_rc css_cpu_check_write(struct vccw_css *css, const struct vccw_cpu *cpu,
				      uint64_t real, size_t len)
{
	return cpu_walk(css, cpu, real, len, true, NULL, 0);
}

enum vccw_insn_rc css_cpu_write(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t real,
				const void *buf, size_t len)
{
	enum vccw_insn_rc rc = css_cpu_check_write(css, cpu, real, len);

	if (rc != VCCW_CC0)
		return rc;
	return cpu_walk(css, cpu, real, len, true, (uint8_t *)buf, 2);
}

/* ---- Encoding of the control blocks ---- */

static void encode_scsw(const struct vccw_scsw *s, uint8_t *b)
{
	vccw_st_be32(b, s->ctrl);
	vccw_st_be32(b + 4, s->cpa);
	b[8] = s->dstat;
	b[9] = s->cstat;
	vccw_st_be16(b + 10, s->count);
}

static void encode_schib(const struct vccw_schib *schib, uint8_t *b)
{
	const struct vccw_pmcw *p = &schib->pmcw;

	memset(b, 0, SCHIB_LEN);
	vccw_st_be32(b, p->intparm);
	vccw_st_be16(b + 4, p->flags);
	vccw_st_be16(b + 6, p->devno);
	b[8] = p->lpm;
	b[9] = p->pnom;
	b[10] = p->lpum;
	b[11] = p->pim;
	vccw_st_be16(b + 12, p->mbi);
	b[14] = p->pom;
	b[15] = p->pam;
	memcpy(b + 16, p->chpid, 8);
	vccw_st_be32(b + 24, p->chars);
	encode_scsw(&schib->scsw, b + 28);
	vccw_st_be64(b + 40, schib->mba);
	vccw_st_be32(b + 48, schib->mda);
}

static void decode_pmcw(const uint8_t *b, struct vccw_pmcw *p, uint64_t *mba)
{
	p->intparm = vccw_ld_be32(b);
	p->flags = vccw_ld_be16(b + 4);
	p->devno = vccw_ld_be16(b + 6);
	p->lpm = b[8];
	p->pnom = b[9];
	p->lpum = b[10];
	p->pim = b[11];
	p->mbi = vccw_ld_be16(b + 12);
	p->pom = b[14];
	p->pam = b[15];
	memcpy(p->chpid, b + 16, 8);
	p->chars = vccw_ld_be32(b + 24);
	*mba = vccw_ld_be64(b + 40);
}

/* ---- SID decoding and subchannel lookup ---- */

/*
 * Decode the SID (reference 1.1) and find the subchannel. Returns VCCW_PGM_OPERAND for a
 * malformed SID, VCCW_CC3 when it designates no subchannel the guest can see, else
 * VCCW_CC0 with *@sch set (or NULL for an empty slot below the set's highest subchannel,
 * which only STSCH distinguishes). Context: topo held.
 */
static enum vccw_insn_rc lookup_sid(struct vccw_css *css, uint32_t sid, struct vccw_sch **sch,
				    bool *below_max)
{
	uint8_t cssid = (uint8_t)(sid >> 24);
	uint8_t ssid = (uint8_t)((sid >> 17) & 3);
	uint16_t schnr = (uint16_t)sid;
	bool m = sid & 0x00080000u;

	*sch = NULL;
	if (below_max)
		*below_max = false;
	/* Bit 15 of the word must be one, bits 8-11 are reserved (must be zero). */
	if (!(sid & 0x00010000u) || (sid & 0x00f00000u))
		return VCCW_PGM_OPERAND;
	/* Without M, the css id field must be zero: it then means the default image. */
	if (!m && cssid)
		return VCCW_PGM_OPERAND;
	/* With M the guest names an image; only MCSS-E guests may, and only 0xfe exists. */
	if (m && (!css->mcsse || cssid != VCCW_CSS_VIRTUAL_CSSID))
		return VCCW_CC3;
	if (!css_set_visible(css, ssid))
		return VCCW_CC3;
	*sch = css_find_sch(css, ssid, schnr);
	if (!*sch) {
		if (below_max && (int)schnr < css->sets[ssid].max_schnr) {
			*below_max = true;
			return VCCW_CC0;
		}
		return VCCW_CC3;
	}
	return VCCW_CC0;
}

/* Not operational for a function: no device, or the subchannel is disabled. */
static bool sch_not_operational(const struct vccw_sch *sch)
{
	return !(sch->schib.pmcw.flags & VCCW_PMCW_DNV) ||
	       !(sch->schib.pmcw.flags & VCCW_PMCW_ENA);
}

#define PRIV_CHECK(cpu)                                                                            \
	do {                                                                                       \
		if ((cpu)->problem_state)                                                          \
			return VCCW_PGM_PRIVILEGED_OP;                                             \
	} while (0)

/* ---- STSCH ---- */

static enum vccw_insn_rc stsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
			       uint64_t addr)
{
	uint8_t buf[SCHIB_LEN];
	struct vccw_sch *sch;
	enum vccw_insn_rc rc, acc;
	bool below_max;

	PRIV_CHECK(cpu);
	if (addr & 3)
		return VCCW_PGM_SPECIFICATION;
	pthread_rwlock_rdlock(&css->topo);
	rc = lookup_sid(css, sid, &sch, &below_max);
	/* Access exceptions for the operand take priority over operand exception and cc3. */
	acc = css_cpu_check_write(css, cpu, addr, SCHIB_LEN);
	if (acc != VCCW_CC0) {
		rc = acc;
		goto out;
	}
	if (rc != VCCW_CC0)
		goto out;
	if (sch) {
		css_sch_lock(sch);
		encode_schib(&sch->schib, buf);
		pthread_mutex_unlock(&sch->lock);
	} else {
		/* An empty slot below the highest subchannel: a SCHIB without a device. */
		memset(buf, 0, sizeof(buf));
	}
	rc = css_cpu_write(css, cpu, addr, buf, SCHIB_LEN);
out:
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

/* ---- MSCH ---- */

/* SCHIB fields the program may not set (reference 2.3). */
static bool schib_invalid(const struct vccw_pmcw *p, uint64_t mba)
{
	/* Word 1 bits 0, 1, 6, 7 (bit 5 is ignored). */
	if (p->flags & 0xc300)
		return true;
	/* LM = 11 is invalid. */
	if ((p->flags & VCCW_PMCW_LM_MASK) == VCCW_PMCW_LM_MASK)
		return true;
	/* Word 6 bits 0-28 must be zero. */
	if (p->chars & 0xfffffff8u)
		return true;
	/* No extended-measurement-word facility: XMWME must stay zero. */
	if (p->chars & VCCW_PMCW_XMWME)
		return true;
	/* Format-1 measurement blocks are 64-byte aligned. */
	if ((p->chars & VCCW_PMCW_MBFC) && (mba & 0x3f))
		return true;
	return false;
}

static enum vccw_insn_rc msch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
			      uint64_t addr)
{
	uint8_t buf[SCHIB_LEN];
	struct vccw_pmcw in;
	struct vccw_pmcw *p;
	struct vccw_sch *sch;
	enum vccw_insn_rc rc;
	uint64_t mba;
	bool was_enabled, now_enabled;
	const uint16_t settable = VCCW_PMCW_ISC_MASK | VCCW_PMCW_ENA | VCCW_PMCW_LM_MASK |
				  VCCW_PMCW_MME_MASK | VCCW_PMCW_MP;

	PRIV_CHECK(cpu);
	if (addr & 3)
		return VCCW_PGM_SPECIFICATION;
	rc = css_cpu_read(css, cpu, addr, buf, SCHIB_LEN);
	if (rc != VCCW_CC0)
		return rc;
	/* Fetch once, then validate the copy. */
	decode_pmcw(buf, &in, &mba);
	pthread_rwlock_rdlock(&css->topo);
	rc = lookup_sid(css, sid, &sch, NULL);
	if (rc == VCCW_PGM_OPERAND || schib_invalid(&in, mba)) {
		rc = VCCW_PGM_OPERAND;
		goto out;
	}
	if (rc != VCCW_CC0)
		goto out;
	css_sch_lock(sch);
	p = &sch->schib.pmcw;
	if (!(p->flags & VCCW_PMCW_DNV)) {
		rc = VCCW_CC3;
	} else if (sch->schib.scsw.ctrl & VCCW_SCSW_SC_PENDING) {
		rc = VCCW_CC1;
	} else if (sch->schib.scsw.ctrl & VCCW_SCSW_FC_MASK) {
		rc = VCCW_CC2;
	} else {
		was_enabled = p->flags & VCCW_PMCW_ENA;
		p->intparm = in.intparm;
		p->flags = (uint16_t)((p->flags & ~settable) | (in.flags & settable));
		p->lpm = in.lpm;
		p->mbi = in.mbi;
		p->pom = in.pom;
		p->chars = (p->chars & ~(VCCW_PMCW_MBFC | VCCW_PMCW_CSENSE)) |
			   (in.chars & (VCCW_PMCW_MBFC | VCCW_PMCW_CSENSE));
		if (in.chars & VCCW_PMCW_MBFC)
			sch->schib.mba = mba;
		now_enabled = p->flags & VCCW_PMCW_ENA;
		if (was_enabled != now_enabled && sch->ops->enable)
			sch->ops->enable(sch, sch->opaque, now_enabled);
		rc = VCCW_CC0;
	}
	pthread_mutex_unlock(&sch->lock);
out:
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

/* ---- SSCH ---- */

static enum vccw_insn_rc ssch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
			      uint64_t addr)
{
	uint8_t buf[ORB_EXT_LEN];
	struct vccw_orb orb;
	struct vccw_sch *sch;
	struct vccw_scsw *s;
	enum vccw_insn_rc rc;
	/* ORB controls that are recorded in the SCSW for a start function. */
	const uint32_t scsw_from_orb = VCCW_SCSW_KEY_MASK | VCCW_SCSW_S | VCCW_SCSW_F |
				       VCCW_SCSW_P | VCCW_SCSW_I | VCCW_SCSW_A | VCCW_SCSW_U;

	PRIV_CHECK(cpu);
	if (addr & 3)
		return VCCW_PGM_SPECIFICATION;
	rc = css_cpu_read(css, cpu, addr, buf, ORB_LEN);
	if (rc != VCCW_CC0)
		return rc;
	orb.intparm = vccw_ld_be32(buf);
	orb.ctrl = vccw_ld_be32(buf + 4);
	orb.cpa = vccw_ld_be32(buf + 8);
	if (orb.ctrl & VCCW_ORB_X) {
		/* The extended ORB is 32 bytes; all of it must be accessible. */
		rc = css_cpu_read(css, cpu, addr, buf, ORB_EXT_LEN);
		if (rc != VCCW_CC0)
			return rc;
	}
	pthread_rwlock_rdlock(&css->topo);
	rc = lookup_sid(css, sid, &sch, NULL);
	/*
	 * ORB validity (reference 4): reserved bits 26-30, transport mode (B) and MIDAWs (D)
	 * are not offered, CPA bit 0 must be zero.
	 */
	if (rc == VCCW_PGM_OPERAND ||
	    (orb.ctrl & (VCCW_ORB_RSVD | VCCW_ORB_B | VCCW_ORB_D)) || (orb.cpa & 0x80000000u)) {
		rc = VCCW_PGM_OPERAND;
		goto out;
	}
	if (rc != VCCW_CC0)
		goto out;
	css_sch_lock(sch);
	s = &sch->schib.scsw;
	if (sch_not_operational(sch)) {
		rc = VCCW_CC3;
	} else if (s->ctrl & VCCW_SCSW_SC_PENDING) {
		rc = VCCW_CC1;
	} else if (s->ctrl & VCCW_SCSW_FC_MASK) {
		rc = VCCW_CC2;
	} else {
		sch->orb = orb;
		sch->schib.pmcw.intparm = orb.intparm;
		s->ctrl = (orb.ctrl & scsw_from_orb) | VCCW_SCSW_FC_START | VCCW_SCSW_AC_START_PEND;
		s->cpa = 0;
		s->dstat = 0;
		s->cstat = 0;
		s->count = 0;
		sch->erw = 0;
		css_measure_start(sch);
		/*
		 * PoP: the start function may complete any time after cc 0. Inline, the first
		 * slice runs here and only what remains goes to the channel thread.
		 */
		if (!css->inline_start || css_run_slice_locked(sch))
			css_queue_work_locked(sch);
		rc = VCCW_CC0;
	}
	pthread_mutex_unlock(&sch->lock);
out:
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

/* ---- TSCH ---- */

/* What TSCH clears when status is pending (reference 3.4, PoP figure 14-2). */
static void tsch_clear(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;
	uint32_t sc = s->ctrl & VCCW_SCSW_SC_MASK;

	if (sc == (VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_SC_PENDING)) {
		if ((s->ctrl & VCCW_SCSW_AC_SUSPENDED) && (s->ctrl & VCCW_SCSW_FC_HALT))
			s->ctrl &= ~VCCW_SCSW_FC_MASK;
		if ((s->ctrl & VCCW_SCSW_AC_SUSPENDED) && (s->ctrl & VCCW_SCSW_FC_START)) {
			s->ctrl &= ~VCCW_SCSW_N;
			if (s->ctrl & VCCW_SCSW_FC_HALT)
				s->ctrl &= ~(VCCW_SCSW_AC_RESUME_PEND | VCCW_SCSW_AC_START_PEND |
					     VCCW_SCSW_AC_HALT_PEND | VCCW_SCSW_AC_CLEAR_PEND |
					     VCCW_SCSW_AC_SUSPENDED);
			else
				s->ctrl &= ~VCCW_SCSW_AC_RESUME_PEND;
		}
		/* The PCI indication and Z belong to the intermediate status just taken. */
		s->cstat &= (uint8_t)~VCCW_CSTAT_PCI;
		s->ctrl &= ~VCCW_SCSW_Z;
	} else {
		s->ctrl &= ~(VCCW_SCSW_FC_MASK | VCCW_SCSW_N | VCCW_SCSW_AC_RESUME_PEND |
			     VCCW_SCSW_AC_START_PEND | VCCW_SCSW_AC_HALT_PEND |
			     VCCW_SCSW_AC_CLEAR_PEND | VCCW_SCSW_AC_SUSPENDED);
	}
	s->ctrl &= ~VCCW_SCSW_SC_MASK;
	/* Concurrent-sense data is consumed with the status it came with. */
	if (s->ctrl & VCCW_SCSW_E) {
		s->ctrl &= ~VCCW_SCSW_E;
		memset(sch->ecw, 0, sizeof(sch->ecw));
	}
	sch->erw = 0;
}

static enum vccw_insn_rc tsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
			      uint64_t addr)
{
	uint8_t irb[IRB_LEN];
	struct vccw_sch *sch;
	struct vccw_scsw *s;
	enum vccw_insn_rc rc, acc;
	bool pending;

	PRIV_CHECK(cpu);
	pthread_rwlock_rdlock(&css->topo);
	/* TSCH checks the SID before the operand's alignment (reference 1.3). */
	rc = lookup_sid(css, sid, &sch, NULL);
	if (rc == VCCW_PGM_OPERAND)
		goto out;
	if (addr & 3) {
		rc = VCCW_PGM_SPECIFICATION;
		goto out;
	}
	acc = css_cpu_check_write(css, cpu, addr, IRB_LEN);
	if (acc != VCCW_CC0) {
		rc = acc;
		goto out;
	}
	if (rc != VCCW_CC0)
		goto out;
	css_sch_lock(sch);
	/*
	 * PoP TSCH: cc3 when the subchannel is not operational for TEST SUBCHANNEL: not
	 * provided, no valid device number, or not enabled (as QEMU and Hercules).
	 */
	if (sch_not_operational(sch)) {
		pthread_mutex_unlock(&sch->lock);
		rc = VCCW_CC3;
		goto out;
	}
	s = &sch->schib.scsw;
	pending = s->ctrl & VCCW_SCSW_SC_PENDING;
	memset(irb, 0, sizeof(irb));
	encode_scsw(s, irb);
	/* ESW format 1: LPUM in byte 1 of word 0, the ERW in word 1. */
	irb[13] = sch->schib.pmcw.lpum;
	vccw_st_be32(irb + 16, sch->erw);
	if (s->ctrl & VCCW_SCSW_E)
		memcpy(irb + 32, sch->ecw, sizeof(sch->ecw));
	/* The store cannot fail now: it was checked above and the topology is held. */
	css_cpu_write(css, cpu, addr, irb, IRB_LEN);
	if (pending) {
		tsch_clear(sch);
		css_withdraw_irq_locked(sch);
		/* A function that still runs (intermediate status) goes on. */
		rc = VCCW_CC0;
	} else {
		rc = VCCW_CC1;
	}
	pthread_mutex_unlock(&sch->lock);
out:
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

/* ---- HSCH, CSCH, RSCH, XSCH ---- */

typedef enum vccw_insn_rc sch_fn(struct vccw_sch *sch);

/* Common frame of the instructions that only take a SID. */
static enum vccw_insn_rc sid_insn(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				  sch_fn *fn)
{
	struct vccw_sch *sch;
	enum vccw_insn_rc rc;

	PRIV_CHECK(cpu);
	pthread_rwlock_rdlock(&css->topo);
	rc = lookup_sid(css, sid, &sch, NULL);
	if (rc == VCCW_CC0) {
		css_sch_lock(sch);
		rc = sch_not_operational(sch) ? VCCW_CC3 : fn(sch);
		pthread_mutex_unlock(&sch->lock);
	}
	pthread_rwlock_unlock(&css->topo);
	return rc;
}

static enum vccw_insn_rc hsch_fn(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;
	uint32_t sc = s->ctrl & VCCW_SCSW_SC_MASK;

	/* cc1: status pending other than intermediate status alone. */
	if ((sc & VCCW_SCSW_SC_PENDING) &&
	    sc != (VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_SC_PENDING))
		return VCCW_CC1;
	if (s->ctrl & (VCCW_SCSW_FC_HALT | VCCW_SCSW_FC_CLEAR))
		return VCCW_CC2;
	if (sc == (VCCW_SCSW_SC_INTERMEDIATE | VCCW_SCSW_SC_PENDING)) {
		/* The halt replaces the pending intermediate status. */
		s->ctrl &= ~(VCCW_SCSW_SC_MASK | VCCW_SCSW_Z);
		s->cstat &= (uint8_t)~VCCW_CSTAT_PCI;
		css_withdraw_irq_locked(sch);
	}
	s->ctrl |= VCCW_SCSW_FC_HALT | VCCW_SCSW_AC_HALT_PEND;
	css_queue_work_locked(sch);
	return VCCW_CC0;
}

static enum vccw_insn_rc csch_fn(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;

	/* Any pending status and interruption request is withdrawn; the clear replaces all. */
	css_withdraw_irq_locked(sch);
	s->ctrl &= ~(VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK | VCCW_SCSW_SC_MASK | VCCW_SCSW_Z |
		     VCCW_SCSW_E | VCCW_SCSW_CC_MASK);
	s->ctrl |= VCCW_SCSW_FC_CLEAR | VCCW_SCSW_AC_CLEAR_PEND;
	sch->erw = 0;
	css_queue_work_locked(sch);
	return VCCW_CC0;
}

static enum vccw_insn_rc rsch_fn(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;

	if (s->ctrl & VCCW_SCSW_SC_PENDING)
		return VCCW_CC1;
	/* cc2: not a start function alone, not suspended, resume already pending, or S=0. */
	if ((s->ctrl & VCCW_SCSW_FC_MASK) != VCCW_SCSW_FC_START ||
	    !(s->ctrl & VCCW_SCSW_AC_SUSPENDED) || (s->ctrl & VCCW_SCSW_AC_RESUME_PEND) ||
	    !(s->ctrl & VCCW_SCSW_S))
		return VCCW_CC2;
	s->ctrl |= VCCW_SCSW_AC_RESUME_PEND;
	css_measure_start(sch);
	css_queue_work_locked(sch);
	return VCCW_CC0;
}

static enum vccw_insn_rc xsch_fn(struct vccw_sch *sch)
{
	struct vccw_scsw *s = &sch->schib.scsw;

	if (s->ctrl & VCCW_SCSW_SC_PENDING)
		return VCCW_CC1;
	/*
	 * cc2: only a start function that has not begun (start pending), waits to resume,
	 * or is suspended can be cancelled; an active subchannel cannot.
	 */
	if ((s->ctrl & VCCW_SCSW_FC_MASK) != VCCW_SCSW_FC_START ||
	    !(s->ctrl & (VCCW_SCSW_AC_START_PEND | VCCW_SCSW_AC_RESUME_PEND |
			 VCCW_SCSW_AC_SUSPENDED)) ||
	    (s->ctrl & VCCW_SCSW_AC_SCH_ACTIVE))
		return VCCW_CC2;
	if (sch->exec_busy && sch->ops->cancel)
		sch->ops->cancel(sch, sch->opaque, NULL, NULL);
	sch->exec_busy = false;
	css_drop_function_work_locked(sch);
	s->ctrl &= ~(VCCW_SCSW_FC_MASK | VCCW_SCSW_AC_MASK);
	s->dstat = 0;
	s->cstat = 0;
	return VCCW_CC0;
}

enum vccw_insn_rc vccw_css_hsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid)
{
	enum vccw_insn_rc rc = sid_insn(css, cpu, sid, hsch_fn);

	VCCW_TRACE(css_hsch, sid, VCCW_TRACE_RC(rc));
	GUEST_PGM("HSCH", sid, 0, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_csch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid)
{
	enum vccw_insn_rc rc = sid_insn(css, cpu, sid, csch_fn);

	VCCW_TRACE(css_csch, sid, VCCW_TRACE_RC(rc));
	GUEST_PGM("CSCH", sid, 0, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_rsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid)
{
	enum vccw_insn_rc rc = sid_insn(css, cpu, sid, rsch_fn);

	VCCW_TRACE(css_rsch, sid, VCCW_TRACE_RC(rc));
	GUEST_PGM("RSCH", sid, 0, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_xsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid)
{
	enum vccw_insn_rc rc = sid_insn(css, cpu, sid, xsch_fn);

	VCCW_TRACE(css_xsch, sid, VCCW_TRACE_RC(rc));
	GUEST_PGM("XSCH", sid, 0, rc);
	return rc;
}

/* ---- TPI, STCRW ---- */

static enum vccw_insn_rc tpi(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	struct vccw_io_irq irq;
	uint8_t buf[12];
	enum vccw_insn_rc rc;

	PRIV_CHECK(cpu);
	if (addr & 3)
		return VCCW_PGM_SPECIFICATION;
	if (addr) {
		/* Check the two-word store first so a fault loses nothing. */
		rc = css_cpu_check_write(css, cpu, addr, 8);
		if (rc != VCCW_CC0)
			return rc;
	}
	pthread_rwlock_rdlock(&css->topo);
	if (!vccw_css_take_io_irq(css, cpu->isc_mask, &irq)) {
		pthread_rwlock_unlock(&css->topo);
		return VCCW_CC0;
	}
	vccw_st_be32(buf, irq.sid);
	vccw_st_be32(buf + 4, irq.intparm);
	vccw_st_be32(buf + 8, irq.iiw);
	if (addr) {
		rc = css_cpu_write(css, cpu, addr, buf, 8);
	} else {
		/* Three words into the lowcore at 0xB8; no protection applies to this store. */
		struct vccw_cpu nolap = *cpu;

		nolap.low_addr_prot = false;
		rc = css_cpu_write(css, &nolap, 0xb8, buf, 12);
	}
	if (rc != VCCW_CC0) {
		css_requeue_irq(css, &irq);
		pthread_rwlock_unlock(&css->topo);
		return rc;
	}
	pthread_rwlock_unlock(&css->topo);
	return VCCW_CC1;
}

static enum vccw_insn_rc stcrw(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	uint8_t buf[4];
	uint32_t crw = 0;
	enum vccw_insn_rc rc;
	bool found;

	PRIV_CHECK(cpu);
	if (addr & 3)
		return VCCW_PGM_SPECIFICATION;
	/* STCRW is suppressing: a failing store must leave the CRW queued. */
	rc = css_cpu_check_write(css, cpu, addr, 4);
	if (rc != VCCW_CC0)
		return rc;
	found = css_crw_pop(css, &crw);
	vccw_st_be32(buf, found ? crw : 0);
	css_cpu_write(css, cpu, addr, buf, 4);
	return found ? VCCW_CC0 : VCCW_CC1;
}

/* ---- RCHP, SAL, SCHM, SIC, CHSC ---- */

static enum vccw_insn_rc rchp(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1)
{
	uint8_t cssid = (uint8_t)(gpr1 >> 16);
	uint8_t chpid = (uint8_t)gpr1;
	bool mcsse;
	int32_t second = -1;

	PRIV_CHECK(cpu);
	if (gpr1 & 0xff00ff00u)
		return VCCW_PGM_OPERAND;
	mcsse = vccw_css_mcsse_enabled(css);
	/* A css id is only meaningful with MCSS-E; 0 then still means the default image. */
	if (cssid && (!mcsse || cssid != VCCW_CSS_VIRTUAL_CSSID))
		return VCCW_PGM_OPERAND;
	if (chpid != VCCW_CSS_VIRTUAL_CHPID)
		return VCCW_CC3;
	/* The reset completes at once: a solicited channel-path CRW, "initialized". */
	if (mcsse)
		second = VCCW_CSS_VIRTUAL_CSSID << 8;
	vccw_css_queue_crw(css, VCCW_CRW_RSC_CHP, VCCW_CRW_ERC_INIT, true, chpid, second);
	return VCCW_CC0;
}

static enum vccw_insn_rc sal(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1)
{
	PRIV_CHECK(cpu);
	/* The limit is a 31-bit address on a 64 KiB boundary. */
	if (gpr1 & 0x8000ffffu)
		return VCCW_PGM_OPERAND;
	pthread_rwlock_wrlock(&css->topo);
	css->addr_limit = gpr1 & 0x7fff0000u;
	pthread_rwlock_unlock(&css->topo);
	return VCCW_CC_UNCHANGED;
}

static enum vccw_insn_rc schm(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1,
			      uint64_t gpr2)
{
	bool update = gpr1 & 2, dct = gpr1 & 1;

	PRIV_CHECK(cpu);
	/* GPR1 bits 36-61 are reserved; a format-0 block origin is 32-byte aligned. */
	if (gpr1 & 0x0ffffffcu)
		return VCCW_PGM_OPERAND;
	if (update && (gpr2 & 0x1f))
		return VCCW_PGM_OPERAND;
	pthread_rwlock_wrlock(&css->topo);
	css->mb_key = (uint8_t)((gpr1 >> 28) & 0xf);
	css->mb_update = update;
	css->mb_dct = dct;
	if (update)
		css->mbo = gpr2;
	pthread_rwlock_unlock(&css->topo);
	return VCCW_CC_UNCHANGED;
}

static enum vccw_insn_rc sic(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t mode,
			     uint8_t isc)
{
	uint8_t bit;

	PRIV_CHECK(cpu);
	if ((mode & 0xffff) > 1 || isc >= VCCW_CSS_NR_ISC)
		return VCCW_PGM_OPERAND;
	bit = (uint8_t)(0x80u >> isc);
	pthread_mutex_lock(&css->irq_lock);
	if (mode & 1)
		css->ais_single |= bit;
	else
		css->ais_single &= (uint8_t)~bit;
	/* Either mode re-enables the ISC after a suppressed delivery. */
	css->ais_suppressed &= (uint8_t)~bit;
	pthread_mutex_unlock(&css->irq_lock);
	return VCCW_CC_UNCHANGED;
}

enum vccw_insn_rc vccw_css_chsc(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	enum vccw_insn_rc rc = VCCW_PGM_PRIVILEGED_OP;

	if (!cpu->problem_state)
		rc = css_chsc(css, cpu, addr);
	VCCW_TRACE(css_chsc, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("CHSC", 0, addr, rc);
	return rc;
}

/* ---- Entry points: each instruction traced with its operands and outcome ---- */

enum vccw_insn_rc vccw_css_stsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				 uint64_t addr)
{
	enum vccw_insn_rc rc = stsch(css, cpu, sid, addr);

	VCCW_TRACE(css_stsch, sid, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("STSCH", sid, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_msch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr)
{
	enum vccw_insn_rc rc = msch(css, cpu, sid, addr);

	VCCW_TRACE(css_msch, sid, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("MSCH", sid, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_ssch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr)
{
	enum vccw_insn_rc rc = ssch(css, cpu, sid, addr);

	VCCW_TRACE(css_ssch, sid, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("SSCH", sid, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_tsch(struct vccw_css *css, const struct vccw_cpu *cpu, uint32_t sid,
				uint64_t addr)
{
	enum vccw_insn_rc rc = tsch(css, cpu, sid, addr);

	VCCW_TRACE(css_tsch, sid, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("TSCH", sid, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_tpi(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	enum vccw_insn_rc rc = tpi(css, cpu, addr);

	VCCW_TRACE(css_tpi, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("TPI", 0, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_stcrw(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t addr)
{
	enum vccw_insn_rc rc = stcrw(css, cpu, addr);

	VCCW_TRACE(css_stcrw, addr, VCCW_TRACE_RC(rc));
	GUEST_PGM("STCRW", 0, addr, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_rchp(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1)
{
	enum vccw_insn_rc rc = rchp(css, cpu, gpr1);

	VCCW_TRACE(css_rchp, gpr1, VCCW_TRACE_RC(rc));
	GUEST_PGM("RCHP", 0, gpr1, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_sal(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1)
{
	enum vccw_insn_rc rc = sal(css, cpu, gpr1);

	VCCW_TRACE(css_sal, gpr1, VCCW_TRACE_RC(rc));
	GUEST_PGM("SAL", 0, gpr1, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_schm(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t gpr1,
				uint64_t gpr2)
{
	enum vccw_insn_rc rc = schm(css, cpu, gpr1, gpr2);

	VCCW_TRACE(css_schm, gpr1, gpr2, VCCW_TRACE_RC(rc));
	GUEST_PGM("SCHM", 0, gpr2, rc);
	return rc;
}

enum vccw_insn_rc vccw_css_sic(struct vccw_css *css, const struct vccw_cpu *cpu, uint64_t mode,
			       uint8_t isc)
{
	enum vccw_insn_rc rc = sic(css, cpu, mode, isc);

	VCCW_TRACE(css_sic, mode, isc, VCCW_TRACE_RC(rc));
	GUEST_PGM("SIC", 0, mode, rc);
	return rc;
}

int vccw_css_with_sch(struct vccw_css *css, uint32_t sid,
		      int (*fn)(struct vccw_sch *sch, void *arg), void *arg)
{
	struct vccw_sch *sch;
	int rc = -ENODEV;

	bool valid = false;

	pthread_rwlock_rdlock(&css->topo);
	if (lookup_sid(css, sid, &sch, NULL) == VCCW_CC0 && sch) {
		css_sch_lock(sch);
		valid = sch->schib.pmcw.flags & VCCW_PMCW_DNV;
		pthread_mutex_unlock(&sch->lock);
	}
	if (valid)
		rc = fn(sch, arg);
	pthread_rwlock_unlock(&css->topo);
	return rc;
}
