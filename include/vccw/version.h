/* SPDX-License-Identifier: MIT */
/*
 * The version of libvccw: the macros give the version an embedder was compiled
 * against, vccw_version() the version of the library it runs with (they differ when
 * the shared library was upgraded underneath). The shared library's soname carries
 * VCCW_VERSION_MAJOR: a release that breaks the ABI increments it.
 */
#ifndef VCCW_VERSION_H
#define VCCW_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define VCCW_VERSION_MAJOR 0
#define VCCW_VERSION_MINOR 1
#define VCCW_VERSION_PATCH 0
/* "MAJOR.MINOR.PATCH" */
#define VCCW_VERSION "0.1.0"

/* One number that compares in version order: VCCW_VERSION_NUM(0, 1, 0) == 0x000100. */
#define VCCW_VERSION_NUM(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define VCCW_VERSION_CURRENT                                                                       \
	VCCW_VERSION_NUM(VCCW_VERSION_MAJOR, VCCW_VERSION_MINOR, VCCW_VERSION_PATCH)

/*
 * The running library's version as "MAJOR.MINOR.PATCH" (static storage). When
 * @major, @minor or @patch are not NULL they receive its parts.
 * Context: any thread.
 */
const char *vccw_version(unsigned int *major, unsigned int *minor, unsigned int *patch);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_VERSION_H */
