"""`explain -n` against `explain` (the plan must be what then happens), golden diagrams
(pids and inodes normalized), and the builtin's bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyshell.explain import draw
from pyshell.explain.model import Explanation

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden")


def pysh(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    with open(tmp_path / "stdout", "w") as out, open(tmp_path / "stderr", "w") as err:
        return subprocess.run([sys.executable, "-m", "pyshell", "-c", code, "pysh", *args],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=tmp_path, timeout=30,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LC_ALL": "C"})


def explained(tmp_path: Path, line: str, *options: str) -> Explanation:
    model = tmp_path / "model.json"
    done = pysh(f'explain --ascii {" ".join(options)} --json "$1" "$2"', tmp_path, str(model), line)
    assert done.returncode == 0, (tmp_path / "stderr").read_text()
    return Explanation.from_dict(json.loads(model.read_text())[0])


def comparable_steps(explanation: Explanation) -> dict[int, list[str]]:
    """Each process's own calls, in its order (processes run side by side: only within one
    is the order fixed), with pids and inodes renumbered and the status left out."""
    calls: dict[int, list[str]] = {}
    for step in explanation.normalized().steps:
        text = re.sub(r"pipe:\[\d+\]", "pipe:[#]", step.text.split(", exit")[0])
        calls.setdefault(step.actor, []).append(text)
    # waitpid(-1) reaps the children in the order they end: compare which, not in what order
    return {actor: [call for call in texts if not call.startswith("waitpid")]
            + sorted(call for call in texts if call.startswith("waitpid")) for actor, texts in calls.items()}


PLANNED_LINES = [
    "ls > f 2>&1",
    "ls 2>&1 > f",
    "echo a | cat | wc -l",
    "echo hi > f; cat < f",
    "{ echo a; ls; } > f",
    "(cd /; ls) | cat",
    "exec 3>f; ls >&3",
    "cat <<EOF\nx\nEOF\n",
    "no-such-command; ls",
    "f() { ls; }; f > out",
]


@pytest.mark.parametrize("line", PLANNED_LINES)
def test_the_plan_is_what_happens(line, tmp_path):
    ran = explained(tmp_path, line)
    planned = explained(tmp_path, line, "-n")
    assert planned.planned and not ran.planned
    assert comparable_steps(planned) == comparable_steps(ran)


GOLDEN_LINES = {
    "pipeline": "ls / | wc -l > count",
    "file-then-dup": "ls / > out 2>&1",
    "dup-then-file": "ls / 2>&1 > out",
    "builtin": "echo hi > out",
}


@pytest.mark.parametrize("name", GOLDEN_LINES)
def test_golden_diagram(name, tmp_path):
    """The ASCII drawing of a normalized run; regenerate with PYSH_UPDATE_GOLDEN=1."""
    explanation = explained(tmp_path, GOLDEN_LINES[name]).normalized({str(tmp_path): "$TMP"})
    text = "\n".join(draw.render(explanation, draw.Style(ascii=True), 110)) + "\n"
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("PYSH_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()


def test_side_by_side(tmp_path):
    done = pysh("explain --ascii 'ls / > out 2>&1' --vs 'ls / 2>&1 > out'", tmp_path)
    assert done.returncode == 0
    lines = (tmp_path / "stdout").read_text().splitlines()
    titles = [line for line in lines if line.startswith("explain:")]
    assert len(titles) == 1 and " | explain: ls / 2>&1 > out" in titles[0]


@pytest.mark.parametrize("args,message", [
    ("", "a command line is needed"),
    ("--bogus ls", "--bogus: unknown option"),
    ("--svg", "--svg: needs a file name"),
    ("-n 'ls |'", "explain:"),
    ("--svg /nonexistent/dir/x.svg true", "/nonexistent/dir/x.svg: No such file or directory"),
])
def test_bad_input_is_one_line(args, message, tmp_path):
    done = pysh(f"explain {args}", tmp_path)
    err = (tmp_path / "stderr").read_text()
    assert done.returncode != 0
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_nothing_is_left_open_or_set(tmp_path):
    """After explain, the shell has the same fds as before and no recorder."""
    # the shell lists its own fds (a glob, expanded in the shell: `ls` would race with the
    # shell closing the fd of the redirection it was started with)
    done = pysh("echo /proc/$$/fd/* > before; explain 'ls | cat' > /dev/null; echo /proc/$$/fd/* > after",
                tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "before").read_text() == (tmp_path / "after").read_text()


def test_the_plan_follows_functions_the_line_defines(tmp_path):
    planned = explained(tmp_path, "f() { ls; f; }; f | cat", "-n")
    programs = sorted(p.argv[0] for p in planned.processes.values() if p.kind == "exec")
    assert programs == ["cat", "ls"]  # f is not a program; its recursive call is drawn once
    assert [s.text for s in planned.steps].count("calls function f") == 2
