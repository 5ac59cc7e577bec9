// SPDX-License-Identifier: MIT
/*
 * A small embedder of libvccw, written as a VMM would use the library: guest memory,
 * a channel subsystem whose interruption callback wakes the "vCPU", a virtio-rng
 * device on the virtio-ccw transport at bus ID fe.0.0007, and one channel program
 * (SENSE ID) that the guest would have built in its memory and started with SSCH.
 * The VMM's part is what a KVM-based VMM does on an intercept: pass the instruction's
 * operands to vccw_css_<insn>() and apply the condition code it returns.
 *
 * Build against an installed libvccw:
 *	cc -o embed embed.c $(pkg-config --cflags --libs vccw)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <vccw/vccw.h>

#define RAM_SIZE (1u << 20)
/* Guest addresses of the structures the "guest" builds. */
#define SCHIB_ADDR 0x1000
#define ORB_ADDR 0x1100
#define IRB_ADDR 0x1200
#define CCW_ADDR 0x2000
#define DATA_ADDR 0x3000
#define ISC 3
#define INTPARM 0x12345678u
#define SENSE_LEN 32

/* The "vCPU": woken by the css when an I/O interruption becomes pending. */
struct vcpu {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool io_irq;
};

/* Context: any thread, css locks held: only flag and wake, never call the css. */
static void io_irq(void *opaque)
{
	struct vcpu *cpu = opaque;

	pthread_mutex_lock(&cpu->lock);
	cpu->io_irq = true;
	pthread_cond_signal(&cpu->cond);
	pthread_mutex_unlock(&cpu->lock);
}

static void log_msg(void *opaque, enum vccw_log_level level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "vccw[%d]: %s\n", (int)level, msg);
}

static const struct vccw_css_ops css_ops = {
    .io_irq = io_irq,
    .log = log_msg,
};

/* Wait until the css reports a pending interruption (at most 10 s: never hang). */
static bool wait_io_irq(struct vcpu *cpu)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&cpu->lock);
	while (!cpu->io_irq && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&cpu->cond, &cpu->lock, &ts);
	cpu->io_irq = false;
	pthread_mutex_unlock(&cpu->lock);
	return rc != ETIMEDOUT;
}

/* What the guest does before the VMM sees SSCH: a SENSE ID program and its ORB. */
static void guest_build_sense_id(struct vccw_mem *mem)
{
	/* Format-1 CCW: command, flags, count, data address (PoP figure 15-5). */
	vccw_mem_st_u8(mem, CCW_ADDR, VCCW_CCW_CMD_SENSE_ID);
	vccw_mem_st_u8(mem, CCW_ADDR + 1, VCCW_CCW_FLAG_SLI);
	vccw_mem_st_be16(mem, CCW_ADDR + 2, SENSE_LEN);
	vccw_mem_st_be32(mem, CCW_ADDR + 4, DATA_ADDR);
	/* ORB: interruption parameter, format-1 CCWs on any path, the program's address. */
	vccw_mem_fill(mem, ORB_ADDR, 0, 32);
	vccw_mem_st_be32(mem, ORB_ADDR, INTPARM);
	vccw_mem_st_be32(mem, ORB_ADDR + 4, VCCW_ORB_F | VCCW_ORB_LPM_MASK);
	vccw_mem_st_be32(mem, ORB_ADDR + 8, CCW_ADDR);
}

int main(void)
{
	struct vcpu vcpu = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
	struct vccw_css_config css_cfg = {.ops = &css_ops, .opaque = &vcpu};
	/* A CPU in supervisor state with every ISC enabled in CR6. */
	const struct vccw_cpu cpu = {.isc_mask = 0xff};
	struct vccw_virtio_ccw_config tcfg = {.max_revision = 2};
	struct vccw_virtio_ccw *transport = NULL;
	struct vccw_rng *rng = NULL;
	struct vccw_css *css = NULL;
	struct vccw_mem *mem = NULL;
	struct vccw_err err = {0};
	struct vccw_busid busid;
	struct vccw_io_irq irq;
	enum vccw_insn_rc rc;
	uint8_t sense[SENSE_LEN];
	uint32_t sid, scsw_ctrl;
	uint16_t flags, residual;
	uint8_t dstat, cstat;
	int status = 1, i, len;

	printf("libvccw %s, headers %s\n", vccw_version(NULL, NULL, NULL), VCCW_VERSION);

	mem = vccw_mem_new(RAM_SIZE, &err);
	if (!mem)
		goto err;
	css = vccw_css_new(mem, &css_cfg, &err);
	if (!css)
		goto err;
	rng = vccw_rng_new(mem, NULL, VCCW_VIRTIO_CCW_DEFAULT_FEATURES, &err);
	if (!rng)
		goto err;
	if (vccw_css_parse_busid("fe.0.0007", &busid, &err))
		goto err;
	tcfg.busid = &busid;
	transport = vccw_virtio_ccw_new(css, vccw_rng_vdev(rng), &tcfg, &err);
	if (!transport)
		goto err;
	if (vccw_css_busid_to_sid(css, &busid, &sid)) {
		fprintf(stderr, "embed: no subchannel for the device\n");
		goto out;
	}
	printf("device %x.%x.%04x: sid 0x%08" PRIx32 ", features word 1 0x%08" PRIx32 "\n",
	       busid.cssid, busid.ssid, busid.devno, sid,
	       vccw_virtio_read_features(vccw_rng_vdev(rng), 1));

	/* The guest enables ISC 3 in CR6: the floating mask the css checks. */
	vccw_css_set_isc_mask(css, 0x80 >> ISC);

	/* Guest: STSCH, set "enabled" and the ISC in the PMCW, MSCH. */
	rc = vccw_css_stsch(css, &cpu, sid, SCHIB_ADDR);
	printf("stsch cc=%d\n", (int)rc);
	vccw_mem_ld_be16(mem, SCHIB_ADDR + 4, &flags);
	flags = (uint16_t)((flags & ~VCCW_PMCW_ISC_MASK) | VCCW_PMCW_ENA | (ISC << 11));
	vccw_mem_st_be16(mem, SCHIB_ADDR + 4, flags);
	rc = vccw_css_msch(css, &cpu, sid, SCHIB_ADDR);
	printf("msch cc=%d\n", (int)rc);

	/* Guest: SSCH with the SENSE ID program; the channel thread runs it. */
	guest_build_sense_id(mem);
	rc = vccw_css_ssch(css, &cpu, sid, ORB_ADDR);
	printf("ssch cc=%d\n", (int)rc);
	if (rc != VCCW_CC0 || !wait_io_irq(&vcpu) ||
	    !vccw_css_take_io_irq(css, 0x80 >> ISC, &irq)) {
		fprintf(stderr, "embed: no I/O interruption\n");
		goto out;
	}
	/* The VMM stores this code at lowcore 0xB8 and loads the I/O new PSW. */
	printf("interruption sid=0x%08" PRIx32 " intparm=0x%08" PRIx32 "\n", irq.sid, irq.intparm);

	/* Guest's interruption handler: TSCH stores the IRB; SCSW is its first 12 bytes. */
	rc = vccw_css_tsch(css, &cpu, irq.sid, IRB_ADDR);
	vccw_mem_ld_be32(mem, IRB_ADDR, &scsw_ctrl);
	vccw_mem_ld_u8(mem, IRB_ADDR + 8, &dstat);
	vccw_mem_ld_u8(mem, IRB_ADDR + 9, &cstat);
	vccw_mem_ld_be16(mem, IRB_ADDR + 10, &residual);
	printf("tsch cc=%d dstat=0x%02x cstat=0x%02x residual=%u\n", (int)rc, dstat, cstat,
	       residual);

	len = SENSE_LEN - residual;
	vccw_mem_read(mem, DATA_ADDR, sense, sizeof(sense));
	printf("sense id:");
	for (i = 0; i < len; i++)
		printf(" %02x", sense[i]);
	printf("\ncontrol unit 0x%02x%02x model 0x%02x\n", sense[1], sense[2], sense[3]);
	status = 0;
	goto out;

err:
	fprintf(stderr, "embed: %s\n", err.msg);
out:
	vccw_virtio_ccw_free(transport, false);
	vccw_rng_free(rng);
	vccw_css_free(css);
	vccw_mem_free(mem);
	return status;
}
