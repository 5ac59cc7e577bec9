// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the virtio-ccw transport (lib/virtio-ccw): a small virtio device with
 * three queues and a configuration space is attached to a manual css and driven by a
 * script of channel programs carrying the 13 virtio channel commands (and the basic
 * ones) with guest-chosen flags, counts, data addresses and payloads, interleaved with
 * DIAGNOSE 0x500 notifications, used-buffer and configuration notifications (which
 * write the classic, configuration and adapter indicators wherever the guest put them,
 * up to the last bytes of its memory), interruption handling and unplug/replug.
 *
 * Input: byte 0 chooses the transport options (max_revision, no adapter interruptions,
 * strict READ_STATUS); the rest is a list of 40-byte records:
 *   0     kind                       1  channel command (low 4 bits index a table)
 *   2     CCW flags                  3  address folding of the payload's doublewords
 *   4-5   count (big-endian)         6-7  extra (queue index, ISC mask ...)
 *   8-11  data address               12-39 payload written at the data address
 * Guest memory starts zeroed; payload addresses are folded into (or just past) it so
 * that indicator and ring checks near its end are reached.
 *
 * Checks: sanitizers, no hang (every script and every channel program is finite).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vccw/byteorder.h"
#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"
#include "vccw/virtio-ccw.h"
#include "vccw/virtio.h"

#define RAM_SIZE (64u * 1024)
#define REC 40
#define MAX_RECS 96
#define ORB_ADDR 0x80u
#define PROG_ADDR 0xa0u
#define IRB_ADDR 0x100u
#define SCHIB_ADDR 0x180u
#define CFG_LEN 24

const char fuzz_corpus_dir[] = "tests/fuzz/corpus/vccw";

struct fz_dev {
	struct vccw_virtio_dev vdev; /* first member */
	uint8_t cfg[CFG_LEN];
};

static uint64_t fz_features(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return VCCW_BIT(0) | VCCW_BIT(5) | VCCW_BIT(7) | VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX) |
	       VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC);
}

static bool fz_validate(struct vccw_virtio_dev *vdev, uint64_t features)
{
	(void)vdev;
	return !(features & VCCW_BIT(7));
}

static uint32_t fz_config_size(struct vccw_virtio_dev *vdev)
{
	(void)vdev;
	return CFG_LEN;
}

static void fz_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf, uint32_t len)
{
	memcpy(buf, ((struct fz_dev *)vdev)->cfg + off, len);
}

static void fz_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			    uint32_t len)
{
	memcpy(((struct fz_dev *)vdev)->cfg + off, buf, len);
}

static uint16_t fz_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx == 0 ? 8 : idx == 1 ? 4 : idx == 2 ? 256 : 0;
}

/* Every buffer comes back used with a few bytes "written". */
static void fz_drain(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	unsigned int n;

	for (n = 0; n < 512 && vccw_virtio_pop(vdev, idx, vdev->elem) == 1; n++)
		vccw_virtio_push(vdev, idx, vdev->elem, vdev->elem->in_len > 8 ? 8 : 0);
}

static const struct vccw_virtio_dev_ops fz_ops = {
	.name = "fuzz",
	.device_id = VCCW_VIRTIO_ID_RNG,
	.get_features = fz_features,
	.validate_features = fz_validate,
	.config_size = fz_config_size,
	.read_config = fz_read_config,
	.write_config = fz_write_config,
	.queue_max = fz_queue_max,
	.queue_notify = fz_drain,
};

/* The 13 virtio commands and 3 basic ones, so that 4 bits reach each of them. */
static const uint8_t cmd_table[16] = {
	VCCW_VIRTIO_CCW_CMD_SET_VQ,	    VCCW_VIRTIO_CCW_CMD_VDEV_RESET,
	VCCW_VIRTIO_CCW_CMD_READ_FEAT,	    VCCW_VIRTIO_CCW_CMD_WRITE_FEAT,
	VCCW_VIRTIO_CCW_CMD_READ_CONF,	    VCCW_VIRTIO_CCW_CMD_WRITE_CONF,
	VCCW_VIRTIO_CCW_CMD_WRITE_STATUS,   VCCW_VIRTIO_CCW_CMD_SET_IND,
	VCCW_VIRTIO_CCW_CMD_SET_CONF_IND,   VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER,
	VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF,   VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV,
	VCCW_VIRTIO_CCW_CMD_READ_STATUS,    VCCW_CCW_CMD_SENSE_ID,
	VCCW_CCW_CMD_BASIC_SENSE,	    VCCW_CCW_CMD_NOP,
};

/* A guest address in, at the end of, or just past guest memory. */
static uint64_t fold(uint64_t v, unsigned int mode)
{
	switch (mode & 3) {
	case 1: return v % (RAM_SIZE + 16);
	case 2: return RAM_SIZE - 1 - (v & 0x3f);
	case 3: return v & ~7ull ? (v % RAM_SIZE) & ~7ull : 0;
	default: return v;
	}
}

struct fz {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct fz_dev dev;
	struct vccw_virtio_ccw *vc;
	struct vccw_virtio_ccw_config cfg;
	struct vccw_cpu cpu;
	uint32_t sid;
};

static bool attach(struct fz *z, bool hotplug)
{
	struct vccw_sch *sch;
	uint8_t pmcw[2];

	z->cfg.hotplug = hotplug;
	z->vc = vccw_virtio_ccw_new(z->css, &z->dev.vdev, &z->cfg, NULL);
	if (!z->vc)
		return false;
	sch = vccw_cu_sch(vccw_virtio_ccw_cu(z->vc));
	z->sid = 0x00010000u | (uint32_t)vccw_sch_busid(sch).ssid << 17 | vccw_sch_schnr(sch);
	/* Enabled with ISC 3, as a driver would before its first channel program. */
	vccw_css_stsch(z->css, &z->cpu, z->sid, SCHIB_ADDR);
	vccw_mem_read(z->mem, SCHIB_ADDR + 4, pmcw, 2);
	pmcw[0] |= 3 << 3;
	pmcw[1] |= 0x80;
	vccw_mem_write(z->mem, SCHIB_ADDR + 4, pmcw, 2);
	vccw_css_msch(z->css, &z->cpu, z->sid, SCHIB_ADDR);
	return true;
}

/* One or two CCWs (the second a NOP when the first chains), started and run. */
static void run_ccw(struct fz *z, const uint8_t *r)
{
	uint8_t prog[16], orb[12];
	uint8_t cmd = (r[0] & 0x10) ? r[1] : cmd_table[r[1] & 15];
	uint32_t cda = vccw_ld_be32(r + 8) % (RAM_SIZE + 32);
	uint8_t payload[28];
	unsigned int i;

	memcpy(payload, r + 12, sizeof(payload));
	/* Fold the doublewords (indicator, ring and summary addresses) as asked. */
	for (i = 0; i < 3; i++) {
		uint64_t v = vccw_ld_be64(payload + 8 * i);

		vccw_st_be64(payload + 8 * i, fold(v, r[3] >> (2 * i)));
	}
	if (cda + sizeof(payload) <= RAM_SIZE)
		vccw_mem_write(z->mem, cda, payload, sizeof(payload));
	prog[0] = cmd;
	prog[1] = r[2]; /* suspend without the ORB's S bit: a program check */
	vccw_st_be16(prog + 2, vccw_ld_be16(r + 4));
	vccw_st_be32(prog + 4, cda);
	prog[8] = VCCW_CCW_CMD_NOP;
	prog[9] = VCCW_CCW_FLAG_SLI;
	vccw_st_be16(prog + 10, 0);
	vccw_st_be32(prog + 12, 0);
	vccw_mem_write(z->mem, PROG_ADDR, prog, sizeof(prog));
	vccw_st_be32(orb, 0xf00d);
	vccw_st_be32(orb + 4, 0x00808000u); /* format-1 CCWs, LPM 0x80 */
	vccw_st_be32(orb + 8, PROG_ADDR);
	vccw_mem_write(z->mem, ORB_ADDR, orb, sizeof(orb));
	if (vccw_css_ssch(z->css, &z->cpu, z->sid, ORB_ADDR) == VCCW_CC0)
		vccw_css_run(z->css, 64);
	vccw_css_tsch(z->css, &z->cpu, z->sid, IRB_ADDR);
}

static void step(struct fz *z, const uint8_t *r)
{
	struct vccw_virtio_dev *vdev = &z->dev.vdev;
	struct vccw_io_irq irq;
	int64_t ret;

	switch (r[0] & 7) {
	case 0:
	case 1:
	case 2:
		run_ccw(z, r);
		break;
	case 3:
		/* DIAGNOSE 0x500: subcode 3 mostly, the queue from the record. */
		vccw_virtio_ccw_diag500(z->css, (r[6] & 0x80) ? r[6] : VCCW_VIRTIO_CCW_DIAG_NOTIFY,
					(r[6] & 0x40) ? vccw_ld_be32(r + 8) : z->sid,
					vccw_ld_be16(r + 4), 0, &ret);
		break;
	case 4:
		/* The device uses buffers of a queue (as its I/O thread would). */
		pthread_mutex_lock(&vdev->lock);
		if (vdev->status & VCCW_VIRTIO_S_DRIVER_OK)
			fz_drain(vdev, r[6] % 4);
		if (vdev->transport && (r[7] & 1))
			vdev->transport->notify_queue(vdev, r[6] % 4);
		pthread_mutex_unlock(&vdev->lock);
		break;
	case 5:
		pthread_mutex_lock(&vdev->lock);
		if (r[7] & 1)
			vccw_virtio_needs_reset(vdev);
		else
			vccw_virtio_config_changed(vdev);
		pthread_mutex_unlock(&vdev->lock);
		vccw_css_run(z->css, 16);
		break;
	case 6:
		vccw_css_run(z->css, 16);
		while (vccw_css_take_io_irq(z->css, r[6], &irq))
			vccw_css_tsch(z->css, &z->cpu, irq.sid, IRB_ADDR);
		vccw_css_tpi(z->css, &z->cpu, IRB_ADDR);
		break;
	default:
		/* Unplug and plug again (the device is reset, not freed). */
		if (r[7] & 1) {
			vccw_virtio_ccw_free(z->vc, r[7] & 2);
			z->vc = NULL;
			attach(z, r[7] & 4);
		} else {
			vccw_css_stcrw(z->css, &z->cpu, IRB_ADDR);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(8) uint8_t ram[RAM_SIZE]; /* vccw_mem_wrap() wants 8-byte alignment */
	struct vccw_css_config ccfg = { .manual = true, .slice_ccws = 8 };
	struct fz z;
	size_t off;
	unsigned int n;

	if (size < 1)
		return 0;
	memset(&z, 0, sizeof(z));
	memset(ram, 0, sizeof(ram));
	z.cpu.isc_mask = 0xff;
	z.cfg.max_revision = data[0] % 3;
	z.cfg.no_adapter = data[0] & 4;
	z.cfg.strict_read_status = data[0] & 8;
	z.mem = vccw_mem_wrap(ram, RAM_SIZE, NULL);
	z.css = vccw_css_new(z.mem, &ccfg, NULL);
	if (!z.mem || !z.css)
		goto out;
	if (vccw_virtio_dev_init(&z.dev.vdev, &fz_ops, z.mem,
				 VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) |
					 ((data[0] & 16) ? VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED) : 0) |
					 ((data[0] & 32) ? VCCW_BIT(VCCW_VIRTIO_F_NOTIFICATION_DATA) : 0),
				 NULL))
		goto out;
	if (!attach(&z, false))
		goto fini;
	for (off = 1, n = 0; off + REC <= size && n < MAX_RECS; off += REC, n++) {
		step(&z, data + off);
		if (!z.vc)
			break;
	}
	vccw_css_run(z.css, 64);
	if (z.vc)
		vccw_virtio_ccw_free(z.vc, false);
fini:
	vccw_virtio_dev_fini(&z.dev.vdev);
out:
	vccw_css_free(z.css);
	vccw_mem_free(z.mem);
	return 0;
}
