/* SPDX-License-Identifier: MIT */
/*
 * Trace events of the channel-program engine (engine.c): name, category, format.
 * Included by lib/trace/src/trace-int.h with VCCW_TRACE_EVENT defined; no include guard.
 * dev= is the device's bus ID; CCW addresses, command codes and status bytes in hex.
 */

VCCW_TRACE_EVENT(ccw_start, ccw, "dev=" VCCW_TRACE_BUSID_FMT " cpa=0x%x ctrl=0x%x fmt=%d")
VCCW_TRACE_EVENT(ccw_resume, ccw, "dev=" VCCW_TRACE_BUSID_FMT " cpa=0x%x")
VCCW_TRACE_EVENT(ccw_fetch, ccw, "dev=" VCCW_TRACE_BUSID_FMT " addr=0x%x cmd=0x%02x flags=0x%02x"
		 " count=0x%x cda=0x%x")
VCCW_TRACE_EVENT(ccw_tic, ccw, "dev=" VCCW_TRACE_BUSID_FMT " addr=0x%x target=0x%x")
VCCW_TRACE_EVENT(ccw_cmd, ccw, "dev=" VCCW_TRACE_BUSID_FMT " addr=0x%x cmd=0x%02x name=\"%s\""
		 " count=0x%x rc=%s dstat=0x%02x cstat=0x%02x residual=0x%x")
VCCW_TRACE_EVENT(ccw_prog_check, ccw, "dev=" VCCW_TRACE_BUSID_FMT " addr=0x%x why=%s")
VCCW_TRACE_EVENT(ccw_suspend, ccw, "dev=" VCCW_TRACE_BUSID_FMT " addr=0x%x")
VCCW_TRACE_EVENT(ccw_status, ccw, "dev=" VCCW_TRACE_BUSID_FMT " rc=%s cpa=0x%x count=0x%x"
		 " dstat=0x%02x cstat=0x%02x")
VCCW_TRACE_EVENT(ccw_cancel, ccw, "dev=" VCCW_TRACE_BUSID_FMT " active=%d cpa=0x%x")

/* Guest errors (category guest, -d guest_errors): a channel program the guest got wrong. */
VCCW_TRACE_EVENT(guest_ccw_prog_check, guest, "dev=" VCCW_TRACE_BUSID_FMT
		 " ccw=0x%x: channel-program check: %s")
VCCW_TRACE_EVENT(guest_ccw_unit_check, guest, "dev=" VCCW_TRACE_BUSID_FMT
		 " ccw=0x%x cmd=0x%02x: unit check (%s)")
