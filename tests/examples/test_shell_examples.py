"""Every shell example in examples/ runs under pysh exactly as under bash --posix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHELL_EXAMPLES = sorted(EXAMPLES.glob("*.pysh"))


def run(argv: list[str]) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "HOME": "/tmp"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("script", SHELL_EXAMPLES, ids=lambda path: path.name)
def test_example_matches_bash(script):
    pysh = run([sys.executable, "-m", "pyshell", str(script)])
    bash = run(["bash", "--posix", str(script)])
    assert pysh.stderr == "" and bash.stderr == ""
    assert (pysh.stdout, pysh.returncode) == (bash.stdout, bash.returncode)
    assert pysh.stdout.strip(), "an example that prints nothing proves nothing"


def test_examples_exist():
    assert {"redirection.pysh", "pipe.pysh", "scripting.pysh"} <= {path.name for path in SHELL_EXAMPLES}
