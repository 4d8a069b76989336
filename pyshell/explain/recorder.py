"""The recorder: what the runtime tells `explain` while a line runs.

While `explain` runs a line, ``pyshell.runtime.observer.recorder`` holds a ``Recorder`` and
the runtime calls it at each step it takes: a pipe made, a file opened for a redirection,
a child forked, fds moved around a builtin, a child reaped. Each call appends one event
(a JSON line) to an event log: an unlinked file opened with O_APPEND, so that forked
subshells, which hold a copy of the recorder, add their own events to the same log, in
the order they happened. Its fd is close-on-exec: no program ever sees it.

How the fd table of a child is read at the moment it calls execve — the design choice:

* With the fork carrier, the child can be held just before execve: ``Pause`` gives it
  two pipes; when it has done every dup2/close of its plan it writes one byte ("ready")
  and blocks reading the other pipe. The parent then reads /proc/CHILD/fd and
  /proc/CHILD/fdinfo — the kernel's view, not the child's own account, and with the
  child frozen the table cannot change under us — and writes the "go" byte; the
  child execs. Cost: two pipes, two one-byte round trips and the /proc reads per child:
  about as much again as the fork itself (measured on a loaded 2-core machine: 10.1 ms
  a /bin/true with the fork carrier, 18.4 ms held and read) — paid only while explaining.
* posix_spawn cannot be held: glibc runs the file actions and execve in a vfork child
  while the calling thread is suspended, and there is no file action that waits. Reading
  /proc/PID/fd after posix_spawn returns races with the program (a fast `true` is
  already a zombie with an empty table), and a helper program that reports then execs
  would add a process and an execve of its own to the very picture we draw. So while
  explaining, pysh starts programs with the fork carrier (process.spawn asks), which
  takes the same plan: same moves, same order. The drawing says so.
* ptrace would also work but needs a tracer loop and permissions a course machine may
  not give; the pause needs nothing.

The pause pipes are the explainer's own: their fd numbers are left out of the tables.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile

from pyshell.explain import procfs

OWN_FD_FLOOR = 200  # the log and the pause pipes live up here, out of the way of user fds


def _move_up(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, OWN_FD_FLOOR)
    os.close(fd)
    return high


class Recorder:
    def __init__(self):
        fd, path = tempfile.mkstemp(prefix="pysh-explain-")
        os.unlink(path)
        self.log = _move_up(fd)
        fcntl.fcntl(self.log, fcntl.F_SETFL, os.O_APPEND)
        self.own_fds = {self.log}
        self.note("start", fds=self.table("self"))

    # ---------------------------------------------------------------- the log

    def note(self, event: str, **facts) -> None:
        facts["e"] = event
        facts["pid"] = os.getpid()
        line = json.dumps(facts, separators=(",", ":")) + "\n"
        os.write(self.log, line.encode("utf-8", "surrogateescape"))

    def events(self) -> list[dict]:
        """Every event so far, in the order written (by the shell and its subshells)."""
        chunks, offset = [], 0
        while True:
            chunk = os.pread(self.log, 1 << 16, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        text = b"".join(chunks).decode("utf-8", "surrogateescape")
        return [json.loads(line) for line in text.splitlines() if line]

    def close(self) -> None:
        os.close(self.log)

    def table(self, pid) -> list[dict]:
        return procfs.fd_table(pid, skip=self.own_fds)

    # ---------------------------------------------------------------- hooks the runtime calls

    def pause(self, plan, moves=()) -> "Pause":
        """Before a fork: the means to hold the child before it execs (or runs, for a subshell)."""
        return Pause(self, plan, moves)

    def pipe(self, read_end: int, write_end: int) -> None:
        self.note("pipe", read=read_end, write=write_end, inode=os.fstat(read_end).st_ino)

    def closed(self, fds) -> None:
        fds = [fd for fd in fds if fd is not None]
        if fds:
            self.note("close", fds=fds)

    def opened(self, path: str, flags: int, fd: int, high: int) -> None:
        self.note("open", path=path, absolute=os.path.abspath(path), flags=flags, fd=fd, high=high,
                  inode=os.fstat(high).st_ino)

    def here_document(self, read_end: int, size: int) -> None:
        self.note("heredoc", fd=read_end, size=size, inode=os.fstat(read_end).st_ino)

    def moved_in_shell(self, moves, saved) -> None:
        self.note("shell_moves", moves=[list(move) for move in moves], saved=[list(each) for each in saved])

    def restored_in_shell(self, saved) -> None:
        self.note("restore", saved=[list(each) for each in saved])

    def builtin(self, argv, moves=None) -> None:
        """A builtin runs in this process: its fd table now is the one it writes through."""
        self.note("builtin", argv=list(argv), moves=[list(move) for move in moves or ()],
                  fds=self.table("self"), **procfs.process_ids("self"))

    def function(self, name: str) -> None:
        """A shell function's body starts, in this process."""
        self.note("function", name=name)

    def not_found(self, name: str) -> None:
        """No file for the command on $PATH: the shell says so without forking."""
        self.note("not_found", name=name)

    def waited(self, pid: int, raw: int) -> None:
        self.note("wait", child=pid, raw=raw)


class Pause:
    """Hold a child after its fd moves and before execve, while the parent reads its fds."""

    def __init__(self, recorder: Recorder, plan, moves):
        self.recorder = recorder
        self.plan = plan
        self.moves = plan.moves if plan is not None else moves
        ready_read, ready_write = os.pipe()
        go_read, go_write = os.pipe()
        self.ready_read, self.ready_write = _move_up(ready_read), _move_up(ready_write)
        self.go_read, self.go_write = _move_up(go_read), _move_up(go_write)
        self.fds = (self.ready_read, self.ready_write, self.go_read, self.go_write)

    def in_child(self) -> None:
        """In the child, its plan done: say so, and wait for the parent to have looked."""
        os.close(self.ready_read)
        os.close(self.go_write)
        os.write(self.ready_write, b".")
        os.read(self.go_read, 1)
        os.close(self.ready_write)
        os.close(self.go_read)

    def exec_failed(self, pid: int, code: int) -> None:
        """The child's execve failed with errno ``code`` (it told us through the carrier's pipe)."""
        self.recorder.note("exec_failed", child=pid, errno=code)

    def in_parent(self, pid: int) -> None:
        os.close(self.ready_write)
        os.close(self.go_read)
        try:
            ready = os.read(self.ready_read, 1)  # b"" if the child died before its pause
            skip = self.recorder.own_fds | set(self.fds)
            fds = procfs.fd_table(pid, skip=skip) if ready else []
            ids = procfs.process_ids(pid) if ready else {}
            plan = self.plan
            # the pipes the parent holds itself: a child's close-on-exec pipe among them is the
            # fork carrier's exec-error pipe (process._fork_exec), named so in the drawing
            own_pipes = [entry["inode"] for entry in self.recorder.table("self") if entry["kind"] == "pipe"]
            facts = {"child": pid, "moves": [list(move) for move in self.moves], "fds": fds,
                     "parent_pipes": own_pipes, **ids}
            if plan is not None:
                facts.update(kind="exec", path=plan.path, argv=list(plan.argv), pgid_asked=plan.pgid,
                             reset_signals=[int(each) for each in plan.reset_signals])
            else:
                facts.update(kind="subshell")
            self.recorder.note("fork", **facts)
            try:
                os.write(self.go_write, b".")
            except BrokenPipeError:
                pass  # the child has died: nothing to release
        finally:
            os.close(self.ready_read)
            os.close(self.go_write)
