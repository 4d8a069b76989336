"""Syntax highlighting: pysh's own lexer, wrapped as a Pygments lexer.

There is no second grammar here. ``pyshell.syntax.lexer.highlight_spans`` (the same
lexer the parser uses) cuts the text into spans of a kind; this module only maps
kinds to Pygments token types, and for words in command position asks what the
name would run, so that an unknown command shows in red as you type (like fish).

Registered as a Pygments plugin in pyproject.toml, so ``pygmentize -l pysh FILE``
works; the REPL uses it through prompt_toolkit's PygmentsLexer.
"""

from __future__ import annotations

from pygments.lexer import Lexer
from pygments.token import Token

from pyshell.repl.commands import CommandClassifier
from pyshell.syntax.lexer import highlight_spans

# A program found on PATH has no standard Pygments type: it gets its own, under Name,
# so styles that know nothing of it still colour it as a name.
Command = Token.Name.Command

TOKEN_OF_KIND = {
    "keyword": Token.Keyword,
    "word": Token.Text,
    "string": Token.String,
    "variable": Token.Name.Variable,
    "operator": Token.Operator,
    "redirect": Token.Operator.Redirect,
    "comment": Token.Comment.Single,
    "assignment": Token.Name.Variable,
    "number": Token.Number,
    "whitespace": Token.Text.Whitespace,
    "error": Token.Error,
}

TOKEN_OF_COMMAND = {
    "alias": Token.Name.Function,
    "function": Token.Name.Function,
    "keyword": Token.Keyword,
    "builtin": Token.Name.Builtin,
    "external": Command,
    "missing": Token.Error,  # nothing by that name: red, before you press Enter
}


class PyshLexer(Lexer):
    """Pygments lexer for pysh (POSIX sh) built on ``highlight_spans``."""

    name = "pysh"
    aliases = ["pysh"]
    filenames = ["*.pysh", ".pyshrc"]
    mimetypes = ["text/x-pysh"]

    # Which shell's aliases, functions and PATH decide "command found": none for
    # pygmentize (the environment's PATH), the running shell in the REPL (see for_shell).
    classifier = CommandClassifier()

    @classmethod
    def for_shell(cls, shell, classifier: CommandClassifier | None = None) -> type[PyshLexer]:
        """A subclass bound to ``shell`` (PygmentsLexer takes a class, not an instance);
        pass the completer's ``classifier`` to share its cache of PATH."""
        return type(cls.__name__, (cls,), {"classifier": classifier or CommandClassifier(shell)})

    def get_tokens_unprocessed(self, text):
        position = 0
        for start, end, kind in highlight_spans(text):
            if start > position:  # a gap the lexer left: keep the text, unstyled
                yield position, Token.Text, text[position:start]
            if end <= start:
                continue
            value = text[start:end]
            if kind == "command":
                token = TOKEN_OF_COMMAND[self.classifier.kind(value)]
            else:
                token = TOKEN_OF_KIND.get(kind, Token.Text)
            yield start, token, value
            position = max(position, end)
        if position < len(text):
            yield position, Token.Text, text[position:]


# Colours for the REPL, fish's choices: commands blue, unknown commands red, strings
# yellow, variables cyan. Keys are prompt_toolkit's names for the Pygments tokens.
REPL_STYLE = {
    "pygments.keyword": "ansimagenta bold",
    "pygments.name.builtin": "ansiblue bold",
    "pygments.name.function": "ansiblue bold",
    "pygments.name.command": "ansiblue",
    "pygments.error": "ansired bold",
    "pygments.string": "ansiyellow",
    "pygments.name.variable": "ansicyan",
    "pygments.operator": "ansigreen",
    "pygments.operator.redirect": "ansigreen bold",
    "pygments.comment": "ansibrightblack italic",
    "pygments.number": "ansibrightcyan",
}
