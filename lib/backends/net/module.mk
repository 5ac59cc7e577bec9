# SPDX-License-Identifier: MIT
# Network backends: the vccw_be_net_ops interface; user (libslirp), tap, socket,
# loopback and none kinds; the spec parser behind -netdev.
$(eval $(call lib_module,backends/net,))

# libslirp for the "user" kind: pkg-config first; its slirp.pc requires glib-2.0's .pc
# (libglib2.0-dev), which libslirp itself does not need, so fall back to a try-link.
# Missing, the kind is left out and announced here; opening it then fails naming the
# package.
SLIRP_CFLAGS := $(shell pkg-config --cflags slirp 2>/dev/null)
SLIRP_LIBS := $(shell pkg-config --libs slirp 2>/dev/null)
SLIRP_HASH := \#
ifeq ($(SLIRP_LIBS),)
SLIRP_PROBE := $(SLIRP_HASH)include <libslirp.h>\nint main(void) { return !slirp_version_string(); }
ifeq ($(shell printf '$(SLIRP_PROBE)\n' | \
	$(CC) -x c -I/usr/include/slirp -o /dev/null - -lslirp 2>/dev/null && echo yes),yes)
SLIRP_CFLAGS := -I/usr/include/slirp
SLIRP_LIBS := -lslirp
endif
endif
ifeq ($(SLIRP_LIBS),)
$(info vccw: libslirp not found: building without -netdev user (install libslirp-dev))
else
$(O)/lib/backends/net/src/user.o: CPPFLAGS_MOD += $(SLIRP_CFLAGS) -DVCCW_HAVE_SLIRP
LIBVCCW_LIBS += $(SLIRP_LIBS)
endif
