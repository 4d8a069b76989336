"""Containers on disk: PYSH_HOME/containers/<id>/, and what state each one is in.

Per container::

    config.json    the spec and bookkeeping, written by `contain` commands (atomic, under the lock)
    running        protocol.Running: supervisor and PID 1 (pids, start times), when it started;
                   written by the supervisor once the command was exec'd
    exit           protocol.Exit: the exit status and when; written by the supervisor when PID 1 is reaped
    restarter      protocol.PidFile of the restart-policy daemon (restart.py), if any
    container.log  its stdout and stderr, a line per record with its time (containerlog.py)
    attach.sock    the supervisor's socket for `attach` (containers with -t)
    network.json   while it runs: its addresses, interfaces and bound ports (network/attach.py)
    endpoints.json the networks it is on, once `network connect`/`disconnect` changed them
    etc/           where PID 1 mounts a tmpfs for the container's hostname, hosts, resolv.conf
    rootfs/        upper/ (the container's changes: `commit` turns it into a layer), work/, merged/

The status is derived from these files and from whether the supervisor still lives, so a
crash needs no repair beyond `reconcile()`, which every command runs first. The states and
which command may act on which: State and ACTIONS below, the one place that says it.
"""

from __future__ import annotations

import json
import os
import select
from enum import Enum
from pathlib import Path

from pyshell.contain.kernel import cgroups
from pyshell.contain.kernel.osio import alive, now_iso, process_start_time  # noqa: F401 - part of this API
from pyshell.contain.runtime.protocol import Exit, PidFile, Running, read_record
from pyshell.contain.spec import ContainerSpec
from pyshell.errors import ContainerError
from pyshell.record import Record
from pyshell.statedir import atomic_write, atomic_write_json, locked, read_json


def containers_dir(home: Path) -> Path:
    return home / "containers"


def lock_path(home: Path) -> Path:
    return containers_dir(home) / ".lock"


class State(str, Enum):
    """Docker's container states. A str: it compares equal to "running" and goes into JSON as is.
    pysh reaches created, running and exited; restarting is what `ps` shows of an exited
    container whose policy is about to start it again (restart_pending); paused
    (the cgroup freezer) and dead (a failed removal) are Docker's, named here for inspect."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    EXITED = "exited"
    DEAD = "dead"

    def __str__(self) -> str:
        return self.value


# The moves between states: (from, to) -> what makes it happen.
TRANSITIONS = {
    (State.CREATED, State.RUNNING): "start",
    (State.EXITED, State.RUNNING): "start, restart, the restart policy",
    (State.RUNNING, State.EXITED): "PID 1 exits (stop, kill, its own end), or reconcile after a crash",
    (State.RUNNING, State.PAUSED): "pause",
    (State.PAUSED, State.RUNNING): "unpause",
    (State.EXITED, State.RESTARTING): "the restart policy decides",
    (State.RESTARTING, State.RUNNING): "the restart policy starts it",
}

# What each command needs the container to be in, and Docker's words when it is not.
ACTIONS = {
    "start": ({State.CREATED, State.EXITED}, "container {name} is already running"),
    "kill": ({State.RUNNING}, "container {name} is not running"),
    "exec": ({State.RUNNING}, "container {name} is not running"),
    "attach": ({State.RUNNING}, "you cannot attach to a stopped container, start it first"),
    "pause": ({State.RUNNING}, "container {name} is not running"),
}


def require(container: Container, action: str) -> None:
    """Raise ContainerError unless ``container`` is in a state ``action`` may start from."""
    allowed, message = ACTIONS[action]
    if container.status not in allowed:
        raise ContainerError(message.format(name=container.name))


class Container(Record):
    """One container as found on disk, with its derived status."""

    dir: Path
    spec: ContainerSpec
    created: str
    cgroup: dict | None
    status: State
    exit_code: int | None
    started_at: str
    finished_at: str
    pid: int                     # host pid of the container's PID 1 (0 when not running)
    supervisor_pid: int
    oom_killed: bool = False     # the OOM killer killed a process of it (its last run)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def upper_dir(self) -> Path:
        return self.dir / "rootfs" / "upper"


def wait_pid_file(path: Path) -> None:
    """Wait for the process whose "PID START_TIME" ``path`` holds, if it still lives."""
    recorded = read_record(path, PidFile)
    if recorded is None or not alive(recorded.pid, recorded.start_time):
        return
    try:
        pidfd = os.pidfd_open(recorded.pid)
    except OSError:
        return
    try:
        select.select([pidfd], [], [])
    finally:
        os.close(pidfd)


def load(directory: Path) -> Container | None:
    """The container in ``directory``, or None if it has no readable config (being created, or
    an --rm container's config cut short by a power loss: see save_config)."""
    try:
        config = read_json(directory / "config.json")
    except ValueError:
        return None
    if config is None:
        return None
    running = read_record(directory / "running", Running)
    exited = read_record(directory / "exit", Exit)
    status, exit_code, pid, supervisor_pid, oom_killed = State.CREATED, None, 0, 0, False
    started_at = finished_at = ""
    if running:
        supervisor_pid, pid, started_at = running.supervisor_pid, running.container_pid, running.started_at
        status = State.RUNNING
        if exited:
            status, exit_code, finished_at = State.EXITED, exited.status, exited.finished_at
            pid, oom_killed = 0, exited.oom_killed
    return Container(directory, ContainerSpec.from_json(config["spec"]), config["created"],
                     config.get("cgroup"), status, exit_code, started_at, finished_at, pid, supervisor_pid,
                     oom_killed)


def restart_pending(container: Container) -> bool:
    """Whether an exited container's restart policy is about to start it again (its restarter
    runs, no stop or kill ended the policy): `ps` then says Restarting, as Docker does."""
    if container.status != State.EXITED or container.spec.restart == "no" or (container.dir / "stopped").exists():
        return False
    restarter = read_record(container.dir / "restarter", PidFile)
    return restarter is not None and alive(restarter.pid, restarter.start_time)


def save_config(directory: Path, spec: ContainerSpec, created: str, cgroup: dict | None) -> None:
    """Atomically (readers never see half a file). Durably (fsync) unless the container is --rm:
    one that a crash interrupts has nothing worth keeping, and the fsync is ~15% of a `run --rm`."""
    document = {"spec": spec.to_json(), "created": created, "cgroup": cgroup}
    if not spec.autoremove:
        atomic_write_json(directory / "config.json", document)
        return
    temporary = directory / f".config.json.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, directory / "config.json")


def _directories(home: Path) -> list[Path]:
    root = containers_dir(home)
    if not root.is_dir():
        return []
    return [entry for entry in root.iterdir() if not entry.name.startswith(".")]


def all_containers(home: Path) -> list[Container]:
    found = [container for container in map(load, _directories(home)) if container is not None]
    found.sort(key=lambda c: c.created, reverse=True)
    return found


def names_in_use(home: Path) -> set[str]:
    """The names of all containers. Only their configs' JSON is read, not a whole Container
    each: `run` asks twice, and students keep dozens of exited containers (0.2 ms each)."""
    return {name for name in map(_name_of, _directories(home)) if name is not None}


def _name_of(directory: Path) -> str | None:
    """The container's name from its config alone; None while it is written (see load())."""
    try:
        config = read_json(directory / "config.json")
    except ValueError:
        return None
    return config["spec"]["name"] if config is not None else None


def find(home: Path, name_or_id: str) -> Container:
    """By full id, name or unique id prefix, in Docker's order. Only a container that matches
    is loaded whole (a config's name is read alone): compose asks at every start of a project's
    containers, and students keep dozens."""
    directories = _directories(home)
    for directory in directories:  # the directory's name is the container's id
        if directory.name == name_or_id and (container := load(directory)) is not None:
            return container
    for directory in directories:
        if _name_of(directory) == name_or_id and (container := load(directory)) is not None:
            return container
    prefixed = (d for d in directories if name_or_id and d.name.startswith(name_or_id))
    matches = [container for container in map(load, prefixed) if container is not None]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ContainerError(f"multiple containers match id prefix {name_or_id!r}")
    raise ContainerError(f"no such container: {name_or_id}")


def mark_starting(directory: Path) -> None:
    """Say that this process is creating or starting the container in ``directory``: if it dies
    before ``clear_starting`` (kill -9, power loss), the next command finishes the job (reconcile)."""
    pid = os.getpid()
    atomic_write(directory / STARTING, PidFile(pid, process_start_time(pid)).format(), durable=False)


def clear_starting(directory: Path) -> None:
    try:
        os.unlink(directory / STARTING)
    except FileNotFoundError:
        pass


STARTING = "starting"


def reconcile(home: Path) -> None:
    """After a crash (supervisor killed, host rebooted, a `contain run` killed while it started
    the container): containers whose supervisor is gone are marked exited, what they held
    (processes, cgroup) is released, and an --rm container is removed."""
    for directory in _directories(home):
        starter = read_record(directory / STARTING, PidFile)
        if starter is not None and not alive(starter.pid, starter.start_time):
            _finish_interrupted_start(home, directory)
        elif starter is None and not (directory / "config.json").exists():
            _remove_leftover(home, directory)
        # Only a "running" container (a `running` file, no `exit` file) whose supervisor is dead
        # needs it. Checked without parsing every config: every command runs this first.
        running = read_record(directory / "running", Running)
        if running is None or alive(running.supervisor_pid, running.supervisor_start):
            continue
        exited = read_record(directory / "exit", Exit)
        if exited and exited.removing:  # an --rm container whose supervisor died while removing it
            with locked(lock_path(home)):
                container = load(directory)
                cgroup = cgroups.from_json(container.cgroup) if container else None
                if cgroup:
                    cgroup.remove()
                _release_network(directory, directory.name)
                _remove_directory(directory)
            continue
        if exited:
            continue
        container = load(directory)
        if container is None:
            continue  # removed meanwhile
        with locked(lock_path(home)):
            if (container.dir / "exit").exists():
                continue
            if alive(running.container_pid, running.container_start):
                os.kill(running.container_pid, 9)  # PID 1 dies, and with it its whole PID namespace
            cgroup = cgroups.from_json(container.cgroup)
            if cgroup:
                cgroup.remove()
            _release_network(container.dir, container.id)
            # "removing" for --rm: if we are killed before the removal is done, the next one does it.
            atomic_write(container.dir / "exit", Exit(255, now_iso(), removing=container.spec.autoremove).format())
            if container.spec.autoremove:
                _remove_directory(container.dir)


def _finish_interrupted_start(home: Path, directory: Path) -> None:
    """The process that created or started this container died before it was done. If the
    supervisor took over, nothing is missing; else release the cgroup (killing what it holds)
    and, for an --rm container or one whose config was never written, remove it all. Otherwise
    the container stays, as Docker's "Created"."""
    with locked(lock_path(home)):
        starter = read_record(directory / STARTING, PidFile)
        if starter is None or alive(starter.pid, starter.start_time):
            return  # finished meanwhile, or another command reconciled it
        if read_record(directory / "running", Running):
            clear_starting(directory)  # the supervisor runs it (or reconcile's other half ends it)
            return
        container = load(directory)
        config = read_json(directory / "config.json") if container is None else None
        cgroup = cgroups.from_json(container.cgroup if container else (config or {}).get("cgroup"))
        if cgroup:
            cgroup.remove()
        _release_network(directory, directory.name)
        if container is None or container.spec.autoremove:
            _remove_directory(directory)
        else:
            clear_starting(directory)


def _release_network(directory: Path, container_id: str) -> None:
    """The address leases a container held go back (what its supervisor does when PID 1 exits)."""
    if (directory / "network.json").exists():
        from pyshell.contain.network import attach

        attach.release(str(directory), container_id)


def _remove_leftover(home: Path, directory: Path) -> None:
    """A directory with neither config nor starting mark: what a removal cut short left (a
    create in progress holds the lock, and has its mark, from its first step)."""
    with locked(lock_path(home)):
        if not directory.exists() or (directory / STARTING).exists() or (directory / "config.json").exists():
            return
        running = read_record(directory / "running", Running)
        if running and alive(running.supervisor_pid, running.supervisor_start):
            return  # its supervisor is removing it (--rm) right now
        _remove_directory(directory)


def _remove_directory(directory: Path) -> None:
    from pyshell.contain.runtime import teardown

    teardown.remove_tree(str(directory))


def image_users(home: Path):
    """For `rmi`: the name of a container using an image, or None."""
    def in_use(image_id: str) -> str | None:
        for container in all_containers(home):
            if container.spec.image_id == image_id and not container.spec.hidden:
                return container.id[:12]
        return None
    return in_use


_ADJECTIVES = ("admiring", "bold", "brave", "busy", "clever", "eager", "elastic", "focused", "gallant",
               "happy", "jolly", "keen", "modest", "nifty", "quirky", "serene", "sharp", "tender", "vibrant",
               "zealous")
_SCIENTISTS = ("babbage", "curie", "dijkstra", "einstein", "hopper", "knuth", "lamport", "liskov",
               "lovelace", "mccarthy", "noether", "pike", "ritchie", "shannon", "thompson", "torvalds",
               "turing", "wozniak")


def new_name(taken: set[str]) -> str:
    while True:
        name = f"{_pick(_ADJECTIVES)}_{_pick(_SCIENTISTS)}"
        if name not in taken:
            return name
        name = f"{name}{_pick(range(1, 100))}"
        if name not in taken:
            return name


def _pick(choices):
    """random.choice without `import random` (1.5 ms of every cold `contain run`)."""
    return choices[int.from_bytes(os.urandom(4), "big") % len(choices)]
