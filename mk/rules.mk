# SPDX-License-Identifier: MIT
# Helpers for module.mk files.
#
# A library layer lib/<name>/ declares its name and the layers it may use:
#   $(eval $(call lib_module,css,mem))
# Its sources (lib/<name>/src/*.c) are compiled with -I only for its own headers, the
# headers of the layers it may use, include/ (common types) and lib/trace/src (the
# private trace points every layer may use), so a layering violation fails to compile.

# Library objects go into libvccw.a and libvccw.so alike: position independent, and
# calls between them may be inlined (no interposition: only the public API is exported).
LIB_CFLAGS := -fPIC -fno-semantic-interposition

quiet = $(if $(filter 1,$(V)),,@printf '  %-6s %s\n' $(1) $(2);)

LIB_OBJS :=
ALL_DEPS :=
PROGRAMS :=
TEST_PROGRAMS :=

# lib_includes(layers...) -> -I flags for those layers' public headers
lib_includes = -Iinclude $(foreach l,$(1),-Ilib/$(l)/include)

define lib_module
$(1)_SRCS := $$(wildcard lib/$(1)/src/*.c)
$(1)_OBJS := $$(patsubst %.c,$$(O)/%.o,$$($(1)_SRCS))
$(1)_INCLUDES := $$(call lib_includes,$(1) $(2)) -Ilib/$(1)/src -Ilib/trace/src
$$($(1)_OBJS): CPPFLAGS_MOD := $$($(1)_INCLUDES)
$$($(1)_OBJS): CFLAGS_MOD := $$(LIB_CFLAGS)
$$($(1)_OBJS): mk/rules.mk # LIB_CFLAGS changed: the objects must follow
LIB_OBJS += $$($(1)_OBJS)
ALL_DEPS += $$($(1)_OBJS:.o=.d)
endef

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS_MOD) $(CFLAGS) $(CPPFLAGS_MOD) $(CPPFLAGS) -c -o $@ $<

# program(name, sources, layers) -> $(O)/<name> linked with libvccw
define program
$(1)_OBJS := $$(patsubst %.c,$$(O)/%.o,$(2))
$$($(1)_OBJS): CPPFLAGS_MOD := $$(call lib_includes,$(3)) -Itests/harness -Itests/unit
ALL_DEPS += $$($(1)_OBJS:.o=.d)
$$(O)/$(1): $$($(1)_OBJS) $$(O)/libvccw.a
	@mkdir -p $$(dir $$@)
	$$(call quiet,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $$(O)/libvccw.a $$(LDLIBS)
endef
