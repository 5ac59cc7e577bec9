$(eval $(call lib_module,virtio,mem))
