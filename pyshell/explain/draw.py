"""The terminal diagram of an ``Explanation``: steps in order, one box per process with its
fd table, then the pipes and files that join them. Box drawing and colours on a terminal;
``Style(ascii=True)`` draws the same with + - | and no colour (--ascii, tests, logs).

``render(explanation, style, width) -> list of lines``; ``side_by_side`` puts two
renderings next to each other (``explain A --vs B``).
"""

from __future__ import annotations

import re

from pyshell.explain.model import Explanation, describe_status
from pyshell.explain.procfs import flag_names

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
PIPE_COLOURS = ("36", "35", "32", "34", "33;1", "31")


class Style:
    def __init__(self, ascii: bool = False, colour: bool = False):
        self.ascii = ascii
        self.colour = colour and not ascii
        if ascii:
            self.top_left = self.top_right = self.bottom_left = self.bottom_right = "+"
            self.horizontal, self.vertical = "-", "|"
            self.to_right, self.from_left, self.arrow = "-->", "<--", "->"
        else:
            self.top_left, self.top_right, self.bottom_left, self.bottom_right = "┌", "┐", "└", "┘"
            self.horizontal, self.vertical = "─", "│"
            self.to_right, self.from_left, self.arrow = "──▶", "◀──", "→"

    def paint(self, text: str, code: str | None) -> str:
        if not self.colour or not code:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"


def visible_length(text: str) -> int:
    return len(_ANSI.sub("", text))


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` visible characters (keeping colour codes whole)."""
    if visible_length(text) <= width:
        return text
    out, seen = [], 0
    for piece in re.split(r"(\x1b\[[0-9;]*m)", text):
        if _ANSI.fullmatch(piece or "x"):
            out.append(piece)
            continue
        room = width - 1 - seen
        if room <= 0:
            continue
        out.append(piece[:room])
        seen += len(piece[:room])
    return "".join(out) + "…" + ("\x1b[0m" if "\x1b[" in text else "")


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - visible_length(text))


class _Drawing:
    """One rendering: the title, the steps in order, a box per process with its fd table,
    then the pipes and files that join them."""

    def __init__(self, explanation: Explanation, style: Style, width: int, compact: bool = False):
        self.compact = compact  # beside another drawing (--vs): no preamble, only the fd moves' whys
        self.x = explanation
        self.style = style
        self.width = max(40, width)
        self.lines: list[str] = []
        self.pipes = explanation.pipes()
        self.pipe_colour = {inode: PIPE_COLOURS[index % len(PIPE_COLOURS)]
                            for index, inode in enumerate(sorted(self.pipes, key=self._first_seen))}

    def _first_seen(self, inode: int) -> tuple[int, int]:
        """The pipes the line made, in the order it made them; then the ones it inherited."""
        for index, step in enumerate(self.x.steps):
            if step.text.startswith("pipe(") and f"pipe:[{inode}]" in step.why:
                return 0, index
        return 1, inode

    def emit(self, text: str = "") -> None:
        self.lines.append(_fit(text, self.width))

    # ---------------------------------------------------------------- sections

    def draw(self) -> list[str]:
        x, paint = self.x, self.style.paint
        title = "explain -n (the plan: nothing ran)" if x.planned else "explain"
        self.emit(paint(f"{title}: {x.line}", "1"))
        if x.planned and not self.compact:
            self.emit(paint("  pids and inodes are placeholders; the fds are the ones the shell would use", "2"))
        elif not self.compact:
            self.emit(paint(f"  pysh is pid {x.shell_pid}; each child was held before execve while pysh read"
                            " /proc/PID/fd", "2"))
            self.emit(paint("  (explain starts programs with fork(); otherwise pysh uses posix_spawn, same moves)",
                            "2"))
        self.emit()
        self._steps()
        self._boxes()
        self._joins()
        return self.lines

    def _actor(self, pid: int) -> str:
        name = self.x.actor_name(pid)
        return f"{name} {pid}"

    def _steps(self) -> None:
        paint = self.style.paint
        self.emit(paint("steps, in the order they happened" if not self.x.planned else "steps", "1"))
        if not self.x.steps:
            self.emit("  (none: the line did nothing)")
        actor_width = max((len(self._actor(step.actor)) for step in self.x.steps), default=4)
        colours = {"fork": "32", "exec": "1", "wait": "34", "builtin": "33"}
        for number, step in enumerate(self.x.steps, 1):
            indent = "" if step.actor == self.x.shell_pid else "  "
            actor = _pad(indent + self._actor(step.actor), actor_width + 2)
            line = f"  {number:>2}  {paint(actor, '2')}  {paint(step.text, colours.get(step.kind))}"
            if self.compact and not step.text.startswith(("dup2(", "close(")):
                self.emit(line)
                continue
            if step.why and visible_length(line) + len(step.why) + 5 <= self.width:
                line += paint(f"   # {step.why}", "2")
            elif step.why:  # no room on the line: the why goes under the call
                self.emit(line)
                line = " " * (8 + actor_width + 2) + paint(f"# {step.why}", "2")
            self.emit(line)
        self.emit()

    def _boxes(self) -> None:
        paint = self.style.paint
        x = self.x
        if x.processes or x.builtins:
            self.emit(paint("processes and their fd tables", "1"))
        plain = []  # builtins that ran with the shell's own fds: named, not drawn
        for builtin in x.builtins:
            if builtin["pid"] != x.shell_pid:
                continue
            if _user_fds(builtin["fds"]) == _user_fds(x.shell_fds):
                plain.append(" ".join(builtin["argv"]))
                continue
            self._box(f"{x.shell_pid}  pysh: builtin {' '.join(builtin['argv'])}",
                      "runs in the shell itself (no fork); its fds while it ran:", builtin["fds"], builtin["pid"])
        if plain:
            self.emit(f"  builtins run by the shell with its own fds: {'; '.join(plain)}")
        for process in x.tree_order():
            facts = [f"parent {process.parent}"]
            if process.pgid is not None:
                facts.append(f"group {process.pgid}")
            if process.failed:
                facts.append(process.failed)
            elif not x.planned:
                facts.append(describe_status(process.status))
            when = "at execve" if process.kind == "exec" else "when it began"
            heading = f"{process.pid}  {process.label}"
            indent = 2 + 4 * self._depth(process)  # a subshell's children under it
            self._box(heading, " · ".join(facts) + f"; fds {when}:", process.fds, process.pid, indent)
            for builtin in process.builtins:
                self._box(f"{process.pid}  subshell: builtin {' '.join(builtin['argv'])}",
                          "runs in the subshell (no fork); its fds:", builtin["fds"], process.pid, indent + 4)
        self.emit()

    def _depth(self, process) -> int:
        depth = 0
        while process.parent in self.x.processes and depth < 8:
            process = self.x.processes[process.parent]
            depth += 1
        return depth

    def _box(self, heading: str, facts: str, fds, pid: int, indent: int = 2) -> None:
        s = self.style
        inner = self.width - indent - 4
        rows = [s.paint(facts, "2")]
        shown = [entry for entry in fds if entry["fd"] <= 9 or not entry["cloexec"]]
        hidden = len(fds) - len(shown)
        column = min(44, max((len(entry["target"]) + 4 for entry in shown), default=10))
        for entry in shown:
            rows.append(self._fd_row(entry, pid, column))
        if hidden:
            at_least = ">=" if s.ascii else "≥"
            rows.append(s.paint(f"(and {hidden} of the shell's own fds {at_least} 10, close-on-exec)", "2"))
        content_width = min(inner, max(visible_length(row) for row in rows + [heading + "  "]))
        margin = " " * indent
        top = f"{s.top_left}{s.horizontal} {s.paint(heading, '1')} "
        top += s.horizontal * max(0, content_width + 3 - visible_length(top)) + s.top_right
        self.emit(margin + top)
        for row in rows:
            self.emit(f"{margin}{s.vertical} {_pad(_fit(row, content_width), content_width)} {s.vertical}")
        self.emit(margin + s.bottom_left + s.horizontal * (content_width + 2) + s.bottom_right)

    def _fd_row(self, entry: dict, pid: int, column: int) -> str:
        s = self.style
        target, kind = entry["target"], entry["kind"]
        note = ""
        colour = None
        if kind == "pipe":
            inode = entry["inode"]
            colour = self.pipe_colour.get(inode, "36")
            ends = self.pipes.get(inode, {"write": [], "read": []})
            if entry["flags"] & 3 == 1:  # O_WRONLY: the write end
                others = [f"{p} fd {fd}" for p, fd in ends["read"] if p != pid]
                note = f"write end {s.to_right} " + (", ".join(others) or "(read outside this line)")
            else:
                others = [f"{p} fd {fd}" for p, fd in ends["write"] if p != pid]
                note = f"read end {s.from_left} " + (", ".join(others) or "(written outside this line)")
        elif kind == "file":
            colour = "33"
            note = flag_names(entry["flags"] & ~0o2000000)
        elif kind == "tty":
            note = "the terminal"
        if entry["cloexec"]:
            note = entry.get("role") or (("write end" if entry["flags"] & 3 == 1 else "read end")
                                         if kind == "pipe" else note)
            note = " · ".join(part for part in (note, "close-on-exec: gone at execve") if part)
            colour = "2"
        text = f"{entry['fd']:>2}  {target}"
        return s.paint(f"{_pad(text, column)}  {note}".rstrip(), colour)

    def _closed_copies(self, inode: int) -> str:
        """Whether the process that made the pipe closed both of its ends (by step number):
        the reader sees EOF only once no process holds the write end."""
        steps = self.x.steps
        for number, step in enumerate(steps):
            if step.text.startswith("pipe() → [") and f"pipe:[{inode}]" in step.why:
                ends = [int(fd) for fd in step.text.split("[")[1].rstrip("]").split(",")]
                closed = [later + 1 for later in range(number + 1, len(steps))
                          if steps[later].actor == step.actor
                          and steps[later].text in (f"close({ends[0]})", f"close({ends[1]})")][:2]
                who = self.x.actor_name(step.actor)
                if len(closed) == 2:
                    return self.style.paint(f"   # {who} closed its copies: steps {closed[0]} and {closed[1]}", "2")
                return self.style.paint(f"   # {who} kept a copy: a reader would never see EOF", "31;1")
        return ""

    def _joins(self) -> None:
        s = self.style
        if self.pipes:
            self.emit(s.paint("pipes (who holds each end once running)", "1"))
        for inode in sorted(self.pipes, key=self._first_seen):
            ends = self.pipes[inode]
            writers = ", ".join(f"{self._actor(p)} fd {fd}" for p, fd in ends["write"]) or "outside"
            readers = ", ".join(f"{self._actor(p)} fd {fd}" for p, fd in ends["read"]) or "outside"
            self.emit("  " + s.paint(f"pipe:[{inode}]  {writers}  {s.to_right}  {readers}",
                                     self.pipe_colour.get(inode)) + self._closed_copies(inode))
        if self.x.files:
            self.emit(s.paint("files opened for redirections", "1"))
        for absolute, info in self.x.files.items():
            holders = [f"{self._actor(pid)} fd {entry['fd']}" for pid, table in self.x.tables()
                       for entry in table if entry["kind"] == "file" and entry["inode"] == info["inode"]
                       and not entry["cloexec"]]
            self.emit("  " + s.paint(f"{info['path']}  {flag_names(info['flags'])}", "33")
                      + f"  held by: {', '.join(holders) or 'nobody once running'}")


def _user_fds(table) -> dict:
    return {entry["fd"]: (entry["target"], entry["flags"] & ~0o2000000) for entry in table
            if entry["fd"] <= 9 and not entry["cloexec"]}


def render(explanation: Explanation, style: Style, width: int = 100, compact: bool = False) -> list[str]:
    return _Drawing(explanation, style, width, compact).draw()


def side_by_side(left: list[str], right: list[str], width: int, style: Style) -> list[str]:
    column = (width - 3) // 2
    bar = " | " if style.ascii else " │ "
    rows = max(len(left), len(right))
    left = left + [""] * (rows - len(left))
    right = right + [""] * (rows - len(right))
    return [(_pad(_fit(a, column), column) + bar + _fit(b, column)).rstrip() for a, b in zip(left, right)]
