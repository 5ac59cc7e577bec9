// SPDX-License-Identifier: MIT
/*
 * The privileged instructions of the s390x back-end, emulated on the virtual PSW when
 * the engine traps them (the guest runs in problem state): decode the format (S, SI,
 * RS, RRE, RSY), compute the operand address in the current addressing mode, apply the
 * architected checks in the order of the PoP (alignment: specification; storage:
 * addressing, low-address protection), and carry the instruction out. The
 * channel-subsystem instructions go to libvccw through vm_io_insn(), the layer the
 * native vCPU uses too; DIAGNOSE goes through a small table (0x44, 0x9c, 0x500, and the
 * 0x308 slot the IPL code fills); SERVC to cpu-s390x-sclp.c. Privileged instructions
 * not listed here run natively in the engine for one instruction in supervisor state
 * (QEMU's own TCG helpers: storage keys, PTLB, LRA ...).
 */
#ifdef VM_HAVE_UNICORN

#include <string.h>

#include "cpu-s390x-int.h"
#include "vccw/byteorder.h"
#include "vccw/virtio-ccw.h"

/* SIGP orders and status bits (PoP chapter 4, "Signal Processor"). */
#define SIGP_SENSE 0x01
#define SIGP_EXT_CALL 0x02
#define SIGP_EMERGENCY 0x03
#define SIGP_START 0x04
#define SIGP_STOP 0x05
#define SIGP_RESTART 0x06
#define SIGP_STOP_STORE 0x09
#define SIGP_SET_PREFIX 0x0d
#define SIGP_STORE_STATUS 0x0e
#define SIGP_SET_ARCH 0x12
#define SIGP_COND_EMERGENCY 0x13
#define SIGP_SENSE_RUNNING 0x15
#define SIGP_STAT_INCORRECT_STATE 0x200u
#define SIGP_STAT_INVALID_PARAMETER 0x100u
#define SIGP_STAT_EXT_CALL_PENDING 0x80u
#define SIGP_STAT_INVALID_ORDER 0x02u

/* STSI (PoP chapter 10): GPR0 and GPR1 fields. */
#define STSI_R0_FC_MASK 0xf0000000ull
#define STSI_R0_RESERVED 0x0fffff00ull
#define STSI_R1_RESERVED 0xffff0000ull
#define STSI_LEVEL_3 0x30000000ull

/* The CPU identification STIDP stores: format-1 (bit 48), machine type 2964. */
#define S390X_CPUID 0x0000000029648000ull

/* Facility bits STFL stores (bits 0-31 of the list): what the engine's model runs. */
#define S390X_STFL (0xe0000000u /* 0-2: N3, z/Arch installed and active */ |           \
		    0x01000000u /* 7: STFLE */ | 0x00002000u /* 18: long displacement */ | \
		    0x00000400u /* 21: extended immediate */ |                             \
		    0x00000040u /* 25: store clock fast */)

struct op {
	const uint8_t *insn;
	unsigned int len;
	uint16_t *pgm;
};

static uint64_t amode_mask(const struct vm_s390x *c)
{
	if (c->psw_mask & S390X_PSW_EA)
		return ~0ull;
	return (c->psw_mask & S390X_PSW_BA) ? 0x7fffffffull : 0xffffffull;
}

/* B2/D2 of an S, SI or RS instruction (bytes 2-3). */
static uint64_t addr_s(struct vm_s390x *c, const uint8_t *insn)
{
	unsigned int b = insn[2] >> 4;
	uint64_t d = ((uint64_t)(insn[2] & 15) << 8) | insn[3];

	return ((b ? s390x_gpr(c, b) : 0) + d) & amode_mask(c);
}

/* B2/DL2/DH2 of an RSY instruction: a signed 20-bit displacement. */
static uint64_t addr_rsy(struct vm_s390x *c, const uint8_t *insn)
{
	unsigned int b = insn[2] >> 4;
	int64_t d = (int64_t)((((uint32_t)(insn[2] & 15) << 8) | insn[3]) |
			      ((uint32_t)insn[4] << 12));

	if (d & 0x80000)
		d -= 0x100000;
	return ((b ? s390x_gpr(c, b) : 0) + (uint64_t)d) & amode_mask(c);
}

static enum vm_s390x_rc pgm(uint16_t *out, uint16_t code)
{
	*out = code;
	return VM_S390X_PGM;
}

static enum vm_s390x_rc cc(unsigned int v)
{
	return (enum vm_s390x_rc)(VM_S390X_CC0 + (v & 3));
}

/* A stored operand: @code from s390x_store()/s390x_load(), 0 for success. */
#define CHECK(expr)                                                                                \
	do {                                                                                       \
		uint16_t code_ = (expr);                                                           \
		if (code_)                                                                         \
			return pgm(op->pgm, code_);                                                \
	} while (0)

static enum vm_s390x_rc ld64(struct vm_s390x *c, struct op *op, uint64_t a, uint64_t *v)
{
	uint8_t b[8];

	if (a & 7)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_load(c, a, b, 8));
	*v = vccw_ld_be64(b);
	return VM_S390X_DONE;
}

static enum vm_s390x_rc st64(struct vm_s390x *c, struct op *op, uint64_t a, uint64_t v)
{
	uint8_t b[8];

	if (a & 7)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	vccw_st_be64(b, v);
	CHECK(s390x_store(c, a, b, 8));
	return VM_S390X_DONE;
}

/* ---- PSW ---- */

static enum vm_s390x_rc do_lpswe(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t b[16];

	if (a & 7)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_load(c, a, b, 16));
	/* An invalid PSW is loaded and then recognised early (the run loop). */
	vm_s390x_load_psw(c, vccw_ld_be64(b), vccw_ld_be64(b + 8));
	return VM_S390X_PSW_LOADED;
}

static enum vm_s390x_rc do_lpsw(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t b[8];
	uint32_t w0, w1;
	uint64_t mask;

	if (a & 7)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_load(c, a, b, 8));
	w0 = vccw_ld_be32(b);
	w1 = vccw_ld_be32(b + 4);
	/* PoP LPSW: the short (ESA/390-format) PSW must have bit 12 one. */
	if (!(w0 & 0x00080000u))
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	mask = (uint64_t)(w0 & ~0x00080000u) << 32;
	if (w1 & 0x80000000u)
		mask |= S390X_PSW_BA;
	vm_s390x_load_psw(c, mask, w1 & 0x7fffffffu);
	return VM_S390X_PSW_LOADED;
}

static enum vm_s390x_rc do_ssm(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t v;

	CHECK(s390x_load(c, a, &v, 1));
	/* PoP SSM (z/Architecture): bits 0 and 2-4 of the operand must be zero. */
	if (v & 0xb8)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	c->psw_mask = (c->psw_mask & 0x00ffffffffffffffull) | ((uint64_t)v << 56);
	return VM_S390X_DONE;
}

static enum vm_s390x_rc do_stxsm(struct vm_s390x *c, struct op *op, uint64_t a, bool or)
{
	uint8_t old = (uint8_t)(c->psw_mask >> 56), i2 = op->insn[1];
	uint8_t v = or ? (uint8_t)(old | i2) : (uint8_t)(old & i2);

	CHECK(s390x_store(c, a, &old, 1));
	c->psw_mask = (c->psw_mask & 0x00ffffffffffffffull) | ((uint64_t)v << 56);
	return VM_S390X_DONE;
}

/* ---- Control registers ---- */

static void crs_changed(struct vm_s390x *c, uint64_t old0, uint64_t old6)
{
	if ((c->cr[6] ^ old6) & 0xff000000ull)
		vccw_css_set_isc_mask(c->vm->css, (uint8_t)(c->cr[6] >> 24));
	if (c->cr[0] != old0)
		s390x_timers_changed(c);
}

static enum vm_s390x_rc do_lctl(struct vm_s390x *c, struct op *op, uint64_t a, bool g)
{
	unsigned int r1 = op->insn[1] >> 4, r3 = op->insn[1] & 15, n = ((r3 - r1) & 15) + 1, i;
	unsigned int w = g ? 8 : 4;
	uint64_t old[16];
	uint8_t b[16 * 8];
	bool engine = false;

	if (a & (w - 1))
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_load(c, a, b, n * w));
	memcpy(old, c->cr, sizeof(old));
	for (i = 0; i < n; i++) {
		unsigned int r = (r1 + i) & 15;

		if (g)
			c->cr[r] = vccw_ld_be64(b + 8 * i);
		else
			c->cr[r] = (c->cr[r] & 0xffffffff00000000ull) | vccw_ld_be32(b + 4 * i);
	}
	crs_changed(c, old[0], old[6]);
	/*
	 * The engine needs the registers it consults itself (CR0 low-address protection,
	 * AFP and vector control; the DAT registers): those go to it in one native step.
	 * The external subclass masks (CR0 bits 48-63), CR6 and CR14 are ours alone.
	 */
	for (i = 0; i < 16; i++) {
		uint64_t ours = i == 0 ? 0xffffull : (i == 6 || i == 14) ? ~0ull : 0;

		engine |= ((c->cr[i] ^ old[i]) & ~ours) != 0;
	}
	if (!engine)
		return VM_S390X_DONE;
	c->exit = EXIT_STEP;
	return VM_S390X_PSW_LOADED;
}

static enum vm_s390x_rc do_stctl(struct vm_s390x *c, struct op *op, uint64_t a, bool g)
{
	unsigned int r1 = op->insn[1] >> 4, r3 = op->insn[1] & 15, n = ((r3 - r1) & 15) + 1, i;
	unsigned int w = g ? 8 : 4;
	uint8_t b[16 * 8];

	if (a & (w - 1))
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	for (i = 0; i < n; i++) {
		unsigned int r = (r1 + i) & 15;

		if (g)
			vccw_st_be64(b + 8 * i, c->cr[r]);
		else
			vccw_st_be32(b + 4 * i, (uint32_t)c->cr[r]);
	}
	CHECK(s390x_store(c, a, b, n * w));
	return VM_S390X_DONE;
}

/* ---- Timers and identification ---- */

static enum vm_s390x_rc do_timer(struct vm_s390x *c, struct op *op, uint8_t op2, uint64_t a)
{
	struct vm *vm = c->vm;
	enum vm_s390x_rc rc;
	uint64_t v = 0, tod;

	switch (op2) {
	case 0x04: /* SCK */
	case 0x06: /* SCKC */
	case 0x08: /* SPT */
		rc = ld64(c, op, a, &v);
		if (rc != VM_S390X_DONE)
			return rc;
		pthread_mutex_lock(&vm->lock);
		tod = s390x_host_tod();
		if (op2 == 0x04)
			c->tod_offset = (int64_t)(v - tod);
		else if (op2 == 0x06)
			c->ckc = v;
		else {
			c->cputm = v;
			c->cputm_at = tod;
		}
		pthread_mutex_unlock(&vm->lock);
		s390x_timers_changed(c);
		/* PoP SCK: cc 0, the clock is set. */
		return op2 == 0x04 ? cc(0) : VM_S390X_DONE;
	case 0x07: /* STCKC */
	case 0x09: /* STPT */
		pthread_mutex_lock(&vm->lock);
		v = op2 == 0x07 ? c->ckc : s390x_cputm_locked(c, s390x_host_tod());
		pthread_mutex_unlock(&vm->lock);
		return st64(c, op, a, v);
	}
	return pgm(op->pgm, S390X_PGM_OPERATION);
}

static enum vm_s390x_rc do_spx(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t b[4];
	uint64_t p;

	if (a & 3)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_load(c, a, b, 4));
	p = vccw_ld_be32(b) & 0x7fffe000u;
	/* PoP SPX: the new prefix area must be available storage. */
	if (p > c->ram_size - 8192)
		return pgm(op->pgm, S390X_PGM_ADDRESSING);
	c->prefix = p;
	/* The engine's own prefix register follows in one native step. */
	c->exit = EXIT_STEP;
	return VM_S390X_PSW_LOADED;
}

static enum vm_s390x_rc do_stpx(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t b[4];

	if (a & 3)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	vccw_st_be32(b, (uint32_t)c->prefix);
	CHECK(s390x_store(c, a, b, 4));
	return VM_S390X_DONE;
}

static enum vm_s390x_rc do_stap(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint8_t b[2] = { 0, 0 }; /* CPU address 0: the only CPU */

	if (a & 1)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	CHECK(s390x_store(c, a, b, 2));
	return VM_S390X_DONE;
}

static enum vm_s390x_rc do_stfl(struct vm_s390x *c, struct op *op)
{
	uint8_t b[4];

	/* STFL stores at real 200 (0xc8) of the lowcore; not subject to protection. */
	vccw_st_be32(b, S390X_STFL);
	if (vccw_mem_write(c->mem, c->prefix + LC_STFL, b, 4) != VCCW_MEM_OK)
		return pgm(op->pgm, S390X_PGM_ADDRESSING);
	return VM_S390X_DONE;
}

/* EBCDIC of the characters STSI stores (digits, upper-case letters, blank). */
static void ebcdic(uint8_t *dst, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = *s ? *s++ : ' ';

		if (ch >= '0' && ch <= '9')
			dst[i] = (uint8_t)(0xf0 + ch - '0');
		else if (ch >= 'A' && ch <= 'I')
			dst[i] = (uint8_t)(0xc1 + ch - 'A');
		else if (ch >= 'J' && ch <= 'R')
			dst[i] = (uint8_t)(0xd1 + ch - 'J');
		else if (ch >= 'S' && ch <= 'Z')
			dst[i] = (uint8_t)(0xe2 + ch - 'S');
		else
			dst[i] = 0x40;
	}
}

static enum vm_s390x_rc do_stsi(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint64_t r0 = s390x_gpr(c, 0), r1 = s390x_gpr(c, 1);
	unsigned int fc = (unsigned int)((r0 & STSI_R0_FC_MASK) >> 28);
	unsigned int sel1 = r0 & 0xff, sel2 = r1 & 0xffff;
	static uint8_t blk[4096];

	/* PoP STSI: an invalid function code is cc 3, nothing else checked. */
	if (fc > 3)
		return cc(3);
	/* Reserved bits of GPR0/GPR1 set: specification exception (as QEMU 7.2). */
	if ((r0 & STSI_R0_RESERVED) || (r1 & STSI_R1_RESERVED))
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	if (fc == 0) {
		s390x_set_gpr(c, 0, (r0 & ~0xffffffffull) | STSI_LEVEL_3);
		return cc(0);
	}
	if (a & 4095)
		return pgm(op->pgm, S390X_PGM_SPECIFICATION);
	memset(blk, 0, sizeof(blk));
	if (fc == 1 && sel1 == 1 && sel2 == 1) {
		ebcdic(blk + 32, "QEMU", 16);  /* manufacturer, as QEMU reports */
		ebcdic(blk + 48, "2964", 4);   /* type */
		ebcdic(blk + 64, "VCCW", 16);  /* model capacity identifier */
		ebcdic(blk + 80, "0", 16);     /* sequence code */
		ebcdic(blk + 96, "VCCW", 4);   /* plant */
		ebcdic(blk + 100, "VCCW", 16); /* model */
	} else if (fc == 1 && sel1 == 2 && sel2 == 1) {
		ebcdic(blk + 80, "0", 16);
		ebcdic(blk + 96, "VCCW", 4);
		/* CPU address at 102: 0. */
	} else if (fc == 2 && sel1 == 2 && sel2 == 2) {
		vccw_st_be16(blk + 32, 0); /* LPAR number */
		blk[35] = 1;               /* LCPUC: one logical CPU */
		vccw_st_be16(blk + 36, 1); /* total CPUs */
		vccw_st_be16(blk + 38, 1); /* configured */
		ebcdic(blk + 44, "VCCW", 8);
	} else if (fc == 3 && sel1 == 2 && sel2 == 2) {
		blk[31] = 1; /* one description block */
		ebcdic(blk + 36, "VCCW", 8);
		vccw_st_be16(blk + 48, 1);
		vccw_st_be16(blk + 50, 1);
		ebcdic(blk + 56, "VCCWVM", 16); /* control-program identifier */
	} else {
		return cc(3);
	}
	CHECK(s390x_store(c, a, blk, sizeof(blk)));
	return cc(0);
}

/* ---- SIGP: one CPU, address 0; every other address is not operational ---- */

static enum vm_s390x_rc sigp_status(struct vm_s390x *c, unsigned int r1, uint32_t status)
{
	s390x_set_gpr(c, r1, (s390x_gpr(c, r1) & ~0xffffffffull) | status);
	return cc(1);
}

static enum vm_s390x_rc do_sigp(struct vm_s390x *c, struct op *op, uint64_t a)
{
	unsigned int r1 = op->insn[1] >> 4, r3 = op->insn[1] & 15, order = a & 0xff;
	uint16_t addr = (uint16_t)s390x_gpr(c, r3);
	uint64_t param = s390x_gpr(c, r1 | 1);

	(void)param;
	/* QEMU: SET ARCHITECTURE is for all CPUs; z/Architecture is the only mode. */
	if (order == SIGP_SET_ARCH)
		return sigp_status(c, r1, SIGP_STAT_INVALID_PARAMETER);
	if (addr != 0)
		return cc(3);
	switch (order) {
	case SIGP_SENSE:
		if (c->ext_call_pending)
			return sigp_status(c, r1, SIGP_STAT_EXT_CALL_PENDING);
		return cc(0);
	case SIGP_EXT_CALL:
		if (c->ext_call_pending)
			return sigp_status(c, r1, SIGP_STAT_EXT_CALL_PENDING);
		c->ext_call_pending = true;
		return cc(0);
	case SIGP_EMERGENCY:
	case SIGP_COND_EMERGENCY:
		c->emergency_pending = true;
		return cc(0);
	case SIGP_START:
	case SIGP_SENSE_RUNNING:
		return cc(0); /* the CPU is operating and running */
	case SIGP_STOP:
	case SIGP_STOP_STORE:
		/* The only CPU stops: the machine ends, as QEMU shuts down with no CPU running. */
		c->stop_status = 0;
		return VM_S390X_STOP;
	case SIGP_RESTART:
		/* Restart interruption: old PSW after the SIGP (cc 0) at 0x120, new from 0x1a0. */
		c->psw_mask &= ~S390X_PSW_CC;
		vccw_mem_st_be64(c->mem, c->prefix + LC_RESTART_OLD, c->psw_mask);
		vccw_mem_st_be64(c->mem, c->prefix + LC_RESTART_OLD + 8, c->psw_addr + op->len);
		vccw_mem_ld_be64(c->mem, c->prefix + LC_RESTART_NEW, &c->psw_mask);
		vccw_mem_ld_be64(c->mem, c->prefix + LC_RESTART_NEW + 8, &c->psw_addr);
		return VM_S390X_PSW_LOADED;
	case SIGP_SET_PREFIX:
	case SIGP_STORE_STATUS:
		/* These need the target CPU stopped; this one is operating. */
		return sigp_status(c, r1, SIGP_STAT_INCORRECT_STATE);
	default:
		return sigp_status(c, r1, SIGP_STAT_INVALID_ORDER);
	}
}

/* ---- DIAGNOSE ---- */

static enum vm_s390x_rc diag_yield(struct vm_s390x *c, void *opaque, unsigned int r1,
				   unsigned int r3, uint64_t addr, uint16_t *pgm_code)
{
	(void)c, (void)opaque, (void)r1, (void)r3, (void)addr, (void)pgm_code;
	return VM_S390X_DONE;
}

/* DIAGNOSE 0x500: virtio-ccw notification, GPR1 subcode, GPR2-4; result in GPR2. */
static enum vm_s390x_rc diag_500(struct vm_s390x *c, void *opaque, unsigned int r1,
				 unsigned int r3, uint64_t addr, uint16_t *pgm_code)
{
	enum vccw_insn_rc rc;
	int64_t ret = 0;

	(void)opaque, (void)r1, (void)r3, (void)addr;
	rc = vccw_virtio_ccw_diag500(c->vm->css, s390x_gpr(c, 1), s390x_gpr(c, 2),
				     s390x_gpr(c, 3), s390x_gpr(c, 4), &ret);
	if (vccw_insn_is_pgm(rc))
		return pgm(pgm_code, vccw_insn_pic(rc));
	s390x_set_gpr(c, 2, (uint64_t)ret);
	return VM_S390X_DONE;
}

static enum vm_s390x_rc diag_308(struct vm_s390x *c, void *opaque, unsigned int r1,
				 unsigned int r3, uint64_t addr, uint16_t *pgm_code)
{
	(void)opaque;
	/* The IPL code (DIAGNOSE 0x308) plugs in with vm_s390x_set_diag(). */
	if (!c->diag308)
		return VM_S390X_NOT_HANDLED;
	return c->diag308(c, c->diag308_opaque, r1, r3, addr, pgm_code);
}

static const struct {
	uint16_t code;
	vm_s390x_diag_fn *fn;
} diag_table[] = {
	{ 0x044, diag_yield }, /* voluntary time-slice end */
	{ 0x09c, diag_yield }, /* directed yield */
	{ VM_S390X_DIAG_IPL, diag_308 },
	{ 0x500, diag_500 },
};

static enum vm_s390x_rc do_diag(struct vm_s390x *c, struct op *op, uint64_t a)
{
	uint16_t code = (uint16_t)a;
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(diag_table); i++)
		if (diag_table[i].code == code)
			return diag_table[i].fn(c, NULL, op->insn[1] >> 4, op->insn[1] & 15, a,
						op->pgm);
	/* QEMU: an unknown DIAGNOSE code is a specification exception. */
	return pgm(op->pgm, S390X_PGM_SPECIFICATION);
}

/* ---- Channel-subsystem instructions ---- */

static enum vm_s390x_rc io_result(struct op *op, enum vccw_insn_rc rc)
{
	if (vccw_insn_is_pgm(rc))
		return pgm(op->pgm, vccw_insn_pic(rc));
	if (rc == VCCW_CC_UNCHANGED)
		return VM_S390X_DONE;
	return cc((unsigned int)rc);
}

static void cpu_desc(const struct vm_s390x *c, struct vccw_cpu *out)
{
	memset(out, 0, sizeof(*out));
	out->problem_state = false; /* checked before we get here */
	out->low_addr_prot = !!(c->cr[0] & CR0_LOW_ADDR_PROT);
	out->prefix = c->prefix;
	out->isc_mask = (uint8_t)(c->cr[6] >> 24);
}

static enum vm_s390x_rc do_io(struct vm_s390x *c, struct op *op, uint16_t opcode)
{
	struct vccw_cpu desc;
	uint64_t gpr1 = s390x_gpr(c, 1), addr = 0;

	cpu_desc(c, &desc);
	if (opcode == 0xb25f)
		addr = s390x_gpr(c, op->insn[3] >> 4); /* CHSC: GPR(R1) */
	else if (opcode == 0xb23c)
		addr = s390x_gpr(c, 2); /* SCHM: GPR2 */
	else
		addr = addr_s(c, op->insn);
	return io_result(op, vm_io_insn(c->vm->css, &desc, opcode, gpr1, addr));
}

static enum vm_s390x_rc do_sic(struct vm_s390x *c, struct op *op)
{
	struct vccw_cpu desc;
	unsigned int r1 = op->insn[1] >> 4, r3 = op->insn[1] & 15;

	cpu_desc(c, &desc);
	return io_result(op, vccw_css_sic(c->vm->css, &desc, s390x_gpr(c, r1) & 0xffff,
					  (uint8_t)((s390x_gpr(c, r3) >> 27) & 7)));
}

/* ---- Dispatch ---- */

/* Is the opcode one of ours (privileged, emulated here)? */
static bool emulated(const uint8_t *insn)
{
	switch (insn[0]) {
	case 0x80: case 0x82: case 0x83: case 0xac: case 0xad: case 0xae: case 0xb6: case 0xb7:
		return true;
	case 0xb2:
		switch (insn[1]) {
		case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case 0x10:
		case 0x11: case 0x12: case 0x20: case 0x5f: case 0x76: case 0x7d: case 0xb1:
		case 0xb2:
			return true;
		default:
			return insn[1] >= 0x30 && insn[1] <= 0x3c;
		}
	case 0xeb:
		return insn[5] == 0x2f || insn[5] == 0x25 || insn[5] == 0xd1;
	}
	return false;
}

enum vm_s390x_rc s390x_emulate(struct vm_s390x *c, const uint8_t *insn, unsigned int len,
			       uint16_t engine_code, uint16_t *pgm_code)
{
	struct op op = { insn, len, pgm_code };

	if (!emulated(insn)) {
		/* A privileged instruction the engine implements: run it natively, once. */
		if (engine_code == S390X_PGM_PRIVILEGED && !(c->psw_mask & S390X_PSW_PROBLEM)) {
			c->exit = EXIT_STEP;
			return VM_S390X_PSW_LOADED;
		}
		return pgm(pgm_code, engine_code);
	}
	/* PoP: every instruction here is privileged (SIC too). */
	if (c->psw_mask & S390X_PSW_PROBLEM)
		return pgm(pgm_code, S390X_PGM_PRIVILEGED);
	switch (insn[0]) {
	case 0x80:
		return do_ssm(c, &op, addr_s(c, insn));
	case 0x82:
		return do_lpsw(c, &op, addr_s(c, insn));
	case 0x83:
		return do_diag(c, &op, addr_s(c, insn));
	case 0xac:
	case 0xad:
		return do_stxsm(c, &op, addr_s(c, insn), insn[0] == 0xad);
	case 0xae:
		return do_sigp(c, &op, addr_s(c, insn));
	case 0xb6:
		return do_stctl(c, &op, addr_s(c, insn), false);
	case 0xb7:
		return do_lctl(c, &op, addr_s(c, insn), false);
	case 0xeb:
		if (insn[5] == 0x2f)
			return do_lctl(c, &op, addr_rsy(c, insn), true);
		if (insn[5] == 0x25)
			return do_stctl(c, &op, addr_rsy(c, insn), true);
		return do_sic(c, &op);
	}
	/* 0xb2xx */
	switch (insn[1]) {
	case 0x02: /* STIDP */
		return st64(c, &op, addr_s(c, insn), S390X_CPUID);
	case 0x04: case 0x06: case 0x07: case 0x08: case 0x09:
		return do_timer(c, &op, insn[1], addr_s(c, insn));
	case 0x10:
		return do_spx(c, &op, addr_s(c, insn));
	case 0x11:
		return do_stpx(c, &op, addr_s(c, insn));
	case 0x12:
		return do_stap(c, &op, addr_s(c, insn));
	case 0x20: /* SERVC: RRE, GPR(R1) command, GPR(R2) SCCB */
		return s390x_servc(c, s390x_gpr(c, insn[3] >> 4), s390x_gpr(c, insn[3] & 15),
				   pgm_code);
	case 0x7d:
		return do_stsi(c, &op, addr_s(c, insn));
	case 0xb1:
		return do_stfl(c, &op);
	case 0xb2:
		return do_lpswe(c, &op, addr_s(c, insn));
	default:
		return do_io(c, &op, (uint16_t)(insn[0] << 8 | insn[1]));
	}
}

#endif /* VM_HAVE_UNICORN */
