# SPDX-License-Identifier: MIT
# The library's version: include/vccw/version.h (compile time) and vccw_version() (run
# time). The Makefile reads the shared library's version and soname from the header.
$(eval $(call lib_module,version,))
