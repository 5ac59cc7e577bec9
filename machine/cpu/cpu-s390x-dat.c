// SPDX-License-Identifier: MIT
/*
 * Dynamic address translation for the operands of the instructions this back-end
 * emulates (STSI's block, the channel-subsystem instructions' control blocks, SCKC's
 * and SPT's operands): the engine translates everything it runs itself, but an
 * instruction that traps leaves its logical operand address to us. PoP chapter 3
 * "Dynamic Address Translation": the address-space control of the PSW picks the ASCE
 * (CR1 primary, CR7 secondary, CR13 home; access-register mode is taken as primary),
 * then region-first/second/third, segment and page tables, with EDAT-1 1 MiB frames
 * when CR0 bit 40 is one (the only large frames the engine's model offers). Table
 * lengths and offsets are not checked: Linux always builds full tables.
 */
#ifdef VM_HAVE_UNICORN

#include <string.h>

#include "cpu-s390x-int.h"

#define LC_TEC 0xa8

#define ASCE_ORIGIN 0xfffffffffffff000ull
#define ASCE_REAL 0x20ull
#define ASCE_DT(a) (((a) >> 2) & 3)
#define RTE_ORIGIN 0xfffffffffffff000ull
#define RTE_INVALID 0x20ull
#define STE_PTO 0xfffffffffffff800ull
#define STE_SFAA 0xfffffffffff00000ull
#define STE_FC 0x400ull
#define STE_PROT 0x200ull
#define STE_INVALID 0x20ull
#define PTE_PFRA 0xfffffffffffff000ull
#define PTE_INVALID 0x400ull
#define PTE_PROT 0x200ull
#define CR0_EDAT (1ull << (63 - 40))

#define PGM_SEGMENT 0x10
#define PGM_PAGE 0x11
#define PGM_ASCE_TYPE 0x38
#define PGM_REGION_FIRST 0x39
#define PGM_REGION_SECOND 0x3a
#define PGM_REGION_THIRD 0x3b

static uint16_t fault(struct vm_s390x *c, uint16_t code, uint64_t addr, bool store,
		      unsigned int as)
{
	/* TEC: the page's address, fetch (0x800) or store (0x400), the address space. */
	uint64_t tec = (addr & ~0xfffull) | (store ? 0x400 : 0x800) | as;

	if (code == S390X_PGM_PROTECTION)
		tec = (addr & ~0xfffull) | 0x4 | as; /* bit 61: DAT protection */
	vccw_mem_st_be64(c->mem, c->prefix + LC_TEC, tec);
	return code;
}

/* An 8-byte table entry at absolute @abs (DAT tables are absolute addresses). */
static bool entry(struct vm_s390x *c, uint64_t abs, uint64_t *v)
{
	return vccw_mem_ld_be64(c->mem, abs, v) == VCCW_MEM_OK;
}

uint16_t s390x_translate(struct vm_s390x *c, uint64_t addr, bool store, uint64_t *real)
{
	unsigned int as = (unsigned int)((c->psw_mask & S390X_PSW_ASC) >> 46), dt, level;
	static const uint16_t region_pgm[4] = { 0, PGM_REGION_THIRD, PGM_REGION_SECOND,
						PGM_REGION_FIRST };
	uint64_t asce, origin, e;

	if (!(c->psw_mask & S390X_PSW_DAT)) {
		*real = addr;
		return 0;
	}
	asce = s390x_cr(c, as == 2 ? 7 : as == 3 ? 13 : 1);
	if (asce & ASCE_REAL) {
		*real = addr;
		return 0;
	}
	dt = ASCE_DT(asce);
	/* The address must be within what the first table reaches. */
	if (dt < 3 && (addr >> (31 + 11 * dt)) != 0)
		return fault(c, PGM_ASCE_TYPE, addr, store, as);
	origin = asce & ASCE_ORIGIN;
	for (level = dt; level > 0; level--) {
		uint64_t idx = (addr >> (31 + 11 * (level - 1))) & 0x7ff;

		if (!entry(c, origin + idx * 8, &e))
			return fault(c, S390X_PGM_ADDRESSING, addr, store, as);
		if (e & RTE_INVALID)
			return fault(c, region_pgm[level], addr, store, as);
		origin = e & RTE_ORIGIN;
	}
	if (!entry(c, origin + ((addr >> 20) & 0x7ff) * 8, &e))
		return fault(c, S390X_PGM_ADDRESSING, addr, store, as);
	if (e & STE_INVALID)
		return fault(c, PGM_SEGMENT, addr, store, as);
	if ((e & STE_FC) && (s390x_cr(c, 0) & CR0_EDAT)) {
		if (store && (e & STE_PROT))
			return fault(c, S390X_PGM_PROTECTION, addr, store, as);
		*real = (e & STE_SFAA) | (addr & 0xfffffull);
		return 0;
	}
	if (store && (e & STE_PROT))
		return fault(c, S390X_PGM_PROTECTION, addr, store, as);
	if (!entry(c, (e & STE_PTO) + ((addr >> 12) & 0xff) * 8, &e))
		return fault(c, S390X_PGM_ADDRESSING, addr, store, as);
	if (e & PTE_INVALID)
		return fault(c, PGM_PAGE, addr, store, as);
	if (store && (e & PTE_PROT))
		return fault(c, S390X_PGM_PROTECTION, addr, store, as);
	*real = (e & PTE_PFRA) | (addr & 0xfffull);
	return 0;
}

static uint16_t vaccess(struct vm_s390x *c, uint64_t addr, void *buf, size_t len, bool store)
{
	size_t done = 0;

	while (done < len) {
		uint64_t a = addr + done, real;
		size_t n = 4096 - (a & 4095);
		uint16_t rc;

		if (n > len - done)
			n = len - done;
		rc = s390x_translate(c, a, store, &real);
		if (!rc)
			rc = store ? s390x_store(c, real, (const char *)buf + done, n)
				   : s390x_load(c, real, (char *)buf + done, n);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

uint16_t s390x_vload(struct vm_s390x *c, uint64_t addr, void *buf, size_t len)
{
	return vaccess(c, addr, buf, len, false);
}

uint16_t s390x_vstore(struct vm_s390x *c, uint64_t addr, const void *buf, size_t len)
{
	uint16_t rc;
	size_t done;

	/* Translate every page first: a store that faults stores nothing. */
	for (done = 0; done < len; done += 4096 - ((addr + done) & 4095)) {
		uint64_t real;

		rc = s390x_translate(c, addr + done, true, &real);
		if (rc)
			return rc;
	}
	return vaccess(c, addr, (void *)buf, len, true);
}

#endif /* VM_HAVE_UNICORN */
