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
    (overlayfs leaves a mode-000 work/work, and containers chmod what they like).

    Rootless, a container running as another user (`-u nobody`) leaves files owned by our
    subordinate uids, which we may not touch on the host: they are removed from a child in a
    user namespace with the same mapping, where we are root over them (as `podman unshare rm`)."""
    try:
        _remove_tree(path)
    except PermissionError:
        if os.geteuid() == 0:
            raise
        _remove_in_user_namespace(path)


def _remove_in_user_namespace(path: str) -> None:
    from pyshell.contain.kernel import userns

    child = os.fork()
    if child == 0:
        status = 1
        try:
            userns.unshare_user_namespace()
            _remove_tree(path)
            status = 0
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(child, 0)
    if wait_status != 0:
        raise PermissionError(f"cannot remove {path}: files owned by other users")


def _remove_tree(path: str) -> None:
    """What is already gone is fine: another command's reconcile may be removing the same
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
        _remove_tree(child)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
