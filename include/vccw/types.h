/* SPDX-License-Identifier: MIT */
/*
 * Types common to every libvccw layer: guest addresses, the error record that
 * constructors fill, the logging callback, and the result of an I/O instruction.
 */
#ifndef VCCW_TYPES_H
#define VCCW_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A guest absolute address. Never a host pointer; only lib/mem turns it into one. */
typedef uint64_t vccw_gaddr_t;

/*
 * Error record for host and configuration errors (never for guest-caused conditions).
 * Constructors that fail return NULL (or -errno) and, when given a record, write a
 * one-line message into it.
 */
struct vccw_err {
	int code; /* -errno */
	char msg[256];
};

/* Fill @err (may be NULL) with -@code and a message; returns -@code for convenience. */
int vccw_err_set(struct vccw_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Log levels, ordered like syslog; VCCW_LOG_GUEST is the rate-limited guest-error class. */
enum vccw_log_level {
	VCCW_LOG_ERR = 3,
	VCCW_LOG_WARNING = 4,
	VCCW_LOG_INFO = 6,
	VCCW_LOG_DEBUG = 7,
	VCCW_LOG_GUEST = 8,
};

/*
 * Logging callback of the embedder. @msg has no trailing newline. Called on any thread,
 * possibly with library locks held: it must not call back into libvccw.
 */
typedef void vccw_log_fn(void *opaque, enum vccw_log_level level, const char *msg);

/*
 * Outcome of an I/O instruction, as the architecture defines it: either a condition
 * code for the PSW, or a program interruption with its code. The embedder applies it.
 */
enum vccw_insn_rc {
	VCCW_CC0 = 0,
	VCCW_CC1 = 1,
	VCCW_CC2 = 2,
	VCCW_CC3 = 3,
	/* Completed; the instruction leaves the condition code unchanged (SAL, SCHM, SIC). */
	VCCW_CC_UNCHANGED = 4,
	VCCW_PGM_OPERATION = 0x10001,
	VCCW_PGM_PRIVILEGED_OP = 0x10002,
	VCCW_PGM_PROTECTION = 0x10004,
	VCCW_PGM_ADDRESSING = 0x10005,
	VCCW_PGM_SPECIFICATION = 0x10006,
	VCCW_PGM_OPERAND = 0x10015,
};

static inline bool vccw_insn_is_pgm(enum vccw_insn_rc rc)
{
	return (rc & 0x10000) != 0;
}

/* Program-interruption code of @rc (0 when @rc is a condition code). */
static inline uint16_t vccw_insn_pic(enum vccw_insn_rc rc)
{
	return vccw_insn_is_pgm(rc) ? (uint16_t)(rc & 0xffff) : 0;
}

#define VCCW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#ifdef __cplusplus
}
#endif

#endif /* VCCW_TYPES_H */
