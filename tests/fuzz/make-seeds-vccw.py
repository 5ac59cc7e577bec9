#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_vccw.c (its header describes the input): driver
# sequences of Linux's virtio_ccw in revisions 0, 1 and 2, with classic, configuration
# and adapter indicators in the middle and at the last bytes of guest memory, a split
# (or packed) ring with one available buffer, notifications and interruptions.
# Run: tests/fuzz/make-seeds-vccw.py DIR
import struct
import sys

RAM = 64 * 1024
(SET_VQ, VDEV_RESET, READ_FEAT, WRITE_FEAT, READ_CONF, WRITE_CONF, WRITE_STATUS, SET_IND,
 SET_CONF_IND, SET_IND_ADAPTER, READ_VQ_CONF, SET_REV, READ_STATUS, SENSE_ID, SENSE,
 NOP) = range(16)
SLI, CC, IDA = 0x20, 0x40, 0x04
DATA = 0x4000


def rec(kind, cmd=0, flags=0, count=0, cda=DATA, payload=b"", fold=0, extra=b"\0\0"):
    payload = payload.ljust(28, b"\0")[:28]
    return struct.pack(">BBBBH2sI", kind, cmd, flags, fold, count, extra, cda) + payload


def ccw(cmd, payload=b"", count=None, flags=0, cda=DATA, fold=0):
    return rec(0, cmd, flags, len(payload) if count is None else count, cda, payload, fold)


def poke(addr, data):
    """Write up to 28 bytes of guest memory (the payload of a NOP)."""
    return rec(0, NOP, SLI, 0, addr, data)


def status(s):
    return ccw(WRITE_STATUS, bytes([s]))


def ring(desc, avail, packed=False):
    """One 16-byte buffer at 0x3000 made available on a queue at @desc."""
    if packed:
        # Packed descriptor: addr, len, id, flags (AVAIL set, USED clear, WRITE).
        return [poke(desc, struct.pack("<QIHH", 0x3000, 16, 0, 0x0080 | 0x0002))]
    return [poke(desc, struct.pack("<QIHH", 0x3000, 16, 2, 0)),
            poke(avail, struct.pack("<HHH", 0, 1, 0))]


def modern(rev, indicators, packed=False, legacy_ring=False):
    r = [ccw(SENSE_ID, count=8, flags=SLI), ccw(SET_REV, struct.pack(">HH", rev, 0)),
         status(0), status(3),
         ccw(READ_FEAT, struct.pack("<IB", 0, 0)), ccw(READ_FEAT, struct.pack("<IB", 0, 1)),
         ccw(WRITE_FEAT, struct.pack("<IB", 0x20000021, 0)),
         ccw(WRITE_FEAT, struct.pack("<IB", 1 | (4 if packed else 0), 1)),
         status(0x0b), ccw(READ_STATUS, count=1),
         ccw(READ_VQ_CONF, struct.pack(">HH", 0, 0))]
    r += ring(0x1000, 0x1080, packed)
    r.append(ccw(SET_VQ, struct.pack(">QIHHQQ", 0x1000, 0, 0, 8, 0x1080, 0x1100)))
    r += indicators
    r += [status(0x0f), ccw(READ_CONF, count=24, flags=SLI),
          ccw(WRITE_CONF, b"\1" * 8, flags=SLI),
          rec(3, extra=b"\0\0"), rec(4, extra=b"\0\1"), rec(6, extra=b"\xff\0"),
          rec(5, extra=b"\0\0"), rec(6, extra=b"\xff\0"), rec(5, extra=b"\0\1"),
          ccw(READ_STATUS, count=1), status(0)]
    return r


def legacy():
    r = [ccw(SENSE_ID, count=8, flags=SLI), status(3),
         ccw(READ_FEAT, struct.pack("<IB", 0, 0)),
         ccw(WRITE_FEAT, struct.pack("<IB", 0x21, 0)), status(7),
         ccw(READ_VQ_CONF, struct.pack(">HH", 0, 0))]
    # Legacy layout: 8 descriptors at 0x2000, avail right after, used at the next 4 KiB.
    r += ring(0x2000, 0x2080)
    r.append(ccw(SET_VQ, struct.pack(">QIHH", 0x2000, 4096, 0, 8)))
    r.append(ccw(SET_VQ, struct.pack(">QIHH", 0x8000, 4096, 1, 4)))
    r += [ccw(SET_IND, struct.pack(">Q", RAM - 8)), ccw(SET_CONF_IND, struct.pack(">Q", RAM - 16)),
          status(0x0f), rec(3), rec(4, extra=b"\0\1"), rec(6, extra=b"\xff\0"),
          rec(5), rec(6, extra=b"\xff\0"), ccw(READ_STATUS, count=1)]
    return r


adapter_end = [ccw(SET_IND_ADAPTER, struct.pack(">QQQB", RAM - 1, RAM - 1, 0, 3)),
               ccw(SET_CONF_IND, struct.pack(">Q", RAM - 8))]
adapter_mid = [ccw(SET_IND_ADAPTER, struct.pack(">QQQB", 0x5000, 0x5008, 5, 6)),
               ccw(SET_CONF_IND, struct.pack(">Q", 0x5100))]
classic_end = [ccw(SET_IND, struct.pack(">Q", RAM - 8)),
               ccw(SET_CONF_IND, struct.pack(">Q", RAM - 16))]
# Addresses folded by the harness: just past the end, unaligned, huge.
bad_ind = [ccw(SET_IND, struct.pack(">Q", RAM)), ccw(SET_IND, struct.pack(">Q", RAM - 4)),
           ccw(SET_CONF_IND, struct.pack(">Q", (1 << 64) - 8)),
           ccw(SET_IND_ADAPTER, struct.pack(">QQQB", RAM, 0x5000, 0, 3)),
           ccw(SET_IND_ADAPTER, struct.pack(">QQQB", 0x5000, RAM - 1, 8, 3)),
           ccw(SET_IND_ADAPTER, struct.pack(">QQQB", 0x5000, 0x5000, (1 << 64) - 1, 3)),
           ccw(SET_IND_ADAPTER, struct.pack(">QQQB", 0x5000, 0x5000, 0, 9))] + adapter_mid
malformed = [ccw(SET_REV, b"\0\2\0\0", count=2), ccw(SET_REV, b"\0\2\0\0", count=2, flags=SLI),
             ccw(SET_REV, b"\0\2\0\4\1\2\3\4"), ccw(SET_REV, b"\0\2\0\0"),
             ccw(SET_REV, b"\0\1\0\0"),
             ccw(WRITE_FEAT, b"\0\0\0\0\7"), ccw(READ_FEAT, b"\0\0\0\0\x80"),
             ccw(READ_CONF, count=25, flags=SLI), ccw(WRITE_CONF, count=0, flags=SLI),
             ccw(READ_VQ_CONF, b"\0\x40\0\0"), ccw(READ_VQ_CONF, b"\0\3\0\0"),
             ccw(SET_VQ, struct.pack(">QIHHQQ", 0x1000, 0, 0, 7, 0x1080, 0x1100)),
             ccw(SET_VQ, struct.pack(">QIHHQQ", RAM - 16, 0, 2, 256, RAM - 8, RAM - 4)),
             ccw(SET_VQ, struct.pack(">QIHHQQ", 0x1000, 0, 9, 8, 0x1080, 0x1100)),
             ccw(SET_VQ, count=16), ccw(READ_STATUS, count=0, flags=SLI),
             ccw(SENSE_ID, count=8, flags=IDA, cda=0x6000), ccw(SENSE, count=32, flags=SLI),
             ccw(0x99 & 15, count=1), rec(0x10, 0xf3, 0, 4), ccw(NOP, flags=CC),
             rec(3, extra=b"\xc5\0"), rec(3, extra=b"\x40\0", cda=0x12345),
             rec(7, extra=b"\0\7"), ccw(SET_REV, b"\0\2\0\0"), status(3), rec(7, extra=b"\0\0")]

seeds = {
    "rev2-adapter-end": (2, modern(2, adapter_end)),
    "rev2-adapter-mid": (2, modern(2, adapter_mid)),
    "rev1-classic-end": (1, modern(1, classic_end)),
    "rev2-packed": (2 | 16 | 32, modern(2, adapter_mid, packed=True)),
    "rev2-noadapter": (2 | 4, modern(2, adapter_end + classic_end)),
    "rev2-strict": (1 | 8, modern(1, classic_end)),
    "rev0-legacy": (0, legacy()),
    "bad-indicators": (2, modern(2, bad_ind)),
    "malformed": (2, malformed),
    "replug": (2, modern(2, adapter_end)[:12] + [rec(7, extra=b"\0\7"), rec(6, extra=b"\xff\0")]
               + modern(2, classic_end)),
}
for name, (opts, records) in seeds.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(bytes([opts]) + b"".join(records))
