/* SPDX-License-Identifier: MIT */
/*
 * libvccw, the s390 virtual channel subsystem and the virtio-ccw transport, for a VMM
 * to embed: this header includes every public header. Including only the headers of
 * the layers used works as well; each compiles on its own, in C and in C++.
 *
 *	vccw/mem.h          guest memory and its bounds-checked accessors
 *	vccw/css.h          channel subsystem, subchannels, I/O instructions, CRWs
 *	vccw/ccw.h          channel-program engine and the control-unit interface
 *	vccw/virtio.h       virtio core: features, status, devices (with virtqueue.h)
 *	vccw/virtio-ccw.h   the virtio-ccw transport and DIAGNOSE 0x500
 *	vccw/blk.h, net.h, console.h, rng.h, balloon.h     virtio devices
 *	vccw/be-blk.h, be-net.h, be-char.h                 their host backends
 *	vccw/trace.h        trace events and the sink of traced lines
 *	vccw/version.h      VCCW_VERSION* and vccw_version()
 *	vccw/types.h        common types: errors, log levels, instruction outcomes
 *
 * Build with: cc $(pkg-config --cflags vccw) ... $(pkg-config --libs vccw)
 * (add --static to pkg-config to link libvccw.a). docs/api.md is the reference.
 */
#ifndef VCCW_VCCW_H
#define VCCW_VCCW_H

#include "vccw/types.h"
#include "vccw/version.h"
#include "vccw/trace.h"
#include "vccw/mem.h"
#include "vccw/css.h"
#include "vccw/ccw.h"
#include "vccw/virtqueue.h"
#include "vccw/list.h"
#include "vccw/poll.h"
#include "vccw/virtio.h"
#include "vccw/virtio-ccw.h"
#include "vccw/be-blk.h"
#include "vccw/be-char.h"
#include "vccw/be-net.h"
#include "vccw/blk.h"
#include "vccw/net.h"
#include "vccw/console.h"
#include "vccw/rng.h"
#include "vccw/balloon.h"

#endif /* VCCW_VCCW_H */
