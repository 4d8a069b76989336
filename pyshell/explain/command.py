"""The `explain` builtin: run a command line with a recorder, then draw what happened.

    explain [-n] [--ascii] [--svg FILE] [--json FILE] COMMANDLINE [--vs COMMANDLINE]

The words of COMMANDLINE are joined with spaces, as `eval` does (quote the line to keep
its `|` and `>` away from the shell that reads the `explain` command itself).
``--vs`` draws a second line beside the first: `explain 'ls > f 2>&1' --vs 'ls 2>&1 > f'`.
"""

from __future__ import annotations

import json
import os

from pyshell.builtins import complain, write_out

USAGE = "explain [-n] [--ascii] [--svg FILE] [--json FILE] COMMANDLINE [--vs COMMANDLINE]"


class Request:
    def __init__(self):
        self.plan_only = False
        self.ascii = False
        self.svg: str | None = None
        self.json: str | None = None
        self.lines: list[str] = []


def parse_arguments(args) -> Request:
    """The options, then the line(s); raises ValueError with the one-line complaint."""
    request = Request()
    words: list[list[str]] = [[]]
    index = 0
    while index < len(args) and not words[0]:
        arg = args[index]
        if arg == "-n":
            request.plan_only = True
        elif arg == "--ascii":
            request.ascii = True
        elif arg in ("--svg", "--json"):
            if index + 1 == len(args):
                raise ValueError(f"{arg}: needs a file name")
            index += 1
            setattr(request, arg[2:], args[index])
        elif arg == "--":
            index += 1
            break
        elif arg.startswith("-") and len(arg) > 1:
            raise ValueError(f"{arg}: unknown option (usage: {USAGE})")
        else:
            break
        index += 1
    for arg in args[index:]:
        if arg == "--vs":
            words.append([])
        else:
            words[-1].append(arg)
    request.lines = [" ".join(each) for each in words]
    if not all(line.strip() for line in request.lines):
        raise ValueError(f"a command line is needed (usage: {USAGE})")
    if len(request.lines) > 2:
        raise ValueError("--vs compares two command lines")
    return request


def main(shell, argv) -> int:
    try:
        request = parse_arguments(argv[1:])
    except ValueError as error:
        complain("explain", str(error))
        return 2
    from pyshell.runtime import observer

    if observer.recorder is not None:
        complain("explain", "already explaining (explain inside explain)")
        return 1
    explanations = []
    status = 0
    for line in request.lines:
        if request.plan_only:
            from pyshell.explain.plan import plan

            try:
                explanations.append(plan(shell, line))
            except Exception as error:  # a syntax error, mostly: say it in one line
                complain("explain", getattr(error, "message", None) or str(error))
                return 2
        else:
            explained, status, leaving = run_explained(shell, line)
            explanations.append(explained)
            if leaving is not None:
                show(request, explanations)
                raise leaving
    return show(request, explanations) or status


def explain_line(shell, line: str) -> int:
    """`set -o explain` in the REPL: run ``line`` as `explain LINE` would, and draw it."""
    if line.strip() in ("set +o explain", "set -o explain"):  # the switch itself: nothing to draw
        return shell.run_source(line, "<stdin>")
    explained, status, leaving = run_explained(shell, line)
    show(Request(), [explained])
    if leaving is not None:
        raise leaving
    shell.last_status = status
    return status


def run_explained(shell, line: str):
    """Run ``line`` in ``shell`` with the recorder on; (Explanation, status)."""
    from pyshell.explain.model import build
    from pyshell.explain.recorder import Recorder
    from pyshell.runtime import observer

    from pyshell.runtime.control import ExitShell

    recorder = Recorder()
    observer.recorder = recorder
    leaving = None
    try:
        status = shell.run_source(line, "explain")
        shell.jobs.poll()  # background jobs that are already done get their status
    except ExitShell as exiting:  # `explain 'exit 3'`: draw first, then leave
        leaving, status = exiting, exiting.status
    finally:
        observer.recorder = None
    try:
        events = recorder.events()
    finally:
        recorder.close()
    return build(line, events), status, leaving


def show(request: Request, explanations) -> int:
    from pyshell.explain import draw

    try:
        if request.json:
            text = json.dumps([each.to_dict() for each in explanations], indent=1)
            _write_file(request.json, text)
        if request.svg:
            from pyshell.explain.svg import svg_document

            _write_file(request.svg, svg_document(explanations))
    except OSError as error:
        complain("explain", f"{error.filename}: {error.strerror}")
        return 1
    colour = not request.ascii and os.isatty(1) and "NO_COLOR" not in os.environ
    style = draw.Style(ascii=request.ascii, colour=colour)
    width = _terminal_width()
    if len(explanations) == 1:
        lines = draw.render(explanations[0], style, width)
    else:
        column = (width - 3) // 2
        left, right = (draw.render(each, style, column, compact=True) for each in explanations)
        lines = draw.side_by_side(left, right, width, style)
    write_out("\n".join(lines) + "\n")
    return 0


def _write_file(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(text + "\n")


def _terminal_width() -> int:
    try:
        return os.get_terminal_size(1).columns
    except OSError:
        return int(os.environ.get("COLUMNS", "") or 120) if os.environ.get("COLUMNS", "").isdigit() else 120
