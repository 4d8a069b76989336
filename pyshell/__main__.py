"""pysh's command line: argv → an interactive session, a -c string, a script, or stdin.

    pysh                          interactive (the prompt_toolkit REPL if installed) on a terminal
    pysh -c 'CMDS' [arg0 [args]]  run CMDS; $0 is arg0, $1... are args
    pysh FILE [args]              run a script (also as a `#!/usr/bin/env pysh` shebang)
    pysh < FILE                   commands from stdin, read and run one at a time, like sh
    pysh -n FILE                  parse only
    pysh -e -u -x -o pipefail ... the usual shell options

No Python traceback reaches the user: errors print ``pysh: message`` (set PYSH_DEBUG=1
to see the traceback too). Heavy modules are imported only where they are needed, so
``pysh -c true`` stays quick.
"""

from __future__ import annotations

import os
import sys

USAGE = """\
usage: pysh [--norc] [--login] [-euxfnvCails] [-o option] [-O shopt] [--] [-c 'commands' [arg0 [args...]] | file [args...]]
       pysh --version | --help
Options are those of `set` (help set). With no file and no -c, commands are read from
standard input; on a terminal, pysh is interactive. PYSH_DEBUG=1 shows Python tracebacks.
"""


class _Invocation:
    """What the command line asked for."""

    def __init__(self):
        self.command: str | None = None
        self.file: str | None = None
        self.args: list[str] = []
        self.options: list[tuple[str, bool]] = []  # (option name, on)
        self.interactive = False
        self.parse_only = False
        self.norc = False          # --norc: the REPL does not read ~/.pyshrc
        self.shopts: list[tuple[str, bool]] = []  # -O NAME / +O NAME, and -l (login_shell)


_LONG_OPTIONS = {"--norc": "norc", "--login": "login", "--noprofile": None, "--posix": "posix",
                 "--noediting": None}


def _parse_argv(argv: list[str]) -> _Invocation:
    """bash's command line: single-letter options (``-`` on, ``+`` off), ``-o NAME``,
    ``-O NAME`` (shopt), a few long options; ``--`` or ``-`` ends them."""
    from pyshell.errors import PyshError
    from pyshell.runtime.shell import OPTION_LETTERS, SHOPT_DEFAULTS, Options

    letters = Options()
    invocation = _Invocation()
    wants_command = False
    read_stdin = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("--", "-"):
            index += 1
            break
        if arg in _LONG_OPTIONS:
            what = _LONG_OPTIONS[arg]
            if what == "norc":
                invocation.norc = True
            elif what == "login":
                invocation.shopts.append(("login_shell", True))
            elif what == "posix":
                invocation.options.append(("posix", True))
            index += 1
            continue
        if arg == "+" or arg[:1] not in ("-", "+") or len(arg) < 2:
            break
        if arg.startswith("--"):  # long options are only those above (and --help, --version)
            raise PyshError(f"{arg}: invalid option\n{USAGE.rstrip()}", status=2)
        on = arg[0] == "-"
        index += 1
        for letter in arg[1:]:
            if letter == "c":
                wants_command = True
            elif letter == "i":
                invocation.interactive = True
            elif letter == "s":
                read_stdin = True
            elif letter == "l":
                invocation.shopts.append(("login_shell", True))
            elif letter == "n":
                invocation.parse_only = True
            elif letter in "oO":
                table = OPTION_LETTERS if letter == "o" else SHOPT_DEFAULTS
                if index == len(argv) or argv[index] not in table:
                    name = argv[index] if index < len(argv) else ""
                    what = "option" if letter == "o" else "shell option"
                    raise PyshError(f"{name or '-' + letter}: invalid {what} name", status=2)
                (invocation.options if letter == "o" else invocation.shopts).append((argv[index], on))
                index += 1
            else:
                name = letters.by_letter(letter)
                if name is None:
                    raise PyshError(f"-{letter}: invalid option\n{USAGE.rstrip()}", status=2)
                invocation.options.append((name, on))
    rest = argv[index:]
    if wants_command:
        if not rest:
            raise PyshError("-c: option requires an argument", status=2)
        invocation.command, invocation.args = rest[0], rest[1:]
    elif read_stdin:
        invocation.args = rest       # -s: commands from stdin, the words are $1 $2...
    elif rest:
        invocation.file, invocation.args = rest[0], rest[1:]
    return invocation


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"pysh {version('pysh')}")
        except PackageNotFoundError:
            print("pysh (development)")
        return 0
    if argv[:1] == ["--help"]:
        sys.stdout.write(USAGE)
        return 0
    sys.setrecursionlimit(40000)  # deeply nested scripts recurse through the executor
    shell = None
    try:
        invocation = _parse_argv(argv)
        shell = _make_shell(invocation)
        status = _run(shell, invocation)
    except BaseException as error:  # noqa: B902 — the one place that turns errors into statuses
        status = _report_fatal(shell, error)
    if shell is not None:
        status = _finish(shell, status)
    return status


def _make_shell(invocation: _Invocation):
    from pyshell.runtime.shell import Shell

    interactive = invocation.interactive or (
        invocation.command is None and invocation.file is None and not invocation.parse_only
        and os.isatty(0) and os.isatty(2))
    if invocation.command is not None:
        argv0 = invocation.args[0] if invocation.args else "pysh"
        args = invocation.args[1:]
    elif invocation.file is not None:
        argv0, args = invocation.file, invocation.args
    else:
        argv0, args = "pysh", invocation.args
    shell = Shell(argv0=argv0, args=args, interactive=interactive)
    shell.norc = invocation.norc
    shell.script_name = invocation.file
    if invocation.command is not None:
        shell.flag_letters = "c"
    elif invocation.file is None:
        shell.flag_letters = "s"
    for name, on in invocation.options:
        shell.options.set(name, on)
    for name, on in invocation.shopts:
        (shell.shopts.add if on else shell.shopts.discard)(name)
    if invocation.parse_only:
        shell.options.noexec = True
    return shell


def _run(shell, invocation: _Invocation) -> int:
    if invocation.command is not None:
        return shell.run_source(invocation.command, filename="-c")
    if invocation.file is not None:
        return shell.run_file(invocation.file)
    if shell.interactive:
        return _interactive(shell)
    return _run_stdin(shell)


def _finish(shell, status: int) -> int:
    """Run the EXIT trap (once) and return the final status."""
    shell.last_status = status
    try:
        status = shell.run_exit_trap()
    except BaseException as error:  # noqa: B902
        _report_fatal(shell, error)
    return status & 255


def _report_fatal(shell, error: BaseException) -> int:
    from pyshell.errors import PyshError
    from pyshell.runtime.control import ExitShell, ReturnFromFunction

    if isinstance(error, ExitShell):
        return error.status
    if isinstance(error, ReturnFromFunction):
        return error.status
    if isinstance(error, KeyboardInterrupt):
        return 130
    if isinstance(error, SystemExit):
        return error.code if isinstance(error.code, int) else 1
    if isinstance(error, PyshError):
        _say(f"pysh: {error.message}\n")
        return error.status
    if isinstance(error, RecursionError):
        _say("pysh: nested too deeply\n")
        return 2
    if os.environ.get("PYSH_DEBUG") == "1":
        import traceback

        traceback.print_exception(error)
    _say(f"pysh: internal error: {type(error).__name__}: {error}\n")
    return 70


def _say(text: str) -> None:
    try:
        os.write(2, text.encode("utf-8", "surrogateescape"))
    except OSError:
        pass


# ---------------------------------------------------------------- reading commands


class _LineReader:
    """Read fd 0 one line at a time without reading past the line, as sh does.

    A script on stdin may itself read stdin (`read`, `cat`): on a pipe we must take one
    byte at a time; on a regular file we read a block and seek back to the line's end.
    """

    def __init__(self, fd: int = 0):
        self.fd = fd
        try:
            os.lseek(fd, 0, os.SEEK_CUR)
            self.seekable = True
        except OSError:
            self.seekable = False

    def readline(self) -> str | None:
        data = bytearray()
        while True:
            chunk = os.read(self.fd, 4096 if self.seekable else 1)
            if not chunk:
                return data.decode("utf-8", "surrogateescape") if data else None
            end = chunk.find(b"\n")
            if end >= 0:
                data += chunk[:end + 1]
                if self.seekable and end + 1 < len(chunk):
                    os.lseek(self.fd, end + 1 - len(chunk), os.SEEK_CUR)
                return data.decode("utf-8", "surrogateescape")
            data += chunk


def _run_stdin(shell) -> int:
    """Non-interactive: read a complete command (maybe several lines), run it, repeat."""
    from pyshell.errors import ParseError
    from pyshell.syntax import parse

    reader = _LineReader(0)
    buffer = ""
    status = 0
    line_offset = 0
    while True:
        line = reader.readline()
        if line is None and not buffer:
            return status
        buffer += line or ""
        if line and shell.options.verbose:
            shell.echo_input(line)
        try:
            script = parse(buffer, filename="stdin", aliases=shell.aliases)
        except ParseError as error:
            if error.incomplete and line is not None:
                continue
            _say(f"pysh: stdin:{error.line + line_offset}:{error.col}: {error.args[0]}\n")
            return 2
        line_offset += buffer.count("\n")
        buffer = ""
        if not shell.options.noexec:
            status = shell.run_script(script)
        if line is None:
            return status


def _interactive(shell) -> int:
    import importlib.util

    if importlib.util.find_spec("pyshell.repl.app") is not None:
        from pyshell.repl.app import run_repl

        return run_repl(shell)
    return _plain_repl(shell)


def _plain_repl(shell) -> int:
    """A minimal prompt loop: `$ ` and `> ` for continuation lines (while the parse is incomplete)."""
    from pyshell.errors import ParseError, PyshError
    from pyshell.syntax import parse

    shell.jobs.take_terminal(0)
    shell.options.monitor = shell.jobs.terminal is not None
    reader = _LineReader(0)
    buffer = ""
    while True:
        if not buffer:
            shell.jobs.notify()
        _say(shell.getvar("PS1" if not buffer else "PS2") or "")
        try:
            line = reader.readline()
        except KeyboardInterrupt:
            _say("\n")
            buffer = ""
            continue
        if line is None:
            _say("exit\n")
            return shell.last_status
        buffer += line
        try:
            script = parse(buffer, filename="stdin", aliases=shell.aliases)
        except ParseError as error:
            if error.incomplete:
                continue
            _say(f"pysh: {error}\n")
            shell.last_status = 2
            buffer = ""
            continue
        buffer = ""
        try:
            shell.last_status = shell.run_script(script)
        except KeyboardInterrupt:
            _say("\n")
            shell.last_status = 130
        except PyshError as error:
            _say(f"pysh: {error.message}\n")
            shell.last_status = error.status


if __name__ == "__main__":
    sys.exit(main())
