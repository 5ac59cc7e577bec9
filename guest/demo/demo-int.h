/* SPDX-License-Identifier: MIT */
/* Shared by the demo programs (demo.c, hotplug.c): the demo's steps and its reporting. */
#ifndef GUEST_DEMO_INT_H
#define GUEST_DEMO_INT_H

#include <stdbool.h>

/*
 * Register the drivers, find the devices (guest_cio_init()), report gained and lost
 * devices from then on, print lscss and lschp, then drive each device. A missing
 * device is a failure, or with @skip_missing a note. The cio layer stays up.
 * Returns 0 when every step passed, else 1.
 */
int guest_demo_steps(bool skip_missing);
struct guest_device;

/* Report devices gained and lost (guest_cio_set_hotplug_notifier()). */
void guest_demo_watch_hotplug(void);
/* Also call @fn (NULL: none) for each device gained or lost, after reporting it. */
void guest_demo_set_hotplug_hook(void (*fn)(struct guest_device *dev, bool added));
/* One line on the machine console, copied to the first console device if any. */
void guest_demo_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* GUEST_DEMO_INT_H */
