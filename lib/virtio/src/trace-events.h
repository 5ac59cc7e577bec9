/* SPDX-License-Identifier: MIT */
/*
 * Trace events of the virtio core (virtio.c): name, category, format. Included by
 * lib/trace/src/trace-int.h with VCCW_TRACE_EVENT defined; no include guard. The core knows
 * no bus: a device is its type name and its address (vdev=), which the transport's own
 * events (vccw_*) pair with a bus ID.
 */

VCCW_TRACE_EVENT(virtio_set_status, virtio, "dev=%s vdev=%p old=0x%02x new=0x%02x ok=%d")
VCCW_TRACE_EVENT(virtio_reset, virtio, "dev=%s vdev=%p")
VCCW_TRACE_EVENT(virtio_read_features, virtio, "dev=%s vdev=%p index=%u bits=0x%08x")
VCCW_TRACE_EVENT(virtio_write_features, virtio, "dev=%s vdev=%p index=%u bits=0x%08x"
		 " accepted=0x%016" PRIx64 " ok=%d")
VCCW_TRACE_EVENT(virtio_queue_setup, virtio, "dev=%s vdev=%p queue=%u size=%u desc=0x%" PRIx64
		 " packed=%d rc=%d")
VCCW_TRACE_EVENT(virtio_needs_reset, virtio, "dev=%s vdev=%p status=0x%02x")
VCCW_TRACE_EVENT(virtio_config_changed, virtio, "dev=%s vdev=%p")
VCCW_TRACE_EVENT(virtio_kick, virtio, "dev=%s vdev=%p queue=%u rc=%d")
VCCW_TRACE_EVENT(virtio_queue_notify, virtio, "dev=%s vdev=%p queue=%u serviced=%d")
VCCW_TRACE_EVENT(virtio_notify, virtio, "dev=%s vdev=%p queue=%u")

/* Guest errors (category guest, -d guest_errors): the driver broke the device's rules. */
VCCW_TRACE_EVENT(guest_virtio_needs_reset, guest, "dev=%s vdev=%p: the driver broke the "
		 "device's rules: status NEEDS_RESET")
