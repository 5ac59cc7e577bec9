# SPDX-License-Identifier: MIT
# Unicorn 2.0.1.post1 (GPL-2) with our patch series, built for s390x alone as a static
# library in $(O)/unicorn: `make unicorn`. Only vccw-vm and the probes of
# tests/unicorn may link it; libvccw never does. See third_party/unicorn/README.md.
# (UC_ names: machine/module.mk's UNICORN_* are pkg-config's, for Debian's libunicorn.)
#   $(UC_LIB)      the static library (libunicorn.a, with its own glib parts)
#   $(UC_CFLAGS)   -I for <unicorn/unicorn.h> of the patched source
#   $(UC_LIBS)     what a program linking it needs after it

UNICORN_VERSION := 2.0.1.post1
UNICORN_TARBALL := third_party/unicorn/unicorn-engine_$(UNICORN_VERSION).orig.tar.gz
UNICORN_SHA256 := 6b276c857c69ee5ec3e292c3401c8c972bae292e0e4cb306bb9e5466c0f14737
UNICORN_PATCHES := $(sort $(wildcard third_party/unicorn/patches/*.patch))
UNICORN_DIR := $(O)/unicorn
UNICORN_SRC := $(UNICORN_DIR)/src
UC_LIB := $(UNICORN_DIR)/build/libunicorn.a
UC_CFLAGS := -I$(UNICORN_SRC)/include
UC_LIBS := -lm -pthread

# Unpack the checked tarball and apply the series in order; a change to either starts
# again from a clean tree (after a change to the cmake options here: rm -rf $(O)/unicorn).
$(UNICORN_DIR)/.patched: $(UNICORN_TARBALL) $(UNICORN_PATCHES)
	$(call quiet,UNPACK,$(UNICORN_TARBALL))echo "$(UNICORN_SHA256)  $(UNICORN_TARBALL)" | \
		sha256sum --check --quiet - || { echo "unicorn: $(UNICORN_TARBALL): sha256 mismatch" >&2; exit 1; }
	$(Q)rm -rf $(UNICORN_DIR) && mkdir -p $(UNICORN_DIR)
	$(Q)tar -xzf $(UNICORN_TARBALL) -C $(UNICORN_DIR) && \
		mv $(UNICORN_DIR)/unicorn-$(UNICORN_VERSION) $(UNICORN_SRC)
	$(Q)for p in $(UNICORN_PATCHES); do \
		patch -d $(UNICORN_SRC) -p1 --batch --quiet --no-backup-if-mismatch < $$p || \
			{ echo "unicorn: $$p does not apply" >&2; exit 1; }; \
	done
	$(Q)touch $@

# Release build of the s390x target only; cmake's makefiles share make's job server.
$(UC_LIB): $(UNICORN_DIR)/.patched
	@command -v cmake >/dev/null || { echo "unicorn needs cmake: apt-get install -y cmake" >&2; exit 1; }
	$(call quiet,CMAKE,$(UNICORN_DIR)/build)cmake -S $(UNICORN_SRC) -B $(UNICORN_DIR)/build \
		-G "Unix Makefiles" -DUNICORN_ARCH=s390x -DCMAKE_BUILD_TYPE=Release \
		-DBUILD_SHARED_LIBS=OFF -DUNICORN_BUILD_TESTS=OFF -DUNICORN_INSTALL=OFF \
		-DCMAKE_C_COMPILER=$(CC) >$(UNICORN_DIR)/cmake.log 2>&1 || \
		{ cat $(UNICORN_DIR)/cmake.log >&2; exit 1; }
	$(Q)$(MAKE) -s -C $(UNICORN_DIR)/build >$(UNICORN_DIR)/build.log 2>&1 || \
		{ tail -n 40 $(UNICORN_DIR)/build.log >&2; exit 1; }
	$(Q)test -f $@ && touch $@

unicorn: $(UC_LIB)

# The probes (tests/unicorn): a bare-metal s390x image and the program that runs it.
UNICORN_PROBE_OBJS := $(O)/tests/unicorn/probes.o $(O)/tests/harness/test.o

$(O)/tests/unicorn/probes.o: tests/unicorn/probes.c $(UC_LIB)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS) -Itests/harness $(UC_CFLAGS) \
		$(CPPFLAGS) -c -o $@ $<
ALL_DEPS += $(O)/tests/unicorn/probes.d

$(O)/tests/unicorn-probes: $(UNICORN_PROBE_OBJS) $(UC_LIB) $(O)/tests/unicorn-probes.bin
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $(UNICORN_PROBE_OBJS) $(UC_LIB) \
		$(UC_LIBS) $(LDLIBS)

$(O)/tests/unicorn-probes.bin: tests/unicorn/probes.S
	@mkdir -p $(O)/tests/unicorn
	$(call quiet,S390AS,$<)$(S390X_CC) -c -o $(O)/tests/unicorn/probes-s390x.o $<
	$(Q)$(S390X_CC) -nostdlib -static -no-pie -Wl,-Ttext=0x10000 -Wl,--build-id=none \
		-o $(O)/tests/unicorn/probes-s390x.elf $(O)/tests/unicorn/probes-s390x.o
	$(Q)$(CROSS_COMPILE)objcopy -O binary $(O)/tests/unicorn/probes-s390x.elf $@

# make check-unicorn: only the probes; make check runs them with every other test.
check-unicorn: $(O)/tests/unicorn-probes
	$(Q)tests/run-tests $<

TEST_PROGRAMS += $(O)/tests/unicorn-probes

.PHONY: unicorn check-unicorn
