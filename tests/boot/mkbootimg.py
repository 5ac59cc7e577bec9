#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build boot disks for QEMU's s390-ccw firmware from a bare-metal s390x ELF payload.

  mkbootimg.py scsi  PAYLOAD.elf OUT.img [--block-size 512|4096]
  mkbootimg.py iso   PAYLOAD.elf OUT.iso
  mkbootimg.py linux VMLINUZ OUT.img [--initrd FILE] [--append CMDLINE] [--block-size N]

scsi: the layout zipl writes for its "SCSI scheme" (s390-tools zipl, QEMU
pc-bios/s390-ccw/bootmap.c and bootmap.h), in units of the disk's logical block size:
  block 0  boot record: "zIPL", version 1, pointer to the program table
  block 1  program table: "zIPL", entry 0 -> component table (loadparm 0 or blank)
  block 2  component table: one LOAD entry (segment table, load address) and the EXEC
           entry holding the IPL PSW
  block 3  segment table: block pointers to the payload, ended by a zero pointer
  block 4- the payload, as loaded at its address
(with more components, each one's segment table blocks and data follow in turn; a
segment table longer than a block continues in the next, through its last slot).
A block pointer is 16 bytes: u64 block number, u16 block size (must equal the disk's),
u16 block count - 1, 4 reserved bytes; all integers big-endian.

linux: the same scheme with a Linux boot entry in the components zipl gives it, minus
zipl's stage 3 loader: the kernel at 0x10000, the parameter area with the command line
and the initrd's address and size, the initrd; the IPL PSW enters the kernel at
0x10000 (31-bit, as zipl's default PSW).

iso: ISO 9660 with an El Torito boot catalog (ECMA-119; El Torito 1.0) whose
no-emulation entry points at an image in the layout of Linux's s390 CD boot image:
bytes 0-7 the IPL PSW, 8-31 the s390 "Linux" magic the firmware checks, the program at
0x10000. The image is a file of the root directory too, which lets the firmware take its
exact size from the directory record.

Only the Python standard library is used; no zipl, no genisoimage.
"""
import argparse
import struct
import sys

LOAD_ADDR = 0x10000
# 31-bit IPL PSW (short format: bit 12 set, bit 32 = 31-bit addressing) as zipl writes.
PSW_31 = 0x0008000080000000
# Bytes 8-31 of an s390 CD boot image (QEMU bootmap.c linux_s390_magic).
LINUX_S390_MAGIC = bytes.fromhex("02000018600000500200006860000050" "4040404040404040")
ZIPL_MAGIC = b"zIPL"
COMP_LOAD, COMP_EXEC = 2, 1
ISO_SECTOR = 2048
# Blocks per segment-table pointer: several pointers, so the firmware's table walk is
# exercised, each one virtio-blk request.
MAX_BLOCKS_PER_PTR = 8
# Linux: 128 KiB per pointer with 512-byte blocks, so a kernel and its initrd need
# several segment-table blocks each (the chained tables are exercised).
LINUX_BLOCKS_PER_PTR = 256
# The s390 Linux image (arch/s390/boot/head.S, asm/setup.h): entry at 0x10000, the
# parameter area at 0x10400 with the initrd's start (0x10408) and size (0x10410), the
# maximum command-line size (0x10430, kernels since 5.x), the command line at 0x10480.
LINUX_LOAD = 0x10000
LINUX_PARMAREA = 0x10400
LINUX_INITRD_START = 0x10408
LINUX_MAX_CMDLINE = 0x10430
LINUX_CMDLINE = 0x10480
LINUX_INITRD_MIN = 0x800000


def load_elf(path):
    """Return (entry, bytes from LOAD_ADDR to the end of the loaded file data)."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 2:
        sys.exit(f"{path}: not a 64-bit big-endian ELF file")
    (machine,) = struct.unpack_from(">H", elf, 18)
    if machine != 22:
        sys.exit(f"{path}: not an s390x ELF file (machine {machine})")
    entry, phoff = struct.unpack_from(">QQ", elf, 24)
    phentsize, phnum = struct.unpack_from(">HH", elf, 54)
    image = bytearray()
    for i in range(phnum):
        p_type, _, off, vaddr, _, filesz, _ = struct.unpack_from(
            ">IIQQQQQ", elf, phoff + i * phentsize)
        # The lowcore segment (IPL PSW, restart PSW) is not loaded: the boot loader
        # writes the IPL PSW itself, and the firmware owns the lowcore until the jump.
        if p_type != 1 or vaddr < LOAD_ADDR or not filesz:
            continue
        end = vaddr - LOAD_ADDR + filesz
        if len(image) < end:
            image.extend(bytes(end - len(image)))
        image[vaddr - LOAD_ADDR:end] = elf[off:off + filesz]
    if not image or not LOAD_ADDR <= entry < LOAD_ADDR + len(image):
        sys.exit(f"{path}: no code at 0x{LOAD_ADDR:x} or entry 0x{entry:x} outside it")
    return entry, bytes(image)


def blockptr(block, bsize, count):
    """A zipl SCSI block pointer: @count consecutive blocks from @block."""
    assert 1 <= count <= 0x10000
    return struct.pack(">QHHI", block, bsize, count - 1, 0)


def pad(data, size):
    assert len(data) <= size, (len(data), size)
    return data + bytes(size - len(data))


def segment_tables(first, ptrs, bsize):
    """Segment-table blocks for @ptrs, the first at block @first, chained as zipl chains
    them: a block holds data pointers and, when more follow, a last slot pointing to the
    next table block (count 1; the firmware tells it from data by the unused space after
    it: the rest of its 0xAA-filled buffer, or the block's end); the last block ends
    with a zero pointer."""
    slots = bsize // 16
    blocks = []
    while True:
        if len(ptrs) < slots:
            blocks.append(pad(b"".join(ptrs) + bytes(16), bsize))
            return blocks
        chunk, ptrs = ptrs[:slots - 1], ptrs[slots - 1:]
        blocks.append(b"".join(chunk) + blockptr(first + len(blocks) + 1, bsize, 1))


def build_scsi(components, psw, bsize, blocks_per_ptr=MAX_BLOCKS_PER_PTR):
    """A zipl SCSI-scheme disk: @components [(load address, bytes)] loaded in order,
    then the jump through @psw. Layout: boot record, program table, component table,
    then per component its segment table(s) followed by its data."""
    if bsize not in (512, 1024, 2048, 4096):
        sys.exit(f"block size {bsize}: the firmware takes 512 to 4096 (a power of two)")
    if 32 * (len(components) + 2) > bsize:
        sys.exit("too many components for one component-table block")
    body = []
    entries = []
    blk = 3
    for addr, data in components:
        nblocks = (len(data) + bsize - 1) // bsize
        ntables = 1
        while True:
            start = blk + ntables
            ptrs = [blockptr(start + b, bsize, min(blocks_per_ptr, nblocks - b))
                    for b in range(0, nblocks, blocks_per_ptr)]
            tables = segment_tables(blk, ptrs, bsize)
            if len(tables) == ntables:
                break
            ntables = len(tables)
        entries.append(blockptr(blk, bsize, 1) + bytes(7) + bytes([COMP_LOAD]) +
                       struct.pack(">Q", addr))
        body += tables
        body.append(pad(data, nblocks * bsize))
        blk = start + nblocks

    boot_record = ZIPL_MAGIC + struct.pack(">I", 1) + bytes(8) + blockptr(1, bsize, 1)
    program_table = ZIPL_MAGIC + bytes(12) + blockptr(2, bsize, 1)
    comp_header = ZIPL_MAGIC + bytes([0]) + bytes(27)  # type 0: IPL
    exec_entry = bytes(16) + bytes(7) + bytes([COMP_EXEC]) + struct.pack(">Q", psw)
    comp_table = comp_header + b"".join(entries) + exec_entry

    disk = b"".join(pad(x, bsize) for x in (boot_record, program_table, comp_table))
    disk += b"".join(body)
    assert len(disk) == blk * bsize
    return pad(disk, max(1 << 20, (len(disk) + 0xfffff) & ~0xfffff))


def linux_components(kernel, initrd, cmdline, bsize):
    """The components of a Linux boot entry, as zipl's stage 3 leaves memory before it
    starts the kernel, without a stage 3 of our own: the kernel from file offset 0x10000
    at 0x10000 (its first 64 KiB, the header for tape/reader IPL, are not loaded);
    then the parameter area at 0x10400 as in the image, with the initrd's address and
    size filled in and the command line at 0x10480 (loaded after the kernel, so it
    replaces the image's default; the firmware loads whole blocks, so the component
    runs on to a block boundary with the kernel's own bytes); then the initrd.
    Returns (components, IPL PSW)."""
    if len(kernel) <= LINUX_CMDLINE + 1 or kernel[0x10008:0x1000e] != b"S390EP":
        sys.exit("kernel: not an s390 Linux image (no S390EP at 0x10008)")
    (maxlen,) = struct.unpack_from(">Q", kernel, LINUX_MAX_CMDLINE)
    if not maxlen:
        maxlen = 896  # kernels before 5.x: the old fixed size
    line = cmdline.encode()
    if len(line) >= maxlen:
        sys.exit(f"command line: {len(line)} bytes, the kernel takes {maxlen - 1}")
    # Where QEMU's -kernel puts it: 8 MiB, or higher in 1 MiB steps until 1 MiB
    # above the end of the kernel file (the kernel's own start-up moves it out of the
    # way of the decompressed kernel if need be).
    initrd_addr = LINUX_INITRD_MIN
    while len(kernel) + 0x100000 > initrd_addr:
        initrd_addr += 0x100000
    parm_len = (LINUX_CMDLINE + maxlen - LINUX_PARMAREA + bsize - 1) // bsize * bsize
    parm = bytearray(pad(kernel[LINUX_PARMAREA:LINUX_PARMAREA + parm_len], parm_len))
    struct.pack_into(">QQ", parm, LINUX_INITRD_START - LINUX_PARMAREA,
                     initrd_addr if initrd else 0, len(initrd))
    off = LINUX_CMDLINE - LINUX_PARMAREA
    parm[off:off + maxlen] = pad(line, maxlen)
    comps = [(LINUX_LOAD, kernel[LINUX_LOAD:]), (LINUX_PARMAREA, bytes(parm))]
    if initrd:
        comps.append((initrd_addr, initrd))
    return comps, PSW_31 | LINUX_LOAD


def both16(v):
    return struct.pack("<H", v) + struct.pack(">H", v)


def both32(v):
    return struct.pack("<I", v) + struct.pack(">I", v)


def dir_record(name, extent, size, is_dir):
    """ISO 9660 directory record (ECMA-119 9.1)."""
    ln = 33 + len(name)
    ln += ln & 1
    rec = struct.pack("<BB", ln, 0) + both32(extent) + both32(size)
    rec += bytes([126, 1, 1, 0, 0, 0, 0])  # 2026-01-01 00:00:00 GMT
    rec += bytes([2 if is_dir else 0, 0, 0]) + both16(1) + bytes([len(name)]) + name
    return pad(rec, ln)


def build_iso(entry, payload):
    image = bytearray(LOAD_ADDR + len(payload))
    image[0:8] = struct.pack(">Q", PSW_31 | entry)
    image[8:32] = LINUX_S390_MAGIC
    image[LOAD_ADDR:] = payload
    image = bytes(image)

    pvd_sec, brvd_sec, term_sec, lpt_sec, mpt_sec, root_sec, cat_sec, img_sec = range(16, 24)
    img_sectors = (len(image) + ISO_SECTOR - 1) // ISO_SECTOR
    total = img_sec + img_sectors

    root = (dir_record(b"\x00", root_sec, ISO_SECTOR, True) +
            dir_record(b"\x01", root_sec, ISO_SECTOR, True) +
            dir_record(b"BOOT.CAT;1", cat_sec, ISO_SECTOR, False) +
            dir_record(b"IMAGE.BIN;1", img_sec, len(image), False))

    def vd_head(vtype):
        return bytes([vtype]) + b"CD001" + bytes([1])

    def text(s, n):
        return s.encode().ljust(n, b" ")

    pvd = vd_head(1) + bytes(1) + text("", 32) + text("VCCW_BOOT_TEST", 32) + bytes(8)
    pvd += both32(total) + bytes(32) + both16(1) + both16(1) + both16(ISO_SECTOR)
    pvd += both32(10) + struct.pack("<I", lpt_sec) + bytes(4) + struct.pack(">I", mpt_sec) + bytes(4)
    pvd += dir_record(b"\x00", root_sec, ISO_SECTOR, True)
    pvd = pad(pvd, 881) + bytes([1])  # file structure version

    brvd = vd_head(0) + pad(b"EL TORITO SPECIFICATION", 32) + bytes(32) + struct.pack("<I", cat_sec)
    term = vd_head(255)
    # Path tables: the root only (ECMA-119 9.4), little- then big-endian.
    lpt = struct.pack("<BBIH", 1, 0, root_sec, 1) + b"\x00\x00"
    mpt = struct.pack(">BBIH", 1, 0, root_sec, 1) + b"\x00\x00"

    # Boot catalog: validation entry (words sum to 0), then the default entry.
    val = bytearray(struct.pack("<BBH", 1, 0, 0) + bytes(24) + struct.pack("<H", 0) + b"\x55\xaa")
    csum = (-sum(struct.unpack("<16H", bytes(val)))) & 0xffff
    val[28:30] = struct.pack("<H", csum)
    default = struct.pack("<BBHBBHI", 0x88, 0, 0, 0, 0, (len(image) + 511) // 512 & 0xffff, img_sec)
    catalog = bytes(val) + pad(default, 32)

    iso = bytes(16 * ISO_SECTOR)
    for sec in (pvd, brvd, term, lpt, mpt, root, catalog):
        iso += pad(sec, ISO_SECTOR)
    iso += pad(image, img_sectors * ISO_SECTOR)
    assert len(iso) == total * ISO_SECTOR
    return iso


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("scsi", "iso", "linux"))
    ap.add_argument("payload", help="the ELF payload; for linux: the kernel image")
    ap.add_argument("out")
    ap.add_argument("--block-size", type=int, default=512)
    ap.add_argument("--initrd", help="linux: the initial RAM disk")
    ap.add_argument("--append", default="", help="linux: the kernel command line")
    ap.add_argument("--blocks-per-pointer", type=int, default=LINUX_BLOCKS_PER_PTR,
                    help="linux: blocks per segment-table pointer (1 to 65536)")
    args = ap.parse_args()
    if args.kind == "linux":
        with open(args.payload, "rb") as f:
            kernel = f.read()
        initrd = b""
        if args.initrd:
            with open(args.initrd, "rb") as f:
                initrd = f.read()
        comps, psw = linux_components(kernel, initrd, args.append, args.block_size)
        if not 1 <= args.blocks_per_pointer <= 0x10000:
            sys.exit("--blocks-per-pointer: 1 to 65536 (a pointer's count is 16 bits)")
        disk = build_scsi(comps, psw, args.block_size, args.blocks_per_pointer)
    elif args.kind == "scsi":
        entry, payload = load_elf(args.payload)
        disk = build_scsi([(LOAD_ADDR, payload)], PSW_31 | entry, args.block_size)
    else:
        entry, payload = load_elf(args.payload)
        disk = build_iso(entry, payload)
    with open(args.out, "wb") as f:
        f.write(disk)


if __name__ == "__main__":
    main()
