# SPDX-License-Identifier: MIT
# Character backends: the vccw_be_char_ops interface; stdio, null, file, fd and unix
# socket kinds; the spec parser behind -chardev.
$(eval $(call lib_module,backends/char,))
