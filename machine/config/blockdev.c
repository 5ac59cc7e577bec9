// SPDX-License-Identifier: MIT
/*
 * Storage nodes: QEMU's -blockdev (key=value with dotted keys for children, or JSON),
 * QMP blockdev-add, and the storage keys of -drive (format=raw|qcow2, NBD servers,
 * discard=, detect-zeroes=, snapshot=). A node is a struct vm_drive: a file node (a host
 * file), a raw node (over a file node, sharing its backend), a qcow2 node (its image
 * served to us by a qemu-nbd we start, with socket activation), or an NBD node (libnbd).
 * Messages are QEMU 7.2's words for the same mistakes.
 */
#define _GNU_SOURCE /* asprintf() */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef VM_HAVE_QMP
#include <jansson.h>
#endif

#include "vm-int.h"

#define MSG_MAX 512

/* QEMU names the children it makes itself "#blockNNN". */
static unsigned int anon_nodes;

static char *dup_or_die(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		vm_report("out of memory\n");
		exit(1);
	}
	return p;
}

/* An error in QEMU's words, for the command line (@what: ...) and the monitor alike. */
static int __attribute__((format(printf, 2, 3))) berr(const char *what, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_error(what, "%s", msg);
	vm_error_qmp("%s", msg);
	return -1;
}

/* The value of @prefix@key (marked used), or NULL. */
static const char *kget(struct vm_kvlist *l, const char *prefix, const char *key)
{
	char k[256];

	/* Prefixes are at most "file.server." deep: a longer key is no key of ours. */
	if ((size_t)snprintf(k, sizeof(k), "%s%s", prefix, key) >= sizeof(k))
		return NULL;
	return vm_kv_get(l, k);
}

/* Is any key of @l under @prefix ("file.")? */
static bool has_prefix(const struct vm_kvlist *l, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->kv[i].key, prefix, strlen(prefix)))
			return true;
	return false;
}

/* QEMU's boolean spellings. Returns 0, 1 (not a boolean: error printed as QEMU does). */
static int bget(const char *what, struct vm_kvlist *l, const char *prefix, const char *key,
		bool *out, bool *given)
{
	const char *v = kget(l, prefix, key);

	if (given)
		*given = v != NULL;
	if (!v)
		return 0;
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return berr(what, "Parameter '%s%s' expects 'on' or 'off'", prefix, key);
}

static struct vm_drive *find_node(struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_drives; i++)
		if (!strcmp(cfg->drives[i]->id, id))
			return cfg->drives[i];
	return NULL;
}

/* What an inline child inherits from its parent unless it says otherwise (QEMU). */
struct inherit {
	bool readonly, direct, no_flush, discard_unmap;
};

static struct vm_drive *parse_node(struct vm_config *cfg, const char *what, struct vm_kvlist *l,
				   const char *prefix, const struct inherit *from);

/* driver=file: filename, aio, locking; the cache mode from cache.direct / cache.no-flush. */
static int parse_file(const char *what, struct vm_kvlist *l, const char *p, struct vm_drive *d,
		      bool direct)
{
	const char *filename = kget(l, p, "filename"), *aio = kget(l, p, "aio");
	const char *locking = kget(l, p, "locking");

	if (!filename)
		return berr(what, "Parameter '%sfilename' is missing", p);
	if (aio && vccw_be_blk_parse_aio(aio, &d->aio))
		return berr(what, "Parameter '%saio' does not accept value '%s'", p, aio);
	if (d->aio == VCCW_BE_BLK_AIO_NATIVE && !direct)
		return berr(what, "aio=native was specified, but it requires cache.direct=on, "
			    "which was not specified.");
	if (locking && strcmp(locking, "auto") && strcmp(locking, "on")) {
		if (!strcmp(locking, "off"))
			return berr(what, "Parameter '%slocking': off is not supported (vccw-vm "
				    "always locks images)", p);
		return berr(what, "Parameter '%slocking' does not accept value '%s'", p, locking);
	}
	d->file = dup_or_die(filename);
	return 0;
}

/* driver=nbd: server.type=inet (host, port) or unix (path), export. */
static int parse_nbd(const char *what, struct vm_kvlist *l, const char *p, struct vm_drive *d)
{
	char sp[128];
	const char *type, *v;

	snprintf(sp, sizeof(sp), "%sserver.", p);
	if (!has_prefix(l, sp))
		return berr(what, "Parameter '%sserver' is missing", p);
	type = kget(l, sp, "type");
	if (!type)
		return berr(what, "Parameter '%stype' is missing", sp);
	if (!strcmp(type, "inet")) {
		v = kget(l, sp, "host");
		if (!v)
			return berr(what, "Parameter '%shost' is missing", sp);
		d->nbd_host = dup_or_die(v);
		v = kget(l, sp, "port");
		d->nbd_port = dup_or_die(v ? v : "10809");
	} else if (!strcmp(type, "unix")) {
		v = kget(l, sp, "path");
		if (!v)
			return berr(what, "Parameter '%spath' is missing", sp);
		d->nbd_socket = dup_or_die(v);
	} else {
		return berr(what, "Parameter 'type' does not accept value '%s'", type);
	}
	v = kget(l, p, "export");
	d->nbd_export = dup_or_die(v ? v : "");
	return 0;
}

/* The first key nobody used, in QEMU's words. */
static int check_unused(const char *what, const struct vm_kvlist *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (!l->kv[i].used)
			return berr(what, "Parameter '%s' is unexpected", l->kv[i].key);
	return 0;
}

/*
 * One node from the keys of @l under @prefix ("" for the top, "file." for an inline
 * child). Only the top has (and needs) a node-name.
 */
static struct vm_drive *parse_node(struct vm_config *cfg, const char *what, struct vm_kvlist *l,
				   const char *p, const struct inherit *from)
{
	struct vm_drive *d = calloc(1, sizeof(*d));
	const char *driver, *node, *v;
	struct inherit mine = from ? *from : (struct inherit){ 0 };
	bool dummy;
	char cp[128];

	if (!d) {
		vm_report("out of memory\n");
		exit(1);
	}
	/* Children of children: a few levels make sense; a hostile line gets a bound. */
	if (strlen(p) > 5 * strlen("file.")) {
		berr(what, "'%s': nodes nested too deeply", p);
		goto err;
	}
	driver = kget(l, p, "driver");
	node = kget(l, p, "node-name");
	if (!driver) {
		/* An inline child given by its file name alone is a file node (QEMU's probing). */
		if (*p && kget(l, p, "filename"))
			driver = "file";
		else {
			berr(what, "Parameter '%sdriver' is missing", p);
			goto err;
		}
	}
	if (!strcmp(driver, "file"))
		d->driver = VM_BLK_FILE;
	else if (!strcmp(driver, "raw"))
		d->driver = VM_BLK_RAW;
	else if (!strcmp(driver, "qcow2"))
		d->driver = VM_BLK_QCOW2;
	else if (!strcmp(driver, "nbd"))
		d->driver = VM_BLK_NBD;
	else {
		berr(what, "Parameter '%sdriver' does not accept value '%s'", p, driver);
		goto err;
	}
	if (node) {
		if (!vm_id_valid(node)) {
			berr(what, "Invalid node-name: '%s'", node);
			goto err;
		}
		if (find_node(cfg, node)) {
			berr(what, "Duplicate nodes with node-name='%s'", node);
			goto err;
		}
		d->id = dup_or_die(node);
	} else if (*p) {
		char name[32];

		snprintf(name, sizeof(name), "#block%03u",
			 __atomic_fetch_add(&anon_nodes, 1, __ATOMIC_RELAXED));
		d->id = dup_or_die(name);
	}
	if (bget(what, l, p, "read-only", &mine.readonly, NULL) ||
	    bget(what, l, p, "auto-read-only", &dummy, NULL) ||
	    bget(what, l, p, "cache.direct", &mine.direct, NULL) ||
	    bget(what, l, p, "cache.no-flush", &mine.no_flush, NULL))
		goto err;
	d->readonly = mine.readonly;
	d->no_flush = mine.no_flush;
	if (mine.direct && mine.no_flush) {
		berr(what, "cache.direct=on with cache.no-flush=on is not supported");
		goto err;
	}
	d->cache = mine.direct ? VCCW_BE_BLK_CACHE_NONE
			       : mine.no_flush ? VCCW_BE_BLK_CACHE_UNSAFE : VCCW_BE_BLK_CACHE_WRITEBACK;
	v = kget(l, p, "discard");
	if (v) {
		if (!strcmp(v, "unmap") || !strcmp(v, "on"))
			mine.discard_unmap = true;
		else if (!strcmp(v, "ignore") || !strcmp(v, "off"))
			mine.discard_unmap = false;
		else {
			berr(what, "Parameter '%sdiscard' does not accept value '%s'", p, v);
			goto err;
		}
	}
	d->discard_unmap = mine.discard_unmap;
	v = kget(l, p, "detect-zeroes");
	if (v && vccw_be_blk_parse_detect_zeroes(v, &d->detect_zeroes)) {
		berr(what, "Parameter '%sdetect-zeroes' does not accept value '%s'", p, v);
		goto err;
	}
	if (d->detect_zeroes == VCCW_BE_BLK_DETECT_ZEROES_UNMAP && !d->discard_unmap) {
		berr(what, "setting detect-zeroes to unmap is not allowed without setting "
		     "discard operation to unmap");
		goto err;
	}
	switch (d->driver) {
	case VM_BLK_FILE:
		if (parse_file(what, l, p, d, mine.direct))
			goto err;
		break;
	case VM_BLK_NBD:
		if (parse_nbd(what, l, p, d))
			goto err;
		break;
	case VM_BLK_RAW:
	case VM_BLK_QCOW2:
		snprintf(cp, sizeof(cp), "%sfile.", p);
		v = kget(l, p, "file");
		if (v && has_prefix(l, cp)) {
			berr(what, "Parameter '%sfile' is given as a node name and as options", p);
			goto err;
		}
		if (v) {
			d->child = find_node(cfg, v);
			if (!d->child) {
				berr(what, "Cannot find device='%s' nor node-name='%s'", v, v);
				goto err;
			}
			if (d->child->parent) {
				berr(what, "Node '%s' is already the file of '%s' (vccw-vm gives a "
				     "node one parent)", v, d->child->parent->id);
				goto err;
			}
			if (d->child->user) {
				berr(what, "Node '%s' is in use by %s", v, d->child->user->what);
				goto err;
			}
		} else if (has_prefix(l, cp)) {
			d->child = parse_node(cfg, what, l, cp, &mine);
			if (!d->child)
				goto err;
			d->child_owned = true;
		} else {
			berr(what, "A block device must be specified for \"%sfile\"", p);
			goto err;
		}
		if (d->driver == VM_BLK_QCOW2 && d->child->driver != VM_BLK_FILE) {
			berr(what, "qcow2 is opened over a file node only (here '%s' is %s)",
			     d->child->id, vm_drive_format(d->child));
			goto err;
		}
		break;
	}
	/* QEMU checks the driver's own options first, then this. */
	if (!d->id) {
		berr(what, "'node-name' must be specified for the root node");
		goto err;
	}
	return d;
err:
	vm_drive_free(d);
	return NULL;
}

struct vm_drive *vm_blockdev_parse(struct vm_config *cfg, const char *what, struct vm_kvlist *l)
{
	const char *node = NULL;
	struct vm_drive *d;
	unsigned int i;
	char *w;

	/* Messages name the node as soon as it is known, as "-blockdev node-name=x". */
	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->kv[i].key, "node-name"))
			node = l->kv[i].val;
	if (node && vm_id_valid(node)) {
		if (asprintf(&w, "%s node-name=%s", what, node) < 0)
			w = NULL;
	} else {
		w = strdup(what);
	}
	if (!w) {
		vm_report("out of memory\n");
		exit(1);
	}
	d = parse_node(cfg, w, l, "", NULL);
	if (d && check_unused(w, l)) {
		vm_drive_free(d);
		d = NULL;
	}
	if (!d) {
		free(w);
		return NULL;
	}
	d->what = w;
	d->blockdev = true;
	return d;
}

#ifdef VM_HAVE_QMP
/* Keys of ours (a leaf name): a value of the wrong type is a type error, not unknown. */
static bool known_key(const char *key)
{
	static const char *const names[] = { "driver", "node-name", "filename", "file", "aio",
					     "locking", "discard", "detect-zeroes", "export",
					     "type", "host", "port", "path", NULL };
	const char *leaf = strrchr(key, '.');
	unsigned int i;

	leaf = leaf ? leaf + 1 : key;
	for (i = 0; names[i]; i++)
		if (!strcmp(leaf, names[i]))
			return true;
	return false;
}

/* Keys whose JSON values are booleans in QEMU's schema (BlockdevOptions). */
static bool bool_key(const char *key)
{
	static const char *const names[] = { "read-only", "auto-read-only", "direct",
					     "no-flush", "force-share", NULL };
	const char *leaf = strrchr(key, '.');
	unsigned int i;

	leaf = leaf ? leaf + 1 : key;
	for (i = 0; names[i]; i++)
		if (!strcmp(leaf, names[i]))
			return true;
	return false;
}

static int flatten(const char *what, const json_t *obj, const char *prefix,
		   struct vm_kvlist *out)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		char full[256];

		snprintf(full, sizeof(full), "%s%s", prefix, key);
		if (json_is_object(v)) {
			strncat(full, ".", sizeof(full) - strlen(full) - 1);
			if (flatten(what, v, full, out))
				return -1;
		} else if (bool_key(full)) {
			if (!json_is_boolean(v))
				return berr(what, "Invalid parameter type for '%s', expected: "
					    "boolean", full);
			vm_kv_add(out, full, json_is_true(v) ? "on" : "off");
		} else if (json_is_string(v)) {
			vm_kv_add(out, full, json_string_value(v));
		} else if (!known_key(full)) {
			/* QEMU names an unknown member as unexpected, whatever its type. */
			vm_kv_add(out, full, "");
		} else {
			return berr(what, "Invalid parameter type for '%s', expected: string", full);
		}
	}
	return 0;
}

int vm_blockdev_kv_from_json(const char *what, const char *json, const void *obj,
			     struct vm_kvlist *out)
{
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	out->kv = NULL;
	out->nr = 0;
	if (json) {
		root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
		if (!root)
			return berr(what, "JSON parse error, %s", jerr.text);
		obj = root;
	}
	if (!json_is_object((const json_t *)obj)) {
		json_decref(root);
		return berr(what, "Invalid parameter type, expected: object");
	}
	rc = flatten(what, obj, "", out);
	json_decref(root);
	if (rc)
		vm_kv_free(out);
	return rc;
}
#else
int vm_blockdev_kv_from_json(const char *what, const char *json, const void *obj,
			     struct vm_kvlist *out)
{
	(void)json;
	(void)obj;
	out->kv = NULL;
	out->nr = 0;
	return berr(what, "the JSON form needs libjansson (install libjansson-dev and rebuild)");
}
#endif

int vm_opt_blockdev(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	struct vm_drive *d, **grown;
	int rc;

	/* QEMU: an argument starting with '{' is JSON, anything else key=value. */
	if (arg[0] == '{')
		rc = vm_blockdev_kv_from_json("-blockdev", arg, NULL, &l);
	else
		rc = vm_kv_parse("-blockdev", arg, NULL, &l);
	if (rc)
		return -1;
	d = vm_blockdev_parse(cfg, "-blockdev", &l);
	vm_kv_free(&l);
	if (!d)
		return -1;
	grown = realloc(cfg->drives, (cfg->nr_drives + 1) * sizeof(*grown));
	if (!grown) {
		vm_report("out of memory\n");
		exit(1);
	}
	cfg->drives = grown;
	cfg->drives[cfg->nr_drives++] = d;
	vm_drive_link(d);
	return 0;
}

void vm_drive_link(struct vm_drive *d)
{
	if (d->child && !d->child_owned)
		d->child->parent = d;
}

/* ---- -drive ---- */

static bool is_nbd_uri(const char *s)
{
	return !strncmp(s, "nbd://", 6) || !strncmp(s, "nbd+tcp://", 10) ||
	       !strncmp(s, "nbd+unix://", 11);
}

/* Does @path start with qcow2's magic? (No: unreadable, short, or another format.) */
static bool qcow2_magic(const char *path)
{
	/* Non-blocking: a FIFO must not make us wait (the backend refuses it later). */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	unsigned char magic[4];
	struct stat st;
	bool yes;

	if (fd < 0)
		return false;
	yes = !fstat(fd, &st) && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) &&
	      pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	      !memcmp(magic, "QFI\xfb", sizeof(magic));
	close(fd);
	return yes;
}

int vm_drive_parse_storage(struct vm_drive *d, struct vm_kvlist *l)
{
	const char *file = vm_kv_get(l, "file"), *format = vm_kv_get(l, "format");
	const char *driver = vm_kv_get(l, "driver"), *v;
	bool given;

	v = vm_kv_get(l, "discard");
	if (v) {
		if (!strcmp(v, "unmap") || !strcmp(v, "on"))
			d->discard_unmap = true;
		else if (strcmp(v, "ignore") && strcmp(v, "off"))
			return berr(d->what, "Invalid discard option");
	}
	v = vm_kv_get(l, "detect-zeroes");
	if (v && vccw_be_blk_parse_detect_zeroes(v, &d->detect_zeroes))
		return berr(d->what, "invalid parameter value: %s", v);
	if (bget(d->what, l, "", "snapshot", &d->snapshot, &given))
		return -1;
	if (format && strcmp(format, "raw") && strcmp(format, "qcow2"))
		return berr(d->what, "format '%s' is not supported (raw or qcow2)", format);
	d->driver = format && !strcmp(format, "qcow2") ? VM_BLK_QCOW2 : VM_BLK_RAW;
	if (driver) {
		if (strcmp(driver, "nbd") && strcmp(driver, "raw") && strcmp(driver, "qcow2") &&
		    strcmp(driver, "file"))
			return berr(d->what, "Parameter 'driver' does not accept value '%s'",
				    driver);
		if (format && strcmp(driver, format))
			return berr(d->what, "Cannot specify both 'driver' and 'format'");
		if (!strcmp(driver, "qcow2"))
			d->driver = VM_BLK_QCOW2;
	}
	if (driver && !strcmp(driver, "nbd")) {
		if (file)
			return berr(d->what, "driver=nbd takes server.* and export, not file=");
		d->driver = VM_BLK_NBD;
		return parse_nbd(d->what, l, "", d);
	}
	if (!file || !*file)
		return berr(d->what, "property 'file' is required");
	if (is_nbd_uri(file)) {
		if (d->driver == VM_BLK_QCOW2)
			return berr(d->what, "format=qcow2 over NBD is not supported: serve the "
				    "image with qemu-nbd --format=qcow2 and use format=raw");
		if (d->snapshot)
			return berr(d->what, "snapshot=on is not supported for NBD drives");
		d->driver = VM_BLK_NBD;
		d->nbd_uri = dup_or_die(file);
		return 0;
	}
	d->file = dup_or_die(file);
	/*
	 * No format given: QEMU probes the image. A qcow2 image (its magic "QFI\xfb" at
	 * offset 0) opened as raw would show the guest qcow2's metadata and let it wreck
	 * the image, so qcow2 is recognised here; anything else is raw, as QEMU probes a
	 * file that matches no format.
	 */
	if (!format && !driver && qcow2_magic(file))
		d->driver = VM_BLK_QCOW2;
	return 0;
}

/* ---- opening and closing ---- */

const char *vm_drive_format(const struct vm_drive *d)
{
	static const char *const names[] = {
		[VM_BLK_RAW] = "raw", [VM_BLK_FILE] = "file", [VM_BLK_QCOW2] = "qcow2",
		[VM_BLK_NBD] = "nbd",
	};

	return names[d->driver];
}

void vm_drive_filename(const struct vm_drive *d, char *buf, size_t len)
{
	if (d->child)
		vm_drive_filename(d->child, buf, len);
	else if (d->file)
		snprintf(buf, len, "%s", d->file);
	else if (d->nbd_uri)
		snprintf(buf, len, "%s", d->nbd_uri);
	else if (d->nbd_socket)
		snprintf(buf, len, "nbd+unix:///%s?socket=%s", d->nbd_export, d->nbd_socket);
	else
		snprintf(buf, len, "nbd://%s:%s/%s", d->nbd_host ? d->nbd_host : "",
			 d->nbd_port ? d->nbd_port : "10809", d->nbd_export ? d->nbd_export : "");
}

/* qemu-nbd in PATH? */
static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (n && !access(buf, X_OK))
			return true;
		path += n;
		if (*path)
			path++;
	}
	return false;
}

/*
 * An image QEMU's block layer opens for us: qemu-nbd serving @path in @format, started
 * with socket activation by libnbd and stopped when the backend closes. It locks the
 * image as QEMU does; --snapshot puts writes in a temporary overlay.
 */
static struct vccw_be_blk *open_qemu_nbd(struct vm_drive *d, const char *path,
					 const char *format, bool readonly, struct vccw_err *err)
{
	static const char *const caches[] = {
		[VCCW_BE_BLK_CACHE_WRITEBACK] = "writeback", [VCCW_BE_BLK_CACHE_NONE] = "none",
		[VCCW_BE_BLK_CACHE_WRITETHROUGH] = "writethrough",
		[VCCW_BE_BLK_CACHE_DIRECTSYNC] = "directsync",
		[VCCW_BE_BLK_CACHE_UNSAFE] = "unsafe",
	};
	static const char *const aios[] = {
		[VCCW_BE_BLK_AIO_THREADS] = "threads", [VCCW_BE_BLK_AIO_IO_URING] = "io_uring",
		[VCCW_BE_BLK_AIO_NATIVE] = "native",
	};
	static const char *const dz[] = {
		[VCCW_BE_BLK_DETECT_ZEROES_OFF] = "off", [VCCW_BE_BLK_DETECT_ZEROES_ON] = "on",
		[VCCW_BE_BLK_DETECT_ZEROES_UNMAP] = "unmap",
	};
	char fmt[32], cache[32], aio[32], discard[32], zeroes[32];
	char *argv[16];
	struct vccw_be_blk_nbd_opts o = { .readonly = readonly };
	unsigned int n = 0;

	if (!vccw_be_blk_have_nbd()) {
		vccw_err_set(err, ENOTSUP, "%s: format=%s%s needs the NBD backend, which this "
			     "build lacks (install libnbd-dev and rebuild)", path, format,
			     d->snapshot ? " with snapshot=on" : "");
		return NULL;
	}
	if (!have_program("qemu-nbd")) {
		vccw_err_set(err, ENOENT, "%s: format=%s%s is served by qemu-nbd, which is not "
			     "installed (install qemu-utils)", path, format,
			     d->snapshot ? " with snapshot=on" : "");
		return NULL;
	}
	snprintf(fmt, sizeof(fmt), "--format=%s", format);
	snprintf(cache, sizeof(cache), "--cache=%s", caches[d->cache]);
	snprintf(aio, sizeof(aio), "--aio=%s", aios[d->aio]);
	snprintf(discard, sizeof(discard), "--discard=%s", d->discard_unmap ? "unmap" : "ignore");
	snprintf(zeroes, sizeof(zeroes), "--detect-zeroes=%s", dz[d->detect_zeroes]);
	argv[n++] = (char *)"qemu-nbd";
	argv[n++] = fmt;
	argv[n++] = cache;
	argv[n++] = aio;
	argv[n++] = discard;
	argv[n++] = zeroes;
	if (readonly)
		argv[n++] = (char *)"--read-only";
	if (d->snapshot)
		argv[n++] = (char *)"--snapshot";
	argv[n++] = (char *)"--";
	argv[n++] = (char *)path;
	argv[n] = NULL;
	o.server_argv = argv;
	return vccw_be_blk_nbd_open(&o, err);
}

static struct vccw_be_blk *open_file(struct vm_drive *d, const char *path, bool readonly,
				     struct vccw_err *err)
{
	/* A -blockdev file node may hold any image (a qcow2's length is not sectors). */
	struct vccw_be_blk_file_opts opts = {
		.readonly = readonly, .cache = d->cache, .aio = d->aio,
		.any_size = d->driver == VM_BLK_FILE,
	};

	return vccw_be_blk_file_open_opts(path, &opts, err);
}

static int open_node(struct vm_drive *d, bool readonly, struct vccw_err *err)
{
	struct vccw_be_blk_nbd_opts o = { 0 };
	struct vm_drive *c = d->child;
	struct vccw_be_blk *be = NULL;
	bool local_zeroes = true;

	readonly = readonly || d->readonly;
	if (d->be)
		return 0;
	switch (d->driver) {
	case VM_BLK_FILE:
		/* The image of a qcow2 node is qemu-nbd's to open. */
		if (d->parent && d->parent->driver == VM_BLK_QCOW2)
			return 0;
		be = d->snapshot ? open_qemu_nbd(d, d->file, "raw", readonly, err)
				 : open_file(d, d->file, readonly, err);
		break;
	case VM_BLK_RAW:
		if (c) {
			/* Raw over a file node is the file node itself: one backend, shared. */
			if (open_node(c, readonly, err))
				return -1;
			d->be = c->be;
			d->be_borrowed = true;
			/*
			 * QEMU: a discard reaches the image only when every node passes it
			 * on; a write-zeroes may deallocate when the file node does.
			 */
			d->be->discard_ignore = !(d->discard_unmap && c->discard_unmap);
			d->be->zeroes_keep = !c->discard_unmap;
			d->be->detect_zeroes = d->detect_zeroes ? d->detect_zeroes : c->detect_zeroes;
			return 0;
		}
		be = d->snapshot ? open_qemu_nbd(d, d->file, "raw", readonly, err)
				 : open_file(d, d->file, readonly, err);
		local_zeroes = !d->snapshot;
		break;
	case VM_BLK_QCOW2:
		if (c) {
			/* The file node's options count for the image (cache, aio). */
			d->cache = c->cache;
			d->aio = c->aio;
			/* A discard reaches the image when both nodes pass it on (QEMU). */
			d->discard_unmap = d->discard_unmap && c->discard_unmap;
			/*
			 * A file node added on its own (blockdev-add, then the qcow2 node over
			 * it, as libvirt does) holds the image and its lock: qemu-nbd takes
			 * them over, and gives them back if it cannot start.
			 */
			if (c->be)
				vm_drive_release(c);
		}
		be = open_qemu_nbd(d, c ? c->file : d->file, "qcow2", readonly || (c && c->readonly),
				   err);
		if (!be && c) {
			struct vccw_err again = { 0 };

			open_node(c, false, &again);
		}
		local_zeroes = false;
		break;
	case VM_BLK_NBD:
		o.uri = d->nbd_uri;
		o.host = d->nbd_host;
		o.port = d->nbd_port;
		o.socket = d->nbd_socket;
		o.export_name = d->nbd_export;
		o.readonly = readonly;
		be = vccw_be_blk_nbd_open(&o, err);
		break;
	}
	if (!be)
		return -1;
	d->be = be;
	d->be->discard_ignore = !d->discard_unmap;
	/*
	 * QEMU (7.2, observed): -drive's image node deallocates for a write-zeroes with
	 * unmap even under discard=ignore, which only stops the guest's discards; a
	 * -blockdev node deallocates only with its own discard=unmap.
	 */
	d->be->zeroes_keep = d->blockdev && !d->discard_unmap;
	/* qemu-nbd does detect-zeroes itself (it was told on its command line). */
	d->be->detect_zeroes = local_zeroes ? d->detect_zeroes : VCCW_BE_BLK_DETECT_ZEROES_OFF;
	return 0;
}

int vm_drive_open(struct vm_drive *d, struct vccw_err *err)
{
	return open_node(d, false, err);
}

int vm_drive_release(struct vm_drive *d)
{
	char name[512];
	int rc = 0, rc2;

	if (d->be && !d->be_borrowed) {
		/* Every write the guest saw completed is made stable before we let go. */
		rc = vccw_be_blk_flush(d->be);
		if (rc) {
			vm_drive_filename(d, name, sizeof(name));
			vm_report("%s: flushing %s: %s\n", d->what, name,
				strerror(-rc));
		}
		vccw_be_blk_close(d->be);
	}
	d->be = NULL;
	d->be_borrowed = false;
	if (d->child && d->child_owned) {
		rc2 = vm_drive_release(d->child);
		rc = rc ? rc : rc2;
	}
	return rc;
}

void vm_drive_free(struct vm_drive *d)
{
	if (!d)
		return;
	if (d->child && !d->child_owned && d->child->parent == d)
		d->child->parent = NULL;
	if (d->child_owned)
		vm_drive_free(d->child);
	free(d->what);
	free(d->id);
	free(d->file);
	free(d->nbd_uri);
	free(d->nbd_host);
	free(d->nbd_port);
	free(d->nbd_socket);
	free(d->nbd_export);
	free(d);
}

int vm_drive_check_use(const struct vm_drive *d, const char *what)
{
	if (d->parent) {
		/* QEMU would share the node; here a node has one user (documented). */
		vm_error_qmp("Node '%s' is the file of node '%s' (use drive=%s)", d->id,
			     d->parent->id, d->parent->id);
		vm_error(what, "property 'drive': node '%s' is the file of node '%s' (give "
			 "drive=%s)", d->id, d->parent->id, d->parent->id);
		return -1;
	}
	return 0;
}
