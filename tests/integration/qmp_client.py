# SPDX-License-Identifier: MIT
"""The QMP client the integration tests share (standard library only: Debian packages
no QMP client of QEMU's). One connection to a unix socket, line-oriented JSON:

    c = QMPClient(path)              connect (retrying while the socket is not there
                                     yet), read the greeting, negotiate capabilities
    c.cmd("query-status")            the whole reply ({"return": ...} or {"error": ...});
                                     events that come first are kept in c.events
    c.event("STOP", timeout=10)      the first event of that name (kept ones count)
    c.hmp("info status")             human-monitor-command's text
    c.send_raw(b"...") / c.recv()    bytes out, the next message in, whatever it is

A test keeps its own wrapper when it wants other return values or exceptions; the
socket handling, the framing and the event queue are here once.
"""
import json
import socket
import time


class QMPTimeout(TimeoutError):
    """No message (or no such event) before the deadline."""


class QMPClient:
    def __init__(self, path, timeout=30.0, negotiate=True, connect_timeout=None,
                 capabilities=None):
        """@timeout: default for every wait; @connect_timeout: how long to retry the
        connection (default @timeout; 0: one try); @capabilities: the list sent with
        qmp_capabilities ("enable"), None for none."""
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + (timeout if connect_timeout is None else connect_timeout)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    self.sock.close()
                    raise
                time.sleep(0.02)
        self.buf = b""
        self.events = []
        self.next_id = 1
        self.greeting = self.recv()
        if negotiate:
            self.negotiate(capabilities)

    def negotiate(self, capabilities=None):
        args = {"enable": capabilities} if capabilities else None
        r = QMPClient.cmd(self, "qmp_capabilities", args, id=None)  # not a subclass's
        if "return" not in r:
            raise RuntimeError(f"qmp_capabilities: {r}")
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def send(self, msg):
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def recv(self, timeout=None):
        """The next message, whatever it is (QMPTimeout, or EOFError at the end)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout("no message from the monitor")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise QMPTimeout("no message from the monitor") from None
            if not chunk:
                raise EOFError("monitor closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def reply(self, timeout=None, msg_id=None):
        """The next reply (return or error; with @msg_id, the one with that id); events
        met on the way are kept."""
        while True:
            msg = self.recv(timeout)
            if "event" in msg:
                self.events.append(msg)
                continue
            if msg_id is not None and msg.get("id") != msg_id and "id" in msg:
                continue  # qmp-spec: a reply to someone else's id is not ours
            return msg

    def cmd(self, execute, arguments=None, timeout=None, **extra):
        """Send @execute and return its whole reply. id=X sends that id, id=None none;
        by default each command gets the next number."""
        req = {"execute": execute}
        if arguments is not None:
            req["arguments"] = arguments
        msg_id = extra.get("id", self.next_id)
        if "id" not in extra:
            self.next_id += 1
        if msg_id is not None:
            req["id"] = msg_id
        self.send(req)
        return self.reply(timeout)

    def event(self, name, pred=lambda ev: True, timeout=None):
        """Wait for event @name matching @pred (events already received count)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and pred(ev):
                    del self.events[i]
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout(f"no {name} event")
            msg = self.recv(left)
            if "event" in msg:
                self.events.append(msg)
            else:
                raise RuntimeError(f"unexpected reply while waiting for {name}: {msg}")

    def hmp(self, line):
        r = self.cmd("human-monitor-command", {"command-line": line})
        if "return" not in r:
            raise RuntimeError(f"human-monitor-command {line!r}: {r}")
        return r["return"]
