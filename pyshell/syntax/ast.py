"""The whole pysh syntax tree, in one file.

Every node is immutable and compared by its fields. Positions (``pos``) are kept for error
messages but excluded from equality, so ``parse(format(tree)) == tree`` holds whatever the
spacing.

Words keep their quoting as a tuple of parts, because quoting decides what expansion
does: ``"$x"`` is one field, ``$x`` is split on IFS, ``'*'`` is never a glob.
"""

from __future__ import annotations

from collections import namedtuple


class Pos(namedtuple("Pos", "line col")):
    """Where a node starts in its source: 1-based line and column."""

    __slots__ = ()


class Node:
    """What every node shares — the behaviour of ``@dataclass(frozen=True)``, written out.

    A subclass lists its fields as annotations, with defaults where they have one; every
    node also takes a keyword-only ``pos``. Nodes are built positionally or by keyword,
    are immutable, and are equal when their fields are (``pos`` excluded).

    Why not @dataclass: it generates six methods per class by compiling source text, about
    0.8 ms a class — 20 ms of every ``pysh -c true`` for these 24 classes (measured on
    Python 3.11), a third of the start-up budget. These few generic methods cost nothing.
    """

    _fields: tuple[str, ...] = ()
    _defaults: dict[str, object] = {}

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(cls.__dict__.get("__annotations__", ()))
        cls._defaults = {name: cls.__dict__[name] for name in cls._fields if name in cls.__dict__}
        cls.__match_args__ = cls._fields

    def __init__(self, *values, pos: Pos | None = None, **named):
        fields = self._fields
        if len(values) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} values")
        state = dict(zip(fields, values))
        for name, value in named.items():
            if name not in fields or name in state:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
            state[name] = value
        for name in fields:
            if name not in state:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__}: missing field {name!r}")
                state[name] = self._defaults[name]
        state["pos"] = pos
        self.__dict__.update(state)  # bypasses __setattr__, which refuses changes

    def values(self) -> tuple:
        return tuple(self.__dict__[name] for name in self._fields)

    def replace(self, **changes) -> Node:
        """A copy with some fields changed (like dataclasses.replace)."""
        state = dict(zip(self._fields, self.values()))
        state.update(changes)
        return type(self)(**state, pos=self.pos)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.values() == self.values()

    def __hash__(self) -> int:
        return hash((type(self), self.values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self.values()))
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    __delattr__ = __setattr__


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
    (``${x:2}``, ``${x/a}``).
    """

    name: str
    op: str | None = None
    arg: Word | None = None
    braced: bool = False
    arg2: Word | None = None


class CmdSubst(Node):
    """``$( body )`` or ```body``` — the body is a whole script, run in a subshell."""

    body: Script
    backquoted: bool = False


class ArithExp(Node):
    """``$(( expr ))`` — expr is a word (it may contain $x and $(cmd)), evaluated after expansion."""

    expr: Word


Part = Lit | Escaped | SglQuoted | DblQuoted | ParamExp | CmdSubst | ArithExp


class Word(Node):
    parts: tuple[Part, ...]


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
    fd: int | None = None
    heredoc: Word | None = None


class Assignment(Node):
    """``name=value`` before a command, or as a whole command."""

    name: str
    value: Word


# ---------------------------------------------------------------- commands


class SimpleCommand(Node):
    assigns: tuple[Assignment, ...] = ()
    words: tuple[Word, ...] = ()
    redirects: tuple[Redirect, ...] = ()


class Pipeline(Node):
    """``[!] cmd1 | cmd2 |& cmd3``. ``stderr_too[i]`` is True when edge i is ``|&``."""

    commands: tuple["Command", ...]
    negated: bool = False
    stderr_too: tuple[bool, ...] = ()


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
