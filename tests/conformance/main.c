// SPDX-License-Identifier: MIT
/*
 * Entry point of the conformance suite: guest_conformance_main() runs every group and
 * prints one RESULT line per test and a SUMMARY line. The same program runs natively on
 * vccw-vm (-kernel native:conformance) and bare-metal under qemu-system-s390x
 * (build/s390x/conformance.elf); tests/conformance/run compares the two.
 */
#include "report.h"
#include "util.h"

extern const struct conf_test conf_css_tests[];
extern const unsigned int conf_css_nr;
extern const struct conf_test conf_vccw_tests[];
extern const unsigned int conf_vccw_nr;
extern const struct conf_test conf_insn_tests[];
extern const unsigned int conf_insn_nr;
extern const struct conf_test conf_ccw_tests[];
extern const unsigned int conf_ccw_nr;
extern const struct conf_test conf_vcmd_tests[];
extern const unsigned int conf_vcmd_nr;
extern const struct conf_test conf_drv_tests[];
extern const unsigned int conf_drv_nr;
extern const struct conf_test conf_linux_tests[];
extern const unsigned int conf_linux_nr;

int guest_conformance_main(void);

int guest_conformance_main(void)
{
	util_init();
	guest_printf("vccw conformance suite\n");
	report_run(conf_css_tests, conf_css_nr);
	report_run(conf_vccw_tests, conf_vccw_nr);
	report_run(conf_insn_tests, conf_insn_nr);
	report_run(conf_ccw_tests, conf_ccw_nr);
	report_run(conf_vcmd_tests, conf_vcmd_nr);
	report_run(conf_drv_tests, conf_drv_nr);
	report_run(conf_linux_tests, conf_linux_nr);
	return report_summary();
}
