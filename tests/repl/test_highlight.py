"""The Pygments lexer: token classes for a table of lines, the plugin, and pygmentize."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pygments.token import Token

from pyshell.repl.highlight import PyshLexer
from pyshell.runtime.shell import Shell

Builtin, Command, Function = Token.Name.Builtin, Token.Name.Command, Token.Name.Function
Keyword, Text, String, Variable = Token.Keyword, Token.Text, Token.String, Token.Name.Variable
Operator, Redirect, Comment, Error = Token.Operator, Token.Operator.Redirect, Token.Comment, Token.Error

# line, the piece of it we look at (its first occurrence, or "piece@N" for the Nth), the token class
TABLE = [
    ("echo hi", "echo", Builtin),
    ("echo hi", "hi", Text),
    ("ls -l /tmp", "ls", Command),
    ("pysh-no-such-command x", "pysh-no-such-command", Error),
    ("/bin/sh -c true", "/bin/sh", Command),
    ("./pysh-no-such-script.sh", "./pysh-no-such-script.sh", Error),
    ("if true; then echo x; fi", "if", Keyword),
    ("if true; then echo x; fi", "then", Keyword),
    ("if true; then echo x; fi", "fi", Keyword),
    ("if true; then echo x; fi", "true", Builtin),
    ("if true; then echo x; fi", ";", Operator),
    ("for f in a b; do cat $f; done", "in", Keyword),
    ("for f in a b; do cat $f; done", "done", Keyword),
    ("for f in a b; do cat $f; done", "$f", Variable),
    ("echo if then", "if", Text),                 # a keyword only in command position
    ("echo 'single quoted'", "'single quoted'", String),
    ('echo "double"', '"double"', String),
    ("echo $HOME ${PATH}", "$HOME", Variable),
    ("echo $HOME ${PATH}", "${PATH}", Variable),
    ("ls | wc -l", "|", Operator),
    ("ls | wc -l", "wc", Command),
    ("true && false || ls", "&&", Operator),
    ("true && false || wc", "wc", Command),
    ("echo hi > out.txt", ">", Redirect),
    ("sort < in 2>> err", "<", Redirect),
    ("sort < in 2>> err", ">>", Redirect),
    ("sort < in 2>> err", "2", Token.Number),          # the fd number of a redirection
    ("echo hi # a comment", "# a comment", Comment),
    ("X=1 env", "X=1", Variable),
    ("X=1 env", "env", Command),
    ("contain run --rm busybox", "contain", Builtin),
    ("vm ls", "vm", Builtin),
]


def token_at(tokens, line: str, piece: str):
    """The token class at the first character of ``piece`` in ``line``."""
    offset = line.index(piece)
    for index, token, value in tokens:
        if index <= offset < index + len(value):
            return token
    raise AssertionError(f"no token covers {piece!r} in {line!r}")


@pytest.mark.parametrize("line, piece, expected", TABLE)
def test_token_classes(line, piece, expected):
    tokens = list(PyshLexer().get_tokens_unprocessed(line))
    assert token_at(tokens, line, piece) in expected


@pytest.mark.parametrize("text", [
    "echo hi", 'echo "unterminated', "if true; then", ")))", "echo $(ls | wc -l) `date`",
    "cat <<EOF\nbody $x\nEOF\n", "echo été 日本", "a=(", "\n\n", "", "echo \\\n  continued",
])
def test_tokens_cover_the_text_exactly(text):
    tokens = list(PyshLexer().get_tokens_unprocessed(text))
    assert "".join(value for _, _, value in tokens) == text
    position = 0
    for index, _, value in tokens:
        assert index == position
        position += len(value)


def test_a_lexer_bound_to_a_shell_knows_its_functions_aliases_and_path(tmp_path):
    shell = Shell("pysh")
    shell.run_source("greet() { echo hello; }\nalias ll='ls -l'", "test")
    (tmp_path / "mytool").write_text("#!/bin/sh\n")
    (tmp_path / "mytool").chmod(0o755)
    shell.setvar("PATH", f"{tmp_path}:/usr/bin:/bin")
    lexer = PyshLexer.for_shell(shell)()
    for line, piece, expected in [("greet", "greet", Function), ("ll x", "ll", Function),
                                  ("mytool", "mytool", Command)]:
        tokens = list(lexer.get_tokens_unprocessed(line))
        assert token_at(tokens, line, piece) in expected
    # A program installed while the shell runs is seen at once (the directory's mtime changed).
    (tmp_path / "newtool").write_text("#!/bin/sh\n")
    (tmp_path / "newtool").chmod(0o755)
    os.utime(tmp_path, (1, 1))  # make sure the mtime differs even on a coarse clock
    assert token_at(list(lexer.get_tokens_unprocessed("newtool")), "newtool", "newtool") in Command


def test_registered_as_a_pygments_plugin():
    from pygments.lexers import find_lexer_class_for_filename, get_lexer_by_name

    assert isinstance(get_lexer_by_name("pysh"), PyshLexer)
    assert find_lexer_class_for_filename("demo.pysh") is PyshLexer


def test_pygmentize_runs(tmp_path):
    script = tmp_path / "demo.pysh"
    script.write_text('# demo\nfor w in Salut Tout; do\n  echo "$w" | tac > /dev/null\ndone\n')
    terminal = subprocess.run([sys.executable, "-m", "pygments", "-l", "pysh", "-f", "terminal", str(script)],
                              capture_output=True, text=True, timeout=60)
    assert terminal.returncode == 0, terminal.stderr
    assert "\x1b[" in terminal.stdout and "Salut" in terminal.stdout
    html = subprocess.run([sys.executable, "-m", "pygments", "-l", "pysh", "-f", "html", str(script)],
                          capture_output=True, text=True, timeout=60)
    assert html.returncode == 0, html.stderr
    assert '<span class="k">for</span>' in html.stdout
    assert '<span class="nb">echo</span>' in html.stdout
    pygmentize = os.path.join(os.path.dirname(sys.executable), "pygmentize")
    if os.path.exists(pygmentize):
        assert subprocess.run([pygmentize, "-l", "pysh", str(script)], capture_output=True,
                              timeout=60).returncode == 0
