#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vccw-vm's QMP monitor and hot plug, end to end.

Runs vccw-vm with -qmp and the built-in guest program "hotplug" (the demo, then a loop
that reports each device gained or lost on its console while it keeps its first disk
busy with stamped writes it reads back), and drives it through the monitor socket:

  * the protocol: greeting, capabilities negotiation, errors for malformed input,
    unknown commands and bad arguments, input split or batched, several clients,
    a client leaving mid-command; the machine keeps running through all of it;
  * device_add / device_del of every device type, seen by the guest (its console
    lines), in query-ccw-devices and as DEVICE_DELETED events; clear errors for a
    duplicate device number, an unknown type and other bad arguments, with nothing
    left half-plugged;
  * many plug/unplug cycles of a disk while another disk does I/O from the guest, with
    bounded waits, then the image checked against what the guest reported: no write
    lost or torn;
  * quit and SIGTERM: SHUTDOWN event, exit status 0, nothing on stderr (under the
    sanitizer build that includes LeakSanitizer's report), the socket removed.

Prints PASS/FAIL/SKIP lines and, last, "N passed, N failed, N skipped".
Usage: test-qmp.py [path/to/vccw-vm]   (default: ../vccw-vm next to this script's copy)
Environment: VCCW_HOTPLUG_CYCLES (default 1000), VCCW_QMP_TIMEOUT (seconds per wait,
default 30).
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.realpath(__file__))
VM = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "VCCW_VM", os.path.join(HERE, "..", "vccw-vm"))
CYCLES = int(os.environ.get("VCCW_HOTPLUG_CYCLES", "1000"))
TRACE_CYCLES = int(os.environ.get("VCCW_HOTPLUG_TRACE_CYCLES", "2000"))
TIMEOUT = float(os.environ.get("VCCW_QMP_TIMEOUT", "30"))
# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from qmp_client import QMPClient, QMPTimeout  # noqa: E402
# Ground truth for the agent tests: QEMU running the bare-metal build of the same guest.
QEMU = shutil.which("qemu-system-s390x")
S390X_DIR = os.path.join(os.path.dirname(os.path.realpath(VM)), "s390x")

# The hotplug program's ring of stamped writes (guest/demo/hotplug.c).
HP_FIRST, HP_SLOTS, HP_SLOT_SECTORS, SECTOR = 2048, 64, 8, 512

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(name, ok, why=""):
    if ok:
        print(f"PASS {name}")
        counts["passed"] += 1
    else:
        print(f"FAIL {name}: {why}")
        counts["failed"] += 1
    sys.stdout.flush()
    return ok


def skip(name, why):
    print(f"SKIP {name}: {why}")
    counts["skipped"] += 1


def finish():
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(0 if counts["failed"] == 0 else 1)


Timeout = QMPTimeout


class Client(QMPClient):
    """One QMP connection (qmp_client.py): line-oriented JSON, events kept aside."""

    def __init__(self, path, negotiate=True):
        super().__init__(path, timeout=TIMEOUT, negotiate=negotiate)


class Machine:
    """vccw-vm with a monitor socket; its stdout (the guest console) collected by line."""

    def __init__(self, tmp, args, program="hotplug", qmp=True, err_path=None, qemu=False):
        self.sock = os.path.join(tmp, "qmp.sock")
        if qemu:
            # The same guest program bare-metal under QEMU, its console on stdout.
            cmd = [QEMU, "-machine", "s390-ccw-virtio", "-display", "none", "-nodefaults",
                   "-chardev", "stdio,id=sclp0", "-device", "sclpconsole,chardev=sclp0"]
        else:
            cmd = [VM]
        if qmp:
            cmd += ["-qmp", f"unix:{self.sock},server=on,wait=off"]
        if qemu:
            cmd += args + ["-kernel", os.path.join(S390X_DIR, f"{program}.elf")]
        else:
            # A path runs an s390x image on the s390x CPU back-end; a name a built-in program.
            kernel = program if "/" in program else f"native:{program}"
            cmd += args + ["-kernel", kernel]
        # A traced run writes far more to stderr than is worth keeping in memory.
        self.err_file = open(err_path, "wb") if err_path else None
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.err_file or subprocess.PIPE)
        self.lines = []
        self.err = b""
        self.cond = threading.Condition()
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_out.start()
        self.t_err.start()

    def _read_out(self):
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()

    def _read_err(self):
        if self.proc.stderr:
            self.err = self.proc.stderr.read()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_line(self, pattern, start=0, timeout=None):
        """Index of the first line from @start matching regex @pattern, or raise Timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + (TIMEOUT if timeout is None else timeout)
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if rx.search(self.lines[i]):
                        return i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and i >= len(self.lines):
                    if self.proc.poll() is not None:
                        # The reader may still hold the last lines: give it a moment.
                        self.cond.wait(0.2)
                        if i < len(self.lines):
                            continue
                    raise Timeout(f"no console line matching '{pattern}'")
                self.cond.wait(min(left, 0.5))

    def output(self):
        with self.cond:
            return list(self.lines)

    def wait(self, timeout=None):
        """Exit status; killed (and reported as None) past the timeout."""
        try:
            rc = self.proc.wait(TIMEOUT if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.t_out.join(5)
        self.t_err.join(5)
        if self.err_file:
            self.err_file.close()
        return rc

    def stderr(self):
        return self.err.decode(errors="replace").strip()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(5)


def check(name, fn):
    """Run one test body; an exception is that test's failure, not the run's."""
    try:
        res = fn()
    except (Timeout, EOFError, OSError, RuntimeError, ValueError, KeyError) as e:
        return report(name, False, f"{type(e).__name__}: {e}")
    if res is True or res is None:
        return report(name, True)
    return report(name, False, str(res))


def is_error(r, cls, text=None):
    if "error" not in r:
        return f"expected a {cls} error, got {r}"
    if r["error"].get("class") != cls:
        return f"expected class {cls}, got {r}"
    if text and text not in r["error"].get("desc", ""):
        return f"expected '{text}' in the description, got '{r['error'].get('desc')}'"
    return True


def devices(c):
    r = c.cmd("query-ccw-devices")
    if "return" not in r:
        raise RuntimeError(f"query-ccw-devices: {r}")
    return r["return"]


def by_id(c, dev_id):
    for d in devices(c):
        if d.get("id") == dev_id:
            return d
    return None


def guest_busid(devno):
    """fe.0.1234 as the guest (without MCSS-E) shows it: 0.0.1234."""
    css, ssid, num = devno.split(".")
    return f"0.{ssid}.{num}"


# ---- protocol ----

def test_protocol(tmp):
    m = Machine(tmp, ["-device", "virtio-rng-ccw,id=rng0"])
    try:
        m.wait_line(r"^hotplug: ready")
        c = Client(m.sock, negotiate=False)

        def greeting():
            # As QEMU 7.2 sends it: the oob capability offered, a real version (clients
            # such as libvirt refuse anything older than 4.2), the package naming us.
            g = c.greeting.get("QMP")
            if not isinstance(g, dict) or g.get("capabilities") != ["oob"] or \
                    not isinstance(g.get("version"), dict) or "qemu" not in g["version"]:
                return f"greeting {c.greeting}"
            v = g["version"]["qemu"]
            if sorted(v) != ["major", "micro", "minor"] or (v["major"], v["minor"]) < (4, 2):
                return f"version {v}"
            if not g["version"].get("package", "").startswith("vccw-vm "):
                return f"package {g['version']}"
        check("qmp_greeting", greeting)
        check("qmp_command_before_capabilities", lambda: is_error(
            c.cmd("query-status"), "CommandNotFound", "qmp_capabilities"))
        check("qmp_capabilities_enable_unknown", lambda: is_error(
            c.cmd("qmp_capabilities", {"enable": ["bogus"]}), "GenericError",
            "does not accept value 'bogus'"))
        check("qmp_capabilities", lambda: c.cmd("qmp_capabilities", id="neg") ==
              {"return": {}, "id": "neg"} or "no return")
        check("qmp_capabilities_twice", lambda: is_error(
            c.cmd("qmp_capabilities"), "CommandNotFound", "already complete"))

        def ids():
            for i in ["abc", 7, {"x": [1, None]}]:
                r = c.cmd("query-status", id=i)
                if r.get("id") != i:
                    return f"id {i!r} came back as {r}"
            c.send_raw('{"execute": "query-status"}\n')
            r = c.reply()
            if "id" in r or "return" not in r:
                return f"without id: {r}"
        check("qmp_id_echoed", ids)

        def status():
            r = c.cmd("query-status")
            if r.get("return", {}).get("status") != "running" or \
                    r["return"].get("running") is not True:
                return f"query-status {r}"
        check("qmp_query_status_running", status)

        def commands():
            names = {x["name"] for x in c.cmd("query-commands")["return"]}
            want = {"qmp_capabilities", "query-commands", "query-status", "query-version",
                    "query-ccw-devices", "device_add", "device_del", "announce-self", "quit"}
            if not want <= names:
                return f"missing {want - names}"
        check("qmp_query_commands", commands)

        def malformed():
            for bad in ['{"execute": }\n', '{"execute" "query-status"}\n', '{]\n',
                        '{"execute": "query-status",}\n']:
                c.send_raw(bad)
                r = c.reply()
                res = is_error(r, "GenericError", "JSON parse error")
                if res is not True:
                    return f"{bad.strip()}: {res}"
        check("qmp_malformed_json", malformed)

        def recovers():
            # A closer of the wrong kind, or a raw newline inside a string, must not make
            # the monitor swallow the client's later commands.
            for n, bad in enumerate(['{"execute":"query-status","arguments":{"a":[}}\n',
                                     '{"execute":"x","arguments":{"a":"oops\n']):
                c.send_raw(bad + '{"execute":"query-status","id":%d}\n' % (100 + n))
                for _ in range(5):
                    r = c.reply()
                    if r.get("id") == 100 + n:
                        break
                else:
                    return f"{bad.strip()}: no reply to the next command"
                if r.get("return", {}).get("status") != "running":
                    return f"{bad.strip()}: {r}"
        check("qmp_malformed_json_then_next_command_answered", recovers)

        def not_object():
            for bad, text in [("[1, 2]\n", "must be a JSON object"),
                              ("42\n", "JSON parse error"), ("nonsense\n", "JSON parse error")]:
                c.send_raw(bad)
                res = is_error(c.reply(), "GenericError", text)
                if res is not True:
                    return f"{bad.strip()}: {res}"
        check("qmp_input_not_an_object", not_object)

        check("qmp_unknown_command", lambda: is_error(
            c.cmd("frobnicate"), "CommandNotFound", "frobnicate"))

        def shape():
            cases = [('{"arguments": {}}', "lacks member 'execute'"),
                     ('{"execute": 5}', "'execute' must be a string"),
                     ('{"execute": "query-status", "argumens": {}}', "'argumens' is unexpected"),
                     ('{"execute": "query-status", "arguments": [1]}', "must be an object")]
            for text, want in cases:
                c.send_raw(text + "\n")
                res = is_error(c.reply(), "GenericError", want)
                if res is not True:
                    return f"{text}: {res}"
        check("qmp_request_shape_errors", shape)

        def bad_args():
            for cmd, args, want in [
                    ("query-status", {"verbose": True}, "Parameter 'verbose' is unexpected"),
                    ("device_del", {}, "Parameter 'id' is missing"),
                    ("device_del", {"id": 5}, "Invalid parameter type for 'id'"),
                    ("device_add", {"id": "x"}, "Parameter 'driver' is missing"),
                    ("device_add", {"driver": "virtio-rng-ccw", "devno": ["fe.0.0001"]},
                     "Invalid parameter type for 'devno'")]:
                res = is_error(c.cmd(cmd, args), "GenericError", want)
                if res is not True:
                    return f"{cmd} {args}: {res}"
        check("qmp_bad_arguments", bad_args)

        def duplicate_keys():
            """An object naming a key twice is an error, not a guess at which one counts."""
            c.send_raw('{"execute": "query-status", "execute": "quit", "id": 7}\n')
            r = c.reply()
            why = is_error(r, "GenericError", "duplicate object key")
            if why is not True:
                return why
            c.send_raw('{"execute": "device_add", "arguments": {"driver": "virtio-rng-ccw", '
                       '"id": "x", "id": "y"}}\n')
            why = is_error(c.reply(), "GenericError", "duplicate object key")
            if why is not True:
                return why
            if devices(c) and any(d.get("id") in ("x", "y") for d in devices(c)):
                return "a device was added from an object with a duplicate key"
            return c.cmd("query-status").get("return", {}).get("status") == "running" or \
                "the machine stopped after a duplicate key"
        check("qmp_duplicate_keys_refused", duplicate_keys)

        def id_length():
            """IDs are bounded (127 characters); a longer one is refused by every adder."""
            long_id = "a" + "b" * 127
            for cmd, args in (
                    ("device_add", {"driver": "virtio-rng-ccw", "id": long_id}),
                    ("chardev-add", {"id": long_id, "backend": {"type": "null", "data": {}}}),
                    ("blockdev-add", {"node-name": long_id, "driver": "raw",
                                      "file": {"driver": "file", "filename": "/dev/null"}})):
                r = c.cmd(cmd, args)
                if "error" not in r:
                    return f"{cmd} with a {len(long_id)}-character id: {r}"
            r = c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": long_id[:127]})
            if r.get("return") != {}:
                return f"device_add with a 127-character id: {r}"
            r = c.cmd("device_del", {"id": long_id[:127]})
            if r.get("return") != {}:
                return f"device_del: {r}"
            c.event("DEVICE_DELETED", lambda ev: ev["data"].get("device") == long_id[:127])
            return None
        check("qmp_id_length_bounded", id_length)

        def split_and_batched():
            c.send_raw('{"execute": "query-')
            time.sleep(0.1)
            c.send_raw('status", "id": "split"}')
            r = c.reply()
            if r.get("id") != "split" or "return" not in r:
                return f"split: {r}"
            c.send_raw('{"execute": "query-status", "id": 1}{"execute": "query-version", '
                       '"id": 2}\r\n  {"execute": "query-status", "id": "a}b{\\"c"}\n')
            got = [c.reply().get("id") for _ in range(3)]
            if got != [1, 2, "a}b{\"c"]:
                return f"batched: {got}"
        check("qmp_input_split_and_batched", split_and_batched)

        def disconnect_mid_command():
            d = Client(m.sock)
            d.send_raw('{"execute": "device_add", "arguments": {"driver": "virtio-rng-ccw", ')
            d.close()
            e = Client(m.sock, negotiate=False)
            e.send_raw('{"execute": "qmp_capabilities"}\n')
            e.close()  # without reading the reply
            time.sleep(0.1)
            r = c.cmd("query-status")
            if "return" not in r:
                return f"after the disconnects: {r}"
            if any(d.get("driver") == "virtio-rng-ccw" and d.get("id") != "rng0"
                   for d in devices(c)):
                return "the half-sent device_add created a device"
        check("qmp_client_disconnect_mid_command", disconnect_mid_command)

        def idle_clients_cannot_lock_out():
            # Connections that never negotiate must not fill every slot for good: a
            # newcomer evicts the oldest of them and gets its greeting and answers.
            idle = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(12)]
            for s in idle:
                s.connect(m.sock)
            try:
                late = Client(m.sock)
                r = late.cmd("query-status")
                late.close()
                if r.get("return", {}).get("status") != "running":
                    return f"query-status: {r}"
                r = c.cmd("query-status")
                if r.get("return", {}).get("status") != "running":
                    return f"the negotiated client lost its slot: {r}"
            finally:
                for s in idle:
                    s.close()
        check("qmp_idle_clients_cannot_lock_others_out", idle_clients_cannot_lock_out)

        def events_to_every_client():
            d = Client(m.sock)
            quiet = Client(m.sock, negotiate=False)
            r = c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": "ev0"})
            if r.get("return") != {}:
                return f"device_add: {r}"
            r = d.cmd("device_del", {"id": "ev0"})
            if r.get("return") != {}:
                return f"device_del: {r}"
            for who in (c, d):
                ev = who.event("DEVICE_DELETED", lambda ev: ev["data"].get("device") == "ev0")
                ts = ev.get("timestamp", {})
                if not isinstance(ts.get("seconds"), int) or \
                        not 0 <= ts.get("microseconds", -1) < 1000000:
                    return f"timestamp {ev}"
            # Events only after negotiation (QEMU): the other client saw nothing.
            quiet.sock.settimeout(0.2)
            try:
                data = quiet.sock.recv(4096)
            except socket.timeout:
                data = b""
            d.close()
            quiet.close()
            if data:
                return f"a client before negotiation got {data!r}"
        check("qmp_events_to_negotiated_clients", events_to_every_client)

        def still_running():
            if m.proc.poll() is not None:
                return f"vccw-vm exited with {m.proc.returncode}"
            r = c.cmd("query-status")
            if r.get("return", {}).get("running") is not True:
                return f"query-status {r}"
        check("qmp_machine_keeps_running_after_errors", still_running)

        def quit_clean():
            r = c.cmd("quit")
            if r.get("return") != {}:
                return f"quit: {r}"
            ev = c.event("SHUTDOWN")
            if ev.get("data", {}).get("reason") != "host-qmp-quit":
                return f"SHUTDOWN {ev}"
            rc = m.wait()
            if rc != 0:
                return f"exit status {rc}; stderr: {m.stderr()}"
            if m.stderr():
                return f"stderr: {m.stderr()}"
            if os.path.exists(m.sock):
                return "the socket file is still there"
        check("qmp_quit_clean_exit", quit_clean)
    finally:
        m.kill()


# ---- hot plug of every type, and errors ----

TYPES = [
    # driver, extra properties, CU model, guest driver name
    ("virtio-blk-ccw", {"drive": "d1", "serial": "hot1"}, 2, "virtio-blk"),
    ("virtio-net-ccw", {"netdev": "n1", "mac": "52:54:00:12:34:99"}, 1, "virtio-net"),
    ("virtio-console-ccw", {"chardev": "c1"}, 3, "virtio-console"),
    ("virtio-serial-ccw", {}, 3, "virtio-console"),
    ("virtio-rng-ccw", {"max_revision": 1}, 4, "virtio-rng"),
    ("virtio-balloon-ccw", {"packed": True}, 5, "virtio-balloon"),
]


def plug(m, c, driver, dev_id, devno, props, model, gname):
    """device_add, then the guest's line and query-ccw-devices. Returns None or a reason."""
    start = m.mark()
    args = {"driver": driver, "id": dev_id}
    if devno:
        args["devno"] = devno
    args.update(props)
    r = c.cmd("device_add", args)
    if r.get("return") != {}:
        return f"device_add {args}: {r}"
    d = by_id(c, dev_id)
    if not d or d["driver"] != driver or (devno and d["devno"] != devno):
        return f"query-ccw-devices shows {d}"
    bus = guest_busid(d["devno"])
    m.wait_line(rf"^demo: gained {re.escape(bus)} \(3832/{model:02x} {gname}\)$", start)
    # The guest's lscss lists it, bound ("yes"), on the subchannel the host chose.
    sch = guest_busid(d["subchannel"])
    m.wait_line(rf"^{re.escape(bus)} {re.escape(sch)}  0000/00 3832/{model:02x} yes ", start)
    d = by_id(c, dev_id)
    if d.get("state") != "enabled":
        return f"after the guest bound it, query-ccw-devices shows {d}"
    return None


def unplug(m, c, dev_id, devno):
    start = m.mark()
    r = c.cmd("device_del", {"id": dev_id})
    if r.get("return") != {}:
        return f"device_del {dev_id}: {r}"
    c.event("DEVICE_DELETED", lambda ev: ev["data"].get("device") == dev_id)
    m.wait_line(rf"^demo: lost {re.escape(guest_busid(devno))}$", start)
    if by_id(c, dev_id):
        return f"{dev_id} still in query-ccw-devices"
    return None


def test_hotplug_types(tmp):
    disk0 = os.path.join(tmp, "t-disk0.img")
    disk1 = os.path.join(tmp, "t-disk1.img")
    con1 = os.path.join(tmp, "con1.txt")
    for p in (disk0, disk1):
        with open(p, "wb") as f:
            f.truncate(8 << 20)
    m = Machine(tmp, [
        "-drive", f"file={disk0},format=raw,if=none,id=d0",
        "-device", "virtio-blk-ccw,drive=d0,id=disk0,devno=fe.0.0815",
        "-drive", f"file={disk1},format=raw,if=none,id=d1",
        "-chardev", f"file,id=c1,path={con1}", "-netdev", "none,id=n1",
        "-device", "virtio-rng-ccw,id=rng0", "-chardev", "null,id=c2",
        "-device", "virtio-serial-ccw,id=ser0,devno=fe.0.5555",
        "-device", "virtconsole,chardev=c2,id=port0", "-object", "iothread,id=io0"])
    try:
        m.wait_line(r"^hotplug: ready; blk I/O on 0\.0\.0815$")
        c = Client(m.sock)

        def blk_on_iothread():
            why = plug(m, c, "virtio-blk-ccw", "hpio", "fe.0.1235",
                       {"drive": "d1", "iothread": "io0", "num-queues": 2}, 2, "virtio-blk")
            return why or unplug(m, c, "hpio", "fe.0.1235")
        check("hotplug_virtio_blk_ccw_with_iothread_and_two_queues", blk_on_iothread)

        for driver, props, model, gname in TYPES:
            def one(driver=driver, props=props, model=model, gname=gname):
                why = plug(m, c, driver, "hp", "fe.0.1234", props, model, gname)
                if why:
                    return why
                if driver == "virtio-rng-ccw" and by_id(c, "hp").get("revision") != 1:
                    return f"max_revision=1 not applied: {by_id(c, 'hp')}"
                return unplug(m, c, "hp", "fe.0.1234")
            check(f"hotplug_{driver.replace('-', '_')}_seen_and_gone", one)

        def console_backend():
            with open(con1) as f:
                text = f.read()
            if "demo: hello on hot-plugged console 0.0.1234" not in text:
                return f"{con1} holds {text!r}"
        check("hotplug_console_reaches_its_chardev", console_backend)

        def automatic_and_set1():
            why = plug(m, c, "virtio-rng-ccw", "auto", None, {}, 4, "virtio-rng")
            if why:
                return why
            auto = by_id(c, "auto")["devno"]
            why = plug(m, c, "virtio-rng-ccw", "set1", "fe.1.4321", {}, 4, "virtio-rng")
            return why or unplug(m, c, "auto", auto) or unplug(m, c, "set1", "fe.1.4321")
        check("hotplug_automatic_devno_and_set_1", automatic_and_set1)

        def cold_device():
            d = by_id(c, "rng0")
            if not d:
                return "rng0 not listed"
            return unplug(m, c, "rng0", d["devno"])
        check("hotplug_unplug_cold_plugged_device", cold_device)

        def serial_with_port():
            res = is_error(c.cmd("device_del", {"id": "port0"}), "GenericError",
                           "a port goes with its device: delete -device virtio-serial-ccw,id=ser0")
            if res is not True:
                return res
            d = by_id(c, "ser0")
            if not d or d.get("port") != "port0":
                return f"ser0 is {d}"
            why = unplug(m, c, "ser0", "fe.0.5555")
            if why:
                return why
            # Its port's chardev is free again for a console of its own.
            return plug(m, c, "virtio-console-ccw", "con2", "fe.0.5556", {"chardev": "c2"}, 3,
                        "virtio-console") or unplug(m, c, "con2", "fe.0.5556")
        check("hotplug_unplug_serial_with_its_port", serial_with_port)

        before = devices(c)
        # Worded as QEMU 7.2 words them where QEMU has the same error (its texts, checked
        # against qemu-system-s390x in test-qmp-mgmt.py); vccw's own words otherwise.
        errors = [
            ("dup_devno_cold", {"driver": "virtio-rng-ccw", "devno": "fe.0.0815"},
             "Device fe.0.0815 already exists"),
            ("unknown_type", {"driver": "virtio-foo-ccw"},
             "'virtio-foo-ccw' is not a valid device model name"),
            ("duplicate_id", {"driver": "virtio-rng-ccw", "id": "disk0"},
             "Duplicate device ID 'disk0'"),
            ("bad_id", {"driver": "virtio-rng-ccw", "id": "0bad"},
             "Parameter 'id' expects an identifier"),
            ("drive_in_use", {"driver": "virtio-blk-ccw", "drive": "d0"},
             "Drive 'd0' is already in use by another device"),
            ("unknown_drive", {"driver": "virtio-blk-ccw", "drive": "nope"},
             "Property 'virtio-blk-device.drive' can't find value 'nope'"),
            ("missing_drive", {"driver": "virtio-blk-ccw"}, "drive property not set"),
            # QEMU's class too: its link property answers DeviceNotFound.
            ("unknown_iothread", {"driver": "virtio-blk-ccw", "drive": "d1", "iothread": "io9"},
             "Device 'io9' not found", "DeviceNotFound"),
            ("unknown_chardev", {"driver": "virtio-console-ccw", "chardev": "nope"},
             "unknown chardev 'nope'"),
            ("unknown_netdev", {"driver": "virtio-net-ccw", "netdev": "nope"},
             "Property 'virtio-net-device.netdev' can't find value 'nope'"),
            ("unknown_property", {"driver": "virtio-rng-ccw", "speed": 3},
             "Property 'virtio-rng-ccw.speed' not found"),
            ("bad_devno", {"driver": "virtio-rng-ccw", "devno": "fe.4.0001"},
             "Property 'virtio-rng-ccw.devno' doesn't take value 'fe.4.0001'"),
            ("bad_revision", {"driver": "virtio-rng-ccw", "max_revision": 3},
             "property 'max_revision'"),
            ("virtconsole", {"driver": "virtconsole", "chardev": "c1"},
             "cannot be hot-plugged"),
        ]
        for name, args, want, *cls in errors:
            check(f"device_add_error_{name}",
                  lambda args=args, want=want, cls=cls: is_error(
                      c.cmd("device_add", args), cls[0] if cls else "GenericError", want))

        def dup_devno_hot():
            why = plug(m, c, "virtio-rng-ccw", "first", "fe.0.4444", {}, 4, "virtio-rng")
            if why:
                return why
            res = is_error(c.cmd("device_add", {"driver": "virtio-blk-ccw", "drive": "d1",
                                                "devno": "fe.0.4444", "id": "second"}),
                           "GenericError",
                           "Device fe.0.4444 already exists")
            if res is not True:
                return res
            # The failed device_add left drive d1 free: a disk can take it now.
            why = plug(m, c, "virtio-blk-ccw", "second", "fe.0.4445", {"drive": "d1"}, 2,
                       "virtio-blk")
            return why or unplug(m, c, "first", "fe.0.4444") or \
                unplug(m, c, "second", "fe.0.4445")
        check("device_add_error_dup_devno_hot_and_backend_released", dup_devno_hot)

        check("device_del_error_unknown_id", lambda: is_error(
            c.cmd("device_del", {"id": "nope"}), "DeviceNotFound", "Device 'nope' not found"))

        def nothing_half_plugged():
            after = devices(c)
            if after != before:
                return f"before {before}, after {after}"
            lines = [x for x in m.output() if "FAIL" in x]
            if lines:
                return f"guest: {lines}"
        check("device_add_errors_leave_nothing_behind", nothing_half_plugged)

        def sigterm():
            m.proc.send_signal(signal.SIGTERM)
            ev = c.event("SHUTDOWN")
            if ev.get("data", {}).get("reason") != "host-signal":
                return f"SHUTDOWN {ev}"
            rc = m.wait()
            if rc != 0:
                return f"exit status {rc}; stderr: {m.stderr()}"
            err = m.stderr()
            if err != "vccw-vm: terminating on signal 15":
                return f"stderr: {err}"
        check("qmp_sigterm_shutdown_event_and_clean_exit", sigterm)
    finally:
        m.kill()


# ---- many cycles while a disk is busy ----

def check_ring(path, last_reported):
    """The ring as hotplug.c writes it: every slot whole, seqs contiguous, none lost."""
    seqs = {}
    with open(path, "rb") as f:
        f.seek(HP_FIRST * SECTOR)
        data = f.read(HP_SLOTS * HP_SLOT_SECTORS * SECTOR)
    for slot in range(HP_SLOTS):
        seq = None
        for k in range(HP_SLOT_SECTORS):
            off = (slot * HP_SLOT_SECTORS + k) * SECTOR
            sec = data[off:off + SECTOR]
            if sec == bytes(SECTOR):
                if seq not in (None, -1):
                    return f"slot {slot} sector {k} is empty but sector 0 has seq {seq}"
                seq = -1
                continue
            if sec[:8] != b"VCCWHPIO":
                return f"slot {slot} sector {k}: no stamp"
            s, kk = struct.unpack_from("<II", sec, 8)
            if kk != k or (seq is not None and s != seq):
                return f"slot {slot} sector {k}: torn write (seq {s}, k {kk}, slot seq {seq})"
            seq = s
            want = bytes((s * 31 + k * 7 + i) & 0xff for i in range(16, SECTOR))
            if sec[16:] != want:
                return f"slot {slot} sector {k}: data corrupted (seq {s})"
        if seq is not None and seq >= 0:
            if seq % HP_SLOTS != slot:
                return f"slot {slot} holds seq {seq}"
            seqs[slot] = seq
    if not seqs:
        return "no write reached the image"
    top = max(seqs.values())
    if top < last_reported:
        return f"the image ends at seq {top}, the guest reported {last_reported} verified"
    want = set(range(max(0, top - HP_SLOTS + 1), top + 1))
    if set(seqs.values()) != want:
        return f"lost writes: missing seqs {sorted(want - set(seqs.values()))[:10]}"
    return None


def test_cycles(tmp):
    disk0 = os.path.join(tmp, "c-disk0.img")
    disk1 = os.path.join(tmp, "c-disk1.img")
    for p in (disk0, disk1):
        with open(p, "wb") as f:
            f.truncate(8 << 20)
    m = Machine(tmp, [
        "-drive", f"file={disk0},format=raw,if=none,id=d0",
        "-device", "virtio-blk-ccw,drive=d0,id=disk0,devno=fe.0.0815",
        "-drive", f"file={disk1},format=raw,if=none,id=d1"])
    try:
        m.wait_line(r"^hotplug: ready; blk I/O on 0\.0\.0815$")
        c = Client(m.sock)
        done = 0
        t0 = time.monotonic()

        def cycles():
            nonlocal done
            for i in range(CYCLES):
                why = plug(m, c, "virtio-blk-ccw", "hp", "fe.0.1234", {"drive": "d1"}, 2,
                           "virtio-blk") or unplug(m, c, "hp", "fe.0.1234")
                if why:
                    return f"cycle {i}: {why}"
                done += 1
        ok = check(f"hotplug_{CYCLES}_cycles_while_disk_busy", cycles)
        secs = time.monotonic() - t0

        def verified():
            return [int(x.split("=")[1].split()[0]) for x in m.output()
                    if x.startswith("hotplug: blk seq=")]
        print(f"INFO {done} plug/unplug cycles in {secs:.1f} s "
              f"({1000 * secs / max(done, 1):.1f} ms each); meanwhile the guest wrote and "
              f"verified {max(verified(), default=-1) + 1} blocks on the other disk")

        out = m.output()
        fails = [x for x in out if "FAIL" in x]
        check("hotplug_cycles_guest_io_never_failed",
              lambda: f"guest: {fails[:5]}" if fails else
              (None if verified() else "the guest reported no verified write"))
        if ok:
            gained = sum(1 for x in out if x.startswith("demo: gained 0.0.1234 "))
            lost = sum(1 for x in out if x == "demo: lost 0.0.1234")
            check("hotplug_cycles_guest_saw_each",
                  lambda: None if gained == lost == CYCLES else
                  f"gained {gained}, lost {lost}, expected {CYCLES} each")

        def unplug_busy_disk():
            """The disk under I/O itself goes: its requests end, the guest carries on."""
            t = time.monotonic()
            why = unplug(m, c, "disk0", "fe.0.0815")
            if why:
                return why
            m.wait_line(r"^hotplug: blk seq=\d+ verified; disk gone, I/O stopped$")
            fails = [x for x in m.output() if "FAIL" in x]
            if fails:
                return f"guest: {fails[:5]}"
            print(f"INFO the busy disk was unplugged in {time.monotonic() - t:.2f} s")
            return plug(m, c, "virtio-rng-ccw", "after", None, {}, 4, "virtio-rng")
        check("hotplug_unplug_disk_under_io", unplug_busy_disk)
        last = max(verified(), default=0)

        def quit_and_image():
            r = c.cmd("quit")
            if r.get("return") != {}:
                return f"quit: {r}"
            rc = m.wait()
            if rc != 0:
                return f"exit status {rc}; stderr: {m.stderr()}"
            if m.stderr():
                return f"stderr: {m.stderr()}"
            return check_ring(disk0, last)
        check("hotplug_cycles_no_write_lost_or_torn", quit_and_image)
    finally:
        m.kill()

# ---- back-to-back cycles with tracing on (the hot-plug crash) ----

def test_rng_cycles_traced(tmp):
    """
    device_add and device_del of an rng with max_revision=1, back to back without waiting
    for the guest, every css and ccw trace event on: the guest starts I/O on each new
    subchannel the moment its CRW arrives (its revision-2 attempt ends in a unit check),
    often while the device is already going. A subchannel the guest can find before its
    control unit and transport are linked crashed vccw-vm here within a few hundred cycles.
    """
    err = os.path.join(tmp, "trace-stderr.txt")
    m = Machine(tmp, ["-trace", "*"], err_path=err)
    try:
        m.wait_line(r"^hotplug: ready")
        c = Client(m.sock)
        done = 0

        def cycles():
            nonlocal done
            for i in range(TRACE_CYCLES):
                r = c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": "rng-hp",
                                         "devno": "fe.0.4243", "max_revision": 1})
                if r.get("return") != {}:
                    return f"cycle {i}: device_add: {r}"
                r = c.cmd("device_del", {"id": "rng-hp"})
                if r.get("return") != {}:
                    return f"cycle {i}: device_del: {r}"
                done += 1
            return None
        check(f"hotplug_rng_{TRACE_CYCLES}_back_to_back_cycles_traced", cycles)

        def guest_still_binds():
            """After the storm the guest binds a new device at revision 1 as usual."""
            return plug(m, c, "virtio-rng-ccw", "rng-after", "fe.0.4244",
                        {"max_revision": 1}, 4, "virtio-rng")
        check("hotplug_rng_traced_guest_binds_after_storm", guest_still_binds)

        def clean_exit():
            r = c.cmd("quit")
            if r.get("return") != {}:
                return f"quit: {r}"
            rc = m.wait()
            with open(err, "rb") as f:
                text = f.read().decode(errors="replace")
            bad = [x for x in text.splitlines() if "Sanitizer" in x or "runtime error" in x]
            if rc != 0 or bad:
                return f"exit status {rc}; {bad[:3]}"
            if text.count("ccw_start") < 1:
                return "no ccw_start trace line: the guest never started a program"
            return None
        check("hotplug_rng_traced_no_crash_clean_exit", clean_exit)
    finally:
        m.kill()


# ---- console ports (MULTIPORT) and the balloon's statistics, with the agent guest ----

def quit_clean(m, c):
    r = c.cmd("quit")
    if r.get("return") != {}:
        return f"quit: {r}"
    rc = m.wait()
    if rc != 0:
        return f"exit status {rc}; stderr: {m.stderr()}"
    if m.stderr():
        return f"stderr: {m.stderr()}"


def test_serial_ports(tmp, qemu=False):
    """virtserialport: guest lines reach the port's chardev, host lines reach the guest."""
    pre = "qemu_" if qemu else ""
    out_file = os.path.join(tmp, pre + "port-file.txt")
    echo_sock = os.path.join(tmp, pre + "port-echo.sock")
    m = Machine(tmp, [
        "-chardev", "null,id=con0", "-chardev", f"file,id=pf,path={out_file}",
        "-chardev", f"socket,id=ps,path={echo_sock},server=on,wait=off",
        "-device", "virtio-serial-ccw,id=ser0",
        "-device", "virtconsole,chardev=con0,id=vcon0",
        "-device", "virtserialport,chardev=pf,name=org.vccw.file,id=pfile",
        "-device", "virtserialport,chardev=ps,name=org.vccw.echo,nr=3,id=pecho"],
        program="agent", qemu=qemu)
    try:
        m.wait_line(r"^agent: ready \(2 ports open, no balloon\)$")
        c = Client(m.sock)

        def numbering():
            # QEMU's numbering: the virtconsole at 0, the first free number from 1, nr=3.
            for want in ("^agent: opened port 1 'org.vccw.file'$",
                         "^agent: opened port 3 'org.vccw.echo'$"):
                m.wait_line(want, timeout=0)
        check(pre + "virtserialport_numbers_as_qemu", numbering)

        def guest_to_file():
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                with open(out_file) as f:
                    if f.read() == "agent: hello on port org.vccw.file\n":
                        return None
                time.sleep(0.05)
            with open(out_file) as f:
                return f"file holds {f.read()!r}"
        check(pre + "virtserialport_guest_line_reaches_file_chardev", guest_to_file)

        def host_to_guest_and_back():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(echo_sock)
                s.sendall(b"ping from the host 42\n")
                m.wait_line(r"^agent: port org.vccw.echo read 'ping from the host 42'$")
                s.settimeout(TIMEOUT)
                got = b""
                while not got.endswith(b"\n"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                if got != b"echo: ping from the host 42\n":
                    return f"socket got {got!r}"
            finally:
                s.close()
        check(pre + "virtserialport_host_line_reaches_guest_and_echo_comes_back",
              host_to_guest_and_back)

        def first_port_listed():
            d = by_id(c, "ser0")
            if not d or d.get("port") != "vcon0":
                return f"query-ccw-devices: {d}"
        if not qemu:  # query-ccw-devices is vccw-vm's own
            check("virtio_serial_lists_its_first_port", first_port_listed)

        check(pre + "query_balloon_without_balloon", lambda: is_error(
            c.cmd("query-balloon"), "DeviceNotActive", "No balloon device has been activated"))
        check(pre + "serial_ports_quit_clean", lambda: quit_clean(m, c))
    finally:
        m.kill()


def test_balloon_stats(tmp, qemu=False):
    """STATS_VQ through QMP: qom-get guest-stats, polling interval, balloon, query-balloon."""
    pre = "qemu_" if qemu else ""
    ram = 128 << 20
    m = Machine(tmp, ["-m", "128M", "-device",
                      "virtio-balloon-ccw,id=balloon0,guest-stats-polling-interval=1"],
                program="agent", qemu=qemu)
    path = "/machine/peripheral/balloon0"
    try:
        m.wait_line(r"^agent: ready \(0 ports open, balloon with stats\)$")
        c = Client(m.sock)

        def stats(after=0):
            """guest-stats once last-update is past @after."""
            deadline = time.monotonic() + TIMEOUT
            while True:
                r = c.cmd("qom-get", {"path": path, "property": "guest-stats"})
                if "return" not in r:
                    raise RuntimeError(f"qom-get: {r}")
                if r["return"]["last-update"] > after:
                    return r["return"]
                if time.monotonic() > deadline:
                    raise Timeout("no statistics from the guest")
                time.sleep(0.1)

        first = {}

        def stats_values():
            st = stats()
            first.update(st["stats"])
            names = ["stat-swap-in", "stat-swap-out", "stat-major-faults",
                     "stat-minor-faults", "stat-free-memory", "stat-total-memory",
                     "stat-available-memory", "stat-disk-caches", "stat-htlb-pgalloc",
                     "stat-htlb-pgfail"]
            v = st["stats"]
            if sorted(v) != sorted(names):
                return f"stats keys {sorted(v)}"
            for n in names:
                if n not in ("stat-free-memory", "stat-total-memory",
                             "stat-available-memory") and v[n] != 0:
                    return f"{n} = {v[n]}, the agent reports 0"
            if not 0 < v["stat-total-memory"] <= ram:
                return f"stat-total-memory {v['stat-total-memory']} not in (0, {ram}]"
            if not 0 < v["stat-free-memory"] <= v["stat-total-memory"]:
                return f"stat-free-memory {v['stat-free-memory']}"
            if v["stat-available-memory"] != v["stat-free-memory"]:
                return "stat-available-memory differs from stat-free-memory"
        check(pre + "balloon_guest_stats_from_the_guest_allocator", stats_values)

        check(pre + "balloon_query_full_size", lambda: None if c.cmd("query-balloon") == {
            "return": {"actual": ram}, "id": c.next_id - 1} else "query-balloon")

        def target_followed():
            r = c.cmd("balloon", {"value": ram - (1 << 20)})
            if r.get("return") != {}:
                return f"balloon: {r}"
            deadline = time.monotonic() + TIMEOUT
            while c.cmd("query-balloon").get("return", {}).get("actual") != ram - (1 << 20):
                if time.monotonic() > deadline:
                    return f"query-balloon: {c.cmd('query-balloon')}"
                time.sleep(0.05)
            # The guest's total no longer counts the 256 pages it gave the host.
            deadline = time.monotonic() + TIMEOUT
            while True:
                st = stats()
                if st["stats"]["stat-total-memory"] == first["stat-total-memory"] - (1 << 20):
                    return None
                if time.monotonic() > deadline:
                    return f"stat-total-memory {st['stats']['stat-total-memory']}, before " \
                           f"{first['stat-total-memory']}"
                time.sleep(0.2)
        check(pre + "balloon_target_followed_and_stats_track_it", target_followed)

        def interval():
            r = c.cmd("qom-get", {"path": "balloon0",
                                  "property": "guest-stats-polling-interval"})
            if r.get("return") != 1:
                return f"qom-get interval: {r}"
            r = c.cmd("qom-set", {"path": path, "property": "guest-stats-polling-interval",
                                  "value": 0})
            if r.get("return") != {}:
                return f"qom-set: {r}"
            r = c.cmd("qom-get", {"path": path, "property": "guest-stats-polling-interval"})
            if r.get("return") != 0:
                return f"qom-get after qom-set 0: {r}"
        check(pre + "balloon_polling_interval_qom_get_set", interval)

        errors = [
            ("balloon", {"value": 0}, "GenericError", "Parameter 'target' expects a size"),
            ("balloon", {}, "GenericError", "Parameter 'value' is missing"),
            # QEMU names the type too ("Property 'virtio-balloon-ccw.nope' not found").
            ("qom-get", {"path": path, "property": "nope"}, "GenericError", "not found"),
            ("qom-get", {"path": "/machine/peripheral/nope", "property": "guest-stats"},
             "DeviceNotFound", "Device '/machine/peripheral/nope' not found"),
            ("qom-set", {"path": path, "property": "guest-stats-polling-interval",
                         "value": -1}, "GenericError", "timer value must be greater than zero"),
        ]
        for cmd, args, cls, text in errors:
            check(f"{pre}balloon_error_{cmd.replace('-', '_')}_{text.split()[0].lower()}_"
                  f"{len(args)}", lambda cmd=cmd, args=args, cls=cls, text=text:
                  is_error(c.cmd(cmd, args), cls, text))
        check(pre + "balloon_quit_clean", lambda: quit_clean(m, c))
    finally:
        m.kill()


def test_announce(tmp):
    """announce-self: the guest's NIC driver sees VIRTIO_NET_S_ANNOUNCE and acknowledges."""
    m = Machine(tmp, ["-netdev", "loopback,id=n0",
                      "-device", "virtio-net-ccw,netdev=n0,id=nic0"])
    try:
        m.wait_line(r"^hotplug: ready")
        c = Client(m.sock)

        def announce():
            start = m.mark()
            r = c.cmd("announce-self", {"initial": 50, "max": 550, "rounds": 1, "step": 50})
            if r.get("return") != {}:
                return f"announce-self: {r}"
            m.wait_line(r"^hotplug: virtio-net 0 announced \(GUEST_ANNOUNCE acknowledged\)$",
                        start)
            # The device cleared the status bit on the ACK: a second request is a new one.
            start = m.mark()
            c.cmd("announce-self")
            m.wait_line(r"^hotplug: virtio-net 0 announced", start)
        check("qmp_announce_self_acknowledged_by_guest", announce)
        check("qmp_announce_self_unknown_argument", lambda: is_error(
            c.cmd("announce-self", {"bogus": 1}), "GenericError", "bogus"))
        c.cmd("quit")
        m.wait()
    finally:
        m.kill()


def test_hotplug_s390x(tmp, elf):
    """The bare-metal hotplug image on the s390x back-end: plug and unplug under its eyes."""
    disk0 = os.path.join(tmp, "s-disk0.img")
    disk1 = os.path.join(tmp, "s-disk1.img")
    con1 = os.path.join(tmp, "s-con1.txt")
    for p in (disk0, disk1):
        with open(p, "wb") as f:
            f.truncate(8 << 20)
    m = Machine(tmp, [
        "-drive", f"file={disk0},format=raw,if=none,id=d0",
        "-device", "virtio-blk-ccw,drive=d0,id=disk0,devno=fe.0.0815",
        "-drive", f"file={disk1},format=raw,if=none,id=d1",
        "-chardev", f"file,id=c1,path={con1}", "-netdev", "none,id=n1"], program=elf)
    try:
        m.wait_line(r"^hotplug: ready; blk I/O on 0\.0\.0815$")
        c = Client(m.sock)
        for driver, props, model, gname in TYPES:
            if driver in ("virtio-serial-ccw", "virtio-balloon-ccw"):
                continue  # the same transport paths as the others; keep the run short

            def one(driver=driver, props=props, model=model, gname=gname):
                why = plug(m, c, driver, "hp", "fe.0.1234", props, model, gname)
                return why or unplug(m, c, "hp", "fe.0.1234")
            check(f"s390x_hotplug_{driver.replace('-', '_')}_seen_and_gone", one)

        def busy_disk():
            why = unplug(m, c, "disk0", "fe.0.0815")
            if why:
                return why
            m.wait_line(r"^hotplug: blk seq=\d+ verified; disk gone, I/O stopped$")
            fails = [x for x in m.output() if "FAIL" in x]
            return f"guest: {fails[:5]}" if fails else None
        check("s390x_hotplug_unplug_disk_under_io", busy_disk)

        def quit_clean():
            r = c.cmd("quit")
            if r.get("return") != {}:
                return f"quit: {r}"
            rc = m.wait()
            if rc != 0:
                return f"exit status {rc}; stderr: {m.stderr()}"
            return f"stderr: {m.stderr()}" if m.stderr() else None
        check("s390x_hotplug_quit", quit_clean)
    finally:
        m.kill()


def main():
    if not os.access(VM, os.X_OK):
        report("setup", False, f"{VM} is not an executable")
        finish()
    help_text = subprocess.run([VM, "--help"], capture_output=True, text=True).stdout
    programs = subprocess.run([VM, "-kernel", "help"], capture_output=True, text=True).stdout
    tmp = tempfile.mkdtemp(prefix="vccw-qmp-test.")
    try:
        probe = subprocess.run([VM, "-qmp", f"unix:{tmp}/probe.sock,server=on,wait=off",
                                "-kernel", "native:true"], capture_output=True, text=True)
        if "-qmp" not in help_text:
            skip("qmp", "this vccw-vm has no -qmp option")
        elif "without QMP support" in probe.stderr:
            skip("qmp", probe.stderr.strip())
        elif not re.search(r"^  hotplug ", programs, re.M):
            skip("qmp", "no built-in hotplug program in this build")
        else:
            test_protocol(tmp)
            test_hotplug_types(tmp)
            test_announce(tmp)
            test_cycles(tmp)
            test_rng_cycles_traced(tmp)
            if re.search(r"^  agent ", programs, re.M):
                test_serial_ports(tmp)
                test_balloon_stats(tmp)
            else:
                skip("agent", "no built-in agent program in this build")
            if not QEMU:
                skip("qemu_agent", "qemu-system-s390x is not installed (qemu-system-misc)")
            elif not os.path.exists(os.path.join(S390X_DIR, "agent.elf")):
                skip("qemu_agent", "no s390x/agent.elf in this build (make guest-s390x)")
            else:
                test_serial_ports(tmp, qemu=True)
                test_balloon_stats(tmp, qemu=True)
            elf = os.path.join(os.path.dirname(VM), "s390x", "hotplug.elf")
            probe = subprocess.run([VM, "-kernel", elf, "-m", "1M"], capture_output=True,
                                   text=True)
            if not os.path.exists(elf):
                skip("s390x_hotplug", f"{elf} not built (make guest-s390x)")
            elif "NO_UNICORN" in probe.stderr:
                skip("s390x_hotplug", "no s390x CPU back-end in this vccw-vm (built with NO_UNICORN=1)")
            else:
                test_hotplug_s390x(tmp, elf)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
