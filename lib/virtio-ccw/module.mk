$(eval $(call lib_module,virtio-ccw,mem css ccw virtio))
