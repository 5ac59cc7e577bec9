/* SPDX-License-Identifier: MIT */
/*
 * Trace events of the virtio-ccw transport (virtio-ccw.c): name, category, format.
 * Included by lib/trace/src/trace-int.h with VCCW_TRACE_EVENT defined; no include guard.
 * Every command event carries the device's bus ID, the revision in force (-1: none
 * selected yet) and the outcome (ok, reject, unit-check, unit-exception).
 */

VCCW_TRACE_EVENT(vccw_set_rev, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d req=%u len=%u rc=%s")
VCCW_TRACE_EVENT(vccw_set_vq, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d queue=%u num=%u"
		 " desc=0x%" PRIx64 " rc=%s")
VCCW_TRACE_EVENT(vccw_vdev_reset, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d rc=%s")
VCCW_TRACE_EVENT(vccw_read_feat, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d index=%u bits=0x%08x"
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_write_feat, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d index=%u"
		 " bits=0x%08x rc=%s")
VCCW_TRACE_EVENT(vccw_read_conf, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d count=0x%x len=0x%x"
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_write_conf, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d len=0x%x rc=%s")
VCCW_TRACE_EVENT(vccw_write_status, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d status=0x%02x"
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_read_status, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d status=0x%02x"
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_set_ind, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d ind=0x%" PRIx64
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_set_conf_ind, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d ind=0x%" PRIx64
		 " rc=%s")
VCCW_TRACE_EVENT(vccw_set_ind_adapter, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d summary=0x%"
		 PRIx64 " area=0x%" PRIx64 " bit=0x%" PRIx64 " isc=%u rc=%s")
VCCW_TRACE_EVENT(vccw_read_vq_conf, vccw, "dev=" VCCW_TRACE_BUSID_FMT " rev=%d queue=%u"
		 " max=%u rc=%s")
/* Notifications to the driver (spec 4.3.3.1) and from it (4.3.3.2). */
VCCW_TRACE_EVENT(vccw_notify_queue, vccw, "dev=" VCCW_TRACE_BUSID_FMT " queue=%u ind=%s irq=%d")
VCCW_TRACE_EVENT(vccw_notify_config, vccw, "dev=" VCCW_TRACE_BUSID_FMT " conf_ind=0x%" PRIx64
		 " irq=%d")
VCCW_TRACE_EVENT(vccw_diag500, vccw, "sid=0x%x subcode=0x%" PRIx64 " data=0x%" PRIx64 " rc=%d")

/* Guest errors (category guest, -d guest_errors). */
VCCW_TRACE_EVENT(guest_diag500, guest, "sid=0x%x subcode=0x%" PRIx64 ": DIAGNOSE 0x500 with "
		 "an unknown subcode: specification exception")
