"""From the recorder's events to an ``Explanation``: processes, steps, pipes and files.

The same model is built by ``plan.py`` (``explain -n``) from the syntax tree alone, and
drawn by ``draw.py`` (terminal) and ``svg.py``; ``--json`` prints ``to_dict()``.
"""

from __future__ import annotations

import errno
import os
import re
import signal

from pyshell.explain.procfs import access_of, flag_names


class Process:
    """A child the shell (or one of its subshells) forked."""

    def __init__(self, pid: int, parent: int, kind: str, argv=(), path: str | None = None,
                 fds=(), ppid: int | None = None, pgid: int | None = None):
        self.pid = pid
        self.parent = parent        # the process that forked it
        self.kind = kind            # "exec": became a program; "subshell": a copy of the shell
        self.argv = list(argv)
        self.path = path
        self.fds = list(fds)        # its fd table when it called execve (or began to run)
        self.ppid = ppid
        self.pgid = pgid
        self.status: int | None = None   # the raw waitpid status, once reaped
        self.failed: str | None = None   # why its execve failed, if it did
        self.builtins: list[dict] = []  # builtins a subshell ran, each with its fd table

    @property
    def label(self) -> str:
        return " ".join(self.argv) if self.kind == "exec" else "pysh (subshell)"

    def to_dict(self) -> dict:
        return {"pid": self.pid, "parent": self.parent, "kind": self.kind, "argv": self.argv,
                "path": self.path, "fds": self.fds, "ppid": self.ppid, "pgid": self.pgid,
                "status": self.status, "failed": self.failed, "builtins": self.builtins}


class Step:
    """One system call (or one thing the shell did), by process ``actor``."""

    def __init__(self, actor: int, text: str, why: str = "", kind: str = "call"):
        self.actor = actor
        self.text = text
        self.why = why
        self.kind = kind  # call, fork, exec, wait, builtin: for colours

    def to_dict(self) -> dict:
        return {"actor": self.actor, "text": self.text, "why": self.why, "kind": self.kind}


class Explanation:
    def __init__(self, line: str, shell_pid: int, planned: bool = False):
        self.line = line
        self.shell_pid = shell_pid
        self.planned = planned            # True: drawn from the syntax tree (explain -n)
        self.shell_fds: list[dict] = []   # the shell's own table before the line ran
        self.processes: dict[int, Process] = {}
        self.steps: list[Step] = []
        self.builtins: list[dict] = []    # builtins run by the shell itself: argv, fds
        self.files: dict[str, dict] = {}  # redirection targets: path -> flags, inode

    # ---------------------------------------------------------------- derived facts

    def actor_name(self, pid: int) -> str:
        if pid == self.shell_pid:
            return "pysh"
        process = self.processes.get(pid)
        if process is None:
            return "?"
        return process.argv[0] if process.kind == "exec" and process.argv else "subshell"

    def pipes(self) -> dict[int, dict]:
        """inode -> {"write": [(pid, fd)], "read": [(pid, fd)]}: who holds each end when it
        runs (descriptors that close at execve are not held by the program)."""
        found: dict[int, dict] = {}
        for pid, fds in self.tables():
            for entry in fds:
                if entry["kind"] != "pipe" or entry["cloexec"]:
                    continue
                ends = found.setdefault(entry["inode"], {"write": [], "read": []})
                side = ends["write" if access_of(entry["flags"]) == "w" else "read"]
                if (pid, entry["fd"]) not in side:  # a subshell and its builtins: one holder
                    side.append((pid, entry["fd"]))
        return found

    def tree_order(self) -> list[Process]:
        """The processes down the tree (a parent, then its children), each parent's children
        in the order it forked them: processes run side by side, so the order of forks
        across processes varies from run to run, this order does not."""
        children: dict[int, list[int]] = {}
        for pid, process in self.processes.items():
            children.setdefault(process.parent, []).append(pid)
        ordered = []
        pending = list(reversed(children.get(self.shell_pid, [])))
        while pending:
            pid = pending.pop()
            ordered.append(self.processes[pid])
            pending.extend(reversed(children.get(pid, [])))
        return ordered

    def tables(self):
        """(pid, fd table) of every process as it ran: programs at execve, subshells when they
        began, and the shell (or a subshell) while a builtin ran."""
        for process in self.processes.values():
            if process.fds:
                yield process.pid, process.fds
        for each in self.builtins:
            yield each["pid"], each["fds"]

    # ---------------------------------------------------------------- (de)serialising

    def normalized(self, paths: dict[str, str] | None = None) -> "Explanation":
        """A copy with pids and inodes renumbered in the order they first appear (the shell
        is 1000, its children 1001...; pids of processes outside the line, such as the
        caller's process group, 900...; inodes 1, 2...), and ``paths`` replaced in every
        text: the same line gives the same picture on every run, for golden diagrams."""
        pids = {self.shell_pid: 1000}
        for process in self.tree_order():
            pids[process.pid] = 1000 + len(pids)
        inodes: dict[int, int] = {}
        outside = iter(range(900, 1000))

        def pid_of(value):
            if value is None:
                return None
            if value not in pids:
                pids[value] = next(outside)
            return pids[value]

        def inode_of(value):
            return inodes.setdefault(value, len(inodes) + 1)

        numbers = re.compile(r"\b\d{3,}\b")

        def in_text(text: str) -> str:
            return numbers.sub(lambda found: str(pids.get(int(found.group()),
                                                          inodes.get(int(found.group()), found.group()))), text)

        def walk(value, key=None):
            if isinstance(value, dict):
                return {name: walk(item, name) for name, item in value.items()}
            if isinstance(value, list):
                return [walk(item, key) for item in value]
            if key in ("pid", "parent", "ppid", "pgid", "shell_pid", "actor") and isinstance(value, int):
                return pid_of(value)
            if key == "inode" and isinstance(value, int):
                return inode_of(value)
            return value

        data = walk(self.to_dict())  # first pass: learn every pid and inode in order
        for path, name in (paths or {}).items():  # e.g. a test's temporary directory -> $TMP
            data = walk_text(data, lambda text, path=path, name=name: text.replace(path, name))
        data = walk_text(data, in_text)
        return Explanation.from_dict(data, sort_processes=True)

    def to_dict(self) -> dict:
        return {"line": self.line, "shell_pid": self.shell_pid, "planned": self.planned,
                "shell_fds": self.shell_fds,
                "processes": [process.to_dict() for process in self.processes.values()],
                "steps": [step.to_dict() for step in self.steps], "builtins": self.builtins,
                "files": self.files}

    @classmethod
    def from_dict(cls, data: dict, sort_processes: bool = False) -> "Explanation":
        made = cls(data["line"], data["shell_pid"], data["planned"])
        made.shell_fds = data["shell_fds"]
        for each in sorted(data["processes"], key=lambda each: each["pid"]) if sort_processes else data["processes"]:
            process = Process(each["pid"], each["parent"], each["kind"], each["argv"], each["path"],
                              each["fds"], each["ppid"], each["pgid"])
            process.status = each["status"]
            process.failed = each.get("failed")
            process.builtins = each["builtins"]
            made.processes[process.pid] = process
        made.steps = [Step(**step) for step in data["steps"]]
        made.builtins = data["builtins"]
        made.files = data["files"]
        return made


def walk_text(value, change):
    """``value`` (dicts, lists, strings) with ``change`` applied to every string."""
    if isinstance(value, dict):
        return {name: walk_text(item, change) for name, item in value.items()}
    if isinstance(value, list):
        return [walk_text(item, change) for item in value]
    if isinstance(value, str):
        return change(value)
    return value


def describe_status(raw: int | None) -> str:
    if raw is None:
        return "still running"
    if os.WIFEXITED(raw):
        return f"exit {os.WEXITSTATUS(raw)}"
    if os.WIFSIGNALED(raw):
        return f"killed by {_signal_name(os.WTERMSIG(raw))}"
    if os.WIFSTOPPED(raw):
        return f"stopped by {_signal_name(os.WSTOPSIG(raw))}"
    return f"status {raw}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def here_document_text(fd: int) -> str:
    return f"pipe(); write(text); close(write end); read end → fd {fd}"


def move_text(move) -> str:
    return f"dup2({move[1]}, {move[2]})" if move[0] == "dup2" else f"close({move[1]})"


class FdBook:
    """What each fd of a process refers to, in words, kept up to date step by step, so that
    each dup2 and close can say what it did: "fd 2 → f (was the terminal)"."""

    def __init__(self, entries=None):
        self.names: dict[int, str] = dict(entries or {})

    @classmethod
    def from_table(cls, table) -> "FdBook":
        return cls({entry["fd"]: short_name(entry) for entry in table})

    def copy(self) -> "FdBook":
        return FdBook(self.names)

    def apply(self, move) -> str:
        """Carry out ``move`` in the book; the words saying what it did."""
        if move[0] == "dup2":
            _, source, target = move
            new = self.names.get(source, f"fd {source}")
            old = self.names.get(target)
            self.names[target] = new
            if source == target:
                return f"fd {target} stays {new}, now inherited"
            return f"fd {target} → {new}" + (f" (was {old})" if old and old != new else "")
        old = self.names.pop(move[1], None)
        return f"fd {move[1]} closed" + (f" (was {old})" if old else "")


def short_name(entry: dict) -> str:
    """A descriptor in a few words: the terminal, a file's path, which end of which pipe."""
    kind = entry["kind"]
    if kind == "pipe":
        end = "write" if access_of(entry["flags"]) == "w" else "read"
        return f"{entry['target']} {end} end"
    if kind == "tty":
        return f"the terminal {entry['target']}"
    return entry["target"]


# ---------------------------------------------------------------- events → model


def build(line: str, events: list[dict]) -> Explanation:
    """The model of what happened, from the recorder's events (recorder.py says what each is)."""
    builder = _Builder(line, events[0])
    for event in events[1:]:
        getattr(builder, "on_" + event["e"])(event["pid"], event)
    return builder.made


class _Builder:
    """One method per kind of event: each adds the steps it stands for, and keeps the fd
    book of the process that acted up to date, so that each dup2 and close can say what
    it did."""

    def __init__(self, line: str, start: dict):
        self.shell_pid = start["pid"]
        self.made = Explanation(line, self.shell_pid)
        self.made.shell_fds = start["fds"]
        self.books = {self.shell_pid: FdBook.from_table(start["fds"])}  # each process's fds, in words

    def step(self, actor: int, text: str, why: str = "", kind: str = "call") -> None:
        self.made.steps.append(Step(actor, text, why, kind))

    def book(self, actor: int) -> FdBook:
        return self.books.setdefault(actor, FdBook())

    def on_pipe(self, actor: int, event: dict) -> None:
        read_end, write_end, inode = event["read"], event["write"], event["inode"]
        self.step(actor, f"pipe() → [{read_end}, {write_end}]",
                  f"pipe:[{inode}]: fd {read_end} reads what fd {write_end} writes")
        names = self.book(actor).names
        names[read_end], names[write_end] = f"pipe:[{inode}] read end", f"pipe:[{inode}] write end"

    def on_open(self, actor: int, event: dict) -> None:
        self.book(actor).names[event["high"]] = event["path"]
        text = f"open({event['path']!r}, {flag_names(event['flags'])}) → {event['fd']}"
        if event["high"] != event["fd"]:
            text += f"; fcntl(F_DUPFD_CLOEXEC, 10) → {event['high']}; close({event['fd']})"
        self.step(actor, text, "close-on-exec, moved above the user's fds 0-9")
        self.made.files[event["absolute"]] = {"path": event["path"], "flags": event["flags"],
                                              "inode": event["inode"]}

    def on_heredoc(self, actor: int, event: dict) -> None:
        self.book(actor).names[event["fd"]] = f"the here-document pipe:[{event['inode']}]"
        self.step(actor, here_document_text(event["fd"]),
                  f"the here-document: {event['size']} bytes in pipe:[{event['inode']}]")

    def on_fork(self, actor: int, event: dict) -> None:
        parent_book = self.book(actor)
        book = self.books[event["child"]] = parent_book.copy()
        _add_fork(self.made, actor, event, book, parent_book)

    def on_close(self, actor: int, event: dict) -> None:
        book = self.book(actor)
        for fd in event["fds"]:
            was_pipe = "pipe:" in book.names.get(fd, "")
            why = ": the shell's copy (EOF needs all writers gone)" if was_pipe else ""
            self.step(actor, f"close({fd})", book.apply(("close", fd)) + why)

    def on_shell_moves(self, actor: int, event: dict) -> None:
        """FdSaver around a builtin or a compound command: save, then move, in the shell."""
        book = self.book(actor)
        for fd, copy in event["saved"]:
            if copy is not None:
                book.names[copy] = book.names.get(fd, f"fd {fd}")
                self.step(actor, f"fcntl({fd}, F_DUPFD_CLOEXEC, 10) → {copy}",
                          f"in the shell itself: save fd {fd} first")
        for move in event["moves"]:
            self.step(actor, move_text(move), book.apply(move))

    def on_restore(self, actor: int, event: dict) -> None:
        book = self.book(actor)
        for fd, copy in reversed(event["saved"]):
            if copy is None:
                self.step(actor, f"close({fd})", book.apply(("close", fd)) + ": put back")
            else:
                self.step(actor, f"dup2({copy}, {fd})", book.apply(("dup2", copy, fd)) + ": put back")
                self.step(actor, f"close({copy})", book.apply(("close", copy)))

    def on_builtin(self, actor: int, event: dict) -> None:
        book = self.book(actor)
        for move in event["moves"]:  # exec 3>f: moves applied for good
            self.step(actor, move_text(move), book.apply(move) + ", for the rest of the shell's life")
        where = "the shell" if actor == self.shell_pid else f"subshell {actor}"
        self.step(actor, " ".join(event["argv"]), f"a builtin: runs in {where}, no fork", "builtin")
        entry = {"pid": actor, "argv": event["argv"], "fds": event["fds"]}
        self.made.builtins.append(entry)
        if actor in self.made.processes:
            self.made.processes[actor].builtins.append(entry)

    def on_exec_failed(self, actor: int, event: dict) -> None:
        name = errno.errorcode.get(event["errno"], str(event["errno"]))
        child = self.made.processes.get(event["child"])
        if child is not None:
            child.failed = f"execve failed: {name} ({os.strerror(event['errno'])})"
        self.step(event["child"], f"execve → -1 {name}",
                  "the errno goes back to the shell through the exec-error pipe; the child exits", "exec")
        self.step(actor, f"waitpid() → {event['child']}", "reaped at once; the shell says why", "wait")

    def on_function(self, actor: int, event: dict) -> None:
        self.step(actor, f"calls function {event['name']}", "its body runs here, no fork", "builtin")

    def on_not_found(self, actor: int, event: dict) -> None:
        self.step(actor, f"{event['name']}: not found on $PATH → status 127",
                  "the shell searched $PATH first: no fork, no execve", "wait")

    def on_wait(self, actor: int, event: dict) -> None:
        child = self.made.processes.get(event["child"])
        if child is not None:
            child.status = event["raw"]
        self.step(actor, f"waitpid() → {event['child']}, {describe_status(event['raw'])}", "", "wait")


def _add_fork(made: Explanation, actor: int, event: dict, book: FdBook, parent_book: FdBook) -> None:
    pid = event["child"]
    for entry in event["fds"]:
        if entry["kind"] == "pipe" and entry["cloexec"] and entry["inode"] in event.get("parent_pipes", ()):
            entry["role"] = "exec-error pipe to the shell"
    process = Process(pid, actor, event["kind"], event.get("argv", ()), event.get("path"),
                      event["fds"], event.get("ppid"), event.get("pgid"))
    # an fd the shell opened without telling the recorder (run_background's /dev/null):
    # name it from the child's own table, where it still is at execve
    moved = {move[2] if move[0] == "dup2" else move[1] for move in event["moves"]}
    for entry in event["fds"]:
        book.names.setdefault(entry["fd"], short_name(entry))
        if entry["fd"] not in moved:  # untouched by the moves: the parent's fd is the same file
            parent_book.names.setdefault(entry["fd"], short_name(entry))
    made.processes[pid] = process
    made.steps.append(Step(actor, f"fork() → {pid}", "a copy of the shell", "fork"))
    if event["kind"] == "exec" and event.get("pgid_asked") is not None:
        made.steps.append(Step(pid, f"setpgid(0, {event['pgid_asked']})",
                               "its own process group: the terminal goes to the whole job"))
    for move in event["moves"]:
        made.steps.append(Step(pid, move_text(move), book.apply(move)))
    if event["kind"] == "exec":
        names = " ".join(signal.Signals(each).name[3:] for each in event["reset_signals"])
        made.steps.append(Step(pid, f"SIG_DFL for {names}", "ignored by the shell: back to default"))
        made.steps.append(Step(pid, f"execve({event['path']!r}, {event['argv']!r})",
                               "the program now; close-on-exec fds vanish", "exec"))
    else:
        made.steps.append(Step(pid, "runs shell code in the copy (no execve)", "", "fork"))
