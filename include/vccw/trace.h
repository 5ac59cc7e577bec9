/* SPDX-License-Identifier: MIT */
/*
 * Tracing, as the embedder sees it: the registry of trace events (name, category,
 * format), enabling and disabling them by pattern, and the sink that receives the
 * traced lines. The trace points themselves (VCCW_TRACE() and the per-layer event
 * lists) are private to the library: lib/trace/src/trace-int.h.
 *
 * Categories: css (I/O instructions with their SID and outcome), ccw (CCW fetch,
 * commands, status, program checks), irq (I/O and adapter interruptions), crw (channel
 * reports), virtio (status, features, queues, notifications), vccw (virtio-ccw commands,
 * indicators, DIAGNOSE 0x500), guest (the architected errors a guest causes: a program
 * check on an I/O instruction, a channel-program check, a unit check, a device set to
 * NEEDS_RESET, DIAGNOSE 0x500 with an unknown subcode; the library answers the guest and
 * reports it here, never printing: an embedder enables "guest" to log them, as vccw-vm's
 * -d guest_errors does). Every event name starts with its category and "_".
 *
 * Process-wide state. The enabled mask and the sink are per process, not per css: the
 * virtio layer traces without knowing any css, one enabled set must cover every layer,
 * and a trace setting only changes what an observer sees, never what a guest sees, so
 * machines sharing a process cannot affect each other through it (QEMU's trace backend
 * makes the same choice). It is the one exception to "no global mutable state" and it is
 * changed only through vccw_trace_set_state() and vccw_trace_set_sink().
 *
 * A traced line is "<event> <fields>" with no trailing newline, e.g.
 * "css_ssch sid=0x10000 orb=0x1000 cc=0": numbers in hex carry 0x, bus IDs are
 * cssid.ssid.devno (fe.0.0815).
 */
#ifndef VCCW_TRACE_H
#define VCCW_TRACE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One event of the registry. */
struct vccw_trace_event {
	const char *name;     /* "css_ssch" */
	const char *category; /* "css" */
	const char *fmt;      /* the fields' printf format */
};

/* Number of events (VCCW_TRACE_NR_EVENTS). */
unsigned int vccw_trace_nr_events(void);

/* Event @id, or NULL when @id >= vccw_trace_nr_events(). Static storage. */
const struct vccw_trace_event *vccw_trace_event_get(unsigned int id);

/* True when event @id is enabled (false for an @id out of range). */
bool vccw_trace_get_state(unsigned int id);

/*
 * True when @pattern selects @ev: a shell glob on the event name (fnmatch: "css_*",
 * "irq_queue", "*"), or exactly the event's category ("crw").
 */
bool vccw_trace_match(const char *pattern, const struct vccw_trace_event *ev);

/*
 * Enable (@on) or disable every event @pattern selects (see vccw_trace_match()).
 * Returns how many events matched, 0 when none did (nothing changes then).
 * Context: any thread; takes effect for each call site at its next pass.
 */
unsigned int vccw_trace_set_state(const char *pattern, bool on);

/* vccw_trace_set_state(@pattern, true). */
unsigned int vccw_trace_enable(const char *pattern);

/*
 * Sink of traced lines: @id is the event (see vccw_trace_event_get()), @line one event
 * without a trailing newline, valid during the call only. Called on the thread that traced, possibly with library locks held, and
 * serialised with every other call of the sink; it must not call into libvccw.
 */
typedef void vccw_trace_sink_fn(void *opaque, unsigned int id, const char *line);

/*
 * Deliver traced lines to @fn with @opaque, or discard them (@fn NULL, the default: the
 * library never prints). When this returns no thread is inside the previous sink, so
 * its @opaque may be freed.
 */
void vccw_trace_set_sink(vccw_trace_sink_fn *fn, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_TRACE_H */
