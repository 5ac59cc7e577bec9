#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_dev.c (its header describes the input): for each device
# model, requests of every kind laid out in a split ring (little-endian, legacy
# big-endian, indirect, event index) or a packed ring, as Linux's drivers post them.
# Run: tests/fuzz/make-seeds-dev.py DIR
import struct
import sys

RAM = 64 * 1024
BLK, BLK_RO, CONSOLE, NET, BALLOON, RNG, BLK_AIO = range(7)
PACKED, EVENT_IDX, INDIRECT, LEGACY = 1, 2, 4, 8
NEXT, WRITE, IND = 1, 2, 4
# Queues of 32 with a ring stride of 0x800 (header byte 11 = 0x15): a descriptor table of
# 32 entries fits below the driver area at stride / 4.
QSIZE, QBASE = 32, 0x800


class Mem:
    def __init__(self, flags):
        self.b = bytearray(RAM)
        self.flags = flags
        self.e = ">" if flags & LEGACY else "<"
        self.heap = QBASE * 10  # after the rings of ten queues

    def put(self, data, align=8):
        self.heap = (self.heap + align - 1) & ~(align - 1)
        a = self.heap
        self.b[a:a + len(data)] = data
        self.heap += max(len(data), 1)
        return a

    def wbuf(self, n):
        """A device-writable buffer: an address only (high memory, left zero)."""
        self.whigh = getattr(self, "whigh", 0xC000)
        a = self.whigh
        self.whigh += (n + 7) & ~7
        return a if self.whigh <= RAM else 0xF000

    def buf(self, n, fill=0):
        return self.put(bytes([fill]) * n)

    def queue(self, q, chains):
        """chains: lists of (addr, len, writable) made available on queue @q."""
        e, base = self.e, q * QBASE
        if self.flags & PACKED:
            slot = 0
            for bid, chain in enumerate(chains):
                for i, (a, n, w) in enumerate(chain):
                    fl = 0x80 | (WRITE if w else 0) | (NEXT if i < len(chain) - 1 else 0)
                    struct.pack_into("<QIHH", self.b, base + 16 * slot, a, n, bid, fl)
                    slot += 1
            return
        slot, heads = 0, []
        for chain in chains:
            if self.flags & INDIRECT and len(chain) > 1:
                table = b"".join(struct.pack(e + "QIHH", a, n, (WRITE if w else 0) |
                                             (NEXT if i < len(chain) - 1 else 0), i + 1)
                                 for i, (a, n, w) in enumerate(chain))
                t = self.put(table, 16)
                struct.pack_into(e + "QIHH", self.b, base + 16 * slot, t, len(table), IND, 0)
                heads.append(slot)
                slot += 1
                continue
            heads.append(slot)
            for i, (a, n, w) in enumerate(chain):
                last = i == len(chain) - 1
                struct.pack_into(e + "QIHH", self.b, base + 16 * slot, a, n,
                                 (WRITE if w else 0) | (0 if last else NEXT), slot + 1)
                slot += 1
        assert slot <= QSIZE, "more descriptors than the queue holds"
        avail = base + QBASE // 4
        struct.pack_into(e + "HH", self.b, avail, 0, len(heads))
        for i, h in enumerate(heads):
            struct.pack_into(e + "H", self.b, avail + 4 + 2 * i, h)
        if self.flags & EVENT_IDX:  # used_event: notify after the first buffer
            struct.pack_into(e + "H", self.b, avail + 4 + 2 * QSIZE, 0)


def header(dev, flags, feats=(1 << 64) - 1, rounds=1, cfg=None, inp=b""):
    h = bytearray(32)
    h[0], h[1] = dev, flags
    struct.pack_into("<Q", h, 2, feats)
    h[10], h[11] = rounds - 1, 0x15  # queues of 32, stride 0x800
    if cfg:
        off, data = cfg
        struct.pack_into("<H", h, 12, off)
        h[14] = len(data)
        h[15:15 + len(data)] = data
    assert len(inp) <= 8, "at most 8 bytes of backend input (header bytes 24-31)"
    h[23] = len(inp)
    h[24:24 + len(inp)] = inp
    return bytes(h)


def blk(m, typ, sector=0, data=(), status=1):
    e = m.e
    hdr = m.put(struct.pack(e + "IIQ", typ, 0, sector))
    chain = [(hdr, 16, False)] + list(data)
    chain.append((m.wbuf(status), status, True))
    return chain


def blk_seed(flags, dev=BLK):
    m = Mem(flags)
    e = m.e
    dwz = m.put(struct.pack(e + "QII", 8, 8, 0) + struct.pack(e + "QII", 400, 1 << 22, 1))
    unmap = m.put(struct.pack(e + "QII", 16, 8, 1) + struct.pack(e + "QII", 24, 8, 0))
    badflag = m.put(struct.pack(e + "QII", 0, 1, 2))
    past = m.put(struct.pack(e + "QII", 511, 2, 0))
    many = m.put(struct.pack(e + "QII", 0, 1, 0) * 33)
    chains = [
        blk(m, 1, 0, [(m.buf(512, 0xab), 512, False), (m.buf(1024, 0xcd), 1024, False)]),
        blk(m, 0, 0, [(m.wbuf(512), 512, True), (m.wbuf(512), 512, True)]),
        blk(m, 0, 511, [(m.wbuf(1024), 1024, True)]),   # crosses the end
        blk(m, 1, 2, [(m.buf(100), 100, False)]),      # not a sector multiple
        blk(m, 4), blk(m, 8, 0, [(m.wbuf(20), 20, True)]),
        blk(m, 11, 0, [(dwz, 16, False)]), blk(m, 13, 0, [(dwz, 32, False)]),
        blk(m, 5), blk(m, 11), blk(m, 0x55),
    ]
    m.queue(0, chains)
    # Queue 1 of the multiqueue disks: every other request kind, its errors, and last a
    # request without a status byte (the device needs a reset).
    m.queue(1, [blk(m, 8, 0, [(m.wbuf(4), 4, True)]),
                blk(m, 8, 0, [(m.wbuf(64), 64, True)]),
                blk(m, 13, 0, [(unmap, 32, False)]), blk(m, 11, 0, [(unmap, 32, False)]),
                blk(m, 11, 0, [(badflag, 16, False)]), blk(m, 13, 0, [(past, 16, False)]),
                blk(m, 11, 0, [(many, 16 * 33, False)]),
                blk(m, 1, 1, [(m.buf(512, 1), 512, False)]),
                blk(m, 0, 3, [(m.wbuf(100), 100, True)]), blk(m, 0, 512, [(m.wbuf(512), 512, True)]),
                blk(m, 8, 0, [], 0)])
    return header(dev, flags, cfg=(11 if dev != BLK_AIO else 32, b"\1")) + bytes(m.b)


def console_seed(flags, multiport):
    m = Mem(flags)
    e = m.e
    feats = (1 << 64) - 1 if multiport else ~2 & ((1 << 64) - 1)
    m.queue(0, [[(m.wbuf(64), 64, True)], [(m.wbuf(1), 1, True)]])
    m.queue(1, [[(m.put(b"hello, console\n"), 15, False)], [(m.buf(0), 0, False)]])
    if multiport:
        ctrl = [struct.pack(e + "IHH", 0, 0, 1), struct.pack(e + "IHH", 0, 3, 1),
                struct.pack(e + "IHH", 0, 6, 1), struct.pack(e + "IHH", 7, 6, 1),
                struct.pack(e + "IHH", 1, 3, 1), struct.pack(e + "IHH", 3, 3, 1),
                struct.pack(e + "IHH", 3, 3, 0), struct.pack(e + "IHH", 1, 6, 1),
                struct.pack(e + "IHH", 1, 9, 1), struct.pack(e + "IHH", 0, 0, 0),
                struct.pack(e + "IH", 0, 3)]
        m.queue(2, [[(m.wbuf(64), 64, True)]])
        m.queue(3, [[(m.put(c), len(c), False)] for c in ctrl])
        m.queue(5, [[(m.put(b"port 1\n"), 7, False)]])
    return header(CONSOLE, flags, feats, rounds=2, cfg=(8, b"!\0\0\0"), inp=b"typed\n") + bytes(m.b)


MRG_RXBUF = 1 << 15
MAC = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])


def net_seed(flags, variant=0):
    """variant 0: frames to send and receive, every control command; 1: receive buffers
    smaller than a frame (merged with MRG_RXBUF), RX modes and MAC tables then frames to
    filter; 2: broken buffers (a transmit buffer shorter than the header)."""
    m = Mem(flags)
    e = m.e
    feats = (1 << 64) - 1
    frame = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + bytes(50)
    inp = frame[:8]
    if variant == 0:
        m.queue(0, [[(m.wbuf(12 + 1514), 12 + 1514, True)],
                    [(m.wbuf(12), 12, True), (m.wbuf(64), 64, True)], [(m.wbuf(8), 8, True)]])
        m.queue(1, [[(m.buf(12), 12, False), (m.put(frame), len(frame), False)],
                    [(m.put(bytes(12) + frame), 12 + len(frame), False)],
                    [(m.buf(12), 12, False)],
                    [(m.buf(12), 12, False), (0x9000, 20000, False)]])
        table = (struct.pack(e + "I", 1) + MAC + struct.pack(e + "I", 2) +
                 bytes([1, 0, 0x5e, 0, 0, 1, 0x33, 0x33, 0, 0, 0, 1]))
        ctrl = [(0, 0, b"\1"), (1, 1, bytes([2, 0, 0, 0, 0, 9])), (3, 0, b""),
                (1, 0, struct.pack(e + "I", 1) + bytes(6) + struct.pack(e + "I", 0)),
                (1, 0, table), (1, 0, struct.pack(e + "I", 200)),
                (1, 0, struct.pack(e + "I", 65) + bytes(6 * 65) + struct.pack(e + "I", 0)),
                (1, 7, b""), (0, 9, b"\1"), (9, 9, b"")]
        m.queue(2, [[(m.put(bytes([c, k])), 2, False)] + ([(m.put(d), len(d), False)] if d else [])
                    + [(m.wbuf(1), 1, True)] for c, k, d in ctrl])
    elif variant == 1:
        # Modes on, then off for a unicast / multicast / broadcast frame to be filtered.
        inp = bytes([0xff] * 6 + [0, 1]) if flags & INDIRECT else bytes([1, 0, 0x5e, 0, 0, 2, 0, 0])
        m.queue(0, [[(m.wbuf(8), 8, True)], [(m.wbuf(16), 16, True)], [(m.wbuf(16), 16, True)],
                    [(m.wbuf(4), 4, True), (m.wbuf(60), 60, True)]])
        ctrl = [(0, c, bytes([on])) for c, on in ((0, 0), (1, 0), (2, 1), (3, 1), (4, 1), (5, 1),
                                                   (2, 0), (3, 0))]
        m.queue(2, [[(m.put(bytes([c, k])), 2, False), (m.put(d), len(d), False),
                     (m.wbuf(1), 1, True)] for c, k, d in ctrl] +
                [[(m.put(bytes([0, 1])), 2, False), (m.wbuf(1), 1, True)]])
        if flags & LEGACY:
            feats &= ~MRG_RXBUF
    else:
        m.queue(0, [[(m.buf(64), 64, False)]])
        m.queue(1, [[(m.buf(4), 4, False)]])
        m.queue(2, [[(m.put(b"\1"), 1, False), (m.wbuf(1), 1, True)]])
    return header(NET, flags, feats, rounds=2, cfg=(0, bytes(6)), inp=inp) + bytes(m.b)


def balloon_seed(flags):
    m = Mem(flags)
    e = m.e
    pfns = struct.pack(e + "4I", 15, 16, 0xffffffff, 15)
    m.queue(0, [[(m.put(pfns), 16, False)], [(m.put(b"\1\2\3"), 3, False)]])
    m.queue(1, [[(m.put(pfns), 16, False)]])
    stats = b"".join(struct.pack(e + "HQ", t, 1000 * t) for t in range(12))
    m.queue(2, [[(m.put(stats), len(stats), False)], [(m.put(stats[:5]), 5, False)]])
    return header(BALLOON, flags, rounds=2, cfg=(4, struct.pack("<I", 3))) + bytes(m.b)


def rng_seed(flags):
    m = Mem(flags)
    m.queue(0, [[(m.wbuf(32), 32, True)], [(m.wbuf(16), 16, True), (m.wbuf(16), 16, True)],
                [(m.buf(8), 8, False)], [(RAM - 4, 16, True)]])
    return header(RNG, flags) + bytes(m.b)


def trim(b):
    return b.rstrip(b"\0") or b"\0" * 32


out = sys.argv[1]
for flags, tag in ((0, "split"), (LEGACY, "legacy"), (INDIRECT | EVENT_IDX, "indirect"),
                   (PACKED, "packed")):
    seeds = {"blk": blk_seed(flags), "blk-ro": blk_seed(flags, BLK_RO),
             "blk-aio": blk_seed(flags, BLK_AIO),
             "console": console_seed(flags, False), "console-mp": console_seed(flags, True),
             "net": net_seed(flags), "net-filter": net_seed(flags, 1),
             "net-bad": net_seed(flags, 2), "balloon": balloon_seed(flags), "rng": rng_seed(flags)}
    for name, data in seeds.items():
        with open(f"{out}/{name}-{tag}", "wb") as f:
            f.write(trim(data))
