// SPDX-License-Identifier: MIT
/*
 * QEMU's legacy character device forms of -serial and -monitor (machine/config/chardev.c),
 * parsed without opening anything: the older flag forms "server" and "nowait" become
 * server=on and wait=off, as in QEMU 7.2 (qemu_chr_parse_compat()), wherever they stand;
 * a doubled comma stays a comma of a value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vm-int.h"

/* Parse "vccw-vm @opt @arg" and check it; the first error in @msg. */
static int parse1(struct vm_config *cfg, const char *opt, const char *arg, char *msg, size_t len)
{
	char *argv[] = { (char *)"vccw-vm", (char *)opt, (char *)arg, NULL };
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	msg[0] = '\0';
	vm_error_capture(msg, len);
	rc = vm_parse_args(cfg, 3, argv);
	if (!rc)
		rc = vm_config_check(cfg);
	vm_error_capture(NULL, 0);
	return rc;
}

TEST(test_cmdline_legacy_chardev_flags)
{
	struct vm_config cfg;
	struct vm_chardev *c;
	char msg[512];

	/* The flags grow the text: this form once wrote past its buffer (ASan). */
	REQUIRE(parse1(&cfg, "-serial", "tcp:127.0.0.1:4446,server,nowait", msg,
		       sizeof(msg)) == 0);
	REQUIRE(cfg.nr_chardevs == 1);
	c = cfg.chardevs[0];
	CHECK(c->kind == VM_CHARDEV_SOCKET && !strcmp(c->id, "serial0") &&
	      !strcmp(c->host, "127.0.0.1") && !strcmp(c->port, "4446") && c->server && !c->wait);
	CHECK(cfg.serial == c);
	vm_config_free(&cfg);

	/* A server without nowait waits for its client (QEMU's default). */
	REQUIRE(parse1(&cfg, "-monitor", "unix:m.sock,server", msg, sizeof(msg)) == 0);
	REQUIRE(cfg.nr_chardevs == 1 && cfg.nr_monitors == 1);
	c = cfg.chardevs[0];
	CHECK(c->kind == VM_CHARDEV_SOCKET && !strcmp(c->path, "m.sock") && c->server &&
	      c->wait && !strcmp(c->id, "compat_monitor1"));
	vm_config_free(&cfg);

	/* Flags and properties mixed; "nowait" first, the spelled-out form after. */
	REQUIRE(parse1(&cfg, "-serial", "tcp::5,nowait,server,nodelay=on", msg, sizeof(msg)) == 0);
	c = cfg.chardevs[0];
	CHECK(c->server && !c->wait && !strcmp(c->port, "5") && !strcmp(c->host, ""));
	vm_config_free(&cfg);

	/* A doubled comma is part of a value (QEMU's option syntax after unix:PATH). */
	REQUIRE(parse1(&cfg, "-serial", "unix:a,,b,server,nowait", msg, sizeof(msg)) == 0);
	c = cfg.chardevs[0];
	CHECK(c->kind == VM_CHARDEV_SOCKET && !strcmp(c->path, "a,b") && c->server && !c->wait);
	vm_config_free(&cfg);

	CHECK(parse1(&cfg, "-serial", "tcp:nohost", msg, sizeof(msg)) < 0);
	CHECK_MSG(!strcmp(msg, "-serial: 'tcp:nohost': expected tcp:HOST:PORT"), "got '%s'", msg);
	vm_config_free(&cfg);
}
