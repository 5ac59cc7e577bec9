# Unit tests: one program per library layer, linking that layer and those below it.
HARNESS := tests/harness/test.c
FIXTURE := tests/unit/fixture.c
DEVICE_LAYERS := $(patsubst lib/%/include,%,$(wildcard lib/devices/*/include lib/backends/*/include))

$(eval $(call program,tests/unit-mem,$(wildcard tests/unit/mem/*.c) $(HARNESS),mem))
$(eval $(call program,tests/unit-css,$(wildcard tests/unit/css/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
$(eval $(call program,tests/unit-ccw,$(wildcard tests/unit/ccw/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
$(eval $(call program,tests/unit-virtio,$(wildcard tests/unit/virtio/*.c) $(HARNESS),mem virtio))
# The core tests wait on the I/O thread's kick eventfds (lib/virtio/src/virtio-int.h).
$(tests/unit-virtio_OBJS): CPPFLAGS_MOD += -Ilib/virtio/src
$(eval $(call program,tests/unit-virtio-ccw,$(wildcard tests/unit/virtio-ccw/*.c) $(HARNESS) $(FIXTURE),mem css ccw virtio virtio-ccw $(DEVICE_LAYERS)))
$(eval $(call program,tests/unit-devices,$(wildcard tests/unit/devices/*.c) $(HARNESS),mem virtio $(DEVICE_LAYERS)))
TEST_PROGRAMS += $(O)/tests/unit-mem $(O)/tests/unit-css $(O)/tests/unit-ccw $(O)/tests/unit-virtio \
		 $(O)/tests/unit-virtio-ccw $(O)/tests/unit-devices
# Trace points of every layer (include/vccw/trace.h), through the css and transport fixtures.
$(eval $(call program,tests/unit-trace,$(wildcard tests/unit/trace/*.c) $(HARNESS) $(FIXTURE),mem css ccw virtio virtio-ccw $(DEVICE_LAYERS)))
$(tests/unit-trace_OBJS): CPPFLAGS_MOD += -Ilib/trace/src
TEST_PROGRAMS += $(O)/tests/unit-trace

# Fuzz targets (libFuzzer, and their seed corpora replayed in make check): tests/fuzz/module.mk,
# included by the Makefile after machine/module.mk (the command-line target links the machine).

# Native guest code (guest/lib, guest/arch/native, guest/cio, guest/tools) against a
# real css: the test links libguest-native.a and sees the guest headers besides its own.
UNIT_GUEST_SRCS := $(wildcard tests/unit/guest/*.c)
$(eval $(call program,tests/unit-guest,$(UNIT_GUEST_SRCS) $(HARNESS) $(FIXTURE),mem css ccw))
$(patsubst %.c,$(O)/%.o,$(UNIT_GUEST_SRCS)): CPPFLAGS_MOD += -Iguest/include -Iguest/arch/native
$(O)/tests/unit-guest: $(O)/libguest-native.a
$(O)/tests/unit-guest: LDLIBS += $(O)/libguest-native.a
TEST_PROGRAMS += $(O)/tests/unit-guest

# Guest virtio drivers (native guest code) against libvccw's css, transport and devices.
$(eval $(call program,tests/unit-guest-virtio,$(wildcard tests/unit/guest-virtio/*.c) $(HARNESS),mem css ccw virtio virtio-ccw $(DEVICE_LAYERS)))
$(tests/unit-guest-virtio_OBJS): CPPFLAGS_MOD += -Iguest/include -Iguest/arch/native
$(O)/tests/unit-guest-virtio: $(O)/libguest-native.a
$(O)/tests/unit-guest-virtio: LDLIBS := $(O)/libguest-native.a $(LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-guest-virtio

# vccw-vm end to end (tests/integration): a bash script, run against the vccw-vm of this
# build directory.
$(O)/tests/integration-vm: tests/integration/test-vm.sh $(O)/vccw-vm
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-vm

# The QMP monitor and hot plug end to end (tests/integration/test-qmp.py, python3 with
# its standard library only), against the same vccw-vm.
$(O)/tests/integration-qmp: tests/integration/test-qmp.py $(O)/vccw-vm $(O)/tests/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-qmp

# The QMP client the Python tests share, beside their copies (tests/linux/run imports
# it from the source tree).
$(O)/tests/qmp_client.py: tests/integration/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@

# Instruction exceptions of the s390x back-end, against the PoP on vccw-vm and on QEMU
# (tests/integration/test-s390x-insn.sh with build/s390x/insntest.elf).
$(O)/tests/integration-s390x-insn: tests/integration/test-s390x-insn.sh $(O)/vccw-vm
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-s390x-insn

# Crash consistency (tests/integration/test-crash.py): vccw-vm killed with SIGKILL while
# -kernel native:stamp writes; every acknowledged write must be in the image.
$(O)/tests/integration-crash: tests/integration/test-crash.py $(O)/vccw-vm
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-crash

# Storage options end to end (tests/integration/test-storage.py): -blockdev, -drive
# format=qcow2 and NBD (qemu-img, qemu-nbd, qemu-io of qemu-utils), readonly, discard,
# detect-zeroes, snapshot, locking, block sizes, query-blockstats.
$(O)/tests/integration-storage: tests/integration/test-storage.py $(O)/vccw-vm $(O)/tests/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-storage

# The monitors (HMP through the command table, -qmp bounds) and character backends end to
# end (tests/integration/test-monitor.py, python3 with its standard library only).
$(O)/tests/integration-monitor: tests/integration/test-monitor.py $(O)/vccw-vm $(O)/tests/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-monitor

# QMP as management tools use it, on vccw-vm and qemu-system-s390x in one run
# (tests/integration/test-qmp-mgmt.py; socat for the raw-socket session).
$(O)/tests/integration-qmp-mgmt: tests/integration/test-qmp-mgmt.py $(O)/vccw-vm $(O)/tests/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-qmp-mgmt

# Lifecycle, discoverability and observability options, on vccw-vm and, where QEMU has
# the same thing, qemu-system-s390x (tests/integration/test-life.py), with the man page
# lint (groff, man) on the copy make install would install.
$(O)/tests/integration-life: tests/integration/test-life.py $(O)/vccw-vm $(O)/tests/qmp_client.py \
		$(O)/share/man/man1/vccw-vm.1
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
$(O)/share/man/man1/vccw-vm.1: docs/vccw-vm.1
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@
TEST_PROGRAMS += $(O)/tests/integration-life

# The conformance suite on both hosts: vccw-vm (native) and qemu-system-s390x
# (bare-metal image built with the s390x cross compiler).
TEST_PROGRAMS += tests/conformance/run
check: $(O)/vccw-vm $(patsubst %,$(O)/s390x/%.elf,$(GUEST_S390X_PROGRAMS))
export O

# machine/boot/ipl.c (firmware loading, IPLB, DIAGNOSE 0x308) without a CPU: the object
# vccw-vm links, with guest memory from libvccw.
$(eval $(call program,tests/unit-ipl,$(wildcard tests/unit/ipl/*.c) $(HARNESS),mem))
$(tests/unit-ipl_OBJS): CPPFLAGS_MOD += -Imachine/boot
$(O)/tests/unit-ipl: $(O)/machine/boot/ipl.o
$(O)/tests/unit-ipl: LDLIBS := $(O)/machine/boot/ipl.o $(LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-ipl

# machine/boot/kernel.c (-kernel IMAGE, -initrd, -append) without a CPU, likewise.
$(eval $(call program,tests/unit-kernel,$(wildcard tests/unit/kernel/*.c) $(HARNESS),mem))
$(tests/unit-kernel_OBJS): CPPFLAGS_MOD += -Imachine/boot
$(O)/tests/unit-kernel: $(O)/machine/boot/kernel.o
$(O)/tests/unit-kernel: LDLIBS := $(O)/machine/boot/kernel.o $(LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-kernel

# machine/cpu/sclp.c (the SCLP's commands and consoles) without a CPU, likewise.
$(eval $(call program,tests/unit-sclp,$(wildcard tests/unit/sclp/*.c) $(HARNESS),mem))
$(tests/unit-sclp_OBJS): CPPFLAGS_MOD += -Imachine/cpu
$(O)/tests/unit-sclp: $(O)/machine/cpu/sclp.o
$(O)/tests/unit-sclp: LDLIBS := $(O)/machine/cpu/sclp.o $(LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-sclp

# QEMU's s390-ccw.img firmware booting our own disk images (tests/boot/run): on
# qemu-system-s390x, and on vccw-vm when it has an s390x CPU back-end.
TEST_PROGRAMS += tests/boot/run
check: $(O)/s390x/bootpayload.elf $(O)/s390x/bootpayload-reipl.elf

# Debian 12's s390x Linux kernel booted with the seed's devices (tests/linux/run): each
# check on qemu-system-s390x and on vccw-vm, one column per host. Not in make check: it
# downloads Debian's s390x packages once (cached in $(O)/linux) and boots Linux for
# minutes; .ci/run runs it after the suites. LINUX_HOSTS picks the columns that run
# (default both; the vccw column takes about 4 minutes, the qemu one about 4 too).
LINUX_HOSTS ?= qemu vccw
check-linux: $(O)/vccw-vm
	$(Q)LINUX_HOSTS="$(LINUX_HOSTS)" tests/linux/run
.PHONY: check-linux

# machine/config/netdev.c, the -netdev / netdev_add parser, without a machine: the object
# vccw-vm links, with the network backends from libvccw.
$(eval $(call program,tests/unit-netdev,$(wildcard tests/unit/netdev/*.c) $(HARNESS),mem virtio $(DEVICE_LAYERS)))
$(tests/unit-netdev_OBJS): CPPFLAGS_MOD += $(call lib_includes,css ccw virtio-ccw) -Imachine \
	-Imachine/config -Imachine/boot -Iguest/arch/native
$(O)/tests/unit-netdev: $(O)/machine/config/netdev.o
$(O)/tests/unit-netdev: LDLIBS := $(O)/machine/config/netdev.o $(O)/libvccw.a $(LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-netdev

# The network backends end to end (tests/integration/test-net.py): two vccw-vm over
# stream, dgram and socket, through qemu-system-s390x's own netdevs, user networking's
# hostfwd=, TAP (when /dev/net/tun can be used), netdev_add and info network.
$(O)/tests/integration-net: tests/integration/test-net.py $(O)/vccw-vm $(O)/tests/qmp_client.py
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@
TEST_PROGRAMS += $(O)/tests/integration-net
