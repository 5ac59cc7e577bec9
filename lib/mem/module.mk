$(eval $(call lib_module,mem,))
