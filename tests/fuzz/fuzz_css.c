// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the channel subsystem and the channel-program engine: the input
 * becomes the contents of a small guest memory plus a script of I/O instructions with
 * guest-chosen operands (SIDs, operand addresses, ORBs, SCHIBs), run against a css with
 * a few control units. The target checks nothing but what sanitizers and the library's
 * own asserts see: no crash, no access outside guest RAM, no leak, no hang (every
 * script is finite and every channel program runs in bounded slices).
 *
 * Guest memory is 1 MiB (zeroed between inputs by dropping its pages), the input's first
 * half at its start, so long data chains and IDAW lists have room. Bit 31 of the first
 * script word runs the css with its channel thread instead of manually (bit 30: with
 * inline start), so the threaded channel sees the same scripts; the run ops then only
 * yield. Script ops beyond the I/O instructions: machine reset, host queries (SCHIB
 * snapshot, bus IDs, pending conditions, for-each), a bus ID parsed from guest memory,
 * a host CRW, unplug and replug of the third device (hot-plug CRWs), a kick.
 *
 * Built two ways: with libFuzzer (make fuzz, clang) and as part of make check, where
 * tests/fuzz/replay.c feeds it the committed seed corpus and a fixed-seed stream of
 * pseudo-random inputs.
 */
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#define RAM_SIZE (1024u * 1024)
#define MAX_OPS 64

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/css";

static uint8_t fuzz_buf[64];

static enum vccw_cu_rc fz_write(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	memcpy(fuzz_buf, req->buf, req->len < sizeof(fuzz_buf) ? req->len : sizeof(fuzz_buf));
	return req->len & 1 ? VCCW_CU_UNIT_CHECK : VCCW_CU_OK;
}

static enum vccw_cu_rc fz_read(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	memset(req->buf, 0xa5, req->len);
	req->done = req->len / 2;
	return VCCW_CU_OK;
}

static enum vccw_cu_rc fz_reject(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	(void)req;
	return VCCW_CU_REJECT;
}

/* The command in progress on each device, completed later by the script (op 25). */
static uint64_t fz_tag[3];

static int fz_index(struct vccw_cu *cu);

static enum vccw_cu_rc fz_async(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	int i = fz_index(cu);

	if (i >= 0)
		__atomic_store_n(&fz_tag[i], req->tag, __ATOMIC_RELAXED);
	return VCCW_CU_IN_PROGRESS;
}

static enum vccw_cu_rc fz_exception(struct vccw_cu *cu, struct vccw_cu_req *req)
{
	(void)cu;
	req->sense[0] = 0x10;
	return req->len ? VCCW_CU_UNIT_CHECK : VCCW_CU_UNIT_EXCEPTION;
}

static void fz_cancel(struct vccw_cu *cu)
{
	int i = fz_index(cu);

	if (i >= 0)
		__atomic_store_n(&fz_tag[i], 0, __ATOMIC_RELAXED);
}

static void fz_enable(struct vccw_cu *cu, bool on)
{
	(void)cu;
	(void)on;
}

static const struct vccw_cu_cmd fz_cmds[] = {
	{ .code = 0x01, .name = "W", .max_len = 64, .fn = fz_write },
	{ .code = 0x02, .name = "R", .max_len = 64, .fn = fz_read },
	{ .code = 0x12, .name = "RP", .max_len = 16, .prefetch = true, .fn = fz_read },
	{ .code = 0x13, .name = "C", .min_len = 8, .max_len = 8, .fn = fz_write },
	{ .code = 0x23, .name = "X", .fn = fz_reject },
	{ .code = 0x05, .name = "WB", .max_len = 4096, .fn = fz_write },
	/* Long transfers (data chains, IDAW lists) into the far end of guest memory. */
	{ .code = 0x15, .name = "WL", .max_len = 0x10000, .fn = fz_write },
	{ .code = 0x16, .name = "RL", .max_len = 0x10000, .fn = fz_read },
	{ .code = 0x09, .name = "AW", .max_len = 256, .fn = fz_async },
	{ .code = 0x0a, .name = "AR", .max_len = 256, .count_driven = true, .fn = fz_async },
	{ .code = 0x0b, .name = "AC", .fn = fz_async },
	{ .code = 0x33, .name = "UX", .fn = fz_exception },
	{ .code = 0x31, .name = "UC", .max_len = 4, .fn = fz_exception },
};

static const struct vccw_cu_ops fz_ops = { .cmds = fz_cmds, .nr_cmds = VCCW_ARRAY_SIZE(fz_cmds),
					   .enable = fz_enable, .cancel = fz_cancel };
static const uint32_t fz_ciws[] = { 0x40e40004, 0x42830020 };
static struct vccw_cu *fz_cu[3];

static int fz_index(struct vccw_cu *cu)
{
	int i;

	for (i = 0; i < 3; i++)
		if (fz_cu[i] == cu)
			return i;
	return -1;
}

static unsigned int fz_events;

static void fz_event(void *opaque)
{
	(void)opaque;
	__atomic_add_fetch(&fz_events, 1, __ATOMIC_RELAXED);
}

static void fz_log(void *opaque, enum vccw_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
	__atomic_add_fetch(&fz_events, 1, __ATOMIC_RELAXED);
}

static const struct vccw_css_ops fz_css_ops = { .io_irq = fz_event, .crw_pending = fz_event,
						.log = fz_log };

static int fz_count(struct vccw_sch *sch, void *arg)
{
	struct vccw_schib schib;

	vccw_sch_get_schib(sch, &schib);
	(*(unsigned int *)arg)++;
	return 0;
}

/* Host-side queries a VMM makes about a device (QMP, its own bookkeeping). */
static void fz_query(struct vccw_css *css, struct vccw_cu *cu)
{
	struct vccw_sch *sch = cu ? vccw_cu_sch(cu) : NULL;
	struct vccw_schib schib;
	struct vccw_busid id;
	unsigned int n = 0;

	(void)vccw_css_io_irq_pending(css, 0xff);
	(void)vccw_css_crw_pending(css);
	(void)vccw_css_mss_enabled(css);
	(void)vccw_css_mcsse_enabled(css);
	(void)vccw_css_for_each_sch(css, fz_count, &n);
	if (!sch)
		return;
	vccw_sch_get_schib(sch, &schib);
	id = vccw_sch_busid(sch);
	(void)vccw_css_busid_to_sid(css, &id, NULL);
	(void)vccw_sch_sid(sch);
	(void)vccw_sch_schnr(sch);
	(void)vccw_sch_csense(sch);
	(void)vccw_sch_opaque(sch);
	(void)vccw_sch_exec_ops(sch);
	(void)vccw_sch_css(sch);
	(void)vccw_css_with_sch(css, vccw_sch_sid(sch), fz_count, &n);
}

static uint32_t take32(const uint8_t **p, size_t *left)
{
	uint32_t v = 0;
	size_t n = *left < 4 ? *left : 4;

	memcpy(&v, *p, n);
	*p += n;
	*left -= n;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct vccw_css_config cfg = { .manual = true, .slice_ccws = 8, .ops = &fz_css_ops,
				       .log_level = VCCW_LOG_DEBUG, .poll_max_ns = -1 };
	struct vccw_cu_config ccfg = { .ops = &fz_ops, .id = { .cu_type = 0x3832, .ciws = fz_ciws,
								 .nr_ciws = 2 } };
	struct vccw_cu **cu = fz_cu;
	struct vccw_busid id = { 0xfe, 0, 0 };
	struct vccw_cpu cpu = { .isc_mask = 0xff };
	struct vccw_io_irq irq;
	struct vccw_mem *mem;
	struct vccw_css *css;
	const uint8_t *p;
	size_t left, ram_len;
	unsigned int i, ops;

	/* The first half of the input seeds guest memory, the second is the script. */
	if (!ram) {
		ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (ram == MAP_FAILED)
			abort();
	} else {
		/* Zero pages again, without touching the untouched ones. */
		madvise(ram, RAM_SIZE, MADV_DONTNEED);
	}
	ram_len = size / 2 < RAM_SIZE ? size / 2 : RAM_SIZE;
	memcpy(ram, data, ram_len);
	p = data + size / 2;
	left = size - size / 2;
	if (left >= 4 && (p[3] & 0x80)) {
		cfg.manual = false;
		cfg.inline_start = p[3] & 0x40;
	}
	mem = vccw_mem_wrap(ram, RAM_SIZE, NULL);
	css = vccw_css_new(mem, &cfg, NULL);
	memset(fz_cu, 0, sizeof(fz_cu));
	memset(fz_tag, 0, sizeof(fz_tag));
	for (i = 0; i < 3; i++) {
		id.ssid = (uint8_t)(i == 2);
		id.devno = (uint16_t)(0x100 * i);
		ccfg.busid = &id;
		ccfg.hotplug = i == 1;
		cu[i] = vccw_cu_new(css, &ccfg, NULL);
		if (cu[i])
			vccw_cu_publish(cu[i]);
	}
	for (ops = 0; ops < MAX_OPS && left; ops++) {
		uint32_t op = take32(&p, &left);
		uint32_t sid = take32(&p, &left);
		uint32_t addr = take32(&p, &left) % (RAM_SIZE + 64);

		/* Mostly well-formed SIDs, so that deep paths are reached. */
		if (!(op & 0x100))
			sid = 0x00010000u | (sid & 0x00060003u);
		cpu.low_addr_prot = op & 0x200;
		cpu.prefix = (op & 0x400) ? 0x4000 : 0;
		switch (op & 0x1f) {
		case 0: vccw_css_stsch(css, &cpu, sid, addr); break;
		case 1: vccw_css_msch(css, &cpu, sid, addr); break;
		case 2: vccw_css_ssch(css, &cpu, sid, addr); break;
		case 3: vccw_css_tsch(css, &cpu, sid, addr); break;
		case 4: vccw_css_hsch(css, &cpu, sid); break;
		case 5: vccw_css_csch(css, &cpu, sid); break;
		case 6: vccw_css_rsch(css, &cpu, sid); break;
		case 7: vccw_css_xsch(css, &cpu, sid); break;
		case 8: vccw_css_tpi(css, &cpu, addr & ~3u); break;
		case 9: vccw_css_stcrw(css, &cpu, addr); break;
		case 10: vccw_css_chsc(css, &cpu, addr & ~0xfffu); break;
		case 11: vccw_css_rchp(css, &cpu, sid); break;
		case 12: vccw_css_schm(css, &cpu, sid, addr); break;
		case 13: vccw_css_sic(css, &cpu, sid & 3, (uint8_t)(addr & 7)); break;
		case 14: vccw_css_sal(css, &cpu, sid); break;
		case 15: vccw_css_take_io_irq(css, (uint8_t)sid, &irq); break;
		case 16: vccw_css_inject_adapter(css, (uint8_t)(sid & 7)); break;
		case 17: vccw_css_set_isc_mask(css, (uint8_t)sid); break;
		case 18:
			if (cu[op >> 11 & 1]) {
				vccw_sch_unsolicited(vccw_cu_sch(cu[op >> 11 & 1]), (uint8_t)sid);
			}
			break;
		case 19: vccw_css_reset(css); break;
		case 20: fz_query(css, cu[(op >> 11 & 3) % 3]); break;
		case 21: {
			/* A bus ID as a configuration names it, from guest memory. */
			char str[16];
			struct vccw_busid b;

			memcpy(str, ram + addr % (RAM_SIZE - 16), 15);
			str[15] = '\0';
			if (!vccw_css_parse_busid(str, &b, NULL))
				(void)vccw_css_busid_to_sid(css, &b, NULL);
			break;
		}
		case 22:
			vccw_css_queue_crw(css, sid & 0xf, (uint8_t)(sid >> 8) & 0x3f, op & 0x800,
					   (uint16_t)addr, (op & 0x1000) ? (int32_t)(sid >> 16) : -1);
			break;
		case 23:
			/* Unplug the third device, or plug one in with a guest-chosen number. */
			if (cu[2]) {
				vccw_cu_free(cu[2], true);
				cu[2] = NULL;
			} else {
				id.ssid = (uint8_t)(sid & 3);
				id.devno = (uint16_t)(sid >> 16);
				ccfg.busid = (op & 0x800) ? NULL : &id;
				ccfg.hotplug = true;
				cu[2] = vccw_cu_new(css, &ccfg, NULL);
				if (cu[2])
					vccw_cu_publish(cu[2]);
			}
			break;
		case 24:
			if (cu[op >> 11 & 1])
				vccw_sch_kick(vccw_cu_sch(cu[op >> 11 & 1]));
			break;
		case 25: {
			/* The device thread completes a command in progress (or a stale tag). */
			unsigned int k = (op >> 11 & 3) % 3;
			static const uint8_t sense[VCCW_SENSE_LEN] = { 0x40 };

			if (cu[k])
				(void)vccw_cu_complete(cu[k], (op & 0x2000) ? sid
							 : __atomic_load_n(&fz_tag[k], __ATOMIC_RELAXED),
						       (enum vccw_cu_rc)(op >> 14 & 3),
						       ram + addr % (RAM_SIZE - 256), addr & 0x1ff,
						       (op & 0x10000) ? sense : NULL);
			break;
		}
		default:
			/* Never 0 (run until idle): an endless program would never end. */
			if (cfg.manual)
				vccw_css_run(css, 1 + ((op >> 8) & 0xf));
			else
				sched_yield();
			break;
		}
	}
	if (cfg.manual)
		vccw_css_run(css, 64);
	for (i = 0; i < 3; i++)
		vccw_cu_free(cu[i], i >= 1);
	vccw_css_free(css);
	vccw_mem_free(mem);
	return 0;
}
