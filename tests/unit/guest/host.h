/* SPDX-License-Identifier: MIT */
/*
 * A minimal machine for the native guest tests: guest RAM wrapped as vccw memory, a
 * threaded vccw css, and struct guest_native_host entry points that map the guest's
 * instructions to vccw_css_*() and deliver I/O interruptions and channel-report machine
 * checks the way a vCPU would (guest/arch/native/native-host.h). The guest program runs
 * on its own thread, like a vCPU thread of vccw-vm.
 */
#ifndef TEST_GUEST_HOST_H
#define TEST_GUEST_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/mem.h"

#include "native-host.h"

#define TH_RAM_SIZE (16u << 20)
#define TH_HEAP_START 0x10000u
#define TH_CONSOLE_SIZE 65536

struct th {
	uint8_t *ram;
	struct vccw_mem *mem;
	struct vccw_css *css;
	struct guest_native_host host;

	/* Wake-ups from the css callbacks: a counter under a condition variable. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int events;
	bool mchk_armed; /* a channel report came since the last machine check */

	/* The vCPU: state as the guest last set it (guest thread only). */
	struct guest_native_cpu_state st;
	struct vccw_cpu cpu;
	unsigned int nr_io, nr_mchk;

	char console[TH_CONSOLE_SIZE];
	size_t console_len;

	pthread_t thread;
	int (*main)(void);
	int rc;
	/* Host/guest hand-shake for hot-plug tests. */
	int stage;
	/* CHSC ends in an operation exception (a machine without CHSC). */
	bool no_chsc;
};

/* The machine of the running test (guest programs reach it through this). */
extern struct th *th;

/* Set up memory, css and the entry points; @ram_size 0 means TH_RAM_SIZE. */
void th_init(struct th *t, uint64_t ram_size);
void th_fini(struct th *t);
/* Start @main on a guest thread; th_join() waits and returns its exit code. */
void th_start(struct th *t, int (*main)(void));
int th_join(struct th *t);
/* Run @main on a guest thread to the end. */
int th_run(struct th *t, int (*main)(void));

/* Add a control unit with CU type 0x3832, model @model, device type 0 at @busid. */
struct vccw_cu *th_add_cu(struct th *t, const char *busid, uint8_t model, bool hotplug);

/* Stage hand-shake between the test thread and the guest program. */
void th_set_stage(struct th *t, int stage);
bool th_wait_stage(struct th *t, int stage, unsigned int timeout_ms);

#endif /* TEST_GUEST_HOST_H */
