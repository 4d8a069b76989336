"""When Enter runs the line and when it opens a continuation line: the parser decides."""

from __future__ import annotations

import pytest

from pyshell.repl.app import format_syntax_error
from pyshell.repl.keys import needs_more_input
from pyshell.syntax import parse
from pyshell.errors import ParseError


@pytest.mark.parametrize("text, more", [
    ("if true; then", True),
    ("echo 'open", True),
    ('echo "open', True),
    ("echo a |", True),
    ("echo a &&", True),
    ("echo a \\", True),            # a backslash at the end of the line
    ("for i in 1 2; do", True),
    ("while true", True),
    ("case x in", True),
    ("f() {", True),
    ("(cd /", True),
    ("echo $(ls", True),
    ("cat <<EOF", True),
    ("cat <<EOF\nbody", True),
    ("cat <<EOF\nbody\nEOF", False),
    ("if true; then\n  echo yes\nfi", False),
    ("echo hi", False),
    ("", False),
    ("   ", False),
    ("echo a | | b", False),        # errors are not incomplete: Enter shows them
    ("fi", False),
    ("echo )", False),
])
def test_needs_more_input(text, more):
    assert needs_more_input(text) is more


def test_aliases_count(tmp_path):
    # An alias that opens a block makes the line incomplete, as the runtime will read it.
    assert needs_more_input("loop_forever", {"loop_forever": "while true; do"}) is True
    assert needs_more_input("loop_forever") is False


def test_syntax_error_shows_the_line_and_a_caret():
    text = "echo ok\necho a | | cat"
    with pytest.raises(ParseError) as caught:
        parse(text, "<stdin>")
    shown = format_syntax_error(caught.value, text).split("\n")
    assert shown[0].startswith("pysh: <stdin>:2:10: ")
    assert shown[1:] == ["  echo a | | cat", "           ^"]
