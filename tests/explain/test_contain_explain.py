"""`contain run --explain`: the setup steps, in the order they ran, each with the kernel's
answer — for a container run as root and one run rootless by an ordinary user."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534


@pytest.fixture(scope="module")
def homes():
    """PYSH_HOMEs with a busybox image: one for root, one for `nobody` (rootless)."""
    if os.geteuid() != 0 or not os.path.exists("/proc/self/ns/user"):
        pytest.skip("containers are started as root here (and rootless as nobody)")
    top = Path(tempfile.mkdtemp(prefix="pysh-explain-contain-"))
    os.chmod(top, 0o755)
    cache = top / "cache"
    for system_cache in (Path("/var/cache/pysh-test"), Path("/var/cache/pysh")):
        binary = system_cache / "busybox-static" / "busybox"
        if binary.exists():
            (cache / "busybox-static").mkdir(parents=True)
            shutil.copy2(binary, cache / "busybox-static" / "busybox")
            break
    cache.mkdir(exist_ok=True)
    made = {}
    for uid in (0, NOBODY):
        home = top / f"home{uid}"
        home.mkdir()
        os.chown(home, uid, uid)
        for directory, _, files in os.walk(cache):
            os.chmod(directory, 0o755)
            for name in files:
                os.chmod(os.path.join(directory, name), 0o755)
        made[uid] = home
        from netns import in_host_network

        with in_host_network():  # apt-get download busybox-static, the first time
            done = contain(home, uid, cache, "bootstrap", "busybox", timeout=300)
        assert done.returncode == 0, done.stderr
    yield made, cache
    from pyshell.contain.runtime.teardown import remove_tree

    remove_tree(str(top))


def contain(home: Path, uid: int, cache: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pyshell.contain", *args]
    if uid:
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(home), "PYTHONPATH": str(ROOT),
           "HOME": str(home), "LANG": "C.UTF-8", "PYSH_CACHE": str(cache)}
    return subprocess.run(command, env=env, cwd=str(home), capture_output=True, text=True, timeout=timeout)


def steps(stderr: str) -> list[tuple[str, str, str]]:
    """(who, what, result) of each step line: `  12.3 ms  PID 1       pivot_root  → ok`."""
    found = []
    for line in stderr.splitlines():
        matched = re.match(r"\s*[\d.]+ ms  (contain|supervisor|child|PID \d+)\s+(.*?)  → (.*)$", line)
        if matched:
            found.append(matched.groups())
    return found


def index(found, who: str, start: str) -> int:
    for number, (each_who, what, _) in enumerate(found):
        if each_who == who and what.startswith(start):
            return number
    raise AssertionError(f"no step {start!r} by {who}: {[what for _, what, _ in found]}")


@pytest.mark.parametrize("uid", [0, NOBODY], ids=["root", "rootless"])
def test_the_steps_come_in_kernel_order_with_their_results(homes, uid):
    made, cache = homes
    done = contain(made[uid], uid, cache, "run", "--rm", "--explain", "busybox", "echo", "from inside")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "from inside\n"  # the report goes to stderr, the command's output is untouched
    found = steps(done.stderr)
    assert all(result in ("ok", "the container runs") for _, _, result in found), found
    order = [index(found, "supervisor", "unshare(CLONE_NEWPID)"),
             index(found, "PID 1", "fork() by the supervisor"),
             index(found, "PID 1", "unshare(mount, UTS, IPC"),
             index(found, "PID 1", "mount overlay"),
             index(found, "PID 1", "mount /proc"),
             index(found, "PID 1", "pivot_root"),
             index(found, "PID 1", "umount2 the old root"),
             index(found, "PID 1", "unshare(CLONE_NEWCGROUP)"),
             index(found, "PID 1", "prctl(PR_CAPBSET_DROP)"),
             index(found, "PID 1", "prctl(PR_SET_NO_NEW_PRIVS)"),
             index(found, "PID 1", "setuid"),
             index(found, "PID 1", "execve('/bin/echo'")]
    assert order == sorted(order)
    assert found[-1][0] == "contain" and "status 0" in found[-1][1]
    text = done.stderr
    assert "mnt: the mount table" in text and "pid: process ids" in text  # the namespace table
    assert "mask /proc/keys" in text                                    # paths inside, not the host's
    if uid:
        index(found, "supervisor", "user namespace")
        assert re.search(r"uid_map 0 65534 1|uid_map 0 65534 1 1 \d+ \d+", text), text
    else:
        index(found, "contain", "cgroup v")


def test_a_refused_step_is_told_with_the_errno(homes):
    made, cache = homes
    done = contain(made[0], 0, cache, "run", "--rm", "--explain", "busybox", "no-such-command")
    assert done.returncode == 127
    found = steps(done.stderr)
    assert found[-1][0] == "PID 1" and found[-1][1] == 'execve "no-such-command"'
    assert found[-1][2].startswith("ENOENT")
    assert done.stderr.rstrip().endswith('exec "no-such-command": No such file or directory')


def test_without_explain_nothing_is_told(homes):
    made, cache = homes
    done = contain(made[0], 0, cache, "run", "--rm", "busybox", "true")
    assert done.returncode == 0 and done.stderr == ""


def test_the_container_example(homes):
    """examples/explain/container.pysh, run by pysh itself: the steps, then the command's output."""
    made, cache = homes
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(made[0]), "PYTHONPATH": str(ROOT),
           "HOME": str(made[0]), "LANG": "C.UTF-8", "PYSH_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-m", "pyshell", str(ROOT / "examples" / "explain" / "container.pysh")],
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    found = steps(done.stderr)
    cgroup = found[index(found, "contain", "cgroup v")]
    assert cgroup[2] == "ok"
    assert "limits: memory 64 MiB, pids 50" in done.stderr
    index(found, "PID 1", "sethostname")
    assert len(done.stdout.strip()) > 0  # the container's hostname, printed by PID 1


def test_exec_explain_tells_the_setns_into_each_namespace(homes):
    made, cache = homes
    home = made[0]
    name = "explain-exec-test"
    started = contain(home, 0, cache, "run", "-d", "--name", name, "busybox", "sleep", "60")
    assert started.returncode == 0, started.stderr
    try:
        done = contain(home, 0, cache, "exec", "--explain", name, "cat", "/proc/self/stat")
        assert done.returncode == 0, done.stderr
        found = steps(done.stderr)
        joined = [what.split()[1] for who, what, result in found if what.startswith("setns ") and result == "ok"]
        assert joined == ["ipc", "uts", "net", "cgroup", "pid", "mnt"]
        assert all(who == "child" for who, what, _ in found if what.startswith("setns "))
        # the command runs in a fork after setns(pid): its pid inside, which it reads itself
        inner_pid = done.stdout.split()[0]
        execve = found[index(found, f"PID {inner_pid}", "execve('/bin/cat'")]
        assert execve[2] == "the command runs"
        assert index(found, f"PID {inner_pid}", "fork() by the child") < found.index(execve)
        assert found[-1][0] == "contain" and "status 0" in found[-1][1]
    finally:
        contain(home, 0, cache, "rm", "-f", name)
