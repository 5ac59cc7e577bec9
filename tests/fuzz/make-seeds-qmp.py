#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_qmp.c: what a QMP client sends on one connection, one
# file per seed: every command of the table with good and bad arguments, HMP lines,
# malformed JSON, split and batched input. Run: tests/fuzz/make-seeds-qmp.py DIR
import json
import os
import sys

CAPS = '{"execute": "qmp_capabilities"}\n'


def q(name, args=None, id=None):
    m = {"execute": name}
    if args is not None:
        m["arguments"] = args
    if id is not None:
        m["id"] = id
    return json.dumps(m) + "\n"


def hmp(line):
    return q("human-monitor-command", {"command-line": line})


seeds = {
    "caps-only": CAPS,
    "before-caps": q("query-status") + CAPS + CAPS,
    "caps-oob": q("qmp_capabilities", {"enable": ["oob"]}) +
    '{"exec-oob": "query-status", "id": 1}\n',
    "oob-clash": q("qmp_capabilities", {"enable": ["oob"]}) +
    '{"execute": "query-status", "exec-oob": "query-status"}\n' +
    '{"exec-oob": 1}\n{"exec-oob": "quit", "execute": "query-status"}\n',
    "caps-bad": q("qmp_capabilities", {"enable": ["nope", 3]}) +
    q("qmp_capabilities", {"enable": "x"}),
    "queries": CAPS + "".join(q(n, id=i) for i, n in enumerate(
        ["query-commands", "query-status", "query-version", "query-ccw-devices",
         "query-balloon", "query-block", "query-blockstats", "query-chardev"])),
    "lifecycle": CAPS + q("stop") + q("stop") + q("cont") + q("cont") + q("system_reset") +
    q("system_powerdown") + q("query-status"),
    "device-add-del": CAPS +
    q("device_add", {"driver": "virtio-rng-ccw", "id": "r1", "devno": "fe.0.0042"}) +
    q("device_add", {"driver": "virtio-rng-ccw", "id": "r1"}) +
    q("device_add", {"driver": "virtio-rng-ccw", "devno": "fe.0.0042"}) +
    q("device_add", {"driver": "virtio-net-ccw", "id": "n1", "mac": "52:54:00:00:00:01"}) +
    q("device_add", {"driver": "virtio-console-ccw", "id": "c1", "chardev": "spare"}) +
    q("device_add", {"driver": "nope"}) + q("device_add", {"driver": 3}) +
    q("device_add", {"driver": "virtio-rng-ccw", "x": [1]}) +
    q("device_del", {"id": "r1"}) + q("device_del", {"id": "r1"}) +
    q("device_del", {"id": "con"}) + q("device_del"),
    "cap": CAPS + "".join(q("device_add", {"driver": "virtio-rng-ccw", "id": f"r{i}"})
                          for i in range(10)),
    "balloon-qom": CAPS + q("balloon", {"value": 8 << 20}) + q("balloon", {"value": -1}) +
    q("qom-get", {"path": "/machine/peripheral/balloon0", "property": "guest-stats"}) +
    q("qom-set", {"path": "balloon0", "property": "guest-stats-polling-interval",
                  "value": 2}) +
    q("qom-list", {"path": "/machine"}) + q("qom-list", {"path": "/machine/peripheral"}) +
    q("qom-list", {"path": "/machine/peripheral-anon"}) +
    q("qom-list", {"path": "/machine/peripheral/rng0"}) +
    q("qom-get", {"path": "/machine/peripheral-anon/device[0]", "property": "type"}) +
    q("qom-get", {"path": "rng0", "property": "nope"}),
    "trace": CAPS + q("trace-event-get-state", {"name": "css_*"}) +
    q("trace-event-set-state", {"name": "nope", "enable": True}) +
    q("trace-event-set-state", {"name": "css_ss*", "enable": False}),
    "backends": CAPS + q("blockdev-add", {"driver": "raw", "node-name": "d",
                                          "file": {"driver": "file", "filename": "x"}}) +
    q("chardev-add", {"id": "f", "backend": {"type": "null", "data": {}}}) +
    q("chardev-remove", {"id": "spare"}) + q("chardev-remove", {"id": "con0"}) +
    q("netdev_add", {"type": "user", "id": "u"}) + q("netdev_del", {"id": "u"}) +
    q("blockdev-del", {"node-name": "d"}) + q("announce-self"),
    "hmp": CAPS + "".join(hmp(l) for l in [
        "info status", "info qtree", "info chardev", "info block", "info version", "help",
        "info", "info bogus", "stop x", "device_del", "device_del a b",
        "device_add virtio-rng-ccw,id=h1", "device_add ,,,=", "device_del h1", "cont",
        "system_reset", "chardev-remove spare", "", "   ", "quit"]),
    "malformed": CAPS + '{"execute": }\n[1,2]\n"str"\n42\nnull\n{"execute": "quit", "x": 1}\n'
    '{"execute": 5}\n{"arguments": {}}\n{"execute": "query-status", "arguments": []}\n'
    '{"execute": "query-status", "execute": "quit"}\n' + "\x01\x02{\n" + '{"a": "\x01"}\n'
    + "]]]}}}\n" + "[" * 300 + "\n",
    "split": CAPS + '{"exec' + 'ute": "query-st' + 'atus"}{"execute":"query-version"}',
    "unknown": CAPS + q("no-such-command") + q("query-status", {"extra": 1}) +
    q("x-hmp-info-qtree") + q("x-hmp-help"),
    "quit": CAPS + q("quit"),
}

# blockdev-add, chardev-add and netdev_add run through the target's host guard (memfd
# images, null chardevs for sockets and ptys, netdevs of kind none; NBD and qcow2 refused).
FILE_RAW = {"driver": "raw", "node-name": "d1",
            "file": {"driver": "file", "filename": "a.img", "aio": "threads"}}
seeds.update({
    "blockdev": CAPS +
    q("blockdev-add", {"driver": "file", "node-name": "f0", "filename": "b.img",
                       "cache": {"direct": False, "no-flush": True}, "discard": "unmap",
                       "detect-zeroes": "unmap"}) +
    q("blockdev-add", {"driver": "raw", "node-name": "d0", "file": "f0", "read-only": True}) +
    q("blockdev-add", FILE_RAW) + q("blockdev-add", FILE_RAW) +
    q("device_add", {"driver": "virtio-blk-ccw", "drive": "d0", "id": "b0"}) +
    q("query-block") + q("query-blockstats") + q("blockdev-del", {"node-name": "d0"}) +
    q("blockdev-del", {"node-name": "f0"}) + q("device_del", {"id": "b0"}) +
    q("blockdev-del", {"node-name": "d0"}) + q("blockdev-del", {"node-name": "f0"}) +
    q("blockdev-del", {"node-name": "nope"}) + q("blockdev-del") +
    hmp("info block"),
    "blockdev-refused": CAPS +
    q("blockdev-add", {"driver": "qcow2", "node-name": "q",
                       "file": {"driver": "file", "filename": "x.qcow2"}}) +
    q("blockdev-add", {"driver": "nbd", "node-name": "n", "export": "e",
                       "server": {"type": "unix", "path": "s"}}) +
    q("blockdev-add", {"driver": "raw", "node-name": "r", "file": "nope"}) +
    q("blockdev-add", {"driver": "vmdk", "node-name": "v"}) +
    q("blockdev-add", {"node-name": "x"}) + q("blockdev-add", {"driver": 3}) +
    q("blockdev-add", {"driver": "file", "node-name": "9bad", "filename": "x"}),
    "netdev": CAPS +
    q("netdev_add", {"type": "user", "id": "u0", "restrict": True, "net": "10.0.2.0/24",
                     "hostfwd": [{"str": "tcp::5555-:22"}, {"str": "udp::6000-:7"}]}) +
    q("netdev_add", {"type": "stream", "id": "s0", "server": False,
                     "addr": {"type": "unix", "path": "n.sock"}}) +
    q("netdev_add", {"type": "dgram", "id": "g0",
                     "local": {"type": "inet", "host": "127.0.0.1", "port": "7"}}) +
    q("netdev_add", {"type": "tap", "id": "t0", "ifname": "tap9", "vhost": False}) +
    q("netdev_add", {"type": "loopback", "id": "l0"}) + q("netdev_add", {"type": "none", "id": "z0"}) +
    q("netdev_add", {"type": "none", "id": "z0"}) +
    q("device_add", {"driver": "virtio-net-ccw", "netdev": "l0", "id": "n0",
                     "mac": "52:54:00:00:00:02"}) +
    q("netdev_del", {"id": "l0"}) + q("device_del", {"id": "n0"}) + q("netdev_del", {"id": "l0"}) +
    q("netdev_del", {"id": "l0"}) + q("netdev_del", {"id": "u0"}),
    "netdev-bad": CAPS + q("netdev_add", {"type": "user"}) + q("netdev_add", {"id": "x"}) +
    q("netdev_add", {"type": "user", "id": "1x"}) +
    q("netdev_add", {"type": "user", "id": "x", "addr": {"a": {"b": 1}}}) +
    q("netdev_add", {"type": "user", "id": "x", "hostfwd": [1]}) +
    q("netdev_add", {"type": "user", "id": "x", "n": 1.5}) +
    q("netdev_add", {"type": "vde", "id": "x"}) +
    q("netdev_add", {"type": "user", "id": "x", "bogus": "1"}) +
    q("netdev_add", {"type": 1, "id": "x"}) + q("netdev_add", {"type": "user", "id": 2}),
    "chardev": CAPS +
    q("chardev-add", {"id": "c0", "backend": {"type": "null", "data": {}}}) +
    q("chardev-add", {"id": "c1", "backend": {"type": "file",
                                              "data": {"out": "c1.txt", "append": True}}}) +
    q("chardev-add", {"id": "c2", "backend": {"type": "socket", "data": {
        "addr": {"type": "unix", "data": {"path": "c2.sock"}}, "server": True, "wait": False}}}) +
    q("chardev-add", {"id": "c3", "backend": {"type": "socket", "data": {
        "addr": {"type": "inet", "data": {"host": "127.0.0.1", "port": "4000"}},
        "server": True}}}) +
    q("chardev-add", {"id": "c4", "backend": {"type": "pty", "data": {}}}) +
    q("chardev-add", {"id": "c0", "backend": {"type": "null"}}) +
    q("device_add", {"driver": "virtio-console-ccw", "chardev": "c1", "id": "k1"}) +
    q("query-chardev") + q("chardev-remove", {"id": "c1"}) + q("device_del", {"id": "k1"}) +
    q("chardev-remove", {"id": "c1"}) + q("chardev-remove", {"id": "nope"}) +
    q("chardev-remove", {"id": "hmon"}) + hmp("info chardev"),
    "chardev-bad": CAPS + q("chardev-add", {"id": "x"}) +
    q("chardev-add", {"id": "x", "backend": 1}) +
    q("chardev-add", {"id": "x", "backend": {"data": {}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "null", "data": 1}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "ringbuf"}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "file", "data": {}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "file", "data": {"out": "o",
                                                                      "append": 1}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {"addr": 1}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {
        "addr": {"type": "vsock", "data": {}}}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {
        "addr": {"type": "inet", "data": {"host": "h"}}}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {
        "addr": {"type": "unix", "data": {"path": "p"}}, "server": True, "wait": True}}}) +
    q("chardev-add", {"id": "x", "backend": {"type": "socket", "data": {
        "addr": {"type": "unix", "data": {"path": "p"}}, "server": "yes"}}}) +
    q("chardev-add", {"id": "0x", "backend": {"type": "null"}}) +
    q("chardev-add", {"backend": {"type": "null"}}),
})


def rec(op, k=0, payload=b""):
    """One record of a script for the monitor's loop (fuzz_qmp.c)."""
    if isinstance(payload, str):
        payload = payload.encode()
    if op in (0, 4):
        return bytes([op])
    return bytes([op, k, len(payload) & 0xff, len(payload) >> 8]) + payload


CONNECT, SEND, HANGUP, READ, RUN, HMON, CMON, SHUT = range(8)
scripts = {
    "loop-basic": rec(CONNECT) + rec(SEND, 0, CAPS + q("query-status", id=1)) + rec(READ, 0) +
    rec(SEND, 0, q("stop") + q("cont") + q("system_reset")) + rec(RUN) + rec(READ, 0) +
    rec(SEND, 0, q("quit")) + rec(HANGUP, 0),
    # Eight clients that never negotiate: a ninth evicts the oldest.
    "loop-evict": rec(CONNECT) * 10 + rec(READ, 0) + rec(READ, 9) +
    rec(SEND, 9, CAPS + q("query-version")),
    # Eight negotiated clients: the ninth gets the reserved slot (query-status and quit
    # only), a tenth the refusal.
    "loop-reserved": b"".join(rec(CONNECT) + rec(SEND, i, CAPS) for i in range(8)) +
    rec(CONNECT) + rec(SEND, 8, CAPS + q("query-status") +
                       q("device_add", {"driver": "virtio-rng-ccw"}) +
                       hmp("info status") + q("quit")) +
    rec(CONNECT) + rec(READ, 8) + rec(READ, 9) + rec(HANGUP, 3) + rec(CONNECT) +
    rec(READ, 10),
    "loop-events": rec(CONNECT) + rec(CONNECT) + rec(SEND, 0, CAPS) + rec(SEND, 1, CAPS) +
    rec(SEND, 0, q("device_add", {"driver": "virtio-rng-ccw", "id": "r9"}) +
        q("device_del", {"id": "r9"}) + q("stop") + q("cont") + q("system_powerdown")) +
    rec(READ, 1) + rec(SHUT, 1) + rec(RUN) + rec(READ, 0),
    "loop-split": rec(CONNECT) + rec(SEND, 0, '{"execute": "qmp_cap') +
    rec(SEND, 0, 'abilities"}\n{"execute"') + rec(SHUT, 0) + rec(READ, 0),
    "loop-noread": rec(CONNECT) + rec(SEND, 0, CAPS + q("query-commands") * 25) + rec(RUN) +
    rec(SEND, 0, q("query-commands") * 25) + rec(HANGUP, 0),
    "loop-hmp": rec(HMON, 0, "info status\nhelp\r\ninfo chardev\r\ninfo qtree\n") +
    rec(HMON, 0, "device_add virtio-rng-ccw,id=hr\ndevice_del hr\nstop\ncont\n") +
    rec(HMON, 0, "x" * 5000) + rec(HMON, 0, "y\n") + rec(HMON, 0, "info version\rquit\n"),
    "loop-mux": rec(CMON, 0, "\x01c") + rec(CMON, 0, CAPS + q("query-status")) +
    rec(CMON, 0, "\x01h\x01\x01\x01c") + rec(CMON, 0, "ignored by the console") +
    rec(CMON, 0, "\x01c" + q("query-chardev") + "\x01x") + rec(CMON, 0, "\x01c"),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, text in seeds.items():
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
# A script starts with a NUL byte.
for name, script in scripts.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"\0" + script)
