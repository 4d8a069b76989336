"""examples/contain/*.pysh run in pysh with a fresh PYSH_HOME; their output is checked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "contain"
PYSH = ROOT / ".venv" / "bin" / "pysh"

EXPECTED = {
    "first-container.pysh": re.compile(
        r"hello from a container\nI am PID 1 on demo\nCONTAINER ID +IMAGE +COMMAND .*\n"
        r"[0-9a-f]{12} +busybox +\"sleep 1000\" .* sleeper\nexec sees PID 1 = sleep\nstatus: 3\n"),
    "edit-an-image.pysh": re.compile(r"1\nprecious\ndone\n"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, shared_tmp, busybox_cache):
    if not PYSH.exists():
        pytest.skip("no .venv/bin/pysh (run ./pysh once to set it up)")
    home = shared_tmp / f"example-{name}"
    home.mkdir()
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYSH_HOME": str(home), "PYSH_CACHE": str(busybox_cache),
           "HOME": str(home)}
    done = subprocess.run([str(PYSH), str(EXAMPLES / name)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert EXPECTED[name].fullmatch(done.stdout), done.stdout
    assert not [p for p in (home / "containers").iterdir() if not p.name.startswith(".")]
