# SPDX-License-Identifier: MIT
# The trace core: the registry of every layer's events (lib/*/src/trace-events.h, through
# include/vccw/trace.h), the enabled mask, pattern matching and the sink. Every layer
# may trace: the interface is include/vccw/trace.h, seen by all through -Iinclude.
$(eval $(call lib_module,trace,))
