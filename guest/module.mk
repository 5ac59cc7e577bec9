# Guest code (code that runs inside a guest), built natively into libguest-native.a and
# linked into vccw-vm, whose vCPU threads run it. Guest code sees only guest/include
# (and its arch back-end, and include/vccw/byteorder.h, the byte helpers shared with
# the host), never the host library: a layering slip fails to compile.
# The bare-metal s390x build of the same sources follows in step 4.

GUEST_COMMON_SRCS := $(wildcard guest/lib/*.c guest/cio/*.c guest/virtio/*.c tests/conformance/*.c \
			guest/drivers/*.c guest/tools/*.c guest/demo/*.c)
GUEST_NATIVE_SRCS := $(GUEST_COMMON_SRCS) $(wildcard guest/arch/native/*.c)
GUEST_NATIVE_OBJS := $(patsubst %.c,$(O)/native/%.o,$(GUEST_NATIVE_SRCS))
ALL_DEPS += $(GUEST_NATIVE_OBJS:.o=.d)

$(O)/native/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS) -DGUEST_NATIVE -Iguest/include \
		-Iguest/arch/native -Iinclude $(CPPFLAGS) -c -o $@ $<

$(O)/libguest-native.a: $(GUEST_NATIVE_OBJS)
	@mkdir -p $(dir $@)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

# ---- Bare-metal s390x build of the same guest code (make guest-s390x) ----
# Needs Debian's gcc-s390x-linux-gnu; the images run under qemu-system-s390x
# (qemu-system-misc) as: qemu-system-s390x -machine s390-ccw-virtio -nographic
# -kernel $(O)/s390x/<program>.elf -device ...
CROSS_COMPILE ?= s390x-linux-gnu-
S390X_CC := $(CROSS_COMPILE)gcc
S390X_CFLAGS := -std=gnu11 -O2 -g -m64 -march=z10 -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -nostdlib -msoft-float \
	-fno-delete-null-pointer-checks -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -MMD -MP $(WARNINGS) -Iguest/include -Iguest/arch/s390x -Iinclude
GUEST_S390X_SRCS := $(GUEST_COMMON_SRCS) guest/arch/s390x/arch.c guest/arch/s390x/sclp.c \
	guest/arch/s390x/shim.c guest/arch/s390x/insntest.c guest/arch/s390x/bench.c \
	guest/arch/s390x/quiesce.c \
	machine/guest/blkcheck.c
GUEST_S390X_OBJS := $(patsubst %.c,$(O)/s390x/%.o,$(GUEST_S390X_SRCS)) \
	$(O)/s390x/guest/arch/s390x/start.o
# Guest programs with a bare-metal image: guest_<name>_main() in guest code.
# insntest, beyondram, csst, storm, bench and quiesce are s390x only (guest/arch/s390x/);
# blkcheck (machine/guest/) runs the storage tests' guest script on QEMU as well.
GUEST_S390X_PROGRAMS ?= demo conformance lsall agent hotplug insntest beyondram csst storm bench \
	blkcheck blkbench quiesce

$(O)/s390x/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,S390CC,$<)$(S390X_CC) $(S390X_CFLAGS) -c -o $@ $<

$(O)/s390x/%.o: %.S
	@mkdir -p $(dir $@)
	$(call quiet,S390AS,$<)$(S390X_CC) $(S390X_CFLAGS) -c -o $@ $<

$(O)/s390x/prog-%.o: guest/arch/s390x/program.c
	@mkdir -p $(dir $@)
	$(call quiet,S390CC,$@)$(S390X_CC) $(S390X_CFLAGS) -DGUEST_PROGRAM=guest_$*_main -c -o $@ $<

$(O)/s390x/%.elf: $(GUEST_S390X_OBJS) $(O)/s390x/prog-%.o guest/arch/s390x/flat.lds
	$(call quiet,S390LD,$@)$(S390X_CC) -nostdlib -static -no-pie -Wl,-T,guest/arch/s390x/flat.lds \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ $(filter %.o,$^) -lgcc

guest-s390x: s390x-toolchain $(patsubst %,$(O)/s390x/%.elf,$(GUEST_S390X_PROGRAMS))

s390x-toolchain:
	@command -v $(S390X_CC) >/dev/null || { echo "guest-s390x needs $(S390X_CC): apt-get install -y gcc-s390x-linux-gnu" >&2; exit 1; }

.PHONY: guest-s390x s390x-toolchain
-include $(GUEST_S390X_OBJS:.o=.d)
.SECONDARY: $(GUEST_S390X_OBJS) $(patsubst %,$(O)/s390x/prog-%.o,$(GUEST_S390X_PROGRAMS))

# The payload of the firmware-boot tests (tests/boot/run): the start-up code, console
# and guest/lib only, so that the disk images stay small.
BOOT_PAYLOAD_OBJS := $(patsubst %.c,$(O)/s390x/%.o,$(wildcard guest/lib/*.c) \
	guest/arch/s390x/arch.c guest/arch/s390x/sclp.c guest/arch/s390x/shim.c tests/boot/payload.c) \
	$(O)/s390x/guest/arch/s390x/start.o $(O)/s390x/prog-bootpayload.o
$(O)/s390x/bootpayload.elf: $(BOOT_PAYLOAD_OBJS) guest/arch/s390x/flat.lds
	$(call quiet,S390LD,$@)$(S390X_CC) -nostdlib -static -no-pie -Wl,-T,guest/arch/s390x/flat.lds \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ $(filter %.o,$^) -lgcc
# The same payload built to re-IPL once first (tests/boot/run's reipl case).
$(O)/s390x/tests/boot/payload-reipl.o: tests/boot/payload.c
	@mkdir -p $(dir $@)
	$(call quiet,S390CC,$@)$(S390X_CC) $(S390X_CFLAGS) -DPAYLOAD_REIPL -c -o $@ $<
BOOT_PAYLOAD_REIPL_OBJS := $(filter-out %/tests/boot/payload.o,$(BOOT_PAYLOAD_OBJS)) \
	$(O)/s390x/tests/boot/payload-reipl.o
$(O)/s390x/bootpayload-reipl.elf: $(BOOT_PAYLOAD_REIPL_OBJS) guest/arch/s390x/flat.lds
	$(call quiet,S390LD,$@)$(S390X_CC) -nostdlib -static -no-pie -Wl,-T,guest/arch/s390x/flat.lds \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ $(filter %.o,$^) -lgcc
-include $(O)/s390x/tests/boot/payload.d $(O)/s390x/tests/boot/payload-reipl.d
.SECONDARY: $(BOOT_PAYLOAD_OBJS) $(BOOT_PAYLOAD_REIPL_OBJS)
