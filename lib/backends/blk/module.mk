# SPDX-License-Identifier: MIT
# Block backends: the vccw_be_blk_ops interface and the raw file / block device backend.
$(eval $(call lib_module,backends/blk,))

# liburing for aio=io_uring|native (Debian liburing-dev): pkg-config. Missing, the
# backend keeps aio=threads only, announced here; asking for io_uring then fails
# naming the package.
URING_LIBS := $(shell pkg-config --libs liburing 2>/dev/null)
ifeq ($(URING_LIBS),)
$(info vccw: liburing not found: building without aio=io_uring (install liburing-dev))
else
$(O)/lib/backends/blk/src/file.o: CPPFLAGS_MOD += $(shell pkg-config --cflags liburing) -DVCCW_HAVE_LIBURING
$(O)/lib/backends/blk/src/blk.o: CPPFLAGS_MOD += -DVCCW_HAVE_LIBURING
LIBVCCW_LIBS += $(URING_LIBS)
endif

# libnbd (Debian libnbd-dev, LGPL-2.1+) for the NBD backend (QEMU's driver=nbd, and qcow2
# images served by qemu-nbd): pkg-config. Missing, the build says so and the NBD backend
# refuses with a message naming the package.
NBD_LIBS := $(shell pkg-config --libs libnbd 2>/dev/null)
ifeq ($(NBD_LIBS),)
$(info vccw: libnbd not found: building without the NBD backend (install libnbd-dev))
else
$(O)/lib/backends/blk/src/nbd.o: CPPFLAGS_MOD += $(shell pkg-config --cflags libnbd) -DVCCW_HAVE_LIBNBD
LIBVCCW_LIBS += $(NBD_LIBS)
endif
