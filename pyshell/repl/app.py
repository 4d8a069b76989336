"""The interactive pysh: read a command with prompt_toolkit, run it, print the next prompt.

One rule shapes this loop: prompt_toolkit only *edits* the line. When it returns
the text, its event loop has ended and the terminal is back in normal mode; only then
does the shell run the command (forking jobs, giving them the terminal, waiting).
So job control, Ctrl-C and Ctrl-Z of running programs are the runtime's business
(process groups and tcsetpgrp), never prompt_toolkit's.

    run_repl(shell)
      ├─ source ~/.pyshrc (unless --norc)
      └─ loop: notices of finished jobs -> prompt -> parse check -> shell.run_source

This module is imported only for an interactive session: `pysh -c` and scripts never
pay for prompt_toolkit (~140 ms) or Pygments.
"""

from __future__ import annotations

import os
import sys

from pyshell.errors import ParseError, PyshError
from pyshell.repl.prompt import DEFAULT_PS1, continuation_prompt, prompt_fragments
from pyshell.runtime.control import ExitShell


def run_repl(shell) -> int:
    """Run the interactive loop until `exit` or Ctrl-D; return the shell's exit status
    (the caller, __main__, runs the EXIT trap)."""
    # Job control: our own process group, owning the terminal; each job gets it in turn.
    shell.jobs.take_terminal(sys.stdin.fileno())
    shell.options.monitor = shell.jobs.terminal is not None
    if shell.getvar("PS1") in (None, "$ ", "# "):  # the runtime's non-interactive default
        shell.setvar("PS1", DEFAULT_PS1)
    session = _make_session(shell)
    try:
        if not getattr(shell, "norc", False) and not os.environ.get("PYSH_NORC"):
            _source_rc_file(shell)
        warned_about_stopped_jobs = False
        terminal_fd = 1 if os.isatty(1) else 2  # where prompt_toolkit draws (see create_output below)
        while True:
            shell.jobs.notify()  # "[1]+ Done  sleep 1" before the prompt, like bash
            keep_unfinished_line(terminal_fd)
            # Both prompts are expanded here, before prompt_toolkit runs (PS1 may hold $(...)).
            continuation = continuation_prompt(shell)
            try:
                text = session.prompt(
                    prompt_fragments(shell),
                    prompt_continuation=lambda width, line, soft_wrap: "" if soft_wrap else continuation,
                )
            except KeyboardInterrupt:  # Ctrl-C at the prompt: drop the line, as bash does
                shell.last_status = 130
                continue
            except EOFError:  # Ctrl-D on an empty line
                if _has_stopped_jobs(shell) and not warned_about_stopped_jobs:
                    _say("There are stopped jobs.")
                    warned_about_stopped_jobs = True
                    continue
                _say("exit")
                break
            warned_about_stopped_jobs = False
            run_command_line(shell, text)
    except ExitShell as leaving:
        shell.last_status = leaving.status
    return shell.last_status


def keep_unfinished_line(fd: int) -> None:
    """If the last output did not end with a newline (``printf abc``, the course's
    ``tac -s " "`` demo), end that line with a reverse-video ``%`` as zsh does.

    prompt_toolkit draws its prompt from column 0 of the cursor's line, so without this
    it would overwrite what the command printed. The trick needs no cursor query: print
    the mark and enough spaces to fill a line, then a carriage return. From column 0 the
    spaces end exactly at the right margin and the return comes back to the same (now
    blank-looking) line, where the prompt covers the mark; from any other column they
    wrap onto a new line, and the return leaves the cursor at its start."""
    try:
        columns = os.get_terminal_size(fd).columns
    except OSError:
        return
    if columns < 2:
        return
    os.write(fd, b"\x1b[7m%\x1b[27m" + b" " * (columns - 1) + b"\r")


def run_command_line(shell, text: str) -> None:
    """Run one accepted entry (possibly several lines); report a syntax error with a caret."""
    from pyshell.syntax import parse

    if not text.strip():
        return
    try:
        parse(text, "<stdin>", shell.aliases)  # all of it, first: nothing runs if a line is wrong
    except ParseError as error:
        _say(format_syntax_error(error, text))
        shell.last_status = 2
        return
    try:
        if shell.options.explain:  # `set -o explain`: run and draw each line
            from pyshell.explain.command import explain_line

            explain_line(shell, text)
        else:
            shell.run_source(text, "<stdin>")
        if shell.last_status == 128 + 2:  # the job died of Ctrl-C: end the `^C` line, as bash does
            _say("")
    except KeyboardInterrupt:
        # Ctrl-C while the shell itself was busy (a loop of builtins): back to the prompt.
        _say("")
        shell.last_status = 130
    except PyshError as error:
        _say(f"pysh: {error.message}")
        shell.last_status = error.status
    except (ExitShell, SystemExit):
        raise
    except Exception as error:  # a bug in pysh must not close the user's session
        if os.environ.get("PYSH_DEBUG") == "1":
            import traceback

            traceback.print_exception(error)
        _say(f"pysh: internal error: {type(error).__name__}: {error}")
        shell.last_status = 70


def format_syntax_error(error: ParseError, text: str) -> str:
    """``pysh: <stdin>:1:10: unexpected '|'`` then the line and a caret under the column."""
    lines = text.split("\n")
    source_line = error.source_line
    if source_line is None and 1 <= error.line <= len(lines):
        source_line = lines[error.line - 1]
    message = f"pysh: {error}"
    if source_line is None:
        return message
    caret = " " * max(error.col - 1, 0) + "^"
    return f"{message}\n  {source_line}\n  {caret}"


def _make_session(shell):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.output import create_output
    from prompt_toolkit.styles import Style

    from pyshell.repl.commands import CommandClassifier
    from pyshell.repl.complete import PyshCompleter
    from pyshell.repl.history import SharedFileHistory, history_path, register_history_builtin
    from pyshell.repl.keys import enter_key_bindings
    from pyshell.repl.prompt import PROMPT_STYLE

    history = SharedFileHistory(history_path(shell.vars))
    register_history_builtin(history)
    classifier = CommandClassifier(shell)  # one PATH cache for highlighting and completion
    highlighter = _LateHighlighter(shell, classifier)

    session = PromptSession(
        multiline=True,  # Enter is ours (keys.py): it runs a complete command, continues an incomplete one
        key_bindings=enter_key_bindings(shell, highlighter.wait_for_warm_up),
        history=history,
        auto_suggest=AutoSuggestFromHistory(),
        enable_history_search=True,  # Up with a typed prefix finds earlier lines starting with it
        completer=PyshCompleter(shell, classifier, highlighter.wait_for_warm_up),
        complete_while_typing=False,
        style=Style.from_dict(PROMPT_STYLE),
        include_default_pygments_style=False,
        enable_suspend=False,
        output=create_output(always_prefer_tty=True),  # `pysh > log`: the prompt stays on the terminal, like bash's on stderr
    )
    highlighter.session = session
    session.app.after_render += highlighter.load_once_drawn
    return session


class _LateHighlighter:
    """Pygments and the executor are loaded in a thread once the first prompt is on the
    screen: a new shell shows its prompt sooner, and the first keys typed (an empty
    line has nothing to colour) are coloured as soon as the lexer is there.

    Enter and Tab wait for that thread (``wait_for_warm_up``) before they import pysh's
    code themselves: two threads importing one package's modules at once, in different
    orders, can each be handed the other's half-initialized module ("cannot import name
    'Scanner' from partially initialized module"), as a line typed ahead of a loaded
    machine's first prompt once was."""

    def __init__(self, shell, classifier) -> None:
        self.shell = shell
        self.classifier = classifier
        self.session = None
        self.thread = None

    def load_once_drawn(self, app) -> None:
        if self.thread is not None:
            return
        import threading

        self.thread = threading.Thread(target=self._load, name="pysh-warm-up", daemon=True)
        self.thread.start()

    def wait_for_warm_up(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.thread.join()

    def _load(self) -> None:
        from prompt_toolkit.lexers import PygmentsLexer
        from prompt_toolkit.styles import Style

        from pyshell.repl.highlight import REPL_STYLE, PyshLexer
        from pyshell.repl.prompt import PROMPT_STYLE

        lexer_class = PyshLexer.for_shell(self.shell, self.classifier)
        self.session.style = Style.from_dict({**REPL_STYLE, **PROMPT_STYLE})
        # PromptSession reads its .lexer at each redraw (and caches by lexer identity).
        self.session.lexer = PygmentsLexer(lexer_class, sync_from_start=True)
        self.session.app.invalidate()  # redraw what was typed meanwhile, in colour
        # Import the executor now too, not after the first Enter: otherwise a Ctrl-C typed
        # in the first moments of the first command reaches pysh (still reading the line,
        # in raw mode) instead of the job.
        import pyshell.runtime.execute  # noqa: F401

        self.classifier.all_names()  # list the PATH directories now, not at the first key typed


def _source_rc_file(shell) -> None:
    home = shell.getvar("HOME") or os.path.expanduser("~")
    rc_file = os.path.join(home, ".pyshrc")
    if os.path.isfile(rc_file):
        try:
            shell.run_file(rc_file)
        except PyshError as error:
            shell.report(error.message)
            shell.last_status = error.status


def _has_stopped_jobs(shell) -> bool:
    shell.jobs.poll()  # one may have been killed from elsewhere since the last prompt
    return any(job.state == "Stopped" for job in shell.jobs.jobs.values())


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
