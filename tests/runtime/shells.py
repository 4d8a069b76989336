"""Running a snippet under pysh (either spawn carrier) and under bash, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CARRIERS = ("posix_spawn", "fork")


@dataclass(frozen=True)
class Ran:
    stdout: str
    stderr: str
    status: int


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LC_ALL": "C",
        "TIME_STYLE": "+%Y-%m",  # `ls -l` dates without minutes: two runs print the same
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra or {})
    return env


def run(argv: list[str], cwd=None, stdin: str = "", env: dict | None = None, timeout: float = 20) -> Ran:
    done = subprocess.run(argv, input=stdin.encode(), capture_output=True, cwd=cwd,
                          env=environment(env), timeout=timeout)
    return Ran(done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"), done.returncode)


def pysh(code: str, *args: str, carrier: str = "posix_spawn", cwd=None, stdin: str = "",
         env: dict | None = None, timeout: float = 20) -> Ran:
    extra = dict(env or {})
    if carrier == "fork":
        extra["PYSH_SPAWN"] = "fork"
    return run([sys.executable, "-m", "pyshell", "-c", code, *args], cwd=cwd, stdin=stdin,
               env=extra, timeout=timeout)


def bash(code: str, *args: str, cwd=None, stdin: str = "", env: dict | None = None) -> Ran:
    return run(["bash", "--posix", "-c", code, *args], cwd=cwd, stdin=stdin, env=env)
