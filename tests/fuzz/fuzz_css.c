// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the channel subsystem and the channel-program engine: the input
 * becomes the contents of a small guest memory plus a script of I/O instructions with
 * guest-chosen operands (SIDs, operand addresses, ORBs, SCHIBs), run against a css with
 * a few control units. The target checks nothing but what sanitizers and the library's
 * own asserts see: no crash, no access outside guest RAM, no leak, no hang (every
 * script is finite and every channel program runs in bounded slices).
 *
 * Built two ways: with libFuzzer (make fuzz, clang) and as part of make check, where
 * tests/fuzz/replay.c feeds it the committed seed corpus and a fixed-seed stream of
 * pseudo-random inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#define RAM_SIZE (64u * 1024)
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

static const struct vccw_cu_cmd fz_cmds[] = {
	{ .code = 0x01, .name = "W", .max_len = 64, .fn = fz_write },
	{ .code = 0x02, .name = "R", .max_len = 64, .fn = fz_read },
	{ .code = 0x12, .name = "RP", .max_len = 16, .prefetch = true, .fn = fz_read },
	{ .code = 0x13, .name = "C", .min_len = 8, .max_len = 8, .fn = fz_write },
	{ .code = 0x23, .name = "X", .fn = fz_reject },
	{ .code = 0x05, .name = "WB", .max_len = 4096, .fn = fz_write },
};

static const struct vccw_cu_ops fz_ops = { .cmds = fz_cmds, .nr_cmds = 6 };

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
	static _Alignas(8) uint8_t ram[RAM_SIZE]; /* vccw_mem_wrap() wants 8-byte alignment */
	struct vccw_css_config cfg = { .manual = true, .slice_ccws = 8 };
	struct vccw_cu_config ccfg = { .ops = &fz_ops, .id = { .cu_type = 0x3832 } };
	struct vccw_cu *cu[3] = { 0 };
	struct vccw_busid id = { 0xfe, 0, 0 };
	struct vccw_cpu cpu = { .isc_mask = 0xff };
	struct vccw_io_irq irq;
	struct vccw_mem *mem;
	struct vccw_css *css;
	const uint8_t *p;
	size_t left, ram_len;
	unsigned int i, ops;

	/* The first half of the input seeds guest memory, the second is the script. */
	memset(ram, 0, sizeof(ram));
	ram_len = size / 2 < RAM_SIZE ? size / 2 : RAM_SIZE;
	memcpy(ram, data, ram_len);
	p = data + size / 2;
	left = size - size / 2;
	mem = vccw_mem_wrap(ram, RAM_SIZE, NULL);
	css = vccw_css_new(mem, &cfg, NULL);
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
		default:
			/* Never 0 (run until idle): an endless program would never end. */
			vccw_css_run(css, 1 + ((op >> 8) & 0xf));
			break;
		}
	}
	vccw_css_run(css, 64);
	for (i = 0; i < 3; i++)
		vccw_cu_free(cu[i], i == 1);
	vccw_css_free(css);
	vccw_mem_free(mem);
	return 0;
}
