/* SPDX-License-Identifier: MIT */
/*
 * The virtio-ccw transport: a virtio device as a channel-attached device with
 * control-unit type 0x3832 and model = virtio device ID, configured through the virtio
 * channel commands, notified by the driver with DIAGNOSE 0x500, and notifying the driver
 * through classic queue indicators (with an I/O interruption), the configuration
 * indicator, or adapter (thin) interruptions. virtio specification v1.2 section 4.3
 * "Virtio Over Channel I/O"; facts in docs/reference/virtio-ccw.md.
 *
 * This is the only layer that knows both the channel subsystem and virtio.
 */
#ifndef VCCW_VIRTIO_CCW_H
#define VCCW_VIRTIO_CCW_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/ccw.h"
#include "vccw/css.h"
#include "vccw/types.h"
#include "vccw/virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VCCW_VIRTIO_CCW_CU_TYPE 0x3832

/* Channel commands (spec 4.3.1.1). */
#define VCCW_VIRTIO_CCW_CMD_SET_VQ 0x13
#define VCCW_VIRTIO_CCW_CMD_VDEV_RESET 0x33
#define VCCW_VIRTIO_CCW_CMD_READ_FEAT 0x12
#define VCCW_VIRTIO_CCW_CMD_WRITE_FEAT 0x11
#define VCCW_VIRTIO_CCW_CMD_READ_CONF 0x22
#define VCCW_VIRTIO_CCW_CMD_WRITE_CONF 0x21
#define VCCW_VIRTIO_CCW_CMD_WRITE_STATUS 0x31
#define VCCW_VIRTIO_CCW_CMD_SET_IND 0x43
#define VCCW_VIRTIO_CCW_CMD_SET_CONF_IND 0x53
#define VCCW_VIRTIO_CCW_CMD_SET_IND_ADAPTER 0x73
#define VCCW_VIRTIO_CCW_CMD_READ_VQ_CONF 0x32
#define VCCW_VIRTIO_CCW_CMD_SET_VIRTIO_REV 0x83
#define VCCW_VIRTIO_CCW_CMD_READ_STATUS 0x72

/* DIAGNOSE 0x500 subcode for a virtqueue notification. */
#define VCCW_VIRTIO_CCW_DIAG_NOTIFY 3

/*
 * Transport and ring features a device on this transport offers besides its own, as
 * QEMU's virtio-ccw devices do by default: VERSION_1 (the modern interface; virtio-ccw
 * revision 1 and up), INDIRECT_DESC and EVENT_IDX. Pass it as the device's
 * extra_features (vccw_rng_new(), vccw_blk_new() ...); add VCCW_VIRTIO_F_RING_PACKED
 * for packed rings (QEMU's packed=on).
 */
#define VCCW_VIRTIO_CCW_DEFAULT_FEATURES                                                           \
	(VCCW_BIT(VCCW_VIRTIO_F_VERSION_1) | VCCW_BIT(VCCW_VIRTIO_F_INDIRECT_DESC) |               \
	 VCCW_BIT(VCCW_VIRTIO_F_EVENT_IDX))

struct vccw_virtio_ccw;

struct vccw_virtio_ccw_config {
	const struct vccw_busid *busid; /* NULL: automatic */
	/* Highest virtio-ccw revision offered, 0-2 (QEMU's max_revision property). */
	unsigned int max_revision;
	bool hotplug; /* report the new subchannel with a CRW */
	/*
	 * Offer no adapter interruptions: SET_IND_ADAPTER is a command reject, so drivers
	 * fall back to classic indicators (tests; hosts without thin interruptions).
	 */
	bool no_adapter;
	/*
	 * Reject READ_STATUS below revision 2, as virtio 1.2 4.3.2.1.1 recommends (SHOULD).
	 * Off (the default): READ_STATUS is also executed in revision 1, because Linux
	 * drivers that negotiate revision 1 send it and lose DEVICE_NEEDS_RESET when it is
	 * rejected; the spec relaxed the rule from MUST to SHOULD for such drivers. Revision
	 * 0 rejects it either way (4.3.2.1.3: a legacy driver's commands are revision 0's).
	 */
	bool strict_read_status;
};

/*
 * Attach @vdev (initialised with vccw_virtio_dev_init(), borrowed until free) to @css as
 * a new subchannel. The subchannel becomes visible to the guest (with a CRW when
 * @cfg->hotplug) only once control unit, transport and device are linked, just before
 * this returns. Returns a new object owned by the caller, or NULL with @err filled.
 */
struct vccw_virtio_ccw *vccw_virtio_ccw_new(struct vccw_css *css, struct vccw_virtio_dev *vdev,
					    const struct vccw_virtio_ccw_config *cfg,
					    struct vccw_err *err);

/*
 * Detach (with a CRW when @hotplug) and free. The virtio device is quiesced
 * (vccw_virtio_dev_quiesce(): its backend I/O in flight ends) before the subchannel
 * disappears, and reset, not freed; it pops no buffer again.
 * Context: not the device's I/O thread; waits for the device's current backend call.
 */
void vccw_virtio_ccw_free(struct vccw_virtio_ccw *dev, bool hotplug);

struct vccw_cu *vccw_virtio_ccw_cu(const struct vccw_virtio_ccw *dev);
/* Negotiated revision, or -1 before SET_VIRTIO_REV / after reset. */
int vccw_virtio_ccw_revision(struct vccw_virtio_ccw *dev);

/*
 * The device's part of a machine (subsystem) reset, as DIAGNOSE 0x308 load-normal and
 * re-IPL do it after vccw_css_reset(): the virtio device is reset, classic, configuration
 * and adapter indicators are forgotten and the revision is unset, so the next driver
 * starts as after power-on. Context: no channel program or DIAGNOSE 0x500 of the
 * guest running on it (the vCPUs are stopped or inside the reset).
 */
void vccw_virtio_ccw_reset(struct vccw_virtio_ccw *dev);

/*
 * DIAGNOSE 0x500 as the embedder intercepts it: @subcode from GPR1, @gpr2 the
 * subchannel ID, @gpr3 the queue index, @gpr4 the host cookie. On VCCW_CC_UNCHANGED,
 * *@ret is the value for GPR2 (a host cookie >= 0, or a negative error for an unknown
 * subchannel or queue). An unknown subcode is a specification exception.
 * Context: a vCPU thread; never blocks (the notification goes to the device's I/O thread).
 */
enum vccw_insn_rc vccw_virtio_ccw_diag500(struct vccw_css *css, uint64_t subcode, uint64_t gpr2,
					  uint64_t gpr3, uint64_t gpr4, int64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_VIRTIO_CCW_H */
