"""The whole pysh syntax tree, in one file.

Every node is a frozen dataclass. Positions (``pos``) are kept for error messages but
excluded from equality, so ``parse(format(tree)) == tree`` holds whatever the spacing.

Words keep their quoting as a tuple of parts, because quoting decides what expansion
does: ``"$x"`` is one field, ``$x`` is split on IFS, ``'*'`` is never a glob.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Pos:
    """Where a node starts in its source: 1-based line and column."""

    line: int
    col: int


def _pos():
    return field(default=None, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- word parts


@dataclass(frozen=True)
class Lit:
    """Unquoted literal text. May hold glob characters (* ? [) and a leading ~."""

    text: str


@dataclass(frozen=True)
class Escaped:
    """A backslash-escaped character, outside or inside double quotes: ``\\*``, ``"\\$"``."""

    char: str


@dataclass(frozen=True)
class SglQuoted:
    """'text' — taken literally, no expansion at all."""

    text: str


@dataclass(frozen=True)
class DblQuoted:
    """"..." — parameters, commands and arithmetic expand, nothing splits or globs."""

    parts: tuple["Part", ...]


@dataclass(frozen=True)
class ParamExp:
    """``$name``, ``${name}``, ``${#name}``, ``${name<op>word}``.

    ``op`` is one of None, ":-", "-", ":=", "=", ":?", "?", ":+", "+", "#", "##", "%", "%%",
    or "len" for ``${#name}``. ``name`` may be a special parameter (? $ ! # @ * 0 1 ...).
    ``braced`` records whether braces were written, for printing.
    """

    name: str
    op: str | None = None
    arg: Word | None = None
    braced: bool = False


@dataclass(frozen=True)
class CmdSubst:
    """``$( body )`` or ```body``` — the body is a whole script, run in a subshell."""

    body: Script
    backquoted: bool = False


@dataclass(frozen=True)
class ArithExp:
    """``$(( expr ))`` — expr is a word (it may contain $x and $(cmd)), evaluated after expansion."""

    expr: Word


Part = Union[Lit, Escaped, SglQuoted, DblQuoted, ParamExp, CmdSubst, ArithExp]


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]
    pos: Pos | None = _pos()


# ---------------------------------------------------------------- redirections and assignments


@dataclass(frozen=True)
class Redirect:
    """``[fd]op target``.

    op is one of ``< > >> >| <> >& <& &> &>> << <<- <<<``. ``fd`` is the explicit number
    written before the operator, or None for the default (0 for input ops, 1 for output).
    For here-documents, ``target`` is the delimiter as written (e.g. ``'EOF'``) and
    ``heredoc`` the body: expandable parts if the delimiter was unquoted, else one Lit.
    """

    op: str
    target: Word
    fd: int | None = None
    heredoc: Word | None = None
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Assignment:
    """``name=value`` before a command, or as a whole command."""

    name: str
    value: Word
    pos: Pos | None = _pos()


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class SimpleCommand:
    assigns: tuple[Assignment, ...] = ()
    words: tuple[Word, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Pipeline:
    """``[!] cmd1 | cmd2 |& cmd3``. ``stderr_too[i]`` is True when edge i is ``|&``."""

    commands: tuple["Command", ...]
    negated: bool = False
    stderr_too: tuple[bool, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class AndOr:
    """``left && right`` or ``left || right``; chains are left-associative."""

    op: str
    left: "Command"
    right: "Command"
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Statement:
    """One item of a list: a command ended by ``;``/newline, or by ``&`` (background)."""

    command: "Command"
    background: bool = False
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Script:
    """A sequence of statements: a whole file, a ``-c`` string, or a compound's body."""

    body: tuple[Statement, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Subshell:
    body: Script
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class BraceGroup:
    body: Script
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class If:
    """``if c1; then b1; elif c2; then b2; else b3; fi`` as clauses ((c1, b1), (c2, b2)) + else."""

    clauses: tuple[tuple[Script, Script], ...]
    else_body: Script | None = None
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class While:
    """``while cond; do body; done``, or ``until`` when ``until`` is True."""

    cond: Script
    body: Script
    until: bool = False
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class For:
    """``for var in items; do body; done``; ``items`` None means ``"$@"`` (no ``in``)."""

    var: str
    items: tuple[Word, ...] | None
    body: Script
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class CaseItem:
    patterns: tuple[Word, ...]
    body: Script
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class Case:
    word: Word
    items: tuple[CaseItem, ...]
    redirects: tuple[Redirect, ...] = ()
    pos: Pos | None = _pos()


@dataclass(frozen=True)
class FunctionDef:
    """``name() compound-command`` — redirects written after the body belong to the body."""

    name: str
    body: "Command"
    pos: Pos | None = _pos()


Command = Union[SimpleCommand, Pipeline, AndOr, Subshell, BraceGroup, If, While, For, Case, FunctionDef]
