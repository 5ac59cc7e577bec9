/* SPDX-License-Identifier: MIT */
/*
 * Trace points, private to libvccw (the embedder's side is include/vccw/trace.h): one
 * VCCW_TRACE(event, args...) per interesting transition (instruction,
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
 * Categories, the process-wide state and the line format: include/vccw/trace.h.
 */
#ifndef VCCW_TRACE_INT_H
#define VCCW_TRACE_INT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vccw/trace.h"
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
#include "../../css/src/trace-events.h"
#include "../../ccw/src/trace-events.h"
#include "../../virtio/src/trace-events.h"
#include "../../virtio-ccw/src/trace-events.h"
#undef VCCW_TRACE_EVENT
	VCCW_TRACE_NR_EVENTS
};

/* The format of each event, vccw_trace_fmt_<name>; unused ones cost nothing. */
#define VCCW_TRACE_EVENT(name, cat, fmt)                                                           \
	static const char vccw_trace_fmt_##name[] __attribute__((unused)) = fmt;
#include "../../css/src/trace-events.h"
#include "../../ccw/src/trace-events.h"
#include "../../virtio/src/trace-events.h"
#include "../../virtio-ccw/src/trace-events.h"
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

/*
 * "cc=0" .. "cc=3", "cc=unchanged" or "pic=0x0015" for an instruction's outcome, written
 * into @buf (at least 24 bytes). Returns @buf. For trace arguments: VCCW_TRACE_RC(rc).
 */
const char *vccw_trace_insn_rc(enum vccw_insn_rc rc, char *buf, size_t len);
#define VCCW_TRACE_RC(rc) vccw_trace_insn_rc((rc), (char[24]){ 0 }, 24)

#endif /* VCCW_TRACE_INT_H */
