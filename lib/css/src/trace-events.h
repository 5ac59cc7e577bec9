/* SPDX-License-Identifier: MIT */
/*
 * Trace events of the css layer (css.c, ioinst.c, chsc.c): name, category, format.
 * Included by lib/trace/src/trace-int.h with VCCW_TRACE_EVENT defined; no include guard.
 * A SID is the subsystem-identification word as the guest passes it; an outcome is
 * VCCW_TRACE_RC() ("cc=1", "pic=0x0015"); bus IDs are cssid.ssid.devno.
 */

/* I/O instructions (ioinst.c, chsc.c): operands, then the outcome. */
VCCW_TRACE_EVENT(css_stsch, css, "sid=0x%x schib=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_msch, css, "sid=0x%x schib=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_ssch, css, "sid=0x%x orb=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_tsch, css, "sid=0x%x irb=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_hsch, css, "sid=0x%x %s")
VCCW_TRACE_EVENT(css_csch, css, "sid=0x%x %s")
VCCW_TRACE_EVENT(css_rsch, css, "sid=0x%x %s")
VCCW_TRACE_EVENT(css_xsch, css, "sid=0x%x %s")
VCCW_TRACE_EVENT(css_tpi, css, "addr=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_stcrw, css, "addr=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_rchp, css, "gpr1=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_sal, css, "gpr1=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_schm, css, "gpr1=0x%" PRIx64 " gpr2=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_sic, css, "mode=0x%" PRIx64 " isc=%u %s")
VCCW_TRACE_EVENT(css_chsc, css, "addr=0x%" PRIx64 " %s")
VCCW_TRACE_EVENT(css_chsc_cmd, css, "code=0x%04x name=%s len=0x%x rsp=0x%04x")
/* Subchannels and the functions the channel thread performs (css.c). */
VCCW_TRACE_EVENT(css_sch_add, css, "sch=" VCCW_TRACE_BUSID_FMT " dev=" VCCW_TRACE_BUSID_FMT
		 " hotplug=%d")
VCCW_TRACE_EVENT(css_sch_del, css, "sch=" VCCW_TRACE_BUSID_FMT " dev=" VCCW_TRACE_BUSID_FMT
		 " hotplug=%d")
VCCW_TRACE_EVENT(css_func, css, "dev=" VCCW_TRACE_BUSID_FMT " func=%s")
VCCW_TRACE_EVENT(css_status, css, "dev=" VCCW_TRACE_BUSID_FMT " ctrl=0x%x cpa=0x%x dstat=0x%02x"
		 " cstat=0x%02x count=0x%x")

/* I/O and adapter interruptions (css.c). */
VCCW_TRACE_EVENT(irq_queue, irq, "sid=0x%x isc=%u intparm=0x%x")
VCCW_TRACE_EVENT(irq_withdraw, irq, "sid=0x%x isc=%u")
VCCW_TRACE_EVENT(irq_take, irq, "sid=0x%x intparm=0x%x iiw=0x%x")
VCCW_TRACE_EVENT(irq_requeue, irq, "sid=0x%x iiw=0x%x")
VCCW_TRACE_EVENT(irq_adapter, irq, "isc=%u queued=%d")
VCCW_TRACE_EVENT(irq_unsolicited, irq, "dev=" VCCW_TRACE_BUSID_FMT " dstat=0x%x presented=%d")

/* Channel reports (css.c). */
VCCW_TRACE_EVENT(crw_queue, crw, "crw=0x%08x mchk=%d")
VCCW_TRACE_EVENT(crw_lost, crw, "rsc=0x%x erc=0x%x rsid=0x%04x")
VCCW_TRACE_EVENT(crw_store, crw, "crw=0x%08x")

/* Guest errors (category guest, -d guest_errors): an I/O instruction the guest got wrong. */
VCCW_TRACE_EVENT(guest_css_pgm, guest, "%s sid=0x%x addr=0x%" PRIx64
		 ": program check %s (operands the architecture does not accept)")
