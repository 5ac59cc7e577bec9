// SPDX-License-Identifier: MIT
/*
 * The channel-program engine: fetches and checks CCWs (formats 0 and 1), follows TICs,
 * command and data chaining, moves data through direct addresses and IDAW lists
 * (format 1, format 2 with 2K or 4K blocks), applies SKIP, SLI and the incorrect-length
 * rules, raises PCI and suspends at S flags, and dispatches each command to the control
 * unit's table. PoP chapter 15 "Channel-Command Word", "Chaining", "Indirect Data
 * Addressing", "Suspension"; shared/reference/channel-io.md section 5 and 10.
 *
 * Every failure the guest can cause ends the program with a channel-program check (or a
 * unit check where the device decides); nothing here dereferences guest memory except
 * through lib/mem, and every walk is bounded by the slice budget or the data length.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "trace-int.h"

/* Trace arguments for the bus ID of @cu's device (evaluated only when tracing). */
#define CU_ID(cu) VCCW_TRACE_BUSID(vccw_sch_busid((cu)->sch))

/* A decoded CCW (format-independent). */
struct ccw {
	uint8_t cmd;
	uint8_t flags;
	uint16_t count;
	uint32_t cda;
};

/* Where a data-chained command stands in one CCW of its chain. */
struct seg {
	uint32_t addr; /* address of the CCW */
	struct ccw ccw;
	uint32_t start; /* bytes of the command transferred before this CCW */
	uint32_t done;  /* bytes transferred through this CCW */
	/* Indirect data addressing. */
	uint64_t idaw_addr;  /* address of the IDAW in use */
	uint64_t data;       /* next data address */
	uint32_t block_left; /* bytes left in the current IDAW block */
	bool idaw_started;
};

/* Program state of a start function; valid while the css says exec_busy. */
struct prog {
	bool fmt1;
	bool idaw_fmt2;
	uint32_t block_size; /* IDAW data block */
	bool suspend_ok;     /* ORB S */
	bool ill_suppress;   /* ORB L */
	uint32_t next;       /* next CCW to fetch */
	bool prev_tic;       /* the last CCW fetched was a TIC */
	unsigned int idle_tics; /* backward TICs since the program last moved data */
	bool suspended;
	uint32_t last_cpa;   /* last CCW used + 8, reported if the program is halted */
	uint16_t last_count; /* its residual count */
	bool waiting;        /* the device executes the current command (IN_PROGRESS) */
	unsigned int fetched; /* CCWs fetched (TICs and data-chained ones too): the budget */
};

/* Where the data of the current command stands in its chain of CCWs. */
struct stream {
	struct vccw_cu *cu;
	unsigned int nr; /* segments used; segs[nr - 1] is the current CCW */
	bool pci;        /* a data-chained CCW with PCI took control */
	bool read;       /* data flows to storage */
	uint32_t fail_addr; /* the CCW a program check is reported for */
};

/* The command being executed: kept in the control unit while the device works on it. */
struct cmd_ctx {
	const struct vccw_cu_cmd *cmd;
	struct ccw ccw; /* its first CCW */
	uint32_t addr;  /* and that CCW's address */
	struct stream ds;
	struct vccw_cu_req req;
	bool immediate;
	bool wanted_more; /* the device wanted more data than the chain offered */
};

struct vccw_cu {
	struct vccw_sch *sch;
	struct vccw_mem *mem;
	const struct vccw_cu_ops *ops;
	void *opaque;
	struct vccw_sense_id id;
	uint32_t ciws[62];
	uint8_t sense[VCCW_SENSE_LEN]; /* protected by the subchannel lock */
	struct prog p;
	/* Scratch space for one command: data buffer and the segments of a data chain. */
	uint8_t *buf;
	uint32_t buf_len;
	struct seg *segs;    /* grown on demand: most commands use one CCW */
	uint32_t nr_segs;    /* allocated */
	uint32_t nr_segs_max;
	struct cmd_ctx cur;  /* protected by the subchannel lock */
	uint64_t last_tag;   /* tags handed out so far (subchannel lock) */

	/*
	 * Completion of a command the device executes itself (VCCW_CU_IN_PROGRESS).
	 * @live_tag is the tag of the command the engine would accept a result for (0:
	 * none); the engine stores it before the handler runs, cancel clears it. A result
	 * is taken under @async_lock, a leaf lock (the css's work lock nests inside).
	 */
	pthread_mutex_t async_lock;
	uint64_t live_tag;     /* atomic; written under the subchannel lock */
	uint32_t async_max;    /* room in buf for the result of a read */
	bool async_done;       /* a result is waiting for the engine */
	enum vccw_cu_rc async_rc;
	uint32_t async_len;
	uint8_t async_sense[VCCW_SENSE_LEN];
};

enum xfer_rc {
	XFER_OK,
	XFER_PROG_CHECK, /* channel-program check */
	XFER_WAIT,       /* the device executes the command on its own thread */
};

/* ---- CCW fetch ---- */

static bool is_tic(uint8_t cmd)
{
	/* Format 0: any code with low nibble 8; format 1: only 0x08 (checked by the caller). */
	return (cmd & 0x0f) == VCCW_CCW_CMD_TIC;
}

static enum xfer_rc fetch_ccw(struct vccw_cu *cu, uint32_t addr, struct ccw *ccw)
{
	uint8_t b[8];

	/* CCWs are doubleword aligned and within 16 MiB (format 0) or 2 GiB (format 1). */
	if (addr & 7)
		return XFER_PROG_CHECK;
	if (!cu->p.fmt1 && addr > 0xfffff8u)
		return XFER_PROG_CHECK;
	if (addr & 0x80000000u)
		return XFER_PROG_CHECK;
	cu->p.fetched++;
	if (vccw_mem_read(cu->mem, addr, b, sizeof(b)) != VCCW_MEM_OK)
		return XFER_PROG_CHECK;
	if (cu->p.fmt1) {
		ccw->cmd = b[0];
		ccw->flags = b[1];
		ccw->count = vccw_ld_be16(b + 2);
		ccw->cda = vccw_ld_be32(b + 4);
	} else {
		/* Byte 5 of a format-0 CCW is ignored. */
		ccw->cmd = b[0];
		ccw->cda = ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
		ccw->flags = b[4];
		ccw->count = vccw_ld_be16(b + 6);
	}
	VCCW_TRACE(ccw_fetch, CU_ID(cu), addr, ccw->cmd, ccw->flags, ccw->count, ccw->cda);
	return XFER_OK;
}

/*
 * Follow a TIC at @addr (already fetched into @ccw). Returns the target, or a program
 * check for a malformed TIC or a TIC to a TIC (detected when the target is fetched).
 */
static enum xfer_rc check_tic(struct vccw_cu *cu, const struct ccw *ccw)
{
	if (cu->p.fmt1 && (ccw->cmd != VCCW_CCW_CMD_TIC || ccw->flags || ccw->count))
		return XFER_PROG_CHECK;
	if (cu->p.prev_tic)
		return XFER_PROG_CHECK;
	return XFER_OK;
}

/* ---- Data transfer through one command's chain of CCWs ---- */

static void seg_init(struct seg *s, uint32_t addr, const struct ccw *ccw, uint32_t start)
{
	memset(s, 0, sizeof(*s));
	s->addr = addr;
	s->ccw = *ccw;
	s->start = start;
}

/* Fetch the next CCW of a data chain. */
/*
 * Room for @need segments. A data chain moves at least one byte per CCW, so
 * nr_segs_max bounds any chain; the table grows by doubling up to it.
 */
static bool grow_segs(struct vccw_cu *cu, uint32_t need)
{
	struct seg *s;
	uint32_t n;

	if (need <= cu->nr_segs)
		return true;
	if (need > cu->nr_segs_max)
		return false;
	n = cu->nr_segs * 2 > need ? cu->nr_segs * 2 : need;
	if (n > cu->nr_segs_max)
		n = cu->nr_segs_max;
	s = realloc(cu->segs, n * sizeof(*s));
	if (!s)
		return false;
	cu->segs = s;
	cu->nr_segs = n;
	return true;
}

static enum xfer_rc chain_data(struct stream *ds)
{
	struct vccw_cu *cu = ds->cu;
	struct seg *cur;
	uint32_t addr;
	struct ccw ccw;
	bool tic = false;

	/* A host allocation failure ends the program like an overlong chain would. */
	if (!grow_segs(cu, ds->nr + 1))
		return XFER_PROG_CHECK;
	cur = &cu->segs[ds->nr - 1];
	addr = cur->addr + 8;
	for (;;) {
		ds->fail_addr = addr;
		if (fetch_ccw(cu, addr, &ccw) != XFER_OK)
			return XFER_PROG_CHECK;
		if (!is_tic(ccw.cmd))
			break;
		/* A TIC inside a data chain keeps the chain; TIC to TIC is a program check. */
		if (tic || check_tic(cu, &ccw) != XFER_OK)
			return XFER_PROG_CHECK;
		tic = true;
		addr = cu->p.fmt1 ? ccw.cda : (ccw.cda & 0xffffff);
	}
	/*
	 * PoP: a data-chained CCW may not have count 0 (format 1; format 0 never), nor the
	 * S flag; its command code is ignored.
	 */
	if (ccw.count == 0 || (ccw.flags & (VCCW_CCW_FLAG_S | VCCW_CCW_FLAG_MIDA)))
		return XFER_PROG_CHECK;
	if (ccw.flags & VCCW_CCW_FLAG_PCI)
		ds->pci = true;
	seg_init(&cu->segs[ds->nr], addr, &ccw, cur->start + cur->done);
	ds->nr++;
	return XFER_OK;
}

/* The guest address range of the next piece of data in @s, at most @want bytes. */
static enum xfer_rc next_piece(struct vccw_cu *cu, struct seg *s, uint32_t want, uint64_t *addr,
			       uint32_t *len)
{
	const struct prog *p = &cu->p;
	uint32_t left = s->ccw.count - s->done;

	if (want > left)
		want = left;
	if (!(s->ccw.flags & VCCW_CCW_FLAG_IDA)) {
		uint64_t a = (uint64_t)s->ccw.cda + s->done;

		/* Direct addressing: 24-bit (format 0) or 31-bit (format 1) data addresses. */
		if (p->fmt1 && (s->ccw.cda & 0x80000000u))
			return XFER_PROG_CHECK;
		if (a + want > (p->fmt1 ? 0x80000000u : 0x1000000u))
			return XFER_PROG_CHECK;
		*addr = a;
		*len = want;
		return XFER_OK;
	}
	if (s->block_left == 0) {
		uint32_t isz = p->idaw_fmt2 ? 8 : 4;
		uint64_t ia, idaw;

		if (!s->idaw_started) {
			ia = s->ccw.cda;
			/* The IDAW list address obeys the CCW format's address range. */
			if (p->fmt1 ? (ia & 0x80000000u) : (ia > 0xffffff))
				return XFER_PROG_CHECK;
		} else {
			ia = s->idaw_addr + isz;
		}
		if (ia & (isz - 1))
			return XFER_PROG_CHECK;
		if (p->idaw_fmt2) {
			if (vccw_mem_ld_be64(cu->mem, ia, &idaw) != VCCW_MEM_OK)
				return XFER_PROG_CHECK;
		} else {
			uint32_t w;

			if (vccw_mem_ld_be32(cu->mem, ia, &w) != VCCW_MEM_OK)
				return XFER_PROG_CHECK;
			/* Format-1 IDAWs hold 31-bit addresses. */
			if (w & 0x80000000u)
				return XFER_PROG_CHECK;
			idaw = w;
		}
		/* Every IDAW after the first must designate the start of a block. */
		if (s->idaw_started && (idaw & (p->block_size - 1)))
			return XFER_PROG_CHECK;
		s->idaw_addr = ia;
		s->idaw_started = true;
		s->data = idaw;
		s->block_left = p->block_size - (uint32_t)(idaw & (p->block_size - 1));
	}
	if (want > s->block_left)
		want = s->block_left;
	*addr = s->data;
	*len = want;
	return XFER_OK;
}

static void advance(struct seg *s, uint32_t n)
{
	s->done += n;
	if (s->ccw.flags & VCCW_CCW_FLAG_IDA) {
		s->data += n;
		s->block_left -= n;
	}
}

/*
 * Move up to @len bytes between @buf and the chain (to storage when ds->read). Stops at
 * the end of the chain (a CCW without CD whose count is used up). *@moved receives the
 * bytes moved.
 */
static enum xfer_rc stream_xfer(struct stream *ds, uint8_t *buf, uint32_t len, uint32_t *moved)
{
	struct vccw_cu *cu = ds->cu;

	*moved = 0;
	while (*moved < len) {
		struct seg *s = &cu->segs[ds->nr - 1];
		uint64_t addr;
		uint32_t n;

		ds->fail_addr = s->addr;
		if (s->done == s->ccw.count) {
			if (!(s->ccw.flags & VCCW_CCW_FLAG_CD))
				break;
			if (chain_data(ds) != XFER_OK)
				return XFER_PROG_CHECK;
			continue;
		}
		if (next_piece(cu, s, len - *moved, &addr, &n) != XFER_OK)
			return XFER_PROG_CHECK;
		if (ds->read) {
			/* SKIP suppresses the store, but the count still advances. */
			if (!(s->ccw.flags & VCCW_CCW_FLAG_SKIP)) {
				if (vccw_mem_write(cu->mem, addr, buf + *moved, n) != VCCW_MEM_OK)
					return XFER_PROG_CHECK;
			} else if (!vccw_mem_valid(cu->mem, addr, n)) {
				return XFER_PROG_CHECK;
			}
		} else {
			if (vccw_mem_read(cu->mem, addr, buf + *moved, n) != VCCW_MEM_OK)
				return XFER_PROG_CHECK;
		}
		advance(s, n);
		*moved += n;
	}
	return XFER_OK;
}

/* ---- Commands ---- */

static enum vccw_cu_rc cmd_sense_id(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	uint8_t *b = req->buf;
	unsigned int i;

	b[0] = 0xff;
	vccw_st_be16(b + 1, cu->id.cu_type);
	b[3] = cu->id.cu_model;
	vccw_st_be16(b + 4, cu->id.dev_type);
	b[6] = cu->id.dev_model;
	b[7] = 0;
	for (i = 0; i < cu->id.nr_ciws; i++)
		vccw_st_be32(b + 8 + 4 * i, cu->ciws[i]);
	req->done = 8 + 4u * cu->id.nr_ciws;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc cmd_basic_sense(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	/* The sense bytes are presented and then reset at the device. */
	memcpy(req->buf, cu->sense, VCCW_SENSE_LEN);
	memset(cu->sense, 0, VCCW_SENSE_LEN);
	req->done = VCCW_SENSE_LEN;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc cmd_nop(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	(void)req;
	return VCCW_CU_OK;
}

/* Commands every control unit answers, before its own table. */
static const struct vccw_cu_cmd common_cmds[] = {
	{ .code = VCCW_CCW_CMD_NOP, .name = "NOP", .fn = cmd_nop },
	{ .code = VCCW_CCW_CMD_BASIC_SENSE, .name = "BASIC SENSE", .max_len = VCCW_SENSE_LEN,
	  .fn = cmd_basic_sense },
	{ .code = VCCW_CCW_CMD_SENSE_ID, .name = "SENSE ID", .max_len = 256,
	  .fn = cmd_sense_id },
};

static const struct vccw_cu_cmd *find_cmd(const struct vccw_cu *cu, uint8_t code)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(common_cmds); i++)
		if (common_cmds[i].code == code)
			return &common_cmds[i];
	for (i = 0; i < cu->ops->nr_cmds; i++)
		if (cu->ops->cmds[i].code == code)
			return &cu->ops->cmds[i];
	return NULL;
}

static const char *cu_rc_name(enum vccw_cu_rc rc)
{
	switch (rc) {
	case VCCW_CU_OK:
		return "ok";
	case VCCW_CU_REJECT:
		return "reject";
	case VCCW_CU_UNIT_CHECK:
		return "unit-check";
	case VCCW_CU_UNIT_EXCEPTION:
		return "unit-exception";
	case VCCW_CU_IN_PROGRESS:
		return "in-progress";
	}
	return "?";
}

/* Outcome of one command, before chaining decisions. */
struct cmd_result {
	uint8_t dstat;
	uint8_t cstat;
	uint32_t last_addr; /* the CCW that was current when the command ended */
	uint8_t last_flags;
	uint16_t residual;
	bool pci;
	bool moved; /* the command transferred data (at least one byte) */
};

static void set_reject_sense(struct vccw_cu *cu)
{
	memset(cu->sense, 0, sizeof(cu->sense));
	cu->sense[0] = VCCW_SENSE_CMD_REJECT;
}

/* The device refused the command: unit check with sense byte 0 = command reject. */
static bool is_reject(enum vccw_cu_rc rc, const struct vccw_cu_req *req)
{
	return rc == VCCW_CU_REJECT ||
	       (rc == VCCW_CU_UNIT_CHECK && (req->sense[0] & VCCW_SENSE_CMD_REJECT));
}

/*
 * Incorrect length (PoP "Incorrect Length"): the device ended with count left in the
 * current CCW, or wanted more than the chain offered. SLI suppresses it, except on a
 * CCW that chains data.
 */
static bool incorrect_length(const struct seg *last, bool wanted_more)
{
	bool short_transfer = last->done != last->ccw.count;

	if (!short_transfer && !wanted_more)
		return false;
	if ((last->ccw.flags & VCCW_CCW_FLAG_SLI) && !(last->ccw.flags & VCCW_CCW_FLAG_CD))
		return false;
	return true;
}

/*
 * The handler of the current command: a result now, or VCCW_CU_IN_PROGRESS. The tag is
 * made live before the call, so a device that completes on its own thread before the
 * handler even returned is heard.
 */
static enum vccw_cu_rc call_handler(struct vccw_cu *cu, struct cmd_ctx *c)
{
	c->req.tag = ++cu->last_tag;
	cu->async_max = c->req.len;
	__atomic_store_n(&cu->live_tag, c->req.tag, __ATOMIC_RELEASE);
	return c->cmd->fn(cu, &c->req);
}

/*
 * Second half of a command, once the device's outcome @rc is known: move read data to
 * storage, judge the length, build the status. Returns a program check or fills @res.
 */
static enum xfer_rc execute_end(struct vccw_cu *cu, enum vccw_cu_rc rc, struct cmd_result *res)
{
	struct cmd_ctx *c = &cu->cur;
	struct stream *ds = &c->ds;
	struct vccw_cu_req *req = &c->req;
	const struct ccw *ccw = &c->ccw;
	struct seg *last;

	if (!c->immediate && ds->read) {
		uint32_t moved;

		if (req->done > req->len)
			req->done = req->len;
		if (stream_xfer(ds, cu->buf, req->done, &moved) != XFER_OK)
			goto prog_check;
		c->wanted_more = moved < req->done && !c->cmd->count_driven;
	} else if (!c->immediate) {
		uint32_t moved = req->len;

		if (req->done > moved) {
			/* The command's own data says it is longer than offered. */
			c->wanted_more = true;
		} else if (req->done < moved) {
			/* Give back what the device did not take: find where it stopped. */
			while (ds->nr > 1 && cu->segs[ds->nr - 1].start >= req->done)
				ds->nr--;
			cu->segs[ds->nr - 1].done = req->done - cu->segs[ds->nr - 1].start;
		}
	}
	last = &cu->segs[ds->nr - 1];
	res->moved = !c->immediate && last->start + last->done > 0;
	res->last_addr = last->addr;
	res->last_flags = last->ccw.flags;
	res->residual = (uint16_t)(last->ccw.count - last->done);
	res->pci = ds->pci;
	res->dstat = VCCW_DSTAT_CE | VCCW_DSTAT_DE;
	if (is_reject(rc, req) && last->start + last->done == 0 &&
	    ((ccw->flags & VCCW_CCW_FLAG_CD) || ccw->count >= c->cmd->min_len)) {
		/*
		 * A command the device rejected before any data moved, although its count
		 * was long enough, was not executed: an operation ended before data was
		 * transferred shows incorrect length only if it "has not been rejected
		 * during the initiation sequence" (S/370 PoP, control command programming
		 * note), so the unit check comes alone, with residual 0 as Hercules reports
		 * it (channel.c, command reject with no data transfer). A count below the
		 * command's length still shows incorrect length without SLI (virtio 1.2
		 * 4.3.1.3).
		 */
		res->residual = 0;
	} else if (c->immediate) {
		/*
		 * Format-1 immediate commands with a count signal IL unless SLI or ORB L
		 * (reference 5.7), command-chained or not, so IL ends the chain. The rule
		 * as Hercules' comment quotes ESA/390 PoP "Incorrect Length" has no
		 * exception for chaining; Hercules' code exempts a chained immediate
		 * command with the bare note "DSF Debug", which we do not copy.
		 */
		if (cu->p.fmt1 && ccw->count && !(ccw->flags & VCCW_CCW_FLAG_SLI) &&
		    !cu->p.ill_suppress)
			res->cstat |= VCCW_CSTAT_IL;
	} else if (incorrect_length(last, c->wanted_more)) {
		res->cstat |= VCCW_CSTAT_IL;
	}
	switch (rc) {
	case VCCW_CU_OK:
		break;
	case VCCW_CU_REJECT:
		set_reject_sense(cu);
		res->dstat |= VCCW_DSTAT_UC;
		break;
	case VCCW_CU_UNIT_CHECK:
		memcpy(cu->sense, req->sense, sizeof(cu->sense));
		res->dstat |= VCCW_DSTAT_UC;
		break;
	case VCCW_CU_UNIT_EXCEPTION:
		res->dstat |= VCCW_DSTAT_UE;
		break;
	case VCCW_CU_IN_PROGRESS:
		/* Not an outcome: vccw_cu_complete() refuses it, handlers return it earlier. */
		break;
	}
	VCCW_TRACE(ccw_cmd, CU_ID(cu), c->addr, ccw->cmd, c->cmd->name ? c->cmd->name : "?",
		   ccw->count, cu_rc_name(rc), res->dstat, res->cstat, res->residual);
	if (res->dstat & VCCW_DSTAT_UC)
		VCCW_TRACE(guest_ccw_unit_check, CU_ID(cu), c->addr, ccw->cmd,
			   c->cmd->name ? c->cmd->name : "?");
	return XFER_OK;

prog_check:
	res->last_addr = ds->fail_addr;
	return XFER_PROG_CHECK;
}

/*
 * Execute the command of the CCW at @addr. Returns a program check, XFER_WAIT when the
 * device went on with it on its own thread (execute_end() follows its completion), or
 * XFER_OK with @res filled.
 */
static enum xfer_rc execute(struct vccw_cu *cu, uint32_t addr, const struct ccw *ccw,
			    struct cmd_result *res)
{
	const struct vccw_cu_cmd *cmd = find_cmd(cu, ccw->cmd);
	struct cmd_ctx *c = &cu->cur;
	struct stream *ds = &c->ds;
	struct vccw_cu_req *req = &c->req;
	enum vccw_cu_rc rc;
	uint8_t kind = ccw->cmd & 3;

	memset(res, 0, sizeof(*res));
	seg_init(&cu->segs[0], addr, ccw, 0);
	c->ccw = *ccw;
	c->addr = addr;
	res->last_addr = addr;
	res->last_flags = ccw->flags;
	res->residual = ccw->count;
	/* Read backward (xxxx1100) is not offered by any control unit here. */
	if (!cmd || (ccw->cmd & 0x0f) == 0x0c) {
		/*
		 * Command reject: unit check with sense byte 0 = command reject; nothing was
		 * transferred, so neither a residual count nor incorrect length (see below).
		 */
		set_reject_sense(cu);
		res->residual = 0;
		res->dstat = VCCW_DSTAT_CE | VCCW_DSTAT_DE | VCCW_DSTAT_UC;
		VCCW_TRACE(ccw_cmd, CU_ID(cu), addr, ccw->cmd, "unknown", ccw->count, "reject",
			   res->dstat, res->cstat, res->residual);
		VCCW_TRACE(guest_ccw_unit_check, CU_ID(cu), addr, ccw->cmd,
			   "command reject: unknown command");
		return XFER_OK;
	}
	c->cmd = cmd;
	c->wanted_more = false;
	memset(ds, 0, sizeof(*ds));
	ds->cu = cu;
	ds->nr = 1;
	memset(req, 0, sizeof(*req));
	req->code = ccw->cmd;
	req->flags = ccw->flags;
	req->count = ccw->count;
	c->immediate = kind == 3 && cmd->max_len == 0;
	ds->read = kind == 2 || (ccw->cmd & 0x0f) == 0x04;

	if (c->immediate) {
		rc = call_handler(cu, c);
	} else if (ds->read) {
		uint32_t moved;

		req->buf = cu->buf;
		req->len = cmd->max_len;
		req->done = 0;
		memset(cu->buf, 0, cmd->max_len);
		if (cmd->prefetch) {
			/*
			 * The handler needs what the program put into the area (READ_VQ_CONF
			 * reads its queue index there): fetch it, then transfer from the start.
			 */
			ds->read = false;
			if (stream_xfer(ds, cu->buf, cmd->max_len, &moved) != XFER_OK)
				goto prog_check;
			req->prefetched = moved;
			ds->read = true;
			ds->nr = 1;
			ds->pci = false;
			seg_init(&cu->segs[0], addr, ccw, 0);
		}
		rc = call_handler(cu, c);
	} else {
		uint32_t moved;

		if (stream_xfer(ds, cu->buf, cmd->max_len, &moved) != XFER_OK)
			goto prog_check;
		req->buf = cu->buf;
		req->len = moved;
		req->done = moved;
		if (moved < cmd->min_len) {
			/* The device cannot execute the command without its data. */
			c->wanted_more = true;
			rc = VCCW_CU_REJECT;
		} else {
			rc = call_handler(cu, c);
		}
	}
	if (rc == VCCW_CU_IN_PROGRESS) {
		VCCW_TRACE(ccw_cmd, CU_ID(cu), addr, ccw->cmd, cmd->name ? cmd->name : "?",
			   ccw->count, cu_rc_name(rc), 0, 0, 0);
		return XFER_WAIT;
	}
	return execute_end(cu, rc, res);

prog_check:
	res->last_addr = ds->fail_addr;
	return XFER_PROG_CHECK;
}

/*
 * The device's result for the command the engine waits on, if it came: then the
 * command ends (execute_end()). Returns XFER_WAIT while the device is still at it.
 */
static enum xfer_rc collect(struct vccw_cu *cu, struct cmd_result *res)
{
	struct vccw_cu_req *req = &cu->cur.req;
	enum vccw_cu_rc rc;

	pthread_mutex_lock(&cu->async_lock);
	if (!cu->async_done) {
		pthread_mutex_unlock(&cu->async_lock);
		return XFER_WAIT;
	}
	cu->async_done = false;
	__atomic_store_n(&cu->live_tag, 0, __ATOMIC_RELEASE);
	rc = cu->async_rc;
	req->done = cu->async_len;
	memcpy(req->sense, cu->async_sense, sizeof(req->sense));
	pthread_mutex_unlock(&cu->async_lock);
	memset(res, 0, sizeof(*res));
	return execute_end(cu, rc, res);
}

bool vccw_cu_complete(struct vccw_cu *cu, uint64_t tag, enum vccw_cu_rc rc, const void *data,
		      uint32_t done, const uint8_t *sense)
{
	bool taken = false;

	pthread_mutex_lock(&cu->async_lock);
	/* Only the command the engine still waits for: not one halted, cleared or reset. */
	if (tag && rc != VCCW_CU_IN_PROGRESS && !cu->async_done &&
	    __atomic_load_n(&cu->live_tag, __ATOMIC_ACQUIRE) == tag) {
		cu->async_rc = rc;
		cu->async_len = done;
		if (data && done)
			memcpy(cu->buf, data, done < cu->async_max ? done : cu->async_max);
		memset(cu->async_sense, 0, sizeof(cu->async_sense));
		if (sense)
			memcpy(cu->async_sense, sense, sizeof(cu->async_sense));
		cu->async_done = true;
		taken = true;
		/* Inside async_lock, so a cancel that follows finds the kick done. */
		vccw_sch_kick(cu->sch);
	}
	pthread_mutex_unlock(&cu->async_lock);
	return taken;
}

/* Forget a command the device executes: a late completion is dropped. */
static void abandon_async(struct vccw_cu *cu)
{
	pthread_mutex_lock(&cu->async_lock);
	__atomic_store_n(&cu->live_tag, 0, __ATOMIC_RELEASE);
	cu->async_done = false;
	pthread_mutex_unlock(&cu->async_lock);
	cu->p.waiting = false;
}

/* ---- Program execution ---- */

static enum vccw_exec_rc prog_check(struct vccw_cu *cu, uint32_t ccw_addr, const char *why,
				    struct vccw_exec_status *st)
{
	VCCW_TRACE(ccw_prog_check, CU_ID(cu), ccw_addr, why);
	VCCW_TRACE(guest_ccw_prog_check, CU_ID(cu), ccw_addr, why);
	st->cpa = ccw_addr + 8;
	st->count = 0;
	st->dstat = 0;
	st->cstat = VCCW_CSTAT_PROG;
	return VCCW_EXEC_DONE;
}

static void fill_sense(struct vccw_cu *cu, struct vccw_exec_status *st)
{
	memcpy(st->sense, cu->sense, VCCW_SENSE_LEN);
	st->sense_len = VCCW_SENSE_LEN;
	/* With concurrent sense the status carries the sense; the device forgets it. */
	if (vccw_sch_csense(cu->sch))
		memset(cu->sense, 0, VCCW_SENSE_LEN);
}

/*
 * A command ended (@xrc, @res): decide between ending the program, presenting PCI and
 * chaining on. Returns VCCW_EXEC_MORE to chain to p->next.
 */
static enum vccw_exec_rc command_ended(struct vccw_cu *cu, enum xfer_rc xrc,
				       struct cmd_result *res, struct vccw_exec_status *st)
{
	struct prog *p = &cu->p;
	bool chain;

	if (xrc != XFER_OK)
		return prog_check(cu, res->last_addr, "data", st);
	/* Data moved: a TIC loop around this command is not idle (VCCW_CCW_MAX_IDLE_TICS). */
	if (res->moved)
		p->idle_tics = 0;
	st->cpa = res->last_addr + 8;
	st->count = res->residual;
	p->last_cpa = st->cpa;
	p->last_count = st->count;
	st->dstat = res->dstat;
	st->cstat = res->cstat;
	res->pci = res->pci || (cu->cur.ccw.flags & VCCW_CCW_FLAG_PCI);
	/*
	 * Command chaining goes on only after a normal end: channel end and device end
	 * alone, no subchannel status.
	 */
	chain = (res->last_flags & VCCW_CCW_FLAG_CC) && !res->cstat &&
		res->dstat == (VCCW_DSTAT_CE | VCCW_DSTAT_DE);
	if (!chain) {
		if (res->dstat & VCCW_DSTAT_UC)
			fill_sense(cu, st);
		if (res->pci)
			st->cstat |= VCCW_CSTAT_PCI;
		VCCW_TRACE(ccw_status, CU_ID(cu), "done", st->cpa, st->count, st->dstat,
			   st->cstat);
		return VCCW_EXEC_DONE;
	}
	p->next = res->last_addr + 8;
	if (res->pci) {
		st->dstat = 0;
		VCCW_TRACE(ccw_status, CU_ID(cu), "pci", st->cpa, st->count, st->dstat,
			   st->cstat);
		return VCCW_EXEC_PCI;
	}
	return VCCW_EXEC_MORE;
}

/*
 * Run the program for at most @budget CCWs (every CCW fetched counts: TICs and the
 * CCWs of a data chain too, so a long data chain ends the slice as a long command
 * chain does; a command once begun is finished in its slice).
 */
static enum vccw_exec_rc run(struct vccw_cu *cu, unsigned int budget,
			     struct vccw_exec_status *st)
{
	struct prog *p = &cu->p;
	struct cmd_result res;
	enum vccw_exec_rc rc;
	enum xfer_rc xrc;

	p->fetched = 0;
	if (p->waiting) {
		xrc = collect(cu, &res);
		if (xrc == XFER_WAIT)
			return VCCW_EXEC_WAIT;
		p->waiting = false;
		rc = command_ended(cu, xrc, &res, st);
		if (rc != VCCW_EXEC_MORE)
			return rc;
	}
	while (p->fetched < budget) {
		uint32_t addr = p->next;
		struct ccw ccw;

		if (fetch_ccw(cu, addr, &ccw) != XFER_OK)
			return prog_check(cu, addr, "fetch", st);
		if (is_tic(ccw.cmd)) {
			if (check_tic(cu, &ccw) != XFER_OK)
				return prog_check(cu, addr, "tic", st);
			/* A format-1 TIC target is a 31-bit address. */
			if (p->fmt1 && (ccw.cda & 0x80000000u))
				return prog_check(cu, addr, "tic-address", st);
			p->prev_tic = true;
			p->next = p->fmt1 ? ccw.cda : (ccw.cda & 0xffffff);
			VCCW_TRACE(ccw_tic, CU_ID(cu), addr, p->next);
			/*
			 * A loop that moves no data would keep the channel busy until HSCH or
			 * CSCH: end it as Hercules does, with a channel-program check at the
			 * TIC, once it went backward more than VCCW_CCW_MAX_IDLE_TICS times
			 * since data last moved (a loop needs a backward TIC each round).
			 */
			if (p->next <= addr && ++p->idle_tics > VCCW_CCW_MAX_IDLE_TICS)
				return prog_check(cu, addr, "tic-loop", st);
			continue;
		}
		p->prev_tic = false;
		/* An invalid command code (low nibble 0) or a format-0 count of 0. */
		if ((ccw.cmd & 0x0f) == 0)
			return prog_check(cu, addr, "command-code", st);
		if (!p->fmt1 && ccw.count == 0)
			return prog_check(cu, addr, "count", st);
		/* No MIDAW facility: ORB D is rejected, so a MIDA flag is a program check. */
		if (ccw.flags & VCCW_CCW_FLAG_MIDA)
			return prog_check(cu, addr, "mida", st);
		if (ccw.flags & VCCW_CCW_FLAG_S) {
			if (!p->suspend_ok || (ccw.flags & VCCW_CCW_FLAG_CD))
				return prog_check(cu, addr, "suspend", st);
			/* Suspend before this CCW; RSCH fetches it again. */
			VCCW_TRACE(ccw_suspend, CU_ID(cu), addr);
			p->suspended = true;
			st->cpa = addr + 8;
			st->count = ccw.count;
			p->last_cpa = st->cpa;
			p->last_count = st->count;
			return VCCW_EXEC_SUSPENDED;
		}
		xrc = execute(cu, addr, &ccw, &res);
		if (xrc == XFER_WAIT) {
			const struct seg *last = &cu->segs[cu->cur.ds.nr - 1];

			/* A halt now reports the CCW the device is executing. */
			p->waiting = true;
			p->last_cpa = last->addr + 8;
			p->last_count = (uint16_t)(last->ccw.count - last->done);
			return VCCW_EXEC_WAIT;
		}
		rc = command_ended(cu, xrc, &res, st);
		if (rc != VCCW_EXEC_MORE)
			return rc;
	}
	return VCCW_EXEC_MORE;
}

static enum vccw_exec_rc exec_start(struct vccw_sch *sch, void *opaque, const struct vccw_orb *orb,
				    unsigned int budget, struct vccw_exec_status *st)
{
	struct vccw_cu *cu = opaque;
	struct prog *p = &cu->p;

	(void)sch;
	memset(p, 0, sizeof(*p));
	p->fmt1 = orb->ctrl & VCCW_ORB_F;
	p->idaw_fmt2 = orb->ctrl & VCCW_ORB_H;
	/* Format-2 IDAWs use 4K blocks unless T; format-1 IDAWs always 2K. */
	p->block_size = (p->idaw_fmt2 && !(orb->ctrl & VCCW_ORB_T)) ? 4096 : 2048;
	p->suspend_ok = orb->ctrl & VCCW_ORB_S;
	p->ill_suppress = orb->ctrl & VCCW_ORB_L;
	p->next = orb->cpa;
	VCCW_TRACE(ccw_start, CU_ID(cu), orb->cpa, orb->ctrl, p->fmt1);
	return run(cu, budget, st);
}

static enum vccw_exec_rc exec_resume(struct vccw_sch *sch, void *opaque, unsigned int budget,
				     struct vccw_exec_status *st)
{
	struct vccw_cu *cu = opaque;

	(void)sch;
	cu->p.suspended = false;
	VCCW_TRACE(ccw_resume, CU_ID(cu), cu->p.next);
	return run(cu, budget, st);
}

static enum vccw_exec_rc exec_step(struct vccw_sch *sch, void *opaque, unsigned int budget,
				   struct vccw_exec_status *st)
{
	(void)sch;
	return run(opaque, budget, st);
}

static void exec_cancel(struct vccw_sch *sch, void *opaque, bool *active,
			struct vccw_exec_status *st)
{
	struct vccw_cu *cu = opaque;

	(void)sch;
	if (active)
		*active = !cu->p.suspended;
	if (st) {
		st->cpa = cu->p.last_cpa;
		st->count = cu->p.last_count;
	}
	VCCW_TRACE(ccw_cancel, CU_ID(cu), !cu->p.suspended, cu->p.last_cpa);
	abandon_async(cu);
	cu->p.suspended = false;
	if (cu->ops->cancel)
		cu->ops->cancel(cu);
}

static void exec_enable(struct vccw_sch *sch, void *opaque, bool on)
{
	struct vccw_cu *cu = opaque;

	(void)sch;
	if (cu->ops->enable)
		cu->ops->enable(cu, on);
}

static const struct vccw_sch_exec_ops engine_ops = {
	.start = exec_start,
	.resume = exec_resume,
	.step = exec_step,
	.cancel = exec_cancel,
	.enable = exec_enable,
};

/* ---- Control units ---- */

struct vccw_cu *vccw_cu_new(struct vccw_css *css, const struct vccw_cu_config *cfg,
			    struct vccw_err *err)
{
	struct vccw_sch_config scfg;
	struct vccw_cu *cu;
	uint32_t max = 256;
	unsigned int i;

	if (!cfg || !cfg->ops || (cfg->ops->nr_cmds && !cfg->ops->cmds)) {
		vccw_err_set(err, EINVAL, "control unit needs an ops table");
		return NULL;
	}
	if (cfg->id.nr_ciws > VCCW_ARRAY_SIZE(((struct vccw_cu *)0)->ciws) ||
	    (cfg->id.nr_ciws && !cfg->id.ciws)) {
		vccw_err_set(err, EINVAL, "control unit has too many CIWs");
		return NULL;
	}
	for (i = 0; i < cfg->ops->nr_cmds; i++) {
		const struct vccw_cu_cmd *c = &cfg->ops->cmds[i];

		if (!c->fn || c->min_len > c->max_len || c->max_len > 0x10000) {
			vccw_err_set(err, EINVAL, "control unit command 0x%02x is malformed",
				     c->code);
			return NULL;
		}
		if (c->max_len > max)
			max = c->max_len;
	}
	cu = calloc(1, sizeof(*cu));
	if (!cu)
		goto err_nomem;
	pthread_mutex_init(&cu->async_lock, NULL);
	cu->buf = calloc(1, max);
	/* A data chain moves at least one byte per CCW, so max + 1 CCWs bound it. */
	cu->nr_segs_max = max + 1;
	cu->nr_segs = 4;
	cu->segs = calloc(cu->nr_segs, sizeof(*cu->segs));
	if (!cu->buf || !cu->segs)
		goto err_free;
	cu->buf_len = max;
	cu->mem = vccw_css_mem(css);
	cu->ops = cfg->ops;
	cu->opaque = cfg->opaque;
	cu->id = cfg->id;
	if (cfg->id.nr_ciws)
		memcpy(cu->ciws, cfg->id.ciws, cfg->id.nr_ciws * sizeof(uint32_t));
	cu->id.ciws = cu->ciws;
	memset(&scfg, 0, sizeof(scfg));
	scfg.busid = cfg->busid;
	scfg.ops = &engine_ops;
	scfg.opaque = cu;
	scfg.hotplug = cfg->hotplug;
	cu->sch = vccw_css_sch_new(css, &scfg, err);
	if (!cu->sch)
		goto err_free_quiet;
	return cu;

err_free:
	vccw_err_set(err, ENOMEM, "out of memory");
err_free_quiet:
	pthread_mutex_destroy(&cu->async_lock);
	free(cu->segs);
	free(cu->buf);
	free(cu);
	return NULL;
err_nomem:
	vccw_err_set(err, ENOMEM, "out of memory");
	return NULL;
}

void vccw_cu_publish(struct vccw_cu *cu)
{
	vccw_css_sch_publish(cu->sch);
}

void vccw_cu_free(struct vccw_cu *cu, bool hotplug)
{
	if (!cu)
		return;
	vccw_css_sch_free(cu->sch, hotplug);
	pthread_mutex_destroy(&cu->async_lock);
	free(cu->segs);
	free(cu->buf);
	free(cu);
}

struct vccw_cu *vccw_cu_of_sch(struct vccw_sch *sch)
{
	/* Only subchannels this engine drives carry a control unit. */
	if (vccw_sch_exec_ops(sch) != &engine_ops)
		return NULL;
	return vccw_sch_opaque(sch);
}

const struct vccw_cu_ops *vccw_cu_get_ops(const struct vccw_cu *cu)
{
	return cu->ops;
}

void *vccw_cu_opaque(const struct vccw_cu *cu)
{
	return cu->opaque;
}

struct vccw_sch *vccw_cu_sch(const struct vccw_cu *cu)
{
	return cu->sch;
}

struct vccw_mem *vccw_cu_mem(const struct vccw_cu *cu)
{
	return cu->mem;
}
