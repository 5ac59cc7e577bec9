#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_cmdline.c: vccw-vm command lines, one argument a line,
# using every option and every -device/-drive/-netdev/-chardev property, valid ones and
# ones each check refuses. Run: tests/fuzz/make-seeds-cmdline.py DIR
import sys

seeds = {
    "full": ["-m", "256M", "-smp", "2", "-machine", "s390-ccw-virtio", "-nographic",
             "-display", "none", "-no-shutdown", "-kernel", "native:hello",
             "-drive", "file=disk.img,format=raw,if=none,id=d0,readonly=on",
             "-device", "virtio-blk-ccw,drive=d0,devno=fe.0.0001,serial=abc,num-queues=2,"
             "queue-size=128,max_revision=1,id=blk0,packed=on",
             "-chardev", "socket,id=c0,path=sock,server=on,wait=off",
             "-device", "virtio-serial-ccw,devno=fe.1.0002", "-device", "virtconsole,chardev=c0",
             "-chardev", "file,id=c1,path=out.txt",
             "-device", "virtio-console-ccw,chardev=c1",
             "-netdev", "stream,id=n0,addr.type=unix,addr.path=nsock", "-device",
             "virtio-net-ccw,netdev=n0,mac=52:54:00:12:34:56,host_mtu=1500",
             "-netdev", "user,id=n1,restrict=on", "-netdev", "tap,id=n2,ifname=tap0",
             "-netdev", "loopback,id=n3", "-netdev", "none,id=n4",
             "-device", "virtio-rng-ccw", "-device", "virtio-balloon-ccw,devno=fe.3.ffff",
             "-qmp", "unix:qmp.sock,server=on,wait=off", "-trace", "css_*",
             "-trace", "enable=-css_ssch"],
    "netdevs": ["-netdev", "user,id=u0,net=10.0.5.0/24,host=10.0.5.2,dns=10.0.5.3,"
                "dhcpstart=10.0.5.20,restrict=off,hostname=g,domainname=d.example,"
                "hostfwd=tcp:127.0.0.1:5555-:22,hostfwd=udp::6000-10.0.5.20:7,ipv4=on",
                "-netdev", "tap,id=t0,ifname=tap0,script=no,downscript=no,vhost=off",
                "-netdev", "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,"
                "addr.port=5000",
                "-netdev", "dgram,id=g0,local.type=inet,local.host=127.0.0.1,local.port=6,"
                "remote.type=inet,remote.host=127.0.0.1,remote.port=7",
                "-netdev", "socket,id=k0,listen=:5001", "-netdev", "socket,id=k1,"
                "udp=127.0.0.1:5,localaddr=127.0.0.1:6"],
    "bad-netdevs": ["-netdev", "user,id=u,hostfwd=tcp::x-:22", "-netdev",
                    "tap,id=t,fd=3,ifname=x", "-netdev", "stream,id=s,addr.type=vsock",
                    "-netdev", "dgram,id=g,remote.type=inet,remote.host=230.0.0.1,"
                    "remote.port=5", "-netdev", "socket,id=k,mcast=230.0.0.1:5"],
    "sizes": ["-m", "4G", "-m", "0x10000000", "-m", "3", "-smp", "64"],
    "bad-sizes": ["-m", "18446744073709551615G"],
    "bad-smp": ["-smp", "65"],
    "dup-devno": ["-device", "virtio-rng-ccw,devno=fe.0.0005", "-device",
                  "virtio-rng-ccw,devno=fe.0.0005"],
    "auto-devno": ["-device", "virtio-rng-ccw,devno=fe.0.0000", "-device", "virtio-rng-ccw",
                   "-device", "virtio-balloon-ccw,devno=fe.0.0001"],
    "bad-devno": ["-device", "virtio-rng-ccw,devno=fe.4.0001"],
    "unknown-drive": ["-device", "virtio-blk-ccw,drive=nope"],
    "drive-twice": ["-drive", "file=a,if=none,id=d", "-device", "virtio-blk-ccw,drive=d",
                    "-device", "virtio-blk-ccw,drive=d"],
    "bad-drive": ["-drive", "file=a,format=qcow2,if=virtio,id=1d,cache=none"],
    "commas": ["-drive", "file=a,,b,,,if=none,id=d", "-chardev", "file,id=x,path=,,"],
    "bad-mac": ["-netdev", "none,id=n", "-device", "virtio-net-ccw,netdev=n,mac=01:00:00:00:00:00"],
    "chardev-shared": ["-chardev", "null,id=c", "-device", "virtio-console-ccw,chardev=c",
                       "-device", "virtio-console-ccw,chardev=c"],
    "virtconsole-alone": ["-chardev", "stdio,id=c", "-device", "virtconsole,chardev=c"],
    "help": ["-device", "help"],
    "kernel-help": ["-kernel", "help"],
    "trace-help": ["-trace", "help"],
    "version": ["--version"],
    "unknown": ["-bogus"],
    "missing-arg": ["-m"],
    "not-option": ["file"],
    "qmp-twice": ["-qmp", "unix:a,server=on,wait=off", "-qmp", "unix:b,server=on,wait=off"],
    "qmp-bad": ["-qmp", "tcp:1234"],
    "props-unknown": ["-device", "virtio-rng-ccw,bogus=1,id=", "-device", "virtio-blk-ccw,queue-size=3"],
    "blockdev-two-node": ["-blockdev", "driver=file,filename=a.img,node-name=f0,cache.direct=on,"
                          "aio=native,discard=unmap,detect-zeroes=unmap",
                          "-blockdev", "driver=raw,file=f0,node-name=d0,read-only=on",
                          "-device", "virtio-blk-ccw,drive=d0"],
    "blockdev-json": ["-blockdev", '{"driver":"qcow2","node-name":"q","file":{"driver":"file",'
                      '"filename":"a.qcow2","cache":{"no-flush":true}},"read-only":false}',
                      "-blockdev", '{"driver":"nbd","node-name":"n","server":{"type":"inet",'
                      '"host":"h","port":"1"},"export":"e"}'],
    "drive-storage": ["-drive", "file=nbd+unix:///e?socket=s,if=none,id=a,discard=unmap",
                      "-drive", "driver=nbd,server.type=unix,server.path=s,if=none,id=b",
                      "-drive", "file=x.qcow2,format=qcow2,if=none,id=c,snapshot=on,"
                      "detect-zeroes=on"],
}
for name, args in seeds.items():
    with open(f"{sys.argv[1]}/{name}", "w") as f:
        f.write("\n".join(args))
