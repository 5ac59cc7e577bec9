// SPDX-License-Identifier: MIT
/*
 * The guest allocator: everything the channel subsystem sees (ORBs, CCWs, SCHIBs, IRBs,
 * CHSC blocks, rings, buffers) must be in guest RAM below 2 GiB, where format-1 CCWs and
 * 31-bit addresses reach it (PoP: format-1 CCW data addresses are 31 bits). A bump
 * allocator over guest_arch_heap() hands out blocks rounded up to a power of two; freed
 * blocks go to a free list per size class, so devices that come and go with hot plug
 * reuse their memory. Blocks are aligned to their size class (capped at a page) or more
 * when asked. No headers: guest_free() is told the size, like a slab.
 *
 * Context: guest mainline code of one vCPU; interruption handlers must not allocate.
 */
#include "guest/lib.h"

#define MIN_ORDER 4   /* 16-byte blocks */
#define MAX_ORDER 31  /* 2 GiB: nothing larger fits below the 31-bit limit */
#define PAGE_SIZE 4096u

struct free_block {
	struct free_block *next;
};

static guest_addr_t heap_start, heap_next, heap_end;
static uint64_t free_list_bytes, nr_allocs, nr_failures;
static bool heap_ready;
static struct free_block *free_lists[MAX_ORDER + 1];

void guest_alloc_reset(void)
{
	guest_addr_t start, end;
	unsigned int i;

	guest_arch_heap(&start, &end);
	heap_start = start;
	heap_next = start;
	free_list_bytes = 0;
	nr_allocs = 0;
	nr_failures = 0;
	heap_end = end;
	for (i = 0; i <= MAX_ORDER; i++)
		free_lists[i] = NULL;
	heap_ready = true;
}

static int order_of(size_t size)
{
	int order = MIN_ORDER;

	while (order <= MAX_ORDER && ((size_t)1 << order) < size)
		order++;
	return order <= MAX_ORDER ? order : -1;
}

void *guest_alloc(size_t size, size_t align)
{
	struct free_block **pp, *b;
	guest_addr_t a;
	size_t natural;
	void *p;
	int order;

	if (!heap_ready)
		guest_alloc_reset();
	if (!size)
		size = 1;
	if (!align)
		align = 1;
	if (align & (align - 1))
		return NULL;
	order = order_of(size);
	if (order < 0)
		return NULL;
	natural = (size_t)1 << order;
	if (natural > PAGE_SIZE)
		natural = PAGE_SIZE;
	if (align < natural)
		align = natural;

	/* A freed block of this class, if one is aligned well enough. */
	for (pp = &free_lists[order]; (b = *pp) != NULL; pp = &b->next) {
		if ((guest_arch_addr(b) & (align - 1)) == 0) {
			*pp = b->next;
			free_list_bytes -= (size_t)1 << order;
			p = b;
			goto out;
		}
	}

	a = (heap_next + align - 1) & ~(guest_addr_t)(align - 1);
	if (a < heap_next || a > heap_end || heap_end - a < ((size_t)1 << order)) {
		nr_failures++;
		return NULL;
	}
	heap_next = a + ((size_t)1 << order);
	p = guest_arch_ptr(a);
out:
	nr_allocs++;
	guest_memset(p, 0, (size_t)1 << order);
	return p;
}

void guest_free(void *p, size_t size)
{
	struct free_block *b = p;
	int order;

	if (!p)
		return;
	order = order_of(size ? size : 1);
	if (order < 0)
		return;
	b->next = free_lists[order];
	free_lists[order] = b;
	free_list_bytes += (size_t)1 << order;
}

void guest_alloc_get_stats(struct guest_alloc_stats *st)
{
	if (!heap_ready)
		guest_alloc_reset();
	st->total = heap_end - heap_start;
	st->free = heap_end - heap_next + free_list_bytes;
	st->allocs = nr_allocs;
	st->failures = nr_failures;
}

void guest_delay_us(uint64_t us)
{
	uint64_t end = guest_arch_now_us() + us;
	uint64_t now;

	while ((now = guest_arch_now_us()) < end)
		guest_arch_wait(end - now);
}
