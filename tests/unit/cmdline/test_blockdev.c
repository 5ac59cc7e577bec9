// SPDX-License-Identifier: MIT
/*
 * The storage options of vccw-vm's command line (machine/config/blockdev.c and -drive in
 * vm-opts.c), parsed without opening anything: each refused form gets exactly QEMU
 * 7.2's message (checked against qemu-system-s390x 7.2 where QEMU refuses the same
 * form) or ours naming the option, and the accepted forms build the nodes QEMU would.
 * Hostile values (deep nesting, long keys, odd JSON types, duplicate keys) are refused
 * with a message and nothing leaks (ASan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vccw/trace.h"
#include "vm-int.h"

#define MAX_ARGS 16

/* Parse @args (NULL-terminated) and check the whole; the first error in @msg. */
static int parse(struct vm_config *cfg, const char *const *args, char *msg, size_t len)
{
	char *argv[MAX_ARGS + 2];
	int argc = 1, rc;

	argv[0] = (char *)"vccw-vm";
	while (*args && argc <= MAX_ARGS)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(cfg, 0, sizeof(*cfg));
	vm_error_capture(msg, len);
	rc = vm_parse_args(cfg, argc, argv);
	if (!rc)
		rc = vm_config_check(cfg);
	vm_error_capture(NULL, 0);
	return rc;
}

/* @args must be refused with exactly @want. */
static void refused(const char *want, const char *const *args)
{
	struct vm_config cfg;
	char msg[1024];
	int rc = parse(&cfg, args, msg, sizeof(msg));

	CHECK_MSG(rc < 0, "accepted: %s ...", args[1]);
	CHECK_MSG(!strcmp(msg, want), "got '%s', want '%s'", msg, want);
	vm_config_free(&cfg);
}

#define REFUSED(want, ...) refused(want, (const char *const[]){ __VA_ARGS__, NULL })

TEST(test_cmdline_blockdev_refused_as_qemu_words_it)
{
	REFUSED("-blockdev node-name=x: Parameter 'driver' is missing", "-blockdev", "node-name=x");
	REFUSED("-blockdev: Parameter 'filename' is missing", "-blockdev", "driver=file");
	REFUSED("-blockdev: 'node-name' must be specified for the root node", "-blockdev",
		"driver=file,filename=x.img");
	REFUSED("-blockdev node-name=d: Cannot find device='nope' nor node-name='nope'",
		"-blockdev", "driver=raw,node-name=d,file=nope");
	REFUSED("-blockdev node-name=d: Parameter 'driver' does not accept value 'vmdk'",
		"-blockdev", "driver=vmdk,node-name=d");
	REFUSED("-blockdev node-name=f: Parameter 'discard' does not accept value 'foo'",
		"-blockdev", "driver=file,node-name=f,filename=x.img,discard=foo");
	REFUSED("-blockdev node-name=f: Parameter 'detect-zeroes' does not accept value 'x'",
		"-blockdev", "driver=file,node-name=f,filename=x.img,detect-zeroes=x");
	REFUSED("-blockdev node-name=f: setting detect-zeroes to unmap is not allowed without "
		"setting discard operation to unmap",
		"-blockdev", "driver=file,node-name=f,filename=x.img,detect-zeroes=unmap");
	REFUSED("-blockdev node-name=f: Parameter 'read-only' expects 'on' or 'off'",
		"-blockdev", "driver=file,node-name=f,filename=x.img,read-only=maybe");
	REFUSED("-blockdev node-name=f: Parameter 'cache.direct' expects 'on' or 'off'",
		"-blockdev", "driver=file,node-name=f,filename=x.img,cache.direct=1x");
	REFUSED("-blockdev node-name=f: Parameter 'aio' does not accept value 'foo'",
		"-blockdev", "driver=file,node-name=f,filename=x.img,aio=foo");
	REFUSED("-blockdev node-name=f: aio=native was specified, but it requires "
		"cache.direct=on, which was not specified.",
		"-blockdev", "driver=file,node-name=f,filename=x.img,aio=native");
	REFUSED("-blockdev node-name=f: Parameter 'bogus' is unexpected",
		"-blockdev", "driver=file,node-name=f,filename=x.img,bogus=1");
	REFUSED("-blockdev: Invalid node-name: '1f'", "-blockdev",
		"driver=file,node-name=1f,filename=x.img");
	REFUSED("-blockdev node-name=f: Duplicate nodes with node-name='f'",
		"-blockdev", "driver=file,node-name=f,filename=x.img",
		"-blockdev", "driver=file,node-name=f,filename=y.img");
	REFUSED("-blockdev node-name=n: Parameter 'server' is missing", "-blockdev",
		"driver=nbd,node-name=n");
	REFUSED("-blockdev node-name=n: Parameter 'server.host' is missing", "-blockdev",
		"driver=nbd,node-name=n,server.type=inet");
	REFUSED("-blockdev node-name=n: Parameter 'server.path' is missing", "-blockdev",
		"driver=nbd,node-name=n,server.type=unix");
	REFUSED("-blockdev node-name=n: Parameter 'type' does not accept value 'vsock'",
		"-blockdev", "driver=nbd,node-name=n,server.type=vsock,server.host=x");
	REFUSED("-blockdev node-name=n: Parameter 'tls-creds' is unexpected", "-blockdev",
		"driver=nbd,node-name=n,server.type=unix,server.path=s,tls-creds=t");
	/* Ours, where QEMU has a feature vccw-vm refuses by name. */
	REFUSED("-blockdev node-name=f: Parameter 'locking': off is not supported (vccw-vm "
		"always locks images)",
		"-blockdev", "driver=file,node-name=f,filename=x.img,locking=off");
	REFUSED("-blockdev node-name=f: cache.direct=on with cache.no-flush=on is not supported",
		"-blockdev",
		"driver=file,node-name=f,filename=x.img,cache.direct=on,cache.no-flush=on");
	REFUSED("-blockdev node-name=q: qcow2 is opened over a file node only (here 'n' is nbd)",
		"-blockdev", "driver=nbd,node-name=n,server.type=unix,server.path=s",
		"-blockdev", "driver=qcow2,node-name=q,file=n");
	REFUSED("-blockdev node-name=e: Node 'f' is already the file of 'd' (vccw-vm gives a "
		"node one parent)",
		"-blockdev", "driver=file,node-name=f,filename=x.img",
		"-blockdev", "driver=raw,node-name=d,file=f",
		"-blockdev", "driver=raw,node-name=e,file=f");
	REFUSED("-device virtio-blk-ccw: property 'drive': node 'f' is the file of node 'd' "
		"(give drive=d)",
		"-blockdev", "driver=file,node-name=f,filename=x.img",
		"-blockdev", "driver=raw,node-name=d,file=f", "-device", "virtio-blk-ccw,drive=f");
}

TEST(test_cmdline_blockdev_json_refused_as_qemu_words_it)
{
	REFUSED("-blockdev node-name=f: Parameter 'filename' is missing", "-blockdev",
		"{\"driver\":\"file\",\"node-name\":\"f\"}");
	REFUSED("-blockdev: Invalid parameter type for 'read-only', expected: boolean",
		"-blockdev", "{\"driver\":\"file\",\"node-name\":\"f\",\"filename\":\"x\","
		"\"read-only\":\"on\"}");
	REFUSED("-blockdev: Invalid parameter type for 'filename', expected: string",
		"-blockdev", "{\"driver\":\"file\",\"node-name\":\"f\",\"filename\":7}");
	REFUSED("-blockdev: Invalid parameter type for 'server.port', expected: string",
		"-blockdev", "{\"driver\":\"nbd\",\"node-name\":\"n\",\"server\":{\"type\":"
		"\"inet\",\"host\":\"h\",\"port\":10809}}");
	REFUSED("-blockdev: Invalid parameter type for 'filename', expected: string",
		"-blockdev", "{\"driver\":\"file\",\"node-name\":\"f\",\"filename\":null}");
	REFUSED("-blockdev: Invalid parameter type for 'filename', expected: string",
		"-blockdev", "{\"driver\":\"file\",\"node-name\":\"f\",\"filename\":[\"x\"]}");
	REFUSED("-blockdev: JSON parse error, string or '}' expected near 'bad'", "-blockdev",
		"{bad");
	REFUSED("-blockdev: JSON parse error, duplicate object key near '\"driver\"'",
		"-blockdev", "{\"driver\":\"file\",\"driver\":\"raw\"}");
	REFUSED("-blockdev: Parameter 'driver' is missing", "-blockdev", "{}");
}

TEST(test_cmdline_drive_storage_keys)
{
	REFUSED("-drive id=d: format 'vmdk' is not supported (raw or qcow2)",
		"-drive", "file=x.img,format=vmdk,if=none,id=d");
	REFUSED("-drive id=d: Invalid discard option", "-drive",
		"file=x.img,if=none,id=d,discard=foo");
	REFUSED("-drive id=d: invalid parameter value: x", "-drive",
		"file=x.img,if=none,id=d,detect-zeroes=x");
	REFUSED("-drive id=d: Parameter 'snapshot' expects 'on' or 'off'", "-drive",
		"file=x.img,if=none,id=d,snapshot=x");
	REFUSED("-drive id=d: format=qcow2 over NBD is not supported: serve the image with "
		"qemu-nbd --format=qcow2 and use format=raw",
		"-drive", "file=nbd://h/e,format=qcow2,if=none,id=d");
	REFUSED("-drive id=d: Parameter 'server.host' is missing", "-drive",
		"driver=nbd,server.type=inet,if=none,id=d");
	REFUSED("-drive id=d: Cannot specify both 'driver' and 'format'", "-drive",
		"driver=raw,format=qcow2,file=x.img,if=none,id=d");
	REFUSED("-drive id=d: unknown property 'werror'", "-drive",
		"file=x.img,if=none,id=d,werror=stop");
}

/* Hostile lines: bounded nesting, long keys, long names; refused, never a crash. */
TEST(test_cmdline_blockdev_hostile)
{
	char deep[512], longkey[600], longname[300], want[1024];
	unsigned int i;

	strcpy(deep, "driver=raw,node-name=r,");
	for (i = 0; i < 40; i++)
		strcat(deep, "file.");
	strcat(deep, "driver=file");
	REFUSED("-blockdev node-name=r: Parameter 'file.driver' is missing", "-blockdev", deep);
	/* Six levels of raw: the bound, not the stack, stops it. */
	strcpy(deep, "driver=raw,node-name=r");
	for (i = 1; i <= 7; i++) {
		strcat(deep, ",");
		for (unsigned int k = 0; k < i; k++)
			strcat(deep, "file.");
		strcat(deep, "driver=raw");
	}
	REFUSED("-blockdev node-name=r: 'file.file.file.file.file.file.': nodes nested too "
		"deeply", "-blockdev", deep);
	snprintf(longkey, sizeof(longkey), "driver=file,node-name=f,filename=x,%0300d=1", 0);
	snprintf(want, sizeof(want), "-blockdev node-name=f: Parameter '%0300d' is unexpected", 0);
	REFUSED(want, "-blockdev", longkey);
	memset(longname, 'a', 200);
	longname[200] = '\0';
	snprintf(longkey, sizeof(longkey), "driver=file,filename=x,node-name=%s", longname);
	snprintf(want, sizeof(want), "-blockdev: Invalid node-name: '%s'", longname);
	REFUSED(want, "-blockdev", longkey);
	REFUSED("-blockdev: empty argument", "-blockdev", "");
	REFUSED("-blockdev: '[1]' is not of the form key=value", "-blockdev", "[1]");
}

/* What the accepted forms build: libvirt's two nodes, inline children, NBD, -drive. */
TEST(test_cmdline_blockdev_nodes_built)
{
	static const char *const two[] = {
		"-blockdev", "{\"driver\":\"file\",\"filename\":\"/x.img\",\"node-name\":\"f0\","
			     "\"discard\":\"unmap\",\"cache\":{\"direct\":true}}",
		"-blockdev", "{\"driver\":\"raw\",\"file\":\"f0\",\"node-name\":\"d0\","
			     "\"read-only\":true,\"detect-zeroes\":\"on\"}",
		"-blockdev", "driver=qcow2,node-name=q,file.driver=file,file.filename=q.qcow2,"
			     "read-only=on,cache.no-flush=on",
		"-blockdev", "driver=nbd,node-name=n,server.type=inet,server.host=h,export=e",
		"-drive", "file=nbd+unix:///e?socket=/s,format=raw,if=none,id=u,discard=unmap",
		"-drive", "file=x.qcow2,format=qcow2,if=none,id=c,snapshot=on,detect-zeroes=unmap",
		"-device", "virtio-blk-ccw,drive=d0", NULL,
	};
	struct vm_config cfg;
	struct vm_drive **d;
	char msg[512], name[256];

	REQUIRE(parse(&cfg, two, msg, sizeof(msg)) == 0);
	REQUIRE(cfg.nr_drives == 6);
	d = cfg.drives;
	CHECK(d[0]->driver == VM_BLK_FILE && !strcmp(d[0]->file, "/x.img") &&
	      d[0]->discard_unmap && d[0]->cache == VCCW_BE_BLK_CACHE_NONE &&
	      d[0]->parent == d[1]);
	CHECK(d[1]->driver == VM_BLK_RAW && d[1]->child == d[0] && !d[1]->child_owned &&
	      d[1]->readonly && d[1]->detect_zeroes == VCCW_BE_BLK_DETECT_ZEROES_ON &&
	      !d[1]->discard_unmap);
	/* The inline child inherits read-only and the cache mode (QEMU's inheritance). */
	CHECK(d[2]->driver == VM_BLK_QCOW2 && d[2]->child_owned && d[2]->child->readonly &&
	      d[2]->child->cache == VCCW_BE_BLK_CACHE_UNSAFE && d[2]->child->id[0] == '#');
	CHECK(d[3]->driver == VM_BLK_NBD && !strcmp(d[3]->nbd_host, "h") &&
	      !strcmp(d[3]->nbd_port, "10809") && !strcmp(d[3]->nbd_export, "e"));
	vm_drive_filename(d[3], name, sizeof(name));
	CHECK(!strcmp(name, "nbd://h:10809/e"));
	CHECK(d[4]->driver == VM_BLK_NBD && !strcmp(d[4]->nbd_uri, "nbd+unix:///e?socket=/s") &&
	      d[4]->discard_unmap);
	/* -drive allows detect-zeroes=unmap without discard=unmap (QEMU does). */
	CHECK(d[5]->driver == VM_BLK_QCOW2 && d[5]->snapshot &&
	      d[5]->detect_zeroes == VCCW_BE_BLK_DETECT_ZEROES_UNMAP);
	CHECK(!strcmp(vm_drive_format(d[1]), "raw") && !strcmp(vm_drive_format(d[5]), "qcow2"));
	CHECK(d[1]->user && !d[0]->user);
	vm_config_free(&cfg);
}
