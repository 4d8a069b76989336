"""A running container's /etc/hosts and /etc/resolv.conf, changed after a live `network connect`
or `disconnect`, as Docker changes them.

/etc/hosts has one line per network the container is on, its address there and its hostname
(written at the start by runtime/setup.py, in the networks' order); a connect appends the new
network's line, a disconnect removes that line only. (Docker 20.10 removes every line of the
hostname on a disconnect, so the container loses its other addresses' lines too; later
versions remove the one line, as here.) Lines the container or --add-host put there stay.
/etc/resolv.conf: see resolv.py.

Both files are bind mounts of small tmpfs files (runtime/setup.py, step 7), so a change is
written into that same file (same inode), never by a rename, which would swap the directory
entry under the mount and leave the container reading the old file. They are reached through
/proc/PID/root; from there, each step is opened without following a symbolic link: the
container's files are its own, and a link in them must not lead this (host's) process to a
file of the host's. A change that cannot be made is skipped, never an error: the interfaces are
what matters, the files follow them, and the next start writes them anew.
"""

from __future__ import annotations

import os
import stat


def hosts_line(address: str, hostname: str) -> str:
    return f"{address}\t{hostname}\n"


def changed_lines(content: bytes, added=(), removed=()) -> bytes:
    """``content`` without the lines ``removed``, then with the lines ``added`` at its end (a
    line already there is not doubled)."""
    lines = content.decode(errors="surrogateescape").splitlines()
    gone = {line.rstrip("\n") for line in removed}
    kept = [line for line in lines if line not in gone]
    kept += [line.rstrip("\n") for line in added if line.rstrip("\n") not in kept]
    return "".join(f"{line}\n" for line in kept).encode(errors="surrogateescape")


def read(pid: int, name: str) -> bytes | None:
    """The running container's /etc/``name``; None if it cannot be read (see ``_open``)."""
    fd = _open(pid, name, os.O_RDONLY)
    if fd is None:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def rewrite(pid: int, name: str, new_content: bytes) -> bool:
    """Write ``new_content`` into the running container's /etc/``name``, in place. False if it
    could not be (``_open``), or the file is read-only."""
    fd = _open(pid, name, os.O_WRONLY)
    if fd is None:
        return False
    try:
        os.ftruncate(fd, 0)
        view = memoryview(new_content)
        while view:
            view = view[os.write(fd, view):]
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def edit(pid: int, name: str, change) -> bool:
    """/etc/``name`` becomes ``change(its content)``; nothing is written if that is the same."""
    old = read(pid, name)
    if old is None:
        return False
    new = change(old)
    return new == old or rewrite(pid, name, new)


def _open(pid: int, name: str, mode: int) -> int | None:
    """An fd of the regular file /etc/``name`` of PID ``pid``'s root, or None: PID 1 has exited
    meanwhile, its /etc has no such regular file of its own, or it may not be opened so."""
    root = etc = None
    try:
        root = os.open(f"/proc/{pid}/root", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        if _same_file(os.fstat(root), os.stat("/")):
            return None  # our own root: PID 1 is gone and a process of ours has its pid now
        etc = os.open("etc", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root)
        # O_NONBLOCK: a FIFO put there does not hang us (and is no regular file: left alone below).
        fd = os.open(name, mode | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=etc)
    except OSError:
        # ENOENT: PID 1 exited meanwhile (or no file); ENOTDIR: /etc is a symbolic link (O_PATH |
        # O_NOFOLLOW opened the link itself); ELOOP: the file is one; EROFS, EACCES: read-only.
        return None
    finally:
        for each in (root, etc):
            if each is not None:
                os.close(each)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _same_file(one: os.stat_result, other: os.stat_result) -> bool:
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)
