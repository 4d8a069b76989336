"""Freezing a container's processes (Docker's pause), so that `commit` copies a filesystem
nobody writes to meanwhile.

A frozen process does not run at all and sees nothing of it (no signal: SIGSTOP would be
seen by a shell waiting for its job). The kernel's freezer lives in cgroups:

* cgroup v2: the container's own cgroup has ``cgroup.freeze``.
* cgroup v1 (this course's machine): the freezer is a hierarchy of its own, which containers
  are not put in at start (one cgroup fewer to make and join at every run). For the time of
  the freeze, the container's processes are moved into a freezer cgroup, then back.
"""

from __future__ import annotations

import os
import time

from pyshell.contain.kernel import cgroups
from pyshell.errors import ContainerError

FREEZER_V1 = f"{cgroups.CGROUP_ROOT}/freezer"
TIMEOUT = 5.0  # seconds for every task to reach the frozen state


def available(cgroup: cgroups.Cgroup | None) -> bool:
    """Whether a container in ``cgroup`` can be frozen here."""
    if isinstance(cgroup, cgroups.CgroupV2):
        return os.path.exists(os.path.join(cgroup.paths[0], "cgroup.freeze"))
    return os.geteuid() == 0 and os.path.isdir(FREEZER_V1)


def namespace_pids(container_pid: int) -> list[int]:
    """Every process in the PID namespace whose PID 1 is ``container_pid`` (host pids)."""
    target = os.readlink(f"/proc/{container_pid}/ns/pid")
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == target:
                    found.append(int(entry))
            except OSError:
                pass  # gone, or not ours to look at
    return found


def _wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise ContainerError(f"freezer: {what} did not happen within {TIMEOUT:g} s")
        time.sleep(0.002)


def _read(path: str) -> str:
    with open(path) as file:
        return file.read()


class Frozen:
    """``with Frozen(container_pid, cgroup):`` the container's processes are frozen inside."""

    def __init__(self, container_pid: int, cgroup: cgroups.Cgroup | None):
        self.container_pid = container_pid
        self.cgroup = cgroup
        self.v1_dir = ""
        self.came_from: dict[int, str] = {}  # v1: pid -> the freezer cgroup it was in

    def __enter__(self) -> Frozen:
        if isinstance(self.cgroup, cgroups.CgroupV2):
            path = self.cgroup.paths[0]
            cgroups.write_control(os.path.join(path, "cgroup.freeze"), "1")
            _wait_until(lambda: "frozen 1" in _read(os.path.join(path, "cgroup.events")), "freezing")
            return self
        self.v1_dir = os.path.join(FREEZER_V1 + cgroups.own_cgroups().get("freezer", "/"),
                                   f"pysh-freeze-{self.container_pid}")
        os.makedirs(self.v1_dir, exist_ok=True)
        try:
            state = os.path.join(self.v1_dir, "freezer.state")
            cgroups.write_control(state, "FROZEN")
            # A task that joins a frozen v1 cgroup is frozen too; until all are in, one may fork:
            # move what the namespace holds until a pass finds nobody new.
            for _ in range(20):
                new = [pid for pid in namespace_pids(self.container_pid) if pid not in self.came_from]
                if not new:
                    break
                for pid in new:
                    self._move_in(pid)
            _wait_until(lambda: _read(state).strip() == "FROZEN", "freezing")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _move_in(self, pid: int) -> None:
        try:
            with open(f"/proc/{pid}/cgroup") as file:
                previous = next((line.rstrip("\n").split(":", 2)[2] for line in file
                                 if "freezer" in line.split(":", 2)[1].split(",")), "/")
            cgroups.write_control(os.path.join(self.v1_dir, "cgroup.procs"), str(pid))
        except (OSError, ContainerError):
            if os.path.exists(f"/proc/{pid}"):
                raise
            return  # exited meanwhile
        self.came_from[pid] = FREEZER_V1 + previous

    def __exit__(self, *exc_info) -> None:
        if isinstance(self.cgroup, cgroups.CgroupV2):
            cgroups.write_control(os.path.join(self.cgroup.paths[0], "cgroup.freeze"), "0")
            return
        if not self.v1_dir:
            return
        cgroups.write_control(os.path.join(self.v1_dir, "freezer.state"), "THAWED")
        home = self.came_from.get(self.container_pid, FREEZER_V1)
        for _ in range(200):  # back where each came from (a child forked since: where PID 1 was)
            with open(os.path.join(self.v1_dir, "cgroup.procs")) as file:
                left = [int(line) for line in file if line.strip()]
            if not left:
                break
            for pid in left:
                try:
                    cgroups.write_control(os.path.join(self.came_from.get(pid, home), "cgroup.procs"), str(pid))
                except ContainerError:
                    pass  # exited meanwhile: the next pass sees
        for _ in range(200):
            try:
                os.rmdir(self.v1_dir)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.005)
