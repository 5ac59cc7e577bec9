// SPDX-License-Identifier: MIT
/* Conformance-suite reporting (see report.h). */
#include <stdarg.h>

#include "guest/lib.h"
#include "report.h"

static const char *current;
static unsigned int checks_failed, tests_run, tests_failed, tests_skipped;
static bool skipped;

void report(bool pass, const char *rule, const char *fmt, ...)
{
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	guest_vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (pass) {
		guest_printf("  ok   %s: %s\n", current, rule);
		return;
	}
	checks_failed++;
	guest_printf("  FAIL %s: %s (%s)\n", current, rule, detail);
}

void report_skip(const char *reason)
{
	skipped = true;
	guest_printf("  skip %s: %s\n", current, reason);
}

bool report_skipped(void)
{
	return skipped;
}

unsigned int report_run(const struct conf_test *tests, unsigned int nr)
{
	unsigned int i, failed = 0;

	for (i = 0; i < nr; i++) {
		current = tests[i].name;
		checks_failed = 0;
		skipped = false;
		tests[i].fn();
		tests_run++;
		if (checks_failed) {
			guest_printf("RESULT %s FAIL\n", current);
			failed++;
		} else if (skipped) {
			guest_printf("RESULT %s SKIP\n", current);
			tests_skipped++;
		} else {
			guest_printf("RESULT %s PASS\n", current);
		}
	}
	tests_failed += failed;
	return failed;
}

int report_summary(void)
{
	guest_printf("SUMMARY: %u tests, %u failed, %u skipped\n", tests_run, tests_failed,
		     tests_skipped);
	return tests_failed ? 1 : 0;
}
