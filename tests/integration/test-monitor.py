#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vccw-vm's monitors and character backends, end to end (python3, standard library).

  * the human monitor (HMP) through the one command table: info status, info qtree,
    info chardev, info block, device_add, device_del, stop, cont, system_reset, help,
    quit; its words compared with qemu-system-s390x's where QEMU is installed;
  * issue 13's monitor bounds: eight negotiated idle -qmp clients, then a newcomer is
    let in on the reserved slot (it can query-status and quit, nothing else), and the
    one after it gets a readable error before the close; the cap on hot-plugged devices
    (-machine max-hotplug-devices) with QEMU-style error wording;
  * character backends: pty (the line QEMU prints, the guest console read from the
    pts), socket over TCP and unix with server=on,wait=on (the machine starts only once
    the client is there: the first line of the demo arrives), logfile=, mux=on with
    ctrl-a c between the console and the monitor; -monitor stdio / unix, -mon.

Prints PASS/FAIL/SKIP lines and, last, "N passed, N failed, N skipped".
Usage: test-monitor.py [path/to/vccw-vm]   (default: ../vccw-vm next to this script's copy)
"""
import json
import os
import re
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
QEMU = shutil.which("qemu-system-s390x")
TIMEOUT = float(os.environ.get("VCCW_QMP_TIMEOUT", "30"))
# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from qmp_client import QMPClient, QMPTimeout  # noqa: E402

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


def check(name, fn):
    try:
        fn()
        report(name, True)
    except AssertionError as e:
        report(name, False, str(e))
    except Exception as e:  # a crash of the test is a failure too
        report(name, False, f"{type(e).__name__}: {e}")


def wait_path(path, proc=None):
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(path):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode} before {path} appeared")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.02)


class Client(QMPClient):
    """One QMP connection over a unix socket (qmp_client.py); events are kept aside.
    Timeouts are assertion failures here; commands carry no id."""

    def __init__(self, path, negotiate=True):
        super().__init__(path, timeout=TIMEOUT, negotiate=negotiate, connect_timeout=0)

    def recv(self, timeout=None):
        try:
            return super().recv(timeout)
        except QMPTimeout as e:
            raise AssertionError(str(e)) from None

    def cmd(self, execute, arguments=None):
        return super().cmd(execute, arguments, id=None)

    def hmp(self, line):
        r = self.cmd("human-monitor-command", {"command-line": line})
        assert "return" in r, f"human-monitor-command {line!r}: {r}"
        return r["return"]


class Machine:
    """A vccw-vm (or qemu-system-s390x) with a QMP socket in a private directory."""

    def __init__(self, argv, qmp=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE):
        self.dir = tempfile.mkdtemp(prefix="vccw-mon-")
        self.qmp = os.path.join(self.dir, "qmp.sock")
        args = list(argv)
        if qmp:
            args += ["-qmp", f"unix:{self.qmp},server=on,wait=off"]
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=stdout,
                                     stderr=subprocess.PIPE)
        if qmp:
            wait_path(self.qmp, self.proc)

    def path(self, name):
        return os.path.join(self.dir, name)

    def client(self, negotiate=True):
        return Client(self.qmp, negotiate)

    def end(self):
        """Quit (SIGTERM if the monitor does not answer); returns (status, stderr)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode, err.decode(errors="replace")


def vccw(*extra):
    return Machine([VM, "-S", "-kernel", "native:idle", *extra])


def qemu(*extra):
    return Machine([QEMU, "-machine", "s390-ccw-virtio", "-S", "-nodefaults",
                    "-display", "none", *extra])


# ---- the human monitor ----

HMP_LINES = ["info status", "stop", "info status", "stop x", "device_del",
             "device_del nope", "info bogus", "bogus",
             "device_add virtio-rng-ccw,id=r1", "device_add virtio-rng-ccw,id=r1",
             "device_del r1"]


def hmp_transcript(m):
    c = m.client()
    try:
        return [c.hmp(line) for line in HMP_LINES]
    finally:
        c.close()


def test_hmp_matches_qemu():
    """The same HMP lines give the same text on vccw-vm and on QEMU 7.2."""
    m = vccw()
    try:
        ours = hmp_transcript(m)
    finally:
        m.end()
    q = qemu()
    try:
        theirs = hmp_transcript(q)
    finally:
        q.end()
    for line, a, b in zip(HMP_LINES, ours, theirs):
        # QEMU names stop by its alias too ("stop|s"); vccw-vm has no aliases.
        b = b.replace("stop|s:", "stop:")
        assert a == b, f"{line!r}: vccw-vm {a!r}, QEMU {b!r}"


def test_hmp_commands():
    img = tempfile.NamedTemporaryFile(prefix="vccw-mon-", suffix=".img", delete=False)
    img.truncate(1 << 20)
    img.close()
    m = vccw("-drive", f"file={img.name},format=raw,if=none,id=disk0",
             "-device", "virtio-blk-ccw,drive=disk0,id=blk0", "-chardev", "null,id=n0")
    try:
        c = m.client()
        assert c.hmp("info status") == "VM status: paused (prelaunch)\r\n"
        assert c.hmp("cont") == ""
        assert c.hmp("info status") == "VM status: running\r\n"
        assert c.hmp("stop") == ""
        assert c.hmp("info status") == "VM status: paused\r\n"
        assert c.hmp("cont") == ""
        tree = c.hmp("info qtree")
        assert 'dev: virtio-blk-ccw, id "blk0"' in tree, tree
        assert 'drive = "disk0"' in tree, tree
        chardev = c.hmp("info chardev")
        assert "n0: filename=null\r\n" in chardev, chardev
        block = c.hmp("info block")
        assert block.startswith(f"disk0 (disk0): {img.name} (raw)\r\n"), block
        assert "    Attached to:      /machine/peripheral/blk0/virtio-backend\r\n" in block
        assert c.hmp("device_add virtio-rng-ccw,id=rng9") == ""
        ids = [d.get("id") for d in c.cmd("query-ccw-devices")["return"]]
        assert "rng9" in ids, ids
        assert c.hmp("device_del rng9") == ""
        ids = [d.get("id") for d in c.cmd("query-ccw-devices")["return"]]
        assert "rng9" not in ids, ids
        helptext = c.hmp("help")
        for name in ("info status", "info qtree", "device_add", "device_del", "quit"):
            assert re.search(rf"^{name}\b.* -- ", helptext, re.M), helptext
        # HMP-only commands are not QMP commands, and QMP lists none of them.
        r = c.cmd("x-hmp-info-qtree")
        assert r["error"]["class"] == "CommandNotFound", r
        names = [x["name"] for x in c.cmd("query-commands")["return"]]
        assert "x-hmp-help" not in names and "query-status" in names, names
        assert c.hmp("system_reset") == ""
        assert c.hmp("quit") == ""
        status, err = m.end()
        assert status == 0, (status, err)
    finally:
        m.end()
        os.unlink(img.name)


# ---- issue 13: monitor bounds ----

def test_qmp_lockout():
    m = vccw()
    try:
        idle = [m.client() for _ in range(8)]
        # The ninth: on the reserved slot. It may negotiate, look and quit, nothing else.
        ninth = m.client()
        assert "QMP" in ninth.greeting, ninth.greeting
        r = ninth.cmd("query-ccw-devices")
        assert r.get("error", {}).get("class") == "GenericError", r
        assert "Too many monitor clients" in r["error"]["desc"], r
        r = ninth.cmd("query-status")
        assert r["return"]["status"] == "prelaunch", r
        # The tenth: a readable refusal, then EOF.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(m.qmp)
        s.settimeout(TIMEOUT)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        msg = json.loads(data.decode().splitlines()[0])
        assert msg["error"]["class"] == "GenericError", msg
        assert "Too many monitor clients" in msg["error"]["desc"], msg
        # The idle ones still work, and the reserved client's quit ends the machine.
        assert idle[3].cmd("query-status")["return"]["status"] == "prelaunch"
        assert ninth.cmd("quit") == {"return": {}}
        status, err = m.end()
        assert status == 0, (status, err)
        for c in idle + [ninth]:
            c.close()
    finally:
        m.end()


def test_hotplug_cap():
    m = vccw("-machine", "s390-ccw-virtio,max-hotplug-devices=3")
    try:
        c = m.client()
        for i in range(3):
            r = c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": f"r{i}"})
            assert r == {"return": {}}, r
        r = c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": "r3"})
        assert r.get("error", {}).get("class") == "GenericError", r
        assert r["error"]["desc"] == ("Too many hot-plugged devices: at most 3 may be "
                                      "plugged at a time (-machine max-hotplug-devices)"), r
        ids = [d.get("id") for d in c.cmd("query-ccw-devices")["return"]]
        assert "r3" not in ids, ids
        # Room again once one is gone.
        assert c.cmd("device_del", {"id": "r0"}) == {"return": {}}
        assert c.cmd("device_add", {"driver": "virtio-rng-ccw", "id": "r3"}) == {"return": {}}
        c.close()
    finally:
        m.end()
    p = subprocess.run([VM, "-machine", "s390-ccw-virtio,max-hotplug-devices=0"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 2 and "max-hotplug-devices" in p.stderr, (p.returncode, p.stderr)


# ---- character backends ----

DEMO_FIRST = b"demo: found 0 devices through channel I/O"


def read_stderr_line(proc, pattern, timeout=TIMEOUT, stream=None):
    """The first stderr (or @stream) line of @proc matching @pattern, as a match."""
    stream = proc.stderr if stream is None else stream
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([stream], [], [], 0.2)
        if not r:
            if proc.poll() is not None:
                break
            continue
        line = stream.readline()
        if not line:
            break
        seen += line
        m = re.search(pattern, line.decode(errors="replace"))
        if m:
            return m
    raise AssertionError(f"no stderr line matching {pattern!r}; got {seen!r}")


def read_until(fd_read, want, timeout=TIMEOUT):
    """Bytes from fd_read() until @want appears (or the time runs out)."""
    deadline = time.monotonic() + timeout
    data = b""
    while want not in data and time.monotonic() < deadline:
        chunk = fd_read()
        if chunk is None:
            time.sleep(0.02)
            continue
        if not chunk:
            break
        data += chunk
    return data


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PTY_LINE = r"^char device redirected to (/dev/pts/\d+) \(label (\w+)\)$"


def test_pty():
    """-serial pty: QEMU's line names the pts, and the guest console is read from it."""
    proc = subprocess.Popen([VM, "-kernel", "native:demo", "-no-shutdown", "-serial", "pty"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        # On stdout, as QEMU prints it.
        m = read_stderr_line(proc, PTY_LINE, stream=proc.stdout)
        assert m.group(2) == "serial0", m.group(0)
        fd = os.open(m.group(1), os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            def rd():
                try:
                    return os.read(fd, 4096)
                except BlockingIOError:
                    return None
            data = read_until(rd, DEMO_FIRST)
        finally:
            os.close(fd)
        assert data.startswith(DEMO_FIRST), data[:200]
        # Nothing of the console went to stdout.
        proc.terminate()
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert DEMO_FIRST not in out, out[:200]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_pty_unread_never_stalls():
    """-serial pty nobody opens: a chatty guest goes on (the terminal fills at ~90 KB;
    it stalled there); a reader attaching later gets the newest output, not the first."""
    img = tempfile.NamedTemporaryFile(prefix="vccw-pty-", suffix=".img", delete=False)
    img.truncate(64 << 20)
    img.close()
    # native:stamp writes to its disk and reports each write on the console (15 bytes).
    m = Machine([VM, "-kernel", "native:stamp", "-serial", "pty", "-drive",
                 f"file={img.name},format=raw,if=none,id=d0", "-device",
                 "virtio-blk-ccw,drive=d0"])
    try:
        pts = read_stderr_line(m.proc, PTY_LINE, stream=m.proc.stdout).group(1)
        c = m.client()
        writes, deadline = 0, time.monotonic() + 4 * TIMEOUT
        # 12000 reports: twice what the terminal and the output buffer hold.
        while writes < 12000 and time.monotonic() < deadline:
            time.sleep(0.2)
            writes = c.cmd("query-blockstats")["return"][0]["stats"]["wr_operations"]
        assert writes >= 12000, f"the guest stalled at {writes} writes"
        fd = os.open(pts, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            time.sleep(0.2)
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
        first = re.search(rb"ACK (\d+) ", data)
        assert first and int(first.group(1)) > 1000, data[:100]
    finally:
        m.end()
        os.unlink(img.name)


def test_pty_line_matches_qemu():
    """QEMU's own -serial pty prints the same line, label serial0."""
    proc = subprocess.Popen([QEMU, "-machine", "s390-ccw-virtio", "-S", "-nodefaults",
                             "-display", "none", "-serial", "pty"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        m = read_stderr_line(proc, PTY_LINE, stream=proc.stdout)
        assert m.group(2) == "serial0", m.group(0)
    finally:
        proc.kill()
        proc.communicate()


def serial_socket(spec, connect, expect_wait=True, extra=()):
    """Run the demo with -serial @spec; connect with @connect() once vccw-vm waits."""
    proc = subprocess.Popen([VM, "-kernel", "native:demo", *extra, "-serial", spec],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        if expect_wait:
            read_stderr_line(proc, r"QEMU waiting for connection on: disconnected:")
            # Waiting: the guest has not started, the machine stays up without a client.
            time.sleep(0.3)
            assert proc.poll() is None, "vccw-vm did not wait for the client"
        sock = connect()
        sock.settimeout(TIMEOUT)
        data = read_until(lambda: sock.recv(65536), b"CHPIDs")
        sock.close()
        proc.wait(timeout=TIMEOUT)
        out = proc.stdout.read()
        return data, out, proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_tcp_wait_on():
    """server=on (wait=on by default): no console output lost, the demo's first line first."""
    port = free_port()

    def connect():
        return socket.create_connection(("127.0.0.1", port))
    data, out, rc = serial_socket(f"tcp:127.0.0.1:{port},server=on", connect)
    assert data.startswith(DEMO_FIRST + b"\n"), data[:200]
    # The demo without devices ends by itself (status 1: it finds none to drive).
    assert rc == 1, rc
    assert DEMO_FIRST not in out, out[:200]


def test_unix_wait_on_logfile():
    """-chardev socket over unix, server=on,wait=on, logfile=: the log has all of it too."""
    d = tempfile.mkdtemp(prefix="vccw-mon-")
    path, log = os.path.join(d, "console.sock"), os.path.join(d, "console.log")
    try:
        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        data, out, rc = serial_socket(
            "chardev:con", connect,
            extra=["-chardev", f"socket,id=con,path={path},server=on,wait=on,logfile={log}"])
        assert data.startswith(DEMO_FIRST + b"\n"), data[:200]
        with open(log, "rb") as f:
            logged = f.read()
        assert logged.startswith(DEMO_FIRST + b"\n") and data in logged, (data[:100],
                                                                             logged[:100])
        assert not os.path.exists(path), "socket file left behind"
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_monitor_unix_readline():
    """-monitor unix:...,server=on,wait=off: QEMU's banner, prompt and HMP answers."""
    d = tempfile.mkdtemp(prefix="vccw-mon-")
    path = os.path.join(d, "hmp.sock")
    proc = subprocess.Popen([VM, "-S", "-kernel", "native:idle", "-monitor",
                             f"unix:{path},server=on,wait=off"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        wait_path(path, proc)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.settimeout(TIMEOUT)
        rd = lambda: s.recv(65536)
        data = read_until(rd, b"(qemu) ")
        assert data == (b"QEMU 7.2.0 monitor - type 'help' for more information\r\n"
                        b"(qemu) "), data
        s.sendall(b"info status\r\n")
        data = read_until(rd, b"(qemu) ")
        assert data == b"VM status: paused (prelaunch)\r\n(qemu) ", data
        s.sendall(b"cont\ninfo status\n")
        data = read_until(rd, b"running\r\n(qemu) ")
        assert data == b"(qemu) VM status: running\r\n(qemu) ", data
        s.sendall(b"device_add virtio-rng-ccw,id=r1\ninfo qtree\n")
        data = read_until(rd, b'virtio-rng-device, id ""\r\n(qemu) ')
        assert b'dev: virtio-rng-ccw, id "r1"' in data, data
        s.sendall(b"quit\n")
        proc.wait(timeout=TIMEOUT)
        assert proc.returncode == 0, proc.returncode
        s.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        shutil.rmtree(d, ignore_errors=True)


def test_mon_control():
    """-mon chardev=ID,mode=control: QMP on a chardev, greeted for each new client."""
    d = tempfile.mkdtemp(prefix="vccw-mon-")
    path = os.path.join(d, "qmp.sock")
    proc = subprocess.Popen([VM, "-S", "-kernel", "native:idle", "-chardev",
                             f"socket,id=mon0,path={path},server=on,wait=off",
                             "-mon", "chardev=mon0,mode=control"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        wait_path(path, proc)
        c = Client(path)
        assert c.greeting["QMP"]["version"]["qemu"]["major"] == 7, c.greeting
        assert c.cmd("query-status")["return"]["status"] == "prelaunch"
        chardevs = {x["label"]: x for x in c.cmd("query-chardev")["return"]}
        assert chardevs["mon0"]["filename"] == f"unix:{path},server=on", chardevs
        c.close()
        # The next client on the same chardev gets its own greeting and negotiation.
        c = Client(path)
        assert c.cmd("cont") == {"return": {}}
        # As QEMU: the event the command caused comes before its reply.
        assert [e["event"] for e in c.events] == ["RESUME"], c.events
        assert c.cmd("quit") == {"return": {}}
        proc.wait(timeout=TIMEOUT)
        assert proc.returncode == 0, proc.returncode
        c.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        shutil.rmtree(d, ignore_errors=True)


def qmp_stdio_session(argv):
    """Three requests to '-qmp stdio' on stdin; the replies (events left out) and rc."""
    reqs = "".join(json.dumps({"execute": c}) + "\n"
                   for c in ("qmp_capabilities", "query-status", "quit"))
    p = subprocess.run(argv + ["-qmp", "stdio"], input=reqs.encode(), capture_output=True,
                       timeout=TIMEOUT)
    msgs = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    return [m for m in msgs if "event" not in m], p.returncode


def test_qmp_legacy_forms():
    """-qmp stdio and -qmp tcp:HOST:PORT,server,nowait: QMP on a chardev, as QEMU."""
    got, rc = qmp_stdio_session([VM, "-S", "-kernel", "native:idle"])
    assert rc == 0, rc
    assert "QMP" in got[0] and got[0]["QMP"]["capabilities"] == ["oob"], got
    assert got[1] == {"return": {}}, got
    assert got[2]["return"]["status"] == "prelaunch", got
    assert got[3] == {"return": {}} and len(got) == 4, got
    if QEMU:
        want, qrc = qmp_stdio_session([QEMU, "-machine", "s390-ccw-virtio", "-nodefaults",
                                       "-display", "none", "-S"])
        assert qrc == 0 and [sorted(m) for m in want] == [sorted(m) for m in got], (want, got)
        assert want[2]["return"]["status"] == got[2]["return"]["status"], (want, got)
    # The short flag forms (server, nowait) are QemuOpts' booleans.
    port = free_port()
    proc = subprocess.Popen([VM, "-S", "-kernel", "native:idle", "-qmp",
                             f"tcp:127.0.0.1:{port},server,nowait"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except ConnectionRefusedError:
                assert proc.poll() is None and time.monotonic() < deadline, "no listener"
                time.sleep(0.05)
        f = s.makefile("rwb")
        assert "QMP" in json.loads(f.readline()), "no greeting"
        for cmd in ("qmp_capabilities", "quit"):
            f.write(json.dumps({"execute": cmd}).encode() + b"\n")
            f.flush()
            while True:
                r = json.loads(f.readline())
                if "event" not in r:
                    break
            assert r == {"return": {}}, (cmd, r)
        proc.wait(timeout=TIMEOUT)
        assert proc.returncode == 0, proc.returncode
        s.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_chardev_add_pty_tcp():
    """chardev-add of a pty returns its name; of a TCP server, query-chardev lists it."""
    m = vccw()
    try:
        c = m.client()
        r = c.cmd("chardev-add", {"id": "p0", "backend": {"type": "pty", "data": {}}})
        assert re.match(r"^/dev/pts/\d+$", r.get("return", {}).get("pty", "")), r
        port = free_port()
        r = c.cmd("chardev-add", {"id": "t0", "backend": {"type": "socket", "data": {
            "addr": {"type": "inet", "data": {"host": "127.0.0.1", "port": str(port)}},
            "server": True, "wait": False}}})
        assert r == {"return": {}}, r
        names = {x["label"]: x["filename"] for x in c.cmd("query-chardev")["return"]}
        assert names["t0"] == f"tcp:127.0.0.1:{port},server=on", names
        assert names["p0"].startswith("pty:/dev/pts/"), names
        assert c.cmd("chardev-remove", {"id": "t0"}) == {"return": {}}
        assert c.cmd("chardev-remove", {"id": "p0"}) == {"return": {}}
        c.close()
    finally:
        m.end()


def test_mux():
    """mux=on: the console and the human monitor on one socket, ctrl-a c between them."""
    d = tempfile.mkdtemp(prefix="vccw-mon-")
    path = os.path.join(d, "mux.sock")
    proc = subprocess.Popen([VM, "-kernel", "native:hello", "-no-shutdown", "-chardev",
                             f"socket,id=c,path={path},server=on,wait=on,mux=on",
                             "-serial", "chardev:c", "-mon", "chardev=c,mode=readline"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        read_stderr_line(proc, r"QEMU waiting for connection on: disconnected:unix:")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.settimeout(0.5)

        def rd(want=None):
            data, deadline = b"", time.monotonic() + TIMEOUT
            while time.monotonic() < deadline and (want is None or want not in data):
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    if want is None:
                        break
                    continue
                if not chunk:
                    break
                data += chunk
            return data
        # The console has the input first: the guest's line, and typing reaches no monitor.
        assert rd(b"\n") == b"hello from the native guest on vCPU 0\n"
        s.sendall(b"info status\r")
        assert rd() == b"", "the monitor answered while the console had the input"
        s.sendall(b"\x01c")
        assert rd(b"(qemu) ") == (b"QEMU 7.2.0 monitor - type 'help' for more information"
                                  b"\r\n(qemu) ")
        s.sendall(b"info status\r")
        assert rd(b"(qemu) ") == b"VM status: paused (shutdown)\r\n(qemu) "
        s.sendall(b"\x01h")
        assert b"C-a c    switch between console and monitor" in rd(b"C-a C-a")
        s.sendall(b"\x01c" + b"info status\r")
        assert rd() == b"", "the monitor answered after ctrl-a c gave the console the input"
        # QEMU's ctrl-a x ends the machine.
        s.sendall(b"\x01x")
        assert rd(b"\n\r") == b"QEMU: Terminated\n\r"
        proc.wait(timeout=TIMEOUT)
        assert proc.returncode == 0, proc.returncode
        s.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        shutil.rmtree(d, ignore_errors=True)


def main():
    if not os.access(VM, os.X_OK):
        skip("monitor", f"no vccw-vm at {VM}")
        return
    if QEMU:
        check("hmp_text_matches_qemu", test_hmp_matches_qemu)
    else:
        skip("hmp_text_matches_qemu", "no qemu-system-s390x")
    check("hmp_commands_through_the_table", test_hmp_commands)
    check("qmp_idle_clients_reserved_slot_and_refusal", test_qmp_lockout)
    check("qmp_hotplug_cap", test_hotplug_cap)
    check("chardev_pty_serial_console", test_pty)
    if QEMU:
        check("chardev_pty_line_matches_qemu", test_pty_line_matches_qemu)
    else:
        skip("chardev_pty_line_matches_qemu", "no qemu-system-s390x")
    check("chardev_tcp_server_wait_no_output_lost", test_tcp_wait_on)
    check("chardev_unix_server_wait_logfile", test_unix_wait_on_logfile)
    check("monitor_unix_readline_hmp", test_monitor_unix_readline)
    check("mon_chardev_control_qmp", test_mon_control)
    check("qmp_stdio_and_tcp_legacy_forms", test_qmp_legacy_forms)
    check("pty_unread_never_stalls", test_pty_unread_never_stalls)
    check("chardev_add_pty_and_tcp", test_chardev_add_pty_tcp)
    check("chardev_mux_console_and_monitor", test_mux)


if __name__ == "__main__":
    main()
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(0 if counts["failed"] == 0 else 1)
