"""iter_commands: one Script per top-level command line, lexed lazily."""

import pytest

from pyshell.errors import ParseError
from pyshell.syntax import iter_commands, parse

from .syntax_trees import C, S


def test_one_script_per_line_and_compound_commands_whole():
    source = "a; b\n\n# comment\nif x\nthen y\nfi\nf()\n{ z; }\nc |\nd\ncat <<E\nbody\nE\nlast"
    scripts = list(iter_commands(source))
    assert len(scripts) == 6
    assert [len(s.body) for s in scripts] == [2, 1, 1, 1, 1, 1]
    assert tuple(st for s in scripts for st in s.body) == parse(source).body


def test_alias_defined_by_one_line_applies_to_the_next():
    aliases = {}
    seen = []
    for script in iter_commands("defalias\nll x\nll y; ll z", aliases_getter=lambda: dict(aliases)):
        seen.append(script)
        if len(seen) == 1:
            aliases["ll"] = "ls -l"
    assert seen[1] == S(C("ls", "-l", "x"))
    assert seen[2] == S(C("ls", "-l", "y"), C("ls", "-l", "z"))


def test_alias_not_yet_defined_on_its_own_line():
    aliases = {}
    scripts = iter_commands("define; ll x\nll y", aliases_getter=lambda: dict(aliases))
    first = next(scripts)
    aliases["ll"] = "ls -l"
    assert first == S(C("define"), C("ll", "x"))
    assert next(scripts) == S(C("ls", "-l", "y"))


def test_nothing_for_an_empty_text():
    assert list(iter_commands("")) == []
    assert list(iter_commands("\n# c\n\n")) == []


def test_incomplete_at_the_end():
    with pytest.raises(ParseError) as caught:
        list(iter_commands("echo a\nif true; then\n"))
    assert caught.value.incomplete and caught.value.line == 3


def test_filename_in_errors():
    with pytest.raises(ParseError) as caught:
        list(iter_commands("done", "x.sh"))
    assert str(caught.value) == "x.sh:1:1: syntax error near 'done'"
