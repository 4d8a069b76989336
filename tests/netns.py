"""The test session's network namespace (made by tests/conftest.py) and the way back out of it.

Containers get the default bridge network, whose bridge, veths and nftables rules must never
touch this machine's own network: the whole pytest process, and so everything it starts, runs in
a network namespace of its own, with only `lo` up. A step that must reach Debian's mirror (a
bootstrap's apt-get download or mmdebstrap, a build's RUN apt-get) goes back to the machine's
namespace for that step only, with `in_host_network()`; never start a container inside it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

# The machine's network namespace, as this process had it when conftest.py imported this module
# (before the session moved into its own); /proc/1/ns/net may not be ours to open.
HOST_NETNS = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def enter_new_namespace() -> int:
    """Move this process into a new network namespace with lo up; returns an fd of it."""
    from pyshell.contain.kernel import syscalls

    syscalls.unshare(syscalls.CLONE_NEWNET)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    return os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def leave_namespace(ours: int) -> None:
    """Back to the machine's namespace; forget the session namespace's network records."""
    from pyshell.contain.kernel import syscalls

    key = f"net-{os.fstat(ours).st_ino}"
    syscalls.setns(HOST_NETNS, syscalls.CLONE_NEWNET)
    shutil.rmtree(f"/run/pysh/{key}", ignore_errors=True)  # its leases and network records
    os.close(ours)


@contextlib.contextmanager
def in_host_network():
    """For a step that must reach Debian's mirror: the pytest process is in the machine's
    network namespace meanwhile."""
    from pyshell.contain.kernel import syscalls

    ours = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        syscalls.setns(HOST_NETNS, syscalls.CLONE_NEWNET)
        yield
    finally:
        syscalls.setns(ours, syscalls.CLONE_NEWNET)
        os.close(ours)
