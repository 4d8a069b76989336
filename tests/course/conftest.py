"""The course's fixtures: `course`, a PYSH_HOME with the course's images made once a session
(course_support.py says how), and `workdir`, a folder the ordinary user can read too."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from course_netns import make_netns, on_the_host, setns
from course_support import CACHE, COURSE_IMAGES, PYSH, Course


@pytest.fixture(scope="session")
def course_netns():
    """The network namespace all of tests/course runs in (an fd of it)."""
    if os.geteuid() != 0:
        pytest.skip("the course's tests make network namespaces and containers as root")
    host, ours = make_netns()
    yield ours
    os.close(ours)


@pytest.fixture(scope="module", autouse=True)
def in_course_netns(course_netns):
    """Each module runs in the course's namespace (the pytest process moves there, so every
    command it starts does too) and comes back to the host's after."""
    here = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    setns(course_netns)
    yield
    setns(here)
    os.close(here)


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
    with on_the_host():  # a cold cache builds them: apt to Debian's mirror
        for image in COURSE_IMAGES:
            course.contain("bootstrap", image, timeout=1800)
    yield course
    leftovers = course.containers()
    for name in leftovers:
        course.contain("rm", "-f", name, check=False)
    from pyshell.contain.runtime.teardown import remove_tree

    remove_tree(str(home))
    assert not leftovers, f"containers left by the course's tests: {leftovers}"


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A copy of an example's folder is made here by the test (a student's own checkout)."""
    os.chmod(tmp_path, 0o755)
    return tmp_path
