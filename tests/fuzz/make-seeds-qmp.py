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

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, text in seeds.items():
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
