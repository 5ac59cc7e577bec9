#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_css.c: inputs whose first half is guest memory with a
# SCHIB, an ORB and a channel program, and whose second half is a script of
# instructions (op, sid, addr as little-endian words) that enables a subchannel, starts
# the program, runs the channel and tests for status. Run: tests/fuzz/make-seeds.py DIR
import struct
import sys

SID = 0x00010000
RUN = 0x00000F1F  # op 31: run up to 15 slices


def ccw1(cmd, flags, count, cda):
    return struct.pack(">BBHI", cmd, flags, count, cda)


def seed(program, extra_ops=(), orb_ctrl=0x00808000, idaws=b""):
    ram = bytearray(4096)
    schib = bytearray(52)
    struct.pack_into(">HH", schib, 4, 0x0080 | (3 << 11), 0)  # E, ISC 3
    schib[8] = 0x80   # LPM
    schib[14] = 0xFF  # POM
    ram[0x100:0x100 + 52] = schib
    ram[0x200:0x20C] = struct.pack(">III", 0xCAFE, orb_ctrl, 0x300)
    ram[0x300:0x300 + len(program)] = program
    ram[0x600:0x600 + len(idaws)] = idaws
    ops = [(1, SID, 0x100), (2, SID, 0x200), (RUN, 0, 0), (3, SID, 0x500),
           (RUN, 0, 0), (3, SID, 0x500)] + list(extra_ops)
    script = b"".join(struct.pack("<III", *o) for o in ops)
    script += struct.pack("<III", RUN, 0, 0) * ((len(ram) - len(script)) // 12)
    script += bytes(len(ram) - len(script))
    return bytes(ram) + script


CC, CD, SLI, SKIP, PCI, IDA, S = 0x40, 0x80, 0x20, 0x10, 0x08, 0x04, 0x02
seeds = {
    "chain": ccw1(0x01, CC, 8, 0x400) + ccw1(0x03, CC | SLI, 0, 0) + ccw1(0x02, SLI, 64, 0x400),
    "datachain": ccw1(0x01, CD, 4, 0x400) + ccw1(0x00, CD, 4, 0x404) + ccw1(0x00, 0, 8, 0x408),
    "tic-loop": ccw1(0x03, CC | SLI, 0, 0) + ccw1(0x08, 0, 0, 0x300),
    "idaw": ccw1(0x02, IDA | SLI, 64, 0x600),
    "suspend": ccw1(0x03, CC, 0, 0) + ccw1(0x03, S, 0, 0),
    "pci-sense": ccw1(0x03, PCI | CC, 0, 0) + ccw1(0xE4, SLI | CC, 40, 0x400) + ccw1(0x04, SLI, 32, 0x400),
    "reject": ccw1(0x23, CC, 0, 0) + ccw1(0x17, 0, 0, 0),
    "prefetch": ccw1(0x12, SLI, 4, 0x400),
}
for name, prog in seeds.items():
    extra = [(6, SID, 0), (RUN, 0, 0)] if name == "suspend" else [(4, SID, 0), (5, SID, 0)]
    ctrl = 0x08808000 if name == "suspend" else 0x00808000
    idaws = struct.pack(">II", 0x7F0, 0x800) if name == "idaw" else b""
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(seed(prog, extra, ctrl, idaws))
