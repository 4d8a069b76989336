"""Fixtures for real containers: a PYSH_HOME with a busybox image, for root and for an ordinary user.

Every container test ends by checking that nothing of its containers is left: no mount in
/proc/self/mountinfo, no pysh-* cgroup, no state directory, no process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from busybox_binary import static_busybox
from container_checks import in_host_network, leaves_nothing

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
NOBODY = 65534


def _can_make_containers() -> str | None:
    if os.geteuid() != 0:
        return "the container tests start as root (they also run containers as an ordinary user)"
    if not os.path.exists("/proc/self/ns/user"):
        return "kernel without namespaces"
    return None


@pytest.fixture(scope="session")
def shared_tmp() -> Path:
    """A directory the ordinary user can reach too (pytest's own tmp is private to root)."""
    reason = _can_make_containers()
    if reason:
        pytest.skip(reason)
    path = Path(tempfile.mkdtemp(prefix="pysh-contain-tests-"))
    os.chmod(path, 0o755)
    yield path
    from pyshell.contain.runtime.teardown import remove_tree

    remove_tree(str(path))


@pytest.fixture(scope="session")
def busybox_cache(shared_tmp) -> Path:
    """Where `bootstrap busybox` finds the static binary (fetched once per machine, then cached)."""
    cache = shared_tmp / "cache"
    cache.mkdir()
    (cache / "busybox-static").mkdir()
    shutil.copy2(static_busybox(), cache / "busybox-static" / "busybox")
    os.chmod(cache, 0o755)
    return cache


class Contain:
    """Runs `python -m pyshell.contain ...` as a given user with its own PYSH_HOME."""

    def __init__(self, home: Path, uid: int = 0, cache: Path | None = None):
        self.home = home
        self.uid = uid
        self.cache = cache

    @property
    def env(self) -> dict:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(self.home), "PYTHONPATH": str(ROOT),
               "HOME": str(self.home), "LANG": "C.UTF-8"}
        if self.cache:
            env["PYSH_CACHE"] = str(self.cache)
        return env

    def argv(self, *args: str) -> list[str]:
        command = [PYTHON, "-m", "pyshell.contain", *args]
        if self.uid:
            command = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", *command]
        return command

    def run(self, *args: str, input: str | None = None, timeout: float = 60, check: bool = False):
        done = subprocess.run(self.argv(*args), env=self.env, cwd=str(self.home), input=input, text=True,
                              capture_output=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"contain {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}")
        return done

    def out(self, *args: str, **kwargs) -> str:
        return self.run(*args, check=True, **kwargs).stdout

    def container_ids(self) -> list[str]:
        directory = self.home / "containers"
        return [p.name for p in directory.iterdir() if not p.name.startswith(".")] if directory.exists() else []


def _make_home(parent: Path, uid: int, cache: Path) -> Contain:
    home = parent / f"home{uid}"
    home.mkdir()
    os.chown(home, uid, uid)
    contain = Contain(home, uid, cache)
    with in_host_network():  # apt-get download busybox-static, the first time
        contain.out("bootstrap", "busybox", timeout=300)
    return contain


@pytest.fixture(scope="session")
def root_home(shared_tmp, busybox_cache) -> Contain:
    return _make_home(shared_tmp, 0, busybox_cache)


@pytest.fixture(scope="session")
def user_home(shared_tmp, busybox_cache, root_home) -> Contain:
    # root_home first: its bootstrap fills the shared cache the ordinary user reads.
    for directory, _, files in os.walk(busybox_cache):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o755)
    return _make_home(shared_tmp, NOBODY, busybox_cache)


@pytest.fixture(params=["root", "user"])
def contain(request) -> Contain:
    """Each test using this runs twice: as root, and rootless as `nobody`."""
    home = request.getfixturevalue("root_home" if request.param == "root" else "user_home")
    with leaves_nothing(home):
        yield home


@pytest.fixture
def root_contain(root_home) -> Contain:
    with leaves_nothing(root_home):
        yield root_home


@pytest.fixture
def open_tmp(shared_tmp, request) -> Path:
    """Like tmp_path, but reachable by the ordinary user running rootless containers."""
    path = Path(tempfile.mkdtemp(prefix="t-", dir=shared_tmp))
    os.chmod(path, 0o755)
    return path
