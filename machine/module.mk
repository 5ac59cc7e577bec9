# SPDX-License-Identifier: MIT
# The machine: vccw-vm, the VMM (command line, devices, vCPU threads running native
# guest programs). It links libvccw and the native guest library.

VM_SRCS := $(wildcard machine/*.c)
VM_OBJS := $(patsubst %.c,$(O)/%.o,$(VM_SRCS))
VM_LAYERS := mem css ccw virtio virtio-ccw \
	$(patsubst lib/%/include,%,$(wildcard lib/devices/*/include lib/backends/*/include))

# Guest programs built into vccw-vm (machine/guest) are guest code, built like guest/.
VM_GUEST_SRCS := $(wildcard machine/guest/*.c)
VM_GUEST_OBJS := $(patsubst %.c,$(O)/native/%.o,$(VM_GUEST_SRCS))
ALL_DEPS += $(VM_OBJS:.o=.d) $(VM_GUEST_OBJS:.o=.d)

$(VM_OBJS): CPPFLAGS_MOD := $(call lib_includes,$(VM_LAYERS)) -Iguest/arch/native

$(O)/vccw-vm: $(VM_OBJS) $(VM_GUEST_OBJS) $(O)/libguest-native.a $(O)/libvccw.a
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $(VM_OBJS) $(VM_GUEST_OBJS) \
		$(O)/libguest-native.a $(O)/libvccw.a $(LDLIBS)
PROGRAMS += $(O)/vccw-vm
