"""Job control, all in one place.

* the job table: background (`cmd &`) and stopped jobs, numbered [1], [2], ...
* one waitpid loop (``_wait``): every child the shell reaps goes through it, so a
  background job that ends while we wait for a foreground one is recorded, not lost;
* process groups and the terminal: with job control on (an interactive shell on a tty),
  each pipeline gets its own process group (pgid = its first pid) and the terminal is
  handed to the foreground group with ``tcsetpgrp`` and taken back when it ends or
  stops; the terminal modes are saved and restored around it, so a program that dies
  in raw mode does not leave the prompt unusable.
"""

from __future__ import annotations

import os
import signal

from pyshell.runtime import observer


class WaitInterrupted(Exception):
    """A trapped signal arrived during the `wait` builtin (raised by the signal handler)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class Job:
    """One pipeline (or single command) the shell started, as `jobs` lists it."""

    def __init__(self, number: int, pgid: int | None, pids: list[int], command: str,
                 state: str = "Running", statuses: dict[int, int] | None = None):
        self.number = number
        self.pgid = pgid
        self.pids = pids
        self.command = command
        self.state = state                   # Running, Stopped, Done
        self.statuses = statuses or {}       # pid -> status once ended
        self.tty_modes: list | None = None   # the terminal's modes, saved when it stopped

    def __repr__(self):
        return f"Job(%{self.number} {self.state} pids={self.pids} {self.command!r})"

    def status(self) -> int:
        """The job's status: its last process's."""
        return self.statuses.get(self.pids[-1], 0)


def decode_status(raw: int) -> int:
    """waitpid's raw status → the shell's $?: the exit code, or 128+N for signal N."""
    if os.WIFEXITED(raw):
        return os.WEXITSTATUS(raw)
    if os.WIFSIGNALED(raw):
        return 128 + os.WTERMSIG(raw)
    return 128 + os.WSTOPSIG(raw)


class JobTable:
    def __init__(self, shell):
        self.shell = shell
        self.jobs: dict[int, Job] = {}
        self.reaped: dict[int, int] = {}    # pid -> status of children reaped while waiting for others
        self.current: int | None = None     # the `+` job
        self.terminal: int | None = None    # fd of our controlling terminal, when we have job control
        self.shell_pgid = os.getpgrp()
        self.shell_modes = None

    def for_subshell(self) -> "JobTable":
        """A forked subshell never touches the terminal; it still lists its parent's jobs
        (`jobs | cat`), though it cannot wait for them."""
        table = JobTable(self.shell)
        table.jobs = {number: Job(job.number, job.pgid, list(job.pids), job.command, job.state,
                                  dict(job.statuses)) for number, job in self.jobs.items()}
        table.current = self.current
        return table

    # ---------------------------------------------------------------- the terminal

    def take_terminal(self, fd: int = 0) -> bool:
        """Become a job-control shell on terminal ``fd``: our own group, in the foreground."""
        import termios

        if not os.isatty(fd):
            return False
        # If we were started in the background, wait until we are brought to the foreground.
        while os.tcgetpgrp(fd) != os.getpgrp():
            os.kill(-os.getpgrp(), signal.SIGTTIN)
        for signum in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGQUIT):
            signal.signal(signum, signal.SIG_IGN)
        try:
            os.setpgid(0, 0)
        except PermissionError:
            pass  # already a session or group leader
        self.shell_pgid = os.getpgrp()
        os.tcsetpgrp(fd, self.shell_pgid)
        self.terminal = fd
        self.shell_modes = termios.tcgetattr(fd)
        return True

    def _give_terminal(self, pgid: int, modes=None) -> None:
        if self.terminal is None:
            return
        import termios

        if modes is not None:
            termios.tcsetattr(self.terminal, termios.TCSADRAIN, modes)
        os.tcsetpgrp(self.terminal, pgid)

    def _take_back_terminal(self, job: Job | None) -> None:
        if self.terminal is None:
            return
        import termios

        os.tcsetpgrp(self.terminal, self.shell_pgid)
        if job is not None and job.state == "Stopped":
            job.tty_modes = termios.tcgetattr(self.terminal)
        if self.shell_modes is not None:
            termios.tcsetattr(self.terminal, termios.TCSADRAIN, self.shell_modes)

    # ---------------------------------------------------------------- waiting

    def _wait(self, pids: list[int]) -> tuple[dict[int, int], int | None]:
        """Wait until all ``pids`` have ended; return their statuses and, if one stopped
        instead (job control only), the stop signal."""
        results = {pid: self.reaped.pop(pid) for pid in pids if pid in self.reaped}
        remaining = [pid for pid in pids if pid not in results]
        flags = os.WUNTRACED if self.terminal is not None else 0
        while remaining:
            try:
                pid, raw = os.waitpid(-1, flags)
            except ChildProcessError:
                for pid in remaining:
                    results[pid] = 127
                break
            if observer.recorder is not None:
                observer.recorder.waited(pid, raw)
            if os.WIFSTOPPED(raw):
                if pid in remaining:
                    return results, os.WSTOPSIG(raw)
                self._record(pid, None)
                continue
            status = decode_status(raw)
            if pid in remaining:
                results[pid] = status
                remaining.remove(pid)
            else:
                self._record(pid, status)
        return results, None

    def _record(self, pid: int, status: int | None) -> None:
        """A child we were not waiting for changed state: note it in its job."""
        for job in self.jobs.values():
            if pid in job.pids:
                if status is None:
                    job.state = "Stopped"
                else:
                    job.statuses[pid] = status
                    if len(job.statuses) == len(job.pids):
                        job.state = "Done"
                break
        if status is not None:
            self.reaped[pid] = status
            if len(self.reaped) > 1000:  # nobody will `wait` for the oldest ones
                self.reaped.pop(next(iter(self.reaped)))

    def run_foreground(self, pids: list[int], pgid: int | None, describe=None) -> list[int]:
        """Wait for a foreground pipeline; give it the terminal meanwhile (job control).

        Returns the statuses in pipeline order. If the job stops (Ctrl-Z), it goes into
        the job table and its processes count as status 128+SIGTSTP.
        """
        has_terminal = self.terminal is not None and bool(pgid)
        if has_terminal:
            self._give_terminal(pgid)
        try:
            results, stop_signal = self._wait(pids)
        except BaseException:
            if has_terminal:
                self._take_back_terminal(None)
            raise
        job = None
        if stop_signal is not None:
            job = self._stopped_job_for(pids, pgid, describe)
            job.statuses.update(results)
            self.current = job.number
        if has_terminal:
            self._take_back_terminal(job)
        if job is not None:
            from pyshell.runtime.registry import write_err

            write_err(f"\n[{job.number}]+  Stopped                 {job.command}\n")
            return [results.get(pid, 128 + stop_signal) for pid in pids]
        return [results.get(pid, 0) for pid in pids]

    def _stopped_job_for(self, pids, pgid, describe) -> Job:
        for job in self.jobs.values():
            if job.pids == list(pids):
                return job
        job = Job(self._next_number(), pgid, list(pids), describe() if describe else "job")
        job.state = "Stopped"
        self.jobs[job.number] = job
        return job

    def wait_for(self, pid: int) -> int:
        """Status of child ``pid``, waiting for it if needed (``wait PID``, `$(...)`)."""
        results, _ = self._wait([pid])
        return results[pid]

    # ---------------------------------------------------------------- background jobs

    def _next_number(self) -> int:
        number = 1
        while number in self.jobs:
            number += 1
        return number

    def add_background(self, pids: list[int], pgid: int | None, command: str) -> Job:
        job = Job(self._next_number(), pgid, list(pids), command)
        self.jobs[job.number] = job
        self.current = job.number
        self.shell.last_background_pid = pids[-1]
        if self.shell.interactive:
            from pyshell.runtime.registry import write_err

            write_err(f"[{job.number}] {pids[-1]}\n")
        return job

    def poll(self) -> None:
        """Collect children that ended (or stopped) without blocking."""
        flags = os.WNOHANG | (os.WUNTRACED if self.terminal is not None else 0)
        while True:
            try:
                pid, raw = os.waitpid(-1, flags)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if observer.recorder is not None:
                observer.recorder.waited(pid, raw)
            self._record(pid, None if os.WIFSTOPPED(raw) else decode_status(raw))

    def notify(self) -> list[str]:
        """Print (and forget) finished jobs — the REPL calls this before each prompt."""
        self.poll()
        lines = []
        for number in sorted(self.jobs):
            job = self.jobs[number]
            if job.state == "Done":
                status = job.status()
                word = "Done" if status == 0 else f"Exit {status}" if status < 128 else _signal_name(status - 128)
                lines.append(f"[{number}]{self._mark(number)}  {word:<22}  {job.command.removesuffix(' &')}")
                del self.jobs[number]
                for pid in job.pids:
                    self.reaped.pop(pid, None)
        if lines:
            from pyshell.runtime.registry import write_err

            write_err("\n".join(lines) + "\n")
        return lines

    def _mark(self, number: int) -> str:
        return "+" if number == self.current else "-" if number == self._previous() else " "

    def _previous(self) -> int | None:
        others = [n for n in self.jobs if n != self.current]
        return max(others) if others else None

    def listing(self, long: bool = False) -> list[str]:
        self.poll()
        lines = []
        for number in sorted(self.jobs):
            job = self.jobs[number]
            state = job.state
            if state == "Done" and job.status():
                state = f"Exit {job.status()}"
            pid = f"{job.pids[0]} " if long else ""
            command = job.command if job.state == "Running" else job.command.removesuffix(" &")
            lines.append(f"[{number}]{self._mark(number)}  {pid}{state:<22}  {command}")
        return lines

    def find(self, spec: str | None) -> Job:
        """A job from a job spec: %n, %+, %%, %-, %prefix (or None for the current one)."""
        from pyshell.errors import PyshError

        if spec in (None, "%", "%%", "%+", "+"):
            number = self.current if self.current in self.jobs else (max(self.jobs) if self.jobs else None)
        elif spec in ("%-", "-"):
            number = self._previous()
        elif spec.lstrip("%").isdigit():
            number = int(spec.lstrip("%"))
        else:
            prefix = spec[1:] if spec.startswith("%") else spec
            matching = [n for n, job in self.jobs.items() if job.command.startswith(prefix)]
            number = matching[-1] if matching else None
        if number is None or number not in self.jobs:
            raise PyshError(f"{spec or 'current'}: no such job")
        return self.jobs[number]

    def foreground(self, job: Job) -> int:
        """``fg``: continue ``job`` with the terminal, and wait for it."""
        from pyshell.runtime.registry import write_out

        write_out(job.command + "\n")
        self.current = job.number
        if self.terminal is not None and job.pgid:
            self._give_terminal(job.pgid, job.tty_modes)
        job.state = "Running"
        self._signal(job, signal.SIGCONT)
        pending = [pid for pid in job.pids if pid not in job.statuses]
        statuses = self.run_foreground(pending, job.pgid, lambda: job.command)
        if self.jobs.get(job.number) is job and job.state != "Stopped":
            del self.jobs[job.number]
        return statuses[-1] if statuses else job.status()

    def background(self, job: Job) -> None:
        """``bg``: let a stopped job continue, in the background."""
        from pyshell.runtime.registry import write_out

        job.state = "Running"
        self.current = job.number
        self._signal(job, signal.SIGCONT)
        write_out(f"[{job.number}]+ {job.command} &\n")

    def _signal(self, job: Job, signum: int) -> None:
        if job.pgid:
            try:
                os.killpg(job.pgid, signum)
                return
            except OSError:
                pass
        for pid in job.pids:
            try:
                os.kill(pid, signum)
            except OSError:
                pass

    def signal_job(self, job: Job, signum: int) -> None:
        self._signal(job, signum)
        if job.state == "Stopped" and signum not in (signal.SIGCONT, signal.SIGSTOP, signal.SIGTSTP):
            # A stopped process only acts on the signal once it runs again (bash does this too).
            self._signal(job, signal.SIGCONT)

    def wait_job(self, job: Job) -> int:
        pending = [pid for pid in job.pids if pid not in job.statuses]
        results, _ = self._wait(pending)
        job.statuses.update(results)
        job.state = "Done"
        self.jobs.pop(job.number, None)
        return job.status()

    def wait_next(self) -> int:
        """bash's ``wait -n``: the status of the next job to end (one that has already
        ended already does not count, as in bash 5); 127 when there are no jobs."""
        self.poll()   # reap what has ended already: those jobs are not "next"
        ended = {job.number for job in self.jobs.values() if len(job.statuses) == len(job.pids)}
        while True:
            running = [job for job in self.jobs.values() if job.state != "Stopped"]
            if not running:
                return 127
            for job in running:
                if len(job.statuses) == len(job.pids) and job.number not in ended:
                    self.jobs.pop(job.number, None)
                    return job.status()
            if all(job.number in ended for job in running):
                return 127
            try:
                pid, raw = os.waitpid(-1, 0)
            except ChildProcessError:
                return 127
            if observer.recorder is not None:
                observer.recorder.waited(pid, raw)
            self._record(pid, decode_status(raw))
            self.reaped.pop(pid, None)

    def wait_all(self) -> int:
        for job in list(self.jobs.values()):
            if job.state != "Stopped":
                self.wait_job(job)
        return 0

    def wait_pid(self, pid: int) -> int | None:
        """``wait PID``: its status, or None if it is not a child of this shell."""
        for job in self.jobs.values():
            if pid in job.pids:
                if pid in job.statuses:
                    status = job.statuses[pid]
                else:
                    status = self.wait_for(pid)
                    job.statuses[pid] = status
                if len(job.statuses) == len(job.pids):
                    self.jobs.pop(job.number, None)
                return status
        if pid in self.reaped:
            return self.reaped.pop(pid)
        return None


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name[3:].capitalize() if signum != 9 else "Killed"
    except ValueError:
        return f"Signal {signum}"
