"""The course's fixtures: `course`, a PYSH_HOME with the course's images made once a session
(course_support.py says how), and `workdir`, a folder the ordinary user can read too."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from course_support import CACHE, COURSE_IMAGES, PYSH, Course
from netns import in_host_network


@pytest.fixture(scope="session")
def course() -> Course:
    if os.geteuid() != 0:
        pytest.skip("the course's tests build images and start containers as root")
    if not PYSH.exists():
        pytest.skip("no .venv/bin/pysh (./run-tests makes it)")
    CACHE.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="pysh-course-"))
    os.chmod(home, 0o755)
    course = Course(home)
    with in_host_network():  # a cold cache builds them: apt to Debian's mirror
        for image in COURSE_IMAGES:
            course.contain("bootstrap", image, timeout=1800)
    yield course
    leftovers = course.containers()
    for name in leftovers:
        course.contain("rm", "-f", name, check=False)
    from pyshell.contain.runtime.teardown import remove_tree

    remove_tree(str(home))
    assert not leftovers, f"containers left by the course's tests: {leftovers}"


@pytest.fixture(autouse=True)
def no_container_left(request):
    """What a test leaves is removed after it and fails that test alone, not every test after it."""
    if "course" not in request.fixturenames:
        yield
        return
    course = request.getfixturevalue("course")
    before = set(course.containers())
    yield
    leftovers = sorted(set(course.containers()) - before)
    for name in leftovers:
        course.contain("rm", "-f", name, check=False)
    assert not leftovers, f"containers left by this test: {leftovers}"


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A copy of an example's folder is made here by the test (a student's own checkout)."""
    os.chmod(tmp_path, 0o755)
    return tmp_path
