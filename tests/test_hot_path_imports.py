"""The hot paths leave out what they do not use: `pysh -c`, `contain run`, and a cache hit's
`compose up` and `down` (issues 11 and 12). Each case runs (or imports the modules of) a path in a
fresh Python, and checks that none of the costly modules it has no use for came along."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules_after(code: str) -> set[str]:
    """sys.modules of a fresh Python once it ran ``code``."""
    result = subprocess.run([sys.executable, "-c", f"import os, sys\n{code}\nprint('\\n'.join(sys.modules))"],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    return set(result.stdout.split())


def imports(*names: str) -> str:
    return "".join(f"import {name}\n" for name in names)


CASES = {
    # What a cache hit's up and down load: normalizing (and its shlex) is for a cache miss,
    # the config hash takes the C sha256 (not OpenSSL's, ~2 ms to load).
    "compose up, down": (imports("pyshell.compose.cli", "pyshell.compose.cache", "pyshell.compose.engine",
                                 "pyshell.compose.specs", "pyshell.contain.api"),
                         ("pyshell.compose.normalize", "pyshell.compose.load", "yaml", "shlex", "_hashlib")),
    # stop, kill, rm: none of what a start hands to the supervisor and PID 1 (seccomp, ctypes);
    # a network's directory (down removes it) goes without shutil, which imports bz2 and lzma.
    "contain stop, rm": (imports("pyshell.contain.runtime.stopping", "pyshell.contain.network.store")
                         + "os.makedirs('{tmp}/net/leases')\n"
                         + "pyshell.contain.network.ipam.remove_directory('{tmp}/net')\n"
                         + "assert not os.path.exists('{tmp}/net')\n",
                         ("pyshell.contain.runtime.lifecycle", "ctypes", "shutil")),
    # contain run: no typing, and no shutil for the directories of a namespace's networks.
    "contain run": (imports("pyshell.contain.cli.entry", "pyshell.contain.image.first_use",
                            "pyshell.contain.runtime.lifecycle", "pyshell.contain.network.ipam"),
                    ("typing", "shutil", "hashlib")),
    # pysh -c: the tree printer only when something prints a tree; builtins load without importlib;
    # pyroute2 is the tests' own (tests/contain/test_netlink.py), never pysh's.
    "pysh -c": ("from pyshell.__main__ import main\nmain(['-c', 'true'])",
                ("pyshell.syntax.printer", "importlib", "typing", "pyroute2")),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hot_path_does_not_import_what_it_does_not_use(case, tmp_path):
    code, unwanted = CASES[case]
    assert sorted(modules_after(code.replace("{tmp}", str(tmp_path))) & set(unwanted)) == []
