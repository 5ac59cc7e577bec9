// SPDX-License-Identifier: MIT
/*
 * The machine's own hand-off cost, measured first so the threaded figures after it can
 * be read against it: a round trip between two threads through a condition variable
 * each way (two wake-ups, what a vCPU and the channel thread or an I/O thread pay per
 * request), with the threads free to run on any CPU and with both pinned to one CPU.
 * On a virtual machine without guest halt polling, waking a thread on an idle CPU means
 * waking that virtual CPU, which can cost far more than the wake-up itself.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

#include "bench.h"

struct bench_result bench_wakeup;

struct pp {
	pthread_mutex_t lock;
	pthread_cond_t ping_cond, pong_cond;
	bool ping, pong, stop;
};

static void *pong_thread(void *arg)
{
	struct pp *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->ping && !p->stop)
			pthread_cond_wait(&p->ping_cond, &p->lock);
		if (p->stop)
			break;
		p->ping = false;
		p->pong = true;
		pthread_cond_signal(&p->pong_cond);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void round_trips(void *arg, uint64_t n)
{
	struct pp *p = arg;
	uint64_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < n; i++) {
		p->ping = true;
		pthread_cond_signal(&p->ping_cond);
		while (!p->pong)
			pthread_cond_wait(&p->pong_cond, &p->lock);
		p->pong = false;
	}
	pthread_mutex_unlock(&p->lock);
}

static bool measure(bool pinned, struct bench_result *r)
{
	struct pp p = { .lock = PTHREAD_MUTEX_INITIALIZER,
			.ping_cond = PTHREAD_COND_INITIALIZER,
			.pong_cond = PTHREAD_COND_INITIALIZER };
	cpu_set_t one, old;
	pthread_t t;

	if (pthread_getaffinity_np(pthread_self(), sizeof(old), &old))
		return false;
	if (pinned) {
		CPU_ZERO(&one);
		CPU_SET(0, &one);
		/* The new thread inherits the pinning. */
		if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			return false;
	}
	if (pthread_create(&t, NULL, pong_thread, &p))
		return false;
	*r = bench_measure(round_trips, &p, 150);
	pthread_mutex_lock(&p.lock);
	p.stop = true;
	pthread_cond_signal(&p.ping_cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(t, NULL);
	return !pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
}

void bench_machine(void)
{
	struct bench_result pinned;

	if (!measure(false, &bench_wakeup) || !measure(true, &pinned)) {
		bench_note("machine: thread ping-pong failed");
		return;
	}
	bench_section("this machine: thread hand-off (condvar ping-pong, 2 wake-ups)");
	bench_row("round trip, threads on any CPU", BENCH_NS, bench_wakeup.median,
		  "round trip, both threads on CPU 0", pinned.median,
		  100.0 * (bench_wakeup.worst - bench_wakeup.best) / bench_wakeup.median);
}
