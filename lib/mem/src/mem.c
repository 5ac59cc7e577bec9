// SPDX-License-Identifier: MIT
/*
 * Guest memory: one flat range of guest RAM with bounds-checked accessors. Every range
 * check is written as "len <= size && addr <= size - len" so that no sum can wrap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vccw/byteorder.h"
#include "vccw/mem.h"

/*
 * Guest RAM under ThreadSanitizer. The guest reads and writes its RAM whenever it likes,
 * concurrently with the host: that is the contract of shared memory, not a host bug. So
 * the copies, fills and field accesses below run with the calling thread's memory
 * accesses ignored (guest_ram_begin/end), and a copy then reports its host buffer
 * explicitly, so that a race on host memory is still found. The atomic helpers are
 * left visible: TSan checks them and derives happens-before from their acquire and
 * release, which orders the bulk of guest memory (buffers, descriptors) for it.
 * Without -fsanitize=thread all of this compiles to nothing.
 */
#if defined(__SANITIZE_THREAD__)
#define VCCW_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VCCW_TSAN 1
#endif
#endif

#ifdef VCCW_TSAN
/*
 * The TSan runtime's interface, which its public header does not declare. GCC has the
 * range checks as built-ins (a declaration of ours would clash with their types).
 */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#ifdef __clang__
void __tsan_read_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size);
#endif

static inline void guest_ram_begin(void)
{
	__tsan_ignore_thread_begin();
}

static inline void guest_ram_end(void)
{
	__tsan_ignore_thread_end();
}

static inline void host_read(const void *buf, size_t len)
{
	__tsan_read_range((void *)buf, len);
}

static inline void host_written(void *buf, size_t len)
{
	__tsan_write_range(buf, len);
}
#else
static inline void guest_ram_begin(void)
{
}

static inline void guest_ram_end(void)
{
}

static inline void host_read(const void *buf, size_t len)
{
	(void)buf;
	(void)len;
}

static inline void host_written(void *buf, size_t len)
{
	(void)buf;
	(void)len;
}
#endif

struct vccw_mem {
	uint8_t *ram;
	uint64_t size;
	bool owned; /* ram was mmap()ed by vccw_mem_new() */
};

int vccw_err_set(struct vccw_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->code = -code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

struct vccw_mem *vccw_mem_new(uint64_t size, struct vccw_err *err)
{
	struct vccw_mem *mem;
	void *ram;

	if (size == 0 || size > (UINT64_C(1) << 46)) {
		vccw_err_set(err, EINVAL, "guest memory size 0x%llx is out of range",
			     (unsigned long long)size);
		return NULL;
	}
	mem = calloc(1, sizeof(*mem));
	if (!mem) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (ram == MAP_FAILED) {
		vccw_err_set(err, errno, "cannot map 0x%llx bytes of guest memory: %s",
			     (unsigned long long)size, strerror(errno));
		free(mem);
		return NULL;
	}
	mem->ram = ram;
	mem->size = size;
	mem->owned = true;
	return mem;
}

struct vccw_mem *vccw_mem_wrap(void *host, uint64_t size, struct vccw_err *err)
{
	struct vccw_mem *mem;

	if (!host || size == 0) {
		vccw_err_set(err, EINVAL, "guest memory needs a non-empty host buffer");
		return NULL;
	}
	/* Aligned guest fields must be aligned host fields for the atomic helpers. */
	if ((uintptr_t)host & 7) {
		vccw_err_set(err, EINVAL, "guest memory at %p is not 8-byte aligned", host);
		return NULL;
	}
	mem = calloc(1, sizeof(*mem));
	if (!mem) {
		vccw_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	mem->ram = host;
	mem->size = size;
	return mem;
}

void vccw_mem_free(struct vccw_mem *mem)
{
	if (!mem)
		return;
	if (mem->owned)
		munmap(mem->ram, mem->size);
	free(mem);
}

uint64_t vccw_mem_size(const struct vccw_mem *mem)
{
	return mem->size;
}

bool vccw_mem_valid(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len)
{
	/* An empty range touches no byte, wherever it starts. */
	return len == 0 || (len <= mem->size && gaddr <= mem->size - len);
}

/* Host pointer for a checked range, or NULL. The only place guest addresses become pointers. */
static uint8_t *host(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len)
{
	if (!vccw_mem_valid(mem, gaddr, len))
		return NULL;
	/* Never form a pointer outside the mapping, even for an empty range. */
	return len ? mem->ram + gaddr : mem->ram;
}

enum vccw_mem_rc vccw_mem_read(const struct vccw_mem *mem, vccw_gaddr_t gaddr, void *buf,
			       size_t len)
{
	uint8_t *p = host(mem, gaddr, len);

	if (!p)
		return VCCW_MEM_ADDRESSING;
	guest_ram_begin();
	memcpy(buf, p, len);
	guest_ram_end();
	host_written(buf, len);
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_write(struct vccw_mem *mem, vccw_gaddr_t gaddr, const void *buf,
				size_t len)
{
	uint8_t *p = host(mem, gaddr, len);

	if (!p)
		return VCCW_MEM_ADDRESSING;
	host_read(buf, len);
	guest_ram_begin();
	memcpy(p, buf, len);
	guest_ram_end();
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_fill(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t byte,
			       size_t len)
{
	uint8_t *p = host(mem, gaddr, len);

	if (!p)
		return VCCW_MEM_ADDRESSING;
	guest_ram_begin();
	memset(p, byte, len);
	guest_ram_end();
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_ld_u8(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t *val)
{
	uint8_t *p = host(mem, gaddr, 1);
	uint8_t v;

	if (!p)
		return VCCW_MEM_ADDRESSING;
	guest_ram_begin();
	v = *p;
	guest_ram_end();
	*val = v;
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_st_u8(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t val)
{
	uint8_t *p = host(mem, gaddr, 1);

	if (!p)
		return VCCW_MEM_ADDRESSING;
	guest_ram_begin();
	*p = val;
	guest_ram_end();
	return VCCW_MEM_OK;
}

#define DEFINE_FIELD(order, bits)                                                                  \
	enum vccw_mem_rc vccw_mem_ld_##order##bits(const struct vccw_mem *mem, vccw_gaddr_t gaddr, \
						   uint##bits##_t *val)                            \
	{                                                                                          \
		uint8_t *p = host(mem, gaddr, bits / 8);                                           \
		uint##bits##_t v;                                                                  \
		if (!p)                                                                            \
			return VCCW_MEM_ADDRESSING;                                                \
		guest_ram_begin();                                                                 \
		v = vccw_ld_##order##bits(p);                                                      \
		guest_ram_end();                                                                   \
		*val = v;                                                                          \
		return VCCW_MEM_OK;                                                                \
	}                                                                                          \
	enum vccw_mem_rc vccw_mem_st_##order##bits(struct vccw_mem *mem, vccw_gaddr_t gaddr,       \
						   uint##bits##_t val)                             \
	{                                                                                          \
		uint8_t *p = host(mem, gaddr, bits / 8);                                           \
		if (!p)                                                                            \
			return VCCW_MEM_ADDRESSING;                                                \
		guest_ram_begin();                                                                 \
		vccw_st_##order##bits(p, val);                                                     \
		guest_ram_end();                                                                   \
		return VCCW_MEM_OK;                                                                \
	}

DEFINE_FIELD(be, 16)
DEFINE_FIELD(be, 32)
DEFINE_FIELD(be, 64)
DEFINE_FIELD(le, 16)
DEFINE_FIELD(le, 32)
DEFINE_FIELD(le, 64)

/* A naturally aligned 16-bit field in guest RAM (RAM itself is 8-byte aligned), or NULL. */
static uint16_t *field16(const struct vccw_mem *mem, vccw_gaddr_t gaddr)
{
	if (gaddr & 1)
		return NULL;
	return (uint16_t *)(void *)host(mem, gaddr, 2);
}

#define DEFINE_ORDERED16(order, ORDER)                                                             \
	enum vccw_mem_rc vccw_mem_ld_acquire_##order##16(const struct vccw_mem *mem,               \
							 vccw_gaddr_t gaddr, uint16_t *val)        \
	{                                                                                          \
		uint16_t *p = field16(mem, gaddr);                                                 \
		if (!p)                                                                            \
			return VCCW_MEM_ADDRESSING;                                                \
		*val = VCCW__##ORDER(16, __atomic_load_n(p, __ATOMIC_ACQUIRE));                    \
		return VCCW_MEM_OK;                                                                \
	}                                                                                          \
	enum vccw_mem_rc vccw_mem_st_release_##order##16(struct vccw_mem *mem, vccw_gaddr_t gaddr, \
							 uint16_t val)                             \
	{                                                                                          \
		uint16_t *p = field16(mem, gaddr);                                                 \
		if (!p)                                                                            \
			return VCCW_MEM_ADDRESSING;                                                \
		__atomic_store_n(p, VCCW__##ORDER(16, val), __ATOMIC_RELEASE);                     \
		return VCCW_MEM_OK;                                                                \
	}

DEFINE_ORDERED16(be, BE)
DEFINE_ORDERED16(le, LE)

enum vccw_mem_rc vccw_mem_atomic_or_u8(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t bits,
				       uint8_t *old)
{
	uint8_t *p = host(mem, gaddr, 1);
	uint8_t prev;

	if (!p)
		return VCCW_MEM_ADDRESSING;
	prev = __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
	if (old)
		*old = prev;
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_atomic_or_be64(struct vccw_mem *mem, vccw_gaddr_t gaddr,
					 uint64_t bits, uint64_t *old)
{
	uint64_t *p;
	uint64_t prev;

	if (gaddr & 7)
		return VCCW_MEM_ADDRESSING;
	p = (uint64_t *)host(mem, gaddr, 8);
	if (!p)
		return VCCW_MEM_ADDRESSING;
	/* The doubleword is big-endian in guest memory: OR in the bits in that order. */
	prev = __atomic_fetch_or(p, VCCW__BE(64, bits), __ATOMIC_SEQ_CST);
	if (old)
		*old = VCCW__BE(64, prev);
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_discard(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len)
{
	uint8_t *p;

	if ((gaddr | len) & (VCCW_MEM_DISCARD_ALIGN - 1))
		return VCCW_MEM_ADDRESSING;
	p = host(mem, gaddr, len);
	if (!p)
		return VCCW_MEM_ADDRESSING;
	if (!len)
		return VCCW_MEM_OK;
	/*
	 * A private anonymous mapping reads back as zero-fill pages after MADV_DONTNEED.
	 * Only whole host pages may be advised (the kernel rounds the length up, which
	 * would take bytes beyond the range with host pages above 4 KiB): release the
	 * host pages inside the range and zero the edges. Wrapped RAM, or advice that
	 * fails, is zeroed: the guest sees the same contents, the host keeps the memory.
	 */
	if (mem->owned) {
		uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
		uintptr_t start = ((uintptr_t)p + pg - 1) & ~(pg - 1);
		uintptr_t end = ((uintptr_t)p + len) & ~(pg - 1);

		if (start < end && madvise((void *)start, end - start, MADV_DONTNEED) == 0) {
			guest_ram_begin();
			memset(p, 0, start - (uintptr_t)p);
			memset((void *)end, 0, (uintptr_t)p + len - end);
			guest_ram_end();
			return VCCW_MEM_OK;
		}
	}
	guest_ram_begin();
	memset(p, 0, len);
	guest_ram_end();
	return VCCW_MEM_OK;
}

enum vccw_mem_rc vccw_mem_map(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len,
			      struct iovec *iov, unsigned int max_iov, unsigned int *nr_iov)
{
	uint8_t *p = host(mem, gaddr, len);

	*nr_iov = 0;
	if (!p)
		return VCCW_MEM_ADDRESSING;
	if (len == 0)
		return VCCW_MEM_OK;
	/* Guest RAM is a single host mapping, so any valid range is one iovec. */
	if (max_iov < 1)
		return VCCW_MEM_ADDRESSING;
	iov[0].iov_base = p;
	iov[0].iov_len = len;
	*nr_iov = 1;
	return VCCW_MEM_OK;
}
