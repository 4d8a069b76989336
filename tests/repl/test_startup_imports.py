"""Scripts and `pysh -c` never pay for the REPL: prompt_toolkit and Pygments stay unimported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REPL_ONLY = ("prompt_toolkit", "pygments", "pyshell.repl")


def imported_modules(*pysh_args: str, stdin=subprocess.DEVNULL) -> set[str]:
    """Every module ``python -m pyshell ARGS`` imported, from -X importtime's report."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "pyshell", *pysh_args],
                            capture_output=True, text=True, timeout=60, stdin=stdin,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "pyshell" in names  # the report was read
    return names


@pytest.mark.parametrize("args", [("-c", "true"), ("-c", "echo hi | cat")])
def test_dash_c_does_not_import_the_repl(args):
    names = imported_modules(*args)
    leaked = sorted(name for name in names if name.split(".")[0] in REPL_ONLY[:2] or name.startswith(REPL_ONLY[2]))
    assert leaked == []


def test_a_script_does_not_import_the_repl(tmp_path):
    script = tmp_path / "demo.pysh"
    script.write_text('for w in a b; do echo "$w"; done\n')
    names = imported_modules(str(script))
    assert not any(name.split(".")[0] in ("prompt_toolkit", "pygments") for name in names)


def test_stdin_that_is_not_a_terminal_does_not_import_the_repl(tmp_path):
    commands = tmp_path / "commands"
    commands.write_text("echo from-stdin\n")
    with open(commands) as stdin:
        names = imported_modules(stdin=stdin)
    assert not any(name.split(".")[0] in ("prompt_toolkit", "pygments") for name in names)
