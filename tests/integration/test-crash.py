#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Crash consistency of vccw-vm's disks, kept as a test.

vccw-vm runs -kernel native:stamp (machine/guest/stamp.c): stamped sector writes, every
fourth one followed by a FLUSH, each reported on the console ("ACK seq sector W|F") only
after the device completed it. The test kills vccw-vm with SIGKILL at random moments
after its first acknowledged write (KILLS times, seeded, the seed printed) and checks that every acknowledged write is in the
image: each acknowledged sector holds a whole stamp of that sector whose sequence number
is at least the last acknowledged one for it and at most one past the last acknowledged
write (one write may have completed without its line). vccw-vm completes a write once
pwritev() returned, so the data is in the host's page cache and survives the death of the
process whether or not it was flushed; a FLUSH (fdatasync) is what makes it survive a host
crash, which this test cannot cause. Negative controls prove the checker catches a lost
write: an acknowledged sector zeroed, and one set back to an older stamp.

Usage: test-crash.py [path/to/vccw-vm]. Prints PASS/FAIL lines and the summary line
"N passed, N failed, N skipped".
"""
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time

KILLS = 20
SECTORS = 1024
START_TIMEOUT = 60.0
STRIDE = 7919

here = os.path.dirname(os.path.realpath(__file__))
vm = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "vccw-vm")
passed = failed = 0


def result(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def stamp(seq, sector):
    head = b"VCCWSTMP" + struct.pack(">QQ", seq, sector)
    return head + bytes((seq * 31 + i) & 0xFF for i in range(24, 512))


def acks(out):
    """The acknowledged writes: {sector: last seq}, and the last seq overall."""
    last, top = {}, 0
    for line in out.split(b"\n")[:-1]:  # a line cut by the kill is not complete
        f = line.split()
        if len(f) == 4 and f[0] == b"ACK":
            seq, sector = int(f[1]), int(f[2])
            last[sector] = max(last.get(sector, 0), seq)
            top = max(top, seq)
    return last, top


def check(image, last, top):
    """Problems found: every acknowledged sector must hold a stamp as described above."""
    with open(image, "rb") as f:
        return check_bytes(f.read(), last, top)


def check_bytes(data, last, top):
    problems = []
    for sector, seq in sorted(last.items()):
        blob = data[512 * sector:512 * sector + 512]
        if blob[:8] != b"VCCWSTMP":
            problems.append(f"sector {sector}: no stamp (acknowledged write {seq} lost)")
            continue
        got, where = struct.unpack(">QQ", blob[8:24])
        if where != sector or (got * STRIDE) % SECTORS != sector or blob != stamp(got, sector):
            problems.append(f"sector {sector}: torn or misplaced stamp (seq {got})")
        elif got < seq:
            problems.append(f"sector {sector}: holds write {got}, acknowledged {seq} lost")
        elif got > top + 1:
            problems.append(f"sector {sector}: write {got} never issued (last ack {top})")
    return problems


def run_once(image, delay):
    # The image is fresh each time: zeroes, 1024 sectors.
    with open(image, "wb") as f:
        f.truncate(512 * SECTORS)
    p = subprocess.Popen([vm, "-drive", f"file={image},format=raw,if=none,id=d0",
                          "-device", "virtio-blk-ccw,drive=d0", "-kernel", "native:stamp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunks = []
    # The kill moment counts from the first acknowledged write, not from the start: a
    # slower start (an ASan build, a loaded machine: 170-190 ms seen) must not leave the
    # whole window before the guest writes. Up to START_TIMEOUT for that first line.
    start_deadline = time.monotonic() + START_TIMEOUT
    deadline = None
    os.set_blocking(p.stdout.fileno(), False)
    while deadline is None or time.monotonic() < deadline:
        try:
            b = p.stdout.read()
        except BlockingIOError:
            b = None
        if b:
            chunks.append(b)
        if deadline is None and b"ACK " in b"".join(chunks[-2:]):
            deadline = time.monotonic() + delay
        if deadline is None and (time.monotonic() > start_deadline or p.poll() is not None):
            break
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    # What was written to the pipe before the kill is still there.
    os.set_blocking(p.stdout.fileno(), True)
    chunks.append(p.stdout.read())
    p.stdout.close()
    return b"".join(chunks), p.returncode


def main():
    if not os.access(vm, os.X_OK):
        print(f"FAIL setup: {vm} is not an executable")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    seed = int(os.environ.get("VCCW_CRASH_SEED", time.time_ns() % 1000000))
    rng = random.Random(seed)
    print(f"# seed {seed} (VCCW_CRASH_SEED={seed} repeats these kill moments)")
    tmp = tempfile.mkdtemp(prefix="vccw-crash.")
    image = os.path.join(tmp, "disk.img")
    total = flushed = 0
    kept = None
    try:
        for i in range(KILLS):
            delay = rng.uniform(0.01, 0.15)
            out, rc = run_once(image, delay)
            last, top = acks(out)
            problems = check(image, last, top)
            total += top
            flushed += out.count(b" F\n")
            result(rc == -signal.SIGKILL and not problems,
                   f"crash_kill_{i:02d}_after_{int(delay * 1000)}ms_{top}_acked",
                   "; ".join(problems[:3]) or f"exit status {rc}, not killed")
            if top > 8 and kept is None:
                kept = (open(image, "rb").read(), last, top)
        result(total > 0 and flushed > 0, "crash_writes_acknowledged",
               f"{total} writes acknowledged, {flushed} of them flushed")
        print(f"# {total} acknowledged writes ({flushed} flushed) over {KILLS} kills")
        # Negative controls on an image of a real run: the checker must see a lost write.
        if kept is None:
            result(False, "crash_checker_negative_controls", "no run acknowledged 8 writes")
        else:
            data, last, top = kept
            sector, seq = max(last.items(), key=lambda kv: kv[1])
            lost = bytearray(data)
            lost[512 * sector:512 * sector + 512] = bytes(512)
            with open(image, "wb") as f:
                f.write(lost)
            result(any(f"sector {sector}:" in p for p in check(image, last, top)),
                   "crash_checker_catches_zeroed_sector", "a zeroed sector passed")
            # The sector keeps write seq while a later write of it (seq + SECTORS, the
            # same sector) was acknowledged: that acknowledged write is lost.
            later = dict(last)
            later[sector] = seq + SECTORS
            result(any(f"acknowledged {seq + SECTORS} lost" in p
                       for p in check_bytes(data, later, seq + SECTORS)),
                   "crash_checker_catches_older_write", "an older write passed")
            with open(image, "wb") as f:
                f.write(data)
            result(not check(image, last, top), "crash_checker_accepts_real_image",
                   "the unmodified image was refused")
    finally:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
