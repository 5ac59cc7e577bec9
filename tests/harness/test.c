// SPDX-License-Identifier: MIT
/*
 * Test runner: runs every TEST() of the program (or those whose name contains argv[1])
 * and prints "N passed, N failed, N skipped".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

extern struct test_case __start_vccw_tests[] __attribute__((weak));
extern struct test_case __stop_vccw_tests[] __attribute__((weak));

static const char *current;
static unsigned int failures;
static bool skipped;
static char skip_reason[256];

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	if (failures > 20)
		return; /* one broken loop should not flood the log */
	printf("  %s:%d: %s: ", file, line, current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	skipped = true;
	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

bool test_failed(void)
{
	return failures != 0;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, nskipped = 0;
	const struct test_case *tc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (tc = __start_vccw_tests; tc < __stop_vccw_tests; tc++) {
		if (argc > 1 && !strstr(tc->name, argv[1]))
			continue;
		current = tc->name;
		failures = 0;
		skipped = false;
		tc->fn();
		if (failures) {
			printf("FAIL %s\n", tc->name);
			failed++;
		} else if (skipped) {
			printf("SKIP %s: %s\n", tc->name, skip_reason);
			nskipped++;
		} else {
			printf("PASS %s\n", tc->name);
			passed++;
		}
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, nskipped);
	return failed ? 1 : 0;
}
