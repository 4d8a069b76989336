"""`explain -n`: the same picture drawn from the syntax tree, without running anything.

``plan(shell, line)`` walks the parsed line the way runtime/execute.py runs it — which
command forks, which runs in the shell, the pipe made per edge, the files opened and
moved above fd 9, the moves of each child's plan, the closes of the parent — and keeps
a simulated fd table for every process, starting from the shell's real one. Words are
shown as written (nothing is expanded: an expansion could run a command). Pids and
inodes are placeholders; a real `explain` of the same line gives the real ones.
"""

from __future__ import annotations

import os

from pyshell.explain import procfs
from pyshell.explain.model import Explanation, Process, Step, here_document_text, move_text, short_name
from pyshell.runtime.redirect import SAVE_FLOOR
from pyshell.syntax import ast, format, parse

_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND
PLACEHOLDER_SHELL = 1000


class _Table:
    """A simulated fd table: fd -> entry (the dicts procfs.fd_table makes)."""

    def __init__(self, entries):
        self.entries = {entry["fd"]: dict(entry) for entry in entries}

    def copy(self) -> "_Table":
        return _Table(self.entries.values())

    def lowest_free(self, floor: int = 0) -> int:
        fd = floor
        while fd in self.entries:
            fd += 1
        return fd

    def apply(self, move) -> str:
        if move[0] == "dup2":
            _, source, target = move
            entry = self.entries.get(source)
            old = self.entries.get(target)
            if entry is None:
                return f"fd {source} is not open: dup2 fails (EBADF)"
            self.entries[target] = dict(entry, fd=target, cloexec=False)  # dup2 clears close-on-exec
            said = f"fd {target} → {short_name(entry)}"
            return said + (f" (was {short_name(old)})" if old and short_name(old) != short_name(entry) else "")
        old = self.entries.pop(move[1], None)
        return f"fd {move[1]} closed" + (f" (was {short_name(old)})" if old else "")

    def listing(self) -> list[dict]:
        return [self.entries[fd] for fd in sorted(self.entries)]


class _Planner:
    def __init__(self, shell, line: str):
        self.shell = shell
        self.x = Explanation(line, PLACEHOLDER_SHELL, planned=True)
        own = [entry for entry in procfs.fd_table("self") if entry["fd"] <= 2 or not entry["cloexec"]]
        self.x.shell_fds = own
        self.tables = {PLACEHOLDER_SHELL: _Table(own)}
        self.next_pid = PLACEHOLDER_SHELL + 1
        self.next_inode = 1
        self.job_control = shell.jobs.terminal is not None
        self.functions = dict(shell.functions)  # and those the line defines, as it goes
        self.calling: list[str] = []            # functions being drawn (a recursive one once)

    def step(self, actor: int, text: str, why: str = "", kind: str = "call") -> None:
        self.x.steps.append(Step(actor, text, why, kind))

    # ---------------------------------------------------------------- system calls, simulated

    def _new_fd(self, actor: int, entry: dict, floor: int = 0) -> int:
        table = self.tables[actor]
        fd = table.lowest_free(floor)
        table.entries[fd] = dict(entry, fd=fd)
        return fd

    def _move_high(self, actor: int, fd: int) -> int:
        if fd >= SAVE_FLOOR:
            return fd
        table = self.tables[actor]
        high = self._new_fd(actor, table.entries[fd], SAVE_FLOOR)
        del table.entries[fd]
        return high

    def pipe(self, actor: int, why: str = "") -> tuple[int, int]:
        inode = self.next_inode
        self.next_inode += 1
        base = {"target": f"pipe:[{inode}]", "kind": "pipe", "inode": inode, "cloexec": True}
        read_end = self._new_fd(actor, dict(base, flags=os.O_RDONLY | os.O_CLOEXEC))
        write_end = self._new_fd(actor, dict(base, flags=os.O_WRONLY | os.O_CLOEXEC))
        self.step(actor, f"pipe() → [{read_end}, {write_end}]",
                  why or f"pipe:[{inode}]: fd {read_end} reads what fd {write_end} writes")
        return read_end, write_end

    def open(self, actor: int, path: str, flags: int) -> int:
        flags |= os.O_CLOEXEC
        absolute = os.path.abspath(path)
        inode = self.x.files.get(absolute, {}).get("inode") or 10000 + len(self.x.files)
        entry = {"target": absolute, "kind": "file", "inode": inode, "flags": flags & ~(os.O_CREAT | os.O_TRUNC),
                 "cloexec": True}
        fd = self._new_fd(actor, entry)
        high = self._move_high(actor, fd)
        text = f"open({path!r}, {procfs.flag_names(flags)}) → {fd}"
        if high != fd:
            text += f"; fcntl(F_DUPFD_CLOEXEC, 10) → {high}; close({fd})"
        self.step(actor, text, "close-on-exec, moved above the user's fds 0-9")
        self.x.files[absolute] = {"path": path, "flags": flags, "inode": inode}
        return high

    def close(self, actor: int, fds) -> None:
        for fd in fds:
            old = self.tables[actor].entries.get(fd)
            why = self.tables[actor].apply(("close", fd))
            if old and old["kind"] == "pipe":
                why += ": the shell's copy (EOF needs all writers gone)"
            self.step(actor, f"close({fd})", why)

    def fork(self, actor: int, moves, argv=None, path=None) -> Process:
        pid = self.next_pid
        self.next_pid += 1
        self.step(actor, f"fork() → {pid}", "a copy of the shell", "fork")
        table = self.tables[actor].copy()
        self.tables[pid] = table
        process = Process(pid, actor, "exec" if argv is not None else "subshell", argv or (), path)
        self.x.processes[pid] = process
        for move in moves:
            self.step(pid, move_text(move), table.apply(move))
        if argv is not None:
            self.step(pid, "SIG_DFL for PIPE INT QUIT TSTP TTIN TTOU", "ignored by the shell: back to default")
            self.step(pid, f"execve({path!r}, {list(argv)!r})", "the program now; close-on-exec fds vanish",
                      "exec")
        else:
            self.step(pid, "runs shell code in the copy (no execve)", "", "fork")
        process.fds = table.listing()
        return process

    def wait(self, actor: int, pids) -> None:
        for pid in pids:
            self.step(actor, f"waitpid() → {pid}", "the status comes back here", "wait")

    # ---------------------------------------------------------------- redirections

    def redirect_moves(self, actor: int, redirects) -> tuple[list, list]:
        """redirect.evaluate + open_moves, on the simulated table: (moves, fds opened)."""
        moves, opened = [], []
        for redirect in redirects:
            op = redirect.op
            fd = redirect.fd
            if op in ("<<", "<<-", "<<<"):
                source = self.here_document(actor)
                opened.append(source)
                moves.append(("dup2", source, 0 if fd is None else fd))
                continue
            target = format(redirect.target)
            flags = {"<": os.O_RDONLY, ">": _WRITE, ">|": _WRITE, ">>": _APPEND,
                     "<>": os.O_RDWR | os.O_CREAT, "&>": _WRITE, "&>>": _APPEND}.get(op)
            if op in (">&", "<&") and (target == "-" or target.isdigit()):
                fd = fd if fd is not None else (1 if op == ">&" else 0)
                moves.append(("close", fd) if target == "-" else ("dup2", int(target), fd))
                continue
            if op in (">&", "&>", "&>>"):  # `>&file` and `&>file`: both 1 and 2 go to the file
                source = self.open(actor, target, flags or _WRITE)
                opened.append(source)
                moves += [("dup2", source, 1), ("dup2", 1, 2)]
                continue
            source = self.open(actor, target, flags)
            opened.append(source)
            moves.append(("dup2", source, fd if fd is not None else (0 if op in ("<", "<>") else 1)))
        return moves, opened

    def here_document(self, actor: int) -> int:
        steps = len(self.x.steps)
        read_end, write_end = self.pipe(actor)
        del self.x.steps[steps:]  # one step says it all
        self.tables[actor].entries.pop(write_end)
        high = self._move_high(actor, read_end)
        self.step(actor, here_document_text(high),
                  f"the here-document in pipe:[{self.next_inode - 1}]: its text, then EOF")
        return high

    def in_shell(self, actor: int, redirects, body) -> None:
        """A builtin or compound command with redirections: FdSaver's save, move, run, restore."""
        moves, opened = self.redirect_moves(actor, redirects)
        table = self.tables[actor]
        saved = []
        for move in moves:
            target = move[2] if move[0] == "dup2" else move[1]
            if target not in [fd for fd, _ in saved]:
                copy = None
                if target in table.entries:
                    copy = self._new_fd(actor, dict(table.entries[target], cloexec=True), SAVE_FLOOR)
                    self.step(actor, f"fcntl({target}, F_DUPFD_CLOEXEC, 10) → {copy}",
                              f"in the shell itself: save fd {target} first")
                saved.append((target, copy))
            self.step(actor, move_text(move), table.apply(move))
        body()
        for target, copy in reversed(saved):
            if copy is None:
                self.step(actor, f"close({target})", table.apply(("close", target)) + ": put back")
            else:
                self.step(actor, f"dup2({copy}, {target})", table.apply(("dup2", copy, target)) + ": put back")
                self.step(actor, f"close({copy})", table.apply(("close", copy)))
        self.close(actor, opened)

    # ---------------------------------------------------------------- commands

    def script(self, actor: int, script: ast.Script) -> None:
        for statement in script.body:
            if statement.background:
                self.background(actor, statement.command)
            else:
                self.command(actor, statement.command)

    def command(self, actor: int, node) -> None:
        kind = type(node)
        if kind is ast.SimpleCommand:
            self.simple(actor, node)
        elif kind is ast.Pipeline:
            if len(node.commands) == 1:
                self.command(actor, node.commands[0])
            else:
                started = self.pipeline(actor, node, ())
                self.wait(actor, [pid for pid in started if pid is not None])
        elif kind is ast.AndOr:
            self.command(actor, node.left)
            self.step(actor, f"{node.op}: the right side runs only if the left one "
                             f"{'succeeded' if node.op == '&&' else 'failed'}", "", "builtin")
            self.command(actor, node.right)
        elif kind is ast.Subshell:
            moves, opened = self.redirect_moves(actor, node.redirects)
            child = self.fork(actor, moves)
            self.script(child.pid, node.body)
            self.close(actor, opened)
            self.wait(actor, [child.pid])
        elif kind is ast.FunctionDef:  # no system call: the shell only remembers the body
            self.functions[node.name] = node
        else:
            redirects = getattr(node, "redirects", ())
            self.in_shell(actor, redirects, lambda: self.compound(actor, node))

    def compound(self, actor: int, node) -> None:
        """The bodies of a compound command, each drawn once (a loop may run them often)."""
        if type(node) is ast.BraceGroup:
            self.script(actor, node.body)
            return
        self.step(actor, f"{type(node).__name__.lower()}: its parts, each drawn once", "", "builtin")
        for value in vars(node).values() if hasattr(node, "__dict__") else ():
            self._walk_scripts(actor, value)
        for name in getattr(node, "__slots__", ()):
            self._walk_scripts(actor, getattr(node, name, None))

    def _walk_scripts(self, actor: int, value) -> None:
        if isinstance(value, ast.Script):
            self.script(actor, value)
        elif isinstance(value, (tuple, list)):
            for item in value:
                self._walk_scripts(actor, item)
        elif value is not None and hasattr(value, "body") and isinstance(getattr(value, "body"), ast.Script):
            self.script(actor, value.body)

    def _is_program(self, name: str) -> bool:
        from pyshell.builtins import is_builtin

        return not is_builtin(name) and name not in self.functions

    def simple(self, actor: int, node: ast.SimpleCommand, moves=()) -> None:
        argv = [format(word) for word in node.words]
        if not argv:
            self.in_shell(actor, node.redirects, lambda: None)
            return
        if not self._is_program(argv[0]):
            if argv == ["exec"]:
                extra, opened = self.redirect_moves(actor, node.redirects)
                for move in extra:
                    self.step(actor, move_text(move), self.tables[actor].apply(move)
                              + ", for the rest of the shell's life")
                self.builtin(actor, argv)
                self.close(actor, opened)
                return
            if argv[0] in self.functions:
                self.in_shell(actor, node.redirects, lambda: self.call(actor, argv[0]))
            else:
                self.in_shell(actor, node.redirects, lambda: self.builtin(actor, argv))
            return
        path = self._find(argv[0])
        if path is None:
            self.step(actor, f"{argv[0]}: not found on $PATH → status 127",
                      "the shell searched $PATH first: no fork, no execve", "wait")
            return None
        extra, opened = self.redirect_moves(actor, node.redirects)
        child = self.fork(actor, list(moves) + extra, argv, path)
        self.close(actor, opened)
        if not moves:
            self.wait(actor, [child.pid])
        return child.pid

    def _find(self, name: str) -> str | None:
        if "/" in name:
            return name
        return self.shell.command_cache.find(name, self.shell.vars.get("PATH"))

    def call(self, actor: int, name: str) -> None:
        """A function runs in the process that calls it: its body, drawn once."""
        self.step(actor, f"calls function {name}", "its body runs here, no fork", "builtin")
        if name not in self.calling:
            self.calling.append(name)
            self.command(actor, self.functions[name].body)
            self.calling.pop()

    def builtin(self, actor: int, argv) -> None:
        where = "the shell" if actor == PLACEHOLDER_SHELL else f"subshell {actor}"
        self.step(actor, " ".join(argv), f"a builtin: runs in {where}, no fork", "builtin")
        entry = {"pid": actor, "argv": argv, "fds": self.tables[actor].listing()}
        self.x.builtins.append(entry)
        if actor in self.x.processes:
            self.x.processes[actor].builtins.append(entry)

    def start(self, actor: int, node, moves) -> int:
        """execute.start: a program straight from a plan, anything else in a forked copy."""
        if (type(node) is ast.SimpleCommand and node.words
                and self._is_program(format(node.words[0]))):
            return self.simple(actor, node, moves)
        child = self.fork(actor, moves)
        self.command(child.pid, node)
        return child.pid

    def pipeline(self, actor: int, node: ast.Pipeline, stdin_moves) -> list[int]:
        started = []
        read_end = None
        last = len(node.commands) - 1
        for index, command in enumerate(node.commands):
            moves = list(stdin_moves) if index == 0 else []
            if read_end is not None:
                moves += [("dup2", read_end, 0), ("close", read_end)]
            next_read = write_end = None
            if index < last:
                next_read, write_end = self.pipe(actor)
                moves.append(("dup2", write_end, 1))
                if index < len(node.stderr_too) and node.stderr_too[index]:
                    moves.append(("dup2", write_end, 2))
                moves += [("close", write_end), ("close", next_read)]
            started.append(self.start(actor, command, moves))
            self.close(actor, [fd for fd in (read_end, write_end) if fd is not None])
            read_end = next_read
        return started

    def background(self, actor: int, node) -> None:
        moves, opened = [], []
        if not self.job_control:
            devnull = self.open(actor, os.devnull, os.O_RDONLY)
            opened.append(devnull)
            moves.append(("dup2", devnull, 0))
            self.x.steps[-1].why = "POSIX: without job control, a background job reads /dev/null"
        if type(node) is ast.Pipeline and len(node.commands) > 1 and not node.negated:
            self.pipeline(actor, node, moves)
        else:
            self.start(actor, node, moves)
        self.close(actor, opened)
        self.step(actor, "(no waitpid: the job runs in the background)", "", "wait")


def plan(shell, line: str) -> Explanation:
    """The Explanation of ``line`` as the shell would run it (raises ParseError if it is wrong)."""
    planner = _Planner(shell, line)
    planner.script(PLACEHOLDER_SHELL, parse(line, "explain", shell.aliases))
    return planner.x
