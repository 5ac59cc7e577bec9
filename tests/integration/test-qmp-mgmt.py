#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""QMP as management tools use it, on vccw-vm and on qemu-system-s390x side by side.

Debian packages no QMP client of QEMU's (python3-qemu.qmp is not in Debian 12), so the
client here is a standard-library one that behaves as QEMU 7.2's qemu.qmp.QMPClient does
(python/qemu/qmp/qmp_client.py and models.py): it checks the greeting's shape, enables
the "oob" capability when the greeting offers it, sends every command with an id of the
form "__qmp#00001", routes replies by id and events apart, and treats an error without
an id as the server's parse failure.

One libvirt-style sequence (capabilities, query-version, query-commands, query-status,
query-block, blockdev-add + device_add, qom-get, device_del + DEVICE_DELETED +
blockdev-del, the same with libvirt's two nodes (file, then raw over it by node name), netdev_add/del, chardev-add/remove, stop/cont, human-monitor-command,
device_add errors, quit) runs against QEMU (with the bare-metal agent
image, build/s390x/agent.elf) and against vccw-vm (the same agent as a native program);
each step's reply must have the same shape on both (the same members, the same error
class and text), and a few values must be equal. system_powerdown is seen by the agent
(the SCLP signal-quiesce event) on both, and a guest's clean end leaves both machines in
"shutdown" under -no-shutdown. With a bare-metal s390x image on both (quiesce.elf, on
vccw-vm's s390x back-end): system_powerdown ends the guest by SIGP STOP, SIGP STOP AND
STORE STATUS or a disabled wait, a guest shutdown on both, and system_reset re-IPLs it
(its -append again), from running and from shutdown. Then vccw-vm alone: the run states
(-S prelaunch, paused, shutdown and guest-panicked under -no-shutdown, system_reset from
shutdown), system_powerdown seen by the guest program, and the monitor driven by socat.

Prints PASS/FAIL/SKIP lines and, last, "N passed, N failed, N skipped".
Usage: test-qmp-mgmt.py [path/to/vccw-vm]
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
VM = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "VCCW_VM", os.path.join(HERE, "..", "vccw-vm"))
TIMEOUT = float(os.environ.get("VCCW_QMP_TIMEOUT", "30"))
# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, HERE)
import qmp_client  # noqa: E402
QEMU = shutil.which("qemu-system-s390x")
SOCAT = shutil.which("socat")
S390X_DIR = os.path.join(os.path.dirname(os.path.realpath(VM)), "s390x")

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
    counts["passed" if ok else "failed"] += 1
    sys.stdout.flush()


def skip(name, why):
    print(f"SKIP {name}: {why}")
    counts["skipped"] += 1


def check(name, fn):
    try:
        res = fn()
    except Exception as e:  # one test's failure, not the run's
        return report(name, False, f"{type(e).__name__}: {e}")
    report(name, res is None or res is True, str(res))


class QMPError(Exception):
    pass


class QMPClient(qmp_client.QMPClient):
    """Synchronous counterpart of qemu.qmp.QMPClient (QEMU 7.2): same checks, same ids,
    on the shared client (qmp_client.py)."""

    def __init__(self, path):
        super().__init__(path, timeout=TIMEOUT, negotiate=False)
        self.exec_id = 0
        greeting = self.greeting
        # models.Greeting: 'QMP' an object with a 'version' object and a 'capabilities' array.
        g = greeting.get("QMP")
        if not isinstance(g, dict) or not isinstance(g.get("version"), dict) or \
                not isinstance(g.get("capabilities"), list):
            raise QMPError(f"Did not understand Greeting: {greeting}")
        # qmp_client._negotiate(): ask for oob when it is offered; the reply must return.
        args = {"enable": ["oob"]} if "oob" in g["capabilities"] else {}
        self._send({"execute": "qmp_capabilities", "arguments": args})
        reply = self._recv()
        if "return" not in reply or "error" in reply:
            raise QMPError(f"Negotiation failed: {reply}")

    def _send(self, msg):
        self.send(msg)

    def _recv(self, timeout=None):
        return self.recv(timeout)

    def execute_msg(self, cmd, args=None):
        """The whole reply ({"return": ...} or {"error": ...}) to @cmd."""
        msg_id = f"__qmp#{self.exec_id:05d}"
        self.exec_id += 1
        msg = {"execute": cmd, "id": msg_id}
        if args is not None:
            msg["arguments"] = args
        self._send(msg)
        while True:
            r = self._recv()
            if "event" in r:
                self.events.append(r)
                continue
            if r.get("id") == msg_id:
                if "return" not in r and not isinstance(r.get("error"), dict):
                    raise QMPError(f"BadReplyError: {r}")
                return r
            if "error" in r and "id" not in r:
                raise QMPError(f"ServerParseError: {r}")
            # qmp-spec: replies with an unknown id are dropped.

    def event(self, name, timeout=None):
        return super().event(name, timeout=timeout)


class Target:
    """qemu-system-s390x or vccw-vm with -qmp, run until quit."""

    def __init__(self, kind, tmp, extra, program="agent", paused=True, elf=None):
        """@elf: a bare-metal s390x image both run (vccw-vm on its s390x back-end)."""
        self.kind = kind
        self.sock = os.path.join(tmp, f"{kind}.sock")
        if kind == "qemu":
            cmd = [QEMU, "-machine", "s390-ccw-virtio", "-display", "none", "-nodefaults",
                   "-kernel", elf or os.path.join(S390X_DIR, f"{program}.elf")]
        elif elf:
            cmd = [VM, "-kernel", elf]
        else:
            cmd = [VM, "-kernel", f"native:{program}"]
        cmd += ["-qmp", f"unix:{self.sock},server=on,wait=off"] + extra
        if paused:
            cmd.append("-S")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.pending = b""  # console output read_line() took but did not use

    def wait(self):
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            return None, (self.pending + out).decode(errors="replace"), \
                err.decode(errors="replace")
        return self.proc.returncode, (self.pending + out).decode(errors="replace"), \
            err.decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def shape(v):
    """The shape of a reply: member names and value kinds, not the values."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__


def sub_shape(small, big, path="return"):
    """None when every member of @small is in @big with the same shape, else where not."""
    if isinstance(small, dict) and isinstance(big, dict):
        for k in small:
            if k not in big:
                return f"{path}.{k}: only on vccw-vm"
            why = sub_shape(small[k], big[k], f"{path}.{k}")
            if why:
                return why
        return None
    if isinstance(small, list) and isinstance(big, list):
        if small and big:
            return sub_shape(small[0], big[0], path + "[0]")
        return None
    return None if small == big else f"{path}: {small} on vccw-vm, {big} on QEMU"


def sequence(t, tmp):
    """The libvirt-style sequence against @t; returns [(step, reply-or-value)]."""
    out = []
    c = QMPClient(t.sock)
    out.append(("greeting", c.greeting))
    out.append(("query-version", c.execute_msg("query-version")))
    out.append(("query-commands", c.execute_msg("query-commands")))
    out.append(("query-status-prelaunch", c.execute_msg("query-status")))
    out.append(("cont", c.execute_msg("cont")))
    out.append(("resume-event", c.event("RESUME").get("data")))
    out.append(("query-status-running", c.execute_msg("query-status")))
    out.append(("query-block", c.execute_msg("query-block")))
    out.append(("query-blockstats", c.execute_msg("query-blockstats")))
    img = os.path.join(tmp, f"{t.kind}-hot.img")
    with open(img, "wb") as f:
        f.truncate(1 << 20)
    out.append(("blockdev-add", c.execute_msg("blockdev-add", {
        "driver": "raw", "node-name": "hotdisk",
        "file": {"driver": "file", "filename": img}})))
    out.append(("blockdev-add-duplicate", c.execute_msg("blockdev-add", {
        "driver": "raw", "node-name": "hotdisk",
        "file": {"driver": "file", "filename": img}})))
    out.append(("device_add", c.execute_msg("device_add", {
        "driver": "virtio-blk-ccw", "drive": "hotdisk", "id": "hotblk",
        "devno": "fe.0.0005"})))
    out.append(("query-block-hot", c.execute_msg("query-block")))
    out.append(("qom-get-type", c.execute_msg("qom-get", {
        "path": "/machine/peripheral/hotblk", "property": "type"})))
    out.append(("qom-get-dev_id", c.execute_msg("qom-get", {
        "path": "/machine/peripheral/hotblk", "property": "dev_id"})))
    out.append(("qom-get-drive", c.execute_msg("qom-get", {
        "path": "/machine/peripheral/hotblk", "property": "drive"})))
    out.append(("qom-get-unknown", c.execute_msg("qom-get", {
        "path": "/machine/peripheral/hotblk", "property": "nope"})))
    out.append(("qom-get-no-device", c.execute_msg("qom-get", {
        "path": "/machine/peripheral/nope", "property": "type"})))
    out.append(("qom-list-peripheral", c.execute_msg("qom-list",
                                                     {"path": "/machine/peripheral"})))
    for name, args in [
            ("dup-id", {"driver": "virtio-rng-ccw", "id": "hotblk"}),
            ("dup-devno", {"driver": "virtio-rng-ccw", "id": "r1", "devno": "fe.0.0005"}),
            ("bad-type", {"driver": "virtio-nope-ccw"}),
            ("bad-prop", {"driver": "virtio-rng-ccw", "bogus": "1"}),
            ("bad-devno", {"driver": "virtio-rng-ccw", "devno": "fe.0.10000"}),
            ("bad-id", {"driver": "virtio-rng-ccw", "id": "9x"}),
            ("bad-int", {"driver": "virtio-rng-ccw", "max_revision": "x"}),
            ("bad-bool", {"driver": "virtio-rng-ccw", "packed": "maybe"}),
            ("no-drive", {"driver": "virtio-blk-ccw", "id": "b2"}),
            ("unknown-drive", {"driver": "virtio-blk-ccw", "id": "b2", "drive": "zz"}),
            ("unknown-netdev", {"driver": "virtio-net-ccw", "id": "n2", "netdev": "zz"}),
            ("no-driver", {"id": "x"})]:
        out.append((f"device_add-error-{name}", c.execute_msg("device_add", args)))
    out.append(("blockdev-del-in-use", c.execute_msg("blockdev-del", {"node-name": "hotdisk"})))
    out.append(("device_del", c.execute_msg("device_del", {"id": "hotblk"})))
    # QEMU reports the virtio-backend child, then the device libvirt waits for.
    deleted = []
    while not deleted or "device" not in deleted[-1]:
        deleted.append(c.event("DEVICE_DELETED").get("data"))
    out.append(("device-deleted-event", deleted))
    out.append(("blockdev-del", c.execute_msg("blockdev-del", {"node-name": "hotdisk"})))
    out.append(("blockdev-del-gone", c.execute_msg("blockdev-del", {"node-name": "hotdisk"})))
    out.append(("device_del-gone", c.execute_msg("device_del", {"id": "hotblk"})))
    # libvirt's two-node form: a file node, a raw node over it by name, the device on top.
    img2 = os.path.join(tmp, f"{t.kind}-hot2.img")
    with open(img2, "wb") as f:
        f.truncate(2 << 20)
    for name, args in [
            ("file-node", {"driver": "file", "filename": img2, "node-name": "hotfile"}),
            ("raw-node", {"driver": "raw", "file": "hotfile", "node-name": "hotraw"}),
            ("unknown-file", {"driver": "raw", "file": "nope", "node-name": "x1"}),
            ("file-twice", {"driver": "file", "filename": img2, "node-name": "hotfile"}),
            ("no-filename", {"driver": "file", "node-name": "x2"}),
            ("bad-bool", {"driver": "file", "filename": img2, "node-name": "x3",
                          "read-only": "on"}),
            ("unexpected", {"driver": "file", "filename": img2, "node-name": "x4",
                            "bogus": 1}),
            ("bad-node-name", {"driver": "file", "filename": img2, "node-name": "4x"})]:
        out.append((f"blockdev-add-{name}", c.execute_msg("blockdev-add", args)))
    out.append(("device_add-two-node", c.execute_msg("device_add", {
        "driver": "virtio-blk-ccw", "drive": "hotraw", "id": "hotblk2",
        "devno": "fe.0.0006"})))
    out.append(("query-block-two-node", c.execute_msg("query-block")))
    out.append(("query-blockstats-two-node", c.execute_msg("query-blockstats")))
    out.append(("blockdev-del-file-under-raw", c.execute_msg("blockdev-del",
                                                             {"node-name": "hotfile"})))
    out.append(("blockdev-del-raw-in-use", c.execute_msg("blockdev-del",
                                                         {"node-name": "hotraw"})))
    out.append(("device_del-two-node", c.execute_msg("device_del", {"id": "hotblk2"})))
    deleted = []
    while not deleted or "device" not in deleted[-1]:
        deleted.append(c.event("DEVICE_DELETED").get("data"))
    out.append(("device-deleted-event-two-node", deleted))
    out.append(("blockdev-del-file-before-raw", c.execute_msg("blockdev-del",
                                                              {"node-name": "hotfile"})))
    out.append(("blockdev-del-raw", c.execute_msg("blockdev-del", {"node-name": "hotraw"})))
    out.append(("blockdev-del-file", c.execute_msg("blockdev-del", {"node-name": "hotfile"})))
    out.append(("netdev_add", c.execute_msg("netdev_add", {"type": "user", "id": "net9"})))
    out.append(("netdev_add-duplicate", c.execute_msg("netdev_add",
                                                      {"type": "user", "id": "net9"})))
    out.append(("netdev_del", c.execute_msg("netdev_del", {"id": "net9"})))
    out.append(("netdev_del-gone", c.execute_msg("netdev_del", {"id": "net9"})))
    out.append(("chardev-add", c.execute_msg("chardev-add", {
        "id": "chr9", "backend": {"type": "null", "data": {}}})))
    out.append(("chardev-add-duplicate", c.execute_msg("chardev-add", {
        "id": "chr9", "backend": {"type": "null", "data": {}}})))
    out.append(("query-chardev", c.execute_msg("query-chardev")))
    out.append(("chardev-remove", c.execute_msg("chardev-remove", {"id": "chr9"})))
    out.append(("chardev-remove-gone", c.execute_msg("chardev-remove", {"id": "chr9"})))
    out.append(("stop", c.execute_msg("stop")))
    out.append(("stop-event", c.event("STOP").get("data")))
    out.append(("query-status-paused", c.execute_msg("query-status")))
    out.append(("hmp-info-status-paused", c.execute_msg("human-monitor-command",
                                                        {"command-line": "info status"})))
    out.append(("cont-again", c.execute_msg("cont")))
    out.append(("hmp-info-status", c.execute_msg("human-monitor-command",
                                                 {"command-line": "info status"})))
    out.append(("hmp-unknown", c.execute_msg("human-monitor-command",
                                             {"command-line": "info bogus"})))
    c._send({"exec-oob": "query-status", "id": "oob1"})
    out.append(("exec-oob", c._recv()))
    out.append(("quit", c.execute_msg("quit")))
    out.append(("shutdown-event", c.event("SHUTDOWN").get("data")))
    c.close()
    return out


# Steps whose whole reply must be equal on both (errors: class and text; fixed values).
EXACT = {"cont", "resume-event", "blockdev-add", "blockdev-add-duplicate", "device_add",
         "qom-get-type", "qom-get-dev_id", "qom-get-drive", "qom-get-unknown",
         "qom-get-no-device", "blockdev-del-in-use", "device_del", "device-deleted-event",
         "blockdev-del", "blockdev-del-gone", "device_del-gone", "netdev_add",
         "netdev_add-duplicate", "netdev_del", "netdev_del-gone", "chardev-add",
         "chardev-add-duplicate", "chardev-remove", "chardev-remove-gone", "stop",
         "stop-event", "query-status-prelaunch", "query-status-running",
         "query-status-paused", "hmp-info-status-paused", "cont-again", "hmp-info-status",
         "hmp-unknown", "exec-oob", "quit", "shutdown-event",
         "blockdev-add-file-node", "blockdev-add-raw-node", "blockdev-add-unknown-file",
         "blockdev-add-file-twice", "blockdev-add-no-filename", "blockdev-add-bad-bool",
         "blockdev-add-unexpected", "blockdev-add-bad-node-name", "device_add-two-node",
         "blockdev-del-file-under-raw", "blockdev-del-raw-in-use", "device_del-two-node",
         "device-deleted-event-two-node", "blockdev-del-file-before-raw",
         "blockdev-del-raw", "blockdev-del-file"}

# Commands a libvirt-style client needs from query-commands.
LIBVIRT_COMMANDS = {"qmp_capabilities", "query-version", "query-commands", "query-status",
                    "query-block", "query-blockstats", "query-chardev", "blockdev-add",
                    "blockdev-del", "device_add", "device_del", "netdev_add", "netdev_del",
                    "chardev-add", "chardev-remove", "qom-list", "qom-get", "stop", "cont",
                    "system_reset", "system_powerdown", "human-monitor-command", "quit",
                    "query-balloon", "balloon"}


def strip_ids(r):
    if isinstance(r, dict):
        r = dict(r)
        r.pop("id", None)
    return r


def compare(tmp):
    disk = {}
    for kind in ("qemu", "vccw"):
        disk[kind] = os.path.join(tmp, f"{kind}-disk0.img")
        with open(disk[kind], "wb") as f:
            f.truncate(1 << 20)
    runs = {}
    for kind in ("qemu", "vccw"):
        t = Target(kind, tmp, ["-drive", f"file={disk[kind]},format=raw,if=none,id=drv0",
                               "-device", "virtio-blk-ccw,drive=drv0,id=blk0,devno=fe.0.0001"])
        try:
            runs[kind] = dict(sequence(t, tmp))
            rc, out, err = t.wait()
            runs[kind]["exit"] = rc
        except Exception as e:
            t.kill()
            report(f"mgmt_sequence_runs_on_{kind}", False, f"{type(e).__name__}: {e}")
            return
        report(f"mgmt_sequence_runs_on_{kind}", True)
    q, v = runs["qemu"], runs["vccw"]

    for step in [s for s in q if s in EXACT]:
        check(f"mgmt_same_reply_{step}", lambda s=step: None if strip_ids(q[s]) ==
              strip_ids(v[s]) else f"QEMU {q[s]}, vccw-vm {v[s]}")
    for step in ("greeting", "query-version", "query-block", "query-blockstats",
                 "query-block-hot", "query-chardev"):
        check(f"mgmt_same_shape_{step}",
              lambda s=step: sub_shape(shape(strip_ids(v[s])), shape(strip_ids(q[s]))))

    def version():
        g = v["greeting"]["QMP"]
        if g["capabilities"] != q["greeting"]["QMP"]["capabilities"]:
            return f"capabilities {g['capabilities']} (QEMU {q['greeting']['QMP']})"
        if g["version"] != v["query-version"]["return"]:
            return f"greeting {g['version']} and query-version differ"
        if not g["version"]["package"].startswith("vccw-vm "):
            return f"package {g['version']['package']}"
        # The QEMU release followed: not older than the QEMU it is tested against.
        qv, vv = q["query-version"]["return"]["qemu"], g["version"]["qemu"]
        if (vv["major"], vv["minor"]) != (qv["major"], qv["minor"]):
            return f"follows QEMU {vv}, tested against {qv}"
    check("mgmt_version_and_package", version)

    def commands():
        names = {x["name"] for x in v["query-commands"]["return"]}
        qnames = {x["name"] for x in q["query-commands"]["return"]}
        missing = LIBVIRT_COMMANDS - names
        if missing:
            return f"vccw-vm lacks {sorted(missing)}"
        extra = (names - qnames) - {"query-ccw-devices"}
        return f"not QEMU commands: {sorted(extra)}" if extra else None
    check("mgmt_query_commands", commands)

    def block_hot():
        for kind, r in runs.items():
            hot = [b for b in r["query-block-hot"]["return"]
                   if b["inserted"]["node-name"] == "hotdisk"]
            if len(hot) != 1 or hot[0]["device"] != "" or \
                    hot[0]["qdev"] != "/machine/peripheral/hotblk/virtio-backend" or \
                    hot[0]["inserted"]["image"]["virtual-size"] != 1 << 20:
                return f"{kind}: {r['query-block-hot']}"
            cold = [b for b in r["query-block"]["return"]]
            if [b["device"] for b in cold] != ["drv0"]:
                return f"{kind}: {cold}"
    check("mgmt_query_block_values", block_hot)

    def two_node():
        # The node the device uses, in query-block and query-blockstats: same members on
        # both (vccw-vm's a subset of QEMU's), the same node names, size and image file.
        for step in ("query-block-two-node", "query-blockstats-two-node"):
            got = {}
            for kind, r in runs.items():
                e = [b for b in r[step]["return"]
                     if b.get("inserted", b).get("node-name") == "hotraw"]
                if len(e) != 1:
                    return f"{kind}: no hotraw node in {r[step]}"
                got[kind] = e[0]
            why = sub_shape(shape(got["vccw"]), shape(got["qemu"]), step)
            if why:
                return why
        for kind, r in runs.items():
            b = [b for b in r["query-block-two-node"]["return"]
                 if b["inserted"]["node-name"] == "hotraw"][0]
            if b["inserted"]["drv"] != "raw" or b["inserted"]["ro"] or \
                    b["inserted"]["image"]["virtual-size"] != 2 << 20 or \
                    not b["inserted"]["image"]["filename"].endswith(f"{kind}-hot2.img") or \
                    b["qdev"] != "/machine/peripheral/hotblk2/virtio-backend":
                return f"{kind}: {b}"
            s = [x for x in r["query-blockstats-two-node"]["return"]
                 if x["node-name"] == "hotraw"][0]
            if s.get("parent", {}).get("node-name") != "hotfile":
                return f"{kind}: parent of hotraw {s.get('parent')}"
    check("mgmt_two_node_blockdev_query_block_and_blockstats", two_node)

    def errors():
        bad = []
        for step in [s for s in q if s.startswith("device_add-error-")]:
            if strip_ids(q[step]) != strip_ids(v[step]):
                bad.append(f"{step}: QEMU '{q[step].get('error', q[step])}', "
                           f"vccw-vm '{v[step].get('error', v[step])}'")
        return "; ".join(bad) if bad else None
    check("mgmt_device_add_errors_worded_as_qemu", errors)
    check("mgmt_exit_status_after_quit", lambda: None if (q["exit"], v["exit"]) == (0, 0)
          else f"QEMU {q['exit']}, vccw-vm {v['exit']}")


def read_line(t, pattern, timeout=None):
    """The first console line of @t containing @pattern (its stdout, read as it comes)."""
    deadline = time.monotonic() + (TIMEOUT if timeout is None else timeout)
    seen = []
    fd = t.proc.stdout.fileno()
    # Unbuffered reads into t.pending: a buffered readline() could swallow a second line
    # that select() then never announces.
    while time.monotonic() < deadline:
        if b"\n" not in t.pending:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            t.pending += chunk
            continue
        raw, t.pending = t.pending.split(b"\n", 1)
        line = raw.decode(errors="replace")
        seen.append(line.rstrip())
        if pattern in line:
            return line.rstrip()
    raise TimeoutError(f"no console line with '{pattern}' (saw {seen[-5:]})")


def powerdown(tmp):
    """system_powerdown: the agent reads the signal-quiesce event and shuts down, on both."""
    for kind in ("qemu", "vccw"):
        console = ["-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0"]
        t = Target(kind, tmp, console if kind == "qemu" else [], paused=True)
        try:
            c = QMPClient(t.sock)
            c.execute_msg("cont")

            def seen(c=c, t=t, kind=kind):
                read_line(t, "agent: ready")
                r = c.execute_msg("system_powerdown")
                if r != {"return": {}, "id": r.get("id")}:
                    return f"system_powerdown: {r}"
                c.event("POWERDOWN")
                read_line(t, "agent: powerdown requested; shutting down")
                # The guest ended itself, cleanly (s390x: the disabled wait at 0xfff).
                ev = c.event("SHUTDOWN")
                if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                    return f"SHUTDOWN {ev}"
                rc, out, err = t.wait()
                return None if rc == 0 else f"exit {rc}: {err}"
            check(f"mgmt_system_powerdown_seen_by_the_guest_{kind}", seen)
            c.close()
        finally:
            t.kill()


def s390x_missing(kind, elf):
    """Why @kind cannot run the bare-metal @elf, or None."""
    if not os.path.exists(elf):
        return f"no s390x/{os.path.basename(elf)} (make guest-s390x)"
    if kind == "vccw":
        r = subprocess.run([VM, "-kernel", elf, "-m", "1M"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        if "NO_UNICORN" in r.stderr:
            return "no s390x CPU back-end in this vccw-vm (built with NO_UNICORN=1)"
    return None


def s390x_ready(t, seen):
    """The quiesce program's "ready" line; the command line it read is its -append."""
    line = read_line(t, "quiesce: ready")
    seen.append(line)
    return line


def s390x_powerdown(tmp):
    """system_powerdown with an s390x guest on both (build/s390x/quiesce.elf, which
    reads the SCLP signal-quiesce event and powers off by SIGP STOP, SIGP STOP AND
    STORE STATUS or a disabled wait at ...fff): the machine ends as a guest shutdown."""
    elf = os.path.join(S390X_DIR, "quiesce.elf")
    console = ["-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0"]
    for kind in ("qemu", "vccw"):
        for how in ("stop", "stopstore", "wait"):
            name = f"mgmt_s390x_powerdown_{how}_{kind}"
            why = s390x_missing(kind, elf)
            if why:
                skip(name, why)
                continue
            t = Target(kind, tmp, (console if kind == "qemu" else []) + ["-append", how],
                       elf=elf)
            try:
                c = QMPClient(t.sock)
                c.execute_msg("cont")

                def off(c=c, t=t, how=how):
                    s390x_ready(t, [])
                    r = c.execute_msg("system_powerdown")
                    if "return" not in r:
                        return f"system_powerdown: {r}"
                    c.event("POWERDOWN")
                    line = read_line(t, "quiesce: signal quiesce received")
                    ev = c.event("SHUTDOWN")
                    if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                        return f"SHUTDOWN {ev}"
                    rc, out, err = t.wait()
                    if rc != 0 or "still running" in out:
                        return f"exit {rc}: {line!r} {out!r} {err!r}"
                check(name, off)
                c.close()
            finally:
                t.kill()


def s390x_reboot(tmp):
    """A reboot the guest asks for with DIAGNOSE 0x308 load clear (quiesce.elf -append
    reboot, as Linux's reboot without an IPL device) on both: RESET {guest: true,
    reason: guest-reset}, and the -kernel image starts again, loaded afresh; nothing of
    the program runs after the DIAGNOSE."""
    elf = os.path.join(S390X_DIR, "quiesce.elf")
    console = ["-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0"]
    for kind in ("qemu", "vccw"):
        name = f"mgmt_s390x_guest_reboot_reipls_kernel_{kind}"
        why = s390x_missing(kind, elf)
        if why:
            skip(name, why)
            continue
        t = Target(kind, tmp, (console if kind == "qemu" else []) + ["-append", "reboot"],
                   elf=elf)
        try:
            c = QMPClient(t.sock)
            c.execute_msg("cont")

            def reboot(c=c, t=t):
                seen = []
                s390x_ready(t, seen)
                ev = c.event("RESET")
                if ev["data"] != {"guest": True, "reason": "guest-reset"}:
                    return f"RESET {ev}"
                line = read_line(t, "quiesce: ")
                if not line.endswith("ready image=pristine cmdline=reboot") or \
                        not seen[0].endswith("ready image=pristine cmdline=reboot"):
                    return f"after the reboot: {seen + [line]}"
                return None
            check(name, reboot)
            c.close()
        finally:
            t.kill()


def s390x_reset(tmp):
    """system_reset with an s390x guest on both, under -no-shutdown: a reset while it
    runs starts the image again with its -append (RESET, "ready" again); after the
    guest powered off (SHUTDOWN, STOP, status shutdown) a reset leaves it in prelaunch
    and cont runs it from its start once more; a second powerdown works."""
    elf = os.path.join(S390X_DIR, "quiesce.elf")
    console = ["-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0"]
    for kind in ("qemu", "vccw"):
        name = f"mgmt_s390x_system_reset_reipls_{kind}"
        why = s390x_missing(kind, elf)
        if why:
            skip(name, why)
            continue
        t = Target(kind, tmp, (console if kind == "qemu" else []) +
                   ["-append", "stop vccw-reset-test", "-no-shutdown"], elf=elf)
        try:
            c = QMPClient(t.sock)
            c.execute_msg("cont")

            def reset(c=c, t=t):
                seen = []
                s390x_ready(t, seen)
                r = c.execute_msg("system_reset")
                if "return" not in r:
                    return f"system_reset: {r}"
                ev = c.event("RESET")
                if ev["data"] != {"guest": False, "reason": "host-qmp-system-reset"}:
                    return f"RESET {ev}"
                s390x_ready(t, seen)
                st = c.execute_msg("query-status")["return"]
                if st["status"] != "running":
                    return f"after a reset while running: {st}"
                c.execute_msg("system_powerdown")
                ev = c.event("SHUTDOWN")
                if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                    return f"SHUTDOWN {ev}"
                c.event("STOP")
                st = c.execute_msg("query-status")["return"]
                if st["status"] != "shutdown":
                    return f"after the power-off: {st}"
                c.execute_msg("system_reset")
                c.event("RESET")
                st = c.execute_msg("query-status")["return"]
                if st["status"] != "prelaunch":
                    return f"a reset from shutdown: {st}"
                c.execute_msg("cont")
                c.event("RESUME")
                s390x_ready(t, seen)
                if any(not l.endswith("image=pristine cmdline=stop vccw-reset-test")
                       for l in seen):
                    return f"the image or its -append was not loaded again: {seen}"
                c.execute_msg("system_powerdown")
                c.event("SHUTDOWN")
                c.event("STOP")
                return None
            check(name, reset)
            c.execute_msg("quit")
            c.close()
            rc, out, err = t.wait()
            check(f"mgmt_s390x_system_reset_quit_{kind}",
                  lambda: None if rc == 0 else f"exit {rc}: {err}")
        finally:
            t.kill()


def guest_end(tmp):
    """-no-shutdown: a guest's clean end leaves the machine in "shutdown", on both; a
    failing end (vccw-vm: a native program's nonzero status) leaves it guest-panicked."""
    cases = [("qemu", "lsall", "shutdown"), ("vccw", "true", "shutdown"),
             ("vccw", "false", "guest-panicked")]
    for kind, program, want in cases:
        name = f"mgmt_guest_end_{want.replace('-', '_')}_{kind}"
        if kind == "qemu" and not os.path.exists(os.path.join(S390X_DIR, "lsall.elf")):
            skip(name, "no s390x/lsall.elf (make guest-s390x)")
            continue
        t = Target(kind, tmp, ["-no-shutdown"], program=program, paused=True)
        try:
            c = QMPClient(t.sock)
            c.execute_msg("cont")

            def end(c=c, want=want):
                if want == "shutdown":
                    ev = c.event("SHUTDOWN")
                    if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                        return f"SHUTDOWN {ev}"
                else:
                    ev = c.event("GUEST_PANICKED")
                    if ev["data"].get("action") != "pause":
                        return f"GUEST_PANICKED {ev}"
                c.event("STOP")
                st = c.execute_msg("query-status")["return"]
                if (st["status"], st["running"]) != (want, False):
                    return f"query-status {st}"
                r = c.execute_msg("human-monitor-command", {"command-line": "info status"})
                if r["return"] != f"VM status: paused ({want})\r\n":
                    return f"info status {r}"
            check(name, end)
            c.execute_msg("quit")
            c.close()
            t.wait()
        finally:
            t.kill()


def vccw_lifecycle(tmp):
    # A clean end under -no-shutdown: SHUTDOWN (guest), STOP, status shutdown; cont is
    # refused until system_reset, which starts the program again in prelaunch.
    t = Target("vccw", tmp, ["-no-shutdown"], program="true", paused=True)
    try:
        c = QMPClient(t.sock)
        c.execute_msg("cont")

        def shutdown_state():
            ev = c.event("SHUTDOWN")
            if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                return f"SHUTDOWN {ev}"
            c.event("STOP")
            st = c.execute_msg("query-status")["return"]
            if st["status"] != "shutdown" or st["running"]:
                return f"query-status {st}"
            r = c.execute_msg("cont")
            if r.get("error", {}).get("desc") != "Resetting the Virtual Machine is required":
                return f"cont from shutdown: {r}"
            r = c.execute_msg("human-monitor-command", {"command-line": "info status"})
            if r["return"] != "VM status: paused (shutdown)\r\n":
                return f"info status {r}"
        check("vccw_no_shutdown_guest_end_is_shutdown", shutdown_state)

        def reset_from_shutdown():
            c.execute_msg("system_reset")
            ev = c.event("RESET")
            if ev["data"] != {"guest": False, "reason": "host-qmp-system-reset"}:
                return f"RESET {ev}"
            st = c.execute_msg("query-status")["return"]
            if st["status"] != "prelaunch":
                return f"after reset: {st}"
            c.execute_msg("cont")
            c.event("RESUME")
            # The program ran again from its start and ended again.
            ev = c.event("SHUTDOWN")
            if ev["data"]["reason"] != "guest-shutdown":
                return f"second SHUTDOWN {ev}"
        check("vccw_system_reset_runs_the_program_again", reset_from_shutdown)
        c.execute_msg("quit")
        c.close()
        rc, out, err = t.wait()
        check("vccw_lifecycle_quit", lambda: None if rc == 0 and not err else f"{rc} {err}")
    finally:
        t.kill()

    # system_powerdown: the hotplug program sees the signal quiesce and ends by itself.
    t = Target("vccw", tmp, [], program="hotplug", paused=True)
    try:
        c = QMPClient(t.sock)

        def prelaunch_runs_nothing():
            st = c.execute_msg("query-status")["return"]
            if st != {"status": "prelaunch", "singlestep": False, "running": False}:
                return f"{st}"
        check("vccw_S_is_prelaunch", prelaunch_runs_nothing)
        c.execute_msg("cont")

        def powerdown():
            c.execute_msg("system_powerdown")
            c.event("POWERDOWN")
            ev = c.event("SHUTDOWN")
            if ev["data"] != {"guest": True, "reason": "guest-shutdown"}:
                return f"SHUTDOWN {ev}"
            rc, out, err = t.wait()
            if rc != 0 or "hotplug: powerdown requested; shutting down" not in out:
                return f"exit {rc}, console {out[-300:]!r}, stderr {err!r}"
        check("vccw_system_powerdown_seen_by_the_guest", powerdown)
    finally:
        t.kill()


def socat_session(tmp):
    if not SOCAT:
        skip("socat", "socat is not installed (./dev installs it)")
        return
    for kind in ("qemu", "vccw"):
        if kind == "qemu" and (not QEMU or not os.path.exists(
                os.path.join(S390X_DIR, "agent.elf"))):
            skip("socat_qemu", "no qemu-system-s390x or s390x/agent.elf")
            continue
        t = Target(kind, tmp, [], paused=True)
        try:
            deadline = time.monotonic() + TIMEOUT
            while not os.path.exists(t.sock) and time.monotonic() < deadline:
                time.sleep(0.02)
            cmds = "".join(json.dumps(x) + "\n" for x in [
                {"execute": "qmp_capabilities"}, {"execute": "query-status", "id": 1},
                {"execute": "quit", "id": 2}])
            # QEMU's socket file appears at bind(), before listen(): a connection in
            # between is refused (nothing was sent then), so try again.
            while True:
                r = subprocess.run([SOCAT, "-t", "5", "-", f"UNIX-CONNECT:{t.sock}"],
                                   input=cmds, capture_output=True, text=True,
                                   timeout=TIMEOUT)
                if r.stdout or "refused" not in r.stderr or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            msgs = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
            replies = [m for m in msgs if "event" not in m]

            def session():
                want = [{"return": {}}, {"return": {"status": "prelaunch", "singlestep": False,
                                                    "running": False}, "id": 1},
                        {"return": {}, "id": 2}]
                if replies[1:] != want:
                    return f"socat saw {replies}"
                rc, out, err = t.wait()
                return None if rc == 0 else f"exit {rc}: {err}"
            check(f"socat_{kind}_session", session)
        finally:
            t.kill()


def main():
    if not os.access(VM, os.X_OK):
        report("setup", False, f"{VM} is not an executable")
        return
    probe = subprocess.run([VM, "-qmp", "unix:/nonexistent/x,server=on,wait=off",
                            "-kernel", "native:true"], capture_output=True, text=True)
    if "libjansson" in probe.stderr:
        skip("qmp", "vccw-vm was built without QMP (libjansson-dev)")
        return
    tmp = tempfile.mkdtemp(prefix="vccw-qmp-mgmt-")
    try:
        if not QEMU:
            skip("mgmt_compare", "qemu-system-s390x is not installed (qemu-system-misc)")
        elif not os.path.exists(os.path.join(S390X_DIR, "agent.elf")):
            skip("mgmt_compare", "no s390x/agent.elf in this build (make guest-s390x)")
        else:
            compare(tmp)
            guest_end(tmp)
            powerdown(tmp)
            s390x_powerdown(tmp)
            s390x_reset(tmp)
            s390x_reboot(tmp)
        vccw_lifecycle(tmp)
        socat_session(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(0 if counts["failed"] == 0 else 1)
