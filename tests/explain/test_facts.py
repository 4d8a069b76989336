"""`explain` over command lines from the course and beyond, checked against the processes.

Each line runs for real under `pysh -c 'explain --json FILE LINE'`. Most lines contain a
probe, ``readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2``: the program itself
reports its fds 0-2 after execve, into a file we read. So two independent readings meet:
the one the shell made from /proc/PID/fd while the child was held before execve, and the
one the program made of itself once running. Then the facts of the course must hold: the
read end in b's fd 0 is the pipe whose write end is a's fd 1; no program holds a pipe end
it does not use; the redirected file is the program's fd 1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyshell.explain.model import Explanation

ROOT = Path(__file__).resolve().parents[2]
PROBE = "readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2"


def explain(line: str, tmp_path: Path, *options: str) -> tuple[Explanation, subprocess.CompletedProcess]:
    """Run `explain --json` on ``line`` in ``tmp_path``; stdout and stderr go to files there."""
    model = tmp_path / "model.json"
    with open(tmp_path / "stdout", "w") as out, open(tmp_path / "stderr", "w") as err:
        done = subprocess.run([sys.executable, "-m", "pyshell", "-c", 'explain --ascii --json "$1" "$2"',
                               "pysh", str(model), line, *options],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=tmp_path, timeout=30,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LC_ALL": "C"})
    assert "Traceback" not in (tmp_path / "stderr").read_text()
    data = json.loads(model.read_text())
    return Explanation.from_dict(data[0]), done


def program(explained: Explanation, name: str, nth: int = 0):
    found = [p for p in explained.processes.values() if p.kind == "exec" and p.argv[0] == name]
    assert len(found) > nth, f"no {name} among {[p.argv for p in explained.processes.values()]}"
    return found[nth]


def fd(process, number: int) -> dict:
    for entry in process.fds:
        if entry["fd"] == number:
            return entry
    raise AssertionError(f"{process.argv} has no fd {number}: {process.fds}")


def probe_saw(path: Path) -> list[str]:
    return path.read_text().splitlines()


def check_probe(explained: Explanation, report: Path) -> None:
    """What readlink saw of itself once running == what the shell read before its execve."""
    probe = program(explained, "readlink")
    assert probe_saw(report) == [fd(probe, n)["target"] for n in (0, 1, 2)]


def pipes_made(explained: Explanation) -> list[int]:
    return [int(step.why.split("pipe:[")[1].split("]")[0]) for step in explained.steps
            if step.text.startswith("pipe()") and "pipe:[" in step.why]


def check_general(explained: Explanation) -> None:
    """Facts that hold for every line: each program holds the pipes of the line only as fds
    0, 1, 2 (or the fd a redirection named), never a stray end; every process was reaped."""
    made = set(pipes_made(explained))
    for process in explained.processes.values():
        for entry in process.fds:
            if entry["kind"] == "pipe" and entry["inode"] in made and not entry["cloexec"]:
                assert entry["fd"] <= 2, f"{process.label} holds a pipe end it does not use: {entry}"
        if process.kind == "exec":
            assert process.status is not None or process.failed, f"{process.label} was not reaped"
            # the only close-on-exec pipe a program is started with is the fork carrier's
            # exec-error pipe, whose read end the parent holds
            stray = [entry for entry in process.fds if entry["kind"] == "pipe" and entry["cloexec"]
                     and entry.get("role") != "exec-error pipe to the shell"]
            assert not stray, f"{process.label}: {stray}"


# ---------------------------------------------------------------- the table

def case_redirect_out(x, tmp):
    probe = program(x, "readlink")
    out = fd(probe, 1)
    assert out["target"] == str(tmp / "out") and out["kind"] == "file"
    assert out["flags"] & os.O_ACCMODE == os.O_WRONLY and not out["cloexec"]
    assert x.files[str(tmp / "out")]["flags"] & os.O_TRUNC
    check_probe(x, tmp / "out")


def case_append(x, tmp):
    probe = program(x, "readlink")
    assert fd(probe, 1)["flags"] & os.O_APPEND
    assert (tmp / "out").read_text().startswith("before\n")
    assert probe_saw(tmp / "out")[1:] == [fd(probe, n)["target"] for n in (0, 1, 2)]


def case_input(x, tmp):
    probe = program(x, "readlink")
    assert fd(probe, 0)["target"] == str(tmp / "in")
    assert fd(probe, 0)["flags"] & os.O_ACCMODE == os.O_RDONLY
    check_probe(x, tmp / "out")


def case_here_document(x, tmp):
    probe = program(x, "readlink")
    heredoc = [step for step in x.steps if step.text.startswith("pipe(); write")]
    assert len(heredoc) == 1
    assert f"pipe:[{fd(probe, 0)['inode']}]" in heredoc[0].why
    check_probe(x, tmp / "out")


def case_two_stages(x, tmp):
    probe, cat = program(x, "readlink"), program(x, "cat")
    [made] = pipes_made(x)
    assert fd(probe, 1)["inode"] == fd(cat, 0)["inode"] == made
    assert fd(probe, 1)["flags"] & os.O_ACCMODE == os.O_WRONLY
    assert fd(cat, 0)["flags"] & os.O_ACCMODE == os.O_RDONLY
    assert fd(cat, 1)["target"] == str(tmp / "out")
    assert x.pipes()[made] == {"write": [(probe.pid, 1)], "read": [(cat.pid, 0)]}
    check_probe(x, tmp / "out")
    # the shell closed both of its copies (one after each fork)
    closes = [step.text for step in x.steps if step.actor == x.shell_pid and step.text.startswith("close(")
              and f"pipe:[{made}]" in step.why]
    assert len(closes) == 2
    from pyshell.explain import draw

    drawn = "\n".join(draw.render(x, draw.Style(ascii=True), 200))
    assert re.search(rf"pipe:\[{made}\]  readlink \d+ fd 1  -->  cat \d+ fd 0   # pysh closed its copies", drawn)


def case_three_stages(x, tmp):
    first, probe, last = program(x, "cat", 0), program(x, "readlink"), program(x, "cat", 1)
    one, two = pipes_made(x)
    assert fd(first, 1)["inode"] == one and fd(probe, 0)["inode"] == one
    assert fd(probe, 1)["inode"] == two and fd(last, 0)["inode"] == two
    assert fd(first, 0)["target"] == str(tmp / "in")
    check_probe(x, tmp / "out")


def case_stderr_too(x, tmp):
    probe, cat = program(x, "readlink"), program(x, "cat")
    [made] = pipes_made(x)
    assert fd(probe, 1)["inode"] == fd(probe, 2)["inode"] == fd(cat, 0)["inode"] == made
    assert x.pipes()[made]["write"] == [(probe.pid, 1), (probe.pid, 2)]
    check_probe(x, tmp / "out")


def case_subshell(x, tmp):
    [subshell] = [p for p in x.processes.values() if p.kind == "subshell"]
    probe = program(x, "readlink")
    assert probe.parent == subshell.pid and subshell.parent == x.shell_pid
    assert fd(subshell, 1)["target"] == str(tmp / "out")
    check_probe(x, tmp / "out")


def case_brace_group(x, tmp):
    assert not [p for p in x.processes.values() if p.kind == "subshell"]  # { } does not fork
    probe = program(x, "readlink")
    assert probe.parent == x.shell_pid
    saved = [step for step in x.steps if "save fd 1" in step.why]
    moved = [step for step in x.steps if step.text.startswith("dup2(") and step.actor == x.shell_pid]
    assert saved and moved[0].why.startswith("fd 1 → out")
    assert moved[-1].why.endswith("put back")
    check_probe(x, tmp / "out")


def case_background(x, tmp):
    probe = program(x, "readlink")
    assert fd(probe, 0)["target"] == "/dev/null"  # POSIX: no job control, a background job reads /dev/null
    check_probe(x, tmp / "out")


def case_builtin(x, tmp):
    assert not x.processes
    [echo] = x.builtins
    assert echo["pid"] == x.shell_pid and echo["argv"] == ["echo", "hi"]
    [out] = [entry for entry in echo["fds"] if entry["fd"] == 1]
    assert out["target"] == str(tmp / "out")
    assert (tmp / "out").read_text() == "hi\n"


def case_exec_fd(x, tmp):
    probe = program(x, "readlink")
    three = fd(probe, 3)
    assert three["target"] == str(tmp / "three") and not three["cloexec"]
    assert (tmp / "out").read_text().strip() == str(tmp / "three")


def case_file_then_dup(x, tmp):
    probe = program(x, "readlink")
    assert fd(probe, 1)["target"] == fd(probe, 2)["target"] == str(tmp / "out")
    assert fd(probe, 1)["inode"] == fd(probe, 2)["inode"]
    check_probe(x, tmp / "out")


def case_dup_then_file(x, tmp):
    probe = program(x, "readlink")
    assert fd(probe, 1)["target"] == str(tmp / "out")
    assert fd(probe, 2)["target"] == str(tmp / "stdout")  # 2 got the old fd 1: the shell's stdout
    check_probe(x, tmp / "out")


def case_exec_fails(x, tmp):
    [child] = x.processes.values()
    assert child.failed and "EACCES" in child.failed
    assert any(step.text == "execve → -1 EACCES" and step.actor == child.pid for step in x.steps)


def case_not_found(x, tmp):
    assert not x.processes  # the search of $PATH comes first: nothing is forked
    assert [step.text for step in x.steps] == ["no-such-command: not found on $PATH → status 127", "true"]


def case_killed(x, tmp):
    sleeper = program(x, "sleep")
    assert os.WIFSIGNALED(sleeper.status) and os.WTERMSIG(sleeper.status) == 15
    assert any("killed by SIGTERM" in step.text for step in x.steps)


CASES = [
    ("redirect out", f"{PROBE} > out", case_redirect_out),
    ("append", f"echo before > out; {PROBE} >> out", case_append),
    ("input", f"echo data > in; {PROBE} < in > out", case_input),
    ("here-document", f"{PROBE} > out <<EOF\nhello\nEOF\n", case_here_document),
    ("two stages", f"{PROBE} | cat > out", case_two_stages),
    ("three stages", f"echo x > in; cat < in | {PROBE} | cat > out", case_three_stages),
    ("stderr too", f"{PROBE} |& cat > out", case_stderr_too),
    ("subshell", f"({PROBE}) > out", case_subshell),
    ("brace group", f"{{ {PROBE}; }} > out", case_brace_group),
    ("background", f"{PROBE} > out & wait", case_background),
    ("builtin", "echo hi > out", case_builtin),
    ("exec 3>f", "exec 3>three; readlink /proc/self/fd/3 > out", case_exec_fd),
    ("> f 2>&1", f"{PROBE} > out 2>&1", case_file_then_dup),
    ("2>&1 > f", f"{PROBE} 2>&1 > out", case_dup_then_file),
    ("exec fails", "echo > not-executable; ./not-executable; true", case_exec_fails),
    ("killed", "sleep 5 & kill $!; wait", case_killed),
    ("not found", "no-such-command; true", case_not_found),
]


@pytest.mark.parametrize("name,line,check", CASES, ids=[name for name, _, _ in CASES])
def test_facts_hold_against_proc(name, line, check, tmp_path):
    explained, done = explain(line, tmp_path)
    assert done.returncode == 0, (tmp_path / "stderr").read_text()
    check_general(explained)
    check(explained, tmp_path)
