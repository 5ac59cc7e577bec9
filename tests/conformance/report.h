/* SPDX-License-Identifier: MIT */
/*
 * Reporting for the conformance suite, in the shape of kvm-unit-tests' report(): each
 * check prints one line "PASS <test>: <rule>" or "FAIL <test>: <rule> (detail)", and
 * a test is the group of checks under one name. The runner (tests/conformance/run)
 * compares these lines between hosts. Guest code: freestanding, guest/lib only.
 */
#ifndef CONFORMANCE_REPORT_H
#define CONFORMANCE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

struct conf_test {
	const char *name;
	void (*fn)(void);
};

/* Record one check of the current test; @rule names the PoP or spec rule. */
void report(bool pass, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Skip the rest of the current test, with the reason. */
void report_skip(const char *reason);
bool report_skipped(void);
/* Run a table of tests; returns the number of failed tests. */
unsigned int report_run(const struct conf_test *tests, unsigned int nr);
/* Print the closing summary; returns 0 if nothing failed. */
int report_summary(void);

#endif /* CONFORMANCE_REPORT_H */
