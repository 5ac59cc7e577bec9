# Unit tests: one program per library layer, linking that layer and those below it.
HARNESS := tests/harness/test.c
FIXTURE := tests/unit/fixture.c
DEVICE_LAYERS := $(patsubst lib/%/include,%,$(wildcard lib/devices/*/include lib/backends/*/include))

$(eval $(call program,tests/unit-mem,$(wildcard tests/unit/mem/*.c) $(HARNESS),mem))
$(eval $(call program,tests/unit-css,$(wildcard tests/unit/css/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
$(eval $(call program,tests/unit-ccw,$(wildcard tests/unit/ccw/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
$(eval $(call program,tests/unit-virtio,$(wildcard tests/unit/virtio/*.c) $(HARNESS),mem virtio))
$(eval $(call program,tests/unit-virtio-ccw,$(wildcard tests/unit/virtio-ccw/*.c) $(HARNESS) $(FIXTURE),mem css ccw virtio virtio-ccw $(DEVICE_LAYERS)))
$(eval $(call program,tests/unit-devices,$(wildcard tests/unit/devices/*.c) $(HARNESS),mem virtio $(DEVICE_LAYERS)))
TEST_PROGRAMS += $(O)/tests/unit-mem $(O)/tests/unit-css $(O)/tests/unit-ccw $(O)/tests/unit-virtio \
		 $(O)/tests/unit-virtio-ccw $(O)/tests/unit-devices
