$(eval $(call lib_module,css,mem))
