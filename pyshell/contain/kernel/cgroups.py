"""Control groups: one small interface, two backends (cgroup v2 and the older v1).

A container gets one cgroup, named ``pysh-<id>``, nested under the cgroup of whoever ran
`contain` (as runc does), so limits the caller already has still apply.

* v2 (most hosts): one directory in the unified tree; limits are ``memory.max``,
  ``cpu.max`` and ``pids.max``.
* v1 (this course's machine): one directory per controller hierarchy
  (``/sys/fs/cgroup/memory/...``, ``pids``, ``cpu``); limits are ``memory.limit_in_bytes``,
  ``cpu.cfs_quota_us``/``cpu.cfs_period_us`` and ``pids.max``.

Only ``os`` is used, so the supervisor can import this module cheaply for teardown.
"""

from __future__ import annotations

import errno
import os
import time

from pyshell.contain.kernel.osio import write_file
from pyshell.errors import ContainerError

CGROUP_ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS = ("memory", "pids", "cpu", "devices")
CPU_PERIOD_US = 100_000
SIGKILL = 9  # not importing `signal` (and enum) keeps the supervisor quick to start


class Cgroup:
    """The directories of one container's cgroup; subclasses know how to write limits."""

    version = 0
    joins_itself_fast = False  # see CgroupV1.join

    def __init__(self, paths: tuple[str, ...]):
        self.paths = tuple(paths)

    def to_json(self) -> dict:
        return {"version": self.version, "paths": list(self.paths)}

    def create(self) -> None:
        for path in self.paths:
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
            except OSError as error:
                raise ContainerError(f"cannot create cgroup {path}: {error.strerror}") from None

    def add(self, pid: int) -> None:
        """Move ``pid`` (and the children it will have) into this cgroup."""
        for path in self.paths:
            write_control(os.path.join(path, "cgroup.procs"), str(pid))

    def join(self) -> None:
        """Move the calling process into this cgroup (single-threaded, as a fresh fork is)."""
        self.add(0)  # 0: the writer itself

    def set_limits(self, memory: int | None, cpus: float | None, pids: int | None) -> None:
        raise NotImplementedError

    def limit_devices(self, rules) -> None:
        """Let the container open only the device nodes ``rules`` allow (devices.py)."""
        raise NotImplementedError

    def oom_kills(self) -> int:
        """How many processes the OOM killer killed in this cgroup (for inspect's OOMKilled)."""
        raise NotImplementedError

    @staticmethod
    def _counter(path: str, name: str) -> int:
        """'NAME N' from a flat-keyed file (memory.events, memory.oom_control); 0 if absent."""
        try:
            with open(path) as file:
                for line in file:
                    key, _, value = line.partition(" ")
                    if key == name:
                        return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths:
            try:
                with open(os.path.join(path, "cgroup.procs")) as file:
                    found.update(int(line) for line in file if line.strip())
            except FileNotFoundError:
                pass
        return sorted(found)

    def kill_all(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        """Kill what is left, then rmdir; a cgroup is busy until its last zombie is reaped."""
        for path in self.paths:
            for attempt in range(200):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY:
                        raise ContainerError(f"cannot remove cgroup {path}: {error.strerror}") from None
                    self.kill_all()
                    time.sleep(0.005)
            else:
                raise ContainerError(f"cannot remove cgroup {path}: still busy")


class CgroupV2(Cgroup):
    version = 2

    def create(self) -> None:
        # A controller can only limit children if the parent delegates it (cgroup.subtree_control).
        parent = os.path.dirname(self.paths[0])
        try:
            with open(os.path.join(parent, "cgroup.controllers")) as file:
                available = file.read().split()
            wanted = [c for c in ("memory", "pids", "cpu") if c in available]
            with open(os.path.join(parent, "cgroup.subtree_control")) as file:
                enabled = file.read().split()
            missing = [c for c in wanted if c not in enabled]
            if missing:
                write_control(os.path.join(parent, "cgroup.subtree_control"), " ".join(f"+{c}" for c in missing))
        except (OSError, ContainerError):
            pass  # limits will then fail with a clear message in set_limits
        super().create()

    def set_limits(self, memory, cpus, pids) -> None:
        (path,) = self.paths
        if memory is not None:
            write_control(os.path.join(path, "memory.max"), str(memory))
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                write_control(os.path.join(path, "memory.swap.max"), "0")
        if cpus is not None:
            write_control(os.path.join(path, "cpu.max"), f"{int(cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        if pids is not None:
            write_control(os.path.join(path, "pids.max"), "max" if pids < 0 else str(pids))

    def limit_devices(self, rules) -> None:
        from pyshell.contain.kernel import devices

        devices.attach_v2(self.paths[0], rules)

    def oom_kills(self) -> int:
        return self._counter(os.path.join(self.paths[0], "memory.events"), "oom_kill")


class CgroupV1(Cgroup):
    version = 1
    joins_itself_fast = True

    def join(self) -> None:
        # A move through `tasks` of the writer's own thread ("0") skips the kernel's global
        # cgroup_threadgroup_rwsem; every other move takes it, and waits for an RCU grace
        # period: 0.3 ms instead of 6-12 ms here. Our processes have one thread when they join.
        for path in self.paths:
            write_control(os.path.join(path, "tasks"), "0")

    def _controller(self, name: str) -> str:
        return next(path for path in self.paths if path.startswith(f"{CGROUP_ROOT}/{name}/"))

    def set_limits(self, memory, cpus, pids) -> None:
        if memory is not None:
            memory_dir = self._controller("memory")
            write_control(os.path.join(memory_dir, "memory.limit_in_bytes"), str(memory))
            # memory+swap equal to memory: the container cannot swap its way past the limit.
            memsw = os.path.join(memory_dir, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):
                write_control(memsw, str(memory))
        if cpus is not None:
            cpu_dir = self._controller("cpu")
            write_control(os.path.join(cpu_dir, "cpu.cfs_period_us"), str(CPU_PERIOD_US))
            write_control(os.path.join(cpu_dir, "cpu.cfs_quota_us"), str(int(cpus * CPU_PERIOD_US)))
        if pids is not None:
            write_control(os.path.join(self._controller("pids"), "pids.max"), "max" if pids < 0 else str(pids))

    def limit_devices(self, rules) -> None:
        from pyshell.contain.kernel import devices

        directory = next((p for p in self.paths if p.startswith(f"{CGROUP_ROOT}/devices/")), None)
        if directory is None:
            raise ContainerError("no devices cgroup on this host: cannot limit the container's device nodes")
        devices.apply_v1(directory, rules)

    def oom_kills(self) -> int:
        memory_dir = next((p for p in self.paths if p.startswith(f"{CGROUP_ROOT}/memory/")), None)
        return self._counter(os.path.join(memory_dir, "memory.oom_control"), "oom_kill") if memory_dir else 0


def from_json(data: dict | None) -> Cgroup | None:
    if not data:
        return None
    return (CgroupV2 if data["version"] == 2 else CgroupV1)(tuple(data["paths"]))


def own_cgroups() -> dict[str, str]:
    """This process's cgroup per hierarchy, from /proc/self/cgroup: {"memory": "/a/b", "": "/"}."""
    result = {}
    with open("/proc/self/cgroup") as file:
        for line in file:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(","):
                result[controller] = path
    return result


def for_container(container_id: str) -> Cgroup | None:
    """The cgroup a new container should get on this host, or None if there is no cgroup fs."""
    name = f"pysh-{container_id[:12]}"
    mine = own_cgroups()
    if os.path.exists(f"{CGROUP_ROOT}/cgroup.controllers"):
        return CgroupV2((os.path.join(CGROUP_ROOT + mine.get("", "/"), name),))
    if os.path.isdir(f"{CGROUP_ROOT}/memory"):
        paths = []
        for controller in V1_CONTROLLERS:
            if os.path.isdir(f"{CGROUP_ROOT}/{controller}"):
                paths.append(os.path.join(f"{CGROUP_ROOT}/{controller}" + mine.get(controller, "/"), name))
        return CgroupV1(tuple(paths))
    return None


def write_control(path: str, value: str) -> None:
    """Write one cgroup control file (cgroup.procs, memory.max, freezer.state...)."""
    try:
        write_file(path, value)
    except OSError as error:
        raise ContainerError(f"cgroup: cannot write {value!r} to {path}: {error.strerror}") from None
