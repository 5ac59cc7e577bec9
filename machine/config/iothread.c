// SPDX-License-Identifier: MIT
/*
 * -object iothread,id=ID[,poll-max-ns=N]: QEMU's I/O threads. Each is one thread
 * (struct vccw_iothread) that serves every queue of the devices naming it with
 * iothread=ID (virtio-blk-ccw), so several disks may share a thread, as in QEMU. A
 * device without iothread= keeps a thread of its own. The threads start with the
 * backends (vm_backends_open()) and stop after the last device is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-int.h"

static struct vm_iothread *xcalloc_iothread(void)
{
	struct vm_iothread *t = calloc(1, sizeof(*t));

	if (!t) {
		vm_report("out of memory\n");
		exit(1);
	}
	return t;
}

static char *xstrdup_or_die(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		vm_report("out of memory\n");
		exit(1);
	}
	return p;
}

struct vm_iothread *vm_iothread_find(const struct vm_config *cfg, const char *id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_iothreads; i++) {
		if (!strcmp(cfg->iothreads[i]->id, id))
			return cfg->iothreads[i];
	}
	return NULL;
}

int vm_opt_object(struct vm_config *cfg, const char *arg)
{
	const char *type, *id, *poll;
	struct vm_iothread *t, **arr;
	struct vm_kvlist l;
	uint64_t v = VCCW_POLL_DEFAULT_MAX_NS;

	if (vm_kv_parse("-object", arg, "qom-type", &l))
		return -1;
	type = vm_kv_get(&l, "qom-type");
	id = vm_kv_get(&l, "id");
	poll = vm_kv_get(&l, "poll-max-ns");
	if (!type || strcmp(type, "iothread")) {
		vm_error("-object", "type '%s' is not supported (only iothread)",
			 type ? type : "(none)");
		goto err;
	}
	if (vm_kv_check_unused("-object iothread", &l))
		goto err;
	if (!id) {
		vm_error("-object iothread", "property 'id' is required");
		goto err;
	}
	if (!vm_id_valid(id)) {
		vm_error("-object iothread", "id '%.*s': not a valid ID (a letter, then letters, "
			 "digits, '-', '.' and '_', at most %d characters)", VM_ID_MAX, id,
			 VM_ID_MAX);
		goto err;
	}
	if (vm_iothread_find(cfg, id)) {
		vm_error("-object iothread", "duplicate iothread id '%s'", id);
		goto err;
	}
	/* Bounded by the poller's 32-bit window (4.29 s; QEMU takes any int64). */
	if (poll && vm_parse_uint("-object iothread", "poll-max-ns", poll, 0, UINT32_MAX, &v))
		goto err;
	t = xcalloc_iothread();
	t->id = xstrdup_or_die(id);
	t->poll_max_ns = (uint32_t)v;
	arr = realloc(cfg->iothreads, (cfg->nr_iothreads + 1) * sizeof(*arr));
	if (!arr) {
		vm_report("out of memory\n");
		exit(1);
	}
	cfg->iothreads = arr;
	cfg->iothreads[cfg->nr_iothreads++] = t;
	vm_kv_free(&l);
	return 0;
err:
	vm_kv_free(&l);
	return -1;
}

int vm_iothreads_open(struct vm_config *cfg)
{
	struct vccw_err err = { 0 };
	unsigned int i;

	for (i = 0; i < cfg->nr_iothreads; i++) {
		struct vm_iothread *t = cfg->iothreads[i];

		t->iot = vccw_iothread_new(t->poll_max_ns, &err);
		if (!t->iot) {
			vm_error("-object iothread", "%s: %s", t->id, err.msg);
			return -1;
		}
	}
	return 0;
}

void vm_iothreads_close(struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_iothreads; i++) {
		vccw_iothread_free(cfg->iothreads[i]->iot);
		cfg->iothreads[i]->iot = NULL;
	}
}

void vm_iothreads_free(struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_iothreads; i++) {
		free(cfg->iothreads[i]->id);
		free(cfg->iothreads[i]);
	}
	free(cfg->iothreads);
	cfg->iothreads = NULL;
	cfg->nr_iothreads = 0;
}
