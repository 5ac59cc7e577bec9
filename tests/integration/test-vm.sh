#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vccw-vm end to end: the command line (every bad option exits 2 with a message naming
# the option, before anything starts; -qmp included), exit statuses, shutdown on signals
# with the disk flushed, the guest's lscss text, and -trace. The QMP monitor and hot plug are
# test-qmp.py's. Prints PASS/FAIL/SKIP lines and, last, the
# summary "N passed, N failed, N skipped" for tests/run-tests.
#
# Usage: test-vm.sh [path/to/vccw-vm]   (default: ../vccw-vm next to this script's copy)
set -u

VM=${1:-${VCCW_VM:-$(dirname "$(readlink -f "$0")")/../vccw-vm}}
T=$(mktemp -d "${TMPDIR:-/tmp}/vccw-vm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }

if [ ! -x "$VM" ]; then
	echo "FAIL setup: $VM is not an executable"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

truncate -s 8M "$T/disk.img"
: > "$T/other.img"
: > "$T/third.img"

has_program() {
	"$VM" -kernel help 2>/dev/null | grep -q "^  $1 "
}

# ---- bad command lines ----

# bad NAME EXPECTED-MESSAGE ARGS...: exit status 2, the message on stderr, nothing on
# stdout, and nothing started: the guest program did not run (it would print), no
# chardev file was created, the disk is untouched.
bad() {
	local name=$1 msg=$2 out err rc
	shift 2
	rm -f "$T/started"
	# Killed after 60 s: an option that hangs (a FIFO opened as a drive did) fails.
	out=$(timeout -s KILL 60 "$VM" -chardev file,id=probe0,path="$T/started" \
		-device virtio-console-ccw,chardev=probe0 -kernel native:hello "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	if [ "$rc" -ne 2 ]; then
		fail "$name" "exit status $rc, expected 2 (stderr: $err)"
	elif [[ $err != *"$msg"* ]]; then
		fail "$name" "message '$err' does not contain '$msg'"
	elif [[ $err != "vccw-vm: "* ]] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
		fail "$name" "expected one line 'vccw-vm: ...', got '$err'"
	elif [ -n "$out" ] || [ -e "$T/started" ]; then
		fail "$name" "something started (stdout '$out')"
	else
		pass "$name"
	fi
}

D="$T/disk.img"
bad cmdline_unknown_option "-frobnicate: unknown option" -frobnicate
bad cmdline_unknown_option_double_dash "--frobnicate: unknown option" --frobnicate
bad cmdline_not_an_option "'disk.img': not an option" disk.img
bad cmdline_missing_argument "-drive: requires an argument" -drive
bad device_unknown_type "-device: unknown device type 'virtio-foo-ccw'" -device virtio-foo-ccw
bad device_no_type "-device: no device type given" -device devno=fe.0.0001
bad devno_css_not_fe "-device virtio-rng-ccw: property 'devno': bus ID 'fd.0.0001'" \
	-device virtio-rng-ccw,devno=fd.0.0001
bad devno_ssid_4 "-device virtio-rng-ccw: property 'devno': bus ID 'fe.4.0001'" \
	-device virtio-rng-ccw,devno=fe.4.0001
bad devno_3_digits "-device virtio-rng-ccw: property 'devno': bus ID 'fe.0.001'" \
	-device virtio-rng-ccw,devno=fe.0.001
bad devno_5_digits "property 'devno': bus ID 'fe.0.00001'" -device virtio-rng-ccw,devno=fe.0.00001
bad devno_not_hex "property 'devno': bus ID 'fe.0.00g1'" -device virtio-rng-ccw,devno=fe.0.00g1
bad devno_duplicate "device number fe.0.0815 is already used by -device virtio-rng-ccw,id=r1" \
	-device virtio-rng-ccw,id=r1,devno=fe.0.0815 -device virtio-balloon-ccw,devno=fe.0.0815
bad devno_clash_with_automatic \
	"fe.0.0001 is already used by -device virtio-rng-ccw (assigned automatically)" \
	-device virtio-rng-ccw -device virtio-balloon-ccw,devno=fe.0.0001
bad device_unknown_property "-device virtio-rng-ccw: unknown property 'speed'" \
	-device virtio-rng-ccw,speed=3
bad device_property_twice "-device virtio-rng-ccw: property 'devno' given twice" \
	-device virtio-rng-ccw,devno=fe.0.0001,devno=fe.0.0002
bad device_max_revision_3 "property 'max_revision': 3 is out of range 0-2" \
	-device virtio-rng-ccw,max_revision=3
bad device_strict_read_status_not_bool "property 'x-strict-read-status': 'maybe' is not on or off" \
	-device virtio-rng-ccw,x-strict-read-status=maybe
bad device_duplicate_id "duplicate device id 'x'" -device virtio-rng-ccw,id=x \
	-device virtio-balloon-ccw,id=x
bad blk_missing_drive "-device virtio-blk-ccw: property 'drive' is required" -device virtio-blk-ccw
bad blk_unknown_drive "-device virtio-blk-ccw: property 'drive' refers to unknown drive 'd9'" \
	-drive file="$D",format=raw,if=none,id=d0 -device virtio-blk-ccw,drive=d9
bad blk_drive_used_twice "property 'drive': drive 'd0' is already used by -device virtio-blk-ccw" \
	-drive file="$D",format=raw,if=none,id=d0 -device virtio-blk-ccw,drive=d0 \
	-device virtio-blk-ccw,drive=d0,id=second
bad blk_serial_too_long "property 'serial'" -drive file="$D",if=none,id=d0 \
	-device virtio-blk-ccw,drive=d0,serial=123456789012345678901
bad blk_num_queues_0 "property 'num-queues': 0 is out of range" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,num-queues=0
# virtio-ccw serves at most 64 virtqueues per device (QEMU: the adapter route limit).
bad blk_num_queues_65 "property 'num-queues': 65 is out of range 1-64" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,num-queues=65
bad blk_iothread_unknown "property 'iothread' refers to unknown iothread 'io9'" \
	-object iothread,id=io0 -drive file="$D",if=none,id=d0 \
	-device virtio-blk-ccw,drive=d0,iothread=io9
bad object_iothread_duplicate_id "duplicate iothread id 'io0'" \
	-object iothread,id=io0 -object iothread,id=io0
bad object_iothread_without_id "-object iothread: property 'id' is required" \
	-object iothread,poll-max-ns=100
bad object_iothread_bad_poll "property 'poll-max-ns': 'fast' is not a number" \
	-object iothread,id=io0,poll-max-ns=fast
bad blk_write_cache_bad_value "property 'write-cache': 'maybe' is not auto, on or off" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,write-cache=maybe
bad object_unknown_type "-object: type 'memory-backend-ram' is not supported (only iothread)" \
	-object memory-backend-ram,id=m0,size=1M
# QEMU's block properties: a power of 2 up to 2 MiB, physical >= logical (a file's
# physical block size is 512, so 4096-byte logical blocks need physical_block_size too).
bad blk_logical_block_size_not_pow2 "property 'logical_block_size': 1000 is not a power of 2" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,logical_block_size=1000
bad blk_logical_block_size_256 "logical_block_size 256 is not a power of 2 between 512" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,logical_block_size=256
bad blk_physical_block_size_4m "property 'physical_block_size': 4194304 is out of range" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,physical_block_size=4M
bad blk_logical_above_physical "logical_block_size > physical_block_size not supported" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,logical_block_size=4k
bad blk_min_io_size_not_multiple "min_io_size must be a multiple of logical_block_size" \
	-drive file="$D",if=none,id=d0 \
	-device virtio-blk-ccw,drive=d0,logical_block_size=4096,physical_block_size=4k,min_io_size=6k
bad blk_size_suffix "property 'opt_io_size': '8x' is not a size" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,opt_io_size=8x
bad blk_heads_0 "heads must be between 1 and 255" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,cyls=10,heads=0,secs=63
bad drive_duplicate_id "-drive id=d0: duplicate drive id 'd0'" \
	-drive file="$D",if=none,id=d0 -drive file="$T/other.img",if=none,id=d0
bad drive_missing_file "-drive id=d0: property 'file' is required" -drive if=none,id=d0
bad drive_no_such_file "-drive id=d0: $T/nonexistent.img" \
	-drive file="$T/nonexistent.img",if=none,id=d0 -device virtio-blk-ccw,drive=d0
bad drive_format_vmdk "format 'vmdk' is not supported (raw or qcow2)" -drive file="$D",format=vmdk,if=none,id=d0
bad drive_if_virtio "if=virtio is not supported" -drive file="$D",if=virtio,id=d0
bad drive_missing_id "-drive: property 'id' is required" -drive file="$D",if=none
bad drive_unknown_property "-drive id=d0: unknown property 'werror'" \
	-drive file="$D",if=none,id=d0,werror=stop
bad drive_bad_cache "-drive id=d0: cache=fast: expected none, writeback" \
	-drive file="$D",if=none,id=d0,cache=fast
bad drive_bad_aio "-drive id=d0: aio=posix: expected threads, io_uring or native" \
	-drive file="$D",if=none,id=d0,aio=posix
bad drive_native_needs_direct "-drive id=d0: aio=native needs cache=none or cache=directsync" \
	-drive file="$D",if=none,id=d0,aio=native
bad drive_bad_readonly "property 'readonly': 'maybe' is not on or off" \
	-drive file="$D",if=none,id=d0,readonly=maybe
bad bootindex_twice "-device virtio-blk-ccw,id=b: The bootindex 1 has already been used" \
	-drive file="$D",if=none,id=d0 -drive file="$T/other.img",if=none,id=d1 \
	-device virtio-blk-ccw,drive=d0,bootindex=1 -device virtio-blk-ccw,id=b,drive=d1,bootindex=1
bad bootindex_negative "property 'bootindex'" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0,bootindex=-2
bad bootindex_not_on_rng "-device virtio-rng-ccw: unknown property 'bootindex'" \
	-device virtio-rng-ccw,bootindex=1
bad loadparm_too_long "-machine: loadparm '123456789' is longer than 8 characters" \
	-machine s390-ccw-virtio,loadparm=123456789
bad loadparm_bad_char "-machine: loadparm: invalid character '_' (ASCII 0x5f)" \
	-machine loadparm=A_B
bad bios_empty "-bios: no file given" -bios ""
# Firmware boot (no -kernel): a -bios that is missing or not a firmware is a
# configuration error too; so is booting firmware without the s390x back-end.
for case in "bios_missing:$T/nonexistent.img:No such file" "bios_not_firmware:$D:neither an s390x ELF"; do
	IFS=: read -r name file msg <<<"$case"
	err=$("$VM" -bios "$file" -drive file="$D",if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0,bootindex=1 2>&1 >/dev/null)
	rc=$?
	if [[ $err == *NO_UNICORN* ]] && [ "$rc" -eq 2 ]; then
		pass "${name}_without_s390x_back_end"
	elif [ "$rc" -eq 2 ] && [[ $err == "vccw-vm: -bios: $file: "*"$msg"* ]]; then
		pass "$name"
	else
		fail "$name" "exit status $rc, stderr '$err'"
	fi
done

# Images (lib/backends/blk/include/vccw/be-blk.h): only regular files and block devices,
# opened without waiting (a FIFO read-only used to hang in open()); whole 512-byte sectors
# (QEMU would round the size up and show the tail; we refuse instead of cutting it
# silently); one writer per image, locked as QEMU locks it.
mkfifo "$T/fifo"
bad drive_fifo_readonly "$T/fifo: not a regular file or block device" \
	-drive file="$T/fifo",if=none,id=d0,readonly=on -device virtio-blk-ccw,drive=d0
bad drive_fifo "$T/fifo: not a regular file or block device" \
	-drive file="$T/fifo",if=none,id=d0 -device virtio-blk-ccw,drive=d0
bad drive_char_device "/dev/null: not a regular file or block device" \
	-drive file=/dev/null,if=none,id=d0,readonly=on -device virtio-blk-ccw,drive=d0
bad drive_directory "$T: not a regular file or block device" \
	-drive file="$T",if=none,id=d0,readonly=on -device virtio-blk-ccw,drive=d0
truncate -s 1000 "$T/odd.img"
bad drive_size_not_sector_multiple "$T/odd.img: size 1000 is not a multiple of 512 bytes" \
	-drive file="$T/odd.img",if=none,id=d0 -device virtio-blk-ccw,drive=d0
bad drive_same_image_two_writers "$D: the image is in use" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0 \
	-drive file="$D",if=none,id=d1 -device virtio-blk-ccw,drive=d1
bad drive_same_image_writer_and_reader "$D: the image is in use" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0 \
	-drive file="$D",if=none,id=d1,readonly=on -device virtio-blk-ccw,drive=d1
ln -s "$D" "$T/link.img"
bad drive_same_image_through_symlink "$T/link.img: the image is in use" \
	-drive file="$D",if=none,id=d0 -device virtio-blk-ccw,drive=d0 \
	-drive file="$T/link.img",if=none,id=d1 -device virtio-blk-ccw,drive=d1
bad mem_suffix "-m: '12X' is not a size" -m 12X
bad mem_zero "-m: 0: guest RAM must be between" -m 0
bad mem_too_big "-m: 100G: guest RAM must be between" -m 100G
bad mem_negative "-m: '-5' is not a size" -m -5
bad mem_unknown_property "-m: unknown property 'slots'" -m 128M,slots=2
bad smp_zero "-smp: property 'cpus': 0 is out of range" -smp 0
bad smp_not_a_number "-smp: property 'cpus': 'many' is not a number" -smp many
bad chardev_unknown_backend "-chardev spicevmc,id=c0: unknown chardev backend 'spicevmc'" \
	-chardev spicevmc,id=c0
bad chardev_missing_path "-chardev file,id=c0: property 'path' is required" -chardev file,id=c0
bad chardev_id_too_long "and have at most 127 characters" \
	-chardev "null,id=a$(printf 'b%.0s' $(seq 1 127))"
bad chardev_wait_client "-chardev socket,id=c0: property 'wait' needs server=on" \
	-chardev socket,id=c0,path="$T/sock",wait=on
bad chardev_reconnect "-chardev socket,id=c0: reconnect= is not supported" \
	-chardev socket,id=c0,path="$T/sock",reconnect=1
bad chardev_two_frontends "used by 2 frontends (a device, -serial, a monitor): that needs mux=on" \
	-chardev null,id=c0 -device virtio-console-ccw,chardev=c0 -serial chardev:c0
bad serial_twice "only one -serial" -serial null -serial null
bad mon_unknown_chardev "-mon: chardev 'nope' not found" -mon chardev=nope
bad chardev_used_twice "property 'chardev': chardev 'c0' is already used by -device virtconsole" \
	-chardev null,id=c0 -device virtio-serial-ccw -device virtconsole,chardev=c0 \
	-device virtio-console-ccw,chardev=c0
bad chardev_unknown "-device virtconsole: property 'chardev' refers to unknown chardev 'c9'" \
	-device virtio-serial-ccw -device virtconsole,chardev=c9
bad virtconsole_without_serial "-device virtconsole: no -device virtio-serial-ccw before it" \
	-chardev null,id=c0 -device virtconsole,chardev=c0
bad virtserialport_nr_0 "-device virtserialport: property 'nr': port 0 is reserved for a virtconsole" \
	-chardev null,id=c0 -device virtio-serial-ccw -device virtserialport,chardev=c0,nr=0
bad virtserialport_nr_taken "property 'nr': port 1 of -device virtio-serial-ccw is taken by -device virtserialport" \
	-chardev null,id=c0 -chardev null,id=c1 -device virtio-serial-ccw \
	-device virtserialport,chardev=c0 -device virtserialport,chardev=c1,nr=1
bad virtserialport_nr_beyond_max_ports "property 'nr': 2 is out of range for -device virtio-serial-ccw (max_ports 2)" \
	-chardev null,id=c0 -device virtio-serial-ccw,max_ports=2 -device virtserialport,chardev=c0,nr=2
bad virtserialport_all_taken "has all its 2 ports taken" -chardev null,id=c0 -chardev null,id=c1 \
	-chardev null,id=c2 -device virtio-serial-ccw,max_ports=2 -device virtconsole,chardev=c0 \
	-device virtserialport,chardev=c1 -device virtserialport,chardev=c2
bad virtio_serial_max_ports_range "property 'max_ports'" -device virtio-serial-ccw,max_ports=32
bad virtconsole_devno "-device virtconsole: unknown property 'devno'" -chardev null,id=c0 \
	-device virtio-serial-ccw -device virtconsole,chardev=c0,devno=fe.0.0001
bad netdev_unknown_type "-netdev frob,id=n0: unknown netdev type 'frob'" -netdev frob,id=n0
bad netdev_tap_script_refused "-netdev tap,id=n0: script=/etc/qemu-ifup: vccw-vm never runs scripts" \
	-netdev tap,id=n0,script=/etc/qemu-ifup
bad netdev_qemu_type_refused "-netdev vde,id=n0: netdev type 'vde' is not supported by vccw-vm" -netdev vde,id=n0
bad netdev_unknown_ref "-device virtio-net-ccw: property 'netdev' refers to unknown netdev 'n9'" \
	-device virtio-net-ccw,netdev=n9
bad netdev_used_twice "property 'netdev': netdev 'n0' is already used" -netdev none,id=n0 \
	-device virtio-net-ccw,netdev=n0 -device virtio-net-ccw,netdev=n0
bad net_bad_mac "property 'mac': '52:54:00:12:34' is not of the form" \
	-device virtio-net-ccw,mac=52:54:00:12:34
bad kernel_missing_file "-kernel: $T/no-such-kernel: No such file or directory" \
	-kernel "$T/no-such-kernel"
# An ELF, but not s390x (vccw-vm itself): neither runnable nor a built-in program.
bad kernel_not_s390x_elf "is neither an s390x ELF (64-bit, big-endian, EM_S390) nor a built-in program" \
	-kernel "$VM"
bad kernel_unknown_program "-kernel: native:nosuch:" -kernel native:nosuch
bad display_gtk "-display: 'gtk' is not supported" -display gtk
bad machine_type "-machine: unknown machine type 'pc'" -machine pc
: > "$T/plain"
# -initrd goes with a kernel image only, -append with any -kernel (QEMU: "only allowed
# with -kernel"): a built-in program reads it, an ELF entered at 0x10000 finds it at 0x10480.
bad initrd_without_kernel_image "-initrd: only with -kernel FILE, an s390 Linux kernel image" \
	-initrd "$T/plain" -kernel native:true
err=$(timeout -s KILL 60 "$VM" -append quiet 2>&1 >/dev/null); rc=$?
if [ "$rc" -eq 2 ] && [ "$err" = "vccw-vm: -append: only with -kernel" ]; then
	pass append_without_kernel
else
	fail append_without_kernel "exit status $rc, stderr '$err'"
fi
# A Linux image ("S390EP" at 0x10008, no limit at 0x10430: 896 bytes) and a longer line.
head -c 70000 /dev/zero >"$T/image"
printf 'S390EP' | dd of="$T/image" bs=1 seek=65544 conv=notrunc 2>/dev/null
long=$(printf 'x%.0s' $(seq 1 896))
if "$VM" -kernel "$T/image" -append "$long" 2>&1 | grep -q "built without the s390x CPU back-end"; then
	skip append_too_long "this vccw-vm has no s390x CPU back-end to take a kernel image"
else
	bad append_too_long "-append: the command line is 897 bytes with its NUL; this kernel takes at most 896" \
		-kernel "$T/image" -append "$long"
fi
# -qmp other than a listening unix socket without wait is a chardev, as in QEMU: a client
# that finds nobody fails at start; QemuOpts' short forms are booleans ("telnet": telnet=on).
# (Not through bad(): chardevs open in order, so its probe file exists by then.)
for case in "qmp_tcp_client_refused|tcp:127.0.0.1:1|-qmp socket,id=compat_monitor1: connect to 127.0.0.1:1: Connection refused" \
	"qmp_unix_client_absent|unix:$T/q.sock|-qmp socket,id=compat_monitor1: chardev socket $T/q.sock: connect: No such file or directory"; do
	IFS='|' read -r name spec msg <<<"$case"
	err=$(timeout -s KILL 60 "$VM" -kernel native:hello -qmp "$spec" 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq 2 ] && [ "$err" = "vccw-vm: $msg" ]; then
		pass "$name"
	else
		fail "$name" "exit status $rc, stderr '$err'"
	fi
done
bad qmp_no_path "-qmp: no socket path given" -qmp unix:,server=on,wait=off
bad qmp_unknown_property "-qmp socket,id=compat_monitor1: unknown property 'telnet'" \
	-qmp unix:"$T/q.sock",server,telnet
bad qmp_trailing_comma "-qmp: trailing comma" -qmp unix:"$T/q.sock",server=on,wait=off,
bad trace_no_match "-trace: 'nosuch_*' matches no trace event" -trace 'nosuch_*'
bad trace_enable_no_match "-trace: 'css_sshc' matches no trace event" -trace enable=css_sshc
bad trace_no_pattern "-trace: no event pattern" -trace enable=
bad trace_unknown_property "-trace: unknown property 'frob'" -trace enable=css_ssch,frob=x
# events= reads a regular file only: /dev/zero never ends, a FIFO never opens.
bad trace_events_device "-trace: events=/dev/zero: not a regular file" -trace events=/dev/zero
head -c 300 /dev/zero | tr '\0' a > "$T/longevents"; echo >> "$T/longevents"
bad trace_events_long_line "-trace: events=$T/longevents:1: line longer than 254 bytes" \
	-trace events="$T/longevents"
bad qmp_bad_bool "-qmp socket,id=compat_monitor1: property 'server': 'maybe' is not on or off" \
	-qmp unix:"$T/q.sock",server=maybe
bad qmp_path_too_long "-qmp: socket path '$T/$(printf 'x%.0s' $(seq 1 120))' is longer than" \
	-qmp unix:"$T/$(printf 'x%.0s' $(seq 1 120))",server,nowait
bad qmp_twice "-qmp: only one QMP monitor is supported" -qmp unix:"$T/q.sock",server,nowait \
	-qmp unix:"$T/q2.sock",server,nowait
# The socket itself is opened only by a vccw-vm built with QMP (libjansson).
if "$VM" -qmp unix:"$T/probe.sock",server,nowait -kernel native:true 2>&1 |
	grep -q "without QMP support"; then
	skip qmp_socket_errors "this vccw-vm was built without QMP support (libjansson)"
else
	bad qmp_no_such_dir "-qmp: $T/nodir/q.sock: No such file or directory" \
		-qmp unix:"$T/nodir/q.sock",server=on,wait=off
	bad qmp_not_a_socket "-qmp: $T/plain exists and is not a socket" \
		-qmp unix:"$T/plain",server,nowait
fi

# ---- good command lines ----

# good NAME EXPECTED-STATUS ARGS...
good() {
	local name=$1 want=$2 rc
	shift 2
	"$VM" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want (stderr: $(cat "$T/err"))"
		return 1
	fi
	if [ -s "$T/err" ]; then
		fail "$name" "unexpected stderr: $(cat "$T/err")"
		return 1
	fi
	pass "$name"
}

good help_exits_0 0 --help
good device_help_exits_0 0 -device help
good kernel_help_exits_0 0 -kernel help

if has_program true; then
	good guest_true_exits_0 0 -kernel native:true
	good guest_false_status_is_vm_status 1 -kernel native:false
	good all_options_accepted 0 -m 256M -smp 2 -nographic -display none \
		-machine s390-ccw-virtio -netdev none,id=n0 \
		-device virtio-net-ccw,netdev=n0,mac=52:54:00:00:00:01,devno=fe.0.0000 \
		-drive file="$D",format=raw,if=none,id=d0,readonly=on \
		-device virtio-blk-ccw,drive=d0,serial=vccw0,num-queues=2,max_revision=1 \
		-drive file="$T/other.img",format=raw,if=none,id=d1 \
		-device virtio-blk-ccw,drive=d1,logical_block_size=4k,physical_block_size=16384 \
		-drive file="$T/third.img",format=raw,if=none,id=d2 \
		-device virtio-blk-ccw,drive=d2,min_io_size=8k,opt_io_size=1M,write-cache=off \
		-chardev file,id=c0,path="$T/console.out" \
		-device virtio-serial-ccw,devno=fe.0.9999 \
		-device virtconsole,chardev=c0 -device virtio-balloon-ccw,devno=fe.1.abcd \
		-device virtio-rng-ccw,packed=on -kernel native:true
	# Two disks of four queues each on one -object iothread: the demo's disk steps pass
	# (it ends with 1: the other devices it looks for are not there).
	truncate -s 4M "$T/io1.img"
	if good blk_iothread_multiqueue_demo 1 -object iothread,id=io0,poll-max-ns=0 \
		-drive file="$T/io1.img",format=raw,if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0,num-queues=4,iothread=io0 \
		-drive file="$T/other.img",format=raw,if=none,id=d1,aio=io_uring \
		-device virtio-blk-ccw,drive=d1,num-queues=4,iothread=io0 -kernel native:demo; then
		if grep -q "ok   virtio-blk: data read back matches" "$T/out" &&
			! grep -q "FAIL virtio-blk" "$T/out"; then
			pass blk_iothread_multiqueue_demo_disk_steps
		else
			fail blk_iothread_multiqueue_demo_disk_steps "$(grep blk "$T/out")"
		fi
	fi
	# blkbench (-kernel native:blkbench, arguments by -append): it ends with 0, moves
	# ops x bs bytes, and every read returned the stamp of the block it asked for (the
	# region is stamped first; after writes, each block written is read back).
	truncate -s 8M "$T/bench.img"
	blkbench() { # NAME OPS BS APPEND DRIVE-OPTS EXTRA-ARGS...
		local name=$1 ops=$2 bs=$3 app=$4 dopts=$5 line want
		shift 5
		if ! good "$name" 0 -drive file="$T/bench.img",format=raw,if=none,id=d0$dopts "$@" \
			-kernel native:blkbench -append "$app ops=$ops bs=$bs"; then
			return
		fi
		line=$(grep "^blkbench: ops " "$T/out")
		want="blkbench: ops $ops bytes $((ops * bs)) time_us "
		if [[ $line != "$want"* ]]; then
			fail "${name}_bytes" "'$line' (expected '$want...')"
		elif ! grep -q "^blkbench: iops [0-9]* bw_kib_s [0-9]* lat_p50_us [0-9]* lat_p99_us [0-9]*$" "$T/out"; then
			fail "${name}_figures" "$(cat "$T/out")"
		elif [[ $app == *randread* ]] && ! grep -qx "blkbench: verify ok $ops" "$T/out"; then
			fail "${name}_verify" "$(tail -1 "$T/out")"
		elif ! grep -q "^blkbench: verify ok [1-9][0-9]*$" "$T/out"; then
			fail "${name}_verify" "$(tail -1 "$T/out")"
		else
			pass "${name}_consistent"
		fi
	}
	blkbench blkbench_randread_qd32 2000 4096 "rw=randread qd=32" "" \
		-device virtio-blk-ccw,drive=d0
	blkbench blkbench_iothread_two_queues 2000 4096 "rw=randread qd=8 queues=2" "" \
		-object iothread,id=io0 -device virtio-blk-ccw,drive=d0,num-queues=2,iothread=io0
	blkbench blkbench_randwrite_io_uring 1000 8192 "rw=randwrite qd=16 queues=2" \
		",aio=io_uring" -object iothread,id=io0 \
		-device virtio-blk-ccw,drive=d0,num-queues=2,iothread=io0
	blkbench blkbench_seqread_64k 300 65536 "rw=read qd=4" "" -device virtio-blk-ccw,drive=d0
	# -append before -kernel reaches the program as well.
	good blkbench_bad_argument 2 -drive file="$T/bench.img",format=raw,if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0 -append "qd=0" -kernel native:blkbench
	good blkbench_more_queues_than_the_disk 2 \
		-drive file="$T/bench.img",format=raw,if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0 -kernel native:blkbench -append "queues=2"
	# write-cache=auto (the default) takes the drive's cache mode, on/off override it:
	# the writeback field the guest reads at start, as qemu-system-s390x 7.2 shows it
	# to the same demo image (cache=writethrough and directsync: writethrough).
	for c in "writeback::writeback" "writethrough::writethrough" "directsync::writethrough" \
		"none::writeback" "unsafe:,write-cache=auto:writeback" \
		"writethrough:,write-cache=on:writeback" "writeback:,write-cache=off:writethrough"; do
		IFS=: read -r dcache wcache want <<<"$c"
		"$VM" -drive file="$T/io1.img",format=raw,if=none,id=d0,cache=$dcache \
			-device virtio-blk-ccw,drive=d0$wcache -kernel native:demo >"$T/out" 2>&1
		if grep -q "geometry .*, $want cache$" "$T/out"; then
			pass "blk_write_cache_${dcache}${wcache//[,=-]/_}_$want"
		else
			fail "blk_write_cache_${dcache}${wcache//[,=-]/_}_$want" \
				"$(grep geometry "$T/out")"
		fi
	done
	# Two read-only drives may share an image (QEMU alike).
	good drive_same_image_two_readers 0 -drive file="$D",if=none,id=d0,readonly=on \
		-device virtio-blk-ccw,drive=d0 -drive file="$D",if=none,id=d1,readonly=on \
		-device virtio-blk-ccw,drive=d1 -kernel native:true
	# A 0-byte image is a disk without sectors, as in QEMU: the machine starts and the
	# guest finds the device.
	: >"$T/zero.img"
	if good drive_zero_size_accepted 0 -drive file="$T/zero.img",if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0,devno=fe.0.0815 -kernel native:lscss; then
		if grep -q "^0.0.0815 .* 3832/02 " "$T/out"; then
			pass drive_zero_size_device_listed
		else
			fail drive_zero_size_device_listed "lscss: $(cat "$T/out")"
		fi
	fi
	if good guest_hello_console 0 -smp 4 -kernel native:hello; then
		if grep -q "hello from the native guest" "$T/out"; then
			pass guest_console_on_stdout
		else
			fail guest_console_on_stdout "stdout was '$(cat "$T/out")'"
		fi
	fi
else
	skip guest_programs "no built-in guest programs in this build"
fi

# ---- signals ----

# Start an idle guest with the disk and a chardev file; the chardev file exists once the
# backends are open, which happens after the shutdown signals are routed to the machine.
start_idle() {
	rm -f "$T/ready"
	timeout -s KILL 60 "$@" -drive file="$D",format=raw,if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0 \
		-chardev file,id=c0,path="$T/ready" -device virtio-console-ccw,chardev=c0 \
		-device virtio-rng-ccw >"$T/out" 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 200); do
		[ -e "$T/ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# vccw-vm under its wrappers (timeout, strace): those do not all pass a signal on.
leaf_pid() {
	local p=$1 c
	while c=$(ps -o pid= --ppid "$p" | head -n 1 | tr -dc 0-9) && [ -n "$c" ]; do
		p=$c
	done
	echo "$p"
}

# signal_test NAME SIGNAL EXPECTED-STATUS [vccw-vm options]
signal_test() {
	local name=$1 sig=$2 want=$3 rc
	shift 3
	if ! start_idle "$VM" "$@"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "$name" "vccw-vm did not come up (stderr: $(cat "$T/err"))"
		return
	fi
	kill -"$sig" "$(leaf_pid "$pid")"
	wait "$pid"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want (stderr: $(cat "$T/err"))"
	elif ! grep -q "terminating on signal" "$T/err"; then
		fail "$name" "no shutdown message (stderr: $(cat "$T/err"))"
	else
		pass "$name"
	fi
}

if has_program idle; then
	signal_test sigterm_clean_exit TERM 0 -smp 2 -kernel native:idle
	signal_test sigint_clean_exit INT 0 -kernel native:idle
	signal_test sighup_clean_exit HUP 0 -kernel native:idle
	signal_test no_shutdown_keeps_program_status TERM 1 -no-shutdown -kernel native:false
else
	skip signals "no built-in idle program in this build"
fi
signal_test sigterm_without_program TERM 0

# The disk is flushed on the way out: fdatasync on the image's fd after the signal.
if ! has_program idle; then
	skip sigterm_flushes_disk "no built-in idle program in this build"
elif ! command -v strace >/dev/null 2>&1; then
	skip sigterm_flushes_disk "strace is not installed"
elif ! strace -o /dev/null true 2>/dev/null; then
	skip sigterm_flushes_disk "strace cannot trace here (ptrace not permitted)"
else
	# LeakSanitizer cannot run under ptrace; the other signal tests cover leaks.
	if start_idle env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -e trace=openat,fdatasync,fsync -o "$T/strace" "$VM" \
		-kernel native:idle; then
		kill -TERM "$(leaf_pid "$pid")"
		wait "$pid"
		rc=$?
		fd=$(grep -F "\"$D\"" "$T/strace" | grep -o '= [0-9]*$' | tail -n 1 | tr -dc 0-9)
		if [ "$rc" -ne 0 ]; then
			fail sigterm_flushes_disk "exit status $rc (stderr: $(cat "$T/err"))"
		elif [ -z "$fd" ] || ! grep -Eq "(fdatasync|fsync)\\($fd\\) += 0" "$T/strace"; then
			fail sigterm_flushes_disk "no fdatasync of the disk's fd '$fd' seen"
		else
			pass sigterm_flushes_disk
		fi
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail sigterm_flushes_disk "vccw-vm did not come up under strace"
	fi
fi

# ---- end to end: the guest's lscss on the demo machine ----

if has_program lscss; then
	expected='Device   Subchan.  DevType CU Type Use  PIM PAM POM  CHPIDs
----------------------------------------------------------------------
0.0.0000 0.0.0000  0000/00 3832/01 yes  80  80  ff   00000000 00000000
0.0.0815 0.0.0001  0000/00 3832/02 yes  80  80  ff   00000000 00000000
0.0.9999 0.0.0002  0000/00 3832/03 yes  80  80  ff   00000000 00000000
0.0.0003 0.0.0003  0000/00 3832/04 yes  80  80  ff   00000000 00000000
0.1.abcd 0.1.0000  0000/00 3832/05 yes  80  80  ff   00000000 00000000'
	if good lscss_demo_machine_exits_0 0 -m 256M -nographic \
		-netdev none,id=net0 -device virtio-net-ccw,netdev=net0,devno=fe.0.0000 \
		-drive file="$D",format=raw,if=none,id=disk0 \
		-device virtio-blk-ccw,drive=disk0,devno=fe.0.0815 \
		-chardev null,id=con0 -device virtio-serial-ccw,devno=fe.0.9999 \
		-device virtconsole,chardev=con0 -device virtio-balloon-ccw,devno=fe.1.abcd \
		-device virtio-rng-ccw -kernel native:lscss; then
		if [ "$(cat "$T/out")" = "$expected" ]; then
			pass lscss_demo_machine_text
		else
			fail lscss_demo_machine_text "got:
$(cat "$T/out")"
		fi
	fi
	if good lscss_max_revision_0_set_2 0 -device virtio-rng-ccw,max_revision=0,devno=fe.2.0042 \
		-kernel native:lscss; then
		if grep -q '^0.2.0042 0.2.0000  0000/00 3832/04 yes' "$T/out"; then
			pass lscss_legacy_device_in_set_2
		else
			fail lscss_legacy_device_in_set_2 "got: $(cat "$T/out")"
		fi
	fi
else
	skip lscss "no built-in lscss program in this build"
fi

# ---- end to end: the guest demo on the ./dev run machine ----

if has_program demo; then
	netdev=user
	if ! "$VM" -netdev user,id=probe -kernel native:true >/dev/null 2>&1; then
		netdev=none # no libslirp in this build: the NIC still works, without a gateway
	fi
	truncate -s 8M "$T/demo-disk.img"
	"$VM" -m 256M -nographic \
		-netdev "$netdev",id=net0 -device virtio-net-ccw,netdev=net0,devno=fe.0.0000 \
		-drive file="$T/demo-disk.img",format=raw,if=none,id=disk0 \
		-device virtio-blk-ccw,drive=disk0,devno=fe.0.0815 \
		-chardev file,id=con0,path="$T/console.out" \
		-device virtio-serial-ccw,devno=fe.0.9999 -device virtconsole,chardev=con0 \
		-device virtio-balloon-ccw,devno=fe.1.abcd -device virtio-rng-ccw \
		-kernel native:demo >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "^demo: all steps passed" "$T/out" && [ ! -s "$T/err" ]; then
		pass demo_all_steps_pass
	else
		fail demo_all_steps_pass "exit status $rc; $(grep -E 'FAIL|steps' "$T/out" |
			tr '\n' ';') stderr: $(cat "$T/err")"
	fi
	# The demo's disk again, through io_uring with the host page cache bypassed
	# (-drive cache=none,aio=io_uring): every step must pass the same way.
	if ! "$VM" -drive file="$T/demo-disk.img",format=raw,if=none,id=p,aio=io_uring \
		-kernel native:true >/dev/null 2>"$T/err"; then
		skip demo_disk_io_uring_cache_none "$(cat "$T/err")"
	else
		truncate -s 8M "$T/uring-disk.img"
		"$VM" -m 256M -nographic \
			-netdev "$netdev",id=net0 -device virtio-net-ccw,netdev=net0,devno=fe.0.0000 \
			-drive file="$T/uring-disk.img",format=raw,if=none,id=disk0,cache=none,aio=io_uring \
			-device virtio-blk-ccw,drive=disk0,devno=fe.0.0815 \
			-chardev file,id=con0,path="$T/console2.out" \
			-device virtio-serial-ccw,devno=fe.0.9999 -device virtconsole,chardev=con0 \
			-device virtio-balloon-ccw,devno=fe.1.abcd -device virtio-rng-ccw \
			-kernel native:demo >"$T/out2" 2>"$T/err"
		rc=$?
		if [ "$rc" -eq 0 ] && grep -q "^demo: all steps passed" "$T/out2" && [ ! -s "$T/err" ]
		then
			pass demo_disk_io_uring_cache_none
		else
			fail demo_disk_io_uring_cache_none "exit status $rc; $(grep -E 'FAIL|steps' \
				"$T/out2" | tr '\n' ';') stderr: $(cat "$T/err")"
		fi
	fi
	if grep -q "^0.0.0815 0.0.0001  0000/00 3832/02 yes" "$T/out" &&
	   grep -q "^0.1.abcd 0.1.0000  0000/00 3832/05 yes" "$T/out" &&
	   grep -q "^0.0.0003 0.0.0003  0000/00 3832/04 yes" "$T/out"; then
		pass demo_lscss_lists_every_device
	else
		fail demo_lscss_lists_every_device "got: $(cat "$T/out")"
	fi
	# Revision fallback and classic indicators, end to end: the guest's drivers must
	# fall back (revision 2 -> 1 -> 0; SET_IND_ADAPTER rejected -> SET_IND) and every
	# step must still pass, with the blocks on the host's disk image.
	for variant in "max_revision=0:revision 0, adapter" "max_revision=1:revision 1, adapter" \
		"x-adapter-interrupts=off:revision 2, classic" \
		"max_revision=0,x-adapter-interrupts=off:revision 0, classic" \
		"max_revision=1,x-strict-read-status=on:revision 1, adapter" \
		"x-strict-read-status=on:revision 2, adapter"; do
		prop=${variant%%:*} want=${variant#*:}
		truncate -s 0 "$T/fb-disk.img"
		truncate -s 8M "$T/fb-disk.img"
		"$VM" -m 256M -nographic -netdev "$netdev",id=net0 \
			-device virtio-net-ccw,netdev=net0,devno=fe.0.0000,$prop \
			-drive file="$T/fb-disk.img",format=raw,if=none,id=disk0 \
			-device virtio-blk-ccw,drive=disk0,devno=fe.0.0815,$prop \
			-chardev null,id=con0 -device virtio-console-ccw,chardev=con0,devno=fe.0.9999,$prop \
			-device virtio-balloon-ccw,devno=fe.1.abcd,$prop -device virtio-rng-ccw,$prop \
			-kernel native:demo >"$T/out" 2>"$T/err"
		rc=$?
		name=demo_fallback_${prop//[=,-]/_}
		# The demo wrote bytes (i * 7 + 13) to sectors 8-15.
		python3 -c 'import sys; d=open(sys.argv[1],"rb").read()[4096:8192]; sys.exit(any(d[i] != (i*7+13) & 255 for i in range(4096)))' "$T/fb-disk.img"
		disk_ok=$?
		if [ "$rc" -eq 0 ] && grep -q "^demo: all steps passed" "$T/out" &&
		   grep -q "virtio-blk: wrote 8 sectors.*$want indicators" "$T/out" && [ "$disk_ok" -eq 0 ]; then
			pass "$name"
		else
			fail "$name" "exit $rc, disk_ok $disk_ok; $(grep -E 'FAIL|steps|wrote' "$T/out" | tr '\n' ';') $(cat "$T/err")"
		fi
	done
	# MULTIPORT end to end in the legacy byte order and with classic indicators: the
	# demo's line reaches the virtconsole's file beside a virtserialport; max_ports=1
	# (no MULTIPORT) is the single-port console.
	for prop in max_revision=0 x-adapter-interrupts=off max_ports=1; do
		rm -f "$T/mp-con.out"
		"$VM" -m 256M -nographic -chardev file,id=mc0,path="$T/mp-con.out" \
			-chardev null,id=mc1 -device virtio-serial-ccw,devno=fe.0.9999,$prop \
			-device virtconsole,chardev=mc0 \
			$([ "$prop" = max_ports=1 ] || echo -device virtserialport,chardev=mc1,name=org.x) \
			-kernel native:demo >"$T/mp.out" 2>"$T/mp.err"
		rc=$?
		name=demo_virtio_serial_${prop//[=,-]/_}
		if grep -q "virtio-console: this line went through the console" "$T/mp-con.out" &&
		   grep -q "^demo: ok   virtio-console" "$T/mp.out"; then
			pass "$name"
		else
			fail "$name" "exit $rc; $(grep -E 'console' "$T/mp.out" | tr '\n' ';') $(cat "$T/mp.err")"
		fi
	done
	if grep -q "virtio-console: this line went through the console" "$T/console.out"; then
		pass demo_virtconsole_reaches_chardev
	else
		fail demo_virtconsole_reaches_chardev "console file: $(cat "$T/console.out")"
	fi
	# What the guest wrote is in the image after the machine is gone.
	if grep -q "virtio-blk: data read back matches" "$T/out" &&
	   [ -n "$(od -An -v -tx1 -j 4096 -N 4096 "$T/demo-disk.img" | tr -d ' 0\n')" ]; then
		pass demo_disk_writes_reach_image
	else
		fail demo_disk_writes_reach_image "sectors 8-15 of the image are still zero"
	fi
	# WRITE_ZEROES and DISCARD from the guest driver, seen in the image: sectors 32-39
	# hold (i * 5 + 3), 40-55 are zero, 56-63 were discarded (a hole where the file
	# system can punch one, else the data stays).
	check_zeroes() {
		python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
pat = bytes((i * 5 + 3) & 255 for i in range(32 * 512))
ok = d[32 * 512:40 * 512] == pat[:8 * 512] and d[40 * 512:56 * 512] == bytes(16 * 512)
tail = d[56 * 512:64 * 512]
ok = ok and (tail == bytes(8 * 512) or tail == pat[24 * 512:])
sys.exit(0 if ok else 1)
PY
	}
	if grep -q "virtio-blk: wrote sectors 32-63, zeroed 40-55 (WRITE_ZEROES, indirect" "$T/out" &&
	   grep -q "virtio-blk: discarded sectors 56-63" "$T/out" && check_zeroes "$T/demo-disk.img"; then
		pass demo_write_zeroes_and_discard_reach_image
	else
		fail demo_write_zeroes_and_discard_reach_image \
			"$(grep -E 'zeroed|discard' "$T/out" | tr '\n' ';')"
	fi
	# virtio-net end to end over -netdev loopback: the guest driver's mergeable receive
	# buffers gather a full frame, and the receive filter it set keeps out a frame to
	# another MAC; at revision 2 and in legacy mode (12-byte header with MRG_RXBUF).
	for rev in 2 0; do
		"$VM" -m 256M -nographic -netdev loopback,id=n0 \
			-device virtio-net-ccw,netdev=n0,max_revision=$rev \
			-kernel native:demo >"$T/out" 2>"$T/err"
		if grep -q "ok   virtio-net: a 1400-byte frame to our MAC came back in 3 receive buffers (MRG_RXBUF)" "$T/out" &&
		   grep -q "ok   virtio-net: a frame to another MAC was filtered" "$T/out"; then
			pass demo_net_loopback_mrg_rxbuf_and_filter_rev$rev
		else
			fail demo_net_loopback_mrg_rxbuf_and_filter_rev$rev \
				"$(grep -E 'virtio-net' "$T/out" | tr '\n' ';') $(cat "$T/err")"
		fi
	done
	# A disk of 4096-byte logical blocks (QEMU's logical_block_size): the demo's
	# requests are whole blocks, the device reports the size and takes them.
	truncate -s 0 "$T/fb-disk.img"
	truncate -s 8M "$T/fb-disk.img"
	"$VM" -m 256M -nographic \
		-drive file="$T/fb-disk.img",format=raw,if=none,id=disk0 \
		-device virtio-blk-ccw,drive=disk0,logical_block_size=4096,physical_block_size=4k \
		-kernel native:demo >"$T/out" 2>"$T/err"
	if grep -q "virtio-blk: blocks of 4096 bytes (physical 4096)" "$T/out" &&
	   ! grep -q "FAIL virtio-blk" "$T/out" && check_zeroes "$T/fb-disk.img"; then
		pass demo_blk_4096_byte_logical_blocks
	else
		fail demo_blk_4096_byte_logical_blocks "$(grep -E 'virtio-blk' "$T/out" | tr '\n' ';')"
	fi
else
	skip demo "no built-in demo program in this build"
fi

# ---- tracing ----

# -trace help lists every event with its category, on stdout, and exits 0.
out=$("$VM" -trace help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE '^  css_ssch +css$' &&
   printf '%s\n' "$out" | grep -qE '^  vccw_set_vq +vccw$' &&
   printf '%s\n' "$out" | grep -qE '^  crw_queue +crw$'; then
	pass trace_help_lists_events
else
	fail trace_help_lists_events "exit $rc: $out"
fi

# Traced lines go to stderr, QEMU's log format PID@SEC.USEC:event fields; the program's
# output and exit status are untouched. -trace repeats; a leading '-' disables.
if has_program lscss; then
	"$VM" -device virtio-rng-ccw,devno=fe.0.0815 -kernel native:lscss -trace 'css_*' \
		-trace enable=irq_queue -trace vccw -trace -css_stsch >"$T/trace.out" 2>"$T/trace.err"
	rc=$?
	line='^[0-9]+@[0-9]+\.[0-9]{6}:'
	if [ "$rc" -ne 0 ]; then
		fail trace_lines_on_stderr "exit $rc: $(head -3 "$T/trace.err")"
	elif ! grep -qE "${line}css_ssch sid=0x10000 orb=0x[0-9a-f]+ cc=0$" "$T/trace.err"; then
		fail trace_lines_on_stderr "no css_ssch line: $(head -3 "$T/trace.err")"
	elif ! grep -qE "${line}irq_queue sid=0x10000 isc=[0-7] intparm=0x[0-9a-f]+$" "$T/trace.err"; then
		fail trace_lines_on_stderr "no irq_queue line"
	elif ! grep -qE "${line}vccw_set_rev dev=fe.0.0815 rev=[0-2] req=[0-2] len=0 rc=(ok|reject)$" \
		"$T/trace.err"; then
		fail trace_lines_on_stderr "no vccw_set_rev line"
	elif grep -qE ':(css_stsch|ccw_cmd|irq_take) ' "$T/trace.err"; then
		fail trace_lines_on_stderr "events not enabled were traced"
	elif grep -vqE "$line" "$T/trace.err"; then
		fail trace_lines_on_stderr "a line not in trace format: $(grep -vE "$line" "$T/trace.err" | head -1)"
	elif grep -q ':css_' "$T/trace.out"; then
		fail trace_lines_on_stderr "trace lines on stdout"
	else
		pass trace_lines_on_stderr
	fi
	# Without -trace, nothing is traced.
	"$VM" -device virtio-rng-ccw -kernel native:lscss >/dev/null 2>"$T/notrace.err"
	if grep -qE '^[0-9]+@' "$T/notrace.err"; then
		fail trace_off_by_default "$(head -1 "$T/notrace.err")"
	else
		pass trace_off_by_default
	fi
else
	skip trace_lines_on_stderr "no built-in lscss program in this build"
fi

# The monitor's trace-event-get-state / trace-event-set-state, as QEMU's: by pattern, and
# what it enables is traced to stderr (a hot plug: subchannel added, CRW queued).
qmp_trace() {
	python3 - "$VM" "$T" <<'PY'
import json, os, socket, subprocess, sys, time
vm, tmp = sys.argv[1], sys.argv[2]
sock = os.path.join(tmp, "trace-qmp.sock")
err = open(os.path.join(tmp, "trace-qmp.err"), "w+")
p = subprocess.Popen([vm, "-qmp", "unix:%s,server=on,wait=off" % sock, "-no-shutdown",
                      "-kernel", "native:idle"], stdout=subprocess.DEVNULL, stderr=err)
try:
    for _ in range(500):
        if os.path.exists(sock):
            break
        time.sleep(0.01)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    f = s.makefile("rw")
    f.readline()
    def cmd(name, args=None):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        f.write(json.dumps(m) + "\n")
        f.flush()
        return json.loads(f.readline())
    def check(cond, what):
        if not cond:
            print("FAIL:", what)
            sys.exit(1)
    cmd("qmp_capabilities")
    r = cmd("trace-event-get-state", {"name": "crw_*"})
    check(r.get("return") == [{"name": n, "state": "disabled", "vcpu": False}
                              for n in ("crw_queue", "crw_lost", "crw_store")], r)
    check(cmd("trace-event-set-state", {"name": "crw_*", "enable": True}) == {"return": {}}, "set")
    check(cmd("trace-event-set-state", {"name": "css_sch_add", "enable": True}) == {"return": {}},
          "set one")
    r = cmd("trace-event-get-state", {"name": "crw_queue"})
    check(r.get("return") == [{"name": "crw_queue", "state": "enabled", "vcpu": False}], r)
    r = cmd("trace-event-get-state", {"name": "nosuch"})
    check(r.get("error", {}).get("desc") == 'unknown event "nosuch"', r)
    r = cmd("trace-event-set-state", {"name": "nosuch", "enable": True})
    check("error" in r, r)
    r = cmd("trace-event-set-state", {"name": "crw_queue"})
    check("error" in r, r)
    r = cmd("device_add", {"driver": "virtio-rng-ccw", "id": "r1", "devno": "fe.0.0042"})
    check(r == {"return": {}}, r)
    cmd("quit")
    p.wait(timeout=10)
    err.seek(0)
    text = err.read()
    check(":css_sch_add sch=fe.0.0000 dev=fe.0.0042 hotplug=1\n" in text, "stderr: " + text)
    check(":crw_queue crw=0x" in text, "stderr: " + text)
finally:
    if p.poll() is None:
        p.kill()
        p.wait()
PY
}
if ! "$VM" -qmp unix:"$T/probe.sock",server=on,wait=off -kernel native:true 2>&1 |
	grep -q "libjansson"; then
	if out=$(qmp_trace 2>&1); then
		pass trace_qmp_get_set_state
	else
		fail trace_qmp_get_set_state "$out"
	fi
else
	skip trace_qmp_get_set_state "vccw-vm built without the QMP monitor"
fi

# ---- s390x code on the s390x CPU back-end (libunicorn) ----

S390X_DIR=$(dirname "$VM")/s390x
# mkelf FILE PADDR MEMSZ: a minimal s390x ELF (64-bit, big-endian, EM_S390) with one
# PT_LOAD segment of MEMSZ bytes at physical address PADDR and no file data.
mkelf() {
	python3 - "$@" <<'PY'
import struct, sys
path, paddr, memsz = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
eh = b"\x7fELF" + bytes([2, 2, 1]) + bytes(9)
eh += struct.pack(">HHIQQQIHHHHHH", 2, 22, 1, paddr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack(">IIQQQQQQ", 1, 7, 0, paddr, paddr, 0, memsz, 4096)
open(path, "wb").write(eh + ph)
PY
}
if "$VM" -kernel "$S390X_DIR/demo.elf" -m 1M 2>&1 | grep -q NO_UNICORN; then
	skip s390x "this vccw-vm has no s390x CPU back-end (built with NO_UNICORN=1)"
elif [ ! -f "$S390X_DIR/demo.elf" ]; then
	skip s390x "$S390X_DIR/demo.elf not built (make guest-s390x)"
else
	# The ELF loader checks every segment against guest RAM before anything starts.
	mkelf "$T/high.elf" 0x7ff00000 0x1000
	bad s390x_elf_segment_beyond_ram "beyond guest RAM" -m 128M -kernel "$T/high.elf"
	mkelf "$T/wrap.elf" 0xfffffffffffff000 0x2000
	bad s390x_elf_segment_wraps "beyond guest RAM" -kernel "$T/wrap.elf"
	head -c 100 "$S390X_DIR/demo.elf" >"$T/short.elf"
	bad s390x_elf_truncated "program header" -kernel "$T/short.elf"
	# Not an ELF: a kernel image to -kernel, as to QEMU (machine/boot/kernel.h), whose
	# "IPL PSW" (the text's bytes 4-7) points far outside RAM: refused before it runs.
	printf 'not an ELF at all, but long enough to read a whole ELF header from it' \
		>"$T/text.elf"
	bad s390x_kernel_text_psw_outside_ram "the IPL PSW's address 0x616e2045 is outside RAM" \
		-kernel "$T/text.elf"

	# The demo's s390x image on the ./dev run machine: every step, lscss, the console
	# port, and a clean stop (disabled wait at ...fff: exit status 0).
	truncate -s 8M "$T/s390x-disk.img"
	timeout 120 "$VM" -m 256M -nographic \
		-netdev "$netdev",id=net0 -device virtio-net-ccw,netdev=net0,devno=fe.0.0000 \
		-drive file="$T/s390x-disk.img",format=raw,if=none,id=disk0 \
		-device virtio-blk-ccw,drive=disk0,devno=fe.0.0815 \
		-chardev file,id=con0,path="$T/s390x-console.out" \
		-device virtio-serial-ccw,devno=fe.0.9999 -device virtconsole,chardev=con0 \
		-device virtio-balloon-ccw,devno=fe.1.abcd -device virtio-rng-ccw \
		-kernel "$S390X_DIR/demo.elf" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "^demo: all steps passed" "$T/out" && [ ! -s "$T/err" ]; then
		pass s390x_demo_all_steps_pass
	else
		fail s390x_demo_all_steps_pass "exit status $rc; $(grep -E 'FAIL|steps' "$T/out" |
			tr '\n' ';') stderr: $(cat "$T/err")"
	fi
	if grep -q "^0.0.0815 0.0.0001  0000/00 3832/02 yes" "$T/out" &&
	   grep -q "^0.1.abcd 0.1.0000  0000/00 3832/05 yes" "$T/out" &&
	   grep -q "^0.0.0003 0.0.0003  0000/00 3832/04 yes" "$T/out" &&
	   grep -q "^0.00   1     -     32    -    0       -" "$T/out"; then
		pass s390x_demo_lscss_lschp
	else
		fail s390x_demo_lscss_lschp "got: $(cat "$T/out")"
	fi
	if grep -q "virtio-console: this line went through the console" "$T/s390x-console.out"; then
		pass s390x_demo_virtconsole_reaches_chardev
	else
		fail s390x_demo_virtconsole_reaches_chardev "console: $(cat "$T/s390x-console.out")"
	fi
	# blkbench's s390x image reads -append at 0x10480 (where QEMU puts it too) and
	# drives two queues of a disk on an iothread.
	if [ -f "$S390X_DIR/blkbench.elf" ]; then
		"$VM" -m 256M -object iothread,id=io0 \
			-drive file="$T/s390x-disk.img",format=raw,if=none,id=disk0 \
			-device virtio-blk-ccw,drive=disk0,num-queues=2,iothread=io0 \
			-kernel "$S390X_DIR/blkbench.elf" -append "qd=4 queues=2 ops=500" \
			>"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -eq 0 ] && grep -q "^blkbench: rw=randread bs=4096 qd=4 queues=2 ops=500 " \
			"$T/out" && grep -q "^blkbench: ops 500 bytes 2048000 " "$T/out" &&
			grep -q "^blkbench: verify ok 500$" "$T/out"; then
			pass s390x_blkbench_append_two_queues
		else
			fail s390x_blkbench_append_two_queues "exit status $rc: $(cat "$T/out" "$T/err")"
		fi
	else
		skip s390x_blkbench "$S390X_DIR/blkbench.elf not built (make guest-s390x)"
	fi
	# A guest that ends with a code: a disabled wait whose address is not ...fff gives
	# that code as the exit status, as the native program's status (lsall returns 1
	# when lscss listed devices).
	"$VM" -device virtio-rng-ccw -kernel native:lsall >/dev/null 2>&1
	want=$?
	timeout 60 "$VM" -device virtio-rng-ccw -kernel "$S390X_DIR/lsall.elf" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && [ "$rc" -ne 0 ] &&
	   grep -q "^0.0.0000 0.0.0000  0000/00 3832/04 yes" "$T/out" &&
	   grep -q "disabled wait, PSW 0x0002000180000000 0x000000000000000$want" "$T/err"; then
		pass s390x_disabled_wait_code_is_exit_status
	else
		fail s390x_disabled_wait_code_is_exit_status "exit $rc (native $want); $(cat "$T/err")"
	fi
	# CSST with storage characteristic 0 stores one byte (PoP); libunicorn 2.0.1 and QEMU
	# 7.2 assert on it, our patched library (patch 0004) runs it: cc 0, status 0.
	timeout 60 "$VM" -drive file="$T/s390x-disk.img",format=raw,if=none,id=d0 \
		-device virtio-blk-ccw,drive=d0 -kernel "$S390X_DIR/csst.elf" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "csst: result 0" "$T/out"; then
		pass s390x_csst_one_byte_store
	else
		fail s390x_csst_one_byte_store "exit $rc; $(cat "$T/err")"
	fi
	# A guest livelocked in an interruption storm (its external new PSW enabled, the CPU
	# timer negative) still lets vccw-vm stop on SIGTERM, with status 0.
	if start_idle "$VM" -kernel "$S390X_DIR/storm.elf"; then
		for _ in $(seq 1 100); do
			grep -q "storm: starting" "$T/out" && break
			sleep 0.05
		done
		sleep 0.3
		kill -TERM "$(leaf_pid "$pid")"
		wait "$pid"
		rc=$?
		if [ "$rc" -eq 0 ] && grep -q "storm: starting" "$T/out" &&
		   grep -q "terminating on signal" "$T/err"; then
			pass s390x_interruption_storm_stops_on_sigterm
		else
			fail s390x_interruption_storm_stops_on_sigterm "exit $rc; $(cat "$T/out" "$T/err")"
		fi
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail s390x_interruption_storm_stops_on_sigterm "did not come up: $(cat "$T/err")"
	fi
	# A load beyond RAM: an addressing exception (code 5, ILC 6), as under QEMU; the
	# guest checks both and ends with status 0.
	timeout 60 "$VM" -kernel "$S390X_DIR/beyondram.elf" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "beyondram: result -5 ilc 6" "$T/out"; then
		pass s390x_access_beyond_ram_addressing_exception
	else
		fail s390x_access_beyond_ram_addressing_exception "exit $rc; $(cat "$T/err")"
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
