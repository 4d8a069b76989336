"""Shell patterns: ``* ? [...]`` matching (case, ${x#pat}) and pathname expansion.

A pattern here is a string in which a backslash quotes the next character: the
expansion stage escapes every character that was quoted in the source, so ``'*'x*``
arrives as ``\\*x*`` and only the second star is special.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "xdigit": "0-9A-Fa-f", "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e",
    "word": r"\w",
}


def has_magic(pattern: str) -> bool:
    """True if ``pattern`` has an unquoted ``*``, ``?`` or ``[`` (a ``[`` needs a ``]`` after it:
    the test command ``[`` is no pattern), or an extglob group ``@( … )`` ``!( … )`` ``+( … )``."""
    escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*?" or (char == "[" and "]" in pattern[index + 1:]):
            return True
        elif char in "@!+" and pattern.startswith("(", index + 1) and ")" in pattern[index + 2:]:
            return True
    return False


def unescape(pattern: str) -> str:
    """The literal text a pattern stands for when it matches nothing."""
    return re.sub(r"\\(.)", r"\1", pattern, flags=re.DOTALL) if "\\" in pattern else pattern


@lru_cache(maxsize=512)
def compile_pattern(pattern: str, nocase: bool = False) -> re.Pattern:
    """The regular expression of a shell pattern (bash's extglob forms included); with
    ``nocase``, letters match either case (nocaseglob, nocasematch)."""
    return re.compile(_translate(pattern), re.DOTALL | (re.IGNORECASE if nocase else 0))


def matches(pattern: str, text: str, nocase: bool = False) -> bool:
    """Does the whole of ``text`` match the shell ``pattern``?"""
    return compile_pattern(pattern, nocase).fullmatch(text) is not None


_EXTGLOB_OPS = "@!*+?"


def _translate(pattern: str) -> str:
    out = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char in _EXTGLOB_OPS and i < n and pattern[i] == "(":
            close = _closing_paren(pattern, i)
            if close > 0:
                alternatives = "|".join(_translate(each) for each in _alternatives(pattern[i + 1:close]))
                i = close + 1
                if char == "!":
                    # !(p): any text that is not a p. Exact where it ends the pattern (the
                    # usual !(*.txt)); before more pattern, the text up to a match of the rest.
                    rest = _translate(pattern[i:])
                    out.append(f"(?:(?!(?:{alternatives})(?:{rest})\\Z).*?){rest}")
                    return "".join(out)
                suffix = {"@": "", "*": "*", "+": "+", "?": "?"}[char]
                out.append(f"(?:{alternatives}){suffix}")
                continue
        if char == "\\" and i < n:
            out.append(re.escape(pattern[i]))
            i += 1
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            bracket, i = _bracket(pattern, i)
            out.append(bracket)
        else:
            out.append(re.escape(char))
    return "".join(out)


def _closing_paren(pattern: str, start: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``start`` (-1: none)."""
    depth = 0
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _alternatives(body: str) -> list[str]:
    """``a|b(c|d)`` -> ["a", "b(c|d)"]: split at the top-level bars."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            current.append(body[i:i + 2])
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """Translate a bracket expression starting after '['; an unclosed one is a literal '['."""
    start = i
    n = len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    items = []
    first = True
    while i < n:
        char = pattern[i]
        if char == "]" and not first:
            body = "".join(items)
            return ("[^" if negate else "[") + body + "]", i + 1
        first = False
        if char == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2:end] if end > 0 else None
            if name in _CLASSES:
                items.append(_CLASSES[name])
                i = end + 2
                continue
        if char == "\\" and i + 1 < n:
            i += 1
            char = pattern[i]
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            low, high = char, pattern[i + 2]
            if high == "\\" and i + 3 < n:
                high = pattern[i + 3]
                i += 1
            items.append(re.escape(low) + "-" + re.escape(high) if low <= high else "")
            i += 3
            continue
        items.append(re.escape(char))
        i += 1
    return re.escape("["), start


def strip_affix(value: str, pattern: str, op: str) -> str:
    """``${x#p}`` ``${x##p}`` (prefix) and ``${x%p}`` ``${x%%p}`` (suffix) removal."""
    compiled = compile_pattern(pattern)
    n = len(value)
    if op == "#":
        cuts = range(0, n + 1)
    elif op == "##":
        cuts = range(n, -1, -1)
    elif op == "%":
        cuts = range(n, -1, -1)
    else:  # %%
        cuts = range(0, n + 1)
    for cut in cuts:
        if op in ("#", "##"):
            if compiled.fullmatch(value, 0, cut):
                return value[cut:]
        elif compiled.fullmatch(value, cut):
            return value[:cut]
    return value


# ---------------------------------------------------------------- pathname expansion


def expand_path(pattern: str, dotglob: bool = False, nocase: bool = False,
                globstar: bool = False) -> list[str]:
    """Pathnames matching ``pattern``, sorted; an empty list when nothing matches.

    Each ``/``-separated component is matched against directory entries on its own; a
    leading dot must be matched explicitly (unless ``dotglob``), and ``*/`` matches
    directories only. With ``globstar``, a ``**`` component matches any number of
    directories (and, last, every file below).
    """
    components = pattern.split("/")
    prefixes = ["/"] if pattern.startswith("/") else [""]
    if pattern.startswith("/"):
        components = components[1:]
    last = len(components) - 1
    for index, component in enumerate(components):
        is_last = index == last
        if component == "":  # '//' or a trailing '/'
            prefixes = [p + "/" if not p.endswith("/") else p for p in prefixes
                        if is_last is False or (p and os.path.isdir(p))]
            continue
        separator = "" if is_last else "/"
        found = []
        if globstar and component == "**":
            for prefix in prefixes:
                found.extend(_below(prefix, dotglob, is_last, separator))
        elif has_magic(component):
            compiled = compile_pattern(component, nocase)
            dot_ok = dotglob or component.startswith(".") or component.startswith("\\.")
            for prefix in prefixes:
                try:
                    names = os.listdir(prefix or ".")
                except OSError:
                    continue
                for name in names:
                    if (dot_ok or name[0] != ".") and compiled.fullmatch(name):
                        found.append(prefix + name + separator)
        else:
            literal = unescape(component)
            for prefix in prefixes:
                candidate = prefix + literal
                if os.path.lexists(candidate):
                    found.append(candidate + separator)
        prefixes = found
        if not prefixes:
            return []
    if globstar and "**" in components:
        prefixes = list(dict.fromkeys(prefixes))
    return sorted(prefixes)


def _below(prefix: str, dotglob: bool, is_last: bool, separator: str) -> list[str]:
    """What ``**`` matches under ``prefix``: the directory itself and every directory
    below it (with ``separator`` after each), and when it is the last component every
    file too. Symbolic links to directories are not followed, as in bash."""
    found = [prefix] if prefix or not is_last else []
    pending = [prefix]
    while pending:
        directory = pending.pop(0)
        try:
            entries = sorted(os.scandir(directory or "."), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name[0] == "." and not dotglob:
                continue
            path = directory + entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir:
                found.append(path + separator)
                pending.append(path + "/")
            elif is_last:
                found.append(path)
    return found
