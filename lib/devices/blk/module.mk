# SPDX-License-Identifier: MIT
# virtio-blk.
$(eval $(call lib_module,devices/blk,mem virtio backends/blk))
