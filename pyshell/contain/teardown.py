"""Undoing a container: the same code for `rm`, `--rm`, a failed start and a crash.

Mounts need no undoing (they live in the container's mount namespace and vanish with its
last process); what outlives the container on the host is its cgroup and its directory.
Imports only ``os`` so the supervisor can use it without slowing its start.
"""

from __future__ import annotations

import os
import stat


def release_cgroup(cgroup) -> None:
    """Kill anything left in the container's cgroup and remove it (``cgroup`` may be None)."""
    if cgroup is not None:
        cgroup.remove()


def remove_tree(path: str) -> None:
    """rm -rf without following symlinks; makes read-only directories writable on the way
    (overlayfs leaves a mode-000 work/work, and containers chmod what they like)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    if info.st_mode & 0o700 != 0o700:
        os.chmod(path, 0o700)
    with os.scandir(path) as entries:
        children = [entry.path for entry in entries]
    for child in children:
        remove_tree(child)
    os.rmdir(path)
