# SPDX-License-Identifier: MIT
# vccw top-level makefile: non-recursive, out of tree (O=dir, default build/).
#   make              build libvccw (static and shared), the demo and the tests
#   make check        build and run every test (closing line: N passed, N failed, N skipped)
#   make install      install libvccw: PREFIX=/usr/local, DESTDIR, LIBDIR (mk/lib.mk)
#   make demo         build and run the main job
#   knobs: V=1 (echo commands), WERROR=1, DEBUG=1, SANITIZE=address,undefined or
#          SANITIZE=thread, O=dir

O ?= build
V ?= 0
CC ?= cc
AR ?= ar

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARNINGS := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wundef -Wformat=2 -Wshadow
BASE_CFLAGS := -std=gnu11 -pthread -MMD -MP -fno-strict-aliasing $(WARNINGS)
ifeq ($(DEBUG),1)
BASE_CFLAGS += -O0 -g3
else
BASE_CFLAGS += -O2 -g
endif
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
# What libvccw itself links (module.mk files append, e.g. -lslirp): the shared
# library's dependencies and Libs.private in vccw.pc.
LIBVCCW_LIBS := -pthread
LDLIBS += $(LIBVCCW_LIBS)

all:

include mk/rules.mk
# Every library layer (lib/<x>/module.mk, lib/devices/<dev>/module.mk,
# lib/backends/<kind>/module.mk) declares itself; see mk/rules.mk.
include $(sort $(wildcard lib/*/module.mk lib/*/*/module.mk))
include guest/module.mk
include third_party/unicorn/module.mk
include tests/module.mk
include machine/module.mk
include tests/fuzz/module.mk
include bench/module.mk

# libvccw.a, libvccw.so, make install (PREFIX, DESTDIR ...), vccw.pc.
include mk/lib.mk
include examples/module.mk

all: $(LIBVCCW) $(PROGRAMS) $(TEST_PROGRAMS)

check: $(LIBVCCW) $(TEST_PROGRAMS)
	$(Q)tests/run-tests $(TEST_PROGRAMS)

clean:
	rm -rf $(O)

.PHONY: all check clean demo

-include $(ALL_DEPS)
