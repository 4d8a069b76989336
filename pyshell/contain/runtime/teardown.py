"""Undoing a container: the same code for `rm`, `--rm`, a failed start and a crash.

Mounts need no undoing (they live in the container's mount namespace and vanish with its
last process); what outlives the container on the host is its cgroup and its directory.
Imports only ``os`` and kernel/osio.py so the supervisor can use it without slowing its start.
"""

from __future__ import annotations

import os

from pyshell.contain.kernel import osio


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
        osio.remove_tree(path)
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
            osio.remove_tree(path)
            status = 0
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(child, 0)
    if wait_status != 0:
        raise PermissionError(f"cannot remove {path}: files owned by other users")
