#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vccw-vm's lifecycle, discoverability and observability options, end to end, against
QEMU 7.2's (qemu-system-s390x) where QEMU has the same thing to compare:

- lifecycle: -name (QMP query-name, the process title, debug-threads), -daemonize (the
  command returns 0 once the machine runs, without holding the caller's pipes; an error
  after the fork still reaches the terminal and fails the command), -pidfile (the pid,
  locked against a second vccw-vm, removed at exit), and what vccw-vm says when there
  is nothing to run;
- discoverability: -version, -h by QEMU's groups, -device help (QEMU's categories and
  aliases), -device TYPE,help (QEMU's line format, types and defaults), the aliases
  working, -machine help, -cpu help, QEMU's other options refused by name, and the
  decided no-op options;
- observability: -d guest_errors against a hostile guest (native:guest-errors, 1000
  program checks): every error is either printed or counted in a suppression line, and
  the printed ones stay within the token bucket; -D, -d help, -d trace:, -trace
  events= and file=;
- the man page: groff and man render it without a warning, and it names every option
  --help lists.

Prints PASS/FAIL/SKIP lines and, last, "N passed, N failed, N skipped".
Usage: test-life.py [path/to/vccw-vm]
"""
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
# The shared QMP client (qmp_client.py beside this script, in the build too).
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from qmp_client import QMPClient, QMPTimeout  # noqa: E402
VM = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "VCCW_VM", os.path.join(HERE, "..", "vccw-vm"))
MANPAGE = os.environ.get("VCCW_MANPAGE", os.path.join(
    os.path.dirname(os.path.realpath(VM)), "share", "man", "man1", "vccw-vm.1"))
QEMU = shutil.which("qemu-system-s390x")
# The token bucket of config/log.c (VM_LOG_BURST, VM_LOG_RATE).
BURST, RATE = 10, 10
# native:guest-errors makes this many program checks.
GUEST_ERRORS = 1000

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
    counts["passed" if ok else "failed"] += 1
    sys.stdout.flush()


def skip(name, why):
    print(f"SKIP {name}: {why}")
    counts["skipped"] += 1


def check(name, fn):
    """Run fn(); it returns None when the test passed, else why it failed."""
    try:
        why = fn()
    except Exception as e:  # a crash of the test is its failure
        why = f"{type(e).__name__}: {e}"
    report(name, why is None, why or "")


def run(args, timeout=30, **kw):
    return subprocess.run([VM] + args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


def qemu(args, timeout=30):
    return subprocess.run([QEMU] + args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class QMP(QMPClient):
    """Just enough of a QMP client (qmp_client.py): one command at a time."""

    def __init__(self, path, timeout=20):
        super().__init__(path, timeout=timeout)

    def cmd(self, name, args=None):
        return super().cmd(name, args or None, id=None)


def start(exe, args, tmp, sock="qmp.sock"):
    path = os.path.join(tmp, sock)
    p = subprocess.Popen([exe] + args + ["-qmp", f"unix:{path},server=on,wait=off"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    return p, path


def stop(p, q=None):
    try:
        if q:
            q.cmd("quit")
            q.close()
        p.wait(timeout=20)
    except Exception:
        p.kill()
        p.wait()
    return p.communicate()


QEMU_BASE = ["-M", "s390-ccw-virtio", "-nodefaults", "-display", "none", "-S"]


# ---- lifecycle ----

def test_lifecycle(tmp):
    def query_name(exe, extra, want):
        p, path = start(exe, extra + (QEMU_BASE if exe == QEMU else
                                      ["-kernel", "native:idle"]), tmp)
        q = QMP(path)
        r = q.cmd("query-name")
        h = q.cmd("human-monitor-command", {"command-line": "info name"})
        stop(p, q)
        if r != {"return": want}:
            return f"{os.path.basename(exe)}: query-name answered {r}, expected {want}"
        hmp = want["name"] + "\r\n" if want else ""
        if h != {"return": hmp}:
            return f"{os.path.basename(exe)}: info name answered {h}, expected {hmp!r}"
        return None

    for exe, tag in ((VM, "vccw"), (QEMU, "qemu")):
        if exe is None:
            skip(f"{tag}_query_name", "qemu-system-s390x is not installed")
            continue
        check(f"{tag}_query_name_with_name",
              lambda exe=exe: query_name(exe, ["-name", "guest1"], {"name": "guest1"}))
        check(f"{tag}_query_name_guest_key",
              lambda exe=exe: query_name(exe, ["-name", "guest=g2,process=vccwproc"],
                                         {"name": "g2"}))
        check(f"{tag}_query_name_without_name", lambda exe=exe: query_name(exe, [], {}))

    def process_title(exe):
        p, path = start(exe, ["-name", "g,process=lifetitle,debug-threads=on"] +
                        (QEMU_BASE if exe == QEMU else ["-kernel", "native:idle"]), tmp)
        q = QMP(path)
        comm = open(f"/proc/{p.pid}/comm").read().strip()
        threads = [open(f"/proc/{p.pid}/task/{t}/comm").read().strip()
                   for t in os.listdir(f"/proc/{p.pid}/task")]
        stop(p, q)
        if comm != "lifetitle":
            return f"process title '{comm}', expected 'lifetitle'"
        if not any(re.match(r"CPU 0/", t) for t in threads):
            return f"no vCPU thread named 'CPU 0/...' among {threads}"
        return None

    check("vccw_name_process_and_debug_threads", lambda: process_title(VM))
    if QEMU:
        check("qemu_name_process_and_debug_threads", lambda: process_title(QEMU))

    def name_bad():
        r = run(["-name", "x,bar=1", "-kernel", "native:true"])
        if r.returncode != 2 or "-name: unknown property 'bar'" not in r.stderr:
            return f"exit {r.returncode}, stderr {r.stderr!r}"
        if QEMU:
            qr = qemu(["-name", "x,bar=1", "-M", "none"])
            if qr.returncode == 0 or "'bar'" not in qr.stderr:
                return f"QEMU accepted it? {qr.returncode} {qr.stderr!r}"
        return None
    check("name_unknown_property_refused", name_bad)

    def pidfile_plain():
        pf = os.path.join(tmp, "plain.pid")
        # A stale file (no process holds its lock) is taken over, as QEMU does.
        with open(pf, "w") as f:
            f.write("999999999 stale and long\n")
        p, path = start(VM, ["-pidfile", pf, "-kernel", "native:idle"], tmp)
        q = QMP(path)
        pid = int(open(pf).read())
        # A second vccw-vm with the same file is refused, and leaves the file alone.
        r = run(["-pidfile", pf, "-kernel", "native:true"])
        content = open(pf).read()
        stop(p, q)
        if pid != p.pid:
            return f"pid file says {pid}, the process is {p.pid}"
        if r.returncode != 2 or "-pidfile: cannot lock PID file" not in r.stderr:
            return f"second vccw-vm: exit {r.returncode}, {r.stderr!r}"
        if content != f"{p.pid}\n":
            return f"the second vccw-vm changed the pid file to {content!r}"
        if p.returncode != 0:
            return f"exit {p.returncode}"
        if os.path.exists(pf):
            return "the pid file is still there after exit"
        return None
    check("pidfile_locked_and_removed", pidfile_plain)

    def pidfile_bad_dir():
        r = run(["-pidfile", os.path.join(tmp, "nodir", "x.pid"), "-kernel", "native:true"])
        if r.returncode != 2 or "cannot create PID file" not in r.stderr:
            return f"exit {r.returncode}, {r.stderr!r}"
        return None
    check("pidfile_in_missing_directory_refused", pidfile_bad_dir)

    def daemonize():
        pf = os.path.join(tmp, "daemon.pid")
        sock = os.path.join(tmp, "daemon.sock")
        # communicate() returns only once every holder of the pipes closed them: the
        # daemon must not keep the caller's stdout and stderr.
        r = subprocess.run([VM, "-daemonize", "-pidfile", pf, "-name", "daemon",
                            "-qmp", f"unix:{sock},server=on,wait=off",
                            "-kernel", "native:idle"],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            return f"exit {r.returncode}, {r.stderr!r}"
        if r.stdout or r.stderr:
            return f"the parent printed {r.stdout!r} {r.stderr!r}"
        # The machine is up when the command returns: the pid file and the monitor exist.
        pid = int(open(pf).read())
        if not os.path.exists(sock):
            return "the QMP socket was not there when the command returned"
        cmdline = open(f"/proc/{pid}/cmdline").read()
        if "-daemonize" not in cmdline:
            return f"pid {pid} is not the daemon: {cmdline!r}"
        if os.getsid(pid) == os.getsid(0):
            return "the daemon stayed in the caller's session"
        if os.readlink(f"/proc/{pid}/cwd") != "/":
            return "the daemon did not change to /"
        q = QMP(sock)
        name = q.cmd("query-name")
        st = q.cmd("query-status")
        q.cmd("quit")
        q.close()
        deadline = time.monotonic() + 20
        while (os.path.exists(pf) or os.path.exists(f"/proc/{pid}")) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        if name != {"return": {"name": "daemon"}}:
            return f"query-name: {name}"
        if st.get("return", {}).get("status") != "running":
            return f"query-status: {st}"
        if os.path.exists(pf):
            return "the pid file is still there after quit"
        if os.path.exists(f"/proc/{pid}"):
            return "the daemon did not end on quit"
        return None
    check("daemonize_returns_when_up_and_pidfile", daemonize)

    def daemonize_error():
        # The missing image is found after the fork (backends open in the daemon): its
        # message still reaches the caller's stderr and the command fails.
        r = run(["-daemonize", "-drive", f"file={tmp}/missing.img,format=raw,if=none,id=d0",
                 "-device", "virtio-blk-ccw,drive=d0", "-kernel", "native:idle"])
        if r.returncode == 0 or "missing.img" not in r.stderr:
            return f"exit {r.returncode}, stderr {r.stderr!r}"
        return None
    check("daemonize_error_after_fork_reaches_terminal", daemonize_error)

    # QEMU refuses a console on the terminal the daemon leaves; so do we, in its words.
    for args, msg in ((["-nographic"], "-nographic cannot be used with -daemonize"),
                      (["-chardev", "stdio,id=c0"],
                       "-chardev stdio,id=c0: cannot use stdio with -daemonize")):
        def daemon_console(args=args, msg=msg):
            r = run(["-daemonize"] + args + ["-kernel", "native:idle"])
            if r.returncode != 2 or msg not in r.stderr:
                return f"exit {r.returncode}, {r.stderr!r}"
            if QEMU:
                qr = qemu(["-M", "none", "-display", "none", "-daemonize"] + args)
                if qr.returncode == 0 or msg not in qr.stderr:
                    return f"QEMU: exit {qr.returncode}, {qr.stderr!r}"
            return None
        check(f"daemonize_refuses_{args[0].strip('-')}_as_qemu", daemon_console)

    def idle_message():
        p = subprocess.Popen([VM, "-nodefaults"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        alive = p.poll() is None
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
        if not alive:
            return f"exited at once ({p.returncode}): {err!r}"
        if "no guest to run" not in err or "waiting for" not in err:
            return f"stderr {err!r} does not say what it waits for"
        if p.returncode != 0:
            return f"exit {p.returncode} after SIGTERM"
        return None
    check("no_kernel_says_what_it_waits_for", idle_message)


# ---- discoverability ----

def test_discoverability(tmp):
    def version():
        for opt in ("-version", "--version"):
            r = run([opt])
            lines = r.stdout.splitlines()
            if r.returncode != 0 or len(lines) != 2:
                return f"{opt}: exit {r.returncode}, {r.stdout!r}"
            if not re.fullmatch(r"vccw-vm version \d+\.\d+\.\d+ \(libvccw \d+\.\d+\.\d+\)",
                                lines[0]):
                return f"{opt}: first line {lines[0]!r}"
            if not lines[1].startswith("Copyright (c) "):
                return f"{opt}: second line {lines[1]!r}"
        if QEMU:
            q = qemu(["-version"]).stdout.splitlines()
            if len(q) != 2 or not re.match(r"QEMU emulator version \d+\.\d+", q[0]) or \
                    not q[1].startswith("Copyright (c) "):
                return f"QEMU's wording changed: {q}"
        return None
    check("version_in_qemu_wording", version)

    def help_groups():
        r = run(["-h"])
        r2 = run(["--help"])
        if r.returncode != 0 or r.stdout != r2.stdout:
            return "-h and --help differ or fail"
        ours = [line[:-1] for line in r.stdout.splitlines()
                if line.endswith(":") and not line.startswith((" ", "-"))]
        if len(ours) < 5:
            return f"groups {ours}"
        if QEMU:
            theirs = qemu(["-h"]).stdout
            missing = [g for g in ours if f"\n{g}:\n" not in theirs]
            if missing:
                return f"groups QEMU does not have: {missing}"
        for opt in ("-name", "-daemonize", "-pidfile", "-no-reboot", "-d", "-D", "-trace",
                    "-cpu", "-accel", "-vga"):
            if not re.search(rf"^{re.escape(opt)}( |$)", r.stdout, re.M):
                return f"{opt} is not listed"
        return None
    check("help_by_qemu_groups", help_groups)

    def device_help():
        r = run(["-device", "help"])
        if r.returncode != 0:
            return f"exit {r.returncode}"
        cat, ours = None, {}
        for line in r.stdout.splitlines():
            if line.endswith(":"):
                cat = line
            m = re.match(r'name "([^"]+)", bus ([^,]+)(?:, alias "([^"]+)")?', line)
            if m:
                ours[m.group(1)] = (cat, m.group(2), m.group(3))
        for t in ("virtio-blk-ccw", "virtio-net-ccw", "virtio-rng-ccw", "virtio-serial-ccw",
                  "virtio-balloon-ccw", "virtconsole", "virtserialport"):
            if t not in ours:
                return f"{t} is not listed: {r.stdout!r}"
        if not QEMU:
            return None
        cat, theirs = None, {}
        for line in qemu(["-device", "help"]).stdout.splitlines():
            if line.endswith(":"):
                cat = line
            m = re.match(r'name "([^"]+)", bus ([^,]+)(?:, alias "([^"]+)")?', line)
            if m:
                theirs[m.group(1)] = (cat, m.group(2), m.group(3))
        for t, v in ours.items():
            if t in theirs and theirs[t] != v:
                return f"{t}: ours {v}, QEMU's {theirs[t]}"
        return None
    check("device_help_categories_and_aliases_as_qemu", device_help)

    def prop_lines(text):
        props = {}
        for line in text.splitlines()[1:]:
            m = re.match(r"  ([\w.-]+)=<([\w<>-]+)>(?: +- (.*))?$", line)
            if not m:
                raise ValueError(f"line {line!r} is not in QEMU's format")
            d = re.search(r"\(default: ([^)]*)\)$", m.group(3) or "")
            props[m.group(1)] = (m.group(2), d.group(1) if d else None)
        return props

    def device_type_help():
        for t in ("virtio-rng-ccw", "virtio-blk-ccw", "virtio-net-ccw"):
            r = run(["-device", f"{t},help"])
            if r.returncode != 0 or r.stdout.splitlines()[0] != f"{t} options:":
                return f"{t}: exit {r.returncode}, {r.stdout[:80]!r}"
            ours = prop_lines(r.stdout)
            if "devno" not in ours or "max_revision" not in ours:
                return f"{t}: transport properties missing: {sorted(ours)}"
            if not QEMU:
                continue
            theirs = prop_lines(qemu(["-device", f"{t},help"]).stdout)
            # The transport's properties: the same type and default as QEMU's.
            for p in ("devno", "packed", "ioeventfd", "max_revision"):
                if p in theirs and ours[p] != theirs[p]:
                    return f"{t}.{p}: ours {ours[p]}, QEMU's {theirs[p]}"
        # The alias and driver= forms too.
        a = run(["-device", "virtio-rng,help"])
        b = run(["-device", "driver=virtio-rng-ccw,help"])
        if a.stdout.splitlines()[0] != "virtio-rng-ccw options:" or b.stdout != a.stdout:
            return f"alias form: {a.stdout[:60]!r} / {b.stdout[:60]!r}"
        return None
    check("device_type_help_in_qemu_format", device_type_help)

    def device_help_unknown():
        r = run(["-device", "virtio-foo-ccw,help"])
        if r.returncode != 2 or "unknown device type 'virtio-foo-ccw'" not in r.stderr:
            return f"exit {r.returncode}, {r.stderr!r}"
        return None
    check("device_type_help_unknown_type", device_help_unknown)

    def aliases_work():
        base = run(["-device", "virtio-rng-ccw", "-device", "virtio-balloon-ccw",
                    "-device", "virtio-serial-ccw", "-kernel", "native:lscss"])
        alias = run(["-device", "virtio-rng", "-device", "virtio-balloon",
                     "-device", "virtio-serial", "-kernel", "native:lscss"])
        if base.returncode != 0 or alias.stdout != base.stdout:
            return f"lscss differs: {base.stdout!r} / {alias.stdout!r} {alias.stderr!r}"
        return None
    check("device_aliases_are_the_ccw_types", aliases_work)

    def machine_cpu_help():
        m = run(["-machine", "help"])
        if m.returncode != 0 or not re.search(r"^s390-ccw-virtio +\S", m.stdout, re.M):
            return f"-machine help: {m.returncode} {m.stdout!r}"
        if not m.stdout.startswith("Supported machines are:"):
            return "-machine help: not QEMU's heading"
        c = run(["-cpu", "help"])
        if c.returncode != 0 or not re.search(r"^s390 qemu ", c.stdout, re.M):
            return f"-cpu help: {c.returncode} {c.stdout!r}"
        if QEMU and not re.search(r"^s390 qemu ", qemu(["-cpu", "help"]).stdout, re.M):
            return "QEMU's -cpu help has no 's390 qemu' line"
        return None
    check("machine_and_cpu_help", machine_cpu_help)

    # Accepted without effect (decided; README and man page say so): the program runs.
    for args in (["-nographic"], ["-nodefaults"], ["-display", "none"], ["-vga", "none"],
                 ["-accel", "tcg"], ["-cpu", "qemu"], ["-cpu", "max"], ["-M", "s390-ccw-virtio"],
                 ["-name", "x", "-no-reboot"], ["-no-user-config"]):
        def accepted(args=args):
            r = run(args + ["-kernel", "native:hello"])
            if r.returncode != 0 or "hello" not in r.stdout:
                return f"exit {r.returncode}, {r.stderr!r}"
            return None
        check("accepted_" + "_".join(a.strip("-") for a in args).replace(",", "_"), accepted)

    # Refused with a reason.
    for args, msg in ((["-enable-kvm"], "-enable-kvm: not supported"),
                      (["-accel", "kvm"], "-accel: 'kvm' is not supported"),
                      (["-cpu", "host"], "-cpu: 'host' needs KVM"),
                      (["-cpu", "z13"], "-cpu: CPU model 'z13' is not supported"),
                      (["-vga", "std"], "-vga: 'std' is not supported"),
                      (["-display", "gtk"], "-display: 'gtk' is not supported"),
                      (["-d", "in_asm"], "-d: log item 'in_asm' is not supported"),
                      (["-d", "nosuch"], "-d: unknown log item 'nosuch'"),
                      (["-D", f"{tmp}/nodir/log"], "-D: cannot open log file")):
        def refused(args=args, msg=msg):
            r = run(args + ["-kernel", "native:hello"])
            if r.returncode != 2 or msg not in r.stderr or r.stdout:
                return f"exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}"
            return None
        name = "_".join(a.strip("-") for a in args[:2]) if args[0] != "-D" else "D_bad_dir"
        check("refused_" + name, refused)

    # QEMU's options we do not have: refused by name (each one QEMU itself knows).
    qemu_help = qemu(["-h"]).stdout if QEMU else ""
    for opt, arg in (("-vnc", ":0"), ("-usb", None), ("-sandbox", "on"), ("-numa", "node"),
                     ("-gdb", "tcp::1234"), ("-rtc", "base=utc"),
                     ("-incoming", "defer"), ("-spice", "port=5900"), ("-uuid", "0"),
                     ("-k", "de"), ("-loadvm", "x"), ("-s", None), ("-singlestep", None)):
        def by_name(opt=opt, arg=arg):
            if qemu_help and not re.search(rf"^{re.escape(opt)}[ \[]|^{re.escape(opt)}$",
                                           qemu_help, re.M):
                return f"QEMU does not have {opt} either"
            r = run([opt] + ([arg] if arg else []) + ["-kernel", "native:hello"])
            want = f"vccw-vm: {opt}: option not supported"
            if r.returncode != 2 or not r.stderr.startswith(want) or r.stdout:
                return f"exit {r.returncode}, {r.stderr!r}"
            return None
        check(f"qemu_option_refused_by_name_{opt.strip('-')}", by_name)

    # -msg as QEMU: the ISO 8601 UTC time with microseconds and/or the guest name before
    # every error message; each -msg sets both settings; QEMU's words for bad values.
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z "
    for args, pattern in (
            (["-msg", "timestamp=on"], rf"^{stamp}X: "),
            (["-msg", "timestamp=off"], r"^X: "),
            (["-name", "guest=gg", "-msg", "timestamp=on,guest-name=on"],
             rf"^{stamp}gg X: "),
            (["-name", "gg", "-msg", "guest-name=on"], r"^gg X: "),
            (["-msg", "guest-name=on"], r"^X: "),
            (["-msg", "timestamp=on", "-msg", "guest-name=off"], r"^X: "),
            (["-msg", "timestamp=on,timestamp=off"], r"^X: "),
            (["-msg", "timestamp"], r"^X: -msg timestamp: warning: short-form boolean "
             r"option 'timestamp' deprecated\nPlease use timestamp=on instead\n"
             rf"{stamp}X: "),
            (["-msg", "timestamp=maybe"],
             r"^X: -msg timestamp=maybe: Parameter 'timestamp' expects 'on' or 'off'\n"),
            (["-msg", "foo=on"], r"^X: -msg foo=on: Invalid parameter 'foo'\n")):
        def msg(args=args, pattern=pattern):
            # An error after -msg: an unknown machine type, on both.
            tail = [] if "=maybe" in args[-1] or "foo=" in args[-1] else ["-machine", "nosuch"]
            r = run(args + tail + ["-kernel", "native:true"])
            want = re.compile(pattern.replace("X", "vccw-vm"))
            if r.returncode == 0 or not want.search(r.stderr):
                return f"vccw-vm: exit {r.returncode}, {r.stderr!r}"
            if QEMU:
                q = qemu(args + tail)
                if q.returncode == 0 or not re.compile(
                        pattern.replace("X", "qemu-system-s390x")).search(q.stderr):
                    return f"qemu: exit {q.returncode}, {q.stderr!r}"
            return None
        check("msg_" + "_".join(a.strip("-") for a in args).replace(",", "_")
              .replace("=", "_"), msg)

    def msg_stamp_is_now():
        r = run(["-msg", "timestamp=on", "-machine", "nosuch"])
        m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", r.stderr)
        if not m:
            return f"{r.stderr!r}"
        t = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) - time.timezone
        return None if abs(t - time.time()) < 60 else f"{m.group(1)} is not now (UTC)"
    check("msg_timestamp_is_utc_now", msg_stamp_is_now)

    def every_qemu_option_known():
        if not QEMU:
            return None
        opts = set()
        for m in re.finditer(r"^(-[\w/-]+)", qemu(["-h"]).stdout, re.M):
            opts.update("-" + o.lstrip("-") for o in m.group(1).split("/"))
        unknown = []
        for opt in sorted(opts):
            r = run([opt, "x", "-kernel", "native:true"])
            if "unknown option" in r.stderr:
                unknown.append(opt)
        if len(opts) < 80:
            return f"only {len(opts)} options found in QEMU's -h"
        return f"unknown to vccw-vm: {unknown}" if unknown else None
    check("every_qemu_option_is_honoured_or_refused_by_name", every_qemu_option_known)

    def unknown_still_unknown():
        r = run(["-frobnicate"])
        if r.returncode != 2 or "-frobnicate: unknown option" not in r.stderr:
            return f"exit {r.returncode}, {r.stderr!r}"
        return None
    check("not_a_qemu_option_is_unknown", unknown_still_unknown)


# ---- observability ----

SUPPRESSED = re.compile(r"^vccw-vm: guest_errors: (\d+) messages suppressed")


def guest_error_lines(text):
    printed = [l for l in text.splitlines() if l.startswith("guest_")]
    suppressed = [int(m.group(1)) for m in map(SUPPRESSED.match, text.splitlines()) if m]
    return printed, suppressed


def test_observability(tmp):
    def hostile(to_file):
        log = os.path.join(tmp, "guest.log")
        args = ["-d", "guest_errors", "-kernel", "native:guest-errors"]
        if to_file:
            args += ["-D", log]
        t0 = time.monotonic()
        r = run(args, timeout=120)
        elapsed = time.monotonic() - t0
        text = open(log).read() if to_file else r.stderr
        printed, suppressed = guest_error_lines(text)
        if r.returncode != 0 or "500 SSCH and 500 DIAGNOSE 0x500 program checks" not in r.stdout:
            return f"the guest: exit {r.returncode}, {r.stdout!r}"
        if to_file and guest_error_lines(r.stderr) != ([], []):
            return "with -D, guest errors still reached stderr"
        # Every error is accounted for: printed, or counted as suppressed.
        if len(printed) + sum(suppressed) != GUEST_ERRORS:
            return (f"{len(printed)} printed + {sum(suppressed)} suppressed != "
                    f"{GUEST_ERRORS}")
        # The bucket: a burst, then RATE a second over the run (rounded up).
        bound = BURST + RATE * math.ceil(elapsed + 1)
        if len(printed) > bound:
            return f"{len(printed)} lines in {elapsed:.1f} s, above the bound {bound}"
        if not suppressed:
            return "no suppression line"
        kinds = {l.split()[0] for l in printed}
        if not kinds <= {"guest_css_pgm", "guest_diag500"} or "guest_css_pgm" not in kinds:
            return f"unexpected lines: {kinds}"
        if not any("pic=0x0006" in l for l in printed):
            return "the program-interruption code is not in the lines"
        return None
    check("guest_errors_rate_limited_stderr", lambda: hostile(False))
    check("guest_errors_rate_limited_D_file", lambda: hostile(True))

    def off_by_default():
        r = run(["-kernel", "native:guest-errors"], timeout=120)
        if r.returncode != 0 or guest_error_lines(r.stderr) != ([], []) or r.stderr:
            return f"exit {r.returncode}, stderr {r.stderr[:200]!r}"
        return None
    check("guest_errors_off_by_default", off_by_default)

    def d_help():
        r = run(["-d", "help"])
        if r.returncode != 0 or not r.stdout.startswith("Log items (comma separated):") or \
                "guest_errors" not in r.stdout:
            return f"exit {r.returncode}, {r.stdout!r}"
        return None
    check("d_help_lists_items", d_help)

    def d_trace():
        r = run(["-d", "trace:css_stsch", "-kernel", "native:lscss"])
        if r.returncode != 0 or not re.search(r"^\d+@\d+\.\d{6}:css_stsch ", r.stderr, re.M):
            return f"exit {r.returncode}, {r.stderr[:200]!r}"
        return None
    check("d_trace_pattern", d_trace)

    def trace_events_and_file():
        ev = os.path.join(tmp, "events")
        out = os.path.join(tmp, "trace.out")
        with open(ev, "w") as f:
            f.write("# QEMU's events file: one pattern a line\n\ncss_stsch\ncss_msch\n"
                    "-css_msch\n")
        r = run(["-trace", f"events={ev},file={out}", "-kernel", "native:lscss"])
        text = open(out).read() if os.path.exists(out) else ""
        if r.returncode != 0 or "css_stsch" in r.stderr:
            return f"exit {r.returncode}, stderr {r.stderr[:200]!r}"
        if not re.search(r"^\d+@\d+\.\d{6}:css_stsch ", text, re.M):
            return f"no css_stsch in the trace file: {text[:200]!r}"
        if "css_msch" in text:
            return "the '-css_msch' line did not disable css_msch"
        return None
    check("trace_events_file_and_file", trace_events_and_file)

    def trace_events_bad():
        ev = os.path.join(tmp, "bad-events")
        with open(ev, "w") as f:
            f.write("css_stsch\nnosuch_event\n")
        r = run(["-trace", f"events={ev}", "-kernel", "native:hello"])
        if r.returncode != 2 or f"events={ev}:2: 'nosuch_event' matches no trace event" \
                not in r.stderr:
            return f"exit {r.returncode}, {r.stderr!r}"
        r = run(["-trace", f"events={tmp}/none", "-kernel", "native:hello"])
        if r.returncode != 2 or "No such file" not in r.stderr:
            return f"missing file: exit {r.returncode}, {r.stderr!r}"
        return None
    check("trace_events_file_errors", trace_events_bad)


# ---- the man page ----

def test_manpage():
    if not os.path.exists(MANPAGE):
        report("manpage_present", False, f"{MANPAGE} missing")
        return
    groff, man = shutil.which("groff"), shutil.which("man")
    if not groff or not man:
        skip("manpage_lint", "groff or man is not installed (Debian groff-base, man-db)")
        return

    def lint():
        r = subprocess.run([groff, "-ww", "-man", "-Tutf8", "-z", MANPAGE],
                           capture_output=True, text=True)
        if r.returncode != 0 or r.stderr:
            return f"groff: {r.stderr!r}"
        r = subprocess.run([man, "--warnings", "-l", MANPAGE], capture_output=True,
                           text=True, env=dict(os.environ, MANPAGER="cat", PAGER="cat"))
        if r.returncode != 0 or r.stderr:
            return f"man: {r.stderr!r}"
        return None
    check("manpage_renders_without_warnings", lint)

    def every_option():
        text = subprocess.run([man, "-l", MANPAGE], capture_output=True, text=True,
                              env=dict(os.environ, MANPAGER="cat", PAGER="cat",
                                       MANWIDTH="200")).stdout
        text = re.sub(r".\x08", "", text)
        opts = re.findall(r"^(-[\w-]+)", run(["--help"]).stdout, re.M)
        missing = [o for o in opts if not re.search(rf"(^|[\s,(]){re.escape(o)}\b", text, re.M)]
        if missing:
            return f"options missing from the man page: {missing}"
        return None
    check("manpage_names_every_option", every_option)


def main():
    if not os.access(VM, os.X_OK):
        report("setup", False, f"{VM} is not an executable")
    else:
        tmp = tempfile.mkdtemp(prefix="vccw-life-test.")
        try:
            test_lifecycle(tmp)
            test_discoverability(tmp)
            test_observability(tmp)
            test_manpage()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
