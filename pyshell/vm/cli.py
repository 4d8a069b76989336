"""`vm`: QEMU virtual machines from the shell. main(argv) is the builtin's entry point.

Each subcommand is one small function below, reading and writing the state (state.py) and
talking to QEMU through its command line (qemu.py), QMP (qmp.py), the console socket
(console.py) or the tiny guest's agent (agent.py). Every error is one line, `pysh: vm: …`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from dataclasses import replace

from pyshell.errors import VmError
from pyshell.statedir import locked
from pyshell.vm import agent, console, disks, qemu, state, watcher
from pyshell.vm.qmp import QmpClient
from pyshell.vm.spec import (ACCELS, DISK_FORMATS, DISPLAYS, NICS, VmSpec, parse_forward, parse_memory,
                             parse_size, validate)
from pyshell.vm.state import VmRecord

BOOT_TIMEOUT = 120.0     # seconds for the tiny guest to answer (TCG on 2 busy cores is slow)
STOP_TIMEOUT = 30.0      # seconds a guest gets to power off after the ACPI button

EPILOG = """\
examples:
  vm run demo --tiny -d --smp 1 --maxcpus 4 --balloon --fwd 8080:80
  vm exec demo -- uname -a            vm cpu demo add          vm balloon demo 256
  vm console demo                     vm monitor demo info cpus
  vm stop demo && vm rm demo

state: a guest that powers off ends its QEMU, and `vm ls` shows it stopped; a small watcher
process per guest records QEMU's events (resets, shutdowns, pauses, panics) in events.json,
shown by `vm inspect` ("resets": N). start -d waits (--wait-ready S, default 120) until QEMU
answers on QMP with the guest running (a --tiny guest: until its agent answers), else it ends
QEMU with an error; a failed `vm run` keeps the machine stopped, for `vm logs NAME`.

a real Debian guest, made offline from the machine's apt sources (the base once, cached):
  vm bootstrap debian mydebian.qcow2      (root and chps, password toto: a lab machine)
  vm run mydebian --disk mydebian.qcow2 --smp 2 -m 2048 --fwd 10022:22 -d
  ssh -p 10022 root@127.0.0.1

or the installer (the ISO is downloaded from cdimage.debian.org, and the installer itself
fetches packages from the Internet: not possible offline):
  vm disk create debian.qcow2 5G
  vm run deb -d --disk debian.qcow2 --cdrom debian-12.8.0-amd64-netinst.iso --vnc 1
      the installer draws on the screen: watch it with a VNC viewer on 127.0.0.1:5901
      (or --display gtk for a window, on a desktop with Debian's qemu-system-gui)
      (or, at the boot menu, Tab and add console=ttyS0 to install on `vm console deb`);
      then `ssh -p 10022 root@127.0.0.1` (add --fwd 10022:22) once it runs sshd
  vm disk create mine.qcow2 --backing debian-12-genericcloud-amd64.qcow2
  vm run cloud --disk mine.qcow2 --fwd 10022:22
      Debian's cloud images print on the serial console; they need a cloud-init seed
      (a NoCloud ISO, --cdrom seed.iso) for a password or an ssh key; with
      qemu-guest-agent installed in the guest, `vm exec cloud -- CMD` works too
"""


class _Exit(Exception):
    """argparse wants to exit (after --help): carry the status back to main()."""

    def __init__(self, status: int):
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise VmError(f"{message} (see vm --help)", status=2)

    def exit(self, status=0, message=None):
        if message:
            _write(2, message)
        raise _Exit(status)


def main(argv: list[str]) -> int:
    """Run `vm ARGV…`; return the exit status. Never raises."""
    try:
        return _dispatch(list(argv))
    except VmError as error:
        _write(2, f"pysh: vm: {error}\n")
        return error.status
    except _Exit as done:
        return done.status
    except KeyboardInterrupt:
        _write(2, "\n")
        return 130
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _write(2, f"pysh: vm: {where}{error.strerror or error}\n")
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "exec":
        return cmd_exec(argv[1:])
    if argv[:1] == ["help"]:  # `vm help` as `contain help` and Docker's CLIs allow
        argv = ["--help", *argv[1:]]
    args = _build_parser().parse_args(argv)
    if not getattr(args, "handler", None):
        raise VmError("a subcommand is needed (see vm --help)", status=2)
    return args.handler(args)


# ---- guests ---------------------------------------------------------------------------------

def cmd_create(args) -> int:
    record = create_vm(_spec_from_args(args), args.disk_size)
    _write(1, f"{record.name}\n")
    return 0


def create_vm(spec: VmSpec, disk_size: str | None = None) -> VmRecord:
    if disk_size and spec.disk:
        raise VmError("give --disk FILE or --disk-size SIZE, not both")
    spec = validate(spec)
    if state.exists(spec.name):
        raise VmError(f"a vm named {spec.name} already exists")
    paths = state.paths_of(spec.name)
    paths.check_socket_lengths()
    paths.directory.mkdir(parents=True, exist_ok=True)
    try:
        if disk_size:
            disks.create(str(paths.disk), disk_size)
            spec = replace(spec, disk=str(paths.disk))
        record = VmRecord(spec=spec)
        state.save(record)
    except BaseException:
        state.remove(spec.name)   # no half-made machine left behind
        raise
    return record


def cmd_start(args) -> int:
    return start_vm(args.name, attach=not args.detach, wait=not args.no_wait,
                    timeout=args.timeout)


def cmd_run(args) -> int:
    record = create_vm(_spec_from_args(args), args.disk_size)
    try:
        return start_vm(record.name, attach=not args.detach, wait=not args.no_wait,
                        timeout=args.timeout)
    except VmError as error:
        # A guest that booted, even badly, keeps its machine (stopped) and its console.log:
        # `vm logs NAME` is how to learn why. One QEMU refused outright leaves nothing.
        if state.paths_of(record.name).console_log.exists():
            raise VmError(f"{error}; {record.name} is kept, stopped (vm rm {record.name} "
                          "deletes it)", status=error.status) from None
        state.remove(record.name)
        raise
    except BaseException:
        if not state.load(record.name).pid:
            state.remove(record.name)
        raise


def start_vm(name: str, attach: bool, wait: bool = True, timeout: float = BOOT_TIMEOUT) -> int:
    record = state.load(name)
    spec, paths = record.spec, state.paths_of(name)
    qemu.qemu_binary()
    accel, notice = qemu.choose_accel(spec.accel)
    if notice:
        _write(2, f"pysh: vm: {notice}\n")
    boot_files = _tiny_boot_files() if spec.tiny else {}
    with locked(paths.lock):   # two `vm start NAME` at once: one wins, the other is told
        record = state.load(name)
        if record.pid:
            raise VmError(f"{name} is already running (pid {record.pid})")
        qemu.check_ports_free(spec)
        state.clean_runtime_files(paths)
        paths.event_log.unlink(missing_ok=True)   # the history of the last run
        argv = qemu.build_argv(spec, paths, accel, paused=attach, **boot_files)
        pid = qemu.launch(argv, paths)
        record = replace(record, pid=pid, argv=tuple(argv), accel=accel, started_at=time.time())
        state.save(record)
    try:
        watcher.spawn(paths)
        began = time.monotonic()
        if attach:
            # QEMU waits (-S) until the console is connected: no boot message is lost.
            sock = console.connect(paths.console)
            with QmpClient(paths.qmp, timeout=timeout) as qmp:
                qmp.execute("cont")
            _wait_running(name, pid, timeout)
        elif wait:
            _wait_running(name, pid, timeout)
            if spec.tiny:
                left = max(timeout - (time.monotonic() - began), 0.1)
                try:
                    agent.wait_ready(paths.agent, left, lambda: state.qemu_is_alive(pid, paths))
                except VmError as error:
                    why = (f"the guest was not ready after {timeout:g} s"
                           if state.qemu_is_alive(pid, paths) else str(error))
                    raise VmError(f"{name}: {why} (vm logs {name} shows its console)") from None
                _write(1, f"{name} ready in {time.monotonic() - began:.1f} s\n")
    except BaseException:
        _end_qemu(record, grace=0)   # a boot that failed leaves nothing running
        raise
    if attach:
        outcome = console.attach(sock, paths.qmp, name)
        _write(2, f"[{outcome}]\n")
    return 0


def _wait_running(name: str, pid: int, timeout: float) -> None:
    """Wait until QEMU answers on QMP and says "running", at most TIMEOUT seconds: the
    readiness check every guest gets (a --tiny guest's agent is waited for after it)."""
    paths = state.paths_of(name)
    deadline = time.monotonic() + timeout
    status = "no answer on QMP"
    while True:
        if not state.qemu_is_alive(pid, paths):
            raise VmError(f"{name}: qemu exited while booting (vm logs {name} shows its console)")
        try:
            with QmpClient(paths.qmp, timeout=max(deadline - time.monotonic(), 0.1)) as qmp:
                status = qmp.execute("query-status")["status"]
        except VmError:
            pass
        if status == "running":
            return
        if status in ("guest-panicked", "internal-error", "shutdown"):
            raise VmError(f"{name}: the guest is {status} (vm logs {name} shows its console)")
        if time.monotonic() >= deadline:
            raise VmError(f"{name}: not running after {timeout:g} s ({status}); "
                          f"vm logs {name} shows its console")
        time.sleep(0.1)


def _tiny_boot_files() -> dict:
    from pyshell.vm.tinyguest import build_tiny_guest, cache_root, recipe_hash

    if not (cache_root() / recipe_hash() / "manifest.json").exists():
        _write(2, "pysh: vm: building the tiny guest once (apt-get download of the kernel "
                  "and busybox-static)...\n")
    guest = build_tiny_guest(progress=lambda step: _write(2, f"pysh: vm: tiny guest: {step}\n"))
    return {"kernel": str(guest.kernel), "initrd": str(guest.initrd), "append": guest.append}


def cmd_stop(args) -> int:
    record = _running(args.name)
    how = _end_qemu(record, grace=args.timeout)
    _write(1, f"{args.name} stopped ({how})\n")
    return 0


def cmd_kill(args) -> int:
    record = _running(args.name)
    how = _end_qemu(record, grace=0)
    _write(1, f"{args.name} killed ({how})\n")
    return 0


def _end_qemu(record: VmRecord, grace: float) -> str:
    """Stop QEMU, politely first when GRACE > 0: the ACPI power button (the guest shuts
    down), then QMP quit (QEMU exits at once), then SIGKILL. Return what worked."""
    paths = state.paths_of(record.name)
    pid = record.pid
    how = None
    try:
        with QmpClient(paths.qmp, timeout=5) as qmp:
            if grace > 0:
                qmp.execute("system_powerdown")
                if qemu.wait_exit(pid, grace):
                    how = "ACPI power button"
            if how is None:
                qmp.execute_until_closed("quit")
                if qemu.wait_exit(pid, 10):
                    how = "QMP quit" if grace <= 0 else f"QMP quit after {grace:g} s"
    except VmError:
        pass   # no QMP (QEMU stuck or half started): fall through to SIGKILL
    if how is None and state.qemu_is_alive(pid, paths):
        qemu.kill(pid)
        how = "SIGKILL"
    state.reconcile(record)
    return how or "it had exited"


def cmd_rm(args) -> int:
    for name in args.names:
        record = state.load(name)
        if record.pid:
            if not args.force:
                raise VmError(f"{name} is running: stop it first, or use vm rm -f")
            _end_qemu(record, grace=0)
        state.remove(name)
    return 0


def cmd_ls(args) -> int:
    rows = [("NAME", "STATE", "PID", "CPUS", "MEMORY", "FORWARDS")]
    for name in state.names():
        record = state.load(name)
        live = _live_info(record)
        spec = record.spec
        cpus = live.get("cpus", spec.smp)
        cpus_text = f"{cpus}/{spec.maxcpus}" if spec.maxcpus else str(cpus)
        memory = live.get("balloon_mib", spec.memory_mib)
        rows.append((name, live.get("status", "stopped"), str(record.pid or "-"), cpus_text,
                     f"{memory}M", ",".join(str(f) for f in spec.forwards) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    _write(1, "\n".join(lines) + "\n")
    return 0


def _live_info(record: VmRecord) -> dict:
    """What QEMU says about a running machine (empty when stopped or unreachable)."""
    if not record.pid:
        return {}
    info = {"status": "running"}
    try:
        with QmpClient(state.paths_of(record.name).qmp, timeout=5) as qmp:
            info["status"] = qmp.execute("query-status")["status"]
            info["cpus"] = len(qmp.execute("query-cpus-fast"))
            if record.spec.balloon:
                info["balloon_mib"] = qmp.execute("query-balloon")["actual"] >> 20
    except VmError:
        pass
    return info


def cmd_inspect(args) -> int:
    record = state.load(args.name)
    paths = state.paths_of(record.name)
    report = {"name": record.name, "state": "running" if record.pid else "stopped",
              **record.to_json(), "live": _live_info(record),
              "events": watcher.read_log(paths), "directory": str(paths.directory)}
    _write(1, json.dumps(report, indent=2) + "\n")
    return 0


def cmd_logs(args) -> int:
    """Everything the guest wrote on its serial console (kept by QEMU in console.log)."""
    record = state.load(args.name)
    try:
        _write_bytes(1, state.paths_of(record.name).console_log.read_bytes())
    except FileNotFoundError:
        pass   # never started
    return 0


def cmd_cmd(args) -> int:
    """The exact qemu-system command line (the running one, or the one start would use)."""
    record = state.load(args.name)
    argv = list(record.argv)
    if not record.pid:
        accel, _ = qemu.choose_accel(record.spec.accel)
        boot_files = _tiny_boot_files() if record.spec.tiny else {}
        argv = qemu.build_argv(record.spec, state.paths_of(args.name), accel, **boot_files)
    _write(1, shlex.join(argv) + "\n")
    return 0


# ---- console, monitor, QMP operations -------------------------------------------------------

def cmd_console(args) -> int:
    record = _running(args.name)
    paths = state.paths_of(record.name)
    outcome = console.attach(console.connect(paths.console), paths.qmp, record.name)
    _write(2, f"[{outcome}]\n")
    return 0


def cmd_monitor(args) -> int:
    """HMP, the `(qemu)` prompt of the course's Ctrl-A c, carried by QMP."""
    record = _running(args.name)
    with QmpClient(state.paths_of(record.name).qmp) as qmp:
        if args.command:
            _write(1, qmp.hmp(" ".join(args.command)).replace("\r\n", "\n"))
            return 0
        interactive = os.isatty(0)
        while True:
            if interactive:
                _write(2, "(qemu) ")
            line = _read_line(0)
            if not line:
                return 0
            if line.strip():
                try:
                    _write(1, qmp.hmp(line.strip()).replace("\r\n", "\n"))
                except VmError as error:
                    _write(2, f"pysh: vm: {error}\n")


def cmd_cpu(args) -> int:
    record = _running(args.name)
    with QmpClient(state.paths_of(record.name).qmp) as qmp:
        slots = qmp.execute("query-hotpluggable-cpus")
        if args.action is None:
            return _print_cpus(slots)
        if args.action == "add":
            return _cpu_add(qmp, slots)
        if args.action == "rm":
            if not args.id:
                raise VmError("vm cpu NAME rm ID: which CPU (see vm cpu NAME)?", status=2)
            qmp.execute("device_del", {"id": args.id})
            _write(1, f"{args.id} unplug requested (the guest ejects it)\n")
            _write(2, "pysh: vm: note: QEMU 7.2 may crash on a later cpu add or guest "
                      "poweroff after an unplug; vm kill is safe\n")
            return 0
    raise VmError(f"vm cpu: unknown action {args.action!r} (add or rm)", status=2)


def _slot_key(slot: dict) -> tuple:
    props = slot["props"]
    return (props.get("socket-id", 0), props.get("core-id", 0), props.get("thread-id", 0))


def _print_cpus(slots: list[dict]) -> int:
    rows = [("ID", "SOCKET", "CORE", "THREAD", "STATE")]
    for slot in sorted(slots, key=_slot_key):
        qom_path = slot.get("qom-path")
        if qom_path is None:
            device_id, present = "-", "free"
        elif qom_path.startswith("/machine/peripheral/"):
            device_id, present = qom_path.rsplit("/", 1)[1], "plugged"
        else:
            device_id, present = "(boot)", "plugged"
        rows.append((device_id, *(str(n) for n in _slot_key(slot)), present))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    _write(1, "".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n"
                      for row in rows))
    return 0


def _cpu_add(qmp: QmpClient, slots: list[dict]) -> int:
    """The course's `cpu-add N` is gone from QEMU: ask for the free slots and device_add a CPU
    of the slot's type at its socket/core/thread."""
    free = sorted((s for s in slots if "qom-path" not in s), key=_slot_key)
    if not free:
        raise VmError("no free CPU slot (create the vm with --maxcpus N)")
    taken = {s["qom-path"].rsplit("/", 1)[1] for s in slots if "qom-path" in s}
    device_id = next(f"cpu{n}" for n in range(1, 1000) if f"cpu{n}" not in taken)
    slot = free[0]
    qmp.execute("device_add", {"driver": slot["type"], "id": device_id, **slot["props"]})
    _write(1, f"{device_id}\n")
    return 0


def cmd_balloon(args) -> int:
    record = _running(args.name)
    with QmpClient(state.paths_of(record.name).qmp) as qmp:
        if args.mib is not None:
            if args.mib <= 0 or args.mib > record.spec.memory_mib:
                raise VmError(f"balloon target {args.mib} MiB: want 1 to "
                              f"{record.spec.memory_mib} (the memory given with -m)")
            qmp.execute("balloon", {"value": args.mib << 20})   # QMP counts bytes, HMP MiB
        else:
            actual = qmp.execute("query-balloon")["actual"] >> 20
            _write(1, f"{actual} MiB (of {record.spec.memory_mib} MiB)\n")
    return 0


def cmd_pause(args) -> int:
    return _qmp_simple(args.name, "stop")


def cmd_resume(args) -> int:
    return _qmp_simple(args.name, "cont")


def cmd_status(args) -> int:
    record = state.load(args.name)
    status = _live_info(record).get("status", "stopped")
    _write(1, f"{status}\n")
    return 0


def _qmp_simple(name: str, command: str) -> int:
    record = _running(name)
    with QmpClient(state.paths_of(record.name).qmp) as qmp:
        qmp.execute(command)
    return 0


def cmd_exec(argv: list[str]) -> int:
    """vm exec [--timeout S] NAME [--] CMD [ARG]… (parsed by hand: everything after the
    name belongs to the guest's command, options included)."""
    timeout = 60.0
    while argv and argv[0].startswith("--timeout"):
        option = argv.pop(0)
        value = option.partition("=")[2] if "=" in option else (argv.pop(0) if argv else "")
        try:
            timeout = float(value)
        except ValueError:
            raise VmError(f"vm exec: bad --timeout {value!r}", status=2) from None
    if not argv:
        raise VmError("usage: vm exec [--timeout S] NAME -- COMMAND [ARG]...", status=2)
    name, command = argv[0], argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise VmError("vm exec: no command given", status=2)
    record = _running(name)
    paths = state.paths_of(name)
    if record.spec.tiny:
        result = agent.run(paths.agent, paths.agent_lock, command, timeout)
    else:
        from pyshell.vm import guestagent
        result = guestagent.run(paths.guest_agent, command, timeout)
    _write_bytes(1, result.stdout)
    _write_bytes(2, result.stderr)
    return result.status


# ---- disks ---------------------------------------------------------------------------------

def cmd_disk_create(args) -> int:
    _write(1, disks.create(args.file, args.size, args.format, args.backing))
    return 0


def cmd_disk_info(args) -> int:
    if args.json:
        _write(1, json.dumps(disks.info(args.file), indent=2) + "\n")
    else:
        _write(1, disks.info_text(args.file))
    return 0


def cmd_bootstrap(args) -> int:
    """vm bootstrap debian [FILE]: a bootable Debian disk, from a base built once (cached)."""
    from pyshell.vm import bootstrap

    if args.distribution != "debian":
        raise VmError(f"bootstrap {args.distribution}: only debian (bookworm) is known", status=2)
    path = args.file or "debian.qcow2"
    if os.path.exists(path):
        raise VmError(f"{path}: file exists")
    if not os.path.isdir(os.path.dirname(path) or "."):
        raise VmError(f"{path}: no such directory")
    size = parse_size(args.size)
    password = args.password if args.password is not None else (
        None if args.ssh_key else bootstrap.DEFAULT_PASSWORD)
    if password == "":
        raise VmError("--password: an empty password (use --ssh-key to log in without one)")
    hostname = args.hostname or bootstrap.hostname_from(path)
    if not bootstrap.HOSTNAME.fullmatch(hostname):
        raise VmError(f"--hostname {hostname!r}: want letters, digits and '-' (at most 63)")
    public_key = bootstrap.read_public_key(args.ssh_key) if args.ssh_key else None
    options = bootstrap.DiskOptions(path=path, size=size, password=password,
                                    public_key=public_key, hostname=hostname)
    report = lambda message: _write(2, f"pysh: vm: bootstrap: {message}\n")   # noqa: E731
    base = None if args.rebuild else bootstrap.cached_base()
    if base:
        report(f"using the cached base image in {base.directory}")
    else:
        base = bootstrap.build_base(progress=report, rebuild=args.rebuild)
    bootstrap.make_disk(base, options, progress=report)
    if password:
        shown = f"'{password}'" if password == bootstrap.DEFAULT_PASSWORD else "the one given"
        _write(2, f"pysh: vm: warning: root and {bootstrap.LAB_USER} have the password {shown} "
                  "and root may log in over ssh with it: a lab machine, keep its ports on "
                  "127.0.0.1\n")
    _write(2, f"pysh: vm: boot it: vm create {hostname} --disk {path} --smp 2 -m 2048 "
              f"--fwd 10022:22 && vm start {hostname}   (then: ssh -p 10022 root@127.0.0.1)\n")
    _write(1, f"{path}\n")
    return 0


def cmd_tiny(args) -> int:
    boot_files = _tiny_boot_files()
    for key, value in boot_files.items():
        _write(1, f"{key}: {value}\n")
    return 0


# ---- helpers -------------------------------------------------------------------------------

def _running(name: str) -> VmRecord:
    record = state.load(name)
    if not record.pid:
        raise VmError(f"{name} is not running")
    return record


def _spec_from_args(args) -> VmSpec:
    return VmSpec(name=args.name, memory_mib=parse_memory(args.memory), smp=args.smp,
                  maxcpus=args.maxcpus, disk=args.disk, cdrom=args.cdrom, tiny=args.tiny,
                  kernel=args.kernel, initrd=args.initrd, append=args.append,
                  forwards=tuple(parse_forward(f) for f in args.fwd), balloon=args.balloon,
                  nic=args.nic, accel=args.accel, vnc=args.vnc,
                  display=args.display)


def _read_line(fd: int) -> str:
    """One line from FD, byte by byte: a buffered reader would swallow input that belongs
    to the commands after this one (a builtin shares the shell's stdin)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.decode(errors="replace")


def _write(fd: int, text: str) -> None:
    _write_bytes(fd, text.encode())


def _write_bytes(fd: int, data: bytes) -> None:
    # The shell gives builtins fds 1 and 2 (maybe redirected): write there, not to sys.stdout.
    while data:
        data = data[os.write(fd, data):]


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vm", description="QEMU virtual machines: disks, boot, console, "
                     "monitor, CPU hotplug, memory balloon.", epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(metavar="COMMAND")

    def command(name, handler, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def add_name(sub):
        sub.add_argument("name", metavar="NAME")

    disk = commands.add_parser("disk", help="create or inspect disk images (qemu-img)")
    disk_commands = disk.add_subparsers(metavar="ACTION")
    create = disk_commands.add_parser("create", help="qemu-img create")
    create.set_defaults(handler=cmd_disk_create)
    create.add_argument("file", metavar="FILE")
    create.add_argument("size", metavar="SIZE", nargs="?", help="e.g. 5G (optional with --backing)")
    create.add_argument("--format", default="qcow2", choices=DISK_FORMATS)
    create.add_argument("--backing", metavar="BASE", help="a copy-on-write overlay of BASE")
    info = disk_commands.add_parser("info", help="qemu-img info")
    info.set_defaults(handler=cmd_disk_info)
    info.add_argument("file", metavar="FILE")
    info.add_argument("--json", action="store_true")

    for name, handler, help_text in (("create", cmd_create, "define a machine"),
                                     ("run", cmd_run, "create and start a machine")):
        sub = command(name, handler, help_text)
        add_name(sub)
        sub.add_argument("--tiny", action="store_true",
                         help="boot pysh's offline busybox guest (built from Debian packages)")
        sub.add_argument("--disk", metavar="FILE", help="a disk image (qcow2 or raw)")
        sub.add_argument("--disk-size", metavar="SIZE", help="make a new qcow2 disk of SIZE")
        sub.add_argument("--cdrom", metavar="ISO")
        sub.add_argument("-m", "--memory", default="1024", metavar="MIB", help="(default 1024)")
        sub.add_argument("--smp", type=int, default=1, metavar="N", help="CPUs at boot")
        sub.add_argument("--maxcpus", type=int, metavar="N", help="room for vm cpu NAME add")
        sub.add_argument("--fwd", action="append", default=[], metavar="[ADDR:]HOST:GUEST",
                         help="forward a host TCP port (on 127.0.0.1 unless ADDR) to the guest")
        sub.add_argument("--kernel", metavar="FILE")
        sub.add_argument("--initrd", metavar="FILE")
        sub.add_argument("--append", metavar="ARGS", help="the kernel command line")
        sub.add_argument("--balloon", action="store_true", help="add a virtio-balloon device")
        sub.add_argument("--nic", default="e1000", choices=list(NICS))
        sub.add_argument("--accel", default="auto", choices=ACCELS)
        sub.add_argument("--display", default="none", choices=DISPLAYS,
                         help="a window for the screen: gtk or sdl (default none)")
        sub.add_argument("--vnc", type=int, metavar="N",
                         help="show the screen on VNC display N (127.0.0.1, port 5900+N)")
        if name == "run":
            _add_start_options(sub)

    start = command("start", cmd_start, "boot a machine (attached to its console unless -d)")
    add_name(start)
    _add_start_options(start)

    stop = command("stop", cmd_stop, "ACPI power button, then QMP quit after a timeout")
    add_name(stop)
    stop.add_argument("--timeout", type=float, default=STOP_TIMEOUT, metavar="S")
    add_name(command("kill", cmd_kill, "end QEMU at once (QMP quit, else SIGKILL)"))
    remove = command("rm", cmd_rm, "delete machines and their files")
    remove.add_argument("names", nargs="+", metavar="NAME")
    remove.add_argument("-f", "--force", action="store_true", help="kill it if it runs")
    command("ls", cmd_ls, "list machines")
    add_name(command("inspect", cmd_inspect, "everything about a machine, as JSON"))
    add_name(command("cmd", cmd_cmd, "the exact qemu-system command line"))
    add_name(command("logs", cmd_logs, "what the guest printed on its console"))
    add_name(command("console", cmd_console, "attach to the serial console (Ctrl-] detaches)"))
    monitor = command("monitor", cmd_monitor, "QEMU monitor (HMP) commands: one, or a prompt")
    add_name(monitor)
    monitor.add_argument("command", nargs=argparse.REMAINDER, metavar="HMP COMMAND")
    cpu = command("cpu", cmd_cpu, "list CPU slots, hot-add a CPU, or unplug one")
    add_name(cpu)
    cpu.add_argument("action", nargs="?", metavar="add|rm")
    cpu.add_argument("id", nargs="?", metavar="ID")
    balloon = command("balloon", cmd_balloon, "show or set the memory balloon target")
    add_name(balloon)
    balloon.add_argument("mib", nargs="?", type=int, metavar="MIB")
    add_name(command("pause", cmd_pause, "freeze the vCPUs (QMP stop)"))
    add_name(command("resume", cmd_resume, "unfreeze them (QMP cont)"))
    add_name(command("status", cmd_status, "running, paused, or stopped"))
    commands.add_parser("exec", help="run a command in the guest: vm exec NAME -- CMD... "
                        "(tiny guest: its agent; others: qemu-guest-agent)")
    bootstrap = command("bootstrap", cmd_bootstrap,
                        "make a bootable Debian bookworm disk offline (mmdebstrap; cached)")
    bootstrap.add_argument("distribution", metavar="debian")
    bootstrap.add_argument("file", nargs="?", metavar="FILE.qcow2",
                           help="the disk to write (default debian.qcow2)")
    bootstrap.add_argument("--size", default="4G", help="the disk's size (default 4G)")
    bootstrap.add_argument("--password", metavar="PW",
                           help="for root and chps (default toto, or none with --ssh-key)")
    bootstrap.add_argument("--ssh-key", metavar="FILE.pub",
                           help="a public key root and chps accept over ssh")
    bootstrap.add_argument("--hostname", help="(default: the file's name, e.g. mydebian)")
    bootstrap.add_argument("--rebuild", action="store_true",
                           help="make the cached base image again (new packages)")
    command("tiny", cmd_tiny, "build (once) and show the tiny guest's kernel and initramfs")
    return parser


def _add_start_options(sub) -> None:
    sub.add_argument("-d", "--detach", action="store_true",
                     help="do not attach the console; return once the guest is ready")
    sub.add_argument("--no-wait", action="store_true", help="with -d: return at once")
    sub.add_argument("--wait-ready", "--timeout", dest="timeout", type=float,
                     default=BOOT_TIMEOUT, metavar="S",
                     help="at most S seconds (default %(default)g) for QEMU to answer on QMP "
                          "and run the guest, and for a --tiny guest's agent to answer; "
                          "else an error and QEMU is ended")
