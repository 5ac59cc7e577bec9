#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vccw-vm's storage options end to end, with QEMU 7.2's meaning, driven by the native
guest program -kernel native:blkcheck (machine/guest/blkcheck.c), which lists what each
disk offers and, on the first, writes sectors 0-7 (a pattern), flushes, reads them back,
writes 8 zero sectors at sector 16 and discards sectors 32-39 (or, on a read-only disk,
sends a write past its driver's refusal).

Checked against the image from the host side: Debian's qemu-img / qemu-io for qcow2
images (made with qemu-img), lseek(SEEK_HOLE) for deallocation in raw files.
- -blockdev in the key=value and JSON forms, libvirt's two-node form (file + raw);
- -drive format=qcow2 (vccw-vm starts qemu-nbd), and -blockdev driver=qcow2 over a file
  node: the guest's data is in the qcow2 image, the image checks clean, the size is the
  image's virtual size; without qemu-nbd in PATH the drive is refused naming qemu-utils;
- driver=nbd (server.type=unix and inet), file=nbd://HOST:PORT/ and nbd+unix:///?socket=
  against a qemu-nbd serving a qcow2 image: the data reaches the qcow2;
- readonly=on: VIRTIO_BLK_F_RO, a write answered with IOERR, the image unchanged;
- discard=unmap|ignore and detect-zeroes=off|on|unmap on -drive and on -blockdev's two
  nodes: which of a zero write, a discard and a write-zeroes with unmap deallocate, as
  QEMU 7.2 does it with the same guest script;
- snapshot=on (raw and qcow2): the guest reads its writes, the image is unchanged;
- image locking: a second writer of the same image (raw, and qcow2 through qemu-nbd's
  locks) is refused; two read-only users are allowed;
- logical_block_size / physical_block_size: BLK_SIZE and the topology's exponent;
- QMP query-blockstats: real counters after the guest's requests, query-block's node.

The read-only, discard / detect-zeroes and block-size checks run a second time on
qemu-system-s390x with the bare-metal build of the same guest program
(build/s390x/blkcheck.elf), with the same expectations: QEMU 7.2 is the ground truth.

Prints PASS/FAIL/SKIP lines and, last, "N passed, N failed, N skipped".
Usage: test-storage.py [path/to/vccw-vm]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
VM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "vccw-vm")
TIMEOUT = 30
# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from qmp_client import QMPClient, QMPTimeout  # noqa: E402
QEMU_IMG = shutil.which("qemu-img")
QEMU_IO = shutil.which("qemu-io")
QEMU_NBD = shutil.which("qemu-nbd")
counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(name, why):
    """PASS when @why is None, else FAIL with it."""
    if why is None:
        print(f"PASS {name}")
        counts["passed"] += 1
    else:
        print(f"FAIL {name}: {why}")
        counts["failed"] += 1
    sys.stdout.flush()


def skip(name, why):
    print(f"SKIP {name}: {why}")
    counts["skipped"] += 1


QEMU = shutil.which("qemu-system-s390x")
BLKCHECK_ELF = os.path.join(os.path.dirname(os.path.realpath(VM)), "s390x", "blkcheck.elf")
on_qemu = False  # run() drives qemu-system-s390x with the bare-metal blkcheck instead


def run(args, env=None):
    """vccw-vm @args with -kernel native:blkcheck: (exit status, stdout lines, stderr);
    with on_qemu, qemu-system-s390x with the same options and the bare-metal image."""
    if on_qemu:
        cmd = [QEMU, "-machine", "s390-ccw-virtio", "-nographic", "-nodefaults",
               "-display", "none", "-serial", "stdio", "-no-reboot", "-kernel",
               BLKCHECK_ELF] + args
    else:
        cmd = [VM] + args + ["-kernel", "native:blkcheck"]
    p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env)
    out = p.stdout.decode(errors="replace").splitlines()
    err = p.stderr.decode(errors="replace")
    if on_qemu:
        # The bare-metal program ends with "EXIT: STATUS=n"; QEMU's own status is 0.
        ex = [x for x in out if x.startswith("EXIT: STATUS=")]
        rc = int(ex[-1].split("=")[1]) if ex else (p.returncode or 1)
        out = [x for x in out if not x.startswith("EXIT: ")]
        if p.returncode != 0 and not ex:
            rc = 2 if p.returncode == 1 else p.returncode
        return rc, out, err
    return p.returncode, out, err


def lines(out, word):
    return [x for x in out if x.split()[:1] == [word]]


def guest_ok(rc, out, err):
    """None when the guest's script ran clean on a writable disk, else why not."""
    if rc != 0:
        return f"exit {rc}: {err.strip()}"
    want = {"WRITE 0", "READ 0 match", "ZEROWRITE 0", "FLUSH 0", "DONE"}
    missing = want - set(out)
    return f"missing {sorted(missing)} in {out} ({err.strip()})" if missing else None


def disk(out, n=0):
    """The DISK line of disk @n as a dict."""
    for x in lines(out, "DISK"):
        f = x.split()
        if int(f[1]) == n:
            return dict(kv.split("=") for kv in f[2:])
    return {}


PATTERN = bytes((((s * 7 + i) & 0xFF) ^ 0xA5) for s in range(8) for i in range(512))


def raw_image(path, size=1 << 20, fill=b"\0"):
    with open(path, "wb") as f:
        if fill == b"\0":
            f.truncate(size)
        else:
            f.write(fill * size)


def qcow2_image(path, size="3M"):
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", path, size], check=True)


def qcow2_has_pattern(path):
    """None when the qcow2 image holds the guest's sectors 0-7, else why not."""
    raw = path + ".raw"
    subprocess.run([QEMU_IMG, "convert", "-f", "qcow2", "-O", "raw", path, raw], check=True)
    with open(raw, "rb") as f:
        data = f.read(4096)
    os.unlink(raw)
    if data != PATTERN:
        return f"qcow2 sectors 0-7 hold {data[:16].hex()}..., not the guest's pattern"
    chk = subprocess.run([QEMU_IMG, "check", "-q", path], capture_output=True)
    if chk.returncode != 0:
        return f"qemu-img check: {chk.stdout.decode()} {chk.stderr.decode()}"
    return None


def file_head(path, n=4096):
    with open(path, "rb") as f:
        return f.read(n)


def is_hole(path, off, length):
    """Is [@off, @off + @length) of @path deallocated? FIEMAP where the file system has
    it (an unwritten extent, as fallocate ZERO_RANGE leaves, is still allocated), else
    lseek(SEEK_HOLE) (tmpfs: no unwritten extents)."""
    import fcntl
    import struct
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        # struct fiemap (32 bytes) + 8 struct fiemap_extent (56 bytes each);
        # FS_IOC_FIEMAP, FIEMAP_FLAG_SYNC.
        buf = bytearray(struct.pack("=QQIIII", off, length, 1, 0, 8, 0) + bytes(56 * 8))
        try:
            fcntl.ioctl(fd, 0xC020660B, buf)
            return struct.unpack_from("=I", buf, 20)[0] == 0
        except OSError:
            pass
        if os.lseek(fd, off, os.SEEK_HOLE) != off:
            return False
        try:
            return os.lseek(fd, off, os.SEEK_DATA) >= off + length
        except OSError:
            return True  # no data after @off at all
    finally:
        os.close(fd)


def can_punch(tmp):
    path = os.path.join(tmp, "punch-probe")
    raw_image(path, 16384, b"\1")
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
        ok = libc.fallocate(fd, 3, ctypes.c_long(4096), ctypes.c_long(4096)) == 0
    finally:
        os.close(fd)
    ok = ok and is_hole(path, 4096, 4096)
    os.unlink(path)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, what):
    deadline = time.monotonic() + TIMEOUT
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


class QemuNbd:
    """A qemu-nbd serving @image (@fmt) on a unix socket or a TCP port, until stop()."""

    def __init__(self, image, fmt, sock=None, port=None):
        args = [QEMU_NBD, "-f", fmt, "--persistent", "--shared=4"]
        if sock:
            args += ["-k", sock]
        else:
            args += ["-b", "127.0.0.1", "-p", str(port)]
        self.proc = subprocess.Popen(args + [image], stderr=subprocess.PIPE)
        if sock:
            wait_for(lambda: os.path.exists(sock), f"qemu-nbd socket {sock}")
        else:
            def up():
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    return True
                except OSError:
                    return False
            wait_for(up, f"qemu-nbd on port {port}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(TIMEOUT)


def blk(drive, props=""):
    return ["-device", f"virtio-blk-ccw,drive={drive}{props}"]


# ---- the tests ----

def test_blockdev_forms(tmp):
    img = os.path.join(tmp, "two-node.img")
    forms = {
        "keyval": ["-blockdev", f"driver=file,filename={img},node-name=f0",
                   "-blockdev", "driver=raw,file=f0,node-name=d0"],
        "json": ["-blockdev", json.dumps({"driver": "file", "filename": img,
                                          "node-name": "f0"}),
                 "-blockdev", json.dumps({"driver": "raw", "file": "f0", "node-name": "d0"})],
        "inline": ["-blockdev", f"driver=raw,node-name=d0,file.driver=file,"
                   f"file.filename={img}"],
    }
    for name, args in forms.items():
        raw_image(img)
        rc, out, err = run(args + blk("d0"))
        why = guest_ok(rc, out, err)
        if why is None and file_head(img) != PATTERN:
            why = "the image does not hold the guest's sectors 0-7"
        report(f"storage_blockdev_{name}_data_in_image", why)
    # The file node under a format node is not a drive of its own.
    raw_image(img)
    rc, out, err = run(forms["keyval"] + blk("f0"))
    report("storage_blockdev_file_node_of_format_node_refused",
           None if rc == 2 and "node 'f0' is the file of node 'd0'" in err
           else f"exit {rc}: {err.strip()}")


def test_qcow2(tmp):
    if not (QEMU_IMG and QEMU_NBD):
        skip("storage_qcow2", "qemu-img / qemu-nbd not installed (qemu-utils)")
        return
    img = os.path.join(tmp, "disk.qcow2")
    for name, args in [
            ("drive", ["-drive", f"file={img},format=qcow2,if=none,id=d0"]),
            # No format=: QEMU probes the image, and so does vccw-vm for qcow2.
            ("drive_probed", ["-drive", f"file={img},if=none,id=d0"]),
            ("blockdev", ["-blockdev", f"driver=file,filename={img},node-name=f0",
                          "-blockdev", "driver=qcow2,file=f0,node-name=d0"])]:
        qcow2_image(img)
        rc, out, err = run(args + blk("d0"))
        why = guest_ok(rc, out, err)
        if why is None and disk(out).get("capacity") != str(3 * 2048):
            why = f"capacity {disk(out).get('capacity')}, expected 6144 sectors (3 MiB)"
        report(f"storage_qcow2_{name}_data_in_image", why or qcow2_has_pattern(img))
    # Without qemu-nbd the drive is refused, naming the package.
    qcow2_image(img)
    env = dict(os.environ, PATH=os.path.join(tmp, "no-such-dir"))
    rc, out, err = run(["-drive", f"file={img},format=qcow2,if=none,id=d0"] + blk("d0"), env)
    report("storage_qcow2_without_qemu_nbd_names_qemu_utils",
           None if rc == 2 and "install qemu-utils" in err else f"exit {rc}: {err.strip()}")


def test_nbd(tmp):
    if not (QEMU_IMG and QEMU_NBD):
        skip("storage_nbd", "qemu-img / qemu-nbd not installed (qemu-utils)")
        return
    img = os.path.join(tmp, "served.qcow2")
    sock = os.path.join(tmp, "nbd.sock")
    port = free_port()
    cases = [
        ("blockdev_unix", True, ["-blockdev", f"driver=nbd,node-name=n0,server.type=unix,"
                                 f"server.path={sock}"]),
        ("drive_nbd_unix_uri", True, ["-drive", f"file=nbd+unix:///?socket={sock},"
                                      "format=raw,if=none,id=n0"]),
        ("blockdev_inet_json", False, ["-blockdev", json.dumps({
            "driver": "nbd", "node-name": "n0", "export": "",
            "server": {"type": "inet", "host": "127.0.0.1", "port": str(port)}})]),
        ("drive_nbd_uri", False, ["-drive", f"file=nbd://127.0.0.1:{port}/,format=raw,"
                                  "if=none,id=n0"]),
    ]
    for name, unix, args in cases:
        qcow2_image(img)
        srv = QemuNbd(img, "qcow2", sock=sock if unix else None, port=None if unix else port)
        try:
            rc, out, err = run(args + blk("n0"))
        finally:
            srv.stop()
        why = guest_ok(rc, out, err)
        if why is None and disk(out).get("capacity") != str(3 * 2048):
            why = f"capacity {disk(out).get('capacity')}"
        report(f"storage_nbd_{name}_data_in_qcow2", why or qcow2_has_pattern(img))
    rc, out, err = run(["-blockdev", f"driver=nbd,node-name=n0,server.type=unix,"
                        f"server.path={tmp}/none.sock"] + blk("n0"))
    report("storage_nbd_no_server_refused",
           None if rc == 2 and "none.sock" in err else f"exit {rc}: {err.strip()}")


def test_readonly(tmp):
    img = os.path.join(tmp, "ro.img")
    raw_image(img, fill=b"\x5a")
    before = file_head(img, 1 << 20)
    for name, args in [("drive", ["-drive", f"file={img},format=raw,if=none,id=d0,"
                                  "readonly=on"]),
                       ("blockdev", ["-blockdev", f"driver=file,filename={img},"
                                     "node-name=f0,read-only=on",
                                     "-blockdev", "driver=raw,file=f0,node-name=d0,"
                                     "read-only=on"])]:
        rc, out, err = run(args + blk("d0"))
        d = disk(out)
        why = None
        if rc != 0:
            why = f"exit {rc}: {err}"
        elif d.get("ro") != "1":
            why = f"VIRTIO_BLK_F_RO not offered: {d}"
        elif "ROWRITE EIO" not in out:
            why = f"a write to the read-only disk got {lines(out, 'ROWRITE')}, not IOERR"
        elif file_head(img, 1 << 20) != before:
            why = "the image changed"
        report(f"storage_readonly_{name}_f_ro_and_ioerr", why)


def test_discard_detect_zeroes(tmp):
    """What reaches the image as deallocation, as QEMU 7.2 does it (observed with the same
    guest script on qemu-system-s390x: a guest discard needs discard=unmap on every node;
    a write-zeroes with unmap, and a zero write under detect-zeroes=unmap, deallocate
    unless the image node is a -blockdev node without discard=unmap)."""
    if not can_punch(tmp):
        skip("storage_discard", "the temp file system cannot punch holes SEEK_HOLE sees")
        return
    img = os.path.join(tmp, "dz.img")
    drive = f"file={img},format=raw,if=none,id=d0"
    fnode = f"driver=file,filename={img},node-name=f0"
    rnode = "driver=raw,file=f0,node-name=d0"
    # (name, options, hole at the zero write (sector 16), at the discard (sector 32), at
    # the write-zeroes with unmap (sector 48))
    cases = [
        ("drive_default", ["-drive", drive], False, False, True),
        ("drive_discard_ignore", ["-drive", drive + ",discard=ignore"], False, False, True),
        ("drive_discard_unmap", ["-drive", drive + ",discard=unmap"], False, True, True),
        ("drive_detect_zeroes_off", ["-drive", drive + ",discard=unmap,detect-zeroes=off"],
         False, True, True),
        ("drive_detect_zeroes_on", ["-drive", drive + ",detect-zeroes=on"], False, False, True),
        ("drive_detect_zeroes_unmap", ["-drive", drive + ",discard=unmap,detect-zeroes=unmap"],
         True, True, True),
        ("drive_detect_zeroes_unmap_discard_ignore", ["-drive", drive + ",detect-zeroes=unmap"],
         True, False, True),
        ("blockdev_default", ["-blockdev", fnode, "-blockdev", rnode], False, False, False),
        ("blockdev_file_unmap", ["-blockdev", fnode + ",discard=unmap", "-blockdev", rnode],
         False, False, True),
        ("blockdev_both_unmap", ["-blockdev", fnode + ",discard=unmap",
                                 "-blockdev", rnode + ",discard=unmap"], False, True, True),
        ("blockdev_raw_unmap", ["-blockdev", fnode, "-blockdev", rnode + ",discard=unmap"],
         False, False, False),
    ]
    for name, args, zero_hole, discard_hole, wz_hole in cases:
        raw_image(img, fill=b"\xff")
        rc, out, err = run(args + blk("d0"))
        why = guest_ok(rc, out, err)
        if why is None and ("DISCARD 0" not in out or "WZUNMAP 0" not in out):
            why = f"discard / write zeroes: {lines(out, 'DISCARD')} {lines(out, 'WZUNMAP')}"
        if why is None:
            with open(img, "rb") as f:
                f.seek(16 * 512)
                if f.read(4096) != bytes(4096):
                    why = "sectors 16-23 do not read as zeroes"
        for what, sector, want in (("zero write", 16, zero_hole), ("discard", 32, discard_hole),
                                   ("write zeroes with unmap", 48, wz_hole)):
            if why is None and is_hole(img, sector * 512, 4096) != want:
                why = f"{what}: deallocated {not want}, expected {want}"
        report(f"storage_{name}", why)


def test_snapshot(tmp):
    if not (QEMU_IMG and QEMU_NBD):
        skip("storage_snapshot", "qemu-img / qemu-nbd not installed (qemu-utils)")
        return
    img = os.path.join(tmp, "snap.img")
    raw_image(img, fill=b"\x33")
    before = file_head(img, 1 << 20)
    rc, out, err = run(["-drive", f"file={img},format=raw,if=none,id=d0,snapshot=on"] +
                       blk("d0"))
    why = guest_ok(rc, out, err)
    if why is None and file_head(img, 1 << 20) != before:
        why = "the image changed"
    report("storage_snapshot_raw_image_unchanged", why)
    q = os.path.join(tmp, "snap.qcow2")
    qcow2_image(q)
    rc, out, err = run(["-drive", f"file={q},format=qcow2,if=none,id=d0,snapshot=on"] +
                       blk("d0"))
    why = guest_ok(rc, out, err)
    if why is None:
        raw = q + ".raw"
        subprocess.run([QEMU_IMG, "convert", "-O", "raw", q, raw], check=True)
        if file_head(raw) != bytes(4096):
            why = "the qcow2 image changed"
        os.unlink(raw)
    report("storage_snapshot_qcow2_image_unchanged", why)


def test_locking(tmp):
    img = os.path.join(tmp, "lock.img")
    raw_image(img)
    qmp = os.path.join(tmp, "lock-qmp.sock")

    def holder(args):
        p = subprocess.Popen([VM] + args + ["-kernel", "native:idle", "-qmp",
                                            f"unix:{qmp},server=on,wait=off"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: os.path.exists(qmp) or p.poll() is not None, "first vccw-vm")
        # The socket listens before the drives open (and qemu-nbd takes its locks); the
        # greeting comes once the machine is up, drives open.
        if p.poll() is None:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(TIMEOUT)
            c.connect(qmp)
            greeting = b""
            while b"\n" not in greeting:
                chunk = c.recv(4096)
                if not chunk:
                    break
                greeting += chunk
            c.close()
        return p

    def done(p):
        p.terminate()
        p.wait(TIMEOUT)
        if os.path.exists(qmp):
            os.unlink(qmp)

    drive = f"file={img},format=raw,if=none,id=d0"
    p = holder(["-drive", drive] + blk("d0"))
    try:
        rc, out, err = run(["-drive", drive] + blk("d0"))
        report("storage_lock_second_writer_refused",
               None if rc == 2 and "in use" in err else f"exit {rc}: {err.strip()}")
        rc, out, err = run(["-drive", drive + ",readonly=on"] + blk("d0"))
        report("storage_lock_reader_of_written_image_refused",
               None if rc == 2 and "in use" in err else f"exit {rc}: {err.strip()}")
    finally:
        done(p)
    p = holder(["-drive", drive + ",readonly=on"] + blk("d0"))
    try:
        rc, out, err = run(["-drive", drive + ",readonly=on"] + blk("d0"))
        report("storage_lock_two_readers_allowed",
               None if rc == 0 and "DONE" in out else f"exit {rc}: {err.strip()}")
    finally:
        done(p)
    if not (QEMU_IMG and QEMU_NBD):
        skip("storage_lock_qcow2", "qemu-img / qemu-nbd not installed (qemu-utils)")
        return
    q = os.path.join(tmp, "lock.qcow2")
    qcow2_image(q)
    drive = f"file={q},format=qcow2,if=none,id=d0"
    p = holder(["-drive", drive] + blk("d0"))
    try:
        rc, out, err = run(["-drive", drive] + blk("d0"))
        report("storage_lock_qcow2_second_writer_refused",
               None if rc == 2 and "lock" in err else f"exit {rc}: {err.strip()}")
        # QEMU itself is refused too: qemu-nbd takes QEMU's own image locks.
        chk = subprocess.run([QEMU_IO, "-c", "write 0 512", q], capture_output=True)
        report("storage_lock_qcow2_qemu_io_refused",
               None if b"lock" in chk.stderr else f"qemu-io: {chk.stderr.decode()}")
    finally:
        done(p)


def test_block_sizes(tmp):
    img = os.path.join(tmp, "bs.img")
    raw_image(img)
    drive = ["-drive", f"file={img},format=raw,if=none,id=d0"]
    for props, lbs, pbs in [("", 512, 512),
                            (",logical_block_size=4096,physical_block_size=4096", 4096, 4096),
                            (",physical_block_size=4096", 512, 4096),
                            (",logical_block_size=1024,physical_block_size=8k", 1024, 8192)]:
        rc, out, err = run(drive + blk("d0", props))
        d = disk(out)
        report(f"storage_block_size_{lbs}_{pbs}",
               None if rc == 0 and d.get("blk_size") == str(lbs) and
               d.get("phys") == str(pbs) else f"exit {rc}: {d} {err.strip()}")
    # (properties, our message, QEMU's)
    for props, msg, qmsg in [
            (",logical_block_size=1000", "is not a power of 2", "it's not a power of 2"),
            (",logical_block_size=4096", "logical_block_size > physical_block_size",
             "logical_block_size > physical_block_size"),
            (",physical_block_size=256", "power of 2 between 512", "(minimum: 512")]:
        msg = qmsg if on_qemu else msg
        rc, out, err = run(drive + blk("d0", props))
        report(f"storage_block_size_refused{props.replace(',', '_').replace('=', '_')}",
               None if rc == 2 and msg in err else f"exit {rc}: {err.strip()}")


def qmp_call(sock, cmds):
    """The replies to @cmds (whole QMP messages), after capabilities negotiation."""
    c = QMPClient(sock, timeout=TIMEOUT)
    try:
        out = []
        for m in cmds:
            c.send(m)
            out.append(c.reply())
        return out
    finally:
        c.close()


def test_blockstats(tmp):
    img = os.path.join(tmp, "stats.img")
    raw_image(img)
    sock = os.path.join(tmp, "stats-qmp.sock")
    p = subprocess.Popen([VM, "-blockdev", f"driver=file,filename={img},node-name=f0",
                          "-blockdev", "driver=raw,file=f0,node-name=d0",
                          "-device", "virtio-blk-ccw,drive=d0,id=blk0",
                          "-kernel", "native:blkcheck", "-no-shutdown",
                          "-qmp", f"unix:{sock},server=on,wait=off"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = []
        while "DONE" not in seen:
            line = p.stdout.readline().decode()
            if not line:
                break
            seen.append(line.strip())
        stats, block = qmp_call(sock, [{"execute": "query-blockstats"},
                                       {"execute": "query-block"}])
        qmp_call(sock, [{"execute": "quit"}])
        p.wait(TIMEOUT)
    except Exception:
        p.kill()
        p.wait()
        raise
    st = [x for x in stats.get("return", []) if x.get("node-name") == "d0"]
    why = None
    if len(st) != 1:
        why = f"no d0 in {stats}"
    else:
        s = st[0]["stats"]
        # The script: 2 writes (8 + 8 sectors), 2 flushes, reads of at least 8 sectors.
        if s["wr_operations"] < 2 or s["wr_bytes"] < 8192 or s["flush_operations"] < 2 or \
                s["rd_operations"] < 1 or s["rd_bytes"] < 4096:
            why = f"counters {s}"
        elif not all(s[k] > 0 for k in ("rd_total_time_ns", "wr_total_time_ns",
                                         "flush_total_time_ns")):
            why = f"total times {s}"
        elif st[0].get("qdev") != "/machine/peripheral/blk0/virtio-backend" or \
                st[0].get("parent", {}).get("node-name") != "f0":
            why = f"qdev/parent {st[0]}"
    report("storage_query_blockstats_counts_the_guest", why)
    b = [x for x in block.get("return", []) if x["inserted"]["node-name"] == "d0"]
    report("storage_query_block_shows_node",
           None if len(b) == 1 and b[0]["inserted"]["drv"] == "raw" and
           b[0]["inserted"]["image"]["filename"] == img and
           b[0]["inserted"]["image"]["virtual-size"] == 1 << 20 else f"{block}")


def test_qmp_qcow2_two_nodes(tmp):
    """libvirt's qcow2: blockdev-add a file node, then a qcow2 node over it by name."""
    if not (QEMU_IMG and QEMU_NBD and QEMU_IO):
        skip("storage_qmp_qcow2", "qemu-img / qemu-nbd / qemu-io not installed (qemu-utils)")
        return
    img = os.path.join(tmp, "hot.qcow2")
    qcow2_image(img)
    sock = os.path.join(tmp, "hot-qmp.sock")
    p = subprocess.Popen([VM, "-S", "-qmp", f"unix:{sock},server=on,wait=off"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(sock), "vccw-vm's QMP socket")
        r = qmp_call(sock, [
            {"execute": "blockdev-add", "arguments": {"driver": "file", "filename": img,
                                                      "node-name": "f1"}},
            {"execute": "blockdev-add", "arguments": {"driver": "qcow2", "file": "f1",
                                                      "node-name": "q1"}},
            {"execute": "device_add", "arguments": {"driver": "virtio-blk-ccw",
                                                    "drive": "q1", "id": "hq"}},
            {"execute": "query-block"},
            {"execute": "device_del", "arguments": {"id": "hq"}}])
        time.sleep(0.5)
        r += qmp_call(sock, [
            {"execute": "blockdev-del", "arguments": {"node-name": "q1"}},
            {"execute": "blockdev-del", "arguments": {"node-name": "f1"}},
            {"execute": "quit"}])
        p.wait(TIMEOUT)
    except Exception:
        p.kill()
        p.wait()
        raise
    why = None
    for i, step in enumerate(["blockdev-add file", "blockdev-add qcow2", "device_add"]):
        if "return" not in r[i]:
            why = f"{step}: {r[i]}"
            break
    if why is None:
        b = [x for x in r[3]["return"] if x["inserted"]["node-name"] == "q1"]
        if len(b) != 1 or b[0]["inserted"]["drv"] != "qcow2" or \
                b[0]["inserted"]["image"]["virtual-size"] != 3 << 20:
            why = f"query-block: {r[3]}"
    if why is None and not all("return" in x for x in r[4:]):
        why = f"device_del / blockdev-del / quit: {r[4:]}"
    if why is None:
        # Nothing holds the image any more: QEMU's own tool can write it.
        chk = subprocess.run([QEMU_IO, "-c", "write 0 512", img], capture_output=True)
        if chk.returncode != 0 or chk.stderr:
            why = f"image still locked: {chk.stderr.decode()}"
    report("storage_qmp_qcow2_two_nodes", why)


def main():
    global on_qemu, report
    with tempfile.TemporaryDirectory(prefix="vccw-storage-") as tmp:
        for t in (test_blockdev_forms, test_qcow2, test_nbd, test_readonly,
                  test_discard_detect_zeroes, test_snapshot, test_locking, test_block_sizes,
                  test_blockstats, test_qmp_qcow2_two_nodes):
            try:
                t(tmp)
            except Exception as e:  # a harness problem is a failure of that test
                report(t.__name__, f"{type(e).__name__}: {e}")
        # Ground truth: the same guest script and the same expectations on QEMU 7.2 for
        # what both have (read-only, discard and detect-zeroes, block sizes).
        if not QEMU:
            skip("qemu_storage", "qemu-system-s390x not installed (qemu-system-misc)")
        elif not os.path.exists(BLKCHECK_ELF):
            skip("qemu_storage", f"{BLKCHECK_ELF} not built (make guest-s390x)")
        else:
            on_qemu = True
            vm_report = report

            def report(name, why):
                vm_report("qemu_" + name, why)
            for t in (test_readonly, test_discard_detect_zeroes, test_block_sizes):
                try:
                    t(tmp)
                except Exception as e:
                    report(t.__name__, f"{type(e).__name__}: {e}")
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
