# SPDX-License-Identifier: MIT
# libvccw as a product: the static library, the shared library (soname from
# include/vccw/version.h, only the public vccw_* API exported), the installed header
# tree, vccw.pc, and
#   make install [PREFIX=/usr/local] [LIBDIR=$(PREFIX)/lib] [INCLUDEDIR=$(PREFIX)/include]
#                [PKGCONFIGDIR=$(LIBDIR)/pkgconfig] [DESTDIR=staging root]
# Included by the top Makefile after every module.mk, so LIB_OBJS and LIBVCCW_LIBS
# (the private libraries the layers link, e.g. -lslirp) are complete.

NM ?= nm
OBJCOPY ?= objcopy
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

VCCW_VERSION := $(shell sed -n 's/^.define VCCW_VERSION "\(.*\)"$$/\1/p' include/vccw/version.h)
VCCW_SOVERSION := $(firstword $(subst ., ,$(VCCW_VERSION)))
LIBVCCW_SONAME := libvccw.so.$(VCCW_SOVERSION)

# include/vccw/ helpers for libvccw's (and the guest's) own use, not its interface.
# (list.h is installed: struct vccw_virtio_dev embeds list heads.)
LIBVCCW_PRIVATE_HEADERS := include/vccw/byteorder.h
# The public headers: installed flat as <prefix>/include/vccw/*.h.
LIBVCCW_HEADERS := $(filter-out $(LIBVCCW_PRIVATE_HEADERS),$(sort $(wildcard \
	include/vccw/*.h lib/*/include/vccw/*.h lib/*/*/include/vccw/*.h)))
LIBVCCW_HEADER_DIRS := -Iinclude \
	$(patsubst %/vccw/,-I%,$(sort $(dir $(filter lib/%,$(LIBVCCW_HEADERS)))))

LIBVCCW := $(O)/libvccw.a
LIBVCCW_SO := $(O)/libvccw.so.$(VCCW_VERSION)
LIBVCCW_SYMS := $(O)/libvccw.syms
LIBVCCW_MAP := $(O)/libvccw.map
# The archive that is installed: one object whose only global symbols are the API.
LIBVCCW_DIST := $(O)/dist/libvccw.a

# The in-tree archive: vccw-vm and the tests link it, internal symbols included.
$(LIBVCCW): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

# The public symbols: what the public headers name, nothing else (mk/gen-exports.sh).
$(LIBVCCW_SYMS): $(LIB_OBJS) $(LIBVCCW_HEADERS) mk/gen-exports.sh
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)mk/gen-exports.sh "$(CC)" "$(NM)" "$(LIBVCCW_HEADER_DIRS)" \
		-- $(LIBVCCW_HEADERS) -- $(LIB_OBJS) >$@.tmp && mv $@.tmp $@

$(LIBVCCW_MAP): $(LIBVCCW_SYMS)
	$(call quiet,GEN,$@){ echo '{'; echo 'global:'; sed 's/.*/\t&;/' $<; \
		echo 'local:'; echo '	*;'; echo '};'; } >$@

# -z defs: every dependency is named here, so vccw.pc's Libs.private is the whole list.
$(LIBVCCW_SO): $(LIB_OBJS) $(LIBVCCW_MAP)
	$(call quiet,LD,$@)$(CC) -shared $(LDFLAGS) -Wl,-soname,$(LIBVCCW_SONAME) \
		-Wl,--version-script=$(LIBVCCW_MAP) -Wl,-z,defs -o $@ $(LIB_OBJS) $(LIBVCCW_LIBS)
	$(Q)ln -sf $(notdir $@) $(O)/$(LIBVCCW_SONAME) && ln -sf $(LIBVCCW_SONAME) $(O)/libvccw.so

# Linked into one relocatable object first, so that calls between the library's files
# resolve inside it and everything but the API can be made local.
$(LIBVCCW_DIST): $(LIB_OBJS) $(LIBVCCW_SYMS)
	@mkdir -p $(dir $@)
	$(call quiet,AR,$@)rm -f $@ $(@:.a=.o) && $(CC) -r -nostdlib -o $(@:.a=.o) $(LIB_OBJS) && \
		$(OBJCOPY) --keep-global-symbols=$(LIBVCCW_SYMS) $(@:.a=.o) && \
		$(AR) rcs $@ $(@:.a=.o)

# pc_rel(prefix, dir): dir as ${prefix}/... when it lies under prefix, so that the
# installed vccw.pc stays right when the tree is moved (pkg-config --define-prefix).
pc_rel = $(if $(filter $(1)/%,$(2)),$${prefix}/$(patsubst $(1)/%,%,$(2)),$(2))

# install_libvccw(staging root, prefix, libdir, includedir, pkgconfigdir)
define install_libvccw
	$(Q)install -d $(1)$(3) $(1)$(4)/vccw $(1)$(5)
	$(Q)install -m 644 $(LIBVCCW_HEADERS) $(1)$(4)/vccw/
	$(Q)install -m 644 $(LIBVCCW_DIST) $(1)$(3)/
	$(Q)install -m 755 $(LIBVCCW_SO) $(1)$(3)/
	$(Q)ln -sf $(notdir $(LIBVCCW_SO)) $(1)$(3)/$(LIBVCCW_SONAME)
	$(Q)ln -sf $(LIBVCCW_SONAME) $(1)$(3)/libvccw.so
	$(Q)sed -e 's|@PREFIX@|$(2)|' -e 's|@LIBDIR@|$(call pc_rel,$(2),$(3))|' \
		-e 's|@INCLUDEDIR@|$(call pc_rel,$(2),$(4))|' \
		-e 's|@VERSION@|$(VCCW_VERSION)|' -e 's|@LIBS_PRIVATE@|$(strip $(LIBVCCW_LIBS))|' \
		mk/vccw.pc.in >$(1)$(5)/vccw.pc
endef

install: $(LIBVCCW_DIST) $(LIBVCCW_SO)
	$(call quiet,INSTALL,$(DESTDIR)$(PREFIX))true
	$(call install_libvccw,$(DESTDIR),$(PREFIX),$(LIBDIR),$(INCLUDEDIR),$(PKGCONFIGDIR))

# A private installation inside the build directory, for make check: the examples and
# tests/install build against it exactly as an embedder would.
LIBVCCW_STAGE := $(abspath $(O))/stage
$(O)/stage/.installed: $(LIBVCCW_DIST) $(LIBVCCW_SO) $(LIBVCCW_HEADERS) mk/vccw.pc.in mk/lib.mk
	$(call quiet,INSTALL,$(O)/stage)rm -rf $(O)/stage
	$(call install_libvccw,,$(LIBVCCW_STAGE),$(LIBVCCW_STAGE)/lib,$(LIBVCCW_STAGE)/include,$(LIBVCCW_STAGE)/lib/pkgconfig)
	$(Q)touch $@

all: $(LIBVCCW) $(LIBVCCW_SO) $(LIBVCCW_DIST)

.PHONY: install

# docs/api.md, the API reference, laid out from the public headers.
api-doc:
	$(call quiet,GEN,docs/api.md)mk/gen-api-doc.py $(LIBVCCW_HEADERS) >docs/api.md.tmp && \
		mv docs/api.md.tmp docs/api.md
.PHONY: api-doc
