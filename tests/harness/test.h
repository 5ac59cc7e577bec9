/* SPDX-License-Identifier: MIT */
/*
 * A small test harness in the shape of kvm-unit-tests' report(): each test is a
 * function registered with TEST(); checks record failures with file and line and the
 * test goes on; a test may skip itself with a reason. The runner prints one line per
 * test and the summary "N passed, N failed, N skipped". It needs nothing but stdio, so
 * the same shape serves freestanding guest suites later.
 */
#ifndef VCCW_TEST_H
#define VCCW_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	static struct test_case test_case_##name                                             \
		__attribute__((used, section("vccw_tests"), aligned(sizeof(void *)))) = { #name,  \
											  name };  \
	static void name(void)

void test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_at(__FILE__, __LINE__, "%s", #cond);                             \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_at(__FILE__, __LINE__, __VA_ARGS__);                             \
	} while (0)

/* Compare two integers; on mismatch print both in hex. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                       \
		if (check_a_ != check_b_)                                                          \
			test_fail_at(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64,  \
				     #a, #b, check_a_, check_b_);                                  \
	} while (0)

/* Stop the current test early (after a failed precondition). */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail_at(__FILE__, __LINE__, "required: %s", #cond);                   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define SKIP(...)                                                                                  \
	do {                                                                                       \
		test_skip(__VA_ARGS__);                                                            \
		return;                                                                            \
	} while (0)

#endif /* VCCW_TEST_H */
