"""A container's /etc/resolv.conf: which name servers it names, at its start and after a live
`network connect` or `disconnect`.

One rule (Docker's): the servers of --dns if given; else the name server of the container's
first network that has one (dns.py's, on that network's gateway: it answers for all of the
container's networks); else the host's own file, as on Docker's default bridge. The host's
``search``, ``options`` and ``domain`` lines are kept under servers of our own.

A running container's file is a bind mount of a small tmpfs file (runtime/setup.py, step 7),
so a change is written into that same file (same inode), never by a rename, which would swap
the directory entry under the mount and leave the container reading the old file. It is
reached through /proc/PID/root; from there, each step is opened without following a symbolic
link: the container's files are its own, and a link in them must not lead this (host's)
process to a file of the host's.
"""

from __future__ import annotations

import os
import stat

KEPT_KEYWORDS = ("search", "options", "domain")


def content(host_file: bytes, servers) -> bytes:
    """The file for these ``servers`` ([] or () keeps the host's file as it is)."""
    if not servers:
        return host_file
    kept = [line for line in host_file.decode(errors="replace").splitlines() if line.split()[:1] and
            line.split()[0] in KEPT_KEYWORDS]
    return ("".join(f"nameserver {server}\n" for server in servers) + "".join(f"{line}\n" for line in kept)).encode()


def host_file() -> bytes:
    try:
        with open("/etc/resolv.conf", "rb") as file:
            return file.read()
    except OSError:
        return b""


def servers_of_networks(networks: dict) -> list[str]:
    """The name server from network.json's networks (in their order: eth0's first): the gateway
    of the first one that has a server."""
    return [entry["Gateway"] for entry in networks.values() if entry.get("DNS")][:1]


def rewrite(pid: int, new_content: bytes) -> bool:
    """Write ``new_content`` into the running container's /etc/resolv.conf, in place.
    False if it could not be: PID 1 has exited meanwhile (its next start writes the file anew),
    its /etc has no regular resolv.conf of its own, or it is read-only. The connect or disconnect
    that asked stands either way: the interfaces are what matters, the file follows them."""
    root = etc = None
    try:
        root = os.open(f"/proc/{pid}/root", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        if _same_file(os.fstat(root), os.stat("/")):
            return False  # our own root: PID 1 is gone and a process of ours has its pid now
        etc = os.open("etc", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root)
        # O_NONBLOCK: a FIFO put there does not hang us (and is no regular file: left alone below).
        file = os.open("resolv.conf", os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=etc)
    except OSError:
        # ENOENT: PID 1 exited meanwhile (or no file); ENOTDIR: /etc is a symbolic link (O_PATH |
        # O_NOFOLLOW opened the link itself); ELOOP: resolv.conf is one; EROFS, EACCES: read-only.
        return False
    finally:
        for fd in (root, etc):
            if fd is not None:
                os.close(fd)
    try:
        if not stat.S_ISREG(os.fstat(file).st_mode):
            return False
        os.ftruncate(file, 0)
        view = memoryview(new_content)
        while view:
            view = view[os.write(file, view):]
        return True
    except OSError:
        return False
    finally:
        os.close(file)


def _same_file(one: os.stat_result, other: os.stat_result) -> bool:
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)
