"""Brace expansion (bash): ``a{b,c}d`` -> ``abd acd``, ``{1..5}``, ``{a..e..2}``, ``{01..10}``.

It is the first expansion of a command word, done before parameters, commands and
globbing, and it works on the word as written. Here that is the word's parts: every
character of unquoted text (a Lit) may be a brace or a comma, while a quoted piece or an
expansion (``"a,b"``, ``\\{``, ``$x``, ``${x}``, ``$(cmd)``) is one opaque *atom*. So
``{a,"b,c"}`` has two alternatives, and ``\\{a,b}`` and ``${x}`` are never brace
expansions, with no extra bookkeeping.

What is a brace expansion: an unquoted ``{``, its matching ``}``, and between them a
comma outside any inner braces, or a sequence ``X..Y[..STEP]`` of two integers or two
letters. Anything else (``{}``, ``{a}``, an unclosed ``{``) stays as it is, and the search
goes on at the next ``{``. Each alternative is itself expanded, then each result is
combined with the expansions of the rest of the word: ``{a,b}{1,2}`` -> ``a1 a2 b1 b2``.

Entry point: ``expand(word) -> list of Words`` (the word itself when it has no braces).
Only imported when a word holds a ``{``, so that commands without braces pay nothing.
"""

from __future__ import annotations

import re

from pyshell.errors import ExpandError
from pyshell.syntax.ast import Lit, ParamExp, SglQuoted, Word

# Past this many words, refuse rather than fill the memory (`{1..99999999}{1..99}`).
MAX_WORDS = 1_000_000

_INTEGERS = re.compile(r"([-+]?[0-9]+)\.\.([-+]?[0-9]+)(?:\.\.([-+]?[0-9]+))?\Z")
_LETTERS = re.compile(r"([A-Za-z])\.\.([A-Za-z])(?:\.\.([-+]?[0-9]+))?\Z")
_NAME_CHARS = re.compile(r"[A-Za-z0-9_]+")


def expand(word: Word) -> list[Word]:
    """The words brace expansion makes of ``word``, in order."""
    atoms: list = []
    for part in word.parts:
        if type(part) is Lit:
            atoms.extend(part.text)   # one atom per character
        else:
            atoms.append(part)
    results = _expand_atoms(atoms)
    if len(results) == 1 and results[0] == atoms:
        return [word]
    return [Word(_to_parts(atoms), pos=word.pos) for atoms in results]


def _expand_atoms(atoms: list) -> list[list]:
    start = 0
    while True:
        opening = _find(atoms, "{", start)
        if opening < 0:
            return [atoms]
        closing, commas = _matching_close(atoms, opening)
        if closing >= 0:
            inside = atoms[opening + 1:closing]
            if commas:
                bounds = [opening] + commas + [closing]
                middles = []
                for left, right in zip(bounds, bounds[1:]):
                    middles.extend(_expand_atoms(atoms[left + 1:right]))
            else:
                middles = _sequence(inside)
            if middles is not None:
                preamble = atoms[:opening]
                endings = _expand_atoms(atoms[closing + 1:])
                if len(middles) * len(endings) > MAX_WORDS:
                    raise ExpandError("brace expansion: too many words")
                return [preamble + middle + ending for middle in middles for ending in endings]
        start = opening + 1  # not a brace expansion: this { is a plain character


def _find(atoms: list, char: str, start: int) -> int:
    for index in range(start, len(atoms)):
        if atoms[index] == char:
            return index
    return -1


def _matching_close(atoms: list, opening: int) -> tuple[int, list[int]]:
    """The index of the ``}`` matching the ``{`` at ``opening`` (-1 if none), and the
    indexes of the commas between them that are outside inner braces."""
    depth = 0
    commas = []
    for index in range(opening + 1, len(atoms)):
        atom = atoms[index]
        if atom == "{":
            depth += 1
        elif atom == "}":
            if depth == 0:
                return index, commas
            depth -= 1
        elif atom == "," and depth == 0:
            commas.append(index)
    return -1, []


def _sequence(inside: list) -> list[list] | None:
    """``1..5``, ``5..1``, ``01..10``, ``1..10..3``, ``a..e``: the list of its items
    (each a list of atoms), or None if ``inside`` is no sequence."""
    if not all(type(atom) is str for atom in inside):
        return None
    text = "".join(inside)
    match = _INTEGERS.match(text)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        width = 0
        if any(_zero_padded(number) for number in match.group(1, 2)):
            width = max(len(match.group(1)), len(match.group(2)))
        items = _steps(first, last, match.group(3))
        if items is None:
            return None
        return [list(f"{number:0{width}d}") for number in items]
    match = _LETTERS.match(text)
    if match:
        items = _steps(ord(match.group(1)), ord(match.group(2)), match.group(3))
        if items is None:
            return None
        # Between Z and a lies a backslash, which quote removal turns into an empty word.
        return [[chr(code)] if code != ord("\\") else [SglQuoted("")] for code in items]
    return None


def _zero_padded(number: str) -> bool:
    digits = number.lstrip("+-")
    return len(digits) > 1 and digits.startswith("0")


def _steps(first: int, last: int, step_text: str | None) -> range | None:
    """first to last, by the step's size (its sign is ignored, 0 means 1), either way."""
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if first <= last:
        numbers = range(first, last + 1, step)
    else:
        numbers = range(first, last - 1, -step)
    if len(numbers) > MAX_WORDS:
        raise ExpandError("brace expansion: too many words")
    return numbers


def _to_parts(atoms: list) -> tuple:
    """Atoms back to word parts: runs of characters become one Lit.

    The text is re-read the way the shell reads a word, for one case: a name touching an
    unbraced ``$name`` joins it, since brace expansion comes first (bash: ``$x{a,b}`` is
    ``$xa $xb``)."""
    parts: list = []
    run: list[str] = []
    for atom in atoms + [None]:
        if type(atom) is str:
            run.append(atom)
            continue
        if run:
            text = "".join(run)
            run = []
            previous = parts[-1] if parts else None
            if (type(previous) is ParamExp and not previous.braced and previous.op is None
                    and previous.name.isidentifier()):
                joined = _NAME_CHARS.match(text)
                if joined:
                    parts[-1] = ParamExp(previous.name + joined.group())
                    text = text[joined.end():]
            if text:
                parts.append(Lit(text))
        if atom is not None:
            parts.append(atom)
    return tuple(parts)
