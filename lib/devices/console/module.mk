# SPDX-License-Identifier: MIT
# virtio-console, one port.
$(eval $(call lib_module,devices/console,mem virtio backends/char))
