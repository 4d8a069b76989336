"""Real projects on real containers: a PYSH_HOME with a busybox image, and a runner of
`python -m pyshell.compose` in a project directory. Each test runs in a network namespace of
its own (the pytest process moves into it; every command it starts is there too), so bridges,
veths, rules and published ports never touch this machine's network.

After each test the project is taken down and nothing may be left: no container state,
no mount of it, no pysh cgroup that was not there before, no network of the project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from busybox_binary import static_busybox

ROOT = Path(__file__).resolve().parents[2]


def _reason_to_skip() -> str | None:
    if os.geteuid() != 0:
        return "the compose container tests run as root (unshare --net, containers)"
    try:
        import pyshell.contain.api  # noqa: F401
    except ImportError:
        return "pyshell.contain.api is not there yet (the layout branch has not landed)"
    if not shutil.which("unshare"):
        return "unshare (util-linux) is missing"
    return None


@pytest.fixture(scope="session")
def compose_home():
    reason = _reason_to_skip()
    if reason:
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="pysh-compose-tests-"))
    cache = home / "cache"
    (cache / "busybox-static").mkdir(parents=True)
    shutil.copy2(static_busybox(), cache / "busybox-static" / "busybox")
    env = dict(os.environ, PYSH_HOME=str(home / "state"), PYSH_CACHE=str(cache), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "pyshell.contain", "bootstrap", "busybox"], env=env, check=True,
                   capture_output=True, timeout=300)
    yield home
    shutil.rmtree(home, ignore_errors=True)


class Compose:
    """`compose ARGS` in one project directory, in a new network namespace (unshare --net)."""

    def __init__(self, home: Path, directory: Path):
        self.home = home
        self.directory = directory
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(home / "state"),
                    "PYTHONPATH": str(ROOT), "HOME": str(home), "LANG": "C.UTF-8"}

    def write(self, text: str, name: str = "compose.yaml") -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def argv(self, *args) -> list[str]:
        return [sys.executable, "-m", "pyshell.compose", *args]

    def run(self, *args, timeout: float = 60, env=None):
        return subprocess.run(self.argv(*args), cwd=self.directory, env={**self.env, **(env or {})},
                              text=True, capture_output=True, timeout=timeout)

    def ok(self, *args, **kwargs):
        done = self.run(*args, **kwargs)
        assert done.returncode == 0, f"compose {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}"
        return done

    def containers(self) -> list[str]:
        directory = self.home / "state" / "containers"
        return sorted(p.name for p in directory.iterdir() if not p.name.startswith(".")) \
            if directory.exists() else []


def _pysh_cgroups() -> set[str]:
    found = set()
    for directory, subdirs, _ in os.walk("/sys/fs/cgroup"):
        found |= {os.path.join(directory, d) for d in subdirs if d.startswith("pysh-")}
    return found


@pytest.fixture
def own_netns():
    """This test in a new network namespace with lo up; back to the original one after."""
    from pyshell.contain.kernel import syscalls

    original = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    syscalls.unshare(syscalls.CLONE_NEWNET)
    ours = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        yield
    finally:
        syscalls.setns(original, syscalls.CLONE_NEWNET)
        shutil.rmtree(f"/run/pysh/net-{os.fstat(ours).st_ino}", ignore_errors=True)  # its leases, DNS files
        os.close(ours)
        os.close(original)


def _project_networks(runner) -> list[str]:
    done = subprocess.run([sys.executable, "-c", "import json; from pyshell.contain import api; "
                           "print(json.dumps([[n.name, n.labels] for n in api.networks()]))"],
                          env=runner.env, capture_output=True, text=True)
    import json
    return [name for name, labels in json.loads(done.stdout or "[]")
            if (labels or {}).get("com.docker.compose.project") == "proj"]


@pytest.fixture
def compose(compose_home, tmp_path, own_netns):
    directory = tmp_path / "proj"
    directory.mkdir()
    runner = Compose(compose_home, directory)
    before, cgroups = set(runner.containers()), _pysh_cgroups()
    yield runner
    if (directory / "compose.yaml").exists():
        runner.run("down", "-v", "-t", "0", "--remove-orphans")
    left = set(runner.containers()) - before
    mountinfo = Path("/proc/self/mountinfo").read_text()
    assert not left, f"containers left behind: {left}"
    assert str(compose_home / "state" / "containers") not in mountinfo
    assert not {c for c in _pysh_cgroups() - cgroups if any(i[:12] in c for i in left)}
    assert not _project_networks(runner), "networks left behind"
