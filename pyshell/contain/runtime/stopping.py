"""Stopping, killing and removing a container, and waiting for its exit: `stop`, `kill`, `rm`,
`wait` (and compose's `down`) on the host side.

Kept out of lifecycle.py: a start needs what the forked supervisor and PID 1 use (seccomp,
ctypes, setup, supervisor: ~3.5 ms of imports), and none of that is needed here.
"""

from __future__ import annotations

import os
import select
import time
from pathlib import Path

from pyshell.contain.kernel import cgroups
from pyshell.contain.runtime import protocol, state, teardown
from pyshell.contain.runtime.protocol import Running
from pyshell.errors import ContainerError
from pyshell.statedir import locked


def removable_paths(container: state.Container, volumes: bool) -> list[str]:
    """What `rm` deletes on the host: the container's directory, and with ``volumes`` (`rm -v`,
    `run --rm`) its anonymous volumes, as Docker does. Named volumes stay."""
    paths = [str(container.dir)]
    if volumes:
        for mount in container.spec.mounts:
            if mount.anonymous:
                paths.insert(0, os.path.dirname(mount.source))  # VOLUMES/NAME, not only its _data
    return paths


def send_signal(container: state.Container, number: int) -> None:
    running = protocol.read_record(container.dir / "running", Running)
    if running is None or not state.alive(running.container_pid, running.container_start):
        return  # not started yet, exited, or an --rm container that has just been removed
    try:
        os.kill(running.container_pid, number)
    except ProcessLookupError:
        pass


def wait_supervisor(container: state.Container, timeout: float | None) -> bool:
    """Wait until the supervisor exits (it has then recorded the exit and released the cgroup)."""
    running = protocol.read_record(container.dir / "running", Running)
    if running is None or not state.alive(running.supervisor_pid, running.supervisor_start):
        return True
    try:
        pidfd = os.pidfd_open(running.supervisor_pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(pidfd)


def stop(container: state.Container, timeout: float) -> None:
    """SIGTERM (or the image's STOPSIGNAL), then SIGKILL after ``timeout`` seconds."""
    import signal

    _end_restarts(container)
    if container.status != state.State.RUNNING:
        if container.spec.restart != "no":
            _wait_restart_decision(container, timeout)
        return
    from pyshell.contain.validation import signal_number

    send_signal(container, signal_number(container.spec.stop_signal or "SIGTERM"))
    if not wait_supervisor(container, timeout):
        send_signal(container, signal.SIGKILL)
        wait_supervisor(container, None)
    if container.spec.restart != "no":
        _wait_restart_decision(container, timeout)


def _wait_restart_decision(container: state.Container, timeout: float) -> None:
    """The restarter may be deciding to start an exited container again (its back-off, or a
    start under way): wait until it has ended, then stop what it may have started."""
    state.wait_pid_file(container.dir / "restarter")
    again = state.load(container.dir)
    # Only a new run is stopped again (it won't restart after that: the stop mark stays). The run
    # we stopped may still look running if its supervisor died before recording the exit: the
    # next command's reconcile says so; stopping it again would never end.
    if (again is not None and again.status == state.State.RUNNING
            and again.supervisor_pid != container.supervisor_pid and not wait_supervisor(again, 0)):
        stop(again, timeout)


def _end_restarts(container: state.Container) -> None:
    """The mark a supervisor reads before applying its restart policy: a stopped container
    stays stopped (as in Docker), until `contain start`."""
    if container.spec.restart != "no":
        (container.dir / "stopped").touch()


def kill(container: state.Container, number: int) -> None:
    state.require(container, "kill")
    _end_restarts(container)  # as in Docker, a container one kills is not restarted by its policy
    send_signal(container, number)
    if number == 9:
        wait_supervisor(container, None)
        if container.spec.restart != "no":
            _wait_restart_decision(container, 10)


def remove(home: Path, container: state.Container, force: bool, volumes: bool = False) -> None:
    """`rm [-f] [-v]`: a running container only with ``force`` (killed); anonymous volumes only
    with ``volumes``."""
    if container.status == state.State.RUNNING:
        if not force:
            raise ContainerError(f"cannot remove running container {container.name}: stop it first or use -f")
        _end_restarts(container)
        kill(container, 9)
    if container.spec.restart != "no":
        _end_restarts(container)
        _wait_restart_decision(container, 0)
    with locked(state.lock_path(home)):
        teardown.release_cgroup(cgroups.from_json(container.cgroup))
        # The config goes first: a removal cut short leaves a directory that the next command
        # knows for a leftover (state.reconcile), not a container.
        (container.dir / "config.json").unlink(missing_ok=True)
        for path in removable_paths(container, volumes):
            teardown.remove_tree(path)


def wait_for_exit(container: state.Container, poll: float = 0.02) -> None:
    while (current := state.load(container.dir)) is not None and current.status == state.State.RUNNING:
        time.sleep(poll)
