"""Starting processes: a child's setup is described as data, then carried out.

A ``SpawnPlan`` says everything the child must do before it becomes the new program:
the fd moves (dup2/close, from redirect.py and the pipeline's pipes), the process group
to join, the signals to put back to their default action. ``spawn(plan)`` carries the
plan out with one of two carriers:

* ``os.fork`` → dup2 → close → signal reset → ``os.execve``: the steps the course
  teaches, one line each in ``_fork_exec``. An exec failure is sent back to the parent
  through a close-on-exec pipe (it closes by itself when execve succeeds).
* ``os.posix_spawn`` with the same moves as ``file_actions``, ``setpgroup`` and
  ``setsigdef``. The C library does the same steps with vfork, so the cost does not grow
  with the shell's memory: 0.8 ms instead of 1.7 ms here. It is the default;
  ``PYSH_SPAWN=fork`` selects the fork carrier.

``fork_subshell`` forks a copy of the shell to run Python code (a builtin or a compound
command inside a pipeline, a `( subshell )`, a command substitution).
"""

from __future__ import annotations

import os
import signal
import sys
from collections import namedtuple

from pyshell.runtime import observer

# Python ignores SIGPIPE (and an interactive shell ignores the job control signals);
# a child must get the default actions back, or `yes | head -1` would never end.
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGINT, signal.SIGQUIT,
                 signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)


# (A namedtuple rather than a frozen dataclass: @dataclass costs ~30 ms of start-up, as it
# imports inspect; see also syntax/ast.py.)
class SpawnPlan(namedtuple("SpawnPlan", "path argv env moves pgid reset_signals",
                           defaults=((), None, RESET_SIGNALS))):
    """What a child must do before it becomes ``path``:
    path           the executable, already found on $PATH
    argv, env      its arguments and environment (name -> value)
    moves          ("dup2", src, dst) and ("close", fd), in order
    pgid           None: stay in the shell's group; 0: lead a new one; n: join group n
    reset_signals  signals whose default action the child gets back
    """

    __slots__ = ()

    def describe(self, carrier_name: str) -> str:
        """The plan as the steps a child takes, one line (for PYSH_TRACE_SPAWN=1)."""
        steps = []
        if self.pgid is not None:
            steps.append(f"setpgid(0, {self.pgid})")
        for move in self.moves:
            steps.append(f"dup2({move[1]}, {move[2]})" if move[0] == "dup2" else f"close({move[1]})")
        names = ",".join(signal.Signals(signum).name for signum in self.reset_signals)
        steps.append(f"signals {names} -> SIG_DFL")
        steps.append(f"execve({self.path!r}, {list(self.argv)!r})")
        return f"{carrier_name}: " + " → ".join(steps)


def carrier() -> str:
    return "fork" if os.environ.get("PYSH_SPAWN") == "fork" else "posix_spawn"


def spawn(plan: SpawnPlan) -> int:
    """Start the program described by ``plan``; return its pid or raise OSError (exec failed).

    With PYSH_TRACE_SPAWN=1 each plan is printed on stderr first: the steps the child takes.
    """
    name = carrier() if observer.recorder is None else "fork"  # explain holds children before execve
    if os.environ.get("PYSH_TRACE_SPAWN") == "1":
        os.write(2, (plan.describe(name) + "\n").encode("utf-8", "surrogateescape"))
    if name == "fork":
        return _fork_exec(plan)
    return _posix_spawn(plan)


def _posix_spawn(plan: SpawnPlan) -> int:
    actions = []
    for move in plan.moves:
        if move[0] == "dup2":
            actions.append((os.POSIX_SPAWN_DUP2, move[1], move[2]))
        else:
            actions.append((os.POSIX_SPAWN_CLOSE, move[1]))
    options = {"file_actions": actions, "setsigdef": plan.reset_signals}
    if plan.pgid is not None:
        options["setpgroup"] = plan.pgid
    return os.posix_spawn(plan.path, plan.argv, plan.env, **options)


def _fork_exec(plan: SpawnPlan) -> int:
    # Everything that allocates happens here, before fork: the child only does syscalls.
    env = {key.encode("utf-8", "surrogateescape"): value.encode("utf-8", "surrogateescape")
           for key, value in plan.env.items()}
    report_read, report_write = os.pipe()  # both ends close-on-exec
    pause = observer.recorder.pause(plan) if observer.recorder is not None else None
    _flush_python_buffers()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(report_read)
            if plan.pgid is not None:
                os.setpgid(0, plan.pgid)
            for move in plan.moves:
                if move[0] == "dup2":
                    if move[1] == move[2]:
                        os.set_inheritable(move[2], True)
                    else:
                        os.dup2(move[1], move[2])
                else:
                    _close_quietly(move[1])
            for signum in plan.reset_signals:
                signal.signal(signum, signal.SIG_DFL)
            if pause is not None:
                pause.in_child()
            os.execve(plan.path, plan.argv, env)
        except OSError as error:
            os.write(report_write, str(error.errno).encode())
        finally:
            os._exit(127)
    # the parent
    os.close(report_write)
    if plan.pgid is not None:
        _set_group(pid, plan.pgid)
    if pause is not None:
        pause.in_parent(pid)
    report = _read_all(report_read)
    os.close(report_read)
    if report:  # execve failed: reap the child and raise what it saw
        os.waitpid(pid, 0)
        code = int(report)
        if pause is not None:
            pause.exec_failed(pid, code)
        raise OSError(code, os.strerror(code), plan.path)
    return pid


def fork_subshell(shell, run, moves=(), pgid: int | None = None) -> int:
    """Fork a copy of the shell that applies ``moves``, calls ``run()`` and exits with its status."""
    pause = observer.recorder.pause(None, moves) if observer.recorder is not None else None
    _flush_python_buffers()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            if pgid is not None:
                os.setpgid(0, pgid)
            apply_moves(moves)
            for signum in shell.signals_to_reset():
                signal.signal(signum, signal.SIG_DFL)
            if pause is not None:
                pause.in_child()
            shell.become_subshell()
            status = _run_in_child(shell, run)
        finally:
            os._exit(status & 255)
    if pgid is not None:
        _set_group(pid, pgid or pid)
    if pause is not None:
        pause.in_parent(pid)
    return pid


def _run_in_child(shell, run) -> int:
    from pyshell.errors import PyshError
    from pyshell.runtime.control import ExitShell

    try:
        try:
            status = run()
        except ExitShell as exiting:
            status = exiting.status
        shell.last_status = status
        shell.run_exit_trap()
        return shell.last_status
    except PyshError as error:
        shell.report(error.message)
        return error.status
    except KeyboardInterrupt:
        return 130
    except SystemExit as exiting:
        return exiting.code if isinstance(exiting.code, int) else 1
    except BaseException as error:  # never let a traceback out of a child
        shell.report(f"internal error: {type(error).__name__}: {error}")
        if os.environ.get("PYSH_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        return 70


def _set_group(pid: int, pgid: int) -> None:
    # Done in both parent and child: whichever runs first, the group exists before
    # the parent hands it the terminal or the next pipeline stage joins it.
    try:
        os.setpgid(pid, pgid)
    except OSError:
        pass  # the child already exec'd or exited


def _flush_python_buffers() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def apply_moves(moves) -> None:
    """Carry out moves for good (in a forked child, or for `exec 3>file`)."""
    for move in moves:
        if move[0] == "dup2":
            _, source, target = move
            if source == target:
                os.set_inheritable(target, True)
            else:
                os.dup2(source, target)
        else:
            try:
                os.close(move[1])
            except OSError:
                pass
