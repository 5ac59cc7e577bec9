#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the Linux test's initramfs (busybox sh, Debian 12's s390x kernel). Runs the
# guest half of every check and reports on the console, one machine-readable line each:
#   @VCCW EVENT ...           a step the host waits for (shell, balloon-wait, hotplug ...)
#   @RESULT NAME PASS|FAIL detail
#   @LSCSS line / @LSCHP line the tools' output, compared by the host with the reference
# The host (tests/linux/run) reads these, drives QMP, and checks the host-side half.
# Parameters come from the kernel command line: vccw.balloon_kb=N (how much the host
# will take with QMP balloon), vccw.hotplug=N (device_add/device_del rounds),
# vccw.lifecycle=1 (a boot for the reset and powerdown checks only).

/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
dmesg -n 1

say() { echo "@VCCW $*"; }
result() { echo "@RESULT $*"; }

param() {
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*) echo "${w#*=}"; return ;; esac
	done
	echo "$2"
}

# The lifecycle boot (vccw.lifecycle=1, tests/linux/run's reset and powerdown checks):
# one line with this boot's id, then idle until the host resets the machine (a new
# boot, a new id) or powers it down (the kernel's sclp_quiesce handles the signal
# quiesce: ctrl-alt-del restarts, which it turned into a quiesce, a disabled wait).
# A line "reboot" on the console makes the guest reboot itself (busybox reboot -f: the
# kernel's re-IPL, DIAGNOSE 0x308 without an IPL device on a -kernel boot).
if [ "$(param vccw.lifecycle 0)" = 1 ]; then
	say lifecycle-ready boot_id=$(cat /proc/sys/kernel/random/boot_id)
	while read -r cmd; do
		[ "$cmd" = reboot ] && say rebooting && reboot -f
	done
	while :; do sleep 1; done
fi

# wait_for SECONDS COMMAND...: run COMMAND every 50 ms until it succeeds.
wait_for() {
	local n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		usleep 50000
	done
}

# (a) the shell on the SCLP console.
if [ -t 0 ] && [ -t 1 ]; then stdio=tty; else stdio=not-a-tty; fi
say shell console=$(cat /sys/class/tty/console/active 2>/dev/null) stdio=$stdio

for m in $(cat /modules.list); do
	insmod "$m" || say insmod-failed "$m"
done

wait_for 30 test -e /sys/class/net/eth0 || say missing eth0
wait_for 30 test -b /dev/vda || say missing vda
wait_for 30 test -c /dev/hvc0 || say missing hvc0
wait_for 30 grep -q virtio /sys/class/misc/hw_random/rng_current || say missing virtio-rng
for d in /sys/bus/ccw/devices/*; do
	wait_for 30 grep -q 1 "$d/online" || say offline "${d##*/}"
done

# (b) s390-tools' lscss and lschp.
lscss >/tmp/lscss 2>&1; rc=$?
sed 's/^/@LSCSS /' /tmp/lscss
say lscss-done rc=$rc
lschp >/tmp/lschp 2>&1; rc=$?
sed 's/^/@LSCHP /' /tmp/lschp
say lschp-done rc=$rc

# (c) virtio-blk: 1 MiB of random data at offset 1 MiB, synced, caches dropped, read back.
dd if=/dev/urandom of=/tmp/pattern bs=4096 count=256 2>/dev/null
want=$(sha256sum </tmp/pattern | cut -d' ' -f1)
dd if=/tmp/pattern of=/dev/vda bs=4096 seek=256 conv=fsync 2>/dev/null
sync
blockdev --flushbufs /dev/vda
echo 3 >/proc/sys/vm/drop_caches
got=$(dd if=/dev/vda bs=4096 skip=256 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$want" = "$got" ]; then
	result blk PASS offset=1048576 len=1048576 sha256=$got
else
	result blk FAIL offset=1048576 len=1048576 sha256=$got wrote=$want
fi

# virtio-rng through the hw_random core.
rng=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
n=$(dd if=/dev/hwrng bs=64 count=4 2>/dev/null | wc -c)
if [ "$n" = 256 ] && [ "${rng#virtio_rng}" != "$rng" ]; then
	result hwrng PASS bytes=$n rng_current=$rng
else
	result hwrng FAIL bytes=$n rng_current=$rng
fi

# virtio-net: a DHCP lease from user networking, then ping the gateway.
cat >/tmp/udhcpc.sh <<'EOF'
#!/bin/sh
case $1 in
bound|renew)
	ifconfig "$interface" "$ip" netmask "$subnet" up
	route add default gw "$router" dev "$interface"
	echo "@VCCW lease ip=$ip router=$router" ;;
esac
EOF
chmod +x /tmp/udhcpc.sh
ifconfig lo 127.0.0.1 up
ifconfig eth0 up
if udhcpc -i eth0 -n -q -t 10 -T 2 -s /tmp/udhcpc.sh >/tmp/udhcpc.log 2>&1; then
	result dhcp PASS $(ip -4 -o addr show dev eth0 | awk '{print $4}')
else
	result dhcp FAIL "$(tail -n 1 /tmp/udhcpc.log)"
fi
if ping -c 3 -W 5 10.0.2.2 >/tmp/ping.log 2>&1; then
	result ping PASS "$(grep -c 'bytes from 10.0.2.2' /tmp/ping.log) replies"
else
	result ping FAIL "$(tail -n 2 /tmp/ping.log | tr '\n' ' ')"
fi

# virtio-console: a line on hvc0, which the host finds in its chardev's file.
if echo "vccw linux test: hello on hvc0" >/dev/hvc0; then
	say hvc0-written
else
	result hvc0 FAIL write
fi

# virtio-balloon: the host sets the target with QMP balloon once it reads balloon-wait;
# MemTotal must drop by (about) what the balloon took.
take=$(param vccw.balloon_kb 65536)
before=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
say balloon-wait memtotal=$before
want=$((before - take * 9 / 10))
memtotal_below() { [ "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" -le "$1" ]; }
if wait_for 120 memtotal_below $want; then
	result balloon PASS before=$before after=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
else
	result balloon FAIL before=$before after=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
fi

# (d) hot plug: the host adds virtio-rng-ccw at fe.0.4243, the guest sees it in sysfs
# and in lscss, the host deletes it, the guest sees it go; N rounds.
rounds=$(param vccw.hotplug 100)
dev=/sys/bus/ccw/devices/0.0.4243
present() { [ -e $dev ] && grep -q 1 $dev/online; }
absent() { [ ! -e $dev ] && ! lscss | grep -q '^0\.0\.4243'; }
say hotplug-start rounds=$rounds
i=1
ok=0
while [ $i -le "$rounds" ]; do
	if ! wait_for 60 present; then
		say hp-add-timeout $i
		break
	fi
	line=$(lscss | grep '^0\.0\.4243')
	say "hp-added $i $line"
	if ! wait_for 60 absent; then
		say hp-del-timeout $i
		break
	fi
	say hp-removed $i
	ok=$i
	i=$((i + 1))
done
if [ "$ok" = "$rounds" ]; then
	result hotplug PASS rounds=$ok
else
	result hotplug FAIL rounds=$ok/$rounds
fi

say done
sync
poweroff -f
