/* SPDX-License-Identifier: MIT */
/*
 * Host harness for the native guest virtio drivers: a machine made of guest RAM, a
 * threaded css, virtio-ccw devices (blk over a temporary file, console over a pipe and
 * a file, rng) from libvccw, and a struct guest_native_host whose entry points call the
 * css and the DIAGNOSE 0x500 handler. The guest program runs with guest_native_run()
 * on its own thread, as on a vCPU.
 */
#ifndef GV_HOST_H
#define GV_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "native-host.h"
#include "vccw/blk.h"
#include "vccw/console.h"
#include "vccw/css.h"
#include "vccw/poll.h"
#include "vccw/rng.h"
#include "vccw/virtio-ccw.h"

#define GV_RAM_SIZE (64u << 20)
#define GV_MAX_DEVS 8

enum gv_kind { GV_BLK, GV_CONSOLE, GV_RNG, GV_OTHER };

struct gv_dev {
	enum gv_kind kind;
	struct vccw_virtio_ccw *vc;
	struct vccw_blk *blk;
	struct vccw_console *con;
	struct vccw_rng *rng;
	struct vccw_be_blk *be_blk;
	struct vccw_be_char *be_char;
	char path[64];     /* blk image / console output file */
	int con_in_w;      /* console: write end of the input pipe */
};

struct gv_machine {
	uint8_t *ram;
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct vccw_cpu cpu;
	struct guest_native_host host;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool kick;          /* an interruption or channel report may be pending; atomic */
	struct vccw_poll poll; /* the vCPU's polling before it sleeps */
	bool crw_signalled; /* css reported a new channel report */
	struct guest_native_cpu_state st;

	struct gv_dev devs[GV_MAX_DEVS];
	unsigned int nr_devs;
};

/* Default features offered besides the device's: VERSION_1, EVENT_IDX, RING_PACKED. */
uint64_t gv_default_extra(void);

bool gv_init(struct gv_machine *m);
void gv_fini(struct gv_machine *m);
/* Add devices (cold plug). Return the device index, or -1. */
int gv_add_blk(struct gv_machine *m, unsigned int max_rev, uint64_t extra, uint64_t size);
int gv_add_console(struct gv_machine *m, unsigned int max_rev, uint64_t extra);
int gv_add_rng(struct gv_machine *m, unsigned int max_rev, uint64_t extra);
/* Attach a virtio device the caller initialised (and finalises after gv_fini()). */
int gv_add_vdev(struct gv_machine *m, struct vccw_virtio_dev *vdev, unsigned int max_rev);
/*
 * Hot unplug device @idx while the guest runs (any thread): its subchannel goes, with a
 * channel report when @crw (as vccw-vm's device_del), quietly otherwise. The device
 * model itself stays until gv_fini().
 */
void gv_unplug(struct gv_machine *m, int idx, bool crw);
/* Run @main as the guest program on a new thread; returns its value. */
int gv_run(struct gv_machine *m, int (*main_fn)(void));

#endif /* GV_HOST_H */
