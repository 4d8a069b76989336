"""The state of one shell: variables, options, functions, aliases, traps and jobs.

A ``Shell`` is passed explicitly to everything that needs it (the executor, builtins,
the REPL); there is no global session. A forked subshell is simply the child's copy.
"""

from __future__ import annotations

import os
import signal

from pyshell.errors import ParseError, PyshError
from pyshell.runtime.control import AbortCommandLine, ExitShell, ReturnFromFunction
from pyshell.runtime.path import CommandCache

# `set -o NAME` names with their `set -X` letters (None: only the long form).
OPTION_LETTERS = {
    "allexport": "a", "errexit": "e", "noglob": "f", "monitor": "m", "noclobber": "C",
    "noexec": "n", "nounset": "u", "verbose": "v", "xtrace": "x", "pipefail": None,
    "ignoreeof": None, "notify": "b", "hashall": "h",
    "explain": None,  # the REPL runs each line through the `explain` builtin (pyshell/explain)
}


class Options:
    """The shell options as plain attributes: ``shell.options.errexit`` and so on."""

    __slots__ = tuple(OPTION_LETTERS)

    def __init__(self):
        for name in OPTION_LETTERS:
            setattr(self, name, False)
        self.hashall = True

    def by_letter(self, letter: str) -> str | None:
        for name, each in OPTION_LETTERS.items():
            if each == letter:
                return name
        return None

    def letters(self) -> str:
        """The value of ``$-``."""
        return "".join(letter for name, letter in OPTION_LETTERS.items()
                       if letter and getattr(self, name))


_SPECIAL_PARAMETERS = frozenset("?$!#0-@*")
DEFAULT_IFS = " \t\n"


class Shell:
    def __init__(self, argv0: str = "pysh", args=(), interactive: bool = False):
        self.argv0 = argv0
        self.positional: list[str] = list(args)
        self.last_status = 0
        self.options = Options()
        self.interactive = interactive
        self.functions: dict = {}
        self.aliases: dict[str, str] = {}
        self.pid = os.getpid()              # $$ stays the main shell's pid in subshells
        self.last_background_pid: int | None = None
        self.lineno = 0
        self.is_subshell = False
        self.norc = False                   # set by `pysh --norc`: the REPL skips ~/.pyshrc

        self.vars: dict[str, str] = dict(os.environ)
        self.exported: set[str] = set(os.environ)
        self.readonly: set[str] = set()
        self._environ_cache: dict[str, str] | None = None
        # One dict per running function: name -> (old value, was exported), put back on return.
        self.local_frames: list[dict[str, tuple[str | None, bool]]] = []
        self.vars.setdefault("PS1", "$ " if os.geteuid() else "# ")
        self.vars.setdefault("PS2", "> ")
        self.vars.setdefault("PS4", "+ ")
        self.vars["OPTIND"] = "1"
        self.vars["IFS"] = DEFAULT_IFS  # never taken from the environment
        self.vars["PPID"] = str(os.getppid())
        self.vars.setdefault("PWD", _current_directory())

        self.command_cache = CommandCache()
        self.traps: dict[str, str] = {}      # "EXIT", "INT", ... -> command text
        self.pending_signals: list[int] = []
        self.wait_interruptible = False     # True while the `wait` builtin blocks
        self.errexit_suppressed = 0         # > 0 inside if/while conditions, && || left sides, !
        self.loop_depth = 0
        self.source_depth = 0               # > 0 while a `.`/source file runs (`return` allowed)
        self.substitution_status: int | None = None

        from pyshell.runtime.jobs import JobTable

        self.jobs = JobTable(self)
        self.options.monitor = interactive

    # ---------------------------------------------------------------- variables

    def getvar(self, name: str) -> str | None:
        value = self.vars.get(name)
        if value is not None or name not in _SPECIAL_PARAMETERS and not name.isdigit():
            if value is None and name == "LINENO":
                return str(self.lineno)
            return value
        if name == "?":
            return str(self.last_status)
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.argv0
            return self.positional[index - 1] if index <= len(self.positional) else None
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(self.positional))
        if name == "!":
            return None if self.last_background_pid is None else str(self.last_background_pid)
        if name == "-":
            return self.options.letters() + ("i" if self.interactive else "")
        return " ".join(self.positional)  # @ and * read as one string

    def setvar(self, name: str, value: str, export: bool | None = None) -> None:
        if name in self.readonly:
            raise PyshError(f"{name}: readonly variable")
        self.vars[name] = value
        if export or (export is None and self.options.allexport):
            self.exported.add(name)
        elif export is False:
            self.exported.discard(name)
        if name in self.exported or export is False:
            self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def unsetvar(self, name: str) -> None:
        if name in self.readonly:
            raise PyshError(f"{name}: readonly variable")
        self.vars.pop(name, None)
        if name in self.exported:
            self.exported.discard(name)
            self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def restore_var(self, name: str, value: str | None) -> None:
        """Put back a value saved before a temporary assignment (`X=1 builtin`)."""
        if value is None:
            self.vars.pop(name, None)
        else:
            self.vars[name] = value
        self._environ_cache = None
        if name == "PATH":
            self.command_cache.forget()

    def export(self, name: str) -> None:
        self.exported.add(name)
        self._environ_cache = None

    def is_exported(self, name: str) -> bool:
        return name in self.exported

    def environ(self) -> dict[str, str]:
        """The exported variables, for the environment of an executed command."""
        if self._environ_cache is None:
            self._environ_cache = {name: self.vars[name] for name in self.exported if name in self.vars}
        return self._environ_cache

    def make_local(self, name: str) -> None:
        """``local name``: remember the caller's value, to put back when the function returns."""
        if not self.local_frames:
            raise PyshError("local: can only be used in a function")
        frame = self.local_frames[-1]
        if name not in frame:
            frame[name] = (self.vars.get(name), name in self.exported)

    def restore_locals(self, frame: dict[str, tuple[str | None, bool]]) -> None:
        for name, (value, was_exported) in frame.items():
            if value is None:
                self.vars.pop(name, None)
            else:
                self.vars[name] = value
            if was_exported:
                self.exported.add(name)
            else:
                self.exported.discard(name)
        if frame:
            self._environ_cache = None

    @property
    def ifs(self) -> str:
        value = self.vars.get("IFS")
        return DEFAULT_IFS if value is None else value

    # ---------------------------------------------------------------- running code

    def run_source(self, source: str, filename: str = "-c", syntax_error_exits: bool = False) -> int:
        """Parse and run ``source`` one top-level command at a time (aliases apply to later lines).

        A syntax error stops the source with status 2 (and, with ``syntax_error_exits``,
        the whole shell: `eval` in a script).
        """
        from pyshell.syntax import iter_commands

        status = 0
        if self.options.verbose:  # set -v: echo the input as it is read
            self.echo_input(source)
        try:
            for script in iter_commands(source, filename, lambda: self.aliases):
                if self.options.noexec:
                    continue
                try:
                    status = self.run_script(script)
                except AbortCommandLine as aborted:
                    status = self.last_status = aborted.status
        except ParseError as error:
            self.report(f"{error.filename}:{error.line}:{error.col}: {error.args[0]}")
            status = self.last_status = 2
            if syntax_error_exits:
                raise ExitShell(2) from None
        except RecursionError:
            self.report(f"{filename}: nested too deeply")
            status = self.last_status = 2
        return status

    def echo_input(self, text: str) -> None:
        from pyshell.builtins import write_err

        write_err(text if text.endswith("\n") else text + "\n")

    def run_script(self, script) -> int:
        from pyshell.runtime.execute import run_script

        return run_script(self, script)

    def run_file(self, path: str, args=None) -> int:
        """Run the commands in a file in this shell (``.``/``source``, or ``pysh FILE``)."""
        try:
            with open(path, "rb") as file:
                source = file.read().decode("utf-8", "surrogateescape")
        except OSError as error:
            raise PyshError(f"{path}: {error.strerror}", status=127 if error.errno == 2 else 126) from None
        first_line = source[:80].split("\n", 1)[0]
        if "\0" in first_line:  # as bash: a NUL before the first newline means a program, not a script
            raise PyshError(f"{path}: cannot execute binary file", status=126)
        saved = self.positional
        if args is not None:
            self.positional = list(args)
        try:
            return self.run_source(source, filename=path)
        except ReturnFromFunction as returned:
            return returned.status
        finally:
            if args is not None:
                self.positional = saved

    def command_substitution(self, script) -> str:
        """The callback expansion calls for ``$(...)``: run ``script``, return its output."""
        from pyshell.runtime.execute import capture_output

        output, status = capture_output(self, script)
        self.substitution_status = self.last_status = status
        return output.rstrip("\n")

    def report(self, message: str) -> None:
        """Print a one-line error ``pysh: message`` on stderr."""
        from pyshell.builtins import write_err

        try:
            write_err(f"pysh: {message}\n")
        except OSError:
            pass

    # ---------------------------------------------------------------- traps

    def set_trap(self, signame: str, command: str | None) -> None:
        """``trap CMD SIG`` (command), ``trap '' SIG`` (ignore), ``trap - SIG`` (None: default)."""
        if command is None:
            self.traps.pop(signame, None)
        else:
            self.traps[signame] = command
        if signame == "EXIT":
            return
        signum = getattr(signal, "SIG" + signame)
        if command is None:
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, default)
        elif command == "":
            signal.signal(signum, signal.SIG_IGN)
        else:
            signal.signal(signum, self._note_signal)

    def _note_signal(self, signum, frame) -> None:
        # Only record it: the trap runs at the next safe point (between commands).
        self.pending_signals.append(signum)
        if self.wait_interruptible:
            from pyshell.runtime.jobs import WaitInterrupted

            self.wait_interruptible = False
            raise WaitInterrupted(signum)

    def signals_to_reset(self) -> tuple[int, ...]:
        """Signals a child gets back at their default action: all that Python or job
        control changed, except those the user ignored (`trap '' INT` is inherited)."""
        from pyshell.runtime.process import RESET_SIGNALS

        ignored = {getattr(signal, "SIG" + name) for name, command in self.traps.items()
                   if command == "" and name != "EXIT"}
        return tuple(signum for signum in RESET_SIGNALS if signum not in ignored)

    def run_pending_traps(self) -> None:
        while self.pending_signals:
            signum = self.pending_signals.pop(0)
            command = self.traps.get(signal.Signals(signum).name[3:])
            if command:
                saved_status = self.last_status
                self.run_source(command, filename="trap")
                self.last_status = saved_status

    def run_exit_trap(self) -> int:
        """Run the EXIT trap (once); return the shell's final status (`exit N` in the trap sets it)."""
        command = self.traps.pop("EXIT", None)
        if command:
            saved_status = self.last_status
            try:
                self.run_source(command, filename="trap")
                self.last_status = saved_status
            except ExitShell as exiting:
                self.last_status = exiting.status
        return self.last_status

    def become_subshell(self) -> None:
        """In a forked child: traps are not inherited (but ignored signals stay ignored)."""
        self.is_subshell = True
        for name, command in list(self.traps.items()):
            if command != "":
                self.traps.pop(name)
                if name != "EXIT":
                    signum = getattr(signal, "SIG" + name)
                    signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT
                                  else signal.SIG_DFL)
        self.pending_signals.clear()
        self.interactive = False
        self.options.monitor = False
        self.jobs = self.jobs.for_subshell()


def _current_directory() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"
