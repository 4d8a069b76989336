"""Where pysh keeps its state (images, containers, VMs), and how it writes it safely.

Root uses /var/lib/pysh, other users $XDG_DATA_HOME/pysh (~/.local/share/pysh);
PYSH_HOME overrides both (the tests point it at a temporary directory).

Imports only os and fcntl at the top: the container supervisor, a bare `python -I -S`
started for every detached container, writes its state files with atomic_write.
"""

from __future__ import annotations

import fcntl
import os


def pysh_home() -> Path:
    from pathlib import Path

    return Path(pysh_home_text())


def pysh_home_text() -> str:
    """pysh_home() as a str, without importing pathlib (~3 ms): for the quick paths."""
    if os.environ.get("PYSH_HOME"):
        return os.environ["PYSH_HOME"]
    if os.geteuid() == 0:
        return "/var/lib/pysh"
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(data_home, "pysh")


def atomic_write(path: str | os.PathLike, data: bytes | str, mode: int = 0o644, durable: bool = True) -> None:
    """Write a whole file or nothing: readers and a crash see the old version, never half a file.
    ``durable=False`` skips the fsync: for runtime state (a container's `running` and `exit`
    files), which a reboot makes stale anyway (state.reconcile fixes it), so it buys nothing."""
    path = os.fspath(path)
    directory, name = os.path.split(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        try:
            while data:
                data = data[os.write(fd, data):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def atomic_write_json(path: Path, value, mode: int = 0o644) -> None:
    import json

    atomic_write(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode(), mode)


def read_json(path: Path, default=None):
    import json

    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


class locked:
    """``with locked(lock_file):`` holds an exclusive flock on it, so that two pysh commands
    don't interleave their updates. (A class, not @contextmanager: no contextlib import.)"""

    def __init__(self, lock_file: Path):
        self.lock_file = lock_file
        self.fd = -1

    def __enter__(self) -> None:
        os.makedirs(os.path.dirname(os.fspath(self.lock_file)) or ".", exist_ok=True)
        self.fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self.fd)
            raise

    def __exit__(self, *exc_info) -> None:
        os.close(self.fd)  # closing releases the lock
