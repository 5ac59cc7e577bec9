#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the initramfs for the zipltool check of tests/linux/run: mounts the ext2
# file system on /dev/vda, runs s390-tools' zipl on its /boot (kernel, initrd, the
# command line vccw.zipl_parm_token=T gives: console=ttysclp0 vccw.zipl=T), syncs,
# unmounts and reports "@VCCW zipl-installed rc=N", then powers off.

/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
dmesg -n 1

token=none
for w in $(cat /proc/cmdline); do
	case $w in vccw.zipl_parm_token=*) token=${w#*=} ;; esac
done
for m in $(cat /modules.list); do
	insmod "$m" || echo "@VCCW insmod-failed $m"
done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 600 ]; do
	usleep 50000
	n=$((n + 1))
done
mkdir -p /mnt
if mount -t ext4 /dev/vda /mnt; then
	zipl -V -t /mnt/boot -i /mnt/boot/vmlinuz -r /mnt/boot/initrd \
		-P "console=ttysclp0 vccw.zipl=$token" >/tmp/zipl.log 2>&1
	rc=$?
	sed 's/^/@ZIPL /' /tmp/zipl.log
	umount /mnt
else
	rc=mount-failed
	dmesg | tail -n 3 | sed 's/^/@ZIPL /'
fi
sync
echo "@VCCW zipl-installed rc=$rc"
poweroff -f
