# SPDX-License-Identifier: MIT
# The machine. Until vccw-vm exists, its place is held by vccw-demo: the main job that
# builds guest memory, a channel subsystem and a few control units and lists them.

$(eval $(call program,vccw-demo,machine/vccw-demo.c,mem css ccw))
PROGRAMS += $(O)/vccw-demo

demo: $(O)/vccw-demo
	$(Q)$(O)/vccw-demo
