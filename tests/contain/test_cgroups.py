"""The two cgroup backends on the real kernel: v1 controllers, and the cgroup2 tree where mounted."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest

from pyshell.contain.kernel import cgroups, freezer

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creating cgroups needs root")


def _sleeper():
    return subprocess.Popen(["sleep", "30"])


@needs_root
def test_v1_limits_membership_and_removal():
    if not os.path.isdir("/sys/fs/cgroup/memory") or os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        pytest.skip("no cgroup v1 memory hierarchy on this host")
    cgroup = cgroups.for_container(uuid.uuid4().hex)
    assert isinstance(cgroup, cgroups.CgroupV1)
    cgroup.create()
    process = _sleeper()
    try:
        cgroup.set_limits(64 * 1024 * 1024, 0.5, 20)
        cgroup.add(process.pid)
        assert cgroup.pids() == [process.pid]
        memory = next(p for p in cgroup.paths if "/memory/" in p)
        assert open(f"{memory}/memory.limit_in_bytes").read().strip() == str(64 * 1024 * 1024)
        pids = next(p for p in cgroup.paths if "/pids/" in p)
        assert open(f"{pids}/pids.max").read().strip() == "20"
    finally:
        cgroup.remove()  # kills what is left, then rmdir
        process.wait()
    assert not any(os.path.exists(p) for p in cgroup.paths)


@needs_root
def test_v2_tree_membership_and_removal():
    unified = "/sys/fs/cgroup/unified" if os.path.exists("/sys/fs/cgroup/unified/cgroup.procs") else "/sys/fs/cgroup"
    if not os.path.exists(f"{unified}/cgroup.procs") or not os.path.exists(f"{unified}/cgroup.controllers"):
        pytest.skip("no cgroup2 mount on this host")
    mine = cgroups.own_cgroups().get("", "/")
    cgroup = cgroups.CgroupV2((os.path.join(unified + mine, f"pysh-test-{uuid.uuid4().hex[:8]}"),))
    cgroup.create()
    process = _sleeper()
    try:
        cgroup.add(process.pid)
        assert cgroup.pids() == [process.pid]
        available = open(os.path.join(os.path.dirname(cgroup.paths[0]), "cgroup.controllers")).read().split()
        if "pids" in available:
            cgroup.set_limits(None, None, 20)
            assert open(f"{cgroup.paths[0]}/pids.max").read().strip() == "20"
    finally:
        cgroup.remove()
        process.wait()
    assert not os.path.exists(cgroup.paths[0])


@needs_root
def test_v2_limit_files():
    """memory.max, cpu.max and pids.max, for each controller the cgroup2 tree offers here
    (this course's machine mounts cgroup2 at /sys/fs/cgroup/unified with none: skipped)."""
    unified = "/sys/fs/cgroup/unified" if os.path.exists("/sys/fs/cgroup/unified/cgroup.procs") else "/sys/fs/cgroup"
    if not os.path.exists(f"{unified}/cgroup.controllers"):
        pytest.skip("no cgroup2 mount on this host")
    parent = unified + cgroups.own_cgroups().get("", "/")
    available = open(os.path.join(parent, "cgroup.controllers")).read().split()
    wanted = [name for name in ("memory", "cpu", "pids") if name in available]
    if not wanted:
        pytest.skip(f"the cgroup2 tree at {parent} offers no memory, cpu or pids controller")
    cgroup = cgroups.CgroupV2((os.path.join(parent, f"pysh-test-{uuid.uuid4().hex[:8]}"),))
    cgroup.create()  # delegates the controllers to its children (cgroup.subtree_control)
    try:
        cgroup.set_limits(64 * 1024 * 1024 if "memory" in wanted else None, 0.5 if "cpu" in wanted else None,
                          20 if "pids" in wanted else None)
        (path,) = cgroup.paths
        if "memory" in wanted:
            assert open(f"{path}/memory.max").read().strip() == str(64 * 1024 * 1024)
        if "cpu" in wanted:
            assert open(f"{path}/cpu.max").read().split() == ["50000", "100000"]
        if "pids" in wanted:
            assert open(f"{path}/pids.max").read().strip() == "20"
    finally:
        cgroup.remove()
    assert not os.path.exists(cgroup.paths[0])


def _forked_joiner(cgroup) -> tuple[int, int]:
    """A forked child that joins ``cgroup`` itself, then waits: (its pid, a pipe to release it)."""
    release_r, release_w = os.pipe()
    joined_r, joined_w = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            cgroup.join()
            os.write(joined_w, b"joined")
            os.read(release_r, 1)
            status = 0
        finally:
            os._exit(status)
    os.close(joined_w)
    assert os.read(joined_r, 6) == b"joined"
    os.close(joined_r)
    return child, release_w


@needs_root
@pytest.mark.parametrize("version", [1, 2])
def test_a_process_joins_a_cgroup_itself(version):
    """PID 1 and `contain exec` join their cgroup themselves (on v1 through `tasks`, the fast way)."""
    if version == 1:
        if not os.path.isdir("/sys/fs/cgroup/memory") or os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            pytest.skip("no cgroup v1 memory hierarchy on this host")
        cgroup = cgroups.for_container(uuid.uuid4().hex)
        assert cgroup.joins_itself_fast
    else:
        unified = "/sys/fs/cgroup/unified" if os.path.exists("/sys/fs/cgroup/unified/cgroup.procs") else "/sys/fs/cgroup"
        if not os.path.exists(f"{unified}/cgroup.controllers"):
            pytest.skip("no cgroup2 mount on this host")
        mine = cgroups.own_cgroups().get("", "/")
        cgroup = cgroups.CgroupV2((os.path.join(unified + mine, f"pysh-test-{uuid.uuid4().hex[:8]}"),))
        assert not cgroup.joins_itself_fast
    cgroup.create()
    child, release_w = None, None
    try:
        child, release_w = _forked_joiner(cgroup)
        assert cgroup.pids() == [child]  # in every hierarchy: pids() reads each one's cgroup.procs
        for path in cgroup.paths:
            with open(os.path.join(path, "cgroup.procs")) as file:
                assert file.read().split() == [str(child)]
        os.write(release_w, b"x")
        assert os.waitpid(child, 0)[1] == 0
        child = None
    finally:
        if child is not None:
            os.kill(child, 9)
            os.waitpid(child, 0)
        if release_w is not None:
            os.close(release_w)
        cgroup.remove()
    assert not any(os.path.exists(p) for p in cgroup.paths)


def _cpu_ticks(pid: int) -> int:
    data = open(f"/proc/{pid}/stat").read()
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@needs_root
def test_freezer_stops_a_pid_namespace_and_lets_it_go():
    """What `commit` does to a running container: its processes stop running, unaware, then go on."""
    if not freezer.available(None):
        pytest.skip("no cgroup v1 freezer hierarchy on this host")
    unshare = subprocess.Popen(["unshare", "--pid", "--fork", "sh", "-c", "while :; do :; done"])
    try:
        deadline = time.time() + 5
        while not (children := open(f"/proc/{unshare.pid}/task/{unshare.pid}/children").read().split()):
            assert time.time() < deadline
            time.sleep(0.01)
        spinner = int(children[0])  # PID 1 of the new namespace, spinning
        assert freezer.namespace_pids(spinner) == [spinner]
        with freezer.Frozen(spinner, None) as frozen:
            before = _cpu_ticks(spinner)
            time.sleep(0.3)
            assert _cpu_ticks(spinner) == before
            assert open(os.path.join(frozen.v1_dir, "freezer.state")).read().strip() == "FROZEN"
        before = _cpu_ticks(spinner)
        time.sleep(0.3)
        assert _cpu_ticks(spinner) > before
        assert not os.path.exists(frozen.v1_dir)
        own = cgroups.own_cgroups().get("freezer", "/")
        assert f":freezer:{own}\n" in open(f"/proc/{spinner}/cgroup").read()  # back where it was
    finally:
        for child in open(f"/proc/{unshare.pid}/task/{unshare.pid}/children").read().split():
            os.kill(int(child), 9)  # the namespace's PID 1: its namespace goes with it
        unshare.kill()
        unshare.wait()
