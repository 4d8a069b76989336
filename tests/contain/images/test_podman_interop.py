"""Our images are real OCI images: podman runs what pysh built, and pysh runs what podman built.

podman uses a private store under tmp_path (--root/--runroot), runc (crun refuses this
machine's hybrid cgroups) and ulimits within the machine's hard limits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import contain, needs_root

pytestmark = [needs_root, pytest.mark.skipif(shutil.which("podman") is None or shutil.which("runc") is None,
                                             reason="podman and runc are not installed")]
RUN_FLAGS = ["--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
             "--network", "none"]


@pytest.fixture
def podman():
    # A short path: podman's runroot holds unix sockets, whose paths must stay under 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="pysh-podman-"))
    base = ["podman", "--root", str(root / "root"), "--runroot", str(root / "runroot"),
            "--cgroup-manager", "cgroupfs", "--events-backend", "file"]

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], capture_output=True, text=True, check=check, timeout=180)

    yield run
    run("rmi", "-a", "-f", check=False)
    with open("/proc/self/mountinfo") as mounts:
        for line in mounts:
            point = line.split()[4]
            if point.startswith(str(root)):
                subprocess.run(["umount", "-l", point], check=False)
    shutil.rmtree(root, ignore_errors=True)


def test_podman_runs_our_image_and_we_run_podmans(tmp_path, home, busybox, podman, monkeypatch):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text('FROM busybox\nRUN echo made-by-pysh > /etc/made && rm /bin/vi\n'
                                        'CMD ["cat", "/etc/made"]\n')
    contain("build", "-t", "pyshimg", str(context), check=True)
    contain("save", "-o", str(tmp_path / "ours.tar"), "pyshimg", check=True)
    assert "Loaded image: docker.io/library/pyshimg:latest" in podman("load", "-i", str(tmp_path / "ours.tar")).stdout
    assert podman("run", "--rm", *RUN_FLAGS, "docker.io/library/pyshimg:latest").stdout == "made-by-pysh\n"
    seen = podman("run", "--rm", *RUN_FLAGS, "docker.io/library/pyshimg:latest", "sh", "-c",
                  "test -e /bin/vi || echo whiteout-respected", check=False)
    assert seen.stdout == "whiteout-respected\n", seen.stderr

    (context / "Containerfile").write_text("FROM docker.io/library/pyshimg:latest\n"
                                           "RUN echo made-by-podman > /etc/podman-made && rm /bin/cat\n"
                                           'CMD ["head", "/etc/podman-made", "/etc/made"]\n')
    podman("build", *RUN_FLAGS, "-t", "podimg", "-f", str(context / "Containerfile"), str(context))
    for form in ("oci-archive", "docker-archive"):
        archive = tmp_path / f"podman-{form}.tar"
        podman("save", "--format", form, "-o", str(archive), "podimg")
        monkeypatch.setenv("PYSH_HOME", str(tmp_path / f"home-{form}"))
        assert contain("load", "-i", str(archive), check=True).out == "Loaded image: localhost/podimg:latest\n"
        ran = subprocess.run([sys.executable, "-m", "pyshell.contain", "run", "--rm", "localhost/podimg"],
                             capture_output=True, text=True, timeout=60)
        assert ran.stdout == "==> /etc/podman-made <==\nmade-by-podman\n\n==> /etc/made <==\nmade-by-pysh\n", ran.stderr
        ran = subprocess.run([sys.executable, "-m", "pyshell.contain", "run", "--rm", "localhost/podimg",
                              "sh", "-c", "test -e /bin/cat || test -e /bin/vi || echo both-gone"],
                             capture_output=True, text=True, timeout=60)
        assert ran.stdout == "both-gone\n", ran.stderr
