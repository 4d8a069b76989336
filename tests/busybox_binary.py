"""The static busybox that every test image is made of, from the machine's test cache.

A fresh machine has none yet: the first test that asks fetches Debian's busybox-static into
/var/cache/pysh-test (or $PYSH_TEST_CACHE) with `contain bootstrap busybox`, from the machine's
network namespace (the session's has only lo), so which test runs first no longer decides
whether the others find it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from netns import in_host_network

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test"))
BINARY = CACHE / "busybox-static" / "busybox"


def static_busybox() -> Path:
    """The cached binary, fetched the first time (an AssertionError says why if it cannot be)."""
    if not BINARY.exists():
        with tempfile.TemporaryDirectory(prefix="pysh-busybox-") as home, in_host_network():
            env = dict(os.environ, PYSH_HOME=home, PYSH_CACHE=str(CACHE), PYTHONPATH=str(ROOT))
            done = subprocess.run([sys.executable, "-m", "pyshell.contain", "bootstrap", "busybox"], env=env,
                                  capture_output=True, text=True, timeout=300)
        assert BINARY.exists(), f"could not fetch busybox-static: {done.stderr.strip()[-400:]}"
    return BINARY
