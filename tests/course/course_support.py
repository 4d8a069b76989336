"""What the course's tests share: one PYSH_HOME with the course's images (made once a session by
conftest.py's `course` fixture), and the helpers that run contain, compose and pysh in it.

The images come from `contain bootstrap` with PYSH_CACHE=/var/cache/pysh-test (or
$PYSH_TEST_CACHE): the first session on a machine builds them from Debian packages
(a few minutes), later sessions load the cached archives (seconds each).

Everything that talks over a network runs in a network namespace of the test's own
(course_netns.py): the course's ports 8080 and 6379 are those of that namespace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "course"
PYSH = ROOT / ".venv" / "bin" / "pysh"
CACHE = Path(os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test"))
COURSE_IMAGES = ("busybox", "debian", "redis", "nginx", "php:apache", "python:3")


class Course:
    """A PYSH_HOME for the course: runs `contain ...` and pysh scripts in it."""

    def __init__(self, home: Path):
        self.home = home

    @property
    def env(self) -> dict:
        return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "PYSH_HOME": str(self.home), "PYSH_CACHE": str(CACHE), "PYTHONPATH": str(ROOT),
                "HOME": str(self.home), "LANG": "C.UTF-8", "TERM": "xterm"}

    def contain(self, *args: str, check: bool = True, timeout: float = 120, cwd=None,
                input: str | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "pyshell.contain", *args], env=self.env,
                              cwd=str(cwd or self.home), capture_output=True, text=True, timeout=timeout,
                              input=input)
        if check and done.returncode != 0:
            raise AssertionError(f"contain {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}")
        return done

    def pysh(self, script: Path, *args: str, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a pysh script as a student would: ./pysh script, from the script's folder."""
        return subprocess.run([str(PYSH), str(script), *args], env=self.env, cwd=str(cwd or script.parent),
                              capture_output=True, text=True, timeout=timeout)

    def compose(self, project: Path, *args: str, check: bool = True, timeout: float = 300):
        """`compose ARGS` from the project's folder, as a student types it."""
        done = subprocess.run([sys.executable, "-m", "pyshell.compose", *args], env=self.env, cwd=str(project),
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}")
        return done

    def containers(self) -> list[str]:
        directory = self.home / "containers"
        return sorted(p.name for p in directory.iterdir() if not p.name.startswith(".")) \
            if directory.exists() else []


def copy_example(section: str, into: Path) -> Path:
    target = into / section
    shutil.copytree(EXAMPLES / section, target)
    return target


def http_get(url: str, attempts: int = 100) -> str:
    """The page at ``url`` once the server answers (it may still be starting)."""
    import time
    import urllib.request

    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}")


def build(course: Course, tag: str, context) -> None:
    """contain build, from the host's network namespace: its RUN steps fetch Debian packages."""
    from course_netns import on_the_host

    with on_the_host():
        course.contain("build", "-q", "-t", tag, str(context), timeout=900)
