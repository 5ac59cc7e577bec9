# Guest code (code that runs inside a guest), built natively into libguest-native.a and
# linked into vccw-vm, whose vCPU threads run it. Guest code sees only guest/include
# (and its arch back-end), never the host library: a layering slip fails to compile.
# The bare-metal s390x build of the same sources follows in step 4.

GUEST_COMMON_SRCS := $(wildcard guest/lib/*.c guest/cio/*.c guest/virtio/*.c \
			guest/drivers/*.c guest/tools/*.c guest/demo/*.c)
GUEST_NATIVE_SRCS := $(GUEST_COMMON_SRCS) $(wildcard guest/arch/native/*.c)
GUEST_NATIVE_OBJS := $(patsubst %.c,$(O)/native/%.o,$(GUEST_NATIVE_SRCS))
ALL_DEPS += $(GUEST_NATIVE_OBJS:.o=.d)

$(O)/native/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS) -DGUEST_NATIVE -Iguest/include \
		-Iguest/arch/native $(CPPFLAGS) -c -o $@ $<

$(O)/libguest-native.a: $(GUEST_NATIVE_OBJS)
	@mkdir -p $(dir $@)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^
