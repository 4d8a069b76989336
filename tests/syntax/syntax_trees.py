"""Short constructors for expected syntax trees in the test tables."""

from pyshell.syntax.ast import (ArithExp, Assignment, CmdSubst, DblQuoted, Lit, ParamExp,
                                Pipeline, Redirect, Script, SimpleCommand, Statement, Word)


def W(*parts) -> Word:
    """A word; plain strings become Lit parts."""
    return Word(tuple(Lit(p) if isinstance(p, str) else p for p in parts))


def C(*words, assigns=(), redirects=()) -> SimpleCommand:
    """A simple command; plain strings become one-Lit words."""
    return SimpleCommand(tuple(assigns), tuple(w if isinstance(w, Word) else W(w) for w in words),
                         tuple(redirects))


def S(*commands) -> Script:
    """A script; commands that are not Statements become foreground statements."""
    return Script(tuple(c if isinstance(c, Statement) else Statement(c) for c in commands))


def BG(command) -> Statement:
    return Statement(command, background=True)


def A(name, *value) -> Assignment:
    return Assignment(name, W(*value))


def R(op, target, fd=None, heredoc=None) -> Redirect:
    return Redirect(op, target if isinstance(target, Word) else W(target), fd=fd, heredoc=heredoc)


def P(*commands, negated=False, stderr_too=None) -> Pipeline:
    return Pipeline(tuple(commands), negated=negated,
                    stderr_too=tuple(stderr_too or [False] * (len(commands) - 1)))


def V(name, op=None, arg=None, braced=None, arg2=None, indirect=False) -> ParamExp:
    if braced is None:
        braced = op is not None or indirect
    return ParamExp(name, op, arg, braced=braced, arg2=arg2, indirect=indirect)


def DQ(*parts) -> DblQuoted:
    return DblQuoted(tuple(Lit(p) if isinstance(p, str) else p for p in parts))


def SUB(*commands, backquoted=False) -> CmdSubst:
    return CmdSubst(S(*commands), backquoted=backquoted)


def ARITH(*parts) -> ArithExp:
    return ArithExp(W(*parts))
