// SPDX-License-Identifier: MIT
/*
 * The instructions our Unicorn leaves to its embedder (program code 0xffff at the
 * instruction, in supervisor state; in problem state the engine has already raised the
 * privileged-operation exception): decode the format (S, RRE, RS), compute the operand
 * address in the current addressing mode, apply the architected checks in the order of
 * the PoP (alignment: specification; storage through DAT: translation, addressing,
 * protection), and carry the instruction out. The channel-subsystem instructions go to
 * libvccw through vm_io_insn(), the layer the native vCPU uses too; DIAGNOSE goes
 * through a small table (0x44, 0x9c, 0x500, and the 0x308 slot the IPL code fills);
 * SERVC to cpu-s390x-sclp.c; SCKC and SPT set the timers of cpu-s390x.c. Everything
 * else privileged (PSW, control registers, prefix, storage keys, DAT) the engine runs.
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
	CHECK(s390x_vload(c, a, b, 8));
	*v = vccw_ld_be64(b);
	return VM_S390X_DONE;
}

/* ---- Timers and identification ---- */

static enum vm_s390x_rc do_timer(struct vm_s390x *c, struct op *op, uint8_t op2, uint64_t a)
{
	struct vm *vm = c->vm;
	enum vm_s390x_rc rc;
	uint64_t v = 0;

	rc = ld64(c, op, a, &v);
	if (rc != VM_S390X_DONE)
		return rc;
	pthread_mutex_lock(&vm->lock);
	if (op2 == 0x06) { /* SCKC */
		c->ckc = v;
		uc_reg_write(c->uc, UC_S390X_REG_CKC, &v);
	} else { /* SPT */
		c->cputm = v;
		c->cputm_at = s390x_host_tod();
		uc_reg_write(c->uc, UC_S390X_REG_CPUTM, &v);
	}
	pthread_mutex_unlock(&vm->lock);
	s390x_timers_changed(c);
	return VM_S390X_DONE;
}

/* EBCDIC of the characters STSI stores (digits, letters, '/', blank). */
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
		else if (ch >= 'a' && ch <= 'i')
			dst[i] = (uint8_t)(0x81 + ch - 'a');
		else if (ch >= 'j' && ch <= 'r')
			dst[i] = (uint8_t)(0x91 + ch - 'j');
		else if (ch >= 's' && ch <= 'z')
			dst[i] = (uint8_t)(0xa2 + ch - 's');
		else if (ch == '/')
			dst[i] = 0x61;
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
	/*
	 * The blocks QEMU 7.2's TCG stores (target/s390x/tcg/misc_helper.c), one CPU,
	 * with VCCW in the names no guest decides on. The one field Linux decides on is
	 * 3.2.2's control-program identifier: Linux 6.1 (arch/s390/kernel/early.c,
	 * detect_machine_type()) takes a level-3 machine whose identifier starts with
	 * "KVM" for KVM, one starting with "z/VM" for z/VM, and any other for neither;
	 * for neither, setup.c's conmode_default() registers the SCLP line-mode console
	 * (ttyS0) beside the VT220 one (ttysclp0). On QEMU the guest sees "KVM/Linux" and
	 * has ttysclp0 alone; so must it here.
	 */
	if (fc == 1 && sel1 == 1 && sel2 == 1) {
		/* Basic machine configuration. */
		ebcdic(blk + 32, "QEMU", 16);  /* manufacturer, as QEMU reports */
		ebcdic(blk + 48, "2964", 4);   /* type: STIDP's machine type (the QEMU model) */
		ebcdic(blk + 64, "VCCW", 16);  /* model capacity identifier */
		ebcdic(blk + 80, "0", 16);     /* sequence code */
		ebcdic(blk + 96, "VCCW", 4);   /* plant */
		ebcdic(blk + 100, "VCCW", 16); /* model */
	} else if ((fc == 1 || fc == 2) && sel1 == 2 && sel2 == 1) {
		/* Basic-machine CPU (1.2.1), logical-partition CPU (2.2.1). */
		ebcdic(blk + 80, "0", 16);
		ebcdic(blk + 96, "VCCW", 4);
		/* CPU identifier (2.2.1) at 100, CPU address at 102: both 0. */
	} else if (fc == 1 && sel1 == 2 && sel2 == 2) {
		/* Basic-machine CPUs: QEMU's capability; 1 total, 1 configured. */
		vccw_st_be32(blk + 32, 0x443afc29);
		vccw_st_be16(blk + 36, 1);
		vccw_st_be16(blk + 38, 1);
	} else if (fc == 2 && sel1 == 2 && sel2 == 2) {
		/* Logical-partition CPUs. */
		vccw_st_be16(blk + 32, 0); /* LPAR number */
		blk[35] = 0x80;            /* LCPUC: dedicated CPUs */
		vccw_st_be16(blk + 36, 1); /* total CPUs */
		vccw_st_be16(blk + 38, 1); /* configured */
		ebcdic(blk + 44, "VCCW", 8);
		vccw_st_be32(blk + 52, 1000); /* capability-adjustment factor */
		vccw_st_be16(blk + 72, 1);    /* dedicated CPUs */
	} else if (fc == 3 && sel1 == 2 && sel2 == 2) {
		/* Virtual-machine CPUs: one description block at 32. */
		blk[31] = 1;
		vccw_st_be16(blk + 36, 1);    /* total CPUs */
		vccw_st_be16(blk + 38, 1);    /* configured */
		ebcdic(blk + 44, "VCCW", 8);  /* name */
		vccw_st_be32(blk + 52, 1000); /* capability-adjustment factor */
		ebcdic(blk + 56, "KVM/Linux", 16); /* control-program identifier: see above */
		blk[75] = 2;                  /* extended name, UTF-8, at 2048 */
		memcpy(blk + 2048, "VCCW", 4);
	} else {
		return cc(3);
	}
	CHECK(s390x_vstore(c, a, blk, sizeof(blk)));
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
	case SIGP_STOP_STORE:
		/* Its status at absolute 0x1200 of its own lowcore, then as STOP. */
		s390x_store_status(c, c->prefix + 0x1200);
		/* fall through */
	case SIGP_STOP:
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

static void cpu_desc(struct vm_s390x *c, struct vccw_cpu *out)
{
	memset(out, 0, sizeof(*out));
	out->problem_state = false; /* the engine checked it */
	out->low_addr_prot = !!(s390x_cr(c, 0) & CR0_LOW_ADDR_PROT);
	out->prefix = c->prefix;
	out->isc_mask = (uint8_t)(s390x_cr(c, 6) >> 24);
}

static enum vm_s390x_rc do_io(struct vm_s390x *c, struct op *op, uint16_t opcode)
{
	struct vccw_cpu desc;
	uint64_t gpr1 = s390x_gpr(c, 1), addr = 0, real;
	bool store = opcode != 0xb233 && opcode != 0xb232; /* SSCH, MSCH only read */

	cpu_desc(c, &desc);
	if (opcode == 0xb25f)
		addr = s390x_gpr(c, op->insn[3] >> 4); /* CHSC: GPR(R1) */
	else if (opcode == 0xb23c)
		addr = s390x_gpr(c, 2); /* SCHM: GPR2, not an address */
	else
		addr = addr_s(c, op->insn);
	/*
	 * The operand (ORB, SCHIB, IRB, CRW, CHSC block) is a logical address: libvccw
	 * takes a real one. It is translated at its start; an operand that crosses into a
	 * page mapped elsewhere is not supported (Linux's are within a page).
	 */
	if (opcode != 0xb23c && opcode != 0xb230 && opcode != 0xb231 && opcode != 0xb238 &&
	    opcode != 0xb276 && opcode != 0xb237 && opcode != 0xb23b &&
	    !(opcode == 0xb236 && addr == 0)) {
		uint16_t rc = s390x_translate(c, addr, store, &real);

		if (rc)
			return pgm(op->pgm, rc);
		addr = real;
	}
	return io_result(op, vm_io_insn(c->vm->css, &desc, opcode, gpr1, addr));
}

/* ---- Dispatch ---- */

enum vm_s390x_rc s390x_emulate(struct vm_s390x *c, const uint8_t *insn, unsigned int len,
			       uint16_t *pgm_code)
{
	struct op op = { insn, len, pgm_code };

	switch (insn[0]) {
	case 0x83:
		return do_diag(c, &op, addr_s(c, insn));
	case 0xae:
		return do_sigp(c, &op, addr_s(c, insn));
	case 0xb2:
		break;
	default:
		return pgm(pgm_code, S390X_PGM_OPERATION);
	}
	switch (insn[1]) {
	case 0x06: /* SCKC */
	case 0x08: /* SPT */
		return do_timer(c, &op, insn[1], addr_s(c, insn));
	case 0x20: /* SERVC: RRE, GPR(R1) command, GPR(R2) SCCB (a real address) */
		return s390x_servc(c, s390x_gpr(c, insn[3] >> 4), s390x_gpr(c, insn[3] & 15),
				   pgm_code);
	case 0x7d:
		return do_stsi(c, &op, addr_s(c, insn));
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36:
	case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x5f:
	case 0x76:
		return do_io(c, &op, (uint16_t)(insn[0] << 8 | insn[1]));
	default:
		/* Nothing else traps: the library and this file disagree. */
		return pgm(pgm_code, S390X_PGM_OPERATION);
	}
}

#endif /* VM_HAVE_UNICORN */
