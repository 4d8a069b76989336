"""The small os-level helpers every process of contain shares: the parent, the supervisor, PID 1.

Only ``os`` (and ``stat``, which os loads) is imported: the supervisor (a bare `python -I -S`) uses them at every start.
Atomic files are pyshell.statedir.atomic_write (``durable=False`` for runtime state).
"""

from __future__ import annotations

import os
import stat


def read_all(fd: int, close: bool = False) -> bytes:
    """Everything up to EOF (a pipe's writers all closed it); ``close`` closes ``fd`` after."""
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        if close:
            os.close(fd)
    return b"".join(chunks)


def read_line(fd: int) -> bytes:
    """One line, or what came before EOF: for a pipe on which more may follow the line."""
    data = b""
    while not data.endswith(b"\n") and (chunk := os.read(fd, 64)):
        data += chunk
    return data


def write_all(fd: int, data: bytes) -> None:
    """os.write until all of ``data`` is written (a pipe or a terminal takes it in pieces)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_file(path: str, text: str) -> None:
    """One write(2) of ``text`` to an existing file (a cgroup or /proc control file: one value
    per write, no truncation, no buffering)."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def exit_status(wait_status: int) -> int:
    """A wait status as a shell and Docker show it: the exit code, or 128 + the signal that
    killed the process (137 = SIGKILL, 143 = SIGTERM)."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def wait_exit_status(pid: int) -> int:
    """Reap our child ``pid``; its exit_status()."""
    return exit_status(os.waitpid(pid, 0)[1])


def close_fds_except(keep: set[int]) -> None:
    """Close every fd but ``keep`` (a child about to become something else must not hold ours)."""
    low = 0
    for fd in sorted(keep):
        if fd > low:
            os.closerange(low, fd)  # closes low .. fd-1
        low = fd + 1
    os.closerange(low, 65536)


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat: tells a live process from a later one that reused its pid."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            data = file.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rindex(")") + 2:].split()[19]


def alive(pid: int, start_time: str) -> bool:
    """The process that was recorded still runs (not a later one with its pid, not a zombie)."""
    if pid <= 0 or process_start_time(pid) != start_time:
        return False
    try:
        with open(f"/proc/{pid}/stat") as file:
            data = file.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return data[data.rindex(")") + 2] not in "ZX"


def now_iso() -> str:
    """The time as Docker writes it in inspect: 2024-05-01T12:00:00.123456Z."""
    import time

    seconds = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1e6):06d}Z"


def remove_tree(path: str) -> None:
    """rm -rf without following symlinks (runtime/teardown.py's, the network's directories), making
    read-only directories writable on the way, and without shutil's imports (bz2, lzma: ~1.5 ms).
    What is already gone is fine: another command's reconcile may be removing the same
    leftover directory (state._remove_leftover), or the supervisor its --rm container."""
    try:
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(path)
            return
        if info.st_mode & 0o700 != 0o700:
            os.chmod(path, 0o700)
        with os.scandir(path) as entries:
            children = [entry.path for entry in entries]
    except FileNotFoundError:
        return
    for child in children:
        remove_tree(child)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
