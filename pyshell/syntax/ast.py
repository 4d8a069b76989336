"""The whole pysh syntax tree, in one file.

Every node is immutable and compared by its fields. Positions (``pos``) are kept for error
messages but excluded from equality, so ``parse(format(tree)) == tree`` holds whatever the
spacing.

Words keep their quoting as a tuple of parts, because quoting decides what expansion
does: ``"$x"`` is one field, ``$x`` is split on IFS, ``'*'`` is never a glob.
"""

from __future__ import annotations

from collections import namedtuple

from pyshell.record import Record


class Pos(namedtuple("Pos", "line col")):
    """Where a node starts in its source: 1-based line and column."""

    __slots__ = ()


class Node(Record):
    """What every node shares: a Record (pyshell/record.py: immutable, built positionally
    or by keyword, equal when their fields are) plus a keyword-only ``pos``, which is
    left out of equality. A subclass lists its fields as annotations, with defaults where
    they have one. (Not @dataclass: see record.py — it would cost 20 ms of every start.)"""

    def __init__(self, *values, pos: Pos | None = None, **named):
        Record.__init__(self, *values, **named)
        self.__dict__["pos"] = pos

    def replace(self, **changes) -> Node:
        """A copy with some fields changed, at the same position."""
        state = dict(zip(self._fields, self.values()))
        state.update(changes)
        return type(self)(**state, pos=self.pos)


# ---------------------------------------------------------------- word parts


class Lit(Node):
    """Unquoted literal text. May hold glob characters (* ? [) and a leading ~."""

    text: str


class Escaped(Node):
    """A backslash-escaped character, outside or inside double quotes: ``\\*``, ``"\\$"``."""

    char: str


class SglQuoted(Node):
    """'text' — taken literally, no expansion at all. With ``ansi``, it was written
    ``$'a\\tb'`` (bash's ANSI-C quoting): ``text`` holds the decoded characters, and the
    printer writes them back with their escapes."""

    text: str
    ansi: bool = False


class DblQuoted(Node):
    """"..." — parameters, commands and arithmetic expand, nothing splits or globs."""

    parts: tuple["Part", ...]


class ParamExp(Node):
    """``$name``, ``${name}``, ``${#name}``, ``${name<op>word}``.

    ``op`` is one of None, ":-", "-", ":=", "=", ":?", "?", ":+", "+", "#", "##", "%", "%%",
    or "len" for ``${#name}``. ``name`` may be a special parameter (? $ ! # @ * 0 1 ...).
    ``braced`` records whether braces were written, for printing.

    Two bash forms take two words, ``arg`` and ``arg2``:
    ``${name:offset:length}`` (op ":") and ``${name/pattern/string}`` (op "/", "//", "/#"
    or "/%"). ``arg2`` is None when the second word and its separator were left out
    (``${x:2}``, ``${x/a}``). Also bash's: the case changes (op "^^", "^", ",,", ","
    with a pattern as ``arg``), and ``indirect`` for ``${!name…}``: the value of ``name``
    names the parameter to expand.

    bash's arrays: ``index`` is the subscript of ``${name[index]…}``, where a lone ``@``
    or ``*`` stands for every element. With ``indirect``, an ``@``/``*`` index is
    ``${!name[@]}``, the keys; op "prefix@" or "prefix*" is ``${!prefix@}``, the names
    of the variables starting with ``name``.
    """

    name: str
    op: str | None = None
    arg: Word | None = None
    braced: bool = False
    arg2: Word | None = None
    indirect: bool = False
    index: Word | None = None


class CmdSubst(Node):
    """``$( body )`` or ```body``` — the body is a whole script, run in a subshell."""

    body: Script
    backquoted: bool = False


class ProcSubst(Node):
    """bash's process substitution ``<( body )`` (``direction`` "<": the word becomes a
    file to read the body's output from) or ``>( body )`` (">": a file whose reads are
    the body's input). The word is a ``/dev/fd/N`` path."""

    body: Script
    direction: str


class ArithExp(Node):
    """``$(( expr ))`` — expr is a word (it may contain $x and $(cmd)), evaluated after expansion."""

    expr: Word


class ArrayItem(Node):
    """``[key]=value`` (or ``[key]+=value``) inside the parentheses of an array value."""

    index: Word
    value: Word
    append: bool = False


class ArrayLit(Node):
    """bash's ``( a b [k]=v )``, the value of ``name=( … )``: Words (split and globbed
    like command words) and ArrayItems. It is a word part only after a declaration
    builtin (``declare -a x=(1 2)``); before a command it is an Assignment's ``array``."""

    items: tuple


Part = Lit | Escaped | SglQuoted | DblQuoted | ParamExp | CmdSubst | ArithExp | ArrayLit | ProcSubst


class Word(Node):
    parts: tuple[Part, ...]


def merge_lits(parts) -> tuple:
    """Join neighbouring Lit parts: the tree has one Lit per run of plain text."""
    merged: list = []
    for part in parts:
        if merged and isinstance(part, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + part.text)
        else:
            merged.append(part)
    return tuple(merged)


# ---------------------------------------------------------------- redirections and assignments


class Redirect(Node):
    """``[fd]op target``.

    op is one of ``< > >> >| <> >& <& &> &>> << <<- <<<``. ``fd`` is the explicit number
    written before the operator, or None for the default (0 for input ops, 1 for output).
    For here-documents, ``target`` is the delimiter as written (e.g. ``'EOF'``) and
    ``heredoc`` the body: expandable parts if the delimiter was unquoted, else one Lit.
    """

    op: str
    target: Word
    fd: int | str | None = None   # a str: bash's {name}>file, the shell picks the fd
    heredoc: Word | None = None


class Assignment(Node):
    """``name=value`` before a command, or as a whole command. bash's forms: ``index``
    for ``name[index]=value``, ``append`` for ``+=``, ``array`` (an ArrayLit) for
    ``name=( … )`` (``value`` is then empty)."""

    name: str
    value: Word
    index: Word | None = None
    append: bool = False
    array: ArrayLit | None = None


# ---------------------------------------------------------------- commands


class SimpleCommand(Node):
    assigns: tuple[Assignment, ...] = ()
    words: tuple[Word, ...] = ()
    redirects: tuple[Redirect, ...] = ()


class Pipeline(Node):
    """``[!] cmd1 | cmd2 |& cmd3``. ``stderr_too[i]`` is True when edge i is ``|&``.
    ``timed`` is bash's ``time`` keyword written before it: "bash", or "posix" for
    ``time -p`` (the report's format)."""

    commands: tuple["Command", ...]
    negated: bool = False
    stderr_too: tuple[bool, ...] = ()
    timed: str | None = None


class AndOr(Node):
    """``left && right`` or ``left || right``; chains are left-associative."""

    op: str
    left: "Command"
    right: "Command"


class Statement(Node):
    """One item of a list: a command ended by ``;``/newline, or by ``&`` (background)."""

    command: "Command"
    background: bool = False


class Script(Node):
    """A sequence of statements: a whole file, a ``-c`` string, or a compound's body."""

    body: tuple[Statement, ...] = ()


class Subshell(Node):
    body: Script
    redirects: tuple[Redirect, ...] = ()


class BraceGroup(Node):
    body: Script
    redirects: tuple[Redirect, ...] = ()


class If(Node):
    """``if c1; then b1; elif c2; then b2; else b3; fi`` as clauses ((c1, b1), (c2, b2)) + else."""

    clauses: tuple[tuple[Script, Script], ...]
    else_body: Script | None = None
    redirects: tuple[Redirect, ...] = ()


class While(Node):
    """``while cond; do body; done``, or ``until`` when ``until`` is True."""

    cond: Script
    body: Script
    until: bool = False
    redirects: tuple[Redirect, ...] = ()


class For(Node):
    """``for var in items; do body; done``; ``items`` None means ``"$@"`` (no ``in``)."""

    var: str
    items: tuple[Word, ...] | None
    body: Script
    redirects: tuple[Redirect, ...] = ()


class ArithFor(Node):
    """bash's ``for ((init; cond; step)); do body; done``: three arithmetic expressions
    (each may be empty; an empty cond is true)."""

    init: Word
    cond: Word
    step: Word
    body: Script
    redirects: tuple[Redirect, ...] = ()


class CaseItem(Node):
    patterns: tuple[Word, ...]
    body: Script


class Case(Node):
    word: Word
    items: tuple[CaseItem, ...]
    redirects: tuple[Redirect, ...] = ()


class FunctionDef(Node):
    """``name() compound-command`` — redirects written after the body belong to the body."""

    name: str
    body: "Command"


class ArithCommand(Node):
    """bash's ``(( expr ))``: status 0 when expr is not zero, else 1. ``expr`` is read
    like the inside of ``$(( ))``."""

    expr: Word
    redirects: tuple[Redirect, ...] = ()


class CondCommand(Node):
    """bash's ``[[ expr ]]``: a test whose words are neither split nor globbed.

    ``expr`` is a tree of tuples: ``("word", w)`` (true if not empty),
    ``(op, w)`` for a unary test (-f -d -z -n ...), ``(op, left, right)`` for a binary
    one (= == != < > -eq ... =~), ``("!", e)``, ``("&&", a, b)``, ``("||", a, b)`` and
    ``("()", e)`` for parentheses. The right side of = == != is a pattern.
    """

    expr: tuple
    redirects: tuple[Redirect, ...] = ()


Command = (SimpleCommand | Pipeline | AndOr | Subshell | BraceGroup | If | While | For | Case
           | FunctionDef | ArithCommand | CondCommand | ArithFor)
