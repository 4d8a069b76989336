"""Checks shared by the container tests: what must be gone once a container is removed."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cgroup_dirs(short_id: str) -> list[str]:
    found = []
    for directory, subdirs, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(directory, d) for d in subdirs if d == f"pysh-{short_id}"]
    return found


@contextlib.contextmanager
def leaves_nothing(home):
    """Around a test: afterwards, remove the containers it left (failing if there were any)
    and check that nothing of them stays on the host."""
    before = set(home.container_ids())
    yield home
    leftovers = set(home.container_ids()) - before
    for container_id in leftovers:
        home.run("rm", "-f", container_id)
    assert_nothing_left(home, leftovers)
    assert not leftovers, f"containers left behind: {leftovers}"


def assert_nothing_left(contain, container_ids) -> None:
    """After rm: no mount, no cgroup, no state directory of these containers on the host."""
    mountinfo = Path("/proc/self/mountinfo").read_text()
    for container_id in container_ids:
        assert container_id not in mountinfo
        assert not cgroup_dirs(container_id[:12]), cgroup_dirs(container_id[:12])
        assert not (contain.home / "containers" / container_id).exists()


def all_pysh_cgroups() -> set[str]:
    found = set()
    for directory, subdirs, _ in os.walk("/sys/fs/cgroup"):
        found |= {os.path.join(directory, d) for d in subdirs if d.startswith("pysh-")}
    return found


def own_pysh_cgroups() -> set[str]:
    """The pysh-* cgroups of containers started from this process's own cgroup. On a machine
    shared with others running containers too, theirs come and go meanwhile; ours nest under our
    memory cgroup (v1: runc's placement) or our own cgroup (v2), which theirs do not."""
    from pyshell.contain.kernel.cgroups import own_cgroups

    mine = own_cgroups()
    parents = [f"/sys/fs/cgroup/memory{mine.get('memory', '/')}".rstrip("/"),
               f"/sys/fs/cgroup{mine.get('', '/')}".rstrip("/")]
    if parents == ["/sys/fs/cgroup/memory", "/sys/fs/cgroup"]:
        return all_pysh_cgroups()  # we are at the top: nothing tells ours from others'
    names = {os.path.basename(path) for path in all_pysh_cgroups() if os.path.dirname(path) in parents}
    return {path for path in all_pysh_cgroups() if os.path.basename(path) in names}
# The machine's network namespace, as this process had it when the tests were collected (before
# conftest.py moved it into the test namespace); /proc/1/ns/net may not be ours to open.
HOST_NETNS = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


@contextlib.contextmanager
def in_host_network():
    """For a step that must reach this machine's network (Debian's mirror, for `build` with the
    host network): the pytest process goes back to init's network namespace meanwhile. Container
    tests otherwise run in a namespace of their own (conftest.py), where the default bridge
    network's bridge, veths and rules are made: never start such a container inside this."""
    from pyshell.contain.kernel import syscalls

    ours = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        syscalls.setns(HOST_NETNS, syscalls.CLONE_NEWNET)
        yield
    finally:
        syscalls.setns(ours, syscalls.CLONE_NEWNET)
        os.close(ours)
