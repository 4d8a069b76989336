"""pysh's command line against bash's: the same arguments, the same output and status.

Each row is an argument list given to both shells (stdin holds a small script, for the
forms that read it); stdout and the exit status must agree, and stderr must be empty for
both or for neither.
"""

from __future__ import annotations

import shutil
import sys

import pytest

from .shells import run

STDIN = 'echo "stdin: $- $# $*"\n'

INVOCATIONS = [
    ["-c", "echo $- $0 $1", "x", "y"],
    ["-s", "a", "b"],
    ["-"],
    ["-", "a"],
    ["-s", "--", "-x"],
    ["-O", "extglob", "-c", "shopt extglob"],
    ["+O", "extquote", "-c", "shopt extquote"],
    ["-O", "nullglob", "-c", "echo x *.nothing y"],
    ["-l", "-c", "shopt login_shell"],
    ["--login", "-c", "shopt -q login_shell && echo login"],
    ["-o", "pipefail", "-c", "set -o | grep pipefail"],
    ["+o", "hashall", "-c", "echo $-"],
    ["-eu", "-c", "echo $-"],
    ["-e", "-c", "false; echo not-reached"],
    ["-u", "-c", "echo $nosuch; echo not-reached"],
    ["-x", "-c", "true"],
    ["-f", "-c", "echo /*"],
    ["-C", "-c", "echo $-"],
    ["-a", "-c", "v=1; env | grep -c '^v=1$'"],
    ["-n", "-c", "echo not-run"],
    ["-c"],
    ["-o", "nosuchoption", "-c", "true"],
    ["--bogus-option"],
    ["-c", "exit 3"],
    ["-c", "echo $0", "--"],
]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("args", INVOCATIONS, ids=[" ".join(args) for args in INVOCATIONS])
def test_invocation_matches_bash(args):
    bash = run(["bash", *args], stdin=STDIN)
    pysh = run([sys.executable, "-m", "pyshell", *args], stdin=STDIN)
    assert (pysh.stdout, pysh.status) == (bash.stdout, bash.status)
    assert bool(pysh.stderr) == bool(bash.stderr), (pysh.stderr, bash.stderr)
    assert "Traceback" not in pysh.stderr
