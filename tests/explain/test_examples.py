"""The examples in examples/explain/ run under pysh and draw what the course says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "explain"


def run_example(name: str, tmp_path: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "pyshell", str(EXAMPLES / name)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8",
                               "TMPDIR": str(tmp_path), "COLUMNS": "140"})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def test_redirection_example(tmp_path):
    shown = run_example("redirection.pysh", tmp_path)
    assert "explain: ls -la > out.dat" in shown
    assert "dup2(" in shown and "fd 1 → out.dat" in shown
    # the look-alikes side by side: in the second, fd 2 got the old fd 1, before fd 1 moved
    [titles] = [line for line in shown.splitlines() if "explain: ls /nonexistent > out.dat 2>&1" in line]
    assert "│ explain: ls /nonexistent 2>&1 > out.dat" in titles
    assert "fd 2 → out.dat" in shown
    assert "a builtin: runs in the shell, no fork" in shown
    assert "explain -n (the plan: nothing ran): exec 3> log.txt" in shown
    assert not list(tmp_path.glob("tmp*")), "the example left its directory behind"


def test_pipe_example(tmp_path):
    shown = run_example("pipe.pysh", tmp_path)
    assert "Monde Le Tout Salut" in shown
    assert "explain: echo \"Salut Tout Le Monde \" | tac -s \" \"" in shown
    assert shown.count("pipe() → [") >= 1 + 2  # one pipe, then two for three stages
    assert "fd 2 → pipe:[1] write end" in shown  # |& in the plan: fd 2 into the pipe too
    assert (tmp_path / "pipe.svg").read_text().startswith("<svg")
