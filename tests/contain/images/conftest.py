"""Fixtures for the image store tests: a fresh PYSH_HOME per test, a shared download cache.

Bootstrap downloads (busybox-static .deb, the mmdebstrap tarball) live in
/var/cache/pysh-test (or $PYSH_TEST_CACHE), so only the first run pays for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test" if os.geteuid() == 0
                            else os.path.expanduser("~/.cache/pysh-test")))

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (overlay mounts, chown, mknod)")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "pysh-home"
    monkeypatch.setenv("PYSH_HOME", str(home))
    monkeypatch.setenv("PYSH_CACHE", str(CACHE))
    return home


@pytest.fixture
def store(home):
    from pyshell.contain.image.store import ImageStore

    return ImageStore(home)


@pytest.fixture
def busybox(store):
    from pyshell.contain.image.bootstrap import bootstrap

    from netns import in_host_network

    with in_host_network():  # apt-get download busybox-static, the first time
        return bootstrap(store, "busybox")


def contain(*args: str, input: bytes | None = None, check: bool = False, cwd=None) -> subprocess.CompletedProcess:
    """Run an image subcommand in a fresh interpreter, as a user would (env: PYSH_HOME...)."""
    done = subprocess.run([sys.executable, "-m", "pyshell.contain", *args], input=input,
                          capture_output=True, cwd=cwd, timeout=600)
    done.out = done.stdout.decode()
    done.err = done.stderr.decode()
    if check and done.returncode != 0:
        raise AssertionError(f"contain {' '.join(args)} failed ({done.returncode}): {done.err}")
    return done
