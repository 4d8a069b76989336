"""Where pysh keeps its state (images, containers, VMs), and how it writes it safely.

Root uses /var/lib/pysh, other users $XDG_DATA_HOME/pysh (~/.local/share/pysh);
PYSH_HOME overrides both (the tests point it at a temporary directory).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path


def pysh_home() -> Path:
    if os.environ.get("PYSH_HOME"):
        return Path(os.environ["PYSH_HOME"])
    if os.geteuid() == 0:
        return Path("/var/lib/pysh")
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(data_home) / "pysh"


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a whole file or nothing: a crash leaves the old version, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def atomic_write_json(path: Path, value, mode: int = 0o644) -> None:
    atomic_write(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode(), mode)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


@contextlib.contextmanager
def locked(lock_file: Path):
    """Hold an exclusive flock on ``lock_file`` so two pysh commands don't interleave their updates."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
