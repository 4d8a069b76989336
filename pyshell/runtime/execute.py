"""The executor: walk the AST and run it. ``execute(shell, command) -> status``.

There is one small function per kind of node, chosen by a table keyed by the node's
type. A simple command is expanded (pyshell.expand), then found in this order — special
builtin, function, builtin, program on $PATH — and run: builtins and functions in the
shell process with their redirections applied and undone around them; programs in a
child started from a spawn plan (process.py). A pipeline starts every stage, left to
right, each with one end of the pipe on each side, and waits for them all (jobs.py).

``set -e`` is checked where a command's status is final (simple commands, pipelines,
subshells) unless we are inside a condition: ``errexit_suppressed`` counts how deep we
are in if/while conditions, the left side of && and ||, and ``!``.
"""

from __future__ import annotations

import errno
import os
import re

from pyshell.runtime.registry import find_builtin, is_builtin
from pyshell.errors import ExpandError, PyshError, RedirectError
from pyshell.expand import fields, literal, pattern
from pyshell.expand.glob import matches
from pyshell.runtime import observer
from pyshell.runtime.control import AbortCommandLine, BreakLoop, ContinueLoop, ExitShell, ReturnFromFunction
from pyshell.runtime.process import SpawnPlan, fork_subshell, spawn
from pyshell.syntax.ast import (AndOr, ArithCommand, ArithExp, ArithFor, ArrayItem, ArrayLit, BraceGroup,
                                Case, CondCommand, DblQuoted, For, FunctionDef, If, Lit, ParamExp,
                                Pipeline, SimpleCommand, Subshell, While, Word)
from pyshell.syntax.lexer import DECLARATION_BUILTINS

# pyshell.runtime.redirect is imported inside the functions that use it: a script
# without redirections never loads it (pysh -c startup is a feature).


_ASSIGNMENT_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\+?=|\[)")  # NAME= NAME+= NAME[


KEYWORDS = frozenset("if then else elif fi case esac for while until do done in { } ! [[ ]]".split())


def execute(shell, command) -> int:
    """Run one command node and return its exit status."""
    return _RUNNERS[type(command)](shell, command)


def run_script(shell, script) -> int:
    """Run a list of statements; the status is the last one's (0 for an empty list)."""
    status = 0
    pipes = shell.substitution_fds
    opened = len(pipes) if pipes else 0   # <(…) pipes of enclosing commands stay open
    for statement in script.body:
        command = statement.command
        if statement.background:
            status = run_background(shell, command)
        else:
            status = _RUNNERS[type(command)](shell, command)
        shell.last_status = status
        if pipes and len(pipes) > opened:   # <(…) pipes used by this statement
            shell.close_substitutions(opened)
        if shell.pending_signals:
            shell.run_pending_traps()
    return status


def _errexit(shell, status: int) -> int:
    if status and not shell.errexit_suppressed:
        if shell.err_trap is not None:
            shell.last_status = status
            shell.run_trap(shell.err_trap)
        if shell.options.errexit:
            raise ExitShell(status)
    return status


# ---------------------------------------------------------------- simple commands


def run_simple(shell, command: SimpleCommand) -> int:
    if command.pos is not None:
        shell.lineno = command.pos.line
    shell.substitution_status = None
    if shell.debug_trap is not None:
        _debug_trap(shell, command)
    words = command.words
    try:
        if not words:
            argv = []
        else:
            first = words[0].parts
            if type(first[0]) is Lit and first[0].text in DECLARATION_BUILTINS and len(first) == 1:
                argv = _declaration_fields(words, shell)
            else:
                argv = fields(words, shell)
    except PyshError as error:
        return _expansion_failed(shell, error)
    if not argv:
        status = _assignments_only(shell, command)
    else:
        status = run_argv(shell, argv, command.assigns, command.redirects)
    shell.last_argv = argv   # $_ is its last word ("" after an assignment alone, as bash)
    return _errexit(shell, status)


def _declaration_fields(words, shell) -> list[str]:
    """The arguments of declare/typeset/local/export/readonly: one that is written as an
    assignment (``x=$v``, ``a=(1 2)``) is neither split nor globbed; the others are."""
    from pyshell.expand import literal as expand_literal
    from pyshell.expand.variables import ArrayArgument

    argv = [words[0].parts[0].text]
    for word in words[1:]:
        parts = word.parts
        first = parts[0] if parts else None
        if type(first) is not Lit or not _ASSIGNMENT_PREFIX.match(first.text):
            argv.extend(fields([word], shell))
            continue
        if len(parts) == 2 and type(parts[1]) is ArrayLit:
            argument = ArrayArgument(first.text + "(...)")
            argument.items = array_items(shell, parts[1])
            argv.append(argument)
        else:
            argv.append(expand_literal(word, shell, assignment=True))
    return argv


def _debug_trap(shell, command) -> None:
    """bash's DEBUG trap: run before each simple command, with $BASH_COMMAND its text."""
    from pyshell.syntax import format as format_source

    if shell.running_trap:
        return
    shell.vars["BASH_COMMAND"] = format_source(command).strip()
    shell.run_trap(shell.debug_trap)


def array_items(shell, array: ArrayLit) -> list:
    """The items of ``( … )`` expanded: values (split and globbed, like command words) and
    (subscript, value, append) triples for ``[key]=value``."""
    items: list = []
    for item in array.items:
        if type(item) is ArrayItem:
            items.append((literal(item.index, shell), literal(item.value, shell, assignment=True),
                          item.append))
        else:
            items.extend(fields([item], shell))
    return items


def assign(shell, assignment) -> None:
    """Run one assignment word: ``x=v``, ``x+=v``, ``a[i]=v``, ``a=(…)``, ``a+=(…)``."""
    if assignment.array is not None:
        items = array_items(shell, assignment.array)
        if shell.options.xtrace:
            _trace(shell, (), (assignment.name, "(" + " ".join(
                quote(item if isinstance(item, str) else item[1]) for item in items) + ")"), raw=True)
        shell.assign_array(assignment.name, items, append=assignment.append)
        return
    value = literal(assignment.value, shell, assignment=True)
    if assignment.index is not None:
        subscript = literal(assignment.index, shell)
        if shell.options.xtrace:
            _trace(shell, (), (f"{assignment.name}[{subscript}]", value))
        shell.set_element(assignment.name, subscript, value, assignment.append)
        return
    if shell.options.xtrace:
        _trace(shell, (), (assignment.name + ("+" if assignment.append else ""), value))
    if assignment.append:
        shell.append_var(assignment.name, value)
    else:
        shell.setvar(assignment.name, value)


def run_argv(shell, argv: list[str], assigns=(), redirects=(), use_functions: bool = True) -> int:
    """Find and run an expanded command line (also used by `command`)."""
    name = argv[0]
    if shell.options.xtrace:
        _trace(shell, argv)
    builtin = find_builtin(name)
    if builtin is not None and builtin.special:
        # POSIX: an error in a special builtin ends a non-interactive shell — unless it
        # was called through `command` (use_functions is False then).
        fatal = use_functions and not shell.interactive
        if name == "exec" and len(argv) == 1:
            return _redirect_for_good(shell, redirects, fatal)
        return _run_builtin(shell, builtin, argv, assigns, redirects, keep_assignments=True,
                            fatal=fatal)
    if use_functions:
        function = shell.functions.get(name)
        if function is not None:
            return _call_function(shell, function, argv, assigns, redirects)
    if builtin is not None:
        return _run_builtin(shell, builtin, argv, assigns, redirects, keep_assignments=False)
    return _run_program(shell, argv, assigns, redirects)


def _expansion_failed(shell, error: PyshError) -> int:
    shell.report(error.message)
    if not shell.interactive:
        # POSIX: an expansion (or readonly assignment) error ends a non-interactive shell.
        # bash then exits with 127 from the main shell, and 1 from a subshell: so do we.
        # After an error of bash's own forms, bash only drops the rest of the command line.
        if shell.is_subshell:
            raise ExitShell(error.status)
        if getattr(error, "bash_form", False):
            raise AbortCommandLine(1)
        raise ExitShell(127)
    return error.status


def _assignments_only(shell, command: SimpleCommand) -> int:
    assignment = None
    try:
        for assignment in command.assigns:
            if (assignment.array is None and assignment.index is None and not assignment.append
                    and not shell.options.xtrace):   # the common case, kept quick: x=value
                shell.setvar(assignment.name, literal(assignment.value, shell, assignment=True))
            else:
                assign(shell, assignment)
    except ExpandError as error:
        return _expansion_failed(shell, error)
    except PyshError as error:
        if assignment.index is None and assignment.array is None:
            return _expansion_failed(shell, error)  # POSIX's case: as bash --posix
        return _assignment_failed(shell, error)
    status = shell.substitution_status or 0
    if command.redirects:  # `> file` alone creates the file
        return _with_redirects(shell, command.redirects, lambda: status)
    return status


def _assignment_failed(shell, error: PyshError) -> int:
    """A readonly variable, a bad subscript: bash reports it and, in a script, drops the
    rest of the command line, status 1 (errexit then ends the shell)."""
    shell.report(error.message)
    if not shell.interactive:
        if shell.is_subshell:
            raise ExitShell(1)
        if shell.options.errexit and not shell.errexit_suppressed:
            raise ExitShell(1)
        raise AbortCommandLine(1)
    return 1


def _with_redirects(shell, redirects, run, fatal: bool = False, errexit: bool = False) -> int:
    """Run ``run()`` in the shell with ``redirects`` applied, then put every fd back.
    A redirection that fails is the command's failure (status 1; with ``errexit``, a
    compound command's, checked against set -e here); an expansion error in its word is
    an expansion error."""
    from pyshell.runtime.redirect import close_all, evaluate, FdSaver, open_moves

    try:
        moves, opened = open_moves(evaluate(redirects, shell))
    except ExpandError as error:
        return _expansion_failed(shell, error)
    except PyshError as error:
        shell.report(error.message)
        if fatal:
            raise ExitShell(1) from None
        return _errexit(shell, 1) if errexit else 1
    try:
        with FdSaver(moves):
            return run()
    finally:
        close_all(opened)


def _redirect_for_good(shell, redirects, fatal: bool) -> int:
    """``exec 3>file``: the redirections stay for the rest of the shell's life."""
    from pyshell.runtime.redirect import apply_moves, close_all, evaluate, open_moves

    try:
        moves, opened = open_moves(evaluate(redirects, shell))
    except PyshError as error:
        shell.report(error.message)
        if fatal:
            raise ExitShell(1) from None
        return 1
    apply_moves(moves)
    if observer.recorder is not None:
        observer.recorder.builtin(["exec"], moves)
    close_all(opened)
    return 0


def _assign_values(shell, assigns) -> list[tuple[str, str]]:
    """The prefix assignments of a command (``X=1 cmd``), expanded. The value of ``X+=1``
    is the old value and the new one, as bash does."""
    values = []
    for assignment in assigns:
        value = literal(assignment.value, shell, assignment=True)
        if assignment.append:
            value = (shell.getvar(assignment.name) or "") + value
        values.append((assignment.name, value))
    return values


def _run_builtin(shell, builtin, argv, assigns, redirects, keep_assignments: bool,
                 fatal: bool = False) -> int:
    try:
        values = _assign_values(shell, assigns)
    except PyshError as error:
        return _expansion_failed(shell, error)
    saved = [] if keep_assignments else [(name, shell.vars.get(name)) for name, _ in values]
    try:
        for name, value in values:
            shell.setvar(name, value)
    except PyshError as error:   # a readonly variable: as an assignment error (POSIX: fatal)
        return _expansion_failed(shell, error)
    try:
        if redirects:
            return _with_redirects(shell, redirects, lambda: _call_builtin(shell, builtin, argv, fatal),
                                   fatal)
        return _call_builtin(shell, builtin, argv, fatal)
    finally:
        for name, value in saved:
            shell.restore_var(name, value)


def _call_builtin(shell, builtin, argv, fatal: bool = False) -> int:
    """Run a builtin. One that raises PyshError has failed: report it (and with ``fatal``,
    for a special builtin in a script, leave the shell)."""
    try:
        if observer.recorder is not None:
            observer.recorder.builtin(argv)
        return builtin.run(shell, argv)
    except ExpandError as error:
        return _expansion_failed(shell, error)
    except PyshError as error:
        shell.report(error.message)
        if fatal:
            raise ExitShell(error.status) from None
        return error.status
    except OSError as error:
        shell.report(f"{argv[0]}: {error.strerror or error}")
        return 1


def _call_function(shell, function: FunctionDef, argv, assigns, redirects) -> int:
    try:
        values = _assign_values(shell, assigns)
    except PyshError as error:
        return _expansion_failed(shell, error)
    saved_positional = shell.positional
    frame: dict = {}
    shell.local_frames.append(frame)
    shell.function_names.append(argv[0])
    shell.call_sites.append((argv[0], shell.lineno))
    shell.positional = argv[1:]
    try:
        for name, value in values:  # `X=1 f`: X is set, exported, for the call only
            shell.make_local(name)
            shell.setvar(name, value, export=True)
        if redirects:
            status = _with_redirects(shell, redirects, lambda: _function_body(shell, function))
        else:
            status = _function_body(shell, function)
        if shell.return_trap is not None:   # bash's RETURN trap, as the function ends
            shell.last_status = status
            shell.run_trap(shell.return_trap)
        return status
    finally:
        shell.local_frames.pop()
        shell.function_names.pop()
        shell.call_sites.pop()
        shell.restore_locals(frame)
        shell.positional = saved_positional


def _function_body(shell, function: FunctionDef) -> int:
    if observer.recorder is not None:
        observer.recorder.function(function.name)
    saved_loop_depth = shell.loop_depth
    shell.loop_depth = 0
    try:
        return execute(shell, function.body)
    except ReturnFromFunction as returned:
        return returned.status
    finally:
        shell.loop_depth = saved_loop_depth


def _trace(shell, argv, assignment: tuple[str, str] | None = None, raw: bool = False) -> None:
    """`set -x`: show the command about to run, after expansion, quoted for reuse."""
    from pyshell.runtime.registry import write_err

    prefix = shell.getvar("PS4")
    if prefix is None:
        prefix = "+ "
    if assignment is not None:
        write_err(f"{prefix}{assignment[0]}={assignment[1] if raw else quote(assignment[1])}\n")
    else:
        write_err(prefix + " ".join(quote(word) for word in argv) + "\n")


def quote(word: str) -> str:
    """Quote ``word`` for reuse as shell input (set -x, `set`, `export -p`)."""
    if word and all(c.isalnum() or c in "_./=:,+@%^-" for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------- programs


def _run_program(shell, argv, assigns, redirects) -> int:
    from pyshell.runtime.redirect import close_all, evaluate, open_moves

    try:
        env = _program_environment(shell, assigns)
        moves, opened = open_moves(evaluate(redirects, shell)) if redirects else ([], [])
    except RedirectError as error:
        shell.report(error.message)
        return 1
    except PyshError as error:
        return _expansion_failed(shell, error)
    job_control = shell.jobs.terminal is not None
    try:
        pid, status = start_program(shell, argv, env, moves, 0 if job_control else None)
    finally:
        close_all(opened)
    if pid is None:
        return status
    describe = lambda: " ".join(argv)  # noqa: E731
    return shell.jobs.run_foreground([pid], pid if job_control else None, describe)[0]


def _program_environment(shell, assigns) -> dict[str, str]:
    env = shell.environ()
    if assigns:
        env = dict(env)
        env.update(_assign_values(shell, assigns))
    return env


def find_program(shell, name: str, search_path: str | None = None) -> str | None:
    """Where program ``name`` is: itself if it has a slash, else found on $PATH (cached),
    or on ``search_path`` for `PATH=... cmd` (not cached)."""
    if "/" in name:
        return name
    if search_path is not None:
        from pyshell.runtime.path import search

        return search(name, search_path)
    return shell.command_cache.find(name, shell.vars.get("PATH"))


def start_program(shell, argv, env, moves, pgid) -> tuple[int | None, int]:
    """Spawn program ``argv[0]``: (pid, 0), or (None, 126/127) after saying why it failed."""
    name = argv[0]
    search_path = env.get("PATH")
    path = find_program(shell, name, search_path if search_path != shell.vars.get("PATH") else None)
    if path is None:
        if observer.recorder is not None:
            observer.recorder.not_found(name)
        _report_as_child(shell, moves, f"{name}: command not found")
        return None, 127
    plan = SpawnPlan(path, tuple(argv), env, tuple(moves), pgid, shell.signals_to_reset())
    try:
        return spawn(plan), 0
    except OSError as error:
        if error.errno == errno.ENOEXEC:  # no #! line: a shell script, run by a copy of us
            return _run_as_script(shell, path, argv, moves, pgid), 0
        if error.errno == errno.ENOENT:
            shell.command_cache.forget()
            _report_as_child(shell, moves, f"{name}: No such file or directory")
            return None, 127
        reason = "Is a directory" if os.path.isdir(path) else error.strerror
        _report_as_child(shell, moves, f"{name}: {reason}")
        return None, 126


def _report_as_child(shell, moves, message: str) -> None:
    """Report a failed start where the child's stderr would have gone (`foo 2>/dev/null`)."""
    from pyshell.runtime.redirect import FdSaver

    with FdSaver(moves):
        shell.report(message)


def _run_as_script(shell, path, argv, moves, pgid) -> int:
    def run_file() -> int:
        # A new script starts with the exported environment only, as if exec'd.
        shell.vars = dict(shell.environ())
        shell.functions.clear()
        shell.aliases.clear()
        shell.argv0 = path
        return shell.run_file(path, argv[1:])

    return fork_subshell(shell, run_file, moves, pgid)


# ---------------------------------------------------------------- starting commands in children


def start(shell, command, moves, pgid) -> tuple[int | None, int]:
    """Start ``command`` in a child process with ``moves`` applied: (pid, 0) or (None, status).

    A simple command that names a program is spawned directly from a plan (its words are
    expanded here, in the shell: fine, unless an expansion would change the shell, as
    ``${x:=v}`` or ``$((i+=1))`` do — in sh such a stage runs in a subshell, whose changes
    are lost); anything else (builtins, functions, compound commands) runs in a forked copy
    of the shell.
    """
    from pyshell.runtime.redirect import close_all, evaluate, open_moves

    if type(command) is SimpleCommand and command.words and not _assigns_while_expanding(command):
        if command.pos is not None:
            shell.lineno = command.pos.line
        try:
            argv = fields(command.words, shell)
        except PyshError as error:
            shell.report(error.message)
            return None, error.status
        if argv and _is_program(shell, argv[0]):
            if shell.options.xtrace:
                _trace(shell, argv)
            try:
                env = _program_environment(shell, command.assigns)
                extra, opened = open_moves(evaluate(command.redirects, shell))
            except PyshError as error:
                shell.report(error.message)
                return None, 1
            try:
                return start_program(shell, argv, env, list(moves) + extra, pgid)
            finally:
                close_all(opened)

        def run_in_child() -> int:
            if argv:
                return run_argv(shell, argv, command.assigns, command.redirects)
            return _assignments_only(shell, command)

        return fork_subshell(shell, run_in_child, moves, pgid), 0
    return fork_subshell(shell, lambda: execute(shell, command), moves, pgid), 0


def _is_program(shell, name: str) -> bool:
    return not is_builtin(name) and name not in shell.functions


_ARITH_ASSIGNMENT = None


def _assigns_while_expanding(command: SimpleCommand) -> bool:
    """Whether expanding the command's words sets a variable: ``${x=v}``, ``${x:=v}``, or an
    arithmetic assignment ``$((i++))``, ``$((x = 2))``..."""
    global _ARITH_ASSIGNMENT
    words = list(command.words) + [assign.value for assign in command.assigns]
    for redirect in command.redirects:
        words += [redirect.target, redirect.heredoc]
    parts = [part for word in words if isinstance(word, Word) for part in word.parts]
    while parts:
        part = parts.pop()
        kind = type(part)
        if kind is ParamExp:
            if part.op in ("=", ":="):
                return True
            if part.arg is not None:
                parts.extend(part.arg.parts)
        elif kind is DblQuoted:
            parts.extend(part.parts)
        elif kind is ArithExp:
            if _ARITH_ASSIGNMENT is None:
                import re
                _ARITH_ASSIGNMENT = re.compile(r"\+\+|--|<<=|>>=|(?<![=!<>])=(?!=)")
            text = "".join(getattr(piece, "text", "$") for piece in part.expr.parts)
            if _ARITH_ASSIGNMENT.search(text):
                return True
            parts.extend(part.expr.parts)
    return False


def run_pipeline(shell, node: Pipeline) -> int:
    if node.timed is not None:
        return _timed(shell, node)
    commands = node.commands
    if len(commands) == 1:
        if not node.negated:
            return execute(shell, commands[0])
        shell.errexit_suppressed += 1
        try:
            return int(execute(shell, commands[0]) == 0)
        finally:
            shell.errexit_suppressed -= 1
    job_control = shell.jobs.terminal is not None
    if node.negated:
        shell.errexit_suppressed += 1
    try:
        started, pgid = start_pipeline(shell, node, 0 if job_control else None)
    finally:
        if node.negated:
            shell.errexit_suppressed -= 1
    pids = [pid for pid, _ in started if pid is not None]
    waited = iter(shell.jobs.run_foreground(pids, pgid or None, lambda: _describe(node)))
    statuses = [next(waited) if pid is not None else status for pid, status in started]
    status = statuses[-1]
    # $PIPESTATUS: these, until the shell runs another simple command (which sets last_argv)
    shell.pipe_statuses = statuses
    shell.pipe_argv = shell.last_argv
    if shell.options.pipefail:
        status = next((each for each in reversed(statuses) if each), 0)
    if node.negated:
        return int(status == 0)
    return _errexit(shell, status)


_BASH_TIMEFORMAT = "\nreal\t%3lR\nuser\t%3lU\nsys\t%3lS"
_POSIX_TIMEFORMAT = "real %2R\nuser %2U\nsys %2S"


def _timed(shell, node: Pipeline) -> int:
    """bash's ``time pipeline``: run it, then write its real, user and system times (the
    shell's and its children's) on stderr, as $TIMEFORMAT says (``time -p``: POSIX's form)."""
    import time

    from pyshell.runtime.registry import write_err

    started, before = time.monotonic(), os.times()
    try:
        return run_pipeline(shell, node.replace(timed=None))
    finally:
        after = os.times()
        spent = {"R": time.monotonic() - started,
                 "U": after.user + after.children_user - before.user - before.children_user,
                 "S": after.system + after.children_system - before.system - before.children_system}
        layout = _POSIX_TIMEFORMAT if node.timed == "posix" else shell.getvar("TIMEFORMAT")
        if layout is None:
            layout = _BASH_TIMEFORMAT
        if layout:
            write_err(_time_report(layout, spent) + "\n")


_TIME_FIELD = r"%(%|([0-9]?)(l?)([RUSP]))"  # compiled at the first `time` (re caches it), not at every start


def _time_report(layout: str, spent: dict) -> str:
    """$TIMEFORMAT filled in: %[p][l]R / U / S (p decimals, l as MmS.FFFs), %P the CPU share."""
    def field(match):
        if match.group(1) == "%":
            return "%"
        digits, long, letter = match.group(2), match.group(3), match.group(4)
        if letter == "P":
            share = (spent["U"] + spent["S"]) / spent["R"] * 100 if spent["R"] else 0.0
            return f"{share:.2f}"
        precision = min(int(digits), 3) if digits else 3
        seconds = spent[letter]
        if long:
            minutes, rest = divmod(seconds, 60)
            return f"{int(minutes)}m{rest:.{precision}f}s"
        return f"{seconds:.{precision}f}"

    return re.sub(_TIME_FIELD, field, layout)


def start_pipeline(shell, node: Pipeline, pgid: int | None, stdin_moves=()):
    """Start every stage of a pipeline, left to right, each with one end of a pipe on each
    side; don't wait. Returns ([(pid or None, status)] per stage, the process group)."""
    from pyshell.runtime.redirect import close_all

    commands = node.commands
    started: list[tuple[int | None, int]] = []
    read_end = None
    last = len(commands) - 1
    try:
        for index, command in enumerate(commands):
            moves: list[tuple] = list(stdin_moves) if index == 0 else []
            if read_end is not None:
                moves += [("dup2", read_end, 0), ("close", read_end)]
            next_read = write_end = None
            if index < last:
                next_read, write_end = os.pipe()  # close-on-exec; dup2 makes the copies inheritable
                if observer.recorder is not None:
                    observer.recorder.pipe(next_read, write_end)
                moves.append(("dup2", write_end, 1))
                if index < len(node.stderr_too) and node.stderr_too[index]:
                    moves.append(("dup2", write_end, 2))
                moves += [("close", write_end), ("close", next_read)]
            try:
                pid, status = start(shell, command, moves, pgid)
            except BaseException:
                close_all([fd for fd in (next_read,) if fd is not None])
                raise
            finally:
                # The parent closes its copies at once: a reader sees EOF as soon as
                # the writers are gone, and no stage holds a pipe it does not use.
                close_all([fd for fd in (read_end, write_end) if fd is not None])
            read_end = next_read
            if pid is not None and pgid == 0:
                pgid = pid
            started.append((pid, status))
    finally:
        if read_end is not None:
            close_all([read_end])
    return started, pgid


def run_background(shell, command) -> int:
    """``command &``: start it, note it in the job table, and do not wait. A pipeline's
    stages are started straight from the shell, as in the foreground (``$!`` is the last
    one's pid); any other command runs in a forked copy of the shell."""
    from pyshell.runtime.redirect import close_all

    job_control = shell.jobs.terminal is not None
    moves: list[tuple] = []
    opened: list[int] = []
    if not job_control:  # POSIX: without job control, a background job reads /dev/null
        devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        opened.append(devnull)
        moves.append(("dup2", devnull, 0))
    pgid = 0 if job_control else None
    try:
        if type(command) is Pipeline and len(command.commands) > 1 and not command.negated:
            started, pgid = start_pipeline(shell, command, pgid, moves)
        else:
            started = [start(shell, command, moves, pgid)]
            pgid = started[0][0] if job_control else None
    finally:
        close_all(opened)
    # A stage that could not start (command not found...) still gets a process, one that
    # exits at once with its status: as in sh, `$!` and `wait` then report that status.
    pids = []
    for pid, status in started:
        if pid is None:
            pid = fork_subshell(shell, lambda status=status: status, (), pgid)
            pgid = pid if pgid == 0 else pgid
        pids.append(pid)
    shell.jobs.add_background(pids, pgid, _describe(command) + " &")
    return 0


def _describe(node) -> str:
    """Source text for a job listing."""
    try:
        from pyshell.syntax import format as format_source

        return format_source(node).strip()
    except Exception:  # the printer is a nicety here; never fail a job over it
        return type(node).__name__


def capture_output(shell, script) -> tuple[str, int]:
    """Run ``script`` in a child with stdout into a pipe; return (output, status)."""
    read_end, write_end = os.pipe()
    if observer.recorder is not None:
        observer.recorder.pipe(read_end, write_end)
    moves = [("dup2", write_end, 1), ("close", write_end), ("close", read_end)]
    try:
        body = script.body
        if len(body) == 1 and not body[0].background:
            pid, status = start(shell, body[0].command, moves, None)
        else:
            pid, status = fork_subshell(shell, lambda: run_script(shell, script), moves), 0
    finally:
        os.close(write_end)
    chunks = []
    try:
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    if pid is not None:
        status = shell.jobs.wait_for(pid)
    return b"".join(chunks).decode("utf-8", "surrogateescape"), status


# ---------------------------------------------------------------- compound commands


def run_and_or(shell, node: AndOr) -> int:
    shell.errexit_suppressed += 1
    try:
        status = execute(shell, node.left)
    finally:
        shell.errexit_suppressed -= 1
    shell.last_status = status
    if (status == 0) == (node.op == "&&"):
        status = execute(shell, node.right)
    return status


def _condition(shell, script) -> int:
    shell.errexit_suppressed += 1
    try:
        return run_script(shell, script)
    finally:
        shell.errexit_suppressed -= 1


def _if_body(shell, node: If) -> int:
    for condition, body in node.clauses:
        if _condition(shell, condition) == 0:
            return run_script(shell, body)
    if node.else_body is not None:
        return run_script(shell, node.else_body)
    return 0


def _while_body(shell, node: While) -> int:
    def passes():
        while (_condition(shell, node.cond) == 0) != node.until:
            yield

    return _run_loop(shell, node.body, passes())


def _for_body(shell, node: For) -> int:
    try:
        items = list(shell.positional) if node.items is None else fields(node.items, shell)
    except PyshError as error:
        return _expansion_failed(shell, error)

    def passes():
        for item in items:
            shell.setvar(node.var, item)
            yield

    return _run_loop(shell, node.body, passes())


def _arith_for_body(shell, node: ArithFor) -> int:
    """bash's ``for ((init; cond; step))``: init once, then body and step while cond is
    not zero (an empty cond is true). An arithmetic error ends the loop with status 1."""
    from pyshell.expand import arith, document

    def value(word) -> int:
        expression = document(word, shell) if word.parts else "1"  # bash: empty means 1
        if shell.options.xtrace:
            from pyshell.runtime.registry import write_err

            # bash shows each of the three parts trimmed
            write_err(shell.vars.get("PS4", "+ ") + "(( " + expression.strip() + " ))\n")
        return arith.evaluate(expression, shell)

    def passes():
        value(node.init)
        while value(node.cond):
            yield
            value(node.step)

    try:
        return _run_loop(shell, node.body, passes())
    except PyshError as error:
        shell.report(error.message)
        return 1


def _run_loop(shell, body, passes) -> int:
    """Run ``body`` once for each step of the generator ``passes``, which does the loop's
    own work before each pass (test the condition, set the variable...). The three loops
    differ only in that; ``break`` and ``continue`` are handled here, once."""
    status = 0
    shell.loop_depth += 1
    try:
        for _ in passes:
            status, broken = _loop_pass(shell, body, status)
            if broken:
                break
    finally:
        shell.loop_depth -= 1
    return status


def _loop_pass(shell, body, status: int) -> tuple[int, bool]:
    """Run a loop body once: (the status now, whether `break` ended this loop).

    `break N` and `continue N` with N > 1 belong to an enclosing loop: pass them
    outward with one level less."""
    try:
        return run_script(shell, body), False
    except (BreakLoop, ContinueLoop) as jump:
        if jump.count > 1:
            jump.count -= 1
            raise
        return status, isinstance(jump, BreakLoop)


def _case_body(shell, node: Case) -> int:
    try:
        word = literal(node.word, shell)
        for item in node.items:
            for each in item.patterns:
                if matches(pattern(each, shell), word, "nocasematch" in shell.shopts):
                    return run_script(shell, item.body)
    except PyshError as error:
        return _expansion_failed(shell, error)
    return 0


def _brace_group_body(shell, node: BraceGroup) -> int:
    return run_script(shell, node.body)


def _arith_command_body(shell, node: ArithCommand) -> int:
    """bash's ``(( expr ))``: 0 when expr is not zero. An error (``((1/0))``) is
    reported and gives 1, without leaving the shell, as in bash."""
    from pyshell.expand import arith, document

    if node.pos is not None:
        shell.lineno = node.pos.line
    try:
        expression = document(node.expr, shell)
        if shell.options.xtrace:
            from pyshell.runtime.registry import write_err

            write_err(shell.vars.get("PS4", "+ ") + "(( " + expression + " ))\n")
        status = 0 if arith.evaluate(expression, shell) else 1
    except PyshError as error:
        shell.report(error.message)
        status = 1
    return _errexit(shell, status)


def _cond_command_body(shell, node: CondCommand) -> int:
    """bash's ``[[ expr ]]``: 0 when true, 1 when false, 2 on an error (a bad regex)."""
    if node.pos is not None:
        shell.lineno = node.pos.line
    try:
        status = 0 if _cond_true(shell, node.expr) else 1
    except ExpandError as error:
        if error.message:   # $nosuch under set -u, ${x:?}...: an expansion error
            return _expansion_failed(shell, error)
        status = 2          # a bad regular expression: bash says nothing, status 2
    except PyshError as error:
        shell.report(error.message)
        status = 2
    return _errexit(shell, status)


def _cond_true(shell, expr, shown_prefix: str = "") -> bool:
    """Evaluate a [[ ]] tree (ast.CondCommand): words are expanded without splitting or
    globbing; the right of = == != is a pattern, of =~ a regular expression. Under
    ``set -x`` each test that runs is shown, as bash does (``shown_prefix`` is the ``!``
    written before it)."""
    from pyshell.runtime import conditions as test_builtin

    tag = expr[0]
    if tag == "()":
        return _cond_true(shell, expr[1])
    if tag == "!":
        is_test = expr[1][0] not in ("&&", "||", "()", "!")
        return not _cond_true(shell, expr[1], "! " if is_test else "")
    if tag == "&&":
        return _cond_true(shell, expr[1]) and _cond_true(shell, expr[2])
    if tag == "||":
        return _cond_true(shell, expr[1]) or _cond_true(shell, expr[2])
    if tag == "word" or len(expr) == 2:
        operator = "-n" if tag == "word" else tag
        operand = literal(expr[1], shell)
        _trace_cond(shell, f"{shown_prefix}{operator} {operand}")
        return test_builtin._unary(operator, operand, shell)
    left = literal(expr[1], shell)
    if tag in ("=", "==", "!="):
        right = pattern(expr[2], shell)
        _trace_cond(shell, f"{shown_prefix}{left} {tag} {right}")
        return matches(right, left, "nocasematch" in shell.shopts) == (tag != "!=")
    if tag == "=~":
        from pyshell.expand import regex

        compiled = regex(expr[2], shell)
        _trace_cond(shell, f"{shown_prefix}{left} {tag} {compiled.pattern}")
        match = compiled.search(left)
        shell.assign_array("BASH_REMATCH", [] if match is None else
                           [match.group()] + [group or "" for group in match.groups()])
        return match is not None
    right = literal(expr[2], shell)
    _trace_cond(shell, f"{shown_prefix}{left} {tag} {right}")
    if tag in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge"):
        from pyshell.expand import arith

        # In [[ ]] both sides are arithmetic expressions: [[ 1+1 -eq 2 ]] is true.
        left, right = (str(arith.evaluate(text, shell)) for text in (left, right))
    return test_builtin.BINARY_TESTS[tag](left, right)


def _trace_cond(shell, text: str) -> None:
    if shell.options.xtrace:
        from pyshell.runtime.registry import write_err

        write_err(shell.vars.get("PS4", "+ ") + "[[ " + text + " ]]\n")


def _compound(body):
    """The runner of a compound command: its redirections (`while …; done < file`)
    apply around the whole body, then are undone."""
    def run(shell, node) -> int:
        if node.redirects:
            return _with_redirects(shell, node.redirects, lambda: body(shell, node), errexit=True)
        return body(shell, node)
    return run


run_if = _compound(_if_body)
run_while = _compound(_while_body)
run_for = _compound(_for_body)
run_case = _compound(_case_body)
run_brace_group = _compound(_brace_group_body)
run_arith_command = _compound(_arith_command_body)
run_arith_for = _compound(_arith_for_body)
run_cond_command = _compound(_cond_command_body)


def run_subshell(shell, node: Subshell) -> int:
    from pyshell.runtime.redirect import close_all, evaluate, open_moves

    try:
        moves, opened = open_moves(evaluate(node.redirects, shell))
    except PyshError as error:
        shell.report(error.message)
        return 1
    job_control = shell.jobs.terminal is not None
    try:
        pid = fork_subshell(shell, lambda: _subshell_body(shell, node.body), moves,
                            0 if job_control else None)
    finally:
        close_all(opened)
    status = shell.jobs.run_foreground([pid], pid if job_control else None,
                                       lambda: _describe(node))[0]
    return _errexit(shell, status)


def _subshell_body(shell, script) -> int:
    """In the forked child: `( ( cmd ) )` needs no second fork, we already are a copy."""
    while (len(script.body) == 1 and not script.body[0].background
           and type(script.body[0].command) is Subshell and not script.body[0].command.redirects):
        script = script.body[0].command.body
    return run_script(shell, script)


def define_function(shell, node: FunctionDef) -> int:
    shell.functions[node.name] = node
    return 0


_RUNNERS = {
    SimpleCommand: run_simple, Pipeline: run_pipeline, AndOr: run_and_or, If: run_if,
    While: run_while, For: run_for, Case: run_case, BraceGroup: run_brace_group,
    Subshell: run_subshell, FunctionDef: define_function, ArithCommand: run_arith_command,
    CondCommand: run_cond_command, ArithFor: run_arith_for,
}


# ---------------------------------------------------------------- what a name means


def lookup(shell, name: str) -> tuple[str, str]:
    """What running ``name`` would do: (kind, detail), kind in alias, keyword, function,
    builtin, file or "" when nothing is found (for `type` and `command -v`)."""
    if name in shell.aliases:
        return "alias", shell.aliases[name]
    if name in KEYWORDS:
        return "keyword", name
    builtin = find_builtin(name)
    if builtin is not None and builtin.special:
        return "builtin", name
    if name in shell.functions:
        return "function", name
    if builtin is not None:
        return "builtin", name
    path = find_program(shell, name)
    if path is not None and os.access(path, os.X_OK) and not os.path.isdir(path):
        return "file", path
    return "", ""
