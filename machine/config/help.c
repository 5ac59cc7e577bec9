// SPDX-License-Identifier: MIT
/*
 * What the command line tells about itself, in QEMU's words and layouts: -h by QEMU's
 * option groups, -version, -device help (types grouped by category, with QEMU's aliases),
 * -device TYPE,help (each property with its type and default), -machine help,
 * -cpu help; and every other option QEMU 7.2 has, refused by name. The options vccw-vm
 * accepts without effect (-nographic, -nodefaults, -display none, -vga none,
 * -accel tcg, -no-user-config) are decided here too; the README's table says the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "vccw/version.h"
#include "vm-int.h"

/* ---- -version ---- */

void vm_version_print(void)
{
	unsigned int major, minor, patch;

	vccw_version(&major, &minor, &patch);
	printf(VM_NAME " version %u.%u.%u (libvccw %s)\n"
	       "Copyright (c) 2026 the vccw developers (MIT licence)\n",
	       major, minor, patch, vccw_version(NULL, NULL, NULL));
}

/* ---- options accepted for QEMU users' command lines, with no effect here ---- */

/* -vga none: there is no display adapter to leave out; any other adapter is refused. */
static int opt_vga(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	if (strcmp(arg, "none")) {
		vm_error("-vga", "'%s' is not supported (vccw-vm has no display: only none)", arg);
		return -1;
	}
	return 0;
}

/* -accel tcg: vccw-vm's only accelerator is software; KVM and the rest are refused. */
static int opt_accel(struct vm_config *cfg, const char *arg)
{
	struct vm_kvlist l;
	const char *type;
	int rc = -1;

	(void)cfg;
	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		printf("Accelerators supported in vccw-vm:\ntcg\n");
		return 1;
	}
	if (vm_kv_parse("-accel", arg, "accel", &l))
		return -1;
	type = vm_kv_get(&l, "accel");
	if (vm_kv_check_unused("-accel", &l))
		goto out;
	if (!type || strcmp(type, "tcg")) {
		vm_error("-accel", "'%s' is not supported (only tcg: vccw-vm emulates in "
			 "software and does not use KVM)", type ? type : "");
		goto out;
	}
	rc = 0;
out:
	vm_kv_free(&l);
	return rc;
}

static int opt_enable_kvm(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	(void)arg;
	vm_error("-enable-kvm", "not supported: vccw-vm does not use KVM (the s390x CPU is "
		 "emulated, native guests run as host code)");
	return -1;
}

/* -cpu MODEL: the CPU models we have. */
static int opt_cpu(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		printf("Available CPUs:\n"
		       "s390 qemu            QEMU's s390x TCG CPU through Unicorn (s390x ELFs, "
		       "firmware); native guest programs run as host code (default)\n"
		       "s390 max             the same CPU (vccw-vm has one model)\n");
		return 1;
	}
	if (!strcmp(arg, "qemu") || !strcmp(arg, "max"))
		return 0;
	if (!strncmp(arg, "host", 4) && (!arg[4] || arg[4] == ','))
		vm_error("-cpu", "'host' needs KVM, which vccw-vm does not use (-cpu help lists "
			 "the models)");
	else
		vm_error("-cpu", "CPU model '%s' is not supported (-cpu help lists the models)",
			 arg);
	return -1;
}

/* -no-user-config: vccw-vm reads no configuration file anyway (libvirt passes it). */
static int opt_no_user_config(struct vm_config *cfg, const char *arg)
{
	(void)cfg;
	(void)arg;
	return 0;
}

const struct vm_option vm_help_options[] = {
	{ "no-user-config", NULL, opt_no_user_config,
	  "accepted: vccw-vm reads no configuration file" },
	{ "cpu", "qemu|max", opt_cpu, "CPU model (-cpu help lists them; both are the same)" },
	{ "vga", "none", opt_vga, "accepted: there is no display adapter" },
	{ "accel", "tcg", opt_accel, "accepted: the CPU is emulated in software; KVM is refused" },
	{ "enable-kvm", NULL, opt_enable_kvm, "refused: vccw-vm does not use KVM" },
	{ NULL, NULL, NULL, NULL },
};

const struct vm_option *vm_option_find_extra(const char *name)
{
	static const struct vm_option *const tables[] = {
		vm_log_options, vm_life_options, vm_help_options,
	};
	const struct vm_option *o;
	unsigned int t;

	for (t = 0; t < VCCW_ARRAY_SIZE(tables); t++)
		for (o = tables[t]; o->name; o++)
			if (!strcmp(o->name, name))
				return o;
	return NULL;
}

/* ---- QEMU 7.2's options we do not have: refused by name ---- */

static const char *const refused[] = {
	"preconfig", "L", "action", "add-fd", "async-teardown", "audio",
	"audio-help", "audiodev", "boot", "cdrom", "chroot", "compat", "debugcon",
	"dfilter", "dtb", "dump-vmstate", "echr", "enable-sync-profile", "fda", "fdb", "fsdev",
	"full-screen", "fw_cfg", "gdb", "global", "hda", "hdb", "hdc", "hdd", "icount",
	"incoming", "iscsi", "k", "loadvm", "mem-path", "mem-prealloc", "mon",
	"monitor", "mtdblock", "net", "nic", "numa",
	"only-migratable", "option-rom", "overcommit", "parallel", "pflash", "plugin",
	"portrait", "qmp-pretty", "readconfig", "rotate", "rtc", "runas", "s", "sandbox", "sd",
	"seed", "serial", "set", "singlestep", "snapshot", "spice", "tpmdev", "usb",
	"usbdevice", "uuid", "virtfs", "vnc", "watchdog-action", NULL,
};

bool vm_option_refused(const char *name)
{
	const char *const *r;

	for (r = refused; *r; r++) {
		if (!strcmp(*r, name)) {
			vm_report("-%s: option not supported (QEMU has it, vccw-vm "
				"does not; --help lists what vccw-vm has)\n", name);
			return true;
		}
	}
	return false;
}

/* ---- -h ---- */

/* QEMU's -h groups, and which group each option of ours is listed in. */
static const char *const groups[] = {
	"Standard options",
	"Block device options",
	"Display options",
	"Network options",
	"Character device options",
	"Boot Image or Kernel specific",
	"Debug/Expert options",
};

static const struct {
	const char *name;
	unsigned int group;
} option_group[] = {
	{ "h", 0 }, { "help", 0 }, { "version", 0 }, { "machine", 0 }, { "M", 0 },
	{ "cpu", 0 }, { "accel", 0 }, { "smp", 0 }, { "m", 0 }, { "name", 0 }, { "device", 0 },
	{ "drive", 1 }, { "blockdev", 1 }, { "object", 1 },
	{ "display", 2 }, { "nographic", 2 }, { "vga", 2 },
	{ "netdev", 3 }, { "nic", 3 },
	{ "chardev", 4 },
	{ "kernel", 5 }, { "bios", 5 }, { "append", 5 }, { "initrd", 5 },
};

static unsigned int group_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(option_group); i++)
		if (!strcmp(option_group[i].name, name))
			return option_group[i].group;
	return 6; /* Debug/Expert: the monitor, lifecycle, logging */
}

static void print_option(const struct vm_option *o)
{
	printf("-%s%s%s\n                %s\n", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
	       o->help);
}

void vm_help_print(const struct vm_option *core, unsigned int nr)
{
	static const struct vm_option *const tables[] = {
		vm_log_options, vm_life_options, vm_help_options,
	};
	const struct vm_option *o;
	unsigned int g, i, t;

	vm_version_print();
	printf("usage: " VM_NAME " [options]\n\n");
	for (g = 0; g < VCCW_ARRAY_SIZE(groups); g++) {
		printf("%s:\n", groups[g]);
		for (i = 0; i < nr; i++)
			if (group_of(core[i].name) == g)
				print_option(&core[i]);
		for (t = 0; t < VCCW_ARRAY_SIZE(tables); t++)
			for (o = tables[t]; o->name; o++)
				if (group_of(o->name) == g)
					print_option(o);
		printf("\n");
	}
	printf("Transport properties of every virtio -device: devno=fe.S.DDDD, "
	       "max_revision=0..2, id=ID, packed=on|off\n(-device TYPE,help lists a type's "
	       "properties). Every other option of QEMU is refused by name.\n\n"
	       "Exit status: the guest program's when it ends; 0 after a signal, QMP quit or\n"
	       "a guest reboot under -no-reboot; 2 for a bad option (nothing started); 1 for\n"
	       "a host failure, including a drive that could not be flushed at the end.\n"
	       "See vccw-vm(1).\n");
}

/* ---- -device help, -device TYPE,help ---- */

/* QEMU's category of each of our types, in QEMU's order of categories. */
static const char *const categories[] = {
	"Storage devices", "Network devices", "Input devices", "Misc devices",
};

static unsigned int category_of(const struct vm_device_type *t)
{
	switch (t->device_id) {
	case VCCW_VIRTIO_ID_BLOCK:
		return 0;
	case VCCW_VIRTIO_ID_NET:
		return 1;
	case VCCW_VIRTIO_ID_CONSOLE:
	case 0: /* virtconsole, virtserialport: QEMU files them with virtio-serial */
		return 2;
	default:
		return 3;
	}
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp((*(const struct vm_device_type *const *)a)->name,
		      (*(const struct vm_device_type *const *)b)->name);
}

void vm_device_help_list(void)
{
	const struct vm_device_type *sorted[64];
	unsigned int c, i, nr = 0;

	while (nr < VCCW_ARRAY_SIZE(sorted) && vm_device_type_at(nr)) {
		sorted[nr] = vm_device_type_at(nr);
		nr++;
	}
	qsort(sorted, nr, sizeof(sorted[0]), cmp_type);
	for (c = 0; c < VCCW_ARRAY_SIZE(categories); c++) {
		printf("%s%s:\n", c ? "\n" : "", categories[c]);
		for (i = 0; i < nr; i++) {
			const struct vm_device_type *t = sorted[i];
			const char *alias = vm_device_type_alias(t);

			if (category_of(t) != c)
				continue;
			printf("name \"%s\", bus %s", t->name,
			       t->device_id ? "virtual-css-bus" : "virtio-serial-bus");
			if (alias)
				printf(", alias \"%s\"", alias);
			printf(", desc \"%s\"\n", t->help);
		}
	}
}

/* Descriptions of the properties, by name (the same name means the same on every type). */
static const struct {
	const char *name, *desc;
} prop_desc[] = {
	{ "devno", "Identifier of an I/O device in the channel subsystem, example: fe.1.23ab" },
	{ "max_revision", "highest virtio-ccw revision offered (0-2)" },
	{ "packed", "on/off: offer VIRTIO_F_RING_PACKED" },
	{ "ioeventfd", "on/off: off serves a queue on the notifying vCPU" },
	{ "x-adapter-interrupts", "on/off: accept SET_IND_ADAPTER (off tests the fallback)" },
	{ "x-strict-read-status", "on/off: READ_STATUS only from revision 2" },
	{ "drive", "Node name or ID of a block device to use as a backend (-drive id=)" },
	{ "chardev", "ID of a chardev to use as a backend" },
	{ "netdev", "ID of a netdev to use as a backend" },
	{ "serial", "disk serial number (at most 20 characters)" },
	{ "num-queues", "number of request queues" },
	{ "queue-size", "size of each virtqueue (a power of 2)" },
	{ "logical_block_size", "A power of two between 512 B and 2 MiB (0: the image's)" },
	{ "physical_block_size", "A power of two between 512 B and 2 MiB (0: the image's)" },
	{ "min_io_size", "minimum I/O size in bytes" },
	{ "opt_io_size", "optimal I/O size in bytes" },
	{ "cyls", "geometry: cylinders" },
	{ "heads", "geometry: heads" },
	{ "secs", "geometry: sectors per track" },
	{ "write-cache", "on/off: offer VIRTIO_BLK_F_CONFIG_WCE" },
	{ "bootindex", "boot order for the firmware (lowest boots)" },
	{ "max_ports", "number of ports (1-31)" },
	{ "name", "port name the guest sees" },
	{ "nr", "port number" },
	{ "mac", "MAC address (xx:xx:xx:xx:xx:xx)" },
	{ "host_mtu", "MTU offered with VIRTIO_NET_F_MTU (68-65535)" },
	{ "guest-stats-polling-interval", "seconds between statistics requests (0: never)" },
};

static const char *desc_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(prop_desc); i++)
		if (!strcmp(prop_desc[i].name, name))
			return prop_desc[i].desc;
	return "";
}

static const char *type_name(const struct vm_prop *p)
{
	switch (p->kind) {
	case VM_PROP_BUSID:
	case VM_PROP_STR:
		return "str";
	case VM_PROP_BOOL:
		return "bool";
	case VM_PROP_SIZE:
		return "size";
	case VM_PROP_UINT:
		/* QEMU's integer properties are 16 bits or wider; small ranges are uint32. */
		return p->max > UINT8_MAX && p->max <= UINT16_MAX ? "uint16" :
		       p->max <= UINT32_MAX ? "uint32" : "uint64";
	}
	return "str";
}

/* One line: "  name=<type>" padded to 24 columns, " - description (default: x)". */
static void print_prop(const struct vm_device *dev, const struct vm_prop *p)
{
	const char *base = (const char *)dev, *desc = desc_of(p->name);
	char head[80], def[40] = "";
	int n;

	switch (p->kind) {
	case VM_PROP_BOOL:
		snprintf(def, sizeof(def), "%s", *(const bool *)(base + p->off) ? "true" : "false");
		break;
	case VM_PROP_UINT:
	case VM_PROP_SIZE: {
		uint64_t v = *(const uint64_t *)(base + p->off);

		/* Out of range: "not set" (bootindex, nr), which has no default to show. */
		if (v >= p->min && v <= p->max)
			snprintf(def, sizeof(def), "%llu", (unsigned long long)v);
		break;
	}
	case VM_PROP_BUSID:
	case VM_PROP_STR:
		break;
	}
	n = snprintf(head, sizeof(head), "  %s=<%s>", p->name, type_name(p));
	if (!*desc && !*def) {
		printf("%s\n", head);
		return;
	}
	printf("%s%*s - %s", head, n < 24 ? 24 - n : 0, "", desc);
	if (*def)
		printf(" (default: %s)", def);
	printf("\n");
}

static int cmp_prop(const void *a, const void *b)
{
	return strcmp((*(const struct vm_prop *const *)a)->name,
		      (*(const struct vm_prop *const *)b)->name);
}

static int device_help(const char *name)
{
	const struct vm_device_type *type = vm_device_type_find(name);
	const struct vm_prop *all[64], *tp;
	struct vm_config cfg = { 0 };
	struct vm_device *dev;
	struct vm_kvlist l;
	unsigned int i, nr = 0, nr_tp = 0;

	if (!type) {
		vm_error("-device", "unknown device type '%s' (try -device help)", name);
		return -1;
	}
	/* A device built with no properties holds every default, as the parser sets them. */
	if (vm_kv_parse("-device", type->name, "driver", &l))
		return -1;
	dev = vm_device_new(&cfg, "-device", &l);
	vm_kv_free(&l);
	if (!dev)
		return -1;
	if (type->device_id) {
		tp = vm_transport_props(&nr_tp);
		for (i = 0; i < nr_tp && nr < VCCW_ARRAY_SIZE(all); i++)
			all[nr++] = &tp[i];
	}
	for (i = 0; i < type->nr_props && nr < VCCW_ARRAY_SIZE(all); i++)
		all[nr++] = &type->props[i];
	qsort(all, nr, sizeof(all[0]), cmp_prop);
	printf("%s options:\n", type->name);
	for (i = 0; i < nr; i++)
		print_prop(dev, all[i]);
	vm_device_free(dev);
	return 1;
}

int vm_device_help_arg(const char *arg)
{
	const char *comma = strrchr(arg, ',');
	char name[128];
	size_t len;

	if (!comma || (strcmp(comma + 1, "help") && strcmp(comma + 1, "?")))
		return 0;
	len = (size_t)(comma - arg);
	if (len >= sizeof(name)) {
		vm_error("-device", "unknown device type '%.*s' (try -device help)", (int)len, arg);
		return -1;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	/* "driver=TYPE,help" as well as "TYPE,help"; other properties before help are ignored. */
	if (!strncmp(name, "driver=", 7))
		memmove(name, name + 7, len - 6);
	name[strcspn(name, ",")] = '\0';
	return device_help(name);
}
