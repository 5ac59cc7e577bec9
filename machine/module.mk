# SPDX-License-Identifier: MIT
# The machine: vccw-vm, the VMM (command line, devices, vCPU threads running native
# guest programs or s390x code). It links libvccw and the native guest library, and
# our patched Unicorn (third_party/unicorn) for the s390x CPU back-end
# (machine/cpu/cpu-s390x*.c).

# Rooms by concern, each calling downward: the top (vccw-vm.c main, vm-machine.c, the run
# state) uses monitor/ (QMP), config/ (options), devices/ (device table, hot plug), boot/
# (IPL) and cpu/ (one file per CPU back-end). machine/guest/ is guest code, built apart.
VM_ROOMS := machine machine/config machine/devices machine/monitor machine/cpu machine/boot
VM_SRCS := $(foreach d,$(VM_ROOMS),$(wildcard $(d)/*.c))
VM_OBJS := $(patsubst %.c,$(O)/%.o,$(VM_SRCS))
VM_LAYERS := mem css ccw virtio virtio-ccw \
	$(patsubst lib/%/include,%,$(wildcard lib/devices/*/include lib/backends/*/include))

# Guest programs built into vccw-vm (machine/guest) are guest code, built like guest/.
VM_GUEST_SRCS := $(wildcard machine/guest/*.c)
VM_GUEST_OBJS := $(patsubst %.c,$(O)/native/%.o,$(VM_GUEST_SRCS))
ALL_DEPS += $(VM_OBJS:.o=.d) $(VM_GUEST_OBJS:.o=.d)

$(VM_OBJS): CPPFLAGS_MOD := $(call lib_includes,$(VM_LAYERS)) -Iguest/arch/native \
	$(addprefix -I,$(VM_ROOMS))

$(O)/vccw-vm: $(VM_OBJS) $(VM_GUEST_OBJS) $(O)/libguest-native.a $(O)/libvccw.a
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $(VM_OBJS) $(VM_GUEST_OBJS) \
		$(O)/libguest-native.a $(O)/libvccw.a $(LDLIBS)
PROGRAMS += $(O)/vccw-vm

# libjansson (Debian libjansson-dev) for the QMP monitor's JSON; without it vccw-vm
# still builds and refuses -qmp with a message naming the package.
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null)
ifneq ($(JANSSON_LIBS),)
$(VM_OBJS): CPPFLAGS_MOD += -DVM_HAVE_QMP $(JANSSON_CFLAGS)
$(O)/vccw-vm: LDLIBS += $(JANSSON_LIBS)
else
$(info vccw: libjansson not found: building vccw-vm without the QMP monitor (install libjansson-dev))
endif

# Our patched Unicorn (third_party/unicorn, GPL-2) for the s390x CPU back-end; only vccw-vm
# links it, never libvccw. NO_UNICORN=1 builds without it on purpose: vccw-vm then
# refuses s390x images with a message saying so (tests/integration checks it).
# (VM_UNICORN_CPPFLAGS/_LDLIBS: for other programs that link machine objects, the fuzzers.)
ifneq ($(NO_UNICORN),1)
VM_UNICORN_CPPFLAGS := -DVM_HAVE_UNICORN $(UC_CFLAGS)
VM_UNICORN_LDLIBS := $(UC_LIB) $(UC_LIBS)
$(VM_OBJS): CPPFLAGS_MOD += $(VM_UNICORN_CPPFLAGS)
# The headers come with the patched tree, the library with the build.
$(VM_OBJS): | $(UNICORN_DIR)/.patched
$(O)/vccw-vm: $(UC_LIB)
$(O)/vccw-vm: LDLIBS += $(VM_UNICORN_LDLIBS)
else
$(info vccw: NO_UNICORN=1: building vccw-vm without the s390x CPU back-end)
endif

# make install also installs vccw-vm and its manual page (docs/vccw-vm.1) under
# $(PREFIX)/bin and $(PREFIX)/share/man/man1 (PREFIX, DESTDIR: mk/lib.mk).
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
install: install-vccw-vm
install-vccw-vm: $(O)/vccw-vm docs/vccw-vm.1
	$(call quiet,INSTALL,$(DESTDIR)$(BINDIR)/vccw-vm)install -d $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1
	$(Q)install -m 755 $(O)/vccw-vm $(DESTDIR)$(BINDIR)/
	$(Q)install -m 644 docs/vccw-vm.1 $(DESTDIR)$(MANDIR)/man1/
.PHONY: install-vccw-vm
