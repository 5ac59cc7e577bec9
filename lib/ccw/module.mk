$(eval $(call lib_module,ccw,mem css))
