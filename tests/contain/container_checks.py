"""Checks shared by the container tests: what must be gone once a container is removed."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from netns import in_host_network  # noqa: F401 - for the tests that reach the mirror


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
