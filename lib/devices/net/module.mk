# SPDX-License-Identifier: MIT
# virtio-net, one queue pair.
$(eval $(call lib_module,devices/net,mem virtio backends/net))
