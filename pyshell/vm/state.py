"""Where `vm` keeps each machine: $PYSH_HOME/vms/NAME/ holds vm.json (the spec and the running
QEMU's pid and command line) next to the sockets QEMU listens on. There is no daemon: QEMU is
the only long-lived process, and a record says "running" only while its pid is still that
QEMU (reconcile() turns the record of a QEMU that died into a stopped one)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from pyshell.errors import VmError
from pyshell.statedir import atomic_write_json, pysh_home
from pyshell.vm.spec import VmSpec

UNIX_PATH_MAX = 107   # sun_path is 108 bytes, with the final NUL


def vms_root() -> Path:
    return pysh_home() / "vms"


@dataclass(frozen=True)
class VmPaths:
    """The files of one machine, all in one directory."""
    directory: Path

    @property
    def state(self) -> Path:
        return self.directory / "vm.json"

    @property
    def qmp(self) -> Path:           # QEMU Machine Protocol (JSON) socket
        return self.directory / "qmp.sock"

    @property
    def events(self) -> Path:        # a second QMP socket, held by the event watcher
        return self.directory / "events.sock"

    @property
    def event_log(self) -> Path:     # what the watcher saw: resets, shutdowns, pauses
        return self.directory / "events.json"

    @property
    def console(self) -> Path:       # the first serial port (ttyS0), for `vm console`
        return self.directory / "console.sock"

    @property
    def console_log(self) -> Path:   # everything the guest wrote to its console
        return self.directory / "console.log"

    @property
    def agent(self) -> Path:         # the second serial port (ttyS1), for `vm exec`
        return self.directory / "agent.sock"

    @property
    def guest_agent(self) -> Path:   # virtio-serial port of qemu-ga, in guests that have it
        return self.directory / "qga.sock"

    @property
    def agent_lock(self) -> Path:
        return self.directory / "agent.lock"

    @property
    def pidfile(self) -> Path:
        return self.directory / "qemu.pid"

    @property
    def lock(self) -> Path:          # held while a command changes the machine's state
        return self.directory / "lock"

    @property
    def disk(self) -> Path:          # the disk made by `vm create --disk-size`
        return self.directory / "disk.qcow2"

    def sockets(self) -> tuple[Path, ...]:
        return (self.qmp, self.events, self.console, self.agent, self.guest_agent)

    def check_socket_lengths(self) -> None:
        for socket_path in self.sockets():
            if len(os.fsencode(socket_path)) > UNIX_PATH_MAX:
                raise VmError(f"socket path {socket_path} is longer than {UNIX_PATH_MAX} bytes: "
                              "set PYSH_HOME to a shorter directory")


def paths_of(name: str) -> VmPaths:
    return VmPaths(vms_root() / name)


@dataclass(frozen=True)
class VmRecord:
    spec: VmSpec
    pid: int | None = None                 # the daemonized QEMU, while it runs
    argv: tuple[str, ...] = ()             # the exact command line of the last start
    accel: str | None = None               # what the last start used: kvm or tcg
    started_at: float | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def to_json(self) -> dict:
        return {"spec": self.spec.to_json(), "pid": self.pid, "argv": list(self.argv),
                "accel": self.accel, "started_at": self.started_at}

    @classmethod
    def from_json(cls, data: dict) -> VmRecord:
        return cls(spec=VmSpec.from_json(data["spec"]), pid=data.get("pid"),
                   argv=tuple(data.get("argv", ())), accel=data.get("accel"),
                   started_at=data.get("started_at"))


def save(record: VmRecord) -> None:
    """Write vm.json atomically: a crash leaves the old file or the new one, never half."""
    atomic_write_json(paths_of(record.name).state, record.to_json())


def load(name: str) -> VmRecord:
    """The record of NAME, reconciled with the processes that really run."""
    paths = paths_of(name)
    try:
        data = json.loads(paths.state.read_text())
    except FileNotFoundError:
        raise VmError(f"no such vm: {name}") from None
    except (OSError, ValueError) as error:
        raise VmError(f"{paths.state}: unreadable state ({error})") from None
    return reconcile(VmRecord.from_json(data))


def exists(name: str) -> bool:
    return paths_of(name).state.exists()


def names() -> list[str]:
    try:
        return sorted(entry.name for entry in vms_root().iterdir() if (entry / "vm.json").exists())
    except FileNotFoundError:
        return []


def remove(name: str) -> None:
    shutil.rmtree(paths_of(name).directory, ignore_errors=True)


def qemu_is_alive(pid: int | None, paths: VmPaths) -> bool:
    """True while PID is still *our* QEMU: a dead QEMU's pid can be reused by anything, so
    check that the process's command line names this machine's QMP socket."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return os.fsencode(paths.qmp) in cmdline


def reconcile(record: VmRecord) -> VmRecord:
    """A record whose QEMU is gone (guest powered off, crashed, killed) becomes stopped."""
    if record.pid is None:
        return record
    paths = paths_of(record.name)
    if qemu_is_alive(record.pid, paths):
        return record
    stopped = replace(record, pid=None)
    clean_runtime_files(paths)
    save(stopped)
    return stopped


def clean_runtime_files(paths: VmPaths) -> None:
    for leftover in (*paths.sockets(), paths.pidfile, paths.agent_lock):
        try:
            leftover.unlink()
        except FileNotFoundError:
            pass
