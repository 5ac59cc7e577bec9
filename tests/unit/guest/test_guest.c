// SPDX-License-Identifier: MIT
/*
 * Native guest tests: the guest library (formatter, allocator), the native arch
 * back-end (RAM bounds, exit), and the channel-I/O layer against a real vccw css —
 * enumeration with MSS, SENSE ID, channel programs with command reject, unit check with
 * concurrent sense and with BASIC SENSE, timeout with halt, unsolicited and adapter
 * interruptions, hot plug and unplug through channel reports — plus the exact lscss and
 * lschp text. Each guest program runs on its own thread against host.c's machine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/lib.h"
#include "guest/tools.h"
#include "fixture.h"
#include "host.h"
#include "test.h"

#define CMD_NOP 0x03
#define CMD_FAIL 0x23    /* host.c's test command: unit check, equipment check */
#define CMD_UNKNOWN 0x77 /* no such command: command reject */
#define CMD_TIC 0x08

/* In a guest program: record the failure and end the program with 1. */
#define REQUIRE_RC(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail_at(__FILE__, __LINE__, "required: %s", #cond);                   \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* ---- Library ---- */

static const char *fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static const char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	guest_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

TEST(test_guest_vsnprintf_conversions)
{
	char b[128];

	CHECK(!strcmp(fmt(b, sizeof(b), "%d %i %u", -5, 42, 3000000000u), "-5 42 3000000000"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%x %X %08x", 0xabcu, 0xabcu, 0x1fu), "abc ABC 0000001f"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%lx %llx", 0xdeadbeefUL, 0x123456789abcdefULL),
		      "deadbeef 123456789abcdef"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%lu %llu %zu", 7UL, 18446744073709551615ULL, (size_t)9),
		      "7 18446744073709551615 9"));
	CHECK(!strcmp(fmt(b, sizeof(b), "[%5d][%-5d][%05d][%-3s][%3s]", 42, 42, -42, "a", "b"),
		      "[   42][42   ][-0042][a  ][  b]"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%c%c %s %%", 'o', 'k', "str"), "ok str %"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%p", (void *)0x1234), "0x1234"));
	CHECK(!strcmp(fmt(b, sizeof(b), "%d", -2147483647 - 1), "-2147483648"));
	{
		const char *volatile null_str = NULL;

		CHECK(!strcmp(fmt(b, sizeof(b), "[%s]", null_str), "[(null)]"));
	}
}

TEST(test_guest_vsnprintf_bounded_returns_full_length)
{
	char b[8];

	memset(b, 'x', sizeof(b));
	CHECK_EQ(guest_snprintf(b, 5, "%s", "abcdefgh"), 8);
	CHECK(!strcmp(b, "abcd"));
	CHECK_EQ(b[5], 'x');
	CHECK_EQ(guest_snprintf(NULL, 0, "%04x", 0x12u), 4);
	CHECK_EQ(guest_snprintf(b, 1, "abc"), 3);
	CHECK_EQ(b[0], '\0');
}

TEST(test_guest_string_helpers)
{
	char a[16], c[16];

	guest_memset(a, 'z', 4);
	a[4] = '\0';
	CHECK(!strcmp(a, "zzzz"));
	guest_memcpy(c, "hello", 6);
	CHECK_EQ(guest_strlen(c), 5);
	CHECK(guest_strcmp(c, "hello") == 0);
	CHECK(guest_strcmp("a", "b") < 0);
	CHECK(guest_strcmp("b", "a") > 0);
	CHECK(guest_memcmp("abc", "abd", 3) < 0);
	CHECK(guest_memcmp("abc", "abc", 3) == 0);
}

static int alloc_main(void)
{
	guest_addr_t start, end;
	uint8_t *p, *q, *r;
	unsigned int i;

	guest_arch_heap(&start, &end);
	CHECK_EQ(start, TH_HEAP_START);
	CHECK_EQ(end, guest_arch_ram_size());
	p = guest_alloc(100, 8);
	CHECK(p != NULL);
	for (i = 0; p && i < 128; i++)
		CHECK_EQ(p[i], 0);
	CHECK(guest_arch_addr(p) >= start && guest_arch_addr(p) + 100 <= end);
	memset(p, 0xaa, 100);
	q = guest_alloc(4096, 4096);
	CHECK(q && (guest_arch_addr(q) & 4095) == 0);
	/* A freed block comes back, zeroed, for the same size class. */
	guest_free(p, 100);
	r = guest_alloc(120, 8);
	CHECK(r == p);
	CHECK(r && r[0] == 0 && r[99] == 0);
	/* More than the heap: NULL, not a block beyond RAM. */
	CHECK(guest_alloc(32u << 20, 8) == NULL);
	CHECK(guest_alloc(16, 3) == NULL); /* alignment not a power of two */
	return 0;
}

TEST(test_guest_alloc_zeroed_aligned_and_reused)
{
	struct th t;

	th_init(&t, 0);
	CHECK_EQ(th_run(&t, alloc_main), 0);
	th_fini(&t);
}

/* ---- Arch back-end ---- */

static int exit_main(void)
{
	guest_arch_exit(7);
}

static int bad_ptr_main(void)
{
	/* A guest bug: the arch reports it and ends the program with 1. */
	guest_arch_ptr(guest_arch_ram_size() + 8);
	return 0;
}

TEST(test_guest_arch_exit_code_and_ram_bounds)
{
	struct th t;

	th_init(&t, 0);
	CHECK_EQ(th_run(&t, exit_main), 7);
	CHECK_EQ(th_run(&t, bad_ptr_main), 1);
	CHECK_MSG(strstr(t.console, "not in guest RAM") != NULL, "console: %s", t.console);
	th_fini(&t);
}

/* ---- Channel I/O: a test driver ---- */

static struct {
	unsigned int probes, removes, unsolicited, adapter;
	unsigned int added, removed;
	struct guest_device *last_added, *last_removed;
	uint16_t last_removed_devno;
} seen;

static int tdrv_probe(struct guest_device *dev)
{
	seen.probes++;
	dev->drvdata = &seen;
	return 0;
}

static void tdrv_remove(struct guest_device *dev)
{
	(void)dev;
	seen.removes++;
}

static void tdrv_unsolicited(struct guest_device *dev, const struct guest_irb *irb)
{
	(void)dev;
	if ((irb->scsw.ctrl & GUEST_SCSW_SC_ALERT) && !(irb->scsw.ctrl & 0x7000))
		seen.unsolicited++;
}

static const struct guest_cio_driver tdrv = {
	.name = "test",
	.cu_type = 0x3832,
	.cu_model = -1,
	.probe = tdrv_probe,
	.remove = tdrv_remove,
	.unsolicited = tdrv_unsolicited,
};

static const struct guest_cio_driver tdrv_model9 = {
	.name = "model9",
	.cu_type = 0x3832,
	.cu_model = 9,
	.probe = tdrv_probe,
};

static void notifier(struct guest_device *dev, bool added)
{
	if (added) {
		seen.added++;
		seen.last_added = dev;
	} else {
		seen.removed++;
		seen.last_removed = dev;
		seen.last_removed_devno = dev->devno;
	}
}

static void adapter_isc3(void)
{
	seen.adapter++;
}

/* The seed configuration of the lscss example: three devices in set 0, one in set 1. */
static struct vccw_cu *seed[4];

static void add_seed(struct th *t)
{
	seed[0] = th_add_cu(t, "fe.0.0000", 1, false);
	seed[1] = th_add_cu(t, "fe.0.0815", 2, false);
	seed[2] = th_add_cu(t, "fe.0.9999", 3, false);
	seed[3] = th_add_cu(t, "fe.1.abcd", 5, false);
}

static void free_seed(void)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		vccw_cu_free(seed[i], false);
}

static const char lscss_expected[] =
	"Device   Subchan.  DevType CU Type Use  PIM PAM POM  CHPIDs\n"
	"----------------------------------------------------------------------\n"
	"0.0.0000 0.0.0000  0000/00 3832/01 yes  80  80  ff   00000000 00000000\n"
	"0.0.0815 0.0.0001  0000/00 3832/02 yes  80  80  ff   00000000 00000000\n"
	"0.0.9999 0.0.0002  0000/00 3832/03 yes  80  80  ff   00000000 00000000\n"
	"0.1.abcd 0.1.0000  0000/00 3832/05 yes  80  80  ff   00000000 00000000\n";

static const char lschp_expected[] = "CHPID  Vary  Cfg.  Type  Cmg  Shared  PCHID\n"
				     "============================================\n"
				     "0.00   1     -     32    -    0       -\n";

static int enum_main(void)
{
	static const uint16_t devnos[] = { 0x0000, 0x0815, 0x9999, 0xabcd };
	static const uint8_t ssids[] = { 0, 0, 0, 1 }, models[] = { 1, 2, 3, 5 };
	static const uint16_t schnrs[] = { 0, 1, 2, 0 };
	unsigned int i;
	int n;

	memset(&seen, 0, sizeof(seen));
	n = guest_cio_init();
	CHECK_EQ(n, 4);
	CHECK_EQ(guest_cio_nr_devices(), 4);
	for (i = 0; i < 4 && i < guest_cio_nr_devices(); i++) {
		struct guest_device *d = guest_cio_device(i);

		CHECK_EQ(d->devno, devnos[i]);
		CHECK_EQ(d->ssid, ssids[i]);
		CHECK_EQ(d->schnr, schnrs[i]);
		CHECK_EQ(d->sid, 0x00010000u | (uint32_t)ssids[i] << 17 | schnrs[i]);
		CHECK(d->enabled);
		CHECK_EQ(d->cu_type, 0x3832);
		CHECK_EQ(d->cu_model, models[i]);
		CHECK_EQ(d->dev_type, 0);
		CHECK_EQ(d->pim, 0x80);
		CHECK_EQ(d->pam, 0x80);
		CHECK_EQ(d->pom, 0xff);
		CHECK(d->drv == NULL);
	}
	CHECK(guest_cio_device(4) == NULL);

	/* A driver for model 9 binds to nothing; one for any model binds to all. */
	guest_cio_register_driver(&tdrv_model9);
	CHECK_EQ(seen.probes, 0);
	guest_cio_register_driver(&tdrv);
	CHECK_EQ(seen.probes, 4);
	for (i = 0; i < guest_cio_nr_devices(); i++)
		CHECK(guest_cio_device(i)->drv == &tdrv);

	CHECK_EQ(guest_lscss(), 4);
	CHECK_EQ(guest_lschp(), 1);
	guest_cio_exit();
	CHECK_EQ(seen.removes, 4);
	CHECK_EQ(guest_cio_nr_devices(), 0);
	return 0;
}

TEST(test_guest_cio_enumerates_sets_with_mss_and_lists_like_lscss_lschp)
{
	struct th t;

	th_init(&t, 0);
	add_seed(&t);
	REQUIRE(seed[0] && seed[1] && seed[2] && seed[3]);
	CHECK_EQ(th_run(&t, enum_main), 0);
	CHECK(vccw_css_mss_enabled(t.css));
	CHECK_MSG(!strcmp(t.console, "") || strstr(t.console, "Device") == t.console,
		  "console: %s", t.console);
	CHECK_MSG(!strncmp(t.console, lscss_expected, strlen(lscss_expected)),
		  "lscss:\n%s", t.console);
	CHECK_MSG(!strcmp(t.console + strlen(lscss_expected), lschp_expected), "lschp:\n%s",
		  t.console + strlen(lscss_expected));
	free_seed();
	th_fini(&t);
}

/* Turn concurrent sense off behind the layer's back (PMCW word 6 bit 31). */
static void csense_off(struct guest_device *d)
{
	uint8_t *schib = guest_alloc(52, 8);

	CHECK_EQ(guest_arch_stsch(d->sid, schib), 0);
	schib[0x1b] &= (uint8_t)~0x01;
	CHECK_EQ(guest_arch_msch(d->sid, schib), 0);
	guest_free(schib, 52);
}

static int io_main(void)
{
	struct guest_ccw1 *prog = guest_alloc(2 * sizeof(*prog), 8);
	struct guest_device *d;
	struct guest_irb irb;
	uint8_t sense[32];
	enum guest_io_rc rc;

	REQUIRE_RC(guest_cio_init() == 4);
	d = guest_cio_device(1);

	rc = guest_cio_do_ccw(d, CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL, &irb);
	CHECK_EQ(rc, GUEST_IO_OK);
	CHECK_EQ(irb.scsw.dstat, GUEST_DSTAT_CE | GUEST_DSTAT_DE);
	CHECK(irb.scsw.ctrl & GUEST_SCSW_FC_START);

	/* Unknown command: command reject through concurrent sense (ERW S, ECW byte 0). */
	memset(sense, 0, sizeof(sense));
	guest_ccw1_set(prog, CMD_UNKNOWN, 0, 0, NULL);
	rc = guest_cio_do_io(d, prog, &irb, sense, 1000000);
	CHECK_EQ(rc, GUEST_IO_REJECTED);
	CHECK_EQ(sense[0], 0x80);
	CHECK(irb.scsw.dstat & GUEST_DSTAT_UC);
	CHECK(irb.esw[1] & 0x01000000u);

	/* Other unit check: an error with the device's sense (equipment check). */
	memset(sense, 0, sizeof(sense));
	guest_ccw1_set(prog, CMD_FAIL, 0, 0, NULL);
	CHECK_EQ(guest_cio_do_io(d, prog, NULL, sense, 1000000), GUEST_IO_ERROR);
	CHECK_EQ(sense[0], 0x10);

	/* Without concurrent sense the layer asks with BASIC SENSE. */
	csense_off(d);
	memset(sense, 0, sizeof(sense));
	guest_ccw1_set(prog, CMD_UNKNOWN, 0, 0, NULL);
	rc = guest_cio_do_io(d, prog, &irb, sense, 1000000);
	CHECK_EQ(rc, GUEST_IO_REJECTED);
	CHECK(!(irb.esw[1] & 0x01000000u));
	CHECK_EQ(sense[0], 0x80);
	memset(sense, 0, sizeof(sense));
	guest_ccw1_set(prog, CMD_FAIL, 0, 0, NULL);
	CHECK_EQ(guest_cio_do_io(d, prog, NULL, sense, 1000000), GUEST_IO_ERROR);
	CHECK_EQ(sense[0], 0x10);

	/*
	 * A program that never ends (SENSE ID moving data, TIC back to it): halted, then
	 * usable again.
	 */
	{
		uint8_t *id = guest_alloc(8, 8);

		guest_ccw1_set(&prog[0], 0xe4, GUEST_CCW_FLAG_CC | GUEST_CCW_FLAG_SLI, 8, id);
		guest_ccw1_set(&prog[1], CMD_TIC, 0, 0, &prog[0]);
		CHECK_EQ(guest_cio_do_io(d, prog, NULL, NULL, 50000), GUEST_IO_TIMEOUT);
		CHECK_EQ(guest_cio_do_ccw(d, CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL, NULL),
			 GUEST_IO_OK);
	}
	/* A NOP/TIC loop moves no data: the channel ends it after 256 backward TICs. */
	guest_ccw1_set(&prog[0], CMD_NOP, GUEST_CCW_FLAG_CC | GUEST_CCW_FLAG_SLI, 0, NULL);
	guest_ccw1_set(&prog[1], CMD_TIC, 0, 0, &prog[0]);
	CHECK_EQ(guest_cio_do_io(d, prog, &irb, NULL, 1000000), GUEST_IO_ERROR);
	CHECK_EQ(irb.scsw.cstat, 0x20);

	/* Data transfer through the layer: SENSE ID again, into guest RAM. */
	{
		uint8_t *buf = guest_alloc(8, 8);

		CHECK_EQ(guest_cio_do_ccw(d, 0xe4, GUEST_CCW_FLAG_SLI, 8, buf, &irb), GUEST_IO_OK);
		CHECK_EQ(buf[0], 0xff);
		CHECK_EQ(buf[1], 0x38);
		CHECK_EQ(buf[2], 0x32);
		CHECK_EQ(buf[3], 2);
	}
	guest_cio_exit();
	return 0;
}

TEST(test_guest_cio_do_io_reject_unit_check_sense_and_timeout)
{
	struct th t;

	th_init(&t, 0);
	add_seed(&t);
	CHECK_EQ(th_run(&t, io_main), 0);
	free_seed();
	th_fini(&t);
}

static int irq_main(void)
{
	struct guest_device *d;
	uint64_t end;

	memset(&seen, 0, sizeof(seen));
	REQUIRE_RC(guest_cio_init() == 4);
	guest_cio_register_driver(&tdrv);
	guest_cio_set_adapter_handler(GUEST_CIO_ISC, adapter_isc3);
	d = guest_cio_device(2);

	/* Unsolicited alert status (virtio-ccw classic indicators) reaches the driver. */
	vccw_sch_unsolicited(vccw_cu_sch(seed[2]), 0);
	end = guest_arch_now_us() + 2000000;
	while (!seen.unsolicited && guest_arch_now_us() < end)
		guest_arch_wait(10000);
	CHECK_EQ(seen.unsolicited, 1);
	/* ... and the subchannel is free for I/O afterwards. */
	CHECK_EQ(guest_cio_do_ccw(d, CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL, NULL), GUEST_IO_OK);

	/* An adapter interruption for ISC 3 goes to the adapter handler. */
	vccw_css_inject_adapter(th->css, GUEST_CIO_ISC);
	end = guest_arch_now_us() + 2000000;
	while (!seen.adapter && guest_arch_now_us() < end)
		guest_arch_wait(10000);
	CHECK_EQ(seen.adapter, 1);
	guest_cio_exit();
	return 0;
}

TEST(test_guest_cio_unsolicited_and_adapter_interruptions)
{
	struct th t;

	th_init(&t, 0);
	add_seed(&t);
	CHECK_EQ(th_run(&t, irq_main), 0);
	free_seed();
	th_fini(&t);
}

static bool poll_until(unsigned int nr, uint64_t timeout_us)
{
	uint64_t end = guest_arch_now_us() + timeout_us;

	while (guest_cio_nr_devices() != nr && guest_arch_now_us() < end) {
		guest_arch_wait(10000);
		guest_cio_poll();
	}
	return guest_cio_nr_devices() == nr;
}

static int hotplug_main(void)
{
	struct guest_device *d;
	unsigned int i;

	memset(&seen, 0, sizeof(seen));
	REQUIRE_RC(guest_cio_init() == 4);
	guest_cio_register_driver(&tdrv);
	guest_cio_set_hotplug_notifier(notifier);

	/* Stage 1: the host plugs a device into set 2 while we poll. */
	th_set_stage(th, 1);
	CHECK(poll_until(5, 5000000));
	CHECK_EQ(seen.added, 1);
	d = seen.last_added;
	REQUIRE_RC(d != NULL);
	CHECK_EQ(d->ssid, 2);
	CHECK_EQ(d->devno, 0x4321);
	CHECK_EQ(d->cu_type, 0x3832);
	CHECK_EQ(d->cu_model, 1);
	CHECK_EQ(d->dev_type, 0x1234);
	CHECK(d->enabled);
	CHECK(d->drv == &tdrv);
	CHECK_EQ(seen.probes, 5);
	CHECK_EQ(guest_cio_device(4), d); /* sorted: set 2 comes last */
	CHECK_EQ(guest_cio_do_ccw(d, CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL, NULL), GUEST_IO_OK);

	/* Stage 2: the host unplugs it again. */
	th_set_stage(th, 2);
	CHECK(poll_until(4, 5000000));
	CHECK_EQ(seen.removed, 1);
	CHECK_EQ(seen.removes, 1);
	CHECK_EQ(seen.last_removed_devno, 0x4321);
	for (i = 0; i < guest_cio_nr_devices(); i++)
		CHECK(guest_cio_device(i)->devno != 0x4321);
	/* Nothing else pending: a poll changes nothing. */
	CHECK(!guest_cio_poll());
	th_set_stage(th, 3);
	guest_cio_exit();
	return 0;
}

TEST(test_guest_cio_hotplug_and_unplug_through_channel_reports)
{
	struct fx_cu_state *state = calloc(1, sizeof(*state));
	struct vccw_cu *cu;
	struct th t;
	struct fx f;

	th_init(&t, 0);
	add_seed(&t);
	memset(&f, 0, sizeof(f));
	f.mem = t.mem;
	f.css = t.css;
	th_start(&t, hotplug_main);
	CHECK(th_wait_stage(&t, 1, 10000));
	cu = fx_add_cu(&f, "fe.2.4321", state, true);
	CHECK(cu != NULL);
	CHECK(th_wait_stage(&t, 2, 10000));
	vccw_cu_free(cu, true);
	CHECK(th_wait_stage(&t, 3, 10000));
	CHECK_EQ(th_join(&t), 0);
	CHECK(t.nr_mchk >= 2);
	free_seed();
	th_fini(&t);
	free(state);
}

static int no_mss_main(void)
{
	int n = guest_cio_init();

	/* Set 0 only, and the hole at subchannel 1 (zero SCHIB, V=0) is skipped. */
	CHECK_EQ(n, 2);
	REQUIRE_RC(guest_cio_nr_devices() == 2);
	CHECK_EQ(guest_cio_device(0)->devno, 0x0000);
	CHECK_EQ(guest_cio_device(1)->devno, 0x9999);
	CHECK_EQ(guest_cio_device(1)->schnr, 2);
	CHECK_EQ(guest_cio_do_ccw(guest_cio_device(1), CMD_NOP, GUEST_CCW_FLAG_SLI, 0, NULL, NULL),
		 GUEST_IO_OK);
	guest_cio_exit();
	return 0;
}

TEST(test_guest_cio_without_mss_scans_set_0_and_skips_holes)
{
	struct th t;

	th_init(&t, 0);
	add_seed(&t);
	/* Subchannel 1 goes away quietly: a hole below subchannel 2. */
	vccw_cu_free(seed[1], false);
	seed[1] = NULL;
	t.no_chsc = true;
	CHECK_EQ(th_run(&t, no_mss_main), 0);
	CHECK(!vccw_css_mss_enabled(t.css));
	free_seed();
	th_fini(&t);
}

static int overflow_main(void)
{
	uint64_t end;

	memset(&seen, 0, sizeof(seen));
	REQUIRE_RC(guest_cio_init() == 4);
	guest_cio_set_hotplug_notifier(notifier);
	th_set_stage(th, 1);
	REQUIRE_RC(th_wait_stage(th, 2, 10000));
	/* Drain the full queue: reports about channel paths change nothing here. */
	end = guest_arch_now_us() + 5000000;
	while (vccw_css_crw_pending(th->css) && guest_arch_now_us() < end) {
		guest_arch_wait(10000);
		guest_cio_poll();
	}
	CHECK_EQ(guest_cio_nr_devices(), 4);
	th_set_stage(th, 3);
	/*
	 * The only report of the new device was lost in the overflow: the next CRW carries
	 * R, and the layer evaluates every subchannel again.
	 */
	CHECK(poll_until(5, 5000000));
	CHECK_EQ(seen.added, 1);
	CHECK(seen.last_added && seen.last_added->devno == 0x0042);
	guest_cio_exit();
	return 0;
}

TEST(test_guest_cio_crw_overflow_rescans_every_subchannel)
{
	struct vccw_cu *cu;
	unsigned int i;
	struct th t;

	th_init(&t, 0);
	add_seed(&t);
	th_start(&t, overflow_main);
	CHECK(th_wait_stage(&t, 1, 10000));
	/* A device appears without a report of its own, then the CRW queue overflows. */
	cu = th_add_cu(&t, "fe.0.0042", 4, false);
	CHECK(cu != NULL);
	for (i = 0; i < VCCW_CRW_QUEUE_LEN + 8; i++)
		vccw_css_queue_crw(t.css, VCCW_CRW_RSC_CHP, VCCW_CRW_ERC_INIT, false, 0x00, -1);
	th_set_stage(&t, 2);
	CHECK(th_wait_stage(&t, 3, 10000));
	vccw_css_queue_crw(t.css, VCCW_CRW_RSC_CHP, VCCW_CRW_ERC_INIT, false, 0x00, -1);
	CHECK_EQ(th_join(&t), 0);
	vccw_cu_free(cu, false);
	free_seed();
	th_fini(&t);
}
