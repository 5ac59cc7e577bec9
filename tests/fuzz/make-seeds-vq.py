#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seeds of fuzz_vq.c for the legacy layout and the event-index decision (the
# other seeds, split-le, split-be and packed, were written by hand): a 16-byte header,
# then guest memory. Run: tests/fuzz/make-seeds-vq.py DIR
import struct
import sys


def split(e, desc, avail, used, bufs, used_event=None):
    ram = bytearray(0x3000)
    for i, (addr, n, w) in enumerate(bufs):
        struct.pack_into(e + "QIHH", ram, desc + 16 * i, addr, n, 2 if w else 0, 0)
    struct.pack_into(e + "HH", ram, avail, 0, len(bufs))
    for i in range(len(bufs)):
        struct.pack_into(e + "H", ram, avail + 4 + 2 * i, i)
    if used_event is not None:
        struct.pack_into(e + "H", ram, avail + 4 + 2 * 8, used_event)
    struct.pack_into(e + "HH", ram, used, 0, 0)
    return bytes(ram)


bufs = [(0x2800, 64, True), (0x2900, 16, False), (0x2a00, 8, True)]
seeds = {
    # Legacy: big-endian, 8 entries, descriptors at 0x1000, avail after them, used at 4K.
    "legacy-be": struct.pack(">BBHIII", 0x10 | 2, 12 << 2, 8, 0x1000, 0, 0)
    + split(">", 0x1000, 0x1080, 0x2000, bufs),
    "legacy-align-bad": struct.pack(">BBHIII", 0x10 | 2, 13 << 2, 8, 0x1000, 0, 0)
    + split(">", 0x1000, 0x1080, 0x2000, bufs),
    "legacy-wrap": struct.pack(">BBHIII", 0x10 | 2, 0x80 | 12 << 2, 8, 0x100, 0, 0),
    # Event index: notify when used idx passes used_event (1), decided after each push.
    "event-idx": struct.pack(">BBHIII", 0x20 | 4, 0, 8, 0x1000, 0x1100, 0x1200)
    + split("<", 0x1000, 0x1100, 0x1200, bufs, used_event=1),
    "event-idx-wrap": struct.pack(">BBHIII", 0x20 | 4, 0, 8, 0x1000, 0x1100, 0x1200)
    + split("<", 0x1000, 0x1100, 0x1200, bufs, used_event=0xffff),
}
for name, data in seeds.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(data.rstrip(b"\0").ljust(16, b"\0"))
