"""Parsing: source text -> Script, with the LALR tables generated from grammar.py (lrtables.py).

Two entry points:

- ``parse(source)`` parses a whole text at once (the REPL, ``eval``, tests);
- ``iter_commands(source)`` yields one Script per top-level command line, so that a
  script runs line 1 before a syntax error on line 5 is found (what sh does), and an alias
  defined on line 1 applies on line 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ..errors import ParseError
from . import ast, lr
from .lexer import Scanner, Source, _fresh_lexer
from .tokens import Token

_lr_parser = None


def _run_grammar(tokens: list) -> ast.Script:
    """The LALR loop (lr.py) over the tokens, building the tree with grammar.py's p_ rules."""
    global _lr_parser
    if _lr_parser is None:
        from . import grammar
        rules = {name: rule for name, rule in vars(grammar).items() if name.startswith("p_")}
        _lr_parser = lr.Parser(rules, grammar.p_error)
    return _lr_parser.parse(tokens)


def _parse_tokens(tokens: list, closing: Token | None, source: Source) -> ast.Script:
    """Run the grammar over a token list. ``closing`` is the ``)`` that ended a ``$( )``
    body: running out of tokens there is an error at that ``)``, not an incomplete input."""
    try:
        return _run_grammar(tokens)
    except ParseError as error:
        if error.filename is None:  # raised by the grammar: add where it happened
            if error.line is None:
                if closing is not None:
                    error = ParseError("syntax error near ')'", filename=None,
                                       line=closing.pos.line, col=closing.pos.col, token=")")
                else:
                    end = source.end_pos()
                    error.line, error.col = end.line, end.col
            error.filename = source.filename
            error.source_line = _line_of(source.text, error.line - source.first_line)
        raise error


def _line_of(text: str, row: int) -> str:
    lines = text.split("\n")
    return lines[row] if 0 <= row < len(lines) else ""


def _error_token(error: ParseError) -> Token:
    """The lexer failed: the parser gets this token where the failure was, so that an
    earlier syntax error is reported first (as sh does)."""
    return Token("ERROR", error, "", ast.Pos(error.line or 1, error.col or 1), 0)


def parse(source: str, filename: str = "-c", aliases: Mapping[str, str] | None = None) -> ast.Script:
    """Parse a whole text into a Script. Raises ParseError (``incomplete`` if more text
    could finish it: an open quote, a missing ``fi``, a trailing ``|``)."""
    text = Source(source, filename)
    try:
        scanner = Scanner(_fresh_lexer(source), text, _parse_tokens, aliases=aliases)
        tokens = []
        try:
            for token in scanner.tokens():
                tokens.append(token)
        except ParseError as error:
            tokens.append(_error_token(error))
        return _parse_tokens(tokens, None, text)
    except RecursionError:
        raise ParseError("nesting too deep", filename=filename, line=1, col=1) from None


def iter_commands(source: str, filename: str = "-c",
                  aliases_getter: Callable[[], Mapping[str, str] | None] | None = None,
                  first_line: int = 1) -> Iterator[ast.Script]:
    """Yield one Script per complete top-level command line, lexing each only when the
    previous one has been consumed (so aliases defined by it apply). ``first_line`` is
    the line number of the text's first line (a trap runs at its caller's $LINENO)."""
    text = Source(source, filename, line=first_line)
    try:
        scanner = Scanner(_fresh_lexer(source), text, _parse_tokens,
                          aliases=aliases_getter() if aliases_getter else None)
        stream = scanner.tokens()
        pending: list[Token] = []
        while True:
            try:
                token = next(stream, None)
            except ParseError as error:
                pending.append(_error_token(error))
                _parse_tokens(pending, None, text)  # raises, after any earlier syntax error
                raise AssertionError("unreachable")
            if token is None:
                break
            pending.append(token)
            if token.type != "NEWLINE" or not scanner.at_command_boundary():
                continue
            try:
                script = _parse_tokens(pending, None, text)
            except ParseError as error:
                if error.incomplete:
                    continue  # e.g. `f()` then `{ ...; }` on the next line: read on
                raise
            pending = []
            if script.body:
                yield script
            if aliases_getter:
                scanner.aliases = aliases_getter()
        if pending:
            script = _parse_tokens(pending, None, text)
            if script.body:
                yield script
    except RecursionError:
        raise ParseError("nesting too deep", filename=filename, line=1, col=1) from None
