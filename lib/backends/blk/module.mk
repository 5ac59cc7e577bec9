# SPDX-License-Identifier: MIT
# Block backends: the vccw_be_blk_ops interface and the raw file / block device backend.
$(eval $(call lib_module,backends/blk,))
