/* SPDX-License-Identifier: MIT */
/*
 * Trace points: one VCCW_TRACE(event, args...) per interesting transition (instruction,
 * channel command, interruption, channel report, virtio notification), compiled in, and
 * a single relaxed load and predictable branch when the event is off: the arguments are
 * not evaluated then. The shape is QEMU's hw/s390x/trace-events: each layer lists its
 * events in one place, lib/<layer>/src/trace-events.h, one line per event
 *
 *	VCCW_TRACE_EVENT(name, category, "format")
 *
 * and a call site names the event and passes the arguments only; the format comes from
 * the list, so it exists once and the compiler checks every call site against it
 * (the format strings below are const arrays, which GCC and clang check like literals).
 *
 * Categories: css (I/O instructions with their SID and outcome), ccw (CCW fetch,
 * commands, status, program checks), irq (I/O and adapter interruptions), crw (channel
 * reports), virtio (status, features, queues, notifications), vccw (virtio-ccw commands,
 * indicators, DIAGNOSE 0x500). Every event name starts with its category and "_".
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

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vccw/types.h"

/* Bus-ID fields "fe.0.0815" of a struct vccw_busid value, for event formats. */
#define VCCW_TRACE_BUSID_FMT "%x.%x.%04x"
#define VCCW_TRACE_BUSID(id) (id).cssid, (id).ssid, (id).devno

/*
 * Event identifiers, VCCW_TRACE_ID_<name>, dense from 0 in the order of the layers'
 * lists. The paths are relative to this header: every layer sees the whole registry
 * (the enabled mask spans all of it) without -I for the other layers' sources.
 */
enum vccw_trace_id {
#define VCCW_TRACE_EVENT(name, cat, fmt) VCCW_TRACE_ID_##name,
#include "../../lib/css/src/trace-events.h"
#include "../../lib/ccw/src/trace-events.h"
#include "../../lib/virtio/src/trace-events.h"
#include "../../lib/virtio-ccw/src/trace-events.h"
#undef VCCW_TRACE_EVENT
	VCCW_TRACE_NR_EVENTS
};

/* The format of each event, vccw_trace_fmt_<name>; unused ones cost nothing. */
#define VCCW_TRACE_EVENT(name, cat, fmt)                                                           \
	static const char vccw_trace_fmt_##name[] __attribute__((unused)) = fmt;
#include "../../lib/css/src/trace-events.h"
#include "../../lib/ccw/src/trace-events.h"
#include "../../lib/virtio/src/trace-events.h"
#include "../../lib/virtio-ccw/src/trace-events.h"
#undef VCCW_TRACE_EVENT

#define VCCW_TRACE_MASK_WORDS ((VCCW_TRACE_NR_EVENTS + 63) / 64)

/*
 * Enabled events, one bit per enum vccw_trace_id. Read it only through VCCW_TRACE();
 * change it only with vccw_trace_set_state().
 */
extern uint64_t vccw_trace_mask[VCCW_TRACE_MASK_WORDS];

/* True when event @id is enabled. A relaxed load: enabling is not a synchronisation. */
static inline bool vccw_trace_enabled(enum vccw_trace_id id)
{
	return __atomic_load_n(&vccw_trace_mask[(unsigned int)id / 64], __ATOMIC_RELAXED) &
	       (UINT64_C(1) << ((unsigned int)id % 64));
}

/*
 * Trace @event (a name from a trace-events list) with the arguments its format wants.
 * When the event is off this is one load and one branch; the arguments are not evaluated.
 * Context: any thread, any lock held (the sink must not call back into libvccw).
 */
#define VCCW_TRACE(event, ...)                                                                     \
	do {                                                                                       \
		if (__builtin_expect(vccw_trace_enabled(VCCW_TRACE_ID_##event), 0))                \
			vccw_trace_emit(VCCW_TRACE_ID_##event, vccw_trace_fmt_##event,             \
					__VA_ARGS__);                                              \
	} while (0)

/*
 * Format and deliver one line for @id to the sink (if any). Called by VCCW_TRACE() once
 * the event is known to be on; preserves errno.
 */
void vccw_trace_emit(enum vccw_trace_id id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
 * Sink of traced lines: @line is one event without a trailing newline, valid during the
 * call only. Called on the thread that traced, possibly with library locks held, and
 * serialised with every other call of the sink; it must not call into libvccw.
 */
typedef void vccw_trace_sink_fn(void *opaque, enum vccw_trace_id id, const char *line);

/*
 * Deliver traced lines to @fn with @opaque, or discard them (@fn NULL, the default: the
 * library never prints). When this returns no thread is inside the previous sink, so
 * its @opaque may be freed.
 */
void vccw_trace_set_sink(vccw_trace_sink_fn *fn, void *opaque);

/*
 * "cc=0" .. "cc=3", "cc=unchanged" or "pic=0x0015" for an instruction's outcome, written
 * into @buf (at least 24 bytes). Returns @buf. For trace arguments: VCCW_TRACE_RC(rc).
 */
const char *vccw_trace_insn_rc(enum vccw_insn_rc rc, char *buf, size_t len);
#define VCCW_TRACE_RC(rc) vccw_trace_insn_rc((rc), (char[24]){ 0 }, 24)

#endif /* VCCW_TRACE_H */
