# SPDX-License-Identifier: MIT
# virtio-balloon, the traditional memory balloon.
$(eval $(call lib_module,devices/balloon,mem virtio))
