"""Redirections, in two phases (as Oils does).

1. ``evaluate(redirects, shell)`` expands the targets into plain values — which file,
   which flags, which fd to copy — without a single system call.
2. ``open_moves(actions)`` opens the files (and here-document pipes) and returns the
   list of fd *moves*, ``("dup2", src, dst)`` or ``("close", fd)``. Those moves are data:
   a child gets them applied as part of its spawn plan (process.py), while a builtin,
   a function or a compound command gets them applied in the shell by ``FdSaver``,
   which first copies every clobbered fd above 10 (close-on-exec) and restores it after.

Every fd the shell opens itself is close-on-exec and moved to 10 or above, so user fds
(0-9) are never taken by accident and no command inherits a descriptor it was not given.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections import namedtuple

from pyshell import expand
from pyshell.errors import RedirectError
from pyshell.runtime import observer
from pyshell.runtime import process
from pyshell.runtime.process import apply_moves  # noqa: F401  (carried out in a child: process.py)
from pyshell.syntax.ast import Lit

SAVE_FLOOR = 10  # saved and internal fds live at 10 and above


# What a redirection asks for, once its target is expanded (namedtuples, not dataclasses:
# see process.SpawnPlan). check_clobber: `>` under set -C refuses to overwrite a regular file.
OpenFile = namedtuple("OpenFile", "fd path flags check_clobber", defaults=(False,))
DupFd = namedtuple("DupFd", "fd source")
CloseFd = namedtuple("CloseFd", "fd")
HereDoc = namedtuple("HereDoc", "fd text")


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND


def _brace_expands(word) -> bool:
    """Whether brace expansion makes several words of a redirection's target (an error,
    as in bash: a redirection has one file)."""
    if not any(type(part) is Lit and "{" in part.text for part in word.parts):
        return False
    from pyshell.expand import braces

    return len(braces.expand(word)) > 1


def evaluate(redirects, shell) -> list:
    """Phase 1: expand every target; the result says what to do, nothing is done yet."""
    actions = []
    for redirect in redirects:
        op = redirect.op
        if isinstance(redirect.fd, str):
            actions.extend(_named_descriptor(redirect, shell))
            continue
        if op in ("<<", "<<-"):
            actions.append(HereDoc(_fd(redirect, 0), expand.document(redirect.heredoc, shell)))
            continue
        target = expand.literal(redirect.target, shell)
        if op != "<<<" and _brace_expands(redirect.target):
            raise RedirectError(f"{target}: ambiguous redirect")
        if op == "<<<":
            actions.append(HereDoc(_fd(redirect, 0), target + "\n"))
        elif op == "<":
            actions.append(OpenFile(_fd(redirect, 0), target, os.O_RDONLY))
        elif op == ">":
            actions.append(OpenFile(_fd(redirect, 1), target, _WRITE, shell.options.noclobber))
        elif op == ">|":
            actions.append(OpenFile(_fd(redirect, 1), target, _WRITE))
        elif op == ">>":
            actions.append(OpenFile(_fd(redirect, 1), target, _APPEND))
        elif op == "<>":
            actions.append(OpenFile(_fd(redirect, 0), target, os.O_RDWR | os.O_CREAT))
        elif op in (">&", "<&"):
            fd = _fd(redirect, 1 if op == ">&" else 0)
            if target == "-":
                actions.append(CloseFd(fd))
            elif target.isdigit():
                actions.append(DupFd(fd, int(target)))
            elif target[:-1].isdigit() and target.endswith("-"):   # 4>&3-: move 3 to 4
                actions += [DupFd(fd, int(target[:-1])), CloseFd(int(target[:-1]))]
            elif op == ">&" and redirect.fd is None:  # bash: `>&file` means `&>file`
                actions += [OpenFile(1, target, _WRITE), DupFd(2, 1)]
            else:
                raise RedirectError(f"{target}: ambiguous redirect")
        elif op in ("&>", "&>>"):
            actions += [OpenFile(1, target, _WRITE if op == "&>" else _APPEND), DupFd(2, 1)]
        else:
            raise RedirectError(f"{op}: unknown redirection")
    return actions


_NAMED_FLAGS = {"<": os.O_RDONLY, ">": _WRITE, ">|": _WRITE, ">>": _APPEND, "<>": os.O_RDWR | os.O_CREAT}


def _named_descriptor(redirect, shell) -> list:
    """bash's ``{name}>file``, ``{name}<&3``, ``{name}>&-``: the file is opened now on a
    free fd from 10 up, whose number goes into $name, and it stays open (no move is
    needed); with ``>&-`` the fd in $name is closed."""
    name, op = redirect.fd, redirect.op
    target = expand.literal(redirect.target, shell)
    if op in (">&", "<&") and target == "-":
        value = shell.getvar(name)
        if value is None or not value.isdigit():
            raise RedirectError(f"{name}: ambiguous redirect")
        return [CloseFd(int(value))]
    if op in (">&", "<&"):
        if not target.isdigit() or not _is_open(int(target)):
            raise RedirectError(f"{target}: bad file descriptor")
        new = fcntl.fcntl(int(target), fcntl.F_DUPFD, SAVE_FLOOR)
    elif op in _NAMED_FLAGS:
        try:
            opened = os.open(target, _NAMED_FLAGS[op], 0o666)
        except OSError as error:
            raise RedirectError(f"{target}: {error.strerror}") from None
        new = fcntl.fcntl(opened, fcntl.F_DUPFD, SAVE_FLOOR)
        os.close(opened)
    else:
        raise RedirectError(f"{op}: cannot name the descriptor of this redirection")
    shell.setvar(name, str(new))
    return []


def _fd(redirect, default: int) -> int:
    if redirect.fd is None:
        return default
    if redirect.fd >= os.sysconf("SC_OPEN_MAX"):  # past RLIMIT_NOFILE: dup2 could not make it
        raise RedirectError(f"{redirect.fd}: bad file descriptor")
    return redirect.fd


def open_moves(actions) -> tuple[list[tuple], list[int]]:
    """Phase 2a: open files and here-documents; return (moves, fds to close afterwards)."""
    moves: list[tuple] = []
    opened: list[int] = []
    targets: set[int] = set()  # fds an earlier redirection of this list sets: `9>f >&9`
    try:
        for action in actions:
            kind = type(action)
            if kind is OpenFile:
                source = _open_file(action)
                opened.append(source)
                moves.append(("dup2", source, action.fd))
            elif kind is DupFd:
                if action.source not in targets and not _is_open(action.source):
                    raise RedirectError(f"{action.source}: bad file descriptor")
                moves.append(("dup2", action.source, action.fd))
            elif kind is CloseFd:
                moves.append(("close", action.fd))
                targets.discard(action.fd)
                continue
            else:
                source = _here_document(action.text)
                opened.append(source)
                moves.append(("dup2", source, action.fd))
            targets.add(action.fd)
    except BaseException:
        close_all(opened)
        raise
    return moves, opened


def _open_file(action: OpenFile) -> int:
    flags = action.flags
    if action.check_clobber and os.path.isfile(action.path):
        raise RedirectError(f"{action.path}: cannot overwrite existing file")
    try:
        fd = os.open(action.path, flags | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise RedirectError(f"{action.path}: {error.strerror}") from None
    high = _move_high(fd)
    if observer.recorder is not None:
        observer.recorder.opened(action.path, flags | os.O_CLOEXEC, fd, high)
    return high


def _move_high(fd: int) -> int:
    if fd >= SAVE_FLOOR:
        return fd
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, SAVE_FLOOR)
    os.close(fd)
    return high


def _here_document(text: str) -> int:
    """A readable fd holding ``text``: a pipe when it fits in the pipe buffer, else a temp file."""
    data = text.encode("utf-8", "surrogateescape")
    if len(data) <= 65536:
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, data)
        finally:
            os.close(write_end)
        high = _move_high(read_end)
        if observer.recorder is not None:
            observer.recorder.here_document(high, len(data))
        return high
    import tempfile

    fd, path = tempfile.mkstemp(prefix="pysh-heredoc-")
    os.unlink(path)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    os.set_inheritable(fd, False)
    return _move_high(fd)


def _is_open(fd: int) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_GETFD)
        return True
    except (OSError, OverflowError):  # OverflowError: a number no fd can have
        return False


def close_all(fds) -> None:
    if observer.recorder is not None:
        observer.recorder.closed(fds)
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class FdSaver:
    """Apply moves in the shell itself and undo them afterwards (builtins, functions, `{ }`)."""

    def __init__(self, moves):
        self.moves = moves
        self.saved: list[tuple[int, int | None]] = []  # (fd, its copy or None if it was closed)

    def __enter__(self):
        touched = set()
        for move in self.moves:
            target = move[2] if move[0] == "dup2" else move[1]
            if target not in touched:
                touched.add(target)
                try:
                    copy = fcntl.fcntl(target, fcntl.F_DUPFD_CLOEXEC, SAVE_FLOOR)
                except OSError as error:
                    if error.errno != errno.EBADF:
                        raise
                    copy = None
                self.saved.append((target, copy))
            apply_moves((move,))
        if observer.recorder is not None:
            observer.recorder.moved_in_shell(self.moves, self.saved)
        return self

    def __exit__(self, *exc):
        for target, copy in reversed(self.saved):
            if copy is None:
                try:
                    os.close(target)
                except OSError:
                    pass
            else:
                os.dup2(copy, target)
                os.close(copy)
        if observer.recorder is not None:
            observer.recorder.restored_in_shell(self.saved)
        self.saved.clear()
        return False
