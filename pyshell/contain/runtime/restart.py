"""The restart policy of a detached container (`contain run -d --restart on-failure:3|always`).

A small daemon of its own (a fresh, bare Python, like the supervisor), started once by `run`:

    loop: wait for the supervisor to exit  ->  read the exit status  ->  restart or end

It can't be the supervisor's job: a PID namespace ends with its PID 1, and the supervisor,
which unshared it, can't fork another one (fork fails with ENOMEM). The restarter lives in the
host's namespaces, so it starts the container the way `contain start` does, with a new
supervisor. `contain stop` and `rm` leave a ``stopped`` mark first, and wait for this process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pyshell.contain.runtime import lifecycle, state, supervisor
from pyshell.statedir import atomic_write


def main(directory_text: str) -> None:
    directory = Path(directory_text)
    supervisor.ignore_terminal_signals()
    while True:
        container = state.load(directory)
        if container is None:
            break  # removed
        state.wait_pid_file(container.dir / "running")  # its first two words: the supervisor
        container = state.load(directory)
        if container is None or not _wants_restart(container):
            break
        try:
            lifecycle.start(directory.parents[1], container, foreground=False, restarting=True)
        except Exception:  # noqa: BLE001 - no terminal to report to: the container stays exited
            break
    os._exit(0)


def _wants_restart(container: state.Container) -> bool:
    """always, or on-failure[:N] after a non-zero status (at most N times); never once stopped."""
    name, _, most = container.spec.restart.partition(":")
    stopped = container.dir / "stopped"
    count = _read_count(container.dir / "restarts")
    if stopped.exists() or container.status == state.State.RUNNING or (name == "on-failure" and container.exit_code == 0):
        return False
    if most and count >= int(most):
        return False
    # Docker's back-off: 0.1 s, doubling, so a command that fails at once doesn't spin the CPU.
    time.sleep(min(0.1 * 2 ** count, 10.0))
    atomic_write(container.dir / "restarts", f"{count + 1}\n", durable=False)
    return not stopped.exists()  # `stop` may have come during the sleep


def _read_count(path: Path) -> int:
    try:
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0
