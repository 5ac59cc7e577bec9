# Unit tests: one program per library layer, linking that layer and those below it.
HARNESS := tests/harness/test.c
FIXTURE := tests/unit/fixture.c

$(eval $(call program,tests/unit-mem,$(wildcard tests/unit/mem/*.c) $(HARNESS),mem))
$(eval $(call program,tests/unit-css,$(wildcard tests/unit/css/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
$(eval $(call program,tests/unit-ccw,$(wildcard tests/unit/ccw/*.c) $(HARNESS) $(FIXTURE),mem css ccw))
TEST_PROGRAMS += $(O)/tests/unit-mem $(O)/tests/unit-css $(O)/tests/unit-ccw
