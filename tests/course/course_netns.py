"""Network namespaces of the course's scenarios. The whole test session already runs in a
namespace of its own (tests/netns.py; `in_host_network()` there is the way back out, for apt
only). On top of that, a scenario with the course's fixed ports (8080, 6379, 5000) runs in a
namespace of its own again, so they are free whatever else runs:

    result = in_new_netns(function, arg...)

forks; the child unshares CLONE_NEWNET, brings its loopback up, calls the function and
sends back its result (pickled) or its traceback; the parent re-raises a failure as an
AssertionError carrying the child's traceback. Everything the function starts inside must
be gone when it returns (the namespace dies with the child).

A whole script can do the same with `unshare --net` (see shell_in_new_netns).
"""

from __future__ import annotations

import ctypes
import subprocess

from forked import in_child

CLONE_NEWNET = 0x40000000


def _in_netns(function, args, kwargs):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    return function(*args, **kwargs)


def in_new_netns(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in a forked child in a new network namespace, lo up."""
    return in_child(_in_netns, function, args, kwargs, where="the test's own network namespace")


def shell_in_new_netns(command: list[str]) -> list[str]:
    """``command`` wrapped to run in a new network namespace with its loopback up."""
    return ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
