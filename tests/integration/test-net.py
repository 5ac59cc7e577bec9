#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vccw-vm's network backends end to end, with the native guest programs netpeer and
netecho (machine/guest/netpeer.c) driving the guest's virtio-net driver.

- Two vccw-vm joined by each backend that links machines: stream (unix and TCP), socket
  listen=/connect= (TCP), dgram (UDP and unix). Both guests end with 0 only when frames
  crossed both ways.
- Interoperability with QEMU 7.2: qemu-system-s390x (running a two-instruction loop, no
  guest network) joins one hub with a -netdev stream client and a -netdev socket listener
  (then a -netdev dgram); one vccw-vm on each side, so every frame crosses QEMU's framing
  both ways.
- User networking: hostfwd=udp:127.0.0.1:PORT-:7 reaches the netecho guest, whose answer
  comes back to the host socket.
- TAP: a persistent TAP interface made here (ioctl on /dev/net/tun, brought up with
  SIOCSIFFLAGS) used by ifname= and, opened here and inherited, by fd=; the host end is a
  raw AF_PACKET socket playing the peer. Skipped, saying why, when /dev/net/tun or the
  privilege is missing.
- The monitor: netdev_add with QMP's nested addr object and hostfwd list, netdev_del, and
  the counters of info network against the frames the test itself sent and received.

Usage: test-net.py [path/to/vccw-vm]. Prints PASS/FAIL/SKIP lines and the summary line
"N passed, N failed, N skipped".
"""
import errno
import fcntl
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from qmp_client import QMPClient, QMPTimeout  # noqa: E402

here = os.path.dirname(os.path.realpath(__file__))
VM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "vccw-vm")
QEMU = shutil.which("qemu-system-s390x")
TMP = tempfile.mkdtemp(prefix="vccw-net-test.")
passed = failed = skipped = 0
MAGIC = b"vccw-netpeer\0"


def result(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def skip(name, why):
    global skipped
    skipped += 1
    print(f"SKIP {name}: {why}")


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vm(netdev, mac, program="netpeer", extra=(), pass_fds=()):
    return subprocess.Popen([VM, "-nographic", "-netdev", netdev, "-device",
                             f"virtio-net-ccw,netdev=n0,mac={mac}", *extra,
                             "-kernel", f"native:{program}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            pass_fds=pass_fds)


def finish(p, timeout=40):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return p.returncode, out.decode(errors="replace")


def wait_path(path, timeout=10):
    end = time.time() + timeout
    while time.time() < end and not os.path.exists(path):
        time.sleep(0.02)


def wait_port(port, kind=socket.SOCK_STREAM, timeout=10):
    """Until something is bound at 127.0.0.1:port (binding it ourselves fails)."""
    end = time.time() + timeout
    while time.time() < end:
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        finally:
            s.close()
        time.sleep(0.02)
    return False


def pair(name, first, second, wait=None):
    """Two vccw-vm running netpeer; @first is started (and waited for) before @second."""
    a = vm(first, "52:54:00:00:00:0a")
    if wait:
        wait()
    b = vm(second, "52:54:00:00:00:0b")
    rb, ob = finish(b)
    ra, oa = finish(a)
    ok = ra == 0 and rb == 0 and "frames crossed both ways" in oa + ob
    result(ok, name, f"exit {ra}/{rb}: {oa.strip()!r} / {ob.strip()!r}")


# ---- two vccw-vm ----

def test_pairs():
    path = os.path.join(TMP, "stream.sock")
    pair("stream_unix_two_machines",
         f"stream,id=n0,server=on,addr.type=unix,addr.path={path}",
         f"stream,id=n0,server=off,addr.type=unix,addr.path={path}",
         lambda: wait_path(path))
    port = free_port()
    pair("stream_tcp_two_machines",
         f"stream,id=n0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={port}",
         f"stream,id=n0,addr.type=inet,addr.host=127.0.0.1,addr.port={port}",
         lambda: wait_port(port))
    port = free_port()
    pair("socket_listen_connect_two_machines", f"socket,id=n0,listen=127.0.0.1:{port}",
         f"socket,id=n0,connect=127.0.0.1:{port}", lambda: wait_port(port))
    p1, p2 = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    pair("dgram_udp_two_machines",
         f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={p1},"
         f"remote.type=inet,remote.host=127.0.0.1,remote.port={p2}",
         f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={p2},"
         f"remote.type=inet,remote.host=127.0.0.1,remote.port={p1}")
    pa, pb = os.path.join(TMP, "dg-a.sock"), os.path.join(TMP, "dg-b.sock")
    pair("dgram_unix_two_machines",
         f"dgram,id=n0,local.type=unix,local.path={pa},remote.type=unix,remote.path={pb}",
         f"dgram,id=n0,local.type=unix,local.path={pb},remote.type=unix,remote.path={pa}",
         lambda: wait_path(pa))
    port = free_port()
    pair("socket_udp_localaddr_two_machines",
         f"socket,id=n0,udp=127.0.0.1:{port + 0},localaddr=127.0.0.1:{port + 1}",
         f"socket,id=n0,udp=127.0.0.1:{port + 1},localaddr=127.0.0.1:{port + 0}")


# ---- QEMU in the middle ----

def loop_image():
    """A raw s390x image: the IPL PSW at 0 points at 0x200, where 'j .' spins."""
    img = bytearray(0x204)
    img[0:8] = bytes.fromhex("0008000080000200")
    img[0x200:0x204] = bytes.fromhex("a7f40000")
    path = os.path.join(TMP, "loop.img")
    with open(path, "wb") as f:
        f.write(img)
    return path


def qemu_relay(name, left, right):
    """vccw-vm A <-> QEMU netdev @left | hub | QEMU netdev @right <-> vccw-vm B.
    @left/@right: (qemu -netdev, vccw -netdev, who listens: 'vccw' or 'qemu', port)."""
    if not QEMU:
        skip(name, "qemu-system-s390x is not installed (Debian qemu-system-misc)")
        return
    procs = []
    try:
        qargs = [QEMU, "-machine", "s390-ccw-virtio", "-display", "none", "-nodefaults",
                 "-kernel", loop_image()]
        for i, (qnd, _, who, port) in enumerate((left, right)):
            qargs += ["-netdev", qnd.replace("ID", f"q{i}"),
                      "-netdev", f"hubport,id=h{i},hubid=0,netdev=q{i}"]
        a = None
        if left[2] == "vccw":
            a = vm(left[1], "52:54:00:00:00:1a")
            procs.append(a)
            wait_port(left[3])
        q = subprocess.Popen(qargs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(q)
        for side in (left, right):
            if side[2] == "qemu":
                wait_port(side[3], socket.SOCK_DGRAM if side[0].startswith("dgram")
                          else socket.SOCK_STREAM)
        time.sleep(0.3)  # a QEMU stream client connects on its own time
        if a is None:
            a = vm(left[1], "52:54:00:00:00:1a")
            procs.append(a)
        b = vm(right[1], "52:54:00:00:00:1b")
        procs.append(b)
        rb, ob = finish(b)
        ra, oa = finish(a)
        ok = ra == 0 and rb == 0 and oa.count("frames crossed") == 1 and \
            ob.count("frames crossed") == 1
        result(ok, name, f"exit {ra}/{rb}: {oa.strip()!r} / {ob.strip()!r}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()


def test_qemu():
    p1, p2 = free_port(), free_port()
    qemu_relay("qemu_stream_client_and_socket_listener_carry_our_frames",
               (f"stream,id=ID,addr.type=inet,addr.host=127.0.0.1,addr.port={p1}",
                f"stream,id=n0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={p1}",
                "vccw", p1),
               (f"socket,id=ID,listen=127.0.0.1:{p2}",
                f"socket,id=n0,connect=127.0.0.1:{p2}", "qemu", p2))
    p1, p2 = free_port(), free_port(socket.SOCK_DGRAM)
    qemu_relay("qemu_stream_server_and_dgram_carry_our_frames",
               (f"stream,id=ID,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={p1}",
                f"stream,id=n0,addr.type=inet,addr.host=127.0.0.1,addr.port={p1}",
                "qemu", p1),
               (f"dgram,id=ID,local.type=inet,local.host=127.0.0.1,local.port={p2},"
                f"remote.type=inet,remote.host=127.0.0.1,remote.port={p2 + 1}",
                f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={p2 + 1},"
                f"remote.type=inet,remote.host=127.0.0.1,remote.port={p2}", "qemu", p2))


# ---- user networking ----

def tcp_listening(port):
    """Is there an IPv4 TCP socket listening on 127.0.0.1:@port (/proc/net/tcp)?"""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


def test_user_hostfwd():
    port = free_port(socket.SOCK_DGRAM)
    tport = free_port()
    p = vm(f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:7,hostfwd=tcp:127.0.0.1:{tport}-:22",
           "52:54:00:12:34:56", program="netecho")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    got = None
    try:
        # The second rule is in place too: its TCP port listens while the machine runs.
        # Looked at in /proc/net/tcp before the UDP exchange, which ends the guest (and
        # the machine with it), and without binding the port ourselves.
        deadline = time.monotonic() + 30
        tcp_bound = tcp_listening(tport)
        while not tcp_bound and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            tcp_bound = tcp_listening(tport)
        for _ in range(60):
            s.sendto(b"hello through hostfwd", ("127.0.0.1", port))
            try:
                got, frm = s.recvfrom(100)
                break
            except socket.timeout:
                pass
    finally:
        s.close()
    rc, out = finish(p)
    result(got == b"hello through hostfwd" and rc == 0 and "echoed 21 bytes" in out,
           "user_hostfwd_udp_reaches_the_guest_and_back", f"got {got!r}, exit {rc}: {out!r}")
    result(tcp_bound, "user_second_hostfwd_rule_binds_its_port",
           f"127.0.0.1:{tport} was free while the machine ran")
    # A host port already taken: the machine does not start, and the rule is named.
    t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t.bind(("127.0.0.1", 0))
    taken = t.getsockname()[1]
    out = subprocess.run([VM, "-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{taken}-:7",
                          "-kernel", "native:hello"], capture_output=True, text=True)
    t.close()
    result(out.returncode == 2 and f"host forwarding rule udp:127.0.0.1:{taken}" in out.stderr
           and not out.stdout, "user_hostfwd_port_in_use_exits_2",
           f"{out.returncode} {out.stderr!r}")


# ---- TAP ----

TUNSETIFF, TUNSETPERSIST = 0x400454ca, 0x400454cb
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def tap_open(name, persist):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    if persist is not None:
        fcntl.ioctl(fd, TUNSETPERSIST, 1 if persist else 0)
    return fd


def link_up(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH", name.encode(), 0))
        flags = struct.unpack("16sH", ifr[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", name.encode(), flags | IFF_UP))
    finally:
        s.close()


def hello(mac, heard):
    f = b"\xff" * 6 + mac + struct.pack(">H", 0x88b5) + MAGIC + bytes([heard])
    return f.ljust(64, b"\0")


def host_peer(ifname, p, timeout=30):
    """Play netpeer's peer on the host end of @ifname until @p ends."""
    me = bytes.fromhex("525400000077")
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
    raw.bind((ifname, 0))
    raw.settimeout(0.1)
    heard = 0
    end = time.time() + timeout
    try:
        while p.poll() is None and time.time() < end:
            raw.send(hello(me, heard))
            try:
                f = raw.recv(2048)
                if f[14:14 + len(MAGIC)] == MAGIC and f[6:12] != me:
                    heard = 1
            except socket.timeout:
                pass
    finally:
        raw.close()
    return heard


def test_tap():
    # A name of our own: several builds may run this test at the same time.
    tap = f"vccwt{os.getpid() % 100000}"
    if os.geteuid() != 0:
        skip("tap", "not root: creating TAP interfaces needs CAP_NET_ADMIN")
        return
    try:
        fd = tap_open(tap, True)
    except OSError as e:
        skip("tap", f"cannot make a TAP interface through /dev/net/tun: {e}")
        return
    os.close(fd)
    try:
        link_up(tap)
        p = vm(f"tap,id=n0,ifname={tap},script=no,downscript=no,vhost=off",
               "52:54:00:00:00:2a")
        heard = host_peer(tap, p)
        rc, out = finish(p)
        result(rc == 0 and heard and "frames crossed both ways" in out,
               "tap_ifname_frames_cross_both_ways", f"exit {rc}, host heard {heard}: {out!r}")
        fd = tap_open(tap, None)
        p = vm(f"tap,id=n0,fd={fd}", "52:54:00:00:00:2b", pass_fds=(fd,))
        os.close(fd)
        heard = host_peer(tap, p)
        rc, out = finish(p)
        result(rc == 0 and heard and "frames crossed both ways" in out,
               "tap_inherited_fd_frames_cross_both_ways",
               f"exit {rc}, host heard {heard}: {out!r}")
    finally:
        try:
            fd = tap_open(tap, False)
            os.close(fd)
        except OSError:
            pass


# ---- the monitor ----

class QMP(QMPClient):
    """qmp_client.py's client: whole replies, commands without an id."""

    def __init__(self, path):
        super().__init__(path, connect_timeout=0)

    def cmd(self, name, args=None):
        return super().cmd(name, args, id=None)

    def hmp(self, line):
        return self.cmd("human-monitor-command", {"command-line": line}).get("return", "")


def counters(text, netdev):
    m = re.search(re.escape(netdev) + r": index=0,type=\w+,[^\n]*\n *rx: (\d+) packets, "
                  r"(\d+) bytes, (\d+) dropped; tx: (\d+) packets, (\d+) bytes, (\d+) dropped",
                  text)
    return tuple(int(x) for x in m.groups()) if m else None


def test_monitor():
    qsock, nsock = os.path.join(TMP, "qmp.sock"), os.path.join(TMP, "peer.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(nsock)
    srv.listen(1)
    p = vm(f"stream,id=n0,addr.type=unix,addr.path={nsock}", "52:54:00:00:00:3a",
           extra=("-qmp", f"unix:{qsock},server=on,wait=off"))
    conn = None
    try:
        srv.settimeout(10)
        conn, _ = srv.accept()
        wait_path(qsock)
        q = QMP(qsock)
        me = bytes.fromhex("525400000078")
        # Our hellos (not yet "heard"): the guest receives each one.
        sent = 5
        for _ in range(sent):
            conn.sendall(struct.pack(">I", 64) + hello(me, 0))
        # Read the guest's frames as QEMU's framing carries them.
        conn.settimeout(5)
        buf, frames = b"", 0
        while frames < 3:
            buf += conn.recv(4096)
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
                n = struct.unpack(">I", buf[:4])[0]
                frames += buf[4:4 + n][14:14 + len(MAGIC)] == MAGIC and n == 64
                buf = buf[4 + n:]
        c = None
        end = time.time() + 10
        while time.time() < end:
            c = counters(q.hmp("info network"), "n0")
            # A frame is counted just after the socket took it: wait for the count.
            if c and c[0] == sent and c[3] >= frames:
                break
            time.sleep(0.05)
        rxp, rxb, rxd, txp, txb, txd = c if c else (None,) * 6
        result(c is not None and rxp == sent and rxb == 64 * sent and rxd == 0 and
               txp >= frames and txb == 64 * txp and txd == 0,
               "info_network_counts_the_frames_each_way",
               f"counters {c}, sent {sent}, read {frames}")

        # netdev_add with QMP's nested SocketAddress and the hostfwd list.
        uport = free_port(socket.SOCK_DGRAM)
        r1 = q.cmd("netdev_add", {"type": "user", "id": "u1", "net": "10.0.9.0/24",
                                  "hostfwd": [{"str": f"udp:127.0.0.1:{uport}-:7"}]})
        bound = wait_port(uport, socket.SOCK_DGRAM, timeout=2)
        sport = free_port()
        r2 = q.cmd("netdev_add", {"type": "stream", "id": "s1", "server": True,
                                  "addr": {"type": "inet", "host": "127.0.0.1",
                                           "port": str(sport)}})
        c2 = socket.create_connection(("127.0.0.1", sport), timeout=5)
        c2.close()
        info = q.hmp("info network")
        result(r1 == {"return": {}} and r2 == {"return": {}} and bound and
               "u1: index=0,type=user,net=10.0.9.0,restrict=off" in info and
               "s1: index=0,type=stream," in info,
               "netdev_add_takes_nested_addr_and_hostfwd_list", f"{r1} {r2} {bound} {info!r}")
        r3 = q.cmd("netdev_del", {"id": "u1"})
        free = not wait_port(uport, socket.SOCK_DGRAM, timeout=0.2)
        result(r3 == {"return": {}} and free, "netdev_del_releases_the_hostfwd_port",
               f"{r3}, port still bound: {not free}")
        bad = [
            ({"type": "tap", "id": "t1", "fd": "0"},
             "property 'fd': a file descriptor is only taken on the command line"),
            ({"type": "stream", "id": "s2", "addr": {"type": "inet", "host": "127.0.0.1"}},
             "Parameter 'addr.port' is missing"),
            ({"type": "user", "id": "u2", "hostfwd": [{"str": "tcp::99999-:22"}]},
             "Invalid host forwarding rule 'tcp::99999-:22' (Bad host port)"),
            ({"type": "socket", "id": "k1", "mcast": "230.0.0.1:1234"},
             "mcast= is not supported by vccw-vm"),
            ({"type": "vde", "id": "v1"}, "netdev type 'vde' is not supported by vccw-vm"),
        ]
        for args, text in bad:
            r = q.cmd("netdev_add", args)
            result("error" in r and text in r["error"]["desc"],
                   f"netdev_add_refuses_{args['id']}", f"{r}, expected '{text}'")
        # Word for word what QEMU 7.2's netdev_add replies to the same arguments.
        same = [
            ({"type": "user", "id": "u3", "hostfwd": [{"str": "tcp::99999-:22"}]},
             "Invalid host forwarding rule 'tcp::99999-:22' (Bad host port)"),
            ({"type": "stream", "id": "s3", "addr": {"type": "inet", "host": "127.0.0.1"}},
             "Parameter 'addr.port' is missing"),
            ({"type": "socket", "id": "k3"},
             "exactly one of listen=, connect=, mcast= or udp= is required"),
        ]
        for args, text in same:
            r = q.cmd("netdev_add", args)
            result(r.get("error", {}).get("desc") == text,
                   f"netdev_add_error_as_qemu_{args['id']}", f"{r}, QEMU says '{text}'")
        # Let the guest finish: now we have heard it.
        for _ in range(10):
            conn.sendall(struct.pack(">I", 64) + hello(me, 1))
        rc, out = finish(p)
        result(rc == 0 and "frames crossed both ways" in out,
               "stream_peer_speaking_qemu_framing_from_python", f"exit {rc}: {out!r}")
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
        if conn:
            conn.close()
        srv.close()


def test_help():
    out = subprocess.run([VM, "-netdev", "help"], capture_output=True, text=True)
    ours = out.stdout.splitlines()
    ok = out.returncode == 0 and ours[:1] == ["Available netdev backend types:"]
    if QEMU:
        q = subprocess.run([QEMU, "-netdev", "help"], capture_output=True, text=True)
        theirs = set(q.stdout.splitlines()[1:])
        # Every type we list is QEMU's, except vccw's own loopback and none.
        extra = set(ours[1:]) - theirs - {"loopback", "none"}
        ok = ok and not extra and q.stdout.splitlines()[:1] == ours[:1]
    result(ok, "netdev_help_lists_qemus_types", f"{out.stdout!r} {out.returncode}")
    # A stream client connects when the machine starts: nobody there is an error (exit 2).
    port = free_port()
    out = subprocess.run([VM, "-netdev", f"stream,id=n0,addr.type=inet,addr.host=127.0.0.1,"
                          f"addr.port={port}", "-kernel", "native:hello"],
                         capture_output=True, text=True)
    want = f"vccw-vm: -netdev stream,id=n0: cannot connect to 127.0.0.1:{port}: " \
        "Connection refused\n"
    result(out.returncode == 2 and out.stderr == want and not out.stdout,
           "stream_client_without_server_exits_2", f"{out.returncode} {out.stderr!r}")


def main():
    if not os.access(VM, os.X_OK):
        print(f"FAIL setup: {VM} is not an executable")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    try:
        for t in (test_help, test_pairs, test_qemu, test_user_hostfwd, test_tap, test_monitor):
            try:
                t()
            except Exception as e:  # a broken peer or monitor is this test's failure
                result(False, t.__name__, repr(e))
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
