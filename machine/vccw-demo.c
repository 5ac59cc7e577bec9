// SPDX-License-Identifier: MIT
/*
 * vccw-demo: the main job until vccw-vm exists. It assembles the host side the way a VMM
 * will (guest memory, a threaded channel subsystem, one control unit per virtio device
 * with the virtio-ccw SENSE ID data: CU type 0x3832, model = virtio device ID) and prints
 * the subchannels in the format of s390-tools' lscss, so that a run shows at a glance
 * which bus IDs and subchannel numbers the css handed out and what SCHIB a guest would
 * read. The control units have no commands yet: the virtio-ccw transport comes later.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#define DEMO_MEM_SIZE (UINT64_C(64) << 20)
#define VIRTIO_CCW_CU_TYPE 0x3832

struct demo_dev {
	const char *name;
	const char *busid; /* NULL: let the css choose, as QEMU does without devno= */
	uint8_t virtio_id;
};

static const struct demo_dev demo_devs[] = {
	{ "virtio-net", "fe.0.0000", 1 },
	{ "virtio-blk", "fe.0.0815", 2 },
	{ "virtio-console", "fe.0.9999", 3 },
	{ "virtio-balloon", "fe.1.abcd", 5 },
	{ "virtio-rng", NULL, 4 },
};

#define NR_DEMO_DEVS VCCW_ARRAY_SIZE(demo_devs)

/* No channel commands yet: the engine still answers NOP, SENSE ID and BASIC SENSE. */
static const struct vccw_cu_ops demo_ops = { .cmds = NULL, .nr_cmds = 0 };

struct demo {
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cu *cu[NR_DEMO_DEVS];
	struct vccw_sense_id id[NR_DEMO_DEVS];
};

static void demo_log(void *opaque, enum vccw_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "vccw-demo: %s\n", msg);
}

static const struct vccw_css_ops demo_css_ops = {
	.log = demo_log,
};

/* Prefix the message in @err with the device it is about. */
static int name_device(struct vccw_err *err, const struct demo_dev *dev)
{
	/* A record left at 0 must still read as a failure to the caller. */
	int code = err->code ? -err->code : EINVAL;
	char why[sizeof(err->msg)];

	/* Copied first: vccw_err_set() rewrites the buffer it would read from. */
	memcpy(why, err->msg, sizeof(why));
	return vccw_err_set(err, code, "%s: %s", dev->name, why);
}

static int add_devices(struct demo *d, struct vccw_err *err)
{
	unsigned int i;

	for (i = 0; i < NR_DEMO_DEVS; i++) {
		const struct demo_dev *dev = &demo_devs[i];
		struct vccw_cu_config cfg = {
			.ops = &demo_ops,
			.opaque = d,
			.id = {
				.cu_type = VIRTIO_CCW_CU_TYPE,
				.cu_model = dev->virtio_id,
			},
		};
		struct vccw_busid busid;

		if (dev->busid) {
			if (vccw_css_parse_busid(dev->busid, &busid, err))
				return name_device(err, dev);
			cfg.busid = &busid;
		}
		d->id[i] = cfg.id;
		d->cu[i] = vccw_cu_new(d->css, &cfg, err);
		if (!d->cu[i])
			return name_device(err, dev);
	}
	return 0;
}

static int print_sch(struct vccw_sch *sch, void *arg)
{
	const struct demo *d = arg;
	const struct vccw_sense_id *id = NULL;
	struct vccw_schib schib;
	struct vccw_busid busid;
	const uint8_t *chp;
	unsigned int i;

	for (i = 0; i < NR_DEMO_DEVS; i++) {
		if (d->cu[i] && vccw_cu_sch(d->cu[i]) == sch) {
			id = &d->id[i];
			break;
		}
	}
	/* Every subchannel here was made by add_devices(); anything else is a css bug. */
	if (!id)
		return -1;

	vccw_sch_get_schib(sch, &schib);
	busid = vccw_sch_busid(sch);
	chp = schib.pmcw.chpid;
	/*
	 * The guest sees the virtual css image 0xfe as css 0 until it enables MCSS-E, so
	 * bus IDs are printed the way lscss in the guest would print them.
	 */
	printf("0.%x.%04x 0.%x.%04x  %04x/%02x %04x/%02x %-3s  %02x  %02x  %02x   "
	       "%02x%02x%02x%02x %02x%02x%02x%02x\n",
	       busid.ssid, busid.devno, busid.ssid, vccw_sch_schnr(sch), id->dev_type,
	       id->dev_model, id->cu_type, id->cu_model,
	       (schib.pmcw.flags & VCCW_PMCW_ENA) ? "yes" : "no", schib.pmcw.pim,
	       schib.pmcw.pam, schib.pmcw.pom, chp[0], chp[1], chp[2], chp[3], chp[4], chp[5],
	       chp[6], chp[7]);
	return 0;
}

static void demo_free(struct demo *d)
{
	unsigned int i;

	for (i = NR_DEMO_DEVS; i-- > 0;)
		vccw_cu_free(d->cu[i], false);
	vccw_css_free(d->css);
	vccw_mem_free(d->mem);
}

int main(void)
{
	/* Default configuration: a channel thread runs subchannel functions. */
	const struct vccw_css_config css_cfg = { .ops = &demo_css_ops };
	struct vccw_err err = { 0 };
	struct demo d = { 0 };
	int rc;

	d.mem = vccw_mem_new(DEMO_MEM_SIZE, &err);
	if (!d.mem)
		goto err_report;
	d.css = vccw_css_new(d.mem, &css_cfg, &err);
	if (!d.css)
		goto err_free_demo;
	if (add_devices(&d, &err))
		goto err_free_demo;

	printf("Device   Subchan.  DevType CU Type Use  PIM PAM POM  CHPIDs\n");
	printf("----------------------------------------------------------------------\n");
	rc = vccw_css_for_each_sch(d.css, print_sch, &d);
	if (rc) {
		vccw_err_set(&err, EPROTO, "a subchannel belongs to no control unit of the demo");
		goto err_free_demo;
	}
	if (fflush(stdout) == EOF) {
		vccw_err_set(&err, EIO, "cannot write the subchannel table");
		goto err_free_demo;
	}
	demo_free(&d);
	return EXIT_SUCCESS;

err_free_demo:
	demo_free(&d);
err_report:
	fprintf(stderr, "vccw-demo: %s\n", err.msg);
	return EXIT_FAILURE;
}
