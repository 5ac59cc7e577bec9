// SPDX-License-Identifier: MIT
/*
 * The trace core: the table of every event the layers list in their trace-events.h, the
 * process-wide enabled mask that VCCW_TRACE() tests, enabling by glob pattern or
 * category, and delivery of formatted lines to the embedder's sink. See
 * include/vccw/trace.h for why the mask is per process.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace-int.h"

/* A line longer than this is cut; no event comes close. */
#define LINE_MAX_LEN 512

static const struct vccw_trace_event events[] = {
#define VCCW_TRACE_EVENT(name, cat, fmt) { #name, #cat, fmt },
#include "../../css/src/trace-events.h"
#include "../../ccw/src/trace-events.h"
#include "../../virtio/src/trace-events.h"
#include "../../virtio-ccw/src/trace-events.h"
#undef VCCW_TRACE_EVENT
};

_Static_assert(VCCW_ARRAY_SIZE(events) == VCCW_TRACE_NR_EVENTS,
	       "the event table and enum vccw_trace_id come from the same lists");

uint64_t vccw_trace_mask[VCCW_TRACE_MASK_WORDS];

/* The sink; @sink_lock serialises its calls and its replacement. */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static vccw_trace_sink_fn *sink_fn;
static void *sink_opaque;

unsigned int vccw_trace_nr_events(void)
{
	return VCCW_TRACE_NR_EVENTS;
}

const struct vccw_trace_event *vccw_trace_event_get(unsigned int id)
{
	return id < VCCW_TRACE_NR_EVENTS ? &events[id] : NULL;
}

bool vccw_trace_get_state(unsigned int id)
{
	return id < VCCW_TRACE_NR_EVENTS && vccw_trace_enabled((enum vccw_trace_id)id);
}

bool vccw_trace_match(const char *pattern, const struct vccw_trace_event *ev)
{
	if (!pattern || !ev)
		return false;
	return !strcmp(pattern, ev->category) || !fnmatch(pattern, ev->name, 0);
}

unsigned int vccw_trace_set_state(const char *pattern, bool on)
{
	unsigned int id, nr = 0;

	for (id = 0; id < VCCW_TRACE_NR_EVENTS; id++) {
		uint64_t bit = UINT64_C(1) << (id % 64);

		if (!vccw_trace_match(pattern, &events[id]))
			continue;
		if (on)
			__atomic_fetch_or(&vccw_trace_mask[id / 64], bit, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&vccw_trace_mask[id / 64], ~bit, __ATOMIC_RELAXED);
		nr++;
	}
	return nr;
}

unsigned int vccw_trace_enable(const char *pattern)
{
	return vccw_trace_set_state(pattern, true);
}

void vccw_trace_set_sink(vccw_trace_sink_fn *fn, void *opaque)
{
	pthread_mutex_lock(&sink_lock);
	__atomic_store_n(&sink_fn, fn, __ATOMIC_RELAXED);
	sink_opaque = opaque;
	pthread_mutex_unlock(&sink_lock);
}

void vccw_trace_emit(enum vccw_trace_id id, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	int saved = errno;
	va_list ap;
	int n;

	/* No sink: skip the formatting too (checked again under the lock). */
	if ((unsigned int)id >= VCCW_TRACE_NR_EVENTS ||
	    !__atomic_load_n(&sink_fn, __ATOMIC_RELAXED))
		return;
	n = snprintf(line, sizeof(line), "%s ", events[id].name);
	if (n > 0 && (size_t)n < sizeof(line)) {
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_lock(&sink_lock);
	if (sink_fn)
		sink_fn(sink_opaque, id, line);
	pthread_mutex_unlock(&sink_lock);
	errno = saved;
}

const char *vccw_trace_insn_rc(enum vccw_insn_rc rc, char *buf, size_t len)
{
	if (vccw_insn_is_pgm(rc))
		snprintf(buf, len, "pic=0x%04x", vccw_insn_pic(rc));
	else if (rc == VCCW_CC_UNCHANGED)
		snprintf(buf, len, "cc=unchanged");
	else
		snprintf(buf, len, "cc=%d", (int)rc);
	return buf;
}
