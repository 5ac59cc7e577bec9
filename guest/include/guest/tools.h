/* SPDX-License-Identifier: MIT */
/*
 * The guest's lscss and lschp: the device and channel-path tables of s390-tools'
 * zconf/css/lscss and zconf/chp/lschp, printed on the machine console from what the
 * channel-I/O layer found, so a test can compare the text with what Linux would show.
 */
#ifndef GUEST_TOOLS_H
#define GUEST_TOOLS_H

/*
 * Print the subchannel table: one line per I/O device (bus ID, subchannel ID, device
 * and control-unit type/model, whether a driver has it online, PIM/PAM/POM and the
 * eight CHPIDs). Needs guest_cio_init().
 * Returns the number of devices listed.
 */
int guest_lscss(void);

/*
 * Print the channel-path table: one line per CHPID installed on any device's paths,
 * with its type from CHSC store-channel-path-description.
 * Returns the number of channel paths listed, or a negative value when guest RAM for
 * the CHSC block ran out.
 */
int guest_lschp(void);

#endif /* GUEST_TOOLS_H */
