"""Pull on first use, as Docker: `contain run IMAGE` pulls an image it does not have.

A real registry (Debian's docker-registry) serves busybox on 127.0.0.1:5000 of the test's
own network namespace; a fresh PYSH_HOME runs it. With no registry reachable at all (no DNS,
no route: the same namespace), the error is one line saying how to make the image here.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from course_support import Course
from course_netns import in_new_netns

REGISTRY = shutil.which("docker-registry")
IMAGE = "127.0.0.1:5000/course/busybox"


def serve_registry(directory: Path) -> subprocess.Popen:
    config = directory / "config.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                      f"    rootdirectory: {directory / 'data'}\nhttp:\n  addr: 127.0.0.1:5000\n")
    process = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen("http://127.0.0.1:5000/v2/", timeout=1)
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("docker-registry did not start")


def first_use_scenario(course: Course) -> dict:
    with tempfile.TemporaryDirectory(prefix="pysh-course-pull-") as scratch:
        registry = serve_registry(Path(scratch))
        try:
            course.contain("tag", "busybox", IMAGE)
            course.contain("push", IMAGE)
            fresh = Course(Path(scratch) / "fresh-home")
            fresh.home.mkdir()
            seen = {"never": fresh.contain("run", "--rm", "--pull", "never", IMAGE, "echo", "hi", check=False),
                    "first": fresh.contain("run", "--rm", IMAGE, "echo", "pulled"),
                    "second": fresh.contain("run", "--rm", IMAGE, "echo", "again"),
                    "always": fresh.contain("run", "--rm", "--pull=always", IMAGE, "echo", "always")}
            registry.terminate()
            registry.wait(timeout=10)
            seen["gone"] = fresh.contain("run", "--rm", "--pull", "always", IMAGE, "true", check=False)
            return {key: (done.returncode, done.stdout, done.stderr) for key, done in seen.items()}
        finally:
            registry.kill()
            registry.wait()
            course.contain("rmi", IMAGE, check=False)


@pytest.mark.skipif(REGISTRY is None, reason="docker-registry is not installed")
def test_run_pulls_an_image_it_does_not_have(course):
    seen = in_new_netns(first_use_scenario, course)
    assert seen["never"] == (125, "", f"pysh: contain run: No such image: {IMAGE}:latest (and --pull never)\n")
    status, stdout, stderr = seen["first"]
    assert (status, stdout) == (0, "pulled\n")
    assert stderr.startswith(f"Unable to find image '{IMAGE}:latest' locally\nlatest: Pulling from course/busybox\n")
    assert stderr.endswith(f"Status: Downloaded newer image for {IMAGE}:latest\n")
    assert seen["second"] == (0, "again\n", "")  # found in the store: no pull
    status, stdout, stderr = seen["always"]
    assert (status, stdout) == (0, "always\n") and "Pulling from course/busybox" in stderr
    assert "Unable to find image" not in stderr
    status, _, stderr = seen["gone"]
    assert status == 125 and stderr.splitlines()[-1].startswith(
        f"pysh: contain run: cannot pull {IMAGE}:latest: cannot reach registry 127.0.0.1:5000")


def offline_scenario(course: Course) -> list[tuple[int, str]]:
    with tempfile.TemporaryDirectory(prefix="pysh-course-offline-") as scratch:
        fresh = Course(Path(scratch))
        (Path(scratch) / "Dockerfile").write_text("FROM php:7.4.15-apache\nRUN true\n")
        runs = [fresh.contain("run", "--rm", name, check=False) for name in ("redis", "python:3", "ubuntu")]
        runs.append(fresh.contain("build", "-t", "x", scratch, check=False))
        return [(done.returncode, done.stderr) for done in runs]


def test_offline_the_error_says_how_to_bootstrap(course):
    redis, python, ubuntu, build = in_new_netns(offline_scenario, course)
    assert redis[0] == 125
    lines = redis[1].splitlines()
    assert lines[:2] == ["Unable to find image 'redis:latest' locally", "latest: Pulling from library/redis"]
    assert lines[2].startswith("pysh: contain run: cannot pull redis:latest: cannot reach registry docker.io: ")
    assert lines[2].endswith("; to make it here with no registry: contain bootstrap redis")
    assert len(lines) == 3 and "Traceback" not in redis[1]
    assert python[1].splitlines()[-1].endswith("contain bootstrap python:3")
    assert ubuntu[1].splitlines()[-1].endswith(
        "with no registry, build it with contain build, or bootstrap one of: "
        "busybox, debian, redis, nginx, php:apache, python:3")
    assert build[0] == 1 and build[1].splitlines()[-1].endswith("contain bootstrap php:apache)")


def compose_offline_scenario(course: Course) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="pysh-course-offline-") as scratch:
        fresh = Course(Path(scratch) / "home")
        fresh.home.mkdir()
        project = Path(scratch) / "project"
        project.mkdir()
        (project / "docker-compose.yml").write_text("services:\n  myredis:\n    image: redis\n")
        done = fresh.compose(project, "up", "-d", check=False)
        return done.returncode, done.stderr


def test_compose_up_offline_says_how_to_bootstrap(course):
    from course_features import compose_missing

    reason = compose_missing()
    if reason:
        pytest.skip(reason)
    status, stderr = in_new_netns(compose_offline_scenario, course)
    assert status != 0 and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].endswith("to make it here with no registry: contain bootstrap redis"), stderr
