// SPDX-License-Identifier: MIT
/*
 * vccw-vm command line: QEMU's option syntax (-m, -smp, -device, -drive, -chardev,
 * -netdev, -kernel ...) with QEMU's "key=value,key=value" property lists, parsed by a
 * small parser of our own. Every option is checked as it is parsed, references between
 * options (drive=, chardev=, netdev=, device numbers) once the whole line is known, and
 * backends are opened last, all before the machine exists: a bad command line is a
 * message naming the option, exit status 2, and nothing started.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipl.h"
#include "kernel.h"
#include "cpu-s390x.h"
#include "options.h"
#include "vm-int.h"

/* ---- messages ---- */

/* The monitor thread's capture buffer (vm_error_capture()); per thread. */
static __thread char *err_buf;
static __thread size_t err_len;

void vm_error_capture(char *buf, size_t len)
{
	err_buf = buf;
	err_len = buf ? len : 0;
	if (buf && len)
		buf[0] = '\0';
}

/* The monitor's buffer for QEMU's wording of the same error (vm_error_qmp()). */
static __thread char *qmp_buf;
static __thread size_t qmp_len;

void vm_error_capture_qmp(char *buf, size_t len)
{
	qmp_buf = buf;
	qmp_len = buf ? len : 0;
	if (buf && len)
		buf[0] = '\0';
}

void vm_error_qmp(const char *fmt, ...)
{
	va_list ap;

	/* The first one counts, as for vm_error(); without a monitor request, nothing. */
	if (!qmp_buf || !qmp_len || qmp_buf[0])
		return;
	va_start(ap, fmt);
	vsnprintf(qmp_buf, qmp_len, fmt, ap);
	va_end(ap);
}

void vm_error(const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err_buf) {
		/* Keep the first error: later ones are consequences of it. */
		if (!err_len || err_buf[0])
			return;
		n = snprintf(err_buf, err_len, "%s: ", what);
		if (n < 0 || (size_t)n >= err_len)
			return;
		va_start(ap, fmt);
		vsnprintf(err_buf + n, err_len - (size_t)n, fmt, ap);
		va_end(ap);
		return;
	}
	vm_report("%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		vm_report("out of memory\n");
		exit(1);
	}
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		vm_report("out of memory\n");
		exit(1);
	}
	return p;
}

static void *xgrow(void *arr, unsigned int nr, size_t size)
{
	void *p = realloc(arr, (nr + 1) * size);

	if (!p) {
		vm_report("out of memory\n");
		exit(1);
	}
	return p;
}

/* "-device virtio-blk-ccw" + ",id=x" when an id is given: the name used in messages. */
static char *describe(const char *opt, const char *kind, const char *id)
{
	size_t len = strlen(opt) + (kind ? strlen(kind) : 0) + (id ? strlen(id) : 0) + 8;
	char *s = xcalloc(1, len);

	if (kind && id)
		snprintf(s, len, "%s %s,id=%s", opt, kind, id);
	else if (kind)
		snprintf(s, len, "%s %s", opt, kind);
	else if (id)
		snprintf(s, len, "%s id=%s", opt, id);
	else
		snprintf(s, len, "%s", opt);
	return s;
}

/* ---- property lists ---- */

/* "-device virtio-blk-ccw" from "virtio-blk-ccw,drive=..": names the option before parsing. */
static char *describe_arg(const char *opt, const char *arg)
{
	size_t n = strcspn(arg, ",");
	char *kind, *s;

	if (memchr(arg, '=', n) || !n)
		return xstrdup(opt);
	kind = xcalloc(1, n + 1);
	memcpy(kind, arg, n);
	s = describe(opt, kind, NULL);
	free(kind);
	return s;
}

int vm_kv_parse(const char *what, const char *str, const char *implied, struct vm_kvlist *out)
{
	const char *p = str;
	unsigned int i;

	out->kv = NULL;
	out->nr = 0;
	if (!*str) {
		vm_error(what, "empty argument");
		return -1;
	}
	for (;;) {
		size_t len = strlen(p), n = 0;
		char *elem = xcalloc(1, len + 1);
		const char *q = p;
		struct vm_kv kv = { 0 };
		char *eq;

		/* One element up to a single comma; ",," is a literal comma. */
		while (*q) {
			if (*q == ',') {
				if (q[1] != ',')
					break;
				q++;
			}
			elem[n++] = *q++;
		}
		eq = strchr(elem, '=');
		if (eq) {
			*eq = '\0';
			kv.key = xstrdup(elem);
			kv.val = xstrdup(eq + 1);
		} else if (out->nr == 0 && implied) {
			kv.key = xstrdup(implied);
			kv.val = xstrdup(elem);
		} else {
			vm_error(what, "'%s' is not of the form key=value", elem);
			free(elem);
			goto err;
		}
		free(elem);
		if (!kv.key[0]) {
			vm_error(what, "a property without a name ('=%s')", kv.val);
			free(kv.key);
			free(kv.val);
			goto err;
		}
		for (i = 0; i < out->nr; i++) {
			/* QEMU's list properties repeat: -netdev user,hostfwd=..,hostfwd=.. */
			if (!strcmp(out->kv[i].key, kv.key) && strcmp(kv.key, "hostfwd")) {
				vm_error(what, "property '%s' given twice", kv.key);
				free(kv.key);
				free(kv.val);
				goto err;
			}
		}
		out->kv = xgrow(out->kv, out->nr, sizeof(*out->kv));
		out->kv[out->nr++] = kv;
		if (!*q)
			break;
		p = q + 1;
		if (!*p) {
			vm_error(what, "trailing comma");
			goto err;
		}
	}
	return 0;
err:
	vm_kv_free(out);
	return -1;
}

void vm_kv_add(struct vm_kvlist *l, const char *key, const char *val)
{
	l->kv = xgrow(l->kv, l->nr, sizeof(*l->kv));
	l->kv[l->nr].key = xstrdup(key);
	l->kv[l->nr].val = xstrdup(val);
	l->kv[l->nr].used = false;
	l->nr++;
}

void vm_kv_free(struct vm_kvlist *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++) {
		free(l->kv[i].key);
		free(l->kv[i].val);
	}
	free(l->kv);
	l->kv = NULL;
	l->nr = 0;
}

const char *vm_kv_get(struct vm_kvlist *l, const char *key)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++) {
		if (!strcmp(l->kv[i].key, key)) {
			l->kv[i].used = true;
			return l->kv[i].val;
		}
	}
	return NULL;
}

int vm_kv_check_unused(const char *what, const struct vm_kvlist *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++) {
		if (!l->kv[i].used) {
			vm_error(what, "unknown property '%s'", l->kv[i].key);
			return -1;
		}
	}
	return 0;
}

int vm_parse_bool(const char *what, const char *key, const char *val, bool *out)
{
	if (!strcmp(val, "on") || !strcmp(val, "yes") || !strcmp(val, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(val, "off") || !strcmp(val, "no") || !strcmp(val, "false")) {
		*out = false;
		return 0;
	}
	vm_error_qmp("Parameter '%s' expects 'on' or 'off'", key);
	vm_error(what, "property '%s': '%s' is not on or off", key, val);
	return -1;
}

int vm_parse_uint(const char *what, const char *key, const char *val, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*val < '0' || *val > '9' || (v = strtoull(val, &end, 0), errno) || *end) {
		vm_error_qmp("Parameter '%s' expects integer", key);
		vm_error(what, "property '%s': '%s' is not a number", key, val);
		return -1;
	}
	if (v < min || v > max) {
		vm_error(what, "property '%s': %llu is out of range %llu-%llu", key, v,
			 (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

bool vm_id_valid(const char *id)
{
	const char *p;

	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		return false;
	if (strnlen(id, VM_ID_MAX + 1) > VM_ID_MAX)
		return false;
	for (p = id + 1; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return false;
	}
	return true;
}

/* Take the id= property of an option that must have one. */
static int take_id(const char *what, struct vm_kvlist *l, char **out)
{
	const char *id = vm_kv_get(l, "id");

	if (!id) {
		vm_error(what, "property 'id' is required");
		return -1;
	}
	if (!vm_id_valid(id)) {
		vm_error(what, "id '%.*s%s': IDs start with a letter, hold only letters, "
			 "digits, '-', '.' and '_', and have at most %d characters",
			 VM_ID_MAX, id, strlen(id) > VM_ID_MAX ? "..." : "", VM_ID_MAX);
		return -1;
	}
	*out = xstrdup(id);
	return 0;
}

/* ---- single options ---- */

/* -m [size=]N[M|G]: QEMU's default unit is MiB. */
static int opt_m(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	unsigned long long v;
	const char *s;
	uint64_t shift = 20;
	char *end;
	int rc = -1;

	if (vm_kv_parse("-m", arg, "size", &l))
		return -1;
	s = vm_kv_get(&l, "size");
	if (vm_kv_check_unused("-m", &l))
		goto out;
	if (!s) {
		vm_error("-m", "no size given");
		goto out;
	}
	errno = 0;
	if (*s < '0' || *s > '9' || (v = strtoull(s, &end, 10), errno)) {
		vm_error("-m", "'%s' is not a size (N, NM or NG)", s);
		goto out;
	}
	if (!strcmp(end, "M") || !strcmp(end, "m") || !*end)
		shift = 20;
	else if (!strcmp(end, "G") || !strcmp(end, "g"))
		shift = 30;
	else {
		vm_error("-m", "'%s' is not a size (N, NM or NG)", s);
		goto out;
	}
	if (v > (VM_MEM_MAX >> shift) || (v << shift) < VM_MEM_MIN) {
		vm_error("-m", "%s: guest RAM must be between %llu MiB and %llu GiB", s,
			 (unsigned long long)(VM_MEM_MIN >> 20),
			 (unsigned long long)(VM_MEM_MAX >> 30));
		goto out;
	}
	cfg->mem_size = v << shift;
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

/* -smp [cpus=]N */
static int opt_smp(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	const char *s;
	uint64_t n;
	int rc = -1;

	if (vm_kv_parse("-smp", arg, "cpus", &l))
		return -1;
	s = vm_kv_get(&l, "cpus");
	if (vm_kv_check_unused("-smp", &l))
		goto out;
	if (!s) {
		vm_error("-smp", "no CPU count given");
		goto out;
	}
	if (vm_parse_uint("-smp", "cpus", s, 1, VM_MAX_CPUS, &n))
		goto out;
	cfg->smp = (unsigned int)n;
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

/*
 * -drive file=PATH,format=raw|qcow2,if=none,id=ID[,readonly=on][,cache=MODE][,aio=KIND]
 * and the storage keys of machine/config/blockdev.c (NBD, discard, detect-zeroes, snapshot).
 */
static int opt_drive(struct vm_config *cfg, const char *arg)
{
	struct vm_drive *d = xcalloc(1, sizeof(*d));
	const char *iface, *ro, *cache, *aio;
	struct vm_kvlist l;
	unsigned int i;

	d->what = xstrdup("-drive");
	if (vm_kv_parse("-drive", arg, NULL, &l))
		goto err_free;
	/* Name the drive in later messages as soon as its id is known. */
	if (vm_kv_get(&l, "id") && vm_id_valid(vm_kv_get(&l, "id"))) {
		free(d->what);
		d->what = describe("-drive", NULL, vm_kv_get(&l, "id"));
	}
	if (vm_drive_parse_storage(d, &l))
		goto err_kv;
	iface = vm_kv_get(&l, "if");
	ro = vm_kv_get(&l, "readonly");
	cache = vm_kv_get(&l, "cache");
	aio = vm_kv_get(&l, "aio");
	if (vm_kv_check_unused(d->what, &l))
		goto err_kv;
	if (!iface || strcmp(iface, "none")) {
		vm_error(d->what, "if=%s is not supported: use if=none with -device "
			 "virtio-blk-ccw,drive=ID", iface ? iface : "(default ide)");
		goto err_kv;
	}
	if (take_id(d->what, &l, &d->id))
		goto err_kv;
	if (ro && vm_parse_bool(d->what, "readonly", ro, &d->readonly))
		goto err_kv;
	if (cache && vccw_be_blk_parse_cache(cache, &d->cache)) {
		vm_error(d->what, "cache=%s: expected none, writeback, writethrough, directsync "
			 "or unsafe", cache);
		goto err_kv;
	}
	if (aio && vccw_be_blk_parse_aio(aio, &d->aio)) {
		vm_error(d->what, "aio=%s: expected threads, io_uring or native", aio);
		goto err_kv;
	}
	/* QEMU: aio=native needs the host page cache bypassed. */
	if (d->aio == VCCW_BE_BLK_AIO_NATIVE && d->cache != VCCW_BE_BLK_CACHE_NONE &&
	    d->cache != VCCW_BE_BLK_CACHE_DIRECTSYNC) {
		vm_error(d->what, "aio=native needs cache=none or cache=directsync");
		goto err_kv;
	}
	for (i = 0; i < cfg->nr_drives; i++) {
		if (!strcmp(cfg->drives[i]->id, d->id)) {
			vm_error(d->what, "duplicate drive id '%s'", d->id);
			goto err_kv;
		}
	}
	vm_kv_free(&l);
	cfg->drives = xgrow(cfg->drives, cfg->nr_drives, sizeof(d));
	cfg->drives[cfg->nr_drives++] = d;
	return 0;
err_kv:
	vm_kv_free(&l);
err_free:
	vm_drive_free(d);
	return -1;
}

/* -chardev: config/chardev.c, with -serial, -monitor and -mon. */
static int opt_chardev(struct vm_config *cfg, const char *arg)
{
	return vm_chardev_parse(cfg, arg);
}

/* -netdev TYPE,id=ID[,...]: the type's own properties are checked by vm_netdev_check(). */
static int opt_netdev(struct vm_config *cfg, const char *arg)
{
	struct vm_netdev *nd = xcalloc(1, sizeof(*nd));
	const char *type;
	unsigned int i;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		free(nd);
		vm_netdev_help();
		return 1;
	}
	nd->what = describe_arg("-netdev", arg);
	if (vm_kv_parse(nd->what, arg, "type", &nd->opts)) {
		free(nd->what);
		free(nd);
		return -1;
	}
	free(nd->what);
	type = vm_kv_get(&nd->opts, "type");
	nd->what = describe("-netdev", type, NULL);
	if (!type) {
		vm_error(nd->what, "no type given (user, tap, stream, dgram, socket, loopback or none)");
		goto err;
	}
	nd->type = xstrdup(type);
	if (take_id(nd->what, &nd->opts, &nd->id))
		goto err;
	free(nd->what);
	nd->what = describe("-netdev", type, nd->id);
	for (i = 0; i < cfg->nr_netdevs; i++) {
		if (!strcmp(cfg->netdevs[i]->id, nd->id)) {
			vm_error(nd->what, "duplicate netdev id '%s'", nd->id);
			goto err;
		}
	}
	if (vm_netdev_check(nd))
		goto err;
	cfg->netdevs = xgrow(cfg->netdevs, cfg->nr_netdevs, sizeof(nd));
	cfg->netdevs[cfg->nr_netdevs++] = nd;
	return 0;
err:
	vm_kv_free(&nd->opts);
	free(nd->type);
	free(nd->id);
	free(nd->what);
	free(nd);
	return -1;
}

void vm_device_free(struct vm_device *dev)
{
	if (!dev)
		return;
	free(dev->what);
	free(dev->id);
	free(dev->serial);
	free(dev->drive_id);
	free(dev->iothread_id);
	free(dev->write_cache);
	free(dev->chardev_id);
	free(dev->netdev_id);
	free(dev->mac);
	free(dev->port_name);
	free(dev);
}

struct vm_device *vm_device_new(struct vm_config *cfg, const char *opt, struct vm_kvlist *l)
{
	const struct vm_device_type *type;
	struct vm_device *dev;
	const char *name, *id;
	unsigned int i;

	name = vm_kv_get(l, "driver");
	if (!name) {
		vm_error(opt, "no device type given (try -device help)");
		return NULL;
	}
	type = vm_device_type_find(name);
	if (!type) {
		vm_error_qmp("'%s' is not a valid device model name", name);
		vm_error(opt, "unknown device type '%s' (try -device help)", name);
		return NULL;
	}
	dev = xcalloc(1, sizeof(*dev));
	dev->type = type;
	id = vm_kv_get(l, "id");
	dev->what = describe(opt, name, id && vm_id_valid(id) ? id : NULL);
	if (id) {
		if (!vm_id_valid(id)) {
			vm_error_qmp("Parameter 'id' expects an identifier");
			vm_error(dev->what, "id '%s': IDs start with a letter and hold only "
				 "letters, digits, '-', '.' and '_'", id);
			goto err;
		}
		for (i = 0; i < cfg->nr_devices; i++) {
			if (cfg->devices[i]->id && !strcmp(cfg->devices[i]->id, id)) {
				vm_error_qmp("Duplicate device ID '%s'", id);
				vm_error(dev->what, "duplicate device id '%s'", id);
				goto err;
			}
		}
		dev->id = xstrdup(id);
	}
	if (vm_device_parse_props(dev, l))
		goto err;
	return dev;
err:
	vm_device_free(dev);
	return NULL;
}

/* -device TYPE[,prop=value...]; "-device help" lists the types. Returns 1 after help. */
static int opt_device(struct vm_config *cfg, const char *arg)
{
	struct vm_device *dev;
	struct vm_kvlist l;
	char *what;
	int rc;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		vm_device_help_list();
		return 1;
	}
	rc = vm_device_help_arg(arg); /* TYPE,help */
	if (rc)
		return rc;
	what = describe_arg("-device", arg);
	rc = vm_kv_parse(what, arg, "driver", &l);
	free(what);
	if (rc)
		return -1;
	dev = vm_device_new(cfg, "-device", &l);
	vm_kv_free(&l);
	if (!dev)
		return -1;
	dev->index = cfg->nr_devices;
	cfg->devices = xgrow(cfg->devices, cfg->nr_devices, sizeof(dev));
	cfg->devices[cfg->nr_devices++] = dev;
	return 0;
}

/*
 * -kernel native:NAME runs a built-in program; -kernel FILE an s390x ELF (EM_S390,
 * 64-bit big-endian) on the s390x back-end; "-kernel help" lists the built-in programs.
 */
static int opt_kernel(struct vm_config *cfg, const char *arg)
{
	const char *name;
	int rc;

	if (!strcmp(arg, "help") || !strcmp(arg, "native:help")) {
		vm_programs_help();
		return 1;
	}
	if (strncmp(arg, "native:", 7)) {
		rc = vm_s390x_elf_probe(arg);
		if (!rc)
			rc = vm_kernel_probe(arg); /* an s390 kernel image (boot/kernel.h) */
		if (rc < 0) {
			vm_error("-kernel", "%s: %s", arg, strerror(-rc));
			return -1;
		}
		if (!rc) {
			vm_error("-kernel", "'%s' is neither an s390x ELF (64-bit, big-endian, "
				 "EM_S390) nor a built-in program (-kernel native:NAME; "
				 "-kernel help lists them)", arg);
			return -1;
		}
		if (!vm_s390x_available()) {
			vm_error("-kernel", "%s: s390x code, but this vccw-vm was built without "
				 "the s390x CPU back-end (NO_UNICORN=1; rebuild without it)", arg);
			return -1;
		}
		free(cfg->kernel_path);
		cfg->kernel_path = xstrdup(arg);
		cfg->program = NULL;
		return 0;
	}
	name = arg + 7;
	cfg->program = vm_program_find(name);
	if (!cfg->program) {
		vm_error("-kernel", "native:%s: no such built-in program (-kernel help lists them)",
			 name);
		return -1;
	}
	free(cfg->kernel_path);
	cfg->kernel_path = NULL;
	return 0;
}

/*
 * -initrd FILE and -append STRING: checked with -kernel in vm_kernel_config_check(); an
 * image's loader bounds -append by the kernel's own limit, an ELF entered at 0x10000 by
 * the legacy 896 bytes, a built-in program reads it whole (guest_arch_cmdline()).
 */
static int opt_initrd(struct vm_config *cfg, const char *arg)
{
	if (!*arg) {
		vm_error("-initrd", "no file given");
		return -1;
	}
	free(cfg->initrd_path);
	cfg->initrd_path = xstrdup(arg);
	return 0;
}

static int opt_append(struct vm_config *cfg, const char *arg)
{
	free(cfg->append);
	cfg->append = xstrdup(arg);
	return 0;
}

static int opt_display(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	if (strcmp(arg, "none")) {
		vm_error("-display", "'%s' is not supported (only none)", arg);
		return -1;
	}
	return 0;
}

static int opt_machine(struct vm_config *cfg, const char *arg)
{
	struct vccw_err err = { 0 };
	struct vm_kvlist l;
	const char *type, *loadparm, *max_hotplug;
	int rc = -1;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		printf("Supported machines are:\n"
		       "s390-ccw-virtio      virtio-ccw based s390x machine (default)\n");
		return 1;
	}
	if (vm_kv_parse("-machine", arg, "type", &l))
		return -1;
	type = vm_kv_get(&l, "type");
	loadparm = vm_kv_get(&l, "loadparm");
	max_hotplug = vm_kv_get(&l, "max-hotplug-devices");
	if (vm_kv_check_unused("-machine", &l))
		goto out;
	if (type && strcmp(type, "s390-ccw-virtio")) {
		vm_error("-machine", "unknown machine type '%s' (only s390-ccw-virtio)", type);
		goto out;
	}
	if (loadparm) {
		/* The firmware's boot-entry selection (SCLP Read SCP Info, the IPLB). */
		if (vm_ipl_loadparm_parse(loadparm, cfg->loadparm, &err)) {
			vm_error("-machine", "%s", err.msg);
			goto out;
		}
		cfg->has_loadparm = true;
	}
	if (max_hotplug && vm_parse_uint("-machine", "max-hotplug-devices", max_hotplug, 1,
					 VM_HOTPLUG_MAX_LIMIT, &cfg->max_hotplug))
		goto out;
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

/* -bios FILE: the firmware that boots from a disk when there is no -kernel. */
static int opt_bios(struct vm_config *cfg, const char *arg)
{
	if (!*arg) {
		vm_error("-bios", "no file given");
		return -1;
	}
	free(cfg->bios_path);
	cfg->bios_path = xstrdup(arg);
	return 0;
}

static int opt_nographic(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	(void)arg;
	return 0;
}

static int opt_no_shutdown(struct vm_config *cfg, const char *arg)
{
	(void)arg;
	cfg->no_shutdown = true;
	return 0;
}

static int opt_S(struct vm_config *cfg, const char *arg)
{
	(void)arg;
	cfg->start_paused = true;
	return 0;
}

static int opt_help(struct vm_config *cfg, const char *arg);

static int opt_qmp(struct vm_config *cfg, const char *arg)
{
	if (cfg->qmp_path) {
		vm_error("-qmp", "only one QMP monitor is supported");
		return -1;
	}
	return vm_qmp_parse(cfg, arg);
}

static int opt_version(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	(void)arg;
	vm_version_print();
	return 1;
}

static const struct vm_option vm_options[] = {
	{ "m", "SIZE", opt_m, "guest RAM: N (MiB), NM or NG (default 128M)" },
	{ "smp", "N", opt_smp, "number of vCPUs (default 1); vCPU 0 runs the program" },
	{ "device", "TYPE[,PROP=VAL...]", opt_device, "add a device (-device help lists them)" },
	{ "drive",
	  "file=PATH|nbd://HOST[:PORT]/EXPORT|nbd+unix:///EXPORT?socket=PATH,"
	  "format=raw|qcow2,if=none,id=ID[,readonly=on][,cache=none|writeback|"
	  "writethrough|directsync|unsafe][,aio=threads|io_uring|native][,discard=ignore|unmap]"
	  "[,detect-zeroes=off|on|unmap][,snapshot=on]",
	  opt_drive,
	  "a disk image for -device virtio-blk-ccw,drive=ID (qcow2 and snapshot=on through "
	  "qemu-nbd)" },
	{ "blockdev",
	  "driver=file|raw|qcow2|nbd,node-name=N[,filename=PATH][,file=NODE][,read-only=on]"
	  "[,cache.direct=on][,cache.no-flush=on][,discard=unmap][,detect-zeroes=on|unmap]"
	  "[,server.type=inet|unix,...] or JSON",
	  vm_opt_blockdev, "a block node, as QEMU's -blockdev (device drive= names the top node)" },
	{ "object", "iothread,id=ID[,poll-max-ns=N]", vm_opt_object,
	  "an I/O thread for -device virtio-blk-ccw,iothread=ID (shared by the devices "
	  "naming it)" },
	{ "chardev", "null|stdio|file|pty|socket,id=ID[,path=PATH|host=H,port=P][,server=on]"
	  "[,wait=on|off][,logfile=F][,logappend=on][,mux=on]",
	  opt_chardev, "a character backend for a console port, -serial or a monitor" },
	{ "serial", "pty|stdio|null|file:F|unix:P[,..]|tcp:H:P[,..]|chardev:ID", vm_serial_parse,
	  "the machine console (QEMU's sclpconsole on s390x) on that chardev, not stdout" },
	{ "monitor", "stdio|unix:P,server=on,wait=off|tcp:H:P,..|chardev:ID", vm_monitor_parse,
	  "a human monitor (HMP: info status, info qtree, device_add, quit, help ...)" },
	{ "mon", "chardev=ID[,mode=readline|control]", vm_mon_parse,
	  "a monitor on a chardev: readline (HMP) or control (QMP)" },
	{ "netdev", "user|tap|stream|dgram|socket|loopback|none,id=ID[,PROP=VALUE...]",
	  opt_netdev,
	  "a network backend for -device virtio-net-ccw,netdev=ID" },
	{ "kernel", "native:NAME|FILE", opt_kernel,
	  "the built-in guest program vCPU 0 runs (-kernel help lists them), or an s390x "
	  "ELF or s390 Linux kernel image for the s390x CPU back-end" },
	{ "initrd", "FILE", opt_initrd, "an initial ram disk for the -kernel image" },
	{ "append", "STRING", opt_append,
	  "the -kernel image's command line (a built-in program reads it with "
	  "guest_arch_cmdline(); an s390x ELF entered at 0x10000 finds it at 0x10480, as "
	  "under QEMU)" },
	{ "bios", "FILE", opt_bios,
	  "firmware that boots from the disk with the lowest bootindex when there is no "
	  "-kernel (default " VM_IPL_DEFAULT_BIOS ")" },
	{ "machine", "s390-ccw-virtio[,loadparm=STR][,max-hotplug-devices=N]", opt_machine,
	  "machine type (only s390-ccw-virtio); loadparm selects the firmware's boot entry; "
	  "device_add plugs at most N devices at a time (default 256)" },
	{ "M", "s390-ccw-virtio[,loadparm=STR]", opt_machine, "same as -machine" },
	{ "nographic", NULL, vm_opt_nographic, "accepted: the console is on stdio anyway" },
	{ "nodefaults", NULL, opt_nographic, "accepted: there are no default devices anyway" },
	{ "display", "none", opt_display, "accepted: there is no display" },
	{ "qmp", "unix:PATH,server=on,wait=off", opt_qmp,
	  "a QMP monitor on a unix socket (device_add, device_del, query-ccw-devices, quit ...)" },
	{ "trace", "[enable=]PATTERN,events=FILE,file=FILE", vm_opt_trace,
	  "trace events matching PATTERN (css_*, irq_queue, a category) or listed in FILE to "
	  "the log (stderr, or file=); repeatable (-trace help lists them)" },
	{ "no-shutdown", NULL, opt_no_shutdown,
	  "keep running after the program ends, until SIGINT, SIGTERM, SIGHUP or QMP quit" },
	{ "S", NULL, opt_S, "start with the vCPUs stopped (prelaunch) until QMP cont" },
	{ "help", NULL, opt_help, "this text" },
	{ "h", NULL, opt_help, "same as -help" },
	{ "version", NULL, opt_version, "print the version" },
};

static int opt_help(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	(void)arg;
	vm_help_print(vm_options, VCCW_ARRAY_SIZE(vm_options));
	return 1;
}

int vm_parse_args(struct vm_config *cfg, int argc, char **argv)
{
	int i, rc;

	cfg->mem_size = VM_MEM_DEFAULT;
	cfg->smp = 1;
	/*
	 * Traced lines go to the log (stderr, or -D); which events are traced is up to -trace,
	 * -d and the monitor's trace-event-set-state (none by default: nothing is formatted).
	 */
	vm_log_init();
	for (i = 1; i < argc; i++) {
		const struct vm_option *opt = NULL;
		const char *name = argv[i];
		unsigned int k;

		/*
		 * QEMU finds an unknown option, or one without its argument, in a first pass
		 * over the command line, before any -msg takes effect: no prefix for these.
		 */
		if (name[0] != '-' || !name[1]) {
			fprintf(stderr, VM_NAME ": '%s': not an option (options start with '-'; "
				"try --help)\n", name);
			return -1;
		}
		/* QEMU accepts every option with one dash or two. */
		name += name[1] == '-' ? 2 : 1;
		for (k = 0; k < VCCW_ARRAY_SIZE(vm_options); k++)
			if (!strcmp(name, vm_options[k].name))
				opt = &vm_options[k];
		if (!opt)
			opt = vm_option_find_extra(name);
		if (!opt) {
			if (!vm_option_refused(name))
				fprintf(stderr, VM_NAME ": %s: unknown option (try --help)\n", argv[i]);
			return -1;
		}
		if (opt->arg && i + 1 >= argc) {
			fprintf(stderr, VM_NAME ": -%s: requires an argument (%s)\n", opt->name,
				opt->arg);
			return -1;
		}
		rc = opt->parse(cfg, opt->arg ? argv[++i] : NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- whole-configuration checks ---- */

/* Device numbers: explicit ones unique, automatic ones as the css will hand them out. */
struct devno_sim {
	uint8_t *used[VCCW_CSS_MAX_SSID + 1]; /* one bit per device number */
	struct vm_device **owner[VCCW_CSS_MAX_SSID + 1];
	unsigned int nr_sch[VCCW_CSS_MAX_SSID + 1];
};

static bool sim_used(struct devno_sim *s, unsigned int ssid, uint16_t devno)
{
	return s->used[ssid] && (s->used[ssid][devno / 8] & (1u << (devno % 8)));
}

static void sim_take(struct devno_sim *s, unsigned int ssid, uint16_t devno,
		     struct vm_device *dev)
{
	if (!s->used[ssid]) {
		s->used[ssid] = xcalloc(1, 65536 / 8);
		s->owner[ssid] = xcalloc(65536, sizeof(*s->owner[ssid]));
	}
	s->used[ssid][devno / 8] |= (uint8_t)(1u << (devno % 8));
	s->owner[ssid][devno] = dev;
	s->nr_sch[ssid]++;
}

/*
 * Walk the devices in creation order the way vccw_css_sch_new() assigns numbers (an
 * automatic device gets, in the first set with room, the lowest free subchannel number
 * and the lowest free device number from there upward), so that a clash between an
 * automatic and a later explicit number is found before anything is created.
 */
/* Each bootindex once (QEMU check_boot_index()). */
static int check_bootindex(struct vm_config *cfg)
{
	unsigned int i, j;

	for (i = 0; i < cfg->nr_devices; i++) {
		const struct vm_device *dev = cfg->devices[i];

		if (dev->bootindex == VM_BOOTINDEX_NONE)
			continue;
		for (j = 0; j < i; j++) {
			if (cfg->devices[j]->bootindex == dev->bootindex) {
				vm_error(dev->what, "The bootindex %llu has already been used",
					 (unsigned long long)dev->bootindex);
				return -1;
			}
		}
	}
	return 0;
}

static int check_devnos(struct vm_config *cfg)
{
	struct devno_sim s = { 0 };
	unsigned int i, ssid;
	int rc = 0;

	for (i = 0; i < cfg->nr_devices && !rc; i++) {
		struct vm_device *dev = cfg->devices[i];
		const struct vccw_busid *b = &dev->busid;

		if (!dev->type->device_id)
			continue;
		if (dev->has_busid) {
			if (sim_used(&s, b->ssid, b->devno)) {
				struct vm_device *o = s.owner[b->ssid][b->devno];

				vm_error(dev->what,
					 "device number %x.%x.%04x is already used by %s%s",
					 b->cssid, b->ssid, b->devno, o->what,
					 o->has_busid ? "" : " (assigned automatically)");
				rc = -1;
				break;
			}
			sim_take(&s, b->ssid, b->devno, dev);
			continue;
		}
		for (ssid = 0; ssid <= VCCW_CSS_MAX_SSID; ssid++) {
			unsigned int k, nr = s.nr_sch[ssid];

			if (nr > 0xffff)
				continue;
			for (k = 0; k < 0xffff; k++) {
				uint16_t d = (uint16_t)((nr + k) % 0xffff);

				if (!sim_used(&s, ssid, d)) {
					sim_take(&s, ssid, d, dev);
					break;
				}
			}
			if (k < 0xffff)
				break;
		}
	}
	for (ssid = 0; ssid <= VCCW_CSS_MAX_SSID; ssid++) {
		free(s.used[ssid]);
		free(s.owner[ssid]);
	}
	return rc;
}

int vm_config_check(struct vm_config *cfg)
{
	unsigned int i;

	if (vm_kernel_config_check(cfg))
		return -1;

	for (i = 0; i < cfg->nr_devices; i++) {
		struct vm_device *dev = cfg->devices[i];

		if (dev->type->check && dev->type->check(cfg, dev))
			return -1;
	}
	if (check_devnos(cfg) || check_bootindex(cfg) || vm_chardev_config_check(cfg))
		return -1;
	return vm_ipl_config_check(cfg);
}

/* ---- backends ---- */

char *vm_chardev_spec(const struct vm_chardev *c)
{
	size_t len = (c->path ? strlen(c->path) : 0) + 32;
	char *spec = xcalloc(1, len);

	switch (c->kind) {
	case VM_CHARDEV_NULL:
	case VM_CHARDEV_PTY: /* opened by vm_chardev_open() itself */
		snprintf(spec, len, "null");
		break;
	case VM_CHARDEV_STDIO:
		snprintf(spec, len, "stdio");
		break;
	case VM_CHARDEV_FILE:
		snprintf(spec, len, "file:%s%s", c->path, c->append ? ",append" : "");
		break;
	case VM_CHARDEV_SOCKET:
		snprintf(spec, len, "socket:%s%s", c->path, c->server ? ",server" : "");
		break;
	}
	return spec;
}

int vm_backends_open(struct vm_config *cfg)
{
	struct vccw_err err = { 0 };
	unsigned int i;

	if (vm_iothreads_open(cfg))
		goto err;
	for (i = 0; i < cfg->nr_drives; i++) {
		struct vm_drive *d = cfg->drives[i];

		if (vm_drive_open(d, &err)) {
			vm_error(d->what, "%s", err.msg);
			goto err;
		}
	}
	for (i = 0; i < cfg->nr_chardevs; i++) {
		struct vm_chardev *c = cfg->chardevs[i];

		c->be = vm_chardev_open(c, true, &err);
		if (!c->be) {
			vm_error(c->what, "%s", err.msg);
			goto err;
		}
	}
	for (i = 0; i < cfg->nr_netdevs; i++)
		if (vm_netdev_open(cfg->netdevs[i]))
			goto err;
	return 0;
err:
	vm_backends_close(cfg);
	return -1;
}

int vm_backends_close(struct vm_config *cfg)
{
	int failed = 0;
	unsigned int i;
	int rc;

	/* Format nodes before the file nodes they share a backend with (defined earlier). */
	for (i = cfg->nr_drives; i-- > 0;) {
		rc = vm_drive_release(cfg->drives[i]);
		if (rc)
			failed = -1;
	}
	for (i = 0; i < cfg->nr_chardevs; i++)
		vm_chardev_close(cfg->chardevs[i]);
	for (i = 0; i < cfg->nr_netdevs; i++)
		vm_netdev_close(cfg->netdevs[i]);
	vm_iothreads_close(cfg);
	return failed;
}

void vm_config_free(struct vm_config *cfg)
{
	unsigned int i;

	free(cfg->bios_path);
	cfg->bios_path = NULL;
	free(cfg->kernel_path);
	cfg->kernel_path = NULL;
	free(cfg->initrd_path);
	cfg->initrd_path = NULL;
	free(cfg->append);
	cfg->append = NULL;
	for (i = cfg->nr_drives; i-- > 0;)
		vm_drive_free(cfg->drives[i]);
	free(cfg->drives);
	for (i = 0; i < cfg->nr_chardevs; i++)
		vm_chardev_free(cfg->chardevs[i]);
	vm_chardev_config_free(cfg);
	free(cfg->chardevs);
	for (i = 0; i < cfg->nr_netdevs; i++) {
		vm_kv_free(&cfg->netdevs[i]->opts);
		free(cfg->netdevs[i]->what);
		free(cfg->netdevs[i]->id);
		free(cfg->netdevs[i]->type);
		free(cfg->netdevs[i]);
	}
	free(cfg->netdevs);
	for (i = 0; i < cfg->nr_devices; i++)
		vm_device_free(cfg->devices[i]);
	free(cfg->devices);
	vm_iothreads_free(cfg);
	free(cfg->qmp_path);
	free(cfg->name);
	free(cfg->process_name);
	free(cfg->pidfile);
	memset(cfg, 0, sizeof(*cfg));
}
