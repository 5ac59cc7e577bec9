#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the Linux test's initramfs (a newc cpio archive, uncompressed) from an extracted
Debian s390x tree, without cpio(1) or root:

    mkinitramfs.py ROOT KVER INIT OUT MODULE...

ROOT is the directory that dpkg-deb -x filled (kernel, busybox-static, s390-tools, libc6);
KVER the kernel's release (lib/modules/KVER); INIT the /init script. Each MODULE (a name
such as virtio_net) is copied with every module it depends on, found in the .modinfo
section of the .ko (Debian ships no modules.dep in the package: depmod writes it at
install time); /modules.list names them in load order for /init's insmod loop.
"""
import os
import stat
import struct
import sys


class Cpio:
    """newc ('070701') writer: every header field is 8 hex digits, names and data padded
    to 4 bytes, closed by the TRAILER!!! entry."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.out += hdr.encode() + name_b
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p and p not in self.names:
                self.names.add(p)
                self._entry(p, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        if path in self.names:
            raise SystemExit("mkinitramfs: %s twice" % path)
        self.names.add(path)
        self._entry(path, stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.names.add(path)
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def node(self, path, kind, major, minor, mode=0o600):
        # Character device (console must exist before devtmpfs is mounted).
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.names.add(path)
        name_b = path.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            self.ino, kind | mode, 0, 0, 1, 0, 0, 0, 0, major, minor, len(name_b), 0))
        self.ino += 1
        self.out += hdr.encode() + name_b
        self.out += b"\0" * (-len(self.out) % 4)

    def finish(self):
        self._entry("TRAILER!!!", 0, nlink=1)
        self.out += b"\0" * (-len(self.out) % 512)
        return bytes(self.out)


def modinfo(path):
    """The key=value strings of a module's .modinfo section (64-bit ELF, either order)."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        raise SystemExit("mkinitramfs: %s: not a 64-bit ELF module" % path)
    e = ">" if elf[5] == 2 else "<"
    shoff, = struct.unpack_from(e + "Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", elf, 0x3a)

    def sh(i):
        return struct.unpack_from(e + "IIQQQQIIQQ", elf, shoff + i * shentsize)
    strtab = sh(shstrndx)
    for i in range(shnum):
        s = sh(i)
        name_off = strtab[4] + s[0]
        name = elf[name_off:elf.index(b"\0", name_off)]
        if name == b".modinfo":
            raw = elf[s[4]:s[4] + s[5]]
            info = {}
            for item in raw.split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    info.setdefault(k, v)
            return info
    return {}


def module_index(moddir):
    """name -> path of every .ko under moddir (names with - and _ alike)."""
    index = {}
    for dirpath, _, files in os.walk(moddir):
        for fn in files:
            if fn.endswith(".ko"):
                index[fn[:-3].replace("-", "_")] = os.path.join(dirpath, fn)
            elif fn.endswith((".ko.xz", ".ko.zst", ".ko.gz")):
                # Debian 12 ships uncompressed modules (CONFIG_MODULE_COMPRESS_NONE);
                # busybox insmod could not load a compressed one, so say so here.
                raise SystemExit("mkinitramfs: %s is compressed; this builder expects "
                                 "plain .ko files" % fn)
    return index


def load_order(index, wanted):
    order, seen = [], set()

    def visit(name, chain):
        key = name.replace("-", "_")
        if key in seen:
            return
        if key in chain:
            raise SystemExit("mkinitramfs: dependency loop at %s" % name)
        if key not in index:
            raise SystemExit("mkinitramfs: module %s not in the kernel package" % name)
        deps = modinfo(index[key]).get("depends", "")
        for d in filter(None, deps.split(",")):
            visit(d, chain | {key})
        seen.add(key)
        order.append(key)
    for w in wanted:
        visit(w, frozenset())
    return order


def read(root, path):
    with open(os.path.join(root, path.lstrip("/")), "rb") as f:
        return f.read()


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    root, kver, init, out = argv[1:5]
    wanted = argv[5:]
    moddir = os.path.join(root, "lib/modules", kver)
    index = module_index(moddir)
    order = load_order(index, wanted)

    c = Cpio()
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "run",
              "etc", "root", "mnt"):
        c.dir(d)
    c.node("dev/console", stat.S_IFCHR, 5, 1)
    c.file("bin/busybox", read(root, "bin/busybox"), 0o755)
    c.symlink("bin/sh", "busybox")
    with open(init, "rb") as f:
        c.file("init", f.read(), 0o755)
    # s390-tools' lscss, lschp and zipl (with the stage 3 loader it writes to disks),
    # and the C library they need (interpreter at /lib/ld64.so.1, as in the package).
    for tool in ("sbin/lscss", "sbin/lschp", "sbin/zipl"):
        c.file(tool, read(root, tool), 0o755)
    c.file("lib/s390-tools/stage3.bin", read(root, "lib/s390-tools/stage3.bin"))
    c.file("lib/s390x-linux-gnu/ld64.so.1", read(root, "lib/s390x-linux-gnu/ld64.so.1"), 0o755)
    c.symlink("lib/ld64.so.1", "s390x-linux-gnu/ld64.so.1")
    c.file("lib/s390x-linux-gnu/libc.so.6", read(root, "lib/s390x-linux-gnu/libc.so.6"), 0o755)
    lines = []
    for name in order:
        rel = os.path.relpath(index[name], root)
        c.file(rel, read(root, rel))
        lines.append("/" + rel)
    c.file("modules.list", ("\n".join(lines) + "\n").encode())
    with open(out, "wb") as f:
        f.write(c.finish())
    print("mkinitramfs: %s: %d modules (%s)" % (out, len(order), " ".join(order)))


if __name__ == "__main__":
    main(sys.argv)
