"""Network namespaces of the course's tests, so that their bridges, ports and requests never
touch the machine's own network.

* The whole of tests/course runs in one namespace (conftest.py's `course_netns`, entered by
  each module): `contain run` puts containers on a bridge, and that bridge is made there.
* `on_the_host()` steps back to the host's namespace for what must fetch Debian packages
  (bootstraps and builds: apt to Debian's mirror, nothing else), then returns.
* `in_new_netns(function, arg...)` runs one scenario in a namespace of its own again (the
  course's fixed ports 8080, 6379, 5000 are free there, whatever else runs):

forks; the child unshares CLONE_NEWNET, brings its loopback up, calls the function and
sends back its result (pickled) or its traceback; the parent re-raises a failure as an
AssertionError carrying the child's traceback. Everything the function starts inside must
be gone when it returns (the namespace dies with the child).

A whole script can do the same with `unshare --net` (see shell_in_new_netns).
"""

from __future__ import annotations

import ctypes
import os
import pickle
import subprocess
import sys
import traceback

CLONE_NEWNET = 0x40000000


def in_new_netns(function, *args, **kwargs):
    reader, writer = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        os.close(reader)
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            payload = pickle.dumps(("ok", function(*args, **kwargs)))
        except BaseException:  # noqa: BLE001 — everything goes back to the parent
            payload = pickle.dumps(("failed", traceback.format_exc()))
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    if not data:
        raise AssertionError("the test's child in its own network namespace died without a word")
    kind, value = pickle.loads(data)
    if kind == "failed":
        raise AssertionError(f"in the test's own network namespace:\n{value}")
    return value


def shell_in_new_netns(command: list[str]) -> list[str]:
    """``command`` wrapped to run in a new network namespace with its loopback up."""
    return ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]


class HostNamespace:
    """The host's network namespace, kept open while the tests are elsewhere."""

    fd: int | None = None


def setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns(CLONE_NEWNET)")


def make_netns() -> tuple[int, int]:
    """A new namespace with lo up: (fd of the host's, fd of the new one); we stay on the host."""
    host = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    ours = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    finally:
        setns(host)
    HostNamespace.fd = host
    return host, ours


# Back in the machine's own namespace for a while (apt to Debian's mirror during a build): the
# session itself runs in a namespace of its own (tests/netns.py), so the way out is the one there.
from netns import in_host_network as on_the_host  # noqa: E402,F401
