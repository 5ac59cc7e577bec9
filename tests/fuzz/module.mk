# SPDX-License-Identifier: MIT
# Fuzz targets (tests/fuzz/fuzz_<name>.c, tests/fuzz/README.md). Each one is built twice:
# linked with tests/fuzz/replay.c as a test of make check, which replays its committed
# seed corpus (tests/fuzz/corpus/<name>) and a fixed-seed random stream; and with clang's
# libFuzzer, ASan and UBSan (make fuzz). The coverage of the corpus: make fuzz-cov.

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_COV_FLAGS := -fprofile-instr-generate -fcoverage-mapping
FUZZ_TARGETS :=
# The libFuzzer builds compile the library sources themselves: with liburing, as
# lib/backends/blk/module.mk builds them (aio=io_uring), so that requests in flight are fuzzed.
FUZZ_URING = $(if $(URING_LIBS),-DVCCW_HAVE_LIBURING $(shell pkg-config --cflags liburing))

# fuzz_target(name, layers, max_len): layers are the library layers it links and owns
# (their sources are compiled into the libFuzzer binary).
define fuzz_target
$$(eval $$(call program,tests/fuzz-$(1)-replay,tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c,$(2)))
TEST_PROGRAMS += $$(O)/tests/fuzz-$(1)-replay
FUZZ_SRCS_$(1) := $$(foreach l,trace $(2),$$(wildcard lib/$$(l)/src/*.c))
FUZZ_INC_$(1) := $$(call lib_includes,$(2)) $$(foreach l,trace $(2),-Ilib/$$(l)/src)
$$(O)/fuzz/fuzz-$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1))
	@mkdir -p $$(dir $$@)
	$$(call quiet,FUZZ,$$@)$$(FUZZ_CC) -g -O1 $$(FUZZ_SAN) $$(FUZZ_INC_$(1)) $$(FUZZ_URING) -o $$@ $$^ \
		-pthread $$(URING_LIBS)
$$(O)/fuzz/cov-$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c $$(FUZZ_SRCS_$(1))
	@mkdir -p $$(dir $$@)
	$$(call quiet,COV,$$@)$$(FUZZ_CC) -g -O1 $$(FUZZ_COV_FLAGS) $$(FUZZ_INC_$(1)) $$(FUZZ_URING) -o $$@ $$^ \
		-pthread $$(URING_LIBS)
fuzz-$(1): $$(O)/fuzz/fuzz-$(1)
	@mkdir -p $$(O)/fuzz/corpus-$(1)
	$$(O)/fuzz/fuzz-$(1) -max_total_time=$$(FUZZ_TIME) -max_len=$(3) -print_final_stats=1 \
		-artifact_prefix=$$(O)/fuzz/$(1)- $$(O)/fuzz/corpus-$(1) tests/fuzz/corpus/$(1)
# Line coverage of the layers the target owns, over the committed seeds and what
# make fuzz-<name> found (FUZZ_COV_CORPUS=dir to choose).
fuzz-cov-$(1): $$(O)/fuzz/cov-$(1)
	@mkdir -p $$(O)/fuzz/corpus-$(1)
	LLVM_PROFILE_FILE=$$(O)/fuzz/cov-$(1).profraw $$(O)/fuzz/cov-$(1) \
		$$(or $$(FUZZ_COV_CORPUS),$$(O)/fuzz/corpus-$(1)) 0 >/dev/null
	LLVM_PROFILE_FILE=$$(O)/fuzz/cov-$(1)-seeds.profraw $$(O)/fuzz/cov-$(1) tests/fuzz/corpus/$(1) >/dev/null
	llvm-profdata$$(FUZZ_LLVM_SUFFIX) merge -o $$(O)/fuzz/cov-$(1).profdata \
		$$(O)/fuzz/cov-$(1).profraw $$(O)/fuzz/cov-$(1)-seeds.profraw
	llvm-cov$$(FUZZ_LLVM_SUFFIX) report $$(O)/fuzz/cov-$(1) -instr-profile=$$(O)/fuzz/cov-$(1).profdata \
		$$(FUZZ_OWNS_$(1))
FUZZ_TARGETS += $(1)
endef

FUZZ_LLVM_SUFFIX ?= $(if $(shell command -v llvm-cov 2>/dev/null),,-14)

FUZZ_DEVICE_LAYERS := devices/blk devices/console devices/net devices/balloon devices/rng \
	backends/blk backends/char backends/net

$(eval $(call fuzz_target,css,mem css ccw,65536))
FUZZ_OWNS_css := lib/css/src/*.c lib/ccw/src/*.c
$(eval $(call fuzz_target,vq,mem virtio,70000))
FUZZ_OWNS_vq := lib/virtio/src/vq.c
$(eval $(call fuzz_target,vccw,mem css ccw virtio virtio-ccw,4001))
FUZZ_OWNS_vccw := lib/virtio-ccw/src/virtio-ccw.c
$(eval $(call fuzz_target,dev,mem virtio $(FUZZ_DEVICE_LAYERS),65568))
FUZZ_OWNS_dev := $(foreach d,blk console net balloon rng,lib/devices/$(d)/src/*.c)

.PHONY: fuzz fuzz-cov $(addprefix fuzz-,$(FUZZ_TARGETS)) $(addprefix fuzz-cov-,$(FUZZ_TARGETS))

# The command line of vccw-vm: machine/ objects but vccw-vm.o (main), without starting a
# machine. The libFuzzer build instruments the parsers (vm-opts.c, netdev.c, vm-devices.c,
# machine/monitor/*.c) and links the rest of the machine as make built it.
FUZZ_VM_PARSERS := $(wildcard machine/config/*.c) machine/devices/vm-devices.c \
	$(wildcard machine/monitor/*.c)
FUZZ_VM_REST := $(filter-out $(O)/machine/vccw-vm.o $(patsubst %.c,$(O)/%.o,$(FUZZ_VM_PARSERS)),$(VM_OBJS))
FUZZ_VM_LIBS := $(VM_GUEST_OBJS) $(O)/libguest-native.a $(O)/libvccw.a \
	$(filter %.a,$(VM_UNICORN_LDLIBS))
FUZZ_VM_FLAGS := $(call lib_includes,$(VM_LAYERS)) -Iguest/arch/native $(addprefix -I,$(VM_ROOMS)) \
	$(if $(JANSSON_LIBS),-DVM_HAVE_QMP $(JANSSON_CFLAGS)) \
	$(VM_UNICORN_CPPFLAGS)
# The machine's libraries (jansson for -qmp, unicorn for its s390x CPU back-end).
FUZZ_VM_LDLIBS := $(LDLIBS) $(JANSSON_LIBS) $(VM_UNICORN_LDLIBS)
$(O)/tests/fuzz/fuzz_cmdline.o: CPPFLAGS_MOD := $(FUZZ_VM_FLAGS)
$(O)/tests/fuzz-cmdline-replay: $(O)/tests/fuzz/fuzz_cmdline.o $(O)/tests/fuzz/replay.o \
		$(filter-out $(O)/machine/vccw-vm.o,$(VM_OBJS)) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(FUZZ_VM_LDLIBS)
TEST_PROGRAMS += $(O)/tests/fuzz-cmdline-replay
ALL_DEPS += $(O)/tests/fuzz/fuzz_cmdline.d
$(O)/fuzz/fuzz-cmdline: tests/fuzz/fuzz_cmdline.c $(FUZZ_VM_PARSERS) $(FUZZ_VM_REST) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,FUZZ,$@)$(FUZZ_CC) -g -O1 $(FUZZ_SAN) $(FUZZ_VM_FLAGS) -o $@ $^ \
		$(FUZZ_VM_LDLIBS)
$(O)/fuzz/cov-cmdline: tests/fuzz/fuzz_cmdline.c tests/fuzz/replay.c $(FUZZ_VM_PARSERS) $(FUZZ_VM_REST) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,COV,$@)$(FUZZ_CC) -g -O1 $(FUZZ_COV_FLAGS) $(FUZZ_VM_FLAGS) -o $@ $^ \
		$(FUZZ_VM_LDLIBS)
fuzz-cmdline: $(O)/fuzz/fuzz-cmdline
	@mkdir -p $(O)/fuzz/corpus-cmdline
	$(O)/fuzz/fuzz-cmdline -max_total_time=$(FUZZ_TIME) -max_len=4096 -print_final_stats=1 \
		-artifact_prefix=$(O)/fuzz/cmdline- -dict=tests/fuzz/cmdline.dict $(O)/fuzz/corpus-cmdline tests/fuzz/corpus/cmdline
# Every option parser: vm-opts.c and the other files of machine/config/ (help.c,
# lifecycle.c, log.c), and the -device properties of vm-devices.c.
FUZZ_OWNS_cmdline := $(wildcard machine/config/*.c) machine/devices/vm-devices.c
fuzz-cov-cmdline: $(O)/fuzz/cov-cmdline
	@mkdir -p $(O)/fuzz/corpus-cmdline
	LLVM_PROFILE_FILE=$(O)/fuzz/cov-cmdline.profraw $(O)/fuzz/cov-cmdline \
		$(or $(FUZZ_COV_CORPUS),$(O)/fuzz/corpus-cmdline) 0 >/dev/null 2>&1
	LLVM_PROFILE_FILE=$(O)/fuzz/cov-cmdline-seeds.profraw $(O)/fuzz/cov-cmdline \
		tests/fuzz/corpus/cmdline >/dev/null 2>&1
	llvm-profdata$(FUZZ_LLVM_SUFFIX) merge -o $(O)/fuzz/cov-cmdline.profdata \
		$(O)/fuzz/cov-cmdline.profraw $(O)/fuzz/cov-cmdline-seeds.profraw
	llvm-cov$(FUZZ_LLVM_SUFFIX) report $(O)/fuzz/cov-cmdline \
		-instr-profile=$(O)/fuzz/cov-cmdline.profdata $(FUZZ_OWNS_cmdline)
FUZZ_TARGETS += cmdline

# The QMP monitor: the JSON stream and the dispatcher fed through vm_qmp_feed(), on a
# machine built once without vCPUs (tests/fuzz/fuzz_qmp.c). Linked like cmdline; the
# libFuzzer build instruments the same parsers, and the target owns the monitor room.
$(O)/tests/fuzz/fuzz_qmp.o: CPPFLAGS_MOD := $(FUZZ_VM_FLAGS)
$(O)/tests/fuzz-qmp-replay: $(O)/tests/fuzz/fuzz_qmp.o $(O)/tests/fuzz/replay.o \
		$(filter-out $(O)/machine/vccw-vm.o,$(VM_OBJS)) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(FUZZ_VM_LDLIBS)
TEST_PROGRAMS += $(O)/tests/fuzz-qmp-replay
ALL_DEPS += $(O)/tests/fuzz/fuzz_qmp.d
$(O)/fuzz/fuzz-qmp: tests/fuzz/fuzz_qmp.c $(FUZZ_VM_PARSERS) $(FUZZ_VM_REST) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,FUZZ,$@)$(FUZZ_CC) -g -O1 $(FUZZ_SAN) $(FUZZ_VM_FLAGS) -o $@ $^ \
		$(FUZZ_VM_LDLIBS)
$(O)/fuzz/cov-qmp: tests/fuzz/fuzz_qmp.c tests/fuzz/replay.c $(FUZZ_VM_PARSERS) $(FUZZ_VM_REST) $(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,COV,$@)$(FUZZ_CC) -g -O1 $(FUZZ_COV_FLAGS) $(FUZZ_VM_FLAGS) -o $@ $^ \
		$(FUZZ_VM_LDLIBS)
fuzz-qmp: $(O)/fuzz/fuzz-qmp
	@mkdir -p $(O)/fuzz/corpus-qmp
	$(O)/fuzz/fuzz-qmp -max_total_time=$(FUZZ_TIME) -max_len=8192 -print_final_stats=1 \
		-artifact_prefix=$(O)/fuzz/qmp- $(O)/fuzz/corpus-qmp tests/fuzz/corpus/qmp
FUZZ_OWNS_qmp := $(wildcard machine/monitor/*.c)
fuzz-cov-qmp: $(O)/fuzz/cov-qmp
	@mkdir -p $(O)/fuzz/corpus-qmp
	LLVM_PROFILE_FILE=$(O)/fuzz/cov-qmp.profraw $(O)/fuzz/cov-qmp \
		$(or $(FUZZ_COV_CORPUS),$(O)/fuzz/corpus-qmp) 0 >/dev/null 2>&1
	LLVM_PROFILE_FILE=$(O)/fuzz/cov-qmp-seeds.profraw $(O)/fuzz/cov-qmp \
		tests/fuzz/corpus/qmp >/dev/null 2>&1
	llvm-profdata$(FUZZ_LLVM_SUFFIX) merge -o $(O)/fuzz/cov-qmp.profdata \
		$(O)/fuzz/cov-qmp.profraw $(O)/fuzz/cov-qmp-seeds.profraw
	llvm-cov$(FUZZ_LLVM_SUFFIX) report $(O)/fuzz/cov-qmp \
		-instr-profile=$(O)/fuzz/cov-qmp.profdata $(FUZZ_OWNS_qmp)
FUZZ_TARGETS += qmp

# make fuzz [FUZZ_TIME=seconds per target]: every target in turn, from its corpus.
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))
fuzz-cov: $(addprefix fuzz-cov-,$(FUZZ_TARGETS))

# The storage options of the command line (tests/unit/cmdline): unit tests linked as the
# command-line fuzz target is, against the machine's objects but main.
$(O)/tests/unit/cmdline/%.o: CPPFLAGS_MOD := $(FUZZ_VM_FLAGS) -Itests/harness -Itests/unit
UNIT_CMDLINE_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard tests/unit/cmdline/*.c)) \
	$(O)/tests/harness/test.o
$(O)/tests/unit-cmdline: $(UNIT_CMDLINE_OBJS) $(filter-out $(O)/machine/vccw-vm.o,$(VM_OBJS)) \
		$(FUZZ_VM_LIBS)
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(FUZZ_VM_LDLIBS)
TEST_PROGRAMS += $(O)/tests/unit-cmdline
ALL_DEPS += $(UNIT_CMDLINE_OBJS:.o=.d)
