"""The Enter key: run the command if it is complete, continue it on a new line if not.

"Complete" is the parser's decision, never a guess: ``parse`` raises a ParseError
with ``incomplete=True`` for an open quote, a missing ``fi``/``done``, a trailing
``|``, ``&&`` or backslash. A real syntax error is *not* incomplete: Enter accepts the
line and the REPL shows the error with a caret (then the next prompt).
"""

from __future__ import annotations

from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import has_focus
from prompt_toolkit.key_binding import KeyBindings

from pyshell.errors import ParseError


def needs_more_input(text: str, aliases=None) -> bool:
    """True when ``text`` is the beginning of a command (the parser says *incomplete*)."""
    from pyshell.syntax import parse

    if not text.strip():
        return False
    try:
        parse(text, "<stdin>", aliases)
    except ParseError as error:
        return error.incomplete
    return False


def enter_key_bindings(shell, before_parse=lambda: None) -> KeyBindings:
    """``before_parse``: called before the parser is imported (app.py: the warm-up thread's end)."""
    bindings = KeyBindings()

    @bindings.add("enter", filter=has_focus(DEFAULT_BUFFER))
    def enter(event) -> None:
        buffer = event.current_buffer
        completion = buffer.complete_state and buffer.complete_state.current_completion
        if completion:  # Enter in the completion menu takes the entry, it does not run yet
            buffer.complete_state = None
            return
        before_parse()
        if needs_more_input(buffer.text, shell.aliases):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    @bindings.add("escape", "enter", filter=has_focus(DEFAULT_BUFFER))
    def newline(event) -> None:
        """Alt-Enter: a new line in the command, whatever the parser thinks."""
        event.current_buffer.insert_text("\n")

    return bindings
