/* SPDX-License-Identifier: MIT */
/*
 * vccw-vm internals: the parsed configuration (what the command line asked for), the
 * machine built from it (guest RAM, the channel subsystem, devices, vCPUs), and the
 * interfaces between the machine's files. Nothing here is seen outside machine/.
 *
 * Life of a run: vm_parse_args() fills struct vm_config and checks each option on its
 * own; vm_config_check() resolves references between options (drive=, chardev=,
 * netdev=, device numbers); vm_backends_open() opens files and sockets; only then are
 * guest RAM, the css, the devices and the vCPU threads created. Every failure up to and
 * including the backends (and the -qmp socket) is a configuration error: a message
 * naming the option, exit status 2, and no thread started. While the machine runs, the
 * QMP monitor thread (vm-qmp.c) may add and remove devices (vm-hotplug.c) under
 * vm->dev_lock, with the same parser and device table as the command line.
 */
#ifndef VM_INT_H
#define VM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "ipl.h"
#include "native-host.h"
#include "netdev.h"
#include "vccw/be-blk.h"
#include "vccw/be-char.h"
#include "vccw/be-net.h"
#include "vccw/css.h"
#include "vccw/poll.h"
#include "vccw/mem.h"
#include "vccw/virtio-ccw.h"
#include "vccw/virtio.h"

#define VM_NAME "vccw-vm"
/* -append: Linux's s390 parameter area holds 896 bytes with the NUL (QEMU's legacy size). */
#define VM_APPEND_MAX 896u
/* vccw-vm's own release; the monitor names it in the "package" of its version. */
#define VM_VERSION "0.1.0"
/*
 * The QEMU release whose command line and QMP vccw-vm follows: the monitor's greeting
 * and query-version report it as the "qemu" version, so that clients which check the
 * version (libvirt wants 4.2 or later) accept the monitor.
 */
#define VM_QEMU_MAJOR 7
#define VM_QEMU_MINOR 2
#define VM_QEMU_MICRO 0
#define VM_EXIT_CONFIG 2

#define VM_MEM_DEFAULT (UINT64_C(128) << 20)
#define VM_MEM_MIN (UINT64_C(4) << 20)
#define VM_MEM_MAX (UINT64_C(64) << 30)
#define VM_MAX_CPUS 64
/* Guest program image and lowcore live below this; guest_alloc() starts here. */
#define VM_HEAP_START (UINT64_C(1) << 20)

/* Lowcore fields the machine stores on interruptions (PoP figure 3-?, absolute, prefix 0). */
#define VM_LC_SUBCHANNEL_ID 0xb8
#define VM_LC_IO_INT_PARM 0xbc
#define VM_LC_IO_INT_WORD 0xc0
#define VM_LC_MCCK_CODE 0xe8
/* Machine-check interruption code of a channel-report-pending machine check (CP bit). */
#define VM_MCIC_CHANNEL_REPORT UINT64_C(0x0040000000000000)

/* ---- Command-line property lists: "key=value,key=value" (QEMU QemuOpts syntax) ---- */

struct vm_kv {
	char *key;
	char *val;
	bool used; /* consumed by a parser: anything left over is an unknown property */
};

struct vm_kvlist {
	struct vm_kv *kv;
	unsigned int nr;
};

/*
 * Split @str into key=value pairs; ",," stands for a comma inside a value. A first
 * element without '=' gets the key @implied (NULL: such an element is an error).
 * @what names the option in messages. Returns 0, or -1 after printing the error.
 */
int vm_kv_parse(const char *what, const char *str, const char *implied, struct vm_kvlist *out);
void vm_kv_free(struct vm_kvlist *l);
/* The value of @key (marked used), or NULL. */
const char *vm_kv_get(struct vm_kvlist *l, const char *key);
/* Print an error for the first property no parser used. Returns 0 or -1. */
int vm_kv_check_unused(const char *what, const struct vm_kvlist *l);
/* on/off/yes/no/true/false. Returns 0, or -1 after printing the error. */
int vm_parse_bool(const char *what, const char *key, const char *val, bool *out);
/* Decimal (or 0x hex) integer in [@min, @max]. Returns 0, or -1 after printing the error. */
int vm_parse_uint(const char *what, const char *key, const char *val, uint64_t min,
		  uint64_t max, uint64_t *out);
/*
 * QEMU's rule for IDs: a letter, then letters, digits, '-', '.', '_'; and at most
 * VM_ID_MAX characters (QEMU sets no bound; a monitor client must not make us keep
 * arbitrarily long names).
 */
#define VM_ID_MAX 127
bool vm_id_valid(const char *id);

/*
 * Print "vccw-vm: @what: <message>" on stderr, or, while the calling thread captures
 * errors (vm_error_capture()), keep "@what: <message>" in the capture buffer instead:
 * the first error of a request is the one a monitor reply carries.
 */
void vm_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Send the calling thread's vm_error() messages to @buf (@len bytes, emptied here)
 * instead of stderr; NULL goes back to stderr. Context: per thread (the monitor).
 */
void vm_error_capture(char *buf, size_t len);
/*
 * The same error in QEMU's words ("Duplicate device ID 'x'"), for the monitor's reply:
 * kept, the first one of a request, while the calling thread captures it
 * (vm_error_capture_qmp()); otherwise nothing. Call it beside vm_error().
 */
void vm_error_qmp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send the calling thread's vm_error_qmp() text to @buf (emptied here); NULL: stop. */
void vm_error_capture_qmp(char *buf, size_t len);
/*
 * Print "vccw-vm: <message>" on stderr (@fmt ends with its own newline), after the
 * prefix -msg asks for (vm_msg_prefix()). vm_error() prints the same prefix.
 */
void vm_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* -msg: the time stamp and guest name before a message on @f, as QEMU prints them. */
void vm_msg_prefix(FILE *f);
/* -name's guest name, for -msg guest-name=on (copied; NULL forgets it). */
void vm_msg_set_guest_name(const char *name);
/* Append @key=@val to @l (copies both). */
void vm_kv_add(struct vm_kvlist *l, const char *key, const char *val);

/* ---- Configuration ---- */

/* What a storage node is (machine/config/blockdev.c): QEMU's block driver names. */
enum vm_blk_driver {
	VM_BLK_RAW,   /* -drive format=raw (default), -blockdev driver=raw over a file= node */
	VM_BLK_FILE,  /* -blockdev driver=file: a host file or block device */
	VM_BLK_QCOW2, /* format=qcow2 / driver=qcow2: served by a qemu-nbd we start */
	VM_BLK_NBD,   /* driver=nbd, file=nbd://..., nbd+unix://... */
};

struct vm_drive {
	char *what; /* "-drive id=disk0" for messages */
	char *id;
	char *file; /* host file; NULL for NBD nodes and format nodes over a file= node */
	bool readonly;
	/* Storage node options (machine/config/blockdev.c). */
	enum vm_blk_driver driver;
	struct vm_drive *child;  /* format node: its file= node (owned if child_owned) */
	bool child_owned;        /* an inline file.driver=... child, freed with this node */
	struct vm_drive *parent; /* file node: the format node over it */
	bool be_borrowed;        /* @be is the child's (raw over a file node) */
	bool discard_unmap;      /* discard=unmap (QEMU's default: ignore) */
	bool no_flush;           /* cache.no-flush=on */
	bool snapshot;           /* snapshot=on: writes go to a temporary overlay */
	enum vccw_be_blk_detect_zeroes detect_zeroes;
	char *nbd_uri, *nbd_host, *nbd_port, *nbd_socket, *nbd_export;
	enum vccw_be_blk_cache cache; /* -drive cache= (default writeback) */
	enum vccw_be_blk_aio aio;     /* -drive aio= (default threads) */
	bool blockdev; /* a node from QMP blockdev-add: listed by query-block only when used */
	struct vm_device *user;
	struct vccw_be_blk *be; /* opened by vm_backends_open() */
};

enum vm_chardev_kind {
	VM_CHARDEV_NULL,
	VM_CHARDEV_STDIO,
	VM_CHARDEV_FILE,
	VM_CHARDEV_SOCKET,
	VM_CHARDEV_PTY,
};

struct vm_chardev {
	char *what;
	char *id;
	enum vm_chardev_kind kind;
	char *path;       /* file, unix socket; pty: the /dev/pts name once open */
	char *host, *port; /* TCP socket */
	bool server;
	bool wait;        /* server: the machine starts once a client is connected */
	bool append;
	char *logfile;    /* logfile=: output also written there */
	bool logappend;
	bool mux;         /* mux=on: several frontends (config/mux.c) */
	/*
	 * Serialises the backend's users once open: the machine console's writes (a vCPU)
	 * and a monitor on the same mux=on chardev (the monitor thread).
	 */
	pthread_mutex_t lock;
	struct vm_device *user;
	struct vccw_be_char *be;
};

/* -monitor / -mon: a monitor on a chardev (machine/monitor/). */
struct vm_monitor {
	char *chardev_id;
	struct vm_chardev *chardev; /* resolved by vm_chardev_config_check() */
	bool control;               /* mode=control: QMP; else the human monitor */
	bool pretty;
};
#define VM_MAX_MONITORS 8

struct vm_netdev {
	char *what;
	char *id;
	char *type;            /* user, tap, stream, dgram, socket, loopback, none */
	struct vm_kvlist opts; /* the backend's own properties */
	bool hotplugged;       /* from netdev_add: no inherited fd= */
	struct vm_netdev_cfg cfg; /* parsed by vm_netdev_check() (config/netdev.c) */
	struct vm_device *user;
	struct vccw_be_net *be;
};

/* -object iothread (machine/config/iothread.c). */
struct vm_iothread {
	char *id;
	uint32_t poll_max_ns;
	struct vccw_iothread *iot; /* started by vm_backends_open() */
};

struct vm_device_type;

#define VM_PORT_NR_AUTO UINT64_MAX
/* A device without bootindex=; QEMU's bootindex is an int32, -1 meaning none. */
#define VM_BOOTINDEX_NONE UINT64_MAX
#define VM_BOOTINDEX_MAX INT32_MAX

struct vm_device {
	const struct vm_device_type *type;
	char *what; /* "-device virtio-blk-ccw" (with id= when given) */
	char *id;
	unsigned int index; /* position among -device options */
	bool hotplugged;    /* added by device_add */

	/* Properties (see the device table); unset ones keep their defaults. */
	bool has_busid;
	struct vccw_busid busid;
	uint64_t max_revision;
	bool adapter_interrupts; /* off: SET_IND_ADAPTER is rejected (classic fallback) */
	bool strict_read_status; /* on: READ_STATUS only from revision 2 */
	bool ioeventfd;          /* off: notifications served on the vCPU thread */
	uint64_t num_queues;
	uint64_t queue_size;
	bool packed;
	char *serial;
	char *drive_id;
	char *chardev_id;
	char *netdev_id;
	char *mac;
	uint8_t mac_bytes[6];
	uint64_t host_mtu;
	uint64_t max_ports;  /* virtio-serial-ccw: max_ports (QEMU's default 31) */
	uint64_t nr;         /* virtconsole, virtserialport: nr=, VM_PORT_NR_AUTO if unset */
	char *port_name;     /* virtconsole, virtserialport: name= */
	uint64_t stats_interval; /* virtio-balloon-ccw: guest-stats-polling-interval */
	/* virtio-blk-ccw block properties (QEMU's names); 0: default. */
	uint64_t logical_block_size, physical_block_size, min_io_size, opt_io_size;
	uint64_t cyls, heads, secs;
	/*
	 * write-cache=auto|on|off (QEMU's OnOffAuto, default auto): the cache mode the
	 * device starts in and returns to at reset. auto takes the drive's cache mode
	 * (writeback for cache=writeback, none, unsafe; writethrough for cache=writethrough,
	 * directsync), on/off override it. NULL: auto.
	 */
	char *write_cache;
	char *iothread_id; /* virtio-blk-ccw iothread=: every queue on that I/O thread */
	uint64_t bootindex; /* VM_BOOTINDEX_NONE unless bootindex= (virtio-blk-ccw) */

	/* Resolved by vm_config_check(). */
	struct vm_drive *drive;
	struct vm_chardev *chardev;
	struct vm_netdev *netdev;
	struct vm_iothread *iothread;
	struct vm_device *port;   /* virtio-serial-ccw: its first port (then next_port) */
	struct vm_device *bus;    /* virtconsole, virtserialport: its virtio-serial-ccw */
	struct vm_device *next_port;

	/* The running device. */
	void *obj;                           /* struct vccw_blk * ... */
	struct vccw_virtio_dev *vdev;
	struct vccw_virtio_ccw *transport;
	struct vccw_be_net *null_net;        /* a NIC without a netdev */
};

struct vm_program;

struct vm_config {
	uint64_t mem_size;
	unsigned int smp;
	bool no_shutdown;
	bool start_paused; /* -S: the vCPUs wait for the monitor's cont (prelaunch) */
	char *qmp_path; /* -qmp unix:PATH,server=on,wait=off; NULL: no monitor */
	const struct vm_program *program; /* NULL: no guest program, vCPUs stay stopped */
	char *bios_path; /* -bios FILE; NULL: VM_IPL_DEFAULT_BIOS when booting from a disk */
	bool has_loadparm;
	uint8_t loadparm[8]; /* -machine loadparm=, EBCDIC (vm_ipl_loadparm_parse()) */
	char *kernel_path; /* -kernel FILE: an s390x ELF or kernel image, s390x back-end */
	char *initrd_path; /* -initrd FILE, with a kernel image (boot/kernel.h) */
	char *append;      /* -append STRING, with a kernel image */
	/* Lifecycle (config/lifecycle.c): -name, -daemonize, -pidfile, -no-reboot. */
	char *name;         /* -name NAME; NULL: none (query-name answers {}) */
	char *process_name; /* -name ...,process=: the process title (prctl) */
	bool debug_threads; /* -name ...,debug-threads=on: name the vCPU threads */
	bool daemonize;
	char *pidfile;
	bool no_reboot;     /* a guest re-IPL ends vccw-vm (status 0) instead */
	bool nographic;     /* -nographic: no effect, but not with -daemonize (QEMU) */
	/* -machine max-hotplug-devices=N: devices device_add may have plugged at once; 0: default */
	uint64_t max_hotplug;

	struct vm_drive **drives;
	unsigned int nr_drives;
	struct vm_chardev **chardevs;
	unsigned int nr_chardevs;
	struct vm_netdev **netdevs;
	unsigned int nr_netdevs;
	struct vm_device **devices;
	unsigned int nr_devices;

	/* -serial (the machine console) and -monitor / -mon (config/chardev.c). */
	char *serial_id;             /* "" for -serial none */
	struct vm_chardev *serial;   /* resolved; NULL: stdout */
	struct vm_monitor *monitors;
	unsigned int nr_monitors;
	struct vm_iothread **iothreads;
	unsigned int nr_iothreads;
};

/* -object iothread,id=ID[,poll-max-ns=N]. 0, or -1 after vm_error(). */
int vm_opt_object(struct vm_config *cfg, const char *arg);
/* The -object iothread called @id, or NULL. */
struct vm_iothread *vm_iothread_find(const struct vm_config *cfg, const char *id);
/* Start every iothread (0, or -1 printed); stop them (no device may use them any more). */
int vm_iothreads_open(struct vm_config *cfg);
void vm_iothreads_close(struct vm_config *cfg);
void vm_iothreads_free(struct vm_config *cfg);

/* ---- Character devices (config/chardev.c) ---- */

/* -chardev BACKEND,id=ID,...: parsed and added to @cfg. 0, or -1 after vm_error(). */
int vm_chardev_parse(struct vm_config *cfg, const char *arg);
/*
 * A chardev from its property list (key "backend": the kind; "id"; the kind's
 * properties), as -chardev has them; @opt names the source in messages. Returns a new
 * chardev not yet in a configuration, or NULL after vm_error().
 */
struct vm_chardev *vm_chardev_from_kv(const char *opt, struct vm_kvlist *l);
/* Add @c to @cfg (its id unique). 0, or -1 after vm_error() (@c still the caller's). */
int vm_chardev_add(struct vm_config *cfg, struct vm_chardev *c);
void vm_chardev_free(struct vm_chardev *c);
/* -serial, -monitor, -mon. 0, or -1 after vm_error(). */
int vm_serial_parse(struct vm_config *cfg, const char *arg);
int vm_monitor_parse(struct vm_config *cfg, const char *arg);
int vm_mon_parse(struct vm_config *cfg, const char *arg);
/* Resolve -serial and the monitors' chardevs; one frontend each unless mux=on. */
int vm_chardev_config_check(struct vm_config *cfg);
void vm_chardev_config_free(struct vm_config *cfg);
/*
 * Open @c's backend: pty (its name printed as QEMU prints it), TCP and unix sockets,
 * logfile=. A server with wait=on blocks here until its client connects when @may_wait
 * (the command line), and is refused otherwise (chardev-add). Returns the backend, or
 * NULL with @err filled.
 */
struct vccw_be_char *vm_chardev_open(struct vm_chardev *c, bool may_wait, struct vccw_err *err);
/* Close @c's backend (and a pty's kept slave end). */
void vm_chardev_close(struct vm_chardev *c);
/* QEMU's ChardevInfo filename of @c ("unix:PATH,server=on", "pty:/dev/pts/3" ...). */
void vm_chardev_filename(const struct vm_chardev *c, char *buf, size_t len);
struct vm;
/*
 * Write the guest's console output to the machine console: the -serial chardev, or
 * stdout. Waits for room in short steps, asking @stop(@ctx) between them whether to
 * give up (true: the rest is dropped; the native vCPU's check unwinds instead).
 * Context: a vCPU thread.
 */
void vm_serial_write(struct vm *vm, const char *s, size_t len, bool (*stop)(void *ctx),
		     void *ctx);

/*
 * Parse the command line into @cfg (zeroed by the caller). Returns 0; 1 when a help or
 * version request was answered (exit 0); -1 after printing a configuration error.
 */
int vm_parse_args(struct vm_config *cfg, int argc, char **argv);
/* Resolve references between options and check the whole. Returns 0 or -1 (printed). */
int vm_config_check(struct vm_config *cfg);
/* Open drives, chardevs and netdevs. Returns 0 or -1 (printed; nothing left open). */
int vm_backends_open(struct vm_config *cfg);
/* Flush the block backends (so every acknowledged write is stable) and close all. */
/* Flush and close every backend. Returns -1 if a drive could not be flushed. */
int vm_backends_close(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

/* ---- Storage nodes (config/blockdev.c): -blockdev, -drive's storage options ---- */

/*
 * -blockdev: QEMU's key=value form (dotted keys for children: file.driver=file) or its
 * JSON form ('{"driver": ...}'). Adds the node to @cfg->drives. Returns 0, or -1 after
 * vm_error() (QEMU's wording).
 */
int vm_opt_blockdev(struct vm_config *cfg, const char *arg);
/*
 * Build the node @l describes (flattened, dotted keys), named by @what ("-blockdev",
 * "blockdev-add") in messages, looking up file= references in @cfg->drives. Every key
 * must be used. Returns a new node (not added to @cfg, child not yet linked), or NULL
 * after vm_error() and vm_error_qmp(). Context: the caller keeps @cfg->drives stable.
 */
struct vm_drive *vm_blockdev_parse(struct vm_config *cfg, const char *what,
				   struct vm_kvlist *l);
/*
 * JSON object @json (a string, or NULL to use @obj, a json_t *) flattened into @out with
 * dotted keys; booleans become on/off. Types are checked as QEMU's schema does.
 * Returns 0, or -1 after vm_error() / vm_error_qmp().
 */
int vm_blockdev_kv_from_json(const char *what, const char *json, const void *obj,
			     struct vm_kvlist *out);
/*
 * -drive: the storage keys of @l (format, file, driver=nbd and server.*, discard,
 * detect-zeroes, snapshot) into @d. Returns 0, or -1 after vm_error().
 */
int vm_drive_parse_storage(struct vm_drive *d, struct vm_kvlist *l);
/* Link @d to its child (after @d was added). */
void vm_drive_link(struct vm_drive *d);
/*
 * Open @d's backend (and its child's), apply discard= and detect-zeroes=. A file node
 * under a qcow2 node is not opened (qemu-nbd opens the image). Returns 0, or -1 with
 * @err filled.
 */
int vm_drive_open(struct vm_drive *d, struct vccw_err *err);
/*
 * Flush and close @d's backend if it owns one (also an inline child's), unlink it from
 * its child. Returns 0, or the flush's -errno (printed).
 */
int vm_drive_release(struct vm_drive *d);
/* Free @d (after vm_drive_release()) and an inline child; NULL is a no-op. */
void vm_drive_free(struct vm_drive *d);
/* A drive a device may not use (the file of a format node): -1 after vm_error(). */
int vm_drive_check_use(const struct vm_drive *d, const char *what);
/* QEMU's names: "raw", "file", "qcow2", "nbd"; the image's file name or NBD URI. */
const char *vm_drive_format(const struct vm_drive *d);
void vm_drive_filename(const struct vm_drive *d, char *buf, size_t len);

/*
 * Build a device from its property list @l (key "driver": the type; "id"; the type's
 * properties), as -device and the monitor's device_add both do: @opt names the source
 * in messages ("-device", "device_add"). The id must be unique among @cfg->devices.
 * Returns a new device, not yet in @cfg, or NULL after vm_error().
 * Context: vm->dev_lock held once the machine runs.
 */
struct vm_device *vm_device_new(struct vm_config *cfg, const char *opt, struct vm_kvlist *l);
void vm_device_free(struct vm_device *dev);

/* ---- Log and lifecycle (config/log.c, config/lifecycle.c) ---- */

/* -d guest_errors: at most VM_LOG_BURST lines at once, then VM_LOG_RATE a second. */
#define VM_LOG_BURST 10
#define VM_LOG_RATE 10
/* True when guest errors are logged (-d guest_errors, -trace guest_*). */
bool vm_log_guest_errors_on(void);
/* Log one guest error (no newline) through the rate limit. Context: any thread. */
void vm_log_guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At exit: write what the rate limit held back, close the -D file. */
void vm_log_close(void);
/*
 * Before the machine exists: -pidfile (created and locked; 0 or -1 printed). After it
 * runs: -daemonize's parent exits 0 here; the child goes on with stdio on /dev/null.
 */
int vm_life_pidfile(struct vm_config *cfg);
int vm_life_setup(struct vm_config *cfg);
void vm_life_ready(struct vm_config *cfg);
/* At exit: the pid file removed. */
void vm_life_fini(struct vm_config *cfg);
/* What vccw-vm waits for when there is nothing to run (printed once at start). */
void vm_life_report_idle(const struct vm_config *cfg);
/* Name vCPU @index's thread when -name debug-threads=on ("CPU 0/vccw"). */
void vm_life_name_thread(const struct vm_config *cfg, unsigned int index);

/* ---- Device types (vm-devices.c) ---- */

/* What a property stores into struct vm_device. */
enum vm_prop_kind {
	VM_PROP_BUSID,
	VM_PROP_UINT,
	VM_PROP_BOOL,
	VM_PROP_STR,
	VM_PROP_SIZE, /* VM_PROP_UINT with QEMU's size suffixes (k, M, G: powers of 1024) */
};

struct vm_prop {
	const char *name;
	enum vm_prop_kind kind;
	size_t off;            /* offsetof(struct vm_device, field) */
	uint64_t min, max;     /* VM_PROP_UINT, VM_PROP_SIZE */
	bool pow2;             /* VM_PROP_UINT, VM_PROP_SIZE: must be a power of two */
};

struct vm_device_type {
	const char *name;   /* "virtio-blk-ccw" */
	uint16_t device_id; /* virtio device ID; 0 for a port on another device */
	const char *help;
	/* Properties besides the transport's (devno, max_revision, id, packed). */
	const struct vm_prop *props;
	unsigned int nr_props;
	/* Cross-option checks after the whole command line is known. 0 or -1 (printed). */
	int (*check)(struct vm_config *cfg, struct vm_device *dev);
	/* Not for device_add: a port is created with the device it plugs into. */
	bool no_hotplug;
	/* Create the virtio device with @features besides its own. NULL with @err filled. */
	struct vccw_virtio_dev *(*create)(struct vccw_mem *mem, struct vm_device *dev,
					  uint64_t features, struct vccw_err *err);
	void (*destroy)(struct vm_device *dev);
};

/* The device type called @name (or QEMU's alias of it: virtio-blk ...), or NULL. */
const struct vm_device_type *vm_device_type_find(const char *name);
/* The @i-th device type of the table, or NULL past its end (help listings). */
const struct vm_device_type *vm_device_type_at(unsigned int i);
/* QEMU's alias of @type ("virtio-blk" for virtio-blk-ccw), or NULL. */
const char *vm_device_type_alias(const struct vm_device_type *type);
/* Fill @dev's properties from @props (the type name already removed). 0 or -1 (printed). */
int vm_device_parse_props(struct vm_device *dev, struct vm_kvlist *props);
/* -netdev / netdev_add (config/netdev-vm.c): parse the type's properties into nd->cfg;
 * open and close the backend. */
int vm_netdev_check(struct vm_netdev *nd);
int vm_netdev_open(struct vm_netdev *nd);
void vm_netdev_close(struct vm_netdev *nd);
struct vm;
/* HMP info network: QEMU 7.2's lines, each backend followed by its counters (rx/tx
 * packets, bytes, dropped). Returns malloc'd text, or NULL. Takes vm->dev_lock. */
char *vm_netdev_info(struct vm *vm);
/* -netdev help: the backend types, one a line, as QEMU lists them. */
void vm_netdev_help(void);

/* ---- Guest programs (vm-programs.c) ---- */

struct vm_program {
	const char *name;
	int (*main)(void);
	const char *help;
};

/* The built-in program @name, or NULL. */
const struct vm_program *vm_program_find(const char *name);
/* Print the built-in programs (one line each, or a note that there are none). */
void vm_programs_help(void);
/* Run @prog on the calling vCPU thread through the native guest runtime. */
int vm_program_run(const struct guest_native_host *host, const struct vm_program *prog);
/*
 * End the program running on the calling vCPU thread: called from inside an entry point
 * of struct guest_native_host, it unwinds the program and vm_program_run() returns.
 */
void vm_program_stop(void) __attribute__((noreturn));

/*
 * Carry out I/O instruction @opcode (B2xx, as struct guest_native_host numbers them)
 * for the CPU described by @c: @gpr1 is GPR1 (GPR(R1) for CHSC is passed in @addr),
 * @addr the second-operand real address (SCHM: GPR2). Shared by the native vCPU and
 * the s390x back-end. Returns the condition code or program interruption.
 */
enum vccw_insn_rc vm_io_insn(struct vccw_css *css, const struct vccw_cpu *c, uint16_t opcode,
			     uint64_t gpr1, uint64_t addr);

/* ---- Firmware boot (vm-ipl.c; the CPU-independent part is ipl.c) ---- */

/*
 * True when the machine boots firmware from a disk: no -kernel, and -bios or a device
 * with bootindex= (without either, vCPUs stay stopped as they always did).
 */
bool vm_ipl_wanted(const struct vm_config *cfg);
/* Check that a firmware boot can run in this build. 0, or -1 after vm_error(). */
int vm_ipl_config_check(struct vm_config *cfg);
/*
 * -kernel FILE (boot/vm-kernel.c): check that the ELF or the kernel image with -initrd
 * and -append fits the configuration; 0, or -1 after vm_error().
 */
int vm_kernel_config_check(struct vm_config *cfg);

struct vm;
/*
 * The IPL of a firmware boot, once the devices exist: load -bios (or the default) into
 * vm->ipl, give the device with the lowest bootindex the IPLB, copy the firmware into
 * guest RAM and return its start PSW in @psw. Returns 0, or -1 after vm_error().
 */
int vm_ipl_boot(struct vm *vm, struct vm_ipl_psw *psw);
/*
 * Firmware boot on the s390x back-end: vm_ipl_boot(), the CPU created at the firmware's
 * start PSW, DIAGNOSE 0x308 handled by ipl.c. Returns 0, or -1 after printing.
 */
int vm_ipl_cpu_start(struct vm *vm);
/*
 * DIAGNOSE 0x308 on the s390x CPU, handled by ipl.c (also for a -kernel boot, which has
 * no IPLB: store answers "no configuration", a re-IPL loads the kernel again). 0 or -1.
 */
int vm_ipl_diag_install(struct vm *vm);
/* The SCLP console's output on stdout (cpu/cpu-s390x-sclp.c); @opaque is the vm. */
void vm_sclp_stdout_write(void *opaque, const uint8_t *buf, size_t len);
/*
 * The SCLP console's input from stdin, on a thread of its own, unless a -chardev stdio
 * has stdin: 0, or -1 when the thread cannot start. Stopped (and joined) by
 * vm_sclp_input_stop() once the machine is stopping (it sets vm->stop).
 */
int vm_sclp_input_start(struct vm *vm);
void vm_sclp_input_stop(struct vm *vm);
/* Load -kernel FILE into RAM and create the s390x CPU at its first PSW; 0 or -1. */
int vm_kernel_boot(struct vm *vm);
/*
 * Load -kernel FILE (-initrd, -append) into RAM again and set vm->s390x_psw_* to its
 * first PSW, for a system reset. 0, or -1 after vm_error().
 */
int vm_kernel_reload(struct vm *vm);
/*
 * system_reset on the s390x back-end (QEMU's s390_machine_reset() for an external
 * reset): the SCLP's event state, a clear reset of the CPU, the boot images loaded
 * again (-kernel with -initrd and -append, or the firmware with a fresh IPLB for the
 * boot device) and the CPU given their first PSW. The css and the devices are reset by
 * the caller. Returns 0, or -1 when an image cannot be loaded again (printed; the CPU
 * is then left in a disabled wait, as a machine that cannot IPL).
 * Context: vCPU 0's thread, outside the engine.
 */
int vm_boot_system_reset(struct vm *vm);
/*
 * Subsystem reset of the machine (DIAGNOSE 0x308 load normal and re-IPL): the channel
 * subsystem and every virtio-ccw device. The CPU back-end resets the CPU and its SCLP
 * state itself. Context: the vCPU thread inside DIAGNOSE; takes vm->dev_lock (the one
 * place a vCPU does: nothing that holds it waits for a vCPU).
 */
void vm_subsystem_reset(struct vm *vm);
/*
 * A system reset asked for by the guest (a re-IPL of a -kernel boot): as
 * vm_reset_request(), but it returns at once; the vCPU carries the reset out once it
 * is out of the engine. Context: the vCPU thread (inside DIAGNOSE), or any thread.
 */
void vm_reset_post(struct vm *vm);

/* ---- The machine ---- */

struct vm;
struct vm_qmp;

struct vm_cpu {
	struct vm *vm;
	unsigned int index;
	pthread_t thread;
	bool started;
	/* Control state recorded by set_state; read by the vCPU itself and under vm->lock. */
	struct guest_native_cpu_state state;
	bool stopping; /* the machine is ending the guest program (vCPU thread only) */
	int exit_code;
	bool exited; /* the program ended by itself with exit_code */
	struct vccw_poll poll; /* polling for an interruption before sleeping (vCPU thread) */
	uint64_t poll_gen;     /* the generation the poll waits to change */
	/* Under vm->lock: the vCPU honours vm_cpu_pause_point(), and waits in it now. */
	bool pausable;
	bool parked;
};

/* QEMU's RunState names for what query-status reports (qapi/run-state.json). */
enum vm_runstate {
	VM_RUN_PRELAUNCH,      /* -S: not started yet */
	VM_RUN_RUNNING,
	VM_RUN_PAUSED,         /* the monitor's stop */
	VM_RUN_SHUTDOWN,       /* -no-shutdown: the guest ended; system_reset starts over */
	VM_RUN_GUEST_PANICKED, /* -no-shutdown: the guest ended in a failure */
};

struct vm_s390x;
struct vm_drive;
struct vm_chardev;
struct vm_netdev;

/*
 * Tests and fuzz targets only (vccw-vm has none): what a monitor command is about to
 * open on the host, once parsed and checked and before it opens, is handed to these, so
 * that a harness puts a harmless stand-in in its place (an in-memory image, a null
 * chardev, a netdev of kind none). False refuses the command with an error. All three
 * are set. Called under vm->dev_lock.
 */
struct vm_host_guard {
	bool (*drive)(void *opaque, struct vm_drive *d);
	bool (*chardev)(void *opaque, struct vm_chardev *c);
	bool (*netdev)(void *opaque, struct vm_netdev *nd);
	void *opaque;
};

struct vm {
	struct vm_config *cfg;
	struct vccw_mem *mem;
	uint8_t *ram;
	struct vm_sclp *sclp; /* the SCLP of the s390x back-end (cpu/sclp.h) */
	pthread_t sclp_input_thread; /* stdin to the SCLP console (vm_sclp_input_start()) */
	bool sclp_input_running;
	struct vccw_css *css;
	struct vm_cpu *cpus;
	unsigned int nr_cpus;

	/* Wakes vCPUs waiting in take_irq; protects irq_gen and crw_mchk_pending. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t irq_gen;       /* bumped by every css callback; atomic */
	bool crw_mchk_pending;  /* a channel-report machine check is to be presented */
	atomic_bool stop;       /* the machine is shutting down: vCPUs leave the guest */

	/*
	 * Protects the device list (cfg->devices), each device's running objects and the
	 * backends' user links against hot plug from the monitor. Never taken by vCPU or
	 * I/O threads, and never held while taking it from a css callback: order is
	 * dev_lock, then (inside the library) css locks, then lock.
	 */
	pthread_mutex_t dev_lock;

	/* Firmware boot (vm-ipl.c): the firmware image, the IPLB, DIAGNOSE 0x308 state. */
	struct vm_ipl ipl;
	struct vm_s390x *s390x; /* the s390x CPU (cpu-s390x.c), NULL for native programs */
	uint64_t s390x_psw_mask, s390x_psw_addr; /* its first PSW, set by the loader */

	/* Under lock: where the machine is (query-status), and a signal-quiesce pending. */
	enum vm_runstate runstate;
	bool quiesce_pending;
	atomic_bool cpus_run; /* runstate is RUNNING: vm_cpu_pause_point()'s fast path */
	atomic_bool reset_req; /* system_reset asked; vCPU 0 carries it out */
	uint64_t reset_gen;    /* under lock: resets done, for the requester to wait on */

	int done_fd; /* eventfd: vCPU 0's program ended */
	int quit_fd; /* eventfd: the monitor's quit command */
	struct vm_qmp *qmp;
	/* NULL but in tests: the monitor's host resources go through it (see above). */
	const struct vm_host_guard *host_guard;
};

/* Build the machine from @vm->cfg (backends open). 0, or -1 after printing. */
int vm_machine_create(struct vm *vm);
/* Start the vCPU threads. 0, or -1 after printing. */
int vm_cpus_start(struct vm *vm);
/* Ask every vCPU to stop and wait for it. */
void vm_cpus_stop(struct vm *vm);
/* Detach and free devices, then the css and guest RAM. */
void vm_machine_destroy(struct vm *vm);
/*
 * Create @dev's virtio device and plug it into the css; @hotplug reports it to the guest
 * with a channel report (CRW). Returns 0, or -1 after vm_error() with nothing left.
 */
int vm_device_create(struct vm *vm, struct vm_device *dev, bool hotplug);
/* Unplug @dev (with a CRW when @hotplug) and free its virtio device; backends stay. */
void vm_device_destroy(struct vm_device *dev, bool hotplug);

/* ---- Run state: stop, cont, powerdown (vm-runstate.c) ---- */

/* The state the machine starts in: prelaunch with -S, else running. Before the vCPUs. */
void vm_runstate_init(struct vm *vm);
/* QEMU's name of @s ("running", "paused", "guest-panicked" ...). */
const char *vm_runstate_name(enum vm_runstate s);
/* The current run state. Context: any thread; takes vm->lock. */
enum vm_runstate vm_runstate_get(struct vm *vm);
/* True when the vCPUs may run guest code in @s. */
bool vm_runstate_running(enum vm_runstate s);
/*
 * Stop the vCPUs (QMP stop, or the guest's end with -no-shutdown: @to is PAUSED,
 * SHUTDOWN or GUEST_PANICKED) and wait until each pausable vCPU is parked in
 * vm_cpu_pause_point() or waiting for an interruption. Returns true when the machine was
 * running (the caller sends the STOP event). Context: any thread but a vCPU's.
 */
bool vm_runstate_stop(struct vm *vm, enum vm_runstate to);
/*
 * Let the vCPUs run again (QMP cont). Returns 1 when they were stopped (the caller sends
 * RESUME), 0 when they were running, -EBUSY when the state needs a reset first
 * (shutdown: QEMU's "Resetting the Virtual Machine is required").
 */
int vm_runstate_cont(struct vm *vm);
/* After a system reset: a machine that was not running waits in prelaunch, as QEMU. */
void vm_runstate_reset(struct vm *vm);
/*
 * A vCPU's pause point, called between guest instructions (the native vCPU: at every
 * intercept entry point; a CPU back-end: between blocks of guest code). Marks @cpu
 * pausable, and while the machine is not running waits there (parked) until cont or
 * shutdown. Returns false when the machine is shutting down (the caller leaves the
 * guest). Context: @cpu's own thread; takes vm->lock.
 */
bool vm_cpu_pause_point(struct vm_cpu *cpu);
/* @cpu leaves guest code for good (its program ended): a stop no longer waits for it. */
void vm_cpu_unpausable(struct vm_cpu *cpu);
/*
 * system_reset: vCPU 0 leaves the guest program at its next pause point (or at once
 * when the program has ended; the s390x CPU: at its next return from the engine), the
 * css and every device are reset, and the program starts again from its beginning (the
 * s390x CPU: vm_boot_system_reset()); a machine that was not running waits in
 * prelaunch. Returns 0 once the reset is done.
 * Context: any thread but a vCPU's.
 */
int vm_reset_request(struct vm *vm);
/*
 * vCPU 0, its program ended or unwound: wait for a reset request and carry it out
 * (true), or for the machine's end (false). Context: vCPU 0's thread.
 */
bool vm_reset_wait(struct vm *vm);
/*
 * system_powerdown: make the signal-quiesce condition pending for the guest (on s390x
 * the SCLP event "signal quiesce", type 0x1d, that asks the operating system to shut
 * down) and wake the vCPUs. Context: any thread.
 */
void vm_powerdown_request(struct vm *vm);
/*
 * Take the pending signal-quiesce request, once: the CPU back-end presents it to the
 * guest (native: guest_arch_quiesce_pending(); s390x: its SCLP event facility) when
 * this returns true. Context: a vCPU thread; takes vm->lock.
 */
bool vm_powerdown_take(struct vm *vm);

/* ---- Hot plug (vm-hotplug.c) ---- */

/*
 * How many devices device_add may have plugged at a time unless -machine
 * max-hotplug-devices= says otherwise: each is guest-visible state and host threads, and
 * a monitor client must not be able to make the machine grow without bound.
 */
#define VM_HOTPLUG_MAX_DEFAULT 256
#define VM_HOTPLUG_MAX_LIMIT (4u * 65536) /* every subchannel of the four sets */

/*
 * device_add: build a device from @props (as -device), check its references and device
 * number against the running machine, create it with hotplug (the guest gets a CRW)
 * and add it to the machine. Returns 0, or -1 after vm_error() with nothing changed.
 * Context: any thread but a vCPU's; takes vm->dev_lock.
 */
int vm_hotplug_add(struct vm *vm, struct vm_kvlist *props);
/*
 * device_del: unplug the device called @id (CRW), let its in-flight requests end, free
 * it and release its backends for reuse. Returns 0; -ENOENT when no device has that id
 * (nothing printed); -EINVAL after vm_error() when it cannot be deleted alone.
 * Context: as vm_hotplug_add().
 */
int vm_hotplug_del(struct vm *vm, const char *id);

/*
 * Backends added and removed while the machine runs (blockdev-add, chardev-add,
 * netdev_add and their removal). An add takes over @d / @c / @nd (filled as the
 * command line's parser fills them, backend not open yet): it opens the backend and
 * adds it to the configuration. Returns 0; -EEXIST when the id is taken (nothing
 * printed); -1 after vm_error() when the backend cannot be opened. On failure the object
 * is freed. A removal returns 0 (the backend closed, a drive flushed first), -ENOENT for
 * an unknown id, -EBUSY while a device uses it (-ENOTEMPTY: a drive that is the file
 * of another node).
 * Context: any thread but a vCPU's; takes vm->dev_lock.
 */
/* blockdev-add: @l is the node's options as vm_blockdev_kv_from_json() flattens them. */
int vm_hotplug_drive_add(struct vm *vm, struct vm_kvlist *l);
int vm_hotplug_drive_del(struct vm *vm, const char *id);
int vm_hotplug_chardev_add(struct vm *vm, struct vm_chardev *c);
int vm_hotplug_chardev_del(struct vm *vm, const char *id);
int vm_hotplug_netdev_add(struct vm *vm, struct vm_netdev *nd);
int vm_hotplug_netdev_del(struct vm *vm, const char *id);
/* The backend spec vccw_be_char_open() takes for @c ("file:PATH" ...); caller frees. */
char *vm_chardev_spec(const struct vm_chardev *c);
/* The transport's properties (devno, max_revision ...), common to every virtio type. */
const struct vm_prop *vm_transport_props(unsigned int *nr);

/*
 * Call @fn(@dev, @arg) for the device called @id, or with @id NULL for the first device
 * of type @type, under vm->dev_lock (it cannot be unplugged meanwhile).
 * Returns: @fn's value; -ENOENT when there is no such device (nothing called); -EINVAL
 * when the device @id is not of type @type.
 * Context: any thread but a vCPU's; takes vm->dev_lock.
 */
int vm_device_call(struct vm *vm, const char *id, const char *type,
		   int (*fn)(struct vm_device *dev, void *arg), void *arg);

/*
 * announce-self: ask every virtio-net device whose driver accepted GUEST_ANNOUNCE to
 * announce itself (VIRTIO_NET_S_ANNOUNCE and a configuration change). Returns how many
 * were asked. Context: as vm_hotplug_add().
 */
unsigned int vm_announce_self(struct vm *vm);
/* The announcement for one device: true when @dev is a NIC whose driver was asked. */
bool vm_device_announce(struct vm_device *dev);

/* What query-ccw-devices reports about one device. */
struct vm_device_info {
	const char *id;     /* NULL: no id */
	const char *driver; /* the type name */
	struct vccw_busid busid;
	struct vccw_busid schid; /* devno holds the subchannel number */
	bool enabled;       /* the guest enabled the subchannel (PMCW E) */
	int revision;       /* negotiated virtio-ccw revision, -1 none yet */
	const char *port;   /* virtio-serial-ccw: the id of its first port, or NULL */
};

/*
 * Call @fn for each device with a subchannel, in creation order; strings are valid
 * during the call. Context: takes vm->dev_lock; @fn must not plug or unplug.
 */
void vm_hotplug_for_each(struct vm *vm, void (*fn)(const struct vm_device_info *info, void *arg),
			 void *arg);

/* ---- QMP monitor (vm-qmp.c) ---- */

/*
 * Parse "-qmp unix:PATH,server=on,wait=off" (or QEMU's older ",server,nowait"), in
 * config/chardev.c with the other options of monitors. Returns 0, or -1 after vm_error().
 */
int vm_qmp_parse(struct vm_config *cfg, const char *arg);
/*
 * Listen on @path (an existing socket file there is replaced; NULL: no -qmp socket, the
 * monitors of -monitor and -mon only). Returns the monitor, or NULL after printing (a
 * configuration error: exit 2). No thread runs yet.
 */
struct vm_qmp *vm_qmp_open(struct vm *vm, const char *path);
/* Start the monitor thread, serving -qmp and the monitors on chardevs (backends open). */
int vm_qmp_start(struct vm_qmp *qmp);
/*
 * Queue the SHUTDOWN event with @reason ("host-signal", "host-qmp-quit",
 * "guest-shutdown") for every client. Context: any thread; NULL @qmp: no-op.
 */
void vm_qmp_shutdown_event(struct vm_qmp *qmp, const char *reason);
/*
 * Queue event @name for every client, with data {@key: @val} when @key is not NULL
 * (STOP, RESUME, POWERDOWN; GUEST_PANICKED with "action"). Context: any thread; NULL
 * @qmp: no-op.
 */
void vm_qmp_event(struct vm_qmp *qmp, const char *name, const char *key, const char *val);
/*
 * Queue the RESET event: {"guest": true, "reason": "guest-reset"} for a reset the guest
 * asked for (DIAGNOSE 0x308 re-IPL), as QEMU sends it. Context: any thread; NULL @qmp:
 * no-op.
 */
void vm_qmp_guest_reset_event(struct vm_qmp *qmp);
/*
 * Tests: serve the monitors on chardevs as vm_qmp_start() does, but without a thread:
 * the caller runs the monitor's loop itself with vm_qmp_poll(). 0, or -1.
 */
int vm_qmp_start_polled(struct vm_qmp *qmp);
/*
 * Tests: one round of the monitor thread's loop (poll the clients, the -qmp socket and
 * the chardev monitors for up to @timeout_ms, then serve what is ready). Returns how
 * many descriptors were ready (0: nothing to do), or -1 when the monitor was stopped.
 * Context: the thread that called vm_qmp_start_polled(), and no other.
 */
int vm_qmp_poll(struct vm_qmp *qmp, int timeout_ms);
/*
 * Tests: take the connected stream socket @fd (consumed) as a new -qmp client, as if
 * accepted on the -qmp socket (greeting, slots, the reserved slot, the refusal past it).
 * Context: as vm_qmp_poll().
 */
void vm_qmp_add_client(struct vm_qmp *qmp, int fd);
/*
 * A monitor without socket or thread that only vm_qmp_feed() feeds (the QMP fuzz target,
 * tests): commands that open host files or sockets (blockdev-add, chardev-add,
 * netdev_add) are refused on it, unless the machine has a host guard (vm->host_guard).
 * Returns NULL when out of memory or without jansson.
 */
struct vm_qmp *vm_qmp_new_fed(struct vm *vm);
/*
 * Run @len bytes of @buf as one new client's input, on the calling thread: greeting,
 * the JSON stream scanner and the dispatcher exactly as for a -qmp client (in pieces of
 * 4 KiB, as reads deliver them), then the client leaves. What it was sent (greeting,
 * replies, events) is returned in *@out (malloc'd, NUL-terminated, *@out_len bytes;
 * NULL when nothing) when @out is not NULL. Returns 0, or -1 when it could not start.
 */
int vm_qmp_feed(struct vm_qmp *q, const void *buf, size_t len, char **out, size_t *out_len);
/* Send what is queued, stop the thread, close clients and remove the socket; NULL: no-op. */
void vm_qmp_free(struct vm_qmp *qmp);

#endif /* VM_INT_H */
