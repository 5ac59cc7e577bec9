# SPDX-License-Identifier: MIT
# The embedder examples, built for make check the way an embedder outside the tree
# builds them: only pkg-config and the private installation in $(O)/stage (mk/lib.mk),
# never this tree's headers. Each is linked twice: with libvccw.so, and with libvccw.a
# (Libs.private then brings in what the library links). tests/install runs them.

CXX ?= g++
EXAMPLE_PKG_CONFIG = PKG_CONFIG_PATH=$(LIBVCCW_STAGE)/lib/pkgconfig pkg-config
EXAMPLE_CFLAGS = $(shell $(EXAMPLE_PKG_CONFIG) --cflags vccw)
EXAMPLE_LIBS = $(shell $(EXAMPLE_PKG_CONFIG) --libs vccw)
# Static: the archive instead of the shared library, plus the private libraries.
EXAMPLE_STATIC_LIBS = $(shell $(EXAMPLE_PKG_CONFIG) --static --libs vccw | \
	sed 's/-lvccw\b/-Wl,-Bstatic -lvccw -Wl,-Bdynamic/')
EXAMPLE_WARNINGS := -Wall -Wextra -pedantic -O2 -g

EXAMPLES := $(O)/examples/embed-shared $(O)/examples/embed-static \
	$(O)/examples/embed-cxx-shared $(O)/examples/embed-cxx-static

$(O)/examples/embed-shared: examples/embed.c $(O)/stage/.installed
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)$(CC) -std=c11 $(EXAMPLE_WARNINGS) $(EXAMPLE_CFLAGS) -o $@ $< \
		$(LDFLAGS) $(EXAMPLE_LIBS)
$(O)/examples/embed-static: examples/embed.c $(O)/stage/.installed
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)$(CC) -std=c11 $(EXAMPLE_WARNINGS) $(EXAMPLE_CFLAGS) -o $@ $< \
		$(LDFLAGS) $(EXAMPLE_STATIC_LIBS)
$(O)/examples/embed-cxx-shared: examples/embed.cc $(O)/stage/.installed
	@mkdir -p $(dir $@)
	$(call quiet,CXX,$@)$(CXX) -std=c++11 $(EXAMPLE_WARNINGS) $(EXAMPLE_CFLAGS) -o $@ $< \
		$(LDFLAGS) $(EXAMPLE_LIBS)
$(O)/examples/embed-cxx-static: examples/embed.cc $(O)/stage/.installed
	@mkdir -p $(dir $@)
	$(call quiet,CXX,$@)$(CXX) -std=c++11 $(EXAMPLE_WARNINGS) $(EXAMPLE_CFLAGS) -o $@ $< \
		$(LDFLAGS) $(EXAMPLE_STATIC_LIBS)

examples: $(EXAMPLES)
.PHONY: examples

# tests/install/test-library.sh checks the stage and runs the examples; its settings
# come from a file written here.
$(O)/tests/install-library: tests/install/test-library.sh $(O)/stage/.installed $(EXAMPLES)
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)cp $< $@ && chmod +x $@ && { \
		echo 'STAGE=$(LIBVCCW_STAGE)'; echo 'SRCDIR=$(CURDIR)'; \
		echo 'CC="$(CC)"'; echo 'CXX="$(CXX)"'; echo 'VERSION=$(VCCW_VERSION)'; \
		echo 'NR_HEADERS=$(words $(LIBVCCW_HEADERS))'; \
		echo 'EXAMPLES="$(abspath $(EXAMPLES))"'; } >$(O)/tests/install-library.conf
TEST_PROGRAMS += $(O)/tests/install-library
