# SPDX-License-Identifier: MIT
# virtio-rng (entropy device).
$(eval $(call lib_module,devices/rng,mem virtio))
