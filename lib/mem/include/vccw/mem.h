/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the only layer of libvccw that dereferences guest RAM.
 *
 * Guest RAM is one contiguous range of absolute addresses [0, size). Every access is
 * bounds-checked without overflow and returns a typed result; a result other than
 * VCCW_MEM_OK is a guest condition (the caller turns it into the architected answer:
 * an addressing exception, a channel-program check, NEEDS_RESET ...), never a host
 * error. Multi-byte loads and stores come in big- and little-endian flavours and make
 * no alignment assumptions. The data path maps guest ranges to host iovecs instead of
 * copying.
 *
 * Context: every function may be called on any thread without a lock; concurrent
 * accesses to the same bytes have the same (lack of) atomicity as the guest's own
 * accesses, except for the vccw_mem_atomic_* helpers and the acquire/release field
 * accesses, which are single-copy atomic.
 *
 * ThreadSanitizer: guest RAM is shared with the guest by design, so the plain copies,
 * fills and field accesses here are hidden from it (only when built with
 * -fsanitize=thread, and only the guest-RAM side: the host buffer of a copy is still
 * checked). What the protocols order goes through the atomic helpers, which it sees;
 * every report left is about host state. The data path's mapped iovecs are ordinary
 * memory to it: their accesses are ordered by the virtqueue's acquire and release.
 */
#ifndef VCCW_MEM_H
#define VCCW_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vccw_mem;

enum vccw_mem_rc {
	VCCW_MEM_OK = 0,
	/* Some byte of the range lies outside guest RAM (PoP: addressing exception). */
	VCCW_MEM_ADDRESSING = 1,
};

/*
 * Allocate @size bytes of zeroed guest RAM (anonymous mapping).
 * Returns: a new object owned by the caller, or NULL with @err filled.
 */
struct vccw_mem *vccw_mem_new(uint64_t size, struct vccw_err *err);

/*
 * Wrap host memory the caller already owns as guest RAM (embedders with their own
 * RAM, tests). @host must be 8-byte aligned (so that the atomic helpers' aligned guest
 * fields are aligned in the host too) and stay valid until vccw_mem_free().
 * Returns: a new object owned by the caller, or NULL with @err filled (-EINVAL for a
 * NULL or misaligned @host or a @size of 0).
 */
struct vccw_mem *vccw_mem_wrap(void *host, uint64_t size, struct vccw_err *err);

/* Release @mem (and the RAM if vccw_mem_new() allocated it). NULL is a no-op. */
void vccw_mem_free(struct vccw_mem *mem);

/* Size of guest RAM in bytes. */
uint64_t vccw_mem_size(const struct vccw_mem *mem);

/* True when every byte of [@gaddr, @gaddr + @len) is guest RAM. @len 0 is always valid. */
bool vccw_mem_valid(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len);

/* Copy between guest RAM and a host buffer. Nothing is transferred unless all of it can be. */
enum vccw_mem_rc vccw_mem_read(const struct vccw_mem *mem, vccw_gaddr_t gaddr, void *buf,
			       size_t len);
enum vccw_mem_rc vccw_mem_write(struct vccw_mem *mem, vccw_gaddr_t gaddr, const void *buf,
				size_t len);
/* Set [@gaddr, @gaddr + @len) to @byte. */
enum vccw_mem_rc vccw_mem_fill(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t byte,
			       size_t len);

/* Field loads and stores; on failure *@val is left untouched. */
enum vccw_mem_rc vccw_mem_ld_u8(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t *val);
enum vccw_mem_rc vccw_mem_ld_be16(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint16_t *val);
enum vccw_mem_rc vccw_mem_ld_be32(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint32_t *val);
enum vccw_mem_rc vccw_mem_ld_be64(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t *val);
enum vccw_mem_rc vccw_mem_ld_le16(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint16_t *val);
enum vccw_mem_rc vccw_mem_ld_le32(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint32_t *val);
enum vccw_mem_rc vccw_mem_ld_le64(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t *val);
enum vccw_mem_rc vccw_mem_st_u8(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t val);
enum vccw_mem_rc vccw_mem_st_be16(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint16_t val);
enum vccw_mem_rc vccw_mem_st_be32(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint32_t val);
enum vccw_mem_rc vccw_mem_st_be64(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t val);
enum vccw_mem_rc vccw_mem_st_le16(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint16_t val);
enum vccw_mem_rc vccw_mem_st_le32(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint32_t val);
enum vccw_mem_rc vccw_mem_st_le64(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t val);

/*
 * Ring fields that the guest and the device access concurrently by protocol (virtio
 * indices, descriptor flags, event-index and event-suppression fields): one single-copy
 * atomic access of a 2-byte aligned 16-bit field. An acquire load orders every later
 * access to guest RAM after it (read an index, then the entries it covers); a release
 * store orders every earlier one before it (write the entries, then the index that
 * publishes them): the read and write barriers of virtio 2.7.13 and 2.8.21.
 * Returns: VCCW_MEM_OK, or VCCW_MEM_ADDRESSING when the field is outside guest RAM or
 * not 2-byte aligned (nothing is loaded or stored; *@val is left untouched).
 */
enum vccw_mem_rc vccw_mem_ld_acquire_be16(const struct vccw_mem *mem, vccw_gaddr_t gaddr,
					  uint16_t *val);
enum vccw_mem_rc vccw_mem_ld_acquire_le16(const struct vccw_mem *mem, vccw_gaddr_t gaddr,
					  uint16_t *val);
enum vccw_mem_rc vccw_mem_st_release_be16(struct vccw_mem *mem, vccw_gaddr_t gaddr,
					  uint16_t val);
enum vccw_mem_rc vccw_mem_st_release_le16(struct vccw_mem *mem, vccw_gaddr_t gaddr,
					  uint16_t val);

/*
 * Full barrier: every store to guest RAM before it is visible before any load after it
 * (virtio's virtio_mb()). Notification suppression needs it (2.7.10, 2.8.10): the device
 * publishes its used index or event field, then reads the driver's, while the driver
 * does the mirror image; the barrier on both sides makes at least one of them see the
 * other's store, so a notification is never lost.
 *
 * ThreadSanitizer models no fences (GCC says so with -Wtsan) but still executes this
 * one; it needs none: every field ordered by this barrier is accessed with the atomic
 * helpers above.
 */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
static inline void vccw_mem_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Atomically OR @bits into the byte at @gaddr (indicator bits). *@old, if not NULL,
 * receives the previous value.
 */
enum vccw_mem_rc vccw_mem_atomic_or_u8(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint8_t bits,
				       uint8_t *old);
/*
 * Atomically OR @bits (host order) into the big-endian doubleword at @gaddr, which must
 * be 8-byte aligned (else VCCW_MEM_ADDRESSING: the caller decides the architected answer
 * before it gets here). *@old, if not NULL, receives the previous value in host order.
 */
enum vccw_mem_rc vccw_mem_atomic_or_be64(struct vccw_mem *mem, vccw_gaddr_t gaddr,
					 uint64_t bits, uint64_t *old);

/* Granule of vccw_mem_discard(): the virtio-balloon page size (spec 5.5.6). */
#define VCCW_MEM_DISCARD_ALIGN 4096u

/*
 * Give the host memory behind [@gaddr, @gaddr + @len) back and make the range read as
 * zeros afterwards (balloon inflation). RAM from vccw_mem_new() is released with
 * madvise(MADV_DONTNEED); wrapped RAM is not ours to release and is zero-filled.
 * @gaddr and @len must be multiples of VCCW_MEM_DISCARD_ALIGN.
 * Returns: VCCW_MEM_OK (also for @len 0), or VCCW_MEM_ADDRESSING when the range is
 * misaligned or not entirely guest RAM (nothing is discarded then).
 */
enum vccw_mem_rc vccw_mem_discard(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len);

/*
 * Map [@gaddr, @gaddr + @len) to host iovecs for zero-copy I/O. At most @max_iov entries
 * are filled; *@nr_iov receives how many were.
 *
 * The iovecs are borrowed: they stay valid while @mem lives, but a caller must use them
 * only for the request they were made for and never keep them in long-lived state.
 * Returns: VCCW_MEM_OK, or VCCW_MEM_ADDRESSING (nothing filled) when some byte is not
 * guest RAM or the range needs more than @max_iov entries.
 */
enum vccw_mem_rc vccw_mem_map(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t len,
			      struct iovec *iov, unsigned int max_iov, unsigned int *nr_iov);

#ifdef __cplusplus
}
#endif

#endif /* VCCW_MEM_H */
