"""Which of the features the course's later sections need are there yet.

Each probe asks pysh itself (no import of a module that may move): it answers None when the
feature is there, else the reason a test skips. The course's sections 06-10 need port
publishing (-p, -P), networks on which a container is found by its name, and compose.
"""

from __future__ import annotations

import functools
import subprocess
import sys

from course_netns import in_new_netns
from course_support import PYSH, ROOT


def _contain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyshell.contain", *args], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(ROOT),
                                           "PYSH_HOME": "/nonexistent/pysh-course-probe"})


@functools.cache
def ports_missing() -> str | None:
    done = _contain("run", "--pull", "never", "-p", "1:1", "-P", "pysh-course-probe")
    if "unknown shorthand flag" in done.stderr:
        return f"contain run -p/-P (port publishing) has not landed: {done.stderr.strip()}"
    return None


@functools.cache
def networks_missing() -> str | None:
    done = _contain("network", "ls")
    if "unknown command" in done.stderr:
        return "contain networks (a container found by its name) have not landed: contain network ls is unknown"
    return None


@functools.cache
def compose_missing() -> str | None:
    done = subprocess.run([str(PYSH), "-c", "compose version"], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return f"compose has not landed: compose version -> {done.returncode} {done.stderr.strip()[:120]}"
    return None


def missing(*probes) -> str | None:
    """The first reason among ``probes`` (functions above), or None when all are there."""
    for probe in probes:
        reason = probe()
        if reason:
            return reason
    return None


_COMPOSE_NETWORKS: dict = {}


def compose_networks_missing(course) -> str | None:
    """Does `compose up` put services on the project's network (so `redis-cli -h myredis` finds
    myredis)? Asked once a session with a one-service busybox project, in a namespace of its own."""
    if "answer" not in _COMPOSE_NETWORKS:
        _COMPOSE_NETWORKS["answer"] = in_new_netns(_compose_network_probe, course)
    return _COMPOSE_NETWORKS["answer"]


def _compose_network_probe(course) -> str | None:
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="pysh-course-probe-") as scratch:
        project = Path(scratch) / "probe"
        project.mkdir()
        (project / "docker-compose.yml").write_text("services:\n  one:\n    image: busybox\n"
                                                    "    command: sleep 30\n")
        course.compose(project, "up", "-d")
        try:
            settings = json.loads(course.contain("inspect", "--format", "{{json .NetworkSettings.Networks}}",
                                                 "probe-one-1").stdout)
        finally:
            course.compose(project, "down", "-t", "0")
    if list(settings) in ([], ["none"]):
        return "compose does not put services on a network yet (they run with network none: no names)"
    return None
