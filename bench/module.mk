# Benchmarks (make bench): one program, build/bench/vccw-bench, that measures each path
# against a baseline taken in the same run and prints a table. Never part of make check:
# speed is reported here, never asserted in tests (STYLE.md section 10).
# The virtio-blk benchmark runs the native guest drivers on the unit tests' host harness
# (tests/unit/guest-virtio/gv_host.c), compiled here into an object of its own.
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_LAYERS := mem css ccw virtio virtio-ccw $(DEVICE_LAYERS)
BENCH_GUEST_INC := -Iguest/include -Iguest/arch/native -Itests/unit/guest-virtio
$(eval $(call program,bench/vccw-bench,$(BENCH_SRCS),$(BENCH_LAYERS)))
$(bench/vccw-bench_OBJS): CPPFLAGS_MOD += $(BENCH_GUEST_INC)
ifneq ($(URING_LIBS),)
# The raw io_uring baseline of the queue-depth rows.
$(O)/bench/bench_qd.o $(O)/bench/bench_blkbench.o: CPPFLAGS_MOD += -DVCCW_HAVE_LIBURING
endif

$(O)/bench/gv_host.o: tests/unit/guest-virtio/gv_host.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS) $(call lib_includes,$(BENCH_LAYERS)) \
		$(BENCH_GUEST_INC) $(CPPFLAGS) -c -o $@ $<
ALL_DEPS += $(O)/bench/gv_host.d

$(O)/bench/vccw-bench: $(O)/bench/gv_host.o $(O)/libguest-native.a
$(O)/bench/vccw-bench: bench/vccw-bench_OBJS += $(O)/bench/gv_host.o
$(O)/bench/vccw-bench: LDLIBS := $(O)/libguest-native.a $(LDLIBS)

all: $(O)/bench/vccw-bench

# make bench: build, then run every benchmark (about a minute and a half).
# The s390x rows run build/s390x/bench.elf on vccw-vm and on qemu-system-s390x; the
# Linux row boots Debian's s390x kernel to its shell on both (tests/linux/run --bench,
# which says why when a host does not reach the shell).
bench: $(O)/bench/vccw-bench $(O)/vccw-vm $(O)/s390x/bench.elf
	$(O)/bench/vccw-bench
	tests/linux/run --bench

.PHONY: bench
