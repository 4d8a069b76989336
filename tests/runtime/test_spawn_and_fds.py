"""The mechanics under the executor, in-process: spawn plans on both carriers, exec
failures, the redirect phases and FdSaver (every fd put back, nothing left open)."""

from __future__ import annotations

import errno
import gc
import os

import pytest

from pyshell.errors import RedirectError
from pyshell.runtime import process
from pyshell.runtime.process import SpawnPlan, spawn
from pyshell.runtime.redirect import (CloseFd, DupFd, FdSaver, HereDoc, OpenFile, close_all,
                                      open_moves)


@pytest.fixture(autouse=True)
def no_collection_meanwhile():
    """These tests compare the process's open fds before and after: a socket or file an earlier
    test left to the garbage collector must not close in between (one did, once, in CI)."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(params=["posix_spawn", "fork"])
def carrier(request, monkeypatch):
    if request.param == "fork":
        monkeypatch.setenv("PYSH_SPAWN", "fork")
    else:
        monkeypatch.delenv("PYSH_SPAWN", raising=False)
    assert process.carrier() == request.param
    return request.param


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def _inheritable(fd: int) -> bool:
    try:
        return os.get_inheritable(fd)
    except OSError:
        return False


def run_plan(plan: SpawnPlan) -> int:
    _, raw = os.waitpid(spawn(plan), 0)
    return os.waitstatus_to_exitcode(raw)


def test_plan_moves_are_applied(carrier, tmp_path):
    target = tmp_path / "out"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC)
    try:
        plan = SpawnPlan("/bin/sh", ("sh", "-c", "echo to-stdout; echo to-3 >&3; ls /proc/self/fd >&3"),
                         {"PATH": "/bin:/usr/bin"}, moves=(("dup2", fd, 1), ("dup2", fd, 3), ("close", fd)))
        assert run_plan(plan) == 0
    finally:
        os.close(fd)
    lines = target.read_text().split("\n")
    assert lines[:2] == ["to-stdout", "to-3"]
    # the child saw 0 1 2 3 and the fd ls opened itself: our fd was closed, nothing else leaked
    # (except descriptors whoever started pytest passed down without close-on-exec)
    inherited = {fd for fd in open_fds() - {0, 1, 2} if _inheritable(fd)}
    assert {int(x) for x in lines[2:] if x} - inherited == {0, 1, 2, 3, 4}


def test_signals_are_reset_in_the_child(carrier):
    # Python ignores SIGPIPE; the child must not (else `yes | head -1` never ends)
    read_end, write_end = os.pipe()
    plan = SpawnPlan("/usr/bin/yes", ("yes",), {}, moves=(("dup2", write_end, 1), ("close", write_end),
                                                       ("close", read_end)))
    pid = spawn(plan)
    os.close(write_end)
    os.read(read_end, 10)
    os.close(read_end)
    _, raw = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(raw) and os.WTERMSIG(raw) == 13


def test_process_group(carrier):
    read_end, write_end = os.pipe()
    plan = SpawnPlan("/bin/sh", ("sh", "-c", "ps -o pgid= -p $$"), {"PATH": "/bin:/usr/bin"},
                     moves=(("dup2", write_end, 1), ("close", write_end), ("close", read_end)), pgid=0)
    pid = spawn(plan)
    os.close(write_end)
    output = os.read(read_end, 100)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert int(output) == pid  # it leads its own group


@pytest.mark.parametrize("path,code", [("/nonexistent/prog", errno.ENOENT), ("/etc/passwd", errno.EACCES)])
def test_exec_failure_comes_back_as_oserror(carrier, path, code):
    before = open_fds()
    with pytest.raises(OSError) as failure:
        spawn(SpawnPlan(path, (path,), {}))
    assert failure.value.errno == code
    assert open_fds() == before  # the report pipe is closed again


def test_fd_saver_restores_everything(tmp_path):
    before = open_fds()
    stdout_before = os.readlink("/proc/self/fd/1")
    actions = [OpenFile(1, str(tmp_path / "a"), os.O_WRONLY | os.O_CREAT), DupFd(7, 1), CloseFd(0),
               HereDoc(5, "doc\n")]
    moves, opened = open_moves(actions)
    assert all(fd >= 10 for fd in opened)
    with FdSaver(moves):
        os.write(1, b"inside\n")
        os.write(7, b"seven\n")
        assert os.read(5, 100) == b"doc\n"
        with pytest.raises(OSError):
            os.fstat(0)
    close_all(opened)
    assert open_fds() == before
    assert os.readlink("/proc/self/fd/1") == stdout_before
    assert (tmp_path / "a").read_text() == "inside\nseven\n"


def test_bad_redirections_leave_nothing_open(tmp_path):
    before = open_fds()
    with pytest.raises(RedirectError, match="No such file or directory"):
        open_moves([HereDoc(0, "x"), OpenFile(1, str(tmp_path / "no/such/dir"), os.O_RDONLY)])
    with pytest.raises(RedirectError, match="bad file descriptor"):
        open_moves([DupFd(1, 77)])
    assert open_fds() == before


def test_big_here_document_uses_a_file():
    text = "x" * 200_000
    moves, opened = open_moves([HereDoc(0, text)])
    try:
        assert os.path.getsize(f"/proc/self/fd/{opened[0]}") == len(text)
    finally:
        close_all(opened)
