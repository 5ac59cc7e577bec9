/* SPDX-License-Identifier: MIT */
/*
 * Polling before sleeping, adaptive and bounded, in the shape of QEMU's AioContext
 * polling (util/aio-posix.c, poll-max-ns / poll-grow / poll-shrink): a waiter that
 * expects its event soon spins on the shared state for a window before it blocks,
 * because waking a sleeping thread on another CPU costs tens of microseconds on a
 * virtual machine. The window starts at 0, grows (doubling from VCCW_POLL_START_NS)
 * while events arrive after the window but within @max_ns, stays while they arrive
 * within it, and drops to 0 after a wait longer than @max_ns. A thread that waits for
 * seconds therefore polls once for at most @max_ns and then not at all: an idle
 * machine spends no CPU time polling.
 *
 * Header only, no state beyond struct vccw_poll: each waiting thread owns one.
 */
#ifndef VCCW_POLL_H
#define VCCW_POLL_H

#include <stdbool.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Default bound of a window. QEMU's iothreads use 32768 ns; here two threads poll for
 * each other (vCPU and channel or I/O thread), and until both windows are open each
 * wait includes the peer's own wake-up, which costs 20-60 us on a virtual machine: a
 * bound below that never lets the windows grow. 200 us leaves room for it.
 */
#define VCCW_POLL_DEFAULT_MAX_NS 200000u
/* First window after a wait that polling would have caught. */
#define VCCW_POLL_START_NS 4000u

struct vccw_poll {
	uint32_t max_ns; /* bound of the window; 0: never poll */
	uint32_t ns;     /* current window */
};

static inline uint64_t vccw_poll_now_ns(void)
{
	struct timespec ts;

	/*
	 * C11's clock (an installed header must compile with -std=c11, where POSIX's
	 * clock_gettime is not declared). A step of the wall clock only ends one polling
	 * window early or at once: every use subtracts two readings, unsigned.
	 */
	timespec_get(&ts, TIME_UTC);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void vccw_poll_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Spin until @ready(@arg) returns true or the current window has passed; *@t0
 * receives the time the wait began, for vccw_poll_adapt(). @ready must be cheap and
 * lock-free (an atomic load). Returns true when the event came while polling.
 */
static inline bool vccw_poll_spin(struct vccw_poll *p, bool (*ready)(void *arg), void *arg,
				  uint64_t *t0)
{
	uint64_t start = vccw_poll_now_ns();

	*t0 = start;
	if (ready(arg))
		return true;
	while (vccw_poll_now_ns() - start < p->ns) {
		if (ready(arg))
			return true;
		vccw_poll_relax();
		/*
		 * Give way to runnable threads: on a host with more runnable threads
		 * than CPUs the peer we wait for may need this very CPU.
		 */
		sched_yield();
	}
	return false;
}

/* The wait that began at @t0 is over (event or timeout): adjust the window. */
static inline void vccw_poll_adapt(struct vccw_poll *p, uint64_t t0)
{
	uint64_t waited = vccw_poll_now_ns() - t0;

	if (waited <= p->ns)
		return; /* caught by polling: the window fits */
	if (waited > p->max_ns) {
		p->ns = 0; /* the event was far away: polling would only have burnt CPU */
	} else if (p->ns < p->max_ns) {
		/* The event came soon after we slept: poll longer next time. */
		p->ns = p->ns ? p->ns * 2 : VCCW_POLL_START_NS;
		if (p->ns > p->max_ns)
			p->ns = p->max_ns;
	}
}

#ifdef __cplusplus
}
#endif

#endif /* VCCW_POLL_H */
