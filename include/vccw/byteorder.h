/* SPDX-License-Identifier: MIT */
/*
 * Byte-order helpers shared by the host library and guest code.
 *
 * All s390 control blocks (SCHIB, ORB, IRB, CCW, CRW, CHSC blocks) are big-endian;
 * VERSION_1 virtqueues are little-endian. These helpers load and store through memcpy,
 * so they assume neither alignment nor anything about aliasing, and compile to plain
 * loads and stores where the byte order already matches. Only compiler built-ins are
 * used, so freestanding guest builds (native and bare-metal s390x) include it too.
 */
#ifndef VCCW_BYTEORDER_H
#define VCCW_BYTEORDER_H

#include <stdint.h>

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_BIG_ENDIAN__)
#error "compiler does not define __BYTE_ORDER__"
#endif

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VCCW_HOST_BIG_ENDIAN 1
#else
#define VCCW_HOST_BIG_ENDIAN 0
#endif

static inline uint16_t vccw_bswap16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t vccw_bswap32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t vccw_bswap64(uint64_t v) { return __builtin_bswap64(v); }

#if VCCW_HOST_BIG_ENDIAN
#define VCCW__BE(bits, v) (v)
#define VCCW__LE(bits, v) vccw_bswap##bits(v)
#else
#define VCCW__BE(bits, v) vccw_bswap##bits(v)
#define VCCW__LE(bits, v) (v)
#endif

#define VCCW__DEFINE_LDST(order, ORDER, bits)                                                      \
	static inline uint##bits##_t vccw_ld_##order##bits(const void *p)                          \
	{                                                                                          \
		uint##bits##_t v;                                                                  \
		__builtin_memcpy(&v, p, sizeof(v));                                                \
		return VCCW__##ORDER(bits, v);                                                     \
	}                                                                                          \
	static inline void vccw_st_##order##bits(void *p, uint##bits##_t v)                        \
	{                                                                                          \
		v = VCCW__##ORDER(bits, v);                                                        \
		__builtin_memcpy(p, &v, sizeof(v));                                                \
	}

VCCW__DEFINE_LDST(be, BE, 16)
VCCW__DEFINE_LDST(be, BE, 32)
VCCW__DEFINE_LDST(be, BE, 64)
VCCW__DEFINE_LDST(le, LE, 16)
VCCW__DEFINE_LDST(le, LE, 32)
VCCW__DEFINE_LDST(le, LE, 64)

/*
 * Wrapper types for fixed wire structures: a field declared struct vccw_be32 cannot be
 * used as a host integer by mistake, and mixing orders fails to compile.
 */
struct vccw_be16 { uint16_t raw; };
struct vccw_be32 { uint32_t raw; };
struct vccw_be64 { uint64_t raw; };
struct vccw_le16 { uint16_t raw; };
struct vccw_le32 { uint32_t raw; };
struct vccw_le64 { uint64_t raw; };

#define VCCW__WRAP(order, ORDER, bits)                                                             \
	static inline uint##bits##_t vccw_##order##bits##_to_cpu(struct vccw_##order##bits x)     \
	{                                                                                          \
		return VCCW__##ORDER(bits, x.raw);                                                 \
	}                                                                                          \
	static inline struct vccw_##order##bits vccw_cpu_to_##order##bits(uint##bits##_t v)       \
	{                                                                                          \
		struct vccw_##order##bits x = { VCCW__##ORDER(bits, v) };                          \
		return x;                                                                          \
	}

VCCW__WRAP(be, BE, 16)
VCCW__WRAP(be, BE, 32)
VCCW__WRAP(be, BE, 64)
VCCW__WRAP(le, LE, 16)
VCCW__WRAP(le, LE, 32)
VCCW__WRAP(le, LE, 64)

#endif /* VCCW_BYTEORDER_H */
