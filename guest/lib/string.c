// SPDX-License-Identifier: MIT
/*
 * Memory and string helpers for guest code, which has no libc on s390x. Copies and
 * fills move doublewords when both ends allow it (the drivers' bounce buffers are data
 * path: a byte loop cost most of a 64 KiB virtio-blk request, see make bench), bytes
 * otherwise; the bare-metal build must not depend on anything it does not define itself.
 */
#include "guest/lib.h"

/* Doubleword stores through a may_alias type: no strict-aliasing assumptions. */
typedef uint64_t __attribute__((may_alias)) guest_word_t;

void *guest_memset(void *p, int c, size_t n)
{
	unsigned char *d = p;

	if (n >= 32 && !((uintptr_t)d & 7)) {
		uint64_t w = (unsigned char)c * 0x0101010101010101ull;
		guest_word_t *wd = (guest_word_t *)d;

		for (; n >= 8; n -= 8)
			*wd++ = w;
		d = (unsigned char *)wd;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return p;
}

void *guest_memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (n >= 32 && !(((uintptr_t)dp | (uintptr_t)sp) & 7)) {
		guest_word_t *wd = (guest_word_t *)dp;
		const guest_word_t *ws = (const guest_word_t *)sp;

		for (; n >= 32; n -= 32, wd += 4, ws += 4) {
			wd[0] = ws[0];
			wd[1] = ws[1];
			wd[2] = ws[2];
			wd[3] = ws[3];
		}
		dp = (unsigned char *)wd;
		sp = (const unsigned char *)ws;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

int guest_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t guest_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int guest_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x == *y ? 0 : (*x < *y ? -1 : 1);
}
