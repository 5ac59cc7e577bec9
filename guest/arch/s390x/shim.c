// SPDX-License-Identifier: MIT
/*
 * The few libc symbols the compiler may call on its own (structure copies and clears)
 * in the freestanding s390x build, mapped onto guest/lib. The build passes
 * -fno-tree-loop-distribute-patterns so that guest/lib's loops are not turned back
 * into calls to these.
 */
#include <stddef.h>

#include "guest/lib.h"

void *memset(void *p, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *p, int c, size_t n)
{
	return guest_memset(p, c, n);
}

void *memcpy(void *d, const void *s, size_t n)
{
	return guest_memcpy(d, s, n);
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp || dp >= sp + n)
		return guest_memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	return guest_memcmp(a, b, n);
}
