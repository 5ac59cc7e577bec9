// SPDX-License-Identifier: MIT
/* The library's run-time version (include/vccw/version.h). */
#include <stddef.h>

#include "vccw/version.h"

const char *vccw_version(unsigned int *major, unsigned int *minor, unsigned int *patch)
{
	if (major)
		*major = VCCW_VERSION_MAJOR;
	if (minor)
		*minor = VCCW_VERSION_MINOR;
	if (patch)
		*patch = VCCW_VERSION_PATCH;
	return VCCW_VERSION;
}
