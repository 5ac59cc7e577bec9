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


def ccw0(cmd, cda, flags, count):
    return struct.pack(">BBHBBH", cmd, cda >> 16, cda & 0xffff, flags, 0, count)


def ccw1(cmd, flags, count, cda):
    return struct.pack(">BBHI", cmd, flags, count, cda)


def seed(program, extra_ops=(), orb_ctrl=0x00808000, idaws=b"", size=4096, blocks=None,
         prog_at=0x300):
    ram = bytearray(size)
    schib = bytearray(52)
    struct.pack_into(">HH", schib, 4, 0x0080 | (3 << 11), 0)  # E, ISC 3
    schib[8] = 0x80   # LPM
    schib[14] = 0xFF  # POM
    ram[0x100:0x100 + 52] = schib
    ram[0x200:0x20C] = struct.pack(">III", 0xCAFE, orb_ctrl, prog_at)
    ram[prog_at:prog_at + len(program)] = program
    ram[0x600:0x600 + len(idaws)] = idaws
    for addr, data in (blocks or {}).items():
        ram[addr:addr + len(data)] = data
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


# CHSC (op 10: the request block at a 4 KiB boundary), SIC (op 13) and SCHM (op 12 with
# bit 8 set, so that GPR1 is taken as it is): every command with a valid request, in
# guest memory of 8 KiB (request block at 0x1000).
def chsc_req(code, length, words):
    return struct.pack(">HH", length, code) + words


chsc = {
    "scpd": chsc_req(0x0002, 0x10, struct.pack(">III", 0x10000000, 0xff, 0)),
    "scpd-fmt0": chsc_req(0x0002, 0x10, struct.pack(">III", 0, 0xfe, 0)),
    "ssd": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0, 0, 0, 0, 0xffff, 0)),
    "sei": chsc_req(0x000E, 0x10, bytes(12)),
    "scsc": chsc_req(0x0010, 0x10, bytes(12)),
    "sda-mss": chsc_req(0x0031, 0x400, struct.pack(">I", 2)),
    "sda-mcsse": chsc_req(0x0031, 0x400, struct.pack(">I", 0)),
    "bad-code": chsc_req(0x0099, 0x10, bytes(12)),
}
CHSC_OP, SIC_OP, SCHM_OP = 10, 13, 12 | 0x100
for name, req in chsc.items():
    ops = [(CHSC_OP, 0, 0x1000)]
    if name.startswith("sda"):
        # Then SSD of subchannel set 1 (visible only after MSS) and with M=1.
        ops += [(CHSC_OP, 0, 0x1000)]
    ops += [(SIC_OP, 1, 3), (SIC_OP, 0, 3), (SIC_OP, 2, 7), (SCHM_OP, 2, 0x1800),
            (SCHM_OP, 1, 0), (SCHM_OP, 0x10000002, 0x1801), (RUN, 0, 0)]
    blocks = {0x1000: req}
    with open(f"{sys.argv[1]}/chsc-{name}", "wb") as f:
        f.write(seed(ccw1(0x03, SLI, 0, 0), ops, size=8192, blocks=blocks))

# Long programs in 16 KiB of guest memory: 200 data-chained CCWs, a 4 KiB transfer
# through format-1 and format-2 IDAW lists (2K and 4K blocks), 100 command-chained
# CCWs through TICs.
big = 16 * 1024
chain = b"".join(ccw1(0x05 if i == 0 else 0, CD, 16, 0x2000 + 16 * i) for i in range(199))
chain += ccw1(0, 0, 16, 0x2000 + 16 * 199)
idaw1 = struct.pack(">" + "I" * 4, 0x3010, 0x3800, 0x4000, 0x4800)
idaw2 = struct.pack(">" + "Q" * 3, 0x3010, 0x4000, 0x5000)
tics = b"".join(ccw1(0x03, CC | SLI, 0, 0) + ccw1(0x08, 0, 0, 0x1000 + 16 * (i + 1))
                for i in range(100)) + ccw1(0x03, SLI, 0, 0)
longs = {
    "long-datachain": (chain, 0x00808000, {}),
    "long-idaw-f1": (ccw1(0x05, IDA, 4000, 0x600), 0x00808000, {0x600: idaw1}),
    "long-idaw-f2-2k": (ccw1(0x05, IDA, 4000, 0x600), 0x00808000 | 0x00020000 | 0x00010000,
                        {0x600: idaw2}),
    "long-idaw-f2-4k": (ccw1(0x05, IDA, 4000, 0x600), 0x00808000 | 0x00020000,
                        {0x600: idaw2}),
    "long-tics": (tics, 0x00808000, {}),
}
for name, (prog, ctrl, blocks) in longs.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(seed(prog, [(RUN, 0, 0)] * 8, ctrl, size=big, blocks=blocks, prog_at=0x1000))

# The script's other ops (fuzz_css.c): 19 reset, 20 host queries, 21 a bus ID from guest
# memory, 22 a host CRW, 23 unplug / replug of the third device, 24 a kick, 25 the
# completion of a command in progress (commands 0x09-0x0b); bit 31 of the first op word
# runs the css threaded (bit 30: inline start).
THREADED, INLINE = 0x80000000, 0x40000000
SID3 = 0x00030000  # the third device: subchannel set 1, subchannel 0 (after MSS)
prog = ccw1(0x01, CC, 8, 0x400) + ccw1(0x03, CC | SLI, 0, 0) + ccw1(0x02, SLI, 64, 0x400)
more = {
    "fmt0": (ccw0(0x01, 0x400, CD, 4) + ccw0(0x00, 0x404, 0, 8), 0x00008000, []),
    "fmt0-tic": (ccw0(0x03, 0, CC | SLI, 0) + ccw0(0x08, 0x300, 0, 0), 0x00008000, []),
    "async": (ccw1(0x09, CC, 16, 0x400) + ccw1(0x0a, SLI, 64, 0x400), 0x00808000,
              [(25, SID, 0x400), (RUN, 0, 0), (25 | 0x10000 | (2 << 14), SID, 0x400), (RUN, 0, 0),
               (3, SID, 0x500), (2, SID, 0x200), (RUN, 0, 0), (25 | 0x2000, 7, 0), (4, SID, 0),
               (RUN, 0, 0), (3, SID, 0x500)]),
    "async-clear": (ccw1(0x0b, 0, 0, 0), 0x00808000,
                    [(5, SID, 0), (RUN, 0, 0), (25, SID, 0), (3, SID, 0x500), (19, 0, 0)]),
    "exceptions": (ccw1(0x33, CC, 0, 0) + ccw1(0x31, CC, 4, 0x400), 0x00808000,
                   [(2, SID, 0x240), (RUN, 0, 0), (3, SID, 0x500)]),
    "threaded": (prog, 0x00808000, [(4, SID, 0), (RUN, 0, 0), (3, SID, 0x500)]),
    "threaded-inline": (prog, 0x00808000, [(2, SID, 0x200), (3, SID, 0x500)]),
    "host-ops": (prog, 0x00808000,
                 [(20, 0, 0), (20 | 0x800, 0, 0), (20 | 0x1000, 0, 0), (21, 0, 0x700),
                  (21, 0, 0x710), (22, 0x0304, 0x10), (22 | 0x1800, 0x00050302, 0x11),
                  (9, SID, 0x580), (9, SID, 0x580), (23, 0, 0), (9, SID, 0x580),
                  (23 | 0x800, 0, 0), (9, SID, 0x580), (23, 0, 0), (23, 0x02340001, 0),
                  (24, SID, 0), (18, SID, 0x0c), (RUN, 0, 0), (8, 0, 0x580), (19, 0, 0),
                  (20, 0, 0), (1, SID, 0x100), (2, SID, 0x200), (19, 0, 0)]),
}
for name, (prog_, ctrl, extra) in more.items():
    blocks = {0x700: b"fe.0.0100\0", 0x710: b"fe.1.01g0\0", 0x240: struct.pack(">III", 1, 0x00808000, 0x308)}
    data = bytearray(seed(prog_, extra, ctrl, blocks=blocks))
    if name.startswith("threaded"):
        # The first script word (op 1, MSCH) with the mode bits.
        struct.pack_into("<I", data, 4096, 1 | THREADED | (INLINE if "inline" in name else 0))
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(bytes(data))

# Long transfers into the far end of the 1 MiB guest memory: 1000 data-chained CCWs of
# 256 bytes (256 KiB), and one 65535-byte CCW through a format-2 IDAW list of 4 KiB
# blocks, both with the long write and read commands (0x15, 0x16).
far = 0x80000
for cmd, tag in ((0x15, "w"), (0x16, "r")):
    chain = b"".join(ccw1(cmd if i == 0 else 0, CD, 256, far + 256 * i) for i in range(999))
    chain += ccw1(0, SLI, 256, far + 256 * 999)
    idaws = struct.pack(">" + "Q" * 16, *[far + 4096 * i for i in range(16)])
    for name, (prog_, ctrl, blocks) in {
        f"far-datachain-{tag}": (chain, 0x00808000, {}),
        f"far-idaw-{tag}": (ccw1(cmd, IDA, 0xffff, 0x600), 0x00808000 | 0x00020000,
                            {0x600: idaws}),
    }.items():
        with open(f"{sys.argv[1]}/{name}", "wb") as f:
            f.write(seed(prog_, [(RUN, 0, 0)] * 40, ctrl, size=big, blocks=blocks,
                         prog_at=0x1000))

# Each CHSC command's refusals (response codes 3, 7, 8, 9, 10): reserved bits, a format,
# M with a css image not enabled, last below first, response formats 2, 3 and 5, a
# subchannel set not enabled, a bad request length, then the same after SDA enabled MSS
# and MCSS-E (op 10 twice: the first request enables).
bad = {
    "scsc-rsvd": chsc_req(0x0010, 0x10, struct.pack(">III", 0x000000ff, 0, 0)),
    "scsc-fmt": chsc_req(0x0010, 0x10, struct.pack(">III", 0x00010000, 0, 0)),
    "scsc-m": chsc_req(0x0010, 0x10, struct.pack(">III", 0x2000fe00, 0, 0)),
    "scsc-cssid": chsc_req(0x0010, 0x10, struct.pack(">III", 0x00000100, 0, 0)),
    "scpd-rsvd": chsc_req(0x0002, 0x10, struct.pack(">III", 0x40000000, 0, 0)),
    "scpd-fmt": chsc_req(0x0002, 0x10, struct.pack(">III", 0x01000000, 0xff, 0)),
    "scpd-m": chsc_req(0x0002, 0x10, struct.pack(">III", 0x20fe0000, 0xff, 0)),
    "scpd-order": chsc_req(0x0002, 0x10, struct.pack(">III", 0x00000010, 0x01, 0)),
    "scpd-rfmt2": chsc_req(0x0002, 0x10, struct.pack(">III", 0x00000200, 0xff, 0)),
    "scpd-rfmt5": chsc_req(0x0002, 0x10, struct.pack(">III", 0x00000500, 0xff, 0)),
    "ssd-rsvd": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0x0040, 0, 0, 0, 1, 0)),
    "ssd-fmt": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0x0001, 0, 0, 0, 1, 0)),
    "ssd-m": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0x2000, 0, 0, 0xfe, 1, 0)),
    "ssd-ssid": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0x0010, 0, 0, 0, 1, 0)),
    "ssd-order": chsc_req(0x0004, 0x10, struct.pack(">HHBBHI", 0, 9, 0, 0, 1, 0)),
    "sei-rsvd": chsc_req(0x000E, 0x10, struct.pack(">I", 1) + bytes(8)),
    "sda-rsvd": chsc_req(0x0031, 0x400, struct.pack(">I", 0x10000000)),
    "sda-fmt": chsc_req(0x0031, 0x400, struct.pack(">I", 0x01000000)),
    "sda-oc": chsc_req(0x0031, 0x400, struct.pack(">I", 7)),
    "length": chsc_req(0x0010, 0x0f, bytes(12)),
    "length-big": chsc_req(0x0004, 0x1000, bytes(12)),
}
mss = chsc_req(0x0031, 0x400, struct.pack(">I", 2))
mcsse = chsc_req(0x0031, 0x400, struct.pack(">I", 0))
for name, req in bad.items():
    ops = [(CHSC_OP, 0, 0x1000), (CHSC_OP, 0, 0x2000), (CHSC_OP, 0, 0x3000),
           (CHSC_OP, 0, 0x1000), (RUN, 0, 0)]
    blocks = {0x1000: req, 0x2000: mss, 0x3000: mcsse}
    with open(f"{sys.argv[1]}/chsc-bad-{name}", "wb") as f:
        f.write(seed(ccw1(0x03, SLI, 0, 0), ops, size=16384, blocks=blocks))
