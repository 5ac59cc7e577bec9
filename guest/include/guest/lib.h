/* SPDX-License-Identifier: MIT */
/*
 * The small freestanding library guest code uses instead of libc (the s390x build has
 * none): memory and string helpers, a bounded formatter, console output, and an
 * allocator over guest RAM for everything the channel subsystem must see.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/arch.h"

void *guest_memset(void *p, int c, size_t n);
void *guest_memcpy(void *d, const void *s, size_t n);
int guest_memcmp(const void *a, const void *b, size_t n);
size_t guest_strlen(const char *s);
int guest_strcmp(const char *a, const char *b);

/*
 * Formatting, always NUL-terminated within @size and returning the length the whole
 * output would have (like C99 vsnprintf): %d %i %u %x %X %c %s %p %%, the length
 * modifiers l, ll, z, a field width (or *), '0' padding and '-' left alignment.
 * Unknown conversions are copied literally.
 */
int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print to the machine console. */
int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Allocate zeroed guest RAM (below 2 GiB, so format-1 CCWs and IDAWs reach it) with
 * @align a power of two. Returns NULL when exhausted. guest_free() returns a block to a
 * per-size free list (devices come and go with hot plug).
 */
void *guest_alloc(size_t size, size_t align);
void guest_free(void *p, size_t size);
/* What the allocator has: the balloon driver's memory statistics. */
struct guest_alloc_stats {
	uint64_t total;      /* bytes of the heap */
	uint64_t free;       /* bytes never handed out plus bytes on the free lists */
	uint64_t allocs;     /* guest_alloc() calls that succeeded */
	uint64_t failures;   /* guest_alloc() calls that found no room */
};
void guest_alloc_get_stats(struct guest_alloc_stats *st);

/*
 * Forget every allocation and start again from guest_arch_heap(). The arch back-end
 * calls it when a guest program starts (native: guest_native_run()).
 */
void guest_alloc_reset(void);

/* Busy-free sleep: waits for interruptions (handled) for @us microseconds. */
void guest_delay_us(uint64_t us);

#endif /* GUEST_LIB_H */
