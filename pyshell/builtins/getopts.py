"""``getopts``: parse one option per call, the way a script's ``while`` loop wants.

The loop's progress lives in the variable OPTIND (index of the next word to look
at, from 1). Within a group like ``-abc`` we must also remember which letter comes
next; that offset is kept per shell, and forgotten whenever OPTIND no longer holds
the value we last gave it (the script reset it, or a function made it local).
"""

from __future__ import annotations

import re
import weakref
from collections import namedtuple

from pyshell.builtins import builtin, complain, write_err
from pyshell.errors import PyshError

USAGE = "getopts optstring name [arg ...]"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


# optind: the OPTIND value we set last; offset: index of the next letter in args[optind - 1]
_Progress = namedtuple("_Progress", "optind offset")


# Keyed by the Shell object (weakly, so a finished shell takes its entry along).
_progress: "weakref.WeakKeyDictionary[object, _Progress]" = weakref.WeakKeyDictionary()


class Step(namedtuple("Step", "status option optarg optind offset error", defaults=(None,))):
    """What one call decided: the values to give NAME, OPTARG (None = unset), OPTIND;
    ``error`` is the message to print unless silent / OPTERR=0."""

    __slots__ = ()


def next_option(optstring: str, args: list[str], optind: int, offset: int) -> Step:
    """The pure core: look at args[optind-1] from letter ``offset``."""
    silent = optstring.startswith(":")
    letters = optstring[1:] if silent else optstring
    if offset == 0:
        if optind > len(args):
            return Step(1, "?", None, min(optind, len(args) + 1), 0)
        word = args[optind - 1]
        if word == "--":
            return Step(1, "?", None, optind + 1, 0)
        if len(word) < 2 or word[0] != "-":
            return Step(1, "?", None, optind, 0)
        offset = 1
    word = args[optind - 1]
    letter = word[offset]
    offset += 1
    at_end = offset >= len(word)
    after = (optind + 1, 0) if at_end else (optind, offset)
    if letter == ":" or letter not in letters:
        if silent:
            return Step(0, "?", letter, *after)
        return Step(0, "?", None, *after, error=f"illegal option -- {letter}")
    if letters[letters.index(letter) + 1:letters.index(letter) + 2] != ":":
        return Step(0, letter, None, *after)
    if not at_end:  # -ofile
        return Step(0, letter, word[offset:], optind + 1, 0)
    if optind < len(args):  # -o file
        return Step(0, letter, args[optind], optind + 2, 0)
    if silent:
        return Step(0, ":", letter, optind + 1, 0)
    return Step(0, "?", None, optind + 1, 0, error=f"option requires an argument -- {letter}")


@builtin("getopts", USAGE, "Parse positional parameters (or ARGs) as options, one per call.")
def getopts(shell, argv: list[str]) -> int:
    if len(argv) < 3:
        write_err(f"getopts: usage: {USAGE}\n")
        return 2
    optstring, name = argv[1], argv[2]
    if not _NAME.match(name):
        complain(argv[0], f"`{name}': not a valid identifier")
        return 1
    args = argv[3:] if len(argv) > 3 else list(shell.positional)

    current = shell.getvar("OPTIND") or "1"
    try:
        optind = max(1, int(current))
    except ValueError:
        optind = 1
    remembered = _progress.get(shell)
    offset = remembered.offset if remembered is not None and remembered.optind == current else 0
    if offset and (optind > len(args) or offset >= len(args[optind - 1])):
        offset = 0

    step = next_option(optstring, args, optind, offset)
    if step.error and shell.getvar("OPTERR") != "0":
        write_err(f"{_script_name(shell)}: {step.error}\n")
    try:
        shell.setvar(name, step.option)
        if step.optarg is None:
            shell.unsetvar("OPTARG")
        else:
            shell.setvar("OPTARG", step.optarg)
        shell.setvar("OPTIND", str(step.optind))
    except PyshError as error:
        complain(argv[0], error.message)
        return 2
    _progress[shell] = _Progress(str(step.optind), step.offset)
    return step.status


def _script_name(shell) -> str:
    """Errors name the script, like sh's getopts does (``$0: illegal option``)."""
    return shell.getvar("0") or "pysh"
