// SPDX-License-Identifier: MIT
/*
 * From a device's bus ID (what a VMM's configuration names, "fe.0.0815") to the
 * subsystem-identification word a guest puts in GPR1 to address its subchannel, and
 * from a subchannel to that word: PoP chapter 15, "Subsystem-Identification Word".
 * The device number and the subchannel number are different numbers; only the css
 * knows which subchannel a device number landed on.
 */
#include <errno.h>

#include "css-int.h"

uint32_t vccw_sch_sid(struct vccw_sch *sch)
{
	struct vccw_css *css = sch->css;
	uint32_t sid;

	/* The MCSS-E state is written under the topology lock. */
	pthread_rwlock_rdlock(&css->topo);
	sid = css_sid_word(css, sch->ssid, sch->schnr);
	pthread_rwlock_unlock(&css->topo);
	return sid;
}

int vccw_css_busid_to_sid(struct vccw_css *css, const struct vccw_busid *busid, uint32_t *sid)
{
	const struct sch_set *set;
	int nr, rc = -ENODEV;

	if (!busid || busid->cssid != VCCW_CSS_VIRTUAL_CSSID || busid->ssid > VCCW_CSS_MAX_SSID)
		return -EINVAL;
	pthread_rwlock_rdlock(&css->topo);
	set = &css->sets[busid->ssid];
	/* The device-number bitmap answers "no such device" without a walk. */
	if (set->devno_used && (set->devno_used[busid->devno / 8] & (1u << (busid->devno % 8)))) {
		for (nr = 0; nr <= set->max_schnr; nr++) {
			struct vccw_sch *sch = css_find_sch(css, busid->ssid, (uint16_t)nr);

			if (sch && sch->devno == busid->devno) {
				if (sid)
					*sid = css_sid_word(css, sch->ssid, sch->schnr);
				rc = 0;
				break;
			}
		}
	}
	pthread_rwlock_unlock(&css->topo);
	return rc;
}
